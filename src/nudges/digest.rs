//! The managers' weekly digest: overdue and upcoming 1:1s, debriefs, advancement talks,
//! conference overlaps, and how often each report visited office hours.

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
    let visits = visit_lines(n, actor, now, &one_on_ones.reports).await?;
    let sections: Vec<Block> = [
        with_buttons("*1:1s*", one_on_ones.lines),
        section("*Debriefs*", debriefs, None).into_iter().collect(),
        section("*Advancement talks in the next 30 days*", talks, None)
            .into_iter()
            .collect(),
        section(
            "*Conference overlaps*",
            overlaps,
            Some("_A chance to sponsor a get-together._"),
        )
        .into_iter()
        .collect(),
        section(
            "*Office hours visited in the last 7 days*",
            visits,
            Some("_Counts only: what was asked is not shown._"),
        )
        .into_iter()
        .collect(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if sections.is_empty() {
        return Ok(None);
    }
    Ok(Some(digest(sections)))
}

/// A titled list, or nothing at all: the digest leaves out what has nothing to report.
fn section(title: &str, mut lines: Vec<String>, footer: Option<&str>) -> Option<Block> {
    if lines.is_empty() {
        return None;
    }
    lines.extend(footer.map(str::to_owned));
    Some(Block::text(format!("{title}\n{}", lines.join("\n"))))
}

/// One line of a section, with the buttons that act on it (a report's overdue 1:1s).
struct Line {
    text: String,
    buttons: Vec<Button>,
}

/// A titled list whose lines carry buttons: each button sits beside the line it acts on (a
/// section's own button), or right under it when there are several, never gathered at the
/// bottom where nobody can tell which line a `Done: 3 Dec` is for.
fn with_buttons(title: &str, lines: Vec<Line>) -> Vec<Block> {
    if lines.is_empty() {
        return Vec::new();
    }
    let mut blocks = Vec::new();
    let mut text = title.to_owned();
    for Line {
        text: line,
        mut buttons,
    } in lines
    {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&line);
        if buttons.is_empty() {
            continue;
        }
        let text = std::mem::take(&mut text);
        if buttons.len() == 1 {
            blocks.push(Block::Section {
                text,
                fields: Vec::new(),
                button: buttons.pop(),
            });
        } else {
            blocks.push(Block::text(text));
            blocks.push(Block::Actions(buttons));
        }
    }
    if !text.is_empty() {
        blocks.push(Block::text(text));
    }
    blocks
}

fn digest(sections: Vec<Block>) -> Message {
    let mut message = Message::new("Your weekly mentoring digest");
    message.push(Block::Header("Your weekly mentoring digest".to_owned()));
    message.blocks.extend(sections);
    message.push(Block::context("`/officehours team` shows this any time."));
    message.fit(MAX_MESSAGE_BLOCKS)
}

/// What the 1:1 section found across the manager's active cadences.
struct OneOnOnes {
    /// A line per report, with "Done" buttons for its overdue meetings (at most `MAX_BUTTONS`
    /// across all reports).
    lines: Vec<Line>,
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
        reports: Vec::new(),
    };
    let mut buttons_left = MAX_BUTTONS;
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
        let Some(text) = cadence_line(&cadence.report_id, &meetings, &overdue, now, tz) else {
            continue;
        };
        let buttons: Vec<Button> = overdue
            .iter()
            .take(buttons_left)
            .map(|m| done_button(m, tz))
            .collect();
        buttons_left -= buttons.len();
        found.lines.push(Line { text, buttons });
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

/// For each report, how many times they visited anyone's office hours in the last 7 days: a
/// count, never what was said. Nothing when none of them did.
async fn visit_lines(
    n: &Nudges,
    actor: &Actor,
    now: DateTime<Utc>,
    reports: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut counts = Vec::new();
    for report in reports {
        let made = n
            .store
            .visits_made(&actor.team_id, report, now - Duration::days(7), now)
            .await?;
        counts.push((report, made));
    }
    if counts.iter().all(|(_, made)| *made == 0) {
        return Ok(Vec::new());
    }
    Ok(counts
        .into_iter()
        .map(|(report, made)| {
            format!(
                "• <@{report}>: {made} visit{}",
                if made == 1 { "" } else { "s" }
            )
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::text::render_numbered;

    fn done(day: &str) -> Button {
        Button {
            text: format!("Done: {day}"),
            action_id: actions::MEETING_DONE,
            value: day.to_owned(),
            style: ButtonStyle::Default,
        }
    }

    fn line(text: &str, buttons: Vec<Button>) -> Line {
        Line {
            text: text.to_owned(),
            buttons,
        }
    }

    #[test]
    fn each_done_button_is_shown_with_the_line_it_marks() {
        let blocks = with_buttons(
            "*1:1s*",
            vec![
                line("• <@ana>: next Mon 7 Dec 10:00", vec![]),
                line(
                    ":warning: <@bob>: overdue since Thu 3 Dec",
                    vec![done("3 Dec")],
                ),
                line("• <@cy>: next Tue 8 Dec 10:00", vec![]),
                line(
                    ":warning: <@dee>: overdue since Fri 27 Nov",
                    vec![done("27 Nov"), done("4 Dec")],
                ),
            ],
        );
        let mut next = 0;
        let shown = render_numbered(
            &digest(blocks),
            crate::views::text::Style::default(),
            &mut |_| {
                next += 1;
                Some(next)
            },
        );
        let lines: Vec<&str> = shown.lines().collect();
        let at = |needle: &str| {
            lines
                .iter()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{needle} not in:\n{shown}"))
        };
        assert!(
            lines[at("@bob: overdue")].ends_with("[1] Done: 3 Dec"),
            "{shown}"
        );
        assert_eq!(at("[2] Done: 27 Nov"), at("@dee: overdue") + 1, "{shown}");
        assert!(lines[at("[2] Done: 27 Nov")].contains("[3] Done: 4 Dec"));
        assert!(at("@ana: next") < at("@bob: overdue"));
        assert!(at("@bob: overdue") < at("@cy: next"));
        assert!(at("@cy: next") < at("@dee: overdue"));
        assert_eq!(lines.iter().filter(|l| l.contains("1:1s")).count(), 1);
    }
}
