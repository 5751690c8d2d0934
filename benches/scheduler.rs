//! The scheduler at scale: 100,000 people with windows, 1:1 cadences and conference attendance.
//!
//! `cargo bench --bench scheduler` prints, for SQLite (and PostgreSQL when `BENCH_DATABASE_URL`
//! or `TEST_DATABASE_URL` is set):
//! - an idle tick (nothing due): median and p99 of `Core::deliver_due` (a scheduler tick) over 200 ticks (target < 2 ms);
//! - 10,000 due 1:1 reminders dispatched to an unthrottled fake Slack, in process with the
//!   binary's default scheduler settings: reminders per second (target ≥ 2,000/s);
//! - the release binary (`serve`, `OFFICEHOURS_TICK=1s`) against the same database dispatching
//!   another 10,000: its rate and peak RSS (target < 64 MiB).
//!
//! `BENCH_PEOPLE` shrinks the population for a quick run.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use officehours::app::{Core, CoreParts, NudgeSettings, PresenceSettings};
use officehours::clock::{Clock, SystemClock};
use officehours::ports::slack::SlackApi;
use officehours::scheduler::{SchedulerSettings, TickReport};
use officehours::secret::Secret;
use officehours::slack::api::SlackWebApi;
use officehours::store::Store;

use support::db::{Backend, BenchDb, Raw};
use support::fake_slack::FakeSlack;
use support::process::{cpu_seconds, load_average, mib, proc_stats, Serve, ServeSettings};
use support::seed::{self, Population};
use support::signing::{BOT_TOKEN, TEAM};

const SEED: u64 = 0x5CA1_AB1E;
const IDLE_TICKS: usize = 200;
const MAX_IDLE_TICK_MS: f64 = 2.0;
const MIN_PER_SECOND: f64 = 2_000.0;
const MAX_RSS_MIB: f64 = 64.0;
/// People in the population that checks bulk seeding against the app.
const CHECK_PEOPLE: usize = 60;

fn main() {
    support::block_on(run());
}

struct Figures {
    backend: Backend,
    idle_median_ms: f64,
    idle_p99_ms: f64,
    due: usize,
    in_process_per_second: f64,
    binary_per_second: f64,
    binary_peak_kib: u64,
}

async fn run() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let people: usize = std::env::var("BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let settings = NudgeSettings::default();
    let defaults = SchedulerSettings::default();
    println!("== officehours scheduler at scale ==");
    println!("{}", support::machine::describe());
    println!(
        "scheduler settings: the binary's defaults (batch {}, {} deliveries in flight, one message per channel per {:?}, lease {} min) \
         but no workspace message ceiling (WORKSPACE_MESSAGES_PER_MINUTE=0); fake Slack unthrottled (no 429s), on loopback",
        defaults.batch,
        defaults.concurrency,
        defaults.per_channel,
        defaults.lease.num_minutes()
    );

    let checked = seed::check_bulk_matches_app(
        &Population::at_scale(TEAM, CHECK_PEOPLE, &settings, SEED),
        &settings,
    )
    .await;
    println!(
        "seeding check: bulk seeding and the app's own commands (profile, add, 1on1, conference) \
         left identical rows for {CHECK_PEOPLE} people ({checked} rows compared)"
    );

    let started = Instant::now();
    let pop = Population::at_scale(TEAM, people, &settings, SEED);
    println!(
        "population: {} people in {} zones, {} windows, {} 1:1 cadences ({} managers), {} conference registrations (made in {:.1} s)",
        pop.people.len(),
        seed::ZONES.len(),
        pop.window_count(),
        pop.cadences.len(),
        pop.cadences.iter().filter(|c| c.report == c.manager + 1).count(),
        pop.attendance.len(),
        started.elapsed().as_secs_f64()
    );

    let fake = support::start_fake_slack().await;
    let sqlite = BenchDb::sqlite();
    let mut figures = vec![bench(&sqlite, &pop, &settings, &fake).await];
    drop(sqlite);
    match BenchDb::postgres().await {
        Some(pg) => {
            figures.push(bench(&pg, &pop, &settings, &fake).await);
            pg.cleanup().await;
        }
        None => println!(
            "\n-- PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL to run it)"
        ),
    }

    println!("\n== results ({} people) ==", pop.people.len());
    println!(
        "| backend    | idle tick median | idle tick p99 | due    | dispatch in process | dispatch by the binary | binary peak RSS | verdict |"
    );
    println!(
        "|------------|-----------------:|--------------:|-------:|--------------------:|-----------------------:|----------------:|---------|"
    );
    for f in &figures {
        let mut misses = Vec::new();
        if f.idle_median_ms >= MAX_IDLE_TICK_MS {
            misses.push(format!("idle tick ≥ {MAX_IDLE_TICK_MS} ms"));
        }
        if f.in_process_per_second < MIN_PER_SECOND || f.binary_per_second < MIN_PER_SECOND {
            misses.push(format!("< {MIN_PER_SECOND:.0}/s"));
        }
        if mib(f.binary_peak_kib) >= MAX_RSS_MIB {
            misses.push(format!("RSS ≥ {MAX_RSS_MIB} MiB"));
        }
        println!(
            "| {:<10} | {:>13.3} ms | {:>10.3} ms | {:>6} | {:>15.0} /s | {:>18.0} /s | {:>11.1} MiB | {} |",
            f.backend.name(),
            f.idle_median_ms,
            f.idle_p99_ms,
            f.due,
            f.in_process_per_second,
            f.binary_per_second,
            mib(f.binary_peak_kib),
            if misses.is_empty() {
                "PASS".to_owned()
            } else {
                format!("FAIL ({})", misses.join(", "))
            }
        );
    }
    if figures.len() < 2 {
        println!("| PostgreSQL | skipped (no BENCH_DATABASE_URL / TEST_DATABASE_URL) |");
    }
    println!(
        "targets: idle tick (median) < {MAX_IDLE_TICK_MS} ms; ≥ {MIN_PER_SECOND:.0} reminders/s; serving process < {MAX_RSS_MIB} MiB RSS"
    );
}

/// The core exactly as `officehours serve` assembles it (startup.rs), with the real composer.
fn scheduler(store: Arc<dyn Store>, fake: &FakeSlack) -> Core {
    let slack: Arc<dyn SlackApi> =
        Arc::new(SlackWebApi::new(&fake.api_url(), &Secret::new(BOT_TOKEN)).expect("Slack client"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Core::assemble(CoreParts {
        store,
        clock,
        workspaces: officehours::ports::workspaces::SingleWorkspace::shared(slack),
        installs: None,
        single: None,
        cipher: None,
        nudges: NudgeSettings::default(),
        presence: PresenceSettings::default(),
        scheduler: SchedulerSettings {
            tick: Duration::from_secs(1),
            // One workspace, an unthrottled fake: the ceiling would measure Slack, not the bot.
            per_workspace: Duration::ZERO,
            ..Default::default()
        },
    })
}

/// The ids of both 1:1 reminders of the first cadence of each manager in `managers`: one
/// reminder per person, so every one goes to a different DM.
async fn first_cadence_reminders(
    raw: &Raw,
    pop: &Population,
    managers: std::ops::Range<usize>,
) -> Vec<i64> {
    let cadences: HashMap<String, i64> = raw
        .rows::<(i64, String, String)>("SELECT id, manager_id, report_id FROM cadences")
        .await
        .into_iter()
        .map(|(id, manager, report)| (format!("{manager}>{report}"), id))
        .collect();
    let by_cadence: HashMap<i64, Vec<i64>> = raw
        .rows::<(i64, String)>(
            "SELECT id, key FROM reminders WHERE kind = '1on1' AND status = 'pending'",
        )
        .await
        .into_iter()
        .fold(HashMap::new(), |mut map, (id, key)| {
            if let Some(cadence) = key.split(':').nth(1).and_then(|c| c.parse().ok()) {
                map.entry(cadence).or_default().push(id);
            }
            map
        });
    let all_managers: Vec<usize> = pop
        .cadences
        .iter()
        .filter(|c| c.report == c.manager + 1)
        .map(|c| c.manager)
        .collect();
    let mut ids = Vec::new();
    for &m in &all_managers[managers] {
        let pair = format!("{}>{}", pop.people[m].user_id, pop.people[m + 1].user_id);
        let reminders = &by_cadence[&cadences[&pair]];
        assert_eq!(reminders.len(), 2, "two pending 1:1 reminders per cadence");
        ids.extend(reminders);
    }
    ids
}

/// Times `IDLE_TICKS` ticks (after 10 untimed ones); (median, p99) in ms of those that found
/// nothing due.
async fn idle_ticks(scheduler: &Core, what: &str) -> (f64, f64) {
    for _ in 0..10 {
        scheduler.deliver_due().await.expect("tick");
    }
    let mut ticks = Vec::with_capacity(IDLE_TICKS);
    let mut busy = 0;
    for _ in 0..IDLE_TICKS {
        let t = Instant::now();
        let report = scheduler.deliver_due().await.expect("tick");
        let took = t.elapsed().as_secs_f64() * 1000.0;
        if report.claimed == 0 {
            ticks.push(took);
        } else {
            busy += 1;
        }
    }
    ticks.sort_by(f64::total_cmp);
    let (median, p99) = (quantile(&ticks, 0.5), quantile(&ticks, 0.99));
    println!(
        "{what}: median {median:.3} ms, p99 {p99:.3} ms, max {:.3} ms over {} ticks{}",
        ticks[ticks.len() - 1],
        ticks.len(),
        if busy > 0 {
            format!(" ({busy} ticks found something due and are left out)")
        } else {
            String::new()
        }
    );
    (median, p99)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

async fn bench(
    db: &BenchDb,
    pop: &Population,
    settings: &NudgeSettings,
    fake: &FakeSlack,
) -> Figures {
    println!("\n-- {}", db.backend.name());
    let store = officehours::store::connect(&db.url)
        .await
        .expect("open and migrate the database");
    let raw = db.raw().await;
    let started = Instant::now();
    let counts = seed::write_bulk(&raw, pop, settings).await;
    let settled = seed::settle_immediate_notices(&raw, pop.now).await;
    if db.backend == Backend::Postgres {
        // What autovacuum does soon after a bulk load (the settling above left 120,000 dead
        // row versions in the reminder index); SQLite deployments never run ANALYZE.
        raw.execute("VACUUM ANALYZE").await;
    }
    let statuses: Vec<(String, String, i64)> = raw
        .rows("SELECT kind, status, COUNT(*) FROM reminders GROUP BY kind, status ORDER BY kind, status")
        .await;
    println!(
        "seeded in {:.1} s: {} people, {} windows, {} cadences, {} meetings, {} conference registrations, {} reminders \
         ({settled} sent at once: 1:1 notices and conference introductions)",
        started.elapsed().as_secs_f64(),
        counts.people,
        counts.windows,
        counts.cadences,
        counts.meetings,
        counts.conferences,
        counts.reminders,
    );
    println!(
        "reminders by kind and status: {}",
        statuses
            .iter()
            .map(|(k, s, n)| format!("{k}/{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(path) = db.sqlite_path() {
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        println!("database file: {:.0} MiB", size as f64 / 1024.0 / 1024.0);
    }

    // Idle ticks: everything seeded, nothing due.
    let scheduler = scheduler(store.clone(), fake);
    let (idle_median_ms, idle_p99_ms) = idle_ticks(&scheduler, "idle tick").await;
    let mut probes = Vec::new();
    for _ in 0..IDLE_TICKS {
        let t = Instant::now();
        store
            .claim_due(
                Utc::now(),
                chrono::Duration::minutes(5),
                "bench-probe",
                200,
                None,
            )
            .await
            .expect("claim");
        probes.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    probes.sort_by(f64::total_cmp);
    println!(
        "  of which the claim query (store.claim_due, nothing due): median {:.3} ms, p99 {:.3} ms",
        quantile(&probes, 0.5),
        quantile(&probes, 0.99)
    );

    // 10,000 due, delivered in process.
    let managers = pop
        .cadences
        .iter()
        .filter(|c| c.report == c.manager + 1)
        .count();
    let half = (managers / 2).min(5_000);
    let ids = first_cadence_reminders(&raw, pop, 0..half).await;
    let due = ids.len();
    fake.reset();
    let changed = raw.make_due(&ids, Utc::now()).await;
    assert_eq!(changed as usize, due);
    let cpu = cpu_seconds(std::process::id());
    let t = Instant::now();
    let mut report = TickReport::default();
    let deadline = t + Duration::from_secs(600);
    while fake.deliveries().0 < due && Instant::now() < deadline {
        let r = scheduler.deliver_due().await.expect("tick");
        report.claimed += r.claimed;
        report.sent += r.sent;
        report.retried += r.retried;
        report.failed += r.failed;
        report.cancelled += r.cancelled;
        report.dropped += r.dropped;
        if r.claimed == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let took = t.elapsed();
    let cpu = cpu_seconds(std::process::id()) - cpu;
    let (delivered, twice) = fake.deliveries();
    let in_process_per_second = delivered as f64 / took.as_secs_f64();
    println!(
        "dispatch in process: {due} due 1:1 reminders (each to its own DM), {delivered} delivered in {:.2} s = {in_process_per_second:.0}/s; \
         {twice} delivered twice; {:.2} ms CPU per reminder (this process, fake Slack included); load average {}; ticks reported {report:?}; fake Slack saw: {}",
        took.as_secs_f64(),
        cpu * 1000.0 / due as f64,
        load_average(),
        fake.calls_summary()
    );
    assert_eq!(twice, 0, "a reminder was delivered twice");
    assert_eq!(delivered, due, "every due reminder was delivered");
    idle_ticks(&scheduler, "idle tick right after the dispatch").await;
    drop(scheduler);
    store.close().await;

    // The serving process: the release binary with its own scheduler.
    let workdir = tempfile::tempdir().expect("temp dir");
    let api_url = fake.api_url();
    let mut serve = Serve::spawn(&ServeSettings {
        database_url: &db.url,
        slack_api_url: &api_url,
        tick: "1s",
        workdir: workdir.path(),
        extra_env: &[],
    });
    let ready = serve.wait_ready(Duration::from_secs(60)).await;
    let before = proc_stats(serve.pid());
    let ids = first_cadence_reminders(&raw, pop, half..2 * half).await;
    fake.reset();
    let cpu = cpu_seconds(serve.pid());
    let t = Instant::now();
    raw.make_due(&ids, Utc::now()).await;
    let done = fake
        .wait_for_deliveries(ids.len(), Duration::from_secs(600))
        .await;
    let took = done.map_or(t.elapsed(), |at| at - t);
    let cpu = cpu_seconds(serve.pid()) - cpu;
    let (delivered, twice) = fake.deliveries();
    // A moment for the last rows to be recorded, then the peak.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = proc_stats(serve.pid());
    let binary_per_second = delivered as f64 / took.as_secs_f64();
    println!(
        "the binary (serve, OFFICEHOURS_TICK=1s): ready in {:.0} ms with RSS {:.1} MiB; {} due → {delivered} delivered in {:.2} s \
         (from making them due, so up to one tick of waiting included) = {binary_per_second:.0}/s, {twice} twice, \
         {:.2} ms CPU per reminder in the serving process; load average {}; peak RSS (VmHWM) {:.1} MiB, RSS now {:.1} MiB",
        ready.as_secs_f64() * 1000.0,
        mib(before.rss_kib),
        ids.len(),
        took.as_secs_f64(),
        cpu * 1000.0 / ids.len().max(1) as f64,
        load_average(),
        mib(after.peak_kib),
        mib(after.rss_kib),
    );
    serve.stop();
    raw.close().await;
    Figures {
        backend: db.backend,
        idle_median_ms,
        idle_p99_ms,
        due,
        in_process_per_second,
        binary_per_second,
        binary_peak_kib: after.peak_kib,
    }
}
