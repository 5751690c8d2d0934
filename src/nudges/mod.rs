//! The five nudges (1:1s, debriefs, advancement talks, conference meet-ups, the managers' digest):
//! what each command plans, and what each reminder says when the scheduler delivers it.

mod conference;
mod debrief;
mod digest;
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
    pub const DEBRIEF: &str = "debrief";
    pub const FEEDBACK: &str = "feedback";
    pub const REVIEW: &str = "review";
    pub const AGREED: &str = "review_agreed";
    pub const CONFERENCE: &str = "conference";
    pub const DIGEST: &str = "digest";
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
}

impl Nudges {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: NudgeSettings) -> Self {
        Self {
            store,
            clock,
            settings,
        }
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
            _ => Ok(Ok(())),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A person's zone: theirs if known, else UTC (and their messages say so).
    async fn zone_of(&self, team_id: &str, user_id: &str) -> Result<Tz, StoreError> {
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
            kinds::ONE_ON_ONE | kinds::CONSENT | kinds::DECLINED => {
                one_on_one::compose(self, reminder, now).await?
            }
            kinds::DEBRIEF | kinds::FEEDBACK => debrief::compose(self, reminder, now).await?,
            kinds::REVIEW | kinds::AGREED => review::compose(self, reminder, now).await?,
            kinds::CONFERENCE => conference::compose(self, reminder, now).await?,
            kinds::DIGEST => digest::compose(self, reminder, now).await?,
            other => Composed::Cancel(format!("unknown reminder kind `{other}`")),
        })
    }

    async fn settled(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<()> {
        match reminder.kind.as_str() {
            kinds::ONE_ON_ONE => one_on_one::plan_after(self, reminder, now).await?,
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
