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
        SlackPushEvent::EventCallback(callback) => match accept(&app, callback).await {
            Ok(()) => StatusCode::OK.into_response(),
            // Not recorded, so not handled: let Slack retry it.
            Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
    }
}

/// Records the event's id and, the first time it is seen, starts its work; Slack's retries of
/// the same event (over HTTP or Socket Mode) are acknowledged and ignored.
pub(super) async fn accept(
    app: &Arc<SlackApp>,
    callback: SlackPushEventCallback,
) -> Result<(), CoreError> {
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
    if let Some(done) = lifecycle(app, &callback).await {
        return done;
    }
    // A workspace the bot doesn't serve (never installed, or removed): acknowledged, and nothing
    // of it is done or written.
    if let Err(err) = app.slack(&callback.team_id.0).await {
        if !err.is_transient() {
            tracing::warn!(error = %err, "ignoring an event from a workspace the bot doesn't serve");
            return Ok(());
        }
    }
    match app.core.first_delivery(&callback.event_id.0).await {
        Ok(true) => dispatch(app, callback),
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
) -> Option<Result<(), CoreError>> {
    let team = callback.team_id.0.as_str();
    let done = match &callback.event {
        SlackEventCallbackBody::AppUninstalled(_) => app.core.app_uninstalled(team).await,
        // slack-morphism has no type for it: read from the raw event.
        SlackEventCallbackBody::Unknown(raw) if raw["type"] == "tokens_revoked" => {
            let ids = |kind: &str| -> Vec<String> {
                raw["tokens"][kind]
                    .as_array()
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| id.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            app.core
                .tokens_revoked(team, &ids("oauth"), &ids("bot"))
                .await
        }
        _ => return None,
    };
    if let Err(err) = &done {
        tracing::error!(error = %err, "could not stop a workspace's work after an uninstall");
    }
    Some(done)
}

fn dispatch(app: &Arc<SlackApp>, callback: SlackPushEventCallback) {
    match callback.event {
        SlackEventCallbackBody::AppHomeOpened(opened)
            if opened.tab.as_deref().unwrap_or("home") == "home" =>
        {
            let actor = Actor {
                team_id: callback.team_id.0,
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
                team_id: callback.team_id.0,
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
                team_id: callback.team_id.0,
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
