//! The Slack status during office hours: planned per occurrence, set at the start with an
//! expiration, restored at the end, and never over a status the person set themselves.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{kinds, PresenceService, StoredToken};
use crate::domain::presence::{next_opening, presence as presence_at, ManualState, Presence};
use crate::domain::slack_status::{SlackStatus, StatusMemory, StatusRule};
use crate::domain::window::WeeklyWindow;
use crate::ports::slack::SlackError;
use crate::scheduler::{Composed, StatusChange};
use crate::secret::Secret;
use crate::store::reminders::{NewReminder, Reminder};
use crate::store::StoreError;
use crate::views::{Block, Message};

/// Makes the planned status changes what the person's state asks for now: the opening in progress
/// or the next one. Each change is keyed by the opening it is for (its end), never by when it was
/// planned, so planning again (a second command in the same second, another replica) keeps,
/// moves or revives the same rows instead of losing them.
pub(super) async fn plan(
    p: &PresenceService,
    team_id: &str,
    user_id: &str,
) -> Result<(), StoreError> {
    let now = p.now();
    let connected = p
        .store
        .connection(team_id, user_id)
        .await?
        .is_some_and(|c| !c.broken);
    let wanted = if connected {
        wanted_changes(p, team_id, user_id, now).await?
    } else {
        Vec::new()
    };
    let prefix = format!("status:{team_id}:{user_id}:");
    p.store
        .reconcile(&prefix, &wanted, "replanned", now)
        .await?;
    Ok(())
}

/// The status changes the person's windows, manual state and away call for, from `now`.
async fn wanted_changes(
    p: &PresenceService,
    team_id: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<NewReminder>, StoreError> {
    let mentor = p.store.mentor(team_id, user_id).await?;
    let tz = mentor.person.zone().unwrap_or(Tz::UTC);
    let windows: Vec<WeeklyWindow> = mentor.windows.iter().map(|w| w.window.clone()).collect();
    let away = mentor.person.away_until.filter(|until| *until > now);
    let manual = away
        .map(ManualState::UnavailableUntil)
        .or(mentor.person.manual);
    // (what, when, the end of the opening it is for, whether the status we set expires then)
    let mut changes = Vec::new();
    match presence_at(tz, &windows, manual, now) {
        Presence::OpenScheduled { until } | Presence::OpenManual { until } => {
            changes.push((kinds::STATUS_START, now, until, false));
            changes.push((kinds::STATUS_END, until, until, true));
        }
        Presence::Closed => {
            // Switched off (or away) while our status shows: take it down now, before it expires.
            if p.store.status_memory(team_id, user_id).await?.shows_ours() {
                changes.push((kinds::STATUS_END, now, now, false));
            }
            if let Some(next) = next_opening(tz, &windows, manual, now) {
                changes.push((kinds::STATUS_START, next.start, next.end, false));
                changes.push((kinds::STATUS_END, next.end, next.end, true));
            }
        }
    }
    Ok(changes
        .into_iter()
        .map(|(what, at, end, expires)| {
            let mut payload = serde_json::json!({ "end": end.timestamp() });
            // At a window's end Slack may have cleared the status we set before we restore.
            if expires {
                payload["expires"] = serde_json::json!(end.timestamp());
            }
            NewReminder {
                team_id: team_id.to_owned(),
                key: format!("status:{team_id}:{user_id}:{}:{what}", end.timestamp()),
                kind: what.to_owned(),
                recipients: vec![user_id.to_owned()],
                payload,
                due_at: at,
            }
        })
        .collect())
}

fn status_text(end: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "Office hours until {} — drop by",
        end.with_timezone(&tz).format("%H:%M")
    )
}

/// What a due presence reminder comes to. Reads only: the scheduler performs a status change.
pub(super) async fn compose(
    p: &PresenceService,
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
    let token = match p.stored_token(team, user).await? {
        StoredToken::Open(token) => token,
        StoredToken::Absent => return Ok(Composed::Cancel("not connected".into())),
        // Not "not connected": another replica may hold the key that opens it, so try again.
        StoredToken::Unopenable => {
            anyhow::bail!("the stored Slack token does not open with this process's key")
        }
    };
    let memory = p.store.status_memory(team, user).await?;
    let rule = if reminder.kind == kinds::STATUS_START {
        match start_rule(p, team, user, reminder, now).await? {
            Ok(rule) => rule,
            Err(why) => return Ok(Composed::Cancel(why.into())),
        }
    } else if memory.shows_ours() {
        StatusRule::Restore {
            expires_at: reminder.payload["expires"]
                .as_i64()
                .and_then(|t| DateTime::from_timestamp(t, 0)),
        }
    } else {
        return Ok(Composed::Cancel(
            "no office-hours status to take down".into(),
        ));
    };
    Ok(Composed::Status(Box::new(StatusChange {
        token,
        rule,
        memory,
        if_token_gone: connection_broken_notice(team, user, now),
    })))
}

/// The office-hours status to show, or why none should be.
async fn start_rule(
    p: &PresenceService,
    team: &str,
    user: &str,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Result<StatusRule, &'static str>, StoreError> {
    let person = p.store.person(team, user).await?;
    if person
        .as_ref()
        .and_then(|p| p.away_until)
        .is_some_and(|until| until > now)
    {
        return Ok(Err("away"));
    }
    let end = reminder.payload["end"]
        .as_i64()
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .unwrap_or(now);
    if end <= now {
        return Ok(Err("the window is already over"));
    }
    let tz = person.and_then(|p| p.zone()).unwrap_or(Tz::UTC);
    Ok(Ok(StatusRule::Start {
        wanted: SlackStatus {
            text: status_text(end, tz),
            emoji: p.settings.status_emoji.clone(),
            expiration: end.timestamp(),
        },
    }))
}

/// Puts back what the person had, now (on `disconnect`), by the same rule as a window's end.
pub(super) async fn restore(
    p: &PresenceService,
    team: &str,
    user: &str,
    token: &Secret,
) -> Result<(), SlackError> {
    let store_err = |e: StoreError| SlackError::Transport(e.to_string());
    let memory = p.store.status_memory(team, user).await.map_err(store_err)?;
    if !memory.shows_ours() {
        return Ok(());
    }
    let slack = p.slack(team).await?;
    let current = slack.current_status(token).await?;
    let step = StatusRule::Restore { expires_at: None }.apply(&memory, &current, p.now());
    if let Some(status) = &step.set {
        slack.set_status(token, status).await?;
    }
    p.store
        .set_status_memory(team, user, &StatusMemory::default())
        .await
        .map_err(store_err)?;
    Ok(())
}

/// After a status change went out, plan the next one.
pub(super) async fn settled(p: &PresenceService, reminder: &Reminder) -> Result<(), StoreError> {
    if reminder.kind == kinds::STATUS_END {
        if let [user] = reminder.recipients.as_slice() {
            plan(p, &reminder.team_id, user).await?;
        }
    }
    Ok(())
}

/// The DM that tells a mentor their status can no longer be set (their token stopped working).
pub fn connection_broken_notice(team: &str, user: &str, now: DateTime<Utc>) -> NewReminder {
    NewReminder {
        team_id: team.to_owned(),
        key: format!("connection-broken:{team}:{user}:{}", now.timestamp()),
        kind: kinds::CONNECTION_BROKEN.to_owned(),
        recipients: vec![user.to_owned()],
        payload: serde_json::json!({}),
        due_at: now,
    }
}
