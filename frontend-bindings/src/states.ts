/**
 * What a consumer signs each billing interval, and what both channel keys sign to close
 * cooperatively, byte for byte as trade_escrow verifies them (`cgrid_shared::escrow::
 * state_preimage` / `close_preimage`): sr25519 over `blake2_256(SCALE(DOMAIN, escrow, channel,
 * nonce: u64, cumulative: u128))`. The escrow's address and the channel id make a signature
 * valid for one channel only; `nonce` is the minute, `cumulative` the total owed.
 */
import { bnToU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import type { OfferSigner } from './offers.js';
import type { Hex } from './types.js';

/** `cgrid_shared::escrow::STATE_DOMAIN`: 16 bytes. */
export const STATE_DOMAIN = stringToU8a('cgrid/state/v1\0\0');
/** `cgrid_shared::escrow::CLOSE_DOMAIN`: 16 bytes. */
export const CLOSE_DOMAIN = stringToU8a('cgrid/close/v1\0\0');

/** A channel's billing position: the minute and the total owed. */
export interface ChannelPosition {
  /** The escrow's address (SS58). */
  escrow: string;
  /** The channel id (32 bytes, 0x-hex). */
  channel: Hex;
  nonce: bigint | number;
  cumulative: bigint | number;
}

function preimage(domain: Uint8Array, p: ChannelPosition): Uint8Array {
  const channel = hexToU8a(p.channel);
  if (channel.length !== 32) {
    throw new Error(`a channel id is 32 bytes, not ${channel.length}`);
  }
  const nonce = BigInt(p.nonce);
  const cumulative = BigInt(p.cumulative);
  if (nonce < 0n || nonce >= 2n ** 64n) throw new Error('nonce is not a u64');
  if (cumulative < 0n || cumulative >= 2n ** 128n) throw new Error('cumulative is not a u128');
  return u8aConcat(
    domain,
    decodeAddress(p.escrow),
    channel,
    bnToU8a(nonce, { bitLength: 64, isLe: true }),
    bnToU8a(cumulative, { bitLength: 128, isLe: true }),
  );
}

/** The bytes whose blake2-256 the consumer's channel key signs for a state. */
export function statePreimage(p: ChannelPosition): Uint8Array {
  return preimage(STATE_DOMAIN, p);
}

/** The bytes whose blake2-256 both channel keys sign for a cooperative close. */
export function closePreimage(p: ChannelPosition): Uint8Array {
  return preimage(CLOSE_DOMAIN, p);
}

/** The consumer's signature on a state (the `signature` of `checkpoint` / `start_close`). */
export function signState(consumerKey: OfferSigner, p: ChannelPosition): Hex {
  return u8aToHex(consumerKey.sign(blake2AsU8a(statePreimage(p), 256)));
}

/** One side's signature on a cooperative close (`close_cooperative` takes both). */
export function signClose(key: OfferSigner, p: ChannelPosition): Hex {
  return u8aToHex(key.sign(blake2AsU8a(closePreimage(p), 256)));
}
