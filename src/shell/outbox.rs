//! A stand-in for Slack's Web API in the terminal: DMs the scheduler sends and hints only the
//! sender sees are collected and printed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Mutex;

use crate::ports::slack::{
    Attachment, BotIdentity, Posted, Profile, Refreshed, SlackApi, SlackError, SlackStatus,
    UserGrant,
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
    /// The reminder it delivers (`None` for a hint), which orders what one tick sent.
    pub(super) key: Option<String>,
}

#[derive(Default)]
pub(super) struct Outbox {
    sent: Mutex<Vec<Sent>>,
}

impl Outbox {
    /// What was sent since the last call: hints in the order they were given, then reminders in
    /// the order of their keys. The scheduler delivers one instant's reminders concurrently, so
    /// the order they reached the outbox in says nothing; the printout must read the same every
    /// run. (`:advance` stops the clock at each instant something is due, so a call mostly holds
    /// one instant's reminders; after a `:now` jump it may hold several instants' reminders,
    /// which then come out by key, not by due time, still in one fixed order.)
    pub(super) fn take(&self) -> Vec<Sent> {
        let mut sent = std::mem::take(
            &mut *self
                .sent
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        // Stable: hints (no key) keep their order, ahead of the reminders.
        sent.sort_by(|a, b| a.key.cmp(&b.key));
        sent
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
        key: Option<&str>,
    ) -> Result<Posted, SlackError> {
        let mut sent = self
            .sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        sent.push(Sent {
            channel: channel.to_owned(),
            only_for: None,
            message: message.clone(),
            key: key.map(str::to_owned),
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
                key: None,
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

    /// No token in the terminal rotates.
    async fn refresh_token(
        &self,
        _id: &str,
        _secret: &Secret,
        _refresh: &Secret,
    ) -> Result<Refreshed, SlackError> {
        Err(SlackError::Api("not_available_in_the_shell".to_owned()))
    }

    async fn open_modal(&self, _trigger_id: &str, _modal: &Modal) -> Result<(), SlackError> {
        Ok(())
    }

    /// The terminal is one workspace, in no organisation.
    async fn org_workspaces(&self) -> Result<Vec<String>, SlackError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_one_tick_sent_comes_out_hints_first_then_by_key() {
        let outbox = Outbox::default();
        let message = Message::new("x");
        for key in ["1on1:2:100:you", "1on1:1:100:you", "1on1:1:100:bob"] {
            outbox
                .post_message("you", &message, Some(key))
                .await
                .expect("posted");
        }
        outbox
            .post_ephemeral("general", "bob", &message)
            .await
            .expect("posted");
        let keys: Vec<Option<String>> = outbox.take().into_iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            [
                None,
                Some("1on1:1:100:bob".to_owned()),
                Some("1on1:1:100:you".to_owned()),
                Some("1on1:2:100:you".to_owned()),
            ]
        );
        assert!(outbox.take().is_empty());
    }
}
