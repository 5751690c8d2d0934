//! Several workspaces, as Slack keeps them apart: each installed workspace's bot token works only
//! in that workspace (a user or DM of another answers `user_not_found`/`channel_not_found`, as
//! Slack does), "Add to Slack" codes that oauth.v2.access exchanges for a bot token in Slack's
//! real answer shape, and uninstalls that make a token answer `token_revoked`.
//!
//! People not placed in a workspace with `set_user_in` belong to `TEAM_ID`, the workspace of the
//! fake's own bot token; so a single-workspace test never meets these checks.

use serde_json::{json, Map, Value};

use super::http::ApiError;
use super::params::str_param;
use super::{lock, FakeSlack, State, APP_ID, TEAM_ID};

/// An installed workspace's bot token: its team and bot user, and whether it was revoked.
#[derive(Clone, Debug)]
pub(super) struct BotToken {
    pub team: String,
    pub bot_user: String,
    pub revoked: bool,
}

/// What approving an install gives when its code is exchanged.
#[derive(Clone, Debug)]
pub struct InstallGrant {
    pub team: String,
    pub team_name: String,
    pub bot_token: String,
    pub bot_user: String,
    /// `Some(enterprise id)` with no team for an org-wide (Enterprise Grid) install.
    pub enterprise: Option<String>,
}

impl FakeSlack {
    /// Makes `code` exchangeable (once) for `grant`, as if an admin approved the install.
    pub fn approve_install(&self, code: &str, grant: InstallGrant) {
        lock(&self.state).install_codes.insert(code.into(), grant);
    }

    /// A bot token Slack issued earlier (through another replica's install) for `team`.
    pub fn knows_bot_token(&self, token: &str, team: &str, bot_user: &str) {
        let bot = BotToken {
            team: team.into(),
            bot_user: bot_user.into(),
            revoked: false,
        };
        lock(&self.state).bot_tokens.insert(token.into(), bot);
    }

    /// Puts a person in `team` (users.info answers them, and only to that team's token).
    pub fn set_user_in(&self, team: &str, user_id: &str, name: &str, tz: Option<&str>) {
        self.set_user(user_id, name, tz);
        lock(&self.state)
            .user_teams
            .insert(user_id.into(), team.into());
    }

    /// The workspace uninstalls the app: its bot token stops working.
    pub fn revoke_bot_token(&self, token: &str) {
        if let Some(bot) = lock(&self.state).bot_tokens.get_mut(token) {
            bot.revoked = true;
        }
    }

    /// Every chat.postMessage made with `token`: (channel asked for, text).
    pub fn posts_with(&self, token: &str) -> Vec<String> {
        self.calls_to("chat.postMessage")
            .into_iter()
            .filter(|c| c.token.as_deref() == Some(token))
            .filter_map(|c| c.params["channel"].as_str().map(str::to_owned))
            .collect()
    }
}

/// The workspace a person belongs to.
fn team_of<'a>(st: &'a State, user: &str) -> &'a str {
    st.user_teams.get(user).map_or(TEAM_ID, String::as_str)
}

/// The installed workspace of a bot token: Some(Ok(team)), Some(Err) if revoked, None if the
/// token is no installed workspace's.
pub(super) fn token_team(st: &State, token: Option<&str>) -> Option<Result<String, ApiError>> {
    let bot = st.bot_tokens.get(token?)?;
    Some(if bot.revoked {
        Err(ApiError::new("token_revoked"))
    } else {
        Ok(bot.team.clone())
    })
}

/// auth.test for an installed workspace's token.
pub(super) fn auth_test_of(st: &State, token: &str) -> Option<Value> {
    let bot = st.bot_tokens.get(token)?;
    let org = super::grid::is_org(st, &bot.team);
    Some(json!({
        "url": format!("https://{}.slack.com/", bot.team.to_lowercase()),
        "team": bot.team, "user": "officehours", "team_id": bot.team,
        "user_id": bot.bot_user, "bot_id": format!("B{}", bot.team),
        "enterprise_id": if org { Value::String(bot.team.clone()) } else { Value::Null },
        "is_enterprise_install": org,
    }))
}

/// Slack keeps workspaces apart: a person (or their DM) of another workspace is not found.
pub(super) fn other_workspace(
    st: &State,
    team: &str,
    method: &str,
    params: &Map<String, Value>,
) -> Option<ApiError> {
    let foreign = |user: &str| !super::grid::reaches(st, team, team_of(st, user));
    let person = |id: &str| -> Option<String> {
        match id.as_bytes().first() {
            Some(b'U' | b'W') => Some(id.to_owned()),
            Some(b'D') => Some(id[1..].to_owned()),
            _ => None,
        }
    };
    match method {
        "users.info" => str_param(params, "user")
            .filter(|u| foreign(u))
            .map(|_| ApiError::new("user_not_found")),
        "views.publish" => str_param(params, "user_id")
            .filter(|u| foreign(u))
            .map(|_| ApiError::new("user_not_found")),
        "chat.postMessage" | "chat.postEphemeral" | "conversations.history" => {
            str_param(params, "channel")
                .and_then(person)
                .filter(|u| foreign(u))
                .map(|_| ApiError::new("channel_not_found"))
        }
        "conversations.open" => {
            let users: Vec<String> = match params.get("users") {
                Some(Value::String(s)) => s.split(',').map(|u| u.trim().to_owned()).collect(),
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            };
            users
                .iter()
                .any(|u| foreign(u))
                .then(|| ApiError::new("user_not_found"))
        }
        _ => None,
    }
}

/// oauth.v2.access for an install code: Slack's answer for a bot install, or None if `code` is
/// no install code (the caller then tries it as a person's connect code).
pub(super) fn install_access(st: &mut State, code: &str) -> Option<Value> {
    let grant = st.install_codes.remove(code)?;
    st.bot_tokens.insert(
        grant.bot_token.clone(),
        BotToken {
            team: grant.team.clone(),
            bot_user: grant.bot_user.clone(),
            revoked: false,
        },
    );
    let org = grant.enterprise.is_some();
    let team = if org {
        Value::Null
    } else {
        json!({ "id": grant.team, "name": grant.team_name })
    };
    let mut answer = json!({
        "access_token": grant.bot_token,
        "token_type": "bot",
        "scope": "commands,users:read,chat:write,im:write,mpim:write,im:history,mpim:history,files:write,app_mentions:read,channels:history,groups:history",
        "bot_user_id": grant.bot_user,
        "app_id": APP_ID,
        "team": team,
        "enterprise": grant.enterprise.map(|id| json!({ "id": id, "name": "Example Org" })),
        "is_enterprise_install": org,
        "authed_user": { "id": "UINSTALLER" },
    });
    if let (Value::Object(fields), false) = (&mut answer, org) {
        let renews = super::rotation::Renews::Bot {
            team: grant.team.clone(),
            bot_user: grant.bot_user.clone(),
        };
        super::rotation::issue(st, &grant.bot_token, renews, fields);
    }
    Some(answer)
}
