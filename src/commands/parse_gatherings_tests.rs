//! Tests for the debrief and conference grammar: quoted and bare names, dates, participants.

use chrono::NaiveDate;

use super::super::parse;
use super::*;
use crate::commands::parse::test_helpers::{bad, date, labelled, ok, problem, user};
use crate::domain::error::DomainError;

#[test]
fn debriefs() {
    let debrief = |project: &str, d: NaiveDate, people: Vec<UserRef>| Command::Debrief {
        project: project.into(),
        date: d,
        participants: people,
    };
    let june12 = date(2026, 6, 12);
    let pair = || vec![user("ada"), user("grace")];
    assert_eq!(
        ok("debrief \"Launch v2\" on 2026-06-12 with @ada @grace"),
        debrief("Launch v2", june12, pair())
    );
    assert_eq!(
        ok("DEBRIEF “Launch v2” ON 2026-06-12 WITH @ada @grace"),
        debrief("Launch v2", june12, pair())
    );
    assert_eq!(
        ok("debrief \"  Launch   v2 \" on 2026-06-12 with @ada @grace"),
        debrief("Launch v2", june12, pair())
    );
    assert_eq!(
        ok("debrief \"Launch v2\" with @ada @grace on 2026-06-12"),
        debrief("Launch v2", june12, pair())
    );
    assert_eq!(
        ok("debrief \"Launch v2\"on 2026-06-12 with @ada, @grace"),
        debrief("Launch v2", june12, pair())
    );
    assert_eq!(
        ok("debrief Launch on 2026-06-12 with @ada and @grace"),
        debrief("Launch", june12, pair())
    );
    assert_eq!(
        ok("debrief Turn on lights on 2026-06-12 with @ada @grace"),
        debrief("Turn on lights", june12, pair())
    );
    assert_eq!(
        ok("debrief 'Ada's launch' on 2026-06-12 with @ada @grace"),
        debrief("Ada's launch", june12, pair())
    );
    assert_eq!(
        ok("debrief ‘Ada’s launch’ on 2026-06-12 with @ada @grace"),
        debrief("Ada's launch", june12, pair())
    );
    assert_eq!(
        ok("debrief \"Q3\" on 2026-06-12 with <@U1|ada>, <@U2> & <@U3|Grace Hopper>"),
        debrief(
            "Q3",
            june12,
            vec![
                labelled("U1", "ada"),
                user("U2"),
                labelled("U3", "Grace Hopper")
            ]
        )
    );
    // Duplicates are dropped, keeping the first mention.
    assert_eq!(
        ok("debrief X on 2026-06-12 with @ada @ada @Ada <@U1> <@U1|x>"),
        debrief("X", june12, vec![user("ada"), user("U1")])
    );
    let eight: Vec<String> = (1..=8).map(|i| format!("<@U{i}>")).collect();
    match ok(&format!("debrief X on 2026-06-12 with {}", eight.join(" "))) {
        Command::Debrief { participants, .. } => assert_eq!(participants.len(), 8),
        other => panic!("{other:?}"),
    }
    let name = "x".repeat(80);
    assert!(parse(&format!("debrief \"{name}\" on 2026-06-12 with @ada")).is_ok());
}

#[test]
fn debrief_errors_name_the_bad_piece() {
    assert!(problem("debrief").contains("Which project"));
    assert!(problem("debrief on 2026-06-12 with @ada").contains("Which project"));
    assert!(problem("debrief \"\" on 2026-06-12 with @ada").contains("Which project"));
    assert!(problem("debrief \"Launch v2 on 2026-06-12 with @ada").contains("never closes"));
    assert!(problem("debrief 'Launch v2 on 2026-06-12 with @ada").contains("never closes"));
    assert!(problem("debrief Launch \"v2 on 2026-06-12 with @ada").contains("never closes"));
    assert!(problem("debrief \"Launch\" with @ada").contains("On which date"));
    assert!(problem("debrief \"Launch\" on 2026-06-12").contains("Who took part"));
    assert!(problem("debrief \"Launch\" on 2026-06-12 with").contains("Who took part"));
    assert_eq!(
        problem("debrief \"Launch\" on 2026-02-30 with @ada"),
        "`2026-02-30` has no day 30: February 2026 has 28 days."
    );
    assert_eq!(
        problem("debrief \"Launch\" on 12.06.2026 with @ada"),
        DomainError::BadDate("12.06.2026".into()).to_string()
    );
    assert!(problem("debrief \"Launch\" on 2026-06-12 with ada").contains("`ada` means here"));
    assert!(problem("debrief \"Launch\" on 2026-06-12 2026-06-13 with @ada").contains("one date"));
    assert!(problem("debrief \"Launch\" on 2026-06-12 with <@U-1>").contains("isn't someone"));
    assert!(problem("debrief \"!!!\" on 2026-06-12 with @ada").contains("no letters or digits"));
    assert!(problem(&format!(
        "debrief \"{}\" on 2026-06-12 with @ada",
        "x".repeat(81)
    ))
    .contains("81 characters"));
    let nine: Vec<String> = (1..=9).map(|i| format!("@p{i}")).collect();
    let e = bad(&format!("debrief X on 2026-06-12 with {}", nine.join(" ")));
    assert!(e.problem.starts_with("That's 9 people"), "{}", e.problem);
    assert_eq!((e.usage, e.example), DEBRIEF);
}

#[test]
fn conferences() {
    let join = |name: &str, dates: &str| {
        Command::Conference(ConferenceCommand::Join {
            name: name.into(),
            dates: DateSpan::parse(dates).unwrap(),
        })
    };
    let rust = "2026-09-08..2026-09-11";
    assert_eq!(
        ok("conference \"RustConf\" 2026-09-08..2026-09-11"),
        join("RustConf", rust)
    );
    assert_eq!(
        ok("conference RustConf 2026-09-08..2026-09-11"),
        join("RustConf", rust)
    );
    assert_eq!(
        ok("Conference “Rust Conf EU” 2026-09-08 .. 2026-09-11"),
        join("Rust Conf EU", rust)
    );
    assert_eq!(
        ok("conference Rust Conf 2026 2026-09-08 to 2026-09-11"),
        join("Rust Conf 2026", rust)
    );
    assert_eq!(
        ok("conference join \"RustConf\" 2026-09-08–2026-09-11"),
        join("RustConf", rust)
    );
    assert_eq!(
        ok("conf 'NDC Oslo' 2026-06-10"),
        join("NDC Oslo", "2026-06-10")
    );
    let list = Command::Conference(ConferenceCommand::List);
    assert_eq!(ok("conference list"), list);
    assert_eq!(ok("CONFERENCES LS"), list);
    let leave = |name: &str| Command::Conference(ConferenceCommand::Leave(name.into()));
    assert_eq!(ok("conference leave \"RustConf\""), leave("RustConf"));
    assert_eq!(ok("conference leave Rust  Conf"), leave("Rust Conf"));
    assert_eq!(ok("conference drop ‘RustConf’"), leave("RustConf"));
    // A conference called "List" needs quotes.
    assert_eq!(
        ok("conference \"List\" 2026-06-10"),
        join("List", "2026-06-10")
    );
}

#[test]
fn conference_errors_name_the_bad_piece() {
    assert!(problem("conference").contains("Which conference"));
    assert!(problem("conference 2026-09-08").contains("Which conference"));
    assert!(problem("conference \"RustConf 2026-09-08").contains("never closes"));
    assert!(problem("conference \"RustConf\"").contains("When is `RustConf`"));
    assert_eq!(
        problem("conference \"RustConf\" 2026-09-11..2026-09-08"),
        DomainError::SpanBackwards {
            start: "2026-09-11".into(),
            end: "2026-09-08".into()
        }
        .to_string()
    );
    assert_eq!(
        problem("conference \"RustConf\" 2026-09-01..2026-10-15"),
        DomainError::SpanTooLong(45).to_string()
    );
    assert_eq!(
        problem("conference RustConf 08/09/2026"),
        DomainError::BadDate("08/09/2026".into()).to_string()
    );
    assert!(problem("conference RustConf 2026-02-30").contains("February 2026 has 28 days"));
    assert!(problem("conference \"RustConf\" 2026-09-08..").contains("isn't a date or a range"));
    assert!(problem("conference \"???\" 2026-09-08").contains("no letters or digits"));
    let e = bad("conference list all");
    assert!(e.problem.contains("`all`"));
    assert_eq!((e.usage, e.example), CONFERENCE_LIST);
    let e = bad("conference leave");
    assert!(e.problem.contains("Which conference are you leaving"));
    assert_eq!((e.usage, e.example), CONFERENCE_LEAVE);
    assert!(problem("conference leave \"RustConf\" 2026-09-08").contains("just the name"));
    assert!(problem("conference leave \"RustConf").contains("never closes"));
    assert_eq!(bad("conference").usage, CONFERENCE.0);
}
