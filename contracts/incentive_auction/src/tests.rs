//! Unit tests on ink!'s off-chain environment with the shared doubles of the registries and
//! the escrow (`cgrid_shared::testing`).
//!
//! The off-chain environment does not revert state when a message returns `Err`;
//! `fails_cleanly` asserts that a failing message changed nothing observable (for payable
//! messages it puts back the value the test transferred in, as the chain's revert would).

use super::incentive_auction::{Error, IncentiveAuction, ModelFlaw, ProofFlaw};
use crate::{FINALIZE_GRACE, MAX_AUCTION_SPAN, MAX_DURATION_MINUTES, MIN_WINDOW};
use cgrid_shared::{
    auction_trade_nonce_hash, bid_hash, claim_leaf_hash, claims_root_hash, testing, AttributeRule,
    AuctionPhase, AuctionRequest, Balance, Bid, ClaimProof, ClaimValue, CredentialAnchor,
    CredentialId, CredentialStatus, DidId, Encryption, Issuer, OpenRefusal, ParameterModel, Party,
    Role, TradeParties, WeightRange, Weights, ATTRIBUTES, MAX_SPEC_LEN,
};
use ink::env::{test, DefaultEnvironment as Env};
use ink::primitives::AccountId;

const T0: u64 = 10_000_000;
const COMMIT_BY: u64 = T0 + 600_000;
const REVEAL_BY: u64 = T0 + 1_200_000;
const MAX_PRICE: Balance = 100;
const MINUTES: u32 = 60;
const MIN_COST: Balance = 500;
/// max(minCost, maxPrice × minutes)
const DEPOSIT: Balance = 6_000;
const BOND: Balance = 50;
const START: Balance = 1_000_000_000;
/// The auction account's own balance (the off-chain environment refuses small ones).
const BASE: Balance = 1_000_000;
const ATTESTOR: DidId = [0xA7; 32];
const GREEN_CPT: u32 = 1_001;
const CONSUMER_DID: DidId = [0xCD; 32];

thread_local! {
    static FIXTURES: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

fn model() -> ParameterModel {
    let rule = |claim: &str, lo, hi, lower_is_better| AttributeRule {
        cpt: GREEN_CPT,
        claim: claim.into(),
        lo,
        hi,
        lower_is_better,
    };
    ParameterModel {
        default_weights: Weights {
            price: 50,
            attributes: [20, 10, 10, 10],
        },
        weight_limits: [WeightRange { min: 0, max: 100 }; ATTRIBUTES + 1],
        attributes: [
            rule("greenShare", 0, 10_000, false),
            rule("carbon", 0, 800, true),
            rule("pue", 1_000, 2_000, true),
            rule("charity", 0, 1_000, false),
        ],
        attestors: vec![ATTESTOR],
        bid_bond: BOND,
        max_bids: 3,
        treasury: AccountId::from([0x7E; 32]),
    }
}

struct Provider {
    account: AccountId,
    did: DidId,
}

struct Fx {
    c: IncentiveAuction,
    authority: AccountId,
    consumer: AccountId,
    providers: Vec<Provider>,
    stranger: AccountId,
    escrow: AccountId,
}

impl Fx {
    /// A deployed auction with model version 1 and four providers holding the Provider role.
    fn new() -> Self {
        let authority = AccountId::from([0xAA; 32]);
        let consumer = AccountId::from([0xC0; 32]);
        let stranger = AccountId::from([0x57; 32]);
        let escrow = AccountId::from([0xE5; 32]);
        let providers: Vec<Provider> = (1..=4u8)
            .map(|i| Provider {
                account: AccountId::from([0x10 + i; 32]),
                did: [0x90 + i; 32],
            })
            .collect();
        testing::vc::with(|w| *w = Default::default());
        testing::escrow::with(|w| *w = Default::default());
        testing::did::with(|w| {
            *w = Default::default();
            w.root = Some(authority);
            w.active.insert(ATTESTOR);
            w.holders
                .insert((consumer, Role::Consumer), (CONSUMER_DID, u64::MAX));
            for p in &providers {
                w.holders
                    .insert((p.account, Role::Provider), (p.did, u64::MAX));
            }
        });
        for who in [authority, consumer, stranger]
            .into_iter()
            .chain(providers.iter().map(|p| p.account))
        {
            test::set_account_balance::<Env>(who, START);
        }
        // The off-chain environment refuses non-zero balances below 1,000,000.
        test::set_account_balance::<Env>(escrow, BASE);
        test::set_account_balance::<Env>(model().treasury, BASE);
        test::set_block_timestamp::<Env>(T0);
        let n = FIXTURES.with(|n| {
            let next = n.get().wrapping_add(1);
            n.set(next);
            next
        });
        test::set_callee::<Env>(AccountId::from([n; 32]));
        test::set_caller::<Env>(authority);
        let mut c = IncentiveAuction::new(
            AccountId::from([0xD1; 32]),
            AccountId::from([0xC2; 32]),
            escrow,
        );
        test::set_account_balance::<Env>(me(), BASE);
        c.set_model(model()).expect("authority sets the model");
        Fx {
            c,
            authority,
            consumer,
            providers,
            stranger,
            escrow,
        }
    }

    fn request(&self) -> AuctionRequest {
        AuctionRequest {
            spec: "8 vCPU / 32 GiB".into(),
            max_price_per_minute: MAX_PRICE,
            duration_minutes: MINUTES,
            min_cost: MIN_COST,
            commit_deadline: COMMIT_BY,
            reveal_deadline: REVEAL_BY,
            weights: None,
            consumer_key: [0xCC; 32],
            checkin_cpt: 7,
            encryption: Encryption::Plain,
            challenge_period: 60_000,
        }
    }

    fn payable<T, E>(
        &mut self,
        caller: AccountId,
        value: Balance,
        f: impl FnOnce(&mut IncentiveAuction) -> Result<T, E>,
    ) -> Result<T, E> {
        test::set_caller::<Env>(caller);
        let before = (balance(caller), balance(me()));
        test::transfer_in::<Env>(value);
        let result = f(&mut self.c);
        if result.is_err() {
            test::set_account_balance::<Env>(caller, before.0);
            test::set_account_balance::<Env>(me(), before.1);
        }
        test::set_value_transferred::<Env>(0);
        result
    }

    fn create_with(&mut self, request: AuctionRequest, deposit: Balance) -> Result<u64, Error> {
        let consumer = self.consumer;
        self.payable(consumer, deposit, |c| c.create_auction(request))
    }

    fn create(&mut self) -> u64 {
        let request = self.request();
        self.create_with(request, DEPOSIT).expect("auction opens")
    }

    fn commit_as(
        &mut self,
        who: AccountId,
        auction: u64,
        bid: &Bid,
        salt: u8,
    ) -> Result<u32, Error> {
        let hash = bid_hash(&me(), auction, &who, bid, &[salt; 32]);
        self.payable(who, BOND, |c| c.commit(auction, hash))
    }

    fn reveal_as(
        &mut self,
        who: AccountId,
        auction: u64,
        bid: &Bid,
        salt: u8,
        proofs: [Option<ClaimProof>; ATTRIBUTES],
    ) -> Result<super::RevealOutcome, Error> {
        test::set_caller::<Env>(who);
        self.c
            .reveal(auction, bid.clone(), [salt; 32], proofs.into())
    }

    fn snapshot(&self, auction: Option<u64>) -> String {
        let mut who = vec![
            self.consumer,
            self.stranger,
            self.escrow,
            me(),
            model().treasury,
        ];
        who.extend(self.providers.iter().map(|p| p.account));
        let balances: Vec<Balance> = who.iter().map(|a| balance(*a)).collect();
        let commitments: Vec<_> = auction
            .map(|a| {
                self.providers
                    .iter()
                    .map(|p| self.c.commitment(a, p.account))
                    .collect()
            })
            .unwrap_or_default();
        format!(
            "{:?} {commitments:?} {} {} {} {balances:?} events={} opened={}",
            auction.and_then(|a| self.c.auction(a)).map(|a| a.record),
            self.c.auction_count(),
            self.c.model_version(),
            self.c.total_held(),
            test::recorded_events().count(),
            testing::escrow::with(|w| w.opened.len()),
        )
    }

    /// Runs `f`, asserts that it failed with `expected` and that nothing observable changed.
    fn fails_cleanly<T: core::fmt::Debug>(
        &mut self,
        auction: Option<u64>,
        expected: Error,
        f: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) {
        let before = self.snapshot(auction);
        let result = f(self);
        assert_eq!(result.unwrap_err(), expected);
        assert_eq!(
            self.snapshot(auction),
            before,
            "state changed on {expected:?}"
        );
    }

    fn p(&self, i: usize) -> AccountId {
        self.providers[i].account
    }
}

fn me() -> AccountId {
    test::callee::<Env>()
}

fn balance(who: AccountId) -> Balance {
    test::get_account_balance::<Env>(who).unwrap_or(0)
}

fn held() -> Balance {
    balance(me()) - BASE
}

fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}

fn bid(price: Balance, attributes: [Option<u32>; ATTRIBUTES]) -> Bid {
    Bid {
        price_per_minute: price,
        attributes,
        provider_key: [0x9C; 32],
    }
}

/// Anchors (in the credential registry's double) a credential of `cpt` about `subject` by
/// `issuer` whose claims are `claims` in order; returns the proof of claim `index`.
fn credential(
    id: u8,
    cpt: u32,
    subject: DidId,
    issuer: DidId,
    claims: &[(&str, i128)],
    index: u32,
) -> ClaimProof {
    let salt = |i: usize| [id.wrapping_add(u8::try_from(i).unwrap()); 32];
    let leaves: Vec<[u8; 32]> = claims
        .iter()
        .enumerate()
        .map(|(i, (name, v))| claim_leaf_hash(name, &salt(i), &ClaimValue::Integer(*v)))
        .collect();
    let credential: CredentialId = [id; 32];
    testing::vc::with(|w| {
        w.credentials.insert(
            credential,
            CredentialAnchor {
                cpt_id: cpt,
                issuer: Issuer::Did(issuer),
                subject,
                claims_root: claims_root_hash(&leaves),
                issued_at: T0,
                expires_at: None,
                ciphertext_hash: None,
                policy_id: None,
                status: CredentialStatus::Active,
                status_changed_at: T0,
                trade: None,
            },
        )
    });
    ClaimProof {
        credential,
        leaves,
        index,
        salt: salt(usize::try_from(index).unwrap()),
    }
}

/// A green-share certificate for provider `did` (claims: greenShare, then carbon).
fn green_certificate(id: u8, did: DidId, share: u32) -> ClaimProof {
    credential(
        id,
        GREEN_CPT,
        did,
        ATTESTOR,
        &[("greenShare", i128::from(share)), ("carbon", 300)],
        0,
    )
}

// --- parameter model ------------------------------------------------------------------------

#[ink::test]
fn only_root_sets_valid_models_and_auctions_keep_their_version() {
    let mut fx = Fx::new();
    assert_eq!(fx.c.model_version(), 1);
    let stranger = fx.stranger;
    fx.fails_cleanly(None, Error::NotRoot, |fx| {
        test::set_caller::<Env>(stranger);
        fx.c.set_model(model())
    });
    type Edit = Box<dyn Fn(&mut ParameterModel)>;
    let cases: Vec<(Edit, ModelFlaw)> = vec![
        (
            Box::new(|m| m.weight_limits[2] = WeightRange { min: 5, max: 4 }),
            ModelFlaw::WeightLimits { criterion: 2 },
        ),
        (
            Box::new(|m| m.weight_limits[0].max = 1_000_001),
            ModelFlaw::WeightLimits { criterion: 0 },
        ),
        (
            Box::new(|m| m.weight_limits[1].max = 10),
            ModelFlaw::DefaultWeight { criterion: 1 },
        ),
        (
            Box::new(|m| {
                m.default_weights = Weights {
                    price: 0,
                    attributes: [0; 4],
                }
            }),
            ModelFlaw::ZeroWeights,
        ),
        (
            Box::new(|m| m.attributes[2].hi = m.attributes[2].lo),
            ModelFlaw::Bounds { attribute: 2 },
        ),
        (
            Box::new(|m| m.attributes[3].claim = String::new()),
            ModelFlaw::ClaimName { attribute: 3 },
        ),
        (
            Box::new(|m| m.attestors = vec![[1; 32]; 17]),
            ModelFlaw::TooManyAttestors { max: 16 },
        ),
        (Box::new(|m| m.max_bids = 0), ModelFlaw::MaxBids),
    ];
    let authority = fx.authority;
    for (edit, flaw) in cases {
        let mut m = model();
        edit(&mut m);
        fx.fails_cleanly(None, Error::BadModel(flaw), |fx| {
            test::set_caller::<Env>(authority);
            fx.c.set_model(m)
        });
    }
    // Every limit is inclusive: a weight range of one value, a range up to the largest weight
    // (1,000,000), a claim name of 32 bytes and 16 attestors make a valid model; 33 bytes do not.
    let mut edges = model();
    edges.weight_limits[0] = WeightRange {
        min: edges.default_weights.price,
        max: edges.default_weights.price,
    };
    edges.weight_limits[1].max = 1_000_000;
    edges.attributes[0].claim = "c".repeat(32);
    edges.attestors = vec![ATTESTOR; 16];
    let mut too_long = edges.clone();
    too_long.attributes[0].claim = "c".repeat(33);
    fx.fails_cleanly(
        None,
        Error::BadModel(ModelFlaw::ClaimName { attribute: 0 }),
        |fx| {
            test::set_caller::<Env>(authority);
            fx.c.set_model(too_long)
        },
    );
    test::set_caller::<Env>(authority);
    assert_eq!(fx.c.set_model(edges), Ok(2));
    assert_eq!(fx.c.set_model(model()), Ok(3));
    let old = fx.create();
    let mut cheaper_bonds = model();
    cheaper_bonds.bid_bond = 1;
    test::set_caller::<Env>(authority);
    assert_eq!(fx.c.set_model(cheaper_bonds), Ok(4));
    assert_eq!(fx.c.model_version(), 4, "the version in force is read back");
    let new = fx.create();
    let (a, b) = (
        fx.c.auction(old).unwrap().record,
        fx.c.auction(new).unwrap().record,
    );
    assert_eq!((a.model_version, a.bid_bond), (3, BOND));
    assert_eq!((b.model_version, b.bid_bond), (4, 1));
    assert_eq!(fx.c.model(1), Some(model()));
    assert_eq!(fx.c.model(3), Some(model()));
    // `create_auction` reads the terms the contract keeps apart from the model: every one of
    // them follows the model in force, and a request is checked against that model's limits.
    let mut every_term = model();
    every_term.default_weights = Weights {
        price: 70,
        attributes: [5, 5, 5, 5],
    };
    every_term.weight_limits = [WeightRange { min: 5, max: 70 }; ATTRIBUTES + 1];
    every_term.bid_bond = 7;
    every_term.max_bids = 2;
    every_term.treasury = AccountId::from([0x3E; 32]);
    test::set_caller::<Env>(authority);
    assert_eq!(fx.c.set_model(every_term.clone()), Ok(5));
    let id = fx.create();
    let c = fx.c.auction(id).unwrap().record;
    assert_eq!(
        (
            c.model_version,
            c.weights,
            c.bid_bond,
            c.max_bids,
            c.treasury
        ),
        (
            5,
            every_term.default_weights,
            7,
            2,
            AccountId::from([0x3E; 32])
        )
    );
    // Weights within model 4's limits but above model 5's are refused.
    let mut request = fx.request();
    request.weights = Some(Weights {
        price: 80,
        attributes: [10; 4],
    });
    fx.fails_cleanly(
        None,
        Error::WeightOutOfLimits {
            criterion: 0,
            min: 5,
            max: 70,
            got: 80,
        },
        |fx| fx.create_with(request, DEPOSIT),
    );
    // A refused model changes no term: auctions still get model 5's.
    let mut refused = model();
    refused.max_bids = 0;
    fx.fails_cleanly(None, Error::BadModel(ModelFlaw::MaxBids), |fx| {
        test::set_caller::<Env>(authority);
        fx.c.set_model(refused)
    });
    let id = fx.create();
    let d = fx.c.auction(id).unwrap().record;
    assert_eq!((d.model_version, d.bid_bond, d.max_bids), (5, 7, 2));
}

// --- requests -------------------------------------------------------------------------------

#[ink::test]
fn a_request_holds_the_consumers_deposit() {
    let mut fx = Fx::new();
    let id = fx.create();
    assert_eq!(id, 0);
    let a = fx.c.auction(id).unwrap().record;
    assert_eq!(
        (a.consumer, a.deposit, a.phase),
        (fx.consumer, DEPOSIT, AuctionPhase::Open)
    );
    assert_eq!(a.weights, model().default_weights);
    assert_eq!(held(), DEPOSIT);
    assert_eq!(fx.c.total_held(), DEPOSIT);
    assert_eq!(balance(fx.consumer), START - DEPOSIT);
    // Own weights within the limits are kept.
    let mut request = fx.request();
    let own = Weights {
        price: 100,
        attributes: [0, 0, 0, 1],
    };
    request.weights = Some(own);
    let id = fx.create_with(request, DEPOSIT).unwrap();
    assert_eq!(fx.c.auction(id).unwrap().record.weights, own);
    // minCost above the full-duration cost sets the deposit.
    let mut request = fx.request();
    request.min_cost = 10_000;
    assert!(fx.create_with(request, 10_000).is_ok());
}

#[ink::test]
fn bad_requests_are_refused_without_change() {
    let mut fx = Fx::new();
    type Edit = Box<dyn Fn(&mut AuctionRequest)>;
    let deadlines = |c: u64, r: u64| Error::BadDeadlines {
        now: T0,
        commit_deadline: c,
        reveal_deadline: r,
    };
    let cases: Vec<(Edit, Balance, Error)> = vec![
        (
            Box::new(|r| r.max_price_per_minute = 0),
            DEPOSIT,
            Error::ZeroPrice,
        ),
        (
            Box::new(|r| r.consumer_key = [0; 32]),
            DEPOSIT,
            Error::ZeroKey(Party::Consumer),
        ),
        (
            Box::new(|r| r.duration_minutes = 0),
            DEPOSIT,
            Error::BadDuration {
                got: 0,
                max: MAX_DURATION_MINUTES,
            },
        ),
        (
            Box::new(|r| r.duration_minutes = MAX_DURATION_MINUTES + 1),
            DEPOSIT,
            Error::BadDuration {
                got: MAX_DURATION_MINUTES + 1,
                max: MAX_DURATION_MINUTES,
            },
        ),
        (
            Box::new(|r| r.spec = "x".repeat(257)),
            DEPOSIT,
            Error::BadSpecLength {
                len: 257,
                max: MAX_SPEC_LEN,
            },
        ),
        (
            Box::new(|r| r.challenge_period = 59_999),
            DEPOSIT,
            Error::BadChallengePeriod {
                got: 59_999,
                min: 60_000,
                max: 30 * 24 * 3_600_000,
            },
        ),
        (
            Box::new(|r| r.commit_deadline = T0 + MIN_WINDOW - 1),
            DEPOSIT,
            deadlines(T0 + MIN_WINDOW - 1, REVEAL_BY),
        ),
        (
            Box::new(|r| r.reveal_deadline = COMMIT_BY + MIN_WINDOW - 1),
            DEPOSIT,
            deadlines(COMMIT_BY, COMMIT_BY + MIN_WINDOW - 1),
        ),
        (
            Box::new(|r| r.reveal_deadline = T0 + MAX_AUCTION_SPAN + 1),
            DEPOSIT,
            deadlines(COMMIT_BY, T0 + MAX_AUCTION_SPAN + 1),
        ),
        (
            Box::new(|r| {
                r.weights = Some(Weights {
                    price: 0,
                    attributes: [0; 4],
                })
            }),
            DEPOSIT,
            Error::ZeroWeights,
        ),
        (
            Box::new(|r| {
                r.weights = Some(Weights {
                    price: 50,
                    attributes: [0, 0, 101, 0],
                })
            }),
            DEPOSIT,
            Error::WeightOutOfLimits {
                criterion: 3,
                min: 0,
                max: 100,
                got: 101,
            },
        ),
        (
            Box::new(|_| {}),
            DEPOSIT - 1,
            Error::WrongDeposit {
                expected: DEPOSIT,
                got: DEPOSIT - 1,
            },
        ),
        (
            Box::new(|_| {}),
            DEPOSIT + 1,
            Error::WrongDeposit {
                expected: DEPOSIT,
                got: DEPOSIT + 1,
            },
        ),
        (
            Box::new(|r| r.max_price_per_minute = u128::MAX),
            DEPOSIT,
            Error::Overflow,
        ),
    ];
    for (edit, deposit, expected) in cases {
        let mut request = fx.request();
        edit(&mut request);
        fx.fails_cleanly(None, expected, |fx| fx.create_with(request, deposit));
    }
    // Without the Consumer role.
    let stranger = fx.stranger;
    let request = fx.request();
    fx.fails_cleanly(
        None,
        Error::MissingRole {
            account: stranger,
            role: Role::Consumer,
        },
        |fx| fx.payable(stranger, DEPOSIT, |c| c.create_auction(request)),
    );
}

// --- commit ---------------------------------------------------------------------------------

#[ink::test]
fn commits_need_the_role_the_bond_and_the_window() {
    let mut fx = Fx::new();
    let id = fx.create();
    let b = bid(80, [None; 4]);
    let (p0, consumer, stranger) = (fx.p(0), fx.consumer, fx.stranger);
    assert_eq!(fx.commit_as(p0, id, &b, 1), Ok(0));
    assert_eq!(fx.c.auction(id).unwrap().record.bonds_held, BOND);
    assert_eq!(held(), DEPOSIT + BOND);
    fx.fails_cleanly(Some(id), Error::AlreadyCommitted, |fx| {
        fx.commit_as(p0, id, &b, 2)
    });
    fx.fails_cleanly(Some(id), Error::OwnAuction, |fx| {
        fx.commit_as(consumer, id, &b, 1)
    });
    fx.fails_cleanly(
        Some(id),
        Error::MissingRole {
            account: stranger,
            role: Role::Provider,
        },
        |fx| fx.commit_as(stranger, id, &b, 1),
    );
    let p1 = fx.p(1);
    fx.fails_cleanly(
        Some(id),
        Error::WrongBond {
            expected: BOND,
            got: BOND + 1,
        },
        |fx| fx.payable(p1, BOND + 1, |c| c.commit(id, [0; 32])),
    );
    fx.fails_cleanly(Some(id), Error::AuctionNotFound(9), |fx| {
        fx.commit_as(p1, 9, &b, 1)
    });
    // Nobody can reveal during the commit window.
    fx.fails_cleanly(
        Some(id),
        Error::RevealNotOpen {
            from: COMMIT_BY,
            now: T0,
        },
        |fx| fx.reveal_as(p0, id, &b, 1, Default::default()),
    );
    // The model's max_bids (3) bounds the bids.
    assert_eq!(fx.commit_as(p1, id, &b, 1), Ok(1));
    let (p2, p3) = (fx.p(2), fx.p(3));
    assert_eq!(fx.commit_as(p2, id, &b, 1), Ok(2));
    fx.fails_cleanly(Some(id), Error::TooManyBids { max: 3 }, |fx| {
        fx.commit_as(p3, id, &b, 1)
    });
    let id2 = fx.create();
    set_now(COMMIT_BY);
    fx.fails_cleanly(
        Some(id2),
        Error::CommitClosed {
            deadline: COMMIT_BY,
            now: COMMIT_BY,
        },
        |fx| fx.commit_as(p3, id2, &b, 1),
    );
}

// --- reveal ---------------------------------------------------------------------------------

#[ink::test]
fn forged_or_late_reveals_are_refused() {
    let mut fx = Fx::new();
    let id = fx.create();
    let b = bid(80, [None; 4]);
    let (p0, p1, p2) = (fx.p(0), fx.p(1), fx.p(2));
    fx.commit_as(p0, id, &b, 1).unwrap();
    fx.commit_as(p1, id, &bid(101, [None; 4]), 1).unwrap();
    fx.commit_as(p2, id, &bid(0, [None; 4]), 1).unwrap();
    set_now(COMMIT_BY);
    let cheaper = bid(79, [None; 4]);
    fx.fails_cleanly(Some(id), Error::BadReveal, |fx| {
        fx.reveal_as(p0, id, &cheaper, 1, Default::default())
    });
    fx.fails_cleanly(Some(id), Error::BadReveal, |fx| {
        fx.reveal_as(p0, id, &b, 2, Default::default())
    });
    let mut other_key = b.clone();
    other_key.provider_key = [1; 32];
    fx.fails_cleanly(Some(id), Error::BadReveal, |fx| {
        fx.reveal_as(p0, id, &other_key, 1, Default::default())
    });
    // Another provider cannot reveal p0's bid as its own.
    fx.fails_cleanly(Some(id), Error::BadReveal, |fx| {
        fx.reveal_as(p1, id, &b, 1, Default::default())
    });
    let stranger = fx.stranger;
    fx.fails_cleanly(Some(id), Error::NoCommitment, |fx| {
        fx.reveal_as(stranger, id, &b, 1, Default::default())
    });
    fx.fails_cleanly(
        Some(id),
        Error::PriceAboveMax {
            max: MAX_PRICE,
            got: 101,
        },
        |fx| fx.reveal_as(p1, id, &bid(101, [None; 4]), 1, Default::default()),
    );
    fx.fails_cleanly(Some(id), Error::ZeroPrice, |fx| {
        fx.reveal_as(p2, id, &bid(0, [None; 4]), 1, Default::default())
    });
    let before = balance(p0);
    let out = fx.reveal_as(p0, id, &b, 1, Default::default()).unwrap();
    assert!(out.leading);
    assert_eq!(balance(p0), before + BOND, "the bond goes back at reveal");
    fx.fails_cleanly(Some(id), Error::AlreadyRevealed, |fx| {
        fx.reveal_as(p0, id, &b, 1, Default::default())
    });
    set_now(REVEAL_BY);
    fx.fails_cleanly(
        Some(id),
        Error::RevealClosed {
            deadline: REVEAL_BY,
            now: REVEAL_BY,
        },
        |fx| fx.reveal_as(p1, id, &bid(101, [None; 4]), 1, Default::default()),
    );
}

#[ink::test]
fn a_bid_with_a_zero_channel_key_cannot_be_revealed_and_forfeits_its_bond() {
    // The escrow refuses a trade with a zero key; revealed, such a bid would win (cheapest)
    // and void the consumer's auction at finalize for free.
    let mut fx = Fx::new();
    let id = fx.create();
    let (p0, p1) = (fx.p(0), fx.p(1));
    let mut zero = bid(1, [None; 4]);
    zero.provider_key = [0; 32];
    fx.commit_as(p0, id, &zero, 1).unwrap();
    fx.commit_as(p1, id, &bid(80, [None; 4]), 1).unwrap();
    set_now(COMMIT_BY);
    fx.fails_cleanly(Some(id), Error::ZeroKey(Party::Provider), |fx| {
        fx.reveal_as(p0, id, &zero, 1, Default::default())
    });
    let out = fx.reveal_as(p1, id, &bid(80, [None; 4]), 1, Default::default());
    assert!(out.unwrap().leading, "the honest bid leads");
}

#[ink::test]
fn only_credential_backed_attributes_count() {
    let mut fx = Fx::new();
    let id = fx.create();
    let did = fx.providers[0].did;
    let p0 = fx.p(0);
    // Claims green share 50 %, carbon 300 (both on the certificate), PUE 1.2 (no proof).
    let b = bid(80, [Some(5_000), Some(300), Some(1_200), None]);
    fx.commit_as(p0, id, &b, 1).unwrap();
    set_now(COMMIT_BY);
    let green = green_certificate(1, did, 5_000);
    let mut carbon = green.clone();
    carbon.index = 1;
    carbon.salt = [2; 32];
    let out = fx
        .reveal_as(p0, id, &b, 1, [Some(green), Some(carbon), None, None])
        .unwrap();
    assert_eq!(out.flaws, [None, None, Some(ProofFlaw::Missing), None]);
    // price 80 of 100 → 200,000 × 50; green 5,000/10,000 → 500,000 × 20;
    // carbon 300 of 0..800, lower better → 625,000 × 10; PUE unproven → 0; charity → 0.
    assert_eq!(out.score, 10_000_000 + 10_000_000 + 6_250_000);
    assert_eq!(
        fx.c.score_of(id, 80, [Some(5_000), Some(300), None, None].into()),
        Ok(out.score)
    );
    let a = fx.c.auction(id).unwrap().record;
    assert_eq!(a.best.unwrap().score, out.score);
}

/// Issue 15, finding 7: a certificate whose attestor DID was deactivated still counted (only
/// the anchor's own status was read); `verify` says it is invalid, and so does the auction now.
/// The attestors are asked once per reveal, all in one call (`RoleIndex::are_active`).
#[ink::test]
fn a_deactivated_attestor_no_longer_vouches() {
    let mut fx = Fx::new();
    let id = fx.create();
    let did = fx.providers[0].did;
    let p0 = fx.p(0);
    let b = bid(80, [Some(5_000), Some(300), None, None]);
    fx.commit_as(p0, id, &b, 1).unwrap();
    set_now(COMMIT_BY);
    let green = green_certificate(1, did, 5_000);
    let mut carbon = green.clone();
    carbon.index = 1;
    carbon.salt = [2; 32];
    testing::did::with(|w| w.active.remove(&ATTESTOR));
    let out = fx
        .reveal_as(p0, id, &b, 1, [Some(green), Some(carbon), None, None])
        .unwrap();
    assert_eq!(
        out.flaws,
        [
            Some(ProofFlaw::AttestorInactive),
            Some(ProofFlaw::AttestorInactive),
            None,
            None
        ]
    );
    assert_eq!(out.score, fx.c.score_of(id, 80, [None; 4].into()).unwrap());
    assert_eq!(
        testing::did::with(|w| w.activity_checks),
        1,
        "one question per attestor"
    );
}

#[ink::test]
fn every_proof_flaw_counts_as_worst() {
    let mut fx = Fx::new();
    let did = fx.providers[0].did;
    let other_did = fx.providers[1].did;
    let good = || green_certificate(1, did, 5_000);
    let mut cases: Vec<(ClaimProof, ProofFlaw)> = Vec::new();
    let mut unknown = good();
    unknown.credential = [0xEE; 32];
    cases.push((unknown, ProofFlaw::UnknownCredential));
    let revoked = green_certificate(2, did, 5_000);
    testing::vc::with(|w| {
        w.credentials.get_mut(&revoked.credential).unwrap().status = CredentialStatus::Revoked;
    });
    cases.push((revoked, ProofFlaw::NotValid));
    let suspended = green_certificate(8, did, 5_000);
    testing::vc::with(|w| {
        w.credentials.get_mut(&suspended.credential).unwrap().status = CredentialStatus::Suspended;
    });
    cases.push((suspended, ProofFlaw::NotValid));
    let expired = green_certificate(9, did, 5_000);
    testing::vc::with(|w| {
        w.credentials
            .get_mut(&expired.credential)
            .unwrap()
            .expires_at = Some(COMMIT_BY)
    });
    cases.push((expired, ProofFlaw::NotValid));
    cases.push((
        credential(3, GREEN_CPT + 1, did, ATTESTOR, &[("greenShare", 5_000)], 0),
        ProofFlaw::WrongTemplate,
    ));
    cases.push((
        green_certificate(4, other_did, 5_000),
        ProofFlaw::WrongSubject,
    ));
    cases.push((
        credential(5, GREEN_CPT, did, [0x01; 32], &[("greenShare", 5_000)], 0),
        ProofFlaw::NotAttested,
    ));
    // The certificate says 40 %, the bid claims 50 %.
    cases.push((green_certificate(6, did, 4_000), ProofFlaw::ValueMismatch));
    let mut wrong_index = good();
    wrong_index.index = 1;
    cases.push((wrong_index, ProofFlaw::ValueMismatch));
    let mut forged_leaves = good();
    forged_leaves.leaves[1] = [0; 32];
    cases.push((forged_leaves, ProofFlaw::RootMismatch));
    let mut long = good();
    long.leaves = vec![[0; 32]; 25];
    cases.push((long, ProofFlaw::TooManyLeaves));
    // 24 leaves (the most) are read: padded, the claim's leaf still matches, the root does not.
    let mut padded = good();
    padded.leaves.resize(24, [0; 32]);
    cases.push((padded, ProofFlaw::RootMismatch));
    // A claim name of another attribute does not prove this one.
    cases.push((
        credential(7, GREEN_CPT, did, ATTESTOR, &[("charity", 5_000)], 0),
        ProofFlaw::ValueMismatch,
    ));
    let b = bid(80, [Some(5_000), None, None, None]);
    let price_only = fx.c.score_of(0, 80, [None; 4].into());
    assert_eq!(price_only, Err(Error::AuctionNotFound(0)));
    for (i, (proof, flaw)) in cases.into_iter().enumerate() {
        set_now(T0);
        let id = fx.create();
        let p0 = fx.p(0);
        let salt = u8::try_from(i).unwrap();
        fx.commit_as(p0, id, &b, salt).unwrap();
        set_now(COMMIT_BY);
        let out = fx
            .reveal_as(p0, id, &b, salt, [Some(proof), None, None, None])
            .unwrap();
        assert_eq!(out.flaws[0], Some(flaw), "case {i}");
        assert_eq!(
            out.score,
            fx.c.score_of(id, 80, [None; 4].into()).unwrap(),
            "case {i}"
        );
    }
    // And the good one counts.
    set_now(T0);
    let id = fx.create();
    let p0 = fx.p(0);
    fx.commit_as(p0, id, &b, 0xF0).unwrap();
    set_now(COMMIT_BY);
    let out = fx
        .reveal_as(p0, id, &b, 0xF0, [Some(good()), None, None, None])
        .unwrap();
    assert_eq!(out.flaws, [None; 4]);
    assert_eq!(
        out.score,
        fx.c.score_of(id, 80, [Some(5_000), None, None, None].into())
            .unwrap()
    );
    // A proof without a claimed value is flagged too.
    set_now(T0);
    let id = fx.create();
    let price_only = bid(80, [None; 4]);
    fx.commit_as(p0, id, &price_only, 1).unwrap();
    set_now(COMMIT_BY);
    let out = fx
        .reveal_as(p0, id, &price_only, 1, [Some(good()), None, None, None])
        .unwrap();
    assert_eq!(out.flaws[0], Some(ProofFlaw::Missing));
}

#[ink::test]
fn the_best_score_wins_and_ties_go_to_the_earlier_commit() {
    let mut fx = Fx::new();
    let id = fx.create();
    let (p0, p1, p2) = (fx.p(0), fx.p(1), fx.p(2));
    let did2 = fx.providers[2].did;
    // p0 and p1 bid the same (tie), p2 is dearer but fully green and wins on score.
    let same = bid(60, [None; 4]);
    let green = bid(70, [Some(10_000), None, None, None]);
    fx.commit_as(p0, id, &same, 1).unwrap();
    fx.commit_as(p1, id, &same, 2).unwrap();
    fx.commit_as(p2, id, &green, 3).unwrap();
    set_now(COMMIT_BY);
    // The later commit reveals first: it leads until the earlier one shows the same score.
    assert!(
        fx.reveal_as(p1, id, &same, 2, Default::default())
            .unwrap()
            .leading
    );
    assert!(
        fx.reveal_as(p0, id, &same, 1, Default::default())
            .unwrap()
            .leading
    );
    assert_eq!(fx.c.auction(id).unwrap().record.best.unwrap().bidder, p0);
    // 60 of 100: 400,000 × 50 = 20,000,000; green: 300,000 × 50 + 1,000,000 × 20 = 35,000,000.
    let proof = green_certificate(9, did2, 10_000);
    let out = fx
        .reveal_as(p2, id, &green, 3, [Some(proof), None, None, None])
        .unwrap();
    assert_eq!(out.score, 35_000_000);
    assert!(out.leading);
    assert_eq!(fx.c.auction(id).unwrap().record.best.unwrap().bidder, p2);
}

// --- finalize -------------------------------------------------------------------------------

#[ink::test]
fn finalize_opens_the_winners_trade_refunds_the_rest_and_forfeits_silent_bonds() {
    let mut fx = Fx::new();
    let id = fx.create();
    let (p0, p1) = (fx.p(0), fx.p(1));
    let winning = bid(40, [None; 4]);
    fx.commit_as(p0, id, &winning, 1).unwrap();
    fx.commit_as(p1, id, &bid(30, [None; 4]), 1).unwrap(); // never revealed
    set_now(COMMIT_BY);
    fx.reveal_as(p0, id, &winning, 1, Default::default())
        .unwrap();
    fx.fails_cleanly(
        Some(id),
        Error::RevealPending {
            until: REVEAL_BY,
            now: COMMIT_BY,
        },
        |fx| fx.c.finalize(id),
    );
    set_now(REVEAL_BY + 5);
    let consumer_before = balance(fx.consumer);
    test::set_caller::<Env>(fx.stranger);
    let channel = fx.c.finalize(id).expect("anyone finalizes");
    assert_eq!(channel, Some([0; 32]));
    let (terms, parties, trade_deposit) = testing::escrow::with(|w| w.opened[0].clone());
    assert_eq!(
        parties,
        TradeParties {
            consumer: CONSUMER_DID,
            provider: fx.providers[0].did
        }
    );
    // 40 × 60 = 2,400 ≥ minCost: the channel deposit; the consumer gets 3,600 back.
    assert_eq!(trade_deposit, 2_400);
    assert_eq!(balance(fx.escrow), BASE + 2_400);
    assert_eq!(balance(fx.consumer), consumer_before + 3_600);
    assert_eq!(
        balance(model().treasury),
        BASE + BOND,
        "the silent bidder's bond is forfeited"
    );
    assert_eq!((held(), fx.c.total_held()), (0, 0));
    assert_eq!(
        (
            terms.provider,
            terms.consumer,
            terms.price_per_minute,
            terms.min_cost
        ),
        (p0, fx.consumer, 40, MIN_COST)
    );
    assert_eq!(
        (terms.consumer_key, terms.provider_key, terms.expires_at),
        ([0xCC; 32], [0x9C; 32], REVEAL_BY + 5 + 3_600_000)
    );
    assert_eq!(terms.offer_nonce, auction_trade_nonce_hash(&me(), id));
    assert_eq!(
        fx.c.auction(id).unwrap().record.phase,
        AuctionPhase::Finalized {
            winner: Some(p0),
            channel,
            at: REVEAL_BY + 5
        }
    );
    fx.fails_cleanly(Some(id), Error::NotOpen, |fx| fx.c.finalize(id));
    fx.fails_cleanly(Some(id), Error::NotOpen, |fx| {
        fx.reveal_as(p1, id, &bid(30, [None; 4]), 1, Default::default())
    });
}

#[ink::test]
fn no_bids_or_a_refused_trade_refund_the_consumer_in_full() {
    let mut fx = Fx::new();
    let empty = fx.create();
    let refused = fx.create();
    let p0 = fx.p(0);
    let b = bid(40, [None; 4]);
    fx.commit_as(p0, refused, &b, 1).unwrap();
    set_now(COMMIT_BY);
    fx.reveal_as(p0, refused, &b, 1, Default::default())
        .unwrap();
    set_now(REVEAL_BY);
    let start = balance(fx.consumer);
    assert_eq!(fx.c.finalize(empty), Ok(None));
    assert_eq!(balance(fx.consumer), start + DEPOSIT);
    // A failed escrow call is no verdict: finalize reverts (nothing changes) and can be retried.
    testing::escrow::with(|w| w.refuse = Some(None));
    fx.fails_cleanly(Some(refused), Error::EscrowCallFailed, |fx| {
        fx.c.finalize(refused)
    });
    // A refusal is: the consumer gets everything back.
    testing::escrow::with(|w| w.refuse = Some(Some(OpenRefusal::BadTerms)));
    assert_eq!(fx.c.finalize(refused), Ok(None));
    assert_eq!(balance(fx.consumer), start + 2 * DEPOSIT);
    assert_eq!(
        fx.c.auction(refused).unwrap().record.phase,
        AuctionPhase::Finalized {
            winner: Some(p0),
            channel: None,
            at: REVEAL_BY
        }
    );
    assert_eq!(
        (held(), fx.c.total_held(), balance(fx.escrow)),
        (0, 0, BASE)
    );
}

/// The limits the crate docs state, in the docs' own numbers rather than the constants: a
/// request for 525,600 minutes (365 days) with a 256-byte spec whose reveal deadline is 30
/// days after its creation is accepted (one more of any is refused by
/// `bad_requests_are_refused_without_change`); a bid at exactly the price cap is scored; a
/// revealed bond paid back emits no deferred payout.
#[ink::test]
fn the_documented_limits_are_the_contracts() {
    let mut fx = Fx::new();
    let mut request = fx.request();
    request.duration_minutes = 525_600;
    request.reveal_deadline = T0 + 30 * 24 * 3_600_000;
    request.spec = "x".repeat(256);
    let deposit = cgrid_shared::trade_deposit(
        request.max_price_per_minute,
        request.duration_minutes,
        request.min_cost,
    )
    .unwrap();
    let id = fx
        .create_with(request, deposit)
        .expect("the longest request with the latest deadline opens");
    assert!(fx.c.score_of(id, MAX_PRICE, [None; 4].into()).is_ok());
    let p0 = fx.p(0);
    let b = bid(MAX_PRICE, [None; 4]);
    fx.commit_as(p0, id, &b, 1).unwrap();
    set_now(COMMIT_BY);
    let events = test::recorded_events().count();
    assert!(
        fx.reveal_as(p0, id, &b, 1, Default::default())
            .unwrap()
            .leading
    );
    assert_eq!(
        test::recorded_events().count(),
        events + 1,
        "BidRevealed only: the bond went back, nothing was deferred"
    );
}

/// An escrow that cannot be called held the consumer's deposit and the bonds for good once
/// anyone had committed (cancel is refused then). finalize stays retryable for
/// `FINALIZE_GRACE` after the reveal deadline, then refunds as if the escrow had refused.
#[ink::test]
fn an_unreachable_escrow_holds_no_funds_after_the_grace_period() {
    let mut fx = Fx::new();
    let id = fx.create();
    let (p0, p1) = (fx.p(0), fx.p(1));
    let b = bid(40, [None; 4]);
    fx.commit_as(p0, id, &b, 1).unwrap();
    fx.commit_as(p1, id, &b, 2).unwrap();
    set_now(COMMIT_BY);
    fx.reveal_as(p0, id, &b, 1, Default::default()).unwrap();
    let start = balance(fx.consumer);
    testing::escrow::with(|w| w.refuse = Some(None));
    // FINALIZE_GRACE is documented as 7 days.
    assert_eq!(FINALIZE_GRACE, 7 * 24 * 3_600_000);
    for now in [REVEAL_BY, REVEAL_BY + 7 * 24 * 3_600_000 - 1] {
        set_now(now);
        fx.fails_cleanly(Some(id), Error::EscrowCallFailed, |fx| fx.c.finalize(id));
    }
    set_now(REVEAL_BY + FINALIZE_GRACE);
    assert_eq!(fx.c.finalize(id), Ok(None));
    assert_eq!(balance(fx.consumer), start + DEPOSIT);
    // Within the grace the deposit went to the escrow before the call (a failed finalize
    // reverts that transfer); after it, only with the call, which a failed call reverts: a
    // deposit sent before it would stay in the escrow while finalize refunds the consumer.
    use cgrid_shared::Funding::{BeforeTheCall, WithTheCall};
    assert_eq!(
        testing::escrow::with(|w| w.funding.clone()),
        [BeforeTheCall, BeforeTheCall, WithTheCall]
    );
    assert_eq!(
        fx.c.auction(id).unwrap().record.phase,
        AuctionPhase::Finalized {
            winner: Some(p0),
            channel: None,
            at: REVEAL_BY + FINALIZE_GRACE
        }
    );
    assert_eq!((held(), fx.c.total_held()), (0, 0), "nothing left behind");
}

#[ink::test]
fn minimum_cost_sets_the_trade_deposit_for_cheap_winners() {
    let mut fx = Fx::new();
    let id = fx.create();
    let p0 = fx.p(0);
    let b = bid(1, [None; 4]);
    fx.commit_as(p0, id, &b, 1).unwrap();
    set_now(COMMIT_BY);
    fx.reveal_as(p0, id, &b, 1, Default::default()).unwrap();
    set_now(REVEAL_BY);
    fx.c.finalize(id).unwrap();
    assert_eq!(testing::escrow::with(|w| w.opened[0].2), MIN_COST);
    assert_eq!(held(), 0);
}

// --- cancel ---------------------------------------------------------------------------------

#[ink::test]
fn the_consumer_cancels_only_before_any_commit() {
    let mut fx = Fx::new();
    let id = fx.create();
    let (p0, stranger, consumer) = (fx.p(0), fx.stranger, fx.consumer);
    fx.fails_cleanly(Some(id), Error::NotConsumer, |fx| {
        test::set_caller::<Env>(stranger);
        fx.c.cancel(id)
    });
    let start = balance(consumer);
    test::set_caller::<Env>(consumer);
    fx.c.cancel(id).unwrap();
    assert_eq!(balance(consumer), start + DEPOSIT);
    assert_eq!(
        fx.c.auction(id).unwrap().record.phase,
        AuctionPhase::Cancelled { at: T0 }
    );
    fx.fails_cleanly(Some(id), Error::NotOpen, |fx| {
        fx.commit_as(p0, id, &bid(1, [None; 4]), 1)
    });
    let id = fx.create();
    fx.commit_as(p0, id, &bid(1, [None; 4]), 1).unwrap();
    fx.fails_cleanly(Some(id), Error::HasBids { commits: 1 }, |fx| {
        test::set_caller::<Env>(consumer);
        fx.c.cancel(id)
    });
    assert_eq!(held(), fx.c.total_held());
}

#[ink::test]
fn a_reveal_cites_at_most_two_credentials_and_verifies_each_once() {
    let mut fx = Fx::new();
    let id = fx.create();
    let did = fx.providers[0].did;
    let p0 = fx.p(0);
    let claims = [
        ("greenShare", 5_000),
        ("carbon", 300),
        ("pue", 1_200),
        ("charity", 100),
    ];
    // Three certificates with the same figures; the third distinct one is not verified.
    let a = |i: u32| credential(1, GREEN_CPT, did, ATTESTOR, &claims, i);
    let b = credential(0x40, GREEN_CPT, did, ATTESTOR, &claims, 2);
    let c = credential(0x80, GREEN_CPT, did, ATTESTOR, &claims, 3);
    let bid_all = bid(80, [Some(5_000), Some(300), Some(1_200), Some(100)]);
    fx.commit_as(p0, id, &bid_all, 1).unwrap();
    set_now(COMMIT_BY);
    let reads = testing::vc::with(|w| w.batched_reads);
    let out = fx
        .reveal_as(
            p0,
            id,
            &bid_all,
            1,
            [Some(a(0)), Some(a(1)), Some(b), Some(c)],
        )
        .unwrap();
    assert_eq!(
        out.flaws,
        [None, None, None, Some(ProofFlaw::TooManyCredentials)]
    );
    assert_eq!(
        testing::vc::with(|w| w.batched_reads),
        reads + 1,
        "the cited credentials are read in one call"
    );
    assert_eq!(
        out.score,
        fx.c.score_of(id, 80, [Some(5_000), Some(300), Some(1_200), None].into())
            .unwrap()
    );
}

mod model;

// Finding 4 of the review: `auction(id)` linked a masked trade to both accounts, both DIDs and
// the price.
#[ink::test]
fn an_auction_honours_the_mask_of_the_trade_it_opened() {
    use cgrid_shared::{Scope, Target};
    let mut fx = Fx::new();
    let masks = AccountId::from([0x3A; 32]);
    let stranger = fx.stranger;
    fx.fails_cleanly(None, Error::NotRoot, |fx| {
        test::set_caller::<Env>(stranger);
        fx.c.set_mask_registry(Some(masks))
    });
    test::set_caller::<Env>(fx.authority);
    fx.c.set_mask_registry(Some(masks)).unwrap();
    assert_eq!(fx.c.mask_registry(), Some(masks));

    let id = fx.create();
    let p0 = fx.p(0);
    let winning = bid(40, [None; 4]);
    fx.commit_as(p0, id, &winning, 1).unwrap();
    set_now(COMMIT_BY);
    fx.reveal_as(p0, id, &winning, 1, Default::default())
        .unwrap();
    // Before a trade exists, a mask on the would-be channel id is not consulted.
    let channel: cgrid_shared::ChannelId = [0; 32];
    testing::mask::set(
        &Target::Trade(channel),
        Some(testing::mask::mask(Scope::Whole, false)),
    );
    assert_eq!(fx.c.auction(id).unwrap().masked, None);
    testing::mask::set(&Target::Trade(channel), None);
    set_now(REVEAL_BY + 5);
    assert_eq!(fx.c.finalize(id).unwrap(), Some(channel));
    let full = fx.c.auction(id).unwrap();
    assert_eq!(full.masked, None);

    // A price mask on the trade withholds the price here too, and nothing else.
    let price = Scope::Fields(vec!["price".into()]);
    testing::mask::set(
        &Target::Trade(channel),
        Some(testing::mask::mask(price, false)),
    );
    let view = fx.c.auction(id).unwrap();
    let a = &view.record;
    let best = a.best.clone().unwrap();
    assert_eq!((best.price_per_minute, best.score), (0, 0));
    assert_eq!((a.request.max_price_per_minute, a.request.min_cost), (0, 0));
    assert_eq!((a.consumer, best.bidder), (fx.consumer, p0));
    assert!(view.withholds("price") && !view.withholds("consumer"));

    // A whole-trade mask withholds both parties too; the money fields stay.
    testing::mask::set(
        &Target::Trade(channel),
        Some(testing::mask::mask(Scope::Whole, false)),
    );
    let view = fx.c.auction(id).unwrap();
    let a = &view.record;
    let nobody = AccountId::from([0; 32]);
    let best = a.best.clone().unwrap();
    assert_eq!(
        (a.consumer, a.consumer_did, a.request.consumer_key),
        (nobody, [0; 32], [0; 32])
    );
    assert_eq!(
        (best.bidder, best.bidder_did, best.provider_key),
        (nobody, [0; 32], [0; 32])
    );
    assert!(matches!(
        a.phase,
        AuctionPhase::Finalized { winner: Some(w), channel: Some(_), .. } if w == nobody
    ));
    let f = &full.record;
    assert_eq!(
        (a.deposit, a.bid_bond, a.bonds_held, a.commits, a.reveals),
        (f.deposit, f.bid_bond, f.bonds_held, f.commits, f.reveals)
    );
    assert_eq!(
        view.masked.expect("marker").withheld,
        ["consumer", "provider", "price"].map(String::from)
    );
    testing::mask::set(&Target::Trade(channel), None);
    assert_eq!(fx.c.auction(id).unwrap(), full);
}
