//! Which module says what a due reminder says: presence owns status changes, nudges the rest.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::nudges::Nudges;
use crate::presence::{kinds, Presence};
use crate::scheduler::{Composed, Composer};
use crate::store::reminders::Reminder;

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
}
