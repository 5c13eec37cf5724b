#!/usr/bin/env bash
# An auction on a real chain (README "An auction on a real chain"): a consumer's request, a
# provider's sealed bid backed by its energy certificate, reveal, finalize, and the winner's
# channel billed by the provider's daemon and the consumer — separate `cgrid` processes with
# their own key files and stores.
#
#   scripts/walkthrough-auction.sh URL CGRID WORKDIR
#
# The node tier runs it on a fresh substrate-contracts-node. Every check exits non-zero when
# the chain disagrees.
source "$(dirname "$0")/lib/walkthrough.sh"
provider_pid=""
trap 'kill $provider_pid 2>/dev/null || true' EXIT

# The operator's part (see scripts/walkthrough-identity.sh): a suite, funded keys, DIDs, roles.
cg deploy --url "$url" --out deployments/development.json >/dev/null
export CGRID_DEPLOYMENT=deployments/development.json
for party in operator issuer provider consumer; do
    cg key generate --out "keys/$party.json" >/dev/null
done
account() { cg key show "keys/$1.json" --json | field .account; }
for party in operator issuer provider consumer; do
    cg --dev --key //Alice account top-up "$(account "$party")" --to 100000000000000 >/dev/null
done
cg --dev --key //Alice root transfer "$(account operator)" >/dev/null
cg --key keys/operator.json root accept >/dev/null
for party in issuer provider consumer; do
    cg --key "keys/$party.json" did create >/dev/null
    cg --key keys/operator.json role grant "$(account "$party")" --role "$party" --expires +30d \
        --evidence-hash 0x$(printf 'ab%.0s' {1..32}) >/dev/null
done
# A dev node seals a block only for a transaction, so chain time stands still between them:
# while the background command $1 waits for a deadline, send one transaction a second.
pokes=0
poke_while() {
    local pid=$1
    while kill -0 "$pid" 2>/dev/null; do
        pokes=$((pokes + 1)) # a new balance each time, so each top-up is a transaction
        cg --dev --key //Alice account top-up "$(account operator)" --to $((100000000000000 + pokes)) >/dev/null
        sleep 1
    done
    wait "$pid"
}

# --- walkthrough ---
# The operator publishes the energy certificate (the auction's attributes as integer claims)
# and sets the auction's parameter model, naming the issuer as the attestor whose
# certificates count.
cat > energy-template.json <<'JSON'
{ "title": "Energy certificate", "description": "Audited energy figures of a compute provider",
  "properties": { "greenShare": { "type": "integer", "description": "green energy share, bps" },
                  "carbon": { "type": "integer", "description": "gCO2e per kWh" },
                  "pue": { "type": "integer", "description": "PUE x 1000" },
                  "charity": { "type": "integer", "description": "revenue pledged, bps" } },
  "required": ["greenShare", "carbon"] }
JSON
cg --key keys/operator.json cpt register --file energy-template.json --id 1000
cg --key keys/operator.json auction model set --attestor "$(account issuer)"
cg --key keys/issuer.json credential issue --cpt 1000 --subject "$(account provider)" \
    --claims <(echo '{ "greenShare": 9500, "carbon": 40 }') --expires +365d --out energy.vc.json
# The consumer asks for five minutes of compute at up to 1,000,000 a minute: sealed bids for a
# minute, then reveals for a minute (the shortest windows). Its deposit is held from now.
auction=$(cg --key keys/consumer.json auction create --spec "8 vCPU / 32 GiB" --max-price 1000000 \
    --minutes 5 --min-cost 1000000 --commit-window 1m --reveal-window 1m \
    --challenge-period 1m --json | field .auction)
# The provider bids 800,000 a minute; its certificate proves its green share and carbon
# intensity. The bid's opening stays in its store until the reveal.
cg --key keys/provider.json auction bid "$auction" --price 800000 --green-share 9500 \
    --carbon 40 --credential energy.vc.json --store provider.redb
# Reveal once bidding ends, finalize once revealing ends (`--wait` shows the time left; on a
# dev node `poke_while`, defined above, makes chain time move: a live chain needs no poking).
cg --key keys/provider.json auction reveal "$auction" --store provider.redb --wait &
poke_while $!
cg --key keys/consumer.json auction finalize "$auction" --wait &
poke_while $!
channel=$(cg auction show "$auction" --json | field .channel)
# The winner's channel is billed like any other (one interval per second here).
"$cgrid" --key keys/provider.json provide --listen 127.0.0.1:0 --store provider.redb \
    --interval-secs 1 > provider.out 2> provider.log &
provider_pid=$!
until grep -q '^listening ' provider.out; do sleep 0.2; done
address=$(awk '/^listening / { print $2 }' provider.out)
cg --key keys/consumer.json consume --connect "$address" --channel "$channel" --store consumer.redb \
    --interval-secs 1
cg channel show "$channel"
# --- end ---

# The checks behind the walkthrough, read back from the chain.
shown=$(cg auction show "$auction" --json)
expect "the auction's winner" "$(echo "$shown" | field .winner)" "$(account provider)"
expect "the winning price" "$(echo "$shown" | field .leader.pricePerMinute)" 800000
expect "bids revealed" "$(echo "$shown" | field .reveals)" 1
shown=$(cg channel show "$channel" --json)
expect "the auctioned channel's close" "$(echo "$shown" | field .state.how)" cooperative
expect "paid for five minutes" "$(echo "$shown" | field .state.paid)" 4000000
# A second bid by the same provider is refused before anything is sent.
set +e
msg=$(cg --key keys/provider.json auction bid "$auction" --price 700000 --store provider.redb 2>&1)
code=$?
set -e
expect "a bid in a finalized auction (exit code)" "$code" 2
[[ "$msg" == *"is not open"* ]] || { echo "walkthrough: unexpected error: $msg" >&2; exit 1; }
echo "auction walkthrough passed"
