//! `/metrics` of a running process, read as a bench needs it: the scheduler tick histogram
//! (`officehours_scheduler_tick_duration_seconds`) and the reminders found due.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

const TICK_METRIC: &str = "officehours_scheduler_tick_duration_seconds";

/// One GET on a fresh connection: the body, if it answered 200.
pub async fn get_body(addr: SocketAddr, path: &str) -> Option<String> {
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    let request = hyper::Request::get(path)
        .header("host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .ok()?;
    let response = sender.send_request(request).await.ok()?;
    if response.status() != 200 {
        return None;
    }
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some(String::from_utf8_lossy(&body).into_owned())
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
