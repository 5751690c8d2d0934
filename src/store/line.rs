//! Drop in: each mentor's line (who waits, who is being called), the visit log, and mentors'
//! meeting links. Each command is one transaction; a call is a conditional update guarded by a
//! unique index, so two presses or two replicas call one person.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::reminders::Wanted;
use super::{stored_instant, SqlStore, StoreError};

/// At most this many people in one mentor's line (waiting, called or held).
pub const MAX_LINE: i64 = 20;
/// The visits an estimate is made from: the mentor's most recent ones.
pub const RECENT_VISITS: i64 = 20;

/// One person in a mentor's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineEntry {
    pub id: i64,
    pub mentor_id: String,
    pub asker_id: String,
    pub topic: Option<String>,
    pub joined_at: DateTime<Utc>,
    /// Asked while the mentor was closed: held for her next window.
    pub held: bool,
    /// Being called now (since then).
    pub called_at: Option<DateTime<Utc>>,
    /// "Not today": not called before then (the mentor's next window).
    pub not_before: Option<DateTime<Utc>>,
    /// How many times they were told the mentor closed or opened: odd, the last they heard is
    /// that she is closed (or that their question is held); even, that she is open. Each
    /// announcement is the next number, so each closing and opening is told once.
    pub announced: i64,
}

impl LineEntry {
    /// Waiting to be called now (not being called, not put off to the next window).
    pub fn waiting_at(&self, now: DateTime<Utc>) -> bool {
        self.called_at.is_none() && self.not_before.is_none_or(|t| t <= now)
    }
}

/// Someone asking to join a mentor's line.
#[derive(Debug, Clone, Copy)]
pub struct Join<'a> {
    pub team_id: &'a str,
    pub mentor_id: &'a str,
    pub asker_id: &'a str,
    pub topic: Option<&'a str>,
    /// The mentor is closed: the question waits for her next window.
    pub held: bool,
}

/// One visit in the log, as a mentor's week is added up from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub visitor_id: String,
    /// When the visitor began waiting to be called (joined the line, or the mentor's next window
    /// after a "Not today"); None for visits logged before this was kept.
    pub joined_at: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// The question was held for the mentor's next window.
    pub held: bool,
    pub topic_label: Option<String>,
}

/// What joining did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    /// In line (new, or `again`: already there, topic updated, place kept). `line` is the whole
    /// line afterwards, in order; `visit_minutes` the mentor's recent visit lengths.
    InLine {
        again: bool,
        line: Vec<LineEntry>,
        visit_minutes: Vec<i64>,
    },
    /// Refused, nothing written: the line already holds `MAX_LINE` people.
    Full,
}

/// What `call_next` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Called {
    Called(LineEntry),
    /// Someone is being called already; nobody else was.
    Busy(LineEntry),
    /// Nobody is waiting.
    Empty,
}

/// The reminders a change to the line wants, given the row it is about and the whole line
/// afterwards (in order): groups under keys or prefixes that do not overlap.
pub type LineReminders<'a> = &'a (dyn Fn(&LineEntry, &[LineEntry]) -> Vec<Wanted> + Sync);
/// The reminders joining wants: as `LineReminders`, and whether the asker was there already.
pub type JoinReminders<'a> = &'a (dyn Fn(&LineEntry, bool, &[LineEntry]) -> Vec<Wanted> + Sync);
/// The topic label a finished visit keeps, from its free text (one of the mentor's topics).
pub type TopicLabel<'a> = &'a (dyn Fn(Option<&str>) -> Option<String> + Sync);

#[async_trait]
pub trait LineStore: Send + Sync {
    /// Joins the line (or updates the topic of the place the asker already has), with the
    /// reminders `on_join` wants for a new place, in one transaction.
    async fn join_line(
        &self,
        join: Join<'_>,
        on_join: JoinReminders<'_>,
        now: DateTime<Utc>,
    ) -> Result<Joined, StoreError>;
    /// Leaves the line, with the reminders `on_leave` wants (given the place removed and the
    /// line after), in one transaction; the place removed, if there was one.
    async fn leave_line(
        &self,
        team_id: &str,
        mentor_id: &str,
        asker_id: &str,
        on_leave: LineReminders<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<LineEntry>, StoreError>;
    /// The mentor's line in order: the person being called first, then by arrival.
    async fn line_of(&self, team_id: &str, mentor_id: &str) -> Result<Vec<LineEntry>, StoreError>;
    /// One place, by id, in the workspace.
    async fn line_entry(&self, team_id: &str, id: i64) -> Result<Option<LineEntry>, StoreError>;
    /// The mentor's most recent visit lengths, in whole minutes.
    async fn visit_minutes(&self, team_id: &str, mentor_id: &str) -> Result<Vec<i64>, StoreError>;
    /// Calls the first person waiting, unless someone is being called already, with the
    /// reminders `on_call` wants, in one transaction.
    async fn call_next(
        &self,
        team_id: &str,
        mentor_id: &str,
        on_call: LineReminders<'_>,
        now: DateTime<Utc>,
    ) -> Result<Called, StoreError>;
    /// Ends the visit of the person being called (`id`): their place and free text are deleted
    /// and the visit is logged with its length and topic label, with the reminders `on_done`
    /// wants (the mentor's week), in one transaction. None if they were not called.
    async fn finish_visit(
        &self,
        team_id: &str,
        mentor_id: &str,
        id: i64,
        label: TopicLabel<'_>,
        on_done: LineReminders<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<LineEntry>, StoreError>;
    /// The mentor's visits that ended in `[from, to)`, oldest first.
    async fn visits_between(
        &self,
        team_id: &str,
        mentor_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<VisitRecord>, StoreError>;
    /// How many questions held for the mentor's next window were asked in `[from, to)` and
    /// are still in her line (not yet a visit).
    async fn held_waiting(
        &self,
        team_id: &str,
        mentor_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// How many visits (to anyone) that ended in `[from, to)` `visitor_id` made.
    async fn visits_made(
        &self,
        team_id: &str,
        visitor_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// "Not today": the person keeps their place and question but is not called before
    /// `until` (the mentor's next window), with the reminders `on_change` wants.
    async fn not_today(
        &self,
        team_id: &str,
        mentor_id: &str,
        id: i64,
        until: DateTime<Utc>,
        on_change: LineReminders<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<LineEntry>, StoreError>;
    /// Sends the person called at `called_at` to the back of the line (their call went
    /// unanswered). True if this did it now or did it before for that same call; false if the
    /// call is over or was answered (`answer_call`).
    async fn skip_call(
        &self,
        team_id: &str,
        id: i64,
        called_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// The person called at `called_at` is with the mentor ("I'm here"): that call is never
    /// skipped. True if the call stands (answered now or before), false if it is over.
    async fn answer_call(
        &self,
        team_id: &str,
        id: i64,
        called_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records announcement number `step` (the mentor closed or opened) to place `id`. True if
    /// this did it now or it was done before (a retry of the same announcement); false if the
    /// place has moved on past it or never reached the one before.
    async fn announce(&self, team_id: &str, id: i64, step: i64) -> Result<bool, StoreError>;
    /// `late`: the mentor runs late until `until` (replacing what a previous `late` said),
    /// with the reminders that tell the people waiting, in one transaction.
    async fn set_late(
        &self,
        team_id: &str,
        mentor_id: &str,
        until: DateTime<Utc>,
        told: Vec<Wanted>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Until when the mentor runs late, if that is still ahead of `now`.
    async fn late_until(
        &self,
        team_id: &str,
        mentor_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// How many visits to the mentor ended at or after `since`.
    async fn visits_since(
        &self,
        team_id: &str,
        mentor_id: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    async fn meeting_link(
        &self,
        team_id: &str,
        user_id: &str,
    ) -> Result<Option<String>, StoreError>;
    async fn set_meeting_link(
        &self,
        team_id: &str,
        user_id: &str,
        url: Option<&str>,
    ) -> Result<(), StoreError>;
}

type EntryRow = (
    i64,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    bool,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i64,
);

const ENTRY_COLUMNS: &str =
    "id, mentor_id, asker_id, topic, joined_at, held, called_at, not_before, announced";

fn entry(row: EntryRow) -> LineEntry {
    let (id, mentor_id, asker_id, topic, joined_at, held, called_at, not_before, announced) = row;
    LineEntry {
        id,
        mentor_id,
        asker_id,
        topic,
        joined_at,
        held,
        called_at,
        not_before,
        announced,
    }
}

/// The called person first, then by arrival (held questions, asked earlier, come first).
const LINE_ORDER: &str = "ORDER BY CASE WHEN state = 'called' THEN 0 ELSE 1 END, joined_at, id";

/// The first waiting person becomes the one called, unless someone is called already: one
/// statement, and the unique index `line_one_call` refuses a second call in any case.
const CALL_NEXT: &str = "UPDATE line SET state = 'called', called_at = $3 \
     WHERE state = 'waiting' AND id = (SELECT id FROM line WHERE team_id = $1 AND mentor_id = $2 AND state = 'waiting' \
     AND (not_before IS NULL OR not_before <= $3) ORDER BY joined_at, id LIMIT 1) \
     AND NOT EXISTS (SELECT 1 FROM line WHERE team_id = $1 AND mentor_id = $2 AND state = 'called') \
     RETURNING id, mentor_id, asker_id, topic, joined_at, held, called_at, not_before, announced";

/// `$lock` serialises changes to one mentor's line on PostgreSQL (an advisory lock); SQLite has
/// one writer at a time, taken by each transaction's first statement, which is a write.
macro_rules! impl_line_store {
    ($db:ty, $lock:expr) => {
        impl SqlStore<$db> {
            async fn lock_line(tx: &mut sqlx::Transaction<'_, $db>, team_id: &str, mentor_id: &str) -> Result<(), StoreError> {
                if let Some(lock) = $lock {
                    sqlx::query(lock).bind(format!("line:{team_id}:{mentor_id}")).execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn line_in(tx: &mut sqlx::Transaction<'_, $db>, team_id: &str, mentor_id: &str) -> Result<Vec<LineEntry>, StoreError> {
                let sql = format!("SELECT {ENTRY_COLUMNS} FROM line WHERE team_id = $1 AND mentor_id = $2 {LINE_ORDER}");
                let rows: Vec<EntryRow> = sqlx::query_as(&sql).bind(team_id).bind(mentor_id).fetch_all(&mut **tx).await?;
                Ok(rows.into_iter().map(entry).collect())
            }

            async fn plan_in(tx: &mut sqlx::Transaction<'_, $db>, groups: Vec<Wanted>, now: DateTime<Utc>) -> Result<(), StoreError> {
                if !groups.is_empty() {
                    Self::reconcile_in(tx, &groups, "the line changed", now).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl LineStore for SqlStore<$db> {
            async fn join_line(&self, join: Join<'_>, on_join: JoinReminders<'_>, now: DateTime<Utc>) -> Result<Joined, StoreError> {
                let Join { team_id, mentor_id, asker_id, topic, held } = join;
                let mut tx = self.begin().await?;
                Self::lock_line(&mut tx, team_id, mentor_id).await?;
                // A write first: asking again keeps the place, and updates the topic if one is given.
                let sql = format!("UPDATE line SET topic = COALESCE($4, topic) WHERE team_id = $1 AND mentor_id = $2 AND asker_id = $3 RETURNING {ENTRY_COLUMNS}");
                let existing: Option<EntryRow> = sqlx::query_as(&sql)
                    .bind(team_id).bind(mentor_id).bind(asker_id).bind(topic)
                    .fetch_optional(&mut *tx).await?;
                let again = existing.is_some();
                let mine = if let Some(row) = existing {
                    entry(row)
                } else {
                    let sql = format!(
                        "INSERT INTO line (team_id, mentor_id, asker_id, topic, joined_at, held, state, announced) \
                         VALUES ($1, $2, $3, $4, $5, $6, 'waiting', $7) RETURNING {ENTRY_COLUMNS}"
                    );
                    let row: EntryRow = sqlx::query_as(&sql)
                        .bind(team_id).bind(mentor_id).bind(asker_id).bind(topic).bind(stored_instant(now)).bind(held)
                        .bind(i64::from(held))
                        .fetch_one(&mut *tx).await?;
                    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM line WHERE team_id = $1 AND mentor_id = $2")
                        .bind(team_id).bind(mentor_id).fetch_one(&mut *tx).await?;
                    if count > MAX_LINE {
                        tx.rollback().await?;
                        return Ok(Joined::Full);
                    }
                    entry(row)
                };
                let line = Self::line_in(&mut tx, team_id, mentor_id).await?;
                Self::plan_in(&mut tx, on_join(&mine, again, &line), now).await?;
                tx.commit().await?;
                let visit_minutes = self.visit_minutes(team_id, mentor_id).await?;
                Ok(Joined::InLine { again, line, visit_minutes })
            }

            async fn leave_line(&self, team_id: &str, mentor_id: &str, asker_id: &str, on_leave: LineReminders<'_>, now: DateTime<Utc>) -> Result<Option<LineEntry>, StoreError> {
                let mut tx = self.begin().await?;
                let sql = format!("DELETE FROM line WHERE team_id = $1 AND mentor_id = $2 AND asker_id = $3 RETURNING {ENTRY_COLUMNS}");
                let gone: Option<LineEntry> = sqlx::query_as(&sql).bind(team_id).bind(mentor_id).bind(asker_id).fetch_optional(&mut *tx).await?.map(entry);
                if let Some(gone) = &gone {
                    let line = Self::line_in(&mut tx, team_id, mentor_id).await?;
                    Self::plan_in(&mut tx, on_leave(gone, &line), now).await?;
                }
                tx.commit().await?;
                Ok(gone)
            }

            async fn line_of(&self, team_id: &str, mentor_id: &str) -> Result<Vec<LineEntry>, StoreError> {
                let sql = format!("SELECT {ENTRY_COLUMNS} FROM line WHERE team_id = $1 AND mentor_id = $2 {LINE_ORDER}");
                let rows: Vec<EntryRow> = sqlx::query_as(&sql).bind(team_id).bind(mentor_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(entry).collect())
            }

            async fn line_entry(&self, team_id: &str, id: i64) -> Result<Option<LineEntry>, StoreError> {
                let sql = format!("SELECT {ENTRY_COLUMNS} FROM line WHERE team_id = $1 AND id = $2");
                let row: Option<EntryRow> = sqlx::query_as(&sql).bind(team_id).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(entry))
            }

            async fn visit_minutes(&self, team_id: &str, mentor_id: &str) -> Result<Vec<i64>, StoreError> {
                let rows: Vec<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT started_at, ended_at FROM visits WHERE team_id = $1 AND mentor_id = $2 ORDER BY ended_at DESC, id DESC LIMIT $3",
                )
                .bind(team_id).bind(mentor_id).bind(RECENT_VISITS)
                .fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(start, end)| (end - start).num_minutes().max(0)).collect())
            }

            async fn call_next(&self, team_id: &str, mentor_id: &str, on_call: LineReminders<'_>, now: DateTime<Utc>) -> Result<Called, StoreError> {
                let mut tx = self.begin().await?;
                Self::lock_line(&mut tx, team_id, mentor_id).await?;
                let called: Option<EntryRow> = sqlx::query_as(CALL_NEXT)
                    .bind(team_id).bind(mentor_id).bind(stored_instant(now))
                    .fetch_optional(&mut *tx).await?;
                let outcome = match called {
                    Some(row) => {
                        let called = entry(row);
                        // Calling someone ends "running late": from here the estimates are plain again.
                        sqlx::query("DELETE FROM line_late WHERE team_id = $1 AND mentor_id = $2")
                            .bind(team_id).bind(mentor_id).execute(&mut *tx).await?;
                        let line = Self::line_in(&mut tx, team_id, mentor_id).await?;
                        Self::plan_in(&mut tx, on_call(&called, &line), now).await?;
                        Called::Called(called)
                    }
                    None => match Self::line_in(&mut tx, team_id, mentor_id).await?.into_iter().next() {
                        Some(first) if first.called_at.is_some() => Called::Busy(first),
                        _ => Called::Empty,
                    },
                };
                tx.commit().await?;
                Ok(outcome)
            }

            async fn finish_visit(&self, team_id: &str, mentor_id: &str, id: i64, label: TopicLabel<'_>, on_done: LineReminders<'_>, now: DateTime<Utc>) -> Result<Option<LineEntry>, StoreError> {
                let mut tx = self.begin().await?;
                let sql = format!("DELETE FROM line WHERE team_id = $1 AND mentor_id = $2 AND id = $3 AND state = 'called' RETURNING {ENTRY_COLUMNS}");
                let row: Option<EntryRow> = sqlx::query_as(&sql).bind(team_id).bind(mentor_id).bind(id).fetch_optional(&mut *tx).await?;
                let Some(done) = row.map(entry) else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let started = done.called_at.unwrap_or(now);
                // Someone put off with "Not today" began waiting again at the mentor's next window.
                let waiting_since = done.not_before.map_or(done.joined_at, |t| t.max(done.joined_at)).min(started);
                sqlx::query("INSERT INTO visits (team_id, mentor_id, visitor_id, started_at, ended_at, topic_label, joined_at, held) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(team_id).bind(mentor_id).bind(&done.asker_id).bind(stored_instant(started)).bind(stored_instant(now)).bind(label(done.topic.as_deref()))
                    .bind(stored_instant(waiting_since)).bind(done.held)
                    .execute(&mut *tx).await?;
                Self::plan_in(&mut tx, on_done(&done, &[]), now).await?;
                tx.commit().await?;
                Ok(Some(done))
            }

            async fn visits_between(&self, team_id: &str, mentor_id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<VisitRecord>, StoreError> {
                type Row = (String, Option<DateTime<Utc>>, DateTime<Utc>, DateTime<Utc>, bool, Option<String>);
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT visitor_id, joined_at, started_at, ended_at, held, topic_label FROM visits \
                     WHERE team_id = $1 AND mentor_id = $2 AND ended_at >= $3 AND ended_at < $4 ORDER BY ended_at, id",
                )
                .bind(team_id).bind(mentor_id).bind(stored_instant(from)).bind(stored_instant(to))
                .fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(visitor_id, joined_at, started_at, ended_at, held, topic_label)| VisitRecord {
                    visitor_id, joined_at, started_at, ended_at, held, topic_label,
                }).collect())
            }

            async fn held_waiting(&self, team_id: &str, mentor_id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, StoreError> {
                let (count,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM line WHERE team_id = $1 AND mentor_id = $2 AND held AND joined_at >= $3 AND joined_at < $4",
                )
                .bind(team_id).bind(mentor_id).bind(stored_instant(from)).bind(stored_instant(to))
                .fetch_one(&self.pool).await?;
                Ok(count)
            }

            async fn visits_made(&self, team_id: &str, visitor_id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64, StoreError> {
                let (count,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM visits WHERE team_id = $1 AND visitor_id = $2 AND ended_at >= $3 AND ended_at < $4",
                )
                .bind(team_id).bind(visitor_id).bind(stored_instant(from)).bind(stored_instant(to))
                .fetch_one(&self.pool).await?;
                Ok(count)
            }

            async fn not_today(&self, team_id: &str, mentor_id: &str, id: i64, until: DateTime<Utc>, on_change: LineReminders<'_>, now: DateTime<Utc>) -> Result<Option<LineEntry>, StoreError> {
                let mut tx = self.begin().await?;
                let sql = format!(
                    "UPDATE line SET state = 'waiting', called_at = NULL, not_before = $4, \
                     announced = announced + (announced + 1) % 2 WHERE team_id = $1 AND mentor_id = $2 AND id = $3 RETURNING {ENTRY_COLUMNS}"
                );
                let row: Option<EntryRow> = sqlx::query_as(&sql).bind(team_id).bind(mentor_id).bind(id).bind(stored_instant(until)).fetch_optional(&mut *tx).await?;
                let changed = row.map(entry);
                if let Some(changed) = &changed {
                    let line = Self::line_in(&mut tx, team_id, mentor_id).await?;
                    Self::plan_in(&mut tx, on_change(changed, &line), now).await?;
                }
                tx.commit().await?;
                Ok(changed)
            }

            async fn skip_call(&self, team_id: &str, id: i64, called_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let called_at = stored_instant(called_at);
                let skipped = sqlx::query(
                    "UPDATE line SET state = 'waiting', called_at = NULL, joined_at = $3, skipped_call = $4 \
                     WHERE team_id = $1 AND id = $2 AND state = 'called' AND called_at = $4 \
                     AND (answered_call IS NULL OR answered_call <> $4)",
                )
                .bind(team_id).bind(id).bind(stored_instant(now)).bind(called_at)
                .execute(&self.pool).await?.rows_affected() > 0;
                if skipped {
                    return Ok(true);
                }
                let (before,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM line WHERE team_id = $1 AND id = $2 AND skipped_call = $3")
                    .bind(team_id).bind(id).bind(called_at).fetch_one(&self.pool).await?;
                Ok(before > 0)
            }

            async fn answer_call(&self, team_id: &str, id: i64, called_at: DateTime<Utc>) -> Result<bool, StoreError> {
                let answered = sqlx::query(
                    "UPDATE line SET answered_call = $3 \
                     WHERE team_id = $1 AND id = $2 AND state = 'called' AND called_at = $3",
                )
                .bind(team_id).bind(id).bind(stored_instant(called_at))
                .execute(&self.pool).await?;
                Ok(answered.rows_affected() > 0)
            }

            async fn announce(&self, team_id: &str, id: i64, step: i64) -> Result<bool, StoreError> {
                sqlx::query("UPDATE line SET announced = $3 WHERE team_id = $1 AND id = $2 AND announced = $3 - 1")
                    .bind(team_id).bind(id).bind(step).execute(&self.pool).await?;
                let now: Option<(i64,)> = sqlx::query_as("SELECT announced FROM line WHERE team_id = $1 AND id = $2")
                    .bind(team_id).bind(id).fetch_optional(&self.pool).await?;
                Ok(now.is_some_and(|(announced,)| announced == step))
            }

            async fn set_late(&self, team_id: &str, mentor_id: &str, until: DateTime<Utc>, told: Vec<Wanted>, now: DateTime<Utc>) -> Result<(), StoreError> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO line_late (team_id, mentor_id, late_until) VALUES ($1, $2, $3) \
                     ON CONFLICT (team_id, mentor_id) DO UPDATE SET late_until = excluded.late_until",
                )
                .bind(team_id).bind(mentor_id).bind(stored_instant(until))
                .execute(&mut *tx).await?;
                Self::plan_in(&mut tx, told, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn late_until(&self, team_id: &str, mentor_id: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
                let row: Option<(DateTime<Utc>,)> = sqlx::query_as("SELECT late_until FROM line_late WHERE team_id = $1 AND mentor_id = $2")
                    .bind(team_id).bind(mentor_id).fetch_optional(&self.pool).await?;
                Ok(row.map(|(until,)| until).filter(|until| *until > now))
            }

            async fn visits_since(&self, team_id: &str, mentor_id: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM visits WHERE team_id = $1 AND mentor_id = $2 AND ended_at >= $3")
                    .bind(team_id).bind(mentor_id).bind(stored_instant(since)).fetch_one(&self.pool).await?;
                Ok(count)
            }

            async fn meeting_link(&self, team_id: &str, user_id: &str) -> Result<Option<String>, StoreError> {
                let row: Option<(String,)> = sqlx::query_as("SELECT url FROM meeting_links WHERE team_id = $1 AND user_id = $2")
                    .bind(team_id).bind(user_id).fetch_optional(&self.pool).await?;
                Ok(row.map(|(url,)| url))
            }

            async fn set_meeting_link(&self, team_id: &str, user_id: &str, url: Option<&str>) -> Result<(), StoreError> {
                let mut tx = self.begin().await?;
                match url {
                    Some(url) => sqlx::query("INSERT INTO meeting_links (team_id, user_id, url) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO UPDATE SET url = excluded.url")
                        .bind(team_id).bind(user_id).bind(url).execute(&mut *tx).await?,
                    None => sqlx::query("DELETE FROM meeting_links WHERE team_id = $1 AND user_id = $2")
                        .bind(team_id).bind(user_id).execute(&mut *tx).await?,
                };
                // The read model shows the link with "open now": every replica reloads it.
                sqlx::query(
                    "INSERT INTO directory_revisions (team_id, revision) VALUES ($1, 1) \
                     ON CONFLICT (team_id) DO UPDATE SET revision = directory_revisions.revision + 1",
                )
                .bind(team_id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

impl_line_store!(sqlx::Sqlite, None::<&str>);
impl_line_store!(
    sqlx::Postgres,
    Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
);
