//! Single-token mode (`SLACK_BOT_TOKEN`) as `serve` runs it: one client for whichever workspace
//! asks, as the quick start always did, except where the app was removed. `app_uninstalled` (or
//! the bot token revoked) stops that workspace as an uninstall does in install mode: its pending
//! work is cancelled with the reason and everything new is refused with a clear answer. The stop
//! holds while the bot runs with that same (now dead) token; started with another token (the one
//! Slack gave when the app was installed again), it is lifted and what it cancelled is pending
//! again. Mentors' rotating user tokens are renewed here too.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::rotation::{Renewal, Rotation};
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
}

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
        }
    }

    /// At start-up: lifts the stops made under another token than this one (the app was
    /// installed again and the bot given the new token). The teams that are served again.
    pub async fn lift_stops(&self) -> Result<Vec<String>, StoreError> {
        let lifted = self
            .store
            .lift_token_stops(&self.digest, self.clock.now())
            .await?;
        for team in &lifted {
            tracing::info!(slack.team_id = %team, "served again: the bot runs with a new token since the app was removed");
        }
        Ok(lifted)
    }

    /// The app was removed from `team_id`, or its token revoked: its work stops. False if it
    /// was stopped already.
    pub async fn stop(&self, team_id: &str, reason: &str) -> Result<bool, StoreError> {
        let stopped = self
            .store
            .stop_token(team_id, reason, &self.digest, self.clock.now())
            .await?;
        if stopped {
            tracing::warn!(slack.team_id = %team_id, reason, "the workspace removed the app: its work is stopped until the bot is started with a new SLACK_BOT_TOKEN (install the app again to get one)");
        }
        Ok(stopped)
    }
}

#[async_trait]
impl Workspaces for SingleToken {
    /// Read on every call, so a stop seen by any replica stops this one too.
    async fn slack_for(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        match self.store.token_stop(team_id).await {
            Ok(None) => Ok(self.slack.clone()),
            Ok(Some(stop)) => Err(NotServed::Stopped {
                team: team_id.to_owned(),
                reason: stop.reason,
            }),
            Err(err) => Err(NotServed::Unavailable {
                team: team_id.to_owned(),
                why: err.to_string(),
            }),
        }
    }

    async fn renew_user_token(
        &self,
        team_id: &str,
        user_id: &str,
        expired: &Secret,
    ) -> Option<Secret> {
        match self.rotation.as_ref()?.renew(team_id, user_id, expired).await {
            Renewal::Renewed(token) => Some(token),
            _ => None,
        }
    }

    async fn refresh_due(&self) -> usize {
        match &self.rotation {
            Some(rotation) => rotation.refresh_due().await,
            None => 0,
        }
    }
}
