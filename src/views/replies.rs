//! The answer to each command, built from plain data; no I/O here.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::format::{away_label, escape, instant_label, OccurrenceLabel};
use super::{actions, Block, Button, ButtonStyle, Message, MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT};
use crate::domain::presence::Presence;
use crate::domain::status::{MentorStatus, Viewer, ZoneSource};
use crate::domain::tzmath::Occurrence;
use crate::domain::window::{PublishedWindow, WeeklyWindow};
use crate::domain::zone::short_label;

#[path = "replies_words.rs"]
mod words;
pub use words::{counted, parse_error};

#[path = "replies_open.rs"]
mod open;
pub use open::{found, overview};

fn mention(user_id: &str) -> String {
    format!("<@{user_id}>")
}

fn topics_suffix(topics: &[String]) -> String {
    if topics.is_empty() {
        String::new()
    } else {
        format!(" — _{}_", escape(&topics.join(", ")))
    }
}

/// One numbered window with its Remove button, as `list` and the Home tab show it.
pub(super) fn window_row(number: &str, w: &PublishedWindow, tz: Tz) -> Block {
    Block::Section {
        text: format!(
            "{number} {} {}{}",
            w.window.label(),
            short_label(tz),
            topics_suffix(&w.topics)
        ),
        fields: Vec::new(),
        button: Some(Button {
            text: "Remove".to_owned(),
            action_id: actions::REMOVE_WINDOW,
            value: w.id.to_string(),
            style: ButtonStyle::Danger,
        }),
    }
}

fn presence_phrase(status: &MentorStatus, viewer: &Viewer, now: DateTime<Utc>) -> String {
    match status.presence {
        Presence::OpenScheduled { until } => {
            format!(
                "in office hours now, until {}",
                instant_label(until, status.tz, viewer, now)
            )
        }
        Presence::OpenManual { until } => {
            format!(
                "available now, until {}",
                instant_label(until, status.tz, viewer, now)
            )
        }
        Presence::Closed => match status.away_until {
            Some(until) => format!("away until {}", away_label(until, status.tz, now)),
            None => "not in office hours right now".to_owned(),
        },
    }
}

fn next_phrase(status: &MentorStatus, viewer: &Viewer, now: DateTime<Utc>) -> Option<String> {
    status.next.map(|occurrence| {
        OccurrenceLabel {
            occurrence,
            owner: status.tz,
            viewer,
            now,
        }
        .to_string()
    })
}

fn zone_context(viewer: &Viewer) -> Block {
    let zone = match viewer.zone_source {
        ZoneSource::Unknown => "Times for you are in UTC until I know your zone: set it with `/officehours tz Europe/Berlin`.".to_owned(),
        ZoneSource::Chosen => format!("Your times are in {} (you chose it).", viewer.tz.name()),
        ZoneSource::SlackProfile => format!("Your times are in {} (from your Slack profile).", viewer.tz.name()),
    };
    Block::Context(vec![
        zone,
        "`/officehours help` lists every command.".to_owned(),
    ])
}

/// Groups bullet lines into sections that each stay under Slack's 3,000 characters.
fn bullet_sections(title: &str, lines: &[String]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current = format!("*{title}*");
    // Counted as it grows: recounting the section for every line made long lists quadratic.
    let mut current_chars = current.chars().count();
    for line in lines {
        let line = super::clamp(line, MAX_SECTION_TEXT - 100);
        let line_chars = line.chars().count();
        if current_chars + line_chars + 1 > MAX_SECTION_TEXT {
            blocks.push(Block::text(std::mem::take(&mut current)));
            current_chars = 0;
        }
        if !current.is_empty() {
            current.push('\n');
            current_chars += 1;
        }
        current.push_str(&line);
        current_chars += line_chars;
    }
    if !current.is_empty() {
        blocks.push(Block::text(current));
    }
    blocks
}

fn window_lines(status: &MentorStatus) -> Vec<String> {
    status
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            format!(
                "{}. {} {}{}",
                i + 1,
                w.window.label(),
                short_label(status.tz),
                topics_suffix(&w.topics)
            )
        })
        .collect()
}

pub fn lookup(viewer: &Viewer, now: DateTime<Utc>, status: &MentorStatus) -> Message {
    let mut message = Message::new(format!("Office hours of <@{}>", status.user_id));
    message.push(Block::Header("Office hours".to_owned()));
    if status.windows.is_empty() && !status.is_open() {
        message.push(Block::text(format!(
            "{} hasn't published any office hours.",
            mention(&status.user_id)
        )));
        message.push(zone_context(viewer));
        return message;
    }
    let next = next_phrase(status, viewer, now).unwrap_or_else(|| "none scheduled".to_owned());
    message.push(Block::Section {
        text: format!(
            "{} is {}.{}",
            mention(&status.user_id),
            presence_phrase(status, viewer, now),
            super::line::link_suffix(status)
        ),
        fields: vec![
            format!("*Next window*\n{next}"),
            format!("*Their time zone*\n{}", status.tz.name()),
        ],
        button: Some(super::line::drop_in_button(status)),
    });
    if !status.windows.is_empty() {
        message
            .blocks
            .extend(bullet_sections("Weekly windows", &window_lines(status)));
    }
    message.push(zone_context(viewer));
    message.fit(MAX_MESSAGE_BLOCKS)
}

pub fn list(viewer: &Viewer, now: DateTime<Utc>, status: &MentorStatus) -> Message {
    let mut message = Message::new(format!(
        "You have {}",
        counted(
            status.windows.len(),
            "office-hours window",
            "office-hours windows"
        )
    ));
    message.push(Block::Header("Your office hours".to_owned()));
    if status.windows.is_empty() {
        message.push(Block::text(
            "You have no weekly windows yet. Add one with `/officehours add tue,thu 14:00-15:00 career, rust`.",
        ));
    } else {
        for (i, w) in status.windows.iter().enumerate() {
            message.push(window_row(&format!("*{}.*", i + 1), w, status.tz));
        }
    }
    message.push(Block::context(format!(
        "You are {}. Windows are in your zone, {}. Remove one with `/officehours remove &lt;n&gt;`.",
        presence_phrase(status, viewer, now),
        status.tz.name()
    )));
    message.fit(MAX_MESSAGE_BLOCKS)
}

pub fn added(
    viewer: &Viewer,
    now: DateTime<Utc>,
    window: &PublishedWindow,
    number: usize,
    next: Option<Occurrence>,
) -> Message {
    let label = format!("{} {}", window.window.label(), short_label(viewer.tz));
    let mut message = Message::new(format!("Added office hours: {label}"));
    message.push(Block::text(format!(
        ":white_check_mark: Added window *{number}*: *{label}*{}",
        topics_suffix(&window.topics)
    )));
    if let Some(occurrence) = next {
        message.push(Block::context(format!(
            "Next: {}. People see it in their own time zone.",
            OccurrenceLabel {
                occurrence,
                owner: viewer.tz,
                viewer,
                now,
            }
        )));
    }
    if viewer.zone_source == ZoneSource::Unknown {
        message.push(Block::context(
            "I don't know your time zone yet, so this is UTC for now. Set yours with `/officehours tz Europe/Berlin`.",
        ));
    }
    message
}

pub fn conflict(new: &WeeklyWindow, existing: &PublishedWindow, number: usize) -> Message {
    Message {
        fallback: "That window overlaps one you already have".to_owned(),
        blocks: vec![
            Block::text(format!(
                ":warning: *{}* overlaps your window *{number}* (*{}*), so I didn't add it.",
                new.label(),
                existing.window.label()
            )),
            Block::context(format!(
                "Pick a time that doesn't overlap, or replace it: `/officehours remove {number}` then add the new one."
            )),
        ],
    }
}

pub fn too_many_windows(limit: usize) -> Message {
    with_hint(
        format!(":warning: You already have {limit} windows, the most one person can have, so I didn't add this one."),
        "See them with `/officehours list`; `/officehours remove &lt;n&gt;` makes room.",
    )
}

pub fn removed(window: &PublishedWindow, number: usize) -> Message {
    simple(format!(
        ":wastebasket: Removed window {number}: *{}*.",
        window.window.label()
    ))
}

pub fn removed_all(count: u64) -> Message {
    match count {
        0 => simple("You had no windows to remove."),
        1 => simple(":wastebasket: Removed your only window."),
        n => simple(format!(":wastebasket: Removed all {n} of your windows.")),
    }
}

pub fn no_such_window(number: usize, count: usize) -> Message {
    let have = match count {
        0 => "You have no windows.".to_owned(),
        1 => "You have 1 window.".to_owned(),
        n => format!("You have {n} windows, numbered 1 to {n}."),
    };
    with_hint(
        format!("There is no window *{number}*. {have}"),
        "See them with `/officehours list`, then `/officehours remove &lt;n&gt;` or `/officehours remove all`.",
    )
}

pub fn available(viewer: &Viewer, now: DateTime<Utc>, until: DateTime<Utc>) -> Message {
    with_hint(
        format!(
            ":large_green_circle: You're available now, until {}.",
            instant_label(until, viewer.tz, viewer, now)
        ),
        "`/officehours off` ends it early. Afterwards your weekly windows apply again.",
    )
}

/// `on` from someone who is away: nothing changes until they end their time away.
pub fn still_away(tz: Tz, until: DateTime<Utc>, now: DateTime<Utc>) -> Message {
    with_hint(
        format!(
            ":palm_tree: You're away until {}, so nobody sees you as open, and I haven't switched you on.",
            away_label(until, tz, now)
        ),
        "`/officehours away off` ends your time away; then `/officehours on`.",
    )
}

pub fn unavailable(viewer: &Viewer, now: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Message {
    match until {
        Some(until) => with_hint(
            format!(
                ":white_circle: You're off for the rest of this window, until {}.",
                instant_label(until, viewer.tz, viewer, now)
            ),
            "Your next weekly window applies as usual. `/officehours on` makes you available again.",
        ),
        None => with_hint(
            ":white_circle: You're not available now.",
            "Your weekly windows still apply. `/officehours on` makes you available again.",
        ),
    }
}

pub fn zone_set(tz: Tz, now: DateTime<Utc>) -> Message {
    let mut message = with_hint(
        format!(
            ":globe_with_meridians: Your time zone is now *{}* (it's {} there).",
            tz.name(),
            now.with_timezone(&tz).format("%a %H:%M")
        ),
        "Your windows follow your zone. `/officehours tz auto` goes back to your Slack profile's zone.",
    );
    if let Some(note) = super::zones::not_a_place(tz, now) {
        message.blocks.insert(1, Block::text(note));
    }
    message
}

pub fn zone_auto(profile: Option<Tz>) -> Message {
    match profile {
        Some(tz) => simple(format!(
            ":globe_with_meridians: Back to your Slack profile's zone, *{}*.",
            tz.name()
        )),
        None => simple(
            ":globe_with_meridians: Back to your Slack profile's zone; I'll pick it up from Slack.",
        ),
    }
}

pub fn unknown_person(label: &str) -> Message {
    with_hint(
        format!("I don't know anyone called *{}* here.", escape(label)),
        "Mention them so Slack fills in the name: `/officehours @ana`.",
    )
}

/// `usage`: each form with what it does, as the grammar lists them.
pub fn help(usage: &[(&str, &str)]) -> Message {
    let lines: Vec<String> = usage
        .iter()
        .map(|(form, what)| format!("`{}`  {}", escape(form), escape(what)))
        .collect();
    let mut message = Message::new("Office hours: commands");
    message.push(Block::Header("Office hours: commands".to_owned()));
    message
        .blocks
        .extend(bullet_sections("What you can type", &lines));
    message.push(Block::context(
        "Days: mon,tue,… | mon-fri | weekdays | weekends | daily. Times: 14:00, 2pm, 9:30am. A window may cross midnight (22:00-01:00).",
    ));
    message
}

/// Input the grammar refused: what was wrong, the right form, an example.
pub fn export_on_its_way() -> Message {
    with_hint(
        ":package: I'm sending you a JSON file with everything I keep about you, in a DM from me.",
        "`/officehours forget me` deletes it all.",
    )
}

pub fn forget_me_confirm() -> Message {
    Message {
        fallback: "Delete everything officehours keeps about you?".to_owned(),
        blocks: vec![
            Block::text(
                ":wastebasket: This deletes everything I keep about you: your office hours, your time zone, \
                 1:1s and advancement reviews you're part of, debriefs you organised, your conferences and \
                 reminders to you. Feedback you wrote for others' debriefs stays, without your name.",
            ),
            Block::Actions(vec![Button {
                text: "Delete everything".to_owned(),
                action_id: actions::FORGET_ME,
                value: "me".to_owned(),
                style: ButtonStyle::Danger,
            }]),
            Block::context("Want a copy first? `/officehours export`."),
        ],
    }
}

pub fn forgotten(gone: &crate::domain::privacy::Forgotten) -> Message {
    let n = |count: u64, one: &str, many: &str| {
        counted(usize::try_from(count).unwrap_or(usize::MAX), one, many)
    };
    with_hint(
        format!(
            ":white_check_mark: Done. I deleted {}, {}, {}, {}, {} and {}, and anonymised {}.",
            n(gone.windows, "office-hours window", "office-hours windows"),
            n(gone.cadences, "1:1 schedule", "1:1 schedules"),
            n(gone.reviews, "review", "reviews"),
            n(gone.debriefs, "debrief", "debriefs"),
            n(
                gone.conferences,
                "conference registration",
                "conference registrations"
            ),
            n(
                gone.subscriptions,
                "notify subscription",
                "notify subscriptions"
            ),
            n(
                gone.feedback_anonymised,
                "piece of feedback",
                "pieces of feedback"
            ),
        ),
        "If you use the bot again, it starts from scratch.",
    )
}

pub fn hints_mine(on: bool) -> Message {
    simple(if on {
        ":speech_balloon: When someone mentions you in a channel I'm in, they'll see a hint about your office hours."
    } else {
        ":mute: No more hints about your office hours when someone mentions you."
    })
}

pub fn hints_channel(on: bool) -> Message {
    simple(if on {
        ":speech_balloon: Mention hints are on in this channel."
    } else {
        ":mute: No mention hints in this channel any more. `/officehours hints on` brings them back."
    })
}

pub fn hints_need_a_channel() -> Message {
    with_hint(
        "Run this in the channel it's about.",
        "`/officehours hints off me` turns off hints about you everywhere.",
    )
}

pub fn internal_error() -> Message {
    with_hint(
        ":warning: Something went wrong on my side and nothing was changed.",
        "Please try again in a minute. If it keeps happening, tell whoever runs this bot.",
    )
}

/// One line of text.
pub fn simple(text: impl Into<String>) -> Message {
    let text = text.into();
    Message {
        fallback: text.clone(),
        blocks: vec![Block::text(text)],
    }
}

/// A line of text and a smaller hint under it.
pub fn with_hint(text: impl Into<String>, hint: &str) -> Message {
    let text = text.into();
    Message {
        fallback: text.clone(),
        blocks: vec![Block::text(text), Block::context(hint)],
    }
}

#[cfg(test)]
#[path = "replies_tests.rs"]
mod tests;
