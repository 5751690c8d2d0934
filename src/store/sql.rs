//! The queries, written once in SQL both backends accept (`$n` parameters, `ON CONFLICT`, `RETURNING`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    stored_instant, AddOutcome, ConflictCheck, Mentor, OfficeHoursStore, Person, StoreError,
};
use crate::domain::days::DaySet;
use crate::domain::presence::ManualState;
use crate::domain::time_of_day::{TimeOfDay, TimeRange};
use crate::domain::window::{PublishedWindow, WeeklyWindow, MAX_WINDOWS_PER_PERSON};

/// A pool for one backend; the `Store` impl below is instantiated for SQLite and PostgreSQL.
pub struct SqlStore<DB: sqlx::Database> {
    pub(super) pool: sqlx::Pool<DB>,
}

impl<DB: sqlx::Database> SqlStore<DB> {
    pub fn pool(&self) -> &sqlx::Pool<DB> {
        &self.pool
    }
}

/// A transaction on SQLite takes the write lock as it begins (`BEGIN IMMEDIATE`). Begun
/// deferred, one that reads before it writes fails at once with SQLITE_BUSY (no busy wait) when
/// another connection wrote in between, as the janitor or a concurrent command may; every
/// transaction here writes, so none gives anything up by waiting its turn from the start.
impl SqlStore<sqlx::Sqlite> {
    pub(super) async fn begin(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

/// PostgreSQL's transactions lock rows as they go; they begin as usual.
impl SqlStore<sqlx::Postgres> {
    pub(super) async fn begin(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    team_id: String,
    user_id: String,
    tz_override: Option<String>,
    slack_tz: Option<String>,
    slack_tz_checked_at: Option<DateTime<Utc>>,
    display_name: Option<String>,
    manual_state: Option<String>,
    manual_until: Option<DateTime<Utc>>,
    away_until: Option<DateTime<Utc>>,
    hints_off: bool,
    meeting_link: Option<String>,
}

impl From<PersonRow> for Person {
    fn from(row: PersonRow) -> Self {
        let manual = match (row.manual_state.as_deref(), row.manual_until) {
            (Some("available"), Some(until)) => Some(ManualState::AvailableUntil(until)),
            (Some("unavailable"), Some(until)) => Some(ManualState::UnavailableUntil(until)),
            _ => None,
        };
        Person {
            team_id: row.team_id,
            user_id: row.user_id,
            tz_override: row.tz_override,
            slack_tz: row.slack_tz,
            slack_tz_checked_at: row.slack_tz_checked_at,
            display_name: row.display_name,
            manual,
            away_until: row.away_until,
            hints_off: row.hints_off,
            meeting_link: row.meeting_link,
        }
    }
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    id: i64,
    user_id: String,
    days: i32,
    start_minute: i32,
    end_minute: i32,
    topics: String,
}

impl WindowRow {
    /// Rows are checked by the schema, but a row that still fails to make sense is skipped, not fatal.
    fn into_stored(self) -> Option<PublishedWindow> {
        let days = DaySet::from_bits(u8::try_from(self.days).ok()?)?;
        let start = TimeOfDay::from_minutes(u16::try_from(self.start_minute).ok()?)?;
        let end = TimeOfDay::from_minutes(u16::try_from(self.end_minute).ok()?)?;
        let range = TimeRange::new(start, end).ok()?;
        Some(PublishedWindow {
            id: self.id,
            user_id: self.user_id,
            window: WeeklyWindow { days, range },
            topics: split_topics(&self.topics),
        })
    }
}

fn stored_windows(rows: Vec<WindowRow>) -> Vec<PublishedWindow> {
    rows.into_iter()
        .filter_map(|row| {
            let id = row.id;
            let stored = row.into_stored();
            if stored.is_none() {
                tracing::warn!(window.id = id, "skipping a window row that does not parse");
            }
            stored
        })
        .collect()
}

/// Topics never contain commas (the parser splits on them), so a comma list is a faithful encoding.
fn join_topics(topics: &[String]) -> String {
    topics.join(", ")
}

fn split_topics(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn manual_columns(manual: Option<ManualState>) -> (Option<&'static str>, Option<DateTime<Utc>>) {
    match manual {
        Some(ManualState::AvailableUntil(t)) => (Some("available"), Some(stored_instant(t))),
        Some(ManualState::UnavailableUntil(t)) => (Some("unavailable"), Some(stored_instant(t))),
        None => (None, None),
    }
}

const PERSON_COLUMNS: &str = "team_id, user_id, tz_override, slack_tz, slack_tz_checked_at, display_name, manual_state, manual_until, away_until, hints_off, \
     (SELECT l.url FROM meeting_links l WHERE l.team_id = people.team_id AND l.user_id = people.user_id) AS meeting_link";
const WINDOW_COLUMNS: &str = "id, user_id, days, start_minute, end_minute, topics";

// Taking the row lock first (an upsert) serialises concurrent writers for one person on both
// backends: PostgreSQL row-locks it, SQLite takes its write lock before anything is read.
const UPSERT_PERSON: &str =
    "INSERT INTO people (team_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
     ON CONFLICT (team_id, user_id) DO UPDATE SET updated_at = excluded.updated_at";

macro_rules! impl_sql_store {
    ($db:ty) => {
        #[async_trait]
        impl OfficeHoursStore for SqlStore<$db> {
            async fn close(&self) {
                self.pool.close().await;
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn probe_write(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO health (id, probed_at) VALUES (1, $1) \
                     ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
                )
                .bind(now.to_rfc3339())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn person(&self, team_id: &str, user_id: &str) -> Result<Option<Person>, StoreError> {
                let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE team_id = $1 AND user_id = $2");
                let row = sqlx::query_as::<_, PersonRow>(&sql)
                    .bind(team_id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(Person::from))
            }

            async fn people(&self, team_id: &str, user_ids: &[String]) -> Result<Vec<Person>, StoreError> {
                if user_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT {PERSON_COLUMNS} FROM people WHERE team_id = $1 AND user_id IN ({})",
                    super::placeholders(2, user_ids.len())
                );
                let mut query = sqlx::query_as::<_, PersonRow>(&sql).persistent(false).bind(team_id);
                for user in user_ids {
                    query = query.bind(user);
                }
                Ok(query.fetch_all(&self.pool).await?.into_iter().map(Person::from).collect())
            }

            async fn mentor(&self, team_id: &str, user_id: &str) -> Result<Mentor, StoreError> {
                let person = self.person(team_id, user_id).await?.unwrap_or_else(|| Person::new(team_id, user_id));
                let sql = format!("SELECT {WINDOW_COLUMNS} FROM windows WHERE team_id = $1 AND user_id = $2 ORDER BY id");
                let rows = sqlx::query_as::<_, WindowRow>(&sql)
                    .bind(team_id)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(Mentor { person, windows: stored_windows(rows) })
            }

            async fn mentors(&self, team_id: &str, now: DateTime<Utc>) -> Result<Vec<Mentor>, StoreError> {
                let people_sql = format!(
                    "SELECT {PERSON_COLUMNS} FROM people WHERE people.team_id = $1 AND (\
                       EXISTS (SELECT 1 FROM windows w WHERE w.team_id = people.team_id AND w.user_id = people.user_id) \
                       OR (people.manual_state = 'available' AND people.manual_until > $2)) ORDER BY people.user_id"
                );
                let people = sqlx::query_as::<_, PersonRow>(&people_sql)
                    .bind(team_id)
                    .bind(stored_instant(now))
                    .fetch_all(&self.pool)
                    .await?;
                let windows_sql = format!("SELECT {WINDOW_COLUMNS} FROM windows WHERE team_id = $1 ORDER BY user_id, id");
                let rows = sqlx::query_as::<_, WindowRow>(&windows_sql).bind(team_id).fetch_all(&self.pool).await?;
                let mut by_user: std::collections::HashMap<String, Vec<PublishedWindow>> = Default::default();
                for window in stored_windows(rows) {
                    by_user.entry(window.user_id.clone()).or_default().push(window);
                }
                Ok(people
                    .into_iter()
                    .map(Person::from)
                    .map(|person| {
                        let windows = by_user.remove(&person.user_id).unwrap_or_default();
                        Mentor { person, windows }
                    })
                    .collect())
            }

            async fn add_window(
                &self,
                team_id: &str,
                user_id: &str,
                window: &WeeklyWindow,
                topics: &[String],
                conflict: ConflictCheck<'_>,
                now: DateTime<Utc>,
            ) -> Result<AddOutcome, StoreError> {
                let now = stored_instant(now);
                let mut tx = self.begin().await?;
                sqlx::query(UPSERT_PERSON).bind(team_id).bind(user_id).bind(now).execute(&mut *tx).await?;
                let sql = format!("SELECT {WINDOW_COLUMNS} FROM windows WHERE team_id = $1 AND user_id = $2 ORDER BY id");
                let rows = sqlx::query_as::<_, WindowRow>(&sql).bind(team_id).bind(user_id).fetch_all(&mut *tx).await?;
                if rows.len() >= MAX_WINDOWS_PER_PERSON {
                    tx.rollback().await?;
                    return Ok(AddOutcome::Full);
                }
                if let Some(clash) = conflict(&stored_windows(rows)) {
                    tx.rollback().await?;
                    return Ok(AddOutcome::Conflict(clash));
                }
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO windows (team_id, user_id, days, start_minute, end_minute, topics, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(team_id)
                .bind(user_id)
                .bind(i32::from(window.days.bits()))
                .bind(i32::from(window.range.start.minutes()))
                .bind(i32::from(window.range.end.minutes()))
                .bind(join_topics(topics))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(AddOutcome::Added(PublishedWindow {
                    id,
                    user_id: user_id.to_owned(),
                    window: window.clone(),
                    topics: topics.to_vec(),
                }))
            }

            async fn remove_window(&self, team_id: &str, user_id: &str, id: i64) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM windows WHERE id = $1 AND team_id = $2 AND user_id = $3")
                    .bind(id)
                    .bind(team_id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn remove_all_windows(&self, team_id: &str, user_id: &str) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM windows WHERE team_id = $1 AND user_id = $2")
                    .bind(team_id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn set_manual(
                &self,
                team_id: &str,
                user_id: &str,
                manual: Option<ManualState>,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let (state, until) = manual_columns(manual);
                sqlx::query(
                    "INSERT INTO people (team_id, user_id, manual_state, manual_until, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (team_id, user_id) DO UPDATE SET \
                     manual_state = excluded.manual_state, manual_until = excluded.manual_until, updated_at = excluded.updated_at",
                )
                .bind(team_id)
                .bind(user_id)
                .bind(state)
                .bind(until)
                .bind(stored_instant(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn set_tz_override(
                &self,
                team_id: &str,
                user_id: &str,
                tz: Option<&str>,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO people (team_id, user_id, tz_override, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
                     ON CONFLICT (team_id, user_id) DO UPDATE SET tz_override = excluded.tz_override, updated_at = excluded.updated_at",
                )
                .bind(team_id)
                .bind(user_id)
                .bind(tz)
                .bind(stored_instant(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn set_slack_profile(
                &self,
                team_id: &str,
                user_id: &str,
                tz: Option<&str>,
                display_name: Option<&str>,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO people (team_id, user_id, slack_tz, display_name, slack_tz_checked_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5, $5) ON CONFLICT (team_id, user_id) DO UPDATE SET \
                     slack_tz = excluded.slack_tz, display_name = COALESCE(excluded.display_name, people.display_name), \
                     slack_tz_checked_at = excluded.slack_tz_checked_at, updated_at = excluded.updated_at",
                )
                .bind(team_id)
                .bind(user_id)
                .bind(tz)
                .bind(display_name)
                .bind(stored_instant(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn first_delivery(&self, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO slack_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
                )
                .bind(event_id)
                .bind(stored_instant(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn forget_deliveries_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM slack_events WHERE received_at < $1")
                    .bind(stored_instant(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn directory_revision(&self, team_id: &str) -> Result<i64, StoreError> {
                let revision: Option<(i64,)> = sqlx::query_as("SELECT revision FROM directory_revisions WHERE team_id = $1")
                    .bind(team_id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(revision.map_or(0, |(r,)| r))
            }

            async fn directory_revisions(&self) -> Result<Vec<(String, i64)>, StoreError> {
                Ok(sqlx::query_as("SELECT team_id, revision FROM directory_revisions")
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

impl_sql_store!(sqlx::Sqlite);
impl_sql_store!(sqlx::Postgres);
