//! `cgrid`'s party commands: every action of the operator (the root authority and other
//! authorities), credential issuers and regulators on a deployed suite, as one command each.
//!
//! Each command runs against `--deployment deployments/<network>.json` (the node URL from the
//! file, `--url` overrides) with the party's own key file (`--key F`); `--dev` also accepts a
//! secret URI such as `//Alice`. `cgrid.toml` in the working directory (or `--config F`) and
//! the environment (`CGRID_DEPLOYMENT`, `CGRID_KEY`, `CGRID_URL`) may hold the three.
//!
//! The command code is generic over [`cgrid_suite::Backend`]: `cgrid` runs it on a node, the
//! tests run the very same code on the embedded chain ([`run_on`]). A command either prints
//! its [`Report`] (human text, or JSON with `--json`) or fails with one [`CliError`] sentence:
//! exit code 2 for bad input (nothing sent), 1 when the contract refused (its error named;
//! the node client never submits what its dry run saw refused, so nothing changed) or the
//! chain failed, and 1 for a credential that does not verify.

mod abe;
mod admin;
mod api;
mod auction;
mod channel;
mod credential;
mod did;
mod history;
pub mod key;
mod mask;
pub mod parse;
pub mod recommend;
mod service;
mod verify;

use crate::cli::parse::Config;
use cgrid_suite::{AccountId32, Backend, Signer, Suite, SuiteError};
use clap::{Args, Parser, Subcommand};
use serde_json::Value;
use std::path::PathBuf;

pub use abe::AbeCmd;
pub use admin::{AccountCmd, AuthorityCmd, CptCmd, RoleCmd, RootCmd};
pub use auction::AuctionCmd;
pub use channel::{ChannelCmd, OfferCmd};
pub use credential::{CredentialCmd, PresentArgs};
pub use did::DidCmd;
pub use history::HistoryCmd;
pub use key::KeyCmd;
pub use mask::MaskCmd;
pub use recommend::RecommendArgs;
#[cfg(feature = "node")]
pub use service::node_chain;
pub use service::ServiceCommand;
pub use verify::VerifyArgs;

/// `cgrid`: the whole command line.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "cgrid",
    version,
    about = "ComputeGrid: the suite's command line for every party",
    after_help = "Environment:\n  \
        CGRID_DEPLOYMENT, CGRID_KEY, CGRID_URL  defaults of --deployment, --key and --url (or ./cgrid.toml)\n  \
        CGRID_BUNDLES  the release bundles the embedded chain runs (`demo`, `serve` without --deployment);\n                 \
        default: <cargo target dir>/bundles, where scripts/build-contracts.sh puts them\n  \
        RUST_LOG       the log filter, e.g. `info` or `warn,cgrid::api=info` (logs go to stderr)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    #[command(flatten)]
    Party(PartyCommand),
    #[command(flatten)]
    Service(ServiceCommand),
}

/// Options every command takes (before or after the subcommand).
#[derive(Args, Debug, Clone, Default)]
pub struct Global {
    /// The suite's deployment file (`deployments/<network>.json`).
    #[arg(long, global = true, env = "CGRID_DEPLOYMENT")]
    pub deployment: Option<PathBuf>,
    /// The signing key file (`cgrid key generate`); with --dev also a secret URI (`//Alice`).
    #[arg(long, global = true, env = "CGRID_KEY")]
    pub key: Option<String>,
    /// The node to talk to (default: the URL in the deployment file).
    #[arg(long, global = true, env = "CGRID_URL")]
    pub url: Option<String>,
    /// Development chain: accept a secret URI as --key.
    #[arg(long, global = true)]
    pub dev: bool,
    /// Print JSON for scripts instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// A cgrid.toml holding `deployment`, `key` and `url` (default: ./cgrid.toml if present).
    #[arg(long, global = true, env = "CGRID_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log lines as `text` or `json` (structured; the level from RUST_LOG, default warn, or
    /// info for the daemons).
    #[arg(long, global = true, default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
}

/// The party commands (those that talk to a deployed suite, and `key`).
#[derive(Subcommand, Debug, Clone)]
pub enum PartyCommand {
    /// Key files: generate one, show its public keys.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Accounts: balance and DID; top one up from the key's account.
    #[command(subcommand)]
    Account(AccountCmd),
    /// DIDs: create, resolve (W3C DID Core), update, sign and relay operations.
    #[command(subcommand)]
    Did(DidCmd),
    /// Root only: add or remove authorities.
    #[command(subcommand)]
    Authority(AuthorityCmd),
    /// Hand the root authority over (transfer, then accept).
    #[command(subcommand)]
    Root(RootCmd),
    /// Authorities: KYC roles of DIDs (grant with expiry and evidence, revoke, list).
    #[command(subcommand)]
    Role(RoleCmd),
    /// Credential templates (CPTs): register from a template file, show, serve the JSON Schema.
    #[command(subcommand)]
    Cpt(CptCmd),
    /// Sealed-bid auctions: create, bid, reveal, finalize, show; the parameter model.
    #[command(subcommand)]
    Auction(AuctionCmd),
    /// Regulators: mask records, approve unmasking, show masks; the root names the committee.
    #[command(subcommand)]
    Mask(MaskCmd),
    /// Providers: sign an offer of trade terms for one consumer.
    #[command(subcommand)]
    Offer(OfferCmd),
    /// Channels: open on an offer (consumers), show, top up.
    #[command(subcommand)]
    Channel(ChannelCmd),
    /// Credentials: issue (W3C VC 2.0), verify against the chain, present selectively,
    /// suspend, unsuspend, revoke.
    #[command(subcommand)]
    Credential(CredentialCmd),
    /// Auditors: checks that each contract of the deployment runs the code of this source
    /// (its code hash on chain against the local bundles and bundles.lock.json); prints a
    /// table and exits 1 on any mismatch.
    Verify(VerifyArgs),
    /// Consumers (no chain): offers recommended to requests by optimal transport over each
    /// consumer's preferences learned from its trade history; per request a ranked list with
    /// the plan's shares and an assignment within every offer's capacity.
    Recommend(RecommendArgs),
    /// The attribute authority (no chain): CP-ABE keys for encrypted credentials.
    #[command(subcommand)]
    Abe(AbeCmd),
    /// Consumers: the trades of a store as the recommender's history (`history export`).
    #[command(subcommand)]
    History(HistoryCmd),
    /// Anyone (no chain): a request to a `cgrid serve` API under an access policy, signed by
    /// your DID (--did, --key) or with the operator's token (--token-file).
    #[command(subcommand)]
    Api(api::ApiCmd),
}

/// What a command prints: text for people, JSON for scripts (`--json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub text: String,
    pub json: Value,
}

impl Report {
    pub fn new(text: impl Into<String>, json: Value) -> Report {
        Report {
            text: text.into(),
            json,
        }
    }

    /// What to print under `global`.
    pub fn render(&self, global: &Global) -> String {
        if global.json {
            serde_json::to_string_pretty(&self.json).unwrap_or_default()
        } else {
            self.text.clone()
        }
    }
}

/// Why a command did not do what was asked, as one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// Bad input (arguments, files, keys, an unknown DID): nothing was sent. Exit code 2.
    Input(String),
    /// The contract refused (its error named); nothing changed. Exit code 1.
    Refused(String),
    /// The chain or the machine failed. Exit code 1.
    Failed(String),
    /// `credential verify`: the credential does not verify (the reason). Exit code 1.
    Invalid(String),
    /// `verify`: code on chain differs from this source; the report shows where. Exit code 1.
    Mismatch { report: Box<Report>, why: String },
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Refused(_)
            | CliError::Failed(_)
            | CliError::Invalid(_)
            | CliError::Mismatch { .. } => 1,
        }
    }

    pub fn input(message: impl Into<String>) -> CliError {
        CliError::Input(message.into())
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Input(m) | CliError::Refused(m) | CliError::Failed(m) => f.write_str(m),
            CliError::Invalid(m) => write!(f, "invalid: {m}"),
            CliError::Mismatch { why, .. } => f.write_str(why),
        }
    }
}

impl<E: std::fmt::Debug> From<SuiteError<E>> for CliError {
    fn from(e: SuiteError<E>) -> CliError {
        match e {
            SuiteError::Refused { .. } => CliError::Refused(readable(&e.to_string())),
            SuiteError::Chain {
                contract,
                message,
                ref reason,
            } if reason.contains("StorageDepositLimitExhausted") => CliError::Failed(format!(
                "{contract}.{message}: the sending account cannot pay the storage deposit; fund it and retry"
            )),
            SuiteError::Chain { .. } => CliError::Failed(e.to_string()),
        }
    }
}

/// `text` with every `[n, n, …]` list of 32 bytes (an id in a refusal's Debug form) written
/// as `0x`-hex.
fn readable(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let bytes = after.find(']').and_then(|close| {
            let parsed: Option<Vec<u8>> = after[..close]
                .split(',')
                .map(|b| b.trim().parse().ok())
                .collect();
            parsed.filter(|b| b.len() == 32).map(|b| (b, close))
        });
        match bytes {
            Some((b, close)) => {
                out.push_str(&format!("0x{}", hex::encode(b)));
                rest = &after[close + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One party's view of a deployed suite: the chain, the suite's contracts, its key.
pub struct Ctx<'c, B: Backend> {
    pub chain: &'c mut B,
    pub suite: Suite,
    signer: Option<Signer>,
}

impl<'c, B: Backend> Ctx<'c, B> {
    pub fn new(chain: &'c mut B, suite: Suite, signer: Option<Signer>) -> Self {
        Ctx {
            chain,
            suite,
            signer,
        }
    }

    /// The signing key and its account, made one the backend transacts for.
    pub fn signer(&mut self) -> Result<(Signer, AccountId32), CliError> {
        let signer = self.signer.clone().ok_or_else(|| {
            CliError::input("this command signs: pass --key FILE (or set CGRID_KEY)")
        })?;
        let account = self.chain.add_signer(&signer);
        Ok((signer, account))
    }

    /// The block time the next call sees (ms).
    pub fn now(&mut self) -> u64 {
        self.chain.time()
    }
}

/// Waits until the chain's block time reaches `deadline` (ms), reporting on stderr how long
/// is left for `what` every few seconds. Chain time moves with blocks: on a development node
/// that seals blocks only for transactions, something must send them.
pub fn wait_for_time<B: Backend>(
    ctx: &mut Ctx<'_, B>,
    deadline: u64,
    what: &str,
) -> Result<(), CliError> {
    let mut last_report: Option<std::time::Instant> = None;
    loop {
        let now = ctx.now();
        if now >= deadline {
            return Ok(());
        }
        if last_report.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(5)) {
            eprintln!(
                "waiting for {what}: {} s left in chain time",
                (deadline - now).div_ceil(1000)
            );
            last_report = Some(std::time::Instant::now());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// The options after `cgrid.toml` and the environment filled what the flags left open.
pub fn resolve_global(global: &Global) -> Result<Global, CliError> {
    let config = Config::load(global.config.as_deref())?;
    Ok(Global {
        deployment: global.deployment.clone().or(config.deployment),
        key: global.key.clone().or(config.key),
        url: global.url.clone().or(config.url),
        ..global.clone()
    })
}

/// The signer `--key` names, if any: a key file, or (with `--dev` only) a secret URI.
pub fn load_signer(global: &Global) -> Result<Option<Signer>, CliError> {
    let Some(key) = global.key.as_deref() else {
        return Ok(None);
    };
    let looks_like_uri = key.starts_with("//") || key.contains(' ') || key.starts_with("0x");
    if looks_like_uri && !std::path::Path::new(key).exists() {
        if !global.dev {
            return Err(CliError::input(
                "--key is a secret URI; secret URIs are accepted only with --dev (use a key file from `cgrid key generate`)",
            ));
        }
        return Signer::from_suri(key).map(Some).map_err(CliError::Input);
    }
    Signer::load(std::path::Path::new(key))
        .map(Some)
        .map_err(CliError::Input)
}

/// The deployment file `global` names (required by every chain command).
pub fn deployment_path(global: &Global) -> Result<PathBuf, CliError> {
    global.deployment.clone().ok_or_else(|| {
        CliError::input(
            "no deployment: pass --deployment deployments/<network>.json (or set CGRID_DEPLOYMENT or `deployment` in cgrid.toml)",
        )
    })
}

/// Runs `command` on `chain` as the party `global` describes (attaching to its deployment
/// file first). `cgrid` calls it with a node, the tests with the embedded chain.
pub fn run_on<B: Backend>(
    chain: &mut B,
    global: &Global,
    command: PartyCommand,
) -> Result<Report, CliError> {
    let global = resolve_global(global)?;
    if is_offline(&command) {
        return offline(&global, command);
    }
    let path = deployment_path(&global)?;
    if let PartyCommand::Verify(args) = command {
        // Before attaching: attaching refuses the very mismatches verify reports.
        return verify::run(chain, &path, args);
    }
    let signer = load_signer(&global)?;
    let suite = Suite::attach_file(&path, chain).map_err(CliError::Input)?;
    let mut ctx = Ctx::new(chain, suite, signer);
    match command {
        PartyCommand::Key(_)
        | PartyCommand::Verify(_)
        | PartyCommand::Recommend(_)
        | PartyCommand::Abe(_)
        | PartyCommand::Api(_) => {
            unreachable!("handled above")
        }
        PartyCommand::Did(cmd) => did::run(&mut ctx, cmd),
        PartyCommand::Account(cmd) => admin::account(&mut ctx, cmd),
        PartyCommand::Authority(cmd) => admin::authority(&mut ctx, cmd),
        PartyCommand::Root(cmd) => admin::root(&mut ctx, cmd),
        PartyCommand::Role(cmd) => admin::role(&mut ctx, cmd),
        PartyCommand::Cpt(cmd) => admin::cpt(&mut ctx, cmd),
        PartyCommand::Auction(cmd) => auction::run(&mut ctx, cmd),
        PartyCommand::Mask(cmd) => mask::run(&mut ctx, cmd),
        PartyCommand::Credential(cmd) => credential::run(&mut ctx, cmd),
        PartyCommand::Offer(cmd) => channel::offer(&mut ctx, cmd),
        PartyCommand::Channel(cmd) => channel::channel(&mut ctx, cmd),
        PartyCommand::History(cmd) => history::run(&mut ctx, cmd),
    }
}

/// Whether `command` needs no chain (so `cgrid` does not connect to one).
pub fn is_offline(command: &PartyCommand) -> bool {
    matches!(
        command,
        PartyCommand::Key(_)
            | PartyCommand::Recommend(_)
            | PartyCommand::Abe(_)
            | PartyCommand::Api(_)
            | PartyCommand::Credential(CredentialCmd::Present(PresentArgs { prove: None, .. }))
            | PartyCommand::Credential(CredentialCmd::Decrypt(_))
            | PartyCommand::Offer(OfferCmd::Show { .. })
    )
}

/// Runs `command` on the node `global` names (the deployment file's URL, or `--url`).
#[cfg(feature = "node")]
pub fn run_on_node(global: &Global, command: PartyCommand) -> Result<Report, CliError> {
    use cgrid_suite::node::NodeClient;
    let resolved = resolve_global(global)?;
    if is_offline(&command) {
        // No chain: `run_on` returns before touching one.
        return run_offline(global, command);
    }
    let path = deployment_path(&resolved)?;
    let deployment = cgrid_suite::Deployment::read(&path).map_err(CliError::Input)?;
    let url = resolved.url.clone().unwrap_or(deployment.url.clone());
    // Reads need no key: a throwaway key connects when the command names none.
    let connecting = load_signer(&resolved)?.unwrap_or_else(Signer::generate);
    let mut node = NodeClient::connect(&url, &connecting)
        .map_err(|e| CliError::Failed(format!("cannot reach the node at {url}: {e}")))?;
    // A command's waits for inclusion are shown to whoever runs it (stderr: stdout is the
    // report).
    node.report_waits(cgrid_suite::node::waits_to_stderr());
    run_on(&mut node, global, command)
}

/// Runs a command that needs no chain.
pub fn run_offline(global: &Global, command: PartyCommand) -> Result<Report, CliError> {
    offline(&resolve_global(global)?, command)
}

/// The commands of [`is_offline`].
fn offline(global: &Global, command: PartyCommand) -> Result<Report, CliError> {
    match command {
        PartyCommand::Api(cmd) => api::run(global, cmd),
        PartyCommand::Key(cmd) => key::run(cmd),
        PartyCommand::Recommend(args) => recommend::run(args),
        PartyCommand::Abe(cmd) => abe::run(cmd),
        PartyCommand::Credential(CredentialCmd::Decrypt(args)) => credential::decrypt(args),
        PartyCommand::Credential(CredentialCmd::Present(args)) if args.prove.is_none() => {
            credential::present(args)
        }
        PartyCommand::Offer(OfferCmd::Show { file }) => channel::show_offer(&file),
        _ => Err(CliError::input("this command needs a chain")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_in_refusals_read_as_hex() {
        let ids = format!(
            "DidNotFound({:?}) and Masked {{ did: {:?} }} [1, 2]",
            [9u8; 32], [255u8; 32]
        );
        assert_eq!(
            super::readable(&ids),
            format!(
                "DidNotFound(0x{}) and Masked {{ did: 0x{} }} [1, 2]",
                "09".repeat(32),
                "ff".repeat(32)
            )
        );
    }
}
