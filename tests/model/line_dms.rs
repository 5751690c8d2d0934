//! The DMs a line must produce, checked against what the fake Slack received (each DM carries
//! its reminder's key, named for what it is for: `src/nudges/line.rs`): `late` tells everyone
//! waiting; each place hears the mentor's closings and openings as numbered announcements
//! (`line:held:{team}:{mentor}:{line id}:{n}`, odd n: she closed, even: she opened), each
//! once and in turn: `off` while open, or her window's end, tells each person waiting who last
//! heard she is open that she closed (a held question, or Not today, counts as hearing it, with
//! no DM), and the person with her that the visit goes on; her next window's start gives her
//! the list of who waits and tells each of them who last heard she closed that she is open.

use chrono::{DateTime, Duration, Utc};
use officehours::domain::{next_opening, presence, ManualState};

use super::checks::reminder_key;
use super::Run;

/// A DM the line owes someone by the end of a stretch of time: the one keyed `key` (sent
/// once), or with `list`, one more whose key starts with `key` than the `before` they had.
#[derive(Debug)]
pub struct Owed {
    to: usize,
    key: String,
    list: bool,
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

    /// Every DM key each person had received, by person, for `check_late`.
    pub fn all_dm_keys(&self) -> Vec<Vec<String>> {
        (0..self.everyone().len())
            .map(|who| self.dm_keys(who))
            .collect()
    }

    /// `late` just ran: one DM is planned for each person waiting (keyed by their place and
    /// this instant, replacing any earlier one), and goes out now if she is open. A key already
    /// received `before` it came from a `late` earlier in the same second: that DM went out
    /// once, to someone waiting then, and stays the only one (whether they wait now or not).
    pub async fn check_late(&mut self, mentor: usize, before: &[Vec<String>]) {
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
        let sent_before = |asker: usize, key: &str| before[asker].iter().any(|k| k == key);
        for (asker, key, waiting) in &expected {
            if sent_before(*asker, key) {
                continue;
            }
            let sent = self.dm_keys(*asker).contains(key);
            let planned = sent || pending.iter().any(|(k,)| k == key);
            assert_eq!(planned, *waiting, "{key} planned for {asker}");
        }
        self.advance_line(Duration::zero()).await;
        for (asker, key, waiting) in &expected {
            let told = self.dm_keys(*asker).iter().filter(|k| *k == key).count();
            let owed = usize::from(sent_before(*asker, key) || (*waiting && open));
            if owed == 1 {
                self.h.saw("late DM");
            }
            assert_eq!(told, owed, "{key} DMs to {asker} (open: {open})");
        }
    }

    /// `off`: if she was open and has a next window, each person waiting who last heard she is
    /// open (not put off with Not today, not being called) is told now that she closed, under
    /// their next announcement's number; the person being called is told the visit goes on.
    /// Everyone keeps their place (`check_line`).
    pub async fn off(&mut self, mentor: usize) {
        let was_open = self.open_now(mentor).await;
        self.sync_announced().await;
        let before = self.model.lines.by_mentor.get(&mentor).cloned();
        self.say(mentor, "off").await;
        let has_windows = !self.model.windows[mentor].is_empty();
        self.advance_line(Duration::zero()).await;
        let now = self.now();
        let prefix = format!("line:held:{}:{}:", self.team, self.id(mentor));
        for place in before.unwrap_or_default() {
            let id = self.line_id(mentor, place.asker).await;
            let (key, owed) = match place.called {
                Some(called) => (format!("{prefix}with:{id}:{}", called.timestamp()), true),
                None => (
                    format!("{prefix}{id}:{}", place.announced + 1),
                    place.announced % 2 == 0 && place.not_before.is_none_or(|t| t <= now),
                ),
            };
            if !(was_open && has_windows && owed) {
                continue;
            }
            self.h.saw(if place.called.is_some() {
                "closing DM to the one called"
            } else {
                "closing DM"
            });
            let told = self
                .dm_keys(place.asker)
                .iter()
                .filter(|k| **k == key)
                .count();
            assert_eq!(told, 1, "{} told she closed ({key})", place.asker);
        }
    }

    /// The model's count of what each place heard follows the closed/opened DMs they received,
    /// which must be the announcements after the ones they heard, each once, in turn (odd: she
    /// closed, even: she opened), never one they heard with no DM (held, or Not today).
    pub async fn sync_announced(&mut self) {
        let sent: Vec<(String, String)> = self
            .db
            .rows(&format!(
                "SELECT key, kind FROM reminders WHERE team_id = '{}' AND status = 'sent' AND key LIKE 'line:held:%'",
                self.team
            ))
            .await;
        let mentors: Vec<usize> = self.model.lines.by_mentor.keys().copied().collect();
        for mentor in mentors {
            let prefix = format!("line:held:{}:{}:", self.team, self.id(mentor));
            let places = self.model.lines.by_mentor[&mentor].clone();
            let mut heard = Vec::new();
            for place in places {
                let id = self.line_id(mentor, place.asker).await;
                let mine = format!("{prefix}{id}:");
                let mut steps: Vec<i64> = (self.dm_keys(place.asker).iter())
                    .filter_map(|k| k.strip_prefix(&mine)?.parse().ok())
                    .collect();
                for step in &steps {
                    let key = format!("{mine}{step}");
                    let kind = sent.iter().find(|(k, _)| *k == key).map(|(_, kind)| kind);
                    let expected = if step % 2 == 1 {
                        "line_closed"
                    } else {
                        "line_opened"
                    };
                    assert!(kind.is_none_or(|k| k == expected), "{key} sent as {kind:?}");
                }
                steps.extend(&place.silent);
                steps.sort_unstable();
                let top = steps.last().copied().unwrap_or(0).max(place.announced);
                assert_eq!(
                    steps,
                    (1..=top).collect::<Vec<_>>(),
                    "announcements heard by {} (silent: {:?})",
                    place.asker,
                    place.silent
                );
                heard.push(top);
            }
            if let Some(line) = self.model.lines.by_mentor.get_mut(&mentor) {
                for (place, top) in line.iter_mut().zip(heard) {
                    place.announced = top;
                }
            }
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

    /// What each mentor's line is owed by `target`: if she is open, when her stretch ends
    /// before it, the closing notice to each person waiting who last heard she is open, and the
    /// visit-goes-on DM to the person she is with; if she is closed, at her next window's start
    /// before it, the "open now" DM to each person waiting then who last heard she closed, and
    /// her list. Reckoned with the domain's presence rules over the model's windows.
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
            if let Some(closes) = state.until().filter(|c| *c <= target && *c > now) {
                for place in line {
                    let id = self.line_id(mentor, place.asker).await;
                    match place.called {
                        // Still with her as she closes: the visit goes on.
                        Some(t) if t + timeout > closes => {
                            let key = format!("{prefix}with:{id}:{}", t.timestamp());
                            owed.push(self.owe(place.asker, key, false));
                        }
                        // Skipped at the instant she closes: either order may come first.
                        Some(t) if t + timeout == closes => {}
                        // Waiting as she closes (not put off with Not today), and last heard
                        // she is open.
                        _ if place.announced % 2 == 0
                            && place.not_before.is_none_or(|t| t <= now) =>
                        {
                            let key = format!("{prefix}{id}:{}", place.announced + 1);
                            owed.push(self.owe(place.asker, key, false));
                        }
                        _ => {}
                    }
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
            let mut anyone = false;
            for place in line {
                // Waiting when she opens: not being called (or skipped by then), not put off.
                let free = place.called.is_none_or(|t| t + timeout <= opens);
                if free && place.not_before.is_none_or(|t| t <= opens) {
                    anyone = true;
                    if place.announced % 2 == 1 {
                        let id = self.line_id(mentor, place.asker).await;
                        let key = format!("{prefix}{id}:{}", place.announced + 1);
                        owed.push(self.owe(place.asker, key, false));
                    }
                }
            }
            if anyone {
                owed.push(self.owe(mentor, format!("{prefix}list:"), true));
            }
        }
        owed
    }

    fn owe(&self, to: usize, key: String, list: bool) -> Owed {
        let before = self.told(to, &key, list);
        Owed {
            to,
            key,
            list,
            before,
        }
    }

    /// How many DMs `to` received keyed `key` (or, for a `list`, whose key starts with it).
    fn told(&self, to: usize, key: &str, list: bool) -> usize {
        let keys = self.dm_keys(to);
        keys.iter()
            .filter(|k| if list { k.starts_with(key) } else { *k == key })
            .count()
    }

    /// Each DM owed went out: an announcement once (the same key twice is caught at the end),
    /// her list once more than she had.
    pub fn check_owed(&mut self, owed: &[Owed]) {
        for o in owed {
            let now = self.told(o.to, &o.key, o.list);
            assert!(
                if o.list { now > o.before } else { now == 1 },
                "owed {o:?}, still {now}: {:?}",
                self.dm_keys(o.to)
            );
            let step = o.key.rsplit(':').next().and_then(|n| n.parse::<i64>().ok());
            let opened = o.list || (!o.key.contains(":with:") && step.is_some_and(|n| n % 2 == 0));
            self.h.saw(if opened {
                "window start DM"
            } else {
                "window end DM"
            });
        }
    }
}
