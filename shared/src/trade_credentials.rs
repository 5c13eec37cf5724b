//! Trade credentials held by the escrow (issue 21): the trade-start credential of every channel
//! and the settlement credential of every checkpoint and close.
//!
//! The escrow keeps each one where the trade happens instead of calling the credential registry
//! on every opening and settlement: a settlement as a [`TradeCredential`] of its own (one
//! storage write), a trade start inside its channel (`Channel::start_claims_root`, no write of
//! its own; [`TradeCredential::trade_start`]); the registry
//! answers a reader's `verify(id)` / `anchor_of(id)` for an id it does not hold by asking the
//! escrow it was wired to ([`TradeCredentialIssuer::trade_credential`]), and applies its masks
//! and any status an authority gave the credential, as for its own. Reads pay the call; trades
//! do not.
//!
//! The ids cannot collide with the registry's: a trade-start credential's id is its channel's
//! id and a settlement's is `settlement_id_hash`, both domain-separated hashes the escrow
//! derives, and the registry anchors no credential of a protocol template itself.

use crate::did::{DidId, Timestamp};
use crate::escrow::{Channel, ChannelId};
use crate::vc::{CptId, CredentialAnchor, CredentialId, CredentialStatus, Issuer, TRADE_START_CPT};
use ink::primitives::AccountId;

/// What the escrow stores for a trade credential: the rest of its anchor is fixed (issued by
/// the escrow, never expires, claims public, active unless the registry says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct TradeCredential {
    /// Its template: `TRADE_START_CPT` or `SETTLEMENT_CPT`.
    pub cpt_id: CptId,
    /// The DID it is about: the consumer's (trade start), the provider's (settlement).
    pub subject: DidId,
    /// `public_claims_root` of its claims (every leaf salted with the credential id).
    pub claims_root: [u8; 32],
    /// When the escrow recorded it, in milliseconds since the Unix epoch.
    pub issued_at: Timestamp,
    /// The channel it records (its reads honour that trade's mask).
    pub trade: [u8; 32],
}

impl TradeCredential {
    /// The trade-start credential of channel `id`, as the channel carries it: template
    /// `TRADE_START_CPT`, subject the consumer's DID, the claims root fixed at opening, issued
    /// when the channel opened. The escrow stores no other copy (issue 21: one storage write less
    /// per opening), and none of these fields changes after opening.
    pub fn trade_start(id: ChannelId, channel: &Channel) -> Self {
        TradeCredential {
            cpt_id: TRADE_START_CPT,
            subject: channel.consumer_did,
            claims_root: channel.start_claims_root,
            issued_at: channel.opened_at,
            trade: id,
        }
    }

    /// The credential's anchor as the registry shows it, issued by `escrow`: active since it
    /// was recorded, never expiring, not encrypted.
    pub fn anchor(&self, escrow: AccountId) -> CredentialAnchor {
        CredentialAnchor {
            cpt_id: self.cpt_id,
            issuer: Issuer::System(escrow),
            subject: self.subject,
            claims_root: self.claims_root,
            issued_at: self.issued_at,
            expires_at: None,
            ciphertext_hash: None,
            policy_id: None,
            status: CredentialStatus::Active,
            status_changed_at: self.issued_at,
            trade: Some(self.trade),
        }
    }
}

/// The trade escrow as the credential registry asks it about the credentials it holds.
/// Implemented by `trade_escrow`.
#[ink::trait_definition]
pub trait TradeCredentialIssuer {
    /// The anchor of the trade credential `id` (a channel's trade start or one of its
    /// settlements) as the escrow recorded it; `None` if it recorded none with this id.
    #[ink(message)]
    fn trade_credential(&self, id: CredentialId) -> Option<CredentialAnchor>;
}

/// The trade escrow at an address, as the credential registry calls it: one call of
/// [`TradeCredentialIssuer::trade_credential`]. Contracts' unit tests use
/// `testing::TradeIssuer` instead (ink!'s off-chain environment cannot call contracts).
pub struct TradeIssuer(ink::contract_ref!(TradeCredentialIssuer, ink::env::DefaultEnvironment));

impl TradeIssuer {
    /// The escrow at `address`.
    #[inline]
    pub fn at(address: AccountId) -> Self {
        TradeIssuer(address.into())
    }

    /// [`TradeCredentialIssuer::trade_credential`]; a failed call (a trap, out of gas) reads as
    /// `None`: the reader learns nothing, and nothing is written on it.
    #[inline]
    pub fn trade_credential(&self, id: CredentialId) -> Option<CredentialAnchor> {
        use ink::codegen::TraitCallBuilder as _;
        match self.0.call().trade_credential(id).try_invoke() {
            Ok(Ok(anchor)) => anchor,
            _ => None,
        }
    }
}

/// A per-thread stand-in for the escrow's trade credentials in the credential registry's unit
/// tests (feature `testing`): [`testing::TradeIssuer`] answers from the [`testing::Table`]
/// that [`testing::with`] fills.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// What the stand-in escrow answers, and how often it was asked.
    #[derive(Debug, Default)]
    pub struct Table {
        /// The credentials it holds, by id, and the escrow that issued them.
        pub credentials: HashMap<CredentialId, (AccountId, TradeCredential)>,
        /// How many `trade_credential` calls were made.
        pub reads: u32,
    }

    thread_local! {
        static TABLE: RefCell<Table> = RefCell::new(Table::default());
    }

    /// Reads or changes this thread's table.
    pub fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
        TABLE.with(|t| f(&mut t.borrow_mut()))
    }

    /// As the on-chain [`super::TradeIssuer`], against this thread's table: answers only for
    /// the escrow at the address it is asked at.
    pub struct TradeIssuer(AccountId);

    impl TradeIssuer {
        /// The stand-in for the escrow at `address`.
        pub fn at(address: AccountId) -> Self {
            TradeIssuer(address)
        }

        /// The table's credential `id` if the escrow at this address issued it; counts the
        /// call in `reads`.
        pub fn trade_credential(&self, id: CredentialId) -> Option<CredentialAnchor> {
            with(|t| {
                t.reads += 1;
                t.credentials
                    .get(&id)
                    .filter(|(escrow, _)| *escrow == self.0)
                    .map(|(escrow, c)| c.anchor(*escrow))
            })
        }
    }
}
