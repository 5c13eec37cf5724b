//! Credential templates (CPTs) and anchored verifiable credentials: the types the
//! `vc_templates` contract stores and returns, the [`CredentialRegistry`] trait other contracts
//! call, and the exact commitment scheme that the off-chain toolkit and the contract share.
//!
//! ## Claims commitments
//! A credential's claims are never stored on chain. For each property of the CPT, in the CPT's
//! order, the issuer computes a leaf
//! `blake2_256(SCALE(CLAIM_LEAF_DOMAIN, name, salt, value))` with a fresh 32-byte salt (an absent
//! optional field has the leaf [`ABSENT_LEAF`]); the anchored `claims_root` is
//! `blake2_256(SCALE(CLAIMS_ROOT_DOMAIN, leaves))`. Disclosing a field means handing over its
//! value and salt together with the other leaves; the verifier recomputes the root.

use crate::did::{DidId, DidSignature, Timestamp};
use crate::escrow::blake2;
use ink::prelude::{string::String, vec, vec::Vec};
use ink::primitives::AccountId;
use scale::Encode;

/// Identifier of a credential template.
pub type CptId = u32;
/// Identifier of an anchored credential (the off-chain credential's `id`, hashed).
pub type CredentialId = [u8; 32];

/// System templates (the seed's trade templates among them): registered at deployment or by an
/// authority.
pub const SYSTEM_CPT_IDS: core::ops::Range<CptId> = 0..1_000;
/// Templates published by authorities (qualification credentials, e.g. green-energy certificates).
pub const AUTHORITY_CPT_IDS: core::ops::Range<CptId> = 1_000..2_000_000;
/// Templates published by issuers (providers that passed KYC).
pub const ISSUER_CPT_IDS: core::ops::RangeFrom<CptId> = 2_000_000..;

/// The system CPT id of the seed's trade-start credential.
pub const TRADE_START_CPT: CptId = 1;
/// The system CPT id of the seed's settlement credential.
pub const SETTLEMENT_CPT: CptId = 2;
/// The protocol's templates: the credential registry's constructor stores them and nobody may
/// deprecate them (`ProtocolTemplate`). Their credentials are held by the trade escrow that
/// records them (`crate::trade_credentials`), never anchored in the registry itself.
pub const PROTOCOL_CPTS: [CptId; 2] = [TRADE_START_CPT, SETTLEMENT_CPT];

pub const CLAIM_LEAF_DOMAIN: [u8; 16] = *b"cgrid/vc-leaf/v1";
pub const CLAIMS_ROOT_DOMAIN: [u8; 16] = *b"cgrid/vc-root/v1";
pub const VC_ISSUE_DOMAIN: [u8; 16] = *b"cgrid/vc-issue/1";
pub const VC_ID_DOMAIN: [u8; 16] = *b"cgrid/vc-id/v2\0\0";
/// The leaf of an optional property that the credential does not contain.
pub const ABSENT_LEAF: [u8; 32] = [0; 32];

/// The type of a template property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum PropertyType {
    /// UTF-8 text.
    String,
    /// A signed integer (i128).
    Integer,
    /// A fixed-point decimal: an integer count of 10^-`scale` units.
    Decimal {
        /// Decimal places, at most 18 (`MAX_DECIMAL_SCALE`): 2 means the value counts
        /// hundredths.
        scale: u8,
    },
    /// `true` or `false`.
    Boolean,
    /// Milliseconds since the Unix epoch.
    Timestamp,
}

/// One property of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct CptProperty {
    /// The claim's name (e.g. `price`), 1 to 32 bytes, unique within the template; it is part
    /// of the claim's leaf.
    pub name: String,
    /// The type of the claim's value.
    pub property_type: PropertyType,
    /// What the claim means; at most 128 bytes, may be empty.
    pub description: String,
    /// Whether every credential of the template carries the claim (checked off chain, where
    /// the claims are; an absent optional claim has the leaf `ABSENT_LEAF`).
    pub required: bool,
    /// For strings: the allowed values (empty = any); at most 8, of 1 to 32 bytes each. Other
    /// types must leave it empty.
    pub allowed: Vec<String>,
}

/// A Claim Protocol Type: a JSON-schema-like credential template.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct CptTemplate {
    /// The template's title, 1 to 64 bytes (empty when a mask withholds it).
    pub title: String,
    /// What the template certifies; at most 256 bytes, may be empty.
    pub description: String,
    /// The claims, in the order their leaves are committed; 1 to 24.
    pub properties: Vec<CptProperty>,
}

/// Who published a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Publisher {
    /// Registered at deployment or by an authority on the platform's behalf.
    System,
    /// An authority account.
    Authority(AccountId),
    /// An issuer DID.
    Issuer(DidId),
}

/// A registered template with its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct CptInfo {
    /// The template's id: 0–999 system, 1,000–1,999,999 authority, 2,000,000 and up issuer.
    pub id: CptId,
    /// Who published it.
    pub publisher: Publisher,
    /// The template (its title, description and properties read as empty when a mask
    /// withholds them).
    pub template: CptTemplate,
    /// blake2-256 of the SCALE-encoded template; unique across the registry.
    pub content_hash: [u8; 32],
    /// The template this one is a new version of, if any.
    pub predecessor: Option<CptId>,
    /// The newer version of this template, once one is registered.
    pub successor: Option<CptId>,
    /// When it was registered, in milliseconds since the Unix epoch.
    pub created_at: Timestamp,
    /// Whether its publisher deprecated it: no new credential of it can be anchored.
    pub deprecated: bool,
}

/// Who issued a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Issuer {
    /// An issuer or authority DID.
    Did(DidId),
    /// A designated system issuer contract (the trade escrow, the auction).
    System(AccountId),
}

/// The lifecycle state of an anchored credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum CredentialStatus {
    /// In force (it counts while unexpired and, for an issuer DID, while that DID is active).
    Active,
    /// Temporarily invalid; may be unsuspended.
    Suspended,
    /// Final.
    Revoked,
}

/// An issuer DID's signature authorising an anchor, so that anyone may submit it (`issue`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct IssuerProof {
    /// The id of the issuer DID's `assertionMethod` key that signed (e.g. `"key-1"`).
    pub key_id: String,
    /// That key's signature over blake2-256 of `anchor_preimage(registry, request)`.
    pub signature: DidSignature,
}

/// What an issuer anchors for a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct AnchorRequest {
    /// The credential's id: it must be [`AnchorRequest::id_hash`] of this request (it commits
    /// to the issuer, the subject, the template and the claims root).
    pub id: CredentialId,
    /// The credential's template: registered and not deprecated.
    pub cpt_id: CptId,
    /// The issuer DID: active, holding the Issuer role (without a signature, an authority
    /// acting for its own DID may issue too).
    pub issuer: DidId,
    /// The DID the credential is about; it must be active.
    pub subject: DidId,
    /// The salted commitment to the claims (see the module docs).
    pub claims_root: [u8; 32],
    /// When the credential expires (it counts strictly before), in milliseconds since the
    /// Unix epoch; must be in the future. `None`: never expires.
    pub expires_at: Option<Timestamp>,
    /// For claims encrypted under an attribute policy (CP-ABE): hash of the ciphertext. Set
    /// together with `policy_id`, or neither.
    pub ciphertext_hash: Option<[u8; 32]>,
    /// The attribute policy's id (hash of the policy tree). Set together with
    /// `ciphertext_hash`, or neither.
    pub policy_id: Option<[u8; 32]>,
}

/// An anchored credential as the registry stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct CredentialAnchor {
    /// The credential's template.
    pub cpt_id: CptId,
    /// Who issued it: an issuer DID, or a system issuer contract.
    pub issuer: Issuer,
    /// The DID the credential is about (all zeros when a mask withholds it).
    pub subject: DidId,
    /// The salted commitment to the claims (see the module docs).
    pub claims_root: [u8; 32],
    /// When it was anchored, in milliseconds since the Unix epoch.
    pub issued_at: Timestamp,
    /// When it expires (it counts strictly before), in milliseconds since the Unix epoch;
    /// `None`: never.
    pub expires_at: Option<Timestamp>,
    /// Hash of the CP-ABE ciphertext of the claims, if they are encrypted.
    pub ciphertext_hash: Option<[u8; 32]>,
    /// The attribute policy's id, if the claims are encrypted.
    pub policy_id: Option<[u8; 32]>,
    /// Active, suspended or revoked.
    pub status: CredentialStatus,
    /// When the status last changed (at first: when it was anchored), in milliseconds since
    /// the Unix epoch.
    pub status_changed_at: Timestamp,
    /// For a system credential (trade-start, settlement), the trade it records: its reads
    /// honour that trade's mask too. `None` for issued credentials.
    pub trade: Option<[u8; 32]>,
}

impl CredentialAnchor {
    /// Whether the credential expired at `now`.
    pub fn expired_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|t| now >= t)
    }

    /// Active (not suspended or revoked) and unexpired at `now`. `verify` also requires the
    /// issuer DID to be active.
    pub fn current_at(&self, now: Timestamp) -> bool {
        self.status == CredentialStatus::Active && !self.expired_at(now)
    }
}

/// What `verify` tells another contract or an off-chain verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct CredentialView {
    /// The credential's anchor.
    pub anchor: CredentialAnchor,
    /// Active, unexpired, and the issuer DID (if any) still active: the credential counts now.
    pub valid: bool,
    /// Whether its expiry has passed.
    pub expired: bool,
}

/// A claim value, typed by the template's property type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum ClaimValue {
    /// The value of a `String` property.
    String(String),
    /// The value of an `Integer` property.
    Integer(i128),
    /// Units of 10^-scale (the value of a `Decimal` property of that `scale`).
    Decimal(i128),
    /// The value of a `Boolean` property.
    Boolean(bool),
    /// Milliseconds since the Unix epoch (the value of a `Timestamp` property).
    Timestamp(u64),
}

/// The leaf commitment of one claim.
pub fn claim_leaf_preimage(name: &str, salt: &[u8; 32], value: &ClaimValue) -> Vec<u8> {
    (CLAIM_LEAF_DOMAIN, name, salt, value).encode()
}

/// blake2-256 of [`claim_leaf_preimage`]: the leaf of one claim.
#[inline]
pub fn claim_leaf_hash(name: &str, salt: &[u8; 32], value: &ClaimValue) -> [u8; 32] {
    blake2(&claim_leaf_preimage(name, salt, value))
}

/// The preimage of the claims root over the leaves in template order.
pub fn claims_root_preimage(leaves: &[[u8; 32]]) -> Vec<u8> {
    (CLAIMS_ROOT_DOMAIN, leaves).encode()
}

/// blake2-256 of [`claims_root_preimage`]: the claims root over the leaves in template order.
#[inline]
pub fn claims_root_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    blake2(&claims_root_preimage(leaves))
}

/// The preimage whose blake2-256 is the id of a credential an issuer anchors (`issue`): the
/// id commits to the issuer, the subject, the template and the claims root (whose leaves are
/// salted, so re-issuing the same claims gives a new id). No issuer can choose an id, so none
/// can take one that a system issuer will need (a channel id, a settlement id) or another
/// issuer's. System credentials (`anchor_system`) keep the ids their issuer derives.
pub fn issued_id_preimage(
    issuer: &DidId,
    subject: &DidId,
    cpt_id: CptId,
    claims_root: &[u8; 32],
) -> Vec<u8> {
    (VC_ID_DOMAIN, issuer, subject, cpt_id, claims_root).encode()
}

/// blake2-256 of [`issued_id_preimage`]: the id of a credential an issuer anchors.
#[inline]
pub fn issued_id_hash(
    issuer: &DidId,
    subject: &DidId,
    cpt_id: CptId,
    claims_root: &[u8; 32],
) -> CredentialId {
    blake2(&issued_id_preimage(issuer, subject, cpt_id, claims_root))
}

impl AnchorRequest {
    /// The preimage of the id this request must carry ([`issued_id_preimage`]).
    pub fn id_preimage(&self) -> Vec<u8> {
        issued_id_preimage(&self.issuer, &self.subject, self.cpt_id, &self.claims_root)
    }

    /// blake2-256 of [`AnchorRequest::id_preimage`]: the id this request must carry.
    #[inline]
    pub fn id_hash(&self) -> CredentialId {
        blake2(&self.id_preimage())
    }
}

/// The preimage whose blake2-256 an issuer DID's `assertionMethod` key signs to have anyone
/// anchor `request` in the registry at `registry`.
pub fn anchor_preimage(registry: &AccountId, request: &AnchorRequest) -> Vec<u8> {
    (VC_ISSUE_DOMAIN, registry, request).encode()
}

/// blake2-256 of [`anchor_preimage`]: the hash an issuer DID's `assertionMethod` key signs.
#[inline]
pub fn anchor_hash(registry: &AccountId, request: &AnchorRequest) -> [u8; 32] {
    blake2(&anchor_preimage(registry, request))
}

/// The credential registry as other contracts see it. Implemented by `vc_templates`.
#[ink::trait_definition]
pub trait CredentialRegistry {
    /// The anchor of credential `id` and whether it counts now; `None` if unknown. Under a
    /// regulator's mask, the masked fields are withheld and the marker says why (validity is
    /// not affected by a mask).
    #[ink(message)]
    fn verify(&self, id: CredentialId) -> Option<crate::MaskedView<CredentialView>>;

    /// The anchor of credential `id` alone (no call to the DID registry: cheaper than `verify`
    /// for callers that vet the issuer themselves); `None` if unknown. For a reader, under a
    /// mask that withholds the subject (see `verify`) the subject reads as zero; a calling
    /// contract (whose rules need the truth) reads the anchor as it is.
    #[ink(message)]
    fn anchor_of(&self, id: CredentialId) -> Option<CredentialAnchor>;

    /// [`CredentialRegistry::anchor_of`] of each of `ids`, in order, in one call (a contract
    /// that checks several credentials loads this registry once). Only the first 16 ids
    /// (`MAX_ANCHORS_PER_READ` in vc_templates) are read; the rest are ignored.
    #[ink(message)]
    fn anchors_of(
        &self,
        ids: ink::prelude::vec::Vec<CredentialId>,
    ) -> ink::prelude::vec::Vec<Option<CredentialAnchor>>;

    /// Anchors a credential of a system template other than the protocol's (whose
    /// credentials the trade escrow holds) on behalf of the calling system issuer contract; the
    /// caller computes the claims root and names the `trade` the credential records (its reads
    /// honour that trade's mask). The subject's
    /// identity state is not consulted: the system issuer vouches for it, and a settlement
    /// must be recordable even after a party deactivated its DID.
    #[ink(message)]
    fn anchor_system(
        &mut self,
        id: CredentialId,
        cpt_id: CptId,
        subject: DidId,
        claims_root: [u8; 32],
        trade: [u8; 32],
    ) -> Result<(), AnchorError>;
}

/// Why a system anchoring was refused (what callers of [`CredentialRegistry::anchor_system`]
/// match on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum AnchorError {
    /// The caller is not a designated system issuer: the root authority designates them in
    /// the credential registry (`set_system_issuer`).
    NotSystemIssuer,
    /// The template is not a system template (id below 1,000), is a protocol template (the
    /// trade escrow holds those credentials), does not exist, or is deprecated.
    BadTemplate,
    /// A credential with this id exists already; ids are never reused.
    CredentialExists,
    /// The registry's count of credentials is at its maximum; not expected in practice.
    Overflow,
}

/// The credential registry at an address, as other contracts call it: each method is one call
/// of the [`CredentialRegistry`] message of the same name. Contracts' unit tests use
/// `testing::Credentials` instead (ink!'s off-chain environment cannot call contracts).
pub struct Credentials(ink::contract_ref!(CredentialRegistry, ink::env::DefaultEnvironment));

impl Credentials {
    /// The registry at `address`.
    #[inline]
    pub fn at(address: AccountId) -> Self {
        Credentials(address.into())
    }

    /// [`CredentialRegistry::anchor_of`].
    #[inline]
    pub fn anchor_of(&self, id: CredentialId) -> Option<CredentialAnchor> {
        self.0.anchor_of(id)
    }

    /// [`CredentialRegistry::anchors_of`].
    #[inline]
    pub fn anchors_of(
        &self,
        ids: ink::prelude::vec::Vec<CredentialId>,
    ) -> ink::prelude::vec::Vec<Option<CredentialAnchor>> {
        self.0.anchors_of(ids)
    }
}

/// A per-thread stand-in for the credential registry in contracts' unit tests (feature
/// `testing`): [`testing::Credentials`] answers from the [`testing::Table`] that
/// [`testing::with`] fills.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// What the stand-in registry answers and records.
    #[derive(Debug, Default)]
    pub struct Table {
        /// `anchor_of`: the anchored credentials.
        pub credentials: HashMap<CredentialId, CredentialAnchor>,
        /// How many `anchors_of` calls were made.
        pub batched_reads: u32,
    }

    thread_local! {
        static TABLE: RefCell<Table> = RefCell::new(Table::default());
    }

    /// Reads or changes this thread's table.
    pub fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
        TABLE.with(|t| f(&mut t.borrow_mut()))
    }

    /// As the on-chain [`super::Credentials`], against this thread's table.
    pub struct Credentials;

    impl Credentials {
        /// The stand-in (the address is ignored).
        pub fn at(_address: AccountId) -> Self {
            Credentials
        }

        /// The table's anchor of `id`.
        pub fn anchor_of(&self, id: CredentialId) -> Option<CredentialAnchor> {
            with(|t| t.credentials.get(&id).cloned())
        }

        /// The table's anchor of each of `ids`; counts the call in `batched_reads`.
        pub fn anchors_of(&self, ids: Vec<CredentialId>) -> Vec<Option<CredentialAnchor>> {
            with(|t| {
                t.batched_reads += 1;
                ids.iter()
                    .map(|id| t.credentials.get(id).cloned())
                    .collect()
            })
        }
    }
}

/// One property of a seed template: name, type, description, required; no allowed values.
type SeedProperty = (&'static str, PropertyType, &'static str, bool);

/// A seed template from its text, as data: one loop builds it, so the constructor that stores
/// it stays small (its code is loaded by every call of the credential registry, issue 21).
fn seed_template(title: &str, description: &str, properties: &[SeedProperty]) -> CptTemplate {
    CptTemplate {
        title: title.into(),
        description: description.into(),
        properties: properties
            .iter()
            .map(|(name, property_type, description, required)| CptProperty {
                name: (*name).into(),
                property_type: *property_type,
                description: (*description).into(),
                required: *required,
                allowed: Vec::new(),
            })
            .collect(),
    }
}

/// The seed's trade-start credential: both sides agree on it before a channel opens.
pub fn trade_start_template() -> CptTemplate {
    const PROPERTIES: [SeedProperty; 7] = [
        ("pdid", PropertyType::String, "provider DID", true),
        ("cdid", PropertyType::String, "consumer DID", true),
        ("spec", PropertyType::String, "compute specification", true),
        (
            "price",
            PropertyType::Integer,
            "price per minute, smallest unit",
            true,
        ),
        (
            "minCost",
            PropertyType::Integer,
            "minimum charge, smallest unit",
            false,
        ),
        (
            "checkinCptId",
            PropertyType::Integer,
            "CPT of the check-in credential",
            true,
        ),
        (
            "encryption",
            PropertyType::String,
            "how claim payloads are protected",
            false,
        ),
    ];
    let mut template = seed_template(
        "ComputeGrid trade start",
        "Terms both sides agree on before a compute trade's channel opens",
        &PROPERTIES,
    );
    if let Some(encryption) = template.properties.last_mut() {
        encryption.allowed = vec!["plain".into(), "CP-ABE".into()];
    }
    template
}

/// The seed's settlement credential: anchored at each settlement of a trade.
pub fn settlement_template() -> CptTemplate {
    const PROPERTIES: [SeedProperty; 6] = [
        ("pdid", PropertyType::String, "provider DID", true),
        ("cdid", PropertyType::String, "consumer DID", true),
        (
            "cost",
            PropertyType::Integer,
            "amount settled, smallest unit",
            true,
        ),
        (
            "startTs",
            PropertyType::Timestamp,
            "start of the settled period",
            true,
        ),
        (
            "endTs",
            PropertyType::Timestamp,
            "end of the settled period",
            true,
        ),
        (
            "tradeType",
            PropertyType::String,
            "e.g. checkpoint, close",
            true,
        ),
    ];
    seed_template(
        "ComputeGrid settlement",
        "What a compute trade settled: cost and period",
        &PROPERTIES,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(expires_at: Option<Timestamp>) -> AnchorRequest {
        AnchorRequest {
            id: [1; 32],
            cpt_id: 2,
            issuer: [3; 32],
            subject: [4; 32],
            claims_root: [5; 32],
            expires_at,
            ciphertext_hash: None,
            policy_id: None,
        }
    }

    /// The anchor preimage an issuer's key signs: its domain, the registry, then the request.
    #[test]
    fn the_anchor_preimage_has_its_domain_and_layout() {
        let request = request(None);
        let registry = AccountId::from([9; 32]);
        let preimage = anchor_preimage(&registry, &request);
        assert_eq!(&preimage[..16], &VC_ISSUE_DOMAIN[..]);
        assert_eq!(&preimage[16..48], &[9; 32][..]);
        assert_eq!(&preimage[48..], &request.encode()[..]);
        let id = request.id_preimage();
        assert_eq!(&id[..16], &VC_ID_DOMAIN[..]);
        assert_eq!(id.len(), 16 + 32 + 32 + 4 + 32);
    }

    /// Every hash is blake2-256 of its preimage (see `escrow::reference_blake2`).
    /// The seed templates are the data model the issue fixed (trade-start and settlement): their
    /// content, and so the content hash every deployment registers them under, never changes
    /// by accident (these are the hashes of the templates as first written, property by
    /// property).
    #[test]
    fn the_seed_templates_keep_their_content_hashes() {
        use crate::escrow::reference_blake2;
        let hex = |template: CptTemplate| -> String {
            reference_blake2(&scale::Encode::encode(&template))
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(
            hex(trade_start_template()),
            "e662bc9cbaa3d46ca5deb9a0d6ccc3c6b5d5d7f4e54897ea244f33e0953929f7"
        );
        assert_eq!(
            hex(settlement_template()),
            "f5dbcfed23069dde0707285edf8d1f7bb62b4e32fe109cd658343d6f830232a8"
        );
        let encryption = trade_start_template()
            .properties
            .pop()
            .expect("7 properties");
        assert_eq!(encryption.name, "encryption");
        assert_eq!(encryption.allowed, ["plain", "CP-ABE"]);
    }

    #[test]
    fn every_hash_is_the_blake2_256_of_its_preimage() {
        use crate::escrow::reference_blake2;
        let request = request(Some(6));
        let registry = AccountId::from([9; 32]);
        let value = ClaimValue::Integer(7);
        let cases: [([u8; 32], Vec<u8>); 5] = [
            (
                claim_leaf_hash("n", &[8; 32], &value),
                claim_leaf_preimage("n", &[8; 32], &value),
            ),
            (
                claims_root_hash(&[[1; 32], [2; 32]]),
                claims_root_preimage(&[[1; 32], [2; 32]]),
            ),
            (
                issued_id_hash(&[3; 32], &[4; 32], 2, &[5; 32]),
                issued_id_preimage(&[3; 32], &[4; 32], 2, &[5; 32]),
            ),
            (request.id_hash(), request.id_preimage()),
            (
                anchor_hash(&registry, &request),
                anchor_preimage(&registry, &request),
            ),
        ];
        for (i, (hash, preimage)) in cases.into_iter().enumerate() {
            assert_eq!(hash, reference_blake2(&preimage), "case {i}");
        }
    }

    #[test]
    fn id_ranges_do_not_overlap() {
        assert_eq!(SYSTEM_CPT_IDS.end, AUTHORITY_CPT_IDS.start);
        assert_eq!(AUTHORITY_CPT_IDS.end, ISSUER_CPT_IDS.start);
        assert!(SYSTEM_CPT_IDS.contains(&TRADE_START_CPT));
        assert!(SYSTEM_CPT_IDS.contains(&SETTLEMENT_CPT));
    }

    #[test]
    fn leaves_bind_name_salt_and_value() {
        let v = ClaimValue::Integer(5);
        let base = claim_leaf_preimage("price", &[1; 32], &v);
        assert_ne!(base, claim_leaf_preimage("cost", &[1; 32], &v));
        assert_ne!(base, claim_leaf_preimage("price", &[2; 32], &v));
        assert_ne!(
            base,
            claim_leaf_preimage("price", &[1; 32], &ClaimValue::Integer(6))
        );
        assert_ne!(
            base,
            claim_leaf_preimage("price", &[1; 32], &ClaimValue::Decimal(5))
        );
        assert_ne!(
            claims_root_preimage(&[[1; 32], [2; 32]]),
            claims_root_preimage(&[[2; 32], [1; 32]])
        );
    }
}
