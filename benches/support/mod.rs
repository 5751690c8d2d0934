//! What benches/load.rs and benches/scheduler.rs share: the machine's description, request
//! signing, a fake Slack, fresh databases, seeding, the release binary as a child process,
//! and the load client.
#![allow(dead_code)]

pub mod client;
pub mod db;
pub mod fake_slack;
pub mod machine;
pub mod process;
pub mod seed;
pub mod signing;
