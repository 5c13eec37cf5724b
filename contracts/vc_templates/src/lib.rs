//! # vc_templates
//!
//! Credential templates (CPTs, as in WeIdentity) and anchored verifiable credentials for
//! ComputeGrid. All trade data is carried as credentials; the chain keeps only anchors.
//!
//! ## What it guarantees
//! - A template is stored once: its content hash is unique. Ids come from the publisher's range
//!   (system 0–999, authority 1,000–1,999,999, issuer 2,000,000+); a new version links to its
//!   predecessor (same publisher, one successor each); the publisher may deprecate it, after
//!   which no credential of it can be issued.
//! - The seed's trade templates exist from deployment: trade-start (id 1) and settlement (id 2).
//! - A credential anchor (template, issuer, subject, claims root, expiry, optional ciphertext hash
//!   and policy id) is written only by an issuer that holds the Issuer role (or an authority
//!   acting for its own DID), authorised either by the caller acting for the issuer DID or by a
//!   signature of the issuer DID's `assertionMethod` key over this registry and the request.
//! - Designated system issuer contracts anchor system-template credentials other than the
//!   protocol's, and only they: an issuer DID cannot issue a credential of a system template.
//! - **Trade credentials come from the escrow.** The trade-start and settlement credentials
//!   are held by the trade escrow that recorded them as the trade happened
//!   (`cgrid_shared::trade_credentials`); nobody anchors one here. `verify`, a reader's
//!   `anchor_of` / `anchors_of` and the status messages answer an id this registry does not
//!   hold by asking the escrow root wired in (`set_trade_escrow`), and take its answer only if
//!   it is a protocol-template credential issued by that escrow; masks and status changes apply
//!   to it as to any credential (a status change stores the credential here, with its new
//!   status). Root alone designates system issuers, wires the escrow and names the mask
//!   registry: one other authority cannot.
//! - **No squatting.** An issued credential's id is not chosen: it commits to the issuer,
//!   subject, template and claims root (`cgrid_shared::issued_id_preimage`), so no issuer can
//!   take an id the escrow derives (a channel id, a settlement id) or another issuer's.
//! - The trade-start and settlement templates cannot be deprecated (the escrow's protocol).
//! - Status moves Active ⇄ Suspended → Revoked (final), by the issuer or an authority.
//! - A credential counts (`verify.valid`) while it is active, unexpired and, if a DID issued it,
//!   that DID is active. A system credential stays valid after root withdraws its issuer
//!   contract: withdrawal stops new anchoring, a trade's record is history (an authority
//!   revokes one that must stop counting).
//! - `verify` reads one anchor (and asks the escrow once for a trade credential): its cost
//!   does not depend on how many credentials exist.
//! - **Masks are honoured.** Once root names the mask registry (`set_mask_registry`),
//!   `cpt` and `verify` return masked views under a regulator's mask (masked fields withheld, a
//!   marker saying who, when and why), and the owner's writes to a record under a whole-record
//!   mask — the publisher deprecating a template, the issuer changing a credential's status —
//!   are refused with `Masked` unless the mask lets the owner write (an authority still may);
//!   a field mask leaves them alone, as they change no maskable field. A trade's system
//!   credentials (its trade-start, id = channel id, and its settlements) record their trade, and
//!   a mask on the trade that hides a party withholds their subject too. `anchor_of` honours
//!   the same masks as `verify` for readers; another contract calling it (whose rules need the
//!   truth, e.g. an auction's proof check) reads the anchor as it is — a mask is not a
//!   revocation, and `verify.valid` is computed as before. `CredentialAnchored` names no
//!   subject for a system credential (a mask placed later could not take it back).
//! - Every failure returns a typed [`Error`] and changes nothing; every change emits an event.
//!
//! Identity checks (roles, authorities, DID control, DID key signatures) are calls to the DID
//! registry through the shared `DidRegistry` trait.
//!
//! ## Four code blobs
//! The address runs the **main code**: what other contracts call on every trade (`anchors_of`
//! and `anchor_of` as a contract reads them, unmasked: the credentials held here) and the
//! small getters. Everything else lives in three **cold codes**, which the main code
//! delegate-calls with the call's own input, cloned by the host
//! (`cgrid_shared::split`): the first issues credentials and changes their status (`issue`,
//! `suspend`, `unsuspend`, `revoke`, and `anchor_system`, which reads the template and
//! refuses a deprecated one); the second manages templates and wiring (`register_cpt`,
//! `deprecate_cpt`, `cpt_by_hash`, `set_system_issuer`, `set_trade_escrow`,
//! `set_mask_registry`); the third serves the reads that honour the masks (`verify`, `cpt`,
//! and a person's `anchor_of` / `anchors_of`; `verify` also asks the issuer DID's state: an
//! off-chain reader's question; a contract reads `anchor_of` and vets the issuer itself, as the
//! auction does). A trade loads the small main code only, a cold call the main code and one
//! cold code. The constructor stores the two seed templates without running `register_cpt`'s
//! checks (they pass them: a unit test says so), so the main code carries none of them. The
//! main code names each cold code by a hash compiled into it and locks it as a delegate
//! dependency when instantiated; all read and write the same storage, and the ABI is that of
//! one contract.

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

pub use self::vc_templates::{Error, Field, VcTemplates, VcTemplatesRef};

/// The contract's events, for off-chain decoders (`cgrid-suite`).
pub mod events {
    pub use super::vc_templates::{
        CptDeprecated, CptRegistered, CredentialAnchored, CredentialStatusChanged, MaskRegistrySet,
        SystemIssuerSet, TradeEscrowSet,
    };
}

/// Longest template title, in bytes.
pub const MAX_TITLE_LEN: u32 = 64;
/// Longest template description, in bytes.
pub const MAX_DESCRIPTION_LEN: u32 = 256;
/// Most properties in one template.
pub const MAX_PROPERTIES: u32 = 24;
/// Longest property name, in bytes.
pub const MAX_PROPERTY_NAME_LEN: u32 = 32;
/// Longest property description, in bytes.
pub const MAX_PROPERTY_DESCRIPTION_LEN: u32 = 128;
/// Most allowed values of one string property.
pub const MAX_ALLOWED_VALUES: u32 = 8;
/// Longest allowed value, in bytes.
pub const MAX_ALLOWED_VALUE_LEN: u32 = 32;
/// Largest decimal scale.
pub const MAX_DECIMAL_SCALE: u8 = 18;
/// Most anchors one `anchors_of` call returns (the rest of the ids are ignored).
pub const MAX_ANCHORS_PER_READ: usize = 16;

#[ink::contract]
mod vc_templates {
    use super::*;
    use cgrid_shared::Maskable;
    use cgrid_shared::{
        anchor_hash, blake2, settlement_template, trade_start_template, AnchorError, AnchorRequest,
        CptId, CptInfo, CptProperty, CptTemplate, CredentialAnchor, CredentialId, CredentialStatus,
        CredentialView, DidId, Fact, Issuer, IssuerProof, KeyPurpose, Mask, MaskedView,
        PropertyType, Publisher, Role, SignedByDid, Target, AUTHORITY_CPT_IDS, ISSUER_CPT_IDS,
        PROTOCOL_CPTS, SETTLEMENT_CPT, SYSTEM_CPT_IDS, TRADE_START_CPT,
    };
    use cgrid_shared::{cold_code, in_cold_code, in_cold_code_if, lock_cold_code};
    use ink::prelude::string::String;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;

    // The DID registry and the mask registry through the shared clients on chain, their
    // per-thread doubles in unit tests (ink!'s off-chain environment cannot call contracts).
    #[cfg(test)]
    use cgrid_shared::testing::{did::Registry, mask::mask_at, trade::TradeIssuer};
    #[cfg(not(test))]
    use cgrid_shared::{mask_at, Registry, TradeIssuer};

    // ------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------

    #[ink(storage)]
    pub struct VcTemplates {
        did_registry: AccountId,
        cpts: Mapping<CptId, CptInfo>,
        cpt_by_hash: Mapping<[u8; 32], CptId>,
        /// Next automatically assigned id in each range.
        next_system_id: CptId,
        next_authority_id: CptId,
        next_issuer_id: CptId,
        cpt_count: u32,
        credentials: Mapping<CredentialId, CredentialAnchor>,
        credential_count: u64,
        system_issuers: Mapping<AccountId, ()>,
        /// The mask registry whose masks the reads and owners' writes honour (`None`: none).
        mask_registry: Option<AccountId>,
        /// The trade escrow whose trade-start and settlement credentials the reads answer
        /// (`None`: none).
        trade_escrow: Option<AccountId>,
    }

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------

    /// A credential template was registered: one of the seed's two at deployment, or one
    /// through `register_cpt`.
    #[ink(event)]
    pub struct CptRegistered {
        /// The template's id.
        #[ink(topic)]
        pub cpt_id: CptId,
        /// Who published it: the system, an authority account or an issuer DID.
        pub publisher: Publisher,
        /// blake2-256 of the SCALE-encoded template; unique in this registry.
        pub content_hash: [u8; 32],
        /// The template this one is a new version of; `None` if it is a first version.
        pub predecessor: Option<CptId>,
        /// The account that registered it (for the seed templates, the deploying account).
        #[ink(topic)]
        pub by: AccountId,
    }

    /// A template was deprecated: no new credential can be issued under it; credentials
    /// already issued under it are unaffected.
    #[ink(event)]
    pub struct CptDeprecated {
        /// The template's id.
        #[ink(topic)]
        pub cpt_id: CptId,
        /// The account that deprecated it, on the publisher's behalf.
        #[ink(topic)]
        pub by: AccountId,
    }

    /// A credential was anchored, by an issuer (`issue`) or by a system issuer contract
    /// (`anchor_system`). It starts `Active`; its claims stay off chain.
    #[ink(event)]
    pub struct CredentialAnchored {
        /// The credential's id.
        #[ink(topic)]
        pub id: CredentialId,
        /// The template the credential follows.
        pub cpt_id: CptId,
        /// Who issued it: an issuer (or authority) DID, or the system issuer contract.
        pub issuer: Issuer,
        /// The subject's DID. `None` for a system credential (trade-start, settlement): its
        /// subject is a party of a trade a regulator may mask later, so it is read through
        /// `verify`, which honours that mask, rather than published for good.
        #[ink(topic)]
        pub subject: Option<DidId>,
        /// The commitment to the credential's claims (blake2-256 over the salted claim leaves,
        /// in the template's property order).
        pub claims_root: [u8; 32],
        /// When the credential expires, in milliseconds since the Unix epoch; `None`: never.
        pub expires_at: Option<Timestamp>,
    }

    /// A credential's status changed (`suspend`, `unsuspend` or `revoke`).
    #[ink(event)]
    pub struct CredentialStatusChanged {
        /// The credential's id.
        #[ink(topic)]
        pub id: CredentialId,
        /// Its status before the change.
        pub from: CredentialStatus,
        /// Its status now.
        pub to: CredentialStatus,
        /// The account that changed it: one acting for the issuer, or an authority.
        #[ink(topic)]
        pub by: AccountId,
    }

    /// The root authority named (or, with `None`, removed) the mask registry.
    #[ink(event)]
    pub struct MaskRegistrySet {
        /// The root authority's account.
        #[ink(topic)]
        pub by: AccountId,
        /// The mask registry whose masks this contract now honours; `None`: no masks at all.
        pub registry: Option<AccountId>,
    }

    /// The root authority wired in (or, with `None`, out) the trade escrow whose trade
    /// credentials the reads answer.
    #[ink(event)]
    pub struct TradeEscrowSet {
        /// The root authority's account.
        #[ink(topic)]
        pub by: AccountId,
        /// The escrow asked for ids this registry does not hold; `None`: none.
        pub escrow: Option<AccountId>,
    }

    /// The root authority designated a system issuer contract, or withdrew the designation.
    #[ink(event)]
    pub struct SystemIssuerSet {
        /// The contract account concerned.
        #[ink(topic)]
        pub account: AccountId,
        /// `true`: it may now anchor system-template credentials (`anchor_system`); `false`:
        /// it no longer may.
        pub enabled: bool,
        /// The root authority's account.
        #[ink(topic)]
        pub by: AccountId,
    }

    // ------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------

    /// A bounded text field of a template (lengths are in bytes of UTF-8).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Field {
        /// The template's title: 1 to `MAX_TITLE_LEN` (64) bytes.
        Title,
        /// The template's description: at most `MAX_DESCRIPTION_LEN` (256) bytes; may be empty.
        Description,
        /// A property's name: 1 to `MAX_PROPERTY_NAME_LEN` (32) bytes.
        PropertyName,
        /// A property's description: at most `MAX_PROPERTY_DESCRIPTION_LEN` (128) bytes; may be
        /// empty.
        PropertyDescription,
        /// One allowed value of a string property: 1 to `MAX_ALLOWED_VALUE_LEN` (32) bytes.
        AllowedValue,
    }

    /// Why a call was refused. A refused call changes nothing and emits nothing.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// The caller is not an authority of the DID registry (a system template needs one),
        /// or is not the very authority account named in `Publisher::Authority`: call from
        /// that account.
        NotAuthority,
        /// Only the root authority of the DID registry may do this: call from the root account.
        NotRoot,
        /// A regulator masked this record as a whole and did not let its owner write: its
        /// publisher cannot deprecate the template, and only an authority may change the
        /// credential's status. Ask the regulator (see the mask registry).
        Masked {
            /// The masked record: `Cpt(id)` or `Credential(id)`.
            target: Target,
            /// The regulator's reason code for the mask (its catalogue is off chain).
            reason_code: u16,
        },
        /// The caller may not act for this DID (it is neither the DID's account nor that of an
        /// active controller, or the DID is not active): call from such an account, or (for
        /// `issue`) send the issuer's signature as the proof.
        NotController(DidId),
        /// This DID does not hold the Issuer role (and, for `issue` without a proof, the caller
        /// is not an authority): have an authority grant the role in the DID registry.
        NotIssuer(DidId),
        /// The requested template id is outside the publisher's range (system 0–999, authority
        /// 1,000–1,999,999, issuer 2,000,000 and up): pick an id in `min..=max`, or none.
        IdOutOfRange {
            /// The id requested.
            id: CptId,
            /// The lowest id of the publisher's range.
            min: CptId,
            /// The highest id of the publisher's range.
            max: CptId,
        },
        /// A template already has this id: request another id, or none to get the next free one.
        IdTaken(CptId),
        /// No id is left to assign automatically in the publisher's range (system ids are
        /// assigned from 100 to 999; 0–99 only on request): request a free id explicitly.
        RangeExhausted,
        /// The same template (same content hash) is already registered under this id: use that
        /// template, or change the new one.
        DuplicateTemplate(CptId),
        /// No template has this id (the template named, or the predecessor): check the id.
        CptNotFound(CptId),
        /// The template with this id is deprecated: it takes no new credentials and cannot be
        /// deprecated again. Use a newer version (its `successor` in `cpt`), if any.
        CptDeprecated(CptId),
        /// The predecessor (this id) has another publisher: a new version must come from the
        /// publisher of the old one.
        PredecessorPublisherMismatch(CptId),
        /// The predecessor already has a newer version: make the new template succeed
        /// `successor` (the latest version) instead.
        PredecessorSuperseded {
            /// The predecessor named.
            predecessor: CptId,
            /// The version that already succeeds it.
            successor: CptId,
        },
        /// A text field of the template is too long, or empty where it must not be (title,
        /// property name, allowed value): shorten or fill it.
        BadLength {
            /// Which text field.
            field: Field,
            /// Its length, in bytes.
            len: u32,
            /// The longest it may be, in bytes.
            max: u32,
        },
        /// A template needs 1 to `MAX_PROPERTIES` (24) properties: add or remove properties.
        BadPropertyCount {
            /// How many properties the template has.
            count: u32,
            /// `MAX_PROPERTIES` (24).
            max: u32,
        },
        /// Two properties of the template have this name: rename one.
        DuplicateProperty(String),
        /// The property with this name lists allowed values but is not a `String` property, or
        /// lists more than `MAX_ALLOWED_VALUES` (8): drop the list or shorten it.
        BadAllowedValues(String),
        /// A `Decimal` property's scale is above `MAX_DECIMAL_SCALE` (18): use a smaller scale.
        BadDecimalScale {
            /// The scale given.
            scale: u8,
            /// `MAX_DECIMAL_SCALE` (18).
            max: u8,
        },
        /// A credential with this id is already anchored (the same issuer, subject, template
        /// and claims root): it was probably issued already; check it with `verify`.
        CredentialExists(CredentialId),
        /// No credential is anchored under this id: check the id.
        CredentialNotFound(CredentialId),
        /// This DID (the issuer or the subject) does not exist or is deactivated: use an
        /// active DID.
        DidInactive(DidId),
        /// The expiry is not after the current block's time: give a later `expires_at`, or
        /// none for a credential that never expires.
        ExpiryInPast {
            /// The current block's timestamp, in milliseconds since the Unix epoch.
            now: Timestamp,
            /// The expiry given, in milliseconds since the Unix epoch.
            expires_at: Timestamp,
        },
        /// Only one of `ciphertext_hash` and `policy_id` was given: give both (claims
        /// encrypted under a policy) or neither.
        IncompleteEncryption,
        /// The proof's signature does not verify with the named `assertionMethod` key of the
        /// issuer DID over blake2-256 of `anchor_preimage(this registry, request)`: check the
        /// key id, the key and that the request signed is exactly the one sent.
        BadSignature,
        /// The template is a system template (id below 1,000: trade-start, settlement, …):
        /// only the system issuer contracts anchor its credentials (`anchor_system`), so that a
        /// trade's records come from the contract that ran the trade. Issue with a template of
        /// your own or an authority's.
        SystemTemplate(CptId),
        /// An issued credential's id is not the issuer's to choose: it must be blake2-256 of
        /// `issued_id_preimage(issuer, subject, cpt, claims root)`. Send `expected` as the id.
        BadCredentialId {
            /// The id this request must carry.
            expected: CredentialId,
        },
        /// The trade-start and settlement templates are part of the escrow's protocol: every
        /// channel opening and settlement anchors one, so nobody may deprecate them.
        ProtocolTemplate(CptId),
        /// Only the issuer (an account acting for the issuer DID, or the system issuer
        /// contract) or an authority may change the credential's status: call from one.
        NotPermitted,
        /// The credential is revoked, which is final: its status cannot change any more.
        AlreadyRevoked,
        /// Only an active credential can be suspended, and this one is already suspended.
        NotActive,
        /// Only a suspended credential can be unsuspended, and this one is active.
        NotSuspended,
        /// The registry's count of templates or credentials is at its maximum; not expected in
        /// practice: report it to the operator.
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    cold_code!(3);

    cgrid_shared::split_entry_points!(VcTemplates, deny_payment = true, cold = [
        1: "issue", "suspend", "unsuspend", "revoke";
        2: "register_cpt", "deprecate_cpt", "cpt_by_hash", "set_system_issuer",
            "set_mask_registry", "set_trade_escrow", "trade_escrow";
        3: "cpt";
    ]);

    /// What `anchor_system` answers for an error of `anchor` (which, without an expiry,
    /// refuses only for the template, an existing id or an overflow).
    impl From<Error> for AnchorError {
        fn from(e: Error) -> Self {
            match e {
                Error::CredentialExists(_) => AnchorError::CredentialExists,
                Error::CptNotFound(_) | Error::CptDeprecated(_) => AnchorError::BadTemplate,
                _ => AnchorError::Overflow,
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Constructors and messages
    // ------------------------------------------------------------------------------------

    impl VcTemplates {
        /// A credential registry that checks identities in `did_registry`, with the seed's
        /// trade-start (id 1) and settlement (id 2) system templates registered. It starts
        /// with no system issuer and no mask registry: root names them afterwards.
        ///
        /// Anyone may deploy it. Emits: `CptRegistered` twice (`by`: the deploying account).
        #[ink(constructor)]
        pub fn new(did_registry: AccountId) -> Self {
            lock_cold_code!(3);
            cgrid_shared::wired_in_cold_code!(
                Self {
                    did_registry,
                    cpts: Mapping::default(),
                    cpt_by_hash: Mapping::default(),
                    next_system_id: 100,
                    next_authority_id: AUTHORITY_CPT_IDS.start,
                    next_issuer_id: ISSUER_CPT_IDS.start,
                    cpt_count: 0,
                    credentials: Mapping::default(),
                    credential_count: 0,
                    system_issuers: Mapping::default(),
                    mask_registry: None,
                    trade_escrow: None,
                },
                2
            )
        }

        /// The end of `new` in the split build, run by the second cold code: stores the seed
        /// templates (`wire`). Reached only from `new`: the main code's constructor stores the
        /// registry as `new` built it before them and calls this message in this code
        /// (`cgrid_shared::split::construct`); no message of the main code has its selector
        /// (`cgrid_shared::split::WIRE_SELECTOR`), so no call of a deployed registry gets here.
        #[cfg(feature = "split-cold2")]
        #[ink(message, selector = 0x77697265)]
        pub fn wire_new(&mut self) {
            self.wire();
        }

        // --- templates ------------------------------------------------------------------

        /// Registers a template for `publisher`, with the requested id or the next free one of
        /// the publisher's range, optionally as the new version of `predecessor`. Returns the
        /// template's id.
        ///
        /// System and authority templates need an authority caller (for `Authority(a)`, `a`
        /// itself); issuer templates need a caller acting for the issuer DID, which must hold
        /// the Issuer role.
        ///
        /// Errors: `NotAuthority`, `NotController`, `NotIssuer` (call from an account allowed
        /// to publish for `publisher`); `BadLength`, `BadPropertyCount`, `DuplicateProperty`,
        /// `BadAllowedValues`, `BadDecimalScale` (fix the template); `DuplicateTemplate` (it
        /// exists: use that id); `CptNotFound`, `PredecessorPublisherMismatch`,
        /// `PredecessorSuperseded` (name your own latest version as predecessor);
        /// `IdOutOfRange`, `IdTaken`, `RangeExhausted` (request a free id of the range, or
        /// none); `Overflow`.
        /// Emits: `CptRegistered`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn register_cpt(
            &mut self,
            publisher: Publisher,
            template: CptTemplate,
            id: Option<CptId>,
            predecessor: Option<CptId>,
        ) -> Result<CptId> {
            in_cold_code!(2);
            let caller = self.env().caller();
            self.ensure_may_publish(&publisher, caller)?;
            let hash = self.check_new_template(&template, predecessor, &publisher)?;
            let id = match id {
                Some(id) => {
                    let range = id_range(&publisher);
                    if id < range.0 || id > range.1 {
                        return Err(Error::IdOutOfRange {
                            id,
                            min: range.0,
                            max: range.1,
                        });
                    }
                    if self.cpts.contains(id) {
                        return Err(Error::IdTaken(id));
                    }
                    id
                }
                None => self.next_free_id(&publisher)?,
            };
            self.store_cpt(id, publisher, template, hash, predecessor, caller)?;
            Ok(id)
        }

        /// Deprecates a template: no new credential may use it. Existing credentials stay.
        /// The publisher may (an authority for a system template; for `Authority(a)`, `a`
        /// itself; for an issuer DID, an account acting for it while it holds the Issuer role);
        /// the trade-start and settlement templates never (`ProtocolTemplate`).
        ///
        /// Errors: `ProtocolTemplate` (ids 1 and 2 stay); `CptNotFound`, `CptDeprecated` (check
        /// the id); `NotAuthority`, `NotController`, `NotIssuer` (call as the publisher);
        /// `Masked` (a regulator's whole-record mask on the template keeps everyone out, an
        /// authority too: ask the regulator).
        /// Emits: `CptDeprecated`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn deprecate_cpt(&mut self, id: CptId) -> Result<()> {
            in_cold_code!(2);
            if PROTOCOL_CPTS.contains(&id) {
                return Err(Error::ProtocolTemplate(id));
            }
            let mut info = self.live_cpt(id)?;
            let caller = self.env().caller();
            self.ensure_may_publish(&info.publisher, caller)?;
            if let Some(mask) = self.owner_lock(Target::Cpt(id)) {
                return Err(masked(Target::Cpt(id), &mask));
            }
            info.deprecated = true;
            self.cpts.insert(id, &info);
            self.env().emit_event(CptDeprecated {
                cpt_id: id,
                by: caller,
            });
            Ok(())
        }

        /// Template `id` and its metadata (publisher, content hash, predecessor, successor,
        /// creation time in milliseconds since the Unix epoch, whether deprecated); `None` if
        /// unknown. Under a regulator's mask the masked fields (title, description, properties)
        /// read empty and `masked` says who masked it, when and why. Anyone may call.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold3"))]
        #[ink(message)]
        pub fn cpt(&self, id: CptId) -> Option<MaskedView<CptInfo>> {
            in_cold_code!(3);
            let info = self.cpts.get(id)?;
            Some(info.shown(mask_at(self.mask_registry, Target::Cpt(id))))
        }

        /// The id of the template with this content hash (blake2-256 of the SCALE-encoded
        /// template); `None` if no template has it. Anyone may call.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn cpt_by_hash(&self, content_hash: [u8; 32]) -> Option<CptId> {
            in_cold_code!(2);
            self.cpt_by_hash.get(content_hash)
        }

        /// How many templates are registered (the seed's two and deprecated ones included).
        #[cfg(not(feature = "split-cold"))]
        #[ink(message)]
        pub fn cpt_count(&self) -> u32 {
            self.cpt_count
        }

        // --- credentials ----------------------------------------------------------------

        /// Anchors a credential. Authorised by `proof` — a signature by the issuer DID's
        /// `assertionMethod` key `key_id` over blake2-256 of `anchor_preimage(registry, request)`,
        /// so that anyone may submit it — or, without a proof, by the caller acting for the
        /// issuer DID. The issuer DID must hold the Issuer role; without a proof, an authority
        /// acting for the DID may issue too. The id must be the one the request commits to
        /// (`cgrid_shared::issued_id_preimage`), so no issuer can take an id that a system
        /// issuer or another issuer will need. Issuer and subject DIDs must be active.
        ///
        /// Errors: `BadCredentialId` (send `expected` as the id); `SystemTemplate` (only the
        /// system issuer contracts anchor those); `BadSignature`,
        /// `NotController`, `NotIssuer` (sign with the right key, or call as the issuer; the DID
        /// needs the Issuer role); `DidInactive` (issuer or subject deactivated);
        /// `IncompleteEncryption` (both or neither of ciphertext hash and policy id);
        /// `CptNotFound`, `CptDeprecated` (use a live template); `CredentialExists` (already
        /// anchored); `ExpiryInPast` (expire later, or never); `Overflow`.
        /// Emits: `CredentialAnchored`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn issue(&mut self, request: AnchorRequest, proof: Option<IssuerProof>) -> Result<()> {
            in_cold_code!();
            let expected = request.id_hash();
            if request.id != expected {
                return Err(Error::BadCredentialId { expected });
            }
            if SYSTEM_CPT_IDS.contains(&request.cpt_id) {
                return Err(Error::SystemTemplate(request.cpt_id));
            }
            let caller = self.env().caller();
            let issuer = request.issuer;
            let signed = proof.is_some();
            let authorisation = match proof {
                Some(IssuerProof { key_id, signature }) => Fact::Signed(SignedByDid {
                    did: issuer,
                    key_id,
                    purpose: KeyPurpose::AssertionMethod,
                    message_hash: anchor_hash(&self.env().account_id(), &request),
                    signature,
                }),
                None => Fact::ActsFor {
                    did: issuer,
                    account: caller,
                },
            };
            // Everything the DID registry is asked, in one call (each call loads its code).
            let [authorised, issuer_role, authority, issuer_active, subject_active] =
                Registry::at(self.did_registry).facts([
                    authorisation,
                    Fact::HoldsRole {
                        did: issuer,
                        role: Role::Issuer,
                    },
                    Fact::Authority(caller),
                    Fact::Active(issuer),
                    Fact::Active(request.subject),
                ]);
            if !authorised {
                return Err(if !issuer_active {
                    Error::DidInactive(issuer)
                } else if signed {
                    Error::BadSignature
                } else {
                    Error::NotController(issuer)
                });
            }
            // Without a proof, an authority acting for its own DID may issue too.
            if !issuer_role && (signed || !authority) {
                return Err(Error::NotIssuer(issuer));
            }
            if request.ciphertext_hash.is_some() != request.policy_id.is_some() {
                return Err(Error::IncompleteEncryption);
            }
            if !subject_active {
                return Err(Error::DidInactive(request.subject));
            }
            self.live_cpt(request.cpt_id)?;
            self.anchor(
                request.id,
                request.cpt_id,
                Issuer::Did(request.issuer),
                request.subject,
                request.claims_root,
                request.expires_at,
                request.ciphertext_hash,
                request.policy_id,
                None,
            )
        }

        /// Lets the root authority designate (or undesignate) a system issuer contract. Root
        /// only: a system issuer anchors credentials others rely on. `enabled`:
        /// `true` designates `account`, `false` withdraws it (no error if it was not one).
        ///
        /// Errors: `NotRoot` (call from the root account).
        /// Emits: `SystemIssuerSet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn set_system_issuer(&mut self, account: AccountId, enabled: bool) -> Result<()> {
            in_cold_code!(2);
            let by = self.ensure_root()?;
            if enabled {
                self.system_issuers.insert(account, &());
            } else {
                self.system_issuers.remove(account);
            }
            self.env().emit_event(SystemIssuerSet {
                account,
                enabled,
                by,
            });
            Ok(())
        }

        /// Names the mask registry whose masks `cpt`, `verify` and owners' writes honour
        /// (`None`: none). Root only: one other authority must not unwire the regulators.
        ///
        /// Errors: `NotRoot` (call from the root account).
        /// Emits: `MaskRegistrySet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn set_mask_registry(&mut self, registry: Option<AccountId>) -> Result<()> {
            in_cold_code!(2);
            let by = self.ensure_root()?;
            self.mask_registry = registry;
            self.env().emit_event(MaskRegistrySet { by, registry });
            Ok(())
        }

        /// Wires in the trade escrow whose trade-start and settlement credentials `verify`, a
        /// reader's `anchor_of` / `anchors_of` and the status messages answer for ids this
        /// registry does not hold (`None`: none; credentials whose status changed stay here).
        /// Root only: one other authority must not hide or swap a trade's record.
        ///
        /// Errors: `NotRoot` (call from the root account).
        /// Emits: `TradeEscrowSet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn set_trade_escrow(&mut self, escrow: Option<AccountId>) -> Result<()> {
            in_cold_code!(2);
            let by = self.ensure_root()?;
            self.trade_escrow = escrow;
            self.env().emit_event(TradeEscrowSet { by, escrow });
            Ok(())
        }

        /// The trade escrow whose trade credentials the reads answer; `None`: none. Anyone may
        /// call.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn trade_escrow(&self) -> Option<AccountId> {
            in_cold_code!(2);
            self.trade_escrow
        }

        /// The mask registry whose masks this contract honours; `None`: none. Anyone may call.
        #[cfg(not(feature = "split-cold"))]
        #[ink(message)]
        pub fn mask_registry(&self) -> Option<AccountId> {
            self.mask_registry
        }

        /// Whether `account` is a designated system issuer (may call `anchor_system`). Anyone
        /// may call.
        #[cfg(not(feature = "split-cold"))]
        #[ink(message)]
        pub fn is_system_issuer(&self, account: AccountId) -> bool {
            self.system_issuers.contains(account)
        }

        /// Suspends an active credential: it stops counting (`verify.valid` is false) until
        /// `unsuspend`. The issuer (an account acting for the issuer DID, or the system issuer
        /// contract) or any authority may call.
        ///
        /// Errors: `CredentialNotFound` (check the id); `NotPermitted` (call as the issuer or an
        /// authority); `Masked` (a regulator's whole-record mask keeps the issuer out: an
        /// authority may still); `AlreadyRevoked` (final); `NotActive` (already suspended).
        /// Emits: `CredentialStatusChanged`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn suspend(&mut self, id: CredentialId) -> Result<()> {
            in_cold_code!();
            self.set_status(id, CredentialStatus::Suspended)
        }

        /// Reactivates a suspended credential. The issuer (an account acting for the issuer DID,
        /// or the system issuer contract) or any authority may call.
        ///
        /// Errors: `CredentialNotFound` (check the id); `NotPermitted` (call as the issuer or an
        /// authority); `Masked` (a regulator's whole-record mask keeps the issuer out: an
        /// authority may still); `AlreadyRevoked` (final); `NotSuspended` (it is active).
        /// Emits: `CredentialStatusChanged`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn unsuspend(&mut self, id: CredentialId) -> Result<()> {
            in_cold_code!();
            self.set_status(id, CredentialStatus::Active)
        }

        /// Revokes an active or suspended credential, finally: it never counts again. The issuer
        /// (an account acting for the issuer DID, or the system issuer contract) or any
        /// authority may call.
        ///
        /// Errors: `CredentialNotFound` (check the id); `NotPermitted` (call as the issuer or an
        /// authority); `Masked` (a regulator's whole-record mask keeps the issuer out: an
        /// authority may still); `AlreadyRevoked` (nothing to do).
        /// Emits: `CredentialStatusChanged`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn revoke(&mut self, id: CredentialId) -> Result<()> {
            in_cold_code!();
            self.set_status(id, CredentialStatus::Revoked)
        }

        /// How many credentials are anchored (suspended, revoked and expired ones included).
        #[cfg(not(feature = "split-cold"))]
        #[ink(message)]
        pub fn credential_count(&self) -> u64 {
            self.credential_count
        }

        /// The DID registry this contract checks identities in.
        #[cfg(not(feature = "split-cold"))]
        #[ink(message)]
        pub fn did_registry(&self) -> AccountId {
            self.did_registry
        }

        // --- private helpers --------------------------------------------------------------

        /// Stores a new credential anchor. The caller has checked the template (`live_cpt`, or
        /// a protocol template, which always is).
        #[allow(clippy::too_many_arguments)]
        fn anchor(
            &mut self,
            id: CredentialId,
            cpt_id: CptId,
            issuer: Issuer,
            subject: DidId,
            claims_root: [u8; 32],
            expires_at: Option<Timestamp>,
            ciphertext_hash: Option<[u8; 32]>,
            policy_id: Option<[u8; 32]>,
            trade: Option<[u8; 32]>,
        ) -> Result<()> {
            if self.credentials.contains(id) {
                return Err(Error::CredentialExists(id));
            }
            let now = self.env().block_timestamp();
            if let Some(expires_at) = expires_at {
                if expires_at <= now {
                    return Err(Error::ExpiryInPast { now, expires_at });
                }
            }
            let count = self
                .credential_count
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            self.credentials.insert(
                id,
                &CredentialAnchor {
                    cpt_id,
                    issuer,
                    subject,
                    claims_root,
                    issued_at: now,
                    expires_at,
                    ciphertext_hash,
                    policy_id,
                    status: CredentialStatus::Active,
                    status_changed_at: now,
                    trade,
                },
            );
            self.credential_count = count;
            self.env().emit_event(CredentialAnchored {
                id,
                cpt_id,
                issuer,
                // A system credential's subject is a party of a trade that a regulator may
                // mask later: it is read through `verify`, which honours that mask.
                subject: trade.is_none().then_some(subject),
                claims_root,
                expires_at,
            });
            Ok(())
        }

        fn set_status(&mut self, id: CredentialId, to: CredentialStatus) -> Result<()> {
            let mut anchor = self
                .held_or_traded(id)
                .ok_or(Error::CredentialNotFound(id))?;
            let caller = self.env().caller();
            let registry = Registry::at(self.did_registry);
            let is_issuer = match anchor.issuer {
                Issuer::Did(did) => registry.can_act_for(did, caller),
                Issuer::System(account) => account == caller,
            };
            if !is_issuer && !registry.is_authority(caller) {
                return Err(Error::NotPermitted);
            }
            // The issuer is the owner; an authority acts over it.
            if let Some(mask) = self.owner_lock(Target::Credential(id)) {
                if !registry.is_authority(caller) {
                    return Err(masked(Target::Credential(id), &mask));
                }
            }
            let from = anchor.status;
            match (from, to) {
                (CredentialStatus::Revoked, _) => return Err(Error::AlreadyRevoked),
                (CredentialStatus::Active, CredentialStatus::Suspended)
                | (CredentialStatus::Suspended, CredentialStatus::Active)
                | (_, CredentialStatus::Revoked) => {}
                (_, CredentialStatus::Suspended) => return Err(Error::NotActive),
                (_, CredentialStatus::Active) => return Err(Error::NotSuspended),
            }
            anchor.status = to;
            anchor.status_changed_at = self.env().block_timestamp();
            self.credentials.insert(id, &anchor);
            self.env().emit_event(CredentialStatusChanged {
                id,
                from,
                to,
                by: caller,
            });
            Ok(())
        }

        /// The mask on `target` if it keeps the record's owner from writing. The owners' writes
        /// here (deprecation, a credential's status) change no maskable field, so only a
        /// whole-record mask keeps them out.
        fn owner_lock(&self, target: Target) -> Option<Mask> {
            mask_at(self.mask_registry, target).filter(|m| !m.lets_owner_write(&[]))
        }

        /// Checks the template's shape, its uniqueness and its predecessor; returns its hash.
        fn check_new_template(
            &self,
            template: &CptTemplate,
            predecessor: Option<CptId>,
            publisher: &Publisher,
        ) -> Result<[u8; 32]> {
            check_len(&template.title, MAX_TITLE_LEN, Field::Title, false)?;
            check_len(
                &template.description,
                MAX_DESCRIPTION_LEN,
                Field::Description,
                true,
            )?;
            let count = u32::try_from(template.properties.len()).unwrap_or(u32::MAX);
            if count == 0 || count > MAX_PROPERTIES {
                return Err(Error::BadPropertyCount {
                    count,
                    max: MAX_PROPERTIES,
                });
            }
            for (i, p) in template.properties.iter().enumerate() {
                check_property(p)?;
                if template.properties.iter().take(i).any(|q| q.name == p.name) {
                    return Err(Error::DuplicateProperty(p.name.clone()));
                }
            }
            let hash = blake2(&scale::Encode::encode(template));
            if let Some(existing) = self.cpt_by_hash.get(hash) {
                return Err(Error::DuplicateTemplate(existing));
            }
            if let Some(pred) = predecessor {
                let info = self.cpts.get(pred).ok_or(Error::CptNotFound(pred))?;
                if info.publisher != *publisher {
                    return Err(Error::PredecessorPublisherMismatch(pred));
                }
                if let Some(successor) = info.successor {
                    return Err(Error::PredecessorSuperseded {
                        predecessor: pred,
                        successor,
                    });
                }
            }
            Ok(hash)
        }

        /// `new`'s last step: stores the seed templates (the trade-start and settlement
        /// templates the escrow's credentials use) as published by the instantiator (in the
        /// split build a cold code does it, as a delegate call with the same caller, see
        /// `cgrid_shared::wired_in_cold_code!`).
        #[cfg_attr(any(feature = "split-main", feature = "split-cold"), allow(dead_code))]
        fn wire(&mut self) {
            let caller = self.env().caller();
            for (id, template) in [
                (TRADE_START_CPT, trade_start_template()),
                (SETTLEMENT_CPT, settlement_template()),
            ] {
                // The seed templates are constants that pass `register_cpt`'s checks (the unit
                // test `the_seed_templates_pass_the_registration_checks`), so they are stored
                // without running them. A failure here is a bug, and trapping the instantiation
                // is right.
                let hash = blake2(&scale::Encode::encode(&template));
                #[allow(clippy::expect_used)]
                self.store_cpt(id, Publisher::System, template, hash, None, caller)
                    .expect("seed ids are free");
            }
        }

        fn store_cpt(
            &mut self,
            id: CptId,
            publisher: Publisher,
            template: CptTemplate,
            content_hash: [u8; 32],
            predecessor: Option<CptId>,
            by: AccountId,
        ) -> Result<()> {
            if self.cpts.contains(id) {
                return Err(Error::IdTaken(id));
            }
            let count = self.cpt_count.checked_add(1).ok_or(Error::Overflow)?;
            if let Some(pred) = predecessor {
                let mut info = self.cpts.get(pred).ok_or(Error::CptNotFound(pred))?;
                info.successor = Some(id);
                self.cpts.insert(pred, &info);
            }
            self.cpts.insert(
                id,
                &CptInfo {
                    id,
                    publisher,
                    template,
                    content_hash,
                    predecessor,
                    successor: None,
                    created_at: self.env().block_timestamp(),
                    deprecated: false,
                },
            );
            self.cpt_by_hash.insert(content_hash, &id);
            self.cpt_count = count;
            self.env().emit_event(CptRegistered {
                cpt_id: id,
                publisher,
                content_hash,
                predecessor,
                by,
            });
            Ok(())
        }

        fn next_free_id(&mut self, publisher: &Publisher) -> Result<CptId> {
            let (_, max) = id_range(publisher);
            let mut id = match publisher {
                Publisher::System => self.next_system_id,
                Publisher::Authority(_) => self.next_authority_id,
                Publisher::Issuer(_) => self.next_issuer_id,
            };
            // Skip ids taken by explicit requests; bounded by the explicit registrations.
            while self.cpts.contains(id) {
                id = id.checked_add(1).ok_or(Error::RangeExhausted)?;
            }
            if id > max {
                return Err(Error::RangeExhausted);
            }
            let next = id.checked_add(1).ok_or(Error::RangeExhausted)?;
            match publisher {
                Publisher::System => self.next_system_id = next,
                Publisher::Authority(_) => self.next_authority_id = next,
                Publisher::Issuer(_) => self.next_issuer_id = next,
            }
            Ok(id)
        }

        /// A registered, not deprecated template.
        fn live_cpt(&self, id: CptId) -> Result<CptInfo> {
            let info = self.cpts.get(id).ok_or(Error::CptNotFound(id))?;
            if info.deprecated {
                return Err(Error::CptDeprecated(id));
            }
            Ok(info)
        }

        fn ensure_may_publish(&self, publisher: &Publisher, caller: AccountId) -> Result<()> {
            let registry = Registry::at(self.did_registry);
            match publisher {
                Publisher::System => self.ensure_authority().map(|_| ()),
                Publisher::Authority(account) => {
                    if *account == caller && registry.is_authority(caller) {
                        Ok(())
                    } else {
                        Err(Error::NotAuthority)
                    }
                }
                Publisher::Issuer(did) => {
                    let [acts_for, issuer_role] = registry.facts([
                        Fact::ActsFor {
                            did: *did,
                            account: caller,
                        },
                        Fact::HoldsRole {
                            did: *did,
                            role: Role::Issuer,
                        },
                    ]);
                    if !acts_for {
                        return Err(Error::NotController(*did));
                    }
                    if !issuer_role {
                        return Err(Error::NotIssuer(*did));
                    }
                    Ok(())
                }
            }
        }

        fn ensure_root(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if Registry::at(self.did_registry).is_root(caller) {
                Ok(caller)
            } else {
                Err(Error::NotRoot)
            }
        }

        fn ensure_authority(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if Registry::at(self.did_registry).is_authority(caller) {
                Ok(caller)
            } else {
                Err(Error::NotAuthority)
            }
        }

        /// The anchor of `id` for `anchor_of` / `anchors_of`. Another contract's rule (an
        /// auction's proof check) reads it as it is — a mask is not a revocation, and a mask
        /// lookup per proof would push a reveal past its weight budget; a reader gets what
        /// `verify` shows.
        ///
        /// The main code serves only a contract's read (a person's runs in the cold code, see
        /// `anchors_of`), so the masked branch is compiled into the cold code alone.
        fn anchor_as_read(&self, id: CredentialId, by_contract: bool) -> Option<CredentialAnchor> {
            if by_contract || cfg!(feature = "split-main") {
                return self.credentials.get(id);
            }
            let anchor = self.held_or_traded(id)?;
            let trade = anchor.trade;
            Some(self.masked(id, trade, anchor).record)
        }

        /// Credential `id` as this registry holds it, else as the wired trade escrow recorded
        /// it — taken only if it is a protocol-template credential that escrow issued. One
        /// rule for every read and status change that answers trade credentials.
        fn held_or_traded(&self, id: CredentialId) -> Option<CredentialAnchor> {
            if let Some(anchor) = self.credentials.get(id) {
                return Some(anchor);
            }
            let escrow = self.trade_escrow?;
            TradeIssuer::at(escrow)
                .trade_credential(id)
                .filter(|a| a.issuer == Issuer::System(escrow) && PROTOCOL_CPTS.contains(&a.cpt_id))
        }

        /// Credential `id` (or its anchor) as a reader may see it: under the credential's own
        /// mask, and, for a system credential, under the mask of the `trade` it records when
        /// that mask hides the parties (the subject is a party's DID). One rule for `verify`
        /// and `anchor_of`.
        fn masked<T: Maskable>(
            &self,
            id: CredentialId,
            trade: Option<[u8; 32]>,
            record: T,
        ) -> MaskedView<T> {
            let trade_mask = trade
                .and_then(|trade| mask_at(self.mask_registry, Target::Trade(trade)))
                .filter(Mask::hides_parties);
            record
                .shown(mask_at(self.mask_registry, Target::Credential(id)))
                .also_withhold("subject", trade_mask)
        }

        fn view(&self, anchor: CredentialAnchor) -> CredentialView {
            let now = self.env().block_timestamp();
            let expired = anchor.expired_at(now);
            let issuer_ok = match anchor.issuer {
                Issuer::Did(did) => Registry::at(self.did_registry).is_active(did),
                Issuer::System(_) => true,
            };
            CredentialView {
                valid: anchor.current_at(now) && issuer_ok,
                expired,
                anchor,
            }
        }
    }

    impl cgrid_shared::CredentialRegistry for VcTemplates {
        /// The anchor of credential `id` and whether it counts now; `None` if unknown. Anyone
        /// may call. `valid`: active, unexpired, and the issuer DID (if any) still active (a
        /// system issuer withdrawn since does not matter);
        /// `expired`: its `expires_at` has passed. Under a regulator's mask on the credential,
        /// or (system credentials) on its trade hiding the parties, `masked` says who masked
        /// it, when and why, and a withheld subject reads as zero; a mask does not change
        /// `valid`.
        #[ink(message)]
        fn verify(&self, id: CredentialId) -> Option<MaskedView<CredentialView>> {
            in_cold_code!(3);
            let anchor = self.held_or_traded(id)?;
            let trade = anchor.trade;
            Some(self.masked(id, trade, self.view(anchor)))
        }

        /// The anchor of credential `id` alone, without asking the DID registry (cheaper than
        /// `verify`, for callers that vet the issuer themselves); `None` if unknown. Anyone may
        /// call. A person reading it sees the subject as zero under the masks `verify` honours;
        /// a calling contract reads the anchor as stored.
        #[ink(message)]
        fn anchor_of(&self, id: CredentialId) -> Option<CredentialAnchor> {
            // As `anchors_of`: a contract's read here, a person's in the cold code.
            let by_contract = self.env().is_contract(&self.env().caller());
            in_cold_code_if!(3, !by_contract);
            self.anchor_as_read(id, by_contract)
        }

        /// `anchor_of` of each of `ids`, in order, in one call; `None` for an unknown id. Only
        /// the first `MAX_ANCHORS_PER_READ` (16) ids are read: the rest are ignored and get no
        /// entry, so the result may be shorter than `ids`. Anyone may call.
        #[ink(message)]
        fn anchors_of(&self, ids: Vec<CredentialId>) -> Vec<Option<CredentialAnchor>> {
            // A contract's read (an auction's proof check, on every reveal) runs here; a
            // person's, which honours the masks, in the cold code.
            let by_contract = self.env().is_contract(&self.env().caller());
            in_cold_code_if!(3, !by_contract);
            ids.into_iter()
                .take(MAX_ANCHORS_PER_READ)
                .map(|id| self.anchor_as_read(id, by_contract))
                .collect()
        }

        /// Anchors a credential of a system template (id below 1,000) other than the
        /// protocol's (trade-start 1 and settlement 2: the trade escrow holds those) with the
        /// calling contract as its issuer; it never expires and records `trade`, whose mask its
        /// reads honour. Only a designated system issuer contract (see `set_system_issuer`) may
        /// call. The id is the caller's to choose, and the subject's DID is not checked.
        ///
        /// Errors (`AnchorError`): `NotSystemIssuer` (root must designate the caller first);
        /// `BadTemplate` (not a system template, a protocol template, unknown or deprecated);
        /// `CredentialExists` (this id is already anchored).
        /// Emits: `CredentialAnchored` (with no subject).
        #[ink(message)]
        fn anchor_system(
            &mut self,
            id: CredentialId,
            cpt_id: CptId,
            subject: DidId,
            claims_root: [u8; 32],
            trade: [u8; 32],
        ) -> core::result::Result<(), AnchorError> {
            in_cold_code!();
            let caller = self.env().caller();
            if !self.system_issuers.contains(caller) {
                return Err(AnchorError::NotSystemIssuer);
            }
            if !SYSTEM_CPT_IDS.contains(&cpt_id) || PROTOCOL_CPTS.contains(&cpt_id) {
                return Err(AnchorError::BadTemplate);
            }
            self.live_cpt(cpt_id).map_err(AnchorError::from)?;
            self.anchor(
                id,
                cpt_id,
                Issuer::System(caller),
                subject,
                claims_root,
                None,
                None,
                None,
                Some(trade),
            )
            .map_err(AnchorError::from)
        }
    }

    fn id_range(publisher: &Publisher) -> (CptId, CptId) {
        match publisher {
            Publisher::System => (SYSTEM_CPT_IDS.start, SYSTEM_CPT_IDS.end.saturating_sub(1)),
            Publisher::Authority(_) => (
                AUTHORITY_CPT_IDS.start,
                AUTHORITY_CPT_IDS.end.saturating_sub(1),
            ),
            Publisher::Issuer(_) => (ISSUER_CPT_IDS.start, CptId::MAX),
        }
    }

    fn masked(target: Target, mask: &Mask) -> Error {
        Error::Masked {
            target,
            reason_code: mask.reason_code,
        }
    }

    fn check_len(value: &str, max: u32, field: Field, may_be_empty: bool) -> Result<()> {
        let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
        if (len == 0 && !may_be_empty) || len > max {
            Err(Error::BadLength { field, len, max })
        } else {
            Ok(())
        }
    }

    fn check_property(p: &CptProperty) -> Result<()> {
        check_len(&p.name, MAX_PROPERTY_NAME_LEN, Field::PropertyName, false)?;
        check_len(
            &p.description,
            MAX_PROPERTY_DESCRIPTION_LEN,
            Field::PropertyDescription,
            true,
        )?;
        if let PropertyType::Decimal { scale } = p.property_type {
            if scale > MAX_DECIMAL_SCALE {
                return Err(Error::BadDecimalScale {
                    scale,
                    max: MAX_DECIMAL_SCALE,
                });
            }
        }
        if !p.allowed.is_empty() {
            let too_many = u32::try_from(p.allowed.len()).map_or(true, |n| n > MAX_ALLOWED_VALUES);
            if p.property_type != PropertyType::String || too_many {
                return Err(Error::BadAllowedValues(p.name.clone()));
            }
            for value in &p.allowed {
                check_len(value, MAX_ALLOWED_VALUE_LEN, Field::AllowedValue, false)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
