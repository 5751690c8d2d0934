//! Errors from the domain, worded as sentences a Slack user can act on.

/// A window that ends "before" it starts runs through midnight; longer than this it is far more
/// likely the two times were swapped.
pub const MAX_OVERNIGHT_HOURS: u32 = 16;

/// Every message names the piece that was wrong and shows a form that works,
/// because these strings go straight back to the person who typed the command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("`{0}` isn't a day I know. Use mon, tue, wed, thu, fri, sat, sun, weekdays, weekends or daily.")]
    UnknownDay(String),
    #[error("Which days? Use mon, tue, wed, thu, fri, sat, sun, weekdays, weekends or daily.")]
    NoDays,
    #[error("`{0}` isn't a time of day. Use 14:00, 2pm or 9:30am.")]
    BadTime(String),
    #[error("A window can't start at 24:00. Start it at 00:00 on the next day instead.")]
    StartAtEndOfDay,
    #[error("A window needs an end that differs from its start.")]
    EmptyRange,
    #[error("`{given}` would run {hours} hours, past midnight. Did you mean {swapped}? (A window may cross midnight when it is {MAX_OVERNIGHT_HOURS} hours or shorter, like 22:00-01:00.)")]
    LongOvernight {
        given: String,
        swapped: String,
        hours: u32,
    },
    #[error("`{0}` isn't a time range. Use start-end, like 14:00-15:00 or 2pm-3pm.")]
    BadRange(String),
    #[error("`{0}` needs an end time too, like 14:00-15:00.")]
    MissingEnd(String),
    #[error("The window needs a time after the days, like 14:00-15:00.")]
    MissingRange,
    #[error("Which days is `{0}` on? Put the days first, like tue 14:00-15:00.")]
    DaysAfterTime(String),
    #[error("Separate days with commas, like mon,wed. I expected a time where `{0}` is.")]
    DaysNeedCommas(String),
    #[error("`{input}` isn't a time zone I know. {}", zone_hint(.suggestions))]
    UnknownZone {
        input: String,
        suggestions: Vec<String>,
    },
    #[error("`{0}` isn't a duration. Use 30m, 2h, 1h30m or 1d.")]
    BadDuration(String),
    #[error("`{0}` is no time at all. Use something like 30m or 2h.")]
    ZeroDuration(String),
    #[error("`{0}` is longer than I plan ahead. Use at most 30 days.")]
    DurationTooLong(String),
    #[error("The topic `{0}` is too long. Keep each topic to 40 characters.")]
    TopicTooLong(String),
    #[error("That's {0} topics. Use at most 10, separated by commas.")]
    TooManyTopics(usize),
    #[error("`{0}` isn't a date. Use YYYY-MM-DD, like 2026-06-10.")]
    BadDate(String),
    #[error("`{input}` has no month {month}; months run from 01 to 12.")]
    BadMonth { input: String, month: u32 },
    #[error("`{input}` has no day {day}: {month} has {days} days.")]
    BadDayOfMonth {
        input: String,
        day: u32,
        month: String,
        days: u32,
    },
    #[error("`{0}` is more than one day. Pick one, like mon.")]
    NotOneDay(String),
    #[error("`{0}` is the end of the day. Use a time before midnight, like 23:30, or 00:00 on the next day.")]
    TimeAtEndOfDay(String),
    #[error("Working hours {0} run past midnight. Use hours within one day, like 08:00-20:00 (an end of 24:00 is fine).")]
    WorkHoursCrossMidnight(String),
    #[error(
        "Every {0} weeks isn't something I can schedule. Use 1 to 12 weeks, like every 2 weeks."
    )]
    BadEveryWeeks(String),
    #[error("The first meeting on {date} is a {actual}, not a {expected}.")]
    AnchorWeekday {
        date: String,
        actual: String,
        expected: String,
    },
    #[error("`{0}` isn't a lead time. Use 1h, 30m, 1h30m, or 0s for the start of the meeting.")]
    BadLead(String),
    #[error("`{0}` isn't a day and time. Use a day then a time, like mon 09:00 or Friday 4pm.")]
    BadWeeklyTime(String),
    #[error("The dates run backwards: {end} is before {start}. Put the first day first, like {end}..{start}.")]
    SpanBackwards { start: String, end: String },
    #[error("That's {0} days. A conference can span at most 31 days.")]
    SpanTooLong(i64),
    #[error("`{0}` isn't a date or a range. Use 2026-06-10, or 2026-06-10..2026-06-12 for several days.")]
    BadSpan(String),
}

fn zone_hint(suggestions: &[String]) -> String {
    match suggestions {
        [] => "Use an IANA name like Europe/Berlin or America/New_York.".to_string(),
        [one] => format!("Did you mean {one}?"),
        [init @ .., last] => format!("Did you mean {} or {last}?", init.join(", ")),
    }
}

/// Prepares user input for quoting inside backticks: a stray backtick or
/// newline would break Slack's formatting, and a pasted essay would drown
/// the actual message.
pub fn shown(input: &str) -> String {
    const MAX_CHARS: usize = 40;
    let cleaned: String = input
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().count() > MAX_CHARS {
        let cut: String = cleaned.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    } else {
        cleaned.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            DomainError::UnknownDay("frday".into()).to_string(),
            "`frday` isn't a day I know. Use mon, tue, wed, thu, fri, sat, sun, weekdays, weekends or daily."
        );
        assert_eq!(
            DomainError::BadTime("25:00".into()).to_string(),
            "`25:00` isn't a time of day. Use 14:00, 2pm or 9:30am."
        );
        assert_eq!(
            DomainError::EmptyRange.to_string(),
            "A window needs an end that differs from its start."
        );
    }

    #[test]
    fn zone_suggestions_are_listed_naturally() {
        let err = |s: &[&str]| DomainError::UnknownZone {
            input: "x".into(),
            suggestions: s.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            err(&["Europe/Berlin"]).to_string(),
            "`x` isn't a time zone I know. Did you mean Europe/Berlin?"
        );
        assert_eq!(
            err(&["A/B", "C/D", "E/F"]).to_string(),
            "`x` isn't a time zone I know. Did you mean A/B, C/D or E/F?"
        );
        assert!(err(&[])
            .to_string()
            .ends_with("like Europe/Berlin or America/New_York."));
    }

    #[test]
    fn shown_defuses_backticks_and_length() {
        assert_eq!(shown("a`b\nc"), "a'b c");
        let long = "é".repeat(100);
        let s = shown(&long);
        assert_eq!(s.chars().count(), 41);
        assert!(s.ends_with('…'));
    }
}
