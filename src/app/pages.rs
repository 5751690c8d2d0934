//! Pages a browser or a calendar app asks for: the OAuth round trip and the private calendar feed.

use super::{Core, CoreError, OAuthPage};
use crate::calendar::{ics, CalendarWindow};

/// A mentor's calendar feed, as iCalendar text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub body: String,
}

impl Core {
    /// The feed at a private address, or `None` when the address is not (or no longer) one.
    pub async fn calendar_feed(&self, secret: &str) -> Result<Option<Feed>, CoreError> {
        let Some((team, user)) = self.store.calendar_owner(secret).await? else {
            return Ok(None);
        };
        let mentor = self.store.mentor(&team, &user).await?;
        let tz = mentor.person.zone().unwrap_or(chrono_tz::Tz::UTC);
        let label = mentor
            .person
            .display_name
            .clone()
            .unwrap_or_else(|| mentor.person.user_id.clone());
        let windows: Vec<CalendarWindow<'_>> = mentor
            .windows
            .iter()
            .map(|w| CalendarWindow {
                id: w.id,
                window: &w.window,
                topics: &w.topics,
            })
            .collect();
        Ok(Some(Feed {
            body: ics(&label, tz, &windows, self.clock.now()),
        }))
    }

    /// `/slack/oauth/start?state=…`: on to Slack's approval page, if the link is still good.
    pub async fn oauth_start(&self, state: &str) -> Result<OAuthPage, CoreError> {
        Ok(self.presence.oauth_start(state).await?)
    }

    /// `/slack/oauth/callback`: Slack sends the person back with a code (or an error).
    pub async fn oauth_callback(
        &self,
        code: Option<&str>,
        state: Option<&str>,
        error: Option<&str>,
    ) -> Result<OAuthPage, CoreError> {
        Ok(self.presence.oauth_callback(code, state, error).await?)
    }
}
