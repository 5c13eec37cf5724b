//! Trade escrow: the terms of a trade, the channel record the `trade_escrow` contract keeps,
//! and the exact payloads that the off-chain controllers sign and the contract verifies.
//!
//! ## Signed payloads (all hashed with blake2-256 before signing, sr25519, context `substrate`)
//! - **Offer** — the provider's account key signs
//!   `SCALE(OFFER_DOMAIN, escrow, deployment, terms)`: "I will serve these terms to this
//!   consumer through this escrow". The channel id is the blake2-256 of the same preimage, so an
//!   offer opens at most one channel.
//! - **State** — the consumer's channel key signs
//!   `SCALE(STATE_DOMAIN, escrow, channel, nonce, cumulative)` every billing interval: "I owe
//!   `cumulative` in total". Only the payer signs states, so a state is evidence of a debt and
//!   the one proving the larger debt wins ([`supersedes`]); the nonce only tells states apart.
//! - **Close** — both channel keys sign `SCALE(CLOSE_DOMAIN, escrow, channel, nonce, cumulative)`
//!   for a cooperative close. A distinct domain: a per-minute state is never a consent to close.
//!
//! The escrow address binds every signature to one contract; the channel id binds it to one
//! channel and, through the deployment id (derived from the instantiation's block and time), to
//! one deployment even when two chains host an escrow at the same address; the nonce binds it
//! to one point of the channel's history.

use crate::did::{DidId, Timestamp};
use crate::vc::{claim_leaf_hash, claims_root_hash, ClaimValue, CptId, CredentialId};
use ink::prelude::{string::String, vec::Vec};
use ink::primitives::AccountId;
use scale::Encode;

/// Native token amount (the chain's smallest unit).
pub type Balance = u128;
/// A channel's identifier: blake2-256 of the offer preimage.
pub type ChannelId = [u8; 32];
/// An sr25519 public key.
pub type PublicKey = [u8; 32];
/// An sr25519 signature.
pub type Signature = [u8; 64];

/// Domain tag of the preimage of an escrow's deployment id ([`deployment_preimage`]).
pub const DEPLOYMENT_DOMAIN: [u8; 16] = *b"cgrid/escrow/v1\0";
/// Domain tag of a provider's signed offer ([`offer_preimage`]).
pub const OFFER_DOMAIN: [u8; 16] = *b"cgrid/offer/v1\0\0";
/// Domain tag of a consumer-signed cumulative state ([`state_preimage`]).
pub const STATE_DOMAIN: [u8; 16] = *b"cgrid/state/v1\0\0";
/// Domain tag of a cooperative close both channel keys sign ([`close_preimage`]).
pub const CLOSE_DOMAIN: [u8; 16] = *b"cgrid/close/v1\0\0";
/// Domain tag of the preimage of a settlement credential's id ([`settlement_id_preimage`]).
pub const SETTLEMENT_ID_DOMAIN: [u8; 16] = *b"cgrid/settle/v1\0";
/// Domain tag of the preimage of a brokered channel's id ([`brokered_preimage`]).
pub const BROKER_DOMAIN: [u8; 16] = *b"cgrid/broker/v1\0";

/// Shortest challenge period, in milliseconds (one minute).
pub const MIN_CHALLENGE_PERIOD: u64 = 60_000;
/// Longest challenge period, in milliseconds (30 days).
pub const MAX_CHALLENGE_PERIOD: u64 = 30 * 24 * 3_600_000;
/// Longest time from now to a channel's expiry, in milliseconds (400 days).
pub const MAX_LIFETIME: u64 = 400 * 24 * 3_600_000;
/// Longest compute specification, in bytes.
pub const MAX_SPEC_LEN: u32 = 256;

/// How the claims of a trade are protected (the trade-start template's `encryption` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Encryption {
    /// The claims are not encrypted (`plain`).
    Plain,
    /// The claims are encrypted under an attribute policy (`CP-ABE`).
    CpAbe,
}

impl Encryption {
    /// The value the trade-start template allows.
    pub const fn as_str(self) -> &'static str {
        match self {
            Encryption::Plain => "plain",
            Encryption::CpAbe => "CP-ABE",
        }
    }
}

/// What a provider offers one consumer: the trade-start terms. The provider signs them (see the
/// module docs); the consumer opens the channel with them and a deposit ≥ `min_cost`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct TradeTerms {
    /// The provider's account: it is paid, signs the offer with its sr25519 account key, and
    /// must hold the Provider role.
    pub provider: AccountId,
    /// The consumer's account: it pays and opens the channel, must hold the Consumer role, and
    /// must differ from `provider`.
    pub consumer: AccountId,
    /// The compute specification (free text, e.g. "8 vCPU / 32 GiB / 1×A100"); 1 to 256 bytes
    /// (`MAX_SPEC_LEN`).
    pub spec: String,
    /// The price of a minute of compute, in the chain's smallest unit; not zero.
    pub price_per_minute: Balance,
    /// The least the provider is paid once the trade ran (a state with nonce ≥ 1 exists), in
    /// the chain's smallest unit; the opening deposit must cover it.
    pub min_cost: Balance,
    /// The CPT of the check-in credential the consumer shows at the provider.
    pub checkin_cpt: CptId,
    /// How the trade's claims are protected.
    pub encryption: Encryption,
    /// The sr25519 key that signs the consumer's cumulative states; not all zeros.
    pub consumer_key: PublicKey,
    /// The sr25519 key that countersigns a cooperative close; not all zeros.
    pub provider_key: PublicKey,
    /// How long the other side has to answer a unilateral close, in milliseconds: 1 minute to
    /// 30 days (`MIN_CHALLENGE_PERIOD`, `MAX_CHALLENGE_PERIOD`).
    pub challenge_period: Timestamp,
    /// When the channel expires, in milliseconds since the Unix epoch: after the opening and
    /// at most 400 days later (`MAX_LIFETIME`). After `expires_at + challenge_period`, an
    /// unclosed channel refunds the consumer.
    pub expires_at: Timestamp,
    /// Chosen by the provider; makes every offer (and so every channel id) unique.
    pub offer_nonce: [u8; 32],
}

/// One of the two sides of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Party {
    /// The consumer: it pays and signs the cumulative states.
    Consumer,
    /// The provider: it is paid and settles the consumer's states.
    Provider,
}

/// How a channel ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum CloseKind {
    /// Both channel keys signed the final state.
    Cooperative,
    /// One side started a close; the challenge window passed.
    Unilateral,
    /// Nobody closed before `expires_at + challenge_period`; the consumer was refunded.
    Timeout,
}

/// Where a channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Phase {
    /// Running: the consumer may top up, the provider checkpoint, either party start a close.
    Open,
    /// A unilateral close is pending: the claim (`nonce`, `cumulative`) stands unless a state
    /// that [`supersedes`] it replaces it before `deadline`.
    Closing {
        /// The party that started the close.
        by: Party,
        /// The nonce of the claimed state.
        nonce: u64,
        /// What the claimed state says the consumer owes in total, in the chain's smallest
        /// unit.
        cumulative: Balance,
        /// End of the challenge window, in milliseconds since the Unix epoch; from then on
        /// anyone may `finalize`.
        deadline: Timestamp,
    },
    /// Final; the channel accepts nothing more.
    Closed {
        /// How the channel ended.
        how: CloseKind,
        /// Total paid to the provider over the channel's life.
        paid: Balance,
        /// Returned to the consumer at the close.
        refunded: Balance,
        /// When it closed, in milliseconds since the Unix epoch.
        at: Timestamp,
    },
}

/// A channel as the escrow stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Channel {
    /// The consumer's account (the zero account when a mask withholds the consumer).
    pub consumer: AccountId,
    /// The provider's account (the zero account when a mask withholds the provider).
    pub provider: AccountId,
    /// The consumer's DID (all zeros when a mask withholds the consumer).
    pub consumer_did: DidId,
    /// The provider's DID (all zeros when a mask withholds the provider).
    pub provider_did: DidId,
    /// The key that signs the consumer's cumulative states (zeros when withheld).
    pub consumer_key: PublicKey,
    /// The key that countersigns a cooperative close (zeros when withheld).
    pub provider_key: PublicKey,
    /// The price of a minute, in the chain's smallest unit (0 when a mask withholds `price`).
    pub price_per_minute: Balance,
    /// The least the provider is paid once the trade ran, in the chain's smallest unit (0 when
    /// a mask withholds `price`).
    pub min_cost: Balance,
    /// Everything the consumer deposited (opening deposit plus top-ups).
    pub deposit: Balance,
    /// Paid to the provider so far: by checkpoints, and in total once closed.
    pub paid: Balance,
    /// The nonce of the state settled on chain last (0: none yet); with `paid`, the state
    /// every later one must [`supersede`](supersedes).
    pub nonce: u64,
    /// How long the other side has to answer a unilateral close, in milliseconds.
    pub challenge_period: Timestamp,
    /// When the channel expires, in milliseconds since the Unix epoch (a top-up may move it
    /// later).
    pub expires_at: Timestamp,
    /// When the channel opened, in milliseconds since the Unix epoch.
    pub opened_at: Timestamp,
    /// Start of the period the next settlement covers, in milliseconds since the Unix epoch.
    pub settled_until: Timestamp,
    /// Settlements anchored so far (the next settlement credential's index).
    pub settlements: u32,
    /// Open, closing (a unilateral close is pending) or closed.
    pub phase: Phase,
    /// The claims root of the channel's trade-start credential, whose id is the channel's and
    /// whose subject is the consumer's DID, issued at `opened_at`: the escrow answers that
    /// credential from the channel ([`crate::TradeCredential::trade_start`]) instead of storing it
    /// apart (one storage write less per opening). Fixed at opening, like the DIDs and the
    /// opening time (all zeros when a mask withholds the parties or the price: it commits to
    /// them).
    pub start_claims_root: [u8; 32],
}

impl Channel {
    /// The last moment the provider may checkpoint or start a close; after it, the consumer
    /// may take a timeout refund.
    pub fn claim_deadline(&self) -> Timestamp {
        self.expires_at.saturating_add(self.challenge_period)
    }

    /// The provider's total for a close at (`nonce`, `cumulative`): at least `min_cost` once the
    /// trade ran (any signed state, nonce ≥ 1). Never above the deposit, since the deposit is at
    /// least `min_cost` and `cumulative` is checked against it.
    pub fn final_total(&self, nonce: u64, cumulative: Balance) -> Balance {
        owed_at_close(self.min_cost, nonce, cumulative)
    }

    /// [`supersedes`] with this channel's minimum charge.
    pub fn supersedes(&self, state: (u64, Balance), held: (u64, Balance)) -> bool {
        supersedes(self.min_cost, state, held)
    }
}

/// What a consumer-signed state `(nonce, cumulative)` proves the consumer owes at a close:
/// `cumulative`, and at least `min_cost` once the trade ran (nonce ≥ 1).
pub fn owed_at_close(min_cost: Balance, nonce: u64, cumulative: Balance) -> Balance {
    if nonce == 0 {
        cumulative
    } else {
        cumulative.max(min_cost)
    }
}

/// The dispute rule. Only the consumer (the payer) signs states, so a state is evidence of what
/// the consumer owes, and a consumer can sign anything, in any order, with any nonce: ordering
/// states by nonce would let it sign `(u64::MAX, less)` and underpay. So `state` replaces `held`
/// (the state settled on chain, or a pending close claim) exactly when it proves more owed at
/// a close ([`owed_at_close`]), or as much with a larger `cumulative` (so a checkpoint below the
/// minimum charge still pays more). The provider keeps every state it accepted and answers with
/// the one proving most; the consumer can never pay more than the most it signed.
pub fn supersedes(min_cost: Balance, state: (u64, Balance), held: (u64, Balance)) -> bool {
    let weight = |(nonce, cumulative): (u64, Balance)| {
        (owed_at_close(min_cost, nonce, cumulative), cumulative)
    };
    weight(state) > weight(held)
}

/// Derives the escrow's deployment id at instantiation.
pub fn deployment_preimage(
    escrow: &AccountId,
    deployer: &AccountId,
    block: u32,
    time: Timestamp,
) -> Vec<u8> {
    (DEPLOYMENT_DOMAIN, escrow, deployer, block, time).encode()
}

/// blake2-256 of [`deployment_preimage`]: the escrow's deployment id.
#[inline]
pub fn deployment_hash(
    escrow: &AccountId,
    deployer: &AccountId,
    block: u32,
    time: Timestamp,
) -> [u8; 32] {
    blake2(&deployment_preimage(escrow, deployer, block, time))
}

/// The preimage the provider's account key signs; its blake2-256 is the channel id.
pub fn offer_preimage(escrow: &AccountId, deployment: &[u8; 32], terms: &TradeTerms) -> Vec<u8> {
    (OFFER_DOMAIN, escrow, deployment, terms).encode()
}

/// blake2-256 of [`offer_preimage`]: the hash the provider's account key signs, and the channel id.
#[inline]
pub fn offer_hash(escrow: &AccountId, deployment: &[u8; 32], terms: &TradeTerms) -> ChannelId {
    blake2(&offer_preimage(escrow, deployment, terms))
}

/// The preimage whose blake2-256 is the id of a channel that `broker` opened (an authority-
/// designated contract such as the auction, which holds the provider's commitment instead of an
/// offer signature). A distinct domain: a brokered channel never collides with a signed offer.
pub fn brokered_preimage(
    escrow: &AccountId,
    deployment: &[u8; 32],
    broker: &AccountId,
    terms: &TradeTerms,
) -> Vec<u8> {
    (BROKER_DOMAIN, escrow, deployment, broker, terms).encode()
}

/// blake2-256 of [`brokered_preimage`]: the id of a channel that `broker` opened.
#[inline]
pub fn brokered_hash(
    escrow: &AccountId,
    deployment: &[u8; 32],
    broker: &AccountId,
    terms: &TradeTerms,
) -> ChannelId {
    blake2(&brokered_preimage(escrow, deployment, broker, terms))
}

/// Why the escrow refused a brokered open (what a broker such as the auction matches on): it
/// sent the deposit back to the broker and changed nothing else ([`BrokeredOpen::Refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum OpenRefusal {
    /// The caller is a broker the root authority undesignated (`set_broker`).
    NotBroker,
    /// The terms break a rule (same account, an all-zero channel key, zero price, spec
    /// length, challenge period, expiry, deposit zero or below minCost).
    BadTerms,
    /// The DID the broker named for this party is not the one the DID registry names, now, as
    /// holding the party's role (Consumer, Provider) for the terms' account — the account
    /// holds no such role (expired, revoked, deactivated DID, no DID) or another DID does: a
    /// broker cannot open a trade for an account that is not a trading party, nor name a
    /// bystander's DID as a party.
    NotRoleHolder(Party),
    /// These terms already opened a channel.
    ChannelExists,
    /// A counter or sum would overflow.
    Overflow,
}

/// Why a brokered open reverted: nothing moved, and a deposit transferred before the call
/// stays in the escrow until the caller's own frame reverts too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum BrokeringError {
    /// The caller never was a broker designated by the root authority (`set_broker`).
    NotBroker,
    /// The escrow's balance beyond what it owes does not cover the deposit: the broker did not
    /// transfer it, before the call or with it.
    Unfunded,
    /// The chain refused to send a refused open's deposit back to the broker.
    RefundFailed,
    /// The call carried more than `deposit`: the rest would belong to no channel.
    Overpaid,
}

/// What a brokered open did when the call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum BrokeredOpen {
    /// The channel opened, with this id, holding the deposit.
    Opened(ChannelId),
    /// The escrow refused and sent the deposit back to the broker; nothing else changed.
    Refused(OpenRefusal),
}

/// The two DIDs of a brokered trade, as the broker names them (the escrow checks them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct TradeParties {
    /// The consumer's DID (it pays; its account is the terms' `consumer`).
    pub consumer: DidId,
    /// The provider's DID (it is paid; its account is the terms' `provider`).
    pub provider: DidId,
}

/// The trade escrow as a broker sees it. Implemented by `trade_escrow`.
#[ink::trait_definition]
pub trait BrokeredEscrow {
    /// Opens a channel on `terms` holding `deposit`, on behalf of a designated broker that
    /// vouches for both parties' consent and names their DIDs (`parties`: consumer's,
    /// provider's), which the escrow checks against the DID registry's role holders, as `open`
    /// does (`NotRoleHolder`). The broker funds the deposit by transferring it to the escrow,
    /// before the call (a plain transfer, the cheaper way) or with it: the escrow opens only
    /// if its balance beyond what it owes covers `deposit` (`Unfunded`), so a broker can
    /// never open a channel with money the escrow owes; a call may carry at most `deposit`
    /// (`Overpaid`). A refusal is `Ok(Refused)` with the deposit sent back to the broker; a
    /// [`BrokeringError`] reverts the call. Returns the
    /// channel id (blake2-256 of [`brokered_preimage`]).
    #[ink(message, payable)]
    fn open_brokered(
        &mut self,
        terms: TradeTerms,
        parties: TradeParties,
        deposit: Balance,
    ) -> Result<BrokeredOpen, BrokeringError>;
}

/// Why the escrow did not open a brokered trade: it refused and sent the deposit back
/// (`Some`), or the call itself failed (`None`: a trap, out of gas, the storage deposit limit,
/// or a [`BrokeringError`] that reverted it).
pub type OpenFailure = Option<OpenRefusal>;

/// How a broker funds a brokered open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Funding {
    /// Transfer the deposit first, then call without value: a value-carrying call costs the
    /// transfer surcharge (624 M ref_time and 5.2 KB of proof on pallet-contracts 31) where a
    /// transfer costs 159 M and 2.5 KB. A failed call leaves the transfer standing, so the
    /// broker must then revert its own frame (fail the message).
    BeforeTheCall,
    /// Carry the deposit with the call: a failed call reverts the transfer with it, so the
    /// broker may go on (and, say, refund the consumer).
    WithTheCall,
}

/// The trade escrow at an address, as a broker (the auction) calls it: one call of
/// [`BrokeredEscrow::open_brokered`]. Contracts' unit tests use `testing::Brokered` instead
/// (ink!'s off-chain environment cannot call contracts).
pub struct Brokered(ink::contract_ref!(BrokeredEscrow, ink::env::DefaultEnvironment));

impl Brokered {
    /// The escrow at `address`.
    #[inline]
    pub fn at(address: AccountId) -> Self {
        Brokered(address.into())
    }

    /// [`BrokeredEscrow::open_brokered`] with `deposit` transferred as `funding` says; a
    /// refused or failed call is reported, not propagated. With
    /// [`Funding::BeforeTheCall`], `Err(None)` means the deposit may be in the escrow and the
    /// caller must fail (revert) to take it back. A transfer the chain refuses needs no
    /// answer of its own: the escrow, not funded, reverts the call (`Unfunded`).
    #[inline]
    pub fn open_brokered(
        &mut self,
        terms: TradeTerms,
        parties: TradeParties,
        deposit: Balance,
        funding: Funding,
    ) -> Result<ChannelId, OpenFailure> {
        use ink::codegen::TraitCallBuilder as _;
        let escrow = *self.0.as_ref();
        let value = match funding {
            Funding::BeforeTheCall => {
                crate::payout::chain_transfer(escrow, deposit);
                0
            }
            Funding::WithTheCall => deposit,
        };
        match self
            .0
            .call_mut()
            .open_brokered(terms, parties, deposit)
            .transferred_value(value)
            .try_invoke()
        {
            Ok(Ok(Ok(BrokeredOpen::Opened(channel)))) => Ok(channel),
            Ok(Ok(Ok(BrokeredOpen::Refused(refused)))) => Err(Some(refused)),
            _ => Err(None),
        }
    }
}

/// A per-thread stand-in for the escrow in brokers' unit tests (feature `testing`):
/// [`testing::Brokered`] records in the [`testing::Table`] that [`testing::with`] reads.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;
    use ink::env::{test, DefaultEnvironment as Env};
    use std::cell::RefCell;

    /// What the stand-in escrow records and how it answers.
    #[derive(Debug, Default)]
    pub struct Table {
        /// Trades opened: (terms, (consumer DID, provider DID), deposit), in order.
        pub opened: Vec<(TradeTerms, TradeParties, Balance)>,
        /// How each open was funded, in call order (refused and failed calls included).
        pub funding: Vec<Funding>,
        /// When set, every open fails this way.
        pub refuse: Option<OpenFailure>,
    }

    thread_local! {
        static TABLE: RefCell<Table> = RefCell::new(Table::default());
    }

    /// Reads or changes this thread's table.
    pub fn with<R>(f: impl FnOnce(&mut Table) -> R) -> R {
        TABLE.with(|t| f(&mut t.borrow_mut()))
    }

    /// As the on-chain [`super::Brokered`], against this thread's table.
    pub struct Brokered(AccountId);

    impl Brokered {
        /// The stand-in for the escrow at `address` (which receives the deposits).
        pub fn at(address: AccountId) -> Self {
            Brokered(address)
        }

        /// Records how the open was funded in `funding`, then fails as `refuse` says (a
        /// refusal sends the deposit back; a failed call moves nothing here — on chain a
        /// deposit sent [`Funding::BeforeTheCall`] stays in the escrow until the caller
        /// reverts, which the unit tests' environment cannot do); otherwise moves the deposit
        /// from the calling contract to the escrow's account, records the trade in `opened`
        /// and returns `[n; 32]` as the channel id of the `n`-th trade (from 0).
        pub fn open_brokered(
            &mut self,
            terms: TradeTerms,
            parties: TradeParties,
            deposit: Balance,
            funding: Funding,
        ) -> Result<ChannelId, OpenFailure> {
            with(|t| {
                t.funding.push(funding);
                if let Some(failure) = t.refuse {
                    return Err(failure);
                }
                let me = test::callee::<Env>();
                let mine = test::get_account_balance::<Env>(me).unwrap_or(0);
                let theirs = test::get_account_balance::<Env>(self.0).unwrap_or(0);
                let (Some(mine), Some(theirs)) =
                    (mine.checked_sub(deposit), theirs.checked_add(deposit))
                else {
                    panic!("the broker cannot transfer a deposit of {deposit}");
                };
                test::set_account_balance::<Env>(me, mine);
                test::set_account_balance::<Env>(self.0, theirs);
                let channel = [u8::try_from(t.opened.len()).unwrap_or(0xFF); 32];
                t.opened.push((terms, parties, deposit));
                Ok(channel)
            })
        }
    }
}

/// A cumulative state: `cumulative` owed after `nonce` minutes, signed by the consumer's
/// channel key over [`state_preimage`]. What `checkpoint`, `start_close` and `challenge` take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct SignedState {
    /// The state's nonce, at least 1 (nonce 0 is the opening state, which nobody signs).
    pub nonce: u64,
    /// What the consumer owes in total so far, in the chain's smallest unit; between what
    /// was paid and the deposit.
    pub cumulative: Balance,
    /// The consumer channel key's sr25519 signature over blake2-256 of
    /// `state_preimage(escrow, channel, nonce, cumulative)`.
    pub signature: Signature,
}

/// The preimage of a cumulative state the consumer's channel key signs.
pub fn state_preimage(
    escrow: &AccountId,
    channel: &ChannelId,
    nonce: u64,
    cumulative: Balance,
) -> Vec<u8> {
    (STATE_DOMAIN, escrow, channel, nonce, cumulative).encode()
}

/// blake2-256 of [`state_preimage`]: the hash the consumer's channel key signs.
#[inline]
pub fn state_hash(
    escrow: &AccountId,
    channel: &ChannelId,
    nonce: u64,
    cumulative: Balance,
) -> [u8; 32] {
    blake2(&state_preimage(escrow, channel, nonce, cumulative))
}

/// The preimage of a final state both channel keys sign for a cooperative close.
pub fn close_preimage(
    escrow: &AccountId,
    channel: &ChannelId,
    nonce: u64,
    cumulative: Balance,
) -> Vec<u8> {
    (CLOSE_DOMAIN, escrow, channel, nonce, cumulative).encode()
}

/// blake2-256 of [`close_preimage`]: the hash both channel keys sign for a cooperative close.
#[inline]
pub fn close_hash(
    escrow: &AccountId,
    channel: &ChannelId,
    nonce: u64,
    cumulative: Balance,
) -> [u8; 32] {
    blake2(&close_preimage(escrow, channel, nonce, cumulative))
}

/// The preimage of the id of a channel's `index`-th settlement credential.
pub fn settlement_id_preimage(escrow: &AccountId, channel: &ChannelId, index: u32) -> Vec<u8> {
    (SETTLEMENT_ID_DOMAIN, escrow, channel, index).encode()
}

/// blake2-256 of [`settlement_id_preimage`]: the id of a channel's `index`-th settlement.
#[inline]
pub fn settlement_id_hash(escrow: &AccountId, channel: &ChannelId, index: u32) -> CredentialId {
    blake2(&settlement_id_preimage(escrow, channel, index))
}

/// What a settlement was, in the settlement template's words (`tradeType`).
pub const fn settlement_kind(close: Option<CloseKind>) -> &'static str {
    match close {
        None => "checkpoint",
        Some(CloseKind::Cooperative) => "cooperative-close",
        Some(CloseKind::Unilateral) => "unilateral-close",
        Some(CloseKind::Timeout) => "timeout-refund",
    }
}

/// The claims of a trade's trade-start credential, in template order
/// (`trade_start_template`). `None`: an absent optional field.
pub fn trade_start_claims(
    terms: &TradeTerms,
    provider_did: &DidId,
    consumer_did: &DidId,
) -> [Option<ClaimValue>; 7] {
    [
        Some(ClaimValue::String(crate::did_to_string(provider_did))),
        Some(ClaimValue::String(crate::did_to_string(consumer_did))),
        Some(ClaimValue::String(terms.spec.clone())),
        Some(ClaimValue::Integer(to_i128(terms.price_per_minute))),
        Some(ClaimValue::Integer(to_i128(terms.min_cost))),
        Some(ClaimValue::Integer(i128::from(terms.checkin_cpt))),
        Some(ClaimValue::String(terms.encryption.as_str().into())),
    ]
}

/// The claims of a settlement credential, in template order (`settlement_template`).
pub fn settlement_claims(
    provider_did: &DidId,
    consumer_did: &DidId,
    cost: Balance,
    start: Timestamp,
    end: Timestamp,
    close: Option<CloseKind>,
) -> [Option<ClaimValue>; 6] {
    [
        Some(ClaimValue::String(crate::did_to_string(provider_did))),
        Some(ClaimValue::String(crate::did_to_string(consumer_did))),
        Some(ClaimValue::Integer(to_i128(cost))),
        Some(ClaimValue::Timestamp(start)),
        Some(ClaimValue::Timestamp(end)),
        Some(ClaimValue::String(settlement_kind(close).into())),
    ]
}

/// The claims root of a system credential whose claims are public (the escrow's events carry
/// them): every leaf's salt is the credential id, so anyone can recompute the root.
pub fn public_claims_root(
    id: &CredentialId,
    names: &[&str],
    values: &[Option<ClaimValue>],
) -> [u8; 32] {
    let leaves: Vec<[u8; 32]> = names
        .iter()
        .zip(values)
        .map(|(name, value)| match value {
            Some(value) => claim_leaf_hash(name, id, value),
            None => crate::vc::ABSENT_LEAF,
        })
        .collect();
    claims_root_hash(&leaves)
}

/// Property names of the trade-start template, in order.
pub const TRADE_START_FIELDS: [&str; 7] = [
    "pdid",
    "cdid",
    "spec",
    "price",
    "minCost",
    "checkinCptId",
    "encryption",
];
/// Property names of the settlement template, in order.
pub const SETTLEMENT_FIELDS: [&str; 6] = ["pdid", "cdid", "cost", "startTs", "endTs", "tradeType"];

fn to_i128(amount: Balance) -> i128 {
    i128::try_from(amount).unwrap_or(i128::MAX)
}

/// blake2-256, the hash every payload in ComputeGrid is signed under.
pub fn blake2(input: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Blake2x256>(input, &mut out);
    out
}

/// blake2-256 by RustCrypto's implementation, independent of the host function [`blake2`]
/// calls: the reference of every payload-hash test (a contract's own tests build their hashes
/// with the same functions the contract calls, so they could not see one drift).
#[cfg(test)]
pub(crate) fn reference_blake2(preimage: &[u8]) -> [u8; 32] {
    use blake2::{digest::consts::U32, Blake2b, Digest};
    Blake2b::<U32>::digest(preimage).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vc::{settlement_template, trade_start_template};

    #[test]
    fn field_lists_follow_the_templates() {
        let names: Vec<String> = trade_start_template()
            .properties
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, TRADE_START_FIELDS);
        let names: Vec<String> = settlement_template()
            .properties
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, SETTLEMENT_FIELDS);
    }

    #[test]
    fn payloads_bind_domain_escrow_channel_nonce_and_amount() {
        let escrow = AccountId::from([1; 32]);
        let base = state_preimage(&escrow, &[2; 32], 3, 4);
        assert_ne!(base, close_preimage(&escrow, &[2; 32], 3, 4));
        assert_ne!(
            base,
            state_preimage(&AccountId::from([9; 32]), &[2; 32], 3, 4)
        );
        assert_ne!(base, state_preimage(&escrow, &[9; 32], 3, 4));
        assert_ne!(base, state_preimage(&escrow, &[2; 32], 4, 4));
        assert_ne!(base, state_preimage(&escrow, &[2; 32], 3, 5));
        // Fixed layout: 16-byte tag, 32-byte escrow, 32-byte channel, u64 LE, u128 LE.
        assert_eq!(base.len(), 16 + 32 + 32 + 8 + 16);
        assert_eq!(&base[..16], b"cgrid/state/v1\0\0");
    }

    #[test]
    fn the_minimum_charge_applies_once_the_trade_ran() {
        let channel = Channel {
            consumer: AccountId::from([1; 32]),
            provider: AccountId::from([2; 32]),
            consumer_did: [1; 32],
            provider_did: [2; 32],
            consumer_key: [1; 32],
            provider_key: [2; 32],
            price_per_minute: 10,
            min_cost: 100,
            deposit: 1_000,
            paid: 0,
            nonce: 0,
            challenge_period: 60_000,
            expires_at: 1_000_000,
            opened_at: 0,
            settled_until: 0,
            settlements: 0,
            phase: Phase::Open,
            start_claims_root: [7; 32],
        };
        assert_eq!(channel.final_total(0, 0), 0);
        assert_eq!(channel.final_total(1, 10), 100);
        assert_eq!(channel.final_total(30, 300), 300);
        assert_eq!(channel.claim_deadline(), 1_060_000);
    }

    /// Terms with every field set, the smallest of each (for the payload tests).
    fn small_terms(consumer: AccountId, provider: AccountId) -> TradeTerms {
        TradeTerms {
            provider,
            consumer,
            spec: "s".into(),
            price_per_minute: 1,
            min_cost: 1,
            checkin_cpt: 1,
            encryption: Encryption::Plain,
            consumer_key: [3; 32],
            provider_key: [4; 32],
            challenge_period: 1,
            expires_at: 1,
            offer_nonce: [5; 32],
        }
    }

    /// Every signed or hashed payload starts with its own domain tag and has a fixed layout
    /// (the TypeScript bindings and any other signer build the same bytes).
    #[test]
    fn every_preimage_has_its_domain_and_layout() {
        let (escrow, who) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
        let terms = small_terms(escrow, who);
        let terms_len = terms.encode().len();
        let cases: [(Vec<u8>, [u8; 16], usize); 6] = [
            (
                deployment_preimage(&escrow, &who, 7, 8),
                DEPLOYMENT_DOMAIN,
                16 + 32 + 32 + 4 + 8,
            ),
            (
                offer_preimage(&escrow, &[9; 32], &terms),
                OFFER_DOMAIN,
                16 + 32 + 32 + terms_len,
            ),
            (
                brokered_preimage(&escrow, &[9; 32], &who, &terms),
                BROKER_DOMAIN,
                16 + 32 + 32 + 32 + terms_len,
            ),
            (
                state_preimage(&escrow, &[9; 32], 3, 4),
                STATE_DOMAIN,
                16 + 32 + 32 + 8 + 16,
            ),
            (
                close_preimage(&escrow, &[9; 32], 3, 4),
                CLOSE_DOMAIN,
                16 + 32 + 32 + 8 + 16,
            ),
            (
                settlement_id_preimage(&escrow, &[9; 32], 5),
                SETTLEMENT_ID_DOMAIN,
                16 + 32 + 32 + 4,
            ),
        ];
        for (preimage, domain, len) in cases {
            assert_eq!(&preimage[..16], &domain[..]);
            assert_eq!(preimage.len(), len, "{domain:?}");
            assert_eq!(
                &preimage[16..48],
                AsRef::<[u8]>::as_ref(&escrow),
                "{domain:?} binds the escrow"
            );
        }
    }

    /// Every payload hash is blake2-256 of its preimage ([`reference_blake2`]), so a signer
    /// that hashes the preimage itself (the bindings, a hardware wallet) signs what the escrow
    /// verifies.
    #[test]
    fn every_hash_is_the_blake2_256_of_its_preimage() {
        // The known answer for the empty input pins the algorithm itself.
        assert_eq!(
            blake2(&[]),
            [
                0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2, 0xe8, 0xab, 0x2e, 0xb0, 0x60, 0x99,
                0xda, 0xa1, 0xd1, 0xe5, 0xdf, 0x47, 0x77, 0x8f, 0x77, 0x87, 0xfa, 0xab, 0x45, 0xcd,
                0xf1, 0x2f, 0xe3, 0xa8
            ]
        );
        let (escrow, who, channel) = (AccountId::from([1; 32]), AccountId::from([2; 32]), [9; 32]);
        let terms = small_terms(escrow, who);
        let cases: [([u8; 32], Vec<u8>); 6] = [
            (
                deployment_hash(&escrow, &who, 7, 8),
                deployment_preimage(&escrow, &who, 7, 8),
            ),
            (
                offer_hash(&escrow, &channel, &terms),
                offer_preimage(&escrow, &channel, &terms),
            ),
            (
                brokered_hash(&escrow, &channel, &who, &terms),
                brokered_preimage(&escrow, &channel, &who, &terms),
            ),
            (
                state_hash(&escrow, &channel, 3, 4),
                state_preimage(&escrow, &channel, 3, 4),
            ),
            (
                close_hash(&escrow, &channel, 3, 4),
                close_preimage(&escrow, &channel, 3, 4),
            ),
            (
                settlement_id_hash(&escrow, &channel, 5),
                settlement_id_preimage(&escrow, &channel, 5),
            ),
        ];
        for (i, (hash, preimage)) in cases.into_iter().enumerate() {
            assert_eq!(hash, reference_blake2(&preimage), "case {i}");
        }
    }

    /// A settlement's `tradeType` and a trade's amounts, as the credentials carry them.
    #[test]
    fn claims_carry_the_kind_and_the_amounts() {
        let kinds = [
            None,
            Some(CloseKind::Cooperative),
            Some(CloseKind::Unilateral),
            Some(CloseKind::Timeout),
        ]
        .map(settlement_kind);
        assert_eq!(
            kinds,
            [
                "checkpoint",
                "cooperative-close",
                "unilateral-close",
                "timeout-refund"
            ]
        );
        let claims = settlement_claims(&[1; 32], &[2; 32], 50, 1, 2, Some(CloseKind::Timeout));
        assert_eq!(claims[2], Some(ClaimValue::Integer(50)));
        assert_eq!(claims[5], Some(ClaimValue::String("timeout-refund".into())));
        assert_eq!(to_i128(Balance::MAX), i128::MAX);
    }

    /// The bounds the escrow enforces, in the units its messages take (milliseconds, bytes).
    #[test]
    fn limits_are_what_the_docs_say() {
        const DAY: u64 = 24 * 60 * 60 * 1_000;
        assert_eq!(MIN_CHALLENGE_PERIOD, 60 * 1_000);
        assert_eq!(MAX_CHALLENGE_PERIOD, 30 * DAY);
        assert_eq!(MAX_LIFETIME, 400 * DAY);
        assert_eq!(MAX_SPEC_LEN, 256);
    }

    /// The trade-start credential's `encryption` claim is one of the values its template allows.
    #[test]
    fn encryption_names_are_the_templates_values() {
        let template = trade_start_template();
        let allowed = &template
            .properties
            .iter()
            .find(|p| p.name == "encryption")
            .expect("the template has an encryption property")
            .allowed;
        assert_eq!(
            [Encryption::Plain.as_str(), Encryption::CpAbe.as_str()],
            [allowed[0].as_str(), allowed[1].as_str()]
        );
    }

    #[test]
    fn the_state_proving_the_larger_debt_wins_whatever_its_nonce() {
        let min = 100;
        // The review's attack: a huge nonce with what was already paid does not replace the
        // provider's genuine state, nor does an invented next nonce with nothing owed.
        assert!(!supersedes(min, (u64::MAX, 7_500), (60, 15_000)));
        assert!(!supersedes(min, (61, 0), (60, 15_000)));
        assert!(supersedes(min, (60, 15_000), (u64::MAX, 7_500)));
        // More owed wins at a lower nonce; equal states never replace each other.
        assert!(supersedes(min, (3, 300), (9, 200)));
        assert!(!supersedes(min, (9, 200), (9, 200)));
        // Below the minimum charge: a larger amount still supersedes (checkpoints pay it).
        assert!(supersedes(min, (2, 20), (1, 10)));
        assert!(!supersedes(min, (2, 10), (1, 20)));
        // Any state of the running trade beats the opening state (nonce 0): the minimum applies.
        assert!(supersedes(min, (1, 0), (0, 0)));
        // A nonce-0 state cannot drop the minimum charge a running trade earned.
        assert!(!supersedes(min, (0, 99), (5, 10)));
        assert!(supersedes(min, (0, 101), (5, 10)));
    }

    #[test]
    fn public_claims_roots_bind_every_value() {
        let values = settlement_claims(&[1; 32], &[2; 32], 50, 1, 2, None);
        let root = public_claims_root(&[7; 32], &SETTLEMENT_FIELDS, &values);
        let other = settlement_claims(&[1; 32], &[2; 32], 51, 1, 2, None);
        assert_ne!(
            root,
            public_claims_root(&[7; 32], &SETTLEMENT_FIELDS, &other)
        );
        assert_ne!(
            root,
            public_claims_root(&[8; 32], &SETTLEMENT_FIELDS, &values)
        );
    }
}
