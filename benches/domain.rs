//! Benchmarks for the hot pure paths: parsing a command, working out a mentor's next window,
//! and rendering the overview of a large team as Slack JSON.
//!
//! `cargo bench --bench domain` (about a minute); `cargo bench --bench domain -- parse` for one group.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, Criterion};

use officehours::commands::parse::parse;
use officehours::directory::Snapshot;
use officehours::domain::PublishedWindow;
use officehours::domain::{
    current_or_next, next_opening, parse_range, presence, DaySet, ManualState, WeeklyWindow,
};
use officehours::domain::{Viewer, ZoneSource};
use officehours::slack::blocks::message_content;
use officehours::store::{Mentor, Person};
use officehours::views::replies::overview;

fn window(days: &str, range: &str) -> WeeklyWindow {
    WeeklyWindow::new(DaySet::parse(days).unwrap(), parse_range(range).unwrap()).unwrap()
}

/// A Wednesday at noon UTC, between the mentor's windows in Berlin.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 10, 12, 0, 0).unwrap()
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, text) in [
        ("add", "add tue,thu 14:00-15:00 career, rust"),
        ("add_spaced", "add mon, wed 10am to 11am \"system design\""),
        ("on_for", "on for 2h"),
        ("lookup", "<@U0ANA00001|ana>"),
        ("tz", "tz america/new york"),
    ] {
        group.bench_function(name, |b| b.iter(|| parse(black_box(text))));
    }
    group.finish();
}

fn next_window(c: &mut Criterion) {
    let mut group = c.benchmark_group("next_window");
    let now = now();
    let weekly = window("tue,thu", "14:00-15:00");
    group.bench_function("current_or_next_berlin", |b| {
        b.iter(|| {
            current_or_next(
                black_box(&weekly),
                chrono_tz::Europe::Berlin,
                black_box(now),
            )
        })
    });
    let late = window("tue,thu", "22:00-01:00");
    group.bench_function("current_or_next_chatham", |b| {
        b.iter(|| {
            current_or_next(
                black_box(&late),
                chrono_tz::Pacific::Chatham,
                black_box(now),
            )
        })
    });
    let three = [
        window("mon", "10:00-11:00"),
        window("wed", "16:00-17:30"),
        window("fri", "09:00-10:00"),
    ];
    group.bench_function("presence_next_opening_3_windows", |b| {
        b.iter(|| {
            let tz = chrono_tz::Europe::Berlin;
            let p = presence(tz, black_box(&three), None, black_box(now));
            let n = next_opening(tz, black_box(&three), None, black_box(now));
            (p, n)
        })
    });
    group.finish();
}

const ZONES: [Tz; 12] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Asia::Tokyo,
    chrono_tz::Asia::Singapore,
    chrono_tz::Australia::Sydney,
    chrono_tz::Pacific::Auckland,
    chrono_tz::Africa::Lagos,
    chrono_tz::UTC,
];

const TOPICS: [&str; 6] = [
    "career",
    "rust",
    "system design",
    "frontend",
    "hiring",
    "sre",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `size` mentors in 12 zones with three windows each on different days; a few are
/// manually available and a few away.
fn mentors(size: usize, now: DateTime<Utc>) -> Vec<Mentor> {
    (0..size)
        .map(|i| {
            let user_id = format!("U{i:09}");
            let windows: Vec<PublishedWindow> = (0..3)
                .map(|k| {
                    let day = DAYS[(i + 2 * k) % 7];
                    let hour = 8 + (i / 7 + 3 * k) % 10;
                    let end = if k == 1 { "30" } else { "00" };
                    PublishedWindow {
                        id: (i * 3 + k) as i64,
                        user_id: user_id.clone(),
                        window: window(day, &format!("{hour}:00-{}:{end}", hour + 1)),
                        topics: vec![
                            TOPICS[(i + k) % TOPICS.len()].to_owned(),
                            TOPICS[(i + k + 2) % TOPICS.len()].to_owned(),
                        ],
                    }
                })
                .collect();
            let away_until = (i % 50 == 0).then(|| now + chrono::Duration::days(3));
            let manual = match (away_until, i % 20) {
                (Some(until), _) => Some(ManualState::UnavailableUntil(until)),
                (None, 1) => Some(ManualState::AvailableUntil(
                    now + chrono::Duration::hours(2),
                )),
                _ => None,
            };
            let mut person = Person::new("T0BENCH01", &user_id);
            person.slack_tz = Some(ZONES[i % ZONES.len()].name().to_owned());
            person.manual = manual;
            person.away_until = away_until;
            Mentor { person, windows }
        })
        .collect()
}

fn rendering(c: &mut Criterion) {
    let now = now();
    let team = mentors(1000, now);
    let statuses = Snapshot::of(&team, now).statuses;
    let open = statuses.iter().filter(|s| s.is_open()).count();
    let coming = statuses
        .iter()
        .filter(|s| !s.is_open() && s.next.is_some())
        .count();
    assert!(
        open > 15 && coming > 15,
        "both lists should overflow: {open} open, {coming} coming"
    );
    let viewer = Viewer {
        user_id: "U0VIEWER01".to_owned(),
        tz: chrono_tz::Europe::Berlin,
        zone_source: ZoneSource::Chosen,
    };
    let mut group = c.benchmark_group("overview");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    // Per request: the held snapshot rendered for one reader and written as Slack JSON.
    group.bench_function("render_1000_mentors", |b| {
        b.iter(|| {
            let message = overview(&viewer, black_box(now), black_box(&statuses));
            let content = message_content(&message);
            serde_json::to_vec(&content).unwrap()
        })
    });
    // Once per change of anyone's status: every presence, next opening and next change.
    group.bench_function("snapshot_1000_mentors", |b| {
        b.iter(|| Snapshot::of(black_box(&team), now))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parsing, next_window, rendering
}
criterion_main!(benches);
