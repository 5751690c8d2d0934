//! Planning meetings: the next one after each delivered reminder, with a reminder for each person.

use chrono::{DateTime, SubsecRound, Utc};
use std::collections::HashSet;

use super::{cadence_of, meeting_of};
use crate::domain::cadence::reminder_time;
use crate::nudges::{kinds, reminder, Nudges};
use crate::store::nudges::{CadenceRecord, CadenceStatus, MeetingRecord};
use crate::store::reminders::{NewReminder, Reminder};
use crate::store::StoreError;

/// Plans the first meeting after `after`, with a reminder for each of the two.
pub(super) async fn plan_meeting(
    n: &Nudges,
    record: &CadenceRecord,
    after: DateTime<Utc>,
) -> Result<Option<MeetingRecord>, StoreError> {
    let Some(cadence) = cadence_of(record) else {
        return Ok(None);
    };
    let tz = n.zone_of(&record.team_id, &record.manager_id).await?;
    let Some(start) = cadence.next_meeting_after(tz, after) else {
        return Ok(None);
    };
    let planned = n.meetings_of(record.id).await?;
    // Both people's reminders plan the same next meeting: the second finds it already planned
    // and need not insert it again.
    let meeting = match planned
        .iter()
        .find(|m| m.starts_at == start.trunc_subsecs(0))
    {
        Some(existing) => existing.clone(),
        None => {
            let seq = i32::try_from(planned.len()).unwrap_or(i32::MAX);
            n.store.ensure_meeting(record.id, seq, start).await?
        }
    };
    schedule_reminders(n, record, &meeting).await?;
    Ok(Some(meeting))
}

pub(super) async fn schedule_reminders(
    n: &Nudges,
    record: &CadenceRecord,
    meeting: &MeetingRecord,
) -> Result<(), StoreError> {
    // One statement for both: every delivered 1:1 reminder plans the next meeting's pair.
    n.store
        .schedule_all(&reminders_for(n, record, meeting), n.now())
        .await?;
    Ok(())
}

/// The two reminders of a meeting, one for each person.
fn reminders_for(n: &Nudges, record: &CadenceRecord, meeting: &MeetingRecord) -> Vec<NewReminder> {
    let due = reminder_time(meeting.starts_at, n.settings.lead).max(n.now());
    [&record.manager_id, &record.report_id]
        .into_iter()
        .map(|person| {
            reminder(
                &record.team_id,
                format!("1on1:{}:{}:{}:{person}", record.id, meeting.id, meeting.starts_at.timestamp()),
                kinds::ONE_ON_ONE,
                vec![person.clone()],
                serde_json::json!({ "meeting_id": meeting.id, "starts_at": meeting.starts_at.timestamp() }),
                due,
            )
        })
        .collect()
}

/// After a meeting's reminder is settled, the next meeting is planned (idempotent for both people).
pub(in crate::nudges) async fn plan_after(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(meeting) = meeting_of(n, reminder).await? else {
        return Ok(());
    };
    let Some(record) = n.cadence(meeting.cadence_id).await? else {
        return Ok(());
    };
    if record.status == CadenceStatus::Active {
        plan_meeting(n, &record, meeting.starts_at.max(now)).await?;
    }
    Ok(())
}

/// `plan_after` for a batch of delivered reminders, with the batch's rows read beforehand: the
/// new meetings are written in one statement and all their reminders in another.
pub(in crate::nudges) async fn plan_after_all(
    n: &Nudges,
    reminders: &[Reminder],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    let mut ready: Vec<(CadenceRecord, MeetingRecord)> = Vec::new();
    let mut to_create: Vec<(CadenceRecord, i32, DateTime<Utc>)> = Vec::new();
    for reminder in reminders {
        let Some(meeting) = meeting_of(n, reminder).await? else {
            continue;
        };
        // Both people's reminders of one meeting plan the same next one.
        if !seen.insert(meeting.id) {
            continue;
        }
        let Some(record) = n.cadence(meeting.cadence_id).await? else {
            continue;
        };
        if record.status != CadenceStatus::Active {
            continue;
        }
        let Some(cadence) = cadence_of(&record) else {
            continue;
        };
        let tz = n.zone_of(&record.team_id, &record.manager_id).await?;
        let Some(start) = cadence.next_meeting_after(tz, meeting.starts_at.max(now)) else {
            continue;
        };
        let start = start.trunc_subsecs(0);
        let planned = n.meetings_of(record.id).await?;
        match planned.iter().find(|m| m.starts_at == start) {
            Some(existing) => ready.push((record, existing.clone())),
            None if to_create
                .iter()
                .any(|(r, _, at)| r.id == record.id && *at == start) => {}
            None => {
                let seq = i32::try_from(planned.len()).unwrap_or(i32::MAX);
                to_create.push((record, seq, start));
            }
        }
    }
    let wanted: Vec<(i64, i32, DateTime<Utc>)> = to_create
        .iter()
        .map(|(record, seq, start)| (record.id, *seq, *start))
        .collect();
    let created = n.store.ensure_meetings(&wanted).await?;
    for (record, _, start) in to_create {
        if let Some(meeting) = created
            .iter()
            .find(|m| m.cadence_id == record.id && m.starts_at == start)
        {
            let meeting = meeting.clone();
            ready.push((record, meeting));
        }
    }
    let all: Vec<NewReminder> = ready
        .iter()
        .flat_map(|(record, meeting)| reminders_for(n, record, meeting))
        .collect();
    n.store.schedule_all(&all, n.now()).await?;
    Ok(())
}
