//! The Slack port (`ports::slack`) for the real Web API, through slack-morphism.

use async_trait::async_trait;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::sync::Arc;
use std::time::Duration;

use super::blocks::{home_view, message_content, modal_view};
use crate::ports::pacing::{Pacer, TIER3_INTERVAL};
use crate::ports::slack::{
    Attachment, BotIdentity, Posted, Profile, Refreshed, SlackApi, SlackError, SlackStatus,
    UserGrant, REMINDER_EVENT_TYPE,
};
use crate::secret::Secret;
use crate::views::{Message, Modal};
use chrono::{DateTime, Utc};
use slack_morphism::SlackClientHttpConnector;

impl From<SlackClientError> for SlackError {
    fn from(err: SlackClientError) -> Self {
        failure(err, "Slack")
    }
}

/// A failed call in words. slack-morphism's own `Display` shows Rust `Debug` output
/// (`Some(hyper_util::…ConnectError…)`) and whole response bodies, which for oauth.v2.access
/// carry tokens: neither belongs in a log line, a reminder's `last_error` or `check`'s output.
pub fn failure(err: SlackClientError, host: &str) -> SlackError {
    use SlackClientError as E;
    let words = match err {
        E::ApiError(api) => return SlackError::Api(api.code),
        E::RateLimitError(limit) => return SlackError::RateLimited(limit.retry_after),
        E::HttpError(http) => format!("{host} answered HTTP {}", http.status_code),
        E::HttpProtocolError(protocol) => match protocol.cause {
            Some(cause) => not_reached(cause.as_ref(), host),
            None => format!("could not reach {host}"),
        },
        // Only where in the answer: serde's message may quote a value from it.
        E::ProtocolError(bad) => format!(
            "{host} answered in a form this bot can't read (line {}, column {})",
            bad.json_error.line(),
            bad.json_error.column()
        ),
        E::EndOfStream(_) => format!("{host} closed the connection"),
        E::SocketModeProtocolError(socket) => format!("Socket Mode failed: {}", socket.message),
        E::SystemError(system) => format!(
            "the Slack client failed: {}",
            system.message.as_deref().unwrap_or("an internal error")
        ),
    };
    SlackError::Transport(words)
}

/// `slack.com`, or a test double's `127.0.0.1:PORT`.
pub fn host_of(api_url: &str) -> String {
    let Ok(url) = url::Url::parse(api_url) else {
        return "Slack".to_owned();
    };
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => "Slack".to_owned(),
    }
}

/// Why a connection failed, from the innermost cause outwards: refused, timed out, DNS, TLS.
fn not_reached(cause: &(dyn std::error::Error + 'static), host: &str) -> String {
    let chain: Vec<&(dyn std::error::Error + 'static)> =
        std::iter::successors(Some(cause), |e| e.source()).collect();
    let io_kind = chain
        .iter()
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    let said = |text: &str| chain.iter().any(|e| e.to_string().contains(text));
    let innermost = chain.last().map(|e| e.to_string()).unwrap_or_default();
    let reason = match io_kind {
        Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_owned(),
        Some(std::io::ErrorKind::TimedOut) => "timed out".to_owned(),
        Some(std::io::ErrorKind::ConnectionReset) => "the connection was reset".to_owned(),
        _ if said("dns error") => format!("DNS lookup failed ({innermost})"),
        _ if chain.iter().any(|e| e.is::<url::ParseError>()) => {
            return format!("the Slack API URL is malformed ({innermost})")
        }
        _ if said("certificate") || said("tls") || said("TLS") => {
            format!("TLS failed ({innermost})")
        }
        _ => innermost,
    };
    format!("could not reach {host}: {reason}")
}

/// How a call went, for the metrics: `ok`, `ratelimited`, `transport` or Slack's error code.
fn outcome<T>(result: &Result<T, SlackError>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(SlackError::Api(code)) => code.clone(),
        Err(SlackError::RateLimited(_)) => "ratelimited".to_owned(),
        Err(SlackError::Transport(_)) => "transport".to_owned(),
    }
}

#[derive(serde::Deserialize)]
struct OAuthUserResponse {
    team: Option<OAuthTeam>,
    enterprise: Option<OAuthTeam>,
    authed_user: OAuthAuthedUser,
}

#[derive(serde::Deserialize)]
struct OAuthTeam {
    id: String,
}

#[derive(serde::Deserialize)]
struct OAuthAuthedUser {
    id: String,
    scope: Option<String>,
    access_token: Option<String>,
    #[serde(flatten)]
    rotation: super::rotation::RotationFields,
}

/// The real thing, through slack-morphism.
pub struct SlackWebApi {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    /// Tier 3 methods (50+ a minute) the scheduler may call in bursts: conversations.open and
    /// history after a crash, users.profile.set when many windows start at once. A client holds
    /// one workspace's token, so its keys are per method and workspace. (The scheduler takes
    /// its turns for conversations.* before it calls, so that waiting holds no delivery slot;
    /// this keeps every other caller to the limit too.)
    tier3: Pacer,
    /// Named in errors: `slack.com`, or where `SLACK_API_URL` points.
    host: String,
}

const ATTEMPTS: u32 = 3;

impl SlackWebApi {
    /// `api_url` is the Web API base (`https://slack.com/api`; tests use a loopback fake).
    pub fn new(api_url: &str, bot_token: &Secret) -> anyhow::Result<Self> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| anyhow::anyhow!("no system CA certificates to reach Slack over TLS (install ca-certificates): {e}"))?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        // No client-side retries: interactive calls retry below, and the scheduler retries a 429
        // at the row level after Retry-After instead of holding a delivery slot asleep.
        let connector = SlackClientHyperConnector::from(https).with_slack_api_url(api_url);
        Ok(Self {
            client: Arc::new(SlackClient::new(connector)),
            token: SlackApiToken::new(SlackApiTokenValue(bot_token.expose().to_owned())),
            tier3: Pacer::new(TIER3_INTERVAL),
            host: host_of(api_url),
        })
    }

    /// Without the Tier 3 pacing, for a fake Web API that keeps no rate limits: a test that
    /// moves a pretend clock through months would otherwise wait real seconds per group DM.
    pub fn unpaced(mut self) -> Self {
        self.tier3 = Pacer::new(Duration::ZERO);
        self
    }

    /// A failed call in words, naming where the Web API was expected.
    pub fn failed(&self, err: SlackClientError) -> SlackError {
        failure(err, &self.host)
    }

    /// The underlying client, shared with the Socket Mode listener.
    pub fn client(&self) -> Arc<SlackHyperClient> {
        self.client.clone()
    }

    /// For calls a person is waiting on: network errors and 5xx get a short exponential backoff,
    /// a 429 waits as long as Slack says.
    async fn with_retries<T, F, Fut>(
        &self,
        what: &'static str,
        mut call: F,
    ) -> Result<T, SlackError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SlackClientError>>,
    {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            let result = call().await.map_err(|e| self.failed(e));
            crate::metrics::slack_call(what, &outcome(&result));
            match result {
                Ok(value) => return Ok(value),
                Err(err) if err.is_transient() && attempt < ATTEMPTS => {
                    tracing::warn!(slack.method = what, attempt, error = %err, "Slack call failed; retrying");
                    let wait = match err {
                        // Slack says how long to wait; never longer than a person would.
                        SlackError::RateLimited(after) => after
                            .unwrap_or(Duration::from_secs(1))
                            .min(Duration::from_secs(10)),
                        _ => delay,
                    };
                    tokio::time::sleep(wait).await;
                    delay *= 4;
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

#[async_trait]
impl SlackApi for SlackWebApi {
    async fn profile(&self, user_id: &str) -> Result<Profile, SlackError> {
        let request = SlackApiUsersInfoRequest::new(SlackUserId(user_id.to_owned()));
        let response = self
            .with_retries("users.info", || async {
                self.client
                    .open_session(&self.token)
                    .users_info(&request)
                    .await
            })
            .await?;
        let user = response.user;
        let display_name = user
            .profile
            .as_ref()
            .and_then(|p| {
                p.display_name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .or_else(|| p.real_name.clone())
            })
            .or(user.real_name.clone())
            .or(user.name.clone());
        Ok(Profile {
            tz: user.tz,
            display_name,
        })
    }

    async fn auth_test(&self) -> Result<BotIdentity, SlackError> {
        let response = self
            .with_retries("auth.test", || async {
                self.client.open_session(&self.token).auth_test().await
            })
            .await?;
        let team = format!("{} ({})", response.team, response.team_id.0);
        let user = response.user.unwrap_or_else(|| response.user_id.0.clone());
        Ok(BotIdentity {
            description: format!("{team} / @{user}"),
            user_id: response.user_id.0,
        })
    }

    async fn publish_home(&self, user_id: &str, view: &Message) -> Result<(), SlackError> {
        let request =
            SlackApiViewsPublishRequest::new(SlackUserId(user_id.to_owned()), home_view(view));
        self.with_retries("views.publish", || async {
            self.client
                .open_session(&self.token)
                .views_publish(&request)
                .await
        })
        .await?;
        Ok(())
    }

    async fn respond(
        &self,
        response_url: &str,
        message: &Message,
        replace_original: bool,
    ) -> Result<(), SlackError> {
        let url = url::Url::parse(response_url)
            .map_err(|e| SlackError::Transport(format!("bad response_url: {e}")))?;
        let request = SlackApiPostWebhookMessageRequest::new(message_content(message))
            .with_replace_original(replace_original);
        let target = SlackResponseUrl(url);
        self.with_retries("response_url", || async {
            self.client.respond_to_event(&target, &request).await
        })
        .await?;
        Ok(())
    }

    async fn post_message(
        &self,
        channel: &str,
        message: &Message,
        reminder_key: Option<&str>,
    ) -> Result<Posted, SlackError> {
        let mut content = message_content(message);
        if let Some(key) = reminder_key {
            let payload = std::collections::HashMap::from([("key".to_owned(), key.to_owned())]);
            content = content.with_metadata(
                SlackMessageMetadata::new(REMINDER_EVENT_TYPE.to_owned())
                    .with_event_payload(payload),
            );
        }
        let request =
            SlackApiChatPostMessageRequest::new(SlackChannelId(channel.to_owned()), content);
        let result = self
            .client
            .open_session(&self.token)
            .chat_post_message(&request)
            .await
            .map_err(|e| self.failed(e));
        crate::metrics::slack_call("chat.postMessage", &outcome(&result));
        let response = result?;
        Ok(Posted {
            channel: response.channel.0,
            ts: response.ts.0,
        })
    }

    async fn open_conversation(&self, users: &[String]) -> Result<String, SlackError> {
        let request = SlackApiConversationsOpenRequest::new()
            .with_users(users.iter().map(|u| SlackUserId(u.clone())).collect());
        self.tier3.wait_turn("conversations.open").await;
        let response = self
            .with_retries("conversations.open", || async {
                self.client
                    .open_session(&self.token)
                    .conversations_open(&request)
                    .await
            })
            .await?;
        Ok(response.channel.id.0)
    }

    async fn find_reminder(
        &self,
        channel: &str,
        reminder_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, SlackError> {
        self.tier3.wait_turn("conversations.history").await;
        let request = SlackApiConversationsHistoryRequest::new()
            .with_channel(SlackChannelId(channel.to_owned()))
            .with_oldest(SlackTs(format!("{}.000000", since.timestamp())))
            .with_limit(200)
            .with_include_all_metadata(true);
        let response = self
            .with_retries("conversations.history", || async {
                self.client
                    .open_session(&self.token)
                    .conversations_history(&request)
                    .await
            })
            .await?;
        let tagged = |m: &SlackHistoryMessage| {
            m.content.metadata.as_ref().is_some_and(|meta| {
                meta.event_type == REMINDER_EVENT_TYPE
                    && meta
                        .event_payload
                        .as_ref()
                        .and_then(|p| p.get("key"))
                        .is_some_and(|k| k == reminder_key)
            })
        };
        Ok(response
            .messages
            .iter()
            .find(|m| tagged(m))
            .map(|m| m.origin.ts.0.clone()))
    }

    async fn open_modal(&self, trigger_id: &str, modal: &Modal) -> Result<(), SlackError> {
        let request =
            SlackApiViewsOpenRequest::new(SlackTriggerId(trigger_id.to_owned()), modal_view(modal));
        // No retries: the trigger is single-use and expires in three seconds.
        let result = self
            .client
            .open_session(&self.token)
            .views_open(&request)
            .await
            .map_err(|e| self.failed(e));
        crate::metrics::slack_call("views.open", &outcome(&result));
        result.map(|_| ())
    }

    async fn upload_file(&self, channel: &str, file: &Attachment) -> Result<(), SlackError> {
        let session = self.client.open_session(&self.token);
        let ask = SlackApiFilesGetUploadUrlExternalRequest::new(
            file.filename.clone(),
            file.content.len(),
        );
        let target = session
            .get_upload_url_external(&ask)
            .await
            .map_err(|e| self.failed(e));
        crate::metrics::slack_call("files.getUploadURLExternal", &outcome(&target));
        let target = target?;
        let upload = SlackApiFilesUploadViaUrlRequest::new(
            target.upload_url,
            file.content.clone(),
            "application/json".to_owned(),
        );
        let uploaded = session
            .files_upload_via_url(&upload)
            .await
            .map_err(|e| self.failed(e));
        crate::metrics::slack_call("files.upload", &outcome(&uploaded));
        uploaded?;
        let complete =
            SlackApiFilesCompleteUploadExternalRequest::new(vec![SlackApiFilesComplete::new(
                target.file_id,
            )
            .with_title(file.title.clone())])
            .with_channel_id(SlackChannelId(channel.to_owned()));
        let done = self
            .with_retries("files.completeUploadExternal", || async {
                session.files_complete_upload_external(&complete).await
            })
            .await;
        done.map(|_| ())
    }

    async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        message: &Message,
    ) -> Result<(), SlackError> {
        let request = SlackApiChatPostEphemeralRequest::new(
            SlackChannelId(channel.to_owned()),
            SlackUserId(user.to_owned()),
            message_content(message),
        );
        self.with_retries("chat.postEphemeral", || async {
            self.client
                .open_session(&self.token)
                .chat_post_ephemeral(&request)
                .await
        })
        .await?;
        Ok(())
    }

    async fn oauth_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<UserGrant, SlackError> {
        // slack-morphism's oauth2_access expects a bot token in the answer; a user-scope-only
        // approval has none, so the same call is made here with a fitting response type.
        let connector = &self.client.http_api.connector;
        let base = connector
            .create_method_uri_path("oauth.v2.access")
            .map_err(|e| self.failed(e))?;
        let uri = SlackClientHttpApiUri::create_url_with_params(
            base,
            &[
                ("code", Some(&code.to_owned())),
                ("redirect_uri", Some(&redirect_uri.to_owned())),
            ],
        )
        .map_err(|e| self.failed(e))?;
        let result: Result<OAuthUserResponse, SlackError> = connector
            .http_get_with_client_secret(
                uri,
                &SlackClientId(client_id.to_owned()),
                &SlackClientSecret(client_secret.expose().to_owned()),
            )
            .await
            .map_err(|e| self.failed(e));
        crate::metrics::slack_call("oauth.v2.access", &outcome(&result));
        let answer = result?;
        let token = answer
            .authed_user
            .access_token
            .ok_or_else(|| SlackError::Api("no_user_token".to_owned()))?;
        Ok(UserGrant {
            team_id: answer.team.map(|t| t.id).unwrap_or_default(),
            enterprise_id: answer.enterprise.map(|e| e.id),
            user_id: answer.authed_user.id,
            access_token: Secret::new(token),
            scope: answer.authed_user.scope.unwrap_or_default(),
            rotation: answer.authed_user.rotation.rotation(),
        })
    }

    async fn current_status(&self, user_token: &Secret) -> Result<SlackStatus, SlackError> {
        let token = SlackApiToken::new(SlackApiTokenValue(user_token.expose().to_owned()));
        let request = SlackApiUsersProfileGetRequest::new();
        let response = self
            .with_retries("users.profile.get", || async {
                self.client
                    .open_session(&token)
                    .users_profile_get(&request)
                    .await
            })
            .await?;
        let profile = response.profile;
        Ok(SlackStatus {
            text: profile.status_text.unwrap_or_default(),
            emoji: profile.status_emoji.map(|e| e.0).unwrap_or_default(),
            expiration: profile.status_expiration.map_or(0, |t| t.0.as_second()),
        })
    }

    async fn set_status(
        &self,
        user_token: &Secret,
        status: &SlackStatus,
    ) -> Result<(), SlackError> {
        let token = SlackApiToken::new(SlackApiTokenValue(user_token.expose().to_owned()));
        let expiration =
            jiff::Timestamp::from_second(status.expiration).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let profile = SlackUserProfile::new()
            .with_status_text(status.text.clone())
            .with_status_emoji(SlackEmoji(status.emoji.clone()))
            .with_status_expiration(SlackDateTime(expiration));
        let request = SlackApiUsersProfileSetRequest::new(profile);
        // Tier 3 per workspace: thousands of windows starting at 09:00 must not trip 429s.
        self.tier3.wait_turn("users.profile.set").await;
        self.with_retries("users.profile.set", || async {
            self.client
                .open_session(&token)
                .users_profile_set(&request)
                .await
        })
        .await?;
        Ok(())
    }

    async fn revoke(&self, user_token: &Secret) -> Result<(), SlackError> {
        let token = SlackApiToken::new(SlackApiTokenValue(user_token.expose().to_owned()));
        self.with_retries("auth.revoke", || async {
            let session = self.client.open_session(&token);
            session
                .http_session_api
                .http_post::<_, serde_json::Value>("auth.revoke", &serde_json::json!({}), None)
                .await
        })
        .await?;
        Ok(())
    }

    async fn refresh_token(
        &self,
        client_id: &str,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<Refreshed, SlackError> {
        super::rotation::refresh(self, client_id, client_secret, refresh_token).await
    }

    async fn org_workspaces(&self) -> Result<Vec<String>, SlackError> {
        let mut teams = Vec::new();
        let mut cursor: Option<String> = None;
        // Bounded: an organisation has at most a few thousand workspaces, 1,000 a page.
        for _ in 0..50 {
            let page: TeamsPage = self
                .with_retries("auth.teams.list", || async {
                    let params = vec![("limit", Some("1000")), ("cursor", cursor.as_deref())];
                    let session = self.client.open_session(&self.token);
                    session
                        .http_session_api
                        .http_get("auth.teams.list", &params, None)
                        .await
                })
                .await?;
            teams.extend(page.teams.into_iter().map(|t| t.id));
            cursor = page.response_metadata.next_cursor.filter(|c| !c.is_empty());
            if cursor.is_none() {
                break;
            }
        }
        Ok(teams)
    }
}

/// One page of `auth.teams.list`.
#[derive(serde::Deserialize)]
struct TeamsPage {
    #[serde(default)]
    teams: Vec<TeamId>,
    #[serde(default)]
    response_metadata: NextCursor,
}

#[derive(serde::Deserialize)]
struct TeamId {
    id: String,
}

#[derive(serde::Deserialize, Default)]
struct NextCursor {
    next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_morphism::errors::{SlackClientHttpError, SlackClientProtocolError};
    use std::io::{Error as IoError, ErrorKind};

    /// A connector's error around the operating system's, as hyper-util makes them.
    #[derive(Debug)]
    struct Wrapped(&'static str, IoError);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.1)
        }
    }

    #[test]
    fn connection_failures_are_said_in_words() {
        let said = |e: Wrapped| not_reached(&e, "slack.com");
        let refused = Wrapped("tcp connect error", ErrorKind::ConnectionRefused.into());
        assert_eq!(
            said(refused),
            "could not reach slack.com: connection refused"
        );
        let slow = Wrapped("tcp connect error", ErrorKind::TimedOut.into());
        assert_eq!(said(slow), "could not reach slack.com: timed out");
        let dns = Wrapped("dns error", IoError::other("failed to lookup address"));
        assert_eq!(
            said(dns),
            "could not reach slack.com: DNS lookup failed (failed to lookup address)"
        );
    }

    #[test]
    fn answers_slack_could_not_give_are_said_without_their_body() {
        let secret_body = r#"{"ok":true,"authed_user":{"access_token":"xoxp-very-secret"}}"#;
        let json_error = serde_json::from_str::<u32>(r#""xoxp-very-secret""#).unwrap_err();
        let unreadable = SlackClientError::ProtocolError(
            SlackClientProtocolError::new(json_error).with_json_body(secret_body.to_owned()),
        );
        let said = failure(unreadable, "slack.com").to_string();
        assert!(said.contains("line 1"), "{said}");
        let http = SlackClientError::HttpError(
            SlackClientHttpError::new(hyper::StatusCode::BAD_GATEWAY)
                .with_http_response_body(secret_body.to_owned()),
        );
        let said = format!("{said} {}", failure(http, "slack.com"));
        assert!(said.contains("slack.com answered HTTP 502"), "{said}");
        assert!(!said.contains("very-secret"), "{said}");
    }
}
