//! Prometheus metrics: one process-wide recorder, rendered at `GET /metrics`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets in seconds: Slack's budget is 3 s, most answers should be well under 10 ms.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The recorder, installed on first use. Tests build several apps in one process; they share it.
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .clone()
}

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds recorded histogram samples into their buckets, for as long as the app runs. The
/// recorder keeps every sample until this happens (or `/metrics` is read): without it memory
/// grew by every request's latency, about 27 MiB an hour at 500 requests a second.
pub async fn upkeep() {
    let Some(handle) = handle() else {
        return;
    };
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        handle.run_upkeep();
    }
}

/// The text exposition format.
pub fn render() -> String {
    match handle() {
        Some(handle) => {
            handle.run_upkeep();
            handle.render()
        }
        None => String::new(),
    }
}

/// Each route's counters, registered once: looking them up by label on every request (building
/// the label strings, hashing them into the registry) cost more than some answers.
static HTTP: RwLock<Option<HashMap<String, RouteMetrics>>> = RwLock::new(None);

#[derive(Clone)]
struct RouteMetrics {
    duration: metrics::Histogram,
    by_status: HashMap<u16, metrics::Counter>,
}

pub fn http_request(route: &str, status: u16, seconds: f64) {
    // Counted under the read lock when both are registered: no handle is cloned per request.
    let counted = HTTP.read().ok().is_some_and(|routes| {
        let Some(route) = routes.as_ref().and_then(|r| r.get(route)) else {
            return false;
        };
        let Some(count) = route.by_status.get(&status) else {
            return false;
        };
        count.increment(1);
        route.duration.record(seconds);
        true
    });
    if !counted {
        let (duration, count) = register(route, status);
        count.increment(1);
        duration.record(seconds);
    }
}

fn register(route: &str, status: u16) -> (metrics::Histogram, metrics::Counter) {
    let mut routes = HTTP
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let entry = routes
        .get_or_insert_with(HashMap::new)
        .entry(route.to_owned())
        .or_insert_with(|| RouteMetrics {
            duration: metrics::histogram!("officehours_http_request_duration_seconds", "route" => route.to_owned()),
            by_status: HashMap::new(),
        });
    let count = entry
        .by_status
        .entry(status)
        .or_insert_with(|| {
            let labels = [("route", route.to_owned()), ("status", status.to_string())];
            metrics::counter!("officehours_http_requests_total", &labels)
        })
        .clone();
    (entry.duration.clone(), count)
}

/// One Web API call and how it went: `ok`, `ratelimited`, `transport` or Slack's error code.
pub fn slack_call(method: &'static str, outcome: &str) {
    metrics::counter!("officehours_slack_api_calls_total", "method" => method, "outcome" => outcome.to_owned()).increment(1);
}

/// Reminders by what happened to them: `due` (claimed), `sent`, `retried`, `failed`, `dropped`, `cancelled`, `deferred`.
pub fn reminders(outcome: &'static str, count: usize) {
    if count > 0 {
        metrics::counter!("officehours_reminders_total", "outcome" => outcome)
            .increment(count as u64);
    }
}

pub fn scheduler_tick(seconds: f64, lag_seconds: f64) {
    metrics::histogram!("officehours_scheduler_tick_duration_seconds").record(seconds);
    metrics::gauge!("officehours_scheduler_lag_seconds").set(lag_seconds);
}

/// What Slack last said in a `hello`: how many Socket Mode connections this app has open.
pub fn socket_connections(open: f64) {
    metrics::gauge!("officehours_socket_mode_connections").set(open);
}
