use super::*;
use crate::domain::days::DaySet;
use crate::domain::time_of_day::{TimeOfDay, TimeRange};
use chrono::TimeZone;
use proptest::prelude::*;

const ZONES: [&str; 6] = [
    "Europe/Berlin",
    "Australia/Sydney",
    "America/New_York",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/Sao_Paulo",
];

fn mentor(
    user: usize,
    zone: &str,
    windows: &[(u8, u32, u32)],
    manual: Option<ManualState>,
) -> Mentor {
    let mut person = Person::new("T1", &format!("U{user:04}"));
    person.slack_tz = Some(zone.to_owned());
    person.manual = manual;
    let windows = windows
        .iter()
        .enumerate()
        .filter_map(|(i, &(days, start, len))| {
            let start_minute = (start % 1440) as u16;
            let end_minute = ((start + len) % 1440) as u16;
            let range = TimeRange::new(
                TimeOfDay::from_minutes(start_minute)?,
                TimeOfDay::from_minutes(end_minute)?,
            )
            .ok()?;
            let window = WeeklyWindow::new(DaySet::from_bits(days)?, range).ok()?;
            Some(PublishedWindow {
                id: (user * 10 + i) as i64,
                user_id: person.user_id.clone(),
                window,
                topics: vec![format!("topic{i}")],
            })
        })
        .collect();
    Mentor { person, windows }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 27, 22, 0, 0).unwrap()
}

fn fresh(mentors: &[Mentor], now: DateTime<Utc>) -> Vec<MentorStatus> {
    Snapshot::of(mentors, now).statuses.to_vec()
}

#[test]
fn a_snapshot_lasts_until_the_next_window_boundary() {
    // Berlin, Thursdays 14:00-15:00; Thursday 3 December 2026 13:58 UTC is 14:58 in Berlin.
    let m = mentor(1, "Europe/Berlin", &[(0b0001000, 14 * 60, 60)], None);
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 13, 58, 0).unwrap();
    let snapshot = Snapshot::of(std::slice::from_ref(&m), now);
    assert_eq!(
        snapshot.until,
        Utc.with_ymd_and_hms(2026, 12, 3, 14, 0, 0).unwrap()
    );
    assert!(snapshot.statuses[0].is_open());
    assert!(!snapshot.holds_at(snapshot.until));
}

#[test]
fn an_expiring_manual_state_ends_the_snapshot() {
    let until = start() + chrono::Duration::minutes(3);
    let m = mentor(
        1,
        "Asia/Kolkata",
        &[],
        Some(ManualState::AvailableUntil(until)),
    );
    assert_eq!(Snapshot::of(&[m], start()).until, until);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Reusing a snapshot anywhere inside its validity gives exactly what computing afresh gives,
    /// across the March and April DST changes on both hemispheres, back-to-back chains included.
    #[test]
    fn a_reused_snapshot_equals_a_fresh_one(
        schedules in prop::collection::vec(
            (0usize..ZONES.len(), prop::collection::vec((1u8..128, 0u32..1440, 1u32..1440), 0..5), prop::option::of((any::<bool>(), 1i64..5000))),
            1..8,
        ),
        start_hours in 0i64..(24 * 14),
        steps in prop::collection::vec(1i64..900, 1..200),
    ) {
        let mentors: Vec<Mentor> = schedules
            .iter()
            .enumerate()
            .map(|(i, (zone, windows, manual))| {
                let manual = manual.map(|(open, minutes)| {
                    let until = start() + chrono::Duration::minutes(minutes);
                    if open { ManualState::AvailableUntil(until) } else { ManualState::UnavailableUntil(until) }
                });
                mentor(i, ZONES[*zone], windows, manual)
            })
            .collect();
        let mut now = start() + chrono::Duration::hours(start_hours);
        let mut snapshot = Snapshot::of(&mentors, now);
        for step in steps {
            now += chrono::Duration::seconds(step);
            if !snapshot.holds_at(now) {
                // Just before the end it must still be right.
                let last = snapshot.until - chrono::Duration::seconds(1);
                if last >= snapshot.at {
                    prop_assert_eq!(snapshot.statuses.to_vec(), fresh(&mentors, last));
                }
                snapshot = Snapshot::of(&mentors, now);
            }
            prop_assert_eq!(snapshot.statuses.to_vec(), fresh(&mentors, now));
        }
    }
}

/// Open around the clock with one extra boundary, Tuesdays 10:00: "open until" is followed only
/// eight days ahead, so on Monday at 10:00 it jumps from next Tuesday 10:00 to Wednesday 00:00
/// although no window of this mentor starts or ends then.
#[test]
fn a_stretch_reaching_the_horizon_moves_with_the_clock() {
    let range = |start: u16, end: u16| {
        TimeRange::new(
            TimeOfDay::from_minutes(start).unwrap(),
            TimeOfDay::from_minutes(end).unwrap(),
        )
        .unwrap()
    };
    let window = |id: i64, days: u8, start: u16, end: u16| PublishedWindow {
        id,
        user_id: "U0001".to_owned(),
        window: WeeklyWindow::new(DaySet::from_bits(days).unwrap(), range(start, end)).unwrap(),
        topics: vec![],
    };
    let mut person = Person::new("T1", "U0001");
    person.slack_tz = Some("UTC".to_owned());
    let m = Mentor {
        person,
        windows: vec![
            window(1, 0b1111101, 0, 1440),
            window(2, 0b0000010, 0, 600),
            window(3, 0b0000010, 600, 1440),
        ],
    };
    let monday = |h, min| Utc.with_ymd_and_hms(2026, 12, 7, h, min, 0).unwrap();
    let before = Snapshot::of(std::slice::from_ref(&m), monday(9, 59));
    let after = Snapshot::of(std::slice::from_ref(&m), monday(10, 1));
    assert_ne!(before.statuses, after.statuses);
    assert_eq!(before.until, monday(10, 0));
}
