//! Drop in, what it adds up to, end to end on both backends: a mentor's Monday DM about her week
//! (in her zone, once across replicas and ticks, none without visits), the managers' digest
//! counting each report's visits (never what was asked), and `forget me` taking a visitor out
//! of both.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use support::{mention, posted, Backend, TestApp, TEAM};

use officehours::app::{Actor, Trigger};

const ANA: &str = "U0ANA00001"; // mentor, Berlin
const EVE: &str = "U0EVE00001"; // mentor without visitors, Berlin
const BEN: &str = "U0BEN00001"; // New York
const CHO: &str = "U0CHO00001"; // Tokyo
const DIA: &str = "U0DIA00001"; // Sydney
const MGR: &str = "U0MGR00001"; // Ben's and Cho's manager, Berlin
const OTHER: &str = "U0OTH00001"; // Dia's manager, Berlin

on_both_backends!(
    a_week_of_visits_gives_one_monday_dm_in_the_mentors_zone,
    the_digest_counts_each_reports_visits_and_never_what_was_asked,
    forget_me_takes_the_visitor_out_of_the_week_and_the_digest,
    a_wait_put_off_with_not_today_counts_from_her_next_window
);

const WEEK_DM: &str = "Your office hours last week";

fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap()
}

/// Ana (Berlin) open Thursdays 14:00-16:00 (it is Thursday 14:30 there now) and Fridays
/// 10:00-11:00; Eve open Thursdays too; the askers in three other zones.
async fn people(app: &TestApp) {
    for (who, tz) in [
        (ANA, "Europe/Berlin"),
        (EVE, "Europe/Berlin"),
        (BEN, "America/New_York"),
        (CHO, "Asia/Tokyo"),
        (DIA, "Australia/Sydney"),
        (MGR, "Europe/Berlin"),
        (OTHER, "Europe/Berlin"),
    ] {
        app.known_user(who, tz).await;
    }
    let added = app.say(ANA, "add thu 14:00-16:00 career, rust").await;
    assert!(added.contains("Added window"), "{added}");
    let added = app.say(ANA, "add fri 10:00-11:00 career").await;
    assert!(added.contains("Added window"), "{added}");
    let added = app.say(EVE, "add thu 14:00-16:00 design").await;
    assert!(added.contains("Added window"), "{added}");
}

fn actor(user: &str) -> Actor {
    Actor {
        team_id: TEAM.to_owned(),
        user_id: user.to_owned(),
    }
}

fn dms_containing(app: &TestApp, user: &str, needle: &str) -> Vec<String> {
    app.slack
        .dm_messages(user)
        .iter()
        .map(|m| posted(m).1)
        .filter(|text| text.contains(needle))
        .collect()
}

/// Ana calls the next person and, `minutes` later, presses Done.
async fn visit(app: &TestApp, minutes: i64) {
    let called = app.say(ANA, "next").await;
    assert!(called.contains("Calling"), "{called}");
    app.clock.advance(Duration::minutes(minutes));
    let ids: Vec<(i64,)> = app
        .db
        .rows("SELECT id FROM line WHERE state = 'called'")
        .await;
    let trigger = support::trigger_id();
    app.core
        .press(
            &actor(ANA),
            Some(Trigger(&trigger)),
            "officehours.line_done",
            &ids[0].0.to_string(),
        )
        .await
        .expect("Done is handled");
}

async fn week_reminders(app: &TestApp) -> Vec<(String, DateTime<Utc>, String)> {
    app.db
        .rows("SELECT key, due_at, status FROM reminders WHERE kind = 'line_week' ORDER BY id")
        .await
}

async fn a_week_of_visits_gives_one_monday_dm_in_the_mentors_zone(app: TestApp) {
    people(&app).await;
    // Thursday 13:30 UTC: Ben and Cho join; Ben is called at once, Cho 10 minutes later.
    app.say(BEN, &format!("ask {} a career change", mention(ANA)))
        .await;
    app.say(CHO, &format!("ask {} rust lifetimes", mention(ANA)))
        .await;
    visit(&app, 10).await;
    visit(&app, 10).await;
    // Someone asks Eve and leaves again: Eve has no visits.
    app.say(BEN, &format!("ask {}", mention(EVE))).await;
    app.say(BEN, &format!("ask cancel {}", mention(EVE))).await;

    // Thursday evening Ana is closed: Dia's question is held for Friday, and visited then.
    app.clock.set(utc(3, 17, 0));
    let held = app
        .say(DIA, &format!("ask {} career growth", mention(ANA)))
        .await;
    assert!(held.contains("held"), "{held}");
    app.clock.set(utc(4, 9, 5));
    app.tick().await;
    visit(&app, 5).await;

    // One reminder for Ana's week 49, due Monday 09:00 in Berlin (08:00 UTC); none for Eve.
    let planned = week_reminders(&app).await;
    assert_eq!(
        planned,
        [(
            format!("line_week:{TEAM}:{ANA}:2026-W49"),
            utc(7, 8, 0),
            "pending".to_owned()
        )]
    );

    // Nothing before Monday 09:00 Berlin, though it is 09:00 on Monday in Tokyo and Sydney.
    app.clock.set(utc(7, 7, 59));
    app.tick().await;
    assert!(dms_containing(&app, ANA, WEEK_DM).is_empty());

    // At 09:00 Berlin, two replicas tick: one DM, with the week's figures. Waits: Ben 0 and Cho
    // 10 minutes (Dia's held question is counted, not timed); career asked twice, rust once.
    app.clock.set(utc(7, 8, 0));
    let other = app.replica().await;
    let _ = tokio::join!(app.tick(), other.tick());
    app.advance_and_tick(Duration::hours(1)).await;
    other.tick().await;
    // Each replica has its own fake Slack: the DM is sent by one of them, once.
    let mut dms = dms_containing(&app, ANA, WEEK_DM);
    dms.extend(dms_containing(&other, ANA, WEEK_DM));
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert!(
        dms[0].contains("3 drop-ins, 1 question held, median wait 5 minutes, most asked: career"),
        "{dms:?}"
    );
    assert!(
        !dms[0].contains("career change") && !dms[0].contains(BEN),
        "counts only: {dms:?}"
    );
    for nobody in [EVE, BEN, CHO, DIA] {
        assert!(
            dms_containing(&app, nobody, WEEK_DM).is_empty()
                && dms_containing(&other, nobody, WEEK_DM).is_empty(),
            "{nobody} had no visits"
        );
    }
    assert_eq!(week_reminders(&app).await.len(), 1);
}

/// Ben's and Cho's manager, and Dia's.
async fn managers(app: &TestApp) {
    for (manager, report, day) in [(MGR, BEN, "thu"), (MGR, CHO, "fri"), (OTHER, DIA, "fri")] {
        let set = app
            .say(
                manager,
                &format!("1on1 {} every week on {day} 15:00", mention(report)),
            )
            .await;
        assert!(!set.contains(":no_entry_sign:"), "{set}");
    }
}

async fn the_digest_counts_each_reports_visits_and_never_what_was_asked(app: TestApp) {
    people(&app).await;
    managers(&app).await;
    app.say(BEN, &format!("ask {} a career change", mention(ANA)))
        .await;
    visit(&app, 10).await;
    app.say(BEN, &format!("ask {} more about promotions", mention(ANA)))
        .await;
    visit(&app, 10).await;
    app.tick().await;

    // Monday 09:00 in Berlin: the managers' digests.
    app.clock.set(utc(7, 8, 0));
    app.tick().await;
    let digests = dms_containing(&app, MGR, "Your weekly mentoring digest");
    assert_eq!(digests.len(), 1, "{:?}", app.slack.dm_messages(MGR));
    let text = &digests[0];
    assert!(text.contains("Office hours visited"), "{text}");
    assert!(text.contains(&format!("<@{BEN}>: 2 visits")), "{text}");
    assert!(text.contains(&format!("<@{CHO}>: 0 visits")), "{text}");
    assert!(
        !text.contains("career") && !text.contains("promotions") && !text.contains(ANA),
        "a count, never what was said or to whom: {text}"
    );
    // Dia visited nobody: her manager's digest has no such section.
    let other = dms_containing(&app, OTHER, "Your weekly mentoring digest");
    assert!(
        other.iter().all(|t| !t.contains("Office hours visited")),
        "{other:?}"
    );
    // The same, on demand.
    let team = app.say(MGR, "team").await;
    assert!(team.contains(&format!("<@{BEN}>: 2 visits")), "{team}");
}

async fn forget_me_takes_the_visitor_out_of_the_week_and_the_digest(app: TestApp) {
    people(&app).await;
    managers(&app).await;
    app.say(BEN, &format!("ask {} a career change", mention(ANA)))
        .await;
    visit(&app, 10).await;
    assert_eq!(week_reminders(&app).await.len(), 1);
    app.core.forget(&actor(BEN)).await.expect("forgotten");

    app.clock.set(utc(7, 8, 0));
    app.tick().await;
    app.advance_and_tick(Duration::hours(1)).await;
    assert!(
        dms_containing(&app, ANA, WEEK_DM).is_empty(),
        "Ben's was Ana's only visit: nothing to add up"
    );
    let planned = week_reminders(&app).await;
    assert_eq!(planned.len(), 1);
    assert_ne!(planned[0].2, "sent", "{planned:?}");
    for digest in dms_containing(&app, MGR, "Your weekly mentoring digest") {
        assert!(!digest.contains(BEN), "{digest}");
        assert!(!digest.contains("Office hours visited"), "{digest}");
    }
}

async fn a_wait_put_off_with_not_today_counts_from_her_next_window(app: TestApp) {
    people(&app).await;
    // Thursday 13:30 UTC: Ben joins and Ana can't see him today; her next window is Friday
    // 10:00 Berlin (09:00 UTC), and she calls him at 09:05.
    app.say(BEN, &format!("ask {} a career change", mention(ANA)))
        .await;
    let ids: Vec<(i64,)> = app.db.rows("SELECT id FROM line").await;
    let trigger = support::trigger_id();
    app.core
        .press(
            &actor(ANA),
            Some(Trigger(&trigger)),
            "officehours.line_not_today",
            &ids[0].0.to_string(),
        )
        .await
        .expect("Not today is handled");
    app.clock.set(utc(4, 9, 5));
    app.tick().await;
    visit(&app, 10).await;

    app.clock.set(utc(7, 8, 0));
    app.tick().await;
    let dms = dms_containing(&app, ANA, WEEK_DM);
    assert_eq!(dms.len(), 1, "{:?}", app.slack.dm_messages(ANA));
    assert!(
        dms[0].contains("1 drop-in, median wait 5 minutes, most asked: career"),
        "the night she was closed is not Ben's wait in her line: {dms:?}"
    );
}
