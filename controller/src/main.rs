//! `cgrid`: the controller's command line.

use clap::{Parser, Subcommand};
use controller::demo::{self, DemoConfig};
use controller::session::CheckpointPolicy;
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
    /// The whole trade flow on the embedded chain: deploy the suite, open a trade, bill it
    /// between a provider and a consumer controller over loopback TCP, checkpoint, close, and
    /// show the watchtower answering a stale close.
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
        /// Run against a node instead of the embedded chain (not available yet).
        #[arg(long)]
        url: Option<String>,
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
        Command::Demo {
            minutes,
            price,
            min_cost,
            checkpoint_every,
            checkpoint_threshold,
            data,
            url,
        } => {
            if let Some(url) = url {
                eprintln!(
                    "error: the node backend (subxt, --url {url}) is not built yet; run `cgrid demo` without --url to use the embedded chain"
                );
                return ExitCode::from(2);
            }
            if minutes == 0 {
                eprintln!("error: --minutes must be at least 1");
                return ExitCode::from(2);
            }
            let temp = std::env::temp_dir().join(format!("cgrid-demo-{}", std::process::id()));
            let config = DemoConfig {
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
            match runtime.block_on(demo::run(config)) {
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
