//! Tests for presence: schedule, manual overrides and chaining (Berlin, June = UTC+2).

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;
use crate::domain::days::DaySet;
use crate::domain::time_of_day::parse_range;

const BERLIN: Tz = chrono_tz::Europe::Berlin;

/// 2026-06-02 is a Tuesday; `h` is Berlin wall-clock time.
fn tue(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 2, h - 2, m, 0).unwrap()
}

fn day(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, d, h, m, 0).unwrap()
}

fn win(days: &str, range: &str) -> WeeklyWindow {
    WeeklyWindow::new(DaySet::parse(days).unwrap(), parse_range(range).unwrap()).unwrap()
}

fn schedule() -> Vec<WeeklyWindow> {
    vec![
        win("wed", "09:00-10:00"),
        win("tue", "11:00-12:00"),
        win("tue", "10:00-11:00"),
    ]
}

fn occ(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Occurrence> {
    Some(Occurrence { start, end })
}

#[test]
fn schedule_alone() {
    let ws = schedule();
    assert_eq!(presence(BERLIN, &ws, None, tue(9, 59)), Presence::Closed);
    assert_eq!(
        presence(BERLIN, &ws, None, tue(10, 0)),
        Presence::OpenScheduled { until: tue(12, 0) }
    );
    assert_eq!(
        presence(BERLIN, &ws, None, tue(11, 30)),
        Presence::OpenScheduled { until: tue(12, 0) }
    );
    assert_eq!(presence(BERLIN, &ws, None, tue(12, 0)), Presence::Closed);
    assert_eq!(
        in_progress(BERLIN, &ws, tue(10, 30)),
        occ(tue(10, 0), tue(11, 0))
    );
    assert_eq!(
        in_progress_window(BERLIN, &ws, tue(11, 0)).map(|(i, _)| i),
        Some(1)
    );
    assert_eq!(in_progress(BERLIN, &ws, tue(12, 0)), None);
}

#[test]
fn next_opening_skips_the_current_stretch() {
    let ws = schedule();
    assert_eq!(
        next_opening(BERLIN, &ws, None, tue(8, 0)),
        occ(tue(10, 0), tue(11, 0))
    );
    // Open 10–12 in one stretch: the 11:00 window is no new opening.
    assert_eq!(
        next_opening(BERLIN, &ws, None, tue(10, 30)),
        occ(day(3, 7, 0), day(3, 8, 0))
    );
    assert_eq!(
        next_opening(BERLIN, &ws, None, tue(12, 0)),
        occ(day(3, 7, 0), day(3, 8, 0))
    );
}

#[test]
fn manual_on_extends_through_scheduled_windows() {
    let ws = schedule();
    let on = |until| Some(ManualState::AvailableUntil(until));
    assert_eq!(
        presence(BERLIN, &ws, on(tue(15, 0)), tue(13, 0)),
        Presence::OpenManual { until: tue(15, 0) }
    );
    assert_eq!(
        presence(BERLIN, &ws, on(tue(10, 30)), tue(9, 0)),
        Presence::OpenManual { until: tue(12, 0) }
    );
    assert_eq!(
        presence(BERLIN, &ws, on(tue(10, 0)), tue(9, 0)),
        Presence::OpenManual { until: tue(12, 0) }
    );
    assert_eq!(
        presence(BERLIN, &ws, on(tue(10, 15)), tue(10, 5)),
        Presence::OpenManual { until: tue(12, 0) }
    );
    assert_eq!(
        next_opening(BERLIN, &ws, on(tue(10, 30)), tue(9, 0)),
        occ(day(3, 7, 0), day(3, 8, 0))
    );
    // Expired: the schedule applies again.
    assert_eq!(
        presence(BERLIN, &ws, on(tue(9, 0)), tue(10, 30)),
        Presence::OpenScheduled { until: tue(12, 0) }
    );
    assert_eq!(
        presence(BERLIN, &ws, on(tue(13, 0)), tue(13, 0)),
        Presence::Closed
    );
    assert_eq!(
        presence(BERLIN, &[], on(tue(13, 0)), tue(12, 0)),
        Presence::OpenManual { until: tue(13, 0) }
    );
}

#[test]
fn manual_off_hides_the_schedule_until_it_lapses() {
    let ws = schedule();
    let off = |until| Some(ManualState::UnavailableUntil(until));
    assert_eq!(
        presence(BERLIN, &ws, off(tue(11, 30)), tue(10, 30)),
        Presence::Closed
    );
    // The 11–12 window is still running at 11:30, so they reopen then.
    assert_eq!(
        next_opening(BERLIN, &ws, off(tue(11, 30)), tue(10, 30)),
        occ(tue(11, 30), tue(12, 0))
    );
    assert_eq!(
        next_opening(BERLIN, &ws, off(tue(11, 0)), tue(10, 30)),
        occ(tue(11, 0), tue(12, 0))
    );
    assert_eq!(
        next_opening(BERLIN, &ws, off(tue(12, 0)), tue(10, 30)),
        occ(day(3, 7, 0), day(3, 8, 0))
    );
    // Off until Wednesday noon hides everything until next Tuesday.
    assert_eq!(
        next_opening(BERLIN, &ws, off(day(3, 10, 0)), tue(10, 30)),
        occ(day(9, 8, 0), day(9, 9, 0))
    );
    // Expired: open on schedule again.
    assert_eq!(
        presence(BERLIN, &ws, off(tue(10, 0)), tue(10, 30)),
        Presence::OpenScheduled { until: tue(12, 0) }
    );
}

#[test]
fn windows_crossing_midnight_and_empty_schedules() {
    let ws = [win("fri", "22:00-02:00")];
    let sat_1am = day(5, 23, 0);
    assert_eq!(
        presence(BERLIN, &ws, None, sat_1am),
        Presence::OpenScheduled {
            until: day(6, 0, 0)
        }
    );
    assert_eq!(presence(BERLIN, &[], None, sat_1am), Presence::Closed);
    assert_eq!(next_opening(BERLIN, &[], None, sat_1am), None);
    assert_eq!(in_progress(BERLIN, &[], sat_1am), None);
    assert!(Presence::OpenManual { until: sat_1am }.is_open());
    assert_eq!(Presence::Closed.until(), None);
}

#[test]
fn round_the_clock_schedules_stay_bounded() {
    let ws = [win("daily", "00:00-24:00"), win("mon-sun", "12:00-13:00")];
    let now = tue(10, 0);
    let Presence::OpenScheduled { until } = presence(BERLIN, &ws, None, now) else {
        panic!("should be open");
    };
    assert!(until >= now + Duration::days(8) && until <= now + Duration::days(9));
    assert!(next_opening(BERLIN, &ws, None, now).is_some());
}

#[test]
fn overlapping_windows_report_the_earliest_start() {
    let ws = [win("tue", "10:30-12:00"), win("tue", "10:00-11:00")];
    assert_eq!(
        in_progress_window(BERLIN, &ws, tue(10, 45)),
        Some((
            1,
            Occurrence {
                start: tue(10, 0),
                end: tue(11, 0)
            }
        ))
    );
    assert_eq!(
        presence(BERLIN, &ws, None, tue(10, 45)),
        Presence::OpenScheduled { until: tue(12, 0) }
    );
}
