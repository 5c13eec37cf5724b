//! Every party command on the embedded chain, through the same argument parsing and command
//! code `cgrid` runs on a node: each command's success, the contract's refusals, and bad input
//! that is refused before anything is sent. After each refusal the test reads the chain back
//! to show that nothing changed.

mod common;

use cgrid_shared::did_to_string;
use cgrid_suite::embedded::Embedded;
use cgrid_suite::{Backend, Signer};
use common::{input, refused, World, EVIDENCE};
use controller::cli::CliError;
use serde_json::{json, Value};
use std::path::PathBuf;

fn verify_altered(w: &mut World, name: &str, doc: &Value) -> CliError {
    let path = w.path(name);
    std::fs::write(&path, doc.to_string()).expect("write");
    w.refused(
        "stranger",
        &["credential", "verify", &path.display().to_string()],
    )
}

#[test]
fn keys_are_generated_shown_and_never_overwritten_or_printed() {
    let mut w = World::new();
    let out = w.path("keys/new.json");
    let out_s = out.display().to_string();
    let r = w
        .run(&["cgrid", "key", "generate", "--out", &out_s])
        .expect("generated");
    let seed = serde_json::from_str::<Value>(&std::fs::read_to_string(&out).expect("file"))
        .expect("json")["secret_seed"]
        .as_str()
        .expect("seed")
        .trim_start_matches("0x")
        .to_owned();
    assert!(!r.text.contains(&seed) && !r.json.to_string().contains(&seed));
    let shown = w.run(&["cgrid", "key", "show", &out_s]).expect("shown");
    assert_eq!(shown.json["account"], r.json["account"]);
    assert!(shown.json["ed25519Multikey"]
        .as_str()
        .expect("mk")
        .starts_with("z6Mk"));
    let before = std::fs::read(&out).expect("read");
    let e = w
        .run(&["cgrid", "key", "generate", "--out", &out_s])
        .expect_err("refused");
    input(&e, "never overwritten");
    assert_eq!(std::fs::read(&out).expect("read"), before);
    std::fs::write(w.path("garbled.json"), "{").expect("write");
    let garbled = w.path("garbled.json").display().to_string();
    input(
        &w.run(&["cgrid", "key", "show", &garbled])
            .expect_err("garbled"),
        "not JSON",
    );
    // A secret URI needs --dev.
    let deployment = w.deployment.display().to_string();
    let e = w
        .run(&[
            "cgrid",
            "--deployment",
            &deployment,
            "--key",
            "//Alice",
            "did",
            "create",
        ])
        .expect_err("no --dev");
    input(&e, "only with --dev");
    let alice = Signer::from_suri("//Alice").expect("alice").account();
    w.chain.fund(&alice, Embedded::TOKENS).expect("funded");
    w.run(&[
        "cgrid",
        "--dev",
        "--deployment",
        &deployment,
        "--key",
        "//Alice",
        "did",
        "create",
    ])
    .expect("a dev key with --dev");
}

#[test]
fn the_operator_onboards_parties_and_refusals_change_nothing() {
    let mut w = World::new();
    // Before the hand-over the operator is nobody: granting is refused, nothing changes.
    w.ok("provider", &["did", "create"]);
    let provider = w.did("provider");
    let e = w.refused(
        "operator",
        &[
            "role",
            "grant",
            &did_to_string(&provider),
            "--role",
            "provider",
            "--expires",
            "+30d",
            "--evidence-hash",
            EVIDENCE,
        ],
    );
    refused(&e, "did_registry", "NotAuthority");
    assert!(w
        .count(w.suite.dids.msg(|d| d.roles_of(provider)))
        .is_empty());
    // A stranger cannot take the root.
    refused(
        &w.refused("stranger", &["root", "accept"]),
        "did_registry",
        "NotPendingRoot",
    );
    w.onboard();
    let roles = w.ok("operator", &["role", "list", &did_to_string(&provider)]);
    assert_eq!(roles.json["roles"][0]["role"], "provider");
    assert_eq!(roles.json["roles"][0]["held"], true);
    assert_eq!(
        roles.json["roles"][0]["evidence"],
        format!(
            "0x{}",
            hex::encode(sp_core::hashing::blake2_256(b"passport scan"))
        )
    );
    // Bad input: an expiry in the past, an unknown DID, an unknown role, no evidence.
    let dids_before = w.count(w.suite.dids.msg(|d| d.did_count()));
    let p = did_to_string(&provider);
    input(
        &w.refused(
            "operator",
            &[
                "role",
                "grant",
                &p,
                "--role",
                "consumer",
                "--expires",
                "2020-01-01",
                "--evidence-hash",
                EVIDENCE,
            ],
        ),
        "not in the future",
    );
    input(
        &w.refused(
            "operator",
            &[
                "role",
                "grant",
                &did_to_string(&[9; 32]),
                "--role",
                "consumer",
                "--expires",
                "+1d",
                "--evidence-hash",
                EVIDENCE,
            ],
        ),
        "no DID did:cgrid:0x0909",
    );
    input(
        &w.refused(
            "operator",
            &[
                "role",
                "grant",
                &p,
                "--role",
                "king",
                "--expires",
                "+1d",
                "--evidence-hash",
                EVIDENCE,
            ],
        ),
        "king",
    );
    input(
        &w.refused(
            "operator",
            &[
                "role",
                "grant",
                &p,
                "--role",
                "consumer",
                "--expires",
                "+1d",
            ],
        ),
        "KYC evidence",
    );
    input(
        &w.refused("operator", &["did", "resolve", &did_to_string(&[9; 32])]),
        "no DID",
    );
    assert_eq!(w.count(w.suite.dids.msg(|d| d.roles_of(provider))).len(), 1);
    assert_eq!(w.count(w.suite.dids.msg(|d| d.did_count())), dids_before);
    // A DID per account: a second create is refused by the contract.
    refused(
        &w.refused("provider", &["did", "create"]),
        "did_registry",
        "AccountHasDid",
    );
    // Revoking a role; a provider cannot grant one.
    w.ok("operator", &["role", "revoke", &p, "--role", "provider"]);
    assert!(w
        .count(w.suite.dids.msg(|d| d.roles_of(provider)))
        .is_empty());
    refused(
        &w.refused(
            "provider",
            &[
                "role",
                "grant",
                &p,
                "--role",
                "provider",
                "--expires",
                "+1d",
                "--evidence-hash",
                EVIDENCE,
            ],
        ),
        "did_registry",
        "NotAuthority",
    );
    // Authorities: the root adds one, which may then grant; only the root may add.
    let issuer = w.account("issuer");
    refused(
        &w.refused("issuer", &["authority", "add", &issuer]),
        "did_registry",
        "NotRoot",
    );
    w.ok("operator", &["authority", "add", &issuer]);
    w.ok(
        "issuer",
        &[
            "role",
            "grant",
            &p,
            "--role",
            "consumer",
            "--expires",
            "+1d",
            "--evidence-hash",
            EVIDENCE,
        ],
    );
    w.ok("operator", &["authority", "remove", &issuer]);
    let provider_account = w.account("provider");
    let shown = w.ok("stranger", &["account", "show", &provider_account]);
    assert_eq!(shown.json["did"], p.as_str());
    w.ok(
        "operator",
        &[
            "account",
            "top-up",
            &provider_account,
            "--to",
            "2000000000000000",
        ],
    );
    assert_eq!(
        w.ok("stranger", &["account", "show", &provider_account])
            .json["balance"],
        "2000000000000000"
    );
    input(
        &w.refused("operator", &["account", "show", "5NotAnAddress"]),
        "SS58",
    );
    // A root hand-over can be withdrawn before it is accepted.
    let stranger = w.account("stranger");
    w.ok("operator", &["root", "transfer", &stranger]);
    assert_eq!(
        w.ok("stranger", &["root", "show"]).json["pendingRoot"],
        stranger.as_str()
    );
    w.ok("operator", &["root", "transfer", "--cancel"]);
    refused(
        &w.refused("stranger", &["root", "accept"]),
        "did_registry",
        "NotPendingRoot",
    );
    let shown = w.ok("operator", &["root", "show"]);
    assert_eq!(shown.json["root"], w.account("operator"));
    // The auction's model: root only.
    let attestor = did_to_string(&w.did("issuer"));
    refused(
        &w.refused(
            "issuer",
            &["auction", "model", "set", "--attestor", &attestor],
        ),
        "incentive_auction",
        "",
    );
    let set = w.ok(
        "operator",
        &[
            "auction",
            "model",
            "set",
            "--attestor",
            &attestor,
            "--bid-bond",
            "5000",
        ],
    );
    let shown = w.ok("operator", &["auction", "model", "show"]);
    assert_eq!(shown.json["version"], set.json["version"]);
    assert_eq!(shown.json["bidBond"], "5000");
    assert_eq!(shown.json["attestors"][0], attestor.as_str());
    // No deployment file, a garbled one, no key for a signing command.
    input(
        &w.run(&["cgrid", "did", "create"])
            .expect_err("no deployment"),
        "no deployment",
    );
    std::fs::write(w.path("bad.json"), "[]").expect("write");
    let bad = w.path("bad.json").display().to_string();
    input(
        &w.run(&["cgrid", "--deployment", &bad, "did", "resolve", &p])
            .expect_err("garbled"),
        "bad.json",
    );
    let deployment = w.deployment.display().to_string();
    input(
        &w.run(&["cgrid", "--deployment", &deployment, "did", "create"])
            .expect_err("no key"),
        "--key",
    );
}

#[test]
fn did_documents_resolve_as_w3c_and_change_directly_or_by_a_relayed_signature() {
    let mut w = World::new();
    w.onboard();
    let provider = w.did("provider");
    let p = did_to_string(&provider);
    let r = w.ok("stranger", &["did", "resolve", &w.account("provider")]);
    cgrid_vc::did_doc::check_did_core_shape(&r.json["didDocument"]).expect("DID Core shape");
    assert_eq!(r.json["didDocument"]["id"], p.as_str());
    assert_eq!(r.json["didDocumentMetadata"]["versionId"], "0");
    let methods = r.json["didDocument"]["verificationMethod"]
        .as_array()
        .expect("methods");
    assert_eq!(methods.len(), 2);
    assert!(r.json["didDocument"]["assertionMethod"]
        .to_string()
        .contains("#key-ed25519"));
    // A direct change by the DID's account; a stranger's is refused.
    w.ok(
        "provider",
        &[
            "did",
            "update",
            "--add-service",
            "controller=ComputeGridController=tcp://10.0.0.5:7000",
        ],
    );
    refused(
        &w.refused(
            "stranger",
            &[
                "did",
                "update",
                "--did",
                &p,
                "--remove-service",
                "controller",
            ],
        ),
        "did_registry",
        "NotController",
    );
    let r = w.ok("stranger", &["did", "resolve", &p]);
    assert_eq!(
        r.json["didDocument"]["service"][0]["serviceEndpoint"],
        "tcp://10.0.0.5:7000"
    );
    assert_eq!(r.json["didDocumentMetadata"]["versionId"], "1");
    input(
        &w.refused(
            "provider",
            &["did", "update", "--add-key", "k:rsa:0x00:auth"],
        ),
        "rsa",
    );
    input(
        &w.refused(
            "provider",
            &["did", "update", "--add-key", "k:sr25519:0x0011:auth"],
        ),
        "32 bytes",
    );
    // A key-signed operation, relayed (and paid for) by a stranger.
    let op = w.path("op.json");
    let op_s = op.display().to_string();
    w.ok(
        "provider",
        &[
            "did",
            "sign-op",
            "--remove-service",
            "controller",
            "--out",
            &op_s,
        ],
    );
    w.ok("stranger", &["did", "relay", &op_s]);
    let r = w.ok("stranger", &["did", "resolve", &p]);
    assert!(r.json["didDocument"]
        .get("service")
        .is_none_or(|s| s.as_array().is_some_and(Vec::is_empty)));
    // The same signature again: its nonce is spent.
    refused(
        &w.refused("stranger", &["did", "relay", &op_s]),
        "did_registry",
        "",
    );
    // A forged signature is refused by the contract.
    let op2 = w.path("op2.json");
    let op2_s = op2.display().to_string();
    w.ok(
        "provider",
        &[
            "did",
            "sign-op",
            "--add-service",
            "x=Y=https://z",
            "--out",
            &op2_s,
        ],
    );
    let mut forged: Value =
        serde_json::from_str(&std::fs::read_to_string(&op2).expect("read")).expect("json");
    forged["signature"] = json!(format!("0x{}", "11".repeat(64)));
    std::fs::write(w.path("forged.json"), forged.to_string()).expect("write");
    let forged_s = w.path("forged.json").display().to_string();
    refused(
        &w.refused("stranger", &["did", "relay", &forged_s]),
        "did_registry",
        "BadSignature",
    );
    let nonce =
        w.ok("stranger", &["did", "resolve", &p]).json["didDocumentMetadata"]["versionId"].clone();
    assert_eq!(nonce, "2");
    // Deactivation is final and shows in the metadata.
    // Rotating a key's material; a controller DID may act for the DID until it is removed.
    let fresh = format!("0x{}", "42".repeat(32));
    w.ok(
        "provider",
        &[
            "did",
            "update",
            "--rotate-key",
            &format!("key-ed25519:ed25519:{fresh}"),
        ],
    );
    let r = w.ok("stranger", &["did", "resolve", &p]);
    let rotated =
        cgrid_vc::did_doc::verification_key(&r.json, &format!("{p}#key-ed25519")).expect("key");
    assert_eq!(rotated.1, vec![0x42; 32]);
    let issuer = did_to_string(&w.did("issuer"));
    refused(
        &w.refused(
            "issuer",
            &[
                "did",
                "update",
                "--did",
                &p,
                "--add-service",
                "a=B=https://c",
            ],
        ),
        "did_registry",
        "NotController",
    );
    w.ok("provider", &["did", "update", "--add-controller", &issuer]);
    w.ok(
        "issuer",
        &[
            "did",
            "update",
            "--did",
            &p,
            "--add-service",
            "a=B=https://c",
        ],
    );
    w.ok(
        "provider",
        &["did", "update", "--remove-controller", &issuer],
    );
    refused(
        &w.refused(
            "issuer",
            &["did", "update", "--did", &p, "--remove-service", "a"],
        ),
        "did_registry",
        "NotController",
    );
    w.ok("provider", &["did", "update", "--deactivate"]);
    let r = w.ok("stranger", &["did", "resolve", &p]);
    assert_eq!(r.json["didDocumentMetadata"]["deactivated"], true);
}

/// Issues an energy certificate from the issuer to the provider; returns the file.
fn issue_certificate(w: &mut World, name: &str) -> PathBuf {
    let claims = w.path(&format!("{name}.claims.json"));
    std::fs::write(
        &claims,
        json!({"greenShare": 9_500, "carbon": 40, "auditor": "GreenAudit"}).to_string(),
    )
    .expect("claims");
    let out = w.path(&format!("{name}.vc.json"));
    let provider = w.account("provider");
    w.ok(
        "issuer",
        &[
            "credential",
            "issue",
            "--cpt",
            "1000",
            "--subject",
            &provider,
            "--claims",
            &claims.display().to_string(),
            "--expires",
            "+365d",
            "--out",
            &out.display().to_string(),
        ],
    );
    out
}

#[test]
fn credentials_are_issued_verified_presented_and_their_status_changes() {
    let mut w = World::new();
    w.onboard();
    let file = issue_certificate(&mut w, "energy");
    let f = file.display().to_string();
    let vc: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("vc")).expect("json");
    for member in [
        "@context",
        "type",
        "issuer",
        "validFrom",
        "credentialSubject",
        "credentialStatus",
        "proof",
        "credentialSchema",
    ] {
        assert!(vc.get(member).is_some(), "VC 2.0 member {member} missing");
    }
    assert!(vc["proof"].to_string().contains("eddsa-jcs-2022"));
    let r = w.ok("stranger", &["credential", "verify", &f]);
    assert_eq!(r.json["valid"], true);
    assert_eq!(r.json["dataIntegrityProofs"], 1);
    // The schema the credential names is what `cpt show --schema` serves.
    let schema = w.ok("stranger", &["cpt", "show", "1000", "--schema"]);
    assert_eq!(schema.json["$id"], vc["credentialSchema"]["id"]);
    // A changed claim is caught (by the claims proof and by the Data Integrity proof).
    let mut tampered = vc.clone();
    tampered["credentialSubject"]["greenShare"] = json!(10_000);
    let e = verify_altered(&mut w, "tampered.json", &tampered);
    assert!(
        matches!(e, CliError::Invalid(_)) && e.to_string().contains("greenShare"),
        "{e}"
    );
    // A member only the Data Integrity proof covers: caught by it.
    let mut redated = vc.clone();
    redated["validFrom"] = json!("2020-01-01T00:00:00.000Z");
    let e = verify_altered(&mut w, "redated.json", &redated);
    assert!(
        matches!(e, CliError::Invalid(_)) && e.to_string().contains("Data Integrity"),
        "{e}"
    );
    // Claims that break the template: refused before anything is anchored.
    let count = w.count(w.suite.vcs.msg(|v| v.credential_count()));
    std::fs::write(
        w.path("bad-claims.json"),
        json!({"greenShare": "lots", "carbon": 40}).to_string(),
    )
    .expect("write");
    let provider = w.account("provider");
    let e = w.refused(
        "issuer",
        &[
            "credential",
            "issue",
            "--cpt",
            "1000",
            "--subject",
            &provider,
            "--claims",
            &w.path("bad-claims.json").display().to_string(),
            "--out",
            &w.path("bad.vc.json").display().to_string(),
        ],
    );
    input(&e, "greenShare");
    assert!(!w.path("bad.vc.json").exists());
    // A stranger without the issuer role: refused by the contract, and no file is left.
    w.ok("stranger", &["did", "create"]);
    let claims = w.path("energy.claims.json").display().to_string();
    let e = w.refused(
        "stranger",
        &[
            "credential",
            "issue",
            "--cpt",
            "1000",
            "--subject",
            &provider,
            "--claims",
            &claims,
            "--out",
            &w.path("fake.vc.json").display().to_string(),
        ],
    );
    refused(&e, "vc_templates", "");
    assert!(!w.path("fake.vc.json").exists());
    assert_eq!(w.count(w.suite.vcs.msg(|v| v.credential_count())), count);
    // An existing output file is never overwritten.
    input(
        &w.refused(
            "issuer",
            &[
                "credential",
                "issue",
                "--cpt",
                "1000",
                "--subject",
                &provider,
                "--claims",
                &claims,
                "--out",
                &f,
            ],
        ),
        "already exists",
    );
    // Selective disclosure: a W3C presentation of one claim.
    let vp = w.path("energy.vp.json").display().to_string();
    w.ok(
        "provider",
        &[
            "credential",
            "present",
            &f,
            "--reveal",
            "greenShare",
            "--out",
            &vp,
        ],
    );
    let presented: Value =
        serde_json::from_str(&std::fs::read_to_string(&vp).expect("vp")).expect("json");
    assert!(presented["type"]
        .to_string()
        .contains("VerifiablePresentation"));
    assert!(!presented.to_string().contains("GreenAudit"));
    let r = w.ok("stranger", &["credential", "verify", &vp]);
    assert_eq!(r.json["disclosed"]["greenShare"], 9_500);
    // Status: suspended → invalid; unsuspended → valid; revoked → invalid for good.
    let id = vc["id"].as_str().expect("id").to_owned();
    refused(
        &w.refused("stranger", &["credential", "suspend", &id]),
        "vc_templates",
        "",
    );
    w.ok("issuer", &["credential", "suspend", &id]);
    let e = w.refused("stranger", &["credential", "verify", &f]);
    assert!(
        matches!(e, CliError::Invalid(_)) && e.to_string().contains("suspended"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 1);
    w.ok("issuer", &["credential", "unsuspend", &id]);
    w.ok("stranger", &["credential", "verify", &f]);
    w.ok("issuer", &["credential", "revoke", &id]);
    let e = w.refused("stranger", &["credential", "verify", &vp]);
    assert!(e.to_string().contains("revoked"), "{e}");
}

#[test]
fn regulators_mask_and_a_committee_unmasks() {
    let mut w = World::new();
    w.onboard();
    let file = issue_certificate(&mut w, "energy");
    let f = file.display().to_string();
    let vc: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("vc")).expect("json");
    let id = vc["id"].as_str().expect("id").to_owned();
    // Only a regulator may mask.
    refused(
        &w.refused(
            "stranger",
            &[
                "mask",
                "add",
                "--credential",
                &id,
                "--field",
                "auditor",
                "--reason-code",
                "7",
                "--reason",
                "court order 12",
            ],
        ),
        "mask_registry",
        "NotRegulator",
    );
    let r = w.ok(
        "regulator",
        &[
            "mask",
            "add",
            "--credential",
            &id,
            "--field",
            "auditor",
            "--reason-code",
            "7",
            "--reason",
            "court order 12",
        ],
    );
    assert_eq!(
        r.json["reasonHash"],
        format!(
            "0x{}",
            hex::encode(sp_core::hashing::blake2_256(b"court order 12"))
        )
    );
    // A presentation disclosing the masked claim does not show it either.
    let vp = w.path("auditor.vp.json").display().to_string();
    w.ok(
        "provider",
        &[
            "credential",
            "present",
            &f,
            "--reveal",
            "auditor,greenShare",
            "--out",
            &vp,
        ],
    );
    let shown = w.ok("stranger", &["credential", "verify", &vp]);
    assert_eq!(shown.json["withheld"], json!(["auditor"]));
    assert!(shown.json["disclosed"].get("auditor").is_none());
    assert_eq!(shown.json["disclosed"]["greenShare"], 9_500);
    assert!(!shown.text.contains("GreenAudit"));
    let v = w.ok("stranger", &["credential", "verify", &f]);
    assert_eq!(v.json["view"]["masked"]["withheld"], json!(["auditor"]));
    assert!(v.json["view"]["claims"].get("auditor").is_none());
    assert!(v.text.contains("MASKED"));
    // A DID masked: resolve shows the marker.
    let provider = did_to_string(&w.did("provider"));
    w.ok(
        "regulator",
        &[
            "mask",
            "add",
            "--did",
            &provider,
            "--field",
            "service",
            "--reason-code",
            "3",
            "--reason",
            "investigation",
        ],
    );
    let r = w.ok("stranger", &["did", "resolve", &provider]);
    assert!(
        r.json["didDocumentMetadata"].get("cgridMasked").is_some(),
        "{}",
        r.json
    );
    input(
        &w.refused(
            "regulator",
            &[
                "mask",
                "add",
                "--cpt",
                "4242",
                "--reason-code",
                "1",
                "--reason",
                "x",
            ],
        ),
        "no template 4242",
    );
    // The committee: root names two regulators, quorum 2; the second approval lifts the mask.
    let (r1, r2) = (w.account("regulator"), w.account("regulator2"));
    refused(
        &w.refused(
            "regulator",
            &["mask", "committee", "set", "--member", &r1, "--quorum", "1"],
        ),
        "mask_registry",
        "NotRoot",
    );
    w.ok(
        "operator",
        &[
            "mask",
            "committee",
            "set",
            "--member",
            &r1,
            "--member",
            &r2,
            "--quorum",
            "2",
            "--approval-ttl",
            "2d",
        ],
    );
    let first = w.ok(
        "regulator",
        &["mask", "approve-unmask", "--credential", &id],
    );
    assert_eq!(first.json["unmasked"], false);
    refused(
        &w.refused(
            "regulator",
            &["mask", "approve-unmask", "--credential", &id],
        ),
        "mask_registry",
        "AlreadyApproved",
    );
    let shown = w.ok("stranger", &["mask", "show", "--credential", &id]);
    assert_eq!(shown.json["approvals"].as_array().map(Vec::len), Some(1));
    let second = w.ok(
        "regulator2",
        &["mask", "approve-unmask", "--credential", &id],
    );
    assert_eq!(second.json["unmasked"], true);
    let v = w.ok("stranger", &["credential", "verify", &f]);
    assert!(v.json["view"].get("masked").is_none_or(Value::is_null));
    assert_eq!(v.json["view"]["claims"]["auditor"], "GreenAudit");
    assert_eq!(
        w.ok("stranger", &["mask", "show", "--credential", &id])
            .json["masked"],
        false
    );
}

#[test]
fn an_expired_role_no_longer_issues_and_cgrid_toml_holds_the_defaults() {
    let mut w = World::new();
    w.onboard();
    // The issuer's role is re-granted to end in one minute; after it ends, issuing is refused
    // by the contract, nothing is anchored and no file is left.
    let issuer = w.account("issuer");
    w.ok(
        "operator",
        &[
            "role",
            "grant",
            &issuer,
            "--role",
            "issuer",
            "--expires",
            "+1m",
            "--evidence-hash",
            EVIDENCE,
        ],
    );
    let listed = w.ok("stranger", &["role", "list", &issuer]);
    assert_eq!(listed.json["roles"][0]["held"], true);
    let later = w.chain.time() + 120_000;
    w.chain.advance_to(later).expect("time passes");
    // The registry lists current grants only: the expired role is gone.
    let listed = w.ok("stranger", &["role", "list", &issuer]);
    assert_eq!(listed.json["roles"], json!([]));
    assert!(listed.text.contains("no roles"));
    let count = w.count(w.suite.vcs.msg(|v| v.credential_count()));
    let claims = w.path("claims.json");
    std::fs::write(&claims, json!({"greenShare": 1, "carbon": 2}).to_string()).expect("claims");
    let out = w.path("late.vc.json");
    let provider = w.account("provider");
    let e = w.refused(
        "issuer",
        &[
            "credential",
            "issue",
            "--cpt",
            "1000",
            "--subject",
            &provider,
            "--claims",
            &claims.display().to_string(),
            "--out",
            &out.display().to_string(),
        ],
    );
    refused(&e, "vc_templates", "NotIssuer");
    assert!(!out.exists());
    assert_eq!(w.count(w.suite.vcs.msg(|v| v.credential_count())), count);

    // cgrid.toml names the deployment and the key; flags still win.
    let config = w.path("cgrid.toml");
    std::fs::write(
        &config,
        format!(
            "deployment = {:?}\nkey = {:?}\n",
            w.deployment.display().to_string(),
            w.key("provider").display().to_string()
        ),
    )
    .expect("config");
    let config_s = config.display().to_string();
    let mine = w
        .run(&["cgrid", "--config", &config_s, "did", "resolve"])
        .expect("resolved");
    assert_eq!(
        mine.json["didDocument"]["id"],
        did_to_string(&w.did("provider")).as_str()
    );
    let key = w.key("issuer").display().to_string();
    let theirs = w
        .run(&[
            "cgrid", "--config", &config_s, "--key", &key, "did", "resolve",
        ])
        .expect("resolved");
    assert_eq!(
        theirs.json["didDocument"]["id"],
        did_to_string(&w.did("issuer")).as_str()
    );
    std::fs::write(&config, "deployment = 3\n").expect("config");
    input(
        &w.run(&["cgrid", "--config", &config_s, "did", "resolve"])
            .expect_err("bad config"),
        "cgrid.toml",
    );
}

#[test]
fn a_provider_offers_a_consumer_opens_and_bad_offers_send_nothing() {
    use scale::{Decode as _, Encode as _};
    let mut w = World::new();
    w.onboard();
    let consumer = w.account("consumer");
    let offer = w.path("offer.json");
    let offer_s = offer.display().to_string();
    let made = w.offer(&consumer, "1000", "5000", &offer_s).expect("offer");
    let id = made.json["channel"]
        .as_str()
        .expect("channel id")
        .to_owned();
    let consumer_account = Signer::load(&w.key("consumer")).expect("key").account();
    let before = w.chain.balance(&consumer_account);
    // Bad offers and deposits: one line each, nothing sent.
    input(
        &w.refused(
            "consumer",
            &["channel", "open", "--offer", &offer_s, "--deposit", "4999"],
        ),
        "below the offer's minimum cost 5000",
    );
    input(
        &w.refused(
            "stranger",
            &["channel", "open", "--offer", &offer_s, "--deposit", "10000"],
        ),
        "not this key's account",
    );
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(&offer).expect("offer")).expect("json");
    let mut cheaper = original.clone();
    let encoded = hex::decode(
        original["encoded"]
            .as_str()
            .expect("encoded")
            .trim_start_matches("0x"),
    )
    .expect("hex");
    let mut terms = cgrid_shared::TradeTerms::decode(&mut encoded.as_slice()).expect("terms");
    terms.price_per_minute = 1;
    cheaper["encoded"] = json!(format!("0x{}", hex::encode(terms.encode())));
    let mut elsewhere = original.clone();
    elsewhere["escrow"] = json!(w.account("stranger"));
    for (name, doc, needle) in [
        ("cheaper.json", cheaper, "signature is not the provider's"),
        ("elsewhere.json", elsewhere, "not this suite's"),
        (
            "garbled.json",
            json!({"kind": "cgrid-offer"}),
            "`escrow` is missing",
        ),
    ] {
        let path = w.path(name);
        std::fs::write(&path, doc.to_string()).expect("write");
        let path = path.display().to_string();
        input(
            &w.refused(
                "consumer",
                &["channel", "open", "--offer", &path, "--deposit", "10000"],
            ),
            needle,
        );
    }
    assert_eq!(w.chain.balance(&consumer_account), before);
    // `offer show` gives the `open` arguments for Contracts UI: they are the signed terms.
    let shown = w.ok("stranger", &["offer", "show", &offer_s]).json;
    let arg = |name: &str| -> String {
        let args = shown["args"].as_array().expect("args");
        let found = args.iter().find(|a| a["name"] == name).expect(name);
        found["value"].as_str().expect("text").to_owned()
    };
    let signed = cgrid_shared::TradeTerms::decode(&mut encoded.as_slice()).expect("terms");
    let key = |name: &str| -> [u8; 32] {
        let bytes = hex::decode(arg(name).trim_start_matches("0x")).expect("hex");
        bytes.try_into().expect("32 bytes")
    };
    let account = |name: &str| {
        let account: cgrid_suite::AccountId32 = arg(name).parse().expect("ss58");
        ink::primitives::AccountId::from(*<_ as AsRef<[u8; 32]>>::as_ref(&account))
    };
    let pasted = cgrid_shared::TradeTerms {
        provider: account("terms.provider"),
        consumer: account("terms.consumer"),
        spec: arg("terms.spec"),
        price_per_minute: arg("terms.pricePerMinute").parse().expect("price"),
        min_cost: arg("terms.minCost").parse().expect("min cost"),
        checkin_cpt: arg("terms.checkinCpt").parse().expect("cpt"),
        encryption: signed.encryption,
        consumer_key: key("terms.consumerKey"),
        provider_key: key("terms.providerKey"),
        challenge_period: arg("terms.challengePeriod").parse().expect("period"),
        expires_at: arg("terms.expiresAt").parse().expect("expiry"),
        offer_nonce: key("terms.offerNonce"),
    };
    assert_eq!(pasted, signed, "the shown values are the signed terms");
    assert_eq!(arg("terms.encryption"), "Plain");
    assert_eq!(
        arg("offerSignature"),
        original["signature"].as_str().expect("sig")
    );
    assert_eq!(shown["channel"], id.as_str());
    let garbled = w.path("garbled.json").display().to_string();
    input(
        &w.refused("stranger", &["offer", "show", &garbled]),
        "is not an offer file",
    );
    input(
        &w.refused("consumer", &["channel", "show", &id]),
        "no channel",
    );
    // The offer as made opens; the channel carries its terms; a second open is refused.
    let opened = w.ok(
        "consumer",
        &["channel", "open", "--offer", &offer_s, "--deposit", "60000"],
    );
    assert_eq!(opened.json["channel"], id.as_str());
    assert_eq!(opened.json["deposit"], "60000");
    assert_eq!(opened.json["pricePerMinute"], "1000");
    assert_eq!(opened.json["provider"], w.account("provider").as_str());
    refused(
        &w.refused(
            "consumer",
            &["channel", "open", "--offer", &offer_s, "--deposit", "60000"],
        ),
        "trade_escrow",
        "ChannelExists",
    );
    let missing = w.path("missing.redb");
    let missing_s = missing.display().to_string();
    input(
        &w.refused("consumer", &["channel", "list", "--store", &missing_s]),
        "no store at",
    );
    input(
        &w.refused(
            "consumer",
            &["channel", "close", &id, "--store", &missing_s],
        ),
        "no store at",
    );
    assert!(!missing.exists(), "a read never creates a store");
    // Issue 24: the consumer's store as the recommender's history. A store holding the channel
    // (as `consume` leaves it, 30 minutes billed); the provider's published offer prices a
    // unit at 250, so the 1,000-a-minute channel was 4 units.
    let consumer_store = w.path("consumer-trades.redb");
    {
        use controller::channel::{ChannelRecord, Side, SignedState, Terms};
        use controller::store::ChannelStore as _;
        let store = controller::store::RedbStore::create(&consumer_store).expect("a store");
        let channel = controller::cli::parse::hex32("id", &id).expect("hex");
        let mut record = ChannelRecord::new(
            Terms {
                channel,
                escrow: [0; 32].into(),
                price_per_minute: 1000,
                min_cost: 5000,
                deposit: 60000,
                consumer_key: [1; 32],
                provider_key: [2; 32],
                expires_at: u64::MAX,
                challenge_period: 60_000,
            },
            Side::Consumer,
        );
        record.opened().expect("open");
        record.latest = Some(SignedState {
            nonce: 30,
            cumulative: 30_000,
            signature: [0; 64],
        });
        store.save_channel(&record).expect("saved");
    }
    let market = w.path("market.json");
    let provider_account = w.account("provider");
    std::fs::write(
        &market,
        serde_json::json!({"offers": [
            {"id": "theirs", "provider": provider_account, "units": 16, "memory_gib": 64, "gpu": "t4",
             "region": "eu-central", "price": 250, "green_share": 0.9, "carbon_intensity": 100, "pue": 1.1},
            {"id": "other", "provider": "5Other", "units": 16, "memory_gib": 64, "gpu": "none",
             "region": "us-east", "price": 200, "green_share": 0.1, "carbon_intensity": 500, "pue": 1.6}]})
        .to_string(),
    )
    .expect("market");
    let (store_s, market_s) = (
        consumer_store.display().to_string(),
        market.display().to_string(),
    );
    let history = w.path("history.json");
    let history_s = history.display().to_string();
    let export = [
        "history", "export", "--store", &store_s, "--offers", &market_s, "--home", "eu-west",
        "--out", &history_s,
    ];
    let exported = w.ok("consumer", &export);
    assert_eq!(exported.json["exported"], 1, "{}", exported.text);
    let choice = &exported.json["history"][0];
    assert_eq!(choice["chosen"]["id"], "theirs");
    assert_eq!(choice["request"]["units"], 4);
    assert_eq!(choice["request"]["minutes"], 30);
    assert_eq!(choice["consumer"], w.account("consumer").as_str());
    let written = std::fs::read(&history).expect("written");
    input(&w.refused("consumer", &export), "never overwrites");
    assert_eq!(
        std::fs::read(&history).expect("kept"),
        written,
        "left as it was"
    );
    assert_eq!(
        cgrid_sched::model::parse_history(&written)
            .expect("reads back")
            .len(),
        1
    );
    let topped = w.ok("consumer", &["channel", "top-up", &id, "--amount", "1000"]);
    assert_eq!(topped.json["deposit"], "61000");
    assert_eq!(
        w.ok("provider", &["channel", "show", &id]).json["deposit"],
        "61000"
    );
    // An offer to an account without the consumer role is refused by the escrow.
    let stranger = w.account("stranger");
    let odd = w.path("odd.json").display().to_string();
    w.offer(&stranger, "1000", "5000", &odd).expect("offer");
    w.ok("stranger", &["did", "create"]);
    refused(
        &w.refused(
            "stranger",
            &["channel", "open", "--offer", &odd, "--deposit", "5000"],
        ),
        "trade_escrow",
        "MissingRole",
    );
    let zero = w.path("zero.json").display().to_string();
    input(
        &w.offer(&stranger, "0", "1", &zero).expect_err("refused"),
        "--price",
    );

    // A unilateral close (an empty store: nothing was billed) and its finalization: refused
    // while the window is open, paid out after it (`--wait` returns at once then).
    let store = w.path("consumer.redb");
    drop(controller::store::RedbStore::create(&store).expect("a store"));
    let store_s = store.display().to_string();
    let closing = w.ok("consumer", &["channel", "close", &id, "--store", &store_s]);
    assert_eq!(
        closing.json["state"]["phase"], "closing",
        "{}",
        closing.text
    );
    refused(
        &w.refused("stranger", &["channel", "finalize", &id]),
        "trade_escrow",
        "ChallengeWindowOpen",
    );
    let deadline = closing.json["state"]["deadline"]
        .as_u64()
        .expect("deadline");
    w.chain.advance_to(deadline).expect("time passes");
    let closed = w.ok("stranger", &["channel", "finalize", &id, "--wait"]);
    assert_eq!(closed.json["state"]["phase"], "closed", "{}", closed.text);
}

/// `cgrid auction`: a consumer's request, a provider's sealed bid backed by its energy
/// certificate, reveal, finalize (the winner's channel opens), show and cancel — and every bid
/// the contract would make the provider pay for (over the cap, an unproven attribute, a second
/// bid) refused before anything is sent.
#[test]
fn an_auction_runs_from_request_to_channel_and_bad_bids_cost_nothing() {
    let mut w = World::new();
    w.onboard();
    let issuer = w.account("issuer");
    w.ok(
        "operator",
        &[
            "auction",
            "model",
            "set",
            "--attestor",
            &issuer,
            "--bid-bond",
            "1000",
        ],
    );
    let model = w.ok("stranger", &["auction", "model", "show"]);
    assert_eq!(model.json["attributes"][0]["claim"], "greenShare");
    let certificate = issue_certificate(&mut w, "energy").display().to_string();
    let store = w.path("provider-bids.redb").display().to_string();

    // The consumer's request; bad input sends nothing, a missing role is the contract's.
    let create = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "auction",
            "create",
            "--spec",
            "8 vCPU",
            "--max-price",
            "100",
            "--minutes",
            "60",
            "--min-cost",
            "500",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect()
    };
    let run = |w: &mut World, party: &str, args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        w.as_party(party, &args)
    };
    let e = run(&mut w, "consumer", &create(&["--weights", "1,2,3"])).unwrap_err();
    input(&e, "--weights is five integers");
    let e = run(&mut w, "consumer", &create(&["--commit-window", "20s"])).unwrap_err();
    input(&e, "at least 60 s each");
    let e = run(&mut w, "stranger", &create(&[])).unwrap_err();
    refused(&e, "incentive_auction", "MissingRole");
    let r = run(&mut w, "consumer", &create(&[])).expect("created");
    assert_eq!(r.json["auction"], 0);
    let deadline = |name: &str| r.json[name].as_u64().expect("a deadline");
    let (commit_by, reveal_by) = (deadline("commitDeadline"), deadline("revealDeadline"));
    assert_eq!(reveal_by - commit_by, 10 * 60_000);
    assert_eq!(r.json["deposit"], "6000", "max price × minutes");
    assert_eq!(r.json["phase"], "open");

    // Bids the provider would pay for are refused before anything is sent.
    let provider = Signer::load(&w.key("provider")).unwrap().account();
    let before = w.chain.balance(&provider);
    let bid = |price: &str, green: &str| {
        vec![
            "auction".to_string(),
            "bid".into(),
            "0".into(),
            "--price".into(),
            price.into(),
            "--green-share".into(),
            green.into(),
            "--credential".into(),
            certificate.clone(),
            "--store".into(),
            store.clone(),
        ]
    };
    let e = run(&mut w, "provider", &bid("101", "9500")).unwrap_err();
    input(&e, "outside 1..=100");
    let e = run(&mut w, "provider", &bid("90", "9000")).unwrap_err();
    input(&e, "no --credential proves greenShare = 9000");
    assert_eq!(w.chain.balance(&provider), before, "nothing sent");
    let e = w
        .as_party("provider", &["auction", "reveal", "0", "--store", &store])
        .unwrap_err();
    input(&e, "no store at");

    let r = run(&mut w, "provider", &bid("90", "9500")).expect("bid");
    assert_eq!(r.json["seq"], 0);
    let e = run(&mut w, "provider", &bid("80", "9500")).unwrap_err();
    input(&e, "already bid in auction 0");
    let other = w.path("other.redb").display().to_string();
    std::fs::write(&other, "notes, not a store").expect("a file");
    let e = w
        .as_party("provider", &["auction", "reveal", "0", "--store", &other])
        .unwrap_err();
    input(&e, "the store");
    assert_eq!(
        std::fs::read_to_string(&other).expect("still there"),
        "notes, not a store",
        "a file that is not a store is left alone"
    );
    // Too early to reveal: the contract says so and nothing changes.
    let e = w
        .as_party("provider", &["auction", "reveal", "0", "--store", &store])
        .unwrap_err();
    refused(&e, "incentive_auction", "RevealNotOpen");

    w.chain.advance_to(commit_by).expect("time passes");
    let r = w.ok("provider", &["auction", "reveal", "0", "--store", &store]);
    assert_eq!(r.json["leading"], true);
    assert_eq!(
        r.json["flaws"],
        json!([]),
        "the certificate proved the green share"
    );
    let e = w
        .as_party("stranger", &["auction", "finalize", "0"])
        .unwrap_err();
    refused(&e, "incentive_auction", "RevealPending");
    w.chain.advance_to(reveal_by).expect("time passes");
    let r = w.ok("stranger", &["auction", "finalize", "0"]);
    assert!(r.text.contains("channel 0x"), "{}", r.text);
    assert_eq!(r.json["winner"], w.account("provider"));
    let channel = r.json["channel"].as_str().expect("channel").to_string();
    let ch = w.ok("consumer", &["channel", "show", &channel]);
    assert_eq!(ch.json["pricePerMinute"], "90");

    // Cancel: only the consumer, only before any bid.
    let r = run(&mut w, "consumer", &create(&[])).expect("created");
    let id = r.json["auction"].to_string();
    let e = w
        .as_party("stranger", &["auction", "cancel", &id])
        .unwrap_err();
    refused(&e, "incentive_auction", "NotConsumer");
    w.ok("consumer", &["auction", "cancel", &id]);
    let r = w.ok("stranger", &["auction", "show", &id]);
    assert_eq!(r.json["phase"], "cancelled");
}

/// An auditor's `cgrid verify`: the suite as deployed runs the recorded code of this source;
/// a local build that differs, or a deployment file naming other code for a contract, is a
/// mismatch naming that contract (the table still printed), and a broken file is bad input.
#[test]
fn verify_compares_the_code_on_chain_with_this_source() {
    let mut w = World::new();
    let ok = w.ok("stranger", &["verify"]);
    assert_eq!(ok.json["match"], true, "{}", ok.text);
    let rows = ok.json["contracts"].as_array().expect("rows").clone();
    assert_eq!(rows.len(), 5);
    for row in &rows {
        assert_eq!(row["onChain"], row["recorded"], "{row}");
        assert_eq!(row["onChain"], row["local"], "{row}");
    }
    assert!(ok.text.contains("mask_registry"), "{}", ok.text);

    // A local build of mask_registry that is not the deployed code (one byte more).
    let bundles = w.path("other-bundles");
    std::fs::create_dir_all(&bundles).expect("dir");
    for c in cgrid_suite::CONTRACTS {
        let mut wasm =
            std::fs::read(cgrid_suite::bundle_dir().join(format!("{c}.wasm"))).expect("bundle");
        if c == "mask_registry" {
            wasm.push(0);
        }
        std::fs::write(bundles.join(format!("{c}.wasm")), wasm).expect("write");
    }
    let bundles_s = bundles.display().to_string();
    let e = w
        .as_party("stranger", &["verify", "--bundles", &bundles_s])
        .expect_err("a differing local build");
    let CliError::Mismatch { report, why } = &e else {
        panic!("not a mismatch: {e:?}");
    };
    assert_eq!(e.exit_code(), 1);
    assert!(why.starts_with("mask_registry on chain"), "{why}");
    assert_eq!(report.json["match"], false);
    let line = |text: &str, c: &str| text.lines().find(|l| l.starts_with(c)).map(str::to_owned);
    let mask_line = line(&report.text, "mask_registry").expect("row");
    assert!(
        mask_line.ends_with("NO (the local bundle differs)"),
        "{mask_line}"
    );
    assert!(line(&report.text, "trade_escrow")
        .expect("row")
        .ends_with("yes"));

    // A deployment file whose mask_registry is a contract running other code (the escrow's).
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&w.deployment).expect("file")).expect("json");
    doc["contracts"]["mask_registry"] = doc["contracts"]["trade_escrow"].clone();
    let other = w.path("deployments/other.json");
    std::fs::write(&other, doc.to_string()).expect("write");
    let other_s = other.display().to_string();
    let e = w
        .run(&["cgrid", "--deployment", &other_s, "verify"])
        .expect_err("other code");
    let CliError::Mismatch { report, why } = &e else {
        panic!("not a mismatch: {e:?}");
    };
    assert!(why.starts_with("mask_registry on chain"), "{why}");
    let mask_line = line(&report.text, "mask_registry").expect("row");
    assert!(
        mask_line.ends_with("NO (not the recorded code)"),
        "{mask_line}"
    );

    // A file that is not a deployment: bad input, nothing checked.
    let broken = w.path("deployments/broken.json");
    std::fs::write(&broken, "{\"format\": 1}").expect("write");
    let broken_s = broken.display().to_string();
    input(
        &w.run(&["cgrid", "--deployment", &broken_s, "verify"])
            .expect_err("broken"),
        "broken.json",
    );
}

/// `account withdraw` with nothing owed is bad input and sends nothing; `account show` lists
/// the (empty) deferred payouts. (A real deferred payout needs a chain whose existential
/// deposit refuses a transfer: the node tier's payout_node test.)
#[test]
fn withdrawing_nothing_sends_nothing() {
    let mut w = World::new();
    let provider = w.account("provider");
    let shown = w.ok("stranger", &["account", "show", &provider]);
    assert_eq!(
        shown.json["unclaimed"],
        json!({ "escrow": "0", "auction": "0" })
    );
    assert!(!shown.text.contains("unclaimed"), "{}", shown.text);
    let signer = Signer::load(&w.key("provider")).expect("key");
    let before = w.chain.balance(&signer.account());
    input(
        &w.refused("provider", &["account", "withdraw"]),
        "nothing to withdraw",
    );
    assert_eq!(
        w.chain.balance(&signer.account()),
        before,
        "no fee: nothing sent"
    );
}

/// Issue 23: the attribute authority sets up CP-ABE and issues attribute keys; an issuer seals
/// a certificate's claims under an access tree; anyone verifies it against the chain without
/// decrypting; a regulator with the attributes decrypts it (and the full credential verifies);
/// a third party without them gets "policy not satisfied"; a revoked key is refused; a changed
/// ciphertext does not verify; no command overwrites a file.
#[test]
fn an_encrypted_certificate_is_verified_without_decrypting_and_opened_by_the_right_attributes() {
    let mut w = World::new();
    w.onboard();
    let p = |w: &World, name: &str| w.path(name).display().to_string();
    let (auth, public) = (p(&w, "abe-authority.json"), p(&w, "abe-public.json"));
    w.ok(
        "operator",
        &[
            "abe",
            "setup",
            "--authority",
            "did:cgrid:platform",
            "--out",
            &auth,
            "--public-out",
            &public,
        ],
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&auth)
            .expect("authority file")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "the authority's secret is private");
    input(
        &w.refused(
            "operator",
            &[
                "abe",
                "setup",
                "--authority",
                "did:cgrid:platform",
                "--out",
                &auth,
                "--public-out",
                &p(&w, "p2.json"),
            ],
        ),
        "never overwrites",
    );
    // Keys valid from the month of the chain's clock (the month a ciphertext is sealed in).
    let month = cgrid_vc::abe::Epoch::of_millis(common::T0).to_string();
    let keygen = |w: &mut World, holder: &str, attrs: &str, out: &str| {
        w.ok(
            "operator",
            &[
                "abe",
                "keygen",
                "--from",
                &month,
                "--authority-key",
                &auth,
                "--holder",
                holder,
                "--attrs",
                attrs,
                "--out",
                out,
            ],
        )
    };
    let (reg_key, other_key) = (p(&w, "regulator.key.json"), p(&w, "third.key.json"));
    let regulator = keygen(&mut w, "regulator", "role:regulator,region:eu", &reg_key);
    keygen(&mut w, "third", "role:regulator,region:us", &other_key);

    let tree = w.path("tree.json");
    std::fs::write(
        &tree,
        json!({"and": [{"attr": "role:regulator"}, {"or": [{"attr": "region:eu"}, {"attr": "region:uk"}]}]})
            .to_string(),
    )
    .expect("tree");
    let claims = w.path("sealed.claims.json");
    std::fs::write(
        &claims,
        json!({"greenShare": 9_500, "carbon": 40, "auditor": "GreenAudit"}).to_string(),
    )
    .expect("claims");
    let sealed = p(&w, "sealed.vc.json");
    let provider = w.account("provider");
    let issued = w.ok(
        "issuer",
        &[
            "credential",
            "issue",
            "--cpt",
            "1000",
            "--subject",
            &provider,
            "--claims",
            &claims.display().to_string(),
            "--out",
            &sealed,
            "--encrypt",
            &tree.display().to_string(),
            "--abe-public",
            &public,
        ],
    );
    assert!(issued.json["policyId"].is_string() && issued.json["ciphertextHash"].is_string());
    let text = std::fs::read_to_string(&sealed).expect("sealed file");
    assert!(
        !text.contains("GreenAudit") && !text.contains("greenShare"),
        "claims sealed"
    );

    let verified = w.ok("stranger", &["credential", "verify", &sealed]);
    assert_eq!(
        (
            verified.json["valid"].clone(),
            verified.json["encrypted"].clone()
        ),
        (json!(true), json!(true))
    );
    // A changed ciphertext no longer matches its anchor.
    let mut altered: Value = serde_json::from_str(&text).expect("json");
    let first = altered["sealed"]["ciphertext"]["ct"]["ct"][0]
        .as_u64()
        .expect("byte");
    altered["sealed"]["ciphertext"]["ct"]["ct"][0] = json!(first ^ 1);
    let e = verify_altered(&mut w, "altered.json", &altered);
    assert!(
        matches!(e, CliError::Invalid(_)) && e.to_string().contains("not the anchored one"),
        "{e}"
    );

    // The regulator decrypts; the full credential verifies like any other.
    let full = p(&w, "decrypted.vc.json");
    w.ok(
        "regulator",
        &[
            "credential",
            "decrypt",
            &sealed,
            "--abe-key",
            &reg_key,
            "--abe-public",
            &public,
            "--out",
            &full,
        ],
    );
    let r = w.ok("stranger", &["credential", "verify", &full]);
    assert_eq!(r.json["valid"], true);
    assert!(std::fs::read_to_string(&full)
        .expect("full")
        .contains("GreenAudit"));
    // A third party without the attributes: one sentence, nothing written.
    let nothing = p(&w, "nothing.json");
    let e = w.refused(
        "stranger",
        &[
            "credential",
            "decrypt",
            &sealed,
            "--abe-key",
            &other_key,
            "--abe-public",
            &public,
            "--out",
            &nothing,
        ],
    );
    assert!(
        matches!(e, CliError::Refused(_))
            && e.to_string()
                .contains("policy not satisfied: the key lacks one of (region:eu, region:uk)"),
        "{e}"
    );
    assert!(!w.path("nothing.json").exists());
    // Revoked: the authority publishes the new list; the key is refused.
    let (auth2, public2) = (p(&w, "abe-authority-2.json"), p(&w, "abe-public-2.json"));
    let key_id = regulator.json["keyId"]
        .as_str()
        .expect("key id")
        .to_string();
    w.ok(
        "operator",
        &[
            "abe",
            "revoke",
            "--authority-key",
            &auth,
            "--key-id",
            &key_id,
            "--out",
            &auth2,
            "--public-out",
            &public2,
        ],
    );
    let e = w.refused(
        "regulator",
        &[
            "credential",
            "decrypt",
            &sealed,
            "--abe-key",
            &reg_key,
            "--abe-public",
            &public2,
            "--out",
            &nothing,
        ],
    );
    assert!(e.to_string().contains("is revoked"), "{e}");
}

/// Every string in `doc` that is not a hex blob (proof bytes, hashes, signatures), and every
/// number written out: what a reader of the file could take a value from.
fn readable_strings(doc: &Value) -> Vec<String> {
    fn is_hex_blob(s: &str) -> bool {
        let digits = s.strip_prefix("0x").unwrap_or(s);
        digits.len() >= 32 && digits.bytes().all(|b| b.is_ascii_hexdigit())
    }
    match doc {
        Value::String(s) if is_hex_blob(s) => Vec::new(),
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(items) => items.iter().flat_map(readable_strings).collect(),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.clone()).chain(readable_strings(v)))
            .collect(),
        Value::Bool(_) | Value::Null => Vec::new(),
    }
}

/// Issue 23: a holder proves `greenShare >= 9000` without showing its 9,500; a verifier checks it
/// against the chain for its own audience only; a false statement cannot be proven.
#[test]
fn a_holder_proves_a_threshold_without_the_value() {
    let mut w = World::new();
    w.onboard();
    let file = issue_certificate(&mut w, "energy").display().to_string();
    let proof = w.path("green.proof.json").display().to_string();
    let made = w.ok(
        "provider",
        &[
            "credential",
            "present",
            &file,
            "--prove",
            "greenShare>=9000",
            "--audience",
            "buyer-1",
            "--out",
            &proof,
        ],
    );
    assert_eq!(made.json["predicate"], "greenShare>=9000");
    let text = std::fs::read_to_string(&proof).expect("proof");
    let doc: Value = serde_json::from_str(&text).expect("proof json");
    let mut fields: Vec<&str> = doc
        .as_object()
        .expect("object")
        .keys()
        .map(|k| k.as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "audience",
            "claim",
            "commitment",
            "cptId",
            "credentialId",
            "issuer",
            "kind",
            "predicate",
            "rangeProofs",
            "registry",
            "verificationMethod"
        ],
        "a proof carries no field beyond these: {text}"
    );
    // The random proof bytes may spell any digits; every other text must not hold the value.
    let words = readable_strings(&doc);
    assert!(
        words
            .iter()
            .all(|s| !s.contains("9500") && !s.contains("GreenAudit")),
        "{words:?}"
    );
    let ok = w.ok(
        "stranger",
        &["credential", "verify", &proof, "--audience", "buyer-1"],
    );
    assert_eq!(ok.json["valid"], true);
    let e = w.refused(
        "stranger",
        &["credential", "verify", &proof, "--audience", "buyer-2"],
    );
    assert!(
        matches!(e, CliError::Invalid(_)) && e.to_string().contains("another verifier"),
        "{e}"
    );
    input(
        &w.refused("stranger", &["credential", "verify", &proof]),
        "pass --audience",
    );
    let e = w.refused(
        "provider",
        &[
            "credential",
            "present",
            &file,
            "--prove",
            "greenShare>=9600",
            "--audience",
            "buyer-1",
            "--out",
            &w.path("false.json").display().to_string(),
        ],
    );
    input(&e, "does not satisfy greenShare>=9600");
    assert!(!w.path("false.json").exists());
    // Revoked by the issuer: the proof no longer verifies.
    let vc: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("vc")).expect("json");
    let credential = vc["cgrid"]["credentialId"]
        .as_str()
        .expect("id")
        .to_string();
    w.ok("issuer", &["credential", "revoke", &credential]);
    let e = w.refused(
        "stranger",
        &["credential", "verify", &proof, "--audience", "buyer-1"],
    );
    assert!(e.to_string().contains("revoked"), "{e}");
}
