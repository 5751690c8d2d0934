//! The front door: the one way into the core. Adapters (Slack over HTTP or Socket Mode, the
//! terminal shell) call `Core`'s named operations and get back plain values to show; they never
//! reach the store, the nudges, presence, the read model or the scheduler themselves.

mod answer;
mod background;
mod buttons;
mod events;
mod feeds;
mod hours;
mod installs;
mod pages;
mod profiles;
mod replays;
mod shell_ops;

use chrono::{DateTime, Utc};
use std::sync::Arc;

use crate::clock::Clock;
use crate::crypto::TokenCipher;
use crate::deliveries::Deliveries;
use crate::directory::Directory;
use crate::home::HomeTab;
use crate::nudges::{NudgeError, Nudges};
use crate::ports::workspaces::Workspaces;
use crate::presence::{PresenceError, PresenceService};
use crate::scheduler::Scheduler;
use crate::store::{Store, StoreError};
use crate::views::Message;
use crate::workspaces::{Installs, SingleToken};

pub use crate::commands::parse::COMMAND_WORDS;
pub use crate::commands::Actor;
pub use crate::nudges::NudgeSettings;
pub use crate::ports::slack::Attachment;
pub use crate::presence::mentions::ChannelMessage;
pub use crate::presence::{OAuthPage, PresenceSettings};
pub use crate::scheduler::{SchedulerSettings, TickReport};
pub use crate::workspaces::{Callback, InstallPage, INSTALL_COOKIE};
pub use answer::Understood;
pub use buttons::Pressed;
pub use pages::Feed;
pub use replays::Trigger;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Nudge(#[from] NudgeError),
    #[error(transparent)]
    Presence(#[from] PresenceError),
    #[error(transparent)]
    NotServed(#[from] crate::ports::workspaces::NotServed),
}

/// A reply plus what the transport needs to know to follow it up.
#[derive(Debug, Clone)]
pub struct Handled {
    /// Shared, not copied: "who is open" is one rendering per reader zone and minute, handed to
    /// everyone who asks (and a transport may keep its encoding of it).
    pub message: Arc<Message>,
    /// The reply showed times in UTC because the reader's zone is not known yet.
    pub zone_unknown: bool,
    /// Safe to run again (to re-render once the zone is known): nothing was written.
    pub read_only: bool,
    /// A file for the person (their data export), delivered by the transport.
    pub attachment: Option<Attachment>,
}

/// What the core is built from: the ports, the clock, and the deployment's settings.
pub struct CoreParts {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// The Slack client of each workspace (one shared client in single-token mode).
    pub workspaces: Arc<dyn Workspaces>,
    /// Installed workspaces ("Add to Slack"); `None` in single-token mode.
    pub installs: Option<Arc<Installs>>,
    /// Single-token mode as `serve` runs it (stops on an uninstall); `None` otherwise.
    pub single: Option<Arc<SingleToken>>,
    /// Seals mentors' Slack tokens; `None` turns connecting off.
    pub cipher: Option<TokenCipher>,
    pub nudges: NudgeSettings,
    pub presence: PresenceSettings,
    pub scheduler: SchedulerSettings,
}

#[derive(Clone)]
pub struct Core {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    workspaces: Arc<dyn Workspaces>,
    installs: Option<Arc<Installs>>,
    single: Option<Arc<SingleToken>>,
    nudges: Nudges,
    presence: PresenceService,
    directory: Directory,
    home: HomeTab,
    scheduler: Arc<Scheduler>,
    /// Calendar feeds as last rendered.
    feeds: Arc<feeds::FeedCache>,
}

impl Core {
    pub fn assemble(parts: CoreParts) -> Self {
        let CoreParts {
            store,
            clock,
            workspaces,
            installs,
            single,
            cipher,
            nudges,
            presence,
            scheduler,
        } = parts;
        let presence = PresenceService::new(
            store.clone(),
            clock.clone(),
            workspaces.clone(),
            cipher,
            presence,
        );
        let nudges = Nudges::new(store.clone(), clock.clone(), nudges);
        let directory = Directory::new(store.clone(), clock.clone());
        let home = HomeTab {
            store: store.clone(),
            directory: directory.clone(),
            nudges: nudges.clone(),
        };
        let composer = Arc::new(Deliveries {
            nudges: nudges.clone(),
            presence: presence.clone(),
            home: home.clone(),
        });
        let scheduler = Arc::new(Scheduler::new(
            store.clone(),
            workspaces.clone(),
            clock.clone(),
            composer,
            scheduler,
        ));
        Self {
            store,
            clock,
            workspaces,
            installs,
            single,
            nudges,
            presence,
            directory,
            home,
            scheduler,
            feeds: Default::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// After this process wrote something: re-read the workspace if the write moved it, so the
    /// writer's next `/officehours` shows it.
    async fn refresh_directory(&self, team_id: &str) {
        if let Err(err) = self.directory.refresh(team_id).await {
            tracing::warn!(error = %err, "could not refresh the directory");
        }
    }

    /// After anything that moves someone's hours: replan their Slack status changes, and the
    /// notify DMs of those watching them.
    async fn replan(&self, actor: &Actor) {
        if let Err(err) = self.presence.plan(&actor.team_id, &actor.user_id).await {
            tracing::warn!(error = %err, "could not replan the Slack status");
        }
        self.replan_notify(actor).await;
    }

    /// The notify DMs of those watching this person (or a topic): planned again. A failure is
    /// logged; the next DM settled, or the next change of hours, plans them again.
    async fn replan_notify(&self, actor: &Actor) {
        if let Err(err) = self
            .nudges
            .replan_notify(&actor.team_id, &actor.user_id)
            .await
        {
            tracing::warn!(error = %err, "could not replan notify DMs");
        }
    }
}
