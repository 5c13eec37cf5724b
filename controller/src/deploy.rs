//! The suite on a node: deploy and wire the five contracts ([`cgrid_suite::Suite::deploy`])
//! and describe the result in a deployment file ([`cgrid_suite::Deployment`]; its format is
//! documented there) that `cgrid` on every party's machine, the TypeScript bindings and the
//! tools read.

use cgrid_suite::node::NodeClient;
use cgrid_suite::{Backend, Deployment, Signer, Suite};
use std::time::Instant;

/// Deploys and wires the suite on the node at `url` as `deployer`, with address salt `salt`.
pub fn deploy(url: &str, deployer: &Signer, salt: &[u8]) -> Result<Deployment, String> {
    let mut node = NodeClient::connect(url, deployer)?;
    let chain = node.chain_name()?;
    let started = Instant::now();
    let suite = Suite::deploy(&mut node, salt).map_err(|e| {
        if e.contains("DuplicateContract") {
            format!(
                "{e}: this deployer already deployed the suite with this salt; pass another --salt"
            )
        } else {
            e
        }
    })?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(suite.deployment(&chain, url, node.genesis_hash(), seconds))
}
