//! Time-zone names: forgiving IANA lookup with suggestions, and short labels.

use chrono_tz::{Tz, TZ_VARIANTS};

use super::error::{shown, DomainError};

const MAX_SUGGESTIONS: usize = 3;
/// Edit distance is quadratic; nobody's typo of a city is this long.
const MAX_FUZZY_CHARS: usize = 40;

/// Looks up an IANA zone name ignoring case, with spaces standing in for
/// underscores ("america/new york"). "UTC", "GMT" and "Z" mean UTC.
pub fn parse_zone(s: &str) -> Result<Tz, DomainError> {
    let cleaned = s
        .trim()
        .trim_matches(['"', '\'', '“', '”', '‘', '’', '`'])
        .trim();
    let wanted = cleaned.split_whitespace().collect::<Vec<_>>().join("_");
    if ["utc", "gmt", "z"]
        .iter()
        .any(|u| wanted.eq_ignore_ascii_case(u))
    {
        return Ok(Tz::UTC);
    }
    if let Some(tz) = TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(&wanted))
    {
        return Ok(*tz);
    }
    Err(DomainError::UnknownZone {
        input: shown(cleaned),
        suggestions: suggestions(&wanted),
    })
}

/// Zones whose name contains the last part of the input, or whose city is a
/// small typo away from it, best first.
fn suggestions(wanted: &str) -> Vec<String> {
    let key = wanted.rsplit('/').next().unwrap_or(wanted).to_lowercase();
    if key.chars().count() < 3 {
        return Vec::new();
    }
    let key_chars: Vec<char> = key.chars().collect();
    let max_typos = if key_chars.len() <= 5 { 1 } else { 2 };
    let mut scored: Vec<(usize, bool, usize, &'static str)> = TZ_VARIANTS
        .iter()
        .filter_map(|tz| {
            let name = tz.name();
            let lower = name.to_lowercase();
            let city = lower.rsplit('/').next().unwrap_or(&lower);
            let score = if city == key {
                0
            } else if lower.contains(&key) {
                1
            } else if key_chars.len() <= MAX_FUZZY_CHARS {
                let distance = edit_distance(&key_chars, city);
                if distance > max_typos {
                    return None;
                }
                1 + distance
            } else {
                return None;
            };
            Some((score, !is_canonical(name), name.len(), name))
        })
        .collect();
    scored.sort_unstable();
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(.., name)| name.to_string())
        .collect()
}

/// Region/City names read better than legacy aliases like "US/Eastern".
fn is_canonical(name: &str) -> bool {
    const REGIONS: [&str; 9] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    REGIONS.iter().any(|r| name.starts_with(r))
}

fn edit_distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            row[j + 1] = substitution.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

/// The city part for compact displays: "Europe/Berlin" → "Berlin",
/// "America/Argentina/Buenos_Aires" → "Buenos Aires", "UTC" → "UTC".
pub fn short_label(tz: Tz) -> String {
    let name = tz.name();
    name.rsplit('/').next().unwrap_or(name).replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(s: &str) -> Vec<String> {
        match parse_zone(s) {
            Err(DomainError::UnknownZone { suggestions, .. }) => suggestions,
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn finds_zones_ignoring_case_and_spaces() {
        assert_eq!(parse_zone("Europe/Berlin"), Ok(chrono_tz::Europe::Berlin));
        assert_eq!(parse_zone("europe/berlin"), Ok(chrono_tz::Europe::Berlin));
        assert_eq!(
            parse_zone(" “Europe/Berlin” "),
            Ok(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            parse_zone("America/New York"),
            Ok(chrono_tz::America::New_York)
        );
        assert_eq!(
            parse_zone("america/argentina/buenos_aires"),
            Ok(chrono_tz::America::Argentina::Buenos_Aires)
        );
        assert_eq!(parse_zone("UTC"), Ok(Tz::UTC));
        assert_eq!(parse_zone("gmt"), Ok(Tz::UTC));
        assert_eq!(parse_zone("Etc/UTC"), Ok(Tz::Etc__UTC));
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(unknown("Europe/Berln"), ["Europe/Berlin"]);
        assert_eq!(unknown("berlin"), ["Europe/Berlin"]);
        assert_eq!(unknown("new york"), ["America/New_York"]);
        assert_eq!(unknown("kolkatta"), ["Asia/Kolkata"]);
        assert_eq!(unknown("Chatham")[0], "Pacific/Chatham");
        assert!(unknown("Buenos Aires").contains(&"America/Argentina/Buenos_Aires".to_string()));
        assert!(unknown("indiana").len() <= MAX_SUGGESTIONS);
        assert_eq!(unknown("xyzzyq"), Vec::<String>::new());
        assert_eq!(unknown("ab"), Vec::<String>::new());
        assert_eq!(unknown(""), Vec::<String>::new());
    }

    #[test]
    fn error_message_quotes_the_input() {
        let err = parse_zone("Europe/Berln").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`Europe/Berln` isn't a time zone I know. Did you mean Europe/Berlin?"
        );
    }

    #[test]
    fn survives_hostile_input() {
        let long = "ü/".repeat(5000);
        assert!(parse_zone(&long).is_err());
        assert!(parse_zone("`rm -rf`").is_err());
        assert!(parse_zone("/").is_err());
    }

    #[test]
    fn short_labels() {
        assert_eq!(short_label(chrono_tz::Europe::Berlin), "Berlin");
        assert_eq!(
            short_label(chrono_tz::America::Argentina::Buenos_Aires),
            "Buenos Aires"
        );
        assert_eq!(short_label(Tz::UTC), "UTC");
    }
}
