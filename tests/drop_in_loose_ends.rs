//! Drop in's loose ends (issue #15), end to end on both backends: the mentor's Home tab drawn
//! again when her line changes, a same-day reopening announced once per opening, the person
//! with her at closing told what happens, and DMs planned for now sent without waiting a tick.

mod support;

use chrono::Duration;
use serde_json::Value;
use support::fake_slack::FakeFailure;
use support::{mention, posted, visible_text, Backend, TestApp};

const ANA: &str = "U0ANA00001"; // mentor, Berlin
const BEN: &str = "U0BEN00001"; // New York
const CHO: &str = "U0CHO00001"; // Tokyo
const DIA: &str = "U0DIA00001"; // Sydney

on_both_backends!(
    joining_and_leaving_redraw_the_mentors_home_tab_once_per_change_durably,
    off_and_on_again_the_same_day_is_announced_once_per_opening,
    a_second_window_the_same_day_is_announced_and_so_is_its_end,
    the_person_with_her_as_she_closes_is_told_the_visit_goes_on,
    a_week_of_held_questions_alone_still_gets_its_monday_dm,
    a_notice_planned_before_the_upgrade_is_not_told_twice,
    put_off_alone_while_she_is_open_is_told_she_opened_next_week,
    away_at_her_next_window_the_line_hears_she_opened_when_she_is_back,
    next_done_not_today_and_a_skip_redraw_her_home_tab_too,
    im_here_keeps_a_long_visit_from_timing_out,
);

const CLOSED: &str = "has closed for now";
const OPENED: &str = "is open now and has your question";
const LIST: &str = "asked while you were closed";

/// Ana (Berlin) open Thursdays 14:00-16:00, which it is now (14:30 her time).
async fn ana_open(app: &TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.known_user(CHO, "Asia/Tokyo").await;
    app.known_user(DIA, "Australia/Sydney").await;
    let added = app.say(ANA, "add thu 14:00-16:00 career, rust").await;
    assert!(added.contains("Added window"), "{added}");
}

fn ask(who: &str) -> String {
    format!("ask {}", mention(who))
}

fn dms_containing(app: &TestApp, user: &str, needle: &str) -> Vec<String> {
    app.slack
        .dm_messages(user)
        .iter()
        .map(|m| posted(m).1)
        .filter(|text| text.contains(needle))
        .collect()
}

/// The Home tab Slack holds for `user` now, as text ("" if none was published).
fn home_text(app: &TestApp, user: &str) -> String {
    app.slack
        .published_view(user)
        .map(|v: Value| visible_text(&v))
        .unwrap_or_default()
}

fn publishes(app: &TestApp) -> usize {
    app.slack.calls_to("views.publish").len()
}

async fn joining_and_leaving_redraw_the_mentors_home_tab_once_per_change_durably(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &format!("{} a career change", ask(ANA))).await;
    // Planned with the join, published by the queue: nothing before the delivery.
    assert_eq!(publishes(&app), 0);
    app.tick().await;
    let text = home_text(&app, ANA);
    assert!(
        text.contains("Your line:* 1 waiting") && text.contains(BEN),
        "{text}"
    );
    // The asker's own tab shows no place in any line: nothing is published to them.
    assert!(app.slack.published_view(BEN).is_none());

    // Two changes before the next delivery are one publish, of the line as it is then.
    app.say(CHO, &ask(ANA)).await;
    let left = app.say(BEN, &format!("ask cancel {}", mention(ANA))).await;
    assert!(!left.is_empty());
    app.tick().await;
    assert_eq!(publishes(&app), 2, "{}", app.slack.calls_summary());
    let text = home_text(&app, ANA);
    assert!(
        text.contains("Your line:* 1 waiting") && text.contains(CHO) && !text.contains(BEN),
        "{text}"
    );
    // Delivered once: a second tick publishes nothing more; a second cancel changes nothing.
    app.say(BEN, &format!("ask cancel {}", mention(ANA))).await;
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_eq!(publishes(&app), 2, "{}", app.slack.calls_summary());

    // Slack fails the publish (each of the client's own three tries): the row is retried, and
    // another replica (as if this one stopped) does it.
    for _ in 0..3 {
        app.slack
            .fail_next("views.publish", FakeFailure::Status(503));
    }
    app.say(DIA, &ask(ANA)).await;
    app.tick().await;
    assert!(!home_text(&app, ANA).contains(DIA), "the publish failed");
    let other = app.replica().await;
    other.clock.advance(Duration::minutes(5));
    other.tick().await;
    let text = home_text(&other, ANA);
    assert!(
        text.contains("Your line:* 2 waiting") && text.contains(DIA),
        "{text}"
    );
}

/// A press through the front door (from a DM: the adapter redraws nothing itself).
async fn press(app: &TestApp, user: &str, action: &str, value: &str) {
    let actor = officehours::app::Actor {
        team_id: support::TEAM.to_owned(),
        user_id: user.to_owned(),
    };
    let trigger = support::trigger_id();
    app.core
        .press(
            &actor,
            Some(officehours::app::Trigger(&trigger)),
            action,
            value,
        )
        .await
        .expect("the press is handled");
}

async fn place_of(app: &TestApp, asker: &str) -> String {
    let rows: Vec<(i64,)> = app
        .db
        .rows(&format!("SELECT id FROM line WHERE asker_id = '{asker}'"))
        .await;
    rows.first().map(|(id,)| id.to_string()).expect("a place")
}

async fn next_done_not_today_and_a_skip_redraw_her_home_tab_too(app: TestApp) {
    use officehours::views::actions;
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    app.tick().await;
    let drawn = publishes(&app);
    // Typed, not pressed on the tab: the tab follows anyway, through the queue.
    app.say(ANA, "next").await;
    app.tick().await;
    assert_eq!(publishes(&app), drawn + 1, "{}", app.slack.calls_summary());
    assert!(home_text(&app, ANA).contains(BEN));
    let ben = place_of(&app, BEN).await;
    press(&app, ANA, actions::LINE_DONE, &ben).await;
    app.tick().await;
    assert_eq!(publishes(&app), drawn + 2);
    let text = home_text(&app, ANA);
    assert!(!text.contains(BEN) && text.contains(CHO), "{text}");
    // Cho is called and never answers: the skip moves her back, and the tab shows it.
    app.say(ANA, "next").await;
    app.tick().await;
    assert_eq!(publishes(&app), drawn + 3);
    app.advance_and_tick(Duration::minutes(11)).await;
    // The redraw is planned as the skip is delivered: the next round publishes it.
    app.tick().await;
    assert_eq!(publishes(&app), drawn + 4, "{}", app.slack.calls_summary());
    let cho = place_of(&app, CHO).await;
    press(&app, ANA, actions::LINE_NOT_TODAY, &cho).await;
    app.tick().await;
    assert_eq!(publishes(&app), drawn + 5);
}

/// The value of the "I'm here" button in the last DM that has one.
fn here_value(app: &TestApp, user: &str) -> String {
    let dms = app.slack.dm_messages(user);
    dms.iter()
        .rev()
        .flat_map(|m| m["blocks"].as_array().cloned().unwrap_or_default())
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == officehours::views::actions::LINE_HERE)
        .and_then(|e| e["value"].as_str().map(str::to_owned))
        .expect("a call DM with I'm here")
}

async fn im_here_keeps_a_long_visit_from_timing_out(app: TestApp) {
    use officehours::views::actions;
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    app.tick().await;
    app.say(ANA, "next").await;
    app.tick().await;
    let call = here_value(&app, BEN);
    // Someone else's press, or a made-up call, changes nothing.
    press(&app, CHO, actions::LINE_HERE, &call).await;
    press(&app, BEN, actions::LINE_HERE, "0:0").await;
    press(&app, BEN, actions::LINE_HERE, &call).await;
    press(&app, BEN, actions::LINE_HERE, &call).await;
    // As if a replica had claimed the timeout before the press and handed it back: delivered
    // anyway, it finds the call answered and says nothing.
    app.db
        .execute("UPDATE reminders SET status = 'pending', last_error = NULL, finished_at = NULL WHERE key LIKE 'line:skip%'")
        .await;
    // Twenty minutes of talking: nobody is moved back, nobody told they missed the call.
    app.advance_and_tick(Duration::minutes(20)).await;
    app.tick().await;
    assert!(dms_containing(&app, BEN, "didn't answer").is_empty());
    assert!(dms_containing(&app, ANA, "didn't answer").is_empty());
    let ben = place_of(&app, BEN).await;
    press(&app, ANA, actions::LINE_DONE, &ben).await;
    let visits: Vec<(String,)> = app.db.rows("SELECT visitor_id FROM visits").await;
    assert_eq!(visits, vec![(BEN.to_owned(),)], "the visit is logged");
    // Cho's call is not answered: her timeout still applies.
    app.say(ANA, "next").await;
    app.tick().await;
    app.advance_and_tick(Duration::minutes(11)).await;
    assert_eq!(dms_containing(&app, CHO, "didn't answer").len(), 1);
}

/// How many DMs each of `users` got containing `needle`.
fn counts(app: &TestApp, users: &[&str], needle: &str) -> Vec<usize> {
    users
        .iter()
        .map(|u| dms_containing(app, u, needle).len())
        .collect()
}

async fn off_and_on_again_the_same_day_is_announced_once_per_opening(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &format!("{} career", ask(ANA))).await;
    app.say(CHO, &ask(ANA)).await;
    app.tick().await;
    app.say(ANA, "off").await;
    app.tick().await;
    assert_eq!(counts(&app, &[BEN, CHO], CLOSED), [1, 1]);
    assert_eq!(counts(&app, &[BEN, CHO], OPENED), [0, 0]);

    // Back within the hour, the same day: the two kept first hear she is open, once, and she
    // gets their questions.
    app.clock.advance(Duration::minutes(40));
    let on = app.say(ANA, "on").await;
    assert!(!on.is_empty());
    app.tick().await;
    assert_eq!(counts(&app, &[BEN, CHO], OPENED), [1, 1]);
    assert_eq!(counts(&app, &[ANA], LIST), [1]);
    // Planned again (another `on`, someone joining, a replica's tick): nobody is told twice.
    app.say(ANA, "on").await;
    app.say(DIA, &ask(ANA)).await;
    let other = app.replica().await;
    other.advance_and_tick(Duration::minutes(1)).await;
    app.advance_and_tick(Duration::minutes(1)).await;
    let both = |users: &[&str], needle: &str| -> Vec<usize> {
        let (a, b) = (counts(&app, users, needle), counts(&other, users, needle));
        a.iter().zip(b).map(|(a, b)| a + b).collect()
    };
    assert_eq!(both(&[BEN, CHO, DIA], OPENED), [1, 1, 0]);
    assert_eq!(both(&[ANA], LIST), [1]);
    assert_eq!(both(&[BEN, CHO, DIA], CLOSED), [1, 1, 0]);

    // Closed a second time and open a third: each is told again, once each time.
    app.say(ANA, "off").await;
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_eq!(both(&[BEN, CHO, DIA], CLOSED), [2, 2, 1]);
    app.clock.advance(Duration::minutes(20));
    app.say(ANA, "on").await;
    app.tick().await;
    other.clock.advance(Duration::minutes(22));
    other.tick().await;
    assert_eq!(both(&[BEN, CHO, DIA], OPENED), [2, 2, 1]);
    assert_eq!(both(&[ANA], LIST), [2]);
    let called = app.say(ANA, "next").await;
    assert!(called.contains(BEN), "kept first: {called}");
}

async fn a_second_window_the_same_day_is_announced_and_so_is_its_end(app: TestApp) {
    ana_open(&app).await;
    // A second window on Thursdays, 18:00-19:00 Berlin (17:00-18:00 UTC).
    let added = app.say(ANA, "add thu 18:00-19:00 rust").await;
    assert!(added.contains("Added window"), "{added}");
    app.say(CHO, &ask(ANA)).await;
    app.tick().await;
    // 16:00 Berlin: the first window ends with Cho waiting.
    app.advance_and_tick(Duration::minutes(91)).await;
    assert_eq!(counts(&app, &[CHO], CLOSED), [1]);
    assert_eq!(counts(&app, &[CHO], OPENED), [0]);
    // 18:00 Berlin: open again, and Cho hears it.
    app.advance_and_tick(Duration::minutes(120)).await;
    assert_eq!(counts(&app, &[CHO], OPENED), [1]);
    assert_eq!(counts(&app, &[ANA], LIST), [1]);
    // Restarted meanwhile: 19:00 Berlin, the second window ends with Cho still waiting.
    let other = app.replica().await;
    other.advance_and_tick(Duration::minutes(61)).await;
    assert_eq!(counts(&other, &[CHO], CLOSED), [1]);
    // And a week on, her next Thursday: open again, told once.
    other
        .advance_and_tick(Duration::days(7) - Duration::minutes(300))
        .await;
    other.advance_and_tick(Duration::minutes(5)).await;
    assert_eq!(counts(&other, &[CHO], OPENED), [1]);
    assert_eq!(counts(&app, &[CHO], CLOSED), [1]);
}

async fn the_person_with_her_as_she_closes_is_told_the_visit_goes_on(app: TestApp) {
    const WITH: &str = "office hours have ended while you're with them";
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    // 15:55 Berlin: she calls Ben; the window ends at 16:00 with him being seen, Cho waiting.
    app.advance_and_tick(Duration::minutes(85)).await;
    app.say(ANA, "next").await;
    app.tick().await;
    app.advance_and_tick(Duration::minutes(6)).await;
    assert_eq!(counts(&app, &[BEN], WITH), [1]);
    assert_eq!(counts(&app, &[BEN, CHO], CLOSED), [0, 1]);
    assert_eq!(counts(&app, &[CHO], WITH), [0]);
    let other = app.replica().await;
    other.advance_and_tick(Duration::minutes(1)).await;
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_eq!(counts(&app, &[BEN], WITH), [1]);
    assert_eq!(counts(&other, &[BEN], WITH), [0]);
    // The visit was kept: Done ends it and logs it.
    let ids: Vec<(i64,)> = app
        .db
        .rows("SELECT id FROM line WHERE state = 'called'")
        .await;
    assert_eq!(ids.len(), 1);
    let done = app
        .core
        .press(
            &officehours::app::Actor {
                team_id: support::TEAM.to_owned(),
                user_id: ANA.to_owned(),
            },
            Some(officehours::app::Trigger(&support::trigger_id())),
            "officehours.line_done",
            &ids[0].0.to_string(),
        )
        .await
        .expect("done");
    assert!(done.replace.is_some());
    let visits: Vec<(String,)> = app.db.rows("SELECT visitor_id FROM visits").await;
    assert_eq!(visits, [(BEN.to_owned(),)]);

    // `off` while she is with someone tells them at once, once per call.
    app.clock
        .set(support::thursday_afternoon() + Duration::days(7));
    app.say(ANA, "next").await;
    app.tick().await;
    app.say(ANA, "off").await;
    app.tick().await;
    app.say(ANA, "off").await;
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_eq!(counts(&app, &[CHO], WITH), [1]);
}

/// The scheduler loop runs, ticking once an hour: what a command plans for now goes out at
/// once all the same (the command wakes it), and again for a second command, and a press.
mod a_command_that_plans_a_dm_for_now_wakes_the_scheduler {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        if let Some(app) = TestApp::spawn_ticking(Backend::Sqlite, HOUR).await {
            wakes(app).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_ticking(Backend::Postgres, HOUR).await {
            wakes(app).await
        }
    }

    const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);
    const SOON: std::time::Duration = std::time::Duration::from_secs(5);

    async fn wakes(app: TestApp) {
        // The loop's first tick comes at once; let it pass, so the next is an hour away.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        ana_open(&app).await;
        app.say(BEN, &ask(ANA)).await;
        let joined = app.slack.wait_for_dm_messages(ANA, 1, SOON).await;
        assert!(
            posted(&joined[0]).1.contains("joined your line"),
            "{joined:?}"
        );
        app.say(CHO, &ask(ANA)).await;
        let joined = app.slack.wait_for_dm_messages(ANA, 2, SOON).await;
        assert!(posted(&joined[1]).1.contains(CHO), "{joined:?}");
        let pressed = app
            .core
            .press(
                &officehours::app::Actor {
                    team_id: support::TEAM.to_owned(),
                    user_id: ANA.to_owned(),
                },
                Some(officehours::app::Trigger(&support::trigger_id())),
                "officehours.line_next",
                ANA,
            )
            .await
            .expect("next");
        assert!(pressed.replace.is_some());
        let called = app.slack.wait_for_dm_messages(BEN, 1, SOON).await;
        assert!(
            posted(&called[0]).1.contains("is ready for you"),
            "{called:?}"
        );
        // Delivered once each, by the loop alone.
        assert_eq!(app.slack.dm_messages(ANA).len(), 2);
    }
}

async fn a_week_of_held_questions_alone_still_gets_its_monday_dm(app: TestApp) {
    use chrono::TimeZone;
    const WEEK_DM: &str = "Your office hours last week";
    let utc = |d, h, m| chrono::Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();
    ana_open(&app).await;
    // Thursday evening, Ana closed: Ben's and Cho's questions are held; Cho thinks better of it.
    app.clock.set(utc(3, 17, 0));
    let held = app.say(BEN, &format!("{} career", ask(ANA))).await;
    assert!(held.contains("held"), "{held}");
    app.say(CHO, &ask(ANA)).await;
    app.say(CHO, &format!("ask cancel {}", mention(ANA))).await;
    // Monday 09:00 Berlin, two replicas: one DM, with no visits and Ben's question waiting.
    app.clock.set(utc(7, 8, 0));
    let other = app.replica().await;
    let _ = tokio::join!(app.tick(), other.tick());
    app.advance_and_tick(Duration::hours(1)).await;
    let mut dms = dms_containing(&app, ANA, WEEK_DM);
    dms.extend(dms_containing(&other, ANA, WEEK_DM));
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert!(
        dms[0].contains("no drop-ins, 1 question held (waiting for your next window)."),
        "{dms:?}"
    );
    // The next week had nothing new (Ben's question was last week's): no DM.
    app.clock.set(utc(14, 8, 0));
    app.tick().await;
    app.advance_and_tick(Duration::hours(1)).await;
    let all: Vec<(i64,)> = app
        .db
        .rows("SELECT COUNT(*) FROM reminders WHERE kind = 'line_week' AND status = 'sent'")
        .await;
    assert_eq!(all, [(1,)]);
}

/// A line upgraded mid-flight: the "she is open" notice was planned under the key used before
/// announcements were numbered. It is sent, counts as that announcement, and is not followed
/// by the same news under the new key.
async fn a_notice_planned_before_the_upgrade_is_not_told_twice(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(ANA, "off").await;
    app.tick().await;
    assert_eq!(counts(&app, &[BEN], CLOSED), [1]);
    // The pending notice, as the version before wrote it: its old key, no number.
    let rows: Vec<(i64, String, String)> = app
        .db
        .rows("SELECT id, key, payload FROM reminders WHERE kind = 'line_opened' AND status = 'pending'")
        .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (id, key, payload) = &rows[0];
    let mut old: Value = serde_json::from_str(payload).expect("a payload");
    old.as_object_mut().expect("an object").remove("step");
    let line_id = old["line_id"].as_i64().expect("a place");
    let old_key = key.replace(
        &format!(":{line_id}:2"),
        &format!(":1765371600:opened:{line_id}"),
    );
    assert_ne!(&old_key, key);
    app.db
        .execute(&format!(
            "UPDATE reminders SET key = '{old_key}', payload = '{old}' WHERE id = {id}"
        ))
        .await;
    // Her next window (Thursday 10 December, 13:00 UTC): told once, on every tick after.
    use chrono::TimeZone;
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 10, 13, 0, 30)
            .unwrap(),
    );
    app.tick().await;
    app.advance_and_tick(Duration::minutes(1)).await;
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_eq!(counts(&app, &[BEN], OPENED), [1]);
}

/// Not today while she is open, with nobody else in line: no other notice settles at her
/// closing to plan again, so their "she is open" is planned with the press, for her next
/// window (before, it was planned for nothing, and they and her list were never told).
async fn put_off_alone_while_she_is_open_is_told_she_opened_next_week(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    let ben = place_of(&app, BEN).await;
    press(&app, ANA, officehours::views::actions::LINE_NOT_TODAY, &ben).await;
    app.tick().await;
    assert_eq!(dms_containing(&app, BEN, "can't see you today").len(), 1);
    // Her window ends (told nothing: they know), then her next Thursday opens, on a replica.
    app.advance_and_tick(Duration::minutes(91)).await;
    assert_eq!(counts(&app, &[BEN], CLOSED), [0]);
    let other = app.replica().await;
    other
        .advance_and_tick(Duration::days(7) - Duration::minutes(90))
        .await;
    other.advance_and_tick(Duration::minutes(1)).await;
    let both = |users: &[&str], needle: &str| -> Vec<usize> {
        let (a, b) = (counts(&app, users, needle), counts(&other, users, needle));
        a.iter().zip(b).map(|(a, b)| a + b).collect()
    };
    assert_eq!(both(&[BEN], OPENED), [1]);
    assert_eq!(both(&[ANA], LIST), [1]);
    assert_eq!(both(&[BEN], CLOSED), [0]);
}

/// Her window ends with Ben waiting (told she closed); she goes away over her next Thursday:
/// Ben is told she opened at the Thursday she is back, once (before, `away` left the notice at
/// the Thursday she was away, where it was cancelled, and nothing planned it again).
async fn away_at_her_next_window_the_line_hears_she_opened_when_she_is_back(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.advance_and_tick(Duration::minutes(91)).await;
    assert_eq!(counts(&app, &[BEN], CLOSED), [1]);
    let away = app.say(ANA, "away until 2026-12-10").await;
    assert!(away.contains("away until"), "{away}");
    // Thursday 10 December, 14:01 Berlin: away.
    app.advance_and_tick(Duration::days(7) - Duration::hours(2))
        .await;
    assert_eq!(counts(&app, &[BEN], OPENED), [0]);
    // Thursday 17 December: back, on a replica; told once.
    let other = app.replica().await;
    other.advance_and_tick(Duration::days(7)).await;
    other.advance_and_tick(Duration::minutes(1)).await;
    app.advance_and_tick(Duration::minutes(2)).await;
    let both = |users: &[&str], needle: &str| -> Vec<usize> {
        let (a, b) = (counts(&app, users, needle), counts(&other, users, needle));
        a.iter().zip(b).map(|(a, b)| a + b).collect()
    };
    assert_eq!(both(&[BEN], OPENED), [1]);
    assert_eq!(both(&[ANA], LIST), [1]);
    assert_eq!(both(&[BEN], CLOSED), [1]);
}
