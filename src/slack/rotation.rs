//! Token rotation at Slack: `oauth.v2.access` with `grant_type=refresh_token`, and the rotation
//! fields (`refresh_token`, `expires_in`) of an install's or a connect's answer.

use slack_morphism::prelude::*;
use slack_morphism::{SlackClientApiCallContext, SlackClientHttpConnector};

use super::api::SlackWebApi;
use crate::ports::slack::{Refreshed, Rotation, SlackError};
use crate::secret::Secret;

/// What Slack adds to a token's answer when the app rotates its tokens.
#[derive(serde::Deserialize, Default)]
pub struct RotationFields {
    pub refresh_token: Option<String>,
    pub expires_in: Option<i64>,
}

impl RotationFields {
    /// Some only when both are there: a refresh token without a lifetime renews nothing.
    pub fn rotation(self) -> Option<Rotation> {
        Some(Rotation {
            refresh_token: Secret::new(self.refresh_token.filter(|t| !t.is_empty())?),
            expires_in_secs: self.expires_in?,
        })
    }
}

#[derive(serde::Deserialize)]
struct RefreshAnswer {
    access_token: Option<String>,
    #[serde(flatten)]
    rotation: RotationFields,
}

/// The refresh call. Its URL carries the client secret and the refresh token (oauth.v2.access
/// reads its arguments as parameters), so slack-morphism is told it is sensitive and logs it
/// redacted.
pub async fn refresh(
    api: &SlackWebApi,
    client_id: &str,
    client_secret: &Secret,
    refresh_token: &Secret,
) -> Result<Refreshed, SlackError> {
    let client = api.client();
    let connector = &client.http_api.connector;
    let base = connector
        .create_method_uri_path("oauth.v2.access")
        .map_err(|e| api.failed(e))?;
    let uri = SlackClientHttpApiUri::create_url_with_params(
        base,
        &[
            ("client_id", Some(&client_id.to_owned())),
            ("client_secret", Some(&client_secret.expose().to_owned())),
            ("grant_type", Some(&"refresh_token".to_owned())),
            ("refresh_token", Some(&refresh_token.expose().to_owned())),
        ],
    )
    .map_err(|e| api.failed(e))?;
    let span = tracing::debug_span!("Slack OAuth refresh");
    let context = SlackClientApiCallContext {
        rate_control_params: None,
        token: None,
        tracing_span: &span,
        is_sensitive_url: true,
    };
    let result: Result<RefreshAnswer, SlackError> = connector
        .http_get_uri(uri, context)
        .await
        .map_err(|e| api.failed(e));
    let outcome = match &result {
        Ok(_) => "ok".to_owned(),
        Err(SlackError::Api(code)) => code.clone(),
        Err(SlackError::RateLimited(_)) => "ratelimited".to_owned(),
        Err(SlackError::Transport(_)) => "transport".to_owned(),
    };
    crate::metrics::slack_call("oauth.v2.access", &outcome);
    let answer = result?;
    let access_token = answer
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| SlackError::Api("no_access_token".to_owned()))?;
    let rotation = answer
        .rotation
        .rotation()
        .ok_or_else(|| SlackError::Api("no_refresh_token".to_owned()))?;
    Ok(Refreshed {
        access_token: Secret::new(access_token),
        rotation,
    })
}
