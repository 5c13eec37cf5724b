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

/// `call` with an `Authorization` header.
async fn call_as(
    app: &axum::Router,
    method: &str,
    path: &str,
    authorization: &str,
) -> (StatusCode, serde_json::Value) {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", authorization)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"minutes": 4, "price_per_minute": 100}).to_string(),
        ))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A DID on the demo's chain whose authentication key is `pair`'s, holding `roles`.
fn did_with_key(
    market: &Market<cgrid_suite::embedded::Embedded>,
    pair: &sp_core::sr25519::Pair,
    roles: &[cgrid_shared::Role],
) -> cgrid_shared::DidId {
    use cgrid_shared::{DidCreation, KeyPurposes, KeyType, VerificationMethod};
    use cgrid_suite::Backend as _;
    use sp_core::Pair as _;
    let suite = market.chain.suite();
    let mut chain = market.chain.backend();
    let account = cgrid_suite::AccountId32::new(pair.public().0);
    chain.fund(&account, 1_000_000_000_000).unwrap();
    let creation = DidCreation {
        keys: vec![VerificationMethod {
            id: "key-1".into(),
            key_type: KeyType::Sr25519,
            public_key: pair.public().0.to_vec(),
            purposes: KeyPurposes {
                authentication: true,
                ..Default::default()
            },
        }],
        ..Default::default()
    };
    let did = chain
        .send(&account, suite.dids.msg(|d| d.create_did(creation)))
        .unwrap()
        .value;
    let until = chain.time() + 365 * 24 * 3_600_000;
    for role in roles {
        suite.grant_role(&mut *chain, did, *role, until).unwrap();
    }
    did
}

/// The honest parties' side of `cgrid serve --access`: a trade's records are read by its
/// parties and the regulators the policy names, and by nobody else whatever it signs; the
/// operator's token opens trades; a refused request changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_reads_which_trade_is_decided_by_the_access_policy() {
    use cgrid_shared::Role;
    use controller::access::{sign_request, Policy};
    use controller::api::Access;
    use sp_core::Pair as _;
    let dir = tempfile::tempdir().unwrap();
    let market = Market::embedded(controller::demo::T0).unwrap();
    // The provider's DID gains an authentication key (the demo creates it empty).
    let provider_key = sp_core::sr25519::Pair::from_seed(&[0x51; 32]);
    let provider_did = market.parties.provider_did;
    {
        use cgrid_shared::{DidOperation, KeyPurposes, KeyType, VerificationMethod};
        use cgrid_suite::Backend as _;
        let suite = market.chain.suite();
        let op = DidOperation::AddKey(VerificationMethod {
            id: "api".into(),
            key_type: KeyType::Sr25519,
            public_key: provider_key.public().0.to_vec(),
            purposes: KeyPurposes {
                authentication: true,
                ..Default::default()
            },
        });
        let provider = market.parties.provider_account();
        market
            .chain
            .backend()
            .send(&provider, suite.dids.msg(|d| d.update(provider_did, op)))
            .unwrap();
    }
    let stranger_key = sp_core::sr25519::Pair::from_seed(&[0x52; 32]);
    let stranger = did_with_key(&market, &stranger_key, &[Role::Provider, Role::Consumer]);
    let regulator_key = sp_core::sr25519::Pair::from_seed(&[0x53; 32]);
    let regulator = did_with_key(&market, &regulator_key, &[Role::Regulator]);
    let foreign_regulator_key = sp_core::sr25519::Pair::from_seed(&[0x54; 32]);
    let foreign_regulator = did_with_key(&market, &foreign_regulator_key, &[Role::Regulator]);
    let did = cgrid_shared::did_to_string;
    let policy = Policy::parse(&format!(
        r#"{{
        "operator_token_blake2_256": "0x{}",
        "directory": {{"{}": {{"region": "eu"}}, "{}": {{"region": "us"}}}},
        "rules": [
            {{"name": "parties", "effect": "allow", "actions": ["read", "close"], "subject": {{"party": true}}}},
            {{"name": "EU regulators read", "effect": "allow", "actions": ["read"],
              "subject": {{"roles": ["Regulator"], "regions": ["eu"]}}}}
        ]
    }}"#,
        hex::encode(sp_core::hashing::blake2_256(b"operator-token")),
        did(&regulator),
        did(&foreign_regulator),
    ))
    .unwrap();
    let directory = Arc::new(market.chain.clone());
    let app = router(Arc::new(
        ApiState::new(market, dir.path().to_path_buf())
            .unwrap()
            .with_access(Access { policy, directory }),
    ));
    let signed = |did: &cgrid_shared::DidId, key: &sp_core::sr25519::Pair, m: &str, p: &str| {
        sign_request(did, key, m, p, now_ms())
    };

    // Nobody unsigned; a DID may not open demo trades; the operator may.
    let (status, body) = call(&app, "GET", "/channels", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(json(&body)["code"], "unauthorized");
    let (status, body) = call_as(
        &app,
        "POST",
        "/channels",
        &signed(&provider_did, &provider_key, "POST", "/channels"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call_as(&app, "POST", "/channels", "Bearer operator-token").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let (status, body) = call_as(&app, "GET", "/channels", "Bearer operator-token").await;
    assert_eq!(
        (status, body.as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );

    // The party and the EU regulator read the trade.
    let path = format!("/channels/{id}");
    for (who, key) in [(&provider_did, &provider_key), (&regulator, &regulator_key)] {
        let (status, body) = call_as(&app, "GET", &path, &signed(who, key, "GET", &path)).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", did(who));
        assert_eq!(body["id"], id.as_str());
        let (status, list) = call_as(
            &app,
            "GET",
            "/channels",
            &signed(who, key, "GET", "/channels"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{}", did(who));
    }
    // A stranger with every trading role, and a regulator outside the region: the list is
    // empty, the channel and its history refused, and so is a close.
    let history = format!("{path}/history");
    let close = format!("{path}/close");
    for (who, key) in [
        (&stranger, &stranger_key),
        (&foreign_regulator, &foreign_regulator_key),
    ] {
        let (status, list) = call_as(
            &app,
            "GET",
            "/channels",
            &signed(who, key, "GET", "/channels"),
        )
        .await;
        assert_eq!((status, list), (StatusCode::OK, json!([])), "{}", did(who));
        for (m, p) in [("GET", &path), ("GET", &history), ("POST", &close)] {
            let (status, body) = call_as(&app, m, p, &signed(who, key, m, p)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{m} {p}: {body}");
            assert_eq!(body["code"], "forbidden");
            assert!(
                body["error"]
                    .as_str()
                    .unwrap()
                    .contains("no rule allows it"),
                "{body}"
            );
        }
    }
    // The provider's key cannot sign for the stranger's DID, nor a signature be moved to
    // another path.
    for (asked, header) in [
        (&path, signed(&stranger, &provider_key, "GET", &path)),
        (&history, signed(&provider_did, &provider_key, "GET", &path)),
    ] {
        let (status, body) = call_as(&app, "GET", asked, &header).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{asked}: {body}");
    }
    // The refused close changed nothing: the trade bills to its end.
    for _ in 0..2_000 {
        let (status, v) = call_as(&app, "GET", &path, "Bearer operator-token").await;
        assert_eq!(status, StatusCode::OK, "{v}");
        if v["job"]["state"] == "done" {
            assert_eq!(v["minutes"], 4);
            assert_eq!(v["phase"], "closed");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the trade did not finish");
}

/// The operator's side of the dashboard's API: actions need the token (and a read-only API
/// acts for nobody), a regulator's mask withholds every amount on every read path, and
/// `/events` sends the list at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_need_the_token_and_a_masked_trade_shows_no_amount() {
    use controller::api::Gate;
    let dir = tempfile::tempdir().unwrap();
    let market = Market::embedded(controller::demo::T0).unwrap();
    let regulator = market.regulator([0x5E; 32]).unwrap();
    let token = "the-operators-token-0123";
    let hash = sp_core::hashing::blake2_256(token.as_bytes());
    let app = router(Arc::new(
        ApiState::new(market.clone(), dir.path().to_path_buf())
            .unwrap()
            .with_gate(Gate::Token(hash)),
    ));
    let bearer = format!("Bearer {token}");

    // Opening a demo trade is an action too.
    let (status, body) = call(
        &app,
        "POST",
        "/channels",
        Some(json!({"minutes": 4, "price_per_minute": 50})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("needs the operator's API token"), "{body}");
    let (status, body) = call_as(&app, "POST", "/channels", "Bearer wrong-token-0000000").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // call_as's body: 4 minutes at 100, left open... closed by default: ask for an open one.
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/channels")
        .header("authorization", &bearer)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"minutes": 4, "price_per_minute": 50, "close": false}).to_string(),
        ))
        .unwrap();
    let opened = {
        use http_body_util::BodyExt as _;
        use tower::ServiceExt as _;
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        json(std::str::from_utf8(&bytes).unwrap())
    };
    let id = opened["id"].as_str().unwrap().to_string();
    let open = done(&app, &id).await;
    assert_eq!(
        (open["phase"].clone(), open["settled"]["nonce"].clone()),
        (json!("open"), json!(0))
    );

    // A checkpoint without the token changes nothing; with it, the newest state is settled.
    let checkpoint = format!("/channels/{id}/checkpoint");
    let (status, body) = call(&app, "POST", &checkpoint, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (_, body) = call(&app, "GET", &format!("/channels/{id}"), None).await;
    assert_eq!(json(&body)["settled"]["nonce"], 0);
    let (status, body) = call_as(&app, "POST", &checkpoint, &bearer).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["settled"], json!({"nonce": 4, "amount": 200}));
    let (status, body) = call_as(&app, "POST", &checkpoint, &bearer).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing new: {body}");

    // A read-only API acts for nobody, token or not.
    let read_only = router(Arc::new(
        ApiState::new(market.clone(), tempfile::tempdir().unwrap().keep())
            .unwrap()
            .with_gate(Gate::ReadOnly),
    ));
    let (status, body) = call_as(&read_only, "POST", "/channels", &bearer).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().unwrap().contains("read-only"));

    // The regulator masks the trade whole: no amount on any read path, the reason shown.
    let channel = controller::api_input::channel_id(&id).unwrap();
    market.mask_trade(&regulator, channel, 7).unwrap();
    let (_, body) = call(&app, "GET", &format!("/channels/{id}"), None).await;
    let v = json(&body);
    for field in ["owed", "price_per_minute", "min_cost", "deposit"] {
        assert_eq!(v[field], serde_json::Value::Null, "{field}: {v}");
    }
    assert_eq!(v["settled"]["amount"], serde_json::Value::Null);
    assert_eq!(v["minutes"], 4, "the minutes stay");
    assert_eq!(v["masked"]["reason_code"], 7);
    for field in [
        "provider_did",
        "consumer_did",
        "price_per_minute",
        "paid",
        "deposit",
    ] {
        assert_eq!(
            v["on_chain"][field],
            serde_json::Value::Null,
            "on_chain.{field}: {v}"
        );
    }
    let (_, body) = call(&app, "GET", &format!("/channels/{id}/history"), None).await;
    let states = json(&body);
    assert_eq!(states.as_array().unwrap().len(), 4);
    assert!(states
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["cumulative"].is_null() && s["signature"].is_null()));
    let (_, body) = call(&app, "GET", "/channels", None).await;
    assert_eq!(json(&body)[0]["owed"], serde_json::Value::Null);

    // /events: the list at once, as a server-sent event.
    {
        use http_body_util::BodyExt as _;
        use tower::ServiceExt as _;
        let request = axum::http::Request::builder()
            .uri("/events")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an event stream"
        );
        let mut body = response.into_body();
        let frame = body.frame().await.unwrap().unwrap();
        let text = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
        assert!(text.starts_with("event: channels\ndata: ["), "{text}");
        assert!(text.contains(&id), "{text}");
    }
    let (status, body) = call(&app, "GET", "/status", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["actions"], "token");
    let (status, body) = call(&app, "GET", "/dashboard", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/dashboard/app.js"));
}
