#!/usr/bin/env bash
# A real chain for the node tier: substrate-contracts-node (crate `contracts-node` 0.42.0, the last
# line with pallet-contracts), built once into a cache outside the checkout.
#
#   scripts/node.sh install          build the binary if it is missing (the first build takes
#                                    1.5-3 hours on 2 cores; later calls return at once)
#   scripts/node.sh path             print the binary's path; exit 1 if it is not built
#   scripts/node.sh run CMD [ARG..]  start a dev node on 127.0.0.1 with a temporary base path,
#                                    wait until it answers, run CMD with CGRID_NODE_URL set, stop
#                                    the node on exit (also on failure or Ctrl-C)
#   scripts/node.sh start            start a dev node in the foreground (Ctrl-C stops it)
#
# Why not `cargo install contracts-node --locked`: substrate-wasm-builder builds the runtimes in a
# workspace of its own and cannot see the installed crate's Cargo.lock, so it resolves newer
# dependencies (WASM_BUILD_WORKSPACE_HINT fixes that), and a current Rust rejects `sp-io` 38
# (`#[no_mangle]` on the panic lang item). So the crate's own source is built with its own
# Cargo.lock (`--locked`), the hint pointing at it, and a Rust of its era.
set -euo pipefail
source "$(dirname "$0")/env.sh"

NODE_VERSION="0.42.0"
NODE_TOOLCHAIN="${CGRID_NODE_TOOLCHAIN:-1.81.0}"
NODE_CACHE="${CGRID_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/computegrid/node}"
NODE_BIN="${CGRID_NODE_BIN:-$NODE_CACHE/bin/substrate-contracts-node-$NODE_VERSION}"
NODE_PORT="${CGRID_NODE_PORT:-9944}"

node_install() {
    if [[ -x "$NODE_BIN" ]]; then
        echo "contracts-node $NODE_VERSION: present ($NODE_BIN)"
        return
    fi
    local src="$NODE_CACHE/src/contracts-node-$NODE_VERSION"
    if [[ ! -f "$src/Cargo.lock" ]]; then
        step "downloading contracts-node $NODE_VERSION's source from crates.io"
        mkdir -p "$NODE_CACHE/src"
        local crate="$NODE_CACHE/src/contracts-node-$NODE_VERSION.crate"
        curl -fsSL -o "$crate" \
            "https://static.crates.io/crates/contracts-node/contracts-node-$NODE_VERSION.crate"
        tar xzf "$crate" -C "$NODE_CACHE/src"
    fi
    step "installing Rust $NODE_TOOLCHAIN for the node (rustup auto-install is off on our machines)"
    rustup toolchain install "$NODE_TOOLCHAIN" --profile minimal -c rust-src -t wasm32-unknown-unknown
    # RocksDB's bindings need libclang, the network crates protoc.
    if ! command -v protoc >/dev/null || ! command -v clang >/dev/null; then
        if command -v apt-get >/dev/null; then
            step "installing protoc and clang (apt)"
            # A fresh machine has no package lists yet: install finds nothing without them.
            apt-get update -q
            apt-get install -y -q protobuf-compiler clang libclang-dev
        else
            echo "error: the node build needs protoc and clang (libclang)" >&2
            exit 1
        fi
    fi
    step "building contracts-node $NODE_VERSION (long: once per machine, cached in $NODE_CACHE)"
    (
        cd "$src"
        # Its own lock file, for the node and (through the hint) for the runtimes' Wasm builds.
        export WASM_BUILD_WORKSPACE_HINT="$src"
        export RUSTUP_TOOLCHAIN="$NODE_TOOLCHAIN"
        export WASM_BUILD_TOOLCHAIN="$NODE_TOOLCHAIN"
        export CARGO_TARGET_DIR="$NODE_CACHE/target"
        export CARGO_PROFILE_RELEASE_DEBUG=0
        cargo build --release --locked --bin substrate-contracts-node
    )
    mkdir -p "$(dirname "$NODE_BIN")"
    cp "$NODE_CACHE/target/release/substrate-contracts-node" "$NODE_BIN"
    "$NODE_BIN" --version
    # The build folder (8 GB) is needed for nothing else; the source stays for a rebuild.
    rm -rf "$NODE_CACHE/target"
    echo "built $NODE_BIN"
}

node_path() {
    if [[ -x "$NODE_BIN" ]]; then
        echo "$NODE_BIN"
    else
        echo "contracts-node $NODE_VERSION is not built; run scripts/node.sh install" >&2
        exit 1
    fi
}

# Answers once the JSON-RPC server is up and the chain has produced a block.
node_answers() {
    curl -fsS -m 2 -H 'Content-Type: application/json' \
        -d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' \
        "http://127.0.0.1:$NODE_PORT" 2>/dev/null | grep -q '"number"'
}

# Stops the node started by node_run and removes its base path, keeping the exit status.
node_stop() {
    local status=$?
    if [[ -n "${NODE_PID:-}" ]]; then
        kill "$NODE_PID" 2>/dev/null || true
        wait "$NODE_PID" 2>/dev/null || true
    fi
    [[ -n "${NODE_BASE:-}" ]] && rm -rf "$NODE_BASE"
    exit "$status"
}

node_run() {
    node_path >/dev/null
    if node_answers; then
        echo "error: something already answers on 127.0.0.1:$NODE_PORT; set CGRID_NODE_PORT" >&2
        exit 1
    fi
    local base log
    base="$(mktemp -d)"
    log="$base/node.log"
    local started
    started="$(date +%s.%N)"
    # --dev: Alice is sudo and funded, instant seal on every transaction (plus an empty block
    # every few seconds); --base-path in a temporary folder so every run starts at genesis.
    "$NODE_BIN" --dev --base-path "$base/chain" --rpc-port "$NODE_PORT" \
        --rpc-cors all --no-prometheus --no-telemetry >"$log" 2>&1 &
    local pid=$!
    NODE_PID=$pid
    NODE_BASE=$base
    trap node_stop EXIT
    trap 'exit 130' INT TERM
    local tries=0
    until node_answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "error: the node exited; its log:" >&2
            tail -30 "$log" >&2
            exit 1
        fi
        tries=$((tries + 1))
        if ((tries > 600)); then
            echo "error: the node did not answer within 60 s; its log:" >&2
            tail -30 "$log" >&2
            exit 1
        fi
        sleep 0.1
    done
    local ready
    ready="$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')"
    echo "contracts-node answered on ws://127.0.0.1:$NODE_PORT after ${ready} s (log: $log)"
    export CGRID_NODE_URL="ws://127.0.0.1:$NODE_PORT"
    export CGRID_NODE_READY_S="$ready"
    if (($# == 0)); then
        wait "$pid"
    else
        "$@"
    fi
}

case "${1:-}" in
install) node_install ;;
path) node_path ;;
run)
    shift
    node_run "$@"
    ;;
start) node_run ;;
*)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
