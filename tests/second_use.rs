//! The second use of office hours, end to end on both backends: what people type after the first
//! time (a window the wrong way round, the fiftieth window, `on` while away, a topic search, a
//! time across a DST change) gets an answer that is true and says what it means.

mod support;

use chrono::{TimeZone, Utc};
use support::{Backend, TestApp};

const ANA: &str = "U0ANA00001"; // mentor, Berlin
const BEN: &str = "U0BEN00001"; // New York
const ZED: &str = "U0ZED00001"; // zone not known yet

on_both_backends!(
    a_window_that_ends_before_it_starts_is_refused_with_the_swap_suggested,
    a_person_has_at_most_fifty_windows,
    on_while_away_says_so_and_changes_nothing,
    away_reads_the_same_everywhere_and_a_year_ahead_at_most,
    a_reader_whose_zone_is_unknown_reads_utc_by_name,
    find_shows_the_mentors_windows_on_that_topic,
    placeholders_and_typed_markup_reach_slack_as_text,
    the_readers_times_show_when_only_the_end_differs,
    a_next_window_more_than_six_days_off_shows_its_date
);

async fn window_count(app: &TestApp) -> i64 {
    let rows: Vec<(i64,)> = app.db.rows("SELECT COUNT(*) FROM windows").await;
    rows[0].0
}

async fn a_window_that_ends_before_it_starts_is_refused_with_the_swap_suggested(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    let refused = app.say(ANA, "add mon 11:00-10:00").await;
    assert!(refused.contains("Did you mean 10:00-11:00?"), "{refused}");
    assert!(refused.contains("Nothing was changed"), "{refused}");
    assert_eq!(window_count(&app).await, 0);
    // A short one across midnight is what people mean by it.
    let late = app.say(ANA, "add fri 22:00-01:00").await;
    assert!(late.contains("Added window *1*"), "{late}");
    let long_night = app.say(ANA, "add sat 18:00-10:00").await;
    assert!(
        long_night.contains("Added window *2*"),
        "16 hours is fine: {long_night}"
    );
}

async fn a_person_has_at_most_fifty_windows(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    for n in 0..50 {
        let (day, hour) = (days[n % 7], 6 + n / 7);
        let added = app
            .say(ANA, &format!("add {day} {hour:02}:00-{hour:02}:30"))
            .await;
        assert!(added.contains("Added window"), "{n}: {added}");
    }
    let full = app.say(ANA, "add sun 22:00-23:00").await;
    assert!(full.contains("You already have 50 windows"), "{full}");
    assert_eq!(window_count(&app).await, 50);
}

async fn on_while_away_says_so_and_changes_nothing(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.say(ANA, "add thu 16:00-17:00").await;
    let away = app.say(ANA, "away until 2026-12-24").await;
    assert!(away.contains("away until the end of Thu 24 Dec"), "{away}");
    let on = app.say(ANA, "on").await;
    assert!(
        on.contains("You're away until the end of Thu 24 Dec"),
        "{on}"
    );
    assert!(!on.contains("available now"), "{on}");
    let manual: Vec<(Option<String>,)> = app
        .db
        .rows("SELECT manual_state FROM people WHERE user_id = 'U0ANA00001'")
        .await;
    assert_eq!(manual, [(None,)], "`on` wrote nothing");
    let seen = app.say(BEN, &format!("<@{ANA}>")).await;
    assert!(seen.contains("away until the end of Thu 24 Dec"), "{seen}");
}

async fn away_reads_the_same_everywhere_and_a_year_ahead_at_most(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.say(ANA, "add thu 16:00-17:00").await;
    // Ana's last day away, in her zone, is what everyone reads: not the midnight after it, not
    // the day it is in New York.
    let away = app.say(ANA, "away until 2027-03-30").await;
    assert!(away.contains("the end of Tue 30 Mar 2027"), "{away}");
    let seen = app.say(BEN, &format!("<@{ANA}>")).await;
    assert!(
        seen.contains("away until the end of Tue 30 Mar 2027"),
        "{seen}"
    );
    let far = app.say(ANA, "away until 2099-12-31").await;
    assert!(far.contains("more than a year away"), "{far}");
    let still = app.say(BEN, &format!("<@{ANA}>")).await;
    assert!(
        still.contains("Tue 30 Mar 2027"),
        "the refused date changed nothing: {still}"
    );
}

async fn a_reader_whose_zone_is_unknown_reads_utc_by_name(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.say(ANA, "add fri 11:00-12:00").await;
    // Zed has no zone in Slack: his times are UTC, and they say so instead of "your time".
    let seen = app.say(ZED, &format!("<@{ANA}>")).await;
    assert!(
        seen.contains("Fri 11:00–12:00 Berlin · 10:00–11:00 UTC"),
        "{seen}"
    );
    assert!(!seen.contains("your time"), "{seen}");
}

async fn find_shows_the_mentors_windows_on_that_topic(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    // Thursday 13:30 UTC: Ana's career window is on now.
    app.say(ANA, "add thu 14:00-15:00 career").await;
    app.say(ANA, "add fri 10:00-11:00 upper management").await;
    app.say(ANA, "add mon 10:00-11:00 café chats").await;
    let upper = app.say(BEN, "find upper").await;
    assert!(upper.contains("Fri 10:00–11:00 Berlin"), "{upper}");
    assert!(!upper.contains("in office hours now"), "{upper}");
    let rust = app.say(BEN, "find rust").await;
    assert!(
        !rust.contains(ANA),
        "no window of Ana's is about rust: {rust}"
    );
    let cafe = app.say(BEN, "find cafe").await;
    assert!(cafe.contains("Mon") && cafe.contains(ANA), "{cafe}");
    let career = app.say(BEN, "find career").await;
    assert!(career.contains("in office hours now"), "{career}");
}

async fn placeholders_and_typed_markup_reach_slack_as_text(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    let removed = app.command(ANA, "remove 0").await.json().to_string();
    assert!(removed.contains("remove &lt;n|all&gt;"), "{removed}");
    assert!(!removed.contains("remove <n"), "{removed}");
    let help = app.command(ANA, "help").await.json().to_string();
    for placeholder in ["&lt;days&gt;", "&lt;topic&gt;", "&lt;IANA zone&gt;"] {
        assert!(help.contains(placeholder), "{placeholder}: {help}");
    }
    // What someone typed comes back as text, in the blocks and in the notification.
    let typed = app.command(ANA, "tz <!channel>").await.json();
    assert!(!typed.to_string().contains("<!channel>"), "{typed}");
    assert!(
        typed["text"].as_str().unwrap().contains("&lt;!channel&gt;"),
        "{typed}"
    );
}

async fn the_readers_times_show_when_only_the_end_differs(app: TestApp) {
    // Dublin springs forward at 01:00 UTC on Sun 26 Mar 2028: the window starts at UTC+0, the
    // reader's offset, and ends at UTC+1.
    app.clock
        .set(Utc.with_ymd_and_hms(2028, 3, 20, 10, 0, 0).unwrap());
    app.known_user(ANA, "Europe/Dublin").await;
    app.known_user(BEN, "UTC").await;
    app.say(ANA, "add sat 23:47-03:15").await;
    let seen = app.say(BEN, &format!("<@{ANA}>")).await;
    assert!(
        seen.contains("Sat 23:47–03:15 Dublin · 23:47–02:15 your time"),
        "{seen}"
    );
}

async fn a_next_window_more_than_six_days_off_shows_its_date(app: TestApp) {
    // Berlin skips 02:00-03:00 on Sun 28 Mar 2027: a window inside the gap does not happen that
    // day, so the next one is two weeks away and must say which Sunday.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 22, 9, 0, 0).unwrap());
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.say(ANA, "add sun 02:10-02:50").await;
    let seen = app.say(BEN, &format!("<@{ANA}>")).await;
    assert!(seen.contains("Sun 4 Apr 02:10–02:50 Berlin"), "{seen}");
}
