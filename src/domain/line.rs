//! Drop in: the rules of a mentor's line that need no database: the estimated length of a
//! visit, a place as words, the topic label a visit keeps, and what a meeting link may be.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

use super::topics::topic_matches;
use super::tzmath::resolve_local;

/// The estimate until a mentor has any visits to go by.
pub const DEFAULT_VISIT_MINUTES: i64 = 15;
/// The longest question text kept with a place in line.
pub const MAX_QUESTION_CHARS: usize = 300;
/// An unanswered call moves on after this.
pub const CALL_TIMEOUT_MINUTES: i64 = 10;
/// A meeting link longer than this is a paste accident.
pub const MAX_LINK_CHARS: usize = 500;

/// The median of recent visit lengths (minutes), or the default when there are none; at
/// least a minute, so an estimate never reads "about 0 minutes" for someone waiting.
pub fn typical_visit(minutes: &[i64]) -> Duration {
    if minutes.is_empty() {
        return Duration::minutes(DEFAULT_VISIT_MINUTES);
    }
    let mut sorted = minutes.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    let median = if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid] + 1) / 2
    } else {
        sorted[mid]
    };
    Duration::minutes(median.max(1))
}

/// What is left at `now` of the mentor's "running late until": zero once it has passed. Every
/// estimate adds this, so a `late 10m` said five minutes ago adds five.
pub fn late_left(until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    until.map_or_else(Duration::zero, |until| (until - now).max(Duration::zero()))
}

/// Monday 00:00 of this week in `tz` (the start of "this week: N drop-ins").
pub fn week_start(tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    resolve_local(tz, monday.and_time(NaiveTime::MIN))
}

/// "1st", "2nd", "3rd", "11th", "22nd".
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The mentor's topic a question is about, if it names one: the log keeps this, never the text.
pub fn topic_label(question: Option<&str>, topics: &[String]) -> Option<String> {
    let question = question?;
    topics
        .iter()
        .find(|topic| topic_matches(question, topic))
        .cloned()
}

/// The median of `values` (the mean of the middle two, rounded down, for an even count); None
/// for none.
pub fn median(values: &[i64]) -> Option<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => sorted.get(mid).copied(),
        _ => Some((sorted[mid - 1] + sorted[mid]).div_euclid(2)),
    }
}

/// The label asked most often (the first in alphabetical order on a tie); None for none.
pub fn most_asked<'a>(labels: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    // `max_by_key` keeps the last of equals; reversed, the last is the alphabetically first.
    counts
        .into_iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map(|(label, _)| label)
}

/// Why a meeting link is refused, if it is: it must be an `https://` address with a host.
pub fn link_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some("A meeting link must start with `https://`.");
    };
    if url.chars().count() > MAX_LINK_CHARS {
        return Some("That link is too long (at most 500 characters).");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '|' | '"');
    if host.is_empty() || url.chars().any(bad) {
        return Some("That doesn't look like a web address.");
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_and_most_asked() {
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&[15, 0, 5]), Some(5));
        assert_eq!(super::median(&[4, 1, 9, 2]), Some(3));
        assert_eq!(
            super::most_asked(["rust", "career", "rust", "career"]),
            Some("career")
        );
        assert_eq!(super::most_asked(["rust", "career", "rust"]), Some("rust"));
        assert_eq!(super::most_asked([]), None);
    }

    use super::*;

    #[test]
    fn the_typical_visit_is_the_median_or_fifteen_minutes() {
        assert_eq!(typical_visit(&[]), Duration::minutes(15));
        assert_eq!(typical_visit(&[30, 5, 10]), Duration::minutes(10));
        assert_eq!(typical_visit(&[4, 8]), Duration::minutes(6));
        assert_eq!(typical_visit(&[0]), Duration::minutes(1));
    }

    #[test]
    fn being_late_counts_down_and_never_below_zero() {
        let now = DateTime::parse_from_rfc3339("2026-03-05T13:30:00Z")
            .expect("an instant")
            .with_timezone(&Utc);
        assert_eq!(late_left(None, now), Duration::zero());
        let until = now + Duration::minutes(10);
        assert_eq!(late_left(Some(until), now), Duration::minutes(10));
        assert_eq!(
            late_left(Some(until), now + Duration::minutes(4)),
            Duration::minutes(6)
        );
        assert_eq!(
            late_left(Some(until), now + Duration::minutes(30)),
            Duration::zero()
        );
    }

    #[test]
    fn the_week_starts_on_monday_in_the_mentors_zone() {
        // Sunday 23:30 UTC is already Monday 08:30 in Tokyo: that Monday starts the week there.
        let now = DateTime::parse_from_rfc3339("2026-03-08T23:30:00Z")
            .expect("an instant")
            .with_timezone(&Utc);
        let tokyo = week_start(chrono_tz::Asia::Tokyo, now);
        assert_eq!(tokyo.to_rfc3339(), "2026-03-08T15:00:00+00:00");
        // Still Sunday evening in New York: its week began last Monday, before DST (UTC-5).
        let new_york = week_start(chrono_tz::America::New_York, now);
        assert_eq!(new_york.to_rfc3339(), "2026-03-02T05:00:00+00:00");
    }

    #[test]
    fn places_read_as_ordinals() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23].map(ordinal).to_vec();
        assert_eq!(
            words,
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd"]
        );
    }

    #[test]
    fn a_visit_keeps_only_the_topic_it_named() {
        let topics = vec!["career".to_owned(), "Rust".to_owned()];
        assert_eq!(
            topic_label(Some("a question about rust lifetimes"), &topics),
            Some("Rust".to_owned())
        );
        assert_eq!(topic_label(Some("my garden"), &topics), None);
        assert_eq!(topic_label(None, &topics), None);
    }

    #[test]
    fn only_https_links_are_taken() {
        assert_eq!(link_problem("https://meet.example.com/abc"), None);
        assert!(link_problem("http://meet.example.com").is_some());
        assert!(link_problem("https://").is_some());
        assert!(link_problem("https://a b").is_some());
        assert!(link_problem("javascript:alert(1)").is_some());
    }
}
