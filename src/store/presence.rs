//! What presence needs: mentors' sealed tokens, OAuth states, away, saved statuses, hint settings.

pub use crate::domain::slack_status::StatusMemory;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::reminders::like_prefix;
use super::{stored_instant, SqlStore, StoreError};

/// A mentor's connection: the user token, still sealed (see `crypto`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub token_sealed: String,
    pub broken: bool,
}

/// A stored token, still sealed, with its owner: what the key commands work through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedToken {
    pub team_id: String,
    pub user_id: String,
    pub token_sealed: String,
    /// A rotating token's refresh token, sealed for `crypto::refresh_owner`.
    pub refresh_sealed: Option<String>,
}

impl From<(String, String, String, Option<String>)> for SealedToken {
    fn from(
        (team_id, user_id, token_sealed, refresh_sealed): (String, String, String, Option<String>),
    ) -> Self {
        Self {
            team_id,
            user_id,
            token_sealed,
            refresh_sealed,
        }
    }
}

/// A token (and its refresh token, if it rotates) sealed anew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resealing {
    pub token_sealed: String,
    pub refresh_sealed: Option<String>,
}

/// What [`PresenceStore::reseal_tokens`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resealed {
    /// Every token was re-sealed; this many rows changed (a row that a mentor's reconnecting
    /// rewrote meanwhile keeps its newer token).
    Done(u64),
    /// These could not be re-sealed, so nothing was written.
    Unopened(Vec<SealedToken>),
}

/// The store knows no keys: the caller says what a token becomes (`None`: it cannot be opened).
pub type ResealWith<'a> = &'a (dyn Fn(&SealedToken) -> Option<Resealing> + Sync);
/// Which tokens to forget, and for each, the key prefixes of the reminders that needed it.
pub type ForgetWith<'a> = &'a (dyn Fn(&SealedToken) -> Option<Vec<String>> + Sync);

const ALL_TOKENS: &str =
    "SELECT team_id, user_id, token_sealed, refresh_sealed FROM connections ORDER BY team_id, user_id";

type TokenRow = (String, String, String, Option<String>);

#[async_trait]
pub trait PresenceStore: Send + Sync {
    async fn save_connection(
        &self,
        team_id: &str,
        user_id: &str,
        token_sealed: &str,
        scope: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.save_rotating_connection(team_id, user_id, token_sealed, scope, None, now)
            .await
    }
    /// A connection whose token rotates: `rotation` is its sealed refresh token and expiry.
    async fn save_rotating_connection(
        &self,
        team_id: &str,
        user_id: &str,
        token_sealed: &str,
        scope: &str,
        rotation: Option<(&str, DateTime<Utc>)>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn connection(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Option<Connection>, StoreError>;
    /// Marks it broken; true only the first time, so the person is told once.
    async fn mark_connection_broken(
        &self,
        team_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn delete_connection(&self, team_id: &str, user_id: &str) -> Result<bool, StoreError>;
    /// Everyone with a working connection (to plan their statuses).
    async fn connected_users(&self, team_id: &str) -> Result<Vec<String>, StoreError>;
    /// Every stored token, broken ones too, in every workspace.
    async fn sealed_tokens(&self) -> Result<Vec<SealedToken>, StoreError>;
    /// Replaces every token with what `reseal` makes of it, in one transaction; if it makes
    /// nothing of some, writes nothing and names them. Counts the tokens it changed (one given
    /// back as it was is left alone).
    async fn reseal_tokens(&self, reseal: ResealWith<'_>) -> Result<Resealed, StoreError>;
    /// In one transaction: deletes the tokens `forget` picks and cancels (with `reason`) the
    /// pending reminders under the prefixes it names for each. Returns the deleted ones.
    async fn forget_tokens(
        &self,
        forget: ForgetWith<'_>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SealedToken>, StoreError>;

    async fn create_oauth_state(
        &self,
        state: &str,
        team_id: &str,
        user_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Whether the state exists, is unused and unexpired (the start page checks before redirecting).
    async fn oauth_state_valid(&self, state: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Uses the state up: `(team_id, user_id)` the first time within its lifetime, `None` otherwise.
    async fn consume_oauth_state(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>, StoreError>;

    async fn set_away(
        &self,
        team_id: &str,
        user_id: &str,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn status_memory(&self, team_id: &str, user_id: &str)
        -> Result<StatusMemory, StoreError>;
    async fn set_status_memory(
        &self,
        team_id: &str,
        user_id: &str,
        memory: &StatusMemory,
    ) -> Result<(), StoreError>;
    /// True the first time only: "how to connect" is said once.
    async fn first_connect_hint(
        &self,
        team_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    async fn set_mentor_hints_off(
        &self,
        team_id: &str,
        user_id: &str,
        off: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn set_channel_hints_off(
        &self,
        team_id: &str,
        channel_id: &str,
        off: bool,
    ) -> Result<(), StoreError>;
    async fn channel_hints_off(&self, team_id: &str, channel_id: &str) -> Result<bool, StoreError>;
    /// Takes the right to hint `sender` about `mentor` if none was given within `cooldown`.
    async fn claim_hint(
        &self,
        team_id: &str,
        sender_id: &str,
        mentor_id: &str,
        now: DateTime<Utc>,
        cooldown: Duration,
    ) -> Result<bool, StoreError>;

    async fn set_calendar_secret(
        &self,
        team_id: &str,
        user_id: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn calendar_secret(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Option<String>, StoreError>;
    async fn calendar_owner(&self, secret: &str) -> Result<Option<(String, String)>, StoreError>;
}

const UPSERT_PERSON: &str =
    "INSERT INTO people (team_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
     ON CONFLICT (team_id, user_id) DO NOTHING";

macro_rules! impl_presence_store {
    ($db:ty) => {
        #[async_trait]
        impl PresenceStore for SqlStore<$db> {
            async fn save_rotating_connection(
                &self, team: &str, user: &str, sealed: &str, scope: &str, rotation: Option<(&str, DateTime<Utc>)>, now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO connections (team_id, user_id, token_sealed, scope, broken, created_at, updated_at, \
                     refresh_sealed, token_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) ON CONFLICT (team_id, user_id) DO UPDATE SET \
                     token_sealed = excluded.token_sealed, scope = excluded.scope, broken = excluded.broken, updated_at = excluded.updated_at, \
                     refresh_sealed = excluded.refresh_sealed, token_expires_at = excluded.token_expires_at, refreshing_until = NULL",
                )
                .bind(team).bind(user).bind(sealed).bind(scope).bind(false).bind(stored_instant(now))
                .bind(rotation.map(|(refresh, _)| refresh)).bind(rotation.map(|(_, at)| stored_instant(at)))
                .execute(&self.pool).await?;
                Ok(())
            }

            async fn connection(&self, team: &str, user: &str) -> Result<Option<Connection>, StoreError> {
                let row: Option<(String, bool)> =
                    sqlx::query_as("SELECT token_sealed, broken FROM connections WHERE team_id = $1 AND user_id = $2")
                        .bind(team).bind(user).fetch_optional(&self.pool).await?;
                Ok(row.map(|(token_sealed, broken)| Connection { token_sealed, broken }))
            }

            async fn mark_connection_broken(&self, team: &str, user: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE connections SET broken = $1, updated_at = $2 WHERE team_id = $3 AND user_id = $4 AND broken = $5",
                )
                .bind(true).bind(stored_instant(now)).bind(team).bind(user).bind(false)
                .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_connection(&self, team: &str, user: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM connections WHERE team_id = $1 AND user_id = $2")
                    .bind(team).bind(user).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn connected_users(&self, team: &str) -> Result<Vec<String>, StoreError> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT user_id FROM connections WHERE team_id = $1 AND broken = $2 ORDER BY user_id")
                    .bind(team).bind(false).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(u,)| u).collect())
            }

            async fn sealed_tokens(&self) -> Result<Vec<SealedToken>, StoreError> {
                let rows: Vec<TokenRow> = sqlx::query_as(ALL_TOKENS).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(SealedToken::from).collect())
            }

            async fn reseal_tokens(&self, reseal: ResealWith<'_>) -> Result<Resealed, StoreError> {
                let mut tx = self.begin().await?;
                let rows: Vec<TokenRow> = sqlx::query_as(ALL_TOKENS).fetch_all(&mut *tx).await?;
                let (mut resealed, mut unopened) = (Vec::with_capacity(rows.len()), Vec::new());
                for token in rows.into_iter().map(SealedToken::from) {
                    match reseal(&token) {
                        Some(new) => resealed.push((token, new)),
                        None => unopened.push(token),
                    }
                }
                if !unopened.is_empty() {
                    tx.rollback().await?;
                    return Ok(Resealed::Unopened(unopened));
                }
                let mut changed = 0;
                for (token, new) in &resealed {
                    // Left as it was (the shell's pretend tokens): not written, not counted.
                    if new.token_sealed == token.token_sealed && new.refresh_sealed == token.refresh_sealed {
                        continue;
                    }
                    // Only the value that was opened: a mentor who reconnected meanwhile keeps the newer token.
                    changed += sqlx::query(
                        "UPDATE connections SET token_sealed = $1, refresh_sealed = $5 WHERE team_id = $2 AND user_id = $3 AND token_sealed = $4",
                    )
                    .bind(&new.token_sealed).bind(&token.team_id).bind(&token.user_id).bind(&token.token_sealed).bind(&new.refresh_sealed)
                    .execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(Resealed::Done(changed))
            }

            async fn forget_tokens(&self, forget: ForgetWith<'_>, reason: &str, now: DateTime<Utc>) -> Result<Vec<SealedToken>, StoreError> {
                let mut tx = self.begin().await?;
                let rows: Vec<TokenRow> = sqlx::query_as(ALL_TOKENS).fetch_all(&mut *tx).await?;
                let mut forgotten = Vec::new();
                for token in rows.into_iter().map(SealedToken::from) {
                    let Some(prefixes) = forget(&token) else { continue };
                    let deleted = sqlx::query("DELETE FROM connections WHERE team_id = $1 AND user_id = $2 AND token_sealed = $3")
                        .bind(&token.team_id).bind(&token.user_id).bind(&token.token_sealed)
                        .execute(&mut *tx).await?.rows_affected();
                    if deleted == 0 {
                        continue;
                    }
                    for prefix in prefixes {
                        sqlx::query(
                            "UPDATE reminders SET status = 'cancelled', last_error = $1, finished_at = $2 \
                             WHERE status = 'pending' AND key LIKE $3 ESCAPE '\\'",
                        )
                        .bind(reason).bind(stored_instant(now)).bind(like_prefix(&prefix))
                        .execute(&mut *tx).await?;
                    }
                    forgotten.push(token);
                }
                tx.commit().await?;
                Ok(forgotten)
            }

            async fn create_oauth_state(&self, state: &str, team: &str, user: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO oauth_states (state, team_id, user_id, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(state).bind(team).bind(user).bind(stored_instant(expires_at))
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn oauth_state_valid(&self, state: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT state FROM oauth_states WHERE state = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(state).bind(stored_instant(now)).fetch_optional(&self.pool).await?;
                Ok(row.is_some())
            }

            async fn consume_oauth_state(&self, state: &str, now: DateTime<Utc>) -> Result<Option<(String, String)>, StoreError> {
                // One UPDATE both checks and uses it up, so two callbacks racing cannot both win.
                let row: Option<(String, String)> = sqlx::query_as(
                    "UPDATE oauth_states SET used_at = $1 WHERE state = $2 AND used_at IS NULL AND expires_at > $1 \
                     RETURNING team_id, user_id",
                )
                .bind(stored_instant(now)).bind(state).fetch_optional(&self.pool).await?;
                Ok(row)
            }

            async fn set_away(&self, team: &str, user: &str, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query(UPSERT_PERSON).bind(team).bind(user).bind(stored_instant(now)).execute(&self.pool).await?;
                sqlx::query("UPDATE people SET away_until = $1, updated_at = $2 WHERE team_id = $3 AND user_id = $4")
                    .bind(until.map(stored_instant)).bind(stored_instant(now)).bind(team).bind(user)
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn status_memory(&self, team: &str, user: &str) -> Result<StatusMemory, StoreError> {
                let row: Option<(Option<String>, Option<String>, Option<i64>, Option<String>)> = sqlx::query_as(
                    "SELECT saved_status_text, saved_status_emoji, saved_status_expiration, bot_status_text FROM people \
                     WHERE team_id = $1 AND user_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                Ok(row
                    .map(|(saved_text, saved_emoji, saved_expiration, bot_text)| StatusMemory { saved_text, saved_emoji, saved_expiration, bot_text })
                    .unwrap_or_default())
            }

            async fn set_status_memory(&self, team: &str, user: &str, m: &StatusMemory) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE people SET saved_status_text = $1, saved_status_emoji = $2, saved_status_expiration = $3, \
                     bot_status_text = $4 WHERE team_id = $5 AND user_id = $6",
                )
                .bind(&m.saved_text).bind(&m.saved_emoji).bind(m.saved_expiration).bind(&m.bot_text).bind(team).bind(user)
                .execute(&self.pool).await?;
                Ok(())
            }

            async fn first_connect_hint(&self, team: &str, user: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                sqlx::query(UPSERT_PERSON).bind(team).bind(user).bind(stored_instant(now)).execute(&self.pool).await?;
                let done = sqlx::query(
                    "UPDATE people SET connect_hint_given = $1 WHERE team_id = $2 AND user_id = $3 AND connect_hint_given = $4",
                )
                .bind(true).bind(team).bind(user).bind(false)
                .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_mentor_hints_off(&self, team: &str, user: &str, off: bool, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query(UPSERT_PERSON).bind(team).bind(user).bind(stored_instant(now)).execute(&self.pool).await?;
                sqlx::query("UPDATE people SET hints_off = $1 WHERE team_id = $2 AND user_id = $3")
                    .bind(off).bind(team).bind(user).execute(&self.pool).await?;
                Ok(())
            }

            async fn set_channel_hints_off(&self, team: &str, channel: &str, off: bool) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO channel_settings (team_id, channel_id, hints_off) VALUES ($1, $2, $3) \
                     ON CONFLICT (team_id, channel_id) DO UPDATE SET hints_off = excluded.hints_off",
                )
                .bind(team).bind(channel).bind(off).execute(&self.pool).await?;
                Ok(())
            }

            async fn channel_hints_off(&self, team: &str, channel: &str) -> Result<bool, StoreError> {
                let row: Option<(bool,)> = sqlx::query_as("SELECT hints_off FROM channel_settings WHERE team_id = $1 AND channel_id = $2")
                    .bind(team).bind(channel).fetch_optional(&self.pool).await?;
                Ok(row.is_some_and(|(off,)| off))
            }

            async fn claim_hint(&self, team: &str, sender: &str, mentor: &str, now: DateTime<Utc>, cooldown: Duration) -> Result<bool, StoreError> {
                // Insert, or move the last hint forward only if it is older than the cooldown: one
                // statement, so a Slack retry racing the first delivery cannot hint twice.
                let done = sqlx::query(
                    "INSERT INTO mention_hints (team_id, sender_id, mentor_id, hinted_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (team_id, sender_id, mentor_id) DO UPDATE SET hinted_at = excluded.hinted_at \
                     WHERE mention_hints.hinted_at <= $5",
                )
                .bind(team).bind(sender).bind(mentor).bind(stored_instant(now)).bind(stored_instant(now - cooldown))
                .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_calendar_secret(&self, team: &str, user: &str, secret: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query(UPSERT_PERSON).bind(team).bind(user).bind(stored_instant(now)).execute(&self.pool).await?;
                sqlx::query("UPDATE people SET calendar_secret = $1 WHERE team_id = $2 AND user_id = $3")
                    .bind(secret).bind(team).bind(user).execute(&self.pool).await?;
                Ok(())
            }

            async fn calendar_secret(&self, team: &str, user: &str) -> Result<Option<String>, StoreError> {
                let row: Option<(Option<String>,)> = sqlx::query_as("SELECT calendar_secret FROM people WHERE team_id = $1 AND user_id = $2")
                    .bind(team).bind(user).fetch_optional(&self.pool).await?;
                Ok(row.and_then(|(s,)| s))
            }

            async fn calendar_owner(&self, secret: &str) -> Result<Option<(String, String)>, StoreError> {
                let row: Option<(String, String)> = sqlx::query_as("SELECT team_id, user_id FROM people WHERE calendar_secret = $1")
                    .bind(secret).fetch_optional(&self.pool).await?;
                Ok(row)
            }
        }
    };
}

impl_presence_store!(sqlx::Sqlite);
impl_presence_store!(sqlx::Postgres);
