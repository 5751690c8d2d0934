//! Replays: a command, a button press or a form submission that Slack delivered once is acted on
//! once, even when the same signed request arrives again while its signature is still good.

use super::{Actor, Core, CoreError};

/// Slack's `trigger_id` for one invocation. A replay of the same request carries the same one;
/// a new command, press or submission never does. Transports without one (the shell) pass `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger<'a>(pub &'a str);

impl Core {
    /// Remembers the invocation where every replica sees it; false when it was seen before.
    /// Without a trigger there is nothing to tell a replay by, so it counts as new.
    pub(super) async fn first_time(
        &self,
        actor: &Actor,
        trigger: Option<Trigger<'_>>,
    ) -> Result<bool, CoreError> {
        let Some(Trigger(id)) = trigger.filter(|t| !t.0.is_empty()) else {
            return Ok(true);
        };
        let first = self
            .store
            .remember_trigger(&actor.team_id, id, self.clock.now())
            .await?;
        if !first {
            tracing::warn!("a replayed Slack request was not acted on again");
        }
        Ok(first)
    }

    /// The invocation changed nothing (a form sent back to be corrected): if Slack sends it
    /// again, it may be acted on. An error here only means a replay of it is refused.
    pub(super) async fn not_done(&self, actor: &Actor, trigger: Option<Trigger<'_>>) {
        let Some(Trigger(id)) = trigger.filter(|t| !t.0.is_empty()) else {
            return;
        };
        if let Err(err) = self.store.release_trigger(&actor.team_id, id).await {
            tracing::warn!(error = %err, "could not forget a trigger that did nothing");
        }
    }
}
