// The controller's wire protocol (src/wire.ts) and the consumer session (src/consumer.ts): every
// frame's bytes are pinned by fixtures/wire-frames.json, which controller/tests/wire_fixture.rs
// holds to the Rust `Frame`; the consumer is run against a fake provider speaking the protocol
// with the library's own encoder, and its signatures are checked against states.ts's preimages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';
import {
  checkTick, closePreimage, consumeChannel, decodeFrame, encodeFrame, FrameReader, frameName, joinPreimage,
  MAX_FRAME, packFrame, PROTOCOL_VERSION, signClose, signState, statePreimage, WireConnection, WireError,
} from '../dist/src/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/wire-frames.json', import.meta.url), 'utf8'));

/** A fixture value as the bindings hold it: u64 / u128 fields (decimal strings there) as bigint. */
function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [
    k, ['nonce', 'minute', 'amount', 'cumulative'].includes(k) ? BigInt(v) : plain(v),
  ]));
}

const malformed = (pattern) => (e) => e instanceof WireError && e.kind === 'malformed' && pattern.test(e.message);

describe('frames', () => {
  test('every fixture encodes to its bytes and decodes back', () => {
    for (const { rust, value, scale } of fixture.frames) {
      const frame = plain(value);
      assert.equal(u8aToHex(encodeFrame(frame)), scale, rust);
      assert.deepEqual(decodeFrame(hexToU8a(scale)), frame, rust);
    }
  });

  test('the Join preimage is the fixture’s (controller::wire::join_preimage)', () => {
    const { escrow, challenge, channels, preimage } = fixture.join_preimage;
    assert.equal(u8aToHex(joinPreimage(escrow, challenge, channels)), preimage);
  });

  test('the fixtures cover every Frame variant and ErrorCode', () => {
    const names = new Set(fixture.frames.map(({ value }) => frameName(plain(value))));
    assert.deepEqual([...names].sort(), [
      'Ack', 'CloseRequest', 'CloseSigned', 'Error', 'Hello', 'Join', 'Resume', 'State', 'Tick',
    ]);
    const codes = fixture.frames.filter(({ value }) => value.error).map(({ value }) => value.error.code);
    assert.equal(new Set(codes).size, 6);
    assert.equal(PROTOCOL_VERSION, 3);
  });

  test('decoding refuses trailing bytes, unknown variants and bad values', () => {
    const ack = encodeFrame({ ack: { channel: `0x${'01'.repeat(32)}`, nonce: 1n } });
    assert.throws(() => decodeFrame(new Uint8Array([...ack, 0])), malformed(/1 trailing bytes/));
    assert.throws(() => decodeFrame(ack.subarray(0, 40)), malformed(/ends inside/));
    assert.throws(() => decodeFrame(new Uint8Array()), malformed(/ends inside/));
    assert.throws(() => decodeFrame(new Uint8Array([9])), malformed(/9 is not a variant of Frame/));
    assert.throws(() => decodeFrame(new Uint8Array([0xff])), malformed(/255 is not a variant of Frame/));
    const hello = encodeFrame({ hello: { version: 3, side: 'Consumer', escrow: `0x${'11'.repeat(32)}`, challenge: `0x${'22'.repeat(32)}` } });
    hello[3] = 2;
    assert.throws(() => decodeFrame(hello), malformed(/2 is not a variant of Side/));
    assert.throws(() => decodeFrame(new Uint8Array([7, 6, 0])), malformed(/6 is not a variant of ErrorCode/));
    // A length not in its shortest form, as parity-scale-codec refuses it.
    assert.throws(() => decodeFrame(new Uint8Array([8, 0b01, 0])), malformed(/shortest/));
    assert.throws(() => decodeFrame(new Uint8Array([7, 4, 4, 0xff])), malformed(/UTF-8/));
  });

  test('encoding refuses values the Rust types cannot hold', () => {
    const channel = `0x${'01'.repeat(32)}`;
    assert.throws(() => encodeFrame({ ack: { channel: '0x01', nonce: 1n } }), /32 bytes/);
    assert.throws(() => encodeFrame({ ack: { channel, nonce: 2n ** 64n } }), /not a u64/);
    assert.throws(() => encodeFrame({ ack: { channel, nonce: 1 } }), /not a u64/);
    assert.throws(() => encodeFrame({ hello: { version: 65536, side: 'Consumer', escrow: channel, challenge: channel } }), /u16/);
    assert.throws(() => encodeFrame({ error: { code: 'Nope', message: '' } }), /Nope is not a variant of ErrorCode/);
    assert.throws(() => encodeFrame({ ack: { channel, nonce: 1n }, tick: {} }), /not a Frame/);
    assert.throws(() => packFrame({ error: { code: 'Refused', message: 'x'.repeat(MAX_FRAME) } }), /over 16384/);
  });

  test('the reader cuts frames however the stream is chunked, and refuses oversized ones', () => {
    const frames = fixture.frames.map(({ value }) => plain(value));
    const stream = Uint8Array.from(frames.flatMap((f) => [...packFrame(f)]));
    const reader = new FrameReader();
    const bodies = [];
    for (const byte of stream) bodies.push(...reader.push(new Uint8Array([byte])));
    assert.deepEqual(bodies.map(decodeFrame), frames);
    assert.deepEqual(new FrameReader().push(stream).map(decodeFrame), frames, 'in one chunk');
    assert.deepEqual(new FrameReader().push(new Uint8Array([0, 0, 0x40, 0])), [], 'exactly MAX_FRAME waits');
    assert.throws(() => new FrameReader().push(new Uint8Array([0, 0, 0x40, 1])), malformed(/16385 bytes/));
  });
});

describe('checkTick', () => {
  const terms = { pricePerMinute: 10n, deposit: 25n };
  const at = (nonce) => ({ nonce, cumulative: nonce * 10n, signature: `0x${'00'.repeat(64)}` });
  test('accepts the next minute at exactly price × minute within the deposit', () => {
    assert.equal(checkTick(terms, null, { minute: 1n, amount: 10n }), null);
    assert.equal(checkTick(terms, at(1n), { minute: 2n, amount: 20n }), null);
  });
  test('refuses with the Rust consumer’s messages', () => {
    assert.equal(checkTick(terms, null, { minute: 2n, amount: 20n }), 'minute 2 out of order: expected minute 1');
    assert.equal(checkTick(terms, at(1n), { minute: 1n, amount: 10n }), 'minute 1 out of order: expected minute 2');
    assert.equal(
      checkTick(terms, null, { minute: 1n, amount: 11n }),
      'minute 1 must cost 10 in total at the agreed price, not 11',
    );
    assert.equal(checkTick(terms, null, { minute: 1n, amount: 9n }), 'minute 1 must cost 10 in total at the agreed price, not 9');
    assert.equal(
      checkTick(terms, at(2n), { minute: 3n, amount: 30n }),
      'the deposit 25 does not cover 30; top up or close',
    );
    assert.equal(checkTick(terms, at(2n ** 64n - 1n), { minute: 0n, amount: 0n }), 'arithmetic overflow');
  });
});

describe('a consumer against a provider', async () => {
  await cryptoWaitReady();
  const keyOf = (seed) => {
    const pair = sr25519PairFromSeed(new Uint8Array(32).fill(seed));
    return { publicKey: pair.publicKey, sign: (message) => sr25519Sign(message, pair) };
  };
  const consumerKey = keyOf(1);
  const providerKey = keyOf(2);
  const ESCROW = `0x${'11'.repeat(32)}`;
  const CHANNEL = `0x${'07'.repeat(32)}`;
  const PRICE = 10n;
  const terms = { pricePerMinute: PRICE, deposit: 100n, providerKey: u8aToHex(providerKey.publicKey) };
  const position = (nonce, cumulative) => ({ escrow: ESCROW, channel: CHANNEL, nonce, cumulative });
  const signed = (state) =>
    sr25519Verify(blake2AsU8a(statePreimage(position(state.nonce, state.cumulative)), 256), state.signature, consumerKey.publicKey);

  /**
   * Runs `provider(conn, socket)` as the provider of one connection and `consumeChannel` against it;
   * settles both. `log` collects what the consumer persisted and emitted, in order.
   */
  async function run(provider, options = {}) {
    const server = createServer();
    const served = new Promise((resolve, reject) => server.once('connection', (socket) => {
      const conn = new WireConnection(socket);
      provider(conn, socket).then(resolve, reject).finally(() => conn.close());
    }));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const log = [];
    const consumed = consumeChannel({
      host: '127.0.0.1',
      port: server.address().port,
      escrow: ESCROW,
      channel: CHANNEL,
      signer: consumerKey,
      terms,
      persist: async (state) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(`persisted ${state.nonce}`);
      },
      onEvent: (event) => log.push(event.kind),
      intervalMs: 0, // the fake providers below tick back to back
      ...options,
    });
    const [consumer, providerResult] = await Promise.allSettled([consumed, served]);
    server.close();
    return { consumer, provider: providerResult, log };
  }

  /** The provider's side up to billing: hellos, the consumer's `Join`, `Resume` at `nonce`. */
  async function open(conn, nonce = 0n) {
    const { ours } = await conn.handshake('Provider', ESCROW);
    const { join } = await conn.recv();
    assert.deepEqual(join.channels, [CHANNEL]);
    const joinHash = blake2AsU8a(joinPreimage(ESCROW, ours, join.channels), 256);
    assert.ok(sr25519Verify(joinHash, join.signature, consumerKey.publicKey), 'the Join is signed by the consumer key over our challenge');
    await conn.send({ resume: { channel: CHANNEL, nonce } });
  }

  /** Bills minutes `from`…`to`: a tick, the consumer's state, an ack. Returns the states. */
  async function bill(conn, from, to, log = []) {
    const states = [];
    for (let minute = from; minute <= to; minute++) {
      await conn.send({ tick: { channel: CHANNEL, tick: { minute, amount: minute * PRICE } } });
      const frame = await conn.recv();
      assert.equal(frame.state?.channel, CHANNEL, `a state for minute ${minute}`);
      log.push(`received ${frame.state.state.nonce}`);
      states.push(frame.state.state);
      await conn.send({ ack: { channel: CHANNEL, nonce: minute } });
    }
    return states;
  }

  const refusedBy = (pattern) => (e) => e instanceof WireError && e.kind === 'peer' && e.code === 'Refused' && pattern.test(e.message);

  test('a tick sooner than the agreed interval is refused unsigned', { timeout: 10_000 }, async () => {
    const { consumer, provider, log } = await run(async (conn) => {
      await open(conn);
      await conn.recv(); // the consumer's ack of the resume
      await conn.send({ tick: { channel: CHANNEL, tick: { minute: 1n, amount: PRICE } } });
      await assert.rejects(conn.recv(), refusedBy(/^the peer reported Refused: tick for minute 1 came 0\.\d+ s after the previous interval; the billing interval is 1\.000 s$/));
    }, { intervalMs: 1_000 });
    assert.equal(provider.status, 'fulfilled', provider.reason);
    assert.equal(consumer.status, 'rejected');
    assert.equal(consumer.reason.kind, 'refused');
    assert.ok(!log.some((entry) => entry.startsWith('persisted') || entry === 'signed'), 'nothing signed');
  });

  test('bills three intervals, each signed and persisted before it is sent, then closes', { timeout: 10_000 }, async () => {
    const received = [];
    const { consumer, provider, log } = await run(async (conn) => {
      await open(conn);
      assert.deepEqual(await conn.recv(), { ack: { channel: CHANNEL, nonce: 0n } });
      const states = await bill(conn, 1n, 3n, received);
      const providerSignature = signClose(providerKey, position(3n, 30n));
      await conn.send({ closeRequest: { channel: CHANNEL, nonce: 3n, cumulative: 30n, providerSignature } });
      const { closeSigned } = await conn.recv();
      return { states, closeSigned };
    });
    assert.equal(provider.status, 'fulfilled', provider.reason);
    assert.equal(consumer.status, 'fulfilled', consumer.reason);
    const { states, closeSigned } = provider.value;
    assert.deepEqual(states.map((s) => [s.nonce, s.cumulative]), [[1n, 10n], [2n, 20n], [3n, 30n]]);
    for (const state of states) {
      assert.ok(signed(state), `minute ${state.nonce} is signed by the consumer's key`);
    }
    const closeHash = blake2AsU8a(closePreimage(position(3n, 30n)), 256);
    assert.ok(sr25519Verify(closeHash, closeSigned.consumerSignature, consumerKey.publicKey));
    assert.deepEqual([closeSigned.nonce, closeSigned.cumulative], [3n, 30n]);
    assert.equal(consumer.value.end, 'closed');
    assert.equal(consumer.value.signed, 3);
    assert.deepEqual(consumer.value.latest, states[2]);
    assert.equal(consumer.value.close.consumerSignature, closeSigned.consumerSignature);
    assert.deepEqual(log, [
      'joined', 'resumed',
      'persisted 1', 'signed', 'acknowledged',
      'persisted 2', 'signed', 'acknowledged',
      'persisted 3', 'signed', 'acknowledged',
      'closeSigned',
    ]);
    assert.deepEqual(received, ['received 1', 'received 2', 'received 3']);
  });

  for (const [what, minutes, tick, pattern] of [
    ['an overpriced tick', 0n, { minute: 1n, amount: 11n }, /^the peer reported Refused: minute 1 must cost 10 in total at the agreed price, not 11$/],
    ['an out-of-order tick', 1n, { minute: 3n, amount: 30n }, /minute 3 out of order: expected minute 2/],
    ['a tick above the deposit', 2n, { minute: 3n, amount: 30n }, /the deposit 25 does not cover 30; top up or close/],
  ]) {
    test(`${what} gets an Error frame and no signature`, { timeout: 10_000 }, async () => {
      const { consumer, provider, log } = await run(async (conn) => {
        await open(conn);
        await conn.recv();
        await bill(conn, 1n, minutes);
        await conn.send({ tick: { channel: CHANNEL, tick } });
        await assert.rejects(conn.recv(), refusedBy(pattern));
      }, { terms: { ...terms, deposit: 25n } });
      assert.equal(provider.status, 'fulfilled', provider.reason);
      assert.equal(consumer.status, 'rejected');
      assert.equal(consumer.reason.kind, 'refused');
      assert.equal(consumer.reason.code, 'Refused');
      assert.equal(log.filter((l) => l === 'signed').length, Number(minutes), 'nothing signed after the refusal');
      assert.equal(log.filter((l) => l.startsWith('persisted')).length, Number(minutes));
    });
  }

  test('a failed probe stops signing and tells the provider why', { timeout: 10_000 }, async () => {
    let probes = 0;
    const { consumer, provider } = await run(async (conn) => {
      await open(conn);
      await conn.recv();
      await bill(conn, 1n, 1n);
      await conn.send({ tick: { channel: CHANNEL, tick: { minute: 2n, amount: 20n } } });
      await assert.rejects(conn.recv(), refusedBy(/the consumer's service probe failed: the probe reported the service down/));
    }, { probe: async () => ++probes < 2 });
    assert.equal(provider.status, 'fulfilled', provider.reason);
    assert.equal(consumer.reason.kind, 'refused');
    assert.equal(probes, 2);
  });

  test('a close of another state, or with a bad provider signature, is refused', { timeout: 10_000 }, async () => {
    for (const [request, pattern] of [
      [{ nonce: 1n, cumulative: 10n }, /the close must be of the newest state \(nonce 2\), not nonce 1/],
      [{ nonce: 2n, cumulative: 25n }, /newest state/],
      [{ nonce: 2n, cumulative: 20n, providerSignature: signClose(consumerKey, position(2n, 20n)) }, /the close signature of the Provider is invalid/],
    ]) {
      const { consumer, provider } = await run(async (conn) => {
        await open(conn);
        await conn.recv();
        await bill(conn, 1n, 2n);
        const providerSignature = signClose(providerKey, position(request.nonce, request.cumulative));
        await conn.send({ closeRequest: { channel: CHANNEL, providerSignature, ...request } });
        await assert.rejects(conn.recv(), refusedBy(pattern));
      });
      assert.equal(provider.status, 'fulfilled', provider.reason);
      assert.equal(consumer.reason.kind, 'refused');
    }
  });

  test('a close of a state the provider never acknowledged is refused', { timeout: 10_000 }, async () => {
    const { consumer, provider } = await run(async (conn) => {
      await open(conn);
      await conn.recv();
      await conn.send({ tick: { channel: CHANNEL, tick: { minute: 1n, amount: 10n } } });
      await conn.recv();
      const providerSignature = signClose(providerKey, position(1n, 10n));
      await conn.send({ closeRequest: { channel: CHANNEL, nonce: 1n, cumulative: 10n, providerSignature } });
      await assert.rejects(conn.recv(), refusedBy(/acknowledged \(nonce 0\), not nonce 1/));
    });
    assert.equal(provider.status, 'fulfilled', provider.reason);
    assert.equal(consumer.reason.kind, 'refused');
  });

  test('maxIntervals hangs up once that many states are acknowledged', { timeout: 10_000 }, async () => {
    const { consumer, provider } = await run(async (conn) => {
      await open(conn);
      await conn.recv();
      await bill(conn, 1n, 2n);
      await assert.rejects(conn.recv(), (e) => e instanceof WireError && e.kind === 'closed');
    }, { maxIntervals: 2 });
    assert.equal(provider.status, 'fulfilled', provider.reason);
    assert.equal(consumer.value.end, 'intervals');
    assert.equal(consumer.value.signed, 2);
  });

  test('resuming: the state the provider lost is sent again; a provider ahead is refused', { timeout: 10_000 }, async () => {
    const latest = { nonce: 3n, cumulative: 30n, signature: signState(consumerKey, position(3n, 30n)) };
    const resumed = await run(async (conn) => {
      await open(conn, 2n);
      const { state } = await conn.recv();
      await conn.send({ ack: { channel: CHANNEL, nonce: 3n } });
      const states = await bill(conn, 4n, 4n);
      return [state, ...states];
    }, { latest, maxIntervals: 1 });
    assert.equal(resumed.provider.status, 'fulfilled', resumed.provider.reason);
    assert.deepEqual(resumed.provider.value[0].state, latest);
    assert.ok(signed(resumed.provider.value[1]));
    assert.deepEqual(resumed.log.slice(0, 3), ['joined', 'resumed', 'acknowledged']);

    const ahead = await run(async (conn) => {
      await open(conn, 5n);
      await assert.rejects(conn.recv(), refusedBy(/the provider claims minute 5; the newest state signed here is minute 3/));
    }, { latest });
    assert.equal(ahead.provider.status, 'fulfilled', ahead.provider.reason);
    assert.equal(ahead.consumer.reason.kind, 'refused');
  });

  test('a malformed or unexpected frame is answered and the session goes on', { timeout: 10_000 }, async () => {
    const { consumer, provider } = await run(async (conn, socket) => {
      await open(conn);
      await conn.recv();
      socket.write(new Uint8Array([0, 0, 0, 1, 0xff]));
      await assert.rejects(conn.recv(), (e) => e.kind === 'peer' && e.code === 'Malformed');
      await conn.send({ join: { channels: [], signature: `0x${'00'.repeat(64)}` } });
      await assert.rejects(conn.recv(), (e) => e.kind === 'peer' && e.code === 'Unexpected' && /unexpected Join/.test(e.message));
      await conn.send({ tick: { channel: `0x${'08'.repeat(32)}`, tick: { minute: 1n, amount: 10n } } });
      await assert.rejects(conn.recv(), (e) => e.kind === 'peer' && e.code === 'UnknownChannel');
      return bill(conn, 1n, 1n);
    }, { maxIntervals: 1 });
    assert.equal(provider.status, 'fulfilled', provider.reason);
    assert.equal(consumer.value.end, 'intervals');
  });

  test('a frame over 16 KiB is answered and ends the session', { timeout: 10_000 }, async () => {
    const { consumer, provider } = await run(async (conn, socket) => {
      await open(conn);
      await conn.recv();
      socket.write(new Uint8Array([0, 0, 0x40, 1]));
      await assert.rejects(conn.recv(), (e) => e.kind === 'peer' && e.code === 'Malformed' && /16385 bytes/.test(e.message));
    });
    assert.equal(provider.status, 'fulfilled', provider.reason);
    assert.equal(consumer.reason.kind, 'refused');
    assert.equal(consumer.reason.code, 'Malformed');
  });

  test('the hellos must match: version, roles and escrow', { timeout: 10_000 }, async () => {
    for (const [hello, code, pattern] of [
      [{ version: 2, side: 'Provider', escrow: ESCROW, challenge: ESCROW }, 'UnsupportedVersion', /protocol 2 is not supported \(this is 3\)/],
      [{ version: 3, side: 'Consumer', escrow: ESCROW, challenge: ESCROW }, 'Unexpected', /both sides are Consumer/],
      [{ version: 3, side: 'Provider', escrow: `0x${'12'.repeat(32)}`, challenge: ESCROW }, 'Unexpected', /another escrow contract/],
    ]) {
      const { consumer, provider } = await run(async (conn) => {
        assert.equal((await conn.recv()).hello.side, 'Consumer');
        await conn.send({ hello });
        await assert.rejects(conn.recv(), (e) => e.kind === 'peer' && e.code === code && pattern.test(e.message));
      });
      assert.equal(provider.status, 'fulfilled', provider.reason);
      assert.equal(consumer.reason.kind, 'refused');
      assert.match(consumer.reason.message, pattern);
    }
  });

  test('the provider’s error ends the session with its reason; a hang-up without a close is reported', { timeout: 10_000 }, async () => {
    const refused = await run(async (conn) => {
      await conn.handshake('Provider', ESCROW);
      await conn.recv();
      await conn.sendError('UnknownChannel', 'no channel 0x07… on chain');
    });
    assert.equal(refused.consumer.reason.kind, 'peer');
    assert.equal(refused.consumer.reason.code, 'UnknownChannel');
    const hungUp = await run(async (conn) => {
      await open(conn);
      await conn.recv();
      await bill(conn, 1n, 1n);
    });
    assert.equal(hungUp.consumer.value.end, 'hangup');
    assert.equal(hungUp.consumer.value.signed, 1);
  });
});
