//! Which module says what a due reminder says: presence owns status changes, nudges the rest.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use crate::nudges::Nudges;
use crate::presence::{kinds, Presence};
use crate::scheduler::{Composed, Composer};
use crate::store::reminders::Reminder;

/// Status changes composed (made) at once within a batch.
const STATUS_CHANGES_AT_ONCE: usize = 16;

pub struct Deliveries {
    pub nudges: Nudges,
    pub presence: Presence,
}

#[async_trait]
impl Composer for Deliveries {
    async fn compose(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<Composed> {
        if kinds::owns(&reminder.kind) {
            self.presence.compose(reminder, now).await
        } else {
            self.nudges.compose(reminder, now).await
        }
    }

    async fn settled(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<()> {
        if kinds::owns(&reminder.kind) {
            Ok(self.presence.settled(reminder).await?)
        } else {
            self.nudges.settled(reminder, now).await
        }
    }

    /// The nudges read in bulk for their share of the batch; status changes are made a few at a
    /// time.
    async fn compose_all(
        &self,
        reminders: &[Reminder],
        now: DateTime<Utc>,
    ) -> Vec<anyhow::Result<Composed>> {
        let (mine, theirs): (Vec<usize>, Vec<usize>) =
            (0..reminders.len()).partition(|&i| kinds::owns(&reminders[i].kind));
        let nudges: Vec<Reminder> = theirs.iter().map(|&i| reminders[i].clone()).collect();
        let mut composed: Vec<Option<anyhow::Result<Composed>>> =
            (0..reminders.len()).map(|_| None).collect();
        for (i, result) in theirs
            .into_iter()
            .zip(self.nudges.compose_all(&nudges, now).await)
        {
            composed[i] = Some(result);
        }
        // A status change is made while composing (a Web API call each): several at once, as
        // when each delivery composed its own.
        let changes: Vec<(usize, anyhow::Result<Composed>)> = futures_util::stream::iter(mine)
            .map(|i| async move { (i, self.presence.compose(&reminders[i], now).await) })
            .buffer_unordered(STATUS_CHANGES_AT_ONCE)
            .collect()
            .await;
        for (i, result) in changes {
            composed[i] = Some(result);
        }
        composed
            .into_iter()
            .map(|c| c.unwrap_or_else(|| Err(anyhow::anyhow!("not composed"))))
            .collect()
    }

    async fn settled_all(&self, reminders: &[Reminder], now: DateTime<Utc>) -> anyhow::Result<()> {
        let (mine, theirs): (Vec<Reminder>, Vec<Reminder>) = reminders
            .iter()
            .cloned()
            .partition(|r| kinds::owns(&r.kind));
        let mut first_error = None;
        for reminder in &mine {
            if let Err(err) = self.presence.settled(reminder).await {
                tracing::warn!(error = %err, key = %reminder.key, "could not plan the next status change");
                first_error.get_or_insert(anyhow::Error::from(err));
            }
        }
        if let Err(err) = self.nudges.settled_all(&theirs, now).await {
            first_error.get_or_insert(err);
        }
        first_error.map_or(Ok(()), Err)
    }
}
