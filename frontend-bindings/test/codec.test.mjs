// The converter (src/codec.ts) and the naming rules of the generator.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Abi } from '@polkadot/api-contract';
import { assignTypeNames, generateContract, methodName, Registry } from '../scripts/generate.mjs';
import {
  ConversionError, contracts, DidRegistryContract, sampleValue, ScaleCodec, TradeEscrowContract,
} from '../dist/src/index.js';

/** The plain value equals polkadot.js's toJSON(), except that wide integers are bigint. */
function assertJsonEquivalent(plain, json, at = 'value') {
  if (typeof plain === 'bigint') {
    assert.ok(typeof json === 'number' || typeof json === 'string', `${at}: toJSON gave ${typeof json}`);
    assert.equal(BigInt(json), plain, at);
  } else if (Array.isArray(plain)) {
    assert.ok(Array.isArray(json), at);
    assert.equal(json.length, plain.length, at);
    plain.forEach((p, i) => assertJsonEquivalent(p, json[i], `${at}[${i}]`));
  } else if (plain !== null && typeof plain === 'object') {
    assert.deepEqual(Object.keys(json), Object.keys(plain), at);
    for (const k of Object.keys(plain)) assertJsonEquivalent(plain[k], json[k], `${at}.${k}`);
  } else {
    assert.equal(json, plain, at);
  }
}

for (const [name, Contract] of Object.entries(contracts)) {
  test(`${name}: every named type round-trips and renders like Codec.toJSON()`, () => {
    const json = JSON.parse(readFileSync(new URL(`../metadata/${name}.json`, import.meta.url), 'utf8'));
    const codec = new ScaleCodec(json.types, new Abi(json).registry);
    for (const [typeName, id] of Object.entries(Contract.spec.types)) {
      for (const flavour of ['first', 'last']) {
        const sample = sampleValue(codec.types, id, { flavour });
        const polkadot = codec.toCodec(id, sample);
        assert.deepEqual(codec.toPlain(id, polkadot), sample, `${typeName} (${flavour})`);
        assertJsonEquivalent(sample, polkadot.toJSON(), typeName);
        assert.deepEqual(Contract.decode(typeName, Contract.encode(typeName, sample)), sample);
      }
    }
  });
}

describe('type conventions (did_registry / trade_escrow)', () => {
  const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
  const aliceHex = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';

  test('enums: unit-only → string, others → { camelCaseVariant: payload }', () => {
    assert.deepEqual(DidRegistryContract.decode('Role', DidRegistryContract.encode('Role', 'Regulator')), 'Regulator');
    for (const scope of [{ whole: null }, { fields: ['services', 'controllers'] }]) {
      assert.deepEqual(DidRegistryContract.decode('Scope', DidRegistryContract.encode('Scope', scope)), scope);
    }
    const error = { tooMany: { what: 'Keys', max: 8 } };
    assert.deepEqual(DidRegistryContract.decode('Error', DidRegistryContract.encode('Error', error)), error);
    // SCALE: variant index byte, then the payload
    assert.deepEqual([...DidRegistryContract.encode('Scope', { whole: null })], [0]);
  });

  test('integers: u8–u32 → number, u64/u128 → bigint without precision loss', () => {
    const grant = { expiresAt: 2n ** 64n - 1n, evidence: `0x${'ab'.repeat(32)}`, grantedBy: alice, grantedAt: 0n };
    const bytes = DidRegistryContract.encode('RoleGrant', grant);
    assert.equal(bytes.length, 8 + 32 + 32 + 8);
    assert.deepEqual(DidRegistryContract.decode('RoleGrant', bytes), grant);
  });

  test('AccountId: SS58 out (format 42 offline), SS58 or hex in', () => {
    const grant = { expiresAt: 1n, evidence: `0x${'00'.repeat(32)}`, grantedBy: aliceHex, grantedAt: 2n };
    assert.equal(DidRegistryContract.decode('RoleGrant', DidRegistryContract.encode('RoleGrant', grant)).grantedBy, alice);
  });

  test('bytes: Vec<u8> and [u8; N] → lowercase 0x hex; Option → null; Result → { ok } | { err }', () => {
    const json = JSON.parse(readFileSync(new URL('../metadata/did_registry.json', import.meta.url), 'utf8'));
    const codec = new ScaleCodec(json.types, new Abi(json).registry);
    const resolve = DidRegistryContract.spec.messages.find((m) => m.label === 'resolve');
    assert.deepEqual(codec.decode(resolve.returnType, new Uint8Array([0, 0])), { ok: null }); // Ok(None)
    const create = DidRegistryContract.spec.messages.find((m) => m.label === 'create_did');
    const okDid = `0x${'7f'.repeat(32)}`;
    assert.deepEqual(codec.decode(create.returnType, codec.encode(create.returnType, { ok: { ok: okDid } })), { ok: { ok: okDid } });
    assert.deepEqual(codec.decode(create.returnType, new Uint8Array([1, 1])), { err: 'CouldNotReadInput' }); // LangError
    const method = { id: 'key-1', keyType: 'Sr25519', publicKey: '0xABCD', purposes: { authentication: true, assertionMethod: false, capabilityInvocation: false, keyAgreement: false } };
    assert.equal(DidRegistryContract.decode('VerificationMethod', DidRegistryContract.encode('VerificationMethod', method)).publicKey, '0xabcd');
    // a Uint8Array is accepted for bytes (and is not read as length-prefixed)
    const fromU8a = { ...method, publicKey: new Uint8Array([0xab, 0xcd]) };
    assert.equal(DidRegistryContract.decode('VerificationMethod', DidRegistryContract.encode('VerificationMethod', fromU8a)).publicKey, '0xabcd');
  });

  test('invalid plain values are refused with the path of the culprit', () => {
    const terms = sampleValue(new ScaleCodec(TradeEscrowContract.metadata.types, TradeEscrowContract.abi.registry).types, TradeEscrowContract.spec.types.TradeTerms);
    assert.throws(() => TradeEscrowContract.encode('TradeTerms', { ...terms, pricePerMinute: 1.5 }), (e) => e instanceof ConversionError && /pricePerMinute/.test(e.message));
    assert.throws(() => TradeEscrowContract.encode('TradeTerms', { ...terms, offerNonce: '0x00' }), /offerNonce: expected 32 bytes of hex/);
    assert.throws(() => TradeEscrowContract.encode('TradeTerms', { ...terms, encryption: 'Rot13' }), /encryption: expected 'Plain' \| 'CpAbe'/);
    const { spec, ...missing } = terms;
    assert.ok(spec !== undefined);
    assert.throws(() => TradeEscrowContract.encode('TradeTerms', missing), /missing field spec/);
    assert.throws(() => TradeEscrowContract.encode('TradeTerms', { ...terms, extra: 1 }), /unknown field\(s\) extra/);
    assert.throws(() => TradeEscrowContract.encode('TradeTerms', { ...terms, provider: 'not an address' }), /provider: expected an SS58 address/);
    assert.throws(() => DidRegistryContract.encode('Scope', { Whole: null }), /expected \{ whole \} \| \{ fields \}/);
  });
});

describe('generator naming', () => {
  const registry = new Registry([
    { id: 0, type: { def: { primitive: 'u32' } } },
    { id: 1, type: { path: ['a', 'x', 'Error'], def: { variant: { variants: [{ name: 'One', index: 0 }] } } } },
    { id: 2, type: { path: ['b', 'x', 'Error'], def: { variant: { variants: [{ name: 'Two', index: 0 }] } } } },
    { id: 3, type: { path: ['c', 'Error'], def: { composite: { fields: [{ name: 'code', type: 0 }] } } } },
    { id: 4, type: { path: ['m', 'View'], params: [{ name: 'T', type: 3 }], def: { composite: { fields: [{ name: 'r', type: 3 }] } } } },
    { id: 5, type: { path: ['m', 'View'], params: [{ name: 'T', type: 0 }], def: { composite: { fields: [{ name: 'r', type: 0 }] } } } },
    { id: 6, type: { path: ['z', 'Spec'], def: { composite: { fields: [{ name: 'a', type: 0 }] } } } },
  ]);

  test('same last segment, different paths: qualified deterministically; generics get their parameters', () => {
    const names = assignTypeNames(registry, [1, 2, 3, 4, 5, 6], new Set(['Spec']));
    assert.deepEqual(Object.fromEntries(names), {
      1: 'A_X_Error', 2: 'B_X_Error', 3: 'C_Error', 4: 'View_C_Error', 5: 'View_u32', 6: 'Spec_2',
    });
    // independent of the order the ids come in
    assert.deepEqual(assignTypeNames(registry, [6, 5, 4, 3, 2, 1], new Set(['Spec'])), names);
  });

  test('message labels → method names', () => {
    assert.equal(methodName('create_did'), 'createDid');
    assert.equal(methodName('DidRegistry::is_authority'), 'DidRegistry_isAuthority');
    assert.equal(methodName('CredentialRegistry::verify'), 'CredentialRegistry_verify');
  });

  test('a generated module is deterministic', () => {
    const json = JSON.parse(readFileSync(new URL('../metadata/mask_registry.json', import.meta.url), 'utf8'));
    assert.equal(generateContract('mask_registry', json), generateContract('mask_registry', json));
  });
});
