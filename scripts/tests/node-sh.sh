#!/usr/bin/env bash
# Checks scripts/node.sh's run logic with a stand-in node (scripts/tests/fake-node.py answers
# chain_getHeader after a second): the command runs once the node answers, sees
# CGRID_NODE_URL, its exit status is kept, and the node is stopped and its base path removed;
# a node that dies at start is reported. The real node is exercised by the node tier.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
node_sh="$here/../node.sh"
export CGRID_NODE_BIN="$here/fake-node.py"
export CGRID_NODE_PORT="${CGRID_NODE_TEST_PORT:-19944}"
fail() {
    echo "node.sh test: $*" >&2
    exit 1
}

out="$("$node_sh" run bash -c 'echo "url=$CGRID_NODE_URL"')" || fail "run failed"
grep -q "url=ws://127.0.0.1:$CGRID_NODE_PORT" <<<"$out" || fail "the command did not see CGRID_NODE_URL: $out"
base="$(sed -n 's/.*(log: \(.*\)\/node.log).*/\1/p' <<<"$out")"
[[ -n "$base" && ! -e "$base" ]] || fail "the base path $base was not removed"
pgrep -f "fake-node.py --dev" >/dev/null && fail "the node is still running"

set +e
"$node_sh" run bash -c 'exit 7' >/dev/null
status=$?
set -e
[[ $status == 7 ]] || fail "the command's exit status 7 came back as $status"

set +e
CGRID_NODE_BIN=/bin/false "$node_sh" run true >/dev/null 2>&1
status=$?
set -e
[[ $status != 0 ]] || fail "a node that died at start was not reported"
echo "node.sh test: ok (run, CGRID_NODE_URL, exit status, stop, dead node)"
