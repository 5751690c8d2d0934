//! The HTTP server's bounds: timeouts, connection and request caps, the shutdown deadline.

use clap::Args;
use std::time::Duration;

/// Slack's payloads stay well under this (its documented maximum for a request is 256 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Longest a client may take to send a request's headers; also how long a kept-alive
    /// connection may wait for its next request, and a new one for its first byte.
    #[arg(long, env = "HEADER_TIMEOUT", default_value = "10s", global = true)]
    pub header_timeout: String,
    /// Longest a request body may go without sending a byte.
    #[arg(long, env = "BODY_TIMEOUT", default_value = "10s", global = true)]
    pub body_timeout: String,
    /// A connection whose answer has waited this long to be written is closed (a client that
    /// stops reading it). Reads are bounded by the header, body and request timeouts.
    #[arg(long, env = "IDLE_TIMEOUT", default_value = "60s", global = true)]
    pub idle_timeout: String,
    /// Longest one request may take from its headers to its answer.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "15s", global = true)]
    pub request_timeout: String,
    /// Connections held open at once; more wait in the kernel's queue until one closes.
    #[arg(long, env = "MAX_CONNECTIONS", default_value = "1024", global = true)]
    pub max_connections: String,
    /// Requests worked on at once; past this the server answers 503 at once rather than queue.
    #[arg(long, env = "MAX_IN_FLIGHT", default_value = "256", global = true)]
    pub max_in_flight: String,
    /// On SIGTERM, how long in-flight requests and deliveries may run before they are dropped
    /// and their reminders handed back.
    #[arg(long, env = "SHUTDOWN_GRACE", default_value = "20s", global = true)]
    pub shutdown_grace: String,
}

impl Default for ServerArgs {
    fn default() -> Self {
        Self {
            header_timeout: "10s".into(),
            body_timeout: "10s".into(),
            idle_timeout: "60s".into(),
            request_timeout: "15s".into(),
            max_connections: "1024".into(),
            max_in_flight: "256".into(),
            shutdown_grace: "20s".into(),
        }
    }
}

/// The bounds, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub max_in_flight: usize,
    pub shutdown_grace: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(15),
            max_connections: 1024,
            max_in_flight: 256,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

impl ServerArgs {
    /// Every problem at once, each naming its variable.
    pub fn settings(&self) -> Result<ServerSettings, Vec<String>> {
        let mut problems = Vec::new();
        let mut duration = |name: &str, text: &str| {
            parse_bound(text)
                .map_err(|e| problems.push(format!("{name}: {e}")))
                .unwrap_or_default()
        };
        let header_timeout = duration("HEADER_TIMEOUT", &self.header_timeout);
        let body_timeout = duration("BODY_TIMEOUT", &self.body_timeout);
        let idle_timeout = duration("IDLE_TIMEOUT", &self.idle_timeout);
        let request_timeout = duration("REQUEST_TIMEOUT", &self.request_timeout);
        let shutdown_grace = duration("SHUTDOWN_GRACE", &self.shutdown_grace);
        let mut count = |name: &str, text: &str| {
            parse_count(text)
                .map_err(|e| problems.push(format!("{name}: {e}")))
                .unwrap_or_default()
        };
        let max_connections = count("MAX_CONNECTIONS", &self.max_connections);
        let max_in_flight = count("MAX_IN_FLIGHT", &self.max_in_flight);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ServerSettings {
            header_timeout,
            body_timeout,
            idle_timeout,
            request_timeout,
            max_connections,
            max_in_flight,
            shutdown_grace,
        })
    }
}

/// `10s`, `500ms`, `2m`: between 100 ms and an hour.
pub fn parse_bound(text: &str) -> Result<Duration, String> {
    let text = text.trim().to_ascii_lowercase();
    let bad = || format!("`{text}` isn't a duration; use e.g. 10s, 500ms or 2m");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(bad()),
    };
    if d < Duration::from_millis(100) || d > Duration::from_secs(3600) {
        return Err(format!(
            "`{text}` is out of range; use something between 100ms and 60m"
        ));
    }
    Ok(d)
}

/// A whole number from 1 to a million.
fn parse_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{}` isn't a count; use a whole number from 1 to 1000000",
            text.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_to_the_documented_bounds() {
        assert_eq!(
            ServerArgs::default().settings(),
            Ok(ServerSettings::default())
        );
    }

    #[test]
    fn every_bad_bound_is_named_by_its_variable() {
        let args = ServerArgs {
            header_timeout: "soon".into(),
            body_timeout: "10".into(),
            idle_timeout: "50ms".into(),
            max_in_flight: "0".into(),
            ..ServerArgs::default()
        };
        let problems = args.settings().unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        for (problem, name) in problems.iter().zip([
            "HEADER_TIMEOUT",
            "BODY_TIMEOUT",
            "IDLE_TIMEOUT",
            "MAX_IN_FLIGHT",
        ]) {
            assert!(problem.starts_with(name), "{problem}");
        }
    }

    #[test]
    fn bounds_take_milliseconds_seconds_and_minutes() {
        assert_eq!(parse_bound("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_bound(" 20s "), Ok(Duration::from_secs(20)));
        assert_eq!(parse_bound("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_bound("2h").is_err());
    }
}
