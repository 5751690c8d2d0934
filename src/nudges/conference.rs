//! Conference meet-ups: who goes where, and a one-time introduction when teammates overlap.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

use super::{kinds, payload_i64, payload_str, reminder, NudgeError, Nudges};
use crate::commands::parse::ConferenceCommand;
use crate::commands::Actor;
use crate::domain::conference::{conference_key, DateSpan};
use crate::scheduler::Composed;
use crate::store::gatherings::{Attendance, AttendanceChanged};
use crate::store::nudges::ConferenceRecord;
use crate::store::reminders::{NewReminder, Reminder};
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
        ConferenceCommand::Leave(name) => leave(n, actor, &name, now, today).await,
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
    let done = change(n, actor, Attendance::Join(&attendance), &key, now, today).await?;
    if done.changed == 0 {
        return Ok(simple(format!(
            "You're already down for *{}* ({}).",
            escape(&name),
            dates.label()
        )));
    }
    let Some(mine) = done
        .registrations
        .iter()
        .find(|c| c.user_id == actor.user_id && c.start == dates.start)
    else {
        return Ok(simple("Registered."));
    };
    let others = companions(&done.registrations, mine);
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
    Ok(simple(format!(
        ":ticket: You're going to *{}* ({}), and so {} {}. I'll introduce you.",
        escape(&name),
        dates.label(),
        if others.len() == 1 { "is" } else { "are" },
        mentions(&others)
    )))
}

/// Joins or leaves, and makes the conference's pending introductions match who is going, in
/// one transaction. Zones are read first, in one read; someone registering meanwhile (or whose
/// zone is unknown) is planned in UTC until the next change plans them again.
async fn change(
    n: &Nudges,
    actor: &Actor,
    change: Attendance<'_>,
    key: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<AttendanceChanged, StoreError> {
    let going = n.store.conferences(&actor.team_id).await?;
    let mut people: Vec<String> = going
        .into_iter()
        .filter(|c| c.name_key == key)
        .map(|c| c.user_id)
        .chain(std::iter::once(actor.user_id.clone()))
        .collect();
    people.sort();
    people.dedup();
    let zones: HashMap<String, Tz> = n
        .store
        .people(&actor.team_id, &people)
        .await?
        .into_iter()
        .filter_map(|p| Some((p.user_id.clone(), p.zone()?)))
        .collect();
    let team_id = actor.team_id.as_str();
    let work = n.settings.work;
    let plan = |registrations: &[ConferenceRecord]| {
        let zone = |user: &str| zones.get(user).copied().unwrap_or(Tz::UTC);
        let wanted = pairs(registrations)
            .into_iter()
            .filter(|pair| pair.together.end >= today)
            .map(|pair| {
                let due = work.group_soon(
                    &[zone(&pair.first.user_id), zone(&pair.second.user_id)],
                    now,
                );
                pair.introduction(team_id, due)
            })
            .collect();
        (introductions_prefix(team_id, key), wanted)
    };
    n.store.change_attendance(team_id, change, &plan, now).await
}

/// Introductions to one conference (name) in a workspace share this key prefix.
fn introductions_prefix(team_id: &str, name_key: &str) -> String {
    format!("conference:{team_id}:{name_key}:")
}

/// Two people going to the same conference at the same time: `first` has the smaller user id.
struct Pair<'a> {
    first: &'a ConferenceRecord,
    second: &'a ConferenceRecord,
    /// The days both are there.
    together: DateSpan,
}

impl Pair<'_> {
    /// The year the two are there together: with the conference and the two people, what
    /// one introduction is for (a registration moved within the edition is still it).
    fn edition(&self) -> i32 {
        self.together.start.year()
    }

    /// One group DM to both, keyed by the conference, the edition and the (unordered) pair.
    fn introduction(&self, team_id: &str, due: DateTime<Utc>) -> NewReminder {
        let (first, second) = (&self.first.user_id, &self.second.user_id);
        reminder(
            team_id,
            format!(
                "{}{}:{first}:{second}",
                introductions_prefix(team_id, &self.first.name_key),
                self.edition()
            ),
            kinds::CONFERENCE,
            vec![first.clone(), second.clone()],
            serde_json::json!({ "name_key": self.first.name_key, "edition": self.edition() }),
            due,
        )
    }
}

/// Every pair of different people whose registrations (of one conference name) overlap, once
/// per pair and edition.
fn pairs(registrations: &[ConferenceRecord]) -> Vec<Pair<'_>> {
    let mut found: Vec<Pair> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for first in registrations {
        for second in registrations.iter().filter(|b| first.user_id < b.user_id) {
            if first.name_key != second.name_key || !span(first).overlaps(&span(second)) {
                continue;
            }
            let together = DateSpan {
                start: first.start.max(second.start),
                end: first.end.min(second.end),
            };
            let pair = Pair {
                first,
                second,
                together,
            };
            if seen.insert((&first.user_id, &second.user_id, pair.edition())) {
                found.push(pair);
            }
        }
    }
    found
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
    today: NaiveDate,
) -> Result<Message, NudgeError> {
    // Only introductions with this person go: the others are still wanted, and the prefix
    // names this workspace.
    let key = conference_key(name);
    // The answer names the conference as it was registered ("RustConf"), not as typed now.
    let stored = n
        .store
        .conferences(&actor.team_id)
        .await?
        .into_iter()
        .find(|c| c.name_key == key && c.user_id == actor.user_id)
        .map(|c| c.name);
    let leaving = Attendance::Leave {
        user_id: &actor.user_id,
        name_key: &key,
    };
    let removed = change(n, actor, leaving, &key, now, today).await?.changed;
    Ok(simple(if removed > 0 {
        format!(
            "Removed you from *{}*.",
            escape(stored.as_deref().unwrap_or(name))
        )
    } else {
        format!("You weren't registered for *{}*.", escape(name))
    }))
}

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    _now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let Some(key) = payload_str(reminder, "name_key") else {
        return Ok(Composed::Cancel("malformed conference notice".to_owned()));
    };
    let all = n.store.conferences(&reminder.team_id).await?;
    let registrations: Vec<ConferenceRecord> =
        all.into_iter().filter(|c| c.name_key == key).collect();
    match reminder.recipients.as_slice() {
        [first, second] => {
            let edition = payload_i64(reminder, "edition");
            let theirs: Vec<ConferenceRecord> = registrations
                .into_iter()
                .filter(|c| c.user_id == *first || c.user_id == *second)
                .collect();
            let pairs = pairs(&theirs);
            let Some(pair) = pairs.iter().find(|p| {
                p.first.user_id == *first
                    && p.second.user_id == *second
                    && Some(i64::from(p.edition())) == edition
            }) else {
                return Ok(Composed::Cancel("no longer going together".to_owned()));
            };
            Ok(Composed::Send(introduction(pair)))
        }
        // Planned before introductions went to pairs: one person, told about everyone going.
        [recipient] => {
            let Some(mine) = registrations.iter().find(|c| c.user_id == *recipient) else {
                return Ok(Composed::Cancel("no longer going".to_owned()));
            };
            let others = companions(&registrations, mine);
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
                    Block::context(MEET_UP),
                ],
            }))
        }
        _ => Ok(Composed::Cancel("malformed conference notice".to_owned())),
    }
}

const MEET_UP: &str = "Why not meet up there? A coffee on the first morning is a good start.";

/// The group DM that introduces two people going to the same conference. The name is the one
/// the first of them to register typed.
fn introduction(pair: &Pair) -> Message {
    let named = if pair.first.id <= pair.second.id {
        pair.first
    } else {
        pair.second
    };
    Message {
        fallback: format!("You're both going to {}", named.name),
        blocks: vec![
            Block::text(format!(
                ":ticket: <@{}>, meet <@{}>: you're both going to *{}*, together {}.",
                pair.first.user_id,
                pair.second.user_id,
                escape(&named.name),
                together_label(&pair.together)
            )),
            Block::context(MEET_UP),
        ],
    }
}

fn together_label(together: &DateSpan) -> String {
    if together.start == together.end {
        format!("on {}", together.label())
    } else {
        format!("from {}", together.label().replace(" – ", " to "))
    }
}

#[cfg(test)]
mod tests {
    use super::{pairs, ConferenceRecord};
    use chrono::NaiveDate;

    fn going(id: i64, user: &str, from: (i32, u32, u32), to: (i32, u32, u32)) -> ConferenceRecord {
        let day = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        ConferenceRecord {
            id,
            user_id: user.to_owned(),
            name: "RustConf".to_owned(),
            name_key: "rustconf".to_owned(),
            start: day(from),
            end: day(to),
        }
    }

    #[test]
    fn each_two_people_there_at_the_same_time_make_one_pair_per_edition() {
        let all = [
            going(1, "U3", (2027, 9, 8), (2027, 9, 10)),
            going(2, "U1", (2027, 9, 9), (2027, 9, 9)),
            going(3, "U2", (2027, 9, 10), (2027, 9, 10)),
            // U1 again, the same edition: still one pair with U3.
            going(4, "U1", (2027, 9, 10), (2027, 9, 10)),
            // Next year, U1 and U3 again: another edition, another pair.
            going(5, "U1", (2028, 9, 8), (2028, 9, 8)),
            going(6, "U3", (2028, 9, 8), (2028, 9, 8)),
        ];
        let found: Vec<(&str, &str, i32)> = pairs(&all)
            .iter()
            .map(|p| {
                (
                    p.first.user_id.as_str(),
                    p.second.user_id.as_str(),
                    p.edition(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("U1", "U3", 2027),
                ("U2", "U3", 2027),
                ("U1", "U2", 2027),
                ("U1", "U3", 2028),
            ]
        );
    }
}
