// What a Polkadot Contracts UI user sees: every bundle the build made loads with `Abi` (as
// Contracts UI loads it), and has docs on every constructor, message, event, event field and
// error variant, named structs instead of anonymous tuples and positional arrays in signatures,
// and one name per distinct type across the suite (scripts/audit-metadata.mjs).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { auditContract, auditSuite, CONTRACTS, distinctNames, loadBundle } from '../scripts/audit-metadata.mjs';
import { defaultBundlesDir } from '../scripts/generate.mjs';

const metadataDir = fileURLToPath(new URL('../metadata/', import.meta.url));
// The bundles the test command just built (scripts/build-contracts.sh), else the committed copy
// of their metadata (which generated.test.mjs holds equal to the bundles when they exist).
const bundles = CONTRACTS.every((c) => existsSync(`${defaultBundlesDir()}/${c}.contract`)) ? defaultBundlesDir() : metadataDir;

test(`every bundle reads well in Contracts UI (${bundles})`, () => {
  const problems = auditSuite(bundles);
  assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.join('\n')}`);
});

test('build_info names the pinned toolchain, not a channel', () => {
  for (const name of CONTRACTS) {
    const info = loadBundle(bundles, name).source.build_info;
    if (!info) continue; // the committed metadata/ copy carries it too, but a .json may not
    assert.match(info.rust_toolchain, /^1\.86\.0-/, `${name}: ${info.rust_toolchain}`);
  }
});

// The audit itself: each kind of flaw in an otherwise clean bundle is reported.
describe('the audit finds what a user would miss', () => {
  const clean = () => structuredClone(loadBundle(metadataDir, 'trade_escrow'));
  const problemsOf = (json) => auditContract(json).problems;
  const freshId = (json) => Math.max(...json.types.map((t) => t.id)) + 1;
  const typeOf = (json, id) => json.types.find((t) => t.id === id).type;

  test('the clean bundle has no problems', () => {
    assert.deepEqual(problemsOf(clean()), []);
  });

  test('a message, constructor, event or event field without docs', () => {
    const json = clean();
    json.spec.messages[0].docs = [];
    json.spec.constructors[0].docs = [' '];
    json.spec.events[0].docs = [];
    json.spec.events[0].args[0].docs = [];
    const problems = problemsOf(json);
    assert.ok(problems.some((p) => p.includes(`message ${json.spec.messages[0].label} has no docs`)), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes(`constructor ${json.spec.constructors[0].label} has no docs`)));
    assert.ok(problems.some((p) => p.includes(`event ${json.spec.events[0].label} has no docs`)));
    assert.ok(problems.some((p) => p.includes(`event ${json.spec.events[0].label} field ${json.spec.events[0].args[0].label} has no docs`)));
  });

  test('an error variant (or its field) without docs', () => {
    const json = clean();
    const error = json.types.find((t) => t.type.path?.join('::') === 'trade_escrow::trade_escrow::Error').type;
    const variant = error.def.variant.variants.find((v) => v.fields?.some((f) => f.name));
    variant.docs = [];
    variant.fields.find((f) => f.name).docs = [];
    const problems = problemsOf(json);
    assert.ok(problems.some((p) => p.includes(`::${variant.name} (in `) && p.endsWith('has no docs')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes(`::${variant.name} (in `) && p.includes(' field ')));
  });

  test('an anonymous tuple or positional array in a signature, also inside Option or Vec', () => {
    const json = clean();
    const id = freshId(json);
    const u64 = json.types.find((t) => t.type.def.primitive === 'u64').id;
    const u32 = json.types.find((t) => t.type.def.primitive === 'u32').id;
    json.types.push({ id, type: { def: { tuple: [u64, u64] } } });
    json.types.push({ id: id + 1, type: { def: { sequence: { type: id } } } });
    json.types.push({ id: id + 2, type: { def: { array: { len: 4, type: u32 } } } });
    const [a, b] = json.spec.messages.filter((m) => m.args.length);
    a.args[0].type = { type: id + 1, displayName: ['Vec'] };
    b.args[0].type = { type: id + 2, displayName: [] };
    json.spec.messages.find((m) => !m.mutates).returnType = { type: id, displayName: [] };
    const problems = problemsOf(json);
    assert.ok(problems.some((p) => p.includes(`message ${a.label} argument ${a.args[0].label} is an anonymous tuple`)), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes(`message ${b.label} argument ${b.args[0].label} is a positional array [u32; 4]`)));
    assert.ok(problems.some((p) => p.endsWith('returns an anonymous tuple')));
    // A byte array is a value, not a list of positions.
    const bytes = clean();
    assert.ok(bytes.spec.messages.some((m) => m.args.some((x) => typeOf(bytes, x.type.type).def.array)));
    assert.deepEqual(problemsOf(bytes), []);
  });

  test('two distinct types under one name, in one bundle or across the suite', () => {
    const one = clean();
    const error = one.types.find((t) => t.type.path?.join('::') === 'trade_escrow::trade_escrow::Error');
    const twin = structuredClone(error.type);
    twin.def.variant.variants.pop();
    one.types.push({ id: freshId(one), type: twin });
    const message = one.spec.messages.find((m) => m.args.length);
    message.args[0].type = { type: freshId(one) - 1, displayName: ['Error'] };
    assert.ok(problemsOf(one).some((p) => p.includes('2 distinct types are named TradeEscrowError')), problemsOf(one).join('\n'));

    const a = auditContract(clean());
    const b = auditContract(clean());
    assert.deepEqual(distinctNames([['x', a], ['y', b]]), [], 'one type in two contracts is fine');
    const shapes = [...b.names.get('TradeEscrowError')];
    b.names.set('TradeEscrowError', new Set([`${shapes[0]} changed`]));
    assert.deepEqual(distinctNames([['x', a], ['y', b]]), ['suite: TradeEscrowError names 2 distinct types (x vs y)']);
  });
});
