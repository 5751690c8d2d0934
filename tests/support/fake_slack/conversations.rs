//! conversations.open and conversations.history: the app's DMs and group DMs, and reading a
//! channel's messages back, newest first, in pages.

use std::collections::hash_map::Entry;

use serde_json::{json, Map, Value};

use super::chat::shown;
use super::http::ApiError;
use super::params::{is_truthy, parse_ts, str_param, ts_param};
use super::{lock, FakeSlack, State};

impl FakeSlack {
    /// Members (bot left out) of a DM or mpim opened by conversations.open or a post to a user id.
    pub fn conversation_members(&self, channel: &str) -> Option<Vec<String>> {
        lock(&self.state).conversations.get(channel).cloned()
    }
}

/// A conversation the app can see: opened (DM, mpim) or posted to.
pub(super) fn known_channel(st: &State, channel: &str) -> bool {
    st.conversations.contains_key(channel) || st.messages.iter().any(|m| m["channel"] == channel)
}

pub(super) fn conversations_open(
    st: &mut State,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut users: Vec<String> = match params.get("users") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    // The same people always make the same conversation, whatever order they are listed in.
    users.sort();
    users.dedup();
    let id = match (users.as_slice(), str_param(params, "channel")) {
        ([], Some(channel)) if st.conversations.contains_key(channel) => channel.to_string(),
        ([], Some(_)) => return Err(ApiError::new("channel_not_found")),
        ([], None) => return Err(ApiError::new("users_list_not_supplied")),
        (many, _) if many.len() > 8 => return Err(ApiError::new("too_many_users")),
        ([user], _) => format!("D{user}"),
        (many, _) => format!("G{}", many.concat()),
    };
    match st.conversations.entry(id.clone()) {
        Entry::Occupied(_) => {
            Ok(json!({ "channel": { "id": id }, "no_op": true, "already_open": true }))
        }
        Entry::Vacant(slot) => {
            slot.insert(users);
            Ok(json!({ "channel": { "id": id } }))
        }
    }
}

pub(super) fn conversations_history(
    st: &State,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let channel = str_param(params, "channel")
        .filter(|c| known_channel(st, c))
        .ok_or(ApiError::new("channel_not_found"))?;
    let oldest = ts_param(params, "oldest").map_err(|()| ApiError::new("invalid_ts_oldest"))?;
    let latest = ts_param(params, "latest").map_err(|()| ApiError::new("invalid_ts_latest"))?;
    // Our cursors name the ts a page stopped at; the next page holds older messages.
    let before = match str_param(params, "cursor") {
        None => None,
        Some(cursor) => Some(
            cursor
                .strip_prefix("next_ts:")
                .and_then(parse_ts)
                .ok_or(ApiError::new("invalid_cursor"))?,
        ),
    };
    let inclusive = params.get("inclusive").is_some_and(is_truthy);
    let with_metadata = params.get("include_all_metadata").is_some_and(is_truthy);
    let limit = match params.get("limit") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .filter(|n| *n > 0)
    .map_or(100, |n| n.min(999) as usize);
    let in_range = |ts: u128| {
        oldest.is_none_or(|o| ts > o || inclusive && ts == o)
            && latest.is_none_or(|l| ts < l || inclusive && ts == l)
            && before.is_none_or(|b| ts < b)
    };
    // Newest first; thread replies stay in their thread, as in Slack.
    let mut matching = st.messages.iter().rev().filter(|m| {
        let ts = m["ts"].as_str().unwrap_or_default();
        let is_reply = m.get("thread_ts").is_some_and(|t| t != ts);
        m["channel"] == channel && !is_reply && parse_ts(ts).is_some_and(in_range)
    });
    let messages: Vec<Value> = matching
        .by_ref()
        .take(limit)
        .map(|m| shown(m, with_metadata))
        .collect();
    let has_more = matching.next().is_some();
    let next_cursor = match messages.last() {
        Some(last) if has_more => format!("next_ts:{}", last["ts"].as_str().unwrap_or_default()),
        _ => String::new(),
    };
    Ok(json!({
        "messages": messages,
        "has_more": has_more,
        "pin_count": 0,
        "channel_actions_ts": null,
        "channel_actions_count": 0,
        "response_metadata": { "next_cursor": next_cursor },
    }))
}
