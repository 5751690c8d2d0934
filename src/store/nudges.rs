//! What the nudges remember: 1:1 cadences and their meetings, debriefs and feedback, reviews, conferences.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{stored_instant, SqlStore, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CadenceStatus {
    Active,
    Declined,
    Stopped,
}

impl CadenceStatus {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            CadenceStatus::Active => "active",
            CadenceStatus::Declined => "declined",
            CadenceStatus::Stopped => "stopped",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "active" => CadenceStatus::Active,
            "declined" => CadenceStatus::Declined,
            _ => CadenceStatus::Stopped,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadenceRecord {
    pub id: i64,
    pub team_id: String,
    pub manager_id: String,
    pub report_id: String,
    pub every_weeks: u8,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub at_minute: u16,
    pub anchor: NaiveDate,
    pub status: CadenceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingStatus {
    Planned,
    Done,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    pub id: i64,
    pub cadence_id: i64,
    pub seq: i32,
    pub starts_at: DateTime<Utc>,
    pub status: MeetingStatus,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebriefRecord {
    pub id: i64,
    pub team_id: String,
    pub organizer_id: String,
    pub project: String,
    pub on_date: NaiveDate,
    pub participants: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRecord {
    pub debrief_id: i64,
    pub author_id: Option<String>,
    pub went_well: String,
    pub differently: String,
    pub learned: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub id: i64,
    pub team_id: String,
    pub manager_id: String,
    pub report_id: String,
    pub on_date: NaiveDate,
    pub agreed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceRecord {
    pub id: i64,
    pub user_id: String,
    pub name: String,
    pub name_key: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The schedule part of a cadence, as the manager set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CadenceSchedule {
    pub every_weeks: u8,
    pub weekday: u8,
    pub at_minute: u16,
    pub anchor: NaiveDate,
}

#[async_trait]
pub trait NudgeStore: Send + Sync {
    /// Creates or re-sets the pair's cadence (active again, new schedule).
    async fn upsert_cadence(
        &self,
        team_id: &str,
        manager_id: &str,
        report_id: &str,
        schedule: CadenceSchedule,
        now: DateTime<Utc>,
    ) -> Result<CadenceRecord, StoreError>;
    async fn cadence(&self, id: i64) -> Result<Option<CadenceRecord>, StoreError>;
    /// Those of these cadences that exist, in one read.
    async fn cadences(&self, ids: &[i64]) -> Result<Vec<CadenceRecord>, StoreError>;
    async fn cadence_for(
        &self,
        team_id: &str,
        manager_id: &str,
        report_id: &str,
    ) -> Result<Option<CadenceRecord>, StoreError>;
    async fn set_cadence_status(
        &self,
        id: i64,
        status: CadenceStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn cadences_of_manager(
        &self,
        team_id: &str,
        manager_id: &str,
    ) -> Result<Vec<CadenceRecord>, StoreError>;

    /// The cadence's meeting at that instant, created (numbered `seq`) if new.
    async fn ensure_meeting(
        &self,
        cadence_id: i64,
        seq: i32,
        starts_at: DateTime<Utc>,
    ) -> Result<MeetingRecord, StoreError>;
    /// Each cadence's meeting at that instant, created (numbered `seq`) where new: one write for
    /// a batch. Returned in no particular order.
    async fn ensure_meetings(
        &self,
        wanted: &[(i64, i32, DateTime<Utc>)],
    ) -> Result<Vec<MeetingRecord>, StoreError>;
    async fn meeting(&self, id: i64) -> Result<Option<MeetingRecord>, StoreError>;
    /// Those of these meetings that exist, in one read.
    async fn meetings(&self, ids: &[i64]) -> Result<Vec<MeetingRecord>, StoreError>;
    /// Every meeting of these cadences, in one read, by cadence and `seq`.
    async fn meetings_of_all(&self, cadence_ids: &[i64]) -> Result<Vec<MeetingRecord>, StoreError>;
    /// Moves a planned meeting (snooze); false if it is no longer planned.
    async fn move_meeting(&self, id: i64, starts_at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Marks a planned meeting done or skipped; false if it was not planned any more.
    async fn finish_meeting(
        &self,
        id: i64,
        status: MeetingStatus,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn meetings_of(&self, cadence_id: i64) -> Result<Vec<MeetingRecord>, StoreError>;

    async fn create_debrief(
        &self,
        team_id: &str,
        organizer_id: &str,
        project: &str,
        on_date: NaiveDate,
        participants: &[String],
        now: DateTime<Utc>,
    ) -> Result<DebriefRecord, StoreError>;
    async fn debrief(&self, id: i64) -> Result<Option<DebriefRecord>, StoreError>;
    async fn debriefs_of_organizer(
        &self,
        team_id: &str,
        organizer_id: &str,
    ) -> Result<Vec<DebriefRecord>, StoreError>;
    /// Stores one person's feedback (a second answer replaces the first).
    async fn save_feedback(
        &self,
        feedback: &FeedbackRecord,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn feedback_for(&self, debrief_id: i64) -> Result<Vec<FeedbackRecord>, StoreError>;
    /// Deletes feedback written before `cutoff` (the retention period).
    async fn purge_feedback_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;

    async fn create_review(
        &self,
        team_id: &str,
        manager_id: &str,
        report_id: &str,
        on_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<ReviewRecord, StoreError>;
    async fn review(&self, id: i64) -> Result<Option<ReviewRecord>, StoreError>;
    async fn reviews_of_manager(
        &self,
        team_id: &str,
        manager_id: &str,
    ) -> Result<Vec<ReviewRecord>, StoreError>;

    /// Registers attendance (its `id` is ignored); false if that person already registered for it.
    async fn join_conference(
        &self,
        team_id: &str,
        attendance: &ConferenceRecord,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn leave_conference(
        &self,
        team_id: &str,
        user_id: &str,
        name_key: &str,
    ) -> Result<u64, StoreError>;
    async fn conferences(&self, team_id: &str) -> Result<Vec<ConferenceRecord>, StoreError>;
}

pub(super) const CADENCE_COLUMNS: &str =
    "id, team_id, manager_id, report_id, every_weeks, weekday, at_minute, anchor_date, status";
pub(super) const MEETING_COLUMNS: &str = "id, cadence_id, seq, starts_at, status, finished_at";
pub(super) const DEBRIEF_COLUMNS: &str =
    "id, team_id, organizer_id, project, on_date, participants";
pub(super) const REVIEW_COLUMNS: &str = "id, team_id, manager_id, report_id, on_date, agreed";

pub(super) type CadenceRow = (i64, String, String, String, i32, i32, i32, String, String);
pub(super) type MeetingRow = (i64, i64, i32, DateTime<Utc>, String, Option<DateTime<Utc>>);
pub(super) type DebriefRow = (i64, String, String, String, String, String);
pub(super) type ReviewRow = (i64, String, String, String, String, Option<String>);
type FeedbackRow = (i64, Option<String>, String, String, String);
pub(super) type ConferenceRow = (i64, String, String, String, String, String);

pub(super) fn date(s: &str) -> NaiveDate {
    // Dates are written by this code as YYYY-MM-DD; the epoch marks a row that was edited by hand.
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

pub(super) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn cadence(row: CadenceRow) -> CadenceRecord {
    let (id, team_id, manager_id, report_id, every, weekday, at, anchor, status) = row;
    CadenceRecord {
        id,
        team_id,
        manager_id,
        report_id,
        every_weeks: u8::try_from(every).unwrap_or(1),
        weekday: u8::try_from(weekday).unwrap_or(0),
        at_minute: u16::try_from(at).unwrap_or(0),
        anchor: date(&anchor),
        status: CadenceStatus::parse(&status),
    }
}

pub(super) fn meeting(row: MeetingRow) -> MeetingRecord {
    let (id, cadence_id, seq, starts_at, status, finished_at) = row;
    let status = match status.as_str() {
        "done" => MeetingStatus::Done,
        "skipped" => MeetingStatus::Skipped,
        _ => MeetingStatus::Planned,
    };
    MeetingRecord {
        id,
        cadence_id,
        seq,
        starts_at,
        status,
        finished_at,
    }
}

pub(super) fn debrief(row: DebriefRow) -> DebriefRecord {
    let (id, team_id, organizer_id, project, on_date, participants) = row;
    DebriefRecord {
        id,
        team_id,
        organizer_id,
        project,
        on_date: date(&on_date),
        participants: participants
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

pub(super) fn review(row: ReviewRow) -> ReviewRecord {
    let (id, team_id, manager_id, report_id, on_date, agreed) = row;
    ReviewRecord {
        id,
        team_id,
        manager_id,
        report_id,
        on_date: date(&on_date),
        agreed,
    }
}

macro_rules! impl_nudge_store {
    ($db:ty) => {
        #[async_trait]
        impl NudgeStore for SqlStore<$db> {
            async fn upsert_cadence(&self, team_id: &str, manager_id: &str, report_id: &str, s: CadenceSchedule, now: DateTime<Utc>) -> Result<CadenceRecord, StoreError> {
                let sql = format!(
                    "INSERT INTO cadences (team_id, manager_id, report_id, every_weeks, weekday, at_minute, anchor_date, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $8) ON CONFLICT (team_id, manager_id, report_id) DO UPDATE SET \
                     every_weeks = excluded.every_weeks, weekday = excluded.weekday, at_minute = excluded.at_minute, \
                     anchor_date = excluded.anchor_date, status = 'active', updated_at = excluded.updated_at RETURNING {CADENCE_COLUMNS}"
                );
                let row: CadenceRow = sqlx::query_as(&sql)
                    .bind(team_id).bind(manager_id).bind(report_id)
                    .bind(i32::from(s.every_weeks)).bind(i32::from(s.weekday)).bind(i32::from(s.at_minute))
                    .bind(ymd(s.anchor)).bind(stored_instant(now))
                    .fetch_one(&self.pool).await?;
                Ok(cadence(row))
            }

            async fn cadence(&self, id: i64) -> Result<Option<CadenceRecord>, StoreError> {
                let sql = format!("SELECT {CADENCE_COLUMNS} FROM cadences WHERE id = $1");
                let row: Option<CadenceRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(cadence))
            }

            async fn cadences(&self, ids: &[i64]) -> Result<Vec<CadenceRecord>, StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!("SELECT {CADENCE_COLUMNS} FROM cadences WHERE id IN ({})", super::placeholders(1, ids.len()));
                let mut query = sqlx::query_as::<_, CadenceRow>(&sql).persistent(false);
                for id in ids {
                    query = query.bind(id);
                }
                Ok(query.fetch_all(&self.pool).await?.into_iter().map(cadence).collect())
            }

            async fn cadence_for(&self, team_id: &str, manager_id: &str, report_id: &str) -> Result<Option<CadenceRecord>, StoreError> {
                let sql = format!("SELECT {CADENCE_COLUMNS} FROM cadences WHERE team_id = $1 AND manager_id = $2 AND report_id = $3");
                let row: Option<CadenceRow> = sqlx::query_as(&sql).bind(team_id).bind(manager_id).bind(report_id).fetch_optional(&self.pool).await?;
                Ok(row.map(cadence))
            }

            async fn set_cadence_status(&self, id: i64, status: CadenceStatus, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("UPDATE cadences SET status = $1, updated_at = $2 WHERE id = $3")
                    .bind(status.as_str()).bind(stored_instant(now)).bind(id)
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn cadences_of_manager(&self, team_id: &str, manager_id: &str) -> Result<Vec<CadenceRecord>, StoreError> {
                let sql = format!("SELECT {CADENCE_COLUMNS} FROM cadences WHERE team_id = $1 AND manager_id = $2 ORDER BY report_id");
                let rows: Vec<CadenceRow> = sqlx::query_as(&sql).bind(team_id).bind(manager_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(cadence).collect())
            }

            async fn ensure_meeting(&self, cadence_id: i64, seq: i32, starts_at: DateTime<Utc>) -> Result<MeetingRecord, StoreError> {
                sqlx::query("INSERT INTO meetings (cadence_id, seq, starts_at) VALUES ($1, $2, $3) ON CONFLICT (cadence_id, starts_at) DO NOTHING")
                    .bind(cadence_id).bind(seq).bind(stored_instant(starts_at))
                    .execute(&self.pool).await?;
                let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE cadence_id = $1 AND starts_at = $2");
                let row: MeetingRow = sqlx::query_as(&sql).bind(cadence_id).bind(stored_instant(starts_at)).fetch_one(&self.pool).await?;
                Ok(meeting(row))
            }

            async fn ensure_meetings(&self, wanted: &[(i64, i32, DateTime<Utc>)]) -> Result<Vec<MeetingRecord>, StoreError> {
                if wanted.is_empty() {
                    return Ok(Vec::new());
                }
                let rows: Vec<String> = (0..wanted.len())
                    .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                    .collect();
                let sql = format!(
                    "INSERT INTO meetings (cadence_id, seq, starts_at) VALUES {} ON CONFLICT (cadence_id, starts_at) DO NOTHING",
                    rows.join(", ")
                );
                let mut insert = sqlx::query(&sql).persistent(false);
                for (cadence_id, seq, starts_at) in wanted {
                    insert = insert.bind(cadence_id).bind(seq).bind(stored_instant(*starts_at));
                }
                insert.execute(&self.pool).await?;
                // Both lists narrow it to about the rows wanted; the exact pairs are picked below.
                let sql = format!(
                    "SELECT {MEETING_COLUMNS} FROM meetings WHERE cadence_id IN ({}) AND starts_at IN ({})",
                    super::placeholders(1, wanted.len()),
                    super::placeholders(wanted.len() + 1, wanted.len())
                );
                let mut select = sqlx::query_as::<_, MeetingRow>(&sql).persistent(false);
                for (cadence_id, _, _) in wanted {
                    select = select.bind(cadence_id);
                }
                for (_, _, starts_at) in wanted {
                    select = select.bind(stored_instant(*starts_at));
                }
                let wanted_at: std::collections::HashSet<(i64, DateTime<Utc>)> = wanted
                    .iter()
                    .map(|(cadence_id, _, at)| (*cadence_id, stored_instant(*at)))
                    .collect();
                Ok(select
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(meeting)
                    .filter(|m| wanted_at.contains(&(m.cadence_id, m.starts_at)))
                    .collect())
            }

            async fn meetings(&self, ids: &[i64]) -> Result<Vec<MeetingRecord>, StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE id IN ({})", super::placeholders(1, ids.len()));
                let mut query = sqlx::query_as::<_, MeetingRow>(&sql).persistent(false);
                for id in ids {
                    query = query.bind(id);
                }
                Ok(query.fetch_all(&self.pool).await?.into_iter().map(meeting).collect())
            }

            async fn meetings_of_all(&self, cadence_ids: &[i64]) -> Result<Vec<MeetingRecord>, StoreError> {
                if cadence_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT {MEETING_COLUMNS} FROM meetings WHERE cadence_id IN ({}) ORDER BY cadence_id, seq",
                    super::placeholders(1, cadence_ids.len())
                );
                let mut query = sqlx::query_as::<_, MeetingRow>(&sql).persistent(false);
                for id in cadence_ids {
                    query = query.bind(id);
                }
                Ok(query.fetch_all(&self.pool).await?.into_iter().map(meeting).collect())
            }

            async fn meeting(&self, id: i64) -> Result<Option<MeetingRecord>, StoreError> {
                let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1");
                let row: Option<MeetingRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(meeting))
            }

            async fn move_meeting(&self, id: i64, starts_at: DateTime<Utc>) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE meetings SET starts_at = $1 WHERE id = $2 AND status = 'planned'")
                    .bind(stored_instant(starts_at)).bind(id)
                    .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_meeting(&self, id: i64, status: MeetingStatus, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let status = match status {
                    MeetingStatus::Done => "done",
                    MeetingStatus::Skipped => "skipped",
                    MeetingStatus::Planned => "planned",
                };
                let done = sqlx::query("UPDATE meetings SET status = $1, finished_at = $2 WHERE id = $3 AND status = 'planned'")
                    .bind(status).bind(stored_instant(now)).bind(id)
                    .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn meetings_of(&self, cadence_id: i64) -> Result<Vec<MeetingRecord>, StoreError> {
                let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE cadence_id = $1 ORDER BY seq");
                let rows: Vec<MeetingRow> = sqlx::query_as(&sql).bind(cadence_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(meeting).collect())
            }

            async fn create_debrief(&self, team_id: &str, organizer_id: &str, project: &str, on_date: NaiveDate, participants: &[String], now: DateTime<Utc>) -> Result<DebriefRecord, StoreError> {
                let sql = format!(
                    "INSERT INTO debriefs (team_id, organizer_id, project, on_date, participants, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {DEBRIEF_COLUMNS}"
                );
                let row: DebriefRow = sqlx::query_as(&sql)
                    .bind(team_id).bind(organizer_id).bind(project).bind(ymd(on_date))
                    .bind(participants.join(",")).bind(stored_instant(now))
                    .fetch_one(&self.pool).await?;
                Ok(debrief(row))
            }

            async fn debrief(&self, id: i64) -> Result<Option<DebriefRecord>, StoreError> {
                let sql = format!("SELECT {DEBRIEF_COLUMNS} FROM debriefs WHERE id = $1");
                let row: Option<DebriefRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(debrief))
            }

            async fn debriefs_of_organizer(&self, team_id: &str, organizer_id: &str) -> Result<Vec<DebriefRecord>, StoreError> {
                let sql = format!("SELECT {DEBRIEF_COLUMNS} FROM debriefs WHERE team_id = $1 AND organizer_id = $2 ORDER BY on_date, id");
                let rows: Vec<DebriefRow> = sqlx::query_as(&sql).bind(team_id).bind(organizer_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(debrief).collect())
            }

            async fn save_feedback(&self, f: &FeedbackRecord, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO feedback (debrief_id, author_id, went_well, differently, learned, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (debrief_id, author_id) DO UPDATE SET went_well = excluded.went_well, \
                     differently = excluded.differently, learned = excluded.learned, created_at = excluded.created_at",
                )
                .bind(f.debrief_id).bind(&f.author_id).bind(&f.went_well).bind(&f.differently).bind(&f.learned)
                .bind(stored_instant(now))
                .execute(&self.pool).await?;
                Ok(())
            }

            async fn feedback_for(&self, debrief_id: i64) -> Result<Vec<FeedbackRecord>, StoreError> {
                let rows: Vec<FeedbackRow> = sqlx::query_as(
                    "SELECT debrief_id, author_id, went_well, differently, learned FROM feedback WHERE debrief_id = $1 ORDER BY id",
                )
                .bind(debrief_id)
                .fetch_all(&self.pool).await?;
                Ok(rows
                    .into_iter()
                    .map(|(debrief_id, author_id, went_well, differently, learned)| FeedbackRecord { debrief_id, author_id, went_well, differently, learned })
                    .collect())
            }

            async fn purge_feedback_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM feedback WHERE created_at < $1")
                    .bind(stored_instant(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn create_review(&self, team_id: &str, manager_id: &str, report_id: &str, on_date: NaiveDate, now: DateTime<Utc>) -> Result<ReviewRecord, StoreError> {
                let sql = format!(
                    "INSERT INTO reviews (team_id, manager_id, report_id, on_date, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {REVIEW_COLUMNS}"
                );
                let row: ReviewRow = sqlx::query_as(&sql)
                    .bind(team_id).bind(manager_id).bind(report_id).bind(ymd(on_date)).bind(stored_instant(now))
                    .fetch_one(&self.pool).await?;
                Ok(review(row))
            }

            async fn review(&self, id: i64) -> Result<Option<ReviewRecord>, StoreError> {
                let sql = format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = $1");
                let row: Option<ReviewRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(review))
            }

            async fn reviews_of_manager(&self, team_id: &str, manager_id: &str) -> Result<Vec<ReviewRecord>, StoreError> {
                let sql = format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE team_id = $1 AND manager_id = $2 ORDER BY on_date, id");
                let rows: Vec<ReviewRow> = sqlx::query_as(&sql).bind(team_id).bind(manager_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(review).collect())
            }

            async fn join_conference(&self, team_id: &str, a: &ConferenceRecord, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO conferences (team_id, user_id, name, name_key, start_date, end_date, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (team_id, user_id, name_key, start_date) DO NOTHING",
                )
                .bind(team_id).bind(&a.user_id).bind(&a.name).bind(&a.name_key).bind(ymd(a.start)).bind(ymd(a.end)).bind(stored_instant(now))
                .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn leave_conference(&self, team_id: &str, user_id: &str, name_key: &str) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM conferences WHERE team_id = $1 AND user_id = $2 AND name_key = $3")
                    .bind(team_id).bind(user_id).bind(name_key)
                    .execute(&self.pool).await?;
                Ok(done.rows_affected())
            }

            async fn conferences(&self, team_id: &str) -> Result<Vec<ConferenceRecord>, StoreError> {
                let rows: Vec<ConferenceRow> = sqlx::query_as(
                    "SELECT id, user_id, name, name_key, start_date, end_date FROM conferences WHERE team_id = $1 ORDER BY start_date, id",
                )
                .bind(team_id)
                .fetch_all(&self.pool).await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, user_id, name, name_key, start, end)| ConferenceRecord { id, user_id, name, name_key, start: date(&start), end: date(&end) })
                    .collect())
            }
        }
    };
}

impl_nudge_store!(sqlx::Sqlite);
impl_nudge_store!(sqlx::Postgres);
