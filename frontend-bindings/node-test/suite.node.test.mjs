// The bindings against a real node with the suite deployed (the node tier: scripts/node-tier.sh).
// Reads the deployment file `cgrid deploy` wrote ($CGRID_DEPLOYMENT) and talks to $CGRID_NODE_URL:
// transactions (DIDs, roles, a payment channel) signed by //Alice (the deployer, so the root
// authority) and //Bob, queries of what they wrote, a typed refusal, and events decoded from the
// blocks. Without the two variables the suite is skipped with a message.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, randomAsHex } from '@polkadot/util-crypto';
import { ContractCallError, DidRegistryContract, signOffer, TradeEscrowContract } from '../dist/src/index.js';

const url = process.env.CGRID_NODE_URL;
const deploymentFile = process.env.CGRID_DEPLOYMENT;
const skip = !url || !deploymentFile
  ? 'node tier: set CGRID_NODE_URL and CGRID_DEPLOYMENT (scripts/node-tier.sh does)'
  : false;

/** Signs and sends `tx`, resolves with the result once in a block; rejects on a dispatch error. */
function submit(tx, signer) {
  return new Promise((done, fail) => {
    tx.signAndSend(signer, (result) => {
      if (result.dispatchError) fail(new Error(`dispatch error: ${result.dispatchError.toString()}`));
      else if (result.status.isInBlock || result.status.isFinalized) done(result);
    }).catch(fail);
  });
}

describe('the deployed suite on a node', { skip }, () => {
  let api;
  let alice;
  let bob;
  let dids;
  let escrow;
  let deployment;

  before(async () => {
    deployment = JSON.parse(readFileSync(deploymentFile, 'utf8'));
    await cryptoWaitReady();
    api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
    const keyring = new Keyring({ type: 'sr25519' });
    alice = keyring.addFromUri('//Alice');
    bob = keyring.addFromUri('//Bob');
    dids = new DidRegistryContract(api, deployment.contracts.did_registry.address);
    escrow = new TradeEscrowContract(api, deployment.contracts.trade_escrow.address);
  });

  after(async () => {
    await api?.disconnect();
  });

  test('the deployment file describes code the chain holds', async () => {
    assert.equal(deployment.deployer, alice.address);
    for (const [name, entry] of Object.entries(deployment.contracts)) {
      const info = await api.query.contracts.contractInfoOf(entry.address);
      assert.ok(info.isSome, `${name} has no contract at ${entry.address}`);
      assert.equal(info.unwrap().codeHash.toHex(), entry.code_hash, `${name}'s code hash`);
    }
  });

  test('DIDs and roles: transactions, then queries of what they wrote', async () => {
    const empty = { keys: [], services: [], controllers: [] };
    for (const who of [alice, bob]) {
      const result = await submit(await dids.tx.createDid({ caller: who }, empty), who);
      const created = dids.decodeEvents(result).filter((e) => e.name === 'DidCreated');
      assert.equal(created.length, 1, 'one DidCreated event');
      assert.equal(created[0].args.account, who.address);
    }
    const aliceDid = await dids.query.DidRegistry_didOf(alice, alice.address);
    const bobDid = await dids.query.DidRegistry_didOf(bob, bob.address);
    assert.ok(aliceDid && bobDid && aliceDid !== bobDid);

    // A second DID for Bob is refused with the typed error, in the dry run and as a transaction.
    const again = await dids.dryRun.createDid(bob, empty);
    assert.equal(again.reverted, true);
    assert.deepEqual(again.value, { err: { accountHasDid: bobDid } });
    await assert.rejects(dids.tx.createDid({ caller: bob }, empty), ContractCallError);

    // The deployer is the root authority: it grants the KYC roles.
    const now = (await api.query.timestamp.now()).toBigInt();
    const year = now + 365n * 24n * 3_600_000n;
    const evidence = u8aToHex(blake2AsU8a('kyc checked by the node tier'));
    for (const [did, role] of [[aliceDid, 'Provider'], [bobDid, 'Consumer']]) {
      const result = await submit(await dids.tx.grantRole({ caller: alice }, did, role, year, evidence), alice);
      assert.ok(dids.decodeEvents(result).some((e) => e.name === 'RoleGranted'));
    }
    // Bob is no authority: his grant is refused before anything is signed.
    await assert.rejects(
      dids.tx.grantRole({ caller: bob }, bobDid, 'Provider', year, evidence),
      (e) => e instanceof ContractCallError && /notAuthority/.test(e.message),
    );
    const view = await dids.query.resolve(bob, bobDid);
    assert.equal(view.record.account, bob.address);
    assert.equal(view.masked, null);
  });

  test('a payment channel: the consumer opens it on a provider-signed offer', async () => {
    const now = (await api.query.timestamp.now()).toBigInt();
    const terms = {
      provider: alice.address,
      consumer: bob.address,
      spec: '8 vCPU / 32 GiB',
      pricePerMinute: 1_000_000n,
      minCost: 5_000_000n,
      checkinCpt: 1,
      encryption: 'Plain',
      consumerKey: u8aToHex(bob.publicKey),
      providerKey: u8aToHex(alice.publicKey),
      challengePeriod: 60_000n,
      expiresAt: now + 24n * 3_600_000n,
      offerNonce: randomAsHex(32),
    };
    const offer = await signOffer(escrow, alice, terms);
    const deposit = 60n * terms.pricePerMinute;
    const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const result = await submit(await escrow.tx.open({ caller: bob, value: deposit }, terms, offer), bob);
    const opened = escrow.decodeEvents(result).filter((e) => e.name === 'ChannelOpened');
    assert.equal(opened.length, 1);
    const channel = opened[0].args.channel;
    const view = await escrow.query.channel(bob, channel);
    assert.equal(view.record.deposit, deposit);
    assert.equal(view.record.consumer, bob.address);
    assert.equal(view.record.provider, alice.address);
    assert.equal(view.record.paid, 0n);
    const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
    assert.ok(before - after >= deposit, 'the deposit left the consumer');

    // The same offer again is refused (its nonce is spent).
    await assert.rejects(escrow.tx.open({ caller: bob, value: deposit }, terms, offer), ContractCallError);
  });
});
