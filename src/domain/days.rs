//! Sets of weekdays: parsing "mon,wed-fri" style input and short labels.

use std::fmt;

use chrono::Weekday;

use super::error::{shown, DomainError};

/// Weekdays in Monday-first order; the bit for a day is its index here.
const ALL: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

const SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A set of weekdays; bit 0 is Monday and bit 6 is Sunday.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct DaySet(u8);

impl DaySet {
    pub const WEEKDAYS: DaySet = DaySet(0b001_1111);
    pub const WEEKEND: DaySet = DaySet(0b110_0000);
    pub const DAILY: DaySet = DaySet(0b111_1111);

    /// Rejects the empty set and stray high bits so stored values can't
    /// smuggle in days that don't exist.
    pub fn from_bits(bits: u8) -> Option<DaySet> {
        if bits == 0 || bits > Self::DAILY.0 {
            None
        } else {
            Some(DaySet(bits))
        }
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn single(day: Weekday) -> DaySet {
        DaySet(1 << day.num_days_from_monday())
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn union(self, other: DaySet) -> DaySet {
        DaySet(self.0 | other.0)
    }

    /// Days in Monday-to-Sunday order.
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        ALL.into_iter().filter(move |d| self.contains(*d))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn first(self) -> Option<Weekday> {
        self.iter().next()
    }

    /// Parses comma-separated days, ranges ("mon-fri", wrapping "fri-mon")
    /// and the words weekdays, weekends and daily, ignoring case.
    pub fn parse(s: &str) -> Result<DaySet, DomainError> {
        let lower = s.to_lowercase().replace(['–', '—', '‒', '−'], "-");
        let mut set = DaySet::default();
        for item in lower.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            set = set.union(parse_item(item)?);
        }
        if set.is_empty() {
            return Err(DomainError::NoDays);
        }
        Ok(set)
    }

    /// "Daily", "Weekdays", "Weekends", "Mon–Wed", "Mon, Wed, Fri" or
    /// "Mon–Wed, Sat": runs of three or more days collapse into a range.
    pub fn label(self) -> String {
        match self {
            DaySet::DAILY => return "Daily".into(),
            DaySet::WEEKDAYS => return "Weekdays".into(),
            DaySet::WEEKEND => return "Weekends".into(),
            _ => {}
        }
        let has = |i: usize| self.0 & (1 << (i % 7)) != 0;
        // A run may wrap past Sunday ("Fri–Mon"), so runs start at a day whose
        // predecessor is absent, which keeps the wrap in one piece.
        let mut parts = Vec::new();
        for start in (0..7).filter(|&i| has(i) && !has(i + 6)) {
            let len = (0..7).take_while(|k| has(start + k)).count();
            if len >= 3 {
                parts.push(format!("{}–{}", SHORT[start], SHORT[(start + len - 1) % 7]));
            } else {
                parts.extend((0..len).map(|k| SHORT[(start + k) % 7].to_string()));
            }
        }
        parts.join(", ")
    }
}

impl fmt::Display for DaySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

fn parse_item(item: &str) -> Result<DaySet, DomainError> {
    match item {
        "weekdays" | "weekday" => return Ok(DaySet::WEEKDAYS),
        "weekends" | "weekend" => return Ok(DaySet::WEEKEND),
        "daily" | "everyday" => return Ok(DaySet::DAILY),
        _ => {}
    }
    if let Some((from, to)) = item.split_once('-') {
        let unknown = || DomainError::UnknownDay(shown(item));
        let from = day_index(from.trim()).ok_or_else(unknown)?;
        let to = day_index(to.trim()).ok_or_else(unknown)?;
        let span = (to + 7 - from) % 7;
        let bits = (0..=span).fold(0u8, |acc, k| acc | 1 << ((from + k) % 7));
        return Ok(DaySet(bits));
    }
    day_index(item)
        .map(|i| DaySet(1 << i))
        .ok_or_else(|| DomainError::UnknownDay(shown(item)))
}

fn day_index(name: &str) -> Option<usize> {
    let i = match name {
        "mon" | "monday" => 0,
        "tue" | "tues" | "tuesday" => 1,
        "wed" | "weds" | "wednesday" => 2,
        "thu" | "thur" | "thurs" | "thursday" => 3,
        "fri" | "friday" => 4,
        "sat" | "saturday" => 5,
        "sun" | "sunday" => 6,
        _ => return None,
    };
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> DaySet {
        DaySet::parse(s).unwrap()
    }

    #[test]
    fn parses_names_ranges_and_words() {
        assert_eq!(p("mon"), DaySet::single(Weekday::Mon));
        assert_eq!(p("Monday,WED , fri").label(), "Mon, Wed, Fri");
        assert_eq!(p("tues,thurs").label(), "Tue, Thu");
        assert_eq!(p("thur,weds").label(), "Wed, Thu");
        assert_eq!(p("mon-fri"), DaySet::WEEKDAYS);
        assert_eq!(p("mon–fri"), DaySet::WEEKDAYS);
        assert_eq!(p("weekdays"), DaySet::WEEKDAYS);
        assert_eq!(p("weekend"), DaySet::WEEKEND);
        assert_eq!(p("Weekends"), DaySet::WEEKEND);
        assert_eq!(p("daily"), DaySet::DAILY);
        assert_eq!(p("everyday"), DaySet::DAILY);
        assert_eq!(p("weekdays,weekends"), DaySet::DAILY);
        assert_eq!(p("fri-mon").label(), "Fri–Mon");
        assert_eq!(p("sun-sun"), DaySet::single(Weekday::Sun));
        assert_eq!(p("mon,,tue").label(), "Mon, Tue");
    }

    #[test]
    fn rejects_unknown_and_empty() {
        assert_eq!(
            DaySet::parse("frday"),
            Err(DomainError::UnknownDay("frday".into()))
        );
        assert_eq!(
            DaySet::parse("mon-xyz"),
            Err(DomainError::UnknownDay("mon-xyz".into()))
        );
        assert_eq!(
            DaySet::parse("mon-tue-wed"),
            Err(DomainError::UnknownDay("mon-tue-wed".into()))
        );
        assert_eq!(DaySet::parse(""), Err(DomainError::NoDays));
        assert_eq!(DaySet::parse(" , "), Err(DomainError::NoDays));
        assert!(DaySet::parse("-").is_err());
        assert!(DaySet::parse("10:00").is_err());
    }

    #[test]
    fn bits_round_trip_and_reject_junk() {
        assert_eq!(DaySet::from_bits(0), None);
        assert_eq!(DaySet::from_bits(0x80), None);
        assert_eq!(DaySet::from_bits(0x7f), Some(DaySet::DAILY));
        for b in 1..=0x7f {
            assert_eq!(DaySet::from_bits(b).map(DaySet::bits), Some(b));
        }
    }

    #[test]
    fn iteration_and_queries() {
        let s = p("sun,wed,mon");
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Weekday::Mon, Weekday::Wed, Weekday::Sun]
        );
        assert_eq!(s.len(), 3);
        assert_eq!(s.first(), Some(Weekday::Mon));
        assert!(s.contains(Weekday::Sun) && !s.contains(Weekday::Tue));
        assert!(DaySet::default().is_empty());
        assert_eq!(DaySet::default().first(), None);
    }

    #[test]
    fn labels() {
        assert_eq!(DaySet::DAILY.label(), "Daily");
        assert_eq!(DaySet::WEEKDAYS.label(), "Weekdays");
        assert_eq!(DaySet::WEEKEND.label(), "Weekends");
        assert_eq!(p("tue").label(), "Tue");
        assert_eq!(p("mon-wed").label(), "Mon–Wed");
        assert_eq!(p("mon,tue").label(), "Mon, Tue");
        assert_eq!(p("mon-wed,sat").label(), "Mon–Wed, Sat");
        assert_eq!(p("sat-mon,wed").label(), "Wed, Sat–Mon");
        assert_eq!(p("mon-sat").label(), "Mon–Sat");
        assert_eq!(DaySet::default().label(), "");
    }
}
