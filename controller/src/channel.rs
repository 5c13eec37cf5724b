//! The channel state machine: pure, no I/O. Every transition is validated here and nowhere
//! else; the session code persists the record and talks to the peer and the chain.
//!
//! ```text
//! Opening ──open confirmed──▶ Open ──checkpoint sent──▶ Checkpointing ──confirmed──▶ Open
//!                              │  ╲
//!                              │   ╲ unilateral close seen on chain
//!                              │    ▶ Disputed ──challenge / window over──▶ Closed
//!                              └─close requested──▶ Closing ──close confirmed──▶ Closed
//! ```
//!
//! Billing: minute `m` of a channel is the consumer-signed state with nonce `m` and cumulative
//! amount `m × price per minute`, never above the deposit. The signature covers exactly the
//! payload `trade_escrow` verifies (`cgrid_shared::state_preimage`).

use cgrid_shared::{close_hash, state_hash, supersedes, Balance, ChannelId, PublicKey, Signature};
use ink::primitives::AccountId;
use scale::{Decode, Encode};
use sp_core::{sr25519, Pair};

/// Which side of a channel this controller runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum Side {
    Provider,
    Consumer,
}

/// A state signed by the consumer's channel key (`cgrid_shared::SignedState`).
pub use cgrid_shared::SignedState;

/// Where a channel is, as this controller sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum LocalPhase {
    /// Terms agreed; the open transaction is not confirmed yet.
    Opening,
    Open,
    /// A checkpoint of the state with this nonce is being submitted.
    Checkpointing {
        nonce: u64,
    },
    /// A cooperative close of the state with this nonce is being negotiated or submitted.
    Closing {
        nonce: u64,
    },
    /// A unilateral close is pending on chain with the given claim.
    Disputed {
        claimed_nonce: u64,
        deadline: u64,
    },
    Closed {
        paid: Balance,
        refunded: Balance,
    },
}

impl LocalPhase {
    /// The phase's name, as people and the JSON outputs read it (`views`).
    pub fn name(&self) -> &'static str {
        match self {
            LocalPhase::Opening => "opening",
            LocalPhase::Open => "open",
            LocalPhase::Checkpointing { .. } => "checkpointing",
            LocalPhase::Closing { .. } => "closing",
            LocalPhase::Disputed { .. } => "disputed",
            LocalPhase::Closed { .. } => "closed",
        }
    }
}

/// What both sides agreed on, as the controller needs it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Terms {
    pub channel: ChannelId,
    pub escrow: AccountId,
    pub price_per_minute: Balance,
    pub min_cost: Balance,
    pub deposit: Balance,
    pub consumer_key: PublicKey,
    pub provider_key: PublicKey,
    pub expires_at: u64,
    pub challenge_period: u64,
}

/// The durable record of one channel.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ChannelRecord {
    pub terms: Terms,
    pub side: Side,
    pub phase: LocalPhase,
    /// The newest consumer-signed state (nonce = minutes billed).
    pub latest: Option<SignedState>,
    /// The newest state settled on chain: (nonce, cumulative).
    pub settled: (u64, Balance),
}

/// A billing proposal from the provider: "minute `minute` is done; you owe `amount` in total".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct Tick {
    pub minute: u64,
    pub amount: Balance,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("the channel is {}, not open", .0.name())]
    NotOpen(LocalPhase),
    #[error("minute {got} out of order: expected minute {expected}")]
    OutOfOrder { expected: u64, got: u64 },
    #[error("minute {minute} must cost {expected} in total at the agreed price, not {got}")]
    WrongAmount {
        minute: u64,
        expected: Balance,
        got: Balance,
    },
    #[error("the deposit {deposit} does not cover {needed}; top up or close")]
    DepositExhausted { deposit: Balance, needed: Balance },
    #[error("the state is not signed by the consumer's channel key")]
    BadSignature,
    #[error("the close signature of the {0:?} is invalid")]
    BadCloseSignature(Side),
    #[error("the close must be of the newest state (nonce {latest}), not nonce {got}")]
    CloseNotLatest { latest: u64, got: u64 },
    #[error("this side cannot do that")]
    WrongSide,
    #[error("arithmetic overflow")]
    Overflow,
}

impl ChannelRecord {
    pub fn new(terms: Terms, side: Side) -> Self {
        ChannelRecord {
            terms,
            side,
            phase: LocalPhase::Opening,
            latest: None,
            settled: (0, 0),
        }
    }

    pub fn id(&self) -> ChannelId {
        self.terms.channel
    }

    /// Minutes billed so far (the nonce of the newest state).
    /// Whether this side still bills the channel (open, or checkpointing).
    pub fn is_open_here(&self) -> bool {
        matches!(
            self.phase,
            LocalPhase::Open | LocalPhase::Checkpointing { .. }
        )
    }

    pub fn minutes(&self) -> u64 {
        self.latest.map_or(0, |s| s.nonce)
    }

    /// The cumulative amount of the newest state.
    pub fn owed(&self) -> Balance {
        self.latest.map_or(0, |s| s.cumulative)
    }

    /// Signed but not yet settled on chain.
    pub fn unsettled(&self) -> Balance {
        self.owed().saturating_sub(self.settled.1)
    }

    pub fn opened(&mut self) -> Result<(), ChannelError> {
        match self.phase {
            LocalPhase::Opening => {
                self.phase = LocalPhase::Open;
                Ok(())
            }
            other => Err(ChannelError::NotOpen(other)),
        }
    }

    /// The expected total after `minute` minutes, if the deposit covers it.
    fn amount_for(&self, minute: u64) -> Result<Balance, ChannelError> {
        let needed = self
            .terms
            .price_per_minute
            .checked_mul(Balance::from(minute))
            .ok_or(ChannelError::Overflow)?;
        if needed > self.terms.deposit {
            return Err(ChannelError::DepositExhausted {
                deposit: self.terms.deposit,
                needed,
            });
        }
        Ok(needed)
    }

    fn ensure_billing(&self) -> Result<(), ChannelError> {
        match self.phase {
            LocalPhase::Open | LocalPhase::Checkpointing { .. } => Ok(()),
            other => Err(ChannelError::NotOpen(other)),
        }
    }

    /// The one billing rule: the next state is minute `minutes + 1` and costs exactly
    /// `price × minute` in total, within the deposit, while the channel bills.
    fn check_next(&self, minute: u64, amount: Balance) -> Result<(), ChannelError> {
        self.ensure_billing()?;
        let expected = self
            .minutes()
            .checked_add(1)
            .ok_or(ChannelError::Overflow)?;
        if minute != expected {
            return Err(ChannelError::OutOfOrder {
                expected,
                got: minute,
            });
        }
        let due = self.amount_for(minute)?;
        if amount != due {
            return Err(ChannelError::WrongAmount {
                minute,
                expected: due,
                got: amount,
            });
        }
        Ok(())
    }

    /// Provider: the proposal for the next minute.
    pub fn next_tick(&self) -> Result<Tick, ChannelError> {
        if self.side != Side::Provider {
            return Err(ChannelError::WrongSide);
        }
        self.ensure_billing()?;
        let minute = self
            .minutes()
            .checked_add(1)
            .ok_or(ChannelError::Overflow)?;
        Ok(Tick {
            minute,
            amount: self.amount_for(minute)?,
        })
    }

    /// Consumer: checks a proposal; `Ok` means it may be signed.
    pub fn check_tick(&self, tick: &Tick) -> Result<(), ChannelError> {
        if self.side != Side::Consumer {
            return Err(ChannelError::WrongSide);
        }
        self.check_next(tick.minute, tick.amount)
    }

    /// Consumer: signs the state of an accepted tick (the caller persists it before sending).
    pub fn sign_tick(
        &self,
        tick: &Tick,
        consumer_key: &sr25519::Pair,
    ) -> Result<SignedState, ChannelError> {
        self.check_tick(tick)?;
        let hash = state_hash(
            &self.terms.escrow,
            &self.terms.channel,
            tick.minute,
            tick.amount,
        );
        Ok(SignedState {
            nonce: tick.minute,
            cumulative: tick.amount,
            signature: consumer_key.sign(&hash).0,
        })
    }

    /// Both sides: validates the next consumer-signed state and makes it the newest.
    pub fn apply_state(&mut self, state: SignedState) -> Result<(), ChannelError> {
        self.advance(state, true)
    }

    /// Consumer: makes a state it just signed (with [`ChannelRecord::sign_tick`]) the newest;
    /// the same checks as [`ChannelRecord::apply_state`] except re-verifying its own signature.
    pub fn apply_own_state(&mut self, state: SignedState) -> Result<(), ChannelError> {
        if self.side != Side::Consumer {
            return Err(ChannelError::WrongSide);
        }
        self.advance(state, false)
    }

    fn advance(&mut self, state: SignedState, check_signature: bool) -> Result<(), ChannelError> {
        self.check_next(state.nonce, state.cumulative)?;
        if check_signature && !self.state_signature_valid(&state) {
            return Err(ChannelError::BadSignature);
        }
        self.latest = Some(state);
        Ok(())
    }

    /// Whether the consumer's channel key signed `state` for this escrow and channel.
    pub fn state_signature_valid(&self, state: &SignedState) -> bool {
        let hash = state_hash(
            &self.terms.escrow,
            &self.terms.channel,
            state.nonce,
            state.cumulative,
        );
        verify(&self.terms.consumer_key, &hash, &state.signature)
    }

    /// Provider: whether to checkpoint now — every `every_minutes` minutes, or when the
    /// unsettled amount reaches `threshold` (0 disables either rule).
    pub fn should_checkpoint(&self, every_minutes: u64, threshold: Balance) -> bool {
        if self.side != Side::Provider || self.phase != LocalPhase::Open {
            return false;
        }
        let since = self.minutes().saturating_sub(self.settled.0);
        since > 0
            && ((every_minutes > 0 && since >= every_minutes)
                || (threshold > 0 && self.unsettled() >= threshold))
    }

    /// Provider: the state to checkpoint; moves to `Checkpointing`.
    pub fn begin_checkpoint(&mut self) -> Result<SignedState, ChannelError> {
        if self.phase != LocalPhase::Open {
            return Err(ChannelError::NotOpen(self.phase));
        }
        let state = self.latest.ok_or(ChannelError::OutOfOrder {
            expected: 1,
            got: 0,
        })?;
        self.phase = LocalPhase::Checkpointing { nonce: state.nonce };
        Ok(state)
    }

    /// The checkpoint of `nonce` is on chain.
    pub fn checkpointed(&mut self, nonce: u64, cumulative: Balance) {
        self.settled = (nonce, cumulative);
        if matches!(self.phase, LocalPhase::Checkpointing { .. }) {
            self.phase = LocalPhase::Open;
        }
    }

    /// Provider: the checkpoint [`ChannelRecord::begin_checkpoint`] began did not reach the
    /// chain; billing goes on, and a later checkpoint settles this state and more.
    pub fn checkpoint_failed(&mut self) {
        if matches!(self.phase, LocalPhase::Checkpointing { .. }) {
            self.phase = LocalPhase::Open;
        }
    }

    /// The preimage both channel keys sign to close at the newest state.
    pub fn close_hash(&self, nonce: u64, cumulative: Balance) -> [u8; 32] {
        close_hash(&self.terms.escrow, &self.terms.channel, nonce, cumulative)
    }

    /// Provider: starts a cooperative close at the newest state; returns (nonce, cumulative,
    /// provider signature).
    pub fn begin_close(
        &mut self,
        provider_key: &sr25519::Pair,
    ) -> Result<(u64, Balance, Signature), ChannelError> {
        if self.side != Side::Provider {
            return Err(ChannelError::WrongSide);
        }
        self.ensure_billing()?;
        let (nonce, cumulative) = (self.minutes(), self.owed());
        let signature = provider_key.sign(&self.close_hash(nonce, cumulative)).0;
        self.phase = LocalPhase::Closing { nonce };
        Ok((nonce, cumulative, signature))
    }

    /// Consumer: countersigns a close request if it is the newest state and the provider's
    /// signature is valid; moves to `Closing`.
    pub fn countersign_close(
        &mut self,
        nonce: u64,
        cumulative: Balance,
        provider_signature: &Signature,
        consumer_key: &sr25519::Pair,
    ) -> Result<Signature, ChannelError> {
        if self.side != Side::Consumer {
            return Err(ChannelError::WrongSide);
        }
        self.ensure_billing()?;
        if nonce != self.minutes() || cumulative != self.owed() {
            return Err(ChannelError::CloseNotLatest {
                latest: self.minutes(),
                got: nonce,
            });
        }
        let hash = self.close_hash(nonce, cumulative);
        if !verify(&self.terms.provider_key, &hash, provider_signature) {
            return Err(ChannelError::BadCloseSignature(Side::Provider));
        }
        self.phase = LocalPhase::Closing { nonce };
        Ok(consumer_key.sign(&hash).0)
    }

    /// Provider: checks the consumer's countersignature of the close it requested.
    pub fn check_countersignature(
        &self,
        nonce: u64,
        cumulative: Balance,
        consumer_signature: &Signature,
    ) -> Result<(), ChannelError> {
        match self.phase {
            LocalPhase::Closing { nonce: n } if n == nonce && cumulative == self.owed() => {}
            _ => {
                return Err(ChannelError::CloseNotLatest {
                    latest: self.minutes(),
                    got: nonce,
                })
            }
        }
        let hash = self.close_hash(nonce, cumulative);
        if verify(&self.terms.consumer_key, &hash, consumer_signature) {
            Ok(())
        } else {
            Err(ChannelError::BadCloseSignature(Side::Consumer))
        }
    }

    /// The chain reports a unilateral close claiming the state `claimed` (nonce, cumulative),
    /// answerable until `deadline`. Returns the state to challenge with if ours proves more
    /// owed — the escrow's rule (`cgrid_shared::supersedes`), whatever the claim's nonce.
    pub fn close_seen(&mut self, claimed: (u64, Balance), deadline: u64) -> Option<SignedState> {
        if matches!(self.phase, LocalPhase::Closed { .. }) {
            return None;
        }
        self.phase = LocalPhase::Disputed {
            claimed_nonce: claimed.0,
            deadline,
        };
        let min_cost = self.terms.min_cost;
        self.latest
            .filter(|s| supersedes(min_cost, (s.nonce, s.cumulative), claimed))
    }

    /// The chain reports the channel closed.
    pub fn closed(&mut self, paid: Balance, refunded: Balance) {
        self.settled = (self.settled.0.max(self.minutes()), paid);
        self.phase = LocalPhase::Closed { paid, refunded };
    }
}

/// Whether `signature` is `public`'s sr25519 signature of `hash`.
pub fn verify(public: &PublicKey, hash: &[u8; 32], signature: &Signature) -> bool {
    sr25519::Pair::verify(
        &sr25519::Signature::from_raw(*signature),
        hash,
        &sr25519::Public::from_raw(*public),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (sr25519::Pair, sr25519::Pair) {
        (
            sr25519::Pair::from_seed(&[1; 32]),
            sr25519::Pair::from_seed(&[2; 32]),
        )
    }

    fn record(side: Side) -> ChannelRecord {
        let (c, p) = keys();
        let mut r = ChannelRecord::new(
            Terms {
                channel: [7; 32],
                escrow: AccountId::from([9; 32]),
                price_per_minute: 10,
                min_cost: 50,
                deposit: 100,
                consumer_key: c.public().0,
                provider_key: p.public().0,
                expires_at: 1_000_000,
                challenge_period: 60_000,
            },
            side,
        );
        r.opened().unwrap();
        r
    }

    /// Runs `n` minutes of billing between a provider and a consumer record.
    fn bill(provider: &mut ChannelRecord, consumer: &mut ChannelRecord, n: u64) {
        let (ck, _) = keys();
        for _ in 0..n {
            let tick = provider.next_tick().unwrap();
            let state = consumer.sign_tick(&tick, &ck).unwrap();
            consumer.apply_own_state(state).unwrap();
            provider.apply_state(state).unwrap();
        }
    }

    #[test]
    fn billing_advances_one_minute_at_a_time() {
        let (mut p, mut c) = (record(Side::Provider), record(Side::Consumer));
        bill(&mut p, &mut c, 3);
        assert_eq!((p.minutes(), p.owed()), (3, 30));
        assert_eq!(p.latest, c.latest);
        assert_eq!(
            p.next_tick().unwrap(),
            Tick {
                minute: 4,
                amount: 40
            }
        );
    }

    #[test]
    fn the_consumer_refuses_bad_ticks() {
        let (ck, _) = keys();
        let c = record(Side::Consumer);
        assert_eq!(
            c.sign_tick(
                &Tick {
                    minute: 2,
                    amount: 20
                },
                &ck
            ),
            Err(ChannelError::OutOfOrder {
                expected: 1,
                got: 2
            })
        );
        assert_eq!(
            c.sign_tick(
                &Tick {
                    minute: 1,
                    amount: 11
                },
                &ck
            ),
            Err(ChannelError::WrongAmount {
                minute: 1,
                expected: 10,
                got: 11
            })
        );
        let mut full = record(Side::Consumer);
        full.terms.deposit = 5;
        assert_eq!(
            full.sign_tick(
                &Tick {
                    minute: 1,
                    amount: 10
                },
                &ck
            ),
            Err(ChannelError::DepositExhausted {
                deposit: 5,
                needed: 10
            })
        );
    }

    #[test]
    fn the_provider_refuses_forged_or_stale_states() {
        let (ck, pk) = keys();
        let (mut p, mut c) = (record(Side::Provider), record(Side::Consumer));
        bill(&mut p, &mut c, 2);
        let before = p.clone();
        let tick = p.next_tick().unwrap();
        let good = c.sign_tick(&tick, &ck).unwrap();
        let forged = SignedState {
            signature: pk
                .sign(&state_hash(&p.terms.escrow, &p.terms.channel, 3, 30))
                .0,
            ..good
        };
        assert_eq!(p.apply_state(forged), Err(ChannelError::BadSignature));
        let inflated = SignedState {
            cumulative: 31,
            ..good
        };
        assert!(matches!(
            p.apply_state(inflated),
            Err(ChannelError::WrongAmount { .. })
        ));
        let replayed = p.latest.unwrap();
        assert!(matches!(
            p.apply_state(replayed),
            Err(ChannelError::OutOfOrder { .. })
        ));
        assert_eq!(p, before, "a refused state changes nothing");
        p.apply_state(good).unwrap();
    }

    #[test]
    fn checkpoint_policy_counts_minutes_and_amount() {
        let (mut p, mut c) = (record(Side::Provider), record(Side::Consumer));
        bill(&mut p, &mut c, 4);
        assert!(!p.should_checkpoint(5, 0));
        assert!(p.should_checkpoint(4, 0));
        assert!(p.should_checkpoint(0, 40));
        assert!(!p.should_checkpoint(0, 41));
        let s = p.begin_checkpoint().unwrap();
        assert_eq!(p.phase, LocalPhase::Checkpointing { nonce: 4 });
        p.checkpointed(s.nonce, s.cumulative);
        assert_eq!(
            (p.phase, p.settled, p.unsettled()),
            (LocalPhase::Open, (4, 40), 0)
        );
        assert!(!p.should_checkpoint(1, 1));
        assert!(!c.should_checkpoint(1, 1), "only the provider checkpoints");
    }

    #[test]
    fn cooperative_close_needs_the_newest_state_and_both_keys() {
        let (ck, pk) = keys();
        let (mut p, mut c) = (record(Side::Provider), record(Side::Consumer));
        bill(&mut p, &mut c, 3);
        let (nonce, cumulative, psig) = p.begin_close(&pk).unwrap();
        assert_eq!((nonce, cumulative), (3, 30));
        let mut stale = c.clone();
        assert!(matches!(
            stale.countersign_close(2, 20, &psig, &ck),
            Err(ChannelError::CloseNotLatest { .. })
        ));
        assert_eq!(
            stale.countersign_close(3, 30, &[0; 64], &ck),
            Err(ChannelError::BadCloseSignature(Side::Provider))
        );
        let csig = c.countersign_close(3, 30, &psig, &ck).unwrap();
        p.check_countersignature(3, 30, &csig).unwrap();
        assert_eq!(
            p.check_countersignature(3, 30, &psig),
            Err(ChannelError::BadCloseSignature(Side::Consumer))
        );
        assert!(matches!(p.next_tick(), Err(ChannelError::NotOpen(_))));
        p.closed(50, 50);
        assert_eq!(
            p.phase,
            LocalPhase::Closed {
                paid: 50,
                refunded: 50
            }
        );
    }

    #[test]
    fn a_stale_unilateral_close_is_answered_with_the_newest_state() {
        let (mut p, mut c) = (record(Side::Provider), record(Side::Consumer));
        bill(&mut p, &mut c, 5);
        let answer = p.close_seen((2, 20), 99).expect("ours is newer");
        assert_eq!(answer.nonce, 5);
        assert_eq!(
            p.phase,
            LocalPhase::Disputed {
                claimed_nonce: 2,
                deadline: 99
            }
        );
        let mut q = p.clone();
        assert_eq!(q.close_seen((5, 50), 99), None, "nothing newer to submit");
        // A consumer-signed claim with a huge nonce but less owed is still answered (the
        // review's attack); one owing more than ours is not.
        let mut q = p.clone();
        let answer = q.close_seen((u64::MAX, 20), 99).expect("ours owes more");
        assert_eq!((answer.nonce, answer.cumulative), (5, 50));
        let mut q = p.clone();
        assert_eq!(q.close_seen((3, 60), 99), None, "the claim owes more");
    }
}
