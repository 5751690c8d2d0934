//! A stand-in for Slack's Web API in the terminal: DMs the scheduler sends and hints only the
//! sender sees are collected and printed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Mutex;

use crate::ports::slack::{
    Attachment, BotIdentity, Posted, Profile, SlackApi, SlackError, SlackStatus, UserGrant,
};
use crate::secret::Secret;
use crate::views::{Message, Modal};

/// One message the bot sent.
#[derive(Debug, Clone)]
pub(super) struct Sent {
    /// A DM's "channel" lists its members (see `open_conversation`); else a channel's name.
    pub(super) channel: String,
    /// Shown only to this person, in `channel` (a mention hint).
    pub(super) only_for: Option<String>,
    pub(super) message: Message,
}

#[derive(Default)]
pub(super) struct Outbox {
    sent: Mutex<Vec<Sent>>,
}

impl Outbox {
    /// What was sent since the last call, in order.
    pub(super) fn take(&self) -> Vec<Sent> {
        std::mem::take(
            &mut *self
                .sent
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

#[async_trait]
impl SlackApi for Outbox {
    async fn profile(&self, _user_id: &str) -> Result<Profile, SlackError> {
        // The shell sets zones with `:tz`; there is no profile to read.
        Ok(Profile::default())
    }

    async fn auth_test(&self) -> Result<BotIdentity, SlackError> {
        Ok(BotIdentity {
            description: "the terminal".to_owned(),
            user_id: "officehours".to_owned(),
        })
    }

    async fn publish_home(&self, _user_id: &str, _view: &Message) -> Result<(), SlackError> {
        Ok(())
    }

    async fn respond(
        &self,
        _url: &str,
        _message: &Message,
        _replace: bool,
    ) -> Result<(), SlackError> {
        Ok(())
    }

    async fn post_message(
        &self,
        channel: &str,
        message: &Message,
        _key: Option<&str>,
    ) -> Result<Posted, SlackError> {
        let mut sent = self
            .sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        sent.push(Sent {
            channel: channel.to_owned(),
            only_for: None,
            message: message.clone(),
        });
        Ok(Posted {
            channel: channel.to_owned(),
            ts: format!("{}.000000", sent.len()),
        })
    }

    /// A group DM's "channel" simply lists its members, so the printout can name them.
    async fn open_conversation(&self, users: &[String]) -> Result<String, SlackError> {
        Ok(users.join(","))
    }

    async fn find_reminder(
        &self,
        _channel: &str,
        _key: &str,
        _since: DateTime<Utc>,
    ) -> Result<Option<String>, SlackError> {
        Ok(None)
    }

    async fn upload_file(&self, _channel: &str, _file: &Attachment) -> Result<(), SlackError> {
        // The shell prints an export itself.
        Ok(())
    }

    async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        message: &Message,
    ) -> Result<(), SlackError> {
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(Sent {
                channel: channel.to_owned(),
                only_for: Some(user.to_owned()),
                message: message.clone(),
            });
        Ok(())
    }

    /// There is no Slack account to connect in the terminal.
    async fn oauth_access(
        &self,
        _id: &str,
        _secret: &Secret,
        _code: &str,
        _uri: &str,
    ) -> Result<UserGrant, SlackError> {
        Err(SlackError::Api("not_available_in_the_shell".to_owned()))
    }

    async fn current_status(&self, _token: &Secret) -> Result<SlackStatus, SlackError> {
        Ok(SlackStatus::default())
    }

    async fn set_status(&self, _token: &Secret, _status: &SlackStatus) -> Result<(), SlackError> {
        Ok(())
    }

    async fn revoke(&self, _token: &Secret) -> Result<(), SlackError> {
        Ok(())
    }

    async fn open_modal(&self, _trigger_id: &str, _modal: &Modal) -> Result<(), SlackError> {
        Ok(())
    }
}
