#!/usr/bin/env bash
# Mutation testing of the contracts' logic with cargo-mutants (issue 15): every mutant of a
# contract's lib.rs (and, for the escrow, of the shared rules it stands on) is built and the
# contract's unit tests are run on it — the model tests included, with fewer sequences
# (PROPTEST_CASES, default 300) so that one mutant takes seconds, not minutes. A mutant no
# test notices "survives"; the score is caught / (caught + missed), timeouts counted as caught.
#
#   scripts/mutants.sh [CONTRACT ...]     default: every contract; one at a time
#
# Not part of scripts/test.sh: on 2 cores a contract takes 5-25 minutes on a warm mutants
# cache (each mutant is an incremental debug build of the contract crate and a test run; the
# first run also builds the dependencies, ~10 minutes). Results: bench/mutants/<contract>/
# (cargo-mutants' outcomes.json, caught.txt, missed.txt, ...), and `mutation_score` per
# contract merged into bench/results.json. cargo-mutants is installed with the machine's stable
# Rust (it is a tool, not part of the build); the mutants themselves build with the pinned one.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$CGRID_ROOT"

if ! cargo mutants --version >/dev/null 2>&1; then
    step "installing cargo-mutants (with the stable toolchain)"
    RUSTUP_TOOLCHAIN=stable cargo install cargo-mutants --locked
fi

contracts=("$@")
if ((${#contracts[@]} == 0)); then
    contracts=("${CGRID_CONTRACTS[@]}")
fi
export PROPTEST_CASES="${PROPTEST_CASES:-300}"
# The copies cargo-mutants builds in share a target dir of their own, kept between runs next to
# the build cache: the dependencies are built once, a mutant rebuilds only its crate, and the
# shared cache and a concurrent test run are left alone. (Before, each copy built everything in
# a target dir inside itself: 30-90 minutes per contract.)
export CARGO_TARGET_DIR="${CGRID_MUTANTS_TARGET:-$(dirname "$CARGO_TARGET_DIR")/mutants-target}"

for c in "${contracts[@]}"; do
    files=(-f "contracts/$c/src/lib.rs")
    # The contract's tests and shared's own (a mutant of a shared rule must face both).
    tests=(--test-package "$c,cgrid-shared")
    case "$c" in
        trade_escrow) files+=(-f shared/src/escrow.rs) ;;
        vc_templates) files+=(-f shared/src/vc.rs) ;;
        mask_registry) files+=(-f shared/src/mask.rs) ;;
        incentive_auction) files+=(-f shared/src/auction.rs) ;;
        did_registry) files+=(-f shared/src/did.rs) ;;
    esac
    out="bench/mutants/$c"
    mkdir -p "$out"
    step "cargo mutants: $c (${files[*]})"
    # The cross-contract seam is left out: the `world` / `identity` modules and shared's
    # `mask_at` / `masks_in` (the calls themselves; on-chain halves compiled only for the
    # chain, `cfg(not(test))`) and the clients `Brokered` (the escrow, as the auction calls
    # it), `Credentials` (the credential registry) and `Registry` (the DID registry), which
    # only the chain runs: ink!'s off-chain environment cannot call a contract, so unit tests
    # use the doubles in `cgrid_shared::testing` / `mock` instead and cannot see a mutant of
    # the seam. The release-bundle tests in e2e/ cover it.
    set +e
    cargo mutants "${files[@]}" "${tests[@]}" --gitignore true \
        --exclude-re '(world|identity|testing)::' --exclude-re 'replace (mask_at|masks_in) ' --exclude-re ' (Brokered|Credentials|Registry)::' \
        --exclude-re 'impl (Debug|Display)' \
        --timeout 300 -o "$out" -- --lib
    status=$?
    set -e
    # 0: all caught; 2: some missed; 3: timeouts (counted as caught); others: a real failure.
    if ((status != 0 && status != 2 && status != 3)); then
        echo "cargo mutants failed for $c (exit $status)" >&2
        exit "$status"
    fi
    python3 - "$out/mutants.out" "$c" <<'PY'
import json, pathlib, sys
outdir, contract = pathlib.Path(sys.argv[1]), sys.argv[2]
outcomes = json.loads((outdir / "outcomes.json").read_text())
counts = {k: outcomes.get(k, 0) for k in ("caught", "missed", "timeout", "unviable")}
scored = counts["caught"] + counts["timeout"] + counts["missed"]
score = round(100.0 * (counts["caught"] + counts["timeout"]) / scored, 1) if scored else None
results = pathlib.Path("bench/results.json")
doc = json.loads(results.read_text()) if results.exists() else {}
# Every survivor by name; bench/mutants/README.md explains each (or a test kills it).
missed = (outdir / "missed.txt").read_text().split("\n") if (outdir / "missed.txt").exists() else []
survivors = [line for line in missed if line.strip()]
doc.setdefault("mutation_score", {})[contract] = {
    "score_percent": score,
    **counts,
    "mutants_tested": outcomes.get("total_mutants", sum(counts.values())),
    "survivors": survivors,
}
results.write_text(json.dumps(doc, indent=2) + "\n")
print(f"{contract}: mutation score {score}% {counts}")
PY
done
