//! What the API does to channels: the demo opens and bills a trade (a background job), closes
//! it cooperatively; a party closes unilaterally; the provider checkpoints now. Every action
//! passes `guard::may_act` first.

use super::guard::{caller, channel_and_caller, may_act, Asked};
use super::{body, error, internal, load, view, with_job, ApiState, Job, Kind, OpenRequest};
use crate::chain::ChainClient;
use crate::channel::ChannelRecord;
use crate::session::CheckpointPolicy;
use crate::store::ChannelStore;
use crate::trade::{self, TradeConfig};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cgrid_shared::{ChannelId, MaskMarker};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Demo: opens a trade and starts its billing as a background job; answers `202` with the
/// channel once it is open.
pub(super) async fn open(
    State(node): State<Arc<ApiState>>,
    asked: Asked,
    request: Result<Bytes, BytesRejection>,
) -> Response {
    let headers = &asked.headers;
    if let Err(r) = caller(&node, &asked).and_then(|c| may_act(&node, &asked, c.as_ref(), None)) {
        return r;
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
    let answer = with_job(&p, Some(&Job::Billing), None);
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
pub(super) async fn close(
    State(node): State<Arc<ApiState>>,
    Path(id): Path<String>,
    asked: Asked,
) -> Response {
    let (id, caller) = match channel_and_caller(&node, &id, &asked) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) =
        load(&node, &id).and_then(|record| may_act(&node, &asked, caller.as_ref(), Some(&record)))
    {
        return r;
    }
    let mask = match node.mask_of(&id) {
        Ok(m) => m,
        Err(e) => return internal(e),
    };
    let (market, stores) = match &node.kind {
        Kind::Demo { market, stores, .. } => (market.clone(), stores.clone()),
        Kind::Party { store, chain } => {
            let (store, chain) = (store.clone(), chain.clone());
            return tokio::task::block_in_place(|| {
                close_unilaterally(&*store, &*chain, &id, mask.as_ref())
            });
        }
    };
    let provider = match load(&node, &id) {
        Ok(record) => record,
        Err(r) => return r,
    };
    if let Err(r) = node.idle(&id, "close it when the job is done") {
        return r;
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
    let answer = with_job(&provider, Some(&Job::Closing), mask.as_ref());
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

/// Provider: settles the newest stored state on chain now (a party's provider, or the demo's
/// provider while no job runs on the channel).
pub(super) async fn checkpoint(
    State(node): State<Arc<ApiState>>,
    Path(id): Path<String>,
    asked: Asked,
) -> Response {
    let (id, caller) = match channel_and_caller(&node, &id, &asked) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let record = match load(&node, &id)
        .and_then(|r| may_act(&node, &asked, caller.as_ref(), Some(&r)).map(|()| r))
    {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = node.idle(&id, "its billing checkpoints by its own policy") {
        return r;
    }
    let mask = match node.mask_of(&id) {
        Ok(m) => m,
        Err(e) => return internal(e),
    };
    let (store, chain) = (node.store(), node.chain());
    tokio::task::block_in_place(|| checkpoint_now(&*store, &*chain, record, mask.as_ref()))
}

fn checkpoint_now(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    mut record: ChannelRecord,
    mask: Option<&MaskMarker>,
) -> Response {
    if record.side != crate::channel::Side::Provider {
        return error(
            StatusCode::CONFLICT,
            "only the provider checkpoints: this store is the consumer's",
        );
    }
    if record.phase != crate::channel::LocalPhase::Open {
        return error(
            StatusCode::CONFLICT,
            format!("the channel is {}, not open", record.phase.name()),
        );
    }
    let newest = match &record.latest {
        Some(s) if s.nonce > record.settled.0 => s.nonce,
        _ => {
            return error(
                StatusCode::CONFLICT,
                format!(
                    "nothing new to checkpoint: minute {} is settled",
                    record.settled.0
                ),
            )
        }
    };
    match crate::session::checkpoint(store, chain, &mut record) {
        Ok(()) if record.settled.0 >= newest => Json(view(&record, mask)).into_response(),
        Ok(()) => {
            // Why, as far as the escrow tells: a channel past its expiry is the usual reason.
            let why = match chain.channel(&record.id()) {
                Ok(Some(ch)) if chain.now() >= ch.expires_at => {
                    format!("the channel expired at {} ms", ch.expires_at)
                }
                Ok(Some(ch)) => format!(
                    "the escrow has it {}",
                    crate::views::chain_phase(&ch.phase)["phase"]
                ),
                Ok(None) => "the escrow does not have the channel".into(),
                Err(e) => e.to_string(),
            };
            error(
                StatusCode::BAD_GATEWAY,
                format!("the chain did not take the checkpoint ({why}); nothing changed"),
            )
        }
        Err(e) => internal(e),
    }
}

/// A party's close: unilateral, with the newest stored state (the peer has the challenge
/// period to answer with a newer one).
fn close_unilaterally(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    id: &ChannelId,
    mask: Option<&MaskMarker>,
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
        Ok(true) => Json(view(&record, mask)).into_response(),
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
