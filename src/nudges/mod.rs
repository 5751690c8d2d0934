//! The five nudges (1:1s, debriefs, advancement talks, conference meet-ups, the managers' digest)
//! and "tell me when" (`notify`): what each command plans, and what each reminder says when the
//! scheduler delivers it.

mod conference;
mod debrief;
mod digest;
mod line;
mod line_call;
mod line_compose;
mod line_week;
mod notify;
mod one_on_one;
mod review;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::Arc;

use crate::clock::Clock;
use crate::commands::parse::{CadenceCommand, ConferenceCommand};
use crate::commands::Actor;
use crate::domain::digest_time::DigestAt;
use crate::domain::worktime::WorkTime;
use crate::scheduler::{Composed, Composer};
use crate::store::nudges::{CadenceRecord, MeetingRecord};
use crate::store::reminders::{NewReminder, Reminder};
use crate::store::{Store, StoreError};
use crate::views::{Message, Modal};

/// Deployment-wide timing rules for nudges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NudgeSettings {
    /// How long before a 1:1 both people are reminded (`ONE_ON_ONE_LEAD`).
    pub lead: Duration,
    /// When managers get their weekly digest, in their own zone (`DIGEST_AT`).
    pub digest_at: DigestAt,
    /// When bot-timed nudges may go out (`WORK_HOURS`, `WORK_DAYS`, `NUDGE_AT`).
    pub work: WorkTime,
}

impl Default for NudgeSettings {
    fn default() -> Self {
        Self {
            lead: Duration::hours(1),
            digest_at: DigestAt::default(),
            work: WorkTime::default(),
        }
    }
}

/// Reminder kinds, as stored in the queue.
pub mod kinds {
    pub const ONE_ON_ONE: &str = "1on1";
    pub const CONSENT: &str = "1on1_consent";
    pub const DECLINED: &str = "1on1_declined";
    pub const ACCEPTED: &str = "1on1_accepted";
    pub const DEBRIEF: &str = "debrief";
    pub const FEEDBACK: &str = "feedback";
    pub const REVIEW: &str = "review";
    pub const AGREED: &str = "review_agreed";
    pub const CONFERENCE: &str = "conference";
    pub const DIGEST: &str = "digest";
    /// "Tell me when": a DM when someone watched opens.
    pub const NOTIFY: &str = crate::store::notify::NOTIFY_KIND;

    /// Drop in: to the mentor, someone joined her line.
    pub const LINE_JOINED: &str = "line_joined";
    /// To the asker who used the Drop in modal: their place and estimate.
    pub const LINE_PLACED: &str = "line_placed";
    /// To the person called: the mentor is ready, with her link.
    pub const LINE_CALL: &str = "line_call";
    /// Ten minutes after a call: an unanswered call moves them to the back of the line.
    pub const LINE_SKIP: &str = "line_skip";
    /// To the asker: not today, kept for their next window.
    pub const LINE_NOT_TODAY: &str = "line_not_today";
    /// At the start of the mentor's window: to her, what was asked while she was closed.
    pub const LINE_HELD: &str = "line_held";
    /// At the start of the mentor's window: to each asker waiting for it.
    pub const LINE_OPENED: &str = "line_opened";
    /// As the mentor closes with people waiting: to each, kept first for her next window.
    pub const LINE_CLOSED: &str = "line_closed";
    /// `late 10m`: to each person waiting, with their new estimate.
    pub const LINE_LATE: &str = "line_late";
    /// Ten minutes after a call, to the mentor: the call went unanswered, call the next.
    pub const LINE_SKIPPED: &str = "line_skipped";
    /// Monday, to a mentor who had visits the week before: what her office hours added up to.
    pub const LINE_WEEK: &str = "line_week";
    /// The mentor's Home tab, published again after someone joined or left her line (planned
    /// here, drawn by `home`).
    pub const HOME: &str = "home";

    /// Every kind above; `deliveries::KINDS` says how each is delivered.
    pub const ALL: &[&str] = &[
        ONE_ON_ONE,
        CONSENT,
        DECLINED,
        ACCEPTED,
        DEBRIEF,
        FEEDBACK,
        REVIEW,
        AGREED,
        CONFERENCE,
        DIGEST,
        NOTIFY,
        LINE_JOINED,
        LINE_PLACED,
        LINE_CALL,
        LINE_SKIP,
        LINE_NOT_TODAY,
        LINE_HELD,
        LINE_OPENED,
        LINE_CLOSED,
        LINE_LATE,
        LINE_SKIPPED,
        LINE_WEEK,
        HOME,
    ];
}

#[derive(Debug, thiserror::Error)]
pub enum NudgeError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a button click asks the transport to do.
#[derive(Debug, Default)]
pub struct ActionOutcome {
    /// Replace the message the button was on.
    pub replace: Option<Message>,
    /// Open this modal on the click's trigger.
    pub modal: Option<Modal>,
}

#[derive(Clone)]
pub struct Nudges {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: NudgeSettings,
    /// Rows read in bulk for the batch of reminders being composed or settled, if any.
    batch: Option<Arc<Batch>>,
}

/// What a batch of due 1:1 reminders needs, read in a few statements instead of a few per
/// reminder. A row missing here is read from the store as usual; one looked up and not found
/// is remembered as absent.
#[derive(Default)]
struct Batch {
    meetings: HashMap<i64, Option<MeetingRecord>>,
    cadences: HashMap<i64, Option<CadenceRecord>>,
    /// (team, user) → their zone, `None` when not known.
    zones: HashMap<(String, String), Option<Tz>>,
    /// Each cadence's meetings by `seq`, when read for planning.
    meetings_of: HashMap<i64, Vec<MeetingRecord>>,
}

impl Nudges {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: NudgeSettings) -> Self {
        Self {
            store,
            clock,
            settings,
            batch: None,
        }
    }

    /// Composes a claimed batch in order, with the 1:1 reminders' rows read in bulk first.
    pub async fn compose_all(
        &self,
        reminders: &[Reminder],
        now: DateTime<Utc>,
    ) -> Vec<anyhow::Result<Composed>> {
        let n = match self.read_batch(reminders, false).await {
            Ok(batch) => self.with_batch(batch),
            // Not fatal: each reminder then reads what it needs itself.
            Err(err) => {
                tracing::warn!(error = %err, "could not read a batch of reminders' rows at once");
                self.clone()
            }
        };
        let mut composed = Vec::with_capacity(reminders.len());
        for reminder in reminders {
            composed.push(n.compose(reminder, now).await);
        }
        composed
    }

    /// `settled` for a batch: each delivered 1:1 reminder's next meeting is planned together
    /// (one read of what is planned, one write of new meetings, one of their reminders).
    pub async fn settled_all(
        &self,
        reminders: &[Reminder],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let (one_on_ones, others): (Vec<&Reminder>, Vec<&Reminder>) =
            reminders.iter().partition(|r| r.kind == kinds::ONE_ON_ONE);
        let mut first_error = None;
        for reminder in others {
            if let Err(err) = self.settled(reminder, now).await {
                tracing::warn!(error = %format!("{err:#}"), key = %reminder.key, "could not plan what follows a reminder");
                first_error.get_or_insert(err);
            }
        }
        if !one_on_ones.is_empty() {
            let owned: Vec<Reminder> = one_on_ones.into_iter().cloned().collect();
            let planned = match self.read_batch(&owned, true).await {
                Ok(batch) => one_on_one::plan_after_all(&self.with_batch(batch), &owned, now).await,
                Err(err) => Err(err),
            };
            if let Err(err) = planned {
                first_error.get_or_insert(err.into());
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn with_batch(&self, batch: Batch) -> Self {
        Self {
            batch: Some(Arc::new(batch)),
            ..self.clone()
        }
    }

    /// The rows a batch of 1:1 reminders will read: their meetings and cadences, the zones of
    /// recipients (and of managers, who set the meetings' times), and for `planning` every
    /// meeting of those cadences.
    async fn read_batch(
        &self,
        reminders: &[Reminder],
        planning: bool,
    ) -> Result<Batch, StoreError> {
        let mut batch = Batch::default();
        let meeting_ids: Vec<i64> = reminders
            .iter()
            .filter(|r| r.kind == kinds::ONE_ON_ONE)
            .filter_map(|r| payload_i64(r, "meeting_id"))
            .collect();
        if meeting_ids.is_empty() {
            return Ok(batch);
        }
        batch.meetings = meeting_ids.iter().map(|&id| (id, None)).collect();
        for meeting in self.store.meetings(&meeting_ids).await? {
            batch.meetings.insert(meeting.id, Some(meeting));
        }
        let cadence_ids: Vec<i64> = batch
            .meetings
            .values()
            .flatten()
            .map(|m| m.cadence_id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        batch.cadences = cadence_ids.iter().map(|&id| (id, None)).collect();
        for cadence in self.store.cadences(&cadence_ids).await? {
            batch.cadences.insert(cadence.id, Some(cadence));
        }
        let mut wanted: HashMap<&str, std::collections::BTreeSet<&str>> = HashMap::new();
        for r in reminders {
            for user in &r.recipients {
                wanted.entry(r.team_id.as_str()).or_default().insert(user);
            }
        }
        for c in batch.cadences.values().flatten() {
            wanted
                .entry(c.team_id.as_str())
                .or_default()
                .insert(&c.manager_id);
        }
        for (team_id, users) in wanted {
            let users: Vec<String> = users.into_iter().map(str::to_owned).collect();
            for user in &users {
                batch.zones.insert((team_id.to_owned(), user.clone()), None);
            }
            for person in self.store.people(team_id, &users).await? {
                let zone = person.zone();
                batch.zones.insert((person.team_id, person.user_id), zone);
            }
        }
        if planning {
            batch.meetings_of = cadence_ids.iter().map(|&id| (id, Vec::new())).collect();
            for meeting in self.store.meetings_of_all(&cadence_ids).await? {
                batch
                    .meetings_of
                    .entry(meeting.cadence_id)
                    .or_default()
                    .push(meeting);
            }
        }
        Ok(batch)
    }

    async fn meeting(&self, id: i64) -> Result<Option<MeetingRecord>, StoreError> {
        if let Some(held) = self.batch.as_ref().and_then(|b| b.meetings.get(&id)) {
            return Ok(held.clone());
        }
        self.store.meeting(id).await
    }

    async fn cadence(&self, id: i64) -> Result<Option<CadenceRecord>, StoreError> {
        if let Some(held) = self.batch.as_ref().and_then(|b| b.cadences.get(&id)) {
            return Ok(held.clone());
        }
        self.store.cadence(id).await
    }

    async fn meetings_of(&self, cadence_id: i64) -> Result<Vec<MeetingRecord>, StoreError> {
        if let Some(held) = self
            .batch
            .as_ref()
            .and_then(|b| b.meetings_of.get(&cadence_id))
        {
            return Ok(held.clone());
        }
        self.store.meetings_of(cadence_id).await
    }

    pub async fn one_on_one(
        &self,
        actor: &Actor,
        command: CadenceCommand,
    ) -> Result<Message, NudgeError> {
        one_on_one::command(self, actor, command).await
    }

    pub async fn debrief(
        &self,
        actor: &Actor,
        project: String,
        date: chrono::NaiveDate,
        participants: Vec<String>,
    ) -> Result<Message, NudgeError> {
        debrief::command(self, actor, project, date, participants).await
    }

    pub async fn review(
        &self,
        actor: &Actor,
        report: &str,
        date: chrono::NaiveDate,
    ) -> Result<Message, NudgeError> {
        review::command(self, actor, report, date).await
    }

    pub async fn conference(
        &self,
        actor: &Actor,
        command: ConferenceCommand,
    ) -> Result<Message, NudgeError> {
        conference::command(self, actor, command).await
    }

    /// `/officehours notify …`: watch a person or a topic, list, or stop.
    pub async fn notify(
        &self,
        actor: &Actor,
        command: crate::commands::parse::NotifyCommand,
    ) -> Result<Message, NudgeError> {
        notify::command(self, actor, command).await
    }

    /// After `mentor_id`'s hours changed (windows, on/off, away, zone): the notify DMs of everyone
    /// watching them, or a topic, planned again.
    pub async fn replan_notify(&self, team_id: &str, mentor_id: &str) -> Result<(), NudgeError> {
        Ok(notify::replan_for(self, team_id, mentor_id).await?)
    }

    /// The 1:1s this person declined, which their Home tab offers to accept after all.
    pub async fn declined_one_on_ones(
        &self,
        actor: &Actor,
    ) -> Result<Vec<crate::domain::cadence::DeclinedOneOnOne>, NudgeError> {
        Ok(one_on_one::declined(self, actor).await?)
    }

    /// The mentor's line for her Home tab (None while it is empty).
    pub async fn home_line(
        &self,
        actor: &Actor,
        viewer: &crate::domain::status::Viewer,
    ) -> Result<Option<Message>, NudgeError> {
        line::home_line(self, actor, viewer).await
    }

    /// Drop in's commands: `ask`, `ask cancel`, `queue`, `next`, `link`.
    pub async fn line(
        &self,
        actor: &Actor,
        viewer: &crate::domain::status::Viewer,
        command: crate::commands::parse::Command,
    ) -> Result<Message, NudgeError> {
        line::command(self, actor, viewer, command).await
    }

    /// After a mentor's hours moved: what waits for her next window is planned for it.
    pub async fn replan_line(&self, team_id: &str, mentor_id: &str) -> Result<(), NudgeError> {
        line::replan(self, team_id, mentor_id).await
    }

    /// `/officehours team`: the digest, on demand.
    pub async fn team(&self, actor: &Actor) -> Result<Message, NudgeError> {
        Ok(digest::overview(self, actor, self.clock.now())
            .await?
            .unwrap_or_else(digest::nothing_to_report))
    }

    /// A button on one of the nudges' messages.
    pub async fn action(
        &self,
        actor: &Actor,
        action_id: &str,
        value: &str,
    ) -> Result<Option<ActionOutcome>, NudgeError> {
        if let Some(outcome) = one_on_one::action(self, actor, action_id, value).await? {
            return Ok(Some(outcome));
        }
        if let Some(outcome) = debrief::action(self, actor, action_id, value).await? {
            return Ok(Some(outcome));
        }
        if let Some(outcome) = line::action(self, actor, action_id, value).await? {
            return Ok(Some(outcome));
        }
        review::action(self, actor, action_id, value).await
    }

    /// A modal submission. `Err` carries per-block messages to show in the modal.
    pub async fn submit(
        &self,
        actor: &Actor,
        callback_id: &str,
        metadata: &str,
        values: &HashMap<String, String>,
    ) -> Result<Result<(), HashMap<String, String>>, NudgeError> {
        match callback_id {
            crate::views::modals::FEEDBACK => debrief::submit(self, actor, metadata, values).await,
            crate::views::modals::AGREED => review::submit(self, actor, metadata, values).await,
            crate::views::modals::DROP_IN => line::submit(self, actor, metadata, values).await,
            _ => Ok(Ok(())),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A person's zone: theirs if known, else UTC (and their messages say so).
    async fn zone_of(&self, team_id: &str, user_id: &str) -> Result<Tz, StoreError> {
        if let Some(held) = self
            .batch
            .as_ref()
            .and_then(|b| b.zones.get(&(team_id.to_owned(), user_id.to_owned())))
        {
            return Ok(held.unwrap_or(Tz::UTC));
        }
        Ok(self
            .store
            .person(team_id, user_id)
            .await?
            .and_then(|p| p.zone())
            .unwrap_or(Tz::UTC))
    }

    async fn schedule(&self, reminder: NewReminder) -> Result<bool, StoreError> {
        self.store.schedule(&reminder, self.now()).await
    }

    /// Someone who manages something gets a weekly digest; plan their next one if it is not planned.
    async fn ensure_digest(&self, team_id: &str, manager_id: &str) -> Result<(), StoreError> {
        digest::plan_next(self, team_id, manager_id, self.now()).await
    }
}

/// How many other people one person may invite in a day (a debrief's participants, the report
/// of an advancement talk): enough for any real use, few enough that the bot cannot be made to
/// message a whole workspace.
pub const MAX_INVITATIONS_PER_DAY: u32 = 20;

/// The sender's limit for `today` (their date).
fn daily_limit(today: chrono::NaiveDate) -> crate::store::gatherings::DailyLimit {
    crate::store::gatherings::DailyLimit {
        day: today,
        limit: MAX_INVITATIONS_PER_DAY,
    }
}

/// The answer to a command that would invite `wanted` more people today.
fn over_limit(wanted: u32, invited_today: u32) -> Message {
    crate::views::replies::with_hint(
        format!(
            ":raised_hand: That would invite {wanted} more {}, but you've invited {invited_today} today and the limit is {MAX_INVITATIONS_PER_DAY} a day. Nothing was saved.",
            if wanted == 1 { "person" } else { "people" }
        ),
        "The count starts again tomorrow (your time).",
    )
}

fn reminder(
    team_id: &str,
    key: String,
    kind: &str,
    recipients: Vec<String>,
    payload: serde_json::Value,
    due_at: DateTime<Utc>,
) -> NewReminder {
    NewReminder {
        team_id: team_id.to_owned(),
        key,
        kind: kind.to_owned(),
        recipients,
        payload,
        due_at,
    }
}

fn payload_i64(reminder: &Reminder, field: &str) -> Option<i64> {
    reminder
        .payload
        .get(field)
        .and_then(serde_json::Value::as_i64)
}

fn payload_str<'a>(reminder: &'a Reminder, field: &str) -> Option<&'a str> {
    reminder
        .payload
        .get(field)
        .and_then(serde_json::Value::as_str)
}

#[async_trait]
impl Composer for Nudges {
    async fn compose(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<Composed> {
        Ok(match reminder.kind.as_str() {
            kinds::ONE_ON_ONE | kinds::CONSENT | kinds::DECLINED | kinds::ACCEPTED => {
                one_on_one::compose(self, reminder, now).await?
            }
            kinds::DEBRIEF | kinds::FEEDBACK => debrief::compose(self, reminder, now).await?,
            kinds::REVIEW | kinds::AGREED => review::compose(self, reminder, now).await?,
            kinds::CONFERENCE => conference::compose(self, reminder, now).await?,
            kinds::DIGEST => digest::compose(self, reminder, now).await?,
            kinds::NOTIFY => notify::compose(self, reminder, now).await?,
            kinds::LINE_JOINED
            | kinds::LINE_PLACED
            | kinds::LINE_CALL
            | kinds::LINE_SKIP
            | kinds::LINE_NOT_TODAY
            | kinds::LINE_HELD
            | kinds::LINE_OPENED
            | kinds::LINE_CLOSED
            | kinds::LINE_LATE
            | kinds::LINE_SKIPPED => line_compose::compose(self, reminder, now).await?,
            kinds::LINE_WEEK => line_week::compose(self, reminder, now).await?,
            other => Composed::Cancel(format!("unknown reminder kind `{other}`")),
        })
    }

    async fn settled(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<()> {
        match reminder.kind.as_str() {
            kinds::ONE_ON_ONE => one_on_one::plan_after(self, reminder, now).await?,
            kinds::NOTIFY => notify::plan_after(self, reminder).await?,
            // Told she closed or opened (or not, after all): the next announcement follows.
            kinds::LINE_OPENED | kinds::LINE_CLOSED | kinds::LINE_HELD => {
                if let Some(mentor) = payload_str(reminder, "mentor") {
                    line::replan(self, &reminder.team_id, mentor).await?;
                }
            }
            kinds::DIGEST => {
                if let [manager] = reminder.recipients.as_slice() {
                    digest::plan_next(self, &reminder.team_id, manager, reminder.due_at.max(now))
                        .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
