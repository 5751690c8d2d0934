//! Tests for the nudge grammar: every form, the forgiving variants, and each way input goes wrong.

use chrono::Weekday;

use super::super::{parse, TimeOfDay};
use super::*;
use crate::commands::parse::test_helpers::{bad, date, labelled, ok, problem, user, xorshift};

fn at(h: u16, m: u16) -> TimeOfDay {
    TimeOfDay::hm(h, m).unwrap()
}

fn set(report: UserRef, every_weeks: u8, on: Option<(Weekday, TimeOfDay)>) -> Command {
    Command::OneOnOne(CadenceCommand::Set {
        report,
        every_weeks,
        on,
    })
}

#[test]
fn one_on_one_cadences() {
    let tue10 = Some((Weekday::Tue, at(10, 0)));
    assert_eq!(
        ok("1on1 @ada every 2 weeks on tue 10:00"),
        set(user("ada"), 2, tue10)
    );
    assert_eq!(
        ok("/officehours 1on1 @ada every 2 weeks on tue 10:00"),
        set(user("ada"), 2, tue10)
    );
    assert_eq!(
        ok("1ON1   @ada  every  2  Weeks  ON  Tuesday  10am"),
        set(user("ada"), 2, tue10)
    );
    assert_eq!(
        ok("1on1 <@U1|ada> every week"),
        set(labelled("U1", "ada"), 1, None)
    );
    assert_eq!(ok("1on1 <@U1> every 1 week"), set(user("U1"), 1, None));
    assert_eq!(ok("1on1 @ada weekly"), set(user("ada"), 1, None));
    assert_eq!(
        ok("1:1 @ada biweekly on mon 9am"),
        set(user("ada"), 2, Some((Weekday::Mon, at(9, 0))))
    );
    assert_eq!(ok("one-on-one @ada fortnightly"), set(user("ada"), 2, None));
    assert_eq!(ok("1on1 @ada every other week"), set(user("ada"), 2, None));
    assert_eq!(ok("1on1 @ada every fortnight"), set(user("ada"), 2, None));
    assert_eq!(ok("1on1 @ada every 3w"), set(user("ada"), 3, None));
    assert_eq!(ok("1on1 @ada every 4weeks"), set(user("ada"), 4, None));
    assert_eq!(ok("1on1 @ada every 12 wks"), set(user("ada"), 12, None));
    assert_eq!(
        ok("1on1 @ada every three weeks on thu at 2 pm"),
        set(user("ada"), 3, Some((Weekday::Thu, at(14, 0))))
    );
    assert_eq!(
        ok("1on1 <@U1|Ada Lovelace> every 2 weeks on fri 16:30"),
        set(
            labelled("U1", "Ada Lovelace"),
            2,
            Some((Weekday::Fri, at(16, 30)))
        )
    );
    // The `on` is easy to forget.
    assert_eq!(
        ok("1on1 @ada every week tue 10:00"),
        set(user("ada"), 1, tue10)
    );
    assert_eq!(
        ok("1on1 @ada weekly on sun 00:00"),
        set(user("ada"), 1, Some((Weekday::Sun, at(0, 0))))
    );
}

#[test]
fn one_on_one_stop_and_done() {
    let stop = |id: &str| Command::OneOnOne(CadenceCommand::Stop(user(id)));
    let done = |id: &str| Command::OneOnOne(CadenceCommand::Done(user(id)));
    assert_eq!(ok("1on1 stop @ada"), stop("ada"));
    assert_eq!(ok("1on1 STOP <@U1>"), stop("U1"));
    assert_eq!(ok("1on1 end @ada"), stop("ada"));
    assert_eq!(ok("1on1 @ada stop"), stop("ada"));
    assert_eq!(ok("1on1 done @ada"), done("ada"));
    assert_eq!(ok("1on1 @ada Done"), done("ada"));
    assert_eq!(
        ok("1on1 done <@U1|Ada Lovelace>"),
        Command::OneOnOne(CadenceCommand::Done(labelled("U1", "Ada Lovelace")))
    );
}

#[test]
fn one_on_one_accept() {
    let accept = |id: &str| Command::OneOnOne(CadenceCommand::Accept(user(id)));
    assert_eq!(ok("1on1 accept @grace"), accept("grace"));
    assert_eq!(ok("1on1 ACCEPT <@U1>"), accept("U1"));
    assert_eq!(ok("1on1 @grace accept"), accept("grace"));
    assert_eq!(ok("/officehours 1:1 accept @grace"), accept("grace"));
    let e = bad("1on1 accept");
    assert!(e.problem.contains("Which manager's 1:1s"), "{}", e.problem);
    assert_eq!(e.usage, "/officehours 1on1 accept @manager");
    assert!(problem("1on1 accept grace").contains("`grace` isn't someone"));
    assert!(problem("1on1 accept @grace please").contains("`please`"));
    assert!(problem("1on1 acept @grace").contains("stop, done or accept"));
}

#[test]
fn one_on_one_errors_name_the_bad_piece() {
    assert!(problem("1on1").contains("Who is the 1:1 with"));
    assert!(problem("1on1 every 2 weeks").contains("Put @report before"));
    assert!(problem("1on1 ada every week").contains("`ada` isn't someone"));
    assert!(problem("1on1 <@U-1> every week").contains("`<@U-1>` isn't someone"));
    assert!(problem("1on1 @ada").contains("How often"));
    assert!(problem("1on1 @ada sometimes").contains("where `sometimes` is"));
    assert!(problem("1on1 @ada on tue 10:00").contains("where `on` is"));
    let every = |n: &str| DomainError::BadEveryWeeks(n.into()).to_string();
    assert_eq!(problem("1on1 @ada every 0 weeks"), every("0"));
    assert_eq!(problem("1on1 @ada every 13 weeks"), every("13"));
    assert_eq!(problem("1on1 @ada every 256 weeks"), every("256"));
    assert_eq!(
        problem("1on1 @ada every 99999999999999999999 weeks"),
        every("99999999999999999999")
    );
    assert_eq!(problem("1on1 @ada every 0w"), every("0"));
    assert!(problem("1on1 @ada every 0 weeks").contains("Use 1 to 12 weeks"));
    assert!(problem("1on1 @ada every x weeks").contains("`x` isn't a number of weeks"));
    assert!(problem("1on1 @ada every -1 weeks").contains("`-1` isn't a number of weeks"));
    assert!(problem("1on1 @ada every two").contains("Every two what?"));
    assert!(problem("1on1 @ada every 2 days").contains("not days"));
    assert!(problem("1on1 @ada every").contains("Every how many weeks"));
    assert!(problem("1on1 @ada every 2x").contains("Every 2x what?"));
    assert!(problem("1on1 @ada monthly").contains("every 4 weeks"));
    assert_eq!(
        problem("1on1 @ada every 2 weeks on frday 10:00"),
        DomainError::UnknownDay("frday".into()).to_string()
    );
    assert_eq!(
        problem("1on1 @ada every 2 weeks on tue 25:00"),
        DomainError::BadTime("25:00".into()).to_string()
    );
    assert_eq!(
        problem("1on1 @ada every 2 weeks on tue"),
        DomainError::BadWeeklyTime("tue".into()).to_string()
    );
    assert_eq!(
        problem("1on1 @ada every 2 weeks on mon,wed 10:00"),
        DomainError::NotOneDay("mon,wed".into()).to_string()
    );
    assert_eq!(
        problem("1on1 @ada every 2 weeks on tue 24:00"),
        DomainError::TimeAtEndOfDay("24:00".into()).to_string()
    );
    assert!(problem("1on1 @ada every 2 weeks on").contains("On which day and time"));
    assert!(problem("1on1 @ada every 2 weeks at 10:00").contains("On which day?"));
    assert!(problem("1on1 @ada weekly please").contains("`please` isn't a day"));
    let e = bad("1on1 @ada every 13 weeks");
    assert_eq!((e.usage, e.example), ONE_ON_ONE);
    assert!(e
        .to_string()
        .contains("for example: /officehours 1on1 @ada every 2 weeks on tue 10:00"));

    let e = bad("1on1 stop");
    assert!(e.problem.contains("Which report's 1:1s should stop"));
    assert_eq!((e.usage, e.example), ONE_ON_ONE_STOP);
    assert!(problem("1on1 stop @ada now").contains("`now`"));
    assert!(problem("1on1 stop ada").contains("`ada` isn't someone"));
    let e = bad("1on1 done ada");
    assert!(e.problem.contains("`ada` isn't someone"));
    assert_eq!((e.usage, e.example), ONE_ON_ONE_DONE);
    assert!(problem("1on1 done").contains("Which report's 1:1 is done"));
}

#[test]
fn reviews() {
    let review = |report: UserRef| Command::Review {
        report,
        date: date(2026, 9, 1),
    };
    assert_eq!(ok("review @ada on 2026-09-01"), review(user("ada")));
    assert_eq!(
        ok("REVIEW <@U1|ada>   2026-09-01"),
        review(labelled("U1", "ada"))
    );
    assert_eq!(
        ok("review <@U1|Ada L> for 2026-09-01"),
        review(labelled("U1", "Ada L"))
    );
    assert!(problem("review").contains("Whose review"));
    assert!(problem("review ada on 2026-09-01").contains("`ada` isn't someone"));
    assert!(problem("review @ada").contains("On which date"));
    assert!(problem("review @ada on").contains("On which date"));
    assert_eq!(
        problem("review @ada on 2026-02-30"),
        "`2026-02-30` has no day 30: February 2026 has 28 days."
    );
    assert_eq!(
        problem("review @ada on tomorrow"),
        DomainError::BadDate("tomorrow".into()).to_string()
    );
    assert!(problem("review @ada on 2026-09-01 please").contains("one date"));
    assert_eq!((bad("review").usage, bad("review").example), REVIEW);
}

#[test]
fn team_and_unknown_subcommands() {
    assert_eq!(ok("team"), Command::Team);
    assert_eq!(ok("/officehours TEAM"), Command::Team);
    let e = bad("team now");
    assert!(e.problem.contains("`now`"));
    assert_eq!((e.usage, e.example), TEAM);
    let e = bad("debrieff \"x\"");
    assert!(e.problem.contains("`debrieff`"));
    assert!(e
        .usage
        .contains("1on1 | debrief | review | conference | team"));
}

/// Deterministic fuzzing of the nudge grammar: every prefix, random tails, never a panic.
#[test]
fn nudge_garbage_never_panics() {
    const PREFIXES: &[&str] = &[
        "1on1",
        "1on1 @ada",
        "1on1 @ada every",
        "1on1 stop",
        "debrief",
        "debrief \"x\"",
        "review @ada",
        "conference",
        "conference leave",
        "team",
    ];
    const PIECES: &[&str] = &[
        " ",
        "\"",
        "'",
        "“",
        "’",
        "@",
        "@ada",
        "<@U1|a b>",
        "<@",
        ">",
        ",",
        "on",
        "with",
        "every",
        "week",
        "weeks",
        "w",
        "0",
        "2",
        "13",
        "other",
        "tue",
        "10:00",
        "24:00",
        "at",
        "2026-06-10",
        "2026-02-30",
        "..",
        "…",
        "–",
        "to",
        "-",
        "é",
        "✨",
        "\u{200b}",
        "and",
        "&amp;",
        "stop",
        "done",
        "list",
        "leave",
        "99999999999999999999",
    ];
    let mut next = xorshift(0x2545_F491_4F6C_DD1D);
    for _ in 0..20_000 {
        let prefix = PREFIXES[(next() % PREFIXES.len() as u64) as usize];
        let mut s = format!("{prefix} ");
        for _ in 0..next() % 10 {
            let r = next();
            if r % 7 == 0 {
                s.push(char::from_u32((r >> 8) as u32 % 0x11_0000).unwrap_or('?'));
            } else {
                s.push_str(PIECES[(r >> 8) as usize % PIECES.len()]);
            }
            if r % 3 == 0 {
                s.push(' ');
            }
        }
        if let Err(e) = parse(&s) {
            assert!(
                !e.problem.is_empty() && !e.usage.is_empty() && !e.example.is_empty(),
                "{s:?}"
            );
        }
    }
    let many: Vec<String> = (0..300).map(|i| format!("@p{i}")).collect();
    assert!(parse(&format!("debrief x on 2026-06-10 with {}", many.join(" "))).is_err());
}
