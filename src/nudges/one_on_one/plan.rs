//! Planning: which meetings a cadence should have, their reminders keyed by the occurrence they
//! are for, the notices around them, and the next meeting after each delivered reminder. Planning
//! is a reconcile: run again, on any replica, it changes nothing.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use chrono_tz::Tz;
use std::collections::HashSet;

use super::{cadence_of, meeting_of};
use crate::domain::cadence::{reminder_time, Cadence};
use crate::nudges::{kinds, reminder, Nudges};
use crate::store::nudges::{CadenceRecord, CadenceStatus, MeetingRecord, MeetingStatus};
use crate::store::one_on_one::MeetingChange;
use crate::store::reminders::{NewReminder, Reminder, Wanted};
use crate::store::StoreError;

/// Every meeting reminder of a cadence: `1on1:<cadence>:<start>:<person>`.
pub(super) fn meetings_prefix(cadence_id: i64) -> String {
    format!("1on1:{cadence_id}:")
}

/// The two reminders of one occurrence.
pub(super) fn occurrence_prefix(cadence_id: i64, starts_at: DateTime<Utc>) -> String {
    format!("1on1:{cadence_id}:{}:", starts_at.timestamp())
}

/// Every notice a manager sent to reports (`1on1-consent:<team>:<manager>:<cadence>:<schedule>`):
/// what the daily invitation limit counts.
pub(super) fn invites_prefix(team_id: &str, manager_id: &str) -> String {
    format!("1on1-consent:{team_id}:{manager_id}:")
}

/// The report's notices about one cadence.
pub(super) fn notices_prefix(record: &CadenceRecord) -> String {
    format!(
        "{}{}:",
        invites_prefix(&record.team_id, &record.manager_id),
        record.id
    )
}

/// The manager's notices that the report declined or accepted: `1on1-answer:<cadence>:…`.
pub(super) fn answers_prefix(cadence_id: i64) -> String {
    format!("1on1-answer:{cadence_id}:")
}

/// What a notice is about: the schedule as set. Set again unchanged, it is the same notice.
pub(super) fn schedule_tag(record: &CadenceRecord) -> String {
    format!(
        "{}w{}d{}m{}",
        record.every_weeks, record.weekday, record.at_minute, record.anchor
    )
}

/// A meeting that was never held: a planned one still ahead, or one still ahead that an older
/// version marked skipped when the schedule changed (before its reminder could go out).
fn never_held(m: &MeetingRecord, lead: Duration, now: DateTime<Utc>) -> bool {
    m.starts_at > now
        && match m.status {
            MeetingStatus::Planned => true,
            MeetingStatus::Skipped => m
                .finished_at
                .is_some_and(|f| f < reminder_time(m.starts_at, lead)),
            MeetingStatus::Done => false,
        }
}

/// The starts to plan after `last` (the latest planned meeting), or from `now` without one: the
/// next start no settled meeting holds, and while that one's reminder is already due, the one
/// after it too (a delivered reminder is what plans the following meeting).
fn starts_to_plan(
    cadence: &Cadence,
    tz: Tz,
    settled: &[DateTime<Utc>],
    lead: Duration,
    now: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
) -> Vec<DateTime<Utc>> {
    let mut after = match last {
        Some(l) if reminder_time(l, lead) > now => return Vec::new(),
        Some(l) => l.max(now),
        None => now,
    };
    let mut out = Vec::new();
    // A handful of steps: a settled date is passed over, and the lead rarely spans a meeting.
    for _ in 0..8 {
        let Some(start) = cadence.next_meeting_after(tz, after) else {
            break;
        };
        let start = start.trunc_subsecs(0);
        after = start;
        if settled.contains(&start) {
            continue;
        }
        out.push(start);
        if reminder_time(start, lead) > now {
            break;
        }
    }
    out
}

/// How meetings are replanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replan {
    /// A new or changed schedule: every meeting not yet held is planned again from now.
    Fresh,
    /// The schedule as it was (set again, say): the plan stands and is continued where it
    /// stopped; only meetings an older version left skipped ahead are cleared.
    Continue,
    /// After a delivered reminder: the plan is continued, nothing else is touched.
    Follow,
}

/// How the meetings change. Without a cadence (stopped, declined) every meeting not yet held goes.
pub(super) fn replan(
    cadence: Option<(&Cadence, Tz)>,
    meetings: &[MeetingRecord],
    lead: Duration,
    now: DateTime<Utc>,
    how: Replan,
) -> Vec<MeetingChange> {
    let droppable = |m: &MeetingRecord| match how {
        Replan::Fresh => never_held(m, lead, now),
        Replan::Continue => never_held(m, lead, now) && m.status != MeetingStatus::Planned,
        Replan::Follow => false,
    };
    let settled: Vec<DateTime<Utc>> = meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Planned && !droppable(m))
        .map(|m| m.starts_at)
        .collect();
    let last = meetings
        .iter()
        .filter(|m| how != Replan::Fresh && m.status == MeetingStatus::Planned)
        .map(|m| m.starts_at)
        .max();
    let starts = cadence.map_or_else(Vec::new, |(c, tz)| {
        starts_to_plan(c, tz, &settled, lead, now, last)
    });
    // A planned meeting where one is wanted stays, with its id and its reminders.
    let stays = |m: &MeetingRecord| {
        !droppable(m) || (m.status == MeetingStatus::Planned && starts.contains(&m.starts_at))
    };
    let mut changes: Vec<MeetingChange> = meetings
        .iter()
        .filter(|m| !stays(m))
        .map(|m| MeetingChange::Drop(m.id))
        .collect();
    let kept: Vec<&MeetingRecord> = meetings.iter().filter(|m| stays(m)).collect();
    let mut seq = kept.iter().map(|m| m.seq + 1).max().unwrap_or(0);
    for start in starts {
        if !kept.iter().any(|m| m.starts_at == start) {
            changes.push(MeetingChange::Plan {
                seq,
                starts_at: start,
            });
            seq += 1;
        }
    }
    changes
}

/// The next meeting still ahead, as saved.
pub(super) fn next_planned(
    meetings: &[MeetingRecord],
    now: DateTime<Utc>,
) -> Option<&MeetingRecord> {
    meetings
        .iter()
        .filter(|m| m.status == MeetingStatus::Planned && m.starts_at > now)
        .min_by_key(|m| m.starts_at)
}

/// The two reminders of a meeting, one for each person; the report's not before `report_after`.
pub(super) fn reminders_for(
    n: &Nudges,
    record: &CadenceRecord,
    meeting: &MeetingRecord,
    report_after: Option<DateTime<Utc>>,
) -> Vec<NewReminder> {
    let due = reminder_time(meeting.starts_at, n.settings.lead).max(n.now());
    [&record.manager_id, &record.report_id]
        .into_iter()
        .map(|person| {
            let due = match report_after {
                Some(after) if *person == record.report_id => due.max(after),
                _ => due,
            };
            reminder(
                &record.team_id,
                format!("{}{person}", occurrence_prefix(record.id, meeting.starts_at)),
                kinds::ONE_ON_ONE,
                vec![person.clone()],
                serde_json::json!({ "meeting_id": meeting.id, "starts_at": meeting.starts_at.timestamp() }),
                due,
            )
        })
        .collect()
}

/// Every planned meeting still ahead with its reminders, under the cadence's prefix: what a
/// command wants (a pending reminder of anything else is cancelled).
pub(super) fn meeting_reminders(
    n: &Nudges,
    record: &CadenceRecord,
    meetings: &[MeetingRecord],
    report_after: Option<DateTime<Utc>>,
) -> Wanted {
    let now = n.now();
    let reminders = if record.status == CadenceStatus::Active {
        meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Planned && m.starts_at > now)
            .flat_map(|m| reminders_for(n, record, m, report_after))
            .collect()
    } else {
        Vec::new()
    };
    Wanted::exactly(meetings_prefix(record.id), reminders)
}

/// The report's notice that the 1:1s exist, with Accept and Decline: in their working time, but
/// always before their first reminder. Returns the group and when the notice is due.
pub(super) fn notice(
    n: &Nudges,
    record: &CadenceRecord,
    meetings: &[MeetingRecord],
    report_tz: Tz,
) -> (Wanted, DateTime<Utc>) {
    let now = n.now();
    let mut due = n.settings.work.defer(report_tz, now);
    if let Some(first) = next_planned(meetings, now) {
        let reminded = reminder_time(first.starts_at, n.settings.lead).max(now);
        due = due.min(reminded - Duration::minutes(1));
    }
    let due = due.max(now);
    let notice = reminder(
        &record.team_id,
        format!("{}{}", notices_prefix(record), schedule_tag(record)),
        kinds::CONSENT,
        vec![record.report_id.clone()],
        serde_json::json!({ "cadence_id": record.id }),
        due,
    );
    (Wanted::exactly(notices_prefix(record), vec![notice]), due)
}

/// The manager's notice of the report's answer (`kind` is DECLINED or ACCEPTED), in their working
/// time; a notice of the other answer not sent yet is cancelled.
pub(super) fn answer(n: &Nudges, record: &CadenceRecord, kind: &str, manager_tz: Tz) -> Wanted {
    let notice = reminder(
        &record.team_id,
        format!(
            "{}{kind}:{}",
            answers_prefix(record.id),
            schedule_tag(record)
        ),
        kind,
        vec![record.manager_id.clone()],
        serde_json::json!({ "cadence_id": record.id }),
        n.settings.work.defer(manager_tz, n.now()),
    );
    Wanted::exactly(answers_prefix(record.id), vec![notice])
}

/// After a meeting's reminder is settled, the next meeting is planned (idempotent for both people).
pub(in crate::nudges) async fn plan_after(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    plan_after_all(n, std::slice::from_ref(reminder), now).await
}

/// `plan_after` for a batch of delivered reminders, with the batch's rows read beforehand: the
/// new meetings are written in one statement and all their reminders reconciled in one transaction.
pub(in crate::nudges) async fn plan_after_all(
    n: &Nudges,
    reminders: &[Reminder],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    let mut wanted: Vec<(CadenceRecord, i32, DateTime<Utc>)> = Vec::new();
    for reminder in reminders {
        let Some(meeting) = meeting_of(n, reminder).await? else {
            continue;
        };
        // Both people's reminders of one cadence plan the same next meeting.
        if !seen.insert(meeting.cadence_id) {
            continue;
        }
        let Some(record) = n.cadence(meeting.cadence_id).await? else {
            continue;
        };
        let Some(cadence) = cadence_of(&record).filter(|_| record.status == CadenceStatus::Active)
        else {
            continue;
        };
        let tz = n.zone_of(&record.team_id, &record.manager_id).await?;
        let meetings = n.meetings_of(record.id).await?;
        let plan = replan(
            Some((&cadence, tz)),
            &meetings,
            n.settings.lead,
            now,
            Replan::Follow,
        );
        for change in plan {
            if let MeetingChange::Plan { seq, starts_at } = change {
                wanted.push((record.clone(), seq, starts_at));
            }
        }
    }
    let rows: Vec<(i64, i32, DateTime<Utc>)> = wanted
        .iter()
        .map(|(record, seq, start)| (record.id, *seq, *start))
        .collect();
    let created = n.store.ensure_meetings(&rows).await?;
    let groups: Vec<Wanted> = wanted
        .iter()
        .filter_map(|(record, _, start)| {
            let meeting = created.iter().find(|m| {
                m.cadence_id == record.id
                    && m.starts_at == *start
                    && m.status == MeetingStatus::Planned
            })?;
            // A continuation: what is already pending stays as planned.
            Some(Wanted {
                keep_pending: true,
                ..Wanted::exactly(
                    occurrence_prefix(record.id, *start),
                    reminders_for(n, record, meeting, None),
                )
            })
        })
        .collect();
    if !groups.is_empty() {
        n.store.reconcile_all(&groups, "replanned", n.now()).await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
