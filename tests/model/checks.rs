//! What must hold after every step, read straight from the database and the fake Slack.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use sqlx::{PgPool, SqlitePool};
use std::collections::BTreeMap;

use super::model_ops::{people, Op};
use super::Run;

/// One pool for the whole run (opening one per query would be most of the test's time).
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    pub async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        match self {
            Db::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect(sql),
            Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect(sql),
        }
    }

    async fn count(&self, sql: &str) -> i64 {
        let rows: Vec<(i64,)> = self.rows(sql).await;
        rows[0].0
    }
}

impl Run<'_> {
    pub async fn cadence_id(&self, manager: usize, report: usize) -> Option<i64> {
        let ids = people(&self.team);
        let rows: Vec<(i64,)> = self
            .db
            .rows(&format!(
                "SELECT id FROM cadences WHERE team_id = '{}' AND manager_id = '{}' AND report_id = '{}' ORDER BY id DESC",
                self.team, ids[manager], ids[report]
            ))
            .await;
        rows.first().map(|(id,)| *id)
    }

    pub async fn check(&self, op: &Op) -> Result<(), TestCaseError> {
        let team = &self.team;
        let windows: Vec<(String, i32, i32, i32)> = self
            .db
            .rows(&format!(
                "SELECT user_id, days, start_minute, end_minute FROM windows WHERE team_id = '{team}'"
            ))
            .await;
        let pending: Vec<(String, String, String, DateTime<Utc>)> = self
            .db
            .rows(&format!(
                "SELECT key, kind, recipients, next_attempt_at FROM reminders WHERE team_id = '{team}' AND status = 'pending'"
            ))
            .await;
        let cadences: Vec<(i64, String, String)> = self
            .db
            .rows(&format!(
                "SELECT id, manager_id, report_id FROM cadences WHERE team_id = '{team}' ORDER BY id"
            ))
            .await;
        self.check_windows(&windows)?;
        self.check_one_on_ones(&cadences, &pending)?;
        self.check_statuses(&pending)?;
        self.check_nothing_overdue(&pending)?;
        self.check_debriefs().await?;
        self.check_notify(&pending).await?;
        self.check_line().await?;
        if let Op::Forget { who } = *op {
            self.check_forgotten(who).await?;
        }
        Ok(())
    }

    /// Each person's windows are the model's, no more, no fewer.
    fn check_windows(&self, stored: &[(String, i32, i32, i32)]) -> Result<(), TestCaseError> {
        for (who, id) in people(&self.team).iter().enumerate() {
            let mut theirs: Vec<(i32, i32, i32)> = stored
                .iter()
                .filter(|(user, ..)| user == id)
                .map(|(_, d, s, e)| (*d, *s, *e))
                .collect();
            let mut expected: Vec<(i32, i32, i32)> = self.model.windows[who]
                .iter()
                .map(|(_, w)| {
                    (
                        i32::from(w.days.bits()),
                        i32::from(w.range.start.minutes()),
                        i32::from(w.range.end.minutes()),
                    )
                })
                .collect();
            theirs.sort_unstable();
            expected.sort_unstable();
            prop_assert_eq!(theirs, expected, "windows of {}", id);
        }
        Ok(())
    }

    /// A live 1:1 has its next meeting's two reminders pending; a stopped or declined one none.
    fn check_one_on_ones(
        &self,
        cadences: &[(i64, String, String)],
        pending: &[(String, String, String, DateTime<Utc>)],
    ) -> Result<(), TestCaseError> {
        let ids = people(&self.team);
        for (&(manager, report), &state) in &self.model.pairs {
            let cadence = cadences
                .iter()
                .rev()
                .find(|(_, m, r)| *m == ids[manager] && *r == ids[report]);
            prop_assert!(cadence.is_some(), "no cadence for {:?}", (manager, report));
            let prefix = format!("1on1:{}:", cadence.map_or(0, |c| c.0));
            // Keys are `1on1:<cadence>:<meeting start>:<person>`: grouped by meeting.
            let mut meetings: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (key, kind, ..) in pending {
                if kind == "1on1" && key.starts_with(&prefix) {
                    let mut rest = key[prefix.len()..].split(':');
                    let start = rest.next().unwrap_or_default();
                    let person = rest.next().unwrap_or_default();
                    meetings.entry(start).or_default().push(person);
                }
            }
            if state.reminds() {
                // The next meeting, and while its reminders wait for the scheduler, the one after:
                // both people's reminders each. The report's may come later than the manager's
                // (never before their notice), so the earliest may have only the report's left.
                let whole = |people: &Vec<&str>| people.len() == 2;
                let earliest_ok = meetings
                    .values()
                    .next()
                    .is_some_and(|people| whole(people) || *people == [ids[report].as_str()]);
                prop_assert!(
                    (1..=2).contains(&meetings.len())
                        && earliest_ok
                        && meetings.values().skip(1).all(whole),
                    "1:1 {:?} is {:?}: pending by meeting {:?}",
                    (manager, report),
                    state,
                    meetings
                );
            } else {
                prop_assert!(
                    meetings.is_empty(),
                    "1:1 {:?} is {:?}: pending by meeting {:?}",
                    (manager, report),
                    state,
                    meetings
                );
            }
        }
        Ok(())
    }

    /// Status changes are planned only for connected people, one opening at a time.
    fn check_statuses(
        &self,
        pending: &[(String, String, String, DateTime<Utc>)],
    ) -> Result<(), TestCaseError> {
        for (who, id) in people(&self.team).iter().enumerate() {
            let count = |wanted: &str| {
                pending
                    .iter()
                    .filter(|(_, kind, to, _)| kind == wanted && to == id)
                    .count()
            };
            let (starts, ends) = (count("status_start"), count("status_end"));
            if self.model.connected.contains(&who) {
                prop_assert!(
                    starts <= 1 && ends <= 2,
                    "{}: {} starts, {} ends",
                    id,
                    starts,
                    ends
                );
            } else {
                prop_assert_eq!(starts + ends, 0, "{} is not connected", id);
            }
        }
        Ok(())
    }

    /// The scheduler ran at the last tick: nothing due before it is left over.
    fn check_nothing_overdue(
        &self,
        pending: &[(String, String, String, DateTime<Utc>)],
    ) -> Result<(), TestCaseError> {
        let overdue: Vec<&String> = pending
            .iter()
            .filter(|(.., at)| self.last_tick.is_some_and(|t| *at < t))
            .map(|(key, ..)| key)
            .collect();
        prop_assert!(
            overdue.is_empty(),
            "left pending after a tick: {:?}",
            overdue
        );
        Ok(())
    }

    /// The same debrief typed again is still one debrief: never two for one organiser, project
    /// and day (another day, once the first has gone out, is a new debrief, on purpose).
    async fn check_debriefs(&self) -> Result<(), TestCaseError> {
        let rows: Vec<(String, String, String)> = self
            .db
            .rows(&format!(
                "SELECT organizer_id, project, CAST(on_date AS TEXT) FROM debriefs WHERE team_id = '{}'",
                self.team
            ))
            .await;
        let mut seen = std::collections::BTreeSet::new();
        for (organizer, project, date) in rows {
            let fresh = seen.insert((organizer.clone(), project.to_lowercase(), date.clone()));
            prop_assert!(fresh, "{} has {} on {} twice", organizer, project, date);
        }
        Ok(())
    }

    /// The subscriptions are the model's; each pending notify DM belongs to one of them, goes to
    /// its subscriber, on the local date its key names, inside their working hours.
    async fn check_notify(
        &self,
        pending: &[(String, String, String, DateTime<Utc>)],
    ) -> Result<(), TestCaseError> {
        let ids = people(&self.team);
        let rows: Vec<(i64, String, String)> = self
            .db
            .rows(&format!(
                "SELECT id, user_id, value FROM notify_subscriptions WHERE team_id = '{}' AND target = 'person'",
                self.team
            ))
            .await;
        let held: std::collections::BTreeSet<(usize, usize)> = rows
            .iter()
            .filter_map(|(_, s, m)| {
                Some((
                    ids.iter().position(|i| i == s)?,
                    ids.iter().position(|i| i == m)?,
                ))
            })
            .collect();
        prop_assert_eq!(&held, &self.model.subscriptions);
        for (key, kind, to, at) in pending.iter().filter(|(_, kind, ..)| kind == "notify") {
            let parts: Vec<&str> = key.split(':').collect();
            let sub = parts.get(3).and_then(|id| id.parse::<i64>().ok());
            prop_assert!(
                rows.iter().any(|(id, s, _)| Some(*id) == sub
                    && s == to
                    && parts.get(2) == Some(&s.as_str())),
                "{} ({}) belongs to no subscription of {}",
                key,
                kind,
                to
            );
            self.check_notify_time(key, to, *at)?;
        }
        Ok(())
    }

    /// A notify DM's time: inside its recipient's working hours, on the date its key names.
    fn check_notify_time(
        &self,
        key: &str,
        to: &str,
        at: DateTime<Utc>,
    ) -> Result<(), TestCaseError> {
        let ids = people(&self.team);
        let who = ids.iter().position(|i| i == to);
        prop_assert!(who.is_some(), "{} to a stranger {}", key, to);
        let zone: chrono_tz::Tz = super::model_ops::PEOPLE[who.unwrap_or(0)]
            .1
            .parse()
            .unwrap();
        let work = officehours::domain::WorkTime::default();
        prop_assert!(
            work.is_working(zone, at),
            "{} at {} is outside {}'s working hours",
            key,
            at,
            to
        );
        let date = at.with_timezone(&zone).date_naive().to_string();
        prop_assert!(
            key.ends_with(&date),
            "{} is due at {} ({} there)",
            key,
            at,
            date
        );
        Ok(())
    }

    /// After the sequence: every notify DM that went out went out in working hours, on the
    /// local date its key names (so at most one per subscription and day: one key, sent once).
    pub async fn check_notify_sent(&self) -> Result<(), TestCaseError> {
        let sent: Vec<(String, String, DateTime<Utc>)> = self
            .db
            .rows(&format!(
                "SELECT key, recipients, finished_at FROM reminders WHERE team_id = '{}' AND kind = 'notify' AND status = 'sent'",
                self.team
            ))
            .await;
        for (key, to, at) in &sent {
            self.check_notify_time(key, to, *at)?;
        }
        Ok(())
    }

    /// `forget me` leaves no row that names the person (feedback they wrote stays, anonymised).
    async fn check_forgotten(&self, who: usize) -> Result<(), TestCaseError> {
        let id = &people(&self.team)[who];
        let team = &self.team;
        for sql in [
            format!("SELECT COUNT(*) FROM people WHERE team_id = '{team}' AND user_id = '{id}'"),
            format!("SELECT COUNT(*) FROM windows WHERE team_id = '{team}' AND user_id = '{id}'"),
            format!("SELECT COUNT(*) FROM cadences WHERE team_id = '{team}' AND (manager_id = '{id}' OR report_id = '{id}')"),
            format!("SELECT COUNT(*) FROM conferences WHERE team_id = '{team}' AND user_id = '{id}'"),
            format!("SELECT COUNT(*) FROM connections WHERE team_id = '{team}' AND user_id = '{id}'"),
            format!("SELECT COUNT(*) FROM reminders WHERE team_id = '{team}' AND recipients LIKE '%{id}%'"),
        ] {
            let left = self.db.count(&sql).await;
            prop_assert_eq!(left, 0, "{}", sql);
        }
        Ok(())
    }

    /// Everyone at the same conference has heard about everyone else there, once.
    pub async fn check_conference_introductions(&self) -> Result<(), TestCaseError> {
        let ids = people(&self.team);
        let posts = self.app.slack.calls_to("chat.postMessage");
        // One group DM per pair: "<@a>, meet <@b>: you're both going to …".
        for (conference, going) in &self.model.conferences {
            let name = format!("Modelconf {conference}");
            for a in 0..ids.len() {
                for b in (a + 1)..ids.len() {
                    // Counted by the reminder's key, so a retried post is one introduction.
                    let told: std::collections::BTreeSet<String> = posts
                        .iter()
                        .filter(|c| {
                            let text = c.params.to_string();
                            text.contains(&name) && text.contains(&ids[a]) && text.contains(&ids[b])
                        })
                        .map(|c| reminder_key(&c.params))
                        .filter(|key| key.starts_with("conference"))
                        .collect();
                    let told = told.len();
                    if told == 0
                        && going.contains(&a)
                        && going.contains(&b)
                        && std::env::var("MODEL_TRACE").is_ok()
                    {
                        let rows: Vec<(String, String, String)> = self
                            .db
                            .rows(&format!(
                                "SELECT key, status, CAST(due_at AS TEXT) FROM reminders WHERE team_id = '{}' ORDER BY id",
                                self.team
                            ))
                            .await;
                        eprintln!("REMINDERS {rows:#?}");
                    }
                    // Together at the end: introduced exactly once; together only for a while:
                    // once at most.
                    let together = going.contains(&a) && going.contains(&b);
                    prop_assert!(
                        told == 1 || (!together && told == 0),
                        "{} and {} introduced at {} {} times",
                        ids[a],
                        ids[b],
                        name,
                        told
                    );
                }
            }
        }
        Ok(())
    }
}

/// The reminder key a post carries as message metadata (sent as a JSON string).
pub fn reminder_key(params: &serde_json::Value) -> String {
    let metadata = match &params["metadata"] {
        serde_json::Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
        other => other.clone(),
    };
    metadata["event_payload"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
