//! Regulatory masking: what a regulator shields, how the other contracts ask, and the key a
//! target is stored under.
//!
//! A mask is a flag *next to* a record: the record itself is never changed or deleted, and the
//! mask keeps the record's content hash, the reason code and the hash of the off-chain evidence.
//! Read paths that honour masks withhold the masked fields and say why.

use crate::did::{DidId, Timestamp};
use crate::escrow::ChannelId;
use crate::vc::{CptId, CredentialId};
use ink::prelude::{string::String, vec::Vec};
use ink::primitives::AccountId;
use scale::Encode;

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
    Record { contract: AccountId, key: [u8; 32] },
}

impl Target {
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
    /// The whole record.
    Whole,
    /// Only the named fields (e.g. `"service"`, `"claimsRoot"`, `"price"`).
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
    pub scope: Scope,
    /// Whether the record's owner may still write to it while masked.
    pub owner_may_write: bool,
    /// The regulator's reason code (its catalogue is off chain).
    pub reason_code: u16,
    /// Hash of the off-chain evidence.
    pub reason_hash: [u8; 32],
    /// Hash of the record's content when it was masked.
    pub content_hash: [u8; 32],
    pub by: AccountId,
    pub since: Timestamp,
    /// Live unmask approvals: (regulator, when). Expired ones are dropped on the next approval.
    pub approvals: Vec<(AccountId, Timestamp)>,
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

    #[test]
    fn scopes_withhold_what_they_name() {
        assert!(Scope::Whole.withholds("anything"));
        let fields = Scope::Fields(vec!["service".into()]);
        assert!(fields.withholds("service"));
        assert!(!fields.withholds("controller"));
    }
}
