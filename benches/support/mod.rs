//! What benches/load.rs and benches/scheduler.rs share: the machine's description, request
//! signing, a fake Slack (the tests' own, tests/support/fake_slack/), fresh databases, seeding,
//! the release binary as a child process, and the load client.
#![allow(dead_code)]

pub mod client;
pub mod db;
/// The fake Slack the tests use; a bench cannot import a test module, so it includes the source.
#[path = "../../tests/support/fake_slack/mod.rs"]
pub mod fake_slack;
pub mod machine;
pub mod process;
pub mod rounds;
pub mod scrape;
pub mod seed;
pub mod siege;
pub mod signing;

/// The fake Slack on loopback, taking the benches' bot token and stamping messages with the
/// wall clock (so conversations.history finds what the bot posted since a reminder fell due).
pub async fn start_fake_slack() -> fake_slack::FakeSlack {
    let fake = fake_slack::FakeSlack::start(signing::BOT_TOKEN).await;
    fake.set_clock(chrono::Utc::now);
    fake
}

/// Runs a bench's body on a multi-threaded runtime, as the serving binary runs.
pub fn block_on<F: std::future::Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(body)
}

/// A whole number from the environment (`BENCH_…`), or `default`.
pub fn env_or(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}
