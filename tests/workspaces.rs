//! Every workspace: "Add to Slack" installs through the real OAuth flow, each workspace served
//! with its own bot token (the fake Slack refuses a token used for another workspace's people,
//! as Slack does), uninstalls that stop one workspace's work at once and leave the others alone,
//! a reinstall within the retention, the purge after it, and the bad inputs of the flow.

mod support;

use chrono::Duration;
use serde_json::json;
use std::time::Duration as StdDuration;

use support::fake_slack::FakeFailure;
use support::installs::{
    callback, event, grant, install, known_in, say_in, start_install, uninstall,
};
use support::{mention, Backend, TestApp};

const T1: &str = "T0000000A1";
const T2: &str = "T0000000B2";
const TOKEN1: &str = "xoxb-team-one";
const TOKEN2: &str = "xoxb-team-two";
const M1: &str = "U1MGR00001";
const R1: [&str; 2] = ["U1REP00001", "U1REP00002"];
const M2: &str = "U2MGR00001";
const R2: [&str; 2] = ["U2REP00001", "U2REP00002"];

on_each_backend!(
    each_workspace_is_served_with_its_own_token,
    an_uninstall_in_the_middle_of_a_fan_out_stops_only_that_workspace,
    a_reinstall_within_the_retention_brings_the_workspace_back,
    an_uninstalled_workspace_is_purged_after_the_retention,
    bad_install_callbacks_store_nothing,
    a_revoked_bot_token_is_an_uninstall,
    another_replica_serves_an_install_and_stops_at_its_uninstall,
);

fn now(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    officehours::clock::Clock::now(&*app.clock)
}

async fn installs(backend: Backend, retention: Duration) -> Option<TestApp> {
    TestApp::spawn_installs(backend, retention).await
}

/// Two workspaces installed, a manager in each with 1:1s with two reports: four notices due.
async fn two_workspaces_with_one_on_ones(app: &TestApp) {
    for (team, token) in [(T1, TOKEN1), (T2, TOKEN2)] {
        let page = install(app, team, token).await;
        assert!(page.body.contains("Installed"), "{team}: {}", page.body);
    }
    for (team, manager, reports) in [(T1, M1, R1), (T2, M2, R2)] {
        known_in(app, team, manager, "Europe/Berlin").await;
        for report in reports {
            known_in(app, team, report, "Europe/Berlin").await;
            let set = format!("1on1 {} every week on mon 10:00", mention(report));
            let said = say_in(app, team, manager, &set).await;
            assert!(!said.contains("isn't installed"), "{said}");
        }
    }
}

fn dms_to(app: &TestApp, users: &[&str]) -> usize {
    users.iter().map(|u| app.slack.dm_messages(u).len()).sum()
}

async fn each_workspace_is_served_with_its_own_token(backend: Backend) {
    let Some(app) = installs(backend, Duration::days(30)).await else {
        return;
    };
    two_workspaces_with_one_on_ones(&app).await;
    app.tick().await;
    let mut one = app.slack.posts_with(TOKEN1);
    let mut two = app.slack.posts_with(TOKEN2);
    one.sort();
    two.sort();
    assert_eq!(one, R1.to_vec(), "the first workspace's DMs");
    assert_eq!(two, R2.to_vec(), "the second workspace's DMs");
    assert_eq!(dms_to(&app, &R1) + dms_to(&app, &R2), 4);
    // Profiles too: every users.info went out with its own workspace's token.
    for call in app.slack.calls_to("users.info") {
        let user = call.params["user"].as_str().unwrap_or_default();
        let want = if user.starts_with("U1") {
            TOKEN1
        } else {
            TOKEN2
        };
        assert_eq!(call.token.as_deref(), Some(want), "{call:?}");
    }
    // Nothing went out with the single-token mode's token, which this app does not have.
    assert!(app.slack.posts_with(support::BOT_TOKEN).is_empty());
    // A workspace that never installed gets told so, and nothing of it is stored.
    let before = app.db.snapshot().await;
    let said = say_in(&app, "T0000000C3", "U3NEW00001", "add tue 14:00-15:00").await;
    assert!(
        said.contains("isn't installed in this Slack workspace"),
        "{said}"
    );
    assert_eq!(app.db.snapshot().await, before);
}

async fn an_uninstall_in_the_middle_of_a_fan_out_stops_only_that_workspace(backend: Backend) {
    let Some(app) = installs(backend, Duration::days(30)).await else {
        return;
    };
    two_workspaces_with_one_on_ones(&app).await;
    // Slack holds each of the four DMs four seconds; the uninstall arrives while they are in flight.
    for _ in 0..4 {
        app.slack.fail_next(
            "chat.postMessage",
            FakeFailure::Delay(StdDuration::from_secs(4)),
        );
    }
    let core = app.core.clone();
    let tick = tokio::spawn(async move { core.deliver_due().await });
    app.slack
        .wait_for_calls("chat.postMessage", 4, StdDuration::from_secs(10))
        .await;
    // Slack revokes the token as it tells the app.
    app.slack.revoke_bot_token(TOKEN1);
    uninstall(&app, T1).await;
    tick.await.expect("the tick ran").expect("the tick worked");
    assert_eq!(
        dms_to(&app, &R1),
        0,
        "nothing reached the uninstalled workspace"
    );
    assert_eq!(dms_to(&app, &R2), 2, "the other workspace got its DMs");
    // Nothing more goes out there, however long the scheduler runs; the other keeps going.
    let posts_before = app.slack.posts_with(TOKEN1).len();
    for _ in 0..100 {
        app.advance_and_tick(Duration::hours(1)).await;
    }
    assert_eq!(app.slack.posts_with(TOKEN1).len(), posts_before);
    assert_eq!(dms_to(&app, &R1), 0);
    assert!(
        dms_to(&app, &R2) > 2,
        "the other workspace's 1:1 reminders kept coming"
    );
    let open: Vec<(String, String)> = app
        .db
        .rows("SELECT key, status FROM reminders WHERE team_id = 'T0000000A1' AND status IN ('pending', 'claimed')")
        .await;
    assert!(open.is_empty(), "{open:?}");
    let cancelled: Vec<(String, Option<String>)> = app
        .db
        .rows("SELECT key, last_error FROM reminders WHERE team_id = 'T0000000A1' AND status = 'cancelled'")
        .await;
    assert!(!cancelled.is_empty());
    assert!(
        cancelled
            .iter()
            .all(|(_, why)| why.as_deref().is_some_and(|w| w.contains("uninstall"))),
        "{cancelled:?}"
    );
}

async fn a_reinstall_within_the_retention_brings_the_workspace_back(backend: Backend) {
    let Some(app) = installs(backend, Duration::days(30)).await else {
        return;
    };
    assert!(install(&app, T1, TOKEN1).await.body.contains("Installed"));
    known_in(&app, T1, M1, "Europe/Berlin").await;
    known_in(&app, T1, R1[0], "Europe/Berlin").await;
    say_in(&app, T1, M1, "add tue 14:00-15:00").await;
    let weekly = format!("1on1 {} every week on mon 10:00", mention(R1[0]));
    say_in(&app, T1, M1, &weekly).await;
    uninstall(&app, T1).await;
    // An uninstalled workspace is told so, and its events and buttons do nothing.
    let refused = say_in(&app, T1, M1, "list").await;
    assert!(refused.contains("isn't installed"), "{refused}");
    let opened = event(
        T1,
        json!({ "type": "app_home_opened", "user": M1, "channel": "D1", "event_ts": "1515449522.000016", "tab": "home" }),
    );
    let events_before: Vec<(String,)> = app.db.rows("SELECT event_id FROM slack_events").await;
    assert_eq!(app.event(&opened).await.status, 200);
    let mentioned = event(
        T1,
        json!({ "type": "message", "channel": "C1", "user": M1, "text": format!("ask {}", mention(M1)), "ts": "1515449522.000016", "event_ts": "1515449522.000016", "channel_type": "channel" }),
    );
    assert_eq!(app.event(&mentioned).await.status, 200);
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(app.slack.calls_to("views.publish").is_empty());
    assert!(app.slack.calls_to("chat.postEphemeral").is_empty());
    let events_after: Vec<(String,)> = app.db.rows("SELECT event_id FROM slack_events").await;
    assert_eq!(
        events_after, events_before,
        "nothing of an unserved workspace's events is written"
    );
    // Twenty days later, installed again (with a new token): everything is as it was.
    app.clock.advance(Duration::days(20));
    let janitor = officehours::store::connect(&app.db.url).await.unwrap();
    sweep(&*janitor, now(&app), Duration::days(30)).await;
    let again = install(&app, T1, "xoxb-team-one-again").await;
    assert!(again.body.contains("Installed again"), "{}", again.body);
    let listed = say_in(&app, T1, M1, "list").await;
    assert!(listed.contains("14:00"), "{listed}");
    // A second install while installed replaces the token and says so.
    let replaced = install(&app, T1, "xoxb-team-one-third").await;
    assert!(
        replaced.body.contains("Already installed"),
        "{}",
        replaced.body
    );
    say_in(&app, T1, M1, "help").await;
    let home = event(
        T1,
        json!({ "type": "app_home_opened", "user": M1, "channel": "D1", "event_ts": "1515449523.000016", "tab": "home" }),
    );
    app.event(&home).await;
    let published = app
        .slack
        .wait_for_calls("views.publish", 1, StdDuration::from_secs(5))
        .await;
    assert_eq!(published[0].token.as_deref(), Some("xoxb-team-one-third"));
    // The 1:1 goes on: the reminders the uninstall cancelled are back, and the chain continues
    // to the next meeting (Monday 28 December, 10:00 in Berlin).
    for _ in 0..120 {
        app.advance_and_tick(Duration::hours(1)).await;
    }
    let reminded: Vec<String> = app
        .slack
        .dm_messages(R1[0])
        .iter()
        .map(support::visible_text)
        .filter(|text| text.contains("Your 1:1 with"))
        .collect();
    assert_eq!(
        reminded.len(),
        1,
        "{reminded:?}\n{:?}",
        app.db.reminders().await
    );
}

async fn an_uninstalled_workspace_is_purged_after_the_retention(backend: Backend) {
    let Some(app) = installs(backend, Duration::days(30)).await else {
        return;
    };
    for (team, token) in [(T1, TOKEN1), (T2, TOKEN2)] {
        let page = install(&app, team, token).await;
        assert!(
            page.body.contains("Installed"),
            "{}: {}",
            page.status,
            page.body
        );
    }
    for (team, user) in [(T1, M1), (T2, M2)] {
        known_in(&app, team, user, "Europe/Berlin").await;
        say_in(&app, team, user, "add tue 14:00-15:00").await;
    }
    let before = say_in(&app, T1, M1, &mention(M1)).await;
    assert!(before.contains("14:00"), "{before}");
    let open = say_in(&app, T1, M1, "").await;
    assert!(open.contains("14:00"), "{open}");
    uninstall(&app, T1).await;
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let count = |team: &'static str| {
        let db = &app.db;
        async move {
            let mut n = 0;
            for table in ["people", "windows", "workspaces"] {
                let rows: Vec<(String,)> = db
                    .rows(&format!(
                        "SELECT team_id FROM {table} WHERE team_id = '{team}'"
                    ))
                    .await;
                n += rows.len();
            }
            n
        }
    };
    // Within the retention nothing is deleted.
    let at = now(&app);
    sweep(&*store, at + Duration::days(29), Duration::days(30)).await;
    assert_eq!(count(T1).await, 3);
    // After it, all of the uninstalled workspace goes, and nothing of the other.
    let swept = officehours::startup::sweep_workspaces(
        &*store,
        at + Duration::days(31),
        Duration::days(30),
    )
    .await;
    assert!(matches!(swept[0].1, Ok(1)), "{:?}", swept[0]);
    assert_eq!(count(T1).await, 0);
    assert_eq!(count(T2).await, 3);
    // Installed again after the purge, the workspace starts empty, in this process's read model too.
    assert!(install(&app, T1, TOKEN1).await.body.contains("Installed"));
    known_in(&app, T1, R1[0], "Europe/Berlin").await;
    let asked = say_in(&app, T1, R1[0], &mention(M1)).await;
    assert!(!asked.contains("14:00"), "{asked}");
    let open = say_in(&app, T1, R1[0], "").await;
    assert!(!open.contains(M1), "{open}");
    // With a retention of 0 an uninstall is purged at the next sweep.
    uninstall(&app, T2).await;
    sweep(&*store, now(&app), Duration::zero()).await;
    assert_eq!(count(T2).await, 0);
}

async fn bad_install_callbacks_store_nothing(backend: Backend) {
    let Some(app) = installs(backend, Duration::days(30)).await else {
        return;
    };
    // The page asks for exactly the bot scopes of manifest.yml, and comes back to our callback.
    let (cookie, state, link) = start_install(&app).await;
    let param = |name: &str| {
        link.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(param("scope"), manifest_bot_scopes().join(","));
    assert_eq!(param("client_id"), support::fake_slack::CLIENT_ID);
    assert_eq!(
        param("redirect_uri"),
        format!("{}/slack/install/callback", support::PUBLIC_URL)
    );
    app.slack.approve_install("good", grant(T1, TOKEN1));
    // Someone else's state (this browser was never given it): refused, and not used up.
    let stolen = callback(&app, &format!("code=good&state={state}"), None).await;
    assert_eq!(stolen.status, 400);
    assert!(stolen.body.contains("another browser"), "{}", stolen.body);
    let forged = callback(
        &app,
        "code=good&state=forged",
        Some("officehours_install=forged"),
    )
    .await;
    assert!(
        forged.body.contains("doesn't work any more"),
        "{}",
        forged.body
    );
    // Slack refuses a code it never issued.
    let refused = callback(&app, &format!("code=made-up&state={state}"), Some(&cookie)).await;
    assert_eq!(refused.status, 502);
    assert!(refused.body.contains("didn't confirm"), "{}", refused.body);
    // The state is used up now, even with the right cookie and a good code.
    let used = callback(&app, &format!("code=good&state={state}"), Some(&cookie)).await;
    assert!(used.body.contains("doesn't work any more"), "{}", used.body);
    // The admin said no.
    let (cookie, state, _) = start_install(&app).await;
    let denied = callback(
        &app,
        &format!("error=access_denied&state={state}"),
        Some(&cookie),
    )
    .await;
    assert_eq!(denied.status, 200);
    assert!(denied.body.contains("cancelled"), "{}", denied.body);
    // Too late: the button works for ten minutes.
    let (cookie, state, _) = start_install(&app).await;
    app.clock.advance(Duration::minutes(11));
    let late = callback(&app, &format!("code=good&state={state}"), Some(&cookie)).await;
    assert!(late.body.contains("doesn't work any more"), "{}", late.body);
    // The good code still works through a fresh, rightful flow.
    let (cookie, state, _) = start_install(&app).await;
    let ok = callback(&app, &format!("code=good&state={state}"), Some(&cookie)).await;
    assert!(ok.body.contains("Installed"), "{}", ok.body);
    assert_eq!(workspaces(&app).await, 1);
    let sealed: Vec<(String,)> = app.db.rows("SELECT token_sealed FROM workspaces").await;
    assert!(
        !sealed[0].0.contains(TOKEN1),
        "the bot token is stored sealed"
    );
}

async fn a_revoked_bot_token_is_an_uninstall(backend: Backend) {
    let Some(app) = installs(backend, Duration::days(30)).await else {
        return;
    };
    two_workspaces_with_one_on_ones(&app).await;
    let revoked = event(
        T2,
        json!({
            "type": "tokens_revoked",
            "tokens": { "oauth": [], "bot": ["UBOTT0000000B2"] },
            "event_ts": "1515449522.000016"
        }),
    );
    assert_eq!(app.event(&revoked).await.status, 200);
    // The same event again (Slack's retry) is harmless.
    assert_eq!(app.event(&revoked).await.status, 200);
    app.tick().await;
    assert_eq!(dms_to(&app, &R2), 0);
    assert_eq!(dms_to(&app, &R1), 2);
    let said = say_in(&app, T2, M2, "list").await;
    assert!(said.contains("isn't installed"), "{said}");
}

/// The janitor's workspace sweep at `at`, which must work.
async fn sweep(
    store: &dyn officehours::store::Store,
    at: chrono::DateTime<chrono::Utc>,
    retention: Duration,
) {
    for (what, result) in officehours::startup::sweep_workspaces(store, at, retention).await {
        assert!(result.is_ok(), "{what}: {result:?}");
    }
}

async fn workspaces(app: &TestApp) -> usize {
    let rows: Vec<(String,)> = app.db.rows("SELECT team_id FROM workspaces").await;
    rows.len()
}

/// The bot scopes listed in manifest.yml, in order.
fn manifest_bot_scopes() -> Vec<String> {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/manifest.yml"))
        .expect("manifest.yml");
    let mut scopes = Vec::new();
    let mut in_bot = false;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed == "bot:" {
            in_bot = true;
            continue;
        }
        if in_bot {
            if let Some(scope) = trimmed.strip_prefix("- ") {
                scopes.push(scope.to_owned());
            } else if !trimmed.starts_with('#') && !trimmed.is_empty() {
                break;
            }
        }
    }
    scopes
}

#[tokio::test]
async fn single_token_mode_has_nothing_to_install() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let page = app.get("/slack/install").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("SLACK_BOT_TOKEN"), "{}", page.body);
}

mod a_mentor_who_revokes_their_token_is_disconnected {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::a_mentor_who_revokes_their_token_is_disconnected(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_mentor_who_revokes_their_token_is_disconnected(Backend::Postgres).await
    }
}

/// Single-token mode: `tokens_revoked` naming a mentor ends their connection, and nothing else.
async fn a_mentor_who_revokes_their_token_is_disconnected(backend: Backend) {
    const ANA: &str = "U0ANA00001";
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add tue 14:00-15:00").await;
    let answer = app.command(ANA, "connect").await.body;
    let state = answer
        .split("state=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a connect link")
        .to_owned();
    app.slack
        .approve_oauth("code-ana", support::TEAM, ANA, "xoxp-ana");
    let page = app
        .get(&format!(
            "/slack/oauth/callback?code=code-ana&state={state}"
        ))
        .await;
    assert!(page.body.contains("Connected"), "{}", page.body);
    let status_rows = |status: &'static str| {
        let db = &app.db;
        async move {
            let rows: Vec<(String, Option<String>)> = db
                .rows(&format!(
                    "SELECT key, last_error FROM reminders WHERE key LIKE 'status:%' AND status = '{status}'"
                ))
                .await;
            rows
        }
    };
    assert!(
        !status_rows("pending").await.is_empty(),
        "status changes planned"
    );
    let revoked = event(
        support::TEAM,
        json!({ "type": "tokens_revoked", "tokens": { "oauth": [ANA], "bot": [] }, "event_ts": "1515449522.000016" }),
    );
    assert_eq!(app.event(&revoked).await.status, 200);
    let connections: Vec<(String,)> = app.db.rows("SELECT user_id FROM connections").await;
    assert!(connections.is_empty(), "{connections:?}");
    assert!(status_rows("pending").await.is_empty());
    let cancelled = status_rows("cancelled").await;
    assert!(
        !cancelled.is_empty()
            && cancelled
                .iter()
                .all(|(_, why)| why.as_deref().is_some_and(|w| w.contains("revoked"))),
        "{cancelled:?}"
    );
    // The workspace itself is still served.
    let listed = app.say(ANA, "list").await;
    assert!(listed.contains("14:00"), "{listed}");
}

async fn another_replica_serves_an_install_and_stops_at_its_uninstall(backend: Backend) {
    let Some(app) = installs(backend, Duration::days(30)).await else {
        return;
    };
    assert!(install(&app, T1, TOKEN1).await.body.contains("Installed"));
    let other = app.installs_replica(Duration::days(30)).await;
    // Slack knows the token and the people, whichever replica asks.
    other.slack.knows_bot_token(TOKEN1, T1, "UBOTT0000000A1");
    known_in(&other, T1, M1, "Europe/Berlin").await;
    let asked = other.slack.calls_to("users.info");
    assert!(!asked.is_empty() && asked.iter().all(|c| c.token.as_deref() == Some(TOKEN1)));
    // An uninstall told to the first replica stops the other at once: no stale client there.
    uninstall(&app, T1).await;
    let said = say_in(&other, T1, M1, "list").await;
    assert!(said.contains("isn't installed"), "{said}");
    // And a reinstall through the other replica serves the first with the new token.
    assert!(install(&other, T1, "xoxb-team-one-via-other")
        .await
        .body
        .contains("Installed again"));
    app.slack
        .knows_bot_token("xoxb-team-one-via-other", T1, "UBOTT0000000A1");
    app.slack
        .set_user_in(T1, M1, "u1mgr00001", Some("Europe/Berlin"));
    let said = say_in(&app, T1, M1, "list").await;
    assert!(!said.contains("isn't installed"), "{said}");
    let home = event(
        T1,
        json!({ "type": "app_home_opened", "user": M1, "channel": "D1", "event_ts": "1515449524.000016", "tab": "home" }),
    );
    assert_eq!(app.event(&home).await.status, 200);
    let published = app
        .slack
        .wait_for_calls("views.publish", 1, StdDuration::from_secs(5))
        .await;
    assert_eq!(
        published[0].token.as_deref(),
        Some("xoxb-team-one-via-other")
    );
}
