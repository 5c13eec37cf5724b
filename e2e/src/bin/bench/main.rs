//! Benchmark harness: deploys the release bundles on the embedded chain, calls every message,
//! and writes the weight each consumed (ref_time, proof_size) plus the optimised Wasm sizes to
//! `<out>/results.json` and `<out>/RESULTS.md`. Weights and sizes are deterministic.
//!
//! `cargo run -p cgrid-e2e --bin bench -- [--out DIR] [--check]` (see `scripts/bench.sh`);
//! `--check` exits non-zero when a target is missed. Each contract has its own section (a
//! module below); every call goes through the typed suite client (`cgrid_suite`).

mod attribution;
mod did_registry;
mod harness;
mod incentive_auction;
mod mask_registry;
mod report;
mod trade_escrow;
mod vc_templates;

use std::path::PathBuf;

pub use cgrid_e2e::Weight;

fn main() {
    let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../bench"));
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().expect("--out needs a directory")),
            "--check" => check = true,
            other => {
                eprintln!("unknown argument {other}; usage: bench [--out DIR] [--check]");
                std::process::exit(2);
            }
        }
    }
    let mut report = report::Report::default();
    did_registry::bench(&mut report);
    vc_templates::bench(&mut report);
    trade_escrow::bench(&mut report);
    incentive_auction::bench(&mut report);
    mask_registry::bench(&mut report);
    report.summarise();
    report::write(&report, &out).expect("write results");
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.ok).collect();
    let gating_failed = failed.iter().any(|c| c.gating);
    println!(
        "bench: {} messages measured, {} targets checked, {} missed; results in {}",
        report.rows.len(),
        report.checks.len(),
        failed.len(),
        out.display()
    );
    for c in &failed {
        println!("  missed: {}", c.what);
    }
    if check && gating_failed {
        std::process::exit(1);
    }
}
