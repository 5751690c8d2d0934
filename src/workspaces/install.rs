//! "Add to Slack": a page with Slack's button, a `state` of our own (single use, ten minutes,
//! bound to the browser that asked by a cookie), and the callback that exchanges the code with
//! `oauth.v2.access` and stores the workspace. Each outcome is a page that says it in words.

use chrono::Duration;

use super::{token_owner, Installs};
use crate::ports::workspaces::{BotGrant, Workspaces};
use crate::store::installs::{Installed, Workspace};
use crate::store::StoreError;
use crate::views::page;

/// How long an "Add to Slack" page's button works.
const STATE_LIFETIME: Duration = Duration::minutes(10);
/// The bot scopes of `manifest.yml` (a test keeps the two equal).
pub const BOT_SCOPES: &str = "commands,users:read,chat:write,im:write,mpim:write,im:history,\
mpim:history,files:write,app_mentions:read,channels:history,groups:history";
/// The cookie that ties a `state` to the browser that was given it.
pub const INSTALL_COOKIE: &str = "officehours_install";

/// What the browser gets: a page, with the cookie to set (the start page only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallPage {
    pub status: u16,
    pub html: String,
    pub set_cookie: Option<String>,
}

impl InstallPage {
    fn say(status: u16, title: &str, text: &str) -> Self {
        Self {
            status,
            html: page::paragraph(title, text),
            set_cookie: None,
        }
    }
}

/// What came back to the callback, as the browser sent it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The state this browser was given, from its cookie.
    pub cookie_state: Option<&'a str>,
}

impl Installs {
    fn callback_url(&self) -> String {
        format!(
            "{}/slack/install/callback",
            self.settings.public_url.trim_end_matches('/')
        )
    }

    /// `GET /slack/install`: Slack's "Add to Slack" button, good once, for ten minutes, in this browser.
    pub async fn install_page(&self) -> Result<InstallPage, StoreError> {
        let state = crate::presence::random_token();
        if state.is_empty() {
            return Ok(InstallPage::say(
                503,
                "Try again",
                "I couldn't make a secure link just now. Please reload this page.",
            ));
        }
        self.store
            .create_install_state(&state, self.clock.now() + STATE_LIFETIME)
            .await?;
        let Ok(mut url) = url::Url::parse(&self.settings.authorize_url) else {
            return Ok(InstallPage::say(
                500,
                "Not set up",
                "Slack's authorize address is not a URL.",
            ));
        };
        url.query_pairs_mut()
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("scope", BOT_SCOPES)
            .append_pair("redirect_uri", &self.callback_url())
            .append_pair("state", &state);
        let body = format!(
            "<p>officehours shows who is open for questions, in everyone's own time zone, and keeps 1:1s and mentoring on track.</p>\
             <p><a href=\"{}\"><img alt=\"Add to Slack\" height=\"40\" width=\"139\" src=\"https://platform.slack-edge.com/img/add_to_slack.png\" \
             srcset=\"https://platform.slack-edge.com/img/add_to_slack.png 1x, https://platform.slack-edge.com/img/add_to_slack@2x.png 2x\"></a></p>\
             <p>The button works once, for ten minutes, in this browser.</p>",
            page::escape(url.as_str())
        );
        Ok(InstallPage {
            status: 200,
            html: page::html("Add officehours to Slack", &body),
            set_cookie: Some(format!(
                "{INSTALL_COOKIE}={state}; Path=/slack/install; Max-Age={}; HttpOnly; Secure; SameSite=Lax",
                STATE_LIFETIME.num_seconds()
            )),
        })
    }

    /// `GET /slack/install/callback`: checks the state against this browser's cookie, uses it up,
    /// exchanges the code and stores the workspace. Anything wrong stores nothing.
    pub async fn install_callback(&self, back: Callback<'_>) -> Result<InstallPage, StoreError> {
        let Some(state) = back.state.filter(|s| !s.is_empty()) else {
            return Ok(expired());
        };
        if back.cookie_state != Some(state) {
            // Someone else's link (or a forged one): not ours to use up, and nothing is stored.
            tracing::warn!("an install callback whose state was not given to this browser");
            return Ok(InstallPage::say(400, "This link isn't yours", "This install was started in another browser. Start again from the \"Add to Slack\" page, in this browser."));
        }
        if !self
            .store
            .consume_install_state(state, self.clock.now())
            .await?
        {
            return Ok(expired());
        }
        if let Some(error) = back.error {
            tracing::info!(error, "an install was not approved");
            return Ok(match error {
                "access_denied" => InstallPage::say(200, "Not installed", "The install was cancelled in Slack, so nothing changed. You can start again from the \"Add to Slack\" page at any time."),
                _ => InstallPage::say(400, "Not installed", &format!("Slack stopped the install ({error}), so nothing changed. Please start again from the \"Add to Slack\" page.")),
            });
        }
        let Some(code) = back.code.filter(|c| !c.is_empty()) else {
            return Ok(InstallPage::say(400, "Something is missing", "Slack's answer had no code, so nothing was installed. Please start again from the \"Add to Slack\" page."));
        };
        let settings = &self.settings;
        let exchanged = self
            .connector
            .install_access(
                &settings.client_id,
                &settings.client_secret,
                code,
                &self.callback_url(),
            )
            .await;
        let grant = match exchanged {
            Ok(grant) => grant,
            Err(err) => {
                tracing::warn!(error = %err, "oauth.v2.access refused an install");
                return Ok(InstallPage::say(502, "Slack didn't confirm", "Slack didn't confirm the install, so nothing was stored. Please start again from the \"Add to Slack\" page."));
            }
        };
        self.keep(grant).await
    }

    /// Stores what an approved install gave, sealed. An org-wide (Enterprise Grid) install is
    /// kept under the organisation's id, the key all its people's rows carry.
    async fn keep(&self, grant: BotGrant) -> Result<InstallPage, StoreError> {
        let org = grant.is_enterprise_install;
        let team = match (org, &grant.enterprise_id) {
            (true, Some(enterprise)) if !enterprise.is_empty() => enterprise.clone(),
            (false, _) if !grant.team_id.is_empty() => grant.team_id.clone(),
            _ => {
                // Slack's answer names nothing to keep it under: keep nothing, leave no token.
                tracing::warn!(
                    org,
                    "an install answer with neither a workspace nor an organisation"
                );
                self.revoke_refused(&grant).await;
                return Ok(InstallPage::say(502, "Slack didn't confirm", "Slack's answer didn't say which workspace or organisation installed officehours, so nothing was stored. Please start again from the \"Add to Slack\" page."));
            }
        };
        let rotation = match (&grant.rotation, &self.rotation) {
            (Some(granted), Some(rotation)) => {
                Some(rotation.seal(&team, crate::store::installs::BOT, granted))
            }
            _ => None,
        };
        let (refresh_sealed, token_expires_at) = rotation.unzip();
        let workspace = Workspace {
            team_id: team.clone(),
            team_name: if org {
                grant.enterprise_name.clone()
            } else {
                grant.team_name.clone()
            },
            enterprise_id: grant.enterprise_id.clone(),
            bot_user_id: grant.bot_user_id.clone(),
            scopes: grant.scope.clone(),
            token_sealed: self
                .cipher
                .encrypt(grant.access_token.expose(), &token_owner(&team)),
            installed_at: self.clock.now(),
            uninstalled_at: None,
            refresh_sealed,
            token_expires_at,
        };
        let installed = self.store.save_install(&workspace).await?;
        self.forget(&team);
        tracing::info!(slack.team_id = %team, org, outcome = ?installed, "installed");
        if org {
            // Its workspaces so far (none on a first install; all of them on a reinstall).
            self.learn_org_workspaces(&team).await;
            return Ok(org_installed_page(installed, &workspace.team_name));
        }
        Ok(installed_page(installed, &grant.team_name))
    }

    async fn revoke_refused(&self, grant: &BotGrant) {
        if let Ok(client) = self.connector.connect(&grant.access_token) {
            if let Err(err) = client.revoke(&grant.access_token).await {
                tracing::warn!(error = %err, "could not revoke the token of a refused install");
            }
        }
    }

    /// `app_uninstalled`, or the bot token revoked: the workspace's pending work is cancelled with
    /// `reason` and nothing more goes out for it. False if it was not installed.
    pub async fn uninstalled(&self, team_id: &str, reason: &str) -> Result<bool, StoreError> {
        let marked = self
            .store
            .mark_uninstalled(team_id, reason, self.clock.now())
            .await?;
        self.forget(team_id);
        if marked {
            tracing::info!(slack.team_id = %team_id, reason, "uninstalled: the workspace's work is stopped");
        } else {
            tracing::info!(slack.team_id = %team_id, reason, "an uninstall for a workspace that was not installed");
        }
        Ok(marked)
    }
}

fn installed_page(installed: Installed, team_name: &str) -> InstallPage {
    let name = if team_name.is_empty() {
        "your workspace"
    } else {
        team_name
    };
    match installed {
        Installed::New => InstallPage::say(200, "Installed", &format!("Done: officehours is installed in {name}. Type /officehours in Slack to start. You can close this tab.")),
        Installed::Replaced => InstallPage::say(200, "Already installed", &format!("officehours was already installed in {name}; its token has been replaced. Everything else is as it was.")),
        Installed::Returned => InstallPage::say(200, "Installed again", &format!("Welcome back: officehours is installed in {name} again, with everything it had before it was removed.")),
    }
}

fn org_installed_page(installed: Installed, org_name: &str) -> InstallPage {
    let name = if org_name.is_empty() {
        "your organisation"
    } else {
        org_name
    };
    let next = "An Org Admin now adds it to the workspaces that should have it (in the organisation's app settings); people there can then type /officehours, and see each other's office hours across those workspaces.";
    match installed {
        Installed::New => InstallPage::say(200, "Installed for the organisation", &format!("Done: officehours is installed for {name}. {next} You can close this tab.")),
        Installed::Replaced => InstallPage::say(200, "Already installed", &format!("officehours was already installed for {name}; its token has been replaced. Everything else is as it was.")),
        Installed::Returned => InstallPage::say(200, "Installed again", &format!("Welcome back: officehours is installed for {name} again, with everything it had before it was removed. {next}")),
    }
}

fn expired() -> InstallPage {
    InstallPage::say(
        400,
        "This link doesn't work any more",
        "An \"Add to Slack\" button works once, for ten minutes. Open the \"Add to Slack\" page again for a new one.",
    )
}
