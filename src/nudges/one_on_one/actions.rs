//! The report accepts or declines (a button on the notice, the Home tab, or `1on1 accept`); either
//! person marks a meeting done, snoozes or skips it. Each is safe to press twice.

use chrono::{DateTime, Duration, Utc};

use super::plan::{self, Replan};
use super::{busy, cadence_of, end, label_of, local, next_label, ATTEMPTS};
use crate::commands::parse::UserRef;
use crate::commands::Actor;
use crate::nudges::{kinds, ActionOutcome, NudgeError, Nudges};
use crate::store::nudges::{CadenceRecord, CadenceStatus, MeetingRecord, MeetingStatus};
use crate::store::one_on_one::{CadenceChange, MeetingChange, OneOnOneWrite, Saved};
use crate::store::reminders::Wanted;
use crate::store::StoreError;
use crate::views::actions;
use crate::views::replies::simple;
use crate::views::Message;

pub(in crate::nudges) async fn action(
    n: &Nudges,
    actor: &Actor,
    action_id: &str,
    value: &str,
) -> Result<Option<ActionOutcome>, NudgeError> {
    // A meeting's buttons carry `<id>:<start>`, the digest's just the id; the rest a cadence id.
    let mut parts = value.splitn(2, ':');
    let Some(Ok(id)) = parts.next().map(str::parse::<i64>) else {
        return Ok(None);
    };
    let starts = parts.next().and_then(|s| s.parse::<i64>().ok());
    let reply = match action_id {
        actions::ONE_ON_ONE_ACCEPT => Some(accept_button(n, actor, id).await?),
        actions::ONE_ON_ONE_DECLINE => Some(decline(n, actor, id).await?),
        actions::MEETING_DONE | actions::MEETING_SNOOZE | actions::MEETING_SKIP => {
            settle(n, actor, id, starts, action_id).await?
        }
        _ => None,
    };
    Ok(reply.map(|text| ActionOutcome {
        replace: Some(simple(text)),
        modal: None,
    }))
}

/// The cadence `id` if `actor` is its report.
async fn as_report(
    n: &Nudges,
    actor: &Actor,
    id: i64,
) -> Result<Option<CadenceRecord>, StoreError> {
    Ok(n.store
        .cadence_in(&actor.team_id, id)
        .await?
        .filter(|r| r.report_id == actor.user_id))
}

/// "Sounds good" on the notice, or "Accept" on the Home tab.
async fn accept_button(n: &Nudges, actor: &Actor, id: i64) -> Result<String, NudgeError> {
    let Some(record) = as_report(n, actor, id).await? else {
        return Ok("That 1:1 isn't yours to answer.".to_owned());
    };
    if record.status == CadenceStatus::Active {
        return Ok(format!(
            ":+1: Great. You and <@{}> will get a reminder before each 1:1.",
            record.manager_id
        ));
    }
    accept(n, actor, record).await
}

/// `/officehours 1on1 accept @manager`.
pub(super) async fn accept_command(
    n: &Nudges,
    actor: &Actor,
    manager: &UserRef,
) -> Result<Message, NudgeError> {
    let Some(record) = n
        .store
        .cadence_for(&actor.team_id, &manager.id, &actor.user_id)
        .await?
    else {
        return Ok(simple(format!(
            "<@{}> hasn't set up 1:1s with you, so there's nothing to accept.",
            manager.id
        )));
    };
    Ok(simple(accept(n, actor, record).await?))
}

/// Turns a declined cadence back on (planned from now) and tells the manager.
async fn accept(
    n: &Nudges,
    actor: &Actor,
    mut record: CadenceRecord,
) -> Result<String, NudgeError> {
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    for _ in 0..ATTEMPTS {
        let manager = &record.manager_id;
        match record.status {
            CadenceStatus::Active => {
                let meetings = n.store.meetings_of(record.id).await?;
                return Ok(format!(
                    ":+1: You've already accepted the 1:1s with <@{manager}>.{}",
                    next_label(&meetings, n.now(), tz, " Next one: ")
                ));
            }
            CadenceStatus::Stopped => {
                return Ok(format!(
                    "<@{manager}> stopped these 1:1s, so there's nothing to accept."
                ))
            }
            CadenceStatus::Declined => {}
        }
        if let Saved::Saved { meetings, .. } = reaccept(n, &record).await? {
            return Ok(format!(
                ":+1: You accepted the 1:1s with <@{manager}> after all: {} their time.{} They'll be told.",
                label_of(&record),
                next_label(&meetings, n.now(), tz, " Next one: ")
            ));
        }
        match n.store.cadence(record.id).await? {
            Some(again) => record = again,
            None => return Ok("That 1:1 no longer exists.".to_owned()),
        }
    }
    Ok("These 1:1s were being changed at the same moment; please try again.".to_owned())
}

async fn reaccept(n: &Nudges, record: &CadenceRecord) -> Result<Saved, StoreError> {
    let now = n.now();
    let Some(cadence) = cadence_of(record) else {
        return Ok(Saved::Stale);
    };
    let tz = n.zone_of(&record.team_id, &record.manager_id).await?;
    let meetings = n.store.meetings_of(record.id).await?;
    let plan = |record: &CadenceRecord, meetings: &[MeetingRecord]| {
        vec![
            plan::meeting_reminders(n, record, meetings, None),
            plan::answer(n, record, kinds::ACCEPTED, tz),
        ]
    };
    let write = OneOnOneWrite {
        cadence: CadenceChange::Update {
            was: record,
            schedule: record.schedule(),
            status: CadenceStatus::Active,
        },
        meetings: plan::replan(
            Some((&cadence, tz)),
            &meetings,
            n.settings.lead,
            now,
            Replan::Fresh,
        ),
        limit: None,
        reminders: &plan,
        reason: "accepted again",
    };
    n.store.save_one_on_one(&write, now).await
}

/// The report's "Decline": the cadence is declined (and stays so until they accept), its
/// reminders cancelled, and the manager told in their working hours if the 1:1s were on.
async fn decline(n: &Nudges, actor: &Actor, id: i64) -> Result<String, NudgeError> {
    for _ in 0..ATTEMPTS {
        let Some(record) = as_report(n, actor, id).await? else {
            return Ok("That 1:1 isn't yours to answer.".to_owned());
        };
        let manager = &record.manager_id;
        let tell = match record.status {
            CadenceStatus::Declined => {
                return Ok(format!(
                    "You already declined the 1:1s with <@{manager}>. Changed your mind? `/officehours 1on1 accept <@{manager}>`, or Accept on your Home tab."
                ))
            }
            CadenceStatus::Stopped => None,
            CadenceStatus::Active => {
                let tz = n.zone_of(&record.team_id, manager).await?;
                Some(plan::answer(n, &record, kinds::DECLINED, tz))
            }
        };
        let told = tell.is_some();
        if let Saved::Saved { .. } = end(
            n,
            &record,
            CadenceStatus::Declined,
            tell,
            "declined by the report",
        )
        .await?
        {
            return Ok(if told {
                format!("You declined the 1:1s with <@{manager}>; there won't be reminders. They'll be told.")
            } else {
                format!("You declined the 1:1s with <@{manager}>; they had stopped them anyway, and I won't ask you again.")
            });
        }
    }
    Ok(busy().fallback)
}

/// Done, snooze or skip on meeting `id`, by either of the two; `None` when its cadence is gone.
async fn settle(
    n: &Nudges,
    actor: &Actor,
    id: i64,
    starts: Option<i64>,
    action_id: &str,
) -> Result<Option<String>, NudgeError> {
    let Some(meeting) = n.store.meeting_in(&actor.team_id, id).await? else {
        return Ok(Some("That 1:1 no longer exists.".to_owned()));
    };
    let Some(record) = n
        .store
        .cadence_in(&actor.team_id, meeting.cadence_id)
        .await?
    else {
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
        actions::MEETING_DONE | actions::MEETING_SKIP => {
            let (status, text) = if action_id == actions::MEETING_DONE {
                (
                    MeetingStatus::Done,
                    ":white_check_mark: Marked done. Nice work.",
                )
            } else {
                (
                    MeetingStatus::Skipped,
                    ":fast_forward: Skipped this one. The next one is planned as usual.",
                )
            };
            if n.store.finish_meeting(meeting.id, status, now).await? {
                text.to_owned()
            } else {
                "This 1:1 was already marked done or skipped.".to_owned()
            }
        }
        _ => snooze(n, actor, &record, meeting, starts).await?,
    };
    Ok(Some(reply))
}

/// Moves the meeting a day later and swaps its reminders for ones at the new time. A second press
/// on the same reminder finds it moved already and says where to.
async fn snooze(
    n: &Nudges,
    actor: &Actor,
    record: &CadenceRecord,
    meeting: MeetingRecord,
    starts: Option<i64>,
) -> Result<String, StoreError> {
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    if starts.is_some_and(|s| s != meeting.starts_at.timestamp()) {
        return Ok(format!(
            ":zzz: Already snoozed: this 1:1 is now *{}* your time.",
            local(meeting.starts_at, tz)
        ));
    }
    if record.status != CadenceStatus::Active {
        return Ok("These 1:1s are no longer on, so there's nothing to snooze.".to_owned());
    }
    let moved = meeting.starts_at + Duration::days(1);
    if let Saved::Saved { .. } = move_meeting(n, record, &meeting, moved).await? {
        return Ok(format!(
            ":zzz: Snoozed a day: now *{}* your time. You'll both be reminded again.",
            local(moved, tz)
        ));
    }
    // The other person may have pressed it at the same moment.
    Ok(match n.store.meeting(meeting.id).await? {
        Some(now) if now.starts_at != meeting.starts_at && now.status == MeetingStatus::Planned => {
            format!(
                ":zzz: Already snoozed: this 1:1 is now *{}* your time.",
                local(now.starts_at, tz)
            )
        }
        _ => "This 1:1 can't be moved any more.".to_owned(),
    })
}

async fn move_meeting(
    n: &Nudges,
    record: &CadenceRecord,
    meeting: &MeetingRecord,
    to: DateTime<Utc>,
) -> Result<Saved, StoreError> {
    let from = meeting.starts_at;
    let plan = |record: &CadenceRecord, meetings: &[MeetingRecord]| {
        let moved = meetings.iter().find(|m| m.id == meeting.id);
        vec![
            Wanted::none(plan::occurrence_prefix(record.id, from)),
            Wanted::exactly(
                plan::occurrence_prefix(record.id, to),
                moved.map_or_else(Vec::new, |m| plan::reminders_for(n, record, m, None)),
            ),
        ]
    };
    let write = OneOnOneWrite {
        cadence: CadenceChange::Update {
            was: record,
            schedule: record.schedule(),
            status: record.status,
        },
        meetings: vec![MeetingChange::Move {
            id: meeting.id,
            from,
            to,
        }],
        limit: None,
        reminders: &plan,
        reason: "snoozed",
    };
    n.store.save_one_on_one(&write, n.now()).await
}
