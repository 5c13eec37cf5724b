//! The operator's commands: authorities and the root hand-over, KYC roles, credential
//! templates (CPTs).

use super::did::{did_or_account, own_did};
use super::parse::{self, hex0x, role_name};
use super::{CliError, Ctx, Report};
use cgrid_shared::{did_to_string, CptId, CptProperty, CptTemplate, PropertyType, Publisher};
use cgrid_suite::deployment::ss58;
use cgrid_suite::{chain_account, ink_account, Backend};
use clap::Subcommand;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

#[derive(Subcommand, Debug, Clone)]
pub enum AccountCmd {
    /// Shows an account's free balance and its DID.
    Show { account: String },
    /// Tops an account up to --to from the key's account (onboarding parties on a chain the
    /// operator runs).
    TopUp {
        account: String,
        #[arg(long)]
        to: u128,
    },
    /// Takes the key's deferred payouts: what the escrow or the auction kept for this account
    /// because the chain refused a transfer to it (e.g. an account below the existential
    /// deposit). `account show` lists them.
    Withdraw,
}

#[derive(Subcommand, Debug, Clone)]
pub enum AuthorityCmd {
    /// Root only: makes an account an authority (it may grant roles and publish templates).
    Add { account: String },
    /// Root only: removes an authority.
    Remove { account: String },
}

#[derive(Subcommand, Debug, Clone)]
pub enum RootCmd {
    /// Root only: proposes the next root (it must accept); --cancel withdraws the proposal.
    Transfer {
        account: Option<String>,
        #[arg(long, conflicts_with = "account")]
        cancel: bool,
    },
    /// The proposed next root takes over.
    Accept,
    /// Shows the root and a pending hand-over.
    Show,
}

#[derive(Subcommand, Debug, Clone)]
pub enum RoleCmd {
    /// Authorities: grants a role to a DID until --expires, recording the KYC evidence's hash.
    Grant {
        /// A DID or an SS58 account.
        did: String,
        #[arg(long)]
        role: String,
        /// `+365d`, `YYYY-MM-DD` or ms since the epoch.
        #[arg(long)]
        expires: String,
        /// The KYC evidence file (its blake2-256 is recorded on chain).
        #[arg(long, conflicts_with = "evidence_hash")]
        evidence: Option<PathBuf>,
        /// ... or the evidence's 32-byte hash.
        #[arg(long)]
        evidence_hash: Option<String>,
    },
    /// Authorities: revokes a role.
    Revoke {
        did: String,
        #[arg(long)]
        role: String,
    },
    /// Lists a DID's roles with their expiry and evidence.
    List { did: String },
}

#[derive(Subcommand, Debug, Clone)]
pub enum CptCmd {
    /// Registers a template from a template file (authorities publish for the platform;
    /// --as-issuer publishes under the key's issuer DID).
    Register {
        #[arg(long)]
        file: PathBuf,
        /// The id (authorities: below 1,000,000; default: the next free one).
        #[arg(long)]
        id: Option<CptId>,
        /// The template this one supersedes.
        #[arg(long)]
        predecessor: Option<CptId>,
        #[arg(long)]
        as_issuer: bool,
    },
    /// Shows a template (--schema: its JSON Schema, the `credentialSchema` credentials name).
    Show {
        id: CptId,
        #[arg(long)]
        schema: bool,
    },
}

pub fn account<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: AccountCmd) -> Result<Report, CliError> {
    match cmd {
        AccountCmd::Show { account: text } => {
            let account = parse::account(&text)?;
            let balance = ctx.chain.balance(&account);
            let did = super::did::account_did(ctx, &account)?.map(|d| did_to_string(&d));
            let (escrow, auction) = unclaimed(ctx, &account)?;
            let mut out = format!(
                "{text}\n  balance {balance}\n  DID     {}\n",
                did.as_deref().unwrap_or("none")
            );
            if escrow > 0 || auction > 0 {
                out += &format!(
                    "  unclaimed payouts: escrow {escrow}, auction {auction} (cgrid account withdraw)\n"
                );
            }
            Ok(Report::new(
                out,
                json!({
                    "account": text,
                    "balance": balance.to_string(),
                    "did": did,
                    "unclaimed": { "escrow": escrow.to_string(), "auction": auction.to_string() },
                }),
            ))
        }
        AccountCmd::Withdraw => {
            let (_, me) = ctx.signer()?;
            let (escrow, auction) = unclaimed(ctx, &me)?;
            if escrow == 0 && auction == 0 {
                return Err(CliError::input(format!(
                    "nothing to withdraw: neither the escrow nor the auction holds payouts for {}",
                    ss58(&me)
                )));
            }
            let mut taken = (0, 0);
            if escrow > 0 {
                let escrow_msg = ctx.suite.escrow.msg(|e| e.withdraw_unclaimed());
                taken.0 = ctx.chain.send(&me, escrow_msg)?.value;
            }
            if auction > 0 {
                let auction_msg = ctx.suite.auction.msg(|a| a.withdraw_unclaimed());
                taken.1 = ctx.chain.send(&me, auction_msg)?.value;
            }
            Ok(Report::new(
                format!(
                    "withdrew {} (escrow {}, auction {}) to {}\n",
                    taken.0 + taken.1,
                    taken.0,
                    taken.1,
                    ss58(&me)
                ),
                json!({ "escrow": taken.0.to_string(), "auction": taken.1.to_string() }),
            ))
        }
        AccountCmd::TopUp { account: text, to } => {
            let account = parse::account(&text)?;
            // `cgrid` connects to a node with --key, so the node transfers from that account.
            ctx.signer()?;
            let before = ctx.chain.balance(&account);
            ctx.chain.fund(&account, to).map_err(CliError::Failed)?;
            let after = ctx.chain.balance(&account);
            Ok(Report::new(
                format!("{text}: balance {before} → {after}\n"),
                json!({ "account": text, "before": before.to_string(), "balance": after.to_string() }),
            ))
        }
    }
}

/// The payouts the escrow and the auction keep for `account` (transfers the chain refused).
fn unclaimed<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    account: &cgrid_suite::AccountId32,
) -> Result<(u128, u128), CliError> {
    let who = ink_account(account);
    let escrow = ctx
        .chain
        .read(ctx.suite.escrow.msg(|e| e.unclaimed_of(who)))?;
    let auction = ctx
        .chain
        .read(ctx.suite.auction.msg(|a| a.unclaimed_of(who)))?;
    Ok((escrow, auction))
}

pub fn authority<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: AuthorityCmd) -> Result<Report, CliError> {
    let (_, origin) = ctx.signer()?;
    let (added, text) = match &cmd {
        AuthorityCmd::Add { account } => (true, account),
        AuthorityCmd::Remove { account } => (false, account),
    };
    let account = ink_account(&parse::account(text)?);
    if added {
        ctx.chain
            .send(&origin, ctx.suite.dids.msg(|d| d.add_authority(account)))?;
    } else {
        ctx.chain
            .send(&origin, ctx.suite.dids.msg(|d| d.remove_authority(account)))?;
    }
    let verb = if added { "added" } else { "removed" };
    Ok(Report::new(
        format!("{verb} authority {text}\n"),
        json!({ "authority": text, "added": added }),
    ))
}

pub fn root<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: RootCmd) -> Result<Report, CliError> {
    match cmd {
        RootCmd::Transfer { account, cancel } => {
            let to = match (account, cancel) {
                (Some(text), false) => Some(ink_account(&parse::account(&text)?)),
                (None, true) => None,
                _ => return Err(CliError::input("name the next root's account, or --cancel")),
            };
            let (_, origin) = ctx.signer()?;
            ctx.chain
                .send(&origin, ctx.suite.dids.msg(|d| d.transfer_root(to)))?;
            let to = to.map(|a| ss58(&chain_account(&a)));
            Ok(Report::new(
                match &to {
                    Some(a) => {
                        format!("proposed {a} as the next root; it must run `cgrid root accept`\n")
                    }
                    None => "withdrew the root hand-over\n".into(),
                },
                json!({ "pendingRoot": to }),
            ))
        }
        RootCmd::Accept => {
            let (_, origin) = ctx.signer()?;
            ctx.chain
                .send(&origin, ctx.suite.dids.msg(|d| d.accept_root()))?;
            Ok(Report::new(
                format!("{} is the root authority now\n", ss58(&origin)),
                json!({ "root": ss58(&origin) }),
            ))
        }
        RootCmd::Show => {
            let root = ctx.chain.read(ctx.suite.dids.msg(|d| d.root()))?;
            let pending = ctx.chain.read(ctx.suite.dids.msg(|d| d.pending_root()))?;
            let authorities = ctx
                .chain
                .read(ctx.suite.dids.msg(|d| d.authority_count()))?;
            let root = ss58(&chain_account(&root));
            let pending = pending.map(|p| ss58(&chain_account(&p)));
            Ok(Report::new(
                format!(
                    "root {root}\npending {}\nauthorities {authorities}\n",
                    pending.as_deref().unwrap_or("none")
                ),
                json!({ "root": root, "pendingRoot": pending, "authorities": authorities }),
            ))
        }
    }
}

pub fn role<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: RoleCmd) -> Result<Report, CliError> {
    match cmd {
        RoleCmd::Grant {
            did,
            role,
            expires,
            evidence,
            evidence_hash,
        } => {
            let role = parse::role(&role)?;
            let evidence = match (evidence, evidence_hash) {
                (Some(path), None) => {
                    sp_core::hashing::blake2_256(&parse::read_file("KYC evidence", &path)?)
                }
                (None, Some(hash)) => parse::hex32("--evidence-hash", &hash)?,
                _ => {
                    return Err(CliError::input(
                        "name the KYC evidence: --evidence FILE or --evidence-hash 0x…",
                    ))
                }
            };
            let now = ctx.now();
            let expires_at = parse::time(&expires, now)?;
            if expires_at <= now {
                return Err(CliError::input(format!(
                    "--expires {expires} is not in the future (chain time {})",
                    cgrid_vc::rfc3339(now)
                )));
            }
            let did = did_or_account(ctx, &did)?;
            let (_, origin) = ctx.signer()?;
            ctx.chain.send(
                &origin,
                ctx.suite
                    .dids
                    .msg(|d| d.grant_role(did, role, expires_at, evidence)),
            )?;
            Ok(Report::new(
                format!(
                    "granted {} to {} until {}\n",
                    role_name(role),
                    did_to_string(&did),
                    cgrid_vc::rfc3339(expires_at)
                ),
                json!({
                    "did": did_to_string(&did),
                    "role": role_name(role),
                    "expiresAt": expires_at,
                    "evidence": hex0x(&evidence),
                }),
            ))
        }
        RoleCmd::Revoke { did, role } => {
            let role = parse::role(&role)?;
            let did = did_or_account(ctx, &did)?;
            let (_, origin) = ctx.signer()?;
            ctx.chain
                .send(&origin, ctx.suite.dids.msg(|d| d.revoke_role(did, role)))?;
            Ok(Report::new(
                format!("revoked {} of {}\n", role_name(role), did_to_string(&did)),
                json!({ "did": did_to_string(&did), "role": role_name(role), "revoked": true }),
            ))
        }
        RoleCmd::List { did } => {
            let did = did_or_account(ctx, &did)?;
            let roles: Vec<cgrid_shared::HeldRole> =
                ctx.chain.read(ctx.suite.dids.msg(|d| d.roles_of(did)))?;
            let now = ctx.now();
            let mut text = format!("{}\n", did_to_string(&did));
            let mut list = Vec::new();
            for cgrid_shared::HeldRole { role, grant } in &roles {
                let held = now < grant.expires_at;
                text += &format!(
                    "  {:<10} until {}{}  evidence {}  granted by {}\n",
                    role_name(*role),
                    cgrid_vc::rfc3339(grant.expires_at),
                    if held { "" } else { " (expired)" },
                    hex0x(&grant.evidence),
                    ss58(&chain_account(&grant.granted_by)),
                );
                list.push(json!({
                    "role": role_name(*role),
                    "expiresAt": grant.expires_at,
                    "held": held,
                    "evidence": hex0x(&grant.evidence),
                    "grantedBy": ss58(&chain_account(&grant.granted_by)),
                    "grantedAt": grant.granted_at,
                }));
            }
            if roles.is_empty() {
                text += "  no roles\n";
            }
            Ok(Report::new(
                text,
                json!({ "did": did_to_string(&did), "roles": list }),
            ))
        }
    }
}

/// A template from a template file:
///
/// ```json
/// { "title": "…", "description": "…",
///   "properties": { "name": { "type": "string|integer|boolean|timestamp|decimal",
///                             "scale": 2, "description": "…", "enum": ["…"] } },
///   "required": ["name"] }
/// ```
///
/// Properties are committed to in the order of their names.
pub fn template_from_file(v: &Value) -> Result<CptTemplate, String> {
    let text = |name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
    let title = text("title").ok_or("`title` is missing")?;
    let properties = v
        .get("properties")
        .and_then(Value::as_object)
        .ok_or("`properties` is not an object")?;
    let required: Vec<&str> = match v.get("required") {
        None => Vec::new(),
        Some(r) => r
            .as_array()
            .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
            .ok_or("`required` is not a list of names")?,
    };
    for name in &required {
        if !properties.contains_key(*name) {
            return Err(format!(
                "`required` names {name:?}, which is not a property"
            ));
        }
    }
    let mut out = Vec::new();
    for (name, p) in properties {
        let kind = p
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("property {name:?} has no `type`"))?;
        let property_type = match kind {
            "string" => PropertyType::String,
            "integer" => PropertyType::Integer,
            "boolean" => PropertyType::Boolean,
            "timestamp" => PropertyType::Timestamp,
            "decimal" => PropertyType::Decimal {
                scale: p
                    .get("scale")
                    .and_then(Value::as_u64)
                    .and_then(|s| u8::try_from(s).ok())
                    .ok_or_else(|| format!("decimal property {name:?} needs a `scale` (0–255)"))?,
            },
            other => {
                return Err(format!(
                    "property {name:?} has type {other:?}; use string, integer, boolean, timestamp or decimal"
                ))
            }
        };
        let allowed = match p.get("enum") {
            None => Vec::new(),
            Some(e) => e
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|x| x.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| format!("the `enum` of {name:?} is not a list of strings"))?,
        };
        out.push(CptProperty {
            name: name.clone(),
            property_type,
            description: p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
            required: required.contains(&name.as_str()),
            allowed,
        });
    }
    Ok(CptTemplate {
        title,
        description: text("description").unwrap_or_default(),
        properties: out,
    })
}

/// The template file of `template` (what [`template_from_file`] reads).
pub fn template_to_file(template: &CptTemplate) -> Value {
    let mut properties = Map::new();
    for p in &template.properties {
        let mut o = Map::new();
        let (kind, scale) = match p.property_type {
            PropertyType::String => ("string", None),
            PropertyType::Integer => ("integer", None),
            PropertyType::Boolean => ("boolean", None),
            PropertyType::Timestamp => ("timestamp", None),
            PropertyType::Decimal { scale } => ("decimal", Some(scale)),
        };
        o.insert("type".into(), json!(kind));
        if let Some(scale) = scale {
            o.insert("scale".into(), json!(scale));
        }
        if !p.description.is_empty() {
            o.insert("description".into(), json!(p.description));
        }
        if !p.allowed.is_empty() {
            o.insert("enum".into(), json!(p.allowed));
        }
        properties.insert(p.name.clone(), Value::Object(o));
    }
    let required: Vec<&str> = template
        .properties
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    json!({
        "title": template.title,
        "description": template.description,
        "properties": properties,
        "required": required,
    })
}

/// The template `id` as the registry shows it now.
pub fn template<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    id: CptId,
) -> Result<cgrid_shared::MaskedView<cgrid_shared::CptInfo>, CliError> {
    ctx.chain
        .read(ctx.suite.vcs.msg(|v| v.cpt(id)))?
        .ok_or_else(|| CliError::input(format!("no template {id} on this suite")))
}

pub fn cpt<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: CptCmd) -> Result<Report, CliError> {
    match cmd {
        CptCmd::Register {
            file,
            id,
            predecessor,
            as_issuer,
        } => {
            let v = parse::read_json("template file", &file)?;
            let template = template_from_file(&v).map_err(|e| {
                CliError::input(format!("{} is not a template file: {e}", file.display()))
            })?;
            let (_, origin) = ctx.signer()?;
            let publisher = if as_issuer {
                Publisher::Issuer(own_did(ctx)?)
            } else {
                Publisher::Authority(ink_account(&origin))
            };
            let id = ctx
                .chain
                .send(
                    &origin,
                    ctx.suite
                        .vcs
                        .msg(|v| v.register_cpt(publisher, template, id, predecessor)),
                )?
                .value;
            Ok(Report::new(
                format!("registered template {id}\n"),
                json!({ "cpt": id }),
            ))
        }
        CptCmd::Show { id, schema } => {
            let view = template(ctx, id)?;
            let info = &view.record;
            let registry = ctx.suite.vcs.account();
            if schema {
                let s = cgrid_vc::json_schema_with_id(&info.template, &registry, id);
                return Ok(Report::new(
                    format!("{}\n", serde_json::to_string_pretty(&s).unwrap_or_default()),
                    s,
                ));
            }
            let publisher = match info.publisher {
                Publisher::System => "system".to_string(),
                Publisher::Authority(a) => format!("authority {}", ss58(&chain_account(&a))),
                Publisher::Issuer(d) => format!("issuer {}", did_to_string(&d)),
            };
            let mut text = format!(
                "template {id}: {}\n  published by {publisher} at {}{}\n",
                info.template.title,
                cgrid_vc::rfc3339(info.created_at),
                if info.deprecated { " (deprecated)" } else { "" }
            );
            for p in &info.template.properties {
                text += &format!(
                    "  {:<24} {:?}{}  {}\n",
                    p.name,
                    p.property_type,
                    if p.required { " required" } else { "" },
                    p.description
                );
            }
            if let Some(m) = &view.masked {
                text += &format!(
                    "  MASKED (reason {}); withheld: {}\n",
                    m.reason_code,
                    m.withheld.join(", ")
                );
            }
            Ok(Report::new(
                text,
                json!({
                    "cpt": id,
                    "publisher": publisher,
                    "createdAt": info.created_at,
                    "deprecated": info.deprecated,
                    "predecessor": info.predecessor,
                    "successor": info.successor,
                    "contentHash": hex0x(&info.content_hash),
                    "template": template_to_file(&info.template),
                    "masked": view.masked.is_some(),
                }),
            ))
        }
    }
}
