#!/usr/bin/env bash
# Regenerates bench/results.json and bench/RESULTS.md: weights (ref_time, proof_size) of every
# message of the release bundles on the embedded chain, the optimised Wasm sizes, the controller
# benchmark, and the node tier's figures (bench/node-tier.json) when the node is installed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"
"$CGRID_ROOT/scripts/build-contracts.sh"
step "benchmark"
# Built with the same feature resolution as the test suite, so the build cache is shared.
cargo test --workspace --no-run
"$CARGO_TARGET_DIR/debug/bench" --check --out "$CGRID_ROOT/bench"
step "controller benchmark (release build, no chain)"
cargo build --release -p controller --no-default-features --bin controller-bench
"$CARGO_TARGET_DIR/release/controller-bench" --out "$CGRID_ROOT/bench"
step "recommender benchmark (release build: evaluation, 1,000² and 10,000² plans)"
cargo build --release -p cgrid-sched --bin sched-bench
"$CARGO_TARGET_DIR/release/sched-bench" --out "$CGRID_ROOT/bench"
step "CP-ABE benchmark (release build)"
cargo build --release -p cgrid-vc --bin abe-bench
"$CARGO_TARGET_DIR/release/abe-bench" --out "$CGRID_ROOT/bench"
step "node tier figures (skipped without substrate-contracts-node)"
"$CGRID_ROOT/scripts/node-tier.sh" --out "$CGRID_ROOT/bench"
