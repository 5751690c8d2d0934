//! `officehours check`: is the configuration complete, the database reachable, the token good?
//! `--local` only asks the running server's `/readyz`, for container health checks.
//!
//! Each line says what was found in words: a problem names its variable, a secret is never
//! shown, a URL's password is starred out.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{CommonArgs, ServeArgs, ServeConfig};
use crate::ports::slack::{SlackApi, SlackError};
use crate::secret::Secret;
use crate::slack::api::SlackWebApi;
use crate::store::{self, redact_url, Open};

const TIMEOUT: Duration = Duration::from_secs(5);

/// Prints one line per check; true when all passed. The database and Slack are tried even
/// when some other setting is wrong, so one run shows everything there is to fix.
pub async fn run(common: &CommonArgs, serve: &ServeArgs, local: bool) -> bool {
    if local {
        let ready = match serve.parsed_listen_addr() {
            Ok(addr) => ready(addr).await,
            Err(problem) => Err(problem),
        };
        return report("server /readyz", ready);
    }
    let configuration = match ServeConfig::from_args(common, serve) {
        Ok(_) => Ok("complete".to_owned()),
        Err(err) => Err(list(&err.lines())),
    };
    let configuration_ok = report("configuration", configuration);
    report("mode", Ok(mode(serve)));
    let database_ok = report(
        "database",
        tokio::time::timeout(TIMEOUT, database(&common.database_url))
            .await
            .unwrap_or_else(|_| Err("no answer within 5 s".into())),
    );
    let slack = match serve.slack_login() {
        None if serve.installs() => Ok(
            "no bot token to try: each installed workspace's own token is used for its calls"
                .into(),
        ),
        Some((api_url, token)) => tokio::time::timeout(TIMEOUT, slack(&api_url, &token))
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "could not reach {}: timed out (no answer within 5 s)",
                    crate::slack::api::host_of(&api_url)
                ))
            }),
        None => Err("not tried: SLACK_BOT_TOKEN or SLACK_API_URL is missing or malformed".into()),
    };
    let slack_ok = report("Slack", slack);
    configuration_ok && database_ok && slack_ok
}

/// Which workspaces this bot serves, as the configuration decides.
fn mode(serve: &ServeArgs) -> String {
    if serve.installs() {
        let page = serve
            .public_url
            .as_deref()
            .unwrap_or("PUBLIC_URL")
            .trim_end_matches('/');
        format!("every workspace that installs it, and Enterprise Grid organisations installed once for all their workspaces (no SLACK_BOT_TOKEN; \"Add to Slack\" at {page}/slack/install)")
    } else {
        "one workspace, with SLACK_BOT_TOKEN".to_owned()
    }
}

/// Several problems, one per line under the heading.
fn list(problems: &[String]) -> String {
    let count = problems.len();
    let mut said = format!("{count} problem{}", if count == 1 { "" } else { "s" });
    for problem in problems {
        said.push_str("\n      - ");
        said.push_str(problem);
    }
    said
}

/// Opens the database without creating or migrating it.
async fn database(url: &str) -> Result<String, String> {
    if let Some(path) = missing_sqlite_file(url) {
        return Err(format!(
            "{} does not exist yet; `officehours migrate` or the first `serve`/`shell` creates it",
            path.display()
        ));
    }
    let store = store::open(url, Open::AsIs)
        .await
        .map_err(|e| e.to_string())?;
    store.ping().await.map_err(|e| e.to_string())?;
    Ok(format!("{} answers", redact_url(url)))
}

/// The SQLite file the URL names, when it is a file that is not there.
fn missing_sqlite_file(url: &str) -> Option<PathBuf> {
    let url = url.trim();
    if !url.starts_with("sqlite:") {
        return None;
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    let in_memory = path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:");
    (!in_memory && !path.exists()).then(|| path.to_path_buf())
}

async fn slack(api_url: &str, token: &Secret) -> Result<String, String> {
    let api = SlackWebApi::new(api_url, token).map_err(|e| e.to_string())?;
    match api.auth_test().await {
        Ok(who) => Ok(format!("auth.test ok: {}", who.description)),
        Err(err) => Err(slack_words(&err)),
    }
}

/// What a failed `auth.test` means for the person running `check`.
fn slack_words(err: &SlackError) -> String {
    match err {
        SlackError::Api(code) if err.is_token_gone() => format!(
            "Slack refused SLACK_BOT_TOKEN (`{code}`): it was revoked, or belongs to another app \
             or workspace; copy the Bot User OAuth Token again"
        ),
        SlackError::Api(code) => format!("auth.test failed: Slack answered `{code}`"),
        SlackError::RateLimited(_) => {
            "Slack is rate-limiting auth.test; try again in a minute".into()
        }
        SlackError::Transport(words) => words.clone(),
    }
}

fn report(what: &str, result: Result<String, String>) -> bool {
    match result {
        Ok(found) => {
            println!("ok    {what}: {found}");
            true
        }
        Err(problem) => {
            println!("FAIL  {what}: {problem}");
            false
        }
    }
}

/// A bare HTTP/1.1 GET, so the container image needs no curl.
async fn ready(listen: SocketAddr) -> Result<String, String> {
    let target = match listen {
        SocketAddr::V4(a) if a.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], a.port()))
        }
        SocketAddr::V6(a) if a.ip().is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port()))
        }
        other => other,
    };
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(target)
            .await
            .map_err(|e| format!("{target}: {e}"))?;
        stream
            .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        let answer = String::from_utf8_lossy(&answer);
        let status = answer.lines().next().unwrap_or_default().to_owned();
        if status.contains(" 200 ") {
            Ok(format!("{target} is ready"))
        } else {
            Err(format!("{target} answered `{status}`"))
        }
    };
    tokio::time::timeout(TIMEOUT, ask)
        .await
        .unwrap_or_else(|_| Err(format!("{target}: no answer")))
}
