//! Tests for cadences: weekly wall-clock meetings across DST in both hemispheres, strides and leads.

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

fn at(s: &str) -> TimeOfDay {
    TimeOfDay::parse(s).unwrap()
}

fn cadence(every: u8, day: Weekday, time: &str, anchor: NaiveDate) -> Cadence {
    Cadence::new(every, day, at(time), anchor).unwrap()
}

/// Every meeting reads `time` on `day` on the local clock.
fn all_local(tz: Tz, meetings: &[DateTime<Utc>], day: Weekday, time: &str) {
    for m in meetings {
        let local = m.with_timezone(&tz);
        assert_eq!(local.weekday(), day, "{m}");
        assert_eq!(local.format("%H:%M").to_string(), time, "{m}");
    }
}

#[test]
fn new_validates_every_field() {
    let mon = date(2026, 6, 8);
    assert!(Cadence::new(1, Weekday::Mon, at("09:00"), mon).is_ok());
    assert!(Cadence::new(12, Weekday::Mon, at("00:00"), mon).is_ok());
    assert_eq!(
        Cadence::new(0, Weekday::Mon, at("09:00"), mon),
        Err(DomainError::BadEveryWeeks("0".into()))
    );
    assert_eq!(
        Cadence::new(13, Weekday::Mon, at("09:00"), mon),
        Err(DomainError::BadEveryWeeks("13".into()))
    );
    assert_eq!(
        Cadence::new(1, Weekday::Mon, TimeOfDay::END_OF_DAY, mon),
        Err(DomainError::TimeAtEndOfDay("24:00".into()))
    );
    assert_eq!(
        Cadence::new(1, Weekday::Mon, at("09:00"), date(2026, 6, 10))
            .unwrap_err()
            .to_string(),
        "The first meeting on 2026-06-10 is a Wednesday, not a Monday."
    );
    assert_eq!(
        cadence(2, Weekday::Tue, "10:00", date(2026, 6, 9)).to_string(),
        "every 2 weeks on Tuesday at 10:00"
    );
    assert_eq!(
        cadence(1, Weekday::Mon, "9am", mon).label(),
        "every week on Monday at 09:00"
    );
}

#[test]
fn weekly_monday_nine_stays_nine_across_berlin_dst() {
    let c = cadence(1, Weekday::Mon, "09:00", date(2026, 3, 16));
    // Spring: CET (+1) then CEST (+2) from Sun 2026-03-29.
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2026, 3, 23, 7, 59)),
        Some(utc(2026, 3, 23, 8, 0))
    );
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2026, 3, 23, 8, 0)),
        Some(utc(2026, 3, 30, 7, 0))
    );
    // Autumn: CEST then CET from Sun 2026-10-25.
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2026, 10, 19, 8, 0)),
        Some(utc(2026, 10, 26, 8, 0))
    );
    let year = c.meetings_between(BERLIN, utc(2026, 3, 1, 0, 0), utc(2027, 3, 15, 0, 0));
    assert_eq!(year.len(), 52);
    assert_eq!(year[0], utc(2026, 3, 16, 8, 0));
    all_local(BERLIN, &year, Weekday::Mon, "09:00");
}

#[test]
fn weekly_monday_nine_stays_nine_across_sydney_dst() {
    let c = cadence(1, Weekday::Mon, "09:00", date(2026, 1, 5));
    // Autumn in April: AEDT (+11) until Sun 2026-04-05, then AEST (+10).
    assert_eq!(
        c.next_meeting_after(SYDNEY, utc(2026, 3, 29, 22, 0)),
        Some(utc(2026, 4, 5, 23, 0))
    );
    assert_eq!(
        c.next_meeting_after(SYDNEY, utc(2026, 3, 29, 21, 0)),
        Some(utc(2026, 3, 29, 22, 0))
    );
    // Spring in October: AEST until Sun 2026-10-04, then AEDT.
    assert_eq!(
        c.next_meeting_after(SYDNEY, utc(2026, 9, 27, 23, 0)),
        Some(utc(2026, 10, 4, 22, 0))
    );
    let year = c.meetings_between(SYDNEY, utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0));
    assert_eq!(year.len(), 52);
    all_local(SYDNEY, &year, Weekday::Mon, "09:00");
}

#[test]
fn every_two_weeks_keeps_its_stride_across_months_and_dst() {
    let c = cadence(2, Weekday::Mon, "09:00", date(2026, 1, 5));
    let expected: Vec<_> = [
        (1, 5),
        (1, 19),
        (2, 2),
        (2, 16),
        (3, 2),
        (3, 16),
        (3, 30),
        (4, 13),
        (4, 27),
    ]
    .iter()
    .map(|&(m, d)| date(2026, m, d))
    .collect();
    for (tz, name) in [(BERLIN, "Berlin"), (SYDNEY, "Sydney")] {
        let got = c.meetings_between(tz, utc(2025, 12, 1, 0, 0), utc(2026, 5, 1, 0, 0));
        let dates: Vec<_> = got
            .iter()
            .map(|m| m.with_timezone(&tz).date_naive())
            .collect();
        assert_eq!(dates, expected, "{name}");
        all_local(tz, &got, Weekday::Mon, "09:00");
    }
    // Right after a meeting, the next is two weeks on, not one.
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2026, 1, 5, 8, 1)),
        Some(utc(2026, 1, 19, 8, 0))
    );
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2026, 1, 12, 12, 0)),
        Some(utc(2026, 1, 19, 8, 0))
    );
    // Before the anchor: the anchor.
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2025, 6, 1, 0, 0)),
        Some(utc(2026, 1, 5, 8, 0))
    );
    // Every 5 weeks in Sydney across a year: 35-day strides.
    let five = cadence(5, Weekday::Thu, "16:30", date(2026, 2, 5));
    let got = five.meetings_between(SYDNEY, utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0));
    assert_eq!(got.len(), 10);
    all_local(SYDNEY, &got, Weekday::Thu, "16:30");
    for pair in got.windows(2) {
        let days = (pair[1].with_timezone(&SYDNEY).date_naive()
            - pair[0].with_timezone(&SYDNEY).date_naive())
        .num_days();
        assert_eq!(days, 35);
    }
}

#[test]
fn meetings_in_gaps_and_overlaps_follow_tzmath() {
    let c = cadence(1, Weekday::Sun, "02:30", date(2026, 3, 22));
    let spring = c.meetings_between(BERLIN, utc(2026, 3, 20, 0, 0), utc(2026, 4, 6, 0, 0));
    // 02:30 doesn't exist on 2026-03-29: the meeting is when the gap ends.
    assert_eq!(
        spring,
        vec![
            utc(2026, 3, 22, 1, 30),
            utc(2026, 3, 29, 1, 0),
            utc(2026, 4, 5, 0, 30)
        ]
    );
    let autumn = c.meetings_between(BERLIN, utc(2026, 10, 17, 0, 0), utc(2026, 11, 2, 0, 0));
    // 02:30 happens twice on 2026-10-25: only the first counts.
    assert_eq!(
        autumn,
        vec![
            utc(2026, 10, 18, 0, 30),
            utc(2026, 10, 25, 0, 30),
            utc(2026, 11, 1, 1, 30)
        ]
    );
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2026, 10, 25, 0, 30)),
        Some(utc(2026, 11, 1, 1, 30))
    );
}

#[test]
fn meetings_between_is_half_open_and_bounded() {
    let c = cadence(1, Weekday::Mon, "09:00", date(2026, 6, 8));
    let m = utc(2026, 6, 8, 7, 0);
    assert_eq!(
        c.meetings_between(BERLIN, m, utc(2026, 6, 15, 7, 0)),
        vec![m]
    );
    assert!(c
        .meetings_between(BERLIN, m + Duration::seconds(1), utc(2026, 6, 15, 7, 0))
        .is_empty());
    assert!(c.meetings_between(BERLIN, m, m).is_empty());
    assert!(c
        .meetings_between(BERLIN, utc(2027, 1, 1, 0, 0), m)
        .is_empty());
    let all = c.meetings_between(BERLIN, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    assert_eq!(all.len(), MAX_LISTED_MEETINGS);
    assert_eq!(all[0], m);
}

#[test]
fn starting_picks_the_first_meeting_still_ahead() {
    // Wed 2026-06-10 12:00 in Berlin.
    let now = utc(2026, 6, 10, 10, 0);
    let anchor = |day, time: &str, tz| Cadence::starting(1, day, at(time), tz, now).unwrap().anchor;
    assert_eq!(anchor(Weekday::Wed, "14:00", BERLIN), date(2026, 6, 10));
    assert_eq!(anchor(Weekday::Wed, "11:00", BERLIN), date(2026, 6, 17));
    assert_eq!(anchor(Weekday::Wed, "12:00", BERLIN), date(2026, 6, 17));
    assert_eq!(anchor(Weekday::Mon, "09:00", BERLIN), date(2026, 6, 15));
    assert_eq!(anchor(Weekday::Thu, "00:00", BERLIN), date(2026, 6, 11));
    // The local date decides: 01:30 Wed in Berlin is still Tuesday in New York.
    let late = utc(2026, 6, 9, 23, 30);
    let c = Cadence::starting(2, Weekday::Tue, at("20:00"), NEW_YORK, late).unwrap();
    assert_eq!(c.anchor, date(2026, 6, 9));
    assert_eq!(c.every_weeks, 2);
    let c = Cadence::starting(1, Weekday::Tue, at("20:00"), BERLIN, late).unwrap();
    assert_eq!(c.anchor, date(2026, 6, 16));
    // Set during the DST gap night for a time inside the gap.
    let c = Cadence::starting(
        1,
        Weekday::Sun,
        at("02:30"),
        BERLIN,
        utc(2026, 3, 29, 0, 30),
    )
    .unwrap();
    assert_eq!(c.anchor, date(2026, 3, 29));
    assert_eq!(
        c.next_meeting_after(BERLIN, utc(2026, 3, 29, 0, 30)),
        Some(utc(2026, 3, 29, 1, 0))
    );
    assert_eq!(
        Cadence::starting(0, Weekday::Mon, at("09:00"), BERLIN, now),
        Err(DomainError::BadEveryWeeks("0".into()))
    );
    assert_eq!(
        Cadence::starting(1, Weekday::Mon, TimeOfDay::END_OF_DAY, BERLIN, now),
        Err(DomainError::TimeAtEndOfDay("24:00".into()))
    );
    assert!(Cadence::starting(
        1,
        Weekday::Mon,
        at("09:00"),
        BERLIN,
        DateTime::<Utc>::MAX_UTC
    )
    .is_err());
}

#[test]
fn from_now_anchors_today_and_strides_from_it() {
    let now = utc(2026, 6, 10, 10, 17) + Duration::seconds(45);
    let c = Cadence::from_now(2, BERLIN, now).unwrap();
    assert_eq!(c, cadence(2, Weekday::Wed, "12:17", date(2026, 6, 10)));
    assert_eq!(
        c.next_meeting_after(BERLIN, now),
        Some(utc(2026, 6, 24, 10, 17))
    );
    let c = Cadence::from_now(1, SYDNEY, now).unwrap();
    assert_eq!(c, cadence(1, Weekday::Wed, "20:17", date(2026, 6, 10)));
    assert!(Cadence::from_now(13, BERLIN, now).is_err());
}

#[test]
fn indexes_and_the_current_meeting() {
    let c = cadence(2, Weekday::Mon, "09:00", date(2026, 1, 5));
    assert_eq!(c.index_of(BERLIN, utc(2026, 1, 5, 8, 0)), Some(0));
    assert_eq!(c.index_of(BERLIN, utc(2026, 3, 30, 7, 0)), Some(6));
    assert_eq!(c.index_of(BERLIN, utc(2026, 1, 12, 8, 0)), None);
    assert_eq!(c.index_of(BERLIN, utc(2025, 12, 22, 8, 0)), None);
    assert_eq!(
        c.last_meeting_at_or_before(BERLIN, utc(2026, 1, 5, 7, 59)),
        None
    );
    assert_eq!(
        c.last_meeting_at_or_before(BERLIN, utc(2026, 1, 5, 8, 0)),
        Some(utc(2026, 1, 5, 8, 0))
    );
    assert_eq!(
        c.last_meeting_at_or_before(BERLIN, utc(2026, 1, 18, 23, 0)),
        Some(utc(2026, 1, 5, 8, 0))
    );
    assert_eq!(
        c.last_meeting_at_or_before(BERLIN, utc(2026, 4, 1, 0, 0)),
        Some(utc(2026, 3, 30, 7, 0))
    );
    assert_eq!(
        c.last_meeting_at_or_before(BERLIN, DateTime::<Utc>::MIN_UTC),
        None
    );
    let _ = c.last_meeting_at_or_before(BERLIN, DateTime::<Utc>::MAX_UTC);
    let _ = c.next_meeting_after(BERLIN, DateTime::<Utc>::MAX_UTC);
    let _ = c.index_of(BERLIN, DateTime::<Utc>::MAX_UTC);
    // Public fields may hold junk from storage; nothing panics.
    let junk = Cadence {
        every_weeks: 0,
        ..c
    };
    assert!(junk
        .next_meeting_after(BERLIN, utc(2026, 1, 6, 0, 0))
        .is_some());
    let far = Cadence {
        anchor: NaiveDate::MAX,
        weekday: NaiveDate::MAX.weekday(),
        ..c
    };
    let _ = far.meetings_between(SYDNEY, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
}

#[test]
fn reminders_and_leads() {
    let m = utc(2026, 6, 8, 7, 0);
    assert_eq!(reminder_time(m, Duration::hours(1)), utc(2026, 6, 8, 6, 0));
    assert_eq!(reminder_time(m, Duration::zero()), m);
    assert_eq!(reminder_time(m, Duration::hours(-3)), m);
    assert_eq!(
        reminder_time(DateTime::<Utc>::MIN_UTC, Duration::hours(1)),
        DateTime::<Utc>::MIN_UTC
    );
    assert_eq!(parse_lead("1h"), Ok(Duration::hours(1)));
    assert_eq!(parse_lead("90m"), Ok(Duration::minutes(90)));
    assert_eq!(parse_lead("1d"), Ok(Duration::days(1)));
    for zero in ["0", "0s", "00", "0 s", "0sec", "0m", "0h", "0h0m", " 0 "] {
        assert_eq!(parse_lead(zero), Ok(Duration::zero()), "{zero:?}");
    }
    for bad in ["", "-1h", "soon", "30s", "1", "0x", "é"] {
        assert_eq!(
            parse_lead(bad),
            Err(DomainError::BadLead(shown(bad))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        parse_lead("31d"),
        Err(DomainError::DurationTooLong(_))
    ));
    assert!(DomainError::BadLead("soon".into())
        .to_string()
        .contains("0s"));
}
