//! Controller benchmark: signed updates per second and tick latency between two controller
//! processes on loopback TCP with durable storage (redb, fsync per commit), next to the raw
//! sr25519 sign + verify rate measured in the same run.
//!
//! `controller-bench [--out DIR] [--smoke]` runs the provider side in this process and starts itself as
//! the consumer (`--consumer ADDR --channels K`). Both run the daemons `cgrid provide` and
//! `cgrid consume` run (`daemon::Provider::serve` / `daemon::Consumer::consume`: hello, `Join`, each
//! channel checked against the chain — here [`BenchChain`], an in-memory escrow that knows the
//! K channels — resume, then the multi-channel sessions) over one connection: each billing
//! interval the provider sends K ticks; the consumer signs what has arrived, stores it in one
//! commit and answers (so signing and verifying overlap across the two processes); the provider
//! verifies the K states (on several threads when K is large), stores them in one commit
//! (batched sync), then acknowledges. A tick's latency is its interval's: from sending the ticks
//! to acknowledging the durable states. Results are merged into `<out>/results.json` and `<out>/RESULTS.md` (the contract
//! benchmark writes those files first; see `scripts/bench.sh`). Build it in release:
//! `cargo build --release -p controller --no-default-features --bin controller-bench`.

use cgrid_shared::{state_hash, Balance, Channel, ChannelId, Phase, Signature, TradeTerms};
use controller::chain::{ChainClient, ChainError, CloseEvent};
use controller::channel::SignedState;
use controller::daemon::{self, Provider};
use controller::session::{CheckpointPolicy, Clock, Unchecked};
use controller::store::RedbStore;
use ink::primitives::AccountId;
use sp_core::{sr25519, Pair};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

const PRICE: Balance = 1_000;
const ESCROW: [u8; 32] = [0xE5; 32];

fn consumer_key() -> sr25519::Pair {
    sr25519::Pair::from_seed(&[0xC5; 32])
}

fn provider_key() -> sr25519::Pair {
    sr25519::Pair::from_seed(&[0x9F; 32])
}

fn channel_id(i: u32) -> ChannelId {
    let mut channel = [0u8; 32];
    channel[..4].copy_from_slice(&i.to_le_bytes());
    channel
}

/// The escrow as the daemons see it in the benchmark: K open channels between the two keys,
/// no settlement yet. Reads answer from memory; the cooperative closes at the end are counted
/// (the first one marks the end of billing); nothing else is expected.
struct BenchChain {
    channels: u32,
    first_close: Mutex<Option<Instant>>,
}

impl BenchChain {
    fn new(channels: u32) -> BenchChain {
        BenchChain {
            channels,
            first_close: Mutex::new(None),
        }
    }

    fn unexpected(message: &'static str) -> ChainError {
        ChainError::Call {
            message,
            reason: "not part of the benchmark".into(),
        }
    }
}

impl ChainClient for BenchChain {
    fn escrow(&self) -> AccountId {
        AccountId::from(ESCROW)
    }

    fn now(&self) -> u64 {
        0
    }

    fn channel(&self, id: &ChannelId) -> Result<Option<Channel>, ChainError> {
        let i = u32::from_le_bytes([id[0], id[1], id[2], id[3]]);
        if *id != channel_id(i) || i >= self.channels {
            return Ok(None);
        }
        let (consumer, provider) = (consumer_key().public().0, provider_key().public().0);
        Ok(Some(Channel {
            consumer: AccountId::from(consumer),
            provider: AccountId::from(provider),
            consumer_did: [1; 32],
            provider_did: [2; 32],
            consumer_key: consumer,
            provider_key: provider,
            price_per_minute: PRICE,
            min_cost: 0,
            deposit: Balance::MAX / 2,
            paid: 0,
            nonce: 0,
            challenge_period: 60_000,
            expires_at: u64::MAX,
            opened_at: 0,
            settled_until: 0,
            settlements: 0,
            phase: Phase::Open,
            start_claims_root: [0; 32],
        }))
    }

    fn open(&self, _: &TradeTerms, _: &Signature, _: Balance) -> Result<ChannelId, ChainError> {
        Err(Self::unexpected("open"))
    }

    fn checkpoint(&self, _: &ChannelId, _: &SignedState) -> Result<(), ChainError> {
        Err(Self::unexpected("checkpoint"))
    }

    fn close_cooperative(
        &self,
        _: &ChannelId,
        _: u64,
        _: Balance,
        _: &Signature,
        _: &Signature,
    ) -> Result<(), ChainError> {
        self.first_close
            .lock()
            .expect("never poisoned")
            .get_or_insert_with(Instant::now);
        Ok(())
    }

    fn start_close(&self, _: &ChannelId, _: Option<&SignedState>) -> Result<(), ChainError> {
        Err(Self::unexpected("start_close"))
    }

    fn challenge(&self, _: &ChannelId, _: &SignedState) -> Result<(), ChainError> {
        Err(Self::unexpected("challenge"))
    }

    fn finalize(&self, _: &ChannelId) -> Result<(), ChainError> {
        Err(Self::unexpected("finalize"))
    }

    fn close_events(&self, cursor: u64) -> Result<(u64, Vec<CloseEvent>), ChainError> {
        Ok((cursor, Vec::new()))
    }
}

/// Sign + verify of one state, sequentially on one core: the bound a controller pair cannot
/// beat per core.
fn sign_verify_rate(duration: Duration) -> f64 {
    let key = consumer_key();
    let public = key.public();
    let escrow = ink::primitives::AccountId::from(ESCROW);
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < duration {
        n += 1;
        let hash = state_hash(&escrow, &[1; 32], n, u128::from(n));
        let sig = key.sign(&hash);
        assert!(sr25519::Pair::verify(&sig, hash, &public));
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn consumer(
    address: String,
    first: u32,
    channels: u32,
    store: PathBuf,
) -> Result<(), String> {
    let key = consumer_key();
    let store = RedbStore::create(&store).map_err(|e| e.to_string())?;
    let ids: Vec<ChannelId> = (first..first + channels).map(channel_id).collect();
    daemon::Consumer {
        store: &store,
        chain: &BenchChain::new(first + channels),
        account: AccountId::from(key.public().0),
        key: &key,
        service: &Unchecked,
        // The provider's interval is zero too: billing back to back.
        interval: Duration::ZERO,
    }
    .consume(&address, &ids, None)
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// The provider's clock: each `advance` starts a billing interval; the time from one to the
/// next is the interval's tick latency (ticks sent → states verified, stored, acknowledged).
struct RoundClock(Mutex<Vec<Instant>>);

impl Clock for RoundClock {
    fn advance(&self) {
        self.0.lock().expect("clock").push(Instant::now());
    }
}

struct Run {
    channels: u32,
    consumers: u32,
    updates: u64,
    per_s: f64,
    setup_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `consumers` consumer processes, each with `per_consumer` channels of its own, billed for
/// `rounds` intervals by one provider daemon serving their connections at the same time.
async fn provider(
    consumers: u32,
    per_consumer: u32,
    rounds: u32,
    dir: &std::path::Path,
) -> Result<Run, String> {
    let channels = consumers * per_consumer;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut children = Vec::new();
    for c in 0..consumers {
        let store = dir.join(format!("consumer-{channels}-{c}.redb"));
        children.push(
            tokio::process::Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
                .args([
                    "--consumer",
                    &address.to_string(),
                    "--first",
                    &(c * per_consumer).to_string(),
                    "--channels",
                    &per_consumer.to_string(),
                    "--store",
                    store.to_str().ok_or("path")?,
                ])
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| format!("cannot start a consumer process: {e}"))?,
        );
    }
    let store: Arc<dyn controller::store::ChannelStore> = Arc::new(
        RedbStore::create(&dir.join(format!("provider-{channels}.redb")))
            .map_err(|e| e.to_string())?,
    );
    let start = Instant::now();
    let mut sessions = Vec::new();
    for _ in 0..consumers {
        let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
        // One daemon per connection, each with its own clock and its own view of the chain
        // (whose first close marks the end of that session's billing), over the shared store.
        let chain = Arc::new(BenchChain::new(channels));
        let clock = Arc::new(RoundClock(Mutex::new(Vec::new())));
        let key = provider_key();
        let provider = Provider::new(
            store.clone(),
            chain.clone(),
            AccountId::from(key.public().0),
            key,
            Duration::ZERO,
            CheckpointPolicy {
                every_minutes: 0,
                threshold: 0,
            },
            Some(u64::from(rounds)),
        )
        .with_clock(clock.clone());
        sessions.push((
            tokio::spawn(async move { provider.serve(stream).await }),
            chain,
            clock,
        ));
    }
    let mut starts_of_billing = Vec::new();
    let mut ends = Vec::new();
    let mut latencies: Vec<Duration> = Vec::new();
    for (session, chain, clock) in sessions {
        let records = session
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        if records.iter().any(|r| r.minutes() != u64::from(rounds)) {
            return Err("a channel was not billed to the end".into());
        }
        // Billing ends where the closes begin (the cooperative closes are not billing).
        let end = chain
            .first_close
            .lock()
            .expect("never poisoned")
            .ok_or("no cooperative close")?;
        // Every tick of an interval waits for the whole interval: its latency is the
        // interval's.
        let mut starts = clock.0.lock().expect("clock").clone();
        starts_of_billing.push(*starts.first().ok_or("no billing interval")?);
        starts.push(end);
        latencies.extend(
            starts
                .windows(2)
                .flat_map(|w| std::iter::repeat_n(w[1] - w[0], records.len())),
        );
        ends.push(end);
    }
    for mut child in children {
        let _ = child.wait().await;
    }
    // Billing runs from the first interval of any session to the last session's first close;
    // what comes before (processes started, hello, `Join`, each channel checked against the
    // chain, resume) is reported as setup.
    let billing_start = starts_of_billing.into_iter().min().ok_or("no session")?;
    let elapsed = ends.into_iter().max().ok_or("no session")? - billing_start;
    let setup = billing_start - start;
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1_000.0
    };
    let updates = u64::from(channels) * u64::from(rounds);
    Ok(Run {
        channels,
        consumers,
        updates,
        per_s: updates as f64 / elapsed.as_secs_f64(),
        setup_ms: setup.as_secs_f64() * 1_000.0,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    })
}

fn merge(out: &std::path::Path, bound: f64, runs: &[Run]) -> Result<(), String> {
    let best = runs.iter().map(|r| r.per_s).fold(0.0_f64, f64::max);
    let single = runs
        .iter()
        .find(|r| r.channels == 1)
        .ok_or("no 1-channel run")?;
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    let controller = serde_json::json!({
        "build": "release, controller-bench (scripts/bench.sh)",
        "storage": "redb, one fsync'd commit per batch on each side",
        "runs": runs.iter().map(|r| serde_json::json!({
            "channels": r.channels,
            "consumers": r.consumers,
            "updates": r.updates,
            "updates_per_s": round2(r.per_s),
            "setup_ms": round2(r.setup_ms),
            "p50_ms": round2(r.p50_ms),
            "p99_ms": round2(r.p99_ms),
            "share_of_bound": round2(r.per_s / bound),
        })).collect::<Vec<_>>(),
    });
    cgrid_bench_report::merge_json(
        out,
        [
            ("sign_verify_bound_per_s", serde_json::json!(round2(bound))),
            ("controller_updates_per_s", serde_json::json!(round2(best))),
            ("tick_p99_ms", serde_json::json!(round2(single.p99_ms))),
            ("controller", controller),
        ],
    )
    .map_err(|e| e.to_string())?;
    let mut section = format!(
        "Controller processes on loopback TCP (the provider's daemon and each consumer's), durable storage on both sides (redb, fsync per \
         commit), release build. Raw sr25519 sign + verify on one core in the same run: **{bound:.0}/s** \
         (`sign_verify_bound_per_s`).\n\nUpdates per second count billing only: from the first interval to the first cooperative close; \
         the setup before it (processes started, hello, `Join`, every channel checked against the chain, resume) is its own column.\n\n\
         | channels | consumers | updates | updates/s | share of bound | setup ms | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for r in runs {
        section += &format!(
            "| {} | {} | {} | {:.0} | {:.0}% | {:.1} | {:.2} | {:.2} |\n",
            r.channels,
            r.consumers,
            r.updates,
            r.per_s,
            100.0 * r.per_s / bound,
            r.setup_ms,
            r.p50_ms,
            r.p99_ms
        );
    }
    cgrid_bench_report::put_section(out, "Controller", &section).map_err(|e| e.to_string())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(address) = arg("--consumer") {
        let channels = arg("--channels").and_then(|c| c.parse().ok()).unwrap_or(1);
        let first = arg("--first").and_then(|c| c.parse().ok()).unwrap_or(0);
        let store = PathBuf::from(arg("--store").unwrap_or_else(|| "consumer.redb".into()));
        return match runtime.block_on(consumer(address, first, channels, store)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("consumer: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let out = PathBuf::from(
        arg("--out").unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../bench").into()),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let bound = sign_verify_rate(Duration::from_secs(2));
    let mut runs = Vec::new();
    // One consumer with one channel (latency), and 1,000 channels from two consumers of 500
    // (the most one connection's `Join` names, `daemon::MAX_JOIN`) served at once. `--smoke`
    // (the test command's check that the benchmark runs): a few rounds of a few channels.
    let sizes = if args.iter().any(|a| a == "--smoke") {
        [(1u32, 1u32, 5u32), (2, 10, 3)]
    } else {
        [(1, 1, 2_000), (2, 500, 20)]
    };
    for (consumers, per_consumer, rounds) in sizes {
        let channels = consumers * per_consumer;
        match runtime.block_on(provider(consumers, per_consumer, rounds, dir.path())) {
            Ok(run) => {
                println!(
                    "controller-bench: {channels} channel(s) from {consumers} consumer(s): {:.0} updates/s ({:.0}% of the {bound:.0}/s sign+verify bound), setup {:.1} ms, p50 {:.2} ms, p99 {:.2} ms",
                    run.per_s,
                    100.0 * run.per_s / bound,
                    run.setup_ms,
                    run.p50_ms,
                    run.p99_ms
                );
                runs.push(run);
            }
            Err(e) => {
                eprintln!("controller-bench: {channels} channels: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    if let Err(e) = merge(&out, bound, &runs) {
        eprintln!("controller-bench: cannot write results: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
