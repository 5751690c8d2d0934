//! One tick: claim due reminders batch after batch, give each message its workspace's turn, send
//! them, write down what became of them.
//!
//! Waiting for a turn holds no delivery slot and no batch: a message waits on its own, and the
//! next batch is claimed meanwhile. So a workspace with a thousand messages queued behind its
//! ceiling never holds up another's. A turn further off than a tick is not waited for in memory:
//! the reminder is put back untried (no attempt counted) for when its turn comes, spread out so
//! the next ticks claim about what can go then.

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::delivery::Verdict;
use super::{Composed, Scheduler, TickReport};
use crate::ports::pacing::{Turn, HISTORY, OPEN};
use crate::store::reminders::Reminder;
use crate::store::StoreError;

type Done = (Reminder, Verdict, DateTime<Utc>);

/// What one tick has in hand across its batches.
struct Round {
    /// Sends waiting for their turn or under way.
    deliveries: JoinSet<Done>,
    /// Verdicts not written yet, each with its batch's `now`.
    verdicts: Vec<Done>,
    /// Per workspace: where the next reminder put back this tick is due, so that those put back
    /// are spread at the workspace's pace rather than all due at one instant.
    put_back: HashMap<String, Instant>,
    report: TickReport,
    limit: Arc<Semaphore>,
}

impl Scheduler {
    pub(super) async fn tick_now(self: Arc<Self>) -> Result<TickReport, StoreError> {
        let started = std::time::Instant::now();
        let mut lag = chrono::Duration::zero();
        let mut round = Round {
            deliveries: JoinSet::new(),
            verdicts: Vec::new(),
            put_back: HashMap::new(),
            report: TickReport::default(),
            limit: Arc::new(Semaphore::new(self.settings.concurrency.max(1))),
        };
        // Rotating tokens are renewed ahead of expiry first, so this round's calls use them.
        self.workspaces.refresh_due().await;
        let claimed = loop {
            // Each batch's claim starts its own lease, so a long round never works on stale ones.
            let now = self.clock.now();
            let batch = match self
                .store
                .claim_due(
                    now,
                    self.settings.lease,
                    &self.owner,
                    self.settings.batch,
                    self.settings.only_team.as_deref(),
                )
                .await
            {
                Ok(batch) => batch,
                Err(err) => break Err(err),
            };
            let claimed = batch.len();
            round.report.claimed += claimed;
            if let Some(oldest) = batch.iter().map(|r| r.due_at).min() {
                lag = lag.max(now.signed_duration_since(oldest));
            }
            self.start_batch(batch, now, &mut round).await;
            if (claimed as i64) < self.settings.batch {
                break Ok(());
            }
        };
        // What was claimed is finished even if a later claim failed.
        self.finish_round(&mut round).await;
        claimed?;
        Self::report_tick(&round.report, started.elapsed(), lag);
        Ok(round.report)
    }

    /// Composes a batch (rows read in bulk), gives each message its turn, and sets the sends off;
    /// writes down what is already decided once a few dozen verdicts are in.
    async fn start_batch(
        self: &Arc<Self>,
        batch: Vec<Reminder>,
        now: DateTime<Utc>,
        round: &mut Round,
    ) {
        let mut fresh = Vec::with_capacity(batch.len());
        for reminder in batch {
            match Self::too_late(&reminder, now) {
                Some(dropped) => round.verdicts.push((reminder, dropped, now)),
                None => fresh.push(reminder),
            }
        }
        let composed = self.composer.compose_all(&fresh, now).await;
        for (reminder, composed) in fresh.into_iter().zip(composed) {
            let slot = match &composed {
                Ok(Composed::Send(_)) => match self.turn(&reminder, now, round) {
                    Ok(slot) => Some(slot),
                    Err(put_back) => {
                        round.verdicts.push((reminder, put_back, now));
                        continue;
                    }
                },
                _ => None,
            };
            let (me, limit) = (self.clone(), round.limit.clone());
            round.deliveries.spawn(async move {
                if let Some(slot) = slot {
                    tokio::time::sleep_until(slot).await;
                }
                let _permit = limit.acquire_owned().await;
                let verdict = me.deliver(&reminder, composed, now).await;
                (reminder, verdict, now)
            });
        }
        while let Some(done) = round.deliveries.try_join_next() {
            Self::collect(done, round);
        }
        if round.verdicts.len() >= self.record_every() {
            self.write_down(round).await;
        }
    }

    /// The message's turn in its workspace (and that of the Tier 3 calls it needs first), or the
    /// verdict that puts it back until its turn.
    fn turn(
        &self,
        reminder: &Reminder,
        now: DateTime<Utc>,
        round: &mut Round,
    ) -> Result<Instant, Verdict> {
        let (team, horizon) = (&reminder.team_id, self.horizon());
        // A DM's channel id may not be known yet, so a channel is named by who is in it.
        let channel = reminder.recipients.join(",");
        let clock_now = self.clock.now();
        let mut turns = vec![self.pacing.take_turn(team, &channel, horizon, clock_now)];
        let tier3 = self.settings.per_tier3_call;
        if reminder.recipients.len() > 1 {
            turns.push(
                self.pacing
                    .take_call_turn(team, OPEN, tier3, horizon, clock_now),
            );
        }
        if reminder.in_doubt {
            turns.push(
                self.pacing
                    .take_call_turn(team, HISTORY, tier3, horizon, clock_now),
            );
        }
        let latest =
            |pick: fn(Turn) -> Option<Instant>| turns.iter().copied().filter_map(pick).max();
        let Some(earliest) = latest(|turn| match turn {
            Turn::Later(at) => Some(at),
            Turn::At(_) => None,
        }) else {
            return Ok(latest(|turn| match turn {
                Turn::At(at) => Some(at),
                Turn::Later(_) => None,
            })
            .unwrap_or_else(Instant::now));
        };
        let next = round
            .put_back
            .get(team)
            .map_or(earliest, |next| (*next).max(earliest));
        let step = self.pacing.limits().per_workspace;
        round.put_back.insert(team.clone(), next + step);
        Err(self.put_back(now, next))
    }

    /// Back in the queue untried, due at `turn`.
    fn put_back(&self, now: DateTime<Utc>, turn: Instant) -> Verdict {
        let wait = turn.saturating_duration_since(Instant::now());
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
        self.put_back_until(now, self.clock.now() + wait)
    }

    /// Back in the queue untried, due at `at` by the scheduler's clock; at least a second on
    /// (stored times are whole seconds), so this tick does not claim it again.
    pub(super) fn put_back_until(&self, now: DateTime<Utc>, at: DateTime<Utc>) -> Verdict {
        let soonest = now.max(self.clock.now()) + chrono::Duration::seconds(1);
        Verdict::PutBack {
            at: at.max(soonest),
        }
    }

    /// How far ahead a message's turn is waited for in memory: a tick (the next tick takes over
    /// from there), and well within a claim's lease.
    fn horizon(&self) -> Duration {
        let lease = self
            .settings
            .lease
            .to_std()
            .unwrap_or(Duration::from_secs(300));
        self.settings.tick.min(lease / 4)
    }

    fn record_every(&self) -> usize {
        self.settings.concurrency.max(1)
    }

    fn collect(done: Result<Done, tokio::task::JoinError>, round: &mut Round) {
        match done {
            Ok(done) => round.verdicts.push(done),
            // A panicking delivery keeps its claim; the lease hands it to a later tick.
            Err(err) => tracing::error!(error = %err, "a delivery task failed"),
        }
    }

    /// Awaits every send still waiting or under way, writing verdicts down a few dozen at a time.
    async fn finish_round(&self, round: &mut Round) {
        while let Some(done) = round.deliveries.join_next().await {
            Self::collect(done, round);
            if round.verdicts.len() >= self.record_every() {
                self.write_down(round).await;
            }
        }
        self.write_down(round).await;
    }

    /// Records the verdicts in hand, each batch's with that batch's `now`.
    async fn write_down(&self, round: &mut Round) {
        let mut by_batch: BTreeMap<DateTime<Utc>, Vec<(Reminder, Verdict)>> = BTreeMap::new();
        for (reminder, verdict, now) in round.verdicts.drain(..) {
            by_batch.entry(now).or_default().push((reminder, verdict));
        }
        for (now, verdicts) in by_batch {
            for outcome in self.record(verdicts, now).await {
                round.report.add(outcome);
            }
        }
    }
}
