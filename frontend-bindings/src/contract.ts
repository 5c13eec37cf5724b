/**
 * The runtime behind every generated contract class: typed `query` / `dryRun` / `tx` built on
 * `ContractPromise`, typed deployers built on `CodePromise` / `BlueprintPromise`, and event
 * decoding. The generated files only declare types and a spec table of type ids.
 */
import '@polkadot/api-augment'; // types of api.consts / api.call (substrate with pallet-contracts)
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { Abi, BlueprintPromise, CodePromise, ContractPromise } from '@polkadot/api-contract';
import type { AccountId, DispatchError, EventRecord, StorageDeposit, WeightV2 } from '@polkadot/types/interfaces';
import type { SpRuntimeDispatchError } from '@polkadot/types/lookup';
import type { Enum } from '@polkadot/types';
import type { Codec } from '@polkadot/types/types';
import { compactAddLength, hexToU8a, isHex, isU8a, u8aToHex, u8aToString } from '@polkadot/util';
import { decodeAddress, encodeAddress, randomAsU8a } from '@polkadot/util-crypto';
import { ScaleCodec, type PortableType } from './codec.js';
import type { Hex, WeightLike } from './types.js';

// ---------------------------------------------------------------------------------------------
// Spec tables (emitted by scripts/generate.mjs)

export interface ArgSpec {
  /** The parameter / property name in TypeScript (camelCase of the label). */
  readonly name: string;
  /** The name in the contract (Rust). */
  readonly label: string;
  /** scale-info type id. */
  readonly type: number;
}

export interface EventArgSpec extends ArgSpec {
  readonly indexed: boolean;
}

export interface ConstructorSpec {
  /** Position in `abi.constructors`. */
  readonly index: number;
  readonly label: string;
  /** The deployer's method name (camelCase of the label). */
  readonly method: string;
  readonly selector: Hex;
  readonly payable: boolean;
  readonly args: readonly ArgSpec[];
  /** Type id of `Result<_, LangError>` the constructor returns. */
  readonly returnType: number | null;
}

export interface MessageSpec {
  /** Position in `abi.messages`. */
  readonly index: number;
  /** The label in the metadata: `create_did`, or `Trait::message` for a trait message. */
  readonly label: string;
  /** The method name in `query` / `dryRun` / `tx`: `createDid`, `DidRegistry_isAuthority`. */
  readonly method: string;
  readonly selector: Hex;
  readonly mutates: boolean;
  readonly payable: boolean;
  readonly args: readonly ArgSpec[];
  /** Type id of the message's return type as declared in the metadata: `Result<T, LangError>`. */
  readonly returnType: number | null;
}

/** One variant of a topicless event of changes: the event the bindings hand out for it. */
export interface EventChangeSpec {
  /** The variant's name, which is the handed-out event's `name` (`Checkpointed`). */
  readonly name: string;
  /** Its payload's scale-info type id: the handed-out event's `args`. */
  readonly type: number;
}

export interface EventSpec {
  readonly label: string;
  readonly signatureTopic: Hex | null;
  readonly args: readonly EventArgSpec[];
  /**
   * Set for a topicless event whose one field is an enum of changes (the escrow's
   * `ChannelUpdated`, the auction's `AuctionUpdated`: a topic costs a storage write on chain):
   * `decodeEvents` hands out the change, `{ name: 'Checkpointed', args: {…} }`.
   */
  readonly changes: readonly EventChangeSpec[] | null;
}

export interface ContractSpec {
  /** The contract's name (`did_registry`). */
  readonly contract: string;
  readonly constructors: readonly ConstructorSpec[];
  readonly messages: readonly MessageSpec[];
  readonly events: readonly EventSpec[];
  /** Every named TypeScript type of the bindings → its scale-info type id. */
  readonly types: Readonly<Record<string, number>>;
}

/** ink! metadata (v5) as cargo-contract writes it; only `types` is read directly. */
export interface InkMetadata {
  readonly version: number | string;
  readonly types: readonly PortableType[];
  readonly spec: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Type-level maps (emitted as interfaces by the generator)

export interface MessageDef {
  args: unknown[];
  returns: unknown;
  mutates: boolean;
  payable: boolean;
}

export interface ConstructorDef {
  args: unknown[];
  payable: boolean;
}

export interface ContractEvent {
  readonly name: string;
  /** The fields, camelCase (an interface of the generated types for a change). */
  readonly args: object;
}

export type MessageMap<M> = { [K in keyof M]: MessageDef };
export type ConstructorMap<C> = { [K in keyof C]: ConstructorDef };

/** An account: SS58 / hex string, public key bytes, an `AccountId` codec or a keyring pair. */
export type AddressLike = string | Uint8Array | AccountId | { readonly address: string };

export interface CallOptions {
  /** The account the dry run executes as (`caller()` in the contract). */
  readonly caller: AddressLike;
  /** Value transferred with the call (payable messages only). */
  readonly value?: bigint | number;
  /** Weight limit of the dry run; default: the chain's maximum block weight. */
  readonly gasLimit?: WeightLike | WeightV2;
  /** Storage deposit limit of the dry run; default: none. */
  readonly storageDepositLimit?: bigint | number | null;
}

/** A dry run's caller: an account, or the account with the other call options. */
export type Caller = AddressLike | CallOptions;

export interface TxOptions {
  /** Value transferred with the call (payable messages only). */
  readonly value?: bigint | number;
  /**
   * Weight limit. When absent the message is dry-run as `caller` first and its `gasRequired`
   * is used (and its storage deposit charge as the deposit limit, unless one is given); a dry
   * run that fails or reverts throws a `ContractCallError` instead of building the extrinsic.
   */
  readonly gasLimit?: WeightLike | WeightV2;
  readonly storageDepositLimit?: bigint | number | null;
  /** The account that will sign; needed for the dry run when `gasLimit` is absent. */
  readonly caller?: AddressLike;
}

export interface DeployOptions extends TxOptions {
  /** Instantiation salt (the address depends on it); default: 32 random bytes. */
  readonly salt?: Uint8Array | Hex;
}

/** What a dry run returned. */
export interface DryRunResult<T> {
  /** The message's return value (ink!'s outer `Result<_, LangError>` unwrapped). */
  readonly value: T;
  /** The contract reverted its state (an ink! message that returns `Err` reverts). */
  readonly reverted: boolean;
  readonly gasConsumed: WeightV2;
  readonly gasRequired: WeightV2;
  readonly storageDeposit: StorageDeposit;
  /** The contract's debug buffer (empty on chains that do not return it). */
  readonly debugMessage: string;
}

export type QueryMethods<M extends MessageMap<M>> = {
  readonly [K in keyof M]: (caller: Caller, ...args: M[K]['args']) => Promise<M[K]['returns']>;
};

export type DryRunMethods<M extends MessageMap<M>> = {
  readonly [K in keyof M]: (caller: Caller, ...args: M[K]['args']) => Promise<DryRunResult<M[K]['returns']>>;
};

export type TxMethods<M extends MessageMap<M>> = {
  readonly [K in keyof M as M[K]['mutates'] extends true ? K : never]: (
    options: TxOptions,
    ...args: M[K]['args']
  ) => Promise<SubmittableExtrinsic<'promise'>>;
};

export type DeployMethods<C extends ConstructorMap<C>> = {
  readonly [K in keyof C]: (options: DeployOptions, ...args: C[K]['args']) => Promise<SubmittableExtrinsic<'promise'>>;
};

/** Where a deployer takes the code from: the Wasm blob (uploaded) or the hash of stored code. */
export type CodeSource = { readonly wasm: Uint8Array | Hex } | { readonly codeHash: Hex };

/** Records to decode: a `SubmittableResult`, the value of `system.events`, or any list. */
export type EventSource = Iterable<EventRecord> | { readonly events: Iterable<EventRecord> };

// ---------------------------------------------------------------------------------------------
// Errors

export type ContractCallErrorKind = 'dispatch' | 'lang' | 'revert';

/**
 * A dry run that did not produce a value: the call failed in the pallet (`dispatch`, e.g.
 * `ContractTrapped`), ink! refused the input (`lang`: `LangError`), or — for the dry run that
 * `tx` / deployers do before building an extrinsic — the contract reverted (`revert`).
 */
export class ContractCallError extends Error {
  constructor(
    readonly kind: ContractCallErrorKind,
    readonly label: string,
    message: string,
    /** `revert`: the decoded return value; `lang`: the LangError; `dispatch`: the DispatchError. */
    readonly details: unknown,
    readonly debugMessage = '',
  ) {
    super(`${label}: ${message}${debugMessage ? ` (debug: ${debugMessage})` : ''}`);
    this.name = 'ContractCallError';
  }
}

function describeDispatchError(api: ApiPromise, error: DispatchError | SpRuntimeDispatchError): string {
  if (error.isModule) {
    try {
      const { section, name, docs } = api.registry.findMetaError(error.asModule as DispatchError['asModule']);
      return `${section}.${name}${docs.length ? `: ${docs.join(' ').trim()}` : ''}`;
    } catch {
      // metadata without that error: fall through
    }
  }
  return error.toString();
}

function stringifyPlain(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** The SS58 (or hex) string of an address-like value. */
export function addressOf(value: AddressLike): string {
  if (typeof value === 'string') return value;
  if (isU8a(value)) return u8aToHex(value);
  if ('address' in value && typeof value.address === 'string') return value.address;
  return value.toString();
}

function toWeight(api: ApiPromise, weight: WeightLike | WeightV2): WeightV2 {
  return api.registry.createType('WeightV2', {
    refTime: BigInt(weight.refTime.toString()),
    proofSize: BigInt(weight.proofSize.toString()),
  });
}

function maxQueryWeight(api: ApiPromise): WeightV2 | undefined {
  const weights = api.consts.system?.blockWeights;
  return weights ? toWeight(api, weights.maxBlock) : undefined;
}

/**
 * The REVERT flag of an ink! return. The runtime API gives `ReturnFlags { bits }` on current
 * pallet-contracts, older type definitions a set with `isRevert`.
 */
function isRevert(flags: Codec): boolean {
  const f = flags as unknown as { isRevert?: unknown; bits?: Codec };
  if (typeof f.isRevert === 'boolean') return f.isRevert;
  return (Number((f.bits ?? flags).toString()) & 1) === 1;
}

function isCallOptions(caller: Caller): caller is CallOptions {
  return typeof caller === 'object' && !isU8a(caller) && 'caller' in caller;
}

/** The unwrapped value of an ink! `Result<T, LangError>` (or the value, for other types). */
function unwrapLangResult(
  codec: ScaleCodec,
  typeId: number | null,
  output: Codec | null,
  label: string,
  debugMessage: string,
): unknown {
  if (typeId === null || output === null) return null;
  const shape = codec.types.shape(typeId);
  const plain = codec.toPlain(typeId, output);
  if (shape.kind !== 'result' || codec.types.describe(shape.err) !== 'ink_primitives::LangError') return plain;
  const result = plain as { ok: unknown } | { err: unknown };
  if ('err' in result) {
    throw new ContractCallError('lang', label, `ink! LangError ${stringifyPlain(result.err)}`, result.err, debugMessage);
  }
  return result.ok;
}

function createAbi(metadata: InkMetadata, api?: ApiPromise): Abi {
  return new Abi(metadata as unknown as Record<string, unknown>, api?.registry.getChainProperties());
}

/** An `Abi` and its converter for offline use (encoding, event decoding), built once. */
export class OfflineCodec {
  readonly abi: Abi;
  readonly codec: ScaleCodec;
  constructor(metadata: InkMetadata) {
    this.abi = createAbi(metadata);
    this.codec = new ScaleCodec(metadata.types, this.abi.registry);
  }
}

/**
 * Decodes one `contracts.ContractEmitted` record (ink! 5: the event is found by its signature
 * topic, the record's first topic; a record without topics is the contract's anonymous event).
 * A topicless event of changes gives the change itself (see `EventSpec.changes`). Returns
 * `null` for a record that is not a contract event.
 */
export function decodeContractEvent<E extends ContractEvent>(
  abi: Abi,
  codec: ScaleCodec,
  spec: ContractSpec,
  record: EventRecord,
): E | null {
  const { event } = record;
  if (event.section !== 'contracts' || event.method !== 'ContractEmitted') return null;
  const decoded = abi.decodeEvent(record);
  const eventSpec = spec.events[decoded.event.index];
  if (!eventSpec) throw new Error(`${spec.contract}: no event at index ${decoded.event.index}`);
  if (eventSpec.changes) {
    const update = decoded.args[0] as Enum;
    const change = eventSpec.changes.find((c) => c.name === update.type);
    if (!change) throw new Error(`${spec.contract}: ${eventSpec.label} has no change ${update.type}`);
    return { name: change.name, args: codec.toPlain(change.type, update.value, change.name) } as unknown as E;
  }
  const args: Record<string, unknown> = {};
  eventSpec.args.forEach((arg, i) => {
    args[arg.name] = codec.toPlain(arg.type, decoded.args[i] as Codec, arg.name);
  });
  return { name: eventSpec.label, args } as unknown as E;
}

function recordsOf(source: EventSource): Iterable<EventRecord> {
  return Symbol.iterator in source ? (source as Iterable<EventRecord>) : source.events;
}

/** The address of the contract a `contracts.Instantiated` event in `source` reports (the last). */
export function instantiatedAddress(source: EventSource): string | undefined {
  let address: string | undefined;
  for (const { event } of recordsOf(source)) {
    if (event.section === 'contracts' && event.method === 'Instantiated') {
      address = (event.data[1] as Codec).toString();
    }
  }
  return address;
}

// ---------------------------------------------------------------------------------------------
// The contract base class

/**
 * A deployed contract with typed `query`, `dryRun` and `tx` (one method per message, see the
 * generated `…Messages` interface) and typed event decoding.
 */
export class InkContract<M extends MessageMap<M>, E extends ContractEvent> {
  readonly api: ApiPromise;
  /** The `Abi` (with the chain's SS58 format). */
  readonly abi: Abi;
  /** The polkadot.js contract this class wraps. */
  readonly contract: ContractPromise;
  readonly codec: ScaleCodec;
  readonly spec: ContractSpec;
  /** Dry-runs a message and returns its typed value. */
  readonly query: QueryMethods<M>;
  /** Dry-runs a message and returns its typed value with weights, deposit and revert flag. */
  readonly dryRun: DryRunMethods<M>;
  /** Builds the extrinsic of a mutating message (gas limit from a dry run unless given). */
  readonly tx: TxMethods<M>;

  constructor(api: ApiPromise, metadata: InkMetadata, spec: ContractSpec, address: AddressLike) {
    this.api = api;
    this.spec = spec;
    this.abi = createAbi(metadata, api);
    this.contract = new ContractPromise(api, this.abi, addressOf(address));
    this.codec = new ScaleCodec(metadata.types, this.abi.registry);
    const query: Record<string, unknown> = {};
    const dryRun: Record<string, unknown> = {};
    const tx: Record<string, unknown> = {};
    for (const message of spec.messages) {
      dryRun[message.method] = (caller: Caller, ...args: unknown[]) => this.#dryRun(message, caller, args);
      query[message.method] = async (caller: Caller, ...args: unknown[]) =>
        (await this.#dryRun(message, caller, args)).value;
      if (message.mutates) tx[message.method] = (options: TxOptions, ...args: unknown[]) => this.#tx(message, options, args);
    }
    this.query = query as QueryMethods<M>;
    this.dryRun = dryRun as DryRunMethods<M>;
    this.tx = tx as TxMethods<M>;
  }

  /** The contract's address (SS58 in the chain's format). */
  get address(): string {
    return this.contract.address.toString();
  }

  /** Typed events this contract emitted in `source` (other contracts' events are skipped). */
  decodeEvents(source: EventSource): E[] {
    const events: E[] = [];
    for (const record of recordsOf(source)) {
      const { event } = record;
      if (event.section !== 'contracts' || event.method !== 'ContractEmitted') continue;
      if (!this.contract.address.eq(event.data[0])) continue;
      const decoded = decodeContractEvent<E>(this.abi, this.codec, this.spec, record);
      if (decoded) events.push(decoded);
    }
    return events;
  }

  #encodeArgs(args: readonly { name: string; type: number }[], values: unknown[], label: string): unknown[] {
    if (values.length !== args.length) {
      throw new TypeError(`${label}: expected ${args.length} argument(s), found ${values.length}`);
    }
    return args.map((arg, i) => this.codec.fromPlain(arg.type, values[i], arg.name));
  }

  async #dryRun(message: MessageSpec, caller: Caller, values: unknown[]): Promise<DryRunResult<unknown>> {
    const options: CallOptions = isCallOptions(caller) ? caller : { caller };
    if (!message.payable && options.value) {
      throw new TypeError(`${message.label} is not payable: do not transfer a value`);
    }
    const args = this.#encodeArgs(message.args, values, message.label);
    const query = this.contract.query[this.abi.messages[message.index]?.method ?? ''];
    if (!query) throw new Error(`${this.spec.contract}: the Abi has no message ${message.label}`);
    const gasLimit = options.gasLimit ? toWeight(this.api, options.gasLimit) : maxQueryWeight(this.api);
    const outcome = await query(
      addressOf(options.caller),
      {
        ...(gasLimit ? { gasLimit } : {}),
        storageDepositLimit: options.storageDepositLimit ?? null,
        value: options.value ?? 0,
      },
      ...args,
    );
    // The debug buffer's raw bytes as text ('' when empty: `toString` renders empty Bytes as '0x').
    const debugMessage = u8aToString(outcome.debugMessage.toU8a(true));
    if (outcome.result.isErr) {
      const error = outcome.result.asErr;
      throw new ContractCallError('dispatch', message.label, describeDispatchError(this.api, error), error, debugMessage);
    }
    const value = unwrapLangResult(this.codec, message.returnType, outcome.output, message.label, debugMessage);
    return {
      value,
      reverted: isRevert(outcome.result.asOk.flags),
      gasConsumed: toWeight(this.api, outcome.gasConsumed as WeightV2),
      gasRequired: toWeight(this.api, outcome.gasRequired as WeightV2),
      storageDeposit: outcome.storageDeposit,
      debugMessage,
    };
  }

  async #tx(message: MessageSpec, options: TxOptions, values: unknown[]): Promise<SubmittableExtrinsic<'promise'>> {
    if (!message.payable && options.value) {
      throw new TypeError(`${message.label} is not payable: do not transfer a value`);
    }
    let gasLimit = options.gasLimit ? toWeight(this.api, options.gasLimit) : undefined;
    let storageDepositLimit = options.storageDepositLimit ?? null;
    if (!gasLimit) {
      if (!options.caller) {
        throw new TypeError(`${message.label}: give gasLimit, or caller for the dry run that estimates it`);
      }
      const run = await this.#dryRun(
        message,
        { caller: options.caller, ...(options.value !== undefined ? { value: options.value } : {}) },
        values,
      );
      if (run.reverted) {
        throw new ContractCallError('revert', message.label, `the dry run reverted with ${stringifyPlain(run.value)}`, run.value, run.debugMessage);
      }
      gasLimit = run.gasRequired;
      if (options.storageDepositLimit === undefined && run.storageDeposit.isCharge) {
        storageDepositLimit = run.storageDeposit.asCharge.toBigInt();
      }
    }
    const args = this.#encodeArgs(message.args, values, message.label);
    const tx = this.contract.tx[this.abi.messages[message.index]?.method ?? ''];
    if (!tx) throw new Error(`${this.spec.contract}: the Abi has no message ${message.label}`);
    return tx({ gasLimit, storageDepositLimit, value: options.value ?? 0 }, ...args);
  }
}

// ---------------------------------------------------------------------------------------------
// Deployers

/**
 * Typed constructors of a contract: each builds the `instantiateWithCode` (for `{ wasm }`) or
 * `instantiate` (for `{ codeHash }`) extrinsic. Without `gasLimit`, the constructor is
 * dry-run as `caller` first (`ContractsApi_instantiate`), as for `tx`.
 * After inclusion, `instantiatedAddress(result)` gives the new contract's address.
 */
export function createDeployer<C extends ConstructorMap<C>>(
  api: ApiPromise,
  metadata: InkMetadata,
  spec: ContractSpec,
  source: CodeSource,
): DeployMethods<C> {
  const abi = createAbi(metadata, api);
  const codec = new ScaleCodec(metadata.types, abi.registry);
  const wasm = 'wasm' in source ? (isHex(source.wasm) ? hexToU8a(source.wasm) : source.wasm) : undefined;
  const codeHash = 'codeHash' in source ? source.codeHash : undefined;
  const blueprint = wasm ? new CodePromise(api, abi, wasm) : new BlueprintPromise(api, abi, codeHash as Hex);
  const methods: Record<string, unknown> = {};
  for (const ctor of spec.constructors) {
    methods[ctor.method] = async (options: DeployOptions, ...values: unknown[]) => {
      if (!ctor.payable && options.value) throw new TypeError(`${ctor.label} is not payable: do not transfer a value`);
      if (values.length !== ctor.args.length) {
        throw new TypeError(`${ctor.label}: expected ${ctor.args.length} argument(s), found ${values.length}`);
      }
      const args = ctor.args.map((arg, i) => codec.fromPlain(arg.type, values[i], arg.name));
      const abiCtor = abi.constructors[ctor.index];
      if (!abiCtor) throw new Error(`${spec.contract}: the Abi has no constructor ${ctor.label}`);
      const salt = options.salt === undefined ? randomAsU8a() : isHex(options.salt) ? hexToU8a(options.salt) : options.salt;
      let gasLimit = options.gasLimit ? toWeight(api, options.gasLimit) : undefined;
      let storageDepositLimit = options.storageDepositLimit ?? null;
      if (!gasLimit) {
        if (!options.caller) throw new TypeError(`${ctor.label}: give gasLimit, or caller for the dry run that estimates it`);
        const run = await api.call.contractsApi.instantiate(
          addressOf(options.caller),
          options.value ?? 0,
          maxQueryWeight(api) ?? null,
          options.storageDepositLimit ?? null,
          wasm ? { Upload: compactAddLength(wasm) } : { Existing: codeHash },
          abiCtor.toU8a(args),
          compactAddLength(salt),
        );
        const debugMessage = run.debugMessage.toString();
        if (run.result.isErr) {
          throw new ContractCallError('dispatch', ctor.label, describeDispatchError(api, run.result.asErr), run.result.asErr, debugMessage);
        }
        const exec = run.result.asOk.result;
        if (isRevert(exec.flags)) {
          let value: unknown = exec.data.toHex();
          if (ctor.returnType !== null) value = codec.decode(ctor.returnType, exec.data.toU8a(true));
          throw new ContractCallError('revert', ctor.label, `the dry run reverted with ${stringifyPlain(value)}`, value, debugMessage);
        }
        gasLimit = toWeight(api, run.gasRequired);
        if (options.storageDepositLimit === undefined && run.storageDeposit.isCharge) {
          storageDepositLimit = run.storageDeposit.asCharge.toBigInt();
        }
      }
      const build = blueprint.tx[abiCtor.method];
      if (!build) throw new Error(`${spec.contract}: no constructor ${ctor.label}`);
      return build({ gasLimit, storageDepositLimit, value: options.value ?? 0, salt }, ...args);
    };
  }
  return methods as DeployMethods<C>;
}

/** `0x`-hex of an address's public key (for comparing addresses of different SS58 formats). */
export function publicKeyOf(address: AddressLike): Hex {
  return u8aToHex(decodeAddress(addressOf(address)));
}

/** The SS58 form of an address in a given format (42: generic Substrate). */
export function ss58(address: AddressLike, format = 42): string {
  return encodeAddress(decodeAddress(addressOf(address)), format);
}
