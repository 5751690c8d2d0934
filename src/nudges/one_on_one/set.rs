//! `/officehours 1on1 @report every n weeks [on <day> <time>]`: a new 1:1, a changed one, one
//! restarted, or the same one again (nothing changes). A declined one stays declined.

use chrono::{Duration, Weekday};
use chrono_tz::Tz;

use super::plan::{self, Replan};
use super::MAX_INVITES_PER_DAY;
use super::{busy, cadence_of, label_of, next_label, weekday_index, ATTEMPTS};
use crate::commands::parse::UserRef;
use crate::commands::Actor;
use crate::domain::cadence::Cadence;
use crate::domain::time_of_day::TimeOfDay;
use crate::nudges::{NudgeError, Nudges};
use crate::store::nudges::{CadenceRecord, CadenceSchedule, CadenceStatus, MeetingRecord};
use crate::store::one_on_one::{CadenceChange, InviteLimit, OneOnOneWrite, Saved};
use crate::store::StoreError;
use crate::views::replies::{simple, with_hint};
use crate::views::Message;

/// What setting the cadence does, given the pair's row as read.
#[derive(Debug, Clone, Copy)]
enum Change<'a> {
    New,
    /// The same schedule, still on: nothing changes (a plan left broken is repaired).
    Same(&'a CadenceRecord),
    Replace(&'a CadenceRecord),
    Restart(&'a CadenceRecord),
    /// The report declined: nothing changes until they accept.
    Declined(&'a CadenceRecord),
}

/// The same days and time, and for every n weeks the same weeks.
fn same_schedule(record: &CadenceRecord, wanted: &Cadence) -> bool {
    let stride = 7 * i64::from(wanted.every_weeks.max(1));
    record.every_weeks == wanted.every_weeks
        && record.weekday == weekday_index(wanted.weekday)
        && record.at_minute == wanted.at.minutes()
        && (wanted.anchor - record.anchor)
            .num_days()
            .rem_euclid(stride)
            == 0
}

fn change_of<'a>(before: Option<&'a CadenceRecord>, wanted: &Cadence) -> Change<'a> {
    match before {
        None => Change::New,
        Some(r) if r.status == CadenceStatus::Declined => Change::Declined(r),
        Some(r) if r.status == CadenceStatus::Stopped => Change::Restart(r),
        Some(r) if same_schedule(r, wanted) => Change::Same(r),
        Some(r) => Change::Replace(r),
    }
}

fn schedule_of(cadence: &Cadence) -> CadenceSchedule {
    CadenceSchedule {
        every_weeks: cadence.every_weeks,
        weekday: weekday_index(cadence.weekday),
        at_minute: cadence.at.minutes(),
        anchor: cadence.anchor,
    }
}

/// Who the 1:1 is between, and in which zones.
struct Pair<'a> {
    actor: &'a Actor,
    report: &'a UserRef,
    tz: Tz,
    /// The report's zone, if the bot knows it.
    report_tz: Option<Tz>,
}

pub(super) async fn set(
    n: &Nudges,
    actor: &Actor,
    report: &UserRef,
    every_weeks: u8,
    on: Option<(Weekday, TimeOfDay)>,
) -> Result<Message, NudgeError> {
    if report.id == actor.user_id {
        return Ok(simple(":thinking_face: A 1:1 needs two people: mention your report, e.g. `/officehours 1on1 @ana every 2 weeks on tue 10:00`."));
    }
    let now = n.now();
    let tz = n.zone_of(&actor.team_id, &actor.user_id).await?;
    let cadence = match on {
        Some((weekday, at)) => Cadence::starting(every_weeks, weekday, at, tz, now),
        None => Cadence::from_now(every_weeks, tz, now),
    };
    let cadence = match cadence {
        Ok(cadence) => cadence,
        Err(err) => return Ok(simple(format!(":thinking_face: {err}"))),
    };
    let report_tz = n
        .store
        .person(&actor.team_id, &report.id)
        .await?
        .and_then(|p| p.zone());
    let pair = Pair {
        actor,
        report,
        tz,
        report_tz,
    };
    for _ in 0..ATTEMPTS {
        let before = n
            .store
            .cadence_for(&actor.team_id, &actor.user_id, &report.id)
            .await?;
        let change = change_of(before.as_ref(), &cadence);
        if let Change::Declined(_) = change {
            return Ok(declined(actor, report));
        }
        // First, so that a failure leaves nothing but a digest with nothing to say.
        n.ensure_digest(&actor.team_id, &actor.user_id).await?;
        match save(n, &pair, change, &cadence).await? {
            Saved::Saved { cadence, meetings } => {
                return Ok(reply(n, &pair, change, &cadence, &meetings));
            }
            Saved::Limited { sent } => return Ok(limited(sent)),
            Saved::Stale => continue,
        }
    }
    Ok(busy())
}

/// One transaction: the cadence, its meetings, their reminders and (unless nothing changed) the
/// report's notice, within the daily limit on notices.
async fn save(
    n: &Nudges,
    pair: &Pair<'_>,
    change: Change<'_>,
    wanted: &Cadence,
) -> Result<Saved, StoreError> {
    let now = n.now();
    let (team, manager) = (&pair.actor.team_id, &pair.actor.user_id);
    let (cadence, how, meetings) = match change {
        Change::Same(r) => (
            cadence_of(r).unwrap_or(*wanted),
            Replan::Continue,
            n.store.meetings_of(r.id).await?,
        ),
        Change::Replace(r) | Change::Restart(r) | Change::Declined(r) => {
            (*wanted, Replan::Fresh, n.store.meetings_of(r.id).await?)
        }
        Change::New => (*wanted, Replan::Fresh, Vec::new()),
    };
    let schedule = schedule_of(&cadence);
    let status = CadenceStatus::Active;
    let cadence_change = match change {
        Change::New => CadenceChange::Create {
            team_id: team,
            manager_id: manager,
            report_id: &pair.report.id,
            schedule,
            status,
        },
        Change::Same(was) | Change::Replace(was) | Change::Restart(was) | Change::Declined(was) => {
            CadenceChange::Update {
                was,
                schedule,
                status,
            }
        }
    };
    let tell = !matches!(change, Change::Same(_));
    let report_tz = pair.report_tz.unwrap_or(Tz::UTC);
    let plan = |record: &CadenceRecord, meetings: &[MeetingRecord]| {
        if !tell {
            // The plan is confirmed, not changed: what is pending stays as it was planned.
            let mut confirmed = plan::meeting_reminders(n, record, meetings, None);
            confirmed.keep_pending = true;
            return vec![confirmed];
        }
        let (notice, due) = plan::notice(n, record, meetings, report_tz);
        let after = due + Duration::minutes(1);
        vec![
            plan::meeting_reminders(n, record, meetings, Some(after)),
            notice,
        ]
    };
    let write = OneOnOneWrite {
        cadence: cadence_change,
        meetings: plan::replan(
            Some((&cadence, pair.tz)),
            &meetings,
            n.settings.lead,
            now,
            how,
        ),
        limit: tell.then(|| InviteLimit {
            prefix: plan::invites_prefix(team, manager),
            since: now - Duration::hours(24),
            max: MAX_INVITES_PER_DAY,
        }),
        reminders: &plan,
        reason: "the 1:1 schedule changed",
    };
    n.store.save_one_on_one(&write, now).await
}

fn declined(actor: &Actor, report: &UserRef) -> Message {
    with_hint(
        format!(
            ":no_entry_sign: <@{}> declined your 1:1s, so I won't ask them again. Nothing was changed.",
            report.id
        ),
        &format!(
            "They can still accept, from their Home tab or with `/officehours 1on1 accept <@{}>`.",
            actor.user_id
        ),
    )
}

fn limited(sent: i64) -> Message {
    with_hint(
        format!(
            ":raised_hand: You've sent {sent} 1:1 invitations in the last 24 hours, and {MAX_INVITES_PER_DAY} a day is the most I send for one person. Nothing was changed."
        ),
        "Try again tomorrow. (Setting up, changing or restarting a 1:1 tells the report, so each counts.)",
    )
}

/// "that's 04:00 for @bob": when the first meeting is outside the report's working time.
fn their_time(n: &Nudges, pair: &Pair<'_>, meetings: &[MeetingRecord]) -> String {
    let (Some(report_tz), Some(first)) = (pair.report_tz, plan::next_planned(meetings, n.now()))
    else {
        return String::new();
    };
    if n.settings.work.is_working(report_tz, first.starts_at) {
        return String::new();
    }
    let theirs = first.starts_at.with_timezone(&report_tz);
    let format = if theirs.date_naive() == first.starts_at.with_timezone(&pair.tz).date_naive() {
        "%H:%M"
    } else {
        "%a %H:%M"
    };
    format!(
        " Heads-up: that's {} for <@{}> ({}), outside their working hours.",
        theirs.format(format),
        pair.report.id,
        report_tz.name()
    )
}

fn reply(
    n: &Nudges,
    pair: &Pair<'_>,
    change: Change<'_>,
    record: &CadenceRecord,
    meetings: &[MeetingRecord],
) -> Message {
    let (report, tz, now) = (&pair.report.id, pair.tz, n.now());
    let label = label_of(record);
    if let Change::Same(_) = change {
        return simple(format!(
            ":calendar: Nothing changed: your 1:1s with <@{report}> are already {label} ({}).{}",
            tz.name(),
            next_label(meetings, now, tz, " Next one: ")
        ));
    }
    let what = match change {
        Change::Replace(old) => format!(
            " This replaces your 1:1 with <@{report}> {}.",
            label_of(old)
        ),
        Change::Restart(_) => " This restarts the 1:1s you had stopped.".to_owned(),
        _ => String::new(),
    };
    let mut first = next_label(meetings, now, tz, " First one: ");
    if !first.is_empty() {
        first.push('.');
    }
    with_hint(
        format!(
            ":calendar: 1:1 with <@{report}> {label} ({}).{first}{what}{}",
            tz.name(),
            their_time(n, pair, meetings)
        ),
        &format!(
            "You'll both get a reminder {} before each one, with a big-picture question. <@{report}> will hear about it and can decline.",
            lead_label(n.settings.lead),
        ),
    )
}

fn lead_label(lead: Duration) -> String {
    if lead.is_zero() {
        "at the start".to_owned()
    } else {
        crate::domain::duration::duration_label(lead)
    }
}
