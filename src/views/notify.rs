//! What "tell me when" says: the answers to `notify`, `notify list` and `notify off`, and the DM
//! when someone watched opens, with a **Drop in** button beside each mentor who is open.

use chrono::{DateTime, Utc};

use super::format::{escape, instant_label};
use super::replies::{simple, with_hint};
use super::{
    actions, clamp, Block, Button, ButtonStyle, Message, MAX_BUTTON_TEXT, MAX_MESSAGE_BLOCKS,
};
use crate::domain::notify::{OpenNow, Target, MAX_SUBSCRIPTIONS};
use crate::domain::status::Viewer;
use crate::domain::worktime::WorkTime;

/// "@ana", or "a mentor with a window on *rust*".
fn watched(target: &Target) -> String {
    match target {
        Target::Person(id) => format!("<@{id}>"),
        Target::Topic(topic) => format!("a mentor with a window on *{}*", escape(topic)),
    }
}

/// How the subscription is turned off, as typed.
fn off_form(target: &Target) -> String {
    match target {
        Target::Person(id) => format!("`/officehours notify off` <@{id}>"),
        Target::Topic(topic) => format!("`/officehours notify off {}`", escape(topic)),
    }
}

/// "between 08:00 and 20:00 your time (weekdays)".
fn when(work: &WorkTime) -> String {
    format!(
        "between {} and {} your time ({})",
        work.hours.start,
        work.hours.end,
        work.days.label().to_lowercase()
    )
}

/// The answer to a new subscription: what was saved and when they would hear. `open_now` are
/// those watched who are open at this moment (that stretch is not announced); `has_hours` says
/// whether anyone watched has a window at all.
pub fn subscribed(
    target: &Target,
    work: &WorkTime,
    open_now: &[OpenNow],
    viewer: &Viewer,
    now: DateTime<Utc>,
    has_hours: bool,
) -> Message {
    let mut message = with_hint(
        format!(
            ":bell: Saved. I'll DM you when {} opens, {}, at most once a day.",
            watched(target),
            when(work)
        ),
        &format!(
            "`/officehours notify list` shows what you asked for; {} stops this one.",
            off_form(target)
        ),
    );
    if let Some(first) = open_now.first() {
        let who: Vec<String> = open_now
            .iter()
            .map(|o| format!("<@{}>", o.user_id))
            .collect();
        message.blocks.insert(
            1,
            Block::text(format!(
                "{} open right now (until {}), so I'll tell you from the next time on.",
                who.join(", ") + if open_now.len() == 1 { " is" } else { " are" },
                instant_label(first.until, first.tz, viewer, now)
            )),
        );
    } else if !has_hours {
        let nobody = match target {
            Target::Person(id) => format!("<@{id}> has no office hours yet"),
            Target::Topic(_) => "No mentor has a window on it yet".to_owned(),
        };
        message.blocks.insert(
            1,
            Block::text(format!("{nobody}: I'll tell you once there are some, or when \"available now\" is turned on.")),
        );
    }
    message
}

pub fn already(target: &Target) -> Message {
    with_hint(
        format!(
            ":bell: You're already told when {} opens. Nothing changed.",
            watched(target)
        ),
        "`/officehours notify list` shows everything you asked for.",
    )
}

pub fn full(held: usize) -> Message {
    with_hint(
        format!(":raised_hand: You already have {held} notify subscriptions, the most there can be ({MAX_SUBSCRIPTIONS}). Nothing was saved."),
        "`/officehours notify list` shows them; `/officehours notify off @user` or `notify off &lt;topic&gt;` makes room.",
    )
}

pub fn not_yourself() -> Message {
    with_hint(
        ":raised_hand: That's you: you'll know when you open. Nothing was saved.",
        "Try someone else, like `/officehours notify @ada`, or a topic: `/officehours notify rust`.",
    )
}

pub fn unknown_person(label: &str) -> Message {
    with_hint(
        format!(
            ":thinking_face: I don't know {} yet. Nothing was saved.",
            escape(label)
        ),
        "Mention them with @ so Slack fills in who they are, like `/officehours notify @ada`.",
    )
}

/// A topic nobody has a window on: most likely a typo, so it is said, with the topics there are.
pub fn no_such_topic(topic: &str, known: &[String]) -> Message {
    let hint = if known.is_empty() {
        "Nobody has published a window with a topic yet.".to_owned()
    } else {
        format!("Topics with windows now: {}.", escape(&known.join(", ")))
    };
    with_hint(
        format!(
            ":mag: No mentor has a window on *{}*, so there is nothing to tell you about. Nothing was saved.",
            escape(topic)
        ),
        &hint,
    )
}

pub fn list(targets: &[Target], work: &WorkTime) -> Message {
    if targets.is_empty() {
        return with_hint(
            "You haven't asked to be told when anyone opens.",
            "`/officehours notify @ada` or `/officehours notify rust`: a DM when they open.",
        );
    }
    let lines: Vec<String> = targets
        .iter()
        .map(|t| format!("• {}", watched(t)))
        .collect();
    let mut message = Message::new(format!("You'll hear when {} open", targets.len()));
    message.push(Block::text(format!(
        "I'll DM you when one of these opens, {}, at most once a day each:\n{}",
        when(work),
        lines.join("\n")
    )));
    message.push(Block::context(
        "`/officehours notify off @user`, `notify off &lt;topic&gt;` or `notify off all` stops them.",
    ));
    message
}

pub fn turned_off(target: Option<&Target>, gone: usize) -> Message {
    match (target, gone) {
        (Some(target), 0) => with_hint(
            format!(
                "You weren't being told when {} opens; nothing changed.",
                watched(target)
            ),
            "`/officehours notify list` shows what you asked for.",
        ),
        (Some(target), _) => simple(format!(
            ":white_check_mark: Done: I won't DM you when {} opens any more.",
            watched(target)
        )),
        (None, 0) => simple("You had no notify subscriptions; nothing changed."),
        (None, n) => simple(format!(
            ":white_check_mark: Done: I stopped all {n} of your notify subscriptions."
        )),
    }
}

/// The DM: who of those watched is open now, each with a **Drop in** button.
pub fn opened(target: &Target, open: &[OpenNow], viewer: &Viewer, now: DateTime<Utc>) -> Message {
    let names: Vec<String> = open.iter().map(|o| format!("<@{}>", o.user_id)).collect();
    let fallback = match target {
        Target::Person(_) => format!("{} is open for office hours now", names.join(", ")),
        Target::Topic(topic) => format!("Open now for {}: {}", topic, names.join(", ")),
    };
    let mut message = Message::new(fallback);
    message.push(Block::text(match target {
        Target::Person(id) => format!(":bell: <@{id}> just opened office hours."),
        Target::Topic(topic) => format!(":bell: Office hours on *{}* are open now.", escape(topic)),
    }));
    for o in open {
        let topics = if o.topics.is_empty() {
            String::new()
        } else {
            format!(" — _{}_", escape(&o.topics.join(", ")))
        };
        message.push(Block::Section {
            text: format!(
                "<@{}> is open until {}{topics}",
                o.user_id,
                instant_label(o.until, o.tz, viewer, now)
            ),
            fields: Vec::new(),
            button: Some(Button {
                text: clamp("Drop in", MAX_BUTTON_TEXT),
                action_id: actions::DROP_IN,
                value: o.user_id.clone(),
                style: ButtonStyle::Primary,
            }),
        });
    }
    message.push(Block::context(format!(
        "You asked to hear when {} opens; at most once a day. {} stops it.",
        watched(target),
        off_form(target)
    )));
    message.fit(MAX_MESSAGE_BLOCKS)
}
