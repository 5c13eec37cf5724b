//! Every release bundle is Wasm that pallet-contracts accepts, checked the way the pallet checks
//! uploaded code (`cgrid_e2e::pallet_wasm`): by the Wasm engine of pallet-contracts 31 (the
//! embedded chain's, wasmi 0.31.2) and of pallet-contracts 38 (wasmi 0.32.3), each with the
//! pallet's configuration — no bulk memory, no floats, no multi-value, no mutable-global imports
//! or exports, no reference types, tail calls, extended constants or saturating float
//! conversions; sign extension allowed — and the pallet's module rules (memory imported,
//! `deploy` and `call` exported). A toolchain bump that makes a chain answer `CodeRejected`
//! (Rust ≥ 1.87 emits bulk memory) fails here first, naming the contract, the pallet and the
//! feature.

use cgrid_e2e::pallet_wasm::{accepted, accepted_by_31, accepted_by_38};
use cgrid_suite::{bundle_dir, CONTRACTS, INSTANTIATES, SPLIT};

/// One pallet's check: why it would refuse the code, if it would.
type Check = fn(&[u8]) -> Result<(), String>;

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

/// The check itself, for each pallet's engine: the features chains reject are refused, the one
/// they allow is not, and so are modules that break the module rules.
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
    let no_call = wat::parse_str(
        r#"(module (import "env" "memory" (memory 2 16)) (func (export "deploy")))"#,
    )
    .expect("wat");
    let own_memory =
        wat::parse_str(r#"(module (memory 1) (func (export "deploy")) (func (export "call")))"#)
            .expect("wat");
    let pallets: [(&str, Check); 2] = [("31", accepted_by_31), ("38", accepted_by_38)];
    for (pallet, accepts) in pallets {
        assert_eq!(
            accepts(&module("", "")),
            Ok(()),
            "pallet-contracts {pallet}"
        );
        assert_eq!(
            accepts(&module("i32.const 1 i32.extend8_s drop", "")),
            Ok(()),
            "pallet-contracts {pallet}: sign extension is allowed"
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
                accepts(&module(body, extra)).is_err(),
                "pallet-contracts {pallet}: {feature} must be refused"
            );
        }
        assert_eq!(
            accepts(&no_call),
            Err("no exported `call` function".into()),
            "pallet-contracts {pallet}"
        );
        assert!(
            accepts(&own_memory).is_err(),
            "pallet-contracts {pallet}: memory must be imported"
        );
    }
    // Both together name the pallet that refused.
    let refused = accepted(&module("f32.const 1 f32.const 2 f32.add drop", ""));
    assert!(
        refused
            .as_ref()
            .is_err_and(|why| why.starts_with("pallet-contracts 31: ")),
        "{refused:?}"
    );
}
