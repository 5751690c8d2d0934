//! The read model behind "who is open": each workspace's mentors held in memory, their statuses
//! computed once per change of the schedule, so `/officehours` answers without a database read.
//!
//! Freshness: every write to people or windows moves the workspace's counter in the database (a
//! trigger, in the writing transaction). This process re-reads a workspace when its own commands
//! wrote to it (read-your-writes), and `run` polls the counters to pick up other replicas' and
//! other modules' writes within `REFRESH_EVERY`.

pub mod board;

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::domain::status::{MentorStatus, Viewer, ZoneSource};
use crate::store::{Mentor, Person, Store, StoreError};
use crate::views::Message;
pub use board::Snapshot;
pub(crate) use board::{in_list_order, status_of, viewer_of};

/// How stale another replica's write may look here.
pub const REFRESH_EVERY: Duration = Duration::from_secs(1);
/// People who asked something, kept per workspace; past this the cache starts over.
const MAX_CACHED_PEOPLE: usize = 50_000;

#[derive(Clone)]
pub struct Directory {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    teams: RwLock<HashMap<String, Arc<Team>>>,
    /// One load at a time: a burst of requests for a workspace not loaded yet reads it once.
    loading: tokio::sync::Mutex<()>,
}

/// One workspace as of one directory revision.
struct Team {
    revision: i64,
    mentors: Vec<Mentor>,
    snapshot: RwLock<Option<Snapshot>>,
    /// Those who asked, looked up once per revision; `None` is someone the bot has never stored.
    people: RwLock<HashMap<String, Option<Arc<Person>>>>,
    answers: RwLock<Answers>,
}

/// "Who is open" as rendered for each kind of reader, for one snapshot and one minute. The answer
/// depends on the clock only through which local day an instant falls on, and every zone's
/// midnight falls on a whole UTC minute, so within a minute readers in one zone read the same.
#[derive(Default)]
struct Answers {
    of: Option<(DateTime<Utc>, i64)>,
    by_reader: HashMap<(chrono_tz::Tz, ZoneSource), Arc<Message>>,
}

impl Team {
    fn snapshot_at(&self, now: DateTime<Utc>) -> Snapshot {
        if let Some(snapshot) = read(&self.snapshot).as_ref().filter(|s| s.holds_at(now)) {
            return snapshot.clone();
        }
        let fresh = Snapshot::of(&self.mentors, now);
        *write(&self.snapshot) = Some(fresh.clone());
        fresh
    }
}

impl Directory {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                teams: RwLock::default(),
                loading: tokio::sync::Mutex::default(),
            }),
        }
    }

    /// Every mentor's status at `now`, in the order "who is open" lists them.
    pub async fn statuses(
        &self,
        team_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Arc<[MentorStatus]>, StoreError> {
        Ok(self.team(team_id).await?.snapshot_at(now).statuses)
    }

    /// An answer made from everyone's statuses for this reader at `now`: rendered once per zone
    /// and minute while the statuses hold, then copied. `render` must not depend on who the
    /// reader is beyond their zone and its source, nor on `now` beyond the minute.
    pub async fn answer(
        &self,
        team_id: &str,
        viewer: &Viewer,
        now: DateTime<Utc>,
        render: impl FnOnce(&[MentorStatus]) -> Message,
    ) -> Result<Arc<Message>, StoreError> {
        let team = self.team(team_id).await?;
        let snapshot = team.snapshot_at(now);
        let of = Some((snapshot.at, now.timestamp().div_euclid(60)));
        let reader = (viewer.tz, viewer.zone_source);
        {
            let answers = read(&team.answers);
            if answers.of == of {
                if let Some(message) = answers.by_reader.get(&reader) {
                    return Ok(message.clone());
                }
            }
        }
        let message = Arc::new(render(&snapshot.statuses));
        let mut answers = write(&team.answers);
        if answers.of != of {
            answers.by_reader.clear();
            answers.of = of;
        }
        answers.by_reader.insert(reader, message.clone());
        Ok(message)
    }

    /// The person as stored (an empty record for someone never seen), for their zone.
    pub async fn person(&self, team_id: &str, user_id: &str) -> Result<Arc<Person>, StoreError> {
        let team = self.team(team_id).await?;
        if let Some(known) = read(&team.people).get(user_id) {
            return Ok(known
                .clone()
                .unwrap_or_else(|| Arc::new(Person::new(team_id, user_id))));
        }
        let stored = self
            .inner
            .store
            .person(team_id, user_id)
            .await?
            .map(Arc::new);
        let mut people = write(&team.people);
        if people.len() >= MAX_CACHED_PEOPLE {
            people.clear();
        }
        people.insert(user_id.to_owned(), stored.clone());
        Ok(stored.unwrap_or_else(|| Arc::new(Person::new(team_id, user_id))))
    }

    /// The person as already held, without waiting for a load or a read: `None` when this
    /// process has not looked them up since the workspace last changed.
    pub fn held_person(&self, team_id: &str, user_id: &str) -> Option<Option<Arc<Person>>> {
        let team = self.held(team_id)?;
        let people = read(&team.people);
        people.get(user_id).cloned()
    }

    /// After a write from this process: re-reads the workspace if its counter moved, so the writer
    /// sees their change at once.
    pub async fn refresh(&self, team_id: &str) -> Result<(), StoreError> {
        let Some(held) = self.held(team_id) else {
            return Ok(());
        };
        let revision = self.inner.store.directory_revision(team_id).await?;
        if revision != held.revision {
            self.load(team_id, Some(revision)).await?;
        }
        Ok(())
    }

    /// Re-reads every held workspace whose counter moved (another replica, another module wrote).
    pub async fn refresh_all(&self) -> Result<usize, StoreError> {
        // A replica that holds no workspace (idle, or serving none yet) has nothing to compare:
        // with a thousand workspaces installed, reading every counter each second was the one
        // idle cost that grew with them.
        if read(&self.inner.teams).is_empty() {
            return Ok(0);
        }
        let revisions = self.inner.store.directory_revisions().await?;
        let mut reloaded = 0;
        for (team_id, revision) in revisions {
            if let Some(held) = self.held(&team_id) {
                if held.revision != revision {
                    self.load(&team_id, Some(revision)).await?;
                    reloaded += 1;
                }
            }
        }
        Ok(reloaded)
    }

    /// Polls the counters until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut every = tokio::time::interval(REFRESH_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {
                    match self.refresh_all().await {
                        Ok(0) => {}
                        Ok(reloaded) => tracing::debug!(reloaded, "directory refreshed"),
                        Err(err) => tracing::warn!(error = %err, "could not refresh the directory"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    }

    fn held(&self, team_id: &str) -> Option<Arc<Team>> {
        read(&self.inner.teams).get(team_id).cloned()
    }

    async fn team(&self, team_id: &str) -> Result<Arc<Team>, StoreError> {
        match self.held(team_id) {
            Some(team) => Ok(team),
            None => self.load(team_id, None).await,
        }
    }

    /// Reads the workspace, unless a copy at least as new as revision `seen` is held by now
    /// (another caller loaded it while this one waited). Counters only ever grow.
    async fn load(&self, team_id: &str, seen: Option<i64>) -> Result<Arc<Team>, StoreError> {
        let _one_at_a_time = self.inner.loading.lock().await;
        if let Some(held) = self.held(team_id) {
            if seen.is_none_or(|seen| held.revision >= seen) {
                return Ok(held);
            }
        }
        // The counter first: a write landing between the two reads makes the next check reload
        // again, instead of leaving its change unseen under a counter that already counts it.
        let revision = self.inner.store.directory_revision(team_id).await?;
        let now = self.inner.clock.now();
        let mentors = self.inner.store.mentors(team_id, now).await?;
        let team = Arc::new(Team {
            revision,
            mentors,
            snapshot: RwLock::default(),
            people: RwLock::default(),
            answers: RwLock::default(),
        });
        write(&self.inner.teams).insert(team_id.to_owned(), team.clone());
        Ok(team)
    }
}

// A panic while holding one of these locks leaves plain data behind, still worth reading.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
