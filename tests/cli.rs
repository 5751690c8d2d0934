//! The binary's own behaviour: missing settings, migrations, the manifest.

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

#[test]
fn manifest_validates_against_slacks_official_schema() {
    let manifest: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string("manifest.yml").expect("manifest.yml"))
            .expect("manifest.yml is YAML");
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
        .iter_errors(&manifest)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "manifest.yml does not validate:\n{}",
        errors.join("\n")
    );

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
        .env("SLACK_SIGNING_SECRET", "s3cret")
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
    assert!(out.contains("FAIL  database"), "{out}");
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
        out.contains("FAIL  Slack") && out.contains("invalid_auth"),
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
        .env("SLACK_SIGNING_SECRET", "s3cret")
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
