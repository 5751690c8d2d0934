//! Small formatting rules shared by every reply: mrkdwn escaping and "in their zone · in yours" times.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use std::fmt;

use crate::domain::tzmath::Occurrence;
use crate::domain::zone::short_label;

/// Slack mrkdwn treats `&`, `<` and `>` as control characters; user text must not become markup.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// "Thu 14:00–15:00 Berlin · 08:00–09:00 your time": the owner's wall clock first, the reader's second.
pub struct OccurrenceLabel {
    pub occurrence: Occurrence,
    pub owner: Tz,
    pub viewer: Tz,
}

impl fmt::Display for OccurrenceLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Occurrence { start, end } = self.occurrence;
        let (s, e) = (
            start.with_timezone(&self.owner),
            end.with_timezone(&self.owner),
        );
        write!(
            f,
            "{} {}–{} {}",
            day(&s),
            hm(&s),
            hm(&e),
            short_label(self.owner)
        )?;
        if differs(self.owner, self.viewer, start) {
            let (vs, ve) = (
                start.with_timezone(&self.viewer),
                end.with_timezone(&self.viewer),
            );
            // Only name the reader's day when it is not the owner's day.
            if vs.weekday() != s.weekday() {
                write!(f, " · {} ", day(&vs))?;
            } else {
                f.write_str(" · ")?;
            }
            write!(f, "{}–{} your time", hm(&vs), hm(&ve))?;
        }
        Ok(())
    }
}

/// "15:00 Berlin (09:00 your time)", with the weekday when the instant is not on the same local day.
pub fn instant_label(at: DateTime<Utc>, owner: Tz, viewer: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&owner);
    let same_day = local.date_naive() == now.with_timezone(&owner).date_naive();
    let owner_part = if same_day {
        format!("{} {}", hm(&local), short_label(owner))
    } else {
        format!("{} {} {}", day(&local), hm(&local), short_label(owner))
    };
    if differs(owner, viewer, at) {
        let theirs = at.with_timezone(&viewer);
        let viewer_same_day = theirs.date_naive() == now.with_timezone(&viewer).date_naive();
        if viewer_same_day {
            format!("{owner_part} ({} your time)", hm(&theirs))
        } else {
            format!("{owner_part} ({} {} your time)", day(&theirs), hm(&theirs))
        }
    } else {
        owner_part
    }
}

/// "14:05". chrono's `format` re-reads its pattern on every call; "who is open" writes dozens of
/// these per answer, so they are written directly.
fn hm(t: &impl Timelike) -> Hm {
    Hm(t.hour(), t.minute())
}

struct Hm(u32, u32);

impl fmt::Display for Hm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0, self.1)
    }
}

/// "Thu", as `%a` writes it.
fn day(t: &impl Datelike) -> &'static str {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    DAYS[t.weekday().num_days_from_monday() as usize]
}

/// Two zones "differ" for a reader when their wall clocks differ at that instant.
fn differs(a: Tz, b: Tz, at: DateTime<Utc>) -> bool {
    a != b && at.with_timezone(&a).naive_local() != at.with_timezone(&b).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_both_zones_like_the_spec() {
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap();
        let label = OccurrenceLabel {
            occurrence: Occurrence {
                start,
                end: start + chrono::Duration::hours(1),
            },
            owner: chrono_tz::Europe::Berlin,
            viewer: chrono_tz::America::Chicago,
        };
        assert_eq!(
            label.to_string(),
            "Thu 14:00–15:00 Berlin · 07:00–08:00 your time"
        );
    }

    #[test]
    fn names_the_readers_day_when_it_differs() {
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let label = OccurrenceLabel {
            occurrence: Occurrence {
                start,
                end: start + chrono::Duration::hours(1),
            },
            owner: chrono_tz::Europe::Berlin,
            viewer: chrono_tz::America::New_York,
        };
        assert_eq!(
            label.to_string(),
            "Thu 02:00–03:00 Berlin · Wed 20:00–21:00 your time"
        );
    }

    #[test]
    fn one_zone_is_shown_once() {
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap();
        let label = OccurrenceLabel {
            occurrence: Occurrence {
                start,
                end: start + chrono::Duration::hours(1),
            },
            owner: chrono_tz::Europe::Berlin,
            viewer: chrono_tz::Europe::Berlin,
        };
        assert_eq!(label.to_string(), "Thu 14:00–15:00 Berlin");
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escape("<@U1> & co"), "&lt;@U1&gt; &amp; co");
    }
}
