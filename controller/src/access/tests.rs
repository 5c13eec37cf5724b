//! Access decisions from the honest record owner's side: a caller gets exactly what a rule
//! allows, whatever it claims, signs or replays.

use super::*;
use cgrid_shared::Scope;
use std::sync::Mutex;

const REGULATOR: DidId = [0xAA; 32];
const PROVIDER: DidId = [0xBB; 32];
const STRANGER: DidId = [0xCC; 32];
const CONSUMER: DidId = [0xDD; 32];
/// 2026-12-02 10:00 UTC.
const TEN_AM: u64 = 1_796_205_600_000;
const HOUR: u64 = 3_600_000;

fn policy() -> Policy {
    Policy::parse(&format!(
        r#"{{
        "operator_token_blake2_256": "0x{}",
        "directory": {{
            "{reg}": {{"org": "ministry", "region": "eu"}},
            "{stranger}": {{"org": "ministry", "region": "us"}}
        }},
        "rules": [
            {{"name": "parties read their trades", "effect": "allow", "actions": ["read"],
              "subject": {{"party": true}}}},
            {{"name": "parties close their trades", "effect": "allow", "actions": ["close"],
              "subject": {{"party": true}}, "object": {{"phases": ["open"]}}}},
            {{"name": "EU regulators read trades in office hours", "effect": "allow",
              "actions": ["read"],
              "subject": {{"roles": ["regulator"], "orgs": ["ministry"], "regions": ["eu"]}},
              "object": {{"templates": [1]}},
              "environment": {{"hours_utc": [8, 18]}}}},
            {{"name": "masked trades only to regulators", "effect": "deny", "actions": ["read"],
              "subject": {{"without_roles": ["Regulator"]}}, "object": {{"masked": true}}}}
        ]
    }}"#,
        hex::encode(blake2_256(b"s3cret")),
        reg = did_to_string(&REGULATOR),
        stranger = did_to_string(&STRANGER),
    ))
    .expect("the policy parses")
}

fn subject(p: &Policy, did: DidId, roles: &[Role]) -> Caller {
    Caller::Did(p.subject(
        did,
        &DidFacts {
            deactivated: false,
            roles: roles.to_vec(),
            authentication: vec![],
        },
    ))
}

fn trade(masked: bool) -> Object {
    Object {
        channel: [7; 32],
        template: cgrid_shared::TRADE_START_CPT,
        parties: [PROVIDER, CONSUMER],
        phase: "open".into(),
        mask: masked.then(|| MaskMarker {
            scope: Scope::Whole,
            withheld: vec!["consumer".into()],
            reason_code: 7,
            reason_hash: [0; 32],
            content_hash: [0; 32],
            by: [0xAA; 32].into(),
            since: 0,
        }),
    }
}

#[test]
fn a_party_reads_its_trade_and_a_stranger_does_not() {
    let p = policy();
    let provider = subject(&p, PROVIDER, &[Role::Provider]);
    let d = p.decide(&provider, Action::Read, &trade(false), TEN_AM);
    assert_eq!(
        d,
        Decision::Allowed {
            by: "parties read their trades".into()
        }
    );
    // A stranger holding the Provider role too, even with the regulator's org (US region).
    let stranger = subject(&p, STRANGER, &[Role::Provider]);
    let d = p.decide(&stranger, Action::Read, &trade(false), TEN_AM);
    assert_eq!(d, Decision::Denied { by: None });
    assert_eq!(d.reason(), "no rule allows it");
}

#[test]
fn a_party_a_mask_withholds_is_nobody() {
    let p = policy();
    let mut withheld = trade(false);
    withheld.parties = [PROVIDER, [0; 32]];
    let consumer = subject(&p, CONSUMER, &[Role::Consumer]);
    assert!(p
        .decide(&consumer, Action::Read, &trade(false), TEN_AM)
        .allowed());
    assert!(!p
        .decide(&consumer, Action::Read, &withheld, TEN_AM)
        .allowed());
    let zero = subject(&p, [0; 32], &[Role::Consumer]);
    assert!(!p.decide(&zero, Action::Read, &withheld, TEN_AM).allowed());
}

#[test]
fn a_regulator_reads_only_with_every_attribute_and_in_the_window() {
    let p = policy();
    let regulator = subject(&p, REGULATOR, &[Role::Regulator]);
    assert!(p
        .decide(&regulator, Action::Read, &trade(true), TEN_AM)
        .allowed());
    // Outside office hours, and the window's edges: [8, 18).
    assert!(!p
        .decide(&regulator, Action::Read, &trade(false), TEN_AM + 9 * HOUR)
        .allowed());
    assert!(!p
        .decide(&regulator, Action::Read, &trade(false), TEN_AM - 3 * HOUR)
        .allowed());
    assert!(p
        .decide(&regulator, Action::Read, &trade(false), TEN_AM - 2 * HOUR)
        .allowed());
    assert!(!p
        .decide(&regulator, Action::Read, &trade(false), TEN_AM + 8 * HOUR)
        .allowed());
    // The role alone is not enough: a regulator DID the directory does not place in the EU.
    let elsewhere = subject(&p, STRANGER, &[Role::Regulator]);
    assert!(!p
        .decide(&elsewhere, Action::Read, &trade(false), TEN_AM)
        .allowed());
    // Nor the directory's entry without the role (revoked or expired: the registry's answer).
    let revoked = subject(&p, REGULATOR, &[]);
    assert!(!p
        .decide(&revoked, Action::Read, &trade(false), TEN_AM)
        .allowed());
    // Read is all the rule gives.
    assert!(!p
        .decide(&regulator, Action::Close, &trade(false), TEN_AM)
        .allowed());
    // Another template is another object.
    let mut settlement = trade(false);
    settlement.template = cgrid_shared::SETTLEMENT_CPT;
    assert!(!p
        .decide(&regulator, Action::Read, &settlement, TEN_AM)
        .allowed());
}

#[test]
fn deny_overrides_allow_for_a_masked_trade() {
    let p = policy();
    let provider = subject(&p, PROVIDER, &[Role::Provider]);
    assert_eq!(
        p.decide(&provider, Action::Read, &trade(true), TEN_AM),
        Decision::Denied {
            by: Some("masked trades only to regulators".into())
        }
    );
    // The deny names read only: the party may still close (its money is not held hostage).
    assert!(p
        .decide(&provider, Action::Close, &trade(true), TEN_AM)
        .allowed());
    let mut closed = trade(false);
    closed.phase = "closed".into();
    assert!(!p
        .decide(&provider, Action::Close, &closed, TEN_AM)
        .allowed());
}

#[test]
fn the_operator_token_is_the_operator_and_another_token_nobody() {
    let p = policy();
    let dir = Fake::default();
    let op = authenticate(&p, &dir, Some("Bearer s3cret"), "GET", "/channels", TEN_AM);
    assert_eq!(op, Ok(Caller::Operator));
    assert!(p
        .decide(&Caller::Operator, Action::Close, &trade(true), 0)
        .allowed());
    let wrong = authenticate(&p, &dir, Some("Bearer s3cret "), "GET", "/channels", TEN_AM);
    assert_eq!(
        wrong,
        Ok(Caller::Operator),
        "surrounding blanks are not the token"
    );
    for token in ["Bearer s3cre", "Bearer ", "Bearer S3CRET"] {
        assert_eq!(
            authenticate(&p, &dir, Some(token), "GET", "/channels", TEN_AM),
            Err(AuthError::WrongToken)
        );
    }
    // A policy without a token hash has no operator token.
    let open = Policy::parse(r#"{"rules": []}"#).unwrap();
    assert_eq!(
        authenticate(&open, &dir, Some("Bearer "), "GET", "/channels", TEN_AM),
        Err(AuthError::WrongToken)
    );
}

#[derive(Default)]
struct Fake {
    dids: Mutex<BTreeMap<DidId, DidFacts>>,
}

impl Directory for Fake {
    fn did(&self, did: &DidId) -> Result<Option<DidFacts>, String> {
        Ok(self.dids.lock().unwrap().get(did).cloned())
    }
    fn trade(&self, _: &ChannelId) -> Result<Option<TradeFacts>, String> {
        Ok(None)
    }
}

#[test]
fn a_signed_request_names_its_did_and_nothing_else_passes() {
    let p = policy();
    let key = sr25519::Pair::from_seed(&[0x11; 32]);
    let other = sr25519::Pair::from_seed(&[0x12; 32]);
    let dir = Fake::default();
    let facts = DidFacts {
        deactivated: false,
        roles: vec![Role::Provider],
        authentication: vec![key.public().0],
    };
    dir.dids.lock().unwrap().insert(PROVIDER, facts.clone());
    let auth = |header: &str, method: &str, path: &str, now: u64| {
        authenticate(&p, &dir, Some(header), method, path, now)
    };
    let header = sign_request(&PROVIDER, &key, "GET", "/channels", TEN_AM);
    assert_eq!(
        auth(&header, "GET", "/channels", TEN_AM + 1_000),
        Ok(Caller::Did(p.subject(PROVIDER, &facts)))
    );
    // The signature covers the method and the path.
    let bad = Err(AuthError::BadSignature(did_to_string(&PROVIDER)));
    assert_eq!(auth(&header, "POST", "/channels", TEN_AM), bad);
    assert_eq!(auth(&header, "GET", "/channels/0x07", TEN_AM), bad);
    // And the time: moved within the window, the signature no longer matches.
    let moved = header.replace(&TEN_AM.to_string(), &(TEN_AM + 1).to_string());
    assert_eq!(auth(&moved, "GET", "/channels", TEN_AM), bad);
    // Another key claiming the DID.
    let forged = sign_request(&PROVIDER, &other, "GET", "/channels", TEN_AM);
    assert_eq!(auth(&forged, "GET", "/channels", TEN_AM), bad);
    // Too old or too far ahead.
    assert_eq!(
        auth(&header, "GET", "/channels", TEN_AM + MAX_SKEW_MS + 1),
        Err(AuthError::Stale(TEN_AM))
    );
    assert_eq!(
        auth(&header, "GET", "/channels", TEN_AM - MAX_SKEW_MS - 1),
        Err(AuthError::Stale(TEN_AM))
    );
    assert!(auth(&header, "GET", "/channels", TEN_AM + MAX_SKEW_MS).is_ok());
    // A DID the registry does not know, and a deactivated one.
    let unknown = sign_request(&STRANGER, &key, "GET", "/channels", TEN_AM);
    assert_eq!(
        auth(&unknown, "GET", "/channels", TEN_AM),
        Err(AuthError::UnknownDid(did_to_string(&STRANGER)))
    );
    dir.dids
        .lock()
        .unwrap()
        .get_mut(&PROVIDER)
        .unwrap()
        .deactivated = true;
    assert_eq!(
        auth(&header, "GET", "/channels", TEN_AM),
        Err(AuthError::Deactivated(did_to_string(&PROVIDER)))
    );
    // Malformed headers.
    for h in [
        "CGrid",
        "CGrid did:cgrid:0x00 1 0x00",
        &format!("CGrid {} x 0x00", did_to_string(&PROVIDER)),
        &header.replace("0x", "0xzz"),
        "Basic abc",
    ] {
        assert_eq!(
            auth(h, "GET", "/channels", TEN_AM),
            Err(AuthError::Malformed),
            "{h}"
        );
    }
    assert_eq!(
        authenticate(&p, &dir, None, "GET", "/channels", TEN_AM),
        Err(AuthError::Missing)
    );
}

#[test]
fn a_bad_policy_is_refused_naming_the_member() {
    let cases = [
        (r#"{}"#, "missing field `rules`"),
        (
            r#"{"rules": [{"name": "x", "effect": "maybe", "actions": ["read"]}]}"#,
            "rules[0].effect",
        ),
        (
            r#"{"rules": [{"name": "x", "effect": "allow", "actions": []}]}"#,
            "rules[0].actions",
        ),
        (
            r#"{"rules": [{"name": "x", "effect": "allow", "actions": ["delete"]}]}"#,
            "rules[0].actions[0]",
        ),
        (
            r#"{"rules": [{"name": "x", "effect": "allow", "actions": ["read"], "subject": {"roles": ["king"]}}]}"#,
            "king is not a role",
        ),
        (
            r#"{"rules": [{"name": "x", "effect": "allow", "actions": ["read"], "subject": {"rol": []}}]}"#,
            "rules[0].subject",
        ),
        (
            r#"{"rules": [{"name": "x", "effect": "allow", "actions": ["read"], "environment": {"hours_utc": [9, 9]}}]}"#,
            "rules[0].environment.hours_utc",
        ),
        (
            r#"{"directory": {"bob": {}}, "rules": []}"#,
            "bob is not a did:cgrid DID",
        ),
        (
            r#"{"operator_token_blake2_256": "0x12", "rules": []}"#,
            "operator_token_blake2_256",
        ),
    ];
    for (text, wanted) in cases {
        let e = Policy::parse(text).expect_err(text);
        assert!(e.contains(wanted), "{text}: {e}");
    }
}

#[test]
fn hours_wrap_past_midnight() {
    let p = Policy::parse(
        r#"{"rules": [{"name": "night", "effect": "allow", "actions": ["read"],
            "environment": {"hours_utc": [22, 6]}}]}"#,
    )
    .unwrap();
    let anyone = subject(&p, STRANGER, &[]);
    let midnight = TEN_AM - 10 * HOUR;
    for (at, allowed) in [
        (midnight - 2 * HOUR, true),
        (midnight - 3 * HOUR, false),
        (midnight, true),
        (midnight + 5 * HOUR, true),
        (midnight + 6 * HOUR, false),
    ] {
        assert_eq!(
            p.decide(&anyone, Action::Read, &trade(false), at).allowed(),
            allowed,
            "{at}"
        );
    }
}
