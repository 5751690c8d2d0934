use super::*;
use crate::domain::days::DaySet;
use crate::domain::time_of_day::{TimeOfDay, TimeRange};
use chrono::TimeZone;

fn window(days: DaySet, from: (u16, u16), to: (u16, u16)) -> WeeklyWindow {
    WeeklyWindow {
        days,
        range: TimeRange {
            start: TimeOfDay::hm(from.0, from.1).unwrap(),
            end: TimeOfDay::hm(to.0, to.1).unwrap(),
        },
    }
}

fn ana(windows: Vec<WeeklyWindow>) -> Watched {
    Watched {
        user_id: "UANA".into(),
        tz: chrono_tz::Europe::Berlin,
        topics: windows.iter().map(|_| Vec::new()).collect(),
        windows,
        manual: None,
        away_until: None,
    }
}

fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap()
}

#[test]
fn one_dm_a_day_at_the_first_opening_inside_working_time() {
    // Ana (Berlin, UTC+1) opens Thu 10:00–11:00 and 15:00–16:00 and Fri 07:00–09:00 her time.
    let thu = DaySet::parse("thu").unwrap();
    let fri = DaySet::parse("fri").unwrap();
    let watched = [ana(vec![
        window(thu, (10, 0), (11, 0)),
        window(thu, (15, 0), (16, 0)),
        window(fri, (7, 0), (9, 0)),
    ])];
    // Wed 2 Dec 12:00 UTC; the subscriber works 08:00–20:00 Mon–Fri in Berlin too.
    let planned = plan(
        &watched,
        chrono_tz::Europe::Berlin,
        &WorkTime::default(),
        None,
        utc(2, 12, 0),
    );
    // Thursday: the first opening only. Friday: she opened at 07:00, before work starts; still
    // open at 08:00, so then.
    assert_eq!(planned[0].at, utc(3, 9, 0));
    assert_eq!(planned[0].date.to_string(), "2026-12-03");
    assert_eq!(planned[1].at, utc(4, 7, 0));
    // The next week's Thursday is inside the eight days; no weekend days.
    assert_eq!(planned.len(), 3, "{planned:?}");
    assert_eq!(planned[2].at, utc(10, 9, 0));
}

#[test]
fn an_opening_wholly_outside_working_time_tells_nobody() {
    let sat = DaySet::parse("sat").unwrap();
    let watched = [ana(vec![window(sat, (10, 0), (11, 0))])];
    let planned = plan(
        &watched,
        chrono_tz::Europe::Berlin,
        &WorkTime::default(),
        None,
        utc(2, 12, 0),
    );
    assert_eq!(planned, []);
}

#[test]
fn the_stretch_open_when_subscribing_is_quiet() {
    let thu = DaySet::parse("thu").unwrap();
    let watched = [ana(vec![window(thu, (10, 0), (11, 0))])];
    let now = utc(3, 9, 30);
    let quiet = watched[0].open_until(now);
    assert_eq!(quiet, Some(utc(3, 10, 0)));
    let planned = plan(
        &watched,
        chrono_tz::Europe::Berlin,
        &WorkTime::default(),
        quiet,
        now,
    );
    assert_eq!(planned[0].at, utc(10, 9, 0));
}

#[test]
fn available_now_and_away_count() {
    let mut on = ana(Vec::new());
    on.manual = Some(ManualState::AvailableUntil(utc(3, 15, 0)));
    assert_eq!(open_now(&[on.clone()], utc(3, 14, 0)).len(), 1);
    on.away_until = Some(utc(4, 0, 0));
    assert_eq!(open_now(&[on.clone()], utc(3, 14, 0)), []);
    let planned = plan(
        &[on],
        chrono_tz::Europe::Berlin,
        &WorkTime::default(),
        None,
        utc(3, 14, 0),
    );
    assert_eq!(planned, []);
}

#[test]
fn targets_compare_without_case_or_accents() {
    assert_eq!(
        Target::Topic("Café".into()).key(),
        Target::Topic("cafe".into()).key()
    );
    assert_eq!(
        Target::stored("person", "U1"),
        Some(Target::Person("U1".into()))
    );
    assert_eq!(Target::stored("other", "x"), None);
}
