//! Socket Mode for real: the fake Slack hands out a ws:// URL, sends envelopes, then a disconnect.

mod support;

use serde_json::json;
use std::time::Duration;
use support::fake_slack::socket::{event_callback, FakeSocket};
use support::{visible_text, Backend, TestApp, TEAM};

const ANA: &str = "U0ANA00001";
const WAIT: Duration = Duration::from_secs(10);

fn command_fields<'a>(
    user: &'a str,
    text: &'a str,
    response_url: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("team_id", TEAM),
        ("team_domain", "example"),
        ("channel_id", "C2147483705"),
        ("channel_name", "general"),
        ("user_id", user),
        ("user_name", "ana"),
        ("command", "/officehours"),
        ("text", text),
        ("api_app_id", "A0001"),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        // A fresh one per command, as Slack gives: the same one again is a replay.
        ("trigger_id", support::trigger_id().leak()),
    ]
}

async fn command(
    socket: &FakeSocket,
    app: &TestApp,
    user: &str,
    text: &str,
) -> (String, serde_json::Value) {
    let url = app.slack.response_url("socket");
    let id = socket
        .send_slash_command(&command_fields(user, text, &url))
        .await;
    let ack = socket.wait_for_ack(&id, WAIT).await;
    (id, ack)
}

async fn socket_mode_runs_the_same_handlers_acks_once_and_survives_a_disconnect(backend: Backend) {
    let Some((app, socket)) = TestApp::spawn_with_socket_mode(backend).await else {
        return;
    };
    socket.wait_connected(1, WAIT).await;
    app.known_user(ANA, "Europe/Berlin").await;

    // A slash command is acknowledged with the same answer HTTP gives, as the ack's payload.
    let (id, ack) = command(&socket, &app, ANA, "add thu 14:00-15:00 career").await;
    assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
    assert!(
        visible_text(&ack["payload"]).contains("Added window *1*"),
        "{ack}"
    );
    // (The first answer to a mentor carries a one-time tip about connecting; let it pass.)
    command(&socket, &app, ANA, "help").await;
    let (_, over_socket) = command(&socket, &app, ANA, "list").await;
    let over_http = app.command(ANA, "list").await.json();
    assert_eq!(
        visible_text(&over_socket["payload"]),
        visible_text(&over_http)
    );

    // An event is acknowledged at once; Slack's redelivery of it is acknowledged but not handled twice.
    let event = event_callback(
        "Ev0SOCKET01",
        json!({ "type": "app_home_opened", "user": ANA, "channel": "D0LAN2Q65", "event_ts": "1515449522000016", "tab": "home" }),
    );
    let first = socket.send_event(event.clone(), 0).await;
    socket.wait_for_ack(&first, WAIT).await;
    app.slack.wait_for_calls("views.publish", 1, WAIT).await;
    let retry = socket.send_event(event, 1).await;
    socket.wait_for_ack(&retry, WAIT).await;
    // A fixed wait: the redelivery must not publish again, which nothing signals.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.slack.calls_to("views.publish").len(), 1);

    // A button from App Home arrives as an interactive envelope and updates the view.
    let click = json!({
        "type": "block_actions",
        "user": { "id": ANA, "username": "ana", "name": "ana", "team_id": TEAM },
        "api_app_id": "A0001", "token": "x", "trigger_id": support::trigger_id(),
        "container": { "type": "view", "view_id": "V0001" },
        "team": { "id": TEAM, "domain": "example" },
        "actions": [{ "action_id": "officehours.set_available", "block_id": "b", "text": { "type": "plain_text", "text": "Available now" }, "value": "on", "type": "button", "action_ts": "1548426417.840180" }]
    });
    let clicked = socket.send_interaction(click).await;
    socket.wait_for_ack(&clicked, WAIT).await;
    let published = app.slack.wait_for_calls("views.publish", 2, WAIT).await;
    assert!(visible_text(&published[1].params["view"]).contains("available now"));

    // Slack asks the app to reconnect; it does, and keeps working.
    socket.send_disconnect("refresh_requested").await;
    socket.wait_connected(2, WAIT).await;
    let (after, ack) = command(&socket, &app, ANA, "help").await;
    assert!(visible_text(&ack["payload"]).contains("Office hours: commands"));

    // A fixed wait: no envelope may be acknowledged twice, which nothing signals.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for envelope in [&id, &first, &retry, &clicked, &after] {
        assert_eq!(
            socket.acks_for(envelope).len(),
            1,
            "envelope {envelope} acknowledged once"
        );
    }
    assert!(app
        .slack
        .calls_to("apps.connections.open")
        .iter()
        .all(|c| c.token.as_deref() == Some(support::APP_TOKEN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_mode_sqlite() {
    socket_mode_runs_the_same_handlers_acks_once_and_survives_a_disconnect(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_mode_postgres() {
    socket_mode_runs_the_same_handlers_acks_once_and_survives_a_disconnect(Backend::Postgres).await;
}
