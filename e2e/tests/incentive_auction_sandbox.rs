//! incentive_auction with the real did_registry, vc_templates and trade_escrow on the embedded
//! chain (release bundles): request → sealed bids → reveals with credential-backed attributes
//! → finalize opens the winner's channel → the trade runs, checkpoints and closes; plus the
//! refund paths and credentials that do not count.
//!
//! Balances are checked exactly, including the storage deposits the chain charges each call.

use cgrid_e2e::market::{Ledger, Market, BID_BOND};
use cgrid_e2e::{call_data, ink_account, AccountId32};
use cgrid_shared::{
    AuctionPhase, Balance, Bid, ChannelId, ClaimProof, CredentialView, Issuer, MaskedView, Phase,
    ATTRIBUTES,
};
use incentive_auction::{Error, ProofFlaw, RevealOutcome};
use sp_core::Pair;

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const MAX_PRICE: Balance = 400;
const MINUTES: u32 = 90;
const MIN_COST: Balance = 1_000;
/// max(minCost, maxPrice × minutes)
const DEPOSIT: Balance = 36_000;

fn market() -> Market {
    Market::deploy(T0).expect("the suite deploys (build the bundles first)")
}

fn bid(m: &Market, price: Balance, attributes: [Option<u32>; ATTRIBUTES]) -> Bid {
    Bid {
        price_per_minute: price,
        attributes,
        provider_key: m.provider_key.public().0,
    }
}

/// Creates the fixtures' auction (10-minute commit and reveal windows) as the consumer.
fn create(m: &mut Market, consumer: &mut Ledger) -> u64 {
    let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, 10 * MINUTE, 10 * MINUTE);
    let who = m.consumer.clone();
    let called = m
        .auction_tx::<u64>(&who, "create_auction", request, DEPOSIT)
        .expect("call");
    consumer.paid_call(&called);
    consumer.moved(-(DEPOSIT as i128));
    called.value.expect("the auction opens")
}

fn commit(m: &mut Market, who: &AccountId32, auction: u64, bid: &Bid, salt: u8) -> u32 {
    let hash = m.bid_hash(auction, who, bid, &[salt; 32]);
    m.auction_tx::<u32>(who, "commit", (auction, hash), BID_BOND)
        .expect("call")
        .value
        .expect("commit")
}

fn reveal(
    m: &mut Market,
    who: &AccountId32,
    auction: u64,
    bid: &Bid,
    salt: u8,
    proofs: [Option<ClaimProof>; ATTRIBUTES],
) -> Result<RevealOutcome, Error> {
    m.auction_tx::<RevealOutcome>(who, "reveal", (auction, bid, [salt; 32], proofs), 0)
        .expect("call")
        .value
}

fn phase(m: &mut Market, auction: u64) -> AuctionPhase {
    m.auction_query::<Option<cgrid_shared::Auction>>("auction", auction)
        .expect("auction exists")
        .phase
}

#[test]
fn the_greenest_good_bid_wins_and_its_trade_runs_to_a_close() {
    let mut m = market();
    let who = m.consumer.clone();
    let mut consumer = Ledger::new(&mut m, &who);
    let treasury_start = m.chain.balance(&m.treasury.clone());
    let id = create(&mut m, &mut consumer);
    consumer.check(&mut m, "after creating");

    // Three providers: the fixtures' provider (certified green), a cheaper uncertified one,
    // and the cheapest, which never reveals.
    let green = m.provider.clone();
    let green_did = m.provider_did;
    let (cheap, _) = m.add_provider(1).unwrap();
    let (silent, _) = m.add_provider(2).unwrap();
    let (_, proofs) = m.certify(green_did, [8_000, 100, 1_200, 200], 1).unwrap();
    let green_bid = bid(&m, 300, [Some(8_000), Some(100), Some(1_200), Some(200)]);
    let cheap_bid = bid(&m, 200, [Some(10_000), None, None, None]); // claimed, not proven
    let silent_bid = bid(&m, 100, [None; 4]);
    assert_eq!(commit(&mut m, &green, id, &green_bid, 1), 0);
    assert_eq!(commit(&mut m, &cheap, id, &cheap_bid, 2), 1);
    assert_eq!(commit(&mut m, &silent, id, &silent_bid, 3), 2);

    m.chain.set_time(T0 + 10 * MINUTE);
    let out = reveal(&mut m, &cheap, id, &cheap_bid, 2, Default::default()).unwrap();
    // 200 of 400: 500,000 × 50; the green share is claimed without a proof: worst.
    assert_eq!(out.score, 25_000_000);
    assert_eq!(out.flaws[0], Some(ProofFlaw::Missing));
    assert!(out.leading);
    let out = reveal(&mut m, &green, id, &green_bid, 1, proofs.map(Some)).unwrap();
    // price 250,000 × 50 + green 800,000 × 20 + carbon 875,000 × 10 + PUE 800,000 × 10
    // + charity 200,000 × 10
    assert_eq!(
        out.score,
        12_500_000 + 16_000_000 + 8_750_000 + 8_000_000 + 2_000_000
    );
    assert_eq!(out.flaws, [None; ATTRIBUTES]);
    assert!(
        out.leading,
        "green energy outweighs a 100/minute higher price"
    );

    // Finalize (anyone) at the reveal deadline: the green provider's channel opens.
    m.chain.set_time(T0 + 20 * MINUTE);
    let root = m.root.clone();
    let channel: ChannelId = m
        .auction_tx::<Option<ChannelId>>(&root, "finalize", id, 0)
        .unwrap()
        .value
        .expect("finalize")
        .expect("the trade opens");
    consumer.moved(9_000); // 36,000 held − 300 × 90 for the channel
    consumer.check(&mut m, "after finalize");
    assert_eq!(
        m.chain.balance(&m.treasury.clone()) - treasury_start,
        BID_BOND,
        "the silent bidder's bond is forfeited"
    );
    assert_eq!(m.auction_query::<Balance>("total_held", ()), 0);
    assert_eq!(
        phase(&mut m, id),
        AuctionPhase::Finalized {
            winner: Some(ink_account(&green)),
            channel: Some(channel),
            at: T0 + 20 * MINUTE
        }
    );
    let ch = m.channel(&channel).expect("the channel exists");
    assert_eq!(
        (
            ch.consumer,
            ch.provider,
            ch.price_per_minute,
            ch.deposit,
            ch.min_cost
        ),
        (
            ink_account(&m.consumer),
            ink_account(&green),
            300,
            27_000,
            MIN_COST
        )
    );
    assert_eq!(ch.expires_at, T0 + 20 * MINUTE + 90 * MINUTE);
    let (vcs, root) = (m.vcs.clone(), m.root.clone());
    let start: Option<MaskedView<CredentialView>> = m
        .chain
        .query(
            &vcs,
            &root,
            call_data("CredentialRegistry::verify", channel),
        )
        .unwrap()
        .value;
    let start = start
        .expect("the trade-start credential is anchored")
        .record;
    assert_eq!(start.anchor.issuer, Issuer::System(ink_account(&m.escrow)));
    assert_eq!(start.anchor.subject, m.consumer_did);

    // The trade: a checkpoint after 30 minutes, a cooperative close after 90.
    let mut provider = Ledger::new(&mut m, &green);
    m.chain.set_time(T0 + 50 * MINUTE);
    let sig = m.state(&channel, 30, 30 * 300);
    let called = m
        .escrow_tx::<()>(&green, "checkpoint", (channel, 30u64, 9_000u128, sig))
        .unwrap();
    provider.paid_call(&called);
    called.value.expect("checkpoint");
    provider.moved(9_000);
    m.chain.set_time(T0 + 110 * MINUTE);
    let (c, p) = m.close_sigs(&channel, 90, 27_000);
    let called = m
        .escrow_tx::<()>(
            &green,
            "close_cooperative",
            (channel, 90u64, 27_000u128, c, p),
        )
        .unwrap();
    provider.paid_call(&called);
    called.value.expect("cooperative close");
    provider.moved(18_000);
    provider.check(&mut m, "after the close");
    consumer.check(&mut m, "after the close (nothing left to refund)");
    let ch = m.channel(&channel).unwrap();
    assert!(matches!(
        ch.phase,
        Phase::Closed {
            paid: 27_000,
            refunded: 0,
            ..
        }
    ));
    assert_eq!(m.escrow_query::<Balance>("total_owed", ()), 0);
}

#[test]
fn a_trade_the_escrow_refuses_and_an_empty_auction_refund_in_full() {
    let mut m = market();
    let who = m.consumer.clone();
    let mut consumer = Ledger::new(&mut m, &who);
    let empty = create(&mut m, &mut consumer);
    let suite_auction = m.auction.clone();
    // A second auction that no authority made a broker: the escrow refuses its trades.
    let (rogue, _) = m.deploy_auction(b"rogue").unwrap();
    assert!(!m.escrow_query::<bool>("is_broker", ink_account(&rogue)));
    m.auction = rogue;
    let root = m.root.clone();
    let model = m.model();
    m.auction_tx::<u32>(&root, "set_model", model, 0)
        .unwrap()
        .value
        .unwrap();
    let refused = create(&mut m, &mut consumer);
    let p = m.provider.clone();
    let b = bid(&m, 100, [None; 4]);
    commit(&mut m, &p, refused, &b, 1);
    m.chain.set_time(T0 + 10 * MINUTE);
    reveal(&mut m, &p, refused, &b, 1, Default::default()).unwrap();
    m.chain.set_time(T0 + 20 * MINUTE);
    let out = m
        .auction_tx::<Option<ChannelId>>(&root, "finalize", refused, 0)
        .unwrap();
    assert_eq!(out.value, Ok(None));
    consumer.moved(DEPOSIT as i128);
    assert_eq!(
        phase(&mut m, refused),
        AuctionPhase::Finalized {
            winner: Some(ink_account(&p)),
            channel: None,
            at: T0 + 20 * MINUTE
        }
    );
    assert_eq!(m.escrow_query::<u64>("channel_count", ()), 0);
    assert_eq!(m.auction_query::<Balance>("total_held", ()), 0);

    // The suite's auction, without bids: the consumer gets its deposit back.
    m.auction = suite_auction;
    let out = m
        .auction_tx::<Option<ChannelId>>(&root, "finalize", empty, 0)
        .unwrap();
    assert_eq!(out.value, Ok(None));
    consumer.moved(DEPOSIT as i128);
    assert_eq!(
        phase(&mut m, empty),
        AuctionPhase::Finalized {
            winner: None,
            channel: None,
            at: T0 + 20 * MINUTE
        }
    );
    consumer.check(&mut m, "after both refunds");
}

#[test]
fn revoked_or_foreign_certificates_count_as_worst_and_forged_reveals_revert() {
    let mut m = market();
    let who = m.consumer.clone();
    let mut consumer = Ledger::new(&mut m, &who);
    let id = create(&mut m, &mut consumer);
    let p = m.provider.clone();
    let did = m.provider_did;
    let (other, _) = m.add_provider(7).unwrap();
    let (cert, proofs) = m.certify(did, [9_000, 50, 1_100, 500], 1).unwrap();
    // A valid certificate, but about the first provider's DID.
    let (_, foreign) = m.certify(did, [9_000, 50, 1_100, 500], 2).unwrap();
    let root = m.root.clone();
    let vcs = m.vcs.clone();
    m.chain
        .call::<Result<(), vc_templates::Error>>(&vcs, &root, call_data("revoke", cert))
        .unwrap()
        .value
        .expect("the authority revokes the certificate");
    let b = bid(&m, 200, [Some(9_000), Some(50), Some(1_100), Some(500)]);
    commit(&mut m, &p, id, &b, 1);
    commit(&mut m, &other, id, &b, 2);
    m.chain.set_time(T0 + 10 * MINUTE);

    // A forged reveal (another price) reverts and the bond stays held.
    let mut cheaper = b.clone();
    cheaper.price_per_minute = 1;
    let before = m.chain.balance(&p);
    let forged = m
        .auction_tx::<RevealOutcome>(
            &p,
            "reveal",
            (id, &cheaper, [1u8; 32], proofs.clone().map(Some)),
            0,
        )
        .unwrap();
    assert_eq!(forged.value, Err(Error::BadReveal));
    assert!(forged.reverted);
    assert_eq!(m.chain.balance(&p), before);

    let price_only: Result<u128, Error> =
        m.auction_query("score_of", (id, 200u128, [None::<u32>; 4]));
    let out = reveal(&mut m, &p, id, &b, 1, proofs.map(Some)).unwrap();
    assert_eq!(out.flaws, [Some(ProofFlaw::NotValid); ATTRIBUTES]);
    assert_eq!(Ok(out.score), price_only);
    // Another provider's valid certificate does not prove this provider's attributes.
    let out = reveal(&mut m, &other, id, &b, 2, foreign.map(Some)).unwrap();
    assert_eq!(out.flaws, [Some(ProofFlaw::WrongSubject); ATTRIBUTES]);
    assert_eq!(Ok(out.score), price_only);
}
