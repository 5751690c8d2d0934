//! A fake Slack Web API and response_url hook on loopback: answers like Slack, records every call,
//! keeps the messages posted and the views opened, and injects failures before or after a call takes effect.
//! `enable_socket_mode` adds Socket Mode: apps.connections.open and the WebSocket side (socket.rs).
//!
//! This file holds the server, its state and the handle tests use; each Web API method family
//! has its own file: chat.rs, conversations.rs, users.rs, views.rs, files.rs, auth.rs, and
//! faults.rs for injected failures. http.rs reads a call and routes it to its method.
//!
//! The benches include this folder as their fake Slack too (benches/support/mod.rs), so nothing
//! here may use the rest of tests/support. They send it tens of thousands of calls: a call is
//! recorded and answered without sleeps or scans over what was recorded before.
#![allow(dead_code)]

mod auth;
mod chat;
mod conversations;
mod faults;
mod files;
mod grid;
mod http;
mod limits;
mod params;
mod rotation;
pub mod socket;
mod users;
mod views;
mod watched;
mod workspaces;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

pub use faults::FakeFailure;
pub use files::SharedFile;
// Only the test binaries that enforce limits name it.
#[allow(unused_imports)]
pub use limits::FakeLimits;
use socket::FakeSocket;
use users::FakeUser;
pub use users::StatusNow;
use watched::Watched;
pub use workspaces::InstallGrant;

/// Team, bot user, bot and app ids the fake answers with.
pub const TEAM_ID: &str = "T0001";
pub const BOT_USER_ID: &str = "UBOT";
pub const BOT_ID: &str = "B0001";
pub const APP_ID: &str = "A0001";
/// Pseudo method name for `fail_next`/`accept_but_fail_next` that targets posts to response_url hooks.
pub const RESPONSE_URL: &str = "response_url";
/// The app's OAuth client credentials the fake accepts.
pub const CLIENT_ID: &str = "1111.2222";
pub const CLIENT_SECRET: &str = "test-client-secret";

#[derive(Clone, Debug)]
pub struct RecordedCall {
    pub method: String,
    pub http_method: String,
    pub token: Option<String>,
    pub params: Value,
    /// When the call arrived, in real time.
    pub at: std::time::Instant,
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
    /// Installed workspaces' bot tokens; install codes waiting to be exchanged; each person's
    /// workspace where it is not `TEAM_ID` (workspaces.rs).
    bot_tokens: HashMap<String, workspaces::BotToken>,
    install_codes: HashMap<String, InstallGrant>,
    user_teams: HashMap<String, String>,
    /// Enterprise Grid organisations: enterprise id -> the workspaces the app was added to.
    orgs: HashMap<String, Vec<String>>,
    /// Token rotation, when the test turns it on (rotation.rs).
    rotation: rotation::Rotation,
    /// Each user's current status and every status set, in order.
    statuses: HashMap<String, StatusNow>,
    status_sets: Vec<(String, StatusNow)>,
    shared_files: Vec<SharedFile>,
    view_seq: u64,
    /// The last message ts handed out, in microseconds.
    last_ts_micros: u64,
    /// Posts tagged with a reminder key, counted for the benches.
    deliveries: chat::Deliveries,
    /// Per-workspace rate limits, once a test enforces them, and per-workspace failures.
    limits: limits::Limits,
}

/// The state, and the signal that the fake recorded something (a call, a message, a hook post,
/// an upload) that waiting helpers await.
type Shared = Arc<Watched<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock()
}

pub struct FakeSlack {
    addr: SocketAddr,
    state: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeSlack {
    /// The fake that started the server stops it; a `handle` stops nothing.
    fn drop(&mut self) {
        let Some(tx) = self.shutdown.take() else {
            return;
        };
        let _ = tx.send(());
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
        let state: Shared = Watched::new(State {
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
            bot_tokens: HashMap::new(),
            install_codes: HashMap::new(),
            user_teams: HashMap::new(),
            orgs: HashMap::new(),
            rotation: Default::default(),
            statuses: HashMap::new(),
            status_sets: Vec::new(),
            shared_files: Vec::new(),
            view_seq: 0,
            last_ts_micros: chat::FIRST_TS_MICROS - chat::TS_STEP_MICROS,
            deliveries: chat::Deliveries::default(),
            limits: limits::Limits::default(),
        });
        let app = Router::new()
            .route(
                "/api/{method}",
                get(http::api_handler).post(http::api_handler),
            )
            .route("/hooks/{*rest}", post(chat::hook_handler))
            .route("/upload/v1/{file_id}", post(files::upload_handler))
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

    /// The same fake Slack, for a second replica: one Slack, as in production.
    pub fn handle(&self) -> FakeSlack {
        FakeSlack {
            addr: self.addr,
            state: self.state.clone(),
            shutdown: None,
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

    /// Makes the fake's "now" follow the test's clock (the bot's ManualClock, say): Slack stamps
    /// messages with its own time, so `oldest`/`latest` the bot derives from its clock line up.
    /// users.info offsets follow it too.
    pub fn set_clock(&self, now: impl Fn() -> chrono::DateTime<chrono::Utc> + Send + 'static) {
        lock(&self.state).clock = Some(Box::new(now));
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

    /// Calls per method since the start or `reset`, posts to response_url hooks as `response_url`,
    /// e.g. "chat.postMessage ×3, users.info ×1"; "none" if there were none.
    pub fn calls_summary(&self) -> String {
        let st = lock(&self.state);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for call in &st.calls {
            *counts.entry(&call.method).or_default() += 1;
        }
        let hooks = st.responses.len() + st.rejected_responses.len();
        if hooks > 0 {
            *counts.entry(RESPONSE_URL).or_default() += hooks;
        }
        if counts.is_empty() {
            return "none".to_owned();
        }
        let counts: Vec<String> = counts.iter().map(|(m, n)| format!("{m} ×{n}")).collect();
        counts.join(", ")
    }

    /// Forgets the calls, response_url posts and deliveries recorded so far, so that a bench can
    /// count one run; messages, users, conversations, views and queued failures stay.
    pub fn reset(&self) {
        let mut st = lock(&self.state);
        st.calls.clear();
        st.responses.clear();
        st.rejected_responses.clear();
        st.deliveries = chat::Deliveries::default();
    }

    /// Awaits what the fake records until `check` answers Some, for at most `timeout`: `check` runs
    /// now and again after every call, message, response_url post or upload. None on timeout.
    pub async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&FakeSlack) -> Option<T>,
    ) -> Option<T> {
        self.state.until(timeout, || check(self)).await
    }

    /// Awaits `list` holding at least `n` items; None after `timeout`.
    async fn at_least<T>(
        &self,
        n: usize,
        timeout: Duration,
        list: impl Fn(&FakeSlack) -> Vec<T>,
    ) -> Option<Vec<T>> {
        let enough = |fake: &FakeSlack| Some(list(fake)).filter(|found| found.len() >= n);
        self.wait_until(timeout, enough).await
    }

    /// Awaits at least `n` calls to `method`; panics listing the calls seen after `timeout`.
    pub async fn wait_for_calls(
        &self,
        method: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<RecordedCall> {
        if let Some(found) = self
            .at_least(n, timeout, |fake| fake.calls_to(method))
            .await
        {
            return found;
        }
        let seen: Vec<String> = self
            .calls()
            .iter()
            .map(|c| format!("  {} {} {}", c.http_method, c.method, c.params))
            .collect();
        panic!(
            "fake Slack: expected {n} call(s) to {method} within {timeout:?}, got {}; all calls seen:\n{}",
            self.calls_to(method).len(),
            if seen.is_empty() { "  (none)".to_string() } else { seen.join("\n") }
        );
    }
}
