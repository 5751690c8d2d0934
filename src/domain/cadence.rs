//! 1:1 cadences: "every n weeks on <day> <time>" in the manager's zone, and
//! when each meeting's reminder goes out.
//!
//! Meetings keep their wall-clock time across DST changes under the rules of
//! `tzmath` (a time in a gap means the first instant after it; a repeated time
//! means its first occurrence). The stride counts whole weeks of local dates
//! from the anchor, so DST never shifts which week a meeting falls in.

use std::fmt;

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::dates::{at_on, before_end_of_day, local_date, local_of, on_or_after, weekday_name};
use super::error::{shown, DomainError};
use super::time_of_day::TimeOfDay;
use super::tzmath::resolve_local;

pub const MAX_EVERY_WEEKS: u8 = 12;

/// `meetings_between` stops here: a decade of weekly meetings, far beyond
/// any screen or schedule horizon, so a careless range can't allocate without bound.
pub const MAX_LISTED_MEETINGS: usize = 520;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Cadence {
    /// 1..=12.
    pub every_weeks: u8,
    pub weekday: Weekday,
    /// Before 24:00.
    pub at: TimeOfDay,
    /// Local date of the first meeting; its weekday is `weekday`.
    pub anchor: NaiveDate,
}

impl Cadence {
    pub fn new(
        every_weeks: u8,
        weekday: Weekday,
        at: TimeOfDay,
        anchor: NaiveDate,
    ) -> Result<Self, DomainError> {
        if !(1..=MAX_EVERY_WEEKS).contains(&every_weeks) {
            return Err(DomainError::BadEveryWeeks(every_weeks.to_string()));
        }
        let at = before_end_of_day(at)?;
        if anchor.weekday() != weekday {
            return Err(DomainError::AnchorWeekday {
                date: anchor.to_string(),
                actual: weekday_name(anchor.weekday()).into(),
                expected: weekday_name(weekday).into(),
            });
        }
        Ok(Cadence {
            every_weeks,
            weekday,
            at,
            anchor,
        })
    }

    /// Anchor for "every n weeks on <day> <time>" set at `now`: the first such
    /// local date whose meeting is still ahead of now (today counts if its
    /// time is ahead).
    pub fn starting(
        every_weeks: u8,
        weekday: Weekday,
        at: TimeOfDay,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        // Validate first: the search below needs a time before 24:00.
        let at = before_end_of_day(at)?;
        let today = local_date(tz, now);
        let mut date = on_or_after(today, weekday);
        for _ in 0..3 {
            let Some(d) = date else { break };
            if at_on(d, at).is_some_and(|local| resolve_local(tz, local) > now) {
                return Cadence::new(every_weeks, weekday, at, d);
            }
            date = d.checked_add_days(Days::new(7));
        }
        // Only reachable at the end of chrono's calendar.
        Err(DomainError::BadWeeklyTime(shown(&format!(
            "{} {at}",
            weekday_name(weekday)
        ))))
    }

    /// A cadence set without `on`: the meeting is now, so today (local, in
    /// `tz`) is the anchor and the next meeting is n weeks away. The time is
    /// cut to the minute.
    pub fn from_now(every_weeks: u8, tz: Tz, now: DateTime<Utc>) -> Result<Self, DomainError> {
        let local = local_of(tz, now).unwrap_or(now.naive_utc());
        let minutes = local.time().num_seconds_from_midnight() / 60;
        let at = u16::try_from(minutes)
            .ok()
            .and_then(TimeOfDay::from_minutes)
            .unwrap_or(TimeOfDay::MIDNIGHT);
        Cadence::new(every_weeks, local.date().weekday(), at, local.date())
    }

    fn stride_days(&self) -> i64 {
        7 * i64::from(self.every_weeks.clamp(1, MAX_EVERY_WEEKS))
    }

    /// The meeting's instant on a local date of the cadence.
    fn meeting_on(&self, tz: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
        at_on(date, self.at).map(|local| resolve_local(tz, local))
    }

    /// The meeting date number `k` (0 is the anchor).
    fn date_of(&self, k: i64) -> Option<NaiveDate> {
        let days = u64::try_from(k.checked_mul(self.stride_days())?).ok()?;
        self.anchor.checked_add_days(Days::new(days))
    }

    /// Index of the first meeting date on or after `date`.
    fn index_on_or_after(&self, date: NaiveDate) -> i64 {
        let since = (date - self.anchor).num_days();
        if since <= 0 {
            0
        } else {
            (since + self.stride_days() - 1) / self.stride_days()
        }
    }

    /// The first meeting start strictly after `after`, honouring the n-week
    /// stride from the anchor. None only past the end of chrono's calendar.
    pub fn next_meeting_after(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // A meeting on the previous local date can still be ahead of `after`
        // when a DST overlap repeats the evening; start looking there.
        let from = local_date(tz, after).pred_opt().unwrap_or(self.anchor);
        let first = self.index_on_or_after(from);
        (first..first + 3)
            .filter_map(|k| self.meeting_on(tz, self.date_of(k)?))
            .find(|t| *t > after)
    }

    /// The last meeting that started at or before `t`: the "current" 1:1 when
    /// someone marks it done. None before the first meeting.
    pub fn last_meeting_at_or_before(&self, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Step down from the first meeting date after t's local date; a few
        // steps cover DST overlaps that put a meeting just past midnight.
        let top = self.index_on_or_after(local_date(tz, t).succ_opt()?);
        (0..=top)
            .rev()
            .take(4)
            .filter_map(|k| self.meeting_on(tz, self.date_of(k)?))
            .find(|m| *m <= t)
    }

    /// Meeting starts in [from, to), at most `MAX_LISTED_MEETINGS` of them.
    pub fn meetings_between(
        &self,
        tz: Tz,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        // Just before `from`, so a meeting exactly at `from` is included.
        let mut cursor = Some(
            from.checked_sub_signed(Duration::nanoseconds(1))
                .unwrap_or(from),
        );
        while let Some(after) = cursor {
            match self.next_meeting_after(tz, after) {
                Some(m) if m < to && out.len() < MAX_LISTED_MEETINGS => {
                    out.push(m);
                    cursor = Some(m);
                }
                _ => break,
            }
        }
        out
    }

    /// Which meeting of the cadence `meeting` is (0 for the anchor), by its
    /// local date: a stable n for `question_for`. None if it isn't one.
    pub fn index_of(&self, tz: Tz, meeting: DateTime<Utc>) -> Option<u32> {
        let since = (local_date(tz, meeting) - self.anchor).num_days();
        if since < 0 || since % self.stride_days() != 0 {
            return None;
        }
        u32::try_from(since / self.stride_days()).ok()
    }

    /// "every 2 weeks on Tuesday at 10:00".
    pub fn label(&self) -> String {
        let every = match self.every_weeks {
            1 => "every week".to_string(),
            n => format!("every {n} weeks"),
        };
        format!("{every} on {} at {}", weekday_name(self.weekday), self.at)
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A 1:1 someone declined, as their Home tab offers it back to accept after all.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DeclinedOneOnOne {
    /// What the Accept button carries.
    pub cadence_id: i64,
    pub manager_id: String,
    pub cadence: Cadence,
    /// The manager's zone: the cadence's day and time are theirs.
    pub manager_tz: Tz,
}

/// When the reminder for a meeting goes out: meeting - lead. A zero lead is
/// the start itself; a negative one is treated as zero so a reminder never
/// comes after the meeting has begun.
pub fn reminder_time(meeting: DateTime<Utc>, lead: Duration) -> DateTime<Utc> {
    meeting
        .checked_sub_signed(lead.max(Duration::zero()))
        .unwrap_or(meeting)
}

/// Like `parse_duration`, but "0", "0s" and other spellings of no time are
/// allowed: ONE_ON_ONE_LEAD=0s means "remind at the start".
pub fn parse_lead(s: &str) -> Result<Duration, DomainError> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let number = compact.trim_end_matches(char::is_alphabetic);
    let unit = &compact[number.len()..];
    let zero_seconds = matches!(unit, "" | "s" | "sec" | "secs" | "second" | "seconds");
    if !number.is_empty() && number.bytes().all(|b| b == b'0') && zero_seconds {
        return Ok(Duration::zero());
    }
    match super::duration::parse_duration(s) {
        Ok(d) => Ok(d),
        Err(DomainError::ZeroDuration(_)) => Ok(Duration::zero()),
        Err(DomainError::BadDuration(_)) => Err(DomainError::BadLead(shown(s))),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
#[path = "cadence_tests.rs"]
mod tests;
