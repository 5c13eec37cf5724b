//! Model-based property tests.
//!
//! 1. [`the_contract_follows_the_model`]: random sequences of open / sign / checkpoint / top-up /
//!    start close / challenge / cooperative close / finalize / timeout / time passing, run
//!    against the contract and against a small reference model of the rules. The consumer signs
//!    anything (any nonce, including 0 and `u64::MAX`, amounts up and down, above the deposit).
//!    After every step the contract must agree with the model on success or failure, the
//!    channel's deposit, paid amount, nonce and phase, and every balance; funds are conserved.
//! 2. The guarantees, each from one honest party's side against a counterparty that does
//!    anything its keys allow — stated without the dispute rule, so a wrong rule in both the
//!    contract and the model still fails them (the review's finding 1 passed (1) alone):
//!    [`an_honest_provider_is_paid_the_most_the_consumer_signed`] and
//!    [`an_honest_consumer_never_pays_more_than_it_signed`].
//!
//! `PROPTEST_CASES` overrides the number of sequences of (1) (default below); the party
//! tests run a quarter as many each.

use super::*;
use proptest::prelude::*;

const CASES: u32 = 10_000;
const LIFETIME: u64 = 10 * PERIOD;

#[derive(Debug, Clone)]
enum Op {
    /// Time passes (ms).
    Advance(u64),
    /// The consumer signs a state: `minutes` more than its last (or, if `lower`, less), with
    /// the next nonce or any other ([`NonceKind`]). Amounts may exceed the deposit.
    Sign {
        minutes: u8,
        lower: bool,
        nonce: NonceKind,
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

/// Which nonce a (possibly misbehaving) consumer puts on a state.
#[derive(Debug, Clone, Copy)]
enum NonceKind {
    Next,
    Zero,
    Max,
    Any(u64),
}

fn nonce_kind() -> impl Strategy<Value = NonceKind> {
    prop_oneof![
        6 => Just(NonceKind::Next),
        1 => Just(NonceKind::Zero),
        1 => Just(NonceKind::Max),
        1 => any::<u64>().prop_map(NonceKind::Any),
    ]
}

impl NonceKind {
    fn pick(self, last: u64) -> u64 {
        match self {
            NonceKind::Next => last.saturating_add(1),
            NonceKind::Zero => 0,
            NonceKind::Max => u64::MAX,
            NonceKind::Any(n) => n,
        }
    }
}

/// What a state proves the consumer owes at a close, written out here rather than taken from
/// the contract's crate.
fn owed(nonce: u64, cumulative: Balance) -> Balance {
    if nonce >= 1 {
        cumulative.max(MIN_COST)
    } else {
        cumulative
    }
}

/// The model's dispute rule: more owed wins, then more cumulative.
fn beats(state: (u64, Balance), held: (u64, Balance)) -> bool {
    (owed(state.0, state.1), state.1) > (owed(held.0, held.1), held.1)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u64..2 * PERIOD).prop_map(Op::Advance),
        1 => (0u64..2 * LIFETIME).prop_map(Op::Advance),
        5 => (0u8..6, prop::bool::weighted(0.1), nonce_kind()).prop_map(|(minutes, lower, nonce)| Op::Sign { minutes, lower, nonce }),
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
    /// Whether a signed state may replace `held`: a nonce ≥ 1, more owed, within range.
    fn state_ok(&self, (nonce, cumulative): (u64, Balance), held: (u64, Balance)) -> bool {
        nonce >= 1 && beats((nonce, cumulative), held) && self.amount_ok(cumulative)
    }
    fn claim_window_open(&self) -> bool {
        self.now <= self.expires + PERIOD
    }
    fn pick(&self, i: u8) -> Option<(u64, Balance)> {
        let len = self.signed.len();
        (len > 0).then(|| self.signed[len - 1 - usize::from(i) % len])
    }
    fn finish(&mut self, nonce: u64, cumulative: Balance) {
        let total = owed(nonce, cumulative);
        self.provider_got += total - self.paid;
        self.consumer_spent -= self.deposit - total;
        self.paid = total;
        self.nonce = nonce;
        self.phase = MPhase::Closed;
    }
}

/// Runs `ops`; returns, per executed operation, its kind and whether it succeeded.
fn run(ops: Vec<Op>) -> Vec<(&'static str, bool)> {
    let mut seen = Vec::new();
    let (mut fx, id) = open_for_the_lifetime();
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
            Op::Sign {
                minutes,
                lower,
                nonce,
            } => {
                let (last_nonce, last) = m.signed.last().copied().unwrap_or((0, 0));
                let step = PRICE * Balance::from(minutes);
                let cumulative = if lower {
                    last.saturating_sub(step.max(1))
                } else {
                    last + step
                };
                m.signed.push((nonce.pick(last_nonce), cumulative));
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
                        && m.state_ok((nonce, cumulative), (m.nonce, m.paid));
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
                let state_ok = picked.is_none_or(|state| m.state_ok(state, (m.nonce, m.paid)));
                let ok =
                    m.phase == MPhase::Open && (!by_provider || m.claim_window_open()) && state_ok;
                let arg = picked.map(|(n, c)| fx.signed_state(id, n, c));
                as_caller(party(by_provider));
                let outcome = fx.c.start_close(id, arg);
                if ok {
                    let (nonce, cumulative) = picked.unwrap_or((m.nonce, m.paid));
                    m.phase = MPhase::Closing {
                        nonce,
                        cumulative,
                        deadline: m.now + PERIOD,
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
                    let ok = matches!(m.phase, MPhase::Closing { nonce: n, cumulative: c, deadline }
                        if m.now < deadline && m.state_ok((nonce, cumulative), (n, c)));
                    let signature = fx.state(id, nonce, cumulative);
                    as_caller(party(by_provider));
                    let outcome = fx.c.challenge(id, nonce, cumulative, signature);
                    if ok {
                        if let MPhase::Closing { deadline, .. } = m.phase {
                            m.phase = MPhase::Closing {
                                nonce,
                                cumulative,
                                deadline,
                            };
                        }
                    }
                    (ok, outcome)
                }
            },
            Op::CoopClose(i) => {
                let (nonce, cumulative) = m.pick(i).unwrap_or((0, 0));
                let ok = m.phase != MPhase::Closed && m.amount_ok(cumulative);
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
                    } if m.now >= deadline => {
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

/// A fresh fixture with one channel open for `LIFETIME`, the deposit `DEPOSIT`.
fn open_for_the_lifetime() -> (Fx, ChannelId) {
    let mut fx = Fx::new();
    let mut terms = fx.terms();
    terms.expires_at = T0 + LIFETIME;
    let id = fx
        .open_with(&terms, fx.offer(&terms), DEPOSIT)
        .expect("opens");
    (fx, id)
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

// ---------------------------------------------------------------------------------------------
// The guarantees, each from one honest party's side
// ---------------------------------------------------------------------------------------------

/// What a misbehaving consumer does (anything its keys allow); the honest provider answers.
#[derive(Debug, Clone)]
enum ConsumerMove {
    Advance(u64),
    /// Signs any state; with `send`, gives it to the provider as a billing state.
    Sign {
        nonce: NonceKind,
        cumulative: u16,
        send: bool,
    },
    TopUp {
        amount: u16,
        extend: bool,
    },
    /// Starts a close with one of the states it signed (index from the newest), or none.
    StartClose(Option<u8>),
    Challenge(u8),
    Finalize,
    Timeout,
    /// The provider's own choice of when to checkpoint.
    ProviderCheckpoints,
}

fn consumer_move() -> impl Strategy<Value = ConsumerMove> {
    prop_oneof![
        3 => (0u64..2 * PERIOD).prop_map(ConsumerMove::Advance),
        1 => (0u64..2 * LIFETIME).prop_map(ConsumerMove::Advance),
        5 => (nonce_kind(), 0u16..1_500, prop::bool::weighted(0.7))
            .prop_map(|(nonce, cumulative, send)| ConsumerMove::Sign { nonce, cumulative, send }),
        1 => (0u16..300, any::<bool>()).prop_map(|(amount, extend)| ConsumerMove::TopUp { amount, extend }),
        2 => prop::option::of(0u8..6).prop_map(ConsumerMove::StartClose),
        2 => (0u8..6).prop_map(ConsumerMove::Challenge),
        1 => Just(ConsumerMove::Finalize),
        1 => Just(ConsumerMove::Timeout),
        2 => Just(ConsumerMove::ProviderCheckpoints),
    ]
}

/// An honest provider: it keeps every state it accepted while serving (the channel open; signed
/// by the consumer's channel key, nonce ≥ 1 as billing numbers minutes, within the deposit),
/// answers every close with the largest of them while the window is open, and claims before its
/// claim deadline.
struct HonestProvider {
    accepted: Vec<(u64, Balance)>,
}

impl HonestProvider {
    /// The accepted state owing most (all have nonce ≥ 1, so: the largest amount).
    fn best(&self) -> Option<(u64, Balance)> {
        self.accepted.iter().copied().max_by_key(|s| s.1)
    }

    fn submit(&self, fx: &Fx, id: ChannelId) -> Option<SignedState> {
        self.best().map(|(n, c)| fx.signed_state(id, n, c))
    }

    /// Answers a pending close with its best state (the escrow refuses it if the claim already
    /// owes as much).
    fn answer(&self, fx: &mut Fx, id: ChannelId) {
        let now = ink::env::block_timestamp::<Env>();
        if let Phase::Closing { deadline, .. } = fx.channel(id).phase {
            if let (true, Some(s)) = (now < deadline, self.submit(fx, id)) {
                as_caller(fx.provider);
                let _ = fx.c.challenge(id, s.nonce, s.cumulative, s.signature);
            }
        }
    }

    /// Claims before time passes the claim deadline: a close with its best state.
    fn claim_before(&self, fx: &mut Fx, id: ChannelId, until: u64) {
        let ch = fx.channel(id);
        if ch.phase == Phase::Open && until > ch.claim_deadline() {
            as_caller(fx.provider);
            if fx.c.start_close(id, self.submit(fx, id)).is_err() {
                // Its best is already settled: close on the settled state.
                fx.c.start_close(id, None)
                    .expect("the provider closes in time");
            }
        }
    }
}

fn adversarial_consumer(moves: Vec<ConsumerMove>) {
    let (mut fx, id) = open_for_the_lifetime();
    let mut provider = HonestProvider {
        accepted: Vec::new(),
    };
    let mut signed: Vec<(u64, Balance)> = Vec::new();
    let (consumer, stranger) = (fx.consumer, fx.stranger);
    let mut now = T0;
    let pick = |signed: &[(u64, Balance)], i: u8| {
        (!signed.is_empty()).then(|| signed[signed.len() - 1 - usize::from(i) % signed.len()])
    };
    for mv in moves {
        match mv {
            ConsumerMove::Advance(ms) => {
                provider.claim_before(&mut fx, id, now + ms);
                now += ms;
                set_now(now);
            }
            ConsumerMove::Sign {
                nonce,
                cumulative,
                send,
            } => {
                let last = signed.last().map_or(0, |s| s.0);
                let state = (nonce.pick(last), Balance::from(cumulative));
                signed.push(state);
                // The provider serves, and so bills, only while the channel is open.
                let ch = fx.channel(id);
                if send && ch.phase == Phase::Open && state.0 >= 1 && state.1 <= ch.deposit {
                    provider.accepted.push(state);
                }
            }
            ConsumerMove::TopUp { amount, extend } => {
                let expiry = extend.then(|| fx.channel(id).expires_at + PERIOD);
                let _ = fx.payable(consumer, Balance::from(amount), |c| c.top_up(id, expiry));
            }
            ConsumerMove::StartClose(i) => {
                let state = i
                    .and_then(|i| pick(&signed, i))
                    .map(|(n, c)| fx.signed_state(id, n, c));
                as_caller(consumer);
                let _ = fx.c.start_close(id, state);
            }
            ConsumerMove::Challenge(i) => {
                if let Some((n, c)) = pick(&signed, i) {
                    let signature = fx.state(id, n, c);
                    as_caller(consumer);
                    let _ = fx.c.challenge(id, n, c, signature);
                }
            }
            ConsumerMove::Finalize => {
                as_caller(consumer);
                let _ = fx.c.finalize(id);
            }
            ConsumerMove::Timeout => {
                as_caller(stranger);
                let _ = fx.c.claim_timeout(id);
            }
            ConsumerMove::ProviderCheckpoints => {
                if let Some((n, c)) = provider.best() {
                    let _ = fx.checkpoint(id, n, c);
                }
            }
        }
        provider.answer(&mut fx, id);
    }
    // The end: the provider claims if nobody closed, and the close is paid out.
    if fx.channel(id).phase == Phase::Open {
        provider.claim_before(&mut fx, id, u64::MAX);
    }
    if let Phase::Closing { deadline, .. } = fx.channel(id).phase {
        set_now(deadline.max(now));
        as_caller(stranger);
        fx.c.finalize(id).expect("finalizes after the window");
    }
    let ch = fx.channel(id);
    assert!(matches!(ch.phase, Phase::Closed { .. }), "{ch:?}");
    let got = balance(fx.provider) - START_BALANCE;
    let due = provider.best().map_or(0, |(n, c)| owed(n, c));
    assert!(
        got >= due,
        "the honest provider got {got}, but the consumer signed states owing {due}: \
         accepted {:?}, signed {signed:?}, {ch:?}",
        provider.accepted
    );
    assert_eq!(START_BALANCE - balance(fx.consumer), got, "conservation");
    assert_eq!(super::held(), 0);
}

/// What a misbehaving provider does (anything its keys allow) against an honest consumer.
#[derive(Debug, Clone)]
enum ProviderMove {
    Advance(u64),
    /// Serves `minutes` more: the honest consumer signs its next state (nonce + 1, the agreed
    /// price), up to the deposit.
    Serve(u8),
    Checkpoint(Claim),
    StartClose(Option<Claim>),
    Challenge(Claim),
    /// Proposes a cooperative close of a state; the honest consumer countersigns only its
    /// newest state, so any other is submitted with a signature the provider made itself.
    CoopClose(Claim),
    Finalize,
    Timeout,
}

/// A state the provider submits: one the consumer signed (index from the newest), or one it
/// made up, signed with what it has.
#[derive(Debug, Clone, Copy)]
enum Claim {
    Signed(u8),
    /// A signed state's signature on another nonce / amount.
    Altered {
        of: u8,
        nonce: u64,
        cumulative: u16,
    },
    /// Signed by the provider's own channel key.
    OwnKey {
        nonce: u64,
        cumulative: u16,
    },
}

fn claim() -> impl Strategy<Value = Claim> {
    prop_oneof![
        6 => (0u8..6).prop_map(Claim::Signed),
        1 => (0u8..6, any::<u64>(), 0u16..1_500)
            .prop_map(|(of, nonce, cumulative)| Claim::Altered { of, nonce, cumulative }),
        1 => (any::<u64>(), 0u16..1_500).prop_map(|(nonce, cumulative)| Claim::OwnKey { nonce, cumulative }),
    ]
}

fn provider_move() -> impl Strategy<Value = ProviderMove> {
    prop_oneof![
        3 => (0u64..2 * PERIOD).prop_map(ProviderMove::Advance),
        1 => (0u64..2 * LIFETIME).prop_map(ProviderMove::Advance),
        5 => (0u8..8).prop_map(ProviderMove::Serve),
        3 => claim().prop_map(ProviderMove::Checkpoint),
        2 => prop::option::of(claim()).prop_map(ProviderMove::StartClose),
        2 => claim().prop_map(ProviderMove::Challenge),
        1 => claim().prop_map(ProviderMove::CoopClose),
        1 => Just(ProviderMove::Finalize),
        1 => Just(ProviderMove::Timeout),
    ]
}

fn adversarial_provider(moves: Vec<ProviderMove>) {
    let (mut fx, id) = open_for_the_lifetime();
    let provider = fx.provider;
    // What the honest consumer signed, oldest first.
    let mut signed: Vec<(u64, Balance)> = Vec::new();
    let mut now = T0;
    let resolve = |fx: &Fx, signed: &[(u64, Balance)], claim: Claim| {
        let nth = |i: u8| {
            (!signed.is_empty()).then(|| signed[signed.len() - 1 - usize::from(i) % signed.len()])
        };
        match claim {
            Claim::Signed(i) => nth(i).map(|(n, c)| fx.signed_state(id, n, c)),
            Claim::Altered {
                of,
                nonce,
                cumulative,
            } => nth(of)
                .map(|(n, c)| super::signed(nonce, Balance::from(cumulative), fx.state(id, n, c))),
            Claim::OwnKey { nonce, cumulative } => {
                let c = Balance::from(cumulative);
                let hash = state_hash(&escrow(), &id, nonce, c);
                Some(super::signed(nonce, c, fx.provider_key.sign(&hash)))
            }
        }
    };
    for mv in moves {
        as_caller(provider);
        match mv {
            ProviderMove::Advance(ms) => {
                now += ms;
                set_now(now);
            }
            ProviderMove::Serve(minutes) => {
                let (n, c) = signed.last().copied().unwrap_or((0, 0));
                let next = (c + PRICE * Balance::from(minutes)).min(fx.channel(id).deposit);
                signed.push((n + 1, next));
            }
            ProviderMove::Checkpoint(claim) => {
                if let Some(SignedState {
                    nonce: n,
                    cumulative: c,
                    signature,
                }) = resolve(&fx, &signed, claim)
                {
                    let _ = fx.c.checkpoint(id, n, c, signature);
                }
            }
            ProviderMove::StartClose(claim) => {
                let state = claim.and_then(|claim| resolve(&fx, &signed, claim));
                if claim.is_none() || state.is_some() {
                    let _ = fx.c.start_close(id, state);
                }
            }
            ProviderMove::Challenge(claim) => {
                if let Some(SignedState {
                    nonce: n,
                    cumulative: c,
                    signature,
                }) = resolve(&fx, &signed, claim)
                {
                    let _ = fx.c.challenge(id, n, c, signature);
                }
            }
            ProviderMove::CoopClose(claim) => {
                if let Some(SignedState {
                    nonce: n,
                    cumulative: c,
                    signature: state_signature,
                }) = resolve(&fx, &signed, claim)
                {
                    let (consumer_close, provider_close) = fx.close_sigs(id, n, c);
                    // The honest consumer countersigns its newest state only.
                    let countersigned = if signed.last() == Some(&(n, c)) {
                        consumer_close
                    } else {
                        state_signature
                    };
                    let _ =
                        fx.c.close_cooperative(id, n, c, countersigned, provider_close);
                }
            }
            ProviderMove::Finalize => {
                let _ = fx.c.finalize(id);
            }
            ProviderMove::Timeout => {
                let _ = fx.c.claim_timeout(id);
            }
        }
    }
    // The end, with the consumer passive: the pending close or the timeout refund pays out.
    let ch = fx.channel(id);
    match ch.phase {
        Phase::Closing { deadline, .. } => {
            set_now(deadline.max(now));
            fx.c.finalize(id).expect("finalizes after the window");
        }
        Phase::Open => {
            set_now((ch.claim_deadline() + 1).max(now));
            as_caller(fx.consumer);
            fx.c.claim_timeout(id)
                .expect("refunds after the claim deadline");
        }
        Phase::Closed { .. } => {}
    }
    let got = balance(fx.provider) - START_BALANCE;
    let most_signed = signed.iter().map(|&(n, c)| owed(n, c)).max().unwrap_or(0);
    assert!(
        got <= most_signed,
        "the provider got {got}, but the honest consumer signed states owing at most \
         {most_signed}: {signed:?}, {:?}",
        fx.channel(id)
    );
    assert_eq!(START_BALANCE - balance(fx.consumer), got, "conservation");
    assert_eq!(super::held(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES / 4))]

    /// An honest provider that answers every close within the window and claims before its
    /// claim deadline is paid at least the most owed by any state it accepted (amount within
    /// the deposit; `min_cost` once the trade ran), whatever the consumer signs and sends.
    #[test]
    fn an_honest_provider_is_paid_the_most_the_consumer_signed(
        moves in prop::collection::vec(consumer_move(), 1..40),
    ) {
        in_fresh_env(|| adversarial_consumer(moves));
    }

    /// An honest consumer (states at the agreed price, countersigning only its newest state)
    /// never pays more than the most its states owe, whatever the provider submits, replays,
    /// alters or signs itself, and gets the rest back even if it never acts.
    #[test]
    fn an_honest_consumer_never_pays_more_than_it_signed(
        moves in prop::collection::vec(provider_move(), 1..40),
    ) {
        in_fresh_env(|| adversarial_provider(moves));
    }
}
