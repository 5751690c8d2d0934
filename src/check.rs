//! `officehours check`: is the configuration complete, the database reachable, the token good?
//! `--local` only asks the running server's `/readyz`, for container health checks.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{CommonArgs, ServeArgs, ServeConfig};
use crate::ports::slack::SlackApi;
use crate::slack::api::SlackWebApi;
use crate::store::{self, redact_url, Open};

const TIMEOUT: Duration = Duration::from_secs(5);

/// Prints one line per check; true when all passed.
pub async fn run(common: &CommonArgs, serve: &ServeArgs, local: bool) -> bool {
    if local {
        return report("server /readyz", ready(serve.listen_addr).await);
    }
    let config = match ServeConfig::from_args(common, serve) {
        Ok(config) => {
            report("configuration", Ok("complete".to_owned()));
            config
        }
        Err(err) => return report("configuration", Err(err.to_string())),
    };
    let database = async {
        let store = store::open(&config.database_url, Open::AsIs)
            .await
            .map_err(|e| e.to_string())?;
        store.ping().await.map_err(|e| e.to_string())?;
        Ok(format!("{} answers", redact_url(&config.database_url)))
    };
    let database_ok = report(
        "database",
        tokio::time::timeout(TIMEOUT, database)
            .await
            .unwrap_or_else(|_| Err("timed out".into())),
    );
    let slack = async {
        let api = SlackWebApi::new(&config.slack_api_url, &config.bot_token)
            .map_err(|e| e.to_string())?;
        api.auth_test()
            .await
            .map(|who| format!("auth.test ok: {}", who.description))
            .map_err(|e| e.to_string())
    };
    let slack_ok = report(
        "Slack",
        tokio::time::timeout(TIMEOUT, slack)
            .await
            .unwrap_or_else(|_| Err("timed out".into())),
    );
    database_ok && slack_ok
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
