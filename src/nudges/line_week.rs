//! Drop in, what it adds up to: a mentor's Monday DM about her last week of office hours
//! ("6 drop-ins, 2 questions held, median wait 7 minutes, most asked: career"). Planned when a
//! visit ends or a question is held for her, keyed by mentor and ISO week in her zone, so
//! everything of a week plans the same one reminder and it is sent once; composed from the visit log when it is due, so what it says
//! is what the log holds then (a visitor who said `forget me` is no longer counted).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::json;

use super::{kinds, payload_str, reminder, Nudges};
use crate::domain::digest_time::DigestAt;
use crate::domain::line::{median, most_asked};
use crate::domain::tzmath::resolve_local;
use crate::scheduler::Composed;
use crate::store::line::VisitRecord;
use crate::store::reminders::{NewReminder, Reminder};
use crate::store::StoreError;
use crate::views::{Block, Message};

/// The local week (Monday to Monday, in `tz`) that `t` falls in, as instants, and its ISO name.
fn week_of(tz: Tz, t: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>, String) {
    let date = t.with_timezone(&tz).date_naive();
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let start = |d: NaiveDate| resolve_local(tz, d.and_time(chrono::NaiveTime::MIN));
    let week = date.iso_week();
    (
        start(monday),
        start(monday + Duration::days(7)),
        format!("{}-W{:02}", week.year(), week.week()),
    )
}

/// The mentor's Monday DM for the week a visit ended in (`ended`, in her zone `tz`): due the
/// following Monday at the digest's time of day, in her zone.
pub(super) fn plan(
    team: &str,
    mentor: &str,
    tz: Tz,
    digest_at: DigestAt,
    ended: DateTime<Utc>,
) -> NewReminder {
    let (from, to, week) = week_of(tz, ended);
    let monday = DigestAt {
        weekday: Weekday::Mon,
        at: digest_at.at,
    };
    // The first Monday at that time from the week's end on (strictly after one second before).
    let due = monday.next_after(tz, to - Duration::seconds(1));
    reminder(
        team,
        format!("line_week:{team}:{mentor}:{week}"),
        kinds::LINE_WEEK,
        vec![mentor.to_owned()],
        json!({ "from": from.to_rfc3339(), "to": to.to_rfc3339(), "week": week }),
        due,
    )
}

pub(super) async fn compose(
    n: &Nudges,
    reminder: &Reminder,
    _now: DateTime<Utc>,
) -> Result<Composed, StoreError> {
    let [mentor] = reminder.recipients.as_slice() else {
        return Ok(Composed::Cancel(
            "a week's summary has one recipient".to_owned(),
        ));
    };
    let instant = |field: &str| {
        payload_str(reminder, field)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let (Some(from), Some(to)) = (instant("from"), instant("to")) else {
        return Ok(Composed::Cancel(
            "a week's summary without its week".to_owned(),
        ));
    };
    let team = reminder.team_id.as_str();
    let visits = n.store.visits_between(team, mentor, from, to).await?;
    let waiting = n.store.held_waiting(team, mentor, from, to).await?;
    if visits.is_empty() && waiting == 0 {
        return Ok(Composed::Cancel(
            "no visits and no questions held that week".to_owned(),
        ));
    }
    Ok(Composed::Send(summary(&visits, waiting)))
}

/// "6 drop-ins, 2 questions held, median wait 7 minutes, most asked: career". Questions held
/// are those visited and those asked that week still `waiting` for her window. The median wait
/// leaves out held questions: their wait is mostly the mentor being closed, not her line.
pub(super) fn figures(visits: &[VisitRecord], waiting: i64) -> String {
    let count = visits.len();
    let mut parts = vec![match count {
        0 => "no drop-ins".to_owned(),
        1 => "1 drop-in".to_owned(),
        n => format!("{n} drop-ins"),
    }];
    let held = i64::try_from(visits.iter().filter(|v| v.held).count()).unwrap_or(0) + waiting;
    if held > 0 {
        let still = match waiting {
            0 => String::new(),
            w if w == held => " (waiting for your next window)".to_owned(),
            w => format!(" ({w} waiting for your next window)"),
        };
        parts.push(format!(
            "{held} question{} held{still}",
            if held == 1 { "" } else { "s" }
        ));
    }
    let waits: Vec<i64> = visits
        .iter()
        .filter(|v| !v.held)
        .filter_map(|v| v.joined_at.map(|j| (v.started_at - j).num_minutes().max(0)))
        .collect();
    if let Some(wait) = median(&waits) {
        parts.push(format!(
            "median wait {wait} minute{}",
            if wait == 1 { "" } else { "s" }
        ));
    }
    if let Some(topic) = most_asked(visits.iter().filter_map(|v| v.topic_label.as_deref())) {
        parts.push(format!("most asked: {topic}"));
    }
    parts.join(", ")
}

fn summary(visits: &[VisitRecord], waiting: i64) -> Message {
    let text = format!(
        ":bar_chart: Your office hours last week: {}.",
        figures(visits, waiting)
    );
    let mut message = Message::new(text.clone());
    message.push(Block::text(text));
    message.push(Block::context(
        "Counts only: what people asked is not kept after their visit.",
    ));
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn visit(joined: i64, started: i64, held: bool, label: Option<&str>) -> VisitRecord {
        let at =
            |m: i64| Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap() + Duration::minutes(m);
        VisitRecord {
            visitor_id: "U1".to_owned(),
            joined_at: Some(at(joined)),
            started_at: at(started),
            ended_at: at(started + 10),
            held,
            topic_label: label.map(str::to_owned),
        }
    }

    #[test]
    fn the_figures_of_a_week() {
        let visits = [
            visit(0, 0, false, Some("career")),
            visit(0, 5, false, Some("rust")),
            visit(0, 15, false, Some("career")),
            visit(-600, 30, true, None),
        ];
        assert_eq!(
            figures(&visits, 0),
            "4 drop-ins, 1 question held, median wait 5 minutes, most asked: career"
        );
        assert_eq!(
            figures(&visits, 2),
            "4 drop-ins, 3 questions held (2 waiting for your next window), median wait 5 minutes, most asked: career"
        );
        assert_eq!(
            figures(&[], 1),
            "no drop-ins, 1 question held (waiting for your next window)"
        );
    }

    #[test]
    fn the_week_is_the_mentors_own() {
        // Sunday 22:30 UTC is 23:30 in Berlin and already Monday in Tokyo: the next week there, not in Berlin.
        let t = Utc.with_ymd_and_hms(2026, 12, 6, 22, 30, 0).unwrap();
        let (_, _, berlin) = week_of(chrono_tz::Europe::Berlin, t);
        let (from, _, tokyo) = week_of(chrono_tz::Asia::Tokyo, t);
        assert_eq!(berlin, "2026-W49");
        assert_eq!(tokyo, "2026-W50");
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 12, 6, 15, 0, 0).unwrap());
        let due = plan("T", "U", chrono_tz::Europe::Berlin, DigestAt::default(), t).due_at;
        assert_eq!(due, Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap());
    }
}
