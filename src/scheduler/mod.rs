//! The durable scheduler: claims due reminders under a lease, delivers them once, retries with backoff.

mod delivery;
mod round;
mod status;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::domain::slack_status::{StatusMemory, StatusRule};
use crate::ports::pacing::{MessageLimits, WorkspacePacing};
use crate::ports::workspaces::Workspaces;
use crate::secret::Secret;
use crate::store::reminders::{NewReminder, Reminder};
use crate::store::{Store, StoreError};
use crate::views::Message;

/// What a due reminder comes to, decided from the current state without touching Slack: the
/// scheduler performs it through the port. Which module composes which kind, and how each kind is
/// delivered, is written down once in `deliveries`.
pub enum Composed {
    /// A message to the reminder's recipients: a DM, or a group DM for several.
    Send(Message),
    /// A change to the recipient's own Slack status, made with their token (boxed: it is the
    /// rare, large variant).
    Status(Box<StatusChange>),
    /// The recipient's App Home tab, published again (idempotent: a second publish of the same
    /// view changes nothing, so there is nothing to look for in doubt).
    Home(Message),
    /// Not worth sending any more (the 1:1 was stopped, the digest has nothing to say).
    Cancel(String),
}

/// A status change to perform: read the person's status, apply `rule`, set what it says, and
/// remember what it says to remember.
pub struct StatusChange {
    pub token: Secret,
    pub rule: StatusRule,
    pub memory: StatusMemory,
    /// Scheduled when Slack says the token no longer works, so the person is told once.
    pub if_token_gone: NewReminder,
}

/// The nudges plug in here: the scheduler knows how to deliver, not what to say.
#[async_trait]
pub trait Composer: Send + Sync {
    async fn compose(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<Composed>;
    /// Called once a reminder is settled (sent, dropped, cancelled or failed), so recurring
    /// nudges plan their next occurrence.
    async fn settled(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<()>;

    /// Composes a claimed batch, answering in the same order. One by one unless an
    /// implementation reads what the whole batch needs at once.
    async fn compose_all(
        &self,
        reminders: &[Reminder],
        now: DateTime<Utc>,
    ) -> Vec<anyhow::Result<Composed>> {
        let mut composed = Vec::with_capacity(reminders.len());
        for reminder in reminders {
            composed.push(self.compose(reminder, now).await);
        }
        composed
    }

    /// `settled` for a batch. Every reminder is tried; the first error is returned.
    async fn settled_all(&self, reminders: &[Reminder], now: DateTime<Utc>) -> anyhow::Result<()> {
        let mut first_error = None;
        for reminder in reminders {
            if let Err(err) = self.settled(reminder, now).await {
                tracing::warn!(error = %format!("{err:#}"), key = %reminder.key, "could not plan what follows a reminder");
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Slack's workspace-wide ceiling on `chat.postMessage` is "several hundred a minute": this
/// stays well under it.
pub const DEFAULT_MESSAGES_PER_MINUTE: u64 = 200;

#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    /// How often the loop looks for due reminders (`OFFICEHOURS_TICK`).
    pub tick: Duration,
    /// How long a claim holds before another replica may take the reminder over.
    pub lease: chrono::Duration,
    pub batch: i64,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// Slack allows about one message per second per channel.
    pub per_channel: Duration,
    /// The workspace-wide ceiling on messages, as the time between two on average
    /// (`WORKSPACE_MESSAGES_PER_MINUTE`); zero for none.
    pub per_workspace: Duration,
    /// Messages a workspace may get at once after a quiet spell, before the ceiling spaces them.
    pub burst: u32,
    /// Between two calls of a Tier 3 method (conversations.open, .history) in one workspace.
    pub per_tier3_call: Duration,
    pub max_attempts: i32,
    /// Longest one delivery may take before it counts as in doubt.
    pub call_timeout: Duration,
    /// Only this workspace's reminders (the terminal shell's pretend workspace).
    pub only_team: Option<String>,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            tick: Duration::from_secs(15),
            lease: chrono::Duration::minutes(5),
            batch: 200,
            concurrency: 32,
            per_channel: Duration::from_secs(1),
            per_workspace: Duration::from_millis(60_000 / DEFAULT_MESSAGES_PER_MINUTE),
            burst: 20,
            per_tier3_call: crate::ports::pacing::TIER3_INTERVAL,
            max_attempts: 8,
            call_timeout: Duration::from_secs(30),
            only_team: None,
        }
    }
}

/// What one tick did, for logs, tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub dropped: usize,
    pub cancelled: usize,
    /// Put back untried until their workspace's turn (its ceiling, or Slack's Retry-After).
    pub deferred: usize,
}

impl TickReport {
    fn add(&mut self, outcome: delivery::Outcome) {
        match outcome {
            delivery::Outcome::Sent => self.sent += 1,
            delivery::Outcome::Retried => self.retried += 1,
            delivery::Outcome::Failed => self.failed += 1,
            delivery::Outcome::Dropped => self.dropped += 1,
            delivery::Outcome::Cancelled => self.cancelled += 1,
            delivery::Outcome::Deferred => self.deferred += 1,
            delivery::Outcome::Lost => {}
        }
    }
}

pub struct Scheduler {
    store: Arc<dyn Store>,
    workspaces: Arc<dyn Workspaces>,
    clock: Arc<dyn Clock>,
    composer: Arc<dyn Composer>,
    settings: SchedulerSettings,
    /// Names this process's claims, so it only finishes what it holds and can hand them back.
    owner: String,
    /// Each workspace's turns for messages, and its holds after a 429.
    pacing: WorkspacePacing,
    /// Rung when something was planned that may be due now: the loop ticks at once instead of
    /// at its next interval. Only a shortcut: the rows are durable, and every tick finds them.
    wake: tokio::sync::Notify,
}

impl Scheduler {
    pub fn new(
        store: Arc<dyn Store>,
        workspaces: Arc<dyn Workspaces>,
        clock: Arc<dyn Clock>,
        composer: Arc<dyn Composer>,
        settings: SchedulerSettings,
    ) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let owner = format!("pid{}-{nanos:08x}", std::process::id());
        let pacing = WorkspacePacing::new(MessageLimits {
            per_channel: settings.per_channel,
            per_workspace: settings.per_workspace,
            burst: settings.burst,
        });
        Self {
            store,
            workspaces,
            clock,
            composer,
            settings,
            owner,
            pacing,
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Asks the loop to tick now (a command committed a reminder due now). Wakes given while a
    /// tick runs are one more tick after it; with no loop running (tests, the shell), nothing.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Claims and delivers everything due now, batch after batch.
    pub async fn tick(self: &Arc<Self>) -> Result<TickReport, StoreError> {
        let span = tracing::info_span!("job", job.kind = "scheduler_tick", job.owner = %self.owner);
        tracing::Instrument::instrument(self.clone().tick_now(), span).await
    }

    fn report_tick(report: &TickReport, took: std::time::Duration, lag: chrono::Duration) {
        crate::metrics::scheduler_tick(took.as_secs_f64(), lag.num_milliseconds() as f64 / 1000.0);
        for (outcome, count) in [
            ("due", report.claimed),
            ("sent", report.sent),
            ("retried", report.retried),
            ("failed", report.failed),
            ("dropped", report.dropped),
            ("cancelled", report.cancelled),
            ("deferred", report.deferred),
        ] {
            crate::metrics::reminders(outcome, count);
        }
        if report.claimed > 0 {
            tracing::info!(
                lag_ms = lag.num_milliseconds(),
                claimed = report.claimed,
                sent = report.sent,
                retried = report.retried,
                failed = report.failed,
                dropped = report.dropped,
                cancelled = report.cancelled,
                deferred = report.deferred,
                "scheduler tick"
            );
        }
    }

    /// After a delivery loop was cut off (shutdown past its deadline): hands back this
    /// process's claims, in doubt, so nothing it held waits for its lease to run out.
    pub async fn abandon_claims(&self) {
        match self.store.abandon_claims(&self.owner).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                released = n,
                "handed back reminder claims cut off at shutdown"
            ),
            Err(err) => {
                tracing::warn!(error = %err, "could not hand back claims; their leases will expire")
            }
        }
    }

    /// Ticks until `stop` turns true, then hands back any claims it still holds.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut every = tokio::time::interval(self.settings.tick);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = self.wake.notified() => {}
                _ = stop.changed() => break,
            }
            if *stop.borrow() {
                break;
            }
            if let Err(err) = self.tick().await {
                tracing::warn!(error = %err, "scheduler tick failed; will try again");
            }
            if *stop.borrow() {
                break;
            }
        }
        match self.store.release_claims(&self.owner).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "handed back reminder claims on shutdown"),
            Err(err) => {
                tracing::warn!(error = %err, "could not hand back claims; their leases will expire")
            }
        }
    }
}
