// signState / signClose build exactly the bytes trade_escrow verifies: the fixture is held to
// cgrid_shared by suite/tests/payloads.rs, and to these functions here; the signatures verify
// under the signer's sr25519 key, and a signature for one payload fails for every other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import {
  blake2AsU8a, cryptoWaitReady, sr25519PairFromSeed, sr25519Sign, sr25519Verify,
} from '@polkadot/util-crypto';
import { closePreimage, signClose, signState, statePreimage } from '../dist/src/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/payloads.json', import.meta.url), 'utf8'));
const position = {
  escrow: fixture.escrow,
  channel: fixture.channel,
  nonce: fixture.nonce,
  cumulative: BigInt(fixture.cumulative),
};

test('state and close preimages are the escrow’s bytes', () => {
  assert.equal(u8aToHex(statePreimage(position)), fixture.statePreimage);
  assert.equal(u8aToHex(blake2AsU8a(statePreimage(position), 256)), fixture.stateHash);
  assert.equal(u8aToHex(closePreimage(position)), fixture.closePreimage);
  assert.equal(u8aToHex(blake2AsU8a(closePreimage(position), 256)), fixture.closeHash);
});

test('signatures verify for their payload only', async () => {
  await cryptoWaitReady();
  const pair = sr25519PairFromSeed(new Uint8Array(32).fill(7));
  const consumer = { publicKey: pair.publicKey, sign: (message) => sr25519Sign(message, pair) };
  const state = signState(consumer, position);
  const close = signClose(consumer, position);
  assert.ok(sr25519Verify(fixture.stateHash, state, consumer.publicKey));
  assert.ok(sr25519Verify(fixture.closeHash, close, consumer.publicKey));
  assert.ok(!sr25519Verify(fixture.closeHash, state, consumer.publicKey), 'a state is not a close');
  const next = signState(consumer, { ...position, nonce: position.nonce + 1 });
  assert.ok(!sr25519Verify(fixture.stateHash, next, consumer.publicKey), 'another minute');
});

test('bad positions are refused before anything is signed', () => {
  assert.throws(() => statePreimage({ ...position, channel: '0x1234' }), /32 bytes/);
  assert.throws(() => statePreimage({ ...position, nonce: -1 }), /u64/);
  assert.throws(() => statePreimage({ ...position, cumulative: 2n ** 128n }), /u128/);
});
