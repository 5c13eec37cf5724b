//! Trade setup shared by the demo (`cgrid demo`) and the HTTP API (`cgrid serve`): the demo's
//! parties on a suite, opening a trade (directly on a signed offer, or through the incentive
//! auction), and running a provider–consumer pair over loopback TCP.
//!
//! The demo runs every party in one process, so [`DemoParties`] holds every party's keys:
//! development accounts derived from the deployer (never real parties' keys).

use crate::chain::{ChainClient, SharedChain};
use crate::channel::{ChannelRecord, LocalPhase, Side, Terms};
use crate::session::{self, CheckpointPolicy, Clock};
use crate::store::{ChannelStore as _, RedbStore};
use crate::wire::Conn;
use cgrid_shared::{
    trade_deposit, AuctionPhase, Balance, Bid, DidId, Encryption, Role, TradeTerms,
};
use cgrid_suite::ops::{default_model, energy_certificate, BID_BOND};
use cgrid_suite::{ink_account, AccountId32, Backend, Signer, Suite};
use scale::Encode;
use sp_core::{sr25519, Pair};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};

pub const MINUTE: u64 = 60_000;
/// One year: how long the demo parties' roles last.
const YEAR_MS: u64 = 365 * 24 * 3_600_000;
/// What the demo funds each party with.
const TOKENS: Balance = 1_000_000_000_000_000;

/// A trade's parameters and where the two controllers keep their stores.
#[derive(Debug, Clone)]
pub struct TradeConfig {
    pub minutes: u64,
    pub price_per_minute: Balance,
    pub min_cost: Balance,
    pub policy: CheckpointPolicy,
    /// Where the two controllers keep their stores.
    pub data_dir: PathBuf,
}

/// Longest demo trade (simulated minutes), in `cgrid demo` and the demo API.
pub const MAX_MINUTES: u64 = 10_000;

/// The most a demo trade may hold or charge: a tenth of what the demo funds its consumer with.
pub const MAX_DEMO_AMOUNT: Balance = TOKENS / 10;

impl TradeConfig {
    /// Why these parameters cannot make a demo trade, if they cannot; checked before anything
    /// is sent. The auction holds twice the price for `minutes + 10` minutes.
    pub fn check(&self) -> Result<(), String> {
        if self.minutes == 0 || self.minutes > MAX_MINUTES {
            return Err(format!(
                "minutes must be 1 to {MAX_MINUTES}, not {}",
                self.minutes
            ));
        }
        if self.price_per_minute == 0 {
            return Err("the price per minute must be positive".into());
        }
        let held = self
            .price_per_minute
            .checked_mul(2)
            .and_then(|p| p.checked_mul(Balance::from(self.minutes + 10)));
        if held.is_none_or(|held| held > MAX_DEMO_AMOUNT) {
            return Err(format!(
                "the auction would hold twice the price for {} minutes, more than the demo consumer may spend ({MAX_DEMO_AMOUNT}); lower the price or the minutes",
                self.minutes + 10
            ));
        }
        if self.min_cost > MAX_DEMO_AMOUNT {
            return Err(format!(
                "the minimum cost {} is more than the demo consumer may spend ({MAX_DEMO_AMOUNT})",
                self.min_cost
            ));
        }
        Ok(())
    }
}

/// The demo's parties: a provider and a consumer with DIDs and KYC roles, their channel keys,
/// the root authority's DID (the energy certificates' attestor) and the auction's treasury.
pub struct DemoParties {
    /// The provider's account key (it signs offers).
    pub provider: Signer,
    pub consumer: AccountId32,
    pub provider_did: DidId,
    pub consumer_did: DidId,
    pub root_did: DidId,
    pub treasury: AccountId32,
    /// Channel keys: the consumer's signs cumulative states, the provider's countersigns
    /// cooperative closes.
    pub consumer_key: sr25519::Pair,
    pub provider_key: sr25519::Pair,
}

fn text<E: core::fmt::Debug>(e: cgrid_suite::SuiteError<E>) -> String {
    e.to_string()
}

impl DemoParties {
    /// Funds the parties, creates their DIDs, grants their roles, publishes the energy
    /// certificate template and sets the auction's parameter model on `suite`.
    pub fn setup<B: Backend>(chain: &mut B, suite: &Suite) -> Result<DemoParties, String> {
        let root = chain.deployer();
        // A fixed development key: the provider's account key signs offers.
        let provider = Signer::from_seed(&[0x11; 32]);
        let provider_account = chain.add_signer(&provider);
        let consumer = chain.account([3; 32]);
        let treasury = chain.account([0x7E; 32]);
        for who in [&root, &provider_account, &consumer] {
            chain.fund(who, TOKENS)?;
        }
        let until = chain.time() + YEAR_MS;
        let provider_did = suite.create_did(chain, &provider_account).map_err(text)?;
        let consumer_did = suite.create_did(chain, &consumer).map_err(text)?;
        suite
            .grant_role(chain, provider_did, Role::Provider, until)
            .map_err(text)?;
        suite
            .grant_role(chain, consumer_did, Role::Consumer, until)
            .map_err(text)?;
        let root_did = suite.create_did(chain, &root).map_err(text)?;
        suite.publish_energy_template(chain).map_err(text)?;
        suite
            .set_model(chain, default_model(vec![root_did], &treasury))
            .map_err(text)?;
        Ok(DemoParties {
            provider,
            consumer,
            provider_did,
            consumer_did,
            root_did,
            treasury,
            consumer_key: sr25519::Pair::from_seed(&[0x22; 32]),
            provider_key: sr25519::Pair::from_seed(&[0x33; 32]),
        })
    }

    pub fn provider_account(&self) -> AccountId32 {
        self.provider.account()
    }
}

/// The demo's two controllers' stores, open for the whole run: the provider's and the
/// consumer's. Sessions write them while readers (the API) read them; nothing waits for a
/// session to end to read.
#[derive(Clone)]
pub struct DemoStores {
    pub provider: Arc<RedbStore>,
    pub consumer: Arc<RedbStore>,
}

/// Creates the demo's two stores in `dir` (made if missing), both new. A directory that
/// already holds either (another run's stores, whose channels lived on another chain) is
/// refused and left as it is.
pub fn new_stores(dir: &std::path::Path) -> Result<DemoStores, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let paths = (dir.join("provider.redb"), dir.join("consumer.redb"));
    for path in [&paths.0, &paths.1] {
        if path.exists() {
            return Err(format!(
                "{} already holds {} from an earlier run; pass an empty --data directory (nothing was changed)",
                dir.display(),
                path.file_name().and_then(|n| n.to_str()).unwrap_or("a store")
            ));
        }
    }
    let provider = RedbStore::create(&paths.0).map_err(|e| e.to_string())?;
    let consumer = RedbStore::create(&paths.1).map_err(|e| e.to_string())?;
    Ok(DemoStores {
        provider: Arc::new(provider),
        consumer: Arc::new(consumer),
    })
}

/// The suite on a chain with the demo's parties: what the demo and the API trade on.
pub struct Market<B> {
    pub chain: SharedChain<B>,
    pub parties: Arc<DemoParties>,
}

impl<B> Clone for Market<B> {
    fn clone(&self) -> Self {
        Market {
            chain: self.chain.clone(),
            parties: self.parties.clone(),
        }
    }
}

impl Market<cgrid_suite::embedded::Embedded> {
    /// The suite deployed on a fresh embedded chain at block time `t0`, with the parties.
    pub fn embedded(t0: u64) -> Result<Self, String> {
        Market::deploy(cgrid_suite::embedded::Embedded::new(t0), b"")
    }
}

impl<B: Backend + Send + 'static> Market<B> {
    /// A regulator for the demo's world: the account `hint` names, funded, with a DID that the
    /// root authority grants the Regulator role for a year.
    pub fn regulator(&self, hint: [u8; 32]) -> Result<AccountId32, String> {
        let suite = self.chain.suite();
        let mut chain = self.chain.backend();
        let account = chain.account(hint);
        chain.fund(&account, TOKENS)?;
        let did = suite.create_did(&mut *chain, &account).map_err(text)?;
        let until = chain.time() + YEAR_MS;
        suite
            .grant_role(&mut *chain, did, Role::Regulator, until)
            .map_err(text)?;
        Ok(account)
    }

    /// `regulator` masks the trade of `channel` whole, for reason `reason_code`.
    pub fn mask_trade(
        &self,
        regulator: &AccountId32,
        channel: cgrid_shared::ChannelId,
        reason_code: u16,
    ) -> Result<(), String> {
        use cgrid_shared::{Scope, Target};
        let suite = self.chain.suite();
        self.chain
            .backend()
            .send(
                regulator,
                suite.masks.msg(|m| {
                    m.mask(
                        Target::Trade(channel),
                        Scope::Whole,
                        false,
                        reason_code,
                        [7; 32],
                        [0; 32],
                    )
                }),
            )
            .map(|_| ())
            .map_err(text)
    }

    /// Deploys the suite with address salt `salt` and sets up the parties on it.
    pub fn deploy(mut backend: B, salt: &[u8]) -> Result<Self, String> {
        let suite = Suite::deploy(&mut backend, salt)?;
        let parties = DemoParties::setup(&mut backend, &suite)?;
        Ok(Market {
            chain: SharedChain::new(backend, suite),
            parties: Arc::new(parties),
        })
    }

    /// A client acting as the provider.
    pub fn provider(&self) -> crate::chain::Client<B> {
        self.chain
            .client(self.parties.provider_account(), "provider")
    }

    /// A client acting as the consumer.
    pub fn consumer(&self) -> crate::chain::Client<B> {
        self.chain.client(self.parties.consumer.clone(), "consumer")
    }

    /// Terms of a trade between the parties, expiring `lifetime_ms` from now, with a
    /// one-minute challenge period.
    fn terms(&self, config: &TradeConfig, lifetime_ms: u64, offer_nonce: u64) -> TradeTerms {
        let p = &self.parties;
        let mut nonce = [0u8; 32];
        nonce[..8].copy_from_slice(&offer_nonce.to_le_bytes());
        TradeTerms {
            provider: ink_account(&p.provider_account()),
            consumer: ink_account(&p.consumer),
            spec: "16 vCPU / 64 GiB / 1x A100".into(),
            price_per_minute: config.price_per_minute,
            min_cost: config.min_cost,
            checkin_cpt: 3,
            encryption: Encryption::Plain,
            consumer_key: p.consumer_key.public().0,
            provider_key: p.provider_key.public().0,
            challenge_period: 60_000,
            expires_at: self.chain.backend().time() + lifetime_ms,
            offer_nonce: nonce,
        }
    }
}

/// Advances a simulated clock by one minute per billing interval; on a node (real time) the
/// intervals run back to back.
struct ChainClock<B>(SharedChain<B>);

impl<B: Backend + Send + 'static> Clock for ChainClock<B> {
    fn advance(&self) {
        let mut backend = self.0.backend();
        if backend.simulated_time() {
            let now = backend.time();
            // Cannot fail on the embedded chain.
            let _ = backend.advance_to(now + MINUTE);
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

/// Both sides' records of a channel just opened on `terms`.
fn open_records(terms: Terms) -> (ChannelRecord, ChannelRecord) {
    let open = |side| {
        let mut record = ChannelRecord::new(terms.clone(), side);
        record.phase = LocalPhase::Open;
        record
    };
    (open(Side::Provider), open(Side::Consumer))
}

/// Opens a channel as the consumer on the provider's signed offer (deposit: `minutes + 10`
/// minutes' worth); returns both sides' records (provider, consumer).
pub fn open_trade<B: Backend + Send + 'static>(
    market: &Market<B>,
    config: &TradeConfig,
    minutes: u64,
    offer_nonce: u64,
) -> Result<(ChannelRecord, ChannelRecord), String> {
    let terms = market.terms(config, (minutes + 120) * MINUTE, offer_nonce);
    let offer = {
        let mut backend = market.chain.backend();
        market
            .chain
            .suite()
            .sign_offer(&mut *backend, &market.parties.provider, &terms)?
    };
    let deposit = config
        .price_per_minute
        .saturating_mul(Balance::from(minutes + 10))
        .max(config.min_cost);
    let client = market.consumer();
    let id = client
        .open(&terms, &offer, deposit)
        .map_err(|e| e.to_string())?;
    Ok(open_records(Terms {
        channel: id,
        escrow: client.escrow(),
        price_per_minute: terms.price_per_minute,
        min_cost: terms.min_cost,
        deposit,
        consumer_key: terms.consumer_key,
        provider_key: terms.provider_key,
        expires_at: terms.expires_at,
        challenge_period: terms.challenge_period,
    }))
}

/// Opens a trade of `minutes` minutes (+10 minutes' slack) through the incentive auction:
/// the consumer's request (maximum price twice the configured one), a sealed bid by a cheaper
/// uncertified rival and one by the demo's provider at the configured price with its energy
/// certificate, reveals, finalize. Returns both sides' records (provider, consumer) and a
/// report of the auction.
pub fn open_through_auction<B: Backend + Send + 'static>(
    market: &Market<B>,
    config: &TradeConfig,
    minutes: u64,
) -> Result<(ChannelRecord, ChannelRecord, String), String> {
    let mut out = String::new();
    let chain = &market.chain;
    let suite = chain.suite();
    let parties = &market.parties;
    let window = auction_window(chain.simulated_time());
    let duration = u32::try_from(minutes + 10).map_err(|_| "the trade is too long")?;
    let max_price = config.price_per_minute.saturating_mul(2);
    let now = chain.backend().time();
    let request = cgrid_shared::AuctionRequest {
        spec: "16 vCPU / 64 GiB / 1x A100".into(),
        max_price_per_minute: max_price,
        duration_minutes: duration,
        min_cost: config.min_cost,
        commit_deadline: now + window,
        reveal_deadline: now + 2 * window,
        weights: None,
        consumer_key: parties.consumer_key.public().0,
        checkin_cpt: 3,
        encryption: Encryption::Plain,
        challenge_period: 60_000,
    };
    let (commit_deadline, reveal_deadline) = (request.commit_deadline, request.reveal_deadline);
    let held = trade_deposit(max_price, duration, config.min_cost).ok_or("deposit overflows")?;
    let consumer = parties.consumer.clone();
    let auction = chain
        .send(
            &consumer,
            "consumer",
            suite
                .auction
                .msg(|a| a.create_auction(request))
                .with_value(held),
        )
        .map_err(text)?;

    let provider = parties.provider_account();
    // A rival provider: funded, with a DID and the Provider role, and no certificate.
    let rival = {
        let mut backend = chain.backend();
        let rival = backend.account([0x50; 32]);
        backend.fund(&rival, TOKENS)?;
        let did = suite.create_did(&mut *backend, &rival).map_err(text)?;
        let until = backend.time() + YEAR_MS;
        suite
            .grant_role(&mut *backend, did, Role::Provider, until)
            .map_err(text)?;
        rival
    };
    let figures = [8_000, 120, 1_250, 200];
    let certificate = energy_certificate(
        parties.root_did,
        parties.provider_did,
        figures,
        sp_core::hashing::blake2_256(&(b"cgrid-demo-cert", parties.provider_did).encode()),
    );
    {
        let mut backend = chain.backend();
        let root = backend.deployer();
        suite
            .issue(&mut *backend, &root, &certificate)
            .map_err(text)?;
    }
    let green = Bid {
        price_per_minute: config.price_per_minute,
        attributes: figures.map(Some),
        provider_key: parties.provider_key.public().0,
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
        let hash = suite.bid_hash(auction, who, bid, &[salt; 32]);
        chain
            .send(
                who,
                by,
                suite
                    .auction
                    .msg(|a| a.commit(auction, hash))
                    .with_value(BID_BOND),
            )
            .map_err(text)?;
    }
    chain.advance_to(commit_deadline)?;
    let _ = writeln!(
        out,
        "\nauction {auction}: {duration} minutes at up to {max_price} per minute; consumer deposit {held}"
    );
    for (by, who, bid, salt) in bids {
        let proofs = if by == "provider" {
            certificate.proofs.clone().map(Some)
        } else {
            Default::default()
        };
        let outcome = chain
            .send(
                who,
                by,
                suite
                    .auction
                    .msg(|a| a.reveal(auction, bid.clone(), [salt; 32], proofs.into())),
            )
            .map_err(text)?;
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
    chain.advance_to(reveal_deadline)?;
    chain
        .send(
            &consumer,
            "consumer",
            suite.auction.msg(|a| a.finalize(auction)),
        )
        .map_err(text)?
        .ok_or("the auction opened no trade")?;
    // The channel as the auction recorded it: on a node the value above is the dry run's, and
    // the channel id depends on the block time.
    let recorded = chain
        .backend()
        .read(suite.auction.msg(|a| a.auction(auction)))
        .map_err(text)?
        .map(|view| view.record);
    let channel = match recorded {
        Some(cgrid_shared::Auction {
            phase:
                AuctionPhase::Finalized {
                    channel: Some(channel),
                    ..
                },
            ..
        }) => channel,
        _ => return Err("the auction did not record its trade's channel".into()),
    };
    let ch = market
        .provider()
        .channel(&channel)
        .map_err(|e| e.to_string())?
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
    let (p, c) = open_records(Terms {
        channel,
        escrow: suite.escrow.account(),
        price_per_minute: ch.price_per_minute,
        min_cost: ch.min_cost,
        deposit: ch.deposit,
        consumer_key: ch.consumer_key,
        provider_key: ch.provider_key,
        expires_at: ch.expires_at,
        challenge_period: ch.challenge_period,
    });
    Ok((p, c, out))
}

/// Runs the billing of `minutes` minutes between the two controllers over loopback TCP.
/// Returns the records (provider, consumer) after the session.
pub async fn run_pair<B: Backend + Send + 'static>(
    market: &Market<B>,
    stores: &DemoStores,
    mut provider_record: ChannelRecord,
    mut consumer_record: ChannelRecord,
    minutes: u64,
    policy: CheckpointPolicy,
    close: bool,
) -> Result<(ChannelRecord, ChannelRecord), String> {
    let consumer_key = market.parties.consumer_key.clone();
    let provider_key = market.parties.provider_key.clone();
    let escrow_bytes: [u8; 32] = *market.chain.suite().escrow.account().as_ref();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let consumer_store = stores.consumer.clone();
    let consumer = tokio::spawn(async move {
        let store = &*consumer_store;
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
        session::consume(&mut conn, store, &mut consumer_record, &consumer_key)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(consumer_record)
    });
    let store = &*stores.provider;
    store
        .save_channel(&provider_record)
        .map_err(|e| e.to_string())?;
    let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
    let mut conn = Conn::new(stream);
    conn.handshake(Side::Provider, escrow_bytes)
        .await
        .map_err(|e| e.to_string())?;
    let client = market.provider();
    let clock = ChainClock(market.chain.clone());
    session::provide(
        &mut conn,
        store,
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
            store,
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
