//! Which Slack client serves a workspace. Every call the core makes to Slack is for one
//! workspace and goes out with that workspace's own token: in single-token mode
//! (`SLACK_BOT_TOKEN`) the one client serves everyone, as before; with "Add to Slack" installs
//! each workspace has its own, and a workspace the bot doesn't serve gets no client at all.

use async_trait::async_trait;
use std::sync::Arc;

use super::slack::{Rotation, SlackApi, SlackError};
use crate::secret::Secret;

/// Why there is no Slack client for a workspace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotServed {
    #[error("workspace {0} has not installed this bot")]
    NotInstalled(String),
    #[error("workspace {0} uninstalled this bot")]
    Uninstalled(String),
    /// Single-token mode: the app was removed (or its token revoked) while this bot runs with
    /// that token; it serves the workspace again once started with a new one.
    #[error("workspace {team} removed this bot ({reason}); it needs a new SLACK_BOT_TOKEN")]
    Stopped { team: String, reason: String },
    /// The workspace's row could not be read or its token not opened: worth another try later.
    #[error("workspace {team} can't be served just now: {why}")]
    Unavailable { team: String, why: String },
}

impl NotServed {
    /// Asking again later may work (the database had a bad moment).
    pub fn is_transient(&self) -> bool {
        matches!(self, NotServed::Unavailable { .. })
    }
}

#[async_trait]
pub trait Workspaces: Send + Sync {
    /// The Slack client for `team_id`, holding that workspace's token and no other.
    async fn slack_for(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed>;
    /// Forgets any client kept for `team_id` (after an uninstall or a new token).
    fn forget(&self, _team_id: &str) {}
    /// Whether workspaces install the bot ("Add to Slack") rather than share one token.
    fn installs(&self) -> bool {
        false
    }
    /// Slack said `expired`, a person's user token, has expired: a refreshed one (refreshed once
    /// across replicas), or None when it does not rotate or could not be refreshed.
    async fn renew_user_token(
        &self,
        _team_id: &str,
        _user_id: &str,
        _expired: &Secret,
    ) -> Option<Secret> {
        None
    }
    /// Refreshes every rotating token that expires within the next two hours (each once across
    /// replicas): how many were refreshed.
    async fn refresh_due(&self) -> usize {
        0
    }
}

/// Single-token mode: one client, one token, for whichever workspace asks (the quick start).
pub struct SingleWorkspace(Arc<dyn SlackApi>);

impl SingleWorkspace {
    pub fn shared(slack: Arc<dyn SlackApi>) -> Arc<dyn Workspaces> {
        Arc::new(SingleWorkspace(slack))
    }
}

#[async_trait]
impl Workspaces for SingleWorkspace {
    async fn slack_for(&self, _team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        Ok(self.0.clone())
    }
}

/// What an approved "Add to Slack" gave us (`oauth.v2.access` with a bot token in the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotGrant {
    /// Empty for an org-wide (Enterprise Grid) install, which names no single workspace.
    pub team_id: String,
    pub team_name: String,
    pub enterprise_id: Option<String>,
    pub is_enterprise_install: bool,
    pub bot_user_id: String,
    pub scope: String,
    pub access_token: Secret,
    /// With token rotation on: the refresh token and the token's lifetime.
    pub rotation: Option<Rotation>,
}

/// Makes Slack clients for installed workspaces and exchanges install codes.
#[async_trait]
pub trait SlackConnector: Send + Sync {
    /// A client that calls Slack with `bot_token`.
    fn connect(&self, bot_token: &Secret) -> Result<Arc<dyn SlackApi>, SlackError>;
    /// `oauth.v2.access` for a bot install.
    async fn install_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<BotGrant, SlackError>;
}

/// For callers that only report a Slack failure: no client is a call that could not be made.
impl From<NotServed> for SlackError {
    fn from(err: NotServed) -> Self {
        match err {
            NotServed::Unavailable { .. } => SlackError::Transport(err.to_string()),
            NotServed::NotInstalled(_) | NotServed::Uninstalled(_) | NotServed::Stopped { .. } => {
                SlackError::Api(NOT_SERVED.to_owned())
            }
        }
    }
}

/// The error code a call for a workspace the bot doesn't serve fails with.
pub const NOT_SERVED: &str = "workspace_not_served";
