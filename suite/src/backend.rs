//! The chain seam: what the suite needs from a chain that runs pallet-contracts, and the
//! outcome of one call.
//!
//! Two implementations: [`crate::embedded::Embedded`] (an in-process runtime, simulated time)
//! and [`crate::node::NodeClient`] (a node over RPC: dry run, then submit). Both behave the
//! same on a refused call: it comes back with `reverted` set and changes nothing (the node
//! backend never submits what its dry run saw revert).
//!
//! The raw methods take SCALE call data; typed calls ([`crate::Msg`]) go through
//! [`Backend::send`], [`Backend::try_send`] and [`Backend::read`], which every backend gets.

use crate::events::{Emitted, SuiteEvent};
use crate::msg::{Msg, SuiteError};
use crate::Signer;
use cgrid_shared::Balance;
use scale::Decode;
use std::path::PathBuf;

pub use sp_core::crypto::AccountId32;
pub use sp_weights::Weight;

/// The decoded outcome of one message call.
#[derive(Debug, Clone)]
pub struct Called<T> {
    pub value: T,
    /// Whether the contract reverted its state (a message returning `Err` does).
    pub reverted: bool,
    pub weight: Weight,
    /// Storage deposit the call moved: positive = charged to the origin, negative = refunded.
    pub storage_deposit: i128,
    /// What the suite's contracts emitted, in order (empty for a dry run or a revert).
    pub events: Vec<Emitted>,
}

impl<T> Called<T> {
    /// The same outcome with another value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Called<U> {
        Called {
            value: f(self.value),
            reverted: self.reverted,
            weight: self.weight,
            storage_deposit: self.storage_deposit,
            events: self.events,
        }
    }

    /// Every event of type `E` the call emitted, decoded (see [`Emitted::decode`]).
    pub fn events_of<E: SuiteEvent>(&self) -> Vec<E> {
        self.events.iter().filter_map(Emitted::decode).collect()
    }
}

/// What the suite needs from a chain.
///
/// A call that the contract reverts comes back as [`Called`] with `reverted` set and changes
/// nothing on either backend.
pub trait Backend {
    /// The deploying account: the suite's root authority when this backend deployed it.
    fn deployer(&mut self) -> AccountId32;
    /// A development account for `hint` that this backend can sign for: the embedded chain
    /// takes the 32 bytes as the account, a node derives an sr25519 key from its deployer's
    /// secret URI (`<suri>//cgrid//0x<hint>`). For tests and the demo, never for real parties.
    fn account(&mut self, hint: [u8; 32]) -> AccountId32;
    /// Makes `signer`'s account one this backend transacts for (the embedded chain needs no
    /// key: any account may act).
    fn add_signer(&mut self, signer: &Signer) -> AccountId32;
    /// Gives `who` at least `amount` (the embedded chain mints; a node transfers the
    /// difference from the deployer).
    fn fund(&mut self, who: &AccountId32, amount: Balance) -> Result<(), String>;
    /// The block time (ms) the next call sees.
    fn time(&mut self) -> u64;
    /// Moves the block time to at least `ms`: the embedded chain sets it, a node waits for the
    /// wall clock and seals a block.
    fn advance_to(&mut self, ms: u64) -> Result<(), String>;
    /// Whether [`Backend::advance_to`] is instant (simulated time) rather than a real wait.
    fn simulated_time(&self) -> bool;
    /// The number of the block the last transaction went into.
    fn last_block(&mut self) -> u64;
    /// The code hash of the contract at `address`, `None` if no contract lives there.
    fn code_hash(&mut self, address: &AccountId32) -> Result<Option<[u8; 32]>, String>;
    /// The chain's genesis hash (identifies the network a deployment file names).
    fn genesis_hash(&mut self) -> [u8; 32];
    /// Uploads `wasm` as `origin` without instantiating it (a split contract's cold code,
    /// which its main code delegate-calls); uploading code the chain already has changes
    /// nothing. Returns the code hash.
    fn upload(&mut self, wasm: &[u8], origin: &AccountId32) -> Result<[u8; 32], String>;
    /// Uploads and instantiates `wasm` with constructor call data `constructor`; returns the
    /// address and the weight consumed.
    fn deploy(
        &mut self,
        wasm: &[u8],
        constructor: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Weight), String>;
    /// Calls a message with call data `data`, transferring `value`, and commits its effects
    /// unless the contract reverts. `T` is the message's declared return type.
    fn call_raw<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: Balance,
    ) -> Result<Called<T>, String>;
    /// Runs a message and discards every effect (an RPC dry run).
    fn query_raw<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: Balance,
    ) -> Result<Called<T>, String>;
    /// The free balance of `who`.
    fn balance(&mut self, who: &AccountId32) -> Balance;
    /// What `contract` emitted since `cursor` (0: from the start), in order, and the cursor to
    /// continue from. On a node the cursor is a block number (every block from it to the best
    /// one is read); the embedded chain counts committed calls.
    fn contract_events(
        &mut self,
        cursor: u64,
        contract: &AccountId32,
    ) -> Result<(u64, Vec<Emitted>), String>;

    /// Sends `msg` as `origin`: its value, or the contract's typed refusal (nothing changed), or
    /// the chain's failure.
    fn send<T: Decode, E: Decode>(
        &mut self,
        origin: &AccountId32,
        msg: Msg<Result<T, E>>,
    ) -> Result<Called<T>, SuiteError<E>> {
        let called = self
            .call_raw::<Result<T, E>>(&msg.contract, origin, msg.data, msg.value)
            .map_err(|reason| SuiteError::chain(msg.label, reason))?;
        split(called, msg.label)
    }

    /// Sends `msg` as `origin` and returns the raw outcome, refusals included: for tests that
    /// look at what a refused call weighed or that it reverted.
    fn try_send<R: Decode>(
        &mut self,
        origin: &AccountId32,
        msg: Msg<R>,
    ) -> Result<Called<R>, SuiteError<std::convert::Infallible>> {
        self.call_raw::<R>(&msg.contract, origin, msg.data, msg.value)
            .map_err(|reason| SuiteError::chain(msg.label, reason))
    }

    /// Dry-runs `msg` as `origin`: what sending it would return; changes nothing.
    fn dry_run<R: Decode>(
        &mut self,
        origin: &AccountId32,
        msg: Msg<R>,
    ) -> Result<Called<R>, SuiteError<std::convert::Infallible>> {
        self.query_raw::<R>(&msg.contract, origin, msg.data, msg.value)
            .map_err(|reason| SuiteError::chain(msg.label, reason))
    }

    /// Reads a message's value (a dry run as the deployer).
    fn read<R: Decode>(&mut self, msg: Msg<R>) -> Result<R, SuiteError<std::convert::Infallible>> {
        let origin = self.deployer();
        self.dry_run(&origin, msg).map(|called| called.value)
    }
}

/// A message's `Result` outcome as a typed refusal or its value.
fn split<T, E>(
    called: Called<Result<T, E>>,
    label: crate::msg::Label,
) -> Result<Called<T>, SuiteError<E>> {
    match called.value {
        Ok(value) => Ok(Called {
            value,
            reverted: called.reverted,
            weight: called.weight,
            storage_deposit: called.storage_deposit,
            events: called.events,
        }),
        Err(error) => Err(SuiteError::Refused {
            contract: label.contract,
            message: label.message,
            error,
        }),
    }
}

/// Where `scripts/build-contracts.sh` collects the release bundles: `$CGRID_BUNDLES`, else
/// `$CARGO_TARGET_DIR/bundles`, else where this program's build had them (the build's own
/// `CGRID_BUNDLES` or target directory: `scripts/env.sh` sets both), else `target/bundles` in
/// the checkout. The first of those that holds bundles; the first of all when none does.
pub fn bundle_dir() -> PathBuf {
    let candidates = bundle_dirs();
    candidates
        .iter()
        .find(|d| d.join("trade_escrow.wasm").is_file())
        .or(candidates.first())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("target/bundles"))
}

fn bundle_dirs() -> Vec<PathBuf> {
    let runtime = |var: &str| std::env::var_os(var).map(PathBuf::from);
    let built = |var: Option<&str>| var.map(PathBuf::from);
    [
        runtime("CGRID_BUNDLES"),
        runtime("CARGO_TARGET_DIR").map(|t| t.join("bundles")),
        built(option_env!("CGRID_BUNDLES")),
        built(option_env!("CARGO_TARGET_DIR")).map(|t| t.join("bundles")),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bundles")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The optimised release Wasm of contract `name`.
pub fn release_wasm(name: &str) -> Result<Vec<u8>, String> {
    let path = bundle_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}; build the bundles first with scripts/build-contracts.sh (or set CGRID_BUNDLES to where they are)",
            path.display()
        )
    })
}

/// An ink! `AccountId` for a chain account.
pub fn ink_account(account: &AccountId32) -> ink::primitives::AccountId {
    ink::primitives::AccountId::from(*<AccountId32 as AsRef<[u8; 32]>>::as_ref(account))
}

/// A chain account for an ink! `AccountId`.
pub fn chain_account(account: &ink::primitives::AccountId) -> AccountId32 {
    AccountId32::new(*<ink::primitives::AccountId as AsRef<[u8; 32]>>::as_ref(
        account,
    ))
}

/// Decodes a message's return data: ink! wraps every return value in `Result<_, LangError>`.
/// (Used by the backends: unused when the crate is built without one, as the fuzzers do.)
#[cfg_attr(not(any(feature = "embedded", feature = "node")), allow(dead_code))]
pub(crate) fn decode_return<T: Decode>(data: &[u8]) -> Result<T, String> {
    <Result<T, ink::LangError>>::decode(&mut &data[..])
        .map_err(|e| format!("cannot decode the return value: {e}"))?
        .map_err(|e| format!("ink! language error: {e:?}"))
}
