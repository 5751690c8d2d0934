//! Drop in in the model: each mentor's ordered line (asker, called or waiting, kept for the
//! next window), the calls made, the meeting links; what each line step must do to it, and the
//! check that the `line` table and the call DMs planned are the model's.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use officehours::views::actions;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use super::model_ops::{id_of, people, Op, PEOPLE};
use super::Run;

/// One place in a mentor's line.
#[derive(Debug, Clone)]
pub struct Place {
    pub asker: usize,
    /// Being called since then.
    pub called: Option<DateTime<Utc>>,
    /// When they joined, or were last skipped (to the back of the line).
    pub joined: DateTime<Utc>,
    /// The order rows were inserted in (the table's id breaks ties on `joined`).
    pub seq: u64,
    /// "Not today": not called before this (the mentor's next window).
    pub not_before: Option<DateTime<Utc>>,
    /// The announcements (she closed, she opened) they have heard, numbered as the app numbers
    /// them: odd, the last they heard is that she is closed. A held question starts at 1.
    pub announced: i64,
    /// The announcement numbers they heard with no closed/opened DM: the held answer (1), or a
    /// "Not today" while the last they heard was that she is open.
    pub silent: Vec<i64>,
}

impl Place {
    pub fn waiting_at(&self, now: DateTime<Utc>) -> bool {
        self.called.is_none() && self.not_before.is_none_or(|t| t <= now)
    }
}

#[derive(Default)]
pub struct Lines {
    /// Per mentor, in the line's order: the one called first, then by `(joined, seq)`.
    pub by_mentor: BTreeMap<usize, Vec<Place>>,
    seq: u64,
    /// Per (mentor, asker): how many times they were called (each call is one DM, keyed by
    /// its call). `forget me` by either erases them.
    pub calls: BTreeMap<(usize, usize), usize>,
    /// Per (mentor, asker): calls left unanswered for 10 minutes (one DM to each side).
    pub skips: BTreeMap<(usize, usize), usize>,
    /// The mentor's side of `skips`: their DM names only them, so it outlives the asker's
    /// `forget me`.
    pub skipped: BTreeMap<(usize, usize), usize>,
    pub links: BTreeSet<usize>,
    /// How many people of crowds have asked (their ids follow `PEOPLE`'s).
    pub crowd: usize,
}

impl Lines {
    fn sort(&mut self) {
        for line in self.by_mentor.values_mut() {
            line.sort_by_key(|p| (p.called.is_none(), p.joined, p.seq));
        }
    }
}

impl Run<'_> {
    pub fn now(&self) -> DateTime<Utc> {
        officehours::clock::Clock::now(&*self.app.clock)
    }

    fn at(&self, who: usize) -> String {
        format!("<@{}>", self.id(who))
    }

    /// The people and everyone of a crowd who asked so far.
    pub(super) fn everyone(&self) -> Vec<String> {
        let n = PEOPLE.len() + self.model.lines.crowd;
        (0..n).map(|who| id_of(&self.team, who)).collect()
    }

    pub async fn apply_line(&mut self, op: &Op) {
        match *op {
            Op::Ask { who, mentor, topic } => self.ask(who, mentor, topic).await,
            Op::AskCancel { who, mentor } => {
                let reply = self
                    .say(who, &format!("ask cancel {}", self.at(mentor)))
                    .await;
                let line = self.model.lines.by_mentor.entry(mentor).or_default();
                let had = line.iter().any(|p| p.asker == who);
                line.retain(|p| p.asker != who);
                assert_eq!(reply.contains("You've left"), had, "ask cancel: {reply}");
            }
            Op::Next { mentor } => self.next(mentor).await,
            Op::OpenNow { who } => {
                let zone: chrono_tz::Tz = super::model_ops::PEOPLE[who].1.parse().expect("a zone");
                let local = self.now().with_timezone(&zone);
                let day = local.weekday().num_days_from_monday() as usize;
                self.add(who, day, local.hour(), 2).await;
            }
            Op::Press {
                mentor,
                done,
                replayed,
            } => self.press_line(mentor, done, replayed).await,
            Op::Crowd { mentor, n } => self.crowd(mentor, n).await,
            Op::NextTwice { mentor, both } => self.next_twice(mentor, both).await,
            Op::Link { who, on } => {
                if on {
                    let url = format!("https://meet.example.com/{}", people(&self.team)[who]);
                    let reply = self.say(who, &format!("link {url}")).await;
                    assert!(reply.contains("Your meeting link is now"), "link: {reply}");
                    self.model.lines.links.insert(who);
                } else {
                    let reply = self.say(who, "link off").await;
                    let had = self.model.lines.links.remove(&who);
                    assert_eq!(reply.contains("is removed"), had, "link off: {reply}");
                }
            }
            Op::Late { who, minutes } => {
                let before = self.all_dm_keys();
                let reply = self.say(who, &format!("late {minutes}m")).await;
                let now = self.now();
                let told = self
                    .model
                    .lines
                    .by_mentor
                    .get(&who)
                    .map_or(0, |l| l.iter().filter(|p| p.waiting_at(now)).count());
                let expected = match told {
                    0 => "Nobody is waiting in your line, so nobody".to_owned(),
                    1 => "The 1 person waiting".to_owned(),
                    n => format!("The {n} people waiting"),
                };
                assert!(
                    reply.contains(&expected),
                    "late {minutes}m, {told} waiting: {reply}"
                );
                self.check_late(who, &before).await;
            }
            _ => {}
        }
    }

    async fn ask(&mut self, who: usize, mentor: usize, topic: bool) {
        let about = if topic { " about rust lifetimes" } else { "" };
        let reply = self
            .say(who, &format!("ask {}{about}", self.at(mentor)))
            .await;
        if who == mentor {
            assert!(
                reply.contains("can't join your own line"),
                "ask yourself: {reply}"
            );
            return;
        }
        let refused = reply.contains("no office hours");
        let full = reply.contains("line is full") || reply.contains("already has 20 questions");
        let now = self.now();
        let lines = &mut self.model.lines;
        let line = lines.by_mentor.entry(mentor).or_default();
        if line.iter().any(|p| p.asker == who) {
            // Asking again keeps the place (and updates the question). A mentor who removed all
            // their windows can't be asked again, and the reply says the place is kept.
            assert!(
                !refused || self.model.windows[mentor].is_empty(),
                "ask again: {reply}"
            );
            assert!(
                !refused || reply.contains("still in their line"),
                "ask again of a mentor with no windows: {reply}"
            );
            assert!(!reply.contains("no line to join"), "ask again: {reply}");
            return;
        }
        // Only a mentor with no windows (and not available now) can't be asked.
        if refused {
            assert!(self.model.windows[mentor].is_empty(), "ask: {reply}");
            return;
        }
        // A line holds 20 people at most (waiting, called or held); the next is refused.
        let max = usize::try_from(officehours::store::line::MAX_LINE).unwrap_or(20);
        assert_eq!(
            full,
            line.len() >= max,
            "ask with {} in line: {reply}",
            line.len()
        );
        if full {
            self.h.saw("a full line refused");
            return;
        }
        lines.seq += 1;
        // Asked while she was closed: held, which is hearing she is closed (announcement 1).
        let held = reply.contains("is held for their next window");
        line.push(Place {
            asker: who,
            called: None,
            joined: now,
            seq: lines.seq,
            not_before: None,
            announced: i64::from(held),
            silent: if held { vec![1] } else { Vec::new() },
        });
        lines.sort();
    }

    async fn next(&mut self, mentor: usize) {
        let reply = self.say(mentor, "next").await;
        self.called_next(mentor, &reply);
    }

    /// What a Next (typed or pressed, once or twice) must have done, and said (`reply`: the
    /// answer, or the answers to both presses).
    fn called_next(&mut self, mentor: usize, reply: &str) {
        let now = self.now();
        let names: Vec<String> = self
            .everyone()
            .iter()
            .map(|id| format!("<@{id}>"))
            .collect();
        let line = self.model.lines.by_mentor.entry(mentor).or_default();
        if let Some(called) = line.iter().find(|p| p.called.is_some()) {
            let expected = format!("You're still with {}", names[called.asker]);
            assert!(reply.contains(&expected), "next: {reply}");
            return;
        }
        let first = line
            .iter_mut()
            .filter(|p| p.not_before.is_none_or(|t| t <= now))
            .min_by_key(|p| (p.joined, p.seq));
        match first {
            Some(place) => {
                place.called = Some(now);
                let asker = place.asker;
                *self.model.lines.calls.entry((mentor, asker)).or_default() += 1;
                self.model.lines.sort();
                let expected = format!("Calling {}", names[asker]);
                assert!(reply.contains(&expected), "next: {reply}");
            }
            None => assert!(reply.contains("Nobody is waiting"), "next: {reply}"),
        }
    }

    /// People new to the workspace ask the mentor one after the other (Slack told the bot their
    /// zones first): the line takes them until it holds 20.
    async fn crowd(&mut self, mentor: usize, n: usize) {
        for _ in 0..n {
            let who = PEOPLE.len() + self.model.lines.crowd;
            self.model.lines.crowd += 1;
            self.profile(who).await;
            self.ask(who, mentor, who % 2 == 0).await;
        }
    }

    /// Next pressed twice at once, each press with its own trigger, on one replica or two: one
    /// person is called, at most.
    async fn next_twice(&mut self, mentor: usize, both: bool) {
        let id = self.id(mentor);
        let replies = self
            .press_twice_at_once(mentor, actions::LINE_NEXT, &id, both)
            .await;
        let calls = replies.matches("I'm telling them you're ready").count();
        if calls == 1 && both {
            self.h.saw("a Next pressed on two replicas at once");
        }
        assert!(calls <= 1, "Next pressed twice called {calls}: {replies}");
        self.called_next(mentor, &replies);
    }

    /// Done or Not today on the first place in the mentor's line (the one being called, if
    /// anyone is): acted on once, whether the press is replayed or not.
    async fn press_line(&mut self, mentor: usize, done: bool, replayed: bool) {
        let Some(first) = self
            .model
            .lines
            .by_mentor
            .get(&mentor)
            .and_then(|l| l.first().cloned())
        else {
            return;
        };
        let id = self.line_id(mentor, first.asker).await;
        // What they heard before the press: Not today counts as hearing she is closed.
        self.sync_announced().await;
        let action = if done {
            actions::LINE_DONE
        } else {
            actions::LINE_NOT_TODAY
        };
        self.press(mentor, action, &id.to_string(), replayed).await;
        let line = self.model.lines.by_mentor.entry(mentor).or_default();
        if done {
            // Done ends a visit; on someone not being called it changes nothing.
            if first.called.is_some() {
                line.retain(|p| p.asker != first.asker);
            }
            return;
        }
        let until = self.not_before(id).await;
        let now = self.now();
        assert!(
            until.is_some_and(|t| t > now),
            "not today: kept until {until:?}"
        );
        let line = self.model.lines.by_mentor.entry(mentor).or_default();
        if let Some(place) = line.iter_mut().find(|p| p.asker == first.asker) {
            place.called = None;
            place.not_before = until;
            if place.announced % 2 == 0 {
                place.announced += 1;
                place.silent.push(place.announced);
            }
        }
        self.model.lines.sort();
    }

    pub async fn line_id(&self, mentor: usize, asker: usize) -> i64 {
        let rows: Vec<(i64,)> = self
            .db
            .rows(&format!(
                "SELECT id FROM line WHERE team_id = '{}' AND mentor_id = '{}' AND asker_id = '{}'",
                self.team,
                self.id(mentor),
                self.id(asker)
            ))
            .await;
        rows.first().map_or(-1, |(id,)| *id)
    }

    async fn not_before(&self, id: i64) -> Option<DateTime<Utc>> {
        let rows: Vec<(Option<DateTime<Utc>>,)> = self
            .db
            .rows(&format!(
                "SELECT not_before FROM line WHERE team_id = '{}' AND id = {id}",
                self.team
            ))
            .await;
        rows.first().and_then(|(t,)| *t)
    }

    /// Time passes: a call unanswered for 10 minutes goes to the back of the line, at the
    /// instant the scheduler skips it.
    pub async fn advance_line(&mut self, by: Duration) {
        let target = self.now() + by;
        let owed = self.owed_at_windows(target).await;
        let timeout = Duration::minutes(officehours::domain::line::CALL_TIMEOUT_MINUTES);
        let lines = &mut self.model.lines;
        for (mentor, line) in lines.by_mentor.iter_mut() {
            for place in line.iter_mut() {
                if let Some(called) = place.called.filter(|t| *t + timeout <= target) {
                    place.called = None;
                    place.joined = called + timeout;
                    *lines.skips.entry((*mentor, place.asker)).or_default() += 1;
                    *lines.skipped.entry((*mentor, place.asker)).or_default() += 1;
                }
            }
        }
        self.model.lines.sort();
        self.advance(by).await;
        self.sync_announced().await;
        self.check_owed(&owed);
    }

    /// `forget me`: their places, their line, their calls and their link are gone.
    pub fn forget_line(&mut self, who: usize) {
        let lines = &mut self.model.lines;
        lines.by_mentor.remove(&who);
        for line in lines.by_mentor.values_mut() {
            line.retain(|p| p.asker != who);
        }
        lines.calls.retain(|(m, a), _| *m != who && *a != who);
        lines.skips.retain(|(m, a), _| *m != who && *a != who);
        lines.skipped.retain(|(m, _), _| *m != who);
        lines.links.remove(&who);
    }

    /// The `line` table holds the model's lines in order, with the one called; each call the
    /// model made is one call DM planned or sent, no more; the links are the model's.
    pub async fn check_line(&self) -> Result<(), TestCaseError> {
        let ids = self.everyone();
        let team = &self.team;
        let rows: Vec<(String, String, String)> = self
            .db
            .rows(&format!(
                "SELECT mentor_id, asker_id, state FROM line WHERE team_id = '{team}' \
                 ORDER BY mentor_id, CASE WHEN state = 'called' THEN 0 ELSE 1 END, joined_at, id"
            ))
            .await;
        for (mentor, id) in people(&self.team).iter().enumerate() {
            let stored: Vec<(String, bool)> = rows
                .iter()
                .filter(|(m, ..)| m == id)
                .map(|(_, a, state)| (a.clone(), state == "called"))
                .collect();
            let expected: Vec<(String, bool)> = self
                .model
                .lines
                .by_mentor
                .get(&mentor)
                .map(|l| {
                    l.iter()
                        .map(|p| (ids[p.asker].clone(), p.called.is_some()))
                        .collect()
                })
                .unwrap_or_default();
            prop_assert_eq!(stored, expected, "the line of {}", id);
        }
        let calls: Vec<(String, i64)> = self
            .db
            .rows(&format!(
                "SELECT recipients, COUNT(*) FROM reminders WHERE team_id = '{team}' AND kind = 'line_call' GROUP BY recipients"
            ))
            .await;
        for (asker, id) in ids.iter().enumerate() {
            let made = calls.iter().find(|(to, _)| to == id).map_or(0, |c| c.1);
            let expected: usize = (self.model.lines.calls.iter())
                .filter(|((_, a), _)| *a == asker)
                .map(|(_, n)| n)
                .sum();
            prop_assert_eq!(
                made,
                i64::try_from(expected).unwrap_or(-1),
                "calls to {}",
                id
            );
        }
        self.check_skips().await?;
        let links: Vec<(String,)> = self
            .db
            .rows(&format!(
                "SELECT user_id FROM meeting_links WHERE team_id = '{team}'"
            ))
            .await;
        let held: BTreeSet<usize> = links
            .iter()
            .filter_map(|(u,)| ids.iter().position(|i| i == u))
            .collect();
        prop_assert_eq!(&held, &self.model.lines.links, "meeting links");
        Ok(())
    }

    /// Each skip the model made told the asker and the mentor once; no other skip was sent.
    async fn check_skips(&self) -> Result<(), TestCaseError> {
        let ids = self.everyone();
        let sent: Vec<(String, String, i64)> = self
            .db
            .rows(&format!(
                "SELECT kind, recipients, COUNT(*) FROM reminders WHERE team_id = '{}' \
                 AND kind IN ('line_skip', 'line_skipped') AND status = 'sent' GROUP BY kind, recipients",
                self.team
            ))
            .await;
        for (who, id) in ids.iter().enumerate() {
            let lines = &self.model.lines;
            for (kind, side, made) in [
                ("line_skip", 1, &lines.skips),
                ("line_skipped", 0, &lines.skipped),
            ] {
                let got = sent
                    .iter()
                    .find(|(k, to, _)| k == kind && to == id)
                    .map_or(0, |r| r.2);
                let expected: usize = (made.iter())
                    .filter(|((m, a), _)| [*m, *a][side] == who)
                    .map(|(_, n)| n)
                    .sum();
                prop_assert_eq!(
                    got,
                    i64::try_from(expected).unwrap_or(-1),
                    "{} to {}",
                    kind,
                    id
                );
            }
        }
        Ok(())
    }
}
