//! The W3C layer of a credential: the Data Integrity proof, the contexts, the schema and status
//! entries, and presentations as W3C Verifiable Presentations.

use super::*;
use crate::did_doc::{ed25519_assertion_key, resolution};
use crate::integrity::IntegrityError;
use cgrid_shared::{
    DidDocument, KeyPurposes, KeyType, MaskedView, PropertyType, VerificationMethod,
    ATTRIBUTE_NAMES,
};
use sp_core::ed25519;

/// An edit of a JSON document, for the tables of broken cases.
type Edit = fn(&mut Value);

const ENERGY_CPT: CptId = 1_000;

fn ed_key() -> ed25519::Pair {
    ed25519::Pair::from_seed(&[3; 32])
}

/// The energy certificate as the suite publishes it (`suite::ops::energy_certificate_template`).
fn energy_template() -> CptTemplate {
    CptTemplate {
        title: "ComputeGrid energy certificate".into(),
        description: "Audited energy and public-welfare figures of a compute provider".into(),
        properties: ATTRIBUTE_NAMES
            .iter()
            .map(|name| cgrid_shared::CptProperty {
                name: (*name).into(),
                property_type: PropertyType::Integer,
                description: String::new(),
                required: true,
                allowed: Vec::new(),
            })
            .collect(),
    }
}

fn issue_signed(template: &CptTemplate, cpt_id: CptId, claims: Value) -> Issued {
    let pair = key();
    let ed = ed_key();
    issue(IssueInput {
        registry: AccountId::from(REGISTRY),
        cpt_id,
        template,
        issuer: ISSUER,
        issuer_key_id: "assert",
        issuer_key: &pair,
        subject: SUBJECT,
        claims,
        issued_at: 1_700_000_000_000,
        expires_at: Some(1_800_000_000_000),
        integrity: Some(IntegrityKey {
            key: &ed,
            key_id: "ed-assert",
        }),
        encrypt: None,
    })
    .expect("valid claims")
}

fn energy_credential() -> Issued {
    issue_signed(
        &energy_template(),
        ENERGY_CPT,
        json!({"greenShare": 8_000, "carbon": 120, "pue": 1_200, "charity": 100}),
    )
}

/// The issuer's DID as the registry resolves it: the sr25519 anchor key and the Ed25519
/// Data Integrity key, both assertion methods.
fn issuer_resolution() -> Value {
    let assertion = KeyPurposes {
        assertion_method: true,
        ..KeyPurposes::default()
    };
    resolution(&MaskedView {
        record: DidDocument {
            id: ISSUER,
            account: AccountId::from([0x99; 32]),
            controllers: Vec::new(),
            verification_methods: vec![
                VerificationMethod {
                    id: "assert".into(),
                    key_type: KeyType::Sr25519,
                    public_key: public().to_vec(),
                    purposes: assertion,
                },
                VerificationMethod {
                    id: "ed-assert".into(),
                    key_type: KeyType::Ed25519,
                    public_key: ed_key().public().0.to_vec(),
                    purposes: assertion,
                },
            ],
            services: Vec::new(),
            created_at: 1,
            updated_at: 1,
            nonce: 2,
            deactivated: false,
        },
        masked: None,
    })
}

#[test]
fn an_integrity_key_adds_a_data_integrity_proof_to_the_set() {
    let issued = issue_with(claims()).unwrap();
    assert_eq!(issued.credential.proof.len(), 2);
    assert_eq!(
        issued.credential.verify_integrity(|_| Ok([0; 32])),
        Err(IntegrityError::NoProof)
    );

    let issued = issue_signed(&trade_start_template(), TRADE_START_CPT, claims());
    let credential = &issued.credential;
    assert_eq!(credential.proof.len(), 3);
    let di = &credential.proof[2];
    assert_eq!(di.proof_type, "DataIntegrityProof");
    assert_eq!(di.cryptosuite.as_deref(), Some("eddsa-jcs-2022"));
    assert_eq!(di.created.as_deref(), Some("2023-11-14T22:13:20.000Z"));
    assert_eq!(di.proof_purpose, "assertionMethod");
    assert_eq!(
        di.verification_method,
        format!("{}#ed-assert", did_to_string(&ISSUER))
    );
    assert!(di.proof_value.starts_with('z'));
    assert_eq!(di.context, Some(json!([VC_CONTEXT, CGRID_CONTEXT])));

    // The sr25519 proofs and the anchor still verify as before.
    let view = anchor_of(&issued);
    credential
        .verify(&trade_start_template(), Some(&view), &public(), NOW)
        .unwrap();
    // The Data Integrity proof verifies with the key the issuer's DID document lists.
    let did = issuer_resolution();
    credential
        .verify_integrity(|m| ed25519_assertion_key(&did, m))
        .unwrap();
    // Also after a JSON round trip, and as plain JSON.
    let text = serde_json::to_string(credential).unwrap();
    let back: Credential = serde_json::from_str(&text).unwrap();
    back.verify_integrity(|m| ed25519_assertion_key(&did, m))
        .unwrap();
    integrity::verify_proof(&serde_json::from_str(&text).unwrap(), |m| {
        ed25519_assertion_key(&did, m)
    })
    .unwrap();
    // The sr25519 key is not an Ed25519 key.
    let method = credential.proof[2].verification_method.clone();
    assert!(ed25519_assertion_key(&did, &method.replace("ed-assert", "assert")).is_err());

    // Any change of the credential breaks it.
    let mut tampered = credential.clone();
    tampered.credential_subject.insert("price".into(), json!(1));
    assert_eq!(
        tampered.verify_integrity(|m| ed25519_assertion_key(&did, m)),
        Err(IntegrityError::BadSignature)
    );
    let mut salted = credential.clone();
    salted.cgrid.salts.insert("spec".into(), hex32(&[9; 32]));
    assert_eq!(
        salted.verify_integrity(|m| ed25519_assertion_key(&did, m)),
        Err(IntegrityError::BadSignature)
    );
    let mut later = credential.clone();
    later.valid_until = None;
    assert_eq!(
        later.verify_integrity(|m| ed25519_assertion_key(&did, m)),
        Err(IntegrityError::BadSignature)
    );
    // A stranger's key does not verify it.
    let stranger = ed25519::Pair::from_seed(&[4; 32]).public().0;
    assert_eq!(
        credential.verify_integrity(|_| Ok(stranger)),
        Err(IntegrityError::BadSignature)
    );
    // The sr25519 proofs are found by type, wherever they sit in the set.
    let mut reordered = credential.clone();
    reordered.proof.reverse();
    reordered
        .verify(&trade_start_template(), Some(&view), &public(), NOW)
        .unwrap();
}

#[test]
fn schema_and_status_entries_name_the_template_and_the_anchor() {
    let issued = energy_credential();
    let c = &issued.credential;
    let urn = format!("urn:cgrid:cpt:0x{}:1000", "42".repeat(32));
    assert_eq!(
        c.credential_schema,
        json!({"id": urn, "type": "JsonSchema"})
    );
    assert_eq!(cpt_urn(&AccountId::from(REGISTRY), ENERGY_CPT), urn);
    assert_eq!(
        c.credential_status,
        json!({
            "id": format!("urn:cgrid:status:0x{}:{}", "42".repeat(32), c.cgrid.credential_id),
            "type": "CgridAnchorStatus",
        })
    );
    // The schema the credential names says so, and still validates the claims.
    let schema = json_schema_with_id(&energy_template(), &AccountId::from(REGISTRY), ENERGY_CPT);
    assert_eq!(schema["$id"], urn);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut claims = c.credential_subject.clone();
    claims.remove("id");
    assert!(validator.is_valid(&Value::Object(claims)));
    assert!(!validator.is_valid(&json!({"greenShare": "all of it"})));
}

// ---------------------------------------------------------------------------------------------
// Every member name is a defined term
// ---------------------------------------------------------------------------------------------

/// The terms of the VC 2.0 context (`https://www.w3.org/ns/credentials/v2`) this crate uses:
/// top-level and in the `VerifiableCredential` / `VerifiablePresentation` / `JsonSchema`
/// type-scoped contexts (which a processor applies to those nodes).
const VC_V2_TERMS: &[&str] = &[
    "id",
    "type",
    "name",
    "description",
    "issuer",
    "validFrom",
    "validUntil",
    "credentialSubject",
    "credentialSchema",
    "credentialStatus",
    "proof",
    "holder",
    "verifiableCredential",
];
/// The VC 2.0 context's `DataIntegrityProof` type-scoped terms.
const VC_V2_DATA_INTEGRITY_TERMS: &[&str] = &[
    "id",
    "type",
    "challenge",
    "created",
    "cryptosuite",
    "domain",
    "expires",
    "nonce",
    "previousProof",
    "proofPurpose",
    "proofValue",
    "verificationMethod",
];
/// Types the VC 2.0 context defines.
const VC_V2_TYPES: &[&str] = &[
    "VerifiableCredential",
    "VerifiablePresentation",
    "JsonSchema",
    "DataIntegrityProof",
];

fn cgrid_context() -> Map<String, Value> {
    let doc: Value = serde_json::from_str(CGRID_CONTEXT_DOCUMENT).expect("the context is JSON");
    doc["@context"].as_object().expect("an object").clone()
}

fn types_of(node: &Map<String, Value>) -> Vec<String> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// Member names (and types) under `value` that neither the VC 2.0 context nor the cgrid
/// context defines, as paths. Values of `@json` terms are opaque and not walked.
fn undefined_terms(value: &Value, ctx: &Map<String, Value>, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undefined_terms(item, ctx, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(node) => {
            let types = types_of(node);
            for t in &types {
                if !VC_V2_TYPES.contains(&t.as_str()) && !ctx.contains_key(t) {
                    out.push(format!("{path}.type={t}"));
                }
            }
            let data_integrity = types.iter().any(|t| t == "DataIntegrityProof");
            let scoped: Vec<String> = types
                .iter()
                .filter_map(|t| ctx.get(t)?.get("@context")?.as_object())
                .flat_map(|c| c.keys().cloned())
                .collect();
            for (name, member) in node {
                let defined = name.starts_with('@')
                    || if data_integrity {
                        VC_V2_DATA_INTEGRITY_TERMS.contains(&name.as_str())
                    } else {
                        VC_V2_TERMS.contains(&name.as_str())
                            || ctx.contains_key(name)
                            || scoped.contains(name)
                    };
                if !defined {
                    out.push(format!("{path}.{name}"));
                }
                let opaque = ctx
                    .get(name)
                    .and_then(|d| d.get("@type"))
                    .is_some_and(|t| t == "@json");
                if name != "@context" && name != "type" && !opaque {
                    undefined_terms(member, ctx, &format!("{path}.{name}"), out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_cgrid_context_is_a_protected_json_ld_1_1_context() {
    let doc: Value = serde_json::from_str(CGRID_CONTEXT_DOCUMENT).unwrap();
    let ctx = doc["@context"].as_object().unwrap();
    assert_eq!(ctx["@version"], 1.1);
    assert_eq!(ctx["@protected"], true);
    assert!(
        ctx.get("@vocab").is_none(),
        "every term is defined explicitly"
    );
    // `cgrid` is opaque JSON: its members need no terms.
    assert_eq!(ctx["cgrid"]["@type"], "@json");
    for (term, definition) in ctx.iter().filter(|(t, _)| !t.starts_with('@')) {
        let iri = match definition {
            Value::String(s) => s.as_str(),
            Value::Object(d) => d["@id"].as_str().unwrap_or_default(),
            _ => "",
        };
        assert!(
            iri.starts_with("https://") || iri.starts_with('@'),
            "{term} maps to {iri}"
        );
    }
    // The VC context's protected terms keep their meaning.
    assert_eq!(ctx["id"], "@id");
    assert_eq!(ctx["type"], "@type");
}

#[test]
fn every_member_of_an_energy_certificate_is_a_defined_term() {
    let ctx = cgrid_context();
    let issued = energy_credential();
    let json = issued.credential.to_json();
    assert_eq!(json["@context"], json!([VC_CONTEXT, CGRID_CONTEXT]));
    assert_eq!(
        json["type"],
        json!(["VerifiableCredential", "ComputeGridCredential"])
    );
    let mut missing = Vec::new();
    undefined_terms(&json, &ctx, "$", &mut missing);
    assert_eq!(missing, Vec::<String>::new());

    // So is every member of its W3C presentation, and of a trade-start credential.
    let vp = issued
        .credential
        .present(&["greenShare", "pue"])
        .unwrap()
        .to_w3c();
    undefined_terms(&vp, &ctx, "$", &mut missing);
    let trade = issue_signed(&trade_start_template(), TRADE_START_CPT, claims());
    undefined_terms(&trade.credential.to_json(), &ctx, "$", &mut missing);
    assert_eq!(missing, Vec::<String>::new());

    // The walk does find an undefined member.
    let mut extra = json.clone();
    extra["credentialSubject"]["gpuHours"] = json!(3);
    extra["proof"][0]["note"] = json!("x");
    undefined_terms(&extra, &ctx, "$", &mut missing);
    assert_eq!(
        missing,
        vec![
            "$.credentialSubject.gpuHours".to_string(),
            "$.proof[0].note".to_string()
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Presentations
// ---------------------------------------------------------------------------------------------

#[test]
fn a_presentation_round_trips_through_a_w3c_verifiable_presentation() {
    let issued = issue_with(claims()).unwrap();
    let view = anchor_of(&issued);
    let t = trade_start_template();
    let p = issued.credential.present(&["price", "spec"]).unwrap();
    let vp = p.to_w3c();
    assert_eq!(vp["@context"], json!([VC_CONTEXT, CGRID_CONTEXT]));
    assert_eq!(vp["type"], json!(["VerifiablePresentation"]));
    assert_eq!(vp["holder"], did_to_string(&SUBJECT));
    let vc = &vp["verifiableCredential"][0];
    assert_eq!(vc["id"], issued.credential.id);
    assert_eq!(vc["issuer"], issued.credential.issuer);
    assert_eq!(vc["credentialSchema"], issued.credential.credential_schema);
    assert_eq!(vc["credentialStatus"], issued.credential.credential_status);
    assert_eq!(vc["credentialSubject"]["price"], 120);
    assert!(vc["credentialSubject"].get("checkinCptId").is_none());
    let text = vp.to_string();
    assert!(
        !text.contains("checkinCptId"),
        "undisclosed claims stay hidden"
    );
    assert!(!text.contains("claimsRoot") && !text.contains("valueDigests"));

    let back = Presentation::from_w3c(&vp).unwrap();
    assert_eq!(back, p);
    assert_eq!(
        back.verify(&t, Some(&view), &public(), NOW),
        p.verify(&t, Some(&view), &public(), NOW)
    );
    assert_eq!(
        back.verify(&t, Some(&view), &public(), NOW).unwrap().len(),
        2
    );

    // A forged value still fails where `verify` checks it.
    let mut forged = vp.clone();
    forged["verifiableCredential"][0]["credentialSubject"]["price"] = json!(1);
    assert_eq!(
        Presentation::from_w3c(&forged)
            .unwrap()
            .verify(&t, Some(&view), &public(), NOW),
        Err(VerifyError::DisclosedFieldMismatch {
            field: "price".into()
        })
    );
}

#[test]
fn a_malformed_w3c_presentation_is_refused() {
    let issued = issue_with(claims()).unwrap();
    let vp = issued.credential.present(&["price"]).unwrap().to_w3c();
    let broken: Vec<(&str, Edit)> = vec![
        ("context", |v| {
            v["@context"] = json!(["https://example.org"])
        }),
        ("type", |v| v["type"] = json!(["VerifiableCredential"])),
        ("holder", |v| v["holder"] = json!(did_to_string(&[5; 32]))),
        ("no credential", |v| v["verifiableCredential"] = json!([])),
        ("id", |v| {
            v["verifiableCredential"][0]["id"] = json!("urn:cgrid:vc:0x00")
        }),
        ("salt", |v| {
            v["verifiableCredential"][0]["cgrid"]["salts"] = json!({})
        }),
        ("undisclosed salt", |v| {
            v["verifiableCredential"][0]["cgrid"]["salts"]["spec"] = json!("0x00")
        }),
        ("anchor proof", |v| {
            v["verifiableCredential"][0]["proof"]["type"] = json!("DataIntegrityProof")
        }),
        ("cgrid", |v| {
            v["verifiableCredential"][0]
                .as_object_mut()
                .unwrap()
                .remove("cgrid");
        }),
    ];
    for (what, edit) in broken {
        let mut bad = vp.clone();
        edit(&mut bad);
        assert!(
            matches!(Presentation::from_w3c(&bad), Err(VerifyError::Malformed(_))),
            "{what}"
        );
    }
    // A single credential object (not in an array) is accepted.
    let mut single = vp.clone();
    single["verifiableCredential"] = vp["verifiableCredential"][0].clone();
    assert!(Presentation::from_w3c(&single).is_ok());
}
