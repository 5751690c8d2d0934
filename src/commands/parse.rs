//! The `/officehours` grammar: slash-command text → [`Command`], or a friendly [`ParseError`].

use std::fmt;

use chrono::{NaiveDate, Weekday};

use crate::domain::conference::DateSpan;
use crate::domain::dates::parse_date;
use crate::domain::days::DaySet;
use crate::domain::duration::parse_duration;
use crate::domain::error::{shown, DomainError};
use crate::domain::time_of_day::TimeOfDay;
use crate::domain::topics::parse_topics;
use crate::domain::window::{parse_window, WeeklyWindow};
use crate::domain::zone::parse_zone;

// The nudge commands (1on1, debrief, review, conference, team) live in their
// own file so each stays readable; they share this file's helpers.
#[path = "parse_gatherings.rs"]
mod gatherings;
#[path = "parse_line.rs"]
mod line;
#[path = "parse_notify.rs"]
mod notify;
#[path = "parse_nudges.rs"]
mod nudges;

use gatherings::{CONFERENCE, CONFERENCE_LEAVE, CONFERENCE_LIST, DEBRIEF};
pub use gatherings::{MAX_DEBRIEF_PARTICIPANTS, MAX_NAME_CHARS};
pub use notify::{NotifyCommand, NotifyTarget};
use notify::{NOTIFY, NOTIFY_LIST, NOTIFY_OFF};
use nudges::{ONE_ON_ONE, ONE_ON_ONE_ACCEPT, ONE_ON_ONE_DONE, ONE_ON_ONE_STOP, REVIEW, TEAM};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRef {
    pub id: String,
    pub label: Option<String>,
}

impl UserRef {
    /// Could this be a Slack user id? Slack turns a real mention into one; a plain "@word" it
    /// could not resolve stays a word.
    pub fn looks_like_slack_id(&self) -> bool {
        let id = &self.id;
        id.len() >= 9
            && id.starts_with(['U', 'W'])
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    }
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

/// `/officehours 1on1 …`: a manager's cadence with one report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CadenceCommand {
    /// `on` is the meeting's day and local time in the manager's zone; None
    /// means "the same weekday and time as now".
    Set {
        report: UserRef,
        every_weeks: u8,
        on: Option<(Weekday, TimeOfDay)>,
    },
    Stop(UserRef),
    Done(UserRef),
    /// The report accepts the 1:1s with this manager after all (they had declined them).
    Accept(UserRef),
}

/// `/officehours conference …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConferenceCommand {
    /// `name` as typed (whitespace collapsed); match it with `conference_key`.
    Join {
        name: String,
        dates: DateSpan,
    },
    List,
    Leave(String),
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
    OneOnOne(CadenceCommand),
    /// 1 to 8 distinct participants, in the order mentioned.
    Debrief {
        project: String,
        date: NaiveDate,
        participants: Vec<UserRef>,
    },
    Review {
        report: UserRef,
        date: NaiveDate,
    },
    Conference(ConferenceCommand),
    Team,
    /// Everything the bot keeps about me, as a JSON file by DM.
    Export,
    /// Delete everything about me (after a confirmation button).
    ForgetMe,
    /// Show my office hours in my Slack status (OAuth).
    Connect,
    Disconnect,
    /// Away until the end of that date; `None` ends it.
    Away(Option<NaiveDate>),
    /// Mention hints on or off, in this channel or (`mine`) about me.
    Hints {
        on: bool,
        mine: bool,
    },
    /// My private calendar feed; `reset` makes a new address.
    Calendar {
        reset: bool,
    },
    /// "Tell me when": watch a person or a topic, list, or stop.
    Notify(NotifyCommand),
    /// Join a mentor's line (or hold the question for her next window).
    Ask {
        mentor: UserRef,
        topic: Option<String>,
    },
    /// Leave a mentor's line.
    AskCancel(UserRef),
    /// My line, as a mentor.
    Queue,
    /// Call the next person in my line.
    Next,
    /// My meeting link (https), or none.
    Link(Option<String>),
    /// I'm running late by this much: everyone waiting is told.
    Late(chrono::Duration),
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
    "/officehours [help | @user | add | remove | list | on | off | tz | find | ask | queue | next | link | notify | 1on1 | debrief | review | conference | team]",
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
const EXPORT: Form = ("/officehours export", "/officehours export");
const FORGET: Form = ("/officehours forget me", "/officehours forget me");
const CONNECT: Form = ("/officehours connect", "/officehours connect");
const DISCONNECT: Form = ("/officehours disconnect", "/officehours disconnect");
const AWAY: Form = (
    "/officehours away until <YYYY-MM-DD> | away off",
    "/officehours away until 2026-12-24",
);
const HINTS: Form = ("/officehours hints on|off [me]", "/officehours hints off");
const CALENDAR: Form = ("/officehours calendar [reset]", "/officehours calendar");

#[path = "parse_usage.rs"]
mod usage;
#[path = "parse_words.rs"]
mod words;
pub use usage::USAGE_LINES;
pub use words::COMMAND_WORDS;
use words::{join_meridiem, unknown_command};

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
            format!(
                "That's {length} characters, too long for a command (at most {MAX_INPUT_CHARS})."
            ),
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
        "1on1" | "1:1" | "1-on-1" | "one-on-one" | "oneonone" => nudges::one_on_one(rest),
        "debrief" | "retro" | "retrospective" => gatherings::debrief(rest),
        "review" => nudges::review(rest),
        "conference" | "conferences" | "conf" => gatherings::conference(rest),
        "team" => no_arguments(first, rest, Command::Team, &TEAM),
        "export" => no_arguments(first, rest, Command::Export, &EXPORT),
        "connect" => no_arguments(first, rest, Command::Connect, &CONNECT),
        "disconnect" => no_arguments(first, rest, Command::Disconnect, &DISCONNECT),
        "away" => away(rest),
        "notify" | "notifications" => notify::notify(rest),
        "hints" => hints(rest),
        "ask" => line::ask(rest),
        "queue" | "line" => no_arguments(first, rest, Command::Queue, &line::QUEUE),
        "next" => no_arguments(first, rest, Command::Next, &line::NEXT),
        "link" => line::link(rest),
        "late" => line::late(rest),
        "calendar" | "ics" => match rest {
            [] => Ok(Command::Calendar { reset: false }),
            [reset] if reset.eq_ignore_ascii_case("reset") => Ok(Command::Calendar { reset: true }),
            _ => Err(fail(
                format!(
                    "`{}` after `calendar` isn't something I know.",
                    shown(&rest.join(" "))
                ),
                &CALENDAR,
            )),
        },
        "forget" => match rest {
            [me] if me.eq_ignore_ascii_case("me") => Ok(Command::ForgetMe),
            _ => Err(fail(
                "To delete everything I keep about you, type `forget me`.",
                &FORGET,
            )),
        },
        _ if DaySet::parse(first).is_ok() => Err(fail(
            format!(
                "I don't know the command `{}`. To add a window, start with `add`.",
                shown(first)
            ),
            &ADD,
        )),
        _ => Err(fail(unknown_command(first), &OVERVIEW)),
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

/// How many tokens the mention at the front of `tokens` spans: a Slack label
/// could contain spaces, splitting `<@U1|a b>` across tokens.
fn mention_len(tokens: &[&str]) -> usize {
    match tokens.first() {
        Some(t) if t.starts_with('<') && !t.contains('>') => tokens
            .iter()
            .position(|t| t.contains('>'))
            .map_or(tokens.len(), |i| i + 1),
        _ => 1,
    }
}

fn lookup(tokens: &[&str]) -> Result<Command, ParseError> {
    let used = mention_len(tokens);
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
    let joined = join_meridiem(rest);
    let rest: Vec<&str> = joined.iter().map(String::as_str).collect();
    let rest = rest.as_slice();
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

fn away(rest: &[&str]) -> Result<Command, ParseError> {
    match rest {
        [off] if off.eq_ignore_ascii_case("off") || off.eq_ignore_ascii_case("back") => {
            Ok(Command::Away(None))
        }
        [until, date] if until.eq_ignore_ascii_case("until") => parse_date(date)
            .map(|d| Command::Away(Some(d)))
            .map_err(|e| domain(e, &AWAY)),
        _ => Err(fail(
            "Say until when, e.g. `away until 2026-12-24`, or `away off`.",
            &AWAY,
        )),
    }
}

fn hints(rest: &[&str]) -> Result<Command, ParseError> {
    match rest {
        [state] | [state, _] if !matches!(state.to_lowercase().as_str(), "on" | "off") => {
            Err(fail(
                format!("`{}` should be `on` or `off`.", shown(state)),
                &HINTS,
            ))
        }
        [state] => Ok(Command::Hints {
            on: state.eq_ignore_ascii_case("on"),
            mine: false,
        }),
        [state, me] if me.eq_ignore_ascii_case("me") => Ok(Command::Hints {
            on: state.eq_ignore_ascii_case("on"),
            mine: true,
        }),
        _ => Err(fail(
            "Use `hints on`, `hints off`, or add `me` for hints about you anywhere.",
            &HINTS,
        )),
    }
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
#[path = "parse_test_helpers.rs"]
pub(crate) mod test_helpers;

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
