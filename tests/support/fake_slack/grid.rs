//! Enterprise Grid, as Slack keeps it: an organisation of workspaces, an org-wide install whose
//! one bot token reaches the people of every workspace the organisation added the app to (and
//! no one else's), `auth.teams.list` listing those workspaces, and `auth.test` saying the token
//! is an org-wide install's.

use serde_json::{json, Value};

use super::http::ApiError;
use super::{lock, FakeSlack, State};

impl FakeSlack {
    /// The organisation `enterprise` has added the app to exactly `teams` (replacing any list).
    pub fn org_workspaces(&self, enterprise: &str, teams: &[&str]) {
        lock(&self.state).orgs.insert(
            enterprise.to_owned(),
            teams.iter().map(|t| (*t).to_owned()).collect(),
        );
    }
}

/// Whether a token of `token_team` reaches people of `user_team`: its own workspace's, or for an
/// org-wide token those of the workspaces its organisation added the app to.
pub(super) fn reaches(st: &State, token_team: &str, user_team: &str) -> bool {
    token_team == user_team
        || st
            .orgs
            .get(token_team)
            .is_some_and(|teams| teams.iter().any(|t| t == user_team))
}

/// `auth.teams.list` with an org-wide token; a workspace's token is not allowed to ask.
pub(super) fn teams_list(st: &State, token_team: &str) -> Result<Value, ApiError> {
    let Some(teams) = st.orgs.get(token_team) else {
        return Err(ApiError::new("not_allowed_token_type"));
    };
    let teams: Vec<Value> = teams
        .iter()
        .map(|id| json!({ "id": id, "name": format!("Workspace {id}") }))
        .collect();
    Ok(json!({ "teams": teams, "response_metadata": { "next_cursor": "" } }))
}

/// auth.test's extra fields for an org-wide token.
pub(super) fn is_org(st: &State, token_team: &str) -> bool {
    st.orgs.contains_key(token_team)
}

/// The organisation that added the app to workspace `team`, if one did.
pub(super) fn org_of(st: &State, team: &str) -> Option<String> {
    st.orgs
        .iter()
        .find(|(_, teams)| teams.iter().any(|t| t == team))
        .map(|(org, _)| org.clone())
}
