//! Credentials with sealed claims: the claims, their salts and their value digests encrypted
//! under an access tree with CP-ABE ([`crate::abe`]); the rest of the credential (issuer,
//! subject, template, salted leaves, claims root, the issuer's proofs) stays readable.
//!
//! The anchor commits to the ciphertext (`ciphertext_hash`) and to the tree (`policy_id`),
//! and the issuer's anchor signature covers both, so anyone can check an encrypted credential
//! against the chain without decrypting it ([`EncryptedCredential::verify`]): a ciphertext or
//! a policy changed after issuance is refused. Whoever holds attribute keys that satisfy the
//! tree gets the full credential back ([`EncryptedCredential::decrypt`]) — the very one the
//! issuer built — and verifies and presents it selectively as any other.
//!
//! The value digests are sealed too: they are unsalted hashes of the values, which a small
//! value space (a share in percent) would give away; so are the claims' Pedersen commitments
//! and their openings ([`crate::predicate`]), which would show which claims are present.

use crate::abe::{self, AbeError, AccessTree, AttributeKey, Epoch, PublicParams, Sealed};
use crate::{check_anchor_proof, Credential, VerifyError};
use cgrid_shared::{CptTemplate, CredentialView};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The `kind` of an encrypted credential file.
pub const KIND: &str = "cgrid-encrypted-credential";

/// How to seal at issuance: the authority's public parameters, the tree, the month.
#[derive(Clone, Copy)]
pub struct Encrypt<'a> {
    pub params: &'a PublicParams,
    pub tree: &'a AccessTree,
    pub epoch: Epoch,
}

impl Encrypt<'_> {
    pub(crate) fn seal(&self, private: &Private) -> Result<Sealed, AbeError> {
        let bytes = serde_json::to_vec(private).map_err(|e| AbeError::Scheme(e.to_string()))?;
        abe::seal(self.params, self.tree, self.epoch, &bytes)
    }
}

/// The sealed part of a credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Private {
    pub credential_subject: Map<String, Value>,
    pub salts: BTreeMap<String, String>,
    pub value_digests: Vec<String>,
    #[serde(default)]
    pub openings: BTreeMap<String, String>,
    /// The issuer's signed commitments: which claims exist shows in them, so they are sealed.
    #[serde(default)]
    pub pedersen: BTreeMap<String, crate::predicate::ClaimCommitment>,
}

/// A credential whose claims are sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EncryptedCredential {
    pub kind: String,
    /// The credential without claims, salts and value digests.
    pub credential: Credential,
    pub sealed: Sealed,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecryptError {
    #[error("{0}")]
    Abe(#[from] AbeError),
    #[error("the decrypted claims are malformed: {0}")]
    Malformed(String),
}

impl EncryptedCredential {
    pub(crate) fn new(full: &Credential, sealed: Sealed) -> EncryptedCredential {
        let mut public = full.clone();
        public
            .credential_subject
            .retain(|name, _| name.as_str() == "id");
        public.cgrid.salts.clear();
        public.cgrid.value_digests.clear();
        public.cgrid.openings.clear();
        public.cgrid.pedersen.clear();
        EncryptedCredential {
            kind: KIND.into(),
            credential: public,
            sealed,
        }
    }

    /// Reads an encrypted credential file.
    pub fn from_json(value: &Value) -> Result<EncryptedCredential, String> {
        crate::kinded(value, KIND)
    }

    /// Checks the encrypted credential against its anchor without decrypting: status and
    /// expiry, template, issuer, subject, the leaves against the claims root, the ciphertext
    /// and the policy against the anchored hash and id, and the issuer's anchor signature
    /// (which covers both).
    pub fn verify(
        &self,
        template: &CptTemplate,
        view: Option<&CredentialView>,
        issuer_public: &[u8; 32],
        now: u64,
    ) -> Result<(), VerifyError> {
        if let Some(v) = view {
            self.sealed
                .check_anchor(v.anchor.ciphertext_hash, v.anchor.policy_id)
                .map_err(VerifyError::Ciphertext)?;
        }
        check_anchor_proof(&self.credential, template, view, issuer_public, now).map(|_| ())
    }

    /// The full credential, when `key` satisfies the tree (and is the authority's, valid in
    /// the month of sealing, not revoked).
    pub fn decrypt(
        &self,
        params: &PublicParams,
        key: &AttributeKey,
    ) -> Result<Credential, DecryptError> {
        let bytes = self.sealed.open(params, key)?;
        let private: Private =
            serde_json::from_slice(&bytes).map_err(|e| DecryptError::Malformed(e.to_string()))?;
        let mut full = self.credential.clone();
        full.credential_subject.extend(private.credential_subject);
        full.cgrid.salts = private.salts;
        full.cgrid.value_digests = private.value_digests;
        full.cgrid.openings = private.openings;
        full.cgrid.pedersen = private.pedersen;
        Ok(full)
    }
}
