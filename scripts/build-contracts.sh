#!/usr/bin/env bash
# Builds every contract with `cargo contract build --release` (which also runs clippy on it) and
# collects the .contract, .wasm and .json files in $CGRID_BUNDLES (default
# ~/.cache/computegrid/target/bundles), with the exact rustc release in their build_info.
# Stops at the first error.
set -euo pipefail
source "$(dirname "$0")/env.sh"

if ! cargo contract --version >/dev/null 2>&1; then
    echo "error: cargo-contract is missing; run scripts/setup.sh first" >&2
    exit 1
fi
mkdir -p "$CGRID_BUNDLES"
# cargo-contract 5.0.3 records the toolchain as `<channel>-<host>` ("stable-x86_64-…"), which
# does not say which compiler made the code; the bundles name the exact one instead.
toolchain="$(rustc -vV | awk '/^release:/ { r = $2 } /^host:/ { h = $2 } END { print r "-" h }')"
for c in "${CGRID_CONTRACTS[@]}"; do
    step "cargo contract build --release: $c"
    cargo contract build --release --manifest-path "$CGRID_ROOT/contracts/$c/Cargo.toml"
    out="$CARGO_TARGET_DIR/ink/$c"
    cp "$out/$c.wasm" "$CGRID_BUNDLES/$c.wasm"
    for ext in contract json; do
        python3 - "$out/$c.$ext" "$CGRID_BUNDLES/$c.$ext" "$toolchain" <<'PY'
import json, sys
source, target, toolchain = sys.argv[1:]
with open(source, encoding="utf-8") as f:
    bundle = json.load(f)
bundle["source"]["build_info"]["rust_toolchain"] = toolchain
with open(target, "w", encoding="utf-8") as f:
    json.dump(bundle, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
    done
done
step "bundles in $CGRID_BUNDLES"
ls -l "$CGRID_BUNDLES"
