//! The Wasm engines pallet-contracts runs contract code in, configured as the pallet configures
//! them for code uploaded by an extrinsic (`Determinism::Enforced`), and the pallet's module
//! rules: what `tests/wasm_features.rs` validates every bundle against, and what the bench's
//! ref_time attribution replays calls in.
//!
//! Two pallet versions, two wasmi versions (two crate types, so the feature set is written once,
//! in [`feature_set!`], and applied to each):
//! - **pallet-contracts 31** with wasmi 0.31.2: the pallet of ink_sandbox 5.1.1's runtime, which
//!   the embedded chain of every sandbox test and of the bench runs;
//! - **pallet-contracts 38** with wasmi 0.32.3: a newer pallet, so that code a chain of that
//!   generation would refuse fails the tests too.
//!
//! The feature set: no bulk memory, no floats, no multi-value, no mutable-global imports or
//! exports, no reference types, tail calls, extended constants or saturating float conversions;
//! sign extension allowed. The module rules: exactly one memory, imported; `deploy` and `call`
//! exported as functions.

/// `$wasmi::Config` with the pallet's feature set (identical in pallet-contracts 31 and 38).
macro_rules! feature_set {
    ($wasmi:ident) => {{
        let mut config = $wasmi::Config::default();
        config
            .wasm_multi_value(false)
            .wasm_mutable_global(false)
            .wasm_sign_extension(true)
            .wasm_bulk_memory(false)
            .wasm_reference_types(false)
            .wasm_tail_call(false)
            .wasm_extended_const(false)
            .wasm_saturating_float_to_int(false)
            .floats(false)
            .consume_fuel(true);
        config
    }};
}

/// The pallet's module rules on a module `$module` of wasmi `$wasmi`: why not, if broken.
macro_rules! module_rules {
    ($wasmi:ident, $module:expr) => {{
        let module = $module;
        let memories = module
            .imports()
            .filter(|i| matches!(i.ty(), $wasmi::ExternType::Memory(_)))
            .count();
        if memories != 1 {
            Err(format!(
                "{memories} imported memories (the pallet wants exactly one)"
            ))
        } else if let Some(entry) = ["deploy", "call"].into_iter().find(|entry| {
            !module
                .exports()
                .any(|e| e.name() == *entry && matches!(e.ty(), $wasmi::ExternType::Func(_)))
        }) {
            Err(format!("no exported `{entry}` function"))
        } else {
            Ok(())
        }
    }};
}

/// wasmi 0.31.2 configured as pallet-contracts 31 configures it (`wasm/prepare.rs`), fuel
/// charged eagerly as the pallet does.
pub fn config_31() -> wasmi_pallet::Config {
    use wasmi_pallet as wasmi;
    let mut config = feature_set!(wasmi);
    config.fuel_consumption_mode(wasmi::FuelConsumptionMode::Eager);
    config
}

/// wasmi 0.32.3 configured as pallet-contracts 38 configures it.
pub fn config_38() -> wasmi::Config {
    feature_set!(wasmi)
}

/// Whether pallet-contracts 31 (the embedded chain's) would accept `wasm` as contract code; why
/// not otherwise.
pub fn accepted_by_31(wasm: &[u8]) -> Result<(), String> {
    use wasmi_pallet as wasmi;
    let engine = wasmi::Engine::new(&config_31());
    let module = wasmi::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
    module_rules!(wasmi, &module)
}

/// Whether pallet-contracts 38 would accept `wasm` as contract code; why not otherwise.
pub fn accepted_by_38(wasm: &[u8]) -> Result<(), String> {
    let engine = wasmi::Engine::new(&config_38());
    let module = wasmi::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
    module_rules!(wasmi, &module)
}

/// Whether both pallets would accept `wasm`; the first refusal, naming the pallet, otherwise.
pub fn accepted(wasm: &[u8]) -> Result<(), String> {
    accepted_by_31(wasm).map_err(|why| format!("pallet-contracts 31: {why}"))?;
    accepted_by_38(wasm).map_err(|why| format!("pallet-contracts 38: {why}"))
}
