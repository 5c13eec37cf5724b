#!/usr/bin/env bash
# Fuzzing campaigns (cargo-fuzz, libFuzzer, coverage-guided): every target of fuzz/ (the wire
# decoder, the channel state machine driven by frames, the HTTP API's request parsing, the
# deployment-file and offer-file readers) and of fuzz/contracts/ (every contract's message and
# constructor decoder), each for --seconds (default 300). Then each corpus is minimised
# (`cargo fuzz cmin`) into fuzz/corpus/<target>/ (committed: the test command replays it on the
# project's toolchain), and the figures go to bench/fuzz.json and bench/results.json ("fuzz"):
# executions, executions per second, peak memory, corpus size and what was found.
#
#   scripts/fuzz.sh [--seconds N] [--only TARGET] [--out DIR]
#
# Needs a nightly toolchain (installed here with rustup when missing) and cargo-fuzz (installed
# with the newest stable toolchain when missing: cargo-fuzz 0.13 needs rustc >= 1.91). A crash
# leaves its input in $CARGO_TARGET_DIR/fuzz/artifacts/<target>/ and the script exits 1; once
# understood and fixed, copy it into fuzz/seeds/<target>/ as a regression (seeds are never
# replaced; the corpus is, by each campaign's minimised one).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/env.sh"
seconds=300
only=""
out="$root/bench"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "scripts/fuzz.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo +stable install cargo-fuzz --locked

work="$CARGO_TARGET_DIR/fuzz"
mkdir -p "$work/artifacts" "$work/logs"
results="$work/results.jsonl"
: > "$results"
found=0

campaign() { # fuzz-dir target
    local dir="$1" target="$2"
    [[ -n "$only" && "$only" != "$target" ]] && return 0
    local corpus="$dir/corpus/$target" seeds="$dir/seeds/$target" scratch="$work/corpus/$target"
    local log="$work/logs/$target.log"
    rm -rf "${work:?}/artifacts/$target"
    mkdir -p "$corpus" "$scratch" "$work/artifacts/$target"
    echo "== $target: ${seconds}s"
    local status=0
    (cd "$root" && cargo +nightly fuzz run --fuzz-dir "$dir" --features libfuzzer --target-dir "$work/target" \
        "$target" "$scratch" "$corpus" "$seeds" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=20000 \
        -artifact_prefix="$work/artifacts/$target/" -print_final_stats=1) > "$log" 2>&1 || status=$?
    local execs rss units crashes
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    rss=$(grep -oE 'stat::peak_rss_mb: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    crashes=$(find "$work/artifacts/$target" -type f | wc -l)
    if [[ $status -ne 0 || $crashes -gt 0 ]]; then
        found=1
        echo "   $target: FOUND a failure (exit $status); see $log and $work/artifacts/$target/"
        tail -30 "$log"
    fi
    # Keep what adds coverage: the minimised corpus replaces the committed one.
    (cd "$root" && cargo +nightly fuzz cmin --fuzz-dir "$dir" --features libfuzzer --target-dir "$work/target" \
        "$target" "$scratch" -- -max_len=20000) >> "$log" 2>&1 || true
    rm -rf "${corpus:?}"/*
    cp "$scratch"/* "$corpus"/ 2>/dev/null || true
    units=$(find "$corpus" -type f | wc -l)
    echo "   $target: ${execs:-0} executions, peak ${rss:-?} MB, corpus $units inputs, $crashes failures"
    printf '{"target":"%s","seconds":%s,"executions":%s,"peak_rss_mb":%s,"corpus":%s,"failures":%s}\n' \
        "$target" "$seconds" "${execs:-0}" "${rss:-0}" "$units" "$crashes" >> "$results"
}

for target in wire_frame session api_request deployment_file offer_file; do
    campaign "$root/fuzz" "$target"
done
campaign "$root/fuzz/contracts" message_args

node - "$results" "$out" <<'EOF'
const fs = require('fs');
const [results, out] = process.argv.slice(2);
const runs = fs.readFileSync(results, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse)
  .map((r) => ({ ...r, executions_per_s: Math.round(r.executions / r.seconds) }));
const report = {
  tool: 'cargo-fuzz (libFuzzer), nightly, release with debug assertions; scripts/fuzz.sh',
  date: new Date().toISOString().slice(0, 10),
  targets: runs,
  failures: runs.reduce((n, r) => n + r.failures, 0),
};
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(`${out}/fuzz.json`, JSON.stringify(report, null, 2) + '\n');
const path = `${out}/results.json`;
const doc = fs.existsSync(path) ? JSON.parse(fs.readFileSync(path, 'utf8')) : {};
doc.fuzz = report;
fs.writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
console.log(`fuzz: ${runs.length} targets, ${report.failures} failures; wrote ${out}/fuzz.json`);
EOF
exit $found
