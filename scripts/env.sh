# Sourced by the other scripts: one place for the pinned toolchain and the build cache.
# shellcheck shell=bash
CGRID_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CGRID_ROOT
# The toolchain pinned in rust-toolchain.toml, set explicitly: cargo called by absolute path can
# otherwise pick up a rust-toolchain.toml shipped inside a registry crate.
CGRID_TOOLCHAIN="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$CGRID_ROOT/rust-toolchain.toml")"
export CGRID_TOOLCHAIN
export RUSTUP_TOOLCHAIN="$CGRID_TOOLCHAIN"
# Build cache outside the checkout, so that a fresh clone (CI) reuses earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/computegrid/target}"
export CGRID_BUNDLES="${CGRID_BUNDLES:-$CARGO_TARGET_DIR/bundles}"
# The bundles' release builds (scripts/build-contracts.sh) have a target directory of their own.
# ink_e2e builds the same crates from the workspace (without the staged manifests' rlibc patch)
# into the same paths of a shared one: cargo's Wasm and contract-build's `ink/<name>.wasm`, which
# contract-build hands back as they are when it finds cargo's Wasm unchanged.
export CGRID_BUNDLE_TARGET="${CGRID_BUNDLE_TARGET:-$CARGO_TARGET_DIR/bundle-target}"
# The contract-build release (the library of cargo-contract of the same version) that
# cgrid-bundler builds the bundles with; bundles record it as their `cargo_contract_version`.
export CARGO_CONTRACT_VERSION="5.0.3"
# Where scripts/build-contracts.sh stages each contract. Fixed on purpose: cargo hashes a path
# dependency's absolute path into the code, so one path for every checkout and machine makes the
# bundles byte-identical. (Only scripts/tests/stage-sync.sh, which builds nothing, sets another.)
export CGRID_STAGE="${CGRID_STAGE:-/tmp/computegrid-stage}"
# Every contract crate, in build and deployment order: role_index first, because did_registry
# compiles in its code hash (CGRID_ROLE_INDEX_CODE) and instantiates it in its constructor (the
# operator deploys the other five; the index's code is uploaded before the registry).
CGRID_CONTRACTS=(role_index did_registry vc_templates trade_escrow incentive_auction mask_registry)
export CGRID_CONTRACTS
# The contracts built as several code blobs (`cgrid_shared::split`): `<name>` (the main code, at
# the contract's address) and `<name>.cold` (its cold code, uploaded first and delegate-called).
CGRID_SPLIT=(did_registry vc_templates trade_escrow incentive_auction mask_registry)
export CGRID_SPLIT
# Those of them with more than one cold code, and how many: `<name>.cold`, `<name>.cold2`,
# `<name>.cold3` (features `split-cold1`..`split-cold3`: `in_cold_code!()`, `in_cold_code!(2)`,
# `in_cold_code!(3)`). The others have one, `<name>.cold`, built with feature `split-cold`.
CGRID_COLD_COUNT=(did_registry:3 vc_templates:3 trade_escrow:2 incentive_auction:3)
export CGRID_COLD_COUNT
# How many cold codes contract $1 has: 0 (one blob), 1, 2 or 3.
cold_count() {
    local n=0 entry
    if [[ " ${CGRID_SPLIT[*]} " == *" $1 "* ]]; then n=1; fi
    for entry in "${CGRID_COLD_COUNT[@]}"; do
        if [[ "${entry%%:*}" == "$1" ]]; then n="${entry#*:}"; fi
    done
    echo "$n"
}
# The cold code bundles of contract $1: none, `$1.cold`, or `$1.cold $1.cold2 …`.
cold_blobs() {
    local n part
    n="$(cold_count "$1")"
    for ((part = 1; part <= n; part++)); do
        if ((part == 1)); then echo "$1.cold"; else echo "$1.cold$part"; fi
    done
}
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
