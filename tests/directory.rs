//! The in-memory read model behind "who is open": a writer sees their change at once, and another
//! replica on the same database sees it within its refresh interval, without a restart.

mod support;

use std::time::{Duration, Instant};
use support::{Backend, TestApp};

const ANA: &str = "U0ANA00001"; // Berlin
const BEN: &str = "U0BEN00001"; // New York

/// Asks `/officehours` on `app` until the answer satisfies `done`, for at most five seconds; the
/// last answer, and how long it took.
async fn eventually(app: &TestApp, user: &str, done: impl Fn(&str) -> bool) -> (String, Duration) {
    let started = Instant::now();
    let done = &done;
    let ask = || async move {
        let overview = app.say(user, "").await;
        done(&overview).then_some(overview)
    };
    let found = support::poll(Duration::from_secs(5), Duration::from_millis(50), ask).await;
    let overview = match found {
        Some(overview) => overview,
        // Not yet: the answer the assertion will show.
        None => app.say(user, "").await,
    };
    (overview, started.elapsed())
}

on_both_backends!(
    a_change_on_one_replica_reaches_the_other_without_a_restart,
    a_change_made_outside_the_commands_is_picked_up,
    a_write_on_another_replica_uses_the_zone_just_changed
);

async fn a_change_on_one_replica_reaches_the_other_without_a_restart(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    let other = app.replica().await;
    let open = format!("<@{ANA}> is in office hours now");

    // The other replica reads the workspace once, before Ana has any hours.
    let before = other.say(BEN, "").await;
    assert!(
        before.contains("Nobody has published office hours yet"),
        "{before}"
    );

    // Thursday 14:30 in Berlin: the writer sees her window at once (read-your-writes)...
    app.say(ANA, "add thu 14:00-15:00 career").await;
    let here = app.say(BEN, "").await;
    assert!(here.contains(&open), "{here}");

    // ...and the other replica within its refresh interval.
    let (there, waited) = eventually(&other, BEN, |o| o.contains(&open)).await;
    assert!(
        there.contains(&open),
        "not seen by the other replica after {waited:?}: {there}"
    );

    // "off" on the other replica hides her here too.
    other.say(ANA, "off").await;
    let (here, waited) = eventually(&app, BEN, |o| o.contains("Nobody right now.")).await;
    assert!(
        here.contains("Nobody right now."),
        "still open here after {waited:?}: {here}"
    );
}

async fn a_change_made_outside_the_commands_is_picked_up(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "America/New_York").await;
    app.say(ANA, "add thu 14:00-15:00 career").await;
    let open = format!("<@{ANA}> is in office hours now");
    assert!(app.say(BEN, "").await.contains(&open));

    // An operator (or a module other than the commands) edits the tables directly.
    app.db.execute("DELETE FROM windows").await;
    let (after, waited) = eventually(&app, BEN, |o| !o.contains(&open)).await;
    assert!(
        !after.contains(&open),
        "still shown after {waited:?}: {after}"
    );
}

async fn a_write_on_another_replica_uses_the_zone_just_changed(app: TestApp) {
    app.known_user(ANA, "Europe/Berlin").await;
    let other = app.replica().await;
    // The other replica holds Ana as a Berlin reader...
    other.say(ANA, "").await;
    // ...then she moves to Tokyo here, and at once saves "until 23:00" there.
    app.say(ANA, "tz Asia/Tokyo").await;
    let reply = other.say(ANA, "on until 23:00").await;
    assert!(reply.contains("until 23:00 Tokyo"), "{reply}");
    let until: Vec<(String,)> = app
        .db
        .rows("SELECT CAST(manual_until AS TEXT) FROM people WHERE user_id = 'U0ANA00001'")
        .await;
    // 23:00 in Tokyo on Thursday 3 December is 14:00 UTC (Berlin's 23:00 would be 22:00 UTC).
    assert!(until[0].0.contains("14:00:00"), "{until:?}");
}

on_both_backends!(a_reused_answer_still_follows_the_readers_midnight);

// The rendered answer is reused only within a minute: "until Fri 01:00" must become "until
// 01:00" once the reader's day turns, even though nobody's status changed.
async fn a_reused_answer_still_follows_the_readers_midnight(app: TestApp) {
    use chrono::{TimeZone, Utc};
    app.known_user(ANA, "Europe/Berlin").await;
    app.known_user(BEN, "Europe/Berlin").await;
    app.say(ANA, "add thu 23:00-01:00").await;
    // Thursday 2026-12-03, 23:58:30 in Berlin (22:58:30 UTC).
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 3, 22, 58, 30).unwrap());
    let before = app.say(BEN, "").await;
    assert!(before.contains("until Fri 01:00 Berlin"), "{before}");
    // Asked again within the minute: the same answer.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 3, 22, 58, 50).unwrap());
    assert_eq!(app.say(BEN, "").await, before);
    // Two minutes later it is Friday in Berlin; Ana's status has not changed.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 30).unwrap());
    let after = app.say(BEN, "").await;
    assert!(
        after.contains("until 01:00 Berlin") && !after.contains("Fri 01:00"),
        "{after}"
    );
}
