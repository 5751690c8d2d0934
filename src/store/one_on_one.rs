//! A 1:1 command's writes in one transaction: the pair's cadence (checked against what the command
//! read), its meetings, and the reminders that follow from them. Either all of it is saved or none.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::nudges::{
    cadence, meeting, ymd, CadenceRecord, CadenceRow, CadenceSchedule, CadenceStatus,
    MeetingRecord, MeetingRow, CADENCE_COLUMNS, MEETING_COLUMNS,
};
use super::reminders::{like_prefix, Wanted};
use super::{stored_instant, SqlStore, StoreError};

impl CadenceRecord {
    /// The schedule part, as the manager set it.
    pub fn schedule(&self) -> CadenceSchedule {
        CadenceSchedule {
            every_weeks: self.every_weeks,
            weekday: self.weekday,
            at_minute: self.at_minute,
            anchor: self.anchor,
        }
    }
}

/// What the write does to the pair's cadence.
#[derive(Debug, Clone, Copy)]
pub enum CadenceChange<'a> {
    /// A new cadence for the pair: stale if one was created meanwhile.
    Create {
        team_id: &'a str,
        manager_id: &'a str,
        report_id: &'a str,
        schedule: CadenceSchedule,
        status: CadenceStatus,
    },
    /// The cadence as the command read it, given this schedule and status (the same ones to
    /// change nothing): stale if it changed meanwhile.
    Update {
        was: &'a CadenceRecord,
        schedule: CadenceSchedule,
        status: CadenceStatus,
    },
}

/// What the write does to one of the cadence's meetings, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingChange {
    /// A meeting that was never held goes (a changed schedule, stopped 1:1s); one marked done
    /// meanwhile stays.
    Drop(i64),
    /// A planned meeting at this start, numbered `seq`, unless the cadence has one there.
    Plan { seq: i32, starts_at: DateTime<Utc> },
    /// A planned meeting moves (a snooze): stale if it no longer starts at `from`, is no longer
    /// planned, or another meeting of the cadence is at `to`.
    Move {
        id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// At most `max` reminders whose key starts with `prefix` created since `since`: a sender's
/// invitations to other people, counted where every replica sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteLimit {
    pub prefix: String,
    pub since: DateTime<Utc>,
    pub max: i64,
}

/// The reminders wanted once the cadence and its meetings are written (the new rows' ids known):
/// given the cadence and every one of its meetings, the groups to reconcile.
pub type ReminderPlan<'a> =
    &'a (dyn Fn(&CadenceRecord, &[MeetingRecord]) -> Vec<Wanted> + Send + Sync);

pub struct OneOnOneWrite<'a> {
    pub cadence: CadenceChange<'a>,
    pub meetings: Vec<MeetingChange>,
    /// Checked before anything is saved; `None` when the write invites nobody.
    pub limit: Option<InviteLimit>,
    pub reminders: ReminderPlan<'a>,
    /// Why a pending reminder that is no longer wanted is cancelled.
    pub reason: &'a str,
}

/// What `save_one_on_one` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Everything, with the cadence and all its meetings as they are now.
    Saved {
        cadence: CadenceRecord,
        meetings: Vec<MeetingRecord>,
    },
    /// Nothing: the rows changed since the command read them (read again and decide again).
    Stale,
    /// Nothing: the sender already sent this many invitations.
    Limited { sent: i64 },
}

#[async_trait]
pub trait OneOnOneStore: Send + Sync {
    /// Writes the cadence, then its meetings, then reconciles its reminders, in one transaction.
    async fn save_one_on_one(
        &self,
        write: &OneOnOneWrite<'_>,
        now: DateTime<Utc>,
    ) -> Result<Saved, StoreError>;
    /// Every cadence in which this person is the report (their Home tab offers the declined ones).
    async fn cadences_of_report(
        &self,
        team_id: &str,
        report_id: &str,
    ) -> Result<Vec<CadenceRecord>, StoreError>;
}

const UPDATE_CADENCE: &str = "UPDATE cadences SET every_weeks = $1, weekday = $2, at_minute = $3, anchor_date = $4, \
     status = $5, updated_at = COALESCE($6, updated_at) WHERE id = $7 AND every_weeks = $8 AND weekday = $9 \
     AND at_minute = $10 AND anchor_date = $11 AND status = $12";
const DROP_MEETING: &str =
    "DELETE FROM meetings WHERE id = $1 AND cadence_id = $2 AND status <> 'done'";
const PLAN_MEETING: &str = "INSERT INTO meetings (cadence_id, seq, starts_at) VALUES ($1, $2, $3) \
     ON CONFLICT (cadence_id, starts_at) DO NOTHING";
const MOVE_MEETING: &str = "UPDATE meetings SET starts_at = $1 WHERE id = $2 AND cadence_id = $3 AND starts_at = $4 \
     AND status = 'planned' AND NOT EXISTS (SELECT 1 FROM meetings AS other WHERE other.cadence_id = $3 AND other.starts_at = $1)";
const COUNT_INVITES: &str =
    "SELECT COUNT(*) FROM reminders WHERE key LIKE $1 ESCAPE '\\' AND created_at > $2";

fn same(was: &CadenceRecord, schedule: CadenceSchedule, status: CadenceStatus) -> bool {
    was.schedule() == schedule && was.status == status
}

macro_rules! impl_one_on_one_store {
    ($db:ty) => {
        impl SqlStore<$db> {
            /// The cadence as written, or `None` when it is not as the command read it.
            async fn write_cadence(
                tx: &mut sqlx::Transaction<'_, $db>,
                change: &CadenceChange<'_>,
                now: DateTime<Utc>,
            ) -> Result<Option<CadenceRecord>, StoreError> {
                let row: Option<CadenceRow> = match *change {
                    CadenceChange::Create { team_id, manager_id, report_id, schedule: s, status } => {
                        let sql = format!(
                            "INSERT INTO cadences (team_id, manager_id, report_id, every_weeks, weekday, at_minute, anchor_date, \
                             status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                             ON CONFLICT (team_id, manager_id, report_id) DO NOTHING RETURNING {CADENCE_COLUMNS}"
                        );
                        sqlx::query_as(&sql)
                            .bind(team_id).bind(manager_id).bind(report_id)
                            .bind(i32::from(s.every_weeks)).bind(i32::from(s.weekday)).bind(i32::from(s.at_minute))
                            .bind(ymd(s.anchor)).bind(status.as_str()).bind(stored_instant(now))
                            .fetch_optional(&mut **tx).await?
                    }
                    CadenceChange::Update { was, schedule: s, status } => {
                        // Written even when nothing changes: the row is then locked until commit.
                        let touched = (!same(was, s, status)).then(|| stored_instant(now));
                        let w = was.schedule();
                        sqlx::query_as(&format!("{UPDATE_CADENCE} RETURNING {CADENCE_COLUMNS}"))
                            .bind(i32::from(s.every_weeks)).bind(i32::from(s.weekday)).bind(i32::from(s.at_minute))
                            .bind(ymd(s.anchor)).bind(status.as_str()).bind(touched).bind(was.id)
                            .bind(i32::from(w.every_weeks)).bind(i32::from(w.weekday)).bind(i32::from(w.at_minute))
                            .bind(ymd(w.anchor)).bind(was.status.as_str())
                            .fetch_optional(&mut **tx).await?
                    }
                };
                Ok(row.map(cadence))
            }

            /// False when a move found the meeting not as the command read it.
            async fn write_meetings(
                tx: &mut sqlx::Transaction<'_, $db>,
                cadence_id: i64,
                changes: &[MeetingChange],
            ) -> Result<bool, StoreError> {
                for change in changes {
                    match *change {
                        MeetingChange::Drop(id) => {
                            sqlx::query(DROP_MEETING).bind(id).bind(cadence_id).execute(&mut **tx).await?;
                        }
                        MeetingChange::Plan { seq, starts_at } => {
                            sqlx::query(PLAN_MEETING)
                                .bind(cadence_id).bind(seq).bind(stored_instant(starts_at))
                                .execute(&mut **tx).await?;
                        }
                        MeetingChange::Move { id, from, to } => {
                            let moved = sqlx::query(MOVE_MEETING)
                                .bind(stored_instant(to)).bind(id).bind(cadence_id).bind(stored_instant(from))
                                .execute(&mut **tx).await?;
                            if moved.rows_affected() != 1 {
                                return Ok(false);
                            }
                        }
                    }
                }
                Ok(true)
            }
        }

        #[async_trait]
        impl OneOnOneStore for SqlStore<$db> {
            async fn save_one_on_one(&self, write: &OneOnOneWrite<'_>, now: DateTime<Utc>) -> Result<Saved, StoreError> {
                let mut tx = self.begin().await?;
                let Some(record) = Self::write_cadence(&mut tx, &write.cadence, now).await? else {
                    tx.rollback().await?;
                    return Ok(Saved::Stale);
                };
                if let Some(limit) = &write.limit {
                    let (sent,): (i64,) = sqlx::query_as(COUNT_INVITES)
                        .bind(like_prefix(&limit.prefix)).bind(stored_instant(limit.since))
                        .fetch_one(&mut *tx).await?;
                    if sent >= limit.max {
                        tx.rollback().await?;
                        return Ok(Saved::Limited { sent });
                    }
                }
                if !Self::write_meetings(&mut tx, record.id, &write.meetings).await? {
                    tx.rollback().await?;
                    return Ok(Saved::Stale);
                }
                let sql = format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE cadence_id = $1 ORDER BY seq, starts_at");
                let rows: Vec<MeetingRow> = sqlx::query_as(&sql).bind(record.id).fetch_all(&mut *tx).await?;
                let meetings: Vec<MeetingRecord> = rows.into_iter().map(meeting).collect();
                let groups = (write.reminders)(&record, &meetings);
                Self::reconcile_in(&mut tx, &groups, write.reason, now).await?;
                tx.commit().await?;
                Ok(Saved::Saved { cadence: record, meetings })
            }

            async fn cadences_of_report(&self, team_id: &str, report_id: &str) -> Result<Vec<CadenceRecord>, StoreError> {
                let sql = format!("SELECT {CADENCE_COLUMNS} FROM cadences WHERE team_id = $1 AND report_id = $2 ORDER BY manager_id");
                let rows: Vec<CadenceRow> = sqlx::query_as(&sql).bind(team_id).bind(report_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(cadence).collect())
            }
        }
    };
}

impl_one_on_one_store!(sqlx::Sqlite);
impl_one_on_one_store!(sqlx::Postgres);
