//! The HTTP surface as Slack drives it: signatures, body limits, retries, App Home, buttons, follow-ups.

mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::fake_slack::FakeFailure;
use support::{raw_http, signing, Backend, TestApp, SIGNING_SECRET, TEAM};

const ANA: &str = "U0ANA00001";
const BEN: &str = "U0BEN00001";
const WAIT: Duration = Duration::from_secs(5);

fn home_opened(event_id: &str, user: &str) -> Value {
    json!({
        "token": "XXYYZZ",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "event": { "type": "app_home_opened", "user": user, "channel": "D0LAN2Q65", "event_ts": "1515449522000016", "tab": "home" },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1515449522,
        "authorizations": [{ "enterprise_id": null, "team_id": TEAM, "user_id": "UBOT", "is_bot": true, "is_enterprise_install": false }],
        "is_ext_shared_channel": false
    })
}

fn block_action(
    user: &str,
    action_id: &str,
    value: &str,
    container: Value,
    response_url: Option<String>,
) -> Value {
    let mut payload = json!({
        "type": "block_actions",
        "user": { "id": user, "username": "ana", "name": "ana", "team_id": TEAM },
        "api_app_id": "A0001",
        "token": "9s8d9as89d8as9d8as989",
        "container": container,
        "trigger_id": support::trigger_id(),
        "team": { "id": TEAM, "domain": "example" },
        "is_enterprise_install": false,
        "actions": [{ "action_id": action_id, "block_id": "b1", "text": { "type": "plain_text", "text": "x", "emoji": true }, "value": value, "type": "button", "action_ts": "1548426417.840180" }],
        "state": { "values": {} }
    });
    if let Some(url) = response_url {
        payload["response_url"] = json!(url);
        payload["channel"] = json!({ "id": "C2147483705", "name": "general" });
    }
    payload
}

fn home_container() -> Value {
    json!({ "type": "view", "view_id": "V0001" })
}

async fn published_text(app: &TestApp, user: &str, nth: usize) -> String {
    let calls = app.slack.wait_for_calls("views.publish", nth, WAIT).await;
    let call = calls.last().expect("a publish");
    assert_eq!(call.params["user_id"], user);
    assert_eq!(call.params["view"]["type"], "home");
    assert!(call.params["view"]["blocks"]
        .as_array()
        .is_some_and(|b| b.len() <= 100));
    support::visible_text(&call.params["view"])
}

on_both_backends!(
    unsigned_stale_or_forged_requests_get_401,
    ssl_check_and_url_verification_are_answered,
    a_malformed_command_form_gets_400_and_changes_nothing,
    bodies_over_one_mebibyte_get_413_before_parsing,
    app_home_is_published_on_open_and_slack_retries_are_deduplicated,
    home_buttons_toggle_availability_and_remove_windows,
    a_remove_button_in_list_updates_that_message,
    an_unknown_zone_is_looked_up_after_answering_and_the_answer_is_replaced,
    a_newcomers_first_scheduling_command_waits_for_their_zone,
    slack_errors_and_rate_limits_do_not_lose_the_home_view,
    health_readiness_and_metrics
);

async fn unsigned_stale_or_forged_requests_get_401(app: TestApp) {
    let body = app.command_form(ANA, "add tue 10:00-11:00", "x");
    let before = app.db.snapshot().await;
    let form = (
        "content-type",
        "application/x-www-form-urlencoded".to_owned(),
    );

    let missing = app
        .request(
            "POST",
            "/slack/commands",
            std::slice::from_ref(&form),
            body.clone(),
        )
        .await;
    assert_eq!(missing.status, 401);

    let mut forged = signing::signed_headers("not-the-secret", &body);
    forged.push(form.clone());
    assert_eq!(
        app.request("POST", "/slack/commands", &forged, body.clone())
            .await
            .status,
        401
    );

    let six_minutes_ago = chrono::Utc::now().timestamp() - 360;
    let mut stale = signing::signed_headers_at(SIGNING_SECRET, &body, six_minutes_ago);
    stale.push(form.clone());
    assert_eq!(
        app.request("POST", "/slack/commands", &stale, body.clone())
            .await
            .status,
        401
    );

    // Signed for one body, sent with another.
    let mut swapped = signing::signed_headers(SIGNING_SECRET, &body);
    swapped.push(form.clone());
    let tampered = body.replace("10%3A00", "11%3A00");
    assert_eq!(
        app.request("POST", "/slack/commands", &swapped, tampered)
            .await
            .status,
        401
    );

    for path in ["/slack/events", "/slack/interactions"] {
        assert_eq!(
            app.request("POST", path, &[], "{}").await.status,
            401,
            "{path}"
        );
    }
    assert_eq!(app.db.snapshot().await, before);
}

async fn ssl_check_and_url_verification_are_answered(app: TestApp) {
    let ssl = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            "token=gIkuvaNzQIHg97ATvDxqgjtO&ssl_check=1",
        )
        .await;
    assert_eq!(ssl.status, 200);

    let challenge = json!({ "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification" });
    let answer = app.event(&challenge).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
}

/// The form is parsed by hand (not axum's `Form`): one it cannot read is refused in words,
/// and nothing in it is acted on.
async fn a_malformed_command_form_gets_400_and_changes_nothing(app: TestApp) {
    let before = app.db.snapshot().await;
    let twice = format!(
        "team_id={TEAM}&team_id=T0OTHER&user_id=U0ANA&command=%2Fofficehours&text=add+mon+9-10&trigger_id={}",
        support::trigger_id()
    );
    let answer = app
        .post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &twice,
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body.contains("expected a slash command form"),
        "{}",
        answer.body
    );
    assert_eq!(app.db.snapshot().await, before);
}

async fn bodies_over_one_mebibyte_get_413_before_parsing(app: TestApp) {
    let huge = format!("text={}", "a".repeat(1024 * 1024 + 10));
    // The answer comes from the declared length, before the body is read, and the connection
    // closes; a raw socket reads that answer where hyper's client reports a broken pipe.
    let now = chrono::Utc::now().timestamp();
    let head = raw_http::signed_head("/slack/commands", huge.len(), now, &huge);
    let status = raw_http::exchange(app.addr(), &head, huge.clone(), WAIT).await;
    assert_eq!(status, Some(413));
    // Without a Content-Length (chunked) the limit still holds while the body streams in.
    let mut chunked = String::from("POST /slack/commands HTTP/1.1\r\nhost: officehours\r\ncontent-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\nconnection: close\r\n");
    for (name, value) in signing::signed_headers_at(SIGNING_SECRET, &huge, now) {
        chunked.push_str(&format!("{name}: {value}\r\n"));
    }
    chunked.push_str("\r\n");
    let body = format!("{:x}\r\n{huge}\r\n0\r\n\r\n", huge.len());
    let status = raw_http::exchange(app.addr(), &chunked, body, WAIT).await;
    assert_eq!(status, Some(413));
}

async fn app_home_is_published_on_open_and_slack_retries_are_deduplicated(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.say(ANA, "add thu 14:00-15:00 career").await;
    app.say(BEN, "add fri 09:00-10:00").await;

    let event = home_opened("Ev0HOME0001", ANA);
    assert_eq!(app.event(&event).await.status, 200);
    let home = published_text(&app, ANA, 1).await;
    assert!(home.contains("in office hours now"), "{home}");
    assert!(home.contains("1. Thu 14:00–15:00 Berlin"), "{home}");
    assert!(
        home.contains(&format!(
            "<@{BEN}> Fri 09:00–10:00 New York · 15:00–16:00 your time"
        )),
        "{home}"
    );

    // Slack's retry of the same event (x-slack-retry-num) is acknowledged but not handled again.
    let body = event.to_string();
    let mut headers = signing::signed_headers(SIGNING_SECRET, &body);
    headers.push(("content-type", "application/json".to_owned()));
    headers.push(("x-slack-retry-num", "1".to_owned()));
    headers.push(("x-slack-retry-reason", "http_timeout".to_owned()));
    assert_eq!(
        app.request("POST", "/slack/events", &headers, body)
            .await
            .status,
        200
    );
    // A fixed wait: the retry must not publish again, which nothing signals.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.slack.calls_to("views.publish").len(), 1);

    // A new event id is a new event.
    app.event(&home_opened("Ev0HOME0002", ANA)).await;
    published_text(&app, ANA, 2).await;
}

async fn home_buttons_toggle_availability_and_remove_windows(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add mon 09:00-10:00").await;
    app.event(&home_opened("Ev0HOME0003", ANA)).await;
    let first = app.slack.wait_for_calls("views.publish", 1, WAIT).await;
    let view = &first[0].params["view"];
    let toggle = find_button(view, "officehours.set_available").expect("an Available now toggle");
    assert_eq!(toggle["value"], "on");
    let remove = find_button(view, "officehours.remove_window").expect("a remove button");
    assert!(remove["confirm"].is_object(), "removing asks first");

    let ack = app
        .interaction(&block_action(
            ANA,
            "officehours.set_available",
            "on",
            home_container(),
            None,
        ))
        .await;
    assert_eq!(ack.status, 200);
    assert!(ack.body.is_empty());
    let home = published_text(&app, ANA, 2).await;
    assert!(home.contains("You're *available now*"), "{home}");
    let second = app.slack.calls_to("views.publish");
    assert_eq!(
        find_button(&second[1].params["view"], "officehours.set_available").unwrap()["value"],
        "off"
    );

    let window_id = remove["value"].as_str().unwrap().to_owned();
    app.interaction(&block_action(
        ANA,
        "officehours.remove_window",
        &window_id,
        home_container(),
        None,
    ))
    .await;
    let home = published_text(&app, ANA, 3).await;
    assert!(home.contains("You have no weekly windows yet"), "{home}");

    app.interaction(&block_action(
        ANA,
        "officehours.set_available",
        "off",
        home_container(),
        None,
    ))
    .await;
    let home = published_text(&app, ANA, 4).await;
    assert!(
        home.contains("You're not in office hours right now"),
        "{home}"
    );
}

async fn a_remove_button_in_list_updates_that_message(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add mon 09:00-10:00").await;
    app.say(ANA, "add tue 09:00-10:00").await;
    let list = app.command(ANA, "list").await.json();
    let remove = find_button(&list, "officehours.remove_window").expect("remove buttons in list");
    let url = app.slack.response_url("list-msg");
    let container = json!({ "type": "message", "message_ts": "1548426417.840180", "channel_id": "C2147483705", "is_ephemeral": true });
    app.interaction(&block_action(
        ANA,
        "officehours.remove_window",
        remove["value"].as_str().unwrap(),
        container,
        Some(url),
    ))
    .await;
    let replaced = responses_to(&app, "list-msg").await;
    let last = replaced.last().expect("the list is replaced");
    assert_eq!(last["replace_original"], true);
    let text = support::visible_text(last);
    assert!(text.contains("*1.* Tue 09:00–10:00"), "{text}");
    assert!(!text.contains("Mon 09:00"), "{text}");
}

async fn an_unknown_zone_is_looked_up_after_answering_and_the_answer_is_replaced(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add thu 14:00-15:00").await;
    app.slack.set_user(BEN, "ben", Some("America/New_York"));
    // Slack is slow today: the answer must not wait for it.
    app.slack
        .fail_next("users.info", FakeFailure::Delay(Duration::from_secs(4)));

    let started = std::time::Instant::now();
    let first = app.command_with_response_url(BEN, "", "ben-first").await;
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "the ack waited for Slack"
    );
    assert!(
        first.text().contains("UTC until I know your zone"),
        "{}",
        first.text()
    );

    let replaced = responses_to(&app, "ben-first").await;
    assert_eq!(replaced[0]["replace_original"], true);
    let text = support::visible_text(&replaced[0]);
    assert!(text.contains("15:00 Berlin (09:00 your time)"), "{text}");
}

async fn a_newcomers_first_scheduling_command_waits_for_their_zone(app: TestApp) {
    app.slack.set_user(BEN, "ben", Some("Europe/Berlin"));
    app.slack
        .fail_next("users.info", FakeFailure::Delay(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    let first = app
        .command_with_response_url(
            BEN,
            &format!("1on1 <@{ANA}|ana> every week on tue 10:00"),
            "ben-1on1",
        )
        .await;
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "the ack waited for Slack"
    );
    assert!(
        first.text().contains("looking up your time zone"),
        "{}",
        first.text()
    );
    let replaced = responses_to(&app, "ben-1on1").await;
    let text = support::visible_text(&replaced[0]);
    assert!(
        text.contains("(Europe/Berlin)") && text.contains("Tue 8 Dec 10:00"),
        "{text}"
    );
}

async fn slack_errors_and_rate_limits_do_not_lose_the_home_view(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.slack.fail_next(
        "views.publish",
        FakeFailure::RateLimited {
            retry_after_secs: 1,
        },
    );
    app.slack
        .fail_next("views.publish", FakeFailure::Status(503));
    app.event(&home_opened("Ev0HOME0009", ANA)).await;
    let calls = app
        .slack
        .wait_for_calls("views.publish", 3, Duration::from_secs(10))
        .await;
    assert_eq!(calls.len(), 3, "429, then 503, then success");

    app.slack
        .fail_next("views.publish", FakeFailure::Error("invalid_arguments"));
    app.event(&home_opened("Ev0HOME0010", ANA)).await;
    app.slack.wait_for_calls("views.publish", 4, WAIT).await;
    // A fixed wait: no blind retry may follow, which nothing signals.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.slack.calls_to("views.publish").len(),
        4,
        "ok:false is not retried blindly"
    );
    assert!(app
        .slack
        .calls()
        .iter()
        .all(|c| c.token.as_deref() == Some(support::BOT_TOKEN)));
}

async fn health_readiness_and_metrics(app: TestApp) {
    assert_eq!(app.get("/healthz").await.status, 200);
    app.say(ANA, "help").await;
    app.slack.wait_for_calls("users.info", 1, WAIT).await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    for expected in [
        "officehours_http_requests_total{route=\"/slack/commands\",status=\"200\"}",
        "officehours_http_request_duration_seconds_bucket{route=\"/slack/commands\"",
        "officehours_slack_api_calls_total{method=\"users.info\",outcome=\"ok\"}",
    ] {
        assert!(
            metrics.body.contains(expected),
            "{expected} missing from:\n{}",
            metrics.body
        );
    }
    let ready = app.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready"));
}

/// Waits for posts to one response_url (each `app.command` gets its own: cmd0, cmd1, …).
async fn responses_to(app: &TestApp, id: &str) -> Vec<Value> {
    app.slack
        .wait_for_responses_to(id, 1, Duration::from_secs(10))
        .await
}

fn find_button<'a>(value: &'a Value, action_id: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => {
            if map.get("type") == Some(&json!("button"))
                && map.get("action_id") == Some(&json!(action_id))
            {
                return Some(value);
            }
            map.values().find_map(|v| find_button(v, action_id))
        }
        Value::Array(items) => items.iter().find_map(|v| find_button(v, action_id)),
        _ => None,
    }
}
