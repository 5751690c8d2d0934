//! What the bot keeps about one person: all of it as JSON (export), or none of it (forget).

pub use crate::domain::privacy::Forgotten;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::notify::notify_prefix;
use super::reminders::like_prefix;
use super::{stored_instant, SqlStore, StoreError};
use crate::domain::days::DaySet;
use crate::domain::time_of_day::TimeOfDay;

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Everything `forget_person` would delete or change, as JSON.
    async fn export_person(&self, team_id: &str, user_id: &str) -> Result<Value, StoreError>;
    /// Deletes the person, their windows, 1:1s and reviews (either side), debriefs they organised
    /// (with their feedback), conferences, reminders to them or naming them, mention hints,
    /// connect links, invitation count and notify subscriptions (theirs and to them), and takes
    /// them off other people's debriefs and group messages: afterwards no row names them but
    /// feedback they wrote, which stays without their name. One transaction: all or nothing. `export_person` shows all of it first.
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
type ReminderRow = (String, String, DateTime<Utc>, String, String, String);
type FeedbackReceivedRow = (i64, Option<String>, String, String, String, DateTime<Utc>);
type HintRow = (String, String, DateTime<Utc>);
type LinkRow = (DateTime<Utc>, Option<DateTime<Utc>>);
type LineRow = (String, String, Option<String>, DateTime<Utc>, String);
type VisitRow = (
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<String>,
    Option<DateTime<Utc>>,
    bool,
);
type StatusMemoryRow = (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    bool,
    Option<String>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

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
    more: ExportMore,
}

/// The rest of what `forget_person` deletes: read separately to keep each read short.
struct ExportMore {
    feedback_received: Vec<FeedbackReceivedRow>,
    mention_hints: Vec<HintRow>,
    links: Vec<LinkRow>,
    status_memory: Option<StatusMemoryRow>,
    invitations: Option<(String, i32)>,
    subscriptions: Vec<SubscriptionRow>,
    /// How many people asked to be told when this person opens (who they are is theirs to keep).
    watched_by: i64,
    line: Vec<LineRow>,
    visits: Vec<VisitRow>,
    meeting_link: Option<(String,)>,
}

type SubscriptionRow = (String, String, Option<DateTime<Utc>>, DateTime<Utc>);

impl ExportMore {
    fn into_json(self) -> Vec<(&'static str, Value)> {
        let ExportMore {
            feedback_received,
            mention_hints,
            links,
            status_memory,
            invitations,
            subscriptions,
            watched_by,
            line,
            visits,
            meeting_link,
        } = self;
        vec![
            ("feedback_on_your_debriefs", feedback_received.into_iter().map(|(debrief, author, well, differently, learned, created_at)| json!({
                "debrief": debrief, "author": author, "went_well": well, "differently": differently, "learned": learned, "written_at": created_at,
            })).collect()),
            ("mention_hints", mention_hints.into_iter().map(|(sender, mentor, at)| json!({
                "sender": sender, "mentor": mentor, "hinted_at": at,
            })).collect()),
            ("status_connection_links", links.into_iter().map(|(expires_at, used_at)| json!({
                "expires_at": expires_at, "used_at": used_at, "note": "the link's secret is not exported",
            })).collect()),
            ("slack_status_memory", status_memory.map_or(Value::Null, |(text, emoji, expiration, ours, hint, dm, checked, updated)| json!({
                "your_status_text_saved": text, "your_status_emoji_saved": emoji, "your_status_expiration_saved": expiration,
                "status_text_set_by_the_bot": ours, "told_how_to_connect": hint, "dm_channel_with_the_bot": dm,
                "time_zone_checked_at": checked, "profile_updated_at": updated,
            }))),
            ("invitations_sent_today", invitations.map_or(Value::Null, |(day, invited)| json!({ "day": day, "people": invited }))),
            ("notify_subscriptions", subscriptions.into_iter().map(|(target, value, quiet_until, created_at)| json!({
                "watching": target, "who_or_what": value, "not_before": quiet_until, "created_at": created_at,
            })).collect()),
            ("people_watching_when_you_open", json!(watched_by)),
            ("drop_in_lines", line.into_iter().map(|(mentor, asker, topic, joined_at, state)| json!({
                "mentor": mentor, "asker": asker, "about": topic, "joined_at": joined_at, "state": state,
            })).collect()),
            ("drop_in_visits", visits.into_iter().map(|(mentor, visitor, started, ended, label, joined, held)| json!({
                "mentor": mentor, "visitor": visitor, "waiting_since": joined, "started_at": started, "ended_at": ended, "topic": label, "held": held,
            })).collect()),
            ("meeting_link", meeting_link.map_or(Value::Null, |(url,)| Value::String(url))),
        ]
    }
}

/// Whether a reminder row names `user`: among its recipients, as a part of its key
/// (`1on1:<meeting>:<person>`), or as a string in its payload (a feedback's author).
fn names(user: &str, key: &str, recipients: &str, payload: &str) -> (bool, bool) {
    fn mentions(value: &Value, user: &str) -> bool {
        match value {
            Value::String(s) => s == user,
            Value::Array(items) => items.iter().any(|v| mentions(v, user)),
            Value::Object(map) => map.values().any(|v| mentions(v, user)),
            _ => false,
        }
    }
    let to_them = recipients.split(',').any(|r| r == user);
    let about = key.split(':').any(|part| part == user)
        || serde_json::from_str::<Value>(payload).is_ok_and(|p| mentions(&p, user));
    (to_them, about)
}

/// A LIKE pattern for rows that may name `user` anywhere in a column; `names` decides.
fn somewhere(user: &str) -> String {
    let escaped = user
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Reminders that may name the person (`$2` is `somewhere(user)`); a superset, since SQLite's
/// LIKE ignores case.
const MAY_NAME: &str = "team_id = $1 AND (recipients LIKE $2 ESCAPE '\\' OR key LIKE $2 ESCAPE '\\' OR payload LIKE $2 ESCAPE '\\')";

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
            more,
        } = self;
        let (to_you, about_you): (Vec<ReminderRow>, Vec<ReminderRow>) = reminders
            .into_iter()
            .filter(|(_, _, _, key, to, payload)| names(user, key, to, payload) != (false, false))
            .partition(|(_, _, _, key, to, payload)| names(user, key, to, payload).0);
        let reminder = |(kind, status, due_at, key, _, _): ReminderRow| {
            json!({
                "kind": kind, "status": status, "due_at": due_at, "key": key,
            })
        };
        // Windows are kept in the mentor's own zone: say which, as they would.
        let zone = person
            .as_ref()
            .and_then(|p| p.0.clone().or_else(|| p.1.clone()))
            .unwrap_or_else(|| "UTC (your zone is not known yet)".to_owned());
        let mut data = json!({
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
                "id": id, "days": day_words(days), "from": clock_words(start), "to": clock_words(end),
                "time_zone": zone.clone(), "topics": topics, "created_at": created_at,
            })).collect::<Vec<_>>(),
            "one_on_ones": cadences.into_iter().map(|(id, manager, report, every, weekday, at, anchor, status)| json!({
                "id": id, "manager": manager, "report": report, "every_weeks": every, "weekday": weekday_words(weekday),
                "at": clock_words(at), "time_zone": "the manager's", "first_date": anchor, "status": status,
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
            "reminders_to_you": to_you.into_iter().map(reminder).collect::<Vec<_>>(),
            "reminders_about_you": about_you.into_iter().map(reminder).collect::<Vec<_>>(),
        });
        for (name, value) in more.into_json() {
            data[name] = value;
        }
        data
    }
}

/// "Weekdays", "Mon, Wed": the days as `list` shows them.
fn day_words(bits: i32) -> String {
    u8::try_from(bits)
        .ok()
        .and_then(DaySet::from_bits)
        .map_or_else(|| format!("unknown days ({bits})"), DaySet::label)
}

/// "09:30" from minutes after midnight.
fn clock_words(minutes: i32) -> String {
    u16::try_from(minutes)
        .ok()
        .and_then(TimeOfDay::from_minutes)
        .map_or_else(|| format!("unknown time ({minutes})"), |t| t.to_string())
}

/// "Tuesday" from Monday = 0.
fn weekday_words(day: i32) -> String {
    const NAMES: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    usize::try_from(day)
        .ok()
        .and_then(|d| NAMES.get(d))
        .map_or_else(|| format!("unknown day ({day})"), |d| (*d).to_owned())
}

/// `participants` is a comma list: match the id as a whole item, never as part of another id.
/// The id is escaped for LIKE: Slack ids never hold `_` or `%`, but the terminal shell's names
/// may, and an unescaped `_` would match anyone's id of the same length.
const IS_PARTICIPANT: &str = "(',' || participants || ',') LIKE ('%,' || replace(replace(replace($2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || ',%') ESCAPE '\\'";

macro_rules! impl_privacy_store {
    ($db:ty) => {
        impl SqlStore<$db> {
            async fn export_more(&self, team: &str, user: &str) -> Result<ExportMore, StoreError> {
                let feedback_received: Vec<FeedbackReceivedRow> = sqlx::query_as(
                    "SELECT f.debrief_id, f.author_id, f.went_well, f.differently, f.learned, f.created_at FROM feedback f \
                     JOIN debriefs d ON d.id = f.debrief_id WHERE d.team_id = $1 AND d.organizer_id = $2 ORDER BY f.id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let mention_hints: Vec<HintRow> = sqlx::query_as(
                    "SELECT sender_id, mentor_id, hinted_at FROM mention_hints WHERE team_id = $1 AND (sender_id = $2 OR mentor_id = $2) \
                     ORDER BY hinted_at, sender_id, mentor_id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let links: Vec<LinkRow> = sqlx::query_as(
                    "SELECT expires_at, used_at FROM oauth_states WHERE team_id = $1 AND user_id = $2 ORDER BY expires_at",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let status_memory: Option<StatusMemoryRow> = sqlx::query_as(
                    "SELECT saved_status_text, saved_status_emoji, saved_status_expiration, bot_status_text, connect_hint_given, \
                     dm_channel, slack_tz_checked_at, updated_at FROM people WHERE team_id = $1 AND user_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                let invitations: Option<(String, i32)> = sqlx::query_as(
                    "SELECT day, invited FROM invitations WHERE team_id = $1 AND sender_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                let subscriptions: Vec<SubscriptionRow> = sqlx::query_as(
                    "SELECT target, value, quiet_until, created_at FROM notify_subscriptions WHERE team_id = $1 AND user_id = $2 ORDER BY id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let (watched_by,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM notify_subscriptions WHERE team_id = $1 AND target = 'person' AND target_key = $2",
                )
                .bind(team).bind(user).fetch_one(&self.pool).await?;
                let line: Vec<LineRow> = sqlx::query_as(
                    "SELECT mentor_id, asker_id, topic, joined_at, state FROM line WHERE team_id = $1 AND (mentor_id = $2 OR asker_id = $2) ORDER BY id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let visits: Vec<VisitRow> = sqlx::query_as(
                    "SELECT mentor_id, visitor_id, started_at, ended_at, topic_label, joined_at, held FROM visits WHERE team_id = $1 AND (mentor_id = $2 OR visitor_id = $2) ORDER BY id",
                )
                .bind(team).bind(user).fetch_all(&self.pool).await?;
                let meeting_link: Option<(String,)> = sqlx::query_as("SELECT url FROM meeting_links WHERE team_id = $1 AND user_id = $2")
                    .bind(team).bind(user).fetch_optional(&self.pool).await?;
                Ok(ExportMore { feedback_received, mention_hints, links, status_memory, invitations, subscriptions, watched_by, line, visits, meeting_link })
            }

            /// Deletes the person's subscriptions and those to them, cancelling the DMs still
            /// planned for the latter; how many subscriptions went.
            async fn forget_subscriptions(tx: &mut sqlx::Transaction<'_, $db>, team: &str, user: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
                let watching: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, user_id FROM notify_subscriptions WHERE team_id = $1 AND target = 'person' AND target_key = $2",
                )
                .bind(team).bind(user).fetch_all(&mut **tx).await?;
                for (id, subscriber) in watching {
                    sqlx::query(
                        "UPDATE reminders SET status = 'cancelled', last_error = 'the person watched was forgotten', finished_at = $1 \
                         WHERE key LIKE $2 ESCAPE '\\' AND status = 'pending'",
                    )
                    .bind(stored_instant(now)).bind(like_prefix(&notify_prefix(team, &subscriber, id)))
                    .execute(&mut **tx).await?;
                }
                Ok(sqlx::query(
                    "DELETE FROM notify_subscriptions WHERE team_id = $1 AND (user_id = $2 OR (target = 'person' AND target_key = $2))",
                )
                .bind(team).bind(user).execute(&mut **tx).await?.rows_affected())
            }

            /// Reminders to this person alone, or that name them (a key, a payload), go. Group
            /// messages to them and others (a debrief) keep reaching the others, or keep their
            /// record: the person is taken off the recipients, and off the conversation it was
            /// sent in, which they were part of.
            async fn forget_reminders(tx: &mut sqlx::Transaction<'_, $db>, team: &str, user: &str) -> Result<u64, StoreError> {
                let rows: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
                    "SELECT id, key, recipients, payload FROM reminders WHERE {MAY_NAME}"
                ))
                .bind(team).bind(somewhere(user)).fetch_all(&mut **tx).await?;
                let mut deleted = 0;
                for (id, key, recipients, payload) in rows {
                    let (to_them, about) = names(user, &key, &recipients, &payload);
                    let kept: Vec<&str> = recipients.split(',').filter(|r| *r != user && !r.is_empty()).collect();
                    if about || (to_them && kept.is_empty()) {
                        deleted += sqlx::query("DELETE FROM reminders WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected();
                    } else if to_them {
                        sqlx::query("UPDATE reminders SET recipients = $1, channel_id = NULL, message_ts = NULL WHERE id = $2")
                            .bind(kept.join(",")).bind(id).execute(&mut **tx).await?;
                    }
                }
                Ok(deleted)
            }
        }

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
                    "SELECT kind, status, due_at, key, recipients, payload FROM reminders WHERE {MAY_NAME} ORDER BY id"
                ))
                .bind(team).bind(somewhere(user)).fetch_all(&self.pool).await?;
                let connection: Option<(bool, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT broken, created_at FROM connections WHERE team_id = $1 AND user_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                let settings: Option<(Option<DateTime<Utc>>, bool, bool)> = sqlx::query_as(
                    "SELECT away_until, hints_off, calendar_secret IS NOT NULL FROM people WHERE team_id = $1 AND user_id = $2",
                )
                .bind(team).bind(user).fetch_optional(&self.pool).await?;
                let more = self.export_more(team, user).await?;
                let export = Export {
                    person, windows, cadences, meetings, debriefs, feedback, reviews, conferences, reminders, connection, settings, more,
                };
                Ok(export.into_json(team, user))
            }

            async fn forget_person(&self, team: &str, user: &str, now: DateTime<Utc>) -> Result<Forgotten, StoreError> {
                let mut tx = self.begin().await?;
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
                gone.reminders = Self::forget_reminders(&mut tx, team, user).await?;
                for table in ["connections", "oauth_states"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE team_id = $1 AND user_id = $2"))
                        .bind(team).bind(user).execute(&mut *tx).await?;
                }
                // Theirs, and other people's to them: nobody is told when a forgotten person
                // opens, and the DMs planned about them are cancelled (theirs went above).
                gone.subscriptions = Self::forget_subscriptions(&mut tx, team, user, now).await?;
                sqlx::query("DELETE FROM invitations WHERE team_id = $1 AND sender_id = $2")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM mention_hints WHERE team_id = $1 AND (sender_id = $2 OR mentor_id = $2)")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                // Drop in: their places in lines, the lines to them, their visits either side, their link.
                sqlx::query("DELETE FROM line WHERE team_id = $1 AND (mentor_id = $2 OR asker_id = $2)")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM visits WHERE team_id = $1 AND (mentor_id = $2 OR visitor_id = $2)")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM meeting_links WHERE team_id = $1 AND user_id = $2")
                    .bind(team).bind(user).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM line_late WHERE team_id = $1 AND mentor_id = $2")
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
