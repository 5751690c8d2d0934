//! A person's own Slack status and the rules for showing office hours in it: set at a window's
//! start over whatever they had (saved, to restore), never over a status that says they are away,
//! and taken down at the end only if it is still ours. Pure: the scheduler reads the current
//! status, asks these rules what to do, and performs the answer through the Slack port.

use chrono::{DateTime, Utc};

/// A person's Slack status. `expiration` is a Unix time; 0 means it does not expire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlackStatus {
    pub text: String,
    pub emoji: String,
    pub expiration: i64,
}

impl SlackStatus {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.emoji.is_empty()
    }
}

/// The status a person had before office hours, and the one the bot set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusMemory {
    pub saved_text: Option<String>,
    pub saved_emoji: Option<String>,
    pub saved_expiration: Option<i64>,
    pub bot_text: Option<String>,
}

impl StatusMemory {
    /// Whether a status the bot set may still be showing.
    pub fn shows_ours(&self) -> bool {
        self.bot_text
            .as_deref()
            .is_some_and(|text| !text.is_empty())
    }

    fn is_ours(&self, current: &SlackStatus) -> bool {
        self.shows_ours() && self.bot_text.as_deref() == Some(current.text.as_str())
    }
}

/// What a due status change asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusRule {
    /// Show `wanted` (office hours until the window's end).
    Start { wanted: SlackStatus },
    /// Put back what the person had, if the status is still ours. `expires_at` is when the one
    /// we set clears itself, when this is the restore for that moment: Slack may have cleared it
    /// first, and an empty status then is its doing, not the person's.
    Restore { expires_at: Option<DateTime<Utc>> },
}

/// What to do, given the person's current status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusStep {
    /// The status to set, if any.
    pub set: Option<SlackStatus>,
    /// What to remember afterwards, if it changed.
    pub memory: Option<StatusMemory>,
    /// Their own status says they are away: treat them as away until then.
    pub away_until: Option<DateTime<Utc>>,
    /// Why nothing is set, when that is the whole outcome.
    pub skipped: Option<&'static str>,
}

impl StatusRule {
    pub fn apply(
        &self,
        memory: &StatusMemory,
        current: &SlackStatus,
        now: DateTime<Utc>,
    ) -> StatusStep {
        match self {
            StatusRule::Start { wanted } => start(wanted, memory, current, now),
            StatusRule::Restore { expires_at } => restore(memory, current, now, *expires_at),
        }
    }
}

fn start(
    wanted: &SlackStatus,
    memory: &StatusMemory,
    current: &SlackStatus,
    now: DateTime<Utc>,
) -> StatusStep {
    let mut memory = memory.clone();
    if !memory.is_ours(current) && !current.is_empty() {
        if looks_away(current) {
            let end = DateTime::from_timestamp(wanted.expiration, 0).unwrap_or(now);
            let until = DateTime::from_timestamp(current.expiration, 0)
                .filter(|t| current.expiration > 0 && *t > now)
                .unwrap_or(end);
            return StatusStep {
                away_until: Some(until),
                skipped: Some("the person's own status says away"),
                ..StatusStep::default()
            };
        }
        memory.saved_text = Some(current.text.clone());
        memory.saved_emoji = Some(current.emoji.clone());
        memory.saved_expiration = Some(current.expiration);
    }
    memory.bot_text = Some(wanted.text.clone());
    StatusStep {
        set: Some(wanted.clone()),
        memory: Some(memory),
        ..StatusStep::default()
    }
}

fn restore(
    memory: &StatusMemory,
    current: &SlackStatus,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> StatusStep {
    if !memory.shows_ours() {
        return StatusStep {
            skipped: Some("no office-hours status to take down"),
            ..StatusStep::default()
        };
    }
    let expired = current.is_empty() && expires_at.is_some_and(|at| at <= now);
    // Changed by the person meanwhile: theirs wins, and there is nothing to restore later.
    let set = (memory.is_ours(current) || expired).then(|| {
        let saved = SlackStatus {
            text: memory.saved_text.clone().unwrap_or_default(),
            emoji: memory.saved_emoji.clone().unwrap_or_default(),
            expiration: memory.saved_expiration.unwrap_or(0),
        };
        // A saved status that has expired meanwhile is not brought back.
        if saved.expiration == 0 || saved.expiration > now.timestamp() {
            saved
        } else {
            SlackStatus::default()
        }
    });
    StatusStep {
        // Slack already cleared ours, and they had nothing before: nothing to set.
        set: set.filter(|status| !(expired && status.is_empty())),
        memory: Some(StatusMemory::default()),
        ..StatusStep::default()
    }
}

/// Emoji and words people use for being away; such a status means "away", not "busy".
const AWAY_EMOJI: &[&str] = &[
    ":palm_tree:",
    ":face_with_thermometer:",
    ":thermometer:",
    ":airplane:",
    ":beach_with_umbrella:",
    ":desert_island:",
    ":sick:",
    ":mask:",
    ":baby:",
    ":house_with_garden:",
    ":sleeping:",
];
const AWAY_WORDS: &[&str] = &[
    "ooo",
    "out of office",
    "vacation",
    "holiday",
    "holidays",
    "sick",
    "leave",
    "pto",
    "off today",
    "away",
];

/// A status that says the person is away (on holiday, sick): theirs to keep, and they count as away.
pub fn looks_away(status: &SlackStatus) -> bool {
    if AWAY_EMOJI.contains(&status.emoji.as_str()) {
        return true;
    }
    let text = status.text.to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    AWAY_WORDS.iter().any(|phrase| {
        let phrase_words: Vec<&str> = phrase.split(' ').collect();
        words
            .windows(phrase_words.len())
            .any(|w| w == phrase_words.as_slice())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(text: &str, emoji: &str) -> SlackStatus {
        SlackStatus {
            text: text.into(),
            emoji: emoji.into(),
            expiration: 0,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    const RESTORE: StatusRule = StatusRule::Restore { expires_at: None };

    fn wanted() -> StatusRule {
        StatusRule::Start {
            wanted: SlackStatus {
                expiration: 5_000,
                ..status("Office hours until 15:00 — drop by", ":door:")
            },
        }
    }

    #[test]
    fn away_statuses_are_recognised_and_busy_ones_are_not() {
        assert!(looks_away(&status("Vacationing", ":palm_tree:")));
        assert!(looks_away(&status("OOO until Monday", ":calendar:")));
        assert!(looks_away(&status("Out of office", "")));
        assert!(looks_away(&status("off sick", ":pill:")));
        assert!(!looks_away(&status("In a meeting", ":calendar:")));
        assert!(!looks_away(&status("Focus time: booo", ":headphones:")));
        assert!(!looks_away(&status("", "")));
    }

    #[test]
    fn start_saves_their_status_then_restore_brings_it_back() {
        let theirs = status("In a meeting", ":calendar:");
        let started = wanted().apply(&StatusMemory::default(), &theirs, at(1_000));
        let shown = started.set.clone().unwrap();
        let memory = started.memory.unwrap();
        assert_eq!(memory.saved_text.as_deref(), Some("In a meeting"));
        let restored = RESTORE.apply(&memory, &shown, at(5_000));
        assert_eq!(restored.set, Some(theirs));
        assert_eq!(restored.memory, Some(StatusMemory::default()));
    }

    #[test]
    fn an_away_status_is_left_alone_and_makes_them_away() {
        let away = SlackStatus {
            expiration: 9_000,
            ..status("Vacation", ":palm_tree:")
        };
        let step = wanted().apply(&StatusMemory::default(), &away, at(1_000));
        assert_eq!(step.set, None);
        assert_eq!(step.away_until, Some(at(9_000)));
        assert!(step.skipped.is_some());
    }

    #[test]
    fn a_status_they_changed_during_the_window_stays() {
        let memory = StatusMemory {
            bot_text: Some("Office hours until 15:00 — drop by".into()),
            ..StatusMemory::default()
        };
        let step = RESTORE.apply(&memory, &status("Lunch", ":pizza:"), at(5_000));
        assert_eq!(step.set, None);
        assert_eq!(step.memory, Some(StatusMemory::default()));
    }

    #[test]
    fn an_expired_saved_status_is_not_brought_back() {
        let memory = StatusMemory {
            saved_text: Some("Back at 2".into()),
            saved_emoji: Some(":clock2:".into()),
            saved_expiration: Some(2_000),
            bot_text: Some("ours".into()),
        };
        let step = RESTORE.apply(&memory, &status("ours", ":door:"), at(5_000));
        assert_eq!(step.set, Some(SlackStatus::default()));
    }

    #[test]
    fn a_status_slack_cleared_at_its_expiry_still_gives_theirs_back() {
        let theirs = status("Working from home", ":house:");
        let started = wanted().apply(&StatusMemory::default(), &theirs, at(1_000));
        let memory = started.memory.unwrap();
        let at_the_end = StatusRule::Restore {
            expires_at: Some(at(5_000)),
        };
        let cleared = SlackStatus::default();
        assert_eq!(
            at_the_end.apply(&memory, &cleared, at(5_000)).set,
            Some(theirs)
        );
        // Before its expiry, an empty status is the person's own doing: it stays.
        assert_eq!(at_the_end.apply(&memory, &cleared, at(4_999)).set, None);
        assert_eq!(RESTORE.apply(&memory, &cleared, at(5_000)).set, None);
        // They had none: Slack's clearing already put that back.
        let none_before = wanted()
            .apply(&StatusMemory::default(), &cleared, at(1_000))
            .memory
            .unwrap();
        assert_eq!(
            at_the_end.apply(&none_before, &cleared, at(5_000)).set,
            None
        );
    }
}
