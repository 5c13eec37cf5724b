/**
 * Deterministic sample values of any contract type, in the plain-value conventions of the
 * bindings (for tests, mocks and documentation). Two flavours exercise both sides of every
 * choice: `first` (first enum variant, `Some`, `Ok`, one-element sequences, `true`) and `last`
 * (last enum variant, `None`, `Err`, empty sequences, `false`).
 */
import { u8aToHex } from '@polkadot/util';
import { encodeAddress } from '@polkadot/util-crypto';
import type { ScaleTypes, PayloadShape } from './codec.js';

export interface SampleOptions {
  /** Which side of every choice to take (default `first`). */
  readonly flavour?: 'first' | 'last';
  /** SS58 format of sample accounts (default 42). */
  readonly ss58Format?: number;
  /** Beyond this depth sequences are empty, options `None`, enums a unit variant if any. */
  readonly maxDepth?: number;
}

const BITS: Record<string, number> = { u8: 8, u16: 16, u32: 32, u64: 64, u128: 128, u256: 256, i8: 8, i16: 16, i32: 32, i64: 64, i128: 128, i256: 256 };

function bytesOf(len: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: len }, (_, i) => (seed * 31 + i * 7 + 1) & 0xff);
}

/** A sample plain value of type `id`. */
export function sampleValue(types: ScaleTypes, id: number, options: SampleOptions = {}, depth = 0): unknown {
  const first = (options.flavour ?? 'first') === 'first';
  const deep = depth >= (options.maxDepth ?? 8);
  const shape = types.shape(id);
  const next = (t: number): unknown => sampleValue(types, t, options, depth + 1);
  switch (shape.kind) {
    case 'null': return null;
    case 'bool': return first;
    case 'string': return first ? `s${id}-ünï` : '';
    case 'char': return first ? 'é' : 'z';
    case 'number': {
      const bits = BITS[shape.prim] ?? 8;
      const max = 2 ** (shape.prim.startsWith('i') ? bits - 1 : bits) - 1;
      const value = first ? max - (id % 5) : (id * 37 + 11) % (max + 1);
      return shape.prim.startsWith('i') && !first ? -value : value;
    }
    case 'bigint': {
      const bits = BigInt(BITS[shape.prim] ?? 64);
      const signed = shape.prim.startsWith('i');
      const top = 2n ** (signed ? bits - 1n : bits);
      return first ? top - 1n - BigInt(id) : signed ? -(top / 2n) - BigInt(id) : top / 2n + BigInt(id);
    }
    case 'accountId': return encodeAddress(bytesOf(32, id + (first ? 0 : 101)), options.ss58Format ?? 42);
    case 'bytes': return u8aToHex(bytesOf(shape.len ?? (first ? 3 : 0), id));
    case 'bits': return '0x';
    case 'alias': return sampleValue(types, shape.type, options, depth);
    case 'seq': return first && !deep ? [next(shape.type)] : [];
    case 'array': return Array.from({ length: shape.len }, () => next(shape.type));
    case 'tuple': return shape.types.map(next);
    case 'struct': return Object.fromEntries(shape.fields.map((f) => [f.key, next(f.type)]));
    case 'option': return first && !deep ? next(shape.type) : null;
    case 'result': return first ? { ok: next(shape.ok) } : { err: next(shape.err) };
    case 'enum': {
      if (shape.variants.length === 0) throw new Error(`${types.describe(id)} has no variants: no sample value`);
      const unit = shape.variants.find((v) => v.payload.kind === 'none');
      const variant = deep && unit ? unit : first ? shape.variants[0] : shape.variants[shape.variants.length - 1];
      if (!variant) throw new Error('unreachable');
      if (shape.basic) return variant.name;
      return { [variant.key]: samplePayload(types, variant.payload, options, depth + 1) };
    }
  }
}

function samplePayload(types: ScaleTypes, payload: PayloadShape, options: SampleOptions, depth: number): unknown {
  switch (payload.kind) {
    case 'none': return null;
    case 'single': return sampleValue(types, payload.type, options, depth);
    case 'tuple': return payload.types.map((t) => sampleValue(types, t, options, depth));
    case 'struct': return Object.fromEntries(payload.fields.map((f) => [f.key, sampleValue(types, f.type, options, depth)]));
  }
}
