//! # cgrid-vc: the off-chain verifiable-credential toolkit
//!
//! Builds W3C VC Data Model 2.0 credentials from claims validated against a CPT (with a real
//! JSON-schema validator), commits to them exactly as `vc_templates` anchors them (salted
//! per-field leaves and a root, encoded by `cgrid-shared`), signs with the issuer's sr25519 key,
//! makes selective-disclosure presentations, and verifies credentials and presentations against
//! the on-chain anchor.
//!
//! Chain access is not this crate's business: callers fetch the anchor (`CredentialView`) and
//! the issuer's public key and pass them in. Every check fails with its own [`VerifyError`].
//!
//! Masks: [`Credential::read_view`] is how an off-chain reader shows a credential that a
//! regulator masked in `mask_registry` (the caller passes `MaskRegistry::mask_of`'s answer):
//! the masked claims are withheld, the leaves stay (the commitment is untouched and still
//! verifiable), and a marker says who masked it, when and why.
//!
//! A credential carries a proof set of two issuer signatures, and optionally a third:
//! - the **anchor proof** over `anchor_preimage(registry, request)` — the same signature
//!   `vc_templates::issue` checks on chain, so it binds the claims root, subject, template and
//!   expiry;
//! - the **claims proof** over the per-field value digests, kept only in the holder's full
//!   credential, so that verification can tell a tampered value from a wrong salt and name the
//!   field;
//! - with [`IssueInput::integrity`], a W3C **Data Integrity proof** (`eddsa-jcs-2022`, see
//!   [`integrity`]) by the issuer DID's Ed25519 assertion key over the whole credential, which
//!   any W3C verifier can check ([`Credential::verify_integrity`]).
//!
//! W3C interoperability: credentials use the VC 2.0 context and [`CGRID_CONTEXT`] (shipped as
//! `docs/contexts/cgrid-v1.jsonld`), name their schema ([`cpt_urn`], [`json_schema_with_id`])
//! and status ([`status_urn`]); [`did_doc`] renders DID documents and DID Resolution results;
//! [`Presentation::to_w3c`] / [`Presentation::from_w3c`] map presentations to W3C Verifiable
//! Presentations.

use cgrid_shared::{
    anchor_hash, claim_leaf_hash, claims_root_hash, did_to_string, issued_id_hash, AnchorRequest,
    ClaimProof, ClaimValue, CptId, CptTemplate, CredentialId, CredentialStatus, CredentialView,
    DidId, DidSignature, IssuerProof, Scope, ABSENT_LEAF,
};
use ink::primitives::AccountId;
use rand::RngCore;
use scale::Encode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sp_core::{hashing::blake2_256, sr25519, Pair};
use std::collections::BTreeMap;

pub mod abe;
pub mod did_doc;
pub mod encrypted;
pub mod integrity;
pub mod predicate;
mod presentation_vp;
mod schema;

pub use integrity::IntegrityError;
pub use presentation_vp::{Disclosed, Presentation};
pub use schema::*;

/// Domain tag of the claims proof's digest.
pub const CLAIMS_PROOF_DOMAIN: [u8; 16] = *b"cgrid/vc-vals/v1";
/// The W3C VC Data Model 2.0 context, first in every credential and presentation.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// ComputeGrid's JSON-LD context, second in every credential and presentation. The IRI is in
/// the reserved `.example` domain: it is never fetched, processors preload
/// [`CGRID_CONTEXT_DOCUMENT`] for it (as they preload the VC context).
pub const CGRID_CONTEXT: &str = "https://computegrid.example/contexts/v1";
/// The JSON-LD 1.1 context document served for [`CGRID_CONTEXT`] (`docs/contexts/cgrid-v1.jsonld`).
pub const CGRID_CONTEXT_DOCUMENT: &str = include_str!("../../docs/contexts/cgrid-v1.jsonld");
/// The type of a credential's `credentialStatus`: the status lives in the chain anchor.
pub const ANCHOR_STATUS_TYPE: &str = "CgridAnchorStatus";
const ANCHOR_PROOF: &str = "CgridSr25519AnchorSignature";
const CLAIMS_PROOF: &str = "CgridSr25519ClaimsSignature";

/// Why a credential could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    /// The claims do not satisfy the CPT's schema.
    #[error("claim `{field}` is invalid: {message}")]
    Schema { field: String, message: String },
    #[error("claims must be a JSON object")]
    NotAnObject,
    /// The Data Integrity proof could not be made.
    #[error("data integrity proof: {0}")]
    Integrity(#[from] IntegrityError),
    /// The claims could not be sealed.
    #[error("encryption: {0}")]
    Encryption(#[from] abe::AbeError),
}

/// Why a credential or presentation does not verify. Each check has its own variant.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("claim `{field}` is invalid: {message}")]
    Schema { field: String, message: String },
    #[error("the credential is not anchored on chain")]
    NotAnchored,
    #[error("the anchor's {0} differs from the credential's")]
    AnchorMismatch(&'static str),
    #[error("the claims root does not match the anchored root")]
    RootMismatch,
    #[error("the issuer's signature over the anchor request is invalid")]
    BadIssuerSignature,
    #[error("the issuer's signature over the claims is invalid")]
    BadClaimsSignature,
    #[error("claim `{field}` was changed after issuance")]
    TamperedField { field: String },
    #[error("the salt of claim `{field}` is wrong")]
    WrongSalt { field: String },
    #[error("disclosed claim `{field}` does not match its commitment")]
    DisclosedFieldMismatch { field: String },
    #[error("claim `{field}` is not a property of the template")]
    UnknownField { field: String },
    #[error("the credential has {got} leaves, the template {expected} properties")]
    LeafCount { expected: usize, got: usize },
    #[error("malformed credential: {0}")]
    Malformed(String),
    #[error("the credential is revoked")]
    Revoked,
    #[error("the credential is suspended")]
    Suspended,
    #[error("the credential expired")]
    Expired,
    #[error("the credential does not count now (its issuer DID is deactivated)")]
    NotValid,
    /// An encrypted credential's ciphertext or policy is not the anchored one.
    #[error("{0}")]
    Ciphertext(abe::AbeError),
    /// A predicate proof does not show its predicate (the reason).
    #[error("predicate proof: {0}")]
    Predicate(String),
}

/// The leaf commitment of one claim.
pub fn leaf(name: &str, salt: &[u8; 32], value: &ClaimValue) -> [u8; 32] {
    claim_leaf_hash(name, salt, value)
}

/// The claims root over leaves in template order.
pub fn claims_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    claims_root_hash(leaves)
}

fn value_digest(name: &str, value: Option<&ClaimValue>) -> [u8; 32] {
    match value {
        Some(v) => blake2_256(&(name, v).encode()),
        None => ABSENT_LEAF,
    }
}

fn claims_proof_hash(credential_id: &CredentialId, digests: &[[u8; 32]]) -> [u8; 32] {
    blake2_256(&(CLAIMS_PROOF_DOMAIN, credential_id, digests).encode())
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/// A proof in the credential's proof set: ComputeGrid's sr25519 anchor and claims proofs, and
/// optionally a W3C `DataIntegrityProof` (`eddsa-jcs-2022`, see [`integrity`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proof {
    #[serde(rename = "type")]
    pub proof_type: String,
    /// Data Integrity proofs only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cryptosuite: Option<String>,
    /// Data Integrity proofs only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub created: Option<String>,
    pub verification_method: String,
    pub proof_purpose: String,
    /// Data Integrity proofs only: the document's context when the proof was made.
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none", default)]
    pub context: Option<Value>,
    /// 0x-hex sr25519 signature, or `z`-base58btc Ed25519 signature for Data Integrity.
    pub proof_value: String,
}

impl Proof {
    /// A ComputeGrid sr25519 proof (`CgridSr25519AnchorSignature` or `…ClaimsSignature`).
    fn sr25519(proof_type: &str, method: &str, signature: &[u8; 64]) -> Proof {
        Proof {
            proof_type: proof_type.into(),
            cryptosuite: None,
            created: None,
            verification_method: method.into(),
            proof_purpose: "assertionMethod".into(),
            context: None,
            proof_value: hex::encode(signature),
        }
    }
}

/// ComputeGrid's commitment data inside a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Commitments {
    pub registry: String,
    pub cpt_id: CptId,
    pub credential_id: String,
    pub claims_root: String,
    /// Per-claim salts (hex), for the claims present.
    pub salts: BTreeMap<String, String>,
    /// Leaves in template order (hex).
    pub leaves: Vec<String>,
    /// Per-claim value digests in template order (hex), signed by the claims proof.
    pub value_digests: Vec<String>,
    pub expires_at: Option<u64>,
    /// The issuer's signed Pedersen commitments to the numeric claims ([`predicate`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pedersen: BTreeMap<String, predicate::ClaimCommitment>,
    /// The holder's openings of those commitments (hex scalars): never shown to verifiers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub openings: BTreeMap<String, String>,
}

/// A full credential as its holder keeps it: W3C VC Data Model 2.0 JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    pub id: String,
    #[serde(rename = "type")]
    pub types: Vec<String>,
    pub issuer: String,
    pub valid_from: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub valid_until: Option<String>,
    pub credential_schema: Value,
    /// `{id: urn:cgrid:status:<registry>:<credential id>, type: CgridAnchorStatus}`.
    #[serde(skip_serializing_if = "Value::is_null", default)]
    pub credential_status: Value,
    pub credential_subject: Map<String, Value>,
    pub cgrid: Commitments,
    pub proof: Vec<Proof>,
}

/// What an issuer needs to issue a credential.
pub struct IssueInput<'a> {
    pub registry: AccountId,
    pub cpt_id: CptId,
    pub template: &'a CptTemplate,
    pub issuer: DidId,
    pub issuer_key_id: &'a str,
    pub issuer_key: &'a sr25519::Pair,
    pub subject: DidId,
    pub claims: Value,
    /// Milliseconds since the epoch.
    pub issued_at: u64,
    pub expires_at: Option<u64>,
    /// When set, the credential also gets a W3C Data Integrity proof by this key.
    pub integrity: Option<IntegrityKey<'a>>,
    /// When set, the claims are sealed under an access tree ([`encrypted`]): the anchor
    /// commits to the ciphertext's hash and the tree's id, and [`Issued::encrypted`] is the
    /// file to hand out.
    pub encrypt: Option<encrypted::Encrypt<'a>>,
}

/// The issuer DID's Ed25519 `assertionMethod` key that signs a credential's Data Integrity
/// proof (`eddsa-jcs-2022`, verification method `<issuer DID>#<key_id>`).
#[derive(Clone, Copy)]
pub struct IntegrityKey<'a> {
    pub key: &'a sp_core::ed25519::Pair,
    pub key_id: &'a str,
}

/// A credential ready to anchor: the holder's copy, the request for `vc_templates::issue`, and
/// the issuer's signature that authorises it.
pub struct Issued {
    pub credential: Credential,
    /// With [`IssueInput::encrypt`]: the credential with its claims sealed, the file to hand
    /// out (the full `credential` is what it decrypts to).
    pub encrypted: Option<encrypted::EncryptedCredential>,
    pub request: AnchorRequest,
    pub key_id: String,
    pub signature: DidSignature,
}

impl Issued {
    /// The issuer's authorisation as `vc_templates::issue` takes it.
    pub fn proof(&self) -> IssuerProof {
        IssuerProof {
            key_id: self.key_id.clone(),
            signature: self.signature,
        }
    }

    /// The anchor `vc_templates` stores for this request when it is anchored at `anchored_at`
    /// by the issuer DID, as `verify` returns it while active: what an offline check (a
    /// test, a benchmark, a verifier holding a copy of the anchor) checks against.
    pub fn anchor_view(&self, anchored_at: u64) -> CredentialView {
        let r = &self.request;
        CredentialView {
            anchor: cgrid_shared::CredentialAnchor {
                cpt_id: r.cpt_id,
                issuer: cgrid_shared::Issuer::Did(r.issuer),
                subject: r.subject,
                claims_root: r.claims_root,
                issued_at: anchored_at,
                expires_at: r.expires_at,
                ciphertext_hash: r.ciphertext_hash,
                policy_id: r.policy_id,
                status: CredentialStatus::Active,
                status_changed_at: anchored_at,
                trade: None,
            },
            valid: true,
            expired: false,
        }
    }
}

pub(crate) fn hex32(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

pub(crate) fn unhex32(s: &str) -> Result<[u8; 32], VerifyError> {
    let raw = hex::decode(s.trim_start_matches("0x"))
        .map_err(|e| VerifyError::Malformed(format!("hex: {e}")))?;
    raw.try_into()
        .map_err(|_| VerifyError::Malformed(format!("{s} is not 32 bytes")))
}

fn sign(pair: &sr25519::Pair, hash: &[u8; 32]) -> [u8; 64] {
    let sig = pair.sign(hash);
    <[u8; 64]>::try_from(AsRef::<[u8]>::as_ref(&sig)).expect("sr25519 signatures are 64 bytes")
}

/// The URN of a credential's status entry: `urn:cgrid:status:<registry>:<credential id>`.
pub fn status_urn(registry: &AccountId, credential_id: &CredentialId) -> String {
    format!(
        "urn:cgrid:status:{}:{}",
        hex32(registry.as_ref()),
        hex32(credential_id)
    )
}

/// Validates the claims, commits to them with fresh salts, and signs both sr25519 proofs; with
/// [`IssueInput::integrity`], appends a Data Integrity proof over the credential without proofs.
pub fn issue(input: IssueInput<'_>) -> Result<Issued, BuildError> {
    validate_claims(input.template, &input.claims)?;
    let claims = input.claims.as_object().ok_or(BuildError::NotAnObject)?;
    let mut rng = rand::thread_rng();

    let mut salts = BTreeMap::new();
    let mut leaves = Vec::new();
    let mut digests = Vec::new();
    let mut values = Vec::new();
    for p in &input.template.properties {
        match claims.get(&p.name) {
            Some(v) => {
                let value = claim_value(p, v)?;
                values.push((p.name.clone(), value.clone()));
                let mut salt = [0u8; 32];
                rng.fill_bytes(&mut salt);
                leaves.push(leaf(&p.name, &salt, &value));
                digests.push(value_digest(&p.name, Some(&value)));
                salts.insert(p.name.clone(), hex32(&salt));
            }
            None => {
                leaves.push(ABSENT_LEAF);
                digests.push(ABSENT_LEAF);
            }
        }
    }
    let root = claims_root(&leaves);
    // The id the registry requires: a commitment to issuer, subject, template and (salted)
    // claims root, so credentials with the same claims still differ.
    let credential_id = issued_id_hash(&input.issuer, &input.subject, input.cpt_id, &root);
    let (pedersen, openings) =
        predicate::commit_claims(&input.registry, &credential_id, &values, input.issuer_key);
    let mut request = AnchorRequest {
        id: credential_id,
        cpt_id: input.cpt_id,
        issuer: input.issuer,
        subject: input.subject,
        claims_root: root,
        expires_at: input.expires_at,
        ciphertext_hash: None,
        policy_id: None,
    };
    // Sealed before the anchor is signed: the anchor commits to the ciphertext.
    let sealed = match &input.encrypt {
        Some(e) => {
            let private = encrypted::Private {
                credential_subject: claims.clone(),
                salts: salts.clone(),
                value_digests: digests.iter().map(|d| hex32(d)).collect(),
                openings: openings.clone(),
                pedersen: pedersen.clone(),
            };
            let sealed = e.seal(&private)?;
            request.ciphertext_hash = Some(sealed.ciphertext_hash());
            request.policy_id = Some(e.tree.policy_id());
            Some(sealed)
        }
        None => None,
    };
    let anchor_sig = sign(input.issuer_key, &anchor_hash(&input.registry, &request));
    let claims_sig = sign(
        input.issuer_key,
        &claims_proof_hash(&credential_id, &digests),
    );
    let issuer = did_to_string(&input.issuer);
    let method = format!("{issuer}#{}", input.issuer_key_id);
    let mut subject = Map::new();
    subject.insert("id".into(), json!(did_to_string(&input.subject)));
    subject.extend(claims.clone());
    let mut credential = Credential {
        context: vec![VC_CONTEXT.into(), CGRID_CONTEXT.into()],
        id: format!("urn:cgrid:vc:{}", hex32(&credential_id)),
        types: vec![
            "VerifiableCredential".into(),
            "ComputeGridCredential".into(),
        ],
        issuer,
        valid_from: rfc3339(input.issued_at),
        valid_until: input.expires_at.map(rfc3339),
        credential_schema: json!({"id": cpt_urn(&input.registry, input.cpt_id), "type": "JsonSchema"}),
        credential_status: json!({
            "id": status_urn(&input.registry, &credential_id),
            "type": ANCHOR_STATUS_TYPE,
        }),
        credential_subject: subject,
        cgrid: Commitments {
            registry: hex32(input.registry.as_ref()),
            cpt_id: input.cpt_id,
            credential_id: hex32(&credential_id),
            claims_root: hex32(&root),
            salts,
            leaves: leaves.iter().map(|l| hex32(l)).collect(),
            value_digests: digests.iter().map(|d| hex32(d)).collect(),
            expires_at: input.expires_at,
            pedersen,
            openings: openings.clone(),
        },
        proof: vec![
            Proof::sr25519(ANCHOR_PROOF, &method, &anchor_sig),
            Proof::sr25519(CLAIMS_PROOF, &method, &claims_sig),
        ],
    };
    if let Some(key) = input.integrity {
        let mut unsecured = credential.to_json();
        if let Some(object) = unsecured.as_object_mut() {
            object.remove("proof");
        }
        let method = format!("{}#{}", credential.issuer, key.key_id);
        let created = rfc3339(input.issued_at);
        let secured =
            integrity::add_proof(&unsecured, key.key, &method, "assertionMethod", &created)?;
        let proof = serde_json::from_value(secured["proof"].clone())
            .map_err(|e| IntegrityError::Malformed(e.to_string()))?;
        credential.proof.push(proof);
    }
    let encrypted = sealed.map(|sealed| encrypted::EncryptedCredential::new(&credential, sealed));
    Ok(Issued {
        credential,
        encrypted,
        request,
        key_id: input.issuer_key_id.to_string(),
        signature: DidSignature::Sr25519(anchor_sig),
    })
}

fn verify_sig(public: &[u8; 32], hash: &[u8; 32], proof_hex: &str) -> bool {
    let Ok(raw) = hex::decode(proof_hex.trim_start_matches("0x")) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(raw.as_slice()) else {
        return false;
    };
    let sig = sr25519::Signature::from_raw(bytes);
    sr25519::Pair::verify(&sig, hash, &sr25519::Public::from_raw(*public))
}

/// The on-chain status checks shared by credentials and presentations.
fn check_anchor(view: Option<&CredentialView>, now: u64) -> Result<&CredentialView, VerifyError> {
    let view = view.ok_or(VerifyError::NotAnchored)?;
    match view.anchor.status {
        CredentialStatus::Revoked => return Err(VerifyError::Revoked),
        CredentialStatus::Suspended => return Err(VerifyError::Suspended),
        CredentialStatus::Active => {}
    }
    if view.expired || view.anchor.expires_at.is_some_and(|t| now >= t) {
        return Err(VerifyError::Expired);
    }
    if !view.valid {
        return Err(VerifyError::NotValid);
    }
    Ok(view)
}

/// Common facts of a credential or presentation checked against the anchor and the anchor
/// proof.
struct Common<'a> {
    registry: &'a str,
    credential_id: &'a str,
    cpt_id: CptId,
    issuer: &'a str,
    subject: &'a str,
    leaves: &'a [String],
    anchor_proof: &'a str,
}

/// A credential's anchor checks (with or without its claims): status, expiry, template,
/// issuer, subject, the leaves against the root, and the anchor proof. Returns the leaves.
pub(crate) fn check_anchor_proof(
    credential: &Credential,
    template: &CptTemplate,
    view: Option<&CredentialView>,
    issuer_public: &[u8; 32],
    now: u64,
) -> Result<Vec<[u8; 32]>, VerifyError> {
    let common = Common {
        registry: &credential.cgrid.registry,
        credential_id: &credential.cgrid.credential_id,
        cpt_id: credential.cgrid.cpt_id,
        issuer: &credential.issuer,
        subject: credential.subject_did(),
        leaves: &credential.cgrid.leaves,
        anchor_proof: credential.proof_value(ANCHOR_PROOF)?,
    };
    check_common(&common, template, view, issuer_public, now)
}

fn check_common(
    c: &Common<'_>,
    template: &CptTemplate,
    view: Option<&CredentialView>,
    issuer_public: &[u8; 32],
    now: u64,
) -> Result<Vec<[u8; 32]>, VerifyError> {
    let credential_id = unhex32(c.credential_id)?;
    let view = check_anchor(view, now)?;
    let leaves = c
        .leaves
        .iter()
        .map(|l| unhex32(l))
        .collect::<Result<Vec<_>, _>>()?;
    if leaves.len() != template.properties.len() {
        return Err(VerifyError::LeafCount {
            expected: template.properties.len(),
            got: leaves.len(),
        });
    }
    let anchor = &view.anchor;
    if anchor.cpt_id != c.cpt_id {
        return Err(VerifyError::AnchorMismatch("template"));
    }
    let issuer = match anchor.issuer {
        cgrid_shared::Issuer::Did(did) => did,
        cgrid_shared::Issuer::System(_) => return Err(VerifyError::AnchorMismatch("issuer")),
    };
    if did_to_string(&issuer) != c.issuer {
        return Err(VerifyError::AnchorMismatch("issuer"));
    }
    if did_to_string(&anchor.subject) != c.subject {
        return Err(VerifyError::AnchorMismatch("subject"));
    }
    if claims_root(&leaves) != anchor.claims_root {
        return Err(VerifyError::RootMismatch);
    }
    let request = AnchorRequest {
        id: credential_id,
        cpt_id: anchor.cpt_id,
        issuer,
        subject: anchor.subject,
        claims_root: anchor.claims_root,
        expires_at: anchor.expires_at,
        ciphertext_hash: anchor.ciphertext_hash,
        policy_id: anchor.policy_id,
    };
    let registry = AccountId::from(unhex32(c.registry)?);
    if !verify_sig(
        issuer_public,
        &anchor_hash(&registry, &request),
        c.anchor_proof,
    ) {
        return Err(VerifyError::BadIssuerSignature);
    }
    Ok(leaves)
}

impl Credential {
    fn subject_did(&self) -> &str {
        self.credential_subject
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    fn proof_value(&self, proof_type: &str) -> Result<&str, VerifyError> {
        self.proof
            .iter()
            .find(|p| p.proof_type == proof_type)
            .map(|p| p.proof_value.as_str())
            .ok_or_else(|| VerifyError::Malformed(format!("missing {proof_type}")))
    }

    /// The selective-disclosure proof that claim `name` of this credential holds the integer
    /// `value` (what an auction reveal cites for a bid attribute): the claim's salt and leaf
    /// position from the holder's commitments, checked against the claims root. Reveals only
    /// this claim's value; the other leaves are salted hashes.
    pub fn claim_proof(&self, name: &str, value: i128) -> Result<ClaimProof, VerifyError> {
        let c = &self.cgrid;
        let salt = c
            .salts
            .get(name)
            .ok_or_else(|| VerifyError::UnknownField { field: name.into() })
            .and_then(|s| unhex32(s))?;
        let leaves = c
            .leaves
            .iter()
            .map(|l| unhex32(l))
            .collect::<Result<Vec<_>, _>>()?;
        if claims_root(&leaves) != unhex32(&c.claims_root)? {
            return Err(VerifyError::RootMismatch);
        }
        let wanted = leaf(name, &salt, &ClaimValue::Integer(value));
        let index = leaves
            .iter()
            .position(|l| *l == wanted)
            .ok_or_else(|| VerifyError::DisclosedFieldMismatch { field: name.into() })?;
        Ok(ClaimProof {
            credential: unhex32(&c.credential_id)?,
            leaves,
            index: u32::try_from(index)
                .map_err(|_| VerifyError::Malformed("too many leaves".into()))?,
            salt,
        })
    }

    /// The credential as W3C VC 2.0 JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Verifies the credential's Data Integrity proof(s) (`eddsa-jcs-2022`), resolving each
    /// verification method to the issuer's Ed25519 key with `resolve_key` (for instance with
    /// [`did_doc::verification_key`] on the issuer's resolved DID document, after checking
    /// [`did_doc::has_relationship`] `assertionMethod`). The sr25519 proofs and the anchor are
    /// [`Credential::verify`]'s.
    pub fn verify_integrity(
        &self,
        resolve_key: impl Fn(&str) -> Result<[u8; 32], String>,
    ) -> Result<(), IntegrityError> {
        integrity::verify_proof(&self.to_json(), resolve_key)
    }

    /// Verifies the full credential: schema, the claims proof (naming a tampered field), every
    /// salt (naming a wrong one), the anchor (root, template, issuer, subject, status, expiry)
    /// and the anchor proof.
    pub fn verify(
        &self,
        template: &CptTemplate,
        view: Option<&CredentialView>,
        issuer_public: &[u8; 32],
        now: u64,
    ) -> Result<(), VerifyError> {
        let leaves = check_anchor_proof(self, template, view, issuer_public, now)?;
        let credential_id = unhex32(&self.cgrid.credential_id)?;
        let digests = self
            .cgrid
            .value_digests
            .iter()
            .map(|d| unhex32(d))
            .collect::<Result<Vec<_>, _>>()?;
        if !verify_sig(
            issuer_public,
            &claims_proof_hash(&credential_id, &digests),
            self.proof_value(CLAIMS_PROOF)?,
        ) {
            return Err(VerifyError::BadClaimsSignature);
        }
        let mut claims = self.credential_subject.clone();
        claims.remove("id");
        for name in claims.keys() {
            if !template.properties.iter().any(|p| &p.name == name) {
                return Err(VerifyError::UnknownField {
                    field: name.clone(),
                });
            }
        }
        for ((p, expected_leaf), expected_digest) in
            template.properties.iter().zip(&leaves).zip(&digests)
        {
            let value = claims
                .get(&p.name)
                .map(|v| claim_value(p, v))
                .transpose()
                .map_err(|e| match e {
                    BuildError::Schema { field, .. } => VerifyError::TamperedField { field },
                    BuildError::NotAnObject => VerifyError::Malformed("claims".into()),
                    BuildError::Integrity(e) => VerifyError::Malformed(e.to_string()),
                    BuildError::Encryption(e) => VerifyError::Malformed(e.to_string()),
                })?;
            if value_digest(&p.name, value.as_ref()) != *expected_digest {
                return Err(VerifyError::TamperedField {
                    field: p.name.clone(),
                });
            }
            if let Some(value) = value {
                let salt = self
                    .cgrid
                    .salts
                    .get(&p.name)
                    .ok_or_else(|| VerifyError::WrongSalt {
                        field: p.name.clone(),
                    })
                    .and_then(|s| {
                        unhex32(s).map_err(|_| VerifyError::WrongSalt {
                            field: p.name.clone(),
                        })
                    })?;
                if leaf(&p.name, &salt, &value) != *expected_leaf {
                    return Err(VerifyError::WrongSalt {
                        field: p.name.clone(),
                    });
                }
            }
        }
        validate_claims(template, &Value::Object(claims)).map_err(|e| match e {
            BuildError::Schema { field, message } => VerifyError::Schema { field, message },
            BuildError::NotAnObject => VerifyError::Malformed("claims".into()),
            BuildError::Integrity(e) => VerifyError::Malformed(e.to_string()),
            BuildError::Encryption(e) => VerifyError::Malformed(e.to_string()),
        })
    }

    /// What a reader may show of this credential under a regulator's mask, given the marker
    /// vc_templates' `verify` returned with the anchor (`MaskedView::masked`): without one,
    /// every claim; under a whole-record mask, no claim and no subject; under a field mask,
    /// every claim but the named ones. The leaves are kept either way, so the anchored
    /// commitment stays checkable.
    pub fn read_view(&self, mask: Option<&cgrid_shared::MaskMarker>) -> ReadView {
        let withheld = |field: &str| mask.is_some_and(|m| m.scope.withholds(field));
        let claims: Map<String, Value> = self
            .credential_subject
            .iter()
            .filter(|(k, _)| k.as_str() != "id" && !withheld(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let hidden: Vec<String> = self
            .credential_subject
            .keys()
            .filter(|k| k.as_str() != "id" && withheld(k))
            .cloned()
            .collect();
        let whole = mask.is_some_and(|m| m.scope == Scope::Whole);
        ReadView {
            credential_id: self.cgrid.credential_id.clone(),
            cpt_id: self.cgrid.cpt_id,
            issuer: self.issuer.clone(),
            subject: (!whole).then(|| self.subject_did().to_string()),
            claims,
            leaves: self.cgrid.leaves.clone(),
            masked: mask.map(|m| MaskMarker::of(m, hidden)),
        }
    }

    /// A presentation disclosing only `fields` (with their salts).
    pub fn present(&self, fields: &[&str]) -> Result<Presentation, VerifyError> {
        let mut disclosed = BTreeMap::new();
        for f in fields {
            let value =
                self.credential_subject
                    .get(*f)
                    .ok_or_else(|| VerifyError::UnknownField {
                        field: f.to_string(),
                    })?;
            let salt = self
                .cgrid
                .salts
                .get(*f)
                .ok_or_else(|| VerifyError::UnknownField {
                    field: f.to_string(),
                })?;
            disclosed.insert(
                f.to_string(),
                Disclosed {
                    value: value.clone(),
                    salt: salt.clone(),
                },
            );
        }
        Ok(Presentation {
            credential_id: self.cgrid.credential_id.clone(),
            registry: self.cgrid.registry.clone(),
            cpt_id: self.cgrid.cpt_id,
            issuer: self.issuer.clone(),
            subject: self.subject_did().to_string(),
            leaves: self.cgrid.leaves.clone(),
            disclosed,
            anchor_proof: self.proof_value(ANCHOR_PROOF)?.to_string(),
        })
    }
}

/// Why a read withholds fields: the mask's marker as JSON shows it (hex hashes and account,
/// RFC 3339 time). Used by credential reads ([`ReadView::masked`]) and DID resolution
/// (`cgridMasked` in [`did_doc::document_metadata`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskMarker {
    /// The fields withheld (for a credential under a whole-record mask: every claim, and the
    /// subject).
    pub withheld: Vec<String>,
    pub reason_code: u16,
    /// Hash of the regulator's off-chain evidence.
    pub reason_hash: String,
    /// The record's content hash when it was masked.
    pub content_hash: String,
    /// The regulator's account.
    pub by: String,
    pub since: String,
}

impl MaskMarker {
    /// The marker of the chain's `marker`, listing `withheld`.
    pub fn of(marker: &cgrid_shared::MaskMarker, withheld: Vec<String>) -> MaskMarker {
        MaskMarker {
            withheld,
            reason_code: marker.reason_code,
            reason_hash: hex32(&marker.reason_hash),
            content_hash: hex32(&marker.content_hash),
            by: hex32(marker.by.as_ref()),
            since: rfc3339(marker.since),
        }
    }
}

/// A credential as a reader may show it (see [`Credential::read_view`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadView {
    pub credential_id: String,
    pub cpt_id: CptId,
    pub issuer: String,
    /// `None` under a whole-record mask.
    pub subject: Option<String>,
    /// The claims shown.
    pub claims: Map<String, Value>,
    pub leaves: Vec<String>,
    /// Present when the credential is masked.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub masked: Option<MaskMarker>,
}

/// Milliseconds since the epoch → `YYYY-MM-DDTHH:MM:SS.mmmZ`.
/// Reads one of the toolkit's own file types: a JSON object whose `kind` names the type (`KIND`
/// of [`encrypted`], [`predicate`], the [`abe`] files), then the type's fields.
pub fn kinded<T: serde::de::DeserializeOwned>(value: &Value, kind: &str) -> Result<T, String> {
    if value.get("kind").and_then(Value::as_str) != Some(kind) {
        return Err(format!("`kind` is not {kind}"));
    }
    T::deserialize(value).map_err(|e| e.to_string())
}

pub fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant), valid for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests;
