//! Working time: when nudges the bot times itself may reach someone.
//!
//! A nudge that falls due outside working time waits for the next start of
//! it, in the recipient's own zone, under the DST rules of `tzmath` (working
//! time is just a weekly window, so it reuses the window code).

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::dates::{at_on, before_end_of_day};
use super::days::DaySet;
use super::error::DomainError;
use super::time_of_day::{parse_range, TimeOfDay, TimeRange};
use super::tzmath::{current_or_next, resolve_local, Occurrence};
use super::window::WeeklyWindow;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WorkTime {
    /// Never crosses midnight: a working day belongs to one date, which keeps
    /// "the next working morning" unambiguous.
    pub hours: TimeRange,
    pub days: DaySet,
    /// When a nudge "for a date" goes out, before deferral.
    pub nudge_at: TimeOfDay,
}

impl Default for WorkTime {
    /// 08:00-20:00, Monday to Friday, nudges at 09:00.
    fn default() -> Self {
        WorkTime {
            hours: TimeRange {
                start: TimeOfDay::hm(8, 0).unwrap_or(TimeOfDay::MIDNIGHT),
                end: TimeOfDay::hm(20, 0).unwrap_or(TimeOfDay::END_OF_DAY),
            },
            days: DaySet::WEEKDAYS,
            nudge_at: TimeOfDay::hm(9, 0).unwrap_or(TimeOfDay::MIDNIGHT),
        }
    }
}

/// Which of the two review prompts a time belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ReviewLead {
    TwoWeeks,
    OneDay,
}

impl ReviewLead {
    /// Days before the review date.
    pub fn days(self) -> u64 {
        match self {
            ReviewLead::TwoWeeks => 14,
            ReviewLead::OneDay => 1,
        }
    }
}

impl WorkTime {
    pub fn new(hours: TimeRange, days: DaySet, nudge_at: TimeOfDay) -> Result<Self, DomainError> {
        if hours.crosses_midnight() {
            return Err(DomainError::WorkHoursCrossMidnight(hours.to_string()));
        }
        if days.is_empty() {
            return Err(DomainError::NoDays);
        }
        // Checked here too because the fields are public and may come from storage.
        let hours = TimeRange::new(hours.start, hours.end)?;
        let nudge_at = before_end_of_day(nudge_at)?;
        Ok(WorkTime {
            hours,
            days,
            nudge_at,
        })
    }

    /// Reads the WORK_HOURS, WORK_DAYS and NUDGE_AT settings: "08:00-20:00",
    /// "mon-fri", "09:00" (every format `parse_range`, `DaySet` and
    /// `TimeOfDay` accept).
    pub fn parse(hours: &str, days: &str, nudge_at: &str) -> Result<Self, DomainError> {
        WorkTime::new(
            parse_range(hours)?,
            DaySet::parse(days)?,
            TimeOfDay::parse(nudge_at)?,
        )
    }

    fn window(&self) -> WeeklyWindow {
        WeeklyWindow {
            days: self.days,
            range: self.hours,
        }
    }

    /// The stretch of working time running at `t`, or else the next one.
    pub fn shift_at_or_after(&self, tz: Tz, t: DateTime<Utc>) -> Option<Occurrence> {
        current_or_next(&self.window(), tz, t)
    }

    pub fn is_working(&self, tz: Tz, t: DateTime<Utc>) -> bool {
        current_or_next(&self.window(), tz, t).is_some_and(|o| o.contains(t))
    }

    /// `t` itself if inside working time, else the next start of working time
    /// (DST rules as tzmath). A WorkTime built without `new` may have no
    /// working time at all; then `t` is returned rather than never sending.
    pub fn defer(&self, tz: Tz, t: DateTime<Utc>) -> DateTime<Utc> {
        match current_or_next(&self.window(), tz, t) {
            Some(o) if o.contains(t) => t,
            Some(o) => o.start,
            None => t,
        }
    }

    /// A nudge "for a date": NUDGE_AT on that local date, deferred into
    /// working time (so a Saturday date goes out on Monday morning).
    pub fn on_date(&self, tz: Tz, date: NaiveDate) -> DateTime<Utc> {
        // 24:00 can only get here through the public fields; treat it as the
        // next day's midnight, which defer then moves into working time.
        let local = at_on(date, self.nudge_at)
            .or_else(|| date.succ_opt().and_then(|d| at_on(d, TimeOfDay::MIDNIGHT)))
            .unwrap_or_else(|| date.and_time(chrono::NaiveTime::MIN));
        self.defer(tz, resolve_local(tz, local))
    }

    /// When a nudge for `date` goes out if it is registered at `now`: its
    /// usual time, or, once that has passed, the next working instant from
    /// now ("at once" during working time). A date already in the past also
    /// gets "now"; callers that must refuse past dates check them first.
    pub fn due_on_date(&self, tz: Tz, date: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
        self.on_date(tz, date).max(self.defer(tz, now))
    }

    /// The review prompts for a review on `date`, registered at `now`: two
    /// weeks before (as a nudge for that date) and on the last working day
    /// before it, so a Monday review is prompted on Friday, not on the Monday
    /// itself. A prompt whose time has already passed is left out rather than
    /// sent late.
    pub fn review_times(
        &self,
        tz: Tz,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Vec<(ReviewLead, DateTime<Utc>)> {
        [ReviewLead::TwoWeeks, ReviewLead::OneDay]
            .into_iter()
            .filter_map(|lead| {
                let day = date.checked_sub_days(Days::new(lead.days()))?;
                let at = match lead {
                    ReviewLead::OneDay => self
                        .last_working_day_before(tz, date)
                        .unwrap_or_else(|| self.on_date(tz, day)),
                    ReviewLead::TwoWeeks => self.on_date(tz, day),
                };
                (at >= now).then_some((lead, at))
            })
            .collect()
    }

    /// NUDGE_AT (moved into working hours) on the nearest earlier date that
    /// has working time; `None` if the week before has none.
    fn last_working_day_before(&self, tz: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
        (1..=7).find_map(|back| {
            let day = date.checked_sub_days(Days::new(back))?;
            let at = self.on_date(tz, day);
            (at.with_timezone(&tz).date_naive() == day).then_some(at)
        })
    }
}

#[cfg(test)]
#[path = "worktime_tests.rs"]
mod tests;
