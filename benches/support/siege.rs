//! Hostile connections held open beside the load: idle ones that send nothing, and slow ones that
//! trickle headers or a signed request's body. Each is opened again as soon as the server closes
//! it, so the count stays held for the whole run. And a prober that times `/healthz` on a fresh
//! connection, as an orchestrator's health check does.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::signing;

pub struct Siege {
    tasks: JoinSet<()>,
    /// Connections opened again after the server closed them (its timeouts at work).
    pub reopened: Arc<AtomicU64>,
}

impl Siege {
    /// Opens `idle` silent connections and `slow` trickling ones, a few at a time.
    pub async fn start(addr: SocketAddr, idle: usize, slow: usize) -> Siege {
        let reopened = Arc::new(AtomicU64::new(0));
        let mut tasks = JoinSet::new();
        for i in 0..idle + slow {
            let reopened = reopened.clone();
            let kind = if i < idle {
                Kind::Idle
            } else if i % 2 == 0 {
                Kind::SlowHeaders
            } else {
                Kind::SlowBody
            };
            tasks.spawn(async move {
                loop {
                    hold(addr, kind).await;
                    reopened.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            });
            if i % 50 == 49 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        // Every connection is opened before the measurement starts.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Siege { tasks, reopened }
    }

    pub async fn stop(mut self) {
        self.tasks.shutdown().await;
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Idle,
    SlowHeaders,
    SlowBody,
}

/// One connection of its kind, until the server closes it.
async fn hold(addr: SocketAddr, kind: Kind) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return;
    };
    match kind {
        Kind::Idle => {
            let mut byte = [0u8; 1];
            let _ = stream.read(&mut byte).await;
        }
        Kind::SlowHeaders => {
            if stream
                .write_all(b"POST /slack/commands HTTP/1.1\r\nhost: x\r\n")
                .await
                .is_err()
            {
                return;
            }
            for n in 0u64.. {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream
                    .write_all(format!("x-slow-{n}: y\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        Kind::SlowBody => {
            let now = signing::unix_now();
            let signature = signing::signature(signing::SIGNING_SECRET, now, b"never sent");
            let head = format!(
                "POST /slack/commands HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n\
                 content-length: 100000\r\nx-slack-request-timestamp: {now}\r\nx-slack-signature: {signature}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(b"a").await.is_err() {
                    return;
                }
            }
        }
    }
}

/// `GET /healthz` on a fresh connection every `every` for `duration`: the latencies of the
/// answers (µs, sorted) and how many got none within 5 s.
pub async fn probe_health(
    addr: SocketAddr,
    every: Duration,
    duration: Duration,
) -> (Vec<u32>, u64) {
    let stop = Instant::now() + duration;
    let (mut latencies, mut failures) = (Vec::new(), 0);
    while Instant::now() < stop {
        let sent = Instant::now();
        let answered = tokio::time::timeout(
            Duration::from_secs(5),
            super::process::get_status(addr, "/healthz"),
        )
        .await;
        match answered {
            Ok(Some(200)) => {
                latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX))
            }
            _ => failures += 1,
        }
        tokio::time::sleep(every).await;
    }
    latencies.sort_unstable();
    (latencies, failures)
}
