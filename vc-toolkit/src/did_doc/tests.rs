//! DID Core documents and resolution results of registry reads.

use super::*;
use cgrid_shared::{KeyPurposes, Mask, Maskable, Scope, Service, VerificationMethod};
use ink::primitives::AccountId;

/// An edit of a JSON document, for the tables of broken cases.
type Edit = fn(&mut Value);

const DID: [u8; 32] = [0xAB; 32];
const CONTROLLER: [u8; 32] = [0xCD; 32];

fn purposes(a: bool, b: bool, c: bool, d: bool) -> KeyPurposes {
    KeyPurposes {
        authentication: a,
        assertion_method: b,
        capability_invocation: c,
        key_agreement: d,
    }
}

/// A document with every key type and every relationship.
fn sample() -> DidDocument {
    let mut ecdsa = vec![0x02];
    ecdsa.extend([0x33; 32]);
    DidDocument {
        id: DID,
        account: AccountId::from([0x01; 32]),
        controllers: vec![CONTROLLER],
        verification_methods: vec![
            VerificationMethod {
                id: "sr".into(),
                key_type: KeyType::Sr25519,
                public_key: vec![0x11; 32],
                purposes: KeyPurposes::ALL,
            },
            VerificationMethod {
                id: "ed".into(),
                key_type: KeyType::Ed25519,
                public_key: vec![0x22; 32],
                purposes: purposes(true, true, false, false),
            },
            VerificationMethod {
                id: "k1".into(),
                key_type: KeyType::Ecdsa,
                public_key: ecdsa,
                purposes: purposes(false, false, true, true),
            },
        ],
        services: vec![Service {
            id: "controller".into(),
            service_type: "ComputeGridController".into(),
            endpoint: "https://provider.example/cgrid".into(),
        }],
        created_at: 1_700_000_000_123,
        updated_at: 1_700_000_360_000,
        nonce: 4,
        deactivated: false,
    }
}

fn open(doc: DidDocument) -> MaskedView<DidDocument> {
    MaskedView {
        record: doc,
        masked: None,
    }
}

fn mask(scope: Scope) -> Mask {
    Mask {
        scope,
        owner_may_write: false,
        reason_code: 9,
        reason_hash: [0xE1; 32],
        content_hash: [0xE2; 32],
        by: AccountId::from([0xEE; 32]),
        since: 1_700_000_000_000,
        approvals: Vec::new(),
    }
}

fn url(fragment: &str) -> String {
    format!("{}#{fragment}", did_to_string(&DID))
}

#[test]
fn a_resolution_result_has_the_did_core_shape() {
    let result = resolution(&open(sample()));
    assert_eq!(result["@context"], DID_RESOLUTION_CONTEXT);
    assert_eq!(
        result["didResolutionMetadata"],
        json!({"contentType": "application/did+ld+json"})
    );
    check_did_core_shape(&result).unwrap();
    let doc = &result["didDocument"];
    check_did_core_shape(doc).unwrap();
    assert_eq!(doc["@context"], json!([DID_CONTEXT, MULTIKEY_CONTEXT]));
    assert_eq!(doc["id"], did_to_string(&DID));
    assert_eq!(
        doc["controller"],
        json!([did_to_string(&DID), did_to_string(&CONTROLLER)])
    );
    let methods = doc["verificationMethod"].as_array().unwrap();
    assert_eq!(methods.len(), 3);
    assert_eq!(
        methods[0],
        json!({
            "id": url("sr"),
            "type": "Multikey",
            "controller": did_to_string(&DID),
            "publicKeyMultibase": multikey(KeyType::Sr25519, &[0x11; 32]),
        })
    );
    assert_eq!(doc["authentication"], json!([url("sr"), url("ed")]));
    assert_eq!(doc["assertionMethod"], json!([url("sr"), url("ed")]));
    assert_eq!(doc["capabilityInvocation"], json!([url("sr"), url("k1")]));
    assert_eq!(doc["keyAgreement"], json!([url("sr"), url("k1")]));
    assert_eq!(
        doc["service"],
        json!([{
            "id": url("controller"),
            "type": "ComputeGridController",
            "serviceEndpoint": "https://provider.example/cgrid",
        }])
    );
    let meta = &result["didDocumentMetadata"];
    assert_eq!(meta["created"], "2023-11-14T22:13:20Z");
    assert_eq!(meta["updated"], "2023-11-14T22:19:20Z");
    assert_eq!(meta["versionId"], "4");
    assert_eq!(meta["cgridAccount"], format!("0x{}", "01".repeat(32)));
    assert!(meta.get("deactivated").is_none());
    assert!(meta.get("cgridMasked").is_none());
}

#[test]
fn every_key_round_trips_through_its_multikey() {
    let result = resolution(&open(sample()));
    for m in &sample().verification_methods {
        let encoded = multikey(m.key_type, &m.public_key);
        assert_eq!(
            parse_multikey(&encoded).unwrap(),
            (m.key_type, m.public_key.clone())
        );
        assert_eq!(
            verification_key(&result, &url(&m.id)).unwrap(),
            (m.key_type, m.public_key.clone())
        );
        // A bare document works as well as a resolution result.
        assert_eq!(
            verification_key(&result["didDocument"], &url(&m.id)).unwrap(),
            (m.key_type, m.public_key.clone())
        );
    }
    // The well-known multibase prefixes of Ed25519 and compressed secp256k1 keys.
    assert!(multikey(KeyType::Ed25519, &[0x22; 32]).starts_with("z6Mk"));
    let mut k1 = vec![0x02];
    k1.extend([0x33; 32]);
    assert!(multikey(KeyType::Ecdsa, &k1).starts_with("zQ3s"));
    assert!(verification_key(&result, &url("nope")).is_err());
}

#[test]
fn malformed_multikeys_are_refused() {
    assert!(parse_multikey("6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").is_err());
    assert!(parse_multikey("z0OIl").is_err());
    // A known codec with a short key.
    assert!(parse_multikey(&multikey(KeyType::Ed25519, &[1; 31])).is_err());
    // An unknown codec (x25519-pub, 0xec).
    let x25519 = format!(
        "z{}",
        bs58::encode([[0xec, 0x01].as_slice(), &[1; 32]].concat()).into_string()
    );
    assert!(parse_multikey(&x25519).is_err());
}

#[test]
fn relationships_are_checked_by_id() {
    let result = resolution(&open(sample()));
    assert!(has_relationship(&result, "assertionMethod", &url("ed")));
    assert!(!has_relationship(&result, "keyAgreement", &url("ed")));
    assert!(has_relationship(
        &result["didDocument"],
        "keyAgreement",
        &url("k1")
    ));
    assert!(!has_relationship(&result, "assertionMethod", &url("k1")));
    assert_eq!(ed25519_assertion_key(&result, &url("ed")), Ok([0x22; 32]));
    assert!(
        ed25519_assertion_key(&result, &url("sr")).is_err(),
        "not Ed25519"
    );
    assert!(
        ed25519_assertion_key(&result, &url("k1")).is_err(),
        "not assertion"
    );
    // Relative references resolve against the document's id.
    let mut doc = result["didDocument"].clone();
    doc["assertionMethod"] = json!(["#ed"]);
    assert!(has_relationship(&doc, "assertionMethod", &url("ed")));
    check_did_core_shape(&doc).unwrap();
}

#[test]
fn a_masked_document_shows_the_marker() {
    let fields = sample().shown(Some(mask(Scope::Fields(vec![
        "service".into(),
        "account".into(),
    ]))));
    let result = resolution(&fields);
    check_did_core_shape(&result).unwrap();
    assert!(result["didDocument"].get("service").is_none());
    assert!(result["didDocument"].get("verificationMethod").is_some());
    let meta = &result["didDocumentMetadata"];
    assert!(
        meta.get("cgridAccount").is_none(),
        "the account is withheld"
    );
    assert_eq!(
        meta["cgridMasked"],
        json!({
            "withheld": ["account", "service"],
            "reasonCode": 9,
            "reasonHash": format!("0x{}", "e1".repeat(32)),
            "contentHash": format!("0x{}", "e2".repeat(32)),
            "by": format!("0x{}", "ee".repeat(32)),
            "since": "2023-11-14T22:13:20.000Z",
        })
    );

    let whole = resolution(&sample().shown(Some(mask(Scope::Whole))));
    check_did_core_shape(&whole).unwrap();
    let doc = &whole["didDocument"];
    for member in [
        "verificationMethod",
        "authentication",
        "assertionMethod",
        "service",
    ] {
        assert!(doc.get(member).is_none(), "{member}");
    }
    assert_eq!(doc["controller"], json!([did_to_string(&DID)]));
    assert_eq!(
        whole["didDocumentMetadata"]["cgridMasked"]["withheld"],
        json!(DidDocument::FIELDS)
    );
    // What orders changes stays.
    assert_eq!(whole["didDocumentMetadata"]["versionId"], "4");
}

#[test]
fn a_deactivated_document_says_so() {
    let mut doc = sample();
    doc.deactivated = true;
    doc.verification_methods.clear();
    doc.services.clear();
    let result = resolution(&open(doc));
    check_did_core_shape(&result).unwrap();
    assert_eq!(result["didDocumentMetadata"]["deactivated"], true);
}

#[test]
fn the_shape_checker_names_what_is_wrong() {
    let good = document(&sample());
    let broken: Vec<(&str, Edit)> = vec![
        ("context", |d| {
            d["@context"] = json!(["https://www.w3.org/ns/cid/v1"])
        }),
        ("context type", |d| d["@context"] = json!(DID_CONTEXT)),
        ("id", |d| d["id"] = json!("did:example:123")),
        ("controller", |d| d["controller"] = json!([7])),
        ("method member", |d| {
            d["verificationMethod"][0]
                .as_object_mut()
                .unwrap()
                .remove("publicKeyMultibase");
        }),
        ("method key", |d| {
            d["verificationMethod"][0]["publicKeyMultibase"] = json!("zzz")
        }),
        ("duplicate method", |d| {
            let first = d["verificationMethod"][0].clone();
            d["verificationMethod"].as_array_mut().unwrap().push(first);
        }),
        ("dangling reference", |d| {
            d["assertionMethod"] = json!([format!("{}#gone", did_to_string(&DID))])
        }),
        ("relationship item", |d| d["authentication"] = json!([1])),
        ("relationship array", |d| d["keyAgreement"] = json!("#k1")),
        ("service", |d| {
            d["service"][0]
                .as_object_mut()
                .unwrap()
                .remove("serviceEndpoint");
        }),
        ("not an object", |d| *d = json!([])),
    ];
    for (what, edit) in broken {
        let mut doc = good.clone();
        edit(&mut doc);
        assert!(check_did_core_shape(&doc).is_err(), "{what}");
    }
    // An embedded method in a relationship is allowed.
    let mut embedded = good.clone();
    embedded["authentication"] = json!([good["verificationMethod"][1].clone()]);
    check_did_core_shape(&embedded).unwrap();
    assert!(has_relationship(&embedded, "authentication", &url("ed")));
}
