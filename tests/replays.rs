//! Replays and workspaces: a signed request sent again is acted on once, on any replica; a
//! button or form from another workspace changes nothing; the calendar feed is cached by tag;
//! housekeeping deletes only what expired.

mod support;

use chrono::{DateTime, Duration, Utc};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use officehours::clock::Clock;
use officehours::store::Store;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration as StdDuration;
use support::{mention, signing, Backend, TestApp, SIGNING_SECRET, TEAM};

const ANA: &str = "U0ANA00001";
const MANAGER: &str = "U0MGR00001";
const REPORT: &str = "U0REP00001";
const FOREIGN: &str = "T0FOREIGN1";
const WAIT: StdDuration = StdDuration::from_secs(5);

on_both_backends!(
    a_command_sent_three_times_is_carried_out_once,
    a_replay_on_another_replica_is_refused_too,
    a_snooze_press_replayed_moves_the_meeting_one_day,
    a_form_replayed_is_saved_once,
    buttons_and_forms_from_another_workspace_change_nothing,
    the_calendar_feed_has_a_tag_that_follows_the_windows,
    housekeeping_deletes_only_what_expired,
    after_a_restart_an_old_trigger_is_refused_in_its_window_and_purged_after_it,
    after_forget_me_the_calendar_feed_is_gone_and_tells_nothing,
);

/// Sends one signed request `times` times, byte for byte (headers included), as a replay would.
async fn replay(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: &str,
    times: usize,
) -> Vec<support::Response> {
    let mut headers = signing::signed_headers(SIGNING_SECRET, body);
    headers.push(("content-type", content_type.to_owned()));
    let mut answers = Vec::new();
    for _ in 0..times {
        answers.push(app.request("POST", path, &headers, body.to_owned()).await);
    }
    answers
}

fn form(payload: &Value) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

async fn windows_of(app: &TestApp, user: &str) -> usize {
    let rows: Vec<(i64,)> = app
        .db
        .rows(&format!("SELECT id FROM windows WHERE user_id = '{user}'"))
        .await;
    rows.len()
}

async fn ana_with_three_windows(app: &TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    for window in ["mon 09:00-10:00", "tue 09:00-10:00", "wed 09:00-10:00"] {
        assert!(app
            .say(ANA, &format!("add {window}"))
            .await
            .contains("Added"));
    }
    assert_eq!(windows_of(app, ANA).await, 3);
}

async fn a_command_sent_three_times_is_carried_out_once(app: TestApp) {
    ana_with_three_windows(&app).await;
    let body = app.command_form(ANA, "remove 1", "remove");
    let answers = replay(
        &app,
        "/slack/commands",
        "application/x-www-form-urlencoded",
        &body,
        3,
    )
    .await;
    assert!(answers.iter().all(|a| a.status == 200));
    assert!(
        answers[0].text().contains("Removed window 1"),
        "{}",
        answers[0].body
    );
    for again in &answers[1..] {
        assert!(
            again
                .text()
                .contains("already received and carried out once"),
            "{}",
            again.body
        );
    }
    assert_eq!(windows_of(&app, ANA).await, 2);
    // Reading is not remembered: the same `list` sent again answers again.
    let list = app.command_form(ANA, "list", "list");
    let lists = replay(
        &app,
        "/slack/commands",
        "application/x-www-form-urlencoded",
        &list,
        2,
    )
    .await;
    assert_eq!(lists[0].text(), lists[1].text());
    // A new command (a new trigger) is carried out as usual.
    assert!(app.say(ANA, "remove 1").await.contains("Removed window 1"));
    assert_eq!(windows_of(&app, ANA).await, 1);
}

async fn a_replay_on_another_replica_is_refused_too(app: TestApp) {
    ana_with_three_windows(&app).await;
    let other = app.replica().await;
    let body = app.command_form(ANA, "remove 1", "remove");
    let mut headers = signing::signed_headers(SIGNING_SECRET, &body);
    headers.push((
        "content-type",
        "application/x-www-form-urlencoded".to_owned(),
    ));
    let first = app
        .request("POST", "/slack/commands", &headers, body.clone())
        .await;
    assert!(first.text().contains("Removed window 1"), "{}", first.body);
    let elsewhere = other
        .request("POST", "/slack/commands", &headers, body)
        .await;
    assert!(
        elsewhere.text().contains("already received"),
        "{}",
        elsewhere.body
    );
    assert_eq!(windows_of(&app, ANA).await, 2);
}

async fn manager_and_report(app: &TestApp) {
    app.known_user(MANAGER, "Europe/Berlin").await;
    app.known_user(REPORT, "Europe/Berlin").await;
}

/// A 1:1 set up for Thursdays at 15:00 Berlin; its first meeting's id and start.
async fn one_on_one(app: &TestApp) -> (i64, DateTime<Utc>) {
    app.say(
        MANAGER,
        &format!("1on1 {} every week on thu 15:00", mention(REPORT)),
    )
    .await;
    let meetings: Vec<(i64, DateTime<Utc>)> = app
        .db
        .rows("SELECT id, starts_at FROM meetings ORDER BY starts_at")
        .await;
    *meetings.first().expect("a planned meeting")
}

async fn meeting(app: &TestApp, id: i64) -> (DateTime<Utc>, String) {
    let rows: Vec<(DateTime<Utc>, String)> = app
        .db
        .rows(&format!(
            "SELECT starts_at, status FROM meetings WHERE id = {id}"
        ))
        .await;
    rows.into_iter().next().expect("the meeting")
}

fn press(team: &str, user: &str, action_id: &str, value: &str, response_url: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": { "id": user, "username": "x", "name": "x", "team_id": team },
        "api_app_id": "A0001", "token": "x", "trigger_id": support::trigger_id(),
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": format!("D{user}"), "is_ephemeral": false },
        "team": { "id": team, "domain": "example" },
        "channel": { "id": format!("D{user}"), "name": "directmessage" },
        "response_url": response_url,
        "actions": [{ "action_id": action_id, "block_id": "b", "text": { "type": "plain_text", "text": "x" }, "value": value, "type": "button", "action_ts": "1700000001.000100" }],
        "state": { "values": {} }
    })
}

async fn a_snooze_press_replayed_moves_the_meeting_one_day(app: TestApp) {
    manager_and_report(&app).await;
    let (id, starts) = one_on_one(&app).await;
    // The digest's buttons carry the id alone: nothing in the value tells one press from the next.
    let url = app.slack.response_url("snooze");
    let payload = press(
        TEAM,
        REPORT,
        "officehours.meeting_snooze",
        &id.to_string(),
        &url,
    );
    let answers = replay(
        &app,
        "/slack/interactions",
        "application/x-www-form-urlencoded",
        &form(&payload),
        3,
    )
    .await;
    assert!(answers.iter().all(|a| a.status == 200));
    let replies = app.slack.wait_for_responses_to("snooze", 1, WAIT).await;
    assert!(
        support::visible_text(&replies[0]).contains("Snoozed a day"),
        "{}",
        replies[0]
    );
    // A fixed wait: the replays must not move it again, which nothing signals.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(meeting(&app, id).await.0, starts + Duration::days(1));
    assert_eq!(app.slack.responses_to("snooze").len(), 1);
}

fn feedback_form(team: &str, user: &str, debrief_id: i64) -> Value {
    json!({
        "type": "view_submission",
        "team": { "id": team, "domain": "example" },
        "user": { "id": user, "username": "x", "name": "x", "team_id": team },
        "api_app_id": "A0001", "token": "x", "trigger_id": support::trigger_id(),
        "view": {
            "id": "V1", "team_id": team, "type": "modal", "callback_id": "officehours.feedback",
            "private_metadata": debrief_id.to_string(), "hash": "h",
            "title": { "type": "plain_text", "text": "Debrief feedback" }, "blocks": [],
            "state": { "values": {
                "went_well": { "value": { "type": "plain_text_input", "value": "Clear goals" } },
                "differently": { "value": { "type": "plain_text_input", "value": "Smaller releases" } },
                "learned": { "value": { "type": "plain_text_input", "value": "Feature flags" } }
            } }
        }
    })
}

fn agreed_form(team: &str, user: &str, review_id: i64) -> Value {
    json!({
        "type": "view_submission",
        "team": { "id": team, "domain": "example" },
        "user": { "id": user, "username": "x", "name": "x", "team_id": team },
        "api_app_id": "A0001", "token": "x", "trigger_id": support::trigger_id(),
        "view": {
            "id": "V2", "team_id": team, "type": "modal", "callback_id": "officehours.agreed",
            "private_metadata": review_id.to_string(), "hash": "h",
            "title": { "type": "plain_text", "text": "What was agreed" }, "blocks": [],
            "state": { "values": {
                "agreed": { "value": { "type": "plain_text_input", "value": "A certification" } }
            } }
        }
    })
}

/// A debrief by the manager with the report, and an advancement talk with them: their ids.
async fn debrief_and_review(app: &TestApp) -> (i64, i64) {
    let report = mention(REPORT);
    app.say(
        MANAGER,
        &format!("debrief \"Launch\" on 2026-12-10 with {report}"),
    )
    .await;
    app.say(MANAGER, &format!("review {report} on 2027-03-01"))
        .await;
    let debriefs: Vec<(i64,)> = app.db.rows("SELECT id FROM debriefs").await;
    let reviews: Vec<(i64,)> = app.db.rows("SELECT id FROM reviews").await;
    (debriefs[0].0, reviews[0].0)
}

async fn keys_like(app: &TestApp, prefix: &str) -> usize {
    let rows = app.db.reminders().await;
    rows.iter()
        .filter(|(key, _)| key.starts_with(prefix))
        .count()
}

async fn a_form_replayed_is_saved_once(app: TestApp) {
    manager_and_report(&app).await;
    let (debrief, review) = debrief_and_review(&app).await;
    let feedback = form(&feedback_form(TEAM, REPORT, debrief));
    let agreed = form(&agreed_form(TEAM, MANAGER, review));
    let mut headers = Vec::new();
    for body in [&feedback, &agreed] {
        let mut signed = signing::signed_headers(SIGNING_SECRET, body);
        signed.push((
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        ));
        headers.push(signed);
    }
    // Replayed a minute apart: each save would be a new message to the organiser.
    for _ in 0..3 {
        for (body, headers) in [&feedback, &agreed].into_iter().zip(&headers) {
            let answer = app
                .request("POST", "/slack/interactions", headers, body.clone())
                .await;
            assert_eq!(
                (answer.status, answer.body.as_str()),
                (200, ""),
                "the modal closes"
            );
        }
        app.clock.advance(Duration::minutes(1));
    }
    assert_eq!(keys_like(&app, "feedback:").await, 1);
    assert_eq!(
        keys_like(&app, "review-agreed:").await,
        2,
        "one for each of the two"
    );
}

async fn buttons_and_forms_from_another_workspace_change_nothing(app: TestApp) {
    manager_and_report(&app).await;
    let (id, starts) = one_on_one(&app).await;
    let (debrief, review) = debrief_and_review(&app).await;
    let reminders = app.db.reminders().await;
    for (action, reply) in [
        ("officehours.meeting_snooze", "snooze"),
        ("officehours.meeting_done", "done"),
    ] {
        let url = app.slack.response_url(reply);
        for user in [REPORT, MANAGER] {
            let value = format!("{id}:{}", starts.timestamp());
            app.interaction(&press(FOREIGN, user, action, &value, &url))
                .await;
        }
        let replies = app.slack.wait_for_responses_to(reply, 2, WAIT).await;
        for r in &replies {
            assert!(support::visible_text(r).contains("no longer exists"), "{r}");
        }
    }
    assert_eq!(meeting(&app, id).await, (starts, "planned".to_owned()));

    let feedback = app
        .interaction(&feedback_form(FOREIGN, REPORT, debrief))
        .await;
    assert!(
        feedback.json()["errors"]["went_well"]
            .as_str()
            .is_some_and(|e| e.contains("no longer exists")),
        "{}",
        feedback.body
    );
    let agreed = app
        .interaction(&agreed_form(FOREIGN, MANAGER, review))
        .await;
    assert_eq!(
        agreed.json()["response_action"],
        "errors",
        "{}",
        agreed.body
    );
    let saved: Vec<(i64,)> = app.db.rows("SELECT id FROM feedback").await;
    assert!(saved.is_empty());
    let notes: Vec<(Option<String>,)> = app.db.rows("SELECT agreed FROM reviews").await;
    assert_eq!(notes, vec![(None,)]);
    assert_eq!(app.db.reminders().await, reminders);

    // The same buttons and forms from their own workspace work.
    let ok = app.interaction(&agreed_form(TEAM, MANAGER, review)).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, ""));
}

/// GET with headers, returning the status, the headers and the body.
async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, hyper::HeaderMap, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut request = hyper::Request::get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = tokio::time::timeout(WAIT, client.request(request.body(Empty::new()).unwrap()))
        .await
        .expect("an answer within 5 s")
        .expect("an answer");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("a body").to_bytes();
    (
        parts.status.as_u16(),
        parts.headers,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn etag(headers: &hyper::HeaderMap) -> String {
    headers
        .get("etag")
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn the_calendar_feed_has_a_tag_that_follows_the_windows(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add mon 09:00-10:00").await;
    let answer = app.say(ANA, "calendar").await;
    let url = answer
        .split('`')
        .find(|p| p.starts_with("https://"))
        .expect("a feed URL")
        .to_owned();
    let path = url.trim_start_matches(support::PUBLIC_URL).to_owned();

    let (status, headers, body) = get(&app, &path, &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("BEGIN:VCALENDAR"));
    let tag = etag(&headers);
    assert!(
        tag.starts_with('"') && !tag.starts_with("W/"),
        "a strong tag: {tag}"
    );
    assert!(headers.get("cache-control").is_some());

    let (status, headers, body) = get(&app, &path, &[("if-none-match", &tag)]).await;
    assert_eq!((status, body.as_str()), (304, ""));
    assert_eq!(etag(&headers), tag);
    let (again, _, same) = get(&app, &path, &[]).await;
    assert_eq!(
        (again, etag(&get(&app, &path, &[]).await.1)),
        (200, tag.clone())
    );
    assert!(same.contains("BEGIN:VCALENDAR"));
    let listed = format!("\"other\", W/{tag}");
    assert_eq!(get(&app, &path, &[("if-none-match", &listed)]).await.0, 304);

    // Another replica, rendering on its own, tags the same text the same way.
    let other = app.replica().await;
    let (_, headers, elsewhere) = get(&other, &path, &[]).await;
    assert_eq!((etag(&headers), elsewhere), (tag.clone(), same));

    app.say(ANA, "add tue 09:00-10:00").await;
    let (status, headers, body) = get(&app, &path, &[("if-none-match", &tag)]).await;
    assert_eq!(status, 200, "a new window is a new version");
    assert!(body.contains("BYDAY=TU"), "{body}");
    let added = etag(&headers);
    assert_ne!(added, tag);
    app.say(ANA, "tz America/New_York").await;
    let (status, headers, _) = get(&app, &path, &[("if-none-match", &added)]).await;
    assert_eq!(status, 200, "a new zone is a new version");
    assert_ne!(etag(&headers), added);
}

async fn rows(app: &TestApp, table: &str) -> usize {
    let found: Vec<(i64,)> = app.db.rows(&format!("SELECT COUNT(*) FROM {table}")).await;
    usize::try_from(found[0].0).unwrap()
}

async fn housekeeping_deletes_only_what_expired(app: TestApp) {
    let store: Arc<dyn Store> = officehours::store::connect(&app.db.url)
        .await
        .expect("the database");
    let now = app.clock.now();
    let cooldown = Duration::hours(1);
    for (id, age) in [
        ("old", Duration::hours(2)),
        ("recent", Duration::minutes(10)),
    ] {
        assert!(store.remember_trigger(TEAM, id, now - age).await.unwrap());
        assert!(store
            .first_delivery(&format!("Ev{id}"), now - age * 24)
            .await
            .unwrap());
        assert!(store
            .claim_hint(TEAM, id, ANA, now - age, cooldown)
            .await
            .unwrap());
    }
    store
        .create_oauth_state("expired", TEAM, ANA, now - Duration::minutes(1))
        .await
        .unwrap();
    store
        .create_oauth_state("good", TEAM, ANA, now + Duration::minutes(9))
        .await
        .unwrap();
    // Every row above was written (each call said so). They are not counted here: the app's own
    // hourly housekeeping runs the same sweep on start-up and may already have taken the old ones.

    let swept = officehours::startup::sweep(&*store, now, Duration::days(365), cooldown).await;
    for (what, result) in swept {
        assert!(result.is_ok(), "{what}: {result:?}");
    }
    for table in [
        "slack_triggers",
        "slack_events",
        "mention_hints",
        "oauth_states",
    ] {
        assert_eq!(rows(&app, table).await, 1, "{table}");
    }
    // What is left is what still matters: the recent trigger is still refused, the good state
    // still opens, the recent hint still holds back another.
    assert!(!store.remember_trigger(TEAM, "recent", now).await.unwrap());
    assert!(store.remember_trigger(TEAM, "old", now).await.unwrap());
    assert!(store.oauth_state_valid("good", now).await.unwrap());
    assert!(!store
        .claim_hint(TEAM, "recent", ANA, now, cooldown)
        .await
        .unwrap());
    store.close().await;
}

async fn triggers(app: &TestApp) -> usize {
    rows(app, "slack_triggers").await
}

async fn after_a_restart_an_old_trigger_is_refused_in_its_window_and_purged_after_it(app: TestApp) {
    ana_with_three_windows(&app).await;
    let body = app.command_form(ANA, "remove 1", "remove");
    let mut headers = signing::signed_headers(SIGNING_SECRET, &body);
    headers.push((
        "content-type",
        "application/x-www-form-urlencoded".to_owned(),
    ));
    let first = app
        .request("POST", "/slack/commands", &headers, body.clone())
        .await;
    assert!(first.text().contains("Removed window 1"), "{}", first.body);
    let remembered = triggers(&app).await;
    assert!(remembered >= 1);

    // A restart: a new process on the same database, with nothing of the old one in memory,
    // ten minutes on. The request comes again, byte for byte.
    let restarted = app.replica().await;
    restarted.clock.advance(Duration::minutes(10));
    let again = restarted
        .request("POST", "/slack/commands", &headers, body.clone())
        .await;
    assert!(again.text().contains("already received"), "{}", again.body);
    assert_eq!(windows_of(&app, ANA).await, 2);

    // Housekeeping within the hour keeps it; after the hour it is gone.
    let store: Arc<dyn Store> = officehours::store::connect(&app.db.url)
        .await
        .expect("the database");
    let remembered_at = app.clock.now();
    let cooldown = Duration::hours(1);
    let retention = Duration::days(365);
    let within = remembered_at + Duration::minutes(59);
    for (what, result) in officehours::startup::sweep(&*store, within, retention, cooldown).await {
        assert!(result.is_ok(), "{what}: {result:?}");
    }
    assert_eq!(triggers(&app).await, remembered, "kept within the window");
    let again = restarted
        .request("POST", "/slack/commands", &headers, body)
        .await;
    assert!(again.text().contains("already received"), "{}", again.body);
    assert_eq!(windows_of(&app, ANA).await, 2);

    let after = remembered_at + Duration::minutes(61);
    for (what, result) in officehours::startup::sweep(&*store, after, retention, cooldown).await {
        assert!(result.is_ok(), "{what}: {result:?}");
    }
    assert_eq!(triggers(&app).await, 0, "purged after the window");
    store.close().await;
}

async fn after_forget_me_the_calendar_feed_is_gone_and_tells_nothing(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add mon 09:00-10:00 kubernetes").await;
    let answer = app.say(ANA, "calendar").await;
    let url = answer
        .split('`')
        .find(|p| p.starts_with("https://"))
        .expect("a feed URL")
        .to_owned();
    let path = url.trim_start_matches(support::PUBLIC_URL).to_owned();
    let (status, headers, body) = get(&app, &path, &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("kubernetes"), "{body}");
    let tag = etag(&headers);

    let asked = app.say(ANA, "forget me").await;
    assert!(asked.contains("Delete everything"), "{asked}");
    let url = app.slack.response_url("forget");
    app.interaction(&press(TEAM, ANA, "officehours.forget_me", "me", &url))
        .await;
    let done = app.slack.wait_for_responses_to("forget", 1, WAIT).await;
    assert!(
        support::visible_text(&done[0]).contains("I deleted"),
        "{}",
        done[0]
    );

    // Here and on another replica (whose memory never held the feed), with and without the tag
    // the calendar app holds: not found, and not a word of what it was.
    let other = app.replica().await;
    for server in [&app, &other] {
        for held in [vec![], vec![("if-none-match", tag.as_str())]] {
            let (status, headers, body) = get(server, &path, &held).await;
            assert_eq!(status, 404, "{body}");
            assert!(headers.get("etag").is_none(), "{headers:?}");
            for secret in ["kubernetes", "VCALENDAR", ANA, "ana"] {
                assert!(!body.contains(secret), "{body}");
            }
        }
    }
}
