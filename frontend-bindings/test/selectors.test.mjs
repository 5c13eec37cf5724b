// For every message and constructor of every contract: sample arguments built from the type
// registry are encoded with Abi (polkadot.js); the first 4 bytes are the selector in the metadata
// and blake2_256(label)[0..4], the way ink! 5 derives it on the Rust side (inherent message: its
// name; trait message: `Trait::message`; constructor: its name). Then the arguments are decoded
// back with the registry and compared with the sample through the converter.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Abi } from '@polkadot/api-contract';
import { compactFromU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { contracts, sampleValue, ScaleCodec } from '../dist/src/index.js';

const FLAVOURS = ['first', 'last'];

function check(abi, codec, item, abiItem, decode) {
  const derived = u8aToHex(blake2AsU8a(item.label, 256).subarray(0, 4));
  assert.equal(item.selector, derived, `ink! derives ${item.label}'s selector as blake2_256(label)[0..4]`);
  assert.equal(abiItem.selector.toHex(), item.selector);
  for (const flavour of FLAVOURS) {
    const sample = item.args.map((a) => sampleValue(codec.types, a.type.type, { flavour }));
    const params = item.args.map((a, k) => codec.fromPlain(a.type.type, sample[k], a.label));
    const encoded = abiItem.toU8a(params);
    const [offset, length] = compactFromU8a(encoded); // toU8a prefixes the call data with its length
    const data = encoded.subarray(offset);
    assert.equal(data.length, length.toNumber());
    assert.equal(u8aToHex(data.subarray(0, 4)), item.selector, `${item.label} (${flavour}): selector bytes`);
    assert.equal(u8aToHex(data.subarray(0, 4)), derived);
    // the argument bytes are the SCALE encodings of the arguments, in order
    assert.equal(u8aToHex(data.subarray(4)), u8aToHex(u8aConcat(...item.args.map((a, k) => codec.encode(a.type.type, sample[k])))));
    // round trip: decode with the registry, convert back to plain values
    const decoded = decode(encoded);
    assert.equal(decoded.message.identifier, item.label);
    const back = decoded.args.map((c, k) => codec.toPlain(item.args[k].type.type, c));
    assert.deepEqual(back, sample, `${item.label} (${flavour}): round trip`);
  }
}

for (const [name, Contract] of Object.entries(contracts)) {
  describe(`${name} selectors and argument encoding`, () => {
    const json = JSON.parse(readFileSync(new URL(`../metadata/${name}.json`, import.meta.url), 'utf8'));
    const abi = new Abi(json);
    const codec = new ScaleCodec(json.types, abi.registry);
    json.spec.constructors.forEach((c, i) => {
      test(`constructor ${c.label} ${c.selector}`, () => check(abi, codec, c, abi.constructors[i], (u8a) => abi.decodeConstructor(u8a)));
    });
    json.spec.messages.forEach((m, i) => {
      test(`message ${m.label} ${m.selector}`, () => {
        check(abi, codec, m, abi.messages[i], (u8a) => abi.decodeMessage(u8a));
        assert.equal(Contract.selectors.messages[m.label], m.selector);
      });
    });
  });
}
