#!/usr/bin/env bash
# The main job: the whole trade flow on the embedded chain. Builds the workspace (the controller
# and cgrid-bundler) and the release bundles, then runs `cgrid demo` (arguments are passed on;
# `--help` lists them).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"
step "building the workspace (the controller, cgrid-bundler)"
# Built with the test suite's feature resolution, so the build cache is shared with the tests
# (a plain `cargo run -p controller` would rebuild large dependencies).
cargo test --workspace --no-run --quiet
step "building the release bundles"
"$CGRID_ROOT/scripts/build-contracts.sh" >/dev/null
step "cgrid demo $*"
exec "$CARGO_TARGET_DIR/debug/cgrid" demo "$@"
