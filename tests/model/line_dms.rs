//! The DMs a line must produce, checked against what the fake Slack received (each DM carries
//! its reminder's key, named for what it is for: `src/nudges/line.rs`): `late` tells everyone
//! waiting, and `off` while open tells each person waiting that she closed (questions held
//! while she was closed are never told so).

use chrono::Duration;

use super::checks::reminder_key;
use super::Run;

impl Run<'_> {
    /// Whether the mentor is open now, as her own `list` says (on the app, not the replica).
    pub async fn open_now(&mut self, who: usize) -> bool {
        let to_replica = std::mem::take(&mut self.h.to_replica);
        let list = self.say(who, "list").await;
        self.h.to_replica = to_replica;
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
