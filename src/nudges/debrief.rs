//! Debriefs: a group DM with feedback prompts on the day, a modal to answer, answers to the organizer.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

use super::{kinds, payload_i64, payload_str, reminder, ActionOutcome, NudgeError, Nudges};
use crate::commands::Actor;
use crate::domain::questions::DEBRIEF_PROMPTS;
use crate::scheduler::Composed;
use crate::store::nudges::{DebriefRecord, FeedbackRecord};
use crate::store::reminders::Reminder;
use crate::store::StoreError;
use crate::views::replies::{simple, with_hint};
use crate::views::{actions, escape, modals, Block, Button, ButtonStyle, Message, Modal};

/// Block ids of the feedback modal's three answers.
const WENT_WELL: &str = "went_well";
const DIFFERENTLY: &str = "differently";
const LEARNED: &str = "learned";

pub(super) async fn command(
    n: &Nudges,
    actor: &Actor,
    project: String,
    date: NaiveDate,
    participants: Vec<String>,
) -> Result<Message, NudgeError> {
    let now = n.now();
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    let today = now.with_timezone(&tz).date_naive();
    if date < today {
        return Ok(simple(format!(
            ":thinking_face: {date} has already passed. Pick today or a later date."
        )));
    }
    let participants: Vec<String> = participants
        .into_iter()
        .filter(|p| *p != actor.user_id)
        .collect();
    let record = n
        .store
        .create_debrief(
            &actor.team_id,
            &actor.user_id,
            &project,
            date,
            &participants,
            now,
        )
        .await?;
    let due = n.settings.work.due_on_date(tz, date, now);
    n.schedule(reminder(
        &actor.team_id,
        format!("debrief:{}", record.id),
        kinds::DEBRIEF,
        everyone(&record),
        serde_json::json!({ "debrief_id": record.id }),
        due,
    ))
    .await?;
    n.ensure_digest(&actor.team_id, &actor.user_id).await?;
    let who: Vec<String> = participants.iter().map(|p| format!("<@{p}>")).collect();
    Ok(with_hint(
        format!(
            ":memo: Debrief for *{}* on {date}: on that day {} and you get a group message with feedback prompts.",
            escape(&project),
            who.join(", ")
        ),
        "Answers come to you privately. Your digest shows who hasn't answered yet.",
    ))
}

/// The organizer and the participants: one group DM for all of them.
fn everyone(record: &DebriefRecord) -> Vec<String> {
    let mut all = vec![record.organizer_id.clone()];
    all.extend(
        record
            .participants
            .iter()
            .filter(|p| **p != record.organizer_id)
            .cloned(),
    );
    all
}

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    _now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let Some(record) = n
        .store
        .debrief(payload_i64(reminder, "debrief_id").unwrap_or(-1))
        .await?
    else {
        return Ok(Composed::Cancel("the debrief is gone".to_owned()));
    };
    if reminder.kind == kinds::FEEDBACK {
        let author = payload_str(reminder, "author").unwrap_or_default();
        let answers = n.store.feedback_for(record.id).await?;
        let Some(answer) = answers
            .iter()
            .find(|f| f.author_id.as_deref() == Some(author))
        else {
            return Ok(Composed::Cancel("the feedback was withdrawn".to_owned()));
        };
        return Ok(Composed::Send(Message {
            fallback: format!("Feedback on {} from <@{author}>", record.project),
            blocks: vec![
                Block::text(format!(
                    ":envelope_with_arrow: Feedback on *{}* from <@{author}>",
                    escape(&record.project)
                )),
                Block::text(format!("*What went well*\n{}", escape(&answer.went_well))),
                Block::text(format!(
                    "*What to do differently next time*\n{}",
                    escape(&answer.differently)
                )),
                Block::text(format!("*One thing learned*\n{}", escape(&answer.learned))),
                Block::context("Only you got this."),
            ],
        }));
    }
    let prompts: Vec<String> = DEBRIEF_PROMPTS.iter().map(|p| format!("• {p}")).collect();
    Ok(Composed::Send(Message {
        fallback: format!("Debrief: {}", record.project),
        blocks: vec![
            Block::Header(format!("Debrief: {}", record.project)),
            Block::text(format!(
                ":memo: <@{}> asked for a debrief of *{}*. A few minutes of honest, constructive feedback helps the next project.",
                record.organizer_id,
                escape(&record.project)
            )),
            Block::text(prompts.join("\n")),
            Block::Actions(vec![Button {
                text: "Share feedback".to_owned(),
                action_id: actions::SHARE_FEEDBACK,
                value: record.id.to_string(),
                style: ButtonStyle::Primary,
            }]),
            Block::context(format!("Your answers go privately to <@{}>.", record.organizer_id)),
        ],
    }))
}

pub(super) async fn action(
    n: &Nudges,
    actor: &Actor,
    action_id: &str,
    value: &str,
) -> Result<Option<ActionOutcome>, NudgeError> {
    if action_id != actions::SHARE_FEEDBACK {
        return Ok(None);
    }
    let Some(record) = n.store.debrief(value.parse().unwrap_or(-1)).await? else {
        return Ok(None);
    };
    if !everyone(&record).contains(&actor.user_id) {
        return Ok(None);
    }
    let input = |block_id, label: &str| Block::Input {
        block_id,
        label: label.to_owned(),
        multiline: true,
        optional: false,
    };
    Ok(Some(ActionOutcome {
        replace: None,
        modal: Some(Modal {
            title: "Debrief feedback".to_owned(),
            submit: "Send".to_owned(),
            callback_id: modals::FEEDBACK,
            private_metadata: record.id.to_string(),
            blocks: vec![
                Block::text(format!(
                    "Feedback on *{}*, for <@{}> only.",
                    escape(&record.project),
                    record.organizer_id
                )),
                input(WENT_WELL, "What went well?"),
                input(DIFFERENTLY, "What should we do differently next time?"),
                input(LEARNED, "One thing you learned"),
            ],
        }),
    }))
}

pub(super) async fn submit(
    n: &Nudges,
    actor: &Actor,
    metadata: &str,
    values: &HashMap<String, String>,
) -> Result<Result<(), HashMap<String, String>>, NudgeError> {
    let Some(record) = n.store.debrief(metadata.parse().unwrap_or(-1)).await? else {
        return Ok(Err(HashMap::from([(
            WENT_WELL.to_owned(),
            "This debrief no longer exists.".to_owned(),
        )])));
    };
    if !everyone(&record).contains(&actor.user_id) {
        return Ok(Err(HashMap::from([(
            WENT_WELL.to_owned(),
            "You're not part of this debrief.".to_owned(),
        )])));
    }
    let answer = |block: &str| {
        values
            .get(block)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut errors = HashMap::new();
    for block in [WENT_WELL, DIFFERENTLY, LEARNED] {
        if answer(block).is_empty() {
            errors.insert(block.to_owned(), "A few words, please.".to_owned());
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = n.now();
    let feedback = FeedbackRecord {
        debrief_id: record.id,
        author_id: Some(actor.user_id.clone()),
        went_well: answer(WENT_WELL),
        differently: answer(DIFFERENTLY),
        learned: answer(LEARNED),
    };
    n.store.save_feedback(&feedback, now).await?;
    n.schedule(reminder(
        &record.team_id,
        format!(
            "feedback:{}:{}:{}",
            record.id,
            actor.user_id,
            now.timestamp()
        ),
        kinds::FEEDBACK,
        vec![record.organizer_id.clone()],
        serde_json::json!({ "debrief_id": record.id, "author": actor.user_id }),
        now,
    ))
    .await?;
    Ok(Ok(()))
}

/// Participants of a debrief that has happened who have not answered yet.
pub(super) async fn unanswered(
    n: &Nudges,
    record: &DebriefRecord,
) -> Result<Vec<String>, StoreError> {
    let answered: Vec<Option<String>> = n
        .store
        .feedback_for(record.id)
        .await?
        .into_iter()
        .map(|f| f.author_id)
        .collect();
    Ok(record
        .participants
        .iter()
        .filter(|p| !answered.iter().any(|a| a.as_deref() == Some(p.as_str())))
        .cloned()
        .collect())
}
