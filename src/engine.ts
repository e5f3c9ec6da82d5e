import { checkFlag, checkName, checkNumber, checkOptions, describe } from './check.js';
import { Generation, type BackwardOptions, type ProgramOps, type TensorHandle, type TensorOps } from './context.js';
import { Op, OP_INFO, OP_NAMES, type OpId } from './ops.js';
import { EngineMethods } from './generated/methods.js';
import {
  SCALAR_NODE_BYTES, WasmgradScopeError, WasmgradTapeBudgetError, formatBytes, type BackendName, type Tape,
} from './tape.js';
import { JsTape } from './js/tape.js';
import { WasmTape } from './wasm/tape.js';
import { chooseBuild, instantiateCore, type WasmBuild, type WasmSource } from './wasm/load.js';
import { Param, Value, type Scalar } from './value.js';
import { Program, decodeProgram } from './program.js';
import { Random } from './random.js';
import type { TensorBackend } from './tensor/backend.js';
import { JsTensorBackend } from './js/tensor.js';
import { WasmTensorBackend } from './wasm/tensor.js';
import { Tensor, TensorParam, concat as concatTensors, stack as stackTensors, where as whereTensor, type TensorLike } from './tensor/tensor.js';
import * as factory from './tensor/factory.js';
import * as transforms from './transforms/functions.js';
import { clearGradValues, gradValueOf, graphId, recordBackward } from './transforms/graph.js';

export interface EngineOptions {
  /** 'wasm' (default): the tape and kernels run in WebAssembly. 'js': the pure-JS twin. */
  backend?: BackendName;
  /** Wasm backend only: where to get the core (bytes, a compiled module, or a URL). Default: the build chosen by `simd` and `relaxedSimd`, beside the package. */
  wasm?: WasmSource;
  /**
   * Wasm backend only, with the default source: whether to load a SIMD build
   * (default: where the host validates SIMD). False loads the baseline build,
   * e.g. to measure what SIMD buys.
   */
  simd?: boolean;
  /**
   * Wasm backend only, with the default source: whether the SIMD build may be
   * the relaxed-SIMD one (default: where the host validates relaxed SIMD),
   * whose matmul and conv fuse multiply and add. Its products are at least as
   * accurate but may differ in the last bits between hosts; false keeps every
   * bit the same on every host. See `Engine.wasmBuild`.
   */
  relaxedSimd?: boolean;
  /**
   * A budget in bytes for the tape: scalar nodes plus tensor data and
   * gradients made since the last `reset()` (`stats().tapeBytes`). Past it,
   * the next op or `backward()` throws a WasmgradTapeBudgetError (the tape
   * stays as it was; `reset()` starts afresh), so a loop that forgets
   * `reset()` fails fast instead of filling memory. Default: no budget, and a
   * one-time warning when the tape keeps growing across `backward()` calls
   * (see `onWarning`). Parameters, kept tensors and programs do not count.
   */
  maxTapeBytes?: number;
  /**
   * Where the engine's warnings go (default: `console.warn` of the message,
   * which every host has; pass `(w) => process.emitWarning(w.message, { code: w.code })`
   * to route them through Node's warning machinery, or throw to make them errors).
   * Today there is one: a tape that keeps growing across `backward()` calls
   * without a `reset()`, said once per engine.
   */
  onWarning?: (warning: EngineWarning) => void;
}

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

/**
 * What `eng.step(fn)` / `eng.scope(fn)` returns for what `fn` returned:
 * Values become their numbers, Tensors become kept TensorParams, arrays and
 * plain objects are copied with their contents converted; anything else is
 * returned as it is.
 */
export type Kept<T> =
  T extends TensorParam ? TensorParam
  : T extends Tensor ? TensorParam
  : T extends Value ? number
  : T extends PromiseLike<unknown> ? never
  : T extends Program | Engine | ArrayBufferView | ArrayBuffer | Date | RegExp | Map<unknown, unknown> | Set<unknown> | ((...args: never[]) => unknown) ? T
  : T extends object ? { [K in keyof T]: Kept<T[K]> }
  : T;

// The forgotten-reset check (see Engine.watchBackward). A training loop that
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
const NO_NODE_LIMIT = 2 ** 32 - 1;

/** Front-end op names that read or write slots, never the tape: the budget does not stop them (step() keeps results with keep()). */
const OFF_TAPE = new Set(['data', 'item', 'grad', 'requiresGrad', 'keep', 'parameter', 'optimizer', 'step', 'assign', 'zeroGrad', 'free']);


/** The memory options the Engine itself applies (createEngine validates them). */
interface MemoryOptions {
  maxTapeBytes?: number;
  onWarning?: (warning: EngineWarning) => void;
}

function defaultWarning(warning: EngineWarning): void {
  console.warn(warning.message);
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

let engineCount = 0;

// Handles type their `engine` getters as context.ts's EngineType, which this
// merges with the Engine class: users see the whole Engine, and no handle
// imports this file.
declare module './context.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-empty-object-type
  interface EngineType extends Engine {}
}

/**
 * An autograd engine: one tape, one set of parameters, one backend. Build
 * graphs with `value()`/`param()` and the ops on Value, call `backward()`, read
 * `grad`, then `reset()` to free the graph.
 */
// Engine is the EngineContext of its handles. No `implements` clause: the
// members handles use are marked internal, so the published .d.ts would not show
// them; `new Generation(this, …)` below checks that Engine satisfies it.
export class Engine extends EngineMethods<Value, Scalar> {
  readonly backend: BackendName;
  /** @internal */ readonly tape: Tape;
  /** @internal The compiled-program half of the tape, for Program. */ readonly programs: ProgramOps;
  /** @internal Replaced by reset(); Values made now belong to it. */ current: Generation;
  /** @internal The owner of parameters whose Param node is not on the current tape. */ readonly unbound: Generation;
  /** @internal */ readonly label: string;
  private names = new Map<number, string>();
  /** Parameters by slot, so that a compiled program can name the ones it reads. */
  private readonly paramsBySlot: Param[] = [];
  /** While compile() traces: the generation it interrupted, whose Values fn must not use. */
  private traceOuter: Generation | null = null;
  /** While step()/scope() runs its fn: which of the two, for messages. */
  private scopeName: string | null = null;

  private readonly maxTapeBytes: number | undefined;
  private readonly onWarning: (warning: EngineWarning) => void;
  /**
   * Scalar pushes compare the new node id with this before doing anything
   * else: past it, the budget is checked in full. Without a budget it is
   * never reached.
   */
  private nodeLimit = NO_NODE_LIMIT;
  /** backward() calls since the last reset() that found the tape larger than the one before, and the sizes seen. */
  private readonly watch = { calls: 0, firstBytes: 0, lastBytes: 0 };
  private warnedForgottenReset = false;
  // V8 adds Value's fields through map transitions that it holds weakly, so
  // when the last Value dies (a reset() then a GC) the map goes, and with it
  // the optimized code of every op: the next graph builds several times
  // slower. One Value kept for the engine's lifetime keeps the map alive.
  private readonly mapAnchor: Value;

  /** @internal The tensor tape. */ readonly tensors: TensorBackend;
  /** @internal The default generator of randn/rand, seeded 42, so unseeded runs repeat. */ readonly tensorRng = new Random(42);

  /**
   * Which build of the Wasm core runs ('relaxed-simd', 'simd' or 'baseline');
   * null for the JS twin, and for a core passed as `{ wasm }` that does not
   * say (one without the `wasmFeatures` export).
   */
  readonly wasmBuild: WasmBuild | null;

  /** @internal Use `createEngine()`. */
  constructor(tape: Tape, tensors: TensorBackend, wasmBuild: WasmBuild | null = null, memory: MemoryOptions = {}) {
    super();
    this.tape = tape;
    this.programs = tape;
    this.maxTapeBytes = memory.maxTapeBytes;
    this.onWarning = memory.onWarning ?? defaultWarning;
    this.resetWatch();
    this.tensors = tensors;
    this.backend = tape.backend;
    this.wasmBuild = wasmBuild;
    this.label = `${tape.backend} engine #${++engineCount}`;
    this.current = new Generation(this, 0);
    this.unbound = new Generation(this, -1);
    this.mapAnchor = new Value(this.unbound, -1);
  }

  /** A leaf input. Its gradient accumulates across backward() calls until zeroGrad(); it dies at reset(). */
  value(x: number, name?: string): Value {
    checkNumber(x, 'value');
    if (name !== undefined) checkName(name, 'value');
    const v = new Value(this.current, this.push(() => this.tape.leaf(x), 'value'));
    if (name !== undefined) this.names.set(v.id, name);
    return v;
  }

  /** A number as a node with no gradient of its own. */
  constant(x: number): Value {
    checkNumber(x, 'constant');
    return new Value(this.current, this.push(() => this.tape.constant(x), 'constant'));
  }

  /** A trainable value that survives reset(); assign `p.data` to update it. */
  param(x: number, name?: string): Param {
    checkNumber(x, 'param');
    if (name !== undefined) checkName(name, 'param');
    const p = new Param(this, this.guard(() => this.tape.createParam(x), 'param'), name);
    this.paramsBySlot[p.slot] = p;
    return p;
  }


  /** x0 + x1 + ... as a chain of adds, left to right (0 for an empty list). */
  sum(xs: readonly Scalar[]): Value {
    if (!Array.isArray(xs)) throw new TypeError(`sum: expected an array of Values or numbers, got ${describe(xs)}`);
    if (xs.length === 0) return this.constant(0);
    let total = typeof xs[0] === 'number' ? this.constant(xs[0]) : xs[0];
    this.idOf(total, 'sum');
    for (let i = 1; i < xs.length; i++) total = this.binary(Op.Add, total, xs[i], 'sum');
    return total;
  }

  /** (x0 + x1 + ...) / n. */
  mean(xs: readonly Scalar[]): Value {
    if (Array.isArray(xs) && xs.length === 0) throw new RangeError('mean: the list is empty');
    return this.binary(Op.Div, this.sum(xs), xs.length, 'mean');
  }

  /**
   * Reverse sweep from `root`; see Value.grad for what each gradient then holds.
   * With `createGraph: true` the sweep is also recorded as nodes, and each
   * leaf's and parameter's gradient becomes a differentiable Value, `x.gradValue`.
   */
  backward(root: Value, options?: BackwardOptions): void {
    const createGraph = checkFlag(checkOptions(options, 'backward', ['createGraph']).createGraph, 'backward', 'createGraph');
    const id = createGraph ? graphId(this, root, 'backward') : this.idOf(root, 'backward');
    this.watchBackward('backward');
    this.tape.backward(id);
    if (createGraph) recordBackward(this, root);
  }

  // ── function transforms (src/transforms/, docs/transforms.md): results are Values, differentiable again ──

  /** torch.autograd.grad: d(outputs)/d(inputs) as Values, graph nodes with createGraph; `.grad` is left alone. */
  gradients(outputs: Value | readonly Value[], inputs: readonly Value[], options?: transforms.GradientsOptions): Value[] {
    return transforms.gradients(this, outputs, inputs, options);
  }
  /** jax.grad: `eng.grad(f)(x)` is df/dx at x; argnums picks the argument(s); composes (`eng.grad(eng.grad(f))`). */
  grad<N extends transforms.Argnums = 0>(f: transforms.ScalarFunction, options?: transforms.GradOptions<N>): (...args: Scalar[]) => transforms.Grads<N> {
    return transforms.grad(this, f, options);
  }
  /** jax.value_and_grad: `[f(x), df/dx]`. */
  valueAndGrad<N extends transforms.Argnums = 0>(f: transforms.ScalarFunction, options?: transforms.GradOptions<N>): (...args: Scalar[]) => [Value, transforms.Grads<N>] {
    return transforms.valueAndGrad(this, f, options);
  }
  /** jax.vjp: `[f(...primals), cotangents => vector-Jacobian product per primal]`. */
  vjp(f: transforms.VectorFunction, ...primals: Scalar[]): [Value | Value[], (cotangents: Scalar | readonly Scalar[]) => Value[]] {
    return transforms.vjp(this, f, ...primals);
  }
  /** jax.jvp in forward mode: `[f(...primals), the derivative of f along tangents]`. */
  jvp(f: transforms.VectorFunction, primals: readonly Scalar[], tangents: readonly Scalar[]): [Value | Value[], Value | Value[]] {
    return transforms.jvp(this, f, primals, tangents);
  }
  /** jax.jacrev: `eng.jacobian(f)(...args)[i][j]` = ∂ output i / ∂ argument j. */
  jacobian(f: transforms.VectorFunction, options?: transforms.MatrixOptions): (...args: Scalar[]) => Value[][] {
    return transforms.jacobian(this, f, options);
  }
  /** jax.hessian: `eng.hessian(f)(...args)[i][j]` = ∂²f / ∂a_i ∂a_j. */
  hessian(f: transforms.ScalarFunction, options?: transforms.MatrixOptions): (...args: Scalar[]) => Value[][] {
    return transforms.hessian(this, f, options);
  }
  /** The Hessian-vector product at primals along tangents, forward over reverse. */
  hvp(f: transforms.ScalarFunction, primals: readonly Scalar[], tangents: readonly Scalar[]): Value[] {
    return transforms.hvp(this, f, primals, tangents);
  }

  /**
   * Records `fn` once and returns a Program that replays it, forward and
   * backward, in one engine call per run. `fn` receives one Value per number
   * of `example` (the placeholders for the program's inputs) and returns the
   * outputs, a Value or an array of Values; backward starts from the first.
   * It may use parameters (they are read afresh on every run, and
   * `program.step()` trains them) but no other Value made outside it. Like
   * jax.jit, JavaScript control flow in `fn` runs once, at compile time, with
   * the example's values; ops that branch on data (relu, abs) branch anew on
   * every run.
   */
  compile(fn: (...inputs: Value[]) => Value | readonly Value[], example: readonly number[]): Program {
    if (typeof fn !== 'function') throw new TypeError(`compile: expected a function, got ${describe(fn)}`);
    if (!Array.isArray(example)) throw new TypeError(`compile: example must be an array of numbers, got ${describe(example)}`);
    for (let k = 0; k < example.length; k++) checkNumber(example[k], `compile: example[${k}]`); // holes too
    if (this.traceOuter !== null) throw new Error('compile: cannot compile while another compile is tracing');

    const tape = this.tape;
    const start = tape.nodeCount;
    const outer = this.current;
    this.traceOuter = outer;
    this.current = new Generation(this, outer.index, true);
    try {
      const inputs = Array.from(example, (x) => this.value(x));
      const result = fn(...inputs);
      const outputs = Array.isArray(result) ? (result as readonly Value[]) : [result as Value];
      if (outputs.length === 0) throw new RangeError('compile: fn returned no outputs');
      const outputIds = outputs.map((v, k) => {
        if (!(v instanceof Value)) throw new TypeError(`compile: fn must return a Value or an array of Values; output ${k} is ${describe(v)}`);
        return this.idOf(v, 'compile') - start;
      });
      const id = this.guard(() => tape.createProgram(start, tape.nodeCount, inputs.length, start + outputIds[0]), 'compile');
      return this.program(id, outputIds);
    } finally {
      tape.truncate(start);
      for (const id of this.names.keys()) if (id >= start) this.names.delete(id);
      this.current = outer;
      this.traceOuter = null;
    }
  }

  /**
   * Loads a program saved by `program.save()`, creating new parameters with the
   * saved values (parameters are never freed, so loading in a loop grows the
   * parameter count). Every field is validated before anything is created.
   */
  load(bytes: Uint8Array): Program {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`load: expected a Uint8Array, got ${describe(bytes)}`);
    // The TS decoder first, for its messages that name the problem; then the backend's own loader where it has one.
    const image = decodeProgram(bytes);
    const tape = this.tape;
    if (tape.loadProgram !== undefined) {
      const first = tape.paramCount;
      const id = this.guard(() => tape.loadProgram!(bytes), 'load');
      // The loader made one slot per file parameter, in file order, after the existing ones.
      for (let k = 0; k < image.paramValues.length; k++) this.adoptParam(first + k);
      return this.program(id, image.outputs);
    }
    const params = image.paramValues.map((x) => this.param(x));
    const start = tape.nodeCount;
    const { ops, inputsA, inputsB, values } = image.nodes;
    try {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as OpId;
        const arity = OP_INFO[OP_NAMES[op]].arity;
        this.push(() =>
          op === Op.Leaf ? tape.leaf(values[i])
          : op === Op.Const ? tape.constant(values[i])
          : op === Op.Param ? tape.paramNode(params[inputsA[i]].slot)
          : arity === 1 ? tape.unary(op, start + inputsA[i])
          : tape.binary(op, start + inputsA[i], start + inputsB[i]),
        'load');
      }
      const id = this.guard(() => tape.createProgram(start, tape.nodeCount, image.inputCount, start + image.outputs[0]), 'load');
      return this.program(id, image.outputs);
    } finally {
      tape.truncate(start);
    }
  }

  /** The Program for a new program id: its info read once, its parameters by slot. */
  private program(id: number, outputs: readonly number[]): Program {
    const info = this.tape.programInfo(id);
    return new Program(this, id, info, outputs, info.slots.map((slot) => this.paramsBySlot[slot]));
  }

  /** A Param for a slot the tape made itself (a loaded program's parameters). */
  private adoptParam(slot: number): Param {
    const p = new Param(this, slot, undefined);
    this.paramsBySlot[slot] = p;
    return p;
  }

  /** Sets every gradient, of nodes and of parameters, to 0. */
  zeroGrad(): void {
    clearGradValues(this);
    this.tape.zeroGrad();
    this.tensors.zeroGrad();
  }

  /**
   * Frees the whole tape in O(1). Values and Tensors made before it can no
   * longer be used; parameters, kept tensors and programs keep their values
   * and gradients. All or nothing: it refuses only before touching anything
   * (inside compile()'s fn), and otherwise cannot fail.
   */
  reset(): void {
    if (this.traceOuter !== null) throw new Error("reset: cannot reset inside compile()'s fn; the trace lives on the tape");
    // The generation advances first, so that no handle from before can read
    // whatever nodes come next, even if a core call below threw (the cores'
    // resets never allocate and never fail, docs/abi.md).
    this.current = new Generation(this, this.current.index + 1);
    this.names.clear();
    this.resetWatch();
    this.tape.reset();
    this.tensors.reset();
  }

  /**
   * Runs `fn`, keeps what it returns, then resets, also when `fn` throws
   * (the error is rethrown after the reset). What is kept: numbers as they
   * are, a Value as its number, a Tensor copied to kept storage (`eng.keep`)
   * and returned as that TensorParam (a TensorParam as it is), arrays and
   * plain objects with their contents converted the same way; anything else
   * is returned as it is (and any Value or Tensor inside it dies with the
   * reset). `tf.tidy` for wasmgrad:
   *
   * ```ts
   * for (const batch of batches) {
   *   const loss = eng.step(() => {
   *     const loss = F.crossEntropy(model.forward(batch.x), batch.y);
   *     opt.zeroGrad(); loss.backward(); opt.step();
   *     return loss.item();                     // a number: nothing to free
   *   });
   * }
   * ```
   *
   * `step` and `scope` are one function under two names (`step` for a
   * training step, `scope` for other work, e.g. an evaluation pass). A kept
   * Tensor is a slot that lives until its `free()`: in a loop, return numbers
   * (`.item()`, a Value) rather than tensors, or free them. `fn` must be
   * synchronous: the reset happens when it returns, so a Promise (an async
   * fn) is refused with a TypeError after the reset. Inside another
   * step/scope or inside compile()'s fn it throws a WasmgradScopeError.
   */
  step<T>(fn: () => T): Kept<T> {
    return this.scoped('step', fn);
  }

  /** The same as `step(fn)`; see there. */
  scope<T>(fn: () => T): Kept<T> {
    return this.scoped('scope', fn);
  }

  private scoped<T>(name: string, fn: () => T): Kept<T> {
    if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function, got ${describe(fn)}`);
    if (this.traceOuter !== null) {
      throw new WasmgradScopeError(`${name}: cannot run inside compile()'s fn: its reset() would free the trace; call it outside compile()`);
    }
    if (this.scopeName !== null) {
      throw new WasmgradScopeError(
        `${name}: cannot run inside eng.${this.scopeName}(): its reset() would free the outer function's tensors and values; ` +
          `call the inner function directly, or run the two one after the other`,
      );
    }
    this.scopeName = name;
    const kept: TensorParam[] = [];
    try {
      const result = fn();
      if (isPromiseLike(result)) {
        // Its rejection, if any, comes from handles this reset frees; the TypeError below says why.
        Promise.resolve(result).catch(() => {});
        throw new TypeError(
          `${name}: fn returned a Promise; ${name}() resets when fn returns, which would free the tensors and values ` +
            'the async function still uses. Make fn synchronous, or await your work and call eng.reset() yourself',
        );
      }
      return this.keepResult(result, kept, name, new Map()) as Kept<T>;
    } catch (err) {
      for (const p of kept) p.free();
      throw err;
    } finally {
      this.scopeName = null;
      this.reset();
    }
  }

  private keepResult(x: unknown, kept: TensorParam[], name: string, seen: Map<object, unknown>): unknown {
    if (typeof x !== 'object' || x === null) return x;
    if (x instanceof TensorParam) return x;
    if (x instanceof Tensor) {
      const p = this.keep(x);
      kept.push(p);
      return p;
    }
    if (x instanceof Value) return x.data;
    const done = seen.get(x);
    if (done !== undefined) return done;
    if (Array.isArray(x)) {
      const out: unknown[] = [];
      seen.set(x, out);
      for (const item of x) out.push(this.keepResult(item, kept, name, seen));
      return out;
    }
    if (!isPlainObject(x)) return x;
    const out: Record<string, unknown> = {};
    seen.set(x, out);
    for (const key of Object.keys(x)) out[key] = this.keepResult((x as Record<string, unknown>)[key], kept, name, seen);
    return out;
  }

  stats(): EngineStats {
    const t = this.tape;
    return {
      backend: this.backend,
      nodes: t.nodeCount,
      capacity: t.nodeCapacity,
      params: t.paramCount,
      memoryBytes: t.memoryBytes,
      generation: this.current.index,
      tensorNodes: this.tensors.nodeCount,
      tensorSlots: this.tensors.slotCount,
      tensorBytes: this.tensors.tensorBytes,
      tapeBytes: this.tapeBytes(),
      tensorArenaUsed: this.tensors.arenaUsed,
      tensorArenaPeak: this.tensors.arenaPeak,
      heapBytes: t.heapBytes + this.tensors.heapBytes,
    };
  }

  // ── tensors (src/tensor/; docs/tensors.md) ──

  /** A tensor from a number, nested arrays or a typed array; `shape` reshapes flat data. */
  tensor(values: factory.TensorData, shape?: readonly number[], options?: factory.TensorOptions): Tensor {
    return factory.tensor(this, values, shape, options);
  }
  zeros(shape: readonly number[], options?: factory.TensorOptions): Tensor { return factory.full(this, shape, 0, options, 'zeros'); }
  ones(shape: readonly number[], options?: factory.TensorOptions): Tensor { return factory.full(this, shape, 1, options, 'ones'); }
  full(shape: readonly number[], value: number, options?: factory.TensorOptions): Tensor { return factory.full(this, shape, value, options); }
  /** Standard normal samples, drawn in JS from `seed`, `rng` or the engine's generator. */
  randn(shape: readonly number[], options?: factory.RandomOptions): Tensor { return factory.randn(this, shape, options); }
  /** Uniform samples in [0, 1). */
  rand(shape: readonly number[], options?: factory.RandomOptions): Tensor { return factory.rand(this, shape, options); }
  /** arange(n) = [0, 1, …, n−1]; arange(start, stop, step). */
  arange(start: number, stop?: number, step?: number, options?: factory.TensorOptions): Tensor {
    return factory.arange(this, start, stop, step, options);
  }
  eye(n: number, m?: number, options?: factory.TensorOptions): Tensor { return factory.eye(this, n, m, options); }
  where(mask: Tensor, a: TensorLike, b: TensorLike): Tensor { return whereTensor(mask, a, b, 'where', this); }
  concat(list: readonly Tensor[], axis = 0): Tensor { return concatTensors(list, axis, this); }
  stack(list: readonly Tensor[], axis = 0): Tensor { return stackTensors(list, axis, this); }
  /** A trainable tensor that survives reset(): its data and gradient live in a slot. */
  parameter(values: factory.TensorData | Tensor, shape?: readonly number[], options?: factory.TensorOptions): TensorParam {
    return factory.parameter(this, values, shape, options);
  }
  /** A copy of `t` that survives reset(). */
  keep(t: Tensor, options?: { requiresGrad?: boolean }): TensorParam { return factory.keep(this, t, options); }

  /**
   * @internal The tensor ops, for one op named `opName`. Every tensor op
   * asks for them first, which makes this the place to watch the tape: at
   * backward(), and before any op with a budget set.
   */
  tensorOps(opName: string): TensorOps {
    if (opName === 'backward') this.watchBackward(opName);
    else if (this.maxTapeBytes !== undefined && !OFF_TAPE.has(opName)) this.checkBudget(opName);
    return this.tensors;
  }

  /** @internal The node id of `t` on the current tensor tape, after checking it may be used here. */
  tensorIdOf(t: TensorHandle, opName: string): number {
    if (t instanceof Tensor && t.owner === this.current) return t.id;
    if (!(t instanceof Tensor)) throw new TypeError(`${opName}: expected a Tensor, got ${describe(t)}`);
    if (t.engine !== this) {
      throw new Error(`${opName}: the Tensor belongs to ${t.engine.label}, not ${this.label}; tensors of two engines cannot be mixed`);
    }
    if (t instanceof TensorParam) {
      t.id = t.checkLive(opName).slotNode(t.slot);
      t.owner = this.current;
      return t.id;
    }
    throw new Error(
      `${opName}: this Tensor was made before eng.reset() and its node is gone (made in generation ${t.owner.index}, ` +
        `the tape is at generation ${this.current.index}); keep tensors that must survive a reset with eng.keep() or eng.parameter()`,
    );
  }

  override toString(): string {
    return `Engine(${this.label})`;
  }

  // ── internals shared with Value ──

  /**
   * @internal The node id of `v` for reading its data, gradient or structure.
   * Unlike idOf, it accepts a Value from outside a compile that is tracing:
   * reading a number is harmless, only building on it would cross the trace.
   */
  readId(v: Value, opName: string): number {
    if (this.traceOuter !== null && v.owner === this.traceOuter) return v.id;
    return this.idOf(v, opName);
  }

  /** @internal The node id of `v` on the current tape, after checking it may be used here. */
  idOf(v: Value, opName: string): number {
    if (v instanceof Value && v.owner === this.current) return v.id;
    return this.checkedIdOf(v, opName);
  }

  private checkedIdOf(v: Value, opName: string): number {
    if (!(v instanceof Value)) throw new TypeError(`${opName}: expected a Value or a number, got ${describe(v)}`);
    if (v.engine !== this) {
      throw new Error(`${opName}: the Value belongs to ${v.engine.label}, not ${this.label}; values of two engines cannot be mixed`);
    }
    if (this.traceOuter !== null && v.owner === this.traceOuter && !(v instanceof Param)) {
      throw new Error(
        `${opName}: compile's fn used a Value made outside it; pass it in as an input (through the example), ` +
          'or make it a parameter (eng.param) if it should persist',
      );
    }
    if (v instanceof Param) {
      v.id = this.push(() => this.tape.paramNode(v.slot), opName);
      v.owner = this.current;
      return v.id;
    }
    if (v.owner.traced) {
      throw new Error(
        `${opName}: this Value was made inside compile()'s fn; its node belongs to the compiled program, ` +
          'not to the eager tape (read results with program.run() / program.outputValues())',
      );
    }
    throw new Error(
      `${opName}: this Value was made before eng.reset() and its node is gone (made in generation ${v.owner.index}, ` +
        `the tape is at generation ${this.current.index}); keep values that must survive a reset in eng.param()`,
    );
  }

  /** @internal x op y as a new Value. */
  binary(op: OpId, x: Scalar, y: Scalar, opName: string): Value {
    const id = this.pushBinary(op, x, y, opName);
    return new Value(this.current, id);
  }

  /** @internal */
  unary(op: OpId, x: Scalar, opName: string): Value {
    const id = this.pushUnary(op, x, opName);
    return new Value(this.current, id);
  }

  /** @internal Pushes x op y (either may be a number) and returns its node id: the scalar op path. */
  pushBinary(op: OpId, x: Scalar, y: Scalar, opName: string): number {
    const tape = this.tape;
    let id: number;
    try {
      if (typeof y === 'number') {
        const a = typeof x === 'number' ? this.pushed(tape.constant(x), opName) : this.idOf(x, opName);
        id = tape.binaryConst(op === Op.Pow ? Op.PowConst : op, a, y, false);
      } else if (typeof x === 'number') {
        id = tape.binaryConst(op, this.idOf(y, opName), x, true);
      } else {
        id = tape.binary(op, this.idOf(x, opName), this.idOf(y, opName));
      }
    } catch (err) {
      throw this.tape.failure(opName, err);
    }
    if (id >>> 0 >= this.nodeLimit) this.pushed(id, opName); // -1 (a failure) reads as 2^32 - 1: one compare on the hot path
    return id;
  }

  /** @internal */
  pushUnary(op: OpId, x: Scalar, opName: string): number {
    const tape = this.tape;
    let id: number;
    try {
      id = tape.unary(op, typeof x === 'number' ? this.pushed(tape.constant(x), opName) : this.idOf(x, opName));
    } catch (err) {
      throw this.tape.failure(opName, err);
    }
    if (id >>> 0 >= this.nodeLimit) this.pushed(id, opName); // -1 (a failure) reads as 2^32 - 1: one compare on the hot path
    return id;
  }

  /** @internal Reads of node `id` (from readId) and of parameter slots, for Value and Param. */
  nodeValue(id: number): number { return this.tape.value(id); }
  /** @internal */ nodeGrad(id: number): number { return this.tape.grad(id); }
  /** @internal */ nodeOp(id: number): OpId { return this.tape.op(id); }
  /** @internal */ nodeInput(id: number, k: 0 | 1): number { return this.tape.input(id, k); }
  /** @internal */ paramValue(slot: number): number { return this.tape.paramValue(slot); }
  /** @internal */ paramGrad(slot: number): number { return this.tape.paramGrad(slot); }
  /** @internal */ gradValueOf(v: Value): Value | null { return gradValueOf(this, v); }

  /** @internal */
  nameOf(v: Value): string | undefined {
    const id = this.readId(v, 'name');
    const name = this.names.get(id);
    if (name !== undefined || this.tape.op(id) !== Op.Param) return name;
    // A Param node reached through `inputs` is named after its parameter.
    return this.paramsBySlot[this.tape.input(id, 0)]?.name;
  }

  /** @internal */
  setName(v: Value, name: string): void {
    checkName(name, 'named');
    this.names.set(this.idOf(v, 'named'), name);
  }


  /** @internal */
  setParamValue(p: Param, x: number): void {
    checkNumber(x, 'data');
    this.tape.setParamValue(p.slot, x);
    this.invalidateParamNode(p);
  }

  /** @internal After p's value changed: its next use reads the new value through a new Param node. */
  invalidateParamNode(p: Param): void {
    p.owner = this.unbound;
  }

  /** @internal */
  setParamGrad(p: Param, x: number): void {
    checkNumber(x, 'grad');
    this.tape.setParamGrad(p.slot, x);
  }

  /**
   * Runs a tape call that makes a parameter or program. A failure (-1, or
   * what the call threw) becomes the backend's error through
   * Tape.failure: out of memory is a WasmgradMemoryError and leaves the
   * engine as it was; other errors pass as they are.
   */
  private guard(call: () => number, opName: string): number {
    let id: number;
    try {
      id = call();
    } catch (err) {
      throw this.tape.failure(opName, err);
    }
    if (id < 0) throw this.tape.failure(opName);
    return id;
  }

  /** guard() for a call that pushes a node: also holds the tape to the budget. */
  private push(call: () => number, opName: string): number {
    let id: number;
    try {
      id = call();
    } catch (err) {
      throw this.tape.failure(opName, err);
    }
    return this.pushed(id, opName);
  }

  /**
   * The node id a push returned, checked: -1 becomes the backend's error,
   * and a node past the budget is taken off again (truncate) before the
   * WasmgradTapeBudgetError, so the tape is as it was (but for the Const
   * node of a binary op with a number, which nothing reads).
   */
  private pushed(id: number, opName: string): number {
    if (id < 0) throw this.tape.failure(opName);
    if (id >= this.nodeLimit) {
      const budget = this.maxTapeBytes!;
      const arena = this.tensors.arenaUsed;
      const bytes = (id + 1) * SCALAR_NODE_BYTES + arena;
      if (bytes > budget) {
        this.tape.truncate(id);
        throw new WasmgradTapeBudgetError(opName, bytes, budget);
      }
      this.nodeLimit = Math.floor((budget - arena) / SCALAR_NODE_BYTES);
    }
    return id;
  }

  // ── the tape's size: the budget and the forgotten-reset check ──

  /** Bytes the tape holds since the last reset: scalar nodes, and tensor data and gradients. */
  private tapeBytes(): number {
    return this.tape.nodeCount * SCALAR_NODE_BYTES + this.tensors.arenaUsed;
  }

  private resetWatch(): void {
    const w = this.watch; // in place: reset() runs once per step, and a small graph's step is a few microseconds
    w.calls = 0;
    w.firstBytes = 0;
    w.lastBytes = 0;
    if (this.maxTapeBytes !== undefined) this.nodeLimit = Math.floor(this.maxTapeBytes / SCALAR_NODE_BYTES);
  }

  /** Throws if the tape is past the budget; refreshes the scalar pushes' threshold. */
  private checkBudget(opName: string): number {
    const budget = this.maxTapeBytes!;
    const arena = this.tensors.arenaUsed;
    const bytes = this.tape.nodeCount * SCALAR_NODE_BYTES + arena;
    if (bytes > budget) throw new WasmgradTapeBudgetError(opName, bytes, budget);
    this.nodeLimit = Math.floor((budget - arena) / SCALAR_NODE_BYTES);
    return bytes;
  }

  /**
   * At every backward() (scalar and tensor), before the sweep: the budget,
   * then the forgotten-reset check (see FORGOTTEN_RESET_CALLS), which warns
   * once per engine.
   */
  private watchBackward(opName: string): void {
    const bytes = this.maxTapeBytes !== undefined ? this.checkBudget(opName) : this.tapeBytes();
    const w = this.watch;
    if (bytes > w.lastBytes) {
      if (w.calls === 0) w.firstBytes = bytes;
      w.calls++;
    }
    w.lastBytes = bytes;
    if (
      this.warnedForgottenReset || w.calls < FORGOTTEN_RESET_CALLS ||
      bytes < FORGOTTEN_RESET_GROWTH * w.firstBytes || bytes < FORGOTTEN_RESET_MIN_BYTES
    ) return;
    this.warnedForgottenReset = true;
    this.onWarning({
      code: 'WASMGRAD_FORGOTTEN_RESET',
      message:
        `wasmgrad: the tape has grown across ${w.calls} backward() calls without a reset() and now holds ${formatBytes(bytes)} ` +
        `(${this.label}); a training loop must call eng.reset() after each step (or run each step in eng.step(fn)), ` +
        'or memory grows until it runs out. Set createEngine({ maxTapeBytes }) to make this an error. (Said once per engine.)',
      tapeBytes: bytes,
      backwardCalls: w.calls,
    });
  }
}

/** Creates an engine. The Wasm backend (default) compiles the core on first use and gives each engine its own instance and memory. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`createEngine: options must be an object, got ${describe(options)}`);
  checkOptions(options, 'createEngine', ['backend', 'wasm', 'simd', 'relaxedSimd', 'maxTapeBytes', 'onWarning']);
  const { maxTapeBytes, onWarning } = options;
  if (maxTapeBytes !== undefined) {
    if (typeof maxTapeBytes !== 'number') throw new TypeError(`createEngine: maxTapeBytes must be a number of bytes, got ${describe(maxTapeBytes)}`);
    if (!(maxTapeBytes > 0) || !Number.isFinite(maxTapeBytes)) {
      throw new RangeError(`createEngine: maxTapeBytes must be a positive finite number of bytes, got ${maxTapeBytes}`);
    }
  }
  if (onWarning !== undefined && typeof onWarning !== 'function') {
    throw new TypeError(`createEngine: onWarning must be a function, got ${describe(onWarning)}`);
  }
  const memory: MemoryOptions = { maxTapeBytes, onWarning };
  const backend = options.backend ?? 'wasm';
  if (backend === 'js') return new Engine(new JsTape(), new JsTensorBackend(), null, memory);
  if (backend === 'wasm') {
    for (const key of ['simd', 'relaxedSimd'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new TypeError(`createEngine: ${key} must be true or false, got ${describe(options[key])}`);
    }
    const instance = await instantiateCore(options.wasm, chooseBuild(options));
    const features = (instance.exports.wasmFeatures as (() => number) | undefined)?.();
    const build: WasmBuild | null = features === undefined ? null : features & 2 ? 'relaxed-simd' : features & 1 ? 'simd' : 'baseline';
    return new Engine(new WasmTape(instance), new WasmTensorBackend(instance), build, memory);
  }
  throw new TypeError(`createEngine: backend must be 'wasm' or 'js', got ${describe(backend)}`);
}
