//! The buttons: the report accepts or declines; either person marks a meeting done, snoozes or skips it.

use chrono::{DateTime, Duration, Utc};

use super::plan::schedule_reminders;
use super::{local, retire_planned};
use crate::commands::Actor;
use crate::nudges::{kinds, reminder, ActionOutcome, NudgeError, Nudges};
use crate::store::nudges::{CadenceRecord, CadenceStatus, MeetingRecord, MeetingStatus};
use crate::store::StoreError;
use crate::views::actions;
use crate::views::replies::simple;

pub(in crate::nudges) async fn action(
    n: &Nudges,
    actor: &Actor,
    action_id: &str,
    value: &str,
) -> Result<Option<ActionOutcome>, NudgeError> {
    let Ok(id) = value.parse::<i64>() else {
        return Ok(None);
    };
    let reply = match action_id {
        actions::ONE_ON_ONE_ACCEPT | actions::ONE_ON_ONE_DECLINE => {
            Some(answer(n, actor, id, action_id == actions::ONE_ON_ONE_ACCEPT).await?)
        }
        actions::MEETING_DONE | actions::MEETING_SNOOZE | actions::MEETING_SKIP => {
            settle(n, actor, id, action_id).await?
        }
        _ => None,
    };
    Ok(reply.map(|text| ActionOutcome {
        replace: Some(simple(text)),
        modal: None,
    }))
}

/// The report's answer to the consent notice for cadence `id`.
async fn answer(n: &Nudges, actor: &Actor, id: i64, accepted: bool) -> Result<String, NudgeError> {
    let Some(record) = n
        .store
        .cadence(id)
        .await?
        .filter(|r| r.report_id == actor.user_id)
    else {
        return Ok("That 1:1 isn't yours to answer.".to_owned());
    };
    if accepted {
        return Ok(format!(
            ":+1: Great. You and <@{}> will get a reminder before each 1:1.",
            record.manager_id
        ));
    }
    // A second click on "Decline", or one after the manager stopped the 1:1s, tells nobody again.
    if record.status == CadenceStatus::Active {
        decline(n, &record).await?;
    }
    Ok(format!(
        "You declined the 1:1s with <@{}>; there won't be reminders. They'll be told.",
        record.manager_id
    ))
}

/// Ends the cadence and tells the manager, in their working hours.
async fn decline(n: &Nudges, record: &CadenceRecord) -> Result<(), StoreError> {
    let now = n.now();
    n.store
        .set_cadence_status(record.id, CadenceStatus::Declined, now)
        .await?;
    retire_planned(n, record, "declined by the report").await?;
    let manager_tz = n.zone_of(&record.team_id, &record.manager_id).await?;
    n.schedule(reminder(
        &record.team_id,
        format!("1on1-declined:{}:{}", record.id, now.timestamp()),
        kinds::DECLINED,
        vec![record.manager_id.clone()],
        serde_json::json!({ "cadence_id": record.id }),
        n.settings.work.defer(manager_tz, now),
    ))
    .await?;
    Ok(())
}

/// Done, snooze or skip on meeting `id`, by either of the two; `None` when its cadence is gone.
async fn settle(
    n: &Nudges,
    actor: &Actor,
    id: i64,
    action_id: &str,
) -> Result<Option<String>, NudgeError> {
    let Some(meeting) = n.store.meeting(id).await? else {
        return Ok(Some("That 1:1 no longer exists.".to_owned()));
    };
    let Some(record) = n.store.cadence(meeting.cadence_id).await? else {
        return Ok(None);
    };
    if actor.user_id != record.manager_id && actor.user_id != record.report_id {
        return Ok(Some("That 1:1 isn't yours.".to_owned()));
    }
    if meeting.status != MeetingStatus::Planned {
        return Ok(Some(
            "This 1:1 was already marked done or skipped.".to_owned(),
        ));
    }
    let now = n.now();
    let reply = match action_id {
        actions::MEETING_DONE => {
            n.store
                .finish_meeting(meeting.id, MeetingStatus::Done, now)
                .await?;
            ":white_check_mark: Marked done. Nice work.".to_owned()
        }
        actions::MEETING_SKIP => {
            n.store
                .finish_meeting(meeting.id, MeetingStatus::Skipped, now)
                .await?;
            ":fast_forward: Skipped this one. The next one is planned as usual.".to_owned()
        }
        _ => snooze(n, actor, &record, meeting, now).await?,
    };
    Ok(Some(reply))
}

/// Moves the meeting a day later and swaps its reminders for ones at the new time.
async fn snooze(
    n: &Nudges,
    actor: &Actor,
    record: &CadenceRecord,
    meeting: MeetingRecord,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let moved = meeting.starts_at + Duration::days(1);
    if !n.store.move_meeting(meeting.id, moved).await? {
        return Ok("This 1:1 can't be moved any more.".to_owned());
    }
    n.store
        .cancel_pending(
            &format!(
                "1on1:{}:{}:{}:",
                record.id,
                meeting.id,
                meeting.starts_at.timestamp()
            ),
            "snoozed",
            now,
        )
        .await?;
    let moved_meeting = MeetingRecord {
        starts_at: moved,
        ..meeting
    };
    schedule_reminders(n, record, &moved_meeting).await?;
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    Ok(format!(
        ":zzz: Snoozed a day: now *{}* your time. You'll both be reminded again.",
        local(moved, tz)
    ))
}
