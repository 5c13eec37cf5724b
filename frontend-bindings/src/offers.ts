/**
 * What a provider signs to offer a trade, byte for byte as trade_escrow verifies it
 * (`cgrid_shared::escrow::offer_preimage`): sr25519 over
 * `blake2_256(SCALE(OFFER_DOMAIN, escrow, deployment, terms))`, where `deployment` is the
 * escrow's `deployment()` id (so an offer never verifies on another escrow or chain).
 */
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import type { Caller } from './contract.js';
import { TradeEscrowContract, type TradeEscrow } from './generated/index.js';
import type { Hex } from './types.js';

/** `cgrid_shared::escrow::OFFER_DOMAIN`: 16 bytes. */
export const OFFER_DOMAIN = stringToU8a('cgrid/offer/v1\0\0');

/** An sr25519 key that signs raw bytes, e.g. a polkadot.js `KeyringPair`. */
export interface OfferSigner {
  sign(message: Uint8Array): Uint8Array;
}

/** The bytes whose blake2-256 the provider signs; `caller` runs the `deployment()` query. */
export async function offerPreimage(
  escrow: TradeEscrowContract,
  caller: Caller,
  terms: TradeEscrow.TradeTerms,
): Promise<Uint8Array> {
  const deployment = await escrow.query.deployment(caller);
  return u8aConcat(
    OFFER_DOMAIN,
    decodeAddress(escrow.address),
    deployment,
    TradeEscrowContract.encode('TradeTerms', terms),
  );
}

/** The provider's offer signature on `terms` for `escrow` (the `signature` argument of `open`). */
export async function signOffer(
  escrow: TradeEscrowContract,
  provider: OfferSigner & { readonly address: string },
  terms: TradeEscrow.TradeTerms,
): Promise<Hex> {
  const preimage = await offerPreimage(escrow, provider.address, terms);
  return u8aToHex(provider.sign(blake2AsU8a(preimage, 256)));
}
