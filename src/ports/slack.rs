//! The outbound Slack port: what the core asks of Slack, in plain data. `slack::api` implements it
//! for the real Web API, `shell` for the terminal; the scheduler, presence and the front door use it
//! without knowing which.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

pub use crate::domain::slack_status::SlackStatus;
use crate::secret::Secret;
use crate::views::{Message, Modal};

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    #[error("Slack answered ok:false with `{0}`")]
    Api(String),
    #[error("Slack rate-limited the call (retry after {0:?})")]
    RateLimited(Option<Duration>),
    #[error("Slack could not be reached or answered badly: {0}")]
    Transport(String),
}

impl SlackError {
    /// Worth another try soon: Slack or the network had a bad moment.
    pub fn is_transient(&self) -> bool {
        matches!(self, SlackError::Transport(_) | SlackError::RateLimited(_))
            || matches!(self, SlackError::Api(code) if code == "internal_error" || code == "fatal_error" || code == "service_unavailable")
    }

    /// Slack says the token has expired (token rotation): a refreshed one may work.
    pub fn is_token_expired(&self) -> bool {
        matches!(self, SlackError::Api(code) if code == "token_expired")
    }

    /// The token no longer works (revoked, expired, the account gone): asking again won't help.
    pub fn is_token_gone(&self) -> bool {
        matches!(self, SlackError::Api(code) if matches!(code.as_str(), "invalid_auth" | "token_revoked" | "account_inactive" | "token_expired" | "not_authed"))
    }
}

/// What Slack's profile says about a person.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub tz: Option<String>,
    pub display_name: Option<String>,
}

/// Where a message landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

/// The metadata event type that marks the bot's reminders in Slack, so a resend can be avoided.
pub const REMINDER_EVENT_TYPE: &str = "officehours_reminder";

#[async_trait]
pub trait SlackApi: Send + Sync {
    async fn profile(&self, user_id: &str) -> Result<Profile, SlackError>;
    /// `auth.test`: who the token belongs to.
    async fn auth_test(&self) -> Result<BotIdentity, SlackError>;
    async fn publish_home(&self, user_id: &str, view: &Message) -> Result<(), SlackError>;
    /// Posts to an interaction's `response_url` (ephemeral unless the original was not).
    async fn respond(
        &self,
        response_url: &str,
        message: &Message,
        replace_original: bool,
    ) -> Result<(), SlackError>;
    /// `chat.postMessage`, tagged with the reminder key as message metadata. Never retried here:
    /// a timeout may still have been delivered, and only the caller knows how to check.
    async fn post_message(
        &self,
        channel: &str,
        message: &Message,
        reminder_key: Option<&str>,
    ) -> Result<Posted, SlackError>;
    /// `conversations.open`: the DM (one user) or group DM (several) with the bot.
    async fn open_conversation(&self, users: &[String]) -> Result<String, SlackError>;
    /// Looks through the conversation's recent history for a message tagged with `reminder_key`.
    async fn find_reminder(
        &self,
        channel: &str,
        reminder_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, SlackError>;
    /// `views.open` on a trigger (valid for three seconds, once).
    async fn open_modal(&self, trigger_id: &str, modal: &Modal) -> Result<(), SlackError>;
    /// Shares a file in a conversation (Slack's external upload: get a URL, upload, complete).
    async fn upload_file(&self, channel: &str, file: &Attachment) -> Result<(), SlackError>;
    /// `chat.postEphemeral`: a message only `user` sees, in `channel`.
    async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        message: &Message,
    ) -> Result<(), SlackError>;
    /// `oauth.v2.access` for a user-scope-only install: the user's token and who they are.
    async fn oauth_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<UserGrant, SlackError>;
    /// `users.profile.get` with a person's own token: their current status.
    async fn current_status(&self, user_token: &Secret) -> Result<SlackStatus, SlackError>;
    /// `users.profile.set` with a person's own token; an empty text and emoji clear it.
    async fn set_status(&self, user_token: &Secret, status: &SlackStatus)
        -> Result<(), SlackError>;
    /// `auth.revoke`: the token stops working.
    async fn revoke(&self, user_token: &Secret) -> Result<(), SlackError>;
    /// `auth.teams.list` with an org-wide install's token: the ids of the workspaces the
    /// organisation added the app to (all pages).
    async fn org_workspaces(&self) -> Result<Vec<String>, SlackError>;
    /// `oauth.v2.access` with `grant_type=refresh_token` (token rotation): a new token and a new
    /// refresh token for a bot or user token. Slack revokes `refresh_token` as it answers.
    async fn refresh_token(
        &self,
        client_id: &str,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<Refreshed, SlackError>;
}

/// A token that rotates (the app's `token_rotation_enabled`): what renews it, and for how long
/// it works (Slack says 12 hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub refresh_token: Secret,
    pub expires_in_secs: i64,
}

/// What a refresh gave: the new token, and what renews it next time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub access_token: Secret,
    pub rotation: Rotation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    /// "team (T…) / @user", for people.
    pub description: String,
    pub user_id: String,
}

/// What a user's OAuth approval gave us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    pub team_id: String,
    /// Set when the person's workspace belongs to an Enterprise Grid organisation.
    pub enterprise_id: Option<String>,
    pub user_id: String,
    pub access_token: Secret,
    pub scope: String,
    /// With token rotation on: the refresh token and the token's lifetime.
    pub rotation: Option<Rotation>,
}

/// A file for a person (their data export), shared in their DM by the Slack adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub title: String,
    pub content: Vec<u8>,
}
