//! Unit tests on ink!'s off-chain environment with the shared doubles of the registries
//! (`cgrid_shared::testing`).
//!
//! The off-chain environment does not revert state when a message returns `Err`; the
//! `fails_cleanly` helper asserts that a failing message changed nothing observable, which is
//! what makes the on-chain revert unnecessary for correctness. For payable messages it also
//! puts back the value the test transferred in (the chain would have reverted the transfer).

use super::trade_escrow::{Error, TradeEscrow};
use crate::{MAX_CHALLENGE_PERIOD, MAX_LIFETIME, MAX_SPEC_LEN, MIN_CHALLENGE_PERIOD};
use cgrid_shared::{
    close_hash, offer_hash, public_claims_root, settlement_claims, settlement_id_hash, state_hash,
    testing, trade_start_claims, Balance, Channel, ChannelId, CloseKind, CredentialAnchor,
    CredentialStatus, DidId, Encryption, Issuer, Party, Phase, Role, Signature, SignedState,
    TradeCredentialIssuer as _, TradeParties, TradeTerms, SETTLEMENT_CPT, SETTLEMENT_FIELDS,
    TRADE_START_CPT, TRADE_START_FIELDS,
};
use ink::env::{test, DefaultEnvironment as Env};

/// A consumer-signed state as `start_close` takes it.
pub fn signed(nonce: u64, cumulative: Balance, signature: Signature) -> SignedState {
    SignedState {
        nonce,
        cumulative,
        signature,
    }
}
use ink::primitives::AccountId;

const CONSUMER_DID: DidId = [0xCD; 32];
const PROVIDER_DID: DidId = [0x9D; 32];
const PRICE: Balance = 10;
const MIN_COST: Balance = 100;
const DEPOSIT: Balance = 1_000;
const PERIOD: u64 = MIN_CHALLENGE_PERIOD;
const T0: u64 = 1_000_000;
const EXPIRES: u64 = T0 + 3_600_000;
const START_BALANCE: Balance = 1_000_000_000;
/// What the contract account holds of its own (on chain: its existential deposit). The
/// off-chain environment refuses balances below 1,000,000 other than 0.
const ESCROW_BASE: Balance = 1_000_000;

thread_local! {
    static FIXTURES: std::cell::Cell<u8> = const { std::cell::Cell::new(0xE0) };
}

pub struct SrKey(schnorrkel::Keypair);

impl SrKey {
    pub fn new(seed: u8) -> Self {
        let mini = schnorrkel::MiniSecretKey::from_bytes(&[seed; 32]).expect("32 bytes");
        SrKey(mini.expand_to_keypair(schnorrkel::ExpansionMode::Ed25519))
    }
    pub fn public(&self) -> [u8; 32] {
        self.0.public.to_bytes()
    }
    /// Signs `hash` (an `offer_hash`, `state_hash` or `close_hash`), as the contract verifies.
    pub fn sign(&self, hash: &[u8; 32]) -> Signature {
        let ctx = schnorrkel::signing_context(b"substrate");
        self.0.sign(ctx.bytes(hash)).to_bytes()
    }
}

/// A consumer, a provider (whose account is its sr25519 account key), their channel keys and
/// the escrow, on a fresh off-chain environment and fresh registry doubles.
pub struct Fx {
    pub c: TradeEscrow,
    pub provider_account_key: SrKey,
    pub consumer_key: SrKey,
    pub provider_key: SrKey,
    pub consumer: AccountId,
    pub provider: AccountId,
    pub stranger: AccountId,
}

impl Fx {
    pub fn new() -> Self {
        let provider_account_key = SrKey::new(1);
        let provider = AccountId::from(provider_account_key.public());
        let consumer = AccountId::from([0xC0; 32]);
        let stranger = AccountId::from([0x57; 32]);
        testing::did::with(|w| {
            *w = Default::default();
            w.holders
                .insert((consumer, Role::Consumer), (CONSUMER_DID, u64::MAX));
            w.holders
                .insert((provider, Role::Provider), (PROVIDER_DID, u64::MAX));
        });
        for who in [consumer, provider, stranger] {
            test::set_account_balance::<Env>(who, START_BALANCE);
        }
        test::set_block_timestamp::<Env>(T0);
        // A fresh contract account per fixture: the off-chain environment keeps storage per
        // account, and a test may build several fixtures.
        let n = FIXTURES.with(|n| {
            let next = n.get().wrapping_add(1);
            n.set(next);
            next
        });
        let mut callee = [0xEE; 32];
        callee[0] = n;
        test::set_callee::<Env>(AccountId::from(callee));
        test::set_caller::<Env>(stranger);
        let c = TradeEscrow::new(AccountId::from([0xD1; 32]), AccountId::from([0xC2; 32]));
        test::set_account_balance::<Env>(escrow(), ESCROW_BASE);
        Fx {
            c,
            provider_account_key,
            consumer_key: SrKey::new(2),
            provider_key: SrKey::new(3),
            consumer,
            provider,
            stranger,
        }
    }

    pub fn terms(&self) -> TradeTerms {
        TradeTerms {
            provider: self.provider,
            consumer: self.consumer,
            spec: "8 vCPU / 32 GiB".into(),
            price_per_minute: PRICE,
            min_cost: MIN_COST,
            checkin_cpt: 7,
            encryption: Encryption::Plain,
            consumer_key: self.consumer_key.public(),
            provider_key: self.provider_key.public(),
            challenge_period: PERIOD,
            expires_at: EXPIRES,
            offer_nonce: [0x0F; 32],
        }
    }

    pub fn offer(&self, terms: &TradeTerms) -> Signature {
        self.provider_account_key
            .sign(&offer_hash(&escrow(), &self.c.deployment(), terms))
    }

    /// Opens with `terms` as the consumer, depositing `deposit`; on failure the deposit goes
    /// back to the consumer (as the chain's revert would do).
    pub fn open_with(
        &mut self,
        terms: &TradeTerms,
        signature: Signature,
        deposit: Balance,
    ) -> Result<ChannelId, Error> {
        let caller = self.consumer;
        self.payable(caller, deposit, |c| c.open(terms.clone(), signature))
    }

    pub fn open(&mut self) -> ChannelId {
        let terms = self.terms();
        let signature = self.offer(&terms);
        self.open_with(&terms, signature, DEPOSIT)
            .expect("a valid offer opens")
    }

    pub fn payable<T, E>(
        &mut self,
        caller: AccountId,
        value: Balance,
        f: impl FnOnce(&mut TradeEscrow) -> Result<T, E>,
    ) -> Result<T, E> {
        test::set_caller::<Env>(caller);
        let before = (balance(caller), balance(escrow()));
        test::transfer_in::<Env>(value);
        let result = f(&mut self.c);
        if result.is_err() {
            test::set_account_balance::<Env>(caller, before.0);
            test::set_account_balance::<Env>(escrow(), before.1);
        }
        test::set_value_transferred::<Env>(0);
        result
    }

    pub fn state(&self, id: ChannelId, nonce: u64, cumulative: Balance) -> Signature {
        self.consumer_key
            .sign(&state_hash(&escrow(), &id, nonce, cumulative))
    }

    /// [`Fx::state`] as the `SignedState` that `start_close` takes.
    pub fn signed_state(&self, id: ChannelId, nonce: u64, cumulative: Balance) -> SignedState {
        signed(nonce, cumulative, self.state(id, nonce, cumulative))
    }

    pub fn close_sigs(
        &self,
        id: ChannelId,
        nonce: u64,
        cumulative: Balance,
    ) -> (Signature, Signature) {
        let hash = close_hash(&escrow(), &id, nonce, cumulative);
        (self.consumer_key.sign(&hash), self.provider_key.sign(&hash))
    }

    pub fn checkpoint(
        &mut self,
        id: ChannelId,
        nonce: u64,
        cumulative: Balance,
    ) -> Result<(), Error> {
        let signature = self.state(id, nonce, cumulative);
        as_caller(self.provider);
        self.c.checkpoint(id, nonce, cumulative, signature)
    }

    pub fn channel_count_and_owed(&self) -> (u64, Balance) {
        (self.c.channel_count(), self.c.total_owed())
    }

    pub fn channel(&self, id: ChannelId) -> Channel {
        self.c.channel(id).expect("channel exists").record
    }

    pub fn everyone(&self) -> [AccountId; 4] {
        [self.consumer, self.provider, self.stranger, escrow()]
    }

    fn snapshot(&self, id: Option<ChannelId>) -> String {
        let balances = self.everyone().map(balance);
        let unclaimed = self.everyone().map(|a| self.c.unclaimed_of(a));
        format!(
            "{:?} {} {} {balances:?} {unclaimed:?} events={} credentials={:?}",
            id.and_then(|id| self.c.channel(id)),
            self.c.channel_count(),
            self.c.total_owed(),
            test::recorded_events().count(),
            id.map(|id| self.credentials_of(id)),
        )
    }

    /// The trade credentials the escrow answers for channel `id`: its trade start, then the
    /// settlements with index 0 to one past the channel's count (which must be `None`).
    pub fn credentials_of(&self, id: ChannelId) -> Vec<Option<CredentialAnchor>> {
        let settlements = self.c.channel(id).map_or(0, |ch| ch.record.settlements);
        let ids = (0..=settlements).map(|i| settlement_id_hash(&escrow(), &id, i));
        core::iter::once(id)
            .chain(ids)
            .map(|credential| self.c.trade_credential(credential))
            .collect()
    }

    /// Runs `f`, asserts that it failed with `expected` and that nothing observable changed.
    pub fn fails_cleanly<T: core::fmt::Debug>(
        &mut self,
        id: Option<ChannelId>,
        expected: Error,
        f: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) {
        let before = self.snapshot(id);
        let result = f(self);
        assert_eq!(result.unwrap_err(), expected);
        assert_eq!(self.snapshot(id), before, "state changed on {expected:?}");
    }
}

pub fn escrow() -> AccountId {
    test::callee::<Env>()
}

pub fn balance(who: AccountId) -> Balance {
    test::get_account_balance::<Env>(who).unwrap_or(0)
}

/// What the escrow holds beyond its own base balance.
pub fn held() -> Balance {
    balance(escrow()) - ESCROW_BASE
}

pub fn as_caller(who: AccountId) {
    test::set_caller::<Env>(who);
}

pub fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}

/// Funds are conserved for a closed channel and the contract holds exactly what it owes.
fn assert_conserved(fx: &Fx, id: ChannelId) {
    let ch = fx.channel(id);
    if let Phase::Closed { paid, refunded, .. } = ch.phase {
        assert_eq!(paid.checked_add(refunded), Some(ch.deposit));
        assert_eq!(paid, ch.paid);
    }
    assert_eq!(held(), fx.c.total_owed());
}

// --- open -------------------------------------------------------------------------------------

/// Every bound of the terms is inclusive: the longest spec, the latest expiry and a deposit of
/// exactly the minimum charge open (mutation testing found these boundaries untested); each
/// opened channel is counted.
#[ink::test]
fn the_bounds_of_the_terms_are_inclusive() {
    let mut fx = Fx::new();
    let mut terms = fx.terms();
    terms.spec = "x".repeat(MAX_SPEC_LEN as usize);
    terms.expires_at = T0 + MAX_LIFETIME;
    let signature = fx.offer(&terms);
    fx.open_with(&terms, signature, MIN_COST)
        .expect("a deposit of exactly min_cost, the longest spec and the latest expiry open");
    assert_eq!(fx.channel_count_and_owed(), (1, MIN_COST));
    fx.open();
    assert_eq!(fx.channel_count_and_owed(), (2, MIN_COST + DEPOSIT));
}

#[ink::test]
fn open_escrows_the_deposit_and_records_the_trade_start_credential() {
    let mut fx = Fx::new();
    let terms = fx.terms();
    let id = fx.open();
    assert_eq!(
        id,
        offer_hash(&escrow(), &fx.c.deployment(), &terms),
        "the channel id is the offer's hash"
    );
    let ch = fx.channel(id);
    assert_eq!(
        (ch.consumer, ch.provider, ch.consumer_did, ch.provider_did),
        (fx.consumer, fx.provider, CONSUMER_DID, PROVIDER_DID)
    );
    assert_eq!(
        (
            ch.deposit,
            ch.paid,
            ch.nonce,
            ch.price_per_minute,
            ch.min_cost
        ),
        (DEPOSIT, 0, 0, PRICE, MIN_COST)
    );
    assert_eq!(
        (ch.opened_at, ch.settled_until, ch.expires_at, ch.phase),
        (T0, T0, EXPIRES, Phase::Open)
    );
    assert_eq!(fx.c.channel_count(), 1);
    assert_eq!(fx.c.total_owed(), DEPOSIT);
    assert_eq!(held(), DEPOSIT);
    assert_eq!(balance(fx.consumer), START_BALANCE - DEPOSIT);
    let claims = trade_start_claims(&terms, &PROVIDER_DID, &CONSUMER_DID);
    let root = public_claims_root(&id, &TRADE_START_FIELDS, &claims);
    assert_eq!(
        fx.credentials_of(id),
        vec![
            Some(trade_credential(
                TRADE_START_CPT,
                CONSUMER_DID,
                root,
                T0,
                id
            )),
            None
        ]
    );
    assert_eq!(test::recorded_events().count(), 1);
}

/// The anchor the escrow answers for a trade credential it recorded at `at`.
fn trade_credential(
    cpt_id: u32,
    subject: DidId,
    claims_root: [u8; 32],
    at: u64,
    trade: ChannelId,
) -> CredentialAnchor {
    CredentialAnchor {
        cpt_id,
        issuer: Issuer::System(escrow()),
        subject,
        claims_root,
        issued_at: at,
        expires_at: None,
        ciphertext_hash: None,
        policy_id: None,
        status: CredentialStatus::Active,
        status_changed_at: at,
        trade: Some(trade),
    }
}

#[ink::test]
fn open_refuses_bad_terms_without_change() {
    let mut fx = Fx::new();
    let base = fx.terms();
    type Edit = Box<dyn Fn(&mut TradeTerms)>;
    let cases: Vec<(Edit, Balance, Error)> = vec![
        (
            Box::new(|t| t.provider = t.consumer),
            DEPOSIT,
            Error::SameAccount,
        ),
        (
            Box::new(|t| t.price_per_minute = 0),
            DEPOSIT,
            Error::ZeroPrice,
        ),
        (
            Box::new(|t| t.spec = String::new()),
            DEPOSIT,
            Error::BadSpecLength {
                len: 0,
                max: MAX_SPEC_LEN,
            },
        ),
        (
            Box::new(|t| t.spec = "x".repeat(257)),
            DEPOSIT,
            Error::BadSpecLength {
                len: 257,
                max: MAX_SPEC_LEN,
            },
        ),
        (
            Box::new(|t| t.challenge_period = MIN_CHALLENGE_PERIOD - 1),
            DEPOSIT,
            Error::BadChallengePeriod {
                got: MIN_CHALLENGE_PERIOD - 1,
                min: MIN_CHALLENGE_PERIOD,
                max: MAX_CHALLENGE_PERIOD,
            },
        ),
        (
            Box::new(|t| t.challenge_period = MAX_CHALLENGE_PERIOD + 1),
            DEPOSIT,
            Error::BadChallengePeriod {
                got: MAX_CHALLENGE_PERIOD + 1,
                min: MIN_CHALLENGE_PERIOD,
                max: MAX_CHALLENGE_PERIOD,
            },
        ),
        (
            Box::new(|t| t.expires_at = T0),
            DEPOSIT,
            Error::BadExpiry {
                now: T0,
                expires_at: T0,
            },
        ),
        (
            Box::new(|t| t.expires_at = T0 + MAX_LIFETIME + 1),
            DEPOSIT,
            Error::BadExpiry {
                now: T0,
                expires_at: T0 + MAX_LIFETIME + 1,
            },
        ),
        (
            Box::new(|_| {}),
            MIN_COST - 1,
            Error::DepositBelowMinCost {
                min_cost: MIN_COST,
                deposit: MIN_COST - 1,
            },
        ),
        (
            Box::new(|t| t.min_cost = 0),
            0,
            Error::DepositBelowMinCost {
                min_cost: 0,
                deposit: 0,
            },
        ),
        // The identity point as a channel key: anyone could sign for it.
        (
            Box::new(|t| t.consumer_key = [0; 32]),
            DEPOSIT,
            Error::ZeroKey(Party::Consumer),
        ),
        (
            Box::new(|t| t.provider_key = [0; 32]),
            DEPOSIT,
            Error::ZeroKey(Party::Provider),
        ),
    ];
    for (edit, deposit, expected) in cases {
        let mut terms = base.clone();
        edit(&mut terms);
        let signature = fx.offer(&terms);
        fx.fails_cleanly(None, expected, |fx| {
            fx.open_with(&terms, signature, deposit)
        });
    }
    // Only the named consumer may open.
    let signature = fx.offer(&base);
    let stranger = fx.stranger;
    fx.fails_cleanly(None, Error::NotConsumer, |fx| {
        fx.payable(stranger, DEPOSIT, |c| c.open(base.clone(), signature))
    });
}

#[ink::test]
fn open_needs_the_providers_offer_signature() {
    let mut fx = Fx::new();
    let terms = fx.terms();
    // Signed by another key (the provider's channel key is not its account key).
    let wrong_key = fx
        .provider_key
        .sign(&offer_hash(&escrow(), &fx.c.deployment(), &terms));
    fx.fails_cleanly(None, Error::BadOfferSignature, |fx| {
        fx.open_with(&terms, wrong_key, DEPOSIT)
    });
    // The consumer changed the price after the provider signed.
    let signed = fx.offer(&terms);
    let mut cheaper = terms.clone();
    cheaper.price_per_minute = 1;
    fx.fails_cleanly(None, Error::BadOfferSignature, |fx| {
        fx.open_with(&cheaper, signed, DEPOSIT)
    });
    // An offer for another escrow or another deployment of this one.
    let elsewhere = fx.provider_account_key.sign(&offer_hash(
        &AccountId::from([0xEE; 32]),
        &fx.c.deployment(),
        &terms,
    ));
    let other_deployment =
        fx.provider_account_key
            .sign(&offer_hash(&escrow(), &[0xEE; 32], &terms));
    for signature in [elsewhere, other_deployment] {
        fx.fails_cleanly(None, Error::BadOfferSignature, |fx| {
            fx.open_with(&terms, signature, DEPOSIT)
        });
    }
    // An offer opens one channel only.
    let id = fx.open();
    fx.fails_cleanly(Some(id), Error::ChannelExists(id), |fx| {
        fx.open_with(&terms, signed, DEPOSIT)
    });
}

/// Each party's role is checked on its own: the one that lacks it is named, whichever of the
/// two it is (an answer that let the provider's DID stand in for a consumer without the role
/// would name the wrong party, or open on the wrong DID).
#[ink::test]
fn open_needs_both_roles() {
    for missing in [Role::Consumer, Role::Provider] {
        let mut fx = Fx::new();
        let terms = fx.terms();
        let signature = fx.offer(&terms);
        let account = match missing {
            Role::Consumer => fx.consumer,
            _ => fx.provider,
        };
        testing::did::with(|w| w.holders.remove(&(account, missing)));
        fx.fails_cleanly(
            None,
            Error::MissingRole {
                account,
                role: missing,
            },
            |fx| fx.open_with(&terms, signature, DEPOSIT),
        );
    }
    let mut fx = Fx::new();
    let terms = fx.terms();
    let signature = fx.offer(&terms);
    testing::did::with(|w| w.holders.remove(&(fx.provider, Role::Provider)));
    testing::did::with(|w| w.holders.remove(&(fx.consumer, Role::Consumer)));
    let consumer = fx.consumer;
    fx.fails_cleanly(
        None,
        Error::MissingRole {
            account: consumer,
            role: Role::Consumer,
        },
        |fx| fx.open_with(&terms, signature, DEPOSIT),
    );
}

// --- checkpoint --------------------------------------------------------------------------------

#[ink::test]
fn checkpoints_pay_the_difference_and_record_settlements() {
    let mut fx = Fx::new();
    let id = fx.open();
    set_now(T0 + 5 * 60_000);
    fx.checkpoint(id, 5, 50).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 50);
    set_now(T0 + 12 * 60_000);
    fx.checkpoint(id, 12, 120).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 120);
    let ch = fx.channel(id);
    assert_eq!(
        (ch.paid, ch.nonce, ch.settlements, ch.settled_until),
        (120, 12, 2, T0 + 12 * 60_000)
    );
    assert_eq!(fx.c.total_owed(), DEPOSIT - 120);
    assert_conserved(&fx, id);
    // The second settlement covers minutes 5..12 and cost 70.
    let settlement = settlement_id_hash(&escrow(), &id, 1);
    let claims = settlement_claims(
        &PROVIDER_DID,
        &CONSUMER_DID,
        70,
        T0 + 5 * 60_000,
        T0 + 12 * 60_000,
        None,
    );
    let root = public_claims_root(&settlement, &SETTLEMENT_FIELDS, &claims);
    let recorded = fx.credentials_of(id);
    assert_eq!(
        recorded.len(),
        4,
        "trade start, two settlements, the next index"
    );
    assert!(recorded[..3].iter().all(Option::is_some) && recorded[3].is_none());
    assert_eq!(
        recorded[2],
        Some(trade_credential(
            SETTLEMENT_CPT,
            PROVIDER_DID,
            root,
            T0 + 12 * 60_000,
            id
        ))
    );
    // A higher nonce at the same amount proves nothing more; a lower nonce owing more does.
    fx.fails_cleanly(
        Some(id),
        Error::StaleState {
            held_nonce: 12,
            held_cumulative: 120,
        },
        |fx| fx.checkpoint(id, 13, 120),
    );
    fx.checkpoint(id, 2, 130).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 130);
    assert_eq!(fx.channel(id).nonce, 2);
}

#[ink::test]
fn checkpoint_refuses_stale_forged_and_out_of_range_states() {
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 5, 50).unwrap();
    let stale = Error::StaleState {
        held_nonce: 5,
        held_cumulative: 50,
    };
    let cases = [
        // Not more owed than what was settled, whatever the nonce.
        (5, 50, stale.clone()),
        (u64::MAX, 50, stale.clone()),
        (6, 40, stale.clone()),
        (0, 60, Error::ZeroNonce),
        (
            6,
            DEPOSIT + 1,
            Error::AboveDeposit {
                deposit: DEPOSIT,
                cumulative: DEPOSIT + 1,
            },
        ),
    ];
    for (nonce, cumulative, expected) in cases {
        fx.fails_cleanly(Some(id), expected, |fx| {
            fx.checkpoint(id, nonce, cumulative)
        });
    }
    // Signatures that are not the consumer's over this escrow, channel, nonce and amount.
    let by_provider_key = fx.provider_key.sign(&state_hash(&escrow(), &id, 6, 60));
    let other_channel = fx
        .consumer_key
        .sign(&state_hash(&escrow(), &[1; 32], 6, 60));
    let other_escrow = fx
        .consumer_key
        .sign(&state_hash(&AccountId::from([0xEE; 32]), &id, 6, 60));
    let close_domain = fx.close_sigs(id, 6, 60).0;
    let other_amount = fx.state(id, 6, 61);
    for signature in [
        by_provider_key,
        other_channel,
        other_escrow,
        close_domain,
        other_amount,
    ] {
        let provider = fx.provider;
        fx.fails_cleanly(Some(id), Error::BadStateSignature, |fx| {
            as_caller(provider);
            fx.c.checkpoint(id, 6, 60, signature)
        });
    }
    // Only the provider checkpoints.
    let signature = fx.state(id, 6, 60);
    for who in [fx.consumer, fx.stranger] {
        fx.fails_cleanly(Some(id), Error::NotProvider, |fx| {
            as_caller(who);
            fx.c.checkpoint(id, 6, 60, signature)
        });
    }
    fx.fails_cleanly(None, Error::ChannelNotFound([9; 32]), |fx| {
        fx.checkpoint([9; 32], 6, 60)
    });
    // Not after the claim deadline.
    set_now(EXPIRES + PERIOD + 1);
    fx.fails_cleanly(
        Some(id),
        Error::Expired {
            deadline: EXPIRES + PERIOD,
            now: EXPIRES + PERIOD + 1,
        },
        |fx| fx.checkpoint(id, 6, 60),
    );
    set_now(EXPIRES + PERIOD);
    fx.checkpoint(id, 6, 60).unwrap();
}

/// The deposit is the cap, not past it: a consumer that owes its whole deposit signs a state
/// for exactly that, and the provider is paid all of it, by checkpoint and by a cooperative
/// close (found by mutation testing: `>` → `>=` in the cap survived).
#[ink::test]
fn a_state_for_the_whole_deposit_is_paid_in_full() {
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 1, DEPOSIT).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + DEPOSIT);
    assert_eq!(fx.channel(id).paid, DEPOSIT);
    let (a, b) = fx.close_sigs(id, 2, DEPOSIT);
    as_caller(fx.consumer);
    fx.c.close_cooperative(id, 2, DEPOSIT, a, b).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + DEPOSIT);
    assert_eq!(balance(fx.consumer), START_BALANCE - DEPOSIT);
    assert_eq!(held(), 0);
    assert_conserved(&fx, id);
}

// --- cooperative close --------------------------------------------------------------------------

#[ink::test]
fn cooperative_close_pays_out_and_refunds_at_once() {
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 10, 100).unwrap();
    set_now(T0 + 30 * 60_000);
    let (a, b) = fx.close_sigs(id, 30, 300);
    as_caller(fx.consumer);
    fx.c.close_cooperative(id, 30, 300, a, b).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 300);
    assert_eq!(balance(fx.consumer), START_BALANCE - 300);
    assert_eq!(held(), 0);
    assert_eq!(
        fx.channel(id).phase,
        Phase::Closed {
            how: CloseKind::Cooperative,
            paid: 300,
            refunded: DEPOSIT - 300,
            at: T0 + 30 * 60_000
        }
    );
    assert_conserved(&fx, id);
    assert_eq!(fx.c.total_owed(), 0);
}

#[ink::test]
fn the_minimum_charge_applies_once_the_trade_ran() {
    // Ran for two minutes: the provider gets min_cost.
    let mut fx = Fx::new();
    let id = fx.open();
    let (a, b) = fx.close_sigs(id, 2, 20);
    as_caller(fx.provider);
    fx.c.close_cooperative(id, 2, 20, a, b).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + MIN_COST);
    assert_eq!(balance(fx.consumer), START_BALANCE - MIN_COST);
    assert_conserved(&fx, id);
    // Never ran (nonce 0): everything back.
    let mut fx = Fx::new();
    let id = fx.open();
    let (a, b) = fx.close_sigs(id, 0, 0);
    as_caller(fx.consumer);
    fx.c.close_cooperative(id, 0, 0, a, b).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE);
    assert_eq!(balance(fx.consumer), START_BALANCE);
    assert_conserved(&fx, id);
}

#[ink::test]
fn cooperative_close_needs_both_close_signatures() {
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 10, 100).unwrap();
    let (a, b) = fx.close_sigs(id, 20, 200);
    let state_sig = fx.state(id, 20, 200);
    let cases = [
        (a, a, Error::BadCloseSignature(Party::Provider)),
        (b, b, Error::BadCloseSignature(Party::Consumer)),
        (state_sig, b, Error::BadCloseSignature(Party::Consumer)),
    ];
    let consumer = fx.consumer;
    for (x, y, expected) in cases {
        fx.fails_cleanly(Some(id), expected, |fx| {
            as_caller(consumer);
            fx.c.close_cooperative(id, 20, 200, x, y)
        });
    }
    let stranger = fx.stranger;
    fx.fails_cleanly(Some(id), Error::NotParty, |fx| {
        as_caller(stranger);
        fx.c.close_cooperative(id, 20, 200, a, b)
    });
    let (a11, b11) = fx.close_sigs(id, 11, 90);
    fx.fails_cleanly(
        Some(id),
        Error::BelowPaid {
            paid: 100,
            cumulative: 90,
        },
        |fx| {
            as_caller(consumer);
            fx.c.close_cooperative(id, 11, 90, a11, b11)
        },
    );
}

// --- unilateral close -----------------------------------------------------------------------------

#[ink::test]
fn a_stale_close_loses_to_a_challenge_with_the_newest_state() {
    let mut fx = Fx::new();
    let id = fx.open();
    // The consumer signed up to nonce 30 (300) but starts a close with its nonce-12 state.
    let stale = fx.state(id, 12, 120);
    set_now(T0 + 60 * 60_000);
    as_caller(fx.consumer);
    fx.c.start_close(id, Some(signed(12, 120, stale))).unwrap();
    let deadline = T0 + 60 * 60_000 + PERIOD;
    assert_eq!(
        fx.channel(id).phase,
        Phase::Closing {
            by: Party::Consumer,
            nonce: 12,
            cumulative: 120,
            deadline
        }
    );
    fx.fails_cleanly(
        Some(id),
        Error::ChallengeWindowOpen {
            deadline,
            now: T0 + 60 * 60_000,
        },
        |fx| fx.c.finalize(id),
    );
    // The provider's watchtower answers with the newest state.
    let newest = fx.state(id, 30, 300);
    as_caller(fx.provider);
    fx.c.challenge(id, 30, 300, newest).unwrap();
    // The consumer cannot go back to an older state.
    let older = fx.state(id, 20, 200);
    let consumer = fx.consumer;
    fx.fails_cleanly(
        Some(id),
        Error::StaleState {
            held_nonce: 30,
            held_cumulative: 300,
        },
        |fx| {
            as_caller(consumer);
            fx.c.challenge(id, 20, 200, older)
        },
    );
    set_now(deadline);
    fx.fails_cleanly(
        Some(id),
        Error::ChallengeWindowOver {
            deadline,
            now: deadline,
        },
        |fx| {
            let newer = fx.state(id, 31, 310);
            as_caller(consumer);
            fx.c.challenge(id, 31, 310, newer)
        },
    );
    as_caller(fx.stranger);
    fx.c.finalize(id).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 300);
    assert_eq!(balance(fx.consumer), START_BALANCE - 300);
    assert!(matches!(
        fx.channel(id).phase,
        Phase::Closed {
            how: CloseKind::Unilateral,
            paid: 300,
            ..
        }
    ));
    assert_conserved(&fx, id);
}

/// The independent review's attacks (issue 15, finding 1), from the provider's side: the
/// consumer signs whatever it likes; the provider, who answers within the window with the
/// largest state it holds, is paid that state.
#[ink::test]
fn a_consumer_cannot_underpay_with_states_it_signs_itself() {
    // 60 served minutes (600), 30 of them checkpointed (300).
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 30, 300).unwrap();
    set_now(T0 + 60 * 60_000);
    let consumer = fx.consumer;
    // A huge nonce with what was already paid does not start a close...
    let cheap = fx.state(id, u64::MAX, 300);
    let stale = Error::StaleState {
        held_nonce: 30,
        held_cumulative: 300,
    };
    fx.fails_cleanly(Some(id), stale, |fx| {
        as_caller(consumer);
        fx.c.start_close(id, Some(signed(u64::MAX, 300, cheap)))
    });
    // ...and one owing a little more loses to the provider's genuine state.
    let cheap = fx.state(id, u64::MAX, 301);
    as_caller(consumer);
    fx.c.start_close(id, Some(signed(u64::MAX, 301, cheap)))
        .unwrap();
    let genuine = fx.state(id, 60, 600);
    as_caller(fx.provider);
    fx.c.challenge(id, 60, 600, genuine).unwrap();
    set_now(T0 + 60 * 60_000 + PERIOD);
    fx.c.finalize(id).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 600);
    assert_eq!(balance(fx.consumer), START_BALANCE - 600);
    assert_conserved(&fx, id);

    // The provider starts the close at minute 60; invented states do not replace it.
    let mut fx = Fx::new();
    let id = fx.open();
    set_now(T0 + 60 * 60_000);
    let genuine = fx.state(id, 60, 600);
    as_caller(fx.provider);
    fx.c.start_close(id, Some(signed(60, 600, genuine)))
        .unwrap();
    let consumer = fx.consumer;
    for (nonce, cumulative) in [(61, 0), (u64::MAX, 599), (61, 600)] {
        let invented = fx.state(id, nonce, cumulative);
        let stale = Error::StaleState {
            held_nonce: 60,
            held_cumulative: 600,
        };
        fx.fails_cleanly(Some(id), stale, |fx| {
            as_caller(consumer);
            fx.c.challenge(id, nonce, cumulative, invented)
        });
    }
    set_now(T0 + 60 * 60_000 + PERIOD);
    fx.c.finalize(id).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 600);
    assert_conserved(&fx, id);
}

#[ink::test]
fn a_close_without_a_state_claims_what_was_settled() {
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 10, 100).unwrap();
    set_now(T0 + 20 * 60_000);
    as_caller(fx.consumer);
    fx.c.start_close(id, None).unwrap();
    assert!(matches!(
        fx.channel(id).phase,
        Phase::Closing {
            nonce: 10,
            cumulative: 100,
            ..
        }
    ));
    set_now(T0 + 20 * 60_000 + PERIOD);
    fx.c.finalize(id).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + 100);
    assert_eq!(balance(fx.consumer), START_BALANCE - 100);
    assert_conserved(&fx, id);
}

/// Every way a channel closes records its settlement credential, claims and all, under the id
/// its `ChannelClosed` names: the trade's record does not depend on any other contract.
#[ink::test]
fn every_close_records_its_settlement_credential() {
    /// Closes the channel one way; returns when.
    type Close = fn(&mut Fx, ChannelId) -> u64;
    let closes: [(CloseKind, Close); 3] = [
        (CloseKind::Cooperative, |fx, id| {
            set_now(T0 + 30 * 60_000);
            let (a, b) = fx.close_sigs(id, 30, 300);
            as_caller(fx.provider);
            fx.c.close_cooperative(id, 30, 300, a, b).unwrap();
            T0 + 30 * 60_000
        }),
        (CloseKind::Unilateral, |fx, id| {
            set_now(T0 + 30 * 60_000);
            as_caller(fx.provider);
            let state = fx.signed_state(id, 30, 300);
            fx.c.start_close(id, Some(state)).unwrap();
            set_now(T0 + 30 * 60_000 + PERIOD);
            as_caller(fx.stranger);
            fx.c.finalize(id).unwrap();
            T0 + 30 * 60_000 + PERIOD
        }),
        (CloseKind::Timeout, |fx, id| {
            set_now(EXPIRES + PERIOD + 1);
            as_caller(fx.stranger);
            fx.c.claim_timeout(id).unwrap();
            EXPIRES + PERIOD + 1
        }),
    ];
    for (how, close) in closes {
        let mut fx = Fx::new();
        let id = fx.open();
        // The trade start is answered from the channel, which every step below rewrites: the
        // credential must read as it was issued, whatever the parties do afterwards.
        let start = fx.credentials_of(id)[0].clone();
        assert!(start.is_some());
        set_now(T0 + 10 * 60_000);
        fx.checkpoint(id, 10, 100).unwrap();
        let closed_at = close(&mut fx, id);
        assert_eq!(fx.credentials_of(id)[0], start, "trade start after {how:?}");
        let ch = fx.channel(id);
        let paid_now = ch.paid - 100;
        let settlement = settlement_id_hash(&escrow(), &id, 1);
        let claims = settlement_claims(
            &PROVIDER_DID,
            &CONSUMER_DID,
            paid_now,
            T0 + 10 * 60_000,
            closed_at,
            Some(how),
        );
        let root = public_claims_root(&settlement, &SETTLEMENT_FIELDS, &claims);
        assert_eq!(
            fx.credentials_of(id)[2..],
            [
                Some(trade_credential(
                    SETTLEMENT_CPT,
                    PROVIDER_DID,
                    root,
                    closed_at,
                    id
                )),
                None
            ],
            "{how:?}"
        );
        let closed = test::recorded_events()
            .last()
            .expect("ChannelClosed is the last event");
        assert!(closed.topics.is_empty(), "a channel's update has no topics");
        let update =
            <crate::events::ChannelUpdated as scale::Decode>::decode(&mut &closed.data[..])
                .expect("a ChannelUpdated")
                .update;
        let crate::events::ChannelUpdate::ChannelClosed(closed) = update else {
            panic!("a ChannelClosed, not {update:?}");
        };
        assert_eq!((closed.how, closed.settlement), (how, settlement));
    }
}

#[ink::test]
fn start_close_and_challenge_refuse_bad_input() {
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 10, 100).unwrap();
    let stranger = fx.stranger;
    fx.fails_cleanly(Some(id), Error::NotParty, |fx| {
        as_caller(stranger);
        fx.c.start_close(id, None)
    });
    let old = fx.state(id, 9, 100);
    let provider = fx.provider;
    let stale = Error::StaleState {
        held_nonce: 10,
        held_cumulative: 100,
    };
    fx.fails_cleanly(Some(id), stale, |fx| {
        as_caller(provider);
        fx.c.start_close(id, Some(signed(9, 100, old)))
    });
    let forged = fx.provider_key.sign(&state_hash(&escrow(), &id, 11, 110));
    fx.fails_cleanly(Some(id), Error::BadStateSignature, |fx| {
        as_caller(provider);
        fx.c.start_close(id, Some(signed(11, 110, forged)))
    });
    let s = fx.state(id, 11, 110);
    fx.fails_cleanly(Some(id), Error::NotClosing, |fx| {
        as_caller(provider);
        fx.c.challenge(id, 11, 110, s)
    });
    fx.fails_cleanly(Some(id), Error::NotClosing, |fx| fx.c.finalize(id));
    // The provider is too late after the claim deadline; the consumer is not.
    set_now(EXPIRES + PERIOD + 1);
    fx.fails_cleanly(
        Some(id),
        Error::Expired {
            deadline: EXPIRES + PERIOD,
            now: EXPIRES + PERIOD + 1,
        },
        |fx| {
            as_caller(provider);
            fx.c.start_close(id, None)
        },
    );
    as_caller(fx.consumer);
    fx.c.start_close(id, None).unwrap();
    fx.fails_cleanly(Some(id), Error::NotOpen, |fx| fx.c.start_close(id, None));
    fx.fails_cleanly(Some(id), Error::NotOpen, |fx| fx.checkpoint(id, 11, 110));
    fx.fails_cleanly(Some(id), Error::NotOpen, |fx| fx.c.claim_timeout(id));
    // A cooperative close still settles a pending dispute at once.
    let (a, b) = fx.close_sigs(id, 11, 110);
    fx.c.close_cooperative(id, 11, 110, a, b).unwrap();
    assert_conserved(&fx, id);
}

// --- timeout and top-up ---------------------------------------------------------------------------

#[ink::test]
fn timeout_refunds_the_consumer_when_nobody_closed() {
    let mut fx = Fx::new();
    let id = fx.open();
    set_now(EXPIRES + PERIOD);
    fx.fails_cleanly(
        Some(id),
        Error::NotExpired {
            refund_from: EXPIRES + PERIOD,
            now: EXPIRES + PERIOD,
        },
        |fx| fx.c.claim_timeout(id),
    );
    set_now(EXPIRES + PERIOD + 1);
    as_caller(fx.stranger);
    fx.c.claim_timeout(id).unwrap();
    assert_eq!(balance(fx.consumer), START_BALANCE);
    assert_eq!(balance(fx.provider), START_BALANCE);
    assert!(matches!(
        fx.channel(id).phase,
        Phase::Closed {
            how: CloseKind::Timeout,
            paid: 0,
            refunded: DEPOSIT,
            ..
        }
    ));
    assert_conserved(&fx, id);
}

#[ink::test]
fn timeout_after_checkpoints_keeps_what_was_paid_and_the_minimum() {
    let mut fx = Fx::new();
    let id = fx.open();
    fx.checkpoint(id, 5, 50).unwrap();
    set_now(EXPIRES + PERIOD + 1);
    fx.c.claim_timeout(id).unwrap();
    assert_eq!(balance(fx.provider), START_BALANCE + MIN_COST);
    assert_eq!(balance(fx.consumer), START_BALANCE - MIN_COST);
    assert_conserved(&fx, id);
}

#[ink::test]
fn top_up_adds_to_the_deposit_and_extends_the_expiry() {
    let mut fx = Fx::new();
    let id = fx.open();
    let consumer = fx.consumer;
    let start = fx.credentials_of(id)[0].clone();
    fx.payable(consumer, 500, |c| c.top_up(id, Some(EXPIRES + 1_000)))
        .unwrap();
    let ch = fx.channel(id);
    assert_eq!(
        (ch.deposit, ch.expires_at),
        (DEPOSIT + 500, EXPIRES + 1_000)
    );
    // The channel's terms changed; the trade-start credential it carries did not.
    assert_eq!(fx.credentials_of(id)[0], start);
    assert_eq!(fx.c.total_owed(), DEPOSIT + 500);
    assert_eq!(held(), DEPOSIT + 500);
    // A state above the old deposit is now valid.
    fx.checkpoint(id, 1, 1_200).unwrap();
    let provider = fx.provider;
    let stranger = fx.stranger;
    let cases: Vec<(AccountId, Balance, Option<u64>, Error)> = vec![
        (provider, 5, None, Error::NotConsumer),
        (stranger, 5, None, Error::NotConsumer),
        (consumer, 0, None, Error::NothingToTopUp),
        (
            consumer,
            5,
            Some(EXPIRES),
            Error::BadExpiry {
                now: T0,
                expires_at: EXPIRES,
            },
        ),
        (
            consumer,
            5,
            Some(T0 + MAX_LIFETIME + 1),
            Error::BadExpiry {
                now: T0,
                expires_at: T0 + MAX_LIFETIME + 1,
            },
        ),
    ];
    for (who, value, expiry, expected) in cases {
        fx.fails_cleanly(Some(id), expected, |fx| {
            fx.payable(who, value, |c| c.top_up(id, expiry))
        });
    }
    // The longest expiry is allowed (a mutant found this boundary untested).
    fx.payable(consumer, 0, |c| c.top_up(id, Some(T0 + MAX_LIFETIME)))
        .unwrap();
    assert_eq!(fx.channel(id).expires_at, T0 + MAX_LIFETIME);
    set_now(T0 + MAX_LIFETIME);
    fx.fails_cleanly(
        Some(id),
        Error::Expired {
            deadline: T0 + MAX_LIFETIME,
            now: T0 + MAX_LIFETIME,
        },
        |fx| fx.payable(consumer, 5, |c| c.top_up(id, None)),
    );
}

#[ink::test]
fn a_closed_channel_accepts_nothing() {
    let mut fx = Fx::new();
    let id = fx.open();
    let (a, b) = fx.close_sigs(id, 3, 30);
    as_caller(fx.consumer);
    fx.c.close_cooperative(id, 3, 30, a, b).unwrap();
    let consumer = fx.consumer;
    let provider = fx.provider;
    let s = fx.state(id, 4, 40);
    let (a4, b4) = fx.close_sigs(id, 4, 40);
    fx.fails_cleanly(Some(id), Error::Closed, |fx| fx.checkpoint(id, 4, 40));
    fx.fails_cleanly(Some(id), Error::Closed, |fx| {
        as_caller(consumer);
        fx.c.close_cooperative(id, 4, 40, a4, b4)
    });
    fx.fails_cleanly(Some(id), Error::Closed, |fx| {
        as_caller(provider);
        fx.c.start_close(id, Some(signed(4, 40, s)))
    });
    fx.fails_cleanly(Some(id), Error::Closed, |fx| {
        as_caller(provider);
        fx.c.challenge(id, 4, 40, s)
    });
    fx.fails_cleanly(Some(id), Error::Closed, |fx| fx.c.finalize(id));
    fx.fails_cleanly(Some(id), Error::Closed, |fx| fx.c.claim_timeout(id));
    fx.fails_cleanly(Some(id), Error::Closed, |fx| {
        fx.payable(consumer, 5, |c| c.top_up(id, None))
    });
    set_now(EXPIRES + PERIOD + 1);
    fx.fails_cleanly(Some(id), Error::Closed, |fx| fx.c.claim_timeout(id));
}

#[ink::test]
fn signatures_do_not_carry_over_between_channels() {
    let mut fx = Fx::new();
    let first = fx.open();
    let mut terms = fx.terms();
    terms.offer_nonce = [0x10; 32];
    let second = fx.open_with(&terms, fx.offer(&terms), DEPOSIT).unwrap();
    assert_ne!(first, second);
    let signed_for_first = fx.state(first, 5, 50);
    let provider = fx.provider;
    fx.fails_cleanly(Some(second), Error::BadStateSignature, |fx| {
        as_caller(provider);
        fx.c.checkpoint(second, 5, 50, signed_for_first)
    });
    as_caller(provider);
    fx.c.checkpoint(first, 5, 50, signed_for_first).unwrap();
    assert_eq!(held(), fx.c.total_owed());
}

#[ink::test]
fn withdraw_unclaimed_with_nothing_kept_fails_cleanly() {
    let mut fx = Fx::new();
    let consumer = fx.consumer;
    fx.fails_cleanly(None, Error::NothingToWithdraw, |fx| {
        as_caller(consumer);
        fx.c.withdraw_unclaimed()
    });
}

mod model;

// --- brokers (the auction) --------------------------------------------------------------------

/// Issue 15, findings 3 and 6: only root designates brokers, and only contracts (a plain key
/// designated by one authority opened channels nobody agreed to).
#[ink::test]
fn only_root_designates_brokers_and_only_contracts() {
    let mut fx = Fx::new();
    let (authority, broker) = (AccountId::from([0xA0; 32]), AccountId::from([0xB0; 32]));
    testing::did::with(|w| w.root = Some(authority));
    let stranger = fx.stranger;
    fx.fails_cleanly(None, Error::NotRoot, |fx| {
        as_caller(stranger);
        fx.c.set_broker(broker, true)
    });
    assert!(!fx.c.is_broker(broker));
    as_caller(authority);
    fx.fails_cleanly(None, Error::BrokerNotContract, |fx| {
        fx.c.set_broker(broker, true)
    });
    test::set_contract::<Env>(broker);
    as_caller(authority);
    fx.c.set_broker(broker, true).expect("root designates");
    assert!(fx.c.is_broker(broker));
    fx.c.set_broker(broker, false).expect("root undesignates");
    assert!(!fx.c.is_broker(broker));
    assert_eq!(test::recorded_events().count(), 2);
}

#[ink::test]
fn a_broker_opens_without_an_offer_signature_and_others_cannot() {
    use cgrid_shared::{
        brokered_hash, BrokeredEscrow as _, BrokeredOpen, BrokeringError, OpenRefusal,
    };
    // Above the test chain's existential deposit, so the escrow's account may hold just it.
    const D: Balance = 2 * ESCROW_BASE;
    let mut fx = Fx::new();
    let (authority, broker) = (AccountId::from([0xA0; 32]), AccountId::from([0xB0; 32]));
    testing::did::with(|w| w.root = Some(authority));
    test::set_contract::<Env>(broker);
    test::set_account_balance::<Env>(broker, START_BALANCE);
    // On chain, `balance` is what the escrow holds beyond its existential deposit; here its
    // account holds what it owes and nothing more, as the chain would report it.
    test::set_account_balance::<Env>(escrow(), fx.c.total_owed());
    let terms = fx.terms();
    let parties = TradeParties {
        consumer: CONSUMER_DID,
        provider: PROVIDER_DID,
    };
    // `caller` transfers `before` to the escrow, then calls with `with` as the call's value.
    // A reverted call changes nothing (the chain reverts the call's value; here it is put
    // back, and so is the transfer before it, as the broker's failing frame would revert it);
    // a refused open sends the deposit back and changes nothing else.
    let brokered = |fx: &mut Fx,
                    caller: AccountId,
                    terms: &TradeTerms,
                    parties: TradeParties,
                    (before, with): (Balance, Balance)| {
        let snapshot = (fx.snapshot(None), balance(caller));
        test::set_account_balance::<Env>(caller, balance(caller) - before);
        test::set_account_balance::<Env>(escrow(), balance(escrow()) + before);
        let out = fx.payable(caller, with, |c| c.open_brokered(terms.clone(), parties, D));
        match out {
            Err(_) => {
                test::set_account_balance::<Env>(caller, snapshot.1);
                test::set_account_balance::<Env>(escrow(), balance(escrow()) - before);
                assert_eq!((fx.snapshot(None), balance(caller)), snapshot, "{out:?}");
            }
            Ok(BrokeredOpen::Refused(_)) => {
                assert_eq!((fx.snapshot(None), balance(caller)), snapshot, "{out:?}");
            }
            Ok(BrokeredOpen::Opened(_)) => {}
        }
        out
    };
    let first = (0, D);
    let prefunded = (D, 0);
    // Not designated: the call reverts, whatever it carries (the consumer cannot use it
    // either).
    for caller in [broker, fx.consumer] {
        for funding in [first, prefunded] {
            assert_eq!(
                brokered(&mut fx, caller, &terms, parties, funding),
                Err(BrokeringError::NotBroker)
            );
        }
    }
    as_caller(authority);
    fx.c.set_broker(broker, true).unwrap();
    // A call may carry at most the deposit: the rest would belong to no channel.
    assert_eq!(
        brokered(&mut fx, broker, &terms, parties, (0, D + 1)),
        Err(BrokeringError::Overpaid)
    );
    // A broker that sends nothing opens nothing.
    assert_eq!(
        brokered(&mut fx, broker, &terms, parties, (0, 0)),
        Err(BrokeringError::Unfunded)
    );
    assert_eq!(
        brokered(&mut fx, broker, &terms, parties, (D - 1, 0)),
        Err(BrokeringError::Unfunded)
    );
    // Bad terms are refused with the shared reason, the deposit sent back.
    let mut bad = terms.clone();
    bad.price_per_minute = 0;
    for funding in [first, prefunded] {
        assert_eq!(
            brokered(&mut fx, broker, &bad, parties, funding),
            Ok(BrokeredOpen::Refused(OpenRefusal::BadTerms))
        );
    }
    // Issue 15, finding 6: the broker vouches for consent, not for the roles. The registry is
    // asked, and the DIDs the broker names must be its role holders for the terms' accounts:
    // neither an account without the role nor a bystander's DID makes a party.
    let bystander: DidId = [0xEE; 32];
    for (consumer, provider, party) in [
        (bystander, PROVIDER_DID, Party::Consumer),
        (CONSUMER_DID, bystander, Party::Provider),
        (PROVIDER_DID, CONSUMER_DID, Party::Consumer),
    ] {
        let named = TradeParties { consumer, provider };
        assert_eq!(
            brokered(&mut fx, broker, &terms, named, prefunded),
            Ok(BrokeredOpen::Refused(OpenRefusal::NotRoleHolder(party)))
        );
    }
    let holders = testing::did::with(|w| w.holders.clone());
    for role in [Role::Consumer, Role::Provider] {
        testing::did::with(|w| {
            w.holders.retain(|(_, r), _| *r != role);
        });
        let party = match role {
            Role::Consumer => Party::Consumer,
            _ => Party::Provider,
        };
        assert_eq!(
            brokered(&mut fx, broker, &terms, parties, first),
            Ok(BrokeredOpen::Refused(OpenRefusal::NotRoleHolder(party))),
            "the {party:?}'s account holds no {role:?} role"
        );
        testing::did::with(|w| w.holders = holders.clone());
    }
    let broker_before = balance(broker);
    let Ok(BrokeredOpen::Opened(id)) = brokered(&mut fx, broker, &terms, parties, prefunded) else {
        panic!("a broker opens a channel it funded before the call");
    };
    assert_eq!(balance(broker), broker_before - D);
    assert_eq!(
        id,
        brokered_hash(&escrow(), &fx.c.deployment(), &broker, &terms)
    );
    assert_ne!(
        id,
        offer_hash(&escrow(), &fx.c.deployment(), &terms),
        "brokered ids never collide with signed offers"
    );
    let ch = fx.channel(id);
    assert_eq!(
        (ch.consumer, ch.provider, ch.deposit),
        (fx.consumer, fx.provider, D)
    );
    assert_eq!(
        (ch.consumer_did, ch.provider_did),
        (CONSUMER_DID, PROVIDER_DID)
    );
    assert_eq!(
        fx.credentials_of(id)[0]
            .as_ref()
            .map(|c| (c.cpt_id, c.subject)),
        Some((TRADE_START_CPT, CONSUMER_DID)),
        "the trade-start credential"
    );
    assert_eq!(fx.c.total_owed(), D);
    assert_eq!(balance(escrow()), D);
    // A sum that would overflow refuses the open and changes nothing: both are checked before
    // either changes (the closure compares `total_owed` and the count).
    let mut other = terms.clone();
    other.expires_at -= 1;
    let count = fx.c.channel_count();
    fx.c.set_channel_count(u64::MAX);
    assert_eq!(
        brokered(&mut fx, broker, &other, parties, first),
        Ok(BrokeredOpen::Refused(OpenRefusal::Overflow))
    );
    fx.c.set_channel_count(count);
    // The escrow now holds a deposit it owes: a broker cannot open a second channel with it.
    assert_eq!(
        brokered(&mut fx, broker, &other, parties, (0, 0)),
        Err(BrokeringError::Unfunded)
    );
    assert_eq!(
        brokered(&mut fx, broker, &terms, parties, first),
        Ok(BrokeredOpen::Refused(OpenRefusal::ChannelExists))
    );
    // Funds sent to the escrow outside any message (`stray`) are nobody's and owed to nobody: a
    // stranger cannot take them as a refund, and a broker's refused open that carried its
    // deposit gets back that deposit only. (A broker that sent nothing can have a refused open
    // "refunded" from them: root-vetted code can sweep what nobody is owed, never what is owed.)
    let (stray, stranger) = (ESCROW_BASE, fx.stranger);
    test::set_account_balance::<Env>(escrow(), balance(escrow()) + stray);
    assert_eq!(
        brokered(&mut fx, stranger, &terms, parties, (0, 0)),
        Err(BrokeringError::NotBroker)
    );
    assert_eq!(
        brokered(&mut fx, broker, &bad, parties, first),
        Ok(BrokeredOpen::Refused(OpenRefusal::BadTerms))
    );
    assert_eq!(balance(escrow()), D + stray);
    // Root undesignates the broker: it is refused with its deposit back (so the auction can
    // refund its consumer at once).
    as_caller(authority);
    fx.c.set_broker(broker, false).unwrap();
    assert!(!fx.c.is_broker(broker));
    assert_eq!(
        brokered(&mut fx, broker, &other, parties, first),
        Ok(BrokeredOpen::Refused(OpenRefusal::NotBroker))
    );
    assert_eq!(balance(escrow()), D + stray);
    // Undesignating an account that never was a broker does not make it a former one.
    as_caller(authority);
    fx.c.set_broker(stranger, false).unwrap();
    assert_eq!(
        brokered(&mut fx, stranger, &other, parties, (0, 0)),
        Err(BrokeringError::NotBroker)
    );
    assert_eq!(fx.c.total_owed(), D);
    // The consumer's own signed offer for the same terms still opens its own channel.
    let own = fx.open();
    assert_ne!(own, id);
}

// --- masks ------------------------------------------------------------------------------------

#[ink::test]
fn only_root_names_the_mask_registry() {
    let mut fx = Fx::new();
    let authority = AccountId::from([0xA0; 32]);
    let masks = AccountId::from([0x3A; 32]);
    testing::did::with(|w| w.root = Some(authority));
    let stranger = fx.stranger;
    fx.fails_cleanly(None, Error::NotRoot, |fx| {
        as_caller(stranger);
        fx.c.set_mask_registry(Some(masks))
    });
    assert_eq!(fx.c.mask_registry(), None);
    as_caller(authority);
    fx.c.set_mask_registry(Some(masks)).unwrap();
    assert_eq!(fx.c.mask_registry(), Some(masks));
}

#[ink::test]
fn a_masked_trade_reads_masked_and_still_settles() {
    use cgrid_shared::{Scope, Target};
    let mut fx = Fx::new();
    let authority = AccountId::from([0xA0; 32]);
    testing::did::with(|w| w.root = Some(authority));
    let id = fx.open();
    let full = fx.c.channel(id).unwrap();
    as_caller(authority);
    fx.c.set_mask_registry(Some(AccountId::from([0x3A; 32])))
        .unwrap();
    testing::mask::set(
        &Target::Trade(id),
        Some(testing::mask::mask(Scope::Whole, false)),
    );

    // Who traded and at what price are withheld; the accounting is not.
    let view = fx.c.channel(id).unwrap();
    let ch = &view.record;
    assert_eq!(
        (ch.consumer, ch.provider),
        (AccountId::from([0; 32]), AccountId::from([0; 32]))
    );
    assert_eq!((ch.consumer_did, ch.provider_key), ([0; 32], [0; 32]));
    assert_eq!((ch.price_per_minute, ch.min_cost), (0, 0));
    assert_eq!((ch.deposit, ch.paid, ch.nonce), (DEPOSIT, 0, 0));
    assert_eq!(ch.phase, full.record.phase);
    let marker = view.masked.expect("marker");
    assert_eq!(
        marker.withheld,
        ["consumer", "provider", "price"].map(String::from)
    );
    assert_eq!(marker.reason_code, 42);

    // The consumer may not add to a masked trade...
    let consumer = fx.consumer;
    fx.fails_cleanly(
        Some(id),
        Error::Masked {
            channel: id,
            reason_code: 42,
        },
        |fx| fx.payable(consumer, 500, |c| c.top_up(id, None)),
    );
    // ...unless the mask lets the owner write.
    testing::mask::set(
        &Target::Trade(id),
        Some(testing::mask::mask(Scope::Whole, true)),
    );
    fx.payable(consumer, 500, |c| c.top_up(id, None)).unwrap();
    // A field mask (here: the price) leaves the accounting, and so top-ups, alone.
    let price = Scope::Fields(vec!["price".into()]);
    testing::mask::set(&Target::Trade(id), Some(testing::mask::mask(price, false)));
    fx.payable(consumer, 100, |c| c.top_up(id, None)).unwrap();
    testing::mask::set(
        &Target::Trade(id),
        Some(testing::mask::mask(Scope::Whole, false)),
    );

    // Settlement is never held: checkpoint and cooperative close go through.
    fx.checkpoint(id, 1, 100).unwrap();
    let (a, b) = fx.close_sigs(id, 2, 300);
    as_caller(consumer);
    fx.c.close_cooperative(id, 2, 300, a, b).unwrap();
    assert_conserved(&fx, id);
    assert!(
        matches!(fx.channel(id).phase, Phase::Closed { paid, refunded, .. }
        if paid == 300.max(MIN_COST) && refunded == DEPOSIT + 600 - 300.max(MIN_COST))
    );

    // Lifted: shown in full, with the record unchanged by the mask itself.
    testing::mask::set(&Target::Trade(id), None);
    let after = fx.c.channel(id).unwrap();
    assert_eq!(after.masked, None);
    assert_eq!(after.record.consumer, consumer);
    assert_eq!(after.record.price_per_minute, full.record.price_per_minute);
}

// Finding 4 of the review: a DID masked whole was still linked to its account through the
// trades it is a party of (`channel`).
#[ink::test]
fn a_party_whose_did_is_masked_is_withheld_from_its_trades() {
    use cgrid_shared::{Scope, Target};
    let mut fx = Fx::new();
    let authority = AccountId::from([0xA0; 32]);
    testing::did::with(|w| w.root = Some(authority));
    let id = fx.open();
    let full = fx.c.channel(id).unwrap();
    let (consumer_did, provider_did) = (full.record.consumer_did, full.record.provider_did);
    as_caller(authority);
    fx.c.set_mask_registry(Some(AccountId::from([0x3A; 32])))
        .unwrap();
    // A mask on the consumer's DID that leaves its account shown hides nothing of the trade.
    let services = Scope::Fields(vec!["service".into()]);
    testing::mask::set(
        &Target::Did(consumer_did),
        Some(testing::mask::mask(services, false)),
    );
    assert_eq!(fx.c.channel(id).unwrap(), full);

    for scope in [Scope::Whole, Scope::Fields(vec!["account".into()])] {
        testing::mask::set(
            &Target::Did(consumer_did),
            Some(testing::mask::mask(scope.clone(), false)),
        );
        let calls = testing::mask::calls();
        let view = fx.c.channel(id).unwrap();
        assert_eq!(
            testing::mask::calls(),
            calls + 1,
            "one call to the mask registry for the trade and both parties (issue 21)"
        );
        let ch = &view.record;
        assert_eq!(
            (ch.consumer, ch.consumer_did, ch.consumer_key),
            (AccountId::from([0; 32]), [0; 32], [0; 32]),
            "{scope:?}"
        );
        // The other party, the price and the accounting stay.
        assert_eq!(
            (
                ch.provider,
                ch.provider_did,
                ch.price_per_minute,
                ch.deposit
            ),
            (
                full.record.provider,
                provider_did,
                full.record.price_per_minute,
                DEPOSIT
            )
        );
        let marker = view.masked.expect("the DID mask's marker");
        assert_eq!(marker.withheld, vec![String::from("consumer")]);
        assert_eq!(marker.scope, scope);
    }

    // With the trade masked for its price too, the marker is the trade's and lists both.
    let price = Scope::Fields(vec!["price".into()]);
    testing::mask::set(
        &Target::Trade(id),
        Some(testing::mask::mask(price.clone(), false)),
    );
    testing::mask::set(
        &Target::Did(provider_did),
        Some(testing::mask::mask(Scope::Whole, false)),
    );
    let view = fx.c.channel(id).unwrap();
    assert_eq!(view.record.provider, AccountId::from([0; 32]));
    let marker = view.masked.expect("marker");
    assert_eq!(marker.scope, price);
    assert_eq!(
        marker.withheld,
        ["price", "consumer", "provider"].map(String::from)
    );

    // Settlement does not read these masks: a checkpoint goes through.
    fx.checkpoint(id, 1, 100).unwrap();
    assert_conserved(&fx, id);
    for target in [
        Target::Trade(id),
        Target::Did(consumer_did),
        Target::Did(provider_did),
    ] {
        testing::mask::set(&target, None);
    }
    assert_eq!(fx.c.channel(id).unwrap().masked, None);
}
