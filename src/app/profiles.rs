//! Each person's Slack profile zone, cached and refreshed off the request path.

use chrono::{DateTime, Duration, Utc};

use super::{Actor, Core, CoreError};
use crate::ports::slack::Profile;
use crate::store::Person;

/// A profile zone older than this is looked up again (people travel; Slack users change zones).
const PROFILE_TTL_HOURS: i64 = 24;

fn is_fresh(person: &Person, now: DateTime<Utc>) -> bool {
    person.slack_tz_checked_at.is_some_and(|checked| {
        now.signed_duration_since(checked) < Duration::hours(PROFILE_TTL_HOURS)
    })
}

impl Core {
    /// Whether the profile held in memory is known to be fresh, without waiting on anything.
    pub fn profile_known_fresh(&self, actor: &Actor) -> bool {
        let now = self.clock.now();
        matches!(
            self.directory.held_person(&actor.team_id, &actor.user_id),
            Some(Some(person)) if is_fresh(&person, now)
        )
    }

    /// Looks the person up in Slack if the cached profile is missing or old. Returns whether it
    /// fetched.
    pub async fn refresh_profile_if_stale(&self, actor: &Actor) -> anyhow::Result<bool> {
        let now = self.clock.now();
        // From the read model: this runs after every command, and almost always finds nothing to do.
        let person = self
            .directory
            .person(&actor.team_id, &actor.user_id)
            .await?;
        if is_fresh(&person, now) {
            return Ok(false);
        }
        let slack = self.workspaces.slack_for(&actor.team_id).await?;
        let profile = match slack.profile(&actor.user_id).await {
            Ok(profile) => profile,
            // A permanent answer (user_not_found, missing scope) is cached as "no zone" so we do
            // not ask every time.
            Err(err) if !err.is_transient() => {
                tracing::warn!(error = %err, "users.info failed; using UTC for this person until the next refresh");
                Profile::default()
            }
            Err(err) => return Err(err.into()),
        };
        self.save_profile(actor, &profile).await?;
        Ok(true)
    }

    /// Saves what Slack's profile says (a zone that does not parse counts as none), and shows it
    /// in the read model at once.
    pub async fn save_profile(&self, actor: &Actor, profile: &Profile) -> Result<(), CoreError> {
        let tz = profile
            .tz
            .as_deref()
            .filter(|name| name.parse::<chrono_tz::Tz>().is_ok());
        self.store
            .set_slack_profile(
                &actor.team_id,
                &actor.user_id,
                tz,
                profile.display_name.as_deref(),
                self.clock.now(),
            )
            .await?;
        self.directory.refresh(&actor.team_id).await?;
        Ok(())
    }
}
