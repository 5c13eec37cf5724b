//! The HTTP API over a node on the embedded chain: trades opened, billed, closed and read back;
//! bad input answered with a 4xx and a message that says what is wrong, changing nothing.

mod common;

use axum::http::StatusCode;
use common::{call, json};
use controller::api::{router, ApiState};
use controller::trade::Market;
use serde_json::json;
use std::sync::Arc;

/// Polls channel `id` until its job is done; returns its view (with the escrow's).
async fn done(app: &axum::Router, id: &str) -> serde_json::Value {
    for _ in 0..2_000 {
        let (status, body) = call(app, "GET", &format!("/channels/{id}"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v = json(&body);
        match v["job"]["state"].as_str() {
            Some("done") => return v,
            Some("failed") => panic!("the job failed: {v}"),
            _ => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
    panic!("the job on {id} did not finish")
}

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

    // A trade billed and closed: the request answers once the channel is open; the billing
    // runs as a job.
    let (status, body) = call(
        &app,
        "POST",
        "/channels",
        Some(json!({"minutes": 6, "price_per_minute": 100, "checkpoint_every": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let first = json(&body)["id"].as_str().unwrap().to_string();
    let closed = done(&app, &first).await;
    assert_eq!(closed["minutes"], 6);
    assert_eq!(closed["phase"], "closed");
    assert_eq!(closed["state"]["paid"], "600");

    // A trade left open, then closed.
    let (status, body) = call(
        &app,
        "POST",
        "/channels",
        Some(json!({"minutes": 4, "price_per_minute": 50, "close": false})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_string();
    let open = done(&app, &id).await;
    assert_eq!(open["phase"], "open");
    assert_eq!(open["state"], json!({"phase": "open"}));
    let detail = open;
    assert_eq!(detail["on_chain"]["phase"], "open");
    assert_eq!(detail["on_chain"]["state"], json!({"phase": "open"}));
    assert_eq!(detail["owed"], 200);
    let (_, body) = call(&app, "GET", &format!("/channels/{id}/history"), None).await;
    let states = json(&body);
    assert_eq!(states.as_array().unwrap().len(), 4);
    assert_eq!(states[3]["cumulative"], 200);
    let (status, body) = call(&app, "POST", &format!("/channels/{id}/close"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let closed = done(&app, &id).await;
    assert_eq!(closed["state"]["paid"], "200");
    assert_eq!(closed["on_chain"]["state"]["paid"], "200");
    let (status, body) = call(&app, "POST", &format!("/channels/{id}/close"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(json(&body)["error"].as_str().unwrap().contains("not open"));
    assert_eq!(json(&body)["code"], "conflict");

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
        // Issue 19: an array was read positionally and opened a trade (201).
        (
            "POST",
            "/channels",
            Some(json!([1, 2])),
            StatusCode::BAD_REQUEST,
            "must be a JSON object",
        ),
        // Issue 19: a wrong method got an empty body.
        (
            "DELETE",
            "/channels",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "does not take that method",
        ),
        // Issue 19: a 5 MB body got 400.
        (
            "POST",
            "/channels",
            Some(json!({"minutes": 1, "price_per_minute": 1, "pad": "x".repeat(5 << 20)})),
            StatusCode::PAYLOAD_TOO_LARGE,
            "bad request body",
        ),
    ];
    for (method, path, body, expected, needle) in bad {
        let (status, text) = call(&app, method, path, body.clone()).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {text}");
        assert!(json(&text)["code"].is_string(), "a stable code: {text}");
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

/// Issue 19: reads never wait for a trade's billing (before, `GET /channels` and `/metrics`
/// hung for the whole of a long `POST /channels`), and the billing goes on to the end on its
/// own: the request has returned (as a client that hangs up would) while it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_answer_while_a_long_trade_bills_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let market = Market::embedded(controller::demo::T0).unwrap();
    let app = router(Arc::new(
        ApiState::new(market, dir.path().to_path_buf()).unwrap(),
    ));
    let (status, body) = call(
        &app,
        "POST",
        "/channels",
        Some(json!({"minutes": 1000, "price_per_minute": 10, "checkpoint_every": 400})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_string();
    let (status, body) = call(&app, "GET", "/channels", None).await;
    assert_eq!(status, StatusCode::OK);
    let listed = json(&body);
    assert_eq!(listed[0]["job"]["state"], "billing", "answered mid-billing");
    let (status, _) = call(&app, "GET", "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(&app, "POST", &format!("/channels/{id}/close"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "not while billing: {body}");
    let finished = done(&app, &id).await;
    assert_eq!(finished["minutes"], 1000);
    assert_eq!(finished["phase"], "closed", "{finished}");
    assert_eq!(finished["on_chain"]["state"]["paid"], "10000");
}

/// Issue 19: after a restart with the same `--data`, every close failed with 500
/// (`ChannelNotFound`: the embedded chain lived in memory). Now the stores of a gone chain
/// are refused at start, untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_another_runs_stores_is_refused_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let first = ApiState::new(
        Market::embedded(controller::demo::T0).unwrap(),
        dir.path().to_path_buf(),
    )
    .unwrap();
    drop(first);
    let before = std::fs::read(dir.path().join("provider.redb")).unwrap();
    let again = ApiState::new(
        Market::embedded(controller::demo::T0).unwrap(),
        dir.path().to_path_buf(),
    );
    let e = again.err().expect("refused");
    assert!(e.contains("from an earlier run"), "{e}");
    assert_eq!(
        std::fs::read(dir.path().join("provider.redb")).unwrap(),
        before
    );
}

/// `POST /recommend` answers what `cgrid recommend --json` prints, and refuses bad bodies with
/// a sentence naming the member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recommends_offers_and_names_bad_members() {
    let dir = tempfile::tempdir().unwrap();
    let market = Market::embedded(controller::demo::T0).unwrap();
    let app = router(Arc::new(
        ApiState::new(market, dir.path().to_path_buf()).unwrap(),
    ));
    let offer = |id: &str, region: &str, price: u64| {
        json!({"id": id, "provider": format!("p-{id}"), "units": 4, "memory_gib": 16, "gpu": "none",
               "region": region, "price": price, "green_share": 0.5, "carbon_intensity": 200, "pue": 1.2})
    };
    let body = json!({
        "requests": [{"id": "r1", "consumer": "c1", "units": 6, "minutes": 60, "deadline": 60,
                      "home": "eu-west", "budget": 1_000_000}],
        "offers": [offer("a", "eu-west", 10), offer("b", "us-east", 10)],
        "top": 2,
    });
    let (status, text) = call(&app, "POST", "/recommend", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let v = json(&text);
    let rec = &v["recommendations"][0];
    assert_eq!(rec["ranked"][0]["offer_id"], "a", "{v}");
    let units: u64 = rec["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["units"].as_u64().unwrap())
        .sum();
    assert_eq!((units, rec["unserved"].as_u64()), (6, Some(0)));

    let mut bad = body.clone();
    bad["offers"][1]["pue"] = json!(0.5);
    let (status, text) = call(&app, "POST", "/recommend", Some(bad.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("offers[1].pue: 0.5 is not a number ≥ 1"),
        "{text}"
    );
    let mut bad = body.clone();
    bad["colour"] = json!("red");
    let (status, text) = call(&app, "POST", "/recommend", Some(bad.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("unknown member `colour`"), "{text}");
    let (status, _) = call(&app, "POST", "/recommend", Some(json!({"offers": []}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
