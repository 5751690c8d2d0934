//! Fuzz entry points: arbitrary bytes in, a panic out when a property breaks. `fuzz/` runs them
//! under libFuzzer (cargo-fuzz) and `tests/fuzz_corpus.rs` replays the committed corpus on stable.
//! The signature check's entry point is the Slack adapter's own (`slack::fuzz`).

use chrono::Duration;

use crate::commands::parse::{
    parse, CadenceCommand, Command, ConferenceCommand, NotifyCommand, NotifyTarget, OnSpec,
    RemoveTarget, UserRef, ZoneChoice, MAX_DEBRIEF_PARTICIPANTS, MAX_NAME_CHARS,
};
use crate::domain::cadence::MAX_EVERY_WEEKS;
use crate::domain::conference::{conference_key, MAX_SPAN_DAYS};
use crate::domain::duration::MAX_DURATION_SECONDS;
use crate::domain::topics::{MAX_TOPICS, MAX_TOPIC_CHARS};
use crate::domain::{
    duration_label, parse_date, parse_duration, parse_lead, parse_range, parse_weekly_time,
    weekday_name, DateSpan, DaySet, DomainError, TimeOfDay,
};

/// Quotes that `unquote` trims from both ends of a topic or search text.
const QUOTES: [char; 2] = ['"', '\''];
/// No reply to a typo should be an essay; `shown` keeps echoed input to 40 characters.
const MAX_PROBLEM_CHARS: usize = 400;

// ---------------------------------------------------------------------------------------------
// The command parser

/// `parse` never panics; errors say something, keep Slack's backticks balanced and carry an
/// example that itself parses; what it accepts is within the domain's limits and, where a
/// canonical spelling exists, reads back the same from it.
pub fn command_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse(&text) {
        Ok(command) => {
            check_command(&command);
            if let Some(canonical) = canonical(&command) {
                assert_eq!(
                    parse(&canonical),
                    Ok(command),
                    "{text:?} does not read back from {canonical:?}"
                );
            }
        }
        Err(err) => {
            check_message(&err.problem);
            assert!(err.usage.starts_with("/officehours"), "{err:?}");
            assert!(
                parse(err.example).is_ok(),
                "the example {:?} in the answer to {text:?} does not parse",
                err.example
            );
        }
    }
}

/// A message a person reads in Slack: not empty, one line, no unbalanced code span, short.
fn check_message(message: &str) {
    assert!(!message.trim().is_empty(), "empty message");
    assert!(
        !message.chars().any(char::is_control),
        "control character in {message:?}"
    );
    assert!(
        message.matches('`').count() % 2 == 0,
        "unbalanced backticks in {message:?}"
    );
    assert!(
        message.chars().count() <= MAX_PROBLEM_CHARS,
        "{} characters: {message:?}",
        message.chars().count()
    );
}

fn check_user(user: &UserRef) {
    assert!(!user.id.is_empty(), "{user:?}");
    assert!(!user.id.contains(char::is_whitespace), "{user:?}");
    if let Some(label) = &user.label {
        assert!(!label.is_empty() && label.trim() == label, "{user:?}");
    }
}

fn check_command(command: &Command) {
    match command {
        Command::Lookup(user)
        | Command::Review { report: user, .. }
        | Command::OneOnOne(
            CadenceCommand::Stop(user)
            | CadenceCommand::Done(user)
            | CadenceCommand::Set { report: user, .. },
        ) => check_user(user),
        _ => {}
    }
    match command {
        Command::Add { window, topics } => {
            let (start, end) = (window.range.start.minutes(), window.range.end.minutes());
            assert!(!window.days.is_empty(), "{window:?}");
            assert!(start < 1440 && end <= 1440 && start != end, "{window:?}");
            assert!(
                (1..=1440).contains(&window.range.len_minutes()),
                "{window:?}"
            );
            assert!(topics.len() <= MAX_TOPICS, "{topics:?}");
            for topic in topics {
                assert!(!topic.is_empty() && topic.trim() == topic, "{topics:?}");
                assert!(topic.chars().count() <= MAX_TOPIC_CHARS, "{topics:?}");
            }
        }
        Command::Remove(RemoveTarget::Number(n)) => assert!((1..=9999).contains(n), "{n}"),
        Command::On(OnSpec::For(d)) => {
            assert!(*d > Duration::zero(), "{d:?}");
            assert!(d.num_seconds() <= MAX_DURATION_SECONDS as i64, "{d:?}");
        }
        Command::On(OnSpec::Until(t)) => assert!(t.minutes() <= 1440, "{t:?}"),
        Command::Find(topic) => {
            assert!(
                !topic.is_empty() && topic.chars().count() <= 100,
                "{topic:?}"
            );
        }
        Command::OneOnOne(CadenceCommand::Set {
            every_weeks, on, ..
        }) => {
            assert!((1..=MAX_EVERY_WEEKS).contains(every_weeks), "{every_weeks}");
            if let Some((_, at)) = on {
                assert!(at.minutes() < 1440, "{at:?}");
            }
        }
        Command::Debrief {
            project,
            participants,
            ..
        } => {
            check_name(project);
            assert!(
                (1..=MAX_DEBRIEF_PARTICIPANTS).contains(&participants.len()),
                "{participants:?}"
            );
            for (i, p) in participants.iter().enumerate() {
                check_user(p);
                assert!(
                    !participants[..i]
                        .iter()
                        .any(|q| q.id.eq_ignore_ascii_case(&p.id)),
                    "{participants:?}"
                );
            }
        }
        Command::Conference(ConferenceCommand::Join { name, dates }) => {
            check_name(name);
            assert!((1..=MAX_SPAN_DAYS).contains(&dates.days()), "{dates:?}");
        }
        Command::Conference(ConferenceCommand::Leave(name)) => check_name(name),
        _ => {}
    }
}

/// `canonical` for Drop in's commands.
fn line_form(command: &Command) -> Option<String> {
    Some(match command {
        Command::Ask {
            mentor,
            topic: None,
        } => format!("ask {}", mention(mentor)),
        Command::Ask {
            mentor,
            topic: Some(topic),
        } => {
            if topic.starts_with(QUOTES) || topic.ends_with(QUOTES) {
                return None;
            }
            format!("ask {} {topic}", mention(mentor))
        }
        Command::AskCancel(mentor) => format!("ask cancel {}", mention(mentor)),
        Command::Queue => "queue".into(),
        Command::Next => "next".into(),
        Command::Link(None) => "link off".into(),
        Command::Link(Some(url)) => format!("link {url}"),
        Command::Late(d) if d.num_seconds() % 60 == 0 => format!("late {}m", d.num_minutes()),
        _ => return None,
    })
}

fn check_name(name: &str) {
    assert!(
        !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS,
        "{name:?}"
    );
    assert!(!conference_key(name).is_empty(), "{name:?}");
}

/// How a person would type `command`, or None where no plain spelling gives back exactly it:
/// a duration in seconds has none, and `unquote` eats quotes at the ends of topics.
fn canonical(command: &Command) -> Option<String> {
    let text = match command {
        Command::Overview => String::new(),
        Command::Help => "help".into(),
        Command::Lookup(user) => mention(user),
        Command::Add { window, topics } => {
            let topics = topics.join(", ");
            if topics.starts_with(QUOTES) || topics.ends_with(QUOTES) {
                return None;
            }
            // Quoted, so a topic called "pm" isn't read as part of the time range.
            format!("add {} \"{topics}\"", window.label())
        }
        Command::Remove(RemoveTarget::All) => "remove all".into(),
        Command::Remove(RemoveTarget::Number(n)) => format!("remove {n}"),
        Command::List => "list".into(),
        Command::On(OnSpec::UntilEndOfDay) => "on".into(),
        Command::On(OnSpec::For(d)) if d.num_seconds() % 60 == 0 => {
            format!("on for {}m", d.num_minutes())
        }
        Command::On(OnSpec::For(_)) => return None,
        Command::On(OnSpec::Until(t)) => format!("on until {t}"),
        Command::Off => "off".into(),
        Command::Tz(ZoneChoice::Auto) => "tz auto".into(),
        Command::Tz(ZoneChoice::Zone(tz)) => format!("tz {}", tz.name()),
        Command::Find(topic) if topic.starts_with(QUOTES) || topic.ends_with(QUOTES) => {
            return None
        }
        Command::Find(topic) => format!("find {topic}"),
        Command::OneOnOne(cadence) => one_on_one(cadence),
        Command::Debrief {
            project,
            date,
            participants,
        } => {
            let people: Vec<String> = participants.iter().map(mention).collect();
            format!(
                "debrief {} on {date} with {}",
                quoted(project)?,
                people.join(" ")
            )
        }
        Command::Review { report, date } => format!("review {} on {date}", mention(report)),
        Command::Conference(ConferenceCommand::Join { name, dates }) => {
            format!("conference {} {dates}", quoted(name)?)
        }
        Command::Conference(ConferenceCommand::List) => "conference list".into(),
        Command::Conference(ConferenceCommand::Leave(name)) => {
            format!("conference leave {}", quoted(name)?)
        }
        Command::Team => "team".into(),
        Command::Export => "export".into(),
        Command::ForgetMe => "forget me".into(),
        Command::Connect => "connect".into(),
        Command::Disconnect => "disconnect".into(),
        Command::Away(None) => "away off".into(),
        Command::Away(Some(date)) => format!("away until {date}"),
        Command::Hints { on, mine } => format!(
            "hints {}{}",
            if *on { "on" } else { "off" },
            if *mine { " me" } else { "" }
        ),
        Command::Calendar { reset: false } => "calendar".into(),
        Command::Calendar { reset: true } => "calendar reset".into(),
        Command::Notify(notify) => notify_text(notify)?,
        line @ (Command::Ask { .. }
        | Command::AskCancel(_)
        | Command::Queue
        | Command::Next
        | Command::Link(_)
        | Command::Late(_)) => return line_form(line),
    };
    Some(text)
}

fn notify_text(command: &NotifyCommand) -> Option<String> {
    // A topic that reads as a keyword (`list`, `off …`, `all`) came in quoted: no plain spelling.
    let target = |t: &NotifyTarget| match t {
        NotifyTarget::Person(user) => Some(mention(user)),
        NotifyTarget::Topic(topic) => {
            let first = topic.split_whitespace().next().unwrap_or_default();
            let keyword = ["list", "off", "stop", "all"]
                .iter()
                .any(|k| first.eq_ignore_ascii_case(k));
            let quoted = topic.starts_with(QUOTES) || topic.ends_with(QUOTES);
            let mention_like = topic.starts_with('@') || topic.starts_with("<@");
            (!keyword && !quoted && !mention_like).then(|| topic.clone())
        }
    };
    Some(match command {
        NotifyCommand::List => "notify list".into(),
        NotifyCommand::Off(None) => "notify off all".into(),
        NotifyCommand::Off(Some(t)) => format!("notify off {}", target(t)?),
        NotifyCommand::Watch(t) => format!("notify {}", target(t)?),
    })
}

fn one_on_one(command: &CadenceCommand) -> String {
    match command {
        CadenceCommand::Set {
            report,
            every_weeks,
            on,
        } => {
            let on = on.map_or(String::new(), |(day, at)| {
                format!(" on {} {at}", weekday_name(day))
            });
            format!("1on1 {} every {every_weeks} weeks{on}", mention(report))
        }
        CadenceCommand::Stop(user) => format!("1on1 stop {}", mention(user)),
        CadenceCommand::Done(user) => format!("1on1 done {}", mention(user)),
        CadenceCommand::Accept(user) => format!("1on1 accept {}", mention(user)),
    }
}

fn mention(user: &UserRef) -> String {
    match &user.label {
        Some(label) => format!("<@{}|{label}>", user.id),
        None => format!("@{}", user.id),
    }
}

fn quoted(name: &str) -> Option<String> {
    (!name.contains('"')).then(|| format!("\"{name}\""))
}

// ---------------------------------------------------------------------------------------------
// The time parsers

/// Every parser of times, ranges, durations, dates and days gets the same text: none panics,
/// each error is a readable message, and each value is in range and reads back from the
/// form the bot writes it in.
pub fn time_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    time_of_day(text);
    time_range(text);
    duration(text);
    date(text);
    date_span(text);
    weekly_time(text);
    day_set(text);
    lead(text);
}

fn settle<T>(result: Result<T, DomainError>) -> Option<T> {
    result.map_err(|e| check_message(&e.to_string())).ok()
}

fn time_of_day(text: &str) {
    let parsed = TimeOfDay::parse(text);
    assert_eq!(TimeOfDay::parse(&format!(" {text}\t")), parsed, "{text:?}");
    let Some(t) = settle(parsed) else { return };
    // 24:00 is the midnight that ends the day; every other time is before it.
    assert!(t.minutes() <= 1440, "{text:?}: {t:?}");
    assert!(t.hour() < 24 || t.minutes() == 1440, "{text:?}: {t:?}");
    assert!(t.minute() < 60, "{text:?}: {t:?}");
    assert_eq!(TimeOfDay::hm(t.hour(), t.minute()), Some(t), "{text:?}");
    assert_eq!(TimeOfDay::parse(&t.to_string()), Ok(t), "{text:?}");
}

fn time_range(text: &str) {
    let Some(range) = settle(parse_range(text)) else {
        return;
    };
    let (start, end) = (range.start.minutes(), range.end.minutes());
    assert!(
        start < 1440 && end <= 1440 && start != end,
        "{text:?}: {range:?}"
    );
    assert!((1..=1440).contains(&range.len_minutes()), "{text:?}");
    assert_eq!(range.crosses_midnight(), end < start, "{text:?}");
    assert_eq!(parse_range(&range.to_string()), Ok(range), "{text:?}");
}

fn duration(text: &str) {
    let Some(d) = settle(parse_duration(text)) else {
        return;
    };
    assert!(d >= Duration::seconds(1), "{text:?}: {d:?}");
    assert!(
        d.num_seconds() <= MAX_DURATION_SECONDS as i64,
        "{text:?}: {d:?}"
    );
    if d.num_seconds() % 60 == 0 {
        assert_eq!(parse_duration(&duration_label(d)), Ok(d), "{text:?}");
    }
}

fn date(text: &str) {
    let Some(d) = settle(parse_date(text)) else {
        return;
    };
    assert_eq!(parse_date(&d.to_string()), Ok(d), "{text:?}");
}

fn date_span(text: &str) {
    let Some(span) = settle(DateSpan::parse(text)) else {
        return;
    };
    assert!(
        (1..=MAX_SPAN_DAYS).contains(&span.days()),
        "{text:?}: {span:?}"
    );
    assert_eq!(DateSpan::parse(&span.to_string()), Ok(span), "{text:?}");
}

fn weekly_time(text: &str) {
    let Some((day, at)) = settle(parse_weekly_time(text)) else {
        return;
    };
    assert!(at.minutes() < 1440, "{text:?}: {at:?}");
    let written = format!("{} {at}", weekday_name(day));
    assert_eq!(parse_weekly_time(&written), Ok((day, at)), "{text:?}");
}

fn day_set(text: &str) {
    let Some(days) = settle(DaySet::parse(text)) else {
        return;
    };
    assert_eq!(DaySet::from_bits(days.bits()), Some(days), "{text:?}");
    assert_eq!(DaySet::parse(&days.label()), Ok(days), "{text:?}");
}

fn lead(text: &str) {
    let Some(d) = settle(parse_lead(text)) else {
        return;
    };
    assert!(d >= Duration::zero(), "{text:?}: {d:?}");
    assert!(
        d.num_seconds() <= MAX_DURATION_SECONDS as i64,
        "{text:?}: {d:?}"
    );
}
