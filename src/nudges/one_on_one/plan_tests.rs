//! Replanning meetings, as a pure function of the cadence, the meetings and the time.

use chrono::{Duration, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::*;
use crate::domain::time_of_day::TimeOfDay;

const BERLIN: Tz = chrono_tz::Europe::Berlin;

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap()
}

/// Every week on Monday at 10:00 Berlin (09:00 UTC), from Monday 7 December 2026.
fn weekly() -> Cadence {
    let anchor = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    Cadence::new(1, Weekday::Mon, TimeOfDay::hm(10, 0).unwrap(), anchor).unwrap()
}

fn meeting(id: i64, seq: i32, starts_at: DateTime<Utc>, status: MeetingStatus) -> MeetingRecord {
    MeetingRecord {
        id,
        cadence_id: 1,
        seq,
        starts_at,
        status,
        finished_at: (status != MeetingStatus::Planned).then_some(starts_at),
    }
}

fn plans(changes: &[MeetingChange]) -> Vec<DateTime<Utc>> {
    changes
        .iter()
        .filter_map(|c| match c {
            MeetingChange::Plan { starts_at, .. } => Some(*starts_at),
            _ => None,
        })
        .collect()
}

fn drops(changes: &[MeetingChange]) -> Vec<i64> {
    changes
        .iter()
        .filter_map(|c| match c {
            MeetingChange::Drop(id) => Some(*id),
            _ => None,
        })
        .collect()
}

const LEAD: Duration = Duration::hours(1);

/// The weekly cadence's replan of `meetings` at `now`.
fn weekly_replan(
    meetings: &[MeetingRecord],
    now: DateTime<Utc>,
    how: Replan,
) -> Vec<MeetingChange> {
    replan(Some((&weekly(), BERLIN)), meetings, LEAD, now, how)
}

#[test]
fn a_new_cadence_plans_its_first_meeting() {
    let changes = weekly_replan(&[], at(3, 13), Replan::Fresh);
    assert_eq!(
        changes,
        vec![MeetingChange::Plan {
            seq: 0,
            starts_at: at(7, 9)
        }]
    );
}

#[test]
fn within_the_lead_the_meeting_after_is_planned_too() {
    // 08:30 UTC on Monday: the 09:00 meeting's reminder is due, so the next one is planned as a
    // delivered reminder would have planned it.
    let changes = weekly_replan(&[], at(7, 8) + Duration::minutes(30), Replan::Fresh);
    assert_eq!(plans(&changes), vec![at(7, 9), at(14, 9)]);
}

#[test]
fn the_same_schedule_keeps_the_plan_and_a_changed_one_replaces_what_was_never_held() {
    let now = at(3, 13);
    let held = meeting(1, 0, at(2, 9), MeetingStatus::Done);
    // Snoozed from Monday to Tuesday: not on the schedule, but planned.
    let snoozed = meeting(2, 1, at(8, 9), MeetingStatus::Planned);
    let meetings = [held.clone(), snoozed.clone()];
    let kept = weekly_replan(&meetings, now, Replan::Continue);
    assert_eq!(
        kept,
        vec![],
        "the plan stands: nothing to drop, nothing to add"
    );
    let fresh = weekly_replan(&meetings, now, Replan::Fresh);
    assert_eq!(drops(&fresh), vec![2]);
    assert_eq!(
        plans(&fresh),
        vec![at(7, 9)],
        "numbered after the meetings that stay: {fresh:?}"
    );
    assert!(matches!(fresh[1], MeetingChange::Plan { seq: 1, .. }));
}

#[test]
fn a_planned_meeting_where_one_is_wanted_keeps_its_row() {
    let planned = meeting(5, 3, at(7, 9), MeetingStatus::Planned);
    let changes = weekly_replan(&[planned], at(3, 13), Replan::Fresh);
    assert_eq!(changes, vec![]);
}

#[test]
fn a_settled_date_is_passed_over_but_one_skipped_by_a_schedule_change_is_not() {
    let now = at(7, 8) + Duration::minutes(10);
    // Skipped by a person after its reminder: the plan moves on to the week after.
    let skipped = meeting(1, 0, at(7, 9), MeetingStatus::Skipped);
    let changes = weekly_replan(&[skipped], now, Replan::Fresh);
    assert_eq!(plans(&changes), vec![at(14, 9)]);
    // Marked skipped days before its reminder (older versions retired meetings so): never held.
    let mut retired = meeting(1, 0, at(7, 9), MeetingStatus::Skipped);
    retired.finished_at = Some(at(3, 13));
    for how in [Replan::Fresh, Replan::Continue] {
        let changes = weekly_replan(&[retired.clone()], now, how);
        assert_eq!(drops(&changes), vec![1], "{how:?}");
        assert_eq!(plans(&changes), vec![at(7, 9), at(14, 9)], "{how:?}");
    }
    // After a delivered reminder nothing is dropped; the retired date is passed over.
    let changes = weekly_replan(&[retired], now, Replan::Follow);
    assert_eq!(
        changes,
        vec![MeetingChange::Plan {
            seq: 1,
            starts_at: at(14, 9)
        }]
    );
}

#[test]
fn after_a_delivered_reminder_the_next_meeting_is_planned_once() {
    let now = at(7, 8);
    let current = meeting(1, 0, at(7, 9), MeetingStatus::Planned);
    let changes = weekly_replan(std::slice::from_ref(&current), now, Replan::Follow);
    assert_eq!(
        changes,
        vec![MeetingChange::Plan {
            seq: 1,
            starts_at: at(14, 9)
        }]
    );
    let next = meeting(2, 1, at(14, 9), MeetingStatus::Planned);
    let again = weekly_replan(&[current, next], now, Replan::Follow);
    assert_eq!(again, vec![]);
}

#[test]
fn without_a_cadence_every_meeting_not_yet_held_goes() {
    let now = at(7, 8);
    let meetings = [
        meeting(1, 0, at(7, 7), MeetingStatus::Planned),
        meeting(2, 1, at(7, 9), MeetingStatus::Planned),
        meeting(3, 2, at(14, 9), MeetingStatus::Done),
    ];
    let changes = replan(None, &meetings, LEAD, now, Replan::Fresh);
    assert_eq!(
        changes,
        vec![MeetingChange::Drop(2)],
        "the one begun is history"
    );
}
