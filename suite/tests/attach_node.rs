//! The node tier's attach test (ignored unless run by `scripts/node-tier.sh`): a second process
//! attaches to the suite `cgrid deploy` deployed on a node, from the deployment file alone,
//! reads and writes through it as another account (//Charlie: the bindings' node tests that
//! follow on the same node use //Alice and //Bob), and is refused a file naming other code.
//!
//! Environment: `CGRID_NODE_URL` (the node) and `CGRID_DEPLOYMENT` (the file).

use cgrid_shared::DidCreation;
use cgrid_suite::node::NodeClient;
use cgrid_suite::{Backend, Deployment, Signer, Suite};
use std::path::PathBuf;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/node-tier.sh"))
}

#[test]
#[ignore = "needs a node with a deployed suite: scripts/node-tier.sh"]
fn a_separate_process_attaches_from_the_deployment_file() {
    let url = env("CGRID_NODE_URL");
    let path = PathBuf::from(env("CGRID_DEPLOYMENT"));
    // Not the deployer: //Charlie is a funded dev account that deployed nothing.
    let charlie = Signer::from_suri("//Charlie").expect("//Charlie");
    let mut node = NodeClient::connect(&url, &charlie).expect("node");
    let suite = Suite::attach_file(&path, &mut node).expect("attached");
    let deployment = Deployment::read(&path).expect("read");
    assert_eq!(
        cgrid_suite::deployment::ss58(&suite.root),
        deployment.deployer,
        "the root authority is the deployer"
    );

    // Read: the wiring the deployer did.
    let escrow = suite.escrow.account();
    assert_eq!(
        node.read(suite.vcs.msg(|v| v.trade_escrow()))
            .expect("read"),
        Some(escrow)
    );
    // Write: Charlie creates a DID (the node tier starts a fresh node for this step).
    let charlie_account = charlie.account();
    let before = node.read(suite.dids.msg(|d| d.did_count())).expect("read");
    match node.send(
        &charlie_account,
        suite.dids.msg(|d| d.create_did(DidCreation::default())),
    ) {
        Ok(called) => {
            let created: Vec<did_registry::events::DidCreated> = called.events_of();
            assert_eq!(created.len(), 1, "the node's events decode");
            assert_eq!(created[0].did, called.value);
            let after = node.read(suite.dids.msg(|d| d.did_count())).expect("read");
            assert_eq!(after, before + 1);
        }
        Err(e) => panic!("create_did through the attached client: {e}"),
    }

    // A file naming other code for the escrow is refused.
    let mut wrong = deployment.clone();
    if let Some(entry) = wrong
        .contracts
        .iter_mut()
        .find(|c| c.name == "trade_escrow")
    {
        entry.code_hash = [0x42; 32];
    }
    let e = Suite::attach(&wrong, &mut node).expect_err("refused");
    assert!(e.contains("refusing to attach"), "{e}");
}
