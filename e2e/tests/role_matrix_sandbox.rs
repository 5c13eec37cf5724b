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

use cgrid_e2e::market::{Market, BID_BOND, ENERGY_CPT, YEAR_MS};
use cgrid_e2e::{account, call_data, ink_account, selector, sign, sr_method, AccountId32, Chain};
use cgrid_shared::{
    anchor_preimage, did_create_preimage, did_op_preimage, offer_preimage, AnchorError,
    AnchorRequest, Balance, Bid, ChannelId, ClaimProof, CptId, CptProperty, CptTemplate,
    DidCreation, DidDocument, DidId, DidOperation, DidSignature, KeyPurposes, MaskedView,
    OpenRefusal, PropertyType, Publisher, Role, Scope, Service, Subject, Target, TradeTerms,
    ATTRIBUTES, SETTLEMENT_CPT, TRADE_START_CPT,
};
use incentive_auction::RevealOutcome;
use scale::{Decode, Encode};
use sp_core::{hashing::blake2_256, sr25519, Pair};
use std::fmt::Debug;
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
    m: Market,
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
}

impl World {
    fn address(&self, ctr: Ctr) -> AccountId32 {
        match ctr {
            Ctr::Dids => self.m.dids.clone(),
            Ctr::Vcs => self.m.vcs.clone(),
            Ctr::Escrow => self.m.escrow.clone(),
            Ctr::Auction => self.m.auction.clone(),
            Ctr::Masks => self.m.masks.clone(),
        }
    }
}

/// A message's return value, undecoded: the SCALE bytes of its `Result<T, E>`.
#[derive(Debug)]
struct Raw(Vec<u8>);

impl Decode for Raw {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        let len = input
            .remaining_len()?
            .ok_or("a return value has a known length")?;
        let mut bytes = vec![0; len];
        input.read(&mut bytes)?;
        Ok(Raw(bytes))
    }
}

/// A setup call that must succeed.
#[track_caller]
fn tx<T: Decode + Debug, E: Decode + Debug>(
    m: &mut Market,
    contract: &AccountId32,
    origin: &AccountId32,
    data: Vec<u8>,
    value: Balance,
) -> T {
    m.chain
        .call_payable::<Result<T, E>>(contract, origin, data, value)
        .expect("the call executes")
        .value
        .unwrap_or_else(|e| panic!("a setup call was refused: {e:?}"))
}

fn read<T: Decode>(m: &mut Market, contract: &AccountId32, data: Vec<u8>) -> T {
    let root = m.root.clone();
    m.chain
        .query::<T>(contract, &root, data)
        .expect("query")
        .value
}

fn funded(m: &mut Market, n: u8) -> AccountId32 {
    let who = account([n; 32]);
    m.chain.fund(&who, Chain::TOKENS);
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
    request.id = blake2_256(&request.id_preimage());
    request
}

fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        service_type: "RoleMatrix".into(),
        endpoint: "https://role-matrix.example".into(),
    }
}

fn sealed_bid(m: &Market) -> Bid {
    Bid {
        price_per_minute: 300,
        attributes: [None; ATTRIBUTES],
        provider_key: m.provider_key.public().0,
    }
}

fn create_auction(m: &mut Market, commit_ms: u64, reveal_ms: u64) -> u64 {
    let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, commit_ms, reveal_ms);
    let consumer = m.consumer.clone();
    m.auction_tx::<u64>(&consumer, "create_auction", request, AUCTION_DEPOSIT)
        .expect("call")
        .value
        .expect("the auction opens")
}

fn did_of(m: &mut Market, who: &AccountId32) -> DidId {
    let dids = m.dids.clone();
    read::<Option<DidId>>(m, &dids, call_data("DidRegistry::did_of", ink_account(who)))
        .expect("has a DID")
}

fn world() -> World {
    let mut m = Market::deploy(T0).expect("the suite deploys (build the bundles first)");
    let (root, dids, vcs, masks) = (
        m.root.clone(),
        m.dids.clone(),
        m.vcs.clone(),
        m.masks.clone(),
    );
    let (provider, consumer) = (m.provider.clone(), m.consumer.clone());
    let (provider_did, consumer_did) = (m.provider_did, m.consumer_did);

    // A second authority, with a DID of its own.
    let auth = funded(&mut m, 0xA1);
    tx::<(), DidErr>(
        &mut m,
        &dids,
        &root,
        call_data("add_authority", ink_account(&auth)),
        0,
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
    let issuer_did =
        tx::<DidId, DidErr>(&mut m, &dids, &issuer, call_data("create_did", content), 0);
    m.grant(issuer_did, Role::Issuer, T0 + YEAR_MS)
        .expect("Issuer role");
    // The provider names the controller a controller of its DID too.
    tx::<(), DidErr>(
        &mut m,
        &dids,
        &provider,
        call_data(
            "update",
            (provider_did, DidOperation::AddController(ctrl_did)),
        ),
        0,
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
    tx::<(), DidErr>(
        &mut m,
        &dids,
        &deac,
        call_data("update", (deac_did, DidOperation::Deactivate)),
        0,
    );
    let strg = funded(&mut m, 0xA7);
    m.chain.fund(&masks, Chain::TOKENS);
    // Root proposes the second authority as the next root (accept_root's positive control).
    tx::<(), DidErr>(
        &mut m,
        &dids,
        &root,
        call_data("transfer_root", Some(ink_account(&auth))),
        0,
    );
    // The expired and the deactivated holder join the unmask committee.
    let regulators = m.regulators.clone();
    let committee: Vec<_> = regulators
        .iter()
        .chain([&expd, &deac])
        .map(ink_account)
        .collect();
    tx::<(), MaskErr>(
        &mut m,
        &masks,
        &root,
        call_data("set_committee", (committee.clone(), 2u8, DAY)),
        0,
    );
    let masked_record = Target::Record {
        contract: ink_account(&masks),
        key: [0x5A; 32],
    };
    tx::<(), MaskErr>(
        &mut m,
        &masks,
        &regulators[0],
        call_data(
            "mask",
            (
                &masked_record,
                Scope::Whole,
                false,
                7u16,
                [1u8; 32],
                [2u8; 32],
            ),
        ),
        0,
    );
    // Templates and credentials.
    let no_id = None::<CptId>;
    let sys_cpt = tx::<CptId, VcErr>(
        &mut m,
        &vcs,
        &root,
        call_data(
            "register_cpt",
            (
                Publisher::System,
                template("role matrix: system"),
                no_id,
                no_id,
            ),
        ),
        0,
    );
    let issuer_cpt = tx::<CptId, VcErr>(
        &mut m,
        &vcs,
        &issuer,
        call_data(
            "register_cpt",
            (
                Publisher::Issuer(issuer_did),
                template("role matrix: issuer"),
                no_id,
                no_id,
            ),
        ),
        0,
    );
    let no_proof = None::<(String, DidSignature)>;
    let active = request(issuer_did, consumer_did, [0xA0; 32]);
    let suspended = request(issuer_did, consumer_did, [0xB0; 32]);
    for r in [&active, &suspended] {
        tx::<(), VcErr>(&mut m, &vcs, &issuer, call_data("issue", (r, &no_proof)), 0);
    }
    tx::<(), VcErr>(&mut m, &vcs, &issuer, call_data("suspend", suspended.id), 0);

    // An hour later the short grants have expired.
    m.chain.set_time(T1);
    let a_cancel = create_auction(&mut m, DAY, DAY);
    let a_commit = create_auction(&mut m, DAY, DAY);
    let a_reveal = create_auction(&mut m, MINUTE, DAY);
    let a_final = create_auction(&mut m, MINUTE, MINUTE);
    let bid = sealed_bid(&m);
    let hash = m.bid_hash(a_reveal, &provider, &bid, &BID_SALT);
    m.auction_tx::<u32>(&provider, "commit", (a_reveal, hash), BID_BOND)
        .expect("call")
        .value
        .expect("commit");
    let no_state = None::<(u64, Balance, [u8; 64])>;
    let terms = m.terms(PRICE, MIN_COST, DAY, 0x31);
    let (c_open, _) = m.open(&terms, DEPOSIT);
    let terms = m.terms(PRICE, MIN_COST, DAY, 0x33);
    let (c_over, _) = m.open(&terms, DEPOSIT);
    m.escrow_tx::<()>(&consumer, "start_close", (c_over, no_state))
        .expect("call")
        .value
        .expect("start_close");
    let terms = m.terms(PRICE, MIN_COST, MINUTE, 0x34);
    let (c_expired, _) = m.open(&terms, DEPOSIT);
    m.chain.set_time(T2);
    let mut terms = m.terms(PRICE, MIN_COST, DAY, 0x32);
    terms.challenge_period = HOUR;
    let (c_closing, _) = m.open(&terms, DEPOSIT);
    m.escrow_tx::<()>(&consumer, "start_close", (c_closing, no_state))
        .expect("call")
        .value
        .expect("start_close");

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
            masks,
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

type ArgsFn = Box<dyn Fn(&Cast, K) -> Vec<u8>>;
type WantFn = Box<dyn Fn(&Cast, K) -> Option<Vec<u8>>>;

/// One message with one set of arguments, and who may call it.
struct Row {
    ctr: Ctr,
    /// The message's name as its selector derives it.
    message: &'static str,
    label: String,
    who_may: &'static str,
    /// Transferred with every call.
    value: Balance,
    /// The call data for a caller.
    data: ArgsFn,
    /// The encoded `Err` a caller gets; `None`: the caller may.
    want: WantFn,
    /// Decodes a return value for the matrix.
    show: fn(&[u8]) -> String,
}

/// A row of `message` (returning `Result<T, E>`) on `ctr`; `want` says what each caller gets.
fn row<T, E, A>(
    ctr: Ctr,
    message: &'static str,
    note: &str,
    who_may: &'static str,
    value: Balance,
    args: impl Fn(&Cast, K) -> A + 'static,
    want: impl Fn(&Cast, K) -> Option<E> + 'static,
) -> Row
where
    T: Decode + Debug + 'static,
    E: Encode + Decode + Debug + 'static,
    A: Encode,
{
    Row {
        ctr,
        message,
        label: format!("{}.{message}{note}", ctr.tag()),
        who_may,
        value,
        data: Box::new(move |c, k| call_data(message, args(c, k))),
        want: Box::new(move |c, k| want(c, k).map(|e| Err::<(), E>(e).encode())),
        show: show::<T, E>,
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

fn show<T: Decode + Debug, E: Decode + Debug>(raw: &[u8]) -> String {
    match <Result<T, E>>::decode(&mut &raw[..]) {
        Ok(Ok(_)) => "ok".into(),
        Ok(Err(e)) => {
            let debug = format!("{e:?}");
            debug
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or(&debug)
                .to_string()
        }
        Err(e) => format!("undecodable ({e}): {raw:?}"),
    }
}

fn rows(w: &mut World) -> Vec<Row> {
    let m = &mut w.m;
    let (dids, vcs, escrow, masks) = (
        ink_account(&m.dids),
        ink_account(&m.vcs),
        m.escrow.clone(),
        ink_account(&m.masks),
    );
    let (provider_did, consumer_did) = (m.provider_did, m.consumer_did);
    let (issuer_did, ctrl_did, r0_did) = (w.issuer_did, w.ctrl_did, w.r0_did);
    let [c_open, c_closing, c_over, c_expired] = w.channels;
    let [a_cancel, a_commit, a_reveal, a_final] = w.auctions;
    let mut rows = Vec::new();

    // --- did_registry -----------------------------------------------------------------
    rows.push(row::<DidId, DidErr, _>(
        Ctr::Dids,
        "create_did",
        "",
        "anyone without an active DID",
        0,
        |_, _| DidCreation::default(),
        |c, k| c.active_did(k).map(DidErr::AccountHasDid),
    ));
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
    rows.push(row::<DidId, DidErr, _>(
        Ctr::Dids,
        "create_did_for",
        "",
        "anyone relaying the account key's signature",
        0,
        move |_, _| (newcomer_key, DidCreation::default(), signature),
        anyone(),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "update",
        "(issuer DID)",
        "its account, its controllers' accounts",
        0,
        move |_, _| (issuer_did, DidOperation::AddService(service("direct"))),
        only(&[Issr, Ctrl], DidErr::NotController(issuer_did)),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "update",
        "(provider DID)",
        "its account, its controllers' accounts",
        0,
        move |_, _| (provider_did, DidOperation::AddService(service("direct"))),
        only(&[Prov, Ctrl], DidErr::NotController(provider_did)),
    ));
    let registry = m.dids.clone();
    let doc =
        read::<Option<MaskedView<DidDocument>>>(m, &registry, call_data("resolve", issuer_did))
            .expect("the issuer DID resolves");
    let nonce = doc.record.nonce;
    let op = DidOperation::AddService(service("relayed"));
    let signature = sign(
        &w.issuer_key,
        &did_op_preimage(&dids, &issuer_did, nonce, &issuer_did, "k1", &op),
    );
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "execute_signed",
        "",
        "anyone relaying a capabilityInvocation signature",
        0,
        move |_, _| {
            (
                issuer_did,
                nonce,
                op.clone(),
                issuer_did,
                String::from("k1"),
                DidSignature::Sr25519(signature),
            )
        },
        anyone(),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "set_mask_registry",
        "",
        "root",
        0,
        move |_, _| Some(masks),
        only(&[Root], DidErr::NotRoot),
    ));
    let newcomer_account = ink::primitives::AccountId::from([0xA8; 32]);
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "add_authority",
        "",
        "root",
        0,
        move |_, _| newcomer_account,
        only(&[Root], DidErr::NotRoot),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "remove_authority",
        "(auth)",
        "root",
        0,
        |c, _| c.ink(Auth),
        only(&[Root], DidErr::NotRoot),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "transfer_root",
        "",
        "root",
        0,
        |c, _| Some(c.ink(Strg)),
        only(&[Root], DidErr::NotRoot),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "accept_root",
        "",
        "the proposed root (auth)",
        0,
        |_, _| (),
        only(&[Auth], DidErr::NotPendingRoot),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "grant_role",
        "(Provider)",
        "authorities",
        0,
        move |_, _| (ctrl_did, Role::Provider, T2 + DAY, [0u8; 32]),
        only(&[Root, Auth], DidErr::NotAuthority),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "grant_role",
        "(Regulator)",
        "root",
        0,
        move |_, _| (ctrl_did, Role::Regulator, T2 + DAY, [0u8; 32]),
        |_, k| match k {
            Root => None,
            Auth => Some(DidErr::NotRoot),
            _ => Some(DidErr::NotAuthority),
        },
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "revoke_role",
        "(Provider)",
        "authorities",
        0,
        move |_, _| (provider_did, Role::Provider),
        only(&[Root, Auth], DidErr::NotAuthority),
    ));
    rows.push(row::<(), DidErr, _>(
        Ctr::Dids,
        "revoke_role",
        "(Regulator)",
        "root",
        0,
        move |_, _| (r0_did, Role::Regulator),
        |_, k| match k {
            Root => None,
            Auth => Some(DidErr::NotRoot),
            _ => Some(DidErr::NotAuthority),
        },
    ));

    // --- vc_templates -----------------------------------------------------------------
    let none = None::<CptId>;
    rows.push(row::<CptId, VcErr, _>(
        Ctr::Vcs,
        "register_cpt",
        "(System)",
        "authorities",
        0,
        move |_, _| (Publisher::System, template("rm: system 2"), none, none),
        only(&[Root, Auth], VcErr::NotAuthority),
    ));
    rows.push(row::<CptId, VcErr, _>(
        Ctr::Vcs,
        "register_cpt",
        "(Authority(caller))",
        "authorities, for themselves",
        0,
        move |c, k| {
            let publisher = Publisher::Authority(c.ink(k));
            (publisher, template("rm: authority"), none, none)
        },
        only(&[Root, Auth], VcErr::NotAuthority),
    ));
    rows.push(row::<CptId, VcErr, _>(
        Ctr::Vcs,
        "register_cpt",
        "(Authority(root))",
        "root itself",
        0,
        move |c, _| {
            let publisher = Publisher::Authority(c.ink(Root));
            (publisher, template("rm: root"), none, none)
        },
        only(&[Root], VcErr::NotAuthority),
    ));
    rows.push(row::<CptId, VcErr, _>(
        Ctr::Vcs,
        "register_cpt",
        "(Issuer(issuer DID))",
        "who acts for the issuer DID",
        0,
        move |_, _| {
            let publisher = Publisher::Issuer(issuer_did);
            (publisher, template("rm: issuer 2"), none, none)
        },
        only(&[Issr, Ctrl], VcErr::NotController(issuer_did)),
    ));
    rows.push(row::<CptId, VcErr, _>(
        Ctr::Vcs,
        "register_cpt",
        "(Issuer(own DID))",
        "Issuer role holders",
        0,
        move |c, k| {
            let publisher = Publisher::Issuer(c.own_did(k));
            (publisher, template("rm: own"), none, none)
        },
        |c, k| match k {
            Issr => None,
            Deac | Strg | Ctrt => Some(VcErr::NotController(c.own_did(k))),
            _ => Some(VcErr::NotIssuer(c.own_did(k))),
        },
    ));
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "deprecate_cpt",
        "(root's template)",
        "its publisher (root)",
        0,
        |_, _| ENERGY_CPT,
        only(&[Root], VcErr::NotAuthority),
    ));
    let sys_cpt = w.sys_cpt;
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "deprecate_cpt",
        "(system template)",
        "authorities",
        0,
        move |_, _| sys_cpt,
        only(&[Root, Auth], VcErr::NotAuthority),
    ));
    let issuer_cpt = w.issuer_cpt;
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "deprecate_cpt",
        "(issuer's template)",
        "who acts for the issuer DID",
        0,
        move |_, _| issuer_cpt,
        only(&[Issr, Ctrl], VcErr::NotController(issuer_did)),
    ));
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "deprecate_cpt",
        "(trade-start)",
        "nobody (protocol template)",
        0,
        |_, _| TRADE_START_CPT,
        nobody(VcErr::ProtocolTemplate(TRADE_START_CPT)),
    ));
    let no_proof = None::<(String, DidSignature)>;
    let for_issuer = request(issuer_did, consumer_did, [0xC1; 32]);
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "issue",
        "(issuer DID, no proof)",
        "who acts for the issuer DID",
        0,
        move |_, _| (for_issuer.clone(), no_proof.clone()),
        only(&[Issr, Ctrl], VcErr::NotController(issuer_did)),
    ));
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "issue",
        "(own DID, no proof)",
        "Issuer role holders; authorities for their DID",
        0,
        move |c, k| {
            (
                request(c.own_did(k), consumer_did, [0xC3; 32]),
                None::<(String, DidSignature)>,
            )
        },
        |c, k| match k {
            Root | Auth | Issr => None,
            Deac | Strg | Ctrt => Some(VcErr::DidInactive(c.own_did(k))),
            _ => Some(VcErr::NotIssuer(c.own_did(k))),
        },
    ));
    let signed = request(issuer_did, consumer_did, [0xC2; 32]);
    let signature = sign(&w.issuer_key, &anchor_preimage(&vcs, &signed));
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "issue",
        "(issuer DID, signed)",
        "anyone relaying an assertionMethod signature",
        0,
        move |_, _| {
            let proof = Some((String::from("k1"), DidSignature::Sr25519(signature)));
            (signed.clone(), proof)
        },
        anyone(),
    ));
    let (active, suspended) = (w.cred_active, w.cred_suspended);
    for (message, id) in [
        ("suspend", active),
        ("unsuspend", suspended),
        ("revoke", active),
    ] {
        rows.push(row::<(), VcErr, _>(
            Ctr::Vcs,
            message,
            "",
            "who acts for the issuer DID; authorities",
            0,
            move |_, _| id,
            only(&[Root, Auth, Issr, Ctrl], VcErr::NotPermitted),
        ));
    }
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "set_system_issuer",
        "",
        "root",
        0,
        move |_, _| (masks, true),
        only(&[Root], VcErr::NotRoot),
    ));
    rows.push(row::<(), VcErr, _>(
        Ctr::Vcs,
        "set_mask_registry",
        "",
        "root",
        0,
        move |_, _| Some(masks),
        only(&[Root], VcErr::NotRoot),
    ));
    rows.push(row::<(), AnchorError, _>(
        Ctr::Vcs,
        "CredentialRegistry::anchor_system",
        "",
        "system issuers (the escrow)",
        0,
        move |_, _| {
            let id = [0xD1u8; 32];
            (id, TRADE_START_CPT, consumer_did, [0xD2u8; 32], None::<u64>)
        },
        nobody(AnchorError::NotSystemIssuer),
    ));

    // --- trade_escrow -----------------------------------------------------------------
    let offer = m.terms(PRICE, MIN_COST, DAY, 0x41);
    let offer_signature = m.offer_for(&escrow, &offer);
    rows.push(row::<ChannelId, EscrowErr, _>(
        Ctr::Escrow,
        "open",
        "(consumer's offer)",
        "the offer's consumer",
        DEPOSIT,
        move |_, _| (offer.clone(), offer_signature),
        only(&[Cons], EscrowErr::NotConsumer),
    ));
    let base = m.terms(PRICE, MIN_COST, DAY, 0x42);
    let deployment: [u8; 32] = m.escrow_query("deployment", ());
    let provider_key = m.provider_account_key.clone();
    let escrow_ink = ink_account(&escrow);
    rows.push(row::<ChannelId, EscrowErr, _>(
        Ctr::Escrow,
        "open",
        "(offer to the caller)",
        "Consumer role holders",
        DEPOSIT,
        move |c, k| {
            let terms = TradeTerms {
                consumer: c.ink(k),
                ..base.clone()
            };
            let preimage = offer_preimage(&escrow_ink, &deployment, &terms);
            (terms, sign(&provider_key, &preimage))
        },
        |c, k| match k {
            Cons => None,
            Prov => Some(EscrowErr::SameAccount),
            _ => Some(EscrowErr::MissingRole {
                account: c.ink(k),
                role: Role::Consumer,
            }),
        },
    ));
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "top_up",
        "",
        "the channel's consumer",
        TOP_UP,
        move |_, _| (c_open, None::<u64>),
        only(&[Cons], EscrowErr::NotConsumer),
    ));
    let state = m.state(&c_open, 1, 10 * PRICE);
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "checkpoint",
        "",
        "the channel's provider",
        0,
        move |_, _| (c_open, 1u64, 10 * PRICE, state),
        only(&[Prov], EscrowErr::NotProvider),
    ));
    let (a, b) = m.close_sigs(&c_open, 1, MIN_COST);
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "close_cooperative",
        "",
        "the channel's parties",
        0,
        move |_, _| (c_open, 1u64, MIN_COST, a, b),
        only(&[Cons, Prov], EscrowErr::NotParty),
    ));
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "start_close",
        "",
        "the channel's parties",
        0,
        move |_, _| (c_open, None::<(u64, Balance, [u8; 64])>),
        only(&[Cons, Prov], EscrowErr::NotParty),
    ));
    let state = m.state(&c_closing, 1, 10 * PRICE);
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "challenge",
        "",
        "the channel's parties",
        0,
        move |_, _| (c_closing, 1u64, 10 * PRICE, state),
        only(&[Cons, Prov], EscrowErr::NotParty),
    ));
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "finalize",
        "",
        "anyone, once the window is over",
        0,
        move |_, _| c_over,
        anyone(),
    ));
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "claim_timeout",
        "",
        "anyone, once the channel expired",
        0,
        move |_, _| c_expired,
        anyone(),
    ));
    rows.push(row::<Balance, EscrowErr, _>(
        Ctr::Escrow,
        "withdraw_unclaimed",
        "",
        "anyone, for its own deferred payouts (none)",
        0,
        |_, _| (),
        nobody(EscrowErr::NothingToWithdraw),
    ));
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "set_broker",
        "(a contract)",
        "root",
        0,
        move |_, _| (masks, true),
        only(&[Root], EscrowErr::NotRoot),
    ));
    rows.push(row::<(), EscrowErr, _>(
        Ctr::Escrow,
        "set_mask_registry",
        "",
        "root",
        0,
        move |_, _| Some(masks),
        only(&[Root], EscrowErr::NotRoot),
    ));
    let brokered = m.terms(PRICE, MIN_COST, DAY, 0x43);
    rows.push(row::<ChannelId, OpenRefusal, _>(
        Ctr::Escrow,
        "BrokeredEscrow::open_brokered",
        "",
        "designated brokers (the auction)",
        DEPOSIT,
        move |_, _| (brokered.clone(), (consumer_did, provider_did)),
        nobody(OpenRefusal::NotBroker),
    ));

    // --- incentive_auction ------------------------------------------------------------
    let model = m.model();
    rows.push(row::<u32, AuctionErr, _>(
        Ctr::Auction,
        "set_model",
        "",
        "root (the model names attestors and the treasury)",
        0,
        move |_, _| model.clone(),
        only(&[Root], AuctionErr::NotRoot),
    ));
    let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, DAY, DAY);
    rows.push(row::<u64, AuctionErr, _>(
        Ctr::Auction,
        "create_auction",
        "",
        "Consumer role holders",
        AUCTION_DEPOSIT,
        move |_, _| request.clone(),
        |c, k| {
            (k != Cons).then(|| AuctionErr::MissingRole {
                account: c.ink(k),
                role: Role::Consumer,
            })
        },
    ));
    rows.push(row::<(), AuctionErr, _>(
        Ctr::Auction,
        "cancel",
        "",
        "the auction's consumer",
        0,
        move |_, _| a_cancel,
        only(&[Cons], AuctionErr::NotConsumer),
    ));
    rows.push(row::<u32, AuctionErr, _>(
        Ctr::Auction,
        "commit",
        "",
        "Provider role holders but the consumer",
        BID_BOND,
        move |_, _| (a_commit, [0x5Eu8; 32]),
        |c, k| match k {
            Prov => None,
            Cons => Some(AuctionErr::OwnAuction),
            _ => Some(AuctionErr::MissingRole {
                account: c.ink(k),
                role: Role::Provider,
            }),
        },
    ));
    let bid = sealed_bid(m);
    rows.push(row::<RevealOutcome, AuctionErr, _>(
        Ctr::Auction,
        "reveal",
        "",
        "who committed",
        0,
        move |_, _| {
            let proofs: [Option<ClaimProof>; ATTRIBUTES] = Default::default();
            (a_reveal, bid.clone(), BID_SALT, proofs)
        },
        only(&[Prov], AuctionErr::NoCommitment),
    ));
    rows.push(row::<Option<ChannelId>, AuctionErr, _>(
        Ctr::Auction,
        "finalize",
        "",
        "anyone, after the reveal deadline",
        0,
        move |_, _| a_final,
        anyone(),
    ));
    rows.push(row::<Balance, AuctionErr, _>(
        Ctr::Auction,
        "withdraw",
        "",
        "anyone, for its own deferred payouts (none)",
        0,
        |_, _| (),
        nobody(AuctionErr::NothingToWithdraw),
    ));

    // --- mask_registry ----------------------------------------------------------------
    let committee = w.committee.clone();
    rows.push(row::<(), MaskErr, _>(
        Ctr::Masks,
        "set_committee",
        "",
        "root",
        0,
        move |_, _| (committee.clone(), 2u8, DAY),
        only(&[Root], MaskErr::NotRoot),
    ));
    rows.push(row::<(), MaskErr, _>(
        Ctr::Masks,
        "mask",
        "",
        "Regulator role holders",
        0,
        move |_, _| {
            let target = Target::Did(consumer_did);
            (target, Scope::Whole, false, 1u16, [3u8; 32], [4u8; 32])
        },
        only(&[Regl], MaskErr::NotRegulator),
    ));
    let record = w.masked_record.clone();
    rows.push(row::<bool, MaskErr, _>(
        Ctr::Masks,
        "approve_unmask",
        "",
        "committee members holding the Regulator role",
        0,
        move |_, _| record.clone(),
        |_, k| match k {
            Regl => None,
            Expd | Deac => Some(MaskErr::NotRegulator),
            _ => Some(MaskErr::NotCommitteeMember),
        },
    ));
    rows
}

// -----------------------------------------------------------------------------------------
// Running a row
// -----------------------------------------------------------------------------------------

/// Everything the contract's read messages say about the world, undecoded.
fn digest(w: &mut World, ctr: Ctr) -> Vec<Vec<u8>> {
    let contract = w.address(ctr);
    let mut accounts: Vec<_> = KINDS.iter().map(|k| w.cast.ink(*k)).collect();
    for extra in [&w.m.escrow, &w.m.auction, &w.m.vcs] {
        accounts.push(ink_account(extra));
    }
    let mut reads: Vec<(&str, Vec<u8>)> = Vec::new();
    let plain = |names: &[&'static str], reads: &mut Vec<(&str, Vec<u8>)>| {
        for name in names {
            reads.push((*name, Vec::new()));
        }
    };
    match ctr {
        Ctr::Dids => {
            let names = [
                "root",
                "pending_root",
                "authority_count",
                "did_count",
                "mask_registry",
            ];
            plain(&names, &mut reads);
            for a in &accounts {
                reads.push(("generation_of", a.encode()));
                reads.push(("DidRegistry::did_of", a.encode()));
                reads.push(("DidRegistry::is_authority", a.encode()));
            }
            for did in &w.watched_dids {
                reads.push(("resolve", did.encode()));
                for role in Role::ALL {
                    reads.push(("role_grant", (did, role).encode()));
                }
            }
        }
        Ctr::Vcs => {
            plain(
                &["cpt_count", "credential_count", "mask_registry"],
                &mut reads,
            );
            for a in &accounts {
                reads.push(("is_system_issuer", a.encode()));
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
                reads.push(("cpt", id.encode()));
            }
            for id in [w.cred_active, w.cred_suspended, [0xD1; 32]] {
                reads.push(("CredentialRegistry::anchor_of", id.encode()));
            }
        }
        Ctr::Escrow => {
            plain(
                &["channel_count", "total_owed", "mask_registry"],
                &mut reads,
            );
            for a in &accounts {
                reads.push(("is_broker", a.encode()));
                reads.push(("unclaimed_of", a.encode()));
            }
            for id in w.channels {
                reads.push(("channel", id.encode()));
            }
        }
        Ctr::Auction => {
            plain(
                &["model_version", "auction_count", "total_held"],
                &mut reads,
            );
            for version in 1u32..=2 {
                reads.push(("model", version.encode()));
            }
            for id in 0u64..8 {
                reads.push(("auction", id.encode()));
            }
            for a in &accounts {
                reads.push(("unclaimed_of", a.encode()));
                for id in w.auctions {
                    reads.push(("commitment", (id, a).encode()));
                }
            }
        }
        Ctr::Masks => {
            plain(&["committee", "counts"], &mut reads);
            let consumer = Target::Did(w.m.consumer_did);
            for target in [&w.masked_record, &consumer] {
                reads.push(("MaskRegistry::mask_of", target.encode()));
            }
        }
    }
    let root = w.m.root.clone();
    reads
        .into_iter()
        .map(|(message, args)| {
            let data = [selector(message).to_vec(), args].concat();
            w.m.chain
                .query::<Raw>(&contract, &root, data)
                .unwrap_or_else(|e| panic!("{message}: {e}"))
                .value
                .0
        })
        .collect()
}

/// Calls `row` from every caller; returns each caller's outcome for the matrix.
fn run(w: &mut World, row: &Row) -> Vec<(K, String)> {
    let contract = w.address(row.ctr);
    let before = digest(w, row.ctr);
    let mut cells = Vec::new();
    let mut allowed = Vec::new();
    for k in KINDS {
        let data = (row.data)(&w.cast, k);
        let Some(expected) = (row.want)(&w.cast, k) else {
            allowed.push((k, data));
            continue;
        };
        let origin = w.cast.acct(k);
        let ctx = format!("{} by {}", row.label, k.tag());
        let balances = |m: &mut Market| (m.chain.balance(&origin), m.chain.balance(&contract));
        let was = balances(&mut w.m);
        let out =
            w.m.chain
                .call_payable::<Raw>(&contract, &origin, data, row.value)
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let got = (row.show)(&out.value.0);
        assert_eq!(
            out.value.0,
            expected,
            "{ctx}: expected refused:{}, got {got}",
            (row.show)(&expected)
        );
        assert!(out.reverted, "{ctx}: a refused call reverts");
        assert_eq!(out.storage_deposit, 0, "{ctx}: no storage deposit");
        assert_eq!(
            balances(&mut w.m),
            was,
            "{ctx}: balances unchanged (the {} transferred came back)",
            row.value
        );
        cells.push((k, got));
    }
    assert!(
        before == digest(w, row.ctr),
        "{}: the refused calls changed the contract's state",
        row.label
    );
    // The positive controls: a dry run, or (payable) the real call once the refusals are done.
    for (k, data) in allowed {
        let origin = w.cast.acct(k);
        let out = if row.value == 0 {
            w.m.chain.query::<Raw>(&contract, &origin, data)
        } else {
            w.m.chain
                .call_payable::<Raw>(&contract, &origin, data, row.value)
        }
        .unwrap_or_else(|e| panic!("{} by {}: {e}", row.label, k.tag()));
        assert!(
            !out.reverted && out.value.0.first() == Some(&0),
            "{} by {}: may call, but got {}",
            row.label,
            k.tag(),
            (row.show)(&out.value.0)
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
            if params.starts_with("&mut self") {
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
    let mut m = Market::deploy(T0).expect("the suite deploys");
    let (root, vcs, escrow, auction, masks) = (
        m.root.clone(),
        m.vcs.clone(),
        m.escrow.clone(),
        m.auction.clone(),
        m.masks.clone(),
    );
    for contract in [&escrow, &auction, &masks] {
        m.chain.fund(contract, Chain::TOKENS);
    }
    let parties = (m.consumer_did, m.provider_did);
    let brokered = |m: &mut Market, origin: &AccountId32, nonce: u8| {
        let terms = m.terms(PRICE, MIN_COST, DAY, nonce);
        let escrow = m.escrow.clone();
        m.chain
            .call_payable::<Result<ChannelId, OpenRefusal>>(
                &escrow,
                origin,
                call_data("BrokeredEscrow::open_brokered", (terms, parties)),
                DEPOSIT,
            )
            .expect("call")
    };
    let opened = brokered(&mut m, &auction, 1);
    let channel = opened.value.expect("the broker's account opens a channel");
    assert_eq!(m.channel(&channel).expect("opened").deposit, DEPOSIT);
    let refused_open = |m: &mut Market, origin: &AccountId32, nonce: u8| {
        let before = (m.chain.balance(origin), m.escrow_held());
        let out = brokered(m, origin, nonce);
        assert_eq!(out.value, Err(OpenRefusal::NotBroker));
        assert!(out.reverted);
        assert_eq!(out.storage_deposit, 0);
        assert_eq!((m.chain.balance(origin), m.escrow_held()), before);
    };
    refused_open(&mut m, &masks, 2);
    // Root undesignates the auction: its account is refused from then on.
    tx::<(), EscrowErr>(
        &mut m,
        &escrow,
        &root,
        call_data("set_broker", (ink_account(&auction), false)),
        0,
    );
    refused_open(&mut m, &auction, 3);

    let consumer_did = m.consumer_did;
    let anchor = |m: &mut Market, origin: &AccountId32, tag: u8| {
        m.chain
            .call::<Result<(), AnchorError>>(
                &vcs,
                origin,
                call_data(
                    "CredentialRegistry::anchor_system",
                    (
                        [tag; 32],
                        SETTLEMENT_CPT,
                        consumer_did,
                        [tag; 32],
                        None::<u64>,
                    ),
                ),
            )
            .expect("call")
    };
    assert_eq!(anchor(&mut m, &escrow, 0xE1).value, Ok(()));
    for (origin, tag) in [(&auction, 0xE2), (&masks, 0xE3), (&root, 0xE4)] {
        let out = anchor(&mut m, origin, tag);
        assert_eq!(out.value, Err(AnchorError::NotSystemIssuer));
        assert!(out.reverted);
        assert_eq!(out.storage_deposit, 0);
    }
}

/// Every root-only message of the four contracts that ask `DidRegistry::is_root` follows a
/// root transfer: the old root is refused with `NotRoot` (and, no longer an authority, with
/// `NotAuthority` where an authority would do), the new root may.
#[test]
fn a_root_transfer_moves_every_root_only_message() {
    let mut m = Market::deploy(T0).expect("the suite deploys");
    let (old, dids, vcs, escrow, auction, masks) = (
        m.root.clone(),
        m.dids.clone(),
        m.vcs.clone(),
        m.escrow.clone(),
        m.auction.clone(),
        m.masks.clone(),
    );
    let heir = funded(&mut m, 0xA9);
    tx::<(), DidErr>(
        &mut m,
        &dids,
        &old,
        call_data("transfer_root", Some(ink_account(&heir))),
        0,
    );
    tx::<(), DidErr>(&mut m, &dids, &heir, call_data("accept_root", ()), 0);
    let regulators: Vec<_> = m.regulators.iter().map(ink_account).collect();
    let consumer_did = m.consumer_did;
    let model = m.model();
    let calls: Vec<(&AccountId32, Vec<u8>, Vec<u8>)> = vec![
        (
            &dids,
            call_data("set_mask_registry", Some(ink_account(&masks))),
            Err::<(), _>(DidErr::NotRoot).encode(),
        ),
        (
            &dids,
            call_data(
                "grant_role",
                (consumer_did, Role::Provider, T0 + DAY, [0u8; 32]),
            ),
            Err::<(), _>(DidErr::NotAuthority).encode(),
        ),
        (
            &vcs,
            call_data("set_system_issuer", (ink_account(&masks), true)),
            Err::<(), _>(VcErr::NotRoot).encode(),
        ),
        (
            &vcs,
            call_data("set_mask_registry", Some(ink_account(&masks))),
            Err::<(), _>(VcErr::NotRoot).encode(),
        ),
        (
            &escrow,
            call_data("set_broker", (ink_account(&masks), true)),
            Err::<(), _>(EscrowErr::NotRoot).encode(),
        ),
        (
            &escrow,
            call_data("set_mask_registry", Some(ink_account(&masks))),
            Err::<(), _>(EscrowErr::NotRoot).encode(),
        ),
        (
            &auction,
            call_data("set_model", model),
            Err::<(), _>(AuctionErr::NotRoot).encode(),
        ),
        (
            &masks,
            call_data("set_committee", (regulators, 2u8, DAY)),
            Err::<(), _>(MaskErr::NotRoot).encode(),
        ),
    ];
    for (contract, data, refusal) in calls {
        let out = m
            .chain
            .call::<Raw>(contract, &old, data.clone())
            .expect("call");
        assert_eq!(out.value.0, refusal, "the old root is refused");
        assert!(out.reverted);
        assert_eq!(out.storage_deposit, 0);
        let out = m.chain.query::<Raw>(contract, &heir, data).expect("query");
        assert_eq!(out.value.0.first(), Some(&0), "the new root may");
        assert!(!out.reverted);
    }
}

/// The edges of the expired and the deactivated kinds: a renewed role counts again; a DID
/// created after a deactivation starts without roles; a controller's power ends with its own
/// DID.
#[test]
fn renewal_restores_a_role_and_deactivation_ends_roles_and_control() {
    let mut m = Market::deploy(T0).expect("the suite deploys");
    let (dids, consumer, consumer_did) = (m.dids.clone(), m.consumer.clone(), m.consumer_did);
    let create = |m: &mut Market| {
        let request = m.auction_request(MAX_PRICE, MINUTES, MIN_COST, DAY, DAY);
        m.auction_tx::<u64>(&consumer, "create_auction", request, AUCTION_DEPOSIT)
            .expect("call")
    };
    m.grant(consumer_did, Role::Consumer, T0 + HOUR)
        .expect("short grant");
    m.chain.set_time(T0 + HOUR);
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
    tx::<(), DidErr>(
        &mut m,
        &dids,
        &who,
        call_data("update", (first, DidOperation::Deactivate)),
        0,
    );
    let second = m.create_did(&who).expect("a new DID after deactivation");
    assert_ne!(second, first);
    let holds: bool = read(
        &mut m,
        &dids,
        call_data(
            "DidRegistry::has_role",
            (Subject::Account(ink_account(&who)), Role::Provider),
        ),
    );
    assert!(!holds);
    let out = m
        .auction_tx::<u32>(&who, "commit", (auction, [1u8; 32]), BID_BOND)
        .expect("call");
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
    let ward_did = tx::<DidId, DidErr>(
        &mut m,
        &dids,
        &ward,
        call_data(
            "create_did",
            DidCreation {
                controllers: vec![ctrl_did],
                ..Default::default()
            },
        ),
        0,
    );
    let add = |id: &str| call_data("update", (ward_did, DidOperation::AddService(service(id))));
    tx::<(), DidErr>(&mut m, &dids, &ctrl, add("by-controller"), 0);
    tx::<(), DidErr>(
        &mut m,
        &dids,
        &ctrl,
        call_data("update", (ctrl_did, DidOperation::Deactivate)),
        0,
    );
    let out = m
        .chain
        .call::<Result<(), DidErr>>(&dids, &ctrl, add("after"))
        .expect("call");
    assert_eq!(out.value, Err(DidErr::NotController(ward_did)));
    assert!(out.reverted);
    assert_eq!(out.storage_deposit, 0);
}
