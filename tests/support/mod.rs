//! Test harness: the real application on a random port, a fake Slack on loopback, a real database.
#![allow(dead_code)]

pub mod fake_slack;
pub mod installs;
pub mod raw_http;
pub mod signing;

use chrono::{DateTime, TimeZone, Utc};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use fake_slack::FakeSlack;
use officehours::app::{Core, TickReport};
use officehours::clock::ManualClock;
use officehours::config::ServeConfig;
use officehours::nudges::NudgeSettings;
use officehours::presence::PresenceSettings;
use officehours::secret::Secret;
use officehours::startup::Application;

pub const BOT_TOKEN: &str = "xoxb-test-bot-token";
pub const APP_TOKEN: &str = "xapp-1-A0001-test-app-token";
pub const PUBLIC_URL: &str = "https://officehours.test";
/// 32 bytes as hex: the key that seals user tokens in tests.
pub const SECRET_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// 32 hex characters, the shape of a real signing secret (`serve` refuses any other).
pub const SIGNING_SECRET: &str = "7e57516e1e9c0de0123456789abcdef0";
pub const TEAM: &str = fake_slack::TEAM_ID;
/// The variable that turns the PostgreSQL runs on; `.ci/run` sets it.
pub const PG_VAR: &str = "TEST_DATABASE_URL";

/// Thursday 3 December 2026, 13:30 UTC: 14:30 in Berlin, 08:30 in New York, 00:30 Friday in Sydney.
pub fn thursday_afternoon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 13, 30, 0).unwrap()
}

/// Asks `probe` now and every `every` until it answers Some, for at most `timeout`; None if it
/// never did. For what nothing signals: a database row, a child process, another replica's
/// cache. A call to the fake Slack is awaited with its `wait_for…` helpers instead.
pub async fn poll<T, F>(
    timeout: Duration,
    every: Duration,
    mut probe: impl FnMut() -> F,
) -> Option<T>
where
    F: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(found) = probe().await {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("officehours.db").display());
                Some(TestDb {
                    url,
                    backend,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let Ok(base) = std::env::var(PG_VAR) else {
                    eprintln!("skipped: {PG_VAR} is not set, so the PostgreSQL run of this test did not happen");
                    return None;
                };
                // Each test gets its own schema, so tests run in parallel on one database.
                let schema = format!("t_{}", std::process::id()) + &format!("_{}", rand_suffix());
                let admin = sqlx::PgPool::connect(&base).await.unwrap_or_else(|e| {
                    panic!("{PG_VAR} is set but PostgreSQL is unreachable: {e}")
                });
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&admin)
                    .await
                    .expect("create schema");
                admin.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                Some(TestDb {
                    url,
                    backend,
                    _dir: None,
                })
            }
        }
    }

    /// The same database, for another process (or replica) to open; the original keeps it.
    pub fn same(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            backend: self.backend,
            _dir: None,
        }
    }

    /// Every row the bot's commands can write (event ids aside), as text: equal snapshots mean nothing was written.
    pub async fn snapshot(&self) -> String {
        type PersonRow = (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
        );
        type WindowRow = (i64, String, String, i32, i32, i32, String);
        const PEOPLE: &str = "SELECT team_id, user_id, tz_override, slack_tz, manual_state, manual_until, updated_at FROM people ORDER BY team_id, user_id";
        const WINDOWS: &str = "SELECT id, team_id, user_id, days, start_minute, end_minute, topics FROM windows ORDER BY id";
        let people: Vec<PersonRow> = self.rows(PEOPLE).await;
        let windows: Vec<WindowRow> = self.rows(WINDOWS).await;
        format!("{people:?}\n{windows:?}")
    }
}

impl TestDb {
    /// (key, status) of every reminder row, for asserting what the scheduler did.
    pub async fn reminders(&self) -> Vec<(String, String)> {
        self.rows("SELECT key, status FROM reminders ORDER BY id")
            .await
    }

    /// Reads rows straight from the database, bypassing the app (as an operator or a dump would).
    pub async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.expect("sqlite");
                let rows = sqlx::query_as(sql).fetch_all(&pool).await.expect(sql);
                pool.close().await;
                rows
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("postgres");
                let rows = sqlx::query_as(sql).fetch_all(&pool).await.expect(sql);
                pool.close().await;
                rows
            }
        }
    }

    /// Runs one statement, as an operator would by hand.
    pub async fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.expect("sqlite");
                sqlx::query(sql).execute(&pool).await.expect(sql);
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("postgres");
                sqlx::query(sql).execute(&pool).await.expect(sql);
                pool.close().await;
            }
        }
    }
}

/// A fresh `trigger_id`, as Slack gives every command, press and submission: a request that
/// arrives again with the same one is a replay, and is not acted on twice.
pub fn trigger_id() -> String {
    format!("13345224609.{}.{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}_{}", COUNTER.fetch_add(1, Ordering::Relaxed), nanos)
}

pub struct Response {
    pub status: u16,
    pub body: String,
    pub headers: hyper::HeaderMap,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// All visible text of a Block Kit answer, for assertions that should not depend on layout.
    pub fn text(&self) -> String {
        visible_text(&self.json())
    }
}

pub fn visible_text(message: &Value) -> String {
    let mut out = Vec::new();
    collect_text(message.get("blocks").unwrap_or(&Value::Null), &mut out);
    out.join("\n")
}

/// How a person is mentioned in a command, as Slack sends it: `<@U123|name>`.
pub fn mention(user: &str) -> String {
    format!("<@{user}|{}>", user.to_lowercase())
}

/// When a stored message was posted (the fake stamps messages with the test clock) and its text.
pub fn posted(message: &Value) -> (DateTime<Utc>, String) {
    let ts = message["ts"].as_str().expect("ts");
    let secs: i64 = ts
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("ts seconds");
    (Utc.timestamp_opt(secs, 0).unwrap(), visible_text(message))
}

fn collect_text(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(text)) = map.get("text") {
                out.push(text.clone());
            }
            for (key, inner) in map {
                if key != "text" || !inner.is_string() {
                    collect_text(inner, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

pub struct TestApp {
    pub base: String,
    pub slack: FakeSlack,
    pub clock: Arc<ManualClock>,
    pub db: TestDb,
    http: Client<HttpConnector, Full<Bytes>>,
    pub core: Core,
    commands_sent: std::sync::atomic::AtomicUsize,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, false).await.map(|(app, _)| app)
    }

    /// The app with Socket Mode on (`SLACK_APP_TOKEN` set), and the fake's WebSocket end.
    pub async fn spawn_with_socket_mode(
        backend: Backend,
    ) -> Option<(TestApp, fake_slack::socket::FakeSocket)> {
        Self::spawn_with(backend, true)
            .await
            .map(|(app, socket)| (app, socket.expect("socket mode")))
    }

    /// A second replica of this app: its own process state and fake Slack, the same database.
    pub async fn replica(&self) -> TestApp {
        let db = TestDb {
            url: self.db.url.clone(),
            backend: self.db.backend,
            _dir: None,
        };
        let (app, _) = Self::spawn_on(db, false).await;
        app.clock.set(officehours::clock::Clock::now(&*self.clock));
        app
    }

    async fn spawn_with(
        backend: Backend,
        socket_mode: bool,
    ) -> Option<(TestApp, Option<fake_slack::socket::FakeSocket>)> {
        let db = TestDb::new(backend).await?;
        Some(Self::spawn_on(db, socket_mode).await)
    }

    async fn spawn_on(
        db: TestDb,
        socket_mode: bool,
    ) -> (TestApp, Option<fake_slack::socket::FakeSocket>) {
        Self::try_spawn_on(db, socket_mode, Some(SECRET_KEY), None)
            .await
            .expect("application builds")
    }

    /// The app on `db` with these token keys (`OFFICEHOURS_SECRET_KEY`, `…_OLD`), or why it
    /// would not start.
    pub async fn spawn_keyed(
        db: TestDb,
        key: Option<&str>,
        old: Option<&str>,
    ) -> anyhow::Result<TestApp> {
        Ok(Self::try_spawn_on(db, false, key, old).await?.0)
    }

    async fn try_spawn_on(
        db: TestDb,
        socket_mode: bool,
        key: Option<&str>,
        old: Option<&str>,
    ) -> anyhow::Result<(TestApp, Option<fake_slack::socket::FakeSocket>)> {
        Self::try_spawn_configured(db, socket_mode, key, old, |_| {}).await
    }

    /// The app in "Add to Slack" mode (no `SLACK_BOT_TOKEN`; the client id and secret set),
    /// keeping an uninstalled workspace's data for `uninstall_retention`.
    pub async fn spawn_installs(
        backend: Backend,
        uninstall_retention: chrono::Duration,
    ) -> Option<TestApp> {
        let db = TestDb::new(backend).await?;
        let tweak = |config: &mut ServeConfig| {
            config.bot_token = None;
            config.uninstall_retention = uninstall_retention;
        };
        let spawned = Self::try_spawn_configured(db, false, Some(SECRET_KEY), None, tweak).await;
        Some(spawned.expect("application builds").0)
    }

    /// The app with its scheduler loop running every `tick` (other tests tick it by hand).
    pub async fn spawn_ticking(backend: Backend, tick: std::time::Duration) -> Option<TestApp> {
        let db = TestDb::new(backend).await?;
        let tweak = |config: &mut ServeConfig| config.tick = Some(tick);
        let spawned = Self::try_spawn_configured(db, false, Some(SECRET_KEY), None, tweak).await;
        Some(spawned.expect("application builds").0)
    }

    /// A second replica of an app in "Add to Slack" mode: its own process state and fake Slack,
    /// the same database.
    pub async fn installs_replica(&self, uninstall_retention: chrono::Duration) -> TestApp {
        let tweak = |config: &mut ServeConfig| {
            config.bot_token = None;
            config.uninstall_retention = uninstall_retention;
        };
        let (app, _) =
            Self::try_spawn_configured(self.db.same(), false, Some(SECRET_KEY), None, tweak)
                .await
                .expect("application builds");
        app.clock.set(officehours::clock::Clock::now(&*self.clock));
        app
    }

    /// A second replica of an app in "Add to Slack" mode that talks to this app's fake Slack
    /// (one Slack for both, so what one replica's refresh revokes, the other meets).
    pub async fn installs_replica_same_slack(&self) -> TestApp {
        let tweak = |config: &mut ServeConfig| config.bot_token = None;
        let (app, _) = Self::try_spawn_with_slack(
            self.db.same(),
            self.slack.handle(),
            false,
            (Some(SECRET_KEY), None),
            tweak,
        )
        .await
        .expect("application builds");
        app.clock.set(officehours::clock::Clock::now(&*self.clock));
        // The fake follows the first replica's clock; the test moves both together.
        self.slack.set_clock({
            let clock = self.clock.clone();
            move || officehours::clock::Clock::now(&*clock)
        });
        app
    }

    /// A replica of this single-token app started with another `SLACK_BOT_TOKEN` (as after
    /// the app was installed again), against its own fake Slack that knows that token.
    pub async fn replica_with_bot_token(&self, token: &str) -> TestApp {
        let slack = FakeSlack::start(token).await;
        let token = Secret::new(token);
        let tweak = |config: &mut ServeConfig| config.bot_token = Some(token);
        let (app, _) = Self::try_spawn_with_slack(
            self.db.same(),
            slack,
            false,
            (Some(SECRET_KEY), None),
            tweak,
        )
        .await
        .expect("application builds");
        app.clock.set(officehours::clock::Clock::now(&*self.clock));
        app
    }

    async fn try_spawn_configured(
        db: TestDb,
        socket_mode: bool,
        key: Option<&str>,
        old: Option<&str>,
        tweak: impl FnOnce(&mut ServeConfig),
    ) -> anyhow::Result<(TestApp, Option<fake_slack::socket::FakeSocket>)> {
        let slack = FakeSlack::start(BOT_TOKEN).await;
        Self::try_spawn_with_slack(db, slack, socket_mode, (key, old), tweak).await
    }

    async fn try_spawn_with_slack(
        db: TestDb,
        slack: FakeSlack,
        socket_mode: bool,
        (key, old): (Option<&str>, Option<&str>),
        tweak: impl FnOnce(&mut ServeConfig),
    ) -> anyhow::Result<(TestApp, Option<fake_slack::socket::FakeSocket>)> {
        let socket = socket_mode.then(|| slack.enable_socket_mode(APP_TOKEN));
        let clock = Arc::new(ManualClock::new(thursday_afternoon()));
        let mut config = serve_config(&db, &slack);
        config.app_token = socket.as_ref().map(|_| Secret::new(APP_TOKEN));
        config.secret_key = key.map(Secret::new);
        config.secret_key_old = old.map(Secret::new);
        tweak(&mut config);
        // Slack stamps messages with its own clock; in tests that is the test clock.
        slack.set_clock({
            let clock = clock.clone();
            move || officehours::clock::Clock::now(&*clock)
        });
        let app = Application::build(config, clock.clone()).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let core = app.core();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        let http = Client::builder(TokioExecutor::new()).build_http();
        let app = TestApp {
            base,
            slack,
            clock,
            db,
            http,
            core,
            commands_sent: Default::default(),
        };
        Ok((app, socket))
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: impl Into<Bytes>,
    ) -> Response {
        self.request_to(&self.base, method, path, headers, body)
            .await
    }

    /// As `request`, to another app at `base` (one the test runs itself).
    pub async fn request_to(
        &self,
        base: &str,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: impl Into<Bytes>,
    ) -> Response {
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("{base}{path}"));
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        let request = builder.body(Full::new(body.into())).expect("request");
        let response = tokio::time::timeout(Duration::from_secs(10), self.http.request(request))
            .await
            .expect("the app answers within 10 s")
            .expect("the app answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Response {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], Bytes::new()).await
    }

    /// POSTs a body signed with the app's signing secret, as Slack does.
    /// The app's socket address, for raw requests (see `raw_http`).
    pub fn addr(&self) -> std::net::SocketAddr {
        let authority = self.base.trim_start_matches("http://");
        authority.parse().expect("the app's base is http://ip:port")
    }

    pub async fn post_signed(&self, path: &str, content_type: &str, body: &str) -> Response {
        self.post_signed_to(&self.base, path, content_type, body)
            .await
    }

    /// As `post_signed`, to another app at `base` on this test's database and fake Slack.
    pub async fn post_signed_to(
        &self,
        base: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Response {
        let mut headers: Vec<(&str, String)> = signing::signed_headers(SIGNING_SECRET, body);
        headers.push(("content-type", content_type.to_owned()));
        self.request_to(base, "POST", path, &headers, body.to_owned())
            .await
    }

    /// The form Slack posts for `/officehours <text>` typed by `user`.
    pub fn command_form(&self, user: &str, text: &str, response_id: &str) -> String {
        self.command_form_in(TEAM, user, text, response_id)
    }

    /// As `command_form`, typed in workspace `team`.
    pub fn command_form_in(&self, team: &str, user: &str, text: &str, response_id: &str) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", "gIkuvaNzQIHg97ATvDxqgjtO")
            .append_pair("team_id", team)
            .append_pair("team_domain", "example")
            .append_pair("channel_id", "C2147483705")
            .append_pair("channel_name", "general")
            .append_pair("user_id", user)
            .append_pair("user_name", &user.to_lowercase())
            .append_pair("command", "/officehours")
            .append_pair("text", text)
            .append_pair("api_app_id", fake_slack::APP_ID)
            .append_pair("is_enterprise_install", "false")
            .append_pair("response_url", &self.slack.response_url(response_id))
            .append_pair("trigger_id", &trigger_id())
            .finish()
    }

    pub async fn command(&self, user: &str, text: &str) -> Response {
        let n = self
            .commands_sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.command_with_response_url(user, text, &format!("cmd{n}"))
            .await
    }

    /// As `command`, with a chosen response_url id so a test can watch the follow-ups to it.
    pub async fn command_with_response_url(
        &self,
        user: &str,
        text: &str,
        response_id: &str,
    ) -> Response {
        let body = self.command_form(user, text, response_id);
        self.post_signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            &body,
        )
        .await
    }

    /// Runs a command that must succeed, returning the visible text of its ephemeral answer.
    pub async fn say(&self, user: &str, text: &str) -> String {
        let response = self.command(user, text).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let json = response.json();
        assert_eq!(json["response_type"], "ephemeral", "{json}");
        assert!(
            json["text"].as_str().is_some_and(|t| !t.is_empty()),
            "fallback text missing: {json}"
        );
        response.text()
    }

    pub async fn event(&self, body: &Value) -> Response {
        self.post_signed("/slack/events", "application/json", &body.to_string())
            .await
    }

    pub async fn interaction(&self, payload: &Value) -> Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish();
        self.post_signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            &body,
        )
        .await
    }

    /// Runs one scheduler tick at the test clock's time.
    pub async fn tick(&self) -> TickReport {
        self.core.deliver_due().await.expect("the scheduler ticks")
    }

    /// Moves the test clock and ticks, as the loop would have done meanwhile.
    pub async fn advance_and_tick(&self, by: chrono::Duration) -> TickReport {
        self.clock.advance(by);
        self.tick().await
    }

    /// Gives a person a Slack profile zone, as users.info would report it, and lets the bot learn it.
    pub async fn known_user(&self, user: &str, tz: &str) {
        self.slack.set_user(user, &user.to_lowercase(), Some(tz));
        let before = self.slack.calls_to("users.info").len();
        self.command(user, "help").await;
        self.slack
            .wait_for_calls("users.info", before + 1, Duration::from_secs(5))
            .await;
        // The profile is cached right after the call returns.
        let app = self;
        let learned = || async move { app.say(user, "list").await.contains(tz).then_some(()) };
        let every = Duration::from_millis(20);
        if poll(Duration::from_secs(5), every, learned).await.is_none() {
            panic!("the bot never learned {user}'s zone {tz}");
        }
    }
}

/// The configuration `serve` gets in tests: the test's database and fake Slack, a token key, the
/// scheduler ticked by hand. A test that runs apps of its own (a restart, a replica) starts from it.
pub fn serve_config(db: &TestDb, slack: &FakeSlack) -> ServeConfig {
    ServeConfig {
        database_url: db.url.clone(),
        bot_token: Some(Secret::new(BOT_TOKEN)),
        signing_secret: Secret::new(SIGNING_SECRET),
        app_token: None,
        // A trailing slash is accepted, as users paste it.
        slack_api_url: officehours::config::normalize_api_url(&format!("{}/", slack.api_url())),
        listen_addr: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        nudges: NudgeSettings::default(),
        // Tests tick the scheduler by hand, with the test clock: nothing waits for real time.
        tick: None,
        lease: std::time::Duration::from_secs(300),
        retention: chrono::Duration::days(365),
        uninstall_retention: chrono::Duration::days(30),
        messages_per_minute: 200,
        presence: PresenceSettings {
            public_url: Some(PUBLIC_URL.to_owned()),
            client_id: Some(fake_slack::CLIENT_ID.to_owned()),
            client_secret: Some(Secret::new(fake_slack::CLIENT_SECRET)),
            ..PresenceSettings::default()
        },
        secret_key: Some(Secret::new(SECRET_KEY)),
        secret_key_old: None,
        server: Default::default(),
    }
}

/// Runs each named `async fn NAME(app: TestApp)` once on SQLite and once on PostgreSQL (when
/// `TEST_DATABASE_URL` is set), as the tests `NAME::sqlite` and `NAME::postgres`. The bodies are
/// plain functions, outside the macro, so that rustfmt formats them.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(app) = TestApp::spawn(Backend::Sqlite).await { super::$name(app).await }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = TestApp::spawn(Backend::Postgres).await { super::$name(app).await }
                }
            }
        )*
    };
}

/// Runs each named `async fn NAME(backend: Backend)` once per backend, as `NAME::sqlite` and
/// `NAME::postgres`, for tests that start their apps themselves (installs, replicas).
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(Backend::Postgres).await
                }
            }
        )*
    };
}
