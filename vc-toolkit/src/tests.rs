//! Toolkit tests against a locally built anchor (the on-chain round trip is in
//! `e2e/tests/vc_templates_sandbox.rs`).

use super::*;
use cgrid_shared::{settlement_template, trade_start_template, TRADE_START_CPT};

mod w3c;

const REGISTRY: [u8; 32] = [0x42; 32];
const ISSUER: DidId = [0x11; 32];
const SUBJECT: DidId = [0x22; 32];

fn key() -> sr25519::Pair {
    sr25519::Pair::from_seed(&[7; 32])
}

fn claims() -> Value {
    json!({
        "pdid": did_to_string(&ISSUER),
        "cdid": did_to_string(&SUBJECT),
        "spec": "8 vCPU, 32 GiB, 1 A100",
        "price": 120,
        "checkinCptId": 3,
        "encryption": "plain",
    })
}

fn issue_with(claims: Value) -> Result<Issued, BuildError> {
    issue_sealed_with(claims, None)
}

fn issue_sealed_with(
    claims: Value,
    encrypt: Option<crate::encrypted::Encrypt<'_>>,
) -> Result<Issued, BuildError> {
    let template = trade_start_template();
    let pair = key();
    issue(IssueInput {
        registry: AccountId::from(REGISTRY),
        cpt_id: TRADE_START_CPT,
        template: &template,
        issuer: ISSUER,
        issuer_key_id: "assert",
        issuer_key: &pair,
        subject: SUBJECT,
        claims,
        issued_at: 1_700_000_000_000,
        expires_at: Some(1_800_000_000_000),
        integrity: None,
        encrypt,
    })
}

/// The anchor `vc_templates` would store for `issued`.
fn anchor_of(issued: &Issued) -> CredentialView {
    issued.anchor_view(1_700_000_000_000)
}

const NOW: u64 = 1_750_000_000_000;

fn public() -> [u8; 32] {
    key().public().0
}

#[test]
fn schema_follows_the_template() {
    let schema = json_schema(&trade_start_template());
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["properties"]["price"]["type"], "integer");
    assert_eq!(
        schema["properties"]["encryption"]["enum"],
        json!(["plain", "CP-ABE"])
    );
    assert_eq!(
        schema["required"],
        json!(["pdid", "cdid", "spec", "price", "checkinCptId"])
    );
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn invalid_claims_name_the_bad_field() {
    let mut c = claims();
    c["price"] = json!("a lot");
    assert!(matches!(issue_with(c), Err(BuildError::Schema { field, .. }) if field == "price"));
    let mut c = claims();
    c.as_object_mut().unwrap().remove("spec");
    assert!(matches!(issue_with(c), Err(BuildError::Schema { field, .. }) if field == "spec"));
    let mut c = claims();
    c["encryption"] = json!("rot13");
    assert!(
        matches!(issue_with(c), Err(BuildError::Schema { field, .. }) if field == "encryption")
    );
    let mut c = claims();
    c["gpu"] = json!("H100");
    assert!(matches!(issue_with(c), Err(BuildError::Schema { field, .. }) if field == "gpu"));
    assert_eq!(issue_with(json!([1])).err(), Some(BuildError::NotAnObject));
}

#[test]
fn an_issued_credential_verifies() {
    let issued = issue_with(claims()).unwrap();
    let view = anchor_of(&issued);
    let template = trade_start_template();
    issued
        .credential
        .verify(&template, Some(&view), &public(), NOW)
        .unwrap();
    // It is W3C VC 2.0 JSON and round-trips through serde.
    let text = serde_json::to_string(&issued.credential).unwrap();
    let back: Credential = serde_json::from_str(&text).unwrap();
    back.verify(&template, Some(&view), &public(), NOW).unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(raw["@context"][0], VC_CONTEXT);
    assert_eq!(raw["credentialSubject"]["id"], did_to_string(&SUBJECT));
    assert_eq!(raw["validFrom"], "2023-11-14T22:13:20.000Z");
}

#[test]
fn the_anchor_signature_is_the_one_the_contract_checks() {
    let issued = issue_with(claims()).unwrap();
    let hash = anchor_hash(&AccountId::from(REGISTRY), &issued.request);
    let DidSignature::Sr25519(sig) = issued.signature else {
        panic!("sr25519");
    };
    assert!(sr25519::Pair::verify(
        &sr25519::Signature::from_raw(sig),
        hash,
        &key().public()
    ));
}

#[test]
fn each_defect_has_its_own_error() {
    let issued = issue_with(claims()).unwrap();
    let view = anchor_of(&issued);
    let t = trade_start_template();
    let good = &issued.credential;

    let mut tampered = good.clone();
    tampered.credential_subject.insert("price".into(), json!(1));
    assert_eq!(
        tampered.verify(&t, Some(&view), &public(), NOW),
        Err(VerifyError::TamperedField {
            field: "price".into()
        })
    );

    let mut salted = good.clone();
    salted.cgrid.salts.insert("spec".into(), hex32(&[9; 32]));
    assert_eq!(
        salted.verify(&t, Some(&view), &public(), NOW),
        Err(VerifyError::WrongSalt {
            field: "spec".into()
        })
    );

    let mut revoked = view.clone();
    revoked.anchor.status = CredentialStatus::Revoked;
    revoked.valid = false;
    assert_eq!(
        good.verify(&t, Some(&revoked), &public(), NOW),
        Err(VerifyError::Revoked)
    );

    let mut suspended = view.clone();
    suspended.anchor.status = CredentialStatus::Suspended;
    assert_eq!(
        good.verify(&t, Some(&suspended), &public(), NOW),
        Err(VerifyError::Suspended)
    );

    assert_eq!(
        good.verify(&t, Some(&view), &public(), 1_800_000_000_000),
        Err(VerifyError::Expired)
    );
    assert_eq!(
        good.verify(&t, None, &public(), NOW),
        Err(VerifyError::NotAnchored)
    );

    let mut other_root = view.clone();
    other_root.anchor.claims_root = [0; 32];
    assert_eq!(
        good.verify(&t, Some(&other_root), &public(), NOW),
        Err(VerifyError::RootMismatch)
    );

    let stranger = sr25519::Pair::from_seed(&[8; 32]).public().0;
    assert_eq!(
        good.verify(&t, Some(&view), &stranger, NOW),
        Err(VerifyError::BadIssuerSignature)
    );

    let mut digests = good.clone();
    digests.cgrid.value_digests[0] = hex32(&[1; 32]);
    assert_eq!(
        digests.verify(&t, Some(&view), &public(), NOW),
        Err(VerifyError::BadClaimsSignature)
    );

    assert_eq!(
        good.verify(&settlement_template(), Some(&view), &public(), NOW),
        Err(VerifyError::LeafCount {
            expected: 6,
            got: 7
        })
    );
}

#[test]
fn selective_disclosure_reveals_only_chosen_fields() {
    let issued = issue_with(claims()).unwrap();
    let view = anchor_of(&issued);
    let t = trade_start_template();
    let p = issued.credential.present(&["price", "spec"]).unwrap();
    let text = serde_json::to_string(&p).unwrap();
    assert!(
        !text.contains("checkinCptId"),
        "undisclosed claims stay hidden"
    );
    let shown = p.verify(&t, Some(&view), &public(), NOW).unwrap();
    assert_eq!(shown.len(), 2);
    assert_eq!(shown["price"], json!(120));

    let mut forged = p.clone();
    forged.disclosed.get_mut("price").unwrap().value = json!(1);
    assert_eq!(
        forged.verify(&t, Some(&view), &public(), NOW),
        Err(VerifyError::DisclosedFieldMismatch {
            field: "price".into()
        })
    );
    let mut bad_salt = p.clone();
    bad_salt.disclosed.get_mut("spec").unwrap().salt = hex32(&[3; 32]);
    assert_eq!(
        bad_salt.verify(&t, Some(&view), &public(), NOW),
        Err(VerifyError::DisclosedFieldMismatch {
            field: "spec".into()
        })
    );
    let mut leaf_swap = p.clone();
    leaf_swap.leaves.swap(0, 1);
    assert_eq!(
        leaf_swap.verify(&t, Some(&view), &public(), NOW),
        Err(VerifyError::RootMismatch)
    );
    assert_eq!(
        issued.credential.present(&["nope"]).err(),
        Some(VerifyError::UnknownField {
            field: "nope".into()
        })
    );
}

#[test]
fn optional_fields_may_be_absent() {
    let mut c = claims();
    c.as_object_mut().unwrap().remove("encryption");
    let issued = issue_with(c).unwrap();
    assert_eq!(issued.credential.cgrid.leaves[6], hex32(&ABSENT_LEAF));
    issued
        .credential
        .verify(
            &trade_start_template(),
            Some(&anchor_of(&issued)),
            &public(),
            NOW,
        )
        .unwrap();
}

#[test]
fn decimals_parse_exactly() {
    assert_eq!(parse_decimal("12.5", 2), Some(1250));
    assert_eq!(parse_decimal("-0.01", 2), Some(-1));
    assert_eq!(parse_decimal("7", 0), Some(7));
    assert_eq!(parse_decimal("1.234", 2), None);
    assert_eq!(parse_decimal("1e3", 2), None);
    assert_eq!(parse_decimal(".5", 2), None);
}

#[test]
fn timestamps_format_as_rfc3339() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
}

#[test]
fn a_masked_credential_withholds_what_the_mask_names_and_says_why() {
    use cgrid_shared::{MaskMarker, Scope};
    let issued = issue_with(claims()).expect("valid claims");
    let credential = &issued.credential;
    let open = credential.read_view(None);
    assert!(open.masked.is_none());
    assert_eq!(open.claims.len(), credential.credential_subject.len() - 1);
    assert!(open.subject.is_some());

    // The marker as vc_templates' `verify` returns it with the anchor.
    let mask = |scope: Scope| MaskMarker {
        scope,
        withheld: vec!["subject".into()],
        reason_code: 7,
        reason_hash: [0xEE; 32],
        content_hash: [0xC0; 32],
        by: AccountId::from([0xB0; 32]),
        since: 1_700_000_000_000,
    };
    let fields = credential.read_view(Some(&mask(Scope::Fields(vec!["price".into()]))));
    assert!(!fields.claims.contains_key("price"));
    assert_eq!(fields.claims.len(), open.claims.len() - 1);
    assert_eq!(fields.subject, open.subject);
    let marker = fields.masked.expect("a marker");
    assert_eq!(marker.withheld, vec!["price".to_string()]);
    assert_eq!(marker.reason_code, 7);
    assert_eq!(marker.since, "2023-11-14T22:13:20.000Z");

    let whole = credential.read_view(Some(&mask(Scope::Whole)));
    assert!(whole.claims.is_empty());
    assert!(whole.subject.is_none());
    assert_eq!(whole.masked.unwrap().withheld.len(), open.claims.len());
    // The commitment stays: the leaves are the same in every view.
    assert_eq!(whole.leaves, open.leaves);
    // The serialised view carries the marker under `masked`.
    let json = serde_json::to_value(credential.read_view(Some(&mask(Scope::Whole)))).unwrap();
    assert_eq!(json["masked"]["reasonCode"], 7);
}

#[test]
fn a_claim_proof_opens_one_leaf_of_the_anchored_root() {
    let issued = issue_with(claims()).unwrap();
    let c = &issued.credential;
    let proof = c.claim_proof("price", 120).unwrap();
    assert_eq!(proof.credential, issued.request.id);
    assert_eq!(
        cgrid_shared::claims_root_hash(&proof.leaves),
        issued.request.claims_root
    );
    let index = usize::try_from(proof.index).unwrap();
    assert_eq!(
        proof.leaves[index],
        cgrid_shared::claim_leaf_hash("price", &proof.salt, &ClaimValue::Integer(120)),
        "the leaf the contract recomputes from the revealed value"
    );
    // Another value, an unknown claim, or a tampered root is refused.
    assert!(matches!(
        c.claim_proof("price", 121),
        Err(VerifyError::DisclosedFieldMismatch { .. })
    ));
    assert!(matches!(
        c.claim_proof("greenShare", 1),
        Err(VerifyError::UnknownField { .. })
    ));
    let mut tampered = c.clone();
    tampered.cgrid.leaves[0] = format!("0x{}", "00".repeat(32));
    assert!(matches!(
        tampered.claim_proof("price", 120),
        Err(VerifyError::RootMismatch)
    ));
}

/// Issue 23: a credential issued with its claims sealed under an access tree.
mod encrypted {
    use super::*;
    use crate::abe::{AccessTree, Authority, Epoch};
    use crate::encrypted::{DecryptError, Encrypt, EncryptedCredential};

    fn issue_sealed(authority: &Authority, tree: &AccessTree) -> Issued {
        issue_sealed_with(
            claims(),
            Some(Encrypt {
                params: &authority.public,
                tree,
                epoch: Epoch::parse("2026-12").unwrap(),
            }),
        )
        .unwrap()
    }

    fn regulators() -> AccessTree {
        AccessTree::from_json(&json!({"and": [{"attr": "role:regulator"}, {"attr": "region:eu"}]}))
            .unwrap()
    }

    #[test]
    fn the_anchor_commits_to_the_ciphertext_and_anyone_verifies_it_without_the_claims() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let issued = issue_sealed(&authority, &regulators());
        let enc = issued.encrypted.clone().expect("sealed");
        assert_eq!(issued.request.policy_id, Some(regulators().policy_id()));
        assert_eq!(
            issued.request.ciphertext_hash,
            Some(enc.sealed.ciphertext_hash())
        );
        // The readable part names no claim and no value digest.
        let readable = serde_json::to_string(&enc.credential).unwrap();
        for hidden in ["8 vCPU", "price", "checkinCptId"] {
            assert!(!readable.contains(hidden), "{hidden} shows in {readable}");
        }
        assert!(enc.credential.cgrid.value_digests.is_empty());
        let view = anchor_of(&issued);
        let t = trade_start_template();
        enc.verify(&t, Some(&view), &public(), NOW).unwrap();
        let round = EncryptedCredential::from_json(&serde_json::to_value(&enc).unwrap()).unwrap();
        assert_eq!(round, enc);

        // Changed after issuance: the ciphertext, the policy shown, or the anchor's policy.
        let mut flipped = enc.clone();
        flipped.sealed.ciphertext.ct.ct[3] ^= 0x40;
        assert!(matches!(
            flipped.verify(&t, Some(&view), &public(), NOW),
            Err(VerifyError::Ciphertext(_))
        ));
        let mut weaker = enc.clone();
        let anyone = AccessTree::from_json(&json!({"attr": "anyone"})).unwrap();
        weaker.sealed.policy = anyone.to_json();
        weaker.sealed.policy_id = format!("0x{}", hex::encode(anyone.policy_id()));
        assert!(matches!(
            weaker.verify(&t, Some(&view), &public(), NOW),
            Err(VerifyError::Ciphertext(_))
        ));
        // An anchor without a ciphertext (issued plain) does not vouch for a sealed file.
        let mut plain_view = view.clone();
        plain_view.anchor.ciphertext_hash = None;
        plain_view.anchor.policy_id = None;
        assert!(matches!(
            enc.verify(&t, Some(&plain_view), &public(), NOW),
            Err(VerifyError::Ciphertext(_))
        ));
        // Re-sealed by someone else under a weaker tree: not the anchored ciphertext.
        let other = issue_sealed(&authority, &anyone).encrypted.unwrap();
        let mut swapped = enc.clone();
        swapped.sealed = other.sealed;
        assert!(matches!(
            swapped.verify(&t, Some(&view), &public(), NOW),
            Err(VerifyError::Ciphertext(_))
        ));
    }

    #[test]
    fn a_satisfying_key_gets_the_full_credential_back_and_presents_it_selectively() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let issued = issue_sealed(&authority, &regulators());
        let enc = issued.encrypted.clone().unwrap();
        let dec = Epoch::parse("2026-12").unwrap();
        let attrs = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let regulator = authority
            .issue_key("reg", &attrs(&["role:regulator", "region:eu"]), dec, 1)
            .unwrap();
        let full = enc.decrypt(&authority.public, &regulator).unwrap();
        assert_eq!(full, issued.credential);
        let view = anchor_of(&issued);
        let t = trade_start_template();
        full.verify(&t, Some(&view), &public(), NOW).unwrap();
        let shown = full
            .present(&["price"])
            .unwrap()
            .verify(&t, Some(&view), &public(), NOW)
            .unwrap();
        assert_eq!(shown["price"], json!(120));

        let stranger = authority
            .issue_key("x", &attrs(&["role:regulator", "region:us"]), dec, 1)
            .unwrap();
        assert!(matches!(
            enc.decrypt(&authority.public, &stranger),
            Err(DecryptError::Abe(
                crate::abe::AbeError::PolicyNotSatisfied { .. }
            ))
        ));
    }
}

/// Issue 23: predicate proofs over the issuer's Pedersen commitments.
mod predicates {
    use super::*;
    use crate::predicate::{Predicate, PredicateError, PredicateProof};

    fn prove(
        issued: &Issued,
        text: &str,
        audience: &str,
    ) -> Result<PredicateProof, PredicateError> {
        let p = Predicate::parse(text, &trade_start_template())?;
        issued.credential.prove(&p, audience)
    }

    fn check(issued: &Issued, proof: &PredicateProof) -> Result<(), VerifyError> {
        proof.verify(
            &trade_start_template(),
            Some(&anchor_of(issued)),
            &public(),
            "verifier-1",
            NOW,
        )
    }

    #[test]
    fn true_statements_verify_without_the_value() {
        let issued = issue_with(claims()).unwrap();
        for text in [
            "price>=100",
            "price>=120",
            "price<=120",
            "price<=500",
            "price in 100..150",
        ] {
            let proof = prove(&issued, text, "verifier-1").unwrap();
            // Neither the value (as any JSON number or numeric text) nor its opening is in it.
            fn numbers(v: &Value, out: &mut Vec<String>) {
                match v {
                    Value::Number(n) => out.push(n.to_string()),
                    Value::String(s) if s.parse::<u64>().is_ok() => out.push(s.clone()),
                    Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
                    Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
                    _ => {}
                }
            }
            let mut shown = Vec::new();
            numbers(&serde_json::to_value(&proof).unwrap(), &mut shown);
            assert!(
                !shown.contains(&"120".to_string()) || text.contains("120"),
                "{text}: {shown:?}"
            );
            let opening = issued.credential.cgrid.openings["price"].trim_start_matches("0x");
            assert!(!serde_json::to_string(&proof).unwrap().contains(opening));
            check(&issued, &proof).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
        // The holder's openings are in its file only: a presentation carries none.
        let p = serde_json::to_string(&issued.credential.present(&["spec"]).unwrap()).unwrap();
        assert!(!p.contains("openings"));
    }

    #[test]
    fn a_false_statement_cannot_be_shown() {
        let issued = issue_with(claims()).unwrap();
        assert!(matches!(
            prove(&issued, "price>=121", "verifier-1"),
            Err(PredicateError::False(_))
        ));
        assert!(matches!(
            prove(&issued, "price in 1..119", "verifier-1"),
            Err(PredicateError::False(_))
        ));
        // A true proof relabelled as a stronger statement.
        let mut relabelled = prove(&issued, "price>=100", "verifier-1").unwrap();
        relabelled.predicate = "price>=121".into();
        assert!(matches!(
            check(&issued, &relabelled),
            Err(VerifyError::Predicate(_))
        ));
        // A proof of the wrapped difference 120 − 121 mod 2^64 (a u64 in range) for the false
        // bound: it commits to another point than C − 121·B.
        let proof = prove(&issued, "price>=100", "verifier-1").unwrap();
        let r = issued.credential.cgrid.openings["price"].clone();
        let r =
            curve25519_dalek::scalar::Scalar::from_canonical_bytes(unhex32(&r).unwrap()).unwrap();
        let mut t = merlin::Transcript::new(b"cgrid predicate proof v1");
        t.append_message(b"registry", proof.registry.to_ascii_lowercase().as_bytes());
        t.append_message(
            b"credential",
            proof.credential_id.to_ascii_lowercase().as_bytes(),
        );
        t.append_message(b"predicate", b"price>=121");
        t.append_message(b"audience", b"verifier-1");
        t.append_message(b"part", b"lower");
        let (forged, _) = bulletproofs::RangeProof::prove_single(
            &bulletproofs::BulletproofGens::new(64, 1),
            &bulletproofs::PedersenGens::default(),
            &mut t,
            120u64.wrapping_sub(121),
            &r,
            64,
        )
        .unwrap();
        let mut wrapped = proof.clone();
        wrapped.predicate = "price>=121".into();
        wrapped.range_proofs = vec![hex::encode(forged.to_bytes())];
        assert!(matches!(
            check(&issued, &wrapped),
            Err(VerifyError::Predicate(_))
        ));
    }

    #[test]
    fn a_proof_is_bound_to_its_credential_its_commitment_and_its_verifier() {
        let issued = issue_with(claims()).unwrap();
        let mut other_claims = claims();
        other_claims["price"] = json!(500);
        let other = issue_with(other_claims).unwrap();
        let proof = prove(&issued, "price>=100", "verifier-1").unwrap();
        // Replayed as a proof about the other credential (its id, its anchor).
        let mut replayed = proof.clone();
        replayed.credential_id = other.credential.cgrid.credential_id.clone();
        assert!(matches!(
            replayed.verify(
                &trade_start_template(),
                Some(&anchor_of(&other)),
                &public(),
                "verifier-1",
                NOW
            ),
            Err(VerifyError::Predicate(_))
        ));
        // The other credential's signed commitment under this proof.
        let mut swapped = proof.clone();
        swapped.commitment = other.credential.cgrid.pedersen["price"].clone();
        assert!(matches!(
            check(&issued, &swapped),
            Err(VerifyError::Predicate(_))
        ));
        // Another verifier.
        assert!(matches!(
            proof.verify(
                &trade_start_template(),
                Some(&anchor_of(&issued)),
                &public(),
                "verifier-2",
                NOW
            ),
            Err(VerifyError::Predicate(_))
        ));
        let mut readdressed = proof.clone();
        readdressed.audience = "verifier-2".into();
        assert!(matches!(
            readdressed.verify(
                &trade_start_template(),
                Some(&anchor_of(&issued)),
                &public(),
                "verifier-2",
                NOW
            ),
            Err(VerifyError::Predicate(_))
        ));
        // Not anchored, or revoked: refused like the credential.
        assert_eq!(
            proof.verify(&trade_start_template(), None, &public(), "verifier-1", NOW),
            Err(VerifyError::NotAnchored)
        );
        let round = PredicateProof::from_json(&serde_json::to_value(&proof).unwrap()).unwrap();
        assert_eq!(round, proof);
    }

    #[test]
    fn bad_predicates_are_named() {
        let t = trade_start_template();
        for (text, want) in [
            ("price>=", "not a value of price"),
            ("price>=abc", "not a value of price"),
            ("spec>=3", "not a numeric claim"),
            ("price in 5..1", "is not a predicate"),
            ("price=5", "is not a predicate"),
            ("price>=-1", "not in 0..2^64"),
        ] {
            let e = Predicate::parse(text, &t).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
