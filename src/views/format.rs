//! Small formatting rules shared by every reply: mrkdwn escaping and "in their zone · in yours" times.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use std::fmt;

use crate::domain::status::{Viewer, ZoneSource};
use crate::domain::tzmath::Occurrence;
use crate::domain::zone::short_label;

/// Slack mrkdwn treats `&`, `<` and `>` as control characters; user text must not become markup.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A notification's plain text (a message's `fallback`, Slack's `text`): Slack reads markup there
/// too, so only a mention of a person (`<@U…>`) stays markup; anything else in angle brackets, such
/// as a project named `<!channel>`, is shown as typed.
pub fn notification_text(fallback: &str) -> String {
    let mut out = String::with_capacity(fallback.len());
    let mut rest = fallback;
    while let Some(open) = rest.find('<') {
        out.push_str(&escape(&rest[..open]));
        let tail = &rest[open..];
        let mention = tail.find('>').map(|close| &tail[..=close]).filter(|m| {
            m.len() > 3 && m.starts_with("<@") && {
                let id = m[2..m.len() - 1].split('|').next().unwrap_or_default();
                !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())
            }
        });
        match mention {
            Some(mention) => {
                out.push_str(mention);
                rest = &tail[mention.len()..];
            }
            None => {
                out.push_str("&lt;");
                rest = &tail[1..];
            }
        }
    }
    out.push_str(&escape(rest));
    out
}

/// "Thu 14:00–15:00 Berlin · 08:00–09:00 your time": the owner's wall clock first, the reader's
/// second (when either end differs). A day more than six days off carries its date, a year other
/// than this one its year; a reader whose zone is not known yet reads UTC, and is told so.
pub struct OccurrenceLabel<'a> {
    pub occurrence: Occurrence,
    pub owner: Tz,
    pub viewer: &'a Viewer,
    pub now: DateTime<Utc>,
}

impl fmt::Display for OccurrenceLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Occurrence { start, end } = self.occurrence;
        let (s, e) = (
            start.with_timezone(&self.owner),
            end.with_timezone(&self.owner),
        );
        let today = self.now.with_timezone(&self.owner).date_naive();
        write!(
            f,
            "{} {}–{} {}",
            DayLabel::of(s.date_naive(), today),
            hm(&s),
            hm(&e),
            short_label(self.owner)
        )?;
        let viewer = self.viewer.tz;
        if differs(self.owner, viewer, start) || differs(self.owner, viewer, end) {
            let (vs, ve) = (start.with_timezone(&viewer), end.with_timezone(&viewer));
            // Only name the reader's day when it is not the owner's day.
            if vs.date_naive() != s.date_naive() {
                let theirs = self.now.with_timezone(&viewer).date_naive();
                write!(f, " · {} ", DayLabel::of(vs.date_naive(), theirs))?;
            } else {
                f.write_str(" · ")?;
            }
            write!(f, "{}–{} {}", hm(&vs), hm(&ve), yours(self.viewer))?;
        }
        Ok(())
    }
}

/// "15:00 Berlin (09:00 your time)", with the day when the instant is not on the same local day.
pub fn instant_label(at: DateTime<Utc>, owner: Tz, viewer: &Viewer, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&owner);
    let today = now.with_timezone(&owner).date_naive();
    let owner_part = if local.date_naive() == today {
        format!("{} {}", hm(&local), short_label(owner))
    } else {
        let day = DayLabel::of(local.date_naive(), today);
        format!("{day} {} {}", hm(&local), short_label(owner))
    };
    if !differs(owner, viewer.tz, at) {
        return owner_part;
    }
    let theirs = at.with_timezone(&viewer.tz);
    let their_today = now.with_timezone(&viewer.tz).date_naive();
    if theirs.date_naive() == their_today {
        format!("{owner_part} ({} {})", hm(&theirs), yours(viewer))
    } else {
        let day = DayLabel::of(theirs.date_naive(), their_today);
        format!("{owner_part} ({day} {} {})", hm(&theirs), yours(viewer))
    }
}

/// "the end of Mon 30 Mar": away runs through a whole local day, so it is named by that day in
/// the owner's zone, the same for everyone (`until` is the midnight after it).
pub fn away_label(until: DateTime<Utc>, owner: Tz, now: DateTime<Utc>) -> String {
    let last = (until - chrono::Duration::seconds(1)).with_timezone(&owner);
    let today = now.with_timezone(&owner).date_naive();
    format!("the end of {}", DayLabel::dated(last.date_naive(), today))
}

/// The reader's own clock, or UTC while their zone is not known.
fn yours(viewer: &Viewer) -> &'static str {
    match viewer.zone_source {
        ZoneSource::Unknown => "UTC",
        ZoneSource::Chosen | ZoneSource::SlackProfile => "your time",
    }
}

/// "Thu" within the coming six days, "Thu 24 Dec" further off, "Thu 24 Dec 2027" in another year.
struct DayLabel {
    date: NaiveDate,
    with_date: bool,
    with_year: bool,
}

impl DayLabel {
    fn of(date: NaiveDate, today: NaiveDate) -> Self {
        let ahead = date.signed_duration_since(today).num_days();
        Self {
            date,
            with_date: !(0..=6).contains(&ahead),
            with_year: date.year() != today.year(),
        }
    }

    /// Always with its date (a day named on its own, not as a weekday to come).
    fn dated(date: NaiveDate, today: NaiveDate) -> Self {
        Self {
            with_date: true,
            ..Self::of(date, today)
        }
    }
}

impl fmt::Display for DayLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(day(&self.date))?;
        if self.with_date {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            write!(
                f,
                " {} {}",
                self.date.day(),
                MONTHS[self.date.month0() as usize]
            )?;
        }
        if self.with_year {
            write!(f, " {}", self.date.year())?;
        }
        Ok(())
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
    use chrono_tz::{America, Europe, UTC};

    fn reader(tz: Tz) -> Viewer {
        Viewer {
            user_id: "U1".into(),
            tz,
            zone_source: ZoneSource::SlackProfile,
        }
    }

    fn label(start: DateTime<Utc>, minutes: i64, owner: Tz, viewer: &Viewer) -> String {
        OccurrenceLabel {
            occurrence: Occurrence {
                start,
                end: start + chrono::Duration::minutes(minutes),
            },
            owner,
            viewer,
            now: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        }
        .to_string()
    }

    #[test]
    fn shows_both_zones_like_the_spec() {
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap();
        let chicago = reader(America::Chicago);
        assert_eq!(
            label(start, 60, Europe::Berlin, &chicago),
            "Thu 14:00–15:00 Berlin · 07:00–08:00 your time"
        );
    }

    #[test]
    fn names_the_readers_day_when_it_differs() {
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let new_york = reader(America::New_York);
        assert_eq!(
            label(start, 60, Europe::Berlin, &new_york),
            "Thu 02:00–03:00 Berlin · Wed 20:00–21:00 your time"
        );
    }

    #[test]
    fn one_zone_is_shown_once() {
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap();
        let berlin = reader(Europe::Berlin);
        assert_eq!(
            label(start, 60, Europe::Berlin, &berlin),
            "Thu 14:00–15:00 Berlin"
        );
    }

    #[test]
    fn an_end_that_differs_shows_the_readers_times() {
        // Dublin springs forward at 01:00 UTC on 2028-03-26: a Saturday-night window starts at
        // UTC+0, the reader's offset, and ends at UTC+1.
        let start = Utc.with_ymd_and_hms(2028, 3, 25, 23, 47, 0).unwrap();
        let utc = reader(UTC);
        let shown = OccurrenceLabel {
            occurrence: Occurrence {
                start,
                end: Utc.with_ymd_and_hms(2028, 3, 26, 2, 15, 0).unwrap(),
            },
            owner: Europe::Dublin,
            viewer: &utc,
            now: Utc.with_ymd_and_hms(2028, 3, 20, 10, 0, 0).unwrap(),
        }
        .to_string();
        assert_eq!(shown, "Sat 23:47–03:15 Dublin · 23:47–02:15 your time");
    }

    #[test]
    fn far_days_carry_their_date_and_other_years_their_year() {
        let berlin = reader(Europe::Berlin);
        let next_week = Utc.with_ymd_and_hms(2026, 12, 10, 13, 0, 0).unwrap();
        assert_eq!(
            label(next_week, 60, Europe::Berlin, &berlin),
            "Thu 10 Dec 14:00–15:00 Berlin"
        );
        let next_year = Utc.with_ymd_and_hms(2027, 1, 7, 13, 0, 0).unwrap();
        assert_eq!(
            label(next_year, 60, Europe::Berlin, &berlin),
            "Thu 7 Jan 2027 14:00–15:00 Berlin"
        );
    }

    #[test]
    fn a_reader_whose_zone_is_unknown_reads_utc_by_name() {
        let unknown = Viewer {
            zone_source: ZoneSource::Unknown,
            ..reader(UTC)
        };
        let start = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        assert_eq!(
            label(start, 60, Europe::Berlin, &unknown),
            "Thu 10:00–11:00 Berlin · 09:00–10:00 UTC"
        );
    }

    #[test]
    fn away_names_the_last_day_in_the_owners_zone() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let midnight_after = Utc.with_ymd_and_hms(2026, 12, 24, 23, 0, 0).unwrap();
        assert_eq!(
            away_label(midnight_after, Europe::Berlin, now),
            "the end of Thu 24 Dec"
        );
    }

    #[test]
    fn notification_text_keeps_mentions_and_nothing_else() {
        assert_eq!(
            notification_text("Debrief: <!channel> & <@U0ANA|ana> <b>"),
            "Debrief: &lt;!channel&gt; &amp; <@U0ANA|ana> &lt;b&gt;"
        );
        assert_eq!(notification_text("a < b"), "a &lt; b");
        assert_eq!(notification_text("<><@>"), "&lt;&gt;&lt;@&gt;");
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escape("<@U1> & co"), "&lt;@U1&gt; &amp; co");
    }
}
