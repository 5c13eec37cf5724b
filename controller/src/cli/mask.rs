//! `cgrid mask`: regulators mask records (a DID, a template, a credential, a trade), the
//! unmask committee approves lifting a mask, anyone shows one; the root names the committee.

use super::parse::{self, hex0x};
use super::{CliError, Ctx, Report};
use cgrid_shared::{did_to_string, Scope, Target};
use cgrid_suite::deployment::ss58;
use cgrid_suite::{chain_account, ink_account, Backend};
use clap::{Args, Subcommand};
use scale::Encode;
use serde_json::json;

#[derive(Subcommand, Debug, Clone)]
pub enum MaskCmd {
    /// Regulators: masks a record. The reason text stays off chain; its hash is recorded.
    Add {
        #[command(flatten)]
        target: TargetArg,
        /// Withhold these fields only (repeatable; default: the whole record).
        #[arg(long = "field")]
        fields: Vec<String>,
        /// The regulator's reason code.
        #[arg(long)]
        reason_code: u16,
        /// The reason (its blake2-256 is recorded).
        #[arg(long)]
        reason: String,
        /// Let the record's owner keep writing to it while masked.
        #[arg(long)]
        owner_may_write: bool,
    },
    /// Unmask committee members: approves lifting a mask; the quorum-th approval lifts it.
    ApproveUnmask {
        #[command(flatten)]
        target: TargetArg,
    },
    /// Shows the mask on a record, if any, with its live approvals.
    Show {
        #[command(flatten)]
        target: TargetArg,
    },
    /// The unmask committee.
    #[command(subcommand)]
    Committee(CommitteeCmd),
}

#[derive(Subcommand, Debug, Clone)]
pub enum CommitteeCmd {
    /// Root only: names the committee, its quorum and how long an approval counts.
    Set {
        /// A member account (repeatable).
        #[arg(long = "member", required = true)]
        members: Vec<String>,
        #[arg(long)]
        quorum: u8,
        /// How long an approval counts, e.g. `7d`.
        #[arg(long, default_value = "7d")]
        approval_ttl: String,
    },
    /// Shows the committee.
    Show,
}

/// The record a mask command is about (exactly one).
#[derive(Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct TargetArg {
    /// A DID document.
    #[arg(long)]
    pub did: Option<String>,
    /// A credential template.
    #[arg(long)]
    pub cpt: Option<u32>,
    /// A credential (its id, `0x…` or `urn:cgrid:vc:0x…`).
    #[arg(long)]
    pub credential: Option<String>,
    /// A trade (its channel id).
    #[arg(long)]
    pub trade: Option<String>,
}

/// A credential id from `0x…` or `urn:cgrid:vc:0x…`.
pub fn credential_id(text: &str) -> Result<[u8; 32], CliError> {
    parse::hex32("credential id", text.trim_start_matches("urn:cgrid:vc:"))
}

fn target(arg: &TargetArg) -> Result<Target, CliError> {
    if let Some(did) = &arg.did {
        return Ok(Target::Did(parse::did(did)?));
    }
    if let Some(cpt) = arg.cpt {
        return Ok(Target::Cpt(cpt));
    }
    if let Some(id) = &arg.credential {
        return Ok(Target::Credential(credential_id(id)?));
    }
    if let Some(id) = &arg.trade {
        return Ok(Target::Trade(parse::hex32("channel id", id)?));
    }
    Err(CliError::input(
        "name the record: --did, --cpt, --credential or --trade",
    ))
}

fn describe(target: &Target) -> String {
    match target {
        Target::Did(d) => did_to_string(d),
        Target::Cpt(id) => format!("template {id}"),
        Target::Credential(id) => format!("credential {}", hex0x(id)),
        Target::Trade(id) => format!("trade {}", hex0x(id)),
        Target::Record { contract, key } => {
            format!(
                "record {} of {}",
                hex0x(key),
                ss58(&chain_account(contract))
            )
        }
    }
}

/// blake2-256 of the record as its contract shows it now; refused when there is none.
fn content_hash<B: Backend>(ctx: &mut Ctx<'_, B>, target: &Target) -> Result<[u8; 32], CliError> {
    use cgrid_shared::CredentialRegistry as _;
    let missing = || CliError::input(format!("no {} on this suite", describe(target)));
    let encoded = match target {
        Target::Did(did) => {
            let did = *did;
            ctx.chain
                .read(ctx.suite.dids.msg(|d| d.resolve(did)))?
                .ok_or_else(missing)?
                .record
                .encode()
        }
        Target::Cpt(id) => {
            let id = *id;
            ctx.chain
                .read(ctx.suite.vcs.msg(|v| v.cpt(id)))?
                .ok_or_else(missing)?
                .record
                .encode()
        }
        Target::Credential(id) => {
            let id = *id;
            ctx.chain
                .read(ctx.suite.vcs.msg(|v| v.anchor_of(id)))?
                .ok_or_else(missing)?
                .encode()
        }
        Target::Trade(id) => ctx
            .chain
            .read(ctx.suite.escrow.channel(id))?
            .ok_or_else(missing)?
            .record
            .encode(),
        Target::Record { .. } => return Err(missing()),
    };
    Ok(sp_core::hashing::blake2_256(&encoded))
}

pub fn run<B: Backend>(ctx: &mut Ctx<'_, B>, cmd: MaskCmd) -> Result<Report, CliError> {
    match cmd {
        MaskCmd::Add {
            target: arg,
            fields,
            reason_code,
            reason,
            owner_may_write,
        } => {
            let target = target(&arg)?;
            if reason.trim().is_empty() {
                return Err(CliError::input("--reason is empty"));
            }
            let scope = if fields.is_empty() {
                Scope::Whole
            } else {
                Scope::Fields(fields)
            };
            let reason_hash = sp_core::hashing::blake2_256(reason.as_bytes());
            let content = content_hash(ctx, &target)?;
            let (_, origin) = ctx.signer()?;
            let what = describe(&target);
            let t = target.clone();
            let s = scope.clone();
            ctx.chain.send(
                &origin,
                ctx.suite
                    .masks
                    .msg(|m| m.mask(t, s, owner_may_write, reason_code, reason_hash, content)),
            )?;
            let scope_text = match &scope {
                Scope::Whole => "the whole record".to_string(),
                Scope::Fields(f) => f.join(", "),
            };
            Ok(Report::new(
                format!(
                    "masked {what} ({scope_text}), reason {reason_code}, reason hash {}\n",
                    hex0x(&reason_hash)
                ),
                json!({
                    "target": what,
                    "scope": scope_text,
                    "reasonCode": reason_code,
                    "reasonHash": hex0x(&reason_hash),
                    "contentHash": hex0x(&content),
                }),
            ))
        }
        MaskCmd::ApproveUnmask { target: arg } => {
            let target = target(&arg)?;
            let (_, origin) = ctx.signer()?;
            let what = describe(&target);
            let lifted = ctx
                .chain
                .send(&origin, ctx.suite.masks.msg(|m| m.approve_unmask(target)))?
                .value;
            Ok(Report::new(
                if lifted {
                    format!("approved; the quorum is reached and {what} is unmasked\n")
                } else {
                    format!("approved unmasking {what}; more approvals are needed\n")
                },
                json!({ "target": what, "unmasked": lifted }),
            ))
        }
        MaskCmd::Show { target: arg } => {
            use cgrid_shared::MaskRegistry as _;
            let target = target(&arg)?;
            let what = describe(&target);
            let t = target.clone();
            let mask = ctx.chain.read(ctx.suite.masks.msg(|m| m.mask_of(t)))?;
            let Some(mask) = mask else {
                return Ok(Report::new(
                    format!("{what} is not masked\n"),
                    json!({ "target": what, "masked": false }),
                ));
            };
            let scope = match &mask.scope {
                Scope::Whole => vec!["*".to_string()],
                Scope::Fields(f) => f.clone(),
            };
            let approvals: Vec<String> = mask
                .approvals
                .iter()
                .map(|(who, _)| ss58(&chain_account(who)))
                .collect();
            Ok(Report::new(
                format!(
                    "{what} is masked by {} since {} (reason {}; fields {}; {} approval(s) to unmask)\n",
                    ss58(&chain_account(&mask.by)),
                    cgrid_vc::rfc3339(mask.since),
                    mask.reason_code,
                    scope.join(", "),
                    approvals.len()
                ),
                json!({
                    "target": what,
                    "masked": true,
                    "fields": scope,
                    "ownerMayWrite": mask.owner_may_write,
                    "reasonCode": mask.reason_code,
                    "reasonHash": hex0x(&mask.reason_hash),
                    "contentHash": hex0x(&mask.content_hash),
                    "by": ss58(&chain_account(&mask.by)),
                    "since": mask.since,
                    "approvals": approvals,
                }),
            ))
        }
        MaskCmd::Committee(CommitteeCmd::Set {
            members,
            quorum,
            approval_ttl,
        }) => {
            let accounts = members
                .iter()
                .map(|m| parse::account(m).map(|a| ink_account(&a)))
                .collect::<Result<Vec<_>, _>>()?;
            let ttl = parse::duration(&approval_ttl)?;
            let (_, origin) = ctx.signer()?;
            ctx.chain.send(
                &origin,
                ctx.suite
                    .masks
                    .msg(|m| m.set_committee(accounts, quorum, ttl)),
            )?;
            Ok(Report::new(
                format!(
                    "the unmask committee is {} of {} ({}), approvals count {approval_ttl}\n",
                    quorum,
                    members.len(),
                    members.join(", ")
                ),
                json!({ "members": members, "quorum": quorum, "approvalTtl": ttl }),
            ))
        }
        MaskCmd::Committee(CommitteeCmd::Show) => {
            let committee = ctx.chain.read(ctx.suite.masks.msg(|m| m.committee()))?;
            let (members, quorum, ttl) =
                (committee.members, committee.quorum, committee.approval_ttl);
            let members: Vec<String> = members.iter().map(|m| ss58(&chain_account(m))).collect();
            Ok(Report::new(
                format!(
                    "quorum {quorum} of {}: {}\n",
                    members.len(),
                    members.join(", ")
                ),
                json!({ "members": members, "quorum": quorum, "approvalTtl": ttl }),
            ))
        }
    }
}
