//! Tests for tzmath: DST transition days in 2026/2027 with hand-computed instants.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;
use crate::domain::days::DaySet;
use crate::domain::time_of_day::{parse_range, TimeOfDay};
use crate::domain::window::WeeklyWindow;

const BERLIN: Tz = chrono_tz::Europe::Berlin;
const NEW_YORK: Tz = chrono_tz::America::New_York;
const SYDNEY: Tz = chrono_tz::Australia::Sydney;
const KOLKATA: Tz = chrono_tz::Asia::Kolkata;
const CHATHAM: Tz = chrono_tz::Pacific::Chatham;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    date(y, mo, d).and_hms_opt(h, mi, 0).unwrap()
}

fn date(y: i32, mo: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, mo, d).unwrap()
}

fn win(days: &str, range: &str) -> WeeklyWindow {
    WeeklyWindow::new(DaySet::parse(days).unwrap(), parse_range(range).unwrap()).unwrap()
}

fn occ(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Occurrence> {
    Some(Occurrence { start, end })
}

fn at(s: &str) -> TimeOfDay {
    TimeOfDay::parse(s).unwrap()
}

#[test]
fn gap_resolves_to_the_transition_instant() {
    // Berlin springs 02:00 CET -> 03:00 CEST at 01:00 UTC.
    assert_eq!(
        resolve_local(BERLIN, local(2026, 3, 29, 2, 30)),
        utc(2026, 3, 29, 1, 0)
    );
    assert_eq!(
        resolve_local(BERLIN, local(2026, 3, 29, 2, 0)),
        utc(2026, 3, 29, 1, 0)
    );
    assert_eq!(
        resolve_local(BERLIN, local(2027, 3, 28, 2, 59)),
        utc(2027, 3, 28, 1, 0)
    );
    assert_eq!(
        resolve_local(BERLIN, local(2026, 3, 29, 1, 59)),
        utc(2026, 3, 29, 0, 59)
    );
    assert_eq!(
        resolve_local(BERLIN, local(2026, 3, 29, 3, 0)),
        utc(2026, 3, 29, 1, 0)
    );
    // New York springs 02:00 EST -> 03:00 EDT at 07:00 UTC.
    assert_eq!(
        resolve_local(NEW_YORK, local(2026, 3, 8, 2, 30)),
        utc(2026, 3, 8, 7, 0)
    );
    assert_eq!(
        resolve_local(NEW_YORK, local(2027, 3, 14, 2, 15)),
        utc(2027, 3, 14, 7, 0)
    );
    // Sydney springs 02:00 AEST -> 03:00 AEDT at 16:00 UTC the day before.
    assert_eq!(
        resolve_local(SYDNEY, local(2026, 10, 4, 2, 30)),
        utc(2026, 10, 3, 16, 0)
    );
    assert_eq!(
        resolve_local(SYDNEY, local(2027, 10, 3, 2, 0)),
        utc(2027, 10, 2, 16, 0)
    );
    // Chatham springs 02:45 +1245 -> 03:45 +1345 at 14:00 UTC the day before.
    assert_eq!(
        resolve_local(CHATHAM, local(2026, 9, 27, 3, 0)),
        utc(2026, 9, 26, 14, 0)
    );
    assert_eq!(
        resolve_local(CHATHAM, local(2027, 9, 26, 3, 30)),
        utc(2027, 9, 25, 14, 0)
    );
    // Samoa skipped 30 Dec 2011 entirely (-10 -> +14 at 10:00 UTC).
    let apia = chrono_tz::Pacific::Apia;
    assert_eq!(
        resolve_local(apia, local(2011, 12, 30, 12, 0)),
        utc(2011, 12, 30, 10, 0)
    );
}

#[test]
fn overlap_resolves_to_the_first_occurrence() {
    // Berlin 02:00-03:00 happens in CEST (+2) first.
    assert_eq!(
        resolve_local(BERLIN, local(2026, 10, 25, 2, 30)),
        utc(2026, 10, 25, 0, 30)
    );
    assert_eq!(
        resolve_local(BERLIN, local(2027, 10, 31, 2, 30)),
        utc(2027, 10, 31, 0, 30)
    );
    // New York 01:00-02:00 happens in EDT (-4) first.
    assert_eq!(
        resolve_local(NEW_YORK, local(2026, 11, 1, 1, 30)),
        utc(2026, 11, 1, 5, 30)
    );
    assert_eq!(
        resolve_local(NEW_YORK, local(2027, 11, 7, 1, 30)),
        utc(2027, 11, 7, 5, 30)
    );
    // Sydney 02:00-03:00 happens in AEDT (+11) first.
    assert_eq!(
        resolve_local(SYDNEY, local(2026, 4, 5, 2, 30)),
        utc(2026, 4, 4, 15, 30)
    );
    assert_eq!(
        resolve_local(SYDNEY, local(2027, 4, 4, 2, 30)),
        utc(2027, 4, 3, 15, 30)
    );
    // Chatham 02:45-03:45 happens in +1345 first.
    assert_eq!(
        resolve_local(CHATHAM, local(2026, 4, 5, 3, 0)),
        utc(2026, 4, 4, 13, 15)
    );
    assert_eq!(
        resolve_local(CHATHAM, local(2027, 4, 4, 3, 0)),
        utc(2027, 4, 3, 13, 15)
    );
}

#[test]
fn zone_without_dst_is_a_plain_offset() {
    assert_eq!(
        resolve_local(KOLKATA, local(2026, 3, 29, 2, 30)),
        utc(2026, 3, 28, 21, 0)
    );
    let thu = win("thu", "14:00-15:00");
    assert_eq!(
        occurrence_on(&thu, KOLKATA, date(2026, 3, 26)),
        occ(utc(2026, 3, 26, 8, 30), utc(2026, 3, 26, 9, 30))
    );
    assert_eq!(occurrence_on(&thu, KOLKATA, date(2026, 3, 27)), None);
}

#[test]
fn weekly_window_keeps_wall_time_across_dst() {
    let tue = win("tue", "10:00-11:00");
    assert_eq!(
        occurrence_on(&tue, BERLIN, date(2026, 3, 24)),
        occ(utc(2026, 3, 24, 9, 0), utc(2026, 3, 24, 10, 0))
    );
    assert_eq!(
        occurrence_on(&tue, BERLIN, date(2026, 3, 31)),
        occ(utc(2026, 3, 31, 8, 0), utc(2026, 3, 31, 9, 0))
    );
    let mon = win("mon", "9am-10am");
    assert_eq!(
        occurrence_on(&mon, NEW_YORK, date(2026, 3, 2)),
        occ(utc(2026, 3, 2, 14, 0), utc(2026, 3, 2, 15, 0))
    );
    assert_eq!(
        occurrence_on(&mon, NEW_YORK, date(2026, 3, 9)),
        occ(utc(2026, 3, 9, 13, 0), utc(2026, 3, 9, 14, 0))
    );
    let weekdays = win("weekdays", "09:00-10:00");
    assert_eq!(
        occurrence_on(&weekdays, SYDNEY, date(2026, 4, 3)),
        occ(utc(2026, 4, 2, 22, 0), utc(2026, 4, 2, 23, 0))
    );
    assert_eq!(
        occurrence_on(&weekdays, SYDNEY, date(2026, 4, 6)),
        occ(utc(2026, 4, 5, 23, 0), utc(2026, 4, 6, 0, 0))
    );
}

#[test]
fn window_starting_in_a_gap_starts_at_the_transition() {
    let sun = win("sun", "02:30-03:30");
    assert_eq!(
        occurrence_on(&sun, BERLIN, date(2026, 3, 29)),
        occ(utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30))
    );
    let chatham = win("sun", "03:00-04:00");
    assert_eq!(
        occurrence_on(&chatham, CHATHAM, date(2026, 9, 27)),
        occ(utc(2026, 9, 26, 14, 0), utc(2026, 9, 26, 14, 15))
    );
}

#[test]
fn window_in_an_overlap_uses_the_first_occurrence() {
    let sun = win("sun", "02:30-03:30");
    // Starts at the first 02:30 (CEST), ends at the only 03:30 (CET): two hours.
    assert_eq!(
        occurrence_on(&sun, BERLIN, date(2026, 10, 25)),
        occ(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30))
    );
    let short = win("sun", "01:15-01:45");
    assert_eq!(
        occurrence_on(&short, NEW_YORK, date(2027, 11, 7)),
        occ(utc(2027, 11, 7, 5, 15), utc(2027, 11, 7, 5, 45))
    );
}

#[test]
fn window_wholly_inside_a_gap_is_skipped_that_day() {
    let sun = win("sun", "02:15-02:45");
    assert_eq!(occurrence_on(&sun, BERLIN, date(2026, 3, 29)), None);
    assert_eq!(
        occurrence_on(&win("sun", "02:00-03:00"), BERLIN, date(2027, 3, 28)),
        None
    );
    assert_eq!(
        occurrence_on(&win("sun", "02:00-02:30"), NEW_YORK, date(2026, 3, 8)),
        None
    );
    // The week after is normal again (02:15 CEST = 00:15 UTC).
    let next = occ(utc(2026, 4, 5, 0, 15), utc(2026, 4, 5, 0, 45));
    assert_eq!(occurrence_on(&sun, BERLIN, date(2026, 4, 5)), next);
    assert_eq!(current_or_next(&sun, BERLIN, utc(2026, 3, 28, 12, 0)), next);
    assert_eq!(
        next_start_after(&sun, BERLIN, utc(2026, 3, 28, 12, 0)),
        next
    );
}

#[test]
fn window_crossing_midnight() {
    let sat = win("sat", "22:00-04:00");
    // Spring: 22:00 CET (21:00 UTC) to 04:00 CEST (02:00 UTC), five hours.
    assert_eq!(
        occurrence_on(&sat, BERLIN, date(2026, 3, 28)),
        occ(utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 2, 0))
    );
    // Autumn: 22:00 CEST (20:00 UTC) to 04:00 CET (03:00 UTC), seven hours.
    assert_eq!(
        occurrence_on(&sat, BERLIN, date(2026, 10, 24)),
        occ(utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 3, 0))
    );
    assert_eq!(occurrence_on(&sat, BERLIN, date(2026, 3, 29)), None);
    let to_midnight = win("sat", "20:00-24:00");
    assert_eq!(
        occurrence_on(&to_midnight, BERLIN, date(2026, 3, 28)),
        occ(utc(2026, 3, 28, 19, 0), utc(2026, 3, 28, 23, 0))
    );
}

#[test]
fn current_or_next_returns_a_window_that_started_yesterday() {
    let fri = win("fri", "22:00-02:00");
    let running = occ(utc(2026, 3, 27, 21, 0), utc(2026, 3, 28, 1, 0));
    let next_week = occ(utc(2026, 4, 3, 20, 0), utc(2026, 4, 4, 0, 0));
    assert_eq!(
        current_or_next(&fri, BERLIN, utc(2026, 3, 27, 12, 0)),
        running
    );
    assert_eq!(
        current_or_next(&fri, BERLIN, utc(2026, 3, 28, 0, 30)),
        running
    );
    assert_eq!(
        current_or_next(&fri, BERLIN, utc(2026, 3, 28, 1, 0)),
        next_week
    );
    assert_eq!(
        next_start_after(&fri, BERLIN, utc(2026, 3, 28, 0, 30)),
        next_week
    );
    assert_eq!(
        next_start_after(&fri, BERLIN, utc(2026, 3, 27, 21, 0)),
        next_week
    );
    assert!(running.unwrap().contains(utc(2026, 3, 27, 21, 0)));
    assert!(!running.unwrap().contains(utc(2026, 3, 28, 1, 0)));

    // Started Saturday 23:00 EST, the clocks spring forward while it runs.
    let ny = win("sat", "23:00-03:00");
    assert_eq!(
        current_or_next(&ny, NEW_YORK, utc(2026, 3, 8, 6, 30)),
        occ(utc(2026, 3, 8, 4, 0), utc(2026, 3, 8, 7, 0))
    );
    // Started Saturday 23:00 AEDT; at 16:30 UTC it's the second 02:30.
    let syd = win("sat", "23:00-03:00");
    assert_eq!(
        current_or_next(&syd, SYDNEY, utc(2026, 4, 4, 16, 30)),
        occ(utc(2026, 4, 4, 12, 0), utc(2026, 4, 4, 17, 0))
    );
}

#[test]
fn next_local_time_follows_the_rules() {
    assert_eq!(
        next_local_time(BERLIN, utc(2026, 3, 28, 12, 0), at("17:00")),
        utc(2026, 3, 28, 16, 0)
    );
    assert_eq!(
        next_local_time(BERLIN, utc(2026, 3, 28, 16, 0), at("17:00")),
        utc(2026, 3, 29, 15, 0)
    );
    // Across the gap: 02:30 doesn't exist that night, 03:00 CEST does.
    assert_eq!(
        next_local_time(BERLIN, utc(2026, 3, 29, 0, 30), at("02:30")),
        utc(2026, 3, 29, 1, 0)
    );
    assert_eq!(
        next_local_time(BERLIN, utc(2026, 3, 29, 1, 0), at("02:30")),
        utc(2026, 3, 30, 0, 30)
    );
    assert_eq!(
        next_local_time(NEW_YORK, utc(2026, 3, 8, 5, 0), at("2:30am")),
        utc(2026, 3, 8, 7, 0)
    );
    assert_eq!(
        next_local_time(CHATHAM, utc(2026, 9, 26, 12, 0), at("03:00")),
        utc(2026, 9, 26, 14, 0)
    );
    // In the overlap only the first 02:30 counts.
    assert_eq!(
        next_local_time(BERLIN, utc(2026, 10, 25, 0, 0), at("02:30")),
        utc(2026, 10, 25, 0, 30)
    );
    assert_eq!(
        next_local_time(BERLIN, utc(2026, 10, 25, 1, 10), at("02:30")),
        utc(2026, 10, 26, 1, 30)
    );
    assert_eq!(
        next_local_time(KOLKATA, utc(2026, 1, 1, 0, 0), at("09:00")),
        utc(2026, 1, 1, 3, 30)
    );
    assert_eq!(
        next_local_time(BERLIN, utc(2026, 3, 28, 12, 0), at("24:00")),
        utc(2026, 3, 28, 23, 0)
    );
}

#[test]
fn end_of_day_and_labels() {
    assert_eq!(
        end_of_local_day(BERLIN, utc(2026, 3, 28, 12, 0)),
        utc(2026, 3, 28, 23, 0)
    );
    assert_eq!(
        end_of_local_day(BERLIN, utc(2026, 3, 29, 12, 0)),
        utc(2026, 3, 29, 22, 0)
    );
    assert_eq!(
        end_of_local_day(KOLKATA, utc(2026, 1, 1, 20, 0)),
        utc(2026, 1, 2, 18, 30)
    );
    assert_eq!(
        end_of_local_day(SYDNEY, utc(2026, 4, 4, 12, 0)),
        utc(2026, 4, 4, 13, 0)
    );
    assert_eq!(
        end_of_local_day(SYDNEY, utc(2026, 4, 4, 14, 0)),
        utc(2026, 4, 5, 14, 0)
    );
    assert_eq!(local_label(BERLIN, utc(2026, 3, 26, 13, 0)), "Thu 14:00");
    assert_eq!(local_time_label(BERLIN, utc(2026, 3, 26, 13, 0)), "14:00");
    assert_eq!(local_label(CHATHAM, utc(2026, 9, 26, 14, 0)), "Sun 03:45");
}

/// Finds every offset change of `tz` in 1890..2040 (a daily scan, then
/// bisection to the second) and checks gap and overlap handling against it.
#[test]
fn every_transition_follows_the_rules() {
    let zones: [Tz; 12] = [
        BERLIN,
        NEW_YORK,
        SYDNEY,
        KOLKATA,
        CHATHAM,
        chrono_tz::Pacific::Apia,
        chrono_tz::America::Santiago,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Europe::Dublin,
        chrono_tz::Africa::Casablanca,
        chrono_tz::America::St_Johns,
        chrono_tz::Europe::Amsterdam,
    ];
    let offset_at = |tz: Tz, t: i64| {
        let naive = DateTime::from_timestamp(t, 0).unwrap().naive_utc();
        i64::from(tz.offset_from_utc_datetime(&naive).fix().local_minus_utc())
    };
    let mut gaps = 0;
    for tz in zones {
        let mut t = utc(1890, 1, 1, 0, 0).timestamp();
        let stop = utc(2040, 1, 1, 0, 0).timestamp();
        while t < stop {
            let next = t + 86_400;
            let before = offset_at(tz, t);
            if before != offset_at(tz, next) {
                let (mut lo, mut hi) = (t, next);
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2;
                    if offset_at(tz, mid) == before {
                        lo = mid
                    } else {
                        hi = mid
                    }
                }
                let after = offset_at(tz, hi);
                let instant = DateTime::from_timestamp(hi, 0).unwrap();
                let local_at = |offset: i64| instant.naive_utc() + Duration::seconds(offset);
                if after > before {
                    gaps += 1;
                    // Every wall-clock second of the gap maps to the transition.
                    for probe in [
                        local_at(before),
                        local_at((before + after) / 2),
                        local_at(after) - Duration::seconds(1),
                    ] {
                        assert_eq!(
                            resolve_local(tz, probe),
                            instant,
                            "{tz} gap at {instant}, local {probe}"
                        );
                    }
                    assert_eq!(resolve_local(tz, local_at(after)), instant);
                } else {
                    // The repeated hour maps to its first pass, still at `before`.
                    let probe = local_at(after);
                    let first = instant - Duration::seconds(before - after);
                    assert_eq!(resolve_local(tz, probe), first, "{tz} overlap at {instant}");
                }
            }
            t = next;
        }
    }
    assert!(gaps > 500, "only {gaps} gaps found");
}

#[test]
fn extreme_inputs_do_not_panic() {
    let w = win("daily", "22:00-02:00");
    for tz in [
        BERLIN,
        CHATHAM,
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::Etc::GMTPlus12,
    ] {
        for local in [NaiveDateTime::MIN, NaiveDateTime::MAX] {
            let _ = resolve_local(tz, local);
        }
        for d in [NaiveDate::MIN, NaiveDate::MAX] {
            let _ = occurrence_on(&w, tz, d);
        }
        for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            let _ = current_or_next(&w, tz, t);
            let _ = next_start_after(&w, tz, t);
            let _ = next_local_time(tz, t, at("24:00"));
            let _ = end_of_local_day(tz, t);
            let _ = local_label(tz, t);
            let _ = crate::domain::presence::presence(tz, std::slice::from_ref(&w), None, t);
            let _ = crate::domain::presence::next_opening(tz, std::slice::from_ref(&w), None, t);
        }
    }
}

/// Random instants in 2020–2035 across zones: the queries agree with each other.
#[test]
fn queries_are_consistent_at_random_instants() {
    let zones = [
        BERLIN,
        NEW_YORK,
        SYDNEY,
        KOLKATA,
        CHATHAM,
        chrono_tz::Australia::Lord_Howe,
    ];
    let windows = [
        win("daily", "02:30-03:30"),
        win("sun", "01:00-03:00"),
        win("weekdays", "22:00-01:00"),
        win("sat", "00:00-24:00"),
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let start = utc(2020, 1, 1, 0, 0).timestamp();
    for _ in 0..3_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let t = DateTime::from_timestamp(start + (state % (15 * 365 * 86_400)) as i64, 0).unwrap();
        let tz = zones[(state >> 40) as usize % zones.len()];
        let w = &windows[(state >> 50) as usize % windows.len()];
        let current = current_or_next(w, tz, t).unwrap();
        let next = next_start_after(w, tz, t).unwrap();
        assert!(current.start < current.end && current.end > t, "{tz} {t}");
        assert!(next.start > t && next.start >= current.start);
        assert!(
            current.contains(t) || current == next,
            "{tz} {t} {current:?} {next:?}"
        );
        let nominal = i64::from(w.range.len_minutes());
        let actual = (current.end - current.start).num_minutes();
        assert!((actual - nominal).abs() <= 60, "{tz} {t} {current:?}");
        let local = next_local_time(tz, t, w.range.start);
        assert!(local > t && local <= t + Duration::hours(49));
        assert!(end_of_local_day(tz, t) > t);
    }
}
