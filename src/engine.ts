import { checkFlag, checkName, checkNumber, checkOptions, describe } from './check.js';
import { Generation, type BackwardOptions, type ProgramOps, type TensorHandle, type TensorOps } from './context.js';
import { Op, type OpId } from './ops.js';
import { installEngineMethods, type EngineMethods } from './generated/methods.js';
import { memoryError, type BackendName, type Tape } from './tape.js';
import type { WasmBuild } from './wasm/load.js';
import { Param, Value, type Scalar } from './value.js';
import { Program } from './program.js';
import { compileProgram, loadProgram } from './compile.js';
import { NO_NODE_LIMIT, TapeWatch, TensorOpsViews, type EngineStats, type MemoryOptions } from './memory.js';
import { Scopes } from './scope.js';
import { Random } from './random.js';
import type { TensorBackend } from './tensor/backend.js';
import { TensorParam } from './tensor/param.js';
import { loadSafetensors as loadSafetensorsFile } from './tensor/weights.js';
import { Tensor, concat as concatTensors, stack as stackTensors, where as whereTensor, type DType, type TensorLike } from './tensor/tensor.js';
import * as factory from './tensor/factory.js';
import * as extra from './tensor/ops-extra.js';
import { installTransforms, type EngineTransforms } from './transforms/engine-methods.js';
import { clearGradValues, gradValueOf, graphId, recordBackward } from './transforms/graph.js';
import { clearGradTensors, forgetGradTensor, gradTensorOf, recordTensorBackward } from './transforms/tensor-graph.js';
import { checkNoGradRoot, installExtensions, type EngineExtensions } from './transforms/hooks.js';
import { WasmgradArgumentError, WasmgradStaleHandleError, WasmgradValueError } from './errors.js';

export type { TensorArg, TensorFunction, TensorVectorFunction, TensorGradientsOptions } from './transforms/engine-methods.js';
export type { EngineStats, EngineWarning } from './memory.js';

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
export class Engine {
  readonly backend: BackendName;
  /** @internal */ readonly tape: Tape;
  /** @internal The compiled-program half of the tape, for Program. */ readonly programs: ProgramOps;
  /** @internal Replaced by reset(); Values made now belong to it. */ current: Generation;
  /** @internal The owner of parameters whose Param node is not on the current tape. */ readonly unbound: Generation;
  /** @internal */ readonly label: string;
  private names = new Map<number, string>();
  /** Parameters by slot, so that a compiled program can name the ones it reads. */
  private readonly paramsBySlot: Param[] = [];
  /** @internal While compile() traces: the generation it interrupted, whose Values fn must not use. */
  traceOuter: Generation | null = null;
  /** The tape's size: its budget and the forgotten-reset check. */
  private readonly watch: TapeWatch;
  /** The watch's nodeLimit, kept here by the watch: scalar pushes compare with it in one load (0 inside noGrad: every push takes the slow path). */
  private nodeLimit = NO_NODE_LIMIT;
  /** The watch's nodeLimit itself, for when noGrad ends. */
  private watchLimit = NO_NODE_LIMIT;
  /** @internal False inside noGrad() (src/transforms/hooks.ts). */
  gradEnabled = true;
  /** The tensor ops handles get: one view of `tensors` per op name, whose out-of-memory errors name that op. */
  private readonly ops: TensorOpsViews;
  private readonly scopes: Scopes;
  // V8 adds Value's fields through map transitions that it holds weakly, so
  // when the last Value dies (a reset() then a GC) the map goes, and with it
  // the optimized code of every op: the next graph builds several times
  // slower. One Value kept for the engine's lifetime keeps the map alive.
  private readonly mapAnchor: Value;

  /** @internal The tensor tape. */ readonly tensors: TensorBackend;
  /** @internal The engine's generator (see `rng`). */ readonly tensorRng: Random;

  /**
   * Which build of the Wasm core runs ('relaxed-simd', 'simd' or 'baseline');
   * null for the JS twin, and for a core passed as `{ wasm }` that does not
   * say (one without the `wasmFeatures` export).
   */
  readonly wasmBuild: WasmBuild | null;

  /** @internal Use `createEngine()` (src/create.ts). */
  constructor(tape: Tape, tensors: TensorBackend, wasmBuild: WasmBuild | null = null, memory: MemoryOptions = {}, seed = 42) {
    this.tensorRng = new Random(seed);
    this.tape = tape;
    this.programs = tape;
    this.tensors = tensors;
    this.backend = tape.backend;
    this.wasmBuild = wasmBuild;
    this.label = `${tape.backend} engine #${++engineCount}`;
    this.watch = new TapeWatch(tape, tensors, this.label, memory, (n) => { this.watchLimit = n; if (this.gradEnabled) this.nodeLimit = n; });
    this.ops = new TensorOpsViews(tensors, (err, opName) => this.memoryFailure(err, opName));
    this.scopes = new Scopes({ tracing: () => this.traceOuter !== null, keep: (t) => this.keep(t), reset: () => this.reset() });
    this.current = new Generation(this, 0);
    this.unbound = new Generation(this, -1);
    this.mapAnchor = new Value(this.unbound, -1);
  }

  /**
   * The engine's generator, seeded by `createEngine({ seed })` (default 42, so
   * unseeded runs repeat): randn/rand, layer initialisation, `nn.init` and
   * dropout masks draw from it unless given their own `seed` or `rng`.
   */
  get rng(): Random { return this.tensorRng; }

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
    if (!Array.isArray(xs)) throw new WasmgradArgumentError(`sum: expected an array of Values or numbers, got ${describe(xs)}`);
    if (xs.length === 0) return this.constant(0);
    let total = typeof xs[0] === 'number' ? this.constant(xs[0]) : xs[0];
    this.idOf(total, 'sum');
    for (let i = 1; i < xs.length; i++) total = this.binary(Op.Add, total, xs[i], 'sum');
    return total;
  }

  /** (x0 + x1 + ...) / n. */
  mean(xs: readonly Scalar[]): Value {
    if (Array.isArray(xs) && xs.length === 0) throw new WasmgradValueError('mean: the list is empty');
    return this.binary(Op.Div, this.sum(xs), xs.length, 'mean');
  }

  /**
   * Reverse sweep from `root`; see Value.grad for what each gradient then holds.
   * With `createGraph: true` the sweep is also recorded as nodes, and each
   * leaf's and parameter's gradient becomes a differentiable Value, `x.gradValue`.
   */
  backward(root: Value, options?: BackwardOptions): void {
    const createGraph = options === undefined ? false : checkFlag(checkOptions(options, 'backward', ['createGraph']).createGraph, 'backward', 'createGraph');
    const id = createGraph ? graphId(this, root, 'backward') : this.idOf(root, 'backward');
    this.watch.backward('backward');
    if (this.current.noGradRanges !== null) checkNoGradRoot(this, id);
    // hooks or custom ops on the tape: the rule sweep, which can call into JS at each node, does the whole backward
    if (this.current.ext !== null || this.unbound.ext !== null) return recordBackward(this, root, createGraph);
    this.tape.backward(id);
    if (createGraph) recordBackward(this, root);
  }

  // The function transforms (grad, vjp, jvp, hessian…) are EngineTransforms, installed below.

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
    return compileProgram(this, fn, example);
  }

  /**
   * Loads a program saved by `program.save()`, creating new parameters with the
   * saved values (parameters are never freed, so loading in a loop grows the
   * parameter count). Every field is validated before anything is created.
   */
  load(bytes: Uint8Array): Program {
    return loadProgram(this, bytes);
  }

  /** @internal The Program for a new program id: its info read once, its parameters by slot. */
  program(id: number, outputs: readonly number[]): Program {
    const info = this.tape.programInfo(id);
    return new Program(this, id, info, outputs, info.slots.map((slot) => this.paramsBySlot[slot]));
  }

  /** @internal A Param for a slot the tape made itself (a loaded program's parameters). */
  adoptParam(slot: number): Param {
    const p = new Param(this, slot, undefined);
    this.paramsBySlot[slot] = p;
    return p;
  }

  /** Sets every gradient, of nodes and of parameters, to 0. */
  zeroGrad(): void {
    clearGradValues(this);
    clearGradTensors(this);
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
    this.watch.reset();
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
    return this.scopes.run('step', fn) as Kept<T>;
  }

  /** The same as `step(fn)`; see there. */
  scope<T>(fn: () => T): Kept<T> {
    return this.scopes.run('scope', fn) as Kept<T>;
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
      tapeBytes: this.watch.tapeBytes(),
      tensorArenaUsed: this.tensors.arenaUsed,
      tensorArenaPeak: this.tensors.arenaPeak,
      heapBytes: t.heapBytes + this.tensors.heapBytes,
    };
  }

  // ── tensors (src/tensor/; docs/tensors.md) ──

  /**
   * A tensor from a number, nested arrays or a typed array; `shape` reshapes
   * flat data. Its dtype is `options.dtype`, else a typed array's own
   * (Float64Array → float64, Int32Array → int32), else float32, and its type
   * says so: `eng.tensor([1, 2]).data()` is a Float32Array.
   */
  tensor<E extends DType>(values: factory.TensorData, shape: readonly number[] | undefined, options: factory.TensorOptions<E> & { dtype: E }): Tensor<E>;
  tensor(values: Float64Array, shape?: readonly number[], options?: factory.TensorOptions<never>): Tensor<'float64'>;
  tensor(values: Int32Array, shape?: readonly number[], options?: factory.TensorOptions<never>): Tensor<'int32'>;
  tensor(values: factory.TensorData, shape?: readonly number[], options?: factory.TensorOptions<'float32'>): Tensor<'float32'>;
  tensor(values: factory.TensorData, shape?: readonly number[], options?: factory.TensorOptions): Tensor;
  tensor(values: factory.TensorData, shape?: readonly number[], options?: factory.TensorOptions): Tensor {
    return this.made('tensor', () => factory.tensor(this, values, shape, options));
  }
  /** Zeros of `shape`; float32 unless `options.dtype` says otherwise (and so do the other factories). */
  zeros<E extends DType = 'float32'>(shape: readonly number[], options?: factory.TensorOptions<E>): Tensor<E> { return this.made('zeros', () => factory.full(this, shape, 0, options, 'zeros')) as Tensor<E>; }
  ones<E extends DType = 'float32'>(shape: readonly number[], options?: factory.TensorOptions<E>): Tensor<E> { return this.made('ones', () => factory.full(this, shape, 1, options, 'ones')) as Tensor<E>; }
  full<E extends DType = 'float32'>(shape: readonly number[], value: number, options?: factory.TensorOptions<E>): Tensor<E> {
    return this.made('full', () => factory.full(this, shape, value, options)) as Tensor<E>;
  }
  /** Standard normal samples, drawn in JS from `seed`, `rng` or the engine's generator. */
  randn<E extends 'float32' | 'float64' = 'float32'>(shape: readonly number[], options?: factory.RandomOptions<E>): Tensor<E> { return this.made('randn', () => factory.randn(this, shape, options)) as Tensor<E>; }
  /** Uniform samples in [0, 1). */
  rand<E extends 'float32' | 'float64' = 'float32'>(shape: readonly number[], options?: factory.RandomOptions<E>): Tensor<E> { return this.made('rand', () => factory.rand(this, shape, options)) as Tensor<E>; }
  /** arange(n) = [0, 1, …, n−1]; arange(start, stop, step). */
  arange<E extends DType = 'float32'>(start: number, stop?: number, step?: number, options?: factory.TensorOptions<E>): Tensor<E> {
    return this.made('arange', () => factory.arange(this, start, stop, step, options)) as Tensor<E>;
  }
  eye<E extends DType = 'float32'>(n: number, m?: number, options?: factory.TensorOptions<E>): Tensor<E> { return this.made('eye', () => factory.eye(this, n, m, options)) as Tensor<E>; }
  /** mask ≠ 0 ? a : b, broadcast; the result has a's dtype (or b's when a is a number). */
  where<E extends DType>(mask: Tensor, a: Tensor<E> | number, b: Tensor<E> | number): Tensor<E> { return whereTensor(mask, a, b, 'where', this) as Tensor<E>; }
  concat<E extends DType>(list: readonly Tensor<E>[], axis = 0): Tensor<E> { return concatTensors(list, axis, this) as Tensor<E>; }
  stack<E extends DType>(list: readonly Tensor<E>[], axis = 0): Tensor<E> { return stackTensors(list, axis, this) as Tensor<E>; }
  /** `steps` evenly spaced values from start to end, both included (torch.linspace). */
  linspace<E extends 'float32' | 'float64' = 'float32'>(start: number, end: number, steps: number, options?: factory.TensorOptions<E>): Tensor<E> {
    const o = checkOptions(options, 'linspace', ['dtype', 'requiresGrad']);
    return this.made('linspace', () => { const data = extra.linspace(start, end, steps, o.dtype); return factory.tensor(this, data, [data.length], o); }) as Tensor<E>;
  }
  /** Zeros in `like`'s shape and dtype (or `options.dtype`). */
  zerosLike<E extends DType>(like: Tensor<E>, options?: extra.LikeOptions & { dtype?: undefined }): Tensor<E>;
  zerosLike<F extends DType>(like: Tensor, options: extra.LikeOptions & { dtype: F }): Tensor<F>;
  zerosLike(like: Tensor, options?: extra.LikeOptions): Tensor { const l = extra.likeOptions<Tensor>(like, options, 'zerosLike'); return this.made('zerosLike', () => factory.full(this, l.shape, 0, l.options, 'zerosLike')); }
  onesLike<E extends DType>(like: Tensor<E>, options?: extra.LikeOptions & { dtype?: undefined }): Tensor<E>;
  onesLike<F extends DType>(like: Tensor, options: extra.LikeOptions & { dtype: F }): Tensor<F>;
  onesLike(like: Tensor, options?: extra.LikeOptions): Tensor { const l = extra.likeOptions<Tensor>(like, options, 'onesLike'); return this.made('onesLike', () => factory.full(this, l.shape, 1, l.options, 'onesLike')); }
  fullLike<E extends DType>(like: Tensor<E>, value: number, options?: extra.LikeOptions & { dtype?: undefined }): Tensor<E>;
  fullLike<F extends DType>(like: Tensor, value: number, options: extra.LikeOptions & { dtype: F }): Tensor<F>;
  fullLike(like: Tensor, value: number, options?: extra.LikeOptions): Tensor { const l = extra.likeOptions<Tensor>(like, options, 'fullLike'); return this.made('fullLike', () => factory.full(this, l.shape, value, l.options, 'fullLike')); }
  /**
   * Integers uniform in [low, high) (high exclusive, as torch.randint), int32 unless `dtype` says
   * otherwise, drawn from `seed`, `rng` or the engine's generator; randint(high, shape) starts at 0.
   */
  randint(low: number, high: number | readonly number[], shape?: readonly number[] | extra.RandintOptions, options?: extra.RandintOptions): Tensor {
    if (Array.isArray(high)) return this.randint(0, low, high, shape as extra.RandintOptions | undefined);
    const o = checkOptions(options, 'randint', ['dtype', 'seed', 'rng']);
    const rng = extra.pickRng('randint', o.seed, o.rng, this.tensorRng);
    return this.made('randint', () => { const r = extra.randint(low, high as number, shape as readonly number[], rng, o.dtype); return factory.tensor(this, r.data, r.shape, { dtype: r.data instanceof Int32Array ? 'int32' : o.dtype }); });
  }
  /** A trainable tensor that survives reset(): its data and gradient live in a slot. Its dtype follows eng.tensor()'s rules, or the tensor's. */
  parameter<E extends DType>(values: Tensor<E>, shape?: readonly number[], options?: factory.TensorOptions<never>): TensorParam<E>;
  parameter<E extends DType>(values: factory.TensorData | Tensor, shape: readonly number[] | undefined, options: factory.TensorOptions<E> & { dtype: E }): TensorParam<E>;
  parameter(values: Float64Array, shape?: readonly number[], options?: factory.TensorOptions<never>): TensorParam<'float64'>;
  parameter(values: factory.TensorData, shape?: readonly number[], options?: factory.TensorOptions<'float32'>): TensorParam<'float32'>;
  parameter(values: factory.TensorData | Tensor, shape?: readonly number[], options?: factory.TensorOptions): TensorParam;
  parameter(values: factory.TensorData | Tensor, shape?: readonly number[], options?: factory.TensorOptions): TensorParam {
    return this.made('parameter', () => factory.parameter(this, values, shape, options));
  }
  /**
   * The tensors of a .safetensors file by name, as `loadSafetensors(eng, bytes)`
   * gives them (constants on this engine's tape; `model.loadStateDict` takes the record).
   */
  loadSafetensors(bytes: Uint8Array): Record<string, Tensor> { return this.made('loadSafetensors', () => loadSafetensorsFile(this, bytes)); }
  /** A copy of `t` that survives reset(). */
  keep<E extends DType>(t: Tensor<E>, options?: { requiresGrad?: boolean }): TensorParam<E> { return this.made('keep', () => factory.keep(this, t, options)) as TensorParam<E>; }

  /**
   * Runs a factory. Its own arrays (the data converted, the values drawn) come
   * from the JS heap before any tensor op: out of memory there names the
   * factory and the engine's memory, as the tensor ops' errors do.
   */
  private made<T>(opName: string, make: () => T): T {
    try {
      return make();
    } catch (err) {
      throw this.memoryFailure(err, opName);
    }
  }

  /**
   * @internal The tensor ops, for one op named `opName`. Every tensor op
   * asks for them first, which makes this the place to watch the tape: at
   * backward(), and before any op with a budget set.
   */
  tensorOps(opName: string): TensorOps {
    if (opName === 'backward') this.watch.backward(opName);
    else this.watch.tensorOp(opName);
    return this.ops.get(opName);
  }

  /** @internal The node id of `t` on the current tensor tape, after checking it may be used here. */
  tensorIdOf(t: TensorHandle, opName: string): number {
    if (t instanceof Tensor && t.owner === this.current) return t.id;
    if (!(t instanceof Tensor)) throw new WasmgradArgumentError(`${opName}: expected a Tensor, got ${describe(t)}`);
    if (t.engine !== this) {
      throw new WasmgradArgumentError(`${opName}: the Tensor belongs to ${t.engine.label}, not ${this.label}; tensors of two engines cannot be mixed`);
    }
    if (t instanceof TensorParam) {
      t.id = t.checkLive(opName).slotNode(t.slot);
      t.owner = this.current;
      return t.id;
    }
    throw new WasmgradStaleHandleError(
      `${opName}: this Tensor was made before eng.reset() and its node is gone (made in generation ${t.owner.index}, ` +
        `the tape is at generation ${this.current.index}); keep tensors that must survive a reset with eng.keep() or eng.parameter()`,
    );
  }

  toString(): string {
    return `Engine(${this.label})`;
  }
  /** What console.log and the Node REPL show: the engine's label, not its backends' state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
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
    if (!(v instanceof Value)) throw new WasmgradArgumentError(`${opName}: expected a Value or a number, got ${describe(v)}`);
    if (v.engine !== this) {
      throw new WasmgradArgumentError(`${opName}: the Value belongs to ${v.engine.label}, not ${this.label}; values of two engines cannot be mixed`);
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
    throw new WasmgradStaleHandleError(
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
    if (id >>> 0 >= this.nodeLimit) id = this.opPushed(id, opName); // -1 (a failure) reads as 2^32 - 1: one compare on the hot path
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
    if (id >>> 0 >= this.nodeLimit) id = this.opPushed(id, opName); // -1 (a failure) reads as 2^32 - 1: one compare on the hot path
    return id;
  }

  /**
   * An op's node past the fast path's limit: checked as pushed() checks it,
   * and inside noGrad replaced by a Const of its number (the op node, the
   * last on the tape, is truncated away), so that nothing flows through it.
   * Not while compile() traces: a program is replayed with new inputs, and
   * a constant would freeze the number of this trace.
   */
  private opPushed(id: number, opName: string): number {
    this.pushed(id, opName);
    if (this.gradEnabled || this.traceOuter !== null) return id;
    const x = this.tape.value(id);
    this.tape.truncate(id);
    return this.pushed(this.tape.constant(x), opName);
  }

  /** @internal Turns gradient recording on or off (noGrad); returns the previous state. */
  setGradEnabled(on: boolean): boolean {
    const was = this.gradEnabled;
    this.gradEnabled = on;
    this.nodeLimit = on ? this.watchLimit : 0;
    return was;
  }

  /** @internal Reads of node `id` (from readId) and of parameter slots, for Value and Param. */
  nodeValue(id: number): number { return this.tape.value(id); }
  /** @internal */ nodeGrad(id: number): number { return this.tape.grad(id); }
  /** @internal */ nodeOp(id: number): OpId { return this.tape.op(id); }
  /** @internal */ nodeInput(id: number, k: 0 | 1): number { return this.tape.input(id, k); }
  /** @internal */ paramValue(slot: number): number { return this.tape.paramValue(slot); }
  /** @internal */ paramGrad(slot: number): number { return this.tape.paramGrad(slot); }
  /** @internal */ gradValueOf(v: Value): Value | null { return gradValueOf(this, v); }
  /** @internal */ recordTensorBackward(t: Tensor, createGraph: boolean): void { recordTensorBackward(this, t, createGraph); }
  /** @internal */ gradTensorOf(t: Tensor): Tensor | null { return gradTensorOf(this, t); }
  /** @internal */ forgetGradTensor(t: Tensor): void { forgetGradTensor(this, t); }

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
  /** @internal */
  guard(call: () => number, opName: string): number {
    let id: number;
    try {
      id = call();
    } catch (err) {
      throw this.tape.failure(opName, err);
    }
    if (id < 0) throw this.tape.failure(opName);
    return id;
  }

  /** @internal guard() for a call that pushes a node: also holds the tape to the budget. */
  push(call: () => number, opName: string): number {
    let id: number;
    try {
      id = call();
    } catch (err) {
      throw this.tape.failure(opName, err);
    }
    return this.pushed(id, opName);
  }

  /** The node id a push returned, checked: -1 becomes the backend's error, a node past the budget a WasmgradTapeBudgetError. */
  private pushed(id: number, opName: string): number {
    if (id < 0) throw this.tape.failure(opName);
    if (id >= this.watch.nodeLimit) this.watch.pushed(id, opName);
    return id;
  }

  /** @internal Drops the names of nodes from `start` on. */
  forgetNames(start: number): void {
    for (const id of this.names.keys()) if (id >= start) this.names.delete(id);
  }

  /**
   * @internal Out of memory as memoryError says it, with the bytes the engine
   * holds: on Wasm the whole linear memory (scalar and tensor tapes share
   * it), in the twin its scalar arrays and its tensors.
   */
  memoryFailure(err: unknown, opName: string): unknown {
    const bytes = this.backend === 'wasm' ? this.tape.memoryBytes : this.tape.memoryBytes + this.tensors.tensorBytes;
    return memoryError(err, opName, bytes) ?? err;
  }
}

// eng.add, eng.exp, eng.atan2…: one function per scalar op of the registry (src/generated/methods.ts).
export interface Engine extends EngineMethods<Value, Scalar>, EngineTransforms, EngineExtensions {}
installEngineMethods<Value, Scalar>(Engine.prototype);
installTransforms(Engine.prototype);
installExtensions(Engine.prototype);
