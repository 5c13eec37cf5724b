//! # incentive_auction
//!
//! Sealed-bid auctions for compute that rank bids by price *and* by green-energy share, carbon
//! intensity, power usage effectiveness (PUE) and a charity/public-welfare pledge, under a
//! parameter model set by an authority. The winner's trade opens in `trade_escrow` as a payment
//! channel at the winning price. Scoring and the commitment layout are in
//! `cgrid_shared::auction`, shared with off-chain tools.
//!
//! ## What it guarantees
//! - **Sealed bids.** A provider (Provider role) commits `blake2(bid, salt, bidder, auction)`
//!   with the model's bid bond before the commit deadline and reveals between the commit and
//!   the reveal deadline; a reveal that does not match its commitment is refused. One bid per
//!   provider per auction; the consumer cannot bid in its own auction.
//! - **Credential-backed attributes.** A non-price attribute counts only if the reveal proves
//!   it with a credential that is current (active — not suspended or revoked — and unexpired;
//!   read with one `CredentialRegistry::anchors_of` call per reveal), of the
//!   model's template for that attribute, about the bidder's DID, issued by one of the model's
//!   attestor DIDs that is still active (one `RoleIndex::are_active` call per reveal for the
//!   cited credentials' issuers), whose
//!   committed claim (leaf + root) carries exactly the revealed value.
//!   Otherwise it counts as worst. A reveal cites at most `MAX_PROOF_CREDENTIALS` distinct
//!   credentials (one may prove several attributes; each is verified once). A price above the
//!   request's maximum is refused.
//! - **A winner's trade can open.** Every term the escrow checks is checked when the request
//!   is posted or the bid revealed (a zero channel key, a zero price, the limits), so nobody
//!   can win with a bid the escrow would refuse and void the auction for free: such a bid
//!   cannot be revealed and its bond is forfeited.
//! - **Roles.** The consumer's Consumer role is checked when the request is posted, a
//!   provider's Provider role at commit (both, and an attestor's activity at reveal, asked of
//!   the DID registry's role index, which answers as the registry does); the auction names both DIDs when it opens the trade
//!   through the escrow's broker interface, and the escrow checks them against the registry's
//!   role holders again: a party whose role lapsed after those points gets no trade (the
//!   escrow refuses, `NotRoleHolder`, and the consumer is refunded).
//! - **Deterministic score**, fixed point: `Σ weightᵢ · normᵢ` (see `cgrid_shared::auction`);
//!   equal scores go to the earlier commit. The running best is kept during reveal, so
//!   finalizing costs the same for 10 bids as for 1,000; nothing iterates over bids, and the
//!   number of bids is bounded only by the model's `max_bids`.
//! - **Model versions.** Only the root authority sets a model (it names the attestors and the
//!   treasury); every change is a new version and an event; an auction uses the version in
//!   force when it was created.
//! - **Money.** The consumer's deposit, `max(minCost, maxPrice × duration)`, is held from
//!   creation. At finalize the winner's trade gets `max(minCost, price × duration)` as its
//!   channel deposit and the consumer gets the rest back; with no winner, or if the escrow
//!   refuses the trade (or still cannot be called `FINALIZE_GRACE` after the reveal deadline),
//!   the consumer gets everything back. Bid bonds go back at reveal; bonds
//!   of bids never revealed are forfeited to the model's treasury at finalize. A payout the
//!   chain refuses is kept for its owner (`withdraw`), never lost. `total_held` equals what the
//!   contract owes.
//! - **Masks.** Once root names the mask registry (`set_mask_registry`), `auction` withholds
//!   what the mask of the trade it opened withholds (who trades, at what price); the money
//!   fields stay. A mask on a certificate does not stop it proving an attribute (a mask is not
//!   a revocation; `anchor_of` shows a calling contract the anchor as it is).
//! - Cancel: the consumer, before any commit. Every failure returns a typed [`Error`] and
//!   changes nothing; every change emits an event.
//!
//! State is written before any payout; `finalize` funds the trade and calls the escrow before
//! writing: within the grace it transfers the deposit to the escrow first (cheaper than a call
//! carrying value), so a failed call fails finalize, which reverts that transfer with
//! everything else and can be retried; the escrow opens only what it was paid and sends a
//! refused deposit back. ink!'s default call flags forbid reentry.
//!
//! ## Four code blobs
//! The address runs the **main code**: `create_auction` and `commit`, three of the six auction
//! calls of a trade. `reveal` (proof checks and scoring) runs in the **second cold code**,
//! `finalize` (the escrow client, refunds and forfeits) in the **third**, everything else
//! (`set_model`, `set_mask_registry`, `cancel`, `withdraw_unclaimed`, `score_of` and the
//! getters) in the **first**; the main code delegate-calls them with the call's own input,
//! cloned by the host (`cgrid_shared::split`), so every blob stays under 32 KiB and every call
//! loads a main code that holds only what posting and bidding need. The main code names each cold
//! code by a hash compiled into it and locks it as a delegate dependency when instantiated; all
//! read and write the same storage, and the ABI is that of one contract.

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

pub use self::incentive_auction::{
    Error, IncentiveAuction, IncentiveAuctionRef, ModelFlaw, ProofFlaw, Result, RevealOutcome,
};

/// The contract's events, for off-chain decoders (`cgrid-suite`).
pub mod events {
    pub use super::incentive_auction::{
        AuctionCancelled, AuctionCreated, AuctionFinalized, AuctionUpdate, AuctionUpdated,
        BidCommitted, BidRevealed, MaskRegistrySet, ModelSet, PayoutDeferred, UnclaimedWithdrawn,
    };
}

/// Shortest commit window and shortest reveal window, in milliseconds (one minute).
pub const MIN_WINDOW: u64 = 60_000;
/// Latest reveal deadline from an auction's creation, in milliseconds (30 days).
pub const MAX_AUCTION_SPAN: u64 = 30 * 24 * 3_600_000;
/// How long after the reveal deadline a failed escrow call keeps `finalize` retryable, in
/// milliseconds (7 days). Within it, nobody can void the winner's trade by finalizing with too
/// small a budget; after it, an escrow that still cannot be called no longer holds the
/// consumer's deposit and the bonds: finalize refunds as if the escrow had refused.
pub const FINALIZE_GRACE: u64 = 7 * 24 * 3_600_000;
/// Longest trade, in minutes (365 days).
pub const MAX_DURATION_MINUTES: u32 = 365 * 24 * 60;
/// Most attestor DIDs in a model.
pub const MAX_ATTESTORS: u32 = 16;
/// Longest claim name of an attribute rule, in bytes.
pub const MAX_CLAIM_NAME_LEN: u32 = 32;
/// Most claim leaves in a proof (the credential registry's most template properties).
pub const MAX_PROOF_LEAVES: u32 = 24;
/// Most distinct credentials one reveal may cite (each costs a cross-contract call; one
/// credential may prove several attributes and is read once). Keeps `reveal` ≤ 10 G ref_time.
pub const MAX_PROOF_CREDENTIALS: u32 = 2;

#[ink::contract]
mod incentive_auction {
    use crate::{
        FINALIZE_GRACE, MAX_ATTESTORS, MAX_AUCTION_SPAN, MAX_CLAIM_NAME_LEN, MAX_DURATION_MINUTES,
        MAX_PROOF_CREDENTIALS, MAX_PROOF_LEAVES, MIN_WINDOW,
    };
    use cgrid_shared::payout::{PayoutError, Unclaimed};
    use cgrid_shared::updates::{Change, Updated};
    use cgrid_shared::Maskable as _;
    use cgrid_shared::{
        auction_trade_nonce_hash, beats, bid_hash, claim_leaf_hash, claims_root_hash, score,
        trade_deposit, AttributeProofs, AttributeValues, Auction, AuctionPhase, AuctionRequest,
        Bid, ChannelId, ClaimProof, ClaimValue, Commitment, CredentialAnchor, CredentialId, DidId,
        Funding, Issuer, Leader, MaskedView, ModelTerms, OpenRefusal, ParameterModel, Party, Role,
        RoleQuery, Target, TradeParties, TradeTerms, WeightRange, Weights, ATTRIBUTES,
        MAX_CHALLENGE_PERIOD, MAX_SPEC_LEN, MAX_WEIGHT, MIN_CHALLENGE_PERIOD,
    };
    use cgrid_shared::{cold_code, in_cold_code, lock_cold_code};
    use ink::prelude::vec::Vec;
    use ink::storage::{Lazy, Mapping};

    // The registries and the escrow through the shared clients on chain, their per-thread
    // doubles in unit tests (ink!'s off-chain environment cannot call other contracts).
    #[cfg(test)]
    use cgrid_shared::testing::{
        did::Registry, escrow::Brokered, mask::mask_at, roles::Roles, vc::Credentials,
    };
    #[cfg(not(test))]
    use cgrid_shared::{mask_at, Brokered, Credentials, Registry, Roles};

    // ------------------------------------------------------------------------------------
    // Storage
    // ------------------------------------------------------------------------------------

    #[ink(storage)]
    pub struct IncentiveAuction {
        did_registry: AccountId,
        /// The DID registry's role index (`DidRegistry::role_index`, asked at instantiation),
        /// which answers the role and attestor questions from a small code.
        role_index: AccountId,
        credentials: AccountId,
        escrow: AccountId,
        /// Every parameter model version (1, 2, …).
        models: Mapping<u32, ParameterModel>,
        /// The terms of the model in force (`ParameterModel::terms`), which `create_auction`
        /// reads instead of the whole model; `set_model` writes both.
        terms: Lazy<ModelTerms>,
        /// The version in force; 0 until an authority sets the first model.
        model_version: u32,
        auctions: Mapping<u64, Auction>,
        auction_count: u64,
        commitments: Mapping<(u64, AccountId), Commitment>,
        /// Payouts the chain refused to transfer, kept for their owners.
        unclaimed: Unclaimed,
        /// Σ deposits of open auctions + Σ bonds held + Σ unclaimed.
        held: Balance,
        /// The mask registry whose trade masks `auction` honours (`None`: none).
        mask_registry: Option<AccountId>,
    }

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------
    // An auction's changes (created, bid committed, bid revealed, finalized, cancelled) are one
    // event without topics, `AuctionUpdated`, whose `update` says which: on pallet-contracts
    // every topic, the signature topic too, costs a storage read and write (128 M ref_time)
    // and 2,508 B of proof, while a topicless event costs 2 M and its bytes. polkadot.js and
    // the Contracts UI decode it as the contract's only anonymous event; `cgrid_suite` and the
    // bindings hand out the change itself (`BidCommitted`, …). The auction and the parties are
    // in the data. Administrative and payout events keep their topics.

    /// An auction changed; `update` says how (each change's own struct documents it).
    #[ink(event, anonymous)]
    pub struct AuctionUpdated {
        /// What happened in which auction.
        pub update: AuctionUpdate,
    }

    cgrid_shared::update_enum! {
        /// What happened in an auction, in `AuctionUpdated`. The variants are numbered from 16
        /// (the escrow's channel updates from 0), so that the two contracts' topicless events
        /// never decode as each other.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[ink::scale_derive(Encode, Decode, TypeInfo)]
        pub enum AuctionUpdate {
            /// See [`AuctionCreated`].
            16 => AuctionCreated,
            /// See [`BidCommitted`].
            17 => BidCommitted,
            /// See [`BidRevealed`].
            18 => BidRevealed,
            /// See [`AuctionFinalized`].
            19 => AuctionFinalized,
            /// See [`AuctionCancelled`].
            20 => AuctionCancelled,
        }
    }

    /// Root named (or, with `None`, removed) the mask registry.
    #[ink(event)]
    pub struct MaskRegistrySet {
        /// The root authority that made the change.
        #[ink(topic)]
        pub by: AccountId,
        /// The mask registry now in use (`None`: masks no longer apply).
        pub registry: Option<AccountId>,
    }

    /// The root authority set a new parameter model version; auctions created from now on
    /// use it.
    #[ink(event)]
    pub struct ModelSet {
        /// The new version (1, 2, …); read it with `model`.
        #[ink(topic)]
        pub version: u32,
        /// The root authority that set it.
        #[ink(topic)]
        pub by: AccountId,
    }

    /// A consumer posted a request and its deposit; sealed bids are accepted until
    /// `commit_deadline`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct AuctionCreated {
        /// The new auction's id (0, 1, …), used by every other call.
        pub auction: u64,
        /// The consumer who posted the request and whose deposit is held.
        pub consumer: AccountId,
        /// The parameter model version the auction uses.
        pub model_version: u32,
        /// The weights in force: the consumer's own, or the model's defaults.
        pub weights: Weights,
        /// The deposit held, `max(min_cost, max_price_per_minute × duration_minutes)`, in the
        /// chain's smallest unit.
        pub deposit: Balance,
        /// The highest price per minute a bid may reveal, in the chain's smallest unit.
        pub max_price_per_minute: Balance,
        /// The trade's length, in minutes.
        pub duration_minutes: u32,
        /// Sealed bids until here (exclusive), reveals from here; milliseconds since the Unix
        /// epoch.
        pub commit_deadline: Timestamp,
        /// Reveals until here (exclusive), `finalize` from here; milliseconds since the Unix
        /// epoch.
        pub reveal_deadline: Timestamp,
    }

    /// A provider committed a sealed bid with the bid bond.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct BidCommitted {
        /// The auction.
        pub auction: u64,
        /// The provider that bid.
        pub bidder: AccountId,
        /// Commit order within the auction (0 = first): on equal scores the lower wins.
        pub seq: u32,
    }

    /// A sealed bid was opened and scored; its bond went back to the bidder.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct BidRevealed {
        /// The auction.
        pub auction: u64,
        /// The provider whose bid it is.
        pub bidder: AccountId,
        /// The revealed price per minute, in the chain's smallest unit.
        pub price_per_minute: Balance,
        /// Which attributes a credential proved (the others counted as worst), in the order
        /// green share, carbon intensity, PUE, charity pledge.
        pub proven: [bool; ATTRIBUTES],
        /// The bid's score, `Σ weight × norm` with each norm in `0..=1_000_000`; higher is
        /// better.
        pub score: u128,
        /// The bid now leads the auction.
        pub leading: bool,
    }

    /// The auction ended. `channel` is the winner's trade in the escrow; `refusal` says why
    /// the escrow did not open it, `escrow_unreachable` that the call to it still failed after
    /// `FINALIZE_GRACE` (either way the consumer was refunded in full).
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct AuctionFinalized {
        /// The auction.
        pub auction: u64,
        /// The leading bidder (`None`: nobody revealed); set even if its trade did not open.
        pub winner: Option<AccountId>,
        /// The winner's trade channel in the escrow (`None`: no winner, or no trade opened).
        pub channel: Option<ChannelId>,
        /// The winning price per minute, in the chain's smallest unit (0: no winner).
        pub price_per_minute: Balance,
        /// The winning score (0: no winner).
        pub score: u128,
        /// Moved into the trade channel as its deposit, `max(min_cost, price × duration)`
        /// (0: no trade opened), in the chain's smallest unit.
        pub trade_deposit: Balance,
        /// Returned to the consumer: its deposit minus `trade_deposit`.
        pub refunded: Balance,
        /// Bonds of bids never revealed, sent to the model's treasury.
        pub forfeited: Balance,
        /// Why the escrow refused to open the trade (`None`: it did not refuse).
        pub refusal: Option<OpenRefusal>,
        /// `true`: the escrow still could not be called `FINALIZE_GRACE` (7 days) after the
        /// reveal deadline, so no trade opened.
        pub escrow_unreachable: bool,
    }

    /// The consumer cancelled an auction that had no bids; its deposit went back.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct AuctionCancelled {
        /// The auction.
        pub auction: u64,
        /// The deposit returned to the consumer, in the chain's smallest unit.
        pub refunded: Balance,
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

    /// What is wrong with a parameter model (`attribute`: 0 = green share … 3 = charity;
    /// `criterion`: 0 = price, then the attributes).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum ModelFlaw {
        /// A weight limit has `min > max` or `max > MAX_WEIGHT` (1,000,000): fix that
        /// criterion's limits.
        WeightLimits {
            /// The criterion: 0 = price, 1 = green share, 2 = carbon intensity, 3 = PUE,
            /// 4 = charity pledge.
            criterion: u8,
        },
        /// A default weight lies outside its limits: move it within `min..=max`.
        DefaultWeight {
            /// The criterion: 0 = price, 1 = green share, 2 = carbon intensity, 3 = PUE,
            /// 4 = charity pledge.
            criterion: u8,
        },
        /// The default weights are all zero: give at least one criterion a weight.
        ZeroWeights,
        /// Normalisation bounds need `lo < hi`.
        Bounds {
            /// The attribute: 0 = green share, 1 = carbon intensity, 2 = PUE, 3 = charity.
            attribute: u8,
        },
        /// The claim name is empty or longer than `MAX_CLAIM_NAME_LEN` (32 bytes).
        ClaimName {
            /// The attribute: 0 = green share, 1 = carbon intensity, 2 = PUE, 3 = charity.
            attribute: u8,
        },
        /// The model names more than `MAX_ATTESTORS` (16) attestor DIDs: name fewer.
        TooManyAttestors {
            /// The most allowed (`MAX_ATTESTORS`).
            max: u32,
        },
        /// `max_bids` must be at least 1 and below `u32::MAX`.
        MaxBids,
    }

    /// Why an attribute's proof did not count (the attribute then counts as worst).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum ProofFlaw {
        /// The bid claims the attribute but brings no proof, or a proof but no value.
        Missing,
        /// The credential registry has no credential with the cited id.
        UnknownCredential,
        /// The credential is revoked, suspended or expired.
        NotValid,
        /// The credential is not of the template (CPT) the model names for this attribute.
        WrongTemplate,
        /// The credential is about another DID than the bidder's.
        WrongSubject,
        /// The issuer is not one of the model's attestor DIDs.
        NotAttested,
        /// The proof has more than `MAX_PROOF_LEAVES` (24) claim leaves.
        TooManyLeaves,
        /// The reveal cites more than `MAX_PROOF_CREDENTIALS` (2) distinct credentials; this
        /// proof cites one beyond them.
        TooManyCredentials,
        /// The leaf at the proof's `index` is not the hash of the model's claim name, the
        /// proof's salt and the revealed value: the credential does not certify this value.
        ValueMismatch,
        /// The leaves do not hash to the anchored claims root.
        RootMismatch,
        /// The attestor's DID is deactivated: what it attested no longer counts (as
        /// `verify` would say).
        AttestorInactive,
    }

    /// The registries' answers within one reveal, each asked once: every cited credential's
    /// anchor, and whether its issuer DID is active.
    #[derive(Default)]
    pub struct Checked {
        anchors: Vec<(CredentialId, Option<CredentialAnchor>, bool)>,
    }

    /// The contracts an auction calls (`wiring`), fixed at instantiation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct AuctionWiring {
        /// The DID registry, whose role index (asked at instantiation) answers the role and
        /// attestor questions, and which decides who is root.
        pub did_registry: AccountId,
        /// The credential registry (vc_templates) that certifies bids' attribute proofs.
        pub credentials: AccountId,
        /// The trade escrow in which `finalize` opens the winner's channel.
        pub escrow: AccountId,
    }

    /// What a reveal achieved.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct RevealOutcome {
        /// The bid's score, `Σ weight × norm` with each norm in `0..=1_000_000`; higher is
        /// better.
        pub score: u128,
        /// Per attribute: `None` if it counted, else why not (`None` also when not offered).
        pub flaws: [Option<ProofFlaw>; ATTRIBUTES],
        /// The bid now leads the auction.
        pub leading: bool,
    }

    /// Why the auction refused a call. A refused call changes nothing (no money moves).
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Only the root authority of the DID registry may do this.
        NotRoot,
        /// The account does not hold the role (or has no active DID): have the DID registry
        /// grant the role (or reactivate the DID), then retry.
        MissingRole {
            /// The account that lacks the role.
            account: AccountId,
            /// The role it needs: Consumer to post a request, Provider to bid.
            role: Role,
        },
        /// The parameter model breaks a rule (the `ModelFlaw` says which): fix it and call
        /// `set_model` again.
        BadModel(ModelFlaw),
        /// No parameter model has been set yet: the root authority must call `set_model`.
        NoModel,
        /// No auction has this id: ids run from 0 to `auction_count` − 1.
        AuctionNotFound(u64),
        /// Only the auction's consumer may do this: call from the account that created it.
        NotConsumer,
        /// The consumer cannot bid in its own auction.
        OwnAuction,
        /// The auction was cancelled or finalized: it accepts nothing more.
        NotOpen,
        /// A price per minute is 0: the request's maximum and a bid's price must be at least 1.
        /// (A committed bid with price 0 can never be revealed; its bond is forfeited.)
        ZeroPrice,
        /// A channel key is all zeros: the request's `consumer_key` (`Consumer`) or the bid's
        /// `provider_key` (`Provider`). The escrow refuses such a trade, so the auction refuses
        /// it first; use the channel key your controller signs with. (A committed bid with a
        /// zero key can never be revealed; its bond is forfeited.)
        ZeroKey(Party),
        /// The request's duration is 0 or longer than `MAX_DURATION_MINUTES` (525,600 minutes,
        /// 365 days).
        BadDuration {
            /// The duration given, in minutes.
            got: u32,
            /// The longest allowed (`MAX_DURATION_MINUTES`), in minutes.
            max: u32,
        },
        /// The compute specification is empty or longer than `MAX_SPEC_LEN` (256 bytes).
        BadSpecLength {
            /// The given specification's length, in bytes.
            len: u32,
            /// The longest allowed (`MAX_SPEC_LEN`), in bytes.
            max: u32,
        },
        /// The request's challenge period is outside
        /// `MIN_CHALLENGE_PERIOD..=MAX_CHALLENGE_PERIOD` (one minute to 30 days).
        BadChallengePeriod {
            /// The challenge period given, in milliseconds.
            got: u64,
            /// The shortest allowed (`MIN_CHALLENGE_PERIOD`: 60,000 ms).
            min: u64,
            /// The longest allowed (`MAX_CHALLENGE_PERIOD`: 2,592,000,000 ms).
            max: u64,
        },
        /// Needs `now + MIN_WINDOW ≤ commit_deadline`, `commit_deadline + MIN_WINDOW ≤
        /// reveal_deadline ≤ now + MAX_AUCTION_SPAN` (`MIN_WINDOW`: one minute;
        /// `MAX_AUCTION_SPAN`: 30 days).
        BadDeadlines {
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
            /// The commit deadline given, in milliseconds since the Unix epoch.
            commit_deadline: Timestamp,
            /// The reveal deadline given, in milliseconds since the Unix epoch.
            reveal_deadline: Timestamp,
        },
        /// The request's weights are all zero: give at least one criterion a weight, or pass
        /// `None` for the model's defaults.
        ZeroWeights,
        /// A weight lies outside the model's limits (`criterion`: 0 = price, then attributes).
        /// Read the limits with `model(model_version())`.
        WeightOutOfLimits {
            /// The criterion: 0 = price, 1 = green share, 2 = carbon intensity, 3 = PUE,
            /// 4 = charity pledge.
            criterion: u8,
            /// The model's smallest allowed weight for it.
            min: u32,
            /// The model's largest allowed weight for it.
            max: u32,
            /// The weight given.
            got: u32,
        },
        /// The transferred value must be exactly `expected`:
        /// `max(min_cost, max_price_per_minute × duration_minutes)` of the request.
        WrongDeposit {
            /// The deposit required, in the chain's smallest unit.
            expected: Balance,
            /// The value transferred with the call.
            got: Balance,
        },
        /// The transferred value must be exactly the auction's bid bond (set by the model in
        /// force when the auction was created).
        WrongBond {
            /// The bid bond required, in the chain's smallest unit.
            expected: Balance,
            /// The value transferred with the call.
            got: Balance,
        },
        /// The commit deadline has passed: the auction takes no more sealed bids.
        CommitClosed {
            /// The commit deadline, in milliseconds since the Unix epoch.
            deadline: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// Reveals open at the commit deadline: wait until `from`.
        RevealNotOpen {
            /// The commit deadline, in milliseconds since the Unix epoch.
            from: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// The reveal deadline has passed: the bid can no longer be revealed, and its bond
        /// goes to the model's treasury at finalize.
        RevealClosed {
            /// The reveal deadline, in milliseconds since the Unix epoch.
            deadline: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// Finalize opens at the reveal deadline: wait until `until`.
        RevealPending {
            /// The reveal deadline, in milliseconds since the Unix epoch.
            until: Timestamp,
            /// The block time, in milliseconds since the Unix epoch.
            now: Timestamp,
        },
        /// Cancel only before any commit: this auction has sealed bids and must run to
        /// `finalize`.
        HasBids {
            /// How many sealed bids were committed.
            commits: u32,
        },
        /// The caller already committed a bid to this auction (one per provider).
        AlreadyCommitted,
        /// The auction already holds its most sealed bids (the model's `max_bids`).
        TooManyBids {
            /// The most sealed bids this auction accepts.
            max: u32,
        },
        /// The caller committed no bid to this auction: reveal from the account that
        /// committed.
        NoCommitment,
        /// This bid was already revealed (its bond went back then).
        AlreadyRevealed,
        /// The bid and salt do not hash to the commitment: reveal exactly the bid and salt
        /// committed (`bid_hash` over this contract, the auction id and your account).
        BadReveal,
        /// The price per minute is above the request's maximum. (A committed bid above it can
        /// never be revealed; its bond is forfeited.)
        PriceAboveMax {
            /// The request's maximum price per minute, in the chain's smallest unit.
            max: Balance,
            /// The price given.
            got: Balance,
        },
        /// The call to the escrow failed (trapped, ran out of gas or storage deposit limit);
        /// nothing changed, finalize can be retried (until `FINALIZE_GRACE` after the reveal
        /// deadline; after it, finalize refunds).
        EscrowCallFailed,
        /// Nothing is kept for the caller (`unclaimed_of` shows 0): no payout of yours was
        /// refused by the chain.
        NothingToWithdraw,
        /// The chain refused the withdrawal's transfer; nothing changed and the amount stays
        /// kept: try again later.
        TransferFailed,
        /// An amount or counter would not fit its type (e.g. `max_price_per_minute ×
        /// duration_minutes` beyond `u128::MAX`); nothing changed.
        Overflow,
    }

    pub type Result<T> = core::result::Result<T, Error>;

    cold_code!(3);

    cgrid_shared::split_entry_points!(IncentiveAuction, deny_payment = false, cold = [
        1: "set_mask_registry", "mask_registry", "set_model", "cancel", "withdraw_unclaimed",
            "score_of", "auction", "commitment", "model", "model_version", "auction_count",
            "total_held", "unclaimed_of", "wiring";
        2: "reveal";
        3: "finalize";
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

    impl IncentiveAuction {
        /// Wires the auction to the DID registry, the credential registry and the escrow. An
        /// authority must then designate it a broker in the escrow (`set_broker`) and set a
        /// parameter model (`set_model`).
        #[ink(constructor)]
        pub fn new(did_registry: AccountId, credentials: AccountId, escrow: AccountId) -> Self {
            lock_cold_code!(3);
            cgrid_shared::wired_in_cold_code!(Self {
                did_registry,
                // Asked of the registry by `wire`.
                role_index: did_registry,
                credentials,
                escrow,
                models: Mapping::default(),
                terms: Lazy::default(),
                model_version: 0,
                auctions: Mapping::default(),
                auction_count: 0,
                commitments: Mapping::default(),
                unclaimed: Unclaimed::default(),
                held: 0,
                mask_registry: None,
            })
        }

        /// The end of `new` in the split build, run by the first cold code: asks the DID
        /// registry for its role index (`wire`). Reached only from `new`: the main code's
        /// constructor stores the auction as `new` built it before that question and calls
        /// this message in this code (`cgrid_shared::split::construct`); no message of the
        /// main code has its selector (`cgrid_shared::split::WIRE_SELECTOR`), so no call of a
        /// deployed auction gets here.
        #[cfg(feature = "split-cold1")]
        #[ink(message, selector = 0x77697265)]
        pub fn wire_new(&mut self) {
            self.wire();
        }

        /// Names the mask registry whose trade masks `auction` honours (`None`: none). Root
        /// authority only, as in the other contracts: one other authority must not unwire the
        /// regulators.
        ///
        /// Errors: `NotRoot`.
        /// Emits: `MaskRegistrySet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn set_mask_registry(&mut self, registry: Option<AccountId>) -> Result<()> {
            in_cold_code!();
            let by = self.env().caller();
            if !Registry::at(self.did_registry).is_root(by) {
                return Err(Error::NotRoot);
            }
            self.mask_registry = registry;
            self.env().emit_event(MaskRegistrySet { by, registry });
            Ok(())
        }

        /// The mask registry in use, if any.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn mask_registry(&self) -> Option<AccountId> {
            in_cold_code!();
            self.mask_registry
        }

        /// Sets a new parameter model version; auctions created from now on use it. Returns
        /// the version. Root authority only: the model names the attestors whose certificates
        /// score and the treasury that receives forfeited bonds, so one other authority must
        /// not be able to name itself.
        ///
        /// Errors: `NotRoot`, `BadModel`, `Overflow`.
        /// Emits: `ModelSet`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn set_model(&mut self, model: ParameterModel) -> Result<u32> {
            in_cold_code!();
            let by = self.env().caller();
            if !Registry::at(self.did_registry).is_root(by) {
                return Err(Error::NotRoot);
            }
            check_model(&model).map_err(Error::BadModel)?;
            let version = self.model_version.checked_add(1).ok_or(Error::Overflow)?;
            self.models.insert(version, &model);
            self.terms.set(&model.terms());
            self.model_version = version;
            self.env().emit_event(ModelSet { version, by });
            Ok(version)
        }

        /// Posts a request (Consumer role) with its deposit,
        /// `max(minCost, maxPrice × duration)` exactly. Returns the auction id.
        ///
        /// Errors: `NoModel`, `MissingRole`, `ZeroPrice`, `ZeroKey`, `BadDuration`,
        /// `BadSpecLength`, `BadChallengePeriod`, `BadDeadlines`, `ZeroWeights`,
        /// `WeightOutOfLimits`, `WrongDeposit`, `Overflow`.
        /// Emits: `AuctionUpdated` (`AuctionCreated`).
        #[cfg(not(feature = "split-cold"))]
        #[ink(message, payable)]
        pub fn create_auction(&mut self, request: AuctionRequest) -> Result<u64> {
            let consumer = self.env().caller();
            let deposit = self.env().transferred_value();
            let now = self.env().block_timestamp();
            let model = self.terms.get().ok_or(Error::NoModel)?;
            check_request(&request, now)?;
            let weights = request.weights.unwrap_or(model.default_weights);
            check_weights(&model.weight_limits, &weights)?;
            let expected = trade_deposit(
                request.max_price_per_minute,
                request.duration_minutes,
                request.min_cost,
            )
            .ok_or(Error::Overflow)?;
            if deposit != expected {
                return Err(Error::WrongDeposit {
                    expected,
                    got: deposit,
                });
            }
            let consumer_did = self.holder_of(consumer, Role::Consumer)?;
            let id = self.auction_count;
            self.auction_count = id.checked_add(1).ok_or(Error::Overflow)?;
            self.held = self.held.checked_add(deposit).ok_or(Error::Overflow)?;
            let auction = Auction {
                consumer,
                consumer_did,
                treasury: model.treasury,
                model_version: self.model_version,
                weights,
                deposit,
                bid_bond: model.bid_bond,
                max_bids: model.max_bids,
                bonds_held: 0,
                commits: 0,
                reveals: 0,
                best: None,
                created_at: now,
                phase: AuctionPhase::Open,
                request,
            };
            self.auctions.insert(id, &auction);
            self.updated(AuctionCreated {
                auction: id,
                consumer,
                model_version: auction.model_version,
                weights,
                deposit,
                max_price_per_minute: auction.request.max_price_per_minute,
                duration_minutes: auction.request.duration_minutes,
                commit_deadline: auction.request.commit_deadline,
                reveal_deadline: auction.request.reveal_deadline,
            });
            Ok(id)
        }

        /// Cancels an auction that has no bids and refunds the consumer's deposit. The
        /// auction's consumer only, before anyone commits a bid.
        ///
        /// Errors: `AuctionNotFound`, `NotConsumer`, `NotOpen`, `HasBids`, `Overflow`.
        /// Emits: `AuctionUpdated` (`AuctionCancelled`).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn cancel(&mut self, auction: u64) -> Result<()> {
            in_cold_code!();
            let mut a = self.open_auction(auction)?;
            if self.env().caller() != a.consumer {
                return Err(Error::NotConsumer);
            }
            if a.commits > 0 {
                return Err(Error::HasBids { commits: a.commits });
            }
            a.phase = AuctionPhase::Cancelled {
                at: self.env().block_timestamp(),
            };
            self.held = self.held.checked_sub(a.deposit).ok_or(Error::Overflow)?;
            self.auctions.insert(auction, &a);
            self.pay(a.consumer, a.deposit)?;
            self.updated(AuctionCancelled {
                auction,
                refunded: a.deposit,
            });
            Ok(())
        }

        /// Commits a sealed bid, `bid_hash(..)`, with the auction's bid bond
        /// (Provider role, before the commit deadline, once per provider). Returns the commit's
        /// sequence number (the tie-break: lower wins).
        ///
        /// Errors: `AuctionNotFound`, `NotOpen`, `CommitClosed`, `OwnAuction`, `WrongBond`,
        /// `AlreadyCommitted`, `TooManyBids`, `MissingRole`, `Overflow`.
        /// Emits: `AuctionUpdated` (`BidCommitted`).
        #[cfg(not(feature = "split-cold"))]
        #[ink(message, payable)]
        pub fn commit(&mut self, auction: u64, hash: [u8; 32]) -> Result<u32> {
            let bidder = self.env().caller();
            let bond = self.env().transferred_value();
            let now = self.env().block_timestamp();
            let mut a = self.open_auction(auction)?;
            if now >= a.request.commit_deadline {
                return Err(Error::CommitClosed {
                    deadline: a.request.commit_deadline,
                    now,
                });
            }
            if bidder == a.consumer {
                return Err(Error::OwnAuction);
            }
            if bond != a.bid_bond {
                return Err(Error::WrongBond {
                    expected: a.bid_bond,
                    got: bond,
                });
            }
            if self.commitments.contains((auction, bidder)) {
                return Err(Error::AlreadyCommitted);
            }
            if a.commits >= a.max_bids {
                return Err(Error::TooManyBids { max: a.max_bids });
            }
            let bidder_did = self.holder_of(bidder, Role::Provider)?;
            let seq = a.commits;
            a.commits = seq.checked_add(1).ok_or(Error::Overflow)?;
            a.bonds_held = a.bonds_held.checked_add(bond).ok_or(Error::Overflow)?;
            self.held = self.held.checked_add(bond).ok_or(Error::Overflow)?;
            self.auctions.insert(auction, &a);
            self.commitments.insert(
                (auction, bidder),
                &Commitment {
                    hash,
                    seq,
                    bidder_did,
                    revealed: false,
                },
            );
            self.updated(BidCommitted {
                auction,
                bidder,
                seq,
            });
            Ok(seq)
        }

        /// Opens the caller's sealed bid between the commit and the reveal deadline, scores
        /// it (attributes count only with a valid proof, see the crate docs), keeps it if it
        /// leads, and returns the bond. A proof that fails does not refuse the reveal: that
        /// attribute counts as worst, and the returned outcome says why (`flaws`). A bid can
        /// be revealed once.
        ///
        /// Errors: `AuctionNotFound`, `NotOpen`, `RevealNotOpen`, `RevealClosed`,
        /// `NoCommitment`, `AlreadyRevealed`, `BadReveal`, `ZeroPrice`, `ZeroKey`,
        /// `PriceAboveMax`, `Overflow`.
        /// Emits: `AuctionUpdated` (`BidRevealed`), and `PayoutDeferred` if the bond cannot be
        /// transferred.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold2"))]
        #[ink(message)]
        pub fn reveal(
            &mut self,
            auction: u64,
            bid: Bid,
            salt: [u8; 32],
            proofs: AttributeProofs,
        ) -> Result<RevealOutcome> {
            in_cold_code!(2);
            let proofs: [Option<ClaimProof>; ATTRIBUTES] = proofs.into();
            let bidder = self.env().caller();
            let now = self.env().block_timestamp();
            let mut a = self.open_auction(auction)?;
            if now < a.request.commit_deadline {
                return Err(Error::RevealNotOpen {
                    from: a.request.commit_deadline,
                    now,
                });
            }
            if now >= a.request.reveal_deadline {
                return Err(Error::RevealClosed {
                    deadline: a.request.reveal_deadline,
                    now,
                });
            }
            let mut commitment = self
                .commitments
                .get((auction, bidder))
                .ok_or(Error::NoCommitment)?;
            if commitment.revealed {
                return Err(Error::AlreadyRevealed);
            }
            if bid_hash(&self.env().account_id(), auction, &bidder, &bid, &salt) != commitment.hash
            {
                return Err(Error::BadReveal);
            }
            if bid.price_per_minute == 0 {
                return Err(Error::ZeroPrice);
            }
            if bid.provider_key == [0; 32] {
                return Err(Error::ZeroKey(Party::Provider));
            }
            if bid.price_per_minute > a.request.max_price_per_minute {
                return Err(Error::PriceAboveMax {
                    max: a.request.max_price_per_minute,
                    got: bid.price_per_minute,
                });
            }
            let model = self.models.get(a.model_version).ok_or(Error::NoModel)?;
            let mut proven = [None; ATTRIBUTES];
            let mut flaws = [None; ATTRIBUTES];
            let mut verified = Checked::default();
            // The cited credentials (at most MAX_PROOF_CREDENTIALS distinct ones; a proof
            // citing another counts as worst) are read in one call to the registry.
            let mut cited: Vec<CredentialId> = Vec::new();
            for (value, proof) in bid.attributes.iter().zip(proofs.iter()) {
                if let (Some(_), Some(proof)) = (value, proof) {
                    if !cited.contains(&proof.credential)
                        && cited.len() < MAX_PROOF_CREDENTIALS as usize
                    {
                        cited.push(proof.credential);
                    }
                }
            }
            if !cited.is_empty() {
                let anchors = Credentials::at(self.credentials).anchors_of(cited.clone());
                // Whether each credential's issuer DID is active (none: the zero DID, never
                // active), asked in one call too.
                let issuers = anchors
                    .iter()
                    .map(|anchor| match anchor.as_ref().map(|a| a.issuer) {
                        Some(Issuer::Did(did)) => did,
                        _ => [0; 32],
                    })
                    .collect();
                let active = Roles::at(self.role_index).are_active(issuers);
                verified.anchors = cited
                    .into_iter()
                    .zip(anchors.into_iter().chain(core::iter::repeat(None)))
                    .zip(active.into_iter().chain(core::iter::repeat(false)))
                    .map(|((id, anchor), active)| (id, anchor, active))
                    .collect();
            }
            let slots = proven.iter_mut().zip(flaws.iter_mut());
            let claims = bid.attributes.iter().zip(proofs.iter());
            for (i, ((value, proof), (proven, flaw))) in claims.zip(slots).enumerate() {
                match (value, proof) {
                    (None, None) => {}
                    (Some(value), Some(proof)) => {
                        let did = commitment.bidder_did;
                        match self.check_proof(&model, i, did, *value, proof, &verified) {
                            Ok(()) => *proven = Some(*value),
                            Err(found) => *flaw = Some(found),
                        }
                    }
                    _ => *flaw = Some(ProofFlaw::Missing),
                }
            }
            let bid_score = score(
                &model.attributes,
                &a.weights,
                a.request.max_price_per_minute,
                bid.price_per_minute,
                &proven,
            );
            let leading = beats(bid_score, commitment.seq, a.best.as_ref());
            if leading {
                a.best = Some(Leader {
                    bidder,
                    bidder_did: commitment.bidder_did,
                    seq: commitment.seq,
                    score: bid_score,
                    price_per_minute: bid.price_per_minute,
                    provider_key: bid.provider_key,
                });
            }
            commitment.revealed = true;
            a.reveals = a.reveals.checked_add(1).ok_or(Error::Overflow)?;
            a.bonds_held = a
                .bonds_held
                .checked_sub(a.bid_bond)
                .ok_or(Error::Overflow)?;
            self.held = self.held.checked_sub(a.bid_bond).ok_or(Error::Overflow)?;
            self.commitments.insert((auction, bidder), &commitment);
            self.auctions.insert(auction, &a);
            self.pay(bidder, a.bid_bond)?;
            self.updated(BidRevealed {
                auction,
                bidder,
                price_per_minute: bid.price_per_minute,
                proven: proven.map(|p| p.is_some()),
                score: bid_score,
                leading,
            });
            Ok(RevealOutcome {
                score: bid_score,
                flaws,
                leading,
            })
        }

        /// Ends the auction at or after the reveal deadline (anyone may call): opens the
        /// leading bid's trade in the escrow with `max(minCost, price × duration)` as the
        /// channel deposit and refunds the consumer the rest; refunds everything if nobody
        /// revealed or the escrow refuses (or, from `FINALIZE_GRACE` after the reveal deadline,
        /// cannot be called); forfeits unrevealed bonds to the model's treasury.
        /// Its cost does not depend on the number of bids. Returns the trade's channel id
        /// (`None`: no trade opened; `AuctionFinalized` says why).
        ///
        /// Errors: `AuctionNotFound`, `NotOpen`, `RevealPending`, `EscrowCallFailed`, `Overflow`.
        /// Emits: `AuctionUpdated` (`AuctionFinalized`), and `PayoutDeferred` when a payout
        /// cannot be transferred.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold3"))]
        #[ink(message)]
        pub fn finalize(&mut self, auction: u64) -> Result<Option<ChannelId>> {
            in_cold_code!(3);
            let now = self.env().block_timestamp();
            let mut a = self.open_auction(auction)?;
            if now < a.request.reveal_deadline {
                return Err(Error::RevealPending {
                    until: a.request.reveal_deadline,
                    now,
                });
            }
            // The escrow call comes first: a failed call then leaves nothing to undo, and the
            // escrow cannot call back (ink!'s default call flags forbid reentry).
            let (mut channel, mut refusal, mut trade_deposit_paid) = (None, None, 0);
            let mut escrow_unreachable = false;
            let (mut price, mut best_score) = (0, 0);
            if let Some(leader) = a.best.as_ref() {
                (price, best_score) = (leader.price_per_minute, leader.score);
                let deposit = trade_deposit(
                    leader.price_per_minute,
                    a.request.duration_minutes,
                    a.request.min_cost,
                )
                .ok_or(Error::Overflow)?;
                let terms = self.trade_terms(auction, &a, leader, now)?;
                let parties = TradeParties {
                    consumer: a.consumer_did,
                    provider: leader.bidder_did,
                };
                let grace_end = a
                    .request
                    .reveal_deadline
                    .checked_add(FINALIZE_GRACE)
                    .ok_or(Error::Overflow)?;
                // Within the grace the deposit goes to the escrow before a plain call (a
                // value-carrying call costs 0.47 G more): a failed call fails finalize, which
                // reverts the transfer. After it, the deposit rides with the call, which a
                // failed call reverts, so finalize can go on and refund.
                let in_grace = now < grace_end;
                let funding = if in_grace {
                    Funding::BeforeTheCall
                } else {
                    Funding::WithTheCall
                };
                match Brokered::at(self.escrow).open_brokered(terms, parties, deposit, funding) {
                    Ok(id) => {
                        channel = Some(id);
                        trade_deposit_paid = deposit;
                    }
                    // The escrow sent the deposit back.
                    Err(Some(refused)) => refusal = Some(refused),
                    // A failed call (trap, out of gas, storage deposit limit, a reverted
                    // refusal) is no verdict: finalize fails and can be retried, so nobody can
                    // cancel the winner's trade by calling finalize with too small a budget —
                    // for a grace period, after which an escrow that cannot be called no
                    // longer locks the funds.
                    Err(None) if in_grace => return Err(Error::EscrowCallFailed),
                    Err(None) => escrow_unreachable = true,
                }
            }
            let forfeited = a.bonds_held;
            let released = a.deposit.checked_add(forfeited).ok_or(Error::Overflow)?;
            self.held = self.held.checked_sub(released).ok_or(Error::Overflow)?;
            a.bonds_held = 0;
            let winner = a.best.as_ref().map(|l| l.bidder);
            a.phase = AuctionPhase::Finalized {
                winner,
                channel,
                at: now,
            };
            self.auctions.insert(auction, &a);
            let refunded = a
                .deposit
                .checked_sub(trade_deposit_paid)
                .ok_or(Error::Overflow)?;
            self.pay(a.consumer, refunded)?;
            self.pay(a.treasury, forfeited)?;
            self.updated(AuctionFinalized {
                auction,
                winner,
                channel,
                price_per_minute: price,
                score: best_score,
                trade_deposit: trade_deposit_paid,
                refunded,
                forfeited,
                refusal,
                escrow_unreachable,
            });
            Ok(channel)
        }

        /// Pays the caller what the chain refused to transfer to it earlier (see
        /// `unclaimed_of`). Only the owner can take its own. Returns the amount transferred.
        ///
        /// Errors: `NothingToWithdraw`, `TransferFailed` (nothing changes; try again later),
        /// `Overflow`.
        /// Emits: `UnclaimedWithdrawn`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn withdraw_unclaimed(&mut self) -> Result<Balance> {
            in_cold_code!();
            let caller = self.env().caller();
            let amount = self.unclaimed.withdraw(caller)?;
            self.held = self.held.checked_sub(amount).ok_or(Error::Overflow)?;
            self.env().emit_event(UnclaimedWithdrawn {
                account: caller,
                amount,
            });
            Ok(amount)
        }

        /// What a bid would score in `auction` if every given attribute were proven (for
        /// bidders and UIs; the same rule `reveal` applies).
        ///
        /// Errors: `AuctionNotFound`, `NoModel`, `ZeroPrice`, `PriceAboveMax`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn score_of(
            &self,
            auction: u64,
            price_per_minute: Balance,
            attributes: AttributeValues,
        ) -> Result<u128> {
            in_cold_code!();
            let a = self
                .auctions
                .get(auction)
                .ok_or(Error::AuctionNotFound(auction))?;
            let model = self.models.get(a.model_version).ok_or(Error::NoModel)?;
            if price_per_minute == 0 {
                return Err(Error::ZeroPrice);
            }
            if price_per_minute > a.request.max_price_per_minute {
                return Err(Error::PriceAboveMax {
                    max: a.request.max_price_per_minute,
                    got: price_per_minute,
                });
            }
            Ok(score(
                &model.attributes,
                &a.weights,
                a.request.max_price_per_minute,
                price_per_minute,
                &attributes.into(),
            ))
        }

        /// The auction, if it exists. Once it opened a trade that a regulator masked, with
        /// what the trade's mask withholds withheld here too (the same field names: who
        /// trades, at what price) and the marker saying why; the money fields stay.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn auction(&self, auction: u64) -> Option<MaskedView<Auction>> {
            in_cold_code!();
            let record = self.auctions.get(auction)?;
            let mask = match record.phase {
                AuctionPhase::Finalized {
                    channel: Some(channel),
                    ..
                } => mask_at(self.mask_registry, Target::Trade(channel)),
                _ => None,
            };
            Some(record.shown(mask))
        }

        /// The sealed bid `bidder` committed to `auction`, if any: its hash, its commit order
        /// (`seq`, the tie-break), the bidder's DID and whether it was revealed.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn commitment(&self, auction: u64, bidder: AccountId) -> Option<Commitment> {
            in_cold_code!();
            self.commitments.get((auction, bidder))
        }

        /// Parameter model `version` (1, 2, …).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn model(&self, version: u32) -> Option<ParameterModel> {
            in_cold_code!();
            self.models.get(version)
        }

        /// The version in force (0: none set yet).
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn model_version(&self) -> u32 {
            in_cold_code!();
            self.model_version
        }

        /// How many auctions were ever created; their ids run from 0 to this − 1.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn auction_count(&self) -> u64 {
            in_cold_code!();
            self.auction_count
        }

        /// What the contract owes: deposits of open auctions, bonds held, unclaimed payouts.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn total_held(&self) -> Balance {
            in_cold_code!();
            self.held
        }

        /// Deferred payouts waiting for `account` (payouts the chain refused), in the chain's
        /// smallest unit; the account takes them with `withdraw_unclaimed`.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn unclaimed_of(&self, account: AccountId) -> Balance {
            in_cold_code!();
            self.unclaimed.of(account)
        }

        /// The DID registry, the credential registry and the escrow this auction calls.
        #[cfg(any(not(feature = "split-blob"), feature = "split-cold1"))]
        #[ink(message)]
        pub fn wiring(&self) -> AuctionWiring {
            in_cold_code!();
            AuctionWiring {
                did_registry: self.did_registry,
                credentials: self.credentials,
                escrow: self.escrow,
            }
        }

        // --------------------------------------------------------------------------------
        // Private helpers
        // --------------------------------------------------------------------------------

        /// `new`'s last step: the DID registry's role index, asked of the registry (one call,
        /// which only instantiation makes; in the split build a cold code makes it, see
        /// `cgrid_shared::wired_in_cold_code!`).
        #[cfg_attr(any(feature = "split-main", feature = "split-cold"), allow(dead_code))]
        fn wire(&mut self) {
            self.role_index = Registry::at(self.did_registry).role_index();
        }

        /// The DID of `account` if it holds `role` now (did_registry).
        fn holder_of(&self, account: AccountId, role: Role) -> Result<DidId> {
            let holder = Roles::at(self.role_index)
                .role_holders(ink::prelude::vec![RoleQuery { account, role }])
                .first()
                .copied()
                .flatten();
            holder.ok_or(Error::MissingRole { account, role })
        }

        fn open_auction(&self, auction: u64) -> Result<Auction> {
            let a = self
                .auctions
                .get(auction)
                .ok_or(Error::AuctionNotFound(auction))?;
            match a.phase {
                AuctionPhase::Open => Ok(a),
                _ => Err(Error::NotOpen),
            }
        }

        /// The one rule for a credential-backed attribute (see the crate docs). `verified`
        /// keeps the registries' answers within this reveal: the cited credentials, read in one
        /// call before, and each attestor, looked up once.
        fn check_proof(
            &self,
            model: &ParameterModel,
            attribute: usize,
            bidder_did: DidId,
            value: u32,
            proof: &ClaimProof,
            verified: &Checked,
        ) -> core::result::Result<(), ProofFlaw> {
            let rule = model.attributes.get(attribute).ok_or(ProofFlaw::Missing)?;
            if proof.leaves.len() > MAX_PROOF_LEAVES as usize {
                return Err(ProofFlaw::TooManyLeaves);
            }
            // Every cited credential was read before (`reveal`); one not among them is a
            // credential beyond MAX_PROOF_CREDENTIALS.
            let (_, anchor, issuer_active) = verified
                .anchors
                .iter()
                .find(|(id, _, _)| *id == proof.credential)
                .ok_or(ProofFlaw::TooManyCredentials)?;
            let anchor = anchor.clone().ok_or(ProofFlaw::UnknownCredential)?;
            if !anchor.current_at(self.env().block_timestamp()) {
                return Err(ProofFlaw::NotValid);
            }
            if anchor.cpt_id != rule.cpt {
                return Err(ProofFlaw::WrongTemplate);
            }
            if anchor.subject != bidder_did {
                return Err(ProofFlaw::WrongSubject);
            }
            if !matches!(anchor.issuer, Issuer::Did(issuer) if model.attestors.contains(&issuer)) {
                return Err(ProofFlaw::NotAttested);
            }
            let leaf = claim_leaf_hash(
                &rule.claim,
                &proof.salt,
                &ClaimValue::Integer(i128::from(value)),
            );
            let index = usize::try_from(proof.index).unwrap_or(usize::MAX);
            if proof.leaves.get(index) != Some(&leaf) {
                return Err(ProofFlaw::ValueMismatch);
            }
            if claims_root_hash(&proof.leaves) != anchor.claims_root {
                return Err(ProofFlaw::RootMismatch);
            }
            if !issuer_active {
                return Err(ProofFlaw::AttestorInactive);
            }
            Ok(())
        }

        /// The winner's trade: the request's terms at the winning price, expiring `duration`
        /// after now; the offer nonce is unique per auction.
        fn trade_terms(
            &self,
            auction: u64,
            a: &Auction,
            leader: &Leader,
            now: Timestamp,
        ) -> Result<TradeTerms> {
            let duration_ms = u64::from(a.request.duration_minutes)
                .checked_mul(60_000)
                .ok_or(Error::Overflow)?;
            Ok(TradeTerms {
                provider: leader.bidder,
                consumer: a.consumer,
                spec: a.request.spec.clone(),
                price_per_minute: leader.price_per_minute,
                min_cost: a.request.min_cost,
                checkin_cpt: a.request.checkin_cpt,
                encryption: a.request.encryption,
                consumer_key: a.request.consumer_key,
                provider_key: leader.provider_key,
                challenge_period: a.request.challenge_period,
                expires_at: now.checked_add(duration_ms).ok_or(Error::Overflow)?,
                offer_nonce: auction_trade_nonce_hash(&self.env().account_id(), auction),
            })
        }

        /// Emits the auction change `change` as `AuctionUpdated` (no topics) encodes it,
        /// without the other changes' encoders (`cgrid_shared::updates`).
        fn updated<C: Change<Update = AuctionUpdate>>(&self, change: C) {
            self.env().emit_event(Updated(change));
        }

        /// Transfers `amount` to `to`; if the chain refuses, keeps it for `to` to withdraw.
        fn pay(&mut self, to: AccountId, amount: Balance) -> Result<()> {
            let kept = self.unclaimed.pay(to, amount)?;
            if kept > 0 {
                self.held = self.held.checked_add(kept).ok_or(Error::Overflow)?;
                self.env().emit_event(PayoutDeferred {
                    account: to,
                    amount: kept,
                });
            }
            Ok(())
        }
    }

    fn check_model(model: &ParameterModel) -> core::result::Result<(), ModelFlaw> {
        let defaults = model.default_weights.all();
        for (i, (limit, default)) in model.weight_limits.iter().zip(defaults).enumerate() {
            let criterion = u8::try_from(i).unwrap_or(u8::MAX);
            if limit.min > limit.max || limit.max > MAX_WEIGHT {
                return Err(ModelFlaw::WeightLimits { criterion });
            }
            if !(limit.min..=limit.max).contains(&default) {
                return Err(ModelFlaw::DefaultWeight { criterion });
            }
        }
        if defaults.iter().all(|w| *w == 0) {
            return Err(ModelFlaw::ZeroWeights);
        }
        for (i, rule) in model.attributes.iter().enumerate() {
            let attribute = u8::try_from(i).unwrap_or(u8::MAX);
            if rule.lo >= rule.hi {
                return Err(ModelFlaw::Bounds { attribute });
            }
            let len = u32::try_from(rule.claim.len()).unwrap_or(u32::MAX);
            if len == 0 || len > MAX_CLAIM_NAME_LEN {
                return Err(ModelFlaw::ClaimName { attribute });
            }
        }
        if u32::try_from(model.attestors.len()).unwrap_or(u32::MAX) > MAX_ATTESTORS {
            return Err(ModelFlaw::TooManyAttestors { max: MAX_ATTESTORS });
        }
        if model.max_bids == 0 || model.max_bids == u32::MAX {
            return Err(ModelFlaw::MaxBids);
        }
        Ok(())
    }

    fn check_request(request: &AuctionRequest, now: Timestamp) -> Result<()> {
        if request.max_price_per_minute == 0 {
            return Err(Error::ZeroPrice);
        }
        if request.consumer_key == [0; 32] {
            return Err(Error::ZeroKey(Party::Consumer));
        }
        if request.duration_minutes == 0 || request.duration_minutes > MAX_DURATION_MINUTES {
            return Err(Error::BadDuration {
                got: request.duration_minutes,
                max: MAX_DURATION_MINUTES,
            });
        }
        let len = u32::try_from(request.spec.len()).unwrap_or(u32::MAX);
        if len == 0 || len > MAX_SPEC_LEN {
            return Err(Error::BadSpecLength {
                len,
                max: MAX_SPEC_LEN,
            });
        }
        if !(MIN_CHALLENGE_PERIOD..=MAX_CHALLENGE_PERIOD).contains(&request.challenge_period) {
            return Err(Error::BadChallengePeriod {
                got: request.challenge_period,
                min: MIN_CHALLENGE_PERIOD,
                max: MAX_CHALLENGE_PERIOD,
            });
        }
        let (commit, reveal) = (request.commit_deadline, request.reveal_deadline);
        let ok = commit >= now.saturating_add(MIN_WINDOW)
            && reveal >= commit.saturating_add(MIN_WINDOW)
            && reveal <= now.saturating_add(MAX_AUCTION_SPAN);
        if !ok {
            return Err(Error::BadDeadlines {
                now,
                commit_deadline: commit,
                reveal_deadline: reveal,
            });
        }
        Ok(())
    }

    /// The one rule for weights in force: each within the model's limits, not all zero.
    fn check_weights(limits: &[WeightRange; ATTRIBUTES + 1], weights: &Weights) -> Result<()> {
        let all = weights.all();
        for (i, (limit, got)) in limits.iter().zip(all).enumerate() {
            if !(limit.min..=limit.max).contains(&got) {
                return Err(Error::WeightOutOfLimits {
                    criterion: u8::try_from(i).unwrap_or(u8::MAX),
                    min: limit.min,
                    max: limit.max,
                    got,
                });
            }
        }
        if all.iter().all(|w| *w == 0) {
            return Err(Error::ZeroWeights);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
