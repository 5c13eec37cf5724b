#!/usr/bin/env bash
# Builds every contract with `cargo contract build --release` (which also runs clippy on it) and
# collects the .contract, .wasm and .json files in $CGRID_BUNDLES (default
# ~/.cache/computegrid/target/bundles). Stops at the first error.
set -euo pipefail
source "$(dirname "$0")/env.sh"

if ! cargo contract --version >/dev/null 2>&1; then
    echo "error: cargo-contract is missing; run scripts/setup.sh first" >&2
    exit 1
fi
mkdir -p "$CGRID_BUNDLES"
for c in "${CGRID_CONTRACTS[@]}"; do
    step "cargo contract build --release: $c"
    cargo contract build --release --manifest-path "$CGRID_ROOT/contracts/$c/Cargo.toml"
    out="$CARGO_TARGET_DIR/ink/$c"
    for ext in contract wasm json; do
        cp "$out/$c.$ext" "$CGRID_BUNDLES/$c.$ext"
    done
done
step "bundles in $CGRID_BUNDLES"
ls -l "$CGRID_BUNDLES"
