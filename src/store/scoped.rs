//! Records named by id in a button's value or a form's metadata, looked up only within the
//! workspace the payload came from: an id from another workspace finds nothing there.

use async_trait::async_trait;

use super::nudges::{
    cadence, debrief, meeting, review, CadenceRecord, CadenceRow, DebriefRecord, DebriefRow,
    MeetingRecord, MeetingRow, ReviewRecord, ReviewRow, CADENCE_COLUMNS, DEBRIEF_COLUMNS,
    REVIEW_COLUMNS,
};
use super::{SqlStore, StoreError};

#[async_trait]
pub trait WorkspaceStore: Send + Sync {
    /// The cadence `id`, if it belongs to `team_id`.
    async fn cadence_in(&self, team_id: &str, id: i64)
        -> Result<Option<CadenceRecord>, StoreError>;
    /// The meeting `id`, if its cadence belongs to `team_id`.
    async fn meeting_in(&self, team_id: &str, id: i64)
        -> Result<Option<MeetingRecord>, StoreError>;
    /// The debrief `id`, if it belongs to `team_id`.
    async fn debrief_in(&self, team_id: &str, id: i64)
        -> Result<Option<DebriefRecord>, StoreError>;
    /// The review `id`, if it belongs to `team_id`.
    async fn review_in(&self, team_id: &str, id: i64) -> Result<Option<ReviewRecord>, StoreError>;
    /// Notes what was agreed in review `id` of `team_id`; false if there is no such review.
    async fn set_review_agreed(
        &self,
        team_id: &str,
        id: i64,
        agreed: &str,
    ) -> Result<bool, StoreError>;
}

const MEETING_IN: &str = "SELECT m.id, m.cadence_id, m.seq, m.starts_at, m.status, m.finished_at \
     FROM meetings m JOIN cadences c ON c.id = m.cadence_id WHERE m.id = $1 AND c.team_id = $2";

macro_rules! impl_workspace_store {
    ($db:ty) => {
        #[async_trait]
        impl WorkspaceStore for SqlStore<$db> {
            async fn cadence_in(
                &self,
                team_id: &str,
                id: i64,
            ) -> Result<Option<CadenceRecord>, StoreError> {
                let sql = format!(
                    "SELECT {CADENCE_COLUMNS} FROM cadences WHERE id = $1 AND team_id = $2"
                );
                let row: Option<CadenceRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .bind(team_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(cadence))
            }

            async fn meeting_in(
                &self,
                team_id: &str,
                id: i64,
            ) -> Result<Option<MeetingRecord>, StoreError> {
                let row: Option<MeetingRow> = sqlx::query_as(MEETING_IN)
                    .bind(id)
                    .bind(team_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(meeting))
            }

            async fn debrief_in(
                &self,
                team_id: &str,
                id: i64,
            ) -> Result<Option<DebriefRecord>, StoreError> {
                let sql = format!(
                    "SELECT {DEBRIEF_COLUMNS} FROM debriefs WHERE id = $1 AND team_id = $2"
                );
                let row: Option<DebriefRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .bind(team_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(debrief))
            }

            async fn review_in(
                &self,
                team_id: &str,
                id: i64,
            ) -> Result<Option<ReviewRecord>, StoreError> {
                let sql =
                    format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = $1 AND team_id = $2");
                let row: Option<ReviewRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .bind(team_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(review))
            }

            async fn set_review_agreed(
                &self,
                team_id: &str,
                id: i64,
                agreed: &str,
            ) -> Result<bool, StoreError> {
                let done =
                    sqlx::query("UPDATE reviews SET agreed = $1 WHERE id = $2 AND team_id = $3")
                        .bind(agreed)
                        .bind(id)
                        .bind(team_id)
                        .execute(&self.pool)
                        .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

impl_workspace_store!(sqlx::Sqlite);
impl_workspace_store!(sqlx::Postgres);
