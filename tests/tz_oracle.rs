//! Checks tzmath against an independent oracle: tests/oracle/tz_cases.txt, written by
//! tests/oracle/generate.py from Python's `zoneinfo` and the README's rules (gap -> the
//! transition instant, overlap -> the earlier instant, start == end -> no occurrence).
//! It covers every UTC-offset change in 2026..=2036 of every zone chrono-tz knows.
//!
//! Regenerate with `python3 tests/oracle/generate.py` after a chrono-tz upgrade; the
//! fixture records which tzdata both sides were built from.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use officehours::domain::tzmath::{occurrence_on, resolve_local, Occurrence};
use officehours::domain::{DaySet, TimeOfDay, TimeRange, WeeklyWindow};

const CASES: &str = "tests/oracle/tz_cases.txt";
const ZONES: &str = "tests/oracle/chrono_tz_zones.txt";

/// chrono-tz 0.10.4 has 597 names and the fixture covers all of them; allow a few to
/// go missing from a future system tzdata before this counts as lost coverage.
const MIN_ZONES: usize = 590;

fn read(rel: &str) -> String {
    let path = format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn instant(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .and_utc()
}

fn time_of_day(s: &str) -> TimeOfDay {
    let (h, m) = s.split_once(':').unwrap_or_else(|| panic!("bad time {s}"));
    TimeOfDay::hm(h.parse().unwrap(), m.parse().unwrap()).unwrap_or_else(|| panic!("bad time {s}"))
}

fn offset_at(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

fn malformed(n: usize, line: &str) -> ! {
    panic!("{CASES}:{n}: malformed line {line:?}")
}

fn show(o: Option<Occurrence>) -> String {
    o.map_or("none".into(), |o| format!("{} .. {}", o.start, o.end))
}

#[test]
fn tzmath_agrees_with_the_zoneinfo_oracle() {
    let zone_list = read(ZONES);
    let listed: BTreeSet<&str> = zone_list
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let known: BTreeSet<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    assert_eq!(
        listed, known,
        "{ZONES} no longer matches chrono_tz::TZ_VARIANTS; rerun tests/oracle/generate.py"
    );

    let text = read(CASES);
    let mut zones: Vec<Tz> = Vec::new();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let (mut checked, mut mismatches) = (0usize, Vec::<String>::new());
    let mut transition = String::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "Z" => {
                zones = f[1..]
                    .iter()
                    .map(|name| {
                        name.parse::<Tz>()
                            .unwrap_or_else(|e| panic!("{CASES}:{n}: {name}: {e}"))
                    })
                    .collect();
                covered.extend(&f[1..]);
                transition.clear();
            }
            // The offsets either side of a change: a failure here means chrono-tz's
            // data and the system tzdata disagree, not a bug in tzmath.
            "T" if f.len() == 4 => {
                let t = instant(f[1]);
                let (before, after): (i32, i32) = (f[2].parse().unwrap(), f[3].parse().unwrap());
                transition = format!("change at {} ({before}s -> {after}s)", f[1]);
                for &tz in &zones {
                    checked += 1;
                    let got = (
                        offset_at(tz, t - chrono::Duration::seconds(1)),
                        offset_at(tz, t),
                    );
                    if got != (before, after) {
                        mismatches.push(format!(
                            "{CASES}:{n}: {tz} offsets around {}: chrono-tz has {got:?}, \
                             zoneinfo ({before}, {after}) [tzdata skew?]",
                            f[1]
                        ));
                    }
                }
            }
            "R" if f.len() == 4 => {
                let (at, want) = (local(f[1]), instant(f[2]));
                for &tz in &zones {
                    checked += 1;
                    let got = resolve_local(tz, at);
                    if got != want {
                        mismatches.push(format!(
                            "{CASES}:{n}: resolve_local({tz}, {at}) = {got}, oracle {want} \
                             ({}; {transition})",
                            f[3]
                        ));
                    }
                }
            }
            "W" if f.len() == 6 || f.len() == 7 => {
                let date = NaiveDate::parse_from_str(f[1], "%Y-%m-%d").unwrap();
                let bits = u8::from_str_radix(f[2], 16).unwrap();
                let days = DaySet::from_bits(bits).unwrap_or_else(|| malformed(n, line));
                let range = TimeRange::new(time_of_day(f[3]), time_of_day(f[4]))
                    .unwrap_or_else(|e| panic!("{CASES}:{n}: {e:?}"));
                let window = WeeklyWindow::new(days, range).unwrap();
                let want = match f[5..] {
                    ["none"] => None,
                    [s, e] => Some(Occurrence {
                        start: instant(s),
                        end: instant(e),
                    }),
                    _ => malformed(n, line),
                };
                for &tz in &zones {
                    checked += 1;
                    let got = occurrence_on(&window, tz, date);
                    if got != want {
                        mismatches.push(format!(
                            "{CASES}:{n}: occurrence_on({} {}, {tz}, {date} {}) = {}, \
                             oracle {} ({transition})",
                            days.label(),
                            range,
                            date.format("%a"),
                            show(got),
                            show(want)
                        ));
                    }
                }
            }
            _ => malformed(n, line),
        }
    }

    let stray: Vec<_> = covered.difference(&listed).collect();
    assert!(stray.is_empty(), "fixture zones chrono-tz lacks: {stray:?}");
    assert!(
        covered.len() >= MIN_ZONES,
        "fixture covers only {} of {} chrono-tz zones",
        covered.len(),
        listed.len()
    );
    assert!(checked > 100_000, "only {checked} checks ran");
    if !mismatches.is_empty() {
        let mut msg = format!(
            "{} of {checked} oracle checks over {} zones disagree; first 20:\n",
            mismatches.len(),
            covered.len()
        );
        for m in mismatches.iter().take(20) {
            let _ = writeln!(msg, "  {m}");
        }
        panic!("{msg}");
    }
    eprintln!(
        "tz oracle: {checked} checks over {} zones, 0 mismatches",
        covered.len()
    );
}
