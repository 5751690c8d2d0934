//! The managers' weekly digest: overdue and upcoming 1:1s, debriefs, advancement talks, conference overlaps.

use chrono::NaiveDate;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::conference::companions;
use super::{debrief, kinds, reminder, Nudges};
use crate::commands::Actor;
use crate::domain::conference::DateSpan;
use crate::scheduler::Composed;
use crate::store::nudges::{CadenceStatus, MeetingStatus};
use crate::store::nudges::{ConferenceRecord, MeetingRecord};
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
    // Read in the order the sections appear, so a failing read fails the same way every time.
    let one_on_ones = one_on_ones(n, actor, now, tz).await?;
    let debriefs = debrief_lines(n, actor, today).await?;
    let talks = talk_lines(n, actor, today).await?;
    let overlaps = overlap_lines(n, actor, today, &one_on_ones.reports).await?;
    let sections: Vec<Block> = [
        section("*1:1s*", one_on_ones.lines, None),
        section("*Debriefs*", debriefs, None),
        section("*Advancement talks in the next 30 days*", talks, None),
        section(
            "*Conference overlaps*",
            overlaps,
            Some("_A chance to sponsor a get-together._"),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    if sections.is_empty() {
        return Ok(None);
    }
    Ok(Some(digest(sections, one_on_ones.buttons)))
}

/// A titled list, or nothing at all: the digest leaves out what has nothing to report.
fn section(title: &str, mut lines: Vec<String>, footer: Option<&str>) -> Option<Block> {
    if lines.is_empty() {
        return None;
    }
    lines.extend(footer.map(str::to_owned));
    Some(Block::text(format!("{title}\n{}", lines.join("\n"))))
}

fn digest(sections: Vec<Block>, buttons: Vec<Button>) -> Message {
    let mut message = Message::new("Your weekly mentoring digest");
    message.push(Block::Header("Your weekly mentoring digest".to_owned()));
    message.blocks.extend(sections);
    if !buttons.is_empty() {
        message.push(Block::Actions(buttons));
    }
    message.push(Block::context("`/officehours team` shows this any time."));
    message.fit(MAX_MESSAGE_BLOCKS)
}

/// What the 1:1 section found across the manager's active cadences.
struct OneOnOnes {
    lines: Vec<String>,
    /// "Done" buttons for overdue meetings, at most `MAX_BUTTONS` across all reports.
    buttons: Vec<Button>,
    /// Everyone with an active cadence: the conference section only looks at these people.
    reports: Vec<String>,
}

async fn one_on_ones(
    n: &Nudges,
    actor: &Actor,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<OneOnOnes, StoreError> {
    let cadences = n
        .store
        .cadences_of_manager(&actor.team_id, &actor.user_id)
        .await?;
    let mut found = OneOnOnes {
        lines: Vec::new(),
        buttons: Vec::new(),
        reports: Vec::new(),
    };
    for cadence in cadences
        .iter()
        .filter(|c| c.status == CadenceStatus::Active)
    {
        found.reports.push(cadence.report_id.clone());
        let meetings = n.store.meetings_of(cadence.id).await?;
        let overdue: Vec<&MeetingRecord> = meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Planned && m.starts_at + OVERDUE_AFTER < now)
            .collect();
        found.lines.extend(cadence_line(
            &cadence.report_id,
            &meetings,
            &overdue,
            now,
            tz,
        ));
        let room = MAX_BUTTONS.saturating_sub(found.buttons.len());
        found
            .buttons
            .extend(overdue.iter().take(room).map(|m| done_button(m, tz)));
    }
    Ok(found)
}

/// One report's line: the oldest overdue 1:1 if any, else the next planned one, else nothing
/// (a 1:1 less than `OVERDUE_AFTER` past its start is neither).
fn cadence_line(
    report_id: &str,
    meetings: &[MeetingRecord],
    overdue: &[&MeetingRecord],
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<String> {
    let last_done = meetings
        .iter()
        .filter(|m| m.status == MeetingStatus::Done)
        .map(|m| m.starts_at)
        .max();
    let since = last_done.map_or_else(
        || "no 1:1 marked done yet".to_owned(),
        |t| format!("last one {}", days_ago(now, t)),
    );
    if let Some(oldest) = overdue.iter().map(|m| m.starts_at).min() {
        return Some(format!(
            ":warning: <@{report_id}>: overdue since {} ({since})",
            local(oldest, tz)
        ));
    }
    let next = meetings
        .iter()
        .filter(|m| m.status == MeetingStatus::Planned && m.starts_at >= now)
        .map(|m| m.starts_at)
        .min()?;
    Some(format!(
        "• <@{report_id}>: next {} ({since})",
        local(next, tz)
    ))
}

fn done_button(meeting: &MeetingRecord, tz: Tz) -> Button {
    Button {
        text: format!(
            "Done: {}",
            meeting.starts_at.with_timezone(&tz).format("%-d %b")
        ),
        action_id: actions::MEETING_DONE,
        value: meeting.id.to_string(),
        style: ButtonStyle::Default,
    }
}

/// Debriefs in the coming week, and those of the last 30 days still missing someone's feedback.
async fn debrief_lines(
    n: &Nudges,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<String>, StoreError> {
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
    Ok(lines)
}

/// Advancement talks from today through the next 30 days.
async fn talk_lines(
    n: &Nudges,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<String>, StoreError> {
    Ok(n.store
        .reviews_of_manager(&actor.team_id, &actor.user_id)
        .await?
        .into_iter()
        .filter(|r| r.on_date >= today && r.on_date <= today + Duration::days(30))
        .map(|r| format!("• <@{}> on {}", r.report_id, r.on_date))
        .collect())
}

/// Conferences a report is going to that overlap someone else's, each group listed once.
async fn overlap_lines(
    n: &Nudges,
    actor: &Actor,
    today: NaiveDate,
    reports: &[String],
) -> Result<Vec<String>, StoreError> {
    let all = n.store.conferences(&actor.team_id).await?;
    let mut lines = Vec::new();
    // A group found from one member is not listed again from another.
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
        lines.push(overlap_line(record, others));
    }
    Ok(lines)
}

fn overlap_line(record: &ConferenceRecord, others: Vec<&ConferenceRecord>) -> String {
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
    format!("• *{}* ({dates}): {}", escape(&record.name), who.join(", "))
}
