//! W3C DID Core documents and DID Resolution results of `did:cgrid` DIDs.
//!
//! [`resolution`] turns the registry's (possibly masked) read of a DID into a DID Resolution
//! result: a DID Core document with `Multikey` verification methods (`publicKeyMultibase` =
//! `z` + base58btc(multicodec varint ++ raw key)), relationship arrays of method ids, and
//! services; the document metadata carries the timestamps, the version (nonce), deactivation,
//! the bound account and, when a regulator masked the DID, the mask's marker.
//!
//! Optional sets (`verificationMethod`, the relationships, `service`) are omitted when empty.

use crate::{hex32, rfc3339, MaskMarker};
use cgrid_shared::{did_from_str, did_to_string, DidDocument, KeyPurpose, KeyType, MaskedView};
use serde_json::{json, Map, Value};

/// The DID Core v1 JSON-LD context.
pub const DID_CONTEXT: &str = "https://www.w3.org/ns/did/v1";
/// The Multikey JSON-LD context.
pub const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";
/// The DID Resolution JSON-LD context.
pub const DID_RESOLUTION_CONTEXT: &str = "https://w3id.org/did-resolution/v1";
/// The media type of the documents produced here.
pub const DID_LD_JSON: &str = "application/did+ld+json";

/// The verification relationships a key can be listed under, with their DID Core names.
pub const RELATIONSHIPS: [(KeyPurpose, &str); 4] = [
    (KeyPurpose::Authentication, "authentication"),
    (KeyPurpose::AssertionMethod, "assertionMethod"),
    (KeyPurpose::CapabilityInvocation, "capabilityInvocation"),
    (KeyPurpose::KeyAgreement, "keyAgreement"),
];

/// Relationship names DID Core defines (the checker accepts all of them).
const DID_CORE_RELATIONSHIPS: [&str; 5] = [
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
];

/// The multicodec varint prefix of a public key of `key_type`.
const fn multicodec(key_type: KeyType) -> [u8; 2] {
    match key_type {
        // ed25519-pub 0xed
        KeyType::Ed25519 => [0xed, 0x01],
        // sr25519-pub 0xef
        KeyType::Sr25519 => [0xef, 0x01],
        // secp256k1-pub 0xe7 (compressed, 33 bytes)
        KeyType::Ecdsa => [0xe7, 0x01],
    }
}

/// `publicKeyMultibase` of a raw public key: `z` + base58btc(multicodec varint ++ key).
pub fn multikey(key_type: KeyType, public_key: &[u8]) -> String {
    let mut bytes = multicodec(key_type).to_vec();
    bytes.extend_from_slice(public_key);
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The inverse of [`multikey`]: the key type and the raw public key (its length checked).
pub fn parse_multikey(s: &str) -> Result<(KeyType, Vec<u8>), String> {
    let text = s
        .strip_prefix('z')
        .ok_or_else(|| format!("{s} is not base58btc multibase"))?;
    let bytes = bs58::decode(text)
        .into_vec()
        .map_err(|e| format!("{s}: base58btc: {e}"))?;
    let key_type = [KeyType::Ed25519, KeyType::Sr25519, KeyType::Ecdsa]
        .into_iter()
        .find(|t| bytes.starts_with(&multicodec(*t)))
        .ok_or_else(|| format!("{s}: not an ed25519, sr25519 or secp256k1 public key"))?;
    let key = bytes[2..].to_vec();
    if key.len() != key_type.public_key_len() {
        return Err(format!(
            "{s}: a {key_type:?} key has {} bytes, not {}",
            key_type.public_key_len(),
            key.len()
        ));
    }
    Ok((key_type, key))
}

/// The DID Core document of `doc` (as the registry returned it: masked fields already cleared).
pub fn document(doc: &DidDocument) -> Value {
    let did = did_to_string(&doc.id);
    let url = |fragment: &str| format!("{did}#{fragment}");
    let mut out = Map::new();
    out.insert("@context".into(), json!([DID_CONTEXT, MULTIKEY_CONTEXT]));
    out.insert("id".into(), json!(did));
    let controllers: Vec<String> = std::iter::once(did.clone())
        .chain(doc.controllers.iter().map(did_to_string))
        .collect();
    out.insert("controller".into(), json!(controllers));
    let methods: Vec<Value> = doc
        .verification_methods
        .iter()
        .map(|m| {
            json!({
                "id": url(&m.id),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multikey(m.key_type, &m.public_key),
            })
        })
        .collect();
    if !methods.is_empty() {
        out.insert("verificationMethod".into(), Value::Array(methods));
    }
    for (purpose, name) in RELATIONSHIPS {
        let ids: Vec<Value> = doc
            .verification_methods
            .iter()
            .filter(|m| m.purposes.contains(purpose))
            .map(|m| json!(url(&m.id)))
            .collect();
        if !ids.is_empty() {
            out.insert(name.into(), Value::Array(ids));
        }
    }
    let services: Vec<Value> = doc
        .services
        .iter()
        .map(|s| {
            json!({
                "id": url(&s.id),
                "type": s.service_type,
                "serviceEndpoint": s.endpoint,
            })
        })
        .collect();
    if !services.is_empty() {
        out.insert("service".into(), Value::Array(services));
    }
    Value::Object(out)
}

/// `YYYY-MM-DDThh:mm:ssZ`: DID Core wants `created`/`updated` without sub-second precision.
fn seconds(ms: u64) -> String {
    let full = rfc3339(ms);
    let whole = full.split('.').next().unwrap_or(&full);
    format!("{whole}Z")
}

/// The DID document metadata of a registry read.
pub fn document_metadata(view: &MaskedView<DidDocument>) -> Value {
    let doc = &view.record;
    let mut out = Map::new();
    out.insert("created".into(), json!(seconds(doc.created_at)));
    out.insert("updated".into(), json!(seconds(doc.updated_at)));
    out.insert("versionId".into(), json!(doc.nonce.to_string()));
    if doc.deactivated {
        out.insert("deactivated".into(), json!(true));
    }
    if !view.withholds("account") {
        out.insert("cgridAccount".into(), json!(hex32(doc.account.as_ref())));
    }
    if let Some(marker) = &view.masked {
        let marker = MaskMarker::of(marker, marker.withheld.clone());
        out.insert(
            "cgridMasked".into(),
            serde_json::to_value(marker).unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

/// The DID Resolution result of a registry read (`did_registry`'s masked `resolve`).
pub fn resolution(view: &MaskedView<DidDocument>) -> Value {
    json!({
        "@context": DID_RESOLUTION_CONTEXT,
        "didDocument": document(&view.record),
        "didResolutionMetadata": {"contentType": DID_LD_JSON},
        "didDocumentMetadata": document_metadata(view),
    })
}

/// The document inside a resolution result, or the value itself when it is a bare document.
fn did_document(value: &Value) -> &Value {
    value.get("didDocument").unwrap_or(value)
}

/// Whether the reference `reference` (absolute, or relative `#fragment`) in the document with
/// id `doc_id` names `method_id`.
fn names(reference: &str, doc_id: &str, method_id: &str) -> bool {
    match reference.strip_prefix('#') {
        Some(fragment) => method_id
            .strip_prefix(doc_id)
            .and_then(|rest| rest.strip_prefix('#'))
            .is_some_and(|f| f == fragment),
        None => reference == method_id,
    }
}

/// The verification methods of a document: the listed ones and those embedded in relationships.
fn methods(doc: &Value) -> impl Iterator<Item = &Value> {
    let listed = doc
        .get("verificationMethod")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let embedded = DID_CORE_RELATIONSHIPS
        .iter()
        .filter_map(|r| doc.get(*r).and_then(Value::as_array))
        .flatten()
        .filter(|v| v.is_object());
    listed.chain(embedded)
}

/// The key of the verification method `method_id` (a full DID URL) in a DID document or a DID
/// Resolution result. Only `Multikey` methods are understood.
pub fn verification_key(
    resolution_or_document: &Value,
    method_id: &str,
) -> Result<(KeyType, Vec<u8>), String> {
    let doc = did_document(resolution_or_document);
    let doc_id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    let method = methods(doc)
        .find(|m| {
            m.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| names(id, doc_id, method_id))
        })
        .ok_or_else(|| format!("no verification method {method_id}"))?;
    match method.get("type").and_then(Value::as_str) {
        Some("Multikey") => {}
        other => return Err(format!("{method_id} is of type {other:?}, not Multikey")),
    }
    let key = method
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{method_id} has no publicKeyMultibase"))?;
    parse_multikey(key)
}

/// Whether the document (or resolution result) lists `method_id` under `relationship`
/// (e.g. `assertionMethod`), by reference or embedded.
pub fn has_relationship(document: &Value, relationship: &str, method_id: &str) -> bool {
    let doc = did_document(document);
    let doc_id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    doc.get(relationship)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|entry| {
            let reference = entry
                .as_str()
                .or_else(|| entry.get("id").and_then(Value::as_str));
            reference.is_some_and(|r| names(r, doc_id, method_id))
        })
}

/// The Ed25519 key of `method_id` if the document (or resolution result) lists it under
/// `assertionMethod`: the key resolver a Data Integrity verifier of a credential needs.
pub fn ed25519_assertion_key(document: &Value, method_id: &str) -> Result<[u8; 32], String> {
    if !has_relationship(document, "assertionMethod", method_id) {
        return Err(format!("{method_id} is not an assertionMethod"));
    }
    match verification_key(document, method_id)? {
        (KeyType::Ed25519, key) => key
            .try_into()
            .map_err(|_| format!("{method_id}: not a 32-byte key")),
        (other, _) => Err(format!("{method_id} is a {other:?} key, not Ed25519")),
    }
}

fn is_string(v: Option<&Value>) -> bool {
    v.is_some_and(Value::is_string)
}

fn check_method(m: &Value, at: &str) -> Result<String, String> {
    if !m.is_object() {
        return Err(format!("{at}: a verification method must be an object"));
    }
    for member in ["id", "type", "controller", "publicKeyMultibase"] {
        if !is_string(m.get(member)) {
            return Err(format!("{at}: `{member}` must be a string"));
        }
    }
    let id = m["id"].as_str().unwrap_or_default();
    if !id.contains('#') {
        return Err(format!("{at}: id {id} is not a DID URL with a fragment"));
    }
    parse_multikey(m["publicKeyMultibase"].as_str().unwrap_or_default())
        .map_err(|e| format!("{at}: {e}"))?;
    Ok(id.to_string())
}

/// Checks the DID Core shape of a document (or of the document in a resolution result): the
/// members this crate emits, with their JSON types, and that every relationship reference
/// names a listed verification method.
pub fn check_did_core_shape(doc: &Value) -> Result<(), String> {
    let doc = did_document(doc);
    let object = doc.as_object().ok_or("a DID document is a JSON object")?;
    let context = object
        .get("@context")
        .and_then(Value::as_array)
        .ok_or("@context must be an array")?;
    if context.first().and_then(Value::as_str) != Some(DID_CONTEXT) {
        return Err(format!("@context must begin with {DID_CONTEXT}"));
    }
    if !context.iter().all(|c| c.is_string() || c.is_object()) {
        return Err("@context entries are strings or objects".into());
    }
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or("id must be a string")?;
    if !id.starts_with("did:cgrid:0x") || did_from_str(id).is_none() {
        return Err(format!("id {id} is not a did:cgrid DID"));
    }
    if let Some(controller) = object.get("controller") {
        let all: Vec<&Value> = match controller {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        if !all
            .iter()
            .all(|c| c.as_str().is_some_and(|s| s.starts_with("did:")))
        {
            return Err("controller must be a DID or a set of DIDs".into());
        }
    }
    let mut ids = Vec::new();
    if let Some(list) = object.get("verificationMethod") {
        let list = list
            .as_array()
            .ok_or("verificationMethod must be an array")?;
        for (i, m) in list.iter().enumerate() {
            let method_id = check_method(m, &format!("verificationMethod[{i}]"))?;
            if ids.contains(&method_id) {
                return Err(format!("verification method {method_id} is listed twice"));
            }
            ids.push(method_id);
        }
    }
    for relationship in DID_CORE_RELATIONSHIPS {
        let Some(list) = object.get(relationship) else {
            continue;
        };
        let list = list
            .as_array()
            .ok_or_else(|| format!("{relationship} must be an array"))?;
        for (i, entry) in list.iter().enumerate() {
            let at = format!("{relationship}[{i}]");
            match entry {
                Value::String(reference) => {
                    if !ids.iter().any(|m| names(reference, id, m)) {
                        return Err(format!("{at}: {reference} names no verification method"));
                    }
                }
                Value::Object(_) => {
                    check_method(entry, &at)?;
                }
                _ => return Err(format!("{at}: a reference (string) or a method (object)")),
            }
        }
    }
    if let Some(list) = object.get("service") {
        let list = list.as_array().ok_or("service must be an array")?;
        for (i, s) in list.iter().enumerate() {
            let type_ok = match s.get("type") {
                Some(Value::String(_)) => true,
                Some(Value::Array(types)) => types.iter().all(Value::is_string),
                _ => false,
            };
            let endpoint_ok = matches!(
                s.get("serviceEndpoint"),
                Some(Value::String(_) | Value::Object(_) | Value::Array(_))
            );
            if !s.is_object() || !is_string(s.get("id")) || !type_ok || !endpoint_ok {
                return Err(format!(
                    "service[{i}] needs a string id, a type and a serviceEndpoint"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
