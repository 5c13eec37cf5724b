#!/usr/bin/env bash
# The README's walkthroughs are the node tier's scripts: each README block between
# `<!-- walkthrough: scripts/NAME.sh -->` and the end of its ```sh fence must equal the lines
# between `# --- walkthrough ---` and `# --- end ---` of that script, so the docs cannot rot.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
status=0
while read -r script; do
    want="$(awk '/^# --- walkthrough ---$/ { on = 1; next } /^# --- end ---$/ { on = 0 } on' "$root/$script")"
    have="$(awk -v tag="<!-- walkthrough: $script -->" '
        $0 == tag { found = 1; next }
        found && /^```sh$/ { on = 1; next }
        on && /^```$/ { exit }
        on' "$root/README.md")"
    if [[ -z "$want" ]]; then
        echo "README walkthrough check: $script has no walkthrough block" >&2
        status=1
    elif [[ "$want" != "$have" ]]; then
        echo "README walkthrough check: README.md's block for $script differs from the script:" >&2
        diff <(echo "$want") <(echo "$have") >&2 || true
        status=1
    fi
done < <(grep -o '<!-- walkthrough: [^ ]* -->' "$root/README.md" | awk '{ print $3 }')
if ! grep -q '<!-- walkthrough: ' "$root/README.md"; then
    echo "README walkthrough check: README.md names no walkthrough" >&2
    status=1
fi
((status == 0)) && echo "README walkthroughs match their scripts"
exit "$status"
