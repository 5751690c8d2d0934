//! Tests for group messages' times: everyone's working time when there is one, else most of them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;

const BERLIN: Tz = chrono_tz::Europe::Berlin;
const SYDNEY: Tz = chrono_tz::Australia::Sydney;
const NEW_YORK: Tz = chrono_tz::America::New_York;
const KOLKATA: Tz = chrono_tz::Asia::Kolkata;

fn utc(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, mi, 0).unwrap()
}

/// Friday 4 December 2026.
fn friday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
}

fn usual_in(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    WorkTime::default().on_date(tz, date)
}

#[test]
fn the_usual_time_stays_when_everyone_is_working_then() {
    let work = WorkTime::default();
    let usual = usual_in(BERLIN, friday());
    assert_eq!(usual, utc(4, 8, 0));
    // 09:00 in Berlin is 19:00 in Sydney: both working.
    assert_eq!(
        work.group_on_date(&[BERLIN, SYDNEY], friday(), usual, utc(3, 13, 30)),
        usual
    );
    assert_eq!(
        work.group_on_date(&[BERLIN], friday(), usual, utc(3, 13, 30)),
        usual
    );
}

#[test]
fn otherwise_the_earliest_time_everyone_is_working() {
    let work = WorkTime::default();
    let usual = usual_in(BERLIN, friday());
    // 09:00 in Berlin is 03:00 in New York; 08:00 there is 14:00 in Berlin.
    assert_eq!(
        work.group_on_date(&[BERLIN, NEW_YORK], friday(), usual, utc(3, 13, 30)),
        utc(4, 13, 0)
    );
    // 09:00 in Kolkata is 04:30 in Berlin; Berlin starts at 07:00 UTC, 12:30 in Kolkata.
    let from_kolkata = usual_in(KOLKATA, friday());
    assert_eq!(
        work.group_on_date(&[KOLKATA, BERLIN], friday(), from_kolkata, utc(3, 13, 30)),
        utc(4, 7, 0)
    );
}

#[test]
fn with_no_time_for_everyone_the_earliest_best_for_most() {
    let work = WorkTime::default();
    let usual = usual_in(BERLIN, friday());
    // On Friday, Berlin and Sydney share 07:00-09:00 UTC, Berlin and New York 13:00-19:00 UTC;
    // Sydney and New York never. Two of three at best; the earliest is 07:00 UTC.
    assert_eq!(
        work.group_on_date(&[BERLIN, NEW_YORK, SYDNEY], friday(), usual, utc(3, 13, 30)),
        utc(4, 7, 0)
    );
    // Registered later that Friday: the best that is left.
    assert_eq!(
        work.group_on_date(&[BERLIN, NEW_YORK, SYDNEY], friday(), usual, utc(4, 10, 0)),
        utc(4, 13, 0)
    );
    // Two New Yorkers outnumber one Berliner.
    assert_eq!(
        work.group_on_date(
            &[SYDNEY, NEW_YORK, NEW_YORK],
            friday(),
            usual,
            utc(3, 13, 30)
        ),
        utc(4, 13, 0)
    );
}

#[test]
fn now_counts_when_it_is_already_the_day() {
    let work = WorkTime::default();
    // Friday 15:00 UTC: Berlin and New York both working now.
    let now = utc(4, 15, 0);
    let usual = work.due_on_date(SYDNEY, friday(), now);
    assert_eq!(
        work.group_on_date(&[SYDNEY, BERLIN, NEW_YORK], friday(), usual, now),
        now
    );
}

#[test]
fn a_day_nobody_works_keeps_the_usual_time() {
    let work = WorkTime::default();
    let saturday = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let usual = usual_in(BERLIN, saturday);
    assert_eq!(usual, utc(7, 7, 0), "Monday 08:00 in Berlin");
    assert_eq!(
        work.group_on_date(&[BERLIN, NEW_YORK], saturday, usual, utc(3, 13, 30)),
        usual
    );
}

#[test]
fn soon_is_now_when_everyone_is_working() {
    let work = WorkTime::default();
    let now = utc(3, 13, 30);
    assert_eq!(work.group_soon(&[BERLIN, NEW_YORK], now), now);
    assert_eq!(work.group_soon(&[BERLIN], now), now);
}

#[test]
fn soon_waits_for_the_first_time_everyone_is_working() {
    let work = WorkTime::default();
    // Thursday 10:00 UTC: Berlin works, New York from 13:00 UTC.
    assert_eq!(
        work.group_soon(&[BERLIN, NEW_YORK], utc(3, 10, 0)),
        utc(3, 13, 0)
    );
    // Saturday: Monday 08:00 in Sydney is Sunday 21:00 UTC, but Berlin starts Monday 07:00.
    assert_eq!(
        work.group_soon(&[BERLIN, SYDNEY], utc(5, 12, 0)),
        utc(7, 7, 0)
    );
}

#[test]
fn soon_with_no_shared_time_goes_to_the_earliest_working_person() {
    // Working hours that never overlap between Sydney and New York.
    let work = WorkTime::parse("09:00-12:00", "mon-fri", "09:00").unwrap();
    let now = utc(3, 13, 30);
    // Thursday 13:30 UTC: New York starts at 14:00 UTC; Sydney Friday 09:00 is Thursday 22:00 UTC.
    assert_eq!(work.group_soon(&[SYDNEY, NEW_YORK], now), utc(3, 14, 0));
}

#[test]
fn soon_for_nobody_is_now() {
    let now = utc(3, 13, 30);
    assert_eq!(WorkTime::default().group_soon(&[], now), now);
}
