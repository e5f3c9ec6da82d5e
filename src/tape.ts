import type { OpId } from './ops.js';

export type BackendName = 'wasm' | 'js';

/**
 * What a backend provides: the tape of assembly/tape.ts behind plain numbers.
 * Node ids and parameter slots are indices. Callers (Engine) have validated
 * every id and op before calling, so implementations do not check again.
 */
export interface Tape {
  readonly backend: BackendName;

  leaf(value: number): number;
  constant(value: number): number;
  unary(op: OpId, a: number): number;
  binary(op: OpId, a: number, b: number): number;
  /** Pushes Const(c), then (a op c), or (c op a) when constFirst. Returns the op node. */
  binaryConst(op: OpId, a: number, c: number, constFirst: boolean): number;
  /** Pushes a Param node reading the slot's current value. */
  paramNode(slot: number): number;

  value(id: number): number;
  grad(id: number): number;
  op(id: number): OpId;
  /** Input k of a node: a node id, the slot of a Param node, or -1. */
  input(id: number, k: 0 | 1): number;

  backward(root: number): void;
  zeroGrad(): void;
  reset(): void;

  createParam(value: number): number;
  paramValue(slot: number): number;
  setParamValue(slot: number, value: number): void;
  paramGrad(slot: number): number;
  setParamGrad(slot: number, grad: number): void;

  /** Frees eager nodes from `count` on (count ≤ nodeCount). */
  truncate(count: number): void;

  // ── compiled programs (assembly/program.ts); Engine has checked every argument ──

  /** Copies eager nodes [start, end) into a new program; returns its id. */
  createProgram(start: number, end: number, inputCount: number, root: number): number;
  freeProgram(id: number): void;
  programForward(id: number): void;
  /** Forward, then backward from the root (input gradients are this run's; parameter gradients accumulate). */
  programRun(id: number): void;
  /** Clears the program's parameter gradients, runs, then p -= lr · grad for each. */
  programStep(id: number, lr: number): void;
  /** Writes the values of the program's first inputs.length nodes (its inputs). */
  programSetInputs(id: number, inputs: ArrayLike<number>): void;
  programValue(id: number, node: number): number;
  programGrad(id: number, node: number): number;
  programInfo(id: number): ProgramInfo;
  /**
   * Where the backend has a loader of its own (the Wasm core's programLoad):
   * validates and loads a serialized program (docs/program-format.md),
   * creating one parameter slot per file parameter, in file order, after the
   * existing ones; returns the program id, or -1 (creating nothing). Engine
   * has decoded the bytes with decodeProgram first, for its messages.
   */
  loadProgram?(bytes: Uint8Array): number;
  /** Copies of the program's node arrays, for serialization. */
  programNodes(id: number): ProgramNodes;

  readonly nodeCount: number;
  readonly nodeCapacity: number;
  readonly paramCount: number;
  /** Bytes the backend holds for the tape and parameters (Wasm: the whole linear memory). */
  readonly memoryBytes: number;
  /**
   * Bytes in live blocks outside the tensor arena. Wasm: every allocator
   * block of the core (scalar tape, parameters, programs, tensor slots and
   * tables); the twin: its scalar tape, parameter and program arrays.
   */
  readonly heapBytes: number;

  /**
   * The error for a failed call, named after the user's op: with `thrown`,
   * what the call threw (out of memory becomes a WasmgradMemoryError, other
   * errors pass as they are); without, the -1 it returned instead of a node,
   * slot or program id (the core's lastError()).
   */
  failure(opName: string, thrown?: unknown): Error;
}

/** Bytes one scalar node takes on either backend's tape: op, two inputs, value, gradient and the sweep's mark. */
export const SCALAR_NODE_BYTES = 26;

const MiB = 1024 * 1024;

/** A byte count for messages: exact, with MiB beside it when large. */
export function formatBytes(bytes: number): string {
  return bytes >= MiB ? `${bytes} bytes, ${(bytes / MiB).toFixed(1)} MiB` : `${bytes} bytes`;
}

/**
 * The engine's memory could not grow to hold what an op needed: Wasm linear
 * memory at its limit (4 GiB for Wasm32, or what the host allows), or a
 * typed array the JS twin could not allocate. The op had no effect: the
 * tapes, kept tensors, parameters and programs are as they were, and the
 * engine keeps working; `reset()` (or smaller tensors) makes room.
 */
export class WasmgradMemoryError extends RangeError {
  readonly code = 'WASMGRAD_OUT_OF_MEMORY' as const;
  /** The op that needed the memory. */
  readonly op: string;
  /** Bytes the backend held when the request failed (Wasm: the whole linear memory). */
  readonly memoryBytes: number;

  constructor(op: string, memoryBytes: number, detail = '', options?: { cause?: unknown }) {
    super(
      `${op}: out of memory: ${detail || 'the request did not fit'} (${formatBytes(memoryBytes)} of memory in use); ` +
        'reset() graphs you no longer need, free() kept tensors and parameters you no longer use, or use smaller tensors',
      options,
    );
    this.name = 'WasmgradMemoryError';
    this.op = op;
    this.memoryBytes = memoryBytes;
    if (detail) DETAILS.set(this, detail);
  }
}

/** What each WasmgradMemoryError said ran out, for memoryError to say it again under the user's op. */
const DETAILS = new WeakMap<WasmgradMemoryError, string>();

/** The Wasm core's answer when memory cannot grow (lastError() OutOfMemory, 11), as memoryError takes it. */
export const CORE_OUT_OF_MEMORY: unique symbol = Symbol('the core is out of memory');

const WASM_DETAIL = 'Wasm linear memory could not grow to hold the request';
const JS_DETAIL = 'JavaScript could not allocate the arrays it needed';

/**
 * The one translation of running out of memory, on either backend, into a
 * WasmgradMemoryError that names `op`. Out of memory is: the core's
 * CORE_OUT_OF_MEMORY; a trap (a core that still traps when memory cannot
 * grow: callers pass only what a core call threw); V8's RangeError for a
 * typed array the JS heap cannot hold ("Array buffer allocation failed", or
 * "Invalid typed array length" past what one array may hold); and a
 * WasmgradMemoryError raised further down, whose op (a backend call's name)
 * becomes `op` and whose memory figure becomes `memoryBytes`. `detail`, if
 * given, says what could not be allocated. Anything else is not out of
 * memory: undefined, and the caller passes it on as it is.
 */
export function memoryError(failure: unknown, op: string, memoryBytes: number, detail?: string): WasmgradMemoryError | undefined {
  if (failure instanceof WasmgradMemoryError) {
    if (failure.op === op && failure.memoryBytes === memoryBytes) return failure;
    return new WasmgradMemoryError(op, memoryBytes, detail ?? DETAILS.get(failure), failure.cause === undefined ? undefined : { cause: failure.cause });
  }
  if (failure === CORE_OUT_OF_MEMORY) return new WasmgradMemoryError(op, memoryBytes, detail ?? WASM_DETAIL);
  if (typeof WebAssembly !== 'undefined' && failure instanceof WebAssembly.RuntimeError) {
    return new WasmgradMemoryError(op, memoryBytes, detail ?? WASM_DETAIL, { cause: failure });
  }
  if (failure instanceof RangeError && /^(Array buffer allocation failed|Invalid typed array length)/.test(failure.message)) {
    return new WasmgradMemoryError(op, memoryBytes, detail ?? JS_DETAIL, { cause: failure });
  }
  return undefined;
}

/**
 * The tape (scalar nodes and tensor data and gradients since the last
 * reset()) passed `createEngine({ maxTapeBytes })`. Thrown by the op or
 * backward() that found it past the budget; the tape is as it was, and a
 * reset() starts a new budget.
 */
export class WasmgradTapeBudgetError extends RangeError {
  readonly code = 'WASMGRAD_TAPE_BUDGET' as const;
  readonly op: string;
  /** Bytes on the tape since the last reset(). */
  readonly tapeBytes: number;
  readonly maxTapeBytes: number;

  constructor(op: string, tapeBytes: number, maxTapeBytes: number) {
    super(
      `${op}: the tape holds ${formatBytes(tapeBytes)} since the last reset(), past maxTapeBytes (${formatBytes(maxTapeBytes)}); ` +
        'a loop that forgets eng.reset() grows without bound: call eng.reset() after each step (or run each step in ' +
        'eng.step(fn)), or raise maxTapeBytes if one step really needs more',
    );
    this.name = 'WasmgradTapeBudgetError';
    this.op = op;
    this.tapeBytes = tapeBytes;
    this.maxTapeBytes = maxTapeBytes;
  }
}

/** `eng.step(fn)` / `eng.scope(fn)` used where it cannot reset: inside another one, or inside compile()'s fn. */
export class WasmgradScopeError extends Error {
  readonly code = 'WASMGRAD_SCOPE' as const;

  constructor(message: string) {
    super(message);
    this.name = 'WasmgradScopeError';
  }
}

export interface ProgramInfo {
  nodeCount: number;
  inputCount: number;
  root: number;
  /** Every parameter slot the program reads, once each, ascending. */
  slots: number[];
}

export interface ProgramNodes {
  ops: Uint8Array;
  inputsA: Int32Array;
  inputsB: Int32Array;
  values: Float64Array;
}
