//! The Slack status during office hours: planned per occurrence, set at the start with an
//! expiration, restored at the end, and never over a status the person set themselves.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{kinds, Presence};
use crate::config::Secret;
use crate::domain::presence::{
    next_opening, presence as presence_at, ManualState, Presence as State,
};
use crate::domain::window::WeeklyWindow;
use crate::scheduler::Composed;
use crate::slack::api::{SlackError, SlackStatus};
use crate::store::presence::StatusMemory;
use crate::store::reminders::{NewReminder, Reminder};
use crate::store::StoreError;
use crate::views::{Block, Message};

/// Emoji and words people use for being away; such a status means "away", not "busy".
const AWAY_EMOJI: &[&str] = &[
    ":palm_tree:",
    ":face_with_thermometer:",
    ":thermometer:",
    ":airplane:",
    ":beach_with_umbrella:",
    ":desert_island:",
    ":sick:",
    ":mask:",
    ":baby:",
    ":house_with_garden:",
    ":sleeping:",
];
const AWAY_WORDS: &[&str] = &[
    "ooo",
    "out of office",
    "vacation",
    "holiday",
    "holidays",
    "sick",
    "leave",
    "pto",
    "off today",
    "away",
];

pub(super) fn looks_away(status: &SlackStatus) -> bool {
    if AWAY_EMOJI.contains(&status.emoji.as_str()) {
        return true;
    }
    let text = status.text.to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    AWAY_WORDS.iter().any(|phrase| {
        let phrase_words: Vec<&str> = phrase.split(' ').collect();
        words
            .windows(phrase_words.len())
            .any(|w| w == phrase_words.as_slice())
    })
}

/// Errors that mean the token no longer works: mark the connection broken and tell them once.
fn token_gone(err: &SlackError) -> bool {
    matches!(err, SlackError::Api(code) if matches!(code.as_str(), "invalid_auth" | "token_revoked" | "account_inactive" | "token_expired" | "not_authed"))
}

fn key(
    team_id: &str,
    user_id: &str,
    planned: DateTime<Utc>,
    at: DateTime<Utc>,
    what: &str,
) -> String {
    format!(
        "status:{team_id}:{user_id}:{}:{}:{what}",
        planned.timestamp(),
        at.timestamp()
    )
}

/// Cancels what was planned and plans the next change: the occurrence in progress or the next one.
pub(super) async fn plan(p: &Presence, team_id: &str, user_id: &str) -> Result<(), StoreError> {
    let now = p.now();
    p.store
        .cancel_pending(&format!("status:{team_id}:{user_id}:"), "replanned", now)
        .await?;
    if p.store
        .connection(team_id, user_id)
        .await?
        .is_none_or(|c| c.broken)
    {
        return Ok(());
    }
    let mentor = p.store.mentor(team_id, user_id).await?;
    let tz = mentor.person.zone().unwrap_or(Tz::UTC);
    let windows: Vec<WeeklyWindow> = mentor.windows.iter().map(|w| w.window.clone()).collect();
    let away = mentor.person.away_until.filter(|until| *until > now);
    let manual = away
        .map(ManualState::UnavailableUntil)
        .or(mentor.person.manual);
    let mut changes = Vec::new();
    match presence_at(tz, &windows, manual, now) {
        State::OpenScheduled { until } | State::OpenManual { until } => {
            changes.push((kinds::STATUS_START, now, until));
            changes.push((kinds::STATUS_END, until, until));
        }
        State::Closed => {
            // Switched off (or away) while our status shows: take it down now.
            if p.store
                .status_memory(team_id, user_id)
                .await?
                .bot_text
                .is_some()
            {
                changes.push((kinds::STATUS_END, now, now));
            }
            if let Some(next) = next_opening(tz, &windows, manual, now) {
                changes.push((kinds::STATUS_START, next.start, next.end));
                changes.push((kinds::STATUS_END, next.end, next.end));
            }
        }
    }
    for (what, at, end) in changes {
        let reminder = NewReminder {
            team_id: team_id.to_owned(),
            key: key(team_id, user_id, now, at, what),
            kind: what.to_owned(),
            recipients: vec![user_id.to_owned()],
            payload: serde_json::json!({ "end": end.timestamp() }),
            due_at: at,
        };
        p.store.schedule(&reminder, now).await?;
    }
    Ok(())
}

fn status_text(end: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "Office hours until {} — drop by",
        end.with_timezone(&tz).format("%H:%M")
    )
}

pub(super) async fn compose(
    p: &Presence,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> anyhow::Result<Composed> {
    let [user] = reminder.recipients.as_slice() else {
        return Ok(Composed::Cancel("one person per status".into()));
    };
    let team = &reminder.team_id;
    if reminder.kind == kinds::CONNECTION_BROKEN {
        return Ok(Composed::Send(Message {
            fallback: "I can no longer update your Slack status".to_owned(),
            blocks: vec![
                Block::text(":warning: I can no longer update your Slack status: Slack says the connection was revoked or has expired."),
                Block::context("`/officehours connect` sets it up again. Your office hours work as before either way."),
            ],
        }));
    }
    let Some(token) = p.token(team, user).await? else {
        return Ok(Composed::Cancel("not connected".into()));
    };
    let result = if reminder.kind == kinds::STATUS_START {
        start(p, team, user, &token, reminder, now).await
    } else {
        restore(p, team, user, &token)
            .await
            .map(|()| Composed::Done)
    };
    match result {
        Ok(composed) => Ok(composed),
        Err(err) if token_gone(&err) => {
            if p.store.mark_connection_broken(team, user, now).await? {
                let notice = NewReminder {
                    team_id: team.clone(),
                    key: format!("connection-broken:{team}:{user}:{}", now.timestamp()),
                    kind: kinds::CONNECTION_BROKEN.to_owned(),
                    recipients: vec![user.clone()],
                    payload: serde_json::json!({}),
                    due_at: now,
                };
                p.store.schedule(&notice, now).await?;
            }
            Ok(Composed::Cancel(format!("token no longer works: {err}")))
        }
        Err(err) => Err(err.into()),
    }
}

async fn start(
    p: &Presence,
    team: &str,
    user: &str,
    token: &Secret,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Composed, SlackError> {
    let store_err = |e: StoreError| SlackError::Transport(e.to_string());
    let person = p.store.person(team, user).await.map_err(store_err)?;
    if person
        .as_ref()
        .and_then(|p| p.away_until)
        .is_some_and(|until| until > now)
    {
        return Ok(Composed::Cancel("away".into()));
    }
    let end = reminder.payload["end"]
        .as_i64()
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .unwrap_or(now);
    if end <= now {
        return Ok(Composed::Cancel("the window is already over".into()));
    }
    let tz = person.and_then(|p| p.zone()).unwrap_or(Tz::UTC);
    let mut memory = p.store.status_memory(team, user).await.map_err(store_err)?;
    let current = p.slack.current_status(token).await?;
    let ours = memory
        .bot_text
        .as_deref()
        .is_some_and(|text| !text.is_empty() && text == current.text);
    if !ours && !current.is_empty() {
        if looks_away(&current) {
            // Their own status says they are away: treat them as away until it ends.
            let until = DateTime::from_timestamp(current.expiration, 0)
                .filter(|t| current.expiration > 0 && *t > now)
                .unwrap_or(end);
            p.store
                .set_away(team, user, Some(until), now)
                .await
                .map_err(store_err)?;
            return Ok(Composed::Cancel("the person's own status says away".into()));
        }
        memory.saved_text = Some(current.text.clone());
        memory.saved_emoji = Some(current.emoji.clone());
        memory.saved_expiration = Some(current.expiration);
    }
    let status = SlackStatus {
        text: status_text(end, tz),
        emoji: p.settings.status_emoji.clone(),
        expiration: end.timestamp(),
    };
    p.slack.set_status(token, &status).await?;
    memory.bot_text = Some(status.text);
    p.store
        .set_status_memory(team, user, &memory)
        .await
        .map_err(store_err)?;
    Ok(Composed::Done)
}

/// Puts back what the person had, if the status is still the one the bot set.
pub(super) async fn restore(
    p: &Presence,
    team: &str,
    user: &str,
    token: &Secret,
) -> Result<(), SlackError> {
    let store_err = |e: StoreError| SlackError::Transport(e.to_string());
    let memory = p.store.status_memory(team, user).await.map_err(store_err)?;
    let Some(bot_text) = memory.bot_text.clone().filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    let current = p.slack.current_status(token).await?;
    if current.text == bot_text {
        let now = p.now().timestamp();
        let saved = SlackStatus {
            text: memory.saved_text.clone().unwrap_or_default(),
            emoji: memory.saved_emoji.clone().unwrap_or_default(),
            expiration: memory.saved_expiration.unwrap_or(0),
        };
        // A saved status that has expired meanwhile is not brought back.
        let back = if saved.expiration == 0 || saved.expiration > now {
            saved
        } else {
            SlackStatus::default()
        };
        p.slack.set_status(token, &back).await?;
    }
    // Changed by the person meanwhile: theirs wins, and there is nothing to restore later.
    p.store
        .set_status_memory(team, user, &StatusMemory::default())
        .await
        .map_err(store_err)?;
    Ok(())
}

/// After a status change went out, plan the next one.
pub(super) async fn settled(p: &Presence, reminder: &Reminder) -> Result<(), StoreError> {
    if reminder.kind == kinds::STATUS_END {
        if let [user] = reminder.recipients.as_slice() {
            plan(p, &reminder.team_id, user).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(text: &str, emoji: &str) -> SlackStatus {
        SlackStatus {
            text: text.into(),
            emoji: emoji.into(),
            expiration: 0,
        }
    }

    #[test]
    fn away_statuses_are_recognised_and_busy_ones_are_not() {
        assert!(looks_away(&status("Vacationing", ":palm_tree:")));
        assert!(looks_away(&status("OOO until Monday", ":calendar:")));
        assert!(looks_away(&status("Out of office", "")));
        assert!(looks_away(&status("off sick", ":pill:")));
        assert!(!looks_away(&status("In a meeting", ":calendar:")));
        assert!(!looks_away(&status("Focus time: booo", ":headphones:")));
        assert!(!looks_away(&status("", "")));
    }
}
