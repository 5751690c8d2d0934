//! The token key: never silently replaced over stored tokens, rotated without losing any, and
//! `keys forget-tokens` as the one way to give up tokens no key opens.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use officehours::crypto::{key_file_for, refresh_owner, token_owner, TokenCipher};
use officehours::store::Store;
use support::{Backend, TestApp, TestDb, BOT_TOKEN, TEAM};

const ANA: &str = "U0ANA00001";
const BEN: &str = "U0BEN00001";
const CY: &str = "U0CY000001";
const ANA_TOKEN: &str = "xoxp-ana-user-token-1234567890";
const CY_TOKEN: &str = "xoxp-cy-user-token-1234567890";
const K1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const K2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const K3: &str = "3333333333333333333333333333333333333333333333333333333333333333";

/// Runs each `async fn NAME(db: TestDb)` on a fresh SQLite and (with `TEST_DATABASE_URL`)
/// PostgreSQL database.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(db) = super::TestDb::new(super::Backend::Sqlite).await { super::$name(db).await }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = super::TestDb::new(super::Backend::Postgres).await { super::$name(db).await }
                }
            }
        )*
    };
}

fn cipher(key: &str) -> TokenCipher {
    TokenCipher::from_key_text(key).unwrap()
}

async fn store(db: &TestDb) -> std::sync::Arc<dyn Store> {
    officehours::store::connect(&db.url)
        .await
        .expect("database")
}

/// A mentor's token as `serve` would have stored it, sealed under `sealer`.
async fn store_token(db: &TestDb, sealer: &TokenCipher, user: &str, token: &str) {
    let store = store(db).await;
    let sealed = sealer.encrypt(token, &token_owner(TEAM, user));
    let now = support::thursday_afternoon();
    store
        .save_connection(TEAM, user, &sealed, "users.profile:read", now)
        .await
        .unwrap();
    store.close().await;
}

/// Every stored token, opened with `key` alone (None where it does not open).
async fn opened_with(db: &TestDb, key: &TokenCipher) -> Vec<(String, Option<String>)> {
    let store = store(db).await;
    let tokens = store.sealed_tokens().await.unwrap();
    store.close().await;
    tokens
        .iter()
        .map(|t| {
            let owner = token_owner(&t.team_id, &t.user_id);
            (t.user_id.clone(), key.decrypt(&t.token_sealed, &owner).ok())
        })
        .collect()
}

/// The real binary, in an empty directory (no `.env`), with only the variables given; killed
/// if it has not exited after 30 s (a `serve` that did not refuse would run forever).
async fn officehours(args: &[&str], db: &TestDb, vars: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_officehours"));
    cmd.current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in vars {
        cmd.env(name, value);
    }
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("the binary starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().expect("wait").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().expect("output")
    })
    .await
    .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const SERVE_VARS: &[(&str, &str)] = &[
    ("SLACK_BOT_TOKEN", BOT_TOKEN),
    ("SLACK_SIGNING_SECRET", support::SIGNING_SECRET),
    ("SLACK_API_URL", "http://127.0.0.1:9"),
    ("OFFICEHOURS_TICK", "off"),
];

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_make_a_new_key_over_tokens_whose_key_file_is_gone() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let key_file = key_file_for(&db.url).unwrap();
    let (sealer, created) = TokenCipher::from_key_file(&key_file).unwrap();
    assert!(created);
    store_token(&db, &sealer, ANA, ANA_TOKEN).await;
    let key_text = std::fs::read_to_string(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();

    let out = officehours(&["serve"], &db, SERVE_VARS).await;

    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("officehours will not start"), "{said}");
    assert!(said.contains("is missing"), "{said}");
    assert!(said.contains(&key_file.display().to_string()), "{said}");
    assert!(said.contains("officehours keys forget-tokens"), "{said}");
    assert!(said.contains("OFFICEHOURS_SECRET_KEY"), "{said}");
    assert!(
        !key_file.exists(),
        "no new key was made over the stored token"
    );
    assert!(
        !said.contains(ANA_TOKEN) && !said.contains(key_text.trim()),
        "{said}"
    );
    // The token is untouched: putting the key back is enough.
    std::fs::write(&key_file, &key_text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let restored = TestApp::spawn_keyed(db.same(), None, None).await;
    assert!(restored.is_ok(), "{:?}", restored.err());
}

on_both_databases!(
    serve_refuses_a_key_that_does_not_open_the_stored_tokens,
    rotating_reseals_every_token_under_the_new_key_and_the_old_one_alone_is_refused,
    rotating_stops_without_writing_when_a_token_opens_with_neither_key,
    a_replica_with_the_new_and_the_old_key_uses_tokens_sealed_under_the_old_one,
    a_replica_still_on_the_old_key_retries_what_it_cannot_open_and_offers_to_reconnect,
    forget_tokens_deletes_what_no_key_opens_tells_each_mentor_once_and_connect_works,
    a_dm_that_cannot_be_sent_is_reported_and_the_token_is_still_forgotten,
    workspace_bot_tokens_are_checked_and_rotated_with_the_mentors_tokens,
    forget_tokens_stops_a_workspace_whose_bot_token_no_key_opens,
    the_shells_pretend_tokens_never_stop_serve_or_a_rotation,
);

/// `officehours shell` seals the tokens its stand-in for Slack makes up under its own key, in its
/// pretend workspace; a deployment later run on the same database must not trip over them.
async fn the_shells_pretend_tokens_never_stop_serve_or_a_rotation(db: TestDb) {
    use officehours::config::SHELL_TEAM;
    store_token(&db, &cipher(K1), ANA, ANA_TOKEN).await;
    let sealed = cipher(K3).encrypt("xoxp-shell-you", &token_owner(SHELL_TEAM, "you"));
    let store = store(&db).await;
    store
        .save_connection(
            SHELL_TEAM,
            "you",
            &sealed,
            "users.profile:read",
            support::thursday_afternoon(),
        )
        .await
        .unwrap();
    store.close().await;

    let served = TestApp::spawn_keyed(db.same(), Some(K1), None)
        .await
        .expect("serve leaves the shell's tokens out of its key check");
    let api = served.slack.api_url();
    let vars = [
        ("OFFICEHOURS_SECRET_KEY", K2),
        ("OFFICEHOURS_SECRET_KEY_OLD", K1),
    ];
    let out = officehours(&["keys", "rotate"], &db, &vars).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Re-sealed 1 Slack user token under"),
        "only Ana's is counted: {}",
        text(&out)
    );
    let slack = [
        ("SLACK_BOT_TOKEN", BOT_TOKEN),
        ("SLACK_API_URL", api.as_str()),
        ("OFFICEHOURS_SECRET_KEY", K2),
    ];
    let forgot = officehours(&["keys", "forget-tokens"], &db, &slack).await;
    assert!(
        text(&forgot).contains("Nothing to forget"),
        "{}",
        text(&forgot)
    );
    let opened = opened_with(&db, &cipher(K2)).await;
    assert!(
        opened.contains(&(ANA.to_owned(), Some(ANA_TOKEN.to_owned()))),
        "{opened:?}"
    );
    let shell: Vec<(String,)> = db
        .rows("SELECT token_sealed FROM connections WHERE team_id = 'TSHELL'")
        .await;
    assert_eq!(shell, vec![(sealed,)], "kept as the shell sealed it");
}

async fn serve_refuses_a_key_that_does_not_open_the_stored_tokens(db: TestDb) {
    store_token(&db, &cipher(K1), ANA, ANA_TOKEN).await;
    store_token(&db, &cipher(K2), CY, CY_TOKEN).await;

    let refused = TestApp::spawn_keyed(db.same(), Some(K1), None).await;
    let said = format!(
        "{:#}",
        refused
            .err()
            .expect("a key that opens one of two is refused")
    );
    assert!(
        said.contains("1 of 2 Slack user tokens stored does not open with OFFICEHOURS_SECRET_KEY"),
        "{said}"
    );
    assert!(said.contains("keys forget-tokens"), "{said}");

    let out = officehours(
        &["serve"],
        &db,
        &[SERVE_VARS, &[("OFFICEHOURS_SECRET_KEY", K3)]].concat(),
    )
    .await;
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("2 of 2 Slack user tokens stored do not open"),
        "{said}"
    );
    assert!(!said.contains(K3), "the key is never printed: {said}");

    if db.backend == Backend::Postgres {
        // No key at all, and nowhere to keep a key file.
        let refused = TestApp::spawn_keyed(db.same(), None, None).await;
        let said = format!(
            "{:#}",
            refused.err().expect("no key over stored tokens is refused")
        );
        assert!(
            said.contains("OFFICEHOURS_SECRET_KEY is not set, but 2"),
            "{said}"
        );
    }
    let both = TestApp::spawn_keyed(db.same(), Some(K2), Some(K1)).await;
    assert!(
        both.is_ok(),
        "the two keys together open both: {:?}",
        both.err()
    );
}

async fn rotating_reseals_every_token_under_the_new_key_and_the_old_one_alone_is_refused(
    db: TestDb,
) {
    store_token(&db, &cipher(K1), ANA, ANA_TOKEN).await;
    store_token(&db, &cipher(K1), CY, CY_TOKEN).await;

    let vars = [
        ("OFFICEHOURS_SECRET_KEY", K2),
        ("OFFICEHOURS_SECRET_KEY_OLD", K1),
    ];
    let out = officehours(&["keys", "rotate"], &db, &vars).await;

    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("Re-sealed 2 Slack user tokens under"),
        "{said}"
    );
    assert!(
        !said.contains(K1) && !said.contains(K2) && !said.contains("xoxp-"),
        "{said}"
    );
    let with_new = opened_with(&db, &cipher(K2)).await;
    assert_eq!(
        with_new,
        [
            (ANA.to_owned(), Some(ANA_TOKEN.to_owned())),
            (CY.to_owned(), Some(CY_TOKEN.to_owned()))
        ]
    );
    assert!(opened_with(&db, &cipher(K1))
        .await
        .iter()
        .all(|(_, t)| t.is_none()));
    // A replica still given only the old key after the rotation would have to act as if no one
    // were connected: it refuses to start instead.
    let stale = TestApp::spawn_keyed(db.same(), Some(K1), None).await;
    let said = format!("{:#}", stale.err().expect("the old key alone is refused"));
    assert!(said.contains("2 of 2"), "{said}");
    assert!(TestApp::spawn_keyed(db.same(), Some(K2), None)
        .await
        .is_ok());
}

async fn rotating_stops_without_writing_when_a_token_opens_with_neither_key(db: TestDb) {
    store_token(&db, &cipher(K1), ANA, ANA_TOKEN).await;
    store_token(&db, &cipher(K3), CY, CY_TOKEN).await;
    let before: Vec<(String,)> = db
        .rows("SELECT token_sealed FROM connections ORDER BY user_id")
        .await;

    let vars = [
        ("OFFICEHOURS_SECRET_KEY", K2),
        ("OFFICEHOURS_SECRET_KEY_OLD", K1),
    ];
    let out = officehours(&["keys", "rotate"], &db, &vars).await;

    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains(
            "1 stored Slack user token opens with no configured key, so nothing was re-sealed"
        ),
        "{said}"
    );
    assert!(said.contains("keys forget-tokens"), "{said}");
    let after: Vec<(String,)> = db
        .rows("SELECT token_sealed FROM connections ORDER BY user_id")
        .await;
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_database_gets_a_key_file_only_its_owner_can_read() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let key_file = key_file_for(&db.url).unwrap();
    assert!(!key_file.exists());

    let app = TestApp::spawn_keyed(db.same(), None, None).await;

    assert!(app.is_ok(), "{:?}", app.err());
    assert!(key_file.exists());
    #[cfg(unix)]
    assert_eq!(mode_of(&key_file), 0o600);
    // The same key is used from then on.
    let key = TokenCipher::open_key_file(&key_file).unwrap().unwrap();
    store_token(&db, &key, ANA, ANA_TOKEN).await;
    assert!(TestApp::spawn_keyed(db.same(), None, None).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_a_key_file_moves_a_new_key_into_place_and_an_interrupted_rotation_finishes() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let key_file = key_file_for(&db.url).unwrap();
    let pending = std::path::PathBuf::from(format!("{}.new", key_file.display()));
    let (first, _) = TokenCipher::from_key_file(&key_file).unwrap();
    store_token(&db, &first, ANA, ANA_TOKEN).await;
    let first_text = std::fs::read_to_string(&key_file).unwrap();

    let out = officehours(&["keys", "rotate"], &db, &[]).await;

    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("Re-sealed 1 Slack user token under a new key"),
        "{said}"
    );
    assert_ne!(std::fs::read_to_string(&key_file).unwrap(), first_text);
    assert!(!pending.exists());
    #[cfg(unix)]
    assert_eq!(mode_of(&key_file), 0o600);
    let second = TokenCipher::open_key_file(&key_file).unwrap().unwrap();
    assert_eq!(
        opened_with(&db, &second).await,
        [(ANA.to_owned(), Some(ANA_TOKEN.to_owned()))]
    );
    assert!(opened_with(&db, &first).await[0].1.is_none());

    // A crash after the tokens were re-sealed, before the new key file was moved into place.
    let (third, _) = TokenCipher::from_key_file(&pending).unwrap();
    let store = store(&db).await;
    store
        .reseal_tokens(&|t| {
            let owner = token_owner(&t.team_id, &t.user_id);
            let token_sealed =
                third.encrypt(&second.decrypt(&t.token_sealed, &owner).ok()?, &owner);
            Some(officehours::store::presence::Resealing {
                token_sealed,
                refresh_sealed: None,
            })
        })
        .await
        .unwrap();
    store.close().await;
    let refused = TestApp::spawn_keyed(db.same(), None, None).await;
    let said = format!(
        "{:#}",
        refused.err().expect("the old file's key is refused")
    );
    assert!(said.contains("a key rotation was interrupted"), "{said}");
    let out = officehours(&["keys", "rotate"], &db, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let now = TokenCipher::open_key_file(&key_file).unwrap().unwrap();
    assert_eq!(
        opened_with(&db, &now).await[0].1.as_deref(),
        Some(ANA_TOKEN)
    );
    assert!(!pending.exists());
    assert!(TestApp::spawn_keyed(db.same(), None, None).await.is_ok());
}

async fn a_replica_with_the_new_and_the_old_key_uses_tokens_sealed_under_the_old_one(db: TestDb) {
    store_token(&db, &cipher(K1), ANA, ANA_TOKEN).await;
    let app = TestApp::spawn_keyed(db.same(), Some(K2), Some(K1))
        .await
        .expect("the new key with the old one opens every token");
    app.slack.grant_user_token(ANA_TOKEN, ANA);
    app.known_user(ANA, "Europe/Berlin").await;

    app.say(ANA, "on").await;
    app.tick().await;

    let sets = app.slack.status_sets(ANA);
    assert_eq!(sets.len(), 1, "{sets:?}");
    assert!(sets[0].text.starts_with("Office hours until"), "{sets:?}");
    assert!(app.say(ANA, "connect").await.contains("already connected"));
}

/// Mid-roll: a replica started with the old key meets a token a new replica sealed. It does not
/// take the mentor for disconnected (another replica can make the change), and "connected" means
/// a token it opens, so `connect` offers a link rather than "already connected".
async fn a_replica_still_on_the_old_key_retries_what_it_cannot_open_and_offers_to_reconnect(
    db: TestDb,
) {
    let old = TestApp::spawn_keyed(db.same(), Some(K1), None)
        .await
        .unwrap();
    store_token(&db, &cipher(K2), BEN, "xoxp-ben-user-token-1234567890").await;
    old.known_user(BEN, "America/New_York").await;

    old.say(BEN, "on").await;
    old.tick().await;

    assert!(old.slack.status_sets(BEN).is_empty());
    let starts: Vec<(String, Option<String>)> = db
        .rows("SELECT status, last_error FROM reminders WHERE kind = 'status_start'")
        .await;
    assert_eq!(starts.len(), 1, "{starts:?}");
    assert_eq!(starts[0].0, "pending", "left for a retry: {starts:?}");
    let answer = old.say(BEN, "connect").await;
    assert!(!answer.contains("already connected"), "{answer}");
}

async fn forget_tokens_deletes_what_no_key_opens_tells_each_mentor_once_and_connect_works(
    db: TestDb,
) {
    // Before the key was lost: Ana connected, and her status change is planned.
    store_token(&db, &cipher(K1), ANA, ANA_TOKEN).await;
    let before = TestApp::spawn_keyed(db.same(), Some(K1), None)
        .await
        .unwrap();
    before.slack.grant_user_token(ANA_TOKEN, ANA);
    before.known_user(ANA, "Europe/Berlin").await;
    before.say(ANA, "on").await;
    // Then the key was replaced; Cy connected under the new one.
    store_token(&db, &cipher(K2), CY, CY_TOKEN).await;
    let api = before.slack.api_url();
    let vars = [
        ("OFFICEHOURS_SECRET_KEY", K2),
        ("SLACK_BOT_TOKEN", BOT_TOKEN),
        ("SLACK_API_URL", api.as_str()),
    ];

    let out = officehours(&["keys", "forget-tokens"], &db, &vars).await;

    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Forgot 1 Slack user token that"), "{said}");
    assert!(said.contains("Told 1 mentor by DM"), "{said}");
    let left: Vec<(String,)> = db.rows("SELECT user_id FROM connections").await;
    assert_eq!(left, [(CY.to_owned(),)]);
    let pending: Vec<(String,)> = db
        .rows("SELECT key FROM reminders WHERE status = 'pending' AND key LIKE 'status:%'")
        .await;
    assert!(
        pending.is_empty(),
        "Ana's status changes are cancelled: {pending:?}"
    );
    let dms = before.slack.dm_messages(ANA);
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert!(support::visible_text(&dms[0]).contains("/officehours connect"));
    assert!(before.slack.dm_messages(CY).is_empty());

    let again = officehours(&["keys", "forget-tokens"], &db, &vars).await;
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("Nothing to forget"));
    assert_eq!(before.slack.dm_messages(ANA).len(), 1, "one DM each");

    let after = TestApp::spawn_keyed(db.same(), Some(K2), None)
        .await
        .expect("the remaining token opens");
    let answer = after.say(ANA, "connect").await;
    assert!(!answer.contains("already connected"), "{answer}");
    let link = after.command(ANA, "connect").await.body;
    assert!(link.contains("/slack/oauth/start?state="), "{link}");
}

async fn a_dm_that_cannot_be_sent_is_reported_and_the_token_is_still_forgotten(db: TestDb) {
    store_token(&db, &cipher(K1), BEN, "xoxp-ben-user-token-1234567890").await;
    let fake = support::fake_slack::FakeSlack::start(BOT_TOKEN).await;
    fake.fail_next(
        "chat.postMessage",
        support::fake_slack::FakeFailure::Error("channel_not_found"),
    );
    let api = fake.api_url();
    let vars = [
        ("OFFICEHOURS_SECRET_KEY", K2),
        ("SLACK_BOT_TOKEN", BOT_TOKEN),
        ("SLACK_API_URL", api.as_str()),
    ];

    let out = officehours(&["keys", "forget-tokens"], &db, &vars).await;

    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains(&format!("Could not DM {BEN}")), "{said}");
    assert!(said.contains("1 of 1 DMs could not be sent"), "{said}");
    let left: Vec<(String,)> = db.rows("SELECT user_id FROM connections").await;
    assert!(left.is_empty(), "{left:?}");

    // Without a bot token nothing is deleted: nobody could be told.
    store_token(&db, &cipher(K1), BEN, "xoxp-ben-user-token-1234567890").await;
    let out = officehours(
        &["keys", "forget-tokens"],
        &db,
        &[("OFFICEHOURS_SECRET_KEY", K2)],
    )
    .await;
    assert!(!out.status.success());
    assert!(text(&out).contains("set SLACK_BOT_TOKEN"), "{}", text(&out));
    let left: Vec<(String,)> = db.rows("SELECT user_id FROM connections").await;
    assert_eq!(left.len(), 1);
}

/// An installed workspace's bot token, as "Add to Slack" stores it, sealed under `sealer`.
async fn store_bot_token(db: &TestDb, sealer: &TokenCipher, team: &str, token: &str) {
    store_rotating_bot_token(db, sealer, team, token, None).await
}

/// The same, with a refresh token when the app rotates its tokens.
async fn store_rotating_bot_token(
    db: &TestDb,
    sealer: &TokenCipher,
    team: &str,
    token: &str,
    refresh: Option<&str>,
) {
    let store = store(db).await;
    let bot = officehours::store::installs::BOT;
    let workspace = officehours::store::installs::Workspace {
        team_id: team.to_owned(),
        team_name: "Example".to_owned(),
        enterprise_id: None,
        bot_user_id: "UBOT".to_owned(),
        scopes: "chat:write".to_owned(),
        token_sealed: sealer.encrypt(token, &token_owner(team, officehours::store::installs::BOT)),
        installed_at: support::thursday_afternoon(),
        uninstalled_at: None,
        refresh_sealed: refresh.map(|r| sealer.encrypt(r, &refresh_owner(team, bot))),
        token_expires_at: refresh
            .map(|_| support::thursday_afternoon() + chrono::Duration::hours(12)),
    };
    store.save_install(&workspace).await.unwrap();
    store.close().await;
}

async fn workspace_bot_tokens_are_checked_and_rotated_with_the_mentors_tokens(db: TestDb) {
    const BOT: &str = "xoxe.xoxb-installed-workspace-token";
    const REFRESH: &str = "xoxe-1-installed-workspace-refresh";
    store_token(&db, &cipher(K2), ANA, ANA_TOKEN).await;
    store_rotating_bot_token(&db, &cipher(K1), "T0INSTALL1", BOT, Some(REFRESH)).await;
    // A key that opens the mentors' tokens but not a workspace's is refused too.
    let refused = TestApp::spawn_keyed(db.same(), Some(K2), None).await;
    let said = format!("{:#}", refused.err().expect("refused"));
    assert!(
        said.contains("1 of 1 installed workspaces' bot tokens do not open"),
        "{said}"
    );

    let vars = [
        ("OFFICEHOURS_SECRET_KEY", K2),
        ("OFFICEHOURS_SECRET_KEY_OLD", K1),
    ];
    let out = officehours(&["keys", "rotate"], &db, &vars).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Re-sealed 1 workspace bot token."), "{said}");
    assert!(!said.contains(BOT), "{said}");
    let store = store(&db).await;
    let sealed = store.sealed_bot_tokens().await.unwrap();
    store.close().await;
    let owner = token_owner("T0INSTALL1", officehours::store::installs::BOT);
    assert_eq!(
        cipher(K2).decrypt(&sealed[0].token_sealed, &owner).unwrap(),
        BOT
    );
    assert!(cipher(K1).decrypt(&sealed[0].token_sealed, &owner).is_err());
    // Its refresh token too: the new key alone must renew it.
    let refresh = sealed[0]
        .refresh_sealed
        .as_deref()
        .expect("a refresh token");
    let renews = refresh_owner("T0INSTALL1", officehours::store::installs::BOT);
    assert_eq!(cipher(K2).decrypt(refresh, &renews).unwrap(), REFRESH);
    assert!(cipher(K1).decrypt(refresh, &renews).is_err());
    // The new key alone now opens everything; the old one alone is refused.
    assert!(TestApp::spawn_keyed(db.same(), Some(K2), None)
        .await
        .is_ok());
    let old = TestApp::spawn_keyed(db.same(), Some(K1), None).await;
    let said = format!("{:#}", old.err().expect("refused"));
    assert!(
        said.contains("does not open") || said.contains("do not open"),
        "{said}"
    );
}

/// Install mode (no SLACK_BOT_TOKEN): a workspace whose bot token no key opens is stopped as if
/// uninstalled, and named; a mentor there whose token is lost too can't be told by its bot and
/// is named; a mentor of a workspace whose bot token opens is told by that workspace's bot.
async fn forget_tokens_stops_a_workspace_whose_bot_token_no_key_opens(db: TestDb) {
    const LOST: &str = "T0LOST0001";
    const KEPT: &str = TEAM;
    store_rotating_bot_token(
        &db,
        &cipher(K1),
        LOST,
        "xoxe.xoxb-lost",
        Some("xoxe-1-lost"),
    )
    .await;
    store_bot_token(&db, &cipher(K2), KEPT, BOT_TOKEN).await;
    let lost_user = "U0LOST0001";
    let store_ = store(&db).await;
    let sealed = cipher(K1).encrypt("xoxp-lost-user", &token_owner(LOST, lost_user));
    let now = support::thursday_afternoon();
    store_
        .save_connection(LOST, lost_user, &sealed, "users.profile:read", now)
        .await
        .unwrap();
    store_.close().await;
    store_token(&db, &cipher(K1), ANA, ANA_TOKEN).await;
    let slack = support::fake_slack::FakeSlack::start(BOT_TOKEN).await;
    let api = slack.api_url();
    let vars = [
        ("OFFICEHOURS_SECRET_KEY", K2),
        ("SLACK_API_URL", api.as_str()),
    ];

    let out = officehours(&["keys", "forget-tokens"], &db, &vars).await;

    let said = text(&out);
    assert!(said.contains("Forgot 1 workspace bot token"), "{said}");
    assert!(
        said.contains(LOST) && said.contains("add the app to Slack again"),
        "{said}"
    );
    assert!(said.contains("Forgot 2 Slack user tokens"), "{said}");
    // Ana is told by her workspace's own bot; the lost workspace's mentor is named instead.
    assert_eq!(slack.dm_messages(ANA).len(), 1, "{}", slack.calls_summary());
    assert!(said.contains(lost_user), "{said}");
    assert!(!out.status.success(), "one DM could not be sent: {said}");
    let rows: Vec<(String, String, bool)> = db
        .rows("SELECT team_id, token_sealed, uninstalled_at IS NOT NULL FROM workspaces ORDER BY team_id")
        .await;
    assert_eq!(rows[0].0, KEPT);
    assert!(!rows[0].2, "the workspace whose token opens is untouched");
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str(), rows[1].2),
        (LOST, "", true)
    );
    // The key now opens everything that is left: serve starts, and a second run finds nothing.
    let again = officehours(&["keys", "forget-tokens"], &db, &vars).await;
    assert!(
        text(&again).contains("Nothing to forget"),
        "{}",
        text(&again)
    );
    assert!(
        !text(&again).contains("workspace bot token"),
        "{}",
        text(&again)
    );
    let serving = TestApp::spawn_keyed(db.same(), Some(K2), None).await;
    assert!(serving.is_ok(), "{:?}", serving.err());
}
