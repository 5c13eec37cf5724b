//! # role_index
//!
//! The DID registry's answers that the trade path needs on every call — which DID holds a role
//! through an account (`role_holders`) and whether DIDs are active (`are_active`) — kept by a
//! contract of their own, so that the escrow's `open`, the auction's `create_auction`,
//! `commit`, `reveal` and `finalize` and the mask registry's `mask` load this small code
//! instead of the registry's (every call charges the code of each contract it touches to the
//! block's proof).
//!
//! ## What it guarantees
//! - **The registry alone writes it.** The DID registry instantiates its index in its own
//!   constructor, from a code hash compiled into the registry, so the index's writer is that
//!   registry, for ever: `record` from any other caller is refused with `NotRegistry`. Nobody
//!   can rewire a registry to another index, and the index has no other message that changes
//!   anything.
//! - **It answers as the registry does.** Every change of the registry that changes an answer
//!   (a DID created or deactivated, a role granted, renewed or revoked) records a
//!   [`cgrid_shared::RoleChange`] here in the same transaction, which reverts both if either
//!   fails; `role_holders` and `are_active` then decide exactly as the registry's
//!   `role_holders` and `is_active` (a role counts while granted, unexpired and the DID
//!   active). An e2e differential test drives random changes through the registry and
//!   compares both answers after every step.
//! - **Grants of active DIDs only.** A grant recorded for a DID that is not active is not kept,
//!   and a deactivation removes the DID's grants and its account binding, so `role_holders`
//!   reads two items per query (the account's DID, the grant) and needs no third read to ask
//!   whether the DID is active.
//! - Masks do not change the answers, as in the registry. The index emits no events: the
//!   registry's events record every change.

#![cfg_attr(not(feature = "std"), no_std, no_main)]
// Contract code never panics on an unwrap, an expect or an out-of-range index (issue 15's
// static checks); tests may.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub use self::role_index::{RoleIndex, RoleIndexRef};
#[cfg(test)]
use cgrid_shared::{DidId, Role, RoleChange, RoleIndexError, RoleQuery};

#[ink::contract]
mod role_index {
    use cgrid_shared::{DidId, Role, RoleChange, RoleIndexError, RoleQuery};
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;

    #[ink(storage)]
    pub struct RoleIndex {
        /// The DID registry that instantiated this index: its only writer.
        registry: AccountId,
        /// The active DID of each account.
        account_did: Mapping<AccountId, DidId>,
        /// The active DIDs.
        active: Mapping<DidId, ()>,
        /// The expiry of each role granted to a DID (revoked and deactivated grants removed).
        pub(crate) grants: Mapping<(DidId, Role), Timestamp>,
    }

    // `new` reads the caller, which a `Default` impl should not do.
    #[allow(clippy::new_without_default)]
    impl RoleIndex {
        /// An empty index whose writer is the caller: the DID registry, which instantiates it
        /// in its constructor.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {
                registry: Self::env().caller(),
                account_did: Mapping::default(),
                active: Mapping::default(),
                grants: Mapping::default(),
            }
        }
    }

    impl cgrid_shared::RoleIndex for RoleIndex {
        /// For each query, in order: the active DID bound to `account` if it holds `role` now
        /// (granted, unexpired, DID active), else `None`. Anyone may call.
        #[ink(message)]
        fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>> {
            let now = self.env().block_timestamp();
            queries
                .into_iter()
                .map(|RoleQuery { account, role }| {
                    // Only an active DID has grants here (`apply`): two reads per query.
                    self.account_did
                        .get(account)
                        .filter(|did| self.grants.get((*did, role)).is_some_and(|exp| now < exp))
                })
                .collect()
        }

        /// For each DID, in order: whether it was created and is not deactivated. Anyone may
        /// call.
        #[ink(message)]
        fn are_active(&self, dids: Vec<DidId>) -> Vec<bool> {
            dids.into_iter()
                .map(|did| self.active.contains(did))
                .collect()
        }

        /// The DID registry that writes this index. Anyone may call.
        #[ink(message)]
        fn registry(&self) -> AccountId {
            self.registry
        }

        /// Mirrors a change of the registry. Only the registry may call.
        ///
        /// Errors: `NotRegistry`.
        #[ink(message)]
        fn record(&mut self, change: RoleChange) -> Result<(), RoleIndexError> {
            if self.env().caller() != self.registry {
                return Err(RoleIndexError::NotRegistry);
            }
            self.apply(change);
            Ok(())
        }
    }

    impl RoleIndex {
        /// The one home of what each change means here; the caller has checked the writer.
        fn apply(&mut self, change: RoleChange) {
            match change {
                RoleChange::DidCreated { account, did } => {
                    self.account_did.insert(account, &did);
                    self.active.insert(did, &());
                }
                RoleChange::DidDeactivated { account, did } => {
                    if self.account_did.get(account) == Some(did) {
                        self.account_did.remove(account);
                    }
                    self.active.remove(did);
                    for role in Role::ALL {
                        self.grants.remove((did, role));
                    }
                }
                RoleChange::RoleGranted {
                    did,
                    role,
                    expires_at,
                } => {
                    // The registry grants to active DIDs only; the index keeps that true itself.
                    if self.active.contains(did) {
                        self.grants.insert((did, role), &expires_at);
                    }
                }
                RoleChange::RoleRevoked { did, role } => {
                    self.grants.remove((did, role));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
