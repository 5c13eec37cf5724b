#!/usr/bin/env bash
# Keeps the build cache outside the checkout ($CARGO_TARGET_DIR) from filling the disk. Cargo
# never deletes anything: every feature set, toolchain and dependency change leaves its compiled
# units behind, and incremental state grows with every edit. A full disk fails the build at the
# link step (CI did, after 105 s), so setup.sh calls this before every build.
#
#   scripts/cache-gc.sh          prune only when the cache exceeds CGRID_CACHE_BUDGET_GB (default
#                                40) or the disk has less than CGRID_CACHE_MIN_FREE_GB (default 15)
#                                free; otherwise print the cache's size and change nothing
#   scripts/cache-gc.sh --force  prune now
#
# What pruning removes, all of it rebuilt on demand, nothing else:
#   - compiled units (the `.fingerprint/<unit>` folder, `build/<unit>` and `deps/*-<hash>.*`)
#     that no build has looked at for CGRID_CACHE_KEEP_DAYS days (default 3): cargo reads a unit's
#     fingerprint on every build that needs it, so its access time is its last use (with the
#     usual `relatime` mount, access times are at most a day late; 3 days leaves room for that);
#   - incremental state not written for that long;
#   - object files (`*.rcgu.o`) an interrupted or failed link left behind more than an hour ago.
# When that leaves the disk short of room (under CGRID_CACHE_MIN_FREE_GB free: a day of feature
# and dependency churn once filled it, with stale test executables and incremental state all
# younger than the window), it prunes again with a window of one day, then of three hours, and
# drops incremental state older than an hour: a unit a build used in the last three hours is
# kept. (A cache merely over its budget is not pruned harder: after a day away, a day's window
# would take everything the next build needs.)
# It touches nothing outside $CARGO_TARGET_DIR and never a unit a build used within the window.
set -euo pipefail
source "$(dirname "$0")/env.sh"

budget_gb="${CGRID_CACHE_BUDGET_GB:-40}"
min_free_gb="${CGRID_CACHE_MIN_FREE_GB:-15}"
keep_days="${CGRID_CACHE_KEEP_DAYS:-3}"
cache="$CARGO_TARGET_DIR"

if [[ ! -d "$cache" ]]; then
    echo "build cache $cache: absent"
    exit 0
fi

size_kb() { du -sk "$1" 2>/dev/null | awk '{print $1}'; }
free_kb() { df -Pk "$1" | awk 'NR == 2 {print $4}'; }
gb() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1048576}'; }

before_kb="$(size_kb "$cache")"
free_kb="$(free_kb "$cache")"
before="$(gb "$before_kb")"
free="$(gb "$free_kb")"
if [[ "${1:-}" != "--force" ]] && ((before_kb <= budget_gb * 1048576 && free_kb >= min_free_gb * 1048576)); then
    echo "build cache $cache: ${before} GB (budget ${budget_gb} GB), ${free} GB free on its disk"
    exit 0
fi
step "pruning the build cache (${before} GB, ${free} GB free): units unused for ${keep_days} days"

units=0
# prune MINUTES [INCREMENTAL_MINUTES]: removes, whole, every unit no build used for MINUTES, and
# incremental state not written for INCREMENTAL_MINUTES (default: MINUTES).
prune() {
    local window="$1" incremental_window="${2:-$1}"
    # Every profile folder cargo made: target/debug, target/release, target/ink/<triple>/release, …
    while IFS= read -r fingerprints; do
        profile="$(dirname "$fingerprints")"
        # In use: some file of the unit's fingerprint was read (or written) within the window.
        stale="$(comm -23 \
            <(find "$fingerprints" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -u) \
            <(find "$fingerprints" -mindepth 2 -maxdepth 2 -type f \
                \( -amin "-$window" -o -mmin "-$window" \) -printf '%h\n' \
                | xargs -r -n 1000 basename -a | sort -u))"
        if [[ -n "$stale" ]]; then
            units=$((units + $(wc -l <<<"$stale")))
            (cd "$profile" && while IFS= read -r name; do
                rm -rf ".fingerprint/$name" "build/$name"
            done <<<"$stale")
            # deps/ and examples/ name a unit's files `<crate>-<hash>.<ext>` (`lib` prefixed).
            hashes="$(sed -n 's/.*-\([0-9a-f]\{16\}\)$/\1/p' <<<"$stale")"
            for dir in deps examples; do
                [[ -d "$profile/$dir" && -n "$hashes" ]] || continue
                (cd "$profile/$dir" && find . -maxdepth 1 -mindepth 1 -printf '%f\n' \
                    | grep -F -f <(sed 's/.*/-&/' <<<"$hashes") \
                    | xargs -r -d '\n' rm -rf --) || true
            done
        fi
        if [[ -d "$profile/incremental" ]]; then
            find "$profile/incremental" -mindepth 1 -maxdepth 1 -type d -mmin "+$incremental_window" -exec rm -rf {} +
        fi
        if [[ -d "$profile/deps" ]]; then
            find "$profile/deps" -maxdepth 1 -name '*.rcgu.o' -mmin +60 -delete
        fi
    done < <(find "$cache" -maxdepth 4 -type d -name .fingerprint)
}
short_of_room() { (($(free_kb "$cache") < min_free_gb * 1048576)); }

prune $((keep_days * 1440))
if short_of_room; then
    echo "still under ${min_free_gb} GB free: pruning units unused for a day"
    prune 1440
fi
if short_of_room; then
    echo "still under ${min_free_gb} GB free: pruning units unused for three hours, incremental state older than an hour"
    prune 180 60
fi

after_kb="$(size_kb "$cache")"
echo "removed $units unused units: ${before} GB -> $(gb "$after_kb") GB, $(gb "$(free_kb "$cache")") GB free"
if ((after_kb > budget_gb * 1048576)); then
    echo "note: the cache is still over its budget: everything in it was used within ${keep_days} days (CGRID_CACHE_KEEP_DAYS=1 keeps less)"
fi
