//! A selective-disclosure [`Presentation`] as a W3C Verifiable Presentation (VC Data Model 2.0)
//! and back.
//!
//! The presentation holds one credential object: the credential's id, issuer, schema and
//! status, a `credentialSubject` with only the disclosed claims, the commitment data
//! [`Presentation::verify`] needs under `cgrid` (registry, template, credential id, every leaf,
//! the disclosed claims' salts) and the issuer's anchor proof. The holder is the subject.

use crate::{
    check_common, claim_value, leaf, unhex32, Common, VerifyError, ANCHOR_PROOF,
    ANCHOR_STATUS_TYPE, CGRID_CONTEXT, VC_CONTEXT,
};
use cgrid_shared::{CptId, CptTemplate, CredentialView};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

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

/// The `cgrid` member of a presented credential.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Disclosure {
    registry: String,
    cpt_id: CptId,
    credential_id: String,
    leaves: Vec<String>,
    /// Salts of the disclosed claims.
    salts: BTreeMap<String, String>,
}

const PRESENTATION_TYPE: &str = "VerifiablePresentation";
const CREDENTIAL_TYPES: [&str; 2] = ["VerifiableCredential", "ComputeGridCredential"];

fn malformed(what: impl Into<String>) -> VerifyError {
    VerifyError::Malformed(what.into())
}

fn has_type(value: &Value, wanted: &str) -> bool {
    match value.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t == wanted),
        _ => false,
    }
}

fn string<'a>(value: &'a Value, member: &str) -> Result<&'a str, VerifyError> {
    value
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(format!("`{member}` must be a string")))
}

impl Presentation {
    /// The presentation as a W3C Verifiable Presentation.
    pub fn to_w3c(&self) -> Value {
        let mut subject = Map::new();
        subject.insert("id".into(), json!(self.subject));
        for (name, d) in &self.disclosed {
            subject.insert(name.clone(), d.value.clone());
        }
        let disclosure = Disclosure {
            registry: self.registry.clone(),
            cpt_id: self.cpt_id,
            credential_id: self.credential_id.clone(),
            leaves: self.leaves.clone(),
            salts: self
                .disclosed
                .iter()
                .map(|(name, d)| (name.clone(), d.salt.clone()))
                .collect(),
        };
        json!({
            "@context": [VC_CONTEXT, CGRID_CONTEXT],
            "type": [PRESENTATION_TYPE],
            "holder": self.subject,
            "verifiableCredential": [{
                "@context": [VC_CONTEXT, CGRID_CONTEXT],
                "id": format!("urn:cgrid:vc:{}", self.credential_id),
                "type": CREDENTIAL_TYPES,
                "issuer": self.issuer,
                "credentialSchema": {
                    "id": format!("urn:cgrid:cpt:{}:{}", self.registry, self.cpt_id),
                    "type": "JsonSchema",
                },
                "credentialStatus": {
                    "id": format!("urn:cgrid:status:{}:{}", self.registry, self.credential_id),
                    "type": ANCHOR_STATUS_TYPE,
                },
                "credentialSubject": subject,
                "cgrid": serde_json::to_value(disclosure).unwrap_or(Value::Null),
                "proof": {
                    "type": ANCHOR_PROOF,
                    "proofPurpose": "assertionMethod",
                    "proofValue": self.anchor_proof,
                },
            }],
        })
    }

    /// Reads a presentation made by [`Presentation::to_w3c`]. The shape is checked here; the
    /// commitments and the anchor proof are checked by [`Presentation::verify`].
    pub fn from_w3c(vp: &Value) -> Result<Presentation, VerifyError> {
        if vp
            .get("@context")
            .and_then(|c| c.get(0))
            .and_then(Value::as_str)
            != Some(VC_CONTEXT)
        {
            return Err(malformed(format!("@context must begin with {VC_CONTEXT}")));
        }
        if !has_type(vp, PRESENTATION_TYPE) {
            return Err(malformed("not a VerifiablePresentation"));
        }
        let credential = match vp.get("verifiableCredential") {
            Some(Value::Array(list)) if list.len() == 1 => &list[0],
            Some(one @ Value::Object(_)) => one,
            _ => return Err(malformed("exactly one verifiableCredential is expected")),
        };
        if !CREDENTIAL_TYPES.iter().all(|t| has_type(credential, t)) {
            return Err(malformed("not a ComputeGridCredential"));
        }
        let disclosure: Disclosure = serde_json::from_value(
            credential
                .get("cgrid")
                .cloned()
                .ok_or_else(|| malformed("`cgrid` is missing"))?,
        )
        .map_err(|e| malformed(format!("cgrid: {e}")))?;
        if string(credential, "id")? != format!("urn:cgrid:vc:{}", disclosure.credential_id) {
            return Err(malformed(
                "the credential id differs from cgrid.credentialId",
            ));
        }
        let claims = credential
            .get("credentialSubject")
            .and_then(Value::as_object)
            .ok_or_else(|| malformed("`credentialSubject` must be an object"))?;
        let subject = claims
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("`credentialSubject.id` must be a string"))?;
        if string(vp, "holder")? != subject {
            return Err(malformed("the holder is not the credential's subject"));
        }
        let mut salts = disclosure.salts;
        let mut disclosed = BTreeMap::new();
        for (name, value) in claims.iter().filter(|(k, _)| k.as_str() != "id") {
            let salt = salts
                .remove(name)
                .ok_or_else(|| malformed(format!("claim `{name}` has no salt")))?;
            disclosed.insert(
                name.clone(),
                Disclosed {
                    value: value.clone(),
                    salt,
                },
            );
        }
        if let Some(name) = salts.keys().next() {
            return Err(malformed(format!("salt of undisclosed claim `{name}`")));
        }
        let proofs = match credential.get("proof") {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        let anchor_proof = proofs
            .into_iter()
            .find(|p| has_type(p, ANCHOR_PROOF))
            .ok_or_else(|| malformed(format!("missing {ANCHOR_PROOF}")))
            .and_then(|p| string(p, "proofValue"))?;
        Ok(Presentation {
            credential_id: disclosure.credential_id,
            registry: disclosure.registry,
            cpt_id: disclosure.cpt_id,
            issuer: string(credential, "issuer")?.to_string(),
            subject: subject.to_string(),
            leaves: disclosure.leaves,
            disclosed,
            anchor_proof: anchor_proof.to_string(),
        })
    }
}
