//! The managers' weekly digest: overdue and upcoming 1:1s, debriefs, advancement talks, conference overlaps.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::conference::companions;
use super::{debrief, kinds, reminder, Nudges};
use crate::commands::Actor;
use crate::domain::conference::DateSpan;
use crate::scheduler::Composed;
use crate::store::nudges::{CadenceStatus, MeetingStatus};
use crate::store::reminders::Reminder;
use crate::store::StoreError;
use crate::views::replies::simple;
use crate::views::{actions, escape, Block, Button, ButtonStyle, Message, MAX_MESSAGE_BLOCKS};

/// A 1:1 not marked done a day after it was due counts as overdue.
const OVERDUE_AFTER: Duration = Duration::days(1);
const MAX_BUTTONS: usize = 5;

pub(super) async fn plan_next(
    n: &Nudges,
    team_id: &str,
    manager_id: &str,
    after: DateTime<Utc>,
) -> Result<(), StoreError> {
    let tz = n.zone_of(team_id, manager_id).await?;
    let at = n.settings.digest_at.next_after(tz, after);
    n.schedule(reminder(
        team_id,
        format!(
            "digest:{team_id}:{manager_id}:{}",
            at.with_timezone(&tz).date_naive()
        ),
        kinds::DIGEST,
        vec![manager_id.to_owned()],
        serde_json::json!({}),
        at,
    ))
    .await?;
    Ok(())
}

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let [manager] = reminder.recipients.as_slice() else {
        return Ok(Composed::Cancel("a digest has one recipient".to_owned()));
    };
    let actor = Actor {
        team_id: reminder.team_id.clone(),
        user_id: manager.clone(),
    };
    Ok(match overview(n, &actor, now).await? {
        Some(message) => Composed::Send(message),
        None => Composed::Cancel("nothing to say this week".to_owned()),
    })
}

pub(super) fn nothing_to_report() -> Message {
    simple("Nothing needs your attention: no 1:1s, debriefs, advancement talks or conference overlaps to report.")
}

fn days_ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    match now.signed_duration_since(then).num_days() {
        0 => "today".to_owned(),
        1 => "1 day ago".to_owned(),
        d => format!("{d} days ago"),
    }
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

/// The manager's overview, or `None` when there is nothing to say.
pub(super) async fn overview(
    n: &Nudges,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Option<Message>, StoreError> {
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    let today = now.with_timezone(&tz).date_naive();
    let mut sections: Vec<Block> = Vec::new();
    let mut buttons: Vec<Button> = Vec::new();

    let cadences = n
        .store
        .cadences_of_manager(&actor.team_id, &actor.user_id)
        .await?;
    let mut lines = Vec::new();
    let mut reports = Vec::new();
    for cadence in cadences
        .iter()
        .filter(|c| c.status == CadenceStatus::Active)
    {
        reports.push(cadence.report_id.clone());
        let meetings = n.store.meetings_of(cadence.id).await?;
        let last_done = meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Done)
            .map(|m| m.starts_at)
            .max();
        let since = last_done.map_or_else(
            || "no 1:1 marked done yet".to_owned(),
            |t| format!("last one {}", days_ago(now, t)),
        );
        let overdue: Vec<_> = meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Planned && m.starts_at + OVERDUE_AFTER < now)
            .collect();
        let next = meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Planned && m.starts_at >= now)
            .map(|m| m.starts_at)
            .min();
        if let Some(oldest) = overdue.iter().map(|m| m.starts_at).min() {
            lines.push(format!(
                ":warning: <@{}>: overdue since {} ({since})",
                cadence.report_id,
                local(oldest, tz)
            ));
            for meeting in overdue
                .iter()
                .take(MAX_BUTTONS.saturating_sub(buttons.len()))
            {
                buttons.push(Button {
                    text: format!(
                        "Done: {}",
                        meeting.starts_at.with_timezone(&tz).format("%-d %b")
                    ),
                    action_id: actions::MEETING_DONE,
                    value: meeting.id.to_string(),
                    style: ButtonStyle::Default,
                });
            }
        } else if let Some(next) = next {
            lines.push(format!(
                "• <@{}>: next {} ({since})",
                cadence.report_id,
                local(next, tz)
            ));
        }
    }
    if !lines.is_empty() {
        sections.push(Block::text(format!("*1:1s*\n{}", lines.join("\n"))));
    }

    let mut lines = Vec::new();
    for record in n
        .store
        .debriefs_of_organizer(&actor.team_id, &actor.user_id)
        .await?
    {
        if record.on_date > today && record.on_date <= today + Duration::days(7) {
            lines.push(format!(
                "• *{}* on {}",
                escape(&record.project),
                record.on_date
            ));
        } else if record.on_date <= today && record.on_date + Duration::days(30) >= today {
            let waiting = debrief::unanswered(n, &record).await?;
            if !waiting.is_empty() {
                let who: Vec<String> = waiting.iter().map(|p| format!("<@{p}>")).collect();
                lines.push(format!(
                    "• *{}*: no feedback yet from {}",
                    escape(&record.project),
                    who.join(", ")
                ));
            }
        }
    }
    if !lines.is_empty() {
        sections.push(Block::text(format!("*Debriefs*\n{}", lines.join("\n"))));
    }

    let lines: Vec<String> = n
        .store
        .reviews_of_manager(&actor.team_id, &actor.user_id)
        .await?
        .into_iter()
        .filter(|r| r.on_date >= today && r.on_date <= today + Duration::days(30))
        .map(|r| format!("• <@{}> on {}", r.report_id, r.on_date))
        .collect();
    if !lines.is_empty() {
        sections.push(Block::text(format!(
            "*Advancement talks in the next 30 days*\n{}",
            lines.join("\n")
        )));
    }

    let all = n.store.conferences(&actor.team_id).await?;
    let mut lines = Vec::new();
    let mut seen: Vec<i64> = Vec::new();
    for record in all
        .iter()
        .filter(|c| c.end >= today && reports.contains(&c.user_id))
    {
        if seen.contains(&record.id) {
            continue;
        }
        let others = companions(&all, record);
        if others.is_empty() {
            continue;
        }
        seen.push(record.id);
        seen.extend(others.iter().map(|c| c.id));
        let mut who: Vec<String> = std::iter::once(record)
            .chain(others)
            .map(|c| format!("<@{}>", c.user_id))
            .collect();
        who.dedup();
        let dates = DateSpan {
            start: record.start,
            end: record.end,
        }
        .label();
        lines.push(format!(
            "• *{}* ({dates}): {}",
            escape(&record.name),
            who.join(", ")
        ));
    }
    if !lines.is_empty() {
        sections.push(Block::text(format!(
            "*Conference overlaps*\n{}\n_A chance to sponsor a get-together._",
            lines.join("\n")
        )));
    }

    if sections.is_empty() {
        return Ok(None);
    }
    let mut message = Message::new("Your weekly mentoring digest");
    message.push(Block::Header("Your weekly mentoring digest".to_owned()));
    message.blocks.extend(sections);
    if !buttons.is_empty() {
        message.push(Block::Actions(buttons));
    }
    message.push(Block::context("`/officehours team` shows this any time."));
    Ok(Some(message.fit(MAX_MESSAGE_BLOCKS)))
}
