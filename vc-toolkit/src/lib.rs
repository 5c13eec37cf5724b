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
//! A credential carries two issuer signatures:
//! - the **anchor proof** over `anchor_preimage(registry, request)` — the same signature
//!   `vc_templates::issue` checks on chain, so it binds the claims root, subject, template and
//!   expiry;
//! - the **claims proof** over the per-field value digests, kept only in the holder's full
//!   credential, so that verification can tell a tampered value from a wrong salt and name the
//!   field.

use cgrid_shared::{
    anchor_hash, claim_leaf_hash, claims_root_hash, did_to_string, issued_id_hash, AnchorRequest,
    ClaimValue, CptId, CptProperty, CptTemplate, CredentialId, CredentialStatus, CredentialView,
    DidId, DidSignature, PropertyType, Scope, ABSENT_LEAF,
};
use ink::primitives::AccountId;
use rand::RngCore;
use scale::Encode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sp_core::{hashing::blake2_256, sr25519, Pair};
use std::collections::BTreeMap;

/// Domain tag of the claims proof's digest.
pub const CLAIMS_PROOF_DOMAIN: [u8; 16] = *b"cgrid/vc-vals/v1";
const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// Why a credential could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    /// The claims do not satisfy the CPT's schema.
    #[error("claim `{field}` is invalid: {message}")]
    Schema { field: String, message: String },
    #[error("claims must be a JSON object")]
    NotAnObject,
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
}

// ---------------------------------------------------------------------------------------------
// Schema and claim values
// ---------------------------------------------------------------------------------------------

/// The JSON Schema (2020-12) of a template's `credentialSubject` claims.
pub fn json_schema(template: &CptTemplate) -> Value {
    let mut properties = Map::new();
    for p in &template.properties {
        let mut s = match p.property_type {
            PropertyType::String => json!({"type": "string"}),
            PropertyType::Integer => json!({"type": "integer"}),
            PropertyType::Decimal { scale } => json!({
                "type": "string",
                "pattern": decimal_pattern(scale),
            }),
            PropertyType::Boolean => json!({"type": "boolean"}),
            PropertyType::Timestamp => json!({"type": "integer", "minimum": 0}),
        };
        if !p.description.is_empty() {
            s["description"] = json!(p.description);
        }
        if !p.allowed.is_empty() {
            s["enum"] = json!(p.allowed);
        }
        properties.insert(p.name.clone(), s);
    }
    let required: Vec<&str> = template
        .properties
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": template.title,
        "description": template.description,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn decimal_pattern(scale: u8) -> String {
    if scale == 0 {
        "^-?[0-9]+$".into()
    } else {
        format!("^-?[0-9]+(\\.[0-9]{{1,{scale}}})?$")
    }
}

/// Validates `claims` against the template's JSON Schema; the error names the first bad field.
pub fn validate_claims(template: &CptTemplate, claims: &Value) -> Result<(), BuildError> {
    if !claims.is_object() {
        return Err(BuildError::NotAnObject);
    }
    let schema = json_schema(template);
    let validator = jsonschema::validator_for(&schema).map_err(|e| BuildError::Schema {
        field: String::new(),
        message: format!("template schema: {e}"),
    })?;
    if let Some(error) = validator.iter_errors(claims).next() {
        return Err(BuildError::Schema {
            field: field_of(&error),
            message: error.to_string(),
        });
    }
    Ok(())
}

fn field_of(error: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as Kind;
    match error.kind() {
        // Errors about the object itself sit at its root: the field is in the error kind.
        Kind::Required { property } => property.as_str().unwrap_or_default().to_string(),
        Kind::AdditionalProperties { unexpected } => unexpected.join(", "),
        _ => error
            .instance_path()
            .to_string()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// The typed value of one claim (already schema-valid).
pub fn claim_value(property: &CptProperty, value: &Value) -> Result<ClaimValue, BuildError> {
    let bad = |message: &str| BuildError::Schema {
        field: property.name.clone(),
        message: message.into(),
    };
    Ok(match property.property_type {
        PropertyType::String => {
            ClaimValue::String(value.as_str().ok_or_else(|| bad("not a string"))?.into())
        }
        PropertyType::Integer => ClaimValue::Integer(i128::from(
            value.as_i64().ok_or_else(|| bad("not an integer"))?,
        )),
        PropertyType::Decimal { scale } => ClaimValue::Decimal(
            parse_decimal(
                value.as_str().ok_or_else(|| bad("not a decimal string"))?,
                scale,
            )
            .ok_or_else(|| bad("not a decimal of this scale"))?,
        ),
        PropertyType::Boolean => {
            ClaimValue::Boolean(value.as_bool().ok_or_else(|| bad("not a boolean"))?)
        }
        PropertyType::Timestamp => {
            ClaimValue::Timestamp(value.as_u64().ok_or_else(|| bad("not a timestamp"))?)
        }
    })
}

/// "12.5" at scale 2 → 1250.
pub fn parse_decimal(s: &str, scale: u8) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty()
        || frac.len() > usize::from(scale)
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let padded = format!("{int}{frac:0<width$}", width = usize::from(scale));
    let v: i128 = padded.parse().ok()?;
    Some(if neg { -v } else { v })
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

/// A proof in the credential (W3C data-integrity shaped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proof {
    #[serde(rename = "type")]
    pub proof_type: String,
    pub verification_method: String,
    pub proof_purpose: String,
    /// 0x-hex sr25519 signature.
    pub proof_value: String,
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
}

/// A credential ready to anchor: the holder's copy, the request for `vc_templates::issue`, and
/// the issuer's signature that authorises it.
pub struct Issued {
    pub credential: Credential,
    pub request: AnchorRequest,
    pub key_id: String,
    pub signature: DidSignature,
}

fn hex32(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn unhex32(s: &str) -> Result<[u8; 32], VerifyError> {
    let raw = hex::decode(s.trim_start_matches("0x"))
        .map_err(|e| VerifyError::Malformed(format!("hex: {e}")))?;
    raw.try_into()
        .map_err(|_| VerifyError::Malformed(format!("{s} is not 32 bytes")))
}

fn sign(pair: &sr25519::Pair, hash: &[u8; 32]) -> [u8; 64] {
    let sig = pair.sign(hash);
    <[u8; 64]>::try_from(AsRef::<[u8]>::as_ref(&sig)).expect("sr25519 signatures are 64 bytes")
}

/// Validates the claims, commits to them with fresh salts, and signs both proofs.
pub fn issue(input: IssueInput<'_>) -> Result<Issued, BuildError> {
    validate_claims(input.template, &input.claims)?;
    let claims = input.claims.as_object().ok_or(BuildError::NotAnObject)?;
    let mut rng = rand::thread_rng();

    let mut salts = BTreeMap::new();
    let mut leaves = Vec::new();
    let mut digests = Vec::new();
    for p in &input.template.properties {
        match claims.get(&p.name) {
            Some(v) => {
                let value = claim_value(p, v)?;
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
    let request = AnchorRequest {
        id: credential_id,
        cpt_id: input.cpt_id,
        issuer: input.issuer,
        subject: input.subject,
        claims_root: root,
        expires_at: input.expires_at,
        ciphertext_hash: None,
        policy_id: None,
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
    let credential = Credential {
        context: vec![VC_CONTEXT.into()],
        id: format!("urn:cgrid:vc:{}", hex32(&credential_id)),
        types: vec![
            "VerifiableCredential".into(),
            "ComputeGridCredential".into(),
        ],
        issuer,
        valid_from: rfc3339(input.issued_at),
        valid_until: input.expires_at.map(rfc3339),
        credential_schema: json!({"id": format!("cgrid:cpt:{}", input.cpt_id), "type": "JsonSchema", "title": input.template.title}),
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
        },
        proof: vec![
            Proof {
                proof_type: "CgridSr25519AnchorSignature".into(),
                verification_method: method.clone(),
                proof_purpose: "assertionMethod".into(),
                proof_value: hex::encode(anchor_sig),
            },
            Proof {
                proof_type: "CgridSr25519ClaimsSignature".into(),
                verification_method: method,
                proof_purpose: "assertionMethod".into(),
                proof_value: hex::encode(claims_sig),
            },
        ],
    };
    Ok(Issued {
        credential,
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

    fn proof_value(&self, index: usize) -> Result<&str, VerifyError> {
        self.proof
            .get(index)
            .map(|p| p.proof_value.as_str())
            .ok_or_else(|| VerifyError::Malformed("missing proof".into()))
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
        let common = Common {
            registry: &self.cgrid.registry,
            credential_id: &self.cgrid.credential_id,
            cpt_id: self.cgrid.cpt_id,
            issuer: &self.issuer,
            subject: self.subject_did(),
            leaves: &self.cgrid.leaves,
            anchor_proof: self.proof_value(0)?,
        };
        let leaves = check_common(&common, template, view, issuer_public, now)?;
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
            self.proof_value(1)?,
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
            masked: mask.map(|m| MaskMarker {
                withheld: hidden,
                reason_code: m.reason_code,
                reason_hash: format!("0x{}", hex::encode(m.reason_hash)),
                content_hash: format!("0x{}", hex::encode(m.content_hash)),
                by: format!("0x{}", hex::encode(m.by)),
                since: rfc3339(m.since),
            }),
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
            anchor_proof: self.proof_value(0)?.to_string(),
        })
    }
}

/// Why a read withholds claims: the mask's marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaskMarker {
    /// The claims withheld (for a whole-record mask: all of them, and the subject).
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

/// A disclosed claim: its value and salt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosed {
    pub value: Value,
    pub salt: String,
}

/// A selective-disclosure presentation: some claims in the clear, the rest as leaves only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Presentation {
    pub credential_id: String,
    pub registry: String,
    pub cpt_id: CptId,
    pub issuer: String,
    pub subject: String,
    pub leaves: Vec<String>,
    pub disclosed: BTreeMap<String, Disclosed>,
    pub anchor_proof: String,
}

impl Presentation {
    /// Verifies the presentation against the anchor and returns the disclosed claims.
    pub fn verify(
        &self,
        template: &CptTemplate,
        view: Option<&CredentialView>,
        issuer_public: &[u8; 32],
        now: u64,
    ) -> Result<BTreeMap<String, Value>, VerifyError> {
        let common = Common {
            registry: &self.registry,
            credential_id: &self.credential_id,
            cpt_id: self.cpt_id,
            issuer: &self.issuer,
            subject: &self.subject,
            leaves: &self.leaves,
            anchor_proof: &self.anchor_proof,
        };
        let leaves = check_common(&common, template, view, issuer_public, now)?;
        let mut out = BTreeMap::new();
        for (name, d) in &self.disclosed {
            let (index, p) = template
                .properties
                .iter()
                .enumerate()
                .find(|(_, p)| &p.name == name)
                .ok_or_else(|| VerifyError::UnknownField {
                    field: name.clone(),
                })?;
            let mismatch = || VerifyError::DisclosedFieldMismatch {
                field: name.clone(),
            };
            let value = claim_value(p, &d.value).map_err(|_| mismatch())?;
            let salt = unhex32(&d.salt).map_err(|_| mismatch())?;
            if leaf(name, &salt, &value) != leaves[index] {
                return Err(mismatch());
            }
            out.insert(name.clone(), d.value.clone());
        }
        Ok(out)
    }
}

/// Milliseconds since the epoch → `YYYY-MM-DDTHH:MM:SS.mmmZ`.
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
