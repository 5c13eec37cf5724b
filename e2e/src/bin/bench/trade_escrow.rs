//! trade_escrow: every message on the suite deployed by `cgrid_e2e::parties`, and the headline
//! comparison of settling a trade by channel (open + cooperative close) against settling it on
//! chain every minute (open + one checkpoint per minute + close), both actually executed.

use cgrid_e2e::parties::Parties;
use cgrid_e2e::{Backend, Weight};
use cgrid_shared::{Balance, ChannelId, SignedState};
use serde_json::json;

use crate::harness::{label, must, must_row, must_trade_row};
use crate::report::Report;

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const PRICE: Balance = 250;
const MIN_COST: Balance = 1_000;
const DEPOSIT: Balance = 1_000_000;
const NAME: &str = "trade_escrow";

/// The consumer's signed state `nonce` owing `cumulative`.
fn state(m: &Parties, channel: &ChannelId, nonce: u64, cumulative: Balance) -> SignedState {
    SignedState {
        nonce,
        cumulative,
        signature: m.state(channel, nonce, cumulative),
    }
}

/// A cooperative close of `channel` at `nonce` owing `cumulative`, signed by both channel keys.
fn close(
    m: &Parties,
    channel: &ChannelId,
    nonce: u64,
    cumulative: Balance,
) -> cgrid_suite::Msg<Result<(), trade_escrow::Error>> {
    let (a, b) = m.close_sigs(channel, nonce, cumulative);
    m.suite
        .escrow
        .close_cooperative(channel, nonce, cumulative, &a, &b)
}

pub fn bench(report: &mut Report) {
    report.wasm_sizes(NAME);
    let mut m = Parties::deploy(T0).expect("deploy the suite");
    let deploy_weight = m.suite.contracts[2].weight;
    report.constructor_row(NAME, "upload + instantiate", deploy_weight);
    let (consumer, provider, root) = (m.consumer.clone(), m.provider.clone(), m.root.clone());
    let escrow = m.suite.escrow.clone();
    let mut nonce_offer = 0u8;
    let mut open = |m: &mut Parties, minutes: u64| -> (ChannelId, Weight) {
        nonce_offer += 1;
        let terms = m.terms(PRICE, MIN_COST, (minutes + 60) * MINUTE, nonce_offer);
        m.open(&terms, DEPOSIT)
    };

    // Every message once, on a trade that is checkpointed and closed cooperatively.
    let terms = m.terms(PRICE, MIN_COST, (1_440 + 60) * MINUTE, 0);
    let offer = m.offer_for(&escrow, &terms);
    let case = "role check + offer signature + trade-start credential";
    let open_msg = escrow.open(&terms, &offer, DEPOSIT);
    let (id, _) = must_trade_row(report, &mut m.chain, &consumer, case, 0, open_msg);
    let top_up = escrow
        .msg(|e| e.top_up(id, Some(T0 + 3_000 * MINUTE)))
        .with_value(1_000);
    must_row(
        report,
        &mut m.chain,
        &consumer,
        "value + new expiry",
        top_up,
    );
    m.chain.advance_to(T0 + 60 * MINUTE).expect("time");
    let checkpoint = escrow.checkpoint(&id, &state(&m, &id, 60, 60 * PRICE));
    must_trade_row(
        report,
        &mut m.chain,
        &provider,
        "pays the difference + settlement credential",
        2,
        checkpoint,
    );
    let closing = close(&m, &id, 120, 120 * PRICE);
    must_trade_row(
        report,
        &mut m.chain,
        &consumer,
        "after a checkpoint",
        1,
        closing,
    );

    // The dispute path.
    let (id, _) = open(&mut m, 1_440);
    let stale = state(&m, &id, 10, 10 * PRICE);
    must_trade_row(
        report,
        &mut m.chain,
        &consumer,
        "with a signed state",
        0,
        escrow.start_close(&id, Some(&stale)),
    );
    let newest = state(&m, &id, 40, 40 * PRICE);
    must_trade_row(
        report,
        &mut m.chain,
        &provider,
        "newer state replaces the claim",
        0,
        escrow.challenge(&id, &newest),
    );
    let now = m.chain.time();
    m.chain.advance_to(now + MINUTE).expect("time");
    must_trade_row(
        report,
        &mut m.chain,
        &root,
        "after the window",
        0,
        escrow.finalize(&id),
    );
    let (id, _) = open(&mut m, 10);
    must_row(
        report,
        &mut m.chain,
        &consumer,
        "without a state",
        escrow.start_close(&id, None),
    );
    let (id, _) = open(&mut m, 10);
    let now = m.chain.time();
    m.chain.advance_to(now + 80 * MINUTE).expect("time");
    must_row(
        report,
        &mut m.chain,
        &root,
        "nothing claimed",
        escrow.msg(|e| e.claim_timeout(id)),
    );
    let channel = escrow.channel(&id);
    let message = label(&escrow, &channel);
    let w = m.chain.dry_run(&root, channel).expect("channel").weight;
    report.row(NAME, message, "query", w);

    // Headline: a 1,440-minute trade by channel vs settled on chain every minute.
    let by_channel = |m: &mut Parties,
                      open: &mut dyn FnMut(&mut Parties, u64) -> (ChannelId, Weight),
                      minutes: u64| {
        let (id, opened) = open(m, minutes);
        let total = PRICE * Balance::from(minutes);
        let consumer = m.consumer.clone();
        let closing = close(m, &id, minutes, total);
        let (_, closed) = must(&mut m.chain, &consumer, closing);
        opened.saturating_add(closed)
    };
    let channel_1440 = by_channel(&mut m, &mut open, 1_440);
    let channel_2880 = by_channel(&mut m, &mut open, 2_880);
    let (id, opened) = open(&mut m, 1_440);
    let mut on_chain = opened;
    for minute in 1..=1_440u64 {
        let amount = PRICE * Balance::from(minute);
        let checkpoint = escrow.checkpoint(&id, &state(&m, &id, minute, amount));
        let (_, w) = must(&mut m.chain, &provider, checkpoint);
        on_chain = on_chain.saturating_add(w);
    }
    let closing = close(&m, &id, 1_440, PRICE * 1_440);
    let (_, w) = must(&mut m.chain, &consumer, closing);
    on_chain = on_chain.saturating_add(w);
    report.row_total(
        NAME,
        "open + close_cooperative",
        "1,440-minute trade by channel",
        channel_1440,
    );
    report.row_total(
        NAME,
        "open + close_cooperative",
        "2,880-minute trade by channel",
        channel_2880,
    );
    report.row_total(
        NAME,
        "open + 1,440 x checkpoint + close",
        "1,440-minute trade settled every minute",
        on_chain,
    );
    let ratio = on_chain.ref_time() as f64 / channel_1440.ref_time() as f64;
    let proof_ratio = on_chain.proof_size() as f64 / channel_1440.proof_size() as f64;
    let drift = channel_2880.ref_time() as f64 / channel_1440.ref_time() as f64;
    report.figure(
        "channel_vs_onchain_ratio",
        json!((ratio * 100.0).round() / 100.0),
        format!(
            "ref_time of a 1,440-minute trade settled every minute on chain ({}) / by channel ({}); proof_size ratio {proof_ratio:.1}",
            on_chain.ref_time(),
            channel_1440.ref_time()
        ),
    );
    report.figure(
        "channel_cost_2880_vs_1440",
        json!((drift * 10_000.0).round() / 10_000.0),
        format!(
            "ref_time of a 2,880-minute trade by channel ({}) / a 1,440-minute one ({})",
            channel_2880.ref_time(),
            channel_1440.ref_time()
        ),
    );
    report.check(
        format!("trade_escrow channel_vs_onchain_ratio {ratio:.1} >= 300"),
        ratio >= 300.0,
    );
    report.check(
        format!("trade_escrow 2,880-minute channel cost within 1% of 1,440-minute ({drift:.4})"),
        (drift - 1.0).abs() <= 0.01,
    );
    let owed: Balance = m
        .chain
        .read(escrow.msg(|e| e.total_owed()))
        .expect("total_owed");
    report.check(
        format!("trade_escrow holds exactly what it owes after the bench ({owed})"),
        m.escrow_held() == owed,
    );
}
