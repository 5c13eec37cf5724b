//! `GET /metrics`: Prometheus text over the store (channels by phase, states stored by side)
//! and, for the demo, the on-chain calls and their ref_time.

use super::{internal, ApiState, Kind};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(super) async fn metrics(State(node): State<Arc<ApiState>>) -> Response {
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
