//! Drop in's reminders, composed from the line as it is when they are due: a place that is
//! gone, or a call that was answered, is cancelled rather than sent.

use chrono::{DateTime, Utc};

use super::line::standing_of;
use super::{kinds, payload_i64, payload_str, Nudges};
use crate::directory::{status_of, viewer_of};
use crate::domain::line::late_left;
use crate::domain::status::{MentorStatus, Viewer};
use crate::scheduler::Composed;
use crate::store::line::LineEntry;
use crate::store::reminders::Reminder;
use crate::store::{Person, StoreError};
use crate::views::line::{self as words, Standing};

fn instant(reminder: &Reminder, field: &str) -> Option<DateTime<Utc>> {
    payload_str(reminder, field)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let team = reminder.team_id.as_str();
    let (Some(id), Some(mentor), [to]) = (
        payload_i64(reminder, "line_id"),
        payload_str(reminder, "mentor"),
        reminder.recipients.as_slice(),
    ) else {
        return Ok(Composed::Cancel("malformed line reminder".to_owned()));
    };
    if reminder.kind == kinds::LINE_SKIP || reminder.kind == kinds::LINE_SKIPPED {
        let Some(called_at) = instant(reminder, "called_at") else {
            return Ok(Composed::Cancel("malformed line reminder".to_owned()));
        };
        // Either reminder may come first: the skip is made once, and both recognise it.
        if !n.store.skip_call(team, id, called_at, now).await? {
            return Ok(Composed::Cancel("the call was answered".to_owned()));
        }
        // Back in line: what waits for her next window now includes them, and her Home tab
        // shows it.
        if let Err(err) = super::line::replan(n, team, mentor).await {
            tracing::warn!(error = %err, "could not replan the line after a skip");
        }
        let redraw = super::line::home_redraw(team, mentor, ("skipped", id), now);
        n.store
            .reconcile(&redraw.prefix, &redraw.reminders, "drawn again", now)
            .await?;
        return Ok(Composed::Send(if reminder.kind == kinds::LINE_SKIP {
            words::skipped_dm(mentor)
        } else {
            words::skipped_mentor_dm(to)
        }));
    }
    if reminder.kind == kinds::LINE_HELD {
        return held_list(n, team, mentor, now).await;
    }
    let Some(entry) = n.store.line_entry(team, id).await? else {
        return Ok(Composed::Cancel("no longer in line".to_owned()));
    };
    compose_about(n, reminder, &entry, (mentor, to), now).await
}

/// A reminder about one place in line that is still there.
async fn compose_about(
    n: &Nudges,
    reminder: &Reminder,
    entry: &LineEntry,
    (mentor, to): (&str, &str),
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let team = reminder.team_id.as_str();
    let reader = n
        .store
        .person(team, to)
        .await?
        .unwrap_or_else(|| Person::new(team, to));
    let viewer = viewer_of(&reader);
    let status = status_of(&n.store.mentor(team, mentor).await?, now);
    Ok(match reminder.kind.as_str() {
        kinds::LINE_JOINED => {
            let line = n.store.line_of(team, mentor).await?;
            let waiting = line.iter().filter(|e| e.waiting_at(now)).count();
            Composed::Send(words::joined_dm(
                &entry.asker_id,
                entry.topic.as_deref(),
                waiting,
            ))
        }
        kinds::LINE_CALL
            if entry.called_at.is_some() && entry.called_at == instant(reminder, "called_at") =>
        {
            let link = n.store.meeting_link(team, mentor).await?;
            let called = entry.called_at.map_or(0, |t| t.timestamp());
            Composed::Send(words::call_dm(
                mentor,
                link.as_deref(),
                format!("{}:{called}", entry.id),
            ))
        }
        kinds::LINE_CALL => Composed::Cancel("the call is over".to_owned()),
        kinds::LINE_NOT_TODAY => Composed::Send(words::not_today_dm(
            &viewer,
            mentor,
            instant(reminder, "not_before"),
        )),
        kinds::LINE_OPENED | kinds::LINE_CLOSED => {
            told_open_or_closed(n, reminder, entry, (&viewer, &status), now).await?
        }
        kinds::LINE_LATE | kinds::LINE_PLACED => {
            let line = n.store.line_of(team, mentor).await?;
            let minutes = n.store.visit_minutes(team, mentor).await?;
            // The stored delay, as every other estimate has it (it already includes this `late`).
            let left = late_left(n.store.late_until(team, mentor, now).await?, now);
            let standing = standing_of(&line, to, (&minutes, left), &status, now);
            if reminder.kind == kinds::LINE_PLACED {
                return Ok(Composed::Send(words::standing(
                    &viewer, mentor, None, &standing, now,
                )));
            }
            // How late she runs now (a later `late` replaced the one this was for).
            match standing {
                _ if left <= chrono::Duration::zero() => Composed::Cancel(
                    "no longer late: they called the next person, or the delay passed".to_owned(),
                ),
                Standing::Waiting { .. } => {
                    Composed::Send(words::late_dm(&viewer, mentor, left, &standing, now))
                }
                _ => Composed::Cancel("no longer waiting".to_owned()),
            }
        }
        other => Composed::Cancel(format!("unknown line reminder `{other}`")),
    })
}

/// That the mentor opened or closed, to someone in her line; or, as she closes, to the person
/// with her (the visit goes on until she presses Done).
async fn told_open_or_closed(
    n: &Nudges,
    reminder: &Reminder,
    entry: &LineEntry,
    (viewer, status): (&Viewer, &MentorStatus),
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let mentor = status.user_id.as_str();
    Ok(match reminder.kind.as_str() {
        kinds::LINE_OPENED if status.is_open() && entry.waiting_at(now) => {
            match announced(n, reminder, entry).await? {
                true => Composed::Send(words::opened_dm(status, entry.topic.as_deref())),
                false => Composed::Cancel("they were told already".to_owned()),
            }
        }
        kinds::LINE_CLOSED if !status.is_open() && entry.called_at.is_none() => {
            match announced(n, reminder, entry).await? {
                true => Composed::Send(words::closed_dm(
                    viewer,
                    mentor,
                    status.next.map(|o| o.start),
                )),
                false => Composed::Cancel("they were told already".to_owned()),
            }
        }
        // With her as she closes: the visit goes on until she presses Done.
        kinds::LINE_CLOSED
            if !status.is_open()
                && entry.called_at.is_some()
                && entry.called_at == instant(reminder, "called_at") =>
        {
            Composed::Send(words::closed_while_with_dm(mentor))
        }
        _ => Composed::Cancel("the mentor is not open after all, or is still open".to_owned()),
    })
}

/// Records the announcement the reminder is for on the place (so the next one is planned
/// with the next number); false if the place has moved past it. A reminder planned before
/// announcements were numbered is sent as it is, and counts as the next one if it is the
/// kind the place awaits (else its number would be planned and sent a second time).
async fn announced(n: &Nudges, reminder: &Reminder, entry: &LineEntry) -> Result<bool, StoreError> {
    let step = match payload_i64(reminder, "step") {
        Some(step) => step,
        None => {
            let heard_closed = entry.announced % 2 == 1;
            if heard_closed != (reminder.kind == kinds::LINE_OPENED) {
                return Ok(true);
            }
            entry.announced + 1
        }
    };
    n.store.announce(&reminder.team_id, entry.id, step).await
}

/// To the mentor as her window opens: what was asked while she was closed, in order.
async fn held_list(
    n: &Nudges,
    team: &str,
    mentor: &str,
    now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let status = status_of(&n.store.mentor(team, mentor).await?, now);
    if !status.is_open() {
        return Ok(Composed::Cancel(
            "the mentor isn't open after all".to_owned(),
        ));
    }
    let line = n.store.line_of(team, mentor).await?;
    let waiting: Vec<(&str, Option<&str>)> = line
        .iter()
        .filter(|e| e.waiting_at(now))
        .map(|e| (e.asker_id.as_str(), e.topic.as_deref()))
        .collect();
    if waiting.is_empty() {
        return Ok(Composed::Cancel("nobody is waiting any more".to_owned()));
    }
    Ok(Composed::Send(words::held_dm(&waiting)))
}
