//! The processes a sequence talks to, as Slack would reach them: the app (restarted by an op)
//! and a second replica on the same database, each `serve` with its own memory, the one fake
//! Slack and the one clock; and the scheduler that delivers what falls due.

use officehours::app::Core;
use officehours::startup::Application;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_util::task::TaskTracker;

use crate::support::{self, TestApp};

/// One running `serve`.
pub struct Server {
    pub base: String,
    followups: TaskTracker,
    stop: Option<oneshot::Sender<()>>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    pub async fn start(app: &TestApp) -> Server {
        let config = support::serve_config(&app.db, &app.slack);
        let clock: std::sync::Arc<dyn officehours::clock::Clock> = app.clock.clone();
        let built = Application::build(config, clock)
            .await
            .expect("the app starts");
        let base = format!("http://127.0.0.1:{}", built.port());
        let followups = built.followups();
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(built.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Server {
            base,
            followups,
            stop: Some(stop),
            running,
        }
    }

    /// Stops it as a deploy would: requests and follow-ups finish, the database closes.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let stopped = tokio::time::timeout(Duration::from_secs(30), &mut self.running).await;
        assert!(stopped.is_ok(), "the app did not stop within 30 s");
    }

    /// Waits until the work it went on with after answering (a press, a profile look-up) is done.
    pub async fn idle(&self) {
        let idle = || async { self.followups.is_empty().then_some(()) };
        let every = Duration::from_millis(1);
        let done = support::poll(Duration::from_secs(20), every, idle).await;
        assert!(done.is_some(), "a follow-up still ran after 20 s");
    }
}

/// The app, a replica (started when first used) and the scheduler's core.
pub struct Harness {
    pub primary: Server,
    pub replica: Option<Server>,
    /// The core `serve` would assemble, unpaced (Slack's one message a second per channel would
    /// be real seconds here): it runs the scheduler.
    pub core: Core,
    pub store: std::sync::Arc<dyn officehours::store::Store>,
    /// The next command or press goes to the replica.
    pub to_replica: bool,
    /// The next command is sent twice, the same request.
    pub retried: bool,
    /// How many restarts and replica requests the run made, for the summary.
    pub restarts: usize,
    pub replica_requests: usize,
    /// How often each rare thing the model checks happened (a full line, a late DM, …): a
    /// summary that shows the checks were reached.
    pub seen: std::collections::BTreeMap<&'static str, usize>,
}

impl Harness {
    pub async fn start(app: &TestApp) -> Harness {
        Harness {
            primary: Server::start(app).await,
            replica: None,
            core: super::model_core(app).await,
            store: officehours::store::connect(&app.db.url)
                .await
                .expect("the database"),
            to_replica: false,
            retried: false,
            restarts: 0,
            replica_requests: 0,
            seen: Default::default(),
        }
    }

    /// The app restarts: what it held in memory is gone; the database and Slack stay.
    pub async fn restart(&mut self, app: &TestApp) {
        self.idle().await;
        let fresh = Server::start(app).await;
        let old = std::mem::replace(&mut self.primary, fresh);
        // As in a rolling deploy, the old process winds down while the new one serves (its
        // shutdown can wait out its grace period; nothing reaches it any more).
        tokio::spawn(old.stop());
        self.core = super::model_core(app).await;
        self.restarts += 1;
    }

    pub fn saw(&mut self, what: &'static str) {
        *self.seen.entry(what).or_default() += 1;
    }

    /// Where the next request goes (the replica once, when asked).
    pub async fn target(&mut self, app: &TestApp) -> &Server {
        if std::mem::take(&mut self.to_replica) {
            self.replica_requests += 1;
            if self.replica.is_none() {
                self.replica = Some(Server::start(app).await);
            }
            if let Some(replica) = &self.replica {
                return replica;
            }
        }
        &self.primary
    }

    /// Both servers' bases: the primary, then the replica (started if need be).
    pub async fn both(&mut self, app: &TestApp) -> (String, String) {
        if self.replica.is_none() {
            self.replica = Some(Server::start(app).await);
        }
        let replica = self.replica.as_ref().map(|r| r.base.clone());
        (self.primary.base.clone(), replica.unwrap_or_default())
    }

    pub async fn idle(&self) {
        self.primary.idle().await;
        if let Some(replica) = &self.replica {
            replica.idle().await;
        }
    }

    pub async fn stop(self) {
        self.primary.stop().await;
        if let Some(replica) = self.replica {
            replica.stop().await;
        }
    }
}
