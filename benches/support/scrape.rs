//! `/metrics` of a running process, read as a bench needs it: the scheduler tick histogram
//! (`officehours_scheduler_tick_duration_seconds`) and the reminders found due.

use std::net::SocketAddr;

const TICK_METRIC: &str = "officehours_scheduler_tick_duration_seconds";

/// One GET on a fresh connection: the body, if it answered 200.
pub async fn get_body(addr: SocketAddr, path: &str) -> Option<String> {
    match super::process::get(addr, path).await? {
        (200, body) => Some(body),
        _ => None,
    }
}

/// The value of the sample named exactly `series` (name and labels) in Prometheus' text format.
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// The tick histogram and the reminders found due, at one moment.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    pub ticks: f64,
    pub seconds: f64,
    /// Cumulative counts per bucket bound (seconds).
    pub buckets: Vec<(f64, f64)>,
    pub due: f64,
}

pub fn parse(text: &str) -> Scrape {
    let prefix = format!("{TICK_METRIC}_bucket{{le=\"");
    let buckets = text
        .lines()
        .filter_map(|line| {
            let (le, count) = line.strip_prefix(&prefix)?.split_once("\"} ")?;
            Some((le.parse().ok()?, count.trim().parse().ok()?))
        })
        .collect();
    Scrape {
        ticks: sample(text, &format!("{TICK_METRIC}_count")),
        seconds: sample(text, &format!("{TICK_METRIC}_sum")),
        buckets,
        due: sample(text, "officehours_reminders_total{outcome=\"due\"}"),
    }
}

pub async fn scrape(addr: SocketAddr) -> Scrape {
    parse(&get_body(addr, "/metrics").await.unwrap_or_default())
}

/// The smallest bucket bound holding at least `q` of the ticks between two scrapes.
pub fn bucket_quantile(before: &Scrape, after: &Scrape, q: f64) -> Option<f64> {
    let total = after.ticks - before.ticks;
    let earlier = |le: f64| {
        before
            .buckets
            .iter()
            .find(|(b, _)| *b == le)
            .map_or(0.0, |(_, n)| *n)
    };
    after
        .buckets
        .iter()
        .find(|(le, n)| total > 0.0 && (n - earlier(*le)) >= q * total)
        .map(|(le, _)| *le)
}
