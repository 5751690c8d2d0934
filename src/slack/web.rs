//! Pages a browser or calendar app asks for: the OAuth round trip and the private calendar feed.
//! Not signed by Slack; each protects itself (single-use state, unguessable address).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::Arc;

use super::SlackApp;
use crate::app::{Callback, CoreError, InstallPage, OAuthPage, INSTALL_COOKIE};

pub fn router(app: Arc<SlackApp>) -> Router {
    Router::new()
        .route("/slack/oauth/start", get(oauth_start))
        .route("/slack/oauth/callback", get(oauth_callback))
        .route("/slack/install", get(install))
        .route("/slack/install/callback", get(install_callback))
        .route("/ics/{file}", get(calendar))
        .with_state(app)
}

fn page(result: Result<OAuthPage, CoreError>) -> Response {
    match result {
        Ok(OAuthPage {
            redirect: Some(url),
            ..
        }) => (StatusCode::FOUND, [(header::LOCATION, url)]).into_response(),
        Ok(OAuthPage { status, html, .. }) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            Html(html),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "OAuth page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("Something went wrong; please try again."),
            )
                .into_response()
        }
    }
}

async fn oauth_start(
    State(app): State<Arc<SlackApp>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = query.get("state").map(String::as_str).unwrap_or_default();
    page(app.core.oauth_start(state).await)
}

async fn oauth_callback(
    State(app): State<Arc<SlackApp>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |name: &str| query.get(name).map(String::as_str);
    page(
        app.core
            .oauth_callback(get("code"), get("state"), get("error"))
            .await,
    )
}

fn install_page(result: Result<InstallPage, CoreError>) -> Response {
    match result {
        Ok(InstallPage {
            status,
            html,
            set_cookie,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            // The pages carry a one-time secret: no cache may keep them.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
                headers.insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(err) => page(Err(err)),
    }
}

async fn install(State(app): State<Arc<SlackApp>>) -> Response {
    install_page(app.core.install_page().await)
}

async fn install_callback(
    State(app): State<Arc<SlackApp>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let get = |name: &str| query.get(name).map(String::as_str);
    let cookie = install_cookie(&headers);
    let back = Callback {
        code: get("code"),
        state: get("state"),
        error: get("error"),
        cookie_state: cookie.as_deref(),
    };
    install_page(app.core.install_callback(back).await)
}

/// The state this browser was given by the install page, from its `Cookie` header(s).
fn install_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == INSTALL_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Calendar apps refetch hourly; within five minutes they may reuse what they have, and after
/// that they ask again with its tag and mostly get `304 Not Modified`.
const FEED_CACHE_CONTROL: &str = "private, max-age=300";

async fn calendar(
    State(app): State<Arc<SlackApp>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(secret) = file.strip_suffix(".ics").filter(|s| !s.is_empty()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let held = held_tags(&headers);
    let feed = match app.core.calendar_feed(secret, &held).await {
        Ok(Some(feed)) => feed,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "calendar feed failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let Ok(etag) = HeaderValue::from_str(&feed.etag) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let cache = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(FEED_CACHE_CONTROL),
        ),
    ];
    match feed.body {
        None => (StatusCode::NOT_MODIFIED, cache).into_response(),
        Some(body) => (
            StatusCode::OK,
            cache,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            )],
            body.to_string(),
        )
            .into_response(),
    }
}

/// The entity tags in `If-None-Match` (which compares weakly, so `W/` is dropped), or `*`.
fn held_tags(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| {
            let tag = tag.trim();
            tag.strip_prefix("W/").unwrap_or(tag)
        })
        .filter(|tag| !tag.is_empty())
        .collect()
}
