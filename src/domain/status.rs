//! What the read model computes and the views render: who is reading (and in which zone), and
//! each mentor's state at an instant.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::presence::Presence;
use super::tzmath::Occurrence;
use super::window::PublishedWindow;

/// Who is reading, and in which zone their times are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: String,
    pub tz: Tz,
    pub zone_source: ZoneSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoneSource {
    Chosen,
    SlackProfile,
    /// Not known yet: times are shown in UTC until Slack tells us.
    Unknown,
}

/// One mentor's state at `now`, computed by the core from their windows and zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentorStatus {
    pub user_id: String,
    pub tz: Tz,
    pub presence: Presence,
    pub next: Option<Occurrence>,
    /// In `list` order: numbered from 1.
    pub windows: Vec<PublishedWindow>,
    /// The topics of the window they are in now, or of their next one.
    pub topics: Vec<String>,
    /// Away (on holiday, sick): hidden from "open now" until then.
    pub away_until: Option<DateTime<Utc>>,
    /// Their meeting link (https), shown while they are open.
    pub link: Option<String>,
}

impl MentorStatus {
    pub fn is_open(&self) -> bool {
        !matches!(self.presence, Presence::Closed)
    }
}
