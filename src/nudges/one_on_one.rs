//! 1:1 cadences: set, stop, done; the report's consent notice; reminders with a rotating question.

use chrono::{DateTime, Duration, SubsecRound, Utc, Weekday};
use chrono_tz::Tz;

use super::{kinds, payload_i64, reminder, ActionOutcome, NudgeError, Nudges};
use crate::commands::parse::{CadenceCommand, UserRef};
use crate::commands::Actor;
use crate::domain::cadence::{reminder_time, Cadence};
use crate::domain::questions::question_for;
use crate::domain::time_of_day::TimeOfDay;
use crate::scheduler::Composed;
use crate::store::nudges::{
    CadenceRecord, CadenceSchedule, CadenceStatus, MeetingRecord, MeetingStatus,
};
use crate::store::reminders::{NewReminder, Reminder};
use crate::store::StoreError;
use crate::views::replies::{simple, with_hint};
use crate::views::{actions, Block, Button, ButtonStyle, Message};
use std::collections::HashSet;

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

/// Plans the first meeting after `after`, with a reminder for each of the two.
async fn plan_meeting(
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

async fn schedule_reminders(
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
pub(super) async fn plan_after(
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
pub(super) async fn plan_after_all(
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

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let [recipient] = reminder.recipients.as_slice() else {
        return Ok(Composed::Cancel("a 1:1 nudge has one recipient".to_owned()));
    };
    let tz = n.zone_of(&reminder.team_id, recipient).await?;
    if reminder.kind != kinds::ONE_ON_ONE {
        let Some(record) = n
            .store
            .cadence(payload_i64(reminder, "cadence_id").unwrap_or(-1))
            .await?
        else {
            return Ok(Composed::Cancel("the 1:1 cadence is gone".to_owned()));
        };
        return Ok(if reminder.kind == kinds::CONSENT {
            consent(n, &record, tz).await?
        } else {
            Composed::Send(simple(format!(
                ":wave: <@{}> declined the 1:1s you set up, so there won't be reminders for them. Maybe have a word about what would work better?",
                record.report_id
            )))
        });
    }
    let Some(meeting) = meeting_of(n, reminder).await? else {
        return Ok(Composed::Cancel("the meeting is gone".to_owned()));
    };
    let Some(record) = n.cadence(meeting.cadence_id).await? else {
        return Ok(Composed::Cancel("the 1:1 cadence is gone".to_owned()));
    };
    if record.status != CadenceStatus::Active {
        return Ok(Composed::Cancel("1:1s are no longer active".to_owned()));
    }
    if meeting.status != MeetingStatus::Planned {
        return Ok(Composed::Cancel(
            "the 1:1 is already done or skipped".to_owned(),
        ));
    }
    if payload_i64(reminder, "starts_at") != Some(meeting.starts_at.timestamp()) {
        return Ok(Composed::Cancel("the 1:1 was moved".to_owned()));
    }
    let other = if *recipient == record.manager_id {
        &record.report_id
    } else {
        &record.manager_id
    };
    let question = question_for(
        (&record.manager_id, &record.report_id),
        u32::try_from(meeting.seq).unwrap_or(0),
    );
    let when = if meeting.starts_at <= now {
        "now".to_owned()
    } else {
        format!("at *{}* (your time)", local(meeting.starts_at, tz))
    };
    let value = meeting.id.to_string();
    let button = |text: &str, action_id, style| Button {
        text: text.to_owned(),
        action_id,
        value: value.clone(),
        style,
    };
    Ok(Composed::Send(Message {
        fallback: format!("Your 1:1 with <@{other}> is coming up"),
        blocks: vec![
            Block::text(format!(":calendar: Your 1:1 with <@{other}> is {when}.")),
            Block::text(format!(
                "*A big-picture question for this one*\n> {question}"
            )),
            Block::Actions(vec![
                button("Done", actions::MEETING_DONE, ButtonStyle::Primary),
                button(
                    "Snooze a day",
                    actions::MEETING_SNOOZE,
                    ButtonStyle::Default,
                ),
                button("Skip this one", actions::MEETING_SKIP, ButtonStyle::Default),
            ]),
        ],
    }))
}

async fn consent(
    n: &Nudges,
    record: &CadenceRecord,
    report_tz: Tz,
) -> Result<Composed, StoreError> {
    if record.status != CadenceStatus::Active {
        return Ok(Composed::Cancel(
            "the cadence is no longer active".to_owned(),
        ));
    }
    let Some(cadence) = cadence_of(record) else {
        return Ok(Composed::Cancel("unreadable cadence".to_owned()));
    };
    let manager_tz = n.zone_of(&record.team_id, &record.manager_id).await?;
    let next = cadence.next_meeting_after(manager_tz, n.now());
    let next = next.map_or_else(String::new, |t| {
        format!(" The next one is *{}* your time.", local(t, report_tz))
    });
    let value = record.id.to_string();
    Ok(Composed::Send(Message {
        fallback: format!("<@{}> set up regular 1:1s with you", record.manager_id),
        blocks: vec![
            Block::text(format!(
                ":wave: <@{}> set up a regular 1:1 with you, {} their time ({}).{next}",
                record.manager_id,
                cadence.label(),
                manager_tz.name()
            )),
            Block::context("Before each one you'll both get a reminder with a big-picture question to talk about."),
            Block::Actions(vec![
                Button { text: "Sounds good".to_owned(), action_id: actions::ONE_ON_ONE_ACCEPT, value: value.clone(), style: ButtonStyle::Primary },
                Button { text: "Decline".to_owned(), action_id: actions::ONE_ON_ONE_DECLINE, value, style: ButtonStyle::Danger },
            ]),
        ],
    }))
}

pub(super) async fn action(
    n: &Nudges,
    actor: &Actor,
    action_id: &str,
    value: &str,
) -> Result<Option<ActionOutcome>, NudgeError> {
    let Ok(id) = value.parse::<i64>() else {
        return Ok(None);
    };
    let replace = |text: String| {
        Ok(Some(ActionOutcome {
            replace: Some(simple(text)),
            modal: None,
        }))
    };
    match action_id {
        actions::ONE_ON_ONE_ACCEPT | actions::ONE_ON_ONE_DECLINE => {
            let Some(record) = n
                .store
                .cadence(id)
                .await?
                .filter(|r| r.report_id == actor.user_id)
            else {
                return replace("That 1:1 isn't yours to answer.".to_owned());
            };
            if action_id == actions::ONE_ON_ONE_ACCEPT {
                return replace(format!(
                    ":+1: Great. You and <@{}> will get a reminder before each 1:1.",
                    record.manager_id
                ));
            }
            if record.status == CadenceStatus::Active {
                let now = n.now();
                n.store
                    .set_cadence_status(record.id, CadenceStatus::Declined, now)
                    .await?;
                retire_planned(n, &record, "declined by the report").await?;
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
            }
            replace(format!(
                "You declined the 1:1s with <@{}>; there won't be reminders. They'll be told.",
                record.manager_id
            ))
        }
        actions::MEETING_DONE | actions::MEETING_SNOOZE | actions::MEETING_SKIP => {
            let Some(meeting) = n.store.meeting(id).await? else {
                return replace("That 1:1 no longer exists.".to_owned());
            };
            let Some(record) = n.store.cadence(meeting.cadence_id).await? else {
                return Ok(None);
            };
            if actor.user_id != record.manager_id && actor.user_id != record.report_id {
                return replace("That 1:1 isn't yours.".to_owned());
            }
            if meeting.status != MeetingStatus::Planned {
                return replace("This 1:1 was already marked done or skipped.".to_owned());
            }
            let now = n.now();
            match action_id {
                actions::MEETING_DONE => {
                    n.store
                        .finish_meeting(meeting.id, MeetingStatus::Done, now)
                        .await?;
                    replace(":white_check_mark: Marked done. Nice work.".to_owned())
                }
                actions::MEETING_SKIP => {
                    n.store
                        .finish_meeting(meeting.id, MeetingStatus::Skipped, now)
                        .await?;
                    replace(
                        ":fast_forward: Skipped this one. The next one is planned as usual."
                            .to_owned(),
                    )
                }
                _ => {
                    let moved = meeting.starts_at + Duration::days(1);
                    if !n.store.move_meeting(meeting.id, moved).await? {
                        return replace("This 1:1 can't be moved any more.".to_owned());
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
                    schedule_reminders(n, &record, &moved_meeting).await?;
                    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
                    replace(format!(
                        ":zzz: Snoozed a day: now *{}* your time. You'll both be reminded again.",
                        local(moved, tz)
                    ))
                }
            }
        }
        _ => Ok(None),
    }
}
