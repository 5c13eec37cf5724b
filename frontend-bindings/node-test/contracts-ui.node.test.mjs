// docs/CONTRACTS_UI.md, step by step, on a node with the suite deployed (the node tier): the
// `.contract` bundles loaded into `Abi` and `ContractPromise` as the Polkadot Contracts UI loads
// them (not through the generated bindings), and the page's values pasted: Dave registers a DID,
// Alice grants roles, Eve signs an offer with `cgrid offer create`, and Dave opens its channel
// from what `cgrid offer show` prints (Dave and Eve: the node tier's other steps on this node
// use //Alice, //Bob and //Charlie). Needs CGRID_NODE_URL, CGRID_DEPLOYMENT and
// CGRID_CGRID (the cgrid binary); skipped with a message otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { ContractPromise } from '@polkadot/api-contract';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { loadBundle } from '../scripts/audit-metadata.mjs';
import { defaultBundlesDir } from '../scripts/generate.mjs';

const url = process.env.CGRID_NODE_URL;
const deploymentFile = process.env.CGRID_DEPLOYMENT;
const cgrid = process.env.CGRID_CGRID;
const skip = !url || !deploymentFile || !cgrid
  ? 'node tier: set CGRID_NODE_URL, CGRID_DEPLOYMENT and CGRID_CGRID (scripts/node-tier.sh does)'
  : false;

// The page's values.
const EXPIRES_AT = 1830297600000n; // 2028-01-01 00:00 UTC
const EVIDENCE = `0x${'ab'.repeat(32)}`;
const EMPTY_DID = { keys: [], services: [], controllers: [] };

/** Runs cgrid; its report (--json) or a failure with what it printed. */
function run(...args) {
  const out = spawnSync(cgrid, ['--json', ...args], { encoding: 'utf8' });
  assert.equal(out.status, 0, `cgrid ${args.join(' ')}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

describe('docs/CONTRACTS_UI.md on a node, as Contracts UI does it', { skip }, () => {
  let api;
  let who;
  let contract;

  before(async () => {
    const deployment = JSON.parse(readFileSync(deploymentFile, 'utf8'));
    await cryptoWaitReady();
    api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
    const keyring = new Keyring({ type: 'sr25519' });
    who = Object.fromEntries(['Alice', 'Dave', 'Eve'].map((n) => [n, keyring.addFromUri(`//${n}`)]));
    // "Add New Contract → Use On-Chain Contract Address", with the bundle as its metadata.
    contract = Object.fromEntries(['did_registry', 'trade_escrow'].map((name) => [
      name,
      new ContractPromise(api, loadBundle(defaultBundlesDir(), name), deployment.contracts[name].address),
    ]));
  });

  after(async () => {
    await api?.disconnect();
  });

  /** The dry run under the form: what the message returns (a `Result` as `{ ok }` / `{ err }`). */
  async function dryRun(name, message, caller, args, value = 0) {
    const gasLimit = api.registry.createType('WeightV2', api.consts.system.blockWeights.maxBlock);
    const options = { gasLimit, value, storageDepositLimit: null };
    const { result, output, gasRequired } = await contract[name].query[message](caller.address, options, ...args);
    assert.ok(result.isOk, `${message}: ${result.toString()}`);
    return { outcome: output.toJSON().ok, gasRequired };
  }

  /** "Call contract": the transaction, in a block; the contract's decoded events. */
  async function call(name, message, caller, args, value = 0) {
    const { outcome, gasRequired } = await dryRun(name, message, caller, args, value);
    assert.ok(!outcome || !('err' in outcome), `${message} would be refused: ${JSON.stringify(outcome)}`);
    const tx = contract[name].tx[message]({ gasLimit: gasRequired, value }, ...args);
    const result = await new Promise((done, fail) => {
      tx.signAndSend(caller, (r) => {
        if (r.dispatchError) fail(new Error(`dispatch error: ${r.dispatchError.toString()}`));
        else if (r.status.isInBlock) done(r);
      }).catch(fail);
    });
    // What the UI lists: each event's name, and for a topicless event of changes
    // (`ChannelUpdated`) the change it carries, `ChannelUpdated: ChannelOpened`.
    const shown = (e) => (e.event.signatureTopic ? e.event.identifier : `${e.event.identifier}: ${e.args[0].type}`);
    return { outcome, events: (result.contractEvents ?? []).map(shown) };
  }

  /** The name of the refusal in `outcome` (`{ err }`), as the form shows it: `NotAuthority`. */
  function refusal(outcome) {
    assert.ok(outcome && 'err' in outcome, `not refused: ${JSON.stringify(outcome)}`);
    const name = typeof outcome.err === 'string' ? outcome.err : Object.keys(outcome.err)[0];
    return name[0].toUpperCase() + name.slice(1);
  }

  let daveDid;

  test('3. Dave registers a DID; a second one is refused with AccountHasDid', async () => {
    const { outcome, events } = await call('did_registry', 'createDid', who.Dave, [EMPTY_DID]);
    daveDid = outcome.ok;
    assert.match(daveDid, /^0x[0-9a-f]{64}$/, 'the dry run shows Ok: 0x… (the DID id)');
    assert.equal(events.filter((e) => e.endsWith('DidCreated')).length, 1, events.join());
    const again = await dryRun('did_registry', 'createDid', who.Dave, [EMPTY_DID]);
    assert.equal(refusal(again.outcome), 'AccountHasDid');
  });

  test('4. Alice grants the roles with the page\'s values; Eve may not', async () => {
    const eve = await call('did_registry', 'createDid', who.Eve, [EMPTY_DID]);
    for (const [did, role] of [[daveDid, 'Consumer'], [eve.outcome.ok, 'Provider']]) {
      const { events } = await call('did_registry', 'grantRole', who.Alice, [did, role, EXPIRES_AT, EVIDENCE]);
      assert.ok(events.some((e) => e.endsWith('RoleGranted')), events.join());
    }
    const held = await dryRun('did_registry', 'rolesOf', who.Dave, [daveDid]);
    assert.deepEqual(held.outcome.map((h) => h.role), ['Consumer'], 'one HeldRole { role: Consumer, grant }');
    assert.equal(BigInt(held.outcome[0].grant.expiresAt), EXPIRES_AT);
    const refused = await dryRun('did_registry', 'grantRole', who.Eve, [daveDid, 'Provider', EXPIRES_AT, EVIDENCE]);
    assert.equal(refusal(refused.outcome), 'NotAuthority');
    const past = await dryRun('did_registry', 'grantRole', who.Alice, [daveDid, 'Provider', 1n, EVIDENCE]);
    assert.equal(refusal(past.outcome), 'ExpiryInPast');
  });

  test('5. Eve signs an offer with cgrid; Dave opens it with what `offer show` prints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgrid-ui-'));
    const file = join(dir, 'offer.json');
    run('--dev', '--key', '//Eve', '--deployment', deploymentFile, 'offer', 'create',
      '--consumer', who.Dave.address, '--price', '1000', '--min-cost', '60000',
      '--spec', '4 vCPU / 16 GiB', '--challenge-period', '10m', '--out', file);
    const shown = run('offer', 'show', file);
    // Each printed name is the Contracts UI field: `terms.<field>` of the struct, then the signature.
    const terms = {};
    for (const { name, value } of shown.args.filter((a) => a.name.startsWith('terms.'))) terms[name.slice(6)] = value;
    const signature = shown.args.find((a) => a.name === 'offerSignature').value;
    const deposit = BigInt(terms.minCost);

    const tooLittle = await dryRun('trade_escrow', 'open', who.Dave, [terms, signature], deposit - 1n);
    assert.equal(refusal(tooLittle.outcome), 'DepositBelowMinCost');
    const strangers = await dryRun('trade_escrow', 'open', who.Eve, [terms, signature], deposit);
    assert.equal(refusal(strangers.outcome), 'NotConsumer');
    const altered = await dryRun('trade_escrow', 'open', who.Dave, [{ ...terms, pricePerMinute: '999' }, signature], deposit);
    assert.equal(refusal(altered.outcome), 'BadOfferSignature');

    const { outcome, events } = await call('trade_escrow', 'open', who.Dave, [terms, signature], deposit);
    assert.equal(outcome.ok, shown.channel, 'the dry run shows the channel id cgrid printed');
    assert.ok(events.some((e) => e.endsWith('::ChannelUpdated: ChannelOpened')), events.join());
    const view = await dryRun('trade_escrow', 'channel', who.Dave, [shown.channel]);
    assert.equal(view.outcome.masked, null, 'a MaskedChannel shown in full');
    assert.equal(BigInt(view.outcome.record.deposit), deposit);
    assert.equal(view.outcome.record.consumer, who.Dave.address);
    const again = await dryRun('trade_escrow', 'open', who.Dave, [terms, signature], deposit);
    assert.equal(refusal(again.outcome), 'ChannelExists');
  });
});
