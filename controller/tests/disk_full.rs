//! Issue 19 (fault): the disk fills up during a commit. The provider's store refuses the
//! interval's commit (ENOSPC, at the `ChannelStore` seam): nothing of that interval is
//! acknowledged, the consumer is told (`Storage`) and the session ends cleanly; the states
//! already acknowledged stay, and once there is room again the next session resumes with the
//! state the consumer signed and the provider could not keep: nothing is lost.

use controller::channel::{ChannelRecord, LocalPhase, Side, SignedState, Terms};
use controller::session::{self, CheckpointPolicy, Clock, SessionError};
use controller::store::{ChannelStore, MemoryStore, StoreError};
use controller::wire::{Conn, ErrorCode, WireError};
use sp_core::{sr25519, Pair};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::{TcpListener, TcpStream};

const ESCROW: [u8; 32] = [0xE5; 32];
const PRICE: u128 = 1_000;

struct NoWait;
impl Clock for NoWait {
    fn advance(&self) {}
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

fn consumer_key() -> sr25519::Pair {
    sr25519::Pair::from_seed(&[0xC5; 32])
}

fn record(side: Side) -> ChannelRecord {
    let mut r = ChannelRecord::new(
        Terms {
            channel: [3; 32],
            escrow: ink::primitives::AccountId::from(ESCROW),
            price_per_minute: PRICE,
            min_cost: 0,
            deposit: 100 * PRICE,
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
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr");
    let (consumer, provider) = tokio::join!(TcpStream::connect(address), listener.accept());
    let mut consumer = Conn::new(consumer.expect("connect"));
    let mut provider = Conn::new(provider.expect("accept").0);
    let (a, b) = tokio::join!(
        consumer.handshake(Side::Consumer, ESCROW),
        provider.handshake(Side::Provider, ESCROW)
    );
    a.expect("hello");
    b.expect("hello");
    (consumer, provider)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_acknowledges_nothing_and_loses_nothing() {
    let provider_store = FillingDisk::default();
    let consumer_store = MemoryStore::default();
    let key = consumer_key();
    let mut provider_record = record(Side::Provider);
    let mut consumer_record = record(Side::Consumer);
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
    let id = [3; 32];
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
