//! Running a channel between two controllers: the provider proposes each minute's bill, the
//! consumer signs it, the provider verifies it, **stores it durably, then acknowledges** and
//! goes on serving; checkpoints follow the provider's policy; the provider closes cooperatively
//! at the end. The watchtower answers stale unilateral closes.
//!
//! Everything that decides is in [`crate::channel`]; this module moves frames, calls the store
//! and the chain, and never changes a record before the store has the new version.

use crate::chain::{Chain, ChainError};
use crate::channel::{ChannelError, ChannelRecord, Phase, SignedState};
use crate::store::{Store, StoreError};
use crate::wire::{name, Conn, ErrorCode, Frame, WireError};
use cgrid_shared::Balance;
use sp_core::sr25519;

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
///
/// The session starts by resuming: the provider tells the consumer the newest state it has
/// stored, and takes the consumer's newer state if it lost one in a crash. Checkpoints need a
/// `chain`; without one, none are made.
pub async fn provide(
    conn: &mut Conn,
    store: &Store,
    chain: Option<&dyn Chain>,
    record: &mut ChannelRecord,
    until_minute: u64,
    policy: CheckpointPolicy,
    clock: &dyn Clock,
) -> Result<(), SessionError> {
    let id = record.id();
    conn.send(&Frame::Resume {
        channel: id,
        nonce: record.minutes(),
    })
    .await?;
    match expect_state_or_ack(conn, id).await? {
        Some(state) => {
            store_and_ack(conn, store, record, state).await?;
            tracing::info!(
                minute = state.nonce,
                "resumed with the consumer's newer state"
            );
        }
        None => tracing::debug!(minute = record.minutes(), "resumed in sync"),
    }
    while record.minutes() < until_minute {
        clock.advance();
        let tick = record.next_tick()?;
        conn.send(&Frame::Tick { channel: id, tick }).await?;
        let state = loop {
            if let Some(state) = expect_state_or_ack(conn, id).await? {
                break state;
            }
        };
        store_and_ack(conn, store, record, state).await?;
        tracing::debug!(
            minute = state.nonce,
            owed = state.cumulative,
            "state stored"
        );
        if let Some(chain) = chain {
            if record.should_checkpoint(policy.every_minutes, policy.threshold) {
                checkpoint(store, chain, record)?;
            }
        }
    }
    Ok(())
}

/// The next `State` (Some) or `Ack` (None) for channel `id`; other frames are answered with
/// an error frame and skipped.
async fn expect_state_or_ack(
    conn: &mut Conn,
    id: cgrid_shared::ChannelId,
) -> Result<Option<SignedState>, SessionError> {
    loop {
        match conn.recv().await {
            Ok(Frame::State { channel, state }) if channel == id => return Ok(Some(state)),
            Ok(Frame::Ack { channel, .. }) if channel == id => return Ok(None),
            Ok(other) => {
                let message = format!("expected State, got {}", name(&other));
                conn.send_error(ErrorCode::Unexpected, &message).await?;
            }
            Err(WireError::Malformed(_)) => {} // answered; wait for a proper frame
            Err(e) => return Err(e.into()),
        }
    }
}

/// Provider: validates a state, commits it to the store, and only then acknowledges it.
async fn store_and_ack(
    conn: &mut Conn,
    store: &Store,
    record: &mut ChannelRecord,
    state: SignedState,
) -> Result<(), SessionError> {
    let mut next = record.clone();
    if let Err(e) = next.apply_state(state) {
        conn.send_error(ErrorCode::Refused, &e.to_string()).await?;
        return Err(e.into());
    }
    if let Err(e) = store.save_state(&next, &state) {
        conn.send_error(ErrorCode::Storage, "the provider could not store the state")
            .await?;
        return Err(e.into());
    }
    *record = next;
    conn.send(&Frame::Ack {
        channel: record.id(),
        nonce: state.nonce,
    })
    .await?;
    Ok(())
}

/// Provider: settles the newest state on chain.
pub fn checkpoint(
    store: &Store,
    chain: &dyn Chain,
    record: &mut ChannelRecord,
) -> Result<(), SessionError> {
    let state = record.begin_checkpoint()?;
    store.save_channel(record)?;
    chain.checkpoint(&record.id(), &state)?;
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
    store: &Store,
    chain: &dyn Chain,
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
    store: &Store,
    chain: &dyn Chain,
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
/// the close; returns when the provider hangs up after the close.
pub async fn consume(
    conn: &mut Conn,
    store: &Store,
    record: &mut ChannelRecord,
    consumer_key: &sr25519::Pair,
) -> Result<(), SessionError> {
    let id = record.id();
    loop {
        let frame = match conn.recv().await {
            Ok(frame) => frame,
            Err(WireError::Closed) => return Ok(()),
            Err(WireError::Malformed(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        match frame {
            Frame::Tick { channel, .. }
            | Frame::CloseRequest { channel, .. }
            | Frame::Resume { channel, .. }
                if channel != id =>
            {
                conn.send_error(ErrorCode::UnknownChannel, "no such channel here")
                    .await?;
            }
            Frame::Tick { tick, .. } => {
                let signed = record.sign_tick(&tick, consumer_key).and_then(|state| {
                    let mut next = record.clone();
                    next.apply_own_state(state).map(|()| (next, state))
                });
                match signed {
                    Ok((next, state)) => {
                        store.save_state(&next, &state)?;
                        *record = next;
                        conn.send(&Frame::State { channel: id, state }).await?;
                    }
                    Err(e) => conn.send_error(ErrorCode::Refused, &e.to_string()).await?,
                }
            }
            Frame::Ack { .. } => {}
            Frame::Resume { nonce, .. } => match record.latest {
                Some(state) if state.nonce > nonce => {
                    conn.send(&Frame::State { channel: id, state }).await?;
                }
                _ if record.minutes() < nonce => {
                    let message = format!(
                        "the provider claims minute {nonce}; the newest state signed here is minute {}",
                        record.minutes()
                    );
                    conn.send_error(ErrorCode::Refused, &message).await?;
                }
                _ => {
                    conn.send(&Frame::Ack { channel: id, nonce }).await?;
                }
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
                            channel: id,
                            nonce,
                            cumulative,
                            consumer_signature,
                        })
                        .await?;
                    }
                    Err(e) => conn.send_error(ErrorCode::Refused, &e.to_string()).await?,
                }
            }
            other => {
                let message = format!("unexpected {}", name(&other));
                conn.send_error(ErrorCode::Unexpected, &message).await?;
            }
        }
    }
}

/// What the watchtower did for a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    Nothing,
    /// A close with an older state was answered with ours.
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
/// claiming an older state than the newest stored one while the window is open; finalize after
/// the window.
pub fn watch(
    store: &Store,
    chain: &dyn Chain,
    record: &mut ChannelRecord,
) -> Result<Watched, SessionError> {
    if matches!(record.phase, Phase::Closed { .. }) {
        return Ok(Watched::Nothing);
    }
    let on_chain = chain
        .channel(&record.id())?
        .ok_or(SessionError::NotOnChain)?;
    match on_chain.phase {
        cgrid_shared::Phase::Open => Ok(Watched::Nothing),
        cgrid_shared::Phase::Closing {
            nonce, deadline, ..
        } => {
            let newer: Option<SignedState> = record.close_seen(nonce, deadline);
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
