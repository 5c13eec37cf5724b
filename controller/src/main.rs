//! `cgrid`: the controller's command line.

use clap::{Parser, Subcommand};
use controller::demo;
use controller::session::CheckpointPolicy;
use controller::store::ChannelStore as _;
use controller::trade::TradeConfig;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cgrid", version, about = "ComputeGrid channel controller")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        /// Run against a node instead of the embedded chain (e.g. ws://127.0.0.1:9944; a
        /// fresh suite is deployed; real time: the run waits ~4 minutes for the auction's
        /// windows and the challenge period).
        #[arg(long)]
        url: Option<String>,
        /// With --url: the deployer's and funder's secret URI (a dev chain's //Alice).
        #[arg(long, default_value = "//Alice")]
        suri: String,
    },
    /// Deploy and wire the five contracts on a node and write the deployment file
    /// (addresses, code hashes, blocks) that the TypeScript bindings and the tools read.
    Deploy {
        /// The node, e.g. ws://127.0.0.1:9944.
        #[arg(long)]
        url: String,
        /// The deployer's secret URI; it becomes the registries' root authority.
        #[arg(long, default_value = "//Alice")]
        suri: String,
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

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Provide {
            store,
            channel,
            until,
            listen,
        } => match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => exit(rt.block_on(provide(store, channel, until, listen))),
            Err(e) => exit(Err(format!("cannot start the runtime: {e}"))),
        },
        Command::Inspect { store } => exit(inspect(store)),
        Command::Deploy {
            url,
            suri,
            out,
            salt,
        } => exit(deploy(&url, &suri, out, salt.as_bytes())),
        Command::Serve { listen, data } => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => exit(rt.block_on(serve(listen, data))),
            Err(e) => exit(Err(format!("cannot start the runtime: {e}"))),
        },
        Command::Demo {
            minutes,
            price,
            min_cost,
            checkpoint_every,
            checkpoint_threshold,
            data,
            url,
            suri,
        } => {
            if minutes == 0 {
                eprintln!("error: --minutes must be at least 1");
                return ExitCode::from(2);
            }
            let temp = std::env::temp_dir().join(format!("cgrid-demo-{}", std::process::id()));
            let config = TradeConfig {
                minutes,
                price_per_minute: price,
                min_cost,
                policy: CheckpointPolicy {
                    every_minutes: checkpoint_every,
                    threshold: checkpoint_threshold,
                },
                data_dir: data.unwrap_or(temp),
            };
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let run = async {
                match url {
                    Some(url) => {
                        let deployer = cgrid_suite::Signer::from_suri(&suri)?;
                        demo::run_on_node(&url, &deployer, config).await
                    }
                    None => demo::run(config).await,
                }
            };
            match runtime.block_on(run) {
                Ok(report) => {
                    print!("{}", report.text);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn channel_id(hex_id: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(hex_id.trim_start_matches("0x"))
        .map_err(|e| format!("--channel is not hex: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("--channel must be 32 bytes, got {}", bytes.len()))
}

async fn provide(
    store: PathBuf,
    channels: Vec<String>,
    until: u64,
    listen: String,
) -> Result<(), String> {
    use controller::channel::Side;
    use controller::session::{self, Clock};
    use controller::store::{ChannelStore as _, RedbStore};
    use controller::wire::Conn;
    struct Immediate;
    impl Clock for Immediate {
        fn advance(&self) {}
    }
    let store = RedbStore::open(&store).map_err(|e| e.to_string())?;
    let mut records = Vec::with_capacity(channels.len());
    for channel in &channels {
        let id = channel_id(channel)?;
        if records
            .iter()
            .any(|r: &controller::channel::ChannelRecord| r.id() == id)
        {
            return Err(format!("channel {channel} is named twice"));
        }
        let record = store
            .channel(&id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("channel {channel} is not in the store"))?;
        records.push(record);
    }
    let escrow: [u8; 32] = *records[0].terms.escrow.as_ref();
    if records
        .iter()
        .any(|r| r.terms.escrow != records[0].terms.escrow)
    {
        return Err("the channels belong to different escrows; serve them separately".into());
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening {address}");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
    let mut conn = Conn::new(stream);
    conn.handshake(Side::Provider, escrow)
        .await
        .map_err(|e| e.to_string())?;
    let policy = CheckpointPolicy {
        every_minutes: 0,
        threshold: 0,
    };
    session::provide_many(
        &mut conn,
        &store,
        None,
        &mut records,
        until,
        policy,
        &Immediate,
    )
    .await
    .map_err(|e| e.to_string())?;
    for record in &records {
        println!(
            "billed {} minutes on 0x{}",
            record.minutes(),
            hex::encode(record.id())
        );
    }
    Ok(())
}

fn deploy(url: &str, suri: &str, out: Option<PathBuf>, salt: &[u8]) -> Result<(), String> {
    let started = std::time::Instant::now();
    let deployer = cgrid_suite::Signer::from_suri(suri)?;
    let deployment = controller::deploy::deploy(url, &deployer, salt)?;
    let path = out.unwrap_or_else(|| {
        PathBuf::from("deployments").join(format!("{}.json", deployment.network))
    });
    deployment.write(&path)?;
    for c in &deployment.contracts {
        println!(
            "{:<18} {}  code 0x{}  block {}",
            c.name,
            c.address,
            hex::encode(c.code_hash),
            c.block
        );
    }
    println!(
        "deployed and wired in {:.1} s; wrote {}",
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(())
}

fn inspect(store: PathBuf) -> Result<(), String> {
    let store = controller::store::RedbStore::open(&store).map_err(|e| e.to_string())?;
    for record in store.channels().map_err(|e| e.to_string())? {
        println!(
            "0x{}  {:?}  {:?}  minutes {}  owed {}  settled {:?}  states stored {}",
            hex::encode(record.id()),
            record.side,
            record.phase,
            record.minutes(),
            record.owed(),
            record.settled,
            store
                .history(&record.id())
                .map_err(|e| e.to_string())?
                .len()
        );
    }
    Ok(())
}

async fn serve(listen: String, data: Option<PathBuf>) -> Result<(), String> {
    use controller::api::{router, ApiState};
    use controller::trade::Market;
    let data = data.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("cgrid-serve-{}", std::process::id()))
    });
    let market = Market::embedded(controller::demo::T0)?;
    let node = std::sync::Arc::new(ApiState::new(market, data.clone())?);
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "cgrid node on the embedded chain: http://{address}  (stores in {})",
        data.display()
    );
    println!("  try: curl -s -XPOST http://{address}/channels -H 'content-type: application/json' -d '{{\"minutes\":30,\"price_per_minute\":1000,\"checkpoint_every\":10}}'");
    axum::serve(listener, router(node))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
