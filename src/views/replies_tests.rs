use super::*;
use crate::domain::status::ZoneSource;
use crate::domain::tzmath::Occurrence;
use chrono::{Duration, TimeZone};

fn mentor(n: usize, now: DateTime<Utc>, open: bool) -> MentorStatus {
    let start = now + Duration::hours(n as i64 + 1);
    MentorStatus {
        user_id: format!("U{n:04}"),
        tz: chrono_tz::Europe::Berlin,
        presence: if open {
            Presence::OpenScheduled {
                until: now + Duration::minutes(30 + n as i64),
            }
        } else {
            Presence::Closed
        },
        next: Some(Occurrence {
            start,
            end: start + Duration::hours(1),
        }),
        windows: Vec::new(),
        topics: Vec::new(),
        away_until: None,
        link: None,
    }
}

fn buttons(message: &Message, label: &str) -> usize {
    let labelled = |b: &&Block| match b {
        Block::Section {
            button: Some(button),
            ..
        } => button.text == label,
        _ => false,
    };
    message.blocks.iter().filter(labelled).count()
}

/// Every text the message shows, one per line.
fn shown(message: &Message) -> String {
    let text = |b: &Block| match b {
        Block::Header(t) | Block::Section { text: t, .. } => t.clone(),
        Block::Context(lines) => lines.join(" "),
        _ => String::new(),
    };
    message
        .blocks
        .iter()
        .map(text)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_answer_lists_ten_open_and_five_coming_up_and_counts_the_rest() {
    let now = Utc.with_ymd_and_hms(2027, 3, 4, 13, 0, 0).unwrap();
    let viewer = Viewer {
        user_id: "U9999".to_owned(),
        tz: chrono_tz::Asia::Tokyo,
        zone_source: ZoneSource::Chosen,
    };
    let statuses: Vec<MentorStatus> = (0..40).map(|n| mentor(n, now, n % 2 == 0)).collect();
    let message = overview(&viewer, now, &statuses);
    assert_eq!(buttons(&message, "Drop in"), 10);
    assert_eq!(buttons(&message, "Ask for next time"), 5);
    // 20 open and 20 coming up: 10 and 15 are not shown, and the answer says so.
    let all = shown(&message);
    assert!(all.contains("…and 25 more."), "{all}");
    // The open listed are those open longest first (soonest to close last).
    assert!(all.contains("U0038") && !all.contains("<@U0000>"), "{all}");
}

#[test]
fn a_short_list_is_shown_whole_with_no_count() {
    let now = Utc.with_ymd_and_hms(2027, 3, 4, 13, 0, 0).unwrap();
    let viewer = Viewer {
        user_id: "U9999".to_owned(),
        tz: chrono_tz::Asia::Tokyo,
        zone_source: ZoneSource::Chosen,
    };
    let statuses: Vec<MentorStatus> = (0..6).map(|n| mentor(n, now, n < 2)).collect();
    let message = overview(&viewer, now, &statuses);
    assert_eq!(buttons(&message, "Drop in"), 2);
    assert_eq!(buttons(&message, "Ask for next time"), 4);
    let all = shown(&message);
    assert!(!all.contains("more."), "{all}");
}
