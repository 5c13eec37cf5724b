/**
 * The wire protocol between a provider's and a consumer's controller (`controller::wire`), so a
 * dapp can talk to a `cgrid provide` daemon itself: TCP, each frame a 4-byte big-endian length
 * followed by one SCALE-encoded `Frame` of at most {@link MAX_FRAME} bytes. A session starts
 * with `Hello` from each side (protocol version, role, escrow).
 *
 * Values follow the package's type conventions (README.md): an enum whose variants carry no
 * data is the variant name (`'Consumer'`), any other enum `{ camelCaseVariant: payload }`;
 * u64 / u128 are `bigint`, u16 a `number`, byte arrays lowercase `0x` hex.
 *
 * A malformed frame is answered with an `Error` frame; an `Error` frame itself is never answered
 * with one (two peers would echo each other for ever): a side waiting for an answer ends its
 * session on the peer's error.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { bnToU8a, compactToU8a, hexToU8a, isHex, u8aConcat, u8aToBigInt, u8aToHex } from '@polkadot/util';
import type { Hex } from './types.js';

/**
 * `controller::wire::PROTOCOL_VERSION`: 3 — each `Hello` carries a fresh challenge and `Join` is
 * signed by the channels' consumer key over the provider's challenge (`joinPreimage`).
 */
export const PROTOCOL_VERSION = 3;
/** `controller::wire::MAX_FRAME`: the largest frame body accepted, in bytes. */
export const MAX_FRAME = 16 * 1024;

/** `controller::channel::Side`: which side of a channel a controller runs. */
export type Side = 'Provider' | 'Consumer';

/** `controller::wire::ErrorCode`. */
export type ErrorCode =
  /** The bytes are not a frame of this protocol. */
  | 'Malformed'
  | 'UnsupportedVersion'
  /** The frame is valid but not expected now (e.g. a tick before the hello). */
  | 'Unexpected'
  | 'UnknownChannel'
  /** The channel's rules refused it (the message says why). */
  | 'Refused'
  /** Storing failed; nothing was acknowledged. */
  | 'Storage';

/** `controller::channel::Tick`: minute `minute` is done, `amount` owed in total. */
export interface Tick {
  minute: bigint;
  amount: bigint;
}

/** `cgrid_shared::SignedState`: `cumulative` owed after `nonce` minutes, signed by the consumer. */
export interface SignedState {
  nonce: bigint;
  cumulative: bigint;
  /** sr25519, 64 bytes, over blake2-256 of `statePreimage` (src/states.ts). */
  signature: Hex;
}

/** `controller::wire::Frame`. Channel ids are 32 bytes, signatures 64. */
export type Frame =
  | { hello: { version: number; side: Side; escrow: Hex; challenge: Hex } }
  /** Provider → consumer, first after the hello: the newest state it has stored is `nonce`. */
  | { resume: { channel: Hex; nonce: bigint } }
  /** Provider → consumer: minute `tick.minute` is done, `tick.amount` owed in total. */
  | { tick: { channel: Hex; tick: Tick } }
  /** Consumer → provider: the signed state for a tick (or, answering `resume`, a newer one). */
  | { state: { channel: Hex; state: SignedState } }
  /** Provider → consumer: the state with this nonce is stored. Consumer → provider: resumed. */
  | { ack: { channel: Hex; nonce: bigint } }
  /** Provider → consumer: please countersign a cooperative close at this state. */
  | { closeRequest: { channel: Hex; nonce: bigint; cumulative: bigint; providerSignature: Hex } }
  /** Consumer → provider: the countersignature. */
  | { closeSigned: { channel: Hex; nonce: bigint; cumulative: bigint; consumerSignature: Hex } }
  | { error: { code: ErrorCode; message: string } }
  /** Consumer → provider daemon, first after the hello: serve these channels; `signature` is the
   * channels' consumer key over `joinPreimage` with the provider's hello challenge. */
  | { join: { channels: Hex[]; signature: Hex } };

/** `controller::wire::JOIN_DOMAIN`: the domain of a `Join` signature (16 bytes). */
export const JOIN_DOMAIN = new Uint8Array([...new TextEncoder().encode('cgrid/join/v3'), 0, 0, 0]);

/**
 * `controller::wire::join_preimage`: what a consumer signs (sr25519, over its blake2-256) to join
 * `channels` at the provider of `escrow` that sent `challenge` in its hello — the domain, the
 * escrow, the challenge and the SCALE-encoded channel list.
 */
export function joinPreimage(escrow: Hex, challenge: Hex, channels: Hex[]): Uint8Array {
  return u8aConcat(JOIN_DOMAIN, hexToU8a(escrow), hexToU8a(challenge), vec(channelId).encode(channels));
}

/** How a session ended or what went wrong on the wire. */
export type WireErrorKind =
  /** The connection failed. */
  | 'io'
  /** The peer closed the connection. */
  | 'closed'
  /** A frame did not decode; it was answered with a `Malformed` error frame. */
  | 'malformed'
  /** The peer sent an `Error` frame (`code`). */
  | 'peer'
  /** This side sent an `Error` frame (`code`, the message is the one sent) and ends the session. */
  | 'refused';

export class WireError extends Error {
  override readonly name = 'WireError';

  constructor(
    readonly kind: WireErrorKind,
    message: string,
    readonly code?: ErrorCode,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// SCALE: one codec per Rust type, so each field's width and order is written down once

interface Scale<T> {
  encode(value: T): Uint8Array;
  decode(input: Reader): T;
}

/** The bytes of one frame, read front to back. */
class Reader {
  #offset = 0;

  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.#offset;
  }

  take(length: number): Uint8Array {
    if (length > this.remaining) throw malformed('the frame ends inside a value');
    this.#offset += length;
    return this.bytes.subarray(this.#offset - length, this.#offset);
  }
}

function malformed(message: string): WireError {
  return new WireError('malformed', message);
}

function unsigned(bits: 64 | 128): Scale<bigint> {
  const max = 1n << BigInt(bits);
  return {
    encode(value) {
      if (typeof value !== 'bigint' || value < 0n || value >= max) throw new RangeError(`${value} is not a u${bits}`);
      return bnToU8a(value, { bitLength: bits, isLe: true });
    },
    decode: (input) => u8aToBigInt(input.take(bits / 8), { isLe: true }),
  };
}

const u16: Scale<number> = {
  encode(value) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${value} is not a u16`);
    return new Uint8Array([value & 0xff, value >> 8]);
  },
  decode(input) {
    const [low = 0, high = 0] = input.take(2);
    return low | (high << 8);
  },
};

/** `[u8; length]`. */
function bytes(length: number): Scale<Hex> {
  return {
    encode(value) {
      const u8a = isHex(value) ? hexToU8a(value) : null;
      if (u8a?.length !== length) throw new TypeError(`${String(value)} is not ${length} bytes of 0x hex`);
      return u8a;
    },
    decode: (input) => u8aToHex(input.take(length)),
  };
}

/** `Compact<u32>`, the length of a `Vec` or `String`, decoded only in its shortest form (as
 * parity-scale-codec does). */
const length: Scale<number> = {
  encode: (value) => compactToU8a(value),
  decode(input) {
    const [first = 0] = input.take(1);
    switch (first & 0b11) {
      case 0b00:
        return first >> 2;
      case 0b01: {
        const [b1 = 0] = input.take(1);
        const value = (first | (b1 << 8)) >>> 2;
        if (value >= 1 << 6) return value;
        break;
      }
      case 0b10: {
        const [b1 = 0, b2 = 0, b3 = 0] = input.take(3);
        const value = (first | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 2;
        if (value >= 1 << 14) return value;
        break;
      }
      default: {
        // Only four bytes follow for a u32.
        const value = first === 0b11 ? u8aToBigInt(input.take(4), { isLe: true }) : 0n;
        if (value >= 1n << 30n) return Number(value);
      }
    }
    throw malformed('a length is not in its shortest compact form or above u32');
  },
};

function vec<T>(item: Scale<T>): Scale<T[]> {
  return {
    encode: (values) => u8aConcat(length.encode(values.length), ...values.map((v) => item.encode(v))),
    decode(input) {
      const count = length.decode(input);
      const values: T[] = [];
      for (let i = 0; i < count; i++) values.push(item.decode(input));
      return values;
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const string: Scale<string> = {
  encode(value) {
    const u8a = new TextEncoder().encode(value);
    return u8aConcat(length.encode(u8a.length), u8a);
  },
  decode(input) {
    const u8a = input.take(length.decode(input));
    try {
      return utf8.decode(u8a);
    } catch {
      throw malformed('a string is not UTF-8');
    }
  },
};

/** An enum whose variants carry no data: one byte, the variant's index. */
function unitEnum<T extends string>(type: string, names: readonly T[]): Scale<T> {
  return {
    encode(value) {
      const index = names.indexOf(value);
      if (index < 0) throw new TypeError(`${String(value)} is not a variant of ${type}`);
      return new Uint8Array([index]);
    },
    decode(input) {
      const [index = 0] = input.take(1);
      const name = names[index];
      if (name === undefined) throw malformed(`${index} is not a variant of ${type}`);
      return name;
    },
  };
}

type Fields = readonly (readonly [key: string, scale: Scale<unknown>])[];

/** A struct: its fields in declaration order. */
function struct<T extends object>(fields: Fields): Scale<T> {
  return {
    encode: (value) => u8aConcat(...fields.map(([key, scale]) => scale.encode((value as Record<string, unknown>)[key]))),
    decode(input) {
      const value: Record<string, unknown> = {};
      for (const [key, scale] of fields) value[key] = scale.decode(input);
      return value as T;
    },
  };
}

const u64 = unsigned(64);
const u128 = unsigned(128);
const channelId = bytes(32);
const signature = bytes(64);

const tick = struct<Tick>([['minute', u64], ['amount', u128]]);
const signedState = struct<SignedState>([['nonce', u64], ['cumulative', u128], ['signature', signature]]);

/** `Frame`'s variants in declaration order (the index is the SCALE tag): Rust name, plain key,
 * fields. */
const FRAME: readonly (readonly [name: string, key: string, fields: Fields])[] = [
  ['Hello', 'hello', [
    ['version', u16],
    ['side', unitEnum<Side>('Side', ['Provider', 'Consumer'])],
    ['escrow', bytes(32)],
    ['challenge', bytes(32)],
  ]],
  ['Resume', 'resume', [['channel', channelId], ['nonce', u64]]],
  ['Tick', 'tick', [['channel', channelId], ['tick', tick]]],
  ['State', 'state', [['channel', channelId], ['state', signedState]]],
  ['Ack', 'ack', [['channel', channelId], ['nonce', u64]]],
  ['CloseRequest', 'closeRequest', [
    ['channel', channelId], ['nonce', u64], ['cumulative', u128], ['providerSignature', signature],
  ]],
  ['CloseSigned', 'closeSigned', [
    ['channel', channelId], ['nonce', u64], ['cumulative', u128], ['consumerSignature', signature],
  ]],
  ['Error', 'error', [
    ['code', unitEnum<ErrorCode>('ErrorCode', [
      'Malformed', 'UnsupportedVersion', 'Unexpected', 'UnknownChannel', 'Refused', 'Storage',
    ])],
    ['message', string],
  ]],
  ['Join', 'join', [['channels', vec(channelId)], ['signature', signature]]],
];

const frameBodies = FRAME.map(([, , fields]) => struct<object>(fields));

function variantOf(frame: Frame): number {
  const keys = Object.keys(frame);
  const index = FRAME.findIndex(([, key]) => key === keys[0]);
  if (keys.length !== 1 || index < 0) throw new TypeError(`not a Frame: { ${keys.join(', ')} }`);
  return index;
}

/** The frame's Rust variant name, for messages (`wire::name`). */
export function frameName(frame: Frame): string {
  return FRAME[variantOf(frame)]![0];
}

/** SCALE of a frame (without the length prefix). */
export function encodeFrame(frame: Frame): Uint8Array {
  const index = variantOf(frame);
  const [, key] = FRAME[index]!;
  return u8aConcat([index], frameBodies[index]!.encode((frame as Record<string, object>)[key]!));
}

/** Decodes one frame; the whole buffer must be consumed. Throws `WireError` (`malformed`). */
export function decodeFrame(bytes: Uint8Array): Frame {
  const input = new Reader(bytes);
  const [index = 0] = input.take(1);
  const variant = FRAME[index];
  if (!variant) throw malformed(`${index} is not a variant of Frame`);
  const frame = { [variant[1]]: frameBodies[index]!.decode(input) } as Frame;
  if (input.remaining > 0) throw malformed(`${input.remaining} trailing bytes`);
  return frame;
}

// ---------------------------------------------------------------------------------------------
// Framing

/** A frame as it goes on the wire: its length (4 bytes, big-endian), then its SCALE. */
export function packFrame(frame: Frame): Uint8Array {
  const body = encodeFrame(frame);
  if (body.length > MAX_FRAME) throw new RangeError(`a frame of ${body.length} bytes is over ${MAX_FRAME}`);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** Cuts a byte stream into frame bodies, however it was split into chunks. */
export class FrameReader {
  #pending = new Uint8Array(0);

  /**
   * Adds received bytes; returns the bodies of the frames they complete, in order. Throws
   * `WireError` (`malformed`) when a frame announces more than {@link MAX_FRAME} bytes: the
   * stream cannot be followed after that.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    let buffer = this.#pending.length ? u8aConcat(this.#pending, chunk) : chunk;
    const bodies: Uint8Array[] = [];
    while (buffer.length >= 4) {
      const size = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0);
      if (size > MAX_FRAME) throw malformed(`frame refused: ${size} bytes is over the ${MAX_FRAME}-byte limit`);
      if (buffer.length < 4 + size) break;
      bodies.push(new Uint8Array(buffer.subarray(4, 4 + size)));
      buffer = buffer.subarray(4 + size);
    }
    // A copy: `chunk` may be a view into a pooled Buffer.
    this.#pending = new Uint8Array(buffer);
    return bodies;
  }
}

/** A framed TCP connection (`controller::wire::Conn`). */
export class WireConnection {
  readonly #socket: Socket;
  readonly #chunks: AsyncIterator<Uint8Array>;
  readonly #reader = new FrameReader();
  readonly #bodies: Uint8Array[] = [];

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    // Failures reach the caller through `recv` and `send`.
    socket.on('error', () => {});
    this.#chunks = socket[Symbol.asyncIterator]();
  }

  /** Connects to `host:port`. */
  static connect(host: string, port: number): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('error', (e) => reject(new WireError('io', `cannot connect to ${host}:${port}: ${e.message}`)));
      socket.once('connect', () => resolve(new WireConnection(socket)));
    });
  }

  send(frame: Frame): Promise<void> {
    const bytes = packFrame(frame);
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (e) => (e ? reject(new WireError('io', `connection: ${e.message}`)) : resolve()));
    });
  }

  sendError(code: ErrorCode, message: string): Promise<void> {
    return this.send({ error: { code, message } });
  }

  /** Sends an `Error` frame and returns the `refused` error that ends this side's session. */
  async refuse(code: ErrorCode, message: string): Promise<WireError> {
    await this.sendError(code, message).catch(() => {});
    return new WireError('refused', message, code);
  }

  /**
   * The next frame. A frame that does not decode is answered with an `Error` frame and thrown
   * as `malformed` (the caller decides whether to go on); an `Error` frame is thrown as `peer`;
   * the peer hanging up as `closed`.
   */
  async recv(): Promise<Frame> {
    for (;;) {
      const body = this.#bodies.shift();
      if (body) {
        let frame: Frame;
        try {
          frame = decodeFrame(body);
        } catch (e) {
          await this.sendError('Malformed', (e as Error).message).catch(() => {});
          throw e;
        }
        if ('error' in frame) {
          const { code, message } = frame.error;
          throw new WireError('peer', `the peer reported ${code}: ${message}`, code);
        }
        return frame;
      }
      let chunk: IteratorResult<Uint8Array>;
      try {
        chunk = await this.#chunks.next();
      } catch (e) {
        throw new WireError('io', `connection: ${(e as Error).message}`);
      }
      if (chunk.done) throw new WireError('closed', 'the peer closed the connection');
      try {
        this.#bodies.push(...this.#reader.push(chunk.value));
      } catch (e) {
        throw await this.refuse('Malformed', (e as Error).message);
      }
    }
  }

  /**
   * Exchanges `Hello`s; fails (after telling the peer why) unless the peer speaks this version,
   * plays the other role and uses the same escrow (32 bytes, hex). Returns both hellos'
   * challenges: a consumer signs the provider's (`theirs`) in its `Join`.
   */
  async handshake(side: Side, escrow: Hex): Promise<{ ours: Hex; theirs: Hex }> {
    const ours = u8aToHex(randomBytes(32));
    await this.send({ hello: { version: PROTOCOL_VERSION, side, escrow, challenge: ours } });
    const frame = await this.recv();
    if (!('hello' in frame)) {
      throw await this.refuse('Unexpected', `expected Hello, got ${frameName(frame)}`);
    }
    const theirs = frame.hello;
    if (theirs.version !== PROTOCOL_VERSION) {
      throw await this.refuse(
        'UnsupportedVersion',
        `protocol ${theirs.version} is not supported (this is ${PROTOCOL_VERSION})`,
      );
    }
    if (theirs.side === side) throw await this.refuse('Unexpected', `both sides are ${side}`);
    if (theirs.escrow !== escrow.toLowerCase()) throw await this.refuse('Unexpected', 'another escrow contract');
    return { ours, theirs: theirs.challenge };
  }

  /** Hangs up once what was sent is flushed. */
  close(): void {
    this.#socket.destroySoon();
  }
}
