// For every event of every contract: sample event data is encoded with the contract's registry and
// wrapped in a `Contracts.ContractEmitted` event record exactly as a pallet-contracts chain stores
// it in `System.Events` for ink! 5 (topics: the event's signature topic first, then one per
// indexed field). The record bytes are decoded with a chain registry (the static metadata of
// substrate-contracts-node), then `Abi.decodeEvent` and the generated `decodeEvent` must give the
// event's name and the sample args.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Abi } from '@polkadot/api-contract';
import { Metadata, TypeRegistry } from '@polkadot/types';
import contractsNodeMetadata from '@polkadot/types-support/metadata/static-substrate-contracts-node';
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import { contracts, sampleValue, ScaleCodec, variantKey } from '../dist/src/index.js';


// the chain side: a registry with the runtime metadata of a pallet-contracts node
const chain = new TypeRegistry();
const chainMetadata = new Metadata(chain, contractsNodeMetadata);
chain.setMetadata(chainMetadata);
const contractsPallet = chainMetadata.asLatest.pallets.find((p) => p.name.eq('Contracts'));
const emittedIndex = chain.lookup
  .getSiType(contractsPallet.events.unwrap().type)
  .def.asVariant.variants.find((v) => v.name.eq('ContractEmitted')).index.toNumber();

const CONTRACT_ADDRESS = '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM';

/** ink! 5's topic of an indexed field: its SCALE bytes padded to 32, or their blake2_256 if longer. */
function fieldTopic(encoded) {
  if (encoded.length > 32) return blake2AsU8a(encoded, 256);
  const topic = new Uint8Array(32);
  topic.set(encoded);
  return topic;
}

/** The bytes of an `EventRecord` { phase: ApplyExtrinsic(1), event: Contracts.ContractEmitted, topics }. */
function contractEmittedRecord(address, data, topics) {
  return u8aConcat(
    new Uint8Array([0x00, 1, 0, 0, 0]), // Phase::ApplyExtrinsic(1u32)
    new Uint8Array([contractsPallet.index.toNumber(), emittedIndex]),
    decodeAddress(address),
    compactToU8a(data.length),
    data,
    compactToU8a(topics.length),
    ...topics,
  );
}

for (const [name, Contract] of Object.entries(contracts)) {
  describe(`${name} events`, () => {
    const json = JSON.parse(readFileSync(new URL(`../metadata/${name}.json`, import.meta.url), 'utf8'));
    const abi = new Abi(json);
    const codec = new ScaleCodec(json.types, abi.registry);
    const maxTopics = json.spec.environment.maxEventTopics;

    json.spec.events.forEach((e, i) => {
      test(`${e.label} ${e.signature_topic?.slice(0, 10) ?? '(anonymous)'}…`, () => {
        // A topicless event of changes: every change, not only the sample's first and last.
        const changes = Contract.spec.events[i].changes;
        const samples = ['first', 'last'].flatMap((flavour) => (changes
          ? changes.map((c) => [{ [variantKey(c.name)]: sampleValue(codec.types, c.type, { flavour }) }])
          : [e.args.map((a) => sampleValue(codec.types, a.type.type, { flavour }))]));
        for (const args of samples) {
          const encoded = e.args.map((a, k) => codec.encode(a.type.type, args[k]));
          const topics = [
            ...(e.signature_topic ? [decodeAddress(e.signature_topic)] : []), // any 32-byte hex
            ...e.args.flatMap((a, k) => (a.indexed ? [fieldTopic(encoded[k])] : [])),
          ];
          assert.ok(topics.length <= maxTopics, 'ink! checks the topic count against maxEventTopics');
          const bytes = contractEmittedRecord(CONTRACT_ADDRESS, u8aConcat(...encoded), topics);
          // as the node stores it: System.Events is a Vec<EventRecord>
          const [record] = chain.createType('Vec<EventRecord>', u8aConcat(compactToU8a(1), bytes));
          assert.equal(record.event.section, 'contracts');
          assert.equal(record.event.method, 'ContractEmitted');
          if (e.signature_topic) assert.equal(record.topics[0].toHex(), e.signature_topic);
          else assert.equal(record.topics.length, 0, 'an anonymous event of ours has no topics');

          // polkadot.js: Abi.decodeEvent finds an ink! 5 event by record.topics[0]
          const decoded = abi.decodeEvent(record);
          assert.equal(decoded.event.index, i);
          assert.equal(decoded.event.identifier, `${e.module_path}::${e.label}`);
          assert.deepEqual(decoded.args.map((c, k) => codec.toPlain(e.args[k].type.type, c)), args);

          // the bindings: typed { name, args } with camelCase arg names
          const typed = Contract.decodeEvent(record);
          const spec = Contract.spec.events[i];
          if (spec.changes) {
            // a topicless event of changes: the bindings hand out the change itself
            const [[key, payload]] = Object.entries(args[0]);
            const change = spec.changes.find((c) => variantKey(c.name) === key);
            assert.ok(change, `${key} is one of ${e.label}'s changes`);
            assert.deepEqual(typed, { name: change.name, args: payload });
            assert.equal(Contract.eventTopics[e.label], undefined);
          } else {
            assert.deepEqual(typed, { name: e.label, args: Object.fromEntries(spec.args.map((a, k) => [a.name, args[k]])) });
            assert.equal(u8aToHex(topics[0]), Contract.eventTopics[e.label]);
          }
        }
      });
    });

    test('records that are not contract events decode to null', () => {
      const transfer = chain.createType('Vec<EventRecord>', u8aConcat(compactToU8a(1), new Uint8Array([0x02]), // Phase::Initialization
        new Uint8Array([0, 0]), // System.ExtrinsicSuccess (pallet 0, event 0)
        new Uint8Array(chain.createType('FrameSupportDispatchDispatchInfo').toU8a()),
        compactToU8a(0)));
      assert.equal(transfer[0].event.section, 'system');
      assert.equal(Contract.decodeEvent(transfer[0]), null);
    });
  });
}
