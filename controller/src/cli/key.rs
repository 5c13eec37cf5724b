//! `cgrid key`: a party's key file (sr25519; written 0600, never overwritten; the secret is
//! never printed). The file's sr25519 key signs transactions and DID operations; the Ed25519
//! assertion key derived from it signs W3C Data Integrity proofs.

use super::{CliError, Report};
use cgrid_suite::Signer;
use clap::Subcommand;
use serde_json::json;
use sp_core::crypto::{Pair as _, Ss58Codec as _};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug, Clone)]
pub enum KeyCmd {
    /// Writes a new random key file (mode 0600; refuses to overwrite).
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
    /// Shows a key file's account and public keys (never the secret).
    Show { file: PathBuf },
}

pub fn run(cmd: KeyCmd) -> Result<Report, CliError> {
    match cmd {
        KeyCmd::Generate { out } => {
            let signer = Signer::create(&out).map_err(CliError::Input)?;
            let mut report = describe(&signer, &out);
            report.text = format!("wrote {}\n{}", out.display(), report.text);
            Ok(report)
        }
        KeyCmd::Show { file } => {
            let signer = Signer::load(&file).map_err(CliError::Input)?;
            Ok(describe(&signer, &file))
        }
    }
}

/// The public facts of a key.
fn describe(signer: &Signer, file: &Path) -> Report {
    let account = signer.account().to_ss58check();
    let public = format!("0x{}", hex::encode(signer.public()));
    let assertion = signer.assertion_key().public().0;
    let assertion_multikey =
        cgrid_vc::did_doc::multikey(cgrid_shared::KeyType::Ed25519, &assertion);
    Report::new(
        format!(
            "account            {account}\nsr25519 public key {public}\ned25519 assertion  {assertion_multikey}\n"
        ),
        json!({
            "file": file.display().to_string(),
            "account": account,
            "sr25519": public,
            "ed25519": format!("0x{}", hex::encode(assertion)),
            "ed25519Multikey": assertion_multikey,
        }),
    )
}
