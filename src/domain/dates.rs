//! Calendar dates ("2026-06-10"), single weekdays ("mon") and the local-clock
//! helpers the nudge schedules share.

use chrono::Weekday;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::days::DaySet;
use super::error::{shown, DomainError};
use super::time_of_day::TimeOfDay;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Strict `YYYY-MM-DD`. Other orders are refused rather than guessed, because
/// 03-04 means March in one office and April in the next.
pub fn parse_date(s: &str) -> Result<NaiveDate, DomainError> {
    let input = s.trim();
    let bad = || DomainError::BadDate(shown(input));
    let mut parts = input.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let number = |piece: &str, len: usize| -> Option<u32> {
        (piece.len() == len && piece.bytes().all(|b| b.is_ascii_digit()))
            .then(|| piece.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return Err(bad());
    };
    // Four ASCII digits always fit in an i32.
    let year = i32::try_from(year).map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(DomainError::BadMonth {
            input: shown(input),
            month,
        });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| DomainError::BadDayOfMonth {
        input: shown(input),
        day,
        month: format!("{} {year}", MONTHS[month as usize - 1]),
        days: days_in_month(year, month),
    })
}

fn days_in_month(year: i32, month: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some())
        .unwrap_or(28)
}

/// One weekday, by the same names `DaySet` knows ("mon", "Tuesday"); lists,
/// ranges and "weekdays" are refused because the caller needs exactly one.
pub fn parse_weekday(s: &str) -> Result<Weekday, DomainError> {
    let set = DaySet::parse(s)?;
    match (set.len(), set.first()) {
        (1, Some(day)) => Ok(day),
        _ => Err(DomainError::NotOneDay(shown(s))),
    }
}

/// "Monday": for the sentences the bot writes back.
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// The wall-clock reading of `t` in `tz`; None only at the very ends of
/// chrono's range, where `with_timezone(..).naive_local()` would panic.
pub(crate) fn local_of(tz: Tz, t: DateTime<Utc>) -> Option<NaiveDateTime> {
    let utc = t.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// The local date of `t`, falling back to the UTC date at chrono's limits.
pub(crate) fn local_date(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    local_of(tz, t).map_or(t.date_naive(), |l| l.date())
}

/// Wall-clock `at` on `date`. None for 24:00, which the nudge types refuse:
/// a meeting or digest "at the end of Monday" is really Tuesday 00:00.
pub(crate) fn at_on(date: NaiveDate, at: TimeOfDay) -> Option<NaiveDateTime> {
    let time = NaiveTime::from_hms_opt(u32::from(at.hour()), u32::from(at.minute()), 0)?;
    Some(date.and_time(time))
}

/// Rejects 24:00 for times that start something.
pub(crate) fn before_end_of_day(at: TimeOfDay) -> Result<TimeOfDay, DomainError> {
    if at == TimeOfDay::END_OF_DAY {
        return Err(DomainError::TimeAtEndOfDay(at.to_string()));
    }
    Ok(at)
}

/// The first date on or after `date` that falls on `day`.
pub(crate) fn on_or_after(date: NaiveDate, day: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + day.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
    date.checked_add_days(chrono::Days::new(u64::from(ahead)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_strict_iso_dates() {
        assert_eq!(parse_date("2026-06-10"), Ok(d(2026, 6, 10)));
        assert_eq!(parse_date(" 2028-02-29 "), Ok(d(2028, 2, 29)));
        assert_eq!(parse_date("2026-12-31"), Ok(d(2026, 12, 31)));
    }

    #[test]
    fn date_errors_name_the_bad_piece() {
        assert_eq!(
            parse_date("2026-02-30").unwrap_err().to_string(),
            "`2026-02-30` has no day 30: February 2026 has 28 days."
        );
        assert_eq!(
            parse_date("2028-02-30").unwrap_err().to_string(),
            "`2028-02-30` has no day 30: February 2028 has 29 days."
        );
        assert_eq!(
            parse_date("2026-04-31").unwrap_err().to_string(),
            "`2026-04-31` has no day 31: April 2026 has 30 days."
        );
        assert!(matches!(
            parse_date("2026-06-00"),
            Err(DomainError::BadDayOfMonth { day: 0, .. })
        ));
        assert_eq!(
            parse_date("2026-13-01").unwrap_err().to_string(),
            "`2026-13-01` has no month 13; months run from 01 to 12."
        );
        assert!(matches!(
            parse_date("2026-00-10"),
            Err(DomainError::BadMonth { month: 0, .. })
        ));
        for bad in [
            "",
            "2026-6-10",
            "26-06-10",
            "10.06.2026",
            "2026/06/10",
            "2026-06-10-",
            "2026-06-1O",
            "+026-06-10",
            "２026-06-10",
            "2026-06",
            "tomorrow",
            "2026-06-10..2026-06-12",
        ] {
            assert_eq!(
                parse_date(bad),
                Err(DomainError::BadDate(shown(bad))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn single_weekdays() {
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("Thursday"), Ok(Weekday::Thu));
        assert_eq!(parse_weekday("sun-sun"), Ok(Weekday::Sun));
        assert_eq!(
            parse_weekday("mon,wed"),
            Err(DomainError::NotOneDay("mon,wed".into()))
        );
        assert_eq!(
            parse_weekday("weekdays"),
            Err(DomainError::NotOneDay("weekdays".into()))
        );
        assert_eq!(
            parse_weekday("frday"),
            Err(DomainError::UnknownDay("frday".into()))
        );
        assert_eq!(weekday_name(Weekday::Wed), "Wednesday");
    }

    #[test]
    fn helpers() {
        assert_eq!(
            on_or_after(d(2026, 6, 10), Weekday::Wed),
            Some(d(2026, 6, 10))
        );
        assert_eq!(
            on_or_after(d(2026, 6, 10), Weekday::Tue),
            Some(d(2026, 6, 16))
        );
        assert_eq!(
            on_or_after(d(2026, 6, 14), Weekday::Mon),
            Some(d(2026, 6, 15))
        );
        assert_eq!(at_on(d(2026, 6, 10), TimeOfDay::END_OF_DAY), None);
        assert!(before_end_of_day(TimeOfDay::END_OF_DAY).is_err());
        assert_eq!(
            before_end_of_day(TimeOfDay::MIDNIGHT),
            Ok(TimeOfDay::MIDNIGHT)
        );
        let t = Utc.with_ymd_and_hms(2026, 6, 9, 23, 30, 0).unwrap();
        assert_eq!(local_date(chrono_tz::Europe::Berlin, t), d(2026, 6, 10));
        assert_eq!(local_date(chrono_tz::America::New_York, t), d(2026, 6, 9));
        assert_eq!(
            local_date(Tz::UTC, DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC.date_naive()
        );
    }
}
