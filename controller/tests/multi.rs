//! Many channels over one connection between a provider's and a consumer's controller
//! (`session::provide_many` / `consume_many`): batched commits on both sides, resume of the
//! states a provider lost, parallel verification, and a forged state refused while the valid
//! states of the same interval are kept; a disk that fills up mid-commit.

use controller::channel::{ChannelRecord, LocalPhase, Side, SignedState, Terms, Tick};
use controller::session::{self, CheckpointPolicy, Clock, SessionError};
use controller::store::{ChannelStore, MemoryStore, RedbStore, StoreError};
use controller::wire::{Conn, ErrorCode, Frame, WireError};
use sp_core::{sr25519, Pair};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::{TcpListener, TcpStream};

const ESCROW: [u8; 32] = [0xE5; 32];
const PRICE: u128 = 1_000;
const NO_CHECKPOINTS: CheckpointPolicy = CheckpointPolicy {
    every_minutes: 0,
    threshold: 0,
};

struct NoWait;
impl Clock for NoWait {
    fn advance(&self) {}
}

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
            deposit: 1_000_000,
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

async fn connect() -> (Conn, Conn) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (consumer, provider) = tokio::join!(TcpStream::connect(address), listener.accept());
    let mut consumer = Conn::new(consumer.unwrap());
    let mut provider = Conn::new(provider.unwrap().0);
    let (a, b) = tokio::join!(
        consumer.handshake(Side::Consumer, ESCROW),
        provider.handshake(Side::Provider, ESCROW)
    );
    a.unwrap();
    b.unwrap();
    (consumer, provider)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_bills_many_channels_and_resumes_what_the_provider_lost() {
    const CHANNELS: u32 = 64; // above the provider's parallel-verification threshold
    const MINUTES: u64 = 5;
    let dir = tempfile::tempdir().unwrap();
    let provider_store = RedbStore::create(&dir.path().join("provider.redb")).unwrap();
    let consumer_store = RedbStore::create(&dir.path().join("consumer.redb")).unwrap();
    let key = consumer_key();
    let mut provider_records: Vec<_> = (0..CHANNELS).map(|i| record(i, Side::Provider)).collect();
    let mut consumer_records: Vec<_> = (0..CHANNELS).map(|i| record(i, Side::Consumer)).collect();
    // The consumer signed minute 1 of the first 8 channels, but the provider crashed before
    // storing them: the resume must bring them over.
    for r in consumer_records.iter_mut().take(8) {
        let tick = Tick {
            minute: 1,
            amount: PRICE,
        };
        let state = r.sign_tick(&tick, &key).unwrap();
        r.apply_own_state(state).unwrap();
        consumer_store.save_state(r, &state).unwrap();
    }
    for r in &provider_records {
        provider_store.save_channel(r).unwrap();
    }

    let (mut consumer_conn, mut provider_conn) = connect().await;
    let consumer = tokio::spawn(async move {
        let result = session::consume_many(
            &mut consumer_conn,
            &consumer_store,
            &mut consumer_records,
            &key,
        )
        .await;
        (result, consumer_records, consumer_store)
    });
    session::provide_many(
        &mut provider_conn,
        &provider_store,
        None,
        &mut provider_records,
        MINUTES,
        NO_CHECKPOINTS,
        &NoWait,
    )
    .await
    .expect("the provider bills every channel");
    drop(provider_conn);
    let (result, consumer_records, consumer_store) = consumer.await.unwrap();
    result.expect("the consumer ends when the provider hangs up");

    for (p, c) in provider_records.iter().zip(&consumer_records) {
        assert_eq!(p.minutes(), MINUTES);
        assert_eq!(p.latest, c.latest);
        assert_eq!(p.owed(), PRICE * u128::from(MINUTES));
        // Both stores have every minute, and the provider's are validly signed.
        let history = provider_store.history(&p.id()).unwrap();
        assert_eq!(
            history.iter().map(|s| s.nonce).collect::<Vec<_>>(),
            (1..=MINUTES).collect::<Vec<_>>()
        );
        assert!(history.iter().all(|s| p.state_signature_valid(s)));
        assert_eq!(provider_store.channel(&p.id()).unwrap().as_ref(), Some(p));
        assert_eq!(
            consumer_store.history(&c.id()).unwrap().len() as u64,
            MINUTES
        );
        assert_eq!(consumer_store.channel(&c.id()).unwrap().as_ref(), Some(c));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_state_is_refused_and_the_valid_states_of_its_interval_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let provider_store = RedbStore::create(&dir.path().join("provider.redb")).unwrap();
    let mut provider_records: Vec<_> = (0..3).map(|i| record(i, Side::Provider)).collect();
    for r in &provider_records {
        provider_store.save_channel(r).unwrap();
    }
    let (mut consumer, mut provider_conn) = connect().await;
    let provider = tokio::spawn(async move {
        let result = session::provide_many(
            &mut provider_conn,
            &provider_store,
            None,
            &mut provider_records,
            3,
            NO_CHECKPOINTS,
            &NoWait,
        )
        .await;
        (result, provider_records, provider_store)
    });

    // A hand-driven consumer: in sync on resume, then answers the first ticks, channel 1 with a
    // signature by another key.
    let key = consumer_key();
    let forger = sr25519::Pair::from_seed(&[0x66; 32]);
    let mut mine: Vec<_> = (0..3).map(|i| record(i, Side::Consumer)).collect();
    for _ in 0..3 {
        match consumer.recv().await.unwrap() {
            Frame::Resume { channel, nonce } => {
                consumer.send(&Frame::Ack { channel, nonce }).await.unwrap()
            }
            other => panic!("expected Resume, got {other:?}"),
        }
    }
    let mut answers = Vec::new();
    for _ in 0..3 {
        match consumer.recv().await.unwrap() {
            Frame::Tick { channel, tick } => {
                let i = usize::from(channel[0]);
                let signer = if i == 1 { &forger } else { &key };
                let state = mine[i].sign_tick(&tick, signer).unwrap();
                mine[i].apply_own_state(state).unwrap();
                answers.push(Frame::State { channel, state });
            }
            other => panic!("expected Tick, got {other:?}"),
        }
    }
    // Answered in another order than the ticks came: the provider matches them by channel.
    answers.reverse();
    for frame in &answers {
        consumer.feed(frame).await.unwrap();
    }
    consumer.flush().await.unwrap();
    let mut acked = Vec::new();
    let refused = loop {
        match consumer.recv().await {
            Ok(Frame::Ack { channel, nonce }) => acked.push((channel[0], nonce)),
            Err(WireError::Peer { code, message }) => break (code, message),
            other => panic!("expected Ack or an error, got {other:?}"),
        }
    };
    acked.sort();
    assert_eq!(acked, vec![(0, 1), (2, 1)]);
    assert_eq!(refused.0, ErrorCode::Refused);
    assert!(refused.1.contains("not signed by"), "{}", refused.1);

    let (result, records, store) = provider.await.unwrap();
    assert!(result.is_err(), "the session ends on a forged state");
    let minutes: Vec<_> = records.iter().map(|r| r.minutes()).collect();
    assert_eq!(minutes, vec![1, 0, 1]);
    for r in &records {
        let stored = store.channel(&r.id()).unwrap().unwrap();
        assert_eq!(stored.minutes(), r.minutes(), "stored and in memory agree");
        assert_eq!(store.history(&r.id()).unwrap().len() as u64, r.minutes());
    }
}

/// A store on a disk that fills up: once `full`, every write fails as the OS reports it.
#[derive(Default)]
struct FillingDisk {
    inner: MemoryStore,
    full: AtomicBool,
    filled: AtomicBool,
}

impl FillingDisk {
    fn check(&self) -> Result<(), StoreError> {
        if self.full.load(Ordering::SeqCst) {
            return Err(StoreError::Db(
                "No space left on device (os error 28)".into(),
            ));
        }
        Ok(())
    }
}

impl ChannelStore for FillingDisk {
    fn save_channels(&self, records: &[&ChannelRecord]) -> Result<(), StoreError> {
        self.check()?;
        self.inner.save_channels(records)
    }
    fn save_states(&self, items: &[(&ChannelRecord, &SignedState)]) -> Result<(), StoreError> {
        self.check()?;
        let done = self.inner.save_states(items);
        // The disk is full after the third minute's commit (once).
        if items.iter().any(|(r, _)| r.minutes() >= 3) && !self.filled.swap(true, Ordering::SeqCst)
        {
            self.full.store(true, Ordering::SeqCst);
        }
        done
    }
    fn channel(&self, id: &[u8; 32]) -> Result<Option<ChannelRecord>, StoreError> {
        self.inner.channel(id)
    }
    fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError> {
        self.inner.channels()
    }
    fn history(&self, id: &[u8; 32]) -> Result<Vec<SignedState>, StoreError> {
        self.inner.history(id)
    }
}

/// Issue 19 (fault): the disk fills up during a commit. The provider's store refuses the
/// interval's commit (ENOSPC, at the `ChannelStore` seam): nothing of that interval is
/// acknowledged, the consumer is told (`Storage`) and the session ends cleanly; the states
/// already acknowledged stay, and once there is room again the next session resumes with the
/// state the consumer signed and the provider could not keep: nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_acknowledges_nothing_and_loses_nothing() {
    let provider_store = FillingDisk::default();
    let consumer_store = MemoryStore::default();
    let key = consumer_key();
    let mut provider_record = record(3, Side::Provider);
    let mut consumer_record = record(3, Side::Consumer);
    let no_checkpoints = CheckpointPolicy {
        every_minutes: 0,
        threshold: 0,
    };

    let (mut c, mut p) = connect().await;
    let (provided, consumed) = tokio::join!(
        session::provide(
            &mut p,
            &provider_store,
            None,
            &mut provider_record,
            10,
            no_checkpoints,
            &NoWait
        ),
        async {
            let out = session::consume(&mut c, &consumer_store, &mut consumer_record, &key).await;
            drop(c);
            out
        }
    );
    // The provider stops at the failed commit, and says why.
    assert!(
        matches!(provided, Err(SessionError::Store(_))),
        "{provided:?}"
    );
    drop(p);
    match consumed {
        Err(SessionError::Wire(WireError::Peer {
            code: ErrorCode::Storage,
            ..
        }))
        | Ok(()) => {}
        other => panic!("the consumer's session did not end cleanly: {other:?}"),
    }
    let id = provider_record.id();
    let kept = provider_store.history(&id).expect("history");
    assert_eq!(kept.len(), 3, "the acknowledged minutes stay");
    assert_eq!(provider_record.minutes(), 3, "memory agrees with the store");
    let signed = consumer_store.history(&id).expect("history");
    assert_eq!(
        signed.len(),
        4,
        "the consumer signed minute 4, never acknowledged"
    );

    // Room again: the next session resumes; minute 4 comes back from the consumer.
    provider_store.full.store(false, Ordering::SeqCst);
    let mut provider_record = provider_store.channel(&id).expect("read").expect("record");
    let mut consumer_record = consumer_store.channel(&id).expect("read").expect("record");
    let (mut c, mut p) = connect().await;
    let (provided, _) = tokio::join!(
        async {
            let out = session::provide(
                &mut p,
                &provider_store,
                None,
                &mut provider_record,
                6,
                no_checkpoints,
                &NoWait,
            )
            .await;
            drop(p);
            out
        },
        session::consume(&mut c, &consumer_store, &mut consumer_record, &key)
    );
    provided.expect("resumed and billed");
    assert_eq!(provider_store.history(&id).expect("history").len(), 6);
    assert_eq!(
        provider_store.history(&id).expect("history")[3],
        signed[3],
        "the state the full disk could not keep, from the consumer"
    );
}
