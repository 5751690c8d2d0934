//! Office hours: looking people up, publishing and removing windows, "available now", zones and
//! mention-hint settings.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Actor, Core, CoreError};
use crate::commands::parse::{Command, OnSpec, RemoveTarget, UserRef, ZoneChoice};
use crate::directory::{in_list_order, status_of};
use crate::domain::presence::{in_progress, ManualState};
use crate::domain::status::{MentorStatus, Viewer};
use crate::domain::topics::topic_matches;
use crate::domain::tzmath::{current_or_next, end_of_local_day, next_local_time};
use crate::domain::window::{PublishedWindow, WeeklyWindow, MAX_WINDOWS_PER_PERSON};
use crate::store::{AddOutcome, Person};
use crate::views::replies;
use crate::views::Message;

impl Core {
    /// The office-hours commands (everything `carry_out` does not route elsewhere).
    pub(super) async fn hours(
        &self,
        actor: &Actor,
        channel: Option<&str>,
        command: Command,
        person: &Person,
        viewer: &Viewer,
    ) -> Result<Message, CoreError> {
        let now = self.clock.now();
        let (team, user) = (actor.team_id.as_str(), actor.user_id.as_str());
        Ok(match command {
            Command::Lookup(who) => self.lookup(actor, viewer, &who, now).await?,
            Command::List => {
                let me = self.store.mentor(team, user).await?;
                replies::list(viewer, now, &status_of(&me, now))
            }
            Command::Find(topic) => self.find(actor, viewer, &topic, now).await?,
            Command::Add { window, topics } => self.add(actor, viewer, window, topics, now).await?,
            Command::Remove(target) => self.remove(actor, target).await?,
            Command::On(spec) => self.on(actor, person, viewer, spec, now).await?,
            Command::Off => self.off(actor, viewer, now).await?,
            Command::Tz(ZoneChoice::Zone(tz)) => {
                self.store
                    .set_tz_override(team, user, Some(tz.name()), now)
                    .await?;
                replies::zone_set(tz, now)
            }
            Command::Tz(ZoneChoice::Auto) => {
                self.store.set_tz_override(team, user, None, now).await?;
                let profile = person
                    .slack_tz
                    .as_deref()
                    .and_then(|z| z.parse::<Tz>().ok());
                replies::zone_auto(profile)
            }
            Command::Hints { on, mine: true } => {
                self.store
                    .set_mentor_hints_off(team, user, !on, now)
                    .await?;
                replies::hints_mine(on)
            }
            Command::Hints { on, mine: false } => match channel {
                Some(channel) => {
                    self.store.set_channel_hints_off(team, channel, !on).await?;
                    replies::hints_channel(on)
                }
                None => replies::hints_need_a_channel(),
            },
            // `carry_out` routes every other command before it gets here.
            _ => replies::internal_error(),
        })
    }

    /// The App Home tab for one person.
    pub async fn home(&self, actor: &Actor) -> Result<Message, CoreError> {
        Ok(self.home.draw(actor, self.clock.now()).await?)
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
        if !known && user.label.is_none() && !user.looks_like_slack_id() {
            return Ok(replies::unknown_person(&format!("@{}", user.id)));
        }
        Ok(replies::lookup(viewer, now, &status_of(&mentor, now)))
    }

    /// Mentors with a window on the topic, each shown by those windows alone: open now only in
    /// one of them (or available now), next only at one of them.
    async fn find(
        &self,
        actor: &Actor,
        viewer: &Viewer,
        topic: &str,
        now: DateTime<Utc>,
    ) -> Result<Message, CoreError> {
        let statuses: Vec<MentorStatus> = self
            .store
            .mentors(&actor.team_id, now)
            .await?
            .into_iter()
            .filter_map(|mut mentor| {
                mentor
                    .windows
                    .retain(|w| w.topics.iter().any(|t| topic_matches(t, topic)));
                (!mentor.windows.is_empty()).then(|| status_of(&mentor, now))
            })
            .collect();
        Ok(replies::found(viewer, now, topic, &statuses))
    }

    async fn add(
        &self,
        actor: &Actor,
        viewer: &Viewer,
        window: WeeklyWindow,
        topics: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Message, CoreError> {
        let clash = |existing: &[PublishedWindow]| {
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
                replies::added(viewer, now, &stored, number_of(stored.id), next)
            }
            AddOutcome::Conflict(existing) => {
                replies::conflict(&window, &existing, number_of(existing.id))
            }
            AddOutcome::Full => replies::too_many_windows(MAX_WINDOWS_PER_PERSON),
        })
    }

    async fn remove(&self, actor: &Actor, target: RemoveTarget) -> Result<Message, CoreError> {
        let (team, user) = (actor.team_id.as_str(), actor.user_id.as_str());
        let n = match target {
            RemoveTarget::All => {
                return Ok(replies::removed_all(
                    self.store.remove_all_windows(team, user).await?,
                ))
            }
            RemoveTarget::Number(n) => n,
        };
        let numbered = in_list_order(self.store.mentor(team, user).await?.windows);
        match n.checked_sub(1).and_then(|i| numbered.get(i)) {
            Some(window) if self.store.remove_window(team, user, window.id).await? => {
                Ok(replies::removed(window, n))
            }
            _ => Ok(replies::no_such_window(n, numbered.len())),
        }
    }

    async fn on(
        &self,
        actor: &Actor,
        person: &Person,
        viewer: &Viewer,
        spec: OnSpec,
        now: DateTime<Utc>,
    ) -> Result<Message, CoreError> {
        // Away hides them from everyone: saying "you're available" would not be true.
        if let Some(until) = person.away_until.filter(|until| *until > now) {
            return Ok(replies::still_away(viewer.tz, until, now));
        }
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
        Ok(replies::available(viewer, now, until))
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
