//! Pacing per workspace, on both backends: the scheduler against a fake Slack that keeps Slack's
//! limits per workspace (one message a second per channel, a workspace-wide ceiling with a short
//! burst, 429 with Retry-After past them). A burst in one workspace never delays another, a 429
//! holds back only its own workspace, a fan-out past the ceiling is spread so it meets no 429 at
//! all, and every reminder goes out exactly once. Real time, with limits ten times Slack's, so
//! each test takes seconds.

mod support;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use officehours::clock::SystemClock;
use officehours::ports::slack::SlackApi;
use officehours::ports::workspaces::{NotServed, Workspaces};
use officehours::scheduler::{Composed, Composer, Scheduler, SchedulerSettings, TickReport};
use officehours::secret::Secret;
use officehours::slack::api::SlackWebApi;
use officehours::store::reminders::{NewReminder, Reminder};
use officehours::store::Store;
use officehours::views::{Block, Message};
use support::fake_slack::{FakeFailure, FakeLimits, RecordedCall};
use support::{Backend, TestApp};

on_both_backends!(
    a_burst_in_one_workspace_does_not_delay_another,
    a_429_in_one_workspace_pauses_only_that_one,
    a_fan_out_past_the_ceiling_is_spread_and_meets_no_429,
    a_group_dm_fan_out_waits_its_turns_without_holding_slots,
);

const TA: &str = "T0000000PA";
const TB: &str = "T0000000PB";
const TC: &str = "T0000000PC";

fn token(team: &str) -> String {
    format!("xoxb-pacing-{team}")
}

/// Slack's limits, ten times faster: a message a second per channel stays (it is what a test
/// of one channel shows), the ceiling is ten a second after a burst of five.
fn fake_limits() -> FakeLimits {
    FakeLimits {
        per_channel: Duration::from_secs(1),
        per_workspace: Duration::from_millis(100),
        burst: 5,
        grace: Duration::from_millis(250),
    }
}

/// The scheduler keeps to the same limits; small batches and few deliveries in flight, so that
/// anything waiting while holding either would show as delay elsewhere.
fn settings() -> SchedulerSettings {
    SchedulerSettings {
        tick: Duration::from_secs(1),
        batch: 10,
        concurrency: 4,
        per_channel: Duration::from_secs(1),
        per_workspace: Duration::from_millis(100),
        burst: 5,
        ..SchedulerSettings::default()
    }
}

/// Each workspace's own client, with its own token.
struct Clients(HashMap<String, Arc<dyn SlackApi>>);

#[async_trait]
impl Workspaces for Clients {
    async fn slack_for(&self, team_id: &str) -> Result<Arc<dyn SlackApi>, NotServed> {
        self.0
            .get(team_id)
            .cloned()
            .ok_or_else(|| NotServed::NotInstalled(team_id.to_owned()))
    }
}

/// Says which reminder it is.
struct Say;

#[async_trait]
impl Composer for Say {
    async fn compose(&self, reminder: &Reminder, _: DateTime<Utc>) -> anyhow::Result<Composed> {
        let mut message = Message::new(format!("Reminder {}", reminder.key));
        message.push(Block::text(format!("Reminder {}", reminder.key)));
        Ok(Composed::Send(message))
    }
    async fn settled(&self, _: &Reminder, _: DateTime<Utc>) -> anyhow::Result<()> {
        Ok(())
    }
}

struct Rig {
    app: TestApp,
    store: Arc<dyn Store>,
    scheduler: Arc<Scheduler>,
}

async fn rig(app: TestApp, settings: SchedulerSettings) -> Rig {
    rig_with(app, settings, true).await
}

/// `paced`: whether the Slack clients keep their own Tier 3 pacing.
async fn rig_with(app: TestApp, settings: SchedulerSettings, paced: bool) -> Rig {
    app.slack.enforce_limits(fake_limits());
    let mut clients: HashMap<String, Arc<dyn SlackApi>> = HashMap::new();
    for team in [TA, TB, TC] {
        app.slack
            .knows_bot_token(&token(team), team, &format!("UBOT{team}"));
        let client = SlackWebApi::new(&app.slack.api_url(), &Secret::new(token(team)))
            .expect("a Slack client");
        let client = if paced { client } else { client.unpaced() };
        clients.insert(team.to_owned(), Arc::new(client));
    }
    let store = officehours::store::connect(&app.db.url)
        .await
        .expect("the database");
    let scheduler = Arc::new(Scheduler::new(
        store.clone(),
        Arc::new(Clients(clients)),
        Arc::new(SystemClock),
        Arc::new(Say),
        settings,
    ));
    Rig {
        app,
        store,
        scheduler,
    }
}

fn user(team: &str, i: usize) -> String {
    format!("U{}{i:05}", &team[team.len() - 1..])
}

/// `n` DMs in `team`, the i-th to `to(i)` (several, comma-separated, for a group DM), due
/// `ago` ago; returns their keys.
async fn due(
    rig: &Rig,
    team: &str,
    n: usize,
    to: impl Fn(usize) -> String,
    ago: i64,
) -> Vec<String> {
    let now = Utc::now();
    let mut reminders = Vec::new();
    for i in 0..n {
        let recipients: Vec<String> = to(i).split(',').map(str::to_owned).collect();
        for recipient in &recipients {
            rig.app
                .slack
                .set_user_in(team, recipient, &recipient.to_lowercase(), Some("UTC"));
        }
        reminders.push(NewReminder {
            team_id: team.to_owned(),
            key: format!("pacing:{team}:{i}"),
            kind: "1on1".to_owned(),
            recipients,
            payload: json!({}),
            due_at: now - chrono::Duration::seconds(ago),
        });
    }
    rig.store
        .schedule_all(&reminders, now)
        .await
        .expect("scheduled");
    reminders.into_iter().map(|r| r.key).collect()
}

/// chat.postMessage calls made with `team`'s token, in arrival order.
fn posts_in(rig: &Rig, team: &str) -> Vec<RecordedCall> {
    let token = token(team);
    rig.app
        .slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|call| call.token.as_deref() == Some(token.as_str()))
        .collect()
}

/// Ticks as the loop would (each tick right after the last, as when a tick takes its whole
/// interval) until `n` reminders were delivered; what the ticks reported, summed.
async fn deliver(rig: &Rig, n: usize, within: Duration) -> TickReport {
    let started = Instant::now();
    let mut total = TickReport::default();
    while rig.app.slack.deliveries().0 < n {
        assert!(
            started.elapsed() < within,
            "only {} of {n} delivered within {within:?}; {}",
            rig.app.slack.deliveries().0,
            rig.app.slack.calls_summary()
        );
        let report = rig.scheduler.tick().await.expect("a tick");
        total.claimed += report.claimed;
        total.sent += report.sent;
        total.retried += report.retried;
        total.failed += report.failed;
        total.deferred += report.deferred;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    total
}

/// Every reminder sent, each once, on its first counted attempt unless `retried` says otherwise.
async fn each_sent_once(rig: &Rig, n: usize) {
    let (delivered, twice) = rig.app.slack.deliveries();
    assert_eq!((delivered, twice), (n, 0), "delivered, and delivered twice");
    let rows: Vec<(String, String, i32)> = rig
        .app
        .db
        .rows("SELECT key, status, attempts FROM reminders ORDER BY id")
        .await;
    assert_eq!(rows.len(), n);
    for (key, status, _) in &rows {
        assert_eq!(status, "sent", "{key}");
    }
}

fn attempts_over_one(rows: &[(String, String, i32)]) -> Vec<&str> {
    rows.iter()
        .filter(|(_, _, attempts)| *attempts > 1)
        .map(|(key, _, _)| key.as_str())
        .collect()
}

async fn a_burst_in_one_workspace_does_not_delay_another(app: TestApp) {
    // A tick long enough that most of A's burst waits for its turn in memory, not in the queue.
    let long_tick = SchedulerSettings {
        tick: Duration::from_secs(3),
        ..settings()
    };
    let rig = rig(app, long_tick).await;
    // The burst is claimed first: forty DMs in A, then three in B.
    due(&rig, TA, 40, |i| user(TA, i), 2).await;
    due(&rig, TB, 3, |i| user(TB, i), 1).await;
    let started = Instant::now();
    let report = deliver(&rig, 43, Duration::from_secs(30)).await;
    let b = posts_in(&rig, TB);
    assert_eq!(b.len(), 3, "B's DMs, each once");
    for call in &b {
        let after = call.at - started;
        assert!(
            after < Duration::from_secs(1),
            "B's DM waited {after:?} behind A's burst"
        );
    }
    // A's own DMs were spread at its ceiling: five at once, then ten a second.
    let a = posts_in(&rig, TA);
    assert_eq!(a.len(), 40);
    let spread = a[39].at - a[0].at;
    assert!(
        spread >= Duration::from_millis(3300),
        "A's burst took only {spread:?}"
    );
    assert_eq!(rig.app.slack.rate_limited(), 0, "429s met");
    assert!(
        report.deferred > 0,
        "A's tail waited in the queue, not in memory: {report:?}"
    );
    each_sent_once(&rig, 43).await;
    // Waiting for a turn counts no attempt.
    let rows: Vec<(String, String, i32)> = rig
        .app
        .db
        .rows("SELECT key, status, attempts FROM reminders")
        .await;
    assert!(attempts_over_one(&rows).is_empty(), "{rows:?}");
}

async fn a_429_in_one_workspace_pauses_only_that_one(app: TestApp) {
    // One delivery at a time: once the 429 is in, nothing of A is under way.
    let rig = rig(
        app,
        SchedulerSettings {
            concurrency: 1,
            ..settings()
        },
    )
    .await;
    due(&rig, TA, 6, |i| user(TA, i), 2).await;
    due(&rig, TB, 6, |i| user(TB, i), 1).await;
    rig.app.slack.fail_next_in(
        TA,
        "chat.postMessage",
        FakeFailure::RateLimited {
            retry_after_secs: 2,
        },
    );
    let started = Instant::now();
    let report = deliver(&rig, 12, Duration::from_secs(30)).await;
    let a = posts_in(&rig, TA);
    let limited = &a[0];
    // Six posts of A went through after the one Slack refused, none while A was held back.
    assert_eq!(a.len(), 7, "{a:?}");
    for call in &a[1..] {
        let after = call.at - limited.at;
        assert!(
            after >= Duration::from_secs(2),
            "A posted {after:?} after its 429"
        );
    }
    // B went on meanwhile.
    let b = posts_in(&rig, TB);
    assert_eq!(b.len(), 6);
    for call in &b {
        let after = call.at - started;
        assert!(
            after < Duration::from_secs(1),
            "B's DM waited {after:?} on A's 429"
        );
    }
    assert_eq!(report.retried, 1, "{report:?}");
    each_sent_once(&rig, 12).await;
    // Only the reminder Slack refused counts a second attempt; the rest only waited.
    let rows: Vec<(String, String, i32)> = rig
        .app
        .db
        .rows("SELECT key, status, attempts FROM reminders")
        .await;
    assert_eq!(attempts_over_one(&rows).len(), 1, "{rows:?}");
}

async fn a_fan_out_past_the_ceiling_is_spread_and_meets_no_429(app: TestApp) {
    let rig = rig(app, settings()).await;
    // The fake does refuse what is not paced: twelve posts at once in C meet 429s.
    let c = SlackWebApi::new(&rig.app.slack.api_url(), &Secret::new(token(TC))).unwrap();
    let burst: Vec<_> = (0..12)
        .map(|i| {
            rig.app
                .slack
                .set_user_in(TC, &user(TC, i), "c", Some("UTC"));
            let message = Message::new("unpaced");
            let channel = user(TC, i);
            let c = &c;
            async move { c.post_message(&channel, &message, None).await }
        })
        .collect();
    futures_util::future::join_all(burst).await;
    assert!(
        rig.app.slack.rate_limited_in(TC) > 0,
        "the fake enforces no ceiling"
    );
    // A: thirty DMs, three of them to one person (one channel); B: ten at the same time.
    due(&rig, TA, 30, |i| user(TA, if i < 3 { 0 } else { i }), 1).await;
    due(&rig, TB, 10, |i| user(TB, i), 1).await;
    let report = deliver(&rig, 40, Duration::from_secs(30)).await;
    assert_eq!(
        rig.app.slack.rate_limited_in(TA) + rig.app.slack.rate_limited_in(TB),
        0,
        "429s met"
    );
    assert!(report.deferred > 0, "{report:?}");
    let a = posts_in(&rig, TA);
    assert_eq!(a.len(), 30);
    assert!(
        a[29].at - a[0].at >= Duration::from_millis(2400),
        "A's fan-out was not spread"
    );
    // The three to one person went a second apart.
    let to_first: Vec<Instant> = a
        .iter()
        .filter(|call| call.params["channel"] == user(TA, 0))
        .map(|call| call.at)
        .collect();
    assert_eq!(to_first.len(), 3);
    for pair in to_first.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(900),
            "{to_first:?}"
        );
    }
    each_sent_once(&rig, 40).await;
}

async fn a_group_dm_fan_out_waits_its_turns_without_holding_slots(app: TestApp) {
    // The Slack clients do not pace here, so the scheduler's own turns for conversations.open
    // (a Tier 3 method, per workspace) are all there is; it takes them before a delivery slot.
    let settings = SchedulerSettings {
        tick: Duration::from_secs(3),
        concurrency: 2,
        per_tier3_call: Duration::from_millis(250),
        ..settings()
    };
    let rig = rig_with(app, settings, false).await;
    let pair = |i: usize| format!("{},{}", user(TA, 2 * i), user(TA, 2 * i + 1));
    due(&rig, TA, 10, pair, 2).await;
    due(&rig, TB, 3, |i| user(TB, i), 1).await;
    let started = Instant::now();
    deliver(&rig, 13, Duration::from_secs(30)).await;
    for call in posts_in(&rig, TB) {
        let after = call.at - started;
        assert!(
            after < Duration::from_secs(1),
            "B's DM waited {after:?} behind A's group DMs"
        );
    }
    let token_a = token(TA);
    let opens: Vec<Instant> = rig
        .app
        .slack
        .calls_to("conversations.open")
        .into_iter()
        .filter(|call| call.token.as_deref() == Some(token_a.as_str()))
        .map(|call| call.at)
        .collect();
    assert_eq!(opens.len(), 10);
    for pair in opens.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(200),
            "opens too close: {opens:?}"
        );
    }
    each_sent_once(&rig, 13).await;
}
