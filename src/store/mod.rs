//! Storage port: what the bot keeps (people, weekly windows, handled events), one trait, two backends.

mod expiry;
pub mod gatherings;
pub mod installs;
pub mod line;
pub mod notify;
pub mod nudges;
pub mod one_on_one;
pub mod orgs;
mod postgres;
pub mod presence;
pub mod privacy;
mod reconcile;
pub mod reminders;
mod replays;
mod scoped;
mod sql;
mod sqlite;
pub mod tokens;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use std::sync::Arc;

use crate::domain::presence::ManualState;
use crate::domain::window::{PublishedWindow, WeeklyWindow};

pub use expiry::ExpiryStore;
pub use gatherings::GatheringStore;
pub use installs::InstallStore;
pub use line::LineStore;
pub use notify::NotifyStore;
pub use nudges::NudgeStore;
pub use one_on_one::OneOnOneStore;
pub use orgs::OrgStore;
pub use presence::PresenceStore;
pub use privacy::PrivacyStore;
pub use reminders::ReminderStore;
pub use replays::ReplayStore;
pub use scoped::WorkspaceStore;
pub use sql::SqlStore;
pub use tokens::TokenStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL `{0}`: use sqlite://path.db or postgres://…")]
    UnsupportedUrl(String),
    #[error("could not make the database file private: {0}")]
    FileMode(#[from] std::io::Error),
}

/// A Slack user as the bot knows them in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub team_id: String,
    pub user_id: String,
    pub tz_override: Option<String>,
    pub slack_tz: Option<String>,
    pub slack_tz_checked_at: Option<DateTime<Utc>>,
    pub display_name: Option<String>,
    pub manual: Option<ManualState>,
    /// Hidden from "open now" until then (`/officehours away`, or an away-looking Slack status).
    pub away_until: Option<DateTime<Utc>>,
    /// This mentor asked for no mention hints about them.
    pub hints_off: bool,
    /// Drop in: where people meet this mentor (https), if they said.
    pub meeting_link: Option<String>,
}

impl Person {
    pub fn new(team_id: &str, user_id: &str) -> Self {
        Self {
            team_id: team_id.to_owned(),
            user_id: user_id.to_owned(),
            ..Self::default()
        }
    }

    /// The zone their times are in: their own choice, else their Slack profile's.
    /// A name that no longer parses (chrono-tz dropped it) is treated as unknown rather than an error.
    pub fn zone(&self) -> Option<Tz> {
        self.tz_override
            .as_deref()
            .or(self.slack_tz.as_deref())
            .and_then(|name| name.parse::<Tz>().ok())
    }
}

/// A person together with their windows: everything needed to say whether they are open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mentor {
    pub person: Person,
    pub windows: Vec<PublishedWindow>,
}

/// What `add_window` did. A conflict means nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    Added(PublishedWindow),
    Conflict(PublishedWindow),
    /// The person already has `MAX_WINDOWS_PER_PERSON`.
    Full,
}

/// Decides, inside the writing transaction, whether a new window clashes with the existing ones.
pub type ConflictCheck<'a> = &'a (dyn Fn(&[PublishedWindow]) -> Option<PublishedWindow> + Sync);

#[async_trait]
pub trait OfficeHoursStore: Send + Sync {
    async fn ping(&self) -> Result<(), StoreError>;
    /// Commits one tiny real write (the `health` row), so readiness fails when the database
    /// cannot take one: a read-only file or server, a full disk, a PostgreSQL standby.
    async fn probe_write(&self, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Waits for connections in use and closes the pool (SQLite checkpoints its WAL).
    async fn close(&self);

    async fn person(&self, team_id: &str, user_id: &str) -> Result<Option<Person>, StoreError>;
    /// Everyone of these, in one read (a batch of reminders needs their zones).
    async fn people(&self, team_id: &str, user_ids: &[String]) -> Result<Vec<Person>, StoreError>;
    /// The person with their windows (an empty record if the bot has never seen them).
    async fn mentor(&self, team_id: &str, user_id: &str) -> Result<Mentor, StoreError>;
    /// Everyone in the workspace who has at least one window or an unexpired manual state.
    async fn mentors(&self, team_id: &str, now: DateTime<Utc>) -> Result<Vec<Mentor>, StoreError>;

    /// Adds a window atomically: the person's row is locked, `conflict` sees every existing window.
    async fn add_window(
        &self,
        team_id: &str,
        user_id: &str,
        window: &WeeklyWindow,
        topics: &[String],
        conflict: ConflictCheck<'_>,
        now: DateTime<Utc>,
    ) -> Result<AddOutcome, StoreError>;
    /// Removes one of the person's windows; false if it was not theirs or already gone.
    async fn remove_window(
        &self,
        team_id: &str,
        user_id: &str,
        id: i64,
    ) -> Result<bool, StoreError>;
    async fn remove_all_windows(&self, team_id: &str, user_id: &str) -> Result<u64, StoreError>;

    async fn set_manual(
        &self,
        team_id: &str,
        user_id: &str,
        manual: Option<ManualState>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn set_tz_override(
        &self,
        team_id: &str,
        user_id: &str,
        tz: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Caches what Slack's profile says (users.info), stamped so it can be refreshed later.
    async fn set_slack_profile(
        &self,
        team_id: &str,
        user_id: &str,
        tz: Option<&str>,
        display_name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// True the first time an Events API `event_id` is seen; false for Slack's retries.
    async fn first_delivery(&self, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    async fn forget_deliveries_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;

    /// The workspace's directory counter: it moves (in the writing transaction) whenever anyone's
    /// windows, zone, manual state or away time changes. 0 for a workspace never written to.
    async fn directory_revision(&self, team_id: &str) -> Result<i64, StoreError>;
    /// Every workspace's directory counter, for a replica checking what changed elsewhere.
    async fn directory_revisions(&self) -> Result<Vec<(String, i64)>, StoreError>;
}

/// Everything the bot keeps, as one handle the adapters share.
pub trait Store:
    OfficeHoursStore
    + ReminderStore
    + NudgeStore
    + OneOnOneStore
    + PrivacyStore
    + PresenceStore
    + GatheringStore
    + LineStore
    + WorkspaceStore
    + ReplayStore
    + ExpiryStore
    + NotifyStore
    + InstallStore
    + OrgStore
    + TokenStore
{
}
impl<T> Store for T where
    T: OfficeHoursStore
        + ReminderStore
        + NudgeStore
        + OneOnOneStore
        + PrivacyStore
        + PresenceStore
        + GatheringStore
        + LineStore
        + WorkspaceStore
        + ReplayStore
        + ExpiryStore
        + NotifyStore
        + InstallStore
        + OrgStore
        + TokenStore
{
}

/// Opens the database named by the URL (creating a SQLite file on first run) and migrates it.
pub async fn connect(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    open(database_url, Open::Migrate).await
}

/// Whether opening the database may change it: `Migrate` creates and migrates it, `AsIs` only
/// connects (for `officehours check`, which must not write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    Migrate,
    AsIs,
}

pub async fn open(database_url: &str, open: Open) -> Result<Arc<dyn Store>, StoreError> {
    let url = database_url.trim();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::connect(url, open).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::connect(url, open).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// Instants are stored to the second: SQLite compares them as text, which needs one fixed format.
pub(crate) fn stored_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

/// A database URL may carry a password, in its user part or as a `password`/`sslpassword`
/// query parameter (libpq and sqlx take both); never echo either back.
pub fn redact_url(url: &str) -> String {
    const SECRET_PARAMS: [&str; 2] = ["password", "sslpassword"];
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "<unparseable URL>".to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let is_secret = |key: &str| SECRET_PARAMS.iter().any(|s| key.eq_ignore_ascii_case(s));
    if parsed.query_pairs().any(|(key, _)| is_secret(&key)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if is_secret(&key) { "***".into() } else { value };
                (key.into_owned(), value.into_owned())
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// `$from, $from+1, …` for `n` values: the list inside `IN (…)` for a batch. Statements built
/// with it vary in length with the batch, so they are run `persistent(false)`: kept, they would
/// crowd the statements that repeat out of each connection's cache.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
