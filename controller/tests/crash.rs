//! Crash test: the provider controller runs as its own process (`cgrid provide`) and is killed
//! with SIGKILL at random points while it bills; it is restarted on the same store each time.
//! Afterwards no co-signed state is lost (every minute 1..=N is in the provider's store, both
//! sides agree on the newest state), and the channel closes on the embedded chain with exactly
//! the amounts of N minutes. Run for one channel, and for three channels over one connection
//! (each billing interval's states stored in one commit).

use controller::chain::ChainClient;
use controller::channel::{LocalPhase, Side};
use controller::demo;
use controller::session::{self, CheckpointPolicy};
use controller::store::{ChannelStore as _, RedbStore};
use controller::trade::{self, Market, TradeConfig};
use controller::wire::Conn;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;

const MINUTES: u64 = 200;
const KILLS: u32 = 6;
const PRICE: u128 = 1_000;

/// xorshift64*: random kill points without a dependency; the seed is printed for replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_provider_loses_no_cosigned_state() {
    crash_run(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_multi_channel_provider_loses_no_cosigned_state() {
    crash_run(3).await;
}

async fn crash_run(channels: u64) {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test seed {seed} (CRASH_SEED={seed} replays the kill points)");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let market = Market::embedded(demo::T0).expect("suite deploys");
    let config = TradeConfig {
        minutes: MINUTES,
        price_per_minute: PRICE,
        min_cost: 0,
        policy: CheckpointPolicy {
            every_minutes: 0,
            threshold: 0,
        },
        data_dir: dir.path().to_path_buf(),
    };
    let mut provider_records = Vec::new();
    let mut consumer_records = Vec::new();
    for n in 1..=channels {
        let (p, c) = trade::open_trade(&market, &config, MINUTES, n).expect("opens");
        provider_records.push(p);
        consumer_records.push(c);
    }
    let ids: Vec<_> = provider_records.iter().map(|r| r.id()).collect();
    let provider_path = dir.path().join("provider.redb");
    let provider_store = RedbStore::create(&provider_path).unwrap();
    for r in &provider_records {
        provider_store.save_channel(r).unwrap();
    }
    drop(provider_store);
    let consumer_store = RedbStore::create(&dir.path().join("consumer.redb")).unwrap();
    for r in &consumer_records {
        consumer_store.save_channel(r).unwrap();
    }
    let consumer_key = market.parties.consumer_key.clone();
    let escrow = *provider_records[0].terms.escrow.as_ref();
    let mut args = vec![
        "provide".to_string(),
        "--store".into(),
        provider_path.to_str().unwrap().into(),
    ];
    for id in &ids {
        args.push("--channel".into());
        args.push(hex::encode(id));
    }
    args.push("--until".into());
    args.push(MINUTES.to_string());

    let mut kills = 0;
    // Billed minutes per millisecond, measured on the sessions so far: the kill points are
    // drawn in minutes and turned into delays, so that they land during billing on a slow
    // machine and on a fast one alike (a fixed 20-320 ms let a fast machine finish 200
    // minutes after two kills).
    let mut speed: Option<f64> = None;
    loop {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cgrid"))
            .args(&args)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("cgrid provide starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next_line().await.unwrap().expect("listening line");
        let address = line
            .strip_prefix("listening ")
            .expect("listening <addr>")
            .to_string();
        let mut conn = Conn::new(TcpStream::connect(&address).await.unwrap());
        conn.handshake(Side::Consumer, escrow).await.unwrap();
        let before: Vec<u64> = consumer_records.iter().map(|r| r.minutes()).collect();
        let done_before = before.iter().copied().min().unwrap_or(0);
        if kills < KILLS {
            let delay = Duration::from_millis(match speed {
                // The first session calibrates: a short random delay.
                None => 5 + rng.next() % 30,
                Some(per_ms) => {
                    // Kill after a random share of what is left, leaving room for the rest.
                    let share = ((MINUTES - done_before) / u64::from(KILLS - kills + 1)).max(1);
                    let minutes = 1 + rng.next() % share;
                    ((minutes as f64 / per_ms) as u64).max(1)
                }
            });
            let started = Instant::now();
            tokio::select! {
                _ = session::consume_many(&mut conn, &consumer_store, &mut consumer_records, &consumer_key) => {
                    // The provider finished before the kill point.
                }
                _ = tokio::time::sleep(delay) => {
                    child.start_kill().expect("SIGKILL");
                    kills += 1;
                }
            }
            let _ = child.wait().await;
            let now: Vec<u64> = consumer_records.iter().map(|r| r.minutes()).collect();
            eprintln!("kill {kills}: consumer at minutes {now:?} (from {before:?})");
            let billed = now.iter().copied().min().unwrap_or(0) - done_before;
            if billed > 0 {
                let ms = started.elapsed().as_secs_f64() * 1_000.0;
                speed = Some(billed as f64 / ms.max(1.0));
            }
        } else {
            session::consume_many(
                &mut conn,
                &consumer_store,
                &mut consumer_records,
                &consumer_key,
            )
            .await
            .expect("the last session ends cleanly");
            let status = child.wait().await.unwrap();
            assert!(status.success(), "cgrid provide exited with {status}");
        }
        // What the provider stored is never behind what it acknowledged, never ahead of what the
        // consumer signed.
        let provider = RedbStore::open(&provider_path).unwrap();
        let mut done = true;
        for c in &consumer_records {
            let stored = provider.channel(&c.id()).unwrap().unwrap();
            assert!(stored.minutes() <= c.minutes());
            assert!(
                c.minutes() <= stored.minutes() + 1,
                "at most the one state in flight is missing on the provider side"
            );
            done &= stored.minutes() == MINUTES && c.minutes() == MINUTES;
        }
        drop(provider);
        if done {
            break;
        }
    }

    let provider = RedbStore::open(&provider_path).unwrap();
    for (n, c) in consumer_records.iter().enumerate() {
        let id = c.id();
        // No co-signed state lost: every minute is stored, in order, with a valid signature.
        let stored = provider.channel(&id).unwrap().unwrap();
        let history = provider.history(&id).unwrap();
        assert_eq!(
            history.iter().map(|s| s.nonce).collect::<Vec<_>>(),
            (1..=MINUTES).collect::<Vec<_>>()
        );
        assert!(history.iter().all(|s| stored.state_signature_valid(s)));
        assert_eq!(stored.latest, c.latest);
        assert_eq!(
            consumer_store.history(&id).unwrap().len() as u64,
            MINUTES,
            "the consumer stored every state it signed"
        );

        // The channel still closes with the right amounts.
        let latest = stored.latest.unwrap();
        let close = sp_core::Pair::sign(
            &market.parties.consumer_key,
            &stored.close_hash(latest.nonce, latest.cumulative),
        );
        let countersigned = sp_core::Pair::sign(
            &market.parties.provider_key,
            &stored.close_hash(latest.nonce, latest.cumulative),
        );
        let (consumer_sig, provider_sig) = (close.0, countersigned.0);
        let consumer = market.consumer();
        consumer
            .close_cooperative(
                &id,
                latest.nonce,
                latest.cumulative,
                &consumer_sig,
                &provider_sig,
            )
            .unwrap_or_else(|e| panic!("channel {n} closes: {e}"));
        let on_chain = consumer.channel(&id).unwrap().unwrap();
        match on_chain.phase {
            cgrid_shared::Phase::Closed { paid, refunded, .. } => {
                assert_eq!(paid, PRICE * u128::from(MINUTES));
                assert_eq!(paid + refunded, stored.terms.deposit);
            }
            other => panic!("not closed: {other:?}"),
        }
        assert!(matches!(stored.phase, LocalPhase::Open));
    }
    // The kill points are random; a fast machine may finish billing before the last ones.
    assert!(
        kills >= KILLS / 2,
        "only {kills} kills landed before billing finished (seed {seed})"
    );
}
