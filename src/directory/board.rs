//! Who is open in one workspace, computed once and reused until the next instant anything could
//! change: a window starting or ending, a manual state or an away time running out.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::cmp::Reverse;
use std::sync::Arc;

use crate::domain::presence::{next_opening, presence, ManualState, Presence, CHAIN_HORIZON_DAYS};
use crate::domain::status::{MentorStatus, Viewer, ZoneSource};
use crate::domain::tzmath::current_or_next;
use crate::domain::window::PublishedWindow;
use crate::domain::window::WeeklyWindow;
use crate::store::{Mentor, Person};

/// However quiet the schedule, statuses are recomputed at least this often: a bound on the damage
/// should a future change to presence depend on something `next_change` does not name.
const LONGEST_REUSE: i64 = 300;

/// Statuses as of `at`, valid for every instant in `[at, until)`, in the order "who is open" lists
/// them (open ones, soonest to close last; then upcoming ones by start; then the rest).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub statuses: Arc<[MentorStatus]>,
}

impl Snapshot {
    pub fn of(mentors: &[Mentor], now: DateTime<Utc>) -> Self {
        let mut statuses: Vec<MentorStatus> = mentors.iter().map(|m| status_of(m, now)).collect();
        let cap = now + Duration::seconds(LONGEST_REUSE);
        let until = mentors
            .iter()
            .zip(&statuses)
            .filter_map(|(m, s)| next_change(m, s, now))
            .fold(cap, DateTime::min);
        statuses.sort_by_key(|s| match (s.presence.until(), s.next) {
            (Some(until), _) => (0, Reverse(Some(until)), None),
            (None, Some(next)) => (1, Reverse(None), Some(next.start)),
            (None, None) => (2, Reverse(None), None),
        });
        Self {
            at: now,
            until,
            statuses: statuses.into(),
        }
    }

    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.at <= now && now < self.until
    }
}

/// The first instant after `now` at which this mentor's status could read differently: any
/// boundary of any of their windows (topics follow the window running now, even inside a chain
/// of back-to-back windows), or the end of their manual state or away time.
///
/// A chain of back-to-back windows is followed only up to a horizon that moves with the clock;
/// when a stretch reaches it, its end moves whenever the horizon passes a window boundary.
pub fn next_change(
    mentor: &Mentor,
    status: &MentorStatus,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let tz = status.tz;
    let boundary_after = |t: DateTime<Utc>| {
        mentor.windows.iter().filter_map(move |w| {
            current_or_next(&w.window, tz, t).map(|o| if o.contains(t) { o.end } else { o.start })
        })
    };
    let horizon = Duration::days(CHAIN_HORIZON_DAYS);
    let reaches_horizon = status.presence.until().is_some_and(|u| u >= now + horizon);
    let horizon_moves = reaches_horizon
        .then(|| boundary_after(now + horizon).map(|b| b - horizon))
        .into_iter()
        .flatten();
    let manual = mentor.person.manual.map(|m| match m {
        ManualState::AvailableUntil(t) | ManualState::UnavailableUntil(t) => t,
    });
    boundary_after(now)
        .chain(horizon_moves)
        .chain(manual)
        .chain(mentor.person.away_until)
        .filter(|t| *t > now)
        .min()
}

/// How a person reads times: their chosen zone, else their Slack profile's, else UTC.
pub(crate) fn viewer_of(person: &Person) -> Viewer {
    let chosen = person
        .tz_override
        .as_deref()
        .and_then(|z| z.parse::<Tz>().ok());
    let profile = person
        .slack_tz
        .as_deref()
        .and_then(|z| z.parse::<Tz>().ok());
    let (tz, zone_source) = match (chosen, profile) {
        (Some(tz), _) => (tz, ZoneSource::Chosen),
        (None, Some(tz)) => (tz, ZoneSource::SlackProfile),
        (None, None) => (Tz::UTC, ZoneSource::Unknown),
    };
    Viewer {
        user_id: person.user_id.clone(),
        tz,
        zone_source,
    }
}

/// Windows in the order `list` numbers them: by first day, then start time.
pub(crate) fn in_list_order(mut windows: Vec<PublishedWindow>) -> Vec<PublishedWindow> {
    windows.sort_by_key(|w| (w.window.sort_key(), w.id));
    windows
}

pub(crate) fn status_of(mentor: &Mentor, now: DateTime<Utc>) -> MentorStatus {
    let tz = mentor.person.zone().unwrap_or(Tz::UTC);
    let windows = in_list_order(mentor.windows.clone());
    let plain: Vec<WeeklyWindow> = windows.iter().map(|w| w.window.clone()).collect();
    // Away hides them like "off" does, until it ends; their weekly schedule resumes after.
    let away_until = mentor.person.away_until.filter(|until| *until > now);
    let manual = match away_until {
        Some(until) => Some(ManualState::UnavailableUntil(until)),
        None => mentor.person.manual,
    };
    let presence = presence(tz, &plain, manual, now);
    let next = next_opening(tz, &plain, manual, now);
    // Name the topics of the window that matters to a reader: the one running now, else the next one.
    let relevant = |w: &PublishedWindow| match presence {
        Presence::OpenScheduled { .. } => {
            current_or_next(&w.window, tz, now).is_some_and(|o| o.contains(now))
        }
        Presence::OpenManual { .. } => true,
        Presence::Closed => {
            next.is_some_and(|n| current_or_next(&w.window, tz, n.start) == Some(n))
        }
    };
    let mut topics: Vec<String> = Vec::new();
    for topic in windows
        .iter()
        .filter(|w| relevant(w))
        .flat_map(|w| w.topics.iter())
    {
        if !topics.iter().any(|t| t.eq_ignore_ascii_case(topic)) {
            topics.push(topic.clone());
        }
    }
    MentorStatus {
        user_id: mentor.person.user_id.clone(),
        tz,
        presence,
        next,
        windows,
        topics,
        away_until,
        link: mentor.person.meeting_link.clone(),
    }
}

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
