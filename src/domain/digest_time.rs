//! DIGEST_AT: the weekly day and local time a manager's digest goes out, and
//! the "<day> <time>" reading it shares with `1on1 … on <day> <time>`.

use std::fmt;

use chrono::{DateTime, Days, Duration, Utc, Weekday};
use chrono_tz::Tz;

use super::cadence::Cadence;
use super::dates::{before_end_of_day, local_date, on_or_after, parse_weekday, weekday_name};
use super::error::{shown, DomainError};
use super::time_of_day::TimeOfDay;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DigestAt {
    pub weekday: Weekday,
    /// Before 24:00.
    pub at: TimeOfDay,
}

impl Default for DigestAt {
    /// Monday 09:00: the week's plan while it is still ahead.
    fn default() -> Self {
        DigestAt {
            weekday: Weekday::Mon,
            at: TimeOfDay::hm(9, 0).unwrap_or(TimeOfDay::MIDNIGHT),
        }
    }
}

impl DigestAt {
    /// "mon 09:00", "Friday 4pm", "monday at 9:30am".
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let (weekday, at) = parse_weekly_time(s)?;
        Ok(DigestAt { weekday, at })
    }

    /// The first digest instant strictly after `after`, at the wall-clock
    /// time in `tz` (which is the manager's own zone), under tzmath's DST rules.
    pub fn next_after(&self, tz: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
        // A weekly cadence anchored a week back answers exactly this; the
        // anchor only has to be on or before `after`'s local date.
        let week_ago = local_date(tz, after).checked_sub_days(Days::new(8));
        week_ago
            .and_then(|d| on_or_after(d, self.weekday))
            .and_then(|anchor| Cadence::new(1, self.weekday, self.at, anchor).ok())
            .and_then(|c| c.next_meeting_after(tz, after))
            .unwrap_or_else(|| {
                after
                    .checked_add_signed(Duration::weeks(1))
                    .unwrap_or(after)
            })
    }

    /// "Monday 09:00".
    pub fn label(&self) -> String {
        format!("{} {}", weekday_name(self.weekday), self.at)
    }
}

impl fmt::Display for DigestAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// One day then one time, "at" allowed between: "mon 09:00", "Friday 4 pm",
/// "tue at 10am". The time must start something, so 24:00 is refused.
pub fn parse_weekly_time(s: &str) -> Result<(Weekday, TimeOfDay), DomainError> {
    let bad = || DomainError::BadWeeklyTime(shown(s));
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let Some((first, rest)) = tokens.split_first() else {
        return Err(bad());
    };
    let weekday = match parse_weekday(first) {
        Ok(day) => day,
        // "09:00 mon": right pieces, wrong order.
        Err(_) if TimeOfDay::parse(first).is_ok() => return Err(bad()),
        Err(e) => return Err(e),
    };
    let rest = match rest {
        [at, tail @ ..] if at.eq_ignore_ascii_case("at") => tail,
        _ => rest,
    };
    if rest.is_empty() {
        return Err(bad());
    }
    let at = before_end_of_day(TimeOfDay::parse(&rest.join(" "))?)?;
    Ok((weekday, at))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const BERLIN: Tz = chrono_tz::Europe::Berlin;
    const SYDNEY: Tz = chrono_tz::Australia::Sydney;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn digest(s: &str) -> DigestAt {
        DigestAt::parse(s).unwrap()
    }

    #[test]
    fn parses_day_and_time() {
        assert_eq!(digest("mon 09:00"), DigestAt::default());
        assert_eq!(digest("Monday at 9am"), DigestAt::default());
        assert_eq!(digest("  MON   9:00  "), DigestAt::default());
        let fri = digest("Friday 4pm");
        assert_eq!(
            (fri.weekday, fri.at.to_string()),
            (Weekday::Fri, "16:00".into())
        );
        assert_eq!(digest("fri 4 pm"), fri);
        assert_eq!(digest("sun 00:00").at, TimeOfDay::MIDNIGHT);
        assert_eq!(fri.to_string(), "Friday 16:00");
    }

    #[test]
    fn parse_errors_name_the_bad_piece() {
        let e = |s: &str| DigestAt::parse(s).unwrap_err();
        assert_eq!(e("frday 9:00"), DomainError::UnknownDay("frday".into()));
        assert_eq!(e("mon 25:00"), DomainError::BadTime("25:00".into()));
        assert_eq!(e("mon,wed 9:00"), DomainError::NotOneDay("mon,wed".into()));
        assert_eq!(
            e("weekdays 9:00"),
            DomainError::NotOneDay("weekdays".into())
        );
        assert_eq!(e("mon 24:00"), DomainError::TimeAtEndOfDay("24:00".into()));
        assert_eq!(e("mon"), DomainError::BadWeeklyTime("mon".into()));
        assert_eq!(e("mon at"), DomainError::BadWeeklyTime("mon at".into()));
        assert_eq!(
            e("09:00 mon"),
            DomainError::BadWeeklyTime("09:00 mon".into())
        );
        assert_eq!(e(""), DomainError::BadWeeklyTime("".into()));
        assert_eq!(
            e("mon 9:00 10:00"),
            DomainError::BadTime("9:00 10:00".into())
        );
    }

    #[test]
    fn next_digest_is_local_and_strictly_later() {
        let d = DigestAt::default();
        // Wed 2026-06-10 in Berlin (+2): the coming Monday.
        assert_eq!(
            d.next_after(BERLIN, utc(2026, 6, 10, 12, 0)),
            utc(2026, 6, 15, 7, 0)
        );
        // Exactly at the digest: a week later.
        assert_eq!(
            d.next_after(BERLIN, utc(2026, 6, 15, 7, 0)),
            utc(2026, 6, 22, 7, 0)
        );
        assert_eq!(
            d.next_after(BERLIN, utc(2026, 6, 15, 6, 59)),
            utc(2026, 6, 15, 7, 0)
        );
        // Sunday evening UTC is already Monday in Sydney.
        assert_eq!(
            d.next_after(SYDNEY, utc(2026, 6, 14, 22, 0)),
            utc(2026, 6, 14, 23, 0)
        );
    }

    #[test]
    fn next_digest_keeps_local_time_across_dst() {
        let d = DigestAt::default();
        // Berlin: Mon 09:00 CET, then Mon 09:00 CEST after Sun 2026-03-29.
        assert_eq!(
            d.next_after(BERLIN, utc(2026, 3, 23, 8, 0)),
            utc(2026, 3, 30, 7, 0)
        );
        assert_eq!(
            d.next_after(BERLIN, utc(2026, 10, 19, 7, 0)),
            utc(2026, 10, 26, 8, 0)
        );
        // Sydney: AEDT -> AEST on Sun 2026-04-05, AEST -> AEDT on Sun 2026-10-04.
        assert_eq!(
            d.next_after(SYDNEY, utc(2026, 3, 29, 22, 0)),
            utc(2026, 4, 5, 23, 0)
        );
        assert_eq!(
            d.next_after(SYDNEY, utc(2026, 9, 27, 23, 0)),
            utc(2026, 10, 4, 22, 0)
        );
        // A Sunday digest at 02:30 on Berlin's gap night comes when the gap ends.
        let sun = digest("sun 02:30");
        assert_eq!(
            sun.next_after(BERLIN, utc(2026, 3, 28, 12, 0)),
            utc(2026, 3, 29, 1, 0)
        );
        // And on the overlap night only the first 02:30 counts.
        assert_eq!(
            sun.next_after(BERLIN, utc(2026, 10, 24, 12, 0)),
            utc(2026, 10, 25, 0, 30)
        );
        assert_eq!(
            sun.next_after(BERLIN, utc(2026, 10, 25, 0, 30)),
            utc(2026, 11, 1, 1, 30)
        );
    }

    #[test]
    fn extremes_do_not_panic() {
        let d = DigestAt::default();
        let _ = d.next_after(BERLIN, DateTime::<Utc>::MAX_UTC);
        let _ = d.next_after(SYDNEY, DateTime::<Utc>::MIN_UTC);
        let odd = DigestAt {
            at: TimeOfDay::END_OF_DAY,
            ..d
        };
        let t = utc(2026, 6, 10, 12, 0);
        assert!(odd.next_after(BERLIN, t) > t);
    }
}
