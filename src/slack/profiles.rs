//! Keeps each person's Slack profile zone cached (users.info), refreshed off the request path.

use chrono::{DateTime, Duration, Utc};

use super::SlackApp;
use crate::commands::Actor;
use crate::store::Person;

/// A profile zone older than this is looked up again (people travel; Slack users change zones).
const PROFILE_TTL_HOURS: i64 = 24;

/// Whether the profile held in memory is known to be fresh, without waiting on anything.
pub(super) fn known_fresh(app: &SlackApp, actor: &Actor) -> bool {
    let now = app.core.now();
    matches!(
        app.core.directory().held_person(&actor.team_id, &actor.user_id),
        Some(Some(person)) if is_fresh(&person, now)
    )
}

fn is_fresh(person: &Person, now: DateTime<Utc>) -> bool {
    person.slack_tz_checked_at.is_some_and(|checked| {
        now.signed_duration_since(checked) < Duration::hours(PROFILE_TTL_HOURS)
    })
}

/// Looks the person up in Slack if the cached profile is missing or old. Returns whether it fetched.
pub(super) async fn refresh_if_stale(app: &SlackApp, actor: &Actor) -> anyhow::Result<bool> {
    let now = app.core.now();
    // From the read model: this runs after every command, and almost always finds nothing to do.
    let person = app
        .core
        .directory()
        .person(&actor.team_id, &actor.user_id)
        .await?;
    if is_fresh(&person, now) {
        return Ok(false);
    }
    let profile = match app.slack.profile(&actor.user_id).await {
        Ok(profile) => profile,
        // A permanent answer (user_not_found, missing scope) is cached as "no zone" so we do not ask every time.
        Err(err) if !err.is_transient() => {
            tracing::warn!(error = %err, "users.info failed; using UTC for this person until the next refresh");
            Default::default()
        }
        Err(err) => return Err(err.into()),
    };
    let tz = profile
        .tz
        .filter(|name| name.parse::<chrono_tz::Tz>().is_ok());
    app.core
        .store()
        .set_slack_profile(
            &actor.team_id,
            &actor.user_id,
            tz.as_deref(),
            profile.display_name.as_deref(),
            now,
        )
        .await?;
    app.core.directory().refresh(&actor.team_id).await?;
    Ok(true)
}
