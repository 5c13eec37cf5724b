//! Issue 15's role matrix, on the release bundles: every state-changing message of the five
//! contracts, called by every kind of caller — root, a second authority, each role's holder, an
//! account whose roles expired, an account whose DID was deactivated, the controller of other
//! DIDs, a funded stranger without a DID, and another contract's account — against one world.
//!
//! A caller the message does not name is refused with the typed error its `/// Errors:` docs
//! name: the call reverts, charges no storage deposit, leaves the caller's and the contract's
//! balances as they were (a payable call's transfer comes back) and the contract's state as it
//! was (a digest of its read messages before and after). A caller the message names is the
//! positive control: the same call succeeds, as a dry run (or, for a payable message, for real
//! once the refusals are done), so the refusals are about who calls and not about the
//! arguments. Messages open to anyone say so in their row.
//!
//! The embedded chain does not check signatures, so a contract's own account can be an origin:
//! that stands for code the other contracts do not trust (the mask registry's account).

use cgrid_e2e::parties::{Parties, BID_BOND, TOKENS, YEAR_MS};
use cgrid_e2e::{ink_account, sign, sr_method, AccountId32, Backend, Called, Embedded};
use cgrid_shared::{
    anchor_preimage, did_create_preimage, did_op_preimage, offer_preimage, AnchorError,
    AnchorRequest, AttributeProofs, Balance, Bid, BrokeredOpen, BrokeringError, ChannelId, CptId,
    CptProperty, CptTemplate, DidCreation, DidId, DidOperation, DidSignature, IssuerProof,
    KeyPurposes, OpenRefusal, PropertyType, Publisher, Role, Scope, Service, Subject, Target,
    TradeParties, TradeTerms, ATTRIBUTES, SETTLEMENT_CPT, TRADE_START_CPT,
};
// The trait messages (`DidRegistry::did_of`, `CredentialRegistry::anchor_system`, …).
use cgrid_shared::{
    BrokeredEscrow as _, CredentialRegistry as _, DidRegistry as _, MaskRegistry as _,
};
use cgrid_suite::ops::ENERGY_CPT;
use cgrid_suite::{Msg, Suite};
use scale::{Decode, Encode};
use sp_core::{sr25519, Pair};
use std::fmt::Debug;
use std::rc::Rc;
use std::time::Instant;

type DidErr = did_registry::Error;
type VcErr = vc_templates::Error;
type EscrowErr = trade_escrow::Error;
type AuctionErr = incentive_auction::Error;
type MaskErr = mask_registry::Error;

const T0: u64 = 1_700_000_000_000;
const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
/// The expired holder's roles end at `T0 + HOUR`; the world's trades and auctions start here.
const T1: u64 = T0 + 2 * HOUR;
/// The matrix runs at this time.
const T2: u64 = T1 + 3 * MINUTE;
const PRICE: Balance = 250;
const MIN_COST: Balance = 1_000;
const DEPOSIT: Balance = 100_000;
const TOP_UP: Balance = 500;
const MAX_PRICE: Balance = 400;
const MINUTES: u32 = 90;
/// max(minCost, maxPrice × minutes)
const AUCTION_DEPOSIT: Balance = 36_000;
const BID_SALT: [u8; 32] = [0x5A; 32];

// -----------------------------------------------------------------------------------------
// The callers
// -----------------------------------------------------------------------------------------

/// A kind of caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum K {
    /// The root authority (deployer).
    Root,
    /// A second authority that root added (holds a DID, no role).
    Auth,
    /// The fixtures' provider (Provider role); names `Ctrl` a controller of its DID.
    Prov,
    /// The fixtures' consumer (Consumer role).
    Cons,
    /// Holds the Issuer role; its DID lists `Ctrl` as a controller and has an sr25519 key.
    Issr,
    /// The first of the fixtures' regulators (Regulator role, on the unmask committee).
    Regl,
    /// Held all four roles; they expired (and it sits on the unmask committee).
    Expd,
    /// Held all four roles; deactivated its DID (and sits on the unmask committee).
    Deac,
    /// Its DID controls the issuer's and the provider's DIDs; it holds no role.
    Ctrl,
    /// Funded, no DID.
    Strg,
    /// Another contract's account (the mask registry's), funded.
    Ctrt,
}
use K::*;

const KINDS: [K; 11] = [
    Root, Auth, Prov, Cons, Issr, Regl, Expd, Deac, Ctrl, Strg, Ctrt,
];

impl K {
    fn tag(self) -> &'static str {
        match self {
            Root => "root",
            Auth => "auth",
            Prov => "prov",
            Cons => "cons",
            Issr => "issr",
            Regl => "regl",
            Expd => "expd",
            Deac => "deac",
            Ctrl => "ctrl",
            Strg => "strg",
            Ctrt => "ctrt",
        }
    }
}

/// Every caller's account and own DID.
struct Cast {
    accounts: Vec<AccountId32>,
    /// The caller's own DID (the deactivated one's is deactivated); `None`: no DID.
    dids: Vec<Option<DidId>>,
}

impl Cast {
    fn acct(&self, k: K) -> AccountId32 {
        self.accounts[k as usize].clone()
    }
    fn ink(&self, k: K) -> ink::primitives::AccountId {
        ink_account(&self.accounts[k as usize])
    }
    /// The caller's own DID; `[0; 32]` for callers without one.
    fn own_did(&self, k: K) -> DidId {
        self.dids[k as usize].unwrap_or([0; 32])
    }
    fn active_did(&self, k: K) -> Option<DidId> {
        if k == Deac {
            None
        } else {
            self.dids[k as usize]
        }
    }
}

// -----------------------------------------------------------------------------------------
// The world
// -----------------------------------------------------------------------------------------

struct World {
    m: Parties,
    cast: Cast,
    /// The issuer DID's sr25519 key `k1` (assertionMethod, capabilityInvocation).
    issuer_key: sr25519::Pair,
    issuer_did: DidId,
    ctrl_did: DidId,
    r0_did: DidId,
    /// The unmask committee: the three regulators, the expired and the deactivated holder.
    committee: Vec<ink::primitives::AccountId>,
    /// A system template root registered, and an issuer template the issuer registered.
    sys_cpt: CptId,
    issuer_cpt: CptId,
    /// Credentials the issuer anchored about the consumer: active, and suspended.
    cred_active: [u8; 32],
    cred_suspended: [u8; 32],
    /// No commits (cancel), commits open (commit), reveals open with the provider's commit
    /// (reveal), reveal deadline passed (finalize).
    auctions: [u64; 4],
    /// Open; closing with the challenge window open; closing with the window over; expired.
    channels: [ChannelId; 4],
    /// A record a regulator masked (approve_unmask).
    masked_record: Target,
    watched_dids: Vec<DidId>,
}

#[derive(Clone, Copy, Debug)]
enum Ctr {
    Dids,
    Vcs,
    Escrow,
    Auction,
    Masks,
}

impl Ctr {
    fn tag(self) -> &'static str {
        match self {
            Ctr::Dids => "did",
            Ctr::Vcs => "vc",
            Ctr::Escrow => "escrow",
            Ctr::Auction => "auction",
            Ctr::Masks => "mask",
        }
    }

    /// The contract a typed message's label names (its crate name).
    fn of(contract: &str) -> Ctr {
        match contract {
            "did_registry" => Ctr::Dids,
            "vc_templates" => Ctr::Vcs,
            "trade_escrow" => Ctr::Escrow,
            "incentive_auction" => Ctr::Auction,
            "mask_registry" => Ctr::Masks,
            other => panic!("not one of the suite's contracts: {other}"),
        }
    }
}

impl World {
    fn address(&self, ctr: Ctr) -> AccountId32 {
        let suite = &self.m.suite;
        match ctr {
            Ctr::Dids => suite.dids.address.clone(),
            Ctr::Vcs => suite.vcs.address.clone(),
            Ctr::Escrow => suite.escrow.address.clone(),
            Ctr::Auction => suite.auction.address.clone(),
            Ctr::Masks => suite.masks.address.clone(),
        }
    }
}

/// A setup call that must succeed.
#[track_caller]
fn tx<T: Decode, E: Decode + Debug>(
    m: &mut Parties,
    origin: &AccountId32,
    msg: Msg<Result<T, E>>,
) -> T {
    m.chain
        .send(origin, msg)
        .unwrap_or_else(|e| panic!("a setup call was refused: {e}"))
        .value
}

/// A read message's value (a dry run as root, the deployer).
#[track_caller]
fn read<R: Decode>(m: &mut Parties, msg: Msg<R>) -> R {
    m.chain.read(msg).expect("read")
}

fn funded(m: &mut Parties, n: u8) -> AccountId32 {
    let who = m.chain.account([n; 32]);
    m.chain.fund(&who, TOKENS).expect("fund");
    who
}

fn template(title: &str) -> CptTemplate {
    CptTemplate {
        title: title.into(),
        description: String::new(),
        properties: vec![CptProperty {
            name: "level".into(),
            property_type: PropertyType::Integer,
            description: String::new(),
            required: true,
            allowed: Vec::new(),
        }],
    }
}

/// An energy-certificate request by `issuer` about `subject`, with the id it commits to.
fn request(issuer: DidId, subject: DidId, claims_root: [u8; 32]) -> AnchorRequest {
    let mut request = AnchorRequest {
        id: [0; 32],
        cpt_id: ENERGY_CPT,
        issuer,
        subject,
        claims_root,
        expires_at: None,
        ciphertext_hash: None,
        policy_id: None,
    };
    request.id = request.id_hash();
    request
}

fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        service_type: "RoleMatrix".into(),
        endpoint: "https://role-matrix.example".into(),
    }
}

fn sealed_bid(m: &Parties) -> Bid {
    Bid {
        price_per_minute: 300,
        attributes: [None; ATTRIBUTES],
        provider_key: m.provider_key.public().0,
    }
}

fn create_auction(m: &mut Parties, commit_ms: u64, reveal_ms: u64) -> u64 {
    let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, commit_ms, reveal_ms);
    let consumer = m.consumer.clone();
    let msg = m
        .suite
        .auction
        .msg(|a| a.create_auction(request))
        .with_value(AUCTION_DEPOSIT);
    m.chain
        .send(&consumer, msg)
        .unwrap_or_else(|e| panic!("the auction opens: {e}"))
        .value
}

fn did_of(m: &mut Parties, who: &AccountId32) -> DidId {
    let msg = m.suite.dids.msg(|d| d.did_of(ink_account(who)));
    read(m, msg).expect("has a DID")
}

fn world() -> World {
    let mut m = Parties::deploy(T0).expect("the suite deploys (build the bundles first)");
    let (root, dids, vcs, masks) = (
        m.root.clone(),
        m.suite.dids.clone(),
        m.suite.vcs.clone(),
        m.suite.masks.clone(),
    );
    let (provider, consumer) = (m.provider.clone(), m.consumer.clone());
    let (provider_did, consumer_did) = (m.provider_did, m.consumer_did);

    // A second authority, with a DID of its own.
    let auth = funded(&mut m, 0xA1);
    tx(
        &mut m,
        &root,
        dids.msg(|d| d.add_authority(ink_account(&auth))),
    );
    let auth_did = m.create_did(&auth).expect("auth DID");
    // The controller, and the issuer whose DID it controls.
    let ctrl = funded(&mut m, 0xA5);
    let ctrl_did = m.create_did(&ctrl).expect("ctrl DID");
    let issuer = funded(&mut m, 0xA2);
    let issuer_key = sr25519::Pair::from_seed(&[0x44; 32]);
    let purposes = KeyPurposes {
        assertion_method: true,
        capability_invocation: true,
        ..Default::default()
    };
    let content = DidCreation {
        keys: vec![sr_method("k1", &issuer_key, purposes)],
        services: Vec::new(),
        controllers: vec![ctrl_did],
    };
    let issuer_did = tx(&mut m, &issuer, dids.msg(|d| d.create_did(content)));
    m.grant(issuer_did, Role::Issuer, T0 + YEAR_MS)
        .expect("Issuer role");
    // The provider names the controller a controller of its DID too.
    tx(
        &mut m,
        &provider,
        dids.msg(|d| d.update(provider_did, DidOperation::AddController(ctrl_did))),
    );
    // Every role, expiring in an hour.
    let expd = funded(&mut m, 0xA3);
    let expd_did = m.create_did(&expd).expect("expd DID");
    for role in Role::ALL {
        m.grant(expd_did, role, T0 + HOUR).expect("short grant");
    }
    // Every role, for a year, on a DID its account then deactivates.
    let deac = funded(&mut m, 0xA4);
    let deac_did = m.create_did(&deac).expect("deac DID");
    for role in Role::ALL {
        m.grant(deac_did, role, T0 + YEAR_MS).expect("grant");
    }
    tx(
        &mut m,
        &deac,
        dids.msg(|d| d.update(deac_did, DidOperation::Deactivate)),
    );
    let strg = funded(&mut m, 0xA7);
    m.chain.fund(&masks.address, TOKENS).expect("fund");
    // Root proposes the second authority as the next root (accept_root's positive control).
    tx(
        &mut m,
        &root,
        dids.msg(|d| d.transfer_root(Some(ink_account(&auth)))),
    );
    // The expired and the deactivated holder join the unmask committee.
    let regulators = m.regulators.clone();
    let committee: Vec<_> = regulators
        .iter()
        .chain([&expd, &deac])
        .map(ink_account)
        .collect();
    tx(
        &mut m,
        &root,
        masks.msg(|x| x.set_committee(committee.clone(), 2, DAY)),
    );
    let masked_record = Target::Record {
        contract: masks.account(),
        key: [0x5A; 32],
    };
    tx(
        &mut m,
        &regulators[0],
        masks.msg(|x| {
            x.mask(
                masked_record.clone(),
                Scope::Whole,
                false,
                7,
                [1; 32],
                [2; 32],
            )
        }),
    );
    // Templates and credentials.
    let sys_cpt = tx(
        &mut m,
        &root,
        vcs.msg(|v| {
            v.register_cpt(
                Publisher::System,
                template("role matrix: system"),
                None,
                None,
            )
        }),
    );
    let issuer_cpt = tx(
        &mut m,
        &issuer,
        vcs.msg(|v| {
            v.register_cpt(
                Publisher::Issuer(issuer_did),
                template("role matrix: issuer"),
                None,
                None,
            )
        }),
    );
    let active = request(issuer_did, consumer_did, [0xA0; 32]);
    let suspended = request(issuer_did, consumer_did, [0xB0; 32]);
    for r in [&active, &suspended] {
        tx(&mut m, &issuer, vcs.msg(|v| v.issue(r.clone(), None)));
    }
    tx(&mut m, &issuer, vcs.msg(|v| v.suspend(suspended.id)));

    // An hour later the short grants have expired.
    m.chain.advance_to(T1).expect("time");
    let a_cancel = create_auction(&mut m, DAY, DAY);
    let a_commit = create_auction(&mut m, DAY, DAY);
    let a_reveal = create_auction(&mut m, MINUTE, DAY);
    let a_final = create_auction(&mut m, MINUTE, MINUTE);
    let bid = sealed_bid(&m);
    let hash = m.suite.bid_hash(a_reveal, &provider, &bid, &BID_SALT);
    let commit = m
        .suite
        .auction
        .msg(|a| a.commit(a_reveal, hash))
        .with_value(BID_BOND);
    tx(&mut m, &provider, commit);
    let escrow = m.suite.escrow.clone();
    let terms = m.terms(PRICE, MIN_COST, DAY, 0x31);
    let (c_open, _) = m.open(&terms, DEPOSIT);
    let terms = m.terms(PRICE, MIN_COST, DAY, 0x33);
    let (c_over, _) = m.open(&terms, DEPOSIT);
    tx(&mut m, &consumer, escrow.start_close(&c_over, None));
    let terms = m.terms(PRICE, MIN_COST, MINUTE, 0x34);
    let (c_expired, _) = m.open(&terms, DEPOSIT);
    m.chain.advance_to(T2).expect("time");
    let mut terms = m.terms(PRICE, MIN_COST, DAY, 0x32);
    terms.challenge_period = HOUR;
    let (c_closing, _) = m.open(&terms, DEPOSIT);
    tx(&mut m, &consumer, escrow.start_close(&c_closing, None));

    let r0 = regulators[0].clone();
    let r0_did = did_of(&mut m, &r0);
    let mut watched_dids = vec![
        m.root_did,
        provider_did,
        consumer_did,
        auth_did,
        issuer_did,
        expd_did,
        deac_did,
        ctrl_did,
    ];
    for r in &regulators {
        watched_dids.push(did_of(&mut m, r));
    }
    let cast = Cast {
        accounts: vec![
            root.clone(),
            auth,
            provider,
            consumer,
            issuer,
            r0,
            expd,
            deac,
            ctrl,
            strg,
            masks.address.clone(),
        ],
        dids: vec![
            Some(m.root_did),
            Some(auth_did),
            Some(provider_did),
            Some(consumer_did),
            Some(issuer_did),
            Some(r0_did),
            Some(expd_did),
            Some(deac_did),
            Some(ctrl_did),
            None,
            None,
        ],
    };
    World {
        m,
        cast,
        issuer_key,
        issuer_did,
        ctrl_did,
        r0_did,
        committee,
        sys_cpt,
        issuer_cpt,
        cred_active: active.id,
        cred_suspended: suspended.id,
        auctions: [a_cancel, a_commit, a_reveal, a_final],
        channels: [c_open, c_closing, c_over, c_expired],
        masked_record,
        watched_dids,
    }
}

// -----------------------------------------------------------------------------------------
// Rows
// -----------------------------------------------------------------------------------------

/// How a row's message is called: for real, or as a dry run (which changes nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Send,
    DryRun,
}

/// What one caller got from a row's message, against what the row expects of it.
struct Check {
    /// "ok", or the refusal's variant: the caller's cell in the matrix.
    cell: String,
    /// The value returned, in full.
    got: String,
    /// The refusal the row expects of this caller, in full ("ok": it may call).
    expected: String,
    /// Whether the call returned exactly that: `Ok`, or that typed refusal.
    as_expected: bool,
}

type MayFn = Box<dyn Fn(&Cast, K) -> bool>;
type CallFn = Box<dyn Fn(&mut Parties, &Cast, K, Mode) -> Result<Called<Check>, String>>;

/// One message with one set of arguments, and who may call it.
struct Row {
    ctr: Ctr,
    /// The message's name, from its typed label.
    message: &'static str,
    label: String,
    who_may: &'static str,
    /// Transferred with every call.
    value: Balance,
    /// Whether a caller may call (the positive controls).
    may: MayFn,
    /// Calls the message as a caller; the outcome, checked against the row's expectation.
    call: CallFn,
}

/// The rows, and what their typed messages are built from.
struct Rows<'a> {
    suite: Suite,
    cast: &'a Cast,
    rows: Vec<Row>,
}

impl Rows<'_> {
    /// A row of the message `msg` builds for a caller (returning `Result<T, E>`); `want` says
    /// which typed refusal each caller gets (`None`: it may).
    fn add<T, E>(
        &mut self,
        note: &str,
        who_may: &'static str,
        value: Balance,
        msg: impl Fn(&Suite, &Cast, K) -> Msg<Result<T, E>> + 'static,
        want: impl Fn(&Cast, K) -> Option<E> + 'static,
    ) where
        T: Decode + Debug + 'static,
        E: Decode + PartialEq + Debug + 'static,
    {
        let label = msg(&self.suite, self.cast, Root).label;
        let ctr = Ctr::of(label.contract);
        let want = Rc::new(want);
        let may: MayFn = {
            let want = Rc::clone(&want);
            Box::new(move |c, k| want(c, k).is_none())
        };
        let call: CallFn = Box::new(move |m, c, k, mode| {
            let msg = msg(&m.suite, c, k).with_value(value);
            let origin = c.acct(k);
            let out = match mode {
                Mode::Send => m.chain.try_send(&origin, msg),
                Mode::DryRun => m.chain.dry_run(&origin, msg),
            }
            .map_err(|e| e.to_string())?;
            let expected = want(c, k);
            Ok(out.map(|value| {
                let as_expected = match (&value, &expected) {
                    (Ok(_), None) => true,
                    (Err(e), Some(x)) => e == x,
                    _ => false,
                };
                Check {
                    cell: cell(&value),
                    got: format!("{value:?}"),
                    expected: expected.map_or_else(|| "ok".into(), |e| format!("{e:?}")),
                    as_expected,
                }
            }))
        });
        self.rows.push(Row {
            ctr,
            message: label.message,
            label: format!("{}.{}{note}", ctr.tag(), label.message),
            who_may,
            value,
            may,
            call,
        });
    }
}

/// Only `allowed` may; everyone else gets `err`.
fn only<E: Clone + 'static>(
    allowed: &'static [K],
    err: E,
) -> impl Fn(&Cast, K) -> Option<E> + 'static {
    move |_, k| (!allowed.contains(&k)).then(|| err.clone())
}

fn anyone<E>() -> impl Fn(&Cast, K) -> Option<E> + 'static {
    |_, _| None
}

fn nobody<E: Clone + 'static>(err: E) -> impl Fn(&Cast, K) -> Option<E> + 'static {
    move |_, _| Some(err.clone())
}

/// A return value as the matrix shows it: "ok", or the refusal's variant.
fn cell<T, E: Debug>(value: &Result<T, E>) -> String {
    match value {
        Ok(_) => "ok".into(),
        Err(e) => {
            let debug = format!("{e:?}");
            debug
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or(&debug)
                .to_string()
        }
    }
}

fn rows(w: &mut World) -> Vec<Row> {
    let mut rows = Rows {
        suite: w.m.suite.clone(),
        cast: &w.cast,
        rows: Vec::new(),
    };
    let m = &mut w.m;
    let (dids, vcs, escrow, masks) = (
        m.suite.dids.account(),
        m.suite.vcs.account(),
        m.suite.escrow.clone(),
        m.suite.masks.account(),
    );
    let (provider_did, consumer_did) = (m.provider_did, m.consumer_did);
    let (issuer_did, ctrl_did, r0_did) = (w.issuer_did, w.ctrl_did, w.r0_did);
    let [c_open, c_closing, c_over, c_expired] = w.channels;
    let [a_cancel, a_commit, a_reveal, a_final] = w.auctions;

    // --- did_registry -----------------------------------------------------------------
    rows.add(
        "",
        "anyone without an active DID",
        0,
        |s, _, _| s.dids.msg(|d| d.create_did(DidCreation::default())),
        |c, k| c.active_did(k).map(DidErr::AccountHasDid),
    );
    let newcomer = sr25519::Pair::from_seed(&[0x78; 32]);
    let newcomer_key = newcomer.public().0;
    let signature = sign(
        &newcomer,
        &did_create_preimage(
            &dids,
            &ink::primitives::AccountId::from(newcomer_key),
            0,
            &DidCreation::default(),
        ),
    );
    rows.add(
        "",
        "anyone relaying the account key's signature",
        0,
        move |s, _, _| {
            s.dids
                .msg(|d| d.create_did_for(newcomer_key, DidCreation::default(), signature))
        },
        anyone(),
    );
    rows.add(
        "(issuer DID)",
        "its account, its controllers' accounts",
        0,
        move |s, _, _| {
            s.dids
                .msg(|d| d.update(issuer_did, DidOperation::AddService(service("direct"))))
        },
        only(&[Issr, Ctrl], DidErr::NotController(issuer_did)),
    );
    rows.add(
        "(provider DID)",
        "its account, its controllers' accounts",
        0,
        move |s, _, _| {
            s.dids
                .msg(|d| d.update(provider_did, DidOperation::AddService(service("direct"))))
        },
        only(&[Prov, Ctrl], DidErr::NotController(provider_did)),
    );
    let resolve = m.suite.dids.msg(|d| d.resolve(issuer_did));
    let doc = read(m, resolve).expect("the issuer DID resolves");
    let nonce = doc.record.nonce;
    let op = DidOperation::AddService(service("relayed"));
    let signature = sign(
        &w.issuer_key,
        &did_op_preimage(&dids, &issuer_did, nonce, &issuer_did, "k1", &op),
    );
    rows.add(
        "",
        "anyone relaying a capabilityInvocation signature",
        0,
        move |s, _, _| {
            s.dids.msg(|d| {
                d.execute_signed(
                    issuer_did,
                    nonce,
                    op.clone(),
                    issuer_did,
                    String::from("k1"),
                    DidSignature::Sr25519(signature),
                )
            })
        },
        anyone(),
    );
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| s.dids.msg(|d| d.set_mask_registry(Some(masks))),
        only(&[Root], DidErr::NotRoot),
    );
    let newcomer_account = ink::primitives::AccountId::from([0xA8; 32]);
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| s.dids.msg(|d| d.add_authority(newcomer_account)),
        only(&[Root], DidErr::NotRoot),
    );
    rows.add(
        "(auth)",
        "root",
        0,
        |s, c, _| s.dids.msg(|d| d.remove_authority(c.ink(Auth))),
        only(&[Root], DidErr::NotRoot),
    );
    rows.add(
        "",
        "root",
        0,
        |s, c, _| s.dids.msg(|d| d.transfer_root(Some(c.ink(Strg)))),
        only(&[Root], DidErr::NotRoot),
    );
    rows.add(
        "",
        "the proposed root (auth)",
        0,
        |s, _, _| s.dids.msg(|d| d.accept_root()),
        only(&[Auth], DidErr::NotPendingRoot),
    );
    rows.add(
        "(Provider)",
        "authorities",
        0,
        move |s, _, _| {
            s.dids
                .msg(|d| d.grant_role(ctrl_did, Role::Provider, T2 + DAY, [0; 32]))
        },
        only(&[Root, Auth], DidErr::NotAuthority),
    );
    rows.add(
        "(Regulator)",
        "root",
        0,
        move |s, _, _| {
            s.dids
                .msg(|d| d.grant_role(ctrl_did, Role::Regulator, T2 + DAY, [0; 32]))
        },
        |_, k| match k {
            Root => None,
            Auth => Some(DidErr::NotRoot),
            _ => Some(DidErr::NotAuthority),
        },
    );
    rows.add(
        "(Provider)",
        "authorities",
        0,
        move |s, _, _| s.dids.msg(|d| d.revoke_role(provider_did, Role::Provider)),
        only(&[Root, Auth], DidErr::NotAuthority),
    );
    rows.add(
        "(Regulator)",
        "root",
        0,
        move |s, _, _| s.dids.msg(|d| d.revoke_role(r0_did, Role::Regulator)),
        |_, k| match k {
            Root => None,
            Auth => Some(DidErr::NotRoot),
            _ => Some(DidErr::NotAuthority),
        },
    );

    // --- vc_templates -----------------------------------------------------------------
    rows.add(
        "(System)",
        "authorities",
        0,
        |s, _, _| {
            s.vcs
                .msg(|v| v.register_cpt(Publisher::System, template("rm: system 2"), None, None))
        },
        only(&[Root, Auth], VcErr::NotAuthority),
    );
    rows.add(
        "(Authority(caller))",
        "authorities, for themselves",
        0,
        |s, c, k| {
            let publisher = Publisher::Authority(c.ink(k));
            s.vcs
                .msg(|v| v.register_cpt(publisher, template("rm: authority"), None, None))
        },
        only(&[Root, Auth], VcErr::NotAuthority),
    );
    rows.add(
        "(Authority(root))",
        "root itself",
        0,
        |s, c, _| {
            let publisher = Publisher::Authority(c.ink(Root));
            s.vcs
                .msg(|v| v.register_cpt(publisher, template("rm: root"), None, None))
        },
        only(&[Root], VcErr::NotAuthority),
    );
    rows.add(
        "(Issuer(issuer DID))",
        "who acts for the issuer DID",
        0,
        move |s, _, _| {
            let publisher = Publisher::Issuer(issuer_did);
            s.vcs
                .msg(|v| v.register_cpt(publisher, template("rm: issuer 2"), None, None))
        },
        only(&[Issr, Ctrl], VcErr::NotController(issuer_did)),
    );
    rows.add(
        "(Issuer(own DID))",
        "Issuer role holders",
        0,
        |s, c, k| {
            let publisher = Publisher::Issuer(c.own_did(k));
            s.vcs
                .msg(|v| v.register_cpt(publisher, template("rm: own"), None, None))
        },
        |c, k| match k {
            Issr => None,
            Deac | Strg | Ctrt => Some(VcErr::NotController(c.own_did(k))),
            _ => Some(VcErr::NotIssuer(c.own_did(k))),
        },
    );
    rows.add(
        "(root's template)",
        "its publisher (root)",
        0,
        |s, _, _| s.vcs.msg(|v| v.deprecate_cpt(ENERGY_CPT)),
        only(&[Root], VcErr::NotAuthority),
    );
    let sys_cpt = w.sys_cpt;
    rows.add(
        "(system template)",
        "authorities",
        0,
        move |s, _, _| s.vcs.msg(|v| v.deprecate_cpt(sys_cpt)),
        only(&[Root, Auth], VcErr::NotAuthority),
    );
    let issuer_cpt = w.issuer_cpt;
    rows.add(
        "(issuer's template)",
        "who acts for the issuer DID",
        0,
        move |s, _, _| s.vcs.msg(|v| v.deprecate_cpt(issuer_cpt)),
        only(&[Issr, Ctrl], VcErr::NotController(issuer_did)),
    );
    rows.add(
        "(trade-start)",
        "nobody (protocol template)",
        0,
        |s, _, _| s.vcs.msg(|v| v.deprecate_cpt(TRADE_START_CPT)),
        nobody(VcErr::ProtocolTemplate(TRADE_START_CPT)),
    );
    let for_issuer = request(issuer_did, consumer_did, [0xC1; 32]);
    rows.add(
        "(issuer DID, no proof)",
        "who acts for the issuer DID",
        0,
        move |s, _, _| s.vcs.msg(|v| v.issue(for_issuer.clone(), None)),
        only(&[Issr, Ctrl], VcErr::NotController(issuer_did)),
    );
    rows.add(
        "(own DID, no proof)",
        "Issuer role holders; authorities for their DID",
        0,
        move |s, c, k| {
            s.vcs
                .msg(|v| v.issue(request(c.own_did(k), consumer_did, [0xC3; 32]), None))
        },
        |c, k| match k {
            Root | Auth | Issr => None,
            Deac | Strg | Ctrt => Some(VcErr::DidInactive(c.own_did(k))),
            _ => Some(VcErr::NotIssuer(c.own_did(k))),
        },
    );
    let signed = request(issuer_did, consumer_did, [0xC2; 32]);
    let signature = sign(&w.issuer_key, &anchor_preimage(&vcs, &signed));
    rows.add(
        "(issuer DID, signed)",
        "anyone relaying an assertionMethod signature",
        0,
        move |s, _, _| {
            let proof = Some(IssuerProof {
                key_id: String::from("k1"),
                signature: DidSignature::Sr25519(signature),
            });
            s.vcs.msg(|v| v.issue(signed.clone(), proof))
        },
        anyone(),
    );
    let (active, suspended) = (w.cred_active, w.cred_suspended);
    type CredentialMsg = fn(&Suite, [u8; 32]) -> Msg<Result<(), VcErr>>;
    let credential_messages: [(CredentialMsg, [u8; 32]); 3] = [
        (|s, id| s.vcs.msg(|v| v.suspend(id)), active),
        (|s, id| s.vcs.msg(|v| v.unsuspend(id)), suspended),
        (|s, id| s.vcs.msg(|v| v.revoke(id)), active),
    ];
    for (message, id) in credential_messages {
        rows.add(
            "",
            "who acts for the issuer DID; authorities",
            0,
            move |s, _, _| message(s, id),
            only(&[Root, Auth, Issr, Ctrl], VcErr::NotPermitted),
        );
    }
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| s.vcs.msg(|v| v.set_system_issuer(masks, true)),
        only(&[Root], VcErr::NotRoot),
    );
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| s.vcs.msg(|v| v.set_mask_registry(Some(masks))),
        only(&[Root], VcErr::NotRoot),
    );
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| {
            let escrow = s.escrow.account();
            s.vcs.msg(move |v| v.set_trade_escrow(Some(escrow)))
        },
        only(&[Root], VcErr::NotRoot),
    );
    rows.add(
        "",
        "system issuers (the suite designates none)",
        0,
        move |s, _, _| {
            let id = [0xD1u8; 32];
            s.vcs
                .msg(|v| v.anchor_system(id, TRADE_START_CPT, consumer_did, [0xD2; 32], id))
        },
        nobody(AnchorError::NotSystemIssuer),
    );

    // --- trade_escrow -----------------------------------------------------------------
    let offer = m.terms(PRICE, MIN_COST, DAY, 0x41);
    let offer_signature = m.offer_for(&escrow, &offer);
    rows.add(
        "(consumer's offer)",
        "the offer's consumer",
        DEPOSIT,
        move |s, _, _| s.escrow.msg(|e| e.open(offer.clone(), offer_signature)),
        only(&[Cons], EscrowErr::NotConsumer),
    );
    let base = m.terms(PRICE, MIN_COST, DAY, 0x42);
    let deployment = read(m, escrow.deployment());
    let provider_key = m.provider_account_key.clone();
    let escrow_ink = escrow.account();
    rows.add(
        "(offer to the caller)",
        "Consumer role holders",
        DEPOSIT,
        move |s, c, k| {
            let terms = TradeTerms {
                consumer: c.ink(k),
                ..base.clone()
            };
            let preimage = offer_preimage(&escrow_ink, &deployment, &terms);
            let signature = provider_key.sign(&preimage);
            s.escrow.msg(|e| e.open(terms, signature))
        },
        |c, k| match k {
            Cons => None,
            Prov => Some(EscrowErr::SameAccount),
            _ => Some(EscrowErr::MissingRole {
                account: c.ink(k),
                role: Role::Consumer,
            }),
        },
    );
    rows.add(
        "",
        "the channel's consumer",
        TOP_UP,
        move |s, _, _| s.escrow.msg(|e| e.top_up(c_open, None)),
        only(&[Cons], EscrowErr::NotConsumer),
    );
    let state = m.state(&c_open, 1, 10 * PRICE);
    rows.add(
        "",
        "the channel's provider",
        0,
        move |s, _, _| s.escrow.msg(|e| e.checkpoint(c_open, 1, 10 * PRICE, state)),
        only(&[Prov], EscrowErr::NotProvider),
    );
    let (a, b) = m.close_sigs(&c_open, 1, MIN_COST);
    rows.add(
        "",
        "the channel's parties",
        0,
        move |s, _, _| {
            s.escrow
                .msg(|e| e.close_cooperative(c_open, 1, MIN_COST, a, b))
        },
        only(&[Cons, Prov], EscrowErr::NotParty),
    );
    rows.add(
        "",
        "the channel's parties",
        0,
        move |s, _, _| s.escrow.msg(|e| e.start_close(c_open, None)),
        only(&[Cons, Prov], EscrowErr::NotParty),
    );
    let state = m.state(&c_closing, 1, 10 * PRICE);
    rows.add(
        "",
        "the channel's parties",
        0,
        move |s, _, _| {
            s.escrow
                .msg(|e| e.challenge(c_closing, 1, 10 * PRICE, state))
        },
        only(&[Cons, Prov], EscrowErr::NotParty),
    );
    rows.add(
        "",
        "anyone, once the window is over",
        0,
        move |s, _, _| s.escrow.msg(|e| e.finalize(c_over)),
        anyone(),
    );
    rows.add(
        "",
        "anyone, once the channel expired",
        0,
        move |s, _, _| s.escrow.msg(|e| e.claim_timeout(c_expired)),
        anyone(),
    );
    rows.add(
        "",
        "anyone, for its own deferred payouts (none)",
        0,
        |s, _, _| s.escrow.msg(|e| e.withdraw_unclaimed()),
        nobody(EscrowErr::NothingToWithdraw),
    );
    rows.add(
        "(a contract)",
        "root",
        0,
        move |s, _, _| s.escrow.msg(|e| e.set_broker(masks, true)),
        only(&[Root], EscrowErr::NotRoot),
    );
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| s.escrow.msg(|e| e.set_mask_registry(Some(masks))),
        only(&[Root], EscrowErr::NotRoot),
    );
    let brokered = m.terms(PRICE, MIN_COST, DAY, 0x43);
    rows.add(
        "",
        "designated brokers (the auction)",
        DEPOSIT,
        move |s, _, _| {
            s.escrow.msg(|e| {
                e.open_brokered(
                    brokered.clone(),
                    TradeParties {
                        consumer: consumer_did,
                        provider: provider_did,
                    },
                    DEPOSIT,
                )
            })
        },
        nobody(BrokeringError::NotBroker),
    );

    // --- incentive_auction ------------------------------------------------------------
    let model = m.model();
    rows.add(
        "",
        "root (the model names attestors and the treasury)",
        0,
        move |s, _, _| s.auction.msg(|a| a.set_model(model.clone())),
        only(&[Root], AuctionErr::NotRoot),
    );
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| s.auction.msg(|a| a.set_mask_registry(Some(masks))),
        only(&[Root], AuctionErr::NotRoot),
    );
    let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, DAY, DAY);
    rows.add(
        "",
        "Consumer role holders",
        AUCTION_DEPOSIT,
        move |s, _, _| s.auction.msg(|a| a.create_auction(request.clone())),
        |c, k| {
            (k != Cons).then(|| AuctionErr::MissingRole {
                account: c.ink(k),
                role: Role::Consumer,
            })
        },
    );
    rows.add(
        "",
        "the auction's consumer",
        0,
        move |s, _, _| s.auction.msg(|a| a.cancel(a_cancel)),
        only(&[Cons], AuctionErr::NotConsumer),
    );
    rows.add(
        "",
        "Provider role holders but the consumer",
        BID_BOND,
        move |s, _, _| s.auction.msg(|a| a.commit(a_commit, [0x5E; 32])),
        |c, k| match k {
            Prov => None,
            Cons => Some(AuctionErr::OwnAuction),
            _ => Some(AuctionErr::MissingRole {
                account: c.ink(k),
                role: Role::Provider,
            }),
        },
    );
    let bid = sealed_bid(m);
    rows.add(
        "",
        "who committed",
        0,
        move |s, _, _| {
            let proofs = AttributeProofs::default();
            s.auction
                .msg(|a| a.reveal(a_reveal, bid.clone(), BID_SALT, proofs))
        },
        only(&[Prov], AuctionErr::NoCommitment),
    );
    rows.add(
        "",
        "anyone, after the reveal deadline",
        0,
        move |s, _, _| s.auction.msg(|a| a.finalize(a_final)),
        anyone(),
    );
    rows.add(
        "",
        "anyone, for its own deferred payouts (none)",
        0,
        |s, _, _| s.auction.msg(|a| a.withdraw_unclaimed()),
        nobody(AuctionErr::NothingToWithdraw),
    );

    // --- mask_registry ----------------------------------------------------------------
    let committee = w.committee.clone();
    rows.add(
        "",
        "root",
        0,
        move |s, _, _| s.masks.msg(|x| x.set_committee(committee.clone(), 2, DAY)),
        only(&[Root], MaskErr::NotRoot),
    );
    rows.add(
        "",
        "Regulator role holders",
        0,
        move |s, _, _| {
            let target = Target::Did(consumer_did);
            s.masks
                .msg(|x| x.mask(target, Scope::Whole, false, 1, [3; 32], [4; 32]))
        },
        only(&[Regl], MaskErr::NotRegulator),
    );
    let record = w.masked_record.clone();
    rows.add(
        "",
        "committee members holding the Regulator role",
        0,
        move |s, _, _| s.masks.msg(|x| x.approve_unmask(record.clone())),
        |_, k| match k {
            Regl => None,
            Expd | Deac => Some(MaskErr::NotRegulator),
            _ => Some(MaskErr::NotCommitteeMember),
        },
    );
    rows.rows
}

// -----------------------------------------------------------------------------------------
// Running a row
// -----------------------------------------------------------------------------------------

/// A read message's value, encoded: what a digest compares.
fn enc<R: Decode + Encode>(chain: &mut Embedded, msg: Msg<R>) -> Vec<u8> {
    let label = msg.label;
    chain
        .read(msg)
        .unwrap_or_else(|e| panic!("{label}: {e}"))
        .encode()
}

/// Everything the contract's read messages say about the world, encoded.
fn digest(w: &mut World, ctr: Ctr) -> Vec<Vec<u8>> {
    let mut accounts: Vec<_> = KINDS.iter().map(|k| w.cast.ink(*k)).collect();
    let consumer_did = w.m.consumer_did;
    let Parties { chain, suite, .. } = &mut w.m;
    for extra in [
        &suite.escrow.address,
        &suite.auction.address,
        &suite.vcs.address,
    ] {
        accounts.push(ink_account(extra));
    }
    let mut reads = Vec::new();
    match ctr {
        Ctr::Dids => {
            let dids = &suite.dids;
            reads.push(enc(chain, dids.msg(|x| x.root())));
            reads.push(enc(chain, dids.msg(|x| x.pending_root())));
            reads.push(enc(chain, dids.msg(|x| x.authority_count())));
            reads.push(enc(chain, dids.msg(|x| x.did_count())));
            reads.push(enc(chain, dids.msg(|x| x.mask_registry())));
            for &a in &accounts {
                reads.push(enc(chain, dids.msg(|x| x.generation_of(a))));
                reads.push(enc(chain, dids.msg(|x| x.did_of(a))));
                reads.push(enc(chain, dids.msg(|x| x.is_authority(a))));
            }
            for &did in &w.watched_dids {
                reads.push(enc(chain, dids.msg(|x| x.resolve(did))));
                for role in Role::ALL {
                    reads.push(enc(chain, dids.msg(|x| x.role_grant(did, role))));
                }
            }
        }
        Ctr::Vcs => {
            let vcs = &suite.vcs;
            reads.push(enc(chain, vcs.msg(|x| x.cpt_count())));
            reads.push(enc(chain, vcs.msg(|x| x.credential_count())));
            reads.push(enc(chain, vcs.msg(|x| x.mask_registry())));
            for &a in &accounts {
                reads.push(enc(chain, vcs.msg(|x| x.is_system_issuer(a))));
            }
            let cpts = [
                TRADE_START_CPT,
                SETTLEMENT_CPT,
                w.sys_cpt,
                w.sys_cpt + 1,
                ENERGY_CPT,
                ENERGY_CPT + 1,
                w.issuer_cpt,
                w.issuer_cpt + 1,
            ];
            for id in cpts {
                reads.push(enc(chain, vcs.msg(|x| x.cpt(id))));
            }
            for id in [w.cred_active, w.cred_suspended, [0xD1; 32]] {
                reads.push(enc(chain, vcs.msg(|x| x.anchor_of(id))));
            }
        }
        Ctr::Escrow => {
            let escrow = &suite.escrow;
            reads.push(enc(chain, escrow.msg(|x| x.channel_count())));
            reads.push(enc(chain, escrow.msg(|x| x.total_owed())));
            reads.push(enc(chain, escrow.msg(|x| x.mask_registry())));
            for &a in &accounts {
                reads.push(enc(chain, escrow.msg(|x| x.is_broker(a))));
                reads.push(enc(chain, escrow.msg(|x| x.unclaimed_of(a))));
            }
            for id in w.channels {
                reads.push(enc(chain, escrow.channel(&id)));
            }
        }
        Ctr::Auction => {
            let auction = &suite.auction;
            reads.push(enc(chain, auction.msg(|x| x.model_version())));
            reads.push(enc(chain, auction.msg(|x| x.auction_count())));
            reads.push(enc(chain, auction.msg(|x| x.total_held())));
            for version in 1u32..=2 {
                reads.push(enc(chain, auction.msg(|x| x.model(version))));
            }
            for id in 0u64..8 {
                reads.push(enc(chain, auction.msg(|x| x.auction(id))));
            }
            for &a in &accounts {
                reads.push(enc(chain, auction.msg(|x| x.unclaimed_of(a))));
                for id in w.auctions {
                    reads.push(enc(chain, auction.msg(|x| x.commitment(id, a))));
                }
            }
        }
        Ctr::Masks => {
            let masks = &suite.masks;
            reads.push(enc(chain, masks.msg(|x| x.committee())));
            reads.push(enc(chain, masks.msg(|x| x.counts())));
            let consumer = Target::Did(consumer_did);
            for target in [&w.masked_record, &consumer] {
                reads.push(enc(chain, masks.msg(|x| x.mask_of(target.clone()))));
            }
        }
    }
    reads
}

/// Calls `row` from every caller; returns each caller's outcome for the matrix.
fn run(w: &mut World, row: &Row) -> Vec<(K, String)> {
    let contract = w.address(row.ctr);
    let before = digest(w, row.ctr);
    let mut cells = Vec::new();
    let mut allowed = Vec::new();
    for k in KINDS {
        if (row.may)(&w.cast, k) {
            allowed.push(k);
            continue;
        }
        let origin = w.cast.acct(k);
        let ctx = format!("{} by {}", row.label, k.tag());
        let balances = |m: &mut Parties| (m.chain.balance(&origin), m.chain.balance(&contract));
        let was = balances(&mut w.m);
        let out =
            (row.call)(&mut w.m, &w.cast, k, Mode::Send).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let check = &out.value;
        assert!(
            check.as_expected,
            "{ctx}: expected refused:{}, got {}",
            check.expected, check.got
        );
        assert!(out.reverted, "{ctx}: a refused call reverts");
        assert_eq!(out.storage_deposit, 0, "{ctx}: no storage deposit");
        assert_eq!(
            balances(&mut w.m),
            was,
            "{ctx}: balances unchanged (the {} transferred came back)",
            row.value
        );
        cells.push((k, check.cell.clone()));
    }
    assert!(
        before == digest(w, row.ctr),
        "{}: the refused calls changed the contract's state",
        row.label
    );
    // The positive controls: a dry run, or (payable) the real call once the refusals are done.
    for k in allowed {
        let mode = if row.value == 0 {
            Mode::DryRun
        } else {
            Mode::Send
        };
        let out = (row.call)(&mut w.m, &w.cast, k, mode)
            .unwrap_or_else(|e| panic!("{} by {}: {e}", row.label, k.tag()));
        assert!(
            !out.reverted && out.value.as_expected,
            "{} by {}: may call, but got {}",
            row.label,
            k.tag(),
            out.value.got
        );
        cells.push((k, "ok".into()));
    }
    cells.sort_by_key(|(k, _)| *k as usize);
    cells
}

/// `label [who may] ok: … | refused:Error: …`
fn line(row: &Row, cells: &[(K, String)]) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (k, cell) in cells {
        match groups.iter_mut().find(|(c, _)| c == cell) {
            Some((_, kinds)) => kinds.push(k.tag()),
            None => groups.push((cell.clone(), vec![k.tag()])),
        }
    }
    groups.sort_by_key(|(c, _)| c != "ok");
    let body: Vec<String> = groups
        .iter()
        .map(|(cell, kinds)| {
            let who = if kinds.len() == KINDS.len() {
                "everyone".to_string()
            } else {
                kinds.join(",")
            };
            if cell == "ok" {
                format!("ok: {who}")
            } else {
                format!("refused:{cell}: {who}")
            }
        })
        .collect();
    format!("{:<44} [{}] {}", row.label, row.who_may, body.join(" | "))
}

/// The state-changing messages (`&mut self`) each contract's source declares.
fn declared_state_changing() -> Vec<(Ctr, String)> {
    let sources = [
        (
            Ctr::Dids,
            include_str!("../../contracts/did_registry/src/lib.rs"),
        ),
        (
            Ctr::Vcs,
            include_str!("../../contracts/vc_templates/src/lib.rs"),
        ),
        (
            Ctr::Escrow,
            include_str!("../../contracts/trade_escrow/src/lib.rs"),
        ),
        (
            Ctr::Auction,
            include_str!("../../contracts/incentive_auction/src/lib.rs"),
        ),
        (
            Ctr::Masks,
            include_str!("../../contracts/mask_registry/src/lib.rs"),
        ),
    ];
    let mut found = Vec::new();
    for (ctr, source) in sources {
        for (at, _) in source.match_indices("#[ink(message") {
            let rest = &source[at..];
            let Some(fn_at) = rest.find("fn ") else {
                continue;
            };
            let signature = &rest[fn_at + 3..];
            let name_end = signature.find('(').unwrap_or(0);
            let name = signature[..name_end].trim();
            let params = signature[name_end + 1..].trim_start();
            // `wire_new` ends a constructor inside a cold code and is no message of a deployed
            // contract (not in its metadata): did_registry_sandbox's
            // `a_split_contracts_wiring_runs_only_in_its_constructor` calls its selector on
            // every deployed contract as root and as a stranger, and every call is refused.
            if params.starts_with("&mut self") && name != "wire_new" {
                found.push((ctr, name.to_string()));
            }
        }
    }
    found
}

#[test]
fn every_state_changing_message_refuses_every_caller_it_does_not_name() {
    let started = Instant::now();
    let mut w = world();
    let built = started.elapsed();
    let rows = rows(&mut w);

    // Every `&mut self` message of every contract has a row.
    let declared = declared_state_changing();
    assert!(declared.len() >= 40, "the sources declare {declared:?}");
    for (ctr, name) in &declared {
        let covered = rows.iter().any(|r| {
            r.ctr.tag() == ctr.tag() && r.message.rsplit("::").next() == Some(name.as_str())
        });
        assert!(covered, "{}.{name} has no row in the matrix", ctr.tag());
    }

    let mut lines = Vec::new();
    let (mut refusals, mut positives) = (0, 0);
    for row in &rows {
        let cells = run(&mut w, row);
        let oks = cells.iter().filter(|(_, c)| c == "ok").count();
        positives += oks;
        refusals += cells.len() - oks;
        lines.push(line(row, &cells));
    }
    let legend: Vec<String> = KINDS.iter().map(|k| format!("{}={k:?}", k.tag())).collect();
    eprintln!("role matrix (callers: {})", legend.join(" "));
    for l in &lines {
        eprintln!("  {l}");
    }
    eprintln!(
        "{} rows ({} state-changing messages) x {} callers: {refusals} refused calls, each \
         reverted with its typed error, no storage deposit, balances and state unchanged; \
         {positives} positive controls; world built in {built:?}, all in {:?}",
        rows.len(),
        declared.len(),
        KINDS.len(),
        started.elapsed()
    );
}

// -----------------------------------------------------------------------------------------
// Focused tests
// -----------------------------------------------------------------------------------------

/// The two messages reserved for contracts: only a designated broker's account opens
/// brokered channels, only a designated system issuer's anchors system credentials. The
/// embedded chain lets a test use those accounts as origins; on a chain only their code can.
#[test]
fn only_designated_contracts_open_brokered_channels_and_anchor_system_credentials() {
    let mut m = Parties::deploy(T0).expect("the suite deploys");
    let (root, vcs, escrow, auction, masks) = (
        m.root.clone(),
        m.suite.vcs.clone(),
        m.suite.escrow.clone(),
        m.suite.auction.address.clone(),
        m.suite.masks.address.clone(),
    );
    for contract in [&escrow.address, &auction, &masks] {
        m.chain.fund(contract, TOKENS).expect("fund");
    }
    let parties = TradeParties {
        consumer: m.consumer_did,
        provider: m.provider_did,
    };
    let brokered = |m: &mut Parties, origin: &AccountId32, nonce: u8| {
        let terms = m.terms(PRICE, MIN_COST, DAY, nonce);
        let msg = m
            .suite
            .escrow
            .msg(|e| e.open_brokered(terms, parties, DEPOSIT))
            .with_value(DEPOSIT);
        m.chain.try_send(origin, msg).expect("call")
    };
    let opened = brokered(&mut m, &auction, 1);
    let Ok(BrokeredOpen::Opened(channel)) = opened.value else {
        panic!("the broker's account opens a channel: {:?}", opened.value);
    };
    assert_eq!(m.channel(&channel).expect("opened").deposit, DEPOSIT);
    let refused_open = |m: &mut Parties, origin: &AccountId32, nonce: u8, reverted: bool| {
        let before = (m.chain.balance(origin), m.escrow_held());
        let out = brokered(m, origin, nonce);
        if reverted {
            assert_eq!(out.value, Err(BrokeringError::NotBroker));
        } else {
            assert_eq!(out.value, Ok(BrokeredOpen::Refused(OpenRefusal::NotBroker)));
        }
        assert_eq!(out.reverted, reverted);
        assert_eq!(out.storage_deposit, 0);
        assert_eq!((m.chain.balance(origin), m.escrow_held()), before);
    };
    // Never designated: the call reverts.
    refused_open(&mut m, &masks, 2, true);
    // Root undesignates the auction: its account is refused from then on, with its deposit
    // sent back (so a finalize in progress refunds its consumer at once).
    tx(
        &mut m,
        &root,
        escrow.msg(|e| e.set_broker(ink_account(&auction), false)),
    );
    refused_open(&mut m, &auction, 3, false);

    let consumer_did = m.consumer_did;
    let anchor = |m: &mut Parties, origin: &AccountId32, tag: u8| {
        let msg = vcs.msg(|v| {
            v.anchor_system(
                [tag; 32],
                SETTLEMENT_CPT,
                consumer_did,
                [tag; 32],
                [tag; 32],
            )
        });
        m.chain.try_send(origin, msg).expect("call")
    };
    // The suite designates no system issuer: the escrow holds its trade credentials itself.
    for (origin, tag) in [
        (&escrow.address, 0xE1),
        (&auction, 0xE2),
        (&masks, 0xE3),
        (&root, 0xE4),
    ] {
        let out = anchor(&mut m, origin, tag);
        assert_eq!(out.value, Err(AnchorError::NotSystemIssuer));
        assert!(out.reverted);
        assert_eq!(out.storage_deposit, 0);
    }
    // A designated one still cannot anchor a credential of a protocol template.
    tx(
        &mut m,
        &root,
        vcs.msg(|v| v.set_system_issuer(ink_account(&masks), true)),
    );
    let out = anchor(&mut m, &masks, 0xE5);
    assert_eq!(out.value, Err(AnchorError::BadTemplate));
    assert!(out.reverted);
    assert_eq!(out.storage_deposit, 0);
}

/// The old root is refused `msg` with `refusal`: the call reverts and charges no storage
/// deposit; the new root may (a dry run).
#[track_caller]
fn moves_to_the_heir<T: Decode, E: Decode + PartialEq + Debug>(
    m: &mut Parties,
    (old, heir): (&AccountId32, &AccountId32),
    msg: impl Fn() -> Msg<Result<T, E>>,
    refusal: E,
) {
    let out = m.chain.try_send(old, msg()).expect("call");
    assert_eq!(
        out.value.as_ref().err(),
        Some(&refusal),
        "the old root is refused"
    );
    assert!(out.reverted);
    assert_eq!(out.storage_deposit, 0);
    let out = m.chain.dry_run(heir, msg()).expect("query");
    assert!(out.value.is_ok(), "the new root may");
    assert!(!out.reverted);
}

/// Every root-only message of the four contracts that ask `DidRegistry::is_root` follows a
/// root transfer: the old root is refused with `NotRoot` (and, no longer an authority, with
/// `NotAuthority` where an authority would do), the new root may.
#[test]
fn a_root_transfer_moves_every_root_only_message() {
    let mut m = Parties::deploy(T0).expect("the suite deploys");
    let old = m.root.clone();
    let s = m.suite.clone();
    let masks = s.masks.account();
    let heir = funded(&mut m, 0xA9);
    tx(
        &mut m,
        &old,
        s.dids.msg(|d| d.transfer_root(Some(ink_account(&heir)))),
    );
    tx(&mut m, &heir, s.dids.msg(|d| d.accept_root()));
    let regulators: Vec<_> = m.regulators.iter().map(ink_account).collect();
    let consumer_did = m.consumer_did;
    let model = m.model();
    let who = (&old, &heir);
    moves_to_the_heir(
        &mut m,
        who,
        || s.dids.msg(|d| d.set_mask_registry(Some(masks))),
        DidErr::NotRoot,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || {
            s.dids
                .msg(|d| d.grant_role(consumer_did, Role::Provider, T0 + DAY, [0; 32]))
        },
        DidErr::NotAuthority,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || s.vcs.msg(|v| v.set_system_issuer(masks, true)),
        VcErr::NotRoot,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || s.vcs.msg(|v| v.set_mask_registry(Some(masks))),
        VcErr::NotRoot,
    );
    let escrow = s.escrow.account();
    moves_to_the_heir(
        &mut m,
        who,
        || s.vcs.msg(|v| v.set_trade_escrow(Some(escrow))),
        VcErr::NotRoot,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || s.escrow.msg(|e| e.set_broker(masks, true)),
        EscrowErr::NotRoot,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || s.escrow.msg(|e| e.set_mask_registry(Some(masks))),
        EscrowErr::NotRoot,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || s.auction.msg(|a| a.set_model(model.clone())),
        AuctionErr::NotRoot,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || s.auction.msg(|a| a.set_mask_registry(Some(masks))),
        AuctionErr::NotRoot,
    );
    moves_to_the_heir(
        &mut m,
        who,
        || s.masks.msg(|x| x.set_committee(regulators.clone(), 2, DAY)),
        MaskErr::NotRoot,
    );
}

/// The edges of the expired and the deactivated kinds: a renewed role counts again; a DID
/// created after a deactivation starts without roles; a controller's power ends with its own
/// DID.
#[test]
fn renewal_restores_a_role_and_deactivation_ends_roles_and_control() {
    let mut m = Parties::deploy(T0).expect("the suite deploys");
    let (dids, consumer, consumer_did) = (m.suite.dids.clone(), m.consumer.clone(), m.consumer_did);
    let create = |m: &mut Parties| {
        let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, DAY, DAY);
        let msg = m
            .suite
            .auction
            .msg(|a| a.create_auction(request))
            .with_value(AUCTION_DEPOSIT);
        m.chain.try_send(&consumer, msg).expect("call")
    };
    m.grant(consumer_did, Role::Consumer, T0 + HOUR)
        .expect("short grant");
    m.chain.advance_to(T0 + HOUR).expect("time");
    let before = m.chain.balance(&consumer);
    let out = create(&mut m);
    assert_eq!(
        out.value,
        Err(AuctionErr::MissingRole {
            account: ink_account(&consumer),
            role: Role::Consumer
        }),
        "a role ends at its expiry"
    );
    assert!(out.reverted);
    assert_eq!(m.chain.balance(&consumer), before, "the deposit came back");
    m.grant(consumer_did, Role::Consumer, T0 + YEAR_MS)
        .expect("renewal");
    let auction = create(&mut m).value.expect("a renewed role counts again");

    // A deactivated DID's roles do not pass to the account's next DID.
    let who = funded(&mut m, 0xAA);
    let first = m.create_did(&who).expect("DID");
    m.grant(first, Role::Provider, T0 + YEAR_MS).expect("grant");
    tx(
        &mut m,
        &who,
        dids.msg(|d| d.update(first, DidOperation::Deactivate)),
    );
    let second = m.create_did(&who).expect("a new DID after deactivation");
    assert_ne!(second, first);
    let holds = read(
        &mut m,
        dids.msg(|d| d.has_role(Subject::Account(ink_account(&who)), Role::Provider)),
    );
    assert!(!holds);
    let commit = m
        .suite
        .auction
        .msg(|a| a.commit(auction, [1; 32]))
        .with_value(BID_BOND);
    let out = m.chain.try_send(&who, commit).expect("call");
    assert_eq!(
        out.value,
        Err(AuctionErr::MissingRole {
            account: ink_account(&who),
            role: Role::Provider
        })
    );
    assert!(out.reverted);

    // A controller acts for its ward until it deactivates its own DID.
    let ctrl = funded(&mut m, 0xAB);
    let ctrl_did = m.create_did(&ctrl).expect("DID");
    let ward = funded(&mut m, 0xAC);
    let ward_did = tx(
        &mut m,
        &ward,
        dids.msg(|d| {
            d.create_did(DidCreation {
                controllers: vec![ctrl_did],
                ..Default::default()
            })
        }),
    );
    let add = |id: &str| dids.msg(|d| d.update(ward_did, DidOperation::AddService(service(id))));
    tx(&mut m, &ctrl, add("by-controller"));
    tx(
        &mut m,
        &ctrl,
        dids.msg(|d| d.update(ctrl_did, DidOperation::Deactivate)),
    );
    let out = m.chain.try_send(&ctrl, add("after")).expect("call");
    assert_eq!(out.value, Err(DidErr::NotController(ward_did)));
    assert!(out.reverted);
    assert_eq!(out.storage_deposit, 0);
}
