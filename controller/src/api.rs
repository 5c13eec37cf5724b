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
//! | GET | `/channels` | every channel with its phase, minutes billed, amounts and job |
//! | POST | `/channels` | demo only: open a trade and bill it in the background: `{"minutes", "price_per_minute", "min_cost", "checkpoint_every", "close"}`; answers `202` with the channel id at once |
//! | GET | `/channels/{id}` | one channel, with the escrow's view of it and its job |
//! | GET | `/channels/{id}/history` | every signed state |
//! | POST | `/channels/{id}/close` | demo: close cooperatively (a background job, `202`); a party: close unilaterally with the newest state |
//! | GET | `/metrics` | Prometheus text format |
//!
//! **Jobs.** A demo trade's billing and its close run as background jobs: the request returns
//! once the channel is open (its id in the answer and in `Location`), a client that hangs up
//! stops nothing, and the job's state (`billing`, `closing`, `done`, `failed` with the error)
//! is part of the channel's view. The stores are open for the whole run and read while jobs
//! write them: no lock is held across billing or a chain call, so reads never wait for a job.
//!
//! **Access.** Without a policy the API answers whoever reaches it. With one
//! ([`ApiState::with_access`], `cgrid serve --access P`), a request is signed by a DID or
//! carries the operator's token (else `401`), the channel list holds what the caller may read,
//! and a channel, its history or its close needs a rule that allows it (else `403` naming the
//! rule); see [`crate::access`].
//!
//! **Errors** are JSON: `{"error": "<one sentence>", "code": "<stable code>"}`, the code one of
//! `bad_request`, `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`, `conflict`, `payload_too_large`,
//! `unsupported_media_type`, `unprocessable`, `internal`; nothing changes. Every request is
//! logged (`tracing`, target `cgrid::api`) with its method, path, status, time and, for a
//! channel's path, the channel id.

use crate::access::{authenticate, Action, AuthError, Caller, Decision, Directory, Object, Policy};
use crate::chain::ChainClient;
use crate::channel::ChannelRecord;
use crate::session::CheckpointPolicy;
use crate::store::ChannelStore;
use crate::trade::{self, DemoStores, Market, TradeConfig};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cgrid_shared::ChannelId;
use cgrid_suite::embedded::Embedded;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Longest trade one request may bill (simulated minutes).
pub use crate::trade::MAX_MINUTES;

pub use crate::api_input::{OpenRequest, MAX_BODY};

/// What the API serves.
pub struct ApiState {
    kind: Kind,
    /// With `cgrid serve --access`: who may read and close which trade records.
    access: Option<Access>,
}

/// The access policy and the chain that answers its questions about callers and trades.
pub struct Access {
    pub policy: Policy,
    pub directory: Arc<dyn Directory>,
}

enum Kind {
    /// The suite on the embedded chain with the demo's parties, the two controllers' stores,
    /// the offers made (each demo trade's offer nonce) and the trades' jobs.
    Demo {
        market: Market<Embedded>,
        stores: DemoStores,
        offers: AtomicU64,
        jobs: Mutex<HashMap<ChannelId, Job>>,
    },
    /// One party's store and chain client on a deployed suite.
    Party {
        store: Arc<dyn ChannelStore>,
        chain: Arc<dyn ChainClient>,
    },
}

/// A demo trade's background work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Billing,
    Closing,
    Done,
    Failed(String),
}

impl Job {
    fn view(&self) -> Value {
        match self {
            Job::Billing => json!({"state": "billing"}),
            Job::Closing => json!({"state": "closing"}),
            Job::Done => json!({"state": "done"}),
            Job::Failed(why) => json!({"state": "failed", "error": why}),
        }
    }

    fn running(&self) -> bool {
        matches!(self, Job::Billing | Job::Closing)
    }
}

impl ApiState {
    /// The demo node, with new stores in `data_dir` (a directory holding another run's stores
    /// is refused: their channels lived on an embedded chain that is gone).
    pub fn new(market: Market<Embedded>, data_dir: PathBuf) -> Result<ApiState, String> {
        Ok(ApiState {
            kind: Kind::Demo {
                market,
                stores: trade::new_stores(&data_dir)?,
                offers: AtomicU64::new(0),
                jobs: Mutex::new(HashMap::new()),
            },
            access: None,
        })
    }

    /// Decides every request by `access` (see [`crate::access`]): a request must be signed by
    /// a DID or carry the operator's token, the channel list shows what the caller may read,
    /// and a channel, its history or its close needs a rule that allows it.
    pub fn with_access(self, access: Access) -> ApiState {
        ApiState {
            access: Some(access),
            ..self
        }
    }

    /// One party's controller: its store (shared with its daemon, if one runs in this
    /// process) and its chain client.
    pub fn party(store: Arc<dyn ChannelStore>, chain: Arc<dyn ChainClient>) -> ApiState {
        ApiState {
            kind: Kind::Party { store, chain },
            access: None,
        }
    }

    /// The store the API reads: the party's, or the demo provider's.
    fn store(&self) -> Arc<dyn ChannelStore> {
        match &self.kind {
            Kind::Party { store, .. } => store.clone(),
            Kind::Demo { stores, .. } => stores.provider.clone(),
        }
    }

    /// The chain as this API's side sees it.
    fn chain(&self) -> Arc<dyn ChainClient> {
        match &self.kind {
            Kind::Party { chain, .. } => chain.clone(),
            Kind::Demo { market, .. } => Arc::new(market.provider()),
        }
    }

    /// The demo's job on channel `id`, if any.
    fn job(&self, id: &ChannelId) -> Option<Job> {
        match &self.kind {
            Kind::Demo { jobs, .. } => jobs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(id)
                .cloned(),
            Kind::Party { .. } => None,
        }
    }

    /// Records `job` on channel `id` (demo only).
    fn set_job(&self, id: ChannelId, job: Job) {
        if let Kind::Demo { jobs, .. } = &self.kind {
            jobs.lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, job);
        }
    }

    /// Every job now (demo; empty for a party).
    fn jobs(&self) -> HashMap<ChannelId, Job> {
        match &self.kind {
            Kind::Demo { jobs, .. } => jobs.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            Kind::Party { .. } => HashMap::new(),
        }
    }
}

/// A channel's view with its job. The job is read **before** the record: a job seen done was
/// done before the record was read, so a `done` view shows the record as the job left it.
fn with_job(record: &ChannelRecord, job: Option<&Job>) -> Value {
    let mut v = view(record);
    if let Some(job) = job {
        v["job"] = job.view();
    }
    v
}

pub fn router(node: Arc<ApiState>) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/channels", get(list).post(open))
        .route("/channels/{id}", get(status))
        .route("/channels/{id}/history", get(history))
        .route("/channels/{id}/close", post(close))
        .route("/metrics", get(metrics))
        .route(
            "/recommend",
            post(recommend).layer(DefaultBodyLimit::max(RECOMMEND_BODY)),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "this endpoint does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(node)
}

/// Logs every request: method, path, status, time, and the channel id of a channel's path.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let channel = path
        .strip_prefix("/channels/")
        .map(|rest| rest.split('/').next().unwrap_or_default().to_string());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1_000.0;
    match channel {
        Some(channel) => {
            tracing::info!(target: "cgrid::api", %method, %path, status, ms, %channel, "request")
        }
        None => tracing::info!(target: "cgrid::api", %method, %path, status, ms, "request"),
    }
    response
}

/// The stable code of an error status.
fn code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        _ => "internal",
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": message.into(), "code": code(status)})),
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn parse_id(id: &str) -> Result<ChannelId, Response> {
    crate::api_input::channel_id(id).map_err(refused)
}

/// A refusal of `api_input` as a response.
fn refused(r: crate::api_input::Refusal) -> Response {
    error(
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        r.message,
    )
}

/// A request as the access policy sees it: its method, path and headers.
struct Asked {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Asked {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
        })
    }
}

fn wall_clock_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Who asks, under the access policy; `Ok(None)`: no policy (whoever reaches the address may
/// do anything). A request the policy cannot place is refused `401`.
fn caller(node: &ApiState, asked: &Asked) -> Result<Option<Caller>, Response> {
    let Some(access) = &node.access else {
        return Ok(None);
    };
    let header = asked
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let path = asked
        .uri
        .path_and_query()
        .map_or(asked.uri.path(), |p| p.as_str());
    tokio::task::block_in_place(|| {
        authenticate(
            &access.policy,
            &*access.directory,
            header,
            asked.method.as_str(),
            path,
            wall_clock_ms(),
        )
    })
    .map(Some)
    .map_err(|e| match e {
        AuthError::Directory(_) => internal(e),
        e => error(StatusCode::UNAUTHORIZED, e.to_string()),
    })
}

/// The policy's decision on `caller` doing `action` to `record` (the escrow answers who the
/// trade's parties are and whether a mask covers it).
fn decision(
    access: &Access,
    caller: &Caller,
    action: Action,
    record: &ChannelRecord,
) -> Result<Decision, String> {
    let id = record.id();
    let facts = match caller {
        Caller::Operator => None,
        Caller::Did(_) => tokio::task::block_in_place(|| access.directory.trade(&id))?,
    };
    let object = Object {
        channel: id,
        template: cgrid_shared::TRADE_START_CPT,
        parties: facts.as_ref().map_or([[0; 32]; 2], |f| f.parties),
        phase: crate::views::local_phase(&record.phase)["phase"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        mask: facts.and_then(|f| f.mask),
    };
    let decision = access
        .policy
        .decide(caller, action, &object, wall_clock_ms());
    tracing::info!(target: "cgrid::api", caller = %caller.label(), action = action.as_str(), channel = %hex::encode(id), allowed = decision.allowed(), why = %decision.reason(), "access");
    Ok(decision)
}

/// `Ok` when `caller` may do `action` to `record` (or no policy is set), else `403` naming
/// the rule.
fn permit(
    node: &ApiState,
    caller: Option<&Caller>,
    action: Action,
    record: &ChannelRecord,
) -> Result<(), Response> {
    let (Some(access), Some(caller)) = (&node.access, caller) else {
        return Ok(());
    };
    let d = decision(access, caller, action, record).map_err(internal)?;
    if d.allowed() {
        return Ok(());
    }
    Err(error(
        StatusCode::FORBIDDEN,
        format!(
            "{} may not {} channel 0x{}: {}",
            caller.label(),
            action.as_str(),
            hex::encode(record.id()),
            d.reason()
        ),
    ))
}

fn view(record: &ChannelRecord) -> Value {
    let state = crate::views::local_phase(&record.phase);
    json!({
        "id": format!("0x{}", hex::encode(record.id())),
        "phase": state["phase"],
        "state": state,
        "minutes": record.minutes(),
        "owed": record.owed(),
        "settled": {"nonce": record.settled.0, "amount": record.settled.1},
        "deposit": record.terms.deposit,
        "price_per_minute": record.terms.price_per_minute,
        "min_cost": record.terms.min_cost,
    })
}

async fn list(State(node): State<Arc<ApiState>>, asked: Asked) -> Response {
    let caller = match caller(&node, &asked) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let jobs = node.jobs();
    let channels = match node.store().channels() {
        Ok(channels) => channels,
        Err(e) => return internal(e),
    };
    let mut shown = Vec::with_capacity(channels.len());
    for r in &channels {
        // Under a policy, the list holds what the caller may read, and nothing else.
        if let (Some(access), Some(caller)) = (&node.access, &caller) {
            match decision(access, caller, Action::Read, r) {
                Ok(d) if d.allowed() => {}
                Ok(_) => continue,
                Err(e) => return internal(e),
            }
        }
        shown.push(with_job(r, jobs.get(&r.id())));
    }
    Json(shown).into_response()
}

fn load(node: &ApiState, id: &ChannelId) -> Result<ChannelRecord, Response> {
    node.store().channel(id).map_err(internal)?.ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            format!("no channel 0x{}", hex::encode(id)),
        )
    })
}

async fn status(
    State(node): State<Arc<ApiState>>,
    Path(id): Path<String>,
    asked: Asked,
) -> Response {
    let (id, caller) = match parse_id(&id).and_then(|id| Ok((id, caller(&node, &asked)?))) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let job = node.job(&id);
    let record = match load(&node, &id) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = permit(&node, caller.as_ref(), Action::Read, &record) {
        return r;
    }
    let chain = node.chain();
    let on_chain = match tokio::task::block_in_place(|| chain.channel(&id)) {
        Ok(Some(ch)) => {
            let state = crate::views::chain_phase(&ch.phase);
            json!({
                "deposit": ch.deposit,
                "paid": ch.paid,
                "nonce": ch.nonce,
                "expires_at": ch.expires_at,
                "phase": state["phase"],
                "state": state,
            })
        }
        Ok(None) => Value::Null,
        Err(e) => return internal(e),
    };
    let mut v = with_job(&record, job.as_ref());
    v["on_chain"] = on_chain;
    Json(v).into_response()
}

async fn history(
    State(node): State<Arc<ApiState>>,
    Path(id): Path<String>,
    asked: Asked,
) -> Response {
    let (id, caller) = match parse_id(&id).and_then(|id| Ok((id, caller(&node, &asked)?))) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) =
        load(&node, &id).and_then(|record| permit(&node, caller.as_ref(), Action::Read, &record))
    {
        return r;
    }
    match node.store().history(&id) {
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

/// A JSON request body, refused as `api_input` says: within [`MAX_BODY`] (axum's limit
/// answers 413 first), `application/json`, an object with known members.
fn body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<T, Response> {
    let bytes = bytes.map_err(|rejection| {
        error(
            rejection.status(),
            format!("bad request body: {}", rejection.body_text()),
        )
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    crate::api_input::json_body(content_type, &bytes).map_err(refused)
}

/// Largest `POST /recommend` body: a market of 10,000 offers and as many requests.
pub const RECOMMEND_BODY: usize = 32 * 1024 * 1024;

/// `POST /recommend`: `{"requests": [...], "offers": [...], "history"?: [...], "top"?: k}`,
/// the members as in `cgrid recommend`'s files; answers what `cgrid recommend --json` prints.
/// Bad input is a 400 naming the member. The plan runs on a blocking thread.
async fn recommend(headers: HeaderMap, request: Result<Bytes, BytesRejection>) -> Response {
    let bytes = match request {
        Ok(b) => b,
        Err(rejection) => {
            return error(
                rejection.status(),
                format!("bad request body: {}", rejection.body_text()),
            )
        }
    };
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.split(';').next().map(str::trim) == Some("application/json"));
    if !json_type {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be application/json",
        );
    }
    let planned = tokio::task::spawn_blocking(move || -> Result<Value, String> {
        let mut body: serde_json::Map<String, Value> = serde_json::from_slice(&bytes)
            .map_err(|e| format!("the body is not a JSON object ({e})"))?;
        let top = match body.remove("top") {
            None => 5,
            Some(v) => v
                .as_u64()
                .and_then(|k| usize::try_from(k).ok())
                .ok_or("`top` is not a whole number")?,
        };
        let mut file = |name: &str, required: bool| -> Result<Option<Vec<u8>>, String> {
            match body.remove(name) {
                Some(v) => {
                    let mut wrapped = serde_json::Map::new();
                    wrapped.insert(name.to_string(), v);
                    Ok(Some(
                        serde_json::to_vec(&wrapped).map_err(|e| e.to_string())?,
                    ))
                }
                None if required => Err(format!("`{name}` is missing")),
                None => Ok(None),
            }
        };
        let (requests, offers) = (file("requests", true)?, file("offers", true)?);
        let history = file("history", false)?;
        if let Some(extra) = body.keys().next() {
            return Err(format!("unknown member `{extra}`"));
        }
        let (plan, prefs) = crate::cli::recommend::plan_of(
            &requests.unwrap_or_default(),
            &offers.unwrap_or_default(),
            history.as_deref(),
            top,
        )?;
        Ok(crate::cli::recommend::plan_json(&plan, &prefs))
    })
    .await;
    match planned {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(message)) => error(StatusCode::BAD_REQUEST, message),
        Err(e) => internal(e),
    }
}

/// Demo: opens a trade and starts its billing as a background job; answers `202` with the
/// channel once it is open.
async fn open(
    State(node): State<Arc<ApiState>>,
    asked: Asked,
    request: Result<Bytes, BytesRejection>,
) -> Response {
    let headers = &asked.headers;
    match caller(&node, &asked) {
        Ok(None | Some(Caller::Operator)) => {}
        Ok(Some(c)) => {
            return error(
                StatusCode::FORBIDDEN,
                format!(
                    "{} may not open demo trades: only the operator's token does",
                    c.label()
                ),
            )
        }
        Err(r) => return r,
    }
    let Kind::Demo {
        market,
        stores,
        offers,
        ..
    } = &node.kind
    else {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "a channel takes both parties: the provider signs an offer (`cgrid offer create`) and the consumer opens it (`cgrid channel open`)",
        );
    };
    let req: OpenRequest = match body(headers, request) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let config = TradeConfig {
        minutes: req.minutes,
        price_per_minute: req.price_per_minute,
        min_cost: req.min_cost,
        policy: CheckpointPolicy {
            every_minutes: req.checkpoint_every,
            threshold: 0,
        },
        data_dir: PathBuf::new(),
    };
    if let Err(why) = config.check() {
        return error(StatusCode::BAD_REQUEST, why);
    }
    let offer_nonce = offers.fetch_add(1, Ordering::SeqCst) + 1;
    let opened = tokio::task::block_in_place(|| {
        trade::open_trade(market, &config, req.minutes, offer_nonce)
    });
    let (p, c) = match opened {
        Ok(x) => x,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e),
    };
    let id = p.id();
    if let Err(e) = stores.provider.save_channel(&p) {
        return internal(e);
    }
    node.set_job(id, Job::Billing);
    let answer = with_job(&p, Some(&Job::Billing));
    let job_node = node.clone();
    let (market, stores) = (market.clone(), stores.clone());
    // The job is its own task: a client that hangs up stops nothing.
    tokio::spawn(async move {
        let billed = trade::run_pair(
            &market,
            &stores,
            p,
            c,
            req.minutes,
            config.policy,
            req.close,
        )
        .await;
        let job = match billed {
            Ok(_) => Job::Done,
            Err(e) => {
                tracing::warn!(target: "cgrid::api", channel = %hex::encode(id), error = %e, "billing failed");
                Job::Failed(e)
            }
        };
        job_node.set_job(id, job);
    });
    tracing::info!(target: "cgrid::api", channel = %hex::encode(id), minutes = req.minutes, "opened; billing in the background");
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/channels/0x{}", hex::encode(id)))],
        Json(answer),
    )
        .into_response()
}

/// Demo: closes cooperatively as a background job (`202`); a party: unilaterally with the
/// newest state.
async fn close(
    State(node): State<Arc<ApiState>>,
    Path(id): Path<String>,
    asked: Asked,
) -> Response {
    let (id, caller) = match parse_id(&id).and_then(|id| Ok((id, caller(&node, &asked)?))) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if caller.is_some() {
        if let Err(r) = load(&node, &id)
            .and_then(|record| permit(&node, caller.as_ref(), Action::Close, &record))
        {
            return r;
        }
    }
    let (market, stores) = match &node.kind {
        Kind::Demo { market, stores, .. } => (market.clone(), stores.clone()),
        Kind::Party { store, chain } => {
            let (store, chain) = (store.clone(), chain.clone());
            return tokio::task::block_in_place(|| close_unilaterally(&*store, &*chain, &id));
        }
    };
    let provider = match load(&node, &id) {
        Ok(record) => record,
        Err(r) => return r,
    };
    if let Some(job) = node.job(&id).filter(Job::running) {
        return error(
            StatusCode::CONFLICT,
            format!(
                "the channel's job is still {}; close it when the job is done",
                job.view()["state"].as_str().unwrap_or("running")
            ),
        );
    }
    if provider.phase != crate::channel::LocalPhase::Open {
        return error(
            StatusCode::CONFLICT,
            format!("the channel is {}, not open", provider.phase.name()),
        );
    }
    let consumer = match stores.consumer.channel(&id) {
        Ok(Some(c)) => c,
        Ok(None) => return internal("the consumer store lacks the channel"),
        Err(e) => return internal(e),
    };
    node.set_job(id, Job::Closing);
    let answer = with_job(&provider, Some(&Job::Closing));
    let job_node = node.clone();
    tokio::spawn(async move {
        let minutes = provider.minutes();
        let policy = CheckpointPolicy {
            every_minutes: 0,
            threshold: 0,
        };
        let closed =
            trade::run_pair(&market, &stores, provider, consumer, minutes, policy, true).await;
        job_node.set_job(
            id,
            match closed {
                Ok(_) => Job::Done,
                Err(e) => Job::Failed(e),
            },
        );
    });
    (StatusCode::ACCEPTED, Json(answer)).into_response()
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
    let phase_name = |r: &ChannelRecord| r.phase.name();
    if record.latest.is_none() || !record.is_open_here() {
        return error(
            StatusCode::CONFLICT,
            format!(
                "the channel is {} with {} minutes billed: nothing to close with",
                phase_name(&record),
                record.minutes()
            ),
        );
    }
    match crate::session::close_unilaterally(store, chain, &mut record) {
        Ok(true) => Json(view(&record)).into_response(),
        Ok(false) => error(
            StatusCode::CONFLICT,
            format!(
                "the channel is no longer open on chain ({})",
                phase_name(&record)
            ),
        ),
        Err(e) => internal(e),
    }
}

async fn metrics(State(node): State<Arc<ApiState>>) -> Response {
    use prometheus::{Encoder, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
    let store = node.store();
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
        by_phase.with_label_values(&[c.phase.name()]).inc();
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
