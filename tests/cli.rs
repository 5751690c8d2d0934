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
