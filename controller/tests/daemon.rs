//! A provider's daemon and a consumer on their own stores, meeting over TCP, on a channel the
//! two opened with their own `cgrid` commands: billing to the deposit with checkpoints and a
//! cooperative close; a provider restarted mid-billing loses no acknowledged state; a failing
//! service probe stops the consumer's signatures and the provider learns why; a consumer that
//! reaches the wrong provider is refused and signs nothing.

mod common;

use cgrid_shared::Phase;
use cgrid_suite::{ink_account, Signer};
use common::World;
use controller::chain::{ChainClient as _, SharedChain};
use controller::channel::SignedState;
use controller::daemon::{self, Probe, Provider};
use controller::session::{CheckpointPolicy, SessionError, Unchecked};
use controller::store::{ChannelStore, RedbStore};
use controller::wire::WireError;
use std::sync::Arc;
use std::time::Duration;

const PRICE: u128 = 1_000;
const INTERVAL: Duration = Duration::from_millis(20);

/// A world where the provider offered the consumer a channel at `PRICE` per minute and the
/// consumer opened it with `deposit`; returns the channel id.
fn opened(w: &mut World, deposit: u128) -> [u8; 32] {
    w.onboard();
    let consumer = w.account("consumer");
    let offer = w.path("offer.json").display().to_string();
    let made = w.offer(&consumer, "1000", "2000", &offer).expect("offer");
    w.ok(
        "consumer",
        &[
            "channel",
            "open",
            "--offer",
            &offer,
            "--deposit",
            &deposit.to_string(),
        ],
    );
    controller::cli::parse::hex32("channel", made.json["channel"].as_str().expect("id"))
        .expect("id")
}

struct Party {
    signer: Signer,
    store: Arc<RedbStore>,
}

impl Party {
    /// `daemon::Consumer::consume` as this party (its store, account and channel key) on channel `id`.
    async fn consume(
        &self,
        chain: &dyn controller::chain::ChainClient,
        address: &str,
        id: [u8; 32],
        check: &dyn controller::session::ServiceCheck,
    ) -> Result<Vec<controller::channel::ChannelRecord>, SessionError> {
        let me = ink_account(&self.signer.account());
        daemon::Consumer {
            store: &*self.store,
            chain,
            account: me,
            key: self.signer.pair(),
            service: check,
            interval: INTERVAL,
        }
        .consume(address, &[id], None)
        .await
    }
}

fn party(w: &World, name: &str) -> Party {
    Party {
        signer: Signer::load(&w.key(name)).expect("key"),
        store: Arc::new(
            RedbStore::open_or_create(&w.path(&format!("{name}.redb")))
                .expect("store")
                .0,
        ),
    }
}

/// A channel the provider offered at `PRICE` a minute and the consumer opened with `deposit`,
/// both parties, and the chain they share.
struct Trade {
    w: World,
    id: [u8; 32],
    p: Party,
    c: Party,
    chain: SharedChain<cgrid_suite::embedded::Embedded>,
}

fn trade(deposit: u128) -> Trade {
    let mut w = World::new();
    let id = opened(&mut w, deposit);
    let (p, c) = (party(&w, "provider"), party(&w, "consumer"));
    let chain = SharedChain::new(w.take_chain(), w.suite.clone());
    Trade { w, id, p, c, chain }
}

/// That `phase` is a unilateral close claiming `state`.
#[track_caller]
fn assert_closing_with(phase: Phase, state: &SignedState) {
    match phase {
        Phase::Closing {
            nonce, cumulative, ..
        } => assert_eq!((nonce, cumulative), (state.nonce, state.cumulative)),
        other => panic!("not closing: {other:?}"),
    }
}

/// The provider's daemon, checkpointing every three minutes.
fn provider_daemon(
    chain: &SharedChain<cgrid_suite::embedded::Embedded>,
    p: &Party,
    close_at: Option<u64>,
) -> Arc<Provider> {
    provider_daemon_every(chain, p, close_at, 3)
}

fn provider_daemon_every(
    chain: &SharedChain<cgrid_suite::embedded::Embedded>,
    p: &Party,
    close_at: Option<u64>,
    checkpoint_every: u64,
) -> Arc<Provider> {
    Arc::new(unshared_provider(chain, p, close_at, checkpoint_every))
}

/// The provider's daemon before it is shared (to configure it further).
fn unshared_provider(
    chain: &SharedChain<cgrid_suite::embedded::Embedded>,
    p: &Party,
    close_at: Option<u64>,
    checkpoint_every: u64,
) -> Provider {
    Provider::new(
        p.store.clone(),
        Arc::new(chain.client(p.signer.account(), "provider")),
        ink_account(&p.signer.account()),
        p.signer.pair().clone(),
        INTERVAL,
        CheckpointPolicy {
            every_minutes: checkpoint_every,
            threshold: 0,
        },
        close_at,
    )
}

async fn listen() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    (listener, address)
}

/// Runs `provider`'s daemon on a loopback port; returns its address.
async fn run_daemon(provider: Arc<Provider>) -> String {
    let (listener, address) = listen().await;
    tokio::spawn(provider.run(listener));
    address
}

/// Bills until the provider's store holds `minutes` states, then ends the provider's session
/// as a crash would (its task aborted mid-interval; the consumer sees the connection drop).
/// Returns what the provider had stored.
async fn bill_then_crash(
    chain: &SharedChain<cgrid_suite::embedded::Embedded>,
    provider: Arc<Provider>,
    p: &Party,
    c: &Party,
    id: [u8; 32],
    minutes: usize,
) -> Vec<SignedState> {
    let (listener, address) = listen().await;
    let served = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        provider.serve(stream).await
    });
    let consumer = {
        let (store, client, key) = (
            c.store.clone(),
            chain.client(c.signer.account(), "consumer"),
            c.signer.pair().clone(),
        );
        let me = ink_account(&c.signer.account());
        tokio::spawn(async move {
            daemon::Consumer {
                store: &*store,
                chain: &client,
                account: me,
                key: &key,
                service: &Unchecked,
                interval: INTERVAL,
            }
            .consume(&address, &[id], None)
            .await
        })
    };
    while p.store.history(&id).expect("history").len() < minutes {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    served.abort();
    let _ = served.await;
    let _ = consumer.await.expect("consumer task");
    p.store.history(&id).expect("history")
}

/// Issue 19 (fault): a thousand connections opened and held silent while a consumer is billed
/// neither stop nor slow its channel to a halt, and none stays: each is closed once the
/// handshake timeout passes (or at once beyond `MAX_PENDING`). Before, an `accept` error (out of
/// file descriptors) ended the daemon, and a silent peer held its connection for the whole
/// peer timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_silent_connections_neither_stop_billing_nor_stay() {
    use tokio::io::AsyncReadExt as _;
    // Three seconds of billing: long enough that the crowd's thousand connects land mid-trade
    // even on a loaded machine (25 minutes, half a second, once did not under a parallel
    // mutation run).
    const MINUTES: u64 = 150;
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(u128::from(MINUTES) * PRICE);
    let provider = Arc::new(
        unshared_provider(&chain, &p, None, 0)
            .with_peer_timeout(Duration::from_secs(600))
            .with_handshake_timeout(Duration::from_millis(500)),
    );
    let address = run_daemon(provider.clone()).await;
    let consumer_client = chain.client(c.signer.account(), "consumer");
    let crowd = async {
        while p.store.history(&id).expect("history").len() < 2 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let mut held = Vec::new();
        for _ in 0..1_000 {
            held.push(
                tokio::net::TcpStream::connect(&address)
                    .await
                    .expect("connect"),
            );
        }
        (held, p.store.history(&id).expect("history").len())
    };
    let (records, (held, billed_when_crowded)) =
        tokio::join!(c.consume(&consumer_client, &address, id, &Unchecked), crowd);
    let records = records.expect("consumed to the deposit");
    assert_eq!(records[0].minutes(), MINUTES);
    assert!(
        (billed_when_crowded as u64) < MINUTES,
        "the crowd came mid-billing"
    );
    assert_eq!(p.store.history(&id).expect("history").len() as u64, MINUTES);
    for mut stream in held {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            // The provider's hello may come first; then the close.
            loop {
                match stream.read(&mut byte).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => continue,
                }
            }
        })
        .await;
        assert!(read.is_ok(), "a silent connection was kept open");
    }
}

/// The chain as a provider sees it while its node stops answering: the first checkpoint fails
/// without reaching the chain, the second reaches it but its answer is lost; then the node is
/// back.
struct Flaky {
    inner: controller::chain::Client<cgrid_suite::embedded::Embedded>,
    checkpoints: std::sync::atomic::AtomicUsize,
}

impl controller::chain::ChainClient for Flaky {
    fn escrow(&self) -> ink::primitives::AccountId {
        self.inner.escrow()
    }
    fn now(&self) -> u64 {
        self.inner.now()
    }
    fn channel(
        &self,
        id: &[u8; 32],
    ) -> Result<Option<cgrid_shared::Channel>, controller::chain::ChainError> {
        self.inner.channel(id)
    }
    fn open(
        &self,
        terms: &cgrid_shared::TradeTerms,
        offer: &cgrid_shared::Signature,
        deposit: u128,
    ) -> Result<[u8; 32], controller::chain::ChainError> {
        self.inner.open(terms, offer, deposit)
    }
    fn checkpoint(
        &self,
        id: &[u8; 32],
        state: &SignedState,
    ) -> Result<(), controller::chain::ChainError> {
        let silent = |reason: &str| controller::chain::ChainError::Call {
            message: "checkpoint",
            reason: reason.into(),
        };
        match self
            .checkpoints
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        {
            0 => Err(silent("the node did not answer")),
            1 => {
                self.inner.checkpoint(id, state)?;
                Err(silent("the node took it, but its answer was lost"))
            }
            _ => self.inner.checkpoint(id, state),
        }
    }
    fn close_cooperative(
        &self,
        id: &[u8; 32],
        nonce: u64,
        cumulative: u128,
        consumer_signature: &cgrid_shared::Signature,
        provider_signature: &cgrid_shared::Signature,
    ) -> Result<(), controller::chain::ChainError> {
        self.inner.close_cooperative(
            id,
            nonce,
            cumulative,
            consumer_signature,
            provider_signature,
        )
    }
    fn start_close(
        &self,
        id: &[u8; 32],
        state: Option<&SignedState>,
    ) -> Result<(), controller::chain::ChainError> {
        self.inner.start_close(id, state)
    }
    fn challenge(
        &self,
        id: &[u8; 32],
        state: &SignedState,
    ) -> Result<(), controller::chain::ChainError> {
        self.inner.challenge(id, state)
    }
    fn finalize(&self, id: &[u8; 32]) -> Result<(), controller::chain::ChainError> {
        self.inner.finalize(id)
    }
    fn close_events(
        &self,
        cursor: u64,
    ) -> Result<(u64, Vec<controller::chain::CloseEvent>), controller::chain::ChainError> {
        self.inner.close_events(cursor)
    }
}

/// Issue 19 (fault): the chain stops answering mid-checkpoint. Before, the failed checkpoint
/// ended the session and left the channel `Checkpointing`; now billing goes on, a checkpoint
/// whose answer was lost is recognised from the escrow, later ones go through, and the close
/// pays exactly what the consumer signed: nothing twice, nothing lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_that_stops_answering_mid_checkpoint_pays_nothing_twice() {
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(10 * PRICE);
    let flaky = Arc::new(Flaky {
        inner: chain.client(p.signer.account(), "provider"),
        checkpoints: 0.into(),
    });
    let provider = Arc::new(Provider::new(
        p.store.clone(),
        flaky.clone(),
        ink_account(&p.signer.account()),
        p.signer.pair().clone(),
        INTERVAL,
        CheckpointPolicy {
            every_minutes: 2,
            threshold: 0,
        },
        None,
    ));
    let address = run_daemon(provider.clone()).await;
    let consumer_client = chain.client(c.signer.account(), "consumer");
    let records = c
        .consume(&consumer_client, &address, id, &Unchecked)
        .await
        .expect("billed to the deposit despite the failed checkpoints");
    assert_eq!(records[0].minutes(), 10);
    assert!(
        flaky.checkpoints.load(std::sync::atomic::Ordering::SeqCst) >= 4,
        "retried"
    );
    match consumer_client
        .channel(&id)
        .expect("read")
        .expect("channel")
        .phase
    {
        Phase::Closed { paid, refunded, .. } => assert_eq!((paid, refunded), (10 * PRICE, 0)),
        other => panic!("not closed: {other:?}"),
    }
    let stored = p.store.channel(&id).expect("read").expect("record");
    assert_eq!(
        stored.settled.0, 10,
        "the provider's record agrees with the escrow"
    );
}

/// Issue 19 (security): only the consumer can join its channels. A stranger who knows the
/// channel id (ids are public on chain) sends a `Join` signed with its own key, then one that
/// replays the consumer's signature from an earlier connection (another challenge): both are
/// refused before the channel is claimed, and the consumer, joining next, is served at once.
/// Before (protocol 2), `Join` was unsigned: a silent stranger held the channel (the consumer
/// refused as busy) until the peer timeout, and the provider then closed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_consumer_can_join_its_channels() {
    use controller::channel::Side;
    use controller::wire::{join_hash, Conn, Frame};
    use sp_core::Pair as _;
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(3 * PRICE);
    let provider = Arc::new(
        unshared_provider(&chain, &p, None, 0).with_peer_timeout(Duration::from_secs(600)),
    );
    let address = run_daemon(provider.clone()).await;
    let escrow: [u8; 32] = *chain.client(c.signer.account(), "x").escrow().as_ref();
    let stranger = sp_core::sr25519::Pair::from_seed(&[0x5E; 32]);

    // A Join signed by someone else; then the consumer's own signature over an old challenge.
    let old_challenge = [0x01; 32];
    let replayed = c
        .signer
        .pair()
        .sign(&join_hash(&escrow, &old_challenge, &[id]))
        .0;
    for (who, signature) in [
        ("a stranger's key", None),
        ("a replayed signature", Some(replayed)),
    ] {
        let mut conn = Conn::new(
            tokio::net::TcpStream::connect(&address)
                .await
                .expect("connect"),
        );
        conn.set_timeout(Some(Duration::from_secs(5)));
        let challenge = conn
            .handshake(Side::Consumer, escrow)
            .await
            .expect("hello")
            .theirs;
        assert_ne!(challenge, old_challenge);
        let signature =
            signature.unwrap_or_else(|| stranger.sign(&join_hash(&escrow, &challenge, &[id])).0);
        conn.send(&Frame::Join {
            channels: vec![id],
            signature,
        })
        .await
        .expect("sent");
        match conn.recv().await {
            Err(WireError::Peer { message, .. }) => assert!(
                message.contains("not signed by the consumer key"),
                "{who}: {message}"
            ),
            other => panic!("{who} was not refused: {other:?}"),
        }
        // The stranger stays connected and silent; the channel must not be held.
        std::mem::forget(conn);
    }
    let consumer_client = chain.client(c.signer.account(), "consumer");
    let records = c
        .consume(&consumer_client, &address, id, &Unchecked)
        .await
        .expect("the consumer is served at once, not refused as busy");
    assert_eq!(records[0].minutes(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_pays_a_provider_daemon_to_the_deposit_and_they_close() {
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(7 * PRICE);
    let provider = provider_daemon(&chain, &p, None);
    let address = run_daemon(provider.clone()).await;
    let consumer_client = chain.client(c.signer.account(), "consumer");
    let records = c
        .consume(&consumer_client, &address, id, &Unchecked)
        .await
        .expect("consumed");
    assert_eq!(records[0].minutes(), 7);
    let on_chain = consumer_client
        .channel(&id)
        .expect("read")
        .expect("channel");
    match on_chain.phase {
        Phase::Closed { paid, refunded, .. } => {
            assert_eq!((paid, refunded), (7 * PRICE, 0));
        }
        other => panic!("not closed: {other:?}"),
    }
    // Every minute stored once on both sides; checkpoints went through (minutes 3 and 6).
    assert_eq!(p.store.history(&id).expect("history").len(), 7);
    assert_eq!(c.store.history(&id).expect("history").len(), 7);
    let checkpoints = chain
        .sent()
        .iter()
        .filter(|s| s.message == "checkpoint")
        .count();
    assert_eq!(checkpoints, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_restarted_mid_billing_loses_no_acknowledged_state() {
    let mut w = World::new();
    let id = opened(&mut w, 6 * PRICE);
    let c = party(&w, "consumer");
    let chain = SharedChain::new(w.take_chain(), w.suite.clone());
    let consumer_client = chain.client(c.signer.account(), "consumer");
    // First run: the provider's process dies after at least two acknowledged minutes.
    let acknowledged = {
        let p = party(&w, "provider");
        bill_then_crash(&chain, provider_daemon(&chain, &p, None), &p, &c, id, 2).await
    };
    assert!(acknowledged.len() >= 2 && acknowledged.len() < 6);
    // Second run: a new process on the same store resumes and bills to the deposit.
    let p = party(&w, "provider");
    let provider = provider_daemon(&chain, &p, None);
    let (listener, address) = listen().await;
    tokio::spawn(provider.run(listener));
    let records = c
        .consume(&consumer_client, &address, id, &Unchecked)
        .await
        .expect("resumed");
    assert_eq!(records[0].minutes(), 6);
    let history = p.store.history(&id).expect("history");
    assert_eq!(history.len(), 6, "every minute stored exactly once");
    assert_eq!(
        &history[..acknowledged.len()],
        &acknowledged[..],
        "acknowledged states kept"
    );
    let on_chain = consumer_client
        .channel(&id)
        .expect("read")
        .expect("channel");
    assert!(
        matches!(
            on_chain.phase,
            Phase::Closed {
                paid: 6_000,
                refunded: 0,
                ..
            }
        ),
        "{:?}",
        on_chain.phase
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_probe_stops_signing_and_the_provider_learns_why() {
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(5 * PRICE);
    let provider = provider_daemon(&chain, &p, None);
    let (listener, address) = listen().await;
    let served = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        provider.serve(stream).await
    });
    let consumer_client = chain.client(c.signer.account(), "consumer");
    let failed = c
        .consume(
            &consumer_client,
            &address,
            id,
            &Probe::Command("exit 3".into()),
        )
        .await
        .expect_err("the probe fails");
    assert!(
        matches!(failed, SessionError::ServiceFailed(ref why) if why.contains("exited")),
        "{failed}"
    );
    match served.await.expect("task") {
        Err(SessionError::Wire(WireError::Peer { message, .. })) => {
            assert!(message.contains("service probe failed"), "{message}")
        }
        other => panic!("the provider did not learn why: {other:?}"),
    }
    assert!(c.store.history(&id).expect("history").is_empty());
    assert!(p.store.history(&id).expect("history").is_empty());
}

/// Issue 19 (security): a provider that ticks faster than the agreed interval collects
/// nothing early. Here it ticks back to back (interval zero) against a consumer that agreed to
/// a second per interval: the first tick comes at once and is refused unsigned, and the
/// provider learns why. Before, the consumer signed every valid tick as it came: the whole
/// deposit in milliseconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_ticks_faster_than_agreed_collects_nothing_early() {
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(10 * PRICE);
    let hasty = Arc::new(Provider::new(
        p.store.clone(),
        Arc::new(chain.client(p.signer.account(), "provider")),
        ink_account(&p.signer.account()),
        p.signer.pair().clone(),
        Duration::ZERO,
        CheckpointPolicy {
            every_minutes: 0,
            threshold: 0,
        },
        None,
    ));
    let (listener, address) = listen().await;
    let served = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        hasty.serve(stream).await
    });
    let client = chain.client(c.signer.account(), "consumer");
    let started = std::time::Instant::now();
    let _ = daemon::Consumer {
        store: &*c.store,
        chain: &client,
        account: ink_account(&c.signer.account()),
        key: c.signer.pair(),
        service: &Unchecked,
        interval: Duration::from_secs(1),
    }
    .consume(&address, &[id], None)
    .await;
    match served.await.expect("task") {
        Err(SessionError::Wire(WireError::Peer { message, .. })) => {
            assert!(
                message.contains("the billing interval is 1.000 s"),
                "{message}"
            )
        }
        other => panic!("the provider did not learn why: {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        c.store.history(&id).expect("history").is_empty(),
        "nothing signed ahead of time"
    );
    assert!(p.store.history(&id).expect("history").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_at_the_wrong_provider_is_refused_and_signs_nothing() {
    let mut w = World::new();
    let id = opened(&mut w, 5 * PRICE);
    let (stranger, c) = (party(&w, "stranger"), party(&w, "consumer"));
    let chain = SharedChain::new(w.take_chain(), w.suite.clone());
    let impostor = provider_daemon(&chain, &stranger, None);
    let address = run_daemon(impostor).await;
    let consumer_client = chain.client(c.signer.account(), "consumer");
    let e = c
        .consume(&consumer_client, &address, id, &Unchecked)
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("not this Provider's"), "{e}");
    assert!(c.store.history(&id).expect("history").is_empty());
}

/// A connection's channels are checked all before any is stored (one commit for the new
/// ones): one unknown channel among them refuses the whole `Join` and stores nothing. Before,
/// each channel's record was stored as it passed, so the ones before the bad one stayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unknown_channel_refuses_the_join_and_stores_nothing() {
    let Trade {
        w: _w,
        id,
        p: _p,
        c,
        chain,
    } = trade(5 * PRICE);
    let (listener, address) = listen().await;
    drop(listener); // never reached: the consumer refuses before it connects
    let client = chain.client(c.signer.account(), "consumer");
    let e = daemon::Consumer {
        store: &*c.store,
        chain: &client,
        account: ink_account(&c.signer.account()),
        key: c.signer.pair(),
        service: &Unchecked,
        interval: INTERVAL,
    }
    .consume(&address, &[id, [0x77; 32]], None)
    .await
    .expect_err("refused");
    assert!(e.to_string().contains("no channel 0x7777"), "{e}");
    assert_eq!(c.store.channel(&id).expect("read"), None, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watchtower_answers_a_stale_close_and_finalizes_even_after_a_restart() {
    use controller::session::Watched;
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(10 * PRICE);
    let consumer_client = chain.client(c.signer.account(), "consumer");
    // Four minutes are billed (no checkpoint); then the provider's daemon goes away without
    // a close.
    bill_then_crash(
        &chain,
        provider_daemon_every(&chain, &p, None, 0),
        &p,
        &c,
        id,
        4,
    )
    .await;
    let newest = p
        .store
        .history(&id)
        .expect("history")
        .last()
        .copied()
        .expect("a state");
    assert!(newest.nonce >= 4);
    let watchtower_client: Arc<dyn controller::chain::ChainClient> =
        Arc::new(chain.client(p.signer.account(), "watchtower"));
    let mut tower = daemon::Watchtower::new(p.store.clone(), watchtower_client.clone());
    assert!(tower
        .recover()
        .expect("recovered")
        .iter()
        .all(|(_, a)| *a == Watched::Nothing));
    // The consumer closes with its first state: it would pay one minute instead of four.
    let stale = c.store.history(&id).expect("history")[0];
    consumer_client
        .start_close(&id, Some(&stale))
        .expect("close started");
    let actions = tower.step().expect("a pass");
    assert_eq!(
        actions,
        vec![(
            id,
            Watched::Challenged {
                claimed: 1,
                with: newest.nonce
            }
        )]
    );
    // A second cheat: nothing newer to claim; a watchtower restarted now still finalizes.
    drop(tower);
    let mut restarted = daemon::Watchtower::new(p.store.clone(), watchtower_client.clone());
    restarted.recover().expect("recovered");
    assert_eq!(
        restarted.step().expect("a pass"),
        vec![],
        "the window is still open"
    );
    let deadline = match watchtower_client
        .channel(&id)
        .expect("read")
        .expect("channel")
        .phase
    {
        Phase::Closing { deadline, .. } => deadline,
        other => panic!("not closing: {other:?}"),
    };
    chain.advance_to(deadline).expect("time passes");
    assert_eq!(
        restarted.step().expect("a pass"),
        vec![(id, Watched::Finalized)]
    );
    let paid = newest.cumulative;
    match watchtower_client
        .channel(&id)
        .expect("read")
        .expect("channel")
        .phase
    {
        Phase::Closed {
            paid: p, refunded, ..
        } => {
            assert_eq!((p, refunded), (paid, 10 * PRICE - paid));
        }
        other => panic!("not closed: {other:?}"),
    }
}

/// The escrow's phase of channel `id` once `done` holds for it (polled for up to 10 s).
async fn chain_phase_when(
    client: &dyn controller::chain::ChainClient,
    id: [u8; 32],
    done: impl Fn(&Phase) -> bool,
) -> Phase {
    for _ in 0..1_000 {
        let phase = client.channel(&id).expect("read").expect("channel").phase;
        if done(&phase) {
            return phase;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the channel never got there: {:?}",
        client.channel(&id).expect("read").expect("channel").phase
    );
}

/// A probe that passes `passes` times; then the rented machine "freezes": the next check
/// hangs for `hang`, then fails. While it hangs the consumer answers nothing.
struct Freezes {
    passes: u32,
    hang: Duration,
    checks: std::sync::atomic::AtomicU32,
}

impl controller::session::ServiceCheck for Freezes {
    fn check(&self) -> Result<(), String> {
        let n = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n < self.passes {
            return Ok(());
        }
        std::thread::sleep(self.hang);
        Err("the machine froze".into())
    }
}

/// Issue 18: a consumer that stops answering (its connection open, nothing coming back) holds
/// neither the session nor the provider's money. The daemon ends the silent session after its
/// peer timeout and, the consumer still away, closes the channel unilaterally with the newest
/// state the consumer signed. Before, the session waited for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_stops_answering_is_closed_with_the_newest_state() {
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(10 * PRICE);
    let provider = Arc::new(
        unshared_provider(&chain, &p, None, 0).with_peer_timeout(Duration::from_millis(300)),
    );
    let address = run_daemon(provider.clone()).await;
    let consumer_client = chain.client(c.signer.account(), "consumer");
    let consumer = {
        let (store, me, key) = (
            c.store.clone(),
            ink_account(&c.signer.account()),
            c.signer.pair().clone(),
        );
        let client = chain.client(c.signer.account(), "consumer");
        tokio::spawn(async move {
            let freezes = Freezes {
                passes: 3,
                hang: Duration::from_secs(2),
                checks: 0.into(),
            };
            daemon::Consumer {
                store: &*store,
                chain: &client,
                account: me,
                key: &key,
                service: &freezes,
                interval: INTERVAL,
            }
            .consume(&address, &[id], None)
            .await
        })
    };
    let phase =
        chain_phase_when(&consumer_client, id, |p| matches!(p, Phase::Closing { .. })).await;
    let signed = c.store.history(&id).expect("history");
    let newest = *signed.last().expect("the consumer signed");
    assert_eq!(newest.nonce, 3, "three intervals passed the probe");
    assert_closing_with(phase, &newest);
    assert_eq!(
        p.store.history(&id).expect("history").last(),
        Some(&newest),
        "the provider closed with what it had stored"
    );
    let _ = consumer.await;
}

/// Issue 18: a provider that vanishes mid-billing (its process gone, nobody listening) does
/// not keep the consumer's deposit: the consumer reconnects until its peer timeout passes
/// without a billed interval, then closes unilaterally with the newest state it signed.
/// Before, `consume` returned on the hang-up and the channel stayed open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_vanishes_is_closed_by_the_consumer_with_its_newest_state() {
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(10 * PRICE);
    let provider = provider_daemon_every(&chain, &p, None, 0);
    let (listener, address) = listen().await;
    let served = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        provider.serve(stream).await
    });
    let consumer = {
        let (store, me, key, address) = (
            c.store.clone(),
            ink_account(&c.signer.account()),
            c.signer.pair().clone(),
            address.clone(),
        );
        let client = chain.client(c.signer.account(), "consumer");
        tokio::spawn(async move {
            daemon::Consumer {
                store: &*store,
                chain: &client,
                account: me,
                key: &key,
                service: &Unchecked,
                interval: INTERVAL,
            }
            .consume_until_closed(&address, &[id], Duration::from_millis(300))
            .await
        })
    };
    while p.store.history(&id).expect("history").len() < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    served.abort(); // the listener goes with it: reconnecting is refused
    let records = consumer
        .await
        .expect("task")
        .expect("closed by the consumer");
    let newest = *c
        .store
        .history(&id)
        .expect("history")
        .last()
        .expect("signed");
    assert_eq!(records[0].latest, Some(newest));
    assert!(!records[0].is_open_here(), "{:?}", records[0].phase);
    let client = chain.client(c.signer.account(), "consumer");
    assert_closing_with(
        client.channel(&id).expect("read").expect("channel").phase,
        &newest,
    );
}

/// Issue 18: the provider's daemon watches its own store while it serves (a store is opened
/// by one process at a time, so a separate `cgrid watch` could not): a stale close of one of
/// its channels is challenged with the newest state and finalized after the window, with the
/// daemon still running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemons_own_watchtower_answers_a_stale_close_while_it_serves() {
    let Trade { w, id, p, c, chain } = trade(10 * PRICE);
    assert!(
        matches!(
            RedbStore::open(&w.path("provider.redb")),
            Err(controller::store::StoreError::InUse)
        ),
        "the daemon's store is its own"
    );
    let provider =
        Arc::new(unshared_provider(&chain, &p, None, 0).with_watchtower(Duration::from_millis(20)));
    let address = run_daemon(provider.clone()).await;
    let consumer_client = chain.client(c.signer.account(), "consumer");
    // Four intervals, then the job stops (the probe fails) and the consumer leaves.
    let stops = Freezes {
        passes: 4,
        hang: Duration::ZERO,
        checks: 0.into(),
    };
    c.consume(&consumer_client, &address, id, &stops)
        .await
        .expect_err("the probe fails");
    let newest = *p
        .store
        .history(&id)
        .expect("history")
        .last()
        .expect("a state");
    assert_eq!(newest.nonce, 4);
    // The consumer closes with its first state (one minute instead of four).
    let stale = c.store.history(&id).expect("history")[0];
    consumer_client
        .start_close(&id, Some(&stale))
        .expect("close started");
    let phase = chain_phase_when(
        &consumer_client,
        id,
        |p| matches!(p, Phase::Closing { nonce, .. } if *nonce == newest.nonce),
    )
    .await;
    let Phase::Closing { deadline, .. } = phase else {
        unreachable!()
    };
    chain.advance_to(deadline).expect("time passes");
    match chain_phase_when(&consumer_client, id, |p| matches!(p, Phase::Closed { .. })).await {
        Phase::Closed { paid, refunded, .. } => {
            assert_eq!(
                (paid, refunded),
                (newest.cumulative, 10 * PRICE - newest.cumulative)
            )
        }
        other => panic!("{other:?}"),
    }
}

/// Issue 18: the HTTP API over one party's store on a deployed suite (`cgrid serve --store`,
/// `cgrid provide --api`): the channels with their newest state and the escrow's view,
/// the history, metrics, and a close — unilateral, with the newest state; opening a channel is
/// refused with a sentence saying how it is done, and a second close changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partys_api_reads_its_store_and_closes_with_the_newest_state() {
    use axum::http::StatusCode;
    use common::{call, json};
    let Trade {
        w: _w,
        id,
        p,
        c,
        chain,
    } = trade(10 * PRICE);
    let stored = bill_then_crash(
        &chain,
        provider_daemon_every(&chain, &p, None, 0),
        &p,
        &c,
        id,
        3,
    )
    .await;
    let newest = *stored.last().expect("states");
    let client: Arc<dyn controller::chain::ChainClient> =
        Arc::new(chain.client(p.signer.account(), "api"));
    let app = controller::api::router(Arc::new(controller::api::ApiState::party(
        p.store.clone(),
        client.clone(),
    )));
    let hex_id = format!("0x{}", hex::encode(id));

    let (status, body) = call(&app, "GET", "/channels", None).await;
    assert_eq!(status, StatusCode::OK);
    let listed = json(&body);
    assert_eq!(listed[0]["id"], hex_id.as_str());
    assert_eq!(listed[0]["minutes"], newest.nonce);
    let (_, body) = call(&app, "GET", &format!("/channels/{hex_id}"), None).await;
    assert_eq!(json(&body)["on_chain"]["phase"], "open");
    let (_, body) = call(&app, "GET", &format!("/channels/{hex_id}/history"), None).await;
    assert_eq!(json(&body).as_array().expect("states").len(), stored.len());
    let (status, body) = call(
        &app,
        "POST",
        "/channels",
        Some(serde_json::json!({"minutes": 5, "price_per_minute": 10})),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("cgrid offer create"));

    let (status, body) = call(&app, "POST", &format!("/channels/{hex_id}/close"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_closing_with(
        client.channel(&id).expect("read").expect("channel").phase,
        &newest,
    );
    let (status, _) = call(&app, "POST", &format!("/channels/{hex_id}/close"), None).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a second close changes nothing"
    );
    let (_, metrics) = call(&app, "GET", "/metrics", None).await;
    assert!(
        metrics.contains("cgrid_channels{phase=\"disputed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "cgrid_states_stored{{side=\"provider\"}} {}",
            stored.len()
        )),
        "{metrics}"
    );
}
