//! A workspace's Slack client whose bot token rotates: a call that meets `token_expired` renews
//! the token (once across replicas) and is made once more with the new one. Slack answers
//! `token_expired` before doing anything, so even a message is safe to send again.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;

use super::rotation::{Renewal, Rotation};
use crate::ports::slack::{
    Attachment, BotIdentity, Posted, Profile, Refreshed, SlackApi, SlackError, SlackStatus,
    UserGrant,
};
use crate::ports::workspaces::SlackConnector;
use crate::secret::Secret;
use crate::store::installs::BOT;
use crate::views::{Message, Modal};

pub struct Renewing {
    pub team_id: String,
    /// The bot token `client` calls with.
    pub token: Secret,
    pub client: Arc<dyn SlackApi>,
    pub rotation: Arc<Rotation>,
    pub connector: Arc<dyn SlackConnector>,
}

impl Renewing {
    /// Makes `call`; if the token had expired, renews it and makes `call` once more.
    async fn again<T, F, Fut>(&self, method: &'static str, call: F) -> Result<T, SlackError>
    where
        F: Fn(Arc<dyn SlackApi>) -> Fut,
        Fut: Future<Output = Result<T, SlackError>>,
    {
        let first = call(self.client.clone()).await;
        let Err(err) = &first else { return first };
        if !err.is_token_expired() {
            return first;
        }
        let renewal = self.rotation.renew(&self.team_id, BOT, &self.token).await;
        let Renewal::Renewed(token) = renewal else {
            tracing::warn!(slack.team_id = %self.team_id, slack.method = method, ?renewal, "the bot token expired and was not renewed");
            return first;
        };
        tracing::info!(slack.team_id = %self.team_id, slack.method = method, "the bot token had expired: renewed, calling again");
        call(self.connector.connect(&token)?).await
    }
}

#[async_trait]
impl SlackApi for Renewing {
    async fn profile(&self, user_id: &str) -> Result<Profile, SlackError> {
        self.again("users.info", |s| async move { s.profile(user_id).await })
            .await
    }

    async fn auth_test(&self) -> Result<BotIdentity, SlackError> {
        self.again("auth.test", |s| async move { s.auth_test().await })
            .await
    }

    async fn publish_home(&self, user_id: &str, view: &Message) -> Result<(), SlackError> {
        self.again("views.publish", |s| async move {
            s.publish_home(user_id, view).await
        })
        .await
    }

    /// A response_url takes no token.
    async fn respond(
        &self,
        response_url: &str,
        message: &Message,
        replace_original: bool,
    ) -> Result<(), SlackError> {
        self.client
            .respond(response_url, message, replace_original)
            .await
    }

    async fn post_message(
        &self,
        channel: &str,
        message: &Message,
        reminder_key: Option<&str>,
    ) -> Result<Posted, SlackError> {
        self.again("chat.postMessage", |s| async move {
            s.post_message(channel, message, reminder_key).await
        })
        .await
    }

    async fn open_conversation(&self, users: &[String]) -> Result<String, SlackError> {
        self.again("conversations.open", |s| async move {
            s.open_conversation(users).await
        })
        .await
    }

    async fn find_reminder(
        &self,
        channel: &str,
        reminder_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, SlackError> {
        self.again("conversations.history", |s| async move {
            s.find_reminder(channel, reminder_key, since).await
        })
        .await
    }

    async fn open_modal(&self, trigger_id: &str, modal: &Modal) -> Result<(), SlackError> {
        self.again("views.open", |s| async move {
            s.open_modal(trigger_id, modal).await
        })
        .await
    }

    async fn upload_file(&self, channel: &str, file: &Attachment) -> Result<(), SlackError> {
        self.again("files.upload", |s| async move {
            s.upload_file(channel, file).await
        })
        .await
    }

    async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        message: &Message,
    ) -> Result<(), SlackError> {
        self.again("chat.postEphemeral", |s| async move {
            s.post_ephemeral(channel, user, message).await
        })
        .await
    }

    async fn oauth_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<UserGrant, SlackError> {
        self.client
            .oauth_access(client_id, client_secret, code, redirect_uri)
            .await
    }

    /// A person's own token: renewed by presence and the scheduler, not here.
    async fn current_status(&self, user_token: &Secret) -> Result<SlackStatus, SlackError> {
        self.client.current_status(user_token).await
    }

    async fn set_status(
        &self,
        user_token: &Secret,
        status: &SlackStatus,
    ) -> Result<(), SlackError> {
        self.client.set_status(user_token, status).await
    }

    async fn revoke(&self, user_token: &Secret) -> Result<(), SlackError> {
        self.client.revoke(user_token).await
    }

    async fn refresh_token(
        &self,
        client_id: &str,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<Refreshed, SlackError> {
        self.client
            .refresh_token(client_id, client_secret, refresh_token)
            .await
    }

    async fn org_workspaces(&self) -> Result<Vec<String>, SlackError> {
        self.again(
            "auth.teams.list",
            |s| async move { s.org_workspaces().await },
        )
        .await
    }
}
