//! Configuration from the environment (and `.env`), overridable by flags; secrets cannot be printed.

use clap::{Args, Parser, Subcommand};
use std::fmt;
use std::net::SocketAddr;

/// A value that must never reach a log line or `Debug` output.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "Secret(<empty>)"
        } else {
            "Secret(<redacted>)"
        })
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://officehours.db";

#[derive(Debug, Parser)]
#[command(
    name = "officehours",
    version,
    about = "Office hours, 1:1s and mentoring nudges for Slack teams"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Slack bot (the default).
    Serve,
    /// Try the bot in a terminal: type commands as a user and read the replies.
    Shell(ShellArgs),
    /// Apply database migrations and exit.
    Migrate,
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Where the data lives: sqlite://path.db (default, created on first run) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Bot token (xoxb-…) from the app's "OAuth & Permissions" page.
    #[arg(long, env = "SLACK_BOT_TOKEN", hide_env_values = true, global = true)]
    pub slack_bot_token: Option<Secret>,
    /// Signing secret from the app's "Basic Information" page.
    #[arg(
        long,
        env = "SLACK_SIGNING_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub slack_signing_secret: Option<Secret>,
    /// App-level token (xapp-…) for Socket Mode; optional.
    #[arg(long, env = "SLACK_APP_TOKEN", hide_env_values = true, global = true)]
    pub slack_app_token: Option<Secret>,
    /// Base URL of the Slack Web API (tests point it at a fake).
    #[arg(long, env = "SLACK_API_URL", default_value = DEFAULT_SLACK_API_URL, global = true)]
    pub slack_api_url: String,
    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "LISTEN_ADDR",
        default_value = "0.0.0.0:3000",
        global = true
    )]
    pub listen_addr: SocketAddr,
    /// The public https URL Slack reaches this server at (used in links and log hints).
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ShellArgs {
    /// Who you are at the start (switch with `:as NAME`).
    #[arg(long = "as", default_value = "you")]
    pub user: String,
    /// Pretend it is this instant (RFC 3339, e.g. 2026-03-27T09:00:00Z); `:advance 3d` moves on.
    #[arg(long)]
    pub now: Option<String>,
    /// The workspace id the shell acts in (use a real T… id to administer a workspace's data).
    #[arg(long, default_value = "TSHELL")]
    pub team: String,
}

/// Everything `serve` needs, checked: required secrets present, URL normalised.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: String,
    pub bot_token: Secret,
    pub signing_secret: Secret,
    pub app_token: Option<Secret>,
    pub slack_api_url: String,
    pub listen_addr: SocketAddr,
    pub public_url: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("officehours cannot start: missing required setting(s): {}.\nSet them in the environment or in a .env file (see .env.example and the README section \"Connect to Slack\").", .missing.join(", "))]
pub struct MissingSettings {
    pub missing: Vec<&'static str>,
}

impl ServeConfig {
    pub fn from_args(common: &CommonArgs, args: &ServeArgs) -> Result<Self, MissingSettings> {
        let present = |s: &Option<Secret>| s.clone().filter(|s| !s.is_empty());
        let bot_token = present(&args.slack_bot_token);
        let signing_secret = present(&args.slack_signing_secret);
        let mut missing = Vec::new();
        if bot_token.is_none() {
            missing.push("SLACK_BOT_TOKEN");
        }
        if signing_secret.is_none() {
            missing.push("SLACK_SIGNING_SECRET");
        }
        match (bot_token, signing_secret) {
            (Some(bot_token), Some(signing_secret)) if missing.is_empty() => Ok(Self {
                database_url: common.database_url.clone(),
                bot_token,
                signing_secret,
                app_token: present(&args.slack_app_token),
                slack_api_url: normalize_api_url(&args.slack_api_url),
                listen_addr: args.listen_addr,
                public_url: args.public_url.clone(),
            }),
            _ => Err(MissingSettings { missing }),
        }
    }
}

/// slack-morphism appends `/method` itself, so a trailing slash would double up.
pub fn normalize_api_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let cfg = ServeConfig {
            database_url: "sqlite://x.db".into(),
            bot_token: Secret::new("xoxb-very-secret"),
            signing_secret: Secret::new("signing-very-secret"),
            app_token: Some(Secret::new("xapp-very-secret")),
            slack_api_url: DEFAULT_SLACK_API_URL.into(),
            listen_addr: "127.0.0.1:3000".parse().unwrap(),
            public_url: None,
        };
        let printed = format!("{cfg:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
    }

    #[test]
    fn missing_settings_are_listed_together() {
        let common = CommonArgs {
            database_url: DEFAULT_DATABASE_URL.into(),
        };
        let args = ServeArgs {
            slack_bot_token: Some(Secret::new("  ")),
            slack_signing_secret: None,
            slack_app_token: None,
            slack_api_url: DEFAULT_SLACK_API_URL.into(),
            listen_addr: "127.0.0.1:3000".parse().unwrap(),
            public_url: None,
        };
        let err = ServeConfig::from_args(&common, &args).unwrap_err();
        assert_eq!(err.missing, vec!["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]);
        assert!(err.to_string().contains("README"));
    }

    #[test]
    fn api_url_is_accepted_with_or_without_trailing_slash() {
        assert_eq!(
            normalize_api_url("https://slack.com/api/"),
            "https://slack.com/api"
        );
        assert_eq!(
            normalize_api_url("https://slack.com/api"),
            "https://slack.com/api"
        );
    }
}
