#!/usr/bin/env bash
# scripts/setup.sh and scripts/build-contracts.sh refuse a compiler other than the pinned one,
# with a sentence saying so, before building anything: a `rustc` of another release first on
# PATH (as a system-wide Rust would be) stands in for it.
set -euo pipefail
source "$(dirname "$0")/../env.sh"

fake="$(mktemp -d)"
trap 'rm -rf "$fake"' EXIT
cat >"$fake/rustc" <<'SH'
#!/bin/sh
printf 'rustc 1.91.0 (f8297e351 2025-10-28)\nbinary: rustc\nrelease: 1.91.0\nhost: x86_64-unknown-linux-gnu\n'
SH
chmod +x "$fake/rustc"
for script in setup.sh build-contracts.sh; do
    set +e
    said="$(PATH="$fake:$PATH" "$CGRID_ROOT/scripts/$script" 2>&1)"
    code=$?
    set -e
    if ((code == 0)) || ! grep -q "rustc is 1.91.0" <<<"$said"; then
        echo "error: $script accepted rustc 1.91.0 (exit $code): $said" >&2
        exit 1
    fi
done
echo "setup-pins: setup.sh and build-contracts.sh refuse another rustc"
