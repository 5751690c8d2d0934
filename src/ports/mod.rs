//! The ports: what the core needs from the outside world, defined here in the core's terms.
//! Adapters implement them (`slack/` and `shell/` the Slack port); storage's port is the `Store`
//! trait in `store/`, beside its two backends.

pub mod pacing;
pub mod slack;
pub mod workspaces;
