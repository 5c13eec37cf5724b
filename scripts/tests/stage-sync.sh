#!/usr/bin/env bash
# The staging is synchronised by content, not by modification time: a source changed in a
# checkout whose files are older than the last staging (a clone made earlier, an edit applied
# with old times) is staged anew, with a new modification time, so cargo rebuilds it; an
# unchanged file keeps its time, so nothing unchanged is rebuilt. Before, `cp -p` carried the
# checkout's old times into the stage and a build after one from a newer checkout kept the
# stale bundle (and --record recorded its hash). Stages only (no build) into a scratch path.
set -euo pipefail
source "$(dirname "$0")/../env.sh"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/checkout"
git -C "$CGRID_ROOT" ls-files -z | tar -C "$CGRID_ROOT" --null -cf - -T - | tar -xf - -C "$scratch/checkout"
export CGRID_STAGE="$scratch/stage"
staged="$CGRID_STAGE/mask_registry/src/lib.rs"
unchanged="$CGRID_STAGE/did_registry/src/lib.rs"

"$scratch/checkout/scripts/build-contracts.sh" --stage-only >/dev/null
touch -d "2001-01-01" "$staged" "$unchanged"
# A change with a modification time older than the staged copy's.
echo "// changed" >>"$scratch/checkout/contracts/mask_registry/src/lib.rs"
touch -d "2000-01-01" "$scratch/checkout/contracts/mask_registry/src/lib.rs"
"$scratch/checkout/scripts/build-contracts.sh" --stage-only >/dev/null

if ! cmp -s "$staged" "$scratch/checkout/contracts/mask_registry/src/lib.rs"; then
    echo "error: the changed source was not staged" >&2
    exit 1
fi
if [[ "$(stat -c %Y "$staged")" -le "$(date -d 2001-01-02 +%s)" ]]; then
    echo "error: the changed source was staged with an old modification time: cargo would not rebuild it" >&2
    exit 1
fi
if [[ "$(stat -c %Y "$unchanged")" -ne "$(date -d 2001-01-01 +%s)" ]]; then
    echo "error: an unchanged source was written again: cargo would rebuild it" >&2
    exit 1
fi
echo "stage-sync: a change older than the stage is staged anew; unchanged files keep their time"
