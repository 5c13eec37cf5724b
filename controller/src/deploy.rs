//! The suite on a node: deploy and wire the five contracts ([`cgrid_suite::Suite::deploy`])
//! and describe the result in a deployment file ([`cgrid_suite::Deployment`]; its format is
//! documented there) that `cgrid` on every party's machine, the TypeScript bindings and the
//! tools read.

use cgrid_suite::node::NodeClient;
use cgrid_suite::{deployment::network_name, Backend, Deployment, Signer, Suite};
use std::path::PathBuf;
use std::time::Instant;

/// Deploys and wires the suite on the node at `url` as `deployer`, with address salt `salt`,
/// and writes the deployment file to `out` (default `deployments/<network>.json`). Refuses
/// before sending anything when that file already exists.
pub fn deploy(
    url: &str,
    deployer: &Signer,
    salt: &[u8],
    out: Option<PathBuf>,
) -> Result<(Deployment, PathBuf), String> {
    let mut node = NodeClient::connect(url, deployer)?;
    node.report_waits(cgrid_suite::node::waits_to_stderr());
    let chain = node.chain_name()?;
    let path = out.unwrap_or_else(|| {
        PathBuf::from("deployments").join(format!("{}.json", network_name(&chain)))
    });
    if path.exists() {
        return Err(format!(
            "{} already exists; a deployment file is never overwritten (pass another --out)",
            path.display()
        ));
    }
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
    let deployment = suite.deployment(&chain, url, node.genesis_hash(), seconds);
    deployment.create(&path)?;
    Ok((deployment, path))
}
