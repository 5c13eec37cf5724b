//! The operator surface: an HTTP JSON API and Prometheus metrics (`cgrid serve`), over
//!
//! - **a party's controller on a deployed suite** ([`ApiState::party`]): its store and its
//!   chain client — `cgrid serve --deployment F --key K --store S`, or beside the billing daemon
//!   (`cgrid provide --api ADDR`, sharing its store);
//! - **the demo node** ([`ApiState::new`]): both sides of its trades on the embedded chain.
//!
//! | method | path | |
//! |---|---|---|
//! | GET | `/health` | liveness |
//! | GET | `/channels` | every channel with its phase, minutes billed and amounts |
//! | POST | `/channels` | demo only: open a trade and bill it: `{"minutes", "price_per_minute", "min_cost", "checkpoint_every", "close"}` |
//! | GET | `/channels/{id}` | one channel, with the escrow's view of it |
//! | GET | `/channels/{id}/history` | every signed state |
//! | POST | `/channels/{id}/close` | demo: close cooperatively; a party: close unilaterally with the newest state |
//! | GET | `/metrics` | Prometheus text format |
//!
//! Bad input gets a 4xx with `{"error": "..."}` saying what is wrong; nothing changes.

use crate::chain::ChainClient;
use crate::channel::{ChannelRecord, LocalPhase};
use crate::session::CheckpointPolicy;
use crate::store::{ChannelStore, RedbStore};
use crate::trade::{self, Market, TradeConfig};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cgrid_shared::{Balance, ChannelId};
use cgrid_suite::embedded::Embedded;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Longest trade one request may bill (simulated minutes).
pub use crate::trade::MAX_MINUTES;

/// What the API serves.
pub struct ApiState {
    kind: Kind,
    /// Serialises store access and sessions (a store file is opened by one user at a time).
    /// Also counts the offers made (each demo trade's offer nonce).
    lock: Mutex<u64>,
}

enum Kind {
    /// The suite on the embedded chain with the demo's parties, and the two controllers'
    /// stores in `data_dir`.
    Demo {
        market: Market<Embedded>,
        data_dir: PathBuf,
    },
    /// One party's store and chain client on a deployed suite.
    Party {
        store: Arc<dyn ChannelStore>,
        chain: Arc<dyn ChainClient>,
    },
}

impl ApiState {
    /// The demo node, with new stores in `data_dir` (a directory holding another run's stores
    /// is refused: their channels lived on an embedded chain that is gone).
    pub fn new(market: Market<Embedded>, data_dir: PathBuf) -> Result<ApiState, String> {
        trade::new_stores(&data_dir)?;
        Ok(ApiState {
            kind: Kind::Demo { market, data_dir },
            lock: Mutex::new(0),
        })
    }

    /// One party's controller: its store (shared with its daemon, if one runs in this
    /// process) and its chain client.
    pub fn party(store: Arc<dyn ChannelStore>, chain: Arc<dyn ChainClient>) -> ApiState {
        ApiState {
            kind: Kind::Party { store, chain },
            lock: Mutex::new(0),
        }
    }

    /// The store the API reads: the party's, or the demo provider's.
    fn store(&self) -> Result<Arc<dyn ChannelStore>, Response> {
        match &self.kind {
            Kind::Party { store, .. } => Ok(store.clone()),
            Kind::Demo { data_dir, .. } => RedbStore::open(&trade::store_paths(data_dir).0)
                .map(|s| Arc::new(s) as Arc<dyn ChannelStore>)
                .map_err(internal),
        }
    }

    /// The chain as this API's side sees it.
    fn chain(&self) -> Arc<dyn ChainClient> {
        match &self.kind {
            Kind::Party { chain, .. } => chain.clone(),
            Kind::Demo { market, .. } => Arc::new(market.provider()),
        }
    }
}

pub fn router(node: Arc<ApiState>) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/channels", get(list).post(open))
        .route("/channels/{id}", get(status))
        .route("/channels/{id}/history", get(history))
        .route("/channels/{id}/close", post(close))
        .route("/metrics", get(metrics))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .with_state(node)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn parse_id(id: &str) -> Result<ChannelId, Response> {
    let bytes = hex::decode(id.trim_start_matches("0x")).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            format!("channel id {id:?} is not hex (expected 64 hex digits)"),
        )
    })?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            format!("channel id must be 32 bytes, got {}", bytes.len()),
        )
    })
}

fn view(record: &ChannelRecord) -> Value {
    let phase = match record.phase {
        LocalPhase::Opening => json!("opening"),
        LocalPhase::Open => json!("open"),
        LocalPhase::Checkpointing { nonce } => json!({"checkpointing": nonce}),
        LocalPhase::Closing { nonce } => json!({"closing": nonce}),
        LocalPhase::Disputed {
            claimed_nonce,
            deadline,
        } => json!({"disputed": {"claimed_nonce": claimed_nonce, "deadline": deadline}}),
        LocalPhase::Closed { paid, refunded } => {
            json!({"closed": {"paid": paid, "refunded": refunded}})
        }
    };
    json!({
        "id": format!("0x{}", hex::encode(record.id())),
        "phase": phase,
        "minutes": record.minutes(),
        "owed": record.owed(),
        "settled": {"nonce": record.settled.0, "amount": record.settled.1},
        "deposit": record.terms.deposit,
        "price_per_minute": record.terms.price_per_minute,
        "min_cost": record.terms.min_cost,
    })
}

async fn list(State(node): State<Arc<ApiState>>) -> Response {
    let _guard = node.lock.lock().await;
    let store = match node.store() {
        Ok(s) => s,
        Err(r) => return r,
    };
    match store.channels() {
        Ok(channels) => Json(channels.iter().map(view).collect::<Vec<_>>()).into_response(),
        Err(e) => internal(e),
    }
}

fn load(
    node: &ApiState,
    id: &ChannelId,
) -> Result<(Arc<dyn ChannelStore>, ChannelRecord), Response> {
    let store = node.store()?;
    let record = store.channel(id).map_err(internal)?.ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            format!("no channel 0x{}", hex::encode(id)),
        )
    })?;
    Ok((store, record))
}

async fn status(State(node): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let _guard = node.lock.lock().await;
    let (_, record) = match load(&node, &id) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let on_chain = match node.chain().channel(&id) {
        Ok(Some(ch)) => json!({
            "deposit": ch.deposit,
            "paid": ch.paid,
            "nonce": ch.nonce,
            "expires_at": ch.expires_at,
            "phase": format!("{:?}", ch.phase),
        }),
        Ok(None) => Value::Null,
        Err(e) => return internal(e),
    };
    let mut v = view(&record);
    v["on_chain"] = on_chain;
    Json(v).into_response()
}

async fn history(State(node): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let _guard = node.lock.lock().await;
    let (store, _) = match load(&node, &id) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match store.history(&id) {
        Ok(states) => Json(
            states
                .iter()
                .map(|s| {
                    json!({
                        "nonce": s.nonce,
                        "cumulative": s.cumulative,
                        "signature": format!("0x{}", hex::encode(s.signature)),
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    pub minutes: u64,
    pub price_per_minute: Balance,
    #[serde(default)]
    pub min_cost: Balance,
    #[serde(default)]
    pub checkpoint_every: u64,
    #[serde(default = "yes")]
    pub close: bool,
}

fn yes() -> bool {
    true
}

async fn open(
    State(node): State<Arc<ApiState>>,
    body: Result<Json<OpenRequest>, JsonRejection>,
) -> Response {
    let Kind::Demo { market, data_dir } = &node.kind else {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "a channel takes both parties: the provider signs an offer (`cgrid offer create`) and the consumer opens it (`cgrid channel open`)",
        );
    };
    let Json(req) = match body {
        Ok(b) => b,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("bad request body: {}", rejection.body_text()),
            )
        }
    };
    let config = TradeConfig {
        minutes: req.minutes,
        price_per_minute: req.price_per_minute,
        min_cost: req.min_cost,
        policy: CheckpointPolicy {
            every_minutes: req.checkpoint_every,
            threshold: 0,
        },
        data_dir: data_dir.clone(),
    };
    if let Err(why) = config.check() {
        return error(StatusCode::BAD_REQUEST, why);
    }
    let mut guard = node.lock.lock().await;
    *guard = guard.saturating_add(1);
    let offer_nonce = *guard;
    let (p, c) = match trade::open_trade(market, &config, req.minutes, offer_nonce) {
        Ok(x) => x,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e),
    };
    match trade::run_pair(
        market,
        &trade::store_paths(data_dir),
        p,
        c,
        req.minutes,
        config.policy,
        req.close,
    )
    .await
    {
        Ok((record, _)) => (StatusCode::CREATED, Json(view(&record))).into_response(),
        Err(e) => internal(e),
    }
}

async fn close(State(node): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let _guard = node.lock.lock().await;
    let (market, data_dir) = match &node.kind {
        Kind::Demo { market, data_dir } => (market, data_dir),
        Kind::Party { store, chain } => return close_unilaterally(&**store, &**chain, &id),
    };
    let (provider, consumer) = {
        let p = match load(&node, &id) {
            Ok((_, record)) => record,
            Err(r) => return r,
        };
        let c = match RedbStore::open(&trade::store_paths(data_dir).1).and_then(|s| s.channel(&id))
        {
            Ok(Some(c)) => c,
            Ok(None) => return internal("the consumer store lacks the channel"),
            Err(e) => return internal(e),
        };
        (p, c)
    };
    if provider.phase != LocalPhase::Open {
        return error(
            StatusCode::CONFLICT,
            format!("the channel is {:?}, not open", provider.phase),
        );
    }
    let minutes = provider.minutes();
    let policy = CheckpointPolicy {
        every_minutes: 0,
        threshold: 0,
    };
    match trade::run_pair(
        market,
        &trade::store_paths(data_dir),
        provider,
        consumer,
        minutes,
        policy,
        true,
    )
    .await
    {
        Ok((record, _)) => Json(view(&record)).into_response(),
        Err(e) => internal(e),
    }
}

/// A party's close: unilateral, with the newest stored state (the peer has the challenge
/// period to answer with a newer one).
fn close_unilaterally(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    id: &ChannelId,
) -> Response {
    let mut record = match store.channel(id) {
        Ok(Some(r)) => r,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                format!("no channel 0x{}", hex::encode(id)),
            )
        }
        Err(e) => return internal(e),
    };
    if record.latest.is_none() || !record.is_open_here() {
        return error(
            StatusCode::CONFLICT,
            format!(
                "the channel is {:?} with {} minutes billed: nothing to close with",
                record.phase,
                record.minutes()
            ),
        );
    }
    match tokio::task::block_in_place(|| {
        crate::session::close_unilaterally(store, chain, &mut record)
    }) {
        Ok(true) => Json(view(&record)).into_response(),
        Ok(false) => error(
            StatusCode::CONFLICT,
            format!(
                "the channel is no longer open on chain ({:?})",
                record.phase
            ),
        ),
        Err(e) => internal(e),
    }
}

async fn metrics(State(node): State<Arc<ApiState>>) -> Response {
    use prometheus::{Encoder, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
    let _guard = node.lock.lock().await;
    let store = match node.store() {
        Ok(s) => s,
        Err(r) => return r,
    };
    let channels = match (|| {
        let s = &store;
        let channels = s.channels()?;
        let mut with_states = Vec::new();
        for c in channels {
            let n = s.history(&c.id())?.len();
            with_states.push((c, n));
        }
        Ok::<_, crate::store::StoreError>(with_states)
    })() {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let registry = Registry::new();
    let by_phase = IntGaugeVec::new(
        Opts::new(
            "cgrid_channels",
            "channels by phase (this controller's store)",
        ),
        &["phase"],
    )
    .expect("valid metric");
    let stored = IntGaugeVec::new(
        Opts::new("cgrid_states_stored", "consumer-signed states stored"),
        &["side"],
    )
    .expect("valid metric");
    let calls = IntCounterVec::new(
        Opts::new(
            "cgrid_onchain_calls_total",
            "transactions sent to trade_escrow",
        ),
        &["message"],
    )
    .expect("valid metric");
    let ref_time = IntCounterVec::new(
        Opts::new(
            "cgrid_onchain_ref_time_total",
            "ref_time consumed by the transactions sent",
        ),
        &["message"],
    )
    .expect("valid metric");
    for m in [&by_phase, &stored] {
        let _ = registry.register(Box::new(m.clone()));
    }
    for m in [&calls, &ref_time] {
        let _ = registry.register(Box::new(m.clone()));
    }
    for phase in [
        "opening",
        "open",
        "checkpointing",
        "closing",
        "disputed",
        "closed",
    ] {
        by_phase.with_label_values(&[phase]).set(0);
    }
    for (c, n) in &channels {
        let phase = match c.phase {
            LocalPhase::Opening => "opening",
            LocalPhase::Open => "open",
            LocalPhase::Checkpointing { .. } => "checkpointing",
            LocalPhase::Closing { .. } => "closing",
            LocalPhase::Disputed { .. } => "disputed",
            LocalPhase::Closed { .. } => "closed",
        };
        by_phase.with_label_values(&[phase]).inc();
        let side = match c.side {
            crate::channel::Side::Provider => "provider",
            crate::channel::Side::Consumer => "consumer",
        };
        stored
            .with_label_values(&[side])
            .add(i64::try_from(*n).unwrap_or(i64::MAX));
    }
    let sent = match &node.kind {
        Kind::Demo { market, .. } => market.chain.sent(),
        Kind::Party { .. } => Vec::new(),
    };
    for s in sent {
        calls.with_label_values(&[s.message]).inc();
        ref_time
            .with_label_values(&[s.message])
            .inc_by(s.weight.ref_time());
    }
    let mut buf = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&registry.gather(), &mut buf) {
        return internal(e);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], buf).into_response()
}
