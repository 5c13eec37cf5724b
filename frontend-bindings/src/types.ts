/**
 * Plain value types shared by the generated bindings (see README.md, "Type conventions").
 *
 * The plain value of a contract type is what polkadot.js's `Codec.toJSON()` renders for it,
 * except that every integer of 64 bits or more is a `bigint` (toJSON gives a number or a hex
 * string depending on the size) and the converter never loses precision.
 */

/** Bytes (`Vec<u8>`, `[u8; N]`, hashes) as a lowercase `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

/**
 * An account (`AccountId`). Outputs are SS58 strings in the chain's address format (42, the
 * generic Substrate prefix, when no chain is connected); inputs may be SS58 or 32-byte hex.
 */
export type AccountIdString = string;

/** `Result<T, E>`: exactly one of `ok` / `err` (as polkadot.js renders it). */
export type Result<T, E> = { ok: T } | { err: E };

/** The weight of a call, as pallet-contracts measures it (Weight v2). */
export interface WeightLike {
  refTime: bigint | number;
  proofSize: bigint | number;
}
