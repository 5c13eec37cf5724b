// The metadata parses with the decoder the Polkadot Contracts UI uses (Abi from
// @polkadot/api-contract), the generated spec tables agree with it, and the field / variant naming
// of the bindings is the one polkadot.js uses.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Abi } from '@polkadot/api-contract';
import { contracts, fieldKey, ScaleTypes } from '../dist/src/index.js';

const CONTRACTS = ['did_registry', 'incentive_auction', 'mask_registry', 'role_index', 'trade_escrow', 'vc_templates'];
const metadataDir = new URL('../metadata/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(`${name}.json`, metadataDir), 'utf8'));

test('metadata/ and the bindings hold the five contracts', () => {
  const files = readdirSync(metadataDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  assert.deepEqual(files, CONTRACTS);
  assert.deepEqual(Object.keys(contracts).sort(), CONTRACTS);
});

for (const name of CONTRACTS) {
  describe(name, () => {
    const json = load(name);
    const Contract = contracts[name];

    test('Abi (@polkadot/api-contract) parses the ink! v5 metadata', () => {
      const abi = new Abi(json);
      assert.equal(String(json.version), '5');
      assert.equal(abi.metadata.version.toString(), '5');
      assert.equal(abi.info.contract.name.toString(), name);
      assert.equal(abi.constructors.length, json.spec.constructors.length);
      assert.equal(abi.messages.length, json.spec.messages.length);
      assert.equal(abi.events.length, json.spec.events.length);
      assert.ok(abi.messages.length > 0 && abi.constructors.length > 0);
      json.spec.messages.forEach((m, i) => {
        assert.equal(abi.messages[i].identifier, m.label);
        assert.equal(abi.messages[i].selector.toHex(), m.selector);
        assert.equal(abi.messages[i].isMutating, m.mutates);
        assert.equal(abi.messages[i].isPayable, m.payable);
      });
      json.spec.events.forEach((e, i) => assert.equal(abi.events[i].signatureTopic, e.signature_topic));
    });

    test('the generated spec and selector tables match the metadata', () => {
      const { spec, selectors, eventTopics } = Contract;
      assert.equal(Contract.contractName, name);
      assert.deepEqual(spec.messages.map((m) => [m.label, m.selector, m.mutates, m.payable, m.args.map((a) => a.type), m.returnType]),
        json.spec.messages.map((m) => [m.label, m.selector, m.mutates, m.payable, m.args.map((a) => a.type.type), m.returnType.type]));
      assert.deepEqual(spec.constructors.map((c) => [c.label, c.selector, c.args.map((a) => a.type)]),
        json.spec.constructors.map((c) => [c.label, c.selector, c.args.map((a) => a.type.type)]));
      assert.deepEqual(spec.events.map((e) => [e.label, e.signatureTopic, e.args.map((a) => [a.type, a.indexed])]),
        json.spec.events.map((e) => [e.label, e.signature_topic, e.args.map((a) => [a.type.type, a.indexed])]));
      assert.deepEqual(selectors.messages, Object.fromEntries(json.spec.messages.map((m) => [m.label, m.selector])));
      assert.deepEqual(selectors.constructors, Object.fromEntries(json.spec.constructors.map((c) => [c.label, c.selector])));
      assert.deepEqual(eventTopics, Object.fromEntries(json.spec.events.filter((e) => e.signature_topic).map((e) => [e.label, e.signature_topic])));
      // method names: camelCase of the label as polkadot.js makes it; `Trait::msg` → `Trait_msg`
      const abi = Contract.abi;
      for (const m of spec.messages) {
        const polkadot = abi.messages[m.index].method; // e.g. didRegistry::isAuthority
        const [trait, message] = m.label.includes('::') ? m.label.split('::') : [null, m.label];
        assert.equal(m.method, trait ? `${trait}_${polkadot.split('::')[1]}` : polkadot, m.label);
        assert.ok(/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(m.method));
        assert.ok(message);
      }
      assert.equal(new Set(spec.messages.map((m) => m.method)).size, spec.messages.length);
    });

    test('struct keys, enum keys and named types follow polkadot.js', () => {
      const abi = new Abi(json);
      const types = new ScaleTypes(json.types);
      for (const { id, type } of json.types) {
        const shape = types.shape(id);
        const typeDef = abi.registry.lookup.getTypeDef(id);
        if (shape.kind === 'struct') {
          assert.deepEqual(typeDef.sub.map((s) => s.name), shape.fields.map((f) => f.codecKey), `fields of ${types.describe(id)}`);
          assert.deepEqual(shape.fields.map((f) => f.key), type.def.composite.fields.map((f) => fieldKey(f.name)));
        }
        if (shape.kind === 'enum') {
          // polkadot.js fills the gaps of sparse variant indexes with `__UnusedN` (LangError's one
          // variant has index 1); the converter goes by the variant index, so the gaps are harmless
          const subs = (typeDef.sub ?? []).filter((s) => !/^__Unused\d+$/.test(s.name));
          assert.deepEqual(subs.map((s) => [s.name, s.index]), shape.variants.map((v) => [v.name, v.index]), `variants of ${types.describe(id)}`);
        }
      }
      const named = Object.values(Contract.spec.types);
      assert.equal(new Set(named).size, named.length, 'one name per type id');
      assert.ok(Object.keys(Contract.spec.types).length > 0);
    });
  });
}
