//! A small load client: hyper 1 HTTP/1.1 connections over tokio, keep-alive, signed
//! `POST /slack/commands` requests from a pool of pre-built bodies. Signatures are made once per
//! body per second of timestamp, so signing costs the client next to nothing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;

use super::signing::{signature, unix_now, SIGNING_SECRET};

/// What a real answer to `/officehours` contains.
pub fn is_answer(status: u16, body: &[u8]) -> bool {
    status == 200
        && std::str::from_utf8(body).is_ok_and(|text| {
            text.contains("\"response_type\":\"ephemeral\"") && text.contains("\"blocks\":[")
        })
}

pub struct Client {
    addr: SocketAddr,
    host: HeaderValue,
    bodies: Arc<Vec<Bytes>>,
    sender: Option<SendRequest<Full<Bytes>>>,
    signed_second: u64,
    timestamp: HeaderValue,
    signatures: Vec<Option<HeaderValue>>,
}

impl Client {
    pub fn new(addr: SocketAddr, bodies: Arc<Vec<Bytes>>) -> Client {
        let n = bodies.len();
        Client {
            addr,
            host: HeaderValue::from_str(&addr.to_string()).expect("host"),
            bodies,
            sender: None,
            signed_second: 0,
            timestamp: HeaderValue::from_static("0"),
            signatures: vec![None; n],
        }
    }

    async fn sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        let usable = self.sender.as_ref().is_some_and(|s| !s.is_closed());
        if !usable {
            let stream = tokio::net::TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            tokio::spawn(conn);
            self.sender = Some(sender);
        }
        let sender = self.sender.as_mut().expect("connected");
        sender
            .ready()
            .await
            .map_err(|e| format!("connection: {e}"))?;
        Ok(sender)
    }

    fn signed(&mut self, index: usize) -> (HeaderValue, HeaderValue) {
        let now = unix_now();
        if now != self.signed_second {
            self.signed_second = now;
            self.timestamp = HeaderValue::from_str(&now.to_string()).expect("timestamp");
            self.signatures.iter_mut().for_each(|s| *s = None);
        }
        let signature = self.signatures[index]
            .get_or_insert_with(|| {
                HeaderValue::from_str(&signature(SIGNING_SECRET, now, &self.bodies[index]))
                    .expect("signature")
            })
            .clone();
        (self.timestamp.clone(), signature)
    }

    /// Sends body `index`, freshly signed; the status and the whole answer.
    pub async fn send(&mut self, index: usize) -> Result<(u16, Bytes), String> {
        let (timestamp, signature) = self.signed(index);
        let request = hyper::Request::post("/slack/commands")
            .header(HOST, self.host.clone())
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .header("x-slack-request-timestamp", timestamp)
            .header("x-slack-signature", signature)
            .body(Full::new(self.bodies[index].clone()))
            .map_err(|e| e.to_string())?;
        let sender = self.sender().await?;
        let result = async {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| format!("request: {e}"))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            Ok((status, body))
        }
        .await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }
}

/// One closed-loop run: every connection sends its next request as soon as the last answer
/// is in. Only requests started inside the measured period count.
pub struct Run {
    /// Requests started in the measured period, and in the whole run (warm-up included).
    pub requests: u64,
    pub total: u64,
    pub errors: u64,
    pub latencies_us: Vec<u32>,
    pub measured: Duration,
    pub first_answer: Option<Bytes>,
    pub first_error: Option<String>,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.measured.as_secs_f64()
    }

    /// The latency at quantile `q` (nearest rank), in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile_ms(&self.latencies_us, q)
    }
}

/// `sorted` must be sorted.
pub fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

pub async fn closed_loop(
    addr: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    warm_up: Duration,
    measure: Duration,
) -> Run {
    let start = Instant::now();
    let (measure_from, stop) = (start + warm_up, start + warm_up + measure);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let bodies = bodies.clone();
        tasks.spawn(async move {
            let mut client = Client::new(addr, bodies.clone());
            let mut latencies = Vec::with_capacity(200_000);
            let (mut requests, mut errors, mut total) = (0_u64, 0_u64, 0_u64);
            let (mut first_answer, mut first_error) = (None, None);
            // Each connection cycles through its own share of the bodies.
            let mine: Vec<usize> = (0..bodies.len()).filter(|i| i % connections == c).collect();
            let mine = if mine.is_empty() {
                vec![c % bodies.len()]
            } else {
                mine
            };
            let mut n = 0;
            loop {
                let sent = Instant::now();
                if sent >= stop {
                    break;
                }
                let result = client.send(mine[n % mine.len()]).await;
                n += 1;
                total += 1;
                let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
                let ok = match &result {
                    Ok((status, body)) => {
                        if first_answer.is_none() && c == 0 {
                            first_answer = Some(body.clone());
                        }
                        let ok = is_answer(*status, body);
                        if !ok && first_error.is_none() {
                            first_error = Some(format!(
                                "HTTP {status}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(300)])
                            ));
                        }
                        ok
                    }
                    Err(e) => {
                        if first_error.is_none() {
                            first_error = Some(e.clone());
                        }
                        // Do not spin on a refused connection.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        false
                    }
                };
                if sent >= measure_from {
                    requests += 1;
                    latencies.push(micros);
                    if !ok {
                        errors += 1;
                    }
                }
            }
            (
                c,
                (requests, total),
                errors,
                latencies,
                first_answer,
                first_error,
            )
        });
    }
    let mut run = Run {
        requests: 0,
        total: 0,
        errors: 0,
        latencies_us: Vec::new(),
        measured: measure,
        first_answer: None,
        first_error: None,
    };
    while let Some(done) = tasks.join_next().await {
        let (c, (requests, total), errors, latencies, first_answer, first_error) =
            done.expect("a client connection panicked");
        run.requests += requests;
        run.total += total;
        run.errors += errors;
        run.latencies_us.extend(latencies);
        if c == 0 {
            run.first_answer = first_answer;
        }
        run.first_error = run.first_error.or(first_error);
    }
    run.latencies_us.sort_unstable();
    run
}
