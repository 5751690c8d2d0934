//! The Slack adapter: signed HTTP endpoints and Socket Mode in, the Web API (the Slack port's
//! implementation) out, Block Kit rendering. It enters the core only through `app::Core`.

pub mod api;
pub mod blocks;
mod command_form;
mod commands;
pub mod connector;
mod encoded;
mod events;
#[doc(hidden)]
pub mod fuzz;
mod interactions;
mod rotation;
pub mod socket_mode;
pub mod verify;
pub mod web;

use axum::routing::post;
use axum::{middleware, Router};
use std::sync::Arc;

use crate::app::{Actor, Core};
use crate::ports::slack::SlackApi;
use crate::ports::workspaces::{NotServed, Origin, Workspaces};
use crate::views::{Block, Message};
use verify::{require_slack_signature, SignatureVerifier};

/// What the Slack handlers share.
pub struct SlackApp {
    pub core: Core,
    /// The Slack client of each workspace: every call goes out with its workspace's token.
    pub workspaces: Arc<dyn Workspaces>,
    /// Follow-up work after an answer; shutdown waits for it.
    pub tasks: tokio_util::task::TaskTracker,
    /// The bot's own user id in each workspace (from `auth.test`), learnt once: a message that
    /// mentions the bot is answered as an `app_mention`, not hinted about.
    pub bot_user_ids: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// Shared answers already encoded for the slash command's reply.
    pub encoded: encoded::EncodedAnswers,
}

impl SlackApp {
    /// The Slack client of `team_id`'s workspace, with its own token.
    pub async fn slack(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        self.workspaces.slack_for(team_id).await
    }

    /// Why a request from `origin` is not served: its install is missing or gone, or (for an
    /// org-wide install) its workspace is not one the organisation added the bot to.
    pub async fn not_served(&self, origin: &Origin) -> Option<NotServed> {
        if let Err(err) = self.slack(origin.key()).await {
            return Some(err);
        }
        self.workspaces.admits(origin).await.err()
    }

    pub async fn bot_user_id(&self, team_id: &str) -> Option<String> {
        let known = (self.bot_user_ids.lock())
            .unwrap_or_else(|e| e.into_inner())
            .get(team_id)
            .cloned();
        if let Some(id) = known {
            return Some(id);
        }
        let asked = match self.slack(team_id).await {
            Ok(slack) => slack.auth_test().await.map_err(|e| e.to_string()),
            Err(err) => Err(err.to_string()),
        };
        match asked {
            Ok(me) => {
                let mut ids = self.bot_user_ids.lock().unwrap_or_else(|e| e.into_inner());
                ids.insert(team_id.to_owned(), me.user_id.clone());
                Some(me.user_id)
            }
            Err(err) => {
                tracing::warn!(error = %err, "auth.test failed; cannot tell mentions of the bot apart");
                None
            }
        }
    }

    /// The answer for someone in a workspace the bot doesn't serve (never installed, or
    /// uninstalled): said plainly, with a log line; `None` when it is served (or can't tell now).
    async fn refusal(&self, origin: &Origin) -> Option<Arc<Message>> {
        let err = self.not_served(origin).await?;
        if err.is_transient() {
            return None;
        }
        tracing::warn!(error = %err, "a command from a workspace the bot doesn't serve");
        let (title, text, next) = match err {
            NotServed::Stopped { .. } => (
                "officehours was removed from this workspace",
                ":no_entry: officehours was removed from this Slack workspace, so I can't do anything here. Nothing you set up is lost.",
                "Whoever runs this bot needs to add the app to Slack again and restart it with the new bot token (SLACK_BOT_TOKEN).",
            ),
            NotServed::OutsideOrganisation { .. } => (
                "officehours isn't added to this workspace",
                ":no_entry: officehours is installed for your organisation, but not added to this workspace, so I can't do anything here.",
                "An Org Admin can add it to this workspace in the organisation's app settings.",
            ),
            _ => (
                "officehours isn't installed in this workspace",
                ":no_entry: officehours isn't installed in this Slack workspace (or was removed), so I can't do anything here.",
                "Ask a workspace admin to add it again with the \"Add to Slack\" page of whoever runs this bot.",
            ),
        };
        let mut message = Message::new(title);
        message.push(Block::text(text));
        message.push(Block::context(next));
        Some(Arc::new(message))
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
    let Some(fields) = span.metadata().map(|m| m.fields()) else {
        return;
    };
    let (Some(team), Some(user)) = (fields.field("slack.team_id"), fields.field("slack.user_id"))
    else {
        return;
    };
    // Both in one record, as `Display`: each record is formatted again by the log layer, and
    // Debug's escaping of the ids showed in a profile of the load bench.
    let (team_id, user_id) = (
        tracing::field::display(&actor.team_id),
        tracing::field::display(&actor.user_id),
    );
    let values: [(&tracing::field::Field, Option<&dyn tracing::Value>); 2] =
        [(&team, Some(&team_id)), (&user, Some(&user_id))];
    span.record_all(&fields.value_set(&values));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::Mutex;

    /// The log lines written, for the fmt layer's writer.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_request_span_names_who_it_was_for_in_every_line() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "http",
                slack.team_id = tracing::field::Empty,
                slack.user_id = tracing::field::Empty,
            );
            let _entered = span.enter();
            record_actor(&Actor {
                team_id: "T0TEAM".to_owned(),
                user_id: "U0USER".to_owned(),
            });
            tracing::warn!("something to say");
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("slack.team_id=T0TEAM") && text.contains("slack.user_id=U0USER"),
            "{text}"
        );
    }
}
