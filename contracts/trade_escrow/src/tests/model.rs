//! Model-based property tests: random sequences of open / sign / checkpoint / top-up / start
//! close / challenge / cooperative close / finalize / timeout / time passing, run against the
//! contract and against a small reference model of the rules. After every step the contract must
//! agree with the model on success or failure, the channel's deposit, paid amount, nonce and
//! phase, and every balance; funds are conserved; and a finalized dispute pays the newest state
//! that was submitted.
//!
//! `PROPTEST_CASES` overrides the number of sequences (default below).

use super::*;
use proptest::prelude::*;

const CASES: u32 = 2_000;
const LIFETIME: u64 = 10 * PERIOD;

#[derive(Debug, Clone)]
enum Op {
    /// Time passes (ms).
    Advance(u64),
    /// The consumer signs its next state: `minutes` more (or, if `lower`, less: a misbehaving
    /// consumer). Amounts may exceed the deposit.
    Sign {
        minutes: u8,
        lower: bool,
    },
    TopUp {
        amount: u16,
        extend: bool,
    },
    /// Picks a signed state: 0 = the newest, 1 = the one before, …
    Checkpoint(u8),
    StartClose {
        provider: bool,
        state: Option<u8>,
    },
    Challenge {
        provider: bool,
        state: u8,
    },
    CoopClose(u8),
    Finalize,
    Timeout,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u64..2 * PERIOD).prop_map(Op::Advance),
        1 => (0u64..2 * LIFETIME).prop_map(Op::Advance),
        5 => (0u8..6, prop::bool::weighted(0.1)).prop_map(|(minutes, lower)| Op::Sign { minutes, lower }),
        1 => (0u16..300, any::<bool>()).prop_map(|(amount, extend)| Op::TopUp { amount, extend }),
        3 => (0u8..4).prop_map(Op::Checkpoint),
        2 => (any::<bool>(), prop::option::of(0u8..4)).prop_map(|(provider, state)| Op::StartClose { provider, state }),
        2 => (any::<bool>(), 0u8..4).prop_map(|(provider, state)| Op::Challenge { provider, state }),
        1 => (0u8..4).prop_map(Op::CoopClose),
        1 => Just(Op::Finalize),
        1 => Just(Op::Timeout),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum MPhase {
    Open,
    Closing {
        nonce: u64,
        cumulative: Balance,
        deadline: u64,
        /// The highest nonce submitted during this dispute.
        newest_submitted: u64,
    },
    Closed,
}

/// The reference model: the rules of the escrow, written as plainly as possible.
#[derive(Debug)]
struct Model {
    now: u64,
    deposit: Balance,
    paid: Balance,
    nonce: u64,
    expires: u64,
    phase: MPhase,
    /// Consumer-signed states, oldest first.
    signed: Vec<(u64, Balance)>,
    provider_got: Balance,
    consumer_spent: Balance,
}

impl Model {
    fn amount_ok(&self, cumulative: Balance) -> bool {
        self.paid <= cumulative && cumulative <= self.deposit
    }
    fn claim_window_open(&self) -> bool {
        self.now <= self.expires + PERIOD
    }
    fn pick(&self, i: u8) -> Option<(u64, Balance)> {
        let len = self.signed.len();
        (len > 0).then(|| self.signed[len - 1 - usize::from(i) % len])
    }
    fn finish(&mut self, nonce: u64, cumulative: Balance) {
        let total = if nonce == 0 {
            cumulative
        } else {
            cumulative.max(MIN_COST)
        };
        self.provider_got += total - self.paid;
        self.consumer_spent -= self.deposit - total;
        self.paid = total;
        self.nonce = self.nonce.max(nonce);
        self.phase = MPhase::Closed;
    }
}

/// Runs `ops`; returns, per executed operation, its kind and whether it succeeded.
fn run(ops: Vec<Op>) -> Vec<(&'static str, bool)> {
    let mut seen = Vec::new();
    let mut fx = Fx::new();
    let mut terms = fx.terms();
    terms.expires_at = T0 + LIFETIME;
    let id = fx
        .open_with(&terms, fx.offer(&terms), DEPOSIT)
        .expect("opens");
    let mut m = Model {
        now: T0,
        deposit: DEPOSIT,
        paid: 0,
        nonce: 0,
        expires: T0 + LIFETIME,
        phase: MPhase::Open,
        signed: Vec::new(),
        provider_got: 0,
        consumer_spent: DEPOSIT,
    };
    let (consumer, provider) = (fx.consumer, fx.provider);
    let party = |is_provider: bool| if is_provider { provider } else { consumer };

    for op in ops {
        let (expected_ok, outcome): (bool, Result<(), Error>) = match op.clone() {
            Op::Advance(ms) => {
                m.now += ms;
                set_now(m.now);
                (true, Ok(()))
            }
            Op::Sign { minutes, lower } => {
                let (last_nonce, last) = m.signed.last().copied().unwrap_or((0, 0));
                let step = PRICE * Balance::from(minutes);
                let cumulative = if lower {
                    last.saturating_sub(step.max(1))
                } else {
                    last + step
                };
                m.signed.push((last_nonce + 1, cumulative));
                (true, Ok(()))
            }
            Op::TopUp { amount, extend } => {
                let amount = Balance::from(amount);
                let expiry = extend.then_some(m.expires + PERIOD);
                let ok = m.phase == MPhase::Open && m.now < m.expires && (amount > 0 || extend);
                let outcome = fx.payable(consumer, amount, |c| c.top_up(id, expiry));
                if ok {
                    m.deposit += amount;
                    m.consumer_spent += amount;
                    if let Some(e) = expiry {
                        m.expires = e;
                    }
                }
                (ok, outcome)
            }
            Op::Checkpoint(i) => match m.pick(i) {
                None => continue,
                Some((nonce, cumulative)) => {
                    let ok = m.phase == MPhase::Open
                        && m.claim_window_open()
                        && nonce > m.nonce
                        && m.amount_ok(cumulative);
                    let outcome = fx.checkpoint(id, nonce, cumulative);
                    if ok {
                        m.provider_got += cumulative - m.paid;
                        m.paid = cumulative;
                        m.nonce = nonce;
                    }
                    (ok, outcome)
                }
            },
            Op::StartClose {
                provider: by_provider,
                state,
            } => {
                let picked = state.and_then(|i| m.pick(i));
                let state_ok = picked
                    .is_none_or(|(nonce, cumulative)| nonce > m.nonce && m.amount_ok(cumulative));
                let ok =
                    m.phase == MPhase::Open && (!by_provider || m.claim_window_open()) && state_ok;
                let arg = picked.map(|(n, c)| (n, c, fx.state(id, n, c)));
                as_caller(party(by_provider));
                let outcome = fx.c.start_close(id, arg);
                if ok {
                    let (nonce, cumulative) = picked.unwrap_or((m.nonce, m.paid));
                    m.phase = MPhase::Closing {
                        nonce,
                        cumulative,
                        deadline: m.now + PERIOD,
                        newest_submitted: nonce,
                    };
                }
                (ok, outcome)
            }
            Op::Challenge {
                provider: by_provider,
                state,
            } => match m.pick(state) {
                None => continue,
                Some((nonce, cumulative)) => {
                    let ok = matches!(m.phase, MPhase::Closing { nonce: claimed, deadline, .. }
                        if m.now < deadline && nonce > claimed)
                        && m.amount_ok(cumulative);
                    let signature = fx.state(id, nonce, cumulative);
                    as_caller(party(by_provider));
                    let outcome = fx.c.challenge(id, nonce, cumulative, signature);
                    if ok {
                        if let MPhase::Closing {
                            deadline,
                            newest_submitted,
                            ..
                        } = m.phase
                        {
                            m.phase = MPhase::Closing {
                                nonce,
                                cumulative,
                                deadline,
                                newest_submitted: newest_submitted.max(nonce),
                            };
                        }
                    }
                    (ok, outcome)
                }
            },
            Op::CoopClose(i) => {
                let (nonce, cumulative) = m.pick(i).unwrap_or((0, 0));
                let ok = m.phase != MPhase::Closed && nonce >= m.nonce && m.amount_ok(cumulative);
                let (a, b) = fx.close_sigs(id, nonce, cumulative);
                as_caller(consumer);
                let outcome = fx.c.close_cooperative(id, nonce, cumulative, a, b);
                if ok {
                    m.finish(nonce, cumulative);
                }
                (ok, outcome)
            }
            Op::Finalize => {
                as_caller(fx.stranger);
                let outcome = fx.c.finalize(id);
                match m.phase {
                    MPhase::Closing {
                        nonce,
                        cumulative,
                        deadline,
                        newest_submitted,
                    } if m.now >= deadline => {
                        assert_eq!(nonce, newest_submitted, "the newest submitted state wins");
                        m.finish(nonce, cumulative);
                        (true, outcome)
                    }
                    _ => (false, outcome),
                }
            }
            Op::Timeout => {
                let ok = m.phase == MPhase::Open && m.now > m.expires + PERIOD;
                as_caller(fx.stranger);
                let outcome = fx.c.claim_timeout(id);
                if ok {
                    let (nonce, paid) = (m.nonce, m.paid);
                    m.finish(nonce, paid);
                }
                (ok, outcome)
            }
        };
        assert_eq!(
            outcome.is_ok(),
            expected_ok,
            "{op:?}: contract said {outcome:?}, model {expected_ok}\n{m:?}"
        );
        check(&fx, id, &m);
        seen.push((kind(&op), expected_ok));
    }
    seen
}

fn kind(op: &Op) -> &'static str {
    match op {
        Op::Advance(_) => "advance",
        Op::Sign { .. } => "sign",
        Op::TopUp { .. } => "top_up",
        Op::Checkpoint(_) => "checkpoint",
        Op::StartClose { .. } => "start_close",
        Op::Challenge { .. } => "challenge",
        Op::CoopClose(_) => "close_cooperative",
        Op::Finalize => "finalize",
        Op::Timeout => "claim_timeout",
    }
}

/// The contract agrees with the model, and funds are conserved.
fn check(fx: &Fx, id: ChannelId, m: &Model) {
    let ch = fx.channel(id);
    assert_eq!(
        (ch.deposit, ch.paid, ch.nonce, ch.expires_at),
        (m.deposit, m.paid, m.nonce, m.expires)
    );
    match (ch.phase, m.phase) {
        (Phase::Open, MPhase::Open) => {}
        (
            Phase::Closing {
                nonce,
                cumulative,
                deadline,
                ..
            },
            MPhase::Closing {
                nonce: n,
                cumulative: c,
                deadline: d,
                ..
            },
        ) => assert_eq!((nonce, cumulative, deadline), (n, c, d)),
        (Phase::Closed { paid, refunded, .. }, MPhase::Closed) => {
            assert_eq!(paid + refunded, ch.deposit, "deposit = paid + refunded");
            assert_eq!(paid, m.paid);
        }
        (got, want) => panic!("phase {got:?}, model {want:?}"),
    }
    assert_eq!(balance(fx.provider), START_BALANCE + m.provider_got);
    assert_eq!(balance(fx.consumer), START_BALANCE - m.consumer_spent);
    let held = if m.phase == MPhase::Closed {
        0
    } else {
        m.deposit - m.paid
    };
    assert_eq!(fx.c.total_owed(), held);
    assert_eq!(
        super::held(),
        held,
        "the contract holds exactly what it owes"
    );
    assert_eq!(
        m.provider_got + held,
        m.consumer_spent,
        "what the consumer is out = what the provider got + what the escrow holds"
    );
}

fn in_fresh_env(f: impl FnOnce()) {
    ink::env::test::run_test::<Env, _>(|_| {
        f();
        Ok(())
    })
    .expect("off-chain environment");
}

/// Random sequences against the model; afterwards, every contract message must have both
/// succeeded and failed somewhere in the run (so the sequences really reach every path).
#[test]
fn the_contract_follows_the_model() {
    use proptest::test_runner::{Config, TestRunner};
    use std::collections::BTreeMap;
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    let mut runner = TestRunner::new(Config::with_cases(cases));
    let tally = std::cell::RefCell::new(BTreeMap::<&'static str, (u32, u32)>::new());
    let result = runner.run(&prop::collection::vec(op(), 1..40), |ops| {
        let mut seen = Vec::new();
        in_fresh_env(|| seen = run(ops));
        let mut tally = tally.borrow_mut();
        for (kind, ok) in seen {
            let entry = tally.entry(kind).or_default();
            if ok {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let tally = tally.into_inner();
    for kind in [
        "top_up",
        "checkpoint",
        "start_close",
        "challenge",
        "close_cooperative",
        "finalize",
        "claim_timeout",
    ] {
        let (ok, failed) = tally.get(kind).copied().unwrap_or_default();
        assert!(
            ok > 0 && failed > 0,
            "{kind}: {ok} successes, {failed} failures in {cases} sequences: {tally:?}"
        );
    }
    eprintln!("model test, {cases} sequences (successes, failures): {tally:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES / 4))]

    /// However stale the state a close starts with, a challenge with the newest state wins.
    #[test]
    fn the_newest_state_wins_a_dispute(
        minutes in prop::collection::vec(0u8..10, 1..30),
        stale in any::<prop::sample::Index>(),
        provider_starts in any::<bool>(),
        answer_after in 0u64..PERIOD,
    ) {
        in_fresh_env(|| {
            let mut fx = Fx::new();
            let id = fx.open();
            let mut states = vec![(0u64, 0 as Balance)];
            for (i, m) in minutes.iter().enumerate() {
                let last = states.last().expect("non-empty").1;
                states.push((i as u64 + 1, (last + PRICE * Balance::from(*m)).min(DEPOSIT)));
            }
            let (stale_nonce, stale_amount) = states[stale.index(states.len())];
            let newest = *states.last().expect("non-empty");
            let (starter, answerer) = if provider_starts {
                (fx.provider, fx.consumer)
            } else {
                (fx.consumer, fx.provider)
            };
            as_caller(starter);
            let start = (stale_nonce > 0).then(|| (stale_nonce, stale_amount, fx.state(id, stale_nonce, stale_amount)));
            fx.c.start_close(id, start).expect("starts");
            set_now(T0 + answer_after);
            if newest.0 > stale_nonce {
                as_caller(answerer);
                let signature = fx.state(id, newest.0, newest.1);
                fx.c.challenge(id, newest.0, newest.1, signature).expect("a newer state is accepted");
            }
            set_now(T0 + PERIOD);
            fx.c.finalize(id).expect("finalizes");
            let expected = fx.channel(id).final_total(newest.0, newest.1);
            assert_eq!(balance(fx.provider), START_BALANCE + expected);
            assert_eq!(balance(fx.consumer), START_BALANCE - expected);
        });
    }
}
