//! Is the code on chain this source? A deployed suite's code hashes, read from the chain,
//! against the bundles built here and against the committed record of what this commit builds
//! (`bundles.lock.json`, compiled into this crate; `scripts/build-contracts.sh` builds the
//! bundles reproducibly and checks them against it).

use crate::backend::Backend;
use crate::deployment::Deployment;
use crate::suite::{same_chain, CONTRACTS};
use serde_json::Value;
use std::path::Path;

/// `bundles.lock.json` of the commit this crate was built from.
pub const RECORD: &str = include_str!("../../bundles.lock.json");

/// What `bundles.lock.json` says: the code hash of each contract, and the tools that built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The rustc release and host (`1.86.0-x86_64-unknown-linux-gnu`).
    pub toolchain: String,
    pub cargo_contract: String,
    /// (contract, code hash) in [`CONTRACTS`] order.
    pub contracts: Vec<(&'static str, [u8; 32])>,
}

impl Record {
    /// Reads a record's text; the error names the member that is wrong.
    pub fn parse(text: &str) -> Result<Record, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if v.get("format").and_then(Value::as_u64) != Some(1) {
            return Err("`format` is not 1".into());
        }
        let text = |name: &str| {
            v.get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("`{name}` is missing"))
        };
        let mut contracts = Vec::new();
        for name in CONTRACTS {
            let hash = v["contracts"][name]["code_hash"]
                .as_str()
                .ok_or_else(|| format!("`contracts.{name}.code_hash` is missing"))?;
            contracts.push((name, hash32(hash, name)?));
        }
        Ok(Record {
            toolchain: text("toolchain")?,
            cargo_contract: text("cargo_contract")?,
            contracts,
        })
    }

    /// The record compiled into this crate.
    pub fn committed() -> Result<Record, String> {
        Record::parse(RECORD).map_err(|e| format!("bundles.lock.json: {e}"))
    }

    pub fn code_hash(&self, contract: &str) -> Option<[u8; 32]> {
        self.contracts
            .iter()
            .find(|(name, _)| *name == contract)
            .map(|(_, hash)| *hash)
    }
}

fn hash32(text: &str, name: &str) -> Result<[u8; 32], String> {
    hex::decode(text.trim_start_matches("0x"))
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| format!("`contracts.{name}.code_hash` is not 32 hex bytes"))
}

/// One contract of a deployment, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCheck {
    pub contract: &'static str,
    /// Its address, as the deployment file gives it (SS58).
    pub address: String,
    /// The code hash the chain holds for the address; `None`: no contract lives there.
    pub on_chain: Option<[u8; 32]>,
    /// blake2-256 of the local bundle's Wasm; `None`: no bundle was built here.
    pub local: Option<[u8; 32]>,
    /// What the record says this commit builds.
    pub recorded: Option<[u8; 32]>,
}

impl CodeCheck {
    /// The chain runs the recorded code, and the local bundle (when built) is that code.
    pub fn matches(&self) -> bool {
        self.on_chain.is_some()
            && self.on_chain == self.recorded
            && self.local.is_none_or(|local| Some(local) == self.on_chain)
    }
}

/// Checks every contract of `deployment` on `chain` against the bundles in `bundles` and
/// `record`. Errors (a file for another chain, an unreadable address) are not mismatches: they
/// say the check could not be made.
pub fn verify<B: Backend>(
    deployment: &Deployment,
    chain: &mut B,
    bundles: &Path,
    record: &Record,
) -> Result<Vec<CodeCheck>, String> {
    same_chain(deployment, chain)?;
    let mut checks = Vec::new();
    for (contract, entry, address) in deployment.suite_contracts()? {
        let local = std::fs::read(bundles.join(format!("{contract}.wasm")))
            .ok()
            .map(|wasm| sp_core::hashing::blake2_256(&wasm));
        checks.push(CodeCheck {
            contract,
            address: entry.address.clone(),
            on_chain: chain.code_hash(&address)?,
            local,
            recorded: record.code_hash(contract),
        });
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_record_names_every_contract() {
        let record = Record::committed().expect("bundles.lock.json");
        assert_eq!(
            record.contracts.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            CONTRACTS.to_vec()
        );
        assert!(
            record.toolchain.starts_with("1.86.0-"),
            "{}",
            record.toolchain
        );
        assert_eq!(record.cargo_contract, "5.0.3");
    }

    /// The suite uploads exactly the cold codes the bundle build makes.
    #[test]
    fn the_record_has_the_cold_codes_of_each_split_contract_only() {
        let v: Value = serde_json::from_str(RECORD).expect("json");
        for name in CONTRACTS {
            let recorded: Vec<&str> = [".cold", ".cold2", ".cold3"]
                .iter()
                .filter(|suffix| {
                    v["contracts"][format!("{name}{suffix}")]["code_hash"]
                        .as_str()
                        .is_some()
                })
                .copied()
                .collect();
            let expected: Vec<String> = crate::suite::cold_codes(name)
                .iter()
                .map(|cold| cold.trim_start_matches(name).to_string())
                .collect();
            assert_eq!(
                recorded, expected,
                "{name}: bundles.lock.json and SPLIT disagree"
            );
        }
    }

    #[test]
    fn a_malformed_record_is_refused_naming_the_member() {
        let mut v: Value = serde_json::from_str(RECORD).expect("json");
        v["contracts"]["trade_escrow"]["code_hash"] = "0x12".into();
        let e = Record::parse(&v.to_string()).expect_err("short hash");
        assert!(e.contains("contracts.trade_escrow.code_hash"), "{e}");
        assert!(Record::parse("{").is_err());
        v["format"] = 2.into();
        assert_eq!(
            Record::parse(&v.to_string()),
            Err("`format` is not 1".into())
        );
    }

    #[test]
    fn a_check_matches_only_the_recorded_code() {
        let check = |on_chain, local| CodeCheck {
            contract: "mask_registry",
            address: String::new(),
            on_chain,
            local,
            recorded: Some([1; 32]),
        };
        assert!(check(Some([1; 32]), Some([1; 32])).matches());
        assert!(
            check(Some([1; 32]), None).matches(),
            "no local bundle: the record decides"
        );
        assert!(
            !check(Some([2; 32]), Some([2; 32])).matches(),
            "not the recorded code"
        );
        assert!(
            !check(Some([1; 32]), Some([2; 32])).matches(),
            "the local build differs"
        );
        assert!(
            !check(None, Some([1; 32])).matches(),
            "no contract at the address"
        );
    }
}
