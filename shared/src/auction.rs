//! Incentive auction: the parameter model, requests, sealed bids, the one scoring rule, and the
//! commitment layout that bidders hash off chain and the `incentive_auction` contract checks.
//!
//! ## Scoring (fixed point, no floats)
//! Every criterion is normalised to `0..=SCORE_SCALE` (1,000,000 = best):
//! - price: `(max − price) · SCALE / max` against the request's maximum price per minute;
//! - each attribute `[green share, carbon intensity, PUE, charity pledge]` against the model's
//!   bounds `lo < hi`: the value is clamped to `[lo, hi]`, mapped linearly, and inverted when
//!   lower is better. An attribute the bid does not prove with a credential counts as worst (0).
//!
//! The score is `Σ weightᵢ · normᵢ` (u128, exact). Equal scores are ordered by commit: the
//! earlier commit wins.
//!
//! ## Commitment
//! A provider commits `blake2_256(SCALE(BID_DOMAIN, auction contract, auction id, bidder, bid,
//! salt))` and later reveals `bid` and `salt`.

use crate::did::{DidId, Timestamp};
use crate::escrow::{blake2, Balance, ChannelId, Encryption, PublicKey};
use crate::vc::{CptId, CredentialId};
use ink::prelude::{string::String, vec::Vec};
use ink::primitives::AccountId;
use scale::Encode;

/// Domain tag of a sealed bid's commitment preimage ([`bid_preimage`]).
pub const BID_DOMAIN: [u8; 16] = *b"cgrid/bid/v1\0\0\0\0";
/// Domain tag of the preimage of an auction trade's offer nonce
/// ([`auction_trade_nonce_preimage`]).
pub const AUCTION_TRADE_DOMAIN: [u8; 16] = *b"cgrid/auction/v1";

/// 1.0 in normalised criterion units.
pub const SCORE_SCALE: u128 = 1_000_000;
/// Number of non-price attributes, in this order: green-energy share, carbon intensity, PUE,
/// charity pledge.
pub const ATTRIBUTES: usize = 4;
/// Attribute names, in order (for messages, events and off-chain tools).
pub const ATTRIBUTE_NAMES: [&str; ATTRIBUTES] = ["greenShare", "carbon", "pue", "charity"];
/// Largest weight of one criterion.
pub const MAX_WEIGHT: u32 = 1_000_000;

/// Weights of the criteria: price, then the attributes in [`ATTRIBUTE_NAMES`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Weights {
    /// Weight of the price criterion, 0 to `MAX_WEIGHT` (1,000,000).
    pub price: u32,
    /// Weights of green-energy share, carbon intensity, PUE and charity pledge, in that order.
    pub attributes: [u32; ATTRIBUTES],
}

impl Weights {
    /// Price first, then the attributes.
    pub fn all(&self) -> [u32; ATTRIBUTES + 1] {
        let [a, b, c, d] = self.attributes;
        [self.price, a, b, c, d]
    }
}

/// The allowed range of one criterion's weight in a consumer's own weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct WeightRange {
    /// The smallest allowed weight.
    pub min: u32,
    /// The largest allowed weight: at least `min`, at most `MAX_WEIGHT` (1,000,000).
    pub max: u32,
}

/// How one attribute is proven and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct AttributeRule {
    /// The template of the credential that certifies the value.
    pub cpt: CptId,
    /// The integer claim of that template that carries the value; 1 to 32 bytes.
    pub claim: String,
    /// Lower normalisation bound (`lo < hi`); values outside the bounds are clamped.
    pub lo: u32,
    /// Upper normalisation bound; must exceed `lo`.
    pub hi: u32,
    /// Whether lower values score better (carbon intensity and PUE).
    pub lower_is_better: bool,
}

/// The authority's parameter model. Every change creates a new version; an auction keeps the
/// version in force when it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct ParameterModel {
    /// Used when a request brings no weights of its own; within `weight_limits`, not all zero.
    pub default_weights: Weights,
    /// Limits on a consumer's own weights: price, then the attributes.
    pub weight_limits: [WeightRange; ATTRIBUTES + 1],
    /// How each attribute is proven and normalised, in [`ATTRIBUTE_NAMES`] order.
    pub attributes: [AttributeRule; ATTRIBUTES],
    /// The DIDs whose credentials back attributes (certification bodies, the authority's DID);
    /// at most 16.
    pub attestors: Vec<DidId>,
    /// What a provider deposits with a sealed bid, in the chain's smallest unit; returned at
    /// reveal, forfeited otherwise.
    pub bid_bond: Balance,
    /// Most sealed bids one auction accepts: at least 1, below `u32::MAX`.
    pub max_bids: u32,
    /// Receives forfeited bid bonds.
    pub treasury: AccountId,
}

impl ParameterModel {
    /// What posting a request needs of this model ([`ModelTerms`]).
    pub fn terms(&self) -> ModelTerms {
        ModelTerms {
            default_weights: self.default_weights,
            weight_limits: self.weight_limits,
            bid_bond: self.bid_bond,
            max_bids: self.max_bids,
            treasury: self.treasury,
        }
    }
}

/// The part of a [`ParameterModel`] that posting a request reads: the default weights and
/// their limits, the bid bond, the bid cap and the treasury. The auction keeps the terms of
/// the model in force apart from the model, so that `create_auction` reads and decodes these
/// alone, not the attribute rules and the attestors that only a reveal needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct ModelTerms {
    /// [`ParameterModel::default_weights`].
    pub default_weights: Weights,
    /// [`ParameterModel::weight_limits`].
    pub weight_limits: [WeightRange; ATTRIBUTES + 1],
    /// [`ParameterModel::bid_bond`].
    pub bid_bond: Balance,
    /// [`ParameterModel::max_bids`].
    pub max_bids: u32,
    /// [`ParameterModel::treasury`].
    pub treasury: AccountId,
}

/// What a consumer asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct AuctionRequest {
    /// The compute specification (free text), 1 to 256 bytes (`MAX_SPEC_LEN`).
    pub spec: String,
    /// The most the consumer pays a minute, in the chain's smallest unit; not zero. Bids
    /// above it are refused.
    pub max_price_per_minute: Balance,
    /// How long the trade runs, in minutes: 1 to 525,600 (365 days).
    pub duration_minutes: u32,
    /// The least the winner is paid once the trade ran, in the chain's smallest unit.
    pub min_cost: Balance,
    /// Sealed bids until here (exclusive), reveals from here until `reveal_deadline`; in
    /// milliseconds since the Unix epoch, at least 1 minute after the auction's creation.
    pub commit_deadline: Timestamp,
    /// End of the reveal window (exclusive), in milliseconds since the Unix epoch: at least 1
    /// minute after `commit_deadline`, at most 30 days after creation. `finalize` from then on.
    pub reveal_deadline: Timestamp,
    /// The consumer's own weights (within the model's limits); `None`: the model's defaults.
    pub weights: Option<Weights>,
    /// The sr25519 channel key that will sign the consumer's cumulative states; an all-zero
    /// key makes the escrow refuse the trade at `finalize`.
    pub consumer_key: PublicKey,
    /// The CPT of the check-in credential the consumer shows at the provider (copied into the
    /// trade's terms).
    pub checkin_cpt: CptId,
    /// How the trade's claims are protected (copied into the trade's terms).
    pub encryption: Encryption,
    /// The trade channel's challenge period, in milliseconds: 1 minute to 30 days.
    pub challenge_period: Timestamp,
}

/// A sealed bid's content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct Bid {
    /// The price offered for a minute, in the chain's smallest unit: not zero, at most the
    /// request's `max_price_per_minute`.
    pub price_per_minute: Balance,
    /// Claimed values in [`ATTRIBUTE_NAMES`] order (units: basis points of green share,
    /// gCO₂e/kWh, PUE × 1000, basis points of revenue pledged). `None`: not offered.
    pub attributes: [Option<u32>; ATTRIBUTES],
    /// The provider's sr25519 channel key (countersigns the cooperative close); an all-zero
    /// key makes the escrow refuse the trade at `finalize`.
    pub provider_key: PublicKey,
}

/// Proof that a credential certifies an attribute value: the credential's claim leaves, the
/// position of the attribute's claim among them and that claim's salt (see `vc` module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct ClaimProof {
    /// The credential that certifies the value; one reveal may cite at most 2 distinct
    /// credentials (`MAX_PROOF_CREDENTIALS`).
    pub credential: CredentialId,
    /// All claim leaves of that credential, in template order; at most 24
    /// (`MAX_PROOF_LEAVES`).
    pub leaves: Vec<[u8; 32]>,
    /// The position (from 0) of the attribute's claim among `leaves`.
    pub index: u32,
    /// The salt of that claim's leaf.
    pub salt: [u8; 32],
}

/// One optional value per attribute, named (a message argument; SCALE-encoded exactly as
/// `[Option<u32>; ATTRIBUTES]` in [`ATTRIBUTE_NAMES`] order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[ink::scale_derive(TypeInfo)]
pub struct AttributeValues {
    /// Green-energy share, in basis points (10,000 = 100 %). `None`: not offered.
    pub green_share: Option<u32>,
    /// Carbon intensity, in gCO₂e/kWh (lower is better). `None`: not offered.
    pub carbon: Option<u32>,
    /// Power usage effectiveness × 1000 (1,000 = ideal; lower is better). `None`: not offered.
    pub pue: Option<u32>,
    /// Share of revenue pledged to charity, in basis points. `None`: not offered.
    pub charity: Option<u32>,
}

impl From<[Option<u32>; ATTRIBUTES]> for AttributeValues {
    fn from([green_share, carbon, pue, charity]: [Option<u32>; ATTRIBUTES]) -> Self {
        Self {
            green_share,
            carbon,
            pue,
            charity,
        }
    }
}

impl From<AttributeValues> for [Option<u32>; ATTRIBUTES] {
    fn from(v: AttributeValues) -> Self {
        [v.green_share, v.carbon, v.pue, v.charity]
    }
}

/// One optional credential proof per attribute, named (a message argument; SCALE-encoded
/// exactly as `[Option<ClaimProof>; ATTRIBUTES]` in [`ATTRIBUTE_NAMES`] order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[ink::scale_derive(TypeInfo)]
pub struct AttributeProofs {
    /// Proof of the bid's green-energy share. `None`: not proven (scores as worst).
    pub green_share: Option<ClaimProof>,
    /// Proof of the bid's carbon intensity. `None`: not proven (scores as worst).
    pub carbon: Option<ClaimProof>,
    /// Proof of the bid's PUE. `None`: not proven (scores as worst).
    pub pue: Option<ClaimProof>,
    /// Proof of the bid's charity pledge. `None`: not proven (scores as worst).
    pub charity: Option<ClaimProof>,
}

impl AttributeProofs {
    /// The proofs in [`ATTRIBUTE_NAMES`] order, borrowed.
    pub fn each(&self) -> [Option<&ClaimProof>; ATTRIBUTES] {
        [
            self.green_share.as_ref(),
            self.carbon.as_ref(),
            self.pue.as_ref(),
            self.charity.as_ref(),
        ]
    }
}

impl From<[Option<ClaimProof>; ATTRIBUTES]> for AttributeProofs {
    fn from([green_share, carbon, pue, charity]: [Option<ClaimProof>; ATTRIBUTES]) -> Self {
        Self {
            green_share,
            carbon,
            pue,
            charity,
        }
    }
}

impl From<AttributeProofs> for [Option<ClaimProof>; ATTRIBUTES] {
    fn from(p: AttributeProofs) -> Self {
        [p.green_share, p.carbon, p.pue, p.charity]
    }
}

// The two per-attribute structs are coded through the array they are named views of: the
// same bytes as a derived coding, and one decoding loop in the Wasm instead of four copies.
impl scale::Encode for AttributeValues {
    fn size_hint(&self) -> usize {
        <[Option<u32>; ATTRIBUTES]>::from(*self).size_hint()
    }

    fn encode_to<W: scale::Output + ?Sized>(&self, dest: &mut W) {
        <[Option<u32>; ATTRIBUTES]>::from(*self).encode_to(dest)
    }
}

impl scale::EncodeLike for AttributeValues {}

impl scale::Decode for AttributeValues {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        <[Option<u32>; ATTRIBUTES]>::decode(input).map(Self::from)
    }
}

impl scale::Encode for AttributeProofs {
    fn size_hint(&self) -> usize {
        self.each().size_hint()
    }

    fn encode_to<W: scale::Output + ?Sized>(&self, dest: &mut W) {
        self.each().encode_to(dest)
    }
}

impl scale::EncodeLike for AttributeProofs {}

impl scale::Decode for AttributeProofs {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        <[Option<ClaimProof>; ATTRIBUTES]>::decode(input).map(Self::from)
    }
}

/// A sealed bid as the auction stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Commitment {
    /// The sealed bid: [`bid_hash`] of (auction contract, auction id, bidder, bid, salt).
    pub hash: [u8; 32],
    /// Commit order within the auction (0 = first): the tie-break.
    pub seq: u32,
    /// The bidder's DID (its Provider role was checked at commit).
    pub bidder_did: DidId,
    /// Whether the bid was revealed (its bond then went back).
    pub revealed: bool,
}

/// The best revealed bid so far.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Leader {
    /// The bidder's account (the zero account when a mask withholds the provider).
    pub bidder: AccountId,
    /// The bidder's DID (all zeros when a mask withholds the provider).
    pub bidder_did: DidId,
    /// Its commit order (0 = first): an equal score goes to the lower.
    pub seq: u32,
    /// Its score, `Σ weightᵢ · normᵢ` (0 when a mask withholds the price).
    pub score: u128,
    /// Its price per minute, in the chain's smallest unit (0 when a mask withholds the price).
    pub price_per_minute: Balance,
    /// Its channel key (zeros when a mask withholds the provider).
    pub provider_key: PublicKey,
}

/// Where an auction is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum AuctionPhase {
    /// Taking sealed bids until the commit deadline, then reveals until the reveal deadline;
    /// the consumer may cancel while no bid is committed.
    Open,
    /// The consumer cancelled before any bid; its deposit was refunded.
    Cancelled {
        /// When, in milliseconds since the Unix epoch.
        at: Timestamp,
    },
    /// `channel`: the winner's trade channel in the escrow; `None` with a winner means the
    /// escrow refused to open it (or still could not be called `FINALIZE_GRACE` after the
    /// reveal deadline) and the consumer was refunded.
    Finalized {
        /// The best revealed bidder; `None`: nobody revealed (the zero account when a mask
        /// withholds the provider).
        winner: Option<AccountId>,
        /// The winner's trade channel in the escrow, if it opened.
        channel: Option<ChannelId>,
        /// When it was finalized, in milliseconds since the Unix epoch.
        at: Timestamp,
    },
}

/// An auction as the contract stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Auction {
    /// The consumer's account (the zero account when a mask withholds the consumer).
    pub consumer: AccountId,
    /// The consumer's DID (all zeros when a mask withholds the consumer).
    pub consumer_did: DidId,
    /// What the consumer asked for (its channel key, price cap and minimum cost read as zero
    /// when a mask withholds them).
    pub request: AuctionRequest,
    /// The parameter model version in force at creation, which scores this auction's bids.
    pub model_version: u32,
    /// The weights in force (the consumer's or the model's defaults).
    pub weights: Weights,
    /// The consumer's deposit, held from creation: `max(minCost, maxPrice × duration)`.
    pub deposit: Balance,
    /// What each sealed bid deposits, in the chain's smallest unit (the model's at creation).
    pub bid_bond: Balance,
    /// Most sealed bids this auction accepts (the model's at creation).
    pub max_bids: u32,
    /// Receives the bonds of bids never revealed (the model's treasury at creation).
    pub treasury: AccountId,
    /// Bonds of committed, unrevealed bids.
    pub bonds_held: Balance,
    /// Sealed bids committed so far.
    pub commits: u32,
    /// Bids revealed so far.
    pub reveals: u32,
    /// The leading revealed bid; `None`: none revealed yet.
    pub best: Option<Leader>,
    /// When the auction was created, in milliseconds since the Unix epoch.
    pub created_at: Timestamp,
    /// Open, cancelled or finalized.
    pub phase: AuctionPhase,
}

/// What a trade of `duration_minutes` at `price_per_minute` needs as its deposit:
/// `max(min_cost, price × duration)`; `None` on overflow.
pub fn trade_deposit(
    price_per_minute: Balance,
    duration_minutes: u32,
    min_cost: Balance,
) -> Option<Balance> {
    price_per_minute
        .checked_mul(Balance::from(duration_minutes))
        .map(|full| full.max(min_cost))
}

/// The preimage whose blake2-256 a provider commits.
pub fn bid_preimage(
    auction_contract: &AccountId,
    auction: u64,
    bidder: &AccountId,
    bid: &Bid,
    salt: &[u8; 32],
) -> Vec<u8> {
    (BID_DOMAIN, auction_contract, auction, bidder, bid, salt).encode()
}

/// blake2-256 of [`bid_preimage`]: the commitment of a sealed bid.
#[inline]
pub fn bid_hash(
    auction_contract: &AccountId,
    auction: u64,
    bidder: &AccountId,
    bid: &Bid,
    salt: &[u8; 32],
) -> [u8; 32] {
    blake2(&bid_preimage(auction_contract, auction, bidder, bid, salt))
}

/// The preimage whose blake2-256 is the offer nonce of an auction's trade (unique per auction).
pub fn auction_trade_nonce_preimage(auction_contract: &AccountId, auction: u64) -> Vec<u8> {
    (AUCTION_TRADE_DOMAIN, auction_contract, auction).encode()
}

/// blake2-256 of [`auction_trade_nonce_preimage`]: the offer nonce of an auction's trade.
#[inline]
pub fn auction_trade_nonce_hash(auction_contract: &AccountId, auction: u64) -> [u8; 32] {
    blake2(&auction_trade_nonce_preimage(auction_contract, auction))
}

/// `a · SCALE / b` for `a ≤ b`, `b > 0`, without overflow.
fn fraction(a: u128, b: u128) -> u128 {
    if b == 0 {
        return 0;
    }
    match a.checked_mul(SCORE_SCALE) {
        Some(scaled) => scaled.checked_div(b).unwrap_or(0),
        // Only for b > u128::MAX / SCALE, so b / SCALE > 0.
        None => a
            .checked_div(b.checked_div(SCORE_SCALE).unwrap_or(1))
            .unwrap_or(0),
    }
}

/// The price criterion in `0..=SCORE_SCALE`; 0 for a price above the maximum.
pub fn price_norm(max_price: Balance, price: Balance) -> u128 {
    match max_price.checked_sub(price) {
        Some(below) => fraction(below, max_price),
        None => 0,
    }
}

/// One attribute's criterion in `0..=SCORE_SCALE`; an unproven attribute (`None`) is worst.
pub fn attribute_norm(rule: &AttributeRule, value: Option<u32>) -> u128 {
    let Some(value) = value else { return 0 };
    let (lo, hi) = (u128::from(rule.lo), u128::from(rule.hi));
    let v = u128::from(value).clamp(lo, hi.max(lo));
    let up = fraction(v.saturating_sub(lo), hi.saturating_sub(lo));
    if rule.lower_is_better {
        SCORE_SCALE.saturating_sub(up)
    } else {
        up
    }
}

/// The score of a bid: `Σ weightᵢ · normᵢ` over price and the proven attributes.
pub fn score(
    rules: &[AttributeRule; ATTRIBUTES],
    weights: &Weights,
    max_price: Balance,
    price: Balance,
    proven: &[Option<u32>; ATTRIBUTES],
) -> u128 {
    let mut total = u128::from(weights.price).saturating_mul(price_norm(max_price, price));
    for ((rule, weight), value) in rules.iter().zip(weights.attributes).zip(proven) {
        total =
            total.saturating_add(u128::from(weight).saturating_mul(attribute_norm(rule, *value)));
    }
    total
}

/// Whether a revealed bid (`score`, `seq`) beats the current leader: higher score, or the
/// same score and an earlier commit.
pub fn beats(score: u128, seq: u32, leader: Option<&Leader>) -> bool {
    match leader {
        None => true,
        Some(l) => score > l.score || (score == l.score && seq < l.seq),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scale::Decode as _;

    /// Every hash is blake2-256 of its preimage (see `escrow::reference_blake2`).
    #[test]
    fn every_hash_is_the_blake2_256_of_its_preimage() {
        use crate::escrow::reference_blake2;
        let (auction, bidder) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
        let bid = Bid {
            price_per_minute: 3,
            attributes: [Some(4), None, Some(5), None],
            provider_key: [6; 32],
        };
        let cases: [([u8; 32], Vec<u8>); 2] = [
            (
                bid_hash(&auction, 7, &bidder, &bid, &[8; 32]),
                bid_preimage(&auction, 7, &bidder, &bid, &[8; 32]),
            ),
            (
                auction_trade_nonce_hash(&auction, 7),
                auction_trade_nonce_preimage(&auction, 7),
            ),
        ];
        for (i, (hash, preimage)) in cases.into_iter().enumerate() {
            assert_eq!(hash, reference_blake2(&preimage), "case {i}");
        }
    }

    /// The named per-attribute structs are the arrays' bytes, both ways.
    #[test]
    fn attribute_structs_code_as_the_arrays_they_name() {
        let values = [Some(5_000), None, Some(1_200), Some(u32::MAX)];
        let named = AttributeValues::from(values);
        assert_eq!(named.encode(), values.encode());
        assert_eq!(named.pue, Some(1_200));
        assert_eq!(
            AttributeValues::decode(&mut &values.encode()[..]),
            Ok(named)
        );
        let proof = |n: u8| ClaimProof {
            credential: [n; 32],
            leaves: vec![[n; 32]; usize::from(n)],
            index: u32::from(n),
            salt: [n.wrapping_add(1); 32],
        };
        let proofs = [None, Some(proof(2)), None, Some(proof(3))];
        let named = AttributeProofs::from(proofs.clone());
        assert_eq!(named.encode(), proofs.encode());
        assert_eq!(named.carbon, Some(proof(2)));
        assert_eq!(
            AttributeProofs::decode(&mut &proofs.encode()[..]),
            Ok(named.clone())
        );
        assert_eq!(<[Option<ClaimProof>; ATTRIBUTES]>::from(named), proofs);
        assert!(AttributeProofs::decode(&mut &proofs.encode()[..9]).is_err());
    }

    /// The offer nonce of an auction's trade: its domain, the auction contract, the auction id.
    #[test]
    fn the_trade_nonce_preimage_has_its_domain_and_layout() {
        let contract = AccountId::from([7; 32]);
        let preimage = auction_trade_nonce_preimage(&contract, 3);
        assert_eq!(&preimage[..16], &AUCTION_TRADE_DOMAIN[..]);
        assert_eq!(&preimage[16..48], &[7; 32][..]);
        assert_eq!(&preimage[48..], &3u64.to_le_bytes()[..]);
    }

    fn rule(lo: u32, hi: u32, lower_is_better: bool) -> AttributeRule {
        AttributeRule {
            cpt: 1_000,
            claim: "x".into(),
            lo,
            hi,
            lower_is_better,
        }
    }

    #[test]
    fn price_is_normalised_against_the_maximum() {
        assert_eq!(price_norm(100, 100), 0);
        assert_eq!(price_norm(100, 0), SCORE_SCALE);
        assert_eq!(price_norm(100, 25), 750_000);
        assert_eq!(price_norm(3, 1), 666_666);
        assert_eq!(price_norm(100, 101), 0);
        // Huge balances do not overflow (the fallback divides by max / SCALE, rounding up).
        assert_eq!(price_norm(u128::MAX, u128::MAX / 2 + 1), 500_000);
    }

    #[test]
    fn attributes_are_clamped_and_directed() {
        let green = rule(0, 10_000, false);
        assert_eq!(attribute_norm(&green, Some(10_000)), SCORE_SCALE);
        assert_eq!(attribute_norm(&green, Some(2_500)), 250_000);
        assert_eq!(attribute_norm(&green, Some(20_000)), SCORE_SCALE);
        assert_eq!(attribute_norm(&green, None), 0);
        let pue = rule(1_000, 2_000, true);
        assert_eq!(attribute_norm(&pue, Some(1_000)), SCORE_SCALE);
        assert_eq!(attribute_norm(&pue, Some(1_200)), 800_000);
        assert_eq!(attribute_norm(&pue, Some(900)), SCORE_SCALE);
        assert_eq!(attribute_norm(&pue, Some(3_000)), 0);
        // Unproven is worst even when lower is better.
        assert_eq!(attribute_norm(&pue, None), 0);
    }

    #[test]
    fn score_by_hand() {
        let rules = [
            rule(0, 10_000, false),
            rule(0, 800, true),
            rule(1_000, 2_000, true),
            rule(0, 1_000, false),
        ];
        let w = Weights {
            price: 50,
            attributes: [20, 10, 10, 10],
        };
        // price 60 of max 100: 400,000 × 50 = 20,000,000
        // green 5,000 bps: 500,000 × 20 = 10,000,000
        // carbon 200 of 800, lower better: 750,000 × 10 = 7,500,000
        // PUE 1.5: 500,000 × 10 = 5,000,000
        // charity unproven: 0
        let s = score(
            &rules,
            &w,
            100,
            60,
            &[Some(5_000), Some(200), Some(1_500), None],
        );
        assert_eq!(s, 42_500_000);
    }

    #[test]
    fn earlier_commit_breaks_ties() {
        let leader = Leader {
            bidder: AccountId::from([1; 32]),
            bidder_did: [1; 32],
            seq: 3,
            score: 10,
            price_per_minute: 1,
            provider_key: [0; 32],
        };
        assert!(beats(11, 9, Some(&leader)));
        assert!(beats(10, 2, Some(&leader)));
        assert!(!beats(10, 4, Some(&leader)));
        assert!(!beats(9, 0, Some(&leader)));
        assert!(beats(0, 0, None));
        // A bid never beats itself (same score, same commit).
        assert!(!beats(10, 3, Some(&leader)));
    }

    #[test]
    fn each_auction_trade_has_its_own_offer_nonce() {
        let (a, b) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
        let n = auction_trade_nonce_hash(&a, 7);
        assert_ne!(n, auction_trade_nonce_hash(&a, 8), "another auction");
        assert_ne!(
            n,
            auction_trade_nonce_hash(&b, 7),
            "another auction contract"
        );
        assert_eq!(n, auction_trade_nonce_hash(&a, 7), "deterministic");
    }

    #[test]
    fn deposits_cover_the_whole_duration_or_min_cost() {
        assert_eq!(trade_deposit(10, 60, 100), Some(600));
        assert_eq!(trade_deposit(1, 60, 100), Some(100));
        assert_eq!(trade_deposit(u128::MAX, 2, 0), None);
    }

    #[test]
    fn commitments_bind_contract_auction_bidder_bid_and_salt() {
        let bid = Bid {
            price_per_minute: 5,
            attributes: [Some(1), None, None, None],
            provider_key: [7; 32],
        };
        let c = AccountId::from([1; 32]);
        let b = AccountId::from([2; 32]);
        let base = bid_preimage(&c, 0, &b, &bid, &[0; 32]);
        assert_ne!(
            base,
            bid_preimage(&AccountId::from([9; 32]), 0, &b, &bid, &[0; 32])
        );
        assert_ne!(base, bid_preimage(&c, 1, &b, &bid, &[0; 32]));
        assert_ne!(base, bid_preimage(&c, 0, &c, &bid, &[0; 32]));
        assert_ne!(base, bid_preimage(&c, 0, &b, &bid, &[1; 32]));
        let mut other = bid.clone();
        other.attributes[0] = Some(2);
        assert_ne!(base, bid_preimage(&c, 0, &b, &other, &[0; 32]));
    }
}
