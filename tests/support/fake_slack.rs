//! A fake Slack Web API and response_url hook on loopback: answers like Slack, records every call,
//! keeps the messages posted and the views opened, and injects failures before or after a call takes effect.
//! `enable_socket_mode` adds Socket Mode: apps.connections.open and the WebSocket side (fake_socket.rs).
#![allow(dead_code)]

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use super::fake_socket::FakeSocket;

/// Team, bot user, bot and app ids the fake answers with.
pub const TEAM_ID: &str = "T0001";
pub const BOT_USER_ID: &str = "UBOT";
pub const BOT_ID: &str = "B0001";
pub const APP_ID: &str = "A0001";
/// Pseudo method name for `fail_next`/`accept_but_fail_next` that targets posts to response_url hooks.
pub const RESPONSE_URL: &str = "response_url";

const METHODS: &[&str] = &[
    "apps.connections.open",
    "auth.test",
    "users.info",
    "views.publish",
    "views.open",
    "views.update",
    "chat.postEphemeral",
    "chat.postMessage",
    "chat.update",
    "chat.delete",
    "conversations.open",
    "conversations.history",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "oauth.v2.access",
    "users.profile.get",
    "users.profile.set",
    "auth.revoke",
];

/// The app's OAuth client credentials the fake accepts.
pub const CLIENT_ID: &str = "1111.2222";
pub const CLIENT_SECRET: &str = "test-client-secret";

/// A Slack status as users.profile.get reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusNow {
    pub text: String,
    pub emoji: String,
    pub expiration: i64,
}

/// A file shared through Slack's external upload flow.
#[derive(Clone, Debug)]
pub struct SharedFile {
    pub channel: String,
    pub title: String,
    pub name: String,
    pub content: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct RecordedCall {
    pub method: String,
    pub http_method: String,
    pub token: Option<String>,
    pub params: Value,
}

#[derive(Clone, Debug)]
pub enum FakeFailure {
    /// HTTP 429, `Retry-After: N`, body `{"ok":false,"error":"ratelimited"}`.
    RateLimited { retry_after_secs: u64 },
    /// HTTP 200 `{"ok":false,"error":...}`.
    Error(&'static str),
    /// That HTTP status with a short text body.
    Status(u16),
    /// Sleep, then answer normally.
    Delay(Duration),
    /// Drop the connection without a complete answer: the client sees a transport error, no status.
    Disconnect,
}

struct FakeUser {
    name: String,
    tz: Option<String>,
    status_text: String,
    status_emoji: String,
}

/// Slack's "now" when a test sets one.
type Clock = Box<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send>;

struct State {
    bot_token: String,
    /// The app-level token apps.connections.open takes, from `enable_socket_mode`.
    app_token: Option<String>,
    /// The WebSocket side of Socket Mode, once enabled.
    socket: Option<FakeSocket>,
    /// From `set_clock`; wall-clock time when None.
    clock: Option<Clock>,
    users: HashMap<String, FakeUser>,
    /// From `fail_next`: answered instead of the call.
    failures: HashMap<String, VecDeque<FakeFailure>>,
    /// From `accept_but_fail_next`: answered after the call took effect.
    late_failures: HashMap<String, VecDeque<FakeFailure>>,
    calls: Vec<RecordedCall>,
    /// (hook path after /hooks/, JSON body) of accepted response_url posts.
    responses: Vec<(String, Value)>,
    /// Hook posts answered with 400, kept for failure messages.
    rejected_responses: Vec<String>,
    /// Every view the app created (Home tabs and modals), by id, as last answered.
    views: HashMap<String, Value>,
    /// The Home tab view id of each user.
    home_views: HashMap<String, String>,
    /// Views answered by views.open, in order, as first opened.
    opened_views: Vec<Value>,
    /// trigger_ids already exchanged for a modal.
    used_triggers: HashSet<String>,
    /// Open DMs and mpims: id -> member user ids (the bot left out).
    conversations: HashMap<String, Vec<String>>,
    /// Posted messages in post order (so in ts order), each with its `channel`.
    messages: Vec<Value>,
    /// Files being uploaded (id -> name, bytes) and files shared: (channel, title, name, bytes).
    pending_files: HashMap<String, (String, Option<Vec<u8>>)>,
    /// `http://127.0.0.1:PORT`, for the upload URLs this fake hands out.
    base_url: String,
    /// User tokens: token -> (user id, revoked).
    user_tokens: HashMap<String, (String, bool)>,
    /// OAuth codes waiting to be exchanged: code -> (team, user, token).
    oauth_codes: HashMap<String, (String, String, String)>,
    /// Each user's current status and every status set, in order.
    statuses: HashMap<String, StatusNow>,
    status_sets: Vec<(String, StatusNow)>,
    shared_files: Vec<SharedFile>,
    view_seq: u64,
    /// The last message ts handed out, in microseconds.
    last_ts_micros: u64,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // A panicking test must not poison the fake for its Drop or other assertions.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct FakeSlack {
    addr: SocketAddr,
    state: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(socket) = lock(&self.state).socket.take() {
            socket.stop();
        }
    }
}

impl FakeSlack {
    /// Binds 127.0.0.1:0 and serves until dropped. Only `bot_token` is accepted (and, for
    /// apps.connections.open only, the app-level token of `enable_socket_mode`).
    pub async fn start(bot_token: &str) -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Slack: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake Slack: local_addr");
        let state: Shared = Arc::new(Mutex::new(State {
            bot_token: bot_token.to_string(),
            app_token: None,
            socket: None,
            clock: None,
            users: HashMap::new(),
            failures: HashMap::new(),
            late_failures: HashMap::new(),
            calls: Vec::new(),
            responses: Vec::new(),
            rejected_responses: Vec::new(),
            views: HashMap::new(),
            home_views: HashMap::new(),
            opened_views: Vec::new(),
            used_triggers: HashSet::new(),
            conversations: HashMap::new(),
            messages: Vec::new(),
            pending_files: HashMap::new(),
            base_url: format!("http://{addr}"),
            user_tokens: HashMap::new(),
            oauth_codes: HashMap::new(),
            statuses: HashMap::new(),
            status_sets: Vec::new(),
            shared_files: Vec::new(),
            view_seq: 0,
            last_ts_micros: FIRST_TS_MICROS - TS_STEP_MICROS,
        }));
        let app = Router::new()
            .route("/api/{method}", get(api_handler).post(api_handler))
            .route("/hooks/{*rest}", post(hook_handler))
            .route("/upload/v1/{file_id}", post(upload_handler))
            .with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        FakeSlack {
            addr,
            state,
            shutdown: Some(tx),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/api`, for `SlackClientHyperConnector::with_slack_api_url`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// Turns Socket Mode on: apps.connections.open accepts `app_token` (and only it; the bot token
    /// gets `not_allowed_token_type`, as does `app_token` on every other method) and answers a new
    /// single-use URL to the returned WebSocket server each call. Calling it again keeps the same
    /// server and changes the token. Until it is called, apps.connections.open knows no app token,
    /// so any `xapp-` token gets `invalid_auth`.
    pub fn enable_socket_mode(&self, app_token: &str) -> FakeSocket {
        let mut st = lock(&self.state);
        st.app_token = Some(app_token.to_string());
        st.socket.get_or_insert_with(FakeSocket::start).clone()
    }

    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/hooks/commands/{TEAM_ID}/{id}/secret", self.addr)
    }

    /// What users.info returns for `user_id`; `tz` is an IANA name or None (no tz fields).
    pub fn set_user(&self, user_id: &str, name: &str, tz: Option<&str>) {
        let mut st = lock(&self.state);
        let (status_text, status_emoji) = st
            .users
            .remove(user_id)
            .map(|u| (u.status_text, u.status_emoji))
            .unwrap_or_default();
        let user = FakeUser {
            name: name.to_string(),
            tz: tz.map(str::to_string),
            status_text,
            status_emoji,
        };
        st.users.insert(user_id.to_string(), user);
    }

    /// Sets the profile status users.info reports for a user already added with `set_user`.
    pub fn set_user_status(&self, user_id: &str, text: &str, emoji: &str) {
        let mut st = lock(&self.state);
        let user = st
            .users
            .get_mut(user_id)
            .expect("fake Slack: set_user before set_user_status");
        user.status_text = text.to_string();
        user.status_emoji = emoji.to_string();
    }

    /// Makes the fake's "now" follow the test's clock (the bot's ManualClock, say): Slack stamps
    /// messages with its own time, so `oldest`/`latest` the bot derives from its clock line up.
    /// users.info offsets follow it too.
    pub fn set_clock(&self, now: impl Fn() -> chrono::DateTime<chrono::Utc> + Send + 'static) {
        lock(&self.state).clock = Some(Box::new(now));
    }

    /// Queues a failure for the next call to `method` (or `RESPONSE_URL`); FIFO, one per call.
    pub fn fail_next(&self, method: &str, failure: FakeFailure) {
        lock(&self.state)
            .failures
            .entry(method.to_string())
            .or_default()
            .push_back(failure);
    }

    /// Like `fail_next`, but the call first takes effect (a chat.postMessage is stored) and then
    /// `failure` is answered instead: Slack did it, the bot never heard back. `Delay` answers
    /// normally, late. Used by the next call that `fail_next` does not fail; FIFO, one per call.
    pub fn accept_but_fail_next(&self, method: &str, failure: FakeFailure) {
        lock(&self.state)
            .late_failures
            .entry(method.to_string())
            .or_default()
            .push_back(failure);
    }

    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.state).calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        lock(&self.state)
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Polls every 10 ms until at least `n` calls to `method` were made; panics listing calls seen.
    pub async fn wait_for_calls(
        &self,
        method: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<RecordedCall> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.calls_to(method);
            if found.len() >= n {
                return found;
            }
            if Instant::now() >= deadline {
                let seen: Vec<String> = self
                    .calls()
                    .iter()
                    .map(|c| format!("  {} {} {}", c.http_method, c.method, c.params))
                    .collect();
                panic!(
                    "fake Slack: expected {n} call(s) to {method} within {timeout:?}, got {}; all calls seen:\n{}",
                    found.len(),
                    if seen.is_empty() { "  (none)".to_string() } else { seen.join("\n") }
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

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

    /// Polls every 10 ms until the DM with `user_id` holds at least `n` messages; panics listing
    /// every stored message.
    pub async fn wait_for_dm_messages(
        &self,
        user_id: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.dm_messages(user_id);
            if found.len() >= n {
                return found;
            }
            if Instant::now() >= deadline {
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
                    "fake Slack: expected {n} message(s) in the DM with {user_id} (D{user_id}) within {timeout:?}, got {}; \
                     {posts} chat.postMessage call(s); all stored messages:\n{}",
                    found.len(),
                    if stored.is_empty() { "  (none)".to_string() } else { stored.join("\n") }
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Members (bot left out) of a DM or mpim opened by conversations.open or a post to a user id.
    pub fn conversation_members(&self, channel: &str) -> Option<Vec<String>> {
        lock(&self.state).conversations.get(channel).cloned()
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

    pub async fn wait_for_responses(&self, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.responses();
            if found.len() >= n {
                return found;
            }
            if Instant::now() >= deadline {
                let rejected = lock(&self.state).rejected_responses.clone();
                panic!(
                    "fake Slack: expected {n} response_url post(s) within {timeout:?}, got {}: {found:?}; rejected posts: {rejected:?}",
                    found.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The Home tab view of `user_id` as Slack last answered it (views.publish or views.update).
    pub fn published_view(&self, user_id: &str) -> Option<Value> {
        let st = lock(&self.state);
        st.home_views
            .get(user_id)
            .and_then(|id| st.views.get(id))
            .cloned()
    }

    /// The views successful views.open calls answered, in order, as opened (with `id` and `hash`).
    /// Makes `code` exchangeable (once) for a user token of `user` in `team`, as if they approved.
    pub fn approve_oauth(&self, code: &str, team: &str, user: &str, token: &str) {
        lock(&self.state)
            .oauth_codes
            .insert(code.into(), (team.into(), user.into(), token.into()));
    }

    /// The person revokes the app from their account: the token stops working.
    pub fn revoke_user_token(&self, token: &str) {
        if let Some(entry) = lock(&self.state).user_tokens.get_mut(token) {
            entry.1 = true;
        }
    }

    pub fn token_revoked(&self, token: &str) -> bool {
        lock(&self.state)
            .user_tokens
            .get(token)
            .is_some_and(|(_, revoked)| *revoked)
    }

    /// A status the person set themselves.
    pub fn set_status(&self, user: &str, text: &str, emoji: &str, expiration: i64) {
        let status = StatusNow {
            text: text.into(),
            emoji: emoji.into(),
            expiration,
        };
        lock(&self.state).statuses.insert(user.into(), status);
    }

    pub fn status(&self, user: &str) -> StatusNow {
        lock(&self.state)
            .statuses
            .get(user)
            .cloned()
            .unwrap_or_default()
    }

    /// Every users.profile.set for `user`, in order.
    pub fn status_sets(&self, user: &str) -> Vec<StatusNow> {
        lock(&self.state)
            .status_sets
            .iter()
            .filter(|(u, _)| u == user)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Files shared with files.completeUploadExternal, in order.
    pub fn shared_files(&self) -> Vec<SharedFile> {
        lock(&self.state).shared_files.clone()
    }

    pub fn opened_views(&self) -> Vec<Value> {
        lock(&self.state).opened_views.clone()
    }
}

// ---------------------------------------------------------------- HTTP handlers

async fn api_handler(
    AxumState(state): AxumState<Shared>,
    Path(method): Path<String>,
    http_method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = Map::new();
    for (k, v) in parse_urlencoded(query.as_deref().unwrap_or("")) {
        params.insert(k, Value::String(v));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut body_error = None;
    if !body.is_empty() {
        if content_type.starts_with("application/json") {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(fields)) => params.extend(fields),
                Ok(_) => body_error = Some("json_not_object"),
                Err(_) => body_error = Some("invalid_json"),
            }
        } else if content_type.is_empty()
            || content_type.starts_with("application/x-www-form-urlencoded")
        {
            for (k, v) in parse_urlencoded(&String::from_utf8_lossy(&body)) {
                params.insert(k, Value::String(v));
            }
        } else {
            body_error = Some("invalid_form_data");
        }
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let token = bearer.or_else(|| {
        params
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_string)
    });

    lock(&state).calls.push(RecordedCall {
        method: method.clone(),
        http_method: http_method.to_string(),
        token: token.clone(),
        params: Value::Object(params.clone()),
    });
    if let Some(response) = apply_failure(next_failure(&state, &method, false)).await {
        return response;
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b.trim()).ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    let response = answer(
        &state,
        &method,
        token.as_deref(),
        basic,
        &params,
        body_error,
    );
    let late = next_failure(&state, &method, true);
    apply_failure(late).await.unwrap_or(response)
}

/// What Slack answers once a call gets through: method, body and token checks, then the method.
fn answer(
    state: &Shared,
    method: &str,
    token: Option<&str>,
    basic: Option<(String, String)>,
    params: &Map<String, Value>,
    body_error: Option<&'static str>,
) -> Response {
    if !METHODS.contains(&method) {
        return json_response(
            StatusCode::OK,
            json!({"ok": false, "error": "unknown_method", "req_method": method}),
        );
    }
    if let Some(error) = body_error {
        return envelope(Err(ApiError::new(error)));
    }
    let mut st = lock(state);
    if method == "oauth.v2.access" {
        return envelope(oauth_access(&mut st, params, basic));
    }
    // A person's own token, for their profile (and auth.test / auth.revoke).
    if let Some((user, revoked)) = token.and_then(|t| st.user_tokens.get(t).cloned()) {
        if revoked {
            return envelope(Err(ApiError::new("token_revoked")));
        }
        let result = match method {
            "users.profile.get" => Ok(profile_of(&st, &user)),
            "users.profile.set" => profile_set(&mut st, &user, params),
            "auth.revoke" => {
                if let Some(entry) = token.and_then(|t| st.user_tokens.get_mut(t)) {
                    entry.1 = true;
                }
                Ok(json!({ "revoked": true }))
            }
            "auth.test" => Ok(
                json!({ "url": "https://example.slack.com/", "team": "Example", "user": user, "team_id": TEAM_ID, "user_id": user }),
            ),
            _ => Err(ApiError::new("not_allowed_token_type")),
        };
        return envelope(result);
    }
    if matches!(method, "users.profile.get" | "users.profile.set") {
        return envelope(Err(ApiError::new("not_allowed_token_type")));
    }
    // apps.connections.open takes the app-level token only; every other method the bot token only.
    let is_app_token = token.is_some() && token == st.app_token.as_deref();
    let wants_app_token = method == "apps.connections.open";
    match token {
        None => return envelope(Err(ApiError::new("not_authed"))),
        Some(t) if wants_app_token && t == st.bot_token => {
            return envelope(Err(ApiError::new("not_allowed_token_type")))
        }
        Some(_) if is_app_token && !wants_app_token => {
            return envelope(Err(ApiError::new("not_allowed_token_type")))
        }
        Some(t) if !is_app_token && t != st.bot_token => {
            return envelope(Err(ApiError::new("invalid_auth")))
        }
        Some(_) => {}
    }
    let result = match method {
        "apps.connections.open" => apps_connections_open(&st),
        "auth.test" => Ok(auth_test()),
        "users.info" => users_info(&st, params),
        "views.publish" => views_publish(&mut st, params),
        "views.open" => views_open(&mut st, params),
        "views.update" => views_update(&mut st, params),
        "chat.postEphemeral" => chat_post_ephemeral(&mut st, params),
        "chat.postMessage" => chat_post_message(&mut st, params),
        "chat.update" => chat_update(&mut st, params),
        "chat.delete" => chat_delete(&mut st, params),
        "conversations.open" => conversations_open(&mut st, params),
        "conversations.history" => conversations_history(&st, params),
        "files.getUploadURLExternal" => files_get_upload_url(&mut st, params),
        "files.completeUploadExternal" => files_complete_upload(&mut st, params),
        _ => unreachable!("method list and dispatch disagree"),
    };
    envelope(result)
}

async fn hook_handler(
    AxumState(state): AxumState<Shared>,
    Path(rest): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(response) = apply_failure(next_failure(&state, RESPONSE_URL, false)).await {
        return response;
    }
    let response = accept_hook(&state, rest, &body);
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

/// Pops the next injected failure for `method`: a `late` one (accept_but_fail_next) or not.
fn next_failure(state: &Shared, method: &str, late: bool) -> Option<FakeFailure> {
    let mut st = lock(state);
    let queues = if late {
        &mut st.late_failures
    } else {
        &mut st.failures
    };
    queues.get_mut(method).and_then(VecDeque::pop_front)
}

/// Turns an injected failure into its response; `Delay` sleeps and lets the call go on.
async fn apply_failure(failure: Option<FakeFailure>) -> Option<Response> {
    match failure? {
        FakeFailure::Delay(d) => {
            tokio::time::sleep(d).await;
            None
        }
        FakeFailure::Error(code) => Some(envelope(Err(ApiError::new(code)))),
        FakeFailure::RateLimited { retry_after_secs } => {
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"ok": false, "error": "ratelimited"}),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            Some(response)
        }
        FakeFailure::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = status.canonical_reason().unwrap_or("error").to_string();
            Some(
                (
                    status,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    text,
                )
                    .into_response(),
            )
        }
        FakeFailure::Disconnect => Some(Response::new(Body::new(BrokenBody))),
    }
}

/// A body that fails at once: hyper then drops the connection instead of finishing the answer.
struct BrokenBody;

impl HttpBody for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fake Slack: connection dropped",
        ))))
    }
}

struct ApiError {
    code: &'static str,
    messages: Vec<String>,
}

impl ApiError {
    fn new(code: &'static str) -> Self {
        ApiError {
            code,
            messages: Vec::new(),
        }
    }
    fn invalid_arguments(message: &str) -> Self {
        ApiError {
            code: "invalid_arguments",
            messages: vec![format!("[ERROR] {message}")],
        }
    }
}

fn envelope(result: Result<Value, ApiError>) -> Response {
    let body = match result {
        Ok(Value::Object(mut fields)) => {
            fields.insert("ok".into(), Value::Bool(true));
            Value::Object(fields)
        }
        Ok(other) => panic!("fake Slack: method answered a non-object {other}"),
        Err(e) if e.messages.is_empty() => json!({"ok": false, "error": e.code}),
        Err(e) => {
            json!({"ok": false, "error": e.code, "response_metadata": {"messages": e.messages}})
        }
    };
    json_response(StatusCode::OK, body)
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

// ---------------------------------------------------------------- methods

fn apps_connections_open(st: &State) -> Result<Value, ApiError> {
    let socket = st.socket.as_ref().ok_or(ApiError::new("invalid_auth"))?;
    Ok(json!({ "url": socket.open_link() }))
}

fn auth_test() -> Value {
    json!({
        "url": "https://fake-team.slack.com/",
        "team": "Fake Team",
        "user": "officehours",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": false,
    })
}

fn users_info(st: &State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let id = str_param(params, "user").ok_or(ApiError::new("user_not_found"))?;
    let user = st.users.get(id).ok_or(ApiError::new("user_not_found"))?;
    let mut obj = json!({
        "id": id,
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": false,
        "color": "9f69e7",
        "real_name": user.name,
        "is_admin": false, "is_owner": false, "is_primary_owner": false,
        "is_restricted": false, "is_ultra_restricted": false,
        "is_bot": false, "is_app_user": false,
        "updated": 1_700_000_000,
        "has_2fa": false,
        "profile": {
            "display_name": user.name,
            "display_name_normalized": user.name,
            "real_name": user.name,
            "real_name_normalized": user.name,
            "status_text": user.status_text,
            "status_emoji": user.status_emoji,
            "status_expiration": 0,
            "team": TEAM_ID,
        },
    });
    if let Some(tz) = &user.tz {
        let now = st
            .clock
            .as_ref()
            .map_or_else(unix_now, |now| now().timestamp());
        let (offset, label) = tz_offset_and_label(tz, now);
        obj["tz"] = json!(tz);
        obj["tz_label"] = json!(label);
        obj["tz_offset"] = json!(offset);
    }
    if params.get("include_locale").is_some_and(is_truthy) {
        obj["locale"] = json!("en-US");
    }
    Ok(json!({ "user": obj }))
}

fn views_publish(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let user_id = str_param(params, "user_id")
        .ok_or_else(|| ApiError::invalid_arguments("missing required field: user_id"))?
        .to_string();
    let view = view_param(params)?;
    check_view(&view, "home")?;
    let previous = st.home_views.get(&user_id).and_then(|id| st.views.get(id));
    if let (Some(previous), Some(hash)) = (previous, str_param(params, "hash")) {
        if previous["hash"].as_str() != Some(hash) {
            return Err(ApiError::new("hash_conflict"));
        }
    }
    let id = previous.and_then(|v| v["id"].as_str().map(str::to_string));
    let view = save_view(st, view, id);
    st.home_views
        .insert(user_id, view["id"].as_str().unwrap_or_default().to_string());
    Ok(json!({ "view": view }))
}

fn views_open(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let trigger_id = str_param(params, "trigger_id")
        .ok_or_else(|| ApiError::invalid_arguments("missing required field: trigger_id"))?
        .to_string();
    let view = view_param(params)?;
    check_view(&view, "modal")?;
    // A trigger opens one view; it is spent only when one opens, so a rejected view can be fixed.
    if st.used_triggers.contains(&trigger_id) {
        return Err(ApiError::new("exchanged_trigger_id"));
    }
    check_external_id(st, &view, None)?;
    st.used_triggers.insert(trigger_id);
    let view = save_view(st, view, None);
    st.opened_views.push(view.clone());
    Ok(json!({ "view": view }))
}

fn views_update(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let mut view = view_param(params)?;
    let found = match (
        str_param(params, "view_id"),
        str_param(params, "external_id"),
    ) {
        (Some(id), _) => st.views.get(id),
        (None, Some(external_id)) => st.views.values().find(|v| v["external_id"] == external_id),
        (None, None) => {
            return Err(ApiError::invalid_arguments(
                "either view_id or external_id is required",
            ))
        }
    };
    let current = found.ok_or(ApiError::new("not_found"))?;
    // A view stays on its surface: a Home tab is updated with a home view, a modal with a modal.
    check_view(&view, current["type"].as_str().unwrap_or("modal"))?;
    if let Some(hash) = str_param(params, "hash") {
        if current["hash"].as_str() != Some(hash) {
            return Err(ApiError::new("hash_conflict"));
        }
    }
    // Keep the external_id unless the update sets one, so the view stays addressable by it.
    if let Some(external_id) = current["external_id"].as_str().filter(|e| !e.is_empty()) {
        view.entry("external_id").or_insert(json!(external_id));
    }
    let id = current["id"].as_str().unwrap_or_default().to_string();
    check_external_id(st, &view, Some(&id))?;
    let view = save_view(st, view, Some(id));
    Ok(json!({ "view": view }))
}

/// The `view` parameter as an object, sent as JSON or as a JSON-encoded string.
fn view_param(params: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    match json_param(params, "view") {
        Some(Value::Object(view)) => Ok(view),
        Some(_) => Err(ApiError::invalid_arguments(
            "json must be an object [json-pointer:/view]",
        )),
        None => Err(ApiError::invalid_arguments("missing required field: view")),
    }
}

/// Slack's checks on a view of type `kind` (`home` or `modal`): blocks, and a modal's title,
/// buttons (a submit button whenever it has inputs) and private_metadata.
fn check_view(view: &Map<String, Value>, kind: &str) -> Result<(), ApiError> {
    if view.get("type").and_then(Value::as_str) != Some(kind) {
        return Err(ApiError::invalid_arguments(&format!(
            "must be `{kind}` [json-pointer:/view/type]"
        )));
    }
    let Some(Value::Array(blocks)) = view.get("blocks") else {
        return Err(ApiError::invalid_arguments(
            "missing required field: blocks [json-pointer:/view]",
        ));
    };
    if blocks.len() > 100 {
        return Err(ApiError::invalid_arguments(
            "no more than 100 items allowed [json-pointer:/view/blocks]",
        ));
    }
    if kind != "modal" {
        return Ok(());
    }
    let title = view.get("title").ok_or_else(|| {
        ApiError::invalid_arguments("missing required field: title [json-pointer:/view]")
    })?;
    check_modal_label(title, "title")?;
    for key in ["submit", "close"] {
        if let Some(label) = view.get(key).filter(|v| !v.is_null()) {
            check_modal_label(label, key)?;
        }
    }
    let has_input = blocks.iter().any(|b| b["type"] == "input");
    if has_input && view.get("submit").is_none_or(Value::is_null) {
        return Err(ApiError::invalid_arguments(
            "must provide a submit property when using input blocks [json-pointer:/view]",
        ));
    }
    let private_metadata = view.get("private_metadata").and_then(Value::as_str);
    if private_metadata.is_some_and(|s| s.chars().count() > 3000) {
        return Err(ApiError::invalid_arguments(
            "must be less than 3001 characters [json-pointer:/view/private_metadata]",
        ));
    }
    Ok(())
}

/// A modal's title, submit or close: plain_text of 1 to 24 characters.
fn check_modal_label(label: &Value, key: &str) -> Result<(), ApiError> {
    if label["type"] != "plain_text" {
        return Err(ApiError::invalid_arguments(&format!(
            "must be a valid enum value [json-pointer:/view/{key}/type]"
        )));
    }
    let len = label["text"].as_str().map_or(0, |t| t.chars().count());
    if len == 0 || len > 24 {
        return Err(ApiError::invalid_arguments(&format!(
            "must be less than 25 characters [json-pointer:/view/{key}/text]"
        )));
    }
    Ok(())
}

/// A non-empty external_id must not belong to another of the team's views.
fn check_external_id(
    st: &State,
    view: &Map<String, Value>,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let Some(external_id) = view
        .get("external_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return Ok(());
    };
    let taken = st
        .views
        .values()
        .any(|v| v["external_id"] == external_id && v["id"].as_str() != own_id);
    if taken {
        Err(ApiError::new("duplicate_external_id"))
    } else {
        Ok(())
    }
}

/// Completes a view the way Slack answers it (block_ids, defaults, id, a fresh hash) and keeps it;
/// `id` is the id of the view it replaces, if any.
fn save_view(st: &mut State, mut view: Map<String, Value>, id: Option<String>) -> Value {
    st.view_seq += 1;
    let seq = st.view_seq;
    if let Some(Value::Array(blocks)) = view.get_mut("blocks") {
        for (i, block) in blocks.iter_mut().enumerate() {
            if let Some(block) = block.as_object_mut() {
                block
                    .entry("block_id")
                    .or_insert_with(|| json!(format!("b{seq}x{i}")));
            }
        }
    }
    let id = id.unwrap_or_else(|| format!("V{seq:08}"));
    let defaults = [
        ("private_metadata", json!("")),
        ("callback_id", json!("")),
        ("external_id", json!("")),
        ("clear_on_close", json!(false)),
        ("notify_on_close", json!(false)),
        ("close", Value::Null),
        ("submit", Value::Null),
    ];
    for (k, v) in defaults {
        view.entry(k).or_insert(v);
    }
    view.insert("id".into(), json!(id));
    view.insert("team_id".into(), json!(TEAM_ID));
    view.insert("state".into(), json!({"values": {}}));
    view.insert(
        "hash".into(),
        json!(format!(
            "{}.{:08x}",
            1_700_000_000 + seq,
            seq * 2_654_435_761 % (1 << 32)
        )),
    );
    view.insert("previous_view_id".into(), Value::Null);
    view.insert("root_view_id".into(), json!(id));
    view.insert("app_id".into(), json!(APP_ID));
    view.insert("app_installed_team_id".into(), json!(TEAM_ID));
    view.insert("bot_id".into(), json!(BOT_ID));
    let view = Value::Object(view);
    st.views.insert(id, view.clone());
    view
}

fn chat_post_ephemeral(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    str_param(params, "channel").ok_or(ApiError::new("channel_not_found"))?;
    str_param(params, "user").ok_or(ApiError::new("user_not_in_channel"))?;
    message_content(params)?;
    Ok(json!({ "message_ts": next_ts(st) }))
}

fn chat_post_message(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
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
        message.insert("metadata".into(), metadata);
    }
    let message = Value::Object(message);
    let answer = json!({ "channel": channel, "ts": ts, "message": shown(&message, true) });
    st.messages.push(message);
    Ok(answer)
}

fn chat_update(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
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

fn chat_delete(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
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
fn shown(stored: &Value, with_metadata: bool) -> Value {
    let mut message = stored.clone();
    if let Some(fields) = message.as_object_mut() {
        fields.remove("channel");
        if !with_metadata {
            fields.remove("metadata");
        }
    }
    message
}

/// A conversation the app can see: opened (DM, mpim) or posted to.
fn known_channel(st: &State, channel: &str) -> bool {
    st.conversations.contains_key(channel) || st.messages.iter().any(|m| m["channel"] == channel)
}

/// oauth.v2.access with the app's client credentials (HTTP Basic or params): a user-scope answer.
fn oauth_access(
    st: &mut State,
    params: &Map<String, Value>,
    basic: Option<(String, String)>,
) -> Result<Value, ApiError> {
    let (id, secret) = basic
        .or_else(|| {
            Some((
                str_param(params, "client_id")?.to_string(),
                str_param(params, "client_secret")?.to_string(),
            ))
        })
        .ok_or_else(|| ApiError::new("invalid_client_id"))?;
    if id != CLIENT_ID {
        return Err(ApiError::new("invalid_client_id"));
    }
    if secret != CLIENT_SECRET {
        return Err(ApiError::new("bad_client_secret"));
    }
    let code = str_param(params, "code").ok_or_else(|| ApiError::new("invalid_code"))?;
    let (team, user, token) = st
        .oauth_codes
        .remove(code)
        .ok_or_else(|| ApiError::new("invalid_code"))?;
    st.user_tokens.insert(token.clone(), (user.clone(), false));
    Ok(json!({
        "app_id": APP_ID,
        "authed_user": { "id": user, "scope": "users.profile:read,users.profile:write", "access_token": token, "token_type": "user" },
        "team": { "id": team, "name": "Example" },
        "enterprise": null,
        "is_enterprise_install": false
    }))
}

fn profile_of(st: &State, user: &str) -> Value {
    let now = st.statuses.get(user).cloned().unwrap_or_default();
    json!({ "profile": {
        "status_text": now.text, "status_emoji": now.emoji, "status_expiration": now.expiration,
        "real_name": user, "display_name": user, "team": TEAM_ID
    }})
}

fn profile_set(st: &mut State, user: &str, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let profile = match params.get("profile") {
        Some(Value::Object(p)) => p.clone(),
        Some(Value::String(text)) => {
            serde_json::from_str(text).map_err(|_| ApiError::new("invalid_profile"))?
        }
        _ => return Err(ApiError::new("invalid_profile")),
    };
    let mut now = st.statuses.get(user).cloned().unwrap_or_default();
    if let Some(text) = profile.get("status_text").and_then(Value::as_str) {
        now.text = text.to_string();
    }
    if let Some(emoji) = profile.get("status_emoji").and_then(Value::as_str) {
        now.emoji = emoji.to_string();
    }
    if let Some(expiration) = profile.get("status_expiration").and_then(Value::as_i64) {
        now.expiration = expiration;
    }
    if now.text.chars().count() > 100 {
        return Err(ApiError::new("too_long"));
    }
    st.statuses.insert(user.to_string(), now.clone());
    st.status_sets.push((user.to_string(), now));
    Ok(profile_of(st, user))
}

/// files.getUploadURLExternal: a one-off upload URL on this fake, and the file's id.
fn files_get_upload_url(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let base_url = st.base_url.clone();
    let (Some(name), Some(length)) = (str_param(params, "filename"), str_param(params, "length"))
    else {
        return Err(ApiError::new("invalid_arguments"));
    };
    if length.parse::<u64>().is_err() {
        return Err(ApiError::new("invalid_arguments"));
    }
    let id = format!("F{:08}", st.pending_files.len() + st.shared_files.len() + 1);
    st.pending_files
        .insert(id.clone(), (name.to_string(), None));
    Ok(json!({ "upload_url": format!("{base_url}/upload/v1/{id}"), "file_id": id }))
}

/// The upload itself: Slack's upload host answers in plain text.
async fn upload_handler(
    AxumState(state): AxumState<Shared>,
    Path(file_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut st = lock(&state);
    match st.pending_files.get_mut(&file_id) {
        Some(slot) => {
            slot.1 = Some(body.to_vec());
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain")],
                format!("OK - {}", body.len()),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "file not found").into_response(),
    }
}

/// files.completeUploadExternal: shares uploaded files in `channel_id`.
fn files_complete_upload(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let files = match params.get("files") {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(text)) => serde_json::from_str::<Vec<Value>>(text)
            .map_err(|_| ApiError::new("invalid_arguments"))?,
        _ => return Err(ApiError::new("invalid_arguments")),
    };
    let channel = str_param(params, "channel_id").map(str::to_string);
    if let Some(channel) = &channel {
        if !st.conversations.contains_key(channel) {
            return Err(ApiError::new("channel_not_found"));
        }
    }
    let mut answered = Vec::new();
    for file in files {
        let id = file["id"].as_str().unwrap_or_default().to_string();
        let Some((name, Some(content))) = st.pending_files.remove(&id) else {
            return Err(ApiError::new("file_not_found"));
        };
        let title = file["title"].as_str().unwrap_or(&name).to_string();
        answered.push(json!({ "id": id, "name": name, "title": title, "size": content.len() }));
        if let Some(channel) = &channel {
            st.shared_files.push(SharedFile {
                channel: channel.clone(),
                title,
                name,
                content,
            });
        }
    }
    Ok(json!({ "files": answered }))
}

fn conversations_open(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let mut users: Vec<String> = match params.get("users") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    // The same people always make the same conversation, whatever order they are listed in.
    users.sort();
    users.dedup();
    let id = match (users.as_slice(), str_param(params, "channel")) {
        ([], Some(channel)) if st.conversations.contains_key(channel) => channel.to_string(),
        ([], Some(_)) => return Err(ApiError::new("channel_not_found")),
        ([], None) => return Err(ApiError::new("users_list_not_supplied")),
        (many, _) if many.len() > 8 => return Err(ApiError::new("too_many_users")),
        ([user], _) => format!("D{user}"),
        (many, _) => format!("G{}", many.concat()),
    };
    match st.conversations.entry(id.clone()) {
        Entry::Occupied(_) => {
            Ok(json!({ "channel": { "id": id }, "no_op": true, "already_open": true }))
        }
        Entry::Vacant(slot) => {
            slot.insert(users);
            Ok(json!({ "channel": { "id": id } }))
        }
    }
}

fn conversations_history(st: &State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let channel = str_param(params, "channel")
        .filter(|c| known_channel(st, c))
        .ok_or(ApiError::new("channel_not_found"))?;
    let oldest = ts_param(params, "oldest").map_err(|()| ApiError::new("invalid_ts_oldest"))?;
    let latest = ts_param(params, "latest").map_err(|()| ApiError::new("invalid_ts_latest"))?;
    // Our cursors name the ts a page stopped at; the next page holds older messages.
    let before = match str_param(params, "cursor") {
        None => None,
        Some(cursor) => Some(
            cursor
                .strip_prefix("next_ts:")
                .and_then(parse_ts)
                .ok_or(ApiError::new("invalid_cursor"))?,
        ),
    };
    let inclusive = params.get("inclusive").is_some_and(is_truthy);
    let with_metadata = params.get("include_all_metadata").is_some_and(is_truthy);
    let limit = match params.get("limit") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .filter(|n| *n > 0)
    .map_or(100, |n| n.min(999) as usize);
    let in_range = |ts: u128| {
        oldest.is_none_or(|o| ts > o || inclusive && ts == o)
            && latest.is_none_or(|l| ts < l || inclusive && ts == l)
            && before.is_none_or(|b| ts < b)
    };
    // Newest first; thread replies stay in their thread, as in Slack.
    let mut matching = st.messages.iter().rev().filter(|m| {
        let ts = m["ts"].as_str().unwrap_or_default();
        let is_reply = m.get("thread_ts").is_some_and(|t| t != ts);
        m["channel"] == channel && !is_reply && parse_ts(ts).is_some_and(in_range)
    });
    let messages: Vec<Value> = matching
        .by_ref()
        .take(limit)
        .map(|m| shown(m, with_metadata))
        .collect();
    let has_more = matching.next().is_some();
    let next_cursor = match messages.last() {
        Some(last) if has_more => format!("next_ts:{}", last["ts"].as_str().unwrap_or_default()),
        _ => String::new(),
    };
    Ok(json!({
        "messages": messages,
        "has_more": has_more,
        "pin_count": 0,
        "channel_actions_ts": null,
        "channel_actions_count": 0,
        "response_metadata": { "next_cursor": next_cursor },
    }))
}

// ---------------------------------------------------------------- helpers

fn str_param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A parameter that is JSON, sent either as JSON (JSON body) or as a JSON-encoded string (form/query).
fn json_param(params: &Map<String, Value>, key: &str) -> Option<Value> {
    match params.get(key)? {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(serde_json::from_str(s).unwrap_or(Value::Null)),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

/// A timestamp parameter (string, or a number in a JSON body) in microseconds; Err if not one.
fn ts_param(params: &Map<String, Value>, key: &str) -> Result<Option<u128>, ()> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => parse_ts(s).map(Some).ok_or(()),
        Some(Value::Number(n)) => parse_ts(&n.to_string()).map(Some).ok_or(()),
        Some(_) => Err(()),
    }
}

/// "1700000000.000100", "1700000000" or "1700000000.5" as microseconds since the epoch.
fn parse_ts(s: &str) -> Option<u128> {
    let (secs, fraction) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if secs.is_empty() || fraction.len() > 6 || !digits(secs) || !digits(fraction) {
        return None;
    }
    let micros: u128 = format!("{fraction:0<6}").parse().ok()?;
    Some(secs.parse::<u128>().ok()? * 1_000_000 + micros)
}

fn is_truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(v.as_str(), Some("true" | "1"))
}

const FIRST_TS_MICROS: u64 = 1_700_000_000_000_100;
const TS_STEP_MICROS: u64 = 100;

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

fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The offset (seconds, DST included) and a label for an IANA zone at an instant, as users.info reports.
pub fn tz_offset_and_label(tz: &str, unix_secs: i64) -> (i32, String) {
    use chrono::Offset;
    let Ok(zone) = tz.parse::<chrono_tz::Tz>() else {
        return (0, tz.to_owned());
    };
    let Some(at) = chrono::DateTime::from_timestamp(unix_secs, 0) else {
        return (0, tz.to_owned());
    };
    let local = at.with_timezone(&zone);
    (
        local.offset().fix().local_minus_utc(),
        local.format("%Z").to_string(),
    )
}
