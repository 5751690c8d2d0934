//! Hostile traffic against the real server on loopback, bounded in count and time: idle and
//! slow connections, unsigned uploads, stale timestamps, oversized bodies, more connections than
//! the cap, more requests than may be in flight, SIGTERM while a body trickles. Meanwhile
//! `/healthz` and a signed `/officehours help` must answer within a second.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use officehours::clock::ManualClock;
use officehours::config::{ServeConfig, ServerSettings};
use officehours::nudges::NudgeSettings;
use officehours::presence::PresenceSettings;
use officehours::secret::Secret;
use officehours::startup::Application;
use support::fake_slack::FakeSlack;
use support::raw_http::{exchange, read_status, signed_head, status_within};
use support::{Backend, TestDb, BOT_TOKEN, SIGNING_SECRET, TEAM};

/// What a request may take under attack and still count as answered.
const PROMPT: Duration = Duration::from_secs(1);

/// Bounds short enough that the whole file runs in seconds.
fn short_bounds() -> ServerSettings {
    ServerSettings {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(3),
        request_timeout: Duration::from_secs(2),
        max_connections: 400,
        max_in_flight: 64,
        shutdown_grace: Duration::from_secs(1),
    }
}

struct Server {
    addr: std::net::SocketAddr,
    _slack: FakeSlack,
}

async fn start(database_url: &str, server: ServerSettings) -> Server {
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let config = ServeConfig {
        database_url: database_url.to_owned(),
        bot_token: Some(Secret::new(BOT_TOKEN)),
        signing_secret: Secret::new(SIGNING_SECRET),
        app_token: None,
        slack_api_url: slack.api_url(),
        listen_addr: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        nudges: NudgeSettings::default(),
        tick: None,
        lease: Duration::from_secs(300),
        retention: chrono::Duration::days(365),
        uninstall_retention: chrono::Duration::days(30),
        messages_per_minute: 200,
        presence: PresenceSettings::default(),
        secret_key: Some(Secret::new(support::SECRET_KEY)),
        secret_key_old: None,
        server,
    };
    let clock = Arc::new(ManualClock::new(support::thursday_afternoon()));
    let app = Application::build(config, clock)
        .await
        .expect("application builds");
    let addr = format!("127.0.0.1:{}", app.port()).parse().unwrap();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    Server {
        addr,
        _slack: slack,
    }
}

async fn sqlite_server(server: ServerSettings) -> (Server, TestDb) {
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    (start(&db.url, server).await, db)
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn help_form() -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("team_id", TEAM)
        .append_pair("channel_id", "C2147483705")
        .append_pair("user_id", "U0ANA00001")
        .append_pair("command", "/officehours")
        .append_pair("text", "help")
        .append_pair("response_url", "https://hooks.slack.test/commands/1")
        .append_pair("trigger_id", "13345224609.738474920.8088930838d88f008e0")
        .finish()
}

/// `/healthz` and a signed `/officehours help` each answer 200 within a second.
async fn answers_promptly(addr: std::net::SocketAddr) {
    let started = Instant::now();
    let health = exchange(
        addr,
        "GET /healthz HTTP/1.1\r\nhost: officehours\r\nconnection: close\r\n\r\n",
        "",
        PROMPT,
    )
    .await;
    assert_eq!(health, Some(200), "/healthz within a second");
    let form = help_form();
    let head = signed_head("/slack/commands", form.len(), now_unix(), &form);
    let help = exchange(addr, &head, form, PROMPT).await;
    assert_eq!(help, Some(200), "signed help within a second");
    assert!(started.elapsed() < 2 * PROMPT);
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_hostile_traffic_health_and_signed_commands_answer_within_a_second() {
    let (server, _db) = sqlite_server(short_bounds()).await;
    let addr = server.addr;
    answers_promptly(addr).await;
    let rss_before = rss_kib();

    // 200 connections that never send a byte.
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let mut attacks = JoinSet::new();
    // Slowloris: headers a line at a time, never finished.
    for i in 0..20 {
        attacks.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.ok()?;
            let _ = stream.write_all(b"POST /slack/commands HTTP/1.1\r\n").await;
            for n in 0..20 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                if stream
                    .write_all(format!("x-{i}-{n}: y\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    return Some(("slow headers", 0));
                }
            }
            Some(("slow headers", 999))
        });
    }
    // Slow bodies behind fresh, well-formed signed headers: a byte every 300 ms.
    for _ in 0..20 {
        attacks.spawn(async move {
            let head = signed_head("/slack/commands", 1000, now_unix(), "never sent");
            let stream = TcpStream::connect(addr).await.ok()?;
            let (mut read, mut write) = stream.into_split();
            write.write_all(head.as_bytes()).await.ok()?;
            let trickle = tokio::spawn(async move {
                for _ in 0..20 {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    if write.write_all(b"a").await.is_err() {
                        break;
                    }
                }
            });
            let status = read_status(&mut read, Duration::from_secs(5)).await;
            trickle.abort();
            Some(("slow body", status.unwrap_or(0)))
        });
    }
    // Header-only unsigned uploads declaring 100 MiB: refused without reading a byte.
    for _ in 0..20 {
        attacks.spawn(async move {
            let head =
                "POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-length: 104857600\r\n\r\n";
            let status = exchange(addr, head, "", PROMPT).await;
            Some(("huge unsigned upload", status.unwrap_or(0)))
        });
    }
    // Stale timestamps declaring a large (allowed) body that is never sent: the headers suffice.
    for _ in 0..20 {
        attacks.spawn(async move {
            let head = signed_head("/slack/commands", 200_000, now_unix() - 600, "x");
            let status = exchange(addr, &head, "", PROMPT).await;
            Some(("stale, body never sent", status.unwrap_or(0)))
        });
    }
    // 1 MiB bodies, sent whole, signed and unsigned, with and without a declared length.
    static MEBIBYTE: [u8; 1 << 20] = [b'a'; 1 << 20];
    for i in 0..64 {
        attacks.spawn(async move {
            let head = match i % 2 {
                0 => format!(
                    "POST /slack/commands HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n",
                    MEBIBYTE.len()
                ),
                _ => signed_head("/slack/commands", MEBIBYTE.len(), now_unix(), "other"),
            };
            let status = exchange(
                addr,
                &head,
                bytes::Bytes::from_static(&MEBIBYTE),
                Duration::from_secs(3),
            )
            .await;
            Some(("1 MiB body", status.unwrap_or(0)))
        });
    }
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        answers_promptly(addr).await;
    }
    let grown_mib = rss_kib().saturating_sub(rss_before) / 1024;

    let mut outcomes: std::collections::BTreeMap<&str, Vec<u16>> = Default::default();
    let all_done = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(done) = attacks.join_next().await {
            if let Some((what, status)) = done.expect("attack task") {
                outcomes.entry(what).or_default().push(status);
            }
        }
    })
    .await;
    assert!(
        all_done.is_ok(),
        "every attack ended within 15 s: {outcomes:?}"
    );
    let only = |what: &str, allowed: &[u16]| {
        let seen = &outcomes[what];
        assert!(
            seen.iter().all(|s| allowed.contains(s)),
            "{what}: {seen:?}, expected only {allowed:?}"
        );
    };
    // The header timer closes a trickle of headers (1 s) long before its 3 s of lines.
    only("slow headers", &[0]);
    // The whole-request timeout (2 s) ends a body that trickles for 6 s.
    only("slow body", &[408]);
    only("huge unsigned upload", &[413]);
    only("stale, body never sent", &[401]);
    only("1 MiB body", &[413]);
    // Before the bounds, 64 bodies of 1 MiB raised the server's memory by about 70 MB.
    assert!(grown_mib < 40, "memory grew by {grown_mib} MiB");

    // The idle connections were closed by the header timer, not held.
    for mut stream in idle.into_iter().take(20) {
        let mut byte = [0u8; 1];
        let closed = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut byte)).await;
        assert!(
            matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
            "an idle connection was still open: {closed:?}"
        );
    }
    answers_promptly(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_wait_until_idle_ones_are_closed() {
    let (server, _db) = sqlite_server(ServerSettings {
        max_connections: 20,
        ..short_bounds()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    // The kernel completes the handshake, but the server takes no 21st connection yet.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut waiting = TcpStream::connect(server.addr).await.expect("connect");
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    let early = status_within(&mut waiting, Duration::from_millis(300)).await;
    assert_eq!(early, None, "a connection past the cap was served at once");
    // The header timer (1 s) closes the idle ones, and the waiting one is served.
    let late = status_within(&mut waiting, Duration::from_secs(3)).await;
    assert_eq!(late, Some(200));
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_the_in_flight_cap_are_shed_with_503() {
    let (server, _db) = sqlite_server(ServerSettings {
        max_in_flight: 4,
        ..short_bounds()
    })
    .await;
    let addr = server.addr;
    // Four signed requests whose bodies never come hold the four slots until the body timeout.
    let mut holders = Vec::new();
    for _ in 0..4 {
        let head = signed_head("/slack/commands", 100, now_unix(), "never sent");
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(head.as_bytes()).await.expect("write");
        holders.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let health = "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    assert_eq!(exchange(addr, health, "", PROMPT).await, Some(503));
    for stream in &mut holders {
        assert_eq!(
            status_within(stream, Duration::from_secs(3)).await,
            Some(408),
            "a stalled body is cut off by the body timeout"
        );
    }
    assert_eq!(exchange(addr, health, "", PROMPT).await, Some(200));
}

/// A client that asks and asks but never reads an answer: once the server's writes have waited
/// `IDLE_TIMEOUT` (3 s here) it lets the connection go, and the client's next write fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_its_answers_is_let_go_after_the_idle_timeout() {
    let (server, _db) = sqlite_server(short_bounds()).await;
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("small receive buffer");
    let mut stream = socket.connect(server.addr).await.expect("connect");
    let asks = b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n".repeat(1000);
    let started = Instant::now();
    let let_go = tokio::time::timeout(Duration::from_secs(10), async {
        while stream.write_all(&asks).await.is_ok() {}
    })
    .await;
    assert!(
        let_go.is_ok(),
        "still held 10 s after the answers stopped being read"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "let go too early: {:?}",
        started.elapsed()
    );
    answers_promptly(server.addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_a_body_trickles_exits_within_the_grace_period() {
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let slack = FakeSlack::start(BOT_TOKEN).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_officehours"))
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_API_URL", slack.api_url())
        .env("OFFICEHOURS_SECRET_KEY", support::SECRET_KEY)
        .env("LISTEN_ADDR", addr.to_string())
        .env("SHUTDOWN_GRACE", "1s")
        .env("BODY_TIMEOUT", "60s")
        .env("REQUEST_TIMEOUT", "60s")
        .env_remove("SLACK_APP_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let health = "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    let up = support::poll(
        Duration::from_secs(20),
        Duration::from_millis(50),
        || async { (exchange(addr, health, "", PROMPT).await == Some(200)).then_some(()) },
    )
    .await;
    assert!(up.is_some(), "the server came up");

    let head = signed_head("/slack/commands", 1000, now_unix(), "never sent");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    let trickle = tokio::spawn(async move {
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if stream.write_all(b"a").await.is_err() {
                break;
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let sent = Instant::now();
    let exited = support::poll(Duration::from_secs(6), Duration::from_millis(50), || {
        let status = child.try_wait().expect("try_wait");
        async move { status }
    })
    .await;
    trickle.abort();
    let Some(status) = exited else {
        let _ = child.kill();
        panic!("still running 6 s after SIGTERM with a 1 s grace period");
    };
    assert!(status.success(), "exit status {status}");
    // Grace (1 s) plus the database's close and the runtime's wind-down.
    assert!(
        sent.elapsed() < Duration::from_secs(4),
        "took {:?}",
        sent.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_with_a_reason_when_the_database_is_read_only() {
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    // Created and migrated as usual, then opened read-only (as after the disk went read-only).
    officehours::store::connect(&db.url)
        .await
        .expect("migrated")
        .close()
        .await;
    let writable = start(&db.url, short_bounds()).await;
    let ready = "GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    assert_eq!(exchange(writable.addr, ready, "", PROMPT).await, Some(200));

    let read_only = start(&format!("{}?mode=ro", db.url), short_bounds()).await;
    let mut stream = TcpStream::connect(read_only.addr).await.expect("connect");
    stream.write_all(ready.as_bytes()).await.expect("write");
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), stream.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("cannot take a write"), "{answer}");
    assert!(answer.to_lowercase().contains("readonly"), "{answer}");
}

/// The forced path of a shutdown: claims cut off mid-delivery are handed back at once, marked
/// in doubt, so the next claimer looks in Slack's history before sending again.
async fn claims_cut_off_at_the_deadline_are_handed_back_in_doubt(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let store = officehours::store::connect(&db.url).await.expect("store");
    let now = support::thursday_afternoon();
    let reminder = officehours::store::reminders::NewReminder {
        team_id: TEAM.to_owned(),
        key: "shutdown:1".to_owned(),
        kind: "test".to_owned(),
        recipients: vec!["U0ANA00001".to_owned()],
        payload: serde_json::json!({}),
        due_at: now,
    };
    assert!(store.schedule(&reminder, now).await.expect("schedule"));
    let lease = chrono::Duration::minutes(5);
    let mine = store.claim_due(now, lease, "me", 10, None).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(!mine[0].in_doubt);
    assert_eq!(store.abandon_claims("me").await.unwrap(), 1);
    // Another replica takes it over at once, without waiting out the lease, and is warned.
    let theirs = store.claim_due(now, lease, "them", 10, None).await.unwrap();
    assert_eq!(theirs.len(), 1, "handed back before the lease ran out");
    assert!(theirs[0].in_doubt, "marked in doubt");
    assert_eq!(store.abandon_claims("me").await.unwrap(), 0, "only its own");
    store.close().await;
}

#[tokio::test]
async fn claims_cut_off_at_the_deadline_are_handed_back_in_doubt_sqlite() {
    claims_cut_off_at_the_deadline_are_handed_back_in_doubt(Backend::Sqlite).await;
}

#[tokio::test]
async fn claims_cut_off_at_the_deadline_are_handed_back_in_doubt_postgres() {
    claims_cut_off_at_the_deadline_are_handed_back_in_doubt(Backend::Postgres).await;
}

/// `GET /readyz`, the whole answer as text.
async fn readyz(addr: std::net::SocketAddr) -> String {
    let mut answer = String::new();
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return answer;
    };
    let ready = "GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    if stream.write_all(ready.as_bytes()).await.is_ok() {
        let _ =
            tokio::time::timeout(Duration::from_secs(3), stream.read_to_string(&mut answer)).await;
    }
    answer
}

/// Asks `/readyz` until its answer contains every one of `wanted` (at most 10 s): the pool
/// meets the changed sessions as it replaces the connections that were cut.
async fn readyz_until(addr: std::net::SocketAddr, wanted: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = readyz(addr).await;
        if wanted.iter().all(|w| answer.contains(w)) {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "never {wanted:?}; last answer:\n{answer}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// PostgreSQL that stops taking writes under a running bot (as a primary demoted to a standby
/// would): `/readyz` says 503 and why, and says ready again once writes are taken again. The
/// test's own role is made read-only, so no other test's sessions are touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_with_a_reason_when_postgres_refuses_writes() {
    let Ok(base) = std::env::var(support::PG_VAR) else {
        eprintln!("skipped: {} is not set", support::PG_VAR);
        return;
    };
    let admin = sqlx::PgPool::connect(&base).await.expect("postgres");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let role = format!("readyz_{}_{nanos}", std::process::id());
    let admin_run = |sql: String| {
        let admin = admin.clone();
        async move {
            sqlx::query(&sql)
                .execute(&admin)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    };
    // With a password of its own, so it logs in under password authentication as well as trust.
    let password = format!("pw{nanos}");
    admin_run(format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'")).await;
    admin_run(format!("CREATE SCHEMA {role} AUTHORIZATION {role}")).await;
    let mut url = url::Url::parse(&base).expect("a URL");
    url.set_username(&role).expect("a user name");
    url.set_password(Some(&password)).expect("a password");
    url.query_pairs_mut()
        .append_pair("options", &format!("-c search_path={role}"));
    let cut =
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'");

    let server = start(url.as_str(), short_bounds()).await;
    assert!(readyz(server.addr).await.starts_with("HTTP/1.1 200"));

    admin_run(format!(
        "ALTER ROLE {role} SET default_transaction_read_only = on"
    ))
    .await;
    admin_run(cut.clone()).await;
    let refused = readyz_until(server.addr, &["read-only transaction"]).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("cannot take a write"), "{refused}");

    admin_run(format!(
        "ALTER ROLE {role} RESET default_transaction_read_only"
    ))
    .await;
    admin_run(cut.clone()).await;
    readyz_until(server.addr, &["HTTP/1.1 200", "ready"]).await;

    // Left as found: the schema and the role go (the server's sessions with them).
    admin_run(format!("DROP SCHEMA {role} CASCADE")).await;
    admin_run(cut).await;
    admin_run(format!("DROP ROLE {role}")).await;
    admin.close().await;
}
