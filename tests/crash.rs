//! A real `officehours serve` process stopped in the middle of delivering reminders, hard (SIGKILL)
//! or gently (SIGTERM):
//! after a restart every reminder goes out exactly once, including one that fell due meanwhile.

mod support;

use chrono::{Duration, Utc};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration as StdDuration;

use officehours::store::nudges::ConferenceRecord;
use officehours::store::reminders::NewReminder;
use support::fake_slack::{FakeFailure, FakeSlack};
use support::{Backend, TestDb, BOT_TOKEN, SIGNING_SECRET, TEAM};

const PEOPLE: [&str; 3] = ["U0CRASHA01", "U0CRASHB01", "U0CRASHC01"];

fn serve(db: &TestDb, slack: &FakeSlack) -> Child {
    serve_command(db, slack).spawn().expect("the binary starts")
}

fn serve_command(db: &TestDb, slack: &FakeSlack) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_officehours"));
    command
        .arg("serve")
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_API_URL", slack.api_url())
        .env("DATABASE_URL", &db.url)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("OFFICEHOURS_TICK", "200ms")
        .env("OFFICEHOURS_LEASE", "2s")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

async fn attend(db: &TestDb, user: &str, due_at: chrono::DateTime<Utc>) {
    let store = officehours::store::connect(&db.url).await.expect("store");
    let date = chrono::NaiveDate::from_ymd_opt(2027, 2, 10).unwrap();
    let attendance = ConferenceRecord {
        id: 0,
        user_id: user.to_owned(),
        name: "Rust Nation".to_owned(),
        name_key: "rustnation".to_owned(),
        start: date,
        end: date,
    };
    store
        .join_conference(TEAM, &attendance, Utc::now())
        .await
        .expect("join");
    let reminder = NewReminder {
        team_id: TEAM.to_owned(),
        key: format!("conference:rustnation:2027-02-10:{user}"),
        kind: "conference".to_owned(),
        recipients: vec![user.to_owned()],
        payload: json!({ "name_key": "rustnation" }),
        due_at,
    };
    assert!(store
        .schedule(&reminder, Utc::now())
        .await
        .expect("schedule"));
}

async fn statuses(db: &TestDb) -> Vec<String> {
    db.reminders()
        .await
        .into_iter()
        .map(|(_, status)| status)
        .collect()
}

async fn killed_mid_delivery_then_restarted(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let slack = FakeSlack::start(BOT_TOKEN).await;
    slack.set_clock(Utc::now);
    // Migrate first, then two reminders due now.
    officehours::store::connect(&db.url)
        .await
        .expect("migrates");
    attend(&db, PEOPLE[0], Utc::now()).await;
    attend(&db, PEOPLE[1], Utc::now()).await;

    // Slack takes both messages but is slow to answer; the process dies before it hears back.
    slack.accept_but_fail_next(
        "chat.postMessage",
        FakeFailure::Delay(StdDuration::from_secs(60)),
    );
    slack.accept_but_fail_next(
        "chat.postMessage",
        FakeFailure::Delay(StdDuration::from_secs(60)),
    );
    let mut first = serve(&db, &slack);
    slack
        .wait_for_calls("chat.postMessage", 2, StdDuration::from_secs(20))
        .await;
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    assert_eq!(statuses(&db).await, vec!["claimed", "claimed"]);

    // While it is down, a third reminder falls due.
    attend(&db, PEOPLE[2], Utc::now() - Duration::hours(1)).await;

    let mut second = serve(&db, &slack);
    let db = &db;
    let all_sent = || async move { statuses(db).await.iter().all(|s| s == "sent").then_some(()) };
    let every = StdDuration::from_millis(100);
    let done = support::poll(StdDuration::from_secs(20), every, all_sent)
        .await
        .is_some();
    second.kill().expect("SIGKILL");
    second.wait().expect("reaped");
    assert!(
        done,
        "not all sent after restart: {:?}",
        db.reminders().await
    );

    assert_eq!(
        slack.calls_to("chat.postMessage").len(),
        3,
        "the two in doubt were found in Slack, not sent again"
    );
    for person in PEOPLE {
        assert_eq!(slack.dm_messages(person).len(), 1, "{person}");
    }
    let late = support::visible_text(&slack.dm_messages(PEOPLE[2])[0]);
    assert!(late.contains("Sorry this is late"), "{late}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_delivery_then_restarted_sqlite() {
    killed_mid_delivery_then_restarted(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_delivery_then_restarted_postgres() {
    killed_mid_delivery_then_restarted(Backend::Postgres).await;
}

/// SIGTERM while deliveries are in flight: they finish and are recorded, nothing is sent twice.
async fn sigterm_lets_in_flight_deliveries_finish(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let slack = FakeSlack::start(BOT_TOKEN).await;
    slack.set_clock(Utc::now);
    officehours::store::connect(&db.url)
        .await
        .expect("migrates");
    attend(&db, PEOPLE[0], Utc::now()).await;
    attend(&db, PEOPLE[1], Utc::now()).await;
    slack.fail_next(
        "chat.postMessage",
        FakeFailure::Delay(StdDuration::from_secs(2)),
    );
    slack.fail_next(
        "chat.postMessage",
        FakeFailure::Delay(StdDuration::from_secs(2)),
    );

    let mut first = serve_with_lease(&db, &slack, "5m");
    slack
        .wait_for_calls("chat.postMessage", 2, StdDuration::from_secs(20))
        .await;
    let term = Command::new("kill")
        .arg("-TERM")
        .arg(first.id().to_string())
        .status()
        .expect("kill");
    assert!(term.success());
    let has_exited = || std::future::ready(first.try_wait().expect("wait"));
    let every = StdDuration::from_millis(100);
    let exited = support::poll(StdDuration::from_secs(15), every, has_exited).await;
    let Some(status) = exited else {
        let _ = first.kill();
        panic!("serve did not stop within 15 s of SIGTERM");
    };
    assert!(status.success(), "{status:?}");
    assert_eq!(
        statuses(&db).await,
        vec!["sent", "sent"],
        "the in-flight deliveries were recorded"
    );

    // A restart has nothing left to do: no lease to wait out, nothing sent twice.
    let mut second = serve_with_lease(&db, &slack, "5m");
    // A fixed wait: the restart must send nothing, which nothing signals; 1.5 s is several ticks.
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    second.kill().expect("SIGKILL");
    second.wait().expect("reaped");
    assert_eq!(slack.calls_to("chat.postMessage").len(), 2);
    for person in &PEOPLE[..2] {
        assert_eq!(slack.dm_messages(person).len(), 1, "{person}");
    }
}

fn serve_with_lease(db: &TestDb, slack: &FakeSlack, lease: &str) -> Child {
    let mut child = serve_command(db, slack);
    child.env("OFFICEHOURS_LEASE", lease);
    child.spawn().expect("the binary starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_in_flight_deliveries_finish_sqlite() {
    sigterm_lets_in_flight_deliveries_finish(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_in_flight_deliveries_finish_postgres() {
    sigterm_lets_in_flight_deliveries_finish(Backend::Postgres).await;
}
