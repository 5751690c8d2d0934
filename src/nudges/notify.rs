//! "Tell me when": `notify @ana` or `notify rust`, and the DM when someone watched opens.
//!
//! Each subscription's DMs are reminders keyed by the subscriber's local date
//! (`notify:<team>:<subscriber>:<id>:<date>`), planned by reconcile for the next `PLAN_DAYS`:
//! when it is made, whenever a watched mentor's hours change (windows, on/off, away, zone), and
//! after each of its DMs is settled. The key makes a second DM the same day impossible; the
//! composer checks again, at delivery, that someone watched is open and the subscriber is at work.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::{kinds, payload_i64, reminder, NudgeError, Nudges};
use crate::commands::parse::{NotifyCommand, NotifyTarget};
use crate::commands::Actor;
use crate::directory::viewer_of;
use crate::domain::notify::{open_now, plan, Target, Watched, MAX_SUBSCRIPTIONS};
use crate::domain::topics::{folded, topic_matches};
use crate::scheduler::Composed;
use crate::store::notify::{notify_prefix, Subscribed, Subscription};
use crate::store::reminders::{NewReminder, Reminder, Wanted};
use crate::store::{Mentor, Person, StoreError};
use crate::views::notify as words;
use crate::views::Message;

/// At most this many topics are suggested when one is not found.
const MAX_SUGGESTED_TOPICS: usize = 15;

pub(super) async fn command(
    n: &Nudges,
    actor: &Actor,
    command: NotifyCommand,
) -> Result<Message, NudgeError> {
    let (team, user) = (actor.team_id.as_str(), actor.user_id.as_str());
    let work = n.settings.work;
    Ok(match command {
        NotifyCommand::List => {
            let held = n.store.subscriptions(team, user).await?;
            let targets: Vec<Target> = held.into_iter().map(|s| s.target).collect();
            words::list(&targets, &work)
        }
        NotifyCommand::Off(target) => {
            let target = target.map(plain_target);
            let gone = n
                .store
                .unsubscribe(team, user, target.as_ref(), n.now())
                .await?;
            words::turned_off(target.as_ref(), gone.len())
        }
        NotifyCommand::Watch(target) => watch(n, actor, target).await?,
    })
}

fn plain_target(target: NotifyTarget) -> Target {
    match target {
        NotifyTarget::Person(user) => Target::Person(user.id),
        NotifyTarget::Topic(topic) => Target::Topic(topic),
    }
}

async fn watch(n: &Nudges, actor: &Actor, asked: NotifyTarget) -> Result<Message, StoreError> {
    let (team, user) = (actor.team_id.as_str(), actor.user_id.as_str());
    let now = n.now();
    if let NotifyTarget::Person(person) = &asked {
        if person.id == user {
            return Ok(words::not_yourself());
        }
        // Slack resolves a real mention to an id; a plain "@word" it could not resolve is nobody we know.
        let known = n.store.person(team, &person.id).await?.is_some();
        if !known && person.label.is_none() && !person.looks_like_slack_id() {
            return Ok(words::unknown_person(&format!("@{}", person.id)));
        }
    }
    let target = plain_target(asked);
    let mentors = n.store.mentors(team, now).await?;
    let watched = watched_of(&target, user, &mentors);
    if let Target::Topic(topic) = &target {
        if watched.is_empty() {
            return Ok(words::no_such_topic(topic, &known_topics(&mentors)));
        }
    }
    let me = n
        .store
        .person(team, user)
        .await?
        .unwrap_or_else(|| Person::new(team, user));
    let viewer = viewer_of(&me);
    let open = open_now(&watched, now);
    // What is open right now the subscriber can see already: the first DM is for the next time.
    let quiet_until = open.iter().map(|o| o.until).max();
    let work = n.settings.work;
    let planned = |sub: &Subscription| wanted(sub, &watched, viewer.tz, n, now);
    let has_hours = watched.iter().any(|w| !w.windows.is_empty()) || !open.is_empty();
    Ok(
        match n
            .store
            .subscribe(
                team,
                user,
                &target,
                quiet_until,
                MAX_SUBSCRIPTIONS,
                &planned,
                now,
            )
            .await?
        {
            Subscribed::New(_) => words::subscribed(&target, &work, &open, &viewer, now, has_hours),
            Subscribed::Already(_) => words::already(&target),
            Subscribed::Full(held) => words::full(held),
        },
    )
}

/// Those a subscription watches, never the subscriber: the person with all their windows, or
/// each mentor with the windows on the topic (matched as `find` matches).
fn watched_of(target: &Target, subscriber: &str, mentors: &[Mentor]) -> Vec<Watched> {
    mentors
        .iter()
        .filter(|m| m.person.user_id != subscriber)
        .filter_map(|m| {
            let windows: Vec<_> = match target {
                Target::Person(id) if *id == m.person.user_id => m.windows.iter().collect(),
                Target::Person(_) => return None,
                Target::Topic(topic) => {
                    let on_it: Vec<_> = m
                        .windows
                        .iter()
                        .filter(|w| w.topics.iter().any(|t| topic_matches(t, topic)))
                        .collect();
                    if on_it.is_empty() {
                        return None;
                    }
                    on_it
                }
            };
            Some(Watched {
                user_id: m.person.user_id.clone(),
                tz: m.person.zone().unwrap_or(Tz::UTC),
                topics: windows.iter().map(|w| w.topics.clone()).collect(),
                windows: windows.into_iter().map(|w| w.window.clone()).collect(),
                manual: m.person.manual,
                away_until: m.person.away_until,
            })
        })
        .collect()
}

/// The topics on anyone's windows, each once, to suggest when one typed is not found.
fn known_topics(mentors: &[Mentor]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for topic in mentors
        .iter()
        .flat_map(|m| m.windows.iter())
        .flat_map(|w| w.topics.iter())
    {
        if seen.len() < MAX_SUGGESTED_TOPICS && !seen.iter().any(|s| folded(s) == folded(topic)) {
            seen.push(topic.clone());
        }
    }
    seen
}

/// The DMs a subscription wants from `now` on, for a subscriber in `tz`.
fn wanted(
    sub: &Subscription,
    watched: &[Watched],
    tz: Tz,
    n: &Nudges,
    now: DateTime<Utc>,
) -> Vec<NewReminder> {
    let prefix = notify_prefix(&sub.team_id, &sub.user_id, sub.id);
    plan(watched, tz, &n.settings.work, sub.quiet_until, now)
        .into_iter()
        .map(|at| {
            reminder(
                &sub.team_id,
                format!("{prefix}{}", at.date),
                kinds::NOTIFY,
                vec![sub.user_id.clone()],
                json!({ "subscription": sub.id }),
                at.at,
            )
        })
        .collect()
}

/// Plans again every subscription `user_id`'s change of hours or zone may concern: those
/// watching them, those watching a topic of their windows, and their own (their working hours
/// moved with their zone). Topic subscriptions on topics they have no window on are left alone,
/// so the work grows with who watches them, not with the workspace. A DM planned on a window
/// they have just removed is not moved here: the composer finds nobody watched open at its time
/// and cancels it, and settling it plans that subscription again.
pub(super) async fn replan_for(n: &Nudges, team_id: &str, user_id: &str) -> Result<(), StoreError> {
    let theirs = n.store.mentor(team_id, user_id).await?;
    let mut subs: Vec<Subscription> = n
        .store
        .subscriptions_watching(team_id, user_id)
        .await?
        .into_iter()
        .filter(|sub| match &sub.target {
            Target::Person(_) => true,
            Target::Topic(topic) => theirs
                .windows
                .iter()
                .any(|w| w.topics.iter().any(|t| topic_matches(t, topic))),
        })
        .collect();
    for own in n.store.subscriptions(team_id, user_id).await? {
        if !subs.iter().any(|s| s.id == own.id) {
            subs.push(own);
        }
    }
    replan(n, team_id, &subs).await
}

/// Plans these subscriptions (of one workspace) again, in one transaction.
async fn replan(n: &Nudges, team_id: &str, subs: &[Subscription]) -> Result<(), StoreError> {
    if subs.is_empty() {
        return Ok(());
    }
    let now = n.now();
    let mentors = watchable(n, team_id, subs, now).await?;
    let mut ids: Vec<String> = subs.iter().map(|s| s.user_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let people = n.store.people(team_id, &ids).await?;
    let zone_of = |user: &str| {
        people
            .iter()
            .find(|p| p.user_id == user)
            .map_or(Tz::UTC, |p| viewer_of(p).tz)
    };
    let groups: Vec<Wanted> = subs
        .iter()
        .map(|sub| {
            let watched = watched_of(&sub.target, &sub.user_id, &mentors);
            let reminders = wanted(sub, &watched, zone_of(&sub.user_id), n, now);
            Wanted::exactly(notify_prefix(team_id, &sub.user_id, sub.id), reminders)
        })
        .collect();
    n.store.reconcile_all(&groups, "replanned", now).await?;
    Ok(())
}

/// The mentors `subs` may watch: only the people watched, unless one of them watches a topic
/// (then everyone, as any mentor may have a window on it).
async fn watchable(
    n: &Nudges,
    team_id: &str,
    subs: &[Subscription],
    now: DateTime<Utc>,
) -> Result<Vec<Mentor>, StoreError> {
    let mut people = Vec::new();
    for sub in subs {
        match &sub.target {
            Target::Topic(_) => return n.store.mentors(team_id, now).await,
            Target::Person(id) if !people.contains(id) => people.push(id.clone()),
            Target::Person(_) => {}
        }
    }
    let mut mentors = Vec::with_capacity(people.len());
    for id in &people {
        mentors.push(n.store.mentor(team_id, id).await?);
    }
    Ok(mentors)
}

/// After one of its DMs is settled (sent or not), the subscription's next days are planned.
pub(super) async fn plan_after(n: &Nudges, reminder: &Reminder) -> Result<(), StoreError> {
    let Some(id) = payload_i64(reminder, "subscription") else {
        return Ok(());
    };
    match n.store.subscription(&reminder.team_id, id).await? {
        Some(sub) => replan(n, &reminder.team_id, &[sub]).await,
        None => Ok(()),
    }
}

/// The DM, if someone watched is open now and the subscriber is at work; else why not.
pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let team = reminder.team_id.as_str();
    let Some(id) = payload_i64(reminder, "subscription") else {
        return Ok(Composed::Cancel(
            "a notify without its subscription".to_owned(),
        ));
    };
    let Some(sub) = n.store.subscription(team, id).await? else {
        return Ok(Composed::Cancel(
            "the subscription was turned off".to_owned(),
        ));
    };
    if reminder.recipients != [sub.user_id.clone()] {
        return Ok(Composed::Cancel("not the subscriber's".to_owned()));
    }
    let me = n
        .store
        .person(team, &sub.user_id)
        .await?
        .unwrap_or_else(|| Person::new(team, &sub.user_id));
    let viewer = viewer_of(&me);
    if !n.settings.work.is_working(viewer.tz, now) {
        return Ok(Composed::Cancel(
            "outside the subscriber's working hours".to_owned(),
        ));
    }
    let mentors = n.store.mentors(team, now).await?;
    let open = open_now(&watched_of(&sub.target, &sub.user_id, &mentors), now);
    if open.is_empty() {
        return Ok(Composed::Cancel(
            "nobody watched is open any more".to_owned(),
        ));
    }
    Ok(Composed::Send(words::opened(
        &sub.target,
        &open,
        &viewer,
        now,
    )))
}
