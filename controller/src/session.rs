//! Running a channel between two controllers: the provider proposes each minute's bill, the
//! consumer signs it, the provider verifies it, **stores it durably, then acknowledges** and
//! goes on serving; checkpoints follow the provider's policy; the provider closes cooperatively
//! at the end. The watchtower answers stale unilateral closes.
//!
//! Everything that decides is in [`crate::channel`]; this module moves frames, calls the store
//! and the chain, and never changes a record before the store has the new version.

use crate::chain::{ChainClient, ChainError};
use crate::channel::{ChannelError, ChannelRecord, LocalPhase, SignedState};
use crate::store::{ChannelStore, StoreError};
use crate::wire::{name, Conn, ErrorCode, Frame, WireError};
use cgrid_shared::{Balance, ChannelId};
use sp_core::sr25519;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("the channel is not on chain")]
    NotOnChain,
    #[error("the service probe failed: {0}")]
    ServiceFailed(String),
}

/// What a consumer checks before it signs an interval: that it got the service it pays for
/// (see `daemon::Probe`). A failing check stops signing; the provider is told why.
pub trait ServiceCheck: Send + Sync {
    fn check(&self) -> Result<(), String>;
}

/// No check: every interval is taken as served.
pub struct Unchecked;

impl ServiceCheck for Unchecked {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// When the provider settles on chain.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointPolicy {
    /// Every this many minutes (0: never by time).
    pub every_minutes: u64,
    /// When this much is unsettled (0: never by amount).
    pub threshold: Balance,
}

/// The simulated (or real) passing of one billing interval.
pub trait Clock: Send + Sync {
    fn advance(&self);
}

/// Provider: bills over `conn` until the channel has `until_minute` minutes, checkpointing by
/// `policy`. `record` is updated (and stored) as it goes; close with [`close_cooperatively`].
/// One channel of [`provide_many`].
pub async fn provide(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    chain: Option<&dyn ChainClient>,
    record: &mut ChannelRecord,
    until_minute: u64,
    policy: CheckpointPolicy,
    clock: &dyn Clock,
) -> Result<(), SessionError> {
    let records = std::slice::from_mut(record);
    provide_many(conn, store, chain, records, until_minute, policy, clock).await
}

/// Provider: bills every channel of `records` over one connection to their consumer until each
/// has `until_minute` minutes. Each billing interval (one `clock.advance()`) sends a tick per
/// channel, takes the consumer's signed states in any order, verifies them (in parallel when
/// there are many), **stores them in one commit, then acknowledges** them, and checkpoints the
/// channels the policy names. Records are updated only after the store has them.
///
/// The session starts by resuming every channel: the provider tells the consumer the newest
/// state it has stored, and takes the consumer's newer state if it lost one in a crash.
/// Checkpoints need a `chain`; without one, none are made. A refused state (bad signature,
/// wrong amount, …) is answered with an error frame and ends the session after the valid
/// states of the same interval are stored and acknowledged.
pub async fn provide_many(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    chain: Option<&dyn ChainClient>,
    records: &mut [ChannelRecord],
    until_minute: u64,
    policy: CheckpointPolicy,
    clock: &dyn Clock,
) -> Result<(), SessionError> {
    let index = index_of(records);
    for record in records.iter() {
        conn.feed(&Frame::Resume {
            channel: record.id(),
            nonce: record.minutes(),
        })
        .await?;
    }
    conn.flush().await?;
    let all: Vec<usize> = (0..records.len()).collect();
    let newer = expect_answers(conn, records, &index, &all, true).await?;
    if !newer.is_empty() {
        tracing::info!(
            channels = newer.len(),
            "resumed with the consumer's newer states"
        );
    }
    store_and_ack(conn, store, records, newer).await?;
    loop {
        let due: Vec<usize> = (0..records.len())
            .filter(|&i| records[i].minutes() < until_minute)
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        clock.advance();
        for &i in &due {
            let tick = records[i].next_tick()?;
            conn.feed(&Frame::Tick {
                channel: records[i].id(),
                tick,
            })
            .await?;
        }
        conn.flush().await?;
        let states = expect_answers(conn, records, &index, &due, false).await?;
        store_and_ack(conn, store, records, states).await?;
        if let Some(chain) = chain {
            for &i in &due {
                if records[i].should_checkpoint(policy.every_minutes, policy.threshold) {
                    checkpoint(store, chain, &mut records[i])?;
                }
            }
        }
    }
}

/// A consumer's state with the verdict on it: the channel's record advanced to it, or why not.
type Checked = (usize, SignedState, Result<ChannelRecord, ChannelError>);

/// Collects one answer from the consumer for each channel in `expected` (indices into the
/// session's records): a `State`, or — answering a `Resume` (`acks_allowed`) — an `Ack`, which
/// contributes nothing. Frames for other channels, repeated answers and other frames are
/// answered with an error frame and skipped. States are verified in chunks as they arrive, so
/// verifying overlaps with the consumer signing the rest.
async fn expect_answers(
    conn: &mut Conn,
    records: &[ChannelRecord],
    index: &HashMap<ChannelId, usize>,
    expected: &[usize],
    acks_allowed: bool,
) -> Result<Vec<Checked>, SessionError> {
    let mut waiting: std::collections::HashSet<usize> = expected.iter().copied().collect();
    let mut states = Vec::with_capacity(VERIFY_CHUNK);
    let mut checked = Vec::with_capacity(expected.len());
    while !waiting.is_empty() {
        if states.len() >= VERIFY_CHUNK {
            verify_chunk(records, &mut states, &mut checked);
        }
        let (channel, state) = match conn.recv().await {
            Ok(Frame::State { channel, state }) => (channel, Some(state)),
            Ok(Frame::Ack { channel, .. }) if acks_allowed => (channel, None),
            // The consumer refused (a tick, or its service probe failed): no state will come.
            Ok(Frame::Error { code, message }) => {
                return Err(WireError::Peer { code, message }.into())
            }
            Ok(other) => {
                let message = format!("expected State, got {}", name(&other));
                conn.send_error(ErrorCode::Unexpected, &message).await?;
                continue;
            }
            Err(WireError::Malformed(_)) => continue, // answered; wait for a proper frame
            Err(e) => return Err(e.into()),
        };
        match index.get(&channel) {
            Some(&i) if waiting.remove(&i) => {
                if let Some(state) = state {
                    states.push((i, state));
                }
            }
            Some(_) => {
                let message = "this channel already answered for this interval";
                conn.send_error(ErrorCode::Unexpected, message).await?;
            }
            None => {
                conn.send_error(ErrorCode::UnknownChannel, "no such channel in this session")
                    .await?;
            }
        }
    }
    verify_chunk(records, &mut states, &mut checked);
    Ok(checked)
}

/// Verifies the states collected so far and moves them, with their verdicts, to `checked`.
fn verify_chunk(
    records: &[ChannelRecord],
    states: &mut Vec<(usize, SignedState)>,
    checked: &mut Vec<Checked>,
) {
    let verdicts = verify_all(records, states);
    checked.extend(
        states
            .drain(..)
            .zip(verdicts)
            .map(|((i, state), verdict)| (i, state, verdict)),
    );
}

/// States verified together (on several threads) while more arrive.
const VERIFY_CHUNK: usize = 256;

/// From this many states on, the provider verifies them on several threads.
const PARALLEL_VERIFY_FROM: usize = 32;

/// Provider: commits the verified states in one transaction, and only then acknowledges them;
/// a refused state is reported to the consumer and ends the session.
async fn store_and_ack(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    records: &mut [ChannelRecord],
    checked: Vec<Checked>,
) -> Result<(), SessionError> {
    let mut valid = Vec::with_capacity(checked.len());
    let mut refused = None;
    for (i, state, result) in checked {
        match result {
            Ok(next) => valid.push((i, next, state)),
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    if !valid.is_empty() {
        let batch: Vec<(&ChannelRecord, &SignedState)> =
            valid.iter().map(|(_, next, state)| (next, state)).collect();
        if let Err(e) = store.save_states(&batch) {
            conn.send_error(
                ErrorCode::Storage,
                "the provider could not store the states",
            )
            .await?;
            return Err(e.into());
        }
        for (i, next, state) in valid {
            records[i] = next;
            conn.feed(&Frame::Ack {
                channel: records[i].id(),
                nonce: state.nonce,
            })
            .await?;
            tracing::debug!(
                minute = state.nonce,
                owed = state.cumulative,
                "state stored"
            );
        }
        conn.flush().await?;
    }
    if let Some(e) = refused {
        conn.send_error(ErrorCode::Refused, &e.to_string()).await?;
        return Err(e.into());
    }
    Ok(())
}

/// Each state applied to a copy of its channel's record (the signature check is the expensive
/// part), on up to `available_parallelism` threads when there are many.
fn verify_all(
    records: &[ChannelRecord],
    states: &[(usize, SignedState)],
) -> Vec<Result<ChannelRecord, ChannelError>> {
    let apply = |(i, state): &(usize, SignedState)| {
        let mut next = records[*i].clone();
        next.apply_state(*state).map(|()| next)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if states.len() < PARALLEL_VERIFY_FROM || threads < 2 {
        return states.iter().map(apply).collect();
    }
    let chunk = states.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = states
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(apply).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a verification thread panicked"))
            .collect()
    })
}

/// Provider: settles the newest state on chain. When the chain does not answer (or its answer
/// is lost), what the escrow holds decides: a checkpoint that went through is recorded as
/// settled; one that did not leaves the channel billing, to be retried by the policy at a later
/// interval with a newer state. The escrow pays a checkpoint only above what it has paid, so
/// a retry never pays twice. A channel the escrow no longer has open ends the session.
pub fn checkpoint(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    record: &mut ChannelRecord,
) -> Result<(), SessionError> {
    let state = record.begin_checkpoint()?;
    store.save_channel(record)?;
    if let Err(e) = chain.checkpoint(&record.id(), &state) {
        let on_chain = chain.channel(&record.id());
        match on_chain {
            Ok(Some(ch)) if ch.nonce >= state.nonce => {
                tracing::info!(
                    minute = ch.nonce,
                    "the checkpoint went through (its answer was lost)"
                );
                record.checkpointed(ch.nonce, ch.paid);
            }
            Ok(Some(ch)) if matches!(ch.phase, cgrid_shared::Phase::Open) => {
                tracing::warn!(error = %e, minute = state.nonce, "checkpoint failed; billing goes on and a later one retries");
                record.checkpoint_failed();
            }
            Ok(_) => {
                record.checkpoint_failed();
                store.save_channel(record)?;
                return Err(e.into());
            }
            Err(read) => {
                tracing::warn!(error = %e, read = %read, minute = state.nonce, "checkpoint failed and the chain does not answer; billing goes on and a later one retries");
                record.checkpoint_failed();
            }
        }
        store.save_channel(record)?;
        return Ok(());
    }
    record.checkpointed(state.nonce, state.cumulative);
    store.save_channel(record)?;
    tracing::info!(
        minute = state.nonce,
        settled = state.cumulative,
        "checkpointed on chain"
    );
    Ok(())
}

/// Provider: asks the consumer to countersign a close at the newest state, submits it, and
/// records the outcome read back from chain.
pub async fn close_cooperatively(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    record: &mut ChannelRecord,
    provider_key: &sr25519::Pair,
) -> Result<(), SessionError> {
    let id = record.id();
    let (nonce, cumulative, provider_signature) = record.begin_close(provider_key)?;
    store.save_channel(record)?;
    conn.send(&Frame::CloseRequest {
        channel: id,
        nonce,
        cumulative,
        provider_signature,
    })
    .await?;
    let consumer_signature = loop {
        match conn.recv().await {
            Ok(Frame::CloseSigned {
                channel,
                nonce: n,
                cumulative: c,
                consumer_signature,
            }) if channel == id => {
                record.check_countersignature(n, c, &consumer_signature)?;
                break consumer_signature;
            }
            Ok(Frame::Ack { .. }) => {}
            Ok(Frame::Error { code, message }) => {
                return Err(WireError::Peer { code, message }.into())
            }
            Ok(other) => {
                let message = format!("expected CloseSigned, got {}", name(&other));
                conn.send_error(ErrorCode::Unexpected, &message).await?;
            }
            Err(WireError::Malformed(_)) => {}
            Err(e) => return Err(e.into()),
        }
    };
    chain.close_cooperative(
        &id,
        nonce,
        cumulative,
        &consumer_signature,
        &provider_signature,
    )?;
    sync_closed(store, chain, record)
}

/// Reads a closed channel's outcome from chain into the record.
fn sync_closed(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    record: &mut ChannelRecord,
) -> Result<(), SessionError> {
    let on_chain = chain
        .channel(&record.id())?
        .ok_or(SessionError::NotOnChain)?;
    if let cgrid_shared::Phase::Closed { paid, refunded, .. } = on_chain.phase {
        record.closed(paid, refunded);
        store.save_channel(record)?;
    }
    Ok(())
}

/// Consumer: answers ticks with signed states (stored before they are sent) and countersigns
/// the close; returns when the provider hangs up after the close. One channel of
/// [`consume_many`].
pub async fn consume(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    record: &mut ChannelRecord,
    consumer_key: &sr25519::Pair,
) -> Result<(), SessionError> {
    consume_many(conn, store, std::slice::from_mut(record), consumer_key).await
}

/// Most ticks the consumer signs and stores in one commit.
const CONSUMER_BATCH: usize = 512;

/// Consumer: serves every channel of `records` over one connection. Ticks that have already
/// arrived together are signed and **stored in one commit before any of their states is
/// sent**; frames are answered in the order they came. A tick that does not follow the terms,
/// a frame for another channel or an unexpected frame gets an error frame and changes nothing.
/// Returns when the provider hangs up. Records are updated in place as soon as the store has
/// their new state, so a session cancelled at any point leaves them matching the store.
pub async fn consume_many(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    records: &mut [ChannelRecord],
    consumer_key: &sr25519::Pair,
) -> Result<(), SessionError> {
    consume_checked(
        conn,
        store,
        records,
        consumer_key,
        &Unchecked,
        Duration::ZERO,
    )
    .await
}

/// The consumer's pace: a channel's next interval is signed only once `interval` has passed
/// since its previous one was signed in this session (or since the session began). The
/// provider starts waiting out an interval only after it has the previous state, so an honest
/// provider's ticks are never early; a provider that ticks faster than agreed is refused and
/// collects nothing ahead of time.
struct Pace {
    interval: Duration,
    began: Instant,
    last: HashMap<ChannelId, Instant>,
}

impl Pace {
    fn new(interval: Duration) -> Pace {
        Pace {
            interval,
            began: Instant::now(),
            last: HashMap::new(),
        }
    }

    /// Why minute `minute` of `channel` may not be signed now, if it may not.
    fn early(&self, channel: &ChannelId, minute: u64) -> Option<String> {
        let since = self.last.get(channel).copied().unwrap_or(self.began);
        let waited = since.elapsed();
        (waited < self.interval).then(|| {
            format!(
                "tick for minute {minute} came {:.3} s after the previous interval; the billing interval is {:.3} s",
                waited.as_secs_f64(),
                self.interval.as_secs_f64()
            )
        })
    }

    fn signed(&mut self, channel: ChannelId) {
        self.last.insert(channel, Instant::now());
    }
}

/// [`consume_many`], running `service` before signing each batch of ticks (when it fails, the
/// consumer signs nothing more, tells the provider why in an error frame and ends the
/// session), and signing each channel's intervals no faster than one per `interval` (an early
/// tick is refused with an error frame and signs nothing; see [`Pace`]).
pub async fn consume_checked(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    records: &mut [ChannelRecord],
    consumer_key: &sr25519::Pair,
    service: &dyn ServiceCheck,
    interval: Duration,
) -> Result<(), SessionError> {
    let index = index_of(records);
    let records = &mut Records { index, records };
    let mut pace = Pace::new(interval);
    loop {
        let first = match conn.recv().await {
            Ok(frame) => frame,
            Err(WireError::Closed) => return Ok(()),
            Err(WireError::Malformed(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        // Whatever else has arrived already joins this batch (a stream's `next` is cancel-safe).
        let mut frames = vec![first];
        let mut closed = false;
        while frames.len() < CONSUMER_BATCH {
            match futures::FutureExt::now_or_never(conn.recv()) {
                Some(Ok(frame)) => frames.push(frame),
                Some(Err(WireError::Malformed(_))) => {}
                Some(Err(WireError::Closed)) => {
                    closed = true;
                    break;
                }
                Some(Err(e)) => return Err(e.into()),
                None => break,
            }
        }
        if frames.iter().any(|f| matches!(f, Frame::Tick { .. })) {
            if let Err(why) = service.check() {
                let message = format!("the consumer's service probe failed: {why}");
                conn.send_error(ErrorCode::Refused, &message).await?;
                return Err(SessionError::ServiceFailed(why));
            }
        }
        let mut pending: Vec<(ChannelRecord, SignedState)> = Vec::new();
        for frame in frames {
            if let Frame::Tick { channel, tick } = frame {
                let Some(record) = pending
                    .iter()
                    .rev()
                    .find(|(r, _)| r.id() == channel)
                    .map(|(r, _)| r)
                    .or_else(|| records.get(&channel).map(|r| &*r))
                else {
                    send_states(conn, store, records, &mut pending).await?;
                    conn.send_error(ErrorCode::UnknownChannel, "no such channel here")
                        .await?;
                    continue;
                };
                if let Some(why) = pace.early(&channel, tick.minute) {
                    send_states(conn, store, records, &mut pending).await?;
                    conn.send_error(ErrorCode::Refused, &why).await?;
                    continue;
                }
                let signed = record.sign_tick(&tick, consumer_key).and_then(|state| {
                    let mut next = record.clone();
                    next.apply_own_state(state).map(|()| (next, state))
                });
                match signed {
                    Ok(next) => {
                        pace.signed(channel);
                        pending.push(next)
                    }
                    Err(e) => {
                        // Answers keep the order of the ticks.
                        send_states(conn, store, records, &mut pending).await?;
                        conn.send_error(ErrorCode::Refused, &e.to_string()).await?;
                    }
                }
                continue;
            }
            // Any other frame: the states signed so far go out first, in order.
            send_states(conn, store, records, &mut pending).await?;
            answer(conn, store, records, consumer_key, frame).await?;
        }
        send_states(conn, store, records, &mut pending).await?;
        if closed {
            return Ok(());
        }
    }
}

/// Where each channel of a session is in its records.
fn index_of(records: &[ChannelRecord]) -> HashMap<ChannelId, usize> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id(), i))
        .collect()
}

/// A session's channels, found by id.
struct Records<'a> {
    index: HashMap<ChannelId, usize>,
    records: &'a mut [ChannelRecord],
}

impl Records<'_> {
    fn get(&mut self, channel: &ChannelId) -> Option<&mut ChannelRecord> {
        let i = *self.index.get(channel)?;
        self.records.get_mut(i)
    }
}

/// Consumer: stores the signed states in one commit, then sends them.
async fn send_states(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    records: &mut Records<'_>,
    pending: &mut Vec<(ChannelRecord, SignedState)>,
) -> Result<(), SessionError> {
    if pending.is_empty() {
        return Ok(());
    }
    let batch: Vec<(&ChannelRecord, &SignedState)> = pending.iter().map(|(r, s)| (r, s)).collect();
    store.save_states(&batch)?;
    for (record, state) in pending.drain(..) {
        let channel = record.id();
        if let Some(slot) = records.get(&channel) {
            *slot = record;
        }
        conn.feed(&Frame::State { channel, state }).await?;
    }
    conn.flush().await?;
    Ok(())
}

/// Consumer: answers a frame other than a tick.
async fn answer(
    conn: &mut Conn,
    store: &dyn ChannelStore,
    records: &mut Records<'_>,
    consumer_key: &sr25519::Pair,
    frame: Frame,
) -> Result<(), SessionError> {
    let channel = match &frame {
        Frame::Resume { channel, .. } | Frame::CloseRequest { channel, .. } => *channel,
        Frame::Ack { .. } => return Ok(()),
        // Never answered with another error: the provider refused (e.g. a channel that is not
        // its own), so the session ends with its reason.
        Frame::Error { code, message } => {
            return Err(WireError::Peer {
                code: *code,
                message: message.clone(),
            }
            .into())
        }
        other => {
            let message = format!("unexpected {}", name(other));
            conn.send_error(ErrorCode::Unexpected, &message).await?;
            return Ok(());
        }
    };
    let Some(record) = records.get(&channel) else {
        conn.send_error(ErrorCode::UnknownChannel, "no such channel here")
            .await?;
        return Ok(());
    };
    match frame {
        Frame::Resume { nonce, .. } => match record.latest {
            Some(state) if state.nonce > nonce => {
                conn.send(&Frame::State { channel, state }).await?;
            }
            _ if record.minutes() < nonce => {
                let message = format!(
                    "the provider claims minute {nonce}; the newest state signed here is minute {}",
                    record.minutes()
                );
                conn.send_error(ErrorCode::Refused, &message).await?;
            }
            _ => conn.send(&Frame::Ack { channel, nonce }).await?,
        },
        Frame::CloseRequest {
            nonce,
            cumulative,
            provider_signature,
            ..
        } => {
            let mut next = record.clone();
            match next.countersign_close(nonce, cumulative, &provider_signature, consumer_key) {
                Ok(consumer_signature) => {
                    store.save_channel(&next)?;
                    *record = next;
                    conn.send(&Frame::CloseSigned {
                        channel,
                        nonce,
                        cumulative,
                        consumer_signature,
                    })
                    .await?;
                }
                Err(e) => conn.send_error(ErrorCode::Refused, &e.to_string()).await?,
            }
        }
        _ => unreachable!("only Resume and CloseRequest reach here"),
    }
    Ok(())
}

/// Starts a unilateral close of `record` with its newest state — when the peer stopped
/// answering (it went silent, hung up and did not come back), or on request: the escrow gives
/// the other side the challenge period to answer with a state that owes more, and a
/// watchtower finalizes after it. Does nothing — `Ok(false)` — for a channel that holds no state, is not open here,
/// or is no longer open on chain (then the record follows the chain).
pub fn close_unilaterally(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    record: &mut ChannelRecord,
) -> Result<bool, SessionError> {
    let Some(state) = record.latest.filter(|_| record.is_open_here()) else {
        return Ok(false);
    };
    let on_chain = chain
        .channel(&record.id())?
        .ok_or(SessionError::NotOnChain)?;
    if !matches!(on_chain.phase, cgrid_shared::Phase::Open) {
        watch(store, chain, record)?;
        return Ok(false);
    }
    chain.start_close(&record.id(), Some(&state))?;
    watch(store, chain, record)?;
    tracing::warn!(
        channel = %hex::encode(record.id()),
        nonce = state.nonce,
        cumulative = %state.cumulative,
        "closed unilaterally with the newest state"
    );
    Ok(true)
}

/// What the watchtower did for a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    Nothing,
    /// A close claiming less than we hold was answered with our state (nonces shown).
    Challenged {
        claimed: u64,
        with: u64,
    },
    /// The challenge window passed; the close was paid out.
    Finalized,
    /// The chain shows the channel closed; the record now says so.
    Closed,
}

/// One pass of the watchtower over a channel: follow the escrow's view of it; answer a close
/// whose claim owes less than the newest stored state while the window is open; finalize after
/// the window.
pub fn watch(
    store: &dyn ChannelStore,
    chain: &dyn ChainClient,
    record: &mut ChannelRecord,
) -> Result<Watched, SessionError> {
    if matches!(record.phase, LocalPhase::Closed { .. }) {
        return Ok(Watched::Nothing);
    }
    let on_chain = chain
        .channel(&record.id())?
        .ok_or(SessionError::NotOnChain)?;
    match on_chain.phase {
        cgrid_shared::Phase::Open => Ok(Watched::Nothing),
        cgrid_shared::Phase::Closing {
            nonce,
            cumulative,
            deadline,
            ..
        } => {
            let newer: Option<SignedState> = record.close_seen((nonce, cumulative), deadline);
            store.save_channel(record)?;
            let now = chain.now();
            match newer {
                Some(state) if now < deadline => {
                    chain.challenge(&record.id(), &state)?;
                    tracing::warn!(
                        claimed = nonce,
                        with = state.nonce,
                        "stale close challenged"
                    );
                    Ok(Watched::Challenged {
                        claimed: nonce,
                        with: state.nonce,
                    })
                }
                _ if now >= deadline => {
                    chain.finalize(&record.id())?;
                    sync_closed(store, chain, record)?;
                    Ok(Watched::Finalized)
                }
                _ => Ok(Watched::Nothing),
            }
        }
        cgrid_shared::Phase::Closed { paid, refunded, .. } => {
            record.closed(paid, refunded);
            store.save_channel(record)?;
            Ok(Watched::Closed)
        }
    }
}
