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

mod actions;
mod guard;
mod live;
mod metrics;

pub use guard::Gate;
use guard::{caller, channel_and_caller, decision, permit, Asked};

use crate::access::{Action, Caller, Directory, Policy};
use crate::chain::ChainClient;
use crate::channel::ChannelRecord;
use crate::store::ChannelStore;
use crate::trade::{self, DemoStores, Market};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cgrid_shared::{ChannelId, MaskMarker};
use cgrid_suite::embedded::Embedded;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Longest trade one request may bill (simulated minutes).
pub use crate::trade::MAX_MINUTES;

pub use crate::api_input::{OpenRequest, MAX_BODY};

/// What the API serves.
pub struct ApiState {
    kind: Kind,
    /// With `cgrid serve --access`: who may read and close which trade records.
    access: Option<Access>,
    /// Who may act when no access policy decides.
    gate: Gate,
    /// Where the regulators' masks on trades are read (every view honours them).
    directory: Option<Arc<dyn Directory>>,
    /// Whether a watchtower runs in this process (`cgrid provide --api` without `--no-watch`).
    watchtower: bool,
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
        let directory: Arc<dyn Directory> = Arc::new(market.chain.clone());
        Ok(ApiState {
            gate: Gate::Open,
            directory: Some(directory),
            watchtower: false,
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
            directory: Some(access.directory.clone()),
            access: Some(access),
            ..self
        }
    }

    /// Who may act when no access policy decides (the library's default: [`Gate::Open`]).
    pub fn with_gate(self, gate: Gate) -> ApiState {
        ApiState { gate, ..self }
    }

    /// Where views read the regulators' masks (a party's chain; the demo has its own).
    pub fn with_directory(self, directory: Arc<dyn Directory>) -> ApiState {
        ApiState {
            directory: Some(directory),
            ..self
        }
    }

    /// Says that a watchtower runs in this process (the dashboard shows it).
    pub fn with_watchtower(self) -> ApiState {
        ApiState {
            watchtower: true,
            ..self
        }
    }

    /// The regulator's mask on trade `id`, if one covers it (none known without a directory).
    fn mask_of(&self, id: &ChannelId) -> Result<Option<MaskMarker>, String> {
        match &self.directory {
            Some(d) => Ok(tokio::task::block_in_place(|| d.trade(id))?.and_then(|t| t.mask)),
            None => Ok(None),
        }
    }

    /// One party's controller: its store (shared with its daemon, if one runs in this
    /// process) and its chain client.
    pub fn party(store: Arc<dyn ChannelStore>, chain: Arc<dyn ChainClient>) -> ApiState {
        ApiState {
            kind: Kind::Party { store, chain },
            access: None,
            gate: Gate::Open,
            directory: None,
            watchtower: false,
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

    /// `Ok` unless a demo job still bills or closes channel `id` (then a 409 that says `then`).
    fn idle(&self, id: &ChannelId, then: &str) -> Result<(), Response> {
        match self.job(id).filter(Job::running) {
            Some(job) => Err(error(
                StatusCode::CONFLICT,
                format!(
                    "the channel's job is still {}; {then}",
                    job.view()["state"].as_str().unwrap_or("running")
                ),
            )),
            None => Ok(()),
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
fn with_job(record: &ChannelRecord, job: Option<&Job>, mask: Option<&MaskMarker>) -> Value {
    let mut v = view(record, mask);
    if let Some(job) = job {
        v["job"] = job.view();
    }
    v
}

pub fn router(node: Arc<ApiState>) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/channels", get(list).post(actions::open))
        .route("/channels/{id}", get(status))
        .route("/channels/{id}/history", get(history))
        .route("/channels/{id}/close", post(actions::close))
        .route("/channels/{id}/checkpoint", post(actions::checkpoint))
        .route("/status", get(live::status))
        .route("/events", get(live::events))
        .route("/dashboard", get(live::page))
        .route("/dashboard/{asset}", get(live::asset))
        .route("/metrics", get(metrics::metrics))
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
        StatusCode::BAD_GATEWAY => "chain",
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

/// Whether a mask hides a trade's amounts: a whole mask, or one naming `price` (an amount over
/// the minutes gives the price back).
fn hides_amounts(mask: Option<&MaskMarker>) -> bool {
    mask.is_some_and(|m| m.scope.withholds("price"))
}

/// A channel as the API shows it: under a mask that hides the price, every amount is `null`
/// and `masked` names them with the regulator's reason.
fn view(record: &ChannelRecord, mask: Option<&MaskMarker>) -> Value {
    let mut state = crate::views::local_phase(&record.phase);
    let mut v = json!({
        "id": format!("0x{}", hex::encode(record.id())),
        "phase": state["phase"],
        "minutes": record.minutes(),
        "owed": record.owed(),
        "settled": {"nonce": record.settled.0, "amount": record.settled.1},
        "deposit": record.terms.deposit,
        "price_per_minute": record.terms.price_per_minute,
        "min_cost": record.terms.min_cost,
    });
    if let Some(m) = mask {
        let mut withheld = Vec::new();
        if hides_amounts(Some(m)) {
            for field in ["owed", "price_per_minute", "min_cost", "deposit"] {
                v[field] = Value::Null;
                withheld.push(field.to_string());
            }
            v["settled"]["amount"] = Value::Null;
            withheld.push("settled.amount".into());
            for field in ["paid", "refunded"] {
                if state.get(field).is_some() {
                    state[field] = Value::Null;
                    withheld.push(format!("state.{field}"));
                }
            }
            withheld.push("history".into());
        }
        v["masked"] = json!({
            "reason_code": m.reason_code,
            "scope": m.withheld,
            "since": m.since,
            "withheld": withheld,
        });
    }
    v["state"] = state;
    v
}

/// The channels `caller` may read, as the API shows them (under a policy, nothing else).
fn listed(node: &ApiState, caller: Option<&Caller>) -> Result<Vec<Value>, String> {
    let jobs = node.jobs();
    let channels = node.store().channels().map_err(|e| e.to_string())?;
    let mut shown = Vec::with_capacity(channels.len());
    for r in &channels {
        if let (Some(access), Some(caller)) = (&node.access, caller) {
            if !decision(access, caller, Action::Read, r)?.allowed() {
                continue;
            }
        }
        let mask = node.mask_of(&r.id())?;
        shown.push(with_job(r, jobs.get(&r.id()), mask.as_ref()));
    }
    Ok(shown)
}

async fn list(State(node): State<Arc<ApiState>>, asked: Asked) -> Response {
    let caller = match caller(&node, &asked) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match listed(&node, caller.as_ref()) {
        Ok(shown) => Json(shown).into_response(),
        Err(e) => internal(e),
    }
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
    let (id, caller) = match channel_and_caller(&node, &id, &asked) {
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
    let mask = match node.mask_of(&id) {
        Ok(m) => m,
        Err(e) => return internal(e),
    };
    let hidden = hides_amounts(mask.as_ref());
    let chain = node.chain();
    let on_chain = match tokio::task::block_in_place(|| chain.channel(&id)) {
        Ok(Some(ch)) => {
            let state = crate::views::chain_phase(&ch.phase);
            // The terms as the escrow (and the trade-start credential) state them; what a mask
            // withholds is null (the escrow already cleared it, zero is not a value here).
            let did =
                |d: &cgrid_shared::DidId| (*d != [0; 32]).then(|| cgrid_shared::did_to_string(d));
            let amount = |a: cgrid_shared::Balance| (!hidden).then(|| a.to_string());
            json!({
                "provider_did": did(&ch.provider_did),
                "consumer_did": did(&ch.consumer_did),
                "price_per_minute": amount(ch.price_per_minute),
                "min_cost": amount(ch.min_cost),
                "deposit": amount(ch.deposit),
                "paid": amount(ch.paid),
                "nonce": ch.nonce,
                "challenge_period": ch.challenge_period,
                "opened_at": ch.opened_at,
                "expires_at": ch.expires_at,
                "phase": state["phase"],
                "state": if hidden { json!({"phase": state["phase"]}) } else { state },
            })
        }
        Ok(None) => Value::Null,
        Err(e) => return internal(e),
    };
    let mut v = with_job(&record, job.as_ref(), mask.as_ref());
    v["on_chain"] = on_chain;
    Json(v).into_response()
}

async fn history(
    State(node): State<Arc<ApiState>>,
    Path(id): Path<String>,
    asked: Asked,
) -> Response {
    let (id, caller) = match channel_and_caller(&node, &id, &asked) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) =
        load(&node, &id).and_then(|record| permit(&node, caller.as_ref(), Action::Read, &record))
    {
        return r;
    }
    // Under a mask that hides the price, the amounts and the signatures over them are
    // withheld: the minutes stay.
    let hidden = match node.mask_of(&id) {
        Ok(m) => hides_amounts(m.as_ref()),
        Err(e) => return internal(e),
    };
    match node.store().history(&id) {
        Ok(states) => Json(
            states
                .iter()
                .map(|s| {
                    if hidden {
                        json!({"nonce": s.nonce, "cumulative": null, "signature": null})
                    } else {
                        json!({
                            "nonce": s.nonce,
                            "cumulative": s.cumulative,
                            "signature": format!("0x{}", hex::encode(s.signature)),
                        })
                    }
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
