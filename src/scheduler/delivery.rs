//! Delivering one claimed reminder: drop if too late, check Slack if in doubt, post, settle or retry.

use chrono::{DateTime, Duration, Utc};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use tracing::Instrument;

use super::{Composed, Scheduler};
use crate::ports::pacing::{HISTORY, OPEN, POST_MESSAGE};
use crate::ports::slack::{SlackApi, SlackError};
use crate::store::reminders::Finish;
use crate::store::reminders::Reminder;
use crate::views::{Block, Message};

/// Older than this, a reminder is no longer useful: it is dropped with a log line instead.
const MAX_LATENESS: Duration = Duration::days(1);
/// Later than this, the message says it is late.
const LATE_AFTER: Duration = Duration::minutes(15);
/// How long a 429 without Retry-After holds a workspace back.
const RATE_LIMITED_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
/// How far before the due time to look in Slack's history for an earlier attempt.
const HISTORY_SLACK: Duration = Duration::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Sent,
    Retried,
    Failed,
    Dropped,
    Cancelled,
    /// Put back untried until its workspace's turn.
    Deferred,
    /// Another replica took the claim over meanwhile; it reports the outcome.
    Lost,
}

/// What became of one claimed reminder, to be written down with the rest of its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    Finish(Finish),
    /// Another attempt at `at`. `in_doubt`: this one may have reached Slack anyway.
    Retry {
        at: DateTime<Utc>,
        error: String,
        in_doubt: bool,
    },
    /// Not tried: back in the queue until `at`, its workspace's turn, with no attempt counted.
    PutBack {
        at: DateTime<Utc>,
    },
}

impl Scheduler {
    /// Says or does what `composed` holds, and decides what to record. Nothing is written here:
    /// the batch's outcomes are recorded together (`record`). Until then the claim stands, and a
    /// crash in between leaves the reminder to be found in doubt by a later claim, which checks
    /// Slack's history before sending again.
    pub(super) async fn deliver(
        &self,
        reminder: &Reminder,
        composed: anyhow::Result<Composed>,
        now: DateTime<Utc>,
    ) -> Verdict {
        let span = tracing::info_span!("job", job.id = reminder.id, job.kind = %reminder.kind, slack.team_id = %reminder.team_id);
        async {
            // Each workspace's reminders go out with its own token; one the bot no longer serves
            // gets nothing more.
            let slack = match self.workspaces.slack_for(&reminder.team_id).await {
                Ok(slack) => slack,
                Err(err) if err.is_transient() => {
                    return self.retry_unsent(reminder, now, err.to_string())
                }
                Err(err) => {
                    tracing::info!(key = %reminder.key, error = %err, "not delivering");
                    return Verdict::Finish(Finish::Cancelled(err.to_string()));
                }
            };
            self.deliver_one(&*slack, reminder, composed, now).await
        }
        .instrument(span)
        .await
    }

    async fn deliver_one(
        &self,
        slack: &dyn SlackApi,
        reminder: &Reminder,
        composed: anyhow::Result<Composed>,
        now: DateTime<Utc>,
    ) -> Verdict {
        let late = now.signed_duration_since(reminder.due_at);
        // What to say was decided first, from the current state; saying it comes now.
        let mut message = match composed {
            Ok(Composed::Send(message)) => message,
            Ok(Composed::Status(change)) => {
                return self.change_status(slack, reminder, *change, now).await
            }
            Ok(Composed::Home(view)) => {
                return self.publish_home(slack, reminder, &view, now).await
            }
            Ok(Composed::Cancel(why)) => return Verdict::Finish(Finish::Cancelled(why)),
            // Nothing reached Slack: a plain retry, with no history look-up before it.
            Err(err) => {
                return self.retry_unsent(reminder, now, format!("could not compose: {err:#}"))
            }
        };
        let channel = match self.channel_for(slack, reminder).await {
            Ok(channel) => channel,
            Err(err) => {
                self.hold_if_limited(&reminder.team_id, OPEN, &err);
                return self.retry(reminder, now, &err);
            }
        };
        if reminder.in_doubt {
            // An earlier attempt may have reached Slack before we could record it: look before resending.
            match slack
                .find_reminder(&channel, &reminder.key, reminder.due_at - HISTORY_SLACK)
                .await
            {
                Ok(Some(ts)) => {
                    tracing::info!(key = %reminder.key, "already delivered by an earlier attempt; not sending again");
                    return Verdict::Finish(Finish::Sent { channel, ts });
                }
                Ok(None) => {}
                Err(err) => {
                    self.hold_if_limited(&reminder.team_id, HISTORY, &err);
                    return self.retry(reminder, now, &err);
                }
            }
        }
        if late > LATE_AFTER {
            message.push(Block::context(format!(
                ":hourglass: Sorry this is late: it was due {} ago, while I was offline.",
                human(late)
            )));
        }
        self.post(slack, reminder, &channel, &message, now).await
    }

    /// Posts the message, its turn come, unless Slack asked this workspace to wait meanwhile or
    /// the claim is about to lapse.
    async fn post(
        &self,
        slack: &dyn SlackApi,
        reminder: &Reminder,
        channel: &str,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Verdict {
        // Slack may have answered another of this workspace's messages with a 429 meanwhile.
        let held = self
            .pacing
            .held_until(&reminder.team_id, POST_MESSAGE, self.clock.now());
        if let Some(until) = held {
            return self.put_back_until(now, until);
        }
        // After waiting our turn the claim may be about to lapse; another replica could then take
        // the reminder over. Give it back instead of racing it.
        let margin = (self.settings.lease / 4).min(Duration::seconds(10));
        let close_to_expiry = now + self.settings.lease - margin;
        if self.clock.now() >= close_to_expiry {
            return Verdict::Retry {
                at: self.clock.now(),
                error: "lease ran out before sending".to_owned(),
                in_doubt: false,
            };
        }
        let sent = tokio::time::timeout(
            self.settings.call_timeout,
            slack.post_message(channel, message, Some(&reminder.key)),
        )
        .await;
        match sent {
            Ok(Ok(posted)) => Verdict::Finish(Finish::Sent {
                channel: posted.channel,
                ts: posted.ts,
            }),
            Ok(Err(err)) => {
                self.hold_if_limited(&reminder.team_id, POST_MESSAGE, &err);
                self.retry(reminder, now, &err)
            }
            Err(_) => {
                let err = SlackError::Transport(format!(
                    "no answer from Slack within {:?}",
                    self.settings.call_timeout
                ));
                self.retry(reminder, now, &err)
            }
        }
    }

    /// A Home tab published again. No history to search and no pacing per channel: a publish
    /// replaces the whole tab, so doing it twice is harmless.
    async fn publish_home(
        &self,
        slack: &dyn SlackApi,
        reminder: &Reminder,
        view: &crate::views::Message,
        now: DateTime<Utc>,
    ) -> Verdict {
        let [user] = reminder.recipients.as_slice() else {
            return Verdict::Finish(Finish::Cancelled("a Home tab is one person's".to_owned()));
        };
        let published =
            tokio::time::timeout(self.settings.call_timeout, slack.publish_home(user, view)).await;
        match published {
            Ok(Ok(())) => Verdict::Finish(Finish::Sent {
                channel: String::new(),
                ts: String::new(),
            }),
            Ok(Err(err)) => self.retry(reminder, now, &err),
            Err(_) => self.retry_unsent(
                reminder,
                now,
                "no answer from Slack to views.publish".to_owned(),
            ),
        }
    }

    /// Too late to be any use: dropped with a log line, before anything is composed (composing a
    /// status change already makes it).
    pub(super) fn too_late(reminder: &Reminder, now: DateTime<Utc>) -> Option<Verdict> {
        let late = now.signed_duration_since(reminder.due_at);
        if late <= MAX_LATENESS {
            return None;
        }
        tracing::warn!(key = %reminder.key, late_hours = late.num_hours(), "dropping a reminder more than a day late");
        Some(Verdict::Finish(Finish::Dropped(format!(
            "{} hours late",
            late.num_hours()
        ))))
    }

    /// A DM goes to the user id (Slack opens the DM); a group needs its conversation opened. For a
    /// history look-up a DM also needs its real channel id.
    async fn channel_for(
        &self,
        slack: &dyn SlackApi,
        reminder: &Reminder,
    ) -> Result<String, SlackError> {
        match reminder.recipients.as_slice() {
            [] => Err(SlackError::Api("no_recipients".to_owned())),
            [user] if !reminder.in_doubt => Ok(user.clone()),
            [user] => {
                if let Ok(Some(channel)) = self.store.dm_channel(&reminder.team_id, user).await {
                    return Ok(channel);
                }
                slack.open_conversation(std::slice::from_ref(user)).await
            }
            users => slack.open_conversation(users).await,
        }
    }

    /// Writes down a batch's verdicts: lets the composer plan what follows, then every outcome in
    /// one statement, retries one by one (they are rare), and the DM channels learnt.
    pub(super) async fn record(
        &self,
        verdicts: Vec<(Reminder, Verdict)>,
        now: DateTime<Utc>,
    ) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(verdicts.len());
        let mut finished: Vec<(Reminder, Finish)> = Vec::new();
        let mut put_back: Vec<(i64, DateTime<Utc>)> = Vec::new();
        for (reminder, verdict) in verdicts {
            match verdict {
                Verdict::Finish(finish) => finished.push((reminder, finish)),
                Verdict::PutBack { at } => put_back.push((reminder.id, at)),
                Verdict::Retry {
                    at,
                    error,
                    in_doubt,
                } => outcomes.push(self.reschedule(&reminder, at, &error, in_doubt).await),
            }
        }
        outcomes.extend(self.put_back_all(&put_back).await);
        if finished.is_empty() {
            return outcomes;
        }
        // What follows (the next 1:1, digest, status change) is planned before the outcomes are
        // written: planning is idempotent, so a crash in between is mended when the reminder,
        // claimed again in doubt, is found in Slack's history and settled again. Planned after,
        // a crash in between would leave the next occurrence unplanned for good.
        let settling: Vec<Reminder> = finished
            .iter()
            .map(|(reminder, _)| reminder.clone())
            .collect();
        if let Err(err) = self.composer.settled_all(&settling, now).await {
            tracing::warn!(error = %format!("{err:#}"), count = settling.len(), "could not plan what follows a batch of reminders");
        }
        let rows: Vec<(i64, Finish)> = finished
            .iter()
            .map(|(reminder, finish)| (reminder.id, finish.clone()))
            .collect();
        let recorded = match self.store.finish_all(&self.owner, &rows, now).await {
            Ok(recorded) => recorded,
            Err(err) => {
                // The leases will hand them to a later tick, which finds in Slack's history what went out.
                tracing::error!(error = %err, count = rows.len(), "could not record the outcomes of a batch of reminders");
                outcomes.extend(finished.iter().map(|_| Outcome::Retried));
                return outcomes;
            }
        };
        outcomes.extend(self.remember(finished, recorded).await);
        outcomes
    }

    /// Reminders put back untried, in one statement: a large fan-out puts back many.
    async fn put_back_all(&self, rows: &[(i64, DateTime<Utc>)]) -> Vec<Outcome> {
        if rows.is_empty() {
            return Vec::new();
        }
        match self.store.put_back_all(&self.owner, rows).await {
            Ok(kept) => kept
                .into_iter()
                .map(|kept| {
                    if kept {
                        Outcome::Deferred
                    } else {
                        Outcome::Lost
                    }
                })
                .collect(),
            Err(err) => {
                // Their leases hand them to a later tick.
                tracing::error!(error = %err, count = rows.len(), "could not put back reminders waiting for their turn");
                rows.iter().map(|_| Outcome::Deferred).collect()
            }
        }
    }

    /// A 429 holds back the workspace's calls of that method, on this replica, for as long as
    /// Slack asked; other workspaces go on.
    pub(super) fn hold_if_limited(&self, team_id: &str, method: &str, err: &SlackError) {
        if let SlackError::RateLimited(after) = err {
            let wait = after.unwrap_or(RATE_LIMITED_WAIT);
            tracing::warn!(slack.team_id = %team_id, slack.method = method, retry_after_secs = wait.as_secs(), "Slack rate-limited the workspace; holding its calls back");
            let wait = Duration::from_std(wait).unwrap_or(Duration::seconds(30));
            self.pacing.hold(team_id, method, self.clock.now() + wait);
        }
    }

    /// Retries are rare: each is written on its own.
    async fn reschedule(
        &self,
        reminder: &Reminder,
        at: DateTime<Utc>,
        error: &str,
        in_doubt: bool,
    ) -> Outcome {
        match self
            .store
            .retry_at(reminder.id, &self.owner, at, error, in_doubt)
            .await
        {
            Ok(true) => Outcome::Retried,
            Ok(false) => Outcome::Lost,
            Err(store_err) => {
                tracing::error!(error = %store_err, key = %reminder.key, "could not reschedule a reminder; its lease will expire");
                Outcome::Retried
            }
        }
    }

    /// What the recorded outcomes come to, and the DM channels they taught us.
    async fn remember(
        &self,
        finished: Vec<(Reminder, Finish)>,
        recorded: Vec<bool>,
    ) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(finished.len());
        let mut dm_channels = Vec::new();
        for ((reminder, finish), kept) in finished.into_iter().zip(recorded) {
            if !kept {
                outcomes.push(Outcome::Lost);
                continue;
            }
            outcomes.push(match &finish {
                Finish::Sent { channel, .. } => {
                    if let [user] = reminder.recipients.as_slice() {
                        if !channel.is_empty() {
                            dm_channels.push((reminder.team_id.clone(), user.clone(), channel.clone()));
                        }
                    }
                    Outcome::Sent
                }
                Finish::Failed(_) => {
                    tracing::error!(key = %reminder.key, reason = ?finish, "reminder failed for good");
                    Outcome::Failed
                }
                Finish::Dropped(_) => Outcome::Dropped,
                Finish::Cancelled(_) => Outcome::Cancelled,
            });
        }
        if let Err(err) = self.store.set_dm_channels(&dm_channels).await {
            tracing::debug!(error = %err, "could not remember the DM channels");
        }
        outcomes
    }

    /// A failure on our side before anything went to Slack (composing, the database): tried
    /// again with backoff, never counted as possibly delivered.
    pub(super) fn retry_unsent(
        &self,
        reminder: &Reminder,
        now: DateTime<Utc>,
        error: String,
    ) -> Verdict {
        if reminder.attempts >= self.settings.max_attempts {
            return Verdict::Finish(Finish::Failed(format!(
                "gave up after {} attempts: {error}",
                reminder.attempts
            )));
        }
        let wait = backoff(reminder.attempts, reminder.id);
        tracing::warn!(key = %reminder.key, attempt = reminder.attempts, retry_in_secs = wait.num_seconds(), %error, "reminder will be retried");
        Verdict::Retry {
            at: now + wait,
            error,
            in_doubt: false,
        }
    }

    pub(super) fn retry(
        &self,
        reminder: &Reminder,
        now: DateTime<Utc>,
        err: &SlackError,
    ) -> Verdict {
        let permanent = matches!(err, SlackError::Api(_)) && !err.is_transient();
        if permanent || reminder.attempts >= self.settings.max_attempts {
            let why = if permanent {
                err.to_string()
            } else {
                format!("gave up after {} attempts: {err}", reminder.attempts)
            };
            return Verdict::Finish(Finish::Failed(why));
        }
        let wait = match err {
            SlackError::RateLimited(after) => {
                Duration::from_std(after.unwrap_or(RATE_LIMITED_WAIT))
                    .unwrap_or(Duration::seconds(30))
                    .max(Duration::seconds(1))
            }
            _ => backoff(reminder.attempts, reminder.id),
        };
        // A timeout or a dropped connection may have been delivered anyway.
        let in_doubt = matches!(err, SlackError::Transport(_));
        tracing::warn!(key = %reminder.key, attempt = reminder.attempts, retry_in_secs = wait.num_seconds(), error = %err, "reminder will be retried");
        Verdict::Retry {
            at: now + wait,
            error: err.to_string(),
            in_doubt,
        }
    }
}

/// Exponential backoff from 15 s, capped at 30 min, with ±25% jitter so replicas do not retry in step.
fn backoff(attempts: i32, salt: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(0);
    let base = (15_i64 * 2_i64.pow(exp)).min(30 * 60);
    let noise = RandomState::new().hash_one((salt, attempts)) % 1000;
    let factor = 750 + i64::try_from(noise).unwrap_or(0) / 2; // 0.75 … 1.25
    Duration::milliseconds(base * factor)
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn human(d: Duration) -> String {
    match (d.num_days(), d.num_hours(), d.num_minutes()) {
        (days, _, _) if days >= 1 => format!("{days} day{}", plural(days)),
        (_, hours, _) if hours >= 1 => format!("{hours} hour{}", plural(hours)),
        (_, _, minutes) => format!("{minutes} minute{}", plural(minutes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for attempt in 1..20 {
            let d = backoff(attempt, 7).num_milliseconds();
            let base = (15_000_i64 * 2_i64.pow(u32::try_from(attempt - 1).unwrap().min(16)))
                .min(1_800_000);
            assert!(
                d >= base * 3 / 4 && d <= base * 5 / 4,
                "attempt {attempt}: {d} vs {base}"
            );
        }
    }
}
