//! Carries out a parsed command against the store, with the injected clock; renders through `views`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::sync::Arc;

use super::parse::{
    self, CadenceCommand, Command, ConferenceCommand, OnSpec, RemoveTarget, UserRef, ZoneChoice,
};
use crate::clock::Clock;
use crate::directory::{in_list_order, status_of, viewer_of, Directory};
use crate::domain::presence::{in_progress, ManualState};
use crate::domain::tzmath::{current_or_next, end_of_local_day, next_local_time};
use crate::domain::window::WeeklyWindow;
use crate::nudges::{NudgeError, NudgeSettings, Nudges};
use crate::presence::{Presence as PresenceService, PresenceError};
use crate::store::{AddOutcome, Store, StoreError, StoredWindow};
use crate::views::home::home;
use crate::views::replies::{self, MentorStatus, Viewer, ZoneSource};
use crate::views::Message;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Nudge(#[from] NudgeError),
    #[error(transparent)]
    Presence(#[from] PresenceError),
}

/// Who typed the command: a Slack user in a workspace (or the shell's pretend user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub team_id: String,
    pub user_id: String,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub title: String,
    pub content: Vec<u8>,
}

#[derive(Clone)]
pub struct Core {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    nudges: Nudges,
    presence: PresenceService,
    directory: Directory,
}

impl Core {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: NudgeSettings,
        presence: PresenceService,
    ) -> Self {
        let nudges = Nudges::new(store.clone(), clock.clone(), settings);
        let directory = Directory::new(store.clone(), clock.clone());
        Self {
            store,
            clock,
            nudges,
            presence,
            directory,
        }
    }

    /// The in-memory read model of who is open; its `run` keeps it current with other replicas.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// After this process wrote something: re-read the workspace if the write moved it, so the
    /// writer's next `/officehours` shows it.
    async fn refresh_directory(&self, team_id: &str) {
        if let Err(err) = self.directory.refresh(team_id).await {
            tracing::warn!(error = %err, "could not refresh the directory");
        }
    }

    pub fn presence(&self) -> &PresenceService {
        &self.presence
    }

    /// After anything that moves someone's hours: replan their Slack status changes.
    async fn replan(&self, actor: &Actor) {
        if let Err(err) = self.presence.plan(&actor.team_id, &actor.user_id).await {
            tracing::warn!(error = %err, "could not replan the Slack status");
        }
    }

    pub fn nudges(&self) -> &Nudges {
        &self.nudges
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Parses and runs `/officehours <text>`. Bad input is a friendly reply, never an error, never a write.
    pub async fn run_text(&self, actor: &Actor, text: &str) -> Result<Handled, CoreError> {
        self.run_text_in(actor, None, text).await
    }

    /// As `run_text`, typed in a channel (some settings, like mention hints, are per channel).
    pub async fn run_text_in(
        &self,
        actor: &Actor,
        channel: Option<&str>,
        text: &str,
    ) -> Result<Handled, CoreError> {
        match parse::parse(text) {
            Ok(command) => self.handle_in(actor, channel, command).await,
            Err(error) => Ok(Handled {
                message: Arc::new(replies::parse_error(&error)),
                zone_unknown: false,
                read_only: true,
                attachment: None,
            }),
        }
    }

    pub async fn handle(&self, actor: &Actor, command: Command) -> Result<Handled, CoreError> {
        self.handle_in(actor, None, command).await
    }

    pub async fn handle_in(
        &self,
        actor: &Actor,
        channel: Option<&str>,
        command: Command,
    ) -> Result<Handled, CoreError> {
        let now = self.clock.now();
        let moves_hours = matches!(
            command,
            Command::Add { .. }
                | Command::Remove(_)
                | Command::On(_)
                | Command::Off
                | Command::Tz(_)
        );
        let about_connecting = matches!(command, Command::Connect | Command::Disconnect);
        let manages_hours = matches!(command, Command::List);
        let read_only = matches!(
            command,
            Command::Overview
                | Command::Help
                | Command::Lookup(_)
                | Command::List
                | Command::Find(_)
                | Command::Team
                | Command::Conference(ConferenceCommand::List)
        );
        // A write saves instants worked out in the asker's zone: read it from the database, not
        // from a copy another replica may have changed a moment ago.
        let person = if read_only {
            self.directory
                .person(&actor.team_id, &actor.user_id)
                .await?
        } else {
            Arc::new(
                self.store
                    .person(&actor.team_id, &actor.user_id)
                    .await?
                    .unwrap_or_else(|| crate::store::Person::new(&actor.team_id, &actor.user_id)),
            )
        };
        let viewer = viewer_of(&person);
        let shows_times = !matches!(command, Command::Help | Command::Tz(_));
        let mut attachment = None;
        let message = match command {
            // The busiest command: answered from the read model, nothing after it applies.
            Command::Overview => {
                let message = self
                    .directory
                    .answer(&actor.team_id, &viewer, now, |statuses| {
                        replies::overview(&viewer, now, statuses)
                    })
                    .await?;
                return Ok(Handled {
                    message,
                    zone_unknown: viewer.zone_source == ZoneSource::Unknown,
                    read_only,
                    attachment,
                });
            }
            Command::Help => replies::help(),
            Command::Lookup(user) => self.lookup(actor, &viewer, &user, now).await?,
            Command::List => {
                let me = self.store.mentor(&actor.team_id, &actor.user_id).await?;
                replies::list(&viewer, now, &status_of(&me, now))
            }
            Command::Find(topic) => {
                let statuses: Vec<MentorStatus> = self
                    .directory
                    .statuses(&actor.team_id, now)
                    .await?
                    .iter()
                    .filter(|s| {
                        s.windows
                            .iter()
                            .any(|w| w.topics.iter().any(|t| t.to_lowercase().contains(&topic)))
                    })
                    .cloned()
                    .collect();
                replies::found(&viewer, now, &topic, &statuses)
            }
            Command::Add { window, topics } => {
                self.add(actor, &viewer, window, topics, now).await?
            }
            Command::Remove(target) => self.remove(actor, target).await?,
            Command::On(spec) => {
                let until = match spec {
                    OnSpec::UntilEndOfDay => end_of_local_day(viewer.tz, now),
                    OnSpec::For(duration) => now.checked_add_signed(duration).unwrap_or(now),
                    OnSpec::Until(at) => next_local_time(viewer.tz, now, at),
                };
                self.store
                    .set_manual(
                        &actor.team_id,
                        &actor.user_id,
                        Some(ManualState::AvailableUntil(until)),
                        now,
                    )
                    .await?;
                replies::available(&viewer, now, until)
            }
            Command::Off => self.off(actor, &viewer, now).await?,
            Command::Tz(ZoneChoice::Zone(tz)) => {
                self.store
                    .set_tz_override(&actor.team_id, &actor.user_id, Some(tz.name()), now)
                    .await?;
                replies::zone_set(tz, now)
            }
            Command::OneOnOne(cadence) => self.nudges.one_on_one(actor, cadence).await?,
            Command::Debrief {
                project,
                date,
                participants,
            } => {
                let ids = participants.into_iter().map(|p| p.id).collect();
                self.nudges.debrief(actor, project, date, ids).await?
            }
            Command::Review { report, date } => self.nudges.review(actor, &report.id, date).await?,
            Command::Conference(conference) => self.nudges.conference(actor, conference).await?,
            Command::Team => self.nudges.team(actor).await?,
            Command::Export => {
                let data = self
                    .store
                    .export_person(&actor.team_id, &actor.user_id)
                    .await?;
                attachment = Some(Attachment {
                    filename: "officehours-export.json".to_owned(),
                    title: "Everything officehours keeps about you".to_owned(),
                    content: serde_json::to_vec_pretty(&data).unwrap_or_default(),
                });
                replies::export_on_its_way()
            }
            Command::ForgetMe => replies::forget_me_confirm(),
            Command::Connect => self.presence.connect(actor).await?,
            Command::Disconnect => self.presence.disconnect(actor).await?,
            Command::Away(until) => self.presence.away(actor, viewer.tz, until).await?,
            Command::Hints { on, mine: true } => {
                self.store
                    .set_mentor_hints_off(&actor.team_id, &actor.user_id, !on, now)
                    .await?;
                replies::hints_mine(on)
            }
            Command::Hints { on, mine: false } => match channel {
                Some(channel) => {
                    self.store
                        .set_channel_hints_off(&actor.team_id, channel, !on)
                        .await?;
                    replies::hints_channel(on)
                }
                None => replies::hints_need_a_channel(),
            },
            Command::Calendar { reset } => self.presence.calendar(actor, reset).await?,
            Command::Tz(ZoneChoice::Auto) => {
                self.store
                    .set_tz_override(&actor.team_id, &actor.user_id, None, now)
                    .await?;
                replies::zone_auto(
                    person
                        .slack_tz
                        .as_deref()
                        .and_then(|z| z.parse::<Tz>().ok()),
                )
            }
        };
        let mut message = message;
        if !read_only {
            self.refresh_directory(&actor.team_id).await;
        }
        if moves_hours {
            self.replan(actor).await;
        }
        // The tip belongs where mentors manage their hours, not on every look at who is open.
        if (moves_hours || manages_hours) && !about_connecting {
            let me = self.store.mentor(&actor.team_id, &actor.user_id).await?;
            if !me.windows.is_empty() {
                if let Some(tip) = self.presence.connect_tip(actor).await? {
                    message.push(tip);
                }
            }
        }
        Ok(Handled {
            message: Arc::new(message),
            zone_unknown: shows_times && viewer.zone_source == ZoneSource::Unknown,
            read_only,
            attachment,
        })
    }

    /// The "Delete everything" button: removes all the bot keeps about the person.
    pub async fn forget(&self, actor: &Actor) -> Result<Message, CoreError> {
        // Their Slack status goes back to theirs and the token is revoked before it is deleted.
        if let Err(err) = self.presence.disconnect(actor).await {
            tracing::warn!(error = %err, "could not disconnect before forgetting");
        }
        let gone = self
            .store
            .forget_person(&actor.team_id, &actor.user_id, self.clock.now())
            .await?;
        tracing::info!(?gone, "forgot a person on request");
        self.refresh_directory(&actor.team_id).await;
        Ok(replies::forgotten(&gone))
    }

    /// The App Home tab for one person.
    pub async fn home(&self, actor: &Actor) -> Result<Message, CoreError> {
        let now = self.clock.now();
        let me = self.store.mentor(&actor.team_id, &actor.user_id).await?;
        let everyone = self.directory.statuses(&actor.team_id, now).await?;
        Ok(home(
            &viewer_of(&me.person),
            now,
            &status_of(&me, now),
            &everyone,
        ))
    }

    /// A "Remove" button: the window is named by id, and only its owner can remove it.
    pub async fn remove_window_by_id(&self, actor: &Actor, id: i64) -> Result<bool, CoreError> {
        let removed = self
            .store
            .remove_window(&actor.team_id, &actor.user_id, id)
            .await?;
        self.refresh_directory(&actor.team_id).await;
        self.replan(actor).await;
        Ok(removed)
    }

    /// The "Available now" toggle: the same as `/officehours on` and `/officehours off`.
    pub async fn set_available(
        &self,
        actor: &Actor,
        available: bool,
    ) -> Result<Handled, CoreError> {
        let command = if available {
            Command::On(OnSpec::UntilEndOfDay)
        } else {
            Command::Off
        };
        self.handle(actor, command).await
    }

    async fn lookup(
        &self,
        actor: &Actor,
        viewer: &Viewer,
        user: &UserRef,
        now: DateTime<Utc>,
    ) -> Result<Message, CoreError> {
        let mentor = self.store.mentor(&actor.team_id, &user.id).await?;
        let known = self.store.person(&actor.team_id, &user.id).await?.is_some();
        // Slack resolves a real mention to an id; a plain "@word" it could not resolve is nobody we know.
        if !known && user.label.is_none() && !looks_like_slack_id(&user.id) {
            return Ok(replies::unknown_person(&format!("@{}", user.id)));
        }
        Ok(replies::lookup(viewer, now, &status_of(&mentor, now)))
    }

    async fn add(
        &self,
        actor: &Actor,
        viewer: &Viewer,
        window: WeeklyWindow,
        topics: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Message, CoreError> {
        let clash = |existing: &[StoredWindow]| {
            existing
                .iter()
                .find(|e| e.window.overlaps(&window))
                .cloned()
        };
        let outcome = self
            .store
            .add_window(
                &actor.team_id,
                &actor.user_id,
                &window,
                &topics,
                &clash,
                now,
            )
            .await?;
        let numbered = in_list_order(
            self.store
                .mentor(&actor.team_id, &actor.user_id)
                .await?
                .windows,
        );
        let number_of = |id: i64| {
            numbered
                .iter()
                .position(|w| w.id == id)
                .map_or(0, |i| i + 1)
        };
        Ok(match outcome {
            AddOutcome::Added(stored) => {
                let next = current_or_next(&stored.window, viewer.tz, now);
                replies::added(viewer, &stored, number_of(stored.id), next)
            }
            AddOutcome::Conflict(existing) => {
                replies::conflict(&window, &existing, number_of(existing.id))
            }
        })
    }

    async fn remove(&self, actor: &Actor, target: RemoveTarget) -> Result<Message, CoreError> {
        match target {
            RemoveTarget::All => Ok(replies::removed_all(
                self.store
                    .remove_all_windows(&actor.team_id, &actor.user_id)
                    .await?,
            )),
            RemoveTarget::Number(n) => {
                let me = self.store.mentor(&actor.team_id, &actor.user_id).await?;
                let numbered = in_list_order(me.windows);
                match n.checked_sub(1).and_then(|i| numbered.get(i)) {
                    Some(window)
                        if self
                            .store
                            .remove_window(&actor.team_id, &actor.user_id, window.id)
                            .await? =>
                    {
                        Ok(replies::removed(window, n))
                    }
                    _ => Ok(replies::no_such_window(n, numbered.len())),
                }
            }
        }
    }

    async fn off(
        &self,
        actor: &Actor,
        viewer: &Viewer,
        now: DateTime<Utc>,
    ) -> Result<Message, CoreError> {
        let me = self.store.mentor(&actor.team_id, &actor.user_id).await?;
        let windows: Vec<WeeklyWindow> = me.windows.iter().map(|w| w.window.clone()).collect();
        // Inside a scheduled window, "off" hides the rest of it; otherwise it just ends "available now".
        let hide_until = in_progress(viewer.tz, &windows, now).map(|occurrence| occurrence.end);
        let manual = hide_until.map(ManualState::UnavailableUntil);
        self.store
            .set_manual(&actor.team_id, &actor.user_id, manual, now)
            .await?;
        Ok(replies::unavailable(viewer, now, hide_until))
    }
}

/// Commands that save an instant computed in the asker's zone (a cadence, a date, "until 17:00").
pub fn depends_on_zone(command: &Command) -> bool {
    matches!(
        command,
        Command::On(OnSpec::Until(_) | OnSpec::UntilEndOfDay)
            | Command::OneOnOne(CadenceCommand::Set { .. })
            | Command::Debrief { .. }
            | Command::Review { .. }
            | Command::Conference(ConferenceCommand::Join { .. })
    )
}

fn looks_like_slack_id(id: &str) -> bool {
    id.len() >= 9
        && id.starts_with(['U', 'W'])
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}
