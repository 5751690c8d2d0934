//! `POST /slack/interactions`: buttons (App Home, messages, nudges) and modal submissions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde_json::Value;
use slack_morphism::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

use super::{record_actor, SlackApp};
use crate::commands::parse::Command;
use crate::commands::Actor;
use crate::views::{actions, INPUT_ACTION};

pub(super) async fn interaction(
    State(app): State<Arc<SlackApp>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(payload) = form.get("payload") else {
        return (StatusCode::BAD_REQUEST, "payload is required").into_response();
    };
    let raw: Value = match serde_json::from_str(payload) {
        Ok(raw) => raw,
        Err(err) => {
            tracing::warn!(error = %err, "ignoring an interaction payload that is not JSON");
            return StatusCode::OK.into_response();
        }
    };
    match accept(&app, raw).await {
        Some(errors) => Json(serde_json::json!({ "response_action": "errors", "errors": errors }))
            .into_response(),
        None => StatusCode::OK.into_response(),
    }
}

/// Handles an interaction payload from either transport. Buttons are acknowledged at once and
/// applied in the background; a modal submission is answered directly, with per-field errors
/// (`Some`) or nothing to close the modal.
pub(super) async fn accept(app: &Arc<SlackApp>, raw: Value) -> Option<HashMap<String, String>> {
    if raw["type"] == "view_submission" {
        return view_submission(app, &raw).await;
    }
    match serde_json::from_value::<SlackInteractionEvent>(raw) {
        Ok(SlackInteractionEvent::BlockActions(event)) => {
            if let Some(user) = event.user.as_ref() {
                let actor = Actor {
                    team_id: event.team.id.0.clone(),
                    user_id: user.id.0.clone(),
                };
                record_actor(&actor);
                let (app2, who) = (app.clone(), actor.clone());
                app.spawn_followup("block_actions", &actor, async move {
                    apply(&app2, &who, event).await
                });
            }
        }
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(error = %err, "ignoring an interaction payload that does not parse")
        }
    }
    None
}

async fn apply(
    app: &SlackApp,
    actor: &Actor,
    event: SlackInteractionBlockActionsEvent,
) -> anyhow::Result<()> {
    let mut home_changed = false;
    for action in event.actions.iter().flatten() {
        let value = action.value.as_deref().unwrap_or_default();
        match action.action_id.0.as_str() {
            actions::REMOVE_WINDOW => match value.parse::<i64>() {
                Ok(id) => {
                    if !app.core.remove_window_by_id(actor, id).await? {
                        tracing::info!(
                            window.id = id,
                            "remove clicked for a window that is already gone"
                        );
                    }
                    home_changed = true;
                }
                Err(_) => tracing::warn!("remove button without a window id"),
            },
            actions::FORGET_ME => {
                let done = app.core.forget(actor).await?;
                if let Some(url) = event.response_url.as_ref() {
                    app.slack.respond(url.0.as_str(), &done, true).await?;
                }
            }
            actions::SET_AVAILABLE => {
                app.core.set_available(actor, value == "on").await?;
                home_changed = true;
            }
            other => {
                let Some(outcome) = app.core.nudges().action(actor, other, value).await? else {
                    tracing::debug!(action_id = other, "unknown action");
                    continue;
                };
                // The trigger is good for three seconds: open the modal before anything else.
                if let Some(modal) = outcome.modal {
                    app.slack.open_modal(&event.trigger_id.0, &modal).await?;
                }
                if let (Some(message), Some(url)) = (outcome.replace, event.response_url.as_ref()) {
                    app.slack.respond(url.0.as_str(), &message, true).await?;
                }
            }
        }
    }
    if !home_changed {
        return Ok(());
    }
    // Show the result where the click happened.
    match (&event.container, event.response_url.as_ref()) {
        (SlackInteractionActionContainer::View(_), _) => {
            let view = app.core.home(actor).await?;
            app.slack.publish_home(&actor.user_id, &view).await?;
        }
        (_, Some(url)) => {
            let list = app.core.handle(actor, Command::List).await?;
            app.slack
                .respond(url.0.as_str(), &list.message, true)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A modal submission, answered with the fields that need fixing (if any).
async fn view_submission(app: &SlackApp, raw: &Value) -> Option<HashMap<String, String>> {
    let (Some(team_id), Some(user_id)) = (
        raw["team"]["id"]
            .as_str()
            .or(raw["user"]["team_id"].as_str()),
        raw["user"]["id"].as_str(),
    ) else {
        return None;
    };
    let actor = Actor {
        team_id: team_id.to_owned(),
        user_id: user_id.to_owned(),
    };
    record_actor(&actor);
    let view = &raw["view"];
    let callback_id = view["callback_id"].as_str().unwrap_or_default();
    let metadata = view["private_metadata"].as_str().unwrap_or_default();
    let values: HashMap<String, String> = view["state"]["values"]
        .as_object()
        .map(|blocks| {
            blocks
                .iter()
                .filter_map(|(block_id, actions)| {
                    actions[INPUT_ACTION]["value"]
                        .as_str()
                        .map(|v| (block_id.clone(), v.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    match app
        .core
        .nudges()
        .submit(&actor, callback_id, metadata, &values)
        .await
    {
        Ok(Ok(())) => None,
        Ok(Err(errors)) => Some(errors),
        Err(err) => {
            tracing::error!(error = %err, "could not save a modal submission");
            let first = values.keys().next().cloned().unwrap_or_default();
            Some(HashMap::from([(
                first,
                "Something went wrong on my side; please try again in a minute.".to_owned(),
            )]))
        }
    }
}
