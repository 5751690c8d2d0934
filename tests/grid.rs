//! Enterprise Grid: an org-wide install serves every workspace the organisation added it to with
//! one token, its people see each other's office hours across those workspaces, and nothing of
//! one organisation reaches another, a workspace outside it, or a workspace's own install. The
//! fake Slack keeps the organisation's workspaces (`auth.teams.list`) and lets the org token reach
//! only their people.

mod support;

use chrono::Duration;
use serde_json::json;

use support::installs::{
    command_in_org, install, install_org, known_in_org, org_event, say_in, say_in_org, uninstall,
};
use support::{mention, Backend, TestApp};

const ORG: &str = "E0000000G1";
const ORG_TOKEN: &str = "xoxb-org-one";
/// Two workspaces of the organisation, and one it has not added the app to.
const TA: &str = "T00000GA01";
const TB: &str = "T00000GB02";
const TC: &str = "T00000GC03";
/// Another organisation, and a workspace with its own install.
const ORG2: &str = "E0000000G2";
const ORG2_TOKEN: &str = "xoxb-org-two";
const T2: &str = "T00000XX02";
const SOLO: &str = "T00000SOLO";
const SOLO_TOKEN: &str = "xoxb-solo";

const MENTOR: &str = "W0MENTORA1";
const ASKER: &str = "W0ASKERB01";
const OUTSIDER: &str = "W0OUTSIDC1";

on_each_backend!(
    one_install_serves_the_organisations_workspaces_as_one,
    no_organisation_sees_another,
    a_workspace_the_organisation_did_not_add_is_refused,
    team_access_events_add_and_take_away_workspaces,
    an_org_uninstall_stops_all_its_workspaces_and_a_reinstall_brings_them_back,
    a_removed_organisation_is_purged_after_the_retention,
    a_mentor_in_an_organisation_connects_their_status,
);

async fn org_app(backend: Backend) -> Option<TestApp> {
    let app = TestApp::spawn_installs(backend, Duration::days(30)).await?;
    app.slack.org_workspaces(ORG, &[TA, TB]);
    app.slack
        .set_user_in(TC, OUTSIDER, "outsider", Some("Europe/London"));
    let page = install_org(&app, ORG, ORG_TOKEN).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("installed for"),
        "the page says it is the organisation's install: {}",
        page.body
    );
    known_in_org(&app, ORG, TA, MENTOR, "Europe/Berlin").await;
    known_in_org(&app, ORG, TB, ASKER, "America/New_York").await;
    Some(app)
}

/// The mentor (in workspace A) is open all week, so anyone who asks sees them.
async fn mentor_opens(app: &TestApp) {
    let said = say_in_org(app, ORG, TA, MENTOR, "add daily 00:00-23:59 rust").await;
    assert!(said.contains("Added"), "{said}");
}

/// The organisation removes the app (Slack's `app_uninstalled`, from the org-wide install).
async fn remove_org(app: &TestApp) {
    let removed = org_event(
        ORG,
        TA,
        json!({ "type": "app_uninstalled", "event_ts": "1515449522.000016" }),
    );
    assert_eq!(app.event(&removed).await.status, 200);
}

/// How an answer names a person.
fn shown(user: &str) -> String {
    format!("<@{user}>")
}

/// Time for work that should not happen to show if it did.
async fn quiet() {
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
}

async fn rows(app: &TestApp, sql: &str) -> Vec<(String,)> {
    app.db.rows(sql).await
}

async fn one_install_serves_the_organisations_workspaces_as_one(backend: Backend) {
    let Some(app) = org_app(backend).await else {
        return;
    };
    // Kept under the organisation's id, its token sealed; its workspaces learnt from Slack.
    let kept = rows(&app, "SELECT team_id FROM workspaces").await;
    assert_eq!(kept, vec![(ORG.to_owned(),)]);
    let sealed = rows(&app, "SELECT token_sealed FROM workspaces").await;
    assert!(!sealed[0].0.contains(ORG_TOKEN), "sealed at rest");
    let listed = rows(&app, "SELECT team_id FROM org_workspaces ORDER BY team_id").await;
    assert_eq!(listed, vec![(TA.to_owned(),), (TB.to_owned(),)]);

    mentor_opens(&app).await;
    // Someone in the other workspace of the organisation sees the mentor.
    let seen = say_in_org(&app, ORG, TB, ASKER, "").await;
    assert!(seen.contains(&shown(MENTOR)), "{seen}");
    // Their rows carry the organisation's key, not a workspace's.
    let people = rows(&app, "SELECT DISTINCT team_id FROM people").await;
    assert_eq!(people, vec![(ORG.to_owned(),)]);

    // A 1:1 across the two workspaces: its DM goes out with the organisation's token.
    let set = format!("1on1 {} every week on mon 10:00", mention(ASKER));
    let said = say_in_org(&app, ORG, TA, MENTOR, &set).await;
    assert!(!said.contains("isn't"), "{said}");
    // Setting it up tells the report at once.
    app.tick().await;
    let posted = app.slack.posts_with(ORG_TOKEN);
    assert_eq!(posted, vec![ASKER.to_owned()], "one DM, with the org token");
    assert!(
        !app.slack.dm_messages(ASKER).is_empty(),
        "the asker got the DM"
    );
    for call in app.slack.calls_to("users.info") {
        assert_eq!(call.token.as_deref(), Some(ORG_TOKEN), "{call:?}");
    }
}

async fn no_organisation_sees_another(backend: Backend) {
    let Some(app) = org_app(backend).await else {
        return;
    };
    mentor_opens(&app).await;
    // A second organisation, and a workspace that installed the app on its own.
    app.slack.org_workspaces(ORG2, &[T2]);
    app.slack
        .set_user_in(T2, "W0OTHERORG", "other", Some("Asia/Tokyo"));
    app.slack
        .set_user_in(SOLO, "U0SOLO0001", "solo", Some("Asia/Tokyo"));
    assert_eq!(install_org(&app, ORG2, ORG2_TOKEN).await.status, 200);
    assert_eq!(install(&app, SOLO, SOLO_TOKEN).await.status, 200);

    let other_org = say_in_org(&app, ORG2, T2, "W0OTHERORG", "").await;
    assert!(!other_org.contains(&shown(MENTOR)), "{other_org}");
    let solo = say_in(&app, SOLO, "U0SOLO0001", "").await;
    assert!(!solo.contains(&shown(MENTOR)), "{solo}");
    // Claiming the first organisation from the other's workspace gets nothing of it.
    let claimed = say_in_org(&app, ORG, T2, "W0OTHERORG", "").await;
    assert!(!claimed.contains(&shown(MENTOR)), "{claimed}");
    assert!(claimed.contains("not added to this workspace"), "{claimed}");
}

async fn a_workspace_the_organisation_did_not_add_is_refused(backend: Backend) {
    let Some(app) = org_app(backend).await else {
        return;
    };
    mentor_opens(&app).await;
    let before = rows(&app, "SELECT user_id FROM people").await.len();
    let refused = say_in_org(&app, ORG, TC, OUTSIDER, "add mon 09:00-10:00").await;
    assert!(refused.contains("not added to this workspace"), "{refused}");
    assert!(
        refused.contains("Org Admin"),
        "says who can fix it: {refused}"
    );
    assert_eq!(
        rows(&app, "SELECT user_id FROM people").await.len(),
        before,
        "nothing stored for the outsider"
    );
    // Their event (opening the Home tab) is acknowledged, and nothing is done for it.
    let opened = org_event(
        ORG,
        TC,
        json!({ "type": "app_home_opened", "user": OUTSIDER, "channel": "D0OUTSIDER", "tab": "home", "event_ts": "1515449522.000016" }),
    );
    assert_eq!(app.event(&opened).await.status, 200);
    quiet().await;
    assert!(app.slack.calls_to("views.publish").is_empty());
    // A button press from there changes nothing either.
    let pressed = json!({
        "type": "block_actions",
        "team": { "id": TC, "domain": "outside", "enterprise_id": ORG },
        "enterprise": { "id": ORG, "name": "Example Org" },
        "is_enterprise_install": true,
        "user": { "id": OUTSIDER, "team_id": TC },
        "api_app_id": "A0001",
        "trigger_id": "1.2.3",
        "container": { "type": "view", "view_id": "V0" },
        "actions": [{ "action_id": "away", "block_id": "b", "type": "button", "value": "x", "action_ts": "1.2" }],
    });
    assert_eq!(app.interaction(&pressed).await.status, 200);
    quiet().await;
    assert_eq!(rows(&app, "SELECT user_id FROM people").await.len(), before);
}

async fn team_access_events_add_and_take_away_workspaces(backend: Backend) {
    let Some(app) = org_app(backend).await else {
        return;
    };
    mentor_opens(&app).await;
    let granted = org_event(
        ORG,
        TA,
        json!({ "type": "team_access_granted", "team_ids": [TC], "event_ts": "1515449522.000016" }),
    );
    assert_eq!(app.event(&granted).await.status, 200);
    // Slack's retry of the same grant (a new delivery id) changes nothing.
    let mut again = granted.clone();
    again["event_id"] = json!("Ev0GRANTAGAIN");
    assert_eq!(app.event(&again).await.status, 200);
    let listed = rows(
        &app,
        &format!("SELECT team_id FROM org_workspaces WHERE team_id = '{TC}'"),
    )
    .await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let now_in = say_in_org(&app, ORG, TC, OUTSIDER, "").await;
    assert!(now_in.contains(&shown(MENTOR)), "{now_in}");

    let revoked = org_event(
        ORG,
        TA,
        json!({ "type": "team_access_revoked", "team_ids": [TC], "event_ts": "1515449523.000016" }),
    );
    assert_eq!(app.event(&revoked).await.status, 200);
    let mut again = revoked.clone();
    again["event_id"] = json!("Ev0REVOKEAGAIN");
    assert_eq!(app.event(&again).await.status, 200);
    let out = say_in_org(&app, ORG, TC, OUTSIDER, "").await;
    assert!(out.contains("not added to this workspace"), "{out}");

    // A grant for an organisation that never installed the bot stores nothing.
    let stranger = org_event(
        "E0STRANGER",
        TA,
        json!({ "type": "team_access_granted", "team_ids": [TC], "event_ts": "1515449524.000016" }),
    );
    assert_eq!(app.event(&stranger).await.status, 200);
    let listed = rows(
        &app,
        "SELECT enterprise_id FROM org_workspaces WHERE enterprise_id = 'E0STRANGER'",
    )
    .await;
    assert!(listed.is_empty(), "{listed:?}");

    // A grant the bot never heard of (the event was lost): Slack's own list heals it, asked at
    // most once a minute per organisation.
    app.slack.org_workspaces(ORG, &[TA, TB, TC]);
    let soon = say_in_org(&app, ORG, TC, OUTSIDER, "").await;
    assert!(
        soon.contains("not added"),
        "asked again only after a minute: {soon}"
    );
    app.clock.advance(Duration::seconds(61));
    let healed = say_in_org(&app, ORG, TC, OUTSIDER, "").await;
    assert!(healed.contains(&shown(MENTOR)), "{healed}");
}

async fn an_org_uninstall_stops_all_its_workspaces_and_a_reinstall_brings_them_back(
    backend: Backend,
) {
    let Some(app) = org_app(backend).await else {
        return;
    };
    mentor_opens(&app).await;
    remove_org(&app).await;
    for (team, user) in [(TA, MENTOR), (TB, ASKER)] {
        let said = say_in_org(&app, ORG, team, user, "").await;
        assert!(said.contains("isn't installed"), "{said}");
    }
    // A workspace's own uninstall event names no organisation and touches none.
    uninstall(&app, TA).await;
    let page = install_org(&app, ORG, "xoxb-org-one-again").await;
    assert!(page.body.contains("Welcome back"), "{}", page.body);
    let seen = say_in_org(&app, ORG, TB, ASKER, "").await;
    assert!(
        seen.contains(&shown(MENTOR)),
        "everything came back: {seen}"
    );
}

async fn a_removed_organisation_is_purged_after_the_retention(backend: Backend) {
    let Some(app) = org_app(backend).await else {
        return;
    };
    mentor_opens(&app).await;
    remove_org(&app).await;
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let at = officehours::clock::Clock::now(&*app.clock) + Duration::days(31);
    for (what, result) in
        officehours::startup::sweep_workspaces(&*store, at, Duration::days(30)).await
    {
        assert!(result.is_ok(), "{what}: {result:?}");
    }
    for table in ["workspaces", "people", "windows"] {
        let left = rows(&app, &format!("SELECT team_id FROM {table}")).await;
        assert!(left.is_empty(), "{table}: {left:?}");
    }
    let listed = rows(&app, "SELECT team_id FROM org_workspaces").await;
    assert!(
        listed.is_empty(),
        "the organisation's workspaces: {listed:?}"
    );
}

async fn a_mentor_in_an_organisation_connects_their_status(backend: Backend) {
    let Some(app) = org_app(backend).await else {
        return;
    };
    let answer = command_in_org(&app, ORG, TA, MENTOR, "connect").await.body;
    let state = answer
        .split("state=")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .unwrap_or_else(|| panic!("a connect link: {answer}"));
    app.slack
        .approve_oauth("code-grid", TA, MENTOR, "xoxp-grid-mentor");
    let page = app
        .get(&format!(
            "/slack/oauth/callback?code=code-grid&state={state}"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Connected"), "{}", page.body);
    let kept = rows(&app, "SELECT team_id FROM connections").await;
    assert_eq!(kept, vec![(ORG.to_owned(),)], "kept under the organisation");
}
