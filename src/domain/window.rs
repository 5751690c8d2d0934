//! Weekly office-hours windows: a set of days plus a wall-clock time range.

use std::fmt;

use super::days::DaySet;
use super::error::{shown, DomainError, MAX_OVERNIGHT_HOURS};
use super::time_of_day::{parse_range, TimeOfDay, TimeRange, MINUTES_PER_DAY};

pub const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY as u32;

/// Repeats every week on `days`, in the owner's own time zone.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WeeklyWindow {
    pub days: DaySet,
    pub range: TimeRange,
}

impl WeeklyWindow {
    /// Refuses an empty day set, which would be a window that never happens.
    pub fn new(days: DaySet, range: TimeRange) -> Result<Self, DomainError> {
        if days.is_empty() {
            return Err(DomainError::NoDays);
        }
        Ok(WeeklyWindow { days, range })
    }

    /// Half-open minute-of-week intervals (Monday 00:00 = 0), sorted. A window
    /// that runs past Sunday midnight is split so everything stays in
    /// [0, 10080) and overlap checks need no modular arithmetic.
    pub fn week_intervals(&self) -> Vec<(u32, u32)> {
        let len = self.range.len_minutes();
        let mut out = Vec::with_capacity(self.days.len() + 1);
        for day in self.days.iter() {
            let start = day.num_days_from_monday() * u32::from(MINUTES_PER_DAY)
                + u32::from(self.range.start.minutes());
            let end = start + len;
            if end <= MINUTES_PER_WEEK {
                out.push((start, end));
            } else {
                out.push((start, MINUTES_PER_WEEK));
                out.push((0, end - MINUTES_PER_WEEK));
            }
        }
        out.sort_unstable();
        out
    }

    /// True when the two windows share at least one minute of the week;
    /// one ending exactly when the other starts is fine.
    pub fn overlaps(&self, other: &WeeklyWindow) -> bool {
        let theirs = other.week_intervals();
        self.week_intervals()
            .iter()
            .any(|a| theirs.iter().any(|b| a.0 < b.1 && b.0 < a.1))
    }

    /// "Tue 10:00–11:00", "Weekdays 22:00–01:00".
    pub fn label(&self) -> String {
        format!("{} {}", self.days.label(), self.range)
    }

    /// First day (Monday = 0) then start minute, so numbering in lists is
    /// stable and reads in week order.
    pub fn sort_key(&self) -> (u32, u16) {
        let day = self.days.first().map_or(7, |d| d.num_days_from_monday());
        (day, self.range.start.minutes())
    }
}

impl fmt::Display for WeeklyWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Reads `<days> <start>-<end>` from the front of `tokens`, e.g. "tue,thu
/// 2pm-3pm", "mon, wed 10:00 - 11:00" or "fri 10am to 11am", and returns the
/// window with the number of tokens it used; what follows is the caller's.
pub fn parse_window(tokens: &[&str]) -> Result<(WeeklyWindow, usize), DomainError> {
    let first = tokens.first().ok_or(DomainError::NoDays)?;
    // "mon, wed" arrives as two tokens; keep joining while a comma links them.
    let mut used = 1;
    let mut days_text = first.to_string();
    while let Some(next) = tokens.get(used) {
        if !(days_text.ends_with(',') || next.starts_with(',')) {
            break;
        }
        days_text.push_str(next);
        used += 1;
    }
    let days = DaySet::parse(&days_text).map_err(|e| {
        if parse_range(&days_text).is_ok() || TimeOfDay::parse(&days_text).is_ok() {
            DomainError::DaysAfterTime(shown(&days_text))
        } else {
            e
        }
    })?;
    let (range_text, range_tokens) = take_range(&tokens[used..]);
    if range_tokens == 0 {
        return Err(DomainError::MissingRange);
    }
    let range = parse_range(&range_text).map_err(|e| match e {
        _ if DaySet::parse(tokens[used]).is_ok() => {
            DomainError::DaysNeedCommas(shown(tokens[used]))
        }
        DomainError::BadTime(_) if !range_text.contains(DASHES) => {
            DomainError::BadRange(shown(&range_text))
        }
        e => e,
    })?;
    if range.crosses_midnight() && range.len_minutes() > MAX_OVERNIGHT_HOURS * 60 {
        return Err(DomainError::LongOvernight {
            given: format!("{}-{}", range.start, range.end),
            swapped: format!("{}-{}", range.end, range.start),
            hours: range.len_minutes().div_ceil(60),
        });
    }
    Ok((WeeklyWindow::new(days, range)?, used + range_tokens))
}

const DASHES: [char; 5] = ['-', '–', '—', '‒', '−'];

/// Glues "10:00 - 11:00", "10am to 11am" or "10 am-11 am" back into one
/// range string; returns it and how many tokens it took.
fn take_range(tokens: &[&str]) -> (String, usize) {
    let mut text = String::new();
    let mut used = 0;
    for tok in tokens {
        let lower = tok.to_lowercase();
        let is_dash_word = matches!(lower.as_str(), "to" | "till" | "until")
            || tok.chars().all(|c| DASHES.contains(&c));
        let is_meridiem = matches!(lower.as_str(), "am" | "pm" | "a.m." | "p.m.");
        let accept = used == 0
            || is_meridiem
            || text.ends_with(DASHES)
            || (!text.contains(DASHES) && (is_dash_word || tok.starts_with(DASHES)));
        if !accept {
            break;
        }
        text.push_str(if is_dash_word && used > 0 { "-" } else { tok });
        used += 1;
    }
    (text, used)
}

/// How many windows one person may publish: a week has room for far fewer real office hours, and
/// every window costs each calendar feed and each "who is open" answer.
pub const MAX_WINDOWS_PER_PERSON: usize = 50;

/// A window a mentor published: the weekly window, its topics, and the id that `list` numbers
/// and App Home's Remove buttons carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedWindow {
    pub id: i64,
    pub user_id: String,
    pub window: WeeklyWindow,
    pub topics: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time_of_day::parse_range;

    fn w(days: &str, range: &str) -> WeeklyWindow {
        WeeklyWindow::new(DaySet::parse(days).unwrap(), parse_range(range).unwrap()).unwrap()
    }

    #[test]
    fn intervals_are_minutes_of_the_week() {
        assert_eq!(w("mon", "00:00-01:00").week_intervals(), vec![(0, 60)]);
        assert_eq!(w("tue", "10:00-11:00").week_intervals(), vec![(2040, 2100)]);
        assert_eq!(
            w("mon,wed", "22:00-01:00").week_intervals(),
            vec![(1320, 1500), (4200, 4380)]
        );
        assert_eq!(
            w("sun", "23:00-24:00").week_intervals(),
            vec![(10020, 10080)]
        );
    }

    #[test]
    fn sunday_night_wraps_to_monday() {
        assert_eq!(
            w("sun", "22:00-02:00").week_intervals(),
            vec![(0, 120), (9960, 10080)]
        );
        assert_eq!(w("daily", "00:00-24:00").week_intervals().len(), 7);
    }

    #[test]
    fn overlap_rules() {
        assert!(w("tue", "10:00-11:00").overlaps(&w("tue", "10:30-12:00")));
        assert!(!w("tue", "10:00-11:00").overlaps(&w("tue", "11:00-12:00")));
        assert!(!w("tue", "10:00-11:00").overlaps(&w("wed", "10:00-11:00")));
        assert!(w("weekdays", "09:00-10:00").overlaps(&w("wed", "09:59-11:00")));
        assert!(w("mon", "23:00-01:00").overlaps(&w("tue", "00:30-02:00")));
        assert!(!w("mon", "23:00-01:00").overlaps(&w("tue", "01:00-02:00")));
        assert!(w("sun", "23:00-02:00").overlaps(&w("mon", "01:00-03:00")));
        assert!(!w("sun", "23:00-02:00").overlaps(&w("mon", "02:00-03:00")));
        assert!(w("daily", "00:00-24:00").overlaps(&w("sat", "12:00-13:00")));
    }

    #[test]
    fn labels_and_ordering() {
        assert_eq!(w("tue", "10:00-11:00").label(), "Tue 10:00–11:00");
        assert_eq!(
            w("weekdays", "22:00-01:00").to_string(),
            "Weekdays 22:00–01:00"
        );
        let mut list = [
            w("fri", "09:00-10:00"),
            w("mon,fri", "14:00-15:00"),
            w("mon", "08:00-09:00"),
        ];
        list.sort_by_key(WeeklyWindow::sort_key);
        let labels: Vec<_> = list.iter().map(WeeklyWindow::label).collect();
        assert_eq!(
            labels,
            ["Mon 08:00–09:00", "Mon, Fri 14:00–15:00", "Fri 09:00–10:00"]
        );
    }

    fn pw(s: &str) -> Result<(String, usize), DomainError> {
        let tokens: Vec<&str> = s.split_whitespace().collect();
        parse_window(&tokens).map(|(w, used)| (w.label(), used))
    }

    #[test]
    fn window_from_tokens() {
        let ok = |s: &str, label: &str, used: usize| {
            assert_eq!(pw(s), Ok((label.into(), used)), "{s:?}")
        };
        ok("tue 10:00-11:00", "Tue 10:00–11:00", 2);
        ok("Tue,Thu 2pm–3pm career", "Tue, Thu 14:00–15:00", 2);
        ok("mon, wed 10:00 - 11:00 x", "Mon, Wed 10:00–11:00", 5);
        ok("mon ,wed 10am to 11am", "Mon, Wed 10:00–11:00", 5);
        ok("weekdays 10 am - 11 am rust", "Weekdays 10:00–11:00", 6);
        ok("daily 22:00-01:00", "Daily 22:00–01:00", 2);
        ok("fri 10:00 -11:00", "Fri 10:00–11:00", 3);
        ok("fri 10:00- 11:00", "Fri 10:00–11:00", 3);
        ok("sat 9-5pm", "Sat 09:00–17:00", 2);
        ok("sun 10-11 am", "Sun 10:00–11:00", 3);
    }

    #[test]
    fn window_from_tokens_names_the_problem() {
        assert_eq!(pw(""), Err(DomainError::NoDays));
        assert_eq!(
            pw("frday 10:00-11:00"),
            Err(DomainError::UnknownDay("frday".into()))
        );
        assert_eq!(
            pw("tue 10:00-25:00"),
            Err(DomainError::BadTime("25:00".into()))
        );
        assert_eq!(pw("tue 10:00-10:00"), Err(DomainError::EmptyRange));
        assert_eq!(
            pw("tue 10:00"),
            Err(DomainError::MissingEnd("10:00".into()))
        );
        assert_eq!(pw("tue"), Err(DomainError::MissingRange));
        assert_eq!(
            pw("10:00-11:00 tue"),
            Err(DomainError::DaysAfterTime("10:00-11:00".into()))
        );
        assert_eq!(
            pw("mon wed 10-11"),
            Err(DomainError::DaysNeedCommas("wed".into()))
        );
        assert_eq!(
            pw("tue career"),
            Err(DomainError::BadRange("career".into()))
        );
        assert_eq!(pw("tue - -"), Err(DomainError::BadRange("--".into())));
    }

    #[test]
    fn empty_days_are_refused() {
        let range = parse_range("10:00-11:00").unwrap();
        assert_eq!(
            WeeklyWindow::new(DaySet::default(), range),
            Err(DomainError::NoDays)
        );
    }
}
