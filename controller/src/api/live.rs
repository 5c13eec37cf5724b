//! The dashboard (`GET /dashboard`: a page and its script and style, embedded in the binary, no
//! network beyond this API), what it shows of this API (`GET /status`) and the live channel
//! list it follows (`GET /events`: Server-Sent Events).

use super::guard::{caller, Asked};
use super::{error, internal, listed, ApiState, Kind};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// How often `/events` looks at the store; an event goes out only when the list changed.
pub const EVENTS_EVERY: Duration = Duration::from_millis(300);

const PAGE: &str = include_str!("../dashboard/index.html");
const SCRIPT: &str = include_str!("../dashboard/app.js");
const STYLE: &str = include_str!("../dashboard/app.css");

pub(super) async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

pub(super) async fn asset(Path(asset): Path<String>) -> Response {
    let (body, kind) = match asset.as_str() {
        "app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "app.css" => (STYLE, "text/css; charset=utf-8"),
        _ => return error(StatusCode::NOT_FOUND, "no such dashboard file"),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// What the dashboard says of this API: whose store it shows, who may act, whether an access
/// policy decides reads, and whether a watchtower runs beside it.
pub(super) async fn status(State(node): State<Arc<ApiState>>) -> Response {
    let mode = match &node.kind {
        Kind::Demo { .. } => "demo",
        Kind::Party { .. } => "party",
    };
    let actions = if node.access.is_some() {
        "policy"
    } else {
        node.gate.name()
    };
    Json(json!({
        "mode": mode,
        "actions": actions,
        "access_policy": node.access.is_some(),
        "watchtower": if node.watchtower { "running" } else { "not in this process" },
        "masks": node.directory.is_some(),
    }))
    .into_response()
}

/// The channel list as the caller may read it, sent as an event `channels` at once and again
/// whenever it changes.
pub(super) async fn events(State(node): State<Arc<ApiState>>, asked: Asked) -> Response {
    let caller = match caller(&node, &asked) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // Refused at once rather than as a stream of errors.
    if let Err(e) = listed(&node, caller.as_ref()) {
        return internal(e);
    }
    let stream = futures::stream::unfold(
        (node, caller, String::new()),
        |(node, caller, last)| async move {
            loop {
                let now = match listed(&node, caller.as_ref()) {
                    Ok(shown) => serde_json::Value::Array(shown).to_string(),
                    Err(e) => json!({"error": e}).to_string(),
                };
                if now != last {
                    let event = Event::default().event("channels").data(now.clone());
                    return Some((Ok::<_, Infallible>(event), (node, caller, now)));
                }
                tokio::time::sleep(EVENTS_EVERY).await;
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
