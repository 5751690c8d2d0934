//! Human durations such as "2h", "90m", "1h30m", "1.5h" or "3 days".

use chrono::Duration;

use super::error::{shown, DomainError};

/// Longer than a month is not "being around for a bit"; it's a schedule.
pub const MAX_DURATION_SECONDS: u64 = 30 * 86_400;

/// Parses one or more number-unit pairs. Spaces are ignored so "2 hours"
/// and "1h 30m" work. Fractions (at most two digits) are allowed and the
/// total is rounded down to whole seconds.
pub fn parse_duration(s: &str) -> Result<Duration, DomainError> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let bad = || DomainError::BadDuration(shown(s));
    let too_long = || DomainError::DurationTooLong(shown(s));
    if compact.is_empty() {
        return Err(bad());
    }
    let mut rest = compact.as_str();
    // In hundredths of a second, so two fraction digits stay exact.
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scaled = scaled_number(num).ok_or_else(bad)?;
        let unit_seconds = unit_seconds(unit).ok_or_else(bad)?;
        let part = scaled.checked_mul(unit_seconds).ok_or_else(too_long)?;
        total = total.checked_add(part).ok_or_else(too_long)?;
        rest = after;
    }
    let seconds = total / 100;
    if seconds == 0 {
        return Err(DomainError::ZeroDuration(shown(s)));
    }
    if seconds > MAX_DURATION_SECONDS {
        return Err(too_long());
    }
    i64::try_from(seconds)
        .ok()
        .and_then(Duration::try_seconds)
        .ok_or_else(too_long)
}

/// "1.5" → 150: the number times 100. A huge number saturates so it reports
/// as too long rather than as garbage.
fn scaled_number(num: &str) -> Option<u64> {
    let (whole, frac) = match num.split_once('.') {
        Some((w, f)) => (w, f),
        None => (num, ""),
    };
    if (whole.is_empty() && frac.is_empty()) || frac.len() > 2 || frac.contains('.') {
        return None;
    }
    let whole_value = if whole.is_empty() {
        0
    } else {
        whole.parse::<u64>().unwrap_or(u64::MAX / 100)
    };
    let frac_value: u64 = format!("{frac:0<2}").parse().ok()?;
    whole_value.saturating_mul(100).checked_add(frac_value)
}

fn unit_seconds(unit: &str) -> Option<u64> {
    let seconds = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "wk" | "wks" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    Some(seconds)
}

/// "2h 30m", "45m", "3d 4h": the way the bot says a duration back.
pub fn duration_label(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let parts: Vec<String> = [(days, "d"), (hours, "h"), (mins, "m")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if parts.is_empty() {
        "0m".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mins(s: &str) -> i64 {
        parse_duration(s).unwrap().num_minutes()
    }

    #[test]
    fn parses_common_forms() {
        assert_eq!(mins("2h"), 120);
        assert_eq!(mins("90m"), 90);
        assert_eq!(mins("1h30m"), 90);
        assert_eq!(mins("1h 30m"), 90);
        assert_eq!(mins("45min"), 45);
        assert_eq!(mins("45 mins"), 45);
        assert_eq!(mins("2hours"), 120);
        assert_eq!(mins("2 Hours"), 120);
        assert_eq!(mins("1 hour"), 60);
        assert_eq!(mins("1d"), 1440);
        assert_eq!(mins("3d"), 3 * 1440);
        assert_eq!(mins("1w"), 7 * 1440);
        assert_eq!(mins("1.5h"), 90);
        assert_eq!(mins(".5h"), 30);
        assert_eq!(mins("30d"), 30 * 1440);
    }

    #[test]
    fn rejects_zero_negative_and_garbage() {
        assert_eq!(
            parse_duration("0m"),
            Err(DomainError::ZeroDuration("0m".into()))
        );
        assert_eq!(
            parse_duration("0h0m"),
            Err(DomainError::ZeroDuration("0h0m".into()))
        );
        assert_eq!(
            parse_duration("0.01m"),
            Err(DomainError::ZeroDuration("0.01m".into()))
        );
        for bad in [
            "",
            " ",
            "0.001m",
            "-2h",
            "2",
            "h",
            "2x",
            "2h-",
            "1..5h",
            "1.555h",
            "2h30",
            "½h",
            "٢h",
            "2 h ours!",
        ] {
            assert_eq!(
                parse_duration(bad),
                Err(DomainError::BadDuration(shown(bad))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rejects_more_than_thirty_days() {
        for long in [
            "31d",
            "5w",
            "721h",
            "99999999999999999999999999h",
            "18446744073709551615w",
            "30d1m",
        ] {
            assert_eq!(
                parse_duration(long),
                Err(DomainError::DurationTooLong(shown(long))),
                "{long:?}"
            );
        }
    }

    #[test]
    fn labels() {
        assert_eq!(duration_label(Duration::minutes(150)), "2h 30m");
        assert_eq!(duration_label(Duration::minutes(45)), "45m");
        assert_eq!(duration_label(Duration::minutes(3 * 1440 + 240)), "3d 4h");
        assert_eq!(duration_label(Duration::seconds(30)), "0m");
        assert_eq!(duration_label(Duration::minutes(-5)), "0m");
    }
}
