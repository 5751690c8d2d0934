//! The "Add to Slack" flow and a workspace's people, as the install-mode tests drive them.

use serde_json::{json, Value};
use std::time::Duration as StdDuration;

use super::fake_slack::InstallGrant;
use super::{poll, Response, TestApp};

/// The "Add to Slack" page: its cookie and the state in Slack's authorize link.
pub async fn start_install(app: &TestApp) -> (String, String, url::Url) {
    let page = app.get("/slack/install").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let cookie = page
        .headers
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .expect("the install page sets its cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let href = page
        .body
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to Slack")
        .replace("&amp;", "&");
    let link = url::Url::parse(&href).expect("the link is a URL");
    let state = link
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("a state");
    (cookie, state, link)
}

pub async fn callback(app: &TestApp, query: &str, cookie: Option<&str>) -> Response {
    let headers: Vec<(&str, String)> = cookie
        .map(|c| vec![("cookie", c.to_owned())])
        .unwrap_or_default();
    app.request(
        "GET",
        &format!("/slack/install/callback?{query}"),
        &headers,
        "",
    )
    .await
}

pub fn grant(team: &str, token: &str) -> InstallGrant {
    InstallGrant {
        team: team.to_owned(),
        team_name: format!("Team {team}"),
        bot_token: token.to_owned(),
        bot_user: format!("UBOT{team}"),
        enterprise: None,
    }
}

/// Installs `team` through the whole flow; the page it ends on.
pub async fn install(app: &TestApp, team: &str, token: &str) -> Response {
    let (cookie, state, _) = start_install(app).await;
    let code = format!("code-{team}-{token}");
    app.slack.approve_install(&code, grant(team, token));
    callback(app, &format!("code={code}&state={state}"), Some(&cookie)).await
}

pub async fn say_in(app: &TestApp, team: &str, user: &str, text: &str) -> String {
    let body = app.command_form_in(team, user, text, &format!("{team}-{user}"));
    post_command(app, &body).await.text()
}

/// A signed slash command post, which must be answered.
async fn post_command(app: &TestApp, body: &str) -> Response {
    let response = app
        .post_signed("/slack/commands", "application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    response
}

/// Puts `user` in `team` with a zone, and waits until the bot has learnt it.
pub async fn known_in(app: &TestApp, team: &str, user: &str, tz: &str) {
    known_as(app, None, team, user, tz).await
}

/// `known_in` for a workspace of the organisation `enterprise` (its org-wide install).
pub async fn known_in_org(app: &TestApp, enterprise: &str, team: &str, user: &str, tz: &str) {
    known_as(app, Some(enterprise), team, user, tz).await
}

async fn known_as(app: &TestApp, enterprise: Option<&str>, team: &str, user: &str, tz: &str) {
    app.slack
        .set_user_in(team, user, &user.to_lowercase(), Some(tz));
    let say = |text: &'static str| async move {
        match enterprise {
            Some(org) => say_in_org(app, org, team, user, text).await,
            None => say_in(app, team, user, text).await,
        }
    };
    say("help").await;
    let learned = || async { say("list").await.contains(tz).then_some(()) };
    let found = poll(
        StdDuration::from_secs(5),
        StdDuration::from_millis(20),
        learned,
    )
    .await;
    assert!(
        found.is_some(),
        "the bot never learnt {user}'s zone in {team}"
    );
}

pub fn event(team: &str, event: Value) -> Value {
    json!({
        "token": "XXYYZZ",
        "team_id": team,
        "api_app_id": "A0001",
        "event": event,
        "type": "event_callback",
        "event_id": format!("Ev{}", super::trigger_id().replace('.', "")),
        "event_time": 1515449522,
    })
}

pub async fn uninstall(app: &TestApp, team: &str) {
    let body = event(
        team,
        json!({ "type": "app_uninstalled", "event_ts": "1515449522.000016" }),
    );
    assert_eq!(app.event(&body).await.status, 200);
}

/// An org-wide (Enterprise Grid) install of `enterprise`: one token for the organisation.
pub fn org_grant(enterprise: &str, token: &str) -> InstallGrant {
    InstallGrant {
        team: enterprise.to_owned(),
        team_name: String::new(),
        bot_token: token.to_owned(),
        bot_user: format!("UBOT{enterprise}"),
        enterprise: Some(enterprise.to_owned()),
    }
}

/// Installs the app for the whole organisation `enterprise`; the page it ends on.
pub async fn install_org(app: &TestApp, enterprise: &str, token: &str) -> Response {
    let (cookie, state, _) = start_install(app).await;
    let code = format!("code-{enterprise}-{token}");
    app.slack
        .approve_install(&code, org_grant(enterprise, token));
    callback(app, &format!("code={code}&state={state}"), Some(&cookie)).await
}

/// `/officehours <text>` typed by `user` in workspace `team` of the organisation `enterprise`,
/// whose org-wide install serves it (Slack's form: `enterprise_id`, `is_enterprise_install`).
pub async fn command_in_org(
    app: &TestApp,
    enterprise: &str,
    team: &str,
    user: &str,
    text: &str,
) -> Response {
    let body = app
        .command_form_in(team, user, text, &format!("{team}-{user}"))
        .replace("is_enterprise_install=false", "is_enterprise_install=true")
        + &format!("&enterprise_id={enterprise}&enterprise_name=Example+Org");
    post_command(app, &body).await
}

/// The answer's text to `command_in_org`.
pub async fn say_in_org(
    app: &TestApp,
    enterprise: &str,
    team: &str,
    user: &str,
    text: &str,
) -> String {
    command_in_org(app, enterprise, team, user, text)
        .await
        .text()
}

/// An event from workspace `team`, sent to the org-wide install of `enterprise`.
pub fn org_event(enterprise: &str, team: &str, event: Value) -> Value {
    let mut body = self::event(team, event);
    body["enterprise_id"] = json!(enterprise);
    body["authorizations"] = json!([{
        "enterprise_id": enterprise, "team_id": team, "user_id": format!("UBOT{enterprise}"),
        "is_bot": true, "is_enterprise_install": true,
    }]);
    body
}
