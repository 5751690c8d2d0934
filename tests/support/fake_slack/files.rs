//! files.getUploadURLExternal, the upload itself and files.completeUploadExternal.

use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::http::ApiError;
use super::params::str_param;
use super::{lock, FakeSlack, Shared, State};

/// A file shared through Slack's external upload flow.
#[derive(Clone, Debug)]
pub struct SharedFile {
    pub channel: String,
    pub title: String,
    pub name: String,
    pub content: Vec<u8>,
}

impl FakeSlack {
    /// Files shared with files.completeUploadExternal, in order.
    pub fn shared_files(&self) -> Vec<SharedFile> {
        lock(&self.state).shared_files.clone()
    }
}

/// files.getUploadURLExternal: a one-off upload URL on this fake, and the file's id.
pub(super) fn files_get_upload_url(
    st: &mut State,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let base_url = st.base_url.clone();
    let (Some(name), Some(length)) = (str_param(params, "filename"), str_param(params, "length"))
    else {
        return Err(ApiError::new("invalid_arguments"));
    };
    if length.parse::<u64>().is_err() {
        return Err(ApiError::new("invalid_arguments"));
    }
    let id = format!("F{:08}", st.pending_files.len() + st.shared_files.len() + 1);
    st.pending_files
        .insert(id.clone(), (name.to_string(), None));
    Ok(json!({ "upload_url": format!("{base_url}/upload/v1/{id}"), "file_id": id }))
}

/// The upload itself: Slack's upload host answers in plain text.
pub(super) async fn upload_handler(
    AxumState(state): AxumState<Shared>,
    Path(file_id): Path<String>,
    body: Bytes,
) -> Response {
    let stored = match lock(&state).pending_files.get_mut(&file_id) {
        Some(slot) => {
            slot.1 = Some(body.to_vec());
            true
        }
        None => false,
    };
    if !stored {
        return (StatusCode::NOT_FOUND, "file not found").into_response();
    }
    state.changed();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain")],
        format!("OK - {}", body.len()),
    )
        .into_response()
}

/// files.completeUploadExternal: shares uploaded files in `channel_id`.
pub(super) fn files_complete_upload(
    st: &mut State,
    params: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let files = match params.get("files") {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(text)) => serde_json::from_str::<Vec<Value>>(text)
            .map_err(|_| ApiError::new("invalid_arguments"))?,
        _ => return Err(ApiError::new("invalid_arguments")),
    };
    let channel = str_param(params, "channel_id").map(str::to_string);
    if let Some(channel) = &channel {
        if !st.conversations.contains_key(channel) {
            return Err(ApiError::new("channel_not_found"));
        }
    }
    let mut answered = Vec::new();
    for file in files {
        let id = file["id"].as_str().unwrap_or_default().to_string();
        let Some((name, Some(content))) = st.pending_files.remove(&id) else {
            return Err(ApiError::new("file_not_found"));
        };
        let title = file["title"].as_str().unwrap_or(&name).to_string();
        answered.push(json!({ "id": id, "name": name, "title": title, "size": content.len() }));
        if let Some(channel) = &channel {
            st.shared_files.push(SharedFile {
                channel: channel.clone(),
                title,
                name,
                content,
            });
        }
    }
    Ok(json!({ "files": answered }))
}
