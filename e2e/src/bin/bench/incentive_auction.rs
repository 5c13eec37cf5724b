//! incentive_auction: every message on the suite deployed by `cgrid_e2e::parties`, and the
//! headline: finalizing an auction with 1,000 revealed bids costs the same as with 10 (the
//! running best is kept during reveal; finalize never iterates over bids).

use cgrid_e2e::parties::{Parties, BID_BOND};
use cgrid_e2e::Backend;
use cgrid_shared::{Balance, Bid, ClaimProof, DidId, Role, ATTRIBUTES};
use serde_json::json;
use sp_core::Pair;

use crate::harness::{attributed, label, must, must_row};
use crate::report::Report;

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const NAME: &str = "incentive_auction";
const MANY: u32 = 1_000;
const FEW: u32 = 10;
const MAX_PRICE: Balance = 10_000;
const MINUTES: u32 = 60;

pub fn bench(report: &mut Report) {
    report.wasm_sizes(NAME);
    let mut m = Parties::deploy(T0).expect("deploy the suite");
    let (name, deploy_weight) = (m.suite.contracts[3].name, m.suite.contracts[3].weight);
    assert_eq!(name, NAME);
    report.constructor_row(NAME, "upload + instantiate", deploy_weight);
    let (consumer, root) = (m.consumer.clone(), m.root.clone());
    let auction = m.suite.auction.clone();
    let model = m.model();
    must_row(
        report,
        &mut m.chain,
        &root,
        "root check + new version",
        auction.msg(|a| a.set_model(model)),
    );
    let deposit = MAX_PRICE * Balance::from(MINUTES);
    let create = |m: &mut Parties, report: Option<&mut Report>| -> u64 {
        let request = m.auction_request(MAX_PRICE, MINUTES, 1_000, 60 * MINUTE, 60 * MINUTE);
        let create = auction
            .msg(|a| a.create_auction(request))
            .with_value(deposit);
        match report {
            Some(report) => {
                let case = "role check + deposit held";
                let label = create.label;
                let (id, w) = attributed(report, &mut m.chain, &consumer, case, create);
                report.row(NAME, label.metadata, case, w);
                report.demo_step(NAME, label.metadata, 1, w);
                report.trade_path(NAME, label.metadata, case, w);
                id
            }
            None => must(&mut m.chain, &consumer, create).0,
        }
    };
    let cancelled = create(&mut m, Some(report));
    must_row(
        report,
        &mut m.chain,
        &consumer,
        "no bids: deposit refunded",
        auction.msg(|a| a.cancel(cancelled)),
    );

    // The providers: MANY accounts with DIDs and the Provider role; the first is certified.
    let bidders: Vec<(cgrid_e2e::AccountId32, DidId)> = (0..MANY)
        .map(|n| m.add_provider(n).expect("provider"))
        .collect();
    // Bidder 0: one certificate proves all four attributes; bidder 1: two certificates.
    let figures = [9_000, 80, 1_150, 300];
    let (_, proofs) = m.certify(bidders[0].1, figures, 1).expect("certify");
    let (_, first) = m.certify(bidders[1].1, figures, 2).expect("certify");
    let (_, second) = m.certify(bidders[1].1, figures, 3).expect("certify");
    let [a0, a1, _, _] = first;
    let [_, _, b2, b3] = second;
    let two_credentials = [Some(a0.clone()), Some(a1.clone()), Some(b2), Some(b3)];
    let key = m.provider_key.public().0;
    let bid_of = |n: u32| Bid {
        // Distinct prices; the certified providers (n < 2) bid the most and still win.
        price_per_minute: MAX_PRICE - 1 - Balance::from(n % 5_000),
        attributes: if n < 2 {
            figures.map(Some)
        } else {
            [None; ATTRIBUTES]
        },
        provider_key: key,
    };
    let few = create(&mut m, None);
    let many = create(&mut m, None);
    let empty = create(&mut m, None);
    // A reveal's worst case: bidder 1 proves its attributes with two credentials of two
    // attestors (one `is_active` call each), in an auction under a model that lists both.
    let (attestor, attestor_did) = m.add_provider(MANY + 1).expect("second attestor");
    let until = m.chain.time() + 365 * 24 * 60 * MINUTE;
    m.grant(attestor_did, Role::Issuer, until)
        .expect("Issuer role");
    let (_, other) = m
        .certify_as(&attestor, attestor_did, bidders[1].1, figures, 4)
        .expect("certify");
    let [_, _, c2, c3] = other;
    let two_attestors = [Some(a0), Some(a1), Some(c2), Some(c3)];
    let mut two_model = m.model();
    two_model.attestors.push(attestor_did);
    must(&mut m.chain, &root, auction.msg(|a| a.set_model(two_model)));
    let two = create(&mut m, None);
    // The auctions bidder n takes part in: everyone bids in `many`, the first FEW in `few`,
    // and bidder 1 also in `two`.
    let auctions_of = |n: u32| -> Vec<u64> {
        match n {
            1 => vec![few, many, two],
            n if n < FEW => vec![few, many],
            _ => vec![many],
        }
    };
    let mut commit_weights = Vec::new();
    let mut commit_label = "";
    for (n, (who, _)) in bidders.iter().enumerate() {
        let n = u32::try_from(n).expect("fits");
        for id in auctions_of(n) {
            let bid = bid_of(n);
            let hash = m.suite.bid_hash(id, who, &bid, &[7; 32]);
            let commit = auction.msg(|a| a.commit(id, hash)).with_value(BID_BOND);
            commit_label = label(&auction, &commit);
            let (_, w) = if id == many && commit_weights.is_empty() {
                attributed(report, &mut m.chain, who, "1st bid", commit)
            } else {
                must(&mut m.chain, who, commit)
            };
            if id == many {
                commit_weights.push(w);
            }
        }
    }
    report.row(
        NAME,
        commit_label,
        "1st bid: role check + bond",
        commit_weights[0],
    );
    report.demo_step(NAME, commit_label, 2, commit_weights[0]);
    report.trade_path(NAME, commit_label, "1st bid", commit_weights[0]);
    report.row(
        NAME,
        commit_label,
        "1,000th bid",
        commit_weights[commit_weights.len() - 1],
    );
    m.chain.advance_to(T0 + 60 * MINUTE).expect("time");
    let mut reveal_weights = Vec::new();
    let mut two_attestors_weight = None;
    let mut reveal_label = "";
    for (n, (who, _)) in bidders.iter().enumerate() {
        let n = u32::try_from(n).expect("fits");
        for id in auctions_of(n) {
            let p: [Option<ClaimProof>; ATTRIBUTES] = match n {
                0 => proofs.clone().map(Some),
                1 if id == two => two_attestors.clone(),
                1 => two_credentials.clone(),
                _ => Default::default(),
            };
            let reveal = auction.msg(|a| a.reveal(id, bid_of(n), [7u8; 32], p.into()));
            reveal_label = label(&auction, &reveal);
            let attributed_case = match n {
                0 if id == many => Some("4 attributes, 1 credential"),
                1 if id == two => Some("4 attributes, 2 credentials of 2 attestors"),
                2 if id == many => Some("price only"),
                _ => None,
            };
            let (out, w) = match attributed_case {
                Some(case) => attributed(report, &mut m.chain, who, case, reveal),
                None => must(&mut m.chain, who, reveal),
            };
            if n < 2 {
                assert_eq!(out.flaws, [None; ATTRIBUTES], "the certificates count");
            }
            if id == many {
                reveal_weights.push(w);
            }
            if id == two {
                two_attestors_weight = Some(w);
            }
        }
    }
    report.row(
        NAME,
        reveal_label,
        "4 attributes proven by 1 credential (1 anchor read)",
        reveal_weights[0],
    );
    report.row(
        NAME,
        reveal_label,
        "4 attributes proven by 2 credentials (the most; 2 anchor reads)",
        reveal_weights[1],
    );
    report.row(
        NAME,
        reveal_label,
        "4 attributes proven by 2 credentials of 2 attestors (the most calls: 3)",
        two_attestors_weight.expect("revealed"),
    );
    report.row(NAME, reveal_label, "price only", reveal_weights[2]);
    // The demo's two bids: the certified provider's (one certificate) and a price-only rival.
    report.demo_step(NAME, reveal_label, 1, reveal_weights[0]);
    report.demo_step(NAME, reveal_label, 1, reveal_weights[2]);
    report.trade_path(
        NAME,
        reveal_label,
        "4 attributes, 1 credential",
        reveal_weights[0],
    );
    report.trade_path(NAME, reveal_label, "price only", reveal_weights[2]);
    report.row(
        NAME,
        reveal_label,
        "price only, 1,000th bid",
        reveal_weights[reveal_weights.len() - 1],
    );
    let score = auction.msg(|a| a.score_of(many, 5_000, [Some(5_000), None, None, None].into()));
    let score_label = label(&auction, &score);
    let w = m.chain.dry_run(&root, score).expect("score_of").weight;
    report.row(NAME, score_label, "query", w);

    m.chain.advance_to(T0 + 120 * MINUTE).expect("time");
    let finalize = |id: u64| auction.msg(|a| a.finalize(id));
    let finalize_label = label(&auction, &finalize(few));
    let opens = "opens the channel";
    let (channel_few, finalize_few) = attributed(report, &mut m.chain, &root, opens, finalize(few));
    let (channel_many, finalize_many) = must(&mut m.chain, &root, finalize(many));
    assert!(
        channel_few.is_some() && channel_many.is_some(),
        "both trades open"
    );
    let (none, finalize_empty) = must(&mut m.chain, &root, finalize(empty));
    assert!(none.is_none());
    let (channel_two, _) = must(&mut m.chain, &root, finalize(two));
    assert!(
        channel_two.is_some(),
        "the two-attestor auction opens its trade"
    );
    report.row(
        NAME,
        finalize_label,
        "10 bids: opens the winner's channel",
        finalize_few,
    );
    report.row(
        NAME,
        finalize_label,
        "1,000 bids: opens the winner's channel",
        finalize_many,
    );
    report.row(NAME, finalize_label, "no bids: full refund", finalize_empty);
    report.demo_step(NAME, finalize_label, 1, finalize_few);
    report.trade_path(NAME, finalize_label, opens, finalize_few);
    let ratio = finalize_many.ref_time() as f64 / finalize_few.ref_time() as f64;
    report.figure(
        "finalize_1000_vs_10",
        json!((ratio * 10_000.0).round() / 10_000.0),
        format!(
            "ref_time of finalize with 1,000 revealed bids ({}) / with 10 ({})",
            finalize_many.ref_time(),
            finalize_few.ref_time()
        ),
    );
    report.check(
        format!("incentive_auction finalize with 1,000 bids within 5% of 10 bids ({ratio:.4})"),
        (ratio - 1.0).abs() <= 0.05,
    );
    let commit_drift = commit_weights[commit_weights.len() - 1].ref_time() as f64
        / commit_weights[0].ref_time() as f64;
    report.figure(
        "auction_max_bids",
        json!(u32::MAX - 1),
        format!(
            "bids one auction can take: the model's max_bids, at most {} (u32 commit sequence); \
             no message iterates over bids (1,000th commit / 1st: {commit_drift:.4}); measured \
             here with {MANY}",
            u32::MAX - 1
        ),
    );
    let held: Balance = m
        .chain
        .read(auction.msg(|a| a.total_held()))
        .expect("total_held");
    report.check(
        format!("incentive_auction holds nothing after every auction ended ({held})"),
        held == 0,
    );
}
