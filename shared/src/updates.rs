//! The topicless update events (`ChannelUpdated`, `AuctionUpdated`), emitted one change at a
//! time.
//!
//! A contract's update event holds an enum with one variant per change (`ChannelOpened`,
//! `BidCommitted`, …). Emitting the event encodes through the enum's encoder, which carries
//! every variant's encoding — in a main code that emits two of the six changes, the other four
//! too (about 250 B of the auction's and the escrow's main codes, loaded by every call).
//! [`Updated`] emits one change as the event holding it encodes: the change's variant index
//! ([`Change::INDEX`]), then the change; no topics, as for the anonymous event. The bytes are
//! the event's, so every decoder (polkadot.js, the Contracts UI, `cgrid_suite`, the bindings)
//! reads them as before; the contracts' unit tests decode what they emit as the declared event.
//!
//! [`update_enum!`](crate::update_enum) declares the enum and the indices from one list, the
//! one home of the numbering.

/// A change of a contract's update enum, declared by [`update_enum!`](crate::update_enum).
///
/// A contract's helper takes its own enum's changes:
///
/// ```
/// use cgrid_shared::updates::Change;
/// #[ink::scale_derive(Encode, Decode)]
/// pub struct Opened { pub id: u64 }
/// #[ink::scale_derive(Encode, Decode)]
/// pub struct Created { pub id: u64 }
/// cgrid_shared::update_enum! {
///     #[ink::scale_derive(Encode, Decode)]
///     pub enum ChannelUpdate { 0 => Opened }
/// }
/// cgrid_shared::update_enum! {
///     #[ink::scale_derive(Encode, Decode)]
///     pub enum AuctionUpdate { 16 => Created }
/// }
/// fn updated<C: Change<Update = ChannelUpdate>>(_change: C) {}
/// updated(Opened { id: 1 });
/// ```
///
/// and no other enum's:
///
/// ```compile_fail
/// use cgrid_shared::updates::Change;
/// #[ink::scale_derive(Encode, Decode)]
/// pub struct Opened { pub id: u64 }
/// #[ink::scale_derive(Encode, Decode)]
/// pub struct Created { pub id: u64 }
/// cgrid_shared::update_enum! {
///     #[ink::scale_derive(Encode, Decode)]
///     pub enum ChannelUpdate { 0 => Opened }
/// }
/// cgrid_shared::update_enum! {
///     #[ink::scale_derive(Encode, Decode)]
///     pub enum AuctionUpdate { 16 => Created }
/// }
/// fn updated<C: Change<Update = ChannelUpdate>>(_change: C) {}
/// updated(Created { id: 1 });
/// ```
pub trait Change: scale::Encode {
    /// The update enum that holds it: a contract's `updated` helper takes only its own
    /// enum's changes, so it cannot emit another contract's change under its event.
    type Update;
    /// Its variant index in the enum (`#[codec(index)]`).
    const INDEX: u8;
}

/// The update event holding change `C`, encoded as the event is (anonymous: no topics).
pub struct Updated<C>(pub C);

impl<C: Change> scale::Encode for Updated<C> {
    fn size_hint(&self) -> usize {
        self.0.size_hint().saturating_add(1)
    }

    fn encode_to<T: scale::Output + ?Sized>(&self, dest: &mut T) {
        dest.push_byte(C::INDEX);
        self.0.encode_to(dest);
    }
}

impl<C: Change> ink::env::Event for Updated<C> {
    type RemainingTopics = ink::env::event::state::NoRemainingTopics;
    const SIGNATURE_TOPIC: Option<[u8; 32]> = None;

    fn topics<E, B>(
        &self,
        builder: ink::env::event::TopicsBuilder<ink::env::event::state::Uninit, E, B>,
    ) -> <B as ink::env::event::TopicsBuilderBackend<E>>::Output
    where
        E: ink::env::Environment,
        B: ink::env::event::TopicsBuilderBackend<E>,
    {
        builder.build::<Self>().finish()
    }
}

/// Declares a contract's update enum: one variant per change struct, named as the struct and
/// documented as listed (the metadata carries each variant's docs), with the listed index
/// (`#[codec(index)]`), and makes the struct a [`Change`](crate::updates::Change) of that enum
/// with the same index, so that [`Updated`] encodes each change as the enum does.
///
/// ```ignore
/// cgrid_shared::update_enum! {
///     /// What happened to a channel, in `ChannelUpdated`.
///     #[derive(Debug, Clone, PartialEq, Eq)]
///     #[ink::scale_derive(Encode, Decode, TypeInfo)]
///     pub enum ChannelUpdate {
///         /// See [`ChannelOpened`].
///         0 => ChannelOpened,
///         /// See [`ToppedUp`].
///         1 => ToppedUp,
///     }
/// }
/// ```
#[macro_export]
macro_rules! update_enum {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident { $($(#[$doc:meta])* $index:literal => $change:ident),+ $(,)? }
    ) => {
        $(#[$attr])*
        $vis enum $name {
            $(
                $(#[$doc])*
                #[codec(index = $index)]
                $change($change),
            )+
        }
        $(
            impl $crate::updates::Change for $change {
                type Update = $name;
                const INDEX: u8 = $index;
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use scale::Encode;

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode)]
    struct Opened {
        id: u64,
        by: [u8; 32],
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode)]
    struct Closed {
        id: u64,
        refund: Option<u128>,
    }

    crate::update_enum! {
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[ink::scale_derive(Encode, Decode)]
        enum Update {
            16 => Opened,
            21 => Closed,
        }
    }

    #[test]
    fn a_change_encodes_as_the_enum_holding_it() {
        let opened = Opened { id: 7, by: [3; 32] };
        let closed = Closed {
            id: 7,
            refund: Some(5),
        };
        assert_eq!(
            Updated(opened.clone()).encode(),
            Update::Opened(opened.clone()).encode()
        );
        assert_eq!(
            Updated(closed.clone()).encode(),
            Update::Closed(closed.clone()).encode()
        );
        assert_eq!(Updated(closed.clone()).encode()[0], 21);
        assert_eq!(
            Updated(opened.clone()).size_hint(),
            Update::Opened(opened).encode().len()
        );
    }
}
