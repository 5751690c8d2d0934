//! The release binary as a child process (`officehours serve`), and what /proc says about a
//! process: memory, open files, TCP connections.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

use super::signing::{BOT_TOKEN, SECRET_KEY, SIGNING_SECRET};

/// The binary cargo built for this bench (release: `cargo bench` uses the bench profile).
pub const BINARY: &str = env!("CARGO_BIN_EXE_officehours");

/// A port nobody listens on right now (the kernel's pick, released at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct ServeSettings<'a> {
    pub database_url: &'a str,
    pub slack_api_url: &'a str,
    /// `OFFICEHOURS_TICK`: `off`, `1s`…
    pub tick: &'a str,
    /// Where the process runs and writes its log (so no stray `.env` is read).
    pub workdir: &'a Path,
    /// More settings, e.g. `MAX_CONNECTIONS`.
    pub extra_env: &'a [(&'a str, &'a str)],
}

/// `officehours serve` with a clean environment; killed when dropped.
pub struct Serve {
    child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
    pub started: Instant,
}

impl Serve {
    pub fn spawn(settings: &ServeSettings<'_>) -> Serve {
        let port = free_port();
        let log = settings.workdir.join(format!("officehours-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(BINARY);
        command
            .arg("serve")
            .current_dir(settings.workdir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
            .env("SLACK_API_URL", settings.slack_api_url)
            .env("DATABASE_URL", settings.database_url)
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("OFFICEHOURS_TICK", settings.tick)
            .env("OFFICEHOURS_SECRET_KEY", SECRET_KEY)
            // The fake Slack keeps no limits unless told: the benches measure the bot, not a
            // workspace's message ceiling.
            .env("WORKSPACE_MESSAGES_PER_MINUTE", "0")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file);
        command.envs(settings.extra_env.iter().copied());
        // The binary's own default log filter (info) unless the bench is told otherwise.
        if let Ok(filter) = std::env::var("BENCH_RUST_LOG") {
            command.env("RUST_LOG", filter);
        }
        let started = Instant::now();
        let child = command.spawn().expect("spawn officehours serve");
        Serve {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
            started,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls GET /readyz every millisecond until it answers 200; the time since spawning.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Duration {
        let deadline = Instant::now() + timeout;
        loop {
            if get_status(self.addr, "/readyz").await == Some(200) {
                return self.started.elapsed();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "officehours exited ({status}) before it was ready; log:\n{}",
                    tail(&self.log)
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "officehours not ready within {timeout:?}; log:\n{}",
                    tail(&self.log)
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// SIGTERM, then up to 10 s for a clean exit, then SIGKILL.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Any other child process, killed when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The last lines of a log file, for failure messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// One GET on a fresh connection; None if nothing answers.
pub async fn get_status(addr: SocketAddr, path: &str) -> Option<u16> {
    get(addr, path).await.map(|(status, _)| status)
}

/// One GET on a fresh connection: the status and the body; None if nothing answers.
pub async fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
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
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ProcStats {
    /// Resident now and at its peak (VmRSS, VmHWM), in KiB.
    pub rss_kib: u64,
    pub peak_kib: u64,
    pub fds: usize,
    /// TCP sockets the process holds, and how many of those are established.
    pub tcp: usize,
    pub tcp_established: usize,
}

pub fn proc_stats(pid: u32) -> ProcStats {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut sockets = HashSet::new();
    let mut fds = 0;
    if let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        for entry in entries.flatten() {
            fds += 1;
            if let Ok(target) = std::fs::read_link(entry.path()) {
                let target = target.to_string_lossy();
                if let Some(inode) = target
                    .strip_prefix("socket:[")
                    .and_then(|s| s.strip_suffix(']'))
                {
                    sockets.insert(inode.to_owned());
                }
            }
        }
    }
    let (mut tcp, mut established) = (0, 0);
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() > 9 && sockets.contains(cols[9]) {
                tcp += 1;
                if cols[3] == "01" {
                    established += 1;
                }
            }
        }
    }
    ProcStats {
        rss_kib: field("VmRSS:"),
        peak_kib: field("VmHWM:"),
        fds,
        tcp,
        tcp_established: established,
    }
}

/// CPU time (user + system) the process has used so far, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) in parentheses.
    let fields: Vec<&str> = stat
        .rfind(')')
        .map_or("", |i| &stat[i + 1..])
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime, in clock ticks of 1/100 s (USER_HZ on Linux).
    (ticks(11) + ticks(12)) / 100.0
}

/// The 1-minute load average: how busy the machine was besides the bench.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
