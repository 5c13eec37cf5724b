//! The role index: the few facts of the DID registry that the trade path asks on every call
//! (which DID holds a role through an account, whether a DID is active), kept by a contract of
//! their own so that asking them loads a small code instead of the registry's.
//!
//! The DID registry instantiates its index in its constructor, from a code hash compiled into
//! it, and is its only writer: every change of the registry that changes an answer (a DID
//! created or deactivated, a role granted, renewed or revoked) sends a [`RoleChange`] in the
//! same transaction, which reverts both if either fails. The index answers
//! [`RoleIndex::role_holders`] exactly as the registry's message of the same name, and
//! [`RoleIndex::are_active`] as its `is_active` of each DID (a differential test in e2e
//! compares them after every step).

use crate::did::{DidId, Role, RoleQuery, Timestamp};
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;

/// A change of the DID registry that the role index mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum RoleChange {
    /// `did` was created for `account`: the account's active DID.
    DidCreated {
        /// The new DID's account.
        account: AccountId,
        /// The new DID.
        did: DidId,
    },
    /// `did` (of `account`) was deactivated: inactive, no roles, no longer the account's DID.
    DidDeactivated {
        /// The DID's account.
        account: AccountId,
        /// The deactivated DID.
        did: DidId,
    },
    /// `role` was granted (or renewed) to the active DID `did` until `expires_at`.
    RoleGranted {
        /// The DID that holds the role.
        did: DidId,
        /// The role.
        role: Role,
        /// When it ends, in milliseconds since the Unix epoch.
        expires_at: Timestamp,
    },
    /// `role` was revoked from `did`.
    RoleRevoked {
        /// The DID that lost the role.
        did: DidId,
        /// The role.
        role: Role,
    },
}

/// Why the role index refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum RoleIndexError {
    /// Only the DID registry that instantiated the index may record changes.
    NotRegistry,
}

/// The role index's messages, as the DID registry (its writer) and the trade path's contracts
/// (its readers) call them.
#[ink::trait_definition]
pub trait RoleIndex {
    /// For each query, in order: the active DID bound to `account` if it holds `role` now,
    /// else `None` — as [`crate::DidRegistry::role_holders`] answers.
    #[ink(message)]
    fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>>;

    /// For each DID, in order: whether it exists and is not deactivated — as
    /// [`crate::DidRegistry::is_active`]. One call for every attestor of a reveal.
    #[ink(message)]
    fn are_active(&self, dids: Vec<DidId>) -> Vec<bool>;

    /// The DID registry that instantiated this index: its only writer.
    #[ink(message)]
    fn registry(&self) -> AccountId;

    /// Mirrors `change`. Only the registry may call.
    #[ink(message)]
    fn record(&mut self, change: RoleChange) -> Result<(), RoleIndexError>;
}

/// The role index at an address, as other contracts call it (each method one call of the
/// [`RoleIndex`] message of the same name). Contracts' unit tests use `testing::Roles`.
pub struct Roles {
    address: AccountId,
}

impl ink::env::ContractEnv for Roles {
    type Env = ink::env::DefaultEnvironment;
}

impl ink::env::call::FromAccountId<ink::env::DefaultEnvironment> for Roles {
    #[inline]
    fn from_account_id(address: AccountId) -> Self {
        Roles { address }
    }
}

impl Roles {
    /// The index at `address`.
    #[inline]
    pub fn at(address: AccountId) -> Self {
        Roles { address }
    }

    #[inline]
    fn call(&self) -> ink::contract_ref!(RoleIndex, ink::env::DefaultEnvironment) {
        self.address.into()
    }

    /// Instantiates a role index from `code_hash` (its constructor `new`, no value, no salt):
    /// the caller becomes its writer. Returns its address. Traps if the code is not on chain.
    #[inline]
    pub fn instantiate(code_hash: [u8; 32]) -> AccountId {
        use ink::env::call::{build_create, ExecutionInput, Selector};
        build_create::<Roles>()
            .code_hash(code_hash.into())
            .endowment(0)
            .exec_input(ExecutionInput::new(Selector::new(ink::selector_bytes!(
                "new"
            ))))
            .salt_bytes(&[] as &[u8])
            .returns::<Roles>()
            .instantiate()
            .address
    }

    /// [`RoleIndex::role_holders`].
    #[inline]
    pub fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>> {
        self.call().role_holders(queries)
    }

    /// [`RoleIndex::are_active`].
    #[inline]
    pub fn are_active(&self, dids: Vec<DidId>) -> Vec<bool> {
        self.call().are_active(dids)
    }

    /// [`RoleIndex::record`].
    #[inline]
    pub fn record(&self, change: RoleChange) -> Result<(), RoleIndexError> {
        self.call().record(change)
    }
}

/// A per-thread stand-in for the role index (feature `testing`): it answers from the DID
/// registry's stand-in table ([`crate::did::testing::Table`]), as the real index answers what
/// the registry wrote, and logs each [`RoleChange`] it is sent in the table's `role_changes`.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;
    use crate::did::testing::{with, Registry};

    /// The address [`Roles::instantiate`] returns.
    pub fn index() -> AccountId {
        AccountId::from([0x1D; 32])
    }

    /// As the on-chain [`super::Roles`], against this thread's table.
    pub struct Roles;

    impl Roles {
        /// The stand-in (the address is ignored).
        pub fn at(_address: AccountId) -> Self {
            Roles
        }

        /// [`index`]; counts the instantiation in the table's `role_indexes`.
        pub fn instantiate(_code_hash: [u8; 32]) -> AccountId {
            with(|t| t.role_indexes = t.role_indexes.saturating_add(1));
            index()
        }

        /// As the registry's stand-in answers `role_holders`.
        pub fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>> {
            Registry.role_holders(queries)
        }

        /// Whether each DID is listed in the table's `active`, as the registry's stand-in
        /// answers `is_active`; counted as one question in `activity_checks`.
        pub fn are_active(&self, dids: Vec<DidId>) -> Vec<bool> {
            with(|t| {
                t.activity_checks = t.activity_checks.saturating_add(1);
                dids.iter().map(|did| t.active.contains(did)).collect()
            })
        }

        /// Logs `change` in `role_changes`; refuses with `NotRegistry` while the table's
        /// `index_refuses` is set.
        pub fn record(&self, change: RoleChange) -> Result<(), RoleIndexError> {
            with(|t| {
                if t.index_refuses {
                    return Err(RoleIndexError::NotRegistry);
                }
                t.role_changes.push(change);
                Ok(())
            })
        }
    }
}
