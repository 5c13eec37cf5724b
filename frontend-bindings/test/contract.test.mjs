// The generated contract classes end to end against an in-memory chain: an ApiPromise over a fake
// provider that serves substrate-contracts-node's static metadata and answers the ContractsApi
// runtime calls (dry runs) with prepared results. Checks what goes to the chain (call data,
// origin, weights) and what comes back (typed values, errors, extrinsics, events).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiPromise } from '@polkadot/api';
import contractsNodeMetadata, { rpc, version } from '@polkadot/types-support/metadata/static-substrate-contracts-node';
import { compactToU8a, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import {
  ContractCallError, DidRegistryContract, instantiatedAddress, sampleValue, TradeEscrowContract,
} from '../dist/src/index.js';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const DID_REGISTRY = '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM';
const ESCROW = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
const WASM = '0x0061736d01000000';

/** Answers of the fake chain's runtime calls, set by each test. */
let answer = () => {
  throw new Error('no answer prepared');
};
const calls = [];

const provider = {
  hasSubscriptions: false,
  isClonable: false,
  isConnected: true,
  stats: { active: { requests: 0, subscriptions: 0 }, total: { bytesRecv: 0, bytesSent: 0, cached: 0, errors: 0, requests: 0, subscriptions: 0, timeout: 0 } },
  clone() { throw new Error('not clonable'); },
  async connect() {},
  async disconnect() {},
  on() { return () => {}; },
  async subscribe() { throw new Error('no subscriptions'); },
  async unsubscribe() { return true; },
  async send(method, params) {
    switch (method) {
      case 'rpc_methods': return rpc;
      case 'chain_getBlockHash': return `0x${'12'.repeat(32)}`;
      case 'state_getRuntimeVersion': return version;
      case 'system_chain': return 'Development';
      case 'system_properties': return { ss58Format: 42, tokenDecimals: 12, tokenSymbol: 'UNIT' };
      case 'state_getMetadata': return contractsNodeMetadata;
      case 'state_call': {
        const [name, data] = params;
        if (name === 'Metadata_metadata_versions') return '0x040e000000'; // [14]
        if (name === 'Metadata_metadata_at_version') { // Some(OpaqueMetadata)
          const bytes = hexToU8a(contractsNodeMetadata);
          return u8aToHex(u8aConcat([1], compactToU8a(bytes.length), bytes));
        }
        calls.push({ name, data });
        return answer(name, data);
      }
      default: throw new Error(`fake chain: unexpected ${method}`);
    }
  },
};

let api;
before(async () => {
  api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
});
after(async () => {
  await api?.disconnect();
});

const weight = (refTime, proofSize) => ({ refTime, proofSize });

function execResult({ data = new Uint8Array(), revert = false, error, gasRequired = weight(1_000_000n, 20_000n), charge = 0n, debug = '' }) {
  return api.registry.createType('ContractExecResult', {
    gasConsumed: weight(900_000n, 10_000n),
    gasRequired,
    storageDeposit: charge ? { Charge: charge } : { Refund: 0 },
    debugMessage: debug,
    // hex, not a Uint8Array: polkadot.js reads a Uint8Array given for Bytes as length-prefixed
    result: error ? { Err: error } : { Ok: { flags: revert ? 1 : 0, data: u8aToHex(data) } },
  }).toHex();
}

function decodeCall(data) {
  const [origin, dest, value, gasLimit, storageDepositLimit, input] = api.registry.createType(
    '(AccountId, AccountId, Balance, Option<WeightV2>, Option<Balance>, Bytes)', data);
  return { origin: origin.toString(), dest: dest.toString(), value: value.toBigInt(), gasLimit: gasLimit.unwrapOr(null), storageDepositLimit, input: input.toU8a(true) };
}

function contractsError(name) {
  const pallet = api.registry.metadata.pallets.find((p) => p.name.eq('Contracts'));
  const variants = api.registry.lookup.getSiType(pallet.errors.unwrap().type).def.asVariant.variants;
  const index = variants.find((v) => v.name.eq(name)).index.toNumber();
  return { Module: { index: pallet.index.toNumber(), error: u8aToHex(new Uint8Array([index, 0, 0, 0])) } };
}

const message = (Contract, label) => Contract.spec.messages.find((m) => m.label === label);

describe('DidRegistryContract / TradeEscrowContract on a fake chain', () => {
  test('query: call data, origin and weight go out; the typed value comes back', async () => {
    const did = new DidRegistryContract(api, DID_REGISTRY);
    const resolve = message(DidRegistryContract, 'resolve');
    const view = sampleValue(did.codec.types, DidRegistryContract.spec.types.MaskedDidDocument);
    const id = `0x${'42'.repeat(32)}`;
    answer = (name) => {
      assert.equal(name, 'ContractsApi_call');
      return execResult({ data: did.codec.encode(resolve.returnType, { ok: view }) });
    };
    assert.deepEqual(await did.query.resolve(ALICE, id), view);
    const sent = decodeCall(calls.at(-1).data);
    assert.equal(sent.origin, ALICE);
    assert.equal(sent.dest, DID_REGISTRY);
    assert.equal(sent.value, 0n);
    assert.equal(u8aToHex(sent.input), `${resolve.selector}${id.slice(2)}`);
    // the dry run's weight limit is the chain's max block weight (proof size included)
    assert.deepEqual(sent.gasLimit.toJSON(), api.consts.system.blockWeights.maxBlock.toJSON());

    // Option: None → null; a keyring-like caller object works too
    answer = () => execResult({ data: did.codec.encode(resolve.returnType, { ok: null }) });
    assert.equal(await did.query.resolve({ address: BOB }, id), null);
    assert.equal(decodeCall(calls.at(-1).data).origin, BOB);
    // a trait message
    const isAuthority = message(DidRegistryContract, 'DidRegistry::is_authority');
    answer = () => execResult({ data: did.codec.encode(isAuthority.returnType, { ok: true }) });
    assert.equal(await did.query.DidRegistry_isAuthority(ALICE, BOB), true);
    assert.equal(u8aToHex(decodeCall(calls.at(-1).data).input), `${isAuthority.selector}${u8aToHex(decodeAddress(BOB)).slice(2)}`);
  });

  test('query: a contract error is a value; dryRun tells it reverted', async () => {
    const did = new DidRegistryContract(api, DID_REGISTRY);
    const update = message(DidRegistryContract, 'update');
    const failure = { err: { didNotFound: `0x${'01'.repeat(32)}` } };
    answer = () => execResult({ revert: true, data: did.codec.encode(update.returnType, { ok: failure }), debug: 'no such DID' });
    const op = { deactivate: null };
    assert.deepEqual(await did.query.update(ALICE, `0x${'01'.repeat(32)}`, op), failure);
    const run = await did.dryRun.update({ caller: ALICE, gasLimit: weight(7n, 8n) }, `0x${'01'.repeat(32)}`, op);
    assert.equal(run.reverted, true);
    assert.deepEqual(run.value, failure);
    assert.equal(run.debugMessage, 'no such DID');
    assert.deepEqual(run.gasRequired.toJSON(), { refTime: 1_000_000, proofSize: 20_000 });
    assert.deepEqual(decodeCall(calls.at(-1).data).gasLimit.toJSON(), { refTime: 7, proofSize: 8 });
  });

  test('query: LangError and dispatch errors throw ContractCallError', async () => {
    const did = new DidRegistryContract(api, DID_REGISTRY);
    const count = message(DidRegistryContract, 'did_count');
    answer = () => execResult({ revert: true, data: did.codec.encode(count.returnType, { err: 'CouldNotReadInput' }) });
    await assert.rejects(did.query.didCount(ALICE), (e) => e instanceof ContractCallError && e.kind === 'lang' && e.details === 'CouldNotReadInput');
    answer = () => execResult({ error: contractsError('ContractTrapped') });
    await assert.rejects(did.query.didCount(ALICE), (e) => e instanceof ContractCallError && e.kind === 'dispatch' && /contracts\.ContractTrapped/.test(e.message));
    answer = () => execResult({ data: did.codec.encode(count.returnType, { ok: 3n }) });
    assert.equal(await did.query.didCount(ALICE), 3n);
  });

  test('tx: explicit gas limit → contracts.call with the encoded message', async () => {
    const did = new DidRegistryContract(api, DID_REGISTRY);
    const create = message(DidRegistryContract, 'create_did');
    const content = sampleValue(did.codec.types, DidRegistryContract.spec.types.DidCreation);
    const before = calls.length;
    const tx = await did.tx.createDid({ gasLimit: weight(5_000n, 6_000n), storageDepositLimit: 77n }, content);
    assert.equal(calls.length, before, 'no dry run with a gas limit');
    assert.equal(`${tx.method.section}.${tx.method.method}`, 'contracts.call');
    const [dest, value, gasLimit, storageDepositLimit, data] = tx.method.args;
    assert.equal(dest.toString(), DID_REGISTRY);
    assert.equal(value.toBigInt(), 0n);
    assert.deepEqual(gasLimit.toJSON(), { refTime: 5000, proofSize: 6000 });
    assert.equal(storageDepositLimit.unwrap().toBigInt(), 77n);
    assert.equal(data.toHex(), u8aToHex(u8aConcat(create.selector, DidRegistryContract.encode('DidCreation', content))));
    assert.equal(did.tx.resolve, undefined, 'read-only messages have no tx');
  });

  test('tx: without a gas limit the dry run gives gas and deposit limits; a revert throws', async () => {
    const escrow = new TradeEscrowContract(api, ESCROW);
    const open = message(TradeEscrowContract, 'open');
    const terms = sampleValue(escrow.codec.types, TradeEscrowContract.spec.types.TradeTerms);
    const signature = `0x${'aa'.repeat(64)}`;
    const channel = `0x${'cc'.repeat(32)}`;
    answer = () => execResult({ data: escrow.codec.encode(open.returnType, { ok: { ok: channel } }), gasRequired: weight(123n, 456n), charge: 1_000n });
    const tx = await escrow.tx.open({ caller: BOB, value: 10_000n }, terms, signature);
    const sent = decodeCall(calls.at(-1).data);
    assert.equal(sent.origin, BOB);
    assert.equal(sent.value, 10_000n, 'the dry run transfers the value');
    const [, value, gasLimit, storageDepositLimit] = tx.method.args;
    assert.equal(value.toBigInt(), 10_000n);
    assert.deepEqual(gasLimit.toJSON(), { refTime: 123, proofSize: 456 });
    assert.equal(storageDepositLimit.unwrap().toBigInt(), 1_000n);

    answer = () => execResult({ revert: true, data: escrow.codec.encode(open.returnType, { ok: { err: { notConsumer: null } } }) });
    await assert.rejects(escrow.tx.open({ caller: BOB, value: 1n }, terms, signature),
      (e) => e instanceof ContractCallError && e.kind === 'revert' && 'notConsumer' in e.details.err);
    await assert.rejects(escrow.tx.open({ value: 1n }, terms, signature), /give gasLimit, or caller/);
    await assert.rejects(escrow.tx.finalize({ caller: BOB, value: 1n }, channel), /finalize is not payable/);
    await assert.rejects(escrow.tx.open({ caller: BOB }, { ...terms, consumer: 'nope' }, signature), /consumer: expected an SS58 address/);
  });

  test('decodeEvents: typed events of this contract only', () => {
    const escrow = new TradeEscrowContract(api, ESCROW);
    const pallet = api.registry.metadata.pallets.find((p) => p.name.eq('Contracts'));
    const emitted = api.registry.lookup.getSiType(pallet.events.unwrap().type).def.asVariant.variants.find((v) => v.name.eq('ContractEmitted')).index.toNumber();
    const record = (address, spec, args) => {
      const data = u8aConcat(...spec.args.map((a, k) => escrow.codec.encode(a.type, args[k])));
      return u8aConcat(new Uint8Array([0, 1, 0, 0, 0, pallet.index.toNumber(), emitted]), decodeAddress(address),
        compactToU8a(data.length), data, compactToU8a(1), decodeAddress(spec.signatureTopic));
    };
    const payout = TradeEscrowContract.spec.events.find((e) => e.label === 'PayoutDeferred');
    const mine = record(ESCROW, payout, [ALICE, 5n]);
    const other = record(DID_REGISTRY, payout, [BOB, 6n]);
    const events = api.registry.createType('Vec<EventRecord>', u8aConcat(compactToU8a(2), mine, other));
    assert.deepEqual(escrow.decodeEvents(events), [{ name: 'PayoutDeferred', args: { account: ALICE, amount: 5n } }]);
    assert.deepEqual(escrow.decodeEvents({ events: [...events].reverse() }), [{ name: 'PayoutDeferred', args: { account: ALICE, amount: 5n } }]);
  });

  test('deployer: typed constructors build instantiateWithCode / instantiate', async () => {
    const withRoot = DidRegistryContract.spec.constructors.find((c) => c.label === 'with_root');
    const upload = await DidRegistryContract.deployer(api, { wasm: WASM }).withRoot({ gasLimit: weight(1n, 2n), salt: '0x0102' }, BOB);
    assert.equal(`${upload.method.section}.${upload.method.method}`, 'contracts.instantiateWithCode');
    const [value, , , code, data, salt] = upload.method.args;
    assert.equal(value.toBigInt(), 0n);
    assert.equal(code.toHex(), WASM);
    assert.equal(data.toHex(), `${withRoot.selector}${u8aToHex(decodeAddress(BOB)).slice(2)}`);
    assert.equal(salt.toHex(), '0x0102');

    // from stored code, gas from a ContractsApi_instantiate dry run
    answer = (name) => {
      assert.equal(name, 'ContractsApi_instantiate');
      return api.registry.createType('ContractInstantiateResult', {
        gasConsumed: weight(1n, 1n), gasRequired: weight(900n, 800n), storageDeposit: { Charge: 55n }, debugMessage: '',
        result: { Ok: { result: { flags: 0, data: '0x00' }, accountId: DID_REGISTRY } },
      }).toHex();
    };
    const stored = await DidRegistryContract.deployer(api, { codeHash: `0x${'99'.repeat(32)}` }).new({ caller: ALICE });
    assert.equal(`${stored.method.section}.${stored.method.method}`, 'contracts.instantiate');
    const [, gasLimit, storageDepositLimit, codeHash, ctorData] = stored.method.args;
    assert.deepEqual(gasLimit.toJSON(), { refTime: 900, proofSize: 800 });
    assert.equal(storageDepositLimit.unwrap().toBigInt(), 55n);
    assert.equal(codeHash.toHex(), `0x${'99'.repeat(32)}`);
    assert.equal(ctorData.toHex(), DidRegistryContract.selectors.constructors.new);

    // after inclusion: the new contract's address from contracts.Instantiated { deployer, contract }
    const pallet = api.registry.metadata.pallets.find((p) => p.name.eq('Contracts'));
    const index = api.registry.lookup.getSiType(pallet.events.unwrap().type).def.asVariant.variants.find((v) => v.name.eq('Instantiated')).index.toNumber();
    const events = api.registry.createType('Vec<EventRecord>', u8aConcat(compactToU8a(1),
      new Uint8Array([0, 1, 0, 0, 0, pallet.index.toNumber(), index]), decodeAddress(ALICE), decodeAddress(DID_REGISTRY), compactToU8a(0)));
    assert.equal(instantiatedAddress({ events }), DID_REGISTRY);
    assert.equal(instantiatedAddress([]), undefined);
  });
});
