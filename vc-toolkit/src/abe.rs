//! # CP-ABE: claims encrypted under an attribute policy
//!
//! Ciphertext-policy attribute-based encryption for credential claims: whoever holds attribute
//! keys that satisfy the ciphertext's access tree decrypts; nobody else, and no two holders by
//! pooling their keys.
//!
//! **Scheme.** AC17 CP-ABE (Agrawal–Chase, "FAME", CCS 2017) as implemented by the `rabe`
//! crate 0.4.2 on the BN254 pairing (`rabe-bn`). Chosen because it is fully (adaptively) secure
//! under the decisional linear assumption in the standard model, takes any monotone AND/OR tree
//! (as a monotone span program) over an unbounded attribute universe, and decrypts with a
//! constant 6 pairings whatever the policy's size; rabe's other CP schemes are selectively
//! secure (BSW07, Waters 11) or slower to decrypt. Encryption is hybrid inside rabe: the plaintext
//! under AES-256-GCM with a key derived from a random target-group element, that element under
//! the policy. **Security level:** BN254 gives about 100 bits since the exTNFS attacks (Kim–
//! Barbulescu 2016), short of 128; rabe has no BLS12-381 backend. Good for claims whose
//! confidentiality matters for years, not decades; revisit when a maintained crate offers
//! AC17 on BLS12-381.
//!
//! **Access trees** ([`AccessTree`]) are JSON: `{"and": [...]}` (all children), `{"or": [...]}`
//! (any child), `{"attr": "role:regulator"}` (one attribute). An attribute appears at most once
//! per tree. The tree's id, [`AccessTree::policy_id`], is what an anchor's `policy_id` commits to.
//!
//! **Keys expire by epoch.** The attribute authority (the platform's authority DID) runs
//! [`Authority::setup`], publishes [`PublicParams`] so anyone can encrypt, and issues each holder
//! an [`AttributeKey`] for its attributes and a run of months (`epoch:2026-12`, …). A ciphertext
//! is sealed under `and(tree, epoch:<month of sealing>)`, so a key whose months have ended cannot
//! open anything sealed later — cryptographically, not by a check. Revocation takes effect the
//! same way (the authority stops issuing the holder's next months); until then the published
//! revocation list ([`PublicParams::revoked`]) makes honest software refuse the key at once.

use rabe::schemes::ac17;
use rabe::utils::policy::pest::PolicyLanguage;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sp_core::hashing::blake2_256;
use std::collections::BTreeSet;

/// Domain tag of a policy id.
pub const POLICY_DOMAIN: &[u8] = b"cgrid/abe-policy/v1";
/// Domain tag of a ciphertext hash.
pub const CIPHERTEXT_DOMAIN: &[u8] = b"cgrid/abe-ct/v1";
/// The scheme's name in files.
pub const SCHEME: &str = "AC17-CP (rabe 0.4.2, BN254)";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AbeError {
    #[error("bad access tree: {0}")]
    Tree(String),
    #[error("policy not satisfied: the key lacks {missing}")]
    PolicyNotSatisfied { missing: String },
    #[error("the key expired: it is valid for {valid}, the ciphertext was sealed in {sealed}")]
    Expired { valid: String, sealed: String },
    #[error("the key {0} is revoked by the attribute authority")]
    Revoked(String),
    #[error("the key was issued by another attribute authority")]
    OtherAuthority,
    #[error("the ciphertext does not match its anchor: {0}")]
    AnchorMismatch(&'static str),
    #[error("the ciphertext is tampered with: {0}")]
    Tampered(&'static str),
    #[error("bad {what}: {why}")]
    File { what: &'static str, why: String },
    #[error("the encryption failed: {0}")]
    Scheme(String),
}

/// A month: the unit of key validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epoch {
    pub year: u32,
    pub month: u32,
}

impl Epoch {
    /// `2026-12`.
    pub fn parse(text: &str) -> Result<Epoch, AbeError> {
        let bad = || AbeError::File {
            what: "epoch",
            why: format!("`{text}` is not a month like 2026-12"),
        };
        let (y, m) = text.split_once('-').ok_or_else(bad)?;
        let (year, month) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(1..=12).contains(&month) || y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        Ok(Epoch { year, month })
    }

    /// The month (UTC) of a time in milliseconds since the Unix epoch.
    pub fn of_millis(ms: u64) -> Epoch {
        // Civil-from-days (Howard Hinnant's algorithm).
        let days = (ms / 86_400_000) as i64 + 719_468;
        let era = days.div_euclid(146_097);
        let doe = days - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Epoch {
            year: year as u32,
            month: month as u32,
        }
    }

    pub fn next(self) -> Epoch {
        if self.month == 12 {
            Epoch {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Epoch {
                month: self.month + 1,
                ..self
            }
        }
    }

    /// The attribute every key valid this month holds.
    pub fn attribute(self) -> String {
        format!("epoch:{self}")
    }
}

impl std::fmt::Display for Epoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// An access tree of AND and OR gates over attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessTree {
    And(Vec<AccessTree>),
    Or(Vec<AccessTree>),
    Attr(String),
}

fn check_attribute(name: &str) -> Result<(), AbeError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":._@-".contains(c))
        && !["and", "or"].contains(&name.to_ascii_lowercase().as_str());
    if ok {
        Ok(())
    } else {
        Err(AbeError::Tree(format!(
            "`{name}` is not an attribute (letters, digits and : . _ @ -, not `and`/`or`)"
        )))
    }
}

impl AccessTree {
    /// Reads the JSON form; names what is wrong, by its path in the tree.
    pub fn from_json(value: &Value) -> Result<AccessTree, AbeError> {
        let tree = Self::read(value, "$")?;
        let mut seen = BTreeSet::new();
        for a in tree.leaves() {
            if !seen.insert(a) {
                return Err(AbeError::Tree(format!(
                    "the attribute `{a}` appears twice (AC17 takes each attribute once per tree)"
                )));
            }
        }
        Ok(tree)
    }

    fn read(value: &Value, at: &str) -> Result<AccessTree, AbeError> {
        let object = value.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
            AbeError::Tree(format!(
                "{at} is not an object with one member: and, or or attr"
            ))
        })?;
        let (gate, inner) = object.iter().next().expect("one member");
        match gate.as_str() {
            "attr" => {
                let name = inner
                    .as_str()
                    .ok_or_else(|| AbeError::Tree(format!("{at}.attr is not a string")))?;
                check_attribute(name)?;
                Ok(AccessTree::Attr(name.to_string()))
            }
            "and" | "or" => {
                let children = inner
                    .as_array()
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| AbeError::Tree(format!("{at}.{gate} is not a non-empty array")))?
                    .iter()
                    .enumerate()
                    .map(|(k, c)| Self::read(c, &format!("{at}.{gate}[{k}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if gate == "and" {
                    AccessTree::And(children)
                } else {
                    AccessTree::Or(children)
                })
            }
            other => Err(AbeError::Tree(format!(
                "{at} has `{other}`; expected and, or or attr"
            ))),
        }
    }

    /// The canonical JSON form (what [`policy_id`](Self::policy_id) hashes).
    pub fn to_json(&self) -> Value {
        match self {
            AccessTree::Attr(a) => json!({ "attr": a }),
            AccessTree::And(c) => json!({ "and": c.iter().map(Self::to_json).collect::<Vec<_>>() }),
            AccessTree::Or(c) => json!({ "or": c.iter().map(Self::to_json).collect::<Vec<_>>() }),
        }
    }

    /// `blake2_256(POLICY_DOMAIN ‖ canonical JSON)`: what an anchor's `policy_id` holds.
    pub fn policy_id(&self) -> [u8; 32] {
        let mut bytes = POLICY_DOMAIN.to_vec();
        bytes.extend(self.to_json().to_string().as_bytes());
        blake2_256(&bytes)
    }

    /// The attributes at the leaves.
    pub fn leaves(&self) -> Vec<&str> {
        match self {
            AccessTree::Attr(a) => vec![a.as_str()],
            AccessTree::And(c) | AccessTree::Or(c) => c.iter().flat_map(Self::leaves).collect(),
        }
    }

    /// Whether `attributes` satisfy the tree.
    pub fn satisfied_by(&self, attributes: &BTreeSet<String>) -> bool {
        match self {
            AccessTree::Attr(a) => attributes.contains(a),
            AccessTree::And(c) => c.iter().all(|t| t.satisfied_by(attributes)),
            AccessTree::Or(c) => c.iter().any(|t| t.satisfied_by(attributes)),
        }
    }

    /// What `attributes` lack, as a readable tree of the unmet part (for the error).
    fn missing(&self, attributes: &BTreeSet<String>) -> String {
        match self {
            AccessTree::Attr(a) => a.clone(),
            AccessTree::And(c) => {
                let unmet: Vec<String> = c
                    .iter()
                    .filter(|t| !t.satisfied_by(attributes))
                    .map(|t| t.missing(attributes))
                    .collect();
                unmet.join(" and ")
            }
            AccessTree::Or(c) => format!(
                "one of ({})",
                c.iter()
                    .map(|t| t.missing(attributes))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// rabe's JSON policy language. Its grammar wants `name` before `children`, and its
    /// span-program conversion (Lewko–Waters) takes gates of exactly two children (it panics
    /// otherwise), so an n-ary gate is written as a right-leaning chain of binary ones and a
    /// gate of one child as that child: the same boolean function.
    fn rabe_policy(&self) -> String {
        fn chain(gate: &str, children: &[AccessTree]) -> String {
            match children {
                [only] => only.rabe_policy(),
                [first, rest @ ..] => format!(
                    "{{\"name\":\"{gate}\",\"children\":[{},{}]}}",
                    first.rabe_policy(),
                    chain(gate, rest)
                ),
                [] => unreachable!("trees have no empty gates"),
            }
        }
        match self {
            AccessTree::Attr(a) => format!("{{\"name\":{}}}", Value::from(a.as_str())),
            AccessTree::And(c) => chain("and", c),
            AccessTree::Or(c) => chain("or", c),
        }
    }
}

/// What anyone needs to encrypt to the authority's attributes: its public key, and the keys it
/// revoked. Published (a file, a service entry of the authority's DID document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PublicParams {
    pub kind: String,
    pub scheme: String,
    /// The attribute authority (the platform's authority DID).
    pub authority: String,
    pub public_key: ac17::Ac17PublicKey,
    /// Ids of revoked attribute keys (`0x` hex).
    #[serde(default)]
    pub revoked: BTreeSet<String>,
}

/// The attribute authority's secret: kept by the authority alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Authority {
    pub kind: String,
    pub public: PublicParams,
    pub master_key: ac17::Ac17MasterKey,
}

/// A holder's attribute key: its attributes and the months it is valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AttributeKey {
    pub kind: String,
    /// `0x` + 32 bytes: the id the revocation list names.
    pub key_id: String,
    /// The authority that issued it.
    pub authority: String,
    /// Who holds it (a DID or an account).
    pub holder: String,
    pub attributes: Vec<String>,
    /// The first and the last month of validity (`2026-12`).
    pub valid_from: String,
    pub valid_until: String,
    pub secret_key: ac17::Ac17CpSecretKey,
}

pub const PUBLIC_KIND: &str = "cgrid-abe-public";
pub const AUTHORITY_KIND: &str = "cgrid-abe-authority";
pub const KEY_KIND: &str = "cgrid-abe-key";
pub const SEALED_KIND: &str = "cgrid-abe-sealed";

fn from_file<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
    kind: &str,
) -> Result<T, AbeError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| AbeError::File {
        what,
        why: format!("not JSON ({e})"),
    })?;
    crate::kinded(&value, kind).map_err(|why| AbeError::File { what, why })
}

impl PublicParams {
    pub fn from_json(bytes: &[u8]) -> Result<PublicParams, AbeError> {
        from_file(bytes, "public parameters", PUBLIC_KIND)
    }
}

impl AttributeKey {
    pub fn from_json(bytes: &[u8]) -> Result<AttributeKey, AbeError> {
        from_file(bytes, "attribute key", KEY_KIND)
    }

    /// Whether the key is valid in `epoch`.
    pub fn valid_in(&self, epoch: Epoch) -> bool {
        match (
            Epoch::parse(&self.valid_from),
            Epoch::parse(&self.valid_until),
        ) {
            (Ok(from), Ok(until)) => from <= epoch && epoch <= until,
            _ => false,
        }
    }
}

impl Authority {
    /// New public and master keys for the authority `authority` (its DID).
    pub fn setup(authority: &str) -> Authority {
        let (public_key, master_key) = ac17::setup();
        Authority {
            kind: AUTHORITY_KIND.into(),
            public: PublicParams {
                kind: PUBLIC_KIND.into(),
                scheme: SCHEME.into(),
                authority: authority.into(),
                public_key,
                revoked: BTreeSet::new(),
            },
            master_key,
        }
    }

    pub fn from_json(bytes: &[u8]) -> Result<Authority, AbeError> {
        from_file(bytes, "authority key", AUTHORITY_KIND)
    }

    /// A key for `holder` with `attributes`, valid `months` months from `from`.
    pub fn issue_key(
        &self,
        holder: &str,
        attributes: &[String],
        from: Epoch,
        months: u32,
    ) -> Result<AttributeKey, AbeError> {
        if months == 0 || months > 120 {
            return Err(AbeError::File {
                what: "validity",
                why: "a key is valid 1 to 120 months".into(),
            });
        }
        let mut all = BTreeSet::new();
        for a in attributes {
            check_attribute(a)?;
            if a.starts_with("epoch:") {
                return Err(AbeError::Tree(format!(
                    "`{a}`: epoch attributes come from the validity, not the request"
                )));
            }
            all.insert(a.clone());
        }
        let mut until = from;
        all.insert(from.attribute());
        for _ in 1..months {
            until = until.next();
            all.insert(until.attribute());
        }
        let list: Vec<&str> = all.iter().map(String::as_str).collect();
        let secret_key = ac17::cp_keygen(&self.master_key, &list)
            .map_err(|e| AbeError::Scheme(e.to_string()))?;
        let mut nonce = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut nonce);
        let key_id = blake2_256(&[holder.as_bytes(), &nonce].concat());
        Ok(AttributeKey {
            kind: KEY_KIND.into(),
            key_id: format!("0x{}", hex::encode(key_id)),
            authority: self.public.authority.clone(),
            holder: holder.into(),
            attributes: attributes.to_vec(),
            valid_from: from.to_string(),
            valid_until: until.to_string(),
            secret_key,
        })
    }

    /// Adds `key_id` to the published revocation list.
    pub fn revoke(&mut self, key_id: &str) {
        self.public.revoked.insert(key_id.to_string());
    }
}

/// A sealed plaintext: the access tree it was sealed under, the month, and the ciphertext.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Sealed {
    pub kind: String,
    pub scheme: String,
    pub authority: String,
    /// The access tree (JSON form); its [`AccessTree::policy_id`] is `policy_id`.
    pub policy: Value,
    /// `0x` + 32 bytes.
    pub policy_id: String,
    pub epoch: String,
    pub ciphertext: ac17::Ac17CpCiphertext,
}

impl Sealed {
    pub fn from_json(bytes: &[u8]) -> Result<Sealed, AbeError> {
        from_file(bytes, "sealed claims", SEALED_KIND)
    }

    /// `blake2_256(CIPHERTEXT_DOMAIN ‖ JSON of the ciphertext)`: what an anchor's
    /// `ciphertext_hash` holds.
    pub fn ciphertext_hash(&self) -> [u8; 32] {
        let mut bytes = CIPHERTEXT_DOMAIN.to_vec();
        bytes.extend(serde_json::to_vec(&self.ciphertext).unwrap_or_default());
        blake2_256(&bytes)
    }

    /// The tree, read back and checked against `policy_id` and the policy inside the ciphertext.
    pub fn tree(&self) -> Result<AccessTree, AbeError> {
        let tree = AccessTree::from_json(&self.policy)?;
        if format!("0x{}", hex::encode(tree.policy_id())) != self.policy_id {
            return Err(AbeError::Tampered("the policy is not the one its id names"));
        }
        let epoch = Epoch::parse(&self.epoch)?;
        let sealed_under = AccessTree::And(vec![tree.clone(), AccessTree::Attr(epoch.attribute())]);
        if self.ciphertext.policy.0 != sealed_under.rabe_policy() {
            return Err(AbeError::Tampered(
                "the ciphertext is sealed under another policy than the one shown",
            ));
        }
        Ok(tree)
    }

    /// Checks the ciphertext against an anchor's `ciphertext_hash` and `policy_id`, without
    /// decrypting.
    pub fn check_anchor(
        &self,
        ciphertext_hash: Option<[u8; 32]>,
        policy_id: Option<[u8; 32]>,
    ) -> Result<(), AbeError> {
        let (Some(ct), Some(pid)) = (ciphertext_hash, policy_id) else {
            return Err(AbeError::AnchorMismatch(
                "the anchor holds no ciphertext: the credential was not issued encrypted",
            ));
        };
        let tree = self.tree()?;
        if tree.policy_id() != pid {
            return Err(AbeError::AnchorMismatch(
                "the policy is not the anchored one",
            ));
        }
        if self.ciphertext_hash() != ct {
            return Err(AbeError::AnchorMismatch(
                "the ciphertext is not the anchored one",
            ));
        }
        Ok(())
    }

    /// Decrypts with `key`; refuses a key of another authority, a revoked or expired key, and
    /// attributes that do not satisfy the tree, each with its own error, before the scheme
    /// would refuse them too.
    pub fn open(&self, params: &PublicParams, key: &AttributeKey) -> Result<Vec<u8>, AbeError> {
        if key.authority != params.authority || self.authority != params.authority {
            return Err(AbeError::OtherAuthority);
        }
        if params.revoked.contains(&key.key_id) {
            return Err(AbeError::Revoked(key.key_id.clone()));
        }
        let tree = self.tree()?;
        let epoch = Epoch::parse(&self.epoch)?;
        let attributes: BTreeSet<String> = key.attributes.iter().cloned().collect();
        if !tree.satisfied_by(&attributes) {
            return Err(AbeError::PolicyNotSatisfied {
                missing: tree.missing(&attributes),
            });
        }
        if !key.valid_in(epoch) {
            return Err(AbeError::Expired {
                valid: format!("{} to {}", key.valid_from, key.valid_until),
                sealed: self.epoch.clone(),
            });
        }
        ac17::cp_decrypt(&key.secret_key, &self.ciphertext)
            .map_err(|_| AbeError::Tampered("the ciphertext does not decrypt"))
    }
}

/// Seals `plaintext` under `tree` for the month `epoch` with the authority's public parameters.
pub fn seal(
    params: &PublicParams,
    tree: &AccessTree,
    epoch: Epoch,
    plaintext: &[u8],
) -> Result<Sealed, AbeError> {
    let sealed_under = AccessTree::And(vec![tree.clone(), AccessTree::Attr(epoch.attribute())]);
    let ciphertext = ac17::cp_encrypt(
        &params.public_key,
        &sealed_under.rabe_policy(),
        plaintext,
        PolicyLanguage::JsonPolicy,
    )
    .map_err(|e| AbeError::Scheme(e.to_string()))?;
    Ok(Sealed {
        kind: SEALED_KIND.into(),
        scheme: SCHEME.into(),
        authority: params.authority.clone(),
        policy: tree.to_json(),
        policy_id: format!("0x{}", hex::encode(tree.policy_id())),
        epoch: epoch.to_string(),
        ciphertext,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(v: Value) -> AccessTree {
        AccessTree::from_json(&v).unwrap()
    }

    fn attrs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const DEC: Epoch = Epoch {
        year: 2026,
        month: 12,
    };

    /// A regulator in the EU, or the trade's own auditor: nested AND/OR.
    fn policy() -> AccessTree {
        tree(json!({"or": [
            {"and": [{"attr": "role:regulator"}, {"or": [{"attr": "region:eu"}, {"attr": "region:uk"}]}]},
            {"attr": "auditor:trade-7"}
        ]}))
    }

    #[test]
    fn satisfied_trees_open_and_unsatisfied_ones_name_what_is_missing() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let sealed = seal(&authority.public, &policy(), DEC, b"claims").unwrap();
        let cases: [(&[&str], Result<(), &str>); 6] = [
            (&["role:regulator", "region:eu"], Ok(())),
            (
                &["role:regulator", "region:uk", "org:acme", "region:us"],
                Ok(()),
            ),
            (&["auditor:trade-7"], Ok(())),
            (&["role:regulator"], Err("region:eu")),
            (&["region:eu", "region:uk"], Err("role:regulator")),
            (&["auditor:trade-8", "org:acme"], Err("auditor:trade-7")),
        ];
        for (held, want) in cases {
            let key = authority.issue_key("holder", &attrs(held), DEC, 1).unwrap();
            match (sealed.open(&authority.public, &key), want) {
                (Ok(plain), Ok(())) => assert_eq!(plain, b"claims"),
                (Err(AbeError::PolicyNotSatisfied { missing }), Err(names)) => {
                    assert!(missing.contains(names), "{held:?}: {missing}")
                }
                (got, want) => panic!("{held:?}: got {got:?}, wanted {want:?}"),
            }
            // The scheme itself refuses what the check refuses (no check to bypass).
            let direct = ac17::cp_decrypt(&key.secret_key, &sealed.ciphertext);
            assert_eq!(direct.is_ok(), want.is_ok(), "{held:?}");
        }
    }

    /// Gates of one, three and many children (rabe's span programs take binary gates only).
    #[test]
    fn gates_of_any_arity_seal_and_open() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let many: Vec<Value> = (0..12).map(|k| json!({"attr": format!("a:{k}")})).collect();
        let t = tree(json!({"or": [
            {"and": [{"attr": "x"}, {"attr": "y"}, {"attr": "z"}]},
            {"and": many},
            {"or": [{"attr": "solo"}]}
        ]}));
        let sealed = seal(&authority.public, &t, DEC, b"claims").unwrap();
        let all12: Vec<String> = (0..12).map(|k| format!("a:{k}")).collect();
        for (held, opens) in [
            (attrs(&["x", "y", "z"]), true),
            (attrs(&["x", "y"]), false),
            (all12.clone(), true),
            (all12[1..].to_vec(), false),
            (attrs(&["solo"]), true),
        ] {
            let key = authority.issue_key("h", &held, DEC, 1).unwrap();
            assert_eq!(
                sealed.open(&authority.public, &key).is_ok(),
                opens,
                "{held:?}"
            );
            assert_eq!(
                ac17::cp_decrypt(&key.secret_key, &sealed.ciphertext).is_ok(),
                opens,
                "{held:?}"
            );
        }
    }

    #[test]
    fn an_expired_key_cannot_open_what_was_sealed_after_it() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let nov = Epoch::parse("2026-11").unwrap();
        let key = authority
            .issue_key("holder", &attrs(&["auditor:trade-7"]), nov, 1)
            .unwrap();
        assert_eq!(
            (key.valid_from.as_str(), key.valid_until.as_str()),
            ("2026-11", "2026-11")
        );
        let old = seal(&authority.public, &policy(), nov, b"then").unwrap();
        assert_eq!(old.open(&authority.public, &key).unwrap(), b"then");
        let new = seal(&authority.public, &policy(), DEC, b"now").unwrap();
        assert!(matches!(
            new.open(&authority.public, &key),
            Err(AbeError::Expired { .. })
        ));
        assert!(ac17::cp_decrypt(&key.secret_key, &new.ciphertext).is_err());
        // A key over the new year covers it.
        let long = authority
            .issue_key("holder", &attrs(&["auditor:trade-7"]), nov, 3)
            .unwrap();
        assert_eq!(long.valid_until, "2027-01");
        let jan = seal(
            &authority.public,
            &policy(),
            Epoch::parse("2027-01").unwrap(),
            b"x",
        )
        .unwrap();
        assert_eq!(jan.open(&authority.public, &long).unwrap(), b"x");
    }

    #[test]
    fn a_revoked_key_is_refused() {
        let mut authority = Authority::setup("did:cgrid:0xaa");
        let key = authority
            .issue_key("holder", &attrs(&["auditor:trade-7"]), DEC, 12)
            .unwrap();
        let sealed = seal(&authority.public, &policy(), DEC, b"claims").unwrap();
        authority.revoke(&key.key_id);
        assert_eq!(
            sealed.open(&authority.public, &key),
            Err(AbeError::Revoked(key.key_id.clone()))
        );
        let other = Authority::setup("did:cgrid:0xbb");
        let foreign = other
            .issue_key("holder", &attrs(&["auditor:trade-7"]), DEC, 1)
            .unwrap();
        assert_eq!(
            sealed.open(&authority.public, &foreign),
            Err(AbeError::OtherAuthority)
        );
    }

    #[test]
    fn tampered_ciphertexts_and_policies_are_refused_by_the_anchor_check() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let sealed = seal(&authority.public, &policy(), DEC, b"claims").unwrap();
        let (ct, pid) = (Some(sealed.ciphertext_hash()), Some(policy().policy_id()));
        sealed.check_anchor(ct, pid).unwrap();
        assert!(matches!(
            sealed.check_anchor(None, None),
            Err(AbeError::AnchorMismatch(_))
        ));

        let mut flipped = sealed.clone();
        flipped.ciphertext.ct.ct[0] ^= 1;
        assert_eq!(
            flipped.check_anchor(ct, pid),
            Err(AbeError::AnchorMismatch(
                "the ciphertext is not the anchored one"
            ))
        );
        let key = authority
            .issue_key("h", &attrs(&["auditor:trade-7"]), DEC, 1)
            .unwrap();
        assert!(matches!(
            flipped.open(&authority.public, &key),
            Err(AbeError::Tampered(_))
        ));

        // A weaker policy shown beside the ciphertext: its id is not the anchored one, and the
        // ciphertext is not sealed under it.
        let mut weaker = sealed.clone();
        let open_to_all = tree(json!({"attr": "anyone"}));
        weaker.policy = open_to_all.to_json();
        weaker.policy_id = format!("0x{}", hex::encode(open_to_all.policy_id()));
        assert!(matches!(
            weaker.check_anchor(ct, pid),
            Err(AbeError::Tampered(_))
        ));
        // Re-sealed under a weaker policy: a new ciphertext, not the anchored one.
        let resealed = seal(&authority.public, &open_to_all, DEC, b"claims").unwrap();
        assert_eq!(
            resealed.check_anchor(ct, pid),
            Err(AbeError::AnchorMismatch(
                "the policy is not the anchored one"
            ))
        );
    }

    /// Two holders, each one attribute short of `and(role:regulator, region:eu)`, cannot pool
    /// their keys: the components of each key are bound to that key's own randomness.
    #[test]
    fn two_holders_cannot_combine_their_keys() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let both = tree(json!({"and": [{"attr": "role:regulator"}, {"attr": "region:eu"}]}));
        let sealed = seal(&authority.public, &both, DEC, b"claims").unwrap();
        let a = authority
            .issue_key("a", &attrs(&["role:regulator"]), DEC, 1)
            .unwrap();
        let b = authority
            .issue_key("b", &attrs(&["region:eu"]), DEC, 1)
            .unwrap();
        for key in [&a, &b] {
            assert!(matches!(
                sealed.open(&authority.public, key),
                Err(AbeError::PolicyNotSatisfied { .. })
            ));
        }
        // Pool them every way: each one's base with the union of the attribute components.
        for (base, other) in [(&a, &b), (&b, &a)] {
            let mut pooled = base.clone();
            for (name, part) in &other.secret_key.sk.k {
                if !pooled.secret_key.sk.k.iter().any(|(n, _)| n == name) {
                    pooled.secret_key.sk.k.push((name.clone(), part.clone()));
                }
            }
            pooled.secret_key.attr = pooled
                .secret_key
                .sk
                .k
                .iter()
                .map(|(n, _)| n.clone())
                .collect();
            pooled.attributes = attrs(&["role:regulator", "region:eu"]);
            assert!(
                matches!(
                    sealed.open(&authority.public, &pooled),
                    Err(AbeError::Tampered(_))
                ),
                "a pooled key opened the ciphertext"
            );
            assert!(ac17::cp_decrypt(&pooled.secret_key, &sealed.ciphertext).is_err());
        }
        // The honest key with both attributes opens it.
        let c = authority
            .issue_key("c", &attrs(&["role:regulator", "region:eu"]), DEC, 1)
            .unwrap();
        assert_eq!(sealed.open(&authority.public, &c).unwrap(), b"claims");
    }

    #[test]
    fn bad_trees_are_named() {
        let cases = [
            (json!({"and": []}), "$.and is not a non-empty array"),
            (json!({"xor": [{"attr": "a"}]}), "$ has `xor`"),
            (
                json!({"or": [{"attr": "a b"}]}),
                "`a b` is not an attribute",
            ),
            (
                json!({"or": [{"attr": "a"}, {"and": [{"attr": "a"}]}]}),
                "`a` appears twice",
            ),
            (
                json!({"attr": "a", "or": []}),
                "$ is not an object with one member",
            ),
            (
                json!({"and": [{"attr": 3}]}),
                "$.and[0].attr is not a string",
            ),
            (json!({"attr": "AND"}), "not `and`/`or`"),
        ];
        for (v, want) in cases {
            let err = AccessTree::from_json(&v).unwrap_err().to_string();
            assert!(err.contains(want), "{err} does not say {want}");
        }
        // The id is the canonical form's: member order and whitespace do not matter.
        let a = tree(serde_json::from_str(r#"{ "or" : [ {"attr":"x"}, {"attr":"y"} ] }"#).unwrap());
        assert_eq!(
            a.policy_id(),
            tree(json!({"or": [{"attr": "x"}, {"attr": "y"}]})).policy_id()
        );
        assert_ne!(
            a.policy_id(),
            tree(json!({"or": [{"attr": "y"}, {"attr": "x"}]})).policy_id()
        );
    }

    #[test]
    fn epochs_read_and_follow_the_calendar() {
        assert_eq!(Epoch::of_millis(0).to_string(), "1970-01");
        assert_eq!(Epoch::of_millis(1_796_083_200_000).to_string(), "2026-12");
        assert_eq!(
            Epoch::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        for bad in ["2026-13", "2026-1", "26-12", "2026/12"] {
            assert!(Epoch::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn files_round_trip_and_refuse_other_kinds() {
        let authority = Authority::setup("did:cgrid:0xaa");
        let key = authority.issue_key("h", &attrs(&["x"]), DEC, 1).unwrap();
        let sealed = seal(&authority.public, &tree(json!({"attr": "x"})), DEC, b"p").unwrap();
        assert_eq!(
            AttributeKey::from_json(&serde_json::to_vec(&key).unwrap()).unwrap(),
            key
        );
        assert_eq!(
            Sealed::from_json(&serde_json::to_vec(&sealed).unwrap()).unwrap(),
            sealed
        );
        assert_eq!(
            Authority::from_json(&serde_json::to_vec(&authority).unwrap()).unwrap(),
            authority
        );
        let err = PublicParams::from_json(&serde_json::to_vec(&key).unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("`kind` is not cgrid-abe-public"),
            "{err}"
        );
    }
}
