//! The shell's pretend clock: frozen at `--now` or running on real time, moved on by `:advance`
//! (minutes to years) and set by `:now <instant>`.

use anyhow::Context;
use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, Utc};
use std::sync::Arc;

use crate::clock::{Clock, ManualClock, OffsetClock};

/// Either a frozen pretend time (`--now`) or real time; both can jump with `:advance` and `:now`.
pub(super) enum ShellClock {
    Frozen(Arc<ManualClock>),
    Live(Arc<OffsetClock>),
}

impl ShellClock {
    /// `--now` freezes a pretend time; without it the shell runs on real time.
    pub(super) fn start(now: Option<&str>) -> anyhow::Result<Self> {
        let Some(at) = now else {
            return Ok(ShellClock::Live(Arc::new(OffsetClock::default())));
        };
        let start: DateTime<Utc> = DateTime::parse_from_rfc3339(at)
            .with_context(|| {
                format!("--now `{at}` is not an RFC 3339 instant such as 2026-03-27T09:00:00Z")
            })?
            .with_timezone(&Utc);
        Ok(ShellClock::Frozen(Arc::new(ManualClock::new(start))))
    }

    pub(super) fn shared(&self) -> Arc<dyn Clock> {
        match self {
            ShellClock::Frozen(c) => c.clone(),
            ShellClock::Live(c) => c.clone(),
        }
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.shared().now()
    }

    /// Moves to `to` (forward or back).
    pub(super) fn set(&self, to: DateTime<Utc>) {
        match self {
            ShellClock::Frozen(c) => c.set(to),
            ShellClock::Live(c) => c.advance(to - c.now()),
        }
    }
}

/// The furthest one `:advance` goes: far enough to watch a quarter's 1:1s, near enough that a
/// typo does not spin through decades of reminders.
pub(super) const MAX_ADVANCE_MONTHS: u32 = 24;

/// `30m`, `2h`, `1d`, `1w`, `3mo`, `1y`, or several (`1w 2d`): the instant that far after `from`.
pub(super) fn advance_target(span: &str, from: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let compact: String = span
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let bad =
        || format!("`{span}` isn't a time span I know. Try 30m, 2h, 3d, 1w, 3mo (months) or 1y.");
    if compact.is_empty() {
        return Err("How far? Say :advance 2h, :advance 3d or :advance 3mo.".to_owned());
    }
    let limit = from
        .checked_add_months(Months::new(MAX_ADVANCE_MONTHS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let too_far = || {
        format!("`{span}` is too far: :advance goes at most {MAX_ADVANCE_MONTHS} months at a time.")
    };
    let mut at = from;
    let mut rest = compact.as_str();
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: u32 = rest[..digits].parse().map_err(|_| bad())?;
        let after = &rest[digits..];
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let unit = &after[..unit_len];
        at = step(at, number, unit)
            .ok_or_else(bad)?
            .ok_or_else(too_far)?;
        if at > limit {
            return Err(too_far());
        }
        rest = &after[unit_len..];
    }
    if at == from {
        return Err(bad());
    }
    Ok(at)
}

/// `None`: not a unit; `Some(None)`: past what the calendar holds.
fn step(at: DateTime<Utc>, n: u32, unit: &str) -> Option<Option<DateTime<Utc>>> {
    let minutes = |per: i64| {
        chrono::Duration::try_minutes(i64::from(n) * per).and_then(|d| at.checked_add_signed(d))
    };
    Some(match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => minutes(1),
        "h" | "hr" | "hrs" | "hour" | "hours" => minutes(60),
        "d" | "day" | "days" => minutes(1440),
        "w" | "wk" | "wks" | "week" | "weeks" => minutes(7 * 1440),
        "mo" | "mon" | "month" | "months" => at.checked_add_months(Months::new(n)),
        "y" | "yr" | "year" | "years" => n
            .checked_mul(12)
            .and_then(|m| at.checked_add_months(Months::new(m))),
        _ => return None,
    })
}

/// `:now 2026-01-01`, `:now 2026-01-01 09:30`, `:now 2026-01-01T09:30:00Z`: all in UTC.
pub(super) fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let spaced = text.replace('T', " ").trim_end_matches('Z').to_owned();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(&spaced, format) {
            return Ok(at.and_utc());
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(format!(
        "`{text}` isn't an instant I can read. Say :now 2026-01-01, :now 2026-01-01 09:30 (UTC) or :now 2026-01-01T09:30:00+01:00."
    ))
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
    fn advance_takes_months_and_combinations() {
        let from = at("2026-01-31T09:00:00Z");
        assert_eq!(advance_target("1mo", from), Ok(at("2026-02-28T09:00:00Z")));
        assert_eq!(advance_target("3mo", from), Ok(at("2026-04-30T09:00:00Z")));
        assert_eq!(
            advance_target("1w 2d 3h", from),
            Ok(at("2026-02-09T12:00:00Z"))
        );
        assert!(advance_target("5000w", from)
            .unwrap_err()
            .contains("24 months"));
        assert!(advance_target("3 fortnights", from)
            .unwrap_err()
            .contains("3mo"));
    }

    #[test]
    fn now_reads_dates_and_instants() {
        assert_eq!(parse_instant("2026-01-01"), Ok(at("2026-01-01T00:00:00Z")));
        assert_eq!(
            parse_instant("2026-01-01 09:30"),
            Ok(at("2026-01-01T09:30:00Z"))
        );
        assert_eq!(
            parse_instant("2026-01-01T10:30:00+01:00"),
            Ok(at("2026-01-01T09:30:00Z"))
        );
        assert!(parse_instant("tomorrow").is_err());
    }
}
