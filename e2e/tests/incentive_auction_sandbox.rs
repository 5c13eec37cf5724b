//! incentive_auction with the real did_registry, vc_templates and trade_escrow on the embedded
//! chain (release bundles): request → sealed bids → reveals with credential-backed attributes
//! → finalize opens the winner's channel → the trade runs, checkpoints and closes; plus the
//! refund paths and credentials that do not count.
//!
//! Balances are checked exactly, including the storage deposits the chain charges each call.

use cgrid_e2e::parties::{Ledger, Parties, BID_BOND};
use cgrid_e2e::{ink_account, AccountId32, Backend};
use cgrid_shared::CredentialRegistry as _;
use cgrid_shared::{
    AuctionPhase, Balance, Bid, ChannelId, ClaimProof, CredentialView, Issuer, MaskedView,
    OpenRefusal, Party, Phase, Role, ATTRIBUTES,
};
use incentive_auction::events::AuctionFinalized;
use incentive_auction::{Error, ProofFlaw, RevealOutcome};
use sp_core::Pair;

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const MAX_PRICE: Balance = 400;
const MINUTES: u32 = 90;
const MIN_COST: Balance = 1_000;
/// max(minCost, maxPrice × minutes)
const DEPOSIT: Balance = 36_000;

fn market() -> Parties {
    Parties::deploy(T0).expect("the suite deploys (build the bundles first)")
}

/// Sets the block time (the embedded chain's time only moves forward; these tests never go
/// back).
fn set_time(m: &mut Parties, ms: u64) {
    m.chain.advance_to(ms).expect("advance time");
    assert_eq!(m.chain.time(), ms, "block time set");
}

fn bid(m: &Parties, price: Balance, attributes: [Option<u32>; ATTRIBUTES]) -> Bid {
    Bid {
        price_per_minute: price,
        attributes,
        provider_key: m.provider_key.public().0,
    }
}

/// Creates the fixtures' auction (10-minute commit and reveal windows) as the consumer.
fn create(m: &mut Parties, consumer: &mut Ledger) -> u64 {
    let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, 10 * MINUTE, 10 * MINUTE);
    let who = m.consumer.clone();
    let msg = m
        .suite
        .auction
        .msg(|a| a.create_auction(request))
        .with_value(DEPOSIT);
    let called = m.chain.try_send(&who, msg).expect("call");
    consumer.paid_call(&called);
    consumer.moved(-(DEPOSIT as i128));
    called.value.expect("the auction opens")
}

fn commit(m: &mut Parties, who: &AccountId32, auction: u64, bid: &Bid, salt: u8) -> u32 {
    let hash = m.suite.bid_hash(auction, who, bid, &[salt; 32]);
    let msg = m
        .suite
        .auction
        .msg(|a| a.commit(auction, hash))
        .with_value(BID_BOND);
    m.chain
        .try_send(who, msg)
        .expect("call")
        .value
        .expect("commit")
}

fn reveal(
    m: &mut Parties,
    who: &AccountId32,
    auction: u64,
    bid: &Bid,
    salt: u8,
    proofs: [Option<ClaimProof>; ATTRIBUTES],
) -> Result<RevealOutcome, Error> {
    let msg = m
        .suite
        .auction
        .msg(|a| a.reveal(auction, bid.clone(), [salt; 32], proofs.into()));
    m.chain.try_send(who, msg).expect("call").value
}

fn phase(m: &mut Parties, auction: u64) -> AuctionPhase {
    let view: Option<cgrid_shared::MaskedView<cgrid_shared::Auction>> = m
        .chain
        .read(m.suite.auction.msg(|a| a.auction(auction)))
        .unwrap_or_else(|e| panic!("auction: {e}"));
    view.expect("auction exists").record.phase
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

    set_time(&mut m, T0 + 10 * MINUTE);
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
    set_time(&mut m, T0 + 20 * MINUTE);
    let root = m.root.clone();
    let auction = m.suite.auction.clone();
    let channel: ChannelId = m
        .chain
        .try_send(&root, auction.msg(|a| a.finalize(id)))
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
    let held: Balance = m
        .chain
        .read(auction.msg(|a| a.total_held()))
        .expect("total_held");
    assert_eq!(held, 0);
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
    let (vcs, root) = (m.suite.vcs.clone(), m.root.clone());
    let start: Option<MaskedView<CredentialView>> = m
        .chain
        .dry_run(&root, vcs.msg(|v| v.verify(channel)))
        .unwrap()
        .value;
    let start = start
        .expect("the trade-start credential is anchored")
        .record;
    assert_eq!(
        start.anchor.issuer,
        Issuer::System(m.suite.escrow.account())
    );
    assert_eq!(start.anchor.subject, m.consumer_did);

    // The trade: a checkpoint after 30 minutes, a cooperative close after 90.
    let escrow = m.suite.escrow.clone();
    let mut provider = Ledger::new(&mut m, &green);
    set_time(&mut m, T0 + 50 * MINUTE);
    let sig = m.state(&channel, 30, 30 * 300);
    let called = m
        .chain
        .try_send(
            &green,
            escrow.msg(|e| e.checkpoint(channel, 30, 9_000, sig)),
        )
        .unwrap();
    provider.paid_call(&called);
    called.value.expect("checkpoint");
    provider.moved(9_000);
    set_time(&mut m, T0 + 110 * MINUTE);
    let (c, p) = m.close_sigs(&channel, 90, 27_000);
    let called = m
        .chain
        .try_send(
            &green,
            escrow.msg(|e| e.close_cooperative(channel, 90, 27_000, c, p)),
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
    let owed: Balance = m
        .chain
        .read(escrow.msg(|e| e.total_owed()))
        .expect("total_owed");
    assert_eq!(owed, 0);
}

/// `finalize(auction)` of the fixtures' auction, sent by `origin`: it must end the auction
/// without a trade; returns its `AuctionFinalized`.
fn finalized_without_trade(
    m: &mut Parties,
    origin: &AccountId32,
    auction: u64,
) -> AuctionFinalized {
    let msg = m.suite.auction.msg(|a| a.finalize(auction));
    let out = m.chain.try_send(origin, msg).unwrap();
    assert_eq!(out.value, Ok(None));
    out.events
        .iter()
        .find_map(|e| e.decode::<AuctionFinalized>())
        .expect("AuctionFinalized")
}

#[test]
fn a_trade_the_escrow_refuses_and_an_empty_auction_refund_in_full() {
    let mut m = market();
    let who = m.consumer.clone();
    let mut consumer = Ledger::new(&mut m, &who);
    let empty = create(&mut m, &mut consumer);
    let suite_auction = m.suite.auction.clone();
    let escrow = m.suite.escrow.clone();
    // A second auction that no authority made a broker: the escrow refuses its trades, and
    // since it never was one the call reverts, so finalize fails and can be retried (it
    // funds the trade before the call, which only its own revert takes back) until
    // FINALIZE_GRACE has passed; then the deposit rides with the call and the consumer gets
    // everything back. (A broker the root undesignated is refused with the deposit sent back:
    // its consumer gets everything back at once, `role_matrix_sandbox`.)
    let (rogue, _) = m.deploy_auction(b"rogue").unwrap();
    let is_broker: bool = m
        .chain
        .read(escrow.msg(|e| e.is_broker(rogue.account())))
        .expect("is_broker");
    assert!(!is_broker);
    // The fixtures' helpers (create, commit, reveal, phase, bid hashes) now use the rogue.
    m.suite.auction = rogue.clone();
    let root = m.root.clone();
    let model = m.model();
    m.chain
        .try_send(&root, rogue.msg(|a| a.set_model(model)))
        .unwrap()
        .value
        .unwrap();
    let refused = create(&mut m, &mut consumer);
    let p = m.provider.clone();
    let b = bid(&m, 100, [None; 4]);
    commit(&mut m, &p, refused, &b, 1);
    set_time(&mut m, T0 + 10 * MINUTE);
    reveal(&mut m, &p, refused, &b, 1, Default::default()).unwrap();
    set_time(&mut m, T0 + 20 * MINUTE);
    let held_before = m.chain.balance(&rogue.address);
    let out = m
        .chain
        .try_send(&root, rogue.msg(|a| a.finalize(refused)))
        .unwrap();
    assert_eq!(out.value, Err(Error::EscrowCallFailed));
    assert!(out.reverted);
    assert_eq!(
        m.chain.balance(&rogue.address),
        held_before,
        "the transfer reverted"
    );
    assert_eq!(m.escrow_held(), 0);

    // The suite's auction, without bids: the consumer gets its deposit back.
    m.suite.auction = suite_auction.clone();
    let out = m
        .chain
        .try_send(&root, suite_auction.msg(|a| a.finalize(empty)))
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

    let late = T0 + 20 * MINUTE + incentive_auction::FINALIZE_GRACE;
    set_time(&mut m, late);
    m.suite.auction = rogue.clone();
    let finalized = finalized_without_trade(&mut m, &root, refused);
    assert!(finalized.escrow_unreachable && finalized.refusal.is_none());
    assert_eq!(m.escrow_held(), 0, "the value-carrying call reverted");
    consumer.moved(DEPOSIT as i128);
    assert_eq!(
        phase(&mut m, refused),
        AuctionPhase::Finalized {
            winner: Some(ink_account(&p)),
            channel: None,
            at: late
        }
    );
    let channels: u64 = m
        .chain
        .read(escrow.msg(|e| e.channel_count()))
        .expect("channel_count");
    assert_eq!(channels, 0);
    let held: Balance = m
        .chain
        .read(rogue.msg(|a| a.total_held()))
        .expect("total_held");
    assert_eq!(held, 0);
    consumer.check(&mut m, "after both refunds");
}

/// The escrow's promise (issue 15, finding 6): only the registry's current role holders trade,
/// whoever brokers the open. The winning provider loses its Provider role after its reveal;
/// the auction still names it, and the escrow checks the parties itself: it refuses the trade
/// (`NotRoleHolder(Provider)`), no channel opens, and the consumer gets its whole deposit back.
/// Before the escrow checked the parties, the trade opened on the auction's word.
#[test]
fn the_escrow_refuses_a_winner_that_no_longer_holds_its_role() {
    let mut m = market();
    let who = m.consumer.clone();
    let mut consumer = Ledger::new(&mut m, &who);
    let auction = create(&mut m, &mut consumer);
    let p = m.provider.clone();
    let b = bid(&m, 100, [None; 4]);
    commit(&mut m, &p, auction, &b, 1);
    set_time(&mut m, T0 + 10 * MINUTE);
    reveal(&mut m, &p, auction, &b, 1, Default::default()).unwrap();
    let root = m.root.clone();
    let did = m.provider_did;
    let revoke = m.suite.dids.msg(|d| d.revoke_role(did, Role::Provider));
    assert_eq!(m.chain.try_send(&root, revoke).unwrap().value, Ok(()));
    set_time(&mut m, T0 + 20 * MINUTE);
    let finalized = finalized_without_trade(&mut m, &root, auction);
    assert_eq!(
        finalized.refusal,
        Some(OpenRefusal::NotRoleHolder(Party::Provider))
    );
    consumer.moved(DEPOSIT as i128);
    assert_eq!(
        phase(&mut m, auction),
        AuctionPhase::Finalized {
            winner: Some(ink_account(&p)),
            channel: None,
            at: T0 + 20 * MINUTE
        }
    );
    let escrow = m.suite.escrow.clone();
    let channels: u64 = m
        .chain
        .read(escrow.msg(|e| e.channel_count()))
        .expect("channel_count");
    assert_eq!(channels, 0);
    consumer.check(&mut m, "after the refund");
}

/// The bidders' and the consumer's promise: the best bid the escrow would take gets the trade.
/// An attacker with the Provider role bids the lowest price with a channel key the escrow
/// refuses (all zeros); revealed, it would lead and make finalize void the auction, for free
/// (the bond comes back at reveal). It cannot be revealed; its bond is forfeited; the honest
/// bid's trade opens. And a consumer cannot post a request whose trade the escrow would refuse
/// (see the bids, then walk away without the trade).
#[test]
fn nobody_voids_an_auction_with_a_key_the_escrow_refuses() {
    let mut m = market();
    let who = m.consumer.clone();
    let mut consumer = Ledger::new(&mut m, &who);
    let treasury_start = m.chain.balance(&m.treasury.clone());

    let mut request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, 10 * MINUTE, 10 * MINUTE);
    request.consumer_key = [0; 32];
    let msg = m
        .suite
        .auction
        .msg(|a| a.create_auction(request))
        .with_value(DEPOSIT);
    let called = m.chain.try_send(&who, msg).expect("call");
    assert_eq!(called.value, Err(Error::ZeroKey(Party::Consumer)));
    consumer.paid_call(&called);
    consumer.check(&mut m, "after the refused request (the deposit stays)");

    let id = create(&mut m, &mut consumer);
    let honest = m.provider.clone();
    let (attacker, _) = m.add_provider(1).unwrap();
    let honest_bid = bid(&m, 300, [None; 4]);
    let mut zero_key = bid(&m, 1, [None; 4]);
    zero_key.provider_key = [0; 32];
    commit(&mut m, &honest, id, &honest_bid, 1);
    commit(&mut m, &attacker, id, &zero_key, 2);
    set_time(&mut m, T0 + 10 * MINUTE);
    assert_eq!(
        reveal(&mut m, &attacker, id, &zero_key, 2, Default::default()),
        Err(Error::ZeroKey(Party::Provider))
    );
    let out = reveal(&mut m, &honest, id, &honest_bid, 1, Default::default()).unwrap();
    assert!(out.leading);

    set_time(&mut m, T0 + 20 * MINUTE);
    let auction = m.suite.auction.clone();
    let channel = m
        .chain
        .try_send(&attacker, auction.msg(|a| a.finalize(id)))
        .unwrap()
        .value
        .expect("finalize")
        .expect("the honest bid's trade opens");
    assert_eq!(
        phase(&mut m, id),
        AuctionPhase::Finalized {
            winner: Some(ink_account(&honest)),
            channel: Some(channel),
            at: T0 + 20 * MINUTE
        }
    );
    consumer.moved(9_000); // 36,000 held − 300 × 90 for the channel
    consumer.check(&mut m, "after finalize");
    assert_eq!(
        m.chain.balance(&m.treasury.clone()) - treasury_start,
        BID_BOND,
        "the attacker's bond is forfeited"
    );
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
    let vcs = m.suite.vcs.clone();
    m.chain
        .try_send(&root, vcs.msg(|v| v.revoke(cert)))
        .unwrap()
        .value
        .expect("the authority revokes the certificate");
    let b = bid(&m, 200, [Some(9_000), Some(50), Some(1_100), Some(500)]);
    commit(&mut m, &p, id, &b, 1);
    commit(&mut m, &other, id, &b, 2);
    set_time(&mut m, T0 + 10 * MINUTE);

    // A forged reveal (another price) reverts and the bond stays held.
    let mut cheaper = b.clone();
    cheaper.price_per_minute = 1;
    let before = m.chain.balance(&p);
    let auction = m.suite.auction.clone();
    let forged = m
        .chain
        .try_send(
            &p,
            auction.msg(|a| a.reveal(id, cheaper, [1; 32], proofs.clone().map(Some).into())),
        )
        .unwrap();
    assert_eq!(forged.value, Err(Error::BadReveal));
    assert!(forged.reverted);
    assert_eq!(m.chain.balance(&p), before);

    let price_only: Result<u128, Error> = m
        .chain
        .read(auction.msg(|a| a.score_of(id, 200, Default::default())))
        .expect("score_of");
    let out = reveal(&mut m, &p, id, &b, 1, proofs.map(Some)).unwrap();
    assert_eq!(out.flaws, [Some(ProofFlaw::NotValid); ATTRIBUTES]);
    assert_eq!(Ok(out.score), price_only);
    // Another provider's valid certificate does not prove this provider's attributes.
    let out = reveal(&mut m, &other, id, &b, 2, foreign.map(Some)).unwrap();
    assert_eq!(out.flaws, [Some(ProofFlaw::WrongSubject); ATTRIBUTES]);
    assert_eq!(Ok(out.score), price_only);
}

/// Issue 15, finding 4, on the release bundles: once a regulator masks the trade an auction
/// opened, `auction(id)` no longer links it to both accounts, both DIDs and the price (before
/// the fix it did); the money fields stay, and lifting the mask shows everything again.
#[test]
fn a_masked_trade_is_withheld_from_the_auction_that_opened_it() {
    use cgrid_shared::{Auction, Scope, Target};
    let mut m = market();
    let who = m.consumer.clone();
    let mut consumer = Ledger::new(&mut m, &who);
    let id = create(&mut m, &mut consumer);
    let provider = m.provider.clone();
    let offer = bid(&m, 300, [None; ATTRIBUTES]);
    commit(&mut m, &provider, id, &offer, 1);
    set_time(&mut m, T0 + 10 * MINUTE);
    reveal(&mut m, &provider, id, &offer, 1, Default::default()).unwrap();
    set_time(&mut m, T0 + 20 * MINUTE);
    let (root, auction) = (m.root.clone(), m.suite.auction.clone());
    let channel: ChannelId = m
        .chain
        .try_send(&root, auction.msg(|a| a.finalize(id)))
        .unwrap()
        .value
        .expect("finalize")
        .expect("the trade opens");
    let view = |m: &mut Parties| -> MaskedView<Auction> {
        m.chain
            .read(auction.msg(|a| a.auction(id)))
            .expect("auction")
            .expect("it exists")
    };
    let full = view(&mut m);
    assert_eq!(full.masked, None);
    assert_eq!(full.record.consumer, ink_account(&m.consumer));

    let regulator = m.regulators[2].clone();
    let target = Target::Trade(channel);
    let msg = m.suite.masks.msg(|r| {
        r.mask(
            target.clone(),
            Scope::Whole,
            false,
            42u16,
            [0xEEu8; 32],
            [0xC0u8; 32],
        )
    });
    assert_eq!(m.chain.try_send(&regulator, msg).unwrap().value, Ok(()));
    let masked = view(&mut m);
    let (a, nobody) = (&masked.record, ink_account(&AccountId32::new([0; 32])));
    let best = a.best.clone().expect("a leader");
    assert_eq!((a.consumer, a.consumer_did), (nobody, [0; 32]));
    assert_eq!((best.bidder, best.bidder_did), (nobody, [0; 32]));
    assert_eq!(
        (best.price_per_minute, a.request.max_price_per_minute),
        (0, 0)
    );
    assert_eq!(
        a.phase,
        AuctionPhase::Finalized {
            winner: Some(nobody),
            channel: Some(channel),
            at: T0 + 20 * MINUTE
        }
    );
    assert_eq!(
        (a.deposit, a.bonds_held),
        (full.record.deposit, full.record.bonds_held)
    );
    assert_eq!(masked.masked.expect("marker").by, ink_account(&regulator));
}
