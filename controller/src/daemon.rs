//! A provider and a consumer on their own machines: the provider's daemon accepts any
//! consumer, checks on chain that each channel it is asked to serve is its own (its account,
//! its channel key, open), bills in real time, stores before acknowledging, checkpoints by
//! policy and closes cooperatively when the channel's deposit is used; the consumer joins with
//! its channel, signs an interval only after its service probe passed, and never more than the
//! terms allow. Both resume from their stores after a disconnect or a restart.

use crate::chain::ChainClient;
use crate::channel::{ChannelRecord, Side, Terms};
use crate::session::{self, CheckpointPolicy, Clock, ServiceCheck, SessionError};
use crate::store::ChannelStore;
use crate::wire::{Conn, ErrorCode, Frame, WireError};
use cgrid_shared::{ChannelId, Phase};
use ink::primitives::AccountId;
use sp_core::{sr25519, Pair as _};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// How the provider refuses a channel another connection is serving (the consumer retries).
const BUSY: &str = "is being served on another connection";

/// Most channels one `Join` may name: a `Join` must fit one frame (`wire::MAX_FRAME`, 16 KiB:
/// 500 ids of 32 bytes, their count and the variant take 16,003 bytes). A consumer with more
/// channels at one provider opens more connections.
pub const MAX_JOIN: usize = 500;

/// How long a new connection may take to say hello and `Join` before it is dropped (whatever
/// the peer timeout): a peer that connects and stays silent holds nothing for long.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Most connections the provider lets say hello and `Join` at the same time; more are closed
/// at once (a consumer reconnects). Joined sessions are not counted: silent strangers cannot
/// crowd out the channels being served.
pub const MAX_PENDING: usize = 256;

/// Billing intervals in real time. Needs a multi-threaded runtime (the wait moves the session
/// off the runtime's worker while it sleeps).
pub struct RealClock(pub Duration);

impl Clock for RealClock {
    fn advance(&self) {
        tokio::task::block_in_place(|| std::thread::sleep(self.0));
    }
}

/// Why a channel cannot be served here.
fn refuse(message: String) -> SessionError {
    SessionError::Wire(WireError::Peer {
        code: ErrorCode::UnknownChannel,
        message,
    })
}

/// The records of `channels` for `side`, acting as `account` with channel key `key`: each the
/// stored one (its deposit refreshed from chain after a top-up), or a new one made from the
/// channel on chain after checking that this side is `account` with `key` and that it is open.
/// The records then pass `check` (the provider: the `Join` is signed by their consumer keys).
/// New and refreshed records are stored in one commit, and only when every channel passed.
pub fn channel_records(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    channels: &[ChannelId],
    side: Side,
    account: &AccountId,
    key: &[u8; 32],
    check: &dyn Fn(&[ChannelRecord]) -> Result<(), SessionError>,
) -> Result<Vec<ChannelRecord>, SessionError> {
    let mut records = Vec::with_capacity(channels.len());
    let mut changed = Vec::new();
    for id in channels {
        let (record, is_changed) = checked_record(store, chain, id, side, account, key)?;
        if is_changed {
            changed.push(records.len());
        }
        records.push(record);
    }
    check(&records)?;
    if !changed.is_empty() {
        let to_save: Vec<&ChannelRecord> = changed.iter().map(|&i| &records[i]).collect();
        store.save_channels(&to_save)?;
    }
    Ok(records)
}

/// One channel of [`channel_records`], and whether its record is new or changed (not yet
/// stored).
fn checked_record(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    id: &ChannelId,
    side: Side,
    account: &AccountId,
    key: &[u8; 32],
) -> Result<(ChannelRecord, bool), SessionError> {
    let hex = format!("0x{}", hex::encode(id));
    let on_chain = chain
        .channel(id)?
        .ok_or_else(|| refuse(format!("no channel {hex} on chain")))?;
    let (who, whose_key) = match side {
        Side::Provider => (on_chain.provider, on_chain.provider_key),
        Side::Consumer => (on_chain.consumer, on_chain.consumer_key),
    };
    if who != *account || whose_key != *key {
        return Err(refuse(format!(
            "channel {hex} is not this {side:?}'s (account or channel key differ)"
        )));
    }
    if let Some(mut record) = store.channel(id)? {
        if record.side != side {
            return Err(refuse(format!(
                "this store keeps channel {hex} as the other side"
            )));
        }
        let topped_up = on_chain.deposit > record.terms.deposit;
        if topped_up {
            record.terms.deposit = on_chain.deposit;
        }
        return Ok((record, topped_up));
    }
    if !matches!(on_chain.phase, Phase::Open) {
        return Err(refuse(format!(
            "channel {hex} is {}, not open",
            crate::views::chain_phase_name(&on_chain.phase)
        )));
    }
    if on_chain.nonce > 0 {
        return Err(refuse(format!(
            "channel {hex} has settled states this store does not have; restore the store first"
        )));
    }
    let mut record = ChannelRecord::new(
        Terms {
            channel: *id,
            escrow: chain.escrow(),
            price_per_minute: on_chain.price_per_minute,
            min_cost: on_chain.min_cost,
            deposit: on_chain.deposit,
            consumer_key: on_chain.consumer_key,
            provider_key: on_chain.provider_key,
            expires_at: on_chain.expires_at,
            challenge_period: on_chain.challenge_period,
        },
        side,
    );
    record.opened()?;
    Ok((record, true))
}

/// The minutes a channel's deposit pays for.
fn affordable(record: &ChannelRecord) -> u64 {
    record
        .terms
        .deposit
        .checked_div(record.terms.price_per_minute)
        .map_or(0, |m| u64::try_from(m).unwrap_or(u64::MAX))
}

/// The provider's daemon.
pub struct Provider {
    pub store: Arc<dyn ChannelStore>,
    pub chain: Arc<dyn ChainClient>,
    pub account: AccountId,
    /// The channel key (the provider's account key as `offer create` names it).
    pub key: sr25519::Pair,
    pub interval: Duration,
    pub policy: CheckpointPolicy,
    /// Stop billing a channel at this many minutes (default: when its deposit is used) and
    /// close it cooperatively.
    pub close_at: Option<u64>,
    /// How long a consumer may stay silent on a connection, or away from a channel that owes
    /// the provider, before the provider gives up on it and closes the channel unilaterally
    /// with its newest state (`None`: wait for ever).
    pub peer_timeout: Option<Duration>,
    /// How often the built-in watchtower looks at the chain (`None`: no watchtower in this
    /// process).
    pub watch_poll: Option<Duration>,
    /// The billing clock (`None`: real time, one interval per `interval`).
    clock: Option<Arc<dyn Clock>>,
    /// Channels being served now: a channel is served on one connection at a time.
    active: Mutex<HashSet<ChannelId>>,
    /// When each channel's last connection ended (channels not served since the daemon
    /// started count from `started`).
    last_seen: Mutex<HashMap<ChannelId, Instant>>,
    started: Instant,
    /// How long a new connection may take to join ([`HANDSHAKE_TIMEOUT`]).
    handshake_timeout: Duration,
}

impl Provider {
    pub fn new(
        store: Arc<dyn ChannelStore>,
        chain: Arc<dyn ChainClient>,
        account: AccountId,
        key: sr25519::Pair,
        interval: Duration,
        policy: CheckpointPolicy,
        close_at: Option<u64>,
    ) -> Provider {
        Provider {
            store,
            chain,
            account,
            key,
            interval,
            policy,
            close_at,
            peer_timeout: None,
            watch_poll: None,
            clock: None,
            active: Mutex::new(HashSet::new()),
            last_seen: Mutex::new(HashMap::new()),
            started: Instant::now(),
            handshake_timeout: HANDSHAKE_TIMEOUT,
        }
    }

    /// Drops a connection that has not joined within `timeout` (default [`HANDSHAKE_TIMEOUT`]).
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Provider {
        self.handshake_timeout = timeout;
        self
    }

    /// Bills by `clock` instead of real time (the benchmark measures intervals with it).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Provider {
        self.clock = Some(clock);
        self
    }

    /// Gives up on a consumer after `timeout` of silence or absence (see `peer_timeout`).
    pub fn with_peer_timeout(mut self, timeout: Duration) -> Provider {
        self.peer_timeout = Some(timeout);
        self
    }

    /// Runs a watchtower over the daemon's store in the daemon's process, looking every `poll`
    /// (a store is opened by one process at a time, so this is how the provider's channels are
    /// watched while it serves them).
    pub fn with_watchtower(mut self, poll: Duration) -> Provider {
        self.watch_poll = Some(poll);
        self
    }

    /// Closes unilaterally, with the newest stored state, every channel of this provider that
    /// owes it something, is open, is not being served and whose consumer has been away for
    /// `peer_timeout`. Returns the channels it closed.
    pub fn close_abandoned(&self) -> Result<Vec<ChannelId>, SessionError> {
        let Some(timeout) = self.peer_timeout else {
            return Ok(Vec::new());
        };
        let mut closed = Vec::new();
        for mut record in self.store.channels()? {
            let id = record.id();
            let away = self
                .last_seen
                .lock()
                .expect("never poisoned")
                .get(&id)
                .copied()
                .unwrap_or(self.started)
                .elapsed();
            let serving = self.active.lock().expect("never poisoned").contains(&id);
            if record.side != Side::Provider || serving || away < timeout {
                continue;
            }
            if session::close_unilaterally(&*self.store, &*self.chain, &mut record)? {
                closed.push(id);
            }
        }
        Ok(closed)
    }

    /// Accepts consumers until the listener fails; each connection is served on its own task,
    /// and a session that ends (the consumer left, refused, or its probe failed) is logged.
    /// With `peer_timeout`, channels whose consumer stays away are closed unilaterally; with
    /// `watch_poll`, a watchtower runs beside.
    pub async fn run(self: Arc<Self>, listener: TcpListener) -> Result<(), String> {
        if let Some(poll) = self.watch_poll {
            let tower = Watchtower::new(self.store.clone(), self.chain.clone());
            tokio::spawn(async move {
                if let Err(e) = tower.run(poll).await {
                    tracing::error!(error = %e, "the watchtower stopped");
                }
            });
        }
        if let Some(timeout) = self.peer_timeout {
            let provider = self.clone();
            let every = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(5));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    match tokio::task::block_in_place(|| provider.close_abandoned()) {
                        Ok(closed) => {
                            for c in closed {
                                tracing::warn!(channel = %hex::encode(c), "consumer gone: closed unilaterally");
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "closing abandoned channels failed; retrying")
                        }
                    }
                }
            });
        }
        let pending = Arc::new(tokio::sync::Semaphore::new(MAX_PENDING));
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors, or a connection reset before it was accepted: the
                // daemon keeps serving its sessions and tries again.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed; retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = pending.clone().try_acquire_owned() else {
                tracing::debug!(%peer, "too many connections joining; closed");
                continue;
            };
            let provider = self.clone();
            tokio::spawn(async move {
                let joined = provider.join(stream).await;
                drop(permit);
                let served = match joined {
                    Ok((conn, channels)) => provider.serve_joined(conn, channels).await,
                    Err(e) => Err(e),
                };
                match served {
                    Ok(records) => {
                        for r in records {
                            tracing::info!(%peer, channel = %hex::encode(r.id()), minutes = r.minutes(), phase = ?r.phase, "session done");
                        }
                    }
                    Err(e) => tracing::warn!(%peer, error = %e, "session ended"),
                }
            });
        }
    }

    /// Serves one consumer connection: `Join`, the chain check of each channel, billing until
    /// each is used (or `close_at`), then a cooperative close.
    pub async fn serve(&self, stream: TcpStream) -> Result<Vec<ChannelRecord>, SessionError> {
        let (conn, joined) = self.join(stream).await?;
        self.serve_joined(conn, joined).await
    }

    /// A new connection's hellos and `Join`, within the handshake timeout.
    async fn join(&self, stream: TcpStream) -> Result<(Conn, Joined), SessionError> {
        let mut conn = Conn::new(stream);
        let limit = match self.peer_timeout {
            Some(t) => t.min(self.handshake_timeout),
            None => self.handshake_timeout,
        };
        conn.set_timeout(Some(limit));
        let escrow: [u8; 32] = *self.chain.escrow().as_ref();
        let challenge = conn.handshake(Side::Provider, escrow).await?.ours;
        let (channels, signature) = match conn.recv().await? {
            Frame::Join {
                channels,
                signature,
            } if !channels.is_empty() && channels.len() <= MAX_JOIN => (channels, signature),
            other => {
                let message = format!(
                    "expected Join with 1 to {MAX_JOIN} channels, got {}",
                    crate::wire::name(&other)
                );
                conn.send_error(ErrorCode::Unexpected, &message).await?;
                return Err(WireError::Malformed(message).into());
            }
        };
        conn.set_timeout(self.peer_timeout);
        Ok((
            conn,
            Joined {
                channels,
                signature,
                challenge,
            },
        ))
    }

    /// Serves a joined connection's channels: each checked on chain and the `Join` signed by
    /// its consumer key over this connection's challenge, before anything is stored or claimed.
    async fn serve_joined(
        &self,
        mut conn: Conn,
        joined: Joined,
    ) -> Result<Vec<ChannelRecord>, SessionError> {
        let Joined {
            channels,
            signature,
            challenge,
        } = joined;
        let escrow: [u8; 32] = *self.chain.escrow().as_ref();
        let hash = crate::wire::join_hash(&escrow, &challenge, &channels);
        // One signature over all the channels: verified once per distinct consumer key.
        let signed_by_consumer = |records: &[ChannelRecord]| {
            let mut verified = HashSet::new();
            for record in records {
                let key = record.terms.consumer_key;
                if !verified.contains(&key) && !crate::channel::verify(&key, &hash, &signature) {
                    return Err(refuse(format!(
                        "the Join is not signed by the consumer key of channel 0x{}",
                        hex::encode(record.id())
                    )));
                }
                verified.insert(key);
            }
            Ok(())
        };
        let mut records = match channel_records(
            &*self.store,
            &*self.chain,
            &channels,
            Side::Provider,
            &self.account,
            &self.key.public().0,
            &signed_by_consumer,
        ) {
            Ok(records) => records,
            Err(e) => {
                conn.send_error(ErrorCode::UnknownChannel, &e.to_string())
                    .await?;
                return Err(e);
            }
        };
        let _claim = self.claim(&channels, &mut conn).await?;
        let until = records
            .iter()
            .map(|r| self.close_at.unwrap_or(u64::MAX).min(affordable(r)))
            .min()
            .unwrap_or(0);
        let real = RealClock(self.interval);
        session::provide_many(
            &mut conn,
            &*self.store,
            Some(&*self.chain),
            &mut records,
            until,
            self.policy,
            self.clock.as_deref().unwrap_or(&real),
        )
        .await?;
        for record in records.iter_mut() {
            if record.minutes() >= until && record.latest.is_some() {
                session::close_cooperatively(
                    &mut conn,
                    &*self.store,
                    &*self.chain,
                    record,
                    &self.key,
                )
                .await?;
            }
        }
        Ok(records)
    }

    /// Marks `channels` as served by this connection until the returned guard drops; refuses
    /// a channel another connection is serving.
    async fn claim(
        &self,
        channels: &[ChannelId],
        conn: &mut Conn,
    ) -> Result<Claim<'_>, SessionError> {
        let busy = {
            let mut active = self
                .active
                .lock()
                .expect("the active set is never poisoned");
            let busy = channels.iter().find(|c| active.contains(*c)).copied();
            if busy.is_none() {
                active.extend(channels.iter().copied());
            }
            busy
        };
        if let Some(c) = busy {
            let message = format!("channel 0x{} {BUSY}", hex::encode(c));
            conn.send_error(ErrorCode::Unexpected, &message).await?;
            return Err(refuse(message));
        }
        Ok(Claim {
            active: &self.active,
            last_seen: &self.last_seen,
            channels: channels.to_vec(),
        })
    }
}

/// What a connection's `Join` asked: the channels, the consumer's signature, and the
/// challenge this side sent in its hello (what the signature must cover).
struct Joined {
    channels: Vec<ChannelId>,
    signature: cgrid_shared::Signature,
    challenge: [u8; 32],
}

/// Channels held by one connection.
struct Claim<'a> {
    active: &'a Mutex<HashSet<ChannelId>>,
    last_seen: &'a Mutex<HashMap<ChannelId, Instant>>,
    channels: Vec<ChannelId>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        // Seen until now: the consumer's absence counts from here. Recorded before the
        // channel is released, so the sweeper never sees it free with an old time.
        if let Ok(mut seen) = self.last_seen.lock() {
            let now = Instant::now();
            for c in &self.channels {
                seen.insert(*c, now);
            }
        }
        if let Ok(mut active) = self.active.lock() {
            for c in &self.channels {
                active.remove(c);
            }
        }
    }
}

/// The consumer's side: its store, its view of the chain, its account and channel key, the
/// service probe that must pass before each interval is paid, and the billing interval agreed
/// with the provider (a channel's ticks that come faster are refused unsigned).
pub struct Consumer<'a> {
    pub store: &'a dyn ChannelStore,
    pub chain: &'a dyn ChainClient,
    pub account: AccountId,
    pub key: &'a sr25519::Pair,
    pub service: &'a dyn ServiceCheck,
    pub interval: Duration,
}

impl Consumer<'_> {
    /// Joins the provider at `address` with `channels` and pays for them interval by interval
    /// (each only after the service probe passed), until the provider closes or hangs up (or,
    /// with `peer_timeout`, sends nothing for that long).
    pub async fn consume(
        &self,
        address: &str,
        channels: &[ChannelId],
        peer_timeout: Option<Duration>,
    ) -> Result<Vec<ChannelRecord>, SessionError> {
        if channels.is_empty() || channels.len() > MAX_JOIN {
            return Err(refuse(format!(
                "a connection serves 1 to {MAX_JOIN} channels, not {}",
                channels.len()
            )));
        }
        let mut records = channel_records(
            self.store,
            self.chain,
            channels,
            Side::Consumer,
            &self.account,
            &self.key.public().0,
            &|_| Ok(()),
        )?;
        let stream = TcpStream::connect(address).await.map_err(WireError::Io)?;
        let mut conn = Conn::new(stream);
        conn.set_timeout(peer_timeout);
        let escrow: [u8; 32] = *self.chain.escrow().as_ref();
        let theirs = conn.handshake(Side::Consumer, escrow).await?.theirs;
        conn.send(&Frame::Join {
            channels: channels.to_vec(),
            signature: self
                .key
                .sign(&crate::wire::join_hash(&escrow, &theirs, channels))
                .0,
        })
        .await?;
        session::consume_checked(
            &mut conn,
            self.store,
            &mut records,
            self.key,
            self.service,
            self.interval,
        )
        .await?;
        Ok(records)
    }

    /// [`Consumer::consume`] until every channel is closed: after the provider hangs up, goes
    /// silent or cannot be reached, the consumer reconnects (the provider may be restarting)
    /// until `peer_timeout` passes without a billed interval; then it closes each channel
    /// that is still open unilaterally with its newest signed state. A refusal by the provider
    /// (a channel that is not its own) or a failing service probe ends it at once: the
    /// consumer decided to stop, and closes nothing by itself.
    pub async fn consume_until_closed(
        &self,
        address: &str,
        channels: &[ChannelId],
        peer_timeout: Duration,
    ) -> Result<Vec<ChannelRecord>, SessionError> {
        let store = self.store;
        let billed = |records: &[ChannelRecord]| records.iter().map(|r| r.minutes()).sum::<u64>();
        let stored = || -> Result<Vec<ChannelRecord>, SessionError> {
            let mut out = Vec::new();
            for id in channels {
                out.extend(store.channel(id)?);
            }
            Ok(out)
        };
        let mut progress = (billed(&stored()?), Instant::now());
        loop {
            match self.consume(address, channels, Some(peer_timeout)).await {
                // The provider still serves the channel on an older connection (this consumer's,
                // before a restart; it ends once the provider notices the hang-up): retry.
                Err(SessionError::Wire(WireError::Peer {
                    code: ErrorCode::Unexpected,
                    ref message,
                })) if message.contains(BUSY) => {
                    tracing::info!(
                        "the provider still serves the channel on an older connection; retrying"
                    )
                }
                Err(
                    e @ (SessionError::ServiceFailed(_)
                    | SessionError::Wire(WireError::Peer { .. })),
                ) => return Err(e),
                Err(
                    e @ (SessionError::Store(_)
                    | SessionError::Chain(_)
                    | SessionError::NotOnChain
                    | SessionError::Channel(_)),
                ) => return Err(e),
                Ok(records) if records.iter().all(|r| !r.is_open_here()) => return Ok(records),
                Ok(_) => tracing::info!("the provider hung up; reconnecting"),
                Err(e) => tracing::warn!(error = %e, "the provider is unreachable; retrying"),
            }
            let now_billed = billed(&stored()?);
            if now_billed > progress.0 {
                progress = (now_billed, Instant::now());
            }
            if progress.1.elapsed() >= peer_timeout {
                let mut records = stored()?;
                for record in records.iter_mut() {
                    session::close_unilaterally(store, self.chain, record)?;
                }
                return Ok(records);
            }
            tokio::time::sleep(
                (peer_timeout / 10).clamp(Duration::from_millis(10), Duration::from_secs(2)),
            )
            .await;
        }
    }
}

/// A consumer's service probe: an HTTP health URL of the rented machine (any 2xx answer within
/// five seconds passes) or a shell command (exit status 0 passes).
#[derive(Debug, Clone)]
pub enum Probe {
    Http(String),
    Command(String),
}

impl ServiceCheck for Probe {
    fn check(&self) -> Result<(), String> {
        match self {
            Probe::Command(command) => {
                let status = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(command)
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .status()
                    .map_err(|e| format!("cannot run {command:?}: {e}"))?;
                if status.success() {
                    Ok(())
                } else {
                    Err(format!("{command:?} exited with {status}"))
                }
            }
            Probe::Http(url) => http_ok(url),
        }
    }
}

/// GET `url` (plain `http://host:port/path`) and require a 2xx status.
fn http_ok(url: &str) -> Result<(), String> {
    let (status, _) = crate::http::request("GET", url, None)?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("{url} answered {status}"))
    }
}

/// The watchtower: follows the escrow's close events (not a loop over known channels). For a
/// close of a channel in its store, it answers a claim that owes less than the newest stored
/// state with that state while the window is open, and finalizes once the window has passed.
/// Started again, it first looks once at every stored channel that is not closed, so a close
/// made while it was down is still answered.
pub struct Watchtower {
    store: Arc<dyn ChannelStore>,
    chain: Arc<dyn ChainClient>,
    /// Channels with a pending close, by the deadline of their window.
    pending: std::collections::BTreeMap<ChannelId, u64>,
    /// Where the event stream goes on from.
    cursor: u64,
}

/// What one pass did, per channel.
pub type Actions = Vec<(ChannelId, session::Watched)>;

impl Watchtower {
    pub fn new(store: Arc<dyn ChannelStore>, chain: Arc<dyn ChainClient>) -> Watchtower {
        Watchtower {
            store,
            chain,
            pending: Default::default(),
            cursor: 0,
        }
    }

    /// Starts following from the chain's present: every stored channel that is not closed is
    /// looked at once (answering a close made while no watchtower ran).
    pub fn recover(&mut self) -> Result<Actions, SessionError> {
        let (next, _) = self.chain.close_events(u64::MAX)?;
        self.cursor = next;
        let mut actions = Vec::new();
        for record in self.store.channels()? {
            if matches!(record.phase, crate::channel::LocalPhase::Closed { .. }) {
                continue;
            }
            actions.push((record.id(), self.look_at(record.id())?));
        }
        Ok(actions)
    }

    /// One pass: the close events since the last one, then the windows that have passed.
    pub fn step(&mut self) -> Result<Actions, SessionError> {
        let (next, events) = self.chain.close_events(self.cursor)?;
        self.cursor = next;
        let mut actions = Vec::new();
        let mut seen = HashSet::new();
        for event in events {
            let channel = event.channel();
            if seen.insert(channel) && self.store.channel(&channel)?.is_some() {
                actions.push((channel, self.look_at(channel)?));
            }
        }
        let now = self.chain.now();
        let due: Vec<ChannelId> = self
            .pending
            .iter()
            .filter(|(_, deadline)| now >= **deadline)
            .map(|(c, _)| *c)
            .collect();
        for channel in due {
            actions.push((channel, self.look_at(channel)?));
        }
        Ok(actions)
    }

    /// Runs `session::watch` on a stored channel and keeps its deadline while it is closing.
    fn look_at(&mut self, channel: ChannelId) -> Result<session::Watched, SessionError> {
        let Some(mut record) = self.store.channel(&channel)? else {
            return Ok(session::Watched::Nothing);
        };
        let done = session::watch(&*self.store, &*self.chain, &mut record)?;
        match self.chain.channel(&channel)?.map(|c| c.phase) {
            Some(Phase::Closing { deadline, .. }) => {
                self.pending.insert(channel, deadline);
            }
            _ => {
                self.pending.remove(&channel);
            }
        }
        if done != session::Watched::Nothing {
            tracing::info!(channel = %hex::encode(channel), action = ?done, "watchtower");
        }
        Ok(done)
    }

    /// Follows the chain every `poll` until the task is dropped; a failed pass is logged and
    /// retried.
    pub async fn run(mut self, poll: Duration) -> Result<(), SessionError> {
        self.recover()?;
        loop {
            if let Err(e) = self.step() {
                tracing::warn!(error = %e, "watchtower pass failed; retrying");
            }
            tokio::time::sleep(poll).await;
        }
    }
}
