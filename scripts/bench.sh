#!/usr/bin/env bash
# Regenerates bench/results.json and bench/RESULTS.md: weights (ref_time, proof_size) of every
# message of the release bundles on the embedded chain, and the optimised Wasm sizes.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"
"$CGRID_ROOT/scripts/build-contracts.sh"
step "benchmark"
cargo run --quiet -p cgrid-e2e --bin bench -- --check --out "$CGRID_ROOT/bench"
