//! The serving process at the scale of issue #16: 1,000 installed workspaces of 100 people each
//! plus one of 10,000 (110,000 people), on PostgreSQL, in "Add to Slack" mode.
//!
//! Seeds every workspace as the app leaves it: a `workspaces` row whose bot token is sealed with
//! the token key exactly as an install seals it (bound to the team), and per workspace the
//! scheduler bench's population (`Population::at_scale`: people in 12 zones with 0–3 weekly
//! windows, a 1:1 cadence for every tenth person with the next nine, conference attendance),
//! written in bulk by `seed::write_bulk`, with the notices that go out at once marked sent. What
//! stays pending are the 1:1 reminders and Monday digests, spread over the coming weeks.
//!
//! Then it starts the release binary (`serve`, no `SLACK_BOT_TOKEN`, the app's client id and
//! secret, `PUBLIC_URL`, the token key) and prints: seed time, spawn to ready (`/readyz`), spawn
//! to its first scheduler tick (`/metrics`), RSS at ready and after a minute with nothing due,
//! and the idle cost: the CPU seconds the process used in that minute, and the ticks' own
//! durations from `officehours_scheduler_tick_duration_seconds`.
//!
//! `TEST_DATABASE_URL=postgres://… cargo bench --bench scale`; without `BENCH_DATABASE_URL` or
//! `TEST_DATABASE_URL` it says "skipped" and exits 0. `BENCH_WORKSPACES`, `BENCH_PER_WORKSPACE`,
//! `BENCH_BIG` (the large workspace; 0 for none), `BENCH_IDLE_SECONDS` and `BENCH_TICK` (the
//! binary's `OFFICEHOURS_TICK`) change the shape, e.g. `BENCH_WORKSPACES=10 BENCH_BIG=0` for a
//! quick check.

mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::stream::{self, StreamExt};

use officehours::crypto::{token_owner, TokenCipher};
use officehours::nudges::NudgeSettings;
use officehours::store::installs::BOT;
use officehours::workspaces::BOT_SCOPES;

use support::db::{BenchDb, Raw, Val};
use support::env_or;
use support::fake_slack::{FakeSlack, CLIENT_ID, CLIENT_SECRET};
use support::process::{cpu_seconds, load_average, mib, proc_stats, Serve, ServeSettings};
use support::scrape::{bucket_quantile, scrape};
use support::seed::{self, BulkCounts, Population};
use support::signing::SECRET_KEY;

const SEED: u64 = 0x5CA1_E016;
/// People in the population that checks bulk seeding against the app's own commands.
const CHECK_PEOPLE: usize = 60;
/// Workspaces written at once: the database has the other core while one is encoded.
const SEEDING_AT_ONCE: usize = 3;
/// Reminders due sooner than this after seeding would not leave the minute idle; they are moved
/// a day on (and counted) so that "idle" means nothing due.
const IDLE_MARGIN: chrono::Duration = chrono::Duration::minutes(30);
/// Reference figures from the other benches (issue #16 names none for this shape): the idle
/// tick's median (benches/scheduler.rs), the serving process's RSS (the same), start-up to
/// ready (benches/load.rs, on SQLite with 1,000 mentors).
const MAX_IDLE_TICK_MS: f64 = 2.0;
const MAX_RSS_MIB: f64 = 64.0;
const MAX_READY_MS: f64 = 200.0;

fn main() {
    support::block_on(run());
}

/// The shape asked for, from `BENCH_*` or the defaults.
struct Shape {
    workspaces: usize,
    per_workspace: usize,
    big: usize,
    idle: Duration,
    tick: String,
}

impl Shape {
    fn from_env() -> Shape {
        Shape {
            workspaces: env_or("BENCH_WORKSPACES", 1_000),
            per_workspace: env_or("BENCH_PER_WORKSPACE", 100).max(1),
            big: env_or("BENCH_BIG", 10_000),
            idle: Duration::from_secs(env_or("BENCH_IDLE_SECONDS", 60).max(1) as u64),
            tick: std::env::var("BENCH_TICK").unwrap_or_else(|_| "1s".to_owned()),
        }
    }

    /// (team id, people) for every workspace, the large one last.
    fn teams(&self) -> Vec<(String, usize)> {
        let mut teams: Vec<(String, usize)> = (0..self.workspaces)
            .map(|w| (format!("T{w:08}"), self.per_workspace))
            .collect();
        if self.big > 0 {
            teams.push((format!("T{:08}", self.workspaces), self.big));
        }
        teams
    }

    fn people(&self) -> usize {
        self.workspaces * self.per_workspace + self.big
    }
}

/// Each workspace's bot token, as Slack would have issued it at install.
fn bot_token(team: &str) -> String {
    format!("xoxb-bench-{team}")
}

async fn run() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let shape = Shape::from_env();
    println!("== officehours at scale: installed workspaces, the serving process idle ==");
    println!("{}", support::machine::describe());
    let Some(db) = BenchDb::postgres().await else {
        println!("skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL database");
        return;
    };
    let settings = NudgeSettings::default();
    let checked = seed::check_bulk_matches_app(
        &Population::at_scale("T0CHECK", CHECK_PEOPLE, &settings, SEED),
        &settings,
    )
    .await;
    println!(
        "seeding check: bulk seeding and the app's own commands left identical rows for \
         {CHECK_PEOPLE} people ({checked} rows compared)"
    );
    let fake = support::start_fake_slack().await;
    let seeded = seed_all(&db, &shape, &settings, &fake).await;
    let mut figures = measure(&db, &shape, &fake).await;
    figures.queries = probe_queries(&db).await;
    print_table(&shape, &seeded, &figures);
    db.cleanup().await;
}

/// What seeding wrote and how long it took.
struct Seeded {
    counts: BulkCounts,
    workspaces: usize,
    pending: i64,
    moved: u64,
    seconds: f64,
}

/// The `workspaces` rows an install leaves: the bot token sealed with the token key, bound to
/// the team (`crypto::token_owner(team, "bot")`), so the binary's start-up check opens them.
async fn write_installs(raw: &Raw, teams: &[(String, usize)], fake: &FakeSlack) {
    let cipher = TokenCipher::from_key_text(SECRET_KEY).expect("the benches' key");
    let now = Utc::now();
    let rows: Vec<Vec<Val>> = teams
        .iter()
        .map(|(team, _)| {
            let token = bot_token(team);
            fake.knows_bot_token(&token, team, &format!("UBOT{team}"));
            vec![
                Val::Text(team.clone()),
                Val::Text(format!("Bench {team}")),
                Val::Text(format!("UBOT{team}")),
                Val::Text(BOT_SCOPES.to_owned()),
                Val::Text(cipher.encrypt(&token, &token_owner(team, BOT))),
                Val::Time(now),
            ]
        })
        .collect();
    raw.insert(
        "workspaces",
        &[
            "team_id",
            "team_name",
            "bot_user_id",
            "scopes",
            "token_sealed",
            "installed_at",
        ],
        rows,
    )
    .await;
}

/// One workspace's population, its user ids unique across workspaces (Slack's are global).
fn population(index: usize, team: &str, size: usize, settings: &NudgeSettings) -> Population {
    let mut pop = Population::at_scale(team, size, settings, SEED ^ index as u64);
    for (i, person) in pop.people.iter_mut().enumerate() {
        person.user_id = format!("U{index:04}{i:06}");
    }
    pop
}

fn add(total: &mut BulkCounts, one: BulkCounts) {
    total.people += one.people;
    total.windows += one.windows;
    total.cadences += one.cadences;
    total.meetings += one.meetings;
    total.conferences += one.conferences;
    total.reminders += one.reminders;
}

async fn seed_all(
    db: &BenchDb,
    shape: &Shape,
    settings: &NudgeSettings,
    fake: &FakeSlack,
) -> Seeded {
    // The binary's own migrations make the schema.
    let store = officehours::store::connect(&db.url)
        .await
        .expect("open and migrate the database");
    store.close().await;
    let raw = db.raw().await;
    let teams = shape.teams();
    let started = Instant::now();
    write_installs(&raw, &teams, fake).await;
    let mut counts = BulkCounts::default();
    let mut written = stream::iter(teams.iter().enumerate())
        .map(|(i, (team, size))| {
            let pop = population(i, team, *size, settings);
            let raw = &raw;
            async move { seed::write_bulk(raw, &pop, settings).await }
        })
        .buffer_unordered(SEEDING_AT_ONCE);
    while let Some(one) = written.next().await {
        add(&mut counts, one);
    }
    let rows_at = started.elapsed().as_secs_f64();
    let now = Utc::now();
    let settled = seed::settle_immediate_notices(&raw, now).await;
    let moved = raw
        .execute_at(
            "UPDATE reminders SET due_at = due_at + INTERVAL '1 day', \
             next_attempt_at = next_attempt_at + INTERVAL '1 day' \
             WHERE status = 'pending' AND next_attempt_at < $1",
            now + IDLE_MARGIN,
        )
        .await;
    // What autovacuum does soon after a bulk load; only this schema's tables (the database may
    // hold other schemas, such as the tests').
    raw.execute(
        "VACUUM ANALYZE workspaces, people, windows, cadences, meetings, conferences, reminders, \
         directory_revisions",
    )
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let pending: Vec<(i64,)> = raw
        .rows("SELECT COUNT(*) FROM reminders WHERE status = 'pending'")
        .await;
    report_seeding(&raw, seconds, rows_at, settled).await;
    raw.close().await;
    Seeded {
        counts,
        workspaces: teams.len(),
        pending: pending.first().map_or(0, |(n,)| *n),
        moved,
        seconds,
    }
}

async fn report_seeding(raw: &Raw, seconds: f64, rows_at: f64, settled: u64) {
    let statuses: Vec<(String, String, i64)> = raw
        .rows("SELECT kind, status, COUNT(*) FROM reminders GROUP BY kind, status ORDER BY kind, status")
        .await;
    type When = Option<chrono::DateTime<Utc>>;
    let horizon: Vec<(When, When)> = raw
        .rows("SELECT MIN(next_attempt_at), MAX(next_attempt_at) FROM reminders WHERE status = 'pending'")
        .await;
    let size: Vec<(i64,)> = raw
        .rows(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r'",
        )
        .await;
    println!(
        "seeded in {seconds:.1} s ({rows_at:.1} s writing rows, the rest settling {settled} notices \
         as sent and VACUUM ANALYZE); the schema now holds {:.0} MiB",
        size.first().map_or(0, |(n,)| *n) as f64 / 1024.0 / 1024.0
    );
    println!(
        "reminders by kind and status: {}",
        statuses
            .iter()
            .map(|(k, s, n)| format!("{k}/{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some((Some(first), Some(last))) = horizon.first() {
        let now = Utc::now();
        println!(
            "pending reminders due from {:.1} h to {:.1} days from now",
            (*first - now).num_seconds() as f64 / 3600.0,
            (*last - now).num_seconds() as f64 / 86_400.0
        );
    }
}

/// What the serving process showed.
#[derive(Debug, Default)]
struct Figures {
    ready_ms: f64,
    first_tick_ms: Option<f64>,
    rss_ready_kib: u64,
    rss_idle_kib: u64,
    peak_kib: u64,
    idle_seconds: f64,
    idle_cpu_seconds: f64,
    ticks: f64,
    mean_tick_ms: f64,
    median_tick_le_ms: Option<f64>,
    p99_tick_le_ms: Option<f64>,
    due_while_idle: f64,
    slack_calls_while_idle: usize,
    log_warnings: Vec<String>,
    /// The idle tick's two statements timed alone (`probe_queries`).
    queries: [(f64, f64); 4],
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The idle tick's two statements, one after the other, timed in ms: the tokens due for renewal
/// (`tokens_expiring`, first in every tick) and the claim of due reminders (`claim_due`).
async fn tick_statements(store: &dyn officehours::store::Store) -> (f64, f64) {
    let now = Utc::now();
    let t = Instant::now();
    let due = store.tokens_expiring(now + chrono::Duration::minutes(30), now);
    assert!(
        due.await.expect("tokens_expiring").is_empty(),
        "none rotates"
    );
    let expiring = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let lease = chrono::Duration::minutes(5);
    let batch = store.claim_due(now, lease, "bench-probe", 200, None).await;
    assert!(batch.expect("claim_due").is_empty(), "nothing is due");
    (expiring, t.elapsed().as_secs_f64() * 1000.0)
}

/// What an idle process asks the database, timed from here with the serving process stopped:
/// (median, p99) of each tick statement over `PROBES` rounds back to back, then (median, mean)
/// of both together over `SPACED` rounds a second apart, as the ticks come (everything idle in
/// between, as in the serving process); and (median, rows) of the directory's refresh, which
/// reads every workspace's counter once a second whether or not it holds that workspace.
async fn probe_queries(db: &BenchDb) -> [(f64, f64); 4] {
    const PROBES: usize = 200;
    const SPACED: usize = 30;
    let store = officehours::store::connect(&db.url)
        .await
        .expect("database");
    let (mut expiring, mut claim, mut spaced) = (Vec::new(), Vec::new(), Vec::new());
    let (mut directory, mut counters) = (Vec::new(), 0);
    for _ in 0..PROBES {
        let (e, c) = tick_statements(&*store).await;
        expiring.push(e);
        claim.push(c);
        let t = Instant::now();
        counters = store.directory_revisions().await.expect("revisions").len();
        directory.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for _ in 0..SPACED {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (e, c) = tick_statements(&*store).await;
        spaced.push(e + c);
    }
    store.close().await;
    let mean = spaced.iter().sum::<f64>() / SPACED as f64;
    let [expiring, claim, spaced, directory] = [expiring, claim, spaced, directory].map(|mut v| {
        v.sort_by(f64::total_cmp);
        (quantile(&v, 0.5), quantile(&v, 0.99))
    });
    [
        expiring,
        claim,
        (spaced.0, mean),
        (directory.0, counters as f64),
    ]
}

/// Polls `/metrics` until the first scheduler tick is recorded; the time since spawning.
async fn first_tick(serve: &Serve, timeout: Duration) -> Option<Duration> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if scrape(serve.addr).await.ticks >= 1.0 {
            return Some(serve.started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

fn spawn_installs_mode<'a>(
    db: &'a BenchDb,
    api_url: &'a str,
    workdir: &'a std::path::Path,
    tick: &'a str,
) -> Serve {
    Serve::spawn(&ServeSettings {
        database_url: &db.url,
        slack_api_url: api_url,
        tick,
        workdir,
        extra_env: &[
            // Blank is unset: without a bot token, workspaces install the bot.
            ("SLACK_BOT_TOKEN", ""),
            ("SLACK_CLIENT_ID", CLIENT_ID),
            ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
            ("PUBLIC_URL", "https://officehours.example.com"),
            // The binary's default ceiling (process.rs turns it off for the other benches).
            ("WORKSPACE_MESSAGES_PER_MINUTE", "200"),
        ],
    })
}

async fn measure(db: &BenchDb, shape: &Shape, fake: &FakeSlack) -> Figures {
    let workdir = tempfile::tempdir().expect("temp dir");
    let api_url = fake.api_url();
    fake.reset();
    let mut serve = spawn_installs_mode(db, &api_url, workdir.path(), &shape.tick);
    let ready = serve.wait_ready(Duration::from_secs(300)).await;
    let rss_ready = proc_stats(serve.pid());
    let first = first_tick(&serve, Duration::from_secs(120)).await;
    // Start-up's own work (the first housekeeping sweep, the first directory refresh) is over
    // within a couple of seconds; the idle minute starts after it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu_before, calls_before) = (cpu_seconds(serve.pid()), fake.calls().len());
    let before = scrape(serve.addr).await;
    let t = Instant::now();
    tokio::time::sleep(shape.idle).await;
    let after = scrape(serve.addr).await;
    let idle_seconds = t.elapsed().as_secs_f64();
    let idle_cpu_seconds = cpu_seconds(serve.pid()) - cpu_before;
    let slack_calls_while_idle = fake.calls().len() - calls_before;
    let stats = proc_stats(serve.pid());
    let ticks = after.ticks - before.ticks;
    let figures = Figures {
        ready_ms: ready.as_secs_f64() * 1000.0,
        first_tick_ms: first.map(|d| d.as_secs_f64() * 1000.0),
        rss_ready_kib: rss_ready.rss_kib,
        rss_idle_kib: stats.rss_kib,
        peak_kib: stats.peak_kib,
        idle_seconds,
        idle_cpu_seconds,
        ticks,
        mean_tick_ms: (after.seconds - before.seconds) * 1000.0 / ticks.max(1.0),
        median_tick_le_ms: bucket_quantile(&before, &after, 0.5).map(|s| s * 1000.0),
        p99_tick_le_ms: bucket_quantile(&before, &after, 0.99).map(|s| s * 1000.0),
        due_while_idle: after.due - before.due,
        slack_calls_while_idle,
        log_warnings: warnings(&serve.log),
        queries: [(0.0, 0.0); 4],
    };
    println!(
        "load average at the end of the idle minute: {}",
        load_average()
    );
    serve.stop();
    figures
}

/// The serving process's warnings and errors (its log is plain text at `info`).
fn warnings(log: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .map(str::to_owned)
        .collect()
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("≤ {v} ms"))
}

fn print_table(shape: &Shape, seeded: &Seeded, f: &Figures) {
    let c = &seeded.counts;
    println!(
        "\nshape: {} workspaces ({} of {} people{}), {} people, {} windows, {} 1:1 cadences, \
         {} conference registrations, {} reminders written, {} pending ({} moved a day on to keep the minute idle); \
         binary: serve, install mode, OFFICEHOURS_TICK={}",
        seeded.workspaces,
        shape.workspaces,
        shape.per_workspace,
        if shape.big > 0 { format!(" and one of {}", shape.big) } else { String::new() },
        shape.people(),
        c.windows,
        c.cadences,
        c.conferences,
        c.reminders,
        seeded.pending,
        seeded.moved,
        shape.tick,
    );
    let cpu_per_minute = f.idle_cpu_seconds * 60.0 / f.idle_seconds.max(0.001);
    let rss_ok = mib(f.peak_kib) < MAX_RSS_MIB;
    let first_tick = f
        .first_tick_ms
        .map_or_else(|| "not seen".to_owned(), |ms| format!("{ms:.0} ms"));
    println!("\n| figure | value | reference |");
    println!("|---|---:|---|");
    println!(
        "| seed (rows, settle, VACUUM ANALYZE) | {:.1} s | |",
        seeded.seconds
    );
    println!("| spawn → ready (`/readyz` 200) | {:.0} ms | < {MAX_READY_MS:.0} ms (SQLite, load bench): {} |", f.ready_ms, verdict(f.ready_ms < MAX_READY_MS));
    println!("| spawn → first scheduler tick done | {first_tick} | |");
    println!("| RSS at ready | {:.1} MiB | |", mib(f.rss_ready_kib));
    println!("| RSS after {:.0} s idle / peak (VmHWM) | {:.1} / {:.1} MiB | < {MAX_RSS_MIB:.0} MiB: {} |", f.idle_seconds, mib(f.rss_idle_kib), mib(f.peak_kib), verdict(rss_ok));
    println!(
        "| idle CPU of the serving process | {:.3} s per minute ({:.2}% of a core) | |",
        cpu_per_minute,
        cpu_per_minute / 60.0 * 100.0
    );
    // The histogram's buckets are too coarse for a median (1, 2.5, 5 ms), so the exact mean
    // (sum / count) stands in for it: with a tail, the mean is the higher of the two.
    println!("| idle ticks: count, mean | {:.0}, {:.3} ms | < {MAX_IDLE_TICK_MS} ms (scheduler bench's median): {} |", f.ticks, f.mean_tick_ms, verdict(f.ticks > 0.0 && f.mean_tick_ms < MAX_IDLE_TICK_MS));
    println!(
        "| idle ticks: median, p99 (histogram bucket) | {}, {} | |",
        ms(f.median_tick_le_ms),
        ms(f.p99_tick_le_ms)
    );
    let [(exp_median, exp_p99), (claim_median, claim_p99), (spaced_median, spaced_mean), (dir_median, dir_rows)] =
        f.queries;
    println!("| of which, alone: tokens due for renewal, median / p99 | {exp_median:.3} / {exp_p99:.3} ms | |");
    println!("| of which, alone: claim of due reminders (none), median / p99 | {claim_median:.3} / {claim_p99:.3} ms | |");
    println!("| both alone, a second apart: median / mean | {spaced_median:.3} / {spaced_mean:.3} ms | |");
    println!("| the directory's refresh (every second, not part of the tick): median, rows | {dir_median:.3} ms, {dir_rows:.0} | |");
    println!(
        "| reminders found due / Slack calls while idle | {:.0} / {} | 0 / 0 |",
        f.due_while_idle, f.slack_calls_while_idle
    );
    println!(
        "\nthe serving process logged {} warnings or errors{}",
        f.log_warnings.len(),
        f.log_warnings
            .iter()
            .take(5)
            .map(|l| format!("\n  {l}"))
            .collect::<String>()
    );
}
