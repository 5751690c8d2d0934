//! When one message to several people goes out (a debrief's group DM, a conference
//! introduction): inside everyone's working time if there is such a time, else when the most of
//! them are working, the earliest such time on a tie.
//!
//! Only the start of someone's working time can add a person to those reached, so the best
//! instant is always `now` or one of those starts: no need to try every hour.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::tzmath::{current_or_next, next_start_after, occurrence_on, Occurrence};
use super::window::WeeklyWindow;
use super::worktime::WorkTime;

/// How far ahead a message with no date looks for a time that suits its people.
pub const LOOK_AHEAD_DAYS: i64 = 7;

/// Of `candidates` from `now` on, the one inside the most of `shifts`' working time (the
/// earliest of those on a tie), if it reaches anyone at all.
fn most_reached(
    candidates: impl Iterator<Item = DateTime<Utc>>,
    shifts: &[Occurrence],
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, usize)> {
    let reached = |t: DateTime<Utc>| shifts.iter().filter(|o| o.contains(t)).count();
    let mut best: Option<(DateTime<Utc>, usize)> = None;
    for t in candidates.filter(|t| *t >= now) {
        let n = reached(t);
        let better = match best {
            None => n > 0,
            Some((at, most)) => n > most || (n == most && t < at),
        };
        if better {
            best = Some((t, n));
        }
    }
    best
}

impl WorkTime {
    fn week(&self) -> WeeklyWindow {
        WeeklyWindow {
            days: self.days,
            range: self.hours,
        }
    }

    /// A group message for `date` (a debrief): `usual` (the organiser's time for it) if everyone
    /// is working then; else, from `now` on, the instant inside the working time of the most of
    /// them, each on their own `date`, the earliest on a tie. `usual` also when nobody works
    /// that day (a weekend), so the message still goes out.
    pub fn group_on_date(
        &self,
        zones: &[Tz],
        date: NaiveDate,
        usual: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let shifts: Vec<Occurrence> = zones
            .iter()
            .filter_map(|tz| occurrence_on(&self.week(), *tz, date))
            .collect();
        let everyone =
            |t: DateTime<Utc>| shifts.len() == zones.len() && shifts.iter().all(|o| o.contains(t));
        if everyone(usual) {
            return usual;
        }
        let starts = shifts.iter().map(|o| o.start);
        most_reached(std::iter::once(now).chain(starts), &shifts, now).map_or(usual, |(t, _)| t)
    }

    /// A group message with no date (a conference introduction): the first instant from `now`
    /// at which everyone is working, within `LOOK_AHEAD_DAYS`; else the earliest at which the
    /// most of them are. `now` if nobody has any working time.
    pub fn group_soon(&self, zones: &[Tz], now: DateTime<Utc>) -> DateTime<Utc> {
        let until = now + Duration::days(LOOK_AHEAD_DAYS);
        let mut shifts = Vec::new();
        for tz in zones {
            let mut next = current_or_next(&self.week(), *tz, now);
            while let Some(shift) = next.filter(|o| o.start < until) {
                shifts.push(shift);
                next = next_start_after(&self.week(), *tz, shift.start);
            }
        }
        let starts: Vec<DateTime<Utc>> = shifts.iter().map(|o| o.start).collect();
        most_reached(std::iter::once(now).chain(starts), &shifts, now).map_or(now, |(t, _)| t)
    }
}

#[cfg(test)]
#[path = "group_time_tests.rs"]
mod tests;
