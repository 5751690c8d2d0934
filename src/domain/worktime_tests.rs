//! Tests for WorkTime: deferral into working time across weekends and DST in both hemispheres.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;

const BERLIN: Tz = chrono_tz::Europe::Berlin;
const SYDNEY: Tz = chrono_tz::Australia::Sydney;
const NEW_YORK: Tz = chrono_tz::America::New_York;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, d).unwrap()
}

fn work(hours: &str, days: &str, nudge: &str) -> WorkTime {
    WorkTime::parse(hours, days, nudge).unwrap()
}

#[test]
fn default_is_eight_to_eight_on_weekdays() {
    let d = WorkTime::default();
    assert_eq!(d, work("08:00-20:00", "mon-fri", "09:00"));
    assert_eq!(d.hours.to_string(), "08:00–20:00");
    assert_eq!(d.days, DaySet::WEEKDAYS);
    assert_eq!(d.nudge_at.to_string(), "09:00");
    assert_eq!(work("8am-8pm", "weekdays", "9am"), d);
    assert!(WorkTime::parse("08:00-24:00", "daily", "00:00").is_ok());
}

#[test]
fn rejects_hours_past_midnight_no_days_and_bad_pieces() {
    assert_eq!(
        WorkTime::parse("22:00-06:00", "mon-fri", "09:00"),
        Err(DomainError::WorkHoursCrossMidnight("22:00–06:00".into()))
    );
    assert!(matches!(
        WorkTime::parse("08:00-00:00", "mon-fri", "09:00"),
        Err(DomainError::WorkHoursCrossMidnight(_))
    ));
    assert_eq!(
        WorkTime::new(
            WorkTime::default().hours,
            DaySet::default(),
            TimeOfDay::MIDNIGHT
        ),
        Err(DomainError::NoDays)
    );
    assert!(matches!(
        WorkTime::parse("08:00-20:00", "mon-fri", "24:00"),
        Err(DomainError::TimeAtEndOfDay(_))
    ));
    assert_eq!(
        WorkTime::parse("08:00-20:00", "mon-frx", "09:00"),
        Err(DomainError::UnknownDay("mon-frx".into()))
    );
    assert_eq!(
        WorkTime::parse("08:00-20:00", "mon-fri", "9:7"),
        Err(DomainError::BadTime("9:7".into()))
    );
    assert_eq!(
        WorkTime::parse("08:00", "mon-fri", "09:00"),
        Err(DomainError::MissingEnd("08:00".into()))
    );
    assert!(DomainError::WorkHoursCrossMidnight("22:00–06:00".into())
        .to_string()
        .contains("like 08:00-20:00"));
}

#[test]
fn working_time_is_local_and_half_open() {
    let w = WorkTime::default();
    // Wed 2026-06-10, Berlin is UTC+2.
    assert!(w.is_working(BERLIN, utc(2026, 6, 10, 6, 0)));
    assert!(w.is_working(BERLIN, utc(2026, 6, 10, 17, 59)));
    assert!(!w.is_working(BERLIN, utc(2026, 6, 10, 5, 59)));
    assert!(!w.is_working(BERLIN, utc(2026, 6, 10, 18, 0)));
    // Saturday.
    assert!(!w.is_working(BERLIN, utc(2026, 6, 13, 10, 0)));
    // The same instant is working time in New York (Wed 08:00 EDT).
    assert!(w.is_working(NEW_YORK, utc(2026, 6, 10, 12, 0)));
    assert!(!w.is_working(SYDNEY, utc(2026, 6, 10, 12, 0)));
}

#[test]
fn defer_keeps_working_instants_and_waits_otherwise() {
    let w = WorkTime::default();
    let inside = utc(2026, 6, 10, 9, 17);
    assert_eq!(w.defer(BERLIN, inside), inside);
    // Early morning: 08:00 the same day.
    assert_eq!(
        w.defer(BERLIN, utc(2026, 6, 10, 4, 0)),
        utc(2026, 6, 10, 6, 0)
    );
    // The end is exclusive: 20:00 goes to the next morning.
    assert_eq!(
        w.defer(BERLIN, utc(2026, 6, 10, 18, 0)),
        utc(2026, 6, 11, 6, 0)
    );
    // Friday evening and the weekend wait for Monday.
    assert_eq!(
        w.defer(BERLIN, utc(2026, 6, 12, 19, 0)),
        utc(2026, 6, 15, 6, 0)
    );
    assert_eq!(
        w.defer(BERLIN, utc(2026, 6, 14, 12, 0)),
        utc(2026, 6, 15, 6, 0)
    );
}

#[test]
fn defer_across_dst_in_both_hemispheres() {
    let w = WorkTime::default();
    // Berlin springs forward on Sun 2026-03-29: Friday CET, Monday CEST.
    assert_eq!(
        w.defer(BERLIN, utc(2026, 3, 27, 20, 0)),
        utc(2026, 3, 30, 6, 0)
    );
    // Berlin falls back on Sun 2026-10-25: Friday CEST, Monday CET.
    assert_eq!(
        w.defer(BERLIN, utc(2026, 10, 23, 19, 0)),
        utc(2026, 10, 26, 7, 0)
    );
    // Sydney springs forward on Sun 2026-10-04: AEST +10 -> AEDT +11.
    assert_eq!(
        w.defer(SYDNEY, utc(2026, 10, 2, 11, 0)),
        utc(2026, 10, 4, 21, 0)
    );
    // Sydney falls back on Sun 2026-04-05: AEDT +11 -> AEST +10.
    assert_eq!(
        w.defer(SYDNEY, utc(2026, 4, 3, 10, 0)),
        utc(2026, 4, 5, 22, 0)
    );
    // Hours that start inside the gap start when the gap ends (03:00 CEST).
    let sunday = work("02:30-10:00", "sun", "09:00");
    assert_eq!(
        sunday.defer(BERLIN, utc(2026, 3, 29, 0, 30)),
        utc(2026, 3, 29, 1, 0)
    );
    assert!(sunday.is_working(BERLIN, utc(2026, 3, 29, 1, 0)));
    assert!(!sunday.is_working(BERLIN, utc(2026, 3, 29, 0, 59)));
}

#[test]
fn nudges_for_a_date() {
    let w = WorkTime::default();
    assert_eq!(w.on_date(BERLIN, date(2026, 6, 10)), utc(2026, 6, 10, 7, 0));
    assert_eq!(w.on_date(SYDNEY, date(2026, 6, 10)), utc(2026, 6, 9, 23, 0));
    // Saturday goes to Monday's start of work, not Monday's nudge time.
    assert_eq!(w.on_date(BERLIN, date(2026, 6, 13)), utc(2026, 6, 15, 6, 0));
    // The Monday after each DST change keeps 09:00 local.
    assert_eq!(w.on_date(BERLIN, date(2026, 3, 30)), utc(2026, 3, 30, 7, 0));
    assert_eq!(
        w.on_date(BERLIN, date(2026, 10, 26)),
        utc(2026, 10, 26, 8, 0)
    );
    assert_eq!(
        w.on_date(NEW_YORK, date(2026, 3, 9)),
        utc(2026, 3, 9, 13, 0)
    );
    assert_eq!(
        w.on_date(SYDNEY, date(2026, 10, 5)),
        utc(2026, 10, 4, 22, 0)
    );
    assert_eq!(w.on_date(SYDNEY, date(2026, 4, 6)), utc(2026, 4, 5, 23, 0));
    // A nudge time outside the hours is moved into them.
    let early = work("08:00-20:00", "mon-fri", "07:00");
    assert_eq!(
        early.on_date(BERLIN, date(2026, 6, 10)),
        utc(2026, 6, 10, 6, 0)
    );
    let late = work("08:00-20:00", "mon-fri", "21:00");
    assert_eq!(
        late.on_date(BERLIN, date(2026, 6, 12)),
        utc(2026, 6, 15, 6, 0)
    );
    // A nudge time in the gap, on a working Sunday: 03:00 CEST, then 08:00.
    let gap = work("08:00-20:00", "daily", "02:30");
    assert_eq!(
        gap.on_date(BERLIN, date(2026, 3, 29)),
        utc(2026, 3, 29, 6, 0)
    );
    // Public fields can hold 24:00; it must not panic.
    let odd = WorkTime {
        nudge_at: TimeOfDay::END_OF_DAY,
        ..WorkTime::default()
    };
    assert_eq!(
        odd.on_date(BERLIN, date(2026, 6, 10)),
        utc(2026, 6, 11, 6, 0)
    );
    let never = WorkTime {
        days: DaySet::default(),
        ..WorkTime::default()
    };
    assert_eq!(
        never.defer(BERLIN, utc(2026, 6, 13, 1, 0)),
        utc(2026, 6, 13, 1, 0)
    );
    let _ = odd.on_date(BERLIN, NaiveDate::MAX);
    let _ = odd.on_date(BERLIN, NaiveDate::MIN);
}

#[test]
fn registered_on_the_day_goes_out_at_once_in_working_time() {
    let w = WorkTime::default();
    let day = date(2026, 6, 10);
    // Before 09:00: at 09:00.
    assert_eq!(
        w.due_on_date(BERLIN, day, utc(2026, 6, 10, 5, 0)),
        utc(2026, 6, 10, 7, 0)
    );
    // After 09:00 during work: at once.
    let now = utc(2026, 6, 10, 12, 34);
    assert_eq!(w.due_on_date(BERLIN, day, now), now);
    // After work: the next morning.
    assert_eq!(
        w.due_on_date(BERLIN, day, utc(2026, 6, 10, 19, 0)),
        utc(2026, 6, 11, 6, 0)
    );
    // Days ahead: the usual time.
    assert_eq!(
        w.due_on_date(BERLIN, day, utc(2026, 6, 1, 12, 0)),
        utc(2026, 6, 10, 7, 0)
    );
}

#[test]
fn review_prompts_two_weeks_and_one_day_before() {
    let w = WorkTime::default();
    let review = date(2026, 7, 1); // a Wednesday
    assert_eq!(
        w.review_times(BERLIN, review, utc(2026, 6, 1, 12, 0)),
        vec![
            (ReviewLead::TwoWeeks, utc(2026, 6, 17, 7, 0)),
            (ReviewLead::OneDay, utc(2026, 6, 30, 7, 0)),
        ]
    );
    // Registered after the first prompt's time: only the second.
    assert_eq!(
        w.review_times(BERLIN, review, utc(2026, 6, 17, 7, 1)),
        vec![(ReviewLead::OneDay, utc(2026, 6, 30, 7, 0))]
    );
    // Exactly at a prompt's time still counts.
    assert_eq!(
        w.review_times(BERLIN, review, utc(2026, 6, 30, 7, 0)).len(),
        1
    );
    assert!(w
        .review_times(BERLIN, review, utc(2026, 6, 30, 10, 0))
        .is_empty());
    assert!(w
        .review_times(BERLIN, review, utc(2026, 8, 1, 0, 0))
        .is_empty());
    // A Monday review: the day before is a Sunday, so the prompt comes on the
    // last working day before it, Friday at 09:00, not on the Monday itself.
    assert_eq!(
        w.review_times(BERLIN, date(2026, 7, 6), utc(2026, 6, 1, 0, 0)),
        vec![
            (ReviewLead::TwoWeeks, utc(2026, 6, 22, 7, 0)),
            (ReviewLead::OneDay, utc(2026, 7, 3, 7, 0)),
        ]
    );
    // In Sydney, with the prompt registered on the Friday afternoon: too late
    // for Friday's prompt, so none (a Monday prompt would be no use).
    assert_eq!(
        w.review_times(SYDNEY, date(2026, 7, 6), utc(2026, 7, 3, 6, 0)),
        vec![]
    );
    assert!(w
        .review_times(BERLIN, NaiveDate::MIN, utc(2026, 6, 1, 0, 0))
        .is_empty());
}
