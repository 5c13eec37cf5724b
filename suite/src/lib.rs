//! # cgrid-suite: one typed client for a deployed ComputeGrid suite
//!
//! Everything an off-chain program needs to talk to the five contracts:
//!
//! - [`Backend`]: a chain that runs pallet-contracts — [`embedded::Embedded`] (an in-process
//!   runtime with simulated time, feature `embedded`) or [`node::NodeClient`] (a node over
//!   RPC: dry run, then submit; feature `node`).
//! - Typed messages: [`Contract::msg`] builds a [`Msg`] from the contract's own `*Ref` call
//!   builder, so argument and return types are the contract's; [`Backend::send`] returns the
//!   value or [`SuiteError`] keeping the contract's typed refusal apart from a chain failure.
//! - [`Emitted`]: the contracts' events of a call, decoded into their own event types.
//! - [`Suite`]: the five addresses; [`Suite::deploy`] deploys and wires,
//!   [`Suite::attach`] reads a deployment file ([`Deployment`]) and checks every code hash.
//! - [`Signer`]: an sr25519 key from a key file (0600) or a secret URI.
//! - [`verify`]: a deployment's code on chain against the local bundles and `bundles.lock.json`.
//!
//! Layers: `cgrid-shared` (types, preimages) → the contracts → this crate → the controller
//! (`cgrid`) and the tests (`cgrid-e2e`).

mod backend;
pub mod contracts;
pub mod deployment;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod events;
pub mod msg;
#[cfg(feature = "node")]
pub mod node;
pub mod ops;
mod signer;
mod suite;
pub mod verify;

pub use backend::{
    bundle_dir, chain_account, ink_account, release_wasm, AccountId32, Backend, Called, Weight,
};
pub use contracts::{Auction, Dids, Escrow, Masks, Roles, Vcs};
pub use deployment::{ContractEntry, Deployment, DEPLOYMENT_FORMAT};
pub use events::{Emitted, SuiteEvent};
pub use msg::{Contract, Label, Msg, SuiteContract, SuiteError};
pub use signer::{Signer, KEY_FILE_FORMAT};
pub use suite::{
    cold_codes, deploy_auction, deploy_contract, deploy_dids, deploy_escrow, deploy_vcs,
    instantiated_codes, Deployed, Suite, CONTRACTS, INSTANTIATES, SPLIT,
};
