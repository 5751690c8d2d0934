//! officehours: office hours, 1:1s and mentoring nudges for Slack teams.
//!
//! `domain` is pure (no Slack, no SQL, no clock of its own); `commands` is the transport-agnostic
//! core; `directory` is its in-memory read model of who is open; `views` says things; `slack`,
//! `shell` and `store` are the adapters around them.

pub mod calendar;
pub mod check;
pub mod clock;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod deliveries;
pub mod directory;
pub mod domain;
#[doc(hidden)]
pub mod fuzz;
pub mod metrics;
pub mod nudges;
pub mod presence;
pub mod scheduler;
pub mod shell;
pub mod slack;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod views;
