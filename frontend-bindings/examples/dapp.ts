/**
 * A dapp's view of ComputeGrid with the typed bindings: resolve a DID (masked or not), open a
 * payment channel on a provider-signed offer, and read the channel back as a masked record.
 *
 *   npm run build && node dist/examples/dapp.js [network]      (from frontend-bindings/)
 *
 * Addresses come from ../deployments/<network>.json (written by scripts/deploy.sh; set
 * CGRID_DEPLOYMENTS to use another folder), the node from CGRID_NODE_URL (default
 * ws://127.0.0.1:9944). //Alice plays the provider and //Bob the consumer: they need DIDs and the
 * Provider / Consumer roles (the node tier's binding tests register them; scripts/node-tier.sh
 * then runs this example).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, randomAsHex } from '@polkadot/util-crypto';
import {
  DidRegistryContract, signOffer, TradeEscrowContract,
  type ContractName, type DidRegistry, type Hex, type TradeEscrow,
} from '../src/index.js';

interface Deployment {
  network: string;
  contracts: Partial<Record<ContractName, { address: string; code_hash: Hex; block: number }>>;
}

const network = process.argv[2] ?? 'development';
const folder = process.env['CGRID_DEPLOYMENTS'] ?? resolve('..', 'deployments');
const deployment = JSON.parse(readFileSync(resolve(folder, `${network}.json`), 'utf8')) as Deployment;
const addressOf = (name: ContractName): string => {
  const entry = deployment.contracts[name];
  if (!entry) throw new Error(`${name} is not deployed on ${deployment.network}`);
  return entry.address;
};

/** What a regulator's mask withholds, and why. */
function printMask(marker: DidRegistry.MaskMarker | TradeEscrow.MaskMarker | null): void {
  if (!marker) return console.log('  not masked');
  const scope = 'whole' in marker.scope ? 'the whole record' : `fields ${marker.scope.fields.join(', ')}`;
  console.log(`  MASKED (${scope}) by ${marker.by} since ${new Date(Number(marker.since)).toISOString()}`);
  console.log(`  withheld: ${marker.withheld.join(', ') || '-'}; reason code ${marker.reasonCode} (evidence ${marker.reasonHash})`);
}

await cryptoWaitReady();
const url = process.env['CGRID_NODE_URL'] ?? 'ws://127.0.0.1:9944';
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 ?? 42 });
const provider = keyring.addFromUri('//Alice');
const consumer = keyring.addFromUri('//Bob');

// 1. Resolve the consumer's DID: Option<MaskedView<DidDocument>>
const dids = new DidRegistryContract(api, addressOf('did_registry'));
const did = await dids.query.DidRegistry_didOf(consumer, consumer.address);
const view = did ? await dids.query.resolve(consumer, did) : null;
if (!did || !view) throw new Error(`${consumer.address} has no DID`);
console.log(`did:cgrid:${view.record.id} of ${view.record.account}${view.record.deactivated ? ' (deactivated)' : ''}`);
for (const key of view.record.verificationMethods) console.log(`  key ${key.id}: ${key.keyType} ${key.publicKey}`);
for (const service of view.record.services) console.log(`  service ${service.id}: ${service.serviceType} ${service.endpoint}`);
printMask(view.masked);

// 2. Open a payment channel. The provider signs the offer off chain (`signOffer`:
//    sr25519 over blake2_256(SCALE(OFFER_DOMAIN, escrow, deployment, terms)), cgrid_shared::escrow)
const escrow = new TradeEscrowContract(api, addressOf('trade_escrow'));
const now = (await api.query.timestamp.now()).toBigInt();
const terms: TradeEscrow.TradeTerms = {
  provider: provider.address,
  consumer: consumer.address,
  spec: '8 vCPU / 32 GiB',
  pricePerMinute: 1_000_000n,
  minCost: 5_000_000n,
  checkinCpt: 1,
  encryption: 'Plain',
  consumerKey: u8aToHex(consumer.publicKey),
  providerKey: u8aToHex(provider.publicKey),
  challengePeriod: 60_000n,
  expiresAt: now + 24n * 3_600_000n,
  offerNonce: randomAsHex(32),
};
const offerSignature = await signOffer(escrow, provider, terms);
const deposit = 60n * terms.pricePerMinute; // one hour

// dry-run as the consumer (gas and deposit limits), then sign and submit; value = the deposit
const open = await escrow.tx.open({ caller: consumer, value: deposit }, terms, offerSignature);
const channel = await new Promise<Hex>((done, fail) => {
  void open.signAndSend(consumer, (result) => {
    if (result.dispatchError) fail(new Error(`open failed: ${result.dispatchError.toString()}`));
    if (!result.status.isInBlock) return;
    for (const event of escrow.decodeEvents(result)) {
      if (event.name === 'ChannelOpened') done(event.args.channel);
    }
  }).catch(fail);
});
console.log(`channel ${channel} opened with a deposit of ${deposit}`);

// 3. Read the channel: Option<MaskedView<Channel>>, withheld fields zeroed under a mask
const record = await escrow.query.channel(consumer, channel);
if (record) {
  const c = record.record;
  console.log(`  ${c.consumer} → ${c.provider}: ${c.pricePerMinute}/min, deposit ${c.deposit}, paid ${c.paid}, phase ${Object.keys(c.phase)[0]}`);
  printMask(record.masked);
}

await api.disconnect();
