//! Every kind of button, pressed by number in the shell, does what the Slack button does: the
//! effect is read back from the database.

use super::driver::{one, Shell};

/// Monday 7 December 2026, 08:00 UTC (London is on UTC in winter).
const MONDAY: &str = "2026-12-07T08:00:00Z";

fn two_people(dir: &tempfile::TempDir) -> Shell {
    let mut shell = Shell::start(&dir.path().join("buttons.db"), &["--now", MONDAY]);
    shell.send(":tz Europe/London");
    shell.send(":as bob");
    shell.send(":tz Europe/London");
    shell.send(":as you");
    shell
}

#[test]
fn office_hours_buttons_remove_open_and_forget() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = two_people(&dir);
    let db = shell.db.clone();
    let windows = |db| {
        one(
            db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM windows WHERE user_id = 'you'",
        )
    };
    shell.send("add mon 12:00-13:00 career");
    shell.send("add wed 12:00-13:00 rust");
    let list = shell.send("list");
    assert!(list.contains("] Remove"), "{list}");
    // The first window's Remove, as shown beside it.
    let first = list
        .lines()
        .find(|l| l.contains("Mon 12:00–13:00"))
        .unwrap_or_else(|| panic!("{list}"));
    let number: usize = first[first.find('[').unwrap() + 1..first.find(']').unwrap()]
        .parse()
        .unwrap();
    let pressed = shell.send(&format!(":press {number}"));
    assert!(pressed.contains("You pressed [Remove]"), "{pressed}");
    assert!(
        pressed.contains("Wed 12:00–13:00"),
        "the list is shown again: {pressed}"
    );
    assert!(!pressed.contains("Mon 12:00–13:00"), "{pressed}");
    assert_eq!(windows(&db).as_deref(), Some("1"));

    let home = shell.send(":home");
    assert!(home.contains("] Available now"), "{home}");
    let pressed = shell.press("Available now", &[]);
    assert!(pressed.contains("You pressed [Available now]"), "{pressed}");
    assert_eq!(
        one(&db, "SELECT manual_state FROM people WHERE user_id = 'you'").as_deref(),
        Some("available")
    );

    let asked = shell.send("forget me");
    assert!(asked.contains("] Delete everything"), "{asked}");
    let gone = shell.press("Delete everything", &[]);
    assert!(gone.contains("I deleted 1 office-hours window,"), "{gone}");
    assert_eq!(windows(&db).as_deref(), Some("0"));
    assert_eq!(
        one(&db, "SELECT user_id FROM people WHERE user_id = 'you'"),
        None
    );
    shell.quit();
}

#[test]
fn one_on_one_buttons_decline_accept_done_snooze_and_skip() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = two_people(&dir);
    let db = shell.db.clone();
    let status = |db| one(db, "SELECT status FROM cadences");
    let set = shell.send("1on1 @bob every 1 week on tue 10:00");
    assert!(set.contains("DM to @bob"), "bob is asked: {set}");
    assert!(
        set.contains("] Sounds good") && set.contains("] Decline"),
        "{set}"
    );

    let declined = shell.press("Decline", &[]);
    assert!(declined.contains("as @bob, who got it"), "{declined}");
    assert_eq!(status(&db).as_deref(), Some("declined"));
    let accepted = shell.press("Sounds good", &[]);
    assert!(accepted.contains("The message now reads"), "{accepted}");
    assert_eq!(status(&db).as_deref(), Some("active"));

    // The reminder an hour before Tuesday's 10:00, to both.
    let day = shell.send(":advance 1d 2h");
    assert!(
        day.contains("📬 Tue 2026-12-08 09:00 UTC · DM to @you"),
        "{day}"
    );
    let done = shell.press("Done", &[]);
    assert!(done.contains("Marked done"), "{done}");
    assert_eq!(
        one(
            &db,
            "SELECT status FROM meetings WHERE starts_at LIKE '2026-12-08%'"
        )
        .as_deref(),
        Some("done")
    );

    let week = shell.send(":advance 1w");
    assert!(
        week.contains("📬 Tue 2026-12-15 09:00 UTC · DM to @you"),
        "{week}"
    );
    let snoozed = shell.press("Snooze a day", &[]);
    assert!(snoozed.contains("Snoozed a day"), "{snoozed}");
    assert_eq!(
        one(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM meetings WHERE starts_at LIKE '2026-12-16T10:00%' AND status = 'planned'").as_deref(),
        Some("1"),
        "{snoozed}"
    );
    let next_day = shell.send(":advance 1d");
    assert!(
        next_day.contains("📬 Wed 2026-12-16 09:00 UTC"),
        "{next_day}"
    );
    let skipped = shell.press("Skip this one", &[]);
    assert!(skipped.contains("Skipped this one"), "{skipped}");
    assert_eq!(
        one(
            &db,
            "SELECT status FROM meetings WHERE starts_at LIKE '2026-12-16%'"
        )
        .as_deref(),
        Some("skipped")
    );
    shell.quit();
}

#[test]
fn debrief_and_review_modals_are_filled_in_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = two_people(&dir);
    let db = shell.db.clone();
    shell.send("debrief \"Launch\" on 2026-12-08 with @bob");
    shell.send("review @bob on 2026-12-22");
    let day = shell.send(":advance 1d 2h");
    assert!(day.contains("] Share feedback"), "{day}");
    // The group DM reaches the organiser too: its note must read true for them as well.
    assert!(day.contains("(Answers go privately to @you.)"), "{day}");
    assert!(day.contains("] Note what was agreed"), "{day}");

    let modal = shell.press("Share feedback", &[]);
    assert!(modal.contains("What went well?"), "{modal}");
    assert!(modal.contains("] Send"), "{modal}");
    // An empty answer is refused as Slack's modal would show it, and the modal stays.
    let refused = shell.press("Send", &["", "Ship smaller", "Feature flags"]);
    assert!(refused.contains("A few words, please."), "{refused}");
    assert_eq!(one(&db, "SELECT went_well FROM feedback"), None);
    let sent = shell.press("Send", &["The demo", "Ship smaller", "Feature flags"]);
    assert!(sent.contains("✓ Debrief feedback"), "{sent}");
    // Each field is asked for on its own line; a label that is no question gets a colon.
    assert!(sent.contains("What went well? \n"), "{sent}");
    assert!(sent.contains("One thing you learned: \n"), "{sent}");
    assert_eq!(
        one(
            &db,
            "SELECT went_well || '|' || differently || '|' || learned FROM feedback"
        )
        .as_deref(),
        Some("The demo|Ship smaller|Feature flags")
    );

    let modal = shell.press("Note what was agreed", &[]);
    assert!(
        modal.contains("What did the two of you agree on?"),
        "{modal}"
    );
    let saved = shell.press("Save", &["Lead the next launch"]);
    assert!(saved.contains("✓ What was agreed"), "{saved}");
    assert_eq!(
        one(&db, "SELECT agreed FROM reviews").as_deref(),
        Some("Lead the next launch")
    );
    shell.quit();
}

#[test]
fn drop_in_next_and_done_work_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = two_people(&dir);
    let db = shell.db.clone();
    // You keep office hours now (Monday 08:00 London); Bob drops in from the overview.
    shell.send("add mon 08:00-09:00 career");
    shell.send(":as bob");
    let overview = shell.send("/officehours");
    assert!(overview.contains("] Drop in"), "{overview}");
    let form = shell.press("Drop in", &[]);
    assert!(form.contains("Their topics: career"), "{form}");
    let asked = shell.press("Ask", &["a career question"]);
    assert_eq!(
        one(&db, "SELECT topic FROM line WHERE asker_id = 'bob'").as_deref(),
        Some("a career question"),
        "{asked}"
    );
    shell.send(":as you");
    let queue = shell.send("queue");
    assert!(queue.contains("] Next"), "{queue}");
    shell.press("Next", &[]);
    assert_eq!(
        one(&db, "SELECT state FROM line WHERE asker_id = 'bob'").as_deref(),
        Some("called")
    );
    shell.press("Done", &[]);
    assert_eq!(
        one(
            &db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM visits WHERE visitor_id = 'bob'"
        )
        .as_deref(),
        Some("1")
    );
    assert_eq!(one(&db, "SELECT topic FROM line"), None);
}

/// The call's own buttons: "I'm here" keeps the place, the meeting link opens (in a browser, in
/// Slack), and the mentor's "Not today" keeps the question for her next window.
#[test]
fn a_call_is_answered_its_link_opens_and_not_today_keeps_the_question() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = two_people(&dir);
    let db = shell.db.clone();
    shell.send("add mon 08:00-09:00 career");
    shell.send("link https://meet.example.com/you");
    shell.send(":as bob");
    shell.send("/officehours");
    shell.press("Drop in", &[]);
    shell.press("Ask", &["a career question"]);
    shell.send(":as you");
    let called = shell.send("next");
    assert!(
        called.contains("] Join (https://meet.example.com/you)"),
        "{called}"
    );
    let opened = shell.press("Join", &[]);
    assert!(
        opened.contains("in Slack it opens https://meet.example.com/you in a browser"),
        "{opened}"
    );
    let here = shell.press("I'm here", &[]);
    assert!(here.contains("as @bob, who got it"), "{here}");
    assert!(
        one(&db, "SELECT answered_call FROM line WHERE asker_id = 'bob'").is_some(),
        "{here}"
    );
    let not_today = shell.press("Not today", &[]);
    assert!(not_today.contains("can't see you today"), "{not_today}");
    assert_eq!(
        one(&db, "SELECT state FROM line WHERE asker_id = 'bob'").as_deref(),
        Some("waiting"),
        "kept for her next window: {not_today}"
    );
    shell.quit();
}

#[test]
fn the_digest_shows_each_done_button_on_the_line_it_marks() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = two_people(&dir);
    let db = shell.db.clone();
    shell.send("1on1 @bob every 1 week on tue 10:00");
    shell.press("Sounds good", &[]);
    // Tuesday's 1:1 goes unmarked; Monday 14 December, 09:00 London, brings the digest.
    let week = shell.send(":advance 1w 2h");
    let digest: Vec<&str> = week
        .lines()
        .skip_while(|l| !l.contains("YOUR WEEKLY MENTORING DIGEST"))
        .collect();
    let overdue = digest
        .iter()
        .find(|l| l.contains("@bob: overdue since Tue 8 Dec 10:00"))
        .unwrap_or_else(|| panic!("no overdue line in:\n{week}"));
    assert!(overdue.ends_with("] Done: 8 Dec"), "{week}");
    assert_eq!(
        digest.iter().filter(|l| l.contains("] Done:")).count(),
        1,
        "{week}"
    );
    let done = shell.press("Done: 8 Dec", &[]);
    assert!(done.contains("Marked done"), "{done}");
    assert_eq!(
        one(
            &db,
            "SELECT status FROM meetings WHERE starts_at LIKE '2026-12-08%'"
        )
        .as_deref(),
        Some("done")
    );
    shell.quit();
}
