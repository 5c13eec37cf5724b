#!/usr/bin/env bash
# Trading on a real chain (README "Trading on a real chain"): a provider's daemon and a
# consumer, separate `cgrid` processes with their own key files and stores, bill a channel
# they opened with their own commands.
#
#   scripts/walkthrough-trading.sh URL CGRID WORKDIR
#
# The node tier runs it on a fresh substrate-contracts-node. Every check exits non-zero when
# the chain disagrees.
set -euo pipefail
url="$1"
cgrid="$2"
mkdir -p "$3"
cd "$3"
cg() { "$cgrid" "$@"; }
field() { jq -r "$1"; }
expect() { # expect WHAT ACTUAL EXPECTED
    if [[ "$2" != "$3" ]]; then
        echo "walkthrough: $1 is '$2', expected '$3'" >&2
        exit 1
    fi
}
provider_pid=""
trap '[[ -n "$provider_pid" ]] && kill "$provider_pid" 2>/dev/null || true' EXIT

# The operator's part (see scripts/walkthrough-identity.sh): a suite, funded keys, DIDs, roles.
cg deploy --url "$url" --out deployments/development.json >/dev/null
export CGRID_DEPLOYMENT=deployments/development.json
for party in operator provider consumer; do
    cg key generate --out "keys/$party.json" >/dev/null
done
account() { cg key show "keys/$1.json" --json | field .account; }
for party in operator provider consumer; do
    cg --dev --key //Alice account top-up "$(account "$party")" --to 100000000000000 >/dev/null
done
cg --dev --key //Alice root transfer "$(account operator)" >/dev/null
cg --key keys/operator.json root accept >/dev/null
for party in provider consumer; do
    cg --key "keys/$party.json" did create >/dev/null
    cg --key keys/operator.json role grant "$(account "$party")" --role "$party" --expires +30d \
        --evidence-hash 0x$(printf 'ab%.0s' {1..32}) >/dev/null
done

# --- walkthrough ---
# The provider signs an offer for the consumer: 1,000,000 a minute, at least 2,000,000.
cg --key keys/provider.json offer create --consumer "$(account consumer)" --price 1000000 \
    --min-cost 2000000 --spec "4 vCPU / 16 GiB" --challenge-period 2m --out offer.json
channel=$(jq -r .channel offer.json)
# The consumer checks the terms and opens the channel with a deposit for six minutes.
cg --key keys/consumer.json channel open --offer offer.json --deposit 6000000
# The provider's daemon (one billing interval per second here; a minute by default) ...
"$cgrid" --key keys/provider.json provide --listen 127.0.0.1:0 --store provider.redb \
    --interval-secs 1 --checkpoint-every 2 > provider.out 2> provider.log &
provider_pid=$!
until grep -q '^listening ' provider.out; do sleep 0.2; done
address=$(awk '/^listening / { print $2 }' provider.out)
# ... and the consumer, who pays each interval only after its probe says the job runs.
cg --key keys/consumer.json consume --connect "$address" --channel "$channel" \
    --store consumer.redb --probe-cmd "test -e consumer.redb"
cg channel show "$channel"
# --- end ---

# The checks behind the walkthrough, read back from the chain and the stores.
shown=$(cg channel show "$channel" --json)
expect "the channel's phase" "$(echo "$shown" | field .state.phase)" closed
expect "the close" "$(echo "$shown" | field .state.how)" cooperative
expect "paid to the provider" "$(echo "$shown" | field .state.paid)" 6000000
expect "refunded to the consumer" "$(echo "$shown" | field .state.refunded)" 0
kill "$provider_pid"
wait "$provider_pid" 2>/dev/null || true
provider_pid=""
expect "minutes in the provider's store" "$(cg inspect --store provider.redb | grep -o 'minutes [0-9]*')" "minutes 6"
grep -q 'checkpointed on chain' provider.log || { echo "walkthrough: the provider never checkpointed" >&2; exit 1; }
# Bad input sends nothing: an offer for another consumer, a deposit below the minimum.
set +e
msg=$(cg --key keys/provider.json channel open --offer offer.json --deposit 6000000 2>&1)
code=$?
set -e
expect "opening another's offer (exit code)" "$code" 2
[[ "$msg" == *"not this key's account"* ]] || { echo "walkthrough: unexpected error: $msg" >&2; exit 1; }
echo "trading walkthrough passed"
