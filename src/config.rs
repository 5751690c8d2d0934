//! Configuration from the environment (and `.env`), overridable by flags; secrets cannot be printed.

mod server;

use clap::{Args, Parser, Subcommand};

use crate::domain::cadence::parse_lead;
use crate::domain::digest_time::DigestAt;
use crate::domain::worktime::WorkTime;
use crate::nudges::NudgeSettings;
use crate::presence::PresenceSettings;
use crate::secret::Secret;
use std::fmt;
use std::net::SocketAddr;

mod problems;
use problems::Problems;
pub use server::{parse_bound, ServerArgs, ServerSettings, MAX_BODY_BYTES};

pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://officehours.db";
/// The shell's pretend workspace; its reminders are printed instead of sent.
pub const SHELL_TEAM: &str = "TSHELL";

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
    /// Check the configuration, the database and the Slack token, and print what was found.
    Check {
        /// Only ask the running server's /readyz (for container health checks; no Slack call).
        #[arg(long)]
        local: bool,
    },
    /// Manage the key that seals mentors' Slack tokens (see the README, "The token key").
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum KeysCommand {
    /// Re-seal every stored token under the current key, in one transaction (with a key file on
    /// SQLite: under a new key written to that file).
    Rotate,
    /// Delete the stored tokens that no configured key opens, and DM each of those mentors to
    /// run `/officehours connect` again.
    ForgetTokens,
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Where the data lives: sqlite://path.db (default, created on first run) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true, global = true)]
    pub database_url: String,
    #[command(flatten)]
    pub nudges: NudgeArgs,
}

/// When nudges go out; the shell uses them too, so it shows what the bot would do.
#[derive(Debug, Clone, Args)]
pub struct NudgeArgs {
    /// How long before a 1:1 both people are reminded (0s = at the start).
    #[arg(long, env = "ONE_ON_ONE_LEAD", default_value = "1h", global = true)]
    pub one_on_one_lead: String,
    /// When managers get their weekly digest, in their own zone.
    #[arg(long, env = "DIGEST_AT", default_value = "mon 09:00", global = true)]
    pub digest_at: String,
    /// Local working hours; nudges the bot times itself wait for them.
    #[arg(long, env = "WORK_HOURS", default_value = "08:00-20:00", global = true)]
    pub work_hours: String,
    /// Working days.
    #[arg(long, env = "WORK_DAYS", default_value = "mon-fri", global = true)]
    pub work_days: String,
    /// Local hour for nudges that are for a date (debriefs, reviews).
    #[arg(long, env = "NUDGE_AT", default_value = "09:00", global = true)]
    pub nudge_at: String,
}

impl NudgeArgs {
    /// Every problem at once, each naming its variable.
    pub fn settings(&self) -> Result<NudgeSettings, Vec<String>> {
        let mut problems = Vec::new();
        let lead = parse_lead(&self.one_on_one_lead)
            .map_err(|e| problems.push(format!("ONE_ON_ONE_LEAD: {e}")))
            .ok();
        let digest_at = DigestAt::parse(&self.digest_at)
            .map_err(|e| problems.push(format!("DIGEST_AT: {e}")))
            .ok();
        let work = WorkTime::parse(&self.work_hours, &self.work_days, &self.nudge_at)
            .map_err(|e| problems.push(format!("WORK_HOURS/WORK_DAYS/NUDGE_AT: {e}")))
            .ok();
        match (lead, digest_at, work) {
            (Some(lead), Some(digest_at), Some(work)) => Ok(NudgeSettings {
                lead,
                digest_at,
                work,
            }),
            _ => Err(problems),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Bot token (xoxb-…) from the app's "OAuth & Permissions" page: serves that one workspace.
    /// Unset (with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET), workspaces install the bot instead.
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
    /// Address the HTTP server listens on (IP:port).
    #[arg(
        long,
        env = "LISTEN_ADDR",
        default_value = "0.0.0.0:3000",
        global = true
    )]
    pub listen_addr: String,
    /// The public https URL Slack reaches this server at (used in links and log hints).
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// How often the scheduler looks for due reminders (e.g. 15s, 1m); `off` runs no scheduler here.
    #[arg(long, env = "OFFICEHOURS_TICK", default_value = "15s", global = true)]
    pub tick: String,
    /// How long a replica's claim on a reminder holds before another may take it over.
    #[arg(long, env = "OFFICEHOURS_LEASE", default_value = "5m", global = true)]
    pub lease: String,
    /// The app's client id ("Basic Information"), for connecting mentors' Slack statuses.
    #[arg(long, env = "SLACK_CLIENT_ID", global = true)]
    pub slack_client_id: Option<String>,
    /// The app's client secret, for the same.
    #[arg(
        long,
        env = "SLACK_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub slack_client_secret: Option<Secret>,
    /// 32 bytes (64 hex characters) that encrypt stored Slack user tokens. Without it, SQLite
    /// deployments keep a generated key file next to the database.
    #[arg(
        long,
        env = "OFFICEHOURS_SECRET_KEY",
        hide_env_values = true,
        global = true
    )]
    pub secret_key: Option<Secret>,
    /// While rotating: the previous key, which still opens tokens the current one cannot.
    #[arg(
        long,
        env = "OFFICEHOURS_SECRET_KEY_OLD",
        hide_env_values = true,
        global = true
    )]
    pub secret_key_old: Option<Secret>,
    /// The emoji of a mentor's office-hours status.
    #[arg(long, env = "STATUS_EMOJI", default_value = ":door:", global = true)]
    pub status_emoji: String,
    /// At most one mention hint per sender and mentor within this long.
    #[arg(long, env = "HINT_COOLDOWN", default_value = "1h", global = true)]
    pub hint_cooldown: String,
    /// Days to keep delivered reminders and debrief feedback before they are deleted.
    #[arg(long, env = "RETENTION_DAYS", default_value = "365", global = true)]
    pub retention_days: String,
    /// How long an uninstalled workspace's data is kept (a reinstall brings it back): `30d`, `12h`, `0`.
    #[arg(
        long,
        env = "UNINSTALL_RETENTION",
        default_value = "30d",
        global = true
    )]
    pub uninstall_retention: String,
    /// The most messages a minute the bot sends into one workspace (Slack's workspace-wide
    /// ceiling); `0` sets no ceiling (only against a test double).
    #[arg(
        long,
        env = "WORKSPACE_MESSAGES_PER_MINUTE",
        default_value = "200",
        global = true
    )]
    pub messages_per_minute: String,
    #[command(flatten)]
    pub server: ServerArgs,
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
    #[arg(long, default_value = SHELL_TEAM)]
    pub team: String,
}

/// Everything `serve` needs, checked: required secrets present, URL normalised.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub database_url: String,
    /// `None`: workspaces install the bot ("Add to Slack"), each with its own token.
    pub bot_token: Option<Secret>,
    pub signing_secret: Secret,
    pub app_token: Option<Secret>,
    pub slack_api_url: String,
    pub listen_addr: SocketAddr,
    pub public_url: Option<String>,
    pub nudges: NudgeSettings,
    /// `None` when this replica runs no scheduler (`OFFICEHOURS_TICK=off`).
    pub tick: Option<std::time::Duration>,
    pub lease: std::time::Duration,
    pub retention: chrono::Duration,
    /// How long an uninstalled workspace's data is kept (`UNINSTALL_RETENTION`).
    pub uninstall_retention: chrono::Duration,
    /// Messages a minute into one workspace at most (`WORKSPACE_MESSAGES_PER_MINUTE`); 0: no ceiling.
    pub messages_per_minute: u32,
    pub presence: PresenceSettings,
    pub secret_key: Option<Secret>,
    /// The previous key while rotating (`OFFICEHOURS_SECRET_KEY_OLD`): opens, never seals.
    pub secret_key_old: Option<Secret>,
    /// Timeouts, caps and the shutdown deadline of the HTTP server.
    pub server: ServerSettings,
}

/// Everything wrong with the settings, said once.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub missing: Vec<&'static str>,
    pub invalid: Vec<String>,
}

impl ConfigError {
    /// One line per problem, each starting with what to set.
    pub fn lines(&self) -> Vec<String> {
        let missing = (!self.missing.is_empty()).then(|| {
            let setting = if self.missing.len() == 1 {
                "setting"
            } else {
                "settings"
            };
            format!("missing required {setting}: {}.", self.missing.join(", "))
        });
        missing.into_iter().chain(self.invalid.clone()).collect()
    }
}

impl std::error::Error for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("officehours cannot start:")?;
        for problem in self.lines() {
            write!(f, "\n  {problem}")?;
        }
        f.write_str("\nSet them in the environment or in a .env file (see .env.example and the README sections \"Connect to Slack\" and \"Configuration\").")
    }
}

impl ServeArgs {
    /// `LISTEN_ADDR`, parsed (for `check --local`, which needs nothing else).
    pub fn parsed_listen_addr(&self) -> Result<SocketAddr, String> {
        problems::listen_addr(&self.listen_addr).map_err(|e| format!("LISTEN_ADDR: {e}"))
    }

    /// No bot token but the app's client id and secret: workspaces install the bot.
    pub fn installs(&self) -> bool {
        let set = |s: &Option<Secret>| s.as_ref().is_some_and(|s| !s.is_empty());
        !set(&self.slack_bot_token)
            && self
                .slack_client_id
                .as_deref()
                .is_some_and(|id| !id.trim().is_empty())
            && set(&self.slack_client_secret)
    }

    /// The Web API base and bot token, when both are well-formed: `check` tries them even
    /// when some other setting is wrong.
    pub fn slack_login(&self) -> Option<(String, Secret)> {
        let mut problems = Problems::default();
        let url = problems.parse("SLACK_API_URL", &self.slack_api_url, api_url);
        let token = problems.required_secret(
            "SLACK_BOT_TOKEN",
            &self.slack_bot_token,
            problems::bot_token,
        );
        url.zip(token)
    }
}

/// The bot token: required, unless workspaces install the bot (then there is none).
fn bot_token(args: &ServeArgs, p: &mut Problems) -> Option<Option<Secret>> {
    if args.installs() {
        // Slack sends the admin back to PUBLIC_URL/slack/install/callback.
        if args
            .public_url
            .as_deref()
            .is_none_or(|url| url.trim().is_empty())
        {
            p.invalid.push("PUBLIC_URL: needed when workspaces install the bot (no SLACK_BOT_TOKEN): Slack sends admins back to PUBLIC_URL/slack/install/callback".to_owned());
        }
        return Some(None);
    }
    let token = &args.slack_bot_token;
    p.required_secret("SLACK_BOT_TOKEN", token, problems::bot_token)
        .map(Some)
}

fn api_url(text: &str) -> Result<String, String> {
    problems::http_url(text, DEFAULT_SLACK_API_URL)
}

/// Unset or blank means none.
fn public_url(text: &str) -> Result<Option<String>, String> {
    match text.trim() {
        "" => Ok(None),
        url => problems::http_url(url, "https://officehours.example.com").map(Some),
    }
}

fn lease(text: &str) -> Result<std::time::Duration, String> {
    parse_tick(text)?.ok_or_else(|| "a lease can't be off".to_owned())
}

impl ServeConfig {
    pub fn from_args(common: &CommonArgs, args: &ServeArgs) -> Result<Self, ConfigError> {
        let mut problems = Problems::default();
        match Self::gather(common, args, &mut problems) {
            Some(config) if problems.is_empty() => Ok(config),
            _ => Err(ConfigError {
                missing: problems.missing,
                invalid: problems.invalid,
            }),
        }
    }

    /// Every setting is read before any is missed, so `problems` ends up with all of them.
    fn gather(common: &CommonArgs, args: &ServeArgs, p: &mut Problems) -> Option<Self> {
        use crate::domain::duration::parse_duration;
        let bot_token = bot_token(args, p);
        let uninstall_retention = p.parse(
            "UNINSTALL_RETENTION",
            &args.uninstall_retention,
            problems::uninstall_retention,
        );
        let signing_secret = p.required_secret(
            "SLACK_SIGNING_SECRET",
            &args.slack_signing_secret,
            problems::signing_secret,
        );
        let app_token = p.optional_secret(
            "SLACK_APP_TOKEN",
            &args.slack_app_token,
            problems::app_token,
        );
        let secret_key = p.optional_secret(
            "OFFICEHOURS_SECRET_KEY",
            &args.secret_key,
            problems::secret_key,
        );
        let secret_key_old = p.optional_secret(
            "OFFICEHOURS_SECRET_KEY_OLD",
            &args.secret_key_old,
            problems::secret_key,
        );
        let database_url = p.parse("DATABASE_URL", &common.database_url, problems::database_url);
        let slack_api_url = p.parse("SLACK_API_URL", &args.slack_api_url, api_url);
        let public_url = p.parse(
            "PUBLIC_URL",
            args.public_url.as_deref().unwrap_or_default(),
            public_url,
        );
        let listen_addr = p.parse("LISTEN_ADDR", &args.listen_addr, problems::listen_addr);
        let nudges = p.extend(common.nudges.settings());
        let tick = p.parse("OFFICEHOURS_TICK", &args.tick, parse_tick);
        let lease = p.parse("OFFICEHOURS_LEASE", &args.lease, lease);
        let cooldown = p.parse("HINT_COOLDOWN", &args.hint_cooldown, parse_duration);
        let emoji = p.parse("STATUS_EMOJI", &args.status_emoji, problems::status_emoji);
        let retention = p.parse(
            "RETENTION_DAYS",
            &args.retention_days,
            problems::retention_days,
        );
        let per_minute = messages_per_minute(args, p);
        let server = p.extend(args.server.settings());
        let public_url = public_url?;
        Some(Self {
            database_url: database_url?,
            bot_token: bot_token?,
            signing_secret: signing_secret?,
            app_token: app_token?,
            slack_api_url: slack_api_url?,
            listen_addr: listen_addr?,
            public_url: public_url.clone(),
            nudges: nudges?,
            tick: tick?,
            lease: lease?,
            retention: retention?,
            uninstall_retention: uninstall_retention?,
            messages_per_minute: per_minute?,
            presence: PresenceSettings {
                public_url,
                client_id: args
                    .slack_client_id
                    .clone()
                    .filter(|id| !id.trim().is_empty()),
                client_secret: args.slack_client_secret.clone().filter(|s| !s.is_empty()),
                status_emoji: emoji?,
                hint_cooldown: cooldown?,
                ..PresenceSettings::default()
            },
            secret_key: secret_key?,
            secret_key_old: secret_key_old?,
            server: server?,
        })
    }
}

/// `WORKSPACE_MESSAGES_PER_MINUTE`, read on its own to keep `gather` short.
fn messages_per_minute(args: &ServeArgs, p: &mut Problems) -> Option<u32> {
    let var = "WORKSPACE_MESSAGES_PER_MINUTE";
    p.parse(
        var,
        &args.messages_per_minute,
        problems::messages_per_minute,
    )
}

/// `15s`, `1m`, `500ms`; `off` (or 0) runs no scheduler in this process. Seconds matter here,
/// unlike in user-facing durations.
pub fn parse_tick(text: &str) -> Result<Option<std::time::Duration>, String> {
    let text = text.trim().to_ascii_lowercase();
    if matches!(text.as_str(), "off" | "0" | "0s") {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` isn't a tick; use 15s, 1m or off"))?;
    let d = match unit.trim() {
        "ms" => std::time::Duration::from_millis(n),
        "s" | "" => std::time::Duration::from_secs(n),
        "m" | "min" => std::time::Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("`{text}` isn't a tick; use 15s, 1m or off")),
    };
    if d < std::time::Duration::from_millis(100) || d > std::time::Duration::from_secs(3600) {
        return Err(format!(
            "`{text}` is out of range; use something between 100ms and 60m"
        ));
    }
    Ok(Some(d))
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
            bot_token: Some(Secret::new("xoxb-very-secret")),
            signing_secret: Secret::new("signing-very-secret"),
            app_token: Some(Secret::new("xapp-very-secret")),
            slack_api_url: DEFAULT_SLACK_API_URL.into(),
            listen_addr: "127.0.0.1:3000".parse().unwrap(),
            public_url: None,
            nudges: NudgeSettings::default(),
            tick: None,
            lease: std::time::Duration::from_secs(300),
            retention: chrono::Duration::days(365),
            uninstall_retention: chrono::Duration::days(30),
            messages_per_minute: 200,
            presence: PresenceSettings {
                client_secret: Some(Secret::new("client-very-secret")),
                ..PresenceSettings::default()
            },
            secret_key: Some(Secret::new("key-very-secret")),
            secret_key_old: Some(Secret::new("old-very-secret")),
            server: ServerSettings::default(),
        };
        let printed = format!("{cfg:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
    }

    fn good_args() -> ServeArgs {
        ServeArgs {
            slack_bot_token: Some(Secret::new("xoxb-1-2-abc")),
            slack_signing_secret: Some(Secret::new("0123456789abcdef0123456789abcdef")),
            slack_app_token: None,
            slack_api_url: DEFAULT_SLACK_API_URL.into(),
            listen_addr: "127.0.0.1:3000".into(),
            public_url: None,
            tick: "15s".into(),
            lease: "5m".into(),
            retention_days: "365".into(),
            uninstall_retention: "30d".into(),
            messages_per_minute: "200".into(),
            slack_client_id: None,
            slack_client_secret: None,
            secret_key: None,
            secret_key_old: None,
            status_emoji: ":door:".into(),
            hint_cooldown: "1h".into(),
            server: ServerArgs::default(),
        }
    }

    fn common() -> CommonArgs {
        CommonArgs {
            database_url: DEFAULT_DATABASE_URL.into(),
            nudges: default_nudges(),
        }
    }

    #[test]
    fn without_a_bot_token_but_with_the_client_id_and_secret_workspaces_install_the_bot() {
        let args = ServeArgs {
            slack_bot_token: None,
            slack_client_id: Some("1111.2222".into()),
            slack_client_secret: Some(Secret::new("client-very-secret")),
            uninstall_retention: "0".into(),
            ..good_args()
        };
        let err = ServeConfig::from_args(&common(), &args).unwrap_err();
        assert!(err.missing.is_empty(), "{err}");
        assert!(err.invalid[0].starts_with("PUBLIC_URL: needed"), "{err}");
        let args = ServeArgs {
            public_url: Some("https://officehours.example.com".into()),
            ..args
        };
        let config = ServeConfig::from_args(&common(), &args).unwrap();
        assert!(config.bot_token.is_none());
        assert_eq!(config.uninstall_retention, chrono::Duration::zero());
        // Without the client's secret there is no install, so the token is missing.
        let args = ServeArgs {
            slack_client_secret: None,
            ..args
        };
        let err = ServeConfig::from_args(&common(), &args).unwrap_err();
        assert_eq!(err.missing, vec!["SLACK_BOT_TOKEN"]);
    }

    #[test]
    fn missing_settings_are_listed_together() {
        let args = ServeArgs {
            slack_bot_token: Some(Secret::new("  ")),
            slack_signing_secret: None,
            ..good_args()
        };
        let err = ServeConfig::from_args(&common(), &args).unwrap_err();
        assert_eq!(err.missing, vec!["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]);
        assert!(err.to_string().contains("README"));
    }

    #[test]
    fn good_settings_pass_and_every_bad_one_is_listed_by_its_variable() {
        let config = ServeConfig::from_args(&common(), &good_args()).unwrap();
        assert_eq!(config.retention, chrono::Duration::days(365));
        let args = ServeArgs {
            slack_bot_token: Some(Secret::new("abc-very-secret")),
            slack_signing_secret: Some(Secret::new("not-hex-very-secret")),
            slack_app_token: Some(Secret::new("xoxb-very-secret")),
            listen_addr: "nowhere".into(),
            retention_days: "-3".into(),
            messages_per_minute: "lots".into(),
            tick: "soon".into(),
            lease: "off".into(),
            hint_cooldown: "forever".into(),
            public_url: Some("officehours.example.com".into()),
            ..good_args()
        };
        let err = ServeConfig::from_args(&common(), &args).unwrap_err();
        let said = err.to_string();
        for var in [
            "SLACK_BOT_TOKEN: ",
            "SLACK_SIGNING_SECRET: ",
            "SLACK_APP_TOKEN: ",
            "LISTEN_ADDR: `nowhere`",
            "RETENTION_DAYS: `-3`",
            "WORKSPACE_MESSAGES_PER_MINUTE: `lots`",
            "OFFICEHOURS_TICK: ",
            "OFFICEHOURS_LEASE: ",
            "HINT_COOLDOWN: ",
            "PUBLIC_URL: ",
        ] {
            assert!(said.contains(var), "{var} not in {said}");
        }
        assert_eq!(err.invalid.len(), 10, "{said}");
        assert!(!said.contains("very-secret"), "{said}");
    }

    fn default_nudges() -> NudgeArgs {
        NudgeArgs {
            one_on_one_lead: "1h".into(),
            digest_at: "mon 09:00".into(),
            work_hours: "08:00-20:00".into(),
            work_days: "mon-fri".into(),
            nudge_at: "09:00".into(),
        }
    }

    #[test]
    fn nudge_settings_default_and_bad_ones_are_named() {
        assert_eq!(default_nudges().settings(), Ok(NudgeSettings::default()));
        let bad = NudgeArgs {
            digest_at: "someday".into(),
            work_hours: "20:00-08:00".into(),
            ..default_nudges()
        };
        let problems = bad.settings().unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("DIGEST_AT"));
    }

    #[test]
    fn ticks_take_seconds_minutes_or_off() {
        assert_eq!(
            parse_tick("15s"),
            Ok(Some(std::time::Duration::from_secs(15)))
        );
        assert_eq!(
            parse_tick("1m"),
            Ok(Some(std::time::Duration::from_secs(60)))
        );
        assert_eq!(parse_tick("off"), Ok(None));
        assert!(parse_tick("soon").is_err());
        assert!(parse_tick("10ms").is_err());
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
