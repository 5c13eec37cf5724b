//! Unit tests on ink!'s off-chain environment with the shared double of the DID registry
//! (`cgrid_shared::testing::did`): every message, every failure path, and for every failure
//! that nothing observable changed.

use crate::*;
use cgrid_shared::testing::{self, did::signature_for};
use cgrid_shared::{
    anchor_hash, blake2, settlement_template, trade_start_template, AnchorError, AnchorRequest,
    CptId, CptProperty, CptTemplate, CredentialId, CredentialRegistry as _, CredentialStatus,
    DidId, DidSignature, Issuer, IssuerProof, PropertyType, Publisher, Role, AUTHORITY_CPT_IDS,
    ISSUER_CPT_IDS, SETTLEMENT_CPT, TRADE_START_CPT,
};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;

const AUTH: [u8; 32] = [0xA1; 32];
const PROVIDER: [u8; 32] = [0xB2; 32];
const STRANGER: [u8; 32] = [0xC3; 32];
const ESCROW: [u8; 32] = [0xE5; 32];
const PROVIDER_DID: DidId = [0x11; 32];
const AUTH_DID: DidId = [0x22; 32];
const CONSUMER_DID: DidId = [0x33; 32];
/// The trade a system credential in these tests records.
const TRADE: [u8; 32] = [0x7D; 32];

fn acc(bytes: [u8; 32]) -> AccountId {
    AccountId::from(bytes)
}

fn as_caller(bytes: [u8; 32]) {
    test::set_caller::<Env>(acc(bytes));
}

fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}

/// A registry plus a world: an authority (with its own DID), a provider DID with the Issuer
/// role controlled by PROVIDER, and a consumer DID.
fn setup() -> VcTemplates {
    testing::did::with(|w| {
        w.authorities.insert(acc(AUTH));
        w.root = Some(acc(AUTH));
        for did in [PROVIDER_DID, AUTH_DID, CONSUMER_DID] {
            w.active.insert(did);
        }
        w.controls.insert((PROVIDER_DID, acc(PROVIDER)));
        w.controls.insert((AUTH_DID, acc(AUTH)));
        w.roles.insert((PROVIDER_DID, Role::Issuer));
        w.assertion_keys.insert((PROVIDER_DID, "assert".into()));
    });
    testing::trade::with(|t| *t = Default::default());
    set_now(1_000);
    as_caller(AUTH);
    VcTemplates::new(acc([0xD0; 32]))
}

/// The authority template `setup_issuing` registers, whose credentials issuers issue (the
/// system templates are the system issuers' alone).
const ISSUED_CPT: CptId = AUTHORITY_CPT_IDS.start + 7;

/// `setup`, plus `ISSUED_CPT` registered by the authority; the caller is the authority.
fn setup_issuing() -> VcTemplates {
    let mut c = setup();
    let id = c
        .register_cpt(
            Publisher::Authority(acc(AUTH)),
            template("attestation"),
            Some(ISSUED_CPT),
            None,
        )
        .unwrap();
    assert_eq!(id, ISSUED_CPT);
    c
}

fn template(title: &str) -> CptTemplate {
    CptTemplate {
        title: title.into(),
        description: "a test template".into(),
        properties: vec![CptProperty {
            name: "greenShare".into(),
            property_type: PropertyType::Decimal { scale: 2 },
            description: "share of renewable energy".into(),
            required: true,
            allowed: vec![],
        }],
    }
}

/// The `n`-th request of the provider's issuer DID for the consumer (claims root `[n; 32]`),
/// with the id it commits to.
fn request(n: u8, cpt_id: CptId) -> AnchorRequest {
    with_id(AnchorRequest {
        id: [0; 32],
        cpt_id,
        issuer: PROVIDER_DID,
        subject: CONSUMER_DID,
        claims_root: [n; 32],
        expires_at: Some(10_000),
        ciphertext_hash: None,
        policy_id: None,
    })
}

/// `r` with the id its issuer, subject, template and claims root commit to.
fn with_id(mut r: AnchorRequest) -> AnchorRequest {
    r.id = r.id_hash();
    r
}

/// The id of `request(n, ISSUED_CPT)`.
fn id(n: u8) -> CredentialId {
    request(n, ISSUED_CPT).id
}

fn event_count() -> usize {
    test::recorded_events().count()
}

fn snapshot(c: &VcTemplates, cpts: &[CptId], creds: &[CredentialId]) -> String {
    let cpts: Vec<_> = cpts.iter().map(|id| c.cpt(*id)).collect();
    let creds: Vec<_> = creds.iter().map(|id| c.verify(*id)).collect();
    format!(
        "{cpts:?} {creds:?} {:?} {:?} {} {} {} events={}",
        c.mask_registry(),
        c.trade_escrow(),
        c.cpt_count(),
        c.credential_count(),
        c.is_system_issuer(acc(ESCROW)),
        event_count()
    )
}

fn fails_cleanly<T: core::fmt::Debug>(
    c: &mut VcTemplates,
    cpts: &[CptId],
    creds: &[CredentialId],
    expected: Error,
    f: impl FnOnce(&mut VcTemplates) -> vc_templates::Result<T>,
) {
    let before = snapshot(c, cpts, creds);
    assert_eq!(f(c).unwrap_err(), expected);
    assert_eq!(
        snapshot(c, cpts, creds),
        before,
        "state changed on {expected:?}"
    );
}

// --- templates -----------------------------------------------------------------------------

#[ink::test]
fn the_seed_trade_templates_exist_after_deployment() {
    let c = setup();
    assert_eq!(c.cpt_count(), 2);
    let start = c.cpt(TRADE_START_CPT).unwrap().record;
    assert_eq!(start.publisher, Publisher::System);
    assert_eq!(start.template, trade_start_template());
    let names: Vec<_> = start
        .template
        .properties
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "pdid",
            "cdid",
            "spec",
            "price",
            "minCost",
            "checkinCptId",
            "encryption"
        ]
    );
    let required: Vec<_> = start
        .template
        .properties
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(required, ["pdid", "cdid", "spec", "price", "checkinCptId"]);
    let encryption = start.template.properties.last().unwrap();
    assert_eq!(encryption.allowed, ["plain", "CP-ABE"]);
    let settlement = c.cpt(SETTLEMENT_CPT).unwrap().record;
    assert_eq!(settlement.template, settlement_template());
    assert_eq!(c.cpt_by_hash(settlement.content_hash), Some(SETTLEMENT_CPT));
}

#[ink::test]
fn each_publisher_gets_ids_from_its_range() {
    let mut c = setup();
    as_caller(AUTH);
    let a = c
        .register_cpt(
            Publisher::Authority(acc(AUTH)),
            template("green"),
            None,
            None,
        )
        .unwrap();
    assert_eq!(a, AUTHORITY_CPT_IDS.start);
    let s = c
        .register_cpt(Publisher::System, template("sys"), None, None)
        .unwrap();
    assert_eq!(s, 100);
    let s5 = c
        .register_cpt(Publisher::System, template("sys5"), Some(5), None)
        .unwrap();
    assert_eq!(s5, 5);
    as_caller(PROVIDER);
    let i = c
        .register_cpt(Publisher::Issuer(PROVIDER_DID), template("gpu"), None, None)
        .unwrap();
    assert_eq!(i, ISSUER_CPT_IDS.start);
    assert_eq!(
        c.cpt(i).unwrap().record.publisher,
        Publisher::Issuer(PROVIDER_DID)
    );
    assert_eq!(c.cpt_count(), 6);
    let ids = [a, s, s5, i];
    fails_cleanly(
        &mut c,
        &ids,
        &[],
        Error::IdOutOfRange {
            id: 5,
            min: ISSUER_CPT_IDS.start,
            max: u32::MAX,
        },
        |c| {
            c.register_cpt(
                Publisher::Issuer(PROVIDER_DID),
                template("x"),
                Some(5),
                None,
            )
        },
    );
    as_caller(AUTH);
    fails_cleanly(
        &mut c,
        &ids,
        &[],
        Error::IdOutOfRange {
            id: 1_000,
            min: 0,
            max: 999,
        },
        |c| c.register_cpt(Publisher::System, template("x"), Some(1_000), None),
    );
    fails_cleanly(&mut c, &ids, &[], Error::IdTaken(5), |c| {
        c.register_cpt(Publisher::System, template("x"), Some(5), None)
    });
    // Auto ids skip ids taken explicitly.
    c.register_cpt(Publisher::System, template("s101"), Some(101), None)
        .unwrap();
    let next = c
        .register_cpt(Publisher::System, template("s102"), None, None)
        .unwrap();
    assert_eq!(next, 102);
}

#[ink::test]
fn only_entitled_callers_publish() {
    let mut c = setup();
    as_caller(STRANGER);
    fails_cleanly(&mut c, &[], &[], Error::NotAuthority, |c| {
        c.register_cpt(Publisher::System, template("x"), None, None)
    });
    fails_cleanly(&mut c, &[], &[], Error::NotAuthority, |c| {
        c.register_cpt(
            Publisher::Authority(acc(STRANGER)),
            template("x"),
            None,
            None,
        )
    });
    fails_cleanly(&mut c, &[], &[], Error::NotController(PROVIDER_DID), |c| {
        c.register_cpt(Publisher::Issuer(PROVIDER_DID), template("x"), None, None)
    });
    as_caller(AUTH);
    // An authority cannot publish in another authority's name.
    fails_cleanly(&mut c, &[], &[], Error::NotAuthority, |c| {
        c.register_cpt(
            Publisher::Authority(acc(STRANGER)),
            template("x"),
            None,
            None,
        )
    });
    // A DID without the Issuer role.
    fails_cleanly(&mut c, &[], &[], Error::NotIssuer(AUTH_DID), |c| {
        c.register_cpt(Publisher::Issuer(AUTH_DID), template("x"), None, None)
    });
}

/// The constructor stores the seed templates without `register_cpt`'s checks: they must pass
/// them. The duplicate check comes after every other one, so a seed template that an authority's
/// `register_cpt` refuses as a duplicate of itself passed all the others.
#[ink::test]
fn the_seed_templates_pass_the_registration_checks() {
    let mut c = setup();
    for (id, template) in [
        (TRADE_START_CPT, trade_start_template()),
        (SETTLEMENT_CPT, settlement_template()),
    ] {
        let stored = c.cpt(id).unwrap().record;
        assert_eq!(stored.template, template);
        assert_eq!(
            stored.content_hash,
            blake2(&scale::Encode::encode(&template))
        );
        as_caller(AUTH);
        fails_cleanly(&mut c, &[id], &[], Error::DuplicateTemplate(id), |c| {
            c.register_cpt(Publisher::System, template.clone(), None, None)
        });
    }
}

#[ink::test]
fn the_same_template_is_registered_once() {
    let mut c = setup();
    as_caller(AUTH);
    let id = c
        .register_cpt(Publisher::System, template("t"), None, None)
        .unwrap();
    fails_cleanly(&mut c, &[id], &[], Error::DuplicateTemplate(id), |c| {
        c.register_cpt(Publisher::System, template("t"), None, None)
    });
    as_caller(PROVIDER);
    fails_cleanly(
        &mut c,
        &[id],
        &[],
        Error::DuplicateTemplate(TRADE_START_CPT),
        |c| {
            c.register_cpt(
                Publisher::Issuer(PROVIDER_DID),
                trade_start_template(),
                None,
                None,
            )
        },
    );
}

#[ink::test]
fn malformed_templates_are_rejected() {
    let mut c = setup();
    as_caller(AUTH);
    let p = Publisher::System;
    let mut t = template("");
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadLength {
            field: Field::Title,
            len: 0,
            max: MAX_TITLE_LEN,
        },
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.description = "d".repeat(257);
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadLength {
            field: Field::Description,
            len: 257,
            max: MAX_DESCRIPTION_LEN,
        },
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.properties.clear();
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadPropertyCount {
            count: 0,
            max: MAX_PROPERTIES,
        },
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.properties = (0..25)
        .map(|i| CptProperty {
            name: format!("p{i}"),
            ..template("t").properties[0].clone()
        })
        .collect();
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadPropertyCount {
            count: 25,
            max: MAX_PROPERTIES,
        },
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.properties.push(t.properties[0].clone());
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::DuplicateProperty("greenShare".into()),
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.properties[0].allowed = vec!["a".into()];
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadAllowedValues("greenShare".into()),
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.properties[0].property_type = PropertyType::String;
    t.properties[0].allowed = (0..9).map(|i| format!("v{i}")).collect();
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadAllowedValues("greenShare".into()),
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.properties[0].property_type = PropertyType::Decimal { scale: 19 };
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadDecimalScale { scale: 19, max: 18 },
        |c| c.register_cpt(p, t.clone(), None, None),
    );
    t = template("t");
    t.properties[0].name = "n".repeat(33);
    fails_cleanly(
        &mut c,
        &[],
        &[],
        Error::BadLength {
            field: Field::PropertyName,
            len: 33,
            max: MAX_PROPERTY_NAME_LEN,
        },
        |c| c.register_cpt(p, t.clone(), None, None),
    );
}

#[ink::test]
fn versions_link_to_their_predecessor() {
    let mut c = setup();
    as_caller(PROVIDER);
    let me = Publisher::Issuer(PROVIDER_DID);
    let v1 = c.register_cpt(me, template("v1"), None, None).unwrap();
    let v2 = c.register_cpt(me, template("v2"), None, Some(v1)).unwrap();
    assert_eq!(c.cpt(v1).unwrap().record.successor, Some(v2));
    assert_eq!(c.cpt(v2).unwrap().record.predecessor, Some(v1));
    fails_cleanly(
        &mut c,
        &[v1, v2],
        &[],
        Error::PredecessorSuperseded {
            predecessor: v1,
            successor: v2,
        },
        |c| c.register_cpt(me, template("v2b"), None, Some(v1)),
    );
    fails_cleanly(&mut c, &[v1, v2], &[], Error::CptNotFound(77), |c| {
        c.register_cpt(me, template("v3"), None, Some(77))
    });
    fails_cleanly(
        &mut c,
        &[v1, v2],
        &[],
        Error::PredecessorPublisherMismatch(TRADE_START_CPT),
        |c| c.register_cpt(me, template("v3"), None, Some(TRADE_START_CPT)),
    );
}

#[ink::test]
fn publishers_deprecate_their_templates() {
    let mut c = setup();
    as_caller(PROVIDER);
    let id = c
        .register_cpt(Publisher::Issuer(PROVIDER_DID), template("t"), None, None)
        .unwrap();
    as_caller(STRANGER);
    fails_cleanly(
        &mut c,
        &[id],
        &[],
        Error::NotController(PROVIDER_DID),
        |c| c.deprecate_cpt(id),
    );
    // The trade templates are the escrow's protocol: nobody deprecates them, not even an
    // authority (issue 15, finding 5: one authority could stop every channel from opening).
    for caller in [STRANGER, AUTH] {
        as_caller(caller);
        for protocol in [TRADE_START_CPT, SETTLEMENT_CPT] {
            fails_cleanly(
                &mut c,
                &[protocol],
                &[],
                Error::ProtocolTemplate(protocol),
                |c| c.deprecate_cpt(protocol),
            );
        }
    }
    as_caller(PROVIDER);
    c.deprecate_cpt(id).unwrap();
    assert!(c.cpt(id).unwrap().record.deprecated);
    fails_cleanly(&mut c, &[id], &[], Error::CptDeprecated(id), |c| {
        c.deprecate_cpt(id)
    });
    fails_cleanly(&mut c, &[id], &[], Error::CptDeprecated(id), |c| {
        c.issue(request(1, id), None)
    });
    fails_cleanly(&mut c, &[id], &[], Error::CptNotFound(555), |c| {
        c.deprecate_cpt(555)
    });
}

// --- credentials ---------------------------------------------------------------------------

#[ink::test]
fn an_issuer_anchors_a_credential_it_controls() {
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    let view = c.verify(id(1)).unwrap().record;
    assert!(view.valid);
    assert!(!view.expired);
    assert_eq!(view.anchor.issuer, Issuer::Did(PROVIDER_DID));
    assert_eq!(view.anchor.subject, CONSUMER_DID);
    assert_eq!(view.anchor.cpt_id, ISSUED_CPT);
    assert_eq!(view.anchor.claims_root, [1; 32]);
    assert_eq!(view.anchor.issued_at, 1_000);
    assert_eq!(view.anchor.expires_at, Some(10_000));
    assert_eq!(view.anchor.status, CredentialStatus::Active);
    assert_eq!(c.credential_count(), 1);
    assert_eq!(c.verify([9; 32]), None);
}

/// A trade's records (trade-start, settlement) come from the contract that ran the trade:
/// an issuer DID, an authority acting for its DID, or a relayer with an issuer's signature
/// cannot anchor a credential of a system template.
#[ink::test]
fn issuers_cannot_issue_credentials_of_system_templates() {
    let mut c = setup_issuing();
    for cpt in [TRADE_START_CPT, SETTLEMENT_CPT] {
        let r = request(1, cpt);
        as_caller(PROVIDER);
        fails_cleanly(&mut c, &[cpt], &[r.id], Error::SystemTemplate(cpt), |c| {
            c.issue(r.clone(), None)
        });
        let hash = anchor_hash(&ink::env::account_id::<Env>(), &r);
        as_caller(STRANGER);
        fails_cleanly(&mut c, &[cpt], &[r.id], Error::SystemTemplate(cpt), |c| {
            c.issue(r.clone(), Some(proof("assert", signature_for(hash))))
        });
        let mut own = r.clone();
        own.issuer = AUTH_DID;
        let own = with_id(own);
        as_caller(AUTH);
        fails_cleanly(&mut c, &[cpt], &[own.id], Error::SystemTemplate(cpt), |c| {
            c.issue(own.clone(), None)
        });
    }
}

#[ink::test]
fn issuing_needs_control_and_the_issuer_role() {
    let mut c = setup_issuing();
    as_caller(STRANGER);
    fails_cleanly(
        &mut c,
        &[],
        &[id(1)],
        Error::NotController(PROVIDER_DID),
        |c| c.issue(request(1, ISSUED_CPT), None),
    );
    // An authority acting for its own DID may issue without the Issuer role...
    as_caller(AUTH);
    let mut r = request(2, ISSUED_CPT);
    r.issuer = AUTH_DID;
    let mut r = with_id(r);
    c.issue(r.clone(), None).unwrap();
    // ...but an ordinary controller of a DID without the role may not.
    testing::did::with(|w| {
        w.authorities.remove(&acc(AUTH));
    });
    let first = r.id;
    r.claims_root = [3; 32];
    let r = with_id(r);
    fails_cleanly(
        &mut c,
        &[],
        &[first, r.id],
        Error::NotIssuer(AUTH_DID),
        |c| c.issue(r.clone(), None),
    );
}

#[ink::test]
fn a_signed_request_may_be_submitted_by_anyone() {
    let mut c = setup_issuing();
    let r = request(1, ISSUED_CPT);
    let hash = anchor_hash(&ink::env::account_id::<Env>(), &r);
    as_caller(STRANGER);
    let mut wrong = hash;
    wrong[0] ^= 1;
    fails_cleanly(&mut c, &[], &[id(1)], Error::BadSignature, |c| {
        c.issue(r.clone(), Some(proof("assert", signature_for(wrong))))
    });
    fails_cleanly(&mut c, &[], &[id(1)], Error::BadSignature, |c| {
        c.issue(r.clone(), Some(proof("other-key", signature_for(hash))))
    });
    c.issue(r.clone(), Some(proof("assert", signature_for(hash))))
        .unwrap();
    assert!(c.verify(id(1)).unwrap().record.valid);
    // Without the Issuer role a valid signature is not enough.
    testing::did::with(|w| {
        w.roles.remove(&(PROVIDER_DID, Role::Issuer));
    });
    let r2 = request(2, ISSUED_CPT);
    let hash2 = anchor_hash(&ink::env::account_id::<Env>(), &r2);
    fails_cleanly(
        &mut c,
        &[],
        &[id(1), id(2)],
        Error::NotIssuer(PROVIDER_DID),
        |c| c.issue(r2.clone(), Some(proof("assert", signature_for(hash2)))),
    );
}

#[ink::test]
fn bad_anchor_requests_are_rejected() {
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    let ids = [id(1), id(2)];
    fails_cleanly(&mut c, &[], &ids, Error::CredentialExists(id(1)), |c| {
        c.issue(request(1, ISSUED_CPT), None)
    });
    let mut r = request(2, ISSUED_CPT);
    r.expires_at = Some(1_000);
    fails_cleanly(
        &mut c,
        &[],
        &ids,
        Error::ExpiryInPast {
            now: 1_000,
            expires_at: 1_000,
        },
        |c| c.issue(r.clone(), None),
    );
    let mut r = request(2, ISSUED_CPT);
    r.subject = [0x99; 32];
    let r = with_id(r);
    fails_cleanly(&mut c, &[], &ids, Error::DidInactive([0x99; 32]), |c| {
        c.issue(r.clone(), None)
    });
    let mut r = request(2, ISSUED_CPT);
    r.ciphertext_hash = Some([1; 32]);
    fails_cleanly(&mut c, &[], &ids, Error::IncompleteEncryption, |c| {
        c.issue(r.clone(), None)
    });
    fails_cleanly(&mut c, &[], &ids, Error::CptNotFound(4_242), |c| {
        c.issue(request(2, 4_242), None)
    });
    testing::did::with(|w| {
        w.active.remove(&PROVIDER_DID);
    });
    fails_cleanly(&mut c, &[], &ids, Error::DidInactive(PROVIDER_DID), |c| {
        c.issue(request(2, ISSUED_CPT), None)
    });
    // A deactivated issuer's credentials stop counting.
    assert!(!c.verify(id(1)).unwrap().record.valid);
}

/// Issue 15, finding 2: an issuer chose ids in the space system issuers use (a channel id is
/// the trade-start credential's id), so it could squat a trade before it opened. An issued id
/// is now the one the request commits to.
#[ink::test]
fn an_issuer_cannot_choose_a_credential_id() {
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    let genuine = request(1, ISSUED_CPT);
    for squatted in [[0xC4; 32], id(2)] {
        let mut r = genuine.clone();
        r.id = squatted;
        fails_cleanly(
            &mut c,
            &[],
            &[squatted, genuine.id],
            Error::BadCredentialId {
                expected: genuine.id,
            },
            |c| c.issue(r.clone(), None),
        );
    }
    c.issue(genuine.clone(), None).unwrap();
    assert!(c.verify(genuine.id).unwrap().record.valid);
}

#[ink::test]
fn encrypted_claims_keep_ciphertext_hash_and_policy() {
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    let mut r = request(1, ISSUED_CPT);
    r.ciphertext_hash = Some([5; 32]);
    r.policy_id = Some([6; 32]);
    c.issue(r, None).unwrap();
    let anchor = c.verify(id(1)).unwrap().record.anchor;
    assert_eq!(anchor.ciphertext_hash, Some([5; 32]));
    assert_eq!(anchor.policy_id, Some([6; 32]));
}

#[ink::test]
fn status_moves_active_suspended_revoked() {
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    let id = id(1);
    fails_cleanly(&mut c, &[], &[id], Error::NotSuspended, |c| c.unsuspend(id));
    set_now(2_000);
    c.suspend(id).unwrap();
    let view = c.verify(id).unwrap().record;
    assert_eq!(view.anchor.status, CredentialStatus::Suspended);
    assert_eq!(view.anchor.status_changed_at, 2_000);
    assert!(!view.valid);
    fails_cleanly(&mut c, &[], &[id], Error::NotActive, |c| c.suspend(id));
    c.unsuspend(id).unwrap();
    assert!(c.verify(id).unwrap().record.valid);
    as_caller(STRANGER);
    fails_cleanly(&mut c, &[], &[id], Error::NotPermitted, |c| c.revoke(id));
    fails_cleanly(&mut c, &[], &[id], Error::NotPermitted, |c| c.suspend(id));
    // An authority may revoke any credential; revocation is final.
    as_caller(AUTH);
    c.revoke(id).unwrap();
    assert_eq!(
        c.verify(id).unwrap().record.anchor.status,
        CredentialStatus::Revoked
    );
    as_caller(PROVIDER);
    for f in [
        VcTemplates::revoke,
        VcTemplates::suspend,
        VcTemplates::unsuspend,
    ] {
        fails_cleanly(&mut c, &[], &[id], Error::AlreadyRevoked, |c| f(c, id));
    }
    fails_cleanly(
        &mut c,
        &[],
        &[id],
        Error::CredentialNotFound([8; 32]),
        |c| c.revoke([8; 32]),
    );
}

#[ink::test]
fn credentials_expire() {
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    set_now(9_999);
    assert!(c.verify(id(1)).unwrap().record.valid);
    set_now(10_000);
    let view = c.verify(id(1)).unwrap().record;
    assert!(view.expired);
    assert!(!view.valid);
    assert_eq!(view.anchor.status, CredentialStatus::Active);
}

#[ink::test]
fn system_issuers_anchor_system_templates_only() {
    let mut c = setup_issuing();
    // Root only (issue 15, finding 3): not a stranger, not another authority.
    testing::did::with(|w| w.authorities.insert(acc(PROVIDER)));
    for who in [STRANGER, PROVIDER] {
        as_caller(who);
        fails_cleanly(&mut c, &[], &[], Error::NotRoot, |c| {
            c.set_system_issuer(acc(ESCROW), true)
        });
    }
    testing::did::with(|w| w.authorities.remove(&acc(PROVIDER)));
    as_caller(ESCROW);
    assert_eq!(
        c.anchor_system([1; 32], SETTLEMENT_CPT, CONSUMER_DID, [2; 32], TRADE),
        Err(AnchorError::NotSystemIssuer)
    );
    as_caller(AUTH);
    c.set_system_issuer(acc(ESCROW), true).unwrap();
    assert!(c.is_system_issuer(acc(ESCROW)));
    let issuer_cpt = {
        as_caller(PROVIDER);
        c.register_cpt(Publisher::Issuer(PROVIDER_DID), template("p"), None, None)
            .unwrap()
    };
    as_caller(ESCROW);
    let before = snapshot(&c, &[], &[[1; 32]]);
    assert_eq!(
        c.anchor_system([1; 32], issuer_cpt, CONSUMER_DID, [2; 32], TRADE),
        Err(AnchorError::BadTemplate)
    );
    assert_eq!(
        c.anchor_system([1; 32], 777, CONSUMER_DID, [2; 32], TRADE),
        Err(AnchorError::BadTemplate)
    );
    assert_eq!(snapshot(&c, &[], &[[1; 32]]), before);
    // Another system template is read and must be live.
    let (system_cpt, other_cpt) = {
        as_caller(AUTH);
        let first = c.register_cpt(Publisher::System, template("s"), None, None);
        let second = c.register_cpt(Publisher::System, template("t"), None, None);
        (first.unwrap(), second.unwrap())
    };
    as_caller(ESCROW);
    c.anchor_system([4; 32], system_cpt, CONSUMER_DID, [2; 32], TRADE)
        .unwrap();
    as_caller(AUTH);
    c.deprecate_cpt(system_cpt).unwrap();
    as_caller(ESCROW);
    let before = snapshot(&c, &[], &[[5; 32]]);
    assert_eq!(
        c.anchor_system([5; 32], system_cpt, CONSUMER_DID, [2; 32], TRADE),
        Err(AnchorError::BadTemplate)
    );
    assert_eq!(snapshot(&c, &[], &[[5; 32]]), before);
    // The protocol's templates are the escrow's to hold: nobody anchors one here, so no
    // system issuer can shadow a trade's record with an id of its choosing.
    for cpt in [TRADE_START_CPT, SETTLEMENT_CPT] {
        let before = snapshot(&c, &[], &[[1; 32]]);
        assert_eq!(
            c.anchor_system([1; 32], cpt, CONSUMER_DID, [2; 32], TRADE),
            Err(AnchorError::BadTemplate)
        );
        assert_eq!(snapshot(&c, &[], &[[1; 32]]), before);
    }
    assert_eq!(
        c.anchor_system([4; 32], other_cpt, CONSUMER_DID, [2; 32], TRADE),
        Err(AnchorError::CredentialExists)
    );
    // The subject's identity state is not consulted.
    c.anchor_system([3; 32], other_cpt, [0x55; 32], [2; 32], TRADE)
        .unwrap();
    let view = c.verify([3; 32]).unwrap().record;
    assert_eq!(view.anchor.issuer, Issuer::System(acc(ESCROW)));
    assert_eq!(
        view.anchor.trade,
        Some(TRADE),
        "a system credential records its trade"
    );
    assert!(view.valid);
    // The system issuer manages the status of what it anchored.
    c.suspend([3; 32]).unwrap();
    as_caller(AUTH);
    c.set_system_issuer(acc(ESCROW), false).unwrap();
    as_caller(ESCROW);
    assert_eq!(
        c.anchor_system([2; 32], other_cpt, CONSUMER_DID, [2; 32], TRADE),
        Err(AnchorError::NotSystemIssuer)
    );
}

// --- masks -----------------------------------------------------------------------------------

const MASKS: [u8; 32] = [0x3A; 32];

#[ink::test]
fn only_root_names_the_mask_registry() {
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    testing::did::with(|w| w.authorities.insert(acc(PROVIDER)));
    fails_cleanly(&mut c, &[], &[], Error::NotRoot, |c| {
        c.set_mask_registry(Some(acc(MASKS)))
    });
    testing::did::with(|w| w.authorities.remove(&acc(PROVIDER)));
    as_caller(AUTH);
    c.set_mask_registry(Some(acc(MASKS))).unwrap();
    assert_eq!(c.mask_registry(), Some(acc(MASKS)));
}

#[ink::test]
fn masked_credentials_and_templates_read_masked_and_stay_valid() {
    use cgrid_shared::{Scope, Target};
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    let id = id(1);
    let full = c.verify(id).unwrap();
    let cpt_full = c.cpt(TRADE_START_CPT).unwrap();
    as_caller(AUTH);
    c.set_mask_registry(Some(acc(MASKS))).unwrap();
    assert_eq!(c.verify(id).unwrap(), full, "not masked: shown in full");

    testing::mask::set(
        &Target::Credential(id),
        Some(testing::mask::mask(Scope::Whole, false)),
    );
    let view = c.verify(id).unwrap();
    assert_eq!(view.record.anchor.subject, [0; 32]);
    // The commitment, status and validity stay: a mask is not a revocation.
    assert_eq!(view.record.anchor.claims_root, [1; 32]);
    assert!(view.record.valid);
    let marker = view.masked.expect("marker");
    assert_eq!(marker.withheld, vec![String::from("subject")]);
    assert_eq!((marker.reason_code, marker.since), (42, 1_000));
    // A field mask names claims (withheld off chain); the anchor shows its subject.
    let claims = Scope::Fields(vec!["price".into()]);
    testing::mask::set(
        &Target::Credential(id),
        Some(testing::mask::mask(claims.clone(), false)),
    );
    let view = c.verify(id).unwrap();
    assert_eq!(view.record, full.record);
    assert_eq!(view.masked.expect("marker").scope, claims);

    let fields = Scope::Fields(vec!["properties".into()]);
    testing::mask::set(
        &Target::Cpt(TRADE_START_CPT),
        Some(testing::mask::mask(fields, false)),
    );
    let cpt = c.cpt(TRADE_START_CPT).unwrap();
    assert!(cpt.record.template.properties.is_empty());
    assert_eq!(cpt.record.template.title, cpt_full.record.template.title);
    assert_eq!(cpt.record.content_hash, cpt_full.record.content_hash);
    assert!(cpt.withholds("properties"));

    testing::mask::set(&Target::Credential(id), None);
    testing::mask::set(&Target::Cpt(TRADE_START_CPT), None);
    assert_eq!(c.verify(id).unwrap(), full);
    assert_eq!(c.cpt(TRADE_START_CPT).unwrap(), cpt_full);
}

#[ink::test]
fn owners_cannot_write_to_masked_records_unless_the_mask_allows_it() {
    use cgrid_shared::{Scope, Target};
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    c.issue(request(2, ISSUED_CPT), None).unwrap();
    let cpt = c
        .register_cpt(Publisher::Issuer(PROVIDER_DID), template("t"), None, None)
        .unwrap();
    as_caller(AUTH);
    c.set_mask_registry(Some(acc(MASKS))).unwrap();
    for target in [
        Target::Credential(id(1)),
        Target::Credential(id(2)),
        Target::Cpt(cpt),
    ] {
        testing::mask::set(&target, Some(testing::mask::mask(Scope::Whole, false)));
    }
    let masked = |target| Error::Masked {
        target,
        reason_code: 42,
    };
    as_caller(PROVIDER);
    let ids = [id(1), id(2)];
    for f in [VcTemplates::suspend, VcTemplates::revoke] {
        fails_cleanly(
            &mut c,
            &[cpt],
            &ids,
            masked(Target::Credential(id(1))),
            |c| f(c, id(1)),
        );
    }
    fails_cleanly(&mut c, &[cpt], &ids, masked(Target::Cpt(cpt)), |c| {
        c.deprecate_cpt(cpt)
    });
    // An authority acts over the issuer.
    as_caller(AUTH);
    c.suspend(id(1)).unwrap();
    // A field mask (claims withheld off chain) leaves the issuer's status changes alone.
    testing::mask::set(
        &Target::Credential(id(1)),
        Some(testing::mask::mask(
            Scope::Fields(vec!["price".into()]),
            false,
        )),
    );
    as_caller(PROVIDER);
    c.unsuspend(id(1)).unwrap();
    // A mask that lets the owner write.
    testing::mask::set(
        &Target::Credential(id(2)),
        Some(testing::mask::mask(Scope::Whole, true)),
    );
    as_caller(PROVIDER);
    c.revoke(id(2)).unwrap();
    assert_eq!(
        c.verify(id(2)).unwrap().record.anchor.status,
        CredentialStatus::Revoked
    );
}

// --- boundaries and read-backs (survivors of the mutation run) ---------------------------

/// Every id range and count bound is inclusive, and the reads report what was written.
#[ink::test]
fn bounds_are_inclusive_and_reads_report_what_was_written() {
    let mut c = setup_issuing();
    as_caller(AUTH);
    // The ends of a range may be requested explicitly.
    c.register_cpt(Publisher::System, template("first"), Some(0), None)
        .unwrap();
    let me = Publisher::Authority(acc(AUTH));
    for id in [AUTHORITY_CPT_IDS.start, AUTHORITY_CPT_IDS.end - 1] {
        c.register_cpt(me, template(&format!("a{id}")), Some(id), None)
            .unwrap();
    }
    // Automatic ids (from 100; below are explicit system ids) fill the range up to its last
    // id, then the range is exhausted.
    for i in 100..999u32 {
        c.register_cpt(Publisher::System, template(&format!("t{i}")), None, None)
            .unwrap();
    }
    assert_eq!(
        c.register_cpt(Publisher::System, template("t999"), None, None),
        Ok(999)
    );
    assert_eq!(
        c.register_cpt(Publisher::System, template("full"), None, None),
        Err(Error::RangeExhausted)
    );
    // A template with the most properties.
    let mut most = template("most");
    most.properties = (0..MAX_PROPERTIES)
        .map(|i| CptProperty {
            name: format!("p{i}"),
            property_type: PropertyType::Integer,
            description: String::new(),
            required: false,
            allowed: vec![],
        })
        .collect();
    c.register_cpt(Publisher::Authority(acc(AUTH)), most, None, None)
        .unwrap();
    // Every text at its longest, the most allowed values, the largest decimal scale.
    let longest = CptTemplate {
        title: "t".repeat(MAX_TITLE_LEN as usize),
        description: "d".repeat(MAX_DESCRIPTION_LEN as usize),
        properties: vec![
            CptProperty {
                name: "n".repeat(MAX_PROPERTY_NAME_LEN as usize),
                property_type: PropertyType::String,
                description: "p".repeat(MAX_PROPERTY_DESCRIPTION_LEN as usize),
                required: true,
                allowed: (0..MAX_ALLOWED_VALUES)
                    .map(|i| format!("{i:v>32}"))
                    .collect(),
            },
            CptProperty {
                name: "scaled".into(),
                property_type: PropertyType::Decimal {
                    scale: MAX_DECIMAL_SCALE,
                },
                description: String::new(),
                required: false,
                allowed: vec![],
            },
        ],
    };
    c.register_cpt(Publisher::Authority(acc(AUTH)), longest, None, None)
        .unwrap();
    // Counts, designations and anchors read back.
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    c.issue(request(2, ISSUED_CPT), None).unwrap();
    assert_eq!(c.credential_count(), 2);
    let anchor = c.anchor_of(id(2)).expect("anchored");
    assert_eq!(
        (anchor.subject, anchor.claims_root),
        (CONSUMER_DID, [2; 32])
    );
    assert_eq!(c.anchor_of([0xEE; 32]), None);
    assert!(!c.is_system_issuer(acc(ESCROW)));
    as_caller(AUTH);
    c.set_system_issuer(acc(ESCROW), true).unwrap();
    assert!(c.is_system_issuer(acc(ESCROW)) && !c.is_system_issuer(acc(STRANGER)));
}

// Finding 4 of the review: a trade's system credentials named the parties' DIDs after the trade
// was masked (`verify` / `anchor_of` of the channel id and of its settlements), `anchor_of`
// ignored a credential's own mask, and `CredentialAnchored` published a system credential's
// subject.
#[ink::test]
fn a_masked_trade_hides_the_subjects_of_its_system_credentials_on_every_read() {
    use cgrid_shared::{Maskable as _, Scope, Target};
    let mut c = setup_issuing();
    as_caller(AUTH);
    c.set_system_issuer(acc(ESCROW), true).unwrap();
    c.set_mask_registry(Some(acc(MASKS))).unwrap();
    c.set_trade_escrow(Some(acc(ESCROW))).unwrap();
    // The trade-start credential (id = channel id) and a settlement (its own id), held by the
    // escrow.
    escrow_holds(TRADE, TRADE_START_CPT, CONSUMER_DID);
    escrow_holds([0x5E; 32], SETTLEMENT_CPT, PROVIDER_DID);
    // A credential of another system template anchored here with the trade: its event does
    // not name the subject, since a mask placed later could not take it back.
    let system_cpt = c
        .register_cpt(Publisher::System, template("s"), None, None)
        .unwrap();
    as_caller(ESCROW);
    let events = event_count();
    c.anchor_system([0x5F; 32], system_cpt, PROVIDER_DID, [3; 32], TRADE)
        .unwrap();
    let anchored: Vec<_> = test::recorded_events().skip(events).collect();
    assert_eq!(anchored.len(), 1);
    for event in anchored {
        let topics = event.topics;
        assert!(
            !topics
                .iter()
                .any(|t| t.as_slice() == CONSUMER_DID.as_slice()
                    || t.as_slice() == PROVIDER_DID.as_slice()),
            "a system credential's subject is not a topic"
        );
        let data = event.data;
        assert!(
            !data
                .windows(32)
                .any(|w| w == CONSUMER_DID || w == PROVIDER_DID),
            "nor in the event's data"
        );
    }
    let full = |id| c.verify(id).unwrap();
    assert_eq!(full(TRADE).record.anchor.subject, CONSUMER_DID);
    assert_eq!(full([0x5E; 32]).record.anchor.subject, PROVIDER_DID);
    assert_eq!(full([0x5F; 32]).record.anchor.subject, PROVIDER_DID);

    // A price mask on the trade hides no party: the subjects stay.
    let price = Scope::Fields(vec!["price".into()]);
    testing::mask::set(
        &Target::Trade(TRADE),
        Some(testing::mask::mask(price, false)),
    );
    assert_eq!(c.verify(TRADE).unwrap(), full(TRADE));
    assert_eq!(c.anchor_of(TRADE).unwrap().subject, CONSUMER_DID);

    // A whole-trade mask (or one naming a party) withholds both credentials' subjects, in
    // `verify` (with the trade's marker) and in `anchor_of`; validity stays.
    for scope in [Scope::Whole, Scope::Fields(vec!["provider".into()])] {
        testing::mask::set(
            &Target::Trade(TRADE),
            Some(testing::mask::mask(scope.clone(), false)),
        );
        for id in [TRADE, [0x5E; 32], [0x5F; 32]] {
            let view = c.verify(id).unwrap();
            assert_eq!(view.record.anchor.subject, [0; 32], "{scope:?}");
            assert!(view.record.valid);
            let marker = view.masked.expect("the trade's marker");
            assert_eq!(marker.withheld, vec![String::from("subject")]);
            assert_eq!(marker.scope, scope);
            assert_eq!(c.anchor_of(id).unwrap().subject, [0; 32]);
            // Nothing else of the anchor is withheld.
            let mut expected = full(id).record.anchor;
            expected.withhold("subject");
            assert_eq!(c.anchor_of(id).unwrap(), expected);
        }
    }
    testing::mask::set(&Target::Trade(TRADE), None);
    assert_eq!(c.anchor_of(TRADE).unwrap().subject, CONSUMER_DID);
}

/// Puts credential `id` of template `cpt` about `subject` in the stand-in escrow's storage
/// (issued by `ESCROW` now, recording `TRADE`).
fn escrow_holds(id: CredentialId, cpt: CptId, subject: DidId) {
    escrow_holds_as(acc(ESCROW), id, cpt, subject);
}

fn escrow_holds_as(escrow: AccountId, id: CredentialId, cpt: CptId, subject: DidId) {
    let credential = cgrid_shared::TradeCredential {
        cpt_id: cpt,
        subject,
        claims_root: [0xC1; 32],
        issued_at: ink::env::block_timestamp::<Env>(),
        trade: TRADE,
    };
    testing::trade::with(|t| t.credentials.insert(id, (escrow, credential)));
}

// Issue 21: the escrow holds the trade credentials; the registry answers readers for them.
#[ink::test]
fn readers_get_the_trade_credentials_the_wired_escrow_holds() {
    let mut c = setup_issuing();
    escrow_holds(TRADE, TRADE_START_CPT, CONSUMER_DID);
    let settlement = [0x5E; 32];
    escrow_holds(settlement, SETTLEMENT_CPT, PROVIDER_DID);
    // Not wired: unknown, and the escrow is not asked.
    assert_eq!(c.verify(TRADE), None);
    assert_eq!(testing::trade::with(|t| t.reads), 0);
    // Root alone wires the escrow: another authority cannot hide or swap a trade's record.
    testing::did::with(|w| w.authorities.insert(acc(PROVIDER)));
    for who in [STRANGER, PROVIDER] {
        as_caller(who);
        fails_cleanly(&mut c, &[], &[TRADE], Error::NotRoot, |c| {
            c.set_trade_escrow(Some(acc(ESCROW)))
        });
    }
    as_caller(AUTH);
    let events = event_count();
    c.set_trade_escrow(Some(acc(ESCROW))).unwrap();
    assert_eq!(event_count(), events + 1, "TradeEscrowSet");
    assert_eq!(c.trade_escrow(), Some(acc(ESCROW)));

    let view = c.verify(TRADE).unwrap();
    assert_eq!(view.masked, None);
    let anchor = view.record.anchor.clone();
    assert_eq!(
        (anchor.cpt_id, anchor.issuer, anchor.subject, anchor.trade),
        (
            TRADE_START_CPT,
            Issuer::System(acc(ESCROW)),
            CONSUMER_DID,
            Some(TRADE)
        )
    );
    assert!(view.record.valid && !view.record.expired);
    assert_eq!(c.anchor_of(TRADE), Some(anchor.clone()));
    let second = c.verify(settlement).unwrap().record.anchor;
    assert_eq!(
        c.anchors_of(vec![TRADE, settlement, [0xAB; 32]]),
        vec![Some(anchor), Some(second), None]
    );
    // The registry's own store is all a calling contract reads (its rules ask the escrow).
    test::set_contract::<Env>(acc(STRANGER));
    as_caller(STRANGER);
    assert_eq!(c.anchor_of(TRADE), None);
    assert_eq!(c.anchors_of(vec![TRADE]), vec![None]);

    // Only a protocol-template credential the wired escrow issued is taken.
    escrow_holds([0x61; 32], ISSUED_CPT, CONSUMER_DID);
    escrow_holds_as(acc(STRANGER), [0x62; 32], SETTLEMENT_CPT, CONSUMER_DID);
    as_caller(AUTH);
    assert_eq!(c.verify([0x61; 32]), None);
    assert_eq!(c.verify([0x62; 32]), None);

    // Unwired: unknown again.
    c.set_trade_escrow(None).unwrap();
    assert_eq!(c.verify(TRADE), None);
    assert_eq!(c.anchor_of(TRADE), None);
}

/// An authority can still suspend and revoke a trade credential the escrow holds (and the
/// escrow, its issuer, never does): the registry keeps it with its new status.
#[ink::test]
fn an_authority_changes_the_status_of_a_trade_credential() {
    let mut c = setup_issuing();
    escrow_holds(TRADE, TRADE_START_CPT, CONSUMER_DID);
    as_caller(AUTH);
    fails_cleanly(
        &mut c,
        &[],
        &[TRADE],
        Error::CredentialNotFound(TRADE),
        |c| c.suspend(TRADE),
    );
    c.set_trade_escrow(Some(acc(ESCROW))).unwrap();
    // Neither a stranger nor the trade's parties.
    for who in [STRANGER, PROVIDER] {
        as_caller(who);
        fails_cleanly(&mut c, &[], &[TRADE], Error::NotPermitted, |c| {
            c.suspend(TRADE)
        });
    }
    as_caller(AUTH);
    fails_cleanly(
        &mut c,
        &[],
        &[[0xAB; 32]],
        Error::CredentialNotFound([0xAB; 32]),
        |c| c.revoke([0xAB; 32]),
    );
    set_now(5_000);
    c.suspend(TRADE).unwrap();
    let view = c.verify(TRADE).unwrap().record;
    assert_eq!(
        (
            view.anchor.status,
            view.anchor.status_changed_at,
            view.valid
        ),
        (CredentialStatus::Suspended, 5_000, false)
    );
    // The status stays when the escrow is unwired, and the revocation is final.
    c.set_trade_escrow(None).unwrap();
    c.unsuspend(TRADE).unwrap();
    c.revoke(TRADE).unwrap();
    c.set_trade_escrow(Some(acc(ESCROW))).unwrap();
    let view = c.verify(TRADE).unwrap().record;
    assert_eq!(view.anchor.status, CredentialStatus::Revoked);
    assert!(!view.valid);
    assert_eq!(
        view.anchor.claims_root, [0xC1; 32],
        "the escrow's record, kept"
    );
    fails_cleanly(&mut c, &[], &[TRADE], Error::AlreadyRevoked, |c| {
        c.unsuspend(TRADE)
    });
}

#[ink::test]
fn anchor_of_honours_a_credentials_own_mask() {
    use cgrid_shared::{Scope, Target};
    let mut c = setup_issuing();
    as_caller(PROVIDER);
    c.issue(request(1, ISSUED_CPT), None).unwrap();
    let id = id(1);
    let anchor = c.anchor_of(id).unwrap();
    assert_eq!(anchor.trade, None, "an issued credential records no trade");
    as_caller(AUTH);
    c.set_mask_registry(Some(acc(MASKS))).unwrap();
    testing::mask::set(
        &Target::Credential(id),
        Some(testing::mask::mask(Scope::Whole, false)),
    );
    let masked = c.anchor_of(id).unwrap();
    assert_eq!(masked.subject, [0; 32]);
    assert_eq!(
        (masked.claims_root, masked.status, masked.issuer),
        (anchor.claims_root, anchor.status, anchor.issuer)
    );
    assert_eq!(c.anchors_of(vec![id, [0xAB; 32]]), vec![Some(masked), None]);
    // Another contract's rule reads it as it is: a mask is not a revocation.
    test::set_contract::<Env>(acc(ESCROW));
    as_caller(ESCROW);
    assert_eq!(c.anchor_of(id).unwrap(), anchor);
    assert_eq!(c.anchors_of(vec![id]), vec![Some(anchor.clone())]);
    assert_eq!(
        c.anchors_of(vec![id; MAX_ANCHORS_PER_READ + 5]).len(),
        MAX_ANCHORS_PER_READ,
        "a read returns at most MAX_ANCHORS_PER_READ anchors"
    );
    as_caller(AUTH);
    testing::mask::set(&Target::Credential(id), None);
    assert_eq!(c.anchor_of(id).unwrap(), anchor);
}

/// An issuer's authorisation by the key `key_id`.
fn proof(key_id: &str, signature: DidSignature) -> IssuerProof {
    IssuerProof {
        key_id: key_id.into(),
        signature,
    }
}
