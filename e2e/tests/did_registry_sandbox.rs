//! did_registry on the embedded chain with the release bundle, for what ink_e2e cannot show:
//! block time (role expiry), reverts leaving state untouched, and cost independent of history.

use cgrid_e2e::{ink_account, release_wasm, AccountId32, Backend, Embedded};
use cgrid_shared::DidRegistry as _;
use cgrid_shared::{
    DidCreation, DidDocument, DidId, DidOperation, KeyPurposes, KeyType, Role, Service, Subject,
    VerificationMethod,
};
use cgrid_suite::msg::constructor_data;
use cgrid_suite::{deploy_contract, deploy_dids, instantiated_codes, Dids, SPLIT};
use did_registry::Error;

struct Fixture {
    chain: Embedded,
    registry: Dids,
    root: AccountId32,
}

fn account(bytes: [u8; 32]) -> AccountId32 {
    AccountId32::new(bytes)
}

fn fixture() -> Fixture {
    let mut chain = Embedded::new(1_000);
    let root = chain.deployer();
    assert_eq!(root, account([1; 32]));
    for i in 1..=4u8 {
        chain
            .fund(&account([i; 32]), Embedded::TOKENS)
            .expect("fund");
    }
    let address = deploy_dids(&mut chain, b"").expect("deploy").address;
    Fixture {
        chain,
        registry: Dids::at(address),
        root,
    }
}

fn service(id: &str) -> Service {
    Service {
        id: id.into(),
        service_type: "LinkedDomains".into(),
        endpoint: "https://example.org".into(),
    }
}

impl Fixture {
    fn create(&mut self, who: &AccountId32) -> DidId {
        let msg = self.registry.msg(|d| d.create_did(DidCreation::default()));
        let out = self.chain.try_send(who, msg).expect("call");
        out.value.expect("created")
    }

    fn resolve(&mut self, did: DidId) -> Option<DidDocument> {
        let root = self.root.clone();
        let msg = self.registry.msg(|d| d.resolve(did));
        self.chain
            .dry_run(&root, msg)
            .expect("query")
            .value
            .map(|view| view.record)
    }

    fn has_role(&mut self, subject: Subject, role: Role) -> bool {
        let root = self.root.clone();
        let msg = self.registry.msg(|d| d.has_role(subject, role));
        self.chain.dry_run(&root, msg).expect("query").value
    }

    /// Sets the block time (it only moves forward).
    fn set_time(&mut self, ms: u64) {
        self.chain.advance_to(ms).expect("advance time");
        assert_eq!(self.chain.time(), ms);
    }
}

#[test]
fn roles_expire_with_block_time() {
    let mut f = fixture();
    let bob = account([2; 32]);
    let did = f.create(&bob);
    let root = f.root.clone();
    let msg = f
        .registry
        .msg(|d| d.grant_role(did, Role::Consumer, 5_000, [9; 32]));
    let grant = f.chain.try_send(&root, msg).expect("call");
    assert_eq!(grant.value, Ok(()));
    assert!(!grant.reverted);
    assert!(f.has_role(Subject::Did(did), Role::Consumer));
    assert!(f.has_role(Subject::Account(ink_account(&bob)), Role::Consumer));
    f.set_time(4_999);
    assert!(f.has_role(Subject::Did(did), Role::Consumer));
    f.set_time(5_000);
    assert!(!f.has_role(Subject::Did(did), Role::Consumer));
    assert!(!f.has_role(Subject::Account(ink_account(&bob)), Role::Consumer));
    // An expiry in the past is refused.
    let msg = f
        .registry
        .msg(|d| d.grant_role(did, Role::Consumer, 4_000, [9; 32]));
    let late = f.chain.try_send(&root, msg).expect("call");
    assert_eq!(
        late.value,
        Err(Error::ExpiryInPast {
            now: 5_000,
            expires_at: 4_000
        })
    );
    assert!(late.reverted);
}

#[test]
fn a_failing_message_reverts_everything() {
    let mut f = fixture();
    let bob = account([2; 32]);
    let did = f.create(&bob);
    let before = f.resolve(did);
    // A creation whose second service is a duplicate: the DID is not created at all.
    let charlie = account([3; 32]);
    let bad = DidCreation {
        services: vec![service("a"), service("a")],
        ..Default::default()
    };
    let msg = f.registry.msg(|d| d.create_did(bad));
    let out = f.chain.try_send(&charlie, msg).expect("call");
    assert_eq!(out.value, Err(Error::DuplicateServiceId));
    assert!(out.reverted);
    let msg = f.registry.msg(|d| d.did_of(ink_account(&charlie)));
    let did_of: Option<DidId> = f.chain.dry_run(&charlie, msg).expect("query").value;
    assert_eq!(did_of, None);
    // A key with a wrong-length public key on an existing DID.
    let bad_key = VerificationMethod {
        id: "k".into(),
        key_type: KeyType::Ecdsa,
        public_key: vec![2; 32],
        purposes: KeyPurposes::ALL,
    };
    let msg = f
        .registry
        .msg(|d| d.update(did, DidOperation::AddKey(bad_key)));
    let out = f.chain.try_send(&bob, msg).expect("call");
    assert!(out.reverted);
    assert_eq!(f.resolve(did), before);
    let msg = f.registry.msg(|d| d.did_count());
    let count: u64 = f.chain.dry_run(&bob, msg).expect("query").value;
    assert_eq!(count, 1);
}

#[test]
fn resolve_and_has_role_cost_does_not_grow_with_history() {
    let mut f = fixture();
    let bob = account([2; 32]);
    let did = f.create(&bob);
    let root = f.root.clone();
    let weigh = |f: &mut Fixture| {
        let msg = f.registry.msg(|d| d.resolve(did));
        let resolve = f.chain.dry_run(&root, msg).expect("query").weight;
        let msg = f
            .registry
            .msg(|d| d.has_role(Subject::Did(did), Role::Provider));
        let has_role = f.chain.dry_run(&root, msg).expect("query").weight;
        (resolve, has_role)
    };
    let update = |f: &mut Fixture, i: u32| {
        let svc = f.registry.msg(|d| {
            d.update(
                did,
                DidOperation::AddService(service(&format!("s{}", i % 2))),
            )
        });
        let out = f.chain.try_send(&bob, svc).expect("call");
        assert_eq!(out.value, Ok(()));
        let rm = f.registry.msg(|d| {
            d.update(
                did,
                DidOperation::RemoveService {
                    id: format!("s{}", i % 2),
                },
            )
        });
        assert_eq!(f.chain.try_send(&bob, rm).expect("call").value, Ok(()));
        let grant = f
            .registry
            .msg(|d| d.grant_role(did, Role::Provider, 1_000_000 + u64::from(i), [1; 32]));
        assert_eq!(f.chain.try_send(&root, grant).expect("call").value, Ok(()));
    };
    update(&mut f, 0);
    let after_one = weigh(&mut f);
    for i in 1..200 {
        update(&mut f, i);
    }
    let after_many = weigh(&mut f);
    // Current state only: the same state costs exactly the same, whatever the history.
    assert_eq!(after_one, after_many);
}

/// The registry runs as two code blobs (`cgrid_shared::split`) on one storage: what the cold
/// code writes (a DID, a grant) is what the main code answers, and the cold code reads it back.
#[test]
fn the_main_code_reads_what_the_cold_code_wrote() {
    let mut f = fixture();
    let root = f.root.clone();
    let bob = account([2; 32]);
    let did = f.create(&bob);
    assert!(!f.has_role(Subject::Account(ink_account(&bob)), Role::Provider));
    let msg = f
        .registry
        .msg(|d| d.grant_role(did, Role::Provider, 9_000, [1; 32]));
    assert_eq!(f.chain.try_send(&root, msg).expect("call").value, Ok(()));
    assert!(f.has_role(Subject::Account(ink_account(&bob)), Role::Provider));
    assert!(f.resolve(did).is_some());
}

/// Constructor call data of contract `name` wired to `dids` and arbitrary other addresses.
fn constructor_of(name: &str, dids: ink::primitives::AccountId) -> Vec<u8> {
    let [vcs, escrow] = [8u8, 9].map(|b| ink_account(&account([b; 32])));
    match name {
        "did_registry" => constructor_data(did_registry::DidRegistryRef::new()),
        "vc_templates" => constructor_data(vc_templates::VcTemplatesRef::new(vcs)),
        "trade_escrow" => constructor_data(trade_escrow::TradeEscrowRef::new(dids, vcs)),
        "incentive_auction" => constructor_data(incentive_auction::IncentiveAuctionRef::new(
            dids, vcs, escrow,
        )),
        "mask_registry" => constructor_data(mask_registry::MaskRegistryRef::new(dids)),
        "role_index" => constructor_data(role_index::RoleIndexRef::new()),
        other => panic!("{other}: add its constructor to this test"),
    }
}

/// Contracts UI uploads a code by instantiating it (docs/CONTRACTS_UI.md, steps 0 to 5a, with
/// any addresses as arguments): every cold code and the role index's code must instantiate on
/// a chain that holds nothing else — a cold code's constructor neither instantiates a role
/// index nor asks a registry for one.
#[test]
fn every_cold_code_and_the_role_index_instantiate_on_an_empty_chain() {
    let nobody = ink_account(&account([7; 32]));
    let codes = SPLIT
        .iter()
        .flat_map(|(name, colds)| colds.iter().map(move |cold| (*name, *cold)))
        .chain([("role_index", "role_index")]);
    for (name, code) in codes {
        let mut chain = Embedded::new(1_000);
        let root = chain.deployer();
        chain.fund(&root, Embedded::TOKENS).expect("fund");
        let wasm = release_wasm(code).expect("bundle");
        chain
            .deploy(&wasm, constructor_of(name, nobody), &root, b"")
            .unwrap_or_else(|e| panic!("{code} alone: {e}"));
    }
}

/// Each split contract's main code names its cold codes by hashes compiled into it: without
/// any one of them on chain the contract cannot be instantiated at all (it never runs
/// half-built); once it is, each cold code is locked for as long as the contract lives, whoever
/// uploaded it.
#[test]
fn a_split_contract_needs_its_cold_codes_and_locks_them() {
    // A chain with the funded deployer and, for the contracts that ask the DID registry for its
    // role index when instantiated, a DID registry; returns it with the constructor's data.
    let chain_for = |name: &str| {
        let mut chain = Embedded::new(1_000);
        let root = chain.deployer();
        chain.fund(&root, Embedded::TOKENS).expect("fund");
        let dids = if name == "did_registry" {
            ink_account(&account([7; 32]))
        } else {
            ink_account(&deploy_dids(&mut chain, b"").expect("registry").address)
        };
        (chain, root, constructor_of(name, dids))
    };
    for (name, colds) in SPLIT {
        let wasm = release_wasm(name).expect("release bundle");
        let cold_wasm = |cold: &str| release_wasm(cold).expect("bundle");
        // Every cold code but one on chain: still refused, whichever one is missing.
        for missing in colds {
            let (mut chain, root, constructor) = chain_for(name);
            for cold in colds.iter().filter(|cold| *cold != missing) {
                chain.upload(&cold_wasm(cold), &root).expect("upload");
            }
            for code in instantiated_codes(name) {
                chain.upload(&cold_wasm(code), &root).expect("upload");
            }
            let refused = chain
                .deploy(&wasm, constructor, &root, b"")
                .expect_err("a cold code is missing");
            assert!(
                refused.contains("CodeNotFound"),
                "{name} without {missing}: {refused}"
            );
        }
        let (mut chain, root, constructor) = chain_for(name);
        let deployed = deploy_contract(&mut chain, name, constructor, &root, b"").expect("deploy");
        for cold in colds.iter() {
            let cold = sp_core::hashing::blake2_256(&cold_wasm(cold));
            assert_ne!(
                deployed.code_hash, cold,
                "{name}: the address runs the main code"
            );
            let refused = chain
                .remove_code(&root, cold)
                .expect_err("the code is in use");
            assert!(refused.contains("CodeInUse"), "{name}: {refused}");
        }
    }
}

/// The DID registry instantiates its role index from a hash compiled into it: without that code
/// on chain it cannot be instantiated, and once it is, the index's code is in use (its
/// instance, which the registry names, keeps it).
#[test]
fn the_registry_needs_the_role_index_code_and_keeps_it_in_use() {
    let mut chain = Embedded::new(1_000);
    let root = chain.deployer();
    chain.fund(&root, Embedded::TOKENS).expect("fund");
    for cold in cgrid_suite::cold_codes("did_registry") {
        chain
            .upload(&release_wasm(cold).expect("bundle"), &root)
            .expect("upload");
    }
    let wasm = release_wasm("did_registry").expect("bundle");
    let constructor = constructor_data(did_registry::DidRegistryRef::new());
    let refused = chain
        .deploy(&wasm, constructor.clone(), &root, b"")
        .expect_err("the role index's code is missing");
    // The constructor's instantiation fails, and the constructor traps (nothing is created).
    assert!(refused.contains("ContractTrapped"), "{refused}");
    let deployed =
        deploy_contract(&mut chain, "did_registry", constructor, &root, b"").expect("deploy");
    let registry = Dids::at(deployed.address);
    let index = chain
        .read(registry.msg(|d| d.role_index()))
        .expect("role_index");
    let index_code = sp_core::hashing::blake2_256(&release_wasm("role_index").expect("bundle"));
    assert_eq!(
        chain
            .code_hash(&cgrid_e2e::chain_account(&index))
            .expect("read"),
        Some(index_code),
        "the registry names an index of the role_index code"
    );
    let refused = chain
        .remove_code(&root, index_code)
        .expect_err("the code is in use");
    assert!(refused.contains("CodeInUse"), "{refused}");
}

/// Every split contract's constructor ends in a cold code (`cgrid_shared::wired_in_cold_code!`:
/// the registry's instantiation of its role index, the others' question for it, the escrow's
/// deployment hash, the seed templates), through a message, `wire_new`, that only the
/// constructor reaches. A deployed contract is wired as the one-blob constructor wires it, and
/// nobody can run the wiring again: the selector is refused (`CouldNotReadInput`) for root and
/// for a stranger alike, and nothing changes.
#[test]
fn a_split_contracts_wiring_runs_only_in_its_constructor() {
    use cgrid_shared::{split::WIRE_SELECTOR, CptId, SETTLEMENT_CPT, TRADE_START_CPT};
    let mut chain = Embedded::new(1_000);
    let root = chain.deployer();
    let stranger = account([6; 32]);
    for who in [&root, &stranger] {
        chain.fund(who, Embedded::TOKENS).expect("fund");
    }
    let suite = cgrid_suite::Suite::deploy(&mut chain, b"").expect("suite");
    let state = |chain: &mut Embedded| {
        let index = chain
            .read(suite.dids.msg(|d| d.role_index()))
            .expect("role_index");
        let deployment = chain
            .read(suite.escrow.msg(|e| e.deployment()))
            .expect("deployment");
        let templates = chain
            .read(suite.vcs.msg(|v| v.cpt_count()))
            .expect("cpt_count");
        let seeds: Vec<CptId> = [TRADE_START_CPT, SETTLEMENT_CPT]
            .into_iter()
            .filter(|id| {
                chain
                    .read(suite.vcs.msg(|v| v.cpt(*id)))
                    .expect("cpt")
                    .is_some()
            })
            .collect();
        (index, deployment, templates, seeds)
    };
    let wired = state(&mut chain);
    let index_code = sp_core::hashing::blake2_256(&release_wasm("role_index").expect("bundle"));
    assert_eq!(
        chain.code_hash(&cgrid_e2e::chain_account(&wired.0)),
        Ok(Some(index_code)),
        "the registry instantiated its index"
    );
    assert_ne!(wired.1, [0; 32], "the deployment hash was computed");
    assert_eq!(
        wired.3,
        [TRADE_START_CPT, SETTLEMENT_CPT],
        "the seeds are there"
    );
    for address in [
        &suite.dids.address,
        &suite.auction.address,
        &suite.escrow.address,
        &suite.vcs.address,
        &suite.masks.address,
    ] {
        for who in [&root, &stranger] {
            let refused = chain
                .call_raw::<()>(address, who, WIRE_SELECTOR.to_vec(), 0)
                .expect_err("no message of a deployed contract has the wiring's selector");
            assert!(refused.contains("CouldNotReadInput"), "{refused}");
        }
    }
    assert_eq!(state(&mut chain), wired, "nothing changed");
}

/// A message's answer as raw bytes (whatever its type): this test asks every getter of every
/// contract by selector alone.
struct Answer;

impl scale::Decode for Answer {
    fn decode<I: scale::Input>(input: &mut I) -> Result<Self, scale::Error> {
        let mut rest = vec![0; input.remaining_len()?.unwrap_or(0)];
        input.read(&mut rest)?;
        Ok(Answer)
    }
}

/// A split contract's main code dispatches its own messages and hands every other message the
/// ABI names to the cold code that runs it (`cgrid_shared::split_entry_points!`); ink! refuses
/// a message it cannot dispatch with `CouldNotReadInput`. So, on the deployed suite, every
/// message without arguments of each contract's metadata (the main bundle's, which is the
/// ABI) answers when called by selector alone, wherever it runs; and value sent with a
/// message that takes none is refused and stays with the caller, whichever code would have
/// run the message (the main code's own check, or the cold code's).
#[test]
fn a_split_contract_dispatches_every_message_of_its_abi_and_takes_value_only_where_payable() {
    let mut chain = Embedded::new(1_000);
    let root = chain.deployer();
    chain.fund(&root, Embedded::TOKENS).expect("fund");
    let suite = cgrid_suite::Suite::deploy(&mut chain, b"").expect("suite");
    let (mut asked, mut routed_getters) = (0, 0);
    for (name, address) in [
        ("did_registry", &suite.dids.address),
        ("vc_templates", &suite.vcs.address),
        ("trade_escrow", &suite.escrow.address),
        ("incentive_auction", &suite.auction.address),
        ("mask_registry", &suite.masks.address),
    ] {
        let path = cgrid_suite::bundle_dir().join(format!("{name}.json"));
        let metadata: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("the main bundle's metadata"))
                .expect("json");
        let source = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../contracts")
                .join(name)
                .join("src/lib.rs"),
        )
        .expect("source");
        let table = source
            .split("split_entry_points!(")
            .nth(1)
            .and_then(|rest| rest.split("]);").next())
            .expect("the main code's routing table")
            .to_string();
        let messages = metadata["spec"]["messages"].as_array().expect("messages");
        assert!(messages.len() > 5, "{name}: the ABI lists its messages");
        for m in messages {
            let label = m["label"].as_str().expect("label");
            let selector = m["selector"].as_str().expect("selector");
            let selector: Vec<u8> = (2..selector.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&selector[i..i + 2], 16).expect("hex"))
                .collect();
            if !m["args"].as_array().expect("args").is_empty() {
                continue;
            }
            asked += 1;
            // Dispatched: an answer (a refusal of a state-changing one included), never ink!'s
            // `CouldNotReadInput`.
            chain
                .query_raw::<Answer>(address, &root, selector.clone(), 0)
                .unwrap_or_else(|e| panic!("{name}::{label}: {e}"));
            if table.contains(&format!("\"{label}\"")) {
                routed_getters += 1;
            }
            if m["payable"].as_bool() != Some(true) {
                let before = chain.balance(&root);
                let refused = chain
                    .call_raw::<Answer>(address, &root, selector, 1_000)
                    .err()
                    .or_else(|| Some("no refusal".into()))
                    .unwrap();
                assert!(
                    refused.contains("PaidUnpayableMessage") || refused.contains("trapped"),
                    "{name}::{label} with value: {refused}"
                );
                let spent = before - chain.balance(&root);
                assert!(spent < 1_000, "{name}::{label}: the value came back");
            }
        }
    }
    assert!(
        asked >= 25 && routed_getters >= 15,
        "asked {asked}, routed {routed_getters}"
    );
}
