//! Contract events of a call: what pallet-contracts recorded (`ContractEmitted` with the
//! event's topics), decoded into the contracts' own event types.
//!
//! ink! 5 puts an event's signature topic (blake2-256 of its name and field types) first, so
//! [`Emitted::decode`] recognises an event of type `E` by `E::SIGNATURE_TOPIC` and decodes
//! its fields; [`Emitted::name`] names any event of the suite.

use crate::AccountId32;
use scale::Decode;

/// One event a contract emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The emitting contract.
    pub contract: AccountId32,
    /// The signature topic first, then the fields marked `#[ink(topic)]`.
    pub topics: Vec<[u8; 32]>,
    /// The SCALE-encoded event.
    pub data: Vec<u8>,
}

impl Emitted {
    /// The event as an `E`, if it is one.
    pub fn decode<E: ink::env::Event + Decode>(&self) -> Option<E> {
        let signature = E::SIGNATURE_TOPIC?;
        if self.topics.first() != Some(&signature) {
            return None;
        }
        E::decode(&mut &self.data[..]).ok()
    }

    /// (contract, event) for an event of the suite's contracts (`None` for another's). The
    /// escrow's and the auction's `PayoutDeferred` (and `UnclaimedWithdrawn`) have the same
    /// signature: the name says the first contract; `contract` says which emitted it.
    pub fn name(&self) -> Option<(&'static str, &'static str)> {
        let topic = self.topics.first()?;
        KNOWN.with(|known| {
            known
                .iter()
                .find(|(signature, _, _)| signature == topic)
                .map(|&(_, contract, event)| (contract, event))
        })
    }
}

type Known = Vec<([u8; 32], &'static str, &'static str)>;

macro_rules! known_events {
    ($(($ty:ty, $contract:literal, $event:literal),)*) => {
        fn known_events() -> Known {
            let mut known = Vec::new();
            $(
                if let Some(signature) = <$ty as ink::env::Event>::SIGNATURE_TOPIC {
                    known.push((signature, $contract, $event));
                }
            )*
            known
        }
    };
}

known_events! {
        (trade_escrow::events::PayoutDeferred, "trade_escrow", "PayoutDeferred"),
        (trade_escrow::events::UnclaimedWithdrawn, "trade_escrow", "UnclaimedWithdrawn"),
        (incentive_auction::events::PayoutDeferred, "incentive_auction", "PayoutDeferred"),
        (incentive_auction::events::UnclaimedWithdrawn, "incentive_auction", "UnclaimedWithdrawn"),
        (did_registry::events::DidCreated, "did_registry", "DidCreated"),
        (did_registry::events::DidUpdated, "did_registry", "DidUpdated"),
        (did_registry::events::AuthorityAdded, "did_registry", "AuthorityAdded"),
        (did_registry::events::AuthorityRemoved, "did_registry", "AuthorityRemoved"),
        (did_registry::events::RootTransferProposed, "did_registry", "RootTransferProposed"),
        (did_registry::events::RootTransferred, "did_registry", "RootTransferred"),
        (did_registry::events::RoleGranted, "did_registry", "RoleGranted"),
        (did_registry::events::MaskRegistrySet, "did_registry", "MaskRegistrySet"),
        (did_registry::events::RoleRevoked, "did_registry", "RoleRevoked"),
        (vc_templates::events::CptRegistered, "vc_templates", "CptRegistered"),
        (vc_templates::events::CptDeprecated, "vc_templates", "CptDeprecated"),
        (vc_templates::events::CredentialAnchored, "vc_templates", "CredentialAnchored"),
        (vc_templates::events::CredentialStatusChanged, "vc_templates", "CredentialStatusChanged"),
        (vc_templates::events::MaskRegistrySet, "vc_templates", "MaskRegistrySet"),
        (vc_templates::events::SystemIssuerSet, "vc_templates", "SystemIssuerSet"),
        (vc_templates::events::TradeEscrowSet, "vc_templates", "TradeEscrowSet"),
        (trade_escrow::events::ChannelOpened, "trade_escrow", "ChannelOpened"),
        (trade_escrow::events::MaskRegistrySet, "trade_escrow", "MaskRegistrySet"),
        (trade_escrow::events::BrokerSet, "trade_escrow", "BrokerSet"),
        (trade_escrow::events::ToppedUp, "trade_escrow", "ToppedUp"),
        (trade_escrow::events::Checkpointed, "trade_escrow", "Checkpointed"),
        (trade_escrow::events::CloseStarted, "trade_escrow", "CloseStarted"),
        (trade_escrow::events::Challenged, "trade_escrow", "Challenged"),
        (trade_escrow::events::ChannelClosed, "trade_escrow", "ChannelClosed"),
        (incentive_auction::events::MaskRegistrySet, "incentive_auction", "MaskRegistrySet"),
        (incentive_auction::events::ModelSet, "incentive_auction", "ModelSet"),
        (incentive_auction::events::AuctionCreated, "incentive_auction", "AuctionCreated"),
        (incentive_auction::events::BidCommitted, "incentive_auction", "BidCommitted"),
        (incentive_auction::events::BidRevealed, "incentive_auction", "BidRevealed"),
        (incentive_auction::events::AuctionFinalized, "incentive_auction", "AuctionFinalized"),
        (incentive_auction::events::AuctionCancelled, "incentive_auction", "AuctionCancelled"),
        (mask_registry::events::Masked, "mask_registry", "Masked"),
        (mask_registry::events::UnmaskApproved, "mask_registry", "UnmaskApproved"),
        (mask_registry::events::Unmasked, "mask_registry", "Unmasked"),
        (mask_registry::events::CommitteeSet, "mask_registry", "CommitteeSet"),
}

thread_local! {
    static KNOWN: Known = known_events();
}
