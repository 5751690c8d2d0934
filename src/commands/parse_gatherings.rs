//! The grammar of named gatherings: `debrief "<project>" …` and `conference "<name>" …`,
//! whose names may be quoted (straight or smart quotes) or a bare word.

use crate::domain::conference::{conference_key, DateSpan};
use crate::domain::dates::parse_date;
use crate::domain::error::shown;

use super::nudges::{is_mention, looks_like_date, take_mention};
use super::{domain, fail, no_arguments, Command, ConferenceCommand, Form, ParseError, UserRef};

pub(super) const DEBRIEF: Form = (
    "/officehours debrief \"<project>\" on <YYYY-MM-DD> with @a @b …",
    "/officehours debrief \"Launch v2\" on 2026-06-12 with @ada @grace",
);
pub(super) const CONFERENCE: Form = (
    "/officehours conference \"<name>\" <YYYY-MM-DD>[..<YYYY-MM-DD>]",
    "/officehours conference \"RustConf\" 2026-09-08..2026-09-11",
);
pub(super) const CONFERENCE_LIST: Form = (
    "/officehours conference list",
    "/officehours conference list",
);
pub(super) const CONFERENCE_LEAVE: Form = (
    "/officehours conference leave \"<name>\"",
    "/officehours conference leave \"RustConf\"",
);

/// A Slack group DM is opened for at most 8 people (conversations.open's limit).
pub const MAX_DEBRIEF_PARTICIPANTS: usize = 8;
/// Project and conference names; longer is a paste, not a name.
pub const MAX_NAME_CHARS: usize = 80;

/// A project or conference name at the front of `text`: in straight or
/// smart quotes (already straightened), or unquoted up to where `ends` says
/// the name stops. Returns the name, whitespace collapsed, and what follows.
fn take_name(
    text: &str,
    what: &str,
    form: &Form,
    ends: impl Fn(&[&str], usize) -> bool,
) -> Result<(String, String), ParseError> {
    let text = text.trim();
    let unclosed = || {
        fail(
            format!("The {what} name opens a quote but never closes it. Add the closing quote."),
            form,
        )
    };
    let (name, rest): (&str, String) = if let Some(inner) = text.strip_prefix('"') {
        let end = inner.find('"').ok_or_else(unclosed)?;
        (&inner[..end], inner[end + 1..].to_string())
    } else if let Some(inner) = text.strip_prefix('\'') {
        // An apostrophe inside ('Ada's launch') isn't the closing quote: that
        // one is followed by a space or the end. Input is normalized, so a
        // plain space is the only whitespace left.
        let end = inner
            .char_indices()
            .filter(|&(_, c)| c == '\'')
            .map(|(i, _)| i)
            .find(|&i| matches!(inner[i + 1..].chars().next(), None | Some(' ')))
            .ok_or_else(unclosed)?;
        (&inner[..end], inner[end + 1..].to_string())
    } else {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let cut = (0..tokens.len())
            .find(|&i| ends(&tokens, i))
            .unwrap_or(tokens.len());
        let name = tokens[..cut].join(" ");
        if name.contains('"') {
            return Err(unclosed());
        }
        return check_name(&name, what, form).map(|n| (n, tokens[cut..].join(" ")));
    };
    check_name(name, what, form).map(|n| (n, rest.trim().to_string()))
}

fn check_name(name: &str, what: &str, form: &Form) -> Result<String, ParseError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let length = name.chars().count();
    if name.is_empty() {
        return Err(fail(
            format!("Which {what}? Put its name first, in quotes if it has spaces."),
            form,
        ));
    }
    if length > MAX_NAME_CHARS {
        return Err(fail(
            format!("That {what} name is {length} characters. Keep it to {MAX_NAME_CHARS}."),
            form,
        ));
    }
    if conference_key(&name).is_empty() {
        return Err(fail(
            format!(
                "`{}` has no letters or digits. Give the {what} a name.",
                shown(&name)
            ),
            form,
        ));
    }
    Ok(name)
}

pub(super) fn debrief(rest: &[&str]) -> Result<Command, ParseError> {
    if rest.is_empty() {
        return Err(fail(
            "Which project? Put its name in quotes, then the date and who took part.",
            &DEBRIEF,
        ));
    }
    let (project, after) = take_name(&rest.join(" "), "project", &DEBRIEF, debrief_name_ends)?;
    let tokens: Vec<&str> = after.split_whitespace().collect();
    let mut date = None;
    let mut participants: Vec<UserRef> = Vec::new();
    let mut i = 0;
    while let Some(&token) = tokens.get(i) {
        let word = token.to_lowercase();
        // "on", "with" and list words only connect; the pieces themselves say
        // what they are, so "with @a on 2026-06-12" works as well.
        if matches!(
            word.as_str(),
            "on" | "with" | "and" | "&" | "&amp;" | "," | "+"
        ) {
            i += 1;
        } else if is_mention(token) {
            let (user, used) = take_mention(&tokens[i..], &DEBRIEF)?;
            if !participants
                .iter()
                .any(|p| p.id.eq_ignore_ascii_case(&user.id))
            {
                participants.push(user);
            }
            i += used;
        } else if date.is_none() && token.starts_with(|c: char| c.is_ascii_digit()) {
            date = Some(parse_date(token.trim_end_matches(',')).map_err(|e| domain(e, &DEBRIEF))?);
            i += 1;
        } else {
            let problem = if date.is_some() && token.starts_with(|c: char| c.is_ascii_digit()) {
                format!(
                    "A debrief has one date, so I don't know what `{}` is.",
                    shown(token)
                )
            } else {
                format!(
                    "I don't know what `{}` means here. Put the date after `on` and the people after `with`.",
                    shown(token)
                )
            };
            return Err(fail(problem, &DEBRIEF));
        }
    }
    let Some(date) = date else {
        return Err(fail(
            "On which date? Add on YYYY-MM-DD, like on 2026-06-12.",
            &DEBRIEF,
        ));
    };
    if participants.is_empty() {
        return Err(fail(
            "Who took part? Add with and mention them, like with @ada @grace.",
            &DEBRIEF,
        ));
    }
    if participants.len() > MAX_DEBRIEF_PARTICIPANTS {
        return Err(fail(
            format!(
                "That's {} people, but a Slack group DM holds at most {MAX_DEBRIEF_PARTICIPANTS}. Pick up to {MAX_DEBRIEF_PARTICIPANTS}, or hold two debriefs.",
                participants.len()
            ),
            &DEBRIEF,
        ));
    }
    Ok(Command::Debrief {
        project,
        date,
        participants,
    })
}

/// Where an unquoted project name stops: at a mention, a date, or an `on`
/// or `with` that introduces one (so "Turn on lights" keeps its "on").
fn debrief_name_ends(tokens: &[&str], i: usize) -> bool {
    let next = tokens.get(i + 1).copied();
    let token = tokens[i];
    is_mention(token)
        || looks_like_date(token)
        || (token.eq_ignore_ascii_case("on")
            && next.is_none_or(|n| n.starts_with(|c: char| c.is_ascii_digit())))
        || (token.eq_ignore_ascii_case("with") && next.is_none_or(is_mention))
}

pub(super) fn conference(rest: &[&str]) -> Result<Command, ParseError> {
    let Some(first) = rest.first() else {
        return Err(fail(
            "Which conference? Give its name and dates, or use list or leave.",
            &CONFERENCE,
        ));
    };
    match first.to_lowercase().as_str() {
        "list" | "ls" => no_arguments(
            first,
            &rest[1..],
            Command::Conference(ConferenceCommand::List),
            &CONFERENCE_LIST,
        ),
        "leave" | "drop" | "cancel" | "remove" => leave_conference(&rest[1..]),
        "join" | "add" | "attend" => join_conference(&rest[1..]),
        _ => join_conference(rest),
    }
}

fn join_conference(tokens: &[&str]) -> Result<Command, ParseError> {
    if tokens.is_empty() {
        return Err(fail(
            "Which conference? Give its name and dates.",
            &CONFERENCE,
        ));
    }
    let ends = |t: &[&str], i: usize| looks_like_date(t[i]);
    let (name, after) = take_name(&tokens.join(" "), "conference", &CONFERENCE, ends)?;
    if after.is_empty() {
        return Err(fail(
            format!(
                "When is `{}`? Add its dates after the name, like 2026-09-08..2026-09-11.",
                shown(&name)
            ),
            &CONFERENCE,
        ));
    }
    let dates = DateSpan::parse(&after).map_err(|e| domain(e, &CONFERENCE))?;
    Ok(Command::Conference(ConferenceCommand::Join { name, dates }))
}

fn leave_conference(tokens: &[&str]) -> Result<Command, ParseError> {
    if tokens.is_empty() {
        return Err(fail(
            "Which conference are you leaving? Give its name.",
            &CONFERENCE_LEAVE,
        ));
    }
    let (name, after) = take_name(
        &tokens.join(" "),
        "conference",
        &CONFERENCE_LEAVE,
        |_, _| false,
    )?;
    if !after.is_empty() {
        return Err(fail(
            format!(
                "Leaving takes just the name, so I don't know what `{}` means.",
                shown(&after)
            ),
            &CONFERENCE_LEAVE,
        ));
    }
    Ok(Command::Conference(ConferenceCommand::Leave(name)))
}

#[cfg(test)]
#[path = "parse_gatherings_tests.rs"]
mod tests;
