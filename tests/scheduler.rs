//! The scheduler's contract with composers, on both backends: a reminder that could not be
//! composed never reached Slack, so it is retried as such, without a look in Slack's history.

mod support;

use chrono::{DateTime, Duration, Utc};
use officehours::clock::Clock;
use officehours::scheduler::{Composed, Composer, Scheduler, SchedulerSettings};
use officehours::store::reminders::{NewReminder, Reminder};
use serde_json::json;
use std::sync::Arc;
use support::{Backend, TestApp, TEAM};

on_both_backends!(a_reminder_that_could_not_be_composed_is_retried_and_never_in_doubt);

/// Every composing fails, as when the database is briefly unreachable.
struct Failing;

#[async_trait::async_trait]
impl Composer for Failing {
    async fn compose(&self, _: &Reminder, _: DateTime<Utc>) -> anyhow::Result<Composed> {
        Err(anyhow::anyhow!("the meeting could not be read"))
    }
    async fn settled(&self, _: &Reminder, _: DateTime<Utc>) -> anyhow::Result<()> {
        Ok(())
    }
}

async fn a_reminder_that_could_not_be_composed_is_retried_and_never_in_doubt(app: TestApp) {
    let now = app.clock.now();
    let store = officehours::store::connect(&app.db.url).await.unwrap();
    let reminder = NewReminder {
        team_id: TEAM.to_owned(),
        key: "compose:1".to_owned(),
        kind: "1on1".to_owned(),
        recipients: vec!["U0ANA00001".to_owned()],
        payload: json!({}),
        due_at: now - Duration::minutes(1),
    };
    assert!(store.schedule(&reminder, now).await.unwrap());
    let slack: Arc<dyn officehours::ports::slack::SlackApi> = Arc::new(
        officehours::slack::api::SlackWebApi::new(
            &app.slack.api_url(),
            &officehours::secret::Secret::new(support::BOT_TOKEN),
        )
        .unwrap(),
    );
    let scheduler = Arc::new(Scheduler::new(
        store,
        officehours::ports::workspaces::SingleWorkspace::shared(slack),
        app.clock.clone(),
        Arc::new(Failing),
        SchedulerSettings::default(),
    ));
    for _ in 0..2 {
        let report = scheduler.tick().await.unwrap();
        assert_eq!(report.retried, 1, "{report:?}");
        app.clock.advance(Duration::hours(1));
    }
    let rows: Vec<(String, bool, String)> = app
        .db
        .rows("SELECT status, in_doubt, last_error FROM reminders WHERE key = 'compose:1'")
        .await;
    let (status, in_doubt, error) = &rows[0];
    assert_eq!(status, "pending");
    assert!(!in_doubt, "nothing was sent, so nothing is in doubt");
    assert!(error.starts_with("could not compose"), "{error}");
    for method in [
        "conversations.history",
        "conversations.open",
        "chat.postMessage",
    ] {
        assert!(app.slack.calls_to(method).is_empty(), "{method} was called");
    }
}
