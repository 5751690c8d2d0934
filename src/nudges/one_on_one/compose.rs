//! What a 1:1 reminder, the report's consent notice and the manager's "declined" notice say.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{cadence_of, label_of, local, meeting_of, next_label};
use crate::domain::questions::question_for;
use crate::nudges::{kinds, payload_i64, Nudges};
use crate::scheduler::Composed;
use crate::store::nudges::{CadenceRecord, CadenceStatus, MeetingRecord, MeetingStatus};
use crate::store::reminders::Reminder;
use crate::store::StoreError;
use crate::views::replies::simple;
use crate::views::{actions, Block, Button, ButtonStyle, Message};

pub(in crate::nudges) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let [recipient] = reminder.recipients.as_slice() else {
        return Ok(Composed::Cancel("a 1:1 nudge has one recipient".to_owned()));
    };
    let tz = n.zone_of(&reminder.team_id, recipient).await?;
    if reminder.kind != kinds::ONE_ON_ONE {
        return about_cadence(n, reminder, tz).await;
    }
    let Some(meeting) = meeting_of(n, reminder).await? else {
        return Ok(Composed::Cancel("the meeting is gone".to_owned()));
    };
    let Some(record) = n.cadence(meeting.cadence_id).await? else {
        return Ok(Composed::Cancel("the 1:1 cadence is gone".to_owned()));
    };
    if let Some(why) = outdated(reminder, &record, &meeting) {
        return Ok(Composed::Cancel(why.to_owned()));
    }
    Ok(Composed::Send(meeting_reminder(
        recipient, &record, &meeting, now, tz,
    )))
}

/// The notice to the report, or the manager's notice that the report declined or accepted after
/// all (unless they changed their mind again before it went out).
async fn about_cadence(n: &Nudges, reminder: &Reminder, tz: Tz) -> Result<Composed, StoreError> {
    let Some(record) = n
        .store
        .cadence(payload_i64(reminder, "cadence_id").unwrap_or(-1))
        .await?
    else {
        return Ok(Composed::Cancel("the 1:1 cadence is gone".to_owned()));
    };
    let report = &record.report_id;
    Ok(match reminder.kind.as_str() {
        kinds::CONSENT => consent(n, &record, tz).await?,
        kinds::DECLINED if record.status == CadenceStatus::Declined => Composed::Send(simple(format!(
            ":wave: <@{report}> declined the 1:1s you set up, so there won't be reminders for them. Maybe have a word about what would work better?"
        ))),
        kinds::ACCEPTED if record.status == CadenceStatus::Active => {
            let next = next_label(&n.store.meetings_of(record.id).await?, n.now(), tz, " Next one: ");
            Composed::Send(simple(format!(
                ":+1: <@{report}> accepted the 1:1s after all, {}.{next}",
                label_of(&record)
            )))
        }
        _ => Composed::Cancel("the report answered otherwise since".to_owned()),
    })
}

/// Why a queued meeting reminder must not go out, if so: the 1:1s were stopped or declined,
/// the meeting was settled, or it was snoozed to another time after the reminder was queued.
fn outdated(
    reminder: &Reminder,
    record: &CadenceRecord,
    meeting: &MeetingRecord,
) -> Option<&'static str> {
    if record.status != CadenceStatus::Active {
        return Some("1:1s are no longer active");
    }
    if meeting.status != MeetingStatus::Planned {
        return Some("the 1:1 is already done or skipped");
    }
    if payload_i64(reminder, "starts_at") != Some(meeting.starts_at.timestamp()) {
        return Some("the 1:1 was moved");
    }
    None
}

fn meeting_reminder(
    recipient: &str,
    record: &CadenceRecord,
    meeting: &MeetingRecord,
    now: DateTime<Utc>,
    tz: Tz,
) -> Message {
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
    // The start makes a second press on the same reminder recognisable (a snooze moves it).
    let value = format!("{}:{}", meeting.id, meeting.starts_at.timestamp());
    let button = |text: &str, action_id, style| Button {
        text: text.to_owned(),
        action_id,
        value: value.clone(),
        style,
    };
    Message {
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
    }
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
