//! Builds the application (database, Slack client, routes) and runs it until told to stop.

use anyhow::Context;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::{Core, CoreParts, NudgeSettings, PresenceSettings, SchedulerSettings};
use crate::clock::Clock;
use crate::config::{ServeConfig, ServerSettings};
use crate::crypto::TokenCipher;
use crate::keys::KeySource;
use crate::ports::slack::SlackApi;
use crate::ports::workspaces::{SingleWorkspace, Workspaces};
use crate::secret::Secret;
use crate::slack::api::SlackWebApi;
use crate::slack::connector::SlackWebConnector;
use crate::slack::socket_mode::SocketMode;
use crate::slack::verify::SignatureVerifier;
use crate::slack::{self, SlackApp};
use crate::store::{self, Store};
use crate::workspaces::{InstallSettings, Installs, Rotation, SingleToken};

/// How long handled event ids are kept: Slack's last retry comes about five minutes after the first.
const EVENT_MEMORY: chrono::Duration = chrono::Duration::days(1);
/// How long the trigger ids of commands, presses and submissions are kept: a replay is refused
/// while its signature is still accepted (five minutes either side of its timestamp).
const TRIGGER_MEMORY: chrono::Duration = chrono::Duration::hours(1);

pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    core: Core,
    tick: Option<Duration>,
    tasks: tokio_util::task::TaskTracker,
    retention: chrono::Duration,
    uninstall_retention: chrono::Duration,
    hint_cooldown: chrono::Duration,
    socket_mode: Option<SocketMode>,
    server: ServerSettings,
}

impl Application {
    /// Connects and migrates the database, builds the Slack client and binds the port (0 picks one).
    pub async fn build(config: ServeConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        crate::metrics::handle();
        let store = store::connect(&config.database_url)
            .await
            .with_context(|| {
                format!(
                    "opening the database at {}",
                    store::redact_url(&config.database_url)
                )
            })?;
        let cipher = crate::keys::serve_cipher(&*store, &KeySource::of(&config)).await?;
        let SlackClients {
            web,
            workspaces,
            installs,
            single,
        } = slack_clients(&config, &store, &clock, cipher.clone())?;
        if let Some(single) = &single {
            single
                .lift_stops()
                .await
                .context("lifting the stops of a previous SLACK_BOT_TOKEN")?;
        }
        let core = Core::assemble(CoreParts {
            store: store.clone(),
            clock: clock.clone(),
            workspaces: workspaces.clone(),
            installs,
            single,
            cipher,
            nudges: config.nudges.clone(),
            presence: config.presence.clone(),
            scheduler: SchedulerSettings {
                tick: config.tick.unwrap_or(Duration::from_secs(15)),
                lease: chrono::Duration::from_std(config.lease)
                    .unwrap_or(chrono::Duration::minutes(5)),
                per_workspace: match config.messages_per_minute {
                    0 => Duration::ZERO,
                    n => Duration::from_secs(60) / n,
                },
                ..Default::default()
            },
        });
        let tasks = tokio_util::task::TaskTracker::new();
        let app = Arc::new(SlackApp {
            core: core.clone(),
            workspaces,
            tasks: tasks.clone(),
            bot_user_ids: Default::default(),
            encoded: Default::default(),
        });
        let socket_mode = match &config.app_token {
            Some(token) => Some(SocketMode::start(app.clone(), &web, token).await?),
            None => None,
        };
        let router = routes(&config, app, &store, &clock);
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("listening on {}", config.listen_addr))?;
        Ok(Self {
            listener,
            router,
            store,
            clock,
            core,
            tick: config.tick,
            tasks,
            retention: config.retention,
            uninstall_retention: config.uninstall_retention,
            hint_cooldown: config.presence.hint_cooldown,
            socket_mode,
            server: config.server,
        })
    }

    /// The front door, for tests and tools that drive the core by hand (tick the scheduler with a
    /// test clock, say).
    pub fn core(&self) -> Core {
        self.core.clone()
    }

    /// The work the Slack handlers go on with after answering (a press is applied after its
    /// acknowledgement, a profile looked up): shutdown waits for it, and so can a test.
    pub fn followups(&self) -> tokio_util::task::TaskTracker {
        self.tasks.clone()
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let janitor = tokio::spawn(housekeeping(
            self.store.clone(),
            self.clock.clone(),
            (self.retention, self.hint_cooldown),
            self.uninstall_retention,
        ));
        let metrics_upkeep = tokio::spawn(crate::metrics::upkeep());
        let (stop, stopped) = watch::channel(false);
        let directory = {
            let (core, stopped) = (self.core.clone(), stopped.clone());
            tokio::spawn(async move { core.run_directory(stopped).await })
        };
        let scheduler = self.tick.map(|_| {
            let core = self.core.clone();
            tokio::spawn(async move { core.run_scheduler(stopped).await })
        });
        tracing::info!(
            port = self.port(),
            scheduler = scheduler.is_some(),
            "officehours is listening"
        );
        let deadline = crate::serve::serve(self.listener, self.router, &self.server, async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
        janitor.abort();
        metrics_upkeep.abort();
        if tokio::time::timeout_at(deadline, directory).await.is_err() {
            tracing::warn!("the directory was still catching up at the shutdown deadline");
        }
        if let Some(socket_mode) = self.socket_mode {
            socket_mode.shutdown().await;
        }
        if let Some(scheduler) = scheduler {
            wind_down_scheduler(scheduler, deadline, &self.core).await;
        }
        // Follow-ups of answered requests (profile look-ups, App Home updates) get what is left.
        self.tasks.close();
        if tokio::time::timeout_at(deadline, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("some follow-up work was still running at the shutdown deadline");
        }
        if tokio::time::timeout(Duration::from_secs(5), self.store.close())
            .await
            .is_err()
        {
            tracing::warn!("the database did not close in time");
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Lets in-flight deliveries finish (the loop then hands back what it still holds) until the
/// deadline; past it, stops them and hands back their claims marked in doubt.
async fn wind_down_scheduler(
    mut scheduler: tokio::task::JoinHandle<()>,
    deadline: tokio::time::Instant,
    core: &Core,
) {
    if tokio::time::timeout_at(deadline, &mut scheduler)
        .await
        .is_ok()
    {
        return;
    }
    tracing::warn!("deliveries were still running at the shutdown deadline; stopping them");
    scheduler.abort();
    let _ = scheduler.await;
    core.abandon_claims().await;
}

/// The core behind the terminal shell: its own clock, its stand-in for Slack, and a scheduler that
/// delivers only `team`'s reminders, unpaced. `public_url` (`PUBLIC_URL`) lets `calendar` hand out
/// a feed address. In the pretend workspace, connecting a Slack status goes through the real
/// OAuth pages with the stand-in as Slack (see [`shell_cipher`]); in a real workspace's data the
/// shell has no key and connects no one.
pub fn shell_core(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    slack: Arc<dyn SlackApi>,
    nudges: NudgeSettings,
    team: String,
    public_url: Option<String>,
) -> Core {
    let pretend = team == crate::config::SHELL_TEAM;
    let presence = PresenceSettings {
        public_url: public_url.filter(|url| !url.trim().is_empty()),
        ..PresenceSettings::default()
    };
    let presence = if pretend {
        PresenceSettings {
            client_id: Some("officehours-shell".to_owned()),
            client_secret: Some(Secret::new("shell")),
            connect_base: Some("shell:".to_owned()),
            ..presence
        }
    } else {
        presence
    };
    Core::assemble(CoreParts {
        store,
        clock,
        workspaces: SingleWorkspace::shared(slack),
        installs: None,
        single: None,
        cipher: pretend.then(shell_cipher).flatten(),
        nudges,
        presence,
        scheduler: SchedulerSettings {
            per_channel: Duration::ZERO,
            per_workspace: Duration::ZERO,
            per_tier3_call: Duration::ZERO,
            only_team: Some(team),
            ..Default::default()
        },
    })
}

/// The key of the shell's pretend workspace. It only ever seals tokens the shell's stand-in for
/// Slack made up (`xoxp-shell-…`, good for nothing outside the shell), and a fixed key opens them
/// on any database, in every run; `serve` never serves that workspace and leaves its tokens out
/// of its key checks (`keys::is_pretend`).
fn shell_cipher() -> Option<TokenCipher> {
    TokenCipher::from_key_text(&"5e".repeat(32)).ok()
}

/// Every route, behind the server's bounds, each request in its span.
fn routes(
    config: &ServeConfig,
    app: Arc<SlackApp>,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
) -> Router {
    let verifier = Arc::new(
        SignatureVerifier::new(config.signing_secret.clone())
            .with_body_timeout(config.server.body_timeout),
    );
    let routes = Router::new()
        .merge(slack::router(app.clone(), verifier))
        .merge(slack::web::router(app))
        .merge(health_router(store.clone(), clock.clone()));
    crate::serve::bounded(routes, &config.server)
}

fn health_router(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(|| async { crate::metrics::render() }))
        .route("/readyz", get(ready))
        .with_state((store, clock))
}

/// Ready when the database takes a write, not merely answers: a read-only file, a full disk or a
/// standby still answer `SELECT 1`.
async fn ready(
    State((store, clock)): State<(Arc<dyn Store>, Arc<dyn Clock>)>,
) -> impl IntoResponse {
    match store.probe_write(clock.now()).await {
        Ok(()) => (StatusCode::OK, "ready".to_owned()),
        Err(err) => {
            tracing::warn!(error = %err, "the database cannot take a write");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: the database cannot take a write ({err})"),
            )
        }
    }
}

/// Hourly: forget handled event and trigger ids, expired OAuth states and mention hints past
/// their cooldown, and delete what is past the retention period.
async fn housekeeping(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    (retention, hint_cooldown): (chrono::Duration, chrono::Duration),
    uninstall_retention: chrono::Duration,
) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let now = clock.now();
        let mut results: Vec<_> = sweep(&*store, now, retention, hint_cooldown)
            .await
            .into_iter()
            .collect();
        results.extend(sweep_workspaces(&*store, now, uninstall_retention).await);
        for (what, result) in results {
            match result {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, what, "housekeeping"),
                Err(err) => {
                    tracing::warn!(error = %err, what, "housekeeping failed; will try again")
                }
            }
        }
    }
}

/// One round of housekeeping at `now`: what was purged, by name, or why it could not be.
pub async fn sweep(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
    retention: chrono::Duration,
    hint_cooldown: chrono::Duration,
) -> [(&'static str, Result<u64, store::StoreError>); 8] {
    [
        (
            "event ids",
            store.forget_deliveries_before(now - EVENT_MEMORY).await,
        ),
        (
            "trigger ids",
            store.forget_triggers_before(now - TRIGGER_MEMORY).await,
        ),
        ("OAuth states", store.purge_expired_oauth_states(now).await),
        (
            "mention hints",
            store.purge_hints_before(now - hint_cooldown).await,
        ),
        (
            "finished reminders",
            store.purge_finished_before(now - retention).await,
        ),
        (
            "debrief feedback",
            store.purge_feedback_before(now - retention).await,
        ),
        (
            "notify subscriptions",
            store.purge_subscriptions_before(now - retention).await,
        ),
        (
            "drop-in visits and places",
            store.purge_visits_before(now - retention).await,
        ),
    ]
}

/// Housekeeping for installed workspaces: every row of each workspace uninstalled more than
/// `uninstall_retention` ago (`UNINSTALL_RETENTION`) is deleted, and expired install states.
pub async fn sweep_workspaces(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
    uninstall_retention: chrono::Duration,
) -> [(&'static str, Result<u64, store::StoreError>); 2] {
    let purged = store
        .purge_uninstalled_before(now - uninstall_retention)
        .await
        .map(|teams| {
            for team in &teams {
                tracing::info!(slack.team_id = %team, "deleted the data of an uninstalled workspace");
            }
            teams.len() as u64
        });
    [
        ("uninstalled workspaces", purged),
        (
            "install states",
            store.purge_expired_install_states(now).await,
        ),
    ]
}

/// The Slack side, as the configuration says: with `SLACK_BOT_TOKEN`, one client for everyone
/// (single-token mode); without it, each installed workspace's own ("Add to Slack").
struct SlackClients {
    /// A client for Socket Mode's listener.
    web: Arc<SlackWebApi>,
    workspaces: Arc<dyn Workspaces>,
    installs: Option<Arc<Installs>>,
    single: Option<Arc<SingleToken>>,
}

fn slack_clients(
    config: &ServeConfig,
    store: &Arc<dyn Store>,
    clock: &Arc<dyn Clock>,
    cipher: Option<TokenCipher>,
) -> anyhow::Result<SlackClients> {
    let presence = &config.presence;
    // Renews rotating tokens (token rotation on): needs the key and the app's credentials.
    let rotation = |oauth: Arc<dyn SlackApi>| {
        let (Some(cipher), Some(id), Some(secret)) = (
            cipher.clone(),
            presence.client_id.clone(),
            presence.client_secret.clone(),
        ) else {
            return None;
        };
        let rotation = Rotation::new(store.clone(), clock.clone(), cipher, oauth, (id, secret));
        Some(Arc::new(rotation))
    };
    if let Some(token) = &config.bot_token {
        let web = Arc::new(SlackWebApi::new(&config.slack_api_url, token)?);
        let slack: Arc<dyn SlackApi> = web.clone();
        let single = Arc::new(SingleToken::new(
            slack.clone(),
            token,
            store.clone(),
            clock.clone(),
            rotation(slack),
        ));
        return Ok(SlackClients {
            web,
            workspaces: single.clone(),
            installs: None,
            single: Some(single),
        });
    }
    let (Some(client_id), Some(client_secret), Some(public_url), Some(key)) = (
        presence.client_id.clone(),
        presence.client_secret.clone(),
        presence.public_url.clone(),
        cipher.clone(),
    ) else {
        anyhow::bail!("without SLACK_BOT_TOKEN, workspaces install the bot (\"Add to Slack\"): that needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, PUBLIC_URL and a token key (OFFICEHOURS_SECRET_KEY)");
    };
    let web = Arc::new(SlackWebApi::new(&config.slack_api_url, &Secret::default())?);
    let installs = Arc::new(Installs::new(
        store.clone(),
        clock.clone(),
        key,
        Arc::new(SlackWebConnector::new(&config.slack_api_url)?),
        InstallSettings {
            client_id,
            client_secret,
            public_url,
            authorize_url: presence.authorize_url.clone(),
        },
        rotation(web.clone()),
    ));
    Ok(SlackClients {
        web,
        workspaces: installs.clone(),
        installs: Some(installs),
        single: None,
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
