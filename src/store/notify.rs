//! "Tell me when" subscriptions: who asked to be told when whom (or which topic) opens, written
//! together with the DMs they plan, in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::reminders::{NewReminder, Wanted};
use super::{stored_instant, SqlStore, StoreError};
use crate::domain::notify::Target;

/// One subscription, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub team_id: String,
    /// The subscriber.
    pub user_id: String,
    pub target: Target,
    /// Not announced before then: the stretch already open when it was made.
    pub quiet_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The reminder kind of a subscription's DMs.
pub const NOTIFY_KIND: &str = "notify";

/// The key prefix of one subscription's DMs; a DM's key adds the subscriber's local date, so
/// each goes at most once a day (`notify:<team>:<subscriber>:<id>:<date>`).
pub fn notify_prefix(team_id: &str, user_id: &str, id: i64) -> String {
    format!("{NOTIFY_KIND}:{team_id}:{user_id}:{id}:")
}

/// What `subscribe` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribed {
    New(Subscription),
    /// The same thing was already watched: nothing changed.
    Already(Subscription),
    /// Refused, nothing written: they hold this many already.
    Full(usize),
}

/// The DMs a subscription wants now (asked inside the transaction that writes it).
pub type NotifyPlan<'a> = &'a (dyn Fn(&Subscription) -> Vec<NewReminder> + Sync);

#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Adds a subscription with its planned DMs, unless the same one exists or the subscriber
    /// already holds `max`. One transaction; on PostgreSQL one subscriber's changes take turns.
    #[allow(clippy::too_many_arguments)]
    async fn subscribe(
        &self,
        team_id: &str,
        user_id: &str,
        target: &Target,
        quiet_until: Option<DateTime<Utc>>,
        max: usize,
        plan: NotifyPlan<'_>,
        now: DateTime<Utc>,
    ) -> Result<Subscribed, StoreError>;
    /// Deletes the subscription to `target` (all of them for `None`) and cancels their DMs not
    /// yet sent; what was deleted.
    async fn unsubscribe(
        &self,
        team_id: &str,
        user_id: &str,
        target: Option<&Target>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Subscription>, StoreError>;
    /// A subscriber's subscriptions, oldest first.
    async fn subscriptions(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Vec<Subscription>, StoreError>;
    /// One subscription, only in its workspace.
    async fn subscription(
        &self,
        team_id: &str,
        id: i64,
    ) -> Result<Option<Subscription>, StoreError>;
    /// The subscriptions a change to `mentor_id`'s hours may concern: those to them, and every
    /// topic subscription in the workspace (a topic window may have come or gone).
    async fn subscriptions_watching(
        &self,
        team_id: &str,
        mentor_id: &str,
    ) -> Result<Vec<Subscription>, StoreError>;
    /// Deletes subscriptions made before `cutoff` that have sent nothing since (RETENTION_DAYS).
    async fn purge_subscriptions_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;
}

type SubscriptionRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);
const COLUMNS: &str = "id, team_id, user_id, target, value, quiet_until, created_at";

/// A row whose target kind this version does not know is left out rather than misread.
fn subscription(row: SubscriptionRow) -> Option<Subscription> {
    let (id, team_id, user_id, target, value, quiet_until, created_at) = row;
    Some(Subscription {
        id,
        team_id,
        user_id,
        target: Target::stored(&target, &value)?,
        quiet_until,
        created_at,
    })
}

fn subscriptions(rows: Vec<SubscriptionRow>) -> Vec<Subscription> {
    rows.into_iter().filter_map(subscription).collect()
}

/// Whether a sent DM of the subscription finished since `$1` (`s` is the subscription).
const SENT_SINCE: &str = "EXISTS (SELECT 1 FROM reminders r WHERE r.team_id = s.team_id AND r.kind = 'notify' \
     AND r.status = 'sent' AND r.finished_at >= $1 \
     AND r.key LIKE ('notify:' || s.team_id || ':' || s.user_id || ':' || CAST(s.id AS TEXT) || ':%'))";

macro_rules! impl_notify_store {
    ($db:ty, $lock:expr) => {
        #[async_trait]
        impl NotifyStore for SqlStore<$db> {
            async fn subscribe(&self, team_id: &str, user_id: &str, target: &Target, quiet_until: Option<DateTime<Utc>>, max: usize, plan: NotifyPlan<'_>, now: DateTime<Utc>) -> Result<Subscribed, StoreError> {
                let mut tx = self.begin().await?;
                if let Some(lock) = $lock {
                    sqlx::query(lock).bind(format!("notify:{team_id}:{user_id}")).execute(&mut *tx).await?;
                }
                // A write first: SQLite then holds its write lock for the count below.
                let sql = format!(
                    "INSERT INTO notify_subscriptions (team_id, user_id, target, value, target_key, quiet_until, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (team_id, user_id, target, target_key) DO NOTHING RETURNING {COLUMNS}"
                );
                let inserted: Option<SubscriptionRow> = sqlx::query_as(&sql)
                    .bind(team_id).bind(user_id).bind(target.kind()).bind(target.value()).bind(target.key())
                    .bind(quiet_until.map(stored_instant)).bind(stored_instant(now))
                    .fetch_optional(&mut *tx).await?;
                let Some(row) = inserted.and_then(subscription) else {
                    let sql = format!("SELECT {COLUMNS} FROM notify_subscriptions WHERE team_id = $1 AND user_id = $2 AND target = $3 AND target_key = $4");
                    let row: Option<SubscriptionRow> = sqlx::query_as(&sql)
                        .bind(team_id).bind(user_id).bind(target.kind()).bind(target.key())
                        .fetch_optional(&mut *tx).await?;
                    tx.rollback().await?;
                    return match row.and_then(subscription) {
                        Some(existing) => Ok(Subscribed::Already(existing)),
                        None => Err(StoreError::Database(sqlx::Error::RowNotFound)),
                    };
                };
                let (held,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notify_subscriptions WHERE team_id = $1 AND user_id = $2")
                    .bind(team_id).bind(user_id).fetch_one(&mut *tx).await?;
                let held = usize::try_from(held).unwrap_or(usize::MAX);
                if held > max {
                    tx.rollback().await?;
                    return Ok(Subscribed::Full(held - 1));
                }
                let wanted = Wanted::exactly(notify_prefix(team_id, user_id, row.id), plan(&row));
                Self::reconcile_in(&mut tx, &[wanted], "replanned", now).await?;
                tx.commit().await?;
                Ok(Subscribed::New(row))
            }

            async fn unsubscribe(&self, team_id: &str, user_id: &str, target: Option<&Target>, now: DateTime<Utc>) -> Result<Vec<Subscription>, StoreError> {
                let mut tx = self.begin().await?;
                let rows: Vec<SubscriptionRow> = match target {
                    Some(target) => sqlx::query_as(&format!(
                        "DELETE FROM notify_subscriptions WHERE team_id = $1 AND user_id = $2 AND target = $3 AND target_key = $4 RETURNING {COLUMNS}"
                    ))
                    .bind(team_id).bind(user_id).bind(target.kind()).bind(target.key())
                    .fetch_all(&mut *tx).await?,
                    None => sqlx::query_as(&format!(
                        "DELETE FROM notify_subscriptions WHERE team_id = $1 AND user_id = $2 RETURNING {COLUMNS}"
                    ))
                    .bind(team_id).bind(user_id)
                    .fetch_all(&mut *tx).await?,
                };
                let gone = subscriptions(rows);
                let groups: Vec<Wanted> = gone.iter().map(|s| Wanted::none(notify_prefix(team_id, user_id, s.id))).collect();
                if !groups.is_empty() {
                    Self::reconcile_in(&mut tx, &groups, "notify turned off", now).await?;
                }
                tx.commit().await?;
                Ok(gone)
            }

            async fn subscriptions(&self, team_id: &str, user_id: &str) -> Result<Vec<Subscription>, StoreError> {
                let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM notify_subscriptions WHERE team_id = $1 AND user_id = $2 ORDER BY id"
                ))
                .bind(team_id).bind(user_id).fetch_all(&self.pool).await?;
                Ok(subscriptions(rows))
            }

            async fn subscription(&self, team_id: &str, id: i64) -> Result<Option<Subscription>, StoreError> {
                let row: Option<SubscriptionRow> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM notify_subscriptions WHERE team_id = $1 AND id = $2"
                ))
                .bind(team_id).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.and_then(subscription))
            }

            async fn subscriptions_watching(&self, team_id: &str, mentor_id: &str) -> Result<Vec<Subscription>, StoreError> {
                let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM notify_subscriptions WHERE team_id = $1 \
                     AND ((target = 'person' AND target_key = $2) OR target = 'topic') ORDER BY id"
                ))
                .bind(team_id).bind(mentor_id).fetch_all(&self.pool).await?;
                Ok(subscriptions(rows))
            }

            async fn purge_subscriptions_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
                let sql = format!("DELETE FROM notify_subscriptions WHERE id IN (SELECT s.id FROM notify_subscriptions s WHERE s.created_at < $1 AND NOT {SENT_SINCE})");
                let done = sqlx::query(&sql).bind(stored_instant(cutoff)).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }
        }
    };
}

impl_notify_store!(sqlx::Sqlite, None::<&str>);
impl_notify_store!(
    sqlx::Postgres,
    Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
);
