//! The nudge commands' grammar: `1on1`, `review` and `team`, plus the
//! mention helpers `parse_gatherings` shares.

use crate::domain::cadence::MAX_EVERY_WEEKS;
use crate::domain::dates::parse_date;
use crate::domain::digest_time::parse_weekly_time;
use crate::domain::error::{shown, DomainError};

use super::{
    domain, fail, mention_len, parse_user, CadenceCommand, Command, Form, ParseError, UserRef,
};

pub(super) const ONE_ON_ONE: Form = (
    "/officehours 1on1 @report every <n> week[s] [on <day> <time>]",
    "/officehours 1on1 @ada every 2 weeks on tue 10:00",
);
pub(super) const ONE_ON_ONE_STOP: Form = (
    "/officehours 1on1 stop @report",
    "/officehours 1on1 stop @ada",
);
pub(super) const ONE_ON_ONE_DONE: Form = (
    "/officehours 1on1 done @report",
    "/officehours 1on1 done @ada",
);
pub(super) const ONE_ON_ONE_ACCEPT: Form = (
    "/officehours 1on1 accept @manager",
    "/officehours 1on1 accept @grace",
);
pub(super) const REVIEW: Form = (
    "/officehours review @report on <YYYY-MM-DD>",
    "/officehours review @ada on 2026-09-01",
);
pub(super) const TEAM: Form = ("/officehours team", "/officehours team");

pub(super) fn is_mention(token: &str) -> bool {
    token.starts_with('@') || token.starts_with("<@")
}

/// Starts like a date someone typed ("2026-06-10", "10/06/2026", "10.6."):
/// where an unquoted name must end.
pub(super) fn looks_like_date(token: &str) -> bool {
    token.starts_with(|c: char| c.is_ascii_digit()) && token.contains(['-', '/', '.'])
}

/// The mention at the front of `tokens` and how many tokens it used. A comma
/// glued to a mention ("<@U1>,") is a list separator, not part of it.
pub(super) fn take_mention(tokens: &[&str], form: &Form) -> Result<(UserRef, usize), ParseError> {
    let used = mention_len(tokens).min(tokens.len());
    let text = tokens[..used].join(" ");
    let mention = text.trim_end_matches([',', ';']);
    match parse_user(mention) {
        Ok(user) => Ok((user, used)),
        Err(_) => Err(fail(
            format!(
                "`{}` isn't someone I can find. Mention them with @, like @ada.",
                shown(mention)
            ),
            form,
        )),
    }
}

/// Exactly one mention and nothing else.
fn sole_mention(tokens: &[&str], who: &str, form: &Form) -> Result<UserRef, ParseError> {
    if tokens.is_empty() {
        return Err(fail(format!("Which {who}? Mention them with @."), form));
    }
    let (user, used) = take_mention(tokens, form)?;
    match &tokens[used..] {
        [] => Ok(user),
        extra => Err(fail(
            format!(
                "I don't know what `{}` means here.",
                shown(&extra.join(" "))
            ),
            form,
        )),
    }
}

pub(super) fn one_on_one(rest: &[&str]) -> Result<Command, ParseError> {
    let set = |c| Ok(Command::OneOnOne(c));
    let Some(first) = rest.first() else {
        return Err(fail(
            "Who is the 1:1 with? Mention your report with @.",
            &ONE_ON_ONE,
        ));
    };
    match first.to_lowercase().as_str() {
        "stop" | "end" | "cancel" => {
            let who = sole_mention(&rest[1..], "report's 1:1s should stop", &ONE_ON_ONE_STOP)?;
            return set(CadenceCommand::Stop(who));
        }
        "done" | "held" => {
            let who = sole_mention(&rest[1..], "report's 1:1 is done", &ONE_ON_ONE_DONE)?;
            return set(CadenceCommand::Done(who));
        }
        "accept" | "accepted" | "yes" => {
            let who = sole_mention(
                &rest[1..],
                "manager's 1:1s do you accept",
                &ONE_ON_ONE_ACCEPT,
            )?;
            return set(CadenceCommand::Accept(who));
        }
        _ if !is_mention(first) => {
            let problem = match cadence_words(rest) {
                Ok(_) => "Who is the 1:1 with? Put @report before how often.".to_string(),
                Err(_) => format!(
                    "`{}` isn't someone I can find. Mention your report with @, or use stop, done or accept.",
                    shown(first)
                ),
            };
            return Err(fail(problem, &ONE_ON_ONE));
        }
        _ => {}
    }
    let (report, used) = take_mention(rest, &ONE_ON_ONE)?;
    let after = &rest[used..];
    match after
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [w] if w == "stop" => return set(CadenceCommand::Stop(report)),
        [w] if w == "done" => return set(CadenceCommand::Done(report)),
        [w] if w == "accept" => return set(CadenceCommand::Accept(report)),
        [] => {
            return Err(fail(
                "How often? Add every 2 weeks, weekly or biweekly after the name.",
                &ONE_ON_ONE,
            ))
        }
        _ => {}
    }
    let (every_weeks, used) = cadence_words(after)?;
    let on = match &after[used..] {
        [] => None,
        [on, when @ ..] if on.eq_ignore_ascii_case("on") && !when.is_empty() => Some(
            parse_weekly_time(&when.join(" ")).map_err(|e| domain(e, &ONE_ON_ONE))?,
        ),
        [on] if on.eq_ignore_ascii_case("on") => {
            return Err(fail("On which day and time? Say on tue 10:00.", &ONE_ON_ONE))
        }
        [at, ..] if at.eq_ignore_ascii_case("at") => {
            return Err(fail(
                "On which day? Say on tue 10:00, or leave `on` out for the same weekday and time as now.",
                &ONE_ON_ONE,
            ))
        }
        // "every week tue 10:00": the `on` is easy to forget.
        when => Some(parse_weekly_time(&when.join(" ")).map_err(|e| domain(e, &ONE_ON_ONE))?),
    };
    set(CadenceCommand::Set {
        report,
        every_weeks,
        on,
    })
}

/// "weekly", "biweekly", "fortnightly", "every week", "every other week",
/// "every fortnight", "every 3 weeks", "every 3w", "every three weeks".
/// Returns the number of weeks and the tokens used.
fn cadence_words(tokens: &[&str]) -> Result<(u8, usize), ParseError> {
    let lower: Vec<String> = tokens.iter().map(|t| t.to_lowercase()).collect();
    let words: Vec<&str> = lower.iter().map(String::as_str).collect();
    let how_often = |problem: String| Err(fail(problem, &ONE_ON_ONE));
    match words.as_slice() {
        ["weekly", ..] => Ok((1, 1)),
        ["biweekly" | "bi-weekly" | "fortnightly", ..] => Ok((2, 1)),
        ["monthly", ..] => {
            how_often("1:1s repeat in weeks. Say every 4 weeks instead of monthly.".into())
        }
        ["every", "week" | "wk" | "weeks", ..] => Ok((1, 2)),
        ["every", "fortnight", ..] => Ok((2, 2)),
        ["every", "other", "week" | "wk" | "weeks", ..] => Ok((2, 3)),
        ["every", n, unit, ..] if is_week(unit) => Ok((weeks(n)?, 3)),
        ["every", glued, ..] if glued.ends_with(is_week_char) => {
            let number = glued.trim_end_matches(|c: char| c.is_alphabetic());
            if number.is_empty() || !is_week(&glued[number.len()..]) {
                return how_often(format!("Every {} what? Say every 2 weeks.", shown(glued)));
            }
            Ok((weeks(number)?, 2))
        }
        ["every", _, unit, ..] if unit.starts_with("day") || unit.starts_with("month") => {
            how_often(format!(
                "1:1s repeat every 1 to {MAX_EVERY_WEEKS} weeks, not {}. For about once a month, say every 4 weeks.",
                shown(unit)
            ))
        }
        ["every", "month" | "months" | "mo" | "year" | "quarter", ..] => how_often(format!(
            "1:1s repeat every 1 to {MAX_EVERY_WEEKS} weeks. For about once a month, say every 4 weeks."
        )),
        ["every", "day" | "days" | "weekday" | "workday", ..] => how_often(
            "1:1s repeat in weeks; the most often is weekly. Say every week.".into(),
        ),
        ["every", n, ..] if n.starts_with(|c: char| c.is_ascii_digit()) => how_often(format!(
            "Every {} what? Say every {} weeks.",
            shown(n),
            shown(n)
        )),
        ["every", n, ..] => how_often(format!(
            "Every {} what? Say every 2 weeks, every 4 weeks or weekly.",
            shown(n)
        )),
        ["every"] => how_often("Every how many weeks? Say every 2 weeks.".into()),
        [other, ..] => how_often(format!(
            "How often? I expected every 2 weeks, weekly or biweekly where `{}` is.",
            shown(other)
        )),
        [] => how_often("How often? Say every 2 weeks, weekly or biweekly.".into()),
    }
}

fn is_week(unit: &str) -> bool {
    matches!(unit, "w" | "wk" | "wks" | "week" | "weeks")
}

fn is_week_char(c: char) -> bool {
    matches!(c, 'w' | 'k' | 's')
}

fn weeks(n: &str) -> Result<u8, ParseError> {
    const WORDS: [&str; 12] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    let value = if let Some(i) = WORDS.iter().position(|w| *w == n) {
        i + 1
    } else if !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()) {
        n.parse().unwrap_or(usize::MAX)
    } else if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
        usize::MAX
    } else {
        return Err(fail(
            format!("`{}` isn't a number of weeks. Say every 2 weeks.", shown(n)),
            &ONE_ON_ONE,
        ));
    };
    match u8::try_from(value) {
        Ok(v) if (1..=MAX_EVERY_WEEKS).contains(&v) => Ok(v),
        _ => Err(domain(DomainError::BadEveryWeeks(shown(n)), &ONE_ON_ONE)),
    }
}

pub(super) fn review(rest: &[&str]) -> Result<Command, ParseError> {
    let Some(first) = rest.first() else {
        return Err(fail(
            "Whose review? Mention your report, then the date.",
            &REVIEW,
        ));
    };
    if !is_mention(first) {
        return Err(fail(
            format!(
                "`{}` isn't someone I can find. Mention your report with @ first.",
                shown(first)
            ),
            &REVIEW,
        ));
    }
    let (report, used) = take_mention(rest, &REVIEW)?;
    let when = match &rest[used..] {
        [on, date]
            if ["on", "for", "at"]
                .iter()
                .any(|w| on.eq_ignore_ascii_case(w)) =>
        {
            *date
        }
        [date] if !date.eq_ignore_ascii_case("on") => *date,
        [] | [_] => {
            return Err(fail(
                "On which date is the review? Add on YYYY-MM-DD.",
                &REVIEW,
            ))
        }
        more => {
            return Err(fail(
                format!(
                    "A review has one date; I don't know what `{}` means.",
                    shown(&more.join(" "))
                ),
                &REVIEW,
            ))
        }
    };
    let date = parse_date(when).map_err(|e| domain(e, &REVIEW))?;
    Ok(Command::Review { report, date })
}

#[cfg(test)]
#[path = "parse_nudges_tests.rs"]
mod tests;
