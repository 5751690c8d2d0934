//! A stand-in for Slack's Web API in the terminal: DMs the scheduler sends and hints only the
//! sender sees are collected and printed; each person's Slack status is kept as Slack keeps it
//! (cleared at its expiry), and the approval page grants a pretend token.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::clock::Clock;
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

/// A Slack status the bot set (the person's own, set with `:status`, is not told again).
#[derive(Debug, Clone)]
pub(super) struct StatusShown {
    pub(super) user: String,
    pub(super) status: SlackStatus,
}

/// What the shell's approval page hands the bot: it says who approved.
const CODE_PREFIX: &str = "shell-approval:";
/// A pretend token names its person, so a status set with it lands on them.
const TOKEN_PREFIX: &str = "xoxp-shell-";

/// The code Slack's approval page would pass back, once `user` approved.
pub(super) fn approval_code(user: &str) -> String {
    format!("{CODE_PREFIX}{user}")
}

pub(super) struct Outbox {
    clock: Arc<dyn Clock>,
    sent: Mutex<Vec<Sent>>,
    statuses: Mutex<BTreeMap<String, SlackStatus>>,
    changes: Mutex<Vec<StatusShown>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Outbox {
    pub(super) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            sent: Mutex::default(),
            statuses: Mutex::default(),
            changes: Mutex::default(),
        }
    }

    /// Someone's Slack status now: as Slack does, one past its expiry reads as none.
    pub(super) fn status_of(&self, user: &str) -> SlackStatus {
        let now = self.clock.now().timestamp();
        match locked(&self.statuses).get(user) {
            Some(status) if status.expiration == 0 || status.expiration > now => status.clone(),
            _ => SlackStatus::default(),
        }
    }

    /// The bot sets `user`'s Slack status with their token.
    fn show_status(&self, user: &str, status: SlackStatus) {
        locked(&self.statuses).insert(user.to_owned(), status.clone());
        locked(&self.changes).push(StatusShown {
            user: user.to_owned(),
            status,
        });
    }

    /// The person sets their own status (`:status`): not told again as a change the bot made.
    pub(super) fn set_by_person(&self, user: &str, status: SlackStatus) {
        locked(&self.statuses).insert(user.to_owned(), status);
    }

    /// Status changes since the last call, by person (one tick changes them concurrently).
    pub(super) fn take_statuses(&self) -> Vec<StatusShown> {
        let mut changes = std::mem::take(&mut *locked(&self.changes));
        changes.sort_by(|a, b| a.user.cmp(&b.user));
        changes
    }

    /// What was sent since the last call: hints in the order they were given, then reminders in
    /// the order of their keys. The scheduler delivers one instant's reminders concurrently, so
    /// the order they reached the outbox in says nothing; the printout must read the same every
    /// run. (`:advance` stops the clock at each instant something is due, so a call mostly holds
    /// one instant's reminders; after a `:now` jump it may hold several instants' reminders,
    /// which then come out by key, not by due time, still in one fixed order.)
    pub(super) fn take(&self) -> Vec<Sent> {
        let mut sent = std::mem::take(&mut *locked(&self.sent));
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
        let mut sent = locked(&self.sent);
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
        locked(&self.sent).push(Sent {
            channel: channel.to_owned(),
            only_for: Some(user.to_owned()),
            message: message.clone(),
            key: None,
        });
        Ok(())
    }

    /// The approval page's code names who approved; their pretend token names them in turn.
    async fn oauth_access(
        &self,
        _id: &str,
        _secret: &Secret,
        code: &str,
        _uri: &str,
    ) -> Result<UserGrant, SlackError> {
        let Some(user) = code.strip_prefix(CODE_PREFIX).filter(|u| !u.is_empty()) else {
            return Err(SlackError::Api("invalid_code".to_owned()));
        };
        Ok(UserGrant {
            team_id: String::new(),
            enterprise_id: None,
            user_id: user.to_owned(),
            access_token: Secret::new(format!("{TOKEN_PREFIX}{user}")),
            scope: "users.profile:read,users.profile:write".to_owned(),
            rotation: None,
        })
    }

    async fn current_status(&self, token: &Secret) -> Result<SlackStatus, SlackError> {
        Ok(self.status_of(token_owner(token)?))
    }

    async fn set_status(&self, token: &Secret, status: &SlackStatus) -> Result<(), SlackError> {
        self.show_status(token_owner(token)?, status.clone());
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

/// Whose pretend token this is; any other token is refused as Slack refuses a bad one.
fn token_owner(token: &Secret) -> Result<&str, SlackError> {
    token
        .expose()
        .strip_prefix(TOKEN_PREFIX)
        .filter(|user| !user.is_empty())
        .ok_or_else(|| SlackError::Api("invalid_auth".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn status(text: &str, expiration: i64) -> SlackStatus {
        SlackStatus {
            text: text.to_owned(),
            emoji: ":door:".to_owned(),
            expiration,
        }
    }

    #[tokio::test]
    async fn a_status_reads_back_until_it_expires_and_only_for_its_owner() {
        let clock = Arc::new(ManualClock::new(DateTime::UNIX_EPOCH));
        let outbox = Outbox::new(clock.clone());
        let grant = outbox
            .oauth_access("id", &Secret::new("s"), &approval_code("ana"), "uri")
            .await
            .expect("approved");
        assert_eq!(grant.user_id, "ana");
        outbox
            .set_status(&grant.access_token, &status("Office hours", 60))
            .await
            .expect("set");
        assert_eq!(outbox.status_of("ana").text, "Office hours");
        assert!(outbox.status_of("bob").is_empty());
        clock.advance(chrono::Duration::seconds(60));
        assert!(outbox.status_of("ana").is_empty(), "cleared at its expiry");
        let changes = outbox.take_statuses();
        assert_eq!(changes.len(), 1);
        assert!(outbox
            .set_status(&Secret::new("xoxp-real"), &status("x", 0))
            .await
            .is_err());
        assert!(outbox
            .oauth_access("id", &Secret::new("s"), "made-up", "uri")
            .await
            .is_err());
    }

    #[tokio::test]
    async fn what_one_tick_sent_comes_out_hints_first_then_by_key() {
        let outbox = Outbox::new(Arc::new(ManualClock::new(DateTime::UNIX_EPOCH)));
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
