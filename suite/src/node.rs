//! The node backend: the suite's fixtures and deployment on a real chain that runs
//! pallet-contracts (substrate-contracts-node in dev mode, or any chain with the same pallet),
//! over subxt's RPC client.
//!
//! Every call is dry-run first through the `ContractsApi` runtime API (as the Contracts UI
//! does): a call the contract reverts is returned as such and never submitted, so it costs
//! nothing and changes nothing, exactly as on the embedded chain. A call that succeeds in the
//! dry run is submitted with the gas the dry run required and waited for until it is in a
//! block; the weight reported is the dry run's `gas_consumed`.
//!
//! Accounts: the deployer is the key the client connects with ([`Signer`]: a key file, or a
//! secret URI such as `//Alice` on a dev chain); development accounts are derived from it
//! (`<suri>//cgrid//<hex hint>`) and funded by it; other parties add their own signers.
//! The methods are synchronous; they run the RPC futures on the backend's own runtime from a
//! scoped thread, so they may be called from inside another tokio runtime.

use crate::backend::decode_return;
use crate::events::Emitted;
use crate::{AccountId32, Backend, Called, Signer, Weight};
use cgrid_shared::Balance;
use scale::{Decode, Encode};
use sp_core::{sr25519, Pair};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::dynamic::Value;
use subxt::tx::TxStatus;
use subxt::{OnlineClient, PolkadotConfig};

type Api = OnlineClient<PolkadotConfig>;

/// sr25519 signer over an `sp_core` key (subxt's `Signer`).
struct Key(sr25519::Pair);

impl subxt::tx::Signer<PolkadotConfig> for Key {
    fn account_id(&self) -> subxt::utils::AccountId32 {
        subxt::utils::AccountId32(self.0.public().0)
    }

    fn address(&self) -> subxt::utils::MultiAddress<subxt::utils::AccountId32, ()> {
        subxt::utils::MultiAddress::Id(self.account_id())
    }

    fn sign(&self, payload: &[u8]) -> subxt::utils::MultiSignature {
        subxt::utils::MultiSignature::Sr25519(self.0.sign(payload).0)
    }
}

/// `pallet_contracts::primitives::ContractResult` up to its result (the trailing `events`
/// field, typed by the node's runtime, is not decoded).
#[derive(Decode)]
struct DryRun {
    gas_consumed: Weight,
    gas_required: Weight,
    storage_deposit: StorageDeposit,
    debug_message: Vec<u8>,
}

#[derive(Decode)]
enum StorageDeposit {
    Refund(u128),
    Charge(u128),
}

impl StorageDeposit {
    fn signed(&self) -> i128 {
        match *self {
            StorageDeposit::Refund(b) => i128::try_from(b).map(|b| -b).unwrap_or(i128::MIN),
            StorageDeposit::Charge(b) => i128::try_from(b).unwrap_or(i128::MAX),
        }
    }
}

/// `ExecReturnValue`.
#[derive(Decode)]
struct Returned {
    flags: u32,
    data: Vec<u8>,
}

impl Returned {
    fn reverted(&self) -> bool {
        self.flags & 1 == 1
    }
}

/// A dry run's outcome: the prefix, then the result or the dispatch error's text.
struct Outcome {
    prefix: DryRun,
    result: Result<(Returned, Option<AccountId32>), String>,
}

/// The backend's own tokio runtime; dropping it never blocks (it may be dropped inside
/// another runtime's task).
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl OwnRuntime {
    fn get(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("present until dropped")
    }
}

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A pallet-contracts node over RPC.
pub struct NodeClient {
    runtime: OwnRuntime,
    api: Api,
    rpc: LegacyRpcMethods<PolkadotConfig>,
    url: String,
    deployer: Signer,
    keys: HashMap<AccountId32, sr25519::Pair>,
    last_block: u64,
    on_wait: Option<WaitReport>,
}

/// Called while a submitted transaction waits for a block: one line saying which call, how
/// long it has waited and what the node last said about it.
pub type WaitReport = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// A [`WaitReport`] that writes each line to stderr (for commands, whose stdout is their
/// report).
pub fn waits_to_stderr() -> WaitReport {
    std::sync::Arc::new(|line: &str| eprintln!("{line}"))
}

/// How long a submission waits before its first report, and between reports.
pub const WAIT_REPORT_EVERY: Duration = Duration::from_secs(3);

/// Awaits `next`, calling `report(waited)` every `every` while it has not finished (`waited`
/// counts from `since`).
async fn await_reporting<F: std::future::Future>(
    next: F,
    since: std::time::Instant,
    every: Duration,
    report: &(dyn Fn(Duration) + Sync),
) -> F::Output {
    let mut next = std::pin::pin!(next);
    loop {
        match tokio::time::timeout(every, next.as_mut()).await {
            Ok(out) => return out,
            Err(_) => report(since.elapsed()),
        }
    }
}

impl NodeClient {
    /// Connects to `url` (e.g. `ws://127.0.0.1:9944`); `deployer` signs by default and funds
    /// development accounts.
    pub fn connect(url: &str, deployer: &Signer) -> Result<NodeClient, String> {
        let runtime = OwnRuntime(Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| format!("tokio runtime: {e}"))?,
        ));
        let (api, rpc) = std::thread::scope(|s| {
            s.spawn(|| {
                runtime.get().block_on(async {
                    let client = RpcClient::from_url(url).await?;
                    let api = Api::from_rpc_client(client.clone()).await?;
                    Ok::<_, subxt::Error>((api, LegacyRpcMethods::new(client)))
                })
            })
            .join()
            .map_err(|_| "the RPC thread panicked".to_string())
        })?
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
        let mut node = NodeClient {
            runtime,
            api,
            rpc,
            url: url.into(),
            deployer: deployer.clone(),
            keys: HashMap::new(),
            last_block: 0,
            on_wait: None,
        };
        node.add_signer(deployer);
        node.last_block = node.best_block()?;
        if node.last_block == 0 {
            // A fresh chain: the genesis block has no timestamp. One block gives the dry runs a
            // real "now".
            node.seal_block(b"cgrid: first block")?;
        }
        Ok(node)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Reports every [`WAIT_REPORT_EVERY`] while a submitted transaction is not yet in a block
    /// (a dev node with instant seal includes at once and reports nothing).
    pub fn report_waits(&mut self, report: WaitReport) {
        self.on_wait = Some(report);
    }

    /// The chain's name (`system_chain`), e.g. "Development".
    pub fn chain_name(&self) -> Result<String, String> {
        self.run(self.rpc.system_chain())
            .map_err(|e| format!("system_chain: {e}"))
    }

    /// Runs `future` on the backend's runtime from a scoped thread (so that a caller inside
    /// another tokio runtime does not block it with `block_on`).
    fn run<F: std::future::Future + Send>(&self, future: F) -> F::Output
    where
        F::Output: Send,
    {
        std::thread::scope(|s| {
            s.spawn(|| self.runtime.get().block_on(future))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    // Reads go to the best block, not the finalized one: a dev node seals a block per
    // transaction and may never finalize.
    fn best_block(&self) -> Result<u64, String> {
        self.run(self.rpc.chain_get_header(None))
            .map_err(|e| format!("best block: {e}"))?
            .map(|header| u64::from(header.number))
            .ok_or_else(|| "the node has no best block".into())
    }

    fn storage(&self, key: Vec<u8>) -> Result<Option<Vec<u8>>, String> {
        self.run(self.rpc.state_get_storage(&key, None))
            .map_err(|e| format!("storage read: {e}"))
    }

    fn runtime_call(&self, function: &'static str, args: Vec<u8>) -> Result<Vec<u8>, String> {
        self.run(self.rpc.state_call(function, Some(&args), None))
            .map_err(|e| format!("{function}: {e}"))
    }

    /// Decodes a `ContractResult` of a call (`instantiated` false) or an instantiation,
    /// naming a dispatch error from the node's metadata.
    fn outcome(&self, bytes: &[u8], instantiated: bool) -> Result<Outcome, String> {
        decode_outcome(
            bytes,
            instantiated,
            |error| match subxt::error::DispatchError::decode_from(
                error.to_vec(),
                self.api.metadata(),
            ) {
                Ok(error) => error.to_string(),
                Err(e) => format!("an undecodable dispatch error ({e})"),
            },
        )
    }

    fn signer(&self, who: &AccountId32) -> Result<Key, String> {
        self.keys
            .get(who)
            .cloned()
            .map(Key)
            .ok_or_else(|| format!("no key for account {who}"))
    }

    /// Signs `call` as `who`, submits it and waits until it is in a block and succeeded.
    fn submit(
        &mut self,
        who: &AccountId32,
        pallet: &'static str,
        call: &'static str,
        fields: Vec<Value>,
    ) -> Result<Vec<Emitted>, String> {
        let key = self.signer(who)?;
        let api = self.api.clone();
        let rpc = self.rpc.clone();
        let tx = subxt::dynamic::tx(pallet, call, fields);
        let on_wait = self.on_wait.clone();
        let block: (u64, Vec<Emitted>) = self
            .run(async move {
                let started = std::time::Instant::now();
                let mut last = "submitted";
                // The pool's next nonce (subxt's default reads it at the finalized block).
                let nonce = rpc
                    .system_account_next_index(&subxt::tx::Signer::account_id(&key))
                    .await?;
                let params = subxt::config::DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new()
                    .nonce(nonce)
                    .build();
                let mut progress = api
                    .tx()
                    .create_signed_offline(&tx, &key, params)?
                    .submit_and_watch()
                    .await?;
                loop {
                    let status = match &on_wait {
                        None => progress.next().await,
                        Some(report) => {
                            let said = |waited: Duration| {
                                report(&format!(
                                    "{pallet}.{call}: waiting {} s for a block ({last})",
                                    waited.as_secs()
                                ))
                            };
                            await_reporting(progress.next(), started, WAIT_REPORT_EVERY, &said)
                                .await
                        }
                    };
                    let Some(status) = status else { break };
                    match status? {
                        TxStatus::InBestBlock(in_block) | TxStatus::InFinalizedBlock(in_block) => {
                            let events = in_block.wait_for_success().await?;
                            let header = rpc
                                .chain_get_header(Some(in_block.block_hash()))
                                .await?
                                .ok_or_else(|| subxt::Error::Other("no header".into()))?;
                            return Ok((u64::from(header.number), contract_events(&events)?));
                        }
                        TxStatus::Error { message }
                        | TxStatus::Invalid { message }
                        | TxStatus::Dropped { message } => {
                            return Err(subxt::Error::Other(message));
                        }
                        TxStatus::Validated => last = "in the node's pool",
                        TxStatus::Broadcasted { .. } => last = "broadcast to peers",
                        TxStatus::NoLongerInBestBlock => last = "retracted from the best block",
                    }
                }
                Err(subxt::Error::Other("the transaction stream ended".into()))
            })
            .map_err(|e| format!("{pallet}.{call}: {e}"))?;
        self.last_block = block.0;
        Ok(block.1)
    }

    /// Dry-runs a message: its decoded outcome and the gas a submission needs.
    fn dry_called<T: Decode>(
        &self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: &[u8],
        value: Balance,
    ) -> Result<(Called<T>, Weight), String> {
        let args = (origin, contract, value, None::<Weight>, None::<u128>, data).encode();
        let bytes = self.runtime_call("ContractsApi_call", args)?;
        let dry = self.outcome(&bytes, false)?;
        let debug = String::from_utf8_lossy(&dry.prefix.debug_message).into_owned();
        let (returned, _) = dry
            .result
            .map_err(|e| format!("call trapped: {e} {debug}"))?;
        let called = Called {
            value: decode_return::<T>(&returned.data)?,
            reverted: returned.reverted(),
            weight: dry.prefix.gas_consumed,
            storage_deposit: dry.prefix.storage_deposit.signed(),
            events: Vec::new(),
        };
        Ok((called, dry.prefix.gas_required))
    }

    /// Seals a block (a `System.remark` by the deployer; an instant-seal dev node makes one per
    /// transaction), so that the next dry run sees the block's time.
    fn seal_block(&mut self, why: &'static [u8]) -> Result<(), String> {
        let deployer = self.deployer();
        self.submit(&deployer, "System", "remark", vec![Value::from_bytes(why)])
            .map(|_| ())
    }

    /// The hash of the best block.
    fn best_hash(&self) -> Result<subxt::utils::H256, String> {
        self.run(self.rpc.chain_get_block_hash(None))
            .map_err(|e| format!("best block hash: {e}"))?
            .ok_or_else(|| "the node has no best block".into())
    }
}

/// Decodes a `ContractResult` (call or instantiation) up to its result; `dispatch_error` turns
/// the bytes of a `DispatchError` into text.
fn decode_outcome(
    bytes: &[u8],
    instantiated: bool,
    dispatch_error: impl FnOnce(&[u8]) -> String,
) -> Result<Outcome, String> {
    let input = &mut &bytes[..];
    let bad = |e: scale::Error| format!("dry-run result: {e}");
    let prefix = DryRun::decode(input).map_err(bad)?;
    let result = match u8::decode(input).map_err(bad)? {
        0 => {
            let returned = Returned::decode(input).map_err(bad)?;
            let address = if instantiated {
                Some(AccountId32::new(<[u8; 32]>::decode(input).map_err(bad)?))
            } else {
                None
            };
            Ok((returned, address))
        }
        1 => Err(dispatch_error(input)),
        other => return Err(format!("dry-run result: Result tag {other}")),
    };
    Ok(Outcome { prefix, result })
}

fn weight_value(weight: Weight) -> Value {
    Value::named_composite([
        ("ref_time", Value::u128(u128::from(weight.ref_time()))),
        ("proof_size", Value::u128(u128::from(weight.proof_size()))),
    ])
}

fn address_value(who: &AccountId32) -> Value {
    let bytes: &[u8; 32] = who.as_ref();
    Value::unnamed_variant("Id", [Value::from_bytes(bytes)])
}

/// The `Contracts.ContractEmitted` events of one extrinsic, with their topics.
fn contract_events(
    events: &subxt::blocks::ExtrinsicEvents<PolkadotConfig>,
) -> Result<Vec<Emitted>, subxt::Error> {
    let mut out = Vec::new();
    for event in events.iter() {
        if let Some(e) = emitted(&event?)? {
            out.push(e);
        }
    }
    Ok(out)
}

/// A `Contracts.ContractEmitted` event with its topics, or `None` for any other event.
fn emitted(
    event: &subxt::events::EventDetails<PolkadotConfig>,
) -> Result<Option<Emitted>, subxt::Error> {
    if event.pallet_name() != "Contracts" || event.variant_name() != "ContractEmitted" {
        return Ok(None);
    }
    let (contract, data) = <([u8; 32], Vec<u8>)>::decode(&mut event.field_bytes())
        .map_err(|e| subxt::Error::Other(format!("ContractEmitted: {e}")))?;
    Ok(Some(Emitted {
        contract: AccountId32::new(contract),
        topics: event.topics().iter().map(|t| t.0).collect(),
        data,
    }))
}

/// 32 bytes from a decoded value (a hash: a newtype around 32 integers).
fn bytes32(value: &subxt::dynamic::Value<u32>) -> Option<[u8; 32]> {
    use subxt::ext::scale_value::ValueDef;
    let ValueDef::Composite(composite) = &value.value else {
        return None;
    };
    let fields: Vec<_> = composite.values().collect();
    if let [inner] = fields.as_slice() {
        return bytes32(inner);
    }
    let bytes: Vec<u8> = fields
        .iter()
        .map(|v| v.as_u128().and_then(|b| u8::try_from(b).ok()))
        .collect::<Option<_>>()?;
    <[u8; 32]>::try_from(bytes.as_slice()).ok()
}

/// A little more gas than the dry run needed: the state may move between dry run and block.
fn with_margin(weight: Weight) -> Weight {
    Weight::from_parts(
        weight.ref_time().saturating_add(weight.ref_time() / 10),
        weight.proof_size().saturating_add(weight.proof_size() / 10),
    )
}

impl Backend for NodeClient {
    fn deployer(&mut self) -> AccountId32 {
        self.deployer.account()
    }

    fn account(&mut self, hint: [u8; 32]) -> AccountId32 {
        let derived = self
            .deployer
            .derive(&format!("cgrid//0x{}", hex::encode(hint)))
            .expect("a hex hard path derives from any secret URI");
        self.add_signer(&derived)
    }

    fn add_signer(&mut self, signer: &Signer) -> AccountId32 {
        let account = signer.account();
        self.keys.insert(account.clone(), signer.pair().clone());
        account
    }

    fn fund(&mut self, who: &AccountId32, amount: u128) -> Result<(), String> {
        let deployer = self.deployer();
        if *who == deployer {
            return Ok(());
        }
        let have = self.balance(who);
        if have >= amount {
            return Ok(());
        }
        self.submit(
            &deployer,
            "Balances",
            "transfer_keep_alive",
            vec![address_value(who), Value::u128(amount - have)],
        )
        .map(|_| ())
    }

    fn time(&mut self) -> u64 {
        let mut key = sp_core::hashing::twox_128(b"Timestamp").to_vec();
        key.extend(sp_core::hashing::twox_128(b"Now"));
        self.storage(key)
            .ok()
            .flatten()
            .and_then(|bytes| u64::decode(&mut &bytes[..]).ok())
            .unwrap_or(0)
    }

    fn advance_to(&mut self, ms: u64) -> Result<(), String> {
        while self.time() < ms {
            let wall = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0);
            if wall < ms {
                std::thread::sleep(Duration::from_millis((ms - wall).min(5_000)));
                continue;
            }
            self.seal_block(b"cgrid: advance")?;
        }
        Ok(())
    }

    fn simulated_time(&self) -> bool {
        false
    }

    fn last_block(&mut self) -> u64 {
        self.last_block
    }

    fn contract_events(
        &mut self,
        cursor: u64,
        contract: &AccountId32,
    ) -> Result<(u64, Vec<Emitted>), String> {
        let best = self.best_block()?;
        let mut out = Vec::new();
        for number in cursor.max(1)..=best {
            let hash = self
                .run(self.rpc.chain_get_block_hash(Some(number.into())))
                .map_err(|e| format!("block {number}: {e}"))?
                .ok_or_else(|| format!("the node has no block {number}"))?;
            let api = self.api.clone();
            let events = self
                .run(async move { api.blocks().at(hash).await?.events().await })
                .map_err(|e| format!("events of block {number}: {e}"))?;
            for event in events.iter() {
                let event = event.map_err(|e| format!("events of block {number}: {e}"))?;
                if let Some(e) = emitted(&event).map_err(|e| e.to_string())? {
                    if e.contract == *contract {
                        out.push(e);
                    }
                }
            }
        }
        Ok((best + 1, out))
    }

    fn code_hash(&mut self, address: &AccountId32) -> Result<Option<[u8; 32]>, String> {
        let at = self.best_hash()?;
        let bytes: &[u8; 32] = address.as_ref();
        let key = subxt::dynamic::storage(
            "Contracts",
            "ContractInfoOf",
            vec![Value::from_bytes(bytes)],
        );
        let api = self.api.clone();
        let info = self
            .run(async move { api.storage().at(at).fetch(&key).await })
            .map_err(|e| format!("Contracts.ContractInfoOf: {e}"))?;
        let Some(info) = info else {
            return Ok(None);
        };
        let value = info
            .to_value()
            .map_err(|e| format!("Contracts.ContractInfoOf: {e}"))?;
        use subxt::ext::scale_value::At;
        value
            .at("code_hash")
            .and_then(bytes32)
            .map(Some)
            .ok_or_else(|| "Contracts.ContractInfoOf has no 32-byte code_hash".into())
    }

    fn genesis_hash(&mut self) -> [u8; 32] {
        self.api.genesis_hash().0
    }

    fn upload(&mut self, wasm: &[u8], origin: &AccountId32) -> Result<[u8; 32], String> {
        // `storage_deposit_limit: None`, `determinism: Enforced` (variant 0).
        let fields = vec![
            Value::from_bytes(wasm),
            Value::unnamed_variant("None", []),
            Value::unnamed_variant("Enforced", []),
        ];
        self.submit(origin, "Contracts", "upload_code", fields)?;
        Ok(sp_core::hashing::blake2_256(wasm))
    }

    fn deploy(
        &mut self,
        wasm: &[u8],
        constructor: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Weight), String> {
        // `Code::Upload(wasm)` is variant 0.
        let args = (
            origin,
            0u128,
            None::<Weight>,
            None::<u128>,
            0u8,
            wasm,
            &constructor,
            salt,
        )
            .encode();
        let bytes = self.runtime_call("ContractsApi_instantiate", args)?;
        let dry = self.outcome(&bytes, true)?;
        let debug = String::from_utf8_lossy(&dry.prefix.debug_message).into_owned();
        let (returned, address) = dry
            .result
            .map_err(|e| format!("instantiation failed: {e} {debug}"))?;
        if returned.reverted() {
            return Err(format!("constructor reverted {debug}"));
        }
        let address = address.ok_or("the dry run returned no address")?;
        let fields = vec![
            Value::u128(0),
            weight_value(with_margin(dry.prefix.gas_required)),
            Value::unnamed_variant("None", []),
            Value::from_bytes(wasm),
            Value::from_bytes(&constructor),
            Value::from_bytes(salt),
        ];
        self.submit(origin, "Contracts", "instantiate_with_code", fields)?;
        Ok((address, dry.prefix.gas_consumed))
    }

    fn call_raw<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: Balance,
    ) -> Result<Called<T>, String> {
        let (mut called, gas_required) = self.dry_called::<T>(contract, origin, &data, value)?;
        if called.reverted {
            // Refused: nothing to submit, nothing changes.
            return Ok(called);
        }
        let fields = vec![
            address_value(contract),
            Value::u128(value),
            weight_value(with_margin(gas_required)),
            Value::unnamed_variant("None", []),
            Value::from_bytes(&data),
        ];
        called.events = self.submit(origin, "Contracts", "call", fields)?;
        Ok(called)
    }

    fn query_raw<T: Decode>(
        &mut self,
        contract: &AccountId32,
        origin: &AccountId32,
        data: Vec<u8>,
        value: Balance,
    ) -> Result<Called<T>, String> {
        self.dry_called(contract, origin, &data, value)
            .map(|(called, _)| called)
    }

    fn balance(&mut self, who: &AccountId32) -> u128 {
        let mut key = sp_core::hashing::twox_128(b"System").to_vec();
        key.extend(sp_core::hashing::twox_128(b"Account"));
        key.extend(sp_core::hashing::blake2_128(who.as_ref()));
        key.extend_from_slice(who.as_ref());
        // AccountInfo { nonce, consumers, providers, sufficients: u32, data: { free, .. } }.
        self.storage(key)
            .ok()
            .flatten()
            .and_then(|bytes| {
                <(u32, u32, u32, u32, u128)>::decode(&mut &bytes[..])
                    .ok()
                    .map(|info| info.4)
            })
            .unwrap_or(0)
    }
}

#[cfg(all(test, feature = "embedded"))]
mod tests {
    use super::*;
    use ink_sandbox::pallet_contracts::{
        ContractResult, ExecReturnValue, InstantiateReturnValue, StorageDeposit as Deposit,
    };
    use ink_sandbox::DispatchError;

    type Events = Option<Vec<u32>>;

    /// pallet-contracts' own `ExecReturnValue` (its flags type is not re-exported).
    fn exec(flags: u32, data: Vec<u8>) -> ExecReturnValue {
        ExecReturnValue::decode(&mut &(flags, data).encode()[..]).expect("flags and data")
    }

    #[test]
    fn a_call_result_decodes_as_pallet_contracts_encodes_it() {
        let result: ContractResult<_, u128, u32> = ContractResult {
            gas_consumed: Weight::from_parts(7, 8),
            gas_required: Weight::from_parts(9, 10),
            storage_deposit: Deposit::Charge(11),
            debug_message: b"dbg".to_vec(),
            result: Ok::<_, DispatchError>(exec(1, vec![1, 2, 3])),
            events: Some(vec![1u32, 2]) as Events,
        };
        let outcome = decode_outcome(&result.encode(), false, |_| unreachable!()).expect("decodes");
        assert_eq!(outcome.prefix.gas_consumed, Weight::from_parts(7, 8));
        assert_eq!(outcome.prefix.gas_required, Weight::from_parts(9, 10));
        assert_eq!(outcome.prefix.storage_deposit.signed(), 11);
        assert_eq!(outcome.prefix.debug_message, b"dbg");
        let (returned, address) = outcome.result.expect("ok");
        assert!(returned.reverted());
        assert_eq!(returned.data, vec![1, 2, 3]);
        assert_eq!(address, None);
    }

    #[test]
    fn an_instantiation_result_and_a_dispatch_error_decode() {
        let account = AccountId32::new([5; 32]);
        let result: ContractResult<_, u128, u32> = ContractResult {
            gas_consumed: Weight::from_parts(1, 2),
            gas_required: Weight::from_parts(3, 4),
            storage_deposit: Deposit::Refund(5),
            debug_message: vec![],
            result: Ok::<_, DispatchError>(InstantiateReturnValue {
                result: exec(0, vec![0]),
                account_id: account.clone(),
            }),
            events: None as Events,
        };
        let outcome = decode_outcome(&result.encode(), true, |_| unreachable!()).expect("decodes");
        assert_eq!(outcome.prefix.storage_deposit.signed(), -5);
        let (returned, address) = outcome.result.expect("ok");
        assert!(!returned.reverted());
        assert_eq!(address, Some(account));

        let failed: ContractResult<Result<ExecReturnValue, _>, u128, u32> = ContractResult {
            gas_consumed: Weight::zero(),
            gas_required: Weight::zero(),
            storage_deposit: Deposit::Charge(0),
            debug_message: vec![],
            result: Err(DispatchError::BadOrigin),
            events: None as Events,
        };
        let bytes = failed.encode();
        let outcome = decode_outcome(&bytes, false, |error| {
            assert_eq!(error.first(), Some(&2), "BadOrigin is variant 2");
            "bad origin".into()
        })
        .expect("decodes");
        assert_eq!(outcome.result.err().as_deref(), Some("bad origin"));
        assert!(decode_outcome(&bytes[..3], false, |_| String::new()).is_err());
    }
}

#[cfg(test)]
mod wait_tests {
    use super::*;

    /// A wait longer than the report interval is reported once per interval, with the time
    /// waited; a quick one is not reported at all.
    #[test]
    fn long_waits_are_reported_each_interval() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let waits = std::sync::Mutex::new(Vec::new());
        let record = |waited: Duration| waits.lock().expect("lock").push(waited);
        let every = Duration::from_millis(40);
        let out = runtime.block_on(await_reporting(
            async {
                tokio::time::sleep(Duration::from_millis(150)).await;
                7
            },
            std::time::Instant::now(),
            every,
            &record,
        ));
        assert_eq!(out, 7);
        let waits = waits.into_inner().expect("lock");
        assert_eq!(waits.len(), 3, "reports at 40, 80 and 120 ms: {waits:?}");
        assert!(waits.windows(2).all(|w| w[0] < w[1]) && waits[0] >= every);
        let quick = std::sync::Mutex::new(0);
        runtime.block_on(await_reporting(
            async {},
            std::time::Instant::now(),
            every,
            &|_| *quick.lock().expect("lock") += 1,
        ));
        assert_eq!(*quick.lock().expect("lock"), 0);
    }
}
