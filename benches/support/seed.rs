//! Deterministic populations and the two ways of writing them:
//!
//! - through the lib's public store and nudge API, row by row, exactly as the bot does
//!   (`seed_via_api`); the load bench's 1,000 mentors are written this way;
//! - in bulk (`write_bulk`): the same rows, computed with the same public domain functions and
//!   the same key formats as `src/nudges`, inserted many per statement. The scheduler bench's
//!   100,000 people are written this way, and `check_bulk_matches_app` proves on a small
//!   population that both ways leave identical rows, so the bulk path cannot drift unnoticed.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, SubsecRound, Utc, Weekday};
use chrono_tz::Tz;

use officehours::clock::ManualClock;
use officehours::commands::parse::{CadenceCommand, ConferenceCommand, UserRef};
use officehours::commands::Actor;
use officehours::domain::PublishedWindow;
use officehours::domain::{
    conference_key, reminder_time, Cadence, DateSpan, DaySet, TimeOfDay, TimeRange, WeeklyWindow,
};
use officehours::nudges::{kinds, NudgeSettings, Nudges};
use officehours::store::{AddOutcome, Store};

use super::db::{Raw, Val};

/// Twelve zones, both hemispheres, with and without DST.
pub const ZONES: [&str; 12] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Europe/London",
    "America/Los_Angeles",
    "Africa/Johannesburg",
    "Asia/Singapore",
    "America/Chicago",
];

const TOPICS: [&str; 8] = [
    "career",
    "rust",
    "system design",
    "frontend",
    "hiring",
    "sre",
    "databases",
    "product",
];

/// A first meeting sooner than this after seeding would make its reminders due during the bench.
const QUIET_AFTER_SEEDING: Duration = Duration::hours(3);

/// SplitMix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

pub struct PersonSeed {
    pub user_id: String,
    pub zone: Tz,
    pub windows: Vec<(WeeklyWindow, Vec<String>)>,
}

pub struct CadenceSeed {
    pub manager: usize,
    pub report: usize,
    pub every_weeks: u8,
    pub weekday: Weekday,
    pub at: TimeOfDay,
    pub cadence: Cadence,
    pub first_meeting: DateTime<Utc>,
}

pub struct AttendanceSeed {
    pub person: usize,
    pub name: String,
    pub dates: DateSpan,
}

pub struct Population {
    pub team: String,
    /// When the people ran their commands (whole seconds, as the store keeps instants).
    pub now: DateTime<Utc>,
    pub people: Vec<PersonSeed>,
    pub cadences: Vec<CadenceSeed>,
    pub attendance: Vec<AttendanceSeed>,
}

fn zone(index: usize) -> Tz {
    ZONES[index % ZONES.len()].parse().expect("a valid zone")
}

/// One to three days, a start between 07:00 and 19:30 on the half hour, 30 to 120 minutes long.
fn random_window(rng: &mut Rng) -> (WeeklyWindow, Vec<String>) {
    let ndays = 1 + rng.below(3);
    let mut bits = 0_u8;
    while (bits.count_ones() as usize) < ndays {
        bits |= 1 << rng.below(7);
    }
    let start = 7 * 60 + 30 * rng.below(26) as u16;
    let end = start + 30 * (1 + rng.below(4) as u16);
    let range = TimeRange::new(
        TimeOfDay::from_minutes(start).expect("start"),
        TimeOfDay::from_minutes(end).expect("end"),
    )
    .expect("range");
    let window = WeeklyWindow::new(DaySet::from_bits(bits).expect("days"), range).expect("window");
    let first = rng.below(TOPICS.len());
    let mut topics = vec![TOPICS[first].to_owned()];
    if rng.below(2) == 1 {
        topics.push(TOPICS[(first + 1 + rng.below(TOPICS.len() - 1)) % TOPICS.len()].to_owned());
    }
    (window, topics)
}

/// `count` windows that do not overlap (the bot refuses overlapping ones).
fn windows(rng: &mut Rng, count: usize) -> Vec<(WeeklyWindow, Vec<String>)> {
    let mut out: Vec<(WeeklyWindow, Vec<String>)> = Vec::with_capacity(count);
    while out.len() < count {
        let candidate = random_window(rng);
        if out.iter().all(|(w, _)| !w.overlaps(&candidate.0)) {
            out.push(candidate);
        }
    }
    out
}

fn now_seconds() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

impl Population {
    /// `mentors` people with `total_windows` weekly windows between them (as evenly as whole
    /// numbers allow, pseudo-randomly who gets one more), zones round-robin over `ZONES`.
    pub fn mentors(team: &str, mentors: usize, total_windows: usize, seed: u64) -> Population {
        let mut rng = Rng::new(seed);
        let base = total_windows / mentors;
        let mut extra = vec![false; mentors];
        let mut order: Vec<usize> = (0..mentors).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &i in order.iter().take(total_windows % mentors) {
            extra[i] = true;
        }
        let people = (0..mentors)
            .map(|i| PersonSeed {
                user_id: format!("U0MENTOR{i:04}"),
                zone: zone(i),
                windows: windows(&mut rng, base + usize::from(extra[i])),
            })
            .collect();
        Population {
            team: team.to_owned(),
            now: now_seconds(),
            people,
            cadences: Vec::new(),
            attendance: Vec::new(),
        }
    }

    /// `size` people: each with 0–3 windows; every tenth is a manager with 1:1s with the next
    /// nine; three in ten go to one of `size / 333` (at least 3) conferences.
    pub fn at_scale(team: &str, size: usize, settings: &NudgeSettings, seed: u64) -> Population {
        let now = now_seconds();
        let mut rng = Rng::new(seed);
        let people: Vec<PersonSeed> = (0..size)
            .map(|i| {
                let count = rng.below(4);
                PersonSeed {
                    user_id: format!("U{:08}", 10_000_000 + i),
                    zone: zone(rng.below(ZONES.len())),
                    windows: windows(&mut rng, count),
                }
            })
            .collect();
        let mut cadences = Vec::new();
        for manager in (0..size).step_by(10) {
            for report in manager + 1..(manager + 10).min(size) {
                let every_weeks = [1, 2, 2, 2, 4][rng.below(5)];
                let mut weekday = Weekday::try_from(rng.below(5) as u8).expect("weekday");
                let at = TimeOfDay::from_minutes(9 * 60 + 30 * rng.below(18) as u16).expect("at");
                let tz = people[manager].zone;
                // The first meeting must not fall due while the bench runs: move it a day on.
                let (cadence, first_meeting) = loop {
                    let cadence = Cadence::starting(every_weeks, weekday, at, tz, now)
                        .expect("a valid cadence");
                    let first = cadence.next_meeting_after(tz, now).expect("a next meeting");
                    if reminder_time(first, settings.lead) > now + QUIET_AFTER_SEEDING {
                        break (cadence, first);
                    }
                    weekday = weekday.succ();
                };
                cadences.push(CadenceSeed {
                    manager,
                    report,
                    every_weeks,
                    weekday,
                    at,
                    cadence,
                    first_meeting,
                });
            }
        }
        let conferences = (size / 333).max(3);
        let today = now.date_naive();
        let mut attendance = Vec::new();
        for person in 0..size {
            if rng.below(10) >= 3 {
                continue;
            }
            let c = rng.below(conferences);
            let start = today + Days::new(30 + (c % 60) as u64);
            attendance.push(AttendanceSeed {
                person,
                name: format!("BenchConf {c}"),
                dates: DateSpan::new(start, start + Days::new(2)).expect("dates"),
            });
        }
        Population {
            team: team.to_owned(),
            now,
            people,
            cadences,
            attendance,
        }
    }

    pub fn window_count(&self) -> usize {
        self.people.iter().map(|p| p.windows.len()).sum()
    }
}

/// Known people who only ask (no windows), with their Slack zone recorded as users.info gave it.
pub fn requesters(count: usize) -> Vec<(String, &'static str)> {
    (0..count)
        .map(|i| (format!("U0ASKER{i:04}"), ZONES[i % ZONES.len()]))
        .collect()
}

fn clash(
    window: &WeeklyWindow,
) -> impl Fn(&[PublishedWindow]) -> Option<PublishedWindow> + Sync + '_ {
    move |existing: &[PublishedWindow]| existing.iter().find(|e| e.window.overlaps(window)).cloned()
}

/// Writes the population row by row through the public API, as the bot's commands do: the
/// Slack profile (users.info), `add` for each window, `1on1 @report every N weeks on DAY HH:MM`
/// and `conference "NAME" START..END`.
pub async fn seed_via_api(store: &Arc<dyn Store>, pop: &Population, settings: &NudgeSettings) {
    let team = pop.team.as_str();
    for person in &pop.people {
        store
            .set_slack_profile(
                team,
                &person.user_id,
                Some(person.zone.name()),
                Some(&person.user_id.to_lowercase()),
                pop.now,
            )
            .await
            .expect("profile");
        for (window, topics) in &person.windows {
            let outcome = store
                .add_window(
                    team,
                    &person.user_id,
                    window,
                    topics,
                    &clash(window),
                    pop.now,
                )
                .await
                .expect("add window");
            assert!(matches!(outcome, AddOutcome::Added(_)), "{outcome:?}");
        }
    }
    if pop.cadences.is_empty() && pop.attendance.is_empty() {
        return;
    }
    let clock = Arc::new(ManualClock::new(pop.now));
    let nudges = Nudges::new(store.clone(), clock, settings.clone());
    let actor = |i: usize| Actor {
        team_id: team.to_owned(),
        user_id: pop.people[i].user_id.clone(),
    };
    for c in &pop.cadences {
        let command = CadenceCommand::Set {
            report: UserRef {
                id: pop.people[c.report].user_id.clone(),
                label: None,
            },
            every_weeks: c.every_weeks,
            on: Some((c.weekday, c.at)),
        };
        nudges
            .one_on_one(&actor(c.manager), command)
            .await
            .expect("1on1");
    }
    for a in &pop.attendance {
        let command = ConferenceCommand::Join {
            name: a.name.clone(),
            dates: a.dates,
        };
        nudges
            .conference(&actor(a.person), command)
            .await
            .expect("conference");
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn text(s: impl Into<String>) -> Val {
    Val::Text(s.into())
}

/// What `write_bulk` wrote.
#[derive(Debug, Default)]
pub struct BulkCounts {
    pub people: usize,
    pub windows: usize,
    pub cadences: usize,
    pub meetings: usize,
    pub conferences: usize,
    pub reminders: usize,
}

/// The rows `seed_via_api` leaves, written in bulk. Key formats and payloads follow
/// `src/nudges/{one_on_one,conference,digest}.rs`; `check_bulk_matches_app` keeps them honest.
pub async fn write_bulk(raw: &Raw, pop: &Population, settings: &NudgeSettings) -> BulkCounts {
    let (team, now) = (pop.team.as_str(), pop.now);
    let mut counts = BulkCounts::default();

    let people: Vec<Vec<Val>> = pop
        .people
        .iter()
        .map(|p| {
            vec![
                text(team),
                text(&p.user_id),
                text(p.zone.name()),
                text(p.user_id.to_lowercase()),
                Val::Time(now),
                Val::Time(now),
                Val::Time(now),
            ]
        })
        .collect();
    counts.people = people.len();
    raw.insert(
        "people",
        &[
            "team_id",
            "user_id",
            "slack_tz",
            "display_name",
            "slack_tz_checked_at",
            "created_at",
            "updated_at",
        ],
        people,
    )
    .await;

    let windows: Vec<Vec<Val>> = pop
        .people
        .iter()
        .flat_map(|p| {
            p.windows.iter().map(|(w, topics)| {
                vec![
                    text(team),
                    text(&p.user_id),
                    Val::Int(i32::from(w.days.bits())),
                    Val::Int(i32::from(w.range.start.minutes())),
                    Val::Int(i32::from(w.range.end.minutes())),
                    text(topics.join(", ")),
                    Val::Time(now),
                ]
            })
        })
        .collect();
    counts.windows = windows.len();
    raw.insert(
        "windows",
        &[
            "team_id",
            "user_id",
            "days",
            "start_minute",
            "end_minute",
            "topics",
            "created_at",
        ],
        windows,
    )
    .await;

    let user = |i: usize| pop.people[i].user_id.as_str();
    let cadences: Vec<Vec<Val>> = pop
        .cadences
        .iter()
        .map(|c| {
            vec![
                text(team),
                text(user(c.manager)),
                text(user(c.report)),
                Val::Int(i32::from(c.cadence.every_weeks)),
                Val::Int(c.cadence.weekday.num_days_from_monday() as i32),
                Val::Int(i32::from(c.cadence.at.minutes())),
                text(ymd(c.cadence.anchor)),
                text("active"),
                Val::Time(now),
                Val::Time(now),
            ]
        })
        .collect();
    counts.cadences = cadences.len();
    raw.insert(
        "cadences",
        &[
            "team_id",
            "manager_id",
            "report_id",
            "every_weeks",
            "weekday",
            "at_minute",
            "anchor_date",
            "status",
            "created_at",
            "updated_at",
        ],
        cadences,
    )
    .await;
    // Only this team's rows: the scale bench writes a thousand workspaces one after another.
    let this_team = format!("team_id = '{}'", team.replace('\'', "''"));
    let cadence_ids: HashMap<(String, String), i64> = raw
        .rows::<(i64, String, String)>(&format!(
            "SELECT id, manager_id, report_id FROM cadences WHERE {this_team}"
        ))
        .await
        .into_iter()
        .map(|(id, m, r)| ((m, r), id))
        .collect();
    let cadence_id =
        |c: &CadenceSeed| cadence_ids[&(user(c.manager).to_owned(), user(c.report).to_owned())];

    let meetings: Vec<Vec<Val>> = pop
        .cadences
        .iter()
        .map(|c| {
            vec![
                Val::Big(cadence_id(c)),
                Val::Int(0),
                Val::Time(c.first_meeting),
            ]
        })
        .collect();
    counts.meetings = meetings.len();
    raw.insert("meetings", &["cadence_id", "seq", "starts_at"], meetings)
        .await;
    let meeting_ids: HashMap<i64, i64> = raw
        .rows::<(i64, i64)>(&format!(
            "SELECT id, cadence_id FROM meetings WHERE cadence_id IN \
             (SELECT id FROM cadences WHERE {this_team})"
        ))
        .await
        .into_iter()
        .map(|(id, cadence)| (cadence, id))
        .collect();

    let attendance: Vec<Vec<Val>> = pop
        .attendance
        .iter()
        .map(|a| {
            vec![
                text(team),
                text(user(a.person)),
                text(&a.name),
                text(conference_key(&a.name)),
                text(ymd(a.dates.start)),
                text(ymd(a.dates.end)),
                Val::Time(now),
            ]
        })
        .collect();
    counts.conferences = attendance.len();
    raw.insert(
        "conferences",
        &[
            "team_id",
            "user_id",
            "name",
            "name_key",
            "start_date",
            "end_date",
            "created_at",
        ],
        attendance,
    )
    .await;

    let reminder = |key: String, kind: &str, to: &str, payload: serde_json::Value, due| {
        vec![
            text(team),
            text(key),
            text(kind),
            text(to),
            text(payload.to_string()),
            Val::Time(due),
            Val::Time(due),
            Val::Time(now),
        ]
    };
    let mut reminders = Vec::new();
    let mut managers = Vec::new();
    for c in &pop.cadences {
        let (cid, starts) = (cadence_id(c), c.first_meeting);
        let mid = meeting_ids[&cid];
        let due = reminder_time(starts, settings.lead).max(now);
        for person in [user(c.manager), user(c.report)] {
            reminders.push(reminder(
                format!("1on1:{cid}:{}:{person}", starts.timestamp()),
                kinds::ONE_ON_ONE,
                person,
                serde_json::json!({ "meeting_id": mid, "starts_at": starts.timestamp() }),
                due,
            ));
        }
        // The report's notice: in their working time, but before their first reminder.
        let notice_due = settings
            .work
            .defer(pop.people[c.report].zone, now)
            .min(due - Duration::minutes(1))
            .max(now);
        let schedule = format!(
            "{}w{}d{}m{}",
            c.every_weeks,
            c.weekday.num_days_from_monday(),
            c.at.minutes(),
            c.cadence.anchor
        );
        reminders.push(reminder(
            format!("1on1-consent:{team}:{}:{cid}:{schedule}", user(c.manager)),
            kinds::CONSENT,
            user(c.report),
            serde_json::json!({ "cadence_id": cid }),
            notice_due,
        ));
        if managers.last() != Some(&c.manager) {
            managers.push(c.manager);
        }
    }
    for &m in &managers {
        let tz = pop.people[m].zone;
        let at = settings.digest_at.next_after(tz, now);
        reminders.push(reminder(
            format!(
                "digest:{team}:{}:{}",
                user(m),
                at.with_timezone(&tz).date_naive()
            ),
            kinds::DIGEST,
            user(m),
            serde_json::json!({}),
            at,
        ));
    }
    // Every two people at a conference at the same time are introduced, once, in a group DM.
    let mut by_key: HashMap<String, Vec<&AttendanceSeed>> = HashMap::new();
    for a in &pop.attendance {
        by_key.entry(conference_key(&a.name)).or_default().push(a);
    }
    for (key, going) in &by_key {
        for a in going {
            for b in going.iter().filter(|b| user(a.person) < user(b.person)) {
                if !a.dates.overlaps(&b.dates) {
                    continue;
                }
                let edition = a.dates.start.max(b.dates.start).year();
                let zones = [pop.people[a.person].zone, pop.people[b.person].zone];
                reminders.push(reminder(
                    format!(
                        "conference:{team}:{key}:{edition}:{}:{}",
                        user(a.person),
                        user(b.person)
                    ),
                    kinds::CONFERENCE,
                    &format!("{},{}", user(a.person), user(b.person)),
                    serde_json::json!({ "name_key": key, "edition": edition }),
                    settings.work.group_soon(&zones, now),
                ));
            }
        }
    }
    counts.reminders = reminders.len();
    raw.insert(
        "reminders",
        &[
            "team_id",
            "key",
            "kind",
            "recipients",
            "payload",
            "due_at",
            "next_attempt_at",
            "created_at",
        ],
        reminders,
    )
    .await;
    counts
}

/// The state a little after seeding: the scheduler has delivered what was due at once (the
/// reports' 1:1 notices and the conference introductions), recording them as `finish` does
/// (sent, channel and ts, one attempt) and learning each recipient's DM channel.
pub async fn settle_immediate_notices(raw: &Raw, now: DateTime<Utc>) -> u64 {
    let sent = raw
        .execute_at(
            "UPDATE reminders SET status = 'sent', attempts = 1, claimed_by = 'bench-seed', \
             channel_id = CASE WHEN kind = 'conference' THEN 'G' || replace(recipients, ',', '') ELSE 'D' || recipients END, \
             message_ts = '1700000000.000100', finished_at = $1 \
             WHERE status = 'pending' AND kind IN ('1on1_consent', 'conference')",
            now,
        )
        .await;
    raw.execute(
        "UPDATE people SET dm_channel = 'D' || user_id WHERE user_id IN \
         (SELECT recipients FROM reminders WHERE status = 'sent')",
    )
    .await;
    sent
}

/// Every row of `table` as text (SQLite's `quote()` of each column but `skip`), sorted.
async fn dump(pool: &sqlx::SqlitePool, table: &str, skip: &[&str]) -> Vec<String> {
    let columns: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind(table)
            .fetch_all(pool)
            .await
            .expect("columns");
    let expr = columns
        .iter()
        .filter(|(c,)| !skip.contains(&c.as_str()))
        .map(|(c,)| format!("quote({c})"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT {expr} FROM {table}"))
        .fetch_all(pool)
        .await
        .expect("dump");
    let mut rows: Vec<String> = rows.into_iter().map(|(r,)| r).collect();
    rows.sort();
    rows
}

/// Seeds `pop` both ways into two fresh SQLite databases and compares every row of every table
/// the seeding touches. Returns how many rows were compared; panics on the first difference.
pub async fn check_bulk_matches_app(pop: &Population, settings: &NudgeSettings) -> usize {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let (bulk_url, api_url) = (url("bulk.db"), url("api.db"));
    let bulk_store = officehours::store::connect(&bulk_url)
        .await
        .expect("bulk db");
    let api_store = officehours::store::connect(&api_url).await.expect("api db");
    let raw = Raw::Sqlite(sqlx::SqlitePool::connect(&bulk_url).await.expect("sqlite"));
    write_bulk(&raw, pop, settings).await;
    raw.close().await;
    seed_via_api(&api_store, pop, settings).await;
    bulk_store.close().await;
    api_store.close().await;
    let bulk = sqlx::SqlitePool::connect(&bulk_url).await.expect("sqlite");
    let api = sqlx::SqlitePool::connect(&api_url).await.expect("sqlite");
    let mut compared = 0;
    // Reminder ids follow insertion order, which differs; their keys name them.
    for (table, skip) in [
        ("people", &[][..]),
        ("windows", &[][..]),
        ("cadences", &[][..]),
        ("meetings", &[][..]),
        ("conferences", &[][..]),
        ("reminders", &["id"][..]),
    ] {
        let (ours, theirs) = (
            dump(&bulk, table, skip).await,
            dump(&api, table, skip).await,
        );
        if ours != theirs {
            let first = ours.iter().zip(&theirs).find(|(a, b)| a != b).map_or_else(
                || format!("{} rows vs {}", ours.len(), theirs.len()),
                |(a, b)| format!("bulk: {a}\napp:  {b}"),
            );
            panic!("bulk seeding no longer writes what the app writes, in `{table}`:\n{first}");
        }
        assert!(
            !ours.is_empty(),
            "the check population left `{table}` empty"
        );
        compared += ours.len();
    }
    compared
}
