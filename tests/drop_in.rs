//! Drop in, end to end on both backends: asking a mentor (a line across zones with estimates,
//! held questions), her side (queue, Next, Done, Not today, the skip after ten minutes), every
//! refusal, and exactly one call for a Next pressed twice or on two replicas at once.

mod support;

use chrono::Duration;
use serde_json::{json, Value};
use std::collections::HashMap;
use support::{mention, posted, visible_text, Backend, TestApp, TEAM};

use officehours::app::{Actor, Trigger};
use officehours::views::text::render;

const ANA: &str = "U0ANA00001"; // mentor, Berlin
const BEN: &str = "U0BEN00001"; // New York
const CHO: &str = "U0CHO00001"; // Tokyo
const DIA: &str = "U0DIA00001"; // Sydney

on_both_backends!(
    a_line_of_three_across_three_zones_with_estimates,
    next_calls_one_person_with_the_link_and_done_logs_the_visit,
    an_unanswered_call_moves_to_the_back_of_the_line_after_ten_minutes,
    every_refusal_says_why_and_changes_nothing,
    a_next_pressed_twice_calls_one_person,
    two_replicas_pressing_next_at_once_call_one_person,
    a_question_asked_while_closed_is_held_and_first_when_she_opens,
    not_today_keeps_the_question_for_her_next_window,
    the_drop_in_button_opens_a_form_that_joins_the_line,
    export_and_forget_me_cover_the_line_and_the_visits,
    late_tells_everyone_waiting_with_their_new_estimate,
    closing_with_people_waiting_keeps_them_first_and_delivers_the_questions_when_she_opens,
    the_window_ending_with_people_waiting_tells_each_of_them,
    the_link_shows_while_she_is_open_and_in_her_calendar_feed,
    a_held_question_reads_her_window_in_the_askers_zone_across_a_dst_change,
    the_line_survives_a_restart,
    the_home_tab_shows_the_line_and_its_buttons_work_there,
    late_moves_every_estimate_until_the_next_call,
    someone_still_waiting_week_after_week_is_told_at_each_closing_and_each_opening
);

/// Ana (Berlin) open Thursdays 14:00-16:00, which it is now (14:30 her time); three askers in
/// three other zones.
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

async fn line_rows(app: &TestApp) -> Vec<(String, String)> {
    app.db
        .rows("SELECT asker_id, state FROM line ORDER BY joined_at, id")
        .await
}

fn actor(user: &str) -> Actor {
    Actor {
        team_id: TEAM.to_owned(),
        user_id: user.to_owned(),
    }
}

/// A press through the front door, with its own trigger unless one is given; what replaced the
/// message, as text.
async fn press(
    app: &TestApp,
    user: &str,
    action: &str,
    value: &str,
    trigger: Option<&str>,
) -> String {
    let fresh = support::trigger_id();
    let trigger = Trigger(trigger.unwrap_or(&fresh));
    let pressed = app
        .core
        .press(&actor(user), Some(trigger), action, value)
        .await
        .expect("the press is handled");
    pressed.replace.map(|m| render(&m)).unwrap_or_default()
}

async fn a_line_of_three_across_three_zones_with_estimates(app: TestApp) {
    ana_open(&app).await;
    let ben = app.say(BEN, &format!("{} a career change", ask(ANA))).await;
    assert!(
        ben.contains("1st in line") && ben.contains("you're next"),
        "{ben}"
    );
    app.tick().await;
    // 13:30 UTC now; 15 minutes a visit until there are any: 13:45 UTC is 22:45 in Tokyo.
    let cho = app.say(CHO, &ask(ANA)).await;
    assert!(cho.contains("2nd in line"), "{cho}");
    assert!(
        cho.contains("about 15 minutes: around 22:45 your time"),
        "{cho}"
    );
    app.tick().await;
    // 14:00 UTC is 01:00 on Friday in Sydney.
    let dia = app.say(DIA, &format!("{} rust lifetimes", ask(ANA))).await;
    assert!(dia.contains("3rd in line"), "{dia}");
    assert!(
        dia.contains("about 30 minutes: around 01:00 your time"),
        "{dia}"
    );

    // Asking again updates the topic and keeps the place.
    let again = app
        .say(CHO, &format!("{} testing strategy", ask(ANA)))
        .await;
    assert!(
        again.contains("2nd in line") && again.contains("kept your place"),
        "{again}"
    );

    // Ana hears of each join once (not of the second ask), with how many wait then.
    app.tick().await;
    let joined = dms_containing(&app, ANA, "joined your line");
    assert_eq!(joined.len(), 3, "{joined:?}");
    assert!(
        joined[0].contains("a career change") && joined[0].contains("1 waiting"),
        "{joined:?}"
    );
    assert!(joined[2].contains("3 waiting"), "{joined:?}");

    let home = officehours::views::text::render(&app.core.home(&actor(ANA)).await.expect("home"));
    assert!(
        home.contains("Your line:* 3 waiting") || home.contains("Your line: 3 waiting"),
        "{home}"
    );
    let queue = app.say(ANA, "queue").await;
    let order: Vec<usize> = [BEN, CHO, DIA]
        .iter()
        .map(|u| queue.find(u).unwrap_or_else(|| panic!("{u} in {queue}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{queue}");
    assert!(
        queue.contains("testing strategy") && queue.contains("Next"),
        "{queue}"
    );

    let left = app.say(CHO, &format!("ask cancel {}", mention(ANA))).await;
    assert!(left.contains("You've left"), "{left}");
    let dia = app.say(DIA, &ask(ANA)).await;
    assert!(dia.contains("2nd in line"), "moved up: {dia}");
}

async fn next_calls_one_person_with_the_link_and_done_logs_the_visit(app: TestApp) {
    ana_open(&app).await;
    let link = app.say(ANA, "link <https://meet.example.com/ana>").await;
    assert!(link.contains("https://meet.example.com/ana"), "{link}");
    app.say(BEN, &format!("{} rust lifetimes", ask(ANA))).await;
    app.say(CHO, &ask(ANA)).await;

    let answer = app.command(ANA, "next").await.json();
    let called = visible_text(&answer);
    assert!(
        called.contains("Calling") && called.contains(BEN),
        "{called}"
    );
    // The answer carries that visit's Done and Not today, as `queue` would.
    let calling: Vec<(i64,)> = app
        .db
        .rows("SELECT id FROM line WHERE state = 'called'")
        .await;
    let visit = vec![calling[0].0.to_string()];
    assert_eq!(button_values(&answer, "officehours.line_done"), visit);
    assert_eq!(button_values(&answer, "officehours.line_not_today"), visit);
    app.tick().await;
    let call = app.slack.dm_messages(BEN);
    let ready: Vec<&Value> = call
        .iter()
        .filter(|m| posted(m).1.contains("is ready for you"))
        .collect();
    assert_eq!(ready.len(), 1, "{call:?}");
    assert!(
        ready[0]
            .to_string()
            .contains("https://meet.example.com/ana"),
        "{}",
        ready[0]
    );

    // While Ben is with her, `next` calls nobody else.
    let busy = app.say(ANA, "next").await;
    assert!(busy.contains("still with"), "{busy}");

    // Twenty minutes later, Done: the visit is logged with its length and topic label only.
    app.clock.advance(Duration::minutes(20));
    let ids: Vec<(i64,)> = app
        .db
        .rows("SELECT id FROM line WHERE state = 'called'")
        .await;
    let done = press(
        &app,
        ANA,
        "officehours.line_done",
        &ids[0].0.to_string(),
        None,
    )
    .await;
    assert!(
        done.contains("Visit with") && done.contains("20 minutes"),
        "{done}"
    );
    let visits: Vec<(String, String, Option<String>)> = app
        .db
        .rows("SELECT mentor_id, visitor_id, topic_label FROM visits")
        .await;
    assert_eq!(
        visits,
        [(ANA.to_owned(), BEN.to_owned(), Some("rust".to_owned()))]
    );
    let topics: Vec<(Option<String>,)> = app.db.rows("SELECT topic FROM line").await;
    assert_eq!(
        topics,
        [(None,)],
        "only Cho is left, and Ben's text is gone"
    );

    // The estimate now comes from Ana's visits: Dia waits behind Cho for about 20 minutes.
    let dia = app.say(DIA, &ask(ANA)).await;
    assert!(
        dia.contains("2nd in line") && dia.contains("about 20 minutes"),
        "{dia}"
    );

    let off = app.say(ANA, "link off").await;
    assert!(off.contains("removed"), "{off}");
}

async fn an_unanswered_call_moves_to_the_back_of_the_line_after_ten_minutes(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    app.say(ANA, "next").await;
    app.tick().await;

    app.advance_and_tick(Duration::minutes(9)).await;
    assert!(dms_containing(&app, BEN, "back of their line").is_empty());
    app.advance_and_tick(Duration::minutes(2)).await;
    let skipped = dms_containing(&app, BEN, "back of their line");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].contains("question is kept"), "{skipped:?}");
    let told = dms_containing(&app, ANA, "didn't answer your call");
    assert_eq!(told.len(), 1, "{:?}", app.slack.dm_messages(ANA));
    assert_eq!(
        line_rows(&app).await,
        [
            (CHO.to_owned(), "waiting".to_owned()),
            (BEN.to_owned(), "waiting".to_owned())
        ]
    );
    // The next call goes to Cho; a later tick sends Ben nothing more.
    let called = app.say(ANA, "next").await;
    assert!(called.contains(CHO), "{called}");
    app.advance_and_tick(Duration::minutes(1)).await;
    assert_eq!(dms_containing(&app, BEN, "back of their line").len(), 1);

    // A call answered in time (Done within ten minutes) is not skipped.
    let ids: Vec<(i64,)> = app
        .db
        .rows("SELECT id FROM line WHERE state = 'called'")
        .await;
    press(
        &app,
        ANA,
        "officehours.line_done",
        &ids[0].0.to_string(),
        None,
    )
    .await;
    app.advance_and_tick(Duration::minutes(15)).await;
    assert!(dms_containing(&app, CHO, "back of their line").is_empty());
    assert_eq!(
        dms_containing(&app, ANA, "didn't answer your call").len(),
        1
    );
}

async fn every_refusal_says_why_and_changes_nothing(app: TestApp) {
    ana_open(&app).await;
    let own = app.say(ANA, &ask(ANA)).await;
    assert!(own.contains("can't join your own line"), "{own}");
    let nobody = app.say(BEN, &ask(CHO)).await;
    assert!(
        nobody.contains("has no office hours and isn't available now"),
        "{nobody}"
    );
    let long = app
        .say(BEN, &format!("{} {}", ask(ANA), "x".repeat(301)))
        .await;
    assert!(long.contains("at most 300 characters"), "{long}");
    let link = app.say(ANA, "link http://meet.example.com").await;
    assert!(link.contains("https://"), "{link}");
    let not_there = app.say(BEN, &format!("ask cancel {}", mention(ANA))).await;
    assert!(not_there.contains("weren't in"), "{not_there}");
    assert!(line_rows(&app).await.is_empty());
    let links: Vec<(i64,)> = app.db.rows("SELECT COUNT(*) FROM meeting_links").await;
    assert_eq!(links, [(0,)]);

    // Twenty people fill a line; the twenty-first is refused and not added.
    for n in 0..20 {
        // Through the front door: these people's zones are never looked up.
        let user = format!("U0FILL{n:04}");
        let answer = app.core.run_text(&actor(&user), &ask(ANA)).await;
        let joined = render(&answer.expect("answered").message);
        assert!(joined.contains("in line"), "{n}: {joined}");
    }
    let full = app.say(BEN, &ask(ANA)).await;
    assert!(
        full.contains("line is full; ask for their next window instead"),
        "{full}"
    );
    assert_eq!(line_rows(&app).await.len(), 20);
    assert!(!line_rows(&app).await.iter().any(|(who, _)| who == BEN));
}

async fn a_next_pressed_twice_calls_one_person(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    // The same press delivered twice (one trigger), then pressed again (a new trigger).
    let trigger = support::trigger_id();
    let first = press(&app, ANA, "officehours.line_next", ANA, Some(&trigger)).await;
    assert!(first.contains("Calling"), "{first}");
    let replay = press(&app, ANA, "officehours.line_next", ANA, Some(&trigger)).await;
    assert_eq!(replay, "", "a replay does nothing");
    let again = press(&app, ANA, "officehours.line_next", ANA, None).await;
    assert!(again.contains("still with"), "{again}");
    app.tick().await;
    assert_eq!(dms_containing(&app, BEN, "is ready for you").len(), 1);
    assert!(dms_containing(&app, CHO, "is ready for you").is_empty());
    let called: Vec<(String,)> = app
        .db
        .rows("SELECT asker_id FROM line WHERE state = 'called'")
        .await;
    assert_eq!(called, [(BEN.to_owned(),)]);
}

async fn two_replicas_pressing_next_at_once_call_one_person(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    app.say(DIA, &ask(ANA)).await;
    let other = app.replica().await;
    let mentor = actor(ANA);
    let (a, b) = (support::trigger_id(), support::trigger_id());
    let (one, two) = tokio::join!(
        app.core
            .press(&mentor, Some(Trigger(&a)), "officehours.line_next", ANA),
        other
            .core
            .press(&mentor, Some(Trigger(&b)), "officehours.line_next", ANA),
    );
    let texts: Vec<String> = [one, two]
        .into_iter()
        .map(|p| render(&p.expect("handled").replace.expect("a reply")))
        .collect();
    assert_eq!(
        texts.iter().filter(|t| t.contains("Calling")).count(),
        1,
        "{texts:?}"
    );
    let called: Vec<(String,)> = app
        .db
        .rows("SELECT asker_id FROM line WHERE state = 'called'")
        .await;
    assert_eq!(called, [(BEN.to_owned(),)]);
    app.tick().await;
    other.tick().await;
    let calls = app.slack.dm_messages(BEN).len() + other.slack.dm_messages(BEN).len();
    let ready = [&app, &other]
        .iter()
        .map(|a| dms_containing(a, BEN, "is ready for you").len())
        .sum::<usize>();
    assert_eq!(ready, 1, "{calls} DMs to Ben");
    for a in [&app, &other] {
        assert!(dms_containing(a, CHO, "is ready for you").is_empty());
    }
}

async fn a_question_asked_while_closed_is_held_and_first_when_she_opens(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.known_user(CHO, "Asia/Tokyo").await;
    // Fridays 10:00-11:00 Berlin: 04:00 in New York.
    app.say(ANA, "add fri 10:00-11:00 career").await;
    let held = app.say(BEN, &format!("{} promotion", ask(ANA))).await;
    assert!(
        held.contains("held for their next window, Fri 04:00 your time"),
        "{held}"
    );
    app.tick().await;
    assert!(
        dms_containing(&app, ANA, "joined your line").is_empty(),
        "no DM while closed"
    );

    // Friday 09:05 UTC (10:05 Berlin): she is open; Cho joins behind Ben's held question.
    app.clock
        .advance(Duration::hours(19) + Duration::minutes(35));
    app.tick().await;
    let cho = app.say(CHO, &ask(ANA)).await;
    assert!(cho.contains("2nd in line"), "{cho}");
    let ben = app.say(BEN, &ask(ANA)).await;
    assert!(ben.contains("1st in line"), "{ben}");
    // Delivered as her window opened: her list, and Ben told she has his question.
    app.tick().await;
    let list = dms_containing(&app, ANA, "asked while you were closed");
    assert_eq!(list.len(), 1, "{:?}", app.slack.dm_messages(ANA));
    assert!(
        list[0].contains(BEN) && list[0].contains("promotion"),
        "{list:?}"
    );
    let told = dms_containing(&app, BEN, "is open now and has your question");
    assert_eq!(told.len(), 1, "{:?}", app.slack.dm_messages(BEN));
    let called = app.say(ANA, "next").await;
    assert!(
        called.contains(BEN) && called.contains("promotion"),
        "{called}"
    );
}

async fn not_today_keeps_the_question_for_her_next_window(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    let ids: Vec<(i64,)> = app
        .db
        .rows(&format!("SELECT id FROM line WHERE asker_id = '{BEN}'"))
        .await;
    let pressed = press(
        &app,
        ANA,
        "officehours.line_not_today",
        &ids[0].0.to_string(),
        None,
    )
    .await;
    assert!(pressed.contains("kept for your next window"), "{pressed}");
    app.tick().await;
    // Next Thursday 14:00 Berlin is 08:00 in New York.
    let told = dms_containing(&app, BEN, "can't see you today");
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("Thu 08:00 your time"), "{told:?}");
    // Today, Next calls Cho, not Ben.
    let called = app.say(ANA, "next").await;
    assert!(called.contains(CHO), "{called}");
    // Next week, in her window, Ben is first.
    let ids: Vec<(i64,)> = app
        .db
        .rows("SELECT id FROM line WHERE state = 'called'")
        .await;
    press(
        &app,
        ANA,
        "officehours.line_done",
        &ids[0].0.to_string(),
        None,
    )
    .await;
    app.clock.advance(Duration::days(7));
    let called = app.say(ANA, "next").await;
    assert!(called.contains(BEN), "{called}");
}

async fn the_drop_in_button_opens_a_form_that_joins_the_line(app: TestApp) {
    ana_open(&app).await;
    let pressed = app
        .core
        .press(&actor(BEN), None, "officehours.drop_in", ANA)
        .await
        .expect("handled");
    let modal = pressed.modal.expect("a form");
    assert_eq!(modal.callback_id, "officehours.drop_in");
    assert!(format!("{modal:?}").contains("career, rust"), "{modal:?}");
    let submit = |text: &str| HashMap::from([("question".to_owned(), text.to_owned())]);
    let long = app
        .core
        .submit(
            &actor(BEN),
            None,
            modal.callback_id,
            &modal.private_metadata,
            &submit(&"x".repeat(301)),
        )
        .await
        .expect("handled");
    assert!(long.is_err());
    assert!(line_rows(&app).await.is_empty());
    let own = app
        .core
        .submit(&actor(ANA), None, modal.callback_id, ANA, &submit(""))
        .await
        .expect("handled");
    assert!(own.unwrap_err()["question"].contains("your own line"));
    let ok = app
        .core
        .submit(
            &actor(BEN),
            None,
            modal.callback_id,
            &modal.private_metadata,
            &submit("career"),
        )
        .await
        .expect("handled");
    assert!(ok.is_ok());
    app.tick().await;
    let placed = dms_containing(&app, BEN, "1st in line");
    assert_eq!(placed.len(), 1, "{:?}", app.slack.dm_messages(BEN));
    assert_eq!(dms_containing(&app, ANA, "joined your line").len(), 1);
}

async fn export_and_forget_me_cover_the_line_and_the_visits(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &format!("{} career", ask(ANA))).await;
    app.say(ANA, "next").await;
    let ids: Vec<(i64,)> = app.db.rows("SELECT id FROM line").await;
    press(
        &app,
        ANA,
        "officehours.line_done",
        &ids[0].0.to_string(),
        None,
    )
    .await;
    app.say(BEN, &format!("{} more career", ask(ANA))).await;
    let export = app
        .core
        .run_text(&actor(BEN), "export")
        .await
        .expect("export");
    let data: Value =
        serde_json::from_slice(&export.attachment.expect("a file").content).expect("JSON");
    assert_eq!(
        data["drop_in_visits"][0]["topic"],
        json!("career"),
        "{data}"
    );
    assert_eq!(
        data["drop_in_lines"][0]["about"],
        json!("more career"),
        "{data}"
    );
    app.core.forget(&actor(BEN)).await.expect("forgotten");
    assert!(line_rows(&app).await.is_empty());
    let visits: Vec<(i64,)> = app.db.rows("SELECT COUNT(*) FROM visits").await;
    assert_eq!(visits, [(0,)]);
}

async fn late_tells_everyone_waiting_with_their_new_estimate(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    let refused = app.say(ANA, "late 2m").await;
    assert!(refused.contains("5 minutes to 2 hours"), "{refused}");
    let late = app.say(ANA, "late 10m").await;
    assert!(
        late.contains("The 2 people waiting are being told"),
        "{late}"
    );
    app.tick().await;
    let ben = dms_containing(&app, BEN, "running about 10 minutes late");
    assert_eq!(ben.len(), 1, "{:?}", app.slack.dm_messages(BEN));
    // Cho: 15 minutes behind Ben plus 10 late, from 13:30 UTC: 13:55 UTC is 22:55 in Tokyo.
    let cho = dms_containing(&app, CHO, "running about 10 minutes late");
    assert_eq!(cho.len(), 1, "{:?}", app.slack.dm_messages(CHO));
    assert!(
        cho[0].contains("about 25 minutes: around 22:55 your time"),
        "{cho:?}"
    );
}

async fn closing_with_people_waiting_keeps_them_first_and_delivers_the_questions_when_she_opens(
    app: TestApp,
) {
    ana_open(&app).await;
    app.say(BEN, &format!("{} career", ask(ANA))).await;
    app.say(CHO, &ask(ANA)).await;
    app.tick().await;
    let off = app.say(ANA, "off").await;
    assert!(!off.is_empty());
    app.tick().await;
    // Her next window: Thursday 10 December, 14:00 Berlin, 13:00 UTC.
    let ben = dms_containing(&app, BEN, "has closed for now");
    assert_eq!(ben.len(), 1, "{:?}", app.slack.dm_messages(BEN));
    assert!(
        ben[0].contains("kept first in line") && ben[0].contains("Thu 08:00 your time"),
        "{ben:?}"
    );
    let cho = dms_containing(&app, CHO, "has closed for now");
    assert!(
        cho.len() == 1 && cho[0].contains("Thu 22:00 your time"),
        "{cho:?}"
    );
    // Asked while she is closed: held, behind the two kept from today.
    let dia = app.say(DIA, &format!("{} rust", ask(ANA))).await;
    assert!(
        dia.contains("held for their next window, Fri 00:00 your time"),
        "{dia}"
    );
    // A second tick tells nobody twice.
    app.advance_and_tick(Duration::minutes(5)).await;
    assert_eq!(dms_containing(&app, BEN, "has closed for now").len(), 1);
    assert!(dms_containing(&app, DIA, "has closed for now").is_empty());

    use chrono::TimeZone;
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 10, 13, 0, 30)
            .unwrap(),
    );
    app.tick().await;
    let list = dms_containing(&app, ANA, "asked while you were closed");
    assert_eq!(list.len(), 1, "{:?}", app.slack.dm_messages(ANA));
    let order: Vec<usize> = [BEN, CHO, DIA]
        .iter()
        .map(|u| list[0].find(u).unwrap_or_else(|| panic!("{u} in {list:?}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{list:?}");
    for who in [BEN, CHO, DIA] {
        let told = dms_containing(&app, who, "is open now and has your question");
        assert_eq!(told.len(), 1, "{who}: {:?}", app.slack.dm_messages(who));
    }
    let called = app.say(ANA, "next").await;
    assert!(called.contains(BEN), "{called}");
}

async fn the_window_ending_with_people_waiting_tells_each_of_them(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    app.say(ANA, "next").await;
    app.tick().await;
    // Ben is with her; Cho still waits when the window ends at 16:00 Berlin (15:00 UTC).
    let ids: Vec<(i64,)> = app
        .db
        .rows("SELECT id FROM line WHERE state = 'called'")
        .await;
    press(
        &app,
        ANA,
        "officehours.line_done",
        &ids[0].0.to_string(),
        None,
    )
    .await;
    app.advance_and_tick(Duration::minutes(80)).await;
    assert!(
        dms_containing(&app, CHO, "has closed for now").is_empty(),
        "still open"
    );
    app.advance_and_tick(Duration::minutes(11)).await;
    let cho = dms_containing(&app, CHO, "has closed for now");
    assert_eq!(cho.len(), 1, "{:?}", app.slack.dm_messages(CHO));
    assert!(
        dms_containing(&app, BEN, "has closed for now").is_empty(),
        "Ben was seen"
    );
}

async fn the_link_shows_while_she_is_open_and_in_her_calendar_feed(app: TestApp) {
    ana_open(&app).await;
    app.say(ANA, "link https://meet.example.com/ana").await;
    let open = app.say(BEN, "").await;
    assert!(open.contains("https://meet.example.com/ana"), "{open}");
    assert!(open.contains("Drop in"), "{open}");
    let lookup = app.say(BEN, &mention(ANA)).await;
    assert!(
        lookup.contains("https://meet.example.com/ana") && lookup.contains("Drop in"),
        "{lookup}"
    );

    let answer = app.say(ANA, "calendar").await;
    let url = answer
        .split('`')
        .find(|p| p.starts_with("https://"))
        .expect("a feed URL")
        .to_owned();
    let path = url.trim_start_matches(support::PUBLIC_URL).to_owned();
    let feed = app.get(&path).await;
    assert_eq!(feed.status, 200);
    assert!(
        feed.body.contains("URL:https://meet.example.com/ana"),
        "{}",
        feed.body
    );
    assert!(
        feed.body.contains("LOCATION:https://meet.example.com/ana"),
        "{}",
        feed.body
    );

    // Closed, her name reads Ask for next time and shows no link.
    app.say(ANA, "off").await;
    let closed = app.say(BEN, "").await;
    assert!(closed.contains("Ask for next time"), "{closed}");
    assert!(!closed.contains("https://meet.example.com/ana"), "{closed}");
}

async fn a_held_question_reads_her_window_in_the_askers_zone_across_a_dst_change(app: TestApp) {
    use chrono::TimeZone;
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.say(ANA, "add mon 14:00-15:00 career").await;
    // Friday 12 March 2027: New York moves to summer time on Sunday 14 March, Berlin on the
    // 28th. Monday 14:00 Berlin is then 13:00 UTC, 09:00 in New York (08:00 the week before).
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2027, 3, 12, 12, 0, 0).unwrap());
    let held = app.say(BEN, &format!("{} career", ask(ANA))).await;
    assert!(
        held.contains("held for their next window, Mon 09:00 your time"),
        "{held}"
    );
    // Delivered at that instant, not an hour off.
    app.clock.set(
        chrono::Utc
            .with_ymd_and_hms(2027, 3, 15, 12, 59, 0)
            .unwrap(),
    );
    app.tick().await;
    assert!(dms_containing(&app, BEN, "is open now").is_empty());
    app.advance_and_tick(Duration::minutes(2)).await;
    assert_eq!(dms_containing(&app, BEN, "is open now").len(), 1);
}

async fn the_line_survives_a_restart(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.say(CHO, &ask(ANA)).await;
    app.say(ANA, "next").await;
    // Another process on the same database (a restart, or another replica) sees the same line.
    let restarted = app.replica().await;
    let queue = restarted
        .core
        .run_text(&actor(ANA), "queue")
        .await
        .expect("queue");
    let queue = render(&queue.message);
    assert!(
        queue.contains("Now:") && queue.contains(BEN) && queue.contains(CHO),
        "{queue}"
    );
    let busy = restarted
        .core
        .run_text(&actor(ANA), "next")
        .await
        .expect("next");
    assert!(render(&busy.message).contains("still with"));
    restarted.tick().await;
    assert_eq!(dms_containing(&restarted, BEN, "is ready for you").len(), 1);
}

/// The mentor opening her Home tab, as Slack sends it.
async fn open_home(app: &TestApp, user: &str) {
    let body = json!({
        "token": "XXYYZZ",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "event": { "type": "app_home_opened", "user": user, "channel": "D0LAN2Q65", "event_ts": "1515449522000016", "tab": "home" },
        "type": "event_callback",
        "event_id": format!("Ev{}", support::trigger_id()),
        "event_time": 1515449522,
        "authorizations": [{ "enterprise_id": null, "team_id": TEAM, "user_id": "UBOT", "is_bot": true, "is_enterprise_install": false }],
        "is_ext_shared_channel": false
    });
    assert_eq!(app.event(&body).await.status, 200);
}

/// A press on a button of the Home tab (no response_url: the answer is the tab redrawn).
async fn press_on_home(app: &TestApp, user: &str, action_id: &str, value: &str) {
    let payload = json!({
        "type": "block_actions",
        "user": { "id": user, "username": "ana", "name": "ana", "team_id": TEAM },
        "api_app_id": "A0001",
        "token": "9s8d9as89d8as9d8as989",
        "container": { "type": "view", "view_id": "V0001" },
        "trigger_id": support::trigger_id(),
        "team": { "id": TEAM, "domain": "example" },
        "is_enterprise_install": false,
        "actions": [{ "action_id": action_id, "block_id": "b1", "text": { "type": "plain_text", "text": "x", "emoji": true }, "value": value, "type": "button", "action_ts": "1548426417.840180" }],
        "state": { "values": {} }
    });
    assert_eq!(app.interaction(&payload).await.status, 200);
}

/// The `nth` Home tab published to `user` (waiting for it).
async fn published_home(app: &TestApp, user: &str, nth: usize) -> Value {
    let calls = app
        .slack
        .wait_for_calls("views.publish", nth, std::time::Duration::from_secs(5))
        .await;
    let call = calls.last().expect("a publish");
    assert_eq!(call.params["user_id"], user);
    call.params["view"].clone()
}

/// The values of the buttons with `action_id` in a view, in order.
fn button_values(view: &Value, action_id: &str) -> Vec<String> {
    fn walk(v: &Value, action_id: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if map.get("action_id").and_then(Value::as_str) == Some(action_id) {
                    out.push(map["value"].as_str().unwrap_or_default().to_owned());
                }
                map.values().for_each(|v| walk(v, action_id, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, action_id, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(view, action_id, &mut out);
    out
}

async fn the_home_tab_shows_the_line_and_its_buttons_work_there(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &format!("{} a career change", ask(ANA))).await;
    app.say(CHO, &ask(ANA)).await;
    open_home(&app, ANA).await;
    let home = published_home(&app, ANA, 1).await;
    let text = visible_text(&home);
    let (ben, cho) = (
        text.find(BEN).unwrap_or_else(|| panic!("Ben in {text}")),
        text.find(CHO).unwrap_or_else(|| panic!("Cho in {text}")),
    );
    assert!(ben < cho, "in order: {text}");
    // Who, what about, waiting since when in Ana's zone (13:30 UTC is 14:30 in Berlin).
    assert!(
        text.contains("Your line:* 2 waiting · this week: 0 drop-ins")
            && text.contains("a career change")
            && text.contains("since 14:30 your time"),
        "{text}"
    );
    assert_eq!(button_values(&home, "officehours.line_next").len(), 1);
    assert_eq!(button_values(&home, "officehours.line_not_today").len(), 2);

    // Next, pressed on the Home tab: Ben is called and the tab is redrawn with him "Now".
    press_on_home(&app, ANA, "officehours.line_next", ANA).await;
    let home = published_home(&app, ANA, 2).await;
    let text = visible_text(&home);
    assert!(text.contains("Now:") && text.contains(BEN), "{text}");
    assert!(button_values(&home, "officehours.line_next").is_empty());
    let done = button_values(&home, "officehours.line_done");
    assert_eq!(done.len(), 1, "{home}");
    let called: Vec<(String,)> = app
        .db
        .rows("SELECT asker_id FROM line WHERE state = 'called'")
        .await;
    assert_eq!(called, [(BEN.to_owned(),)]);
    // The tick also delivers the redraw Ben's and Cho's joining planned (the third publish).
    app.tick().await;
    assert_eq!(dms_containing(&app, BEN, "is ready for you").len(), 1);
    let text = visible_text(&published_home(&app, ANA, 3).await);
    assert!(text.contains("Now:") && text.contains(BEN), "{text}");

    // Done from the Home tab: the visit counts for this week, and Cho is all that waits.
    app.clock.advance(Duration::minutes(12));
    press_on_home(&app, ANA, "officehours.line_done", &done[0]).await;
    let text = visible_text(&published_home(&app, ANA, 4).await);
    assert!(
        text.contains("Your line:* 1 waiting · this week: 1 drop-in") && !text.contains(BEN),
        "{text}"
    );
    assert_eq!(
        line_rows(&app).await,
        [(CHO.to_owned(), "waiting".to_owned())]
    );
}

async fn late_moves_every_estimate_until_the_next_call(app: TestApp) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    let cho = app.say(CHO, &ask(ANA)).await;
    assert!(cho.contains("about 15 minutes: around 22:45"), "{cho}");
    let late = app.say(ANA, "late 10m").await;
    assert!(late.contains("replaces this one"), "{late}");
    // A new ask: 3rd, two visits of 15 minutes plus 10 late; 14:10 UTC is 01:10 in Sydney.
    let dia = app.say(DIA, &ask(ANA)).await;
    assert!(
        dia.contains("3rd in line") && dia.contains("about 40 minutes: around 01:10 your time"),
        "{dia}"
    );
    // Another replica reads the same delay; Ben, first, now hears when to expect her.
    let other = app.replica().await;
    let cho = other.say(CHO, &ask(ANA)).await;
    assert!(cho.contains("about 25 minutes: around 22:55"), "{cho}");
    let ben = app.say(BEN, &ask(ANA)).await;
    assert!(
        ben.contains("1st in line") && ben.contains("about 10 minutes"),
        "{ben}"
    );
    let queue = app.say(ANA, "queue").await;
    assert!(queue.contains("You're running late"), "{queue}");

    // A second `late` says how late she is now: it replaces the first (20, not 30 more).
    app.say(ANA, "late 20m").await;
    let dia = app.say(DIA, &ask(ANA)).await;
    assert!(dia.contains("about 50 minutes: around 01:20"), "{dia}");
    app.tick().await;
    let told = dms_containing(&app, CHO, "running about 20 minutes late");
    assert!(
        !told.is_empty() && told.iter().all(|t| t.contains("about 35 minutes")),
        "{:?}",
        app.slack.dm_messages(CHO)
    );
    assert!(dms_containing(&app, CHO, "about 10 minutes late").is_empty());

    // Calling the next person ends it: the estimates are plain again, on both replicas.
    let next = app.say(ANA, "next").await;
    assert!(next.contains("Calling"), "{next}");
    let dia = other.say(DIA, &ask(ANA)).await;
    assert!(
        dia.contains("2nd in line") && dia.contains("about 30 minutes: around 01:00"),
        "{dia}"
    );
    let queue = app.say(ANA, "queue").await;
    assert!(!queue.contains("running late"), "{queue}");
    let stored: Vec<(i64,)> = app.db.rows("SELECT COUNT(*) FROM line_late").await;
    assert_eq!(stored, [(0,)]);
}

/// Ben waits through one window, is told she closed, is told she opened, is not called, and the
/// next week is the same again: each closing and each opening is told, however many there are
/// (found by the model test: the second week's were never planned).
async fn someone_still_waiting_week_after_week_is_told_at_each_closing_and_each_opening(
    app: TestApp,
) {
    ana_open(&app).await;
    app.say(BEN, &ask(ANA)).await;
    app.tick().await;
    let closed = |app: &TestApp| dms_containing(app, BEN, "has closed for now").len();
    let opened =
        |app: &TestApp| dms_containing(app, BEN, "is open now and has your question").len();
    let lists = |app: &TestApp| dms_containing(app, ANA, "asked while you were closed").len();
    for week in 1..=3 {
        // Her window ends at 16:00 Berlin (15:00 UTC); it opens again a week after 14:00.
        app.advance_and_tick(Duration::minutes(91)).await;
        assert_eq!(
            closed(&app),
            week,
            "week {week}: {:?}",
            app.slack.dm_messages(BEN)
        );
        app.advance_and_tick(Duration::days(7) - Duration::minutes(120))
            .await;
        assert_eq!(
            opened(&app),
            week,
            "week {week}: {:?}",
            app.slack.dm_messages(BEN)
        );
        assert_eq!(
            lists(&app),
            week,
            "week {week}: {:?}",
            app.slack.dm_messages(ANA)
        );
        // Back to half past two in Berlin, as at the start.
        app.advance_and_tick(Duration::minutes(29)).await;
    }
    let line = line_rows(&app).await;
    assert_eq!(line.len(), 1, "{line:?}");
}
