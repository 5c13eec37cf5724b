#!/usr/bin/env bash
# The node tier: the suite on a real substrate-contracts-node 0.42 (dev mode, instant seal).
#
#   scripts/node-tier.sh [--out DIR]     figures go to DIR/node-tier.json (default: a scratch dir)
#
# Skipped, with a message and exit status 0, when the node binary is not installed
# (scripts/node.sh install builds it; the first build takes about 1.5 h on 2 cores). Otherwise:
#   1. a fresh node: `cgrid deploy` (the five contracts in order, wired) writes the deployment
#      file; a separate process attaches to it from the file (cgrid-suite's attach_node test);
#      a refused payout is kept and withdrawn (controller's payout_node test);
#      the TypeScript bindings' node tests send transactions and queries to the deployed
#      suite (frontend-bindings/node-test), and docs/CONTRACTS_UI.md is followed step by step
#      as Contracts UI does it; the dapp example runs against it;
#   2. a fresh node: the operators' walkthrough (scripts/walkthrough-identity.sh; the README's
#      walkthrough): separate cgrid processes with their own key files onboard parties, issue,
#      verify, mask and unmask a credential;
#   3. a fresh node: trading (scripts/walkthrough-trading.sh; the README's walkthrough): a
#      provider's `cgrid provide` daemon and a consumer's `cgrid consume`, separate processes with
#      their own keys and stores, bill a channel opened by `offer create` / `channel open`, with
#      checkpoints and a cooperative close, kill -9 of either side mid-billing, a stale close
#      answered by the daemon's own watchtower beside a standby `watch`, and the TypeScript
#      example consumer paying the Rust daemon; amounts checked from chain;
#   3b. a fresh node: an auction (scripts/walkthrough-auction.sh; the README's walkthrough):
#      request, a bid backed by a credential file, reveal, finalize, the winner's channel billed;
#   4. a fresh node: `cgrid demo --url` — the whole trade flow (auction, billing over loopback
#      TCP, checkpoints, cooperative close, the watchtower's challenge) in real time (~4 min);
#   5. ink_e2e's node backend: did_registry's end-to-end scenario on a node ink_e2e starts
#      itself (CONTRACTS_NODE).
# Figures: seconds to a running node, deploy time of the whole suite, bundle sizes, the demo's
# wall time.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"

out=""
while (($#)); do
    case "$1" in
    --out)
        out="$2"
        shift 2
        ;;
    *)
        echo "usage: scripts/node-tier.sh [--out DIR]" >&2
        exit 2
        ;;
    esac
done

if ! node_bin="$("$CGRID_ROOT/scripts/node.sh" path 2>/dev/null)"; then
    echo "node tier SKIPPED: substrate-contracts-node 0.42 is not installed (scripts/node.sh install builds it once, ~1.5 h)"
    exit 0
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
out="${out:-$scratch}"
mkdir -p "$out"

step "node tier: build cgrid and the bindings"
# cgrid with the test suite's feature resolution, so the build cache is shared with the tests.
cargo test --workspace --no-run --quiet
cgrid="$CARGO_TARGET_DIR/debug/cgrid"
(cd frontend-bindings && { [[ -d node_modules ]] || npm ci --no-audit --no-fund; } && npm run build)

step "node tier: deploy the suite, then the TypeScript bindings and the dapp example against it"
export CGRID_CGRID="$cgrid" CGRID_SCRATCH="$scratch"
"$CGRID_ROOT/scripts/node.sh" run bash -c '
    set -euo pipefail
    echo "$CGRID_NODE_READY_S" > "$CGRID_SCRATCH/ready_s"
    "$CGRID_CGRID" deploy --url "$CGRID_NODE_URL" --out "$CGRID_SCRATCH/deployments/development.json"
    # The deployed code is this source (README "Verify a deployment")...
    "$CGRID_CGRID" --deployment "$CGRID_SCRATCH/deployments/development.json" verify
    # ...and a suite with one contract from a modified build (a custom section added to
    # the Wasm of mask_registry) is not: verify fails naming that contract.
    modified="$CGRID_SCRATCH/modified-bundles"
    mkdir -p "$modified"
    cp "$CGRID_BUNDLES"/*.wasm "$modified/"
    printf "\x00\x06\x05cgrid" >>"$modified/mask_registry.wasm"
    CGRID_BUNDLES="$modified" "$CGRID_CGRID" deploy --url "$CGRID_NODE_URL" --salt modified \
        --out "$CGRID_SCRATCH/modified/development.json" >/dev/null
    if said="$("$CGRID_CGRID" --deployment "$CGRID_SCRATCH/modified/development.json" verify 2>&1)"; then
        echo "node tier: cgrid verify passed a suite with a modified mask_registry" >&2
        exit 1
    fi
    if ! grep -q "^error: mask_registry on chain is not the code of this source" <<<"$said"; then
        echo "node tier: cgrid verify did not name mask_registry: $said" >&2
        exit 1
    fi
    echo "cgrid verify: the deployed suite matches; a modified mask_registry is named"
    # A separate process attaches from the file alone (cgrid-suite), reads, writes, and is
    # refused a file naming other code.
    CGRID_DEPLOYMENT="$CGRID_SCRATCH/deployments/development.json" \
        cargo test --quiet -p cgrid-suite --test attach_node -- --ignored
    # A payout the chain refuses (below the existential deposit, to an account that does not
    # exist) is kept by the escrow and taken later with `cgrid account withdraw`.
    CGRID_DEPLOYMENT="$CGRID_SCRATCH/deployments/development.json" \
        cargo test --quiet --workspace --test payout_node -- --ignored
    cd frontend-bindings
    # One file at a time: the node tests send from the same dev accounts (nonces).
    CGRID_DEPLOYMENT="$CGRID_SCRATCH/deployments/development.json" \
        node --test --test-concurrency=1 node-test/
    CGRID_DEPLOYMENTS="$CGRID_SCRATCH/deployments" node dist/examples/dapp.js development
'

# A walkthrough on a fresh node, timed: walkthrough NAME writes NAME_s.
walkthrough() {
    CGRID_WALKTHROUGH="$1" "$CGRID_ROOT/scripts/node.sh" run bash -c '
        set -euo pipefail
        started=$(date +%s.%N)
        "$CGRID_ROOT/scripts/walkthrough-$CGRID_WALKTHROUGH.sh" "$CGRID_NODE_URL" "$CGRID_CGRID" \
            "$CGRID_SCRATCH/$CGRID_WALKTHROUGH"
        awk -v a="$started" -v b="$(date +%s.%N)" "BEGIN { printf \"%.1f\", b - a }" \
            > "$CGRID_SCRATCH/${CGRID_WALKTHROUGH}_s"
    '
}

step "node tier: the operators' walkthrough (separate cgrid processes and key files)"
walkthrough identity

step "node tier: trading between a provider's daemon and a consumer (separate processes)"
walkthrough trading

step "node tier: an auction, then the winner's channel billed (separate processes)"
walkthrough auction

step "node tier: cgrid demo --url (real time: ~4 minutes)"
"$CGRID_ROOT/scripts/node.sh" run bash -c '
    set -euo pipefail
    started=$(date +%s.%N)
    "$CGRID_CGRID" demo --url "$CGRID_NODE_URL" --minutes 10 --checkpoint-every 4 \
        --data "$CGRID_SCRATCH/demo" | tee "$CGRID_SCRATCH/demo.txt"
    awk -v a="$started" -v b="$(date +%s.%N)" "BEGIN { printf \"%.1f\", b - a }" > "$CGRID_SCRATCH/demo_s"
'

step "node tier: ink_e2e on a node (did_registry scenario)"
CONTRACTS_NODE="$node_bin" cargo test --workspace --test did_registry_e2e -- --ignored

step "node tier: figures"
CGRID_OUT="$out" CGRID_NODE_BIN="$node_bin" node --input-type=module -e '
    import { readFileSync, statSync, writeFileSync } from "node:fs";
    const env = process.env;
    const scratch = env.CGRID_SCRATCH;
    const deployment = JSON.parse(readFileSync(`${scratch}/deployments/development.json`, "utf8"));
    const bundles = {};
    for (const name of Object.keys(deployment.contracts)) {
      bundles[name] = {
        contract_bytes: statSync(`${env.CGRID_BUNDLES}/${name}.contract`).size,
        wasm_bytes: statSync(`${env.CGRID_BUNDLES}/${name}.wasm`).size,
      };
    }
    const figures = {
      node: `substrate-contracts-node 0.42.0 (${env.CGRID_NODE_BIN})`,
      seconds_to_running_node: Number(readFileSync(`${scratch}/ready_s`, "utf8")),
      deploy_seconds: deployment.seconds,
      deploy_weights: Object.fromEntries(Object.entries(deployment.contracts)
        .map(([name, c]) => [name, { ref_time: c.ref_time, proof_size: c.proof_size }])),
      demo_seconds: Number(readFileSync(`${scratch}/demo_s`, "utf8")),
      identity_walkthrough_seconds: Number(readFileSync(`${scratch}/identity_s`, "utf8")),
      trading_walkthrough_seconds: Number(readFileSync(`${scratch}/trading_s`, "utf8")),
      auction_walkthrough_seconds: Number(readFileSync(`${scratch}/auction_s`, "utf8")),
      bundles,
    };
    writeFileSync(`${env.CGRID_OUT}/node-tier.json`, JSON.stringify(figures, null, 2) + "\n");
    console.log(JSON.stringify(figures, null, 2));
'
echo "node tier passed"
