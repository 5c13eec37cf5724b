//! `cgrid did`: create, resolve (a W3C DID Core document with DID resolution metadata),
//! update, and relayed key-signed operations (`sign-op` on the key holder's machine, `relay`
//! on any funded account's).

use super::parse::{self, hex0x};
use super::{CliError, Ctx, Report};
use cgrid_shared::{
    did_op_preimage, did_to_string, DidCreation, DidDocument, DidId, DidOperation, DidSignature,
    KeyPurposes, KeyType, MaskedView, Service, VerificationMethod,
};
use cgrid_suite::{chain_account, ink_account, AccountId32, Backend, Signer};
use clap::{Args, Subcommand};
use scale::Encode;
use serde_json::{json, Value};
use sp_core::Pair as _;
use std::path::PathBuf;

/// The fragment of the sr25519 key `did create` lists (authentication, assertions, DID
/// changes).
pub const SR25519_KEY: &str = "key-sr25519";
/// The fragment of the Ed25519 assertion key `did create` lists (Data Integrity proofs).
pub const ED25519_KEY: &str = "key-ed25519";
/// The kind tag of a signed-operation file.
const OP_FILE_KIND: &str = "cgrid-did-operation";

#[derive(Subcommand, Debug, Clone)]
pub enum DidCmd {
    /// Creates the key's DID, listing its sr25519 key (authentication, assertionMethod,
    /// capabilityInvocation) and its Ed25519 assertion key.
    Create {
        /// A service `ID=TYPE=ENDPOINT` (repeatable).
        #[arg(long = "service")]
        services: Vec<String>,
        /// A controller DID (repeatable).
        #[arg(long = "controller")]
        controllers: Vec<String>,
    },
    /// Prints a DID's document (W3C DID Core; --json: the DID resolution result).
    Resolve {
        /// A DID or an SS58 account (default: the key's own DID).
        did: Option<String>,
    },
    /// Changes a DID document (one change per command; the key must control the DID).
    Update {
        /// The DID (default: the key's own).
        #[arg(long)]
        did: Option<String>,
        #[command(flatten)]
        op: OpArgs,
    },
    /// Signs a change with the key's DID key for someone else to relay; writes the signed
    /// operation to --out.
    SignOp {
        /// The DID to change (default: the key's own).
        #[arg(long)]
        did: Option<String>,
        #[command(flatten)]
        op: OpArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Submits a signed operation file (the sender pays; the DID key authorised it).
    Relay { file: PathBuf },
}

/// One DID change.
#[derive(Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct OpArgs {
    /// Add a key `ID:TYPE:PUBLIC:PURPOSES` (TYPE sr25519|ed25519|ecdsa; PUBLIC 0x-hex or a
    /// Multikey; PURPOSES from auth,assert,invoke,agree).
    #[arg(long)]
    pub add_key: Option<String>,
    /// Replace a key's material `ID:TYPE:PUBLIC`.
    #[arg(long)]
    pub rotate_key: Option<String>,
    #[arg(long)]
    pub remove_key: Option<String>,
    /// Add a service `ID=TYPE=ENDPOINT`.
    #[arg(long)]
    pub add_service: Option<String>,
    #[arg(long)]
    pub remove_service: Option<String>,
    #[arg(long)]
    pub add_controller: Option<String>,
    #[arg(long)]
    pub remove_controller: Option<String>,
    /// Irreversible: drops keys and services and ends every role.
    #[arg(long)]
    pub deactivate: bool,
}

pub fn run<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: DidCmd) -> Result<Report, CliError> {
    match cmd {
        DidCmd::Create {
            services,
            controllers,
        } => create(ctx, &services, &controllers),
        DidCmd::Resolve { did } => {
            let did = match did {
                Some(text) => did_or_account(ctx, &text)?,
                None => own_did(ctx)?,
            };
            resolve_report(ctx, did)
        }
        DidCmd::Update { did, op } => {
            let op = operation(&op)?;
            let did = match did {
                Some(text) => parse::did(&text)?,
                None => own_did(ctx)?,
            };
            let (_, origin) = ctx.signer()?;
            let description = describe_op(&op);
            ctx.chain
                .send(&origin, ctx.suite.dids.msg(|d| d.update(did, op)))?;
            let doc = document(ctx, did)?;
            Ok(Report::new(
                format!(
                    "{}: {description} (nonce now {})\n",
                    did_to_string(&did),
                    doc.record.nonce
                ),
                json!({"did": did_to_string(&did), "operation": description, "nonce": doc.record.nonce}),
            ))
        }
        DidCmd::SignOp { did, op, out } => sign_op(ctx, did, &op, &out),
        DidCmd::Relay { file } => relay(ctx, &file),
    }
}

fn create<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    services: &[String],
    controllers: &[String],
) -> Result<Report, CliError> {
    let services = services
        .iter()
        .map(|s| service(s))
        .collect::<Result<Vec<_>, _>>()?;
    let controllers = controllers
        .iter()
        .map(|c| parse::did(c))
        .collect::<Result<Vec<_>, _>>()?;
    let (signer, origin) = ctx.signer()?;
    let content = DidCreation {
        keys: own_keys(&signer),
        services,
        controllers,
    };
    let did = ctx
        .chain
        .send(&origin, ctx.suite.dids.msg(|d| d.create_did(content)))?
        .value;
    let text = did_to_string(&did);
    Ok(Report::new(
        format!("{text}\n"),
        json!({"did": text, "account": cgrid_suite::deployment::ss58(&origin)}),
    ))
}

/// The verification methods `did create` lists for `signer`.
pub fn own_keys(signer: &Signer) -> Vec<VerificationMethod> {
    vec![
        VerificationMethod {
            id: SR25519_KEY.into(),
            key_type: KeyType::Sr25519,
            public_key: signer.public().to_vec(),
            purposes: KeyPurposes {
                authentication: true,
                assertion_method: true,
                capability_invocation: true,
                key_agreement: false,
            },
        },
        VerificationMethod {
            id: ED25519_KEY.into(),
            key_type: KeyType::Ed25519,
            public_key: signer.assertion_key().public().0.to_vec(),
            purposes: KeyPurposes {
                assertion_method: true,
                ..KeyPurposes::default()
            },
        },
    ]
}

/// The DID `text` names: a DID on this suite, or an SS58 account's current DID; refused as
/// bad input when there is none.
pub fn did_or_account<B: Backend>(ctx: &mut Ctx<'_, B>, text: &str) -> Result<DidId, CliError> {
    if text.starts_with("did:") || text.starts_with("0x") {
        let did = parse::did(text)?;
        document(ctx, did)?;
        return Ok(did);
    }
    let account = parse::account(text)?;
    account_did(ctx, &account)?
        .ok_or_else(|| CliError::input(format!("the account {text} has no DID on this suite")))
}

/// The DID bound to `account`, if any.
pub fn account_did<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    account: &AccountId32,
) -> Result<Option<DidId>, CliError> {
    use cgrid_shared::DidRegistry as _;
    let account = ink_account(account);
    Ok(ctx.chain.read(ctx.suite.dids.msg(|d| d.did_of(account)))?)
}

/// The key's own DID (refused when it has none).
pub fn own_did<B: Backend>(ctx: &mut Ctx<'_, B>) -> Result<DidId, CliError> {
    let (_, account) = ctx.signer()?;
    account_did(ctx, &account)?.ok_or_else(|| {
        CliError::input(format!(
            "the key's account {} has no DID on this suite (run `cgrid did create` first)",
            cgrid_suite::deployment::ss58(&account)
        ))
    })
}

/// A DID's document as the registry shows it now (masked fields withheld).
pub fn document<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    did: DidId,
) -> Result<MaskedView<DidDocument>, CliError> {
    ctx.chain
        .read(ctx.suite.dids.msg(|d| d.resolve(did)))?
        .ok_or_else(|| CliError::input(format!("no DID {} on this suite", did_to_string(&did))))
}

/// The DID resolution result of `did` (W3C DID Core document with metadata).
pub fn resolution<B: Backend>(ctx: &mut Ctx<'_, B>, did: DidId) -> Result<Value, CliError> {
    Ok(cgrid_vc::did_doc::resolution(&document(ctx, did)?))
}

fn resolve_report<B: Backend>(ctx: &mut Ctx<'_, B>, did: DidId) -> Result<Report, CliError> {
    let view = document(ctx, did)?;
    let doc = &view.record;
    let mut text = format!("{}\n", did_to_string(&doc.id));
    text += &format!(
        "  account     {}\n",
        cgrid_suite::deployment::ss58(&chain_account(&doc.account))
    );
    for c in &doc.controllers {
        text += &format!("  controller  {}\n", did_to_string(c));
    }
    for k in &doc.verification_methods {
        let purposes: Vec<&str> = [
            (k.purposes.authentication, "authentication"),
            (k.purposes.assertion_method, "assertionMethod"),
            (k.purposes.capability_invocation, "capabilityInvocation"),
            (k.purposes.key_agreement, "keyAgreement"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        text += &format!(
            "  key         #{} {:?} {} [{}]\n",
            k.id,
            k.key_type,
            cgrid_vc::did_doc::multikey(k.key_type, &k.public_key),
            purposes.join(", ")
        );
    }
    for s in &doc.services {
        text += &format!(
            "  service     #{} {} {}\n",
            s.id, s.service_type, s.endpoint
        );
    }
    text += &format!(
        "  versionId   {}{}\n",
        doc.nonce,
        if doc.deactivated {
            "  (deactivated)"
        } else {
            ""
        }
    );
    if let Some(m) = &view.masked {
        text += &format!(
            "  MASKED      by {} since {} (reason {}); withheld: {}\n",
            cgrid_suite::deployment::ss58(&chain_account(&m.by)),
            cgrid_vc::rfc3339(m.since),
            m.reason_code,
            m.withheld.join(", ")
        );
    }
    Ok(Report::new(text, cgrid_vc::did_doc::resolution(&view)))
}

/// A service `ID=TYPE=ENDPOINT`.
fn service(text: &str) -> Result<Service, CliError> {
    let mut parts = text.splitn(3, '=');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(service_type), Some(endpoint))
            if !id.is_empty() && !service_type.is_empty() && !endpoint.is_empty() =>
        {
            Ok(Service {
                id: id.into(),
                service_type: service_type.into(),
                endpoint: endpoint.into(),
            })
        }
        _ => Err(CliError::input(format!(
            "service {text:?} is not ID=TYPE=ENDPOINT"
        ))),
    }
}

fn key_type(text: &str) -> Result<KeyType, CliError> {
    match text.to_ascii_lowercase().as_str() {
        "sr25519" => Ok(KeyType::Sr25519),
        "ed25519" => Ok(KeyType::Ed25519),
        "ecdsa" | "secp256k1" => Ok(KeyType::Ecdsa),
        _ => Err(CliError::input(format!(
            "key type {text:?} is not sr25519, ed25519 or ecdsa"
        ))),
    }
}

fn public_key(key_type: KeyType, text: &str) -> Result<Vec<u8>, CliError> {
    let raw = if text.starts_with('z') {
        let (t, raw) = cgrid_vc::did_doc::parse_multikey(text).map_err(CliError::Input)?;
        if t != key_type {
            return Err(CliError::input(format!(
                "the Multikey {text} is a {t:?} key, not {key_type:?}"
            )));
        }
        raw
    } else {
        hex::decode(text.trim_start_matches("0x"))
            .map_err(|_| CliError::input(format!("public key {text:?} is not hex or a Multikey")))?
    };
    if raw.len() != key_type.public_key_len() {
        return Err(CliError::input(format!(
            "a {key_type:?} public key is {} bytes, {text:?} is {}",
            key_type.public_key_len(),
            raw.len()
        )));
    }
    Ok(raw)
}

fn purposes(text: &str) -> Result<KeyPurposes, CliError> {
    let mut p = KeyPurposes::default();
    for word in text.split(',') {
        match word {
            "auth" | "authentication" => p.authentication = true,
            "assert" | "assertionMethod" => p.assertion_method = true,
            "invoke" | "capabilityInvocation" => p.capability_invocation = true,
            "agree" | "keyAgreement" => p.key_agreement = true,
            _ => {
                return Err(CliError::input(format!(
                    "key purpose {word:?} is not auth, assert, invoke or agree"
                )))
            }
        }
    }
    Ok(p)
}

/// The change `op` describes.
pub fn operation(op: &OpArgs) -> Result<DidOperation, CliError> {
    if let Some(text) = &op.add_key {
        let parts: Vec<&str> = text.split(':').collect();
        let [id, t, public, p] = parts.as_slice() else {
            return Err(CliError::input(format!(
                "--add-key {text:?} is not ID:TYPE:PUBLIC:PURPOSES"
            )));
        };
        let key_type = key_type(t)?;
        return Ok(DidOperation::AddKey(VerificationMethod {
            id: (*id).into(),
            key_type,
            public_key: public_key(key_type, public)?,
            purposes: purposes(p)?,
        }));
    }
    if let Some(text) = &op.rotate_key {
        let parts: Vec<&str> = text.split(':').collect();
        let [id, t, public] = parts.as_slice() else {
            return Err(CliError::input(format!(
                "--rotate-key {text:?} is not ID:TYPE:PUBLIC"
            )));
        };
        let key_type = key_type(t)?;
        return Ok(DidOperation::RotateKey {
            id: (*id).into(),
            key_type,
            public_key: public_key(key_type, public)?,
        });
    }
    if let Some(id) = &op.remove_key {
        return Ok(DidOperation::RemoveKey { id: id.clone() });
    }
    if let Some(text) = &op.add_service {
        return Ok(DidOperation::AddService(service(text)?));
    }
    if let Some(id) = &op.remove_service {
        return Ok(DidOperation::RemoveService { id: id.clone() });
    }
    if let Some(did) = &op.add_controller {
        return Ok(DidOperation::AddController(parse::did(did)?));
    }
    if let Some(did) = &op.remove_controller {
        return Ok(DidOperation::RemoveController(parse::did(did)?));
    }
    if op.deactivate {
        return Ok(DidOperation::Deactivate);
    }
    Err(CliError::input(
        "name one change (see `cgrid did update --help`)",
    ))
}

/// One line about a change.
pub fn describe_op(op: &DidOperation) -> String {
    match op {
        DidOperation::AddKey(k) => format!("added key #{} ({:?})", k.id, k.key_type),
        DidOperation::RemoveKey { id } => format!("removed key #{id}"),
        DidOperation::RotateKey { id, key_type, .. } => format!("rotated key #{id} ({key_type:?})"),
        DidOperation::AddService(s) => format!("added service #{}", s.id),
        DidOperation::RemoveService { id } => format!("removed service #{id}"),
        DidOperation::AddController(c) => format!("added controller {}", did_to_string(c)),
        DidOperation::RemoveController(c) => format!("removed controller {}", did_to_string(c)),
        DidOperation::Deactivate => "deactivated".into(),
    }
}

/// The id of `doc`'s key of type `key_type` whose public key is `public` and that has the
/// relationship `wanted`.
pub fn key_id_for(
    doc: &DidDocument,
    key_type: KeyType,
    public: &[u8],
    wanted: impl Fn(&KeyPurposes) -> bool,
) -> Option<String> {
    doc.verification_methods
        .iter()
        .find(|k| k.key_type == key_type && k.public_key == public && wanted(&k.purposes))
        .map(|k| k.id.clone())
}

fn sign_op<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    did: Option<String>,
    op: &OpArgs,
    out: &std::path::Path,
) -> Result<Report, CliError> {
    let op = operation(op)?;
    let (signer, _) = ctx.signer()?;
    let signer_did = own_did(ctx)?;
    let did = match did {
        Some(text) => parse::did(&text)?,
        None => signer_did,
    };
    let signer_doc = document(ctx, signer_did)?.record;
    let key_id = key_id_for(&signer_doc, KeyType::Sr25519, &signer.public(), |p| {
        p.capability_invocation
    })
    .ok_or_else(|| {
        CliError::input(format!(
            "{} lists no sr25519 capabilityInvocation key of this key file",
            did_to_string(&signer_did)
        ))
    })?;
    let nonce = document(ctx, did)?.record.nonce;
    let registry = ink_account(&ctx.suite.dids.address);
    let signature = signer.sign(&did_op_preimage(
        &registry,
        &did,
        nonce,
        &signer_did,
        &key_id,
        &op,
    ));
    let description = describe_op(&op);
    let file = json!({
        "format": 1,
        "kind": OP_FILE_KIND,
        "registry": cgrid_suite::deployment::ss58(&ctx.suite.dids.address),
        "did": did_to_string(&did),
        "nonce": nonce,
        "signer": did_to_string(&signer_did),
        "keyId": key_id,
        "description": description,
        "operation": hex0x(&op.encode()),
        "signature": hex0x(&signature),
    });
    parse::write_new(
        out,
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&file).unwrap_or_default()
        ),
    )?;
    Ok(Report::new(
        format!(
            "signed \"{description}\" on {} at nonce {nonce}; wrote {}\n",
            did_to_string(&did),
            out.display()
        ),
        file,
    ))
}

fn relay<B: Backend>(ctx: &mut Ctx<'_, B>, path: &std::path::Path) -> Result<Report, CliError> {
    let file = parse::KindFile::read("a signed DID operation", OP_FILE_KIND, path)?;
    let registry = cgrid_suite::deployment::ss58(&ctx.suite.dids.address);
    if file.text("registry")? != registry {
        return Err(CliError::input(format!(
            "{} was signed for the registry {}, not this suite's {registry}",
            path.display(),
            file.text("registry")?
        )));
    }
    let did = parse::did(file.text("did")?)?;
    let signer = parse::did(file.text("signer")?)?;
    let key_id = file.text("keyId")?.to_string();
    let nonce = file.number("nonce")?;
    let op: DidOperation = file.decode("operation", "a DID operation")?;
    let signature = file.signature("signature")?;
    let (_, origin) = ctx.signer()?;
    let description = describe_op(&op);
    ctx.chain.send(
        &origin,
        ctx.suite.dids.msg(|d| {
            d.execute_signed(
                did,
                nonce,
                op,
                signer,
                key_id,
                DidSignature::Sr25519(signature),
            )
        }),
    )?;
    Ok(Report::new(
        format!("relayed \"{description}\" on {}\n", did_to_string(&did)),
        json!({"did": did_to_string(&did), "operation": description, "nonce": nonce}),
    ))
}
