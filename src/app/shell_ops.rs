//! What the terminal shell asks of the core beyond what Slack does: when the next reminder is
//! due (so its pretend clock stops exactly there) and everyone's state at the pretend instant (so
//! it can tell what changed while time moved on).

use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::{Core, CoreError};
use crate::commands::parse::Command;
use crate::domain::status::MentorStatus;

impl Core {
    /// When the earliest pending reminder is next ready (any workspace's).
    pub async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, CoreError> {
        Ok(self.store.next_ready_at().await?)
    }

    /// Every mentor's status in the workspace at the clock's instant.
    pub async fn statuses_now(&self, team_id: &str) -> Result<Arc<[MentorStatus]>, CoreError> {
        Ok(self.directory.statuses(team_id, self.clock.now()).await?)
    }
}

impl super::Understood {
    /// A command proper, not the overview or a lookup: in a channel the shell takes a line that
    /// reads as one for the command, and anything else (`thanks @bob!`) for a message.
    pub fn reads_as_command(&self) -> bool {
        matches!(&self.parsed, Ok(command) if !matches!(command, Command::Overview | Command::Lookup(_)))
    }
}
