#!/usr/bin/env bash
# scripts/cache-gc.sh on a scratch cache laid out as cargo lays out its own: under its budget it
# changes nothing; forced, it removes every file of a unit no build used within the window (its
# fingerprint, build-script folder, deps files, example) and the stale incremental state and
# leftover link objects, and keeps every file of a recently used unit and everything that is not a
# unit's; with the disk still short of room after that, it prunes again with a day's window,
# then three hours', and keeps what a build used in the last three hours. Before it, the cache
# only grew until the disk was full and CI failed at a link; then a day's churn (younger than the
# window) filled the disk again.
set -euo pipefail
source "$(dirname "$0")/../env.sh"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export CARGO_TARGET_DIR="$scratch/target"
old="$(date -d '10 days ago' '+%Y-%m-%d %H:%M')"
stale=1111111111111111
fresh=2222222222222222

# One profile folder with a stale and a fresh unit of each kind, as cargo names them.
unit() { # profile package crate hash
    local p="$CARGO_TARGET_DIR/$1"
    mkdir -p "$p/.fingerprint/$2-$4" "$p/build/$2-$4/out" "$p/deps" "$p/examples"
    echo fp >"$p/.fingerprint/$2-$4/lib-$3"
    echo out >"$p/build/$2-$4/out/generated.rs"
    echo rlib >"$p/deps/lib$3-$4.rlib"
    echo d >"$p/deps/$3-$4.d"
    echo ex >"$p/examples/$3-$4"
}
recent=3333333333333333
unit debug demo-crate demo_crate "$stale"
unit debug demo-crate demo_crate "$fresh"
unit debug demo-crate demo_crate "$recent"
unit ink/wasm32-unknown-unknown/release wasm-crate wasm_crate "$stale"
mkdir -p "$CARGO_TARGET_DIR/debug/incremental/demo_crate-$stale" "$CARGO_TARGET_DIR/debug/incremental/demo_crate-$fresh" \
    "$CARGO_TARGET_DIR/debug/incremental/demo_crate-$recent"
echo obj >"$CARGO_TARGET_DIR/debug/deps/cli-$fresh.abc.rcgu.o"
echo bin >"$CARGO_TARGET_DIR/debug/cgrid"
echo bundle >"$CARGO_TARGET_DIR/bundles.json"
# Age the stale ones (access and modification), and the link leftover by two hours.
find "$CARGO_TARGET_DIR" -path "*$stale*" -exec touch -d "$old" {} +
touch -d "$(date -d '2 hours ago' '+%Y-%m-%d %H:%M')" "$CARGO_TARGET_DIR/debug/deps/cli-$fresh.abc.rcgu.o"
# A unit last used two days ago: inside the window, outside a day's.
find "$CARGO_TARGET_DIR" -path "*$recent*" -exec touch -d "$(date -d '2 days ago' '+%Y-%m-%d %H:%M')" {} +
before="$(cd "$CARGO_TARGET_DIR" && find . | sort)"

fail() { echo "error: cache-gc: $*" >&2; exit 1; }

# Under budget, with room on the disk: nothing changes.
CGRID_CACHE_BUDGET_GB=1000 CGRID_CACHE_MIN_FREE_GB=0 "$CGRID_ROOT/scripts/cache-gc.sh" >/dev/null
[[ "$(cd "$CARGO_TARGET_DIR" && find . | sort)" == "$before" ]] || fail "changed a cache under its budget"

# Forced, and under budget after it: the stale units go, whole; the two-day-old one stays.
CGRID_CACHE_BUDGET_GB=1000 CGRID_CACHE_MIN_FREE_GB=0 "$CGRID_ROOT/scripts/cache-gc.sh" --force >/dev/null
left="$(cd "$CARGO_TARGET_DIR" && find . -type f | sort)"
grep -q "$stale" <<<"$left" && fail "a forced prune left part of a unit unused for 10 days"
[[ "$(grep -c "$recent" <<<"$left")" == 5 ]] || fail "a prune that met its budget removed a unit used two days ago"

# Over budget (0 GB) with room on the disk: the same; the two-day-old unit still stays.
CGRID_CACHE_BUDGET_GB=0 CGRID_CACHE_MIN_FREE_GB=0 "$CGRID_ROOT/scripts/cache-gc.sh" >/dev/null
left="$(cd "$CARGO_TARGET_DIR" && find . -type f | sort)"
[[ "$(grep -c "$recent" <<<"$left")" == 5 ]] || fail "a cache merely over budget lost a unit used two days ago"

# Short of room on the disk (more free space asked than any disk has): the two-day-old unit goes
# too; the fresh one stays.
CGRID_CACHE_MIN_FREE_GB=1000000 "$CGRID_ROOT/scripts/cache-gc.sh" >/dev/null
left="$(cd "$CARGO_TARGET_DIR" && find . -type f | sort)"
if grep -q "$recent" <<<"$left" || [[ -e "$CARGO_TARGET_DIR/debug/incremental/demo_crate-$recent" ]]; then
    fail "short of room, kept a unit unused for two days: $(grep "$recent" <<<"$left" | tr '\n' ' ')"
fi
if grep -q "$stale" <<<"$left" || [[ -e "$CARGO_TARGET_DIR/debug/incremental/demo_crate-$stale" ]]; then
    fail "left part of a unit unused for 10 days: $(grep "$stale" <<<"$left" | tr '\n' ' ')"
fi
[[ ! -e "$CARGO_TARGET_DIR/debug/deps/cli-$fresh.abc.rcgu.o" ]] || fail "kept a two-hour-old link leftover"
expected="$(printf '%s\n' \
    ./bundles.json ./debug/cgrid \
    "./debug/.fingerprint/demo-crate-$fresh/lib-demo_crate" \
    "./debug/build/demo-crate-$fresh/out/generated.rs" \
    "./debug/deps/demo_crate-$fresh.d" "./debug/deps/libdemo_crate-$fresh.rlib" \
    "./debug/examples/demo_crate-$fresh" | sort)"
[[ "$left" == "$expected" ]] || fail "kept or removed the wrong files; left: $(tr '\n' ' ' <<<"$left")"
[[ -d "$CARGO_TARGET_DIR/debug/incremental/demo_crate-$fresh" ]] || fail "removed fresh incremental state"
echo "cache-gc: stale units pruned whole (a day's and three hours' windows when the disk is still short of room), fresh ones and everything else kept"
