//! `cgrid`: the controller's command line.

use clap::Parser;
use controller::cli::{self, Cli, Command, Global, ServiceCommand};
use controller::demo;
use controller::session::CheckpointPolicy;
use controller::store::ChannelStore as _;
use controller::trade::TradeConfig;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let daemon = matches!(
        cli.command,
        Command::Service(
            ServiceCommand::Provide { .. }
                | ServiceCommand::Consume { .. }
                | ServiceCommand::Watch { .. }
        )
    );
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if daemon { "info" } else { "warn" })
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if cli.global.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }
    match cli.command {
        Command::Party(command) => {
            let global = cli.global;
            let result = if cli::is_offline(&command) {
                cli::run_offline(&global, command)
            } else {
                cli::run_on_node(&global, command)
            };
            match result {
                Ok(report) => {
                    let text = report.render(&global);
                    print!("{text}");
                    if global.json {
                        println!();
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    if let cli::CliError::Mismatch { report, .. } = &e {
                        print!("{}", report.render(&global));
                    }
                    eprintln!("error: {e}");
                    ExitCode::from(e.exit_code())
                }
            }
        }
        Command::Service(command) => service(&cli.global, command),
    }
}

/// The signer of `deploy` and `demo --url`: `--key` (a key file, or a secret URI with
/// --dev), else `--suri`, else the development chain's //Alice.
fn deployer(global: &Global, suri: Option<&str>) -> Result<cgrid_suite::Signer, String> {
    let global = cli::resolve_global(global).map_err(|e| e.to_string())?;
    if let Some(signer) = cli::load_signer(&global).map_err(|e| e.to_string())? {
        return Ok(signer);
    }
    cgrid_suite::Signer::from_suri(suri.unwrap_or("//Alice"))
}

/// Listens on `listen` and prints `say(address)` on stdout, flushed: scripts wait for that line
/// to learn the port.
async fn listen_announced(
    listen: &str,
    say: impl FnOnce(std::net::SocketAddr) -> String,
) -> Result<(tokio::net::TcpListener, std::net::SocketAddr), String> {
    use std::io::Write as _;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!("{}", say(address));
    let _ = std::io::stdout().flush();
    Ok((listener, address))
}

/// A directory this command made: removed (with what it holds) when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `--interval-secs`: a positive number of seconds.
fn interval(secs: f64) -> Result<std::time::Duration, String> {
    match std::time::Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err("--interval-secs must be a positive number".into()),
    }
}

fn service(global: &Global, command: ServiceCommand) -> ExitCode {
    match command {
        ServiceCommand::Provide {
            store,
            listen,
            interval_secs,
            checkpoint_every,
            checkpoint_threshold,
            close_at,
            peer_timeout,
            no_watch,
            api,
            access,
            token_file,
            channel,
            until,
        } => {
            let runtime = match runtime() {
                Ok(rt) => rt,
                Err(e) => return exit(Err(e)),
            };
            if !channel.is_empty() {
                let Some(until) = until else {
                    return exit(Err("--channel needs --until".into()));
                };
                return exit(runtime.block_on(provide(store, channel, until, listen)));
            }
            let policy = CheckpointPolicy {
                every_minutes: checkpoint_every,
                threshold: checkpoint_threshold,
            };
            let interval = match interval(interval_secs) {
                Ok(d) => d,
                Err(e) => return exit(Err(e)),
            };
            let peer_timeout = match cli::parse::duration(&peer_timeout) {
                Ok(ms) if ms > 0 => std::time::Duration::from_millis(ms),
                _ => {
                    return exit(Err(
                        "--peer-timeout must be a positive duration such as 90s or 10m".into(),
                    ))
                }
            };
            let (access, token) = match api_guards(access.as_deref(), token_file.as_deref()) {
                Ok(x) => x,
                Err(e) => return exit(Err(e)),
            };
            let options = DaemonOptions {
                interval,
                policy,
                close_at,
                peer_timeout,
                watch: !no_watch,
                api,
                access,
                token,
            };
            exit(runtime.block_on(provide_daemon(global, store, listen, options)))
        }
        ServiceCommand::Consume {
            connect,
            channel,
            store,
            probe_url,
            probe_cmd,
            interval_secs,
            peer_timeout,
        } => {
            let interval = match interval(interval_secs) {
                Ok(d) => d,
                Err(e) => return exit(Err(e)),
            };
            let peer_timeout = match cli::parse::duration(&peer_timeout) {
                Ok(ms) if ms > 0 => std::time::Duration::from_millis(ms),
                _ => {
                    return exit(Err(
                        "--peer-timeout must be a positive duration such as 90s or 10m".into(),
                    ))
                }
            };
            let runtime = match runtime() {
                Ok(rt) => rt,
                Err(e) => return exit(Err(e)),
            };
            let probe = match (probe_url, probe_cmd) {
                (Some(url), _) => Some(controller::daemon::Probe::Http(url)),
                (None, Some(cmd)) => Some(controller::daemon::Probe::Command(cmd)),
                (None, None) => None,
            };
            exit(runtime.block_on(consume(
                global,
                connect,
                channel,
                store,
                probe,
                interval,
                peer_timeout,
            )))
        }
        ServiceCommand::Inspect { store } => exit(inspect(store)),
        ServiceCommand::Watch { store, poll_ms } => {
            let runtime = match runtime() {
                Ok(rt) => rt,
                Err(e) => return exit(Err(e)),
            };
            exit(runtime.block_on(watch(global, store, poll_ms)))
        }
        ServiceCommand::Deploy { suri, out, salt } => {
            let url = cli::resolve_global(global)
                .ok()
                .and_then(|g| g.url)
                .ok_or_else(|| "deploy needs the node: pass --url ws://…".to_string());
            exit(url.and_then(|url| {
                let deployer = deployer(global, suri.as_deref())?;
                deploy(&url, &deployer, out, salt.as_bytes())
            }))
        }
        ServiceCommand::Serve {
            listen,
            store,
            data,
            access,
            token_file,
        } => {
            let (access, token) = match api_guards(access.as_deref(), token_file.as_deref()) {
                Ok(x) => x,
                Err(e) => return exit(Err(e)),
            };
            match runtime() {
                Ok(rt) => exit(rt.block_on(async {
                    match store {
                        Some(store) => serve_party(global, listen, store, access, token).await,
                        None => serve(listen, data, access, token).await,
                    }
                })),
                Err(e) => exit(Err(e)),
            }
        }
        ServiceCommand::Demo {
            minutes,
            price,
            min_cost,
            checkpoint_every,
            checkpoint_threshold,
            data,
            suri,
        } => {
            // Stores in a temporary directory are the demo's own: removed when it ends.
            let temp = data
                .is_none()
                .then(|| std::env::temp_dir().join(format!("cgrid-demo-{}", std::process::id())));
            let config = TradeConfig {
                minutes,
                price_per_minute: price,
                min_cost,
                policy: CheckpointPolicy {
                    every_minutes: checkpoint_every,
                    threshold: checkpoint_threshold,
                },
                data_dir: data.or(temp.clone()).unwrap_or_default(),
            };
            if let Err(why) = demo::check(&config) {
                eprintln!("error: {why}");
                return ExitCode::from(2);
            }
            let _removed = temp.map(TempDir);
            let runtime = match runtime() {
                Ok(r) => r,
                Err(e) => return exit(Err(e)),
            };
            let url = global.url.clone();
            let run = async {
                match url {
                    Some(url) => {
                        let deployer = deployer(global, Some(&suri))?;
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

/// A multi-threaded runtime (the daemons' real-time clock needs one).
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
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
    let (listener, _) = listen_announced(&listen, |address| format!("listening {address}")).await?;
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

/// How `cgrid provide` runs.
struct DaemonOptions {
    interval: std::time::Duration,
    policy: CheckpointPolicy,
    close_at: Option<u64>,
    peer_timeout: std::time::Duration,
    watch: bool,
    /// Where to serve the HTTP API over the daemon's store.
    api: Option<String>,
    /// Its access policy.
    access: Option<controller::access::Policy>,
    /// BLAKE2b-256 of the operator's token (actions need it; without it the API only reads).
    token: Option<[u8; 32]>,
}

/// `cgrid provide` as a daemon on the deployment's node.
async fn provide_daemon(
    global: &Global,
    store: PathBuf,
    listen: String,
    options: DaemonOptions,
) -> Result<(), String> {
    use std::sync::Arc;
    let (chain, signer) = cli::node_chain(global).map_err(|e| e.to_string())?;
    let store: Arc<dyn controller::store::ChannelStore> = Arc::new(own_store(&store)?);
    let account = signer.account();
    let client: Arc<dyn controller::chain::ChainClient> =
        Arc::new(chain.client(account.clone(), "provider"));
    if let Some(api) = &options.api {
        let mut state = controller::api::ApiState::party(store.clone(), client.clone())
            .with_gate(party_gate(options.token))
            .with_directory(Arc::new(chain.clone()));
        if options.watch {
            state = state.with_watchtower();
        }
        if let Some(policy) = options.access.clone() {
            state = state.with_access(controller::api::Access {
                policy,
                directory: Arc::new(chain.clone()),
            });
        }
        let api = api.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_api(api, state).await {
                tracing::error!(error = %e, "the HTTP API stopped");
            }
        });
    }
    let mut provider = controller::daemon::Provider::new(
        store,
        client,
        cgrid_suite::ink_account(&account),
        signer.pair().clone(),
        options.interval,
        options.policy,
        options.close_at,
    )
    .with_peer_timeout(options.peer_timeout);
    if options.watch {
        provider = provider.with_watchtower(std::time::Duration::from_secs(1));
    }
    let provider = Arc::new(provider);
    let (listener, _) = listen_announced(&listen, |address| format!("listening {address}")).await?;
    tokio::select! {
        served = provider.run(listener) => served,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// `cgrid watch`: the watchtower daemon on the deployment's node. While another process (a
/// `provide` daemon, which watches its store itself) has the store open, it stands by and
/// takes over once the store is free.
async fn watch(global: &Global, store: PathBuf, poll_ms: u64) -> Result<(), String> {
    use std::sync::Arc;
    let (chain, signer) = cli::node_chain(global).map_err(|e| e.to_string())?;
    if !store.exists() {
        return Err(format!("no store at {}", store.display()));
    }
    let mut waiting = false;
    let store = loop {
        match controller::store::RedbStore::open(&store) {
            Ok(s) => break s,
            Err(controller::store::StoreError::InUse) => {
                if !waiting {
                    println!("standing by: {} is in use by another process (a running daemon watches it); taking over when it is free", store.display());
                    use std::io::Write as _;
                    let _ = std::io::stdout().flush();
                    waiting = true;
                }
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    _ = tokio::signal::ctrl_c() => return Ok(()),
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let tower = controller::daemon::Watchtower::new(
        Arc::new(store),
        Arc::new(chain.client(signer.account(), "watchtower")),
    );
    println!("watching");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    tokio::select! {
        watched = tower.run(std::time::Duration::from_millis(poll_ms.max(10))) => watched.map_err(|e| e.to_string()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// `cgrid consume`: joins a provider and pays interval by interval.
async fn consume(
    global: &Global,
    connect: String,
    channels: Vec<String>,
    store: PathBuf,
    probe: Option<controller::daemon::Probe>,
    interval: std::time::Duration,
    peer_timeout: std::time::Duration,
) -> Result<(), String> {
    let ids = channels
        .iter()
        .map(|c| channel_id(c))
        .collect::<Result<Vec<_>, _>>()?;
    let (chain, signer) = cli::node_chain(global).map_err(|e| e.to_string())?;
    let store = own_store(&store)?;
    let account = signer.account();
    let client = chain.client(account.clone(), "consumer");
    let service: &dyn controller::session::ServiceCheck = match &probe {
        Some(p) => p,
        None => &controller::session::Unchecked,
    };
    let records = controller::daemon::Consumer {
        store: &store,
        chain: &client,
        account: cgrid_suite::ink_account(&account),
        key: signer.pair(),
        service,
        interval,
    }
    .consume_until_closed(&connect, &ids, peer_timeout)
    .await
    .map_err(|e| e.to_string())?;
    use controller::chain::ChainClient as _;
    for r in &records {
        let on_chain = client.channel(&r.id()).map_err(|e| e.to_string())?;
        let outcome = match on_chain.map(|c| c.phase) {
            Some(cgrid_shared::Phase::Closed { paid, refunded, .. }) => {
                format!("closed on chain: {paid} paid, {refunded} refunded")
            }
            Some(phase) => format!(
                "on chain: {} (run again to resume)",
                controller::views::chain_phase_name(&phase)
            ),
            None => "not on chain".into(),
        };
        println!(
            "channel 0x{}: {} minutes signed, {} owed; {outcome}",
            hex::encode(r.id()),
            r.minutes(),
            r.owed(),
        );
    }
    Ok(())
}

fn deploy(
    url: &str,
    deployer: &cgrid_suite::Signer,
    out: Option<PathBuf>,
    salt: &[u8],
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let (deployment, path) = controller::deploy::deploy(url, deployer, salt, out)?;
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

/// A daemon's own store: opened, or made on its first run (said on stderr).
fn own_store(path: &std::path::Path) -> Result<controller::store::RedbStore, String> {
    let (store, created) =
        controller::store::RedbStore::open_or_create(path).map_err(|e| e.to_string())?;
    if created {
        tracing::info!(store = %path.display(), "created a new store");
    }
    Ok(store)
}

fn inspect(store: PathBuf) -> Result<(), String> {
    let store = controller::store::RedbStore::open(&store).map_err(|e| e.to_string())?;
    for record in store.channels().map_err(|e| e.to_string())? {
        println!(
            "0x{}  {}  {}  minutes {}  owed {}  settled minute {} ({})  states stored {}",
            hex::encode(record.id()),
            format!("{:?}", record.side).to_lowercase(),
            record.phase.name(),
            record.minutes(),
            record.owed(),
            record.settled.0,
            record.settled.1,
            store
                .history(&record.id())
                .map_err(|e| e.to_string())?
                .len()
        );
    }
    Ok(())
}

/// The HTTP API over one party's store on the deployment's node.
/// `--access` and `--token-file` of `serve` and `provide --api`, read.
type ApiGuards = (Option<controller::access::Policy>, Option<[u8; 32]>);

fn api_guards(
    access: Option<&std::path::Path>,
    token_file: Option<&std::path::Path>,
) -> Result<ApiGuards, String> {
    Ok((
        access.map(access_policy).transpose()?,
        token_file.map(operator_token).transpose()?,
    ))
}

/// Reads `--token-file`: the operator's token, kept as its BLAKE2b-256.
fn operator_token(path: &std::path::Path) -> Result<[u8; 32], String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
    let token = text.trim();
    if token.len() < 16 {
        return Err(format!(
            "the token in {} is shorter than 16 characters; use a long random one",
            path.display()
        ));
    }
    Ok(sp_core::hashing::blake2_256(token.as_bytes()))
}

/// A party's API acts only for the operator's token; without one it only reads.
fn party_gate(token: Option<[u8; 32]>) -> controller::api::Gate {
    token.map_or(
        controller::api::Gate::ReadOnly,
        controller::api::Gate::Token,
    )
}

/// Reads `cgrid serve --access`'s policy file.
fn access_policy(path: &std::path::Path) -> Result<controller::access::Policy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the access policy {}: {e}", path.display()))?;
    controller::access::Policy::parse(&text)
        .map_err(|e| format!("the access policy {} is wrong: {e}", path.display()))
}

async fn serve_party(
    global: &Global,
    listen: String,
    store: PathBuf,
    access: Option<controller::access::Policy>,
    token: Option<[u8; 32]>,
) -> Result<(), String> {
    use std::sync::Arc;
    if !store.exists() {
        return Err(format!("no store at {}", store.display()));
    }
    let (chain, signer) = cli::node_chain(global).map_err(|e| e.to_string())?;
    let store = controller::store::RedbStore::open(&store).map_err(|e| match e {
        controller::store::StoreError::InUse => format!(
            "{} is in use by a running daemon: serve the API from it (`cgrid provide --api ADDR`)",
            store.display()
        ),
        e => e.to_string(),
    })?;
    let mut state = controller::api::ApiState::party(
        Arc::new(store),
        Arc::new(chain.client(signer.account(), "api")),
    )
    .with_gate(party_gate(token))
    .with_directory(Arc::new(chain.clone()));
    if let Some(policy) = access {
        state = state.with_access(controller::api::Access {
            policy,
            directory: Arc::new(chain),
        });
    }
    serve_api(listen, state).await
}

/// Serves the HTTP API until Ctrl-C; prints `api http://ADDR` once it listens.
async fn serve_api(listen: String, state: controller::api::ApiState) -> Result<(), String> {
    let (listener, address) =
        listen_announced(&listen, |address| format!("api http://{address}")).await?;
    println!("dashboard http://{address}/dashboard");
    axum::serve(
        listener,
        controller::api::router(std::sync::Arc::new(state)),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

async fn serve(
    listen: String,
    data: Option<PathBuf>,
    access: Option<controller::access::Policy>,
    token: Option<[u8; 32]>,
) -> Result<(), String> {
    use controller::api::{router, ApiState};
    use controller::trade::Market;
    // Stores in a temporary directory are this run's own: removed when it stops.
    let temp = data
        .is_none()
        .then(|| std::env::temp_dir().join(format!("cgrid-serve-{}", std::process::id())));
    let data = data.or(temp.clone()).unwrap_or_default();
    let _removed = temp.map(TempDir);
    let market = Market::embedded(controller::demo::T0)?;
    let directory = std::sync::Arc::new(market.chain.clone());
    let mut node = ApiState::new(market, data.clone())?;
    if let Some(hash) = token {
        node = node.with_gate(controller::api::Gate::Token(hash));
    }
    if let Some(policy) = access {
        node = node.with_access(controller::api::Access { policy, directory });
    }
    let node = std::sync::Arc::new(node);
    let (listener, address) = listen_announced(&listen, |address| {
        format!(
            "cgrid node on the embedded chain: http://{address}  (stores in {})",
            data.display()
        )
    })
    .await?;
    println!("  try: curl -s -XPOST http://{address}/channels -H 'content-type: application/json' -d '{{\"minutes\":30,\"price_per_minute\":1000,\"checkpoint_every\":10}}'");
    println!("       (answers 202 with the channel id; the billing runs as a job: GET /channels/<id> shows its state)");
    println!("  dashboard: http://{address}/dashboard");
    axum::serve(listener, router(node))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
