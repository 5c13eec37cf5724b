//! A suite deployed by one client and attached by another from its deployment file, on the
//! embedded chain: reads and writes go through the attached client; a file naming the wrong
//! code, another chain, a missing contract or no format is refused with a sentence.

use cgrid_shared::{DidCreation, Role};
use cgrid_suite::embedded::Embedded;
use cgrid_suite::{Backend, Deployment, Suite, SuiteError};

const T0: u64 = 1_700_000_000_000;

fn deployed() -> (Embedded, Deployment, tempfile::TempDir, std::path::PathBuf) {
    let mut chain = Embedded::new(T0);
    let suite = Suite::deploy(&mut chain, b"").expect("deployed");
    let deployment = suite.deployment("Embedded", "embedded://", chain.genesis_hash(), 0.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("deployments/embedded.json");
    deployment.write(&path).expect("written");
    (chain, deployment, dir, path)
}

#[test]
fn a_second_client_attaches_reads_and_writes() {
    let (mut chain, deployment, _dir, path) = deployed();
    let suite = Suite::attach_file(&path, &mut chain).expect("attached");
    assert_eq!(suite.root, chain.deployer());
    assert_eq!(
        cgrid_suite::deployment::ss58(&suite.escrow.address),
        deployment.contract("trade_escrow").expect("listed").address
    );
    // The wiring the deployer did is visible through the attached client.
    let escrow = suite.escrow.account();
    assert_eq!(
        chain
            .read(suite.vcs.msg(|v| v.trade_escrow()))
            .expect("read"),
        Some(escrow)
    );
    let masks = chain
        .read(suite.escrow.msg(|e| e.mask_registry()))
        .expect("read");
    assert_eq!(masks, Some(suite.masks.account()));

    // A write: a party creates its DID; the event decodes into the contract's own type.
    let user = chain.account([9; 32]);
    chain.fund(&user, Embedded::TOKENS).expect("funded");
    let called = chain
        .send(
            &user,
            suite.dids.msg(|d| d.create_did(DidCreation::default())),
        )
        .expect("created");
    let did = called.value;
    let created: Vec<did_registry::events::DidCreated> = called.events_of();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].did, did);
    assert_eq!(
        called.events[0].name(),
        Some(("did_registry", "DidCreated"))
    );

    // A refusal keeps the contract's typed error, and changes nothing.
    let refused = chain
        .send(
            &user,
            suite
                .dids
                .msg(|d| d.grant_role(did, Role::Provider, T0 + 1, [0; 32])),
        )
        .expect_err("not an authority");
    match &refused {
        SuiteError::Refused {
            contract, message, ..
        } => {
            assert_eq!((*contract, *message), ("did_registry", "grant_role"));
        }
        other => panic!("expected a refusal, got {other}"),
    }
    assert!(
        refused
            .to_string()
            .starts_with("did_registry refused grant_role: "),
        "{refused}"
    );
    assert!(chain
        .read(suite.dids.msg(|d| d.role_grant(did, Role::Provider)))
        .expect("read")
        .is_none());
}

#[test]
fn attaching_to_the_wrong_code_or_chain_or_a_bad_file_is_refused() {
    let (mut chain, deployment, _dir, path) = deployed();

    let mut wrong_code = deployment.clone();
    wrong_code.contracts[2].code_hash = [7; 32];
    let e = Suite::attach(&wrong_code, &mut chain).expect_err("refused");
    assert!(
        e.contains("trade_escrow at") && e.contains("refusing to attach"),
        "{e}"
    );

    let mut nothing_there = deployment.clone();
    nothing_there.contracts[4].address =
        cgrid_suite::deployment::ss58(&cgrid_suite::AccountId32::new([0xEE; 32]));
    let e = Suite::attach(&nothing_there, &mut chain).expect_err("refused");
    assert!(e.contains("no contract lives at"), "{e}");

    let mut other_chain = deployment.clone();
    other_chain.genesis_hash = format!("0x{}", "ab".repeat(32));
    let e = Suite::attach(&other_chain, &mut chain).expect_err("refused");
    assert!(e.contains("is for the chain with genesis 0xabab"), "{e}");

    let mut missing = deployment.clone();
    missing.contracts.retain(|c| c.name != "incentive_auction");
    let e = Suite::attach(&missing, &mut chain).expect_err("refused");
    assert!(e.contains("lists no incentive_auction"), "{e}");

    std::fs::write(&path, "{\"contracts\": {}}").expect("overwrite");
    let e = Suite::attach_file(&path, &mut chain).expect_err("refused");
    assert!(e.contains("`format` is missing"), "{e}");

    // Another chain entirely (a fresh embedded runtime has none of these contracts).
    let mut fresh = Embedded::new(T0);
    let e = Suite::attach(&deployment, &mut fresh).expect_err("refused");
    assert!(e.contains("no contract lives at"), "{e}");
}
