//! The world of the dashboard's browser tests (`dashboard-tests/`): the demo node on the
//! embedded chain with the operator's token, two finished six-minute trades left open (one
//! checkpointed, one not) and a third a regulator masked whole. Prints `api http://ADDR` and a
//! JSON line with the token and the channel ids, then serves until it is killed.

use axum::body::Body;
use axum::http::Request;
use controller::api::{router, ApiState, Gate};
use controller::trade::Market;
use serde_json::{json, Value};
use std::io::Write as _;
use std::sync::Arc;
use tower::ServiceExt as _;

const TOKEN: &str = "dashboard-fixture-operator-token";

async fn call(app: &axum::Router, method: &str, path: &str, body: Option<Value>) -> Value {
    use http_body_util::BodyExt as _;
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("answer");
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    serde_json::from_slice(&bytes).expect("JSON")
}

/// Opens a demo trade of six minutes and waits for its billing to end (left open).
async fn trade(app: &axum::Router, price: u64, checkpoint_every: u64) -> String {
    let opened = call(
        app,
        "POST",
        "/channels",
        Some(json!({"minutes": 6, "price_per_minute": price,
                    "checkpoint_every": checkpoint_every, "close": false})),
    )
    .await;
    let id = opened["id"].as_str().expect("channel id").to_string();
    loop {
        let v = call(app, "GET", &format!("/channels/{id}"), None).await;
        match v["job"]["state"].as_str() {
            Some("done") => return id,
            Some("failed") => panic!("the fixture's trade failed: {v}"),
            _ => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let market = Market::embedded(controller::demo::T0).expect("the demo market");
    // A regulator: a DID holding the Regulator role (granted by the root authority).
    let regulator = market.regulator([0x5E; 32]).expect("a regulator");
    let state = ApiState::new(market.clone(), dir.path().to_path_buf())
        .expect("the demo node")
        .with_gate(Gate::Token(sp_core::hashing::blake2_256(TOKEN.as_bytes())));
    let app = router(Arc::new(state));
    let checkpointed = trade(&app, 100, 3).await;
    let unsettled = trade(&app, 120, 0).await;
    let masked = trade(&app, 250, 3).await;
    let id = controller::api_input::channel_id(&masked).expect("channel id");
    market
        .mask_trade(&regulator, id, 7)
        .expect("the regulator masks the trade");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    println!("api http://{}", listener.local_addr().expect("address"));
    println!(
        "{}",
        json!({"token": TOKEN, "checkpointed": checkpointed, "unsettled": unsettled, "masked": masked})
    );
    let _ = std::io::stdout().flush();
    axum::serve(listener, app).await.expect("served");
}
