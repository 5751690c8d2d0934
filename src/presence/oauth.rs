//! Connecting a mentor's Slack account (OAuth v2, user scopes only) with a single-use `state`
//! bound to the person who asked, and the small pages the browser shows.

use chrono::Duration;

use super::{PresenceError, PresenceService, StoredToken};
use crate::commands::Actor;
use crate::views::replies::{simple, with_hint};
use crate::views::{page, Block, Message};

/// How long a "Connect" link works.
const STATE_LIFETIME: Duration = Duration::minutes(10);
const USER_SCOPES: &str = "users.profile:read,users.profile:write";

/// What the browser gets: a redirect, or a small page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthPage {
    pub status: u16,
    pub redirect: Option<String>,
    pub html: String,
}

impl OAuthPage {
    fn page(status: u16, title: &str, text: &str) -> Self {
        Self {
            status,
            redirect: None,
            html: page::paragraph(title, text),
        }
    }
}

impl PresenceService {
    fn callback_url(&self) -> Option<String> {
        self.connect_base()
            .map(|base| format!("{base}/slack/oauth/callback"))
    }

    /// `/officehours connect`: a button to Slack's approval page, good once, for ten minutes.
    pub async fn connect(&self, actor: &Actor) -> Result<Message, PresenceError> {
        if !self.can_connect() {
            return Ok(with_hint(
                "Showing office hours in your Slack status isn't set up on this bot yet.",
                "Whoever runs it needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and PUBLIC_URL (see the README).",
            ));
        }
        // Connected means a token this key opens: one sealed under a lost key is replaced.
        if matches!(
            self.stored_token(&actor.team_id, &actor.user_id).await?,
            StoredToken::Open(_)
        ) {
            return Ok(with_hint(
                "You're already connected: your office hours show in your Slack status.",
                "`/officehours disconnect` stops it.",
            ));
        }
        let state = super::random_token();
        if state.is_empty() {
            return Ok(simple(
                ":warning: I couldn't make a secure link just now. Please try again.",
            ));
        }
        self.store
            .create_oauth_state(
                &state,
                &actor.team_id,
                &actor.user_id,
                self.now() + STATE_LIFETIME,
            )
            .await?;
        let base = self.connect_base().unwrap_or_default();
        let url = format!("{base}/slack/oauth/start?state={state}");
        Ok(Message {
            fallback: "Connect your Slack status".to_owned(),
            blocks: vec![
                Block::Link {
                    text: "Let me show your office hours in your Slack status: at a window's start it says *Office hours until …*, and at its end your own status comes back.".to_owned(),
                    button: "Connect".to_owned(),
                    url,
                },
                Block::context("Slack asks you to approve reading and setting your status, nothing else. The link works once, for ten minutes, and only for you."),
            ],
        })
    }

    /// `GET /slack/oauth/start`: on to Slack's approval page if the link is still good.
    pub async fn oauth_start(&self, state: &str) -> Result<OAuthPage, PresenceError> {
        let (Some(client_id), Some(callback)) = (&self.settings.client_id, self.callback_url())
        else {
            return Ok(OAuthPage::page(
                404,
                "Not set up",
                "Connecting a Slack status isn't set up on this bot.",
            ));
        };
        if state.is_empty() || !self.store.oauth_state_valid(state, self.now()).await? {
            return Ok(expired());
        }
        let mut url =
            url::Url::parse(&self.settings.authorize_url).map_err(|_| PresenceError::Config)?;
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("user_scope", USER_SCOPES)
            .append_pair("redirect_uri", &callback)
            .append_pair("state", state);
        Ok(OAuthPage {
            status: 302,
            redirect: Some(url.to_string()),
            html: String::new(),
        })
    }

    /// `GET /slack/oauth/callback`: checks and uses up the state, exchanges the code, stores the
    /// token sealed. Anything wrong stores nothing.
    pub async fn oauth_callback(
        &self,
        code: Option<&str>,
        state: Option<&str>,
        error: Option<&str>,
    ) -> Result<OAuthPage, PresenceError> {
        let now = self.now();
        let Some((team_id, user_id)) = (match state {
            Some(state) if !state.is_empty() => self.store.consume_oauth_state(state, now).await?,
            _ => None,
        }) else {
            return Ok(expired());
        };
        if error.is_some() {
            return Ok(OAuthPage::page(200, "Not connected", "You didn't approve, so nothing changed. You can connect later with /officehours connect."));
        }
        let (Some(code), Some(client_id), Some(secret), Some(callback), Some(cipher)) = (
            code,
            &self.settings.client_id,
            &self.settings.client_secret,
            self.callback_url(),
            &self.cipher,
        ) else {
            return Ok(OAuthPage::page(
                400,
                "Something is missing",
                "Slack's answer was incomplete. Please run /officehours connect again.",
            ));
        };
        let slack = match self.slack(&team_id).await {
            Ok(slack) => slack,
            Err(err) => {
                tracing::warn!(error = %err, "a connect callback for a workspace the bot doesn't serve");
                return Ok(OAuthPage::page(403, "Not installed", "officehours isn't installed in this Slack workspace any more, so nothing was stored."));
            }
        };
        let grant = match slack.oauth_access(client_id, secret, code, &callback).await {
            Ok(grant) => grant,
            Err(err) => {
                tracing::warn!(error = %err, "oauth.v2.access failed");
                return Ok(OAuthPage::page(
                    502,
                    "Slack didn't confirm",
                    "Slack didn't confirm the connection. Please run /officehours connect again.",
                ));
            }
        };
        // Under an org-wide install the state's team is the organisation's key.
        let same_team = grant.team_id.is_empty()
            || grant.team_id == team_id
            || grant.enterprise_id.as_deref() == Some(team_id.as_str());
        if grant.user_id != user_id || !same_team {
            // Someone approved with another account than the one that asked: keep nothing.
            if let Err(err) = slack.revoke(&grant.access_token).await {
                tracing::warn!(error = %err, "could not revoke a token from a mismatched approval");
            }
            return Ok(OAuthPage::page(
                403,
                "Different account",
                "This link was made for another Slack account than the one that approved it, so nothing was stored. Run /officehours connect from your own account.",
            ));
        }
        self.save_grant(&team_id, &user_id, &grant, cipher, now)
            .await?;
        self.plan(&team_id, &user_id).await?;
        tracing::info!(slack.team_id = %team_id, slack.user_id = %user_id, "connected a Slack status");
        Ok(OAuthPage::page(
            200,
            "Connected",
            "Done: your office hours will show in your Slack status. You can close this tab. /officehours disconnect stops it at any time.",
        ))
    }

    /// Stores the approved token sealed, and with token rotation on what renews it beside it.
    async fn save_grant(
        &self,
        team_id: &str,
        user_id: &str,
        grant: &crate::ports::slack::UserGrant,
        cipher: &crate::crypto::TokenCipher,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), PresenceError> {
        let sealed = cipher.encrypt(grant.access_token.expose(), &Self::aad(team_id, user_id));
        // With token rotation on, the token expires: what renews it is kept sealed beside it.
        let rotation = grant.rotation.as_ref().map(|granted| {
            let owner = crate::crypto::refresh_owner(team_id, user_id);
            (
                cipher.encrypt(granted.refresh_token.expose(), &owner),
                now + Duration::seconds(granted.expires_in_secs.max(0)),
            )
        });
        let rotation = rotation
            .as_ref()
            .map(|(refresh, at)| (refresh.as_str(), *at));
        self.store
            .save_rotating_connection(team_id, user_id, &sealed, &grant.scope, rotation, now)
            .await?;
        Ok(())
    }
}

fn expired() -> OAuthPage {
    OAuthPage::page(
        400,
        "This link doesn't work any more",
        "Connect links work once, for ten minutes, for the person who asked. Run /officehours connect in Slack for a new one.",
    )
}
