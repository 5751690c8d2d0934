//! Rows that stop meaning anything after a while, deleted by the hourly housekeeping: OAuth
//! states past their ten minutes, mention hints past their cooldown, Drop in visits and places
//! past the retention period.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{stored_instant, SqlStore, StoreError};

#[async_trait]
pub trait ExpiryStore: Send + Sync {
    /// Deletes OAuth states that expired before `now` (used or not: either way they open nothing).
    async fn purge_expired_oauth_states(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Deletes mention hints given before `cutoff` (now minus the cooldown): they hold nobody back.
    async fn purge_hints_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Deletes Drop in visits that ended before `cutoff` (the retention period), and places
    /// in line (with their question) taken before it.
    async fn purge_visits_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;
}

macro_rules! impl_expiry_store {
    ($db:ty) => {
        #[async_trait]
        impl ExpiryStore for SqlStore<$db> {
            async fn purge_expired_oauth_states(
                &self,
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
                    .bind(stored_instant(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn purge_hints_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM mention_hints WHERE hinted_at < $1")
                    .bind(stored_instant(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn purge_visits_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let visits = sqlx::query("DELETE FROM visits WHERE ended_at < $1")
                    .bind(stored_instant(cutoff))
                    .execute(&self.pool)
                    .await?;
                let places = sqlx::query("DELETE FROM line WHERE joined_at < $1")
                    .bind(stored_instant(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(visits.rows_affected() + places.rows_affected())
            }
        }
    };
}

impl_expiry_store!(sqlx::Sqlite);
impl_expiry_store!(sqlx::Postgres);
