//! Servers measured in turns: round after round, each server gets one short closed-loop window
//! in a process started for it, while the others are not running. On a shared two-core machine
//! the speed of the host drifts by a tenth and more over a minute, and two processes of the same
//! binary differ by as much; measured one after the other in one process each, a ratio of two
//! servers measured both as much as the servers. In turns, in fresh processes, each sees the
//! same drift and the same luck.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Bytes;

use super::client::{closed_loop, Run};
use super::process::{self, proc_stats, ProcStats};

/// A server process started for one turn; `stop` ends it.
pub struct Running {
    pub addr: SocketAddr,
    pub pid: u32,
    stop: Box<dyn FnOnce()>,
}

impl Running {
    pub fn new(addr: SocketAddr, pid: u32, stop: impl FnOnce() + 'static) -> Running {
        Running {
            addr,
            pid,
            stop: Box::new(stop),
        }
    }
}

/// Starts a fresh process of one server and waits until it is ready.
pub type Start<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Running> + 'a>> + 'a>;

/// One server taking part, and what it did over all its turns.
pub struct Contender<'a> {
    pub name: String,
    start: Start<'a>,
    /// Every turn's run, merged; `None` until the first turn.
    pub run: Option<Run>,
    /// The serving processes' CPU seconds over all their windows, warm-ups included.
    pub cpu_seconds: f64,
    /// The largest peak RSS of its processes, and the last one's figures as its turn ended.
    pub peak_kib: u64,
    pub last: Option<ProcStats>,
    pub processes: u32,
}

impl<'a> Contender<'a> {
    pub fn new(name: &str, start: Start<'a>) -> Contender<'a> {
        Contender {
            name: name.to_owned(),
            start,
            run: None,
            cpu_seconds: 0.0,
            peak_kib: 0,
            last: None,
            processes: 0,
        }
    }

    /// The serving processes' CPU per request answered (warm-ups included on both sides).
    pub fn cpu_per_request_us(&self) -> f64 {
        let total = self.run.as_ref().map_or(0, |r| r.total).max(1);
        self.cpu_seconds * 1e6 / total as f64
    }
}

/// `rounds` turns of `warm_up` then `measure` for each contender, in the same order each round,
/// each turn in a process of its own.
pub async fn in_turns(
    contenders: &mut [Contender<'_>],
    bodies: &Arc<Vec<Bytes>>,
    connections: usize,
    rounds: u32,
    warm_up: Duration,
    measure: Duration,
) {
    for _ in 0..rounds {
        for contender in contenders.iter_mut() {
            let running = (contender.start)().await;
            let cpu = process::cpu_seconds(running.pid);
            let run =
                closed_loop(running.addr, bodies.clone(), connections, warm_up, measure).await;
            contender.cpu_seconds += process::cpu_seconds(running.pid) - cpu;
            let stats = proc_stats(running.pid);
            contender.peak_kib = contender.peak_kib.max(stats.peak_kib);
            contender.last = Some(stats);
            contender.processes += 1;
            (running.stop)();
            contender.run = Some(match contender.run.take() {
                None => run,
                Some(before) => merged(before, run),
            });
        }
    }
}

/// Two windows' runs as one: their counts added, their latencies pooled.
pub fn merged(mut a: Run, b: Run) -> Run {
    a.requests += b.requests;
    a.total += b.total;
    a.errors += b.errors;
    a.measured += b.measured;
    a.latencies_us.extend(b.latencies_us);
    a.latencies_us.sort_unstable();
    a.first_answer = a.first_answer.or(b.first_answer);
    a.first_error = a.first_error.or(b.first_error);
    a
}
