//! # cgrid-e2e: the suite's end-to-end tests, their test parties and the benchmark
//!
//! The chain access, typed calls and deployment are `cgrid-suite`'s; this crate adds the test
//! parties ([`parties::Parties`]: every party's keys, for tests only), the ink_e2e tests in
//! `tests/` and the benchmark binary (`src/bin/bench`).

pub mod pallet_wasm;
pub mod parties;

pub use cgrid_suite::embedded::Embedded;
pub use cgrid_suite::{
    chain_account, ink_account, release_wasm, AccountId32, Backend, Called, Signer, Suite,
    SuiteError, Weight,
};

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
    pair.sign(&sp_core::hashing::blake2_256(preimage)).0
}
