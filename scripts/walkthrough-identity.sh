#!/usr/bin/env bash
# The operators' walkthrough on a real chain (README "Identities, credentials and masks on a
# real chain"): separate `cgrid` processes, one key file per party, one deployment file.
#
#   scripts/walkthrough-identity.sh URL CGRID WORKDIR
#
# The node tier runs it on a fresh substrate-contracts-node; each command is one party acting
# on its own machine. Every check exits non-zero when the chain disagrees.
source "$(dirname "$0")/lib/walkthrough.sh"

# --- walkthrough ---
# The operator deploys the suite (here the dev chain's //Alice) and hands the root to its key.
cg deploy --url "$url" --out deployments/development.json
export CGRID_DEPLOYMENT=deployments/development.json
for party in operator issuer provider consumer regulator regulator2; do
    cg key generate --out "keys/$party.json"
done
account() { cg key show "keys/$1.json" --json | field .account; }
for party in operator issuer provider consumer regulator regulator2; do
    cg --dev --key //Alice account top-up "$(account "$party")" --to 100000000000000
done
cg --dev --key //Alice root transfer "$(account operator)"
cg --key keys/operator.json root accept

# Every party creates its DID on its own machine; the operator grants the KYC roles.
for party in operator issuer provider consumer regulator regulator2; do
    cg --key "keys/$party.json" did create
done
cg --key keys/provider.json did update --add-service "controller=ComputeGridController=tcp://203.0.113.7:7000"
echo "passport scan of the provider's director" > provider-kyc.txt
cg --key keys/operator.json role grant "$(account provider)" --role provider --expires +365d --evidence provider-kyc.txt
cg --key keys/operator.json role grant "$(account consumer)" --role consumer --expires +365d --evidence-hash 0x$(printf 'ab%.0s' {1..32})
cg --key keys/operator.json role grant "$(account issuer)" --role issuer --expires +365d --evidence-hash 0x$(printf 'cd%.0s' {1..32})
for regulator in regulator regulator2; do
    cg --key keys/operator.json role grant "$(account $regulator)" --role regulator --expires +365d --evidence-hash 0x$(printf 'ef%.0s' {1..32})
done
cg --key keys/operator.json mask committee set --member "$(account regulator)" --member "$(account regulator2)" --quorum 2 --approval-ttl 7d

# The operator publishes the energy-certificate template; the issuer certifies the provider.
cat > energy-template.json <<'JSON'
{ "title": "Energy certificate", "description": "Audited energy figures of a compute provider",
  "properties": { "green_bps": { "type": "integer", "description": "green energy share, bps" },
                  "carbon_g_per_kwh": { "type": "integer" }, "auditor": { "type": "string" } },
  "required": ["green_bps", "carbon_g_per_kwh"] }
JSON
cg --key keys/operator.json cpt register --file energy-template.json --id 1000
echo '{ "green_bps": 9500, "carbon_g_per_kwh": 40, "auditor": "GreenAudit" }' > claims.json
cg --key keys/issuer.json credential issue --cpt 1000 --subject "$(account provider)" \
    --claims claims.json --expires +365d --out provider-energy.vc.json
id=$(jq -r .id provider-energy.vc.json)

# A third party, with no key at all, verifies it against the chain; the provider presents
# one claim only.
cg credential verify provider-energy.vc.json
cg --key keys/provider.json credential present provider-energy.vc.json --reveal green_bps --out green.vp.json
cg credential verify green.vp.json

# A regulator masks the auditor's name and the provider's service endpoint.
cg --key keys/regulator.json mask add --credential "$id" --field auditor --reason-code 7 --reason "court order 12"
provider_did=$(cg did resolve "$(account provider)" --json | field .didDocument.id)
cg --key keys/regulator.json mask add --did "$provider_did" --field service --reason-code 3 --reason "investigation 4"
cg credential verify provider-energy.vc.json
cg did resolve "$provider_did"

# The committee (two regulators, quorum 2) lifts the credential's mask.
cg --key keys/regulator.json mask approve-unmask --credential "$id"
cg --key keys/regulator2.json mask approve-unmask --credential "$id"
cg credential verify provider-energy.vc.json

# The operator, as the attribute authority, sets up CP-ABE and gives attribute keys: the
# regulator's says EU regulator, the consumer's EU consumer. The issuer seals a certificate's
# claims for EU regulators only; anyone checks it against its anchor without reading it.
did_of() { cg did resolve "$(account "$1")" --json | field .didDocument.id; }
cg abe setup --authority "$(did_of operator)" --out authority.abe.json --public-out abe-public.json
cg abe keygen --authority-key authority.abe.json --holder "$(did_of regulator)" \
    --attrs role:regulator,region:eu --out regulator.abe-key.json
cg abe keygen --authority-key authority.abe.json --holder "$(did_of consumer)" \
    --attrs role:consumer,region:eu --out consumer.abe-key.json
echo '{ "and": [ { "attr": "role:regulator" }, { "attr": "region:eu" } ] }' > eu-regulators.json
cg --key keys/issuer.json credential issue --cpt 1000 --subject "$(account provider)" \
    --claims claims.json --expires +365d --encrypt eu-regulators.json --abe-public abe-public.json \
    --out provider-energy.sealed.json
cg credential verify provider-energy.sealed.json
cg credential decrypt provider-energy.sealed.json --abe-key regulator.abe-key.json \
    --abe-public abe-public.json --out regulator-view.vc.json
cg credential verify regulator-view.vc.json
# --- end ---

# The checks behind the walkthrough, read back from the chain.
expect "the credential's verdict" "$(cg credential verify provider-energy.vc.json --json | field .valid)" true
expect "the unmasked auditor" "$(cg credential verify provider-energy.vc.json --json | field .view.claims.auditor)" GreenAudit
expect "the DID's mask marker" "$(cg did resolve "$provider_did" --json | field '.didDocumentMetadata.cgridMasked.withheld[0]')" service
expect "the DID document's shape" "$(cg did resolve "$provider_did" --json | field '.didDocument["@context"][0]')" https://www.w3.org/ns/did/v1
expect "the provider's role" "$(cg role list "$provider_did" --json | field '.roles[0].role')" provider
expect "the disclosed claim" "$(cg credential verify green.vp.json --json | field .disclosed.green_bps)" 9500
# Refusals: one line, exit 1 for the contract's refusal, exit 2 for bad input; nothing sent.
set +e
msg=$(cg --key keys/provider.json role grant "$(account consumer)" --role provider --expires +1d --evidence-hash 0x$(printf '00%.0s' {1..32}) 2>&1)
code=$?
set -e
expect "a provider granting a role (exit code)" "$code" 1
[[ "$msg" == *"did_registry refused grant_role: NotAuthority"* ]] || { echo "walkthrough: unexpected refusal: $msg" >&2; exit 1; }
set +e
msg=$(cg --key keys/issuer.json credential issue --cpt 1000 --subject "$(account provider)" --claims energy-template.json --out x.json 2>&1)
code=$?
set -e
expect "claims that break the template (exit code)" "$code" 2
[[ ! -e x.json ]] || { echo "walkthrough: a refused issue left a file" >&2; exit 1; }
expect "the sealed certificate's verdict" "$(cg credential verify provider-energy.sealed.json --json | field .encrypted)" true
expect "the claim the regulator decrypted" "$(cg credential verify regulator-view.vc.json --json | field .view.claims.green_bps)" 9500
set +e
msg=$(cg credential decrypt provider-energy.sealed.json --abe-key consumer.abe-key.json --abe-public abe-public.json --out consumer-view.vc.json 2>&1)
code=$?
set -e
expect "a consumer decrypting the regulators' certificate (exit code)" "$code" 1
[[ "$msg" == *"policy not satisfied"* ]] || { echo "walkthrough: unexpected refusal: $msg" >&2; exit 1; }
[[ ! -e consumer-view.vc.json ]] || { echo "walkthrough: a refused decrypt left a file" >&2; exit 1; }
jq -e '.type | index("VerifiableCredential")' provider-energy.vc.json >/dev/null
jq -e '.proof[] | select(.cryptosuite == "eddsa-jcs-2022")' provider-energy.vc.json >/dev/null
echo "identity walkthrough passed"
