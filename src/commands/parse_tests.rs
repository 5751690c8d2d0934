//! Tests for the original `/officehours` grammar: windows, presence, lookups and zones.

use super::*;
use crate::commands::parse::test_helpers::{bad, ok, xorshift};

fn add_label(s: &str) -> (String, Vec<String>) {
    match ok(s) {
        Command::Add { window, topics } => (window.label(), topics),
        other => panic!("{s:?} gave {other:?}"),
    }
}

fn user(id: &str, label: Option<&str>) -> Command {
    Command::Lookup(UserRef {
        id: id.into(),
        label: label.map(Into::into),
    })
}

fn minutes(m: i64) -> Command {
    Command::On(OnSpec::For(chrono::Duration::minutes(m)))
}

#[test]
fn simple_commands() {
    assert_eq!(ok(""), Command::Overview);
    assert_eq!(ok("  \u{a0} "), Command::Overview);
    assert_eq!(ok("help"), Command::Help);
    assert_eq!(ok("HELP me"), Command::Help);
    assert_eq!(ok("list"), Command::List);
    assert_eq!(ok("off"), Command::Off);
    assert_eq!(ok("/officehours list"), Command::List);
    assert_eq!(ok("remove 2"), Command::Remove(RemoveTarget::Number(2)));
    assert_eq!(ok("delete #3"), Command::Remove(RemoveTarget::Number(3)));
    assert_eq!(ok("rm ALL"), Command::Remove(RemoveTarget::All));
    assert_eq!(ok("find  Rust  Async "), Command::Find("rust async".into()));
    assert_eq!(ok("search “career”"), Command::Find("career".into()));
}

#[test]
fn lookups() {
    assert_eq!(ok("<@U024BE7LH|bob>"), user("U024BE7LH", Some("bob")));
    assert_eq!(ok("<@U024BE7LH>"), user("U024BE7LH", None));
    assert_eq!(
        ok("<@U024BE7LH|bob smith>"),
        user("U024BE7LH", Some("bob smith"))
    );
    assert_eq!(ok("@bob"), user("bob", None));
    assert_eq!(ok("@bob?"), user("bob", None));
    assert_eq!(ok("who <@W1>"), user("W1", None));
    assert_eq!(ok("lookup @ada.l"), user("ada.l", None));
    assert!(bad("@bob extra words").problem.contains("`extra words`"));
    assert!(bad("<@U1|bob> hi").problem.contains("`hi`"));
    assert!(bad("@").problem.contains("isn't someone"));
    assert!(bad("<@>").problem.contains("isn't someone"));
    assert!(bad("<@U1|bob").problem.contains("isn't someone"));
    assert!(bad("<@U-1>").problem.contains("isn't someone"));
    assert_eq!(bad("who").usage, "/officehours @user");
}

#[test]
fn add_forms() {
    let window = |s: &str| add_label(s).0;
    assert_eq!(window("add tue 10:00-11:00"), "Tue 10:00–11:00");
    assert_eq!(window("ADD Tue,Thu 2pm–3pm"), "Tue, Thu 14:00–15:00");
    assert_eq!(window("add mon, wed 10:00 - 11:00"), "Mon, Wed 10:00–11:00");
    assert_eq!(window("add mon ,wed 10am to 11am"), "Mon, Wed 10:00–11:00");
    assert_eq!(window("add weekdays 10 am - 11 am"), "Weekdays 10:00–11:00");
    assert_eq!(window("add daily 22:00-01:00"), "Daily 22:00–01:00");
    assert_eq!(window("add fri 10:00 -11:00"), "Fri 10:00–11:00");
    assert_eq!(window("add fri 10:00- 11:00"), "Fri 10:00–11:00");
    assert_eq!(window("add sat 9-5pm"), "Sat 09:00–17:00");
    assert_eq!(window("add\u{a0}sun\u{a0}10-11am"), "Sun 10:00–11:00");
    let (_, topics) = add_label("add tue 10:00-11:00 career,  rust ,, system   design");
    assert_eq!(topics, ["career", "rust", "system design"]);
    assert_eq!(
        add_label("add tue 10:00-11:00 “career, rust”").1,
        ["career", "rust"]
    );
    assert_eq!(add_label("add tue 10:00-11:00").1, Vec::<String>::new());
    assert_eq!(add_label("add tue 10:00-11:00 q&amp;a").1, ["q&amp;a"]);
}

#[test]
fn add_errors_name_the_bad_piece() {
    let p = |s: &str| bad(s).problem;
    assert_eq!(
        p("add frday 10:00-11:00"),
        DomainError::UnknownDay("frday".into()).to_string()
    );
    assert_eq!(
        p("add tue 10:00-25:00"),
        DomainError::BadTime("25:00".into()).to_string()
    );
    assert_eq!(
        p("add tue 10:00-10:00"),
        DomainError::EmptyRange.to_string()
    );
    assert_eq!(
        p("add tue 10:00"),
        DomainError::MissingEnd("10:00".into()).to_string()
    );
    assert!(p("add tue").contains("needs a time"));
    assert!(p("add").contains("Which days"));
    assert!(p("add 10:00-11:00 tue").contains("Put the days first"));
    assert!(p("add mon wed 10-11").contains("Separate days with commas"));
    assert!(p("add tue career").contains("`career` isn't a time range"));
    assert!(p("add tue 99999999999999999999-1").contains("isn't a time of day"));
    assert!(p("add 星期二 10-11").contains("`星期二` isn't a day"));
    assert!(p(&format!("add tue 10-11 {}", "x".repeat(41))).contains("too long"));
    let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    assert!(p(&format!("add tue 10-11 {}", eleven.join(","))).contains("11 topics"));
    let e = bad("add tue 10:00-25:00");
    assert_eq!((e.usage, e.example), ADD);
}

#[test]
fn remove_errors() {
    assert!(bad("remove 0").problem.contains("no window 0"));
    assert!(bad("remove").problem.contains("Which window"));
    assert!(bad("remove two")
        .problem
        .contains("`two` isn't a window number"));
    assert!(bad("remove -1").problem.contains("isn't a window number"));
    assert!(bad("remove 1 2").problem.contains("one window at a time"));
    assert!(bad("remove 99999999999999999999999999")
        .problem
        .contains("There's no window"));
    assert!(bad("remove #").problem.contains("isn't a window number"));
    assert!(bad("remove ١").problem.contains("isn't a window number"));
}

#[test]
fn on_and_off() {
    assert_eq!(ok("on"), Command::On(OnSpec::UntilEndOfDay));
    assert_eq!(ok("on for 2h"), minutes(120));
    assert_eq!(ok("on for 2 hours"), minutes(120));
    assert_eq!(ok("on 2h"), minutes(120));
    assert_eq!(ok("on 1h 30m"), minutes(90));
    assert_eq!(
        ok("on until 17:00"),
        Command::On(OnSpec::Until(TimeOfDay::hm(17, 0).unwrap()))
    );
    assert_eq!(
        ok("on until 5pm"),
        Command::On(OnSpec::Until(TimeOfDay::hm(17, 0).unwrap()))
    );
    assert_eq!(
        ok("on till 5 pm"),
        Command::On(OnSpec::Until(TimeOfDay::hm(17, 0).unwrap()))
    );
    assert_eq!(
        ok("on until end of day"),
        Command::On(OnSpec::UntilEndOfDay)
    );
    assert_eq!(
        bad("on for 0m").problem,
        DomainError::ZeroDuration("0m".into()).to_string()
    );
    assert_eq!(
        bad("on for 31d").problem,
        DomainError::DurationTooLong("31d".into()).to_string()
    );
    assert!(bad("on for 99999999999999999999h")
        .problem
        .contains("longer than"));
    assert!(bad("on for").problem.contains("For how long"));
    assert!(bad("on until").problem.contains("Until when"));
    assert_eq!(
        bad("on until 25:00").problem,
        DomainError::BadTime("25:00".into()).to_string()
    );
    assert!(bad("on 17:00").problem.contains("on until 17:00"));
    assert!(bad("on banana").problem.contains("`banana`"));
    assert!(bad("on 5").problem.contains("`5` isn't a duration"));
    assert!(bad("off now").problem.contains("`now`"));
    assert!(bad("list all").problem.contains("`all`"));
}

#[test]
fn time_zones() {
    assert_eq!(
        ok("tz Europe/Berlin"),
        Command::Tz(ZoneChoice::Zone(chrono_tz::Europe::Berlin))
    );
    assert_eq!(
        ok("timezone america/new york"),
        Command::Tz(ZoneChoice::Zone(chrono_tz::America::New_York))
    );
    assert_eq!(
        ok("tz ‘UTC’"),
        Command::Tz(ZoneChoice::Zone(chrono_tz::Tz::UTC))
    );
    assert_eq!(ok("tz auto"), Command::Tz(ZoneChoice::Auto));
    assert_eq!(ok("TZ AUTO"), Command::Tz(ZoneChoice::Auto));
    let e = bad("tz");
    assert_eq!(e.usage, "/officehours tz <IANA zone>");
    assert!(e.problem.contains("Which time zone"));
    assert_eq!(
        bad("tz Europe/Berln").problem,
        "`Europe/Berln` isn't a time zone I know. Did you mean Europe/Berlin?"
    );
}

#[test]
fn unknown_commands() {
    let e = bad("banana");
    assert_eq!(e.problem, "I don't know the command `banana`.");
    assert_eq!(e.usage, OVERVIEW.0);
    assert!(bad("tue 10:00-11:00").problem.contains("start with `add`"));
    assert!(bad("find").problem.contains("Which topic"));
    assert!(bad("find \"\"").problem.contains("Which topic"));
    assert!(bad(&format!("find {}", "a".repeat(101)))
        .problem
        .contains("too long"));
    assert!(bad(&"x ".repeat(600)).problem.contains("too long"));
    assert_eq!(bad("`rm -rf`").problem, "I don't know the command `'rm`.");
    assert!(bad("ｈｅｌｐ").problem.contains("don't know"));
}

#[test]
fn export_and_forget_me() {
    assert_eq!(ok("export"), Command::Export);
    assert_eq!(ok("forget me"), Command::ForgetMe);
    assert_eq!(ok("Forget ME"), Command::ForgetMe);
    assert!(bad("forget").problem.contains("forget me"));
    assert!(bad("forget everyone").problem.contains("forget me"));
    assert!(bad("export all").problem.contains("takes nothing"));
}

#[test]
fn presence_commands() {
    assert_eq!(ok("connect"), Command::Connect);
    assert_eq!(ok("disconnect"), Command::Disconnect);
    assert_eq!(ok("away off"), Command::Away(None));
    assert_eq!(
        ok("away until 2026-12-24"),
        Command::Away(chrono::NaiveDate::from_ymd_opt(2026, 12, 24))
    );
    assert!(bad("away until 2026-02-30").problem.contains("30"));
    assert!(bad("away").problem.contains("until"));
    assert_eq!(
        ok("hints off"),
        Command::Hints {
            on: false,
            mine: false
        }
    );
    assert_eq!(
        ok("hints ON me"),
        Command::Hints {
            on: true,
            mine: true
        }
    );
    assert!(bad("hints maybe").problem.contains("`maybe`"));
    assert_eq!(ok("calendar"), Command::Calendar { reset: false });
    assert_eq!(ok("calendar reset"), Command::Calendar { reset: true });
    assert!(bad("calendar please").problem.contains("please"));
}

#[test]
fn usage_lines_follow_the_grammar() {
    // The original ten, the nudges and presence (27), notify's three, then Drop in's six.
    assert_eq!(USAGE_LINES.len(), 36);
    assert_eq!(USAGE_LINES[0].0, "/officehours");
    assert_eq!(USAGE_LINES[3].0, ADD.0);
    // The nudge forms follow the original ten, in the order the issue lists them; the report's
    // `accept` right after the manager's 1:1 forms.
    assert_eq!(USAGE_LINES[10].0, nudges::ONE_ON_ONE.0);
    assert_eq!(USAGE_LINES[13].0, nudges::ONE_ON_ONE_ACCEPT.0);
    assert_eq!(USAGE_LINES[19].0, "/officehours team");
    assert_eq!(USAGE_LINES[21].0, "/officehours forget me");
    assert!(USAGE_LINES
        .iter()
        .all(|(form, what)| form.starts_with("/officehours") && !what.is_empty()));
}

/// Deterministic fuzzing: the parser must answer every input without panicking.
#[test]
fn garbage_never_panics() {
    const PIECES: &[&str] = &[
        "add",
        "on",
        "for",
        "until",
        "tz",
        "remove",
        "find",
        "who",
        "list",
        "off",
        "help",
        "@",
        "<@",
        "|",
        ">",
        "<",
        "-",
        "–",
        " to ",
        ":",
        "am",
        "pm",
        "0",
        "9",
        "12",
        "24",
        "60",
        "#",
        "99999999999999999999",
        ",",
        " ",
        "  ",
        "\u{a0}",
        "\u{200b}",
        "é",
        "✨",
        "𝕏",
        "İ",
        "ß",
        "“",
        "”",
        "`",
        "all",
        "mon",
        "fri-mon",
        "weekdays",
        "2h",
        "0m",
        "1.5",
        "d",
        "Europe/",
        "Berlin",
        "\n",
        "\t",
        "\u{0}",
        "\u{202e}",
        "ﷺ",
        "a",
        ".",
        "-0",
        "+",
        "1on1",
        "1:1",
        "every",
        "week",
        "weeks",
        "biweekly",
        "stop",
        "done",
        "debrief",
        "with",
        "review",
        "conference",
        "leave",
        "team",
        "\"",
        "'",
        "2026-06-10",
        "2026-02-30",
        "..",
        "…",
        "@ada",
        "<@U1|a b>",
        "<@W2>,",
        "13",
        "tue",
    ];
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let len = (next() % 12) as usize;
        let mut s = String::new();
        for _ in 0..len {
            let r = next();
            if r % 5 == 0 {
                s.push(char::from_u32((r >> 8) as u32 % 0x11_0000).unwrap_or('?'));
            } else {
                s.push_str(PIECES[(r >> 8) as usize % PIECES.len()]);
            }
        }
        if let Err(e) = parse(&s) {
            assert!(!e.problem.is_empty() && !e.usage.is_empty(), "{s:?}");
        }
    }
    assert!(parse(&"add tue 10-11 ".repeat(10_000)).is_err());
    assert!(parse(&"é".repeat(100_000)).is_err());
}
