//! The workspaces that installed the bot ("Add to Slack"), their install states, and what an
//! uninstall does to a workspace's rows: its pending work stopped at once, all of it deleted
//! once the retention has run out.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use super::presence::Resealing;
use super::presence::{ResealWith, Resealed, SealedToken};

/// Which tokens to take: the store knows no keys, the caller says.
pub type PickWith<'a> = &'a (dyn Fn(&SealedToken) -> bool + Sync);
use super::{stored_instant, SqlStore, StoreError};

/// A workspace as its install left it. The token is sealed (`crypto`), bound to the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub team_id: String,
    pub team_name: String,
    pub enterprise_id: Option<String>,
    pub bot_user_id: String,
    pub scopes: String,
    pub token_sealed: String,
    pub installed_at: DateTime<Utc>,
    /// Set by an uninstall (or the bot token's revocation); cleared by a reinstall.
    pub uninstalled_at: Option<DateTime<Utc>>,
    /// With token rotation: the refresh token, sealed like the token (`crypto::refresh_owner`),
    /// and when the token expires.
    pub refresh_sealed: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
}

/// The user id a workspace's bot token is sealed for (`crypto::token_owner(team, BOT)`): no
/// Slack user id looks like it, so it never opens as a person's token or the other way round.
pub const BOT: &str = "bot";

/// A workspace whose token was forgotten (`keys forget-tokens`) keeps its row, uninstalled, with
/// no token: it has none to check or re-seal.
const ALL_BOT_TOKENS: &str = "SELECT team_id, token_sealed, refresh_sealed FROM workspaces \
     WHERE token_sealed <> '' ORDER BY team_id";

fn bot_token(
    (team_id, token_sealed, refresh_sealed): (String, String, Option<String>),
) -> SealedToken {
    SealedToken {
        team_id,
        user_id: BOT.to_owned(),
        token_sealed,
        refresh_sealed,
    }
}

/// What saving an install found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// The workspace was new here.
    New,
    /// It was installed already: its token was replaced.
    Replaced,
    /// It had uninstalled within the retention: it is back, with its data.
    Returned,
}

/// The rows with a `team_id`, deleted by a purge. Children (windows, meetings, feedback) go with
/// their parents first. The workspace's `directory_revisions` counter stays (a number, no one's
/// data): deleting its people moves it on, so every replica's read model reloads the workspace
/// empty; deleted, it would start again from 0 under copies that hold a higher count and are
/// taken to be newer (counters only ever grow).
const PURGE: &[&str] = &[
    "DELETE FROM windows WHERE team_id = $1",
    "DELETE FROM meetings WHERE cadence_id IN (SELECT id FROM cadences WHERE team_id = $1)",
    "DELETE FROM feedback WHERE debrief_id IN (SELECT id FROM debriefs WHERE team_id = $1)",
    "DELETE FROM cadences WHERE team_id = $1",
    "DELETE FROM debriefs WHERE team_id = $1",
    "DELETE FROM reviews WHERE team_id = $1",
    "DELETE FROM conferences WHERE team_id = $1",
    "DELETE FROM reminders WHERE team_id = $1",
    "DELETE FROM connections WHERE team_id = $1",
    "DELETE FROM oauth_states WHERE team_id = $1",
    "DELETE FROM channel_settings WHERE team_id = $1",
    "DELETE FROM mention_hints WHERE team_id = $1",
    "DELETE FROM invitations WHERE team_id = $1",
    "DELETE FROM slack_triggers WHERE team_id = $1",
    "DELETE FROM line WHERE team_id = $1",
    "DELETE FROM visits WHERE team_id = $1",
    "DELETE FROM meeting_links WHERE team_id = $1",
    "DELETE FROM line_late WHERE team_id = $1",
    "DELETE FROM notify_subscriptions WHERE team_id = $1",
    "DELETE FROM people WHERE team_id = $1",
    "DELETE FROM org_workspaces WHERE enterprise_id = $1",
    "DELETE FROM workspaces WHERE team_id = $1",
];

#[async_trait]
pub trait InstallStore: Send + Sync {
    async fn workspace(&self, team_id: &str) -> Result<Option<Workspace>, StoreError>;
    /// Stores an install (a reinstall replaces the token and clears the uninstall; one within the
    /// retention puts back the reminders the uninstall cancelled).
    async fn save_install(&self, workspace: &Workspace) -> Result<Installed, StoreError>;
    /// Marks the workspace uninstalled and cancels all its pending reminders with `reason`, in
    /// one transaction. False if it was not installed (unknown, or already uninstalled).
    async fn mark_uninstalled(
        &self,
        team_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Deletes every row of each workspace uninstalled before `cutoff`: the teams purged.
    async fn purge_uninstalled_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError>;

    /// Every workspace's sealed bot token, as (team, `BOT`, sealed), for the key's checks.
    async fn sealed_bot_tokens(&self) -> Result<Vec<SealedToken>, StoreError>;
    /// Replaces every bot token with what `reseal` makes of it, in one transaction; if it makes
    /// nothing of some, writes nothing and names them.
    async fn reseal_bot_tokens(&self, reseal: ResealWith<'_>) -> Result<Resealed, StoreError>;

    /// In one transaction: for each bot token `forget` picks, the workspace is marked
    /// uninstalled (as if the app were removed: its data kept for the retention, a reinstall
    /// brings it back), its token and refresh token deleted and its pending reminders cancelled
    /// with `reason`. Returns the forgotten ones.
    async fn forget_bot_tokens(
        &self,
        forget: PickWith<'_>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SealedToken>, StoreError>;

    async fn create_install_state(
        &self,
        state: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Uses the state up: true the first time within its lifetime, false otherwise.
    async fn consume_install_state(
        &self,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn purge_expired_install_states(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

type WorkspaceRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
);

fn workspace(
    (
        team_id,
        team_name,
        enterprise_id,
        bot_user_id,
        scopes,
        token_sealed,
        installed_at,
        uninstalled_at,
        refresh_sealed,
        token_expires_at,
    ): WorkspaceRow,
) -> Workspace {
    Workspace {
        team_id,
        team_name,
        enterprise_id,
        bot_user_id,
        scopes,
        token_sealed,
        installed_at,
        uninstalled_at,
        refresh_sealed,
        token_expires_at,
    }
}

const SELECT: &str =
    "SELECT team_id, team_name, enterprise_id, bot_user_id, scopes, token_sealed, \
     installed_at, uninstalled_at, refresh_sealed, token_expires_at FROM workspaces WHERE team_id = $1";

const UPSERT: &str =
    "INSERT INTO workspaces (team_id, team_name, enterprise_id, bot_user_id, scopes, \
     token_sealed, installed_at, uninstalled_at, refresh_sealed, token_expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9) \
     ON CONFLICT (team_id) DO UPDATE SET team_name = $2, enterprise_id = $3, bot_user_id = $4, \
     scopes = $5, token_sealed = $6, installed_at = $7, uninstalled_at = NULL, refresh_sealed = $8, \
     token_expires_at = $9, refreshing_until = NULL";

/// Brings back what a stop (or an uninstall) cancelled from `$2` on: pending again, at once if
/// it was due meanwhile (`$3`: now).
pub(super) const RESTORE: &str =
    "UPDATE reminders SET status = 'pending', last_error = NULL, finished_at = NULL, \
     lease_until = NULL, claimed_by = NULL, \
     next_attempt_at = CASE WHEN due_at > $3 THEN due_at ELSE $3 END \
     WHERE team_id = $1 AND status = 'cancelled' AND finished_at >= $2";

macro_rules! impl_install_store {
    ($db:ty) => {
        #[async_trait]
        impl InstallStore for SqlStore<$db> {
            async fn workspace(&self, team: &str) -> Result<Option<Workspace>, StoreError> {
                let row: Option<WorkspaceRow> = sqlx::query_as(SELECT).bind(team).fetch_optional(&self.pool).await?;
                Ok(row.map(workspace))
            }

            async fn save_install(&self, w: &Workspace) -> Result<Installed, StoreError> {
                let mut tx = self.begin().await?;
                // What was there decides the words of the page; read and written in one go.
                let before: Option<WorkspaceRow> = sqlx::query_as(SELECT).bind(&w.team_id).fetch_optional(&mut *tx).await?;
                sqlx::query(UPSERT)
                    .bind(&w.team_id).bind(&w.team_name).bind(&w.enterprise_id).bind(&w.bot_user_id)
                    .bind(&w.scopes).bind(&w.token_sealed).bind(stored_instant(w.installed_at))
                    .bind(&w.refresh_sealed).bind(w.token_expires_at.map(stored_instant))
                    .execute(&mut *tx).await?;
                if let Some(gone_at) = before.as_ref().and_then(|row| row.7) {
                    // Back within the retention: what the uninstall cancelled is pending again (nothing
                    // else of this workspace could be cancelled while it was gone), and the scheduler's
                    // own rules apply (late, or dropped when over a day late; either way what follows
                    // is planned, so every chain of reminders goes on).
                    sqlx::query(RESTORE).bind(&w.team_id).bind(stored_instant(gone_at))
                        .bind(stored_instant(w.installed_at)).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(match before.map(workspace) {
                    None => Installed::New,
                    Some(old) if old.uninstalled_at.is_some() => Installed::Returned,
                    Some(_) => Installed::Replaced,
                })
            }

            async fn mark_uninstalled(&self, team: &str, reason: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let now = stored_instant(now);
                let mut tx = self.begin().await?;
                let done = sqlx::query("UPDATE workspaces SET uninstalled_at = $1 WHERE team_id = $2 AND uninstalled_at IS NULL")
                    .bind(now).bind(team).execute(&mut *tx).await?;
                // Claimed rows are left to their delivery, which finds the workspace gone and
                // cancels them itself; pending ones stop here.
                sqlx::query(
                    "UPDATE reminders SET status = 'cancelled', last_error = $1, finished_at = $2 \
                     WHERE team_id = $3 AND status = 'pending'",
                )
                .bind(reason).bind(now).bind(team).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn purge_uninstalled_before(&self, cutoff: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
                let teams: Vec<(String,)> = sqlx::query_as(
                    "SELECT team_id FROM workspaces WHERE uninstalled_at IS NOT NULL AND uninstalled_at <= $1 ORDER BY team_id",
                )
                .bind(stored_instant(cutoff)).fetch_all(&self.pool).await?;
                let mut purged = Vec::with_capacity(teams.len());
                for (team,) in teams {
                    let mut tx = self.begin().await?;
                    // A reinstall since the read above wins: nothing of a returned workspace goes.
                    let still: Option<(String,)> = sqlx::query_as(
                        "SELECT team_id FROM workspaces WHERE team_id = $1 AND uninstalled_at IS NOT NULL AND uninstalled_at <= $2",
                    )
                    .bind(&team).bind(stored_instant(cutoff)).fetch_optional(&mut *tx).await?;
                    if still.is_none() {
                        continue;
                    }
                    for sql in PURGE.iter().copied() {
                        sqlx::query(sql).bind(&team).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    purged.push(team);
                }
                Ok(purged)
            }

            async fn sealed_bot_tokens(&self) -> Result<Vec<SealedToken>, StoreError> {
                let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(ALL_BOT_TOKENS).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(bot_token).collect())
            }

            async fn reseal_bot_tokens(&self, reseal: ResealWith<'_>) -> Result<Resealed, StoreError> {
                let mut tx = self.begin().await?;
                let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(ALL_BOT_TOKENS).fetch_all(&mut *tx).await?;
                let (mut resealed, mut unopened) = (Vec::with_capacity(rows.len()), Vec::new());
                for token in rows.into_iter().map(bot_token) {
                    match reseal(&token) {
                        Some(new) => resealed.push((token, new)),
                        None => unopened.push(token),
                    }
                }
                if !unopened.is_empty() {
                    tx.rollback().await?;
                    return Ok(Resealed::Unopened(unopened));
                }
                let mut changed = 0;
                for (token, new) in &resealed {
                    // Only the value that was opened: a reinstall meanwhile keeps its newer token.
                    changed += sqlx::query("UPDATE workspaces SET token_sealed = $1, refresh_sealed = $4 WHERE team_id = $2 AND token_sealed = $3")
                        .bind(&new.token_sealed).bind(&token.team_id).bind(&token.token_sealed).bind(&new.refresh_sealed)
                        .execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(Resealed::Done(changed))
            }

            async fn forget_bot_tokens(
                &self, forget: PickWith<'_>, reason: &str, now: DateTime<Utc>,
            ) -> Result<Vec<SealedToken>, StoreError> {
                let now = stored_instant(now);
                let mut tx = self.begin().await?;
                let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(ALL_BOT_TOKENS).fetch_all(&mut *tx).await?;
                let mut forgotten = Vec::new();
                for token in rows.into_iter().map(bot_token) {
                    if !forget(&token) {
                        continue;
                    }
                    let done = sqlx::query(
                        "UPDATE workspaces SET token_sealed = '', refresh_sealed = NULL, token_expires_at = NULL, \
                         refreshing_until = NULL, uninstalled_at = COALESCE(uninstalled_at, $1) \
                         WHERE team_id = $2 AND token_sealed = $3",
                    )
                    .bind(now).bind(&token.team_id).bind(&token.token_sealed).execute(&mut *tx).await?;
                    if done.rows_affected() == 0 {
                        continue;
                    }
                    sqlx::query(
                        "UPDATE reminders SET status = 'cancelled', last_error = $1, finished_at = $2 \
                         WHERE team_id = $3 AND status = 'pending'",
                    )
                    .bind(reason).bind(now).bind(&token.team_id).execute(&mut *tx).await?;
                    forgotten.push(token);
                }
                tx.commit().await?;
                Ok(forgotten)
            }

            async fn create_install_state(&self, state: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO install_states (state, expires_at) VALUES ($1, $2)")
                    .bind(state).bind(stored_instant(expires_at)).execute(&self.pool).await?;
                Ok(())
            }

            async fn consume_install_state(&self, state: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
                // One UPDATE both checks and uses it up, so two callbacks racing cannot both win.
                let done = sqlx::query(
                    "UPDATE install_states SET used_at = $1 WHERE state = $2 AND used_at IS NULL AND expires_at > $1",
                )
                .bind(stored_instant(now)).bind(state).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn purge_expired_install_states(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM install_states WHERE expires_at <= $1")
                    .bind(stored_instant(now)).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }
        }
    };
}

impl_install_store!(sqlx::Sqlite);
impl_install_store!(sqlx::Postgres);
