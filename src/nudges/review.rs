//! Advancement talks: prompts to the manager two weeks and one working day before, and a note of what was agreed.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

use super::{kinds, payload_i64, payload_str, reminder, ActionOutcome, NudgeError, Nudges};
use crate::commands::Actor;
use crate::domain::questions::REVIEW_PROMPTS;
use crate::domain::worktime::ReviewLead;
use crate::scheduler::Composed;
use crate::store::gatherings::{Invited, NewReview};
use crate::store::nudges::ReviewRecord;
use crate::store::reminders::Reminder;
use crate::store::StoreError;
use crate::views::replies::{simple, with_hint};
use crate::views::{actions, escape, modals, Block, Button, ButtonStyle, Message, Modal};

const AGREED: &str = "agreed";

fn prompts() -> String {
    REVIEW_PROMPTS
        .iter()
        .map(|p| format!("• {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) async fn command(
    n: &Nudges,
    actor: &Actor,
    report: &str,
    date: NaiveDate,
) -> Result<Message, NudgeError> {
    if report == actor.user_id {
        return Ok(simple(":thinking_face: Mention the person the review is for, e.g. `/officehours review @ana on 2027-03-01`."));
    }
    let now = n.now();
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    if date <= now.with_timezone(&tz).date_naive() {
        return Ok(simple(format!(
            ":thinking_face: {date} isn't in the future. Pick the date of the talk."
        )));
    }
    let planned = n.settings.work.review_times(tz, date, now);
    let planned_prompts = |record: &ReviewRecord| {
        let wanted = planned
            .iter()
            .map(|(lead, at)| {
                let tag = match lead {
                    ReviewLead::TwoWeeks => "14d",
                    ReviewLead::OneDay => "1d",
                };
                reminder(
                    &actor.team_id,
                    format!("review:{}:{tag}", record.id),
                    kinds::REVIEW,
                    vec![actor.user_id.clone()],
                    serde_json::json!({ "review_id": record.id, "lead": tag }),
                    *at,
                )
            })
            .collect();
        (format!("review:{}:", record.id), wanted)
    };
    let today = now.with_timezone(&tz).date_naive();
    let limit = super::daily_limit(today);
    let created = n
        .store
        .create_review_within(
            NewReview {
                team_id: &actor.team_id,
                manager_id: &actor.user_id,
                report_id: report,
                on_date: date,
            },
            limit,
            &planned_prompts,
            now,
        )
        .await?;
    if let Invited::OverLimit { invited_today } = created {
        return Ok(super::over_limit(1, invited_today));
    }
    n.ensure_digest(&actor.team_id, &actor.user_id).await?;
    let head = format!(":seedling: Advancement talk with <@{report}> on {date}.");
    if planned.len() == 2 {
        return Ok(with_hint(
            head,
            "You'll get prompts two weeks before and on the last working day before.",
        ));
    }
    // Too close for (some of) the usual prompts: give them now.
    let mut message = with_hint(head, "It's close, so here are the prompts now:");
    message.push(Block::text(prompts()));
    Ok(message)
}

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let Some(record) = n
        .store
        .review(payload_i64(reminder, "review_id").unwrap_or(-1))
        .await?
    else {
        return Ok(Composed::Cancel("the review is gone".to_owned()));
    };
    if reminder.kind == kinds::AGREED {
        let note = record.agreed.clone().unwrap_or_default();
        return Ok(Composed::Send(Message {
            fallback: "What was agreed in your advancement talk".to_owned(),
            blocks: vec![
                Block::text(format!(
                    ":seedling: What <@{}> and <@{}> agreed in the advancement talk on {}:",
                    record.manager_id, record.report_id, record.on_date
                )),
                Block::text(escape(&note)),
                Block::context("Only the two of you can see this."),
            ],
        }));
    }
    let when = if payload_str(reminder, "lead") == Some("14d") {
        "in two weeks".to_owned()
    } else {
        // The last prompt comes on the working day before, which is not always the day before.
        let tz = n.zone_of(&record.team_id, &record.manager_id).await?;
        when_from(now.with_timezone(&tz).date_naive(), record.on_date)
    };
    Ok(Composed::Send(Message {
        fallback: format!("Advancement talk with <@{}> {when}", record.report_id),
        blocks: vec![
            Block::text(format!(
                ":seedling: Your advancement talk with <@{}> is {when} ({}).",
                record.report_id, record.on_date
            )),
            Block::text(format!("*Things to explore together*\n{}", prompts())),
            Block::Actions(vec![Button {
                text: "Note what was agreed".to_owned(),
                action_id: actions::NOTE_AGREED,
                value: record.id.to_string(),
                style: ButtonStyle::Default,
            }]),
        ],
    }))
}

/// "tomorrow", "on Monday": how far the talk on `date` is from `today`, both in the manager's zone.
fn when_from(today: NaiveDate, date: NaiveDate) -> String {
    match date.signed_duration_since(today).num_days() {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        2..=6 => format!("on {}", date.format("%A")),
        _ => "coming up".to_owned(),
    }
}

pub(super) async fn action(
    n: &Nudges,
    actor: &Actor,
    action_id: &str,
    value: &str,
) -> Result<Option<ActionOutcome>, NudgeError> {
    if action_id != actions::NOTE_AGREED {
        return Ok(None);
    }
    let Some(record) = n
        .store
        .review_in(&actor.team_id, value.parse().unwrap_or(-1))
        .await?
    else {
        return Ok(None);
    };
    if record.manager_id != actor.user_id {
        return Ok(None);
    }
    Ok(Some(ActionOutcome {
        replace: None,
        modal: Some(Modal {
            title: "What was agreed".to_owned(),
            submit: "Save".to_owned(),
            callback_id: modals::AGREED,
            private_metadata: record.id.to_string(),
            blocks: vec![Block::Input {
                block_id: AGREED,
                label: "What did the two of you agree on?".to_owned(),
                multiline: true,
                optional: false,
            }],
        }),
    }))
}

pub(super) async fn submit(
    n: &Nudges,
    actor: &Actor,
    metadata: &str,
    values: &HashMap<String, String>,
) -> Result<Result<(), HashMap<String, String>>, NudgeError> {
    let Some(record) = n
        .store
        .review_in(&actor.team_id, metadata.parse().unwrap_or(-1))
        .await?
        .filter(|r| r.manager_id == actor.user_id)
    else {
        return Ok(Err(HashMap::from([(
            AGREED.to_owned(),
            "This review isn't yours to note.".to_owned(),
        )])));
    };
    let note = values
        .get(AGREED)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    if note.is_empty() {
        return Ok(Err(HashMap::from([(
            AGREED.to_owned(),
            "Write down what you agreed, even briefly.".to_owned(),
        )])));
    }
    if !n
        .store
        .set_review_agreed(&actor.team_id, record.id, &note)
        .await?
    {
        return Ok(Err(HashMap::from([(
            AGREED.to_owned(),
            "This review no longer exists.".to_owned(),
        )])));
    }
    let now = n.now();
    for person in [&record.manager_id, &record.report_id] {
        n.schedule(reminder(
            &record.team_id,
            format!("review-agreed:{}:{}:{person}", record.id, now.timestamp()),
            kinds::AGREED,
            vec![person.clone()],
            serde_json::json!({ "review_id": record.id }),
            now,
        ))
        .await?;
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::when_from;
    use chrono::NaiveDate;

    #[test]
    fn the_last_prompt_names_the_day_of_the_talk() {
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(when_from(friday, day(7)), "on Monday");
        assert_eq!(when_from(friday, day(5)), "tomorrow");
        assert_eq!(when_from(friday, day(4)), "today");
        assert_eq!(when_from(friday, day(20)), "coming up");
        assert_eq!(when_from(friday, day(1)), "coming up");
    }
}
