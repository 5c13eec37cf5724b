#!/usr/bin/env bash
# Trading on a real chain (README "Trading on a real chain"): a provider's daemon and a
# consumer, separate `cgrid` processes with their own key files and stores, bill a channel
# they opened with their own commands.
#
#   scripts/walkthrough-trading.sh URL CGRID WORKDIR
#
# The node tier runs it on a fresh substrate-contracts-node. Every check exits non-zero when
# the chain disagrees.
source "$(dirname "$0")/lib/walkthrough.sh"
provider_pid=""
watch_pid=""
consumer_pid=""
api_pid=""
trap 'kill $provider_pid $watch_pid $consumer_pid $api_pid 2>/dev/null || true' EXIT

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
    --min-cost 2000000 --spec "4 vCPU / 16 GiB" --challenge-period 1m --out offer.json
channel=$(jq -r .channel offer.json)
# The consumer checks the terms and opens the channel with a deposit for six minutes.
cg --key keys/consumer.json channel open --offer offer.json --deposit 6000000
# The provider's daemon (one billing interval per second here; a minute by default) ...
"$cgrid" --key keys/provider.json provide --listen 127.0.0.1:0 --store provider.redb \
    --interval-secs 1 --checkpoint-every 2 > provider.out 2> provider.log &
provider_pid=$!
until grep -q '^listening ' provider.out; do sleep 0.2; done
address=$(awk '/^listening / { print $2 }' provider.out)
# ... and the consumer, who pays each interval only after its probe says the job runs. Killed
# (kill -9) after two intervals and started again, it resumes from its store: nothing it
# signed is lost. At the deposit the provider closes the channel cooperatively.
"$cgrid" --key keys/consumer.json consume --connect "$address" --channel "$channel" \
    --store consumer.redb --interval-secs 1 --probe-cmd "test -e consumer.redb" > consumer.out 2> consumer.log &
consumer_pid=$!
sleep 2.5; kill -9 "$consumer_pid"; wait "$consumer_pid" || true; consumer_pid=""
cg --key keys/consumer.json consume --connect "$address" --channel "$channel" \
    --store consumer.redb --interval-secs 1 --probe-cmd "test -e consumer.redb"
cg channel show "$channel"

# A second channel, served without checkpoints. The provider's daemon is killed (kill -9)
# mid-billing and restarted; the consumer reconnects by itself. A separate watchtower stands by
# beside the daemon (which watches its own store while it runs). The job stops after four
# minutes (the probe fails); the provider stops its daemon and the watchtower takes over.
cg --key keys/provider.json offer create --consumer "$(account consumer)" --price 1000000 \
    --min-cost 2000000 --spec "4 vCPU / 16 GiB" --challenge-period 1m --out offer2.json
second=$(jq -r .channel offer2.json)
cg --key keys/consumer.json channel open --offer offer2.json --deposit 10000000
provide() {
    "$cgrid" --key keys/provider.json provide --listen "$address" --store provider.redb \
        --interval-secs 1 --checkpoint-every 0 > provider.out 2>> provider.log &
    provider_pid=$!
    until grep -q '^listening ' provider.out; do sleep 0.2; done
}
kill "$provider_pid"; wait "$provider_pid" || true
provide
printf 'n=$(( $(cat probes 2>/dev/null || echo 0) + 1 )); echo $n > probes; [ $n -le 4 ]\n' > job-probe.sh
"$cgrid" --key keys/consumer.json consume --connect "$address" --channel "$second" \
    --store consumer.redb --interval-secs 1 --probe-cmd "sh job-probe.sh" > consumer.out 2> consumer.log &
consumer_pid=$!
sleep 2.5; kill -9 "$provider_pid"; wait "$provider_pid" || true
provide
"$cgrid" --key keys/provider.json watch --store provider.redb --poll-ms 500 > watch.out 2> watch.log &
watch_pid=$!
until grep -q '^standing by' watch.out; do sleep 0.2; done
wait "$consumer_pid" || true; consumer_pid=""
kill "$provider_pid"; wait "$provider_pid" || true
until grep -q '^watching' watch.out; do sleep 0.2; done
# The consumer tries to close with its first state (one minute instead of four) ...
cg --key keys/consumer.json channel close "$second" --store consumer.redb --nonce 1
# ... the watchtower answers with the newest state and, after the window, finalizes.
# (A dev node seals a block only for a transaction; a live chain makes one every few seconds.
# The loop sends one per pass, so that chain time moves past the window.)
tick=0
until [[ $(cg channel show "$second" --json | jq -r .state.phase) == closed ]]; do
    tick=$((tick + 1))
    cg --dev --key //Alice account top-up "$(account operator)" --to $((100000000000000 + tick)) >/dev/null
    sleep 2
done
cg channel show "$second"
# --- end ---

# The checks behind the walkthrough, read back from the chain and the stores.
shown=$(cg channel show "$channel" --json)
expect "the channel's phase" "$(echo "$shown" | field .state.phase)" closed
expect "the close" "$(echo "$shown" | field .state.how)" cooperative
expect "paid to the provider" "$(echo "$shown" | field .state.paid)" 6000000
expect "refunded to the consumer" "$(echo "$shown" | field .state.refunded)" 0
shown=$(cg channel show "$second" --json)
expect "the second close" "$(echo "$shown" | field .state.how)" unilateral
expect "paid on the second channel" "$(echo "$shown" | field .state.paid)" 4000000
expect "refunded on the second channel" "$(echo "$shown" | field .state.refunded)" 6000000
grep -q 'Challenged' watch.log || { echo "walkthrough: the watchtower never challenged" >&2; exit 1; }
grep -q 'Finalized' watch.log || { echo "walkthrough: the watchtower never finalized" >&2; exit 1; }
grep -q 'provider hung up\|provider is unreachable' consumer.log || { echo "walkthrough: the consumer never saw the provider go" >&2; exit 1; }
kill "$watch_pid"; wait "$watch_pid" || true
provider_pid=""
watch_pid=""
expect "minutes in the provider's store" "$(cg inspect --store provider.redb | grep -o 'minutes [0-9]*' | sort | tr '\n' ' ')" "minutes 4 minutes 6 "
listed=$(cg --key keys/consumer.json channel list --store consumer.redb --json)
expect "the consumer's channels" "$(echo "$listed" | jq '.channels | length')" 2
expect "the consumer's second channel" "$(echo "$listed" | jq -r --arg c "$second" '.channels[] | select(.channel == $c) | .onChain')" "closed: 4000000 paid, 6000000 refunded"
grep -q 'checkpointed on chain' provider.log || { echo "walkthrough: the provider never checkpointed" >&2; exit 1; }
# Bad input sends nothing: an offer for another consumer.
set +e
msg=$(cg --key keys/provider.json channel open --offer offer.json --deposit 6000000 2>&1)
code=$?
set -e
expect "opening another's offer (exit code)" "$code" 2
[[ "$msg" == *"not this key's account"* ]] || { echo "walkthrough: unexpected error: $msg" >&2; exit 1; }

# A dapp pays too: the TypeScript example consumer (frontend-bindings/examples/consume.mjs)
# pays the Rust daemon for a third channel over the same wire protocol, to its deposit and
# the cooperative close.
bindings="$root/frontend-bindings"
[[ -f "$bindings/dist/src/index.js" ]] || (cd "$bindings" && npm run build >/dev/null)
cg --key keys/provider.json offer create --consumer "$(account consumer)" --price 1000000 \
    --min-cost 2000000 --spec "4 vCPU / 16 GiB" --challenge-period 1m --out offer3.json
third=$(jq -r .channel offer3.json)
cg --key keys/consumer.json channel open --offer offer3.json --deposit 3000000 >/dev/null
provide
escrow=$(jq -r .contracts.trade_escrow.address deployments/development.json)
node "$bindings/examples/consume.mjs" --connect "$address" --escrow "$escrow" --channel "$third" \
    --key-file keys/consumer.json --price 1000000 --deposit 3000000 --interval-secs 1 \
    --provider-key "$(cg key show keys/provider.json --json | field .sr25519)" > ts-consumer.out
kill "$provider_pid"; wait "$provider_pid" || true
provider_pid=""
shown=$(cg channel show "$third" --json)
expect "the TypeScript consumer's channel" "$(echo "$shown" | field .state.how)" cooperative
expect "paid by the TypeScript consumer" "$(echo "$shown" | field .state.paid)" 3000000
expect "intervals the TypeScript consumer signed" "$(grep -c '^minute ' ts-consumer.out)" 3

# The consumer's API under an access policy (README "Who reads the trade records"): requests
# signed by a DID; the consumer reads its trades, a DID that is no party reads nothing.
cg --key keys/operator.json did create >/dev/null
did_of() { cg did resolve "$(account "$1")" --json | field .didDocument.id; }
cat > access.json <<'JSON'
{ "rules": [ { "name": "parties read their trades", "effect": "allow", "actions": ["read"],
               "subject": { "party": true } } ] }
JSON
"$cgrid" --key keys/consumer.json serve --store consumer.redb --access access.json \
    --listen 127.0.0.1:0 > api.out 2> api.log &
api_pid=$!
until grep -q '^api ' api.out; do sleep 0.2; done
api=$(awk '/^api / { print $2 }' api.out)
expect "channels the consumer reads through its API" \
    "$(cg --key keys/consumer.json api get "$api/channels" --did "$(did_of consumer)" --json | jq length)" 2
expect "channels a DID that is no party reads" \
    "$(cg --key keys/operator.json api get "$api/channels" --did "$(did_of operator)" --json | jq length)" 0
set +e
msg=$(cg --key keys/operator.json api get "$api/channels/$channel" --did "$(did_of operator)" 2>&1)
code=$?
set -e
expect "a channel read by a DID that is no party (exit code)" "$code" 1
[[ "$msg" == *"no rule allows it (403)"* ]] || { echo "walkthrough: unexpected refusal: $msg" >&2; exit 1; }
set +e
msg=$(cg --key keys/operator.json api get "$api/channels" --did "$(did_of consumer)" 2>&1)
code=$?
set -e
expect "a request signed by another key (exit code)" "$code" 1
[[ "$msg" == *"not by an sr25519 authentication key"* ]] || { echo "walkthrough: unexpected refusal: $msg" >&2; exit 1; }
kill "$api_pid"; wait "$api_pid" || true
api_pid=""
echo "trading walkthrough passed"
