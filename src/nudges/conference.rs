//! Conference meet-ups: who goes where, and a one-time introduction when teammates overlap.

use chrono::NaiveDate;
use chrono::{DateTime, Utc};

use super::{kinds, payload_str, reminder, NudgeError, Nudges};
use crate::commands::parse::ConferenceCommand;
use crate::commands::Actor;
use crate::domain::conference::{conference_key, DateSpan};
use crate::scheduler::Composed;
use crate::store::nudges::ConferenceRecord;
use crate::store::reminders::Reminder;
use crate::store::StoreError;
use crate::views::replies::{simple, with_hint};
use crate::views::{escape, Block, Message};

fn span(record: &ConferenceRecord) -> DateSpan {
    DateSpan {
        start: record.start,
        end: record.end,
    }
}

/// Everyone else registered for the same conference (same key, overlapping dates) as `mine`.
pub(super) fn companions<'a>(
    all: &'a [ConferenceRecord],
    mine: &ConferenceRecord,
) -> Vec<&'a ConferenceRecord> {
    let mut others: Vec<&ConferenceRecord> = all
        .iter()
        .filter(|c| {
            c.user_id != mine.user_id
                && c.name_key == mine.name_key
                && span(c).overlaps(&span(mine))
        })
        .collect();
    others.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    others.dedup_by(|a, b| a.user_id == b.user_id);
    others
}

fn mentions(records: &[&ConferenceRecord]) -> String {
    let names: Vec<String> = records
        .iter()
        .map(|r| format!("<@{}>", r.user_id))
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(super) async fn command(
    n: &Nudges,
    actor: &Actor,
    command: ConferenceCommand,
) -> Result<Message, NudgeError> {
    let now = n.now();
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    let today = now.with_timezone(&tz).date_naive();
    match command {
        ConferenceCommand::Join { name, dates } => join(n, actor, name, dates, now, today).await,
        ConferenceCommand::List => list(n, actor, today).await,
        ConferenceCommand::Leave(name) => leave(n, actor, &name, now).await,
    }
}

async fn join(
    n: &Nudges,
    actor: &Actor,
    name: String,
    dates: DateSpan,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Message, NudgeError> {
    let key = conference_key(&name);
    if key.is_empty() {
        return Ok(simple(
            ":thinking_face: A conference needs a name with letters or digits.",
        ));
    }
    if dates.end < today {
        return Ok(simple(format!(
            ":thinking_face: *{}* is already over ({}).",
            escape(&name),
            dates.label()
        )));
    }
    let attendance = ConferenceRecord {
        id: 0,
        user_id: actor.user_id.clone(),
        name: name.clone(),
        name_key: key.clone(),
        start: dates.start,
        end: dates.end,
    };
    if !n
        .store
        .join_conference(&actor.team_id, &attendance, now)
        .await?
    {
        return Ok(simple(format!(
            "You're already down for *{}* ({}).",
            escape(&name),
            dates.label()
        )));
    }
    let all = n.store.conferences(&actor.team_id).await?;
    let Some(mine) = all
        .iter()
        .find(|c| c.user_id == actor.user_id && c.name_key == key && c.start == dates.start)
    else {
        return Ok(simple("Registered."));
    };
    let others = companions(&all, mine);
    if others.is_empty() {
        return Ok(with_hint(
            format!(
                ":ticket: You're going to *{}* ({}).",
                escape(&name),
                dates.label()
            ),
            "If teammates sign up for it too, I'll introduce you.",
        ));
    }
    introduce(n, &actor.team_id, mine, &others, now).await?;
    Ok(simple(format!(
        ":ticket: You're going to *{}* ({}), and so {} {}. I'll introduce you.",
        escape(&name),
        dates.label(),
        if others.len() == 1 { "is" } else { "are" },
        mentions(&others)
    )))
}

/// Schedules the introduction for the newcomer and everyone already going, each in their
/// own working hours.
async fn introduce(
    n: &Nudges,
    team_id: &str,
    mine: &ConferenceRecord,
    others: &[&ConferenceRecord],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Each person is introduced once: the key names the person and their registration.
    for person in std::iter::once(mine).chain(others.iter().copied()) {
        let person_tz = n.zone_of(team_id, &person.user_id).await?;
        n.schedule(reminder(
            team_id,
            format!(
                "conference:{}:{}:{}",
                person.name_key, person.start, person.user_id
            ),
            kinds::CONFERENCE,
            vec![person.user_id.clone()],
            serde_json::json!({ "name_key": person.name_key }),
            n.settings.work.defer(person_tz, now),
        ))
        .await?;
    }
    Ok(())
}

/// Upcoming conferences, each group of overlapping registrations on one line.
async fn list(n: &Nudges, actor: &Actor, today: NaiveDate) -> Result<Message, NudgeError> {
    let all = n.store.conferences(&actor.team_id).await?;
    let mut lines = Vec::new();
    let mut shown: Vec<i64> = Vec::new();
    for record in all.iter().filter(|c| c.end >= today) {
        if shown.contains(&record.id) {
            continue;
        }
        let group: Vec<&ConferenceRecord> = std::iter::once(record)
            .chain(companions(&all, record))
            .collect();
        shown.extend(group.iter().map(|c| c.id));
        lines.push(format!(
            "• *{}* ({}): {}",
            escape(&record.name),
            span(record).label(),
            mentions(&group)
        ));
    }
    if lines.is_empty() {
        return Ok(with_hint(
            "Nobody has registered for an upcoming conference yet.",
            "Going to one? `/officehours conference \"RustConf\" 2027-09-08..2027-09-10`",
        ));
    }
    let mut message = Message::new("Upcoming conferences");
    message.push(Block::Header("Upcoming conferences".to_owned()));
    message.push(Block::text(lines.join("\n")));
    Ok(message.fit(crate::views::MAX_MESSAGE_BLOCKS))
}

async fn leave(
    n: &Nudges,
    actor: &Actor,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Message, NudgeError> {
    let removed = n
        .store
        .leave_conference(&actor.team_id, &actor.user_id, &conference_key(name))
        .await?;
    n.store
        .cancel_pending(
            &format!("conference:{}:", conference_key(name)),
            "left the conference",
            now,
        )
        .await?;
    Ok(simple(if removed > 0 {
        format!("Removed you from *{}*.", escape(name))
    } else {
        format!("You weren't registered for *{}*.", escape(name))
    }))
}

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    _now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let ([recipient], Some(key)) = (
        reminder.recipients.as_slice(),
        payload_str(reminder, "name_key"),
    ) else {
        return Ok(Composed::Cancel("malformed conference notice".to_owned()));
    };
    let all = n.store.conferences(&reminder.team_id).await?;
    let Some(mine) = all
        .iter()
        .find(|c| c.user_id == *recipient && c.name_key == key)
    else {
        return Ok(Composed::Cancel("no longer going".to_owned()));
    };
    let others = companions(&all, mine);
    if others.is_empty() {
        return Ok(Composed::Cancel("nobody else is going any more".to_owned()));
    }
    Ok(Composed::Send(Message {
        fallback: format!("Teammates are going to {} too", mine.name),
        blocks: vec![
            Block::text(format!(
                ":ticket: You're not the only one going to *{}* ({}): {} {} going too.",
                escape(&mine.name),
                span(mine).label(),
                mentions(&others),
                if others.len() == 1 { "is" } else { "are" }
            )),
            Block::context("Why not meet up there? A coffee on the first morning is a good start."),
        ],
    }))
}
