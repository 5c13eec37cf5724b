//! # did_registry
//!
//! The root of trust of ComputeGrid: W3C-style decentralised identifiers (`did:cgrid:0x…`),
//! the authorities that run KYC, and the expiring roles they grant.
//!
//! ## What it guarantees
//! - A DID id is derived from (this registry, the subject account, the account's DID generation)
//!   and is never reused: a deactivated DID stays deactivated for ever, and the account's next
//!   DID gets a new id.
//! - A DID document (verification methods, services, controllers) changes only by its account,
//!   by the account of one of its active controller DIDs, or by a relayed operation signed by a
//!   `capabilityInvocation` key of the DID or of one of its controllers. A relayed signature is
//!   valid for this registry, this DID, this signer key and one nonce only; every change of the
//!   DID advances the nonce, so a withheld signature dies with the next change.
//! - Sizes are bounded ([`MAX_KEYS`], [`MAX_SERVICES`], [`MAX_CONTROLLERS`], field lengths), so
//!   every message has a bounded weight. `resolve` and `has_role` read current state only — their
//!   cost does not grow with the number of past updates (history is in the events).
//! - A role counts only while it is granted, unexpired and the DID is active.
//! - **Root guards what protects others.** Root alone adds and removes authorities, names the
//!   mask registry, and grants or revokes the Regulator role; `DidRegistry::is_root` lets the
//!   other contracts reserve their wiring (brokers, system issuers, the unmask committee, the
//!   auction model) to root too, so one other authority cannot undo the regulators' m-of-n.
//!   Any authority grants and revokes the other roles.
//! - **Masks are honoured.** Once root names the mask registry (`set_mask_registry`),
//!   `resolve` returns a masked DID document under a regulator's mask (the masked fields
//!   withheld, a marker saying who, when and why), and changes by the DID's own side (its
//!   account, controllers, keys) to a field the mask withholds — any change under a
//!   whole-record mask, deactivation changes every field — are refused with `Masked` unless
//!   the mask lets the owner write. Masking changes nothing stored here. `did_of` does not
//!   name a DID whose account a mask hides (whole-record or `account`), and a `DidUpdated`
//!   made under a mask the owner may write through publishes neither the withheld account
//!   nor an operation on a withheld field. Roles and authorities are not masked: the
//!   predicates other contracts' rules need (`has_role`, `can_act_for`, `is_active`) and
//!   `role_holders` (which returns the DID holding a role for an account, for the escrow's
//!   and the auction's role checks) answer truthfully, so they confirm a guessed link.
//! - **Its role index answers as it does.** The constructor instantiates the registry's role
//!   index (`role_index`, from a code hash compiled into the registry; `DidRegistry::role_index`
//!   names it), and every change that changes a `role_holders` or `is_active` answer (creating
//!   or deactivating a DID, granting, renewing or revoking a role) records it there in the same
//!   transaction, which reverts both if either fails. The trade path's contracts ask the index
//!   (a small code) instead of this registry; nobody can rewire the registry to another index.
//! - Every failure returns a typed [`Error`] and changes nothing; every change emits an event.
//!
//! ## Four code blobs
//! The registry's address runs its **main code**: the questions other contracts ask
//! (`DidRegistry::*` but `did_of` and `role_index`; the trade path asks the role index
//! instead, see above). Everything else lives in three **cold codes**, which
//! the main code delegate-calls with the call's own input, cloned by the host
//! (`cgrid_shared::split`): the first creates and reads DID documents (`create_did`,
//! `create_did_for`, `resolve`, `generation_of`, `did_count`, and `did_of`, which honours the
//! masks: a person's question; contracts ask `role_holders`); the second holds authorities,
//! roles and wiring (`add_authority`, `remove_authority`, `transfer_root`, `accept_root`,
//! `grant_role`, `revoke_role`, `role_grant`, `roles_of`, `set_mask_registry` and the getters,
//! `DidRegistry::role_index` included);
//! the third updates documents (`update`, `execute_signed`). A contract's question loads the main
//! code only, a cold call the main code and one cold code. The main code names each cold code by a
//! hash compiled into it and locks it as a delegate dependency when instantiated, so none can
//! change or vanish; all read and write the same storage, and the ABI is that of one contract.

#![cfg_attr(not(feature = "std"), no_std, no_main)]
// A split build compiles each body in one of the blobs only (`cgrid_shared::split`).
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

pub use self::did_registry::{DidRegistry, DidRegistryRef, Error, Field, Limit};

/// The contract's events, for off-chain decoders (`cgrid-suite`).
pub mod events {
    pub use super::did_registry::{
        AuthorityAdded, AuthorityRemoved, DidCreated, DidUpdated, MaskRegistrySet, RoleGranted,
        RoleRevoked, RootTransferProposed, RootTransferred,
    };
}

/// Most verification methods in one DID document.
pub const MAX_KEYS: u32 = 20;
/// Most services in one DID document.
pub const MAX_SERVICES: u32 = 25;
/// Most controllers of one DID.
pub const MAX_CONTROLLERS: u32 = 10;
/// Longest key or service id (fragment), in bytes.
pub const MAX_ID_LEN: u32 = 32;
/// Longest service type, in bytes.
pub const MAX_SERVICE_TYPE_LEN: u32 = 64;
/// Longest service endpoint, in bytes.
pub const MAX_ENDPOINT_LEN: u32 = 256;

#[ink::contract]
mod did_registry {
    use super::*;
    #[cfg(not(test))]
    use cgrid_shared::mask_at;
    #[cfg(test)]
    use cgrid_shared::testing::mask::mask_at;
    #[cfg(test)]
    use cgrid_shared::testing::roles::Roles;
    use cgrid_shared::Maskable as _;
    use cgrid_shared::RoleChange;
    #[cfg(not(test))]
    use cgrid_shared::Roles;
    use cgrid_shared::{cold_code, in_cold_code, in_main_code, lock_cold_code};
    use cgrid_shared::{
        did_create_hash, did_id_hash, did_op_hash, Authorisation, DidCreation, DidDocument, DidId,
        DidOperation, DidSignature, Fact, HeldRole, KeyPurpose, KeyType, MaskedView, Role,
        RoleGrant, RoleQuery, Service, SignedByDid, Subject, Target, VerificationMethod,
    };
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;

    // ------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------

    /// The small, hot part of a DID: read by every check, written by every change.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct DidRecord {
        /// The account the DID is bound to (its subject).
        pub account: AccountId,
        /// DIDs whose accounts may also manage this DID.
        pub controllers: Vec<DidId>,
        /// When the DID was created, in milliseconds since the Unix epoch.
        pub created_at: Timestamp,
        /// When the document last changed, in milliseconds since the Unix epoch.
        pub updated_at: Timestamp,
        /// How many times the document changed; the nonce the next relayed operation carries.
        pub nonce: u64,
        /// Whether the DID was deactivated (final).
        pub deactivated: bool,
    }

    #[ink(storage)]
    pub struct DidRegistry {
        /// The root authority: adds and removes authorities, hands over root.
        root: AccountId,
        /// Proposed next root, until it accepts.
        pending_root: Option<AccountId>,
        /// Authorities other than root, with the time they were added.
        authorities: Mapping<AccountId, Timestamp>,
        authority_count: u32,
        records: Mapping<DidId, DidRecord>,
        keys: Mapping<DidId, Vec<VerificationMethod>>,
        services: Mapping<DidId, Vec<Service>>,
        /// The active DID of each account.
        account_did: Mapping<AccountId, DidId>,
        /// How many DIDs each account has had (the next DID's generation).
        generations: Mapping<AccountId, u32>,
        roles: Mapping<(DidId, Role), RoleGrant>,
        did_count: u64,
        /// The mask registry whose masks `resolve` and DID changes honour (`None`: no masks).
        mask_registry: Option<AccountId>,
        /// The role index this registry instantiated and writes (`cgrid_shared::RoleIndex`);
        /// `None` only in a build without its code hash (not a release bundle).
        role_index: Option<AccountId>,
    }

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------

    /// A DID was created (`create_did` or `create_did_for`).
    #[ink(event)]
    pub struct DidCreated {
        /// The new DID's identifier.
        #[ink(topic)]
        pub did: DidId,
        /// The account the DID is bound to.
        #[ink(topic)]
        pub account: AccountId,
        /// The initial document content.
        pub content: DidCreation,
        /// Who submitted the transaction (differs from `account` for a relayed creation).
        pub submitted_by: AccountId,
    }

    /// A DID document changed. The event carries the whole operation, so the document's
    /// history can be rebuilt from events alone — except under a regulator's mask that the
    /// owner may write through: then what the mask withholds is not published either.
    #[ink(event)]
    pub struct DidUpdated {
        /// The DID that changed.
        #[ink(topic)]
        pub did: DidId,
        /// The DID's account; the zero account when a mask hides the DID's account.
        #[ink(topic)]
        pub account: AccountId,
        /// The operation applied; `None` when a mask withholds a field the operation changes.
        pub op: Option<DidOperation>,
        /// The DID's nonce after the change.
        pub nonce: u64,
        /// Who authorised the change: the sending account, or the DID key that signed it and
        /// the relayer that submitted it.
        pub by: Authorisation,
    }

    /// The root authority made an account an authority.
    #[ink(event)]
    pub struct AuthorityAdded {
        /// The new authority.
        #[ink(topic)]
        pub account: AccountId,
    }

    /// An account stopped being an ordinary authority: root removed it, or it became root
    /// (root is an authority by being root).
    #[ink(event)]
    pub struct AuthorityRemoved {
        /// The former authority.
        #[ink(topic)]
        pub account: AccountId,
    }

    /// The root authority proposed a new root (or withdrew its proposal).
    #[ink(event)]
    pub struct RootTransferProposed {
        /// The current root.
        #[ink(topic)]
        pub from: AccountId,
        /// The proposed next root, who must call `accept_root`; `None`: the proposal was
        /// withdrawn.
        #[ink(topic)]
        pub to: Option<AccountId>,
    }

    /// The proposed root accepted: it is now the root authority.
    #[ink(event)]
    pub struct RootTransferred {
        /// The previous root, which is no longer an authority.
        #[ink(topic)]
        pub from: AccountId,
        /// The new root.
        #[ink(topic)]
        pub to: AccountId,
    }

    /// An authority granted (or renewed) a role to a DID.
    #[ink(event)]
    pub struct RoleGranted {
        /// The DID that holds the role.
        #[ink(topic)]
        pub did: DidId,
        /// The role granted.
        pub role: Role,
        /// The role is held strictly before this time (milliseconds since the Unix epoch).
        pub expires_at: Timestamp,
        /// Hash of the off-chain KYC evidence the authority checked.
        pub evidence: [u8; 32],
        /// The authority that granted it.
        #[ink(topic)]
        pub by: AccountId,
    }

    /// The root authority named (or, with `None`, removed) the mask registry.
    #[ink(event)]
    pub struct MaskRegistrySet {
        /// The root authority.
        #[ink(topic)]
        pub by: AccountId,
        /// The mask registry now in use; `None`: masks are no longer honoured.
        pub registry: Option<AccountId>,
    }

    /// An authority revoked a role from a DID.
    #[ink(event)]
    pub struct RoleRevoked {
        /// The DID that lost the role.
        #[ink(topic)]
        pub did: DidId,
        /// The role revoked.
        pub role: Role,
        /// The authority that revoked it.
        #[ink(topic)]
        pub by: AccountId,
    }

    // ------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------

    /// A bounded collection of a DID document.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Limit {
        /// The verification methods: at most `MAX_KEYS` (20).
        Keys,
        /// The services: at most `MAX_SERVICES` (25).
        Services,
        /// The controller DIDs: at most `MAX_CONTROLLERS` (10).
        Controllers,
    }

    /// A bounded text field.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Field {
        /// A key's `id`: 1 to `MAX_ID_LEN` (32) bytes.
        KeyId,
        /// A service's `id`: 1 to `MAX_ID_LEN` (32) bytes.
        ServiceId,
        /// A service's `service_type`: 1 to `MAX_SERVICE_TYPE_LEN` (64) bytes.
        ServiceType,
        /// A service's `endpoint`: 1 to `MAX_ENDPOINT_LEN` (256) bytes.
        ServiceEndpoint,
    }

    /// Why the DID registry refused a message; nothing was changed.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Only the root authority may do this (manage authorities, hand over root, name the
        /// mask registry, grant or revoke the Regulator role): send it from the `root` account.
        NotRoot,
        /// Only an authority may grant or revoke roles: ask one (see `is_authority`).
        NotAuthority,
        /// The caller is not the proposed next root (`pending_root`); only that account may
        /// accept.
        NotPendingRoot,
        /// The account is already an authority (or is root): nothing to do.
        AlreadyAuthority,
        /// The account is not an authority (other than root), so there is nothing to remove.
        UnknownAuthority,
        /// Root cannot be removed as an authority; transfer root first.
        CannotRemoveRoot,
        /// No DID with this id (the value) exists here: check the id (for a controller or a
        /// signer, it is that DID's).
        DidNotFound(DidId),
        /// This DID (the value) was deactivated, for ever: it cannot change, hold roles,
        /// control another DID or sign. Its account may create a new DID.
        DidDeactivated(DidId),
        /// The account already has this active DID; deactivate it first.
        AccountHasDid(DidId),
        /// The caller may not act for this DID (the value): send from the DID's account or the
        /// account of one of its active controllers, or relay a signed operation
        /// (`execute_signed`).
        NotController(DidId),
        /// A regulator masked this DID and did not let its owner write (`reason_code` is the
        /// mask's): the change touches a field the mask withholds. It can go through once the
        /// unmask committee lifts the mask.
        Masked {
            /// The masked DID.
            did: DidId,
            /// The regulator's reason code (its catalogue is off chain).
            reason_code: u16,
        },
        /// A document would hold more than `max` entries: remove one first.
        TooMany {
            /// The collection that is full.
            what: Limit,
            /// Its limit.
            max: u32,
        },
        /// A text field is empty or longer than `max` bytes: shorten it (or fill it in).
        BadLength {
            /// The field at fault.
            field: Field,
            /// Its length, in bytes.
            len: u32,
            /// The longest allowed, in bytes.
            max: u32,
        },
        /// The public key has the wrong length for its key type: pass the raw key (32 bytes
        /// for sr25519 and ed25519, 33 for compressed ECDSA).
        BadPublicKeyLength {
            /// The key type given.
            key_type: KeyType,
            /// The length that key type needs, in bytes.
            expected: u32,
            /// The length passed, in bytes.
            got: u32,
        },
        /// A key must have at least one purpose: set at least one flag in `purposes`.
        NoKeyPurpose,
        /// The document already has a key with this id: choose another id, or remove the old
        /// key first.
        DuplicateKeyId,
        /// The document already lists this public key (the key being rotated included): use
        /// a new key.
        DuplicatePublicKey,
        /// No key with this id in the document (for a signature: in the signing DID's
        /// document). Check the fragment with `resolve`.
        KeyNotFound,
        /// The document already has a service with this id: choose another id, or remove the
        /// old service first.
        DuplicateServiceId,
        /// No service with this id in the document. Check the fragment with `resolve`.
        ServiceNotFound,
        /// This DID is already a controller of the document.
        DuplicateController,
        /// This DID is not a controller of the document.
        ControllerNotFound,
        /// A DID cannot control itself.
        SelfController,
        /// The relayed operation carries the wrong nonce: sign it again with `expected`.
        BadNonce {
            /// The DID's current nonce (`resolve`), which the signed operation must carry.
            expected: u64,
            /// The nonce passed.
            got: u64,
        },
        /// The signature does not verify: sign blake2-256 of the exact preimage (this
        /// registry, the current nonce or generation, the same content) with the named key.
        BadSignature,
        /// The key is not listed for the purpose the action needs (the value; relayed
        /// operations need `capabilityInvocation`, and `keyAgreement` keys never sign): use
        /// another key, or add the purpose to this one.
        KeyLacksPurpose(KeyPurpose),
        /// Signatures by keys of this type (the value: ed25519) cannot be checked on chain:
        /// sign with an sr25519 or ECDSA key.
        UnsupportedSignatureKey(KeyType),
        /// The signature's scheme does not match the key's type: send `Sr25519` for an sr25519
        /// key, `Ecdsa` for an ECDSA key.
        SignatureSchemeMismatch,
        /// The signing DID (the value) is neither the DID nor one of its controllers.
        SignerNotController(DidId),
        /// The expiry is not in the future: pass an `expires_at` later than `now`.
        ExpiryInPast {
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
            /// The expiry passed, in milliseconds since the Unix epoch.
            expires_at: Timestamp,
        },
        /// The DID has no grant of this role (the value), expired or not: nothing to revoke.
        RoleNotGranted(Role),
        /// A counter would overflow; the operation cannot be done.
        Overflow,
        /// The role index refused to mirror the change (it was not instantiated by this
        /// registry; cannot happen to a deployed registry): nothing changed.
        RoleIndexRefused,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    cold_code!(3);

    cgrid_shared::split_entry_points!(DidRegistry, deny_payment = true, cold = [
        1: "create_did", "create_did_for", "resolve", "generation_of", "did_count";
        2: "set_mask_registry", "mask_registry", "add_authority", "remove_authority",
            "transfer_root", "accept_root", "root", "pending_root", "authority_count",
            "grant_role", "revoke_role", "role_grant", "roles_of";
        3: "update", "execute_signed";
    ]);

    /// The role index's code hash, compiled in (scripts/build-contracts.sh builds role_index
    /// first and sets `CGRID_ROLE_INDEX_CODE`; the second cold code, which finishes the
    /// constructors (`wire_new`), cannot be built without it, and the main code commits to that
    /// cold code's hash). The main code and the other cold codes instantiate no index, nor does
    /// a cold code's own constructor: its instance only puts the code on chain (Contracts UI
    /// uploads code by instantiating it) and is never used. A plain build without the hash
    /// (ink_e2e's) has no role index: it mirrors nothing, and `role_index` traps, so no
    /// contract can be wired to it; nor has a build with every feature on (the lint check of
    /// ink_e2e's build, which is no code blob).
    #[cfg(all(feature = "split-cold2", not(feature = "split-main")))]
    const ROLE_INDEX_CODE: Option<[u8; 32]> = Some(cgrid_shared::split::code_hash(env!(
        "CGRID_ROLE_INDEX_CODE"
    )));
    #[cfg(all(
        any(feature = "split-main", feature = "split-cold"),
        not(all(feature = "split-cold2", not(feature = "split-main")))
    ))]
    const ROLE_INDEX_CODE: Option<[u8; 32]> = None;
    #[cfg(not(any(feature = "split-main", feature = "split-cold")))]
    const ROLE_INDEX_CODE: Option<[u8; 32]> = match option_env!("CGRID_ROLE_INDEX_CODE") {
        Some(hash) => Some(cgrid_shared::split::code_hash(hash)),
        None if cfg!(test) => Some([0; 32]),
        None => None,
    };

    // ------------------------------------------------------------------------------------
    // Constructors and messages
    // ------------------------------------------------------------------------------------

    // `new` reads the caller, which a `Default` impl should not do.
    #[allow(clippy::new_without_default)]
    impl DidRegistry {
        /// A registry whose root authority is the caller. No other authority, no DIDs, no mask
        /// registry yet.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self::with_root(Self::env().caller())
        }

        /// A registry whose root authority is `root` rather than the deployer. Instantiates
        /// the registry's role index (its code must be on chain).
        #[ink(constructor)]
        pub fn with_root(root: AccountId) -> Self {
            lock_cold_code!(3);
            cgrid_shared::wired_in_cold_code!(
                Self {
                    // Instantiated by `wire`.
                    role_index: None,
                    root,
                    pending_root: None,
                    authorities: Mapping::default(),
                    authority_count: 0,
                    records: Mapping::default(),
                    keys: Mapping::default(),
                    services: Mapping::default(),
                    account_did: Mapping::default(),
                    generations: Mapping::default(),
                    roles: Mapping::default(),
                    did_count: 0,
                    mask_registry: None,
                },
                2
            )
        }

        /// The end of both constructors in the split build, run by the second cold code:
        /// instantiates the registry's role index (`wire`). Reached only from a constructor:
        /// the main code's constructors store the registry as they built it before that and call
        /// this message in this code (`cgrid_shared::split::construct`); no message of the main
        /// code has its selector (`cgrid_shared::split::WIRE_SELECTOR`), so no call of a
        /// deployed registry gets here.
        #[cfg(feature = "split-cold2")]
        #[ink(message, selector = 0x77697265)]
        pub fn wire_new(&mut self) {
            self.wire();
        }

        // --- DIDs ---------------------------------------------------------------------

        /// Creates a DID bound to the caller's account, with the given initial document. Any
        /// account without an active DID may call it. Returns the new DID's id.
        ///
        /// Errors: `AccountHasDid` if the caller has an active DID; for the initial content, the
        /// errors `update` returns for `AddKey`, `AddService` and `AddController` (`TooMany`,
        /// `BadLength`, `BadPublicKeyLength`, `NoKeyPurpose`, `DuplicateKeyId`,
        /// `DuplicatePublicKey`, `DuplicateServiceId`, `DuplicateController`, `DidNotFound` /
        /// `DidDeactivated` of a controller); `Overflow`; `RoleIndexRefused`.
        /// Emits: `DidCreated` (with the whole initial content).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn create_did(&mut self, content: DidCreation) -> Result<DidId> {
            in_cold_code!();
            let caller = self.env().caller();
            self.create(caller, content)
        }

        /// Creates the DID of the account whose sr25519 public key is `account_key`, submitted
        /// by anyone (e.g. an authority onboarding a user who holds no funds). The account signs
        /// blake2-256 of `did_create_preimage(registry, account, generation, content)`.
        ///
        /// Errors: `BadSignature`; otherwise as `create_did`.
        /// Emits: as `create_did`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn create_did_for(
            &mut self,
            account_key: [u8; 32],
            content: DidCreation,
            signature: [u8; 64],
        ) -> Result<DidId> {
            in_cold_code!();
            let account = AccountId::from(account_key);
            let generation = self.generations.get(account).unwrap_or(0);
            let hash = did_create_hash(&self.env().account_id(), &account, generation, &content);
            ink::env::sr25519_verify(&signature, &hash, &account_key)
                .map_err(|_| Error::BadSignature)?;
            self.create(account, content)
        }

        /// Changes a DID document: add / remove / rotate a key, add / remove a service, add /
        /// remove a controller, or deactivate (irreversible). The caller must be the DID's
        /// account or the account of one of its active controller DIDs.
        ///
        /// Errors: `DidNotFound`, `DidDeactivated`, `NotController`, `Masked` (the operation
        /// changes a field a regulator's mask withholds, and the mask does not let the owner
        /// write); then by operation —
        /// AddKey: `TooMany`, `BadLength`, `BadPublicKeyLength`, `NoKeyPurpose`, `DuplicateKeyId`,
        /// `DuplicatePublicKey`; RemoveKey: `KeyNotFound`; RotateKey: `KeyNotFound`,
        /// `BadPublicKeyLength`, `DuplicatePublicKey`; AddService: `TooMany`, `BadLength`,
        /// `DuplicateServiceId`; RemoveService: `ServiceNotFound`; AddController: `TooMany`,
        /// `SelfController`, `DuplicateController`, `DidNotFound`/`DidDeactivated` (of the
        /// controller); RemoveController: `ControllerNotFound`; Deactivate: `RoleIndexRefused`.
        /// Emits: `DidUpdated`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold3"))]
        #[ink(message)]
        pub fn update(&mut self, did: DidId, op: DidOperation) -> Result<()> {
            in_cold_code!(3);
            let record = self.active_record(did)?;
            let caller = self.env().caller();
            if !self.may_act(&record, caller) {
                return Err(Error::NotController(did));
            }
            self.apply(did, record, op, Authorisation::Account(caller))
        }

        /// Applies `op` to `did`, authorised by the `capabilityInvocation` key `key_id` of
        /// `signer` (the DID itself or one of its active controllers) over blake2-256 of
        /// `did_op_preimage(registry, did, nonce, signer, key_id, op)`. Anyone may submit it.
        ///
        /// Errors: `DidNotFound`, `DidDeactivated` (of the DID or the signer), `BadNonce`,
        /// `SignerNotController`, `KeyNotFound`, `KeyLacksPurpose`, `UnsupportedSignatureKey`,
        /// `SignatureSchemeMismatch`, `BadSignature`; then the errors of `update`.
        /// Emits: `DidUpdated`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold3"))]
        #[ink(message)]
        pub fn execute_signed(
            &mut self,
            did: DidId,
            nonce: u64,
            op: DidOperation,
            signer: DidId,
            key_id: String,
            signature: DidSignature,
        ) -> Result<()> {
            in_cold_code!(3);
            let record = self.active_record(did)?;
            if nonce != record.nonce {
                return Err(Error::BadNonce {
                    expected: record.nonce,
                    got: nonce,
                });
            }
            if signer != did && !record.controllers.contains(&signer) {
                return Err(Error::SignerNotController(signer));
            }
            let hash = did_op_hash(&self.env().account_id(), &did, nonce, &signer, &key_id, &op);
            self.check_did_signature(
                signer,
                &key_id,
                KeyPurpose::CapabilityInvocation,
                &hash,
                &signature,
            )?;
            let by = Authorisation::Key {
                signer,
                key_id,
                relayer: self.env().caller(),
            };
            self.apply(did, record, op, by)
        }

        /// The current DID document (also for a deactivated DID, flagged so), in one read of
        /// current state; under a regulator's mask with the masked fields withheld and the
        /// marker saying why (one call to the mask registry, when one is named). `None` if no
        /// DID has this id.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn resolve(&self, did: DidId) -> Option<MaskedView<DidDocument>> {
            in_cold_code!();
            let document = self.document(did)?;
            Some(document.shown(mask_at(self.mask_registry, Target::Did(did))))
        }

        /// Names the mask registry whose masks `resolve` and DID changes honour (`None`:
        /// none). Root only: one other authority must not be able to unwire the regulators.
        ///
        /// Errors: `NotRoot`.
        /// Emits: `MaskRegistrySet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn set_mask_registry(&mut self, registry: Option<AccountId>) -> Result<()> {
            in_cold_code!(2);
            self.ensure_root()?;
            let by = self.env().caller();
            self.mask_registry = registry;
            self.env().emit_event(MaskRegistrySet { by, registry });
            Ok(())
        }

        /// The mask registry in use, if any.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn mask_registry(&self) -> Option<AccountId> {
            in_cold_code!(2);
            self.mask_registry
        }

        /// How many DIDs `account` has had; the generation its next DID (and a relayed creation
        /// signature for it) uses.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn generation_of(&self, account: AccountId) -> u32 {
            in_cold_code!();
            self.generations.get(account).unwrap_or(0)
        }

        /// How many DIDs were ever created here.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn did_count(&self) -> u64 {
            in_cold_code!();
            self.did_count
        }

        // --- Authorities ----------------------------------------------------------------

        /// Makes `account` an authority: it may then grant and revoke roles (except Regulator).
        /// Root only.
        ///
        /// Errors: `NotRoot`, `AlreadyAuthority`, `Overflow`.
        /// Emits: `AuthorityAdded`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn add_authority(&mut self, account: AccountId) -> Result<()> {
            in_cold_code!(2);
            self.ensure_root()?;
            if self.is_authority_account(account) {
                return Err(Error::AlreadyAuthority);
            }
            self.authority_count = self.authority_count.checked_add(1).ok_or(Error::Overflow)?;
            self.authorities
                .insert(account, &self.env().block_timestamp());
            self.env().emit_event(AuthorityAdded { account });
            Ok(())
        }

        /// Removes an authority (not root). Root only. Roles it granted stay until they expire
        /// or are revoked.
        ///
        /// Errors: `NotRoot`, `CannotRemoveRoot`, `UnknownAuthority`.
        /// Emits: `AuthorityRemoved`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn remove_authority(&mut self, account: AccountId) -> Result<()> {
            in_cold_code!(2);
            self.ensure_root()?;
            if account == self.root {
                return Err(Error::CannotRemoveRoot);
            }
            if self.authorities.take(account).is_none() {
                return Err(Error::UnknownAuthority);
            }
            self.authority_count = self.authority_count.saturating_sub(1);
            self.env().emit_event(AuthorityRemoved { account });
            Ok(())
        }

        /// Proposes `to` as the next root; it becomes root when it calls `accept_root`. A new
        /// proposal replaces the previous one; `None` withdraws it. Root only.
        ///
        /// Errors: `NotRoot`.
        /// Emits: `RootTransferProposed`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn transfer_root(&mut self, to: Option<AccountId>) -> Result<()> {
            in_cold_code!(2);
            self.ensure_root()?;
            self.pending_root = to;
            self.env().emit_event(RootTransferProposed {
                from: self.root,
                to,
            });
            Ok(())
        }

        /// Accepts a proposed root transfer; only the proposed account (`pending_root`) may call
        /// it. The previous root stops being an authority; if the new root was an ordinary
        /// authority, that entry goes (it is an authority as root).
        ///
        /// Errors: `NotPendingRoot`.
        /// Emits: `AuthorityRemoved` (for the new root's old entry, if any), `RootTransferred`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn accept_root(&mut self) -> Result<()> {
            in_cold_code!(2);
            let caller = self.env().caller();
            if self.pending_root != Some(caller) {
                return Err(Error::NotPendingRoot);
            }
            let from = self.root;
            if self.authorities.take(caller).is_some() {
                self.authority_count = self.authority_count.saturating_sub(1);
                self.env().emit_event(AuthorityRemoved { account: caller });
            }
            self.root = caller;
            self.pending_root = None;
            self.env().emit_event(RootTransferred { from, to: caller });
            Ok(())
        }

        /// The root authority.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn root(&self) -> AccountId {
            in_cold_code!(2);
            self.root
        }

        /// The proposed next root, if any.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn pending_root(&self) -> Option<AccountId> {
            in_cold_code!(2);
            self.pending_root
        }

        /// Number of authorities, root included.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn authority_count(&self) -> u32 {
            in_cold_code!(2);
            self.authority_count.saturating_add(1)
        }

        // --- Roles ----------------------------------------------------------------------

        /// Grants (or renews) `role` to the active DID `did` until `expires_at`, recording the
        /// hash of the KYC evidence checked. Any authority; the Regulator role root only.
        ///
        /// Errors: `NotAuthority`, `NotRoot`, `DidNotFound`, `DidDeactivated`, `ExpiryInPast`,
        /// `RoleIndexRefused`.
        /// Emits: `RoleGranted`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn grant_role(
            &mut self,
            did: DidId,
            role: Role,
            expires_at: Timestamp,
            evidence: [u8; 32],
        ) -> Result<()> {
            in_cold_code!(2);
            let by = self.ensure_authority()?;
            if role == Role::Regulator {
                // Regulators mask records and sit on the unmask committee: one authority must
                // not be able to make itself or a friend one.
                self.ensure_root()?;
            }
            self.active_record(did)?;
            let now = self.env().block_timestamp();
            if expires_at <= now {
                return Err(Error::ExpiryInPast { now, expires_at });
            }
            self.roles.insert(
                (did, role),
                &RoleGrant {
                    expires_at,
                    evidence,
                    granted_by: by,
                    granted_at: now,
                },
            );
            self.mirror(RoleChange::RoleGranted {
                did,
                role,
                expires_at,
            })?;
            self.env().emit_event(RoleGranted {
                did,
                role,
                expires_at,
                evidence,
                by,
            });
            Ok(())
        }

        /// Revokes `role` from `did` (also from a deactivated DID). Any authority; the
        /// Regulator role root only.
        ///
        /// Errors: `NotAuthority`, `NotRoot`, `RoleNotGranted`, `RoleIndexRefused`.
        /// Emits: `RoleRevoked`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn revoke_role(&mut self, did: DidId, role: Role) -> Result<()> {
            in_cold_code!(2);
            let by = self.ensure_authority()?;
            if role == Role::Regulator {
                self.ensure_root()?;
            }
            if self.roles.take((did, role)).is_none() {
                return Err(Error::RoleNotGranted(role));
            }
            self.mirror(RoleChange::RoleRevoked { did, role })?;
            self.env().emit_event(RoleRevoked { did, role, by });
            Ok(())
        }

        /// The stored grant of `role` to `did`, expired or not.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn role_grant(&self, did: DidId, role: Role) -> Option<RoleGrant> {
            in_cold_code!(2);
            self.roles.get((did, role))
        }

        /// Every role currently held by `did` (granted, unexpired, DID active).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn roles_of(&self, did: DidId) -> Vec<HeldRole> {
            in_cold_code!(2);
            Role::ALL
                .iter()
                .filter_map(|role| {
                    self.current_grant(did, *role)
                        .map(|grant| HeldRole { role: *role, grant })
                })
                .collect()
        }

        // --- Private helpers --------------------------------------------------------------

        /// The constructors' last step: instantiates the registry's role index from the code
        /// hash compiled in (none in a plain build; in the split build the second cold code does
        /// it, as a delegate call, so the index's instantiator is this registry, see
        /// `cgrid_shared::wired_in_cold_code!`).
        #[cfg_attr(any(feature = "split-main", feature = "split-cold"), allow(dead_code))]
        fn wire(&mut self) {
            self.role_index = ROLE_INDEX_CODE.map(Roles::instantiate);
        }

        fn create(&mut self, account: AccountId, content: DidCreation) -> Result<DidId> {
            if let Some(existing) = self.account_did.get(account) {
                return Err(Error::AccountHasDid(existing));
            }
            let generation = self.generations.get(account).unwrap_or(0);
            let next_generation = generation.checked_add(1).ok_or(Error::Overflow)?;
            let did_count = self.did_count.checked_add(1).ok_or(Error::Overflow)?;
            let did = did_id_hash(&self.env().account_id(), &account, generation);
            // The initial content obeys the same rules as later changes; everything is checked
            // before anything is written.
            let mut keys = Vec::new();
            // `content` is moved piecewise into the checked vectors, then into the event.
            for method in content.keys {
                check_new_key(&keys, &method)?;
                keys.push(method);
            }
            let mut services = Vec::new();
            for service in content.services {
                check_new_service(&services, &service)?;
                services.push(service);
            }
            let mut controllers = Vec::new();
            for controller in content.controllers {
                self.check_new_controller(did, &controllers, controller)?;
                controllers.push(controller);
            }
            let now = self.env().block_timestamp();
            let record = DidRecord {
                account,
                controllers,
                created_at: now,
                updated_at: now,
                nonce: 0,
                deactivated: false,
            };
            self.generations.insert(account, &next_generation);
            self.did_count = did_count;
            self.account_did.insert(account, &did);
            self.records.insert(did, &record);
            if !keys.is_empty() {
                self.keys.insert(did, &keys);
            }
            if !services.is_empty() {
                self.services.insert(did, &services);
            }
            self.mirror(RoleChange::DidCreated { account, did })?;
            self.env().emit_event(DidCreated {
                did,
                account,
                content: DidCreation {
                    keys,
                    services,
                    controllers: record.controllers,
                },
                submitted_by: self.env().caller(),
            });
            Ok(did)
        }

        /// The DID document as stored, unmasked.
        fn document(&self, did: DidId) -> Option<DidDocument> {
            let record = self.records.get(did)?;
            Some(DidDocument {
                id: did,
                account: record.account,
                controllers: record.controllers,
                verification_methods: self.keys.get(did).unwrap_or_default(),
                services: self.services.get(did).unwrap_or_default(),
                created_at: record.created_at,
                updated_at: record.updated_at,
                nonce: record.nonce,
                deactivated: record.deactivated,
            })
        }

        /// The one place every change of a DID document passes: checks the mask first (the
        /// scope decides which changes go through, see `Mask::lets_owner_write`). `record` is
        /// the active record of `did`; the caller has checked authorisation. Every change
        /// advances the nonce.
        fn apply(
            &mut self,
            did: DidId,
            mut record: DidRecord,
            op: DidOperation,
            by: Authorisation,
        ) -> Result<()> {
            let mask = mask_at(self.mask_registry, Target::Did(did));
            if let Some(mask) = &mask {
                if !mask.lets_owner_write(op.fields()) {
                    return Err(Error::Masked {
                        did,
                        reason_code: mask.reason_code,
                    });
                }
            }
            // What the event may publish: nothing the mask withholds.
            let withheld = |field: &str| mask.as_ref().is_some_and(|m| m.scope.withholds(field));
            let publish_op = !op.fields().iter().any(|f| withheld(f));
            let published_account = if withheld("account") {
                AccountId::from([0; 32])
            } else {
                record.account
            };
            record.nonce = record.nonce.checked_add(1).ok_or(Error::Overflow)?;
            match &op {
                DidOperation::AddKey(method) => {
                    let mut keys = self.keys.get(did).unwrap_or_default();
                    check_new_key(&keys, method)?;
                    keys.push(method.clone());
                    self.keys.insert(did, &keys);
                }
                DidOperation::RemoveKey { id } => {
                    let mut keys = self.keys.get(did).unwrap_or_default();
                    let at = keys
                        .iter()
                        .position(|k| k.id == *id)
                        .ok_or(Error::KeyNotFound)?;
                    keys.remove(at);
                    self.keys.insert(did, &keys);
                }
                DidOperation::RotateKey {
                    id,
                    key_type,
                    public_key,
                } => {
                    let mut keys = self.keys.get(did).unwrap_or_default();
                    check_public_key(*key_type, public_key)?;
                    if keys.iter().any(|k| k.public_key == *public_key) {
                        return Err(Error::DuplicatePublicKey);
                    }
                    let key = keys
                        .iter_mut()
                        .find(|k| k.id == *id)
                        .ok_or(Error::KeyNotFound)?;
                    key.key_type = *key_type;
                    key.public_key.clone_from(public_key);
                    self.keys.insert(did, &keys);
                }
                DidOperation::AddService(service) => {
                    let mut services = self.services.get(did).unwrap_or_default();
                    check_new_service(&services, service)?;
                    services.push(service.clone());
                    self.services.insert(did, &services);
                }
                DidOperation::RemoveService { id } => {
                    let mut services = self.services.get(did).unwrap_or_default();
                    let at = services
                        .iter()
                        .position(|s| s.id == *id)
                        .ok_or(Error::ServiceNotFound)?;
                    services.remove(at);
                    self.services.insert(did, &services);
                }
                DidOperation::AddController(controller) => {
                    self.check_new_controller(did, &record.controllers, *controller)?;
                    record.controllers.push(*controller);
                }
                DidOperation::RemoveController(controller) => {
                    let at = record
                        .controllers
                        .iter()
                        .position(|c| c == controller)
                        .ok_or(Error::ControllerNotFound)?;
                    record.controllers.remove(at);
                }
                DidOperation::Deactivate => {
                    // The document's content goes (the storage deposit returns to its payer);
                    // the record stays, flagged, so that the id is never reused.
                    record.deactivated = true;
                    record.controllers.clear();
                    self.keys.remove(did);
                    self.services.remove(did);
                    for role in Role::ALL {
                        self.roles.remove((did, role));
                    }
                    if self.account_did.get(record.account) == Some(did) {
                        self.account_did.remove(record.account);
                    }
                    self.mirror(RoleChange::DidDeactivated {
                        account: record.account,
                        did,
                    })?;
                }
            }
            record.updated_at = self.env().block_timestamp();
            self.records.insert(did, &record);
            self.env().emit_event(DidUpdated {
                did,
                account: published_account,
                op: publish_op.then_some(op),
                nonce: record.nonce,
                by,
            });
            Ok(())
        }

        fn check_new_controller(
            &self,
            did: DidId,
            controllers: &[DidId],
            controller: DidId,
        ) -> Result<()> {
            check_room(controllers.len(), MAX_CONTROLLERS, Limit::Controllers)?;
            if controller == did {
                return Err(Error::SelfController);
            }
            if controllers.contains(&controller) {
                return Err(Error::DuplicateController);
            }
            self.active_record(controller).map(|_| ())
        }

        /// The record of `did`, if it exists and is active.
        /// Whether `fact` holds: the one home of the answers of `is_active`, `can_act_for`,
        /// `is_authority`, `verify_did_signature`, `has_role` of a DID and `facts`.
        fn holds(&self, fact: Fact) -> bool {
            match fact {
                Fact::Active(did) => self.active_record(did).is_ok(),
                Fact::HoldsRole { did, role } => self.current_grant(did, role).is_some(),
                Fact::ActsFor { did, account } => self
                    .active_record(did)
                    .is_ok_and(|record| self.may_act(&record, account)),
                Fact::Authority(account) => self.is_authority_account(account),
                Fact::Signed(s) => self
                    .check_did_signature(s.did, &s.key_id, s.purpose, &s.message_hash, &s.signature)
                    .is_ok(),
            }
        }

        fn active_record(&self, did: DidId) -> Result<DidRecord> {
            let record = self.records.get(did).ok_or(Error::DidNotFound(did))?;
            if record.deactivated {
                return Err(Error::DidDeactivated(did));
            }
            Ok(record)
        }

        /// Whether `account` is the record's account or the account of an active controller.
        fn may_act(&self, record: &DidRecord, account: AccountId) -> bool {
            record.account == account
                || record.controllers.iter().any(|c| {
                    self.records
                        .get(c)
                        .is_some_and(|r| !r.deactivated && r.account == account)
                })
        }

        /// Checks that `signature` over `hash` is by key `key_id` of the active DID `did`, and that
        /// the key serves `purpose`.
        fn check_did_signature(
            &self,
            did: DidId,
            key_id: &str,
            purpose: KeyPurpose,
            hash: &[u8; 32],
            signature: &DidSignature,
        ) -> Result<()> {
            self.active_record(did)?;
            let keys = self.keys.get(did).unwrap_or_default();
            let key = keys
                .iter()
                .find(|k| k.id == key_id)
                .ok_or(Error::KeyNotFound)?;
            if !key.purposes.contains(purpose) || purpose == KeyPurpose::KeyAgreement {
                return Err(Error::KeyLacksPurpose(purpose));
            }
            match (key.key_type, signature) {
                (KeyType::Sr25519, DidSignature::Sr25519(sig)) => {
                    let pk: [u8; 32] = key
                        .public_key
                        .as_slice()
                        .try_into()
                        .map_err(|_| Error::BadSignature)?;
                    ink::env::sr25519_verify(sig, hash, &pk).map_err(|_| Error::BadSignature)
                }
                (KeyType::Ecdsa, DidSignature::Ecdsa(sig)) => {
                    let mut recovered = [0u8; 33];
                    ink::env::ecdsa_recover(sig, hash, &mut recovered)
                        .map_err(|_| Error::BadSignature)?;
                    if recovered.as_slice() == key.public_key.as_slice() {
                        Ok(())
                    } else {
                        Err(Error::BadSignature)
                    }
                }
                (KeyType::Ed25519, _) => Err(Error::UnsupportedSignatureKey(KeyType::Ed25519)),
                _ => Err(Error::SignatureSchemeMismatch),
            }
        }

        fn current_grant(&self, did: DidId, role: Role) -> Option<RoleGrant> {
            let grant = self.roles.get((did, role))?;
            let active = self.records.get(did).is_some_and(|r| !r.deactivated);
            (active && self.env().block_timestamp() < grant.expires_at).then_some(grant)
        }

        /// Sends `change` to the role index, in this transaction: the one place the registry
        /// writes it.
        fn mirror(&self, change: RoleChange) -> Result<()> {
            match self.role_index {
                Some(index) => Roles::at(index)
                    .record(change)
                    .map_err(|_| Error::RoleIndexRefused),
                None => Ok(()),
            }
        }

        fn is_authority_account(&self, account: AccountId) -> bool {
            account == self.root || self.authorities.contains(account)
        }

        fn ensure_root(&self) -> Result<()> {
            if self.env().caller() == self.root {
                Ok(())
            } else {
                Err(Error::NotRoot)
            }
        }

        fn ensure_authority(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if self.is_authority_account(caller) {
                Ok(caller)
            } else {
                Err(Error::NotAuthority)
            }
        }
    }

    impl cgrid_shared::DidRegistry for DidRegistry {
        /// Whether `subject` (an account, resolved to its active DID, or a DID) holds `role`
        /// now: granted, not revoked, not expired, and the DID active. Masks do not change the
        /// answer.
        #[ink(message)]
        fn has_role(&self, subject: Subject, role: Role) -> bool {
            in_main_code!();
            let did = match subject {
                Subject::Did(did) => Some(did),
                Subject::Account(account) => self.account_did.get(account),
            };
            did.is_some_and(|did| self.holds(Fact::HoldsRole { did, role }))
        }

        /// Whether `account` is an authority (root included): it may grant and revoke roles.
        #[ink(message)]
        fn is_authority(&self, account: AccountId) -> bool {
            in_main_code!();
            self.holds(Fact::Authority(account))
        }

        /// Whether `account` is the root authority, which alone changes the suite's wiring
        /// (mask registries, brokers, system issuers, the unmask committee, the auction model)
        /// and the Regulator role.
        #[ink(message)]
        fn is_root(&self, account: AccountId) -> bool {
            in_main_code!();
            account == self.root
        }

        /// Whether `did` exists and is not deactivated.
        #[ink(message)]
        fn is_active(&self, did: DidId) -> bool {
            in_main_code!();
            self.holds(Fact::Active(did))
        }

        /// The active DID bound to `account`; `None` if it has none, or if a regulator's mask
        /// hides that DID's account (a whole-record mask or one naming `account`).
        #[ink(message)]
        fn did_of(&self, account: AccountId) -> Option<DidId> {
            in_cold_code!();
            self.account_did.get(account).filter(|did| {
                !mask_at(self.mask_registry, Target::Did(*did)).is_some_and(|m| m.hides_account())
            })
        }

        /// For each query, in order: the active DID bound to `account` if it holds `role` now
        /// (as `has_role` decides), else `None`. Masks do not change the answer.
        #[ink(message)]
        fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>> {
            in_main_code!();
            queries
                .into_iter()
                .map(|RoleQuery { account, role }| {
                    self.account_did
                        .get(account)
                        .filter(|did| self.current_grant(*did, role).is_some())
                })
                .collect()
        }

        /// Whether `account` may act for `did`: `did` is active and `account` is its account or
        /// the account of one of its active controller DIDs.
        #[ink(message)]
        fn can_act_for(&self, did: DidId, account: AccountId) -> bool {
            in_main_code!();
            self.holds(Fact::ActsFor { did, account })
        }

        /// Whether `signature` over `message_hash` was made by the key `key_id` of the active
        /// DID `did`, and that key is listed for `purpose`. Only sr25519 and ECDSA keys verify;
        /// `keyAgreement` never does.
        #[ink(message)]
        fn verify_did_signature(
            &self,
            did: DidId,
            key_id: String,
            purpose: KeyPurpose,
            message_hash: [u8; 32],
            signature: DidSignature,
        ) -> bool {
            in_main_code!();
            self.holds(Fact::Signed(SignedByDid {
                did,
                key_id,
                purpose,
                message_hash,
                signature,
            }))
        }

        /// Whether each fact holds, in order, decided as the message of the same meaning
        /// decides it (`Active`: `is_active`, `HoldsRole`: `has_role`, `ActsFor`:
        /// `can_act_for`, `Authority`: `is_authority`, `Signed`: `verify_did_signature`). One
        /// call for what a contract needs to know, e.g. everything `issue` checks.
        #[ink(message)]
        fn facts(&self, facts: Vec<Fact>) -> Vec<bool> {
            in_main_code!();
            facts.into_iter().map(|fact| self.holds(fact)).collect()
        }

        /// The role index this registry instantiated in its constructor and writes with every
        /// change that changes its answers; the trade path's contracts ask it instead. Traps
        /// in a build without a role index (not a release bundle), so nothing is wired to one.
        #[ink(message)]
        fn role_index(&self) -> AccountId {
            in_cold_code!(2);
            match self.role_index {
                Some(index) => index,
                None => panic!("a DID registry built without its role index"),
            }
        }
    }

    fn check_new_key(keys: &[VerificationMethod], method: &VerificationMethod) -> Result<()> {
        check_room(keys.len(), MAX_KEYS, Limit::Keys)?;
        check_len(&method.id, MAX_ID_LEN, Field::KeyId)?;
        check_public_key(method.key_type, &method.public_key)?;
        if method.purposes.is_empty() {
            return Err(Error::NoKeyPurpose);
        }
        if keys.iter().any(|k| k.id == method.id) {
            return Err(Error::DuplicateKeyId);
        }
        if keys.iter().any(|k| k.public_key == method.public_key) {
            return Err(Error::DuplicatePublicKey);
        }
        Ok(())
    }

    fn check_new_service(services: &[Service], service: &Service) -> Result<()> {
        check_room(services.len(), MAX_SERVICES, Limit::Services)?;
        check_len(&service.id, MAX_ID_LEN, Field::ServiceId)?;
        check_len(
            &service.service_type,
            MAX_SERVICE_TYPE_LEN,
            Field::ServiceType,
        )?;
        check_len(&service.endpoint, MAX_ENDPOINT_LEN, Field::ServiceEndpoint)?;
        if services.iter().any(|s| s.id == service.id) {
            return Err(Error::DuplicateServiceId);
        }
        Ok(())
    }

    fn check_room(len: usize, max: u32, what: Limit) -> Result<()> {
        if u32::try_from(len).map_or(true, |len| len >= max) {
            Err(Error::TooMany { what, max })
        } else {
            Ok(())
        }
    }

    fn check_len(value: &str, max: u32, field: Field) -> Result<()> {
        let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
        if len == 0 || len > max {
            Err(Error::BadLength { field, len, max })
        } else {
            Ok(())
        }
    }

    fn check_public_key(key_type: KeyType, public_key: &[u8]) -> Result<()> {
        let expected = key_type.public_key_len();
        if public_key.len() == expected {
            Ok(())
        } else {
            Err(Error::BadPublicKeyLength {
                key_type,
                expected: u32::try_from(expected).unwrap_or(u32::MAX),
                got: u32::try_from(public_key.len()).unwrap_or(u32::MAX),
            })
        }
    }
}

#[cfg(test)]
mod tests;
