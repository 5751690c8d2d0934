//! Presence: a mentor's office hours where people already look. Their Slack status (set at a
//! window's start, restored at its end, never clobbering their own), away, and the OAuth
//! connection that allows it.

pub mod mentions;
mod oauth;
mod status;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::sync::Arc;

use crate::clock::Clock;
use crate::commands::Actor;
use crate::crypto::TokenCipher;
use crate::ports::slack::SlackApi;
use crate::ports::workspaces::{NotServed, Workspaces};
use crate::scheduler::Composed;
use crate::secret::Secret;
use crate::store::{Store, StoreError};
use crate::views::format::away_label;
use crate::views::replies::{simple, with_hint};
use crate::views::{Block, Message};

pub use oauth::OAuthPage;
pub use status::connection_broken_notice;

/// Reminder kinds presence puts in the queue.
pub mod kinds {
    pub const STATUS_START: &str = "status_start";
    pub const STATUS_END: &str = "status_end";
    pub const CONNECTION_BROKEN: &str = "connection_broken";

    /// Every kind above; `deliveries::KINDS` says how each is delivered.
    pub const ALL: &[&str] = &[STATUS_START, STATUS_END, CONNECTION_BROKEN];
}

/// The key prefixes of the reminders that need the person's token: their status changes and
/// the notice that the connection broke.
pub fn token_reminder_prefixes(team_id: &str, user_id: &str) -> Vec<String> {
    vec![
        format!("status:{team_id}:{user_id}:"),
        format!("connection-broken:{team_id}:{user_id}:"),
    ]
}

/// A mentor's stored token, as this process's key sees it.
enum StoredToken {
    Absent,
    Open(Secret),
    Unopenable,
}

/// How far ahead `away until` may reach.
pub const MAX_AWAY_DAYS: i64 = 366;

#[derive(Debug, Clone)]
pub struct PresenceSettings {
    /// Where Slack sends people back after approving (`PUBLIC_URL`).
    pub public_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// The emoji of the office-hours status (`STATUS_EMOJI`).
    pub status_emoji: String,
    /// At most one mention hint per sender and mentor within this (`HINT_COOLDOWN`).
    pub hint_cooldown: Duration,
    /// Slack's authorize page; only tests change it.
    pub authorize_url: String,
    /// Where the connect pages are when there is no public address: the shell's, whose
    /// pretend browser never leaves the terminal. The calendar still needs `public_url`.
    pub connect_base: Option<String>,
}

impl Default for PresenceSettings {
    fn default() -> Self {
        Self {
            public_url: None,
            client_id: None,
            client_secret: None,
            status_emoji: ":door:".to_owned(),
            hint_cooldown: Duration::hours(1),
            authorize_url: "https://slack.com/oauth/v2/authorize".to_owned(),
            connect_base: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PresenceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the OAuth authorize URL is not a URL")]
    Config,
}

#[derive(Clone)]
pub struct PresenceService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    workspaces: Arc<dyn Workspaces>,
    /// `None` when no key is configured: connecting is then unavailable.
    cipher: Option<TokenCipher>,
    settings: PresenceSettings,
}

impl PresenceService {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        workspaces: Arc<dyn Workspaces>,
        cipher: Option<TokenCipher>,
        settings: PresenceSettings,
    ) -> Self {
        Self {
            store,
            clock,
            workspaces,
            cipher,
            settings,
        }
    }

    pub fn settings(&self) -> &PresenceSettings {
        &self.settings
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The Slack client of the workspace `team_id`, with its own token.
    async fn slack(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        self.workspaces.slack_for(team_id).await
    }

    /// Connecting needs an app client id and secret, a public URL to come back to, and a key.
    fn can_connect(&self) -> bool {
        self.cipher.is_some()
            && self.settings.client_id.is_some()
            && self.settings.client_secret.is_some()
            && self.connect_base().is_some()
    }

    /// Where the connect pages are served.
    fn connect_base(&self) -> Option<&str> {
        self.settings
            .public_url
            .as_deref()
            .or(self.settings.connect_base.as_deref())
            .map(|base| base.trim_end_matches('/'))
    }

    fn aad(team_id: &str, user_id: &str) -> String {
        crate::crypto::token_owner(team_id, user_id)
    }

    /// The person's user token, if connected and readable.
    async fn token(&self, team_id: &str, user_id: &str) -> Result<Option<Secret>, StoreError> {
        Ok(match self.stored_token(team_id, user_id).await? {
            StoredToken::Open(token) => Some(token),
            StoredToken::Absent | StoredToken::Unopenable => None,
        })
    }

    /// The person's stored token as this process's key sees it. Start-up refuses a key that
    /// does not open every token, so `Unopenable` means a row changed since, or another replica
    /// sealed it under a key this one does not have yet (a rotation rolling out).
    async fn stored_token(&self, team_id: &str, user_id: &str) -> Result<StoredToken, StoreError> {
        let Some(connection) = self.store.connection(team_id, user_id).await? else {
            return Ok(StoredToken::Absent);
        };
        if connection.broken {
            return Ok(StoredToken::Absent);
        }
        let Some(cipher) = &self.cipher else {
            return Ok(StoredToken::Unopenable);
        };
        match cipher.decrypt(&connection.token_sealed, &Self::aad(team_id, user_id)) {
            Ok(token) => Ok(StoredToken::Open(Secret::new(token))),
            Err(err) => {
                tracing::warn!(error = %err, slack.team_id = %team_id, slack.user_id = %user_id, "a stored token does not open with this process's key");
                Ok(StoredToken::Unopenable)
            }
        }
    }

    /// `/officehours disconnect`: restore their status if it is ours, revoke the token, forget it.
    pub async fn disconnect(&self, actor: &Actor) -> Result<Message, PresenceError> {
        let Some(token) = self.token(&actor.team_id, &actor.user_id).await? else {
            let had = self
                .store
                .delete_connection(&actor.team_id, &actor.user_id)
                .await?;
            return Ok(simple(if had {
                "Disconnected."
            } else {
                "You weren't connected."
            }));
        };
        if let Err(err) = status::restore(self, &actor.team_id, &actor.user_id, &token).await {
            tracing::warn!(error = %err, "could not restore the status before disconnecting");
        }
        let revoked = match self.slack(&actor.team_id).await {
            Ok(slack) => slack.revoke(&token).await,
            Err(err) => Err(err.into()),
        };
        if let Err(err) = revoked {
            tracing::warn!(error = %err, "auth.revoke failed; deleting the token anyway");
        }
        self.store
            .delete_connection(&actor.team_id, &actor.user_id)
            .await?;
        let prefix = format!("status:{}:{}:", actor.team_id, actor.user_id);
        self.store
            .cancel_pending(&prefix, "disconnected", self.now())
            .await?;
        Ok(simple(":electric_plug: Disconnected. I won't touch your Slack status any more, and the token is revoked and deleted."))
    }

    /// `/officehours away until <date>` (`None` ends it).
    pub async fn away(
        &self,
        actor: &Actor,
        tz: Tz,
        until: Option<NaiveDate>,
    ) -> Result<Message, PresenceError> {
        let now = self.now();
        let Some(date) = until else {
            self.store
                .set_away(&actor.team_id, &actor.user_id, None, now)
                .await?;
            self.plan(&actor.team_id, &actor.user_id).await?;
            return Ok(simple(
                ":wave: Welcome back. Your office hours are on again.",
            ));
        };
        // Away through that whole day: it ends at the following local midnight.
        let end = crate::domain::tzmath::end_of_local_day(
            tz,
            crate::domain::tzmath::resolve_local(
                tz,
                date.and_hms_opt(12, 0, 0).unwrap_or_default(),
            ),
        );
        if end <= now {
            return Ok(simple(format!(
                ":thinking_face: {date} has already passed."
            )));
        }
        if end - now > Duration::days(MAX_AWAY_DAYS) {
            return Ok(with_hint(
                format!(":thinking_face: {date} is more than a year away. Away is for holidays and leave: at most {MAX_AWAY_DAYS} days ahead."),
                "`/officehours away until 2026-12-24`, or `/officehours remove all` if you're stepping back from office hours.",
            ));
        }
        self.store
            .set_away(&actor.team_id, &actor.user_id, Some(end), now)
            .await?;
        self.plan(&actor.team_id, &actor.user_id).await?;
        Ok(with_hint(
            format!(":palm_tree: You're away until {}. Nobody sees you as open, and I leave your Slack status alone.", away_label(end, tz, now)),
            "`/officehours away off` ends it early.",
        ))
    }

    /// Says once, to a mentor without a connection, how to show their hours in their Slack status.
    pub async fn connect_tip(&self, actor: &Actor) -> Result<Option<Block>, StoreError> {
        if !self.can_connect()
            || self
                .store
                .connection(&actor.team_id, &actor.user_id)
                .await?
                .is_some()
        {
            return Ok(None);
        }
        if !self
            .store
            .first_connect_hint(&actor.team_id, &actor.user_id, self.now())
            .await?
        {
            return Ok(None);
        }
        Ok(Some(Block::context(
            ":bulb: Tip: `/officehours connect` shows your office hours in your Slack status, where people look.",
        )))
    }

    /// `/officehours calendar [reset]`: the private address of the person's calendar feed.
    pub async fn calendar(&self, actor: &Actor, reset: bool) -> Result<Message, PresenceError> {
        let Some(base) = self.settings.public_url.clone() else {
            return Ok(with_hint(
                "The calendar feed needs the bot's public address.",
                "Whoever runs the bot sets PUBLIC_URL (see the README).",
            ));
        };
        let existing = self
            .store
            .calendar_secret(&actor.team_id, &actor.user_id)
            .await?;
        let secret = match existing {
            Some(secret) if !reset => secret,
            _ => {
                let secret = random_token();
                if secret.is_empty() {
                    return Ok(simple(
                        ":warning: I couldn't make a secure address just now. Please try again.",
                    ));
                }
                self.store
                    .set_calendar_secret(&actor.team_id, &actor.user_id, &secret, self.now())
                    .await?;
                secret
            }
        };
        let url = format!("{}/ics/{secret}.ics", base.trim_end_matches('/'));
        let text = if reset {
            format!(
                ":calendar: Your calendar has a new address; the old one no longer works:\n`{url}`"
            )
        } else {
            format!(":calendar: Subscribe to your office hours in Google Calendar, Outlook or Apple Calendar:\n`{url}`")
        };
        Ok(with_hint(text, "Keep it private: anyone with the address can see your windows. `/officehours calendar reset` makes a new one."))
    }

    /// What a presence reminder does when it comes due (see `kinds`).
    pub async fn compose(
        &self,
        reminder: &crate::store::reminders::Reminder,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Composed> {
        status::compose(self, reminder, now).await
    }

    pub async fn settled(
        &self,
        reminder: &crate::store::reminders::Reminder,
    ) -> Result<(), StoreError> {
        status::settled(self, reminder).await
    }

    /// Replans the person's status changes after anything that moves their hours.
    pub async fn plan(&self, team_id: &str, user_id: &str) -> Result<(), StoreError> {
        status::plan(self, team_id, user_id).await
    }
}

/// Random, URL-safe, unguessable: OAuth states and calendar secrets.
pub(crate) fn random_token() -> String {
    let mut bytes = [0_u8; 24];
    if getrandom::fill(&mut bytes).is_err() {
        // Without the OS's randomness there is no safe secret to hand out; an empty one is
        // refused by every caller.
        return String::new();
    }
    hex::encode(bytes)
}
