//! Controller benchmark: signed updates per second and tick latency between two controller
//! processes on loopback TCP with durable storage (redb, fsync per commit), next to the raw
//! sr25519 sign + verify rate measured in the same run.
//!
//! `controller-bench [--out DIR]` runs the provider side in this process and starts itself as
//! the consumer (`--consumer ADDR --channels K`). Both run the controller's own multi-channel
//! sessions (`session::provide_many` / `consume_many`) over one connection: each billing
//! interval the provider sends K ticks; the consumer signs what has arrived, stores it in one
//! commit and answers (so signing and verifying overlap across the two processes); the provider
//! verifies the K states (on several threads when K is large), stores them in one commit
//! (batched sync), then acknowledges. A tick's latency is its interval's: from sending the ticks
//! to acknowledging the durable states. Results are merged into `<out>/results.json` and `<out>/RESULTS.md` (the contract
//! benchmark writes those files first; see `scripts/bench.sh`). Build it in release:
//! `cargo build --release -p controller --no-default-features --bin controller-bench`.

use cgrid_shared::{state_hash, Balance};
use controller::channel::{ChannelRecord, LocalPhase, Side, Terms};
use controller::session::{self, CheckpointPolicy, Clock};
use controller::store::RedbStore;
use controller::wire::Conn;
use sp_core::{sr25519, Pair};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

const PRICE: Balance = 1_000;
const ESCROW: [u8; 32] = [0xE5; 32];

fn consumer_key() -> sr25519::Pair {
    sr25519::Pair::from_seed(&[0xC5; 32])
}

fn record(i: u32, side: Side) -> ChannelRecord {
    let mut channel = [0u8; 32];
    channel[..4].copy_from_slice(&i.to_le_bytes());
    let mut r = ChannelRecord::new(
        Terms {
            channel,
            escrow: ink::primitives::AccountId::from(ESCROW),
            price_per_minute: PRICE,
            min_cost: 0,
            deposit: Balance::MAX / 2,
            consumer_key: consumer_key().public().0,
            provider_key: [0x9F; 32],
            expires_at: u64::MAX,
            challenge_period: 60_000,
        },
        side,
    );
    r.phase = LocalPhase::Open;
    r
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

async fn consumer(address: String, channels: u32, store: PathBuf) -> Result<(), String> {
    let key = consumer_key();
    let store = RedbStore::open(&store).map_err(|e| e.to_string())?;
    let mut records: Vec<ChannelRecord> =
        (0..channels).map(|i| record(i, Side::Consumer)).collect();
    let mut conn = Conn::new(
        TcpStream::connect(&address)
            .await
            .map_err(|e| e.to_string())?,
    );
    conn.handshake(Side::Consumer, ESCROW)
        .await
        .map_err(|e| e.to_string())?;
    session::consume_many(&mut conn, &store, &mut records, &key)
        .await
        .map_err(|e| e.to_string())
}

/// The provider's clock: each `advance` starts a billing interval; the time from one to the
/// next is the interval's tick latency (ticks sent → states verified, stored, acknowledged).
struct RoundClock(std::sync::Mutex<Vec<Instant>>);

impl Clock for RoundClock {
    fn advance(&self) {
        self.0.lock().expect("clock").push(Instant::now());
    }
}

struct Run {
    channels: u32,
    updates: u64,
    per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn provider(channels: u32, rounds: u32, dir: &std::path::Path) -> Result<Run, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let consumer_store = dir.join(format!("consumer-{channels}.redb"));
    let mut child =
        tokio::process::Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
            .args([
                "--consumer",
                &address.to_string(),
                "--channels",
                &channels.to_string(),
                "--store",
                consumer_store.to_str().ok_or("path")?,
            ])
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the consumer process: {e}"))?;
    let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
    let mut conn = Conn::new(stream);
    conn.handshake(Side::Provider, ESCROW)
        .await
        .map_err(|e| e.to_string())?;
    let store = RedbStore::open(&dir.join(format!("provider-{channels}.redb")))
        .map_err(|e| e.to_string())?;
    let mut records: Vec<ChannelRecord> =
        (0..channels).map(|i| record(i, Side::Provider)).collect();
    let clock = RoundClock(std::sync::Mutex::new(Vec::new()));
    let policy = CheckpointPolicy {
        every_minutes: 0,
        threshold: 0,
    };
    let start = Instant::now();
    session::provide_many(
        &mut conn,
        &store,
        None,
        &mut records,
        u64::from(rounds),
        policy,
        &clock,
    )
    .await
    .map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    drop(conn);
    let _ = child.wait().await;
    // Every tick of an interval waits for the whole interval: its latency is the interval's.
    let mut starts = clock.0.into_inner().expect("clock");
    starts.push(start + elapsed);
    let mut latencies: Vec<Duration> = starts
        .windows(2)
        .flat_map(|w| std::iter::repeat_n(w[1] - w[0], channels as usize))
        .collect();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1_000.0
    };
    let updates = u64::from(channels) * u64::from(rounds);
    Ok(Run {
        channels,
        updates,
        per_s: updates as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    })
}

fn merge(out: &std::path::Path, bound: f64, runs: &[Run]) -> Result<(), String> {
    let json_path = out.join("results.json");
    let mut doc: serde_json::Value = std::fs::read_to_string(&json_path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let best = runs.iter().map(|r| r.per_s).fold(0.0_f64, f64::max);
    let single = runs
        .iter()
        .find(|r| r.channels == 1)
        .ok_or("no 1-channel run")?;
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    doc["sign_verify_bound_per_s"] = serde_json::json!(round2(bound));
    doc["controller_updates_per_s"] = serde_json::json!(round2(best));
    doc["tick_p99_ms"] = serde_json::json!(round2(single.p99_ms));
    doc["controller"] = serde_json::json!({
        "build": "release, controller-bench (scripts/bench.sh)",
        "storage": "redb, one fsync'd commit per batch on each side",
        "runs": runs.iter().map(|r| serde_json::json!({
            "channels": r.channels,
            "updates": r.updates,
            "updates_per_s": round2(r.per_s),
            "p50_ms": round2(r.p50_ms),
            "p99_ms": round2(r.p99_ms),
            "share_of_bound": round2(r.per_s / bound),
        })).collect::<Vec<_>>(),
    });
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n",
    )
    .map_err(|e| e.to_string())?;
    let md_path = out.join("RESULTS.md");
    let md = std::fs::read_to_string(&md_path).unwrap_or_default();
    let marker = "\n## Controller\n";
    let head = md.split(marker).next().unwrap_or("").to_string();
    let mut section = format!(
        "{marker}\nTwo controller processes on loopback TCP, durable storage on both sides (redb, fsync per \
         commit), release build. Raw sr25519 sign + verify on one core in the same run: **{bound:.0}/s** \
         (`sign_verify_bound_per_s`).\n\n| channels | updates | updates/s | share of bound | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|---:|\n"
    );
    for r in runs {
        section += &format!(
            "| {} | {} | {:.0} | {:.0}% | {:.2} | {:.2} |\n",
            r.channels,
            r.updates,
            r.per_s,
            100.0 * r.per_s / bound,
            r.p50_ms,
            r.p99_ms
        );
    }
    std::fs::write(&md_path, head + &section).map_err(|e| e.to_string())
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(address) = arg("--consumer") {
        let channels = arg("--channels").and_then(|c| c.parse().ok()).unwrap_or(1);
        let store = PathBuf::from(arg("--store").unwrap_or_else(|| "consumer.redb".into()));
        return match runtime.block_on(consumer(address, channels, store)) {
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
    for (channels, rounds) in [(1u32, 2_000u32), (1_000, 10)] {
        match runtime.block_on(provider(channels, rounds, dir.path())) {
            Ok(run) => {
                println!(
                    "controller-bench: {channels} channel(s): {:.0} updates/s ({:.0}% of the {bound:.0}/s sign+verify bound), p50 {:.2} ms, p99 {:.2} ms",
                    run.per_s,
                    100.0 * run.per_s / bound,
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
