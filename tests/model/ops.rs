//! The steps a sequence is made of, and what each does to the model.

use chrono::{Duration, NaiveDate};
use officehours::views::actions;
use proptest::prelude::*;

use super::{window_of, Run};

/// Who is in each workspace: a mentor in the north, one in the south, one in the west.
pub const PEOPLE: [(&str, &str); 3] = [
    ("A", "Europe/Berlin"),
    ("S", "Australia/Sydney"),
    ("N", "America/New_York"),
];

/// The Slack user ids of a workspace's people.
pub fn people(team: &str) -> Vec<String> {
    PEOPLE
        .iter()
        .map(|(tag, _)| format!("U{tag}{}", &team[2..]))
        .collect()
}

/// The Slack user id of one of the people or, past them, of the `who - PEOPLE.len()`th person
/// of a crowd (people who only ask).
pub fn id_of(team: &str, who: usize) -> String {
    match PEOPLE.get(who) {
        Some((tag, _)) => format!("U{tag}{}", &team[2..]),
        None => format!("UX{:03}{}", who - PEOPLE.len(), &team[2..]),
    }
}

/// Each person's zone; a crowd spreads over the same three.
pub fn zone_of(who: usize) -> &'static str {
    PEOPLE[who % PEOPLE.len()].1
}

#[derive(Debug, Clone)]
pub enum Op {
    Add {
        who: usize,
        day: usize,
        start: u32,
        len: u32,
    },
    Remove {
        who: usize,
        n: usize,
    },
    RemoveAll {
        who: usize,
    },
    On {
        who: usize,
    },
    Off {
        who: usize,
    },
    Away {
        who: usize,
        days: i64,
    },
    AwayOff {
        who: usize,
    },
    Connect {
        who: usize,
    },
    Disconnect {
        who: usize,
    },
    OneOnOne {
        manager: usize,
        report: usize,
        weeks: u32,
        day: usize,
        hour: u32,
    },
    Stop {
        manager: usize,
        report: usize,
    },
    Decline {
        manager: usize,
        report: usize,
    },
    Accept {
        manager: usize,
        report: usize,
    },
    Done {
        manager: usize,
        report: usize,
    },
    Snooze {
        manager: usize,
        report: usize,
    },
    Skip {
        manager: usize,
        report: usize,
    },
    Debrief {
        who: usize,
        project: usize,
        days: i64,
        with_everyone: bool,
    },
    Review {
        manager: usize,
        report: usize,
        days: i64,
    },
    Join {
        who: usize,
        conference: usize,
    },
    Leave {
        who: usize,
        conference: usize,
    },
    Forget {
        who: usize,
    },
    /// `notify @whom`: a DM when they open.
    Notify {
        who: usize,
        whom: usize,
    },
    NotifyOff {
        who: usize,
        whom: usize,
    },
    Advance {
        hours: i64,
    },
    /// Drop in: `ask @mentor [topic]`; asking yourself is a refusal.
    Ask {
        who: usize,
        mentor: usize,
        topic: bool,
    },
    AskCancel {
        who: usize,
        mentor: usize,
    },
    /// A window around now in their zone (`add`), so people can drop in.
    OpenNow {
        who: usize,
    },
    /// The mentor's `next`.
    Next {
        mentor: usize,
    },
    /// Done (or Not today) pressed on the mentor's first place in line, with a fresh trigger
    /// id, or pressed and then replayed with the same one.
    Press {
        mentor: usize,
        done: bool,
        replayed: bool,
    },
    Link {
        who: usize,
        on: bool,
    },
    Late {
        who: usize,
        minutes: i64,
    },
    /// Minutes pass (past a 10-minute unanswered call, or not).
    AdvanceMinutes {
        minutes: i64,
    },
    /// `n` people who are new to the workspace ask the mentor, one after the other: enough of
    /// them fill the line (20), and the rest are refused.
    Crowd {
        mentor: usize,
        n: usize,
    },
    /// The mentor's Next pressed twice at once (a double click), on one replica or on two.
    NextTwice {
        mentor: usize,
        both: bool,
    },
    /// Time passes to a minute past the mentor's next window's start (an hour, if she has none).
    ToNextWindow {
        mentor: usize,
    },
    /// The app restarts (a deploy): nothing it held in memory survives.
    Restart,
    /// The next command or press reaches a second replica on the same database.
    ToReplica,
    /// Slack sends the next command twice, the same request (a retry): it is acted on once.
    Retried,
}

fn person() -> impl Strategy<Value = usize> {
    0..PEOPLE.len()
}

fn pair() -> impl Strategy<Value = (usize, usize)> {
    (person(), 1..PEOPLE.len()).prop_map(|(a, d)| (a, (a + d) % PEOPLE.len()))
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (person(), 0..7_usize, 0..24_u32, 1..4_u32)
            .prop_map(|(who, day, start, len)| Op::Add { who, day, start, len }),
        1 => (person(), 0..5_usize).prop_map(|(who, n)| Op::Remove { who, n }),
        1 => person().prop_map(|who| Op::RemoveAll { who }),
        1 => person().prop_map(|who| Op::On { who }),
        1 => person().prop_map(|who| Op::Off { who }),
        1 => (person(), 0..4_i64).prop_map(|(who, days)| Op::Away { who, days }),
        1 => person().prop_map(|who| Op::AwayOff { who }),
        2 => person().prop_map(|who| Op::Connect { who }),
        1 => person().prop_map(|who| Op::Disconnect { who }),
        3 => (pair(), 1..3_u32, 0..5_usize, 8..18_u32).prop_map(|((manager, report), weeks, day, hour)| {
            Op::OneOnOne { manager, report, weeks, day, hour }
        }),
        1 => pair().prop_map(|(manager, report)| Op::Stop { manager, report }),
        1 => pair().prop_map(|(manager, report)| Op::Decline { manager, report }),
        1 => pair().prop_map(|(manager, report)| Op::Accept { manager, report }),
        1 => pair().prop_map(|(manager, report)| Op::Done { manager, report }),
        1 => pair().prop_map(|(manager, report)| Op::Snooze { manager, report }),
        1 => pair().prop_map(|(manager, report)| Op::Skip { manager, report }),
        2 => (person(), 0..2_usize, 1..10_i64, any::<bool>()).prop_map(|(who, project, days, with_everyone)| {
            Op::Debrief { who, project, days, with_everyone }
        }),
        1 => (pair(), 15..40_i64).prop_map(|((manager, report), days)| Op::Review { manager, report, days }),
        2 => (person(), 0..2_usize).prop_map(|(who, conference)| Op::Join { who, conference }),
        1 => (person(), 0..2_usize).prop_map(|(who, conference)| Op::Leave { who, conference }),
        1 => person().prop_map(|who| Op::Forget { who }),
        2 => pair().prop_map(|(who, whom)| Op::Notify { who, whom }),
        1 => pair().prop_map(|(who, whom)| Op::NotifyOff { who, whom }),
        4 => (1..40_i64).prop_map(|hours| Op::Advance { hours }),
        4 => (person(), person(), any::<bool>()).prop_map(|(who, mentor, topic)| Op::Ask { who, mentor, topic }),
        1 => pair().prop_map(|(who, mentor)| Op::AskCancel { who, mentor }),
        3 => person().prop_map(|mentor| Op::Next { mentor }),
        3 => person().prop_map(|who| Op::OpenNow { who }),
        3 => (person(), any::<bool>(), any::<bool>()).prop_map(|(mentor, done, replayed)| Op::Press { mentor, done, replayed }),
        1 => (person(), any::<bool>()).prop_map(|(who, on)| Op::Link { who, on }),
        1 => (person(), 5..120_i64).prop_map(|(who, minutes)| Op::Late { who, minutes }),
        3 => (1..25_i64).prop_map(|minutes| Op::AdvanceMinutes { minutes }),
        1 => Just(Op::Restart),
        2 => Just(Op::ToReplica),
        2 => Just(Op::Retried),
    ]
}

/// Drop in steps, with what moves a line: hours opened and closed, time passing, `forget me`.
pub fn line_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => person().prop_map(|who| Op::OpenNow { who }),
        5 => (person(), person(), any::<bool>()).prop_map(|(who, mentor, topic)| Op::Ask { who, mentor, topic }),
        1 => pair().prop_map(|(who, mentor)| Op::AskCancel { who, mentor }),
        4 => person().prop_map(|mentor| Op::Next { mentor }),
        4 => (person(), any::<bool>(), any::<bool>()).prop_map(|(mentor, done, replayed)| Op::Press { mentor, done, replayed }),
        1 => (person(), any::<bool>()).prop_map(|(who, on)| Op::Link { who, on }),
        1 => (person(), 5..120_i64).prop_map(|(who, minutes)| Op::Late { who, minutes }),
        4 => (1..25_i64).prop_map(|minutes| Op::AdvanceMinutes { minutes }),
        1 => (1..40_i64).prop_map(|hours| Op::Advance { hours }),
        1 => person().prop_map(|who| Op::On { who }),
        1 => person().prop_map(|who| Op::Off { who }),
        1 => person().prop_map(|who| Op::RemoveAll { who }),
        1 => (person(), 0..4_i64).prop_map(|(who, days)| Op::Away { who, days }),
        1 => person().prop_map(|who| Op::Forget { who }),
        1 => (person(), 12..24_usize).prop_map(|(mentor, n)| Op::Crowd { mentor, n }),
        2 => person().prop_map(|mentor| Op::ToNextWindow { mentor }),
        2 => (person(), any::<bool>()).prop_map(|(mentor, both)| Op::NextTwice { mentor, both }),
        1 => Just(Op::Restart),
        3 => Just(Op::ToReplica),
        3 => Just(Op::Retried),
    ]
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Run<'_> {
    fn mention(&self, who: usize) -> String {
        format!("<@{}>", self.id(who))
    }

    pub async fn apply(&mut self, op: &Op) {
        match *op {
            Op::Add {
                who,
                day,
                start,
                len,
            } => self.add(who, day, start, len).await,
            Op::Remove { who, n } => self.remove(who, n).await,
            Op::RemoveAll { who } => {
                self.say(who, "remove all").await;
                self.model.windows[who].clear();
            }
            Op::On { who } => self.on(who).await,
            Op::Off { who } => self.off(who).await,
            Op::Away { who, days } => self.away(who, days).await,
            Op::AwayOff { who } => {
                self.say(who, "away off").await;
                self.model.away.remove(&who);
            }
            Op::Connect { who } => self.connect(who).await,
            Op::Disconnect { who } => {
                self.say(who, "disconnect").await;
                self.model.connected.remove(&who);
            }
            Op::OneOnOne {
                manager,
                report,
                weeks,
                day,
                hour,
            } => {
                let text = format!(
                    "1on1 {} every {weeks} weeks on {} {hour:02}:00",
                    self.mention(report),
                    DAYS[day]
                );
                self.say(manager, &text).await;
                let state = self.model.pairs.entry((manager, report)).or_default();
                // A declined 1:1 stays as it was until the report accepts it.
                if !state.declined {
                    state.active = true;
                }
            }
            Op::Stop { manager, report } => {
                self.say(manager, &format!("1on1 stop {}", self.mention(report)))
                    .await;
                if let Some(state) = self.model.pairs.get_mut(&(manager, report)) {
                    state.active = false;
                }
            }
            Op::Decline { manager, report } => self.answer(manager, report, false).await,
            Op::Accept { manager, report } => self.answer(manager, report, true).await,
            Op::Done { manager, report } => {
                self.say(manager, &format!("1on1 done {}", self.mention(report)))
                    .await;
            }
            Op::Snooze { manager, report } => {
                self.press_meeting(manager, report, actions::MEETING_SNOOZE)
                    .await
            }
            Op::Skip { manager, report } => {
                self.press_meeting(manager, report, actions::MEETING_SKIP)
                    .await
            }
            Op::Debrief {
                who,
                project,
                days,
                with_everyone,
            } => self.debrief(who, project, days, with_everyone).await,
            Op::Review {
                manager,
                report,
                days,
            } => {
                let date = self.date_in(manager, days);
                let text = format!("review {} on {date}", self.mention(report));
                self.say(manager, &text).await;
            }
            Op::Join { who, conference } => {
                let text = format!("conference \"Modelconf {conference}\" 2027-12-08..2027-12-10");
                self.say(who, &text).await;
                self.model
                    .conferences
                    .entry(conference)
                    .or_default()
                    .insert(who);
            }
            Op::Leave { who, conference } => {
                self.say(who, &format!("conference leave \"Modelconf {conference}\""))
                    .await;
                if let Some(going) = self.model.conferences.get_mut(&conference) {
                    going.remove(&who);
                }
            }
            Op::Forget { who } => self.forget(who).await,
            Op::Notify { who, whom } => {
                let reply = self
                    .say(who, &format!("notify {}", self.mention(whom)))
                    .await;
                let fresh = self.model.subscriptions.insert((who, whom));
                assert_eq!(reply.contains("already told"), !fresh, "notify: {reply}");
            }
            Op::NotifyOff { who, whom } => {
                let reply = self
                    .say(who, &format!("notify off {}", self.mention(whom)))
                    .await;
                let held = self.model.subscriptions.remove(&(who, whom));
                assert_eq!(reply.contains("won't DM you"), held, "notify off: {reply}");
            }
            Op::Advance { hours } => self.advance_line(Duration::hours(hours)).await,
            Op::AdvanceMinutes { minutes } => self.advance_line(Duration::minutes(minutes)).await,
            Op::ToNextWindow { mentor } => {
                let by = self.to_next_window(mentor).await;
                self.advance_line(by).await;
            }
            Op::Restart => self.h.restart(self.app).await,
            Op::ToReplica => self.h.to_replica = true,
            Op::Retried => self.h.retried = true,
            Op::Ask { .. }
            | Op::AskCancel { .. }
            | Op::Next { .. }
            | Op::OpenNow { .. }
            | Op::Press { .. }
            | Op::Link { .. }
            | Op::Late { .. }
            | Op::Crowd { .. }
            | Op::NextTwice { .. } => self.apply_line(op).await,
        }
    }

    pub async fn add(&mut self, who: usize, day: usize, start: u32, len: u32) {
        let (text, window) = window_of(day, start, len);
        let reply = self.say(who, &format!("add {text}")).await;
        let mine = &mut self.model.windows[who];
        let fits = mine.len() < officehours::domain::window::MAX_WINDOWS_PER_PERSON
            && !mine.iter().any(|(_, w)| w.overlaps(&window));
        assert_eq!(reply.contains("Added window"), fits, "add {text}: {reply}");
        if fits {
            self.model.next_id += 1;
            mine.push((self.model.next_id, window));
        }
    }

    async fn remove(&mut self, who: usize, n: usize) {
        let reply = self.say(who, &format!("remove {n}")).await;
        let mine = &mut self.model.windows[who];
        // `list` numbers windows by their place in the week, then by when they were added.
        mine.sort_by_key(|(id, w)| (w.sort_key(), *id));
        let exists = (1..=mine.len()).contains(&n);
        assert_eq!(
            reply.contains("Removed window"),
            exists,
            "remove {n}: {reply}"
        );
        if exists {
            mine.remove(n - 1);
        }
    }

    async fn on(&mut self, who: usize) {
        let reply = self.say(who, "on").await;
        let away = self.model.away.contains(&who) && self.still_away(who).await;
        assert_eq!(reply.contains("You're away"), away, "on: {reply}");
        assert_eq!(reply.contains("available now"), !away, "on: {reply}");
    }

    async fn still_away(&self, who: usize) -> bool {
        let id = &self.id(who);
        let rows: Vec<(Option<chrono::DateTime<chrono::Utc>>,)> = self
            .db
            .rows(&format!(
                "SELECT away_until FROM people WHERE team_id = '{}' AND user_id = '{id}'",
                self.team
            ))
            .await;
        let now = officehours::clock::Clock::now(&*self.app.clock);
        rows.first()
            .and_then(|(until,)| *until)
            .is_some_and(|until| until > now)
    }

    async fn away(&mut self, who: usize, days: i64) {
        let tz: chrono_tz::Tz = PEOPLE[who].1.parse().expect("a zone");
        let now = officehours::clock::Clock::now(&*self.app.clock);
        let date: NaiveDate = now.with_timezone(&tz).date_naive() + Duration::days(days);
        let reply = self.say(who, &format!("away until {date}")).await;
        assert!(reply.contains("away until"), "away until {date}: {reply}");
        self.model.away.insert(who);
    }

    /// Connects through the real OAuth round trip: the link, Slack's approval, the callback.
    async fn connect(&mut self, who: usize) {
        let reply = self.say(who, "connect").await;
        if self.model.connected.contains(&who) {
            assert!(reply.contains("already connected"), "{reply}");
            return;
        }
        let state = reply
            .split("state=")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
            .unwrap_or_else(|| panic!("no connect link: {reply}"))
            .to_owned();
        let id = self.id(who);
        let code = format!("code-{id}-{state}");
        let token = format!("xoxp-{id}-{state}");
        self.app.slack.approve_oauth(&code, &self.team, &id, &token);
        let page = self.oauth_callback(&code, &state).await;
        assert_eq!(page.status, 200, "{}", page.body);
        self.model.connected.insert(who);
    }

    /// The report presses Sounds good or Decline on the 1:1 notice.
    async fn answer(&mut self, manager: usize, report: usize, accept: bool) {
        // What answering an old notice does to a stopped 1:1 is not modelled: live ones only.
        if !self
            .model
            .pairs
            .get(&(manager, report))
            .is_some_and(|p| p.active)
        {
            return;
        }
        let Some(id) = self.cadence_id(manager, report).await else {
            return;
        };
        let action = if accept {
            actions::ONE_ON_ONE_ACCEPT
        } else {
            actions::ONE_ON_ONE_DECLINE
        };
        self.press(report, action, &id.to_string(), false).await;
        if let Some(state) = self.model.pairs.get_mut(&(manager, report)) {
            state.declined = !accept;
        }
    }

    /// A date `days` ahead in the person's own zone.
    fn date_in(&self, who: usize, days: i64) -> NaiveDate {
        let tz: chrono_tz::Tz = PEOPLE[who].1.parse().expect("a zone");
        let now = officehours::clock::Clock::now(&*self.app.clock);
        now.with_timezone(&tz).date_naive() + Duration::days(days)
    }

    /// The same debrief (organiser, project, date) typed again is one debrief, not two.
    async fn debrief(&mut self, who: usize, project: usize, days: i64, with_everyone: bool) {
        let date = self.date_in(who, days);
        let others: Vec<String> = (0..PEOPLE.len())
            .filter(|&p| p != who && (with_everyone || p == (who + 1) % PEOPLE.len()))
            .map(|p| self.mention(p))
            .collect();
        let text = format!(
            "debrief \"Project {project}\" on {date} with {}",
            others.join(" ")
        );
        self.say(who, &text).await;
    }

    /// A press on a 1:1 reminder's Snooze or Skip, for the next planned meeting.
    async fn press_meeting(&mut self, manager: usize, report: usize, action: &str) {
        if !self
            .model
            .pairs
            .get(&(manager, report))
            .is_some_and(|p| p.reminds())
        {
            return;
        }
        let Some(cadence) = self.cadence_id(manager, report).await else {
            return;
        };
        let meetings: Vec<(i64,)> = self
            .db
            .rows(&format!(
                "SELECT id FROM meetings WHERE cadence_id = {cadence} AND status = 'planned' ORDER BY starts_at"
            ))
            .await;
        if let Some((meeting,)) = meetings.first() {
            self.press(manager, action, &meeting.to_string(), false)
                .await;
        }
    }

    async fn forget(&mut self, who: usize) {
        // "Delete everything", the button `forget me` answers with.
        self.press(who, actions::FORGET_ME, "", false).await;
        self.model.windows[who].clear();
        self.model.connected.remove(&who);
        self.model.away.remove(&who);
        self.model.pairs.retain(|(m, r), _| *m != who && *r != who);
        for going in self.model.conferences.values_mut() {
            going.remove(&who);
        }
        self.model
            .subscriptions
            .retain(|(s, m)| *s != who && *m != who);
        self.forget_line(who);
    }
}
