//! Deployment files: `deployments/<network>.json` describes one deployment of the suite, for
//! `cgrid` on every party's machine, the TypeScript bindings and the tools.
//!
//! ```json
//! { "format": 1, "network": "development", "chain": "Development",
//!   "url": "ws://127.0.0.1:9944", "genesis_hash": "0x…", "deployer": "5Grw…", "seconds": 4.2,
//!   "contracts": { "did_registry": { "address": "5…", "code_hash": "0x…", "block": 1,
//!                                     "ref_time": 123, "proof_size": 456 }, … } }
//! ```
//!
//! - `format`: this layout's version ([`DEPLOYMENT_FORMAT`]); a reader refuses another.
//! - `network`: the file's name; `chain`: the chain's name (`system_chain`); `url`: where the
//!   deployer reached it; `genesis_hash`: identifies the chain (attaching to another refuses).
//! - `deployer`: SS58 (generic prefix 42) of the account that deployed: the root authority.
//! - `contracts`: one entry per contract, keyed by crate name: SS58 address, pallet-contracts
//!   code hash (blake2-256 of the Wasm), the block of its instantiation and the weight of
//!   upload plus instantiation.

use crate::AccountId32;
use serde_json::{json, Map, Value};
use sp_core::crypto::Ss58Codec;
use std::path::Path;

/// The deployment-file format this crate writes and reads.
pub const DEPLOYMENT_FORMAT: u64 = 1;

/// One contract in a deployment file.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractEntry {
    pub name: String,
    /// SS58.
    pub address: String,
    pub code_hash: [u8; 32],
    pub block: u64,
    pub ref_time: u64,
    pub proof_size: u64,
}

/// A deployment of the suite on one network.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// Always [`DEPLOYMENT_FORMAT`] once read.
    pub format: u64,
    /// The file's name: the chain's name, lower case, non-alphanumerics as `-`.
    pub network: String,
    pub chain: String,
    pub url: String,
    pub genesis_hash: String,
    /// SS58 of the deployer (the registries' root authority).
    pub deployer: String,
    /// Wall time of the deployment and wiring.
    pub seconds: f64,
    /// In deployment order.
    pub contracts: Vec<ContractEntry>,
}

/// SS58 (prefix 42) of an account.
pub fn ss58(account: &AccountId32) -> String {
    account.to_ss58check()
}

/// An account from SS58.
pub fn from_ss58(text: &str) -> Result<AccountId32, String> {
    AccountId32::from_ss58check(text).map_err(|e| format!("{text:?} is not an SS58 address: {e:?}"))
}

/// The file name of a chain: "Development" → "development", "Rococo Contracts" →
/// "rococo-contracts".
pub fn network_name(chain: &str) -> String {
    let name: String = chain
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "unnamed".into()
    } else {
        name
    }
}

impl Deployment {
    pub fn to_json(&self) -> Value {
        let mut contracts = Map::new();
        for c in &self.contracts {
            contracts.insert(
                c.name.clone(),
                json!({
                    "address": c.address,
                    "code_hash": format!("0x{}", hex::encode(c.code_hash)),
                    "block": c.block,
                    "ref_time": c.ref_time,
                    "proof_size": c.proof_size,
                }),
            );
        }
        json!({
            "format": DEPLOYMENT_FORMAT,
            "network": self.network,
            "chain": self.chain,
            "url": self.url,
            "genesis_hash": self.genesis_hash,
            "deployer": self.deployer,
            "seconds": (self.seconds * 10.0).round() / 10.0,
            "contracts": contracts,
        })
    }

    /// Reads a deployment file.
    pub fn read(path: &Path) -> Result<Deployment, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Deployment::parse(&bytes, path)
    }

    /// A deployment file's bytes; errors name `path` (where they came from) and the member.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Deployment, String> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        match v.get("format").and_then(Value::as_u64) {
            Some(DEPLOYMENT_FORMAT) => {}
            Some(other) => {
                return Err(format!(
                    "{}: deployment format {other} is not supported (this cgrid reads format {DEPLOYMENT_FORMAT})",
                    path.display()
                ))
            }
            None => {
                return Err(format!(
                    "{}: `format` is missing; is this a deployment file?",
                    path.display()
                ))
            }
        }
        let text_of = |key: &str| -> Result<String, String> {
            v.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("{}: `{key}` is missing or not a string", path.display()))
        };
        let mut contracts = Vec::new();
        let listed = v
            .get("contracts")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{}: `contracts` is missing", path.display()))?;
        for (name, c) in listed {
            let field = |key: &str| {
                c.get(key)
                    .ok_or_else(|| format!("{}: contracts.{name}.{key} is missing", path.display()))
            };
            let number = |key: &str| -> Result<u64, String> {
                field(key)?.as_u64().ok_or_else(|| {
                    format!("{}: contracts.{name}.{key} is not a number", path.display())
                })
            };
            let hash = field("code_hash")?.as_str().unwrap_or_default();
            let code_hash = hex::decode(hash.trim_start_matches("0x"))
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| {
                    format!(
                        "{}: contracts.{name}.code_hash is not 32 hex bytes",
                        path.display()
                    )
                })?;
            let address = field("address")?.as_str().unwrap_or_default().to_owned();
            from_ss58(&address)
                .map_err(|e| format!("{}: contracts.{name}.address: {e}", path.display()))?;
            contracts.push(ContractEntry {
                name: name.clone(),
                address,
                code_hash,
                block: number("block")?,
                ref_time: number("ref_time")?,
                proof_size: number("proof_size")?,
            });
        }
        contracts.sort_by_key(|c| c.block);
        Ok(Deployment {
            format: DEPLOYMENT_FORMAT,
            network: text_of("network")?,
            chain: text_of("chain")?,
            url: text_of("url")?,
            genesis_hash: text_of("genesis_hash")?,
            deployer: text_of("deployer")?,
            seconds: v.get("seconds").and_then(Value::as_f64).unwrap_or(0.0),
            contracts,
        })
    }

    /// The entry of contract `name`.
    pub fn contract(&self, name: &str) -> Option<&ContractEntry> {
        self.contracts.iter().find(|c| c.name == name)
    }

    /// The suite's five contracts in [`crate::CONTRACTS`] order, each with its address; the
    /// error names a missing contract or an unreadable address.
    pub fn suite_contracts(
        &self,
    ) -> Result<Vec<(&'static str, &ContractEntry, AccountId32)>, String> {
        crate::CONTRACTS
            .into_iter()
            .map(|name| {
                let entry = self
                    .contract(name)
                    .ok_or_else(|| format!("the deployment file lists no {name}"))?;
                let address = from_ss58(&entry.address)
                    .map_err(|e| format!("the deployment file's {name} address: {e}"))?;
                Ok((name, entry, address))
            })
            .collect()
    }

    /// Writes a new file (creating its folder); refuses when `path` exists: a deployment file
    /// is the only record of where a suite lives, and is never overwritten.
    pub fn create(&self, path: &Path) -> Result<(), String> {
        if path.exists() {
            return Err(format!(
                "{} already exists; a deployment file is never overwritten (pass another --out)",
                path.display()
            ));
        }
        self.write(path)
    }

    /// Writes the file (creating its folder), atomically: a temporary file renamed over it.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(&self.to_json()).map_err(|e| e.to_string())?;
        let temp = path.with_extension("json.tmp");
        std::fs::write(&temp, format!("{text}\n"))
            .and_then(|()| std::fs::rename(&temp, path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_names_are_file_names() {
        assert_eq!(network_name("Development"), "development");
        assert_eq!(network_name("Rococo Contracts"), "rococo-contracts");
        assert_eq!(network_name("  "), "unnamed");
    }

    #[test]
    fn a_deployment_file_round_trips_and_bad_files_are_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = Deployment {
            format: DEPLOYMENT_FORMAT,
            network: "development".into(),
            chain: "Development".into(),
            url: "ws://127.0.0.1:9944".into(),
            genesis_hash: "0x00".into(),
            deployer: ss58(&AccountId32::new([1; 32])),
            seconds: 4.2,
            contracts: vec![ContractEntry {
                name: "did_registry".into(),
                address: ss58(&AccountId32::new([2; 32])),
                code_hash: [3; 32],
                block: 1,
                ref_time: 10,
                proof_size: 20,
            }],
        };
        let path = dir.path().join("deployments/development.json");
        d.write(&path).expect("written");
        assert_eq!(Deployment::read(&path).expect("read"), d);
        std::fs::write(
            &path,
            r#"{"format":1,"network":"x","contracts":{"a":{"address":"nope"}}}"#,
        )
        .expect("overwrite");
        let e = Deployment::read(&path).expect_err("refused");
        assert!(e.contains("contracts.a.code_hash"), "{e}");
        for (text, expected) in [
            (r#"{"network":"x"}"#, "`format` is missing"),
            (r#"{"format":2,"network":"x"}"#, "format 2 is not supported"),
            ("[1,", "is not JSON"),
        ] {
            std::fs::write(&path, text).expect("overwrite");
            let e = Deployment::read(&path).expect_err(text);
            assert!(e.contains(expected), "{text}: {e}");
        }
    }
}
