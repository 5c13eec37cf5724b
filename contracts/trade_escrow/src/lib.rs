//! # trade_escrow
//!
//! Deposits and payment channels for ComputeGrid's per-minute compute billing. Only opening,
//! checkpoints, closes and disputes touch the chain; every minute's bill is an off-chain state
//! `(escrow, channel, nonce, cumulative)` signed by the consumer's channel key (layouts in
//! `cgrid_shared::escrow`).
//!
//! ## What it guarantees
//! - **Conservation.** For every channel and every path, the deposit (opening deposit plus
//!   top-ups) equals what the provider was paid plus what the consumer got back; nothing else
//!   ever leaves the contract. A payout that the chain refuses (e.g. below the existential
//!   deposit of a reaped account) is kept for its owner (`withdraw_unclaimed`), never lost, and
//!   never blocks a close. `total_owed` is what the contract owes: Σ (deposit − paid) over
//!   unclosed channels plus Σ unclaimed payouts; the contract never owes more than it holds: a
//!   broker's channel opens only if the balance beyond `total_owed` covers its deposit (the
//!   broker transfers it first, or with the call), and a refused brokered open sends that
//!   deposit back to the broker.
//! - **Consent.** A channel opens only on an offer signed by the provider's account key
//!   (sr25519) naming this consumer, this escrow and this deployment; the consumer must hold the
//!   Consumer role and the provider the Provider role (asked of the DID registry's role index,
//!   which answers as the registry does). An offer opens at most one
//!   channel: the channel id is the hash of the offer. Neither channel key may be all zeros (the
//!   identity point, for which anyone can sign). A broker that the root authority designated —
//!   a contract, never a plain key (the auction) — may open channels instead: its code vouches
//!   for consent (no offer signature), the escrow still checks the roles: the DIDs the broker
//!   names must be those the registry names, now, as the Consumer of the terms' consumer
//!   account and the Provider of its provider account (see `BrokeredEscrow::open_brokered`).
//! - **No replay.** A state signature is valid only for this escrow and this channel (whose id
//!   binds the deployment); a per-minute state is never a consent to a cooperative close
//!   (distinct domain tags). Replaying an older state gains nothing: it proves a smaller debt.
//! - **The largest signed debt wins.** Only the consumer (the payer) signs states, and it can
//!   sign anything, so a state is evidence of what the consumer owes, and a state is accepted
//!   (checkpoint, start of a close, challenge) only if it proves more owed than the state held
//!   on chain (`cgrid_shared::supersedes`: `final_total`, then `cumulative`; the nonce only
//!   tells states apart). An honest provider that answers a close within the challenge period
//!   (and claims before `expires_at + challenge_period`) is paid at least the most the
//!   consumer signed (up to the deposit), and at least `min_cost` once the trade ran; an honest
//!   consumer never pays more than the most it signed (or `min_cost`). A unilateral close
//!   stands only until the challenge deadline. Amounts never exceed the deposit and never fall
//!   below what was already paid.
//! - **Minimum charge.** Once the trade ran (a state with nonce ≥ 1 exists), a close pays the
//!   provider at least `min_cost` (the deposit is at least `min_cost`).
//! - **Liveness.** The provider must checkpoint or close before `expires_at + challenge_period`;
//!   after that, anyone can trigger the consumer's refund of everything unpaid.
//! - A closed channel accepts nothing. Every failure returns a typed [`Error`] and changes
//!   nothing; every transition emits an event.
//! - **Trade credentials.** Opening records the trade-start credential (id = channel id,
//!   subject = the consumer DID) in the channel itself (its claims root, fixed at opening like
//!   the DIDs and the opening time) and every settlement (checkpoint or close) a settlement
//!   credential (subject = the provider DID) in this contract's own storage, in the same
//!   transaction as the money moves: no settlement goes unrecorded, and no other contract can
//!   refuse one. `trade_credential(id)` answers them; the credential registry serves them to
//!   readers (`verify`, `anchor_of`) with its masks and statuses
//!   (`cgrid_shared::trade_credentials`).
//!
//! - **Masks never hold money.** Once an authority names the mask registry
//!   (`set_mask_registry`), `channel` returns a masked view of a trade a regulator masked (who
//!   traded and at what price withheld, a marker saying who, when and why), and withholds a
//!   party whose DID is masked so that its account is hidden; the escrow's accounting
//!   (deposit, paid, nonce, phase) is never withheld, so a price mask cannot hide the average
//!   price paid. Settlement never reads a mask. A whole-record mask refuses
//!   the consumer's top-ups of the trade unless it lets the owner write; it never stops a checkpoint, close,
//!   challenge or refund: refusing those would move money by the clock.
//!
//! State is written before any transfer or cross-contract call, and ink!'s default call flags
//! forbid reentry.
//!
//! ## Three code blobs
//! The address runs the **main code**: what a trade runs (`open`, `open_brokered`, `checkpoint`,
//! `close_cooperative`). Everything else lives in two **cold codes**, which the main code
//! delegate-calls with the call's own input, cloned by the host (`cgrid_shared::split`): the
//! first settles disputes and timeouts (`start_close`, `challenge`, `finalize`,
//! `claim_timeout`); the second holds top-ups, `withdraw_unclaimed`, administration
//! (`set_broker`, `set_mask_registry`) and the reads (`channel`, which honours masks,
//! `trade_credential`, and the getters). A trade loads the small blob only, any other call
//! the main code and one cold code. The main code names each cold code by a hash compiled
//! into it and locks it as a delegate dependency when instantiated; all read and write the
//! same storage, and the ABI is that of one contract. Every rule above holds in whichever blob
//! runs it: all are built from this one source.

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

pub use self::trade_escrow::{Error, Result, TradeEscrow, TradeEscrowRef};

/// The contract's events, for off-chain decoders (`cgrid-suite`).
pub mod events {
    pub use super::trade_escrow::{
        BrokerSet, Challenged, ChannelClosed, ChannelOpened, ChannelUpdate, ChannelUpdated,
        Checkpointed, CloseStarted, MaskRegistrySet, PayoutDeferred, ToppedUp, UnclaimedWithdrawn,
    };
}

pub use cgrid_shared::{MAX_CHALLENGE_PERIOD, MAX_LIFETIME, MAX_SPEC_LEN, MIN_CHALLENGE_PERIOD};

#[ink::contract]
mod trade_escrow {
    use crate::{MAX_CHALLENGE_PERIOD, MAX_LIFETIME, MAX_SPEC_LEN, MIN_CHALLENGE_PERIOD};
    use cgrid_shared::payout::{PayoutError, Unclaimed};
    use cgrid_shared::updates::{Change, Updated};
    use cgrid_shared::Maskable as _;
    use cgrid_shared::{
        brokered_hash, close_hash, deployment_hash, offer_hash, public_claims_root,
        settlement_claims, settlement_id_hash, state_hash, trade_start_claims, BrokeredOpen,
        BrokeringError, Channel, ChannelId, CloseKind, CredentialAnchor, CredentialId, Mask,
        MaskedView, OpenRefusal, Party, Phase, Role, RoleQuery, Signature, SignedState, Target,
        TradeCredential, TradeParties, TradeTerms, SETTLEMENT_CPT, SETTLEMENT_FIELDS,
        TRADE_START_FIELDS,
    };
    use cgrid_shared::{cold_code, in_cold_code, in_main_code, lock_cold_code};
    use ink::prelude::vec;
    use ink::storage::Mapping;

    // The registries through the shared clients on chain, their per-thread doubles in unit
    // tests (ink!'s off-chain environment cannot call other contracts).
    #[cfg(test)]
    use cgrid_shared::testing::{did::Registry, mask::masks_at, roles::Roles};
    #[cfg(not(test))]
    use cgrid_shared::{masks_at, Registry, Roles};

    // ------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------

    #[ink(storage)]
    pub struct TradeEscrow {
        did_registry: AccountId,
        /// The DID registry's role index (`DidRegistry::role_index`, asked at instantiation),
        /// which answers the parties' role questions from a small code.
        role_index: AccountId,
        credentials: AccountId,
        /// blake2-256 of (escrow, deployer, block, time) at instantiation: part of every
        /// channel id, so signatures do not carry over to another deployment.
        deployment: [u8; 32],
        channels: Mapping<ChannelId, Channel>,
        channel_count: u64,
        /// Payouts the chain refused to transfer, kept for their owners.
        unclaimed: Unclaimed,
        /// Σ (deposit − paid) over unclosed channels + Σ unclaimed.
        owed: Balance,
        /// Contracts an authority designated to open channels on the parties' behalf (the
        /// auction): they vouch for the provider's consent instead of an offer signature.
        /// `false`: a former broker (refused, with its deposit sent back).
        brokers: Mapping<AccountId, bool>,
        /// The mask registry whose masks `channel` and top-ups honour (`None`: none).
        mask_registry: Option<AccountId>,
        /// The settlement credentials this escrow recorded, by id (a trade start is in its
        /// channel: `TradeCredential::trade_start`).
        trade_credentials: Mapping<CredentialId, TradeCredential>,
    }

    /// The registries an escrow calls (`registries`), fixed at instantiation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct EscrowRegistries {
        /// The DID registry that answers the parties' role questions.
        pub did_registry: AccountId,
        /// The credential registry (vc_templates) that serves this escrow's trade-start and
        /// settlement credentials to readers.
        pub credentials: AccountId,
    }

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------
    // A channel's changes (opened, topped up, checkpointed, close started, challenged, closed)
    // are one event without topics, `ChannelUpdated`, whose `update` says which: on
    // pallet-contracts every topic, the signature topic too, costs a storage read and write
    // (128 M ref_time) and 2,508 B of proof, while a topicless event costs 2 M and its bytes.
    // polkadot.js and the Contracts UI decode it as the contract's only anonymous event;
    // `cgrid_suite` and the bindings hand out the change itself (`ChannelOpened`, …). The
    // channel and the parties are in the data. Administrative and payout events keep their
    // topics.

    /// A channel changed; `update` says how (each change's own struct documents it).
    #[ink(event, anonymous)]
    pub struct ChannelUpdated {
        /// What happened to which channel.
        pub update: ChannelUpdate,
    }

    cgrid_shared::update_enum! {
        /// What happened to a channel, in `ChannelUpdated`. The variants are numbered from 0;
        /// the auction's updates from 16, so that the two contracts' topicless events never
        /// decode as each other.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[ink::scale_derive(Encode, Decode, TypeInfo)]
        pub enum ChannelUpdate {
            /// See [`ChannelOpened`].
            0 => ChannelOpened,
            /// See [`ToppedUp`].
            1 => ToppedUp,
            /// See [`Checkpointed`].
            2 => Checkpointed,
            /// See [`CloseStarted`].
            3 => CloseStarted,
            /// See [`Challenged`].
            4 => Challenged,
            /// See [`ChannelClosed`].
            5 => ChannelClosed,
        }
    }

    /// A channel opened; its trade-start credential (id = channel id) is recorded.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct ChannelOpened {
        /// The new channel's id: the hash of the signed offer (or of the broker's terms).
        pub channel: ChannelId,
        /// The paying account.
        pub consumer: AccountId,
        /// The account that serves the compute and is paid.
        pub provider: AccountId,
        /// The opening deposit, in the chain's smallest unit.
        pub deposit: Balance,
        /// The agreed price per minute, in the chain's smallest unit.
        pub price_per_minute: Balance,
        /// The least the provider is paid once the trade ran (a signed state with nonce ≥ 1),
        /// in the chain's smallest unit.
        pub min_cost: Balance,
        /// How long the other side has to answer a unilateral close, in milliseconds.
        pub challenge_period: Timestamp,
        /// When the channel expires, in milliseconds since the Unix epoch; the provider may
        /// still checkpoint or start a close until `challenge_period` later.
        pub expires_at: Timestamp,
        /// The designated broker that opened it (`None`: the consumer, on a signed offer).
        pub broker: Option<AccountId>,
    }

    /// The root authority named (or, with `None`, removed) the mask registry.
    #[ink(event)]
    pub struct MaskRegistrySet {
        /// The root authority that made the change.
        #[ink(topic)]
        pub by: AccountId,
        /// The mask registry now in use (`None`: masks no longer apply).
        pub registry: Option<AccountId>,
    }

    /// The root authority designated (or undesignated) a broker.
    #[ink(event)]
    pub struct BrokerSet {
        /// The broker contract.
        #[ink(topic)]
        pub broker: AccountId,
        /// `true`: it may now open channels (`open_brokered`); `false`: it no longer may.
        pub enabled: bool,
        /// The root authority that made the change.
        pub by: AccountId,
    }

    /// The consumer added to a channel's deposit and/or moved its expiry later.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct ToppedUp {
        /// The channel.
        pub channel: ChannelId,
        /// The value this top-up added, in the chain's smallest unit (0: only the expiry moved).
        pub amount: Balance,
        /// The channel's whole deposit after the top-up, in the chain's smallest unit.
        pub deposit: Balance,
        /// The channel's expiry after the top-up, in milliseconds since the Unix epoch.
        pub expires_at: Timestamp,
    }

    /// The provider settled a consumer-signed state.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct Checkpointed {
        /// The channel.
        pub channel: ChannelId,
        /// The settled state's nonce (the controllers use the number of minutes billed).
        pub nonce: u64,
        /// The total the consumer signed it owes over the channel's life, in the chain's
        /// smallest unit; now the channel's `paid`.
        pub cumulative: Balance,
        /// Paid to the provider by this checkpoint: `cumulative` minus what was paid before.
        pub paid_now: Balance,
        /// The id of the settlement credential recorded for this period.
        pub settlement: CredentialId,
    }

    /// A party started a unilateral close; its claim stands unless a state proving more owed
    /// replaces it (`challenge`) before `deadline`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct CloseStarted {
        /// The channel.
        pub channel: ChannelId,
        /// Who started the close.
        pub by: Party,
        /// The claimed state's nonce (the settled one when the close brought no new state).
        pub nonce: u64,
        /// The claimed total the consumer owes over the channel's life, in the chain's
        /// smallest unit.
        pub cumulative: Balance,
        /// The end of the challenge window (`finalize` pays out from then on), in milliseconds
        /// since the Unix epoch.
        pub deadline: Timestamp,
    }

    /// A state proving more owed replaced the pending close claim.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct Challenged {
        /// The channel.
        pub channel: ChannelId,
        /// Who challenged (not necessarily who started the close).
        pub by: Party,
        /// The nonce of the claim that was replaced.
        pub replaced_nonce: u64,
        /// The cumulative amount of the claim that was replaced, in the chain's smallest unit.
        pub replaced_cumulative: Balance,
        /// The nonce of the claim now pending.
        pub nonce: u64,
        /// The cumulative amount of the claim now pending, in the chain's smallest unit.
        pub cumulative: Balance,
    }

    /// A channel closed: the provider was paid `paid_now` and the consumer refunded
    /// `refunded` (a payout the chain refused waits in `unclaimed_of`, see `PayoutDeferred`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct ChannelClosed {
        /// The channel.
        pub channel: ChannelId,
        /// How it closed: cooperatively, by an unchallenged unilateral close, or by timeout.
        pub how: CloseKind,
        /// The nonce of the state the channel closed at.
        pub nonce: u64,
        /// Total paid to the provider over the channel's life, in the chain's smallest unit.
        pub paid: Balance,
        /// Paid to the provider by this close, in the chain's smallest unit.
        pub paid_now: Balance,
        /// Returned to the consumer by this close: the deposit minus `paid`.
        pub refunded: Balance,
        /// The id of the settlement credential recorded for this close.
        pub settlement: CredentialId,
    }

    /// The chain refused a payout; it waits in `unclaimed_of(account)`.
    #[ink(event)]
    pub struct PayoutDeferred {
        /// Whose payout it is; only this account can take it (`withdraw_unclaimed`).
        #[ink(topic)]
        pub account: AccountId,
        /// The amount kept, in the chain's smallest unit.
        pub amount: Balance,
    }

    /// An owner withdrew what was kept for it.
    #[ink(event)]
    pub struct UnclaimedWithdrawn {
        /// The owner, who called `withdraw_unclaimed`.
        #[ink(topic)]
        pub account: AccountId,
        /// The amount transferred (everything kept for it), in the chain's smallest unit.
        pub amount: Balance,
    }

    // ------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------

    /// Why the escrow refused a call. A refused call changes nothing (no money moves).
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Only the channel's (or the offer's) consumer may do this: call from that account.
        NotConsumer,
        /// A regulator masked this whole trade and did not let its owner write (`reason_code`
        /// is the mask's). Only top-ups are refused so: checkpoints, closes and the timeout
        /// refund still work; top up once the mask is lifted.
        Masked {
            /// The masked trade (channel id).
            channel: ChannelId,
            /// The regulator's reason code (its catalogue is off chain).
            reason_code: u16,
        },
        /// Only the channel's provider may do this: call from the provider's account.
        NotProvider,
        /// Only the channel's consumer or provider may do this.
        NotParty,
        /// Consumer and provider are the same account: a channel needs two accounts.
        SameAccount,
        /// This party's channel key in the terms is all zeros: the identity point, whose
        /// "signatures" anyone can make. Use a real sr25519 public key.
        ZeroKey(Party),
        /// Only the root authority of the DID registry may do this.
        NotRoot,
        /// A broker must be a contract (code the root authority vetted), not a plain key:
        /// designate the broker contract's address.
        BrokerNotContract,
        /// No channel has this id: check the id (`open` returned it; `ChannelOpened` shows it).
        ChannelNotFound(ChannelId),
        /// This offer already opened the channel with this id: an offer opens one channel;
        /// ask the provider for a new offer (another `offer_nonce`).
        ChannelExists(ChannelId),
        /// A unilateral close is pending (the channel is closing): `challenge` it, close
        /// cooperatively, or `finalize` after its deadline.
        NotOpen,
        /// No unilateral close is pending: there is nothing to challenge or finalize
        /// (`start_close` starts one).
        NotClosing,
        /// The channel is closed and accepts nothing.
        Closed,
        /// The account does not hold the role (or has no active DID): have the DID registry
        /// grant the role (or reactivate the DID), then retry.
        MissingRole {
            /// The account that lacks the role.
            account: AccountId,
            /// The role it needs: Consumer for the consumer, Provider for the provider.
            role: Role,
        },
        /// The offer signature is not the provider's account key (sr25519) over this escrow,
        /// this deployment and exactly these terms: ask the provider to sign these terms.
        BadOfferSignature,
        /// The state is not signed by the consumer's channel key over this escrow, channel,
        /// nonce and cumulative amount: submit the consumer's signed state unchanged.
        BadStateSignature,
        /// This party's channel key did not sign the close (escrow, channel, nonce, cumulative)
        /// in the close domain; a per-minute state signature does not count.
        BadCloseSignature(Party),
        /// Nonce 0 is the opening state, which nobody signs: signed states start at 1.
        ZeroNonce,
        /// The state does not prove more owed than the state held on chain (settled, or the
        /// pending close claim): see `cgrid_shared::supersedes`. Submit a state that proves
        /// more (usually a larger cumulative amount).
        StaleState {
            /// The nonce of the state held on chain.
            held_nonce: u64,
            /// The cumulative amount of the state held on chain, in the chain's smallest unit.
            held_cumulative: Balance,
        },
        /// The cumulative amount is below what was already paid: a state can only raise the
        /// total, so use a later one.
        BelowPaid {
            /// What the provider was already paid, in the chain's smallest unit.
            paid: Balance,
            /// The cumulative amount submitted.
            cumulative: Balance,
        },
        /// The cumulative amount exceeds the deposit: the consumer must top up before this
        /// state can settle.
        AboveDeposit {
            /// The channel's deposit, in the chain's smallest unit.
            deposit: Balance,
            /// The cumulative amount submitted.
            cumulative: Balance,
        },
        /// The transferred deposit is zero or below the terms' `min_cost`: send at least
        /// `min_cost` (and more than 0).
        DepositBelowMinCost {
            /// The terms' minimum charge, in the chain's smallest unit.
            min_cost: Balance,
            /// The value transferred with the call.
            deposit: Balance,
        },
        /// The terms' price per minute is 0: it must be at least 1.
        ZeroPrice,
        /// The terms' challenge period is outside `MIN_CHALLENGE_PERIOD..=MAX_CHALLENGE_PERIOD`
        /// (one minute to 30 days): choose one within.
        BadChallengePeriod {
            /// The challenge period given, in milliseconds.
            got: u64,
            /// The shortest allowed (`MIN_CHALLENGE_PERIOD`: 60,000 ms).
            min: u64,
            /// The longest allowed (`MAX_CHALLENGE_PERIOD`: 2,592,000,000 ms).
            max: u64,
        },
        /// The expiry is not in (now, now + MAX_LIFETIME], or does not extend the current one.
        /// `MAX_LIFETIME` is 400 days; a top-up's new expiry must be later than the current.
        BadExpiry {
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
            /// The expiry given, in milliseconds since the Unix epoch.
            expires_at: Timestamp,
        },
        /// The compute specification is empty or longer than `MAX_SPEC_LEN` (256 bytes).
        BadSpecLength {
            /// The given specification's length, in bytes.
            len: u32,
            /// The longest allowed (`MAX_SPEC_LEN`), in bytes.
            max: u32,
        },
        /// The channel expired: the provider can no longer claim, the consumer no longer top up.
        /// It can still close cooperatively, or by `claim_timeout` after the claim deadline.
        Expired {
            /// For a top-up, the channel's `expires_at`; for the provider's checkpoint or
            /// close, `expires_at + challenge_period` (milliseconds since the Unix epoch).
            deadline: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// The pending close's challenge window is over: it can no longer be challenged;
        /// anyone can `finalize` it.
        ChallengeWindowOver {
            /// The end of the challenge window, in milliseconds since the Unix epoch.
            deadline: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// The pending close can still be challenged: `finalize` from `deadline` on.
        ChallengeWindowOpen {
            /// The end of the challenge window, in milliseconds since the Unix epoch.
            deadline: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// The timeout refund opens after `expires_at + challenge_period`: wait until then.
        NotExpired {
            /// `expires_at + challenge_period`: the refund is possible strictly after it
            /// (milliseconds since the Unix epoch).
            refund_from: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// A top-up with no value and no new expiry: transfer value, give a later expiry, or
        /// both.
        NothingToTopUp,
        /// Nothing is kept for the caller (`unclaimed_of` shows 0): no payout of yours was
        /// refused by the chain.
        NothingToWithdraw,
        /// The chain refused the withdrawal's transfer; nothing changed and the amount stays
        /// kept: try again later.
        TransferFailed,
        /// An amount or counter would not fit its type (e.g. a deposit beyond `u128::MAX`);
        /// nothing changed.
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    cold_code!(2);

    cgrid_shared::split_entry_points!(TradeEscrow, deny_payment = false, cold = [
        1: "start_close", "challenge", "finalize", "claim_timeout";
        2: "top_up", "withdraw_unclaimed", "set_broker", "is_broker", "channel",
            "set_mask_registry", "mask_registry", "channel_count", "total_owed", "unclaimed_of",
            "deployment", "registries";
    ]);

    impl From<PayoutError> for Error {
        fn from(e: PayoutError) -> Self {
            match e {
                PayoutError::Overflow => Error::Overflow,
                PayoutError::NothingToWithdraw => Error::NothingToWithdraw,
                PayoutError::TransferFailed => Error::TransferFailed,
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Constructors and messages
    // ------------------------------------------------------------------------------------

    impl TradeEscrow {
        /// Wires the escrow to the DID registry and the credential registry. The escrow must then
        /// be designated a system issuer in the credential registry (`set_system_issuer`), or
        /// no channel can open.
        #[ink(constructor)]
        pub fn new(did_registry: AccountId, credentials: AccountId) -> Self {
            lock_cold_code!(2);
            cgrid_shared::wired_in_cold_code!(
                Self {
                    did_registry,
                    // Both set by `wire`.
                    role_index: did_registry,
                    credentials,
                    deployment: [0; 32],
                    channels: Mapping::default(),
                    channel_count: 0,
                    unclaimed: Unclaimed::default(),
                    owed: 0,
                    brokers: Mapping::default(),
                    mask_registry: None,
                    trade_credentials: Mapping::default(),
                },
                2
            )
        }

        /// The end of `new` in the split build, run by the second cold code: the deployment
        /// hash and the DID registry's role index (`wire`). Reached only from `new`: the main
        /// code's constructor stores the escrow as `new` built it before them and calls this
        /// message in this code (`cgrid_shared::split::construct`); no message of the main
        /// code has its selector (`cgrid_shared::split::WIRE_SELECTOR`), so no call of a
        /// deployed escrow gets here.
        #[cfg(feature = "split-cold2")]
        #[ink(message, selector = 0x77697265)]
        pub fn wire_new(&mut self) {
            self.wire();
        }

        /// Opens a channel on a provider's signed offer, with the transferred value as the
        /// deposit; the caller must be the offer's consumer. Records the trade-start credential
        /// (id = channel id, subject = consumer DID). Returns the channel id.
        ///
        /// Errors: `NotConsumer`, `SameAccount`, `ZeroKey`, `ZeroPrice`, `BadSpecLength`,
        /// `BadChallengePeriod`, `BadExpiry`, `DepositBelowMinCost`, `ChannelExists`,
        /// `BadOfferSignature`, `MissingRole`, `Overflow`.
        /// Emits: `ChannelUpdated` (`ChannelOpened`).
        #[cfg(not(feature = "split-cold"))]
        #[ink(message, payable)]
        pub fn open(&mut self, terms: TradeTerms, offer_signature: Signature) -> Result<ChannelId> {
            let deposit = self.env().transferred_value();
            let now = self.env().block_timestamp();
            if self.env().caller() != terms.consumer {
                return Err(Error::NotConsumer);
            }
            check_terms(&terms, deposit, now)?;
            let id = offer_hash(&self.env().account_id(), &self.deployment, &terms);
            if self.channels.contains(id) {
                return Err(Error::ChannelExists(id));
            }
            if !sr25519_valid(&offer_signature, &id, terms.provider.as_ref()) {
                return Err(Error::BadOfferSignature);
            }
            let parties = self.trading_parties(&terms)?;
            self.open_channel(id, &terms, deposit, now, parties, None)
        }

        /// Adds the transferred value to an open channel's deposit and optionally moves its
        /// expiry later. Consumer only, before the channel expires. `expires_at` (milliseconds
        /// since the Unix epoch; `None`: unchanged) must be later than the current expiry and
        /// at most `MAX_LIFETIME` (400 days) from now.
        ///
        /// Errors: `ChannelNotFound`, `NotConsumer`, `NotOpen`, `Closed`, `Expired`,
        /// `BadExpiry`, `NothingToTopUp`, `Masked`, `Overflow`.
        /// Emits: `ChannelUpdated` (`ToppedUp`).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message, payable)]
        pub fn top_up(&mut self, channel: ChannelId, expires_at: Option<Timestamp>) -> Result<()> {
            in_cold_code!(2);
            let amount = self.env().transferred_value();
            let now = self.env().block_timestamp();
            let mut ch = self.channel_or_err(channel)?;
            if self.env().caller() != ch.consumer {
                return Err(Error::NotConsumer);
            }
            ensure_open(&ch)?;
            if now >= ch.expires_at {
                return Err(Error::Expired {
                    deadline: ch.expires_at,
                    now,
                });
            }
            if amount == 0 && expires_at.is_none() {
                return Err(Error::NothingToTopUp);
            }
            if let [Some(mask)] = masks_at(self.mask_registry, [Target::Trade(channel)]) {
                // A top-up changes the accounting, never withheld: only a whole-record mask
                // refuses it.
                if !mask.lets_owner_write(&[]) {
                    return Err(Error::Masked {
                        channel,
                        reason_code: mask.reason_code,
                    });
                }
            }
            if let Some(new_expiry) = expires_at {
                if new_expiry <= ch.expires_at || new_expiry > now.saturating_add(MAX_LIFETIME) {
                    return Err(Error::BadExpiry {
                        now,
                        expires_at: new_expiry,
                    });
                }
                ch.expires_at = new_expiry;
            }
            ch.deposit = ch.deposit.checked_add(amount).ok_or(Error::Overflow)?;
            self.owed = self.owed.checked_add(amount).ok_or(Error::Overflow)?;
            self.channels.insert(channel, &ch);
            self.updated(ToppedUp {
                channel,
                amount,
                deposit: ch.deposit,
                expires_at: ch.expires_at,
            });
            Ok(())
        }

        /// Settles a consumer-signed state: pays the provider the difference to what was already
        /// paid and records a settlement credential for the period since the last settlement.
        /// Provider only, while the channel is open and not past its claim deadline. A state
        /// is the consumer channel key's signature over (escrow, channel, nonce, cumulative);
        /// `cumulative` is the total owed so far, not one minute's bill.
        ///
        /// Errors: `ChannelNotFound`, `NotProvider`, `NotOpen`, `Closed`, `Expired`,
        /// `ZeroNonce`, `StaleState`, `BelowPaid`, `AboveDeposit`, `BadStateSignature`, `Overflow`.
        /// Emits: `ChannelUpdated` (`Checkpointed`), and `PayoutDeferred` when a payout cannot be
        /// transferred.
        #[cfg(not(feature = "split-cold"))]
        #[ink(message)]
        pub fn checkpoint(
            &mut self,
            channel: ChannelId,
            nonce: u64,
            cumulative: Balance,
            signature: Signature,
        ) -> Result<()> {
            let now = self.env().block_timestamp();
            let mut ch = self.channel_or_err(channel)?;
            if self.env().caller() != ch.provider {
                return Err(Error::NotProvider);
            }
            ensure_open(&ch)?;
            ensure_claim_window(&ch, now)?;
            self.check_state(
                &channel,
                &ch,
                (ch.nonce, ch.paid),
                nonce,
                cumulative,
                &signature,
            )?;
            let paid_now = cumulative.checked_sub(ch.paid).ok_or(Error::Overflow)?;
            let (index, start) = (ch.settlements, ch.settled_until);
            ch.paid = cumulative;
            ch.nonce = nonce;
            ch.settled_until = now;
            ch.settlements = ch.settlements.checked_add(1).ok_or(Error::Overflow)?;
            self.owed = self.owed.checked_sub(paid_now).ok_or(Error::Overflow)?;
            self.channels.insert(channel, &ch);

            self.pay(ch.provider, paid_now)?;
            let settlement = self.record_settlement(&channel, &ch, index, paid_now, start, None);
            self.updated(Checkpointed {
                channel,
                nonce,
                cumulative,
                paid_now,
                settlement,
            });
            Ok(())
        }

        /// Closes at once on a final state signed by both channel keys (close domain): pays the
        /// provider its total (at least `min_cost` once the trade ran) less what it was paid,
        /// refunds the rest to the consumer. Either party may submit it, while the channel is
        /// open or closing (both signed it: it may settle below a pending claim, never below
        /// what was paid).
        ///
        /// Errors: `ChannelNotFound`, `NotParty`, `Closed`, `BelowPaid`, `AboveDeposit`,
        /// `BadCloseSignature`, `Overflow`.
        /// Emits: `ChannelUpdated` (`ChannelClosed`), and `PayoutDeferred` when a payout cannot be
        /// transferred.
        #[cfg(not(feature = "split-cold"))]
        #[ink(message)]
        pub fn close_cooperative(
            &mut self,
            channel: ChannelId,
            nonce: u64,
            cumulative: Balance,
            consumer_signature: Signature,
            provider_signature: Signature,
        ) -> Result<()> {
            let ch = self.channel_or_err(channel)?;
            party_of(&ch, self.env().caller())?;
            if matches!(ch.phase, Phase::Closed { .. }) {
                return Err(Error::Closed);
            }
            check_amount(&ch, cumulative)?;
            let hash = close_hash(&self.env().account_id(), &channel, nonce, cumulative);
            if !sr25519_valid(&consumer_signature, &hash, &ch.consumer_key) {
                return Err(Error::BadCloseSignature(Party::Consumer));
            }
            if !sr25519_valid(&provider_signature, &hash, &ch.provider_key) {
                return Err(Error::BadCloseSignature(Party::Provider));
            }
            self.finish(channel, ch, CloseKind::Cooperative, nonce, cumulative)
        }

        /// Starts a unilateral close with a consumer-signed state that supersedes the one
        /// settled on chain (`None`: the settled state itself). The other side has
        /// `challenge_period` to answer with a state that supersedes the claim; `finalize` pays
        /// out after that. The provider must start before the claim deadline. Either party
        /// may call it.
        ///
        /// Errors: `ChannelNotFound`, `NotParty`, `NotOpen`, `Closed`, `Expired`, `ZeroNonce`,
        /// `StaleState`, `BelowPaid`, `AboveDeposit`, `BadStateSignature`, `Overflow`.
        /// Emits: `ChannelUpdated` (`CloseStarted`).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn start_close(
            &mut self,
            channel: ChannelId,
            state: Option<SignedState>,
        ) -> Result<()> {
            in_cold_code!();
            let now = self.env().block_timestamp();
            let mut ch = self.channel_or_err(channel)?;
            let by = party_of(&ch, self.env().caller())?;
            ensure_open(&ch)?;
            if by == Party::Provider {
                ensure_claim_window(&ch, now)?;
            }
            let (nonce, cumulative) = match state {
                Some(SignedState {
                    nonce,
                    cumulative,
                    signature,
                }) => {
                    let settled = (ch.nonce, ch.paid);
                    self.check_state(&channel, &ch, settled, nonce, cumulative, &signature)?;
                    (nonce, cumulative)
                }
                None => (ch.nonce, ch.paid),
            };
            let deadline = now
                .checked_add(ch.challenge_period)
                .ok_or(Error::Overflow)?;
            ch.phase = Phase::Closing {
                by,
                nonce,
                cumulative,
                deadline,
            };
            self.channels.insert(channel, &ch);
            self.updated(CloseStarted {
                channel,
                by,
                nonce,
                cumulative,
                deadline,
            });
            Ok(())
        }

        /// Replaces a pending close claim with a consumer-signed state that supersedes it (proves
        /// more owed), before the deadline. Either party may challenge (the deadline does not
        /// move).
        ///
        /// Errors: `ChannelNotFound`, `NotParty`, `NotClosing`, `Closed`, `ChallengeWindowOver`,
        /// `ZeroNonce`, `StaleState`, `BelowPaid`, `AboveDeposit`, `BadStateSignature`.
        /// Emits: `ChannelUpdated` (`Challenged`).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn challenge(
            &mut self,
            channel: ChannelId,
            nonce: u64,
            cumulative: Balance,
            signature: Signature,
        ) -> Result<()> {
            in_cold_code!();
            let now = self.env().block_timestamp();
            let mut ch = self.channel_or_err(channel)?;
            let by = party_of(&ch, self.env().caller())?;
            let (claim_by, claimed, deadline) = match ch.phase {
                Phase::Closing {
                    by,
                    nonce,
                    cumulative,
                    deadline,
                } => (by, (nonce, cumulative), deadline),
                Phase::Open => return Err(Error::NotClosing),
                Phase::Closed { .. } => return Err(Error::Closed),
            };
            if now >= deadline {
                return Err(Error::ChallengeWindowOver { deadline, now });
            }
            self.check_state(&channel, &ch, claimed, nonce, cumulative, &signature)?;
            ch.phase = Phase::Closing {
                by: claim_by,
                nonce,
                cumulative,
                deadline,
            };
            self.channels.insert(channel, &ch);
            self.updated(Challenged {
                channel,
                by,
                replaced_nonce: claimed.0,
                replaced_cumulative: claimed.1,
                nonce,
                cumulative,
            });
            Ok(())
        }

        /// Pays out a unilateral close whose challenge window has passed. Anyone may call it.
        ///
        /// Errors: `ChannelNotFound`, `NotClosing`, `Closed`, `ChallengeWindowOpen`, `Overflow`.
        /// Emits: `ChannelUpdated` (`ChannelClosed`), and `PayoutDeferred` when a payout cannot be
        /// transferred.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn finalize(&mut self, channel: ChannelId) -> Result<()> {
            in_cold_code!();
            let now = self.env().block_timestamp();
            let ch = self.channel_or_err(channel)?;
            match ch.phase {
                Phase::Closing {
                    nonce,
                    cumulative,
                    deadline,
                    ..
                } => {
                    if now < deadline {
                        return Err(Error::ChallengeWindowOpen { deadline, now });
                    }
                    self.finish(channel, ch, CloseKind::Unilateral, nonce, cumulative)
                }
                Phase::Open => Err(Error::NotClosing),
                Phase::Closed { .. } => Err(Error::Closed),
            }
        }

        /// Refunds the consumer everything unpaid of an open channel that nobody closed before
        /// `expires_at + challenge_period` (the minimum charge still applies if the provider
        /// checkpointed). Anyone may call it.
        ///
        /// Errors: `ChannelNotFound`, `NotOpen`, `Closed`, `NotExpired`, `Overflow`.
        /// Emits: `ChannelUpdated` (`ChannelClosed`), and `PayoutDeferred` when a payout cannot be
        /// transferred.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn claim_timeout(&mut self, channel: ChannelId) -> Result<()> {
            in_cold_code!();
            let now = self.env().block_timestamp();
            let ch = self.channel_or_err(channel)?;
            ensure_open(&ch)?;
            let refund_from = ch.claim_deadline();
            if now <= refund_from {
                return Err(Error::NotExpired { refund_from, now });
            }
            let (nonce, paid) = (ch.nonce, ch.paid);
            self.finish(channel, ch, CloseKind::Timeout, nonce, paid)
        }

        /// Transfers the caller's deferred payouts (payouts the chain refused earlier; see
        /// `unclaimed_of`). Only the owner can take its own. Returns the amount transferred.
        ///
        /// Errors: `NothingToWithdraw`, `TransferFailed` (nothing changes; try again later),
        /// `Overflow`.
        /// Emits: `UnclaimedWithdrawn`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn withdraw_unclaimed(&mut self) -> Result<Balance> {
            in_cold_code!(2);
            let caller = self.env().caller();
            let amount = self.unclaimed.withdraw(caller)?;
            self.owed = self.owed.checked_sub(amount).ok_or(Error::Overflow)?;
            self.env().emit_event(UnclaimedWithdrawn {
                account: caller,
                amount,
            });
            Ok(amount)
        }

        /// Lets the root authority of the DID registry designate (or undesignate) a broker: a
        /// contract (the auction) that opens channels through `BrokeredEscrow::open_brokered`,
        /// vouching for both parties' consent and roles. Root only, and only a contract: a
        /// broker's code is what keeps that promise, so one authority must not be able to name
        /// a plain key.
        ///
        /// Errors: `NotRoot`, `BrokerNotContract`.
        /// Emits: `BrokerSet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn set_broker(&mut self, broker: AccountId, enabled: bool) -> Result<()> {
            in_cold_code!(2);
            let by = self.ensure_root()?;
            if enabled && !self.env().is_contract(&broker) {
                return Err(Error::BrokerNotContract);
            }
            if enabled {
                self.brokers.insert(broker, &true);
            } else if self.brokers.contains(broker) {
                // A former broker is told `NotBroker` with its deposit back (`open_brokered`).
                self.brokers.insert(broker, &false);
            }
            self.env().emit_event(BrokerSet {
                broker,
                enabled,
                by,
            });
            Ok(())
        }

        /// Whether `account` is a designated broker.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn is_broker(&self, account: AccountId) -> bool {
            in_cold_code!(2);
            self.brokers.get(account).unwrap_or(false)
        }

        /// The channel record, if it exists; under a regulator's mask with the masked fields
        /// withheld and the marker saying why (the accounting is never withheld). A party whose
        /// DID is masked so that its account is hidden (a whole-DID mask, or one naming
        /// `account`) is withheld too: the trade would otherwise link the two.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn channel(&self, channel: ChannelId) -> Option<MaskedView<Channel>> {
            in_cold_code!(2);
            let record = self.channels.get(channel)?;
            // One call to the mask registry for the trade and both parties' DIDs.
            let [trade, consumer, provider] = masks_at(
                self.mask_registry,
                [
                    Target::Trade(channel),
                    Target::Did(record.consumer_did),
                    Target::Did(record.provider_did),
                ],
            );
            Some(
                record
                    .shown(trade)
                    .also_withhold("consumer", consumer.filter(Mask::hides_account))
                    .also_withhold("provider", provider.filter(Mask::hides_account)),
            )
        }

        /// Names the mask registry whose masks `channel` and top-ups honour (`None`: none).
        /// Root authority of the DID registry only: one other authority must not unwire the
        /// regulators.
        ///
        /// Errors: `NotRoot`.
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

        /// The mask registry in use, if any.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn mask_registry(&self) -> Option<AccountId> {
            in_cold_code!(2);
            self.mask_registry
        }

        /// How many channels were ever opened.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn channel_count(&self) -> u64 {
            in_cold_code!(2);
            self.channel_count
        }

        /// What the contract owes: Σ (deposit − paid) over unclosed channels + Σ unclaimed.
        /// The contract's balance never falls below it.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn total_owed(&self) -> Balance {
            in_cold_code!(2);
            self.owed
        }

        /// Deferred payouts waiting for `account` (payouts the chain refused), in the chain's
        /// smallest unit; the account takes them with `withdraw_unclaimed`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn unclaimed_of(&self, account: AccountId) -> Balance {
            in_cold_code!(2);
            self.unclaimed.of(account)
        }

        /// This deployment's id (part of every channel id).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn deployment(&self) -> [u8; 32] {
            in_cold_code!(2);
            self.deployment
        }

        /// The DID registry and the credential registry this escrow calls.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn registries(&self) -> EscrowRegistries {
            in_cold_code!(2);
            EscrowRegistries {
                did_registry: self.did_registry,
                credentials: self.credentials,
            }
        }

        // --------------------------------------------------------------------------------
        // Private helpers
        // --------------------------------------------------------------------------------

        fn ensure_root(&self) -> Result<AccountId> {
            let caller = self.env().caller();
            if Registry::at(self.did_registry).is_root(caller) {
                Ok(caller)
            } else {
                Err(Error::NotRoot)
            }
        }

        fn channel_or_err(&self, channel: ChannelId) -> Result<Channel> {
            self.channels
                .get(channel)
                .ok_or(Error::ChannelNotFound(channel))
        }

        /// The one rule for a consumer-signed state: a nonce ≥ 1 (so every accepted state shows
        /// that the trade ran, and a larger `cumulative` always proves more owed), it supersedes
        /// `held` (`cgrid_shared::supersedes`), its amount lies between what was paid and the deposit,
        /// and the consumer channel key signed this escrow, channel, nonce and amount.
        fn check_state(
            &self,
            channel: &ChannelId,
            ch: &Channel,
            held: (u64, Balance),
            nonce: u64,
            cumulative: Balance,
            signature: &Signature,
        ) -> Result<()> {
            if nonce == 0 {
                return Err(Error::ZeroNonce);
            }
            if !ch.supersedes((nonce, cumulative), held) {
                return Err(Error::StaleState {
                    held_nonce: held.0,
                    held_cumulative: held.1,
                });
            }
            check_amount(ch, cumulative)?;
            let hash = state_hash(&self.env().account_id(), channel, nonce, cumulative);
            if !sr25519_valid(signature, &hash, &ch.consumer_key) {
                return Err(Error::BadStateSignature);
            }
            Ok(())
        }

        /// Closes `ch` at (`nonce`, `cumulative`): the provider's total is
        /// `ch.final_total(..)`; what the provider has not been paid goes to it, the rest of the
        /// deposit back to the consumer.
        fn finish(
            &mut self,
            channel: ChannelId,
            mut ch: Channel,
            how: CloseKind,
            nonce: u64,
            cumulative: Balance,
        ) -> Result<()> {
            let now = self.env().block_timestamp();
            let total = ch.final_total(nonce, cumulative);
            let paid_now = total.checked_sub(ch.paid).ok_or(Error::Overflow)?;
            let refunded = ch.deposit.checked_sub(total).ok_or(Error::Overflow)?;
            let released = ch.deposit.checked_sub(ch.paid).ok_or(Error::Overflow)?;
            let (index, start) = (ch.settlements, ch.settled_until);
            ch.paid = total;
            ch.nonce = nonce;
            ch.settled_until = now;
            ch.settlements = ch.settlements.checked_add(1).ok_or(Error::Overflow)?;
            ch.phase = Phase::Closed {
                how,
                paid: total,
                refunded,
                at: now,
            };
            self.owed = self.owed.checked_sub(released).ok_or(Error::Overflow)?;
            self.channels.insert(channel, &ch);

            self.pay(ch.provider, paid_now)?;
            self.pay(ch.consumer, refunded)?;
            let settlement =
                self.record_settlement(&channel, &ch, index, paid_now, start, Some(how));
            self.updated(ChannelClosed {
                channel,
                how,
                nonce: ch.nonce,
                paid: total,
                paid_now,
                refunded,
                settlement,
            });
            Ok(())
        }

        /// `new`'s last step: the deployment hash (of this escrow, its instantiator, the block
        /// and the time: in the split build the cold code sees the same, as a delegate call)
        /// and the DID registry's role index, asked of the registry (one call, which only
        /// instantiation makes; in the split build a cold code makes both, see
        /// `cgrid_shared::wired_in_cold_code!`).
        #[cfg_attr(any(feature = "split-main", feature = "split-cold"), allow(dead_code))]
        fn wire(&mut self) {
            self.deployment = deployment_hash(
                &self.env().account_id(),
                &self.env().caller(),
                self.env().block_number(),
                self.env().block_timestamp(),
            );
            self.role_index = Registry::at(self.did_registry).role_index();
        }

        /// The DIDs that hold, now, the Consumer role for the terms' consumer account and the
        /// Provider role for its provider account (one registry call): the one home of the rule
        /// "only trading parties trade", for `open` and `open_brokered`.
        ///
        /// Errors: `MissingRole` (the first party without its role).
        fn trading_parties(&self, terms: &TradeTerms) -> Result<TradeParties> {
            let mut holders = Roles::at(self.role_index)
                .role_holders(vec![
                    RoleQuery {
                        account: terms.consumer,
                        role: Role::Consumer,
                    },
                    RoleQuery {
                        account: terms.provider,
                        role: Role::Provider,
                    },
                ])
                .into_iter();
            let consumer = holders.next().flatten().ok_or(Error::MissingRole {
                account: terms.consumer,
                role: Role::Consumer,
            })?;
            let provider = holders.next().flatten().ok_or(Error::MissingRole {
                account: terms.provider,
                role: Role::Provider,
            })?;
            Ok(TradeParties { consumer, provider })
        }

        /// Unit tests only: puts the channel counter at `count` (its overflow is unreachable
        /// otherwise).
        #[cfg(test)]
        pub(crate) fn set_channel_count(&mut self, count: u64) {
            self.channel_count = count;
        }

        /// `open_brokered`'s checks and the channel, once the deposit is known to be funded;
        /// changes nothing when it refuses.
        fn open_for_broker(
            &mut self,
            designated: bool,
            broker: AccountId,
            terms: &TradeTerms,
            parties: TradeParties,
            deposit: Balance,
        ) -> core::result::Result<ChannelId, OpenRefusal> {
            if !designated {
                return Err(OpenRefusal::NotBroker);
            }
            let now = self.env().block_timestamp();
            check_terms(terms, deposit, now).map_err(refusal)?;
            let id = brokered_hash(&self.env().account_id(), &self.deployment, &broker, terms);
            if self.channels.contains(id) {
                return Err(OpenRefusal::ChannelExists);
            }
            let holders = self.trading_parties(terms).map_err(refusal)?;
            if parties.consumer != holders.consumer {
                return Err(OpenRefusal::NotRoleHolder(Party::Consumer));
            }
            if parties.provider != holders.provider {
                return Err(OpenRefusal::NotRoleHolder(Party::Provider));
            }
            self.open_channel(id, terms, deposit, now, holders, Some(broker))
                .map_err(refusal)
        }

        /// Opens channel `id` on checked `terms` between parties whose roles were checked
        /// (`dids`: consumer's, provider's); the channel carries its trade-start credential
        /// (id = channel id, subject = consumer DID; `TradeCredential::trade_start`).
        fn open_channel(
            &mut self,
            id: ChannelId,
            terms: &TradeTerms,
            deposit: Balance,
            now: Timestamp,
            TradeParties {
                consumer: consumer_did,
                provider: provider_did,
            }: TradeParties,
            broker: Option<AccountId>,
        ) -> Result<ChannelId> {
            let claims = trade_start_claims(terms, &provider_did, &consumer_did);
            let channel = Channel {
                consumer: terms.consumer,
                provider: terms.provider,
                consumer_did,
                provider_did,
                consumer_key: terms.consumer_key,
                provider_key: terms.provider_key,
                price_per_minute: terms.price_per_minute,
                min_cost: terms.min_cost,
                deposit,
                paid: 0,
                nonce: 0,
                challenge_period: terms.challenge_period,
                expires_at: terms.expires_at,
                opened_at: now,
                settled_until: now,
                settlements: 0,
                phase: Phase::Open,
                start_claims_root: public_claims_root(&id, &TRADE_START_FIELDS, &claims),
            };
            // Both sums are checked before either changes: a brokered open that fails here is
            // refused without reverting (`open_brokered`), so it must leave nothing changed.
            let owed = self.owed.checked_add(deposit).ok_or(Error::Overflow)?;
            let count = self.channel_count.checked_add(1).ok_or(Error::Overflow)?;
            (self.owed, self.channel_count) = (owed, count);
            self.channels.insert(id, &channel);
            self.updated(ChannelOpened {
                channel: id,
                consumer: terms.consumer,
                provider: terms.provider,
                deposit,
                price_per_minute: terms.price_per_minute,
                min_cost: terms.min_cost,
                challenge_period: terms.challenge_period,
                expires_at: terms.expires_at,
                broker,
            });
            Ok(id)
        }

        /// Emits the channel change `change` as `ChannelUpdated` (no topics) encodes it,
        /// without the other changes' encoders (`cgrid_shared::updates`).
        fn updated<C: Change<Update = ChannelUpdate>>(&self, change: C) {
            self.env().emit_event(Updated(change));
        }

        /// Transfers `amount` to `to`; if the chain refuses, keeps it for `to` to withdraw.
        fn pay(&mut self, to: AccountId, amount: Balance) -> Result<()> {
            let kept = self.unclaimed.pay(to, amount)?;
            if kept > 0 {
                self.owed = self.owed.checked_add(kept).ok_or(Error::Overflow)?;
                self.env().emit_event(PayoutDeferred {
                    account: to,
                    amount: kept,
                });
            }
            Ok(())
        }

        /// Records the `index`-th settlement credential of a channel (subject: the provider
        /// DID); returns its id.
        fn record_settlement(
            &mut self,
            channel: &ChannelId,
            ch: &Channel,
            index: u32,
            cost: Balance,
            start: Timestamp,
            close: Option<CloseKind>,
        ) -> CredentialId {
            let id = settlement_id_hash(&self.env().account_id(), channel, index);
            let claims = settlement_claims(
                &ch.provider_did,
                &ch.consumer_did,
                cost,
                start,
                ch.settled_until,
                close,
            );
            // Issued now. The id is a domain-separated hash that names the channel and the
            // index, so a new settlement never replaces another (nor a channel's trade start).
            let credential = TradeCredential {
                cpt_id: SETTLEMENT_CPT,
                subject: ch.provider_did,
                claims_root: public_claims_root(&id, &SETTLEMENT_FIELDS, &claims),
                issued_at: self.env().block_timestamp(),
                trade: *channel,
            };
            self.trade_credentials.insert(id, &credential);
            id
        }
    }

    impl cgrid_shared::TradeCredentialIssuer for TradeEscrow {
        /// The trade-start or settlement credential `id` as this escrow recorded it (issuer:
        /// this escrow; active, never expiring); `None` if it recorded none. Anyone may call;
        /// the credential registry asks it to answer readers, adding its masks and statuses.
        #[ink(message)]
        fn trade_credential(&self, id: CredentialId) -> Option<CredentialAnchor> {
            in_cold_code!(2);
            // A settlement's own record, else the trade start its channel carries (the ids are
            // domain-separated hashes: a channel id is never a settlement's).
            self.trade_credentials
                .get(id)
                .or_else(|| {
                    self.channels
                        .get(id)
                        .map(|channel| TradeCredential::trade_start(id, &channel))
                })
                .map(|credential| credential.anchor(self.env().account_id()))
        }
    }

    impl cgrid_shared::BrokeredEscrow for TradeEscrow {
        /// Opens a channel holding `deposit` on behalf of the calling broker (the auction),
        /// which funds it by a transfer to the escrow before the call or with it: the escrow
        /// opens only if its balance beyond what it owes covers `deposit`, so no broker can
        /// open a channel with money the escrow owes others. The broker vouches for both
        /// parties' consent (the offer signature of `open` is skipped) and names their DIDs
        /// (`parties`: consumer's, provider's); every other check of `open` applies, the roles
        /// included: each named DID must be the one the registry names, now, as holding the
        /// party's role for the terms' account, so a broker can neither open a trade for an
        /// account that is no trading party nor make a bystander's DID a party. The channel id
        /// is the hash of `brokered_preimage` (escrow, deployment, broker, terms).
        ///
        /// Who may call: a designated broker; a broker the root undesignated is refused.
        /// Returns `Refused` (`NotBroker` for a former broker, `BadTerms`, `ChannelExists`,
        /// `NotRoleHolder`, `Overflow`) with the deposit sent back and nothing else changed.
        /// Errors (the call reverts): `NotBroker` (never designated), `Overpaid` (the call
        /// carried more than `deposit`), `Unfunded`, `RefundFailed`.
        /// Emits: `ChannelUpdated` (`ChannelOpened`, with `broker`).
        #[ink(message, payable)]
        fn open_brokered(
            &mut self,
            terms: TradeTerms,
            parties: TradeParties,
            deposit: Balance,
        ) -> core::result::Result<BrokeredOpen, BrokeringError> {
            in_main_code!();
            let broker = self.env().caller();
            let designated = self.brokers.get(broker).ok_or(BrokeringError::NotBroker)?;
            // More than the deposit would belong to no channel, and a refusal sends back only
            // the deposit.
            if self.env().transferred_value() > deposit {
                return Err(BrokeringError::Overpaid);
            }
            // `balance` is what the account holds beyond its existential deposit; it owes
            // `owed` of it, so only the rest can fund a channel.
            let unowed = self.env().balance().saturating_sub(self.owed);
            if unowed < deposit {
                return Err(BrokeringError::Unfunded);
            }
            match self.open_for_broker(designated, broker, &terms, parties, deposit) {
                Ok(id) => Ok(BrokeredOpen::Opened(id)),
                Err(refused) => {
                    if !cgrid_shared::payout::chain_transfer(broker, deposit) {
                        return Err(BrokeringError::RefundFailed);
                    }
                    Ok(BrokeredOpen::Refused(refused))
                }
            }
        }
    }

    /// What a broker learns when an open is refused.
    fn refusal(error: Error) -> OpenRefusal {
        match error {
            Error::ChannelExists(_) => OpenRefusal::ChannelExists,
            Error::Overflow => OpenRefusal::Overflow,
            Error::MissingRole {
                role: Role::Consumer,
                ..
            } => OpenRefusal::NotRoleHolder(Party::Consumer),
            Error::MissingRole { .. } => OpenRefusal::NotRoleHolder(Party::Provider),
            _ => OpenRefusal::BadTerms,
        }
    }

    fn check_terms(terms: &TradeTerms, deposit: Balance, now: Timestamp) -> Result<()> {
        if terms.provider == terms.consumer {
            return Err(Error::SameAccount);
        }
        if terms.consumer_key == [0; 32] {
            return Err(Error::ZeroKey(Party::Consumer));
        }
        if terms.provider_key == [0; 32] {
            return Err(Error::ZeroKey(Party::Provider));
        }
        if terms.price_per_minute == 0 {
            return Err(Error::ZeroPrice);
        }
        let len = u32::try_from(terms.spec.len()).unwrap_or(u32::MAX);
        if len == 0 || len > MAX_SPEC_LEN {
            return Err(Error::BadSpecLength {
                len,
                max: MAX_SPEC_LEN,
            });
        }
        if !(MIN_CHALLENGE_PERIOD..=MAX_CHALLENGE_PERIOD).contains(&terms.challenge_period) {
            return Err(Error::BadChallengePeriod {
                got: terms.challenge_period,
                min: MIN_CHALLENGE_PERIOD,
                max: MAX_CHALLENGE_PERIOD,
            });
        }
        if terms.expires_at <= now || terms.expires_at > now.saturating_add(MAX_LIFETIME) {
            return Err(Error::BadExpiry {
                now,
                expires_at: terms.expires_at,
            });
        }
        if deposit == 0 || deposit < terms.min_cost {
            return Err(Error::DepositBelowMinCost {
                min_cost: terms.min_cost,
                deposit,
            });
        }
        Ok(())
    }

    fn check_amount(ch: &Channel, cumulative: Balance) -> Result<()> {
        if cumulative < ch.paid {
            return Err(Error::BelowPaid {
                paid: ch.paid,
                cumulative,
            });
        }
        if cumulative > ch.deposit {
            return Err(Error::AboveDeposit {
                deposit: ch.deposit,
                cumulative,
            });
        }
        Ok(())
    }

    fn ensure_open(ch: &Channel) -> Result<()> {
        match ch.phase {
            Phase::Open => Ok(()),
            Phase::Closing { .. } => Err(Error::NotOpen),
            Phase::Closed { .. } => Err(Error::Closed),
        }
    }

    /// The provider's claims (checkpoint, start close) end at `expires_at + challenge_period`.
    fn ensure_claim_window(ch: &Channel, now: Timestamp) -> Result<()> {
        let deadline = ch.claim_deadline();
        if now > deadline {
            return Err(Error::Expired { deadline, now });
        }
        Ok(())
    }

    fn party_of(ch: &Channel, caller: AccountId) -> Result<Party> {
        if caller == ch.consumer {
            Ok(Party::Consumer)
        } else if caller == ch.provider {
            Ok(Party::Provider)
        } else {
            Err(Error::NotParty)
        }
    }

    fn sr25519_valid(signature: &Signature, hash: &[u8; 32], key: &[u8; 32]) -> bool {
        ink::env::sr25519_verify(signature, hash, key).is_ok()
    }
}

#[cfg(test)]
mod tests;
