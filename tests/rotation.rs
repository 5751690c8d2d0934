//! Token rotation (issue #16) against a fake Slack that rotates as Slack does: tokens expire
//! after 12 hours, a refresh token works once. The bot renews ahead of expiry, once across
//! replicas; a call that meets an expired token renews it and is made once more; a refused
//! renewal stops the workspace (or ends the mentor's connection) once, with no loop. And the
//! single-token mode's uninstall, which stops the workspace until the bot runs with a new token.

mod support;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use std::time::Duration as StdDuration;

use support::fake_slack::FakeFailure;
use support::installs::{event, install, known_in, say_in};
use support::{mention, Backend, TestApp};

const T1: &str = "T0000000A1";
const TOKEN1: &str = "xoxe.xoxb-1-team-one";
const M1: &str = "U1MGR00001";
const R1: [&str; 2] = ["U1REP00001", "U1REP00002"];

on_each_backend!(
    a_rotating_bot_token_is_renewed_ahead_of_expiry,
    two_replicas_renew_a_token_once,
    a_token_that_expires_during_a_delivery_is_renewed_and_the_dm_sent_once,
    a_refused_renewal_stops_the_workspace_once,
    a_mentors_rotating_token_is_renewed_and_a_refused_one_ends_the_connection,
    an_uninstall_in_single_token_mode_stops_until_a_new_token,
);

/// "Add to Slack" mode with the fake app rotating its tokens, `T1` installed.
async fn rotating_install(backend: Backend) -> Option<TestApp> {
    let app = TestApp::spawn_installs(backend, Duration::days(30)).await?;
    app.slack.enable_token_rotation();
    let page = install(&app, T1, TOKEN1).await;
    assert!(page.body.contains("Installed"), "{}", page.body);
    Some(app)
}

async fn app_home_token(app: &TestApp, user: &str) -> Option<String> {
    let before = app.slack.calls_to("views.publish").len();
    let opened = event(
        T1,
        json!({ "type": "app_home_opened", "user": user, "channel": "D1", "event_ts": format!("{}.000016", before + 1515449522), "tab": "home" }),
    );
    assert_eq!(app.event(&opened).await.status, 200);
    let published = app
        .slack
        .wait_for_calls("views.publish", before + 1, StdDuration::from_secs(5))
        .await;
    published[before].token.clone()
}

async fn a_rotating_bot_token_is_renewed_ahead_of_expiry(backend: Backend) {
    let Some(app) = rotating_install(backend).await else {
        return;
    };
    // The refresh token is kept sealed, with the token's expiry.
    let rows: Vec<(Option<String>,)> = app.db.rows("SELECT refresh_sealed FROM workspaces").await;
    let refresh = rows[0].0.clone().expect("a refresh token is stored");
    assert!(
        refresh.starts_with("v1:") && !refresh.contains("xoxe-1-refresh"),
        "{refresh}"
    );
    known_in(&app, T1, M1, "Europe/Berlin").await;
    // Nine hours on: three left, nothing to do yet.
    app.advance_and_tick(Duration::hours(9)).await;
    assert!(app.slack.refreshes().is_empty());
    // Ten hours and a minute on: under two hours left, renewed once, however often it ticks.
    app.advance_and_tick(Duration::minutes(61)).await;
    app.tick().await;
    app.advance_and_tick(Duration::minutes(30)).await;
    assert_eq!(
        app.slack.refreshes().len(),
        1,
        "{}",
        app.slack.calls_summary()
    );
    let tokens = app.slack.rotated_bot_tokens(T1);
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_eq!(
        app_home_token(&app, M1).await.as_deref(),
        Some(tokens[1].as_str())
    );
    // The second time, twelve hours later, the new refresh token renews the new token.
    app.advance_and_tick(Duration::hours(11)).await;
    let refreshes = app.slack.refreshes();
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
    assert_ne!(refreshes[0], refreshes[1]);
    let tokens = app.slack.rotated_bot_tokens(T1);
    assert_eq!(
        app_home_token(&app, M1).await.as_deref(),
        Some(tokens[2].as_str())
    );
    // Past the old token's expiry the bot still works: it never uses it again.
    app.advance_and_tick(Duration::hours(3)).await;
    let said = say_in(&app, T1, M1, "list").await;
    assert!(!said.contains("isn't installed"), "{said}");
}

async fn two_replicas_renew_a_token_once(backend: Backend) {
    let Some(app) = rotating_install(backend).await else {
        return;
    };
    let other = app.installs_replica_same_slack().await;
    known_in(&app, T1, M1, "Europe/Berlin").await;
    for replica in [&app, &other] {
        replica
            .clock
            .advance(Duration::hours(10) + Duration::minutes(5));
    }
    // Slack takes its time over the first replica's refresh; the second ticks meanwhile.
    app.slack.fail_next(
        "oauth.v2.access",
        FakeFailure::Delay(StdDuration::from_millis(1500)),
    );
    let core = app.core.clone();
    let first = tokio::spawn(async move { core.deliver_due().await });
    app.slack
        .wait_for_calls("oauth.v2.access", 2, StdDuration::from_secs(5))
        .await;
    other.tick().await;
    first.await.expect("the tick ran").expect("the tick worked");
    assert_eq!(
        app.slack.refreshes().len(),
        1,
        "{}",
        app.slack.calls_summary()
    );
    // And both at once, again and again: nothing is due any more.
    for _ in 0..3 {
        let (_, _) = tokio::join!(app.tick(), other.tick());
    }
    assert_eq!(app.slack.refreshes().len(), 1);
    // Both replicas use the new token from then on, and neither renews again.
    let tokens = app.slack.rotated_bot_tokens(T1);
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert_eq!(
        app_home_token(&app, M1).await.as_deref(),
        Some(tokens[1].as_str())
    );
    assert_eq!(
        app_home_token(&other, M1).await.as_deref(),
        Some(tokens[1].as_str())
    );
    // Twelve hours on, the second replica alone renews the new token, once.
    for replica in [&app, &other] {
        replica
            .clock
            .advance(Duration::hours(10) + Duration::minutes(5));
    }
    other.tick().await;
    app.tick().await;
    let refreshes = app.slack.refreshes();
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
    assert_ne!(refreshes[0], refreshes[1]);
}

async fn a_token_that_expires_during_a_delivery_is_renewed_and_the_dm_sent_once(backend: Backend) {
    let Some(app) = rotating_install(backend).await else {
        return;
    };
    known_in(&app, T1, M1, "Europe/Berlin").await;
    for report in R1 {
        known_in(&app, T1, report, "Europe/Berlin").await;
        let set = format!("1on1 {} every week on mon 10:00", mention(report));
        say_in(&app, T1, M1, &set).await;
    }
    // Slack expires the token early (its clock, not ours): the bot's record says hours are left.
    app.slack.expire_token(TOKEN1);
    app.tick().await;
    for report in R1 {
        let dms = app.slack.dm_messages(report);
        assert_eq!(dms.len(), 1, "{report}: {}", app.slack.calls_summary());
    }
    assert_eq!(
        app.slack.refreshes().len(),
        1,
        "two DMs met the expired token, one renewal"
    );
    let tokens = app.slack.rotated_bot_tokens(T1);
    assert_eq!(app.slack.posts_with(&tokens[1]).len(), 2);
    // Nothing is sent twice afterwards, and nothing renewed again.
    app.tick().await;
    app.advance_and_tick(Duration::minutes(5)).await;
    for report in R1 {
        assert_eq!(app.slack.dm_messages(report).len(), 1, "{report}");
    }
    assert_eq!(app.slack.refreshes().len(), 1);
}

async fn a_refused_renewal_stops_the_workspace_once(backend: Backend) {
    let Some(app) = rotating_install(backend).await else {
        return;
    };
    known_in(&app, T1, M1, "Europe/Berlin").await;
    known_in(&app, T1, R1[0], "Europe/Berlin").await;
    let set = format!("1on1 {} every week on mon 10:00", mention(R1[0]));
    say_in(&app, T1, M1, &set).await;
    // Someone else used the refresh token (a copy of the database, say): Slack revoked it.
    app.slack.spend_refresh_tokens();
    app.advance_and_tick(Duration::hours(10) + Duration::minutes(5))
        .await;
    assert_eq!(app.slack.refreshes().len(), 1);
    let said = say_in(&app, T1, M1, "list").await;
    assert!(said.contains("isn't installed"), "{said}");
    let cancelled: Vec<(String, Option<String>)> = app
        .db
        .rows("SELECT key, last_error FROM reminders WHERE status = 'cancelled'")
        .await;
    assert!(
        !cancelled.is_empty()
            && cancelled.iter().all(|(_, why)| why
                .as_deref()
                .is_some_and(|w| w.contains("refused to renew"))),
        "{cancelled:?}"
    );
    // No loop: later rounds do not ask again.
    for _ in 0..5 {
        app.advance_and_tick(Duration::hours(1)).await;
    }
    assert_eq!(app.slack.refreshes().len(), 1);
    assert!(app.slack.dm_messages(R1[0]).is_empty());
    // Installing again brings it back.
    let again = install(&app, T1, "xoxe.xoxb-1-team-one-again").await;
    assert!(again.body.contains("Installed again"), "{}", again.body);
}

const ANA: &str = "U0ANA00001";

/// Single-token mode, rotation on for user tokens: Ana connects her status.
async fn connected_mentor(backend: Backend) -> Option<TestApp> {
    let app = TestApp::spawn(backend).await?;
    app.slack.enable_token_rotation();
    app.known_user(ANA, "Europe/Berlin").await;
    // Thursday 13:30 UTC; the window is 16:00-17:00 Berlin (15:00-16:00 UTC).
    app.say(ANA, "add thu 16:00-17:00").await;
    let answer = app.command(ANA, "connect").await.body;
    let state = answer
        .split("state=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a connect link")
        .to_owned();
    app.slack
        .approve_oauth("code-ana", support::TEAM, ANA, "xoxe.xoxp-1-ana");
    let page = app
        .get(&format!(
            "/slack/oauth/callback?code=code-ana&state={state}"
        ))
        .await;
    assert!(page.body.contains("Connected"), "{}", page.body);
    Some(app)
}

async fn a_mentors_rotating_token_is_renewed_and_a_refused_one_ends_the_connection(
    backend: Backend,
) {
    let Some(app) = connected_mentor(backend).await else {
        return;
    };
    let rows: Vec<(Option<String>,)> = app.db.rows("SELECT refresh_sealed FROM connections").await;
    assert!(
        rows[0].0.as_deref().is_some_and(|r| r.starts_with("v1:")),
        "{rows:?}"
    );
    // Her token expired early at Slack: the status change renews it and is made once.
    app.slack.expire_token("xoxe.xoxp-1-ana");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(app.slack.refreshes().len(), 1);
    let sets = app.slack.status_sets(ANA);
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert!(sets[0].text.starts_with("Office hours"), "{sets:?}");
    // The renewed token is renewed ahead of its own expiry, once.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 1, 30, 0).unwrap());
    app.tick().await;
    app.tick().await;
    assert_eq!(app.slack.refreshes().len(), 2);
    // Slack refuses the next renewal: her connection ends (once), her status changes stop.
    app.slack.spend_refresh_tokens();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 13, 30, 0).unwrap());
    app.tick().await;
    app.advance_and_tick(Duration::hours(1)).await;
    assert_eq!(app.slack.refreshes().len(), 3);
    let broken: Vec<(bool,)> = app.db.rows("SELECT broken FROM connections").await;
    assert_eq!(broken, vec![(true,)]);
    let pending: Vec<(String,)> = app
        .db
        .rows("SELECT key FROM reminders WHERE key LIKE 'status:%' AND status = 'pending'")
        .await;
    assert!(pending.is_empty(), "{pending:?}");
    for _ in 0..3 {
        app.advance_and_tick(Duration::hours(12)).await;
    }
    assert_eq!(app.slack.refreshes().len(), 3, "no loop");
    // She is told once how to connect again.
    let told: Vec<String> = app
        .slack
        .dm_messages(ANA)
        .iter()
        .map(support::visible_text)
        .filter(|text| text.contains("no longer update your Slack status"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    // She can connect again.
    let again = app.say(ANA, "connect").await;
    assert!(!again.contains("already connected"), "{again}");
}

async fn an_uninstall_in_single_token_mode_stops_until_a_new_token(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    const MGR: &str = "U0MGR00001";
    const REP: &str = "U0REP00001";
    app.known_user(MGR, "Europe/Berlin").await;
    app.known_user(REP, "Europe/Berlin").await;
    app.say(MGR, "add tue 14:00-15:00").await;
    app.say(
        MGR,
        &format!("1on1 {} every week on mon 10:00", mention(REP)),
    )
    .await;
    let removed = event(
        support::TEAM,
        json!({ "type": "app_uninstalled", "event_ts": "1515449522.000016" }),
    );
    assert_eq!(app.event(&removed).await.status, 200);
    // Slack's retry of the event changes nothing.
    assert_eq!(app.event(&removed).await.status, 200);
    let pending: Vec<(String,)> = app
        .db
        .rows("SELECT key FROM reminders WHERE status = 'pending'")
        .await;
    assert!(pending.is_empty(), "{pending:?}");
    let said = app.say(MGR, "list").await;
    assert!(
        said.contains("was removed from this Slack workspace"),
        "{said}"
    );
    assert!(said.contains("SLACK_BOT_TOKEN"), "{said}");
    for _ in 0..100 {
        app.advance_and_tick(Duration::hours(1)).await;
    }
    assert!(app.slack.dm_messages(REP).is_empty());
    // Another replica with the same (dead) token is stopped too, at once and after a restart.
    let same = app.replica().await;
    let said = same.say(MGR, "list").await;
    assert!(said.contains("was removed"), "{said}");
    // Started with a new token (the app installed again), the bot serves the workspace again,
    // with everything it had: the 1:1's reminders are pending again.
    let renewed = app.replica_with_bot_token("xoxb-after-reinstall").await;
    renewed.slack.set_user(MGR, "mgr", Some("Europe/Berlin"));
    renewed.slack.set_user(REP, "rep", Some("Europe/Berlin"));
    let said = renewed.say(MGR, "list").await;
    assert!(said.contains("14:00"), "{said}");
    let pending: Vec<(String,)> = app
        .db
        .rows("SELECT key FROM reminders WHERE status = 'pending' AND key LIKE '1on1:%'")
        .await;
    assert!(!pending.is_empty());
    for _ in 0..(7 * 24) {
        renewed.advance_and_tick(Duration::hours(1)).await;
    }
    assert!(!renewed.slack.dm_messages(REP).is_empty());
}
