//! DID registry: identifiers, documents, roles, signed-operation payloads and the
//! [`DidRegistry`] trait that other contracts call.

use crate::escrow::blake2;
use ink::prelude::{string::String, vec::Vec};
use ink::primitives::AccountId;
use scale::Encode;

/// A DID's method-specific identifier: `did:cgrid:0x<64 hex digits>`.
///
/// Derived deterministically by the registry from (registry address, subject account, the
/// account's DID generation); never reused, even after deactivation.
pub type DidId = [u8; 32];

/// Milliseconds since the Unix epoch, as `ink::env::block_timestamp` returns it.
pub type Timestamp = u64;

/// The DID method name used in the string form of a DID.
pub const DID_METHOD: &str = "cgrid";

/// Domain tag of the preimage signed for a relayed DID operation.
pub const DID_OP_DOMAIN: [u8; 16] = *b"cgrid/did-op/v1\0";
/// Domain tag of the preimage signed for a relayed DID creation.
pub const DID_CREATE_DOMAIN: [u8; 16] = *b"cgrid/did-new/v1";
/// Domain tag of the preimage that derives a DID identifier.
pub const DID_ID_DOMAIN: [u8; 16] = *b"cgrid/did-id/v1\0";

/// A KYC role that an authority grants to a DID, with an expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Role {
    /// Sells compute time; may become a credential issuer.
    Provider,
    /// Buys compute time.
    Consumer,
    /// May mask records and sit on the unmask committee (see mask_registry). Only the root
    /// authority grants or revokes it.
    Regulator,
    /// May publish credential templates and issue credentials (see vc_templates).
    Issuer,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 4] = [
        Role::Provider,
        Role::Consumer,
        Role::Regulator,
        Role::Issuer,
    ];
}

/// Whom a role query is about: an account (resolved to its current DID) or a DID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum Subject {
    /// An account; the registry looks up the DID currently bound to it.
    Account(AccountId),
    /// A DID directly.
    Did(DidId),
}

/// The cryptographic suite of a verification method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum KeyType {
    #[codec(index = 0)]
    /// Schnorr over Ristretto25519 (Substrate's default); 32-byte public key. Verifiable on chain.
    Sr25519,
    /// Ed25519; 32-byte public key. Stored and resolved, not verifiable on chain.
    #[codec(index = 1)]
    Ed25519,
    /// ECDSA over secp256k1; 33-byte compressed public key. Verifiable on chain.
    #[codec(index = 2)]
    Ecdsa,
}

impl KeyType {
    /// The length in bytes of a public key of this type.
    pub const fn public_key_len(self) -> usize {
        match self {
            KeyType::Sr25519 | KeyType::Ed25519 => 32,
            KeyType::Ecdsa => 33,
        }
    }

    /// The W3C verification-method type name used by the off-chain resolver.
    pub const fn w3c_type(self) -> &'static str {
        match self {
            KeyType::Sr25519 => "Sr25519VerificationKey2020",
            KeyType::Ed25519 => "Ed25519VerificationKey2020",
            KeyType::Ecdsa => "EcdsaSecp256k1VerificationKey2019",
        }
    }
}

/// A verification relationship of a key (W3C DID Core §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum KeyPurpose {
    /// Proves control of the DID (logins, channel keys).
    Authentication,
    /// Signs credentials and other assertions.
    AssertionMethod,
    /// Authorises changes of the DID document (relayed operations).
    CapabilityInvocation,
    /// Key agreement for encryption; never used to verify signatures.
    KeyAgreement,
}

/// The set of verification relationships a key is listed under; a key needs at least one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct KeyPurposes {
    /// Listed under `authentication`: proves control of the DID (logins, channel keys).
    pub authentication: bool,
    /// Listed under `assertionMethod`: signs credentials the DID issues.
    pub assertion_method: bool,
    /// Listed under `capabilityInvocation`: signs relayed changes of the DID and of the DIDs
    /// it controls (`execute_signed`).
    pub capability_invocation: bool,
    /// Listed under `keyAgreement`: for encryption only; never accepted as a signer on chain.
    pub key_agreement: bool,
}

impl KeyPurposes {
    /// Every relationship.
    pub const ALL: KeyPurposes = KeyPurposes {
        authentication: true,
        assertion_method: true,
        capability_invocation: true,
        key_agreement: true,
    };

    /// Whether `purpose` is in the set.
    pub const fn contains(&self, purpose: KeyPurpose) -> bool {
        match purpose {
            KeyPurpose::Authentication => self.authentication,
            KeyPurpose::AssertionMethod => self.assertion_method,
            KeyPurpose::CapabilityInvocation => self.capability_invocation,
            KeyPurpose::KeyAgreement => self.key_agreement,
        }
    }

    /// Whether the set is empty (a key must have at least one relationship).
    pub const fn is_empty(&self) -> bool {
        !(self.authentication
            || self.assertion_method
            || self.capability_invocation
            || self.key_agreement)
    }
}

/// A public key listed in a DID document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct VerificationMethod {
    /// Fragment that names the key within the document, e.g. `key-1` (→ `did:cgrid:0x…#key-1`);
    /// 1 to 32 bytes (`MAX_ID_LEN`), unique within the document.
    pub id: String,
    /// The key's cryptographic suite; only sr25519 and ECDSA keys can sign for on-chain checks.
    pub key_type: KeyType,
    /// Raw public key; its length must match `key_type` (32 bytes for sr25519 and ed25519, 33
    /// for compressed ECDSA), and no other key of the document may have it.
    pub public_key: Vec<u8>,
    /// The verification relationships the key is listed under; at least one.
    pub purposes: KeyPurposes,
}

/// A service endpoint listed in a DID document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Service {
    /// Fragment that names the service within the document, e.g. `controller`; 1 to 32 bytes
    /// (`MAX_ID_LEN`), unique within the document.
    pub id: String,
    /// The service's type, e.g. `ComputeGridController`, `LinkedDomains`; 1 to 64 bytes
    /// (`MAX_SERVICE_TYPE_LEN`).
    pub service_type: String,
    /// A URI (not parsed on chain); 1 to 256 bytes (`MAX_ENDPOINT_LEN`).
    pub endpoint: String,
}

/// The content of a new DID document. Each entry is checked as the matching `DidOperation`
/// (`AddKey`, `AddService`, `AddController`) would check it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct DidCreation {
    /// The initial verification methods; at most `MAX_KEYS` (20).
    pub keys: Vec<VerificationMethod>,
    /// The initial services; at most `MAX_SERVICES` (25).
    pub services: Vec<Service>,
    /// DIDs whose accounts may also manage the new DID; at most `MAX_CONTROLLERS` (10), each
    /// active and listed once.
    pub controllers: Vec<DidId>,
}

/// One change to a DID document. The same value is applied by the direct messages and by a
/// relayed, key-signed operation, so both paths obey the same rules.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum DidOperation {
    /// Add a verification method. The document may hold at most `MAX_KEYS` (20); its id and
    /// public key must not be listed already.
    #[codec(index = 0)]
    AddKey(VerificationMethod),
    /// Remove the verification method named `id`.
    #[codec(index = 1)]
    RemoveKey {
        /// The key's fragment, e.g. `key-1`.
        id: String,
    },
    /// Replace the key material (type and public key) of an existing method, keeping its id
    /// and purposes.
    #[codec(index = 2)]
    RotateKey {
        /// The fragment of the key to rotate, e.g. `key-1`.
        id: String,
        /// The new key's type.
        key_type: KeyType,
        /// The new raw public key: its length must match `key_type`, and it must not be listed
        /// in the document already (the current key included).
        public_key: Vec<u8>,
    },
    /// Add a service. The document may hold at most `MAX_SERVICES` (25); its id must not be
    /// listed already.
    #[codec(index = 3)]
    AddService(Service),
    /// Remove the service named `id`.
    #[codec(index = 4)]
    RemoveService {
        /// The service's fragment, e.g. `controller`.
        id: String,
    },
    /// Add a controller DID, whose account may then manage this DID. It must be active, not
    /// this DID, not listed already; a DID has at most `MAX_CONTROLLERS` (10).
    #[codec(index = 5)]
    AddController(DidId),
    /// Remove a controller DID.
    #[codec(index = 6)]
    RemoveController(DidId),
    /// Irreversible: keys, services and controllers are dropped, roles end, the id is never
    /// reused. The account may then create a new DID (with a new id).
    #[codec(index = 7)]
    Deactivate,
}

/// One question of `role_holders`: which DID, if any, holds `role` now through `account`?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct RoleQuery {
    /// The account whose DID is asked about.
    pub account: AccountId,
    /// The role it must hold now (granted and not expired).
    pub role: Role,
}

/// A yes/no statement about the registry, for [`DidRegistry::facts`]: each is decided exactly
/// as the message of the same meaning decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum Fact {
    /// The DID exists and is not deactivated (`is_active`).
    Active(DidId),
    /// The DID holds the role now (`has_role` of `Subject::Did`).
    HoldsRole {
        /// The DID asked about.
        did: DidId,
        /// The role it must hold now.
        role: Role,
    },
    /// The account may act for the DID (`can_act_for`).
    ActsFor {
        /// The DID to act for.
        did: DidId,
        /// The account that would act.
        account: AccountId,
    },
    /// The account is an authority, root included (`is_authority`).
    Authority(AccountId),
    /// The DID's key made the signature (`verify_did_signature`).
    Signed(SignedByDid),
}

/// A signature to check against a DID's key: [`Fact::Signed`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct SignedByDid {
    /// The DID whose key signed.
    pub did: DidId,
    /// The id of the key within the DID document.
    pub key_id: String,
    /// The purpose the key must be listed for.
    pub purpose: KeyPurpose,
    /// The 32-byte hash that was signed.
    pub message_hash: [u8; 32],
    /// The signature.
    pub signature: DidSignature,
}

/// A role a DID holds now, with its grant (`roles_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct HeldRole {
    /// The role.
    pub role: Role,
    /// Who granted it, when, on what evidence, and until when it holds.
    pub grant: RoleGrant,
}

/// A signature by a DID key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum DidSignature {
    /// Schnorrkel signature in the `substrate` signing context.
    #[codec(index = 0)]
    Sr25519([u8; 64]),
    /// Recoverable secp256k1 signature (r, s, v) over the 32-byte message hash.
    #[codec(index = 1)]
    Ecdsa([u8; 65]),
}

/// How a DID change was authorised.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum Authorisation {
    /// The DID's account or the account of a controller DID sent the transaction.
    Account(AccountId),
    /// A key of the DID or of a controller DID signed it; `relayer` sent the transaction.
    Key {
        /// The DID whose key signed: the changed DID itself or one of its controllers.
        signer: DidId,
        /// The fragment of the signing `capabilityInvocation` key within `signer`'s document.
        key_id: String,
        /// The account that submitted the signed operation.
        relayer: AccountId,
    },
}

/// Current state of a DID, as `resolve` returns it in one call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct DidDocument {
    /// The DID's identifier: the 32 bytes of `did:cgrid:0x<64 hex digits>`.
    pub id: DidId,
    /// The account the DID is bound to (its subject); it may always manage the DID. The zero
    /// account when a regulator's mask withholds it.
    pub account: AccountId,
    /// DIDs whose accounts may also manage this DID (empty when a mask withholds them).
    pub controllers: Vec<DidId>,
    /// The DID's public keys (empty when a mask withholds them).
    pub verification_methods: Vec<VerificationMethod>,
    /// The DID's service endpoints (empty when a mask withholds them).
    pub services: Vec<Service>,
    /// When the DID was created, in milliseconds since the Unix epoch.
    pub created_at: Timestamp,
    /// When the document last changed, in milliseconds since the Unix epoch.
    pub updated_at: Timestamp,
    /// How many times the document changed; the nonce the next relayed operation must carry.
    pub nonce: u64,
    /// Whether the DID was deactivated (final: its keys, services and controllers are gone).
    pub deactivated: bool,
}

/// A role held by a DID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct RoleGrant {
    /// The role is held strictly before this time (milliseconds since the Unix epoch).
    pub expires_at: Timestamp,
    /// Hash of the off-chain KYC evidence the authority checked.
    pub evidence: [u8; 32],
    /// The authority that granted (or last renewed) the role.
    pub granted_by: AccountId,
    /// When the role was granted or last renewed, in milliseconds since the Unix epoch.
    pub granted_at: Timestamp,
}

/// The preimage whose blake2-256 hash an sr25519/ecdsa DID key signs to authorise `op`.
///
/// `(DID_OP_DOMAIN, registry address, did, nonce, signer DID, key id, op)`, SCALE-encoded
/// (fixed-width `u64` nonce; enum variants pinned with `#[codec(index)]`). The registry address
/// and the nonce make a signature valid for one registry and one use only; every change of the
/// DID, signed or not, advances the nonce, so a withheld signature dies with the next change.
/// Sign the 32-byte hash itself (sr25519 in the `substrate` context; ecdsa prehashed).
pub fn did_op_preimage(
    registry: &AccountId,
    did: &DidId,
    nonce: u64,
    signer: &DidId,
    key_id: &str,
    op: &DidOperation,
) -> Vec<u8> {
    (DID_OP_DOMAIN, registry, did, nonce, signer, key_id, op).encode()
}

/// blake2-256 of [`did_op_preimage`]: the hash a DID key signs to authorise `op`.
#[inline]
pub fn did_op_hash(
    registry: &AccountId,
    did: &DidId,
    nonce: u64,
    signer: &DidId,
    key_id: &str,
    op: &DidOperation,
) -> [u8; 32] {
    blake2(&did_op_preimage(registry, did, nonce, signer, key_id, op))
}

/// The preimage whose blake2-256 hash the account's sr25519 key signs to have a relayer create
/// its DID: `(DID_CREATE_DOMAIN, registry address, account, generation, content)`.
///
/// `generation` is the number of DIDs the account had before, so a creation signature cannot be
/// replayed after the DID is deactivated.
pub fn did_create_preimage(
    registry: &AccountId,
    account: &AccountId,
    generation: u32,
    content: &DidCreation,
) -> Vec<u8> {
    (DID_CREATE_DOMAIN, registry, account, generation, content).encode()
}

/// blake2-256 of [`did_create_preimage`]: the hash the account's key signs for a relayed creation.
#[inline]
pub fn did_create_hash(
    registry: &AccountId,
    account: &AccountId,
    generation: u32,
    content: &DidCreation,
) -> [u8; 32] {
    blake2(&did_create_preimage(registry, account, generation, content))
}

/// The preimage whose blake2-256 hash is the DID identifier of `account`'s `generation`-th DID.
pub fn did_id_preimage(registry: &AccountId, account: &AccountId, generation: u32) -> Vec<u8> {
    (DID_ID_DOMAIN, registry, account, generation).encode()
}

/// blake2-256 of [`did_id_preimage`]: the DID identifier of `account`'s `generation`-th DID.
#[inline]
pub fn did_id_hash(registry: &AccountId, account: &AccountId, generation: u32) -> DidId {
    blake2(&did_id_preimage(registry, account, generation))
}

/// `did:cgrid:0x<hex>` — the string form of a DID.
pub fn did_to_string(did: &DidId) -> String {
    let digit = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
    let mut s = String::with_capacity(DID_METHOD.len().saturating_add(70));
    s.push_str("did:");
    s.push_str(DID_METHOD);
    s.push_str(":0x");
    for b in did {
        s.push(digit(b >> 4));
        s.push(digit(b & 0x0f));
    }
    s
}

/// Parses `did:cgrid:0x<64 hex digits>` (the `0x` is optional); `None` if malformed.
pub fn did_from_str(s: &str) -> Option<DidId> {
    let rest = s
        .strip_prefix("did:")?
        .strip_prefix(DID_METHOD)?
        .strip_prefix(':')?;
    let hex = rest.strip_prefix("0x").unwrap_or(rest).as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let nibble = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => c.checked_sub(b'0'),
            b'a'..=b'f' => c.checked_sub(b'a').and_then(|v| v.checked_add(10)),
            b'A'..=b'F' => c.checked_sub(b'A').and_then(|v| v.checked_add(10)),
            _ => None,
        }
    };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *o = (nibble(*hi)? << 4) | nibble(*lo)?;
    }
    Some(out)
}

/// The DID registry as other contracts see it. Implemented by `did_registry`; call it with
/// `ink::contract_ref!(DidRegistry)` and the registry's address.
#[ink::trait_definition]
pub trait DidRegistry {
    /// Whether `subject` currently holds `role`: granted, not revoked, not expired, and the DID
    /// is active. An account is resolved to the DID currently bound to it.
    #[ink(message)]
    fn has_role(&self, subject: Subject, role: Role) -> bool;

    /// Whether `account` is an authority (the root authority included).
    #[ink(message)]
    fn is_authority(&self, account: AccountId) -> bool;

    /// Whether `account` is the root authority: the one account that changes the suite's
    /// wiring and checks on other parties (mask registries, brokers, system issuers, the unmask
    /// committee, the Regulator role), so that no single other authority can undo them.
    #[ink(message)]
    fn is_root(&self, account: AccountId) -> bool;

    /// Whether `did` exists and is not deactivated.
    #[ink(message)]
    fn is_active(&self, did: DidId) -> bool;

    /// The active DID bound to `account`, if any; `None` too when a regulator's mask hides the
    /// DID's account.
    #[ink(message)]
    fn did_of(&self, account: AccountId) -> Option<DidId>;

    /// For each `(account, role)`: the DID bound to `account` if it currently holds `role`
    /// (as [`DidRegistry::has_role`] decides), else `None`. One call for what a contract needs to
    /// know about every party of a transaction.
    #[ink(message)]
    fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>>;

    /// Whether `account` may act for `did`: it is the DID's account, or the account of one of its
    /// active controller DIDs, and `did` is active.
    #[ink(message)]
    fn can_act_for(&self, did: DidId, account: AccountId) -> bool;

    /// Whether `signature` over `message_hash` was made by the key `key_id` of the active DID
    /// `did`, and that key is listed for `purpose`.
    #[ink(message)]
    fn verify_did_signature(
        &self,
        did: DidId,
        key_id: String,
        purpose: KeyPurpose,
        message_hash: [u8; 32],
        signature: DidSignature,
    ) -> bool;

    /// Whether each of `facts` holds, in order, in one call: a contract that needs several
    /// answers loads this registry once instead of once per question (each call charges the
    /// registry's code to the block's proof).
    #[ink(message)]
    fn facts(&self, facts: Vec<Fact>) -> Vec<bool>;

    /// The role index this registry instantiated and writes ([`crate::RoleIndex`]): the
    /// trade path asks it `role_holders` and `are_active` (`is_active` of several DIDs),
    /// which it answers as this registry does, from a much smaller code.
    #[ink(message)]
    fn role_index(&self) -> AccountId;
}

/// The DID registry at an address, as other contracts call it: each method is one call of the
/// [`DidRegistry`] message of the same name. Contracts' unit tests use `testing::Registry`
/// instead (ink!'s off-chain environment cannot call contracts; the e2e tests use the real one).
///
/// The methods are `#[inline]`, as are those of the other clients and the `*_hash` functions: they
/// then compile into the calling contract as its own wrappers did, so its Wasm (and with it the
/// weight of every message, which includes loading the code) does not change.
pub struct Registry(ink::contract_ref!(DidRegistry, ink::env::DefaultEnvironment));

impl Registry {
    /// The registry at `address`.
    #[inline]
    pub fn at(address: AccountId) -> Self {
        Registry(address.into())
    }

    /// [`DidRegistry::role_holders`].
    #[inline]
    pub fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>> {
        self.0.role_holders(queries)
    }

    /// [`DidRegistry::has_role`] of the DID `did` (`Subject::Did`).
    #[inline]
    pub fn has_role(&self, did: DidId, role: Role) -> bool {
        self.0.has_role(Subject::Did(did), role)
    }

    /// [`DidRegistry::is_authority`].
    #[inline]
    pub fn is_authority(&self, account: AccountId) -> bool {
        self.0.is_authority(account)
    }

    /// [`DidRegistry::is_root`].
    #[inline]
    pub fn is_root(&self, account: AccountId) -> bool {
        self.0.is_root(account)
    }

    /// [`DidRegistry::is_active`].
    #[inline]
    pub fn is_active(&self, did: DidId) -> bool {
        self.0.is_active(did)
    }

    /// [`DidRegistry::role_index`].
    #[inline]
    pub fn role_index(&self) -> AccountId {
        self.0.role_index()
    }

    /// [`DidRegistry::can_act_for`].
    #[inline]
    pub fn can_act_for(&self, did: DidId, account: AccountId) -> bool {
        self.0.can_act_for(did, account)
    }

    /// [`DidRegistry::facts`]: whether each holds, in order. A missing answer reads as `false`.
    #[inline]
    pub fn facts<const N: usize>(&self, facts: [Fact; N]) -> [bool; N] {
        let answers = self.0.facts(facts.into());
        core::array::from_fn(|i| answers.get(i).copied().unwrap_or(false))
    }

    /// [`DidRegistry::verify_did_signature`].
    #[inline]
    pub fn verify_did_signature(
        &self,
        did: DidId,
        key_id: String,
        purpose: KeyPurpose,
        message_hash: [u8; 32],
        signature: DidSignature,
    ) -> bool {
        self.0
            .verify_did_signature(did, key_id, purpose, message_hash, signature)
    }
}

/// A per-thread stand-in for the DID registry in contracts' unit tests (feature `testing`):
/// [`testing::Registry`] answers from the [`testing::Table`] that [`testing::with`] fills.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;
    use std::cell::RefCell;
    use std::collections::{HashMap, HashSet};

    /// What the stand-in registry answers. `role_holders` reads `holders` alone; the questions
    /// about a DID read `active` and their own field.
    #[derive(Debug, Default)]
    pub struct Table {
        /// `role_holders`: (account, role) → the DID holding it and the role's expiry; held
        /// while the block time is before the expiry (`u64::MAX`: never expires).
        pub holders: HashMap<(AccountId, Role), (DidId, Timestamp)>,
        /// `has_role` of a DID: the roles DIDs hold (counted only while the DID is `active`).
        pub roles: HashSet<(DidId, Role)>,
        /// `is_authority`.
        pub authorities: HashSet<AccountId>,
        /// `is_root`: the root authority (also listed in `authorities` when it is one).
        pub root: Option<AccountId>,
        /// `is_active`: the active DIDs (every other DID is unknown or deactivated).
        pub active: HashSet<DidId>,
        /// How many times `is_active` (or the role index's `are_active`) was asked.
        pub activity_checks: u32,
        /// `can_act_for`: (did, account) pairs; the DID must be `active` too.
        pub controls: HashSet<(DidId, AccountId)>,
        /// `verify_did_signature`: the (did, key id) of `assertionMethod` keys (no other
        /// purpose verifies). A signature is valid when it is [`signature_for`] the hash and the
        /// DID is `active`.
        pub assertion_keys: HashSet<(DidId, String)>,
        /// `role_index`: the registry's role index (`None`: the stand-in index's address).
        pub role_index: Option<AccountId>,
        /// The changes sent to the stand-in role index (`crate::roles::testing::Roles`), in
        /// order.
        pub role_changes: Vec<crate::roles::RoleChange>,
        /// How many role indexes were instantiated.
        pub role_indexes: u32,
        /// Whether the stand-in role index refuses every change (`NotRegistry`).
        pub index_refuses: bool,
    }

    thread_local! {
        static TABLE: RefCell<Table> = RefCell::new(Table::default());
    }

    /// Reads or changes this thread's table.
    pub fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
        TABLE.with(|t| f(&mut t.borrow_mut()))
    }

    /// The only signature the stand-in accepts over `hash`: an sr25519 signature whose first 32
    /// bytes are the hash and whose last 32 bytes are `0xAA`.
    pub fn signature_for(hash: [u8; 32]) -> DidSignature {
        let mut sig = [0xAA; 64];
        for (s, h) in sig.iter_mut().zip(hash) {
            *s = h;
        }
        DidSignature::Sr25519(sig)
    }

    /// As the on-chain [`super::Registry`], against this thread's table.
    pub struct Registry;

    impl Registry {
        /// The stand-in (the address is ignored).
        pub fn at(_address: AccountId) -> Self {
            Registry
        }

        /// The holder of each (account, role) whose role has not expired.
        pub fn role_holders(&self, queries: Vec<RoleQuery>) -> Vec<Option<DidId>> {
            let now = ink::env::block_timestamp::<ink::env::DefaultEnvironment>();
            with(|t| {
                queries
                    .iter()
                    .map(|q| {
                        t.holders
                            .get(&(q.account, q.role))
                            .filter(|(_, expires_at)| now < *expires_at)
                            .map(|(did, _)| *did)
                    })
                    .collect()
            })
        }

        /// Listed in `roles`, and the DID is `active`.
        pub fn has_role(&self, did: DidId, role: Role) -> bool {
            with(|t| t.active.contains(&did) && t.roles.contains(&(did, role)))
        }

        /// Listed in `authorities`.
        pub fn is_authority(&self, account: AccountId) -> bool {
            with(|t| t.authorities.contains(&account))
        }

        /// The table's `root`.
        pub fn is_root(&self, account: AccountId) -> bool {
            with(|t| t.root == Some(account))
        }

        /// The table's `role_index`, else the stand-in index's address.
        pub fn role_index(&self) -> AccountId {
            with(|t| t.role_index).unwrap_or_else(crate::roles::testing::index)
        }

        /// Listed in `active`; counts the question in `activity_checks`.
        pub fn is_active(&self, did: DidId) -> bool {
            with(|t| {
                t.activity_checks = t.activity_checks.saturating_add(1);
                t.active.contains(&did)
            })
        }

        /// Listed in `controls`, and the DID is `active`.
        pub fn can_act_for(&self, did: DidId, account: AccountId) -> bool {
            with(|t| t.active.contains(&did) && t.controls.contains(&(did, account)))
        }

        /// An `assertionMethod` key listed in `assertion_keys` of an `active` DID, and the
        /// signature is [`signature_for`] the hash.
        pub fn verify_did_signature(
            &self,
            did: DidId,
            key_id: String,
            purpose: KeyPurpose,
            message_hash: [u8; 32],
            signature: DidSignature,
        ) -> bool {
            purpose == KeyPurpose::AssertionMethod
                && with(|t| {
                    t.active.contains(&did)
                        && t.assertion_keys.contains(&(did, key_id))
                        && signature == signature_for(message_hash)
                })
        }

        /// Each fact as the method of the same meaning answers it.
        pub fn facts<const N: usize>(&self, facts: [Fact; N]) -> [bool; N] {
            facts.map(|fact| match fact {
                Fact::Active(did) => self.is_active(did),
                Fact::HoldsRole { did, role } => self.has_role(did, role),
                Fact::ActsFor { did, account } => self.can_act_for(did, account),
                Fact::Authority(account) => self.is_authority(account),
                Fact::Signed(s) => self.verify_did_signature(
                    s.did,
                    s.key_id,
                    s.purpose,
                    s.message_hash,
                    s.signature,
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hash is blake2-256 of its preimage (see `escrow::reference_blake2`).
    #[test]
    fn every_hash_is_the_blake2_256_of_its_preimage() {
        use crate::escrow::reference_blake2;
        let (registry, account) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
        let op = DidOperation::AddController([3; 32]);
        let content = DidCreation {
            keys: Vec::new(),
            services: Vec::new(),
            controllers: [[4; 32]].into(),
        };
        let cases: [([u8; 32], Vec<u8>); 3] = [
            (
                did_op_hash(&registry, &[5; 32], 6, &[7; 32], "k", &op),
                did_op_preimage(&registry, &[5; 32], 6, &[7; 32], "k", &op),
            ),
            (
                did_create_hash(&registry, &account, 8, &content),
                did_create_preimage(&registry, &account, 8, &content),
            ),
            (
                did_id_hash(&registry, &account, 8),
                did_id_preimage(&registry, &account, 8),
            ),
        ];
        for (i, (hash, preimage)) in cases.into_iter().enumerate() {
            assert_eq!(hash, reference_blake2(&preimage), "case {i}");
        }
    }

    /// The W3C verification-method types the off-chain resolver writes.
    #[test]
    fn key_types_name_their_w3c_suites() {
        assert_eq!(
            [KeyType::Sr25519, KeyType::Ed25519, KeyType::Ecdsa].map(KeyType::w3c_type),
            [
                "Sr25519VerificationKey2020",
                "Ed25519VerificationKey2020",
                "EcdsaSecp256k1VerificationKey2019"
            ]
        );
    }

    #[test]
    fn did_string_round_trips() {
        let mut did = [0u8; 32];
        for (i, b) in did.iter_mut().enumerate() {
            *b = u8::try_from(i * 7 % 256).unwrap();
        }
        let s = did_to_string(&did);
        assert!(s.starts_with("did:cgrid:0x00070e15"));
        assert_eq!(s.len(), "did:cgrid:0x".len() + 64);
        assert_eq!(did_from_str(&s), Some(did));
        assert_eq!(did_from_str(&s.replace("0x", "")), Some(did));
        assert_eq!(
            did_from_str(&s.to_uppercase().replace("DID:CGRID:0X", "did:cgrid:0x")),
            Some(did)
        );
    }

    #[test]
    fn malformed_did_strings_are_rejected() {
        assert_eq!(did_from_str("did:other:0x00"), None);
        assert_eq!(did_from_str("did:cgrid:0x1234"), None);
        assert_eq!(
            did_from_str(&format!("did:cgrid:0x{}", "g".repeat(64))),
            None
        );
        assert_eq!(did_from_str("cgrid:0x"), None);
    }

    #[test]
    fn preimages_bind_every_field() {
        let reg = AccountId::from([1; 32]);
        let other = AccountId::from([2; 32]);
        let did = [3u8; 32];
        let op = DidOperation::Deactivate;
        let base = did_op_preimage(&reg, &did, 0, &did, "k", &op);
        assert_ne!(base, did_op_preimage(&other, &did, 0, &did, "k", &op));
        assert_ne!(base, did_op_preimage(&reg, &[4; 32], 0, &did, "k", &op));
        assert_ne!(base, did_op_preimage(&reg, &did, 1, &did, "k", &op));
        assert_ne!(base, did_op_preimage(&reg, &did, 0, &[5; 32], "k", &op));
        assert_ne!(base, did_op_preimage(&reg, &did, 0, &did, "j", &op));
        let remove = DidOperation::RemoveController(did);
        assert_ne!(base, did_op_preimage(&reg, &did, 0, &did, "k", &remove));
        assert_eq!(&base[..16], &DID_OP_DOMAIN);
        let content = DidCreation::default();
        assert_ne!(
            did_create_preimage(&reg, &other, 0, &content),
            did_create_preimage(&reg, &other, 1, &content)
        );
        assert_ne!(
            did_id_preimage(&reg, &other, 0),
            did_id_preimage(&other, &reg, 0)
        );
    }

    /// Test vector for off-chain signers in other languages: the exact bytes of a preimage.
    #[test]
    fn op_preimage_test_vector() {
        let reg = AccountId::from([0x01; 32]);
        let bytes = did_op_preimage(
            &reg,
            &[0x02; 32],
            7,
            &[0x03; 32],
            "k1",
            &DidOperation::RemoveService { id: "s".into() },
        );
        let mut expected = b"cgrid/did-op/v1\0".to_vec();
        expected.extend([0x01; 32]);
        expected.extend([0x02; 32]);
        expected.extend(7u64.to_le_bytes());
        expected.extend([0x03; 32]);
        expected.extend([0x08, b'k', b'1']); // compact length 2, then UTF-8
        expected.extend([0x04, 0x04, b's']); // variant 4 (RemoveService), compact length 1, "s"
        assert_eq!(bytes, expected);
    }

    #[test]
    fn key_lengths_and_purposes() {
        assert_eq!(KeyType::Sr25519.public_key_len(), 32);
        assert_eq!(KeyType::Ed25519.public_key_len(), 32);
        assert_eq!(KeyType::Ecdsa.public_key_len(), 33);
        assert!(KeyPurposes::default().is_empty());
        assert!(!KeyPurposes::ALL.is_empty());
        let p = KeyPurposes {
            assertion_method: true,
            ..Default::default()
        };
        assert!(p.contains(KeyPurpose::AssertionMethod));
        assert!(!p.contains(KeyPurpose::CapabilityInvocation));
    }
}
