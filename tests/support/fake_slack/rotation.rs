//! Token rotation, as Slack does it for an app with `token_rotation_enabled`: installs and
//! connects answer `xoxe.`-tokens with a `refresh_token` and `expires_in` (12 hours);
//! oauth.v2.access with `grant_type=refresh_token` answers a new token and a new refresh token,
//! and revokes the one used (`invalid_refresh_token` on reuse); a token past its expiry, by the
//! fake's clock, answers `token_expired`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::http::ApiError;
use super::params::str_param;
use super::workspaces::BotToken;
use super::{lock, FakeSlack, State, APP_ID};

/// Slack's lifetime of a rotating token.
pub const EXPIRES_IN: i64 = 12 * 3600;

/// Whose token a refresh token renews.
#[derive(Clone, Debug)]
pub(super) enum Renews {
    Bot { team: String, bot_user: String },
    User { team: String, user: String },
}

#[derive(Default)]
pub(super) struct Rotation {
    /// Whether the app rotates its tokens.
    pub on: bool,
    /// Refresh tokens issued: what each renews, and whether it was used (so revoked).
    pub refresh_tokens: std::collections::HashMap<String, (Renews, bool)>,
    /// When each rotating token expires.
    pub expiry: std::collections::HashMap<String, DateTime<Utc>>,
    pub seq: u64,
}

impl FakeSlack {
    /// Turns token rotation on for this fake app: tokens issued from now on expire.
    pub fn enable_token_rotation(&self) {
        lock(&self.state).rotation.on = true;
    }

    /// The token expires now (as if its 12 hours had passed).
    pub fn expire_token(&self, token: &str) {
        lock(&self.state)
            .rotation
            .expiry
            .insert(token.into(), DateTime::<Utc>::MIN_UTC);
    }

    /// Every refresh token issued so far is used up (as if someone else had used it): Slack
    /// answers `invalid_refresh_token` to each.
    pub fn spend_refresh_tokens(&self) {
        for (_, spent) in lock(&self.state).rotation.refresh_tokens.values_mut() {
            *spent = true;
        }
    }

    /// Refresh token calls made (`grant_type=refresh_token`), in order: the refresh token each used.
    pub fn refreshes(&self) -> Vec<String> {
        self.calls_to("oauth.v2.access")
            .into_iter()
            .filter(|c| c.params["grant_type"] == "refresh_token")
            .filter_map(|c| c.params["refresh_token"].as_str().map(str::to_owned))
            .collect()
    }

    /// The bot tokens issued so far to `team`, oldest first.
    pub fn rotated_bot_tokens(&self, team: &str) -> Vec<String> {
        let st = lock(&self.state);
        let mut tokens: Vec<(DateTime<Utc>, String)> = st
            .bot_tokens
            .iter()
            .filter(|(_, bot)| bot.team == team)
            .filter_map(|(token, _)| Some((*st.rotation.expiry.get(token)?, token.clone())))
            .collect();
        tokens.sort();
        tokens.into_iter().map(|(_, t)| t).collect()
    }
}

fn now(st: &State) -> DateTime<Utc> {
    st.clock.as_ref().map_or_else(Utc::now, |now| now())
}

/// Adds `refresh_token` and `expires_in` to a token's answer when rotation is on (`fields` is
/// the top level for a bot token, `authed_user` for a user's), and starts the token's clock.
pub(super) fn issue(st: &mut State, token: &str, renews: Renews, fields: &mut Map<String, Value>) {
    if !st.rotation.on {
        return;
    }
    st.rotation.seq += 1;
    let refresh = format!("xoxe-1-refresh-{}", st.rotation.seq);
    st.rotation
        .refresh_tokens
        .insert(refresh.clone(), (renews, false));
    let expires = now(st) + Duration::seconds(EXPIRES_IN);
    st.rotation.expiry.insert(token.into(), expires);
    fields.insert("refresh_token".into(), json!(refresh));
    fields.insert("expires_in".into(), json!(EXPIRES_IN));
}

/// `token_expired` for a rotating token past its expiry.
pub(super) fn check_expiry(st: &State, token: Option<&str>) -> Result<(), ApiError> {
    match token.and_then(|t| st.rotation.expiry.get(t)) {
        Some(expires) if *expires <= now(st) => Err(ApiError::new("token_expired")),
        _ => Ok(()),
    }
}

/// oauth.v2.access with `grant_type=refresh_token` (the client credentials already checked).
pub(super) fn refresh(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let used = str_param(params, "refresh_token").ok_or(ApiError::new("invalid_refresh_token"))?;
    let (renews, spent) = st
        .rotation
        .refresh_tokens
        .get_mut(used)
        .ok_or(ApiError::new("invalid_refresh_token"))?;
    if *spent {
        return Err(ApiError::new("invalid_refresh_token"));
    }
    *spent = true;
    let renews = renews.clone();
    st.rotation.seq += 1;
    let n = st.rotation.seq;
    let (token, kind, team) = match &renews {
        Renews::Bot { team, bot_user } => {
            let token = format!("xoxe.xoxb-{n}-{team}");
            let bot = BotToken {
                team: team.clone(),
                bot_user: bot_user.clone(),
                revoked: false,
            };
            st.bot_tokens.insert(token.clone(), bot);
            (token, "bot", team.clone())
        }
        Renews::User { team, user } => {
            let token = format!("xoxe.xoxp-{n}-{user}");
            st.user_tokens.insert(token.clone(), (user.clone(), false));
            (token, "user", team.clone())
        }
    };
    let mut answer = Map::new();
    answer.insert("access_token".into(), json!(token));
    answer.insert("token_type".into(), json!(kind));
    answer.insert("app_id".into(), json!(APP_ID));
    answer.insert("team".into(), json!({ "id": team }));
    issue(st, &token, renews, &mut answer);
    Ok(Value::Object(answer))
}
