//! The HTTP API over a node on the embedded chain: trades opened, billed, closed and read back;
//! bad input answered with a 4xx and a message that says what is wrong, changing nothing.

mod common;

use axum::http::StatusCode;
use common::{call, json};
use controller::api::{router, ApiState};
use controller::trade::Market;
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trades_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let market = Market::embedded(controller::demo::T0).unwrap();
    let app = router(Arc::new(
        ApiState::new(market, dir.path().to_path_buf()).unwrap(),
    ));

    let (status, body) = call(&app, "GET", "/health", None).await;
    assert_eq!(
        (status, json(&body)),
        (StatusCode::OK, json!({"status": "ok"}))
    );

    // A trade billed and closed in one request.
    let (status, body) = call(
        &app,
        "POST",
        "/channels",
        Some(json!({"minutes": 6, "price_per_minute": 100, "checkpoint_every": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let closed = json(&body);
    assert_eq!(closed["minutes"], 6);
    assert_eq!(closed["phase"]["closed"]["paid"], 600);

    // A trade left open, then closed.
    let (status, body) = call(
        &app,
        "POST",
        "/channels",
        Some(json!({"minutes": 4, "price_per_minute": 50, "close": false})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let open = json(&body);
    assert_eq!(open["phase"], "open");
    let id = open["id"].as_str().unwrap().to_string();
    let (status, body) = call(&app, "GET", &format!("/channels/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let detail = json(&body);
    assert_eq!(detail["on_chain"]["phase"], "Open");
    assert_eq!(detail["owed"], 200);
    let (_, body) = call(&app, "GET", &format!("/channels/{id}/history"), None).await;
    let states = json(&body);
    assert_eq!(states.as_array().unwrap().len(), 4);
    assert_eq!(states[3]["cumulative"], 200);
    let (status, body) = call(&app, "POST", &format!("/channels/{id}/close"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["phase"]["closed"]["paid"], 200);
    let (status, body) = call(&app, "POST", &format!("/channels/{id}/close"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(json(&body)["error"].as_str().unwrap().contains("not open"));

    let (_, body) = call(&app, "GET", "/channels", None).await;
    assert_eq!(json(&body).as_array().unwrap().len(), 2);

    // Bad input: 4xx with a message, nothing changes.
    let bad = [
        (
            "POST",
            "/channels",
            Some(json!({})),
            StatusCode::BAD_REQUEST,
            "minutes",
        ),
        (
            "POST",
            "/channels",
            Some(json!({"minutes": 0, "price_per_minute": 1})),
            StatusCode::BAD_REQUEST,
            "minutes must be",
        ),
        (
            "POST",
            "/channels",
            Some(json!({"minutes": 1, "price_per_minute": 0})),
            StatusCode::BAD_REQUEST,
            "the price per minute must be positive",
        ),
        (
            "POST",
            "/channels",
            Some(json!({"minutes": 10, "price_per_minute": u128::MAX / 2})),
            StatusCode::BAD_REQUEST,
            "more than the demo consumer may spend",
        ),
        (
            "POST",
            "/channels",
            Some(json!({"minutes": 1, "price_per_minute": 1, "colour": "red"})),
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            "POST",
            "/channels",
            Some(json!({"minutes": -1, "price_per_minute": 1})),
            StatusCode::BAD_REQUEST,
            "minutes",
        ),
        (
            "GET",
            "/channels/xyz",
            None,
            StatusCode::BAD_REQUEST,
            "not hex",
        ),
        (
            "GET",
            "/channels/0x1234",
            None,
            StatusCode::BAD_REQUEST,
            "32 bytes",
        ),
        (
            "GET",
            &format!("/channels/{}", "ab".repeat(32)),
            None,
            StatusCode::NOT_FOUND,
            "no channel",
        ),
        (
            "POST",
            &format!("/channels/{}/close", "ab".repeat(32)),
            None,
            StatusCode::NOT_FOUND,
            "no channel",
        ),
        (
            "GET",
            "/nope",
            None,
            StatusCode::NOT_FOUND,
            "no such endpoint",
        ),
    ];
    for (method, path, body, expected, needle) in bad {
        let (status, text) = call(&app, method, path, body.clone()).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {text}");
        let message = json(&text)["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            message.contains(needle),
            "{method} {path}: {message:?} lacks {needle:?}"
        );
    }
    let (_, body) = call(&app, "GET", "/channels", None).await;
    assert_eq!(
        json(&body).as_array().unwrap().len(),
        2,
        "bad requests created nothing"
    );

    // Metrics.
    let (status, text) = call(&app, "GET", "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("cgrid_channels{phase=\"closed\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("cgrid_states_stored{side=\"provider\"} 10"),
        "{text}"
    );
    assert!(
        text.contains("cgrid_onchain_calls_total{message=\"open\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("cgrid_onchain_calls_total{message=\"checkpoint\"} 2"),
        "{text}"
    );
}
