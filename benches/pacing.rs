//! Pacing per workspace at scale: 10,000 reminders due at once across 100 workspaces (100
//! people each, one DM per person), delivered by the scheduler (the binary's settings: batches
//! of 200, 32 in flight; ticking every second) against the fake Slack keeping
//! Slack's limits per workspace: one message a second per channel, and the workspace ceiling
//! (`WORKSPACE_MESSAGES_PER_MINUTE`, default 200, after a burst of 20). Prints the completion
//! time against the bound those limits allow (every workspace in parallel: its burst at once,
//! the rest at the ceiling), the 429s met, and the reminders lost or sent twice.
//!
//! `cargo bench --bench pacing`: on PostgreSQL when `BENCH_DATABASE_URL` or `TEST_DATABASE_URL`
//! is set, else SQLite. `BENCH_WORKSPACES`, `BENCH_PER_WORKSPACE` and `BENCH_PER_MINUTE` change
//! the shape.

mod support;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use officehours::clock::SystemClock;
use officehours::ports::slack::SlackApi;
use officehours::ports::workspaces::{NotServed, Workspaces};
use officehours::scheduler::{Composed, Composer, Scheduler, SchedulerSettings};
use officehours::secret::Secret;
use officehours::slack::api::SlackWebApi;
use officehours::store::reminders::{NewReminder, Reminder};
use officehours::views::{Block, Message};

use support::db::BenchDb;
use support::env_or;
use support::fake_slack::FakeLimits;

const BURST: u32 = 20;
/// Within this of the bound is the target.
const TARGET: f64 = 1.10;

fn main() {
    support::block_on(run());
}

struct Clients(HashMap<String, Arc<dyn SlackApi>>);

#[async_trait]
impl Workspaces for Clients {
    async fn slack_for(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        self.0
            .get(team_id)
            .cloned()
            .ok_or_else(|| NotServed::NotInstalled(team_id.to_owned()))
    }
}

struct Say;

#[async_trait]
impl Composer for Say {
    async fn compose(&self, reminder: &Reminder, _: DateTime<Utc>) -> anyhow::Result<Composed> {
        let mut message = Message::new(format!("Reminder {}", reminder.key));
        message.push(Block::text(format!("Reminder {}", reminder.key)));
        Ok(Composed::Send(message))
    }
    async fn settled(&self, _: &Reminder, _: DateTime<Utc>) -> anyhow::Result<()> {
        Ok(())
    }
}

async fn run() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let workspaces = env_or("BENCH_WORKSPACES", 100);
    let per_workspace = env_or("BENCH_PER_WORKSPACE", 100);
    let per_minute = env_or("BENCH_PER_MINUTE", 200).max(1);
    let interval = Duration::from_secs(60) / per_minute as u32;
    println!("== officehours pacing per workspace ==");
    println!("{}", support::machine::describe());
    let fake = support::start_fake_slack().await;
    fake.enforce_limits(FakeLimits {
        per_channel: Duration::from_secs(1),
        per_workspace: interval,
        burst: BURST,
        grace: Duration::from_millis(250),
    });
    let db = match BenchDb::postgres().await {
        Some(pg) => pg,
        None => BenchDb::sqlite(),
    };
    let store = officehours::store::connect(&db.url)
        .await
        .expect("database");
    let mut clients: HashMap<String, Arc<dyn SlackApi>> = HashMap::new();
    let mut reminders = Vec::new();
    let now = Utc::now();
    for w in 0..workspaces {
        let team = format!("T{w:08}");
        let token = format!("xoxb-bench-{team}");
        fake.knows_bot_token(&token, &team, &format!("UBOT{w}"));
        let client = SlackWebApi::new(&fake.api_url(), &Secret::new(&token)).expect("client");
        clients.insert(team.clone(), Arc::new(client));
        for p in 0..per_workspace {
            let user = format!("U{w:05}{p:05}");
            fake.set_user_in(&team, &user, "person", Some("UTC"));
            reminders.push(NewReminder {
                team_id: team.clone(),
                key: format!("bench:{team}:{p}"),
                kind: "1on1".to_owned(),
                recipients: vec![user],
                payload: json!({}),
                due_at: now - chrono::Duration::seconds(1),
            });
        }
    }
    let total = reminders.len();
    store.schedule_all(&reminders, now).await.expect("seeded");
    let settings = SchedulerSettings {
        tick: Duration::from_secs(1),
        per_workspace: interval,
        burst: BURST,
        ..SchedulerSettings::default()
    };
    println!(
        "{total} reminders due at once in {workspaces} workspaces ({per_workspace} people each, one DM per person), {}; \
         fake Slack: one message a second per channel, {per_minute} a minute per workspace after a burst of {BURST}, 429 past them; \
         scheduler: batch {}, {} in flight, tick 1 s, the same limits",
        db.backend.name(),
        settings.batch,
        settings.concurrency
    );
    let scheduler = Arc::new(Scheduler::new(
        store,
        Arc::new(Clients(clients)),
        Arc::new(SystemClock),
        Arc::new(Say),
        settings,
    ));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let running = tokio::spawn(scheduler.run(stopped));
    let finished = fake
        .wait_for_deliveries(total, Duration::from_secs(1800))
        .await;
    let took = finished.map(|at| at - started);
    let _ = stop.send(true);
    let _ = running.await;
    report(&fake, &db, total, per_workspace, interval, took).await;
    db.cleanup().await;
}

async fn report(
    fake: &support::fake_slack::FakeSlack,
    db: &BenchDb,
    total: usize,
    per_workspace: usize,
    interval: Duration,
    took: Option<Duration>,
) {
    let beyond_burst = per_workspace.saturating_sub(BURST as usize) as u32;
    let bound = interval * beyond_burst;
    let (delivered, twice) = fake.deliveries();
    let raw = db.raw().await;
    let unsent: Vec<(i64,)> = raw
        .rows("SELECT COUNT(*) FROM reminders WHERE status <> 'sent'")
        .await;
    raw.close().await;
    println!("\n| reminders | workspaces' bound | completion | × bound | 429s met | lost | sent twice | verdict |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---|");
    let (completion, ratio) = match took {
        Some(took) => (
            format!("{:.1} s", took.as_secs_f64()),
            took.as_secs_f64() / bound.as_secs_f64().max(0.001),
        ),
        None => ("not finished".to_owned(), f64::INFINITY),
    };
    let lost = total - delivered;
    let pass = ratio <= TARGET && fake.rate_limited() == 0 && lost == 0 && twice == 0;
    println!(
        "| {total} | {:.1} s | {completion} | {ratio:.2}× | {} | {lost} | {twice} | {} |",
        bound.as_secs_f64(),
        fake.rate_limited(),
        if pass { "PASS" } else { "FAIL" }
    );
    println!(
        "rows not 'sent' at the end: {}; target: within {:.0}% of the bound, no 429, none lost, none twice",
        unsent.first().map_or(0, |(n,)| *n),
        (TARGET - 1.0) * 100.0
    );
}
