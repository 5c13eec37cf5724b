//! The suite: the five contracts' addresses, deployed and wired ([`Suite::deploy`]) or
//! attached from a deployment file ([`Suite::attach`]).
//!
//! Deployment order and wiring: did_registry (root = deployer; its constructor instantiates its
//! role index, whose code is uploaded first: [`INSTANTIATES`]; the escrow, the auction and the
//! mask registry ask the registry for it when instantiated) → vc_templates(did_registry) →
//! trade_escrow(did_registry, vc_templates), made a system issuer of vc_templates (it anchors
//! trade-start and settlement credentials) → incentive_auction(did_registry, vc_templates,
//! trade_escrow), made the escrow's broker (finalize opens the winner's channel) →
//! mask_registry(did_registry), named by did_registry, vc_templates and trade_escrow so that
//! their read paths honour masks. The auction's parameter model and the unmask committee are
//! the operator's to set.

use crate::backend::{release_wasm, AccountId32, Backend, Weight};
use crate::contracts::{Auction, Dids, Escrow, Masks, Vcs};
use crate::deployment::{network_name, ss58, ContractEntry, Deployment};
use crate::msg::{constructor_data, Contract};
use crate::DEPLOYMENT_FORMAT;

/// The suite's contracts by crate name, in deployment order.
pub const CONTRACTS: [&str; 5] = [
    "did_registry",
    "vc_templates",
    "trade_escrow",
    "incentive_auction",
    "mask_registry",
];

/// One deployed contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployed {
    pub name: &'static str,
    pub address: AccountId32,
    /// blake2-256 of the Wasm: pallet-contracts' code hash.
    pub code_hash: [u8; 32],
    /// The block the instantiation went into.
    pub block: u64,
    /// Weight of upload plus instantiation (zero when attached: not measured).
    pub weight: Weight,
}

/// The five contracts of one deployment.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The registries' root authority (read from did_registry when attached).
    pub root: AccountId32,
    pub dids: Dids,
    pub vcs: Vcs,
    pub escrow: Escrow,
    pub auction: Auction,
    pub masks: Masks,
    /// In deployment order.
    pub contracts: Vec<Deployed>,
}

/// The contracts built as several code blobs (`cgrid_shared::split`), each with its cold codes:
/// bundle `<name>` is the main code, and the bundles named here its cold codes, which must be on
/// chain before the main code is instantiated (scripts/env.sh's `CGRID_SPLIT`, `CGRID_COLD_COUNT`).
pub const SPLIT: [(&str, &[&str]); 5] = [
    (
        "did_registry",
        &[
            "did_registry.cold",
            "did_registry.cold2",
            "did_registry.cold3",
        ],
    ),
    (
        "vc_templates",
        &[
            "vc_templates.cold",
            "vc_templates.cold2",
            "vc_templates.cold3",
        ],
    ),
    ("trade_escrow", &["trade_escrow.cold", "trade_escrow.cold2"]),
    (
        "incentive_auction",
        &[
            "incentive_auction.cold",
            "incentive_auction.cold2",
            "incentive_auction.cold3",
        ],
    ),
    ("mask_registry", &["mask_registry.cold"]),
];

/// The codes a contract instantiates from hashes compiled into it, by bundle name: they must be
/// on chain before it is instantiated. The DID registry's constructor instantiates its role
/// index (`cgrid_shared::RoleIndex`), so verifying the registry's code verifies the index's.
pub const INSTANTIATES: [(&str, &[&str]); 1] = [("did_registry", &["role_index"])];

/// The bundles [`INSTANTIATES`] names for contract `name`.
pub fn instantiated_codes(name: &str) -> &'static [&'static str] {
    INSTANTIATES
        .iter()
        .find(|(contract, _)| *contract == name)
        .map_or(&[], |(_, codes)| codes)
}

/// The cold code bundles of contract `name` ([`SPLIT`]); none for a contract built as one blob.
pub fn cold_codes(name: &str) -> &'static [&'static str] {
    SPLIT
        .iter()
        .find(|(contract, _)| *contract == name)
        .map_or(&[], |(_, colds)| colds)
}

/// Uploads and instantiates release bundle `name` as `origin` with constructor call data
/// `constructor` — for a [`SPLIT`] contract, after uploading its cold codes, and after uploading
/// the codes it instantiates ([`INSTANTIATES`]).
pub fn deploy_contract<B: Backend>(
    chain: &mut B,
    name: &'static str,
    constructor: Vec<u8>,
    origin: &AccountId32,
    salt: &[u8],
) -> Result<Deployed, String> {
    for cold in cold_codes(name) {
        let code = release_wasm(cold)?;
        chain
            .upload(&code, origin)
            .map_err(|e| format!("uploading the cold code {cold}: {e}"))?;
    }
    for code in instantiated_codes(name) {
        let wasm = release_wasm(code)?;
        chain
            .upload(&wasm, origin)
            .map_err(|e| format!("uploading the code {code} that {name} instantiates: {e}"))?;
    }
    let wasm = release_wasm(name)?;
    let (address, weight) = chain
        .deploy(&wasm, constructor, origin, salt)
        .map_err(|e| format!("deploying {name}: {e}"))?;
    Ok(Deployed {
        name,
        address,
        code_hash: sp_core::hashing::blake2_256(&wasm),
        block: chain.last_block(),
        weight,
    })
}

/// Deploys a DID registry whose root authority is `chain`'s deployer.
pub fn deploy_dids<B: Backend>(chain: &mut B, salt: &[u8]) -> Result<Deployed, String> {
    let root = chain.deployer();
    let constructor = constructor_data(did_registry::DidRegistryRef::new());
    deploy_contract(chain, "did_registry", constructor, &root, salt)
}

/// Deploys a credential registry (vc_templates) on `dids`.
pub fn deploy_vcs<B: Backend>(chain: &mut B, dids: &Dids, salt: &[u8]) -> Result<Deployed, String> {
    let root = chain.deployer();
    let constructor = constructor_data(vc_templates::VcTemplatesRef::new(dids.account()));
    deploy_contract(chain, "vc_templates", constructor, &root, salt)
}

/// Deploys a trade escrow on `dids` and `vcs` (the suite's own escrow is then wired into `vcs`
/// by [`Suite::deploy`]: `set_trade_escrow`).
pub fn deploy_escrow<B: Backend>(
    chain: &mut B,
    dids: &Dids,
    vcs: &Vcs,
    salt: &[u8],
) -> Result<Deployed, String> {
    let root = chain.deployer();
    let constructor = constructor_data(trade_escrow::TradeEscrowRef::new(
        dids.account(),
        vcs.account(),
    ));
    deploy_contract(chain, "trade_escrow", constructor, &root, salt)
}

/// Deploys an incentive auction on the suite's registries and `escrow` (not yet its broker).
pub fn deploy_auction<B: Backend>(
    chain: &mut B,
    (dids, vcs): (&Dids, &Vcs),
    escrow: &Escrow,
    salt: &[u8],
) -> Result<Deployed, String> {
    let root = chain.deployer();
    let constructor = constructor_data(incentive_auction::IncentiveAuctionRef::new(
        dids.account(),
        vcs.account(),
        escrow.account(),
    ));
    deploy_contract(chain, "incentive_auction", constructor, &root, salt)
}

impl Suite {
    /// Deploys the five contracts as `chain`'s deployer (the root authority) and wires them.
    ///
    /// Addresses derive from the deployer, the code, the constructor's input and `salt`: the
    /// same salt twice on one chain is refused (`DuplicateContract`); another salt deploys
    /// another suite.
    pub fn deploy<B: Backend>(chain: &mut B, salt: &[u8]) -> Result<Suite, String> {
        let root = chain.deployer();
        let mut contracts = Vec::new();
        let deployed = deploy_dids(chain, salt)?;
        let dids = Dids::at(deployed.address.clone());
        contracts.push(deployed);
        let deployed = deploy_vcs(chain, &dids, salt)?;
        let vcs = Vcs::at(deployed.address.clone());
        contracts.push(deployed);
        let deployed = deploy_escrow(chain, &dids, &vcs, salt)?;
        let escrow = Escrow::at(deployed.address.clone());
        contracts.push(deployed);
        let deployed = deploy_auction(chain, (&dids, &vcs), &escrow, salt)?;
        let auction = Auction::at(deployed.address.clone());
        contracts.push(deployed);
        chain
            .send(&root, escrow.msg(|e| e.set_broker(auction.account(), true)))
            .map_err(|e| e.to_string())?;
        chain
            .send(
                &root,
                vcs.msg(|v| v.set_trade_escrow(Some(escrow.account()))),
            )
            .map_err(|e| e.to_string())?;
        let deployed = deploy_contract(
            chain,
            "mask_registry",
            constructor_data(mask_registry::MaskRegistryRef::new(dids.account())),
            &root,
            salt,
        )?;
        let masks = Masks::at(deployed.address.clone());
        contracts.push(deployed);
        let suite = Suite {
            root,
            dids,
            vcs,
            escrow,
            auction,
            masks,
            contracts,
        };
        suite.wire_masks(chain)?;
        Ok(suite)
    }

    /// Names the mask registry on the contracts whose reads honour masks (as the root
    /// authority): the three record-keeping contracts and the auction.
    pub fn wire_masks<B: Backend>(&self, chain: &mut B) -> Result<(), String> {
        let registry = Some(self.masks.account());
        let root = &self.root;
        chain
            .send(root, self.dids.msg(|d| d.set_mask_registry(registry)))
            .map_err(|e| e.to_string())?;
        chain
            .send(root, self.vcs.msg(|v| v.set_mask_registry(registry)))
            .map_err(|e| e.to_string())?;
        chain
            .send(root, self.escrow.msg(|e| e.set_mask_registry(registry)))
            .map_err(|e| e.to_string())?;
        chain
            .send(root, self.auction.msg(|a| a.set_mask_registry(registry)))
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The deployment file describing this suite on `chain_name` (reached at `url`).
    pub fn deployment(
        &self,
        chain_name: &str,
        url: &str,
        genesis_hash: [u8; 32],
        seconds: f64,
    ) -> Deployment {
        Deployment {
            format: DEPLOYMENT_FORMAT,
            network: network_name(chain_name),
            chain: chain_name.into(),
            url: url.into(),
            genesis_hash: format!("0x{}", hex::encode(genesis_hash)),
            deployer: ss58(&self.root),
            seconds,
            contracts: self
                .contracts
                .iter()
                .map(|d| ContractEntry {
                    name: d.name.into(),
                    address: ss58(&d.address),
                    code_hash: d.code_hash,
                    block: d.block,
                    ref_time: d.weight.ref_time(),
                    proof_size: d.weight.proof_size(),
                })
                .collect(),
        }
    }

    /// Attaches to the suite `deployment` describes, on `chain`: checks that the file is for
    /// this chain (its genesis hash) and that every contract's code on chain is the code the
    /// file names; refuses with a sentence naming the first mismatch.
    pub fn attach<B: Backend>(deployment: &Deployment, chain: &mut B) -> Result<Suite, String> {
        same_chain(deployment, chain)?;
        let mut contracts = Vec::new();
        for (name, entry, address) in deployment.suite_contracts()? {
            match chain.code_hash(&address)? {
                None => {
                    return Err(format!(
                        "no contract lives at {} ({name} in the deployment file) on this chain",
                        entry.address
                    ))
                }
                Some(hash) if hash != entry.code_hash => {
                    return Err(format!(
                        "{name} at {} runs code 0x{}, but the deployment file names code 0x{}: refusing to attach",
                        entry.address,
                        hex::encode(hash),
                        hex::encode(entry.code_hash)
                    ))
                }
                Some(_) => {}
            }
            contracts.push(Deployed {
                name,
                address,
                code_hash: entry.code_hash,
                block: entry.block,
                weight: Weight::from_parts(entry.ref_time, entry.proof_size),
            });
        }
        let address = |i: usize| contracts[i].address.clone();
        let dids = Dids::at(address(0));
        let root = chain
            .read(dids.msg(|d| d.root()))
            .map_err(|e| e.to_string())?;
        Ok(Suite {
            root: crate::chain_account(&root),
            dids,
            vcs: Contract::at(address(1)),
            escrow: Contract::at(address(2)),
            auction: Contract::at(address(3)),
            masks: Contract::at(address(4)),
            contracts,
        })
    }

    /// [`Suite::attach`] to the deployment file at `path`.
    pub fn attach_file<B: Backend>(path: &std::path::Path, chain: &mut B) -> Result<Suite, String> {
        let deployment = Deployment::read(path)?;
        Suite::attach(&deployment, chain).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Whether `deployment` describes `chain` (the file's genesis hash is the chain's).
pub(crate) fn same_chain<B: Backend>(deployment: &Deployment, chain: &mut B) -> Result<(), String> {
    let genesis = format!("0x{}", hex::encode(chain.genesis_hash()));
    if deployment.genesis_hash.eq_ignore_ascii_case(&genesis) {
        Ok(())
    } else {
        Err(format!(
            "the deployment file is for the chain with genesis {}, but this chain's genesis is {genesis}",
            deployment.genesis_hash
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a message of a split contract's source runs.
    #[derive(Debug, PartialEq)]
    enum Route {
        /// In the main code (`in_main_code!`, or no marker).
        Main,
        /// Handed to cold code `k` (`in_cold_code!` / `in_cold_code_if!`), 1-based.
        Cold(usize),
    }

    /// One `#[ink(message)]` of a contract's source: its name, whether it is an inherent
    /// (`pub fn`) message and payable, the split cfg on it, where its first statement routes it
    /// (and whether only for some calls: `in_cold_code_if!`).
    #[derive(Debug)]
    struct Message {
        name: String,
        inherent: bool,
        payable: bool,
        cfg: Option<String>,
        route: Route,
        conditional: bool,
    }

    fn route_of(line: &str) -> Option<Route> {
        let line = line.trim();
        if line.starts_with("in_main_code!(") {
            return Some(Route::Main);
        }
        let args = line
            .strip_prefix("in_cold_code!(")
            .or_else(|| line.strip_prefix("in_cold_code_if!("))?;
        let part = args
            .split([',', ')'])
            .next()
            .and_then(|first| first.trim().parse().ok())
            .unwrap_or(1);
        Some(Route::Cold(part))
    }

    fn messages(source: &str) -> Vec<Message> {
        let source = source
            .split("\n    #[cfg(test)]\n    mod tests")
            .next()
            .unwrap();
        let lines: Vec<&str> = source.lines().collect();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if !line.trim().starts_with("#[ink(message") {
                continue;
            }
            // The attributes around `#[ink(message)]`, then the signature.
            let attrs_start = (0..i)
                .rev()
                .take_while(|&j| lines[j].trim().starts_with("#["))
                .last()
                .unwrap_or(i);
            let sig = (i + 1..lines.len())
                .find(|&j| !lines[j].trim().starts_with("#["))
                .unwrap();
            let cfg = (attrs_start..sig)
                .map(|j| lines[j].trim())
                .find(|l| l.starts_with("#[cfg(") && l.contains("split-cold"))
                .map(str::to_string);
            let signature = lines[sig].trim();
            let inherent = signature.starts_with("pub fn ");
            let name = signature
                .trim_start_matches("pub ")
                .trim_start_matches("fn ")
                .split('(')
                .next()
                .unwrap()
                .to_string();
            // The route: the first split marker before the next message.
            let marker = lines[sig..]
                .iter()
                .take_while(|l| !l.trim().starts_with("#[ink("))
                .find(|l| route_of(l).is_some());
            let route = marker.and_then(|l| route_of(l)).unwrap_or(Route::Main);
            let conditional = marker.is_some_and(|l| l.trim().starts_with("in_cold_code_if!("));
            out.push(Message {
                name,
                inherent,
                payable: line.contains("payable"),
                cfg,
                route,
                conditional,
            });
        }
        out
    }

    fn contract_file(name: &str, file: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../contracts")
            .join(name)
            .join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The routing table of a split contract's `split_entry_points!` in `source`: its
    /// `deny_payment` and, per cold code (1-based), the messages it routes there.
    fn routing_table(name: &str, source: &str) -> (bool, Vec<(usize, Vec<String>)>) {
        let call = source
            .split("cgrid_shared::split_entry_points!(")
            .nth(1)
            .and_then(|rest| rest.split("]);").next())
            .unwrap_or_else(|| panic!("{name}: no split_entry_points!"));
        let deny = call
            .split("deny_payment = ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_else(|| panic!("{name}: no deny_payment"));
        let table = call.split("cold = [").nth(1).unwrap();
        let parts = table
            .split(';')
            .filter(|part| !part.trim().is_empty())
            .map(|part| {
                let (k, names) = part.split_once(':').unwrap();
                let names = names
                    .split(',')
                    .map(|n| n.trim().trim_matches('"').to_string())
                    .collect();
                (k.trim().parse().unwrap(), names)
            })
            .collect();
        (deny.trim() == "true", parts)
    }

    /// Every split contract's source agrees with [`SPLIT`] (which the deployment uploads) on
    /// its cold codes: each cold message goes to a cold code the contract has, and the cold
    /// code carries it. An inherent cold message is compiled out of the main code and into its
    /// own cold code only (its cfg), and the main code's entry points (`split_entry_points!`)
    /// route exactly those messages, each to that cold code: a missing entry would refuse the
    /// message (`CouldNotReadInput`), a wrong one would trap in a code that cannot dispatch it,
    /// for whoever calls it. A trait's cold message stays in the main code as a stub that hands
    /// it on. The main code denies payment exactly as ink! would for the messages it keeps; the
    /// constructor locks every cold code, and the crate has the features the bundle build
    /// passes.
    #[test]
    fn every_cold_message_is_routed_to_a_cold_code_that_carries_it() {
        for (name, colds) in SPLIT {
            let n = colds.len();
            let source = contract_file(name, "src/lib.rs");
            let manifest = contract_file(name, "Cargo.toml");
            let suffix = if n == 1 {
                "!()".to_string()
            } else {
                format!("!({n})")
            };
            for decl in ["cold_code", "lock_cold_code"] {
                assert!(
                    source.contains(&format!("{decl}{suffix};")),
                    "{name}: `{decl}{suffix}` expected for {n} cold code(s)"
                );
            }
            for part in 1..=3 {
                assert_eq!(
                    manifest.contains(&format!("\nsplit-cold{part} = [\"split-cold\"]")),
                    n > 1 && part <= n,
                    "{name}: feature split-cold{part} in Cargo.toml"
                );
            }
            assert!(
                manifest.contains("\nsplit-entry = [\"ink-as-dependency\", \"split-blob\"]")
                    && manifest.contains("\nsplit-cold = [\"split-blob\"]"),
                "{name}: features split-entry (the main code's own entry points) and split-blob"
            );
            let (deny_payment, table) = routing_table(name, &source);
            let mut routed: Vec<(usize, String)> = table
                .iter()
                .flat_map(|(part, names)| names.iter().map(|m| (*part, m.clone())))
                .collect();
            routed.sort();
            let messages = messages(&source);
            assert!(messages.len() > 5, "{name}: too few messages parsed");
            let (mut cold, mut expected_routes, mut main_payable) = (0, Vec::new(), false);
            for m in &messages {
                let label = format!("{name}::{}", m.name);
                if m.name == "wire_new" {
                    // The end of the constructor (`wired_in_cold_code!`): in one cold code
                    // only, never in the main code, under the selector the constructor calls.
                    let only_cold = (1..=n).any(|part| {
                        let feature = if n == 1 {
                            "split-cold".to_string()
                        } else {
                            format!("split-cold{part}")
                        };
                        m.cfg.as_deref() == Some(&format!("#[cfg(feature = \"{feature}\")]"))
                    });
                    assert!(only_cold, "{label}: in one cold code only, not {:?}", m.cfg);
                    let selector = u32::from_be_bytes(cgrid_shared::split::WIRE_SELECTOR);
                    assert!(
                        source.contains(&format!("#[ink(message, selector = 0x{selector:08x})]")),
                        "{label}: the selector `construct` calls"
                    );
                    assert!(
                        source.contains("cgrid_shared::wired_in_cold_code!("),
                        "{label}: its constructor calls it"
                    );
                    continue;
                }
                match m.route {
                    Route::Cold(part) => {
                        cold += 1;
                        assert!(part >= 1 && part <= n, "{label}: cold code {part} of {n}");
                        let expected = if m.inherent && !m.conditional {
                            expected_routes.push((part, m.name.clone()));
                            let own = if n == 1 {
                                "split-cold".to_string()
                            } else {
                                format!("split-cold{part}")
                            };
                            Some(format!(
                                "#[cfg(any(not(feature = \"split-blob\"), feature = \"{own}\"))]"
                            ))
                        } else {
                            // A stub in the main code (a trait's message, or one handed on
                            // for some calls only).
                            main_payable |= m.payable;
                            (n > 1 && m.inherent).then(|| {
                                format!(
                                    "#[cfg(any(not(feature = \"split-cold\"), feature = \"split-cold{part}\"))]"
                                )
                            })
                        };
                        assert_eq!(m.cfg, expected, "{label}: its cfg");
                    }
                    Route::Main => {
                        main_payable |= m.payable;
                        if let Some(cfg) = &m.cfg {
                            assert_eq!(
                                cfg, "#[cfg(not(feature = \"split-cold\"))]",
                                "{label}: a main-code message is in no cold code"
                            );
                        }
                    }
                }
            }
            assert!(cold > 0, "{name}: no cold message parsed");
            expected_routes.sort();
            assert_eq!(
                routed, expected_routes,
                "{name}: split_entry_points! routes exactly the inherent cold messages, each to its cold code"
            );
            assert_eq!(
                deny_payment, !main_payable,
                "{name}: deny_payment is ink!'s check for the main code's messages"
            );
            // The main code's `deploy` refuses value, as ink!'s does when no constructor is
            // payable.
            assert!(
                source.contains("#[ink(constructor)]")
                    && !source.contains("#[ink(constructor, payable"),
                "{name}: a split contract's constructors take no value"
            );
        }
    }
}
