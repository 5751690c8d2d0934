//! Pages a browser or a calendar app asks for: the OAuth round trip and the private calendar feed.

use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::{feeds, Core, CoreError, OAuthPage};
use crate::calendar::{ics_with_link, CalendarWindow};

/// A mentor's calendar feed: its tag, and its iCalendar text unless the caller holds it already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// A strong `ETag`, quotes included: it changes exactly when the text does.
    pub etag: String,
    /// `None` when one of the tags the caller holds is this one (or `*`): nothing was rendered.
    pub body: Option<Arc<str>>,
}

impl Core {
    /// The feed at a private address, or `None` when the address is not (or no longer) one.
    /// `held` are the tags the caller already has (`If-None-Match`). The feed is rendered again
    /// only when what it is made of changed: the mentor's windows, zone or name, or the day.
    pub async fn calendar_feed(
        &self,
        secret: &str,
        held: &[&str],
    ) -> Result<Option<Feed>, CoreError> {
        let Some((team, user)) = self.store.calendar_owner(secret).await? else {
            // Gone (`forget me`, or a new address): its last rendering leaves memory too.
            self.feeds.forget(secret);
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
        let at = start_of_day(self.clock.now());
        let link = mentor.person.meeting_link.as_deref();
        // The link is part of what the feed says: a new one is a new version.
        let tagged = match link {
            Some(url) => format!("{label}\u{0}{url}"),
            None => label.clone(),
        };
        let etag = feeds::etag(&tagged, tz, &windows, at);
        if held.iter().any(|tag| *tag == etag || *tag == "*") {
            return Ok(Some(Feed { etag, body: None }));
        }
        let body = match self.feeds.get(secret, &etag) {
            Some(body) => body,
            None => {
                let body: Arc<str> = ics_with_link(&label, tz, &windows, link, at).into();
                self.feeds.put(secret, &etag, body.clone());
                body
            }
        };
        Ok(Some(Feed {
            etag,
            body: Some(body),
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

/// The feed is rendered as of the start of the UTC day, so its text (its `DTSTAMP`, the dates it
/// covers) and therefore its tag stay the same all day, on every replica.
fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()
}
