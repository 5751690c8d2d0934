//! The line editor on a real terminal: the `officehours shell` binary in a pseudo-terminal
//! (python3's `pty` module drives it, `pty_drive.py`), typed at key by key: the Up arrow brings
//! the last line back, Tab completes a command word, and history outlives the session.

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const UP: &str = "\u{1b}[A";
const CTRL_D: &str = "\u{4}";

/// Runs the shell on `db` in a pseudo-terminal through `steps`; what the screen showed.
fn on_a_terminal(db: &Path, steps: &[Value]) -> String {
    let dir = db.parent().expect("a folder");
    let script = dir.join("steps.json");
    std::fs::write(&script, Value::from(steps.to_vec()).to_string()).expect("steps written");
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shell/pty_drive.py");
    let out = Command::new("python3")
        .arg(driver)
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_officehours"))
        .args(["shell", "--as", "you", "--now", "2026-12-07T08:00:00Z"])
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_SIGNING_SECRET")
        .env_remove("PUBLIC_URL")
        .output()
        .expect("python3 runs (CI has it)");
    let screen = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\nthe screen:\n{screen}",
        String::from_utf8_lossy(&out.stderr)
    );
    screen
}

fn send(keys: &str) -> Value {
    json!({ "send": keys })
}

fn expect(text: &str) -> Value {
    json!({ "expect": text })
}

#[test]
fn up_repeats_tab_completes_and_history_outlives_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typed.db");
    let prompt = expect("you> ");
    let first = on_a_terminal(
        &db,
        &[
            prompt.clone(),
            send(":advance 1h\r"),
            expect("It is now Mon 2026-12-07 09:00 UTC."),
            prompt.clone(),
            // Up brings back `:advance 1h`; Enter runs it again.
            send(UP),
            send("\r"),
            expect("It is now Mon 2026-12-07 10:00 UTC."),
            prompt.clone(),
            send("add tue 10:00-11:00\r"),
            expect("Added window 1"),
            prompt.clone(),
            // `lis` and Tab: `list`.
            send("lis\t"),
            send("\r"),
            expect("1. Tue 10:00–11:00"),
            prompt.clone(),
            // A shell verb, a person met, and a name after @ complete too.
            send(":adv\t 30m\r"),
            expect("It is now Mon 2026-12-07 10:30 UTC."),
            prompt.clone(),
            send(":as bob\r"),
            expect("You are now @bob."),
            expect("bob> "),
            send(":as y\t\r"),
            expect("You are now @you."),
            prompt.clone(),
            send("1on1 @bo\t every 2 weeks\r"),
            expect("1:1 with @bob every 2 weeks"),
            prompt.clone(),
            send(CTRL_D),
        ],
    );
    assert!(
        !first.contains("[A"),
        "the arrow is a key, not text: {first}"
    );
    let history = std::fs::read_to_string(dir.path().join("typed.db.history"))
        .expect("the history is kept next to the database");
    assert!(history.contains("list"), "{history}");
    assert!(!history.contains("lis\t"), "{history}");
    assert!(history.contains("1on1 @bob every 2 weeks"), "{history}");

    // A new session on the same database: Up brings back the last line of the last one.
    let second = on_a_terminal(
        &db,
        &[
            prompt.clone(),
            send(UP),
            send("\r"),
            expect("This replaces your 1:1 with @bob"),
            prompt,
            send(CTRL_D),
        ],
    );
    assert!(second.contains("you> 1on1 @bob every 2 weeks"), "{second}");
}
