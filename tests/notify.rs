//! "Tell me when" end to end on both backends: `notify @ana` and `notify rust` plan a DM for the
//! first moment, each day, inside the subscriber's working hours at which someone watched is
//! open; at most one a day per subscription, with a Drop in button; replanned when hours change;
//! exactly once across replicas and restarts; every refusal changes nothing.

mod support;

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use officehours::clock::Clock;
use serde_json::Value;
use support::{mention, posted, Backend, TestApp, TEAM};

const ANA: &str = "U0ANA00001"; // mentor, Berlin
const DAN: &str = "U0DAN00001"; // mentor, Berlin
const CLEO: &str = "U0CLE00001"; // subscriber, Berlin
const BEN: &str = "U0BEN00001"; // subscriber, New York

on_both_backends!(
    notify_by_person_dms_at_the_first_open_moment_of_each_working_day,
    notify_by_topic_ignores_accents_and_names_the_open_mentor,
    at_most_one_dm_a_day_per_subscription,
    list_and_off_say_what_is_held_and_stop_the_dms,
    a_window_changed_the_day_after_replans_the_dm,
    a_mentor_no_longer_open_at_delivery_time_sends_nothing,
    two_replicas_ticking_at_once_send_one_dm,
    a_restarted_bot_still_sends_the_planned_dm,
    every_refusal_says_what_was_wrong_and_changes_nothing,
    dms_follow_each_zones_dst_change,
    export_and_forget_me_cover_subscriptions,
    a_mentor_open_when_asked_is_announced_from_her_next_opening,
    the_subscribers_new_zone_moves_their_working_hours,
    an_opening_before_work_then_one_at_work_the_same_day_is_announced,
    a_change_of_hours_replans_only_the_topic_subscriptions_it_concerns,
);

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// The notify DMs one person got: when, and what they said.
fn notes(app: &TestApp, user: &str) -> Vec<(DateTime<Utc>, String)> {
    app.slack
        .dm_messages(user)
        .iter()
        .map(posted)
        .filter(|(_, text)| text.contains("Drop in"))
        .collect()
}

/// The values of the Drop in buttons on a person's notify DMs.
fn drop_in_values(app: &TestApp, user: &str) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if map.get("action_id").and_then(Value::as_str) == Some("officehours.drop_in") {
                    out.extend(map.get("value").and_then(Value::as_str).map(str::to_owned));
                }
                map.values().for_each(|inner| walk(inner, out));
            }
            Value::Array(items) => items.iter().for_each(|inner| walk(inner, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for message in app.slack.dm_messages(user) {
        walk(&message, &mut out);
    }
    out
}

/// Moves the clock to `until`, ticking at every whole hour on the way, as the loop would.
async fn run_until(app: &TestApp, until: DateTime<Utc>) {
    loop {
        let now = app.clock.now();
        if now >= until {
            break;
        }
        let next_hour = (now + Duration::hours(1))
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .unwrap();
        app.advance_and_tick(next_hour.min(until) - now).await;
    }
    app.tick().await;
}

async fn pending_notifies(app: &TestApp) -> Vec<(String, String)> {
    app.db
        .rows("SELECT key, status FROM reminders WHERE kind = 'notify' AND status = 'pending' ORDER BY key")
        .await
}

async fn subscription_count(app: &TestApp) -> i64 {
    let rows: Vec<(i64,)> = app
        .db
        .rows("SELECT COUNT(*) FROM notify_subscriptions")
        .await;
    rows[0].0
}

async fn people(app: &TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(DAN, "Europe/Berlin").await;
    app.known_user(CLEO, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
}

async fn notify_by_person_dms_at_the_first_open_moment_of_each_working_day(app: TestApp) {
    people(&app).await;
    // Friday 13:00–16:00 Berlin is 12:00–15:00 UTC: 07:00–10:00 in New York, before Ben's
    // working day starts at 08:00. Saturday's window is outside everyone's working days.
    app.say(ANA, "add fri 13:00-16:00 career").await;
    app.say(ANA, "add sat 10:00-11:00").await;
    let saved = app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    assert!(
        saved.contains(&format!("I'll DM you when <@{ANA}> opens, between 08:00 and 20:00 your time (weekdays), at most once a day.")),
        "{saved}"
    );
    app.say(BEN, &format!("notify {}", mention(ANA))).await;

    run_until(&app, utc(2026, 12, 6, 12, 0)).await;
    let cleo = notes(&app, CLEO);
    let ben = notes(&app, BEN);
    // Cleo at Ana's opening; Ben when his working day starts and she is still open; nobody on
    // Saturday.
    assert_eq!(
        cleo.iter().map(|n| n.0).collect::<Vec<_>>(),
        [utc(2026, 12, 4, 12, 0)],
        "{cleo:?}"
    );
    assert_eq!(
        ben.iter().map(|n| n.0).collect::<Vec<_>>(),
        [utc(2026, 12, 4, 13, 0)],
        "{ben:?}"
    );
    assert!(cleo[0].1.contains("just opened office hours"), "{cleo:?}");
    assert!(
        cleo[0].1.contains("until 16:00 Berlin") && cleo[0].1.contains("career"),
        "{cleo:?}"
    );
    assert!(ben[0].1.contains("(10:00 your time)"), "{ben:?}");
    assert_eq!(drop_in_values(&app, CLEO), [ANA]);
    // Ana herself hears nothing about her own hours.
    assert!(notes(&app, ANA).is_empty());
}

async fn notify_by_topic_ignores_accents_and_names_the_open_mentor(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 13:00-14:00 Café chats").await;
    app.say(DAN, "add fri 15:00-16:00 rust").await;
    let saved = app.say(CLEO, "notify cafe").await;
    assert!(
        saved.contains("a mentor with a window on *cafe*"),
        "{saved}"
    );
    app.say(CLEO, "notify RUST").await;

    run_until(&app, utc(2026, 12, 4, 18, 0)).await;
    let got = notes(&app, CLEO);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, utc(2026, 12, 4, 12, 0));
    assert!(
        got[0].1.contains(&format!("<@{ANA}> is open until")),
        "{got:?}"
    );
    assert!(!got[0].1.contains(DAN), "{got:?}");
    assert_eq!(got[1].0, utc(2026, 12, 4, 14, 0));
    assert!(
        got[1].1.contains(&format!("<@{DAN}> is open until")),
        "{got:?}"
    );
    assert_eq!(drop_in_values(&app, CLEO), [ANA, DAN]);
}

async fn at_most_one_dm_a_day_per_subscription(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00").await;
    app.say(ANA, "add fri 14:00-15:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    // Asking again changes nothing and says so.
    let before = pending_notifies(&app).await;
    let again = app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    assert!(
        again.contains("already told") && again.contains("Nothing changed"),
        "{again}"
    );
    assert_eq!(pending_notifies(&app).await, before);
    assert_eq!(subscription_count(&app).await, 1);

    run_until(&app, utc(2026, 12, 4, 12, 0)).await;
    // "Available now" on the same day is a third opening: still the one DM.
    app.say(ANA, "on for 1h").await;
    run_until(&app, utc(2026, 12, 5, 0, 0)).await;
    let friday = notes(&app, CLEO);
    assert_eq!(
        friday.iter().map(|n| n.0).collect::<Vec<_>>(),
        [utc(2026, 12, 4, 9, 0)],
        "{friday:?}"
    );
    // Monday, "available now" is a new day's opening.
    app.clock.set(utc(2026, 12, 7, 10, 0));
    app.say(ANA, "on for 1h").await;
    app.tick().await;
    let monday = notes(&app, CLEO);
    assert_eq!(monday.len(), 2, "{monday:?}");
    assert_eq!(monday[1].0, utc(2026, 12, 7, 10, 0));
    // The next Friday's first window is planned and goes too.
    run_until(&app, utc(2026, 12, 11, 12, 0)).await;
    let next = notes(&app, CLEO);
    assert_eq!(next.len(), 3, "{next:?}");
    assert_eq!(next[2].0, utc(2026, 12, 11, 9, 0));
}

async fn list_and_off_say_what_is_held_and_stop_the_dms(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00 rust").await;
    let empty = app.say(CLEO, "notify list").await;
    assert!(empty.contains("You haven't asked"), "{empty}");
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    app.say(CLEO, "notify rust").await;
    let listed = app.say(CLEO, "notify list").await;
    assert!(
        listed.contains(&format!("• <@{ANA}>"))
            && listed.contains("• a mentor with a window on *rust*"),
        "{listed}"
    );
    assert_eq!(
        pending_notifies(&app).await.len(),
        4,
        "Fri and next Fri, for each"
    );

    let off = app.say(CLEO, &format!("notify off {}", mention(ANA))).await;
    assert!(
        off.contains(&format!("I won't DM you when <@{ANA}> opens")),
        "{off}"
    );
    let listed = app.say(CLEO, "notify").await;
    assert!(
        !listed.contains(&format!("<@{ANA}>")) && listed.contains("*rust*"),
        "{listed}"
    );
    assert_eq!(pending_notifies(&app).await.len(), 2);
    let again = app.say(CLEO, &format!("notify off {}", mention(ANA))).await;
    assert!(
        again.contains("weren't being told") && again.contains("nothing changed"),
        "{again}"
    );

    let all = app.say(CLEO, "notify off all").await;
    assert!(all.contains("stopped all 1"), "{all}");
    assert_eq!(pending_notifies(&app).await, []);
    assert_eq!(subscription_count(&app).await, 0);
    run_until(&app, utc(2026, 12, 4, 12, 0)).await;
    assert!(notes(&app, CLEO).is_empty());
    let none = app.say(CLEO, "notify off rust").await;
    assert!(none.contains("weren't being told"), "{none}");
}

async fn a_window_changed_the_day_after_replans_the_dm(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    // Friday 08:00 UTC, before the window: Ana moves it to the afternoon.
    run_until(&app, utc(2026, 12, 4, 8, 0)).await;
    app.say(ANA, "remove 1").await;
    app.say(ANA, "add fri 15:00-16:00").await;
    run_until(&app, utc(2026, 12, 4, 18, 0)).await;
    let got = notes(&app, CLEO);
    assert_eq!(
        got.iter().map(|n| n.0).collect::<Vec<_>>(),
        [utc(2026, 12, 4, 14, 0)],
        "{got:?}"
    );
    // Removing every window leaves nothing planned.
    app.say(ANA, "remove all").await;
    assert_eq!(pending_notifies(&app).await, []);
}

async fn a_mentor_no_longer_open_at_delivery_time_sends_nothing(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    // Away through Friday, set behind the commands' back (as an away-looking Slack status
    // does): nothing replans, so the DM is checked when it falls due.
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    store
        .set_away(TEAM, ANA, Some(utc(2026, 12, 5, 0, 0)), app.clock.now())
        .await
        .unwrap();
    run_until(&app, utc(2026, 12, 4, 12, 0)).await;
    assert!(notes(&app, CLEO).is_empty());
    let cancelled: Vec<(String,)> = app
        .db
        .rows("SELECT status FROM reminders WHERE kind = 'notify' AND key LIKE '%:2026-12-04'")
        .await;
    assert_eq!(cancelled, [("cancelled".to_owned(),)]);
    // The week after is still planned.
    assert_eq!(pending_notifies(&app).await.len(), 1);
}

async fn two_replicas_ticking_at_once_send_one_dm(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    let other = app.replica().await;
    // The other replica plans too (it sees Ana change her hours): the same rows, not new ones.
    other.say(ANA, "on for 1h").await;
    other.say(ANA, "off").await;
    for replica in [&app, &other] {
        replica.clock.set(utc(2026, 12, 4, 9, 0));
    }
    tokio::join!(app.tick(), other.tick());
    let sent = notes(&app, CLEO).len() + notes(&other, CLEO).len();
    assert_eq!(sent, 1);
    let rows: Vec<(String,)> = app
        .db
        .rows("SELECT status FROM reminders WHERE kind = 'notify' AND key LIKE '%:2026-12-04'")
        .await;
    assert_eq!(rows, [("sent".to_owned(),)]);
}

async fn a_restarted_bot_still_sends_the_planned_dm(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    // A new process on the same database: nothing in memory, only the rows.
    let restarted = app.replica().await;
    let again = restarted
        .say(CLEO, &format!("notify {}", mention(ANA)))
        .await;
    assert!(again.contains("already told"), "{again}");
    run_until(&restarted, utc(2026, 12, 4, 12, 0)).await;
    let got = notes(&restarted, CLEO);
    assert_eq!(
        got.iter().map(|n| n.0).collect::<Vec<_>>(),
        [utc(2026, 12, 4, 9, 0)],
        "{got:?}"
    );
    assert!(notes(&app, CLEO).is_empty());
}

async fn every_refusal_says_what_was_wrong_and_changes_nothing(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00 rust, career").await;
    let me = app.say(ANA, &format!("notify {}", mention(ANA))).await;
    assert!(
        me.contains("That's you") && me.contains("Nothing was saved"),
        "{me}"
    );
    let nobody = app.say(CLEO, "notify @nobody").await;
    assert!(
        nobody.contains("I don't know @nobody") && nobody.contains("Nothing was saved"),
        "{nobody}"
    );
    let typo = app.say(CLEO, "notify rsut").await;
    assert!(typo.contains("No mentor has a window on *rsut*"), "{typo}");
    assert!(
        typo.contains("Topics with windows now: rust, career."),
        "{typo}"
    );
    let bare = app.say(CLEO, "notify off").await;
    assert!(
        bare.contains("Off for whom?") && bare.contains("/officehours notify off"),
        "{bare}"
    );
    assert_eq!(subscription_count(&app).await, 0);
    assert_eq!(pending_notifies(&app).await, []);

    // Twenty is the most; the twenty-first is refused and nothing is written.
    for n in 0..20 {
        let saved = app.say(CLEO, &format!("notify <@U0P{n:07}|p{n}>")).await;
        assert!(saved.contains("Saved"), "{n}: {saved}");
        assert!(saved.contains("has no office hours yet"), "{saved}");
    }
    let full = app.say(CLEO, "notify rust").await;
    assert!(
        full.contains("You already have 20 notify subscriptions")
            && full.contains("Nothing was saved"),
        "{full}"
    );
    assert_eq!(subscription_count(&app).await, 20);
    assert_eq!(pending_notifies(&app).await, []);
}

async fn dms_follow_each_zones_dst_change(app: TestApp) {
    // New York moves its clocks on 14 March 2027, Berlin on 28 March: for two weeks they are
    // five hours apart instead of six.
    app.clock.set(utc(2027, 3, 4, 12, 0));
    app.known_user(ANA, "America/New_York").await;
    app.known_user(CLEO, "Europe/Berlin").await;
    app.say(ANA, "add mon 09:00-10:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    let mut sent = Vec::new();
    for monday in [8, 15, 22, 29] {
        app.clock.set(utc(2027, 3, monday, 11, 0));
        run_until(&app, utc(2027, 3, monday, 16, 0)).await;
        sent = notes(&app, CLEO).into_iter().map(|n| n.0).collect();
    }
    assert_eq!(
        sent,
        [
            utc(2027, 3, 8, 14, 0),
            utc(2027, 3, 15, 13, 0),
            utc(2027, 3, 22, 13, 0),
            utc(2027, 3, 29, 13, 0)
        ]
    );
    let last = notes(&app, CLEO).pop().unwrap().1;
    assert!(
        last.contains("until 10:00 New York (16:00 your time)"),
        "{last}"
    );
}

async fn export_and_forget_me_cover_subscriptions(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 10:00-11:00 rust").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    app.say(BEN, &format!("notify {}", mention(ANA))).await;
    app.say(BEN, "notify rust").await;
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let export = store.export_person(TEAM, BEN).await.unwrap();
    let held = export["notify_subscriptions"].as_array().unwrap();
    assert_eq!(held.len(), 2, "{export:#}");
    assert_eq!(held[1]["who_or_what"], "rust");
    let ana = store.export_person(TEAM, ANA).await.unwrap();
    assert_eq!(ana["people_watching_when_you_open"], 2, "{ana:#}");

    // Ben forgets himself: his subscriptions and their DMs go; Cleo's stays.
    let gone = store
        .forget_person(TEAM, BEN, app.clock.now())
        .await
        .unwrap();
    assert_eq!(gone.subscriptions, 2);
    assert_eq!(subscription_count(&app).await, 1);
    // Ana forgets herself: nobody is told about her any more, and what was planned is cancelled.
    assert_eq!(pending_notifies(&app).await.len(), 2, "Cleo's two Fridays");
    store
        .forget_person(TEAM, ANA, app.clock.now())
        .await
        .unwrap();
    assert_eq!(subscription_count(&app).await, 0);
    assert_eq!(pending_notifies(&app).await, []);
    run_until(&app, utc(2026, 12, 4, 12, 0)).await;
    assert!(notes(&app, CLEO).is_empty() && notes(&app, BEN).is_empty());

    // RETENTION_DAYS: a subscription that has sent nothing for that long is deleted.
    app.say(DAN, "add mon 15:00-16:00 rust").await;
    app.say(CLEO, "notify rust").await;
    assert_eq!(subscription_count(&app).await, 1);
    let later = app.clock.now() + Duration::days(400);
    let swept =
        officehours::startup::sweep(&*store, later, Duration::days(365), Duration::hours(1)).await;
    assert!(swept.iter().all(|(_, result)| result.is_ok()), "{swept:?}");
    assert_eq!(subscription_count(&app).await, 0);
}

async fn a_mentor_open_when_asked_is_announced_from_her_next_opening(app: TestApp) {
    people(&app).await;
    // Thursday 13:30 UTC is 14:30 in Berlin: Ana's window is running.
    app.say(ANA, "add thu 14:00-15:00").await;
    let saved = app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    assert!(
        saved.contains(&format!("<@{ANA}> is open right now (until 15:00 Berlin), so I'll tell you from the next time on.")),
        "{saved}"
    );
    run_until(&app, utc(2026, 12, 10, 16, 0)).await;
    let got = notes(&app, CLEO);
    assert_eq!(
        got.iter().map(|n| n.0).collect::<Vec<_>>(),
        [utc(2026, 12, 10, 13, 0)],
        "{got:?}"
    );
}

async fn the_subscribers_new_zone_moves_their_working_hours(app: TestApp) {
    people(&app).await;
    // Friday 12:00–15:00 UTC: from 13:00 in Berlin, from 07:00 in New York.
    app.say(ANA, "add fri 13:00-16:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    let due: Vec<(DateTime<Utc>,)> = app
        .db
        .rows("SELECT due_at FROM reminders WHERE kind = 'notify' ORDER BY due_at")
        .await;
    assert_eq!(due[0].0, utc(2026, 12, 4, 12, 0), "{due:?}");
    // Cleo moves to New York: her working day starts at 13:00 UTC now.
    app.say(CLEO, "tz America/New_York").await;
    run_until(&app, utc(2026, 12, 4, 18, 0)).await;
    let got = notes(&app, CLEO);
    assert_eq!(
        got.iter().map(|n| n.0).collect::<Vec<_>>(),
        [utc(2026, 12, 4, 13, 0)],
        "{got:?}"
    );
}

async fn an_opening_before_work_then_one_at_work_the_same_day_is_announced(app: TestApp) {
    people(&app).await;
    // Friday 07:00-07:30 Berlin is before Cleo's working day (08:00); 15:00-16:00 is inside it.
    app.say(ANA, "add fri 07:00-07:30").await;
    app.say(ANA, "add fri 15:00-16:00").await;
    app.say(CLEO, &format!("notify {}", mention(ANA))).await;
    run_until(&app, utc(2026, 12, 4, 18, 0)).await;
    let got: Vec<DateTime<Utc>> = notes(&app, CLEO).iter().map(|n| n.0).collect();
    assert_eq!(got, [utc(2026, 12, 4, 14, 0)]);

    // The same by hand, Monday: "available now" at 06:00 Berlin, then again at 10:00.
    run_until(&app, utc(2026, 12, 7, 5, 0)).await;
    app.say(ANA, "on for 1h").await;
    run_until(&app, utc(2026, 12, 7, 9, 0)).await;
    assert_eq!(notes(&app, CLEO).len(), 1, "nothing before work");
    app.say(ANA, "on for 1h").await;
    app.tick().await;
    let got: Vec<DateTime<Utc>> = notes(&app, CLEO).iter().map(|n| n.0).collect();
    assert_eq!(got, [utc(2026, 12, 4, 14, 0), utc(2026, 12, 7, 9, 0)]);
    // And only once that day, on any replica.
    let other = app.replica().await;
    app.say(ANA, "off").await;
    app.say(ANA, "on for 1h").await;
    other.advance_and_tick(Duration::minutes(5)).await;
    app.advance_and_tick(Duration::minutes(5)).await;
    assert_eq!(notes(&app, CLEO).len() + notes(&other, CLEO).len(), 2);
}

async fn a_change_of_hours_replans_only_the_topic_subscriptions_it_concerns(app: TestApp) {
    people(&app).await;
    app.say(ANA, "add fri 13:00-14:00 rust").await;
    app.say(DAN, "add fri 15:00-16:00 café").await;
    app.say(CLEO, "notify rust").await;
    app.say(BEN, "notify cafe").await;
    // Mark Ben's planned DMs, to see which change plans them again.
    app.db
        .execute(&format!(
            "UPDATE reminders SET recipients = 'U0MARKED01' WHERE kind = 'notify' AND recipients = '{BEN}' AND status = 'pending'"
        ))
        .await;
    let marked = |app: &TestApp| {
        let db = app.db.same();
        async move {
            let rows: Vec<(i64,)> = db
                .rows("SELECT COUNT(*) FROM reminders WHERE recipients = 'U0MARKED01' AND status = 'pending'")
                .await;
            rows[0].0
        }
    };
    assert!(marked(&app).await > 0);
    // Ana has no window on café: Ben's subscription is not hers to replan.
    app.say(ANA, "add fri 17:00-18:00 rust").await;
    app.say(ANA, "on for 1h").await;
    assert!(
        marked(&app).await > 0,
        "replanned for a mentor not on its topic"
    );
    // Dan's change concerns it: planned again, and Cleo's rust DMs are untouched by it.
    let cleo_before = pending_notifies(&app).await;
    app.say(DAN, "add mon 15:00-16:00 cafe").await;
    assert_eq!(marked(&app).await, 0, "Dan is on its topic");
    let cleo_after = pending_notifies(&app).await;
    let cleo = |rows: &[(String, String)]| -> Vec<String> {
        rows.iter()
            .filter(|(key, _)| key.contains(CLEO))
            .map(|(key, _)| key.clone())
            .collect()
    };
    assert_eq!(cleo(&cleo_before), cleo(&cleo_after));
    // Ben still hears of Dan on Friday, at 09:00 his time.
    run_until(&app, utc(2026, 12, 4, 16, 0)).await;
    let ben: Vec<DateTime<Utc>> = notes(&app, BEN).iter().map(|n| n.0).collect();
    assert_eq!(ben, [utc(2026, 12, 4, 14, 0)]);
}
