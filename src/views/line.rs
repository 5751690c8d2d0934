//! Drop in's words: a place in line and its estimate, held questions, the mentor's line with
//! its buttons, the call, the skip, "not today", and the Drop in modal.

use chrono::{DateTime, Duration, Utc};

pub use super::line_call::{call_dm, call_over, here};
use super::{actions, clamp, escape, modals, Block, Button, ButtonStyle, Message, Modal};
use crate::domain::line::{ordinal, CALL_TIMEOUT_MINUTES};
use crate::domain::status::{MentorStatus, Viewer, ZoneSource};
use crate::domain::tzmath::{local_label, local_time_label};

/// The modal's one field.
pub const QUESTION_BLOCK: &str = "question";

/// Where an asker stands in a mentor's line, as they are told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Waiting: `place` from 1, `ahead` people before them (the one being called included).
    Waiting {
        place: usize,
        ahead: usize,
        wait: Duration,
    },
    /// Being called right now.
    Called,
    /// Held for the mentor's next window, which opens then (None: none is scheduled).
    Held { opens: Option<DateTime<Utc>> },
}

/// One person in the line, as the mentor sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InLine<'a> {
    pub id: i64,
    pub asker_id: &'a str,
    pub topic: Option<&'a str>,
    pub since: DateTime<Utc>,
    pub called: bool,
    /// Not today: kept for the mentor's next window.
    pub later: bool,
}

/// One mentor's line with Drop in beside it (Ask for next time when she is not open): the
/// button carries her id alone, so the shared rendering stays the same for every reader.
pub fn with_drop_in(line: String, status: &MentorStatus) -> Block {
    Block::Section {
        text: super::clamp(&line, super::MAX_SECTION_TEXT),
        fields: Vec::new(),
        button: Some(drop_in_button(status)),
    }
}

/// "Drop in" beside a mentor who is open, "Ask for next time" beside one who is not.
pub fn drop_in_button(status: &MentorStatus) -> super::Button {
    super::Button {
        text: if status.is_open() {
            "Drop in"
        } else {
            "Ask for next time"
        }
        .to_owned(),
        action_id: super::actions::DROP_IN,
        value: status.user_id.clone(),
        style: super::ButtonStyle::Default,
    }
}

/// " · <link|her meeting link>" while the mentor is open and has a link.
pub fn link_suffix(status: &MentorStatus) -> String {
    match (&status.link, status.is_open()) {
        (Some(url), true) => format!(" · <{}|meeting link>", escape(url)),
        _ => String::new(),
    }
}

fn mention(user_id: &str) -> String {
    format!("<@{user_id}>")
}

fn quoted(topic: Option<&str>) -> String {
    topic.map_or_else(String::new, |t| format!(" — “{}”", escape(&clamp(t, 300))))
}

fn yours(viewer: &Viewer) -> &'static str {
    match viewer.zone_source {
        ZoneSource::Unknown => "UTC",
        ZoneSource::Chosen | ZoneSource::SlackProfile => "your time",
    }
}

fn minutes(d: Duration) -> String {
    match d.num_minutes() {
        1 => "1 minute".to_owned(),
        n => format!("{n} minutes"),
    }
}

/// "Fri 14:00 your time", or that none is scheduled.
pub fn opening_label(viewer: &Viewer, opens: Option<DateTime<Utc>>) -> String {
    match opens {
        Some(at) => format!("{} {}", local_label(viewer.tz, at), yours(viewer)),
        None => "whenever they next open (none is scheduled yet)".to_owned(),
    }
}

/// The answer to `ask`, and the DM after the Drop in modal.
/// `again`: None for a new place; for a place they had, whether what it's about was updated.
pub fn standing(
    viewer: &Viewer,
    mentor_id: &str,
    again: Option<bool>,
    standing: &Standing,
    now: DateTime<Utc>,
) -> Message {
    let who = mention(mentor_id);
    let text = match standing {
        Standing::Waiting { place, ahead: 0, wait } if *wait <= Duration::zero() => format!(
            ":raising_hand: You're {} in line for {who}: you're next, and they'll message you when they're ready.",
            ordinal(*place)
        ),
        Standing::Waiting { place, wait, .. } => {
            let around = now + *wait;
            format!(
                ":raising_hand: You're {} in line for {who}, about {}: around {} {}.",
                ordinal(*place),
                minutes(*wait),
                local_time_label(viewer.tz, around),
                yours(viewer)
            )
        }
        Standing::Called => format!(":wave: {who} is ready for you now."),
        Standing::Held { opens } => format!(
            ":hourglass_flowing_sand: Your question for {who} is held for their next window, {}: they'll see it then, in the order it was asked.",
            opening_label(viewer, *opens)
        ),
    };
    let hint = match again {
        Some(true) => {
            "You were already in this line: I updated what it's about and kept your place."
        }
        Some(false) => "You were already in this line: your place and question are as they were.",
        None => "`/officehours ask cancel @mentor` leaves the line.",
    };
    with_hint(text, hint)
}

fn with_hint(text: String, hint: &str) -> Message {
    Message {
        fallback: text.clone(),
        blocks: vec![Block::text(text), Block::context(hint)],
    }
}

/// A refusal: what was wrong, and that nothing changed.
pub fn refused(text: &str) -> Message {
    with_hint(format!(":no_entry_sign: {text}"), "Nothing was changed.")
}

pub fn not_yourself() -> Message {
    refused("You can't join your own line. To see it, type `/officehours queue`.")
}

pub fn cannot_be_asked(mentor_id: &str, still_in_line: bool) -> Message {
    if still_in_line {
        return refused(&format!(
            "{} has no office hours and isn't available now. You're still in their line from before, with your question, until they open again; `/officehours ask cancel {}` leaves it.",
            mention(mentor_id),
            mention(mentor_id)
        ));
    }
    refused(&format!(
        "{} has no office hours and isn't available now, so there's no line to join. `/officehours find <topic>` shows who mentors on what.",
        mention(mentor_id)
    ))
}

pub fn line_full(mentor_id: &str, held: bool) -> Message {
    if held {
        refused(&format!(
            "{} already has 20 questions held for their next window; please try again after it.",
            mention(mentor_id)
        ))
    } else {
        refused(&format!(
            "{}'s line is full; ask for their next window instead.",
            mention(mentor_id)
        ))
    }
}

pub fn left(mentor_id: &str, was_there: bool) -> Message {
    if was_there {
        super::replies::simple(format!(
            ":wave: You've left {}'s line; your question was deleted.",
            mention(mentor_id)
        ))
    } else {
        refused(&format!("You weren't in {}'s line.", mention(mentor_id)))
    }
}

/// The mentor's line, in order, with its buttons; `late_until`: she said she runs late until
/// then (the estimates people see include it).
pub fn queue(
    viewer: &Viewer,
    line: &[InLine<'_>],
    late_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Message {
    let waiting = line.iter().filter(|e| !e.called && !e.later).count();
    let mut message = Message::new(format!("Your line: {waiting} waiting"));
    message.push(Block::Header("Your line".to_owned()));
    if line.is_empty() {
        message.push(Block::text("Nobody is in your line."));
        return message;
    }
    if let Some(until) = late_until {
        message.push(running_late(viewer, until));
    }
    let mut place = 0;
    for e in line {
        let row = if e.called {
            let text = format!(
                "*Now:* {}{} · called at {} {}",
                mention(e.asker_id),
                quoted(e.topic),
                local_time_label(viewer.tz, e.since),
                yours(viewer)
            );
            message.push(Block::text(text));
            Block::Actions(vec![
                button("Done", actions::LINE_DONE, e.id, ButtonStyle::Primary),
                button(
                    "Not today",
                    actions::LINE_NOT_TODAY,
                    e.id,
                    ButtonStyle::Danger,
                ),
            ])
        } else {
            let when = if e.later {
                "kept for your next window".to_owned()
            } else {
                place += 1;
                format!(
                    "waiting {}, since {} {}",
                    minutes((now - e.since).max(Duration::zero())),
                    local_time_label(viewer.tz, e.since),
                    yours(viewer)
                )
            };
            let number = if e.later {
                "·".to_owned()
            } else {
                format!("{place}.")
            };
            Block::Section {
                text: format!(
                    "{number} {}{} · {when}",
                    mention(e.asker_id),
                    quoted(e.topic)
                ),
                fields: Vec::new(),
                button: Some(button(
                    "Not today",
                    actions::LINE_NOT_TODAY,
                    e.id,
                    ButtonStyle::Default,
                )),
            }
        };
        message.push(row);
    }
    if waiting > 0 && !line.iter().any(|e| e.called) {
        message.push(Block::Actions(vec![Button {
            text: "Next".to_owned(),
            action_id: actions::LINE_NEXT,
            value: viewer.user_id.clone(),
            style: ButtonStyle::Primary,
        }]));
    }
    message.fit(super::MAX_MESSAGE_BLOCKS)
}

/// Under the mentor's line while she runs late (what `late` stored).
fn running_late(viewer: &Viewer, until: DateTime<Utc>) -> Block {
    Block::context(format!(
        ":hourglass: You're running late: the estimates people see include it until {} {}, or until you call the next person.",
        local_time_label(viewer.tz, until),
        yours(viewer)
    ))
}

/// The line as the Home tab shows it: `queue`'s rows and buttons under "*Your line:* N waiting
/// · this week: M drop-ins" (`week`: visits since Monday, the mentor's time).
pub fn on_home(mut queue: Message, week: i64) -> Message {
    let visits = if week == 1 {
        "1 drop-in".to_owned()
    } else {
        format!("{week} drop-ins")
    };
    // `queue`'s fallback is "Your line: N waiting"; its first block the header it replaces.
    let waiting = queue.fallback.trim_start_matches("Your line: ").to_owned();
    if let Some(first) = queue.blocks.first_mut() {
        *first = Block::text(format!(
            ":raising_hand: *Your line:* {waiting} · this week: {visits}"
        ));
    }
    queue
}

fn button(text: &str, action_id: &'static str, id: i64, style: ButtonStyle) -> Button {
    Button {
        text: text.to_owned(),
        action_id,
        value: id.to_string(),
        style,
    }
}

/// The answer to `next`: who is called, with the visit's own Done and Not today (the answer is
/// where the mentor's eyes are; `queue` has them too).
pub fn calling(asker_id: &str, topic: Option<&str>, id: i64) -> Message {
    let mut message = with_hint(
        format!(":mega: Calling {}{}: I'm telling them you're ready.", mention(asker_id), quoted(topic)),
        "Press Done when you've finished. If they don't come within 10 minutes, they go to the back of the line.",
    );
    message.push(Block::Actions(vec![
        button("Done", actions::LINE_DONE, id, ButtonStyle::Primary),
        button(
            "Not today",
            actions::LINE_NOT_TODAY,
            id,
            ButtonStyle::Danger,
        ),
    ]));
    message
}

pub fn still_with(asker_id: &str) -> Message {
    refused(&format!(
        "You're still with {}: press Done (or Not today) in `/officehours queue` before calling the next person.",
        mention(asker_id)
    ))
}

pub fn nobody_waiting() -> Message {
    super::replies::simple(":zero: Nobody is waiting in your line.")
}

pub fn visit_done(asker_id: &str, length: Duration) -> Message {
    super::replies::simple(format!(
        ":white_check_mark: Visit with {} done ({}). Their question was deleted.",
        mention(asker_id),
        minutes(length.max(Duration::zero()))
    ))
}

pub fn not_today_done(asker_id: &str) -> Message {
    super::replies::simple(format!(
        ":calendar: {} is told you can't see them today; their question is kept for your next window.",
        mention(asker_id)
    ))
}

pub fn gone_already() -> Message {
    refused("That person is no longer in your line (or isn't being called).")
}

/// To the mentor, when someone joins her line while she is open.
pub fn joined_dm(asker_id: &str, topic: Option<&str>, waiting: usize) -> Message {
    with_hint(
        format!(
            ":raising_hand: {} joined your line{}. {waiting} waiting.",
            mention(asker_id),
            quoted(topic)
        ),
        "`/officehours queue` shows your line; `/officehours next` calls the next person.",
    )
}

pub fn skipped_dm(mentor_id: &str) -> Message {
    with_hint(
        format!(
            ":hourglass: You didn't answer {}'s call within {CALL_TIMEOUT_MINUTES} minutes, so you're now at the back of their line. Your question is kept.",
            mention(mentor_id)
        ),
        "`/officehours ask cancel @mentor` leaves the line.",
    )
}

/// To the mentor: her call went unanswered, and the line moves on.
pub fn skipped_mentor_dm(asker_id: &str) -> Message {
    with_hint(
        format!(
            ":hourglass: {} didn't answer your call within {CALL_TIMEOUT_MINUTES} minutes, so they're at the back of your line now.",
            mention(asker_id)
        ),
        "`/officehours next` calls the next person.",
    )
}

pub fn not_today_dm(viewer: &Viewer, mentor_id: &str, opens: Option<DateTime<Utc>>) -> Message {
    with_hint(
        format!(
            ":calendar: {} can't see you today. Your question is kept for their next window, {}, and you'll be first in line then.",
            mention(mentor_id),
            opening_label(viewer, opens)
        ),
        "`/officehours ask cancel @mentor` drops it.",
    )
}

/// To the mentor as her window opens: the questions waiting for it, in order.
pub fn held_dm(waiting: &[(&str, Option<&str>)]) -> Message {
    let mut lines = vec![format!(
        ":sunrise: Your office hours are open. {} waiting for you, asked while you were closed:",
        if waiting.len() == 1 {
            "1 question is".to_owned()
        } else {
            format!("{} questions are", waiting.len())
        }
    )];
    for (i, (asker, topic)) in waiting.iter().enumerate() {
        lines.push(format!("{}. {}{}", i + 1, mention(asker), quoted(*topic)));
    }
    let text = clamp(&lines.join("\n"), super::MAX_SECTION_TEXT);
    with_hint(
        text,
        "`/officehours next` calls the first; `/officehours queue` shows your line.",
    )
}

/// To an asker as the mentor's window opens: she has their question, and they are in line.
pub fn opened_dm(status: &MentorStatus, topic: Option<&str>) -> Message {
    let text = format!(
        ":sunrise: {} is open now and has your question{}. You're in their line; they'll message you when they're ready.",
        mention(&status.user_id),
        quoted(topic)
    );
    Message {
        fallback: text.clone(),
        blocks: vec![Block::Section {
            text,
            fields: Vec::new(),
            button: Some(drop_in_button(status)),
        }],
    }
}

/// To someone still waiting as the mentor closes.
pub fn closed_dm(viewer: &Viewer, mentor_id: &str, opens: Option<DateTime<Utc>>) -> Message {
    with_hint(
        format!(
            ":door: {} has closed for now with you still in line. You're kept first in line for their next window, {}.",
            mention(mentor_id),
            opening_label(viewer, opens)
        ),
        "`/officehours ask cancel @mentor` leaves the line.",
    )
}

/// To the person with the mentor as she closes: the visit is not cut short.
pub fn closed_while_with_dm(mentor_id: &str) -> Message {
    with_hint(
        format!(
            ":door: {}'s office hours have ended while you're with them. Your visit isn't cut short: take the time you need; it ends when they press Done.",
            mention(mentor_id)
        ),
        "If you haven't met yet, answer their call now: an unanswered call still moves you back into their line after 10 minutes, kept for their next window.",
    )
}

/// To the mentor: how many were told she runs late, and that estimates now include it.
pub fn late_told(told: usize, by: Duration) -> Message {
    let told = match told {
        0 => format!(":hourglass: Nobody is waiting in your line, so nobody needed telling you're {} late.", minutes(by)),
        1 => format!(":hourglass: The 1 person waiting is being told you're running {} late, with their new estimate.", minutes(by)),
        n => format!(":hourglass: The {n} people waiting are being told you're running {} late, each with their new estimate.", minutes(by)),
    };
    with_hint(
        told,
        "Every estimate includes the delay until you call the next person or it has passed. A second `late` replaces this one.",
    )
}

/// To someone waiting: the mentor runs late, and their new estimate.
pub fn late_dm(
    viewer: &Viewer,
    mentor_id: &str,
    late: Duration,
    now_standing: &Standing,
    now: DateTime<Utc>,
) -> Message {
    let mut message = standing(viewer, mentor_id, None, now_standing, now);
    let note = format!(
        ":hourglass: {} is running about {} late.",
        mention(mentor_id),
        minutes(late)
    );
    if let Some(Block::Section { text, .. }) = message.blocks.first_mut() {
        *text = format!("{note} {text}");
    }
    message.fallback = format!("{note} {}", message.fallback);
    message
}

pub fn link_set(url: &str) -> Message {
    super::replies::simple(format!(
        ":link: Your meeting link is now {}. Whoever you call gets it, and it shows while you're open and in your calendar feed.",
        escape(url)
    ))
}

pub fn link_off(had: bool) -> Message {
    super::replies::simple(if had {
        ":link: Your meeting link is removed."
    } else {
        ":link: You had no meeting link; nothing changed."
    })
}

/// The Drop in modal: what it's about (optional), with her topics as a hint.
pub fn drop_in_modal(mentor_id: &str, open: bool, topics: &[String]) -> Modal {
    let mut blocks = vec![Block::text(if open {
        format!("Join {}'s line.", mention(mentor_id))
    } else {
        format!(
            "{} isn't open now: your question is held for their next window.",
            mention(mentor_id)
        )
    })];
    blocks.push(Block::Input {
        block_id: QUESTION_BLOCK,
        label: "What's it about?".to_owned(),
        multiline: true,
        optional: true,
    });
    if !topics.is_empty() {
        blocks.push(Block::context(format!(
            "Their topics: {}",
            escape(&topics.join(", "))
        )));
    }
    Modal {
        title: if open { "Drop in" } else { "Ask for next time" }.to_owned(),
        submit: "Ask".to_owned(),
        callback_id: modals::DROP_IN,
        private_metadata: mentor_id.to_owned(),
        blocks,
    }
}
