//! Whether a mentor is open right now, combining the weekly schedule with
//! a manual on/off override.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::tzmath::{current_or_next, next_start_after, Occurrence};
use super::window::WeeklyWindow;

/// A manual override set with `/officehours on` or `off`; it lapses at its
/// instant and the weekly schedule takes over again.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ManualState {
    AvailableUntil(DateTime<Utc>),
    UnavailableUntil(DateTime<Utc>),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Presence {
    OpenScheduled { until: DateTime<Utc> },
    OpenManual { until: DateTime<Utc> },
    Closed,
}

impl Presence {
    pub fn is_open(&self) -> bool {
        !matches!(self, Presence::Closed)
    }

    pub fn until(&self) -> Option<DateTime<Utc>> {
        match self {
            Presence::OpenScheduled { until } | Presence::OpenManual { until } => Some(*until),
            Presence::Closed => None,
        }
    }
}

/// Back-to-back windows could chain forever (a 24/7 schedule); past this
/// horizon "open until" stops being useful anyway.
pub const CHAIN_HORIZON_DAYS: i64 = 8;
const CHAIN_MAX_STEPS: usize = 64;

/// The state at `now`. A manual override that hasn't expired wins; an "on"
/// stretches to cover any scheduled window it runs into.
pub fn presence(
    tz: Tz,
    windows: &[WeeklyWindow],
    manual: Option<ManualState>,
    now: DateTime<Utc>,
) -> Presence {
    match manual {
        Some(ManualState::AvailableUntil(until)) if until > now => Presence::OpenManual {
            until: open_through(tz, windows, until, now),
        },
        Some(ManualState::UnavailableUntil(until)) if until > now => Presence::Closed,
        _ => match in_progress(tz, windows, now) {
            Some(_) => Presence::OpenScheduled {
                until: open_through(tz, windows, now, now),
            },
            None => Presence::Closed,
        },
    }
}

/// Extends `from` through every scheduled occurrence that contains it, so
/// windows that touch (10–11 then 11–12) read as one stretch.
fn open_through(
    tz: Tz,
    windows: &[WeeklyWindow],
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let horizon = now
        .checked_add_signed(Duration::days(CHAIN_HORIZON_DAYS))
        .unwrap_or(now);
    let mut until = from;
    for _ in 0..CHAIN_MAX_STEPS {
        let later = windows
            .iter()
            .filter_map(|w| current_or_next(w, tz, until))
            .filter(|o| o.contains(until))
            .map(|o| o.end)
            .max();
        match later {
            Some(end) if end > until => until = end,
            _ => break,
        }
        if until >= horizon {
            break;
        }
    }
    until
}

/// The scheduled occurrence running at `now`; when several overlap, the one
/// that started first.
pub fn in_progress(tz: Tz, windows: &[WeeklyWindow], now: DateTime<Utc>) -> Option<Occurrence> {
    in_progress_window(tz, windows, now).map(|(_, o)| o)
}

/// Like [`in_progress`], with the index of the window in `windows`.
pub fn in_progress_window(
    tz: Tz,
    windows: &[WeeklyWindow],
    now: DateTime<Utc>,
) -> Option<(usize, Occurrence)> {
    windows
        .iter()
        .enumerate()
        .filter_map(|(i, w)| current_or_next(w, tz, now).map(|o| (i, o)))
        .filter(|(_, o)| o.contains(now))
        .min_by_key(|(_, o)| (o.start, std::cmp::Reverse(o.end)))
}

/// When the mentor next goes from closed to open on schedule. Occurrences
/// hidden by an unexpired "off", or swallowed by the stretch the mentor is
/// open for right now, don't count as openings. A window still running when
/// an "off" lapses reopens at that instant, so it comes back trimmed.
pub fn next_opening(
    tz: Tz,
    windows: &[WeeklyWindow],
    manual: Option<ManualState>,
    now: DateTime<Utc>,
) -> Option<Occurrence> {
    if let Some(ManualState::UnavailableUntil(until)) = manual {
        if until > now {
            let resumed = windows
                .iter()
                .filter_map(|w| current_or_next(w, tz, until))
                .filter(|o| o.contains(until))
                .map(|o| o.end)
                .max();
            if let Some(end) = resumed {
                return Some(Occurrence { start: until, end });
            }
            return earliest_start_after(tz, windows, until);
        }
    }
    let after = presence(tz, windows, manual, now).until().unwrap_or(now);
    earliest_start_after(tz, windows, after)
}

fn earliest_start_after(
    tz: Tz,
    windows: &[WeeklyWindow],
    after: DateTime<Utc>,
) -> Option<Occurrence> {
    windows
        .iter()
        .filter_map(|w| next_start_after(w, tz, after))
        .min_by_key(|o| (o.start, o.end))
}

#[cfg(test)]
#[path = "presence_tests.rs"]
mod tests;
