// The engine's memory, as the engine itself manages it: what stats() and the
// warnings report, the tape budget (createEngine({ maxTapeBytes })), the
// forgotten-reset check, and the tensor ops as handles get them, whose
// out-of-memory errors name the user's op. The backends' own accounting is
// theirs (src/tape.ts, src/tensor/backend.ts); this module only reads it.

import { describe } from './check.js';
import type { TensorOps } from './context.js';
import { SCALAR_NODE_BYTES, WasmgradTapeBudgetError, formatBytes, type BackendName, type Tape } from './tape.js';
import type { TensorBackend } from './tensor/backend.js';
import { WasmgradArgumentError, WasmgradValueError } from './errors.js';

/** A warning the engine raises once (see EngineOptions.onWarning). */
export interface EngineWarning {
  code: 'WASMGRAD_FORGOTTEN_RESET';
  message: string;
  /** `stats().tapeBytes` when it was raised. */
  tapeBytes: number;
  /** backward() calls since the last reset() that found the tape larger than the call before. */
  backwardCalls: number;
}

export interface EngineStats {
  backend: BackendName;
  /** Nodes on the tape now. */
  nodes: number;
  /** Nodes the tape can hold before it grows. */
  capacity: number;
  params: number;
  /** Bytes held by the backend (Wasm: the whole linear memory). */
  memoryBytes: number;
  /** Number of reset() calls so far. */
  generation: number;
  /** Nodes on the tensor tape now. */
  tensorNodes: number;
  /** Persistent tensors (parameters, kept tensors, optimizer state). */
  tensorSlots: number;
  /** Bytes held for tensor data and gradients, nodes and slots. */
  tensorBytes: number;
  /**
   * Bytes on the tape since the last reset(): scalar nodes × 26 plus
   * `tensorArenaUsed`. What `maxTapeBytes` limits; 0 right after a reset.
   */
  tapeBytes: number;
  /** Bytes of tensor data and gradients handed out since the last reset() (the current generation's tensors). */
  tensorArenaUsed: number;
  /** The largest `tensorArenaUsed` any generation so far reached: what one step needed at most. */
  tensorArenaPeak: number;
  /**
   * Bytes in live blocks outside the tensor arena: slots (parameters, kept
   * tensors, optimizer state), programs, the scalar tape and the core's
   * tables (Wasm: the core's allocator; the twin: the same kinds of arrays).
   */
  heapBytes: number;
}

/** The memory options the Engine itself applies. */
export interface MemoryOptions {
  maxTapeBytes?: number;
  onWarning?: (warning: EngineWarning) => void;
}

/** createEngine's checks of the memory options, with its messages. */
export function checkMemoryOptions(options: MemoryOptions): MemoryOptions {
  const { maxTapeBytes, onWarning } = options;
  if (maxTapeBytes !== undefined) {
    if (typeof maxTapeBytes !== 'number') throw new WasmgradArgumentError(`createEngine: maxTapeBytes must be a number of bytes, got ${describe(maxTapeBytes)}`);
    if (!(maxTapeBytes > 0) || !Number.isFinite(maxTapeBytes)) {
      throw new WasmgradValueError(`createEngine: maxTapeBytes must be a positive finite number of bytes, got ${maxTapeBytes}`);
    }
  }
  if (onWarning !== undefined && typeof onWarning !== 'function') {
    throw new WasmgradArgumentError(`createEngine: onWarning must be a function, got ${describe(onWarning)}`);
  }
  return { maxTapeBytes, onWarning };
}

// The forgotten-reset check (see TapeWatch.backward). A training loop that
// forgets reset() builds one more step's graph before every backward(), so
// at its k-th backward the tape holds about k steps. Legitimate patterns
// that call backward() several times without a reset are: several backward()
// calls from one graph (the tape does not grow between them), a graph that
// grows a little per call on top of a large base (a Jacobian row by row:
// the tape grows by far less than 16× its first size), and gradient
// accumulation over a few micro-batches (fewer than 32 calls; in wasmgrad
// parameters' gradients survive reset(), so accumulation needs no graph kept
// at all). All three conditions must hold, and tiny tapes never warn.
const FORGOTTEN_RESET_CALLS = 32;
const FORGOTTEN_RESET_GROWTH = 16;
const FORGOTTEN_RESET_MIN_BYTES = 1 << 20;
/** The scalar pushes' limit without a budget: no node id (< 2^27) reaches it; a failed push's -1 does, read unsigned. */
export const NO_NODE_LIMIT = 2 ** 32 - 1;

/** Front-end op names that read or write slots, never the tape: the budget does not stop them (step() keeps results with keep()). */
const OFF_TAPE = new Set(['data', 'item', 'grad', 'requiresGrad', 'keep', 'parameter', 'optimizer', 'step', 'assign', 'zeroGrad', 'free']);

function defaultWarning(warning: EngineWarning): void {
  console.warn(warning.message);
}

/**
 * The tape's size since the last reset (scalar nodes and tensor data and
 * gradients), held to the budget and watched for a forgotten reset(). One per
 * engine.
 */
export class TapeWatch {
  /**
   * Scalar pushes compare the new node id with this before doing anything
   * else (the engine's hot path): past it, `pushed` checks the budget in
   * full. Without a budget it is never reached.
   */
  get nodeLimit(): number { return this.limit; }
  private limit = NO_NODE_LIMIT;
  private readonly maxTapeBytes: number | undefined;
  private readonly onWarning: (warning: EngineWarning) => void;
  /** backward() calls since the last reset() that found the tape larger than the one before, and the sizes seen. */
  private calls = 0;
  private firstBytes = 0;
  private lastBytes = 0;
  private warned = false;

  constructor(
    private readonly tape: Tape,
    private readonly tensors: TensorBackend,
    /** For the warning: "wasm engine #3". */
    private readonly label: string,
    options: MemoryOptions,
    /** Told every new nodeLimit, so that the engine's pushes read it from a field of their own. */
    private readonly onLimit: (nodeLimit: number) => void = () => {},
  ) {
    this.maxTapeBytes = options.maxTapeBytes;
    this.onWarning = options.onWarning ?? defaultWarning;
    this.reset();
  }

  private setLimit(n: number): void {
    this.limit = n;
    this.onLimit(n);
  }

  /** Bytes the tape holds since the last reset: scalar nodes, and tensor data and gradients. */
  tapeBytes(): number {
    return this.tape.nodeCount * SCALAR_NODE_BYTES + this.tensors.arenaUsed;
  }

  /** At every reset(): a new budget, and the forgotten-reset count starts again. */
  reset(): void {
    this.calls = 0;
    this.firstBytes = 0;
    this.lastBytes = 0;
    if (this.maxTapeBytes !== undefined) this.setLimit(Math.floor(this.maxTapeBytes / SCALAR_NODE_BYTES));
  }

  /**
   * Scalar node `id`, just pushed at or past nodeLimit, held to the budget:
   * past it, the node is taken off again (truncate) before the
   * WasmgradTapeBudgetError, so the tape is as it was (but for the Const node
   * of a binary op with a number, which nothing reads).
   */
  pushed(id: number, opName: string): void {
    const budget = this.maxTapeBytes!;
    const arena = this.tensors.arenaUsed;
    const bytes = (id + 1) * SCALAR_NODE_BYTES + arena;
    if (bytes > budget) {
      this.tape.truncate(id);
      throw new WasmgradTapeBudgetError(opName, bytes, budget);
    }
    this.setLimit(Math.floor((budget - arena) / SCALAR_NODE_BYTES));
  }

  /** Before a tensor op named `opName`: the budget, where one is set and the op adds to the tape. */
  tensorOp(opName: string): void {
    if (this.maxTapeBytes !== undefined && !OFF_TAPE.has(opName)) this.checkBudget(opName);
  }

  /** Throws if the tape is past the budget; refreshes the scalar pushes' threshold. */
  private checkBudget(opName: string): number {
    const budget = this.maxTapeBytes!;
    const arena = this.tensors.arenaUsed;
    const bytes = this.tape.nodeCount * SCALAR_NODE_BYTES + arena;
    if (bytes > budget) throw new WasmgradTapeBudgetError(opName, bytes, budget);
    this.setLimit(Math.floor((budget - arena) / SCALAR_NODE_BYTES));
    return bytes;
  }

  /**
   * At every backward() (scalar and tensor), before the sweep: the budget,
   * then the forgotten-reset check (see FORGOTTEN_RESET_CALLS), which warns
   * once per engine.
   */
  backward(opName: string): void {
    const bytes = this.maxTapeBytes !== undefined ? this.checkBudget(opName) : this.tapeBytes();
    if (bytes > this.lastBytes) {
      if (this.calls === 0) this.firstBytes = bytes;
      this.calls++;
    }
    this.lastBytes = bytes;
    if (
      this.warned || this.calls < FORGOTTEN_RESET_CALLS ||
      bytes < FORGOTTEN_RESET_GROWTH * this.firstBytes || bytes < FORGOTTEN_RESET_MIN_BYTES
    ) return;
    this.warned = true;
    this.onWarning({
      code: 'WASMGRAD_FORGOTTEN_RESET',
      message:
        `wasmgrad: the tape has grown across ${this.calls} backward() calls without a reset() and now holds ${formatBytes(bytes)} ` +
        `(${this.label}); a training loop must call eng.reset() after each step (or run each step in eng.step(fn)), ` +
        'or memory grows until it runs out. Set createEngine({ maxTapeBytes }) to make this an error. (Said once per engine.)',
      tapeBytes: bytes,
      backwardCalls: this.calls,
    });
  }
}

/**
 * The tensor ops as handles get them, one view of the backend per op name:
 * each method calls the backend's, and what it throws passes through
 * `failure` (the engine's memoryFailure, with memoryError behind it), so
 * running out of memory names the op the user called
 * (`sum`, `linear`, `randn`) rather than the backend call that allocated
 * (reduce, matmul, fromData), on both backends. The views are built from
 * whatever methods the backend has, so a change of the backend contract
 * needs no change here; a backend method replaced on the instance (as tests
 * do) is still the one called.
 */
/** The most arguments a backend method takes (adamStep's and rmspropStep's 10). */
const MAX_ARGS = 10;

export class TensorOpsViews {
  private readonly views = new Map<string, TensorOps>();
  private readonly proto: object;

  constructor(backend: TensorBackend, failure: (err: unknown, opName: string) => unknown) {
    const be = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
    const proto: Record<string, unknown> = {};
    // The instance first (a backend may hold methods as fields), then its classes.
    for (let p: object | null = backend; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const key of Object.getOwnPropertyNames(p)) {
        const d = Object.getOwnPropertyDescriptor(p, key)!;
        if (key === 'constructor' || key in proto || typeof d.value !== 'function') continue;
        const method = d.value as (...args: unknown[]) => unknown;
        // Fixed parameters rather than ...args: the rest array and the spread cost an allocation per
        // backend call and keep V8 from inlining, on the path of every tensor op. No backend method
        // takes more than MAX_ARGS arguments, and its defaults see the extras as missing.
        proto[key] = function (this: { readonly op: string }, a?: unknown, b?: unknown, c?: unknown, e?: unknown, f?: unknown,
          g?: unknown, h?: unknown, i?: unknown, j?: unknown, k?: unknown): unknown {
          try {
            return method.call(be, a, b, c, e, f, g, h, i, j, k);
          } catch (err) {
            throw failure(err, this.op);
          }
        };
        if (method.length > MAX_ARGS) throw new Error(`TensorOpsViews: ${key} takes ${method.length} arguments, more than the ${MAX_ARGS} a view passes on`);
      }
    }
    this.proto = proto;
  }

  /** The view whose errors name `opName`. */
  get(opName: string): TensorOps {
    let view = this.views.get(opName);
    if (view === undefined) {
      view = Object.create(this.proto, { op: { value: opName } }) as TensorOps;
      this.views.set(opName, view);
    }
    return view;
  }
}
