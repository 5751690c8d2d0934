//! Injected failures: answered instead of a call (`fail_next`) or after it took effect
//! (`accept_but_fail_next`): 429 with Retry-After, `ok:false`, an HTTP status, a delay, a dropped connection.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::http::{envelope, json_response, ApiError};
use super::{lock, FakeSlack, Shared};

#[derive(Clone, Debug)]
pub enum FakeFailure {
    /// HTTP 429, `Retry-After: N`, body `{"ok":false,"error":"ratelimited"}`.
    RateLimited { retry_after_secs: u64 },
    /// HTTP 200 `{"ok":false,"error":...}`.
    Error(&'static str),
    /// That HTTP status with a short text body.
    Status(u16),
    /// Sleep, then answer normally.
    Delay(Duration),
    /// Drop the connection without a complete answer: the client sees a transport error, no status.
    Disconnect,
}

impl FakeSlack {
    /// Queues a failure for the next call to `method` (or `RESPONSE_URL`); FIFO, one per call.
    pub fn fail_next(&self, method: &str, failure: FakeFailure) {
        lock(&self.state)
            .failures
            .entry(method.to_string())
            .or_default()
            .push_back(failure);
    }

    /// Like `fail_next`, but the call first takes effect (a chat.postMessage is stored) and then
    /// `failure` is answered instead: Slack did it, the bot never heard back. `Delay` answers
    /// normally, late. Used by the next call that `fail_next` does not fail; FIFO, one per call.
    pub fn accept_but_fail_next(&self, method: &str, failure: FakeFailure) {
        lock(&self.state)
            .late_failures
            .entry(method.to_string())
            .or_default()
            .push_back(failure);
    }
}

/// Pops the next injected failure for `method`: a `late` one (accept_but_fail_next) or not.
pub(super) fn next_failure(state: &Shared, method: &str, late: bool) -> Option<FakeFailure> {
    let mut st = lock(state);
    let queues = if late {
        &mut st.late_failures
    } else {
        &mut st.failures
    };
    queues.get_mut(method).and_then(VecDeque::pop_front)
}

/// Turns an injected failure into its response; `Delay` sleeps and lets the call go on.
pub(super) async fn apply_failure(failure: Option<FakeFailure>) -> Option<Response> {
    match failure? {
        FakeFailure::Delay(d) => {
            tokio::time::sleep(d).await;
            None
        }
        FakeFailure::Error(code) => Some(envelope(Err(ApiError::new(code)))),
        FakeFailure::RateLimited { retry_after_secs } => {
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"ok": false, "error": "ratelimited"}),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            Some(response)
        }
        FakeFailure::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = status.canonical_reason().unwrap_or("error").to_string();
            Some(
                (
                    status,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    text,
                )
                    .into_response(),
            )
        }
        FakeFailure::Disconnect => Some(Response::new(Body::new(BrokenBody))),
    }
}

/// A body that fails at once: hyper then drops the connection instead of finishing the answer.
struct BrokenBody;

impl HttpBody for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fake Slack: connection dropped",
        ))))
    }
}
