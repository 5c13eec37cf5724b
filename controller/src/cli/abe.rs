//! `cgrid abe`: the attribute authority's commands (no chain): set up the CP-ABE keys, issue
//! holders their attribute keys, revoke one. The scheme and its guarantees are
//! `cgrid_vc::abe`'s. Encrypting and decrypting credentials is `cgrid credential issue
//! --encrypt` / `cgrid credential decrypt`.

use super::parse;
use super::{CliError, Report};
use cgrid_vc::abe::{AccessTree, AttributeKey, Authority, Epoch, PublicParams};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug, Clone)]
pub enum AbeCmd {
    /// The attribute authority (the platform's authority DID): new CP-ABE keys. Writes the
    /// authority's secret file (mode 0600) and the public parameters anyone encrypts with
    /// (publish them); neither file is ever overwritten.
    Setup {
        /// The authority's DID (named in every key and ciphertext).
        #[arg(long)]
        authority: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        public_out: PathBuf,
    },
    /// The attribute authority: a holder's attribute key (mode 0600), valid --months months
    /// from --from (a month, `2026-12`; default: this month).
    Keygen {
        #[arg(long)]
        authority_key: PathBuf,
        /// Who holds it (a DID or an account).
        #[arg(long)]
        holder: String,
        /// The holder's attributes, comma separated (`role:regulator,region:eu`).
        #[arg(long, value_delimiter = ',', required = true)]
        attrs: Vec<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long, default_value_t = 12)]
        months: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// The attribute authority: revokes a key. Writes the new authority file and the new
    /// public parameters (with the key in their revocation list) to new paths.
    Revoke {
        #[arg(long)]
        authority_key: PathBuf,
        /// The key's id (`0x` + 32 bytes, as `keygen` printed it).
        #[arg(long)]
        key_id: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        public_out: PathBuf,
    },
}

fn abe_input(e: impl std::fmt::Display) -> CliError {
    CliError::input(e.to_string())
}

fn pretty<T: serde::Serialize>(value: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| CliError::Failed(e.to_string()))
}

/// Reads the authority's secret file.
fn authority(path: &Path) -> Result<Authority, CliError> {
    let bytes = parse::read_file("authority key", path)?;
    Authority::from_json(&bytes).map_err(|e| abe_input(format!("{}: {e}", path.display())))
}

/// Reads public parameters.
pub fn public_params(path: &Path) -> Result<PublicParams, CliError> {
    let bytes = parse::read_file("public parameters", path)?;
    PublicParams::from_json(&bytes).map_err(|e| abe_input(format!("{}: {e}", path.display())))
}

/// Reads an attribute key.
pub fn attribute_key(path: &Path) -> Result<AttributeKey, CliError> {
    let bytes = parse::read_file("attribute key", path)?;
    AttributeKey::from_json(&bytes).map_err(|e| abe_input(format!("{}: {e}", path.display())))
}

/// Reads an access tree file.
pub fn access_tree(path: &Path) -> Result<AccessTree, CliError> {
    let value = parse::read_json("access tree", path)?;
    AccessTree::from_json(&value).map_err(|e| abe_input(format!("{}: {e}", path.display())))
}

/// This month (UTC).
pub fn this_month() -> Epoch {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Epoch::of_millis(ms)
}

pub fn run(cmd: AbeCmd) -> Result<Report, CliError> {
    match cmd {
        AbeCmd::Setup {
            authority,
            out,
            public_out,
        } => {
            for path in [&out, &public_out] {
                if path.exists() {
                    return Err(CliError::input(format!(
                        "{} already exists; cgrid never overwrites a file",
                        path.display()
                    )));
                }
            }
            let keys = Authority::setup(&authority);
            parse::write_new_secret(&out, &pretty(&keys)?)?;
            parse::write_new(&public_out, &pretty(&keys.public)?)?;
            Ok(Report::new(
                format!(
                    "attribute authority {authority}: {} set up; secret in {} (keep it), public parameters in {} (publish them)\n",
                    keys.public.scheme,
                    out.display(),
                    public_out.display()
                ),
                json!({"authority": authority, "scheme": keys.public.scheme, "out": out, "publicOut": public_out}),
            ))
        }
        AbeCmd::Keygen {
            authority_key,
            holder,
            attrs,
            from,
            months,
            out,
        } => {
            if out.exists() {
                return Err(CliError::input(format!(
                    "{} already exists; cgrid never overwrites a file",
                    out.display()
                )));
            }
            let keys = authority(&authority_key)?;
            let from = match from {
                Some(text) => Epoch::parse(&text).map_err(abe_input)?,
                None => this_month(),
            };
            let key = keys
                .issue_key(&holder, &attrs, from, months)
                .map_err(abe_input)?;
            parse::write_new_secret(&out, &pretty(&key)?)?;
            Ok(Report::new(
                format!(
                    "attribute key {} for {holder}: {} valid {} to {}; written to {}\n",
                    key.key_id,
                    key.attributes.join(", "),
                    key.valid_from,
                    key.valid_until,
                    out.display()
                ),
                json!({"keyId": key.key_id, "holder": holder, "attributes": key.attributes,
                       "validFrom": key.valid_from, "validUntil": key.valid_until}),
            ))
        }
        AbeCmd::Revoke {
            authority_key,
            key_id,
            out,
            public_out,
        } => {
            let id = parse::hex32("key id", &key_id)?;
            let key_id = parse::hex0x(&id);
            for path in [&out, &public_out] {
                if path.exists() {
                    return Err(CliError::input(format!(
                        "{} already exists; cgrid never overwrites a file",
                        path.display()
                    )));
                }
            }
            let mut keys = authority(&authority_key)?;
            if keys.public.revoked.contains(&key_id) {
                return Err(CliError::input(format!("{key_id} is revoked already")));
            }
            keys.revoke(&key_id);
            parse::write_new_secret(&out, &pretty(&keys)?)?;
            parse::write_new(&public_out, &pretty(&keys.public)?)?;
            Ok(Report::new(
                format!(
                    "revoked {key_id}: publish {} (the authority's state is now {})\n",
                    public_out.display(),
                    out.display()
                ),
                json!({"revoked": key_id, "revokedCount": keys.public.revoked.len()}),
            ))
        }
    }
}
