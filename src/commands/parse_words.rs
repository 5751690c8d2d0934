//! Words around the grammar: the nearest command to a typo, and am/pm written apart.

use crate::domain::error::shown;

/// The words a command starts with: for "did you mean", and for the shell's completion.
pub const COMMAND_WORDS: &[&str] = &[
    "help",
    "add",
    "remove",
    "list",
    "on",
    "off",
    "tz",
    "find",
    "notify",
    "1on1",
    "debrief",
    "review",
    "conference",
    "team",
    "export",
    "forget",
    "connect",
    "disconnect",
    "away",
    "hints",
    "calendar",
    "ask",
    "queue",
    "next",
    "link",
    "late",
];

/// `helo` → "Did you mean `help`?": the nearest command word, if it is a typo away.
pub(super) fn unknown_command(word: &str) -> String {
    let lower = word.to_lowercase();
    let nearest = COMMAND_WORDS
        .iter()
        .map(|w| (strsim::damerau_levenshtein(&lower, w), *w))
        .filter(|(typos, w)| *typos <= if w.len() <= 3 { 1 } else { 2 })
        .min_by_key(|(typos, _)| *typos);
    match nearest {
        Some((_, w)) => format!(
            "I don't know the command `{}`. Did you mean `{w}`?",
            shown(word)
        ),
        None => format!("I don't know the command `{}`.", shown(word)),
    }
}

/// `1:00 pm-2:00 pm` → `1:00pm-2:00pm`: an am/pm written apart belongs to the time before it.
pub(super) fn join_meridiem(tokens: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    for token in tokens {
        let lower = token.to_lowercase();
        let meridiem = ["am", "pm", "a.m.", "p.m."]
            .iter()
            .any(|m| lower == *m || lower.starts_with(&format!("{m}-")));
        let after_time = out
            .last()
            .is_some_and(|t| t.ends_with(|c: char| c.is_ascii_digit()));
        match out.last_mut() {
            Some(previous) if meridiem && after_time => previous.push_str(token),
            _ => out.push((*token).to_owned()),
        }
    }
    out
}
