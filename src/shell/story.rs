//! What happened while the pretend clock moved: the clock stops at each instant something was due
//! (a reminder, a window opening or closing), so every line is stamped with its exact minute.

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use super::outbox::StatusShown;
use super::Session;
use crate::domain::presence::Presence;
use crate::domain::status::MentorStatus;

/// Past this many stops one `:advance` says it stopped short rather than run on.
const MAX_STOPS: usize = 5_000;

/// Who was open, until when, as last seen.
pub(super) type Seen = HashMap<String, Presence>;

pub(super) fn stamp(at: DateTime<Utc>) -> String {
    at.format("%a %Y-%m-%d %H:%M UTC").to_string()
}

impl Session {
    /// Moves the clock to `target`, telling each thing that happens on the way, in order.
    pub(super) async fn advance_to(&mut self, target: DateTime<Utc>) -> anyhow::Result<String> {
        let mut told = String::new();
        let mut seen = self.presences().await?;
        for _ in 0..MAX_STOPS {
            let now = self.clock.now();
            let statuses = self.core.statuses_now(&self.actor.team_id).await?;
            let due = if self.pretend {
                self.core.next_due_at().await?
            } else {
                None
            };
            let stop = due
                .into_iter()
                .chain(statuses.iter().filter_map(next_change))
                .filter(|at| *at > now && *at <= target)
                .min();
            let Some(at) = stop else {
                self.clock.set(target);
                told.push_str(&self.happened(&mut seen).await?);
                return Ok(told);
            };
            self.clock.set(at);
            told.push_str(&self.happened(&mut seen).await?);
        }
        told.push_str(&format!(
            "(stopped after {MAX_STOPS} events; :advance again to go on)\n"
        ));
        Ok(told)
    }

    /// Everyone's presence now, to compare with after the clock moves.
    pub(super) async fn presences(&self) -> anyhow::Result<Seen> {
        let statuses = self.core.statuses_now(&self.actor.team_id).await?;
        Ok(statuses
            .iter()
            .map(|s| (s.user_id.clone(), s.presence))
            .collect())
    }

    /// Windows that opened or closed since `seen`, then the messages due now, stamped now.
    async fn happened(&mut self, seen: &mut Seen) -> anyhow::Result<String> {
        let now = self.clock.now();
        let mut told = String::new();
        let statuses = self.core.statuses_now(&self.actor.team_id).await?;
        for status in statuses.iter() {
            let before = seen
                .insert(status.user_id.clone(), status.presence)
                .unwrap_or(Presence::Closed);
            if let Some(line) = change_line(status, before) {
                told.push_str(&format!("⏰ {} · {line}\n", stamp(now)));
            }
        }
        told.push_str(&self.deliver().await?);
        Ok(told)
    }
}

/// A status set (by the bot, or by the person with `:status`), as a hover in Slack shows it.
pub(super) fn status_line(shown: &StatusShown, now: DateTime<Utc>) -> String {
    let status = &shown.status;
    let what = if status.is_empty() {
        "cleared".to_owned()
    } else {
        format!("{} {}", status.emoji, status.text)
            .trim()
            .to_owned()
    };
    let expires = DateTime::from_timestamp(status.expiration, 0)
        .filter(|_| status.expiration > 0 && !status.is_empty())
        .map(|at| format!(" (Slack clears it at {})", stamp(at)))
        .unwrap_or_default();
    format!(
        "🪧 {} · @{}'s Slack status: {what}{expires}\n",
        stamp(now),
        shown.user
    )
}

/// When this mentor's state next changes by itself: the end of what is open, else the next start.
fn next_change(status: &MentorStatus) -> Option<DateTime<Utc>> {
    match status.presence.until() {
        Some(until) => Some(until),
        None => status.next.map(|o| o.start),
    }
}

fn change_line(status: &MentorStatus, before: Presence) -> Option<String> {
    let who = &status.user_id;
    let local = |at: DateTime<Utc>| at.with_timezone(&status.tz).format("%H:%M").to_string();
    let topics = if status.topics.is_empty() {
        String::new()
    } else {
        format!(" ({})", status.topics.join(", "))
    };
    match (before.is_open(), status.presence) {
        (false, Presence::OpenScheduled { until }) => Some(format!(
            "@{who}'s office hours opened, until {} {}{topics}",
            local(until),
            status.tz.name()
        )),
        (false, Presence::OpenManual { until }) => Some(format!(
            "@{who} is available, until {} {}",
            local(until),
            status.tz.name()
        )),
        (true, Presence::Closed) => Some(format!("@{who}'s office hours closed")),
        _ => None,
    }
}
