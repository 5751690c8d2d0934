//! The binary's own behaviour: settings and their problems, `check`, secrets kept out of output
//! and logs, migrations, the manifest.

use std::process::Command;

fn officehours() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_officehours"));
    for var in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DATABASE_URL",
        "LISTEN_ADDR",
        "SLACK_API_URL",
        "RETENTION_DAYS",
        "OFFICEHOURS_TICK",
        "OFFICEHOURS_LEASE",
        "HINT_COOLDOWN",
        "PUBLIC_URL",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "OFFICEHOURS_SECRET_KEY",
        "STATUS_EMOJI",
        "DIGEST_AT",
        "RUST_LOG",
        "LOG_FORMAT",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn serve_without_settings_names_each_missing_variable_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = officehours()
        .current_dir(dir.path())
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"),
        "{err}"
    );
    assert!(err.contains("README"), "{err}");
    assert_eq!(err.matches("missing required").count(), 1, "{err}");
    assert!(
        err.contains("missing required settings: SLACK_BOT_TOKEN"),
        "{err}"
    );
}

#[test]
fn secrets_given_on_the_command_line_never_reach_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = officehours()
        .current_dir(dir.path())
        .env("SLACK_BOT_TOKEN", "xoxb-super-secret-token")
        .env("SLACK_SIGNING_SECRET", "super-secret-signing")
        .env("DATABASE_URL", "mysql://nope")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("unsupported DATABASE_URL"), "{all}");
    assert!(!all.contains("super-secret"), "{all}");
}

/// `--help` shows where a setting comes from, never its value when that is a secret: a password
/// in `DATABASE_URL`, a token.
#[test]
fn help_never_prints_a_password_or_a_token() {
    let out = officehours()
        .env(
            "DATABASE_URL",
            "postgres://officehours:pa55word@db.internal/officehours",
        )
        .env("SLACK_BOT_TOKEN", "xoxb-super-secret-token")
        .env("SLACK_SIGNING_SECRET", "super-secret-signing")
        .env("SLACK_CLIENT_SECRET", "super-secret-client")
        .env("SLACK_APP_TOKEN", "xapp-super-secret-app")
        .env("OFFICEHOURS_SECRET_KEY", "00".repeat(32))
        .arg("--help")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("DATABASE_URL"), "{all}");
    for secret in ["pa55word", "super-secret", &"00".repeat(32)] {
        assert!(!all.contains(secret), "{secret} in: {all}");
    }
}

#[test]
fn migrate_creates_the_sqlite_database_on_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let out = officehours()
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
    // Review notes, feedback and calendar addresses live in it: its owner alone may read it, and
    // so its write-ahead log and shared memory, which SQLite creates with the database's mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let file = dir.path().join(format!("fresh.db{suffix}"));
            if let Ok(meta) = std::fs::metadata(&file) {
                let mode = meta.permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
            }
        }
        // One made by an older version, readable by everyone, is narrowed on the next start.
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let again = officehours()
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .arg("migrate")
            .output()
            .unwrap();
        assert!(again.status.success());
        let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

fn read_manifest(path: &str) -> serde_json::Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("the manifest"))
        .expect("the manifest is YAML")
}

/// The Grid manifest is the ordinary one with org-wide installs on and their two events: no
/// other difference may creep in.
#[test]
fn the_grid_manifest_differs_only_in_what_grid_needs() {
    let mut org = read_manifest("manifest.org.yml");
    let mut plain = read_manifest("manifest.yml");
    assert_schema_valid(&org, "manifest.org.yml");
    assert_eq!(org["settings"]["org_deploy_enabled"], true);
    assert_eq!(plain["settings"]["org_deploy_enabled"], false);
    let events = org["settings"]["event_subscriptions"]["bot_events"]
        .as_array_mut()
        .expect("bot events");
    for wanted in ["team_access_granted", "team_access_revoked"] {
        let at = events.iter().position(|e| e == wanted);
        events.remove(at.unwrap_or_else(|| panic!("{wanted} is subscribed")));
    }
    org["settings"]["org_deploy_enabled"] = false.into();
    plain["settings"]["org_deploy_enabled"] = false.into();
    assert_eq!(org, plain, "manifest.org.yml drifted from manifest.yml");
}

fn assert_schema_valid(manifest: &serde_json::Value, name: &str) {
    let schema_path = [
        "../shared/slack-specs/manifest.schema.1.0.0.json",
        "tests/fixtures/manifest.schema.1.0.0.json",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .expect("Slack's manifest schema");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(manifest)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not validate:\n{}",
        errors.join("\n")
    );
}

#[test]
fn manifest_validates_against_slacks_official_schema() {
    let manifest = read_manifest("manifest.yml");
    assert_schema_valid(&manifest, "manifest.yml");

    // And it wires up what the bot serves.
    assert_eq!(
        manifest["features"]["slash_commands"][0]["command"],
        "/officehours"
    );
    assert_eq!(
        manifest["features"]["slash_commands"][0]["should_escape"],
        true
    );
    assert!(manifest["settings"]["event_subscriptions"]["request_url"]
        .as_str()
        .unwrap()
        .ends_with("/slack/events"));
    assert!(manifest["settings"]["interactivity"]["request_url"]
        .as_str()
        .unwrap()
        .ends_with("/slack/interactions"));
    assert_eq!(manifest["features"]["app_home"]["home_tab_enabled"], true);
}

mod support;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn check(db_url: &str, api_url: &str, token: &str, extra: &[&str]) -> (bool, String) {
    let out = officehours()
        .env("SLACK_BOT_TOKEN", token)
        .env("SLACK_SIGNING_SECRET", support::SIGNING_SECRET)
        .env("SLACK_API_URL", api_url)
        .env("DATABASE_URL", db_url)
        .arg("check")
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_configuration_database_and_slack() {
    let slack = support::fake_slack::FakeSlack::start(support::BOT_TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("check.db").display());

    let (ok, out) = check(&url, &slack.api_url(), support::BOT_TOKEN, &[]);
    assert!(!ok, "a database that does not exist yet is reported: {out}");
    assert!(
        out.contains("FAIL  database: ")
            && out.contains("check.db does not exist yet; `officehours migrate` or the first `serve`/`shell` creates it"),
        "{out}"
    );
    assert!(!out.contains("unable to open"), "{out}");
    assert!(
        !dir.path().join("check.db").exists(),
        "check never creates or migrates the database"
    );

    assert!(officehours()
        .env("DATABASE_URL", &url)
        .arg("migrate")
        .status()
        .unwrap()
        .success());
    let (ok, out) = check(&url, &slack.api_url(), support::BOT_TOKEN, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("ok    configuration") && out.contains("ok    database"),
        "{out}"
    );
    assert!(out.contains("ok    Slack: auth.test ok"), "{out}");

    let (ok, out) = check(&url, &slack.api_url(), "xoxb-revoked", &[]);
    assert!(!ok);
    assert!(
        out.contains("FAIL  Slack: Slack refused SLACK_BOT_TOKEN (`invalid_auth`)"),
        "{out}"
    );
    assert!(
        !out.contains("xoxb-revoked"),
        "the token is never printed: {out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_local_asks_the_running_server_for_readiness() {
    let slack = support::fake_slack::FakeSlack::start(support::BOT_TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("local.db").display());
    let addr = format!("127.0.0.1:{}", free_port());
    let local = |extra: &[&str]| {
        let out = officehours()
            .env("LISTEN_ADDR", &addr)
            .arg("check")
            .arg("--local")
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = local(&[]);
    assert!(!ok, "nothing listens yet: {out}");

    let mut server = officehours()
        .env("SLACK_BOT_TOKEN", support::BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", support::SIGNING_SECRET)
        .env("SLACK_API_URL", slack.api_url())
        .env("DATABASE_URL", &url)
        .env("LISTEN_ADDR", &addr)
        .env("OFFICEHOURS_TICK", "off")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .arg("serve")
        .spawn()
        .unwrap();
    let is_ready = || std::future::ready(local(&[]).0.then_some(()));
    let every = std::time::Duration::from_millis(100);
    let ready = support::poll(std::time::Duration::from_secs(20), every, is_ready)
        .await
        .is_some();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(ready, "check --local never saw the server ready");
}

/// Both output streams of a finished run, and whether it succeeded.
fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), all)
}

/// `serve` and `check` say every problem at once, each by its variable (never by its flag), with
/// the bad value when it isn't secret and the form that would work.
#[test]
fn every_bad_setting_is_listed_at_once_by_variable_with_the_right_form() {
    let dir = tempfile::tempdir().unwrap();
    for subcommand in ["serve", "check"] {
        let (ok, out) = run(officehours()
            .current_dir(dir.path())
            .env("SLACK_BOT_TOKEN", "super-secret-bot")
            .env("SLACK_SIGNING_SECRET", "super-secret-signing")
            .env("SLACK_APP_TOKEN", "xoxb-super-secret-app")
            .env("LISTEN_ADDR", "localhost")
            .env("RETENTION_DAYS", "a year")
            .env("OFFICEHOURS_TICK", "soon")
            .env("HINT_COOLDOWN", "forever")
            .env("DIGEST_AT", "someday")
            .arg(subcommand));
        assert!(!ok, "{subcommand}: {out}");
        for said in [
            "SLACK_BOT_TOKEN: isn't a bot token: it doesn't start with xoxb-",
            "SLACK_SIGNING_SECRET: isn't a signing secret: it is 32 hexadecimal characters",
            "SLACK_APP_TOKEN: isn't an app-level token: it is a bot token",
            "LISTEN_ADDR: `localhost` isn't an address to listen on; use IP:port, e.g. 0.0.0.0:3000",
            "RETENTION_DAYS: `a year` isn't a number of days; use a whole number",
            "OFFICEHOURS_TICK: `soon`",
            "HINT_COOLDOWN: `forever`",
            "DIGEST_AT: ",
        ] {
            assert!(out.contains(said), "{subcommand}: `{said}` not in:\n{out}");
        }
        for flag in [
            "--listen-addr",
            "--retention-days",
            "--tick",
            "--slack-bot-token",
        ] {
            assert!(!out.contains(flag), "{subcommand} named a flag: {out}");
        }
        assert!(
            !out.contains("super-secret"),
            "{subcommand} printed a secret: {out}"
        );
        if subcommand == "serve" {
            assert_eq!(out.matches("cannot start").count(), 1, "{out}");
        } else {
            assert!(out.contains("FAIL  configuration: 8 problems"), "{out}");
            // The rest is still looked at, so one run shows everything there is to fix.
            assert!(out.contains("officehours.db does not exist yet"), "{out}");
            assert!(out.contains("FAIL  Slack: not tried"), "{out}");
        }
    }
}

#[test]
fn check_says_in_words_when_slack_cannot_be_reached() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("words.db").display());
    let closed = free_port();
    let api = format!("http://127.0.0.1:{closed}/api");
    let (ok, out) = check(&url, &api, support::BOT_TOKEN, &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "FAIL  Slack: could not reach 127.0.0.1:{closed}: connection refused"
        )),
        "{out}"
    );
    for debug_output in ["Some(", "ConnectError", "hyper", "Kind(", "{ "] {
        assert!(!out.contains(debug_output), "Rust Debug output: {out}");
    }
}

/// A password in a database URL's query (`?password=`, `sslpassword=`) is starred out, like
/// one in its user part, in `check`'s and `serve`'s messages.
#[test]
fn a_password_in_the_database_urls_query_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        "mysql://officehours@db.internal/oh?sslmode=require&password=pa55word&sslpassword=k3y";
    for subcommand in ["check", "serve"] {
        let (ok, out) = run(officehours()
            .current_dir(dir.path())
            .env("SLACK_BOT_TOKEN", support::BOT_TOKEN)
            .env("SLACK_SIGNING_SECRET", support::SIGNING_SECRET)
            .env("SLACK_API_URL", "http://127.0.0.1:9/api")
            .env("DATABASE_URL", url)
            .arg(subcommand));
        assert!(!ok);
        assert!(
            out.contains("unsupported DATABASE_URL `mysql://officehours@db.internal/oh?sslmode=require&password=***&sslpassword=***`"),
            "{subcommand}: {out}"
        );
        assert!(!out.contains("pa55word") && !out.contains("k3y"), "{out}");
    }
}

/// The same on a database that answers: `migrate`'s log line and `check`'s report show where the
/// data is, without the password. Needs PostgreSQL (`TEST_DATABASE_URL`); skipped without.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_query_stays_out_of_logs_and_check_on_postgres() {
    let Some(db) = support::TestDb::new(support::Backend::Postgres).await else {
        return;
    };
    let slack = support::fake_slack::FakeSlack::start(support::BOT_TOKEN).await;
    let url = format!("{}&password=pa55word", db.url);
    let (ok, log) = run(officehours()
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "trace")
        .arg("migrate"));
    assert!(ok, "{log}");
    assert!(log.contains("password=***"), "{log}");
    let (ok, out) = check(&url, &slack.api_url(), support::BOT_TOKEN, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("ok    database: postgres://") && out.contains("password=*** answers"),
        "{out}"
    );
    for printed in [&log, &out] {
        assert!(!printed.contains("pa55word"), "{printed}");
    }
}

/// One HTTP/1.1 exchange with the server under test: its status and body.
async fn http(addr: &str, request: String) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: officehours.test\r\nConnection: close\r\n\r\n")
}

/// slack-morphism logs the full URL of each Web API call at debug, and oauth.v2.access carries
/// the person's OAuth code in it: with `RUST_LOG=trace` that code must still not be logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_code_is_not_logged_even_at_trace() {
    const CODE: &str = "oauth-code-7a6f3c2e9d";
    const USER: &str = "U0TRACE001";
    let slack = support::fake_slack::FakeSlack::start(support::BOT_TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("serve.log");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = officehours()
        .env("SLACK_BOT_TOKEN", support::BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", support::SIGNING_SECRET)
        .env("SLACK_API_URL", slack.api_url())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("t.db").display()),
        )
        .env("LISTEN_ADDR", &addr)
        .env("OFFICEHOURS_TICK", "off")
        .env("PUBLIC_URL", support::PUBLIC_URL)
        .env("SLACK_CLIENT_ID", support::fake_slack::CLIENT_ID)
        .env("SLACK_CLIENT_SECRET", support::fake_slack::CLIENT_SECRET)
        .env("OFFICEHOURS_SECRET_KEY", support::SECRET_KEY)
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .arg("serve")
        .spawn()
        .unwrap();
    let healthy = || async { (http(&addr, get("/healthz")).await.0 == 200).then_some(()) };
    let up = support::poll(
        std::time::Duration::from_secs(20),
        std::time::Duration::from_millis(100),
        || async {
            match tokio::net::TcpStream::connect(&addr).await {
                Ok(_) => healthy().await,
                Err(_) => None,
            }
        },
    )
    .await;

    let connected = if up.is_some() {
        connect_over_http(&addr, &slack, USER, CODE).await
    } else {
        Err("the server never answered /healthz".to_owned())
    };
    server.kill().unwrap();
    server.wait().unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    connected.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert!(
        log.contains("TRACE"),
        "the log really was at trace level: {log}"
    );
    assert!(!log.contains(CODE), "the OAuth code was logged:\n{log}");
    assert!(!log.contains(support::fake_slack::CLIENT_SECRET), "{log}");
}

/// `/officehours connect`, then Slack's redirect back with `code`: the page says "Connected".
async fn connect_over_http(
    addr: &str,
    slack: &support::fake_slack::FakeSlack,
    user: &str,
    code: &str,
) -> Result<(), String> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("team_id", support::TEAM)
        .append_pair("channel_id", "C2147483705")
        .append_pair("user_id", user)
        .append_pair("user_name", "trace")
        .append_pair("command", "/officehours")
        .append_pair("text", "connect")
        .append_pair("api_app_id", support::fake_slack::APP_ID)
        .append_pair("response_url", &slack.response_url("trace"))
        .append_pair("trigger_id", "13345224609.738474920.8088930838d88f008e0")
        .finish();
    let mut request = format!(
        "POST /slack/commands HTTP/1.1\r\nHost: officehours.test\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in support::signing::signed_headers(support::SIGNING_SECRET, &body) {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    let (status, answer) = http(addr, request).await;
    let marker = "/slack/oauth/start?state=";
    let state: String = match answer.find(marker) {
        Some(at) => answer[at + marker.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
            .collect(),
        None => return Err(format!("no connect link ({status}): {answer}")),
    };
    slack.approve_oauth(code, support::TEAM, user, "xoxp-trace-user-token");
    let (status, page) = http(
        addr,
        get(&format!("/slack/oauth/callback?code={code}&state={state}")),
    )
    .await;
    if status == 200 && page.contains("Connected") {
        Ok(())
    } else {
        Err(format!("the callback answered {status}: {page}"))
    }
}

/// `check` says which workspaces the bot serves, as the configuration alone decides.
#[test]
fn check_says_which_mode_is_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("mode.db").display());
    let (_, out) = check(&url, "http://127.0.0.1:9/api", support::BOT_TOKEN, &[]);
    assert!(
        out.contains("ok    mode: one workspace, with SLACK_BOT_TOKEN"),
        "{out}"
    );
    let (_, out) = run(officehours()
        .env("SLACK_SIGNING_SECRET", support::SIGNING_SECRET)
        .env("SLACK_CLIENT_ID", support::fake_slack::CLIENT_ID)
        .env("SLACK_CLIENT_SECRET", support::fake_slack::CLIENT_SECRET)
        .env("PUBLIC_URL", support::PUBLIC_URL)
        .env("DATABASE_URL", &url)
        .arg("check"));
    assert!(
        out.contains("ok    configuration: complete")
            && out.contains("ok    mode: every workspace that installs it")
            && out.contains(&format!("{}/slack/install", support::PUBLIC_URL))
            && out.contains("ok    Slack: no bot token to try"),
        "{out}"
    );
}
