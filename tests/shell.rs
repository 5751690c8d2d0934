//! `officehours shell` driven through stdin/stdout, as a newcomer would use it.

#[path = "shell/buttons.rs"]
mod buttons;
#[path = "shell/driver.rs"]
mod driver;
#[path = "shell/messages.rs"]
mod messages;
#[path = "shell/story.rs"]
mod story;
#[path = "shell/terminal.rs"]
mod terminal;

use std::io::Write;
use std::process::{Command, Stdio};

fn run_shell(db: &std::path::Path, args: &[&str], input: &str) -> (String, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_officehours"))
        .arg("shell")
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_SIGNING_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("it exits");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn a_newcomer_tries_office_hours_across_people_zones_and_days() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shell.db");
    // Thursday 3 December 2026, 13:30 UTC.
    let script = "\
:tz Europe/Berlin
add thu 14:00-15:00 career, rust
/officehours list
:as bob
:tz America/New_York
/officehours
@you
add frday 10-11
:advance 1h
/officehours
:advance 7d
:now
find rust
:home
:quit
";
    let (out, err, ok) = run_shell(
        &db,
        &["--as", "you", "--now", "2026-12-03T13:30:00Z"],
        script,
    );
    assert!(ok, "stderr: {err}\nstdout: {out}");
    assert!(out.contains("you are @you"), "{out}");
    assert!(
        out.contains("@you's profile time zone is now Europe/Berlin."),
        "{out}"
    );
    assert!(
        out.contains("Added window 1: Thu 14:00–15:00 Berlin"),
        "{out}"
    );
    assert!(out.contains("1. Thu 14:00–15:00 Berlin"), "{out}");
    assert!(out.contains("You are now @bob."), "{out}");
    assert!(
        out.contains("@you is in office hours now, until 15:00 Berlin (09:00 your time)"),
        "{out}"
    );
    assert!(out.contains("frday"), "bad input is explained: {out}");
    // A week on, the next window shows its date.
    assert!(
        out.contains("@you Thu 10 Dec 14:00–15:00 Berlin · 08:00–09:00 your time"),
        "{out}"
    );
    assert!(out.contains("It is Thu 2026-12-10 14:30 UTC."), "{out}");
    assert!(out.contains("MENTORS FOR “RUST”"), "{out}");
    assert!(out.contains("YOUR OFFICE HOURS"), "{out}");

    // The same database remembers everything in the next session.
    let (again, _, ok) = run_shell(
        &db,
        &["--as", "you", "--now", "2026-12-03T13:40:00Z"],
        "list\n",
    );
    assert!(ok);
    assert!(again.contains("1. Thu 14:00–15:00 Berlin"), "{again}");
}

#[test]
fn the_shell_shows_dst_changes_as_the_clock_advances() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dst.db");
    // Friday 27 March 2026: Europe moves its clocks on Sunday 29 March, the US already did.
    let script = "\
:tz Europe/Berlin
add mon 09:00-10:00
:as ny
:tz America/New_York
@you
:advance 3d
@you
";
    let (out, err, ok) = run_shell(
        &db,
        &["--as", "you", "--now", "2026-03-27T12:00:00Z"],
        script,
    );
    assert!(ok, "{err}");
    // Before and after Europe's change the Berlin wall time stays 09:00; New York sees it move.
    assert!(
        out.contains("Mon 09:00–10:00 Berlin · 04:00–05:00 your time")
            || out.contains("Mon 09:00–10:00 Berlin · 03:00–04:00 your time"),
        "{out}"
    );
    assert!(
        out.contains("Mon 09:00–10:00 Berlin · 03:00–04:00 your time"),
        "{out}"
    );
}

#[test]
fn a_bad_now_flag_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err, ok) = run_shell(&dir.path().join("x.db"), &["--now", "next tuesday"], "");
    assert!(!ok);
    assert!(err.contains("RFC 3339"), "{err}");
}
