//! Slack's rate limits on chat.postMessage, kept per workspace (the team of the token): about
//! one message a second per channel, and a workspace-wide ceiling that allows a short burst.
//! Past either, Slack answers 429 with Retry-After, and so does this fake, counting each one.
//! Off until a test calls `enforce_limits`; `fail_next_in` injects a failure for one workspace.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::faults::FakeFailure;
use super::{lock, workspaces, FakeSlack, State, TEAM_ID};

/// The limits enforced, in real time (Slack's limits do not follow a test's clock).
#[derive(Clone, Copy, Debug)]
pub struct FakeLimits {
    /// Between two messages to one channel.
    pub per_channel: Duration,
    /// Between two messages in one workspace, on average: the workspace-wide ceiling.
    pub per_workspace: Duration,
    /// Messages a quiet workspace may get at once.
    pub burst: u32,
    /// How early a message may arrive and still count as on time: requests sent on their turn
    /// reach the fake a little unevenly.
    pub grace: Duration,
}

/// What the limits have seen: each workspace's and channel's next turn (GCRA), the 429s given.
#[derive(Default)]
pub(super) struct Limits {
    enforced: Option<FakeLimits>,
    workspaces: HashMap<String, Instant>,
    channels: HashMap<(String, String), Instant>,
    /// Team -> 429s answered there.
    rate_limited: HashMap<String, usize>,
    /// (team, method) -> failures queued by `fail_next_in`.
    failures: HashMap<(String, String), VecDeque<FakeFailure>>,
}

impl FakeSlack {
    /// From now on chat.postMessage keeps to `limits` in every workspace.
    pub fn enforce_limits(&self, limits: FakeLimits) {
        lock(&self.state).limits.enforced = Some(limits);
    }

    /// 429s answered for being over the limits, in all workspaces.
    pub fn rate_limited(&self) -> usize {
        lock(&self.state).limits.rate_limited.values().sum()
    }

    /// 429s answered for being over the limits in `team`.
    pub fn rate_limited_in(&self, team: &str) -> usize {
        let st = lock(&self.state);
        st.limits.rate_limited.get(team).copied().unwrap_or(0)
    }

    /// Queues a failure for the next call to `method` made with `team`'s token (FIFO).
    pub fn fail_next_in(&self, team: &str, method: &str, failure: FakeFailure) {
        lock(&self.state)
            .limits
            .failures
            .entry((team.to_owned(), method.to_owned()))
            .or_default()
            .push_back(failure);
    }
}

/// The workspace a call is made in: an installed workspace's token's, else the fake's own.
pub(super) fn team_of_call(st: &State, token: Option<&str>) -> String {
    match workspaces::token_team(st, token) {
        Some(Ok(team)) => team,
        _ => TEAM_ID.to_owned(),
    }
}

/// A failure queued for this workspace's next call to `method`, if any.
pub(super) fn next_failure_in(st: &mut State, team: &str, method: &str) -> Option<FakeFailure> {
    st.limits
        .failures
        .get_mut(&(team.to_owned(), method.to_owned()))
        .and_then(VecDeque::pop_front)
}

/// For a chat.postMessage to `channel` in `team`: None if it is within the limits (and then it
/// counts), else the 429 to answer.
pub(super) fn over_limits(st: &mut State, team: &str, channel: &str) -> Option<FakeFailure> {
    let limits = st.limits.enforced?;
    let now = Instant::now();
    // A DM is the same channel whether posted to the user id or to the DM's id.
    let channel = channel.strip_prefix('D').unwrap_or(channel).to_owned();
    let tolerance = limits.per_workspace * limits.burst.saturating_sub(1) + limits.grace;
    let workspace_due = st.limits.workspaces.get(team).copied();
    let channel_key = (team.to_owned(), channel);
    let channel_due = st.limits.channels.get(&channel_key).copied();
    let waits = [
        wait_for(workspace_due, tolerance, now),
        wait_for(channel_due, limits.grace, now),
    ];
    if let Some(wait) = waits.into_iter().flatten().max() {
        *st.limits.rate_limited.entry(team.to_owned()).or_default() += 1;
        let retry_after_secs = wait.as_millis().div_ceil(1000).max(1) as u64;
        return Some(FakeFailure::RateLimited { retry_after_secs });
    }
    let next = |due: Option<Instant>, step: Duration| due.map_or(now, |d| d.max(now)) + step;
    st.limits
        .workspaces
        .insert(team.to_owned(), next(workspace_due, limits.per_workspace));
    st.limits
        .channels
        .insert(channel_key, next(channel_due, limits.per_channel));
    None
}

/// How long until a message conforms, if it does not now.
fn wait_for(due: Option<Instant>, tolerance: Duration, now: Instant) -> Option<Duration> {
    let earliest = due?.checked_sub(tolerance)?;
    (earliest > now).then(|| earliest - now)
}
