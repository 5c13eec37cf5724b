//! # cgrid-sched: offers recommended to requests by optimal transport
//!
//! The platform design's data-driven scheduling, off chain: instead of one scoring function
//! for everybody, or "the node with the most free memory", one request at a time, the
//! recommender learns each consumer's weights of the offer features from its trade history
//! ([`prefs`]), and plans all requests against all offers at once as an entropic optimal
//! transport problem ([`ot`]: sparse log-domain Sinkhorn with ε-scaling; hard constraints are
//! absent entries; supply ≠ demand through slack row and column, [`recommend`]). Each request
//! gets a ranked list of offers with its shares of the plan and a whole-unit assignment that
//! respects every capacity ([`round`]).
//!
//! Modules:
//! - [`model`] — offers, requests, history: the JSON files and their checks;
//! - [`features`] — hard constraints and the features a consumer weighs;
//! - [`prefs`] — per-consumer weights fitted as a conditional logit, shrunk to the population's;
//! - [`ot`] — the transport solver; [`exact`] — the exact optimum for small problems (tests);
//! - [`recommend`] — the plan, the ranked lists; [`round`] — plan to assignments;
//! - [`baseline`] — fixed scoring and most-free-memory; [`workload`] — the seeded generator;
//!   [`eval`] — the comparison the benchmark reports (`sched-bench`).

// Sparse matrices are walked by index ranges (row_ptr[i]..row_ptr[i + 1]) over parallel arrays.
#![allow(clippy::needless_range_loop)]

pub mod baseline;
pub mod eval;
pub mod exact;
pub mod features;
pub mod model;
pub mod ot;
pub mod prefs;
pub mod recommend;
pub mod round;
pub mod workload;

pub use model::{Choice, InputError, Offer, Request};
pub use prefs::{learn, Learning, Preferences};
pub use recommend::{recommend, Plan, Recommendation, Settings};
