//! The controller's own commands: the demo, deploying a suite, the provider daemon, the HTTP
//! node and the store inspector (their handlers live in the `cgrid` binary).

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug, Clone)]
pub enum ServiceCommand {
    /// The whole trade flow on the embedded chain (or a node with --url): deploy the suite,
    /// open a trade, bill it between a provider and a consumer controller over loopback TCP,
    /// checkpoint, close, and show the watchtower answering a stale close.
    Demo {
        /// Minutes of compute to bill (simulated clock: one interval per minute).
        #[arg(long, default_value_t = 60)]
        minutes: u64,
        /// Price per minute, in the chain's smallest unit.
        #[arg(long, default_value_t = 2_000_000)]
        price: u128,
        /// Minimum charge once the trade ran.
        #[arg(long, default_value_t = 10_000_000)]
        min_cost: u128,
        /// The provider checkpoints every this many minutes (0: only by threshold).
        #[arg(long, default_value_t = 30)]
        checkpoint_every: u64,
        /// ... or when this much is unsettled (0: only by time).
        #[arg(long, default_value_t = 0)]
        checkpoint_threshold: u128,
        /// Where the two controllers keep their stores (default: a temporary directory).
        #[arg(long)]
        data: Option<PathBuf>,
        /// With --url (run against a node instead of the embedded chain; a fresh suite is
        /// deployed; real time: the run waits ~4 minutes for the auction's windows and the
        /// challenge period): the deployer's and funder's secret URI (a dev chain's //Alice).
        #[arg(long, default_value = "//Alice")]
        suri: String,
    },
    /// Deploy and wire the five contracts on a node and write the deployment file
    /// (addresses, code hashes, blocks) that the TypeScript bindings and the tools read.
    Deploy {
        /// The deployer's secret URI on a development chain (default //Alice); with --key the
        /// key file deploys instead. The deployer becomes the registries' root authority.
        #[arg(long)]
        suri: Option<String>,
        /// Where to write the deployment (default: deployments/<chain name>.json).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Address salt: the same deployer, code and salt give the same addresses on every
        /// chain; deploying twice with one salt is refused.
        #[arg(long, default_value = "")]
        salt: String,
    },
    /// Provider side of channels already in the store: listen, serve one consumer connection
    /// carrying all of them (resuming each from its newest stored state; states of one billing
    /// interval stored in one commit), bill until every channel has `--until` minutes, exit. No
    /// chain access: checkpoints and closes are left to others.
    Provide {
        #[arg(long)]
        store: PathBuf,
        /// A channel id, hex; repeat for several channels (all with the same consumer).
        #[arg(long, required = true)]
        channel: Vec<String>,
        #[arg(long)]
        until: u64,
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
    },
    /// Run a node on the embedded chain with the HTTP JSON API and Prometheus metrics
    /// (`GET /channels`, `POST /channels`, `GET /channels/{id}`, `.../history`,
    /// `POST .../close`, `GET /metrics`).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Where the node keeps its stores (default: a temporary directory).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// List the channels in a store with their newest state.
    Inspect {
        #[arg(long)]
        store: PathBuf,
    },
}
