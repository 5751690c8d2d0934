//! Slack request signing (v0 HMAC-SHA256). What the headers alone can refuse (no signature, a
//! malformed or stale timestamp, a body declared too large) is refused before a byte of the body
//! is read; only then is the body read, within its limit, and its HMAC checked.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::secret::Secret;

pub use crate::config::MAX_BODY_BYTES;
/// Slack's replay window (https://docs.slack.dev/authentication/verifying-requests-from-slack).
pub const MAX_CLOCK_SKEW_SECS: i64 = 5 * 60;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("missing X-Slack-Signature or X-Slack-Request-Timestamp")]
    MissingHeaders,
    #[error("malformed timestamp")]
    BadTimestamp,
    #[error("timestamp outside the five-minute window")]
    Stale,
    #[error("signature does not match")]
    BadSignature,
}

pub struct SignatureVerifier {
    /// HMAC with the signing secret already keyed in; each request starts from a copy of it.
    keyed: HmacSha256,
    /// How long a signed request's body may take to arrive (`BODY_TIMEOUT`).
    body_timeout: Duration,
}

type HmacSha256 = Hmac<Sha256>;

impl SignatureVerifier {
    pub fn new(secret: Secret) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = match HmacSha256::new_from_slice(secret.expose().as_bytes()) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        Self {
            keyed,
            body_timeout: crate::config::ServerSettings::default().body_timeout,
        }
    }

    /// With `timeout` for a body to arrive (the server's `BODY_TIMEOUT`).
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    fn mac(&self, timestamp: &str, body: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        mac
    }

    /// "v0=" + hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")).
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        format!(
            "v0={}",
            hex::encode(self.mac(timestamp, body).finalize().into_bytes())
        )
    }

    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<(), VerifyError> {
        let claim = SignedHeaders::check(timestamp, signature, now_unix)?;
        self.verify_body(&claim, body)
    }

    /// The HMAC over the body, for headers that passed `SignedHeaders::check`.
    fn verify_body(&self, claim: &SignedHeaders<'_>, body: &[u8]) -> Result<(), VerifyError> {
        // verify_slice compares in constant time.
        self.mac(claim.timestamp, body)
            .verify_slice(&claim.signature)
            .map_err(|_| VerifyError::BadSignature)
    }
}

/// What the headers claim, checked as far as they can be without the body.
struct SignedHeaders<'a> {
    timestamp: &'a str,
    signature: Vec<u8>,
}

impl<'a> SignedHeaders<'a> {
    fn check(
        timestamp: Option<&'a str>,
        signature: Option<&str>,
        now_unix: i64,
    ) -> Result<Self, VerifyError> {
        let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
            return Err(VerifyError::MissingHeaders);
        };
        let sent: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| VerifyError::BadTimestamp)?;
        if now_unix.abs_diff(sent) > MAX_CLOCK_SKEW_SECS.unsigned_abs() {
            return Err(VerifyError::Stale);
        }
        let signature = signature
            .strip_prefix("v0=")
            .and_then(|hex_part| hex::decode(hex_part).ok())
            .ok_or(VerifyError::BadSignature)?;
        Ok(Self {
            timestamp,
            signature,
        })
    }
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Axum middleware: 413 for a body declared or found too large, 401 for anything not signed by
/// Slack, else the verified body is handed on unchanged. The headers are judged first, so a
/// request that cannot be Slack's costs no read of its body.
pub async fn require_slack_signature(
    State(verifier): State<Arc<SignatureVerifier>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    if declared_length(&parts.headers).is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let header_str = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let claim = match SignedHeaders::check(
        header_str("x-slack-request-timestamp"),
        header_str("x-slack-signature"),
        now_unix(),
    ) {
        Ok(claim) => claim,
        Err(why) => return unsigned(why),
    };
    // Slack's bodies are small and come with their headers, so the body is nearly always read at
    // the first poll; only one that is not gets a timer (a per-frame timeout layer set and
    // cancelled two timers a request, a few per cent of the serving CPU under load).
    let mut collect = std::pin::pin!(axum::body::to_bytes(body, MAX_BODY_BYTES));
    let collected = match collect.as_mut().now_or_never() {
        Some(collected) => collected,
        None => match tokio::time::timeout(verifier.body_timeout, collect).await {
            Ok(collected) => collected,
            Err(_) => return StatusCode::REQUEST_TIMEOUT.into_response(),
        },
    };
    let bytes: Bytes = match collected {
        Ok(bytes) => bytes,
        Err(err) if caused_by::<http_body_util::LengthLimitError>(&err) => {
            return StatusCode::PAYLOAD_TOO_LARGE.into_response()
        }
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    if let Err(why) = verifier.verify_body(&claim, &bytes) {
        return unsigned(why);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

fn unsigned(why: VerifyError) -> Response {
    tracing::warn!(reason = %why, "rejected a request that Slack did not sign");
    (StatusCode::UNAUTHORIZED, "invalid Slack signature").into_response()
}

fn caused_by<E: std::error::Error + 'static>(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<E>() {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const DOC_TS: &str = "1531420618";
    const DOC_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const DOC_SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn verifier() -> SignatureVerifier {
        SignatureVerifier::new(Secret::new(DOC_SECRET))
    }

    #[test]
    fn matches_slacks_documented_example() {
        assert_eq!(verifier().sign(DOC_TS, DOC_BODY.as_bytes()), DOC_SIG);
        assert_eq!(
            verifier().verify(
                Some(DOC_TS),
                Some(DOC_SIG),
                DOC_BODY.as_bytes(),
                1531420618 + 10
            ),
            Ok(())
        );
    }

    #[test]
    fn rejects_tampering_staleness_and_garbage() {
        let v = verifier();
        let now = 1531420618;
        assert_eq!(
            v.verify(Some(DOC_TS), Some(DOC_SIG), b"text=x", now),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            v.verify(Some(DOC_TS), Some(DOC_SIG), DOC_BODY.as_bytes(), now + 301),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            v.verify(Some(DOC_TS), Some(DOC_SIG), DOC_BODY.as_bytes(), now - 301),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            v.verify(None, Some(DOC_SIG), DOC_BODY.as_bytes(), now),
            Err(VerifyError::MissingHeaders)
        );
        assert_eq!(
            v.verify(Some("soon"), Some(DOC_SIG), DOC_BODY.as_bytes(), now),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            v.verify(Some(DOC_TS), Some("v0=zz"), DOC_BODY.as_bytes(), now),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            v.verify(Some(DOC_TS), Some("v1=00"), DOC_BODY.as_bytes(), now),
            Err(VerifyError::BadSignature)
        );
    }

    /// Found by fuzzing: `now - sent` overflowed (a panic in debug builds) for a timestamp
    /// far enough below zero.
    #[test]
    fn extreme_timestamps_are_stale_not_a_panic() {
        let v = verifier();
        let body = DOC_BODY.as_bytes();
        for (timestamp, now) in [
            ("-9223372036854775808", 1531420618),
            ("-1", i64::MAX),
            ("9223372036854775807", i64::MIN),
        ] {
            assert_eq!(
                v.verify(Some(timestamp), Some(DOC_SIG), body, now),
                Err(VerifyError::Stale),
                "{timestamp} at {now}"
            );
        }
    }

    /// A body that must never be read: polling it fails the test.
    struct Untouchable;

    impl hyper::body::Body for Untouchable {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
            panic!("the body was read although the headers already refused the request")
        }
    }

    async fn answer(headers: &[(&str, String)], body: Body) -> StatusCode {
        use tower::ServiceExt;
        let router = axum::Router::new()
            .route("/slack/commands", axum::routing::post(|| async { "ok" }))
            .route_layer(axum::middleware::from_fn_with_state(
                Arc::new(verifier()),
                require_slack_signature,
            ));
        let mut request = axum::http::Request::builder()
            .method("POST")
            .uri("/slack/commands");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request.body(body).expect("a request");
        router.oneshot(request).await.expect("infallible").status()
    }

    #[tokio::test]
    async fn headers_alone_refuse_without_reading_the_body() {
        let now = now_unix();
        let fresh = now.to_string();
        let signature = verifier().sign(&fresh, b"text=help");
        type Headers = Vec<(&'static str, String)>;
        let cases: Vec<(&str, Headers, StatusCode)> = vec![
            ("no headers", vec![], StatusCode::UNAUTHORIZED),
            (
                "no signature",
                vec![("x-slack-request-timestamp", fresh.clone())],
                StatusCode::UNAUTHORIZED,
            ),
            (
                "malformed timestamp",
                vec![
                    ("x-slack-request-timestamp", "soon".into()),
                    ("x-slack-signature", signature.clone()),
                ],
                StatusCode::UNAUTHORIZED,
            ),
            (
                "stale timestamp with a large declared body",
                vec![
                    ("x-slack-request-timestamp", (now - 301).to_string()),
                    ("x-slack-signature", signature.clone()),
                    ("content-length", "200000".into()),
                ],
                StatusCode::UNAUTHORIZED,
            ),
            (
                "signature not v0",
                vec![
                    ("x-slack-request-timestamp", fresh.clone()),
                    ("x-slack-signature", "v1=00".into()),
                ],
                StatusCode::UNAUTHORIZED,
            ),
            (
                "fresh headers, body declared too large",
                vec![
                    ("x-slack-request-timestamp", fresh.clone()),
                    ("x-slack-signature", signature.clone()),
                    ("content-length", (MAX_BODY_BYTES + 1).to_string()),
                ],
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
        ];
        for (what, headers, expected) in cases {
            assert_eq!(
                answer(&headers, Body::new(Untouchable)).await,
                expected,
                "{what}"
            );
        }
        // The same route passes a request whose headers and body are Slack's.
        let signed = vec![
            ("x-slack-request-timestamp", fresh),
            ("x-slack-signature", signature),
        ];
        assert_eq!(
            answer(&signed, Body::from("text=help")).await,
            StatusCode::OK
        );
    }
}
