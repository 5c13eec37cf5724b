#!/usr/bin/env node
// What a Polkadot Contracts UI user sees of the contracts: the metadata, decoded with the Abi
// that Contracts UI uses (@polkadot/api-contract). Lists every place where that view falls short:
//
//   - a constructor, message, event, event field or error variant without docs;
//   - a constructor or message argument, or a message return, that is an anonymous tuple or a
//     positional array (a byte array such as `[u8; 32]` is a value, not a position list);
//   - two distinct types that show under one name (within a bundle or across the suite).
//
//   node scripts/audit-metadata.mjs [BUNDLES_DIR]
//
// Reads `<name>.contract` (else `<name>.json`) of each contract in BUNDLES_DIR (default: the
// build's bundles folder, as scripts/generate.mjs finds it); prints one line per problem and
// exits 1 when there is any. test/contracts-ui.test.mjs runs the same audit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Abi } from '@polkadot/api-contract';
import { defaultBundlesDir } from './generate.mjs';

export const CONTRACTS = ['did_registry', 'incentive_auction', 'mask_registry', 'role_index', 'trade_escrow', 'vc_templates'];

/** The metadata of `name` in `dir`: the `.contract` bundle when present, else the `.json`. */
export function loadBundle(dir, name) {
  for (const ext of ['contract', 'json']) {
    const path = join(dir, `${name}.${ext}`);
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8'));
  }
  throw new Error(`no ${name}.contract or ${name}.json in ${dir}`);
}

const hasDocs = (docs) => Array.isArray(docs) && docs.join('').trim().length > 0;
const WRAPPERS = new Set(['Option', 'Result']);

/**
 * The audit of one contract's metadata: `{ problems, names }`, where `problems` are sentences
 * naming the item, and `names` maps each type name a user sees to the type's shape (for the
 * suite-wide check of `distinctNames`).
 */
export function auditContract(json) {
  const abi = new Abi(json); // the decoder Contracts UI uses: it must accept the metadata
  const contract = abi.info.contract.name.toString();
  const types = new Map(json.types.map((t) => [t.id, t.type]));
  const problems = [];
  const nameOf = (id) => abi.registry.lookup.getTypeDef(id).lookupName || (types.get(id).path ?? []).join('::');

  // Every type a user meets in a signature or an event, with how it is reached.
  const reachable = new Map();
  const reach = (id, via) => {
    if (reachable.has(id)) return;
    reachable.set(id, via);
    const t = types.get(id);
    const def = t.def;
    const children = [
      ...(def.composite?.fields ?? []).map((f) => f.type),
      ...(def.variant?.variants ?? []).flatMap((v) => (v.fields ?? []).map((f) => f.type)),
      ...(def.tuple ?? []),
      ...(def.sequence ? [def.sequence.type] : []),
      ...(def.array ? [def.array.type] : []),
      ...(def.compact ? [def.compact.type] : []),
    ];
    for (const child of children) reach(child, via);
  };

  // Tuples and positional arrays, looking through Option, Result and Vec.
  const positional = (id, seen = new Set()) => {
    if (seen.has(id)) return null;
    seen.add(id);
    const t = types.get(id);
    if (t.def.tuple?.length) return 'an anonymous tuple';
    if (t.def.array) {
      const element = types.get(t.def.array.type);
      return element.def.primitive === 'u8' ? null : `a positional array ${describe(types, id)}`;
    }
    if (t.def.sequence) return positional(t.def.sequence.type, seen);
    if (t.path && WRAPPERS.has(t.path[0])) {
      for (const p of t.params ?? []) {
        const found = p.type == null ? null : positional(p.type, seen);
        if (found) return found;
      }
    }
    return null;
  };

  for (const c of json.spec.constructors) {
    if (!hasDocs(c.docs)) problems.push(`${contract}: constructor ${c.label} has no docs`);
    for (const a of c.args) {
      reach(a.type.type, `constructor ${c.label}`);
      const p = positional(a.type.type);
      if (p) problems.push(`${contract}: constructor ${c.label} argument ${a.label} is ${p}`);
    }
  }
  for (const m of json.spec.messages) {
    if (!hasDocs(m.docs)) problems.push(`${contract}: message ${m.label} has no docs`);
    for (const a of m.args) {
      reach(a.type.type, `message ${m.label}`);
      const p = positional(a.type.type);
      if (p) problems.push(`${contract}: message ${m.label} argument ${a.label} is ${p}`);
    }
    reach(m.returnType.type, `message ${m.label}`);
    const p = positional(m.returnType.type);
    if (p) problems.push(`${contract}: message ${m.label} returns ${p}`);
  }
  for (const e of json.spec.events) {
    if (!hasDocs(e.docs)) problems.push(`${contract}: event ${e.label} has no docs`);
    for (const a of e.args) {
      reach(a.type.type, `event ${e.label}`);
      if (!hasDocs(a.docs)) problems.push(`${contract}: event ${e.label} field ${a.label} has no docs`);
    }
  }
  reach(json.spec.lang_error.type, 'every message (LangError)');

  // Every variant of every enum a user meets (errors, refusals, roles, phases, …), and the
  // named fields of those variants: Option and Result are the language's own.
  const names = new Map();
  for (const [id, via] of reachable) {
    const t = types.get(id);
    const name = nameOf(id);
    if (name && !(t.path && WRAPPERS.has(t.path[0]))) {
      // The shape of a named type: its definition, with the types it refers to by their names.
      const ref = (tid) => describe(types, tid);
      const shape = JSON.stringify({
        path: t.path,
        params: (t.params ?? []).map((p) => (p.type == null ? null : ref(p.type))),
        fields: (t.def.composite?.fields ?? []).map((f) => [f.name, ref(f.type)]),
        variants: (t.def.variant?.variants ?? []).map((v) => [v.name, v.index, (v.fields ?? []).map((f) => [f.name, ref(f.type)])]),
      });
      if (!names.has(name)) names.set(name, new Set());
      names.get(name).add(shape);
    }
    if (!t.def.variant || (t.path && WRAPPERS.has(t.path[0]))) continue;
    for (const v of t.def.variant.variants ?? []) {
      const label = `${contract}: variant ${name || '?'}::${v.name} (in ${via})`;
      if (!hasDocs(v.docs)) problems.push(`${label} has no docs`);
      for (const f of v.fields ?? []) {
        if (f.name && !hasDocs(f.docs)) problems.push(`${label} field ${f.name} has no docs`);
      }
    }
  }
  for (const [name, shapes] of names) {
    if (shapes.size > 1) problems.push(`${contract}: ${shapes.size} distinct types are named ${name}`);
  }
  return { problems, names };
}

/** A type as a user reads it, independent of the bundle's type ids: `Vec<(u64, AccountId)>`. */
function describe(types, id) {
  const t = types.get(id);
  const d = t.def;
  if (t.path?.length) {
    const params = (t.params ?? []).filter((p) => p.type != null).map((p) => describe(types, p.type));
    return t.path.join('::') + (params.length ? `<${params.join(', ')}>` : '');
  }
  if (d.primitive) return d.primitive;
  if (d.sequence) return `Vec<${describe(types, d.sequence.type)}>`;
  if (d.array) return `[${describe(types, d.array.type)}; ${d.array.len}]`;
  if (d.tuple) return `(${d.tuple.map((e) => describe(types, e)).join(', ')})`;
  if (d.compact) return `Compact<${describe(types, d.compact.type)}>`;
  return JSON.stringify(d);
}

/** Names that stand for different types in different contracts of the suite. */
export function distinctNames(audits) {
  const all = new Map();
  for (const [contract, { names }] of audits) {
    for (const [name, shapes] of names) {
      for (const shape of shapes) {
        if (!all.has(name)) all.set(name, new Map());
        const byShape = all.get(name);
        if (!byShape.has(shape)) byShape.set(shape, []);
        byShape.get(shape).push(contract);
      }
    }
  }
  const problems = [];
  for (const [name, byShape] of all) {
    if (byShape.size > 1) {
      const where = [...byShape.values()].map((cs) => cs.join('+')).join(' vs ');
      problems.push(`suite: ${name} names ${byShape.size} distinct types (${where})`);
    }
  }
  return problems;
}

/** Every problem of the suite's bundles in `dir`. */
export function auditSuite(dir) {
  const audits = CONTRACTS.map((name) => [name, auditContract(loadBundle(dir, name))]);
  return [...audits.flatMap(([, a]) => a.problems), ...distinctNames(audits)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? defaultBundlesDir();
  const problems = auditSuite(dir);
  for (const p of problems) console.log(p);
  console.log(problems.length ? `${problems.length} problems in ${dir}` : `no problems in ${dir}`);
  process.exit(problems.length ? 1 : 0);
}
