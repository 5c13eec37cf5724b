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
//! - [`chain`] — what the controller needs from trade_escrow, over the embedded chain or a
//!   node;
//! - [`session`] — provider / consumer sessions and the watchtower, wiring the four together;
//! - [`demo`] — the main job on the embedded chain (or a node);
//! - [`deploy`] — the suite deployed on a node and its deployment file (`cgrid deploy`);
//! - [`api`] — the HTTP JSON API and Prometheus metrics (`cgrid serve`).

#[cfg(feature = "embedded")]
pub mod api;
pub mod chain;
pub mod channel;
#[cfg(feature = "embedded")]
pub mod demo;
#[cfg(feature = "node")]
pub mod deploy;
pub mod session;
pub mod store;
pub mod wire;
