//! A fake Slack Web API and response_url hook on loopback: answers like Slack, records every call, injects failures.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

/// Team, bot user, bot and app ids the fake answers with.
pub const TEAM_ID: &str = "T0001";
pub const BOT_USER_ID: &str = "UBOT";
pub const BOT_ID: &str = "B0001";
pub const APP_ID: &str = "A0001";
/// Pseudo method name for `fail_next` that targets posts to response_url hooks.
pub const RESPONSE_URL: &str = "response_url";

const METHODS: &[&str] = &[
    "auth.test",
    "users.info",
    "views.publish",
    "chat.postEphemeral",
    "chat.postMessage",
    "conversations.open",
];

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
}

struct FakeUser {
    name: String,
    tz: Option<String>,
    status_text: String,
    status_emoji: String,
}

struct State {
    bot_token: String,
    users: HashMap<String, FakeUser>,
    failures: HashMap<String, VecDeque<FakeFailure>>,
    calls: Vec<RecordedCall>,
    /// (hook path after /hooks/, JSON body) of accepted response_url posts.
    responses: Vec<(String, Value)>,
    /// Hook posts answered with 400, kept for failure messages.
    rejected_responses: Vec<String>,
    home_views: HashMap<String, Value>,
    open_dms: HashSet<String>,
    view_seq: u64,
    ts_seq: u64,
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
    }
}

impl FakeSlack {
    /// Binds 127.0.0.1:0 and serves until dropped. Only `bot_token` is accepted.
    pub async fn start(bot_token: &str) -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Slack: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake Slack: local_addr");
        let state: Shared = Arc::new(Mutex::new(State {
            bot_token: bot_token.to_string(),
            users: HashMap::new(),
            failures: HashMap::new(),
            calls: Vec::new(),
            responses: Vec::new(),
            rejected_responses: Vec::new(),
            home_views: HashMap::new(),
            open_dms: HashSet::new(),
            view_seq: 0,
            ts_seq: 0,
        }));
        let app = Router::new()
            .route("/api/{method}", get(api_handler).post(api_handler))
            .route("/hooks/{*rest}", post(hook_handler))
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

    /// Queues a failure for the next call to `method` (or `RESPONSE_URL`); FIFO, one per call.
    pub fn fail_next(&self, method: &str, failure: FakeFailure) {
        lock(&self.state)
            .failures
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

    /// The Home tab view last published for `user_id` (as views.publish answered it).
    pub fn published_view(&self, user_id: &str) -> Option<Value> {
        lock(&self.state).home_views.get(user_id).cloned()
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

    let failure = {
        let mut st = lock(&state);
        st.calls.push(RecordedCall {
            method: method.clone(),
            http_method: http_method.to_string(),
            token: token.clone(),
            params: Value::Object(params.clone()),
        });
        st.failures.get_mut(&method).and_then(VecDeque::pop_front)
    };
    if let Some(response) = apply_failure(failure).await {
        return response;
    }
    if !METHODS.contains(&method.as_str()) {
        return json_response(
            StatusCode::OK,
            json!({"ok": false, "error": "unknown_method", "req_method": method}),
        );
    }
    if let Some(error) = body_error {
        return envelope(Err(ApiError::new(error)));
    }
    let mut st = lock(&state);
    match token {
        None => return envelope(Err(ApiError::new("not_authed"))),
        Some(t) if t != st.bot_token => return envelope(Err(ApiError::new("invalid_auth"))),
        Some(_) => {}
    }
    let result = match method.as_str() {
        "auth.test" => Ok(auth_test()),
        "users.info" => users_info(&st, &params),
        "views.publish" => views_publish(&mut st, &params),
        "chat.postEphemeral" => chat_post_ephemeral(&mut st, &params),
        "chat.postMessage" => chat_post_message(&mut st, &params),
        "conversations.open" => conversations_open(&mut st, &params),
        _ => unreachable!("method list and dispatch disagree"),
    };
    envelope(result)
}

async fn hook_handler(
    AxumState(state): AxumState<Shared>,
    Path(rest): Path<String>,
    body: Bytes,
) -> Response {
    let failure = lock(&state)
        .failures
        .get_mut(RESPONSE_URL)
        .and_then(VecDeque::pop_front);
    if let Some(response) = apply_failure(failure).await {
        return response;
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let error = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(fields)) => {
            let has_content = ["text", "blocks", "attachments"]
                .iter()
                .any(|k| fields.contains_key(*k))
                || fields.get("delete_original").and_then(Value::as_bool) == Some(true);
            if has_content {
                lock(&state).responses.push((rest, Value::Object(fields)));
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
    lock(&state)
        .rejected_responses
        .push(format!("{error}: {text}"));
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        error,
    )
        .into_response()
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
        let (offset, label) = tz_offset_and_label(tz, unix_now());
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
    let mut view = match json_param(params, "view") {
        Some(Value::Object(view)) => view,
        Some(_) => {
            return Err(ApiError::invalid_arguments(
                "json must be an object [json-pointer:/view]",
            ))
        }
        None => return Err(ApiError::invalid_arguments("missing required field: view")),
    };
    if view.get("type").and_then(Value::as_str) != Some("home") {
        return Err(ApiError::invalid_arguments(
            "must be `home` [json-pointer:/view/type]",
        ));
    }
    let Some(Value::Array(blocks)) = view.get_mut("blocks") else {
        return Err(ApiError::invalid_arguments(
            "missing required field: blocks [json-pointer:/view]",
        ));
    };
    if blocks.len() > 100 {
        return Err(ApiError::invalid_arguments(
            "no more than 100 items allowed [json-pointer:/view/blocks]",
        ));
    }
    st.view_seq += 1;
    let seq = st.view_seq;
    for (i, block) in blocks.iter_mut().enumerate() {
        if let Some(block) = block.as_object_mut() {
            block
                .entry("block_id")
                .or_insert_with(|| json!(format!("b{seq}x{i}")));
        }
    }
    let previous = st.home_views.get(&user_id);
    if let (Some(previous), Some(hash)) = (previous, str_param(params, "hash")) {
        if previous["hash"].as_str() != Some(hash) {
            return Err(ApiError::new("hash_conflict"));
        }
    }
    let id = previous
        .and_then(|v| v["id"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("V{seq:08}"));
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
    st.home_views.insert(user_id, view.clone());
    Ok(json!({ "view": view }))
}

fn chat_post_ephemeral(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    str_param(params, "channel").ok_or(ApiError::new("channel_not_found"))?;
    str_param(params, "user").ok_or(ApiError::new("user_not_in_channel"))?;
    message_content(params)?;
    Ok(json!({ "message_ts": next_ts(st) }))
}

fn chat_post_message(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let channel = str_param(params, "channel").ok_or(ApiError::new("channel_not_found"))?;
    // Posting to a user id lands in the app's DM with that user.
    let channel = if channel.starts_with('U') || channel.starts_with('W') {
        format!("D{channel}")
    } else {
        channel.to_string()
    };
    let mut message = message_content(params)?;
    let ts = next_ts(st);
    message.insert("type".into(), json!("message"));
    message.insert("ts".into(), json!(ts));
    message.insert("user".into(), json!(BOT_USER_ID));
    message.insert("bot_id".into(), json!(BOT_ID));
    message.insert("app_id".into(), json!(APP_ID));
    message.insert("team".into(), json!(TEAM_ID));
    if let Some(thread_ts) = str_param(params, "thread_ts") {
        message.insert("thread_ts".into(), json!(thread_ts));
    }
    Ok(json!({ "channel": channel, "ts": ts, "message": message }))
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

fn conversations_open(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let users: Vec<String> = match params.get("users") {
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
    let id = match (users.as_slice(), str_param(params, "channel")) {
        ([], Some(channel)) => channel.to_string(),
        ([], None) => return Err(ApiError::new("users_list_not_supplied")),
        ([user], _) => format!("D{user}"),
        (many, _) => format!("G{}", many.concat()),
    };
    if st.open_dms.insert(id.clone()) {
        Ok(json!({ "channel": { "id": id } }))
    } else {
        Ok(json!({ "channel": { "id": id }, "no_op": true, "already_open": true }))
    }
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

fn is_truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(v.as_str(), Some("true" | "1"))
}

/// Unique, increasing message timestamps: 1700000000.000100, 1700000000.000200, ...
fn next_ts(st: &mut State) -> String {
    st.ts_seq += 1;
    let micros = 1_700_000_000_000_000u64 + st.ts_seq * 100;
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
