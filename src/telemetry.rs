//! Logging: readable text by default, JSON lines with `LOG_FORMAT=json`; filter with `RUST_LOG`.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::{Instrument, Level, Metadata};
use tracing_subscriber::filter::{filter_fn, FilterFn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,slack_morphism=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    // Colours only for a person at a terminal: escape codes in a log file or a collector are
    // noise, and styling every span's fields cost about half a per cent of a request's CPU.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second init (tests build several apps in one process) is harmless, so its error is ignored.
    let _ = if json {
        builder.json().finish().with(never_secrets()).try_init()
    } else {
        builder.finish().with(never_secrets()).try_init()
    };
}

/// Libraries whose verbose levels carry secrets, and the most they may say whatever `RUST_LOG`
/// asks: slack-morphism logs each request's full URL at debug (oauth.v2.access carries the
/// OAuth code in it) and Socket Mode envelopes, message text included, at trace.
const CAPPED: &[(&str, Level)] = &[("slack_morphism", Level::INFO)];

/// A filter no `RUST_LOG` directive can lift, unlike one more directive in the `EnvFilter`
/// (a more specific one, `slack_morphism::hyper_tokio=trace`, would win over it).
fn never_secrets() -> FilterFn<impl Fn(&Metadata<'_>) -> bool> {
    filter_fn(|meta| allowed(meta.target(), *meta.level()))
}

fn allowed(target: &str, level: Level) -> bool {
    CAPPED.iter().all(|(crate_name, most)| {
        let ours = target == *crate_name
            || target
                .strip_prefix(crate_name)
                .is_some_and(|rest| rest.starts_with("::"));
        // `Level` orders by verbosity: TRACE is the greatest.
        !ours || level <= *most
    })
}

/// One span per request, named by route (never by raw path, which could carry ids), with its outcome.
pub async fn trace_requests(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    // Handlers fill in who it was for (`slack::record_actor`), so the request's one log line says it.
    // The method is not among the span's fields: each is formatted as the span opens, whether
    // or not a line is ever written; the lines about the outcome say it instead.
    let method = request.method().clone();
    let span = tracing::info_span!(
        "http",
        http.route = %route,
        slack.team_id = tracing::field::Empty,
        slack.user_id = tracing::field::Empty,
        slack.event_id = tracing::field::Empty,
    );
    let started = Instant::now();
    // The span goes in with the request and comes back out for the outcome: not cloned.
    let mut work = std::pin::pin!(next.run(request).instrument(span));
    let response = work.as_mut().await;
    let span = work.span();
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    crate::metrics::http_request(route, status, elapsed);
    let latency_ms = elapsed * 1000.0;
    // With the span as parent rather than entered: a line that is filtered out costs nothing.
    if status >= 500 {
        tracing::error!(parent: span, http.method = %method, http.status = status, latency_ms, "request failed");
    } else if status >= 400 {
        tracing::warn!(parent: span, http.method = %method, http.status = status, latency_ms, "request refused");
    } else {
        // Tens of thousands a second at full load: one line each would cost more than the answer.
        // `/metrics` counts them; `RUST_LOG=officehours=debug` shows each one.
        tracing::debug!(parent: span, http.method = %method, http.status = status, latency_ms, "request handled");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_morphism_says_at_most_info_whatever_is_asked() {
        assert!(!allowed(
            "slack_morphism::hyper_tokio::connector",
            Level::DEBUG
        ));
        assert!(!allowed("slack_morphism", Level::TRACE));
        assert!(allowed(
            "slack_morphism::hyper_tokio::connector",
            Level::WARN
        ));
        assert!(allowed("slack_morphism_other", Level::TRACE));
        assert!(allowed("officehours::slack", Level::TRACE));
    }
}
