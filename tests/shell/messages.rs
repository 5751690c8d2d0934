//! Messages that help: typos, limits, what is possible, and examples that fit the person typing.

use super::driver::Shell;

#[test]
fn mistakes_are_answered_with_what_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut shell = Shell::start(
        &dir.path().join("messages.db"),
        &["--as", "ada", "--now", "2026-12-07T08:00:00Z"],
    );
    shell.send(":tz Europe/London");
    let typo = shell.send("helo");
    assert!(typo.contains("Did you mean help?"), "{typo}");
    let long = shell.send(&format!("find {}", "x".repeat(1200)));
    assert!(
        long.contains("too long for a command (at most 1000)"),
        "{long}"
    );
    let monthly = shell.send("1on1 @bob every month");
    assert!(monthly.contains("say every 4 weeks"), "{monthly}");
    assert!(!monthly.contains("every month weeks"), "{monthly}");
    let pm = shell.send("add tue 1:00 pm-2:00 pm");
    assert!(pm.contains("Tue 13:00–14:00"), "{pm}");
    // Ada's own name is never the example shown to Ada.
    let review = shell.send("review @bob");
    assert!(review.contains("review @grace on"), "{review}");
    assert!(!review.contains("@ada"), "{review}");
    let est = shell.send("tz EST");
    assert!(est.contains("EST is fixed at UTC−5 all year"), "{est}");
    assert!(est.contains("America/New_York"), "{est}");
    // Whoever types in the shell runs the bot: the missing address is theirs to give.
    let calendar = shell.send("calendar");
    assert!(
        calendar.contains("start it with --public-url https://"),
        "{calendar}"
    );
    let list = shell.send("list");
    assert!(
        list.contains("1 office-hours window") || list.contains("1. Tue"),
        "{list}"
    );
    shell.quit();
}
