//! Tokens: auth.test, auth.revoke, oauth.v2.access (a person connecting their account) and
//! apps.connections.open (Socket Mode's app-level token).

use serde_json::{json, Map, Value};

use super::http::ApiError;
use super::params::str_param;
use super::users::{profile_of, profile_set};
use super::{
    lock, FakeSlack, State, APP_ID, BOT_ID, BOT_USER_ID, CLIENT_ID, CLIENT_SECRET, TEAM_ID,
};

impl FakeSlack {
    /// Makes `code` exchangeable (once) for a user token of `user` in `team`, as if they approved.
    pub fn approve_oauth(&self, code: &str, team: &str, user: &str, token: &str) {
        lock(&self.state)
            .oauth_codes
            .insert(code.into(), (team.into(), user.into(), token.into()));
    }

    /// A user token Slack issued earlier (to `user`, through another replica's approval).
    pub fn grant_user_token(&self, token: &str, user: &str) {
        lock(&self.state)
            .user_tokens
            .insert(token.into(), (user.into(), false));
    }

    /// The person revokes the app from their account: the token stops working.
    pub fn revoke_user_token(&self, token: &str) {
        if let Some(entry) = lock(&self.state).user_tokens.get_mut(token) {
            entry.1 = true;
        }
    }

    pub fn token_revoked(&self, token: &str) -> bool {
        lock(&self.state)
            .user_tokens
            .get(token)
            .is_some_and(|(_, revoked)| *revoked)
    }
}

pub(super) fn apps_connections_open(st: &State) -> Result<Value, ApiError> {
    let socket = st.socket.as_ref().ok_or(ApiError::new("invalid_auth"))?;
    Ok(json!({ "url": socket.open_link() }))
}

pub(super) fn auth_test() -> Value {
    json!({
        "url": "https://fake-team.slack.com/",
        "team": "Fake Team",
        "user": "officehours",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": false,
    })
}

/// oauth.v2.access with the app's client credentials (HTTP Basic or params): a user-scope answer.
pub(super) fn oauth_access(
    st: &mut State,
    params: &Map<String, Value>,
    basic: Option<(String, String)>,
) -> Result<Value, ApiError> {
    let (id, secret) = basic
        .or_else(|| {
            Some((
                str_param(params, "client_id")?.to_string(),
                str_param(params, "client_secret")?.to_string(),
            ))
        })
        .ok_or_else(|| ApiError::new("invalid_client_id"))?;
    if id != CLIENT_ID {
        return Err(ApiError::new("invalid_client_id"));
    }
    if secret != CLIENT_SECRET {
        return Err(ApiError::new("bad_client_secret"));
    }
    if str_param(params, "grant_type") == Some("refresh_token") {
        return super::rotation::refresh(st, params);
    }
    let code = str_param(params, "code").ok_or_else(|| ApiError::new("invalid_code"))?;
    if let Some(answer) = super::workspaces::install_access(st, code) {
        return Ok(answer);
    }
    let (team, user, token) = st
        .oauth_codes
        .remove(code)
        .ok_or_else(|| ApiError::new("invalid_code"))?;
    st.user_tokens.insert(token.clone(), (user.clone(), false));
    let mut authed_user = json!({ "id": user, "scope": "users.profile:read,users.profile:write", "access_token": token, "token_type": "user" });
    if let Value::Object(fields) = &mut authed_user {
        let renews = super::rotation::Renews::User {
            team: team.clone(),
            user: user.clone(),
        };
        super::rotation::issue(st, &token, renews, fields);
    }
    // A workspace of an organisation with an org-wide install: Slack names the organisation.
    let enterprise = super::grid::org_of(st, &team);
    Ok(json!({
        "app_id": APP_ID,
        "authed_user": authed_user,
        "team": { "id": team, "name": "Example" },
        "enterprise": enterprise.as_ref().map(|id| json!({ "id": id, "name": "Example Org" })),
        "is_enterprise_install": enterprise.is_some()
    }))
}

/// A call with a person's own token (for their profile, auth.test and auth.revoke): its answer,
/// or None when `token` is no user token.
pub(super) fn user_token_call(
    st: &mut State,
    method: &str,
    token: Option<&str>,
    params: &Map<String, Value>,
) -> Option<Result<Value, ApiError>> {
    let (user, revoked) = token.and_then(|t| st.user_tokens.get(t).cloned())?;
    if revoked {
        return Some(Err(ApiError::new("token_revoked")));
    }
    Some(match method {
        "users.profile.get" => Ok(profile_of(st, &user)),
        "users.profile.set" => profile_set(st, &user, params),
        "auth.revoke" => {
            if let Some(entry) = token.and_then(|t| st.user_tokens.get_mut(t)) {
                entry.1 = true;
            }
            Ok(json!({ "revoked": true }))
        }
        "auth.test" => Ok(
            json!({ "url": "https://example.slack.com/", "team": "Example", "user": user, "team_id": TEAM_ID, "user_id": user }),
        ),
        _ => Err(ApiError::new("not_allowed_token_type")),
    })
}

/// apps.connections.open takes the app-level token only; every other method the bot token only.
pub(super) fn check_token(st: &State, method: &str, token: Option<&str>) -> Result<(), ApiError> {
    let is_app_token = token.is_some() && token == st.app_token.as_deref();
    let wants_app_token = method == "apps.connections.open";
    match token {
        None => Err(ApiError::new("not_authed")),
        Some(t) if wants_app_token && t == st.bot_token => {
            Err(ApiError::new("not_allowed_token_type"))
        }
        Some(_) if is_app_token && !wants_app_token => Err(ApiError::new("not_allowed_token_type")),
        Some(t) if !is_app_token && t != st.bot_token => Err(ApiError::new("invalid_auth")),
        Some(_) => Ok(()),
    }
}
