//! Slack invocations already acted on (a command, a button press, a form submission), by the
//! `trigger_id` Slack gives each one, so a replay of the same signed request changes nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{stored_instant, SqlStore, StoreError};

#[async_trait]
pub trait ReplayStore: Send + Sync {
    /// True the first time this workspace's `trigger_id` is seen, on any replica; false for a
    /// replay.
    async fn remember_trigger(
        &self,
        team_id: &str,
        trigger_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Forgets one trigger: what it asked for was not done (a form to correct), so Slack may send it again.
    async fn release_trigger(&self, team_id: &str, trigger_id: &str) -> Result<(), StoreError>;
    /// Forgets triggers first seen before `cutoff` (long after Slack's signatures expire).
    async fn forget_triggers_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;
}

macro_rules! impl_replay_store {
    ($db:ty) => {
        #[async_trait]
        impl ReplayStore for SqlStore<$db> {
            async fn remember_trigger(&self, team_id: &str, trigger_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO slack_triggers (team_id, trigger_id, received_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (team_id, trigger_id) DO NOTHING",
                )
                .bind(team_id)
                .bind(trigger_id)
                .bind(stored_instant(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn release_trigger(&self, team_id: &str, trigger_id: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM slack_triggers WHERE team_id = $1 AND trigger_id = $2")
                    .bind(team_id)
                    .bind(trigger_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn forget_triggers_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM slack_triggers WHERE received_at < $1")
                    .bind(stored_instant(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

impl_replay_store!(sqlx::Sqlite);
impl_replay_store!(sqlx::Postgres);
