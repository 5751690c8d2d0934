//! Events Slack pushes: each handled once, and messages in channels that mention mentors.

use super::{ChannelMessage, Core, CoreError};

impl Core {
    /// Records a Slack event id; `true` the first time it is seen on any replica, so Slack's
    /// retries of the same event are acknowledged and ignored.
    pub async fn first_delivery(&self, event_id: &str) -> Result<bool, CoreError> {
        Ok(self
            .store
            .first_delivery(event_id, self.clock.now())
            .await?)
    }

    /// A message in a channel the bot is in: hints about the mentors it mentions, to the sender
    /// only. Returns whether a hint was sent. `bot_user_id` lets a message that mentions the bot be
    /// left to its `app_mention` twin, so it is answered once.
    pub async fn channel_message(
        &self,
        message: ChannelMessage<'_>,
        bot_user_id: Option<&str>,
    ) -> Result<bool, CoreError> {
        Ok(self
            .presence
            .on_channel_message(message, bot_user_id)
            .await?)
    }
}
