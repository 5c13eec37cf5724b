//! Every release bundle is Wasm that pallet-contracts accepts, checked the way the pallet checks
//! uploaded code: wasmi 0.32 (pallet-contracts 38's engine) with the pallet's configuration —
//! no bulk memory, no floats, no multi-value, no mutable-global imports or exports, no reference
//! types, tail calls, extended constants or saturating float conversions; sign extension allowed
//! — and the pallet's module rules (memory imported, `deploy` and `call` exported, no start
//! function). A toolchain bump that makes a chain answer `CodeRejected` (Rust ≥ 1.87 emits bulk
//! memory) fails here first, naming the contract and the feature.

use cgrid_suite::{bundle_dir, CONTRACTS, INSTANTIATES, SPLIT};
use wasmi::{Config, Engine, ExternType, Module};

/// pallet-contracts 38 `LoadedModule::new`'s configuration for code uploaded with
/// `Determinism::Enforced` (what an extrinsic uploads).
fn pallet_engine() -> Engine {
    let mut config = Config::default();
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
    Engine::new(&config)
}

/// Whether pallet-contracts would accept `wasm` as contract code; why not otherwise.
fn accepted(wasm: &[u8]) -> Result<(), String> {
    let module = Module::new(&pallet_engine(), wasm).map_err(|e| e.to_string())?;
    let memory = module
        .imports()
        .filter(|i| matches!(i.ty(), ExternType::Memory(_)))
        .count();
    if memory != 1 {
        return Err(format!(
            "{memory} imported memories (the pallet wants exactly one)"
        ));
    }
    for entry in ["deploy", "call"] {
        if !module
            .exports()
            .any(|e| e.name() == entry && matches!(e.ty(), ExternType::Func(_)))
        {
            return Err(format!("no exported `{entry}` function"));
        }
    }
    Ok(())
}

#[test]
fn every_bundle_is_code_pallet_contracts_accepts() {
    let cold = SPLIT.iter().flat_map(|(_, colds)| colds.iter().copied());
    let instantiated = INSTANTIATES
        .iter()
        .flat_map(|(_, codes)| codes.iter().copied());
    for contract in CONTRACTS.iter().copied().chain(cold).chain(instantiated) {
        let path = bundle_dir().join(format!("{contract}.wasm"));
        let wasm = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (scripts/build-contracts.sh)", path.display()));
        if let Err(why) = accepted(&wasm) {
            panic!("{contract}: pallet-contracts would reject this code: {why}");
        }
    }
}

/// The check itself: the features chains reject are refused, the one they allow is not.
#[test]
fn the_check_refuses_what_the_pallet_refuses() {
    let module = |body: &str, extra: &str| {
        wat::parse_str(format!(
            r#"(module
                 (import "env" "memory" (memory 2 16))
                 {extra}
                 (func (export "deploy"))
                 (func (export "call") {body}))"#
        ))
        .expect("wat")
    };
    assert_eq!(accepted(&module("", "")), Ok(()));
    assert_eq!(
        accepted(&module("i32.const 1 i32.extend8_s drop", "")),
        Ok(()),
        "sign extension is allowed"
    );
    for (feature, body, extra) in [
        (
            "bulk memory",
            "i32.const 0 i32.const 8 i32.const 4 memory.copy",
            "",
        ),
        ("floats", "f32.const 1 f32.const 2 f32.add drop", ""),
        (
            "multi-value",
            "",
            "(func (result i32 i32) i32.const 1 i32.const 2)",
        ),
        (
            "mutable global export",
            "",
            "(global (export \"g\") (mut i32) (i32.const 0))",
        ),
        (
            "saturating float conversion",
            "f32.const 1 i32.trunc_sat_f32_s drop",
            "",
        ),
    ] {
        assert!(
            accepted(&module(body, extra)).is_err(),
            "{feature} must be refused"
        );
    }
    let no_call = wat::parse_str(
        r#"(module (import "env" "memory" (memory 2 16)) (func (export "deploy")))"#,
    )
    .expect("wat");
    assert_eq!(
        accepted(&no_call),
        Err("no exported `call` function".into())
    );
    let own_memory =
        wat::parse_str(r#"(module (memory 1) (func (export "deploy")) (func (export "call")))"#)
            .expect("wat");
    assert!(accepted(&own_memory).is_err(), "memory must be imported");
}
