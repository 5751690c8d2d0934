//! Performing a status change: the composer decided which rule applies; here the person's current
//! status is read, the rule says what to set, and the outcome is remembered.

use chrono::{DateTime, Utc};

use super::delivery::Verdict;
use super::{Scheduler, StatusChange};
use crate::domain::slack_status::StatusStep;
use crate::ports::slack::{SlackApi, SlackError};
use crate::secret::Secret;
use crate::store::reminders::{Finish, Reminder};
use crate::store::StoreError;

enum Failure {
    Slack(SlackError),
    Store(StoreError),
}

impl From<SlackError> for Failure {
    fn from(err: SlackError) -> Self {
        Failure::Slack(err)
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Failure::Store(err)
    }
}

impl Scheduler {
    pub(super) async fn change_status(
        &self,
        slack: &dyn SlackApi,
        reminder: &Reminder,
        change: StatusChange,
        now: DateTime<Utc>,
    ) -> Verdict {
        let [user] = reminder.recipients.as_slice() else {
            return Verdict::Finish(Finish::Cancelled("one person per status".into()));
        };
        let performed = tokio::time::timeout(
            self.settings.call_timeout,
            self.perform_renewing(slack, &reminder.team_id, user, &change, now),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Failure::Slack(SlackError::Transport(format!(
                "no answer from Slack within {:?}",
                self.settings.call_timeout
            ))))
        });
        match performed {
            Ok(step) => Verdict::Finish(match step.skipped {
                Some(why) => Finish::Cancelled(why.to_owned()),
                None => Finish::Sent {
                    channel: String::new(),
                    ts: String::new(),
                },
            }),
            Err(Failure::Slack(err)) if err.is_token_gone() => {
                self.token_gone(reminder, user, &change, &err, now).await
            }
            Err(Failure::Slack(err)) => self.retry(reminder, now, &err),
            Err(Failure::Store(err)) => self.retry_unsent(reminder, now, err.to_string()),
        }
    }

    /// Performs the change; if the person's token had expired (token rotation), renews it and
    /// performs it once more with the new one.
    async fn perform_renewing(
        &self,
        slack: &dyn SlackApi,
        team: &str,
        user: &str,
        change: &StatusChange,
        now: DateTime<Utc>,
    ) -> Result<StatusStep, Failure> {
        let first = self
            .perform(slack, team, user, &change.token, change, now)
            .await;
        let Err(Failure::Slack(err)) = &first else {
            return first;
        };
        if !err.is_token_expired() {
            return first;
        }
        let Some(token) = self
            .workspaces
            .renew_user_token(team, user, &change.token)
            .await
        else {
            return first;
        };
        tracing::info!(slack.team_id = %team, slack.user_id = %user, "the person's token had expired: renewed, trying again");
        self.perform(slack, team, user, &token, change, now).await
    }

    async fn perform(
        &self,
        slack: &dyn SlackApi,
        team: &str,
        user: &str,
        token: &Secret,
        change: &StatusChange,
        now: DateTime<Utc>,
    ) -> Result<StatusStep, Failure> {
        let current = slack.current_status(token).await?;
        let step = change.rule.apply(&change.memory, &current, now);
        if let Some(status) = &step.set {
            slack.set_status(token, status).await?;
        }
        if let Some(memory) = &step.memory {
            self.store.set_status_memory(team, user, memory).await?;
        }
        if let Some(until) = step.away_until {
            self.store.set_away(team, user, Some(until), now).await?;
        }
        Ok(step)
    }

    /// The token was revoked or expired: the connection is marked broken and the person told once.
    async fn token_gone(
        &self,
        reminder: &Reminder,
        user: &str,
        change: &StatusChange,
        err: &SlackError,
        now: DateTime<Utc>,
    ) -> Verdict {
        let marked = self
            .store
            .mark_connection_broken(&reminder.team_id, user, now)
            .await;
        let told = match marked {
            Ok(true) => self
                .store
                .schedule(&change.if_token_gone, now)
                .await
                .map(|_| ()),
            Ok(false) => Ok(()),
            Err(store_err) => Err(store_err),
        };
        if let Err(store_err) = told {
            return self.retry_unsent(reminder, now, store_err.to_string());
        }
        Verdict::Finish(Finish::Cancelled(format!("token no longer works: {err}")))
    }
}
