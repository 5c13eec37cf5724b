/**
 * The one runtime converter between polkadot.js codecs and the plain typed values of the
 * generated bindings. It walks the contract's own scale-info type registry (the `types` section
 * of the ink! metadata), so the generated code only has to name type ids.
 *
 * Conventions (README.md, "Type conventions"):
 * - struct → object with the camelCase field names (as polkadot.js's `toJSON()` renders them;
 *   its `Struct` keeps `keys`, `hash`, … as `keys_`, `hash_`, which the converter handles);
 * - enum whose variants carry no data → the variant name (`'Provider'`);
 *   any other enum → `{ variantInCamelCase: payload }` (`null` payload for a unit variant);
 * - `Option<T>` → `T | null`; `Result<T, E>` → `{ ok: T } | { err: E }`;
 * - `bool` → boolean; `str` → string; u8/u16/u32/i8/i16/i32 → number; wider integers → bigint;
 * - `Vec<u8>` and `[u8; N]` (hashes too) → `0x…` hex; other sequences/arrays/tuples → arrays;
 * - `AccountId` → SS58 string (inputs: SS58 or 32-byte hex);
 * - a composite with a single unnamed field (newtype), a 1-tuple and `Compact<T>` → as the inner
 *   type; `()` and a composite without fields → `null`.
 *
 * This is `Codec.toJSON()` except for wide integers, which toJSON renders as number or hex.
 */
import type { Codec, Registry } from '@polkadot/types/types';
import { isHex, isU8a, stringCamelCase, u8aToHex } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';

// ---------------------------------------------------------------------------------------------
// scale-info JSON (the `types` section of ink! metadata v4/v5)

export type Primitive =
  | 'bool' | 'char' | 'str'
  | 'u8' | 'u16' | 'u32' | 'u64' | 'u128' | 'u256'
  | 'i8' | 'i16' | 'i32' | 'i64' | 'i128' | 'i256';

export interface ScaleField {
  name?: string | null;
  type: number;
  typeName?: string | null;
  docs?: readonly string[];
}

export interface ScaleVariant {
  name: string;
  index: number;
  fields?: readonly ScaleField[];
  docs?: readonly string[];
}

export type ScaleTypeDef =
  | { composite: { fields?: readonly ScaleField[] } }
  | { variant: { variants?: readonly ScaleVariant[] } }
  | { sequence: { type: number } }
  | { array: { len: number; type: number } }
  | { tuple: readonly number[] }
  | { primitive: Primitive }
  | { compact: { type: number } }
  | { bitSequence: { bit_store_type: number; bit_order_type: number } };

export interface ScaleType {
  path?: readonly string[];
  params?: readonly { name: string; type?: number | null }[];
  def: ScaleTypeDef;
  docs?: readonly string[];
}

export interface PortableType {
  id: number;
  type: ScaleType;
}

// ---------------------------------------------------------------------------------------------
// Shapes: what a type id looks like to the converter (scripts/generate.mjs classifies the same way)

export interface FieldShape {
  /** The plain object's key: camelCase of the name, as polkadot.js's `toJSON()` renders it. */
  readonly key: string;
  /** The key of the field in polkadot.js's `Struct` (a Map): `key`, or `key_` for reserved names. */
  readonly codecKey: string;
  /** The key polkadot.js's `createType` reads from an input object. */
  readonly jsonKey: string;
  /** The name in the Rust source / metadata. */
  readonly name: string;
  readonly type: number;
}

export type PayloadShape =
  | { readonly kind: 'none' }
  | { readonly kind: 'single'; readonly type: number }
  | { readonly kind: 'tuple'; readonly types: readonly number[] }
  | { readonly kind: 'struct'; readonly fields: readonly FieldShape[] };

export interface VariantShape {
  readonly name: string;
  /** The key of the plain value `{ key: payload }` (polkadot.js: camelCase of the name). */
  readonly key: string;
  readonly index: number;
  readonly payload: PayloadShape;
}

export type Shape =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' }
  | { readonly kind: 'char' }
  | { readonly kind: 'number'; readonly prim: Primitive }
  | { readonly kind: 'bigint'; readonly prim: Primitive }
  | { readonly kind: 'accountId' }
  | { readonly kind: 'bytes'; readonly len: number | null }
  | { readonly kind: 'bits' }
  | { readonly kind: 'alias'; readonly type: number }
  | { readonly kind: 'seq'; readonly type: number }
  | { readonly kind: 'array'; readonly type: number; readonly len: number }
  | { readonly kind: 'tuple'; readonly types: readonly number[] }
  | { readonly kind: 'struct'; readonly fields: readonly FieldShape[] }
  | { readonly kind: 'option'; readonly type: number }
  | { readonly kind: 'result'; readonly ok: number; readonly err: number }
  | { readonly kind: 'enum'; readonly basic: boolean; readonly variants: readonly VariantShape[] };

/** Paths that polkadot.js decodes as an `AccountId` (SS58). */
export const ACCOUNT_ID_PATHS: readonly string[] = [
  'ink_primitives::types::AccountId',
  'ink_env::types::AccountId',
  'sp_core::crypto::AccountId32',
];

/** Field names that polkadot.js suffixes with `_` in its `Struct` (they clash with Map members). */
const RESERVED_FIELDS = ['entries', 'keys', 'new', 'size', 'hash', 'registry'];

/** The plain-object key of a struct field: camelCase (`#` → `_`), as `toJSON()` renders it. */
export function fieldKey(name: string): string {
  return stringCamelCase(name).replace(/#/g, '_');
}

/** The field's keys in polkadot.js (PortableRegistry.sanitizeField): [Struct key, JSON key]. */
export function polkadotFieldKeys(name: string): [codecKey: string, jsonKey: string] {
  const camel = stringCamelCase(name);
  if (camel.includes('#')) return [camel.replace(/#/g, '_'), camel];
  return RESERVED_FIELDS.includes(camel) ? [`${camel}_`, camel] : [camel, camel];
}

/** The key of an enum variant in the plain value (polkadot.js `Enum.toJSON()`). */
export function variantKey(name: string): string {
  return stringCamelCase(name);
}

const NUMBER_PRIMS: readonly Primitive[] = ['u8', 'u16', 'u32', 'i8', 'i16', 'i32'];

/** A scale-info registry view: classifies ids into shapes (cached). */
export class ScaleTypes {
  readonly #types = new Map<number, ScaleType>();
  readonly #shapes = new Map<number, Shape>();

  constructor(types: readonly PortableType[]) {
    for (const { id, type } of types) this.#types.set(id, type);
  }

  get(id: number): ScaleType {
    const type = this.#types.get(id);
    if (!type) throw new Error(`type id ${id} is not in the registry`);
    return type;
  }

  /** `a::b::C` for a type with a path, the primitive's name, or `type #id` (for messages). */
  describe(id: number): string {
    const type = this.get(id);
    if (type.path?.length) return type.path.join('::');
    return 'primitive' in type.def ? type.def.primitive : `type #${id}`;
  }

  shape(id: number): Shape {
    let shape = this.#shapes.get(id);
    if (!shape) {
      shape = this.#classify(id);
      this.#shapes.set(id, shape);
    }
    return shape;
  }

  /** A type whose plain value is always `null` (`()`, a field-less composite, …). */
  isNull(id: number): boolean {
    const shape = this.shape(id);
    return shape.kind === 'null' || (shape.kind === 'alias' && this.isNull(shape.type));
  }

  fieldsShape(fields: readonly ScaleField[]): PayloadShape {
    if (fields.length === 0) return { kind: 'none' };
    const named = fields.every((f) => f.name != null);
    if (!named && fields.some((f) => f.name != null)) {
      throw new Error('a field list mixes named and unnamed fields');
    }
    if (named) {
      return {
        kind: 'struct',
        fields: fields.map((f) => {
          const name = f.name as string;
          const [codecKey, jsonKey] = polkadotFieldKeys(name);
          return { key: fieldKey(name), codecKey, jsonKey, name, type: f.type };
        }),
      };
    }
    if (fields.length === 1) return { kind: 'single', type: (fields[0] as ScaleField).type };
    return { kind: 'tuple', types: fields.map((f) => f.type) };
  }

  #classify(id: number): Shape {
    const type = this.get(id);
    const path = (type.path ?? []).join('::');
    const def = type.def;
    if (ACCOUNT_ID_PATHS.includes(path)) return { kind: 'accountId' };
    if ('primitive' in def) {
      const prim = def.primitive;
      if (prim === 'bool') return { kind: 'bool' };
      if (prim === 'str') return { kind: 'string' };
      if (prim === 'char') return { kind: 'char' };
      return NUMBER_PRIMS.includes(prim) ? { kind: 'number', prim } : { kind: 'bigint', prim };
    }
    if ('compact' in def) return { kind: 'alias', type: def.compact.type };
    if ('bitSequence' in def) return { kind: 'bits' };
    if ('sequence' in def) {
      return this.#isU8(def.sequence.type) ? { kind: 'bytes', len: null } : { kind: 'seq', type: def.sequence.type };
    }
    if ('array' in def) {
      return this.#isU8(def.array.type)
        ? { kind: 'bytes', len: def.array.len }
        : { kind: 'array', type: def.array.type, len: def.array.len };
    }
    if ('tuple' in def) {
      const types = def.tuple;
      if (types.length === 0) return { kind: 'null' };
      if (types.length === 1) return { kind: 'alias', type: types[0] as number };
      return { kind: 'tuple', types };
    }
    if ('composite' in def) {
      const payload = this.fieldsShape(def.composite.fields ?? []);
      switch (payload.kind) {
        case 'none': return { kind: 'null' };
        case 'single': return { kind: 'alias', type: payload.type };
        case 'tuple': return { kind: 'tuple', types: payload.types };
        case 'struct': return { kind: 'struct', fields: payload.fields };
      }
    }
    if ('variant' in def) {
      const variants = def.variant.variants ?? [];
      const params = type.params ?? [];
      if (path === 'Option' && params.length === 1) {
        const some = variants.find((v) => v.name === 'Some');
        return { kind: 'option', type: (some?.fields?.[0] as ScaleField).type };
      }
      if (path === 'Result' && params.length === 2) {
        const ok = variants.find((v) => v.name === 'Ok');
        const err = variants.find((v) => v.name === 'Err');
        return { kind: 'result', ok: (ok?.fields?.[0] as ScaleField).type, err: (err?.fields?.[0] as ScaleField).type };
      }
      const shapes = variants.map((v): VariantShape => ({
        name: v.name,
        key: variantKey(v.name),
        index: v.index,
        payload: this.fieldsShape(v.fields ?? []),
      }));
      // polkadot.js renders an enum as a bare string when every variant decodes to Null
      const basic = shapes.every(
        (v) => v.payload.kind === 'none' || (v.payload.kind === 'single' && this.isNull(v.payload.type)),
      );
      return { kind: 'enum', basic, variants: shapes };
    }
    throw new Error(`type id ${id}: unsupported scale-info definition ${JSON.stringify(def)}`);
  }

  #isU8(id: number): boolean {
    const def = this.get(id).def;
    return 'primitive' in def && def.primitive === 'u8';
  }
}

// ---------------------------------------------------------------------------------------------
// Codec <-> plain value

/** A value of the wrong shape was given to (or came out of) the converter. */
export class ConversionError extends TypeError {
  constructor(readonly at: string, message: string) {
    super(`${at || 'value'}: ${message}`);
    this.name = 'ConversionError';
  }
}

type CodecLike = Codec & Record<string, unknown>;

function child(at: string, key: string | number): string {
  return typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${key}` : key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isU8a(value);
}

function iterateCodec(codec: Codec): Codec[] {
  if (typeof (codec as unknown as Iterable<Codec>)[Symbol.iterator] !== 'function') {
    throw new Error(`expected a sequence codec, found ${codec.constructor.name}`);
  }
  return Array.from(codec as unknown as Iterable<Codec>);
}

/**
 * Converts between the polkadot.js codecs of one contract's types and plain typed values.
 * `registry` is the `Abi`'s registry (it holds the contract's types and the chain's SS58 format).
 */
export class ScaleCodec {
  readonly types: ScaleTypes;

  constructor(types: readonly PortableType[] | ScaleTypes, readonly registry: Registry) {
    this.types = types instanceof ScaleTypes ? types : new ScaleTypes(types);
  }

  /** The polkadot.js type name of a registry id (`Lookup<id>`). */
  typeName(id: number): string {
    return this.registry.createLookupType(id);
  }

  /** SCALE-encodes a plain value of type `id`. */
  encode(id: number, value: unknown): Uint8Array {
    return this.registry.createTypeUnsafe(this.typeName(id), [this.fromPlain(id, value)]).toU8a();
  }

  /** Decodes SCALE bytes of type `id` into the plain value (all bytes must be consumed). */
  decode(id: number, bytes: Uint8Array): unknown {
    const codec = this.registry.createTypeUnsafe(this.typeName(id), [bytes], { isPedantic: true });
    return this.toPlain(id, codec);
  }

  /** The polkadot.js codec of a plain value. */
  toCodec(id: number, value: unknown): Codec {
    return this.registry.createTypeUnsafe(this.typeName(id), [this.fromPlain(id, value)]);
  }

  /** polkadot.js codec (of type `id`) → plain value. */
  toPlain(id: number, codec: Codec, at = ''): unknown {
    const shape = this.types.shape(id);
    const c = codec as CodecLike;
    switch (shape.kind) {
      case 'null':
        return null;
      case 'bool':
        return codec.toJSON() === true;
      case 'string':
        return codec.toString();
      case 'char':
        return String.fromCodePoint(Number(codec.toString()));
      case 'number':
        return Number(codec.toString());
      case 'bigint':
        return BigInt(codec.toString());
      case 'accountId':
        return encodeAddress(codec.toU8a(true), this.registry.chainSS58);
      case 'bytes':
      case 'bits':
        return u8aToHex(codec.toU8a(true));
      case 'alias':
        if (typeof c['unwrap'] === 'function' && 'compact' in this.types.get(id).def) {
          return this.toPlain(shape.type, (c['unwrap'] as () => Codec)(), at);
        }
        return this.toPlain(shape.type, codec, at);
      case 'seq':
      case 'array':
        return iterateCodec(codec).map((item, i) => this.toPlain(shape.type, item, child(at, i)));
      case 'tuple': {
        const items = iterateCodec(codec);
        return shape.types.map((t, i) => this.toPlain(t, items[i] as Codec, child(at, i)));
      }
      case 'struct':
        return this.#structToPlain(shape.fields, codec, at);
      case 'option':
        if (c['isNone'] === true) return null;
        return this.toPlain(shape.type, (c['unwrap'] as () => Codec)(), at);
      case 'result':
        return c['isOk'] === true
          ? { ok: this.toPlain(shape.ok, c['asOk'] as Codec, child(at, 'ok')) }
          : { err: this.toPlain(shape.err, c['asErr'] as Codec, child(at, 'err')) };
      case 'enum': {
        const index = c['index'];
        const variant = shape.variants.find((v) => v.index === index);
        if (!variant) throw new ConversionError(at, `no variant with index ${String(index)} in ${this.types.describe(id)}`);
        if (shape.basic) return variant.name;
        return { [variant.key]: this.#payloadToPlain(variant.payload, c['value'] as Codec, child(at, variant.key)) };
      }
    }
  }

  /** Plain value → an input polkadot.js's `createType` accepts for type `id` (validated). */
  fromPlain(id: number, value: unknown, at = ''): unknown {
    const shape = this.types.shape(id);
    const fail = (expected: string): never => {
      throw new ConversionError(at, `expected ${expected} for ${this.types.describe(id)}, found ${describeValue(value)}`);
    };
    switch (shape.kind) {
      case 'null':
        return value == null ? null : fail('null');
      case 'bool':
        return typeof value === 'boolean' ? value : fail('a boolean');
      case 'string':
        return typeof value === 'string' ? value : fail('a string');
      case 'char':
        return typeof value === 'string' && [...value].length === 1 ? (value.codePointAt(0) as number) : fail('one character');
      case 'number':
      case 'bigint':
        if (typeof value === 'bigint') return value;
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        return fail(shape.kind === 'number' ? 'an integer number' : 'a bigint');
      case 'accountId':
        if (typeof value === 'string') {
          try {
            decodeAddress(value);
          } catch {
            return fail('an SS58 address or 32-byte hex');
          }
          return value;
        }
        return isU8a(value) && value.length === 32 ? value : fail('an SS58 address or 32-byte hex');
      case 'bytes':
      case 'bits': {
        const bytes = typeof value === 'string' && isHex(value) ? (value.length - 2) / 2 : isU8a(value) ? value.length : -1;
        if (bytes < 0) return fail('a 0x hex string');
        if (shape.kind === 'bytes' && shape.len !== null && bytes !== shape.len) return fail(`${shape.len} bytes of hex`);
        // hex, never a Uint8Array: polkadot.js reads a Uint8Array given for `Bytes` as length-prefixed
        return typeof value === 'string' ? value.toLowerCase() : u8aToHex(value as Uint8Array);
      }
      case 'alias':
        return this.fromPlain(shape.type, value, at);
      case 'seq':
      case 'array':
        if (!Array.isArray(value)) return fail('an array');
        if (shape.kind === 'array' && value.length !== shape.len) return fail(`an array of ${shape.len}`);
        return value.map((item, i) => this.fromPlain(shape.type, item, child(at, i)));
      case 'tuple':
        if (!Array.isArray(value) || value.length !== shape.types.length) return fail(`a tuple of ${shape.types.length}`);
        return shape.types.map((t, i) => this.fromPlain(t, value[i], child(at, i)));
      case 'struct':
        if (!isPlainObject(value)) return fail('an object');
        return this.#structFromPlain(shape.fields, value, at);
      case 'option':
        return value == null ? null : this.fromPlain(shape.type, value, at);
      case 'result': {
        if (!isPlainObject(value)) return fail('{ ok } or { err }');
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === 'ok') return { Ok: this.fromPlain(shape.ok, value['ok'], child(at, 'ok')) };
        if (keys.length === 1 && keys[0] === 'err') return { Err: this.fromPlain(shape.err, value['err'], child(at, 'err')) };
        return fail('{ ok } or { err }');
      }
      case 'enum': {
        const names = shape.variants.map((v) => (shape.basic ? `'${v.name}'` : `{ ${v.key} }`)).join(' | ');
        if (shape.basic) {
          const variant = typeof value === 'string' ? shape.variants.find((v) => v.name === value) : undefined;
          return variant ? variant.name : fail(names);
        }
        if (!isPlainObject(value) || Object.keys(value).length !== 1) return fail(names);
        const key = Object.keys(value)[0] as string;
        const variant = shape.variants.find((v) => v.key === key);
        if (!variant) return fail(names);
        return { [variant.name]: this.#payloadFromPlain(variant.payload, value[key], child(at, key)) };
      }
    }
  }

  #structToPlain(fields: readonly FieldShape[], codec: Codec, at: string): Record<string, unknown> {
    const map = codec as unknown as Map<string, Codec>;
    if (typeof map.get !== 'function') throw new ConversionError(at, `expected a struct codec, found ${codec.constructor.name}`);
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const value = map.get(field.codecKey);
      if (value === undefined) throw new ConversionError(at, `the codec has no field ${field.codecKey}`);
      out[field.key] = this.toPlain(field.type, value, child(at, field.key));
    }
    return out;
  }

  #structFromPlain(fields: readonly FieldShape[], value: Record<string, unknown>, at: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      if (!(field.key in value)) throw new ConversionError(at, `missing field ${field.key}`);
      out[field.jsonKey] = this.fromPlain(field.type, value[field.key], child(at, field.key));
    }
    const unknown = Object.keys(value).filter((k) => !fields.some((f) => f.key === k));
    if (unknown.length) throw new ConversionError(at, `unknown field(s) ${unknown.join(', ')}`);
    return out;
  }

  #payloadToPlain(payload: PayloadShape, codec: Codec, at: string): unknown {
    switch (payload.kind) {
      case 'none': return null;
      case 'single': return this.toPlain(payload.type, codec, at);
      case 'tuple': {
        const items = iterateCodec(codec);
        return payload.types.map((t, i) => this.toPlain(t, items[i] as Codec, child(at, i)));
      }
      case 'struct': return this.#structToPlain(payload.fields, codec, at);
    }
  }

  #payloadFromPlain(payload: PayloadShape, value: unknown, at: string): unknown {
    switch (payload.kind) {
      case 'none':
        if (value != null) throw new ConversionError(at, `expected null, found ${describeValue(value)}`);
        return null;
      case 'single': return this.fromPlain(payload.type, value, at);
      case 'tuple':
        if (!Array.isArray(value) || value.length !== payload.types.length) {
          throw new ConversionError(at, `expected a tuple of ${payload.types.length}, found ${describeValue(value)}`);
        }
        return payload.types.map((t, i) => this.fromPlain(t, value[i], child(at, i)));
      case 'struct':
        if (!isPlainObject(value)) throw new ConversionError(at, `expected an object, found ${describeValue(value)}`);
        return this.#structFromPlain(payload.fields, value, at);
    }
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isU8a(value)) return `${value.length} bytes`;
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'object') return `{ ${Object.keys(value).join(', ')} }`;
  return `${typeof value} ${String(value)}`;
}
