//! Tokens over time: the lease under which one replica refreshes a rotating token (a workspace's
//! bot token or a mentor's user token), and the stops of single-token mode (an uninstall seen
//! while the bot runs on `SLACK_BOT_TOKEN`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::installs::{BOT, RESTORE};
use super::{stored_instant, SqlStore, StoreError};

/// A rotating token, still sealed, as a refresh found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotatingToken {
    pub token_sealed: String,
    pub refresh_sealed: String,
}

/// What a refresh gave, sealed: stored in place of the token it renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewed {
    pub token_sealed: String,
    pub refresh_sealed: String,
    pub expires_at: DateTime<Utc>,
}

/// When a replica may take a token's refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim<'a> {
    /// Ahead of time: the token expires by then.
    ExpiringBy(DateTime<Utc>),
    /// Slack refused this sealed token as expired: only while it is still the stored one (else
    /// another replica has renewed it already).
    Refused(&'a str),
}

/// A single-token mode stop: why, since when, and the digest of the token it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStop {
    pub reason: String,
    pub stopped_at: DateTime<Utc>,
    pub token_digest: String,
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The rotating tokens, as (team, user or `BOT`), that expire by `cutoff` and are not being
    /// refreshed under a live lease: an installed workspace's, or a working connection's.
    async fn tokens_expiring(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// Takes the lease on refreshing one token until `lease_until`, in one conditional update,
    /// so of replicas racing only one gets it. None if it is not there to take.
    async fn claim_refresh(
        &self,
        team_id: &str,
        user_id: &str,
        claim: Claim<'_>,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<RotatingToken>, StoreError>;
    /// Stores the renewed token in place of the one whose refresh token was `used`, ending the
    /// lease. False if the row changed meanwhile (a reinstall, a reconnect).
    async fn save_refreshed(
        &self,
        team_id: &str,
        user_id: &str,
        used: &str,
        renewed: &Renewed,
    ) -> Result<bool, StoreError>;
    /// The token now stored, sealed, if it still works here (installed, not broken), and
    /// whether it rotates.
    async fn current_token(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Option<(String, bool)>, StoreError>;

    /// Stops the workspace in single-token mode: records why and cancels all its pending
    /// reminders with `reason`, in one transaction. False if it was stopped already.
    async fn stop_token(
        &self,
        team_id: &str,
        reason: &str,
        token_digest: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn token_stop(&self, team_id: &str) -> Result<Option<TokenStop>, StoreError>;
    /// Lifts every stop made under another token than `token_digest` (the bot runs with a new
    /// one): the reminders each stop cancelled are pending again. The teams lifted.
    async fn lift_token_stops(
        &self,
        token_digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError>;
}

/// The table and row of a token, and the condition for it to still work: `$1` is the team and
/// `$2` the user (or `BOT`).
fn row_of(user_id: &str) -> (&'static str, &'static str) {
    if user_id == BOT {
        (
            "workspaces",
            "team_id = $1 AND $2 = 'bot' AND uninstalled_at IS NULL",
        )
    } else {
        (
            "connections",
            "team_id = $1 AND user_id = $2 AND broken = FALSE",
        )
    }
}

const EXPIRING: &str =
    "SELECT team_id, 'bot' FROM workspaces WHERE refresh_sealed IS NOT NULL AND uninstalled_at IS NULL \
     AND token_expires_at <= $1 AND (refreshing_until IS NULL OR refreshing_until <= $2) \
     UNION ALL SELECT team_id, user_id FROM connections WHERE refresh_sealed IS NOT NULL AND broken = FALSE \
     AND token_expires_at <= $1 AND (refreshing_until IS NULL OR refreshing_until <= $2) \
     ORDER BY 1, 2";

macro_rules! impl_token_store {
    ($db:ty) => {
        #[async_trait]
        impl TokenStore for SqlStore<$db> {
            async fn tokens_expiring(&self, cutoff: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<(String, String)>, StoreError> {
                Ok(sqlx::query_as(EXPIRING)
                    .bind(stored_instant(cutoff)).bind(stored_instant(now))
                    .fetch_all(&self.pool).await?)
            }

            async fn claim_refresh(
                &self, team: &str, user: &str, claim: Claim<'_>, now: DateTime<Utc>, lease_until: DateTime<Utc>,
            ) -> Result<Option<RotatingToken>, StoreError> {
                let (table, row) = row_of(user);
                // The lease is free, and the token is due (or is the one Slack refused).
                let when = match claim {
                    Claim::ExpiringBy(_) => "token_expires_at <= $5",
                    Claim::Refused(_) => "token_sealed = $5",
                };
                let sql = format!(
                    "UPDATE {table} SET refreshing_until = $3 WHERE {row} AND refresh_sealed IS NOT NULL \
                     AND (refreshing_until IS NULL OR refreshing_until <= $4) AND {when} \
                     RETURNING token_sealed, refresh_sealed"
                );
                let query = sqlx::query_as(&sql).bind(team).bind(user)
                    .bind(stored_instant(lease_until)).bind(stored_instant(now));
                // An instant for an instant (PostgreSQL compares it with a TIMESTAMPTZ), text for text.
                let row: Option<(String, Option<String>)> = match claim {
                    Claim::ExpiringBy(cutoff) => query.bind(stored_instant(cutoff)).fetch_optional(&self.pool).await?,
                    Claim::Refused(sealed) => query.bind(sealed).fetch_optional(&self.pool).await?,
                };
                Ok(row.and_then(|(token_sealed, refresh)| Some(RotatingToken { token_sealed, refresh_sealed: refresh? })))
            }

            async fn save_refreshed(&self, team: &str, user: &str, used: &str, r: &Renewed) -> Result<bool, StoreError> {
                let (table, row) = row_of(user);
                let sql = format!(
                    "UPDATE {table} SET token_sealed = $3, refresh_sealed = $4, token_expires_at = $5, \
                     refreshing_until = NULL WHERE {row} AND refresh_sealed = $6"
                );
                let done = sqlx::query(&sql).bind(team).bind(user).bind(&r.token_sealed).bind(&r.refresh_sealed)
                    .bind(stored_instant(r.expires_at)).bind(used)
                    .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn current_token(&self, team: &str, user: &str) -> Result<Option<(String, bool)>, StoreError> {
                let (table, row) = row_of(user);
                let sql = format!("SELECT token_sealed, refresh_sealed FROM {table} WHERE {row}");
                let found: Option<(String, Option<String>)> = sqlx::query_as(&sql).bind(team).bind(user).fetch_optional(&self.pool).await?;
                Ok(found.map(|(sealed, refresh)| (sealed, refresh.is_some())))
            }

            async fn stop_token(&self, team: &str, reason: &str, digest: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let now = stored_instant(now);
                let mut tx = self.begin().await?;
                let done = sqlx::query(
                    "INSERT INTO token_stops (team_id, reason, stopped_at, token_digest) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (team_id) DO NOTHING",
                )
                .bind(team).bind(reason).bind(now).bind(digest).execute(&mut *tx).await?;
                // As an uninstall does: claimed rows are left to their delivery, which is refused.
                sqlx::query(
                    "UPDATE reminders SET status = 'cancelled', last_error = $1, finished_at = $2 \
                     WHERE team_id = $3 AND status = 'pending'",
                )
                .bind(reason).bind(now).bind(team).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn token_stop(&self, team: &str) -> Result<Option<TokenStop>, StoreError> {
                let row: Option<(String, DateTime<Utc>, String)> = sqlx::query_as(
                    "SELECT reason, stopped_at, token_digest FROM token_stops WHERE team_id = $1",
                )
                .bind(team).fetch_optional(&self.pool).await?;
                Ok(row.map(|(reason, stopped_at, token_digest)| TokenStop { reason, stopped_at, token_digest }))
            }

            async fn lift_token_stops(&self, digest: &str, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
                let mut tx = self.begin().await?;
                let stops: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT team_id, stopped_at FROM token_stops WHERE token_digest <> $1 ORDER BY team_id",
                )
                .bind(digest).fetch_all(&mut *tx).await?;
                for (team, stopped_at) in &stops {
                    sqlx::query(RESTORE).bind(team).bind(stored_instant(*stopped_at)).bind(stored_instant(now))
                        .execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM token_stops WHERE team_id = $1").bind(team).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(stops.into_iter().map(|(team, _)| team).collect())
            }
        }
    };
}

impl_token_store!(sqlx::Sqlite);
impl_token_store!(sqlx::Postgres);
