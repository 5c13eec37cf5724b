//! The main job: the whole trade flow on the embedded chain (or, with `--url`, on a node), with
//! a provider and a consumer controller talking over loopback TCP.
//!
//! On the embedded chain the block time is simulated: each billing interval moves it a minute,
//! the auction's windows are ten minutes. On a node time is real: the windows are the
//! contracts' minimum (a minute) plus slack, the billed minutes are simulated (the intervals run
//! back to back), and the run waits for the windows and the challenge period (~4 minutes).
//!
//! 1. Deploy and wire the suite (did_registry → vc_templates → trade_escrow →
//!    incentive_auction) on an in-process pallet-contracts runtime with the release bundles;
//!    the authority registers DIDs for a provider and a consumer, grants their KYC roles and
//!    sets the auction's parameter model.
//! 2. The consumer posts an auction request with its deposit; two providers commit sealed
//!    bids — a cheaper one, and the demo's provider with an energy certificate the authority
//!    issued — and reveal them; the certified bid scores higher and finalize opens its channel
//!    in the escrow (which anchors the trade-start credential) and refunds the consumer the
//!    unused part of the deposit.
//! 3. The two controllers bill `minutes` simulated minutes: tick → signed state → stored →
//!    acknowledged; the provider checkpoints on its policy; then they close cooperatively.
//! 4. A second, short trade shows the watchtower: the consumer tries to close with a stale
//!    state; the provider's watchtower challenges with the newest one; the close pays that.
//! 5. A report: terms, minutes, amounts, every on-chain call with its weight, and the weight of
//!    settling the same trade on chain every minute.

use crate::chain::ChainClient as _;
use crate::channel::LocalPhase;
use crate::session::{self, CheckpointPolicy, Watched};
use crate::store::ChannelStore as _;
use crate::trade::{open_through_auction, open_trade, run_pair, Market, TradeConfig};
use cgrid_shared::Balance;
use cgrid_suite::{Backend, Weight};
use std::fmt::Write as _;

pub const T0: u64 = 1_700_000_000_000;

/// What the demo measured.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub text: String,
    pub minutes: u64,
    pub paid: Balance,
    pub refunded: Balance,
    pub deposit: Balance,
    pub dispute_paid: Balance,
    pub dispute_expected: Balance,
    pub onchain_calls: usize,
    pub channel_ref_time: u64,
    pub per_minute_ref_time: u64,
}

/// Runs the demo on the embedded chain; the report's `text` is what the CLI prints.
pub async fn run(config: TradeConfig) -> Result<DemoReport, String> {
    let market = Market::embedded(T0)?;
    run_on(
        market,
        "the embedded chain (pallet-contracts, release bundles)",
        config,
    )
    .await
}

/// Runs the demo on a node at `url`, deploying a fresh suite as `deployer` (e.g. `//Alice`).
#[cfg(feature = "node")]
pub async fn run_on_node(
    url: &str,
    deployer: &cgrid_suite::Signer,
    config: TradeConfig,
) -> Result<DemoReport, String> {
    let mut node = cgrid_suite::node::NodeClient::connect(url, deployer)?;
    node.report_waits(cgrid_suite::node::waits_to_stderr());
    // A node keeps what earlier runs deployed: a fresh salt gives fresh addresses.
    let salt = node.time().to_le_bytes();
    let market = Market::deploy(node, &salt)?;
    run_on(
        market,
        &format!("the node at {url} (release bundles)"),
        config,
    )
    .await
}

/// Why `config` cannot run the demo, if it cannot: [`TradeConfig::check`], and the demo shows a
/// checkpoint, so the policy must make one within the trade. Checked before anything is sent.
pub fn check(config: &TradeConfig) -> Result<(), String> {
    config.check()?;
    let CheckpointPolicy {
        every_minutes,
        threshold,
    } = config.policy;
    let by_time = every_minutes >= 1 && every_minutes < config.minutes;
    let owed = config
        .price_per_minute
        .saturating_mul(Balance::from(config.minutes));
    let by_amount = threshold >= 1 && threshold < owed;
    if !by_time && !by_amount {
        return Err(format!(
            "the demo shows a checkpoint: --checkpoint-every must be 1 to {} (below --minutes {}), or --checkpoint-threshold below {owed}",
            config.minutes.saturating_sub(1),
            config.minutes
        ));
    }
    Ok(())
}

/// Runs the demo on a suite with the demo's parties.
pub async fn run_on<B: Backend + Send + 'static>(
    market: Market<B>,
    on: &str,
    config: TradeConfig,
) -> Result<DemoReport, String> {
    let stores = crate::trade::new_stores(&config.data_dir)?;
    let mut out = String::new();
    {
        let _ = writeln!(out, "ComputeGrid demo on {on}");
        for cgrid_suite::Deployed { name, weight, .. } in &market.chain.suite().contracts {
            let _ = writeln!(
                out,
                "  deployed {name:<17} ref_time {:>13}  proof_size {:>7}",
                weight.ref_time(),
                weight.proof_size()
            );
        }
        let _ = writeln!(
            out,
            "  provider {}  DID {}\n  consumer {}  DID {}",
            market.parties.provider_account(),
            cgrid_shared::did_to_string(&market.parties.provider_did),
            market.parties.consumer,
            cgrid_shared::did_to_string(&market.parties.consumer_did)
        );
    }

    // The trade, through the auction.
    let (provider_record, consumer_record, auction_report) =
        open_through_auction(&market, &config, config.minutes)?;
    out.push_str(&auction_report);
    let id = provider_record.id();
    let deposit = provider_record.terms.deposit;
    let _ = writeln!(
        out,
        "\ntrade 0x{}: {} per minute, minimum {}, deposit {}, challenge period {} s",
        hex::encode(id),
        config.price_per_minute,
        config.min_cost,
        deposit,
        provider_record.terms.challenge_period / 1_000
    );
    let (provider_record, consumer_record) = run_pair(
        &market,
        &stores,
        provider_record,
        consumer_record,
        config.minutes,
        config.policy,
        true,
    )
    .await?;
    let (paid, refunded) = match provider_record.phase {
        LocalPhase::Closed { paid, refunded } => (paid, refunded),
        other => return Err(format!("the trade did not close: {other:?}")),
    };
    if consumer_record.latest != provider_record.latest {
        return Err("provider and consumer disagree on the newest state".into());
    }
    let history = stores.provider.history(&id).map_err(|e| e.to_string())?;
    let _ = writeln!(
        out,
        "  billed {} minutes over loopback TCP; {} signed states stored durably by each side",
        provider_record.minutes(),
        history.len()
    );
    let _ = writeln!(
        out,
        "  closed cooperatively: provider paid {paid}, consumer refunded {refunded} (deposit {deposit})"
    );
    let sent = market.chain.sent();
    let mut channel_weight = Weight::zero();
    let mut checkpoint_weight = None;
    let _ = writeln!(out, "  on-chain calls:");
    for s in &sent {
        let _ = writeln!(
            out,
            "    {:<8} {:<18} ref_time {:>13}  proof_size {:>7}",
            s.by,
            s.message,
            s.weight.ref_time(),
            s.weight.proof_size()
        );
        channel_weight = channel_weight.saturating_add(s.weight);
        if s.message == "checkpoint" {
            checkpoint_weight.get_or_insert(s.weight);
        }
    }
    let calls = sent.len();
    // Settling every minute on chain: the same opening (auction) and close plus one checkpoint
    // per minute.
    let per_checkpoint =
        checkpoint_weight.ok_or("no checkpoint was made; lower --checkpoint-every")?;
    let open_close: Weight = sent
        .iter()
        .filter(|s| s.message != "checkpoint")
        .fold(Weight::zero(), |a, s| a.saturating_add(s.weight));
    let per_minute = open_close.saturating_add(per_checkpoint.saturating_mul(config.minutes));
    let _ = writeln!(
        out,
        "  total on chain: {calls} calls, ref_time {} (proof_size {}); settling every minute on chain \
         would be ~{} (open + close + {} checkpoints): {:.0}x more",
        channel_weight.ref_time(),
        channel_weight.proof_size(),
        per_minute.ref_time(),
        config.minutes,
        per_minute.ref_time() as f64 / channel_weight.ref_time() as f64
    );

    // The watchtower: a consumer closes with a stale state.
    let dispute_minutes = 10;
    let (p2, c2) = open_trade(&market, &config, dispute_minutes, 2)?;
    let id2 = p2.id();
    let no_checkpoints = CheckpointPolicy {
        every_minutes: 0,
        threshold: 0,
    };
    let (mut p2, _c2) = run_pair(
        &market,
        &stores,
        p2,
        c2,
        dispute_minutes,
        no_checkpoints,
        false,
    )
    .await?;
    let consumer_history = stores.consumer.history(&id2).map_err(|e| e.to_string())?;
    let stale = consumer_history
        .get(2)
        .copied()
        .ok_or("the consumer has no minute-3 state")?;
    let consumer = market.consumer();
    consumer
        .start_close(&id2, Some(&stale))
        .map_err(|e| e.to_string())?;
    let provider = market.provider();
    let store = &*stores.provider;
    let first = session::watch(store, &provider, &mut p2).map_err(|e| e.to_string())?;
    market
        .chain
        .advance_to(provider.now() + p2.terms.challenge_period)?;
    let second = session::watch(store, &provider, &mut p2).map_err(|e| e.to_string())?;
    let dispute_expected = p2.owed().max(p2.terms.min_cost);
    let dispute_paid = match p2.phase {
        LocalPhase::Closed { paid, .. } => paid,
        other => return Err(format!("the disputed trade did not close: {other:?}")),
    };
    let _ = writeln!(
        out,
        "\nwatchtower: trade 0x{} billed {dispute_minutes} minutes; the consumer started a close with its minute-{} state",
        hex::encode(id2),
        stale.nonce
    );
    let _ = writeln!(out, "  watchtower: {first:?}, then {second:?}");
    let _ = writeln!(
        out,
        "  provider paid {dispute_paid} (newest state: {}; minimum charge {})",
        p2.owed(),
        p2.terms.min_cost
    );
    if first
        != (Watched::Challenged {
            claimed: stale.nonce,
            with: dispute_minutes,
        })
        || second != Watched::Finalized
    {
        return Err("the watchtower did not challenge and finalize".into());
    }
    if dispute_paid != dispute_expected {
        return Err(format!(
            "the disputed trade paid {dispute_paid}, expected {dispute_expected}"
        ));
    }
    Ok(DemoReport {
        text: out,
        minutes: provider_record.minutes(),
        paid,
        refunded,
        deposit,
        dispute_paid,
        dispute_expected,
        onchain_calls: calls,
        channel_ref_time: channel_weight.ref_time(),
        per_minute_ref_time: per_minute.ref_time(),
    })
}
