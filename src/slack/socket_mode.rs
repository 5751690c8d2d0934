//! Socket Mode: the same commands, events and interactions as over HTTP, arriving on a WebSocket
//! that the bot opens, for teams that cannot expose a public URL.

use slack_morphism::prelude::*;
use std::sync::Arc;

use super::api::SlackWebApi;
use super::{commands, events, interactions, SlackApp};
use crate::app::Actor;
use crate::ports::slack::SlackError;
use crate::ports::workspaces::Origin;
use crate::secret::Secret;

type Listener = SlackClientSocketModeListener<SlackClientHyperHttpsConnector>;

/// The running Socket Mode listener; keep it for the app's lifetime and shut it down on exit.
pub struct SocketMode {
    listener: Listener,
}

impl SocketMode {
    /// Checks the app-level token once (slack-morphism would otherwise retry a bad one forever,
    /// silently), then connects.
    pub async fn start(
        app: Arc<SlackApp>,
        api: &SlackWebApi,
        app_token: &Secret,
    ) -> anyhow::Result<Self> {
        let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose().to_owned()));
        let client = api.client();
        if let Err(err) = client
            .open_session(&token)
            .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
            .await
        {
            return Err(match api.failed(err) {
                api_err @ SlackError::Api(_) => anyhow::anyhow!("SLACK_APP_TOKEN was refused by Slack ({api_err}); it needs the connections:write scope"),
                other => anyhow::anyhow!("Socket Mode could not start: {other}"),
            });
        }
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(client)
                .with_error_handler(on_error)
                .with_user_state(app),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_hello_events(on_hello)
            .with_command_events(on_command)
            .with_push_events(on_event)
            .with_interaction_events(on_interaction);
        // Two connections (slack-morphism's default): one stays up while the other reconnects.
        let config = SlackClientSocketModeConfig::new().with_reconnect_timeout_in_seconds(10);
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        listener.listen_for(&token).await?;
        listener.start().await;
        tracing::info!("connected to Slack over Socket Mode");
        Ok(Self { listener })
    }

    pub async fn shutdown(self) {
        self.listener.shutdown().await;
    }
}

async fn app_of(states: &SlackClientEventsUserState) -> Option<Arc<SlackApp>> {
    states
        .read()
        .await
        .get_user_state::<Arc<SlackApp>>()
        .cloned()
}

/// Every callback acknowledges: our handlers deal with their own errors, and a missing ack would
/// only make Slack redeliver the envelope.
fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    tracing::warn!(error = %err, "Socket Mode envelope could not be handled");
    HttpStatusCode::OK
}

/// The hello event's type is not nameable outside slack-morphism; its JSON carries the count.
async fn on_hello<E: serde::Serialize>(
    event: E,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) {
    let connections = serde_json::to_value(&event)
        .ok()
        .and_then(|v| v["num_connections"].as_f64())
        .unwrap_or(1.0);
    crate::metrics::socket_connections(connections);
    tracing::info!(connections, "Socket Mode connection ready");
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let Some(app) = app_of(&states).await else {
        return Err("Socket Mode state is missing".into());
    };
    let actor = Actor {
        team_id: event.team_id.0.clone(),
        user_id: event.user_id.0.clone(),
    };
    let invocation = commands::Invocation {
        // slack-morphism's command event drops `enterprise_id`: Socket Mode serves workspace
        // installs (an org-wide install is served over HTTP).
        origin: Origin::workspace(&event.team_id.0),
        channel: Some(event.channel_id.0.clone()),
        trigger_id: Some(event.trigger_id.0.clone()),
        response_url: Some(event.response_url.0.to_string()),
    };
    let text = event.text.as_deref().unwrap_or_default();
    let message = commands::answer(&app, actor, invocation, text).await;
    Ok(
        SlackCommandEventResponse::new(super::blocks::message_content(&message))
            .with_response_type(SlackMessageResponseType::Ephemeral),
    )
}

async fn on_event(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let Some(app) = app_of(&states).await else {
        return Err("Socket Mode state is missing".into());
    };
    // Socket Mode drops the retry fields, so the event_id dedupe is what keeps retries single.
    events::accept(&app, event, None)
        .await
        .map_err(|e| e.into())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let Some(app) = app_of(&states).await else {
        return Err("Socket Mode state is missing".into());
    };
    let raw = serde_json::to_value(&event)?;
    Ok(match interactions::accept(&app, raw).await {
        Some(errors) => {
            SlackInteractionResponse::ViewSubmission(SlackViewSubmissionResponse::Errors(
                SlackViewSubmissionErrorsResponse::new(errors.into_iter().collect()),
            ))
        }
        None => SlackInteractionResponse::Empty,
    })
}
