//! 1:1 cadences: set, stop, done, accept; the report's notice; reminders with a rotating question.
//!
//! Every change is one transaction (`OneOnOneStore::save_one_on_one`) decided from what was read
//! just before: if the rows changed meanwhile, it is read and decided again. So a reply says what
//! the database now holds, and any command or button can be repeated safely.

use chrono::{DateTime, Utc, Weekday};
use chrono_tz::Tz;

use super::{payload_i64, NudgeError, Nudges};
use crate::commands::parse::{CadenceCommand, UserRef};
use crate::commands::Actor;
use crate::domain::cadence::{Cadence, DeclinedOneOnOne};
use crate::domain::time_of_day::TimeOfDay;
use crate::store::nudges::{CadenceRecord, CadenceStatus, MeetingRecord, MeetingStatus};
use crate::store::one_on_one::{CadenceChange, OneOnOneWrite, Saved};
use crate::store::reminders::{Reminder, Wanted};
use crate::store::StoreError;
use crate::views::replies::simple;
use crate::views::Message;

mod actions;
mod compose;
mod plan;
mod set;

pub(super) use actions::action;
pub(super) use compose::compose;
pub(super) use plan::{plan_after, plan_after_all};

/// Notices to other people one person may cause in a day (a 1:1 set up, changed or restarted
/// tells the report): plenty for any manager, too few to pester a workspace.
pub const MAX_INVITES_PER_DAY: i64 = 20;

/// A write that found its rows changed since they were read is decided again, this often.
const ATTEMPTS: usize = 3;

pub(super) async fn command(
    n: &Nudges,
    actor: &Actor,
    command: CadenceCommand,
) -> Result<Message, NudgeError> {
    match command {
        CadenceCommand::Set {
            report,
            every_weeks,
            on,
        } => set::set(n, actor, &report, every_weeks, on).await,
        CadenceCommand::Stop(report) => stop(n, actor, &report).await,
        CadenceCommand::Done(other) => done(n, actor, &other).await,
        CadenceCommand::Accept(manager) => actions::accept_command(n, actor, &manager).await,
    }
}

fn weekday_index(day: Weekday) -> u8 {
    u8::try_from(day.num_days_from_monday()).unwrap_or(0)
}

fn weekday_of(index: u8) -> Weekday {
    Weekday::try_from(index.min(6)).unwrap_or(Weekday::Mon)
}

/// The domain cadence behind a stored record.
fn cadence_of(record: &CadenceRecord) -> Option<Cadence> {
    let at = TimeOfDay::from_minutes(record.at_minute)?;
    Cadence::new(
        record.every_weeks,
        weekday_of(record.weekday),
        at,
        record.anchor,
    )
    .ok()
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

/// "every week on Monday at 10:00", or a plain word for a row that no longer reads.
fn label_of(record: &CadenceRecord) -> String {
    cadence_of(record).map_or_else(|| "on a schedule I can't read".to_owned(), |c| c.label())
}

/// ", next one *Mon 7 Dec 10:00*" in `tz`, or nothing when none is planned.
fn next_label(meetings: &[MeetingRecord], now: DateTime<Utc>, tz: Tz, lead: &str) -> String {
    plan::next_planned(meetings, now).map_or_else(String::new, |m| {
        format!("{lead}*{}*", local(m.starts_at, tz))
    })
}

fn busy() -> Message {
    simple(":hourglass: These 1:1s were being changed at the same moment. Nothing was changed by this; please try again.")
}

async fn meeting_of(n: &Nudges, reminder: &Reminder) -> Result<Option<MeetingRecord>, StoreError> {
    match payload_i64(reminder, "meeting_id") {
        Some(id) => n.meeting(id).await,
        None => Ok(None),
    }
}

/// The cadence at `status`, its schedule as it is, every meeting not yet held dropped and every
/// pending meeting reminder and report's notice cancelled, plus `more` (a notice of the answer).
async fn end(
    n: &Nudges,
    record: &CadenceRecord,
    status: CadenceStatus,
    more: Option<Wanted>,
    reason: &str,
) -> Result<Saved, StoreError> {
    let now = n.now();
    let meetings = n.store.meetings_of(record.id).await?;
    let plan = |record: &CadenceRecord, meetings: &[MeetingRecord]| {
        let mut groups = vec![
            plan::meeting_reminders(n, record, meetings, None),
            Wanted::none(plan::notices_prefix(record)),
        ];
        groups.extend(more.clone());
        groups
    };
    let write = OneOnOneWrite {
        cadence: CadenceChange::Update {
            was: record,
            schedule: record.schedule(),
            status,
        },
        meetings: plan::replan(None, &meetings, n.settings.lead, now, plan::Replan::Fresh),
        limit: None,
        reminders: &plan,
        reason,
    };
    n.store.save_one_on_one(&write, now).await
}

async fn stop(n: &Nudges, actor: &Actor, report: &UserRef) -> Result<Message, NudgeError> {
    for _ in 0..ATTEMPTS {
        let record = n
            .store
            .cadence_for(&actor.team_id, &actor.user_id, &report.id)
            .await?;
        let record = match record {
            Some(record) if record.status == CadenceStatus::Active => record,
            Some(record) if record.status == CadenceStatus::Declined => {
                return Ok(simple(format!(
                    "<@{}> declined these 1:1s, so there's nothing to stop.",
                    report.id
                )))
            }
            _ => {
                return Ok(simple(format!(
                    "You have no 1:1s set up with <@{}>.",
                    report.id
                )))
            }
        };
        match end(n, &record, CadenceStatus::Stopped, None, "1:1s stopped").await? {
            Saved::Saved { .. } => {
                return Ok(simple(format!(
                    ":octagonal_sign: Stopped the 1:1 reminders with <@{}>.",
                    report.id
                )))
            }
            Saved::Stale | Saved::Limited { .. } => continue,
        }
    }
    Ok(busy())
}

/// Finds the pair's cadence whichever of the two is asking.
async fn pair_cadence(
    n: &Nudges,
    actor: &Actor,
    other: &str,
) -> Result<Option<CadenceRecord>, StoreError> {
    if let Some(record) = n
        .store
        .cadence_for(&actor.team_id, &actor.user_id, other)
        .await?
    {
        return Ok(Some(record));
    }
    n.store
        .cadence_for(&actor.team_id, other, &actor.user_id)
        .await
}

async fn done(n: &Nudges, actor: &Actor, other: &UserRef) -> Result<Message, NudgeError> {
    let Some(record) = pair_cadence(n, actor, &other.id)
        .await?
        .filter(|r| r.status == CadenceStatus::Active)
    else {
        return Ok(simple(format!(
            "You have no 1:1s set up with <@{}>.",
            other.id
        )));
    };
    let now = n.now();
    // The latest meeting that is on now or already past (within the reminder lead).
    let current = n
        .store
        .meetings_of(record.id)
        .await?
        .into_iter()
        .filter(|m| m.starts_at <= now + n.settings.lead)
        .max_by_key(|m| m.starts_at);
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    let reply = match current {
        Some(m) if m.status == MeetingStatus::Planned => {
            if n.store
                .finish_meeting(m.id, MeetingStatus::Done, now)
                .await?
            {
                format!(
                    ":white_check_mark: Marked your 1:1 with <@{}> done. Nice work.",
                    other.id
                )
            } else {
                format!(
                    "Your 1:1 with <@{}> was settled a moment ago; nothing more to do.",
                    other.id
                )
            }
        }
        Some(m) => format!(
            "There's no 1:1 with <@{}> to mark done: the one on *{}* is already marked {}.",
            other.id,
            local(m.starts_at, tz),
            if m.status == MeetingStatus::Done {
                "done"
            } else {
                "skipped"
            }
        ),
        None => format!("There's no 1:1 with <@{}> to mark done yet.", other.id),
    };
    Ok(simple(reply))
}

/// The 1:1s this person declined, as their Home tab offers them back.
pub(super) async fn declined(
    n: &Nudges,
    actor: &Actor,
) -> Result<Vec<DeclinedOneOnOne>, StoreError> {
    let mut found = Vec::new();
    for record in n
        .store
        .cadences_of_report(&actor.team_id, &actor.user_id)
        .await?
    {
        let Some(cadence) =
            cadence_of(&record).filter(|_| record.status == CadenceStatus::Declined)
        else {
            continue;
        };
        found.push(DeclinedOneOnOne {
            cadence_id: record.id,
            manager_tz: n.zone_of(&record.team_id, &record.manager_id).await?,
            manager_id: record.manager_id,
            cadence,
        });
    }
    Ok(found)
}
