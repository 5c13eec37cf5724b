//! # cgrid-e2e: the embedded chain harness
//!
//! An in-process pallet-contracts runtime (`ink_sandbox`'s `DefaultSandbox`, the runtime that
//! ink_e2e's `runtime_only` backend uses) with the few helpers that tests and benchmarks need:
//! deploy a release bundle built by `scripts/build-contracts.sh`, call a message by name, read
//! the weight it consumed, and set the block time.
//!
//! The ink_e2e tests in `tests/` exercise the contracts through their generated call builders;
//! this harness is for what ink_e2e does not expose (block time, exact weights of the release
//! Wasm) and for the benchmark binary.

use ink_sandbox::api::prelude::*;
use ink_sandbox::pallet_contracts::{Determinism, StorageDeposit};
use ink_sandbox::{DefaultSandbox, Sandbox};
use scale::{Decode, Encode};
use sp_core::hashing::blake2_256;
use std::path::PathBuf;

pub use ink_sandbox::{AccountId32, Weight};

pub mod market;
#[cfg(feature = "node")]
pub mod node;

/// What the suite's fixtures ([`market::Market`]) need from a chain: the embedded runtime
/// ([`Chain`]) and, with the `node` feature, a real node over RPC ([`node::Node`]) implement it.
///
/// A call that the contract reverts comes back as [`Called`] with `reverted` set and changes
/// nothing on either backend (the node backend dry-runs first and submits only what succeeds).
pub trait Backend {
    /// The deploying account: the suite's root authority.
    fn deployer(&mut self) -> AccountId32;
    /// A fresh account for fixture `hint` that this backend can sign for: the embedded chain
    /// takes the 32 bytes as the account, a node derives an sr25519 key from its deployer's.
    fn account(&mut self, hint: [u8; 32]) -> AccountId32;
    /// Registers an sr25519 key whose account transacts (the embedded chain needs no key).
    fn keyed_account(&mut self, pair: &sp_core::sr25519::Pair) -> AccountId32;
    /// Gives `who` `amount` (the embedded chain mints; a node transfers from the deployer).
    fn fund(&mut self, who: &AccountId32, amount: u128) -> Result<(), String>;
    /// The block time (ms) the next call sees.
    fn time(&mut self) -> u64;
    /// Moves the block time to at least `ms`: the embedded chain sets it, a node waits for the
    /// wall clock and seals a block.
    fn advance_to(&mut self, ms: u64) -> Result<(), String>;
    /// Whether [`Backend::advance_to`] is instant (simulated time) rather than a real wait.
    fn simulated_time(&self) -> bool;
    /// The number of the block the last transaction went into.
    fn last_block(&mut self) -> u64;
    /// Uploads and instantiates `wasm`; returns the address and the weight consumed.
    fn deploy_weighed(
        &mut self,
        wasm: &[u8],
        constructor: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Weight), String>;
    /// Calls a message transferring `value` and commits its effects unless the contract
    /// reverts.
    fn call_payable<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: u128,
    ) -> Result<Called<T>, String>;
    /// [`Backend::call_payable`] without a transfer.
    fn call<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
    ) -> Result<Called<T>, String> {
        self.call_payable(contract, origin, data, 0)
    }
    /// Runs a message and discards every effect (an RPC dry run).
    fn query<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
    ) -> Result<Called<T>, String>;
    /// The free balance of `who`.
    fn balance(&mut self, who: &AccountId32) -> u128;
}

/// Where `scripts/build-contracts.sh` collects the release bundles: `$CGRID_BUNDLES`, else
/// `<cargo target dir>/bundles`.
pub fn bundle_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CGRID_BUNDLES") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bundles")
}

/// The optimised release Wasm of contract `name`.
pub fn release_wasm(name: &str) -> Result<Vec<u8>, String> {
    let path = bundle_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}; build the bundles first with scripts/build-contracts.sh",
            path.display()
        )
    })
}

/// The 4-byte selector of an ink! message or constructor: blake2-256 of its name, as ink! 5
/// derives it (`"Trait::message"` for trait messages).
pub fn selector(name: &str) -> [u8; 4] {
    let hash = blake2_256(name.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// Call data: selector of `name` followed by the SCALE encoding of `args` (a tuple for several).
pub fn call_data<A: Encode>(name: &str, args: A) -> Vec<u8> {
    let mut data = selector(name).to_vec();
    args.encode_to(&mut data);
    data
}

/// An ink! `AccountId` for a sandbox account.
pub fn ink_account(account: &AccountId32) -> ink::primitives::AccountId {
    ink::primitives::AccountId::from(*<AccountId32 as AsRef<[u8; 32]>>::as_ref(account))
}

/// A sandbox account from 32 bytes (e.g. an sr25519 public key).
pub fn account(bytes: [u8; 32]) -> AccountId32 {
    AccountId32::new(bytes)
}

/// An sr25519 verification method for a DID document.
pub fn sr_method(
    id: &str,
    pair: &sp_core::sr25519::Pair,
    purposes: cgrid_shared::KeyPurposes,
) -> cgrid_shared::VerificationMethod {
    use sp_core::Pair as _;
    cgrid_shared::VerificationMethod {
        id: id.into(),
        key_type: cgrid_shared::KeyType::Sr25519,
        public_key: pair.public().0.to_vec(),
        purposes,
    }
}

/// An sr25519 signature over blake2-256 of `preimage`, as the contracts verify it.
pub fn sign(pair: &sp_core::sr25519::Pair, preimage: &[u8]) -> [u8; 64] {
    use sp_core::Pair as _;
    let signature = pair.sign(&blake2_256(preimage));
    <[u8; 64]>::try_from(AsRef::<[u8]>::as_ref(&signature))
        .expect("sr25519 signatures are 64 bytes")
}

/// The decoded outcome of one message call.
#[derive(Debug)]
pub struct Called<T> {
    pub value: T,
    /// Whether the contract reverted its state (a message returning `Err` does).
    pub reverted: bool,
    pub weight: Weight,
    /// Storage deposit the call moved: positive = charged to the origin, negative = refunded.
    pub storage_deposit: i128,
}

/// The embedded chain.
pub struct Chain {
    sandbox: DefaultSandbox,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    pub const TOKENS: u128 = 1_000_000_000_000_000;

    pub fn new() -> Self {
        Self {
            sandbox: DefaultSandbox::default(),
        }
    }

    /// Mints `amount` to `who`.
    pub fn fund(&mut self, who: &AccountId32, amount: u128) {
        self.sandbox
            .mint_into(who, amount)
            .expect("minting in the sandbox cannot fail for a fresh amount");
    }

    pub fn set_time(&mut self, ms: u64) {
        self.sandbox.set_timestamp(ms);
    }

    pub fn time(&mut self) -> u64 {
        self.sandbox.get_timestamp()
    }

    /// Uploads and instantiates `wasm` with constructor call data `constructor`.
    pub fn deploy(
        &mut self,
        wasm: &[u8],
        constructor: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<AccountId32, String> {
        self.deploy_weighed(wasm, constructor, origin, salt)
            .map(|(address, _)| address)
    }

    /// [`Chain::deploy`], also returning the weight of upload plus instantiation.
    pub fn deploy_weighed(
        &mut self,
        wasm: &[u8],
        constructor: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Weight), String> {
        let result = self.sandbox.deploy_contract(
            wasm.to_vec(),
            0,
            constructor,
            salt.to_vec(),
            origin.clone(),
            DefaultSandbox::default_gas_limit(),
            None,
        );
        let weight = result.gas_consumed;
        let debug = String::from_utf8_lossy(&result.debug_message).into_owned();
        let ok = result
            .result
            .map_err(|e| format!("instantiation failed: {e:?} {debug}"))?;
        if ok.result.did_revert() {
            return Err(format!("constructor reverted {debug}"));
        }
        Ok((ok.account_id, weight))
    }

    /// Calls a message and commits its effects (unless the contract reverts).
    pub fn call<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
    ) -> Result<Called<T>, String> {
        call_on(&mut self.sandbox, contract, origin, data, 0)
    }

    /// [`Chain::call`] transferring `value` with the call (a payable message).
    pub fn call_payable<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: u128,
    ) -> Result<Called<T>, String> {
        call_on(&mut self.sandbox, contract, origin, data, value)
    }

    /// The free balance of `who`.
    pub fn balance(&mut self, who: &AccountId32) -> u128 {
        self.sandbox.free_balance(who)
    }

    /// Like [`Chain::call`], but every effect is discarded (an RPC dry run).
    pub fn query<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
    ) -> Result<Called<T>, String> {
        self.sandbox
            .dry_run(|sandbox| call_on(sandbox, contract, origin, data, 0))
    }
}

impl Backend for Chain {
    fn deployer(&mut self) -> AccountId32 {
        account([1; 32])
    }

    fn account(&mut self, hint: [u8; 32]) -> AccountId32 {
        account(hint)
    }

    fn keyed_account(&mut self, pair: &sp_core::sr25519::Pair) -> AccountId32 {
        use sp_core::Pair as _;
        account(pair.public().0)
    }

    fn fund(&mut self, who: &AccountId32, amount: u128) -> Result<(), String> {
        Chain::fund(self, who, amount);
        Ok(())
    }

    fn time(&mut self) -> u64 {
        Chain::time(self)
    }

    fn advance_to(&mut self, ms: u64) -> Result<(), String> {
        self.set_time(ms);
        Ok(())
    }

    fn simulated_time(&self) -> bool {
        true
    }

    fn last_block(&mut self) -> u64 {
        u64::from(self.sandbox.block_number())
    }

    fn deploy_weighed(
        &mut self,
        wasm: &[u8],
        constructor: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Weight), String> {
        Chain::deploy_weighed(self, wasm, constructor, origin, salt)
    }

    fn call_payable<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: u128,
    ) -> Result<Called<T>, String> {
        Chain::call_payable(self, contract, origin, data, value)
    }

    fn query<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
    ) -> Result<Called<T>, String> {
        Chain::query(self, contract, origin, data)
    }

    fn balance(&mut self, who: &AccountId32) -> u128 {
        Chain::balance(self, who)
    }
}

fn call_on<T: Decode>(
    sandbox: &mut DefaultSandbox,
    contract: &AccountId32,
    origin: &AccountId32,
    data: Vec<u8>,
    value: u128,
) -> Result<Called<T>, String> {
    let result = sandbox.call_contract(
        contract.clone(),
        value,
        data,
        origin.clone(),
        DefaultSandbox::default_gas_limit(),
        None,
        Determinism::Enforced,
    );
    let weight = result.gas_consumed;
    let storage_deposit = match result.storage_deposit {
        StorageDeposit::Charge(b) => i128::try_from(b).unwrap_or(i128::MAX),
        StorageDeposit::Refund(b) => -i128::try_from(b).unwrap_or(i128::MAX),
    };
    let debug = String::from_utf8_lossy(&result.debug_message).into_owned();
    let ret = result
        .result
        .map_err(|e| format!("call trapped: {e:?} {debug}"))?;
    let decoded = <Result<T, ink::LangError>>::decode(&mut &ret.data[..])
        .map_err(|e| format!("cannot decode the return value: {e}"))?
        .map_err(|e| format!("ink! language error: {e:?}"))?;
    Ok(Called {
        value: decoded,
        reverted: ret.did_revert(),
        weight,
        storage_deposit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_ink() {
        // ink! 5: the selector of `flip` is 0x633aa551 (documented in ink!'s own tests).
        assert_eq!(selector("flip"), [0x63, 0x3a, 0xa5, 0x51]);
    }

    #[test]
    fn call_data_appends_scale_arguments() {
        let data = call_data("flip", (7u32, true));
        assert_eq!(&data[..4], &selector("flip"));
        assert_eq!(&data[4..], &[7, 0, 0, 0, 1]);
    }
}
