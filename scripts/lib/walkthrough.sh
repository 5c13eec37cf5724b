# Sourced by the node tier's walkthroughs (scripts/walkthrough-*.sh URL CGRID WORKDIR): their
# arguments, the working folder, and the helpers their commands and checks use.
set -euo pipefail
url="$1"
cgrid="$2"
# The checkout (for files the walkthroughs use beside cgrid, e.g. the bindings).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$3"
cd "$3"
# `cg` is `cgrid`; `field` reads one member of JSON output.
cg() { "$cgrid" "$@"; }
field() { jq -r "$1"; }
expect() { # expect WHAT ACTUAL EXPECTED
    if [[ "$2" != "$3" ]]; then
        echo "walkthrough: $1 is '$2', expected '$3'" >&2
        exit 1
    fi
}
