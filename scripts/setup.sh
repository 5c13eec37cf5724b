#!/usr/bin/env bash
# Installs what the build needs, idempotently: the pinned Rust toolchain with rust-src, clippy,
# rustfmt and the wasm32 target; checks for Node.js >= 20. Fast when everything is there.
# Refuses, with what to do, a rustc of another version. (No cargo-contract: the workspace's
# cgrid-bundler builds the bundles with its library, contract-build, at the locked version.)
set -euo pipefail
source "$(dirname "$0")/env.sh"

if ! command -v rustup >/dev/null; then
    echo "error: rustup is required (https://rustup.rs); it installs the pinned toolchain" >&2
    exit 1
fi

if rustup run "$CGRID_TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    echo "toolchain $CGRID_TOOLCHAIN: present"
else
    step "installing Rust $CGRID_TOOLCHAIN (rustup auto-install is off on our machines)"
    rustup toolchain install "$CGRID_TOOLCHAIN" --profile minimal \
        -c rust-src -c clippy -c rustfmt -t wasm32-unknown-unknown
fi
# Cheap no-ops when present; they repair a toolchain installed without them.
rustup component add --toolchain "$CGRID_TOOLCHAIN" rust-src clippy rustfmt 2>&1 | grep -v "is up to date" || true
rustup target add --toolchain "$CGRID_TOOLCHAIN" wasm32-unknown-unknown 2>&1 | grep -v "is up to date" || true

# The compiler the bundles are built with: exactly the pinned release (another one makes other
# code, and from 1.87 on code that pallet-contracts rejects).
rustc_release="$(rustc -vV 2>/dev/null | sed -n 's/^release: //p')"
if [[ "$rustc_release" != "$CGRID_TOOLCHAIN" ]]; then
    echo "error: rustc is ${rustc_release:-missing} here, not the pinned $CGRID_TOOLCHAIN (rust-toolchain.toml): install Rust with rustup (https://rustup.rs) so that it picks the pinned toolchain" >&2
    exit 1
fi
echo "rustc $rustc_release: the pinned release"

# The TypeScript bindings (frontend-bindings/) and their tests; npm ci installs their packages.
if command -v node >/dev/null && command -v npm >/dev/null \
    && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
    echo "node $(node --version), npm $(npm --version): present"
else
    echo "error: Node.js >= 20 with npm is required for frontend-bindings (e.g. apt-get install nodejs npm)" >&2
    exit 1
fi
# The dashboard's browser tests (dashboard-tests/) drive Debian's Chromium. Installed when
# missing and this runs as root with apt-get; otherwise the test command says it skips them.
chromium="${CGRID_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
    echo "chromium: present ($chromium)"
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    step "installing Debian's chromium for the dashboard's browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
        || echo "chromium could not be installed: the dashboard's browser tests will be skipped"
else
    echo "chromium: missing (apt-get install chromium as root); the dashboard's browser tests will be skipped"
fi
# The build cache outside the checkout only grows; a full disk fails builds at the link step.
"$CGRID_ROOT/scripts/cache-gc.sh"
echo "setup: ok"
