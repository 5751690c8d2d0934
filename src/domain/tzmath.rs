//! Turning weekly wall-clock windows into real instants across DST changes.
//!
//! The rules, as the README states them:
//! - a window keeps its wall-clock time in the owner's zone all year;
//! - a local time inside a DST gap means the first instant after the gap;
//! - a local time that happens twice means its first (earlier) occurrence;
//! - an occurrence whose start and end land on the same instant is skipped.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime};
use chrono::{Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::time_of_day::TimeOfDay;
use super::window::WeeklyWindow;

/// The longest gap on record is a whole day (Samoa, 2011); twice that bounds
/// the search even for data we haven't seen.
const GAP_SEARCH_MINUTES: u32 = 48 * 60;

/// A window can start up to a day before the local date of `t` and still be
/// running; a fortnight ahead covers a weekly window skipped by a gap.
const LOOK_BACK_DAYS: u32 = 2;
const SCAN_DAYS: u32 = LOOK_BACK_DAYS + 15;

/// One concrete run of a weekly window, as half-open [start, end).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Occurrence {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

/// The instant a wall-clock time in `tz` stands for, under the gap and
/// overlap rules above.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    if let Some(t) = valid(tz, local) {
        return t;
    }
    // Gaps end on whole seconds, so search whole seconds: minutes first to
    // find the gap's end, then bisect the last minute.
    let start = local.with_nanosecond(0).unwrap_or(local);
    let mut before = start;
    for _ in 0..GAP_SEARCH_MINUTES {
        let Some(after) = before.checked_add_signed(Duration::minutes(1)) else {
            break;
        };
        if valid(tz, after).is_some() {
            return first_valid_within_minute(tz, before, after);
        }
        before = after;
    }
    as_if_offset_unchanged(tz, local)
}

fn valid(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// `invalid` lies in the gap and `valid_local` one minute later does not.
fn first_valid_within_minute(
    tz: Tz,
    invalid: NaiveDateTime,
    valid_local: NaiveDateTime,
) -> DateTime<Utc> {
    let (mut lo, mut hi) = (0i64, 60i64);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        let probe = invalid.checked_add_signed(Duration::seconds(mid));
        match probe.and_then(|p| valid(tz, p)) {
            Some(_) => hi = mid,
            None => lo = mid,
        }
    }
    invalid
        .checked_add_signed(Duration::seconds(hi))
        .and_then(|p| valid(tz, p))
        .or_else(|| valid(tz, valid_local))
        .unwrap_or_else(|| as_if_offset_unchanged(tz, valid_local))
}

/// Last resort for data without an end to the gap: never panic, and stay
/// within the offset the zone has around that time.
fn as_if_offset_unchanged(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let offset = tz.offset_from_utc_datetime(&local).fix().local_minus_utc();
    let naive = local
        .checked_sub_signed(Duration::seconds(i64::from(offset)))
        .unwrap_or(local);
    Utc.from_utc_datetime(&naive)
}

/// The wall-clock reading of `t` in `tz`; None only at the very ends of
/// chrono's range, where `with_timezone(..).naive_local()` would panic.
fn local_of(tz: Tz, t: DateTime<Utc>) -> Option<NaiveDateTime> {
    let utc = t.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// Wall-clock `at` on `date`; 24:00 is midnight at the start of the next day.
fn local_at(date: NaiveDate, at: TimeOfDay) -> Option<NaiveDateTime> {
    if at == TimeOfDay::END_OF_DAY {
        return Some(date.succ_opt()?.and_time(NaiveTime::MIN));
    }
    let time = NaiveTime::from_hms_opt(u32::from(at.hour()), u32::from(at.minute()), 0)?;
    Some(date.and_time(time))
}

/// The occurrence of `w` that starts on local `date`, if `w` runs that day and
/// is not swallowed whole by a DST gap.
pub fn occurrence_on(w: &WeeklyWindow, tz: Tz, date: NaiveDate) -> Option<Occurrence> {
    if !w.days.contains(date.weekday()) {
        return None;
    }
    let start_local = local_at(date, w.range.start)?;
    let end_date = if w.range.crosses_midnight() {
        date.succ_opt()?
    } else {
        date
    };
    let end_local = local_at(end_date, w.range.end)?;
    let start = resolve_local(tz, start_local);
    let end = resolve_local(tz, end_local);
    (start < end).then_some(Occurrence { start, end })
}

/// Occurrences start in date order, so the first match in date order is
/// the earliest one.
fn scan(
    w: &WeeklyWindow,
    tz: Tz,
    t: DateTime<Utc>,
    wanted: impl Fn(&Occurrence) -> bool,
) -> Option<Occurrence> {
    let today = local_of(tz, t)?.date();
    let mut date = today.checked_sub_days(chrono::Days::new(u64::from(LOOK_BACK_DAYS)))?;
    for _ in 0..SCAN_DAYS {
        if let Some(occ) = occurrence_on(w, tz, date).filter(&wanted) {
            return Some(occ);
        }
        date = date.succ_opt()?;
    }
    None
}

/// The occurrence in progress at `t`, or else the next one.
pub fn current_or_next(w: &WeeklyWindow, tz: Tz, t: DateTime<Utc>) -> Option<Occurrence> {
    scan(w, tz, t, |o| o.end > t)
}

/// The first occurrence that starts strictly after `t`.
pub fn next_start_after(w: &WeeklyWindow, tz: Tz, t: DateTime<Utc>) -> Option<Occurrence> {
    scan(w, tz, t, |o| o.start > t)
}

/// The first instant after `after` that reads `at` on the wall clock in `tz`
/// (later today, else tomorrow), under the same gap and overlap rules.
pub fn next_local_time(tz: Tz, after: DateTime<Utc>, at: TimeOfDay) -> DateTime<Utc> {
    let today = local_of(tz, after).map_or(after.date_naive(), |l| l.date());
    let mut date = today.pred_opt().unwrap_or(today);
    for _ in 0..5 {
        if let Some(local) = local_at(date, at) {
            let t = resolve_local(tz, local);
            if t > after {
                return t;
            }
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    after.checked_add_signed(Duration::days(1)).unwrap_or(after)
}

/// The next local midnight after `t`.
pub fn end_of_local_day(tz: Tz, t: DateTime<Utc>) -> DateTime<Utc> {
    next_local_time(tz, t, TimeOfDay::MIDNIGHT)
}

/// "Thu 14:00" in `tz`.
pub fn local_label(tz: Tz, t: DateTime<Utc>) -> String {
    local_format(tz, t, "%a %H:%M")
}

/// "14:00" in `tz`.
pub fn local_time_label(tz: Tz, t: DateTime<Utc>) -> String {
    local_format(tz, t, "%H:%M")
}

fn local_format(tz: Tz, t: DateTime<Utc>, pattern: &str) -> String {
    local_of(tz, t)
        .unwrap_or(t.naive_utc())
        .format(pattern)
        .to_string()
}

#[cfg(test)]
#[path = "tzmath_tests.rs"]
mod tests;
