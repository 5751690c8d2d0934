//! Keeps to Slack's rate limits so a large fan-out never trips 429s. Slack counts per workspace:
//! messages per channel and per workspace (`chat.postMessage`: about one a second per channel,
//! under a workspace-wide ceiling), tiered calls per method. So every key here includes the
//! workspace, one workspace's burst never takes another's turn, and a 429's `Retry-After` holds
//! back only the workspace (and the method) it was said for.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The method whose pacing `WorkspacePacing` keeps per channel and per workspace.
pub const POST_MESSAGE: &str = "chat.postMessage";
/// Tier 3 methods the scheduler calls before some messages (a group DM's channel, the history
/// look-up of a message in doubt).
pub const OPEN: &str = "conversations.open";
pub const HISTORY: &str = "conversations.history";
/// Tier 3 allows 50 calls a minute per method and workspace.
pub const TIER3_INTERVAL: Duration = Duration::from_millis(1200);

pub(crate) struct Pacer {
    interval: Duration,
    next_free: Mutex<HashMap<String, Instant>>,
}

/// Past this many keys, forget the ones whose slot has long passed.
const PRUNE_AT: usize = 10_000;

impl Pacer {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            next_free: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for this key's (a channel's, a method's) next free slot and takes it.
    pub(crate) async fn wait_turn(&self, key: &str) {
        if self.interval.is_zero() {
            return;
        }
        let slot = {
            let mut next = self
                .next_free
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            if next.len() > PRUNE_AT {
                next.retain(|_, free| *free > now);
            }
            let slot = next
                .get(key)
                .copied()
                .filter(|free| *free > now)
                .unwrap_or(now);
            next.insert(key.to_owned(), slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// How fast messages may go out within one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageLimits {
    /// Between two messages to one channel (Slack: about a second). Zero: no limit.
    pub per_channel: Duration,
    /// Between two messages anywhere in the workspace, on average (the workspace-wide
    /// ceiling). Zero: no ceiling.
    pub per_workspace: Duration,
    /// How many messages may go at once after a quiet spell before the ceiling's spacing
    /// applies (Slack allows short bursts; small fan-outs then go out without waiting).
    pub burst: u32,
}

/// When a message may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Turn {
    /// Taken: send at this instant.
    At(Instant),
    /// Not within the horizon asked about, so not taken: the earliest the turn could come.
    Later(Instant),
}

/// One workspace's pacing state.
#[derive(Default)]
struct Pace {
    /// The workspace ceiling's "theoretical arrival time" (GCRA): where its next message's turn
    /// would be with no burst allowance.
    due: Option<Instant>,
    /// Each channel's next free slot.
    channels: HashMap<String, Instant>,
    /// Each tiered method's next free slot.
    calls: HashMap<String, Instant>,
    /// Per method: held back until then, because Slack answered 429 with Retry-After. In the
    /// scheduler's clock, so a test's clock moves past it as it moves past the retry.
    held: HashMap<String, DateTime<Utc>>,
}

impl Pace {
    /// Whether anything here still constrains the future (else it may be forgotten).
    fn active(&self, now: Instant, clock_now: DateTime<Utc>) -> bool {
        self.due.is_some_and(|due| due > now)
            || self.channels.values().any(|free| *free > now)
            || self.calls.values().any(|free| *free > now)
            || self.held.values().any(|until| *until > clock_now)
    }

    /// When `method`'s hold ends, as an instant, if it is held at `clock_now`.
    fn hold_ends(&self, method: &str, now: Instant, clock_now: DateTime<Utc>) -> Option<Instant> {
        let left = self.held.get(method)?.signed_duration_since(clock_now);
        left.to_std().ok().map(|left| now + left)
    }
}

/// Per-workspace pacing of messages, and the holds Slack's 429s ask for, on this replica.
pub(crate) struct WorkspacePacing {
    limits: MessageLimits,
    teams: Mutex<HashMap<String, Pace>>,
}

impl WorkspacePacing {
    pub(crate) fn new(limits: MessageLimits) -> Self {
        Self {
            limits,
            teams: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn limits(&self) -> MessageLimits {
        self.limits
    }

    fn teams(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pace>> {
        self.teams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The first slot for a message to `channel` in `team` that keeps to the channel's pace, the
    /// workspace's ceiling and any hold on `chat.postMessage`. Taken if it comes within
    /// `horizon`; otherwise left free, so that waiting never takes a turn from what could go.
    /// `clock_now` is the scheduler's clock, which holds are kept in.
    pub(crate) fn take_turn(
        &self,
        team: &str,
        channel: &str,
        horizon: Duration,
        clock_now: DateTime<Utc>,
    ) -> Turn {
        let now = Instant::now();
        let limits = self.limits;
        let mut teams = self.teams();
        if teams.len() > PRUNE_AT {
            teams.retain(|_, pace| pace.active(now, clock_now));
        }
        let pace = teams.entry(team.to_owned()).or_default();
        if pace.channels.len() > PRUNE_AT {
            pace.channels.retain(|_, free| *free > now);
        }
        let tolerance = limits.per_workspace * limits.burst.saturating_sub(1);
        let ceiling = pace.due.and_then(|due| due.checked_sub(tolerance));
        let slot = [
            Some(now),
            pace.hold_ends(POST_MESSAGE, now, clock_now),
            pace.channels.get(channel).copied(),
            ceiling,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(now);
        if slot > now + horizon {
            return Turn::Later(slot);
        }
        if !limits.per_channel.is_zero() {
            pace.channels
                .insert(channel.to_owned(), slot + limits.per_channel);
        }
        if !limits.per_workspace.is_zero() {
            let due = pace.due.map_or(slot, |due| due.max(slot));
            pace.due = Some(due + limits.per_workspace);
        }
        Turn::At(slot)
    }

    /// The first slot for a call of a tiered `method` in `team`, `interval` after the last and
    /// after any hold on it; taken only if it comes within `horizon`, as `take_turn`.
    pub(crate) fn take_call_turn(
        &self,
        team: &str,
        method: &str,
        interval: Duration,
        horizon: Duration,
        clock_now: DateTime<Utc>,
    ) -> Turn {
        let now = Instant::now();
        let mut teams = self.teams();
        let pace = teams.entry(team.to_owned()).or_default();
        let slot = [
            Some(now),
            pace.hold_ends(method, now, clock_now),
            pace.calls.get(method).copied(),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(now);
        if slot > now + horizon {
            return Turn::Later(slot);
        }
        if !interval.is_zero() {
            pace.calls.insert(method.to_owned(), slot + interval);
        }
        Turn::At(slot)
    }

    /// Slack said to wait: nothing more of `method` goes out for `team` until `until`.
    pub(crate) fn hold(&self, team: &str, method: &str, until: DateTime<Utc>) {
        let mut teams = self.teams();
        let held = teams
            .entry(team.to_owned())
            .or_default()
            .held
            .entry(method.to_owned())
            .or_insert(until);
        *held = (*held).max(until);
    }

    /// Until when `method` is held back for `team`, if it still is at `clock_now`.
    pub(crate) fn held_until(
        &self,
        team: &str,
        method: &str,
        clock_now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.teams()
            .get(team)
            .and_then(|pace| pace.held.get(method).copied())
            .filter(|until| *until > clock_now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_channel_waits_its_turn_and_others_do_not() {
        let pacer = Pacer::new(Duration::from_secs(1));
        let start = Instant::now();
        pacer.wait_turn("D1").await;
        pacer.wait_turn("D2").await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.wait_turn("D1").await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    fn pacing(burst: u32) -> WorkspacePacing {
        WorkspacePacing::new(MessageLimits {
            per_channel: Duration::from_secs(1),
            per_workspace: Duration::from_millis(100),
            burst,
        })
    }

    const FAR: Duration = Duration::from_secs(3600);

    /// The scheduler's clock, standing still.
    fn clock() -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_634_000, 0).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_at_once_then_the_ceiling_spaces_the_rest() {
        let pacing = pacing(3);
        let start = Instant::now();
        let slots: Vec<Turn> = (0..5)
            .map(|i| pacing.take_turn("T1", &format!("U{i}"), FAR, clock()))
            .collect();
        let ms = |n| Turn::At(start + Duration::from_millis(n));
        assert_eq!(slots, vec![ms(0), ms(0), ms(0), ms(100), ms(200)]);
    }

    #[tokio::test(start_paused = true)]
    async fn workspaces_and_channels_are_paced_apart() {
        let pacing = pacing(1);
        let start = Instant::now();
        assert_eq!(pacing.take_turn("T1", "U1", FAR, clock()), Turn::At(start));
        // The same user id in another workspace is another channel, under another ceiling.
        assert_eq!(pacing.take_turn("T2", "U1", FAR, clock()), Turn::At(start));
        assert_eq!(
            pacing.take_turn("T1", "U1", FAR, clock()),
            Turn::At(start + Duration::from_secs(1))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_past_the_horizon_is_not_taken() {
        let pacing = pacing(1);
        let start = Instant::now();
        let horizon = Duration::from_millis(150);
        assert_eq!(
            pacing.take_turn("T1", "U1", horizon, clock()),
            Turn::At(start)
        );
        assert_eq!(
            pacing.take_turn("T1", "U2", horizon, clock()),
            Turn::At(start + Duration::from_millis(100))
        );
        let later = Turn::Later(start + Duration::from_millis(200));
        assert_eq!(pacing.take_turn("T1", "U3", horizon, clock()), later);
        // Not taken: asking again finds the same turn.
        assert_eq!(pacing.take_turn("T1", "U4", horizon, clock()), later);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_stops_only_its_workspace_until_it_ends() {
        let pacing = pacing(10);
        let start = Instant::now();
        let until = clock() + chrono::Duration::seconds(5);
        pacing.hold("T1", POST_MESSAGE, until);
        assert_eq!(pacing.held_until("T1", POST_MESSAGE, clock()), Some(until));
        assert_eq!(pacing.held_until("T1", OPEN, clock()), None);
        assert_eq!(pacing.held_until("T2", POST_MESSAGE, clock()), None);
        let turn = Turn::At(start + Duration::from_secs(5));
        assert_eq!(pacing.take_turn("T1", "U1", FAR, clock()), turn);
        assert_eq!(pacing.take_turn("T2", "U1", FAR, clock()), Turn::At(start));
        let later = clock() + chrono::Duration::seconds(6);
        assert_eq!(pacing.held_until("T1", POST_MESSAGE, later), None);
    }

    #[tokio::test(start_paused = true)]
    async fn tiered_calls_are_paced_per_method_and_workspace() {
        let pacing = pacing(1);
        let start = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!(
            pacing.take_call_turn("T1", OPEN, second, FAR, clock()),
            Turn::At(start)
        );
        assert_eq!(
            pacing.take_call_turn("T1", HISTORY, second, FAR, clock()),
            Turn::At(start)
        );
        assert_eq!(
            pacing.take_call_turn("T2", OPEN, second, FAR, clock()),
            Turn::At(start)
        );
        assert_eq!(
            pacing.take_call_turn("T1", OPEN, second, FAR, clock()),
            Turn::At(start + second)
        );
        pacing.hold("T2", OPEN, clock() + chrono::Duration::seconds(3));
        assert_eq!(
            pacing.take_call_turn("T2", OPEN, second, second, clock()),
            Turn::Later(start + 3 * second)
        );
    }
}
