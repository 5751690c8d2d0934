//! `notify`: "tell me when @ana (or any mentor on a topic) opens", `notify list`, `notify off …`.

use crate::domain::error::shown;

use super::nudges::{is_mention, take_mention};
use super::{fail, unquote, Command, Form, ParseError, UserRef, MAX_FIND_CHARS};

pub(super) const NOTIFY: Form = (
    "/officehours notify @user | notify <topic>",
    "/officehours notify @ada",
);
pub(super) const NOTIFY_LIST: Form = ("/officehours notify list", "/officehours notify list");
pub(super) const NOTIFY_OFF: Form = (
    "/officehours notify off @user | <topic> | all",
    "/officehours notify off rust",
);

/// What is watched: one person, or any mentor with a window on a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotifyTarget {
    Person(UserRef),
    /// As typed, spaces collapsed and quotes taken off.
    Topic(String),
}

/// `/officehours notify …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotifyCommand {
    Watch(NotifyTarget),
    /// `None`: all of them.
    Off(Option<NotifyTarget>),
    List,
}

pub(super) fn notify(rest: &[&str]) -> Result<Command, ParseError> {
    let command = match rest.split_first() {
        None => NotifyCommand::List,
        Some((word, [])) if word.eq_ignore_ascii_case("list") => NotifyCommand::List,
        Some((word, tail))
            if word.eq_ignore_ascii_case("off") || word.eq_ignore_ascii_case("stop") =>
        {
            match tail {
                [] => return Err(fail(
                    "Off for whom? Say `notify off @ada`, `notify off rust` or `notify off all`.",
                    &NOTIFY_OFF,
                )),
                [all] if all.eq_ignore_ascii_case("all") => NotifyCommand::Off(None),
                _ => NotifyCommand::Off(Some(target(tail, &NOTIFY_OFF)?)),
            }
        }
        Some(_) => NotifyCommand::Watch(target(rest, &NOTIFY)?),
    };
    Ok(Command::Notify(command))
}

fn target(tokens: &[&str], form: &Form) -> Result<NotifyTarget, ParseError> {
    if tokens.first().is_some_and(|t| is_mention(t)) {
        let (user, used) = take_mention(tokens, form)?;
        return match &tokens[used..] {
            [] => Ok(NotifyTarget::Person(user)),
            extra => Err(fail(
                format!(
                    "One person at a time: I don't know what to do with `{}`.",
                    shown(&extra.join(" "))
                ),
                form,
            )),
        };
    }
    let joined = tokens.join(" ");
    let topic = unquote(&joined)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if topic.is_empty() {
        return Err(fail("Which person or topic?", form));
    }
    if topic.chars().count() > MAX_FIND_CHARS {
        return Err(fail(
            "That topic is too long; a word or two works best, as with `find`.",
            form,
        ));
    }
    Ok(NotifyTarget::Topic(topic))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<NotifyCommand, String> {
        match super::super::parse(text) {
            Ok(Command::Notify(c)) => Ok(c),
            Ok(other) => Err(format!("not notify: {other:?}")),
            Err(e) => Err(e.problem),
        }
    }

    #[test]
    fn people_topics_list_and_off() {
        let ana = NotifyTarget::Person(UserRef {
            id: "U1".into(),
            label: Some("ana".into()),
        });
        assert_eq!(
            parsed("notify <@U1|ana>"),
            Ok(NotifyCommand::Watch(ana.clone()))
        );
        assert_eq!(
            parsed("notify  System   design "),
            Ok(NotifyCommand::Watch(NotifyTarget::Topic(
                "System design".into()
            )))
        );
        assert_eq!(parsed("notify"), Ok(NotifyCommand::List));
        assert_eq!(parsed("notify list"), Ok(NotifyCommand::List));
        assert_eq!(parsed("notify off all"), Ok(NotifyCommand::Off(None)));
        assert_eq!(
            parsed("notify off <@U1|ana>"),
            Ok(NotifyCommand::Off(Some(ana)))
        );
        assert_eq!(
            parsed("notify off rust"),
            Ok(NotifyCommand::Off(Some(NotifyTarget::Topic("rust".into()))))
        );
    }

    #[test]
    fn what_it_cannot_use_is_said() {
        assert!(parsed("notify off").unwrap_err().contains("Off for whom?"));
        assert!(parsed("notify <@U1|ana> <@U2|ben>")
            .unwrap_err()
            .contains("One person at a time"));
        assert!(parsed(&format!("notify {}", "x".repeat(101)))
            .unwrap_err()
            .contains("too long"));
        assert!(parsed("notify \"\"")
            .unwrap_err()
            .contains("Which person or topic?"));
    }
}
