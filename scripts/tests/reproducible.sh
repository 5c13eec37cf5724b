#!/usr/bin/env bash
# The bundles are reproducible: this checkout's tracked files, copied to another directory (other
# paths; every staged file written anew, so everything of ours is compiled again), build byte-identical
# Wasm — the code hashes of the first build ($CGRID_BUNDLES) and of bundles.lock.json (the
# second build runs with --check).
set -euo pipefail
source "$(dirname "$0")/../env.sh"

second="$(mktemp -d)"
trap 'rm -rf "$second"' EXIT
mkdir -p "$second/checkout" "$second/bundles"
git -C "$CGRID_ROOT" ls-files -z | tar -C "$CGRID_ROOT" --null -cf - -T - | tar -xmf - -C "$second/checkout"
# The staging keeps files whose content did not change (so cargo would call the second build
# fresh and reuse the first one's output): dropping each stage's marker makes build-contracts.sh
# write every staged file anew, so the second build compiles every contract and cgrid-shared
# again (their dependencies stay cached).
rm -f "$CGRID_STAGE"/*/.synced-by-content
# The first checkout's builder (built by its build-contracts.sh): the bundles' bytes must not
# depend on where the builder was compiled either.
CGRID_BUNDLER="${CGRID_BUNDLER:-$CARGO_TARGET_DIR/debug/cgrid-bundler}" CGRID_BUNDLES="$second/bundles" \
    "$second/checkout/scripts/build-contracts.sh" --check
blobs=("${CGRID_CONTRACTS[@]}")
for c in "${CGRID_SPLIT[@]}"; do mapfile -t colds < <(cold_blobs "$c"); blobs+=("${colds[@]}"); done
for c in "${blobs[@]}"; do
    if ! cmp -s "$CGRID_BUNDLES/$c.wasm" "$second/bundles/$c.wasm"; then
        echo "error: $c.wasm built in $second/checkout differs from the build in $CGRID_ROOT" >&2
        exit 1
    fi
done
echo "reproducible: the ${#blobs[@]} code blobs built in a second directory are byte-identical and as recorded"
