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
use crate::app::{Actor, Trigger};
use crate::ports::workspaces::Origin;
use crate::views::INPUT_ACTION;

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
    let Some(origin) = origin(&raw) else {
        tracing::warn!("ignoring an interaction payload that names no workspace");
        return None;
    };
    if raw["type"] == "view_submission" {
        return view_submission(app, &raw, &origin).await;
    }
    match serde_json::from_value::<SlackInteractionEvent>(raw) {
        Ok(SlackInteractionEvent::BlockActions(event)) => {
            if let Some(user) = event.user.as_ref() {
                let actor = Actor {
                    team_id: origin.key().to_owned(),
                    user_id: user.id.0.clone(),
                };
                record_actor(&actor);
                let (app2, who) = (app.clone(), actor.clone());
                app.spawn_followup("block_actions", &actor, async move {
                    apply(&app2, &who, &origin, event).await
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

/// Where an interaction comes from: its workspace (`team`, or the person's own for payloads
/// without one) and, for an org-wide install, its organisation. None without a workspace.
fn origin(raw: &Value) -> Option<Origin> {
    let team_id = raw["team"]["id"]
        .as_str()
        .or(raw["user"]["team_id"].as_str())?;
    let enterprise_id = raw["enterprise"]["id"]
        .as_str()
        .or(raw["team"]["enterprise_id"].as_str())
        .filter(|e| !e.is_empty());
    Some(Origin {
        team_id: team_id.to_owned(),
        enterprise_id: enterprise_id.map(str::to_owned),
        enterprise_install: raw["is_enterprise_install"].as_bool().unwrap_or(false),
    })
}

async fn apply(
    app: &SlackApp,
    actor: &Actor,
    origin: &Origin,
    event: SlackInteractionBlockActionsEvent,
) -> anyhow::Result<()> {
    let response_url = event.response_url.as_ref().map(|url| url.0.as_str());
    // A press from a workspace the bot no longer serves changes nothing (the error is logged).
    if let Some(err) = app.not_served(origin).await {
        return Err(err.into());
    }
    let slack = app.slack(&actor.team_id).await?;
    let trigger = Some(Trigger(&event.trigger_id.0));
    let (mut hours_changed, mut home_changed) = (false, false);
    // Slack sends one action per press; the trigger names that press.
    for action in event.actions.iter().flatten().take(1) {
        let value = action.value.as_deref().unwrap_or_default();
        let pressed = app
            .core
            .press(actor, trigger, &action.action_id.0, value)
            .await?;
        // The trigger is good for three seconds: open the modal before anything else.
        if let Some(modal) = pressed.modal {
            slack.open_modal(&event.trigger_id.0, &modal).await?;
        }
        if let (Some(message), Some(url)) = (pressed.replace, response_url) {
            slack.respond(url, &message, true).await?;
        }
        hours_changed |= pressed.hours_changed;
        home_changed |= pressed.home_changed;
    }
    if !hours_changed && !home_changed {
        return Ok(());
    }
    // Show the result where the press happened.
    match (&event.container, response_url) {
        (SlackInteractionActionContainer::View(_), _) => {
            let view = app.core.home(actor).await?;
            slack.publish_home(&actor.user_id, &view).await?;
        }
        (_, Some(url)) if hours_changed => {
            let list = app.core.list(actor).await?;
            slack.respond(url, &list, true).await?;
        }
        _ => {}
    }
    Ok(())
}

/// A modal submission, answered with the fields that need fixing (if any).
async fn view_submission(
    app: &SlackApp,
    raw: &Value,
    origin: &Origin,
) -> Option<HashMap<String, String>> {
    let user_id = raw["user"]["id"].as_str()?;
    let actor = Actor {
        team_id: origin.key().to_owned(),
        user_id: user_id.to_owned(),
    };
    record_actor(&actor);
    if let Some(err) = app.not_served(origin).await {
        tracing::warn!(error = %err, "a modal submission from a workspace the bot doesn't serve");
        return None;
    }
    let view = &raw["view"];
    let trigger = raw["trigger_id"].as_str().map(Trigger);
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
        .submit(&actor, trigger, callback_id, metadata, &values)
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
