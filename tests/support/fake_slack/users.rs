//! users.info, users.profile.get and users.profile.set: people, their zones and their statuses.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::http::ApiError;
use super::params::{is_truthy, str_param};
use super::{lock, FakeSlack, State, TEAM_ID};

/// A Slack status as users.profile.get reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusNow {
    pub text: String,
    pub emoji: String,
    pub expiration: i64,
}

pub(super) struct FakeUser {
    name: String,
    tz: Option<String>,
    status_text: String,
    status_emoji: String,
}

impl FakeSlack {
    /// What users.info returns for `user_id`; `tz` is an IANA name or None (no tz fields).
    pub fn set_user(&self, user_id: &str, name: &str, tz: Option<&str>) {
        let mut st = lock(&self.state);
        let (status_text, status_emoji) = st
            .users
            .remove(user_id)
            .map(|u| (u.status_text, u.status_emoji))
            .unwrap_or_default();
        let user = FakeUser {
            name: name.to_string(),
            tz: tz.map(str::to_string),
            status_text,
            status_emoji,
        };
        st.users.insert(user_id.to_string(), user);
    }

    /// Sets the profile status users.info reports for a user already added with `set_user`.
    pub fn set_user_status(&self, user_id: &str, text: &str, emoji: &str) {
        let mut st = lock(&self.state);
        let user = st
            .users
            .get_mut(user_id)
            .expect("fake Slack: set_user before set_user_status");
        user.status_text = text.to_string();
        user.status_emoji = emoji.to_string();
    }

    /// A status the person set themselves.
    pub fn set_status(&self, user: &str, text: &str, emoji: &str, expiration: i64) {
        let status = StatusNow {
            text: text.into(),
            emoji: emoji.into(),
            expiration,
        };
        lock(&self.state).statuses.insert(user.into(), status);
    }

    pub fn status(&self, user: &str) -> StatusNow {
        lock(&self.state)
            .statuses
            .get(user)
            .cloned()
            .unwrap_or_default()
    }

    /// Every users.profile.set for `user`, in order.
    pub fn status_sets(&self, user: &str) -> Vec<StatusNow> {
        lock(&self.state)
            .status_sets
            .iter()
            .filter(|(u, _)| u == user)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

pub(super) fn users_info(st: &State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let id = str_param(params, "user").ok_or(ApiError::new("user_not_found"))?;
    let user = st.users.get(id).ok_or(ApiError::new("user_not_found"))?;
    let mut obj = json!({
        "id": id,
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": false,
        "color": "9f69e7",
        "real_name": user.name,
        "is_admin": false, "is_owner": false, "is_primary_owner": false,
        "is_restricted": false, "is_ultra_restricted": false,
        "is_bot": false, "is_app_user": false,
        "updated": 1_700_000_000,
        "has_2fa": false,
        "profile": {
            "display_name": user.name,
            "display_name_normalized": user.name,
            "real_name": user.name,
            "real_name_normalized": user.name,
            "status_text": user.status_text,
            "status_emoji": user.status_emoji,
            "status_expiration": 0,
            "team": TEAM_ID,
        },
    });
    if let Some(tz) = &user.tz {
        let now = st
            .clock
            .as_ref()
            .map_or_else(unix_now, |now| now().timestamp());
        let (offset, label) = tz_offset_and_label(tz, now);
        obj["tz"] = json!(tz);
        obj["tz_label"] = json!(label);
        obj["tz_offset"] = json!(offset);
    }
    if params.get("include_locale").is_some_and(is_truthy) {
        obj["locale"] = json!("en-US");
    }
    Ok(json!({ "user": obj }))
}

pub(super) fn profile_of(st: &State, user: &str) -> Value {
    let now = st.statuses.get(user).cloned().unwrap_or_default();
    json!({ "profile": {
        "status_text": now.text, "status_emoji": now.emoji, "status_expiration": now.expiration,
        "real_name": user, "display_name": user, "team": TEAM_ID
    }})
}

pub(super) fn profile_set(
    st: &mut State,
    user: &str,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let profile = match params.get("profile") {
        Some(Value::Object(p)) => p.clone(),
        Some(Value::String(text)) => {
            serde_json::from_str(text).map_err(|_| ApiError::new("invalid_profile"))?
        }
        _ => return Err(ApiError::new("invalid_profile")),
    };
    let mut now = st.statuses.get(user).cloned().unwrap_or_default();
    if let Some(text) = profile.get("status_text").and_then(Value::as_str) {
        now.text = text.to_string();
    }
    if let Some(emoji) = profile.get("status_emoji").and_then(Value::as_str) {
        now.emoji = emoji.to_string();
    }
    if let Some(expiration) = profile.get("status_expiration").and_then(Value::as_i64) {
        now.expiration = expiration;
    }
    if now.text.chars().count() > 100 {
        return Err(ApiError::new("too_long"));
    }
    st.statuses.insert(user.to_string(), now.clone());
    st.status_sets.push((user.to_string(), now));
    Ok(profile_of(st, user))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The offset (seconds, DST included) and a label for an IANA zone at an instant, as users.info reports.
fn tz_offset_and_label(tz: &str, unix_secs: i64) -> (i32, String) {
    use chrono::Offset;
    let Ok(zone) = tz.parse::<chrono_tz::Tz>() else {
        return (0, tz.to_owned());
    };
    let Some(at) = chrono::DateTime::from_timestamp(unix_secs, 0) else {
        return (0, tz.to_owned());
    };
    let local = at.with_timezone(&zone);
    (
        local.offset().fix().local_minus_utc(),
        local.format("%Z").to_string(),
    )
}
