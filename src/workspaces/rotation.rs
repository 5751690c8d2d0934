//! Token rotation (the Slack app's `token_rotation_enabled`): bot and user tokens that expire
//! after 12 hours, renewed with their refresh token through `oauth.v2.access`. Slack revokes a
//! refresh token as it is used, so each renewal is made by one replica, under a lease taken on
//! the token's row; the others wait for its result. Without a refresh token nothing rotates.

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

use crate::clock::Clock;
use crate::crypto::{refresh_owner, token_owner, TokenCipher};
use crate::ports::slack::{Rotation as Granted, SlackApi, SlackError};
use crate::secret::Secret;
use crate::store::installs::BOT;
use crate::store::tokens::{Claim, Renewed as Sealed};
use crate::store::{Store, StoreError};

/// Renew this long before a token expires (as Bolt and Slack's SDKs do).
pub const REFRESH_AHEAD: Duration = Duration::hours(2);
/// How long a replica holds a refresh before another may take it over.
const LEASE: Duration = Duration::minutes(1);
/// How long the refresh call may take: half the lease.
const REFRESH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a call that met an expired token waits for another replica's refresh.
const WAIT_FOR_OTHERS: std::time::Duration = std::time::Duration::from_secs(3);
const WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(100);

/// Why reminders were cancelled when Slack would not renew a token.
pub const BOT_REFUSED: &str =
    "Slack refused to renew the bot token (token rotation); install the app again";
const USER_REFUSED: &str = "Slack refused to renew the person's token (token rotation)";

/// How a renewal went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewal {
    /// The token to use now: renewed here, or by another replica.
    Renewed(Secret),
    /// Nothing new: the token does not rotate, or a renewal failed for now (tried again later).
    Unchanged,
    /// Slack refused the refresh token: the workspace is treated as uninstalled, the person's
    /// connection as revoked.
    Refused,
}

/// Slack's answers to a refresh that mean the refresh token will never work again.
fn is_refusal(err: &SlackError) -> bool {
    matches!(err, SlackError::Api(code) if matches!(code.as_str(),
        "invalid_refresh_token" | "invalid_grant" | "token_revoked" | "account_inactive" | "app_uninstalled"))
}

/// The owner a token (`BOT`, or a user id) is sealed for.
fn owner_of(team_id: &str, user_id: &str) -> (String, String) {
    (
        token_owner(team_id, user_id),
        refresh_owner(team_id, user_id),
    )
}

/// Renews rotating tokens. `oauth` makes the refresh calls, which take the app's client id and
/// secret and no token.
pub struct Rotation {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    cipher: TokenCipher,
    oauth: Arc<dyn SlackApi>,
    client_id: String,
    client_secret: Secret,
    /// The key prefixes of the reminders a person's token serves (their status changes).
    user_reminders: fn(&str, &str) -> Vec<String>,
}

impl Rotation {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        cipher: TokenCipher,
        oauth: Arc<dyn SlackApi>,
        (client_id, client_secret): (String, Secret),
    ) -> Self {
        Self {
            store,
            clock,
            cipher,
            oauth,
            client_id,
            client_secret,
            user_reminders: crate::presence::token_reminder_prefixes,
        }
    }

    /// A granted rotation as stored: the refresh token sealed for `user_id` (or `BOT`) in
    /// `team_id`, and when the token expires.
    pub fn seal(&self, team_id: &str, user_id: &str, granted: &Granted) -> (String, DateTime<Utc>) {
        let (_, refresh) = owner_of(team_id, user_id);
        (
            self.cipher
                .encrypt(granted.refresh_token.expose(), &refresh),
            self.clock.now() + Duration::seconds(granted.expires_in_secs.max(0)),
        )
    }

    /// Renews every token that expires within `REFRESH_AHEAD` and no other replica is renewing.
    pub async fn refresh_due(&self) -> usize {
        let now = self.clock.now();
        let due = match self.store.tokens_expiring(now + REFRESH_AHEAD, now).await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "could not look for tokens to renew; will try again");
                return 0;
            }
        };
        let mut renewed = 0;
        for (team, user) in due {
            let claim = Claim::ExpiringBy(now + REFRESH_AHEAD);
            match self.refresh(&team, &user, claim).await {
                Ok(Some(Renewal::Renewed(_))) => renewed += 1,
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, slack.team_id = %team, slack.user_id = %user, "could not renew a token; will try again")
                }
            }
        }
        renewed
    }

    /// Slack answered `token_expired` for `expired`, the token of `user_id` (or `BOT`): the token
    /// to use instead. One replica renews it; the others find its result (waiting a little).
    /// A mentor's user token renewed after it met `token_expired`, if rotation is on and
    /// the renewal worked (what both kinds of `Workspaces` answer).
    pub async fn renewed_user_token(
        rotation: Option<&Arc<Rotation>>,
        team_id: &str,
        user_id: &str,
        expired: &Secret,
    ) -> Option<Secret> {
        match rotation?.renew(team_id, user_id, expired).await {
            Renewal::Renewed(token) => Some(token),
            _ => None,
        }
    }

    pub async fn renew(&self, team_id: &str, user_id: &str, expired: &Secret) -> Renewal {
        let started = std::time::Instant::now();
        loop {
            match self.renew_once(team_id, user_id, expired).await {
                Ok(Some(renewal)) => return renewal,
                Ok(None) if started.elapsed() < WAIT_FOR_OTHERS => {
                    tokio::time::sleep(WAIT_STEP).await
                }
                Ok(None) => return Renewal::Unchanged,
                Err(err) => {
                    tracing::warn!(error = %err, slack.team_id = %team_id, slack.user_id = %user_id, "could not renew an expired token");
                    return Renewal::Unchanged;
                }
            }
        }
    }

    /// None while another replica holds the renewal.
    async fn renew_once(
        &self,
        team_id: &str,
        user_id: &str,
        expired: &Secret,
    ) -> Result<Option<Renewal>, StoreError> {
        let Some((sealed, rotates)) = self.store.current_token(team_id, user_id).await? else {
            return Ok(Some(Renewal::Refused));
        };
        let (owner, _) = owner_of(team_id, user_id);
        let Ok(current) = self.cipher.decrypt(&sealed, &owner) else {
            return Ok(Some(Renewal::Unchanged));
        };
        if current != expired.expose() {
            return Ok(Some(Renewal::Renewed(Secret::new(current))));
        }
        if !rotates {
            return Ok(Some(Renewal::Unchanged));
        }
        self.refresh(team_id, user_id, Claim::Refused(&sealed))
            .await
    }

    /// Takes the renewal of one token, if it is there to take, and makes it: None if another
    /// replica holds it (or the token is not due).
    async fn refresh(
        &self,
        team_id: &str,
        user_id: &str,
        claim: Claim<'_>,
    ) -> Result<Option<Renewal>, StoreError> {
        let now = self.clock.now();
        let Some(held) = self
            .store
            .claim_refresh(team_id, user_id, claim, now, now + LEASE)
            .await?
        else {
            return Ok(None);
        };
        let (owner, refresh_owner) = owner_of(team_id, user_id);
        let Ok(refresh) = self.cipher.decrypt(&held.refresh_sealed, &refresh_owner) else {
            tracing::warn!(slack.team_id = %team_id, slack.user_id = %user_id, "a refresh token does not open with this process's key");
            return Ok(Some(Renewal::Unchanged));
        };
        // Well inside the lease: a second replica must never hold the same refresh token.
        let answer = tokio::time::timeout(
            REFRESH_TIMEOUT,
            self.oauth
                .refresh_token(&self.client_id, &self.client_secret, &Secret::new(refresh)),
        )
        .await
        .unwrap_or_else(|_| {
            Err(SlackError::Transport(format!(
                "no answer from Slack within {REFRESH_TIMEOUT:?}"
            )))
        });
        let refreshed = match answer {
            Ok(refreshed) => refreshed,
            Err(err) if is_refusal(&err) => {
                self.refused(team_id, user_id, &err).await?;
                return Ok(Some(Renewal::Refused));
            }
            Err(err) => {
                // The lease runs out in a minute; the next round tries again.
                tracing::warn!(error = %err, slack.team_id = %team_id, slack.user_id = %user_id, "could not renew a token; will try again");
                return Ok(Some(Renewal::Unchanged));
            }
        };
        let (refresh_sealed, expires_at) = self.seal(team_id, user_id, &refreshed.rotation);
        let renewed = Sealed {
            token_sealed: self.cipher.encrypt(refreshed.access_token.expose(), &owner),
            refresh_sealed,
            expires_at,
        };
        let saved = self
            .store
            .save_refreshed(team_id, user_id, &held.refresh_sealed, &renewed)
            .await?;
        if saved {
            tracing::info!(slack.team_id = %team_id, slack.user_id = %user_id, expires_at = %expires_at, "renewed a rotating token");
        } else {
            tracing::info!(slack.team_id = %team_id, slack.user_id = %user_id, "renewed a token whose row changed meanwhile (a reinstall or reconnect); kept the newer one");
        }
        Ok(Some(Renewal::Renewed(refreshed.access_token)))
    }

    /// Slack will not renew the token: a workspace's work stops as at an uninstall, a person's
    /// connection ends as at a revocation. Once: the row is then no longer due.
    async fn refused(
        &self,
        team_id: &str,
        user_id: &str,
        err: &SlackError,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        if user_id == BOT {
            tracing::warn!(slack.team_id = %team_id, error = %err, "Slack refused to renew the workspace's bot token: its work is stopped as if uninstalled; installing the app again brings it back");
            self.store
                .mark_uninstalled(team_id, BOT_REFUSED, now)
                .await?;
            return Ok(());
        }
        tracing::warn!(slack.team_id = %team_id, slack.user_id = %user_id, error = %err, "Slack refused to renew a mentor's user token: their connection is ended, as if revoked, and they are told once");
        let first = self
            .store
            .mark_connection_broken(team_id, user_id, now)
            .await?;
        for prefix in (self.user_reminders)(team_id, user_id) {
            self.store
                .cancel_pending(&prefix, USER_REFUSED, now)
                .await?;
        }
        if first {
            // They did nothing to end it, so unlike a revocation they are told how to connect again.
            let notice = crate::presence::connection_broken_notice(team_id, user_id, now);
            self.store.schedule(&notice, now).await?;
        }
        Ok(())
    }
}
