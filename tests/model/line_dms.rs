//! The DMs a line must produce, checked against what the fake Slack received (each DM carries
//! its reminder's key, named for what it is for: `src/nudges/line.rs`): `late` tells everyone
//! waiting; `off` while open, or her window's end, tells each person waiting that she closed
//! (questions held while she was closed are never told so); her next window's start gives her
//! the list of who waits and tells each of them she is open.

use chrono::{DateTime, Duration, Utc};
use officehours::domain::{next_opening, presence, ManualState};

use super::checks::reminder_key;
use super::Run;

/// A DM the line owes someone by the end of a stretch of time: one whose key starts with
/// `prefix` and ends with `suffix`, beyond the `before` they had.
#[derive(Debug)]
pub struct Owed {
    to: usize,
    prefix: String,
    suffix: String,
    before: usize,
}

impl Run<'_> {
    /// Whether the mentor is open now, as her own `list` says (on the app, not the replica).
    pub async fn open_now(&mut self, who: usize) -> bool {
        let flags = (self.h.to_replica, self.h.retried);
        (self.h.to_replica, self.h.retried) = (false, false);
        let list = self.say(who, "list").await;
        (self.h.to_replica, self.h.retried) = flags;
        list.contains("You are in office hours now") || list.contains("You are available now")
    }

    /// The keys of the DMs `who` received from the bot.
    fn dm_keys(&self, who: usize) -> Vec<String> {
        let dms = self.app.slack.dm_messages(&self.id(who));
        dms.iter().map(reminder_key).collect()
    }

    /// `late` just ran: one DM is planned for each person waiting (keyed by their place and
    /// this instant, replacing any earlier one), and goes out now if she is open.
    pub async fn check_late(&mut self, mentor: usize) {
        let open = self.open_now(mentor).await;
        let now = self.now();
        let places = self.model.lines.by_mentor.get(&mentor).cloned();
        let mut expected = Vec::new();
        for place in places.unwrap_or_default() {
            let id = self.line_id(mentor, place.asker).await;
            let key = format!("line:late:{}:{id}:{}", self.team, now.timestamp());
            expected.push((place.asker, key, place.waiting_at(now)));
        }
        let pending: Vec<(String,)> = self
            .db
            .rows(&format!(
                "SELECT key FROM reminders WHERE team_id = '{}' AND kind = 'line_late' AND status = 'pending'",
                self.team
            ))
            .await;
        for (asker, key, waiting) in &expected {
            // A `late` again in the same second is the same DM, already sent.
            let sent = self.dm_keys(*asker).contains(key);
            let planned = sent || pending.iter().any(|(k,)| k == key);
            assert_eq!(planned, *waiting, "{key} planned for {asker}");
        }
        self.advance_line(Duration::zero()).await;
        for (asker, key, waiting) in &expected {
            let told = self.dm_keys(*asker).iter().filter(|k| *k == key).count();
            let owed = usize::from(*waiting && open);
            if owed == 1 {
                self.h.saw("late DM");
            }
            assert_eq!(told, owed, "{key} DMs to {asker} (open: {open})");
        }
    }

    /// `off`: if she was open and has a next window, each person waiting (not held, not put off
    /// with Not today, not being called) is told now, and keeps their place (`check_line`).
    pub async fn off(&mut self, mentor: usize) {
        let was_open = self.open_now(mentor).await;
        self.say(mentor, "off").await;
        let has_windows = !self.model.windows[mentor].is_empty();
        self.advance_line(Duration::zero()).await;
        let places = self.model.lines.by_mentor.get(&mentor).cloned();
        let prefix = format!("line:held:{}:{}:", self.team, self.id(mentor));
        for place in places.unwrap_or_default() {
            let id = self.line_id(mentor, place.asker).await;
            let closed = format!(":closed:{id}");
            let told = (self.dm_keys(place.asker).iter())
                .filter(|k| k.starts_with(&prefix) && k.ends_with(&closed))
                .count();
            let owed = was_open
                && has_windows
                && !place.held
                && place.called.is_none()
                && place.not_before.is_none();
            if owed {
                self.h.saw("closing DM");
            }
            // Once for this closing; an earlier closing (another opening) was told before.
            assert!(!owed || told >= 1, "{} not told she closed", place.asker);
            assert!(
                !place.held || told == 0,
                "held {} told she closed",
                place.asker
            );
        }
    }
}

impl Run<'_> {
    /// Her on/off and away as her last command stored them, as the bot reads them: away hides
    /// her like an "off" until it ends.
    async fn manual(&self, who: usize) -> Option<ManualState> {
        type Row = (Option<String>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
        let rows: Vec<Row> = self
            .db
            .rows(&format!(
                "SELECT manual_state, manual_until, away_until FROM people WHERE team_id = '{}' AND user_id = '{}'",
                self.team,
                self.id(who)
            ))
            .await;
        let (state, until, away) = rows.into_iter().next()?;
        let now = self.now();
        match (away.filter(|t| *t > now), state.as_deref(), until) {
            (Some(away), ..) => Some(ManualState::UnavailableUntil(away)),
            (None, Some("available"), Some(t)) => Some(ManualState::AvailableUntil(t)),
            (None, Some("unavailable"), Some(t)) => Some(ManualState::UnavailableUntil(t)),
            _ => None,
        }
    }

    /// How long until a minute past the mentor's next window's start (an hour, with none).
    pub async fn to_next_window(&self, mentor: usize) -> Duration {
        let tz: chrono_tz::Tz = super::model_ops::zone_of(mentor).parse().expect("a zone");
        let windows: Vec<_> = self.model.windows[mentor]
            .iter()
            .map(|(_, w)| w.clone())
            .collect();
        let manual = self.manual(mentor).await;
        let now = self.now();
        next_opening(tz, &windows, manual, now)
            .map_or(Duration::hours(1), |o| o.start - now + Duration::minutes(1))
    }

    /// What each mentor's line is owed by `target`: if she is open, the closing notice to each
    /// person waiting when her stretch ends before it; if she is closed, at her next window's
    /// start before it, her list and the "open now" DM to each person waiting then. Reckoned
    /// with the domain's presence rules over the model's windows.
    pub async fn owed_at_windows(&self, target: DateTime<Utc>) -> Vec<Owed> {
        let now = self.now();
        let timeout = Duration::minutes(officehours::domain::line::CALL_TIMEOUT_MINUTES);
        let mut owed = Vec::new();
        if target <= now {
            return owed;
        }
        for (&mentor, line) in &self.model.lines.by_mentor {
            if line.is_empty() || self.model.windows[mentor].is_empty() {
                continue;
            }
            let tz: chrono_tz::Tz = super::model_ops::zone_of(mentor).parse().expect("a zone");
            let windows: Vec<_> = self.model.windows[mentor]
                .iter()
                .map(|(_, w)| w.clone())
                .collect();
            let manual = self.manual(mentor).await;
            let state = presence(tz, &windows, manual, now);
            let mentor_id = self.id(mentor);
            let prefix = format!("line:held:{}:{mentor_id}:", self.team);
            if let Some(closes) = state.until().filter(|c| *c <= target) {
                // Being called now, put off with Not today, or held: not told.
                for place in line.iter().filter(|p| {
                    p.called.is_none() && !p.held && p.not_before.is_none() && closes > now
                }) {
                    let id = self.line_id(mentor, place.asker).await;
                    owed.push(self.owe(place.asker, &prefix, &format!(":closed:{id}")));
                }
                continue;
            }
            if state.is_open() {
                continue;
            }
            let Some(opens) = next_opening(tz, &windows, manual, now).map(|o| o.start) else {
                continue;
            };
            if opens > target {
                continue;
            }
            let at = format!("{prefix}{}:", opens.timestamp());
            let mut anyone = false;
            for place in line {
                // Waiting when she opens: not being called (or skipped by then), not put off.
                let free = place.called.is_none_or(|t| t + timeout <= opens);
                if free && place.not_before.is_none_or(|t| t <= opens) {
                    let id = self.line_id(mentor, place.asker).await;
                    owed.push(self.owe(place.asker, &format!("{at}opened:{id}"), ""));
                    anyone = true;
                }
            }
            if anyone {
                owed.push(self.owe(mentor, &format!("{at}list"), ""));
            }
        }
        owed
    }

    fn owe(&self, to: usize, prefix: &str, suffix: &str) -> Owed {
        let before = self.told(to, prefix, suffix);
        Owed {
            to,
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
            before,
        }
    }

    fn told(&self, to: usize, prefix: &str, suffix: &str) -> usize {
        let keys = self.dm_keys(to);
        keys.iter()
            .filter(|k| k.starts_with(prefix) && k.ends_with(suffix))
            .count()
    }

    /// Each DM owed went out (once: the same key twice is caught at the end).
    pub fn check_owed(&mut self, owed: &[Owed]) {
        for o in owed {
            let now = self.told(o.to, &o.prefix, &o.suffix);
            assert!(
                now > o.before || (o.suffix.is_empty() && now == 1),
                "owed {o:?}, still {now}: {:?}",
                self.dm_keys(o.to)
            );
            self.h.saw(if o.suffix.is_empty() {
                "window start DM"
            } else {
                "window end DM"
            });
        }
    }
}
