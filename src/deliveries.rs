//! The reminder kinds, as one contract: for each kind stored in the queue, who composes it and how
//! the scheduler delivers what was composed. A new kind of nudge is added to `KINDS` (and to its
//! owner's `kinds`); the tests below fail until it is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::home::HomeTab;
use crate::nudges::{self, Nudges};
use crate::presence::{self, PresenceService};
use crate::scheduler::{Composed, Composer};
use crate::store::reminders::Reminder;

/// Which module decides what a reminder of a kind says or does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Nudges,
    Presence,
    /// The App Home tab (`home`): drawn from everything the tab shows.
    Home,
}

/// How the scheduler delivers it, through the Slack port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A message: a DM to one recipient, a group DM to several.
    Message,
    /// A change to the recipient's own Slack status.
    Status,
    /// The recipient's App Home tab, published again.
    Home,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub name: &'static str,
    pub owner: Owner,
    pub delivery: Delivery,
}

const fn kind(name: &'static str, owner: Owner, delivery: Delivery) -> Kind {
    Kind {
        name,
        owner,
        delivery,
    }
}

pub const KINDS: &[Kind] = &[
    kind(nudges::kinds::ONE_ON_ONE, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::CONSENT, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::DECLINED, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::ACCEPTED, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::DEBRIEF, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::FEEDBACK, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::REVIEW, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::AGREED, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::CONFERENCE, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::DIGEST, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::NOTIFY, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::LINE_JOINED, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::LINE_PLACED, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::LINE_CALL, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::LINE_SKIP, Owner::Nudges, Delivery::Message),
    kind(
        nudges::kinds::LINE_NOT_TODAY,
        Owner::Nudges,
        Delivery::Message,
    ),
    kind(nudges::kinds::LINE_HELD, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::LINE_OPENED, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::LINE_CLOSED, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::LINE_LATE, Owner::Nudges, Delivery::Message),
    kind(
        nudges::kinds::LINE_SKIPPED,
        Owner::Nudges,
        Delivery::Message,
    ),
    kind(nudges::kinds::LINE_WEEK, Owner::Nudges, Delivery::Message),
    kind(nudges::kinds::HOME, Owner::Home, Delivery::Home),
    kind(
        presence::kinds::STATUS_START,
        Owner::Presence,
        Delivery::Status,
    ),
    kind(
        presence::kinds::STATUS_END,
        Owner::Presence,
        Delivery::Status,
    ),
    kind(
        presence::kinds::CONNECTION_BROKEN,
        Owner::Presence,
        Delivery::Message,
    ),
];

/// The kind named in a stored reminder, if this version knows it.
pub fn kind_of(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// Whether what was composed is what the kind is delivered as: a mix-up is a bug, and is
/// recorded as a failure to compose rather than sent.
fn fits(kind: &Kind, composed: &Composed) -> bool {
    match composed {
        Composed::Cancel(_) => true,
        Composed::Send(_) => kind.delivery == Delivery::Message,
        Composed::Status(_) => kind.delivery == Delivery::Status,
        Composed::Home(_) => kind.delivery == Delivery::Home,
    }
}

pub struct Deliveries {
    pub nudges: Nudges,
    pub presence: PresenceService,
    pub home: HomeTab,
}

impl Deliveries {
    fn checked(kind: &Kind, composed: anyhow::Result<Composed>) -> anyhow::Result<Composed> {
        match composed {
            Ok(composed) if !fits(kind, &composed) => Err(anyhow::anyhow!(
                "{} composed something it is not delivered as ({:?} expected)",
                kind.name,
                kind.delivery
            )),
            other => other,
        }
    }
}

#[async_trait]
impl Composer for Deliveries {
    async fn compose(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<Composed> {
        let Some(kind) = kind_of(&reminder.kind) else {
            return Ok(Composed::Cancel(format!(
                "unknown kind `{}`",
                reminder.kind
            )));
        };
        let composed = match kind.owner {
            Owner::Presence => self.presence.compose(reminder, now).await,
            Owner::Nudges => self.nudges.compose(reminder, now).await,
            Owner::Home => self.home.compose(reminder, now).await,
        };
        Self::checked(kind, composed)
    }

    async fn settled(&self, reminder: &Reminder, now: DateTime<Utc>) -> anyhow::Result<()> {
        match kind_of(&reminder.kind).map(|k| k.owner) {
            Some(Owner::Presence) => Ok(self.presence.settled(reminder).await?),
            Some(Owner::Nudges) => self.nudges.settled(reminder, now).await,
            Some(Owner::Home) | None => Ok(()),
        }
    }

    /// The nudges read in bulk for their share of the batch; presence composes its own (reads
    /// only: the scheduler makes the status changes).
    async fn compose_all(
        &self,
        reminders: &[Reminder],
        now: DateTime<Utc>,
    ) -> Vec<anyhow::Result<Composed>> {
        let owner = |r: &Reminder| kind_of(&r.kind).map(|k| k.owner);
        let nudged: Vec<Reminder> = reminders
            .iter()
            .filter(|r| owner(r) == Some(Owner::Nudges))
            .cloned()
            .collect();
        let mut by_nudges = self.nudges.compose_all(&nudged, now).await.into_iter();
        let mut composed = Vec::with_capacity(reminders.len());
        for reminder in reminders {
            composed.push(match kind_of(&reminder.kind) {
                Some(kind) if kind.owner == Owner::Nudges => {
                    let result = by_nudges
                        .next()
                        .unwrap_or_else(|| Err(anyhow::anyhow!("not composed")));
                    Self::checked(kind, result)
                }
                _ => self.compose(reminder, now).await,
            });
        }
        composed
    }

    async fn settled_all(&self, reminders: &[Reminder], now: DateTime<Utc>) -> anyhow::Result<()> {
        let (mine, theirs): (Vec<Reminder>, Vec<Reminder>) = reminders
            .iter()
            .cloned()
            .partition(|r| kind_of(&r.kind).is_some_and(|k| k.owner == Owner::Presence));
        let mut first_error = None;
        for reminder in &mine {
            if let Err(err) = self.presence.settled(reminder).await {
                tracing::warn!(error = %err, key = %reminder.key, "could not plan the next status change");
                first_error.get_or_insert(anyhow::Error::from(err));
            }
        }
        if let Err(err) = self.nudges.settled_all(&theirs, now).await {
            first_error.get_or_insert(err);
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_owner_and_one_delivery() {
        let all: Vec<&str> = nudges::kinds::ALL
            .iter()
            .chain(presence::kinds::ALL)
            .copied()
            .collect();
        assert_eq!(all.len(), KINDS.len(), "a kind is missing from KINDS");
        for name in all {
            let found = KINDS.iter().filter(|k| k.name == name).count();
            assert_eq!(found, 1, "{name} is listed {found} times");
        }
        for kind in KINDS {
            let owned = match kind.owner {
                Owner::Nudges => nudges::kinds::ALL.contains(&kind.name),
                Owner::Presence => presence::kinds::ALL.contains(&kind.name),
                Owner::Home => kind.name == nudges::kinds::HOME,
            };
            assert!(owned, "{} is not its owner's kind", kind.name);
        }
    }

    #[test]
    fn only_status_kinds_change_statuses() {
        let status = |name: &str| kind_of(name).map(|k| k.delivery);
        assert_eq!(
            status(presence::kinds::STATUS_START),
            Some(Delivery::Status)
        );
        assert_eq!(status(nudges::kinds::ONE_ON_ONE), Some(Delivery::Message));
        assert_eq!(status("no_such_kind"), None);
    }
}
