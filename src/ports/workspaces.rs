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
    /// An org-wide (Enterprise Grid) install serves only the workspaces an Org Admin added it to:
    /// a request claiming the organisation from any other workspace is refused.
    #[error("workspace {team} is not one the organisation {enterprise} added this bot to")]
    OutsideOrganisation { team: String, enterprise: String },
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

/// Where a request comes from, as Slack's payload says: the workspace, and for an org-wide
/// (Enterprise Grid) install the organisation whose one install serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub team_id: String,
    pub enterprise_id: Option<String>,
    /// Slack's `is_enterprise_install`: the app was installed for the whole organisation.
    pub enterprise_install: bool,
}

impl Origin {
    /// A workspace's own install (or single-token mode).
    pub fn workspace(team_id: &str) -> Origin {
        Origin {
            team_id: team_id.to_owned(),
            enterprise_id: None,
            enterprise_install: false,
        }
    }

    /// The key the bot keeps this request's data under (the `team_id` of every row): the
    /// workspace's id, or for an org-wide install the organisation's, so that the people of all
    /// its workspaces share one directory and no two organisations ever share one.
    pub fn key(&self) -> &str {
        match (&self.enterprise_id, self.enterprise_install) {
            (Some(enterprise), true) if !enterprise.is_empty() => enterprise,
            _ => &self.team_id,
        }
    }

    /// The organisation whose org-wide install serves this request, if one does.
    pub fn organisation(&self) -> Option<&str> {
        let key = self.key();
        (key != self.team_id).then_some(key)
    }
}

#[async_trait]
pub trait Workspaces: Send + Sync {
    /// The Slack client for `team_id`, holding that workspace's token and no other.
    async fn slack_for(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed>;
    /// Whether the request's own workspace is served by the install it names: always, but for an
    /// org-wide install, which serves only the workspaces the organisation added it to.
    async fn admits(&self, _origin: &Origin) -> Result<(), NotServed> {
        Ok(())
    }
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
    /// The organisation's name, for an org-wide install's page.
    pub enterprise_name: String,
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
            NotServed::NotInstalled(_)
            | NotServed::Uninstalled(_)
            | NotServed::Stopped { .. }
            | NotServed::OutsideOrganisation { .. } => SlackError::Api(NOT_SERVED.to_owned()),
        }
    }
}

/// The error code a call for a workspace the bot doesn't serve fails with.
pub const NOT_SERVED: &str = "workspace_not_served";

#[cfg(test)]
mod tests {
    use super::Origin;

    fn origin(team: &str, enterprise: Option<&str>, org_install: bool) -> Origin {
        Origin {
            team_id: team.to_owned(),
            enterprise_id: enterprise.map(str::to_owned),
            enterprise_install: org_install,
        }
    }

    #[test]
    fn an_org_wide_install_keys_by_the_organisation() {
        let org = origin("T1", Some("E1"), true);
        assert_eq!(org.key(), "E1");
        assert_eq!(org.organisation(), Some("E1"));
    }

    #[test]
    fn a_workspace_install_keys_by_the_workspace_even_inside_an_organisation() {
        for plain in [
            origin("T1", Some("E1"), false),
            origin("T1", None, false),
            // Slack's flag without an organisation names nothing else to key by.
            origin("T1", None, true),
            origin("T1", Some(""), true),
        ] {
            assert_eq!(plain.key(), "T1", "{plain:?}");
            assert_eq!(plain.organisation(), None, "{plain:?}");
        }
    }

    #[test]
    fn an_organisation_level_event_is_the_organisation_itself() {
        // app_uninstalled for an org install may name the organisation as its team.
        assert_eq!(origin("E1", Some("E1"), true).organisation(), None);
        assert_eq!(origin("E1", Some("E1"), true).key(), "E1");
    }
}
