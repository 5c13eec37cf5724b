#!/usr/bin/env node
// Generates the TypeScript bindings of the ComputeGrid contracts from their ink! metadata.
//
//   node scripts/generate.mjs [--check] [--offline] [BUNDLES_DIR]
//
// Reads every `<name>.json` (ink! metadata v5) in BUNDLES_DIR (default: $CGRID_BUNDLES, else
// ~/.cache/computegrid/target/bundles, where scripts/build-contracts.sh puts them), copies it to
// metadata/<name>.json and writes src/generated/<name>.ts and src/generated/index.ts. Files of
// contracts that are gone are removed. Output is deterministic.
//
//   --check    regenerate into a temporary folder and fail (exit 1) when metadata/ or
//              src/generated/ differ from it: the generated files were edited by hand or are stale.
//   --offline  take the metadata from metadata/ instead of the bundles folder (to regenerate or
//              check after a change of this script, without a contract build).
//
// The type conventions are described in README.md and implemented at run time by src/codec.ts;
// the classification below must stay in step with `ScaleTypes` there (the tests check both).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringCamelCase } from '@polkadot/util';

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATED_DIR = join('src', 'generated');
const METADATA_DIR = 'metadata';
const SUPPORTED_VERSIONS = ['5'];

export function defaultBundlesDir() {
  return process.env.CGRID_BUNDLES || join(homedir(), '.cache', 'computegrid', 'target', 'bundles');
}

// ---------------------------------------------------------------------------------------------
// Loading

/** The ink! metadata files of a folder: [{ name, file, json }] sorted by name. */
export function loadMetadataDir(dir) {
  if (!existsSync(dir)) throw new Error(`no such folder: ${dir}`);
  const out = [];
  // A split contract's cold codes (`<name>.cold.json`, `<name>.cold2.json`, …, cgrid_shared::split)
  // are not contracts of their own: the main code's `<name>.json` lists every message.
  const cold = /\.cold\d*\.json$/;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !cold.test(f)).sort()) {
    const path = join(dir, file);
    let json;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path}: not JSON (${error.message})`);
    }
    if (!json || typeof json !== 'object' || !json.spec || !Array.isArray(json.types)) {
      console.warn(`generate: skipping ${path}: not ink! metadata`);
      continue;
    }
    if (!SUPPORTED_VERSIONS.includes(String(json.version))) {
      throw new Error(`${path}: ink! metadata version ${json.version} is not supported (expected ${SUPPORTED_VERSIONS.join(', ')})`);
    }
    const name = basename(file, '.json');
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`${path}: contract file names must be snake_case`);
    out.push({ name, path, json });
  }
  if (out.length === 0) throw new Error(`no ink! metadata (*.json) in ${dir}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// scale-info classification (mirrors ScaleTypes in src/codec.ts)

const ACCOUNT_ID_PATHS = ['ink_primitives::types::AccountId', 'ink_env::types::AccountId', 'sp_core::crypto::AccountId32'];
const NUMBER_PRIMS = ['u8', 'u16', 'u32', 'i8', 'i16', 'i32'];

/** The plain-object key of a struct field (as polkadot.js's toJSON renders it). */
export function fieldKey(name) {
  return stringCamelCase(name).replace(/#/g, '_');
}

export const variantKey = (name) => stringCamelCase(name);

/**
 * The changes of a topicless event whose one field is an enum of one-payload variants (the
 * escrow's `ChannelUpdated`, the auction's `AuctionUpdated`): [{ name, type }] per variant, the
 * payload's type id; `null` for any other event.
 */
export function changesOf(registry, e) {
  if (e.signature_topic || e.args.length !== 1) return null;
  const shape = registry.shape(e.args[0].type.type);
  if (shape.kind !== 'enum' || shape.basic || !shape.variants.every((v) => v.payload.kind === 'single')) return null;
  return shape.variants.map((v) => ({ name: v.name, type: v.payload.type }));
}

export class Registry {
  constructor(types) {
    this.types = new Map(types.map(({ id, type }) => [id, type]));
    this.shapes = new Map();
  }

  get(id) {
    const type = this.types.get(id);
    if (!type) throw new Error(`type id ${id} is not in the registry`);
    return type;
  }

  path(id) {
    return (this.get(id).path ?? []).join('::');
  }

  isU8(id) {
    return this.get(id).def.primitive === 'u8';
  }

  fieldsShape(fields) {
    if (fields.length === 0) return { kind: 'none' };
    const named = fields.every((f) => f.name != null);
    if (!named && fields.some((f) => f.name != null)) throw new Error('a field list mixes named and unnamed fields');
    if (named) {
      return { kind: 'struct', fields: fields.map((f) => ({ key: fieldKey(f.name), name: f.name, type: f.type, docs: f.docs ?? [] })) };
    }
    if (fields.length === 1) return { kind: 'single', type: fields[0].type };
    return { kind: 'tuple', types: fields.map((f) => f.type) };
  }

  isNull(id) {
    const shape = this.shape(id);
    return shape.kind === 'null' || (shape.kind === 'alias' && this.isNull(shape.type));
  }

  shape(id) {
    if (!this.shapes.has(id)) this.shapes.set(id, this.classify(id));
    return this.shapes.get(id);
  }

  classify(id) {
    const type = this.get(id);
    const path = this.path(id);
    const def = type.def;
    if (ACCOUNT_ID_PATHS.includes(path)) return { kind: 'accountId' };
    if (def.primitive !== undefined) {
      const prim = def.primitive;
      if (prim === 'bool') return { kind: 'bool' };
      if (prim === 'str') return { kind: 'string' };
      if (prim === 'char') return { kind: 'char' };
      return NUMBER_PRIMS.includes(prim) ? { kind: 'number', prim } : { kind: 'bigint', prim };
    }
    if (def.compact) return { kind: 'alias', type: def.compact.type };
    if (def.bitSequence) return { kind: 'bits' };
    if (def.sequence) return this.isU8(def.sequence.type) ? { kind: 'bytes', len: null } : { kind: 'seq', type: def.sequence.type };
    if (def.array) {
      return this.isU8(def.array.type) ? { kind: 'bytes', len: def.array.len } : { kind: 'array', type: def.array.type, len: def.array.len };
    }
    if (def.tuple) {
      if (def.tuple.length === 0) return { kind: 'null' };
      if (def.tuple.length === 1) return { kind: 'alias', type: def.tuple[0] };
      return { kind: 'tuple', types: def.tuple };
    }
    if (def.composite) {
      const payload = this.fieldsShape(def.composite.fields ?? []);
      switch (payload.kind) {
        case 'none': return { kind: 'null' };
        case 'single': return { kind: 'alias', type: payload.type };
        case 'tuple': return { kind: 'tuple', types: payload.types };
        default: return { kind: 'struct', fields: payload.fields };
      }
    }
    if (def.variant) {
      const variants = def.variant.variants ?? [];
      const params = type.params ?? [];
      if (path === 'Option' && params.length === 1) {
        return { kind: 'option', type: variants.find((v) => v.name === 'Some').fields[0].type };
      }
      if (path === 'Result' && params.length === 2) {
        return {
          kind: 'result',
          ok: variants.find((v) => v.name === 'Ok').fields[0].type,
          err: variants.find((v) => v.name === 'Err').fields[0].type,
        };
      }
      const shapes = variants.map((v) => ({
        name: v.name,
        key: variantKey(v.name),
        index: v.index,
        docs: v.docs ?? [],
        payload: this.fieldsShape(v.fields ?? []),
      }));
      const basic = shapes.every((v) => v.payload.kind === 'none' || (v.payload.kind === 'single' && this.isNull(v.payload.type)));
      return { kind: 'enum', basic, variants: shapes };
    }
    throw new Error(`type id ${id}: unsupported scale-info definition ${JSON.stringify(def)}`);
  }

  /** Ids a type refers to directly. */
  children(id) {
    const def = this.get(id).def;
    const fromFields = (fields) => (fields ?? []).map((f) => f.type);
    if (def.composite) return fromFields(def.composite.fields);
    if (def.variant) return (def.variant.variants ?? []).flatMap((v) => fromFields(v.fields));
    if (def.sequence) return [def.sequence.type];
    if (def.array) return [def.array.type];
    if (def.compact) return [def.compact.type];
    if (def.tuple) return [...def.tuple];
    return [];
  }
}

/** Whether a type gets a named declaration in the bindings. */
function isNamed(registry, id) {
  const type = registry.get(id);
  if (!type.path || type.path.length === 0) return false;
  const kind = registry.shape(id).kind;
  return kind !== 'option' && kind !== 'result' && kind !== 'accountId';
}

// ---------------------------------------------------------------------------------------------
// Naming

const TS_KEYWORDS = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield any boolean number string symbol ' +
    'bigint object never unknown undefined type of async await').split(' '),
);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const pascal = (s) => s.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const safeIdent = (s) => {
  const cleaned = s.replace(/[^A-Za-z0-9_$]/g, '_');
  const ident = /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
  return TS_KEYWORDS.has(ident) ? `${ident}_` : ident;
};
const propName = (s) => (IDENT.test(s) ? s : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

/** The method name of a message label: `create_did` → `createDid`, `Trait::is_x` → `Trait_isX`. */
export function methodName(label) {
  const parts = label.split('::');
  const message = stringCamelCase(parts.pop());
  return parts.length ? `${parts.map((p) => p.replace(/[^A-Za-z0-9_$]/g, '_')).join('_')}_${message}` : message;
}

/**
 * Names of the named types: the last path segment; segments of the path are prepended
 * (`DidRegistry_Error`, `Vc_Error`) when different paths end alike; generic instantiations get
 * their parameters appended (`MaskedView_DidDocument`); remaining clashes (also with `reserved`)
 * get `_2`, `_3`… in id order.
 */
export function assignTypeNames(registry, ids, reserved = new Set()) {
  const sorted = [...ids].sort((a, b) => a - b);
  const byLast = new Map();
  for (const id of sorted) {
    const last = registry.get(id).path.at(-1);
    if (!byLast.has(last)) byLast.set(last, new Set());
    byLast.get(last).add(registry.path(id));
  }
  const base = new Map();
  for (const id of sorted) {
    const path = registry.get(id).path;
    const paths = [...byLast.get(path.at(-1))].map((p) => p.split('::'));
    let k = 1;
    const qualified = (segments, n) => [...segments.slice(-n, -1).map(pascal), segments.at(-1)].join('_');
    while (paths.length > 1 && k < Math.max(...paths.map((p) => p.length)) && new Set(paths.map((p) => qualified(p, k))).size < paths.length) k++;
    base.set(id, safeIdent(qualified(path, k)));
  }
  const full = new Map();
  const fullName = (id) => {
    if (!full.has(id)) {
      const params = (registry.get(id).params ?? []).map((p) => (p.type == null ? 'Unknown' : fragment(registry, p.type, fullName)));
      full.set(id, params.length ? `${base.get(id)}_${params.join('_')}` : base.get(id));
    }
    return full.get(id);
  };
  const names = new Map();
  const used = new Set(reserved);
  for (const id of sorted) {
    const wanted = fullName(id);
    let name = wanted;
    for (let n = 2; used.has(name); n++) name = `${wanted}_${n}`;
    used.add(name);
    names.set(id, name);
  }
  return names;
}

/** A type as part of a generic instantiation's name. */
function fragment(registry, id, fullName) {
  if (isNamed(registry, id)) return fullName(id);
  const shape = registry.shape(id);
  switch (shape.kind) {
    case 'null': return 'Unit';
    case 'bool': return 'bool';
    case 'string': return 'String';
    case 'char': return 'char';
    case 'number':
    case 'bigint': return shape.prim;
    case 'accountId': return 'AccountId';
    case 'bytes': return shape.len === null ? 'Bytes' : `U8x${shape.len}`;
    case 'bits': return 'BitVec';
    case 'alias': return `Compact_${fragment(registry, shape.type, fullName)}`;
    case 'seq': return `Vec_${fragment(registry, shape.type, fullName)}`;
    case 'array': return `Array${shape.len}_${fragment(registry, shape.type, fullName)}`;
    case 'tuple': return `Tuple_${shape.types.map((t) => fragment(registry, t, fullName)).join('_')}`;
    case 'option': return `Option_${fragment(registry, shape.type, fullName)}`;
    case 'result': return `Result_${fragment(registry, shape.ok, fullName)}_${fragment(registry, shape.err, fullName)}`;
    default: return `T${id}`;
  }
}

// ---------------------------------------------------------------------------------------------
// TypeScript emission

function docComment(lines, indent = '') {
  const text = lines.map((l) => l.replace(/\*\//g, '*\\/').replace(/\s+$/, ''));
  while (text.length && text[0].trim() === '') text.shift();
  while (text.length && text.at(-1).trim() === '') text.pop();
  if (text.length === 0) return '';
  if (text.length === 1) return `${indent}/** ${text[0].trim()} */\n`;
  return `${indent}/**\n${text.map((l) => `${indent} *${l.startsWith(' ') ? '' : ' '}${l}`.replace(/\s+$/, '')).join('\n')}\n${indent} */\n`;
}

const wrapUnion = (t) => (t.includes(' | ') ? `(${t})` : t);

class Emitter {
  constructor(registry, names) {
    this.registry = registry;
    this.names = names;
    /** Helper types of ../types.js the emitted code refers to. */
    this.used = new Set();
  }

  /** The TypeScript type of a type id (its name when it is named). */
  ts(id) {
    if (this.names.has(id)) return this.names.get(id);
    return this.structural(id);
  }

  structural(id) {
    const shape = this.registry.shape(id);
    switch (shape.kind) {
      case 'null': return 'null';
      case 'bool': return 'boolean';
      case 'string':
      case 'char': return 'string';
      case 'number': return 'number';
      case 'bigint': return 'bigint';
      case 'accountId': return this.use('AccountIdString');
      case 'bytes':
      case 'bits': return this.use('Hex');
      case 'alias': return this.ts(shape.type);
      case 'seq': return `${wrapUnion(this.ts(shape.type))}[]`;
      case 'array': {
        const item = this.ts(shape.type);
        return shape.len <= 8 ? `[${Array(shape.len).fill(item).join(', ')}]` : `${wrapUnion(item)}[]`;
      }
      case 'tuple': return `[${shape.types.map((t) => this.ts(t)).join(', ')}]`;
      case 'struct': return this.inlineStruct(shape.fields);
      case 'option': return `${this.ts(shape.type)} | null`;
      case 'result': return `${this.use('Result')}<${this.ts(shape.ok)}, ${this.ts(shape.err)}>`;
      case 'enum': return this.enumType(shape, '');
      default: throw new Error(`type ${id}: no TypeScript form for ${shape.kind}`);
    }
  }

  use(name) {
    this.used.add(name);
    return name;
  }

  inlineStruct(fields) {
    return `{ ${fields.map((f) => `${propName(f.key)}: ${this.ts(f.type)}`).join('; ')} }`;
  }

  payload(payload) {
    switch (payload.kind) {
      case 'none': return 'null';
      case 'single': return this.ts(payload.type);
      case 'tuple': return `[${payload.types.map((t) => this.ts(t)).join(', ')}]`;
      default: return this.inlineStruct(payload.fields);
    }
  }

  enumType(shape, indent) {
    if (shape.variants.length === 0) return 'never';
    if (shape.basic) return shape.variants.map((v) => `'${v.name}'`).join(' | ');
    return shape.variants
      .map((v) => `\n${docComment(v.docs, `${indent}  `)}${indent}  | { ${propName(v.key)}: ${this.payload(v.payload)} }`)
      .join('');
  }

  /** `export interface X {…}` / `export type X = …;` of a named type. */
  declaration(id) {
    const type = this.registry.get(id);
    const name = this.names.get(id);
    const shape = this.registry.shape(id);
    const rust = `Rust: \`${type.path.join('::')}\`${type.params?.length ? ` (type id ${id})` : ''}.`;
    const docs = [...(type.docs ?? []), ...(type.docs?.length ? [''] : []), rust];
    if (shape.kind === 'enum' && shape.basic && shape.variants.some((v) => v.docs.length)) {
      docs.push('', ...shape.variants.map((v) => `- \`${v.name}\`${v.docs.length ? `: ${v.docs.join(' ').trim()}` : ''}`));
    }
    if (shape.kind === 'struct') {
      const fields = shape.fields.map((f) => `${docComment(f.docs, '  ')}  ${propName(f.key)}: ${this.ts(f.type)};`).join('\n');
      return `${docComment(docs)}export interface ${name} {\n${fields}\n}\n`;
    }
    const body = shape.kind === 'enum' ? this.enumType(shape, '') : this.structural(id);
    return `${docComment(docs)}export type ${name} =${body.startsWith('\n') ? '' : ' '}${body};\n`;
  }
}

function literal(value, indent = '') {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => typeof v !== 'object' || v === null)) return `[${value.map((v) => literal(v)).join(', ')}]`;
    return `[\n${value.map((v) => `${indent}  ${literal(v, `${indent}  `)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const inline = `{ ${entries.map(([k, v]) => `${propName(k)}: ${literal(v, indent)}`).join(', ')} }`;
  if (!inline.includes('\n') && inline.length + indent.length <= 110) return inline;
  return `{\n${entries.map(([k, v]) => `${indent}  ${propName(k)}: ${literal(v, `${indent}  `)},`).join('\n')}\n${indent}}`;
}

/** Parameter names of an argument list: camelCase labels, made valid and unique. */
function argNames(args) {
  const used = new Set();
  return args.map((a) => {
    let name = safeIdent(stringCamelCase(a.label));
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    return name;
  });
}

const CONTRACT_RUNTIME_IMPORTS = [
  'AddressLike', 'CodeSource', 'ContractSpec', 'DeployMethods', 'InkMetadata',
];

/** The TypeScript module of one contract. */
export function generateContract(name, metadata) {
  const registry = new Registry(metadata.types);
  const spec = metadata.spec;
  const Pascal = pascal(name);
  const cls = `${Pascal}Contract`;

  // reachable types
  const roots = [];
  for (const c of spec.constructors) roots.push(...c.args.map((a) => a.type.type), ...(c.returnType ? [c.returnType.type] : []));
  for (const m of spec.messages) roots.push(...m.args.map((a) => a.type.type), ...(m.returnType ? [m.returnType.type] : []));
  for (const e of spec.events) roots.push(...e.args.map((a) => a.type.type));
  const reachable = new Set();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop();
    if (reachable.has(id)) continue;
    reachable.add(id);
    stack.push(...registry.children(id));
  }
  const namedIds = [...reachable].filter((id) => isNamed(registry, id));

  const reserved = new Set([
    cls, `${Pascal}Messages`, `${Pascal}Constructors`, `${Pascal}Event`, `${Pascal}Types`,
    'Hex', 'AccountIdString', 'Result', 'Abi', 'ApiPromise', 'EventRecord', 'InkContract', 'OfflineCodec',
    'createDeployer', 'decodeContractEvent', 'metadata', 'metadataJson', 'spec', 'offline', 'Promise',
    ...CONTRACT_RUNTIME_IMPORTS,
  ]);
  // The bindings' events: each event as it is, except a topicless event of changes (the
  // escrow's `ChannelUpdated`, the auction's `AuctionUpdated`), which gives one per change.
  const eventChanges = new Map(spec.events.map((e) => [e.label, changesOf(registry, e)]));
  const flatEvents = spec.events.flatMap((e) => (eventChanges.get(e.label) ?? [{ name: e.label }]).map((c) => c.name));
  const eventTypeNames = new Map();
  for (const label of flatEvents) {
    let n = safeIdent(`${label}Event`);
    while (reserved.has(n)) n = `${n}_`;
    reserved.add(n);
    eventTypeNames.set(label, n);
  }
  const names = assignTypeNames(registry, namedIds, reserved);
  const emit = new Emitter(registry, names);

  // return types: ink! wraps every message's return value in Result<T, LangError>
  const innerReturn = (ref) => {
    if (!ref) return 'null';
    const shape = registry.shape(ref.type);
    if (shape.kind === 'result' && registry.path(shape.err) === 'ink_primitives::LangError') return emit.ts(shape.ok);
    return emit.ts(ref.type);
  };

  // message and constructor names
  const methodOf = new Map();
  const usedMethods = new Set();
  for (const m of spec.messages) {
    let method = methodName(m.label);
    if (usedMethods.has(method)) method = `${method}_${m.selector}`;
    usedMethods.add(method);
    methodOf.set(m.label, method);
  }
  const ctorMethodOf = new Map();
  const usedCtors = new Set();
  for (const c of spec.constructors) {
    let method = methodName(c.label);
    if (usedCtors.has(method)) method = `${method}_${c.selector}`;
    usedCtors.add(method);
    ctorMethodOf.set(c.label, method);
  }

  const lines = [];
  const out = (s = '') => lines.push(s);
  const info = metadata.contract ?? {};
  out(`// Generated by scripts/generate.mjs from metadata/${name}.json (ink! metadata v${metadata.version},`);
  out(`// contract ${info.name ?? name} ${info.version ?? ''}; the code hash is in the metadata).`);
  out('// DO NOT EDIT: rebuild the contracts (scripts/build-contracts.sh) and run `npm run generate`.');
  out('// `npm run generate -- --check` fails when this file differs from what the metadata gives.');
  out('/* eslint-disable */');
  out();
  out("import type { ApiPromise } from '@polkadot/api';");
  out("import type { Abi } from '@polkadot/api-contract';");
  out("import type { EventRecord } from '@polkadot/types/interfaces';");
  out(`import { createDeployer, decodeContractEvent, InkContract, OfflineCodec } from '../contract.js';`);
  out(`import type { ${CONTRACT_RUNTIME_IMPORTS.join(', ')} } from '../contract.js';`);
  const body = [];
  const push = (s) => body.push(s);

  // named types, by name
  const declared = [...names.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  push('// ---------------------------------------------------------------------------------------------');
  push('// Types');
  push('');
  for (const [id] of declared) push(emit.declaration(id));

  // events
  push('// ---------------------------------------------------------------------------------------------');
  push('// Events');
  push('');
  for (const e of spec.events) {
    const changes = eventChanges.get(e.label);
    if (changes) {
      for (const c of changes) {
        const docs = [...(registry.get(c.type).docs ?? []), '', `A change in the topicless event \`${e.label}\` (variant \`${c.name}\`).`];
        push(docComment(docs) + `export interface ${eventTypeNames.get(c.name)} {`);
        push(`  name: '${c.name}';`);
        push(`  args: ${emit.ts(c.type)};`);
        push('}\n');
      }
      continue;
    }
    const names2 = argNames(e.args);
    const docs = [...(e.docs ?? []), ...(e.docs?.length ? [''] : []), `Event \`${e.label}\`${e.signature_topic ? `, signature topic \`${e.signature_topic}\`` : ' (anonymous)'}.`];
    push(docComment(docs) + `export interface ${eventTypeNames.get(e.label)} {`);
    push(`  name: '${e.label}';`);
    if (e.args.length === 0) push('  args: Record<string, never>;');
    else {
      push('  args: {');
      e.args.forEach((a, i) => {
        const argDocs = [...(a.docs ?? []), ...(a.indexed ? ['Indexed (also a topic).'] : [])];
        push(`${docComment(argDocs, '    ')}    ${propName(names2[i])}: ${emit.ts(a.type.type)};`);
      });
      push('  };');
    }
    push('}\n');
  }
  push(`/** Every event of \`${name}\`, discriminated by \`name\`. */`);
  push(`export type ${Pascal}Event =${flatEvents.length ? flatEvents.map((label) => `\n  | ${eventTypeNames.get(label)}`).join('') : ' never'};\n`);

  // messages
  push('// ---------------------------------------------------------------------------------------------');
  push('// Messages and constructors');
  push('');
  push(`/** The messages of \`${name}\`: arguments and return value (ink!'s \`Result<_, LangError>\` unwrapped). */`);
  push(`export interface ${Pascal}Messages {`);
  for (const m of spec.messages) {
    const argN = argNames(m.args);
    const args = m.args.map((a, i) => `${argN[i]}: ${emit.ts(a.type.type)}`).join(', ');
    const flags = [m.mutates ? 'mutates' : 'read-only', ...(m.payable ? ['payable'] : [])].join(', ');
    const docs = [...(m.docs ?? []), ...(m.docs?.length ? [''] : []), `Label \`${m.label}\`, selector \`${m.selector}\`; ${flags}.`];
    push(docComment(docs, '  ') + `  ${propName(methodOf.get(m.label))}: {`);
    push(`    args: [${args}];`);
    push(`    returns: ${innerReturn(m.returnType)};`);
    push(`    mutates: ${m.mutates};`);
    push(`    payable: ${m.payable};`);
    push('  };');
  }
  push('}\n');
  push(`/** The constructors of \`${name}\`. */`);
  push(`export interface ${Pascal}Constructors {`);
  for (const c of spec.constructors) {
    const argN = argNames(c.args);
    const args = c.args.map((a, i) => `${argN[i]}: ${emit.ts(a.type.type)}`).join(', ');
    const docs = [...(c.docs ?? []), ...(c.docs?.length ? [''] : []), `Label \`${c.label}\`, selector \`${c.selector}\`${c.payable ? '; payable' : ''}.`];
    push(docComment(docs, '  ') + `  ${propName(ctorMethodOf.get(c.label))}: { args: [${args}]; payable: ${c.payable} };`);
  }
  push('}\n');
  push(`/** The named types of \`${name}\` (for \`${cls}.encode\` / \`decode\`). */`);
  push(`export interface ${Pascal}Types {`);
  for (const [id, n] of declared) push(`  ${propName(n)}: ${n};`);
  push('}\n');

  // spec table
  const argSpec = (args) => {
    const n = argNames(args);
    return args.map((a, i) => ({ name: n[i], label: a.label, type: a.type.type }));
  };
  const specValue = {
    contract: name,
    constructors: spec.constructors.map((c, index) => ({
      index, label: c.label, method: ctorMethodOf.get(c.label), selector: c.selector, payable: c.payable,
      args: argSpec(c.args), returnType: c.returnType ? c.returnType.type : null,
    })),
    messages: spec.messages.map((m, index) => ({
      index, label: m.label, method: methodOf.get(m.label), selector: m.selector, mutates: m.mutates, payable: m.payable,
      args: argSpec(m.args), returnType: m.returnType ? m.returnType.type : null,
    })),
    events: spec.events.map((e) => ({
      label: e.label,
      signatureTopic: e.signature_topic ?? null,
      changes: eventChanges.get(e.label),
      args: argSpec(e.args).map((a, i) => ({ ...a, indexed: e.args[i].indexed })),
    })),
    types: Object.fromEntries(declared.map(([id, n]) => [n, id])),
  };
  push('// ---------------------------------------------------------------------------------------------');
  push('// Spec table (scale-info type ids of the metadata) and the contract class');
  push('');
  push(`export const metadata: InkMetadata = metadataJson as unknown as InkMetadata;\n`);
  push(`export const spec: ContractSpec = ${literal(specValue)};\n`);
  push(`let offlineCodec: OfflineCodec | undefined;`);
  push(`const offline = (): OfflineCodec => (offlineCodec ??= new OfflineCodec(metadata));\n`);
  const selectors = {
    constructors: Object.fromEntries(spec.constructors.map((c) => [c.label, c.selector])),
    messages: Object.fromEntries(spec.messages.map((m) => [m.label, m.selector])),
  };
  const topics = Object.fromEntries(spec.events.filter((e) => e.signature_topic).map((e) => [e.label, e.signature_topic]));
  push(docComment([
    ...(spec.docs ?? []), ...(spec.docs?.length ? [''] : []),
    `Typed binding of the \`${name}\` contract (a \`ContractPromise\` inside): \`query\` / \`dryRun\` /`,
    '`tx` have one method per message (see `' + Pascal + 'Messages`), `decodeEvents` gives typed events,',
    '`' + cls + '.deployer(api, code)` typed constructors.',
  ]) + `export class ${cls} extends InkContract<${Pascal}Messages, ${Pascal}Event> {`);
  push(`  static readonly contractName = '${name}';`);
  push(`  static readonly metadata: InkMetadata = metadata;`);
  push(`  static readonly spec: ContractSpec = spec;`);
  push(`  /** Selector of every constructor and message, by label. */`);
  push(`  static readonly selectors = ${literal(selectors, '  ')} as const;`);
  push(`  /** Signature topic (the first topic) of every event, by label. */`);
  push(`  static readonly eventTopics = ${literal(topics, '  ')} as const;`);
  push('');
  push(`  /** The contract's \`Abi\`, offline (SS58 format 42); an instance's \`abi\` uses the chain's format. */`);
  push(`  static get abi(): Abi {`);
  push(`    return offline().abi;`);
  push(`  }`);
  push('');
  push(`  constructor(api: ApiPromise, address: AddressLike) {`);
  push(`    super(api, metadata, spec, address);`);
  push(`  }`);
  push('');
  push(`  /** Typed constructors, deploying \`{ wasm }\` (upload + instantiate) or \`{ codeHash }\` (stored code). */`);
  push(`  static deployer(api: ApiPromise, code: CodeSource): DeployMethods<${Pascal}Constructors> {`);
  push(`    return createDeployer<${Pascal}Constructors>(api, metadata, spec, code);`);
  push(`  }`);
  push('');
  push(`  /** Decodes a \`contracts.ContractEmitted\` record of this contract's code (no address check). */`);
  push(`  static decodeEvent(record: EventRecord): ${Pascal}Event | null {`);
  push(`    const { abi, codec } = offline();`);
  push(`    return decodeContractEvent<${Pascal}Event>(abi, codec, spec, record);`);
  push(`  }`);
  push('');
  push(`  /** SCALE-encodes a value of one of the contract's named types. */`);
  push(`  static encode<K extends keyof ${Pascal}Types>(type: K, value: ${Pascal}Types[K]): Uint8Array {`);
  push(`    return offline().codec.encode(spec.types[type] as number, value);`);
  push(`  }`);
  push('');
  push(`  /** Decodes SCALE bytes of one of the contract's named types (accounts in SS58 format 42). */`);
  push(`  static decode<K extends keyof ${Pascal}Types>(type: K, bytes: Uint8Array): ${Pascal}Types[K] {`);
  push(`    return offline().codec.decode(spec.types[type] as number, bytes) as ${Pascal}Types[K];`);
  push(`  }`);
  push('}');

  const text = body.join('\n');
  const used = ['AccountIdString', 'Hex', 'Result'].filter((t) => emit.used.has(t));
  if (used.length) out(`import type { ${used.join(', ')} } from '../types.js';`);
  out(`import metadataJson from '../../metadata/${name}.json' with { type: 'json' };`);
  out();
  return `${lines.join('\n')}\n${text}\n`;
}

export function generateIndex(names) {
  const lines = [
    '// Generated by scripts/generate.mjs. DO NOT EDIT: run `npm run generate`.',
    '',
  ];
  for (const n of names) lines.push(`import { ${pascal(n)}Contract } from './${n}.js';`);
  lines.push('');
  for (const n of names) {
    lines.push(`export { ${pascal(n)}Contract } from './${n}.js';`);
    lines.push(`/** The types, events and spec of \`${n}\` (\`${pascal(n)}.<TypeName>\`). */`);
    lines.push(`export * as ${pascal(n)} from './${n}.js';`);
  }
  lines.push('');
  lines.push('/** The contract classes by contract name (the names of the deployment files). */');
  lines.push('export const contracts = {');
  for (const n of names) lines.push(`  ${n}: ${pascal(n)}Contract,`);
  lines.push('} as const;');
  lines.push('');
  lines.push('export type ContractName = keyof typeof contracts;');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Writing and checking

/** Writes metadata/ and src/generated/ under `root` from the loaded metadata files. */
export function writeAll(root, sources) {
  const metaDir = join(root, METADATA_DIR);
  const genDir = join(root, GENERATED_DIR);
  mkdirSync(metaDir, { recursive: true });
  mkdirSync(genDir, { recursive: true });
  const names = sources.map((s) => s.name);
  const keep = new Set(names);
  for (const f of readdirSync(metaDir)) if (f.endsWith('.json') && !keep.has(basename(f, '.json'))) rmSync(join(metaDir, f));
  for (const f of readdirSync(genDir)) if (f.endsWith('.ts') && f !== 'index.ts' && !keep.has(basename(f, '.ts'))) rmSync(join(genDir, f));
  for (const { name, path, json } of sources) {
    const target = join(metaDir, `${name}.json`);
    if (path !== target) copyFileSync(path, target);
    writeFileSync(join(genDir, `${name}.ts`), generateContract(name, json));
  }
  writeFileSync(join(genDir, 'index.ts'), generateIndex(names));
  return names;
}

function listFiles(dir, ext) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort() : [];
}

/**
 * Whether two metadata files are the same, `source.hash` (the code hash) included: the bundles
 * are reproducible (scripts/build-contracts.sh), so the same contract gives the same hash in
 * every checkout.
 */
function sameMetadata(a, b) {
  return JSON.stringify(JSON.parse(a.toString('utf8'))) === JSON.stringify(JSON.parse(b.toString('utf8')));
}

/** Differences between the generated folders of two roots (empty: identical). */
export function compareTrees(expectedRoot, actualRoot) {
  const problems = [];
  for (const [dir, ext] of [[METADATA_DIR, '.json'], [GENERATED_DIR, '.ts']]) {
    const expected = listFiles(join(expectedRoot, dir), ext);
    const actual = listFiles(join(actualRoot, dir), ext);
    for (const f of expected) {
      if (!actual.includes(f)) problems.push(`${join(dir, f)} is missing`);
      else if (!(dir === METADATA_DIR ? sameMetadata : (x, y) => x.equals(y))(readFileSync(join(expectedRoot, dir, f)), readFileSync(join(actualRoot, dir, f)))) {
        problems.push(`${join(dir, f)} differs from what ${dir === METADATA_DIR ? 'the bundles folder holds' : 'the metadata gives'}`);
      }
    }
    for (const f of actual) if (!expected.includes(f)) problems.push(`${join(dir, f)} should not exist`);
  }
  return problems;
}

function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  for (const f of flags) if (!['--check', '--offline', '--help'].includes(f)) throw new Error(`unknown option ${f}`);
  if (flags.has('--help')) {
    console.log('usage: node scripts/generate.mjs [--check] [--offline] [BUNDLES_DIR]');
    return 0;
  }
  const positional = argv.filter((a) => !a.startsWith('--'));
  const offline = flags.has('--offline');
  const source = offline ? join(PACKAGE_ROOT, METADATA_DIR) : positional[0] ?? defaultBundlesDir();
  if (!existsSync(source)) {
    throw new Error(`no bundles folder ${source}: run scripts/build-contracts.sh (or set CGRID_BUNDLES), or use --offline to use metadata/`);
  }
  const sources = loadMetadataDir(source);
  if (flags.has('--check')) {
    const tmp = mkdtempSync(join(tmpdir(), 'cgrid-bindings-'));
    try {
      writeAll(tmp, sources);
      const problems = compareTrees(tmp, PACKAGE_ROOT);
      if (problems.length) {
        console.error(`generate --check: the generated files are not what ${source} gives:`);
        for (const p of problems) console.error(`  ${p}`);
        console.error('run `npm run generate` (never edit metadata/ or src/generated/ by hand)');
        return 1;
      }
      console.log(`generate --check: ${sources.length} contracts up to date with ${source}`);
      return 0;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const names = writeAll(PACKAGE_ROOT, sources);
  console.log(`generate: ${names.join(', ')} from ${source} → ${METADATA_DIR}/, ${GENERATED_DIR}/`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`generate: ${error.message}`);
    process.exitCode = 1;
  }
}
