//! `cgrid verify`: is the code a deployment runs the code of this source? Each contract's code
//! hash on chain against the local bundle and `bundles.lock.json` (cgrid-suite's `verify`).

use super::parse::hex0x;
use super::{CliError, Report};
use cgrid_suite::verify::{verify, CodeCheck, Record};
use cgrid_suite::{Backend, Deployment};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Where the bundles built here are (default: as `cgrid deploy` finds them; $CGRID_BUNDLES).
    #[arg(long)]
    pub bundles: Option<PathBuf>,
}

/// Checks the deployment file at `path` on `chain`; a mismatch is an error that still prints
/// the table.
pub fn run<B: Backend>(chain: &mut B, path: &Path, args: VerifyArgs) -> Result<Report, CliError> {
    let deployment = Deployment::read(path).map_err(CliError::Input)?;
    let record = Record::committed().map_err(CliError::Failed)?;
    let bundles = args.bundles.unwrap_or_else(cgrid_suite::bundle_dir);
    let checks = verify(&deployment, chain, &bundles, &record).map_err(CliError::Input)?;
    let report = table(&checks, &bundles);
    let differ: Vec<&str> = checks
        .iter()
        .filter(|c| !c.matches())
        .map(|c| c.contract)
        .collect();
    if differ.is_empty() {
        Ok(report)
    } else {
        Err(CliError::Mismatch {
            report: Box::new(report),
            why: format!(
                "{} on chain is not the code of this source ({})",
                differ.join(", "),
                path.display()
            ),
        })
    }
}

fn table(checks: &[CodeCheck], bundles: &Path) -> Report {
    let hash = |h: Option<[u8; 32]>, none: &str| h.map_or_else(|| none.to_owned(), |h| hex0x(&h));
    let mut text = format!(
        "{:<18} {:<49} {:<67} {:<67} {}\n",
        "contract", "address", "on-chain code hash", "local bundle", "match"
    );
    for c in checks {
        text += &format!(
            "{:<18} {:<49} {:<67} {:<67} {}\n",
            c.contract,
            c.address,
            hash(c.on_chain, "no contract"),
            hash(c.local, "not built"),
            match (c.matches(), c.on_chain == c.recorded) {
                (true, _) => "yes",
                (false, true) => "NO (the local bundle differs)",
                (false, false) => "NO (not the recorded code)",
            }
        );
    }
    text += &format!(
        "recorded: bundles.lock.json of this cgrid's commit; local bundles: {}\n",
        bundles.display()
    );
    let rows: Vec<_> = checks
        .iter()
        .map(|c| {
            json!({
                "contract": c.contract,
                "address": c.address,
                "onChain": c.on_chain.map(|h| hex0x(&h)),
                "local": c.local.map(|h| hex0x(&h)),
                "recorded": c.recorded.map(|h| hex0x(&h)),
                "match": c.matches(),
            })
        })
        .collect();
    Report::new(
        text,
        json!({ "contracts": rows, "match": checks.iter().all(CodeCheck::matches) }),
    )
}
