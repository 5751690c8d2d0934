//! Single-token mode (`SLACK_BOT_TOKEN`) as `serve` runs it: one client for whichever workspace
//! asks, as the quick start always did, except where the app was removed. `app_uninstalled` (or
//! the bot token revoked) stops that workspace as an uninstall does in install mode: its pending
//! work is cancelled with the reason and everything new is refused with a clear answer. The stop
//! holds while the bot runs with that same (now dead) token; started with another token (the one
//! Slack gave when the app was installed again), it is lifted and what it cancelled is pending
//! again. Mentors' rotating user tokens are renewed here too.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::rotation::Rotation;
use crate::clock::Clock;
use crate::ports::slack::SlackApi;
use crate::ports::workspaces::{NotServed, Workspaces};
use crate::secret::Secret;
use crate::store::{Store, StoreError};

pub struct SingleToken {
    slack: Arc<dyn SlackApi>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// SHA-256 of the bot token, hex: what a stop remembers of it.
    digest: String,
    rotation: Option<Arc<Rotation>>,
    /// Per workspace, the stop (its reason) or none, and when that was read: every command and
    /// delivery asks, and a read per request would cost the slash command a database round
    /// trip. Another replica's stop is seen within `STOP_FRESH`.
    seen: Mutex<HashMap<String, (Instant, Option<String>)>>,
}

/// How long a read of a workspace's stop is trusted.
const STOP_FRESH: Duration = Duration::from_secs(1);

/// A token's SHA-256, in hex: enough to tell two tokens apart, nothing to call Slack with.
pub fn token_digest(token: &Secret) -> String {
    Sha256::digest(token.expose().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl SingleToken {
    pub fn new(
        slack: Arc<dyn SlackApi>,
        token: &Secret,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rotation: Option<Arc<Rotation>>,
    ) -> Self {
        Self {
            slack,
            store,
            clock,
            digest: token_digest(token),
            rotation,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// At start-up: lifts the stops made under another token than this one (the app was
    /// installed again and the bot given the new token). The teams that are served again.
    pub async fn lift_stops(&self) -> Result<Vec<String>, StoreError> {
        let lifted = self
            .store
            .lift_token_stops(&self.digest, self.clock.now())
            .await?;
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clear();
        for team in &lifted {
            tracing::info!(slack.team_id = %team, "served again: the bot runs with a new token since the app was removed");
        }
        Ok(lifted)
    }

    /// The stop last read for `team_id`, if that was within `STOP_FRESH`.
    fn fresh(&self, team_id: &str) -> Option<Option<String>> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let (read, stop) = seen.get(team_id)?;
        (read.elapsed() < STOP_FRESH).then(|| stop.clone())
    }

    fn remember(&self, team_id: &str, stop: Option<String>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(team_id.to_owned(), (Instant::now(), stop));
    }

    /// The app was removed from `team_id`, or its token revoked: its work stops. False if it
    /// was stopped already.
    pub async fn stop(&self, team_id: &str, reason: &str) -> Result<bool, StoreError> {
        let stopped = self
            .store
            .stop_token(team_id, reason, &self.digest, self.clock.now())
            .await?;
        self.remember(team_id, Some(reason.to_owned()));
        if stopped {
            tracing::warn!(slack.team_id = %team_id, reason, "the workspace removed the app: its work is stopped until the bot is started with a new SLACK_BOT_TOKEN (install the app again to get one)");
        }
        Ok(stopped)
    }
}

#[async_trait]
impl Workspaces for SingleToken {
    /// Read at most once a second per workspace, so a stop made by any replica stops this one
    /// too within that second.
    async fn slack_for(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        let stop = match self.fresh(team_id) {
            Some(stop) => stop,
            None => match self.store.token_stop(team_id).await {
                Ok(stop) => {
                    let reason = stop.map(|s| s.reason);
                    self.remember(team_id, reason.clone());
                    reason
                }
                Err(err) => {
                    return Err(NotServed::Unavailable {
                        team: team_id.to_owned(),
                        why: err.to_string(),
                    })
                }
            },
        };
        match stop {
            None => Ok(self.slack.clone()),
            Some(reason) => Err(NotServed::Stopped {
                team: team_id.to_owned(),
                reason,
            }),
        }
    }

    async fn renew_user_token(
        &self,
        team_id: &str,
        user_id: &str,
        expired: &Secret,
    ) -> Option<Secret> {
        Rotation::renewed_user_token(self.rotation.as_ref(), team_id, user_id, expired).await
    }

    async fn refresh_due(&self) -> usize {
        match &self.rotation {
            Some(rotation) => rotation.refresh_due().await,
            None => 0,
        }
    }
}
