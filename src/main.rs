//! The `officehours` binary: `serve` (default), `shell`, `migrate`, `check`, `keys`.

use clap::Parser;
use std::process::ExitCode;
use std::sync::Arc;

use officehours::clock::SystemClock;
use officehours::config::{Cli, Command, ServeArgs, ServeConfig};
use officehours::startup::{shutdown_signal, Application};
use officehours::{check, keys, shell, store, telemetry};

fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(err) = dotenvy::dotenv() {
        if !err.not_found() {
            eprintln!("warning: could not read .env: {err}");
        }
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // Exactly one rustls crypto provider (ring), installed before any TLS is attempted.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.command {
        Some(Command::Shell(args)) => {
            let settings = cli
                .common
                .nudges
                .settings()
                .map_err(|problems| anyhow::anyhow!(problems.join("\n")))?;
            let store = store::connect(&cli.common.database_url).await?;
            let team = args.team.clone();
            let public_url = cli.serve.public_url.clone();
            shell::run(
                args,
                move |clock, slack| {
                    officehours::startup::shell_core(
                        store, clock, slack, settings, team, public_url,
                    )
                },
                shell::history_next_to(&cli.common.database_url),
                tokio::io::BufReader::new(tokio::io::stdin()),
                tokio::io::stdout(),
            )
            .await
        }
        Some(Command::Migrate) => {
            telemetry::init();
            store::connect(&cli.common.database_url).await?;
            tracing::info!(database = %store::redact_url(&cli.common.database_url), "migrations applied");
            Ok(())
        }
        Some(Command::Check { local }) => {
            if check::run(&cli.common, &cli.serve, local).await {
                Ok(())
            } else {
                Err(anyhow::anyhow!("officehours check found problems"))
            }
        }
        Some(Command::Keys { action }) => {
            telemetry::init();
            keys::run(action, &cli.common, &cli.serve).await
        }
        Some(Command::Serve) | None => serve(&cli.common, &cli.serve).await,
    }
}

async fn serve(common: &officehours::config::CommonArgs, args: &ServeArgs) -> anyhow::Result<()> {
    let config = ServeConfig::from_args(common, args)?;
    telemetry::init();
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    app.run_until_stopped(shutdown_signal()).await
}
