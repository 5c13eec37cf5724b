//! W3C Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite ("Data Integrity EdDSA
//! Cryptosuites v1.0", §3.3): the document and the proof configuration are canonicalised with
//! JCS (RFC 8785), each is hashed with SHA-256, and Ed25519 signs `hash(config) ++
//! hash(document)`. The proof value is the base58btc multibase of the 64-byte signature.
//!
//! Proof sets: a document that already has a `proof` gets the new proof appended to an array,
//! and every proof in the set is computed over the document without any `proof` member.
//! Proof chains (`previousProof`) are not supported and refused.

use serde_json::{Map, Value};
use sp_core::{ed25519, hashing::sha2_256, Pair};

/// The proof type of every Data Integrity proof.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The cryptosuite implemented here.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// Why a Data Integrity proof could not be made or does not verify.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum IntegrityError {
    /// The document has no `eddsa-jcs-2022` proof.
    #[error("the document has no eddsa-jcs-2022 proof")]
    NoProof,
    /// A `DataIntegrityProof` of another cryptosuite (not checked here, so the set is refused).
    #[error("unsupported cryptosuite `{0}`")]
    UnsupportedCryptosuite(String),
    /// `proofValue` is not a base58btc multibase 64-byte signature.
    #[error("the proof value is not a base58btc-multibase Ed25519 signature")]
    BadProofValue,
    /// The caller could not resolve the proof's verification method to a key.
    #[error("cannot resolve the verification method: {0}")]
    KeyResolution(String),
    /// The signature does not verify: the document, the proof options or the key differ.
    #[error("the signature does not verify")]
    BadSignature,
    /// The document or a proof is not of the expected shape.
    #[error("malformed document or proof: {0}")]
    Malformed(String),
}

/// JCS (RFC 8785) canonical form of `value`.
pub fn canonicalize(value: &Value) -> Result<String, IntegrityError> {
    serde_json_canonicalizer::to_string(value)
        .map_err(|e| IntegrityError::Malformed(format!("JCS: {e}")))
}

/// The hash data the suite signs: `SHA-256(JCS(proof_config)) ++ SHA-256(JCS(document))`.
pub fn hash_data(proof_config: &Value, document: &Value) -> Result<[u8; 64], IntegrityError> {
    let config_hash = sha2_256(canonicalize(proof_config)?.as_bytes());
    let document_hash = sha2_256(canonicalize(document)?.as_bytes());
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&config_hash);
    out[32..].copy_from_slice(&document_hash);
    Ok(out)
}

/// Adds an `eddsa-jcs-2022` proof by `key` to `unsecured`, naming `verification_method` (the
/// full DID URL of the key), `proof_purpose` (e.g. `assertionMethod`) and `created` (an XML
/// Schema dateTime). An existing `proof` makes a proof set: the new proof is appended, and it
/// is computed over the document without any proof.
pub fn add_proof(
    unsecured: &Value,
    key: &ed25519::Pair,
    verification_method: &str,
    proof_purpose: &str,
    created: &str,
) -> Result<Value, IntegrityError> {
    let mut document = object(unsecured, "document")?.clone();
    let existing = document.remove("proof");
    let mut proof = Map::new();
    proof.insert("type".into(), Value::from(PROOF_TYPE));
    proof.insert("cryptosuite".into(), Value::from(CRYPTOSUITE));
    proof.insert("created".into(), Value::from(created));
    proof.insert(
        "verificationMethod".into(),
        Value::from(verification_method),
    );
    proof.insert("proofPurpose".into(), Value::from(proof_purpose));
    // The proof carries the document's context, so that it stays bound to it in a proof set.
    if let Some(context) = document.get("@context") {
        proof.insert("@context".into(), context.clone());
    }
    let config = Value::Object(proof);
    check_config(&config)?;
    let hash = hash_data(&config, &Value::Object(document.clone()))?;
    let signature = key.sign(&hash);
    let Value::Object(mut proof) = config else {
        unreachable!("built as an object")
    };
    proof.insert(
        "proofValue".into(),
        Value::from(format!("z{}", bs58::encode(signature.0).into_string())),
    );
    let proof = Value::Object(proof);
    let proofs = match existing {
        None => proof,
        Some(Value::Array(mut set)) => {
            set.push(proof);
            Value::Array(set)
        }
        Some(one) => Value::Array(vec![one, proof]),
    };
    document.insert("proof".into(), proofs);
    Ok(Value::Object(document))
}

/// Verifies every `eddsa-jcs-2022` proof of `secured`, resolving each proof's
/// `verificationMethod` to an Ed25519 public key with `resolve_key`. Proofs of other types
/// (not Data Integrity proofs, such as ComputeGrid's sr25519 proofs) are left to their own
/// verifiers; a `DataIntegrityProof` of another cryptosuite fails with
/// [`IntegrityError::UnsupportedCryptosuite`]. At least one proof must be checked.
pub fn verify_proof(
    secured: &Value,
    resolve_key: impl Fn(&str) -> Result<[u8; 32], String>,
) -> Result<(), IntegrityError> {
    let mut unsecured = object(secured, "document")?.clone();
    let proofs = match unsecured.remove("proof") {
        None => return Err(IntegrityError::NoProof),
        Some(Value::Array(set)) => set,
        Some(one) => vec![one],
    };
    let mut checked = 0usize;
    for proof in &proofs {
        let proof = object(proof, "proof")?;
        let proof_type = proof.get("type").and_then(Value::as_str);
        let suite = proof.get("cryptosuite").and_then(Value::as_str);
        match (proof_type, suite) {
            (Some(PROOF_TYPE), Some(CRYPTOSUITE)) => {}
            (Some(PROOF_TYPE), other) => {
                return Err(IntegrityError::UnsupportedCryptosuite(
                    other.unwrap_or_default().to_string(),
                ))
            }
            (_, Some(CRYPTOSUITE)) => {
                return Err(IntegrityError::Malformed(format!(
                    "an {CRYPTOSUITE} proof must have type {PROOF_TYPE}"
                )))
            }
            // Not a Data Integrity proof: someone else's to check.
            _ => continue,
        }
        verify_one(&unsecured, proof, &resolve_key)?;
        checked += 1;
    }
    if checked == 0 {
        return Err(IntegrityError::NoProof);
    }
    Ok(())
}

fn verify_one(
    unsecured: &Map<String, Value>,
    proof: &Map<String, Value>,
    resolve_key: &impl Fn(&str) -> Result<[u8; 32], String>,
) -> Result<(), IntegrityError> {
    if proof.contains_key("previousProof") {
        return Err(IntegrityError::Malformed(
            "proof chains (previousProof) are not supported".into(),
        ));
    }
    let mut options = proof.clone();
    let proof_value = options
        .remove("proofValue")
        .ok_or(IntegrityError::BadProofValue)?;
    let signature = decode_proof_value(&proof_value)?;
    let mut document = unsecured.clone();
    if let Some(context) = options.get("@context") {
        let proof_context = context_list(context);
        let document_context = document.get("@context").map(context_list);
        if !document_context.is_some_and(|d| d.starts_with(&proof_context)) {
            return Err(IntegrityError::Malformed(
                "the proof's @context does not begin the document's @context".into(),
            ));
        }
        document.insert("@context".into(), context.clone());
    }
    let config = Value::Object(options);
    check_config(&config)?;
    let method = config
        .get("verificationMethod")
        .and_then(Value::as_str)
        .ok_or_else(|| IntegrityError::Malformed("verificationMethod".into()))?;
    let public = resolve_key(method).map_err(IntegrityError::KeyResolution)?;
    let hash = hash_data(&config, &Value::Object(document))?;
    let signature = ed25519::Signature::from_raw(signature);
    if ed25519::Pair::verify(&signature, hash, &ed25519::Public::from_raw(public)) {
        Ok(())
    } else {
        Err(IntegrityError::BadSignature)
    }
}

/// The proof-configuration checks of the suite (type, cryptosuite, `created`).
fn check_config(config: &Value) -> Result<(), IntegrityError> {
    if config.get("type").and_then(Value::as_str) != Some(PROOF_TYPE)
        || config.get("cryptosuite").and_then(Value::as_str) != Some(CRYPTOSUITE)
    {
        return Err(IntegrityError::Malformed(format!(
            "the proof is not a {PROOF_TYPE} of {CRYPTOSUITE}"
        )));
    }
    if let Some(created) = config.get("created") {
        if !created.as_str().is_some_and(is_xsd_date_time) {
            return Err(IntegrityError::Malformed(format!(
                "created {created} is not an XML Schema dateTime"
            )));
        }
    }
    Ok(())
}

fn decode_proof_value(value: &Value) -> Result<[u8; 64], IntegrityError> {
    let text = value
        .as_str()
        .and_then(|s| s.strip_prefix('z'))
        .ok_or(IntegrityError::BadProofValue)?;
    let raw = bs58::decode(text)
        .into_vec()
        .map_err(|_| IntegrityError::BadProofValue)?;
    raw.try_into().map_err(|_| IntegrityError::BadProofValue)
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, IntegrityError> {
    value
        .as_object()
        .ok_or_else(|| IntegrityError::Malformed(format!("the {what} is not a JSON object")))
}

/// An `@context` as a list (a single context is a list of one).
fn context_list(context: &Value) -> Vec<Value> {
    match context {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    }
}

/// `[-]YYYY-MM-DDThh:mm:ss[.s+][Z|(+|-)hh:mm]`: the lexical space of XML Schema `dateTime`.
pub(crate) fn is_xsd_date_time(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let Some((date, time)) = s.split_once('T') else {
        return false;
    };
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let date: Vec<&str> = date.split('-').collect();
    let [year, month, day] = date.as_slice() else {
        return false;
    };
    if year.len() < 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if !digits(month, 2) || !digits(day, 2) {
        return false;
    }
    let in_range =
        |p: &str, lo: u32, hi: u32| p.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v));
    if !in_range(month, 1, 12) || !in_range(day, 1, 31) {
        return false;
    }
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || zone
            .get(1..)
            .and_then(|z| z.split_once(':'))
            .is_some_and(|(h, m)| {
                digits(h, 2) && digits(m, 2) && in_range(h, 0, 14) && in_range(m, 0, 59)
            });
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let hms: Vec<&str> = hms.split(':').collect();
    let [h, m, sec] = hms.as_slice() else {
        return false;
    };
    zone_ok
        && digits(h, 2)
        && digits(m, 2)
        && digits(sec, 2)
        && in_range(h, 0, 24)
        && in_range(m, 0, 59)
        && in_range(sec, 0, 60)
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
