//! views.publish, views.open and views.update: Home tabs and modals, checked as Slack checks them.

use serde_json::{json, Map, Value};

use super::http::ApiError;
use super::params::{json_param, str_param};
use super::{lock, FakeSlack, State, APP_ID, BOT_ID, TEAM_ID};

impl FakeSlack {
    /// The Home tab view of `user_id` as Slack last answered it (views.publish or views.update).
    pub fn published_view(&self, user_id: &str) -> Option<Value> {
        let st = lock(&self.state);
        st.home_views
            .get(user_id)
            .and_then(|id| st.views.get(id))
            .cloned()
    }

    /// The views successful views.open calls answered, in order, as opened (with `id` and `hash`).
    pub fn opened_views(&self) -> Vec<Value> {
        lock(&self.state).opened_views.clone()
    }
}

pub(super) fn views_publish(
    st: &mut State,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let user_id = str_param(params, "user_id")
        .ok_or_else(|| ApiError::invalid_arguments("missing required field: user_id"))?
        .to_string();
    let view = view_param(params)?;
    check_view(&view, "home")?;
    let previous = st.home_views.get(&user_id).and_then(|id| st.views.get(id));
    if let (Some(previous), Some(hash)) = (previous, str_param(params, "hash")) {
        if previous["hash"].as_str() != Some(hash) {
            return Err(ApiError::new("hash_conflict"));
        }
    }
    let id = previous.and_then(|v| v["id"].as_str().map(str::to_string));
    let view = save_view(st, view, id);
    st.home_views
        .insert(user_id, view["id"].as_str().unwrap_or_default().to_string());
    Ok(json!({ "view": view }))
}

pub(super) fn views_open(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let trigger_id = str_param(params, "trigger_id")
        .ok_or_else(|| ApiError::invalid_arguments("missing required field: trigger_id"))?
        .to_string();
    let view = view_param(params)?;
    check_view(&view, "modal")?;
    // A trigger opens one view; it is spent only when one opens, so a rejected view can be fixed.
    if st.used_triggers.contains(&trigger_id) {
        return Err(ApiError::new("exchanged_trigger_id"));
    }
    check_external_id(st, &view, None)?;
    st.used_triggers.insert(trigger_id);
    let view = save_view(st, view, None);
    st.opened_views.push(view.clone());
    Ok(json!({ "view": view }))
}

pub(super) fn views_update(st: &mut State, params: &Map<String, Value>) -> Result<Value, ApiError> {
    let mut view = view_param(params)?;
    let found = match (
        str_param(params, "view_id"),
        str_param(params, "external_id"),
    ) {
        (Some(id), _) => st.views.get(id),
        (None, Some(external_id)) => st.views.values().find(|v| v["external_id"] == external_id),
        (None, None) => {
            return Err(ApiError::invalid_arguments(
                "either view_id or external_id is required",
            ))
        }
    };
    let current = found.ok_or(ApiError::new("not_found"))?;
    // A view stays on its surface: a Home tab is updated with a home view, a modal with a modal.
    check_view(&view, current["type"].as_str().unwrap_or("modal"))?;
    if let Some(hash) = str_param(params, "hash") {
        if current["hash"].as_str() != Some(hash) {
            return Err(ApiError::new("hash_conflict"));
        }
    }
    // Keep the external_id unless the update sets one, so the view stays addressable by it.
    if let Some(external_id) = current["external_id"].as_str().filter(|e| !e.is_empty()) {
        view.entry("external_id").or_insert(json!(external_id));
    }
    let id = current["id"].as_str().unwrap_or_default().to_string();
    check_external_id(st, &view, Some(&id))?;
    let view = save_view(st, view, Some(id));
    Ok(json!({ "view": view }))
}

/// The `view` parameter as an object, sent as JSON or as a JSON-encoded string.
fn view_param(params: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    match json_param(params, "view") {
        Some(Value::Object(view)) => Ok(view),
        Some(_) => Err(ApiError::invalid_arguments(
            "json must be an object [json-pointer:/view]",
        )),
        None => Err(ApiError::invalid_arguments("missing required field: view")),
    }
}

/// Slack's checks on a view of type `kind` (`home` or `modal`): blocks, and a modal's title,
/// buttons (a submit button whenever it has inputs) and private_metadata.
fn check_view(view: &Map<String, Value>, kind: &str) -> Result<(), ApiError> {
    if view.get("type").and_then(Value::as_str) != Some(kind) {
        return Err(ApiError::invalid_arguments(&format!(
            "must be `{kind}` [json-pointer:/view/type]"
        )));
    }
    let Some(Value::Array(blocks)) = view.get("blocks") else {
        return Err(ApiError::invalid_arguments(
            "missing required field: blocks [json-pointer:/view]",
        ));
    };
    if blocks.len() > 100 {
        return Err(ApiError::invalid_arguments(
            "no more than 100 items allowed [json-pointer:/view/blocks]",
        ));
    }
    if kind != "modal" {
        return Ok(());
    }
    let title = view.get("title").ok_or_else(|| {
        ApiError::invalid_arguments("missing required field: title [json-pointer:/view]")
    })?;
    check_modal_label(title, "title")?;
    for key in ["submit", "close"] {
        if let Some(label) = view.get(key).filter(|v| !v.is_null()) {
            check_modal_label(label, key)?;
        }
    }
    let has_input = blocks.iter().any(|b| b["type"] == "input");
    if has_input && view.get("submit").is_none_or(Value::is_null) {
        return Err(ApiError::invalid_arguments(
            "must provide a submit property when using input blocks [json-pointer:/view]",
        ));
    }
    let private_metadata = view.get("private_metadata").and_then(Value::as_str);
    if private_metadata.is_some_and(|s| s.chars().count() > 3000) {
        return Err(ApiError::invalid_arguments(
            "must be less than 3001 characters [json-pointer:/view/private_metadata]",
        ));
    }
    Ok(())
}

/// A modal's title, submit or close: plain_text of 1 to 24 characters.
fn check_modal_label(label: &Value, key: &str) -> Result<(), ApiError> {
    if label["type"] != "plain_text" {
        return Err(ApiError::invalid_arguments(&format!(
            "must be a valid enum value [json-pointer:/view/{key}/type]"
        )));
    }
    let len = label["text"].as_str().map_or(0, |t| t.chars().count());
    if len == 0 || len > 24 {
        return Err(ApiError::invalid_arguments(&format!(
            "must be less than 25 characters [json-pointer:/view/{key}/text]"
        )));
    }
    Ok(())
}

/// A non-empty external_id must not belong to another of the team's views.
fn check_external_id(
    st: &State,
    view: &Map<String, Value>,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let Some(external_id) = view
        .get("external_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return Ok(());
    };
    let taken = st
        .views
        .values()
        .any(|v| v["external_id"] == external_id && v["id"].as_str() != own_id);
    if taken {
        Err(ApiError::new("duplicate_external_id"))
    } else {
        Ok(())
    }
}

/// Completes a view the way Slack answers it (block_ids, defaults, id, a fresh hash) and keeps it;
/// `id` is the id of the view it replaces, if any.
fn save_view(st: &mut State, mut view: Map<String, Value>, id: Option<String>) -> Value {
    st.view_seq += 1;
    let seq = st.view_seq;
    if let Some(Value::Array(blocks)) = view.get_mut("blocks") {
        for (i, block) in blocks.iter_mut().enumerate() {
            if let Some(block) = block.as_object_mut() {
                block
                    .entry("block_id")
                    .or_insert_with(|| json!(format!("b{seq}x{i}")));
            }
        }
    }
    let id = id.unwrap_or_else(|| format!("V{seq:08}"));
    let defaults = [
        ("private_metadata", json!("")),
        ("callback_id", json!("")),
        ("external_id", json!("")),
        ("clear_on_close", json!(false)),
        ("notify_on_close", json!(false)),
        ("close", Value::Null),
        ("submit", Value::Null),
    ];
    for (k, v) in defaults {
        view.entry(k).or_insert(v);
    }
    view.insert("id".into(), json!(id));
    view.insert("team_id".into(), json!(TEAM_ID));
    view.insert("state".into(), json!({"values": {}}));
    view.insert(
        "hash".into(),
        json!(format!(
            "{}.{:08x}",
            1_700_000_000 + seq,
            seq * 2_654_435_761 % (1 << 32)
        )),
    );
    view.insert("previous_view_id".into(), Value::Null);
    view.insert("root_view_id".into(), json!(id));
    view.insert("app_id".into(), json!(APP_ID));
    view.insert("app_installed_team_id".into(), json!(TEAM_ID));
    view.insert("bot_id".into(), json!(BOT_ID));
    let view = Value::Object(view);
    st.views.insert(id, view.clone());
    view
}
