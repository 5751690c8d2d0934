//! Conferences people attend: name keys that match loosely, and date spans.
//!
//! Two registrations are the same conference when their keys are equal and
//! their dates overlap. The key is deliberately loose because people type
//! names every which way ("RustConf 2026", "rustconf-2026", "Rust Conf"):
//! - letters and digits only, lowercased; everything else, spaces included,
//!   is dropped, so "Rust Conf" == "RustConf" (a false match would need two
//!   different conferences with those names on overlapping dates);
//! - a year (1900–2199) standing alone or ending a word ("RustConf2026") is
//!   dropped too, since the dates already pin the edition;
//! - Slack's HTML escapes (&amp; &lt; &gt;) count as the characters they stand for.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::dates::parse_date;
use super::error::{shown, DomainError};

/// Longest span a conference registration may cover, both ends included.
pub const MAX_SPAN_DAYS: i64 = 31;

/// The matching key for a conference name; empty when the name has no
/// letters or digits at all (callers should refuse such names).
pub fn conference_key(name: &str) -> String {
    let decoded = name
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let words: Vec<String> = decoded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let without_years: String = words.iter().map(|w| strip_year(w)).collect();
    if without_years.is_empty() {
        // "2026" alone is still a name; keep it rather than match everything.
        words.concat()
    } else {
        without_years
    }
}

/// "2026" → "", "rustconf2026" → "rustconf", "web3" → "web3", "12026" → "12026".
fn strip_year(word: &str) -> &str {
    let Some(cut) = word.len().checked_sub(4) else {
        return word;
    };
    let (Some(head), Some(tail)) = (word.get(..cut), word.get(cut..)) else {
        return word;
    };
    let is_year = tail.bytes().all(|b| b.is_ascii_digit())
        && tail
            .parse::<u32>()
            .is_ok_and(|y| (1900..=2199).contains(&y));
    let after_letter = head.chars().last().is_none_or(|c| !c.is_ascii_digit());
    if is_year && after_letter {
        head
    } else {
        word
    }
}

/// Days from `start` to `end`, both included.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DateSpan {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateSpan {
    /// Refuses an end before the start and spans longer than 31 days, which
    /// are typos rather than conferences.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, DomainError> {
        if end < start {
            return Err(DomainError::SpanBackwards {
                start: start.to_string(),
                end: end.to_string(),
            });
        }
        let days = (end - start).num_days() + 1;
        if days > MAX_SPAN_DAYS {
            return Err(DomainError::SpanTooLong(days));
        }
        Ok(DateSpan { start, end })
    }

    pub fn single(date: NaiveDate) -> Self {
        DateSpan {
            start: date,
            end: date,
        }
    }

    /// "2026-06-10" or "2026-06-10..2026-06-12"; "…", "–", "—" and " to "
    /// also separate the two dates, since phones and people produce them.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let normalized = s
            .trim()
            .to_lowercase()
            .replace(['…', '–', '—'], "..")
            .replace(" to ", "..");
        let Some((first, second)) = normalized.split_once("..") else {
            return Ok(DateSpan::single(parse_date(&normalized)?));
        };
        let second = second.trim_start_matches('.');
        if first.trim().is_empty() || second.trim().is_empty() {
            return Err(DomainError::BadSpan(shown(s)));
        }
        DateSpan::new(parse_date(first)?, parse_date(second)?)
    }

    pub fn overlaps(&self, other: &DateSpan) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// "Wed 10 Jun 2026", "Wed 10 Jun – Fri 12 Jun 2026" or, across a new
    /// year, "Wed 30 Dec 2026 – Fri 1 Jan 2027".
    pub fn label(&self) -> String {
        let day = "%a %-d %b";
        let full = "%a %-d %b %Y";
        if self.start == self.end {
            self.start.format(full).to_string()
        } else if self.start.year() == self.end.year() {
            format!("{} – {}", self.start.format(day), self.end.format(full))
        } else {
            format!("{} – {}", self.start.format(full), self.end.format(full))
        }
    }
}

impl fmt::Display for DateSpan {
    /// The form `parse` reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}..{}", self.start, self.end)
        }
    }
}

/// Keys equal (and not empty) and dates overlapping.
pub fn same_conference(a: (&str, &DateSpan), b: (&str, &DateSpan)) -> bool {
    let key = conference_key(a.0);
    !key.is_empty() && key == conference_key(b.0) && a.1.overlaps(b.1)
}

#[cfg(test)]
#[path = "conference_tests.rs"]
mod tests;
