//! The App Home tab: my line with its buttons, my windows with remove buttons, an "Available now"
//! toggle, and who is open now.

use chrono::{DateTime, Utc};

use super::replies::overview;
use super::{actions, Block, Button, ButtonStyle, Message, MAX_VIEW_BLOCKS};
use crate::domain::cadence::DeclinedOneOnOne;
use crate::domain::presence::Presence;
use crate::domain::status::{MentorStatus, Viewer};
use crate::domain::zone::short_label;
use crate::views::format::instant_label;

pub fn home(
    viewer: &Viewer,
    now: DateTime<Utc>,
    me: &MentorStatus,
    everyone: &[MentorStatus],
    declined: &[DeclinedOneOnOne],
    my_line: Option<Message>,
) -> Message {
    let mut message = Message::new("Office hours");
    message.push(Block::Header("Your office hours".to_owned()));
    message.push(my_state(me, viewer, now));
    // The line in order with its Next, Done and Not today buttons (a press redraws this tab).
    if let Some(line) = my_line {
        message.blocks.extend(line.blocks);
        message.push(Block::Divider);
    }
    message.blocks.extend(my_windows(me));
    message.push(Block::context(
        "Add a window with `/officehours add tue,thu 14:00-15:00 career, rust`.",
    ));
    message.push(Block::Divider);
    if !declined.is_empty() {
        message.blocks.extend(declined_one_on_ones(declined));
        message.push(Block::Divider);
    }

    let others: Vec<MentorStatus> = everyone
        .iter()
        .filter(|s| s.user_id != me.user_id)
        .cloned()
        .collect();
    // The overview already knows how to say who is open and who is next; reuse it without its header.
    let team = overview(viewer, now, &others);
    message
        .blocks
        .extend(team.blocks.into_iter().map(|block| match block {
            Block::Header(_) => Block::text("*Who's around*"),
            other => other,
        }));
    message.fit(MAX_VIEW_BLOCKS)
}

/// Whether I'm open now, with the button that flips it.
fn my_state(me: &MentorStatus, viewer: &Viewer, now: DateTime<Utc>) -> Block {
    let (state, toggle) = match me.presence {
        Presence::OpenManual { until } => (
            format!(
                ":large_green_circle: You're *available now*, until {}.",
                instant_label(until, me.tz, viewer, now)
            ),
            toggle_button("Stop being available", "off", ButtonStyle::Default),
        ),
        Presence::OpenScheduled { until } => (
            format!(
                ":large_green_circle: You're *in office hours now*, until {}.",
                instant_label(until, me.tz, viewer, now)
            ),
            toggle_button("Not now", "off", ButtonStyle::Default),
        ),
        Presence::Closed => (
            ":white_circle: You're not in office hours right now.".to_owned(),
            toggle_button("Available now", "on", ButtonStyle::Primary),
        ),
    };
    Block::Section {
        text: state,
        fields: Vec::new(),
        button: Some(toggle),
    }
}

/// My weekly windows, numbered as `list` numbers them, each with a remove button.
fn my_windows(me: &MentorStatus) -> Vec<Block> {
    if me.windows.is_empty() {
        return vec![Block::text("You have no weekly windows yet.")];
    }
    let mut blocks = vec![Block::text("*Weekly windows*")];
    for (i, w) in me.windows.iter().enumerate() {
        blocks.push(super::replies::window_row(&format!("{}.", i + 1), w, me.tz));
    }
    blocks
}

/// 1:1s I declined, each with the button that accepts it after all.
fn declined_one_on_ones(declined: &[DeclinedOneOnOne]) -> Vec<Block> {
    let mut blocks = vec![Block::text("*1:1s you declined*")];
    for d in declined {
        blocks.push(Block::Section {
            text: format!(
                "<@{}>: {}, their time ({})",
                d.manager_id,
                d.cadence.label(),
                short_label(d.manager_tz)
            ),
            fields: Vec::new(),
            button: Some(Button {
                text: "Accept".to_owned(),
                action_id: actions::ONE_ON_ONE_ACCEPT,
                value: d.cadence_id.to_string(),
                style: ButtonStyle::Primary,
            }),
        });
    }
    blocks
}

fn toggle_button(text: &str, value: &str, style: ButtonStyle) -> Button {
    Button {
        text: text.to_owned(),
        action_id: actions::SET_AVAILABLE,
        value: value.to_owned(),
        style,
    }
}
