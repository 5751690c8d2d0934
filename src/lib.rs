//! officehours: office hours, 1:1s and mentoring nudges for Slack teams.
//!
//! Ports and adapters, in rings (ARCHITECTURE.md draws them; `tests/architecture.rs` keeps them):
//! the pure `domain` in the middle; the core around it, entered by one front door (`app::Core`);
//! the ports the core defines (`ports`, and `store`'s trait); the adapters (`slack`, `shell`, the
//! database backends in `store`); and the wiring that builds and runs it all.

// The domain: pure rules, no Slack, no SQL, no clock of its own.
/// Days, times, weekly windows, time-zone maths, presence, cadences, work time, status rules.
pub mod domain;

// The core.
/// The front door: the one way adapters enter the core (`Core`'s named operations).
pub mod app;
/// The iCalendar feed of a mentor's windows, with the zone's DST rules.
pub mod calendar;
/// What people say to the bot: the `/officehours` grammar and who said it.
pub mod commands;
/// The reminder kinds as one contract: who composes each, and how it is delivered.
pub mod deliveries;
/// The in-memory read model of who is open, kept current across replicas.
pub mod directory;
/// The App Home tab: drawn on request, and republished through the queue when a line moves.
pub mod home;
/// 1:1s, debriefs, reviews, conferences, the digest and "tell me when": what each plans and says.
pub mod nudges;
/// Slack status during office hours, OAuth connect, away, mention hints, the calendar address.
pub mod presence;
/// The durable reminder queue: claim under a lease, deliver through the Slack port, retry.
pub mod scheduler;
/// What the bot says, as neutral messages (Block Kit and plain text are the adapters' business).
pub mod views;
/// Every workspace that installs the bot: its own token, the "Add to Slack" flow, uninstalls.
pub mod workspaces;

// The ports the core defines, and small values every ring may hold.
/// The injected clock: real, frozen or offset.
pub mod clock;
/// Sealing Slack tokens at rest (XChaCha20-Poly1305).
pub mod crypto;
/// Prometheus metrics: what is counted and how it is served.
pub mod metrics;
/// The outbound Slack port (`SlackApi` and its data) and rate pacing.
pub mod ports;
/// A value that never reaches a log line: tokens, secrets, keys.
pub mod secret;
/// Storage: the `Store` port with its SQLite and PostgreSQL backends.
pub mod store;

// The adapters.
/// The terminal adapter: the bot in a shell, with a pretend clock.
pub mod shell;
/// The Slack adapter: signed HTTP endpoints, Socket Mode, the Web API client, Block Kit.
pub mod slack;

// The wiring.
/// `officehours check`: configuration, database and Slack, checked without changing anything.
pub mod check;
/// Settings from the environment, flags and `.env`.
pub mod config;
#[doc(hidden)]
/// Entry points for the fuzz targets (not part of the API).
pub mod fuzz;
/// The token key: loaded (refused over tokens it cannot open), rotated, and `keys forget-tokens`.
pub mod keys;
/// The HTTP server under bounds: connection cap, timeouts, body limit, load shedding, shutdown deadline.
pub mod serve;
/// Builds the application from its configuration and runs it until told to stop.
pub mod startup;
/// Logging and request spans.
pub mod telemetry;
