//! # mask_registry
//!
//! Regulatory shielding of on-chain records without tampering, as FISCO BCOS freezes by
//! committee (a flag; content untouched) and Fabric purges private data but keeps its hash.
//!
//! ## What it guarantees
//! - **Only regulators mask.** The caller must hold the Regulator role, unexpired (asked of the
//!   DID registry's role index, which answers as the registry does).
//!   A mask names its target (DID, CPT, credential, trade, or any contract + key), its scope
//!   (the whole record or named fields), whether the owner may still write, a reason code, the
//!   hash of the off-chain evidence and the record's content hash at masking time.
//! - **Masking never changes the target.** It is a flag kept here; the record stays where it is,
//!   bit for bit. Read paths of the other contracts ask `MaskRegistry::mask_of`, or
//!   `masks_of` for several targets in one call (a trade and its parties' DIDs).
//! - **Unmasking needs m of n.** The root authority configures the committee (n regulators,
//!   ≤ 16) and the quorum m — one other authority cannot seat itself, nor grant or revoke the
//!   Regulator role (did_registry), nor unwire the registry from the record-keeping contracts;
//!   each member approves once; an approval counts only while it is younger than the
//!   configured time-to-live, its member is on the committee and still holds the Regulator
//!   role (checked for every standing approval at each approval); the m-th live approval lifts
//!   the mask.
//! - **Audit trail.** Every mask, approval, unmask and committee change is an event with who,
//!   when, what and the reason hash. Every failure returns a typed [`Error`] and changes
//!   nothing.
//!
//! ## What a mask hides
//! Every read message that returns a masked record's content withholds what the mask names:
//! `resolve` and `did_of` (did_registry), `cpt`, `verify` and `anchor_of` (vc_templates; a
//! trade's trade-start and settlement credentials also honour the trade's mask), `channel`
//! (trade_escrow; a party whose DID is masked so that its account is hidden is withheld too)
//! and `auction` (incentive_auction, under the mask of the trade it opened). Events emitted
//! after a mask do not publish what it withholds: a DID update names no hidden account and no
//! operation on a withheld field, and no system credential's `CredentialAnchored` names its
//! subject at all (a mask placed later could not take it back).
//!
//! ## What a mask cannot hide
//! It cannot make public data private. Contract storage and past events are public: anyone
//! reading raw storage or the chain's history sees a masked record in full, and events emitted
//! before the mask (`ChannelOpened` names both accounts and the price; `DidCreated` and earlier
//! `DidUpdated` carry document content) stay. A transaction's sender is public, so a masked
//! DID's owner who writes to it shows its account. The predicates other contracts' rules need
//! answer truthfully and so confirm a guessed link: `has_role`, `can_act_for`, `is_active`,
//! `role_holders` (did_registry) and an auction's `commitment(id, bidder)`; `anchor_of` shows a
//! calling contract the anchor as it is (another contract's rules need the truth), so a
//! contract deployed to read it can, as raw storage can. The accounting of a
//! trade is never withheld (everyone must be able to check that no money is lost), so under a
//! price mask `paid` over the nonces or the settled time still shows the average price, and
//! system credentials' claims roots are salted with their public ids, so a guessed price or
//! spec can be confirmed against them.
//!
//! ## Two code blobs
//! The address runs the **main code**: the reads other contracts ask on their read paths
//! (`is_masked`, `mask_of`, `masks_of`) and the small getters (`counts`, `did_registry`).
//! Masking, unmasking and the committee (`mask`, `approve_unmask`, `set_committee`,
//! `committee`) live in the **cold code**, which the main code delegate-calls with the call's
//! own input, cloned by the host (`cgrid_shared::split`): a masked read elsewhere loads the
//! small blob only. The main code names the cold code by a hash compiled into it and locks it
//! as a delegate dependency when instantiated; both read and write the same storage, and the
//! ABI is that of one contract.

#![cfg_attr(not(feature = "std"), no_std, no_main)]
// A split build compiles each body in one of the two blobs only (`cgrid_shared::split`).
#![cfg_attr(
    any(feature = "split-main", feature = "split-cold"),
    allow(dead_code, unused_imports, unused_variables)
)]
// Contract code never panics on an unwrap, an expect or an out-of-range index (issue 15's
// static checks); tests may.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub use self::mask_registry::{Error, MaskRegistry, MaskRegistryRef, Result};

/// The contract's events, for off-chain decoders (`cgrid-suite`).
pub mod events {
    pub use super::mask_registry::{CommitteeSet, Masked, UnmaskApproved, Unmasked};
}

/// Largest unmask committee.
pub const MAX_COMMITTEE: u32 = 16;
/// Most named fields in a scope.
pub const MAX_SCOPE_FIELDS: u32 = 16;
/// Longest field name, in bytes.
pub const MAX_FIELD_LEN: u32 = 32;
/// Shortest life of an unmask approval, in milliseconds (1 minute).
pub const MIN_APPROVAL_TTL: u64 = 60_000;
/// Longest life of an unmask approval, in milliseconds (30 days).
pub const MAX_APPROVAL_TTL: u64 = 30 * 24 * 3_600_000;

#[ink::contract]
mod mask_registry {
    use crate::{
        MAX_APPROVAL_TTL, MAX_COMMITTEE, MAX_FIELD_LEN, MAX_SCOPE_FIELDS, MIN_APPROVAL_TTL,
    };
    use cgrid_shared::{cold_code, in_cold_code, in_main_code, lock_cold_code};
    use cgrid_shared::{DidId, Mask, Role, RoleQuery, Scope, Target};
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;

    // The DID registry through the shared client on chain, its per-thread double in unit tests
    // (ink!'s off-chain environment cannot call other contracts).
    #[cfg(test)]
    use cgrid_shared::testing::{did::Registry, roles::Roles};
    #[cfg(not(test))]
    use cgrid_shared::{Registry, Roles};

    // ------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------

    #[ink(storage)]
    pub struct MaskRegistry {
        did_registry: AccountId,
        /// The DID registry's role index (`DidRegistry::role_index`, asked at instantiation),
        /// which answers the regulators' role questions from a small code.
        role_index: AccountId,
        /// Current masks by `Target::key()`.
        masks: Mapping<[u8; 32], Mask>,
        /// Regulators whose approvals count towards an unmask.
        committee: Vec<AccountId>,
        /// Approvals needed to unmask (0 until the root authority configures the committee).
        quorum: u8,
        /// How long an approval counts, in milliseconds.
        approval_ttl: Timestamp,
        /// Targets masked now.
        masked: u64,
        /// Masks ever applied (for the audit trail's numbering).
        masks_applied: u64,
    }

    /// The unmask committee as `committee` returns it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct Committee {
        /// The members' accounts (empty until the root authority calls `set_committee`).
        pub members: Vec<AccountId>,
        /// Live approvals needed to lift a mask (0 while no committee is configured).
        pub quorum: u8,
        /// How long one member's approval counts, in milliseconds.
        pub approval_ttl: Timestamp,
    }

    /// The registry's counters as `counts` returns them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct MaskCounts {
        /// Targets masked now.
        pub masked_now: u64,
        /// Masks ever applied, lifted ones included.
        pub masks_applied: u64,
    }

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------

    /// A regulator masked a record.
    #[ink(event)]
    pub struct Masked {
        /// The mask's key: `Target::key()` of `target`, the topic to follow the mask by.
        #[ink(topic)]
        pub key: [u8; 32],
        /// The regulator who masked it.
        #[ink(topic)]
        pub by: AccountId,
        /// The masked record.
        pub target: Target,
        /// What the mask withholds: the whole record or the named fields.
        pub scope: Scope,
        /// Whether the record's owner may still write to it while masked.
        pub owner_may_write: bool,
        /// The regulator's reason code (its catalogue is off chain).
        pub reason_code: u16,
        /// Hash of the regulator's off-chain evidence.
        pub reason_hash: [u8; 32],
        /// Hash of the record's content when it was masked, as the regulator stated it (not
        /// checked on chain).
        pub content_hash: [u8; 32],
        /// When the mask was applied, in milliseconds since the Unix epoch.
        pub at: Timestamp,
    }

    /// A committee member approved lifting a mask.
    #[ink(event)]
    pub struct UnmaskApproved {
        /// The mask's key (`Target::key()` of the masked record).
        #[ink(topic)]
        pub key: [u8; 32],
        /// The committee member who approved.
        #[ink(topic)]
        pub by: AccountId,
        /// Live approvals now, this one included.
        pub live_approvals: u8,
        /// Live approvals needed to lift the mask.
        pub quorum: u8,
        /// When, in milliseconds since the Unix epoch.
        pub at: Timestamp,
    }

    /// The quorum was reached: the mask is lifted.
    #[ink(event)]
    pub struct Unmasked {
        /// The lifted mask's key (`Target::key()` of `target`).
        #[ink(topic)]
        pub key: [u8; 32],
        /// The record that is no longer masked.
        pub target: Target,
        /// The members whose live approvals lifted it, in the order they approved.
        pub approvers: Vec<AccountId>,
        /// When, in milliseconds since the Unix epoch.
        pub at: Timestamp,
    }

    /// The root authority configured the unmask committee.
    #[ink(event)]
    pub struct CommitteeSet {
        /// The root authority of the DID registry.
        #[ink(topic)]
        pub by: AccountId,
        /// The members' accounts.
        pub committee: Vec<AccountId>,
        /// Live approvals needed to lift a mask.
        pub quorum: u8,
        /// How long one member's approval counts, in milliseconds.
        pub approval_ttl: Timestamp,
    }

    // ------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------

    /// Why the mask registry refused a message; nothing was changed.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Only the root authority of the DID registry may do this: send it from that account.
        NotRoot,
        /// The caller does not hold the Regulator role (or it expired): the root authority of
        /// the DID registry grants and renews it.
        NotRegulator,
        /// The caller is not on the unmask committee (see `committee`).
        NotCommitteeMember,
        /// No committee is configured yet: the root authority must call `set_committee` first.
        NoCommittee,
        /// Needs 1 ≤ quorum ≤ committee size ≤ `MAX_COMMITTEE` (16), members distinct: fix the
        /// member list or the quorum.
        BadCommittee {
            /// The number of accounts passed (repeats included).
            size: u32,
            /// The quorum passed.
            quorum: u8,
        },
        /// The approval TTL is outside the allowed range: pass a value between `min` and `max`
        /// ms (1 minute to 30 days).
        BadApprovalTtl {
            /// The TTL passed, in milliseconds.
            got: u64,
            /// The shortest allowed, in milliseconds (`MIN_APPROVAL_TTL`).
            min: u64,
            /// The longest allowed, in milliseconds (`MAX_APPROVAL_TTL`).
            max: u64,
        },
        /// A field scope needs 1–`MAX_SCOPE_FIELDS` (16) distinct names of 1–`MAX_FIELD_LEN`
        /// (32) bytes: fix the list, or mask the whole record (`Scope::Whole`).
        BadScope,
        /// The target's read path has no such field (see `Target::fields`). A DID knows
        /// `account`, `controller`, `verificationMethod`, `service`; a template `title`,
        /// `description`, `properties`; a trade `consumer`, `provider`, `price`.
        UnknownField {
            /// The first name in the scope that the target does not know.
            field: ink::prelude::string::String,
        },
        /// The target is masked already. A mask cannot be changed, only lifted by the
        /// committee (`approve_unmask`).
        AlreadyMasked,
        /// The target is not masked (never was, or the mask was lifted): nothing to approve.
        NotMasked,
        /// This member's approval is still live: wait for the other members, or until it is
        /// older than the approval TTL.
        AlreadyApproved,
        /// A counter would overflow; the operation cannot be done.
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    cold_code!();

    cgrid_shared::split_entry_points!(MaskRegistry, deny_payment = true, cold = [
        1: "set_committee", "mask", "approve_unmask", "committee";
    ]);

    // ------------------------------------------------------------------------------------
    // Constructors and messages
    // ------------------------------------------------------------------------------------

    impl MaskRegistry {
        /// Wires the registry to the DID registry, which answers who is root, and to its role
        /// index (asked here), which answers who holds the Regulator role. The root authority then configures the unmask committee
        /// (`set_committee`); until then regulators can mask, but no mask can be lifted.
        #[ink(constructor)]
        pub fn new(did_registry: AccountId) -> Self {
            lock_cold_code!();
            cgrid_shared::wired_in_cold_code!(Self {
                did_registry,
                // Asked of the registry by `wire`.
                role_index: did_registry,
                masks: Mapping::default(),
                committee: Vec::new(),
                quorum: 0,
                approval_ttl: 0,
                masked: 0,
                masks_applied: 0,
            })
        }

        /// The end of `new` in the split build, run by the cold code: asks the DID registry
        /// for its role index (`wire`). Reached only from `new`: the main code's constructor
        /// stores the registry as `new` built it before that question and calls this message in
        /// this code (`cgrid_shared::split::construct`); no message of the main code has its
        /// selector (`cgrid_shared::split::WIRE_SELECTOR`), so no call of a deployed mask
        /// registry gets here.
        #[cfg(feature = "split-cold")]
        #[ink(message, selector = 0x77697265)]
        pub fn wire_new(&mut self) {
            self.wire();
        }

        /// Sets the unmask committee, its quorum and how long an approval counts. Root
        /// authority only: one other authority must not seat itself as a committee of one.
        /// Pending approvals of members no longer on the committee stop counting.
        ///
        /// Errors: `NotRoot`, `BadCommittee`, `BadApprovalTtl`.
        /// Emits: `CommitteeSet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold"))]
        #[ink(message)]
        pub fn set_committee(
            &mut self,
            committee: Vec<AccountId>,
            quorum: u8,
            approval_ttl: Timestamp,
        ) -> Result<()> {
            in_cold_code!();
            let by = self.env().caller();
            if !Registry::at(self.did_registry).is_root(by) {
                return Err(Error::NotRoot);
            }
            let size = u32::try_from(committee.len()).unwrap_or(u32::MAX);
            let distinct = committee
                .iter()
                .enumerate()
                .all(|(i, a)| !committee.iter().take(i).any(|b| b == a));
            if quorum == 0 || u32::from(quorum) > size || size > MAX_COMMITTEE || !distinct {
                return Err(Error::BadCommittee { size, quorum });
            }
            if !(MIN_APPROVAL_TTL..=MAX_APPROVAL_TTL).contains(&approval_ttl) {
                return Err(Error::BadApprovalTtl {
                    got: approval_ttl,
                    min: MIN_APPROVAL_TTL,
                    max: MAX_APPROVAL_TTL,
                });
            }
            self.committee = committee.clone();
            self.quorum = quorum;
            self.approval_ttl = approval_ttl;
            self.env().emit_event(CommitteeSet {
                by,
                committee,
                quorum,
                approval_ttl,
            });
            Ok(())
        }

        /// Masks `target` (Regulator role, unexpired): the read paths that honour masks then
        /// withhold what `scope` names. Records the reason code, the evidence hash and the
        /// content hash as given (none is checked on chain). The target itself is not touched.
        ///
        /// Errors: `NotRegulator`, `BadScope`, `UnknownField`, `AlreadyMasked`, `Overflow`.
        /// Emits: `Masked`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold"))]
        #[ink(message)]
        pub fn mask(
            &mut self,
            target: Target,
            scope: Scope,
            owner_may_write: bool,
            reason_code: u16,
            reason_hash: [u8; 32],
            content_hash: [u8; 32],
        ) -> Result<()> {
            in_cold_code!();
            let by = self.env().caller();
            let now = self.env().block_timestamp();
            check_scope(&target, &scope)?;
            let key = target.key();
            if self.masks.contains(key) {
                return Err(Error::AlreadyMasked);
            }
            self.ensure_regulator(by)?;
            self.masked = self.masked.checked_add(1).ok_or(Error::Overflow)?;
            self.masks_applied = self.masks_applied.checked_add(1).ok_or(Error::Overflow)?;
            self.masks.insert(
                key,
                &Mask {
                    scope: scope.clone(),
                    owner_may_write,
                    reason_code,
                    reason_hash,
                    content_hash,
                    by,
                    since: now,
                    approvals: Vec::new(),
                },
            );
            self.env().emit_event(Masked {
                key,
                by,
                target,
                scope,
                owner_may_write,
                reason_code,
                reason_hash,
                content_hash,
                at: now,
            });
            Ok(())
        }

        /// Approves lifting the mask on `target` (committee member holding the Regulator
        /// role). Approvals older than the time-to-live, or of members no longer on the
        /// committee or no longer holding the Regulator role, are dropped first; the quorum-th
        /// live approval lifts the mask. Returns whether the mask was lifted.
        ///
        /// Errors: `NoCommittee`, `NotCommitteeMember`, `NotRegulator`, `NotMasked`,
        /// `AlreadyApproved`, `Overflow`.
        /// Emits: `UnmaskApproved`, and `Unmasked` when the quorum is reached.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold"))]
        #[ink(message)]
        pub fn approve_unmask(&mut self, target: Target) -> Result<bool> {
            in_cold_code!();
            let by = self.env().caller();
            let now = self.env().block_timestamp();
            if self.quorum == 0 {
                return Err(Error::NoCommittee);
            }
            if !self.committee.contains(&by) {
                return Err(Error::NotCommitteeMember);
            }
            let key = target.key();
            let mut mask = self.masks.get(key).ok_or(Error::NotMasked)?;
            let ttl = self.approval_ttl;
            let committee = &self.committee;
            mask.approvals
                .retain(|(who, at)| committee.contains(who) && now < at.saturating_add(ttl));
            if mask.approvals.iter().any(|(who, _)| *who == by) {
                return Err(Error::AlreadyApproved);
            }
            // One registry call checks the caller and every standing approver: an approval
            // counts only while its member still holds the Regulator role (issue 15, finding 7).
            let mut members: Vec<AccountId> = mask.approvals.iter().map(|(who, _)| *who).collect();
            members.push(by);
            let regulators = hold_role(&Roles::at(self.role_index), &members, Role::Regulator);
            if regulators.last() != Some(&true) {
                return Err(Error::NotRegulator);
            }
            let mut still = regulators.iter();
            mask.approvals
                .retain(|_| still.next().copied().unwrap_or(false));
            mask.approvals.push((by, now));
            let live = u8::try_from(mask.approvals.len()).map_err(|_| Error::Overflow)?;
            self.env().emit_event(UnmaskApproved {
                key,
                by,
                live_approvals: live,
                quorum: self.quorum,
                at: now,
            });
            if live < self.quorum {
                self.masks.insert(key, &mask);
                return Ok(false);
            }
            self.masks.remove(key);
            self.masked = self.masked.checked_sub(1).ok_or(Error::Overflow)?;
            self.env().emit_event(Unmasked {
                key,
                target,
                approvers: mask.approvals.into_iter().map(|(who, _)| who).collect(),
                at: now,
            });
            Ok(true)
        }

        /// The committee, its quorum and the approval time-to-live.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold"))]
        #[ink(message)]
        pub fn committee(&self) -> Committee {
            in_cold_code!();
            Committee {
                members: self.committee.clone(),
                quorum: self.quorum,
                approval_ttl: self.approval_ttl,
            }
        }

        /// Targets masked now, and masks ever applied.
        #[ink(message)]
        #[cfg(not(feature = "split-cold"))]
        pub fn counts(&self) -> MaskCounts {
            MaskCounts {
                masked_now: self.masked,
                masks_applied: self.masks_applied,
            }
        }

        /// The DID registry this registry asks about root and the Regulator role.
        #[ink(message)]
        #[cfg(not(feature = "split-cold"))]
        pub fn did_registry(&self) -> AccountId {
            self.did_registry
        }

        // --------------------------------------------------------------------------------
        // Private helpers
        // --------------------------------------------------------------------------------

        /// `new`'s last step: the DID registry's role index, asked of the registry (one call,
        /// which only instantiation makes; in the split build the cold code makes it, see
        /// `cgrid_shared::wired_in_cold_code!`).
        #[cfg_attr(any(feature = "split-main", feature = "split-cold"), allow(dead_code))]
        fn wire(&mut self) {
            self.role_index = Registry::at(self.did_registry).role_index();
        }

        fn ensure_regulator(&self, account: AccountId) -> Result<()> {
            let held = hold_role(&Roles::at(self.role_index), &[account], Role::Regulator);
            if held.first() == Some(&true) {
                Ok(())
            } else {
                Err(Error::NotRegulator)
            }
        }
    }

    impl cgrid_shared::MaskRegistry for MaskRegistry {
        /// Whether `target` is masked now (one storage read). Anyone may ask.
        #[ink(message)]
        fn is_masked(&self, target: Target) -> bool {
            in_main_code!();
            self.masks.contains(target.key())
        }

        /// The mask on `target`, if any: its scope, who masked it, when, why, and the unmask
        /// approvals recorded (expired ones go at the next approval). Anyone may ask.
        #[ink(message)]
        fn mask_of(&self, target: Target) -> Option<cgrid_shared::Mask> {
            in_main_code!();
            self.masks.get(target.key())
        }

        /// The mask on each of `targets`, in order (as `mask_of` answers each): what the
        /// other contracts' reads ask, once per read. Anyone may ask.
        #[ink(message)]
        fn masks_of(&self, targets: Vec<Target>) -> Vec<Option<cgrid_shared::Mask>> {
            in_main_code!();
            targets
                .iter()
                .map(|target| self.masks.get(target.key()))
                .collect()
        }
    }

    /// For each account, whether it holds `role` now (one `role_holders` call to `registry`).
    fn hold_role(registry: &Roles, accounts: &[AccountId], role: Role) -> Vec<bool> {
        let queries = accounts
            .iter()
            .map(|a| RoleQuery { account: *a, role })
            .collect();
        let holders: Vec<Option<DidId>> = registry.role_holders(queries);
        accounts
            .iter()
            .enumerate()
            .map(|(i, _)| holders.get(i).copied().flatten().is_some())
            .collect()
    }

    fn check_scope(target: &Target, scope: &Scope) -> Result<()> {
        let Scope::Fields(fields) = scope else {
            return Ok(());
        };

        let count = u32::try_from(fields.len()).unwrap_or(u32::MAX);
        let names_ok = fields.iter().enumerate().all(|(i, f)| {
            let len = u32::try_from(f.len()).unwrap_or(u32::MAX);
            len > 0 && len <= MAX_FIELD_LEN && !fields.iter().take(i).any(|g| g == f)
        });
        if count == 0 || count > MAX_SCOPE_FIELDS || !names_ok {
            return Err(Error::BadScope);
        } // A name the target's read path does not know would withhold nothing.
        if let Some(known) = target.fields() {
            if let Some(unknown) = fields.iter().find(|f| !known.contains(&f.as_str())) {
                return Err(Error::UnknownField {
                    field: unknown.clone(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
