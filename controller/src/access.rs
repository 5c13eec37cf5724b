//! Who may read which trade records through the API: attribute-based access decisions
//! (`cgrid serve --access POLICY`).
//!
//! A decision looks at three sets of attributes:
//!
//! - **subject** — who asks: the DID that signed the request, its roles as the DID registry
//!   holds them now (unexpired grants of an active DID), and the organisation and region the
//!   operator's directory in the policy gives it;
//! - **object** — what is asked for: a trade record's template (the trade-start CPT), whether
//!   a regulator's mask covers the trade (and what it withholds), the channel's phase, and
//!   whether the subject is one of the trade's parties;
//! - **environment** — when: the time of the request (a window of dates, hours of the day in
//!   UTC).
//!
//! Rules either allow or deny actions (`read`: the channel list, a channel, its history;
//! `close`). **Deny overrides allow, and nothing is allowed without a rule that allows it.**
//! The operator's token (`Authorization: Bearer …`, whose BLAKE2b-256 the policy holds) is the
//! operator itself: every action is allowed.
//!
//! A request is signed by a DID (`Authorization: CGrid <did> <ms> <0x signature>`): an sr25519
//! signature over [`request_message`] by one of the DID's authentication keys, at most
//! [`MAX_SKEW_MS`] from the server's clock. The signature covers the method and the path, so
//! it opens nothing else; within that window it may be replayed for the same request (reads
//! only change nothing; a replayed close closes what the signer asked to close).

use cgrid_shared::{
    did_from_str, did_to_string, ChannelId, CptId, DidId, KeyType, MaskMarker, Role,
};
use serde::Deserialize;
use sp_core::{hashing::blake2_256, sr25519, Pair};
use std::collections::BTreeMap;

/// Domain tag of a signed API request.
pub const REQUEST_DOMAIN: &str = "cgrid/api/v1";
/// How far a signed request's time may be from the server's clock (2 minutes).
pub const MAX_SKEW_MS: u64 = 120_000;

/// What a request does to a trade record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The channel list, a channel's view, its state history.
    Read,
    /// A close (cooperative in the demo, unilateral for a party).
    Close,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Close => "close",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Allow,
    Deny,
}

/// The access policy: the operator's token, its directory of subjects, the rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// BLAKE2b-256 of the operator's API token, `0x` and 64 hex digits (`b2sum -l 256`).
    #[serde(default, deserialize_with = "opt_hash")]
    pub operator_token_blake2_256: Option<[u8; 32]>,
    /// The organisation and region of each DID, as the operator knows them.
    #[serde(default, deserialize_with = "directory")]
    pub directory: BTreeMap<DidId, Profile>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub org: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Shown in a refusal and in the log.
    pub name: String,
    pub effect: Effect,
    pub actions: Vec<Action>,
    #[serde(default)]
    pub subject: SubjectMatch,
    #[serde(default)]
    pub object: ObjectMatch,
    #[serde(default)]
    pub environment: EnvironmentMatch,
}

/// Conditions on the subject; an absent one holds for everybody, a list holds when any of its
/// entries does.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectMatch {
    #[serde(default, deserialize_with = "dids")]
    pub dids: Option<Vec<DidId>>,
    /// Holds one of these roles now.
    #[serde(default, deserialize_with = "roles")]
    pub roles: Option<Vec<Role>>,
    /// Holds none of these roles now.
    #[serde(default, deserialize_with = "roles")]
    pub without_roles: Option<Vec<Role>>,
    pub orgs: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    /// Is (true) or is not (false) a party of the trade: the trade's provider or consumer DID
    /// (a party a mask withholds is not shown to be one).
    pub party: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMatch {
    pub templates: Option<Vec<CptId>>,
    /// A regulator's mask covers the trade (true) or does not (false).
    pub masked: Option<bool>,
    /// The channel's phase as the API names it (`open`, `closing`, `closed`, ...).
    pub phases: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentMatch {
    /// Not before this time (ms since the Unix epoch).
    pub after: Option<u64>,
    /// Strictly before this time (ms since the Unix epoch).
    pub before: Option<u64>,
    /// Hours of the day in UTC, `[from, to)`; `from > to` wraps past midnight.
    pub hours_utc: Option<[u8; 2]>,
}

/// Who asks, as the registry and the directory describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub did: DidId,
    /// Roles held now.
    pub roles: Vec<Role>,
    pub profile: Profile,
}

/// A trade record as a decision sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub channel: ChannelId,
    pub template: CptId,
    /// The provider's and the consumer's DIDs (all zeros where a mask withholds one).
    pub parties: [DidId; 2],
    pub phase: String,
    pub mask: Option<MaskMarker>,
}

/// What the escrow says of a trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeFacts {
    /// The provider's and the consumer's DIDs (all zeros where a mask withholds one).
    pub parties: [DidId; 2],
    pub mask: Option<MaskMarker>,
}

/// What the directory (the chain) says of a DID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidFacts {
    pub deactivated: bool,
    /// Roles held now (unexpired grants).
    pub roles: Vec<Role>,
    /// The sr25519 keys listed for authentication.
    pub authentication: Vec<[u8; 32]>,
}

/// The chain's answers a decision needs.
pub trait Directory: Send + Sync {
    /// The DID's document and roles now; `None`: no such DID.
    fn did(&self, did: &DidId) -> Result<Option<DidFacts>, String>;
    /// The trade's parties and the regulator's mask on it, as the escrow shows them;
    /// `None`: no such channel.
    fn trade(&self, channel: &ChannelId) -> Result<Option<TradeFacts>, String>;
}

/// The outcome of a decision, with the rule that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed { by: String },
    Denied { by: Option<String> },
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// Why, in words: "rule 'x' denies it" or "no rule allows it".
    pub fn reason(&self) -> String {
        match self {
            Decision::Allowed { by } => format!("rule '{by}' allows it"),
            Decision::Denied { by: Some(by) } => format!("rule '{by}' denies it"),
            Decision::Denied { by: None } => "no rule allows it".into(),
        }
    }
}

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The holder of the operator's token.
    Operator,
    Did(Subject),
}

impl Caller {
    pub fn label(&self) -> String {
        match self {
            Caller::Operator => "the operator".into(),
            Caller::Did(s) => did_to_string(&s.did),
        }
    }
}

impl Policy {
    /// Reads a policy file's JSON; an error names the member that is wrong.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let policy: Policy = serde_path_to_error::deserialize(de).map_err(|e| {
            let at = e.path().to_string();
            if at == "." {
                e.inner().to_string()
            } else {
                format!("{at}: {}", e.inner())
            }
        })?;
        for (i, rule) in policy.rules.iter().enumerate() {
            if rule.actions.is_empty() {
                return Err(format!("rules[{i}].actions: name at least one action"));
            }
            if let Some([from, to]) = rule.environment.hours_utc {
                if from > 23 || to > 24 || from == to {
                    return Err(format!(
                        "rules[{i}].environment.hours_utc: [{from}, {to}] is not a window of hours (0-23, 1-24, from ≠ to)"
                    ));
                }
            }
        }
        Ok(policy)
    }

    /// Whether `token` is the operator's.
    pub fn is_operator_token(&self, token: &str) -> bool {
        self.operator_token_blake2_256
            .is_some_and(|hash| blake2_256(token.as_bytes()) == hash)
    }

    /// The subject for a DID the registry describes as `facts`.
    pub fn subject(&self, did: DidId, facts: &DidFacts) -> Subject {
        Subject {
            did,
            roles: facts.roles.clone(),
            profile: self.directory.get(&did).cloned().unwrap_or_default(),
        }
    }

    /// May `caller` do `action` to `object` at `now` (ms)? Deny overrides allow; no applicable
    /// rule denies.
    pub fn decide(&self, caller: &Caller, action: Action, object: &Object, now: u64) -> Decision {
        let subject = match caller {
            Caller::Operator => {
                return Decision::Allowed {
                    by: "operator token".into(),
                }
            }
            Caller::Did(s) => s,
        };
        let mut allowed = None;
        for rule in &self.rules {
            if !rule.actions.contains(&action) || !rule.applies(subject, object, now) {
                continue;
            }
            match rule.effect {
                Effect::Deny => {
                    return Decision::Denied {
                        by: Some(rule.name.clone()),
                    }
                }
                Effect::Allow => {
                    allowed.get_or_insert_with(|| rule.name.clone());
                }
            }
        }
        match allowed {
            Some(by) => Decision::Allowed { by },
            None => Decision::Denied { by: None },
        }
    }
}

fn any_of<T: PartialEq>(wanted: &Option<Vec<T>>, has: impl Fn(&T) -> bool) -> bool {
    wanted.as_ref().is_none_or(|w| w.iter().any(has))
}

impl Rule {
    fn applies(&self, s: &Subject, o: &Object, now: u64) -> bool {
        let m = &self.subject;
        // A withheld party (all zeros) is nobody's.
        let party = s.did != [0; 32] && o.parties.contains(&s.did);
        let subject = any_of(&m.dids, |d| *d == s.did)
            && any_of(&m.roles, |r| s.roles.contains(r))
            && m.without_roles
                .as_ref()
                .is_none_or(|w| !w.iter().any(|r| s.roles.contains(r)))
            && any_of(&m.orgs, |org| s.profile.org.as_ref() == Some(org))
            && any_of(&m.regions, |r| s.profile.region.as_ref() == Some(r))
            && m.party.is_none_or(|p| p == party);
        let ob = &self.object;
        let object = any_of(&ob.templates, |t| *t == o.template)
            && ob.masked.is_none_or(|m| m == o.mask.is_some())
            && any_of(&ob.phases, |p| *p == o.phase);
        let env = &self.environment;
        let hour = ((now / 3_600_000) % 24) as u8;
        let environment = env.after.is_none_or(|a| now >= a)
            && env.before.is_none_or(|b| now < b)
            && env.hours_utc.is_none_or(|[from, to]| {
                if from < to {
                    hour >= from && hour < to
                } else {
                    hour >= from || hour < to
                }
            });
        subject && object && environment
    }
}

/// The bytes a DID signs for a request: the domain, the method, the path (with its query) and
/// the time, one per line.
pub fn request_message(method: &str, path: &str, at_ms: u64) -> Vec<u8> {
    format!("{REQUEST_DOMAIN}\n{method}\n{path}\n{at_ms}").into_bytes()
}

/// The `Authorization` header's value for a request signed by `did` with `key`.
pub fn sign_request(
    did: &DidId,
    key: &sr25519::Pair,
    method: &str,
    path: &str,
    at_ms: u64,
) -> String {
    let signature = key.sign(&request_message(method, path, at_ms));
    format!(
        "CGrid {} {at_ms} 0x{}",
        did_to_string(did),
        hex::encode(signature.0)
    )
}

/// Why a request's caller is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("this API needs a signed request (Authorization: CGrid <did> <ms> <signature>) or the operator's token")]
    Missing,
    #[error(
        "the Authorization header is not `CGrid <did> <ms> <0x signature>` or `Bearer <token>`"
    )]
    Malformed,
    #[error("the token is not the operator's")]
    WrongToken,
    #[error("the request was signed at {0} ms, more than 2 minutes from this server's clock")]
    Stale(u64),
    #[error("no DID {0} in the registry")]
    UnknownDid(String),
    #[error("the DID {0} is deactivated")]
    Deactivated(String),
    #[error("the signature is not by an sr25519 authentication key of {0}")]
    BadSignature(String),
    #[error("the DID registry could not be read: {0}")]
    Directory(String),
}

/// Who sent a request with `authorization` (the header's value) for `method` `path`, at the
/// server's time `now` (ms).
pub fn authenticate(
    policy: &Policy,
    directory: &dyn Directory,
    authorization: Option<&str>,
    method: &str,
    path: &str,
    now: u64,
) -> Result<Caller, AuthError> {
    let header = authorization.ok_or(AuthError::Missing)?;
    if let Some(token) = header.strip_prefix("Bearer ") {
        return if policy.is_operator_token(token.trim()) {
            Ok(Caller::Operator)
        } else {
            Err(AuthError::WrongToken)
        };
    }
    let rest = header.strip_prefix("CGrid ").ok_or(AuthError::Malformed)?;
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [did_text, at, sig] = parts[..] else {
        return Err(AuthError::Malformed);
    };
    let did = did_from_str(did_text).ok_or(AuthError::Malformed)?;
    let at: u64 = at.parse().map_err(|_| AuthError::Malformed)?;
    let sig: [u8; 64] = hex::decode(sig.trim_start_matches("0x"))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(AuthError::Malformed)?;
    if now.abs_diff(at) > MAX_SKEW_MS {
        return Err(AuthError::Stale(at));
    }
    let facts = directory
        .did(&did)
        .map_err(AuthError::Directory)?
        .ok_or_else(|| AuthError::UnknownDid(did_text.to_string()))?;
    if facts.deactivated {
        return Err(AuthError::Deactivated(did_text.to_string()));
    }
    let message = request_message(method, path, at);
    let signature = sr25519::Signature::from_raw(sig);
    let signed = facts
        .authentication
        .iter()
        .any(|k| sr25519::Pair::verify(&signature, &message, &sr25519::Public::from_raw(*k)));
    if !signed {
        return Err(AuthError::BadSignature(did_text.to_string()));
    }
    Ok(Caller::Did(policy.subject(did, &facts)))
}

/// The sr25519 authentication keys of a DID document's verification methods.
pub fn authentication_keys(methods: &[cgrid_shared::VerificationMethod]) -> Vec<[u8; 32]> {
    methods
        .iter()
        .filter(|m| m.key_type == KeyType::Sr25519 && m.purposes.authentication)
        .filter_map(|m| <[u8; 32]>::try_from(m.public_key.as_slice()).ok())
        .collect()
}

fn opt_hash<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    text.map(|t| {
        hex::decode(t.trim_start_matches("0x"))
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| serde::de::Error::custom("not 0x and 64 hex digits"))
    })
    .transpose()
}

fn did<E: serde::de::Error>(text: &str) -> Result<DidId, E> {
    did_from_str(text).ok_or_else(|| E::custom(format!("{text} is not a did:cgrid DID")))
}

fn dids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<DidId>>, D::Error> {
    let texts: Option<Vec<String>> = Option::deserialize(d)?;
    texts
        .map(|t| t.iter().map(|s| did(s)).collect())
        .transpose()
}

fn directory<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<DidId, Profile>, D::Error> {
    let map: BTreeMap<String, Profile> = BTreeMap::deserialize(d)?;
    map.into_iter().map(|(k, v)| Ok((did(&k)?, v))).collect()
}

fn roles<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Role>>, D::Error> {
    let texts: Option<Vec<String>> = Option::deserialize(d)?;
    texts
        .map(|t| {
            t.iter()
                .map(|s| {
                    Role::ALL
                        .into_iter()
                        .find(|r| format!("{r:?}").eq_ignore_ascii_case(s))
                        .ok_or_else(|| {
                            serde::de::Error::custom(format!(
                                "{s} is not a role (Provider, Consumer, Regulator, Issuer)"
                            ))
                        })
                })
                .collect()
        })
        .transpose()
}

#[cfg(test)]
mod tests;
