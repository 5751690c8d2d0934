//! Logging: readable text by default, JSON lines with `LOG_FORMAT=json`; filter with `RUST_LOG`.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,slack_morphism=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests build several apps in one process) is harmless, so its error is ignored.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// One span per request, named by route (never by raw path, which could carry ids), with its outcome.
pub async fn trace_requests(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    // Handlers fill in who it was for (`slack::record_actor`), so the request's one log line says it.
    let span = tracing::info_span!(
        "http",
        http.method = %request.method(),
        http.route = %route,
        slack.team_id = tracing::field::Empty,
        slack.user_id = tracing::field::Empty,
        slack.event_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    crate::metrics::http_request(route, status, elapsed);
    let latency_ms = elapsed * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(http.status = status, latency_ms, "request failed");
        } else if status >= 400 {
            tracing::warn!(http.status = status, latency_ms, "request refused");
        } else {
            // Tens of thousands a second at full load: one line each would cost more than the answer.
            // `/metrics` counts them; `RUST_LOG=officehours=debug` shows each one.
            tracing::debug!(http.status = status, latency_ms, "request handled");
        }
    });
    response
}
