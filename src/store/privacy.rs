//! What the bot keeps about one person: all of it as JSON (export), or none of it (forget).

pub use crate::domain::privacy::Forgotten;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{SqlStore, StoreError};

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    async fn export_person(&self, team_id: &str, user_id: &str) -> Result<Value, StoreError>;
    /// Deletes the person, their windows, 1:1s and reviews (either side), debriefs they organised,
    /// conferences and reminders to them; feedback they wrote stays, without their name. One
    /// transaction: all or nothing.
    async fn forget_person(
        &self,
        team_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Forgotten, StoreError>;
}

type PersonRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);
type WindowRow = (i64, i32, i32, i32, String, DateTime<Utc>);
type CadenceRow = (i64, String, String, i32, i32, i32, String, String);
type MeetingRow = (i64, i64, DateTime<Utc>, String);
type DebriefRow = (i64, String, String, String, String);
type FeedbackRow = (i64, String, String, String, DateTime<Utc>);
type ReviewRow = (i64, String, String, String, Option<String>);
type ConferenceRow = (String, String, String);
type ReminderRow = (String, String, DateTime<Utc>, String);

/// Everything `export_person` reads, so that both databases share one JSON layout.
struct Export {
    person: Option<PersonRow>,
    windows: Vec<WindowRow>,
    cadences: Vec<CadenceRow>,
    meetings: Vec<MeetingRow>,
    debriefs: Vec<DebriefRow>,
    feedback: Vec<FeedbackRow>,
    reviews: Vec<ReviewRow>,
    conferences: Vec<ConferenceRow>,
    reminders: Vec<ReminderRow>,
    connection: Option<(bool, DateTime<Utc>)>,
    settings: Option<(Option<DateTime<Utc>>, bool, bool)>,
}

impl Export {
    fn into_json(self, team: &str, user: &str) -> Value {
        // Taken apart whole, so a field added to `Export` cannot be left out of the JSON unnoticed.
        let Export {
            person,
            windows,
            cadences,
            meetings,
            debriefs,
            feedback,
            reviews,
            conferences,
            reminders,
            connection,
            settings,
        } = self;
        json!({
            "team_id": team,
            "user_id": user,
            "slack_status_connection": connection.map(|(broken, since)| json!({
                "connected_since": since, "working": !broken,
                "note": "the token itself is stored encrypted and is not exported",
            })),
            "presence_settings": settings.map(|(away_until, hints_off, calendar)| json!({
                "away_until": away_until, "mention_hints_about_you_off": hints_off, "calendar_feed": calendar,
            })),
            "profile": person.map(|(tz_override, slack_tz, display_name, manual_state, manual_until, created_at)| json!({
                "time_zone_chosen": tz_override, "time_zone_from_slack": slack_tz, "display_name": display_name,
                "available_now": manual_state, "available_until": manual_until, "first_seen": created_at,
            })),
            "office_hours_windows": windows.into_iter().map(|(id, days, start, end, topics, created_at)| json!({
                "id": id, "days_bitmask_mon_first": days, "start_minute": start, "end_minute": end, "topics": topics, "created_at": created_at,
            })).collect::<Vec<_>>(),
            "one_on_ones": cadences.into_iter().map(|(id, manager, report, every, weekday, at, anchor, status)| json!({
                "id": id, "manager": manager, "report": report, "every_weeks": every, "weekday_mon_0": weekday,
                "at_minute": at, "first_date": anchor, "status": status,
            })).collect::<Vec<_>>(),
            "one_on_one_meetings": meetings.into_iter().map(|(id, cadence, starts_at, status)| json!({
                "id": id, "one_on_one": cadence, "starts_at": starts_at, "status": status,
            })).collect::<Vec<_>>(),
            "debriefs": debriefs.into_iter().map(|(id, organizer, project, on_date, participants)| json!({
                "id": id, "organizer": organizer, "project": project, "date": on_date, "participants": participants,
            })).collect::<Vec<_>>(),
            "feedback_written": feedback.into_iter().map(|(debrief, well, differently, learned, created_at)| json!({
                "debrief": debrief, "went_well": well, "differently": differently, "learned": learned, "written_at": created_at,
            })).collect::<Vec<_>>(),
            "advancement_reviews": reviews.into_iter().map(|(id, manager, report, on_date, agreed)| json!({
                "id": id, "manager": manager, "report": report, "date": on_date, "agreed": agreed,
            })).collect::<Vec<_>>(),
            "conferences": conferences.into_iter().map(|(name, start, end)| json!({
                "name": name, "from": start, "to": end,
            })).collect::<Vec<_>>(),
            "reminders_to_you": reminders.into_iter().map(|(kind, status, due_at, key)| json!({
                "kind": kind, "status": status, "due_at": due_at, "key": key,
            })).collect::<Vec<_>>(),
        })
    }
}

/// `recipients` is a comma list: match the id as a whole item, never as part of another id.
/// The id is escaped for LIKE: Slack ids never hold `_` or `%`, but the terminal shell's names
/// may, and an unescaped `_` would match anyone's id of the same length.
const IS_RECIPIENT: &str = "(',' || recipients || ',') LIKE ('%,' || replace(replace(replace($2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || ',%') ESCAPE '\\'";
const IS_PARTICIPANT: &str = "(',' || participants || ',') LIKE ('%,' || replace(replace(replace($2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || ',%') ESCAPE '\\'";

macro_rules! impl_privacy_store {
    ($db:ty) => {
        #[async_trait]
        impl PrivacyStore for SqlStore<$db> {
            async fn export_person(&self, team: &str, user: &str) -> Result<Value, StoreError> {
                let person: Option<PersonRow> = sqlx::query_as(
                    "SELECT tz_override, slack_tz, display_name, manual_state, manual_until, created_at \
                     FROM people WHERE team_id = $1 AND user_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                let windows: Vec<WindowRow> = sqlx::query_as(
                    "SELECT id, days, start_minute, end_minute, topics, created_at FROM windows \
                     WHERE team_id = $1 AND user_id = $2 ORDER BY id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let cadences: Vec<CadenceRow> = sqlx::query_as(
                    "SELECT id, manager_id, report_id, every_weeks, weekday, at_minute, anchor_date, status FROM cadences \
                     WHERE team_id = $1 AND (manager_id = $2 OR report_id = $2) ORDER BY id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let meetings: Vec<MeetingRow> = sqlx::query_as(
                    "SELECT m.id, m.cadence_id, m.starts_at, m.status FROM meetings m JOIN cadences c ON c.id = m.cadence_id \
                     WHERE c.team_id = $1 AND (c.manager_id = $2 OR c.report_id = $2) ORDER BY m.id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let debriefs: Vec<DebriefRow> = sqlx::query_as(&format!(
                    "SELECT id, organizer_id, project, on_date, participants FROM debriefs \
                     WHERE team_id = $1 AND (organizer_id = $2 OR {IS_PARTICIPANT}) ORDER BY id"
                ))
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let feedback: Vec<FeedbackRow> = sqlx::query_as(
                    "SELECT f.debrief_id, f.went_well, f.differently, f.learned, f.created_at FROM feedback f \
                     JOIN debriefs d ON d.id = f.debrief_id WHERE d.team_id = $1 AND f.author_id = $2 ORDER BY f.id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let reviews: Vec<ReviewRow> = sqlx::query_as(
                    "SELECT id, manager_id, report_id, on_date, agreed FROM reviews \
                     WHERE team_id = $1 AND (manager_id = $2 OR report_id = $2) ORDER BY id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let conferences: Vec<ConferenceRow> = sqlx::query_as(
                    "SELECT name, start_date, end_date FROM conferences WHERE team_id = $1 AND user_id = $2 ORDER BY id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let reminders: Vec<ReminderRow> = sqlx::query_as(&format!(
                    "SELECT kind, status, due_at, key FROM reminders WHERE team_id = $1 AND {IS_RECIPIENT} ORDER BY id"
                ))
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let connection: Option<(bool, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT broken, created_at FROM connections WHERE team_id = $1 AND user_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                let settings: Option<(Option<DateTime<Utc>>, bool, bool)> = sqlx::query_as(
                    "SELECT away_until, hints_off, calendar_secret IS NOT NULL FROM people WHERE team_id = $1 AND user_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                let export = Export {
                    person, windows, cadences, meetings, debriefs, feedback, reviews, conferences, reminders, connection, settings,
                };
                Ok(export.into_json(team, user))
            }

            async fn forget_person(&self, team: &str, user: &str, _now: DateTime<Utc>) -> Result<Forgotten, StoreError> {
                let mut tx = self.pool.begin().await?;
                let mut gone = Forgotten::default();
                // Someone else's debrief keeps happening, without this person in it.
                let shared: Vec<(i64, String)> = sqlx::query_as(&format!(
                    "SELECT id, participants FROM debriefs WHERE team_id = $1 AND organizer_id <> $2 AND {IS_PARTICIPANT}"
                ))
                .bind(team).bind(user).fetch_all(&mut *tx).await?;
                for (id, participants) in shared {
                    let kept: Vec<&str> = participants.split(',').filter(|p| *p != user && !p.is_empty()).collect();
                    sqlx::query("UPDATE debriefs SET participants = $1 WHERE id = $2").bind(kept.join(",")).bind(id).execute(&mut *tx).await?;
                }
                gone.feedback_anonymised = sqlx::query(
                    "UPDATE feedback SET author_id = NULL WHERE author_id = $2 AND debrief_id IN (SELECT id FROM debriefs WHERE team_id = $1)",
                )
                .bind(team).bind(user).execute(&mut *tx).await?.rows_affected();
                gone.windows = sqlx::query("DELETE FROM windows WHERE team_id = $1 AND user_id = $2")
                    .bind(team).bind(user).execute(&mut *tx).await?.rows_affected();
                sqlx::query("DELETE FROM meetings WHERE cadence_id IN (SELECT id FROM cadences WHERE team_id = $1 AND (manager_id = $2 OR report_id = $2))")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                gone.cadences = sqlx::query("DELETE FROM cadences WHERE team_id = $1 AND (manager_id = $2 OR report_id = $2)")
                    .bind(team).bind(user).execute(&mut *tx).await?.rows_affected();
                gone.reviews = sqlx::query("DELETE FROM reviews WHERE team_id = $1 AND (manager_id = $2 OR report_id = $2)")
                    .bind(team).bind(user).execute(&mut *tx).await?.rows_affected();
                sqlx::query("DELETE FROM feedback WHERE debrief_id IN (SELECT id FROM debriefs WHERE team_id = $1 AND organizer_id = $2)")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                gone.debriefs = sqlx::query("DELETE FROM debriefs WHERE team_id = $1 AND organizer_id = $2")
                    .bind(team).bind(user).execute(&mut *tx).await?.rows_affected();
                gone.conferences = sqlx::query("DELETE FROM conferences WHERE team_id = $1 AND user_id = $2")
                    .bind(team).bind(user).execute(&mut *tx).await?.rows_affected();
                // Reminders to this person alone go. A pending group message (a debrief) still
                // reaches the others: the person is taken off its recipients.
                gone.reminders = sqlx::query("DELETE FROM reminders WHERE team_id = $1 AND recipients = $2")
                    .bind(team).bind(user).execute(&mut *tx).await?.rows_affected();
                let groups: Vec<(i64, String)> = sqlx::query_as(&format!(
                    "SELECT id, recipients FROM reminders WHERE team_id = $1 AND status = 'pending' AND {IS_RECIPIENT}"
                ))
                .bind(team).bind(user).fetch_all(&mut *tx).await?;
                for (id, recipients) in groups {
                    let kept: Vec<&str> = recipients.split(',').filter(|r| *r != user && !r.is_empty()).collect();
                    sqlx::query("UPDATE reminders SET recipients = $1 WHERE id = $2").bind(kept.join(",")).bind(id).execute(&mut *tx).await?;
                }
                for table in ["connections", "oauth_states"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE team_id = $1 AND user_id = $2"))
                        .bind(team).bind(user).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM mention_hints WHERE team_id = $1 AND (sender_id = $2 OR mentor_id = $2)")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM people WHERE team_id = $1 AND user_id = $2").bind(team).bind(user).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(gone)
            }
        }
    };
}

impl_privacy_store!(sqlx::Sqlite);
impl_privacy_store!(sqlx::Postgres);
