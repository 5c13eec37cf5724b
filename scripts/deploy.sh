#!/usr/bin/env bash
# Deploys and wires the five contracts on a node and writes deployments/<network>.json:
#
#   scripts/deploy.sh --url ws://127.0.0.1:9944 [--suri //Alice] [--salt S] [--out FILE]
#
# The deployer (--suri, default //Alice on a dev chain) becomes the registries' root authority.
# Order: did_registry → vc_templates → trade_escrow (made a system issuer of vc_templates) →
# incentive_auction (made the escrow's broker) → mask_registry (named by the other three).
# The bundles come from scripts/build-contracts.sh (run first if they are missing).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"
for name in "${CGRID_CONTRACTS[@]}"; do
    if [[ ! -f "$CGRID_BUNDLES/$name.wasm" ]]; then
        "$CGRID_ROOT/scripts/build-contracts.sh"
        break
    fi
done
# cgrid built with the test suite's feature resolution, so the build cache is shared with the
# tests and the demo (scripts/demo.sh does the same); the work is the node's, a debug build is fine.
cargo test --workspace --no-run --quiet
exec "$CARGO_TARGET_DIR/debug/cgrid" deploy "$@"
