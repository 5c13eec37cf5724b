#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, clippy, release bundles, unit tests,
# end-to-end tests on the embedded chain, the TypeScript bindings' tests, the dashboard in a
# headless Chromium (skipped with a message when it is not installed), the benchmark's
# target checks, and the node tier (scripts/node-tier.sh) when substrate-contracts-node is
# installed (skipped with a message otherwise).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"

"$CGRID_ROOT/scripts/setup.sh"

step "setup.sh and build-contracts.sh refuse a compiler other than the pinned one"
"$CGRID_ROOT/scripts/tests/setup-pins.sh"

step "cargo fmt --check"
cargo fmt --all -- --check
for dir in fuzz fuzz/contracts; do (cd "$CGRID_ROOT/$dir" && cargo fmt -- --check); done

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# The bundles, checked against the committed code hashes (bundles.lock.json).
"$CGRID_ROOT/scripts/build-contracts.sh" --check

step "the staging follows content, not modification times"
"$CGRID_ROOT/scripts/tests/stage-sync.sh"

step "bundles are reproducible: a second build in another directory gives the same bytes"
"$CGRID_ROOT/scripts/tests/reproducible.sh"

step "scripts/cache-gc.sh prunes units unused for days, whole, and nothing else"
"$CGRID_ROOT/scripts/tests/cache-gc.sh"

step "scripts/node.sh with a stand-in node (the real node is the node tier's)"
"$CGRID_ROOT/scripts/tests/node-sh.sh"

step "README walkthroughs equal the node tier's scripts"
"$CGRID_ROOT/scripts/tests/readme-walkthrough.sh"

step "cargo test --workspace (unit tests, ink_e2e and sandbox end-to-end tests)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

step "fuzz corpora replayed (the campaigns are scripts/fuzz.sh; figures in bench/fuzz.json)"
for dir in fuzz fuzz/contracts; do
    set +e
    (cd "$CGRID_ROOT/$dir" && cargo clippy --all-targets -- -D warnings && cargo test) 2>&1 | tee -a "$log"
    fuzz_status=${PIPESTATUS[0]}
    set -e
    if ((fuzz_status != 0 && status == 0)); then status=$fuzz_status; fi
done

step "benchmark targets (figures go to a scratch folder; scripts/bench.sh regenerates bench/)"
bench_out="$(mktemp -d)"
# The binary `cargo test --workspace` just built: a separate `cargo run -p` would resolve features
# differently and rebuild large dependencies (wasm-opt-sys's C++).
"$CARGO_TARGET_DIR/debug/bench" --check --out "$bench_out"

step "frontend-bindings: npm ci, generated bindings up to date with the bundles, tests"
ts_log="$(mktemp)"
trap 'rm -f "$log" "$ts_log"' EXIT
set +e
(cd "$CGRID_ROOT/frontend-bindings" && npm ci --no-audit --no-fund && npm test) 2>&1 | tee "$ts_log"
ts_status=${PIPESTATUS[0]}
set -e

step "the dashboard in a real browser (Debian's Chromium driven by playwright-core)"
dash_log="$(mktemp)"
trap 'rm -f "$log" "$ts_log" "$dash_log"' EXIT
dash_status=0
if [[ -x "${CGRID_CHROMIUM:-/usr/bin/chromium}" ]]; then
    set +e
    (cd "$CGRID_ROOT/dashboard-tests" && npm ci --no-audit --no-fund \
        && CGRID_DASHBOARD_FIXTURE="$CARGO_TARGET_DIR/debug/examples/dashboard_fixture" \
            CGRID_SCREENSHOTS="$bench_out/dashboard" npm test) 2>&1 | tee "$dash_log"
    dash_status=${PIPESTATUS[0]}
    set -e
else
    echo "dashboard browser tests SKIPPED: Chromium is not installed (scripts/setup.sh installs Debian's chromium when it runs as root)"
fi

node_status=0
if ((status == 0 && ts_status == 0 && dash_status == 0)); then
    step "node tier (substrate-contracts-node)"
    set +e
    "$CGRID_ROOT/scripts/node-tier.sh" --out "$bench_out"
    node_status=$?
    set -e
fi

read -r passed failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p+0, f+0 }' "$log")
read -r ts_passed ts_failed < <(awk '/^# pass / { p += $3 } /^# fail / { f += $3 } END { print p+0, f+0 }' "$ts_log" "$dash_log")
echo
echo "tests: ${passed} passed, ${failed} failed (Rust); ${ts_passed} passed, ${ts_failed} failed (TypeScript)"
if ((status != 0)); then exit "$status"; fi
if ((ts_status != 0)); then exit "$ts_status"; fi
if ((dash_status != 0)); then exit "$dash_status"; fi
exit "$node_status"
