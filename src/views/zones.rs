//! A zone that is not a place (`EST`, `Etc/GMT+5`): said plainly, with the places to pick instead.

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};

/// Places people usually mean by these names.
const MEANT: &[(&str, &[&str])] = &[
    (
        "EST",
        &["America/New_York", "America/Toronto", "America/Panama"],
    ),
    (
        "MST",
        &["America/Denver", "America/Phoenix", "America/Edmonton"],
    ),
    ("HST", &["Pacific/Honolulu"]),
    ("EST5EDT", &["America/New_York", "America/Toronto"]),
    ("CST6CDT", &["America/Chicago", "America/Mexico_City"]),
    ("MST7MDT", &["America/Denver", "America/Edmonton"]),
    ("PST8PDT", &["America/Los_Angeles", "America/Vancouver"]),
    ("CET", &["Europe/Berlin", "Europe/Paris", "Europe/Madrid"]),
    ("MET", &["Europe/Berlin", "Europe/Paris"]),
    ("EET", &["Europe/Athens", "Europe/Helsinki", "Africa/Cairo"]),
    ("WET", &["Europe/Lisbon", "Atlantic/Canary"]),
];

/// `None` for a place's zone (or UTC); else what the name does and the places to pick instead.
pub(super) fn not_a_place(tz: Tz, now: DateTime<Utc>) -> Option<String> {
    let name = tz.name();
    let place = name.contains('/') && !name.starts_with("Etc/");
    if place
        || matches!(
            name,
            "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Etc/UCT" | "UCT" | "Zulu"
        )
    {
        return None;
    }
    let year = now.year();
    let offset_on = |month| {
        tz.with_ymd_and_hms(year, month, 1, 12, 0, 0)
            .single()
            .map(|t| t.offset().fix().local_minus_utc())
    };
    let (winter, summer) = (offset_on(1)?, offset_on(7)?);
    let places = nearest_places(name, winter);
    let instead = match places.as_slice() {
        [] => String::new(),
        [one] => format!(" If you follow a place's clock, use its zone: {one}."),
        [init @ .., last] => format!(
            " If you follow a place's clock, use its zone: {} or {last}.",
            init.join(", ")
        ),
    };
    Some(if winter == summer {
        format!(
            ":warning: *{name}* is fixed at UTC{} all year: it never changes for daylight saving.{instead}",
            offset_label(winter)
        )
    } else {
        format!(":warning: *{name}* is an old name for a rule, not a place.{instead}")
    })
}

/// The places usually meant, else places on the same offset in January.
fn nearest_places(name: &str, offset: i32) -> Vec<String> {
    if let Some((_, places)) = MEANT.iter().find(|(n, _)| *n == name) {
        return places.iter().map(|p| (*p).to_owned()).collect();
    }
    TZ_VARIANTS
        .iter()
        .filter(|tz| {
            let n = tz.name();
            [
                "America/",
                "Europe/",
                "Asia/",
                "Africa/",
                "Australia/",
                "Pacific/",
            ]
            .iter()
            .any(|region| n.starts_with(region))
        })
        .filter(|tz| {
            tz.with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
                .single()
                .is_some_and(|t| t.offset().fix().local_minus_utc() == offset)
        })
        .take(3)
        .map(|tz| tz.name().to_owned())
        .collect()
}

fn offset_label(seconds: i32) -> String {
    let sign = if seconds < 0 { '−' } else { '+' };
    let minutes = seconds.abs() / 60;
    if minutes % 60 == 0 {
        format!("{sign}{}", minutes / 60)
    } else {
        format!("{sign}{}:{:02}", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn est_is_fixed_and_new_york_is_suggested() {
        let note = not_a_place(Tz::EST, at("2026-07-01T12:00:00Z")).unwrap();
        assert!(note.contains("*EST* is fixed at UTC−5 all year"), "{note}");
        assert!(note.contains("America/New_York"), "{note}");
        assert_eq!(
            not_a_place(Tz::Europe__Berlin, at("2026-07-01T12:00:00Z")),
            None
        );
        assert_eq!(not_a_place(Tz::UTC, at("2026-07-01T12:00:00Z")), None);
    }
}
