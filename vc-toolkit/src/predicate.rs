//! Predicate proofs: a holder shows that a numeric claim satisfies `≥`, `≤` or a range without
//! showing the claim.
//!
//! At issuance the issuer commits to every non-negative numeric claim (integers, decimals in
//! their units, timestamps; below 2^64) with a Pedersen commitment `C = v·B + r·B̃` on
//! Ristretto (the `bulletproofs` crate's generators) and signs `C` bound to the registry, the
//! credential id (which the anchor commits to: it hashes issuer, subject, template and claims
//! root) and the claim's name ([`commitment_hash`]). The holder keeps the openings `r`.
//!
//! A proof of `v ≥ k` is a Bulletproofs range proof that `C − k·B` commits to a value in
//! `[0, 2^64)` (the same blinding `r`); `v ≤ k` proves it of `k·B − C` (blinding `−r`); a range
//! proves both. The verifier computes those points itself from the issuer-signed `C`, so a proof
//! made for another bound, another claim or another credential does not verify; the Merlin
//! transcript also binds the registry, the credential, the claim, the predicate and the
//! verifier's audience string (a proof made for one verifier is refused by another).

use crate::{check_anchor, hex32, unhex32, Credential, VerifyError};
use bulletproofs::{BulletproofGens, PedersenGens, RangeProof};
use cgrid_shared::{ClaimValue, CptId, CptTemplate, CredentialView, PropertyType};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use ink::primitives::AccountId;
use merlin::Transcript;
use scale::Encode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sp_core::{hashing::blake2_256, sr25519, Pair};
use std::collections::BTreeMap;

/// Domain tag of the issuer's signature over a claim's commitment.
pub const COMMITMENT_DOMAIN: [u8; 16] = *b"cgrid/vc-pedc/v1";
/// The `kind` of a predicate proof file.
pub const KIND: &str = "cgrid-predicate-proof";
/// Range proofs are over 64 bits.
pub const RANGE_BITS: usize = 64;

/// The issuer's commitment to one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimCommitment {
    /// The compressed Ristretto point `C` (hex).
    pub commitment: String,
    /// The issuer's sr25519 signature over [`commitment_hash`] (hex).
    pub signature: String,
}

/// What the issuer signs for a claim's commitment.
pub fn commitment_hash(
    registry: &AccountId,
    credential_id: &[u8; 32],
    claim: &str,
    commitment: &[u8; 32],
) -> [u8; 32] {
    blake2_256(
        &(
            COMMITMENT_DOMAIN,
            registry,
            credential_id,
            claim,
            commitment,
        )
            .encode(),
    )
}

/// The value a claim commits to, when it is a non-negative number below 2^64.
fn committed_value(value: &ClaimValue) -> Option<u64> {
    match value {
        ClaimValue::Integer(v) | ClaimValue::Decimal(v) => u64::try_from(*v).ok(),
        ClaimValue::Timestamp(t) => Some(*t),
        _ => None,
    }
}

fn scalar_hex(s: &Scalar) -> String {
    hex32(s.as_bytes())
}

fn random_scalar() -> Scalar {
    let mut wide = [0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// Commitments (signed) and openings for every committable claim of `values`.
pub(crate) fn commit_claims(
    registry: &AccountId,
    credential_id: &[u8; 32],
    values: &[(String, ClaimValue)],
    issuer_key: &sr25519::Pair,
) -> (BTreeMap<String, ClaimCommitment>, BTreeMap<String, String>) {
    let gens = PedersenGens::default();
    let (mut commitments, mut openings) = (BTreeMap::new(), BTreeMap::new());
    for (name, value) in values {
        let Some(v) = committed_value(value) else {
            continue;
        };
        let r = random_scalar();
        let c = gens.commit(Scalar::from(v), r).compress().to_bytes();
        let signature = issuer_key
            .sign(&commitment_hash(registry, credential_id, name, &c))
            .0;
        commitments.insert(
            name.clone(),
            ClaimCommitment {
                commitment: hex32(&c),
                signature: hex::encode(signature),
            },
        );
        openings.insert(name.clone(), scalar_hex(&r));
    }
    (commitments, openings)
}

/// A comparison of a claim with bounds in the claim's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    AtLeast(u64),
    AtMost(u64),
    Between(u64, u64),
}

/// `claim >= k`, `claim <= k` or `claim in a..b` (both ends included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicate {
    pub claim: String,
    pub comparison: Comparison,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PredicateError {
    #[error(
        "`{0}` is not a predicate like greenShare>=60, greenShare<=90 or greenShare in 60..90"
    )]
    Syntax(String),
    #[error("`{0}` is not a numeric claim of the template")]
    NotNumeric(String),
    #[error("the bound `{bound}` is not a value of {claim}: {why}")]
    Bound {
        claim: String,
        bound: String,
        why: String,
    },
    #[error("the credential has no commitment to `{0}` (issued before predicate proofs, or not a number in 0..2^64)")]
    NoCommitment(String),
    #[error("the claim does not satisfy {0}: no proof can be made")]
    False(String),
    #[error("the proof could not be made: {0}")]
    Prove(String),
}

impl Predicate {
    /// Reads `greenShare>=60` (bounds as the claim is written in the credential: an integer, a
    /// decimal string, a timestamp in ms) against the template.
    pub fn parse(text: &str, template: &CptTemplate) -> Result<Predicate, PredicateError> {
        let syntax = || PredicateError::Syntax(text.to_string());
        let (claim, rest, op) = if let Some((c, r)) = text.split_once(">=") {
            (c, r, ">=")
        } else if let Some((c, r)) = text.split_once("<=") {
            (c, r, "<=")
        } else if let Some((c, r)) = text.split_once(" in ") {
            (c, r, "in")
        } else {
            return Err(syntax());
        };
        let claim = claim.trim();
        let property = template
            .properties
            .iter()
            .find(|p| p.name == claim)
            .filter(|p| {
                matches!(
                    p.property_type,
                    PropertyType::Integer | PropertyType::Decimal { .. } | PropertyType::Timestamp
                )
            })
            .ok_or_else(|| PredicateError::NotNumeric(claim.to_string()))?;
        let bound = |b: &str| -> Result<u64, PredicateError> {
            let b = b.trim();
            let bad = |why: String| PredicateError::Bound {
                claim: claim.to_string(),
                bound: b.to_string(),
                why,
            };
            let json: Value = match property.property_type {
                PropertyType::Decimal { .. } => Value::String(b.to_string()),
                _ => serde_json::from_str(b).map_err(|_| bad("not a number".into()))?,
            };
            let value = crate::claim_value(property, &json).map_err(|e| bad(e.to_string()))?;
            committed_value(&value).ok_or_else(|| bad("not in 0..2^64".into()))
        };
        let comparison = match op {
            ">=" => Comparison::AtLeast(bound(rest)?),
            "<=" => Comparison::AtMost(bound(rest)?),
            _ => {
                let (a, b) = rest.split_once("..").ok_or_else(syntax)?;
                let (a, b) = (bound(a)?, bound(b)?);
                if a > b {
                    return Err(syntax());
                }
                Comparison::Between(a, b)
            }
        };
        Ok(Predicate {
            claim: claim.to_string(),
            comparison,
        })
    }

    /// The canonical text (what the transcript binds).
    pub fn text(&self) -> String {
        match self.comparison {
            Comparison::AtLeast(k) => format!("{}>={k}", self.claim),
            Comparison::AtMost(k) => format!("{}<={k}", self.claim),
            Comparison::Between(a, b) => format!("{} in {a}..{b}", self.claim),
        }
    }

    /// The lower and upper bounds a proof must show.
    fn parts(&self) -> Vec<(Part, u64)> {
        match self.comparison {
            Comparison::AtLeast(k) => vec![(Part::Lower, k)],
            Comparison::AtMost(k) => vec![(Part::Upper, k)],
            Comparison::Between(a, b) => vec![(Part::Lower, a), (Part::Upper, b)],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Lower,
    Upper,
}

/// A predicate proof as a verifier receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PredicateProof {
    pub kind: String,
    pub registry: String,
    pub credential_id: String,
    pub cpt_id: CptId,
    pub issuer: String,
    /// The issuer's anchor key method (`did…#key`), whose key signed the commitment.
    pub verification_method: String,
    /// The canonical predicate (`greenShare>=60`).
    pub predicate: String,
    pub claim: String,
    pub commitment: ClaimCommitment,
    /// Whom the proof is for (the verifier's name or nonce); the verifier checks it is its own.
    pub audience: String,
    /// One range proof per bound (hex): the lower bound's first.
    pub range_proofs: Vec<String>,
}

fn transcript(
    registry: &str,
    credential_id: &str,
    predicate: &str,
    audience: &str,
    part: Part,
) -> Transcript {
    let mut t = Transcript::new(b"cgrid predicate proof v1");
    t.append_message(b"registry", registry.to_ascii_lowercase().as_bytes());
    t.append_message(b"credential", credential_id.to_ascii_lowercase().as_bytes());
    t.append_message(b"predicate", predicate.as_bytes());
    t.append_message(b"audience", audience.as_bytes());
    t.append_message(
        b"part",
        if part == Part::Lower {
            b"lower"
        } else {
            b"upper"
        },
    );
    t
}

/// The point the range proof of `part` with bound `k` must commit to, from `C`.
fn shifted(c: &CompressedRistretto, part: Part, k: u64) -> Option<CompressedRistretto> {
    let c = c.decompress()?;
    let kb = PedersenGens::default().B * Scalar::from(k);
    Some(match part {
        Part::Lower => (c - kb).compress(),
        Part::Upper => (kb - c).compress(),
    })
}

impl Credential {
    /// A proof that this credential's claim satisfies `predicate`, for `audience`.
    pub fn prove(
        &self,
        predicate: &Predicate,
        audience: &str,
    ) -> Result<PredicateProof, PredicateError> {
        let no_commitment = || PredicateError::NoCommitment(predicate.claim.clone());
        let commitment = self
            .cgrid
            .pedersen
            .get(&predicate.claim)
            .ok_or_else(no_commitment)?;
        let r = self
            .cgrid
            .openings
            .get(&predicate.claim)
            .and_then(|h| unhex32(h).ok())
            .and_then(|b| Option::from(Scalar::from_canonical_bytes(b)))
            .ok_or_else(no_commitment)?;
        let v = self
            .credential_subject
            .get(&predicate.claim)
            .and_then(|value| value.as_u64().or_else(|| value.as_str()?.parse().ok()))
            .ok_or_else(no_commitment)?;
        let c_bytes = unhex32(&commitment.commitment).map_err(|_| no_commitment())?;
        let c = CompressedRistretto(c_bytes);
        // The opening must open the signed commitment (else the proof could not verify).
        if PedersenGens::default()
            .commit(Scalar::from(v), r)
            .compress()
            != c
        {
            return Err(no_commitment());
        }
        let text = predicate.text();
        let (bp, pc) = (BulletproofGens::new(RANGE_BITS, 1), PedersenGens::default());
        let mut range_proofs = Vec::new();
        for (part, k) in predicate.parts() {
            let (value, blinding) = match part {
                Part::Lower => (v.checked_sub(k), r),
                Part::Upper => (k.checked_sub(v), -r),
            };
            let value = value.ok_or_else(|| PredicateError::False(text.clone()))?;
            let mut t = transcript(
                &self.cgrid.registry,
                &self.cgrid.credential_id,
                &text,
                audience,
                part,
            );
            let (proof, _) =
                RangeProof::prove_single(&bp, &pc, &mut t, value, &blinding, RANGE_BITS)
                    .map_err(|e| PredicateError::Prove(e.to_string()))?;
            range_proofs.push(hex::encode(proof.to_bytes()));
        }
        Ok(PredicateProof {
            kind: KIND.into(),
            registry: self.cgrid.registry.clone(),
            credential_id: self.cgrid.credential_id.clone(),
            cpt_id: self.cgrid.cpt_id,
            issuer: self.issuer.clone(),
            verification_method: self
                .proof
                .first()
                .map(|p| p.verification_method.clone())
                .unwrap_or_default(),
            predicate: text,
            claim: predicate.claim.clone(),
            commitment: commitment.clone(),
            audience: audience.to_string(),
            range_proofs,
        })
    }
}

impl PredicateProof {
    pub fn from_json(value: &Value) -> Result<PredicateProof, String> {
        crate::kinded(value, KIND)
    }

    /// Checks the proof for `audience` against the credential's anchor (`view`, from
    /// `vc_templates::verify`) and the issuer's anchor key: the anchor is live and names this
    /// template and issuer, the issuer signed the commitment for this credential and claim, the
    /// predicate is the one stated, and every range proof verifies against the points computed
    /// from the signed commitment.
    pub fn verify(
        &self,
        template: &CptTemplate,
        view: Option<&CredentialView>,
        issuer_public: &[u8; 32],
        audience: &str,
        now: u64,
    ) -> Result<(), VerifyError> {
        let bad = |what: &str| VerifyError::Predicate(what.to_string());
        if self.audience != audience {
            return Err(bad("the proof was made for another verifier"));
        }
        let view = check_anchor(view, now)?;
        if view.anchor.cpt_id != self.cpt_id {
            return Err(VerifyError::AnchorMismatch("template"));
        }
        match view.anchor.issuer {
            cgrid_shared::Issuer::Did(did) if cgrid_shared::did_to_string(&did) == self.issuer => {}
            _ => return Err(VerifyError::AnchorMismatch("issuer")),
        }
        let predicate = Predicate::parse(&self.predicate, template)
            .map_err(|e| VerifyError::Predicate(e.to_string()))?;
        if predicate.text() != self.predicate || predicate.claim != self.claim {
            return Err(bad("the predicate is not in canonical form"));
        }
        let registry = AccountId::from(unhex32(&self.registry)?);
        let credential_id = unhex32(&self.credential_id)?;
        let c_bytes = unhex32(&self.commitment.commitment)?;
        let signature = hex::decode(self.commitment.signature.trim_start_matches("0x"))
            .ok()
            .and_then(|s| <[u8; 64]>::try_from(s.as_slice()).ok())
            .ok_or_else(|| bad("the commitment's signature is malformed"))?;
        if !sr25519::Pair::verify(
            &sr25519::Signature::from_raw(signature),
            commitment_hash(&registry, &credential_id, &self.claim, &c_bytes),
            &sr25519::Public::from_raw(*issuer_public),
        ) {
            return Err(bad(
                "the issuer did not sign this commitment for this credential and claim",
            ));
        }
        let parts = predicate.parts();
        if parts.len() != self.range_proofs.len() {
            return Err(bad("wrong number of range proofs"));
        }
        let (bp, pc) = (BulletproofGens::new(RANGE_BITS, 1), PedersenGens::default());
        for ((part, k), proof) in parts.into_iter().zip(&self.range_proofs) {
            let point = shifted(&CompressedRistretto(c_bytes), part, k)
                .ok_or_else(|| bad("the commitment is not a point"))?;
            let proof = hex::decode(proof)
                .ok()
                .and_then(|b| RangeProof::from_bytes(&b).ok())
                .ok_or_else(|| bad("a range proof is malformed"))?;
            let mut t = transcript(
                &self.registry,
                &self.credential_id,
                &self.predicate,
                &self.audience,
                part,
            );
            proof
                .verify_single(&bp, &pc, &mut t, &point, RANGE_BITS)
                .map_err(|_| bad("the range proof does not verify: the predicate is not shown"))?;
        }
        Ok(())
    }
}
