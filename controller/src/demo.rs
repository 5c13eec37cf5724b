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

use crate::chain::{Chain, EmbeddedChain, MarketChain};
use crate::channel::{ChannelRecord, Phase, Side, Terms};
use crate::session::{self, CheckpointPolicy, Clock, Watched};
use crate::store::Store;
use crate::wire::Conn;
use cgrid_e2e::market::BID_BOND;
use cgrid_e2e::{ink_account, Backend};
use cgrid_shared::{trade_deposit, Balance, Bid, ChannelId, TradeTerms};
use std::fmt::Write as _;
use std::path::PathBuf;
use tokio::net::{TcpListener, TcpStream};

pub const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;

#[derive(Debug, Clone)]
pub struct DemoConfig {
    pub minutes: u64,
    pub price_per_minute: Balance,
    pub min_cost: Balance,
    pub policy: CheckpointPolicy,
    /// Where the two controllers keep their stores.
    pub data_dir: PathBuf,
}

/// Advances a simulated clock by one minute per billing interval; on a node (real time) the
/// intervals run back to back.
struct MarketClock<B>(MarketChain<B>);

impl<B: Backend + Send + 'static> Clock for MarketClock<B> {
    fn advance(&self) {
        let mut market = self.0.market();
        if market.chain.simulated_time() {
            let now = market.chain.time();
            // Cannot fail on the embedded chain.
            let _ = market.chain.advance_to(now + MINUTE);
        }
    }
}

/// How long the auction's commit and reveal windows stay open: ten simulated minutes, or on a
/// node the contracts' minimum plus slack for the time between reading the clock and the block.
fn auction_window(simulated: bool) -> u64 {
    if simulated {
        10 * MINUTE
    } else {
        incentive_auction::MIN_WINDOW + 20_000
    }
}

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

fn record_for(
    terms: &TradeTerms,
    channel: [u8; 32],
    deposit: Balance,
    escrow: ink::primitives::AccountId,
    side: Side,
) -> ChannelRecord {
    let mut record = ChannelRecord::new(
        Terms {
            channel,
            escrow,
            price_per_minute: terms.price_per_minute,
            min_cost: terms.min_cost,
            deposit,
            consumer_key: terms.consumer_key,
            provider_key: terms.provider_key,
            expires_at: terms.expires_at,
            challenge_period: terms.challenge_period,
        },
        side,
    );
    record.phase = Phase::Open;
    record
}

/// Opens a channel as the consumer on the provider's signed offer (deposit: `minutes + 10`
/// minutes' worth); returns both sides' records (provider, consumer).
pub fn open_trade<B: Backend + Send + 'static>(
    chain: &MarketChain<B>,
    config: &DemoConfig,
    minutes: u64,
    offer_nonce: u64,
) -> Result<(ChannelRecord, ChannelRecord), String> {
    let (terms, offer, consumer) = {
        let mut market = chain.market();
        let mut terms = market.terms(
            config.price_per_minute,
            config.min_cost,
            (minutes + 120) * MINUTE,
            0,
        );
        terms.offer_nonce[..8].copy_from_slice(&offer_nonce.to_le_bytes());
        let escrow = market.escrow.clone();
        let offer = market.offer_for(&escrow, &terms);
        (terms, offer, market.consumer.clone())
    };
    let deposit = config
        .price_per_minute
        .saturating_mul(Balance::from(minutes + 10))
        .max(config.min_cost);
    let client = chain.client(consumer, "consumer");
    let id = client
        .open(&terms, &offer, deposit)
        .map_err(|e| e.to_string())?;
    let escrow = client.escrow();
    Ok((
        record_for(&terms, id, deposit, escrow, Side::Provider),
        record_for(&terms, id, deposit, escrow, Side::Consumer),
    ))
}

/// Opens a trade of `minutes` minutes (+10 minutes' slack) through the incentive auction:
/// the consumer's request (maximum price twice the configured one), a sealed bid by a cheaper
/// uncertified rival and one by the demo's provider at the configured price with its energy
/// certificate, reveals, finalize. Returns both sides' records (provider, consumer) and a
/// report of the auction.
pub fn open_through_auction<B: Backend + Send + 'static>(
    chain: &MarketChain<B>,
    config: &DemoConfig,
    minutes: u64,
) -> Result<(ChannelRecord, ChannelRecord, String), String> {
    use sp_core::Pair as _;
    let mut out = String::new();
    let mut market = chain.market();
    let log = |by: &'static str, message: &'static str, weight| chain.log(by, message, weight);
    let window = auction_window(market.chain.simulated_time());
    let duration = u32::try_from(minutes + 10).map_err(|_| "the trade is too long")?;
    let max_price = config.price_per_minute.saturating_mul(2);
    let request = market.auction_request(max_price, duration, config.min_cost, window, window);
    let (commit_deadline, reveal_deadline) = (request.commit_deadline, request.reveal_deadline);
    let held = trade_deposit(max_price, duration, config.min_cost).ok_or("deposit overflows")?;
    let consumer = market.consumer.clone();
    let called = market.auction_tx::<u64>(&consumer, "create_auction", request, held)?;
    let auction = called.value.map_err(|e| format!("create_auction: {e:?}"))?;
    log("consumer", "create_auction", called.weight);

    let provider = market.provider.clone();
    let provider_did = market.provider_did;
    let (rival, _) = market.add_provider(1)?;
    let figures = [8_000, 120, 1_250, 200];
    let (_, proofs) = market.certify(provider_did, figures, 1)?;
    let green = Bid {
        price_per_minute: config.price_per_minute,
        attributes: figures.map(Some),
        provider_key: market.provider_key.public().0,
    };
    let cheap = Bid {
        price_per_minute: config.price_per_minute.saturating_sub(1).max(1),
        attributes: [None; 4],
        provider_key: [0x77; 32],
    };
    let bids = [
        ("provider", &provider, &green, 1u8),
        ("rival", &rival, &cheap, 2u8),
    ];
    for (by, who, bid, salt) in bids {
        let hash = market.bid_hash(auction, who, bid, &[salt; 32]);
        let called = market.auction_tx::<u32>(who, "commit", (auction, hash), BID_BOND)?;
        called.value.map_err(|e| format!("commit: {e:?}"))?;
        log(by, "commit", called.weight);
    }
    market.chain.advance_to(commit_deadline)?;
    let _ = writeln!(
        out,
        "
auction {auction}: {duration} minutes at up to {max_price} per minute; consumer deposit {held}"
    );
    for (by, who, bid, salt) in bids {
        let proofs = if by == "provider" {
            proofs.clone().map(Some)
        } else {
            Default::default()
        };
        let called = market.auction_tx::<incentive_auction::RevealOutcome>(
            who,
            "reveal",
            (auction, bid, [salt; 32], proofs),
            0,
        )?;
        let outcome = called.value.map_err(|e| format!("reveal: {e:?}"))?;
        log(by, "reveal", called.weight);
        let proven = bid
            .attributes
            .iter()
            .zip(outcome.flaws)
            .filter(|(value, flaw)| value.is_some() && flaw.is_none())
            .count();
        let _ = writeln!(
            out,
            "  {by:<8} bid {} per minute, {} attributes proven by credential: score {}",
            bid.price_per_minute, proven, outcome.score
        );
    }
    market.chain.advance_to(reveal_deadline)?;
    let called = market.auction_tx::<Option<ChannelId>>(&consumer, "finalize", auction, 0)?;
    called
        .value
        .map_err(|e| format!("finalize: {e:?}"))?
        .ok_or("the auction opened no trade")?;
    log("consumer", "finalize", called.weight);
    // The channel as the auction recorded it: on a node the value above is the dry run's, and
    // the channel id depends on the block time.
    let channel = match market.auction_query::<Option<cgrid_shared::Auction>>("auction", auction) {
        Some(cgrid_shared::Auction {
            phase:
                cgrid_shared::AuctionPhase::Finalized {
                    channel: Some(channel),
                    ..
                },
            ..
        }) => channel,
        _ => return Err("the auction did not record its trade's channel".into()),
    };
    let ch = market
        .channel(&channel)
        .ok_or("the escrow has no channel for the auction's trade")?;
    if ch.provider != ink_account(&provider) {
        return Err("the certified provider did not win".into());
    }
    let _ = writeln!(
        out,
        "  the certified provider wins at {} per minute; finalize opened its channel with deposit {} and refunded {}",
        ch.price_per_minute,
        ch.deposit,
        held - ch.deposit
    );
    let terms = Terms {
        channel,
        escrow: ink_account(&market.escrow),
        price_per_minute: ch.price_per_minute,
        min_cost: ch.min_cost,
        deposit: ch.deposit,
        consumer_key: ch.consumer_key,
        provider_key: ch.provider_key,
        expires_at: ch.expires_at,
        challenge_period: ch.challenge_period,
    };
    let open = |side| {
        let mut record = ChannelRecord::new(terms.clone(), side);
        record.phase = Phase::Open;
        record
    };
    Ok((open(Side::Provider), open(Side::Consumer), out))
}

/// Runs the billing of `minutes` minutes between the two controllers over loopback TCP.
/// Returns the records (provider, consumer) after the session.
pub async fn run_pair<B: Backend + Send + 'static>(
    chain: &MarketChain<B>,
    stores: &(PathBuf, PathBuf),
    mut provider_record: ChannelRecord,
    mut consumer_record: ChannelRecord,
    minutes: u64,
    policy: CheckpointPolicy,
    close: bool,
) -> Result<(ChannelRecord, ChannelRecord), String> {
    let (provider_account, consumer_key, provider_key, escrow) = {
        let market = chain.market();
        (
            market.provider.clone(),
            market.consumer_key.clone(),
            market.provider_key.clone(),
            ink_account(&market.escrow),
        )
    };
    let escrow_bytes: [u8; 32] = *escrow.as_ref();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let consumer_store_path = stores.1.clone();
    let consumer = tokio::spawn(async move {
        let store = Store::open(&consumer_store_path).map_err(|e| e.to_string())?;
        store
            .save_channel(&consumer_record)
            .map_err(|e| e.to_string())?;
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let mut conn = Conn::new(stream);
        conn.handshake(Side::Consumer, escrow_bytes)
            .await
            .map_err(|e| e.to_string())?;
        session::consume(&mut conn, &store, &mut consumer_record, &consumer_key)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(consumer_record)
    });
    let store = Store::open(&stores.0).map_err(|e| e.to_string())?;
    store
        .save_channel(&provider_record)
        .map_err(|e| e.to_string())?;
    let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
    let mut conn = Conn::new(stream);
    conn.handshake(Side::Provider, escrow_bytes)
        .await
        .map_err(|e| e.to_string())?;
    let client = chain.client(provider_account, "provider");
    let clock = MarketClock(chain.clone());
    session::provide(
        &mut conn,
        &store,
        Some(&client),
        &mut provider_record,
        minutes,
        policy,
        &clock,
    )
    .await
    .map_err(|e| format!("provider: {e}"))?;
    if close {
        session::close_cooperatively(
            &mut conn,
            &store,
            &client,
            &mut provider_record,
            &provider_key,
        )
        .await
        .map_err(|e| format!("provider close: {e}"))?;
    }
    drop(conn);
    let consumer_record = consumer
        .await
        .map_err(|e| format!("consumer task: {e}"))?
        .map_err(|e| format!("consumer: {e}"))?;
    Ok((provider_record, consumer_record))
}

/// Runs the demo on the embedded chain; the report's `text` is what the CLI prints.
pub async fn run(config: DemoConfig) -> Result<DemoReport, String> {
    let chain = EmbeddedChain::deploy(T0)?;
    run_on(
        chain,
        "the embedded chain (pallet-contracts, release bundles)",
        config,
    )
    .await
}

/// Runs the demo on a node at `url`, deploying a fresh suite as `suri` (e.g. `//Alice`).
#[cfg(feature = "node")]
pub async fn run_on_node(url: &str, suri: &str, config: DemoConfig) -> Result<DemoReport, String> {
    let node = cgrid_e2e::node::Node::connect(url, suri)?;
    let chain = MarketChain::new(cgrid_e2e::market::Market::deploy_on(node)?);
    run_on(
        chain,
        &format!("the node at {url} (release bundles)"),
        config,
    )
    .await
}

/// Runs the demo on a deployed suite with its fixtures.
pub async fn run_on<B: Backend + Send + 'static>(
    chain: MarketChain<B>,
    on: &str,
    config: DemoConfig,
) -> Result<DemoReport, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    let stores = (
        config.data_dir.join("provider.redb"),
        config.data_dir.join("consumer.redb"),
    );
    for path in [&stores.0, &stores.1] {
        if path.exists() {
            std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let mut out = String::new();
    {
        let market = chain.market();
        let _ = writeln!(out, "ComputeGrid demo on {on}");
        for cgrid_e2e::market::Deployed { name, weight, .. } in &market.deployments {
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
            market.provider,
            cgrid_shared::did_to_string(&market.provider_did),
            market.consumer,
            cgrid_shared::did_to_string(&market.consumer_did)
        );
    }

    // The trade, through the auction.
    let (provider_record, consumer_record, auction_report) =
        open_through_auction(&chain, &config, config.minutes)?;
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
        &chain,
        &stores,
        provider_record,
        consumer_record,
        config.minutes,
        config.policy,
        true,
    )
    .await?;
    let (paid, refunded) = match provider_record.phase {
        Phase::Closed { paid, refunded } => (paid, refunded),
        other => return Err(format!("the trade did not close: {other:?}")),
    };
    if consumer_record.latest != provider_record.latest {
        return Err("provider and consumer disagree on the newest state".into());
    }
    let history = Store::open(&stores.0)
        .and_then(|s| s.history(&id))
        .map_err(|e| e.to_string())?;
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
    let sent = chain.sent();
    let mut channel_weight = cgrid_e2e::Weight::zero();
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
    let open_close: cgrid_e2e::Weight = sent
        .iter()
        .filter(|s| s.message != "checkpoint")
        .fold(cgrid_e2e::Weight::zero(), |a, s| a.saturating_add(s.weight));
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
    let (p2, c2) = open_trade(&chain, &config, dispute_minutes, 2)?;
    let id2 = p2.id();
    let no_checkpoints = CheckpointPolicy {
        every_minutes: 0,
        threshold: 0,
    };
    let (mut p2, _c2) = run_pair(
        &chain,
        &stores,
        p2,
        c2,
        dispute_minutes,
        no_checkpoints,
        false,
    )
    .await?;
    let consumer_history = Store::open(&stores.1)
        .and_then(|s| s.history(&id2))
        .map_err(|e| e.to_string())?;
    let stale = consumer_history
        .get(2)
        .copied()
        .ok_or("the consumer has no minute-3 state")?;
    let consumer = chain.client(chain.market().consumer.clone(), "consumer");
    consumer
        .start_close(&id2, Some(&stale))
        .map_err(|e| e.to_string())?;
    let provider = chain.client(chain.market().provider.clone(), "provider");
    let store = Store::open(&stores.0).map_err(|e| e.to_string())?;
    let first = session::watch(&store, &provider, &mut p2).map_err(|e| e.to_string())?;
    chain.advance_to(provider.now() + p2.terms.challenge_period)?;
    let second = session::watch(&store, &provider, &mut p2).map_err(|e| e.to_string())?;
    let dispute_expected = p2.owed().max(p2.terms.min_cost);
    let dispute_paid = match p2.phase {
        Phase::Closed { paid, .. } => paid,
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
