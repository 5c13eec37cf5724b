/**
 * A consumer paying a `cgrid provide` daemon from Node, as `cgrid consume` does: joins the
 * channel at the provider, signs one state per billing interval (after the probe, if any,
 * passed) and countersigns the provider's cooperative close. Prints one line per signed interval.
 *
 *   npm run build && node examples/consume.mjs --connect HOST:PORT --escrow ESCROW \
 *     --channel 0x… (--suri '//Bob' | --key-file FILE) --price P --deposit D [--intervals N] \
 *     [--interval-secs S] [--provider-key 0x…] [--state FILE] [--probe-url URL | --probe-cmd CMD]
 *
 * --escrow        the escrow's address (SS58 or 0x hex), as in the deployment file
 * --suri          the channel's consumer key as a secret URI; or
 * --key-file      a key file as `cgrid key generate` writes it
 * --price         the channel's price per minute; --deposit its deposit (smallest units)
 * --intervals     hang up after this many acknowledged intervals (default: until the close)
 * --interval-secs the billing interval agreed with the provider (default 60): a tick that comes
 *                 sooner after the previous one is refused unsigned
 * --provider-key  the provider's channel key: the close request's signature is checked against it
 * --state         a file keeping the newest signed state: read at start, written before each
 *                 state is sent (run again with it to resume the channel)
 * --probe-url     sign an interval only if this URL answers 2xx within five seconds; or
 * --probe-cmd     only if this shell command exits 0
 *
 * Exits 0 after N intervals or a cooperative close; otherwise prints one sentence and exits 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, fsyncSync, closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Keyring } from '@polkadot/api';
import { hexToU8a, u8aEq } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { consumeChannel } from '../dist/src/index.js';

/** The consumer's key: a secret URI, or a key file (`{ format: 1, type: 'sr25519', secret_seed, account }`). */
function signer({ suri, 'key-file': keyFile }) {
  if (!suri === !keyFile) throw new Error('give exactly one of --suri and --key-file');
  const keyring = new Keyring({ type: 'sr25519' });
  if (suri) return keyring.addFromUri(suri);
  const bad = (what) => new Error(`${keyFile} is not a key file: ${what}`);
  let file;
  try {
    file = JSON.parse(readFileSync(keyFile, 'utf8'));
  } catch (e) {
    throw e.code ? new Error(`cannot read the key file ${keyFile}: ${e.message}`) : bad('not JSON');
  }
  if (file.format !== 1) throw bad(file.format === undefined ? '`format` is missing' : `format ${file.format} is not supported`);
  if (file.type !== 'sr25519') throw bad('`type` must be "sr25519"');
  const seed = /^(0x)?[0-9a-fA-F]{64}$/.test(file.secret_seed ?? '') ? hexToU8a(file.secret_seed.replace(/^(0x)?/, '0x')) : null;
  if (!seed) throw bad('`secret_seed` is not 32 hex bytes');
  const pair = keyring.addFromSeed(seed);
  if (file.account !== undefined && !u8aEq(decodeAddress(file.account), pair.publicKey)) {
    throw bad('`account` does not match the secret seed');
  }
  return pair;
}

/** A whole number of at least `min`. */
function whole(flag, value, min = 0n) {
  if (value === undefined) throw new Error(`--${flag} is required`);
  if (!/^\d+$/.test(value) || BigInt(value) < min) throw new Error(`--${flag} must be a whole number of at least ${min}`);
  return BigInt(value);
}

/** The service check before each interval: resolves true, or throws why not. */
function probeOf({ 'probe-url': url, 'probe-cmd': command }) {
  if (url && command) throw new Error('give at most one of --probe-url and --probe-cmd');
  if (url) {
    return async () => {
      const answer = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch((e) => {
        throw new Error(`${url}: ${e.cause?.message ?? e.message}`);
      });
      if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
      return true;
    };
  }
  if (command) {
    return () => {
      const { status, error } = spawnSync('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (error) throw new Error(`cannot run ${JSON.stringify(command)}: ${error.message}`);
      if (status !== 0) throw new Error(`${JSON.stringify(command)} exited with ${status}`);
      return true;
    };
  }
  return undefined;
}

/** The newest signed state kept in `path`, for `channel` (none if the file does not exist). */
function readState(path, channel) {
  if (!path || !existsSync(path)) return null;
  const kept = JSON.parse(readFileSync(path, 'utf8'));
  if (kept.channel !== channel) throw new Error(`${path} keeps channel ${kept.channel}, not ${channel}`);
  return { nonce: BigInt(kept.nonce), cumulative: BigInt(kept.cumulative), signature: kept.signature };
}

/** Writes the state durably (a synced temporary file renamed over `path`). */
function writeState(path, channel, state) {
  const text = JSON.stringify({
    channel, nonce: state.nonce.toString(), cumulative: state.cumulative.toString(), signature: state.signature,
  });
  const fd = openSync(`${path}.tmp`, 'w', 0o600);
  try {
    writeSync(fd, `${text}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.tmp`, path);
}

async function main() {
  const { values: flags } = parseArgs({
    options: Object.fromEntries([
      'connect', 'escrow', 'channel', 'suri', 'key-file', 'price', 'deposit', 'intervals',
      'interval-secs', 'provider-key', 'state', 'probe-url', 'probe-cmd',
    ].map((name) => [name, { type: 'string' }])),
  });
  const [, host, port] = /^\[?(.+?)\]?:(\d+)$/.exec(flags.connect ?? '') ?? [];
  if (!host) throw new Error('--connect must be HOST:PORT');
  for (const flag of ['escrow', 'channel']) if (!flags[flag]) throw new Error(`--${flag} is required`);
  const channel = flags.channel.toLowerCase();
  const terms = {
    pricePerMinute: whole('price', flags.price, 1n),
    deposit: whole('deposit', flags.deposit),
    providerKey: flags['provider-key'],
  };
  const maxIntervals = flags.intervals === undefined ? undefined : Number(whole('intervals', flags.intervals, 1n));
  const intervalSecs = Number(flags['interval-secs'] ?? '60');
  if (!(intervalSecs > 0)) throw new Error('--interval-secs must be a positive number');
  await cryptoWaitReady();
  const outcome = await consumeChannel({
    host,
    port: Number(port),
    escrow: flags.escrow,
    channel,
    signer: signer(flags),
    terms,
    latest: readState(flags.state, channel),
    maxIntervals,
    intervalMs: intervalSecs * 1000,
    probe: probeOf(flags),
    persist: flags.state ? (state) => writeState(flags.state, channel, state) : undefined,
    onEvent: (event) => {
      if (event.kind === 'signed') {
        const { nonce, cumulative, signature } = event.state;
        console.log(`minute ${nonce}: ${cumulative} owed, signed ${signature.slice(0, 18)}…`);
      }
    },
  });
  const at = `minute ${outcome.latest?.nonce ?? 0n} (${outcome.latest?.cumulative ?? 0n} owed)`;
  switch (outcome.end) {
    case 'closed':
      return console.log(`countersigned the cooperative close at ${at}`);
    case 'intervals':
      return console.log(`paid ${outcome.signed} intervals; hanging up at ${at}`);
    case 'hangup':
      throw new Error(`the provider hung up at ${at} without closing the channel`);
  }
}

main().catch((e) => {
  console.error(`error: ${e.message}`);
  process.exitCode = 1;
});
