//! Slack clients for installed workspaces, one per bot token, and the install's code exchange
//! (`oauth.v2.access` answered with a bot token).

use async_trait::async_trait;
use slack_morphism::prelude::*;
use slack_morphism::SlackClientHttpConnector;
use std::sync::Arc;

use super::api::SlackWebApi;
use crate::ports::slack::{SlackApi, SlackError};
use crate::ports::workspaces::{BotGrant, SlackConnector};
use crate::secret::Secret;

/// Makes `SlackWebApi` clients against one Web API base.
pub struct SlackWebConnector {
    api_url: String,
    /// Holds no token: it only makes the code exchange, which authenticates with the app's
    /// client id and secret.
    base: SlackWebApi,
}

impl SlackWebConnector {
    pub fn new(api_url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            api_url: api_url.to_owned(),
            base: SlackWebApi::new(api_url, &Secret::default())?,
        })
    }
}

#[derive(serde::Deserialize)]
struct OAuthBotResponse {
    access_token: Option<String>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    bot_user_id: String,
    team: Option<Named>,
    enterprise: Option<Named>,
    #[serde(default)]
    is_enterprise_install: bool,
    #[serde(flatten)]
    rotation: super::rotation::RotationFields,
}

#[derive(serde::Deserialize)]
struct Named {
    id: String,
    #[serde(default)]
    name: String,
}

#[async_trait]
impl SlackConnector for SlackWebConnector {
    fn connect(&self, bot_token: &Secret) -> Result<Arc<dyn SlackApi>, SlackError> {
        match SlackWebApi::new(&self.api_url, bot_token) {
            Ok(client) => Ok(Arc::new(client)),
            Err(err) => Err(SlackError::Transport(format!("{err:#}"))),
        }
    }

    async fn install_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<BotGrant, SlackError> {
        let client = self.base.client();
        let connector = &client.http_api.connector;
        let base = connector
            .create_method_uri_path("oauth.v2.access")
            .map_err(|e| self.base.failed(e))?;
        let uri = SlackClientHttpApiUri::create_url_with_params(
            base,
            &[
                ("code", Some(&code.to_owned())),
                ("redirect_uri", Some(&redirect_uri.to_owned())),
            ],
        )
        .map_err(|e| self.base.failed(e))?;
        let result: Result<OAuthBotResponse, SlackError> = connector
            .http_get_with_client_secret(
                uri,
                &SlackClientId(client_id.to_owned()),
                &SlackClientSecret(client_secret.expose().to_owned()),
            )
            .await
            .map_err(|e| self.base.failed(e));
        let outcome = match &result {
            Ok(_) => "ok".to_owned(),
            Err(SlackError::Api(code)) => code.clone(),
            Err(SlackError::RateLimited(_)) => "ratelimited".to_owned(),
            Err(SlackError::Transport(_)) => "transport".to_owned(),
        };
        crate::metrics::slack_call("oauth.v2.access", &outcome);
        let answer = result?;
        let token = answer
            .access_token
            .ok_or_else(|| SlackError::Api("no_bot_token".to_owned()))?;
        let (team, enterprise) = (answer.team, answer.enterprise);
        Ok(BotGrant {
            team_id: team.as_ref().map(|t| t.id.clone()).unwrap_or_default(),
            team_name: team.map(|t| t.name).unwrap_or_default(),
            enterprise_id: enterprise.as_ref().map(|e| e.id.clone()),
            enterprise_name: enterprise.map(|e| e.name).unwrap_or_default(),
            is_enterprise_install: answer.is_enterprise_install,
            bot_user_id: answer.bot_user_id,
            scope: answer.scope,
            access_token: Secret::new(token),
            rotation: answer.rotation.rotation(),
        })
    }
}
