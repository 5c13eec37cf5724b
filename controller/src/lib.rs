//! # controller: ComputeGrid's off-chain channel controller
//!
//! Runs the off-chain part of every trade: per-minute billing as consumer-signed cumulative
//! states exchanged between a provider's and a consumer's controller, stored durably before
//! they are acknowledged, settled on chain by checkpoints and closes, and guarded by a watchtower
//! that answers stale unilateral closes.
//!
//! Seams, each replaceable on its own:
//! - [`channel`] — the pure state machine (every rule; no I/O);
//! - [`store`] — the durable store (redb; fsync per commit);
//! - [`wire`] — the TCP protocol (length-delimited SCALE frames, versioned handshake);
//! - [`chain`] — the chain client: what the controller needs from trade_escrow, over
//!   `cgrid-suite` (the embedded chain or a node);
//! - [`session`] — provider / consumer sessions and the watchtower, wiring the four together;
//! - [`trade`] — trade setup shared by the demo and the API (the demo's parties, opening a
//!   trade directly or through the auction, a provider–consumer pair over loopback TCP);
//! - [`daemon`] — a provider's daemon serving any consumer and a consumer joining it, each on its
//!   own machine with its own store, checked against the chain;
//! - [`demo`] — the main job on the embedded chain (or a node);
//! - [`deploy`] — the suite deployed on a node and its deployment file (`cgrid deploy`);
//! - [`api`] — the HTTP JSON API and Prometheus metrics (`cgrid serve`);
//! - [`access`] — who may read which trade records through it: attribute-based decisions over
//!   the caller's registry roles and directory entry, the trade and its masks, and the time;
//! - [`cli`] — every party's command on a deployed suite (keys, DIDs, authorities, roles,
//!   templates, credentials, masks), generic over the chain so tests run the same code on the
//!   embedded chain.

pub mod access;
#[cfg(feature = "embedded")]
pub mod api;
pub mod api_input;
pub mod chain;
pub mod channel;
#[cfg(feature = "embedded")]
pub mod cli;
pub mod daemon;
#[cfg(feature = "embedded")]
pub mod demo;
#[cfg(feature = "node")]
pub mod deploy;
pub mod http;
pub mod offer;
pub mod session;
pub mod store;
#[cfg(feature = "embedded")]
pub mod trade;
pub mod views;
pub mod wire;
