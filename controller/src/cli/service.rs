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
    /// Providers: the daemon. Accepts consumers on --listen; each joins with its channels,
    /// which are checked on chain (this key's account and channel key, open); bills every
    /// interval, stores each state before acknowledging it, checkpoints by policy, closes
    /// cooperatively when a channel's deposit is used (or at --close-at minutes), and resumes
    /// from --store after a disconnect or a restart. A consumer silent or away for
    /// --peer-timeout has its channel closed unilaterally with the newest state; a built-in
    /// watchtower answers stale closes and finalizes. With --channel (no chain): serves those
    /// stored channels to one consumer until --until minutes, then exits.
    Provide {
        #[arg(long)]
        store: PathBuf,
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// Seconds per billing interval (a minute by default).
        #[arg(long, default_value_t = 60.0)]
        interval_secs: f64,
        /// Checkpoint every this many minutes (0: only by threshold).
        #[arg(long, default_value_t = 30)]
        checkpoint_every: u64,
        /// ... or when this much is unsettled (0: only by time).
        #[arg(long, default_value_t = 0)]
        checkpoint_threshold: u128,
        /// Close a channel cooperatively at this many minutes (default: when its deposit is used).
        #[arg(long)]
        close_at: Option<u64>,
        /// How long a consumer may be silent or away before its channel is closed
        /// unilaterally with the newest state (`90s`, `10m`, …).
        #[arg(long, default_value = "10m")]
        peer_timeout: String,
        /// Do not run the built-in watchtower (another process watches this store's channels).
        #[arg(long)]
        no_watch: bool,
        /// Also serve the HTTP JSON API and /metrics over this daemon's store on this address.
        #[arg(long)]
        api: Option<String>,
        /// Decide who may read and close which channels through --api by this access policy
        /// (JSON; docs/ARCHITECTURE.md "Access to trade records").
        #[arg(long, requires = "api")]
        access: Option<PathBuf>,
        /// The operator's API token (a file); actions through --api (close, checkpoint) need
        /// it. Without it the API only reads.
        #[arg(long, requires = "api")]
        token_file: Option<PathBuf>,
        /// Stored channels to serve without a chain (hex; repeatable; needs --until).
        #[arg(long)]
        channel: Vec<String>,
        #[arg(long, requires = "channel")]
        until: Option<u64>,
    },
    /// Consumers: joins the provider at --connect with a channel and pays for it interval by
    /// interval — each only after the service probe passed, never more than the terms allow —
    /// until the provider closes it. A provider that hangs up is reconnected to; one that
    /// bills nothing for --peer-timeout (silent or unreachable) gets the channel closed
    /// unilaterally with the newest signed state. A failing probe stops it (run again to
    /// resume).
    Consume {
        #[arg(long)]
        connect: String,
        /// The channel id (hex; repeatable).
        #[arg(long, required = true)]
        channel: Vec<String>,
        #[arg(long)]
        store: PathBuf,
        /// The rented machine's HTTP health URL (any 2xx within 5 s passes).
        #[arg(long, conflicts_with = "probe_cmd")]
        probe_url: Option<String>,
        /// A command whose exit status 0 says the job ran.
        #[arg(long)]
        probe_cmd: Option<String>,
        /// Seconds per billing interval, as agreed with the provider (a minute by default): a
        /// channel's ticks that come faster are refused unsigned.
        #[arg(long, default_value_t = 60.0)]
        interval_secs: f64,
        /// How long the provider may bill nothing before the channel is closed unilaterally.
        #[arg(long, default_value = "10m")]
        peer_timeout: String,
    },
    /// Either party: the watchtower daemon. Follows the escrow's close events; answers a close
    /// of a channel in --store made with an older state with the newest one, and finalizes
    /// after the window. Started again, it first looks at every stored open channel. Safe
    /// beside `provide` on the same store: a store is opened by one process at a time, and
    /// the provider's daemon watches its store itself, so `watch` stands by until the store
    /// is free and then takes over.
    Watch {
        #[arg(long)]
        store: PathBuf,
        /// How often to look for new blocks, in milliseconds.
        #[arg(long, default_value_t = 1_000)]
        poll_ms: u64,
    },
    /// The HTTP JSON API and Prometheus metrics (`GET /channels`, `GET /channels/{id}`,
    /// `.../history`, `POST .../close`, `GET /metrics`, `POST /recommend` as `cgrid recommend`). With --store: a party's store on the
    /// deployment's node (close = unilateral with the newest state; a running `provide`
    /// serves the same API with --api). Without: a demo node on the embedded chain that runs
    /// both sides of its trades (`POST /channels` opens and bills one).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// This party's store (on the node of --deployment, signing closes with --key).
        #[arg(long, conflicts_with = "data")]
        store: Option<PathBuf>,
        /// Where the demo node keeps its stores (default: a temporary directory).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Decide who may read and close which channels by this access policy (JSON;
        /// docs/ARCHITECTURE.md "Access to trade records"). Without it, whoever reaches the
        /// address may read and close.
        #[arg(long)]
        access: Option<PathBuf>,
        /// The operator's API token (a file): actions (close, checkpoint; the demo's POST
        /// /channels) need it. Without it a party's API only reads; the demo node acts for
        /// anyone who reaches it.
        #[arg(long)]
        token_file: Option<PathBuf>,
    },
    /// List the channels in a store with their newest state.
    Inspect {
        #[arg(long)]
        store: PathBuf,
    },
}

/// The chain a daemon works on: the node the deployment file names (or `--url`), the suite
/// attached from that file, and the key that signs.
#[cfg(feature = "node")]
pub fn node_chain(
    global: &super::Global,
) -> Result<
    (
        crate::chain::SharedChain<cgrid_suite::node::NodeClient>,
        cgrid_suite::Signer,
    ),
    super::CliError,
> {
    use super::CliError;
    let resolved = super::resolve_global(global)?;
    let signer = super::load_signer(&resolved)?
        .ok_or_else(|| CliError::input("this command signs: pass --key FILE (or set CGRID_KEY)"))?;
    let path = super::deployment_path(&resolved)?;
    let deployment = cgrid_suite::Deployment::read(&path).map_err(CliError::Input)?;
    let url = resolved.url.clone().unwrap_or(deployment.url.clone());
    let mut node = cgrid_suite::node::NodeClient::connect(&url, &signer)
        .map_err(|e| CliError::Failed(format!("cannot reach the node at {url}: {e}")))?;
    // A daemon's waits for inclusion go to its structured log.
    node.report_waits(std::sync::Arc::new(|line: &str| tracing::info!("{line}")));
    let suite = cgrid_suite::Suite::attach(&deployment, &mut node).map_err(CliError::Input)?;
    Ok((crate::chain::SharedChain::new(node, suite), signer))
}
