//! Drop in's grammar: `ask`, `ask cancel`, `queue`, `next` and `link`.

use crate::domain::error::shown;
use crate::domain::line::{link_problem, MAX_QUESTION_CHARS};

use super::nudges::take_mention;
use super::{fail, unquote, Command, Form, ParseError};

pub(super) const ASK: Form = (
    "/officehours ask @mentor [what it's about]",
    "/officehours ask @ana how do I plan a career move?",
);
pub(super) const ASK_CANCEL: Form = (
    "/officehours ask cancel @mentor",
    "/officehours ask cancel @ana",
);
pub(super) const QUEUE: Form = ("/officehours queue", "/officehours queue");
pub(super) const NEXT: Form = ("/officehours next", "/officehours next");
pub(super) const LATE: Form = ("/officehours late <5m to 2h>", "/officehours late 10m");
pub(super) const LINK: Form = (
    "/officehours link <https URL> | link off",
    "/officehours link https://meet.example.com/ana",
);

/// `ask @ana [topic]` and `ask cancel @ana`.
pub(super) fn ask(rest: &[&str]) -> Result<Command, ParseError> {
    match rest {
        [] => Err(fail("Whom do you want to ask? Mention them with @.", &ASK)),
        [cancel, tail @ ..] if cancel.eq_ignore_ascii_case("cancel") => {
            if tail.is_empty() {
                return Err(fail(
                    "Whose line do you want to leave? Mention them with @.",
                    &ASK_CANCEL,
                ));
            }
            let (mentor, used) = take_mention(tail, &ASK_CANCEL)?;
            match &tail[used..] {
                [] => Ok(Command::AskCancel(mentor)),
                extra => Err(fail(
                    format!(
                        "`ask cancel` takes one person; I don't know what `{}` means.",
                        shown(&extra.join(" "))
                    ),
                    &ASK_CANCEL,
                )),
            }
        }
        _ => {
            let (mentor, used) = take_mention(rest, &ASK)?;
            let joined = rest[used..].join(" ");
            let topic = unquote(&joined);
            let length = topic.chars().count();
            if length > MAX_QUESTION_CHARS {
                return Err(fail(
                    format!("What it's about can be at most {MAX_QUESTION_CHARS} characters; that was {length}. The details can wait for the conversation."),
                    &ASK,
                ));
            }
            Ok(Command::Ask {
                mentor,
                topic: (!topic.is_empty()).then(|| topic.to_owned()),
            })
        }
    }
}

/// `late 10m`: between 5 minutes and 2 hours.
pub(super) fn late(rest: &[&str]) -> Result<Command, ParseError> {
    let text = rest.join(" ");
    if text.is_empty() {
        return Err(fail("How late? Say something like `late 10m`.", &LATE));
    }
    let by =
        crate::domain::duration::parse_duration(&text).map_err(|e| fail(e.to_string(), &LATE))?;
    if by < chrono::Duration::minutes(5) || by > chrono::Duration::hours(2) {
        return Err(fail(
            format!(
                "`late` takes 5 minutes to 2 hours; `{}` is outside that.",
                shown(&text)
            ),
            &LATE,
        ));
    }
    Ok(Command::Late(by))
}

/// `link <https URL>` or `link off`. Slack sends a typed address as `<https://…>` or
/// `<https://…|label>`.
pub(super) fn link(rest: &[&str]) -> Result<Command, ParseError> {
    let url = match rest {
        [] => {
            return Err(fail(
                "Which link? Give an `https://` address, or `off`.",
                &LINK,
            ))
        }
        [off] if off.eq_ignore_ascii_case("off") => return Ok(Command::Link(None)),
        [one] => one.trim_start_matches('<').trim_end_matches('>'),
        _ => {
            return Err(fail(
                format!(
                    "A link is one address without spaces; `{}` is more.",
                    shown(&rest.join(" "))
                ),
                &LINK,
            ))
        }
    };
    let url = url.split('|').next().unwrap_or_default();
    match link_problem(url) {
        Some(problem) => Err(fail(format!("{problem} `{}` won't do.", shown(url)), &LINK)),
        None => Ok(Command::Link(Some(url.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, UserRef};
    use super::*;

    fn ana() -> UserRef {
        UserRef {
            id: "U0ANA00001".to_owned(),
            label: None,
        }
    }

    #[test]
    fn ask_takes_a_mentor_and_an_optional_topic() {
        assert_eq!(
            parse("ask <@U0ANA00001> rust lifetimes"),
            Ok(Command::Ask {
                mentor: ana(),
                topic: Some("rust lifetimes".to_owned())
            })
        );
        assert_eq!(
            parse("ask <@U0ANA00001>"),
            Ok(Command::Ask {
                mentor: ana(),
                topic: None
            })
        );
        assert_eq!(
            parse("ask cancel <@U0ANA00001>"),
            Ok(Command::AskCancel(ana()))
        );
        assert!(parse("ask").is_err());
        assert!(parse("ask cancel").is_err());
        assert!(parse(&format!("ask <@U0ANA00001> {}", "x".repeat(301))).is_err());
    }

    #[test]
    fn late_takes_five_minutes_to_two_hours() {
        assert_eq!(
            parse("late 10m"),
            Ok(Command::Late(chrono::Duration::minutes(10)))
        );
        assert!(parse("late 2m").is_err());
        assert!(parse("late 3h").is_err());
        assert!(parse("late").is_err());
    }

    #[test]
    fn a_link_must_be_https() {
        assert_eq!(
            parse("link <https://meet.example.com/ana>"),
            Ok(Command::Link(Some(
                "https://meet.example.com/ana".to_owned()
            )))
        );
        assert_eq!(parse("link off"), Ok(Command::Link(None)));
        let refused = parse("link http://meet.example.com").unwrap_err();
        assert!(refused.problem.contains("https://"), "{refused}");
        assert!(parse("link").is_err());
    }
}
