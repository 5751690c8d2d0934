//! Who is open now and who is coming up: the answer to `/officehours` and `find`.

use chrono::{DateTime, Utc};

use super::{
    bullet_sections, escape, mention, next_phrase, presence_phrase, topics_suffix, zone_context,
};
use crate::domain::presence::Presence;
use crate::domain::status::{MentorStatus, Viewer};
use crate::views::{Block, Message, MAX_MESSAGE_BLOCKS};

fn open_line(status: &MentorStatus, viewer: &Viewer, now: DateTime<Utc>) -> String {
    format!(
        "• {} is {}{}{}",
        mention(&status.user_id),
        presence_phrase(status, viewer, now),
        topics_suffix(&status.topics),
        crate::views::line::link_suffix(status)
    )
}

fn next_line(status: &MentorStatus, viewer: &Viewer, now: DateTime<Utc>) -> Option<String> {
    next_phrase(status, viewer, now).map(|when| {
        format!(
            "• {} {}{}",
            mention(&status.user_id),
            when,
            topics_suffix(&status.topics)
        )
    })
}

/// How many mentors the answer lists open now, and coming up. Each line carries its own
/// button, so a longer list is a wall to scroll past in a busy channel (and a slower answer);
/// the rest are counted, and `find` narrows them down.
const MAX_OPEN_LISTED: usize = 10;
const MAX_NEXT_LISTED: usize = 5;

/// Open-now first (soonest to close last), then the upcoming windows by start.
fn open_and_next(statuses: &[MentorStatus]) -> (Vec<&MentorStatus>, Vec<&MentorStatus>) {
    let mut open: Vec<&MentorStatus> = statuses.iter().filter(|s| s.is_open()).collect();
    open.sort_by_key(|s| std::cmp::Reverse(until_of(s)));
    let mut next: Vec<&MentorStatus> = statuses
        .iter()
        .filter(|s| !s.is_open() && s.next.is_some())
        .collect();
    next.sort_by_key(|s| s.next.map(|o| o.start));
    (open, next)
}

fn until_of(status: &MentorStatus) -> Option<DateTime<Utc>> {
    match status.presence {
        Presence::OpenScheduled { until } | Presence::OpenManual { until } => Some(until),
        Presence::Closed => None,
    }
}

fn who_is_open(
    title: &str,
    viewer: &Viewer,
    now: DateTime<Utc>,
    statuses: &[MentorStatus],
    empty: &str,
) -> Message {
    let (open, next) = open_and_next(statuses);
    let mut message = Message::new(format!(
        "{title}: {} open now, {} coming up",
        open.len(),
        next.len()
    ));
    message.push(Block::Header(title.to_owned()));
    if open.is_empty() && next.is_empty() {
        message.push(Block::text(empty));
    } else {
        let open_lines: Vec<String> = if open.is_empty() {
            vec!["Nobody right now.".to_owned()]
        } else {
            open.iter()
                .take(MAX_OPEN_LISTED)
                .map(|s| open_line(s, viewer, now))
                .collect()
        };
        if open.is_empty() {
            message
                .blocks
                .extend(bullet_sections("Open now", &open_lines));
        } else {
            message.push(Block::text("*Open now*"));
            for (line, status) in open_lines.into_iter().zip(&open) {
                message.push(crate::views::line::with_drop_in(line, status));
            }
        }
        let next_lines: Vec<(String, &MentorStatus)> = next
            .iter()
            .take(MAX_NEXT_LISTED)
            .filter_map(|s| next_line(s, viewer, now).map(|line| (line, *s)))
            .collect();
        if !next_lines.is_empty() {
            message.push(Block::Divider);
            message.push(Block::text("*Coming up*"));
            for (line, status) in next_lines {
                message.push(crate::views::line::with_drop_in(line, status));
            }
        }
        let hidden =
            open.len().saturating_sub(MAX_OPEN_LISTED) + next.len().saturating_sub(MAX_NEXT_LISTED);
        if hidden > 0 {
            message.push(Block::context(format!(
                "…and {hidden} more. Narrow it down with `/officehours find &lt;topic&gt;`."
            )));
        }
    }
    message.push(zone_context(viewer));
    message.fit(MAX_MESSAGE_BLOCKS)
}

pub fn overview(viewer: &Viewer, now: DateTime<Utc>, statuses: &[MentorStatus]) -> Message {
    who_is_open(
        "Office hours",
        viewer,
        now,
        statuses,
        "Nobody has published office hours yet. Mentors, publish yours with `/officehours add tue,thu 14:00-15:00 career, rust`.",
    )
}

pub fn found(
    viewer: &Viewer,
    now: DateTime<Utc>,
    topic: &str,
    statuses: &[MentorStatus],
) -> Message {
    let title = crate::views::clamp(
        &format!("Mentors for “{topic}”"),
        crate::views::MAX_HEADER_TEXT,
    );
    who_is_open(
        &title,
        viewer,
        now,
        statuses,
        &format!("Nobody lists *{}* as a topic yet. Try a broader word, or `/officehours` to see everyone.", escape(topic)),
    )
}
