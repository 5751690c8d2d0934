//! chat.postMessage, chat.postEphemeral, chat.update, chat.delete and the response_url hooks:
//! the messages the app posts, as Slack keeps and shows them.

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::conversations::known_channel;
use super::faults::{apply_failure, next_failure};
use super::http::ApiError;
use super::params::{json_param, str_param};
use super::{lock, FakeSlack, Shared, State, APP_ID, BOT_ID, BOT_USER_ID, RESPONSE_URL, TEAM_ID};

impl FakeSlack {
    /// Messages in `channel` (a DM is `D` + user id), oldest first, as stored: with `channel`,
    /// and `metadata` whenever it was sent.
    pub fn messages_in(&self, channel: &str) -> Vec<Value> {
        lock(&self.state)
            .messages
            .iter()
            .filter(|m| m["channel"] == channel)
            .cloned()
            .collect()
    }

    /// Messages in the bot's DM with `user_id`, whether posted to the user id or to the DM id.
    pub fn dm_messages(&self, user_id: &str) -> Vec<Value> {
        self.messages_in(&format!("D{user_id}"))
    }

    /// Awaits at least `n` messages in the DM with `user_id`; panics listing every stored message
    /// after `timeout`.
    pub async fn wait_for_dm_messages(
        &self,
        user_id: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        if let Some(found) = self
            .at_least(n, timeout, |fake| fake.dm_messages(user_id))
            .await
        {
            return found;
        }
        let got = self.dm_messages(user_id).len();
        let st = lock(&self.state);
        let stored: Vec<String> = st
            .messages
            .iter()
            .map(|m| {
                format!(
                    "  {} {} text={} metadata={}",
                    m["channel"].as_str().unwrap_or("?"),
                    m["ts"].as_str().unwrap_or("?"),
                    m["text"],
                    m.get("metadata").unwrap_or(&Value::Null)
                )
            })
            .collect();
        let posts = st
            .calls
            .iter()
            .filter(|c| c.method == "chat.postMessage")
            .count();
        panic!(
            "fake Slack: expected {n} message(s) in the DM with {user_id} (D{user_id}) within {timeout:?}, got {got}; \
             {posts} chat.postMessage call(s); all stored messages:\n{}",
            if stored.is_empty() { "  (none)".to_string() } else { stored.join("\n") }
        );
    }

    /// JSON bodies accepted at response_url(s), in order.
    pub fn responses(&self) -> Vec<Value> {
        lock(&self.state)
            .responses
            .iter()
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// JSON bodies accepted at `response_url(id)`, in order.
    pub fn responses_to(&self, id: &str) -> Vec<Value> {
        let path = format!("commands/{TEAM_ID}/{id}/secret");
        lock(&self.state)
            .responses
            .iter()
            .filter(|(p, _)| *p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Awaits at least `n` posts to any response_url; panics with them and the rejected ones after
    /// `timeout`.
    pub async fn wait_for_responses(&self, n: usize, timeout: Duration) -> Vec<Value> {
        match self.at_least(n, timeout, FakeSlack::responses).await {
            Some(found) => found,
            None => self.no_responses(&format!("{n} response_url post(s)"), timeout),
        }
    }

    /// Awaits at least `n` posts to `response_url(id)`; panics with every post after `timeout`.
    pub async fn wait_for_responses_to(&self, id: &str, n: usize, timeout: Duration) -> Vec<Value> {
        match self
            .at_least(n, timeout, |fake| fake.responses_to(id))
            .await
        {
            Some(found) => found,
            None => self.no_responses(&format!("{n} post(s) to response_url {id}"), timeout),
        }
    }

    fn no_responses(&self, expected: &str, timeout: Duration) -> ! {
        let found = self.responses();
        let rejected = lock(&self.state).rejected_responses.clone();
        panic!(
            "fake Slack: expected {expected} within {timeout:?}; all accepted posts ({}): {found:?}; rejected posts: {rejected:?}",
            found.len()
        );
    }
}

/// Posts tagged with a key in their metadata (`event_payload.key`, as the bot tags reminders),
/// counted as they arrive so that counting stays cheap at tens of thousands of posts.
#[derive(Default)]
pub(super) struct Deliveries {
    /// Key -> how many posts carried it.
    posts: HashMap<String, u32>,
    /// Keys posted more than once.
    twice: usize,
}

impl Deliveries {
    fn record(&mut self, key: &str) {
        let posts = self.posts.entry(key.to_owned()).or_default();
        *posts += 1;
        if *posts == 2 {
            self.twice += 1;
        }
    }
}

impl FakeSlack {
    /// (distinct keys delivered, keys delivered more than once) since the start or `reset`: a
    /// delivery is a chat.postMessage whose metadata carries `event_payload.key`.
    pub fn deliveries(&self) -> (usize, usize) {
        let st = lock(&self.state);
        (st.deliveries.posts.len(), st.deliveries.twice)
    }

    /// Awaits `n` distinct deliveries; returns when the last one was seen, or None after `timeout`.
    pub async fn wait_for_deliveries(&self, n: usize, timeout: Duration) -> Option<Instant> {
        let enough = |fake: &FakeSlack| (fake.deliveries().0 >= n).then(Instant::now);
        self.wait_until(timeout, enough).await
    }
}

pub(super) async fn hook_handler(
    AxumState(state): AxumState<Shared>,
    Path(rest): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(response) = apply_failure(next_failure(&state, RESPONSE_URL, false)).await {
        return response;
    }
    let response = accept_hook(&state, rest, &body);
    state.changed();
    let late = next_failure(&state, RESPONSE_URL, true);
    apply_failure(late).await.unwrap_or(response)
}

/// Keeps a response_url post that has content (plain `ok`), or rejects it with a 400 as Slack does.
fn accept_hook(state: &Shared, path: String, body: &[u8]) -> Response {
    let text = String::from_utf8_lossy(body).into_owned();
    let error = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(fields)) => {
            let has_content = ["text", "blocks", "attachments"]
                .iter()
                .any(|k| fields.contains_key(*k))
                || fields.get("delete_original").and_then(Value::as_bool) == Some(true);
            if has_content {
                lock(state).responses.push((path, Value::Object(fields)));
                return (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "ok",
                )
                    .into_response();
            }
            "no_text"
        }
        _ => "invalid_payload",
    };
    lock(state)
        .rejected_responses
        .push(format!("{error}: {text}"));
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        error,
    )
        .into_response()
}

pub(super) fn chat_post_ephemeral(
    st: &mut State,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    str_param(params, "channel").ok_or(ApiError::new("channel_not_found"))?;
    str_param(params, "user").ok_or(ApiError::new("user_not_in_channel"))?;
    message_content(params)?;
    Ok(json!({ "message_ts": next_ts(st) }))
}

pub(super) fn chat_post_message(
    st: &mut State,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let target = str_param(params, "channel").ok_or(ApiError::new("channel_not_found"))?;
    let mut message = message_content(params)?;
    let metadata = metadata_param(params)?;
    // Posting to a user id lands in the app's DM with that user, opening it if need be.
    let channel = if target.starts_with('U') || target.starts_with('W') {
        let dm = format!("D{target}");
        st.conversations
            .entry(dm.clone())
            .or_insert_with(|| vec![target.to_string()]);
        dm
    } else {
        target.to_string()
    };
    let ts = next_ts(st);
    message.insert("channel".into(), json!(channel));
    message.insert("type".into(), json!("message"));
    message.insert("ts".into(), json!(ts));
    message.insert("user".into(), json!(BOT_USER_ID));
    message.insert("bot_id".into(), json!(BOT_ID));
    message.insert("app_id".into(), json!(APP_ID));
    message.insert("team".into(), json!(TEAM_ID));
    if let Some(thread_ts) = str_param(params, "thread_ts") {
        message.insert("thread_ts".into(), json!(thread_ts));
    }
    if let Some(metadata) = metadata {
        if let Some(key) = metadata["event_payload"]["key"].as_str() {
            st.deliveries.record(key);
        }
        message.insert("metadata".into(), metadata);
    }
    let message = Value::Object(message);
    let answer = json!({ "channel": channel, "ts": ts, "message": shown(&message, true) });
    st.messages.push(message);
    Ok(answer)
}

pub(super) fn chat_update(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let channel = str_param(params, "channel")
        .filter(|c| known_channel(st, c))
        .ok_or(ApiError::new("channel_not_found"))?;
    let ts = str_param(params, "ts").ok_or(ApiError::new("message_not_found"))?;
    let metadata = metadata_param(params)?;
    // Fields left out keep their value; an empty blocks or attachments array removes them.
    let mut changes = Map::new();
    if let Some(text) = params.get("text").and_then(Value::as_str) {
        changes.insert("text".into(), json!(text));
    }
    for (key, error) in [
        ("blocks", "invalid_blocks"),
        ("attachments", "invalid_attachments"),
    ] {
        match json_param(params, key) {
            Some(Value::Array(items)) => {
                changes.insert(key.into(), Value::Array(items));
            }
            Some(_) => return Err(ApiError::new(error)),
            None => {}
        }
    }
    if changes.is_empty() {
        return Err(ApiError::new("no_text"));
    }
    let stored = st
        .messages
        .iter_mut()
        .find(|m| m["channel"] == channel && m["ts"] == ts)
        .ok_or(ApiError::new("message_not_found"))?;
    let mut updated = stored.as_object().cloned().unwrap_or_default();
    for (key, value) in changes {
        if value.as_array().is_some_and(Vec::is_empty) {
            updated.remove(&key);
        } else {
            updated.insert(key, value);
        }
    }
    if let Some(metadata) = metadata {
        updated.insert("metadata".into(), metadata);
    }
    let has_text = updated
        .get("text")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if !has_text && !updated.contains_key("blocks") && !updated.contains_key("attachments") {
        return Err(ApiError::new("no_text"));
    }
    *stored = Value::Object(updated);
    Ok(json!({
        "channel": channel,
        "ts": ts,
        "text": stored["text"],
        "message": shown(stored, true),
    }))
}

pub(super) fn chat_delete(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let channel = str_param(params, "channel")
        .filter(|c| known_channel(st, c))
        .ok_or(ApiError::new("channel_not_found"))?;
    let ts = str_param(params, "ts").ok_or(ApiError::new("message_not_found"))?;
    let index = st
        .messages
        .iter()
        .position(|m| m["channel"] == channel && m["ts"] == ts)
        .ok_or(ApiError::new("message_not_found"))?;
    st.messages.remove(index);
    Ok(json!({ "channel": channel, "ts": ts }))
}

/// `text`, `blocks` and `attachments` of a message (JSON-string values decoded); `no_text` if none.
fn message_content(params: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    let mut content = Map::new();
    content.insert(
        "text".into(),
        json!(str_param(params, "text").unwrap_or("")),
    );
    for key in ["blocks", "attachments"] {
        match json_param(params, key) {
            Some(Value::Array(items)) if !items.is_empty() => {
                content.insert(key.into(), Value::Array(items));
            }
            Some(Value::Array(_)) | None => {}
            Some(_) => {
                return Err(ApiError::new(if key == "blocks" {
                    "invalid_blocks"
                } else {
                    "invalid_attachments"
                }))
            }
        }
    }
    if content["text"] == "" && content.len() == 1 {
        return Err(ApiError::new("no_text"));
    }
    Ok(content)
}

/// Message metadata as Slack takes it: an object with a string `event_type` and an object
/// `event_payload`, kept as sent.
fn metadata_param(params: &Map<String, Value>) -> Result<Option<Value>, ApiError> {
    let Some(metadata) = json_param(params, "metadata") else {
        return Ok(None);
    };
    let event_type = metadata["event_type"].as_str().unwrap_or("");
    if event_type.is_empty() || !metadata["event_payload"].is_object() {
        return Err(ApiError::new("invalid_metadata_format"));
    }
    Ok(Some(metadata))
}

/// A stored message as Slack shows it: without our `channel` key, and with `metadata` only if asked.
pub(super) fn shown(stored: &Value, with_metadata: bool) -> Value {
    let mut message = stored.clone();
    if let Some(fields) = message.as_object_mut() {
        fields.remove("channel");
        if !with_metadata {
            fields.remove("metadata");
        }
    }
    message
}

pub(super) const FIRST_TS_MICROS: u64 = 1_700_000_000_000_100;
pub(super) const TS_STEP_MICROS: u64 = 100;

/// Unique, increasing message timestamps: 1700000000.000100, 1700000000.000200, ... or, with
/// `set_clock`, its time (kept 100 µs past the last one while that clock stands still).
fn next_ts(st: &mut State) -> String {
    let now = st.clock.as_ref().map_or(0, |now| {
        u64::try_from(now().timestamp_micros()).unwrap_or(0)
    });
    let micros = now.max(st.last_ts_micros + TS_STEP_MICROS);
    st.last_ts_micros = micros;
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}
