/**
 * A consumer paying a channel over the controller's wire protocol, as `cgrid consume` does
 * (`controller::daemon::consume`, `controller::session::consume_checked`): connect to the
 * provider's `cgrid provide` daemon, exchange hellos, join the channel, then sign one cumulative
 * state per billing interval — only after the service probe passed, and only what the terms
 * allow: minute `n + 1` at exactly `(n + 1) × price`, within the deposit, and no sooner than the
 * agreed billing interval after the previous one (a provider that ticks faster collects nothing
 * early: `controller::session::Pace`). Each signed state goes
 * to `persist` before it is sent, so the provider never holds a state the consumer could lose.
 * Anything refused is answered with an `Error` frame (`Refused`, the reason) and ends the session.
 */
import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, decodeAddress, encodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import type { OfferSigner } from './offers.js';
import { closePreimage, signClose, signState, type ChannelPosition } from './states.js';
import type { Hex } from './types.js';
import { frameName, joinPreimage, WireConnection, WireError, type Frame, type SignedState, type Tick } from './wire.js';

/** What the consumer checks each tick and close against (`controller::channel::Terms`). */
export interface ConsumerTerms {
  /** `price_per_minute`: after minute `m`, exactly `m × price` is owed. */
  pricePerMinute: bigint | number;
  /** Everything deposited: no state may owe more. */
  deposit: bigint | number;
  /**
   * The provider's channel key (32 bytes, hex): a close request's signature is checked against
   * it, as the Rust consumer checks it against the key on chain. Without it, a bad provider
   * signature goes unnoticed and the close is countersigned anyway; that is harmless (the
   * countersignature agrees to no more than the consumer's own newest state), but the close
   * then cannot be submitted.
   */
  providerKey?: Hex;
}

/** A countersigned cooperative close: what `close_cooperative` takes. */
export interface CooperativeClose {
  nonce: bigint;
  cumulative: bigint;
  providerSignature: Hex;
  consumerSignature: Hex;
}

export type ConsumerEvent =
  /** The hellos matched and `Join` was sent. */
  | { kind: 'joined' }
  /** The provider's newest stored state is `nonce`; answered with `Ack`, or with the newer
   * state it lost (`resent`). */
  | { kind: 'resumed'; nonce: bigint; resent: boolean }
  /** A state was signed, persisted and sent. */
  | { kind: 'signed'; state: SignedState }
  /** The provider stored the state with this nonce. */
  | { kind: 'acknowledged'; nonce: bigint }
  /** The close was countersigned and sent. */
  | { kind: 'closeSigned'; close: CooperativeClose };

export interface ConsumeOptions {
  host: string;
  port: number;
  /** The escrow's address: SS58 or 32-byte hex. */
  escrow: string;
  /** The channel id (32 bytes, hex). */
  channel: Hex;
  /** The channel's consumer key (`consumer_key` of the terms), e.g. a keyring pair. */
  signer: OfferSigner;
  terms: ConsumerTerms;
  /** The newest state signed in an earlier session (as `persist` got it); none for a new channel. */
  latest?: SignedState | null;
  /**
   * The billing interval agreed with the provider, in milliseconds (`cgrid consume
   * --interval-secs`): a tick that comes sooner after the previous state signed in this session
   * (or after joining) is refused unsigned. The provider waits out an interval only after it has
   * the previous state, so an honest provider's ticks are never early.
   */
  intervalMs: number;
  /** Hang up once this many states signed in this session are acknowledged. */
  maxIntervals?: number;
  /** Runs before each tick is signed: `false` or a throw stops signing, and the provider is told why. */
  probe?: () => boolean | Promise<boolean>;
  /** Stores a state durably; awaited before the state is sent (a throw ends the session, and
   * the state is not sent). */
  persist?: (state: SignedState) => void | Promise<void>;
  onEvent?: (event: ConsumerEvent) => void;
}

export interface ConsumeOutcome {
  /**
   * `closed`: the close was countersigned and the provider hung up; `intervals`: `maxIntervals`
   * states were acknowledged; `hangup`: the provider hung up without a close.
   */
  end: 'closed' | 'intervals' | 'hangup';
  /** The newest signed state. */
  latest: SignedState | null;
  /** States signed in this session. */
  signed: number;
  close: CooperativeClose | null;
}

/**
 * Why the consumer refuses to sign `tick` after `latest` (`ChannelRecord::check_tick`, with its
 * messages), or `null`: it is the next minute, at exactly `minute × price`, within the deposit.
 */
export function checkTick(terms: ConsumerTerms, latest: SignedState | null, tick: Tick): string | null {
  const expected = (latest?.nonce ?? 0n) + 1n;
  if (expected >= 1n << 64n) return 'arithmetic overflow';
  if (tick.minute !== expected) return `minute ${tick.minute} out of order: expected minute ${expected}`;
  const deposit = BigInt(terms.deposit);
  const due = BigInt(terms.pricePerMinute) * tick.minute;
  if (due >= 1n << 128n) return 'arithmetic overflow';
  if (due > deposit) return `the deposit ${deposit} does not cover ${due}; top up or close`;
  if (tick.amount !== due) {
    return `minute ${tick.minute} must cost ${due} in total at the agreed price, not ${tick.amount}`;
  }
  return null;
}

/** A 32-byte value given as hex (a channel id, a key), lowercase; throws if it is not one. */
function hex32(what: string, value: string): Hex {
  if (!isHex(value) || hexToU8a(value).length !== 32) throw new Error(`${what} must be 32 bytes of 0x hex, not ${value}`);
  return u8aToHex(hexToU8a(value));
}

/** Pays `channel` at the provider's daemon until it closes the channel or hangs up, or
 * `maxIntervals` are paid. Rejects with a `WireError` when either side refused (`peer` /
 * `refused`) or the connection failed. */
export async function consumeChannel(options: ConsumeOptions): Promise<ConsumeOutcome> {
  const escrow = decodeAddress(options.escrow);
  if (escrow.length !== 32) throw new Error(`the escrow address must be 32 bytes, not ${escrow.length}`);
  const channel = hex32('the channel id', options.channel);
  const { signer, terms, probe, persist, maxIntervals = Infinity, intervalMs } = options;
  if (!Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new Error(`the billing interval must be a number of milliseconds, not ${intervalMs}`);
  }
  if (terms.providerKey !== undefined) hex32('the provider key', terms.providerKey);
  const emit = options.onEvent ?? (() => {});
  const at = (nonce: bigint, cumulative: bigint): ChannelPosition => ({
    escrow: encodeAddress(escrow),
    channel,
    nonce,
    cumulative,
  });
  await cryptoWaitReady();

  let latest = options.latest ?? null;
  const minutes = () => latest?.nonce ?? 0n;
  /** The newest nonce the provider said it stored: acknowledged, or resumed at. */
  let acknowledged = 0n;
  let close: CooperativeClose | null = null;
  let signed = 0;
  const outcome = (end: ConsumeOutcome['end']): ConsumeOutcome => ({ end, latest, signed, close });
  const notOpen = (_: CooperativeClose) => 'the channel is closing, not open';
  /** Why a close request is refused (`ChannelRecord::countersign_close`, and the state must be
   * one the provider acknowledged), or `null`. */
  const refuseClose = (nonce: bigint, cumulative: bigint, providerSignature: Hex): string | null => {
    if (close) return notOpen(close);
    if (nonce !== minutes() || cumulative !== (latest?.cumulative ?? 0n)) {
      return `the close must be of the newest state (nonce ${minutes()}), not nonce ${nonce}`;
    }
    if (nonce > acknowledged) {
      return `the close must be of a state the provider acknowledged (nonce ${acknowledged}), not nonce ${nonce}`;
    }
    if (terms.providerKey && !verify(closePreimage(at(nonce, cumulative)), providerSignature, terms.providerKey)) {
      return 'the close signature of the Provider is invalid';
    }
    return null;
  };

  const conn = await WireConnection.connect(options.host, options.port);
  try {
    const { theirs } = await conn.handshake('Consumer', u8aToHex(escrow));
    const joinSignature = u8aToHex(signer.sign(blake2AsU8a(joinPreimage(u8aToHex(escrow), theirs, [channel]), 256)));
    await conn.send({ join: { channels: [channel], signature: joinSignature } });
    emit({ kind: 'joined' });
    /** When the previous interval was signed (or the session began). */
    let lastSigned = performance.now();

    /** The service check before signing; a failure ends the session. */
    const checkService = async () => {
      if (!probe) return;
      let why: string | null;
      try {
        why = (await probe()) ? null : 'the probe reported the service down';
      } catch (e) {
        why = (e as Error).message;
      }
      if (why !== null) throw await conn.refuse('Refused', `the consumer's service probe failed: ${why}`);
    };

    for (;;) {
      let frame: Frame;
      try {
        frame = await conn.recv();
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        if (e.kind === 'malformed') continue; // answered; wait for a proper frame
        if (e.kind === 'closed') return outcome(close ? 'closed' : 'hangup');
        throw e;
      }

      if ('tick' in frame) {
        if (signed >= maxIntervals) return outcome('intervals');
        await checkService();
        if (frame.tick.channel !== channel) {
          await conn.sendError('UnknownChannel', 'no such channel here');
          continue;
        }
        const { minute, amount } = frame.tick.tick;
        const waited = performance.now() - lastSigned;
        const early =
          waited < intervalMs
            ? `tick for minute ${minute} came ${(waited / 1000).toFixed(3)} s after the previous interval; the billing interval is ${(intervalMs / 1000).toFixed(3)} s`
            : null;
        const why = close ? notOpen(close) : early ?? checkTick(terms, latest, frame.tick.tick);
        if (why) throw await conn.refuse('Refused', why);
        const state = { nonce: minute, cumulative: amount, signature: signState(signer, at(minute, amount)) };
        await persist?.(state);
        latest = state;
        signed += 1;
        lastSigned = performance.now();
        await conn.send({ state: { channel, state } });
        emit({ kind: 'signed', state });
      } else if ('ack' in frame) {
        // Only an acknowledgement of a state signed here counts; others are ignored, as in Rust.
        const { nonce } = frame.ack;
        if (frame.ack.channel !== channel || nonce > minutes() || nonce < acknowledged) continue;
        acknowledged = nonce;
        emit({ kind: 'acknowledged', nonce });
        if (signed >= maxIntervals && acknowledged === minutes()) return outcome('intervals');
      } else if ('resume' in frame) {
        const { nonce } = frame.resume;
        if (frame.resume.channel !== channel) {
          await conn.sendError('UnknownChannel', 'no such channel here');
          continue;
        }
        // The provider lost a state signed here (a crash before its commit): send it again.
        const resent = latest !== null && latest.nonce > nonce;
        if (latest && resent) {
          await conn.send({ state: { channel, state: latest } });
        } else if (minutes() < nonce) {
          throw await conn.refuse(
            'Refused',
            `the provider claims minute ${nonce}; the newest state signed here is minute ${minutes()}`,
          );
        } else {
          await conn.send({ ack: { channel, nonce } });
        }
        if (nonce > acknowledged) acknowledged = nonce;
        emit({ kind: 'resumed', nonce, resent });
      } else if ('closeRequest' in frame) {
        const { nonce, cumulative, providerSignature } = frame.closeRequest;
        if (frame.closeRequest.channel !== channel) {
          await conn.sendError('UnknownChannel', 'no such channel here');
          continue;
        }
        const why = refuseClose(nonce, cumulative, providerSignature);
        if (why) throw await conn.refuse('Refused', why);
        close = { nonce, cumulative, providerSignature, consumerSignature: signClose(signer, at(nonce, cumulative)) };
        await conn.send({ closeSigned: { channel, nonce, cumulative, consumerSignature: close.consumerSignature } });
        emit({ kind: 'closeSigned', close });
      } else {
        await conn.sendError('Unexpected', `unexpected ${frameName(frame)}`);
      }
    }
  } finally {
    conn.close();
  }
}

/** Whether `key` signed blake2-256 of `preimage` (sr25519). */
function verify(preimage: Uint8Array, signature: Hex, key: Hex): boolean {
  try {
    return sr25519Verify(blake2AsU8a(preimage, 256), signature, key);
  } catch {
    return false;
  }
}
