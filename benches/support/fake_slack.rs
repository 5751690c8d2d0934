//! An unthrottled fake Slack Web API on loopback, answering in Slack's real response shapes for
//! what the bot calls (auth.test, users.info with `tz`, chat.postMessage, conversations.open and
//! conversations.history, response_url hooks). It counts every call and every reminder delivery
//! (by the `key` in the message metadata the bot tags reminders with), so a bench can say how
//! many distinct reminders arrived and whether any arrived twice.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::signing::{BOT_TOKEN, TEAM};

pub const BOT_USER_ID: &str = "U0BENCHBOT";
const BOT_ID: &str = "B0BENCH01";

#[derive(Default)]
struct Inner {
    calls: Mutex<BTreeMap<String, u64>>,
    /// Reminder key -> how many times a message tagged with it was posted.
    deliveries: Mutex<HashMap<String, u32>>,
    posts: AtomicU64,
    next_ts: AtomicU64,
    /// users.info answers: user id -> IANA zone.
    zones: Mutex<HashMap<String, String>>,
}

#[derive(Clone)]
pub struct FakeSlack {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeSlack {
    /// Serves on 127.0.0.1 (a free port) on the current tokio runtime until the process ends.
    pub async fn start() -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Slack: bind");
        let addr = listener.local_addr().expect("fake Slack: address");
        let inner = Arc::new(Inner::default());
        let start_micros = (chrono::Utc::now().timestamp() as u64) * 1_000_000;
        inner.next_ts.store(start_micros, Ordering::Relaxed);
        let app = Router::new()
            .route("/api/{method}", post(api).get(api))
            .route("/hooks/{*rest}", post(hook))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSlack { addr, inner }
    }

    /// `http://127.0.0.1:PORT/api`, for `SLACK_API_URL`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/hooks/commands/{TEAM}/{id}/secret", self.addr)
    }

    /// What users.info answers for `user`.
    pub fn set_zone(&self, user: &str, zone: &str) {
        lock(&self.inner.zones).insert(user.to_owned(), zone.to_owned());
    }

    /// Calls per method (response_url posts as `response_url`).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        lock(&self.inner.calls).clone()
    }

    pub fn calls_summary(&self) -> String {
        let calls = self.calls();
        if calls.is_empty() {
            return "none".to_owned();
        }
        calls
            .iter()
            .map(|(m, n)| format!("{m} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn posts(&self) -> u64 {
        self.inner.posts.load(Ordering::Relaxed)
    }

    /// (distinct reminder keys delivered, keys delivered more than once).
    pub fn deliveries(&self) -> (usize, usize) {
        let seen = lock(&self.inner.deliveries);
        (seen.len(), seen.values().filter(|n| **n > 1).count())
    }

    /// Forgets the calls and deliveries counted so far.
    pub fn reset(&self) {
        lock(&self.inner.calls).clear();
        lock(&self.inner.deliveries).clear();
        self.inner.posts.store(0, Ordering::Relaxed);
    }

    /// Polls every 5 ms until `n` distinct reminders have arrived; returns when the last one did,
    /// or None on timeout.
    pub async fn wait_for_deliveries(&self, n: usize, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.deliveries().0 >= n {
                return Some(Instant::now());
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn count(inner: &Inner, method: &str) {
    *lock(&inner.calls).entry(method.to_owned()).or_default() += 1;
}

fn ok(mut body: Value) -> Response {
    body["ok"] = json!(true);
    json_response(body)
}

fn error(code: &str) -> Response {
    json_response(json!({ "ok": false, "error": code }))
}

fn json_response(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// Parameters from the query, a form body or a JSON body, as Slack accepts them.
fn params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    let form = |text: &[u8], out: &mut serde_json::Map<String, Value>| {
        for (k, v) in url::form_urlencoded::parse(text) {
            out.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    };
    form(query.unwrap_or("").as_bytes(), &mut out);
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if json_body {
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
            out.extend(fields);
        }
    } else {
        form(body, &mut out);
    }
    out
}

async fn api(
    State(inner): State<Arc<Inner>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    count(&inner, &method);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let params = params(query.as_deref(), &headers, &body);
    let token = bearer.or_else(|| params.get("token").and_then(Value::as_str));
    match token {
        None => return error("not_authed"),
        Some(t) if t != BOT_TOKEN => return error("invalid_auth"),
        Some(_) => {}
    }
    let text = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or("");
    match method.as_str() {
        "auth.test" => ok(json!({
            "url": "https://benchteam.slack.com/", "team": "Bench Team", "user": "officehours",
            "team_id": TEAM, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": false,
        })),
        "users.info" => {
            let user = text("user");
            let zone = lock(&inner.zones).get(user).cloned();
            let Some(zone) = zone else {
                return error("user_not_found");
            };
            let offset = zone
                .parse::<chrono_tz::Tz>()
                .map(|tz| {
                    use chrono::Offset;
                    chrono::Utc::now()
                        .with_timezone(&tz)
                        .offset()
                        .fix()
                        .local_minus_utc()
                })
                .unwrap_or(0);
            ok(json!({ "user": {
                "id": user, "team_id": TEAM, "name": user.to_lowercase(), "deleted": false,
                "real_name": user, "tz": zone, "tz_label": zone, "tz_offset": offset,
                "is_admin": false, "is_owner": false, "is_bot": false, "is_app_user": false,
                "updated": 1_700_000_000,
                "profile": { "display_name": user.to_lowercase(), "real_name": user, "team": TEAM,
                             "status_text": "", "status_emoji": "", "status_expiration": 0 },
            }}))
        }
        "conversations.open" => {
            let users = match params.get("users") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(""),
                Some(Value::String(s)) => s.replace(',', ""),
                _ => return error("users_list_not_supplied"),
            };
            let id = if users.len() <= 11 {
                format!("D{users}")
            } else {
                format!("G{users}")
            };
            ok(json!({ "channel": { "id": id } }))
        }
        "conversations.history" => ok(json!({
            "messages": [], "has_more": false, "pin_count": 0,
            "response_metadata": { "next_cursor": "" },
        })),
        "chat.postMessage" => {
            let channel = text("channel");
            if channel.is_empty() {
                return error("channel_not_found");
            }
            // A post to a user id lands in the bot's DM with them.
            let channel = if channel.starts_with('U') || channel.starts_with('W') {
                format!("D{channel}")
            } else {
                channel.to_owned()
            };
            let micros = inner.next_ts.fetch_add(1, Ordering::Relaxed);
            let ts = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
            let metadata = params.get("metadata").cloned();
            if let Some(key) = metadata
                .as_ref()
                .and_then(|m| m.pointer("/event_payload/key"))
                .and_then(Value::as_str)
            {
                *lock(&inner.deliveries).entry(key.to_owned()).or_default() += 1;
            }
            inner.posts.fetch_add(1, Ordering::Relaxed);
            let mut message = json!({
                "type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": "A0BENCH01",
                "team": TEAM, "ts": ts, "text": text("text"),
                "blocks": params.get("blocks").cloned().unwrap_or(json!([])),
            });
            if let Some(metadata) = metadata {
                message["metadata"] = metadata;
            }
            ok(json!({ "channel": channel, "ts": ts, "message": message }))
        }
        _ => json_response(json!({ "ok": false, "error": "unknown_method", "req_method": method })),
    }
}

async fn hook(State(inner): State<Arc<Inner>>, Path(_rest): Path<String>) -> Response {
    count(&inner, "response_url");
    (StatusCode::OK, "ok").into_response()
}
