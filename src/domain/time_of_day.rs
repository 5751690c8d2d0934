//! Wall-clock times of day ("14:00", "2pm") and start–end ranges within a day.

use std::fmt;

use super::error::{shown, DomainError};

pub const MINUTES_PER_DAY: u16 = 1440;

/// Minutes since local midnight, 0..=1440. 1440 is the midnight that ends
/// the day, which only makes sense as the end of a range.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct TimeOfDay(u16);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Meridiem {
    Am,
    Pm,
}

impl TimeOfDay {
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);
    pub const END_OF_DAY: TimeOfDay = TimeOfDay(MINUTES_PER_DAY);

    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes <= MINUTES_PER_DAY).then_some(TimeOfDay(minutes))
    }

    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn hm(h: u16, m: u16) -> Option<Self> {
        if m >= 60 || h > 24 || (h == 24 && m != 0) {
            return None;
        }
        Some(TimeOfDay(h * 60 + m))
    }

    pub fn hour(self) -> u16 {
        self.0 / 60
    }

    pub fn minute(self) -> u16 {
        self.0 % 60
    }

    /// Accepts 14:00, 9:05, 14, 24:00, 2pm, 2 pm, 9:30am, 9.30, noon and
    /// midnight (the one that starts the day).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        parse_with_meridiem(s).map(|(t, _)| t)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

fn parse_with_meridiem(s: &str) -> Result<(TimeOfDay, Option<Meridiem>), DomainError> {
    let bad = || DomainError::BadTime(shown(s));
    let lower = s.trim().to_lowercase();
    match lower.as_str() {
        "noon" | "midday" => return Ok((TimeOfDay(720), None)),
        "midnight" => return Ok((TimeOfDay::MIDNIGHT, None)),
        _ => {}
    }
    let (body, meridiem) = split_meridiem(&lower);
    let (h, m) = match body.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => (digits(h).ok_or_else(bad)?, digits(m).ok_or_else(bad)?),
        Some(_) => return Err(bad()),
        None => (digits(body).ok_or_else(bad)?, 0),
    };
    let h = match meridiem {
        None => h,
        Some(_) if !(1..=12).contains(&h) => return Err(bad()),
        Some(Meridiem::Am) => h % 12,
        Some(Meridiem::Pm) => h % 12 + 12,
    };
    TimeOfDay::hm(h, m).map(|t| (t, meridiem)).ok_or_else(bad)
}

fn split_meridiem(s: &str) -> (&str, Option<Meridiem>) {
    for (suffix, m) in [
        ("a.m.", Meridiem::Am),
        ("p.m.", Meridiem::Pm),
        ("am", Meridiem::Am),
        ("pm", Meridiem::Pm),
    ] {
        if let Some(body) = s.strip_suffix(suffix) {
            return (body.trim_end(), Some(m));
        }
    }
    (s, None)
}

/// One or two ASCII digits; `str::parse` alone would also take "+5".
fn digits(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A daily span of wall-clock time. An end before the start means the span
/// runs past midnight into the next day; an end of 24:00 stays within the day.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimeRange {
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

impl TimeRange {
    pub fn new(start: TimeOfDay, end: TimeOfDay) -> Result<Self, DomainError> {
        if start.0 >= MINUTES_PER_DAY {
            return Err(DomainError::StartAtEndOfDay);
        }
        if start == end {
            return Err(DomainError::EmptyRange);
        }
        Ok(TimeRange { start, end })
    }

    pub fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }

    pub fn len_minutes(&self) -> u32 {
        let (s, e) = (u32::from(self.start.0), u32::from(self.end.0));
        if e > s {
            e - s
        } else {
            u32::from(MINUTES_PER_DAY) - s + e
        }
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.start, self.end)
    }
}

/// Parses "10:00-11:00", "2pm–3pm", "10am to 11am" or "22:00-01:00". In
/// "10-11am" the end's am/pm also applies to a bare start when that keeps
/// the start before the end, which is what people mean by it.
pub fn parse_range(s: &str) -> Result<TimeRange, DomainError> {
    let normalized = s.trim().to_lowercase().replace(['–', '—', '‒', '−'], "-");
    let (start_s, end_s) = match normalized.split_once('-') {
        Some(pair) => pair,
        None => match normalized.split_once(" to ") {
            Some(pair) => pair,
            None => {
                TimeOfDay::parse(&normalized)?;
                return Err(DomainError::MissingEnd(shown(s)));
            }
        },
    };
    if end_s.contains('-') {
        return Err(DomainError::BadRange(shown(s)));
    }
    let (mut start, start_m) = parse_with_meridiem(start_s)?;
    let (end, end_m) = parse_with_meridiem(end_s)?;
    if let (None, Some(m)) = (start_m, end_m) {
        let suffix = if m == Meridiem::Am { "am" } else { "pm" };
        if let Ok((guess, _)) = parse_with_meridiem(&format!("{}{suffix}", start_s.trim())) {
            if guess < end {
                start = guess;
            }
        }
    }
    TimeRange::new(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> u16 {
        TimeOfDay::parse(s).unwrap().minutes()
    }

    fn r(s: &str) -> String {
        parse_range(s).unwrap().to_string()
    }

    #[test]
    fn parses_times() {
        assert_eq!(t("14:00"), 840);
        assert_eq!(t("9:05"), 545);
        assert_eq!(t("09:05"), 545);
        assert_eq!(t("9.30"), 570);
        assert_eq!(t("14"), 840);
        assert_eq!(t("0"), 0);
        assert_eq!(t("2pm"), 840);
        assert_eq!(t("2 PM"), 840);
        assert_eq!(t("9:30am"), 570);
        assert_eq!(t("9:30 a.m."), 570);
        assert_eq!(t("12am"), 0);
        assert_eq!(t("12:15am"), 15);
        assert_eq!(t("12pm"), 720);
        assert_eq!(t("noon"), 720);
        assert_eq!(t("Midnight"), 0);
        assert_eq!(t("24:00"), 1440);
        assert_eq!(t(" 23:59 "), 1439);
    }

    #[test]
    fn rejects_bad_times() {
        for bad in [
            "25:00",
            "14:60",
            "13pm",
            "0am",
            "",
            " ",
            "24:01",
            "1:5",
            "1:050",
            "+5",
            "-1",
            "14:",
            ":30",
            "pm",
            "1400",
            "٣:٠٠",
            "9::30",
            "2pmx",
            "１４:００",
        ] {
            assert_eq!(
                TimeOfDay::parse(bad),
                Err(DomainError::BadTime(shown(bad))),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn constructors_and_display() {
        assert_eq!(TimeOfDay::from_minutes(1441), None);
        assert_eq!(
            TimeOfDay::from_minutes(1440).map(|t| t.to_string()),
            Some("24:00".into())
        );
        assert_eq!(
            TimeOfDay::hm(9, 5).map(|t| t.to_string()),
            Some("09:05".into())
        );
        assert_eq!(TimeOfDay::hm(24, 1), None);
        assert_eq!(TimeOfDay::hm(u16::MAX, 0), None);
        assert_eq!(TimeOfDay::hm(1, 60), None);
    }

    #[test]
    fn ranges() {
        assert_eq!(r("10:00-11:00"), "10:00–11:00");
        assert_eq!(r("10am-11am"), "10:00–11:00");
        assert_eq!(r("2pm–3pm"), "14:00–15:00");
        assert_eq!(r("2pm — 3pm"), "14:00–15:00");
        assert_eq!(r("10am to 11am"), "10:00–11:00");
        assert_eq!(r("22:00-01:00"), "22:00–01:00");
        assert_eq!(r("22:00-24:00"), "22:00–24:00");
        assert_eq!(r("00:00-24:00"), "00:00–24:00");
        assert_eq!(r("10-11am"), "10:00–11:00");
        assert_eq!(r("10-11pm"), "22:00–23:00");
        assert_eq!(r("9-5pm"), "09:00–17:00");
        assert_eq!(r("11-1pm"), "11:00–13:00");
        assert_eq!(r("12-1pm"), "12:00–13:00");
        assert_eq!(r("14-16"), "14:00–16:00");
        assert_eq!(r("11pm-1am"), "23:00–01:00");
    }

    #[test]
    fn range_errors_name_the_bad_piece() {
        assert_eq!(
            parse_range("10:00-25:00"),
            Err(DomainError::BadTime("25:00".into()))
        );
        assert_eq!(
            parse_range("1x-11:00"),
            Err(DomainError::BadTime("1x".into()))
        );
        assert_eq!(parse_range("10:00-10:00"), Err(DomainError::EmptyRange));
        assert_eq!(
            parse_range("24:00-01:00"),
            Err(DomainError::StartAtEndOfDay)
        );
        assert_eq!(
            parse_range("10:00"),
            Err(DomainError::MissingEnd("10:00".into()))
        );
        assert_eq!(
            parse_range("banana"),
            Err(DomainError::BadTime("banana".into()))
        );
        assert_eq!(
            parse_range("1-2-3"),
            Err(DomainError::BadRange("1-2-3".into()))
        );
        assert!(parse_range("-").is_err());
        assert!(parse_range("").is_err());
    }

    #[test]
    fn range_shape() {
        let over = parse_range("22:00-01:00").unwrap();
        assert!(over.crosses_midnight());
        assert_eq!(over.len_minutes(), 180);
        let to_midnight = parse_range("22:00-24:00").unwrap();
        assert!(!to_midnight.crosses_midnight());
        assert_eq!(to_midnight.len_minutes(), 120);
        let until_zero = parse_range("22:00-00:00").unwrap();
        assert!(until_zero.crosses_midnight());
        assert_eq!(until_zero.len_minutes(), 120);
        assert_eq!(parse_range("00:00-24:00").unwrap().len_minutes(), 1440);
        assert_eq!(parse_range("10:00-09:59").unwrap().len_minutes(), 1439);
    }
}
