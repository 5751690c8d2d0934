//! `POST /slack/events`: URL verification, then acknowledge at once, dedupe on `event_id`, work later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use slack_morphism::prelude::*;
use std::sync::Arc;

use super::SlackApp;
use crate::app::{Actor, ChannelMessage, CoreError};
use crate::ports::workspaces::Origin;

pub(super) async fn push_event(State(app): State<Arc<SlackApp>>, body: Bytes) -> Response {
    let event: SlackPushEvent = match serde_json::from_slice(&body) {
        Ok(event) => event,
        Err(err) => {
            // Authentic but not understood: 200 so Slack does not redeliver it forever.
            tracing::warn!(error = %err, "ignoring an event payload that does not parse");
            return StatusCode::OK.into_response();
        }
    };
    match event {
        SlackPushEvent::UrlVerification(check) => {
            Json(serde_json::json!({ "challenge": check.challenge })).into_response()
        }
        SlackPushEvent::AppRateLimited(_) => {
            tracing::warn!("Slack reports this app is over its event rate limit");
            StatusCode::OK.into_response()
        }
        SlackPushEvent::EventCallback(callback) => {
            match accept(&app, callback, origin(&body)).await {
                Ok(()) => StatusCode::OK.into_response(),
                // Not recorded, so not handled: let Slack retry it.
                Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
    }
}

/// Records the event's id and, the first time it is seen, starts its work; Slack's retries of
/// the same event (over HTTP or Socket Mode) are acknowledged and ignored.
pub(super) async fn accept(
    app: &Arc<SlackApp>,
    callback: SlackPushEventCallback,
    origin: Option<Origin>,
) -> Result<(), CoreError> {
    let origin = origin.unwrap_or_else(|| Origin::workspace(&callback.team_id.0));
    let span = tracing::Span::current();
    span.record("slack.team_id", callback.team_id.0.as_str());
    span.record("slack.event_id", callback.event_id.0.as_str());
    // Most channel messages mention nobody: nothing to do, so no row to write for them.
    if let SlackEventCallbackBody::Message(message) = &callback.event {
        let text = message
            .content
            .as_ref()
            .and_then(|c| c.text.as_deref())
            .unwrap_or_default();
        if !text.contains("<@") {
            return Ok(());
        }
    }
    // Safe to repeat, so not deduplicated: a failure answers 503 and Slack's retry finishes it.
    if let Some(done) = lifecycle(app, &callback, &origin).await {
        return done;
    }
    // A workspace the bot doesn't serve (never installed, or removed): acknowledged, and nothing
    // of it is done or written.
    if let Some(err) = app.not_served(&origin).await {
        if !err.is_transient() {
            tracing::warn!(error = %err, "ignoring an event from a workspace the bot doesn't serve");
            return Ok(());
        }
    }
    match app.core.first_delivery(&callback.event_id.0).await {
        Ok(true) => dispatch(app, callback, origin.key().to_owned()),
        Ok(false) => tracing::info!("duplicate delivery of an event; already handled"),
        Err(err) => {
            tracing::error!(error = %err, "could not record an event");
            return Err(err);
        }
    }
    Ok(())
}

/// An uninstall or revoked tokens: acted on before the acknowledgement, so that nothing more is
/// sent for the workspace (or with the person's token) from the moment Slack told us.
async fn lifecycle(
    app: &Arc<SlackApp>,
    callback: &SlackPushEventCallback,
    origin: &Origin,
) -> Option<Result<(), CoreError>> {
    let team = origin.key();
    // Only an org-wide install hears of its workspaces (whatever its authorization says).
    let org = origin.enterprise_id.as_deref().unwrap_or(team);
    let done = match &callback.event {
        SlackEventCallbackBody::AppUninstalled(_) => app.core.app_uninstalled(team).await,
        // slack-morphism has no type for it: read from the raw event.
        SlackEventCallbackBody::Unknown(raw) if raw["type"] == "tokens_revoked" => {
            let ids = |kind: &str| strings(&raw["tokens"][kind]);
            app.core
                .tokens_revoked(team, &ids("oauth"), &ids("bot"))
                .await
        }
        // An Org Admin added the org-wide install to workspaces, or took it away from them.
        SlackEventCallbackBody::Unknown(raw) if raw["type"] == "team_access_granted" => {
            app.core
                .org_access(org, &strings(&raw["team_ids"]), true)
                .await
        }
        SlackEventCallbackBody::Unknown(raw) if raw["type"] == "team_access_revoked" => {
            app.core
                .org_access(org, &strings(&raw["team_ids"]), false)
                .await
        }
        _ => return None,
    };
    if let Err(err) = &done {
        tracing::error!(error = %err, "could not stop a workspace's work after an uninstall");
    }
    Some(done)
}

/// The strings of a JSON array (ids), none if it is not one.
fn strings(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// What slack-morphism's event type leaves out: whether an org-wide (Enterprise Grid) install
/// sent it, and for which organisation (the top level, or the first authorization, says).
#[derive(serde::Deserialize)]
struct GridFields {
    team_id: Option<String>,
    enterprise_id: Option<String>,
    #[serde(default)]
    authorizations: Vec<GridAuthorization>,
}

#[derive(serde::Deserialize)]
struct GridAuthorization {
    enterprise_id: Option<String>,
    #[serde(default)]
    is_enterprise_install: bool,
}

/// The event's origin read from its raw body; None if the body has no `team_id`.
fn origin(body: &[u8]) -> Option<Origin> {
    let fields: GridFields = serde_json::from_slice(body).ok()?;
    let first = fields.authorizations.first();
    let enterprise_id = (fields.enterprise_id)
        .or_else(|| first.and_then(|a| a.enterprise_id.clone()))
        .filter(|e| !e.is_empty());
    Some(Origin {
        team_id: fields.team_id?,
        enterprise_id,
        enterprise_install: fields
            .authorizations
            .iter()
            .any(|a| a.is_enterprise_install),
    })
}

/// Starts the event's work; `team` is the key its data is kept under (`Origin::key`).
fn dispatch(app: &Arc<SlackApp>, callback: SlackPushEventCallback, team: String) {
    match callback.event {
        SlackEventCallbackBody::AppHomeOpened(opened)
            if opened.tab.as_deref().unwrap_or("home") == "home" =>
        {
            let actor = Actor {
                team_id: team,
                user_id: opened.user.0,
            };
            tracing::Span::current().record("slack.user_id", actor.user_id.as_str());
            let (app2, who) = (app.clone(), actor.clone());
            app.spawn_followup("publish_home", &actor, async move {
                if let Err(err) = app2.core.refresh_profile_if_stale(&who).await {
                    tracing::warn!(error = %format!("{err:#}"), "could not refresh the profile zone");
                }
                let view = app2.core.home(&who).await?;
                app2.slack(&who.team_id).await?.publish_home(&who.user_id, &view).await?;
                Ok(())
            });
        }
        SlackEventCallbackBody::Message(message) => {
            let (Some(channel), Some(sender)) =
                (message.origin.channel.clone(), message.sender.user.clone())
            else {
                return;
            };
            let actor = Actor {
                team_id: team,
                user_id: sender.0,
            };
            let (app2, who) = (app.clone(), actor.clone());
            let text = message.content.and_then(|c| c.text).unwrap_or_default();
            let edited_or_special = message.subtype.is_some();
            let bot_id = message.sender.bot_id.map(|b| b.0);
            app.spawn_followup("mention_hint", &actor, async move {
                let bot = app2.bot_user_id(&who.team_id).await;
                let seen = ChannelMessage {
                    team_id: &who.team_id,
                    channel: &channel.0,
                    sender: Some(&who.user_id),
                    text: &text,
                    subtype: edited_or_special.then_some("subtype"),
                    bot_id: bot_id.as_deref(),
                };
                app2.core.channel_message(seen, bot.as_deref()).await?;
                Ok(())
            });
        }
        SlackEventCallbackBody::AppMention(mention) => {
            // "@officehours" in a channel answers like /officehours, for the asker only.
            let actor = Actor {
                team_id: team,
                user_id: mention.user.0,
            };
            let channel = mention.channel.0;
            let (app2, who) = (app.clone(), actor.clone());
            app.spawn_followup("app_mention", &actor, async move {
                if let Err(err) = app2.core.refresh_profile_if_stale(&who).await {
                    tracing::warn!(error = %format!("{err:#}"), "could not refresh the profile zone");
                }
                let answer = app2.core.run_text(&who, "").await?;
                let slack = app2.slack(&who.team_id).await?;
                slack.post_ephemeral(&channel, &who.user_id, &answer.message).await?;
                Ok(())
            });
        }
        other => {
            tracing::debug!(event = ?std::mem::discriminant(&other), "event not used by this bot")
        }
    }
}
