//! The `/officehours` grammar: slash-command text → [`Command`], or a friendly [`ParseError`].

use std::fmt;

use crate::domain::days::DaySet;
use crate::domain::duration::parse_duration;
use crate::domain::error::{shown, DomainError};
use crate::domain::time_of_day::TimeOfDay;
use crate::domain::topics::parse_topics;
use crate::domain::window::{parse_window, WeeklyWindow};
use crate::domain::zone::parse_zone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRef {
    pub id: String,
    pub label: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OnSpec {
    UntilEndOfDay,
    For(chrono::Duration),
    Until(TimeOfDay),
}

#[derive(Clone, Debug, PartialEq)]
pub enum RemoveTarget {
    Number(usize),
    All,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ZoneChoice {
    Auto,
    Zone(chrono_tz::Tz),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Overview,
    Help,
    Lookup(UserRef),
    Add {
        window: WeeklyWindow,
        topics: Vec<String>,
    },
    Remove(RemoveTarget),
    List,
    On(OnSpec),
    Off,
    Tz(ZoneChoice),
    Find(String),
}

/// What went wrong, the form that works, and an example to copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub problem: String,
    pub usage: &'static str,
    pub example: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} Usage: {} (for example: {})",
            self.problem, self.usage, self.example
        )
    }
}

impl std::error::Error for ParseError {}

/// (usage, example) for one command.
type Form = (&'static str, &'static str);

const OVERVIEW: Form = (
    "/officehours [help | @user | add | remove | list | on | off | tz | find]",
    "/officehours help",
);
const LOOKUP: Form = ("/officehours @user", "/officehours @ada");
const ADD: Form = (
    "/officehours add <days> <start>-<end> [topics]",
    "/officehours add tue,thu 14:00-15:00 career, rust",
);
const REMOVE: Form = ("/officehours remove <n|all>", "/officehours remove 2");
const LIST: Form = ("/officehours list", "/officehours list");
const ON: Form = (
    "/officehours on [for 2h | until 17:00]",
    "/officehours on for 2h",
);
const OFF: Form = ("/officehours off", "/officehours off");
const TZ: Form = (
    "/officehours tz <IANA zone>",
    "/officehours tz Europe/Berlin",
);
const FIND: Form = ("/officehours find <topic>", "/officehours find rust");

/// (form, what it does), in the order help shows them.
pub const USAGE_LINES: &[(&str, &str)] = &[
    ("/officehours", "who is open now, then the next windows"),
    ("/officehours help", "this help"),
    (
        "/officehours @user",
        "that person's hours, state and next window",
    ),
    (
        "/officehours add <days> <start>-<end> [topics]",
        "add a weekly window; days: mon,tue,… | weekdays | daily; times 14:00, 2pm, 9:30am",
    ),
    (
        "/officehours remove <n|all>",
        "remove window n from your list, or all of them",
    ),
    ("/officehours list", "my windows, numbered"),
    (
        "/officehours on [for 2h | until 17:00]",
        "open now, until the end of the day unless you say otherwise",
    ),
    ("/officehours off", "closed now"),
    (
        "/officehours tz <IANA zone>",
        "my time zone, e.g. Europe/Berlin; \"tz auto\" returns to the Slack profile zone",
    ),
    ("/officehours find <topic>", "who mentors on a topic"),
];

/// Slack's limit is far above anything this grammar needs; past this it's a paste accident.
const MAX_INPUT_CHARS: usize = 1000;
const MAX_FIND_CHARS: usize = 100;

fn fail(problem: impl Into<String>, (usage, example): &Form) -> ParseError {
    ParseError {
        problem: problem.into(),
        usage,
        example,
    }
}

fn domain(err: DomainError, form: &Form) -> ParseError {
    fail(err.to_string(), form)
}

/// Parses the text after `/officehours`. Never panics, whatever the input.
pub fn parse(text: &str) -> Result<Command, ParseError> {
    let text = normalize(text);
    let length = text.chars().count();
    if length > MAX_INPUT_CHARS {
        return Err(fail(
            format!("That's {length} characters, too long for a command."),
            &OVERVIEW,
        ));
    }
    let all: Vec<&str> = text.split_whitespace().collect();
    // The terminal shell may pass the whole line, command name included.
    let tokens = match all.split_first() {
        Some((first, rest)) if first.eq_ignore_ascii_case("/officehours") => rest,
        _ => &all[..],
    };
    let Some((&first, rest)) = tokens.split_first() else {
        return Ok(Command::Overview);
    };
    if first.starts_with("<@") || first.starts_with('@') {
        return lookup(tokens);
    }
    match first.to_lowercase().as_str() {
        "help" | "?" | "-h" | "--help" => Ok(Command::Help),
        "lookup" | "who" => match rest {
            [] => Err(fail("Who should I look up? Mention them with @.", &LOOKUP)),
            _ => lookup(rest),
        },
        "add" => add(rest),
        "remove" | "delete" | "rm" => remove(rest),
        "list" => no_arguments(first, rest, Command::List, &LIST),
        "on" => on(rest),
        "off" => no_arguments(first, rest, Command::Off, &OFF),
        "tz" | "timezone" => tz(rest),
        "find" | "search" => find(rest),
        _ if DaySet::parse(first).is_ok() => Err(fail(
            format!(
                "I don't know the command `{}`. To add a window, start with `add`.",
                shown(first)
            ),
            &ADD,
        )),
        _ => Err(fail(
            format!("I don't know the command `{}`.", shown(first)),
            &OVERVIEW,
        )),
    }
}

/// Slack and phones bring non-breaking spaces, zero-width joiners and smart
/// quotes; none of them should change what a command means.
fn normalize(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' => None,
            '“' | '”' | '„' | '″' => Some('"'),
            '‘' | '’' | '‚' | '′' => Some('\''),
            c if c.is_whitespace() || c.is_control() => Some(' '),
            c => Some(c),
        })
        .collect()
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches(['"', '\'']).trim()
}

fn no_arguments(
    word: &str,
    rest: &[&str],
    command: Command,
    form: &Form,
) -> Result<Command, ParseError> {
    match rest {
        [] => Ok(command),
        _ => Err(fail(
            format!(
                "`{}` takes nothing after it, so I don't know what `{}` means.",
                shown(word),
                shown(&rest.join(" "))
            ),
            form,
        )),
    }
}

fn lookup(tokens: &[&str]) -> Result<Command, ParseError> {
    // A Slack label could contain spaces, splitting `<@U1|a b>` across tokens.
    let used = match tokens.first() {
        Some(t) if t.starts_with('<') && !t.contains('>') => tokens
            .iter()
            .position(|t| t.contains('>'))
            .map_or(tokens.len(), |i| i + 1),
        _ => 1,
    };
    let mention = tokens[..used.min(tokens.len())].join(" ");
    let user = parse_user(&mention)?;
    match &tokens[used.min(tokens.len())..] {
        [] => Ok(Command::Lookup(user)),
        extra => Err(fail(
            format!(
                "`{}` should stand alone; I don't know what to do with `{}`.",
                shown(&mention),
                shown(&extra.join(" "))
            ),
            &LOOKUP,
        )),
    }
}

fn parse_user(mention: &str) -> Result<UserRef, ParseError> {
    if let Some(inner) = mention.strip_prefix("<@").and_then(|m| m.strip_suffix('>')) {
        let (id, label) = match inner.split_once('|') {
            Some((id, label)) => (id, Some(label.trim()).filter(|l| !l.is_empty())),
            None => (inner, None),
        };
        if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(UserRef {
                id: id.to_string(),
                label: label.map(str::to_string),
            });
        }
    } else if let Some(name) = mention.strip_prefix('@') {
        let name = name.trim_end_matches([',', '.', '?', '!', ':']);
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_');
        if !name.is_empty() && name.chars().count() <= 80 && name.chars().all(allowed) {
            return Ok(UserRef {
                id: name.to_string(),
                label: None,
            });
        }
    }
    Err(fail(
        format!(
            "`{}` isn't someone I can look up. Mention them with @, like @ada.",
            shown(mention)
        ),
        &LOOKUP,
    ))
}

fn add(rest: &[&str]) -> Result<Command, ParseError> {
    let (window, used) = parse_window(rest).map_err(|e| domain(e, &ADD))?;
    let topics_text = rest[used..].join(" ");
    let topics = parse_topics(unquote(&topics_text)).map_err(|e| domain(e, &ADD))?;
    Ok(Command::Add { window, topics })
}

fn remove(rest: &[&str]) -> Result<Command, ParseError> {
    let arg = match rest {
        [] => {
            return Err(fail(
                "Which window? Give its number from /officehours list, or `all`.",
                &REMOVE,
            ))
        }
        [one] => *one,
        _ => {
            return Err(fail(
                format!(
                    "Remove one window at a time; `{}` is more than a number.",
                    shown(&rest.join(" "))
                ),
                &REMOVE,
            ))
        }
    };
    if arg.eq_ignore_ascii_case("all") {
        return Ok(Command::Remove(RemoveTarget::All));
    }
    let digits = arg.strip_prefix('#').unwrap_or(arg);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(
            format!(
                "`{}` isn't a window number. Use a number from /officehours list, or `all`.",
                shown(arg)
            ),
            &REMOVE,
        ));
    }
    match digits.parse::<usize>() {
        Ok(0) => Err(fail("There's no window 0; the list starts at 1.", &REMOVE)),
        Ok(n) if n <= 9999 => Ok(Command::Remove(RemoveTarget::Number(n))),
        _ => Err(fail(
            format!(
                "There's no window `{}`. Use a number from /officehours list.",
                shown(arg)
            ),
            &REMOVE,
        )),
    }
}

fn on(rest: &[&str]) -> Result<Command, ParseError> {
    let open = |spec| Ok(Command::On(spec));
    let tail = rest.get(1..).unwrap_or_default().join(" ");
    let end_of_day = ["eod", "end of day", "end of the day", "the end of the day"]
        .iter()
        .any(|w| tail.eq_ignore_ascii_case(w));
    match rest.first().map(|w| w.to_lowercase()).as_deref() {
        None => open(OnSpec::UntilEndOfDay),
        Some("for") if tail.is_empty() => {
            Err(fail("For how long? Say something like `on for 2h`.", &ON))
        }
        Some("for") => parse_duration(&tail)
            .map_err(|e| domain(e, &ON))
            .and_then(|d| open(OnSpec::For(d))),
        Some("until" | "till" | "til") if tail.is_empty() => Err(fail(
            "Until when? Say something like `on until 17:00`.",
            &ON,
        )),
        Some("until" | "till" | "til") if end_of_day => open(OnSpec::UntilEndOfDay),
        Some("until" | "till" | "til") => TimeOfDay::parse(&tail)
            .map_err(|e| domain(e, &ON))
            .and_then(|t| open(OnSpec::Until(t))),
        Some(_) => on_without_keyword(&rest.join(" ")),
    }
}

/// "on 2h" is fine; "on 17:00" most likely meant "until".
fn on_without_keyword(text: &str) -> Result<Command, ParseError> {
    let err = match parse_duration(text) {
        Ok(d) => return Ok(Command::On(OnSpec::For(d))),
        Err(e) => e,
    };
    let problem = if !text.bytes().all(|b| b.is_ascii_digit()) && TimeOfDay::parse(text).is_ok() {
        format!(
            "Did you mean `on until {}`? Say `until` to stay open until a time.",
            shown(text)
        )
    } else if text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        err.to_string()
    } else {
        format!(
            "I don't understand `{}` after `on`. Use on, on for 2h or on until 17:00.",
            shown(text)
        )
    };
    Err(fail(problem, &ON))
}

fn tz(rest: &[&str]) -> Result<Command, ParseError> {
    let joined = rest.join(" ");
    let zone = unquote(&joined);
    if zone.is_empty() {
        return Err(fail(
            "Which time zone? Use an IANA name like Europe/Berlin, or `auto` for your Slack profile's zone.",
            &TZ,
        ));
    }
    if ["auto", "default", "reset"]
        .iter()
        .any(|w| zone.eq_ignore_ascii_case(w))
    {
        return Ok(Command::Tz(ZoneChoice::Auto));
    }
    parse_zone(zone)
        .map(|z| Command::Tz(ZoneChoice::Zone(z)))
        .map_err(|e| domain(e, &TZ))
}

fn find(rest: &[&str]) -> Result<Command, ParseError> {
    let joined = rest.join(" ");
    let topic = unquote(&joined).to_lowercase();
    if topic.is_empty() {
        return Err(fail("Which topic should I look for?", &FIND));
    }
    if topic.chars().count() > MAX_FIND_CHARS {
        return Err(fail(
            "That topic is too long to search for; a word or two works best.",
            &FIND,
        ));
    }
    Ok(Command::Find(topic))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Command {
        parse(s).unwrap_or_else(|e| panic!("{s:?} failed: {e}"))
    }

    fn bad(s: &str) -> ParseError {
        match parse(s) {
            Err(e) => e,
            Ok(c) => panic!("{s:?} parsed as {c:?}"),
        }
    }

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
    fn usage_lines_follow_the_grammar() {
        assert_eq!(USAGE_LINES.len(), 10);
        assert_eq!(USAGE_LINES[0].0, "/officehours");
        assert_eq!(USAGE_LINES[3].0, ADD.0);
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
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
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
}
