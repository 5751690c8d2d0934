//! The HTTP side of the Web API: a call's parameters and token, Slack's checks before any method
//! runs, the routing to the method, and Slack's `{"ok":…}` envelope.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::auth::{apps_connections_open, auth_test, check_token, oauth_access, user_token_call};
use super::chat::{chat_delete, chat_post_ephemeral, chat_post_message, chat_update};
use super::conversations::{conversations_history, conversations_open};
use super::faults::{apply_failure, next_failure};
use super::files::{files_complete_upload, files_get_upload_url};
use super::users::users_info;
use super::views::{views_open, views_publish, views_update};
use super::{limits, lock, workspaces, RecordedCall, Shared, State};

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
    "auth.teams.list",
];

pub(super) async fn api_handler(
    AxumState(state): AxumState<Shared>,
    Path(method): Path<String>,
    http_method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = read_call(query.as_deref(), &headers, &body);
    let in_team = {
        let mut st = lock(&state);
        st.calls.push(RecordedCall {
            method: method.clone(),
            http_method: http_method.to_string(),
            token: call.token.clone(),
            params: Value::Object(call.params.clone()),
            at: std::time::Instant::now(),
        });
        let team = limits::team_of_call(&st, call.token.as_deref());
        limits::next_failure_in(&mut st, &team, &method).or_else(|| {
            let channel = call.params.get("channel").and_then(Value::as_str)?;
            (method == "chat.postMessage")
                .then(|| limits::over_limits(&mut st, &team, channel))
                .flatten()
        })
    };
    state.changed();
    if let Some(response) = apply_failure(in_team).await {
        return response;
    }
    if let Some(response) = apply_failure(next_failure(&state, &method, false)).await {
        return response;
    }
    let response = answer(&state, &method, &call);
    state.changed();
    let late = next_failure(&state, &method, true);
    apply_failure(late).await.unwrap_or(response)
}

/// A Web API call as it arrived.
struct Call {
    /// From the query and the body (form or JSON), the body's winning where both have a key.
    params: Map<String, Value>,
    /// Why the body could not be read, as Slack says it.
    body_error: Option<&'static str>,
    /// The bearer token, else the `token` parameter.
    token: Option<String>,
    /// HTTP Basic credentials (client id, secret), as oauth.v2.access takes them.
    basic: Option<(String, String)>,
}

fn read_call(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Call {
    let mut params = Map::new();
    for (k, v) in parse_urlencoded(query.unwrap_or("")) {
        params.insert(k, Value::String(v));
    }
    let body_error = read_body(&mut params, headers, body);
    let bearer = authorization(headers, "Bearer ").map(|t| t.trim().to_string());
    let token = bearer.or_else(|| {
        params
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let basic = authorization(headers, "Basic ")
        .and_then(|b| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b.trim()).ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(id, secret)| (id.to_string(), secret.to_string()))
        });
    Call {
        params,
        body_error,
        token,
        basic,
    }
}

/// Adds the body's parameters (a JSON object, or a form) to `params`; the error if it is neither.
fn read_body(
    params: &mut Map<String, Value>,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<&'static str> {
    if body.is_empty() {
        return None;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => params.extend(fields),
            Ok(_) => return Some("json_not_object"),
            Err(_) => return Some("invalid_json"),
        }
    } else if content_type.is_empty()
        || content_type.starts_with("application/x-www-form-urlencoded")
    {
        for (k, v) in parse_urlencoded(&String::from_utf8_lossy(body)) {
            params.insert(k, Value::String(v));
        }
    } else {
        return Some("invalid_form_data");
    }
    None
}

/// The Authorization header's value after `scheme` ("Bearer ", "Basic "), if it has that scheme.
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(scheme))
}

/// What Slack answers once a call gets through: method, body and token checks, then the method.
fn answer(state: &Shared, method: &str, call: &Call) -> Response {
    if !METHODS.contains(&method) {
        return json_response(
            StatusCode::OK,
            json!({"ok": false, "error": "unknown_method", "req_method": method}),
        );
    }
    if let Some(error) = call.body_error {
        return envelope(Err(ApiError::new(error)));
    }
    let mut st = lock(state);
    let (params, token) = (&call.params, call.token.as_deref());
    if method == "oauth.v2.access" {
        return envelope(oauth_access(&mut st, params, call.basic.clone()));
    }
    if let Err(expired) = super::rotation::check_expiry(&st, token) {
        return envelope(Err(expired));
    }
    if let Some(result) = user_token_call(&mut st, method, token, params) {
        return envelope(result);
    }
    if matches!(method, "users.profile.get" | "users.profile.set") {
        return envelope(Err(ApiError::new("not_allowed_token_type")));
    }
    // An installed workspace's token: only its own people and DMs.
    match workspaces::token_team(&st, token) {
        Some(Err(error)) => return envelope(Err(error)),
        Some(Ok(team)) => {
            if let Some(error) = workspaces::other_workspace(&st, &team, method, params) {
                return envelope(Err(error));
            }
            if method == "auth.test" {
                return envelope(Ok(
                    workspaces::auth_test_of(&st, token.unwrap_or_default()).unwrap_or_default()
                ));
            }
            if method == "auth.revoke" {
                if let Some(bot) = token.and_then(|t| st.bot_tokens.get_mut(t)) {
                    bot.revoked = true;
                }
                return envelope(Ok(json!({ "revoked": true })));
            }
            if method == "apps.connections.open" {
                return envelope(Err(ApiError::new("not_allowed_token_type")));
            }
            if method == "auth.teams.list" {
                return envelope(super::grid::teams_list(&st, &team));
            }
            return envelope(run_method(&mut st, method, params));
        }
        None => {}
    }
    if let Err(error) = check_token(&st, method, token) {
        return envelope(Err(error));
    }
    if let Some(error) = workspaces::other_workspace(&st, super::TEAM_ID, method, params) {
        return envelope(Err(error));
    }
    envelope(run_method(&mut st, method, params))
}

/// A method called with the bot token (or, for apps.connections.open, the app-level token).
fn run_method(
    st: &mut State,
    method: &str,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    match method {
        "apps.connections.open" => apps_connections_open(st),
        "auth.test" => Ok(auth_test()),
        "users.info" => users_info(st, params),
        "views.publish" => views_publish(st, params),
        "views.open" => views_open(st, params),
        "views.update" => views_update(st, params),
        "chat.postEphemeral" => chat_post_ephemeral(st, params),
        "chat.postMessage" => chat_post_message(st, params),
        "chat.update" => chat_update(st, params),
        "chat.delete" => chat_delete(st, params),
        "conversations.open" => conversations_open(st, params),
        "conversations.history" => conversations_history(st, params),
        "files.getUploadURLExternal" => files_get_upload_url(st, params),
        "files.completeUploadExternal" => files_complete_upload(st, params),
        _ => unreachable!("method list and dispatch disagree"),
    }
}

pub(super) struct ApiError {
    code: &'static str,
    messages: Vec<String>,
}

impl ApiError {
    pub(super) fn new(code: &'static str) -> Self {
        ApiError {
            code,
            messages: Vec::new(),
        }
    }
    pub(super) fn invalid_arguments(message: &str) -> Self {
        ApiError {
            code: "invalid_arguments",
            messages: vec![format!("[ERROR] {message}")],
        }
    }
}

pub(super) fn envelope(result: Result<Value, ApiError>) -> Response {
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

pub(super) fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn parse_urlencoded(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect()
}
