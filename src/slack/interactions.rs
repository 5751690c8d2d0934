//! `POST /slack/interactions`: App Home and message buttons, acknowledged at once, applied after.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use slack_morphism::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

use super::{record_actor, SlackApp};
use crate::commands::parse::Command;
use crate::commands::Actor;
use crate::views::actions;

pub(super) async fn interaction(
    State(app): State<Arc<SlackApp>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(payload) = form.get("payload") else {
        return (StatusCode::BAD_REQUEST, "payload is required").into_response();
    };
    let event: SlackInteractionEvent = match serde_json::from_str(payload) {
        Ok(event) => event,
        Err(err) => {
            tracing::warn!(error = %err, "ignoring an interaction payload that does not parse");
            return StatusCode::OK.into_response();
        }
    };
    if let SlackInteractionEvent::BlockActions(actions) = event {
        if let Some(user) = actions.user.as_ref() {
            let actor = Actor {
                team_id: actions.team.id.0.clone(),
                user_id: user.id.0.clone(),
            };
            record_actor(&actor);
            let app2 = app.clone();
            let who = actor.clone();
            app.spawn_followup("block_actions", &actor, async move {
                apply(&app2, &who, actions).await
            });
        }
    }
    StatusCode::OK.into_response()
}

async fn apply(
    app: &SlackApp,
    actor: &Actor,
    event: SlackInteractionBlockActionsEvent,
) -> anyhow::Result<()> {
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
                }
                Err(_) => tracing::warn!("remove button without a window id"),
            },
            actions::SET_AVAILABLE => {
                app.core.set_available(actor, value == "on").await?;
            }
            other => tracing::debug!(action_id = other, "unknown action"),
        }
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
