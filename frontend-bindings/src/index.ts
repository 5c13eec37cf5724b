/**
 * @computegrid/bindings: typed polkadot.js bindings of the ComputeGrid ink! contracts.
 *
 * - `…Contract` classes (generated, src/generated/): typed `query` / `dryRun` / `tx`,
 *   `decodeEvents`, typed deployers, selectors;
 * - `DidRegistry`, `TradeEscrow`, … namespaces: the TypeScript types of each contract;
 * - `ScaleCodec` (src/codec.ts): the converter between polkadot.js codecs and plain values;
 * - `signOffer` / `offerPreimage` (src/offers.ts): a provider's signed trade offer;
 * - `signState` / `signClose` and their preimages (src/states.ts): a consumer paying a channel
 *   interval by interval, and a cooperative close;
 * - `encodeFrame` / `decodeFrame` / `WireConnection` (src/wire.ts): the controller's wire protocol;
 * - `consumeChannel` (src/consumer.ts): a consumer paying a `cgrid provide` daemon over it.
 */
export * from './types.js';
export * from './codec.js';
export * from './contract.js';
export * from './samples.js';
export * from './offers.js';
export * from './states.js';
export * from './wire.js';
export * from './consumer.js';
export * from './generated/index.js';
