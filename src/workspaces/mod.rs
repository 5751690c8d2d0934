//! Every workspace that installs the bot ("Add to Slack"): each served with its own bot token,
//! kept sealed in the `workspaces` table; installs through Slack's OAuth v2 (`install.rs`); an
//! uninstall or a revoked token stops that workspace's work at once, and its data is deleted once
//! the retention has run out (`startup`'s janitor).

mod install;
mod org;
mod renewing;
pub mod rotation;
mod single;

pub use install::{Callback, INSTALL_COOKIE};
pub use rotation::Rotation;
pub use single::SingleToken;

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::crypto::TokenCipher;
use crate::ports::slack::SlackApi;
use crate::ports::workspaces::{NotServed, Origin, SlackConnector, Workspaces};
use crate::secret::Secret;
use crate::store::Store;

pub use install::{InstallPage, BOT_SCOPES};

/// The OAuth settings an install needs (`SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`, `PUBLIC_URL`).
#[derive(Debug, Clone)]
pub struct InstallSettings {
    pub client_id: String,
    pub client_secret: Secret,
    /// Where Slack sends the browser back: `PUBLIC_URL` + `/slack/install/callback`.
    pub public_url: String,
    /// Slack's authorize page; only tests change it.
    pub authorize_url: String,
}

/// Clients by team, each with the sealed token it was made from.
type Kept = HashMap<String, (String, Arc<dyn SlackApi>)>;

/// Installed workspaces: the Slack port per workspace, and the install flow.
pub struct Installs {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    cipher: TokenCipher,
    connector: Arc<dyn SlackConnector>,
    settings: InstallSettings,
    /// Clients already made, by team, with the sealed token they were made from: a token
    /// replaced by a reinstall (here or on another replica) makes a new client.
    clients: Mutex<Kept>,
    /// Renews rotating tokens; `None` without a token key.
    rotation: Option<Arc<Rotation>>,
    /// When each organisation's workspaces were last asked of Slack (`org.rs`).
    org_asked: Mutex<HashMap<String, chrono::DateTime<chrono::Utc>>>,
}

/// What a bot token is bound to when sealed: its workspace (and never a person's).
fn token_owner(team_id: &str) -> String {
    crate::crypto::token_owner(team_id, crate::store::installs::BOT)
}

impl Installs {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        cipher: TokenCipher,
        connector: Arc<dyn SlackConnector>,
        settings: InstallSettings,
        rotation: Option<Arc<Rotation>>,
    ) -> Self {
        Self {
            store,
            clock,
            cipher,
            connector,
            settings,
            clients: Mutex::default(),
            rotation,
            org_asked: Mutex::default(),
        }
    }

    fn kept(&self, team_id: &str, sealed: &str) -> Option<Arc<dyn SlackApi>> {
        let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .get(team_id)
            .filter(|(made_from, _)| made_from == sealed)
            .map(|(_, client)| client.clone())
    }
}

#[async_trait]
impl Workspaces for Installs {
    /// Read from the database on every call, so an uninstall seen by any replica stops this one's
    /// next call too; only the client (its connections and pacing) is kept.
    async fn slack_for(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        let unavailable = |why: String| NotServed::Unavailable {
            team: team_id.to_owned(),
            why,
        };
        let workspace = self
            .store
            .workspace(team_id)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let Some(workspace) = workspace else {
            tracing::warn!(slack.team_id = %team_id, "a call for a workspace that never installed the bot");
            return Err(NotServed::NotInstalled(team_id.to_owned()));
        };
        if workspace.uninstalled_at.is_some() {
            tracing::info!(slack.team_id = %team_id, "a call for a workspace that uninstalled the bot");
            return Err(NotServed::Uninstalled(team_id.to_owned()));
        }
        if let Some(client) = self.kept(team_id, &workspace.token_sealed) {
            return Ok(client);
        }
        let token = self
            .cipher
            .decrypt(&workspace.token_sealed, &token_owner(team_id))
            .map_err(|e| unavailable(format!("its bot token does not open: {e}")))?;
        let token = Secret::new(token);
        let mut client = self
            .connector
            .connect(&token)
            .map_err(|e| unavailable(e.to_string()))?;
        if let (Some(rotation), Some(_)) = (&self.rotation, &workspace.refresh_sealed) {
            client = Arc::new(renewing::Renewing {
                team_id: team_id.to_owned(),
                token,
                client,
                rotation: rotation.clone(),
                connector: self.connector.clone(),
            });
        }
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(team_id.to_owned(), (workspace.token_sealed, client.clone()));
        Ok(client)
    }

    async fn admits(&self, origin: &Origin) -> Result<(), NotServed> {
        self.admits_origin(origin).await
    }

    fn forget(&self, team_id: &str) {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(team_id);
    }

    fn installs(&self) -> bool {
        true
    }

    async fn renew_user_token(
        &self,
        team_id: &str,
        user_id: &str,
        expired: &Secret,
    ) -> Option<Secret> {
        rotation::Rotation::renewed_user_token(self.rotation.as_ref(), team_id, user_id, expired)
            .await
    }

    async fn refresh_due(&self) -> usize {
        match &self.rotation {
            Some(rotation) => rotation.refresh_due().await,
            None => 0,
        }
    }
}
