//! What a gathering command writes together with its reminders, each command in one
//! transaction: a conference registration (or leaving one) with that conference's
//! introductions, a debrief with its group DM, an advancement talk with its prompts; and the
//! count of invitations to other people each sender has made today, which the last two are
//! held to.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::nudges::{
    date, debrief, review, ymd, ConferenceRecord, ConferenceRow, DebriefRecord, DebriefRow,
    ReviewRecord, ReviewRow, DEBRIEF_COLUMNS, REVIEW_COLUMNS,
};
use super::reminders::{NewReminder, Wanted};
use super::{stored_instant, SqlStore, StoreError};

/// How many people a sender may still invite: their day (in their zone) and the day's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyLimit {
    pub day: NaiveDate,
    pub limit: u32,
}

/// What came of a command that invites other people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited<T> {
    Done(T),
    /// Refused, nothing written: it would go over the day's limit.
    OverLimit {
        invited_today: u32,
    },
}

/// A change to one person's registrations for a conference.
#[derive(Debug, Clone, Copy)]
pub enum Attendance<'a> {
    /// Registers (the record's `id` is ignored); nothing if they already registered for it.
    Join(&'a ConferenceRecord),
    Leave {
        user_id: &'a str,
        name_key: &'a str,
    },
}

/// What a conference change did: rows added or removed, and every registration for that name
/// (in the workspace) afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceChanged {
    pub changed: u64,
    pub registrations: Vec<ConferenceRecord>,
}

/// The introductions wanted among a conference name's registrations: the key prefix they all
/// share (so the ones no longer wanted are cancelled), and the reminders.
pub type Introductions<'a> = &'a (dyn Fn(&[ConferenceRecord]) -> (String, Vec<NewReminder>) + Sync);

/// One of the organiser's debriefs, and whether its group DM has gone out (sent, being sent,
/// or given up on), after which it is history rather than a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizedDebrief {
    pub record: DebriefRecord,
    pub gone_out: bool,
}

/// What a `debrief` command writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebriefWrite {
    Keep,
    /// A new debrief (`replaces: None`) or new details for an existing one, with `invited`
    /// people who were not invited before.
    Save {
        replaces: Option<i64>,
        project: String,
        on_date: NaiveDate,
        participants: Vec<String>,
        invited: u32,
    },
}

/// The nudges' side of saving a debrief, asked inside the transaction.
pub trait DebriefPlan: Sync {
    /// What to write, given the organiser's debriefs dated from `since` on.
    fn decide(&self, seen: &[OrganizedDebrief]) -> DebriefWrite;
    /// The key of a debrief's group DM (`Wanted::one_key`), to tell whether it has gone out.
    fn group_dm_key(&self, debrief_id: i64) -> String;
    /// The group DM a saved debrief should have.
    fn group_dm(&self, saved: &DebriefRecord) -> NewReminder;
}

/// What `save_debrief` saw (for the reply) and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebriefSaved {
    pub seen: Vec<OrganizedDebrief>,
    /// `Done(None)` when the plan kept things as they were.
    pub saved: Invited<Option<DebriefRecord>>,
}

/// An advancement talk to create: the manager's, with their report, on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewReview<'a> {
    pub team_id: &'a str,
    pub manager_id: &'a str,
    pub report_id: &'a str,
    pub on_date: NaiveDate,
}

/// The prompts a new advancement talk plans: their shared key prefix and the reminders.
pub type ReviewPrompts<'a> = &'a (dyn Fn(&ReviewRecord) -> (String, Vec<NewReminder>) + Sync);

#[async_trait]
pub trait GatheringStore: Send + Sync {
    /// Joins or leaves a conference and makes its pending introductions what `introductions`
    /// wants for the registrations that result, in one transaction. Changes to one conference
    /// name are serialised, so two people joining at once on two replicas are introduced.
    async fn change_attendance(
        &self,
        team_id: &str,
        change: Attendance<'_>,
        introductions: Introductions<'_>,
        now: DateTime<Utc>,
    ) -> Result<AttendanceChanged, StoreError>;

    /// Saves what `plan` decides about the organiser's debriefs dated `since` or later, with
    /// its group DM, unless it would invite more people than `limit` allows today. One
    /// transaction, which holds the organiser's count: the same command twice at once is
    /// decided once, then recognised.
    async fn save_debrief(
        &self,
        team_id: &str,
        organizer_id: &str,
        since: NaiveDate,
        limit: DailyLimit,
        plan: &dyn DebriefPlan,
        now: DateTime<Utc>,
    ) -> Result<DebriefSaved, StoreError>;

    /// Creates an advancement talk (inviting its report) with its prompts, within the limit.
    async fn create_review_within(
        &self,
        review: NewReview<'_>,
        limit: DailyLimit,
        prompts: ReviewPrompts<'_>,
        now: DateTime<Utc>,
    ) -> Result<Invited<ReviewRecord>, StoreError>;
}

fn conference(row: ConferenceRow) -> ConferenceRecord {
    let (id, user_id, name, name_key, start, end) = row;
    ConferenceRecord {
        id,
        user_id,
        name,
        name_key,
        start: date(&start),
        end: date(&end),
    }
}

/// Reads (and locks, for the rest of the transaction) the sender's count for `day`, starting
/// it again when their day has changed. The first statement of its transaction, so SQLite
/// takes its write lock before anything is read.
const INVITED_TODAY: &str =
    "INSERT INTO invitations (team_id, sender_id, day, invited) VALUES ($1, $2, $3, 0) \
     ON CONFLICT (team_id, sender_id) DO UPDATE SET \
     invited = CASE WHEN invitations.day = excluded.day THEN invitations.invited ELSE 0 END, day = excluded.day \
     RETURNING invited";
const COUNT_INVITED: &str =
    "UPDATE invitations SET invited = invited + $3 WHERE team_id = $1 AND sender_id = $2";

/// Statuses after which a reminder is no longer a plan (see `reconcile`).
const GONE_OUT: &str = "('claimed', 'sent', 'failed', 'dropped')";

/// `$lock` serialises changes to one conference: PostgreSQL takes an advisory lock on it (two
/// first registrations insert different rows, so no row lock would meet); SQLite has one
/// writer at a time already.
macro_rules! impl_gathering_store {
    ($db:ty, $lock:expr) => {
        impl SqlStore<$db> {
            async fn invited_today(tx: &mut sqlx::Transaction<'_, $db>, team_id: &str, sender_id: &str, day: NaiveDate) -> Result<u32, StoreError> {
                let (invited,): (i32,) = sqlx::query_as(INVITED_TODAY)
                    .bind(team_id).bind(sender_id).bind(ymd(day))
                    .fetch_one(&mut **tx).await?;
                Ok(u32::try_from(invited).unwrap_or(0))
            }

            async fn count_invited(tx: &mut sqlx::Transaction<'_, $db>, team_id: &str, sender_id: &str, invited: u32) -> Result<(), StoreError> {
                sqlx::query(COUNT_INVITED)
                    .bind(team_id).bind(sender_id).bind(i32::try_from(invited).unwrap_or(i32::MAX))
                    .execute(&mut **tx).await?;
                Ok(())
            }

            /// The organiser's debriefs from `since` on, each with whether its group DM went out.
            async fn organized_since(tx: &mut sqlx::Transaction<'_, $db>, team_id: &str, organizer_id: &str, since: NaiveDate, plan: &dyn DebriefPlan) -> Result<Vec<OrganizedDebrief>, StoreError> {
                let sql = format!("SELECT {DEBRIEF_COLUMNS} FROM debriefs WHERE team_id = $1 AND organizer_id = $2 AND on_date >= $3 ORDER BY on_date, id");
                let rows: Vec<DebriefRow> = sqlx::query_as(&sql)
                    .bind(team_id).bind(organizer_id).bind(ymd(since))
                    .fetch_all(&mut **tx).await?;
                let mut seen = Vec::with_capacity(rows.len());
                for row in rows {
                    let record = debrief(row);
                    let sql = format!("SELECT COUNT(*) FROM reminders WHERE key = $1 AND status IN {GONE_OUT}");
                    let (gone,): (i64,) = sqlx::query_as(&sql).bind(plan.group_dm_key(record.id)).fetch_one(&mut **tx).await?;
                    seen.push(OrganizedDebrief { record, gone_out: gone > 0 });
                }
                Ok(seen)
            }

            async fn write_debrief(tx: &mut sqlx::Transaction<'_, $db>, team_id: &str, organizer_id: &str, write: (Option<i64>, &str, NaiveDate, &[String]), now: DateTime<Utc>) -> Result<DebriefRecord, StoreError> {
                let (replaces, project, on_date, participants) = write;
                let row: DebriefRow = match replaces {
                    Some(id) => {
                        let sql = format!("UPDATE debriefs SET project = $1, on_date = $2, participants = $3 WHERE id = $4 AND team_id = $5 AND organizer_id = $6 RETURNING {DEBRIEF_COLUMNS}");
                        sqlx::query_as(&sql)
                            .bind(project).bind(ymd(on_date)).bind(participants.join(",")).bind(id).bind(team_id).bind(organizer_id)
                            .fetch_one(&mut **tx).await?
                    }
                    None => {
                        let sql = format!(
                            "INSERT INTO debriefs (team_id, organizer_id, project, on_date, participants, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {DEBRIEF_COLUMNS}"
                        );
                        sqlx::query_as(&sql)
                            .bind(team_id).bind(organizer_id).bind(project).bind(ymd(on_date)).bind(participants.join(",")).bind(stored_instant(now))
                            .fetch_one(&mut **tx).await?
                    }
                };
                Ok(debrief(row))
            }
        }

        #[async_trait]
        impl GatheringStore for SqlStore<$db> {
            async fn change_attendance(&self, team_id: &str, change: Attendance<'_>, introductions: Introductions<'_>, now: DateTime<Utc>) -> Result<AttendanceChanged, StoreError> {
                let name_key = match change {
                    Attendance::Join(a) => a.name_key.as_str(),
                    Attendance::Leave { name_key, .. } => name_key,
                };
                let mut tx = self.begin().await?;
                if let Some(lock) = $lock {
                    sqlx::query(lock).bind(format!("conference:{team_id}:{name_key}")).execute(&mut *tx).await?;
                }
                let changed = match change {
                    Attendance::Join(a) => sqlx::query(
                        "INSERT INTO conferences (team_id, user_id, name, name_key, start_date, end_date, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (team_id, user_id, name_key, start_date) DO NOTHING",
                    )
                    .bind(team_id).bind(&a.user_id).bind(&a.name).bind(&a.name_key).bind(ymd(a.start)).bind(ymd(a.end)).bind(stored_instant(now))
                    .execute(&mut *tx).await?,
                    Attendance::Leave { user_id, name_key } => sqlx::query("DELETE FROM conferences WHERE team_id = $1 AND user_id = $2 AND name_key = $3")
                        .bind(team_id).bind(user_id).bind(name_key)
                        .execute(&mut *tx).await?,
                }
                .rows_affected();
                let rows: Vec<ConferenceRow> = sqlx::query_as(
                    "SELECT id, user_id, name, name_key, start_date, end_date FROM conferences WHERE team_id = $1 AND name_key = $2 ORDER BY start_date, id",
                )
                .bind(team_id).bind(name_key)
                .fetch_all(&mut *tx).await?;
                let registrations: Vec<ConferenceRecord> = rows.into_iter().map(conference).collect();
                let (prefix, wanted) = introductions(&registrations);
                Self::reconcile_in(&mut tx, &[Wanted::exactly(prefix, wanted)], "no longer going together", now).await?;
                tx.commit().await?;
                Ok(AttendanceChanged { changed, registrations })
            }

            async fn save_debrief(&self, team_id: &str, organizer_id: &str, since: NaiveDate, limit: DailyLimit, plan: &dyn DebriefPlan, now: DateTime<Utc>) -> Result<DebriefSaved, StoreError> {
                let mut tx = self.begin().await?;
                let invited_today = Self::invited_today(&mut tx, team_id, organizer_id, limit.day).await?;
                let seen = Self::organized_since(&mut tx, team_id, organizer_id, since, plan).await?;
                let DebriefWrite::Save { replaces, project, on_date, participants, invited } = plan.decide(&seen) else {
                    tx.commit().await?;
                    return Ok(DebriefSaved { seen, saved: Invited::Done(None) });
                };
                if invited_today.saturating_add(invited) > limit.limit {
                    tx.rollback().await?;
                    return Ok(DebriefSaved { seen, saved: Invited::OverLimit { invited_today } });
                }
                let record = Self::write_debrief(&mut tx, team_id, organizer_id, (replaces, &project, on_date, &participants), now).await?;
                let group_dm = plan.group_dm(&record);
                Self::reconcile_in(&mut tx, &[Wanted::one_key(group_dm.key.clone(), vec![group_dm])], "the debrief changed", now).await?;
                Self::count_invited(&mut tx, team_id, organizer_id, invited).await?;
                tx.commit().await?;
                Ok(DebriefSaved { seen, saved: Invited::Done(Some(record)) })
            }

            async fn create_review_within(&self, review_of: NewReview<'_>, limit: DailyLimit, prompts: ReviewPrompts<'_>, now: DateTime<Utc>) -> Result<Invited<ReviewRecord>, StoreError> {
                let NewReview { team_id, manager_id, report_id, on_date } = review_of;
                let mut tx = self.begin().await?;
                let invited_today = Self::invited_today(&mut tx, team_id, manager_id, limit.day).await?;
                if invited_today.saturating_add(1) > limit.limit {
                    tx.rollback().await?;
                    return Ok(Invited::OverLimit { invited_today });
                }
                let sql = format!(
                    "INSERT INTO reviews (team_id, manager_id, report_id, on_date, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {REVIEW_COLUMNS}"
                );
                let row: ReviewRow = sqlx::query_as(&sql)
                    .bind(team_id).bind(manager_id).bind(report_id).bind(ymd(on_date)).bind(stored_instant(now))
                    .fetch_one(&mut *tx).await?;
                let record = review(row);
                let (prefix, wanted) = prompts(&record);
                Self::reconcile_in(&mut tx, &[Wanted::exactly(prefix, wanted)], "replanned", now).await?;
                Self::count_invited(&mut tx, team_id, manager_id, 1).await?;
                tx.commit().await?;
                Ok(Invited::Done(record))
            }
        }
    };
}

impl_gathering_store!(sqlx::Sqlite, None::<&str>);
impl_gathering_store!(
    sqlx::Postgres,
    Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
);
