//! The calendar feed, read by real calendar libraries, lands on the bot's own instants.
//!
//! For mentors in zones with every kind of offset change (30-minute and 2-hour DST, negative
//! DST, changes at midnight, Ramadan shifts, a zone that dropped DST, one that never had it),
//! with windows that start or end in gaps and overlaps and windows that cross midnight, the
//! test writes the real feed (`officehours::calendar::ics`) to a file and expands it with two
//! independent libraries:
//!
//! - Mozilla's ical.js (Thunderbird's engine), which reads TZID times through the feed's own
//!   VTIMEZONE: `node tests/oracle/expand_icaljs.mjs FEED THROUGH`;
//! - Python's icalendar + recurring_ical_events, which read them through Python's zoneinfo and
//!   add durations on the wall clock: `python3 tests/oracle/expand_python.py FEED THROUGH`.
//!
//! Each prints the UTC start and end of every occurrence; they must equal, exactly, the
//! occurrences `domain::tzmath::occurrence_on` gives for every date the feed covers: from its
//! first day (a week before `now`) through the date the feed says it reaches (in
//! `X-WR-CALDESC`, "… through YYYY-MM-DD …"), or through `THROUGH` if it names none. Feeds are
//! made at two moments five years apart, so together they cover every date to `THROUGH`.
//!
//! The tools are installed by `.ci/run` (`npm ci --prefix tests/oracle`, pinned pip
//! packages). Where one is missing the test says "skipped: …" on stderr and passes, unless
//! the environment variable `CI` is set: then a missing tool is a failure.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use officehours::calendar::{ics, CalendarWindow};
use officehours::domain::{occurrence_on, parse_range, DaySet, WeeklyWindow};

/// Occurrences are compared through the end of this day (UTC).
const THROUGH: &str = "2036-12-31";

/// The moments the feeds are made at: today's horizon, and one five years on.
const NOWS: [(i32, u32, u32); 2] = [(2026, 12, 4), (2031, 12, 4)];

/// Every mentor has these: a working day, an evening across midnight, a whole Sunday (which
/// holds most changes).
const COMMON: [&str; 3] = ["weekdays 09:00-17:30", "fri 22:00-01:00", "sun 00:00-24:00"];

/// Each zone's own windows, around its changes (local wall times; 2027's changes noted).
const MENTORS: [(&str, &[&str]); 12] = [
    // 02:00 -> 03:00 on the last Sunday of March, 03:00 -> 02:00 on the last of October.
    (
        "Europe/Berlin",
        &["sun 02:30-03:30", "sun 02:00-03:00", "sat 23:00-04:00"],
    ),
    // 02:00 -> 03:00 in March, 02:00 -> 01:00 in November.
    (
        "America/New_York",
        &["sun 02:30-03:30", "sun 01:30-02:30", "sun 02:00-02:30"],
    ),
    // Half-hour DST: 02:00 -> 02:30 in October, 02:00 -> 01:30 in April.
    (
        "Australia/Lord_Howe",
        &["sun 02:00-02:30", "sun 01:45-02:15", "sun 01:30-02:00"],
    ),
    // +12:45/+13:45: 02:45 -> 03:45 in September, 03:45 -> 02:45 in April.
    (
        "Pacific/Chatham",
        &["sun 02:45-03:45", "sun 03:00-04:00", "sun 03:15-03:30"],
    ),
    // At midnight: Sunday 00:00 -> 01:00 in September, 24:00 -> Saturday 23:00 in April.
    (
        "America/Santiago",
        &["sat 23:30-00:30", "sun 00:00-01:00", "sat 23:00-24:00"],
    ),
    // Ramadan: 03:00 -> 02:00 on a Sunday before it, 02:00 -> 03:00 on a Sunday after it.
    (
        "Africa/Casablanca",
        &["sun 02:00-03:00", "sun 02:30-03:30", "sat,sun 01:00-04:00"],
    ),
    // At midnight: 00:00 -> 01:00 in March, 01:00 -> 00:00 in November.
    (
        "America/Havana",
        &["sun 00:00-01:00", "sat 23:30-00:30", "sun 00:30-01:30"],
    ),
    // Negative DST in the tz source: 01:00 -> 02:00 in March, 02:00 -> 01:00 in October.
    (
        "Europe/Dublin",
        &["sun 01:00-02:00", "sun 01:30-02:30", "sat 23:00-03:00"],
    ),
    // -03:30/-02:30: 02:00 -> 03:00 in March, 02:00 -> 01:00 in November.
    (
        "America/St_Johns",
        &["sun 02:00-03:00", "sun 01:30-02:30", "sun 02:15-02:45"],
    ),
    // Two-hour DST: 01:00 -> 03:00 in March, 03:00 -> 01:00 in October.
    (
        "Antarctica/Troll",
        &["sun 01:30-02:30", "sun 01:00-04:00", "sun 02:00-03:00"],
    ),
    // No DST since 2022; the Iranian week starts on Saturday.
    ("Asia/Tehran", &["sat 09:00-17:00", "sun 23:00-24:00"]),
    // Never DST.
    ("Asia/Kolkata", &["mon,wed 12:00-12:30"]),
];

/// At most this many differences are listed per zone and library.
const SHOWN: usize = 6;

type Occ = (i64, DateTime<Utc>, DateTime<Utc>);

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle")
}

/// A calendar library behind a script, and how to tell whether it can run here.
struct Library {
    name: &'static str,
    program: &'static str,
    script: &'static str,
    /// Arguments to `program` that exit 0 if the library can run; the
    /// last gets `probe_arg()` appended.
    probe: &'static [&'static str],
    install: &'static str,
}

const LIBRARIES: [Library; 2] = [
    Library {
        name: "ical.js",
        program: "node",
        script: "expand_icaljs.mjs",
        // Resolved like the script's own import, from tests/oracle/node_modules.
        probe: &[
            "--input-type=module",
            "-e",
            "await import(process.argv[1]);",
        ],
        install: "npm ci --prefix tests/oracle",
    },
    Library {
        name: "icalendar + recurring_ical_events",
        program: "python3",
        script: "expand_python.py",
        probe: &[
            "-c",
            "import sys, icalendar, recurring_ical_events, tzdata\n\
             if tzdata.IANA_VERSION != sys.argv[1]:\n\
             \x20   sys.exit(f'pip tzdata is {tzdata.IANA_VERSION}, chrono-tz has {sys.argv[1]}')",
        ],
        install: "pip install -r tests/oracle/requirements.txt",
    },
];

impl Library {
    fn probe_arg(&self) -> String {
        if self.program == "node" {
            let entry = oracle_dir().join("node_modules/ical.js/dist/ical.js");
            format!("file://{}", entry.display())
        } else {
            chrono_tz_tzdata()
        }
    }

    /// None if it can run; else why not.
    fn missing(&self) -> Option<String> {
        let out = Command::new(self.program)
            .args(self.probe)
            .arg(self.probe_arg())
            .output();
        let why = match out {
            Err(e) => format!("{} cannot run: {e}", self.program),
            Ok(out) if !out.status.success() => {
                let err = String::from_utf8_lossy(&out.stderr);
                let lines: Vec<&str> = err.lines().map(str::trim).collect();
                let line = lines
                    .iter()
                    .find(|l| l.contains("Error"))
                    .or(lines.iter().rev().find(|l| !l.is_empty()))
                    .unwrap_or(&"");
                format!("{} cannot load it: {line}", self.program)
            }
            Ok(_) => return None,
        };
        Some(format!("{why} (install: {})", self.install))
    }

    /// Starts the script on `feed`; its output is read with `wait_with_output`.
    fn expand(&self, feed: &Path) -> Child {
        Command::new(self.program)
            .arg(oracle_dir().join(self.script))
            .arg(feed)
            .arg(THROUGH)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("running {} on {}: {e}", self.name, feed.display()))
    }
}

/// The tz database release chrono-tz was built from, as recorded by
/// tests/oracle/generate.py (which tests/tz_oracle.rs keeps honest).
fn chrono_tz_tzdata() -> String {
    let path = oracle_dir().join("chrono_tz_zones.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("# chrono-tz tzdata: "))
        .unwrap_or_else(|| panic!("{}: no \"# chrono-tz tzdata: \" line", path.display()));
    line.trim().to_string()
}

fn through() -> NaiveDate {
    NaiveDate::parse_from_str(THROUGH, "%Y-%m-%d").unwrap()
}

/// Occurrences that start before this instant are compared.
fn cutoff() -> DateTime<Utc> {
    (through() + Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
}

fn window(text: &str) -> WeeklyWindow {
    let (days, range) = text.split_once(' ').unwrap();
    WeeklyWindow::new(DaySet::parse(days).unwrap(), parse_range(range).unwrap()).unwrap()
}

/// The date the feed says it reaches, from "through YYYY-MM-DD" in X-WR-CALDESC.
fn declared_reach(feed: &str) -> Option<NaiveDate> {
    let unfolded = feed.replace("\r\n ", "");
    let desc = unfolded
        .lines()
        .find_map(|l| l.strip_prefix("X-WR-CALDESC:"))?;
    let at = desc.find("through ")? + "through ".len();
    NaiveDate::parse_from_str(desc.get(at..at + 10)?, "%Y-%m-%d").ok()
}

/// The first date a feed made at `now` publishes: a week before today.
fn first_day(tz: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&tz).date_naive() - Days::new(7)
}

/// The bot's own occurrences of each window on the dates the feed covers.
fn expected(windows: &[WeeklyWindow], tz: Tz, now: DateTime<Utc>, reach: NaiveDate) -> Vec<Occ> {
    let first = first_day(tz, now);
    let mut out = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        let mut day = first;
        while day <= reach {
            if let Some(o) = occurrence_on(w, tz, day).filter(|o| o.start < cutoff()) {
                out.push((i as i64 + 1, o.start, o.end));
            }
            day = day.succ_opt().unwrap();
        }
    }
    out.sort();
    out
}

/// "window-3@officehours" and "window-3-20270328@officehours" are window 3.
fn window_id(uid: &str) -> Option<i64> {
    let rest = uid.strip_prefix("window-")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

fn parse_output(lib: &str, text: &str) -> Result<Vec<Occ>, String> {
    let instant =
        |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ").map(|t| t.and_utc());
    let mut out = Vec::new();
    for line in text.lines() {
        let bad = || format!("{lib}: unexpected line {line:?}");
        let f: Vec<&str> = line.split(' ').collect();
        let [uid, start, end] = f[..] else {
            return Err(bad());
        };
        let id = window_id(uid).ok_or_else(bad)?;
        let (start, end) = (
            instant(start).map_err(|_| bad())?,
            instant(end).map_err(|_| bad())?,
        );
        out.push((id, start, end));
    }
    out.sort();
    Ok(out)
}

fn show(tz: Tz, windows: &[WeeklyWindow], o: &Occ) -> String {
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%a %Y-%m-%d %H:%M %:z");
    let label = windows
        .get(o.0 as usize - 1)
        .map_or("?".to_string(), |w| w.to_string());
    format!(
        "[{label}] {} .. {}  ({} .. {})",
        o.1.format("%Y-%m-%dT%H:%MZ"),
        o.2.format("%Y-%m-%dT%H:%MZ"),
        local(o.1),
        local(o.2)
    )
}

/// The first differences between what the bot says and what a library shows, or None.
fn differences(tz: Tz, windows: &[WeeklyWindow], bot: &[Occ], shown: &[Occ]) -> Option<String> {
    if bot == shown {
        return None;
    }
    let mut count: BTreeMap<&Occ, i32> = BTreeMap::new();
    for o in bot {
        *count.entry(o).or_default() += 1;
    }
    for o in shown {
        *count.entry(o).or_default() -= 1;
    }
    let mut odd: Vec<_> = count.into_iter().filter(|(_, n)| *n != 0).collect();
    odd.sort_by_key(|(o, _)| (o.1, o.0));
    let mut text = format!(
        "{} of {} bot occurrences missing, {} shown in all; first from {}:\n",
        odd.iter().filter(|(_, n)| *n > 0).count(),
        bot.len(),
        shown.len(),
        odd.first()
            .map_or(String::new(), |(o, _)| o.1.date_naive().to_string())
    );
    for (o, n) in odd.iter().take(SHOWN) {
        let side = if *n > 0 { "bot only " } else { "lib only " };
        text.push_str(&format!("      {side} {}\n", show(tz, windows, o)));
    }
    Some(text)
}

/// A line on stderr that the test harness does not capture, so a skip is
/// seen even when the test passes.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[test]
fn real_calendar_libraries_expand_the_feed_to_the_bots_instants() {
    let on_ci = std::env::var_os("CI").is_some();
    let mut usable = Vec::new();
    for lib in &LIBRARIES {
        match lib.missing() {
            None => usable.push(lib),
            Some(why) if on_ci => panic!("{}: {why} (CI is set, so this fails)", lib.name),
            Some(why) => say(&format!("skipped: {}: {why}", lib.name)),
        }
    }
    if usable.is_empty() {
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (mut failures, mut compared) = (Vec::new(), 0);
    for (zone, own) in MENTORS {
        let tz: Tz = zone.parse().unwrap();
        let texts: Vec<&str> = COMMON.iter().chain(own.iter()).copied().collect();
        let windows: Vec<WeeklyWindow> = texts.iter().map(|t| window(t)).collect();
        // The feeds made at NOWS must cover every date from the first to THROUGH.
        let mut covered: Option<NaiveDate> = None;
        for (y, m, d) in NOWS {
            let now = Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap();
            let first = first_day(tz, now);
            if let Some(c) = covered {
                assert!(
                    first <= c + Days::new(1),
                    "{zone}: nothing covers {c}..{first}"
                );
            }
            let checked = check_feed(
                &dir.path()
                    .join(format!("{}-{y}.ics", zone.replace('/', "_"))),
                tz,
                &windows,
                now,
                &usable,
            );
            compared += checked.compared;
            failures.extend(checked.failures);
            covered = Some(covered.map_or(checked.reach, |c| c.max(checked.reach)));
        }
        let covered = covered.unwrap();
        assert!(
            covered >= through(),
            "{zone}: the feeds reach only {covered}"
        );
    }
    say(&format!(
        "calendar oracle: {compared} occurrences from {} compared through {THROUGH} in {:.1?}",
        usable
            .iter()
            .map(|l| l.name)
            .collect::<Vec<_>>()
            .join(" and "),
        started.elapsed()
    ));
    assert!(
        failures.is_empty(),
        "{} feed/library pairs disagree with the bot:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What one feed's check found.
struct Checked {
    /// The last date the feed covers (THROUGH and a little past it if it
    /// names no end).
    reach: NaiveDate,
    compared: usize,
    failures: Vec<String>,
}

/// Writes the feed for `windows` in `tz` at `now` to `path`, expands it
/// with each library, and compares with the bot.
fn check_feed(
    path: &Path,
    tz: Tz,
    windows: &[WeeklyWindow],
    now: DateTime<Utc>,
    libraries: &[&Library],
) -> Checked {
    let topics: Vec<String> = Vec::new();
    let list: Vec<CalendarWindow<'_>> = windows
        .iter()
        .enumerate()
        .map(|(i, w)| CalendarWindow {
            id: i as i64 + 1,
            window: w,
            topics: &topics,
        })
        .collect();
    let feed = ics("Oracle", tz, &list, now);
    std::fs::write(path, &feed).unwrap();
    // Dates past THROUGH can still start before its end in UTC.
    let last = through() + Days::new(2);
    let declared = declared_reach(&feed);
    let reach = declared.map_or(last, |r| r.min(last));
    let bot = expected(windows, tz, now, reach);

    let about = format!(
        "{tz} (feed of {}, {})",
        now.date_naive(),
        declared.map_or("no end".to_string(), |r| format!("reaching {r}"))
    );
    let mut checked = Checked {
        reach,
        compared: 0,
        failures: Vec::new(),
    };
    // The libraries run side by side, one process each.
    let running: Vec<Child> = libraries.iter().map(|lib| lib.expand(path)).collect();
    for (lib, child) in libraries.iter().zip(running) {
        let out = child.wait_with_output().unwrap();
        let shown = if out.status.success() {
            parse_output(lib.name, &String::from_utf8_lossy(&out.stdout))
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(format!("{}: {}: {}", lib.name, out.status, err.trim()))
        };
        match shown {
            Err(e) => checked.failures.push(format!("{about}, {e}")),
            Ok(shown) => {
                checked.compared += shown.len();
                if let Some(diff) = differences(tz, windows, &bot, &shown) {
                    checked
                        .failures
                        .push(format!("{about}, {}: {diff}", lib.name));
                }
            }
        }
    }
    checked
}
