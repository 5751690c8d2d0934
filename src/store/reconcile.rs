//! Reconciling reminders inside a transaction the caller holds: the undelivered rows under each
//! key prefix are made equal to the reminders wanted there, so a command's other writes and its
//! reminders commit together (or not at all). Also the insert of new rows that `schedule` and
//! `schedule_all` share with it.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use super::reminders::{NewReminder, Reconciled, Wanted};
use super::{stored_instant, SqlStore, StoreError};

/// A row under one of the prefixes that is not delivered: (status, due, recipients, payload).
type Undelivered = (String, DateTime<Utc>, String, String);

/// What one wanted reminder needs, given the undelivered row under its key, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// No such row: new, or in flight, or delivered (then the insert is a no-op).
    Insert,
    /// Pending, with another time or content.
    Move,
    /// Cancelled, and wanted again.
    Revive,
    /// Pending and unchanged.
    Keep,
}

fn step(wanted: &NewReminder, row: Option<&Undelivered>) -> Step {
    match row {
        None => Step::Insert,
        Some((status, ..)) if status == "cancelled" => Step::Revive,
        // The stored payload's text against the wanted one's (clippy's `cmp_owned` would compare
        // the text with a JSON string value, which is never equal).
        #[allow(clippy::cmp_owned)]
        Some((_, due, to, payload))
            if *due == stored_instant(wanted.due_at)
                && *to == wanted.recipients.join(",")
                && *payload == wanted.payload.to_string() =>
        {
            Step::Keep
        }
        Some(_) => Step::Move,
    }
}

/// Prefixes per look-up, and new rows per insert (seven parameters each): far below either
/// backend's limit on parameters.
const PREFIX_CHUNK: usize = 100;
pub(super) const INSERT_CHUNK: usize = 500;

const MOVE_SQL: &str =
    "UPDATE reminders SET recipients = $4, payload = $5, due_at = $6, next_attempt_at = $6 \
     WHERE key = $2 AND status = 'pending' AND team_id = $1 AND kind = $3";
const REVIVE_SQL: &str =
    "UPDATE reminders SET status = 'pending', recipients = $4, payload = $5, due_at = $6, \
     next_attempt_at = $6, attempts = 0, in_doubt = FALSE, last_error = NULL, finished_at = NULL \
     WHERE key = $2 AND status = 'cancelled' AND team_id = $1 AND kind = $3";
const CANCEL_SQL: &str =
    "UPDATE reminders SET status = 'cancelled', last_error = $1, finished_at = $2 \
     WHERE key = $3 AND status = 'pending'";

fn insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let p = i * 7;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 6,
                p + 7
            )
        })
        .collect();
    format!(
        "INSERT INTO reminders (team_id, key, kind, recipients, payload, due_at, next_attempt_at, created_at) \
         VALUES {} ON CONFLICT (key) DO NOTHING",
        values.join(", ")
    )
}

macro_rules! impl_reconcile {
    ($db:ty) => {
        impl SqlStore<$db> {
            /// A reminder's six columns: `$1`…`$6` of MOVE_SQL and REVIVE_SQL, or a row's first
            /// six of an insert.
            fn bind_reminder<'q>(
                query: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
                r: &'q NewReminder,
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
                query
                    .bind(&r.team_id)
                    .bind(&r.key)
                    .bind(&r.kind)
                    .bind(r.recipients.join(","))
                    .bind(r.payload.to_string())
                    .bind(stored_instant(r.due_at))
            }

            /// Inserts reminders in one statement, skipping keys that exist; how many were new.
            /// At most INSERT_CHUNK at a time.
            pub(super) async fn insert_new<'c, E>(
                executor: E,
                reminders: &[&NewReminder],
                now: DateTime<Utc>,
            ) -> Result<u64, StoreError>
            where
                E: sqlx::Executor<'c, Database = $db>,
            {
                let sql = insert_sql(reminders.len());
                // One row is the common statement (`schedule`): worth keeping prepared.
                let mut query = sqlx::query(&sql).persistent(reminders.len() == 1);
                for r in reminders {
                    query = Self::bind_reminder(query, r).bind(stored_instant(now));
                }
                Ok(query.execute(executor).await?.rows_affected())
            }

            /// `ReminderStore::reconcile` for several prefixes at once, in `tx`. The prefixes must
            /// not overlap: a row under two of them would be wanted by one and cancelled by the other.
            pub(super) async fn reconcile_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                groups: &[Wanted],
                reason: &str,
                now: DateTime<Utc>,
            ) -> Result<Reconciled, StoreError> {
                let existing = Self::undelivered_under(tx, groups).await?;
                let mut done = Reconciled::default();
                let mut new = Vec::new();
                for group in groups {
                    for r in &group.reminders {
                        let (sql, counter) = match step(r, existing.get(&r.key)) {
                            Step::Move if group.keep_pending => continue,
                            Step::Insert => {
                                new.push(r);
                                continue;
                            }
                            Step::Keep => continue,
                            Step::Move => (MOVE_SQL, &mut done.moved),
                            Step::Revive => (REVIVE_SQL, &mut done.revived),
                        };
                        *counter += Self::bind_reminder(sqlx::query(sql), r)
                            .execute(&mut **tx)
                            .await?
                            .rows_affected();
                    }
                }
                let wanted: std::collections::HashSet<&str> = groups
                    .iter()
                    .flat_map(|g| g.reminders.iter().map(|r| r.key.as_str()))
                    .collect();
                let unwanted: Vec<String> = existing
                    .iter()
                    .filter(|(key, (status, ..))| {
                        status == "pending" && !wanted.contains(key.as_str())
                    })
                    .map(|(key, _)| key.clone())
                    .collect();
                for key in unwanted {
                    done.cancelled += sqlx::query(CANCEL_SQL)
                        .bind(reason)
                        .bind(stored_instant(now))
                        .bind(key)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected();
                }
                for chunk in new.chunks(INSERT_CHUNK) {
                    done.inserted += Self::insert_new(&mut **tx, chunk, now).await?;
                }
                Ok(done)
            }

            /// The pending and cancelled rows under any of the groups' prefixes, by key.
            async fn undelivered_under(
                tx: &mut sqlx::Transaction<'_, $db>,
                groups: &[Wanted],
            ) -> Result<HashMap<String, Undelivered>, StoreError> {
                let mut found = HashMap::new();
                for chunk in groups.chunks(PREFIX_CHUNK) {
                    let likes: Vec<String> = (1..=chunk.len())
                        .map(|i| format!("key LIKE ${i} ESCAPE '\\'"))
                        .collect();
                    let sql = format!(
                        "SELECT key, status, due_at, recipients, payload FROM reminders \
                         WHERE ({}) AND status IN ('pending', 'cancelled')",
                        likes.join(" OR ")
                    );
                    let mut query =
                        sqlx::query_as::<_, (String, String, DateTime<Utc>, String, String)>(&sql)
                            .persistent(false);
                    for group in chunk {
                        query = query.bind(group.pattern());
                    }
                    for (key, status, due, to, payload) in query.fetch_all(&mut **tx).await? {
                        found.insert(key, (status, due, to, payload));
                    }
                }
                Ok(found)
            }
        }
    };
}

impl_reconcile!(sqlx::Sqlite);
impl_reconcile!(sqlx::Postgres);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn wanted(due_min: u32, payload: serde_json::Value) -> NewReminder {
        NewReminder {
            team_id: "T".into(),
            key: "k".into(),
            kind: "1on1".into(),
            recipients: vec!["U1".into()],
            payload,
            due_at: Utc.with_ymd_and_hms(2026, 1, 1, 10, due_min, 0).unwrap(),
        }
    }

    #[test]
    fn each_row_gets_the_step_it_needs() {
        let r = wanted(0, serde_json::json!({"a": 1}));
        let row = |status: &str, due_min, payload: &str| {
            (
                status.to_owned(),
                Utc.with_ymd_and_hms(2026, 1, 1, 10, due_min, 0).unwrap(),
                "U1".to_owned(),
                payload.to_owned(),
            )
        };
        assert_eq!(step(&r, None), Step::Insert);
        assert_eq!(step(&r, Some(&row("pending", 0, r#"{"a":1}"#))), Step::Keep);
        assert_eq!(step(&r, Some(&row("pending", 5, r#"{"a":1}"#))), Step::Move);
        assert_eq!(step(&r, Some(&row("pending", 0, r#"{"a":2}"#))), Step::Move);
        assert_eq!(
            step(&r, Some(&row("cancelled", 0, r#"{"a":1}"#))),
            Step::Revive
        );
    }
}
