#!/usr/bin/env bash
# Builds every contract in release mode with `cgrid-bundler` (the workspace's builder on
# contract-build 5.0.3, the library of `cargo contract build`; no cargo-contract install),
# reproducibly, and collects the .contract, .wasm and .json files in $CGRID_BUNDLES (default
# ~/.cache/computegrid/target/bundles), with the exact rustc release in their build_info.
# Stops at the first error.
#
#   scripts/build-contracts.sh [--check | --record]
#
#   --check   fail when a bundle's code hash differs from bundles.lock.json (the test command)
#   --record  write the built code hashes to bundles.lock.json (after a contract change)
#
# The builder is built first with the test suite's feature resolution (`cargo test --workspace
# --no-run`, which the tests and the demo need anyway); CGRID_BUNDLER names an already built
# one instead (scripts/tests/reproducible.sh passes the first checkout's).
#
# Reproducible means: the versions of the workspace's Cargo.lock, and the same bytes whatever
# the checkout's path. contract-build 5.0.3 gives neither for a contract inside a workspace: it
# builds from a temporary manifest beside which the workspace's lockfile is not found (so it
# resolves every dependency afresh), and cargo hashes a path dependency's absolute path into
# symbol names (so `cgrid-shared` at another path gives other code). So each contract is built
# from a staging copy at one fixed path, $CGRID_STAGE: the contract, `cgrid-shared` inside it,
# the workspace's dependency table, and the workspace's Cargo.lock pruned to what the contract
# uses — refused when cargo would have to add or change a version.
set -euo pipefail
source "$(dirname "$0")/env.sh"

mode=build
case "${1:-}" in
--check) mode=check ;;
--record) mode=record ;;
--stage-only) mode=stage ;; # stages every contract and stops (scripts/tests/stage-sync.sh)
"") ;;
*)
    echo "usage: scripts/build-contracts.sh [--check | --record]" >&2
    exit 2
    ;;
esac

rustc_release="$(rustc -vV | sed -n 's/^release: //p')"
if [[ "$rustc_release" != "$CGRID_TOOLCHAIN" ]]; then
    echo "error: rustc is $rustc_release; the bundles are built with Rust $CGRID_TOOLCHAIN (rust-toolchain.toml)" >&2
    exit 1
fi
if [[ -z "${CGRID_BUNDLER:-}" && "$mode" != stage ]]; then
    step "building the workspace (its cgrid-bundler builds the bundles)"
    (cd "$CGRID_ROOT" && cargo test --workspace --no-run --quiet)
    CGRID_BUNDLER="$CARGO_TARGET_DIR/debug/cgrid-bundler"
fi
bundler_version="$([[ "$mode" == stage ]] || "$CGRID_BUNDLER" --version)"
if [[ "$mode" != stage && "$bundler_version" != *"(contract-build ${CARGO_CONTRACT_VERSION})" ]]; then
    echo "error: $CGRID_BUNDLER is $bundler_version; the bundles are built with contract-build $CARGO_CONTRACT_VERSION" >&2
    exit 1
fi
# contract-build 5.0.3 records the toolchain as `<channel>-<host>` ("stable-x86_64-…"), which
# does not say which compiler made the code; the bundles name the exact one instead.
toolchain="$(rustc -vV | awk '/^release:/ { r = $2 } /^host:/ { h = $2 } END { print r "-" h }')"

# One build at a time uses the staging path (it is part of the code's identity).
mkdir -p "$(dirname "$CGRID_STAGE")"
exec 9>"$CGRID_STAGE.lock"
flock 9

stage_contract() {
    local c="$1" dir="$CGRID_STAGE/$1"
    # A stage written by the earlier `cp -p` staging may hold sources with times older than its
    # build: written anew once, so that every file's time is a staging time.
    if [[ ! -e "$dir/.synced-by-content" ]]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        touch "$dir/.synced-by-content"
    fi
    # Synchronised by content: a file is written only when its bytes differ from the staged
    # copy (and then gets a new modification time), so an unchanged contract is not rebuilt and a
    # changed one always is — whatever the modification times of the checkout, which may be older
    # than a build staged from another checkout (cargo decides freshness by modification time).
    python3 - "$CGRID_ROOT" "$c" "$dir" <<'PY'
import os, re, sys, tomllib
root, contract, dir = sys.argv[1:]
with open(f"{root}/Cargo.toml", "rb") as f:
    workspace = tomllib.load(f)["workspace"]["dependencies"]
def toml(v):
    return str(v).lower() if isinstance(v, bool) else repr(v).replace(chr(39), chr(34))
def inline(match):
    name = match.group(1)
    spec = ", ".join(f"{k} = {toml(v)}" for k, v in workspace[name].items())
    return f"{name} = {{ {spec} }}"
def staged(path, own_workspace):
    with open(path, encoding="utf-8") as f:
        manifest = f.read()
    # The workspace's dependency table, inlined: the staged crates are outside the workspace.
    manifest = re.sub(r"^([\w-]+) = \{ workspace = true \}$", inline, manifest, flags=re.M)
    if re.search(r"^[^#\n]*workspace = true", manifest, flags=re.M):
        sys.exit(f"{path}: an inherited key the staging does not inline")
    manifest = manifest.replace('path = "../../shared"', 'path = "shared"')
    if 'path = "../' in manifest:
        sys.exit(f"{path}: a path dependency outside the contract and cgrid-shared")
    if own_workspace:
        manifest += "\n# Staged by scripts/build-contracts.sh: its own workspace.\n[workspace]\n"
        # The workspace's patch (ink_env's rlibc, see Cargo.toml), by absolute path: the
        # contract builder copies the manifest elsewhere and rewrites only dependency paths.
        manifest += f'\n[patch.crates-io]\nrlibc = {{ path = "{dir}/shared/rlibc" }}\n'
    return manifest.encode("utf-8")
def tree(source, prefix):
    files = {}
    for base, dirs, names in os.walk(source):
        dirs.sort()
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                files[os.path.join(prefix, os.path.relpath(path, source))] = f.read()
    return files
wanted = tree(f"{root}/contracts/{contract}/src", "src")
wanted.update(tree(f"{root}/shared", "shared"))
wanted["Cargo.toml"] = staged(f"{root}/contracts/{contract}/Cargo.toml", True)
wanted["shared/Cargo.toml"] = staged(f"{root}/shared/Cargo.toml", False)
for rel, content in wanted.items():
    path = os.path.join(dir, rel)
    try:
        with open(path, "rb") as f:
            if f.read() == content:
                continue
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content)
# What the checkout no longer has goes (Cargo.lock is written below; target/ is not staged).
for base, dirs, names in os.walk(dir, topdown=False):
    for name in names:
        rel = os.path.relpath(os.path.join(base, name), dir)
        if rel not in wanted and rel not in ("Cargo.lock", ".synced-by-content"):
            os.remove(os.path.join(base, name))
    if base != dir and not os.listdir(base):
        os.rmdir(base)
PY
    cp "$CGRID_ROOT/Cargo.lock" "$dir/Cargo.lock"
    # Prunes the lockfile to this contract's packages; adds a package only if the workspace's
    # lockfile lacks it, which the check below refuses.
    cargo metadata --format-version 1 --manifest-path "$dir/Cargo.toml" >/dev/null
    python3 - "$CGRID_ROOT/Cargo.lock" "$dir/Cargo.lock" "$c" <<'PY'
import sys, tomllib
pinned_file, staged_file, contract = sys.argv[1:]
load = lambda p: tomllib.load(open(p, "rb"))["package"]
key = lambda p: (p["name"], p["version"], p.get("source"), p.get("checksum"))
pinned = {key(p) for p in load(pinned_file)}
new = sorted(f'{p["name"]} {p["version"]}' for p in load(staged_file) if key(p) not in pinned and p.get("source"))
if new:
    sys.exit(f"error: {contract} needs packages the workspace's Cargo.lock does not pin: {', '.join(new)}; "
             "add them to the workspace (cargo update -p NAME) and commit Cargo.lock")
PY
}

# Runs the builder on staged contract $1 with features $2 (may be empty) and collects its
# bundle as $1$3.{contract,wasm,json}. A main code (features split-main) gets its own entry
# points in its code, not in its metadata build (`--code-features split-entry`: see
# cgrid_shared::split_entry_points! and the bundler's build_code_then_metadata).
bundle() {
    local c="$1" features="$2" suffix="$3"
    # In the bundles' own target directory ($CGRID_BUNDLE_TARGET, see scripts/env.sh).
    if [[ "$features" == split-main ]]; then
        CARGO_TARGET_DIR="$CGRID_BUNDLE_TARGET" "$CGRID_BUNDLER" --features "$features" --code-features split-entry "$CGRID_STAGE/$c/Cargo.toml"
    elif [[ -n "$features" ]]; then
        CARGO_TARGET_DIR="$CGRID_BUNDLE_TARGET" "$CGRID_BUNDLER" --features "$features" "$CGRID_STAGE/$c/Cargo.toml"
    else
        CARGO_TARGET_DIR="$CGRID_BUNDLE_TARGET" "$CGRID_BUNDLER" "$CGRID_STAGE/$c/Cargo.toml"
    fi
    # A staged contract is its own workspace root: contract-build writes to target/ink/.
    local out="$CGRID_BUNDLE_TARGET/ink"
    cp "$out/$c.wasm" "$CGRID_BUNDLES/$c$suffix.wasm"
    for ext in contract json; do
        python3 - "$out/$c.$ext" "$CGRID_BUNDLES/$c$suffix.$ext" "$toolchain" <<'PY'
import json, sys
source, target, toolchain = sys.argv[1:]
with open(source, encoding="utf-8") as f:
    bundle = json.load(f)
bundle["source"]["build_info"]["rust_toolchain"] = toolchain
with open(target, "w", encoding="utf-8") as f:
    json.dump(bundle, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
    done
}

# The code hash the chain computes for Wasm file $1 (blake2-256, hex).
blake2_256() {
    python3 -c 'import hashlib, sys; print(hashlib.blake2b(open(sys.argv[1], "rb").read(), digest_size=32).hexdigest())' "$1"
}

mkdir -p "$CGRID_BUNDLES"
blobs=()
for c in "${CGRID_CONTRACTS[@]}"; do
    step "cgrid-bundler (release): $c (staged at $CGRID_STAGE/$c)"
    stage_contract "$c"
    if [[ "$mode" == stage ]]; then continue; fi
    if [[ " ${CGRID_SPLIT[*]} " == *" $c "* ]]; then
        # Code blobs (cgrid_shared::split): the cold codes first, then the main code with their
        # hashes compiled in (CGRID_COLD_CODE, CGRID_COLD_CODE_2, CGRID_COLD_CODE_3).
        blobs+=("$c")
        part=0
        for cold in $(cold_blobs "$c"); do
            part=$((part + 1))
            suffix="${cold#"$c"}"
            if (($(cold_count "$c") == 1)); then
                bundle "$c" split-cold "$suffix"
            else
                bundle "$c" "split-cold$part" "$suffix"
            fi
            var=CGRID_COLD_CODE
            if ((part > 1)); then var="CGRID_COLD_CODE_$part"; fi
            export "$var=$(blake2_256 "$CGRID_BUNDLES/$cold.wasm")"
            blobs+=("$cold")
        done
        bundle "$c" split-main ""
        unset CGRID_COLD_CODE CGRID_COLD_CODE_2 CGRID_COLD_CODE_3
    else
        bundle "$c" "" ""
        blobs+=("$c")
    fi
    if [[ "$c" == role_index ]]; then
        # did_registry's constructor instantiates its role index from this hash, compiled in.
        CGRID_ROLE_INDEX_CODE="$(blake2_256 "$CGRID_BUNDLES/role_index.wasm")"
        export CGRID_ROLE_INDEX_CODE
    fi
done

if [[ "$mode" == stage ]]; then exit 0; fi
# The record of the code hashes (blake2-256 of the Wasm, as the chain computes them).
python3 - "$mode" "$CGRID_ROOT/bundles.lock.json" "$CGRID_BUNDLES" "$toolchain" "$CARGO_CONTRACT_VERSION" "${blobs[@]}" <<'PY'
import hashlib, json, os, sys
mode, record_file, bundles, toolchain, cargo_contract, *contracts = sys.argv[1:]
built = {}
for c in contracts:
    wasm = open(os.path.join(bundles, f"{c}.wasm"), "rb").read()
    built[c] = {"code_hash": "0x" + hashlib.blake2b(wasm, digest_size=32).hexdigest(), "wasm_bytes": len(wasm)}
record = {
    "format": 1,
    "note": "Code hashes of the release bundles this commit builds (scripts/build-contracts.sh --record writes it; the test command checks it)",
    "toolchain": toolchain,
    "cargo_contract": cargo_contract,
    "contracts": built,
}
if mode == "record":
    with open(record_file, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    print(f"recorded the code hashes in {record_file}")
    sys.exit(0)
try:
    committed = json.load(open(record_file, encoding="utf-8"))
except FileNotFoundError:
    committed = {"contracts": {}}
differ = [c for c in contracts if committed["contracts"].get(c) != built[c]]
for c in contracts:
    mark = "differs from bundles.lock.json" if c in differ else "as recorded"
    print(f"  {c:<18} {built[c]['code_hash']}  {built[c]['wasm_bytes']:>6} B  {mark}")
if differ and mode == "check":
    sys.exit(f"error: the bundles of {', '.join(differ)} differ from bundles.lock.json "
             "(a contract, Cargo.lock or the toolchain changed: scripts/build-contracts.sh --record, then commit)")
PY
step "bundles in $CGRID_BUNDLES"
ls -l "$CGRID_BUNDLES"
