//! `POST /slack/commands`: answers `/officehours` within Slack's three seconds, follows up later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use super::blocks::message_content;
use super::command_form::SlashCommand;
use super::{record_actor, SlackApp};
use crate::app::{Actor, Attachment, Trigger, Understood};
use crate::ports::workspaces::Origin;
use crate::views::{replies, Block, Message};

/// Slack gives up after 3 s; leave room for the network.
const ACK_BUDGET: Duration = Duration::from_millis(2300);

pub(super) async fn slash_command(State(app): State<Arc<SlackApp>>, body: Bytes) -> Response {
    // Parsed here rather than by axum's `Form`, which tracks the path of every key it reads in
    // allocated strings: a fifth of the command's CPU, for an error message nobody sees.
    let form = match SlashCommand::from_form(&body) {
        Ok(form) => form,
        Err(_) => {
            return (StatusCode::BAD_REQUEST, "expected a slash command form").into_response()
        }
    };
    // Slack checks the certificate of a command URL with a signed ssl_check post.
    if form.ssl_check.as_deref() == Some("1") {
        return StatusCode::OK.into_response();
    }
    let (Some(team_id), Some(user_id)) = (form.team_id, form.user_id) else {
        return (StatusCode::BAD_REQUEST, "team_id and user_id are required").into_response();
    };
    let origin = Origin {
        team_id,
        enterprise_id: form.enterprise_id.filter(|e| !e.is_empty()),
        enterprise_install: form.is_enterprise_install.as_deref() == Some("true"),
    };
    let actor = Actor {
        team_id: origin.key().to_owned(),
        user_id,
    };
    let response_url = form.response_url.filter(|u| !u.is_empty());
    let invocation = Invocation {
        origin,
        channel: form.channel_id,
        trigger_id: form.trigger_id,
        response_url,
    };
    let message = answer(&app, actor, invocation, &form.text).await;
    app.ephemeral(&message)
}

/// Where a slash command came from, besides who typed it.
pub(super) struct Invocation {
    /// The workspace (and organisation) Slack says it came from; `actor.team_id` is its key.
    pub origin: Origin,
    pub channel: Option<String>,
    pub trigger_id: Option<String>,
    pub response_url: Option<String>,
}

/// The answer to `/officehours <text>`, over HTTP or Socket Mode alike: always within Slack's
/// three seconds; anything slower continues in the background and arrives through `response_url`.
pub(super) async fn answer(
    app: &Arc<SlackApp>,
    actor: Actor,
    invocation: Invocation,
    text: &str,
) -> Arc<Message> {
    record_actor(&actor);
    // A workspace the bot doesn't serve is told so, and nothing of it is stored.
    if let Some(refusal) = app.refusal(&invocation.origin).await {
        return refusal;
    }
    answer_served(app, actor, invocation, text).await
}

async fn answer_served(
    app: &Arc<SlackApp>,
    actor: Actor,
    invocation: Invocation,
    text: &str,
) -> Arc<Message> {
    let Invocation {
        origin: _,
        channel,
        trigger_id,
        response_url,
    } = invocation;
    let understood = app.core.understand(&unescape(text));
    if let Some(url) = response_url.clone() {
        if app.core.needs_zone_first(&actor, &understood).await {
            return zone_first(app, actor, (channel, trigger_id), understood, url);
        }
    }

    // Run here rather than in a task of its own (most answers come from memory in microseconds);
    // only if it outlasts the ack budget is it moved to the background. A panic is caught as a
    // spawned task's would be: the person gets an apology, the connection stays up.
    let mut work: Work = if understood.is_overview() {
        let (app, actor) = (app.clone(), actor.clone());
        AssertUnwindSafe(async move { app.core.answer_overview(&actor).await })
            .catch_unwind()
            .boxed()
    } else {
        let (app, actor, understood, channel) = (
            app.clone(),
            actor.clone(),
            understood.clone(),
            channel.clone(),
        );
        AssertUnwindSafe(async move {
            let trigger = trigger_id.as_deref().map(Trigger);
            app.core
                .answer(&actor, trigger, channel.as_deref(), &understood)
                .await
        })
        .catch_unwind()
        .boxed()
    };
    // An answer from memory is ready at the first poll: no timer to set and cancel for it.
    let outcome = match (&mut work).now_or_never() {
        Some(done) => Ok(done),
        None => tokio::time::timeout(ACK_BUDGET, &mut work).await,
    };
    match outcome {
        Ok(Ok(Ok(mut handled))) => {
            if let Some(file) = handled.attachment.take() {
                send_file(app, &actor, file);
            }
            let rerun = handled.zone_unknown && handled.read_only;
            follow_up(app, &actor, understood, rerun, response_url);
            handled.message
        }
        Ok(Ok(Err(err))) => {
            tracing::error!(error = %err, "command failed");
            Arc::new(replies::internal_error())
        }
        Ok(Err(_panic)) => {
            tracing::error!("command panicked");
            Arc::new(replies::internal_error())
        }
        Err(_) => answer_late(app, &actor, work, response_url),
    }
}

/// What the command's work gives: its answer, its error, or its panic.
type Work = futures_util::future::BoxFuture<
    'static,
    Result<Result<crate::app::Handled, crate::app::CoreError>, Box<dyn std::any::Any + Send>>,
>;

/// The database is slow: acknowledge now, and deliver the real answer when it is ready.
fn answer_late(
    app: &Arc<SlackApp>,
    actor: &Actor,
    work: Work,
    response_url: Option<String>,
) -> Arc<Message> {
    let (late, actor_team) = (app.clone(), actor.team_id.clone());
    app.spawn_followup("late_reply", actor, async move {
        let message = match work.await {
            Ok(Ok(handled)) => handled.message,
            _ => Arc::new(replies::internal_error()),
        };
        if let Some(url) = response_url {
            late.slack(&actor_team)
                .await?
                .respond(&url, &message, true)
                .await?;
        }
        Ok(())
    });
    let mut working = Message::new("Working on it…");
    working.push(Block::text(
        ":hourglass_flowing_sand: Working on it… the answer will replace this message.",
    ));
    Arc::new(working)
}

/// Saving "Tuesdays at 10:00" in the wrong zone would be worse than a short wait: look the zone
/// up first, then run the command and replace this answer with the result.
fn zone_first(
    app: &Arc<SlackApp>,
    actor: Actor,
    (channel, trigger_id): (Option<String>, Option<String>),
    understood: Understood,
    url: String,
) -> Arc<Message> {
    let (app2, who) = (app.clone(), actor.clone());
    app.spawn_followup("zone_first", &actor, async move {
        if let Err(err) = app2.core.refresh_profile_if_stale(&who).await {
            tracing::warn!(error = %format!("{err:#}"), "could not look the zone up; using UTC");
        }
        let trigger = trigger_id.as_deref().map(Trigger);
        let handled = app2
            .core
            .answer(&who, trigger, channel.as_deref(), &understood)
            .await?;
        let slack = app2.slack(&who.team_id).await?;
        slack.respond(&url, &handled.message, true).await?;
        Ok(())
    });
    let mut wait = Message::new("One moment…");
    wait.push(Block::text(
        ":hourglass_flowing_sand: One moment: I'm looking up your time zone in Slack so the times come out right.",
    ));
    Arc::new(wait)
}

/// Delivers a file (a data export) in the person's DM with the bot.
fn send_file(app: &Arc<SlackApp>, actor: &Actor, file: Attachment) {
    let (app2, who) = (app.clone(), actor.clone());
    app.spawn_followup("send_file", actor, async move {
        let slack = app2.slack(&who.team_id).await?;
        let channel = slack
            .open_conversation(std::slice::from_ref(&who.user_id))
            .await?;
        slack.upload_file(&channel, &file).await?;
        Ok(())
    });
}

/// After answering: refresh the asker's Slack zone if it is unknown or old, and if the answer showed
/// UTC for want of it (`rerun`: it showed UTC and wrote nothing), replace that answer with one in their zone.
fn follow_up(
    app: &Arc<SlackApp>,
    actor: &Actor,
    understood: Understood,
    rerun: bool,
    response_url: Option<String>,
) {
    // Nearly every time the profile held in memory is fresh and there is nothing to do: say so
    // here rather than start a task to find it out.
    if !rerun && app.core.profile_known_fresh(actor) {
        return;
    }
    let (app2, who) = (app.clone(), actor.clone());
    app.spawn_followup("profile_refresh", actor, async move {
        let fetched = app2.core.refresh_profile_if_stale(&who).await?;
        if fetched && rerun {
            if let Some(url) = response_url {
                let again = app2.core.answer(&who, None, None, &understood).await?;
                if !again.zone_unknown {
                    let slack = app2.slack(&who.team_id).await?;
                    slack.respond(&url, &again.message, true).await?;
                }
            }
        }
        Ok(())
    });
}

/// Slack escapes `&`, `<` and `>` in what people type (real mentions keep their brackets);
/// the core wants the text as typed, and `views` escapes again on the way out.
fn unescape(text: &str) -> String {
    // Most commands have no `&` at all: no need for three searches and three copies.
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The slash command's answer, seen only by whoever typed it.
#[derive(serde::Serialize)]
struct Ephemeral {
    response_type: &'static str,
    #[serde(flatten)]
    content: slack_morphism::prelude::SlackMessageContent,
}

/// The JSON body of an ephemeral answer.
pub(super) fn ephemeral_json(message: &Message) -> bytes::Bytes {
    let body = Ephemeral {
        response_type: "ephemeral",
        content: message_content(message),
    };
    // Serialising plain strings and numbers into memory cannot fail.
    serde_json::to_vec(&body).unwrap_or_default().into()
}

pub(super) fn json_response(body: bytes::Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
