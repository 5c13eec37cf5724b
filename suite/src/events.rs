//! Contract events of a call: what pallet-contracts recorded (`ContractEmitted` with the
//! event's topics), decoded into the contracts' own event types.
//!
//! ink! 5 puts an event's signature topic (blake2-256 of its name and field types) first, so
//! [`Emitted::decode`] recognises most events by `E::SIGNATURE_TOPIC`. The escrow's and the
//! auction's trade events are the exception: each contract emits them as one event without
//! topics (`ChannelUpdated`, `AuctionUpdated`, whose variant says what happened; a topic costs
//! a storage read and write), and [`Emitted::decode`] hands out the change itself
//! (`ChannelOpened`, `BidCommitted`, …). The two enums number their variants apart (the
//! escrow's from 0, the auction's from 16), so neither decodes as the other.
//! [`Emitted::name`] names any event of the suite.

use crate::AccountId32;
use incentive_auction::events::{AuctionUpdate, AuctionUpdated};
use scale::{Decode, DecodeAll};
use trade_escrow::events::{ChannelUpdate, ChannelUpdated};

/// One event a contract emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// The emitting contract.
    pub contract: AccountId32,
    /// The signature topic first, then the fields marked `#[ink(topic)]` (none for the
    /// topicless trade events).
    pub topics: Vec<[u8; 32]>,
    /// The SCALE-encoded event.
    pub data: Vec<u8>,
}

impl Emitted {
    /// The event as an `E`, if it is one.
    pub fn decode<E: SuiteEvent>(&self) -> Option<E> {
        E::from_emitted(self)
    }

    /// (contract, event) for an event of the suite's contracts (`None` for another's); for a
    /// topicless trade event, the change's name (`Checkpointed`, …). The escrow's and the
    /// auction's `PayoutDeferred` (and `UnclaimedWithdrawn`) have the same signature: the name
    /// says the first contract; `contract` says which emitted it.
    pub fn name(&self) -> Option<(&'static str, &'static str)> {
        let Some(topic) = self.topics.first() else {
            return self
                .decode::<ChannelUpdate>()
                .map(|u| ("trade_escrow", channel_update_name(&u)))
                .or_else(|| {
                    self.decode::<AuctionUpdate>()
                        .map(|u| ("incentive_auction", auction_update_name(&u)))
                });
        };
        KNOWN.with(|known| {
            known
                .iter()
                .find(|(signature, _, _)| signature == topic)
                .map(|&(_, contract, event)| (contract, event))
        })
    }
}

/// An event type [`Emitted::decode`] can find: an event with its signature topic, a
/// topicless trade event's change (`ChannelOpened`, `BidCommitted`, …), or the change as the
/// whole enum (`ChannelUpdate`, `AuctionUpdate`).
pub trait SuiteEvent: Sized {
    /// `Some` when `emitted` is one of these.
    fn from_emitted(emitted: &Emitted) -> Option<Self>;
}

/// The topicless event's change, when the event is a whole `W` (no bytes left over).
fn topicless<W: DecodeAll>(emitted: &Emitted) -> Option<W> {
    if !emitted.topics.is_empty() {
        return None;
    }
    W::decode_all(&mut &emitted.data[..]).ok()
}

impl SuiteEvent for ChannelUpdate {
    fn from_emitted(emitted: &Emitted) -> Option<Self> {
        topicless::<ChannelUpdated>(emitted).map(|e| e.update)
    }
}

impl SuiteEvent for AuctionUpdate {
    fn from_emitted(emitted: &Emitted) -> Option<Self> {
        topicless::<AuctionUpdated>(emitted).map(|e| e.update)
    }
}

/// Each change of a topicless trade event: a [`SuiteEvent`], and its name.
macro_rules! changes {
    ($enum:ident, $name_fn:ident: $($variant:ident => $ty:ty,)*) => {
        $(
            impl SuiteEvent for $ty {
                fn from_emitted(emitted: &Emitted) -> Option<Self> {
                    match $enum::from_emitted(emitted)? {
                        $enum::$variant(change) => Some(change),
                        _ => None,
                    }
                }
            }
        )*
        fn $name_fn(update: &$enum) -> &'static str {
            match update {
                $($enum::$variant(_) => stringify!($variant),)*
            }
        }
    };
}

changes! {
    ChannelUpdate, channel_update_name:
        ChannelOpened => trade_escrow::events::ChannelOpened,
        ToppedUp => trade_escrow::events::ToppedUp,
        Checkpointed => trade_escrow::events::Checkpointed,
        CloseStarted => trade_escrow::events::CloseStarted,
        Challenged => trade_escrow::events::Challenged,
        ChannelClosed => trade_escrow::events::ChannelClosed,
}

changes! {
    AuctionUpdate, auction_update_name:
        AuctionCreated => incentive_auction::events::AuctionCreated,
        BidCommitted => incentive_auction::events::BidCommitted,
        BidRevealed => incentive_auction::events::BidRevealed,
        AuctionFinalized => incentive_auction::events::AuctionFinalized,
        AuctionCancelled => incentive_auction::events::AuctionCancelled,
}

type Known = Vec<([u8; 32], &'static str, &'static str)>;

/// The events with a signature topic: each a [`SuiteEvent`], and named by its topic.
macro_rules! known_events {
    ($(($ty:ty, $contract:literal, $event:literal),)*) => {
        $(
            impl SuiteEvent for $ty {
                fn from_emitted(emitted: &Emitted) -> Option<Self> {
                    let signature = <$ty as ink::env::Event>::SIGNATURE_TOPIC?;
                    if emitted.topics.first() != Some(&signature) {
                        return None;
                    }
                    <$ty>::decode(&mut &emitted.data[..]).ok()
                }
            }
        )*
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
        (trade_escrow::events::MaskRegistrySet, "trade_escrow", "MaskRegistrySet"),
        (trade_escrow::events::BrokerSet, "trade_escrow", "BrokerSet"),
        (incentive_auction::events::MaskRegistrySet, "incentive_auction", "MaskRegistrySet"),
        (incentive_auction::events::ModelSet, "incentive_auction", "ModelSet"),
        (mask_registry::events::Masked, "mask_registry", "Masked"),
        (mask_registry::events::UnmaskApproved, "mask_registry", "UnmaskApproved"),
        (mask_registry::events::Unmasked, "mask_registry", "Unmasked"),
        (mask_registry::events::CommitteeSet, "mask_registry", "CommitteeSet"),
}

thread_local! {
    static KNOWN: Known = known_events();
}

#[cfg(test)]
mod tests {
    use super::*;
    use incentive_auction::events::BidCommitted;
    use scale::Encode;
    use trade_escrow::events::{Checkpointed, PayoutDeferred};

    fn emitted(topics: Vec<[u8; 32]>, data: Vec<u8>) -> Emitted {
        Emitted {
            contract: AccountId32::from([7; 32]),
            topics,
            data,
        }
    }

    fn checkpointed() -> Checkpointed {
        Checkpointed {
            channel: [1; 32],
            nonce: 3,
            cumulative: 300,
            paid_now: 100,
            settlement: [2; 32],
        }
    }

    #[test]
    fn a_topicless_trade_event_decodes_as_its_change_and_nothing_else() {
        let update = ChannelUpdated {
            update: ChannelUpdate::Checkpointed(checkpointed()),
        };
        let e = emitted(Vec::new(), update.encode());
        assert_eq!(e.decode::<Checkpointed>(), Some(checkpointed()));
        assert_eq!(e.name(), Some(("trade_escrow", "Checkpointed")));
        assert!(e.decode::<trade_escrow::events::ChannelClosed>().is_none());
        assert!(
            e.decode::<AuctionUpdate>().is_none(),
            "the auction's variants start at 16"
        );
        // The same bytes with a topic are not the topicless event.
        let topic = emitted(vec![[0; 32]], update.encode());
        assert!(topic.decode::<Checkpointed>().is_none());
    }

    #[test]
    fn the_auctions_changes_never_decode_as_the_escrows() {
        let committed = BidCommitted {
            auction: 4,
            bidder: ink::primitives::AccountId::from([5; 32]),
            seq: 1,
        };
        let e = emitted(
            Vec::new(),
            AuctionUpdated {
                update: AuctionUpdate::BidCommitted(committed.clone()),
            }
            .encode(),
        );
        assert_eq!(e.decode::<BidCommitted>(), Some(committed));
        assert_eq!(e.name(), Some(("incentive_auction", "BidCommitted")));
        assert!(e.decode::<ChannelUpdate>().is_none());
    }

    #[test]
    fn an_event_with_a_signature_topic_decodes_by_it() {
        let deferred = PayoutDeferred {
            account: ink::primitives::AccountId::from([9; 32]),
            amount: 12,
        };
        let signature =
            <PayoutDeferred as ink::env::Event>::SIGNATURE_TOPIC.expect("a signature topic");
        let e = emitted(vec![signature, [9; 32]], deferred.encode());
        let got = e.decode::<PayoutDeferred>().expect("a PayoutDeferred");
        assert_eq!(
            (got.account, got.amount),
            (deferred.account, deferred.amount)
        );
        assert_eq!(e.name(), Some(("trade_escrow", "PayoutDeferred")));
        assert!(e.decode::<Checkpointed>().is_none());
    }
}
