//! The workspaces an org-wide (Enterprise Grid) install serves: an Org Admin adds the install to
//! workspaces, and takes it away, one by one; only their people are served under the
//! organisation's key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{stored_instant, SqlStore, StoreError};

#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Records that `enterprise`'s install now serves `teams` (those already listed stay as they
    /// were): how many were new.
    async fn grant_org_workspaces(
        &self,
        enterprise: &str,
        teams: &[String],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Takes `teams` away from `enterprise`'s install: how many were listed.
    async fn revoke_org_workspaces(
        &self,
        enterprise: &str,
        teams: &[String],
    ) -> Result<u64, StoreError>;
    /// Whether `enterprise`'s install serves `team`.
    async fn org_serves(&self, enterprise: &str, team: &str) -> Result<bool, StoreError>;
}

macro_rules! impl_org_store {
    ($db:ty) => {
        #[async_trait]
        impl OrgStore for SqlStore<$db> {
            async fn grant_org_workspaces(
                &self,
                enterprise: &str,
                teams: &[String],
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError> {
                let mut tx = self.begin().await?;
                let mut added = 0;
                for team in teams {
                    let done = sqlx::query(
                        "INSERT INTO org_workspaces (enterprise_id, team_id, granted_at) \
                         VALUES ($1, $2, $3) ON CONFLICT (enterprise_id, team_id) DO NOTHING",
                    )
                    .bind(enterprise)
                    .bind(team)
                    .bind(stored_instant(now))
                    .execute(&mut *tx)
                    .await?;
                    added += done.rows_affected();
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn revoke_org_workspaces(
                &self,
                enterprise: &str,
                teams: &[String],
            ) -> Result<u64, StoreError> {
                let mut tx = self.begin().await?;
                let mut removed = 0;
                for team in teams {
                    let done = sqlx::query(
                        "DELETE FROM org_workspaces WHERE enterprise_id = $1 AND team_id = $2",
                    )
                    .bind(enterprise)
                    .bind(team)
                    .execute(&mut *tx)
                    .await?;
                    removed += done.rows_affected();
                }
                tx.commit().await?;
                Ok(removed)
            }

            async fn org_serves(&self, enterprise: &str, team: &str) -> Result<bool, StoreError> {
                let found: Option<(String,)> = sqlx::query_as(
                    "SELECT team_id FROM org_workspaces WHERE enterprise_id = $1 AND team_id = $2",
                )
                .bind(enterprise)
                .bind(team)
                .fetch_optional(&self.pool)
                .await?;
                Ok(found.is_some())
            }
        }
    };
}

impl_org_store!(sqlx::Sqlite);
impl_org_store!(sqlx::Postgres);
