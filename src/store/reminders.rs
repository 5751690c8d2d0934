//! The reminder queue: durable rows with a unique key per occurrence, claimed under a lease.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::{stored_instant, SqlStore, StoreError};

/// A reminder to be delivered: what, to whom, when (UTC), and the key that makes it happen once.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReminder {
    pub team_id: String,
    /// One key per occurrence, e.g. `1on1:42:7:U123`: inserting it twice is a no-op.
    pub key: String,
    pub kind: String,
    /// One user id for a DM; several for a group DM.
    pub recipients: Vec<String>,
    pub payload: serde_json::Value,
    pub due_at: DateTime<Utc>,
}

/// A claimed reminder, handed to the deliverer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub id: i64,
    pub team_id: String,
    pub key: String,
    pub kind: String,
    pub recipients: Vec<String>,
    pub payload: serde_json::Value,
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
    /// An earlier attempt may have reached Slack (a crash, a timeout): check before sending again.
    pub in_doubt: bool,
}

/// How a claimed reminder ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Sent {
        channel: String,
        ts: String,
    },
    Failed(String),
    /// More than a day late: not worth sending.
    Dropped(String),
    /// No longer relevant (a 1:1 stopped, a digest with nothing to say).
    Cancelled(String),
}

/// What a `reconcile` changed, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub inserted: u64,
    pub revived: u64,
    pub moved: u64,
    pub cancelled: u64,
}

/// The reminders wanted under one key prefix, for `reconcile_all`.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub prefix: String,
    pub reminders: Vec<NewReminder>,
    /// A wanted row already pending stays as it is, even if its time or content differ: the plan
    /// is confirmed, not changed (missing and cancelled rows are still made, unwanted ones still
    /// cancelled).
    pub keep_pending: bool,
    /// `prefix` is a whole key, not the start of keys: `debrief:7` must not reach `debrief:70`.
    pub exact: bool,
}

impl Wanted {
    /// Exactly `reminders` under `prefix`.
    pub fn exactly(prefix: String, reminders: Vec<NewReminder>) -> Self {
        Self {
            prefix,
            reminders,
            keep_pending: false,
            exact: false,
        }
    }

    /// Exactly `reminders` under the one key `key`.
    pub fn one_key(key: String, reminders: Vec<NewReminder>) -> Self {
        Self {
            exact: true,
            ..Self::exactly(key, reminders)
        }
    }

    /// The LIKE pattern for the rows this group is about.
    pub(super) fn pattern(&self) -> String {
        if self.exact {
            like_exact(&self.prefix)
        } else {
            like_prefix(&self.prefix)
        }
    }

    /// None under `prefix`: every pending one is cancelled.
    pub fn none(prefix: String) -> Self {
        Self::exactly(prefix, Vec::new())
    }
}

/// `prefix` as a LIKE pattern that matches only keys starting with it.
pub(super) fn like_prefix(prefix: &str) -> String {
    format!("{}%", like_exact(prefix))
}

/// `key` as a LIKE pattern that matches only itself.
fn like_exact(key: &str) -> String {
    key.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[async_trait]
pub trait ReminderStore: Send + Sync {
    /// Inserts the reminder unless its key exists; true if it was new.
    async fn schedule(
        &self,
        reminder: &NewReminder,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Inserts several reminders, up to 500 in one statement, skipping keys that exist; returns
    /// how many were new.
    async fn schedule_all(
        &self,
        reminders: &[NewReminder],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Claims up to `limit` reminders that are due (or whose lease ran out) for `owner`.
    /// `only_team` narrows it to one workspace (the terminal shell's).
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        owner: &str,
        limit: i64,
        only_team: Option<&str>,
    ) -> Result<Vec<Reminder>, StoreError>;
    /// Records the outcome; false if the claim was lost to another replica meanwhile.
    async fn finish(
        &self,
        id: i64,
        owner: &str,
        outcome: &Finish,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records several outcomes in one transaction; for each, false if its claim was lost.
    async fn finish_all(
        &self,
        owner: &str,
        outcomes: &[(i64, Finish)],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError>;
    /// Puts a claimed reminder back for another attempt at `at`.
    async fn retry_at(
        &self,
        id: i64,
        owner: &str,
        at: DateTime<Utc>,
        error: &str,
        in_doubt: bool,
    ) -> Result<bool, StoreError>;
    /// Puts claimed reminders back untried, each due at its time, with the claim's attempt not
    /// counted (they waited for their workspace's turn); for each, false if its claim was lost.
    async fn put_back_all(
        &self,
        owner: &str,
        rows: &[(i64, DateTime<Utc>)],
    ) -> Result<Vec<bool>, StoreError>;
    /// Gives back every claim of `owner` (graceful shutdown), keeping their in-doubt flags.
    async fn release_claims(&self, owner: &str) -> Result<u64, StoreError>;
    /// Gives back every claim of `owner` when its deliveries were cut off mid-way (a shutdown
    /// past its deadline): each is marked in doubt, so whoever takes it next first looks in
    /// Slack for a message that may already have gone out.
    async fn abandon_claims(&self, owner: &str) -> Result<u64, StoreError>;
    /// Cancels pending reminders whose key starts with `prefix` (a 1:1 stopped, a person forgotten).
    async fn cancel_pending(
        &self,
        prefix: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Makes the not-yet-delivered reminders whose key starts with `prefix` equal to `wanted`, in
    /// one transaction: a matching pending row is kept (moved if its time or content changed), a
    /// cancelled one wanted again is revived, a pending one no longer wanted is cancelled with
    /// `reason`, a new one is inserted. Rows in flight or delivered are left as they are, so
    /// planning again, on any replica, any number of times, is safe.
    async fn reconcile(
        &self,
        prefix: &str,
        wanted: &[NewReminder],
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Reconciled, StoreError>;
    /// `reconcile` for several prefixes (which must not overlap) in one transaction.
    async fn reconcile_all(
        &self,
        groups: &[Wanted],
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Reconciled, StoreError>;
    /// The earliest moment something will be ready, so an idle loop knows there is nothing to do.
    async fn next_ready_at(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Deletes reminders that finished (sent, failed, dropped, cancelled) before `cutoff`.
    async fn purge_finished_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Remembers a person's DM channel with the bot (it never changes once Slack opened it, so
    /// this only writes the first time, or if it ever differs).
    async fn set_dm_channel(
        &self,
        team_id: &str,
        user_id: &str,
        channel: &str,
    ) -> Result<(), StoreError>;
    /// `set_dm_channel` for a batch of sent reminders (team, user, channel): one read, and a
    /// write only for channels not known yet.
    async fn set_dm_channels(
        &self,
        channels: &[(String, String, String)],
    ) -> Result<(), StoreError>;
    async fn dm_channel(&self, team_id: &str, user_id: &str) -> Result<Option<String>, StoreError>;
}

#[derive(sqlx::FromRow)]
struct ReminderRow {
    id: i64,
    team_id: String,
    key: String,
    kind: String,
    recipients: String,
    payload: String,
    due_at: DateTime<Utc>,
    attempts: i32,
    in_doubt: bool,
}

impl From<ReminderRow> for Reminder {
    fn from(row: ReminderRow) -> Self {
        Reminder {
            id: row.id,
            team_id: row.team_id,
            key: row.key,
            kind: row.kind,
            recipients: row
                .recipients
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            // Written by us as JSON; a row that no longer parses is delivered with an empty payload and fails visibly.
            payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
            due_at: row.due_at,
            attempts: row.attempts,
            in_doubt: row.in_doubt,
        }
    }
}

const CLAIMABLE: &str =
    "(status = 'pending' AND next_attempt_at <= $3) OR (status = 'claimed' AND lease_until <= $3)";
const CLAIM_SET: &str =
    "status = 'claimed', lease_until = $1, claimed_by = $2, attempts = attempts + 1, \
     in_doubt = (in_doubt OR status = 'claimed')";
const RETURNING: &str =
    "RETURNING id, team_id, key, kind, recipients, payload, due_at, attempts, in_doubt";

/// PostgreSQL: concurrent schedulers skip each other's locked rows instead of waiting or doubling.
/// The two kinds of claimable rows are looked up separately: an `OR` of the two turns into a
/// bitmap scan, which cannot skip the dead index entries a burst of deliveries leaves behind,
/// and kept an idle tick slow until vacuum. Rows locked but left out by the final `LIMIT` are
/// let go when the statement's transaction ends.
pub(super) fn claim_sql_postgres(team_filter: &str) -> String {
    format!(
        "WITH ready AS (SELECT id FROM reminders WHERE status = 'pending' AND next_attempt_at <= $3{team_filter} \
         ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED), \
         lapsed AS (SELECT id FROM reminders WHERE status = 'claimed' AND lease_until <= $3{team_filter} \
         ORDER BY lease_until, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
         UPDATE reminders SET {CLAIM_SET} WHERE id IN \
         (SELECT id FROM (SELECT id FROM lapsed UNION ALL SELECT id FROM ready) AS due LIMIT $4) {RETURNING}"
    )
}

/// SQLite: one writer at a time, so a single UPDATE … RETURNING is already atomic.
pub(super) fn claim_sql_sqlite(team_filter: &str) -> String {
    format!(
        "UPDATE reminders SET {CLAIM_SET} WHERE id IN (SELECT id FROM reminders WHERE ({CLAIMABLE}){team_filter} \
         ORDER BY next_attempt_at, id LIMIT $4) {RETURNING}"
    )
}

/// Outcomes per statement: five parameters each stays far below either backend's limit.
const FINISH_CHUNK: usize = 500;

const FINISH_SQL: &str =
    "UPDATE reminders SET status = $1, channel_id = COALESCE($2, channel_id), message_ts = COALESCE($3, message_ts), \
     last_error = COALESCE($4, last_error), finished_at = $5, lease_until = NULL \
     WHERE id = $6 AND status = 'claimed' AND claimed_by = $7";

fn finish_columns(outcome: &Finish) -> (&'static str, Option<&str>, Option<&str>, Option<&str>) {
    match outcome {
        Finish::Sent { channel, ts } => ("sent", Some(channel.as_str()), Some(ts.as_str()), None),
        Finish::Failed(why) => ("failed", None, None, Some(why.as_str())),
        Finish::Dropped(why) => ("dropped", None, None, Some(why.as_str())),
        Finish::Cancelled(why) => ("cancelled", None, None, Some(why.as_str())),
    }
}

macro_rules! impl_reminder_store {
    ($db:ty, $claim_sql:expr) => {
        #[async_trait]
        impl ReminderStore for SqlStore<$db> {
            async fn schedule(&self, r: &NewReminder, now: DateTime<Utc>) -> Result<bool, StoreError> {
                Ok(Self::insert_new(&self.pool, &[r], now).await? == 1)
            }

            async fn schedule_all(&self, reminders: &[NewReminder], now: DateTime<Utc>) -> Result<u64, StoreError> {
                let all: Vec<&NewReminder> = reminders.iter().collect();
                let mut inserted = 0;
                for chunk in all.chunks(super::reconcile::INSERT_CHUNK) {
                    inserted += Self::insert_new(&self.pool, chunk, now).await?;
                }
                Ok(inserted)
            }

            async fn claim_due(
                &self,
                now: DateTime<Utc>,
                lease: Duration,
                owner: &str,
                limit: i64,
                only_team: Option<&str>,
            ) -> Result<Vec<Reminder>, StoreError> {
                let sql = $claim_sql(if only_team.is_some() { " AND team_id = $5" } else { "" });
                let mut query = sqlx::query_as::<_, ReminderRow>(&sql)
                    .bind(stored_instant(now + lease))
                    .bind(owner)
                    .bind(stored_instant(now))
                    .bind(limit);
                if let Some(team) = only_team {
                    query = query.bind(team);
                }
                let rows = query.fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Reminder::from).collect())
            }

            async fn finish(&self, id: i64, owner: &str, outcome: &Finish, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let (status, channel, ts, error) = finish_columns(outcome);
                let done = sqlx::query(FINISH_SQL)
                .bind(status)
                .bind(channel)
                .bind(ts)
                .bind(error)
                .bind(stored_instant(now))
                .bind(id)
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_all(&self, owner: &str, outcomes: &[(i64, Finish)], now: DateTime<Utc>) -> Result<Vec<bool>, StoreError> {
                // One statement for the batch: one round trip and one commit (one WAL flush on
                // PostgreSQL, one turn at the write lock on SQLite) instead of one per reminder.
                let mut recorded = std::collections::HashSet::new();
                for chunk in outcomes.chunks(FINISH_CHUNK) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|i| {
                            let p = 3 + i * 5;
                            format!("(${}, ${}, ${}, ${}, ${})", p, p + 1, p + 2, p + 3, p + 4)
                        })
                        .collect();
                    let sql = format!(
                        "UPDATE reminders SET status = v.column2, channel_id = COALESCE(v.column3, reminders.channel_id), \
                         message_ts = COALESCE(v.column4, reminders.message_ts), last_error = COALESCE(v.column5, reminders.last_error), \
                         finished_at = $1, lease_until = NULL \
                         FROM (VALUES {}) AS v \
                         WHERE reminders.id = v.column1 AND reminders.status = 'claimed' AND reminders.claimed_by = $2 \
                         RETURNING id",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query_as::<_, (i64,)>(&sql).persistent(false).bind(stored_instant(now)).bind(owner);
                    for (id, outcome) in chunk {
                        let (status, channel, ts, error) = finish_columns(outcome);
                        query = query.bind(id).bind(status).bind(channel).bind(ts).bind(error);
                    }
                    recorded.extend(query.fetch_all(&self.pool).await?.into_iter().map(|(id,)| id));
                }
                Ok(outcomes.iter().map(|(id, _)| recorded.contains(id)).collect())
            }

            async fn retry_at(&self, id: i64, owner: &str, at: DateTime<Utc>, error: &str, in_doubt: bool) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE reminders SET status = 'pending', next_attempt_at = $1, last_error = $2, in_doubt = (in_doubt OR $3), \
                     lease_until = NULL WHERE id = $4 AND status = 'claimed' AND claimed_by = $5",
                )
                .bind(stored_instant(at))
                .bind(error)
                .bind(in_doubt)
                .bind(id)
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn put_back_all(&self, owner: &str, rows: &[(i64, DateTime<Utc>)]) -> Result<Vec<bool>, StoreError> {
                let mut kept = std::collections::HashSet::new();
                for chunk in rows.chunks(FINISH_CHUNK) {
                    let values: Vec<String> = (0..chunk.len())
                        .map(|i| format!("(${}, ${})", 2 + i * 2, 3 + i * 2))
                        .collect();
                    let sql = format!(
                        "UPDATE reminders SET status = 'pending', next_attempt_at = v.column2, lease_until = NULL, \
                         attempts = CASE WHEN reminders.attempts > 0 THEN reminders.attempts - 1 ELSE 0 END \
                         FROM (VALUES {}) AS v \
                         WHERE reminders.id = v.column1 AND reminders.status = 'claimed' AND reminders.claimed_by = $1 \
                         RETURNING id",
                        values.join(", ")
                    );
                    let mut query = sqlx::query_as::<_, (i64,)>(&sql).persistent(false).bind(owner);
                    for (id, at) in chunk {
                        query = query.bind(id).bind(stored_instant(*at));
                    }
                    kept.extend(query.fetch_all(&self.pool).await?.into_iter().map(|(id,)| id));
                }
                Ok(rows.iter().map(|(id, _)| kept.contains(id)).collect())
            }

            async fn release_claims(&self, owner: &str) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE reminders SET status = 'pending', lease_until = NULL WHERE status = 'claimed' AND claimed_by = $1",
                )
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn abandon_claims(&self, owner: &str) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE reminders SET status = 'pending', lease_until = NULL, in_doubt = TRUE \
                     WHERE status = 'claimed' AND claimed_by = $1",
                )
                .bind(owner)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn cancel_pending(&self, prefix: &str, reason: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
                let pattern = like_prefix(prefix);
                let done = sqlx::query(
                    "UPDATE reminders SET status = 'cancelled', last_error = $1, finished_at = $2 \
                     WHERE status = 'pending' AND key LIKE $3 ESCAPE '\\'",
                )
                .bind(reason)
                .bind(stored_instant(now))
                .bind(pattern)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn reconcile(
                &self,
                prefix: &str,
                wanted: &[NewReminder],
                reason: &str,
                now: DateTime<Utc>,
            ) -> Result<Reconciled, StoreError> {
                let group = Wanted::exactly(prefix.to_owned(), wanted.to_vec());
                self.reconcile_all(std::slice::from_ref(&group), reason, now).await
            }

            async fn reconcile_all(&self, groups: &[Wanted], reason: &str, now: DateTime<Utc>) -> Result<Reconciled, StoreError> {
                let mut tx = self.begin().await?;
                let done = Self::reconcile_in(&mut tx, groups, reason, now).await?;
                tx.commit().await?;
                Ok(done)
            }

            async fn next_ready_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
                let row: Option<(DateTime<Utc>,)> = sqlx::query_as(
                    "SELECT next_attempt_at FROM reminders WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(at,)| at))
            }

            async fn purge_finished_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM reminders WHERE status IN ('sent', 'failed', 'dropped', 'cancelled') AND finished_at < $1",
                )
                .bind(stored_instant(cutoff))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn set_dm_channel(&self, team_id: &str, user_id: &str, channel: &str) -> Result<(), StoreError> {
                // Every sent DM lands here. A read in the usual case, not a write: on SQLite a write
                // waits for the one write lock and makes every other connection drop its page cache;
                // on PostgreSQL it leaves a dead row version behind.
                if self.dm_channel(team_id, user_id).await?.as_deref() == Some(channel) {
                    return Ok(());
                }
                sqlx::query("UPDATE people SET dm_channel = $1 WHERE team_id = $2 AND user_id = $3")
                    .bind(channel)
                    .bind(team_id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_dm_channels(&self, channels: &[(String, String, String)]) -> Result<(), StoreError> {
                let mut by_team: std::collections::BTreeMap<&str, Vec<&(String, String, String)>> = Default::default();
                for entry in channels {
                    by_team.entry(entry.0.as_str()).or_default().push(entry);
                }
                for (team_id, entries) in by_team {
                    let users: Vec<&String> = entries.iter().map(|(_, user, _)| user).collect();
                    let sql = format!(
                        "SELECT user_id, dm_channel FROM people WHERE team_id = $1 AND user_id IN ({})",
                        super::placeholders(2, users.len())
                    );
                    let mut query = sqlx::query_as::<_, (String, Option<String>)>(&sql).persistent(false).bind(team_id);
                    for user in &users {
                        query = query.bind(*user);
                    }
                    let known: std::collections::HashMap<String, Option<String>> =
                        query.fetch_all(&self.pool).await?.into_iter().collect();
                    let mut once = std::collections::HashSet::new();
                    let changed: Vec<_> = entries
                        .into_iter()
                        .filter(|(_, user, channel)| {
                            known.get(user).is_some_and(|held| held.as_deref() != Some(channel.as_str()))
                                && once.insert(user.as_str())
                        })
                        .collect();
                    if changed.is_empty() {
                        continue;
                    }
                    let rows: Vec<String> = (0..changed.len())
                        .map(|i| format!("(${}, ${})", 2 + 2 * i, 3 + 2 * i))
                        .collect();
                    let sql = format!(
                        "UPDATE people SET dm_channel = v.column2 FROM (VALUES {}) AS v \
                         WHERE people.team_id = $1 AND people.user_id = v.column1",
                        rows.join(", ")
                    );
                    let mut update = sqlx::query(&sql).persistent(false).bind(team_id);
                    for (_, user_id, channel) in changed {
                        update = update.bind(user_id).bind(channel);
                    }
                    update.execute(&self.pool).await?;
                }
                Ok(())
            }

            async fn dm_channel(&self, team_id: &str, user_id: &str) -> Result<Option<String>, StoreError> {
                let row: Option<(Option<String>,)> =
                    sqlx::query_as("SELECT dm_channel FROM people WHERE team_id = $1 AND user_id = $2")
                        .bind(team_id)
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.and_then(|(c,)| c))
            }
        }

        impl SqlStore<$db> {
        }
    };
}

impl_reminder_store!(sqlx::Sqlite, claim_sql_sqlite);
impl_reminder_store!(sqlx::Postgres, claim_sql_postgres);
