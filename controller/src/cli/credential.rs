//! `cgrid credential`: issue a W3C VC 2.0 credential (validated against its template, anchored
//! in vc_templates, with the issuer's chain-anchor proofs and a W3C Data Integrity proof),
//! verify a credential or presentation against the chain, present selectively, and change a
//! credential's status.

use super::admin::template;
use super::did::{did_or_account, document, key_id_for, own_did, resolution};
use super::mask::credential_id;
use super::parse::{self, hex0x};
use super::{CliError, Ctx, Report};
use cgrid_shared::{did_to_string, CptId, CredentialRegistry as _, KeyType};
use cgrid_suite::Backend;
use cgrid_vc::{Credential, Presentation};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug, Clone)]
pub enum CredentialCmd {
    /// Issuers: issues a credential to a subject from a claims file and anchors it; writes
    /// the holder's W3C VC 2.0 file to --out (never overwritten).
    Issue {
        #[arg(long)]
        cpt: CptId,
        /// The subject: a DID or an SS58 account.
        #[arg(long)]
        subject: String,
        /// A JSON object of claims, validated against the template.
        #[arg(long)]
        claims: PathBuf,
        /// `+365d`, `YYYY-MM-DD` or ms (default: never).
        #[arg(long)]
        expires: Option<String>,
        #[arg(long)]
        out: PathBuf,
        /// Seal the claims under this access tree (`{"and"|"or": [...]}`, `{"attr": "…"}`) with
        /// CP-ABE: --out gets the encrypted credential, the anchor the ciphertext's hash and
        /// the tree's id.
        #[arg(long, requires = "abe_public")]
        encrypt: Option<PathBuf>,
        /// The attribute authority's public parameters (`cgrid abe setup`).
        #[arg(long, requires = "encrypt")]
        abe_public: Option<PathBuf>,
    },
    /// Verifies a credential or presentation file against the chain: proofs, anchor, status,
    /// expiry and masks. Exit 0 valid, 1 invalid (with the reason).
    Verify {
        file: PathBuf,
        /// For a predicate proof: this verifier's audience string (the proof must name it).
        #[arg(long)]
        audience: Option<String>,
    },
    /// Holders: a W3C VerifiablePresentation disclosing only the named claims.
    Present(PresentArgs),
    /// Whoever holds satisfying attributes (no chain): the full credential of an encrypted
    /// one, written to --out (never overwritten); "policy not satisfied" names what the key
    /// lacks.
    Decrypt(DecryptArgs),
    /// The issuer (or an authority): suspends a credential.
    Suspend { id: String },
    /// The issuer (or an authority): lifts a suspension.
    Unsuspend { id: String },
    /// The issuer (or an authority): revokes a credential for good.
    Revoke { id: String },
}

#[derive(Args, Debug, Clone)]
pub struct DecryptArgs {
    /// The encrypted credential file.
    pub file: PathBuf,
    /// The holder's attribute key (`cgrid abe keygen`).
    #[arg(long)]
    pub abe_key: PathBuf,
    /// The attribute authority's public parameters (with its revocation list).
    #[arg(long)]
    pub abe_public: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct PresentArgs {
    /// The holder's credential file.
    pub file: PathBuf,
    /// The claims to disclose, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "prove",
        conflicts_with = "prove"
    )]
    pub reveal: Vec<String>,
    /// Instead of disclosing: prove a numeric claim's predicate without its value
    /// (`greenShare>=60`, `greenShare<=90`, `greenShare in 60..90`; the template is read from
    /// the chain).
    #[arg(long, requires = "audience")]
    pub prove: Option<String>,
    /// Whom the predicate proof is for (the verifier's name or nonce; it checks its own).
    #[arg(long)]
    pub audience: Option<String>,
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: CredentialCmd) -> Result<Report, CliError> {
    match cmd {
        CredentialCmd::Issue {
            cpt,
            subject,
            claims,
            expires,
            out,
            encrypt,
            abe_public,
        } => {
            let sealing = match (encrypt, abe_public) {
                (Some(tree), Some(public)) => Some((
                    super::abe::access_tree(&tree)?,
                    super::abe::public_params(&public)?,
                )),
                _ => None,
            };
            issue(
                ctx,
                cpt,
                &subject,
                &claims,
                expires.as_deref(),
                &out,
                sealing.as_ref(),
            )
        }
        CredentialCmd::Verify { file, audience } => verify(ctx, &file, audience.as_deref()),
        CredentialCmd::Present(args) if args.prove.is_some() => prove(ctx, args),
        CredentialCmd::Present(args) => present(args),
        CredentialCmd::Decrypt(args) => decrypt(args),
        CredentialCmd::Suspend { id } => status(ctx, &id, Status::Suspend),
        CredentialCmd::Unsuspend { id } => status(ctx, &id, Status::Unsuspend),
        CredentialCmd::Revoke { id } => status(ctx, &id, Status::Revoke),
    }
}

fn issue<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    cpt: CptId,
    subject: &str,
    claims_path: &Path,
    expires: Option<&str>,
    out: &Path,
    sealing: Option<&(cgrid_vc::abe::AccessTree, cgrid_vc::abe::PublicParams)>,
) -> Result<Report, CliError> {
    if out.exists() {
        return Err(CliError::input(format!(
            "{} already exists; cgrid never overwrites a file",
            out.display()
        )));
    }
    let claims = parse::read_json("claims file", claims_path)?;
    let template = template(ctx, cpt)?.record.template;
    let (signer, origin) = ctx.signer()?;
    let issuer = own_did(ctx)?;
    let issuer_doc = document(ctx, issuer)?.record;
    let key_id = key_id_for(&issuer_doc, KeyType::Sr25519, &signer.public(), |p| {
        p.assertion_method
    })
    .ok_or_else(|| {
        CliError::input(format!(
            "{} lists no sr25519 assertionMethod key of this key file",
            did_to_string(&issuer)
        ))
    })?;
    let assertion = signer.assertion_key();
    let integrity_id = key_id_for(
        &issuer_doc,
        KeyType::Ed25519,
        &sp_core::Pair::public(&assertion).0,
        |p| p.assertion_method,
    );
    let subject = did_or_account(ctx, subject)?;
    document(ctx, subject)?;
    let now = ctx.now();
    let expires_at = expires.map(|t| parse::time(t, now)).transpose()?;
    if expires_at.is_some_and(|t| t <= now) {
        return Err(CliError::input("--expires is not in the future"));
    }
    let issued = cgrid_vc::issue(cgrid_vc::IssueInput {
        registry: ctx.suite.vcs.account(),
        cpt_id: cpt,
        template: &template,
        issuer,
        issuer_key_id: &key_id,
        issuer_key: signer.pair(),
        subject,
        claims,
        issued_at: now,
        expires_at,
        integrity: integrity_id
            .as_deref()
            .map(|key_id| cgrid_vc::IntegrityKey {
                key: &assertion,
                key_id,
            }),
        encrypt: sealing.map(|(tree, params)| cgrid_vc::encrypted::Encrypt {
            params,
            tree,
            epoch: cgrid_vc::abe::Epoch::of_millis(now),
        }),
    })
    .map_err(|e| CliError::input(format!("{}: {e}", claims_path.display())))?;
    // The holder's copy (with the salts) is stored before the anchor is sent: a credential
    // anchored without its file could never be shown.
    let text = match &issued.encrypted {
        Some(sealed) => serde_json::to_string_pretty(sealed),
        None => serde_json::to_string_pretty(&issued.credential),
    }
    .map_err(|e| CliError::Failed(e.to_string()))?;
    parse::write_new(out, &format!("{text}\n"))?;
    let request = issued.request.clone();
    let proof = Some(issued.proof());
    let sent = ctx
        .chain
        .send(&origin, ctx.suite.vcs.msg(|v| v.issue(request, proof)));
    if let Err(e) = sent {
        // Nothing was anchored: the file this command wrote describes nothing.
        let _ = std::fs::remove_file(out);
        return Err(e.into());
    }
    let id = hex0x(&issued.request.id);
    Ok(Report::new(
        format!(
            "issued credential {id} (template {cpt}) to {}; wrote {}{}\n",
            did_to_string(&subject),
            out.display(),
            if integrity_id.is_none() {
                "\n  note: the issuer DID lists no Ed25519 assertion key of this key file, so the credential has no Data Integrity proof"
            } else {
                ""
            }
        ),
        json!({
            "id": id,
            "cpt": cpt,
            "subject": did_to_string(&subject),
            "file": out.display().to_string(),
            "dataIntegrity": integrity_id.is_some(),
            "policyId": issued.request.policy_id.map(|p| hex0x(&p)),
            "ciphertextHash": issued.request.ciphertext_hash.map(|c| hex0x(&c)),
        }),
    ))
}

/// The issuer's sr25519 anchor key named by `method` (`did…#fragment`), from its document.
fn anchor_key(resolved: &Value, method: &str) -> Result<[u8; 32], CliError> {
    let (key_type, key) = cgrid_vc::did_doc::verification_key(resolved, method)
        .map_err(|e| CliError::Invalid(format!("the issuer's key {method}: {e}")))?;
    if key_type != KeyType::Sr25519
        || !cgrid_vc::did_doc::has_relationship(resolved, "assertionMethod", method)
    {
        return Err(CliError::Invalid(format!(
            "{method} is not an sr25519 assertionMethod key of the issuer"
        )));
    }
    <[u8; 32]>::try_from(key.as_slice())
        .map_err(|_| CliError::Invalid(format!("{method} is not a 32-byte key")))
}

/// Checks every `eddsa-jcs-2022` Data Integrity proof of `secured` against the issuer's
/// current document; returns how many there were.
fn check_integrity(secured: &Value, resolved: &Value) -> Result<usize, CliError> {
    let count = match secured.get("proof") {
        Some(Value::Array(proofs)) => proofs
            .iter()
            .filter(|p| p.get("type").and_then(Value::as_str) == Some("DataIntegrityProof"))
            .count(),
        Some(p) if p.get("type").and_then(Value::as_str) == Some("DataIntegrityProof") => 1,
        _ => 0,
    };
    if count == 0 {
        return Ok(0);
    }
    cgrid_vc::integrity::verify_proof(secured, |method| {
        let (key_type, key) = cgrid_vc::did_doc::verification_key(resolved, method)?;
        if key_type != KeyType::Ed25519
            || !cgrid_vc::did_doc::has_relationship(resolved, "assertionMethod", method)
        {
            return Err(format!("{method} is not an Ed25519 assertionMethod key"));
        }
        <[u8; 32]>::try_from(key.as_slice()).map_err(|_| "not 32 bytes".to_string())
    })
    .map_err(|e| CliError::Invalid(format!("the Data Integrity proof: {e}")))?;
    Ok(count)
}

fn verify<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    path: &Path,
    audience: Option<&str>,
) -> Result<Report, CliError> {
    let v = parse::read_json("credential", path)?;
    let types: Vec<&str> = v
        .get("type")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if types.contains(&"VerifiablePresentation") {
        return verify_presentation(ctx, path, &v);
    }
    if v.get("kind").and_then(Value::as_str) == Some(cgrid_vc::encrypted::KIND) {
        return verify_encrypted(ctx, path, &v);
    }
    if v.get("kind").and_then(Value::as_str) == Some(cgrid_vc::predicate::KIND) {
        let audience = audience.ok_or_else(|| {
            CliError::input("a predicate proof is checked for a verifier: pass --audience")
        })?;
        return verify_predicate(ctx, path, &v, audience);
    }
    let credential = credential_from(v.clone(), path)?;
    let Anchored {
        id,
        view,
        template,
        resolved,
        public,
        now,
    } = anchored(ctx, (&credential).into())?;
    credential
        .verify(&template, view.as_ref().map(|m| &m.record), &public, now)
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    let integrity = check_integrity(&v, &resolved)?;
    let marker = view.as_ref().and_then(|m| m.masked.as_ref());
    let shown = credential.read_view(marker);
    let mut text = format!(
        "valid: credential {} (template {}) issued by {} to {}\n",
        hex0x(&id),
        credential.cgrid.cpt_id,
        credential.issuer,
        shown.subject.as_deref().unwrap_or("(withheld)")
    );
    text += &format!(
        "  anchor: active, unexpired, root and issuer signatures match; Data Integrity proofs: {integrity}\n"
    );
    for (k, value) in &shown.claims {
        text += &format!("  {k}: {value}\n");
    }
    if let Some(m) = &shown.masked {
        text += &format!(
            "  MASKED by {} since {} (reason {}); withheld: {}\n",
            m.by,
            m.since,
            m.reason_code,
            m.withheld.join(", ")
        );
    }
    Ok(Report::new(
        text,
        json!({
            "valid": true,
            "id": hex0x(&id),
            "dataIntegrityProofs": integrity,
            "view": serde_json::to_value(&shown).unwrap_or_default(),
        }),
    ))
}

/// The credential in `v`, read from `path` (named in the error).
fn credential_from(v: Value, path: &Path) -> Result<Credential, CliError> {
    serde_json::from_value(v)
        .map_err(|e| CliError::input(format!("{} is not a cgrid credential: {e}", path.display())))
}

/// What a credential is checked against: its anchor (as `verify` reads it), its template, the
/// issuer's resolved DID document and anchor key, and the chain's time.
struct Anchored {
    id: [u8; 32],
    view: Option<cgrid_shared::MaskedView<cgrid_shared::CredentialView>>,
    template: cgrid_shared::CptTemplate,
    resolved: Value,
    public: [u8; 32],
    now: u64,
}

/// What names a credential's anchor: the fields a credential, an encrypted credential and a
/// predicate proof share.
struct AnchorRef<'a> {
    credential_id: &'a str,
    registry: &'a str,
    cpt_id: cgrid_shared::CptId,
    issuer: &'a str,
    /// The anchor proof's verification method (`None`: the document has no anchor proof).
    method: Option<&'a str>,
}

impl<'a> From<&'a Credential> for AnchorRef<'a> {
    fn from(c: &'a Credential) -> Self {
        AnchorRef {
            credential_id: &c.cgrid.credential_id,
            registry: &c.cgrid.registry,
            cpt_id: c.cgrid.cpt_id,
            issuer: &c.issuer,
            method: c.proof.first().map(|p| p.verification_method.as_str()),
        }
    }
}

fn anchored<B: Backend>(ctx: &mut Ctx<'_, B>, r: AnchorRef<'_>) -> Result<Anchored, CliError> {
    let id = credential_id(r.credential_id)?;
    let registry = hex0x(ctx.suite.vcs.account().as_ref());
    if !r.registry.eq_ignore_ascii_case(&registry) {
        return Err(CliError::Invalid(format!(
            "the credential was anchored in the registry {}, not this suite's {registry}",
            r.registry
        )));
    }
    let view = ctx.chain.read(ctx.suite.vcs.msg(|m| m.verify(id)))?;
    let template = template(ctx, r.cpt_id)?.record.template;
    let issuer = parse::did(r.issuer).map_err(|e| CliError::Invalid(format!("the issuer: {e}")))?;
    let resolved = resolution(ctx, issuer).map_err(|e| CliError::Invalid(e.to_string()))?;
    let method = r
        .method
        .ok_or_else(|| CliError::Invalid("the credential has no anchor proof".into()))?;
    let public = anchor_key(&resolved, method)?;
    let now = ctx.now();
    Ok(Anchored {
        id,
        view,
        template,
        resolved,
        public,
        now,
    })
}

/// An encrypted credential, checked against its anchor without decrypting it.
fn verify_encrypted<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    path: &Path,
    v: &Value,
) -> Result<Report, CliError> {
    let enc = cgrid_vc::encrypted::EncryptedCredential::from_json(v).map_err(|e| {
        CliError::input(format!(
            "{} is not an encrypted credential: {e}",
            path.display()
        ))
    })?;
    let credential = &enc.credential;
    let Anchored {
        id,
        view,
        template,
        public,
        now,
        ..
    } = anchored(ctx, credential.into())?;
    enc.verify(&template, view.as_ref().map(|m| &m.record), &public, now)
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(Report::new(
        format!(
            "valid: encrypted credential {} (template {}) issued by {}; claims sealed under policy {} ({}, sealed {})
  anchor: active, unexpired, ciphertext hash and policy id match, issuer signature matches
",
            hex0x(&id),
            credential.cgrid.cpt_id,
            credential.issuer,
            enc.sealed.policy_id,
            enc.sealed.policy,
            enc.sealed.epoch
        ),
        json!({
            "valid": true,
            "encrypted": true,
            "id": hex0x(&id),
            "policyId": enc.sealed.policy_id,
            "policy": enc.sealed.policy,
        }),
    ))
}

/// `credential present --prove`: a predicate proof of the holder's credential.
fn prove<B: Backend>(ctx: &mut Ctx<'_, B>, args: PresentArgs) -> Result<Report, CliError> {
    let (text, audience) = (
        args.prove.unwrap_or_default(),
        args.audience.unwrap_or_default(),
    );
    let credential = credential_from(parse::read_json("credential", &args.file)?, &args.file)?;
    let template = template(ctx, credential.cgrid.cpt_id)?.record.template;
    let predicate = cgrid_vc::predicate::Predicate::parse(&text, &template)
        .map_err(|e| CliError::input(e.to_string()))?;
    let proof = credential
        .prove(&predicate, &audience)
        .map_err(|e| CliError::input(e.to_string()))?;
    let json_text =
        serde_json::to_string_pretty(&proof).map_err(|e| CliError::Failed(e.to_string()))?;
    parse::write_new(&args.out, &format!("{json_text}\n"))?;
    Ok(Report::new(
        format!(
            "wrote {} proving {} for {audience} (the value is not in it)\n",
            args.out.display(),
            proof.predicate
        ),
        json!({"file": args.out, "predicate": proof.predicate, "audience": audience}),
    ))
}

/// A predicate proof, checked against the credential's anchor and the issuer's key.
fn verify_predicate<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    path: &Path,
    v: &Value,
    audience: &str,
) -> Result<Report, CliError> {
    let proof = cgrid_vc::predicate::PredicateProof::from_json(v).map_err(|e| {
        CliError::input(format!("{} is not a predicate proof: {e}", path.display()))
    })?;
    let Anchored {
        id,
        view,
        template,
        public,
        now,
        ..
    } = anchored(
        ctx,
        AnchorRef {
            credential_id: &proof.credential_id,
            registry: &proof.registry,
            cpt_id: proof.cpt_id,
            issuer: &proof.issuer,
            method: Some(&proof.verification_method),
        },
    )?;
    proof
        .verify(
            &template,
            view.as_ref().map(|m| &m.record),
            &public,
            audience,
            now,
        )
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(Report::new(
        format!(
            "valid: {} holds for credential {} issued by {} (anchor active; the value is not shown)\n",
            proof.predicate,
            hex0x(&id),
            proof.issuer
        ),
        json!({"valid": true, "predicate": proof.predicate, "id": hex0x(&id)}),
    ))
}

/// `credential decrypt`: the full credential, when the key satisfies the tree.
pub fn decrypt(args: DecryptArgs) -> Result<Report, CliError> {
    if args.out.exists() {
        return Err(CliError::input(format!(
            "{} already exists; cgrid never overwrites a file",
            args.out.display()
        )));
    }
    let v = parse::read_json("encrypted credential", &args.file)?;
    let enc = cgrid_vc::encrypted::EncryptedCredential::from_json(&v).map_err(|e| {
        CliError::input(format!(
            "{} is not an encrypted credential: {e}",
            args.file.display()
        ))
    })?;
    let params = super::abe::public_params(&args.abe_public)?;
    let key = super::abe::attribute_key(&args.abe_key)?;
    let full = enc
        .decrypt(&params, &key)
        .map_err(|e| CliError::Refused(e.to_string()))?;
    let text = serde_json::to_string_pretty(&full).map_err(|e| CliError::Failed(e.to_string()))?;
    parse::write_new(&args.out, &format!("{text}\n"))?;
    Ok(Report::new(
        format!(
            "decrypted credential {}; the full credential is in {} (verify and present it as any other)\n",
            full.cgrid.credential_id,
            args.out.display()
        ),
        json!({"id": full.cgrid.credential_id, "out": args.out}),
    ))
}

fn verify_presentation<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    path: &Path,
    v: &Value,
) -> Result<Report, CliError> {
    let presentation = Presentation::from_w3c(v).map_err(|e| {
        CliError::input(format!(
            "{} is not a cgrid presentation: {e}",
            path.display()
        ))
    })?;
    let id = credential_id(&presentation.credential_id)?;
    let view = ctx.chain.read(ctx.suite.vcs.msg(|r| r.verify(id)))?;
    let template = template(ctx, presentation.cpt_id)?.record.template;
    let issuer = parse::did(&presentation.issuer)
        .map_err(|e| CliError::Invalid(format!("the issuer: {e}")))?;
    let issuer_doc = document(ctx, issuer)
        .map_err(|e| CliError::Invalid(e.to_string()))?
        .record;
    // The anchor proof's key: the issuer's sr25519 assertion key (a presentation carries the
    // anchor signature, not its method; every sr25519 assertion key of the issuer is tried).
    let now = ctx.now();
    let mut last = None;
    for key in issuer_doc
        .verification_methods
        .iter()
        .filter(|k| k.key_type == KeyType::Sr25519 && k.purposes.assertion_method)
    {
        let Ok(public) = <[u8; 32]>::try_from(key.public_key.as_slice()) else {
            continue;
        };
        match presentation.verify(&template, view.as_ref().map(|m| &m.record), &public, now) {
            Ok(mut disclosed) => {
                // A regulator's mask binds presentations too: what it withholds is not shown,
                // even when the holder disclosed it.
                let marker = view.as_ref().and_then(|m| m.masked.as_ref());
                let withheld: Vec<String> = disclosed
                    .keys()
                    .filter(|k| marker.is_some_and(|m| m.scope.withholds(k)))
                    .cloned()
                    .collect();
                disclosed.retain(|k, _| !withheld.contains(k));
                let whole = marker.is_some_and(|m| m.scope == cgrid_shared::Scope::Whole);
                let subject = if whole {
                    "(withheld)"
                } else {
                    presentation.subject.as_str()
                };
                let mut text = format!(
                    "valid: presentation of credential {} issued by {} to {subject}\n",
                    hex0x(&id),
                    presentation.issuer,
                );
                for (k, value) in &disclosed {
                    text += &format!("  {k}: {value}\n");
                }
                if let Some(m) = marker {
                    text += &format!(
                        "  MASKED (reason {}); withheld: {}\n",
                        m.reason_code,
                        withheld.join(", ")
                    );
                }
                return Ok(Report::new(
                    text,
                    json!({
                        "valid": true,
                        "id": hex0x(&id),
                        "disclosed": disclosed,
                        "masked": marker.is_some(),
                        "withheld": withheld,
                    }),
                ));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(CliError::Invalid(match last {
        Some(e) => e.to_string(),
        None => "the issuer lists no sr25519 assertion key".into(),
    }))
}

/// Writes a selective-disclosure presentation (no chain needed).
pub fn present(args: PresentArgs) -> Result<Report, CliError> {
    let credential = credential_from(parse::read_json("credential", &args.file)?, &args.file)?;
    let fields: Vec<&str> = args.reveal.iter().map(String::as_str).collect();
    let presentation = credential
        .present(&fields)
        .map_err(|e| CliError::input(e.to_string()))?;
    let w3c = presentation.to_w3c();
    parse::write_new(
        &args.out,
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&w3c).unwrap_or_default()
        ),
    )?;
    Ok(Report::new(
        format!(
            "wrote {} disclosing {}\n",
            args.out.display(),
            fields.join(", ")
        ),
        json!({ "file": args.out.display().to_string(), "disclosed": fields }),
    ))
}

/// A status change.
#[derive(Clone, Copy)]
enum Status {
    Suspend,
    Unsuspend,
    Revoke,
}

fn status<B: Backend>(ctx: &mut Ctx<'_, B>, id: &str, change: Status) -> Result<Report, CliError> {
    let id = credential_id(id)?;
    let (_, origin) = ctx.signer()?;
    let vcs = &ctx.suite.vcs;
    let verb = match change {
        Status::Suspend => {
            ctx.chain.send(&origin, vcs.msg(|v| v.suspend(id)))?;
            "suspended"
        }
        Status::Unsuspend => {
            ctx.chain.send(&origin, vcs.msg(|v| v.unsuspend(id)))?;
            "unsuspended"
        }
        Status::Revoke => {
            ctx.chain.send(&origin, vcs.msg(|v| v.revoke(id)))?;
            "revoked"
        }
    };
    Ok(Report::new(
        format!("{verb} credential {}\n", hex0x(&id)),
        json!({ "id": hex0x(&id), "status": verb }),
    ))
}
