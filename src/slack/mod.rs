//! The Slack adapter: signed HTTP endpoints and Socket Mode in, the Web API (the Slack port's
//! implementation) out, Block Kit rendering. It enters the core only through `app::Core`.

pub mod api;
pub mod blocks;
mod commands;
mod encoded;
mod events;
#[doc(hidden)]
pub mod fuzz;
mod interactions;
pub mod socket_mode;
pub mod verify;
pub mod web;

use axum::routing::post;
use axum::{middleware, Router};
use std::sync::Arc;

use crate::app::{Actor, Core};
use crate::ports::slack::SlackApi;
use verify::{require_slack_signature, SignatureVerifier};

/// What the Slack handlers share.
pub struct SlackApp {
    pub core: Core,
    pub slack: Arc<dyn SlackApi>,
    /// Follow-up work after an answer; shutdown waits for it.
    pub tasks: tokio_util::task::TaskTracker,
    /// The bot's own user id (from `auth.test`), learnt once: a message that mentions the bot
    /// is answered as an `app_mention`, not hinted about.
    pub bot_user_id: tokio::sync::OnceCell<Option<String>>,
    /// Shared answers already encoded for the slash command's reply.
    pub encoded: encoded::EncodedAnswers,
}

impl SlackApp {
    pub async fn bot_user_id(&self) -> Option<String> {
        self.bot_user_id
            .get_or_init(|| async {
                match self.slack.auth_test().await {
                    Ok(me) => Some(me.user_id),
                    Err(err) => {
                        tracing::warn!(error = %err, "auth.test failed; cannot tell mentions of the bot apart");
                        None
                    }
                }
            })
            .await
            .clone()
    }
}

impl SlackApp {
    /// The slash command's HTTP answer, seen only by whoever typed it.
    fn ephemeral(&self, message: &Arc<crate::views::Message>) -> axum::response::Response {
        commands::json_response(
            self.encoded
                .get_or_encode(message, commands::ephemeral_json),
        )
    }

    /// Runs Slack Web API work after the HTTP answer has gone out; errors are logged, never lost silently.
    fn spawn_followup<F>(self: &Arc<Self>, what: &'static str, actor: &Actor, work: F)
    where
        F: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let span = tracing::info_span!("job", job.kind = what, slack.team_id = %actor.team_id, slack.user_id = %actor.user_id);
        self.tasks.spawn(tracing::Instrument::instrument(
            async move {
                if let Err(err) = work.await {
                    tracing::warn!(error = %format!("{err:#}"), "follow-up failed");
                }
            },
            span,
        ));
    }
}

/// `/slack/commands`, `/slack/events`, `/slack/interactions`, all behind signature verification.
pub fn router(app: Arc<SlackApp>, verifier: Arc<SignatureVerifier>) -> Router {
    Router::new()
        .route("/slack/commands", post(commands::slash_command))
        .route("/slack/events", post(events::push_event))
        .route("/slack/interactions", post(interactions::interaction))
        .route_layer(middleware::from_fn_with_state(
            verifier,
            require_slack_signature,
        ))
        .with_state(app)
}

fn record_actor(actor: &Actor) {
    let span = tracing::Span::current();
    span.record("slack.team_id", actor.team_id.as_str());
    span.record("slack.user_id", actor.user_id.as_str());
}
