//! "Tell me when": what a subscriber watches (a person, or a topic), when the people watched are
//! open, and the first moment of each of the subscriber's days, inside their working time, at
//! which one of them is. Pure: every function is given `now`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

use super::presence::{in_progress_window, next_opening, presence, ManualState};
use super::topics::folded;
use super::window::WeeklyWindow;
use super::worktime::WorkTime;

/// How many subscriptions one person may hold: plenty for real use, few enough that one person
/// cannot make the bot plan thousands of DMs.
pub const MAX_SUBSCRIPTIONS: usize = 20;
/// How far ahead a subscription's DMs are planned, one per local day: a week and a day, so a
/// weekly window is always inside it. Each DM, sent or cancelled, plans the days after it.
pub const PLAN_DAYS: i64 = 8;
/// Enough steps to walk a week of back-to-back stretches without looping forever.
const MAX_STEPS: usize = 200;

/// What a subscription watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One person, by Slack user id.
    Person(String),
    /// Any mentor with a window on this topic (as typed; matched as `find` matches).
    Topic(String),
}

impl Target {
    /// What makes two subscriptions the same: the person, or the topic without case or accents.
    pub fn key(&self) -> String {
        match self {
            Target::Person(id) => id.clone(),
            Target::Topic(topic) => folded(topic.trim()),
        }
    }

    /// `person` or `topic`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Person(_) => "person",
            Target::Topic(_) => "topic",
        }
    }

    /// Back from the stored kind and value; `None` for a kind this version does not know.
    pub fn stored(kind: &str, value: &str) -> Option<Self> {
        match kind {
            "person" => Some(Target::Person(value.to_owned())),
            "topic" => Some(Target::Topic(value.to_owned())),
            _ => None,
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Target::Person(id) | Target::Topic(id) => id,
        }
    }
}

/// One person watched, as far as being open goes: their zone, the windows that count (for a
/// topic, only the windows on it), their manual state and away time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub user_id: String,
    pub tz: Tz,
    pub windows: Vec<WeeklyWindow>,
    /// Each window's topics, in the order of `windows`.
    pub topics: Vec<Vec<String>>,
    pub manual: Option<ManualState>,
    pub away_until: Option<DateTime<Utc>>,
}

/// Someone watched who is open now: until when, in their zone, and the topics of the window
/// they are in (none for "available now").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNow {
    pub user_id: String,
    pub tz: Tz,
    pub until: DateTime<Utc>,
    pub topics: Vec<String>,
}

impl Watched {
    /// The state that applies at `t`: away hides them like "off" does, until it ends.
    fn manual_at(&self, t: DateTime<Utc>) -> Option<ManualState> {
        match self.away_until.filter(|until| *until > t) {
            Some(until) => Some(ManualState::UnavailableUntil(until)),
            None => self.manual,
        }
    }

    /// Until when they are open at `t`, if they are.
    pub fn open_until(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        presence(self.tz, &self.windows, self.manual_at(t), t).until()
    }

    /// The stretches they are open for between `from` and `to`, in order, as [start, end).
    /// The first may have started before `from`; it is cut there.
    pub fn open_stretches(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut stretches = Vec::new();
        let mut t = from;
        for _ in 0..MAX_STEPS {
            if t >= to {
                break;
            }
            let manual = self.manual_at(t);
            match presence(self.tz, &self.windows, manual, t).until() {
                Some(until) if until > t => {
                    stretches.push((t, until.min(to)));
                    t = until;
                }
                Some(_) => break,
                None => match next_opening(self.tz, &self.windows, manual, t) {
                    Some(o) if o.start > t => t = o.start,
                    // Away or "off" ending with no window running: the next look is then.
                    _ => match self.away_until.filter(|until| *until > t) {
                        Some(until) => t = until,
                        None => break,
                    },
                },
            }
        }
        stretches
    }
}

/// One DM to plan: the subscriber's local date it belongs to, and when it goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyAt {
    pub date: NaiveDate,
    pub at: DateTime<Utc>,
}

/// For each of the subscriber's days from `now` for `PLAN_DAYS`, the first instant inside their
/// working time (`work`, in `tz`) at which someone `watched` is open, not before `quiet_until`
/// (the stretch they were already open for when the subscription was made). A mentor who opens
/// outside the subscriber's working time counts at the start of it, if still open then.
pub fn plan(
    watched: &[Watched],
    tz: Tz,
    work: &WorkTime,
    quiet_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<NotifyAt> {
    let from = quiet_until.map_or(now, |q| q.max(now));
    let to = now + Duration::days(PLAN_DAYS);
    let mut first: BTreeMap<NaiveDate, DateTime<Utc>> = BTreeMap::new();
    for person in watched {
        for (start, end) in person.open_stretches(from, to) {
            for at in working_starts(work, tz, start, end) {
                let date = at.with_timezone(&tz).date_naive();
                let earliest = first.entry(date).or_insert(at);
                *earliest = (*earliest).min(at);
            }
        }
    }
    first
        .into_iter()
        .map(|(date, at)| NotifyAt { date, at })
        .collect()
}

/// The first working instant of each working stretch that meets [start, end).
fn working_starts(
    work: &WorkTime,
    tz: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut found = Vec::new();
    let mut t = start;
    for _ in 0..MAX_STEPS {
        if t >= end {
            break;
        }
        let Some(shift) = work.shift_at_or_after(tz, t) else {
            break;
        };
        let at = shift.start.max(t);
        if at >= end {
            break;
        }
        found.push(at);
        if shift.end <= t {
            break;
        }
        t = shift.end;
    }
    found
}

/// Who of `watched` is open at `now`, open longest first.
pub fn open_now(watched: &[Watched], now: DateTime<Utc>) -> Vec<OpenNow> {
    let mut open: Vec<OpenNow> = watched
        .iter()
        .filter_map(|w| {
            let until = w.open_until(now)?;
            let running = match w.manual_at(now) {
                Some(ManualState::AvailableUntil(end)) if end > now => None,
                _ => in_progress_window(w.tz, &w.windows, now).map(|(i, _)| i),
            };
            Some(OpenNow {
                user_id: w.user_id.clone(),
                tz: w.tz,
                until,
                topics: running
                    .and_then(|i| w.topics.get(i).cloned())
                    .unwrap_or_default(),
            })
        })
        .collect();
    open.sort_by(|a, b| {
        b.until
            .cmp(&a.until)
            .then_with(|| a.user_id.cmp(&b.user_id))
    });
    open
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
