//! The App Home tab: drawn for one person when they open it or press a button on it, and drawn
//! again through the reminder queue (`nudges::kinds::HOME`) when something changes it that the
//! person did not press: someone joining or leaving their line. A row in the queue, not a
//! publish on the side, so a crash or a Slack error between the change and the publish loses
//! nothing: the row is retried like any DM, and a replan coalesces into the one pending row.

use chrono::{DateTime, Utc};

use crate::commands::Actor;
use crate::directory::{status_of, viewer_of, Directory};
use crate::nudges::{NudgeError, Nudges};
use crate::scheduler::Composed;
use crate::store::reminders::Reminder;
use crate::store::Store;
use crate::views::Message;
use std::sync::Arc;

#[derive(Clone)]
pub struct HomeTab {
    pub store: Arc<dyn Store>,
    pub directory: Directory,
    pub nudges: Nudges,
}

impl HomeTab {
    /// The Home tab of `actor` as it is at `now`.
    pub async fn draw(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Message, NudgeError> {
        let me = self.store.mentor(&actor.team_id, &actor.user_id).await?;
        let everyone = self.directory.statuses(&actor.team_id, now).await?;
        let declined = self.nudges.declined_one_on_ones(actor).await?;
        let viewer = viewer_of(&me.person);
        let my_line = self.nudges.home_line(actor, &viewer).await?;
        Ok(crate::views::home::home(
            &viewer,
            now,
            &status_of(&me, now),
            &everyone,
            &declined,
            my_line,
        ))
    }

    /// A queued redraw: the tab as it is when the row is delivered, whatever changed since it
    /// was planned (so one publish covers every change before it).
    pub async fn compose(
        &self,
        reminder: &Reminder,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Composed> {
        let [user] = reminder.recipients.as_slice() else {
            return Ok(Composed::Cancel("a Home tab is one person's".to_owned()));
        };
        let actor = Actor {
            team_id: reminder.team_id.clone(),
            user_id: user.clone(),
        };
        Ok(Composed::Home(self.draw(&actor, now).await?))
    }
}
