//! The pretend clock tells what happened while it moved, each line at its exact minute.

use super::driver::{one, Shell};

#[test]
fn a_day_is_told_in_order_at_the_exact_minutes() {
    let dir = tempfile::tempdir().unwrap();
    // Monday 7 December 2026, 07:07 UTC: an odd minute, so a 15-minute tick would be late.
    let mut shell = Shell::start(
        &dir.path().join("story.db"),
        &["--now", "2026-12-07T07:07:00Z"],
    );
    shell.send(":tz Europe/Berlin");
    shell.send("add tue 10:30-11:45 rust");
    shell.send(":as bob");
    shell.send(":tz Europe/London");
    shell.send(":as you");
    shell.send("1on1 @bob every 1 week on tue 15:10");
    let day = shell.send(":advance 1d 12h");
    let opened = day
        .find("⏰ Tue 2026-12-08 09:30 UTC · @you's office hours opened, until 11:45 Europe/Berlin (rust)")
        .unwrap_or_else(|| panic!("{day}"));
    let closed = day
        .find("⏰ Tue 2026-12-08 10:45 UTC · @you's office hours closed")
        .unwrap_or_else(|| panic!("{day}"));
    let reminded = day
        .find("📬 Tue 2026-12-08 13:10 UTC · DM to @you")
        .unwrap_or_else(|| panic!("{day}"));
    assert!(opened < closed && closed < reminded, "in order: {day}");
    assert!(
        day.ends_with("It is now Tue 2026-12-08 19:07 UTC.\n"),
        "{day}"
    );
    shell.quit();
}

/// Connecting goes through the bot's real OAuth pages with the shell as Slack's approval page;
/// then the day tells each status change at its minute, and their own status comes back.
#[test]
fn a_connected_mentor_sees_her_status_change_with_her_window() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("status.db");
    let mut shell = Shell::start(&db, &["--now", "2026-12-07T07:07:00Z"]);
    shell.send(":tz Europe/Berlin");
    shell.send("add tue 10:30-11:45 rust");
    let own = shell.send(":status :house: Working from home");
    assert!(own.contains("set their own Slack status"), "{own}");
    let offer = shell.send("connect");
    assert!(
        offer.contains("] Connect (shell:/slack/oauth/start?state="),
        "{offer}"
    );
    let approved = shell.press("Connect", &[]);
    assert!(approved.contains("@you approves"), "{approved}");
    assert!(approved.contains("Connected — Done"), "{approved}");
    assert_eq!(
        one(
            &db,
            "SELECT user_id FROM connections WHERE team_id = 'TSHELL'"
        )
        .as_deref(),
        Some("you")
    );
    let again = shell.press("Connect", &[]);
    assert!(
        again.contains("doesn't work any more"),
        "a link works once: {again}"
    );

    let day = shell.send(":advance 1d 12h");
    let opened = day
        .find("⏰ Tue 2026-12-08 09:30 UTC · @you's office hours opened")
        .unwrap_or_else(|| panic!("{day}"));
    let shown = day
        .find("🪧 Tue 2026-12-08 09:30 UTC · @you's Slack status: :door: Office hours until 11:45 — drop by (Slack clears it at Tue 2026-12-08 10:45 UTC)")
        .unwrap_or_else(|| panic!("{day}"));
    let closed = day
        .find("⏰ Tue 2026-12-08 10:45 UTC · @you's office hours closed")
        .unwrap_or_else(|| panic!("{day}"));
    // Slack cleared ours at its expiry; what she had before comes back all the same.
    let back = day
        .find("🪧 Tue 2026-12-08 10:45 UTC · @you's Slack status: :house: Working from home")
        .unwrap_or_else(|| panic!("{day}"));
    assert!(opened < shown && shown < closed && closed < back, "{day}");
    let hover = shell.send(":status");
    assert!(hover.contains(":house: Working from home"), "{hover}");
    assert!(shell
        .send(":status clear")
        .contains("cleared their Slack status"));
    let none = shell.send(":status");
    assert!(none.contains("@you has no Slack status"), "{none}");
    shell.quit();

    // Another run on the same database: still connected, and the next Tuesday shows it again.
    let mut shell = Shell::start(&db, &["--now", "2026-12-14T07:00:00Z"]);
    let again = shell.send("connect");
    assert!(again.contains("already connected"), "{again}");
    let week = shell.send(":advance 1d 12h");
    assert!(
        week.contains(
            "🪧 Tue 2026-12-15 09:30 UTC · @you's Slack status: :door: Office hours until 11:45"
        ),
        "{week}"
    );

    let gone = shell.send("disconnect");
    assert!(!gone.contains("Error"), "{gone}");
    assert_eq!(
        one(
            &db,
            "SELECT user_id FROM connections WHERE team_id = 'TSHELL'"
        ),
        None
    );
    let quiet = shell.send(":advance 7d");
    assert!(
        !quiet.contains("🪧"),
        "no status changes once disconnected: {quiet}"
    );
    // Connecting again after a disconnect works like the first time.
    shell.send("connect");
    let back = shell.press("Connect", &[]);
    assert!(back.contains("Connected — Done"), "{back}");
    let next = shell.send(":advance 7d");
    assert!(
        next.contains("@you's Slack status: :door: Office hours until 11:45"),
        "{next}"
    );
    let long = format!(":status {}", "x".repeat(101));
    let refused = shell.send(&long);
    assert!(refused.contains("at most 100 characters"), "{refused}");
    shell.quit();
}

/// In a real workspace's data nothing pretends: no one is connected from the terminal.
#[test]
fn a_real_workspace_gets_no_pretend_status_or_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::start(&dir.path().join("real.db"), &["--team", "T0REAL0001"]);
    let status = shell.send(":status :house: Home");
    assert!(
        status.contains("no Slack status to show or set"),
        "{status}"
    );
    let connect = shell.send("connect");
    assert!(connect.contains("isn't set up on this bot"), "{connect}");
    assert!(!connect.contains("] Connect"), "{connect}");
    shell.quit();
}

#[test]
fn the_clock_goes_months_ahead_jumps_and_says_who_you_are() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::start(
        &dir.path().join("months.db"),
        &["--now", "2026-01-31T09:00:00Z"],
    );
    let later = shell.send(":advance 3mo");
    assert!(
        later.contains("It is now Thu 2026-04-30 09:00 UTC."),
        "{later}"
    );
    let refused = shell.send(":advance 5000w");
    assert!(refused.contains("at most 24 months"), "{refused}");
    let jumped = shell.send(":now 2027-01-01 09:30");
    assert!(
        jumped.contains("It is now Fri 2027-01-01 09:30 UTC."),
        "{jumped}"
    );
    let who = shell.send(":as");
    assert!(who.contains("You are @you. Switch with :as NAME"), "{who}");
    let bob = shell.send(":as Bob Smith");
    assert!(bob.contains("You are now @bob.smith."), "{bob}");
    shell.quit();
}

#[test]
fn profile_zone_applies_after_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::start(
        &dir.path().join("tz.db"),
        &["--now", "2026-12-07T08:00:00Z"],
    );
    shell.send("list");
    let before = shell.send("/officehours");
    assert!(before.contains("until I know your zone"), "{before}");
    shell.send(":tz Asia/Tokyo");
    let after = shell.send("/officehours");
    assert!(!after.contains("until I know your zone"), "{after}");
    let list = shell.send("list");
    assert!(list.contains("Asia/Tokyo"), "{list}");
    let day_later = shell.send(":advance 1d");
    assert!(!day_later.contains("until I know your zone"), "{day_later}");
    let again = shell.send("/officehours");
    assert!(!again.contains("until I know your zone"), "{again}");
    shell.quit();
}

#[test]
fn calendar_in_the_shell_gives_an_address_and_its_first_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::start(
        &dir.path().join("ics.db"),
        &[
            "--now",
            "2026-12-07T08:00:00Z",
            "--public-url",
            "https://oh.example.com",
        ],
    );
    shell.send(":tz Europe/Berlin");
    shell.send("add tue,thu 14:00-15:00 career");
    let calendar = shell.send("calendar");
    assert!(
        calendar.contains("https://oh.example.com/ics/"),
        "{calendar}"
    );
    assert!(
        calendar.contains("A calendar app subscribed to it sees 1 event:"),
        "{calendar}"
    );
    assert!(
        calendar.contains(
            "• every Tue, Thu from 1 Dec, 14:00–15:00 Europe/Berlin: Office hours: you — career"
        ),
        "{calendar}"
    );
    shell.quit();
}

#[test]
fn a_channel_shows_mention_hints_until_they_are_turned_off_there() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::start(
        &dir.path().join("hints.db"),
        &["--now", "2026-12-08T09:00:00Z"],
    );
    shell.send(":as Ana Lopez");
    shell.send(":tz Europe/London");
    shell.send("add tue 09:00-10:00 rust");
    shell.send(":as you");
    shell.send(":tz Europe/London");
    let entered = shell.send(":in #general");
    assert!(entered.contains("You are in #general"), "{entered}");
    let hinted = shell.send("has anyone seen @ana.lopez today?");
    assert!(
        hinted.contains("👁 only @you sees this in #general"),
        "{hinted}"
    );
    assert!(hinted.contains("@ana.lopez"), "{hinted}");
    let off = shell.send("hints off");
    assert!(
        off.contains("No mention hints in this channel any more"),
        "{off}"
    );
    shell.send(":as bob");
    let quiet = shell.send("ping @ana.lopez");
    assert!(!quiet.contains("👁"), "{quiet}");
    assert!(
        quiet.contains("(posted in #general; no hint for it)"),
        "{quiet}"
    );
    shell.quit();
}

#[test]
fn reminders_due_at_the_same_minute_print_in_one_fixed_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::start(
        &dir.path().join("same.db"),
        &["--now", "2026-12-07T08:00:00Z"],
    );
    shell.send(":tz Europe/London");
    for report in ["zoe", "bob", "mia"] {
        shell.send(&format!("1on1 @{report} every 1 week on tue 10:00"));
    }
    // Six reminders, all due at 09:00, delivered at once: printed by key (cadence, start,
    // person), never in the order concurrent sends happened to finish.
    let day = shell.send(":advance 1d 2h");
    let order: Vec<&str> = day
        .lines()
        .filter(|l| l.starts_with("📬 Tue 2026-12-08 09:00 UTC · DM to @"))
        .map(|l| l.rsplit('@').next().unwrap_or_default())
        .collect();
    assert_eq!(order, ["you", "zoe", "bob", "you", "mia", "you"], "{day}");
    shell.quit();
}
