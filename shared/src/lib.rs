//! # cgrid-shared
//!
//! Everything that crosses a boundary in ComputeGrid lives here, once:
//!
//! - the cross-contract **trait definitions** (`#[ink::trait_definition]`) that callers use with
//!   `ink::contract_ref!` and the address they were given at instantiation — contracts never
//!   import each other's crates;
//! - one client per trait, which makes those calls on chain ([`Registry`], [`Roles`],
//!   [`Credentials`], [`Brokered`], [`mask_at`]), and its per-thread test double for contracts' unit tests
//!   (`testing`, feature `testing`);
//! - the code split that lets a contract's hot messages load without its cold ones
//!   ([`split`]);
//! - the topicless update events emitted one change at a time ([`updates`]);
//! - the deferred-payout component the escrow and the auction share ([`payout::Unclaimed`]);
//! - every SCALE-encoded type those traits take or return (roles, DID ids, documents);
//! - the exact byte layout of every payload that is signed off chain and verified on chain, so
//!   that the off-chain tools sign precisely what the contracts check.
//!
//! The crate is `no_std` (with `alloc`) and builds into every contract.

#![cfg_attr(not(feature = "std"), no_std)]
// Contract code never panics on an unwrap, an expect or an out-of-range index (issue 15's
// static checks); tests may.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod auction;
pub mod did;
pub mod escrow;
pub mod mask;
pub mod payout;
pub mod roles;
pub mod split;
pub mod trade_credentials;
pub mod updates;
pub mod vc;

pub use auction::*;
pub use did::*;
pub use escrow::*;
pub use mask::*;
pub use roles::*;
pub use trade_credentials::*;
pub use vc::*;

/// The test doubles of the cross-contract clients, one per trait (feature `testing`). ink!'s
/// off-chain test environment cannot call other contracts, so a contract's unit tests use the
/// double in place of the client, e.g. `#[cfg(test)] use cgrid_shared::testing::did::Registry;`,
/// and fill or read its per-thread table with `testing::did::with(|t| ..)`.
#[cfg(feature = "testing")]
pub mod testing {
    pub use crate::did::testing as did;
    pub use crate::escrow::testing as escrow;
    pub use crate::mask::testing as mask;
    pub use crate::roles::testing as roles;
    pub use crate::trade_credentials::testing as trade;
    pub use crate::vc::testing as vc;
}
