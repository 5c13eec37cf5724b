//! Regulatory masking: what a regulator shields, how the other contracts ask, and the key a
//! target is stored under.
//!
//! A mask is a flag *next to* a record: the record itself is never changed or deleted, and the
//! mask keeps the record's content hash, the reason code and the hash of the off-chain evidence.
//! Read paths that honour masks withhold the masked fields and say why.

use crate::auction::Auction;
use crate::did::{DidDocument, DidId, Timestamp};
use crate::escrow::{Channel, ChannelId};
use crate::vc::{CptId, CptInfo, CredentialAnchor, CredentialId, CredentialView};
use ink::prelude::{string::String, vec::Vec};
use ink::primitives::AccountId;
use scale::Encode;

/// Domain tag of the preimage whose blake2-256 is a target's mask key ([`Target::key`]).
pub const MASK_TARGET_DOMAIN: [u8; 16] = *b"cgrid/mask/v1\0\0\0";

/// What can be masked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Target {
    /// A DID document (did_registry).
    Did(DidId),
    /// A credential template (vc_templates).
    Cpt(CptId),
    /// An anchored credential (vc_templates).
    Credential(CredentialId),
    /// A trade: its channel in trade_escrow.
    Trade(ChannelId),
    /// Any other record: a contract and a 32-byte key it defines.
    Record {
        /// The contract that keeps the record.
        contract: AccountId,
        /// The record's key, as that contract defines it.
        key: [u8; 32],
    },
}

impl Target {
    /// The field names a mask on this kind of target may withhold, as the read path of its
    /// contract names them; `None` where any name is allowed (a credential's claims are named
    /// by its template, and a `Record`'s fields by its contract).
    pub const fn fields(&self) -> Option<&'static [&'static str]> {
        match self {
            Target::Did(_) => Some(DidDocument::FIELDS),
            Target::Cpt(_) => Some(CptInfo::FIELDS),
            Target::Trade(_) => Some(Channel::FIELDS),
            Target::Credential(_) | Target::Record { .. } => None,
        }
    }

    /// The storage key of the target's mask: blake2-256 of `SCALE(MASK_TARGET_DOMAIN, target)`.
    pub fn key(&self) -> [u8; 32] {
        crate::escrow::blake2(&(MASK_TARGET_DOMAIN, self).encode())
    }
}

/// What a mask withholds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Scope {
    /// The whole record: every field its read path can withhold, and the owner's writes are
    /// refused unless the mask lets the owner write.
    Whole,
    /// Only the named fields (e.g. `"service"`, `"subject"`, `"price"`): 1 to 16 distinct
    /// names of 1 to 32 bytes that the target's read path knows (`Target::fields`). Any name
    /// goes for a credential (its claims are withheld off chain) and for a `Record`.
    Fields(Vec<String>),
}

impl Scope {
    /// Whether a read must withhold `field`.
    pub fn withholds(&self, field: &str) -> bool {
        match self {
            Scope::Whole => true,
            Scope::Fields(fields) => fields.iter().any(|f| f == field),
        }
    }
}

/// A mask as the registry keeps it (and as read paths report it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Mask {
    /// What the mask withholds: the whole record or the named fields.
    pub scope: Scope,
    /// Whether the record's owner may still write to it while masked.
    pub owner_may_write: bool,
    /// The regulator's reason code (its catalogue is off chain).
    pub reason_code: u16,
    /// Hash of the off-chain evidence.
    pub reason_hash: [u8; 32],
    /// Hash of the record's content when it was masked, as the regulator stated it.
    pub content_hash: [u8; 32],
    /// The regulator who masked the record.
    pub by: AccountId,
    /// When the mask was applied, in milliseconds since the Unix epoch.
    pub since: Timestamp,
    /// Live unmask approvals: (regulator, when). Expired ones are dropped on the next approval.
    pub approvals: Vec<(AccountId, Timestamp)>,
}

impl Mask {
    /// Whether this mask on a DID hides which account the DID belongs to (a whole-record mask
    /// or one naming `account`): every read that links an account to the DID withholds it.
    pub fn hides_account(&self) -> bool {
        self.scope.withholds("account")
    }

    /// Whether this mask on a trade hides who trades (a whole-record mask or one naming a
    /// party): the trade's system credentials then withhold their subject (a party's DID).
    pub fn hides_parties(&self) -> bool {
        self.scope.withholds("consumer") || self.scope.withholds("provider")
    }

    /// Whether the record's owner may make a write that changes `fields` (names from the
    /// record's [`Maskable::FIELDS`]; empty for a write that changes no maskable field, such as
    /// a status). The scope decides: a field mask refuses writes to the fields it withholds and
    /// lets the others through; a whole-record mask refuses every write. `owner_may_write`
    /// lets every write through.
    pub fn lets_owner_write(&self, fields: &[&str]) -> bool {
        self.owner_may_write
            || match &self.scope {
                Scope::Whole => false,
                Scope::Fields(_) => !fields.iter().any(|f| self.scope.withholds(f)),
            }
    }
}

/// Why a read withholds fields: the public part of the mask, and what this read cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct MaskMarker {
    /// What the regulator named (for a credential: its claims, withheld off chain by the toolkit).
    pub scope: Scope,
    /// The fields of this record the read cleared (to zero / empty); see [`Maskable::FIELDS`].
    pub withheld: Vec<String>,
    /// The regulator's reason code (its catalogue is off chain).
    pub reason_code: u16,
    /// Hash of the regulator's off-chain evidence.
    pub reason_hash: [u8; 32],
    /// The record's content hash when it was masked.
    pub content_hash: [u8; 32],
    /// The regulator who masked it.
    pub by: AccountId,
    /// When the mask was applied, in milliseconds since the Unix epoch.
    pub since: Timestamp,
}

/// A record as a read message returns it: with the masked fields withheld, and the marker that
/// says why when the record is masked (`masked: None`: shown in full).
///
/// Its metadata names each kind apart (`MaskedDidDocument`, `MaskedChannel`, …, from
/// [`Maskable::VIEW_NAME`]): a generic type would show under one name for distinct records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode)]
pub struct MaskedView<T> {
    /// The record, with the withheld fields cleared.
    pub record: T,
    /// Why fields are withheld; `None`: shown in full.
    pub masked: Option<MaskMarker>,
}

#[cfg(feature = "std")]
impl<T: Maskable + scale_info::TypeInfo + 'static> scale_info::TypeInfo for MaskedView<T> {
    type Identity = Self;

    fn type_info() -> scale_info::Type {
        use scale_info::build::Fields;
        scale_info::Type::builder()
            .path(scale_info::Path::new(T::VIEW_NAME, module_path!()))
            .docs(&[
                "A record as a read returns it. `masked` is empty when the record is shown in",
                "full; otherwise it says which regulator masked it, why, and which fields of",
                "`record` this read withheld (they read as zero or empty).",
            ])
            .composite(
                Fields::named()
                    .field(|f| {
                        f.ty::<T>()
                            .name("record")
                            .type_name("T")
                            .docs(&["The record, with the withheld fields cleared."])
                    })
                    .field(|f| {
                        f.ty::<Option<MaskMarker>>()
                            .name("masked")
                            .type_name("Option<MaskMarker>")
                            .docs(&["Why fields are withheld; `None`: shown in full."])
                    }),
            )
    }
}

impl<T> MaskedView<T> {
    /// Whether this read withheld `field`.
    pub fn withholds(&self, field: &str) -> bool {
        self.masked
            .as_ref()
            .is_some_and(|m| m.withheld.iter().any(|f| f == field))
    }
}

impl<T: Maskable> MaskedView<T> {
    /// Also withholds `field` (one of `T::FIELDS`) when `mask`, a mask on a related record,
    /// is present: e.g. a trade's `consumer` under a mask that hides the consumer DID's
    /// account. The field is cleared and listed; the marker stays the record's own mask when
    /// it has one, and is `mask`'s otherwise.
    pub fn also_withhold(mut self, field: &str, mask: Option<Mask>) -> Self {
        let Some(mask) = mask else { return self };
        if self.withholds(field) || !T::FIELDS.contains(&field) {
            return self;
        }
        self.record.withhold(field);
        match &mut self.masked {
            Some(marker) => marker.withheld.push(String::from(field)),
            None => self.masked = Some(marker(mask, ink::prelude::vec![String::from(field)])),
        }
        self
    }
}

fn marker(mask: Mask, withheld: Vec<String>) -> MaskMarker {
    MaskMarker {
        scope: mask.scope,
        withheld,
        reason_code: mask.reason_code,
        reason_hash: mask.reason_hash,
        content_hash: mask.content_hash,
        by: mask.by,
        since: mask.since,
    }
}

/// A record a read path can show under a mask. One rule for every read path: a whole-record
/// mask withholds every field in `FIELDS`, a field mask the named ones; withheld fields read
/// as zero or empty and are listed in the marker.
pub trait Maskable: Sized {
    /// The fields a mask can withhold.
    const FIELDS: &'static [&'static str];

    /// The name of `MaskedView<Self>` in the metadata (e.g. `MaskedChannel`).
    const VIEW_NAME: &'static str;

    /// Clears `field` (one of `FIELDS`).
    fn withhold(&mut self, field: &str);

    /// The record as a reader may see it under `mask`.
    fn shown(mut self, mask: Option<Mask>) -> MaskedView<Self> {
        let Some(mask) = mask else {
            return MaskedView {
                record: self,
                masked: None,
            };
        };
        let mut withheld = Vec::new();
        for field in Self::FIELDS {
            if mask.scope.withholds(field) {
                self.withhold(field);
                withheld.push(String::from(*field));
            }
        }
        MaskedView {
            record: self,
            masked: Some(marker(mask, withheld)),
        }
    }
}

fn nobody() -> AccountId {
    AccountId::from([0; 32])
}

/// A DID document: the DID's account, controllers, keys and services can be withheld; its id,
/// timestamps, nonce and deactivation flag stay (relayed operations need the nonce).
impl Maskable for DidDocument {
    const FIELDS: &'static [&'static str] =
        &["account", "controller", "verificationMethod", "service"];
    const VIEW_NAME: &'static str = "MaskedDidDocument";

    fn withhold(&mut self, field: &str) {
        match field {
            "account" => self.account = nobody(),
            "controller" => self.controllers = Vec::new(),
            "verificationMethod" => self.verification_methods = Vec::new(),
            "service" => self.services = Vec::new(),
            _ => {}
        }
    }
}

impl crate::DidOperation {
    /// The fields of the DID document this operation changes (deactivation: all of them, keys
    /// and services are dropped).
    pub const fn fields(&self) -> &'static [&'static str] {
        use crate::DidOperation::*;
        match self {
            AddKey(_) | RemoveKey { .. } | RotateKey { .. } => &["verificationMethod"],
            AddService(_) | RemoveService { .. } => &["service"],
            AddController(_) | RemoveController(_) => &["controller"],
            Deactivate => DidDocument::FIELDS,
        }
    }
}

/// A template: its title, description and properties can be withheld; id, publisher, content
/// hash, version links and dates stay.
impl Maskable for CptInfo {
    const FIELDS: &'static [&'static str] = &["title", "description", "properties"];
    const VIEW_NAME: &'static str = "MaskedCptInfo";

    fn withhold(&mut self, field: &str) {
        match field {
            "title" => self.template.title = String::new(),
            "description" => self.template.description = String::new(),
            "properties" => self.template.properties = Vec::new(),
            _ => {}
        }
    }
}

/// A credential's anchor: the subject can be withheld (a whole-record mask does). The claims
/// root, status and dates stay: the root is a salted commitment that reveals no claim, and
/// whether a credential counts must stay checkable. Claims are named by the template and
/// withheld off chain (`cgrid-vc`'s `read_view`).
impl Maskable for CredentialAnchor {
    const FIELDS: &'static [&'static str] = &["subject"];
    const VIEW_NAME: &'static str = "MaskedCredentialAnchor";

    fn withhold(&mut self, field: &str) {
        if field == "subject" {
            self.subject = [0; 32];
        }
    }
}

/// A credential as `verify` shows it: its anchor's fields.
impl Maskable for CredentialView {
    const FIELDS: &'static [&'static str] = CredentialAnchor::FIELDS;
    const VIEW_NAME: &'static str = "MaskedCredentialView";

    fn withhold(&mut self, field: &str) {
        self.anchor.withhold(field);
    }
}

/// A trade: who trades (accounts, DIDs, channel keys) and at what price can be withheld. The
/// escrow's accounting (deposit, paid, nonce, phase and its amounts) stays, so that every
/// reader can still check that no money is lost, and the parties' controllers can settle.
impl Maskable for Channel {
    const FIELDS: &'static [&'static str] = &["consumer", "provider", "price"];
    const VIEW_NAME: &'static str = "MaskedChannel";

    fn withhold(&mut self, field: &str) {
        match field {
            "consumer" => {
                self.consumer = nobody();
                self.consumer_did = [0; 32];
                self.consumer_key = [0; 32];
                self.start_claims_root = [0; 32];
            }
            "provider" => {
                self.provider = nobody();
                self.provider_did = [0; 32];
                self.provider_key = [0; 32];
                self.start_claims_root = [0; 32];
            }
            "price" => {
                self.price_per_minute = 0;
                self.min_cost = 0;
                self.start_claims_root = [0; 32];
            }
            _ => {}
        }
    }
}

/// An auction, under its trade's mask (`Target::Trade` of the channel it opened): the same
/// field names as the trade's. `consumer` withholds the consumer's account, DID and channel
/// key; `provider` the leading bidder's (and the winner's account); `price` the winning price,
/// its score, the consumer's price cap and minimum cost. The deposit, bonds, counts, deadlines
/// and phase stay, so that every reader can still check that no money is lost.
impl Maskable for Auction {
    const FIELDS: &'static [&'static str] = Channel::FIELDS;
    const VIEW_NAME: &'static str = "MaskedAuction";

    fn withhold(&mut self, field: &str) {
        match field {
            "consumer" => {
                self.consumer = nobody();
                self.consumer_did = [0; 32];
                self.request.consumer_key = [0; 32];
            }
            "provider" => {
                if let Some(best) = &mut self.best {
                    best.bidder = nobody();
                    best.bidder_did = [0; 32];
                    best.provider_key = [0; 32];
                }
                if let crate::AuctionPhase::Finalized {
                    winner: Some(winner),
                    ..
                } = &mut self.phase
                {
                    *winner = nobody();
                }
            }
            "price" => {
                if let Some(best) = &mut self.best {
                    best.price_per_minute = 0;
                    best.score = 0;
                }
                self.request.max_price_per_minute = 0;
                self.request.min_cost = 0;
            }
            _ => {}
        }
    }
}

/// The mask on `target` in the registry at `registry`: a cross-contract call (`mask_of`). A
/// failed call traps, so a read never shows a record it could not check. A contract that
/// needs several masks in one read uses [`masks_at`] for all of its reads instead (one call
/// path in its code).
pub fn mask_at(registry: Option<AccountId>, target: Target) -> Option<Mask> {
    let registry = registry?;
    let masks: ink::contract_ref!(MaskRegistry, ink::env::DefaultEnvironment) = registry.into();
    masks.mask_of(target)
}

/// The masks on `targets`, in order, in the registry at `registry` (all `None` without one):
/// one cross-contract call (`masks_of`) whatever their number — each call charges the
/// registry's code to the block's proof, so a read that needs several masks asks once. A
/// failed call, or an answer of another length, traps, so a read never shows a record it
/// could not check.
pub fn masks_at<const N: usize>(
    registry: Option<AccountId>,
    targets: [Target; N],
) -> [Option<Mask>; N] {
    let Some(registry) = registry else {
        return [const { None }; N];
    };
    match <[Option<Mask>; N]>::try_from(masks_in(registry, Vec::from(targets))) {
        Ok(masks) => masks,
        Err(_) => panic!("the mask registry answered another number of targets"),
    }
}

/// The `masks_of` call itself, one copy for every `N`.
#[inline(never)]
fn masks_in(registry: AccountId, targets: Vec<Target>) -> Vec<Option<Mask>> {
    let masks: ink::contract_ref!(MaskRegistry, ink::env::DefaultEnvironment) = registry.into();
    masks.masks_of(targets)
}

/// A per-thread stand-in for the mask registry in contracts' unit tests (feature `testing`):
/// `mask_at` there reads what `testing::set` put.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    thread_local! {
        static MASKS: RefCell<HashMap<[u8; 32], Mask>> = RefCell::new(HashMap::new());
        static CALLS: RefCell<u32> = const { RefCell::new(0) };
    }

    /// Masks `target` (or lifts its mask with `None`) for `mask_at`.
    pub fn set(target: &Target, mask: Option<Mask>) {
        MASKS.with(|m| match mask {
            Some(mask) => m.borrow_mut().insert(target.key(), mask),
            None => m.borrow_mut().remove(&target.key()),
        });
    }

    /// A regulator's mask as the tests use it: reason code 42, fixed hashes, regulator
    /// `0xEE…`, since 1,000.
    pub fn mask(scope: Scope, owner_may_write: bool) -> Mask {
        Mask {
            scope,
            owner_may_write,
            reason_code: 42,
            reason_hash: [0xE1; 32],
            content_hash: [0xE2; 32],
            by: AccountId::from([0xEE; 32]),
            since: 1_000,
            approvals: Vec::new(),
        }
    }

    /// As the on-chain `mask_at`, against the table; counts the calls ([`calls`]).
    pub fn mask_at(registry: Option<AccountId>, target: Target) -> Option<Mask> {
        let [mask] = masks_at(registry, [target]);
        mask
    }

    /// As the on-chain `masks_at`, against the table; counts the calls ([`calls`]).
    pub fn masks_at<const N: usize>(
        registry: Option<AccountId>,
        targets: [Target; N],
    ) -> [Option<Mask>; N] {
        if registry.is_none() {
            return [const { None }; N];
        }
        CALLS.with(|c| *c.borrow_mut() += 1);
        MASKS.with(|m| targets.map(|t| m.borrow().get(&t.key()).cloned()))
    }

    /// How many calls the contract under test made to the mask registry on this thread.
    pub fn calls() -> u32 {
        CALLS.with(|c| *c.borrow())
    }
}

/// The mask registry as other contracts see it. Implemented by `mask_registry`.
#[ink::trait_definition]
pub trait MaskRegistry {
    /// Whether `target` is masked now.
    #[ink(message)]
    fn is_masked(&self, target: Target) -> bool;

    /// The mask on `target`, if any.
    #[ink(message)]
    fn mask_of(&self, target: Target) -> Option<Mask>;

    /// The mask on each of `targets`, in order, in one call: a contract that needs several
    /// answers (a channel and both its parties' DIDs) loads this registry once instead of once
    /// per question (each call charges the registry's code to the block's proof).
    #[ink(message)]
    fn masks_of(&self, targets: Vec<Target>) -> Vec<Option<Mask>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_bind_kind_and_id() {
        let keys = [
            Target::Did([1; 32]).key(),
            Target::Credential([1; 32]).key(),
            Target::Trade([1; 32]).key(),
            Target::Did([2; 32]).key(),
            Target::Cpt(1).key(),
            Target::Record {
                contract: AccountId::from([1; 32]),
                key: [1; 32],
            }
            .key(),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    fn mask(scope: Scope) -> Mask {
        Mask {
            scope,
            owner_may_write: false,
            reason_code: 7,
            reason_hash: [7; 32],
            content_hash: [8; 32],
            by: AccountId::from([9; 32]),
            since: 1_000,
            approvals: Vec::new(),
        }
    }

    fn document() -> DidDocument {
        DidDocument {
            id: [1; 32],
            account: AccountId::from([2; 32]),
            controllers: vec![[3; 32]],
            verification_methods: vec![crate::VerificationMethod {
                id: "key-1".into(),
                key_type: crate::KeyType::Sr25519,
                public_key: vec![4; 32],
                purposes: crate::KeyPurposes::ALL,
            }],
            services: vec![crate::Service {
                id: "controller".into(),
                service_type: "ComputeGridController".into(),
                endpoint: "https://provider.example".into(),
            }],
            created_at: 1,
            updated_at: 2,
            nonce: 3,
            deactivated: false,
        }
    }

    #[test]
    fn no_mask_shows_everything() {
        let view = document().shown(None);
        assert_eq!(view.record, document());
        assert_eq!(view.masked, None);
        assert!(!view.withholds("service"));
    }

    #[test]
    fn a_field_mask_withholds_only_the_named_fields_and_says_why() {
        let view = document().shown(Some(mask(Scope::Fields(vec!["service".into()]))));
        let mut expected = document();
        expected.services.clear();
        assert_eq!(view.record, expected);
        let marker = view.masked.clone().expect("marker");
        assert_eq!(marker.withheld, vec![String::from("service")]);
        assert_eq!(marker.reason_code, 7);
        assert_eq!(marker.reason_hash, [7; 32]);
        assert_eq!(marker.content_hash, [8; 32]);
        assert_eq!(marker.by, AccountId::from([9; 32]));
        assert_eq!(marker.since, 1_000);
        assert!(view.withholds("service") && !view.withholds("controller"));
    }

    #[test]
    fn a_whole_mask_withholds_every_maskable_field_and_keeps_the_rest() {
        let view = document().shown(Some(mask(Scope::Whole)));
        let d = &view.record;
        assert_eq!(d.account, nobody());
        assert!(d.controllers.is_empty() && d.verification_methods.is_empty());
        assert!(d.services.is_empty());
        // What identifies the record and orders its changes stays.
        assert_eq!(
            (d.id, d.created_at, d.updated_at, d.nonce),
            ([1; 32], 1, 2, 3)
        );
        assert_eq!(
            view.masked.expect("marker").withheld,
            DidDocument::FIELDS
                .iter()
                .map(|f| String::from(*f))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_listed_field_is_cleared_by_withhold() {
        // A field listed but not handled by `withhold` would be reported withheld yet shown.
        for field in DidDocument::FIELDS {
            let mut d = document();
            d.withhold(field);
            assert_ne!(d, document(), "{field}");
        }
        let channel = Channel {
            consumer: AccountId::from([1; 32]),
            provider: AccountId::from([2; 32]),
            consumer_did: [3; 32],
            provider_did: [4; 32],
            consumer_key: [5; 32],
            provider_key: [6; 32],
            price_per_minute: 10,
            min_cost: 100,
            deposit: 1_000,
            paid: 50,
            nonce: 2,
            challenge_period: 60_000,
            expires_at: 9,
            opened_at: 1,
            settled_until: 1,
            settlements: 1,
            phase: crate::Phase::Open,
            start_claims_root: [7; 32],
        };
        for field in Channel::FIELDS {
            let mut c = channel.clone();
            c.withhold(field);
            assert_ne!(c, channel, "{field}");
            // The trade-start claims root commits to the parties and the price: any of them
            // withheld withholds it.
            assert_eq!(c.start_claims_root, [0; 32], "{field}");
            // The accounting is never withheld.
            assert_eq!((c.deposit, c.paid, c.nonce), (1_000, 50, 2));
        }
        let cpt = CptInfo {
            id: 1,
            publisher: crate::Publisher::System,
            template: crate::trade_start_template(),
            content_hash: [1; 32],
            predecessor: None,
            successor: None,
            created_at: 1,
            deprecated: false,
        };
        for field in CptInfo::FIELDS {
            let mut c = cpt.clone();
            c.withhold(field);
            assert_ne!(c, cpt, "{field}");
        }
        let view = CredentialView {
            anchor: crate::CredentialAnchor {
                cpt_id: 1,
                issuer: crate::Issuer::Did([1; 32]),
                subject: [2; 32],
                claims_root: [3; 32],
                issued_at: 1,
                expires_at: None,
                ciphertext_hash: None,
                policy_id: None,
                status: crate::CredentialStatus::Active,
                status_changed_at: 1,
                trade: None,
            },
            valid: true,
            expired: false,
        };
        for field in CredentialView::FIELDS {
            let mut v = view.clone();
            v.withhold(field);
            assert_ne!(v, view, "{field}");
            // Validity and the commitment are never withheld.
            assert_eq!((v.valid, v.anchor.claims_root), (true, [3; 32]));
        }
        let mut v = view.clone();
        v.withhold("claims");
        assert_eq!(v, view, "a name the record does not list withholds nothing");
    }

    /// An auction shows under its trade's mask with the trade's field names: each name clears
    /// exactly its party's (or the price's) fields, and the money a reader checks stays.
    #[test]
    fn an_auction_withholds_what_its_trades_mask_names() {
        let leader = crate::Leader {
            bidder: AccountId::from([4; 32]),
            bidder_did: [5; 32],
            seq: 0,
            score: 77,
            price_per_minute: 9,
            provider_key: [6; 32],
        };
        let auction = crate::Auction {
            consumer: AccountId::from([1; 32]),
            consumer_did: [2; 32],
            request: crate::AuctionRequest {
                spec: "gpu".into(),
                max_price_per_minute: 10,
                duration_minutes: 60,
                min_cost: 100,
                commit_deadline: 1,
                reveal_deadline: 2,
                weights: None,
                consumer_key: [3; 32],
                checkin_cpt: 1,
                encryption: crate::Encryption::Plain,
                challenge_period: 60_000,
            },
            model_version: 1,
            weights: crate::Weights {
                price: 1,
                attributes: [1; crate::ATTRIBUTES],
            },
            deposit: 600,
            bid_bond: 5,
            max_bids: 10,
            treasury: AccountId::from([8; 32]),
            bonds_held: 5,
            commits: 1,
            reveals: 1,
            best: Some(leader.clone()),
            created_at: 0,
            phase: crate::AuctionPhase::Finalized {
                winner: Some(AccountId::from([4; 32])),
                channel: Some([7; 32]),
                at: 3,
            },
        };
        let mut consumer = auction.clone();
        consumer.withhold("consumer");
        let mut expected = auction.clone();
        expected.consumer = nobody();
        expected.consumer_did = [0; 32];
        expected.request.consumer_key = [0; 32];
        assert_eq!(consumer, expected);

        let mut provider = auction.clone();
        provider.withhold("provider");
        let mut expected = auction.clone();
        expected.best = Some(crate::Leader {
            bidder: nobody(),
            bidder_did: [0; 32],
            provider_key: [0; 32],
            ..leader.clone()
        });
        expected.phase = crate::AuctionPhase::Finalized {
            winner: Some(nobody()),
            channel: Some([7; 32]),
            at: 3,
        };
        assert_eq!(provider, expected);

        let mut price = auction.clone();
        price.withhold("price");
        let mut expected = auction.clone();
        expected.best = Some(crate::Leader {
            price_per_minute: 0,
            score: 0,
            ..leader
        });
        expected.request.max_price_per_minute = 0;
        expected.request.min_cost = 0;
        assert_eq!(price, expected);

        let mut other = auction.clone();
        other.withhold("spec");
        assert_eq!(
            other, auction,
            "a name the trade does not list withholds nothing"
        );
    }

    /// Which masks on related records hide a DID's account and a trade's parties.
    #[test]
    fn masks_hide_accounts_and_parties_as_their_scope_says() {
        let fields = |names: &[&str]| {
            mask(Scope::Fields(
                names.iter().map(|n| String::from(*n)).collect(),
            ))
        };
        assert!(mask(Scope::Whole).hides_account());
        assert!(fields(&["account"]).hides_account());
        assert!(!fields(&["service"]).hides_account());
        assert!(mask(Scope::Whole).hides_parties());
        assert!(fields(&["consumer"]).hides_parties());
        assert!(fields(&["provider"]).hides_parties());
        assert!(fields(&["consumer", "provider"]).hides_parties());
        assert!(!fields(&["price"]).hides_parties());
    }

    /// `also_withhold`: a field of the record, under a mask on a related record, is cleared and
    /// listed once; the record's own marker stays; no mask, or a name the record does not list,
    /// changes nothing.
    #[test]
    fn a_related_records_mask_withholds_one_more_field() {
        let unmasked = document().shown(None);
        assert_eq!(unmasked.clone().also_withhold("account", None), unmasked);
        let related = mask(Scope::Whole);
        let view = unmasked
            .clone()
            .also_withhold("account", Some(related.clone()));
        assert_eq!(view.record.account, nobody());
        let marker = view.masked.clone().expect("the related mask's marker");
        assert_eq!(marker.withheld, vec![String::from("account")]);
        assert_eq!(marker.scope, Scope::Whole);
        assert_eq!(
            unmasked
                .clone()
                .also_withhold("claims", Some(related.clone())),
            unmasked,
            "a name the record does not list withholds nothing"
        );
        // A record with its own mask keeps its marker and lists the field once.
        let own = document().shown(Some(mask(Scope::Fields(vec!["service".into()]))));
        let view = own.also_withhold("account", Some(related.clone()));
        assert_eq!(view.record.account, nobody());
        let marker = view.masked.clone().expect("marker");
        assert_eq!(marker.scope, Scope::Fields(vec!["service".into()]));
        assert_eq!(
            marker.withheld,
            vec![String::from("service"), String::from("account")]
        );
        let again = view.clone().also_withhold("account", Some(related));
        assert_eq!(again, view, "already withheld: listed once");
    }

    #[test]
    fn the_scope_decides_which_owner_writes_go_through() {
        let fields = mask(Scope::Fields(vec!["service".into()]));
        assert!(!fields.lets_owner_write(&["service"]));
        assert!(fields.lets_owner_write(&["verificationMethod"]));
        assert!(
            fields.lets_owner_write(&[]),
            "a status change touches no masked field"
        );
        let whole = mask(Scope::Whole);
        assert!(!whole.lets_owner_write(&[]));
        assert!(!whole.lets_owner_write(&["controller"]));
        let allowed = Mask {
            owner_may_write: true,
            ..mask(Scope::Whole)
        };
        assert!(allowed.lets_owner_write(&["service"]));
        // Every DID operation names fields the document can withhold.
        let key = crate::VerificationMethod {
            id: "k".into(),
            key_type: crate::KeyType::Sr25519,
            public_key: vec![1; 32],
            purposes: crate::KeyPurposes::ALL,
        };
        for op in [
            crate::DidOperation::AddKey(key),
            crate::DidOperation::RemoveService { id: "s".into() },
            crate::DidOperation::AddController([1; 32]),
            crate::DidOperation::Deactivate,
        ] {
            assert!(!op.fields().is_empty());
            assert!(op.fields().iter().all(|f| DidDocument::FIELDS.contains(f)));
        }
        assert_eq!(
            crate::DidOperation::Deactivate.fields(),
            DidDocument::FIELDS
        );
    }

    #[test]
    fn targets_name_their_fields() {
        assert_eq!(Target::Did([0; 32]).fields(), Some(DidDocument::FIELDS));
        assert_eq!(Target::Trade([0; 32]).fields(), Some(Channel::FIELDS));
        assert_eq!(Target::Cpt(1).fields(), Some(CptInfo::FIELDS));
        assert_eq!(Target::Credential([0; 32]).fields(), None);
    }

    #[test]
    fn scopes_withhold_what_they_name() {
        assert!(Scope::Whole.withholds("anything"));
        let fields = Scope::Fields(vec!["service".into()]);
        assert!(fields.withholds("service"));
        assert!(!fields.withholds("controller"));
    }
}
