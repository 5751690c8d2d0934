//! 1:1 cadences: set, stop, done; the report's consent notice; reminders with a rotating question.

use chrono::{DateTime, Duration, Utc, Weekday};
use chrono_tz::Tz;

use super::{kinds, payload_i64, reminder, NudgeError, Nudges};
use crate::commands::parse::{CadenceCommand, UserRef};
use crate::commands::Actor;
use crate::domain::cadence::Cadence;
use crate::domain::time_of_day::TimeOfDay;
use crate::store::nudges::{
    CadenceRecord, CadenceSchedule, CadenceStatus, MeetingRecord, MeetingStatus,
};
use crate::store::reminders::Reminder;
use crate::store::StoreError;
use crate::views::replies::{simple, with_hint};
use crate::views::Message;

mod actions;
mod compose;
mod plan;

pub(super) use actions::action;
pub(super) use compose::compose;
use plan::plan_meeting;
pub(super) use plan::{plan_after, plan_after_all};

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
        } => set(n, actor, &report, every_weeks, on).await,
        CadenceCommand::Stop(report) => stop(n, actor, &report).await,
        CadenceCommand::Done(other) => done(n, actor, &other).await,
    }
}

fn weekday_index(day: Weekday) -> u8 {
    u8::try_from(day.num_days_from_monday()).unwrap_or(0)
}

fn weekday_of(index: u8) -> Weekday {
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ][usize::from(index.min(6))]
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

async fn set(
    n: &Nudges,
    actor: &Actor,
    report: &UserRef,
    every_weeks: u8,
    on: Option<(Weekday, TimeOfDay)>,
) -> Result<Message, NudgeError> {
    if report.id == actor.user_id {
        return Ok(simple(":thinking_face: A 1:1 needs two people: mention your report, e.g. `/officehours 1on1 @ana every 2 weeks on tue 10:00`."));
    }
    let now = n.now();
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    let cadence = match on {
        Some((weekday, at)) => Cadence::starting(every_weeks, weekday, at, tz, now),
        None => Cadence::from_now(every_weeks, tz, now),
    };
    let cadence = match cadence {
        Ok(cadence) => cadence,
        Err(err) => return Ok(simple(format!(":thinking_face: {err}"))),
    };
    let schedule = CadenceSchedule {
        every_weeks: cadence.every_weeks,
        weekday: weekday_index(cadence.weekday),
        at_minute: cadence.at.minutes(),
        anchor: cadence.anchor,
    };
    let before = n
        .store
        .cadence_for(&actor.team_id, &actor.user_id, &report.id)
        .await?;
    let record = n
        .store
        .upsert_cadence(&actor.team_id, &actor.user_id, &report.id, schedule, now)
        .await?;
    if before.is_some() {
        retire_planned(n, &record, "the 1:1 schedule changed").await?;
    }
    let first = plan_meeting(n, &record, now).await?;
    let report_tz = n.zone_of(&actor.team_id, &report.id).await?;
    n.schedule(reminder(
        &actor.team_id,
        format!("1on1-consent:{}:{}", record.id, now.timestamp()),
        kinds::CONSENT,
        vec![report.id.clone()],
        serde_json::json!({ "cadence_id": record.id }),
        n.settings.work.defer(report_tz, now),
    ))
    .await?;
    n.ensure_digest(&actor.team_id, &actor.user_id).await?;
    let first = first.map_or_else(String::new, |m| {
        format!(" First one: *{}*.", local(m.starts_at, tz))
    });
    Ok(with_hint(
        format!(":calendar: 1:1 with <@{}> {} ({}).{first}", report.id, cadence.label(), tz.name()),
        &format!(
            "You'll both get a reminder {} before each one, with a big-picture question. <@{}> will hear about it and can decline.",
            lead_label(n.settings.lead),
            report.id
        ),
    ))
}

fn lead_label(lead: Duration) -> String {
    if lead.is_zero() {
        "at the start".to_owned()
    } else {
        crate::domain::duration::duration_label(lead)
    }
}

/// Marks the planned meetings of an old schedule skipped and cancels their reminders.
async fn retire_planned(n: &Nudges, record: &CadenceRecord, why: &str) -> Result<(), StoreError> {
    let now = n.now();
    for meeting in n.store.meetings_of(record.id).await? {
        if meeting.status == MeetingStatus::Planned && meeting.starts_at > now {
            n.store
                .finish_meeting(meeting.id, MeetingStatus::Skipped, now)
                .await?;
        }
    }
    n.store
        .cancel_pending(&format!("1on1:{}:", record.id), why, now)
        .await?;
    Ok(())
}

async fn meeting_of(n: &Nudges, reminder: &Reminder) -> Result<Option<MeetingRecord>, StoreError> {
    match payload_i64(reminder, "meeting_id") {
        Some(id) => n.meeting(id).await,
        None => Ok(None),
    }
}

async fn stop(n: &Nudges, actor: &Actor, report: &UserRef) -> Result<Message, NudgeError> {
    match n
        .store
        .cadence_for(&actor.team_id, &actor.user_id, &report.id)
        .await?
    {
        Some(record) if record.status == CadenceStatus::Active => {
            n.store
                .set_cadence_status(record.id, CadenceStatus::Stopped, n.now())
                .await?;
            retire_planned(n, &record, "1:1s stopped").await?;
            Ok(simple(format!(
                ":octagonal_sign: Stopped the 1:1 reminders with <@{}>.",
                report.id
            )))
        }
        _ => Ok(simple(format!(
            "You have no 1:1s set up with <@{}>.",
            report.id
        ))),
    }
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
    // The meeting that is on now or already past (within the reminder lead) and still open.
    let current = n
        .store
        .meetings_of(record.id)
        .await?
        .into_iter()
        .filter(|m| m.status == MeetingStatus::Planned && m.starts_at <= now + n.settings.lead)
        .max_by_key(|m| m.starts_at);
    match current {
        Some(meeting) => {
            n.store
                .finish_meeting(meeting.id, MeetingStatus::Done, now)
                .await?;
            Ok(simple(format!(
                ":white_check_mark: Marked your 1:1 with <@{}> done. Nice work.",
                other.id
            )))
        }
        None => Ok(simple(format!(
            "There's no 1:1 with <@{}> to mark done yet.",
            other.id
        ))),
    }
}
