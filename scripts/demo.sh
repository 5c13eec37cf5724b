#!/usr/bin/env bash
# The main job: the whole trade flow on the embedded chain. Builds the release bundles and the
# controller, then runs `cgrid demo` (arguments are passed on; `--help` lists them).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"
"$CGRID_ROOT/scripts/build-contracts.sh" >/dev/null
step "building the controller"
# Built with the test suite's feature resolution, so the build cache is shared with the tests
# (a plain `cargo run -p controller` would rebuild large dependencies).
cargo test --workspace --no-run --quiet
step "cgrid demo $*"
exec "$CARGO_TARGET_DIR/debug/cgrid" demo "$@"
