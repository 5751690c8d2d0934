//! Debriefs: a group DM with feedback prompts on the day, a modal to answer, answers to the organizer.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

use super::{kinds, payload_i64, payload_str, reminder, ActionOutcome, NudgeError, Nudges};
use crate::commands::Actor;
use crate::domain::questions::DEBRIEF_PROMPTS;
use crate::domain::tzmath::local_label;
use crate::scheduler::Composed;
use crate::store::gatherings::{DebriefPlan, DebriefWrite, Invited, OrganizedDebrief};
use crate::store::nudges::{DebriefRecord, FeedbackRecord};
use crate::store::reminders::{NewReminder, Reminder};
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
    let mut others: Vec<String> = Vec::new();
    for p in participants {
        if p != actor.user_id && !others.contains(&p) {
            others.push(p);
        }
    }
    if others.is_empty() {
        return Ok(simple(format!(
            ":thinking_face: A debrief needs someone besides you: mention the others who took part, \
             like `/officehours debrief \"{}\" on {date} with @ada @grace`.",
            escape(&project)
        )));
    }
    let mut zones = vec![tz];
    for p in &others {
        zones.push(n.zone_of(&actor.team_id, p).await?);
    }
    let usual = n.settings.work.due_on_date(tz, date, now);
    let plan = Plan {
        team_id: &actor.team_id,
        project: &project,
        date,
        participants: &others,
        due: n.settings.work.group_on_date(&zones, date, usual, now),
    };
    let limit = super::daily_limit(today);
    let saved = n
        .store
        .save_debrief(&actor.team_id, &actor.user_id, today, limit, &plan, now)
        .await?;
    if let Invited::OverLimit { invited_today } = saved.saved {
        return Ok(super::over_limit(plan.invites(&saved.seen), invited_today));
    }
    n.ensure_digest(&actor.team_id, &actor.user_id).await?;
    Ok(plan.reply(&plan.judge(&saved.seen), tz))
}

/// A project's name for comparing: letters and digits, lowercased ("Website launch!" is
/// "website-launch").
fn project_key(project: &str) -> String {
    project
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn same_people(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|p| b.contains(p))
}

fn who(people: &[String]) -> String {
    people
        .iter()
        .map(|p| format!("<@{p}>"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `debrief` command, as the store's transaction asks about it.
struct Plan<'a> {
    team_id: &'a str,
    project: &'a str,
    date: NaiveDate,
    /// Everyone but the organiser.
    participants: &'a [String],
    /// When its group DM goes out.
    due: DateTime<Utc>,
}

/// What the command is, given the organiser's debriefs from today on.
enum Judged<'a> {
    /// The same project, date and people: typed again.
    Same,
    /// The same project and date, other people, but the group DM has gone out already.
    AlreadyOut(&'a DebriefRecord),
    /// New people or a new date for an upcoming debrief of the same project.
    Replaces(&'a DebriefRecord),
    New,
}

impl Plan<'_> {
    fn judge<'s>(&self, seen: &'s [OrganizedDebrief]) -> Judged<'s> {
        let key = project_key(self.project);
        let mut same_project = seen
            .iter()
            .filter(|d| project_key(&d.record.project) == key);
        if let Some(d) = same_project.clone().find(|d| d.record.on_date == self.date) {
            return if same_people(&d.record.participants, self.participants) {
                Judged::Same
            } else if d.gone_out {
                Judged::AlreadyOut(&d.record)
            } else {
                Judged::Replaces(&d.record)
            };
        }
        // One whose group DM is still to come is this debrief, moved to another date.
        match same_project.find(|d| !d.gone_out) {
            Some(d) => Judged::Replaces(&d.record),
            None => Judged::New,
        }
    }

    /// People this command invites who were not invited before.
    fn invites(&self, seen: &[OrganizedDebrief]) -> u32 {
        let before: &[String] = match self.judge(seen) {
            Judged::Replaces(was) => &was.participants,
            Judged::New => &[],
            Judged::Same | Judged::AlreadyOut(_) => return 0,
        };
        let new = self.participants.iter().filter(|p| !before.contains(p));
        u32::try_from(new.count()).unwrap_or(u32::MAX)
    }

    fn reply(&self, judged: &Judged, tz: Tz) -> Message {
        let project = escape(self.project);
        let (date, people) = (self.date, who(self.participants));
        match judged {
            Judged::Same => simple(format!(
                ":memo: You already have this debrief: *{project}* on {date} with {people}. Nothing changed."
            )),
            Judged::AlreadyOut(was) => with_hint(
                format!(
                    ":thinking_face: The group message for *{project}* on {date} has already gone out to {}, so it stays as it is.",
                    who(&was.participants)
                ),
                "For other people, start a debrief with another name.",
            ),
            Judged::Replaces(was) => with_hint(
                format!(
                    ":memo: Updated your debrief *{project}*: now on {date} with {people} (it was on {} with {}).",
                    was.on_date,
                    who(&was.participants)
                ),
                &self.when(tz),
            ),
            Judged::New => with_hint(
                format!(
                    ":memo: Debrief for *{project}* on {date}: on that day {people} and you get a group message with feedback prompts."
                ),
                &format!("{} Answers come to you privately; your digest shows who hasn't answered yet.", self.when(tz)),
            ),
        }
    }

    fn when(&self, tz: Tz) -> String {
        format!(
            "The group message goes out {} your time.",
            local_label(tz, self.due)
        )
    }
}

impl DebriefPlan for Plan<'_> {
    fn decide(&self, seen: &[OrganizedDebrief]) -> DebriefWrite {
        let replaces = match self.judge(seen) {
            Judged::Same | Judged::AlreadyOut(_) => return DebriefWrite::Keep,
            Judged::Replaces(was) => Some(was.id),
            Judged::New => None,
        };
        DebriefWrite::Save {
            replaces,
            project: self.project.to_owned(),
            on_date: self.date,
            participants: self.participants.to_vec(),
            invited: self.invites(seen),
        }
    }

    fn group_dm_key(&self, debrief_id: i64) -> String {
        format!("debrief:{debrief_id}")
    }

    fn group_dm(&self, saved: &DebriefRecord) -> NewReminder {
        reminder(
            self.team_id,
            self.group_dm_key(saved.id),
            kinds::DEBRIEF,
            everyone(saved),
            serde_json::json!({ "debrief_id": saved.id }),
            self.due,
        )
    }
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
            Block::context(format!("Answers go privately to <@{}>.", record.organizer_id)),
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
    let Some(record) = n
        .store
        .debrief_in(&actor.team_id, value.parse().unwrap_or(-1))
        .await?
    else {
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
    let Some(record) = n
        .store
        .debrief_in(&actor.team_id, metadata.parse().unwrap_or(-1))
        .await?
    else {
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
