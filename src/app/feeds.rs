//! The calendar feed, rendered once per version: a strong `ETag` made from everything the feed
//! is made of, and each address's last rendering kept in memory.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::calendar::CalendarWindow;

/// How many addresses' renderings are kept; past that the cache starts over (a feed is
/// rendered again on its next fetch, nothing worse).
const KEPT: usize = 1024;

/// Each address's last rendering, with its tag.
#[derive(Default)]
pub(super) struct FeedCache {
    held: Mutex<HashMap<String, (String, Arc<str>)>>,
}

impl FeedCache {
    /// The rendering of `secret`'s feed tagged `etag`, if this process made it.
    pub(super) fn get(&self, secret: &str, etag: &str) -> Option<Arc<str>> {
        let held = self.held.lock().ok()?;
        held.get(secret)
            .filter(|(tag, _)| tag == etag)
            .map(|(_, body)| body.clone())
    }

    pub(super) fn forget(&self, secret: &str) {
        if let Ok(mut held) = self.held.lock() {
            held.remove(secret);
        }
    }

    pub(super) fn put(&self, secret: &str, etag: &str, body: Arc<str>) {
        let Ok(mut held) = self.held.lock() else {
            return;
        };
        if held.len() >= KEPT && !held.contains_key(secret) {
            held.clear();
        }
        held.insert(secret.to_owned(), (etag.to_owned(), body));
    }
}

/// A strong validator for `calendar::ics(label, tz, windows, at)`: it changes whenever the text
/// would, since it is made of the same arguments (and this build's version, which may render
/// them differently), and it is the same on every replica.
pub(super) fn etag(
    label: &str,
    tz: Tz,
    windows: &[CalendarWindow<'_>],
    at: DateTime<Utc>,
) -> String {
    let mut hash = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        tz.name(),
        label,
        &at.to_rfc3339(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    for w in windows {
        let window = format!(
            "{} {} {} {}",
            w.id,
            w.window.days.bits(),
            w.window.range.start.minutes(),
            w.window.range.end.minutes()
        );
        hash.update(window.as_bytes());
        for topic in w.topics {
            hash.update([1]);
            hash.update(topic.as_bytes());
        }
        hash.update([0]);
    }
    format!("\"{}\"", hex::encode(&hash.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::days::DaySet;
    use crate::domain::time_of_day::{TimeOfDay, TimeRange};
    use crate::domain::window::WeeklyWindow;
    use chrono::TimeZone;

    fn window(start: u16) -> WeeklyWindow {
        let t = |m| TimeOfDay::from_minutes(m).expect("a time of day");
        WeeklyWindow {
            days: DaySet::from_bits(0b11).expect("days"),
            range: TimeRange::new(t(start), t(start + 60)).expect("a range"),
        }
    }

    const TOPICS: &[String] = &[];

    #[test]
    fn the_tag_follows_every_input_and_nothing_else() {
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap();
        let (nine, ten): (&'static _, &'static _) = (
            Box::leak(Box::new(window(540))),
            Box::leak(Box::new(window(600))),
        );
        let one = |w: &'static WeeklyWindow| {
            vec![CalendarWindow {
                id: 1,
                window: w,
                topics: TOPICS,
            }]
        };
        let base = etag("Ana", Tz::Europe__Berlin, &one(nine), at);
        assert_eq!(base, etag("Ana", Tz::Europe__Berlin, &one(nine), at));
        assert!(base.starts_with('"') && base.ends_with('"') && base.len() == 34);
        for other in [
            etag("Ana", Tz::Europe__Berlin, &one(ten), at),
            etag("Ana", Tz::Europe__Berlin, &[], at),
            etag("Ana", Tz::Europe__Paris, &one(nine), at),
            etag("Ben", Tz::Europe__Berlin, &one(nine), at),
            etag(
                "Ana",
                Tz::Europe__Berlin,
                &one(nine),
                at + chrono::Duration::days(1),
            ),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn the_cache_hands_back_only_the_same_version() {
        let cache = FeedCache::default();
        cache.put("s", "\"a\"", Arc::from("A"));
        assert_eq!(cache.get("s", "\"a\"").as_deref(), Some("A"));
        assert_eq!(cache.get("s", "\"b\""), None);
        assert_eq!(cache.get("t", "\"a\""), None);
        cache.forget("s");
        assert_eq!(
            cache.get("s", "\"a\""),
            None,
            "a forgotten feed leaves memory"
        );
    }
}
