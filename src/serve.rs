//! The HTTP server under bounds: hyper's HTTP/1 connections with its header timer, a cap on open
//! connections, tower-http's request timeout and body limit around the routes, load shedding past
//! a cap on requests in flight, and a deadline for shutting down. (The body timeout is kept where
//! the only bodies are read: `slack::verify`, before the signature is checked.)

use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{timeout, Instant};
use tokio_io_timeout::TimeoutStream;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::config::{ServerSettings, MAX_BODY_BYTES};

/// Puts every route behind the request bounds, each request in its span (outermost, so
/// it also logs and counts the 503s and 408s the bounds answer). Past `max_in_flight` a request
/// is answered 503 at once (load shedding) instead of waiting in a queue that an attacker could
/// fill. One `layer` call for all of it: axum boxes each route again at every call, and each box
/// is an allocation and a clone per request.
pub fn bounded(router: Router, settings: &ServerSettings) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(crate::telemetry::trace_requests))
            // A declared length over the limit is answered before anything else.
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
            .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                (StatusCode::SERVICE_UNAVAILABLE, "busy; try again")
            }))
            .load_shed()
            .layer(GlobalConcurrencyLimitLayer::new(settings.max_in_flight))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                settings.request_timeout,
            )),
    )
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting and lets open
/// requests finish until the grace period runs out, when the connections left are dropped.
/// Returns that deadline, so the caller winds down its own work by the same time.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()>,
) -> Instant {
    // No tower or hyper layer caps connections (they see requests, not sockets), so a semaphore
    // around accept does: past the cap, new connections wait in the kernel's backlog instead of
    // costing file descriptors and memory here.
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors, say: waiting a moment beats spinning on the error.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (http, router, watcher) = (http.clone(), router.clone(), graceful.watcher());
        let (header_timeout, idle_timeout) = (settings.header_timeout, settings.idle_timeout);
        connections.spawn(async move {
            // hyper gives each connection 16 KiB of buffers as it starts; a client that has not
            // sent a byte yet waits here without them (a thousand idle sockets cost little).
            // (`peek`, not `readable`: readiness may be reported falsely, a peeked byte cannot.)
            let mut first = [0u8; 1];
            let peeked = timeout(header_timeout, stream.peek(&mut first)).await;
            if !matches!(peeked, Ok(Ok(n)) if n > 0) {
                return;
            }
            let io = TokioIo::new(Box::pin(idle_bounded(stream, idle_timeout)));
            let connection = http.serve_connection(io, TowerToHyperService::new(router));
            // Boxed, so the task of a connection still waiting above stays a few bytes long
            // instead of carrying the whole HTTP state machine (kilobytes) from the start.
            if let Err(err) = Box::pin(watcher.watch(connection)).await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    let deadline = Instant::now() + settings.shutdown_grace;
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep_until(deadline) => {
            tracing::warn!(
                open = connections.len(),
                "shutdown grace ran out; dropping the connections still open"
            );
        }
    }
    connections.shutdown().await;
    deadline
}

/// A socket on which a pending write fails after `idle`: a client that stops reading its answer
/// cannot hold the connection for ever. Reads need no timer of their own: hyper's header timer
/// bounds a connection waiting for its next request, the body timeout a body, and the request
/// timeout the rest. (A read timer here was set and cleared around every request, and clearing
/// it fired it: one extra wake-up and `recv` per request, seen in a profile.)
fn idle_bounded(stream: TcpStream, idle: Duration) -> TimeoutStream<TcpStream> {
    let mut stream = TimeoutStream::new(stream);
    stream.set_write_timeout(Some(idle));
    stream
}
