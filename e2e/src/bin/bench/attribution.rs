//! Where a message's ref_time goes. Before a call is sent, the bench replays it in wasmi 0.31.2
//! configured exactly as pallet-contracts 31 configures it (the engine and version the embedded
//! chain runs), against the chain's storage, and counts what the runtime charges for: the code
//! of every frame (charged per byte on load), cross-contract and delegate calls (a call that
//! carries value pays a surcharge), storage reads and writes, transfers, and Wasm execution
//! (fuel), and events (per event, per topic, per byte). [`Attribution::priced`] prices the
//! counts with the runtime's own schedule; the rest of the measured weight (the other per-byte
//! charges, hashing, signature checks, context reads) is `other`, so the parts always add up to
//! what the chain measured.
//!
//! The replay answers every host function as the chain would, except the two whose answers do
//! not steer a trade message: a signature check succeeds, a transfer is accepted and a balance covers any amount (the bench
//! only attributes calls that succeed on chain, and the replay must end the way the call did).
//! Storage and code the replay has not seen make it stop, fetch them from the chain and start
//! again, so nothing is read while wasmi runs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use cgrid_e2e::{AccountId32, Backend, Embedded, Weight};
use cgrid_shared::Balance;
use ink_sandbox::macros::DefaultSandboxRuntime;
use ink_sandbox::pallet_contracts::{Schedule, WeightInfo};
use wasmi::core::Trap;
use wasmi::{Caller, Engine, Extern, ExternType, Linker, Memory, MemoryType, Module, Store};
use wasmi_pallet as wasmi;

/// pallet-contracts' `ReturnErrorCode`s the replay answers with.
const SUCCESS: u32 = 0;
const CALLEE_REVERTED: u32 = 2;
const KEY_NOT_FOUND: u32 = 3;
/// What `contains_storage` and `set_storage` answer for "no value".
const SENTINEL: u32 = u32::MAX;
/// `CallFlags`: `CLONE_INPUT` and `TAIL_CALL`.
const CLONE_INPUT: u32 = 2;
const TAIL_CALL: u32 = 4;
/// `seal_return`'s flag for a reverted call.
const REVERT: u32 = 1;
/// More distinct storage items or contracts than one trade message touches.
const MAX_REPLAYS: usize = 200;

/// What one call made the runtime charge for, counted over all its frames.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Wasm bytes loaded: the called code, every callee's and every delegate's.
    pub code_bytes: u64,
    pub calls: u32,
    /// Calls that carried value (each also pays the transfer surcharge).
    pub value_calls: u32,
    pub delegate_calls: u32,
    /// `get_storage` and `contains_storage`.
    pub reads: u32,
    /// `set_storage` and `clear_storage`.
    pub writes: u32,
    pub transfers: u32,
    pub events: u32,
    /// The events' topics (each costs about what a storage write does).
    pub topics: u32,
    /// The events' data bytes.
    pub event_bytes: u64,
    /// Wasm fuel, every frame's.
    pub fuel: u64,
}

/// [`Counts`] priced in ref_time by the chain's schedule, next to what the chain measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribution {
    pub counts: Counts,
    pub measured: u64,
    pub code: u64,
    pub calls: u64,
    pub storage: u64,
    pub transfers: u64,
    pub events: u64,
    pub execution: u64,
    /// `measured` minus the parts above (negative only if the replay over-counts).
    pub other: i64,
}

impl Attribution {
    /// Prices `counts` with the embedded runtime's schedule and weights.
    pub fn priced(counts: Counts, measured: Weight) -> Self {
        let schedule = Schedule::<DefaultSandboxRuntime>::default();
        let host = &schedule.host_fn_weights;
        let per_code_byte = |bytes: u64| {
            let bytes = u32::try_from(bytes).expect("code fits in u32");
            <() as WeightInfo>::call_with_code_per_byte(bytes)
                .saturating_sub(<() as WeightInfo>::call_with_code_per_byte(0))
                .ref_time()
        };
        let times = |n: u32, w: Weight| u64::from(n) * w.ref_time();
        let code = per_code_byte(counts.code_bytes);
        let calls = times(counts.calls, host.call)
            + times(counts.value_calls, host.call_transfer_surcharge)
            + times(counts.delegate_calls, host.delegate_call);
        let storage =
            times(counts.reads, host.get_storage) + times(counts.writes, host.set_storage);
        let transfers = times(counts.transfers, host.transfer);
        let events = times(counts.events, host.deposit_event)
            + times(counts.topics, host.deposit_event_per_topic)
            + counts.event_bytes * host.deposit_event_per_byte.ref_time();
        let execution = counts.fuel * u64::from(schedule.instruction_weights.base);
        let parts = code + calls + storage + transfers + events + execution;
        let other =
            i64::try_from(measured.ref_time()).expect("fits") - i64::try_from(parts).expect("fits");
        Attribution {
            counts,
            measured: measured.ref_time(),
            code,
            calls,
            storage,
            transfers,
            events,
            execution,
            other,
        }
    }
}

/// The release bundles' code blobs by code hash (every `.wasm` in the bundle directory).
pub struct Codes(Rc<Blobs>);

type Blobs = HashMap<[u8; 32], Rc<Vec<u8>>>;

/// Storage items by (contract, key); `None`: no value.
type Items = HashMap<([u8; 32], Vec<u8>), Option<Vec<u8>>>;

impl Codes {
    pub fn load(dir: &Path) -> std::io::Result<Self> {
        let mut codes = HashMap::new();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "wasm") {
                let wasm = std::fs::read(&path)?;
                codes.insert(sp_core::hashing::blake2_256(&wasm), Rc::new(wasm));
            }
        }
        Ok(Codes(Rc::new(codes)))
    }
}

/// Replays `data` sent by `origin` with `value` to `contract` on `chain`'s current state and
/// counts what it charges for. Errors if a code is not among `codes`, or the replay does not
/// end the way a successful call does.
pub fn replay(
    what: &str,
    chain: &mut Embedded,
    codes: &Codes,
    contract: &AccountId32,
    origin: &AccountId32,
    data: &[u8],
    value: Balance,
) -> Result<Counts, String> {
    let mut known = Known::default();
    let now = chain.time();
    for _ in 0..MAX_REPLAYS {
        let world = Rc::new(RefCell::new(World {
            known: known.clone(),
            writes: HashMap::new(),
            now,
            counts: Counts::default(),
            missing: None,
            trace: std::env::var_os("CGRID_ATTRIBUTION_TRACE").map(|_| Trace::default()),
        }));
        let frame = FrameIn {
            address: *contract.as_ref(),
            caller: *origin.as_ref(),
            value,
            input: data.to_vec(),
        };
        let outcome = run_frame(&world, &codes.0, Blob::At(frame.address), frame);
        let world = Rc::try_unwrap(world)
            .map_err(|_| "replay still referenced".to_string())?
            .into_inner();
        match world.missing {
            Some(Missing::Storage(address, key)) => {
                let account = AccountId32::from(address);
                let value = chain.contract_storage(&account, &key);
                known.storage.insert((address, key), value);
            }
            Some(Missing::Code(address)) => {
                let hash = chain.code_hash_of(&AccountId32::from(address));
                known.code_of.insert(address, hash);
            }
            None => {
                let (flags, _) = outcome?;
                if flags & REVERT != 0 {
                    return Err("the replay reverted".into());
                }
                if let Some(trace) = world.trace {
                    eprintln!("{what}:\n  {}", trace.lines.join("\n  "));
                }
                return Ok(world.counts);
            }
        }
    }
    Err(format!(
        "more than {MAX_REPLAYS} storage items or contracts"
    ))
}

/// What the chain answered so far (kept across replays).
#[derive(Clone, Default)]
struct Known {
    storage: Items,
    /// The code hash each account runs (`None`: not a contract).
    code_of: HashMap<[u8; 32], Option<[u8; 32]>>,
}

enum Missing {
    Storage([u8; 32], Vec<u8>),
    Code([u8; 32]),
}

/// One replay's state, shared by its frames.
struct World {
    known: Known,
    /// This replay's writes over `known` (`None`: cleared).
    writes: Items,
    now: u64,
    counts: Counts,
    missing: Option<Missing>,
    trace: Option<Trace>,
}

/// The host calls of a replay, with the fuel burned before each (`trace`).
#[derive(Default)]
struct Trace {
    lines: Vec<String>,
    /// Each frame's fuel at its previous host call, by frame number.
    last_fuel: Vec<u64>,
}

impl World {
    /// The code hash `address` runs: `None` if the chain has not answered yet (`missing` set),
    /// `Some(None)` if it is no contract.
    fn code_of(&mut self, address: [u8; 32]) -> Option<Option<[u8; 32]>> {
        let known = self.known.code_of.get(&address).copied();
        if known.is_none() {
            self.missing = Some(Missing::Code(address));
        }
        known
    }

    fn read(&mut self, address: [u8; 32], key: Vec<u8>) -> Option<Option<Vec<u8>>> {
        let slot = (address, key);
        if let Some(v) = self.writes.get(&slot) {
            return Some(v.clone());
        }
        match self.known.storage.get(&slot) {
            Some(v) => Some(v.clone()),
            None => {
                self.missing = Some(Missing::Storage(slot.0, slot.1));
                None
            }
        }
    }
}

/// The code a frame runs: a contract's, or a delegate's by hash.
enum Blob {
    At([u8; 32]),
    Hash([u8; 32]),
}

struct FrameIn {
    address: [u8; 32],
    caller: [u8; 32],
    value: Balance,
    input: Vec<u8>,
}

struct Frame {
    world: Rc<RefCell<World>>,
    codes: Rc<Blobs>,
    this: FrameIn,
    memory: Option<Memory>,
    returned: Option<(u32, Vec<u8>)>,
    /// This frame's number in the replay's trace (0: the called contract).
    frame: usize,
}

/// Runs one frame: its `seal_return` flags and output. `Err` if it trapped or a host answer is
/// missing (then `World::missing` says which).
fn run_frame(
    world: &Rc<RefCell<World>>,
    codes: &Rc<Blobs>,
    blob: Blob,
    this: FrameIn,
) -> Result<(u32, Vec<u8>), String> {
    let hash = match blob {
        Blob::Hash(hash) => hash,
        Blob::At(address) => match world.borrow_mut().code_of(address) {
            Some(Some(hash)) => hash,
            Some(None) => return Err(format!("0x{} is not a contract", hex(&address))),
            None => return Err("code missing".into()),
        },
    };
    let wasm = codes
        .get(&hash)
        .cloned()
        .ok_or_else(|| format!("code 0x{} is not a release bundle", hex(&hash)))?;
    world.borrow_mut().counts.code_bytes += wasm.len() as u64;
    let engine = Engine::new(&cgrid_e2e::pallet_wasm::config_31());
    let module = Module::new(&engine, &wasm[..]).map_err(|e| e.to_string())?;
    let frame = Frame {
        world: world.clone(),
        codes: codes.clone(),
        this,
        memory: None,
        returned: None,
        frame: world.borrow_mut().trace.as_mut().map_or(0, |t| {
            t.last_fuel.push(0);
            t.last_fuel.len() - 1
        }),
    };
    let mut store = Store::new(&engine, frame);
    let memory_type = module
        .imports()
        .find_map(|import| match import.ty() {
            ExternType::Memory(m) => Some(*m),
            _ => None,
        })
        .ok_or("the code imports no memory")?;
    let memory = Memory::new(
        &mut store,
        MemoryType::new(
            memory_type.initial_pages().into(),
            memory_type.maximum_pages().map(Into::into),
        )
        .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    store.data_mut().memory = Some(memory);
    let mut linker = <Linker<Frame>>::new(&engine);
    linker
        .define("env", "memory", Extern::Memory(memory))
        .map_err(|e| e.to_string())?;
    define_host(&mut linker).map_err(|e| e.to_string())?;
    store.add_fuel(u64::MAX / 2).map_err(|e| e.to_string())?;
    let instance = linker
        .instantiate(&mut store, &module)
        .and_then(|pre| pre.start(&mut store))
        .map_err(|e| e.to_string())?;
    let call = instance
        .get_typed_func::<(), ()>(&store, "call")
        .map_err(|e| e.to_string())?;
    let result = call.call(&mut store, ());
    let fuel = store.fuel_consumed().unwrap_or(0);
    world.borrow_mut().counts.fuel += fuel;
    if let Some(trace) = world.borrow_mut().trace.as_mut() {
        let frame = store.data().frame;
        let since = fuel.saturating_sub(trace.last_fuel.get(frame).copied().unwrap_or(0));
        trace.lines.push(format!(
            "frame {frame}: {since:>7} fuel to its end ({} B code, {fuel} fuel in all)",
            wasm.len()
        ));
    }
    match store.data_mut().returned.take() {
        Some(returned) => Ok(returned),
        None => Err(match result {
            Ok(()) => "the frame ended without seal_return".to_string(),
            Err(e) => e.to_string(),
        }),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

type Host<'a> = Caller<'a, Frame>;

fn read(c: &Host, ptr: u32, len: u32) -> Result<Vec<u8>, Trap> {
    let memory = c.data().memory.ok_or_else(|| Trap::new("no memory"))?;
    let mut buf = vec![0u8; len as usize];
    memory
        .read(c, ptr as usize, &mut buf)
        .map_err(|e| Trap::new(e.to_string()))?;
    Ok(buf)
}

fn read32(c: &Host, ptr: u32) -> Result<[u8; 32], Trap> {
    let bytes = read(c, ptr, 32)?;
    bytes.try_into().map_err(|_| Trap::new("short read"))
}

fn write(c: &mut Host, ptr: u32, data: &[u8]) -> Result<(), Trap> {
    let memory = c.data().memory.ok_or_else(|| Trap::new("no memory"))?;
    memory
        .write(c, ptr as usize, data)
        .map_err(|e| Trap::new(e.to_string()))
}

/// Writes `data` to the output buffer at `ptr` whose capacity is at `len_ptr`, and its length.
fn output(c: &mut Host, ptr: u32, len_ptr: u32, data: &[u8]) -> Result<(), Trap> {
    let capacity = u32::from_le_bytes(
        read(c, len_ptr, 4)?
            .try_into()
            .map_err(|_| Trap::new("short read"))?,
    );
    if data.len() > capacity as usize {
        return Err(Trap::new("output buffer too small"));
    }
    write(c, ptr, data)?;
    write(c, len_ptr, &(data.len() as u32).to_le_bytes())
}

/// With `CGRID_ATTRIBUTION_TRACE` set, prints each host call of the replay that succeeds with
/// the fuel its frame burned since the previous one: where a message's execution goes.
fn trace(c: &Host, host_fn: &str) {
    if let Some(trace) = c.data().world.borrow_mut().trace.as_mut() {
        let fuel = c.fuel_consumed().unwrap_or(0);
        let frame = c.data().frame;
        let since = fuel.saturating_sub(trace.last_fuel.get(frame).copied().unwrap_or(0));
        if let Some(last) = trace.last_fuel.get_mut(frame) {
            *last = fuel;
        }
        trace
            .lines
            .push(format!("frame {frame}: {since:>7} fuel, then {host_fn}"));
    }
}

/// A write (`None`: a clear) of the frame's contract: the old value's length, as the host
/// answers `set_storage` and `clear_storage`.
fn store(c: &Host, key: Vec<u8>, value: Option<Vec<u8>>) -> Result<u32, Trap> {
    let address = c.data().this.address;
    let mut w = c.data().world.borrow_mut();
    w.counts.writes += 1;
    let old = w.read(address, key.clone()).ok_or_else(missing)?;
    w.writes.insert((address, key), value);
    Ok(old.map_or(SENTINEL, |v| v.len() as u32))
}

/// A call's or delegate call's input: this frame's own (`CLONE_INPUT`) or the buffer given.
fn call_input(c: &Host, flags: u32, ptr: u32, len: u32) -> Result<Vec<u8>, Trap> {
    if flags & CLONE_INPUT != 0 {
        Ok(c.data().this.input.clone())
    } else {
        read(c, ptr, len)
    }
}

fn missing() -> Trap {
    Trap::new("missing")
}

fn define_host(l: &mut Linker<Frame>) -> Result<(), wasmi::errors::LinkerError> {
    l.func_wrap("seal0", "input", |mut c: Host, p: u32, lp: u32| {
        trace(&c, "input");
        let input = c.data().this.input.clone();
        output(&mut c, p, lp, &input)
    })?;
    l.func_wrap("seal0", "caller", |mut c: Host, p: u32, lp: u32| {
        trace(&c, "caller");
        let caller = c.data().this.caller;
        output(&mut c, p, lp, &caller)
    })?;
    l.func_wrap("seal0", "address", |mut c: Host, p: u32, lp: u32| {
        trace(&c, "address");
        let address = c.data().this.address;
        output(&mut c, p, lp, &address)
    })?;
    l.func_wrap(
        "seal0",
        "value_transferred",
        |mut c: Host, p: u32, lp: u32| {
            trace(&c, "value_transferred");
            let value = c.data().this.value.to_le_bytes();
            output(&mut c, p, lp, &value)
        },
    )?;
    // The replay moves no balances (a transfer is accepted, above), so a contract's balance
    // is the most there is: a funding check passes, as it did in the call the chain measured.
    l.func_wrap("seal0", "balance", |mut c: Host, p: u32, lp: u32| {
        trace(&c, "balance");
        output(&mut c, p, lp, &u128::MAX.to_le_bytes())
    })?;
    l.func_wrap("seal0", "now", |mut c: Host, p: u32, lp: u32| {
        trace(&c, "now");
        let now = c.data().world.borrow().now.to_le_bytes();
        output(&mut c, p, lp, &now)
    })?;
    l.func_wrap("seal0", "block_number", |mut c: Host, p: u32, lp: u32| {
        trace(&c, "block_number");
        output(&mut c, p, lp, &1u32.to_le_bytes())
    })?;
    l.func_wrap(
        "seal0",
        "hash_blake2_256",
        |mut c: Host, p: u32, len: u32, out: u32| {
            trace(&c, "hash_blake2_256");
            let input = read(&c, p, len)?;
            write(&mut c, out, &sp_core::hashing::blake2_256(&input))
        },
    )?;
    l.func_wrap(
        "seal0",
        "sr25519_verify",
        |c: Host, _: u32, _: u32, _: u32, _: u32| -> Result<u32, Trap> {
            trace(&c, "sr25519_verify");
            Ok(SUCCESS)
        },
    )?;
    l.func_wrap(
        "seal0",
        "is_contract",
        |c: Host, p: u32| -> Result<u32, Trap> {
            trace(&c, "is_contract");
            let address = read32(&c, p)?;
            let code = c.data().world.borrow_mut().code_of(address);
            Ok(u32::from(code.ok_or_else(missing)?.is_some()))
        },
    )?;
    l.func_wrap("seal0", "lock_delegate_dependency", |c: Host, _: u32| {
        trace(&c, "lock_delegate_dependency");
    })?;
    l.func_wrap(
        "seal0",
        "deposit_event",
        |c: Host, _: u32, topics_len: u32, _: u32, data_len: u32| {
            trace(&c, "deposit_event");
            // The topics arrive as a SCALE `Vec<[u8; 32]>`: a compact length, then 32 each.
            let mut w = c.data().world.borrow_mut();
            w.counts.events += 1;
            w.counts.topics += topics_len / 32;
            w.counts.event_bytes += u64::from(data_len);
        },
    )?;
    l.func_wrap(
        "seal0",
        "transfer",
        |c: Host, _: u32, _: u32, _: u32, _: u32| -> Result<u32, Trap> {
            trace(&c, "transfer");
            c.data().world.borrow_mut().counts.transfers += 1;
            Ok(SUCCESS)
        },
    )?;
    l.func_wrap(
        "seal1",
        "get_storage",
        |mut c: Host, kp: u32, kl: u32, out: u32, lp: u32| -> Result<u32, Trap> {
            trace(&c, "get_storage");
            let key = read(&c, kp, kl)?;
            let address = c.data().this.address;
            let value = {
                let mut w = c.data().world.borrow_mut();
                w.counts.reads += 1;
                w.read(address, key).ok_or_else(missing)?
            };
            match value {
                Some(value) => output(&mut c, out, lp, &value).map(|()| SUCCESS),
                None => Ok(KEY_NOT_FOUND),
            }
        },
    )?;
    l.func_wrap(
        "seal1",
        "contains_storage",
        |c: Host, kp: u32, kl: u32| -> Result<u32, Trap> {
            trace(&c, "contains_storage");
            let key = read(&c, kp, kl)?;
            let address = c.data().this.address;
            let mut w = c.data().world.borrow_mut();
            w.counts.reads += 1;
            let value = w.read(address, key).ok_or_else(missing)?;
            Ok(value.map_or(SENTINEL, |v| v.len() as u32))
        },
    )?;
    l.func_wrap(
        "seal2",
        "set_storage",
        |c: Host, kp: u32, kl: u32, vp: u32, vl: u32| -> Result<u32, Trap> {
            trace(&c, "set_storage");
            let value = read(&c, vp, vl)?;
            store(&c, read(&c, kp, kl)?, Some(value))
        },
    )?;
    l.func_wrap(
        "seal1",
        "clear_storage",
        |c: Host, kp: u32, kl: u32| -> Result<u32, Trap> {
            trace(&c, "clear_storage");
            store(&c, read(&c, kp, kl)?, None)
        },
    )?;
    l.func_wrap(
        "seal0",
        "seal_return",
        |mut c: Host, flags: u32, p: u32, len: u32| -> Result<(), Trap> {
            trace(&c, "seal_return");
            let data = read(&c, p, len)?;
            c.data_mut().returned = Some((flags, data));
            Err(Trap::new("returned"))
        },
    )?;
    l.func_wrap(
        "seal2",
        "call",
        |mut c: Host,
         flags: u32,
         callee: u32,
         _ref_time: u64,
         _proof_size: u64,
         _deposit: u32,
         value_ptr: u32,
         input_ptr: u32,
         input_len: u32,
         out: u32,
         out_len: u32|
         -> Result<u32, Trap> {
            trace(&c, "call");
            let to = read32(&c, callee)?;
            let value = Balance::from_le_bytes(
                read(&c, value_ptr, 16)?
                    .try_into()
                    .map_err(|_| Trap::new("short read"))?,
            );
            let input = call_input(&c, flags, input_ptr, input_len)?;
            {
                let mut w = c.data().world.borrow_mut();
                w.counts.calls += 1;
                w.counts.value_calls += u32::from(value > 0);
            }
            let this = FrameIn {
                address: to,
                caller: c.data().this.address,
                value,
                input,
            };
            nested(&mut c, Blob::At(to), this, flags, out, out_len)
        },
    )?;
    l.func_wrap(
        "seal0",
        "delegate_call",
        |mut c: Host,
         flags: u32,
         hash_ptr: u32,
         input_ptr: u32,
         input_len: u32,
         out: u32,
         out_len: u32|
         -> Result<u32, Trap> {
            trace(&c, "delegate_call");
            let hash = read32(&c, hash_ptr)?;
            let input = call_input(&c, flags, input_ptr, input_len)?;
            c.data().world.borrow_mut().counts.delegate_calls += 1;
            let this = FrameIn {
                address: c.data().this.address,
                caller: c.data().this.caller,
                value: c.data().this.value,
                input,
            };
            nested(&mut c, Blob::Hash(hash), this, flags, out, out_len)
        },
    )?;
    Ok(())
}

/// Runs a callee's or delegate's frame; its writes are kept only if it did not revert.
fn nested(
    c: &mut Host,
    blob: Blob,
    this: FrameIn,
    flags: u32,
    out: u32,
    out_len: u32,
) -> Result<u32, Trap> {
    let (world, codes) = (c.data().world.clone(), c.data().codes.clone());
    let before = world.borrow().writes.clone();
    let (returned, data) = match run_frame(&world, &codes, blob, this) {
        Ok(r) => r,
        Err(e) if world.borrow().missing.is_some() => return Err(Trap::new(e)),
        Err(e) => return Err(Trap::new(format!("callee trapped: {e}"))),
    };
    if returned & REVERT != 0 {
        world.borrow_mut().writes = before;
    }
    if flags & TAIL_CALL != 0 {
        c.data_mut().returned = Some((returned, data));
        return Err(Trap::new("returned"));
    }
    if out != SENTINEL {
        output(c, out, out_len, &data)?;
    }
    Ok(if returned & REVERT != 0 {
        CALLEE_REVERTED
    } else {
        SUCCESS
    })
}
