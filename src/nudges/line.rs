//! Drop in: asking a mentor (joining her line, or holding the question for her next window),
//! leaving, and the mentor's side: her line, calling the next person, Done, Not today and her
//! meeting link. Each writes in one transaction (`store::line`); what people are told later
//! goes through the durable reminder queue (`line_compose`).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::HashMap;

use super::{kinds, reminder, ActionOutcome, NudgeError, Nudges};
use crate::commands::parse::Command;
use crate::commands::Actor;
use crate::directory::{status_of, viewer_of};
use crate::domain::line::{
    late_left, topic_label, typical_visit, week_start, CALL_TIMEOUT_MINUTES, MAX_QUESTION_CHARS,
};
use crate::domain::status::{MentorStatus, Viewer};
use crate::store::line::{Called, Join, Joined, LineEntry};
use crate::store::reminders::{NewReminder, Wanted};
use crate::store::Person;
use crate::views::line::{self as words, InLine, Standing, QUESTION_BLOCK};
use crate::views::{actions, Message};

/// The line commands; `carry_out` routes only these here.
pub(super) async fn command(
    n: &Nudges,
    actor: &Actor,
    viewer: &Viewer,
    command: Command,
) -> Result<Message, NudgeError> {
    Ok(match command {
        Command::Ask { mentor, topic } => {
            match ask(n, actor, viewer, &mentor.id, topic.as_deref(), false).await? {
                Ok(message) | Err(message) => message,
            }
        }
        Command::AskCancel(mentor) => {
            let (team, now) = (actor.team_id.as_str(), n.now());
            let redraw = |e: &LineEntry, _: &[LineEntry]| {
                vec![home_redraw(team, &mentor.id, ("left", e.id), now)]
            };
            let gone = n
                .store
                .leave_line(team, &mentor.id, &actor.user_id, &redraw, now)
                .await?;
            words::left(&mentor.id, gone.is_some())
        }
        Command::Queue => queue(n, actor, viewer).await?,
        Command::Next => next(n, actor).await?,
        Command::Link(url) => link(n, actor, url.as_deref()).await?,
        Command::Late(by) => late(n, actor, by).await?,
        _ => crate::views::replies::internal_error(),
    })
}

/// Where `asker` stands in `line` (in the store's order), given the mentor's state now and
/// what is left of her running late (`late`), which every estimate includes.
pub(super) fn standing_of(
    line: &[LineEntry],
    asker: &str,
    (minutes, late): (&[i64], Duration),
    status: &MentorStatus,
    now: DateTime<Utc>,
) -> Standing {
    let held = Standing::Held {
        opens: status.next.map(|o| o.start),
    };
    let Some(mine) = line.iter().find(|e| e.asker_id == asker) else {
        return held;
    };
    if mine.called_at.is_some() {
        return Standing::Called;
    }
    if !status.is_open() || !mine.waiting_at(now) {
        return held;
    }
    let place = line
        .iter()
        .filter(|e| e.waiting_at(now))
        .position(|e| e.id == mine.id)
        .unwrap_or(0)
        + 1;
    let ahead = place - 1 + usize::from(line.iter().any(|e| e.called_at.is_some()));
    Standing::Waiting {
        place,
        ahead,
        wait: typical_visit(minutes) * i32::try_from(ahead).unwrap_or(i32::MAX) + late,
    }
}

/// Joins `mentor`'s line or holds the question. `Err` is a refusal (nothing written). From the
/// Drop in modal (`by_modal`), the asker's place comes as a DM.
pub(super) async fn ask(
    n: &Nudges,
    actor: &Actor,
    viewer: &Viewer,
    mentor: &str,
    topic: Option<&str>,
    by_modal: bool,
) -> Result<Result<Message, Message>, NudgeError> {
    if mentor == actor.user_id {
        return Ok(Err(words::not_yourself()));
    }
    let (team, now) = (actor.team_id.as_str(), n.now());
    let status = status_of(&n.store.mentor(team, mentor).await?, now);
    if !status.is_open() && status.windows.is_empty() {
        // Someone who joined before the mentor removed every window still has their place:
        // say so, rather than "nothing to join" over a row that is there.
        let line = n.store.line_of(team, mentor).await?;
        let still_in = line.iter().any(|e| e.asker_id == actor.user_id);
        return Ok(Err(words::cannot_be_asked(mentor, still_in)));
    }
    let held = !status.is_open();
    let week = week_if_held(n, team, mentor, held, now).await?;
    let join = Join {
        team_id: team,
        mentor_id: mentor,
        asker_id: &actor.user_id,
        topic,
        held,
    };
    let on_join = |e: &LineEntry, again: bool, line: &[LineEntry]| {
        let mut wanted = vec![
            held_plan(team, mentor, line, &status, now),
            home_redraw(team, mentor, ("joined", e.id), now),
        ];
        // The mentor hears of a new place while she is open; held questions wait for her window.
        if !again && !held {
            let key = format!("line:joined:{team}:{}", e.id);
            wanted.push(one(line_reminder(
                team,
                key,
                kinds::LINE_JOINED,
                mentor,
                e,
                now,
            )));
        }
        if let Some(week) = week.clone().filter(|_| !again) {
            wanted.push(one(week));
        }
        if by_modal {
            let key = format!("line:placed:{team}:{}:{}", e.id, now.timestamp());
            wanted.push(one(line_reminder(
                team,
                key,
                kinds::LINE_PLACED,
                &e.asker_id,
                e,
                now,
            )));
        }
        wanted
    };
    Ok(match n.store.join_line(join, &on_join, now).await? {
        Joined::Full => Err(words::line_full(mentor, held)),
        Joined::InLine {
            again,
            line,
            visit_minutes,
        } => {
            let late = late_left(n.store.late_until(team, mentor, now).await?, now);
            let standing = standing_of(&line, &actor.user_id, (&visit_minutes, late), &status, now);
            let again = again.then_some(topic.is_some());
            Ok(words::standing(viewer, mentor, again, &standing, now))
        }
    })
}

/// A question held for her counts in her Monday DM for this week, visited or not.
async fn week_if_held(
    n: &Nudges,
    team: &str,
    mentor: &str,
    held: bool,
    now: DateTime<Utc>,
) -> Result<Option<NewReminder>, crate::store::StoreError> {
    if !held {
        return Ok(None);
    }
    let tz = n.zone_of(team, mentor).await?;
    Ok(Some(super::line_week::plan(
        team,
        mentor,
        tz,
        n.settings.digest_at,
        now,
    )))
}

/// The person pressing, as a reader (their zone).
async fn viewer(n: &Nudges, actor: &Actor) -> Result<Viewer, crate::store::StoreError> {
    let person = n.store.person(&actor.team_id, &actor.user_id).await?;
    Ok(viewer_of(&person.unwrap_or_else(|| {
        Person::new(&actor.team_id, &actor.user_id)
    })))
}

fn one(reminder: NewReminder) -> Wanted {
    Wanted::one_key(reminder.key.clone(), vec![reminder])
}

/// The mentor's Home tab, drawn again once this is delivered: her line changed without her
/// pressing anything there. Keyed by the change (`what` happened to place `id`, and when), so
/// each change is drawn once; one pending row per mentor (a later change replaces it, and it
/// draws the line as it is then), so a burst of joins is one publish.
pub(super) fn home_redraw(
    team: &str,
    mentor: &str,
    (what, id): (&str, i64),
    now: DateTime<Utc>,
) -> Wanted {
    let prefix = format!("home:{team}:{mentor}:");
    let key = format!("{prefix}{}:{what}:{id}", now.timestamp_millis());
    let redraw = reminder(
        team,
        key,
        kinds::HOME,
        vec![mentor.to_owned()],
        json!({}),
        now,
    );
    Wanted::exactly(prefix, vec![redraw])
}

/// What the people in the mentor's line are told as she closes and opens, and her list of
/// questions as she opens. Each place is told the next announcement it has not heard (its
/// `announced` count: odd, it last heard she closed): that she is open (now, or at her next
/// opening) or that she closed (at the end of this stretch, or now if she already did). Keyed
/// by place and announcement number, so each closing and each opening is told once, however
/// often this is planned again, on any replica, and two in one day are two. The person with
/// her is told once per call as she closes. Settling any of these plans the next.
pub(super) fn held_plan(
    team: &str,
    mentor: &str,
    line: &[LineEntry],
    status: &MentorStatus,
    now: DateTime<Utc>,
) -> Wanted {
    let prefix = format!("line:held:{team}:{mentor}:");
    let open = status.is_open();
    // Closing: at the end of her stretch, or now if she is closed already (`off`, or the
    // window ended while this was being planned).
    let closes = status.presence.until().unwrap_or(now);
    let next = status.next.map(|o| o.start);
    let opens = if open { Some(now) } else { next };
    let mut wanted = Vec::new();
    let mut list = None;
    for e in line {
        if let Some(called) = e.called_at {
            let key = format!("{prefix}with:{}:{}", e.id, called.timestamp());
            wanted.push(line_reminder(
                team,
                key,
                kinds::LINE_CLOSED,
                &e.asker_id,
                e,
                closes,
            ));
            continue;
        }
        let step = e.announced + 1;
        let heard_closed = e.announced % 2 == 1;
        // Told she closed (or held, or put off with Not today): that she is open, once she is
        // and they may be called: now, or at her next opening (Not today pressed while she is
        // open puts them past this stretch, and nothing else may plan again before then).
        let reopens = [opens, next]
            .into_iter()
            .flatten()
            .find(|at| e.not_before.is_none_or(|t| t <= *at));
        let (kind, due) = match (heard_closed, reopens) {
            (true, Some(at)) => (kinds::LINE_OPENED, at),
            // "Not today" told them already that they wait for her next window.
            (false, _) if e.not_before.is_none_or(|t| t <= now) => (kinds::LINE_CLOSED, closes),
            _ => continue,
        };
        // Her list goes with the first of them to be told.
        if kind == kinds::LINE_OPENED && list.is_none_or(|(_, at)| due < at) {
            list = Some((e, due));
        }
        let key = format!("{prefix}{}:{step}", e.id);
        let mut told = line_reminder(team, key, kind, &e.asker_id, e, due);
        told.payload["step"] = json!(step);
        wanted.push(told);
    }
    // Her list, as she opens to the first of them: keyed by that place and announcement.
    if let Some((first, due)) = list {
        let key = format!("{prefix}list:{}:{}", first.id, first.announced + 1);
        wanted.push(line_reminder(
            team,
            key,
            kinds::LINE_HELD,
            mentor,
            first,
            due,
        ));
    }
    Wanted::exactly(prefix, wanted)
}

/// After the mentor's hours moved: what waits for her next window follows them.
pub(super) async fn replan(n: &Nudges, team: &str, mentor: &str) -> Result<(), NudgeError> {
    let now = n.now();
    let line = n.store.line_of(team, mentor).await?;
    let status = status_of(&n.store.mentor(team, mentor).await?, now);
    let plan = held_plan(team, mentor, &line, &status, now);
    n.store
        .reconcile(
            &plan.prefix,
            &plan.reminders,
            "the mentor's hours changed",
            now,
        )
        .await?;
    Ok(())
}

fn line_reminder(
    team: &str,
    key: String,
    kind: &str,
    to: &str,
    e: &LineEntry,
    due: DateTime<Utc>,
) -> NewReminder {
    let payload = json!({
        "line_id": e.id,
        "mentor": e.mentor_id,
        "called_at": e.called_at.map(|t| t.to_rfc3339()),
        "not_before": e.not_before.map(|t| t.to_rfc3339()),
    });
    reminder(team, key, kind, vec![to.to_owned()], payload, due)
}

async fn queue(n: &Nudges, actor: &Actor, viewer: &Viewer) -> Result<Message, NudgeError> {
    let now = n.now();
    let (team, mentor) = (actor.team_id.as_str(), actor.user_id.as_str());
    let line = n.store.line_of(team, mentor).await?;
    let late_until = n.store.late_until(team, mentor, now).await?;
    let rows: Vec<InLine<'_>> = line
        .iter()
        .map(|e| InLine {
            id: e.id,
            asker_id: &e.asker_id,
            topic: e.topic.as_deref(),
            since: e.called_at.unwrap_or(e.joined_at),
            called: e.called_at.is_some(),
            later: e.called_at.is_none() && !e.waiting_at(now),
        })
        .collect();
    Ok(words::queue(viewer, &rows, late_until, now))
}

/// The mentor's line for her Home tab, with the same buttons as `queue` and this week's
/// visits; None while nobody is in it.
pub(super) async fn home_line(
    n: &Nudges,
    actor: &Actor,
    viewer: &Viewer,
) -> Result<Option<Message>, NudgeError> {
    if n.store
        .line_of(&actor.team_id, &actor.user_id)
        .await?
        .is_empty()
    {
        return Ok(None);
    }
    let line = queue(n, actor, viewer).await?;
    let since = week_start(viewer.tz, n.now());
    let week = n
        .store
        .visits_since(&actor.team_id, &actor.user_id, since)
        .await?;
    Ok(Some(words::on_home(line, week)))
}

/// Calls the first person waiting, unless the mentor is with someone: a second press, or a
/// press on another replica, calls nobody else.
async fn next(n: &Nudges, actor: &Actor) -> Result<Message, NudgeError> {
    let (team, mentor, now) = (actor.team_id.as_str(), actor.user_id.as_str(), n.now());
    let status = status_of(&n.store.mentor(team, mentor).await?, now);
    let on_call = |e: &LineEntry, line: &[LineEntry]| {
        let called = e.called_at.map_or(0, |t| t.timestamp());
        let timeout = now + Duration::minutes(CALL_TIMEOUT_MINUTES);
        let call = format!("line:call:{team}:{}:{called}", e.id);
        let skip = format!("line:skip:{team}:{}:{called}", e.id);
        vec![
            one(line_reminder(
                team,
                call,
                kinds::LINE_CALL,
                &e.asker_id,
                e,
                now,
            )),
            one(line_reminder(
                team,
                skip,
                kinds::LINE_SKIP,
                &e.asker_id,
                e,
                timeout,
            )),
            one(line_reminder(
                team,
                format!("line:skipped:{team}:{}:{called}", e.id),
                kinds::LINE_SKIPPED,
                mentor,
                e,
                timeout,
            )),
            held_plan(team, mentor, line, &status, now),
            home_redraw(team, mentor, ("called", e.id), now),
        ]
    };
    Ok(
        match n.store.call_next(team, mentor, &on_call, now).await? {
            Called::Called(e) => words::calling(&e.asker_id, e.topic.as_deref(), e.id),
            Called::Busy(e) => words::still_with(&e.asker_id),
            Called::Empty => words::nobody_waiting(),
        },
    )
}

/// She runs late by `by` from now: stored, so every estimate (on any replica) includes what is
/// left of it until she calls the next person. A second `late` replaces the first (it says how
/// late she is now, not more on top). Everyone waiting is told, each with their new estimate
/// (composed as it goes); a DM still pending from an earlier `late` is replaced.
async fn late(n: &Nudges, actor: &Actor, by: Duration) -> Result<Message, NudgeError> {
    let (team, mentor, now) = (actor.team_id.as_str(), actor.user_id.as_str(), n.now());
    let line = n.store.line_of(team, mentor).await?;
    let told: Vec<Wanted> = line
        .iter()
        .filter(|e| e.waiting_at(now))
        .map(|e| {
            let prefix = format!("line:late:{team}:{}:", e.id);
            let key = format!("{prefix}{}", now.timestamp());
            let mut r = line_reminder(team, key, kinds::LINE_LATE, &e.asker_id, e, now);
            r.payload["late_minutes"] = json!(by.num_minutes());
            Wanted::exactly(prefix, vec![r])
        })
        .collect();
    let count = told.len();
    n.store.set_late(team, mentor, now + by, told, now).await?;
    Ok(words::late_told(count, by))
}

async fn link(n: &Nudges, actor: &Actor, url: Option<&str>) -> Result<Message, NudgeError> {
    let (team, user) = (actor.team_id.as_str(), actor.user_id.as_str());
    let had = n.store.meeting_link(team, user).await?.is_some();
    n.store.set_meeting_link(team, user, url).await?;
    Ok(match url {
        Some(url) => words::link_set(url),
        None => words::link_off(had),
    })
}

/// The line's buttons and Drop in. None: not one of these.
pub(super) async fn action(
    n: &Nudges,
    actor: &Actor,
    action_id: &str,
    value: &str,
) -> Result<Option<ActionOutcome>, NudgeError> {
    let result = match action_id {
        actions::DROP_IN => {
            let now = n.now();
            let status = status_of(&n.store.mentor(&actor.team_id, value).await?, now);
            return Ok(Some(ActionOutcome {
                replace: None,
                modal: Some(words::drop_in_modal(
                    value,
                    status.is_open(),
                    &status.topics,
                )),
            }));
        }
        actions::LINE_HERE => {
            let replace = Some(super::line_call::here(n, actor, value).await?);
            return Ok(Some(ActionOutcome {
                replace,
                modal: None,
            }));
        }
        actions::LINE_NEXT => next(n, actor).await?,
        actions::LINE_DONE => done(n, actor, value.parse().unwrap_or(-1)).await?,
        actions::LINE_NOT_TODAY => not_today(n, actor, value.parse().unwrap_or(-1)).await?,
        _ => return Ok(None),
    };
    // The line the buttons were on is redrawn under what the press did.
    let mut replace = result;
    let viewer = viewer(n, actor).await?;
    replace
        .blocks
        .extend(queue(n, actor, &viewer).await?.blocks);
    Ok(Some(ActionOutcome {
        replace: Some(replace.fit(crate::views::MAX_MESSAGE_BLOCKS)),
        modal: None,
    }))
}

async fn done(n: &Nudges, actor: &Actor, id: i64) -> Result<Message, NudgeError> {
    let (team, mentor, now) = (actor.team_id.as_str(), actor.user_id.as_str(), n.now());
    let topics: Vec<String> = n
        .store
        .mentor(team, mentor)
        .await?
        .windows
        .into_iter()
        .flat_map(|w| w.topics)
        .collect();
    let label = |question: Option<&str>| topic_label(question, &topics);
    let (tz, digest_at) = (n.zone_of(team, mentor).await?, n.settings.digest_at);
    // Every visit of her week plans the same one Monday DM (its key is the week's).
    let on_done = |e: &LineEntry, _: &[LineEntry]| {
        let week = super::line_week::plan(team, mentor, tz, digest_at, now);
        vec![one(week), home_redraw(team, mentor, ("done", e.id), now)]
    };
    Ok(
        match n
            .store
            .finish_visit(team, mentor, id, &label, &on_done, now)
            .await?
        {
            Some(e) => words::visit_done(&e.asker_id, now - e.called_at.unwrap_or(now)),
            None => words::gone_already(),
        },
    )
}

/// "Not today": kept for the mentor's next window, and told so.
async fn not_today(n: &Nudges, actor: &Actor, id: i64) -> Result<Message, NudgeError> {
    let (team, mentor, now) = (actor.team_id.as_str(), actor.user_id.as_str(), n.now());
    let status = status_of(&n.store.mentor(team, mentor).await?, now);
    // Her next opening; with none scheduled, a day from now.
    let until = status
        .next
        .map(|o| o.start)
        .unwrap_or(now + Duration::days(1));
    let on_change = |e: &LineEntry, line: &[LineEntry]| {
        let key = format!("line:not_today:{team}:{}:{}", e.id, now.timestamp());
        vec![
            one(line_reminder(
                team,
                key,
                kinds::LINE_NOT_TODAY,
                &e.asker_id,
                e,
                now,
            )),
            held_plan(team, mentor, line, &status, now),
            home_redraw(team, mentor, ("later", e.id), now),
        ]
    };
    Ok(
        match n
            .store
            .not_today(team, mentor, id, until, &on_change, now)
            .await?
        {
            Some(e) => words::not_today_done(&e.asker_id),
            None => words::gone_already(),
        },
    )
}

/// The Drop in modal, submitted: `Err` names what to correct (or why it was refused).
pub(super) async fn submit(
    n: &Nudges,
    actor: &Actor,
    mentor: &str,
    values: &HashMap<String, String>,
) -> Result<Result<(), HashMap<String, String>>, NudgeError> {
    let question = values
        .get(QUESTION_BLOCK)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty());
    let problem = |text: String| Ok(Err(HashMap::from([(QUESTION_BLOCK.to_owned(), text)])));
    if let Some(q) = question {
        let length = q.chars().count();
        if length > MAX_QUESTION_CHARS {
            return problem(format!(
                "At most {MAX_QUESTION_CHARS} characters, please; that was {length}."
            ));
        }
    }
    let viewer = viewer(n, actor).await?;
    match ask(n, actor, &viewer, mentor, question, true).await? {
        Ok(_) => Ok(Ok(())),
        Err(refused) => problem(refused.fallback.replace(":no_entry_sign: ", "")),
    }
}
