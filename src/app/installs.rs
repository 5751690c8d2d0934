//! Workspaces coming and going: the "Add to Slack" pages, and the uninstall and token-revocation
//! events that stop a workspace's (or a mentor's) work.

use super::{Core, CoreError};
use crate::presence::token_reminder_prefixes;
use crate::workspaces::{Callback, InstallPage};

const NOT_SET_UP: &str = "This officehours serves one Slack workspace with its own bot token \
     (SLACK_BOT_TOKEN), so there is nothing to install here.";

impl Core {
    /// `GET /slack/install`.
    pub async fn install_page(&self) -> Result<InstallPage, CoreError> {
        match &self.installs {
            Some(installs) => Ok(installs.install_page().await?),
            None => Ok(not_set_up()),
        }
    }

    /// `GET /slack/install/callback`.
    pub async fn install_callback(&self, back: Callback<'_>) -> Result<InstallPage, CoreError> {
        match &self.installs {
            Some(installs) => Ok(installs.install_callback(back).await?),
            None => Ok(not_set_up()),
        }
    }

    /// `app_uninstalled`: nothing more goes out for the workspace, its pending reminders are
    /// cancelled, and its data is deleted once the retention has run out.
    pub async fn app_uninstalled(&self, team_id: &str) -> Result<(), CoreError> {
        self.uninstalled(team_id, "the workspace uninstalled the app")
            .await
    }

    /// `tokens_revoked`: a revoked bot token is an uninstall; a mentor's revoked user token ends
    /// their connection (their status changes are cancelled, the token deleted).
    pub async fn tokens_revoked(
        &self,
        team_id: &str,
        user_ids: &[String],
        bot_ids: &[String],
    ) -> Result<(), CoreError> {
        let now = self.clock.now();
        for user in user_ids {
            let had = self.store.delete_connection(team_id, user).await?;
            for prefix in token_reminder_prefixes(team_id, user) {
                self.store
                    .cancel_pending(&prefix, "the person revoked the token", now)
                    .await?;
            }
            tracing::info!(slack.team_id = %team_id, slack.user_id = %user, had, "a mentor's user token was revoked");
        }
        if !bot_ids.is_empty() {
            self.uninstalled(team_id, "the bot token was revoked")
                .await?;
        }
        Ok(())
    }

    /// `team_access_granted` (`granted`) / `team_access_revoked`: an Org Admin added the org-wide
    /// install to workspaces, or took it away; people there are served, or no longer.
    pub async fn org_access(
        &self,
        enterprise: &str,
        team_ids: &[String],
        granted: bool,
    ) -> Result<(), CoreError> {
        match &self.installs {
            Some(installs) => Ok(installs.org_access(enterprise, team_ids, granted).await?),
            None => {
                tracing::info!(slack.enterprise_id = %enterprise, granted, "an organisation's workspaces changed; with one SLACK_BOT_TOKEN there is no list to keep");
                Ok(())
            }
        }
    }

    async fn uninstalled(&self, team_id: &str, reason: &str) -> Result<(), CoreError> {
        match (&self.installs, &self.single) {
            (Some(installs), _) => {
                installs.uninstalled(team_id, reason).await?;
            }
            // Single-token mode: stopped until the bot runs with a new token.
            (None, Some(single)) => {
                single.stop(team_id, reason).await?;
            }
            (None, None) => {
                tracing::warn!(slack.team_id = %team_id, reason, "SLACK_BOT_TOKEN no longer works here; reinstall the app and set the new token")
            }
        }
        Ok(())
    }
}

fn not_set_up() -> InstallPage {
    InstallPage {
        status: 404,
        html: format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not set up · officehours</title></head><body><h1>Not set up</h1><p>{NOT_SET_UP}</p></body></html>"),
        set_cookie: None,
    }
}
