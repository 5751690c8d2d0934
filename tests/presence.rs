//! Presence end to end: connecting with OAuth, the Slack status during office hours, away,
//! hints when a mentor is @mentioned, and the calendar feed.

mod support;

use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};
use std::time::Duration as StdDuration;
use support::fake_slack::FakeSlack;
use support::{visible_text, Backend, TestApp, TEAM};

const ANA: &str = "U0ANA00001"; // mentor, Berlin
const BEN: &str = "U0BEN00001"; // New York
const CY: &str = "U0CY000001"; // mentor, Sydney
const ANA_TOKEN: &str = "xoxp-ana-user-token-1234567890";

fn link_of(message: &Value) -> String {
    fn find(v: &Value) -> Option<String> {
        match v {
            Value::Object(m)
                if m.get("type") == Some(&json!("button")) && m.contains_key("url") =>
            {
                m["url"].as_str().map(str::to_owned)
            }
            Value::Object(m) => m.values().find_map(find),
            Value::Array(items) => items.iter().find_map(find),
            _ => None,
        }
    }
    find(message).unwrap_or_else(|| panic!("no link button in {message}"))
}

fn state_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state")
}

/// Runs `/officehours connect` as `user` and returns the state in the Connect link.
async fn connect_link(app: &TestApp, user: &str) -> String {
    let answer = app.command(user, "connect").await.json();
    let link = link_of(&answer);
    assert!(
        link.starts_with(&format!("{}/slack/oauth/start?state=", support::PUBLIC_URL)),
        "{link}"
    );
    state_of(&link)
}

async fn connect(app: &TestApp, user: &str, token: &str) {
    let state = connect_link(app, user).await;
    let code = format!("code-{user}");
    app.slack.approve_oauth(&code, TEAM, user, token);
    let page = app
        .get(&format!("/slack/oauth/callback?code={code}&state={state}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Connected"), "{}", page.body);
}

async fn sealed_tokens(app: &TestApp) -> Vec<String> {
    let rows: Vec<(String,)> = app.db.rows("SELECT token_sealed FROM connections").await;
    rows.into_iter().map(|(t,)| t).collect()
}

fn message_event(event_id: &str, user: &str, text: &str, extra: Value) -> Value {
    let mut event = json!({
        "type": "message", "channel": "C0GENERAL1", "user": user, "text": text,
        "ts": "1765000000.000100", "event_ts": "1765000000.000100", "channel_type": "channel"
    });
    if let (Value::Object(event), Value::Object(extra)) = (&mut event, extra) {
        event.extend(extra);
    }
    json!({
        "token": "XXYYZZ", "team_id": TEAM, "api_app_id": "A0001", "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": 1765000000,
        "authorizations": [{ "enterprise_id": null, "team_id": TEAM, "user_id": "UBOT", "is_bot": true, "is_enterprise_install": false }]
    })
}

async fn hints_to(app: &TestApp, user: &str) -> Vec<String> {
    // A fixed wait: most callers check that no (further) hint came, which nothing signals.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    app.slack
        .calls_to("chat.postEphemeral")
        .into_iter()
        .filter(|c| c.params["user"] == user)
        .map(|c| visible_text(&c.params))
        .collect()
}

on_both_backends!(
    oauth_round_trip_stores_a_sealed_token_and_refuses_forged_expired_replayed_or_foreign_states,
    the_status_follows_office_hours_and_never_clobbers_the_persons_own,
    a_status_change_more_than_a_day_late_is_dropped_not_made,
    on_and_away_and_a_revoked_token_are_handled,
    mentioning_a_mentor_gets_the_sender_one_private_hint,
    the_calendar_feed_is_private_parses_as_icalendar_and_can_be_reset,
    two_plans_in_one_second_keep_the_status_change
);

/// Connecting while available, then `on` again at once: both plan the same status change in the
/// same second. Keyed by when it was planned, the second plan cancelled the first's rows and its
/// own insert hit them, so no status was ever set.
async fn two_plans_in_one_second_keep_the_status_change(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "on").await;
    connect(&app, ANA, ANA_TOKEN).await;
    app.say(ANA, "on").await;
    app.say(ANA, "on").await;
    app.tick().await;
    let sets = app.slack.status_sets(ANA);
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert!(sets[0].text.starts_with("Office hours until"), "{sets:?}");
    let pending: Vec<(String,)> = app
        .db
        .rows("SELECT key FROM reminders WHERE status = 'pending' AND kind = 'status_start'")
        .await;
    assert!(pending.is_empty(), "nothing left to set twice: {pending:?}");
}

async fn oauth_round_trip_stores_a_sealed_token_and_refuses_forged_expired_replayed_or_foreign_states(
    app: TestApp,
) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    let state = connect_link(&app, ANA).await;

    let start = app.get(&format!("/slack/oauth/start?state={state}")).await;
    assert_eq!(start.status, 302);
    let forged_start = app.get("/slack/oauth/start?state=forged").await;
    assert_eq!(forged_start.status, 400);

    app.slack.approve_oauth("good-code", TEAM, ANA, ANA_TOKEN);
    let page = app
        .get(&format!(
            "/slack/oauth/callback?code=good-code&state={state}"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<!doctype html>") && page.body.contains("Connected"));

    // At rest the token is sealed: the raw row shows neither the token nor its base64.
    let rows = sealed_tokens(&app).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].starts_with("v1:"), "{}", rows[0]);
    assert!(
        !rows[0].contains(ANA_TOKEN) && !rows[0].contains("eG94cC1hbmE"),
        "{}",
        rows[0]
    );

    // Replayed, forged and expired states store nothing.
    let replay = app
        .get(&format!(
            "/slack/oauth/callback?code=good-code&state={state}"
        ))
        .await;
    assert_eq!(replay.status, 400);
    let forged = app
        .get("/slack/oauth/callback?code=x&state=not-a-state")
        .await;
    assert_eq!(forged.status, 400);
    let old = connect_link(&app, BEN).await;
    app.clock.advance(Duration::minutes(11));
    app.slack
        .approve_oauth("late-code", TEAM, BEN, "xoxp-ben-late");
    let expired = app
        .get(&format!("/slack/oauth/callback?code=late-code&state={old}"))
        .await;
    assert_eq!(expired.status, 400);
    assert!(expired.body.contains("doesn't work any more"));

    // Ben's link, approved by Ana's account: refused, and the token it produced is revoked.
    let bens = connect_link(&app, BEN).await;
    app.slack
        .approve_oauth("foreign-code", TEAM, ANA, "xoxp-ana-second");
    let foreign = app
        .get(&format!(
            "/slack/oauth/callback?code=foreign-code&state={bens}"
        ))
        .await;
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    assert!(app.slack.token_revoked("xoxp-ana-second"));
    assert_eq!(
        sealed_tokens(&app).await.len(),
        1,
        "nothing stored for the foreign approval"
    );

    let again = app.say(ANA, "connect").await;
    assert!(again.contains("already connected"), "{again}");
    let bye = app.say(ANA, "disconnect").await;
    assert!(bye.contains("Disconnected"), "{bye}");
    assert!(app.slack.token_revoked(ANA_TOKEN));
    assert!(sealed_tokens(&app).await.is_empty());
}

async fn the_status_follows_office_hours_and_never_clobbers_the_persons_own(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    // Thursday 13:30 UTC; the window is 16:00-17:00 Berlin (15:00-16:00 UTC).
    app.say(ANA, "add thu 16:00-17:00").await;
    connect(&app, ANA, ANA_TOKEN).await;
    app.slack.set_status(ANA, "Writing docs", ":pencil:", 0);

    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap());
    app.tick().await;
    let during = app.slack.status(ANA);
    assert_eq!(during.text, "Office hours until 17:00 — drop by");
    assert_eq!(during.emoji, ":door:");
    assert_eq!(
        during.expiration,
        Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0)
            .unwrap()
            .timestamp()
    );

    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(
        app.slack.status(ANA).text,
        "Writing docs",
        "their own status comes back"
    );

    // Next week they change it mid-window: theirs wins at the end.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 10, 15, 0, 0).unwrap());
    app.tick().await;
    assert!(app.slack.status(ANA).text.starts_with("Office hours"));
    app.slack.set_status(ANA, "Lunch", ":taco:", 0);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 10, 16, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(app.slack.status(ANA).text, "Lunch");

    // The week after, an away status is left alone and hides them.
    app.slack.set_status(ANA, "Vacation", ":palm_tree:", 0);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 17, 15, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(app.slack.status(ANA).text, "Vacation");
    app.known_user(BEN, "America/New_York").await;
    let lookup = app.say(BEN, &format!("<@{ANA}>")).await;
    assert!(lookup.contains("away until"), "{lookup}");
    let sets = app.slack.status_sets(ANA);
    assert_eq!(
        sets.iter()
            .filter(|s| s.text.starts_with("Office hours"))
            .count(),
        2,
        "{sets:?}"
    );
}

async fn a_status_change_more_than_a_day_late_is_dropped_not_made(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add thu 16:00-17:00").await;
    connect(&app, ANA, ANA_TOKEN).await;
    app.slack.set_status(ANA, "Writing docs", ":pencil:", 0);
    // The bot was down from before Thursday's window until Friday evening.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 17, 0, 0).unwrap());
    let report = app.tick().await;
    assert!(report.dropped >= 2, "{report:?}");
    assert_eq!(app.slack.status(ANA).text, "Writing docs");
    let sets = app.slack.status_sets(ANA);
    assert!(
        sets.iter().all(|s| !s.text.starts_with("Office hours")),
        "{sets:?}"
    );
}

async fn on_and_away_and_a_revoked_token_are_handled(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add fri 09:00-10:00").await;
    connect(&app, ANA, ANA_TOKEN).await;

    app.say(ANA, "on for 2h").await;
    app.tick().await;
    let now_on = app.slack.status(ANA);
    assert_eq!(
        now_on.text, "Office hours until 16:30 — drop by",
        "{now_on:?}"
    );
    app.say(ANA, "off").await;
    app.tick().await;
    assert_eq!(
        app.slack.status(ANA).text,
        "",
        "cleared when they switch off"
    );

    let away = app.say(ANA, "away until 2026-12-04").await;
    assert!(away.contains("away until the end of Fri 4 Dec"), "{away}");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 4, 8, 0, 0).unwrap());
    app.tick().await;
    assert_eq!(
        app.slack.status(ANA).text,
        "",
        "no office-hours status while away"
    );

    // They revoke the app in Slack: the next change marks the connection broken and says so once.
    app.slack.revoke_user_token(ANA_TOKEN);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 11, 8, 0, 0).unwrap());
    app.tick().await;
    app.tick().await;
    let told = app
        .slack
        .dm_messages(ANA)
        .iter()
        .filter(|m| visible_text(m).contains("can no longer update your Slack status"))
        .count();
    assert_eq!(told, 1);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 18, 9, 0, 0).unwrap());
    app.tick().await;
    let told = app
        .slack
        .dm_messages(ANA)
        .iter()
        .filter(|m| visible_text(m).contains("can no longer update"))
        .count();
    assert_eq!(told, 1, "told once");
}

async fn mentioning_a_mentor_gets_the_sender_one_private_hint(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.known_user(CY, "Australia/Sydney").await;
    app.say(ANA, "add thu 14:00-15:00").await;
    app.say(CY, "add mon 09:00-10:00").await;

    assert_eq!(
        app.event(&message_event(
            "Ev1",
            BEN,
            &format!("<@{ANA}> can you look?"),
            json!({})
        ))
        .await
        .status,
        200
    );
    let hints = hints_to(&app, BEN).await;
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert!(
        hints[0].contains("is in office hours now, until 15:00 Berlin (09:00 your time)"),
        "{}",
        hints[0]
    );
    assert!(hints[0].contains("Drop in"), "{}", hints[0]);

    // Chatter that mentions nobody costs nothing: no event row is even written for it.
    let before: Vec<(String,)> = app.db.rows("SELECT event_id FROM slack_events").await;
    app.event(&message_event("Ev0", BEN, "lunch anyone?", json!({})))
        .await;
    let after: Vec<(String,)> = app.db.rows("SELECT event_id FROM slack_events").await;
    assert_eq!(before.len(), after.len());

    // The same sender and mentor again within the hour: nothing. Slack's retry: nothing.
    app.event(&message_event(
        "Ev2",
        BEN,
        &format!("<@{ANA}> ping"),
        json!({}),
    ))
    .await;
    app.event(&message_event(
        "Ev1",
        BEN,
        &format!("<@{ANA}> can you look?"),
        json!({}),
    ))
    .await;
    assert_eq!(hints_to(&app, BEN).await.len(), 1);

    // Several mentors in one message: one combined hint (Ana's is already used up for Ben).
    app.event(&message_event(
        "Ev3",
        CY,
        &format!("<@{ANA}> and <@{CY}>, thoughts?"),
        json!({}),
    ))
    .await;
    let cy = hints_to(&app, CY).await;
    assert_eq!(cy.len(), 1, "{cy:?}");
    assert!(
        cy[0].contains(&format!("<@{ANA}> is in office hours now"))
            && !cy[0].contains(&format!("<@{CY}>'s")),
        "no self-hint: {}",
        cy[0]
    );

    // Bots, edits and the channel's own opt-out get nothing.
    app.clock.advance(Duration::hours(2));
    app.event(&message_event(
        "Ev4",
        BEN,
        &format!("<@{ANA}>"),
        json!({ "bot_id": "B123" }),
    ))
    .await;
    app.event(&message_event(
        "Ev5",
        BEN,
        &format!("<@{ANA}>"),
        json!({ "subtype": "message_changed" }),
    ))
    .await;
    assert_eq!(hints_to(&app, BEN).await.len(), 1);
    let off = app
        .command_form(BEN, "hints off", "hints")
        .replace("C2147483705", "C0GENERAL1");
    let response = app
        .post_signed("/slack/commands", "application/x-www-form-urlencoded", &off)
        .await;
    assert!(
        response.text().contains("No mention hints in this channel"),
        "{}",
        response.body
    );
    app.event(&message_event("Ev6", BEN, &format!("<@{ANA}>"), json!({})))
        .await;
    assert_eq!(hints_to(&app, BEN).await.len(), 1);

    // Mentioning the bot answers like /officehours, once, even though a message event comes too.
    let mention = json!({
        "token": "XXYYZZ", "team_id": TEAM, "api_app_id": "A0001", "type": "event_callback",
        "event_id": "Ev7", "event_time": 1765000000,
        "event": { "type": "app_mention", "user": BEN, "text": "<@UBOT> who is around?", "ts": "1765000001.000100", "channel": "C0OTHER001", "event_ts": "1765000001.000100" }
    });
    app.event(&mention).await;
    app.event(&message_event(
        "Ev8",
        BEN,
        "<@UBOT> who is around?",
        json!({ "channel": "C0OTHER001", "ts": "1765000001.000100" }),
    ))
    .await;
    let answers_there = |slack: &FakeSlack| -> Vec<_> {
        slack
            .calls_to("chat.postEphemeral")
            .into_iter()
            .filter(|c| c.params["channel"] == "C0OTHER001")
            .collect()
    };
    app.slack
        .wait_until(StdDuration::from_secs(5), |s| {
            (!answers_there(s).is_empty()).then_some(())
        })
        .await;
    // A fixed wait: a second answer must not come, which nothing signals.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let answers = answers_there(&app.slack);
    assert_eq!(answers.len(), 1);
    assert!(visible_text(&answers[0].params).contains("Office hours"));
}

async fn the_calendar_feed_is_private_parses_as_icalendar_and_can_be_reset(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add mon,wed 09:00-10:00 career").await;
    let answer = app.say(ANA, "calendar").await;
    let url = answer
        .split('`')
        .find(|p| p.starts_with("https://"))
        .expect("a feed URL")
        .to_owned();
    let path = url.trim_start_matches(support::PUBLIC_URL).to_owned();
    let feed = app.get(&path).await;
    assert_eq!(feed.status, 200);
    let calendar: icalendar::Calendar = feed.body.parse().expect("a valid iCalendar file");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 1);
    let ics = feed.body.replace("\r\n ", "");
    assert!(ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO,WE"), "{ics}");
    assert!(ics.contains("DTSTART;TZID=Europe/Berlin:"), "{ics}");
    assert!(
        ics.contains("BEGIN:VTIMEZONE") && ics.contains("TZID:Europe/Berlin"),
        "{ics}"
    );

    assert_eq!(app.get("/ics/guessed.ics").await.status, 404);
    let reset = app.say(ANA, "calendar reset").await;
    assert!(reset.contains("new address"), "{reset}");
    assert_eq!(
        app.get(&path).await.status,
        404,
        "the old address stops working"
    );
}
