import { checkName, checkNumber, describe } from './check.js';
import { Op, OP_INFO, OP_NAMES, type OpId } from './ops.js';
import type { BackendName, Tape } from './tape.js';
import { JsTape } from './js/tape.js';
import { WasmTape } from './wasm/tape.js';
import { chooseBuild, instantiateCore, type WasmBuild, type WasmSource } from './wasm/load.js';
import { Generation, Param, Value, type Scalar } from './value.js';
import { Program, decodeProgram } from './program.js';
import { Random } from './random.js';
import type { TensorBackend } from './tensor/backend.js';
import { JsTensorBackend } from './js/tensor.js';
import { WasmTensorBackend } from './wasm/tensor.js';
import { Tensor, TensorParam, concat as concatTensors, stack as stackTensors, where as whereTensor, type TensorLike } from './tensor/tensor.js';
import * as factory from './tensor/factory.js';

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
}

let engineCount = 0;

/**
 * An autograd engine: one tape, one set of parameters, one backend. Build
 * graphs with `value()`/`param()` and the ops on Value, call `backward()`, read
 * `grad`, then `reset()` to free the graph.
 */
export class Engine {
  readonly backend: BackendName;
  /** @internal */ readonly tape: Tape;
  /** @internal Replaced by reset(); Values made now belong to it. */ current: Generation;
  /** @internal The owner of parameters whose Param node is not on the current tape. */ readonly unbound: Generation;
  /** @internal */ readonly label: string;
  private names = new Map<number, string>();
  /** Parameters by slot, so that a compiled program can name the ones it reads. */
  private readonly paramsBySlot: Param[] = [];
  /** While compile() traces: the generation it interrupted, whose Values fn must not use. */
  private traceOuter: Generation | null = null;
  // V8 adds Value's fields through map transitions that it holds weakly, so
  // when the last Value dies (a reset() then a GC) the map goes, and with it
  // the optimized code of every op: the next graph builds several times
  // slower. One Value kept for the engine's lifetime keeps the map alive.
  private readonly mapAnchor: Value;

  /** @internal The tensor tape, or null for a backend that has none yet. */ readonly tensors: TensorBackend | null;
  /** @internal The default generator of randn/rand, seeded 42, so unseeded runs repeat. */ readonly tensorRng = new Random(42);

  /**
   * Which build of the Wasm core runs ('relaxed-simd', 'simd' or 'baseline');
   * null for the JS twin, and for a core passed as `{ wasm }` that does not
   * say (one without the `wasmFeatures` export).
   */
  readonly wasmBuild: WasmBuild | null;

  /** @internal Use `createEngine()`. */
  constructor(tape: Tape, tensors: TensorBackend | null = null, wasmBuild: WasmBuild | null = null) {
    this.tape = tape;
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
    const v = new Value(this.current, this.guard(() => this.tape.leaf(x)));
    if (name !== undefined) this.names.set(v.id, name);
    return v;
  }

  /** A number as a node with no gradient of its own. */
  constant(x: number): Value {
    checkNumber(x, 'constant');
    return new Value(this.current, this.guard(() => this.tape.constant(x)));
  }

  /** A trainable value that survives reset(); assign `p.data` to update it. */
  param(x: number, name?: string): Param {
    checkNumber(x, 'param');
    if (name !== undefined) checkName(name, 'param');
    const p = new Param(this, this.guard(() => this.tape.createParam(x)), name);
    this.paramsBySlot[p.slot] = p;
    return p;
  }

  add(x: Scalar, y: Scalar): Value { return this.binary(Op.Add, x, y, 'add'); }
  sub(x: Scalar, y: Scalar): Value { return this.binary(Op.Sub, x, y, 'sub'); }
  mul(x: Scalar, y: Scalar): Value { return this.binary(Op.Mul, x, y, 'mul'); }
  div(x: Scalar, y: Scalar): Value { return this.binary(Op.Div, x, y, 'div'); }
  pow(x: Scalar, y: Scalar): Value { return this.binary(Op.Pow, x, y, 'pow'); }
  neg(x: Scalar): Value { return this.unary(Op.Neg, x, 'neg'); }
  exp(x: Scalar): Value { return this.unary(Op.Exp, x, 'exp'); }
  log(x: Scalar): Value { return this.unary(Op.Log, x, 'log'); }
  sqrt(x: Scalar): Value { return this.unary(Op.Sqrt, x, 'sqrt'); }
  tanh(x: Scalar): Value { return this.unary(Op.Tanh, x, 'tanh'); }
  sigmoid(x: Scalar): Value { return this.unary(Op.Sigmoid, x, 'sigmoid'); }
  relu(x: Scalar): Value { return this.unary(Op.Relu, x, 'relu'); }
  sin(x: Scalar): Value { return this.unary(Op.Sin, x, 'sin'); }
  cos(x: Scalar): Value { return this.unary(Op.Cos, x, 'cos'); }
  abs(x: Scalar): Value { return this.unary(Op.Abs, x, 'abs'); }

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

  /** Reverse sweep from `root`; see Value.grad for what each gradient then holds. */
  backward(root: Value): void {
    this.tape.backward(this.idOf(root, 'backward'));
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
      const id = this.guard(() => tape.createProgram(start, tape.nodeCount, inputs.length, start + outputIds[0]));
      const params = tape.programInfo(id).slots.map((slot) => this.paramsBySlot[slot]);
      return new Program(this, id, outputIds, params);
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
    const image = decodeProgram(bytes);
    const params = image.paramValues.map((x) => this.param(x));
    const tape = this.tape;
    const start = tape.nodeCount;
    const { ops, inputsA, inputsB, values } = image.nodes;
    try {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as OpId;
        const arity = OP_INFO[OP_NAMES[op]].arity;
        this.guard(() =>
          op === Op.Leaf ? tape.leaf(values[i])
          : op === Op.Const ? tape.constant(values[i])
          : op === Op.Param ? tape.paramNode(params[inputsA[i]].slot)
          : arity === 1 ? tape.unary(op, start + inputsA[i])
          : tape.binary(op, start + inputsA[i], start + inputsB[i]),
        );
      }
      const id = this.guard(() => tape.createProgram(start, tape.nodeCount, image.inputCount, start + image.outputs[0]));
      const bound = tape.programInfo(id).slots.map((slot) => this.paramsBySlot[slot]);
      return new Program(this, id, image.outputs, bound);
    } finally {
      tape.truncate(start);
    }
  }

  /** Sets every gradient, of nodes and of parameters, to 0. */
  zeroGrad(): void {
    this.tape.zeroGrad();
    this.tensors?.zeroGrad();
  }

  /** Frees the whole tape in O(1). Values made before it can no longer be used; parameters keep their values and gradients. */
  reset(): void {
    if (this.traceOuter !== null) throw new Error("reset: cannot reset inside compile()'s fn; the trace lives on the tape");
    this.tape.reset();
    this.tensors?.reset();
    this.current = new Generation(this, this.current.index + 1);
    this.names.clear();
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
      tensorNodes: this.tensors?.nodeCount ?? 0,
      tensorSlots: this.tensors?.slotCount ?? 0,
      tensorBytes: this.tensors?.tensorBytes ?? 0,
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
  where(mask: Tensor, a: TensorLike, b: TensorLike): Tensor { return whereTensor(mask, a, b); }
  concat(list: readonly Tensor[], axis = 0): Tensor { return concatTensors(list, axis); }
  stack(list: readonly Tensor[], axis = 0): Tensor { return stackTensors(list, axis); }
  /** A trainable tensor that survives reset(): its data and gradient live in a slot. */
  parameter(values: factory.TensorData | Tensor, shape?: readonly number[], options?: factory.TensorOptions): TensorParam {
    return factory.parameter(this, values, shape, options);
  }
  /** A copy of `t` that survives reset(). */
  keep(t: Tensor, options?: { requiresGrad?: boolean }): TensorParam { return factory.keep(this, t, options); }

  /** @internal The tensor backend, or an error for a backend that has none. */
  tensorBackend(opName: string): TensorBackend {
    if (this.tensors === null) throw new Error(`tensors: the ${this.backend} backend does not have tensors yet`);
    return this.tensors;
  }

  /** @internal The node id of `t` on the current tensor tape, after checking it may be used here. */
  tensorIdOf(t: Tensor, opName: string): number {
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

  toString(): string {
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
      v.id = this.guard(() => this.tape.paramNode(v.slot));
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

  /** @internal */
  binary(op: OpId, x: Scalar, y: Scalar, opName: string): Value {
    const tape = this.tape;
    let id: number;
    try {
      if (typeof y === 'number') {
        const a = typeof x === 'number' ? tape.constant(x) : this.idOf(x, opName);
        id = tape.binaryConst(op === Op.Pow ? Op.PowConst : op, a, y, false);
      } else if (typeof x === 'number') {
        id = tape.binaryConst(op, this.idOf(y, opName), x, true);
      } else {
        id = tape.binary(op, this.idOf(x, opName), this.idOf(y, opName));
      }
    } catch (err) {
      throw this.memoryError(err);
    }
    return new Value(this.current, id);
  }

  /** @internal */
  unary(op: OpId, x: Scalar, opName: string): Value {
    let id: number;
    try {
      id = this.tape.unary(op, typeof x === 'number' ? this.tape.constant(x) : this.idOf(x, opName));
    } catch (err) {
      throw this.memoryError(err);
    }
    return new Value(this.current, id);
  }

  /** @internal */
  inputsOf(v: Value): Value[] {
    const id = this.readId(v, 'inputs');
    const inputs: Value[] = [];
    const arity = OP_INFO[OP_NAMES[this.tape.op(id)]].arity;
    // The inputs belong to the same generation as v (which may be outside a tracing compile).
    for (let k = 0; k < arity; k++) inputs.push(new Value(v.owner, this.tape.input(id, k as 0 | 1)));
    return inputs;
  }

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
   * The core traps only when linear memory cannot grow (the checked exports
   * return error codes for everything else). Growth happens before the node
   * is written, so its state is consistent (at worst binaryConst's Const node
   * stays on the tape without its op); the trap becomes a RangeError and the
   * engine stays usable. Other errors pass as they are.
   */
  private memoryError(err: unknown): unknown {
    if (!(err instanceof WebAssembly.RuntimeError)) return err;
    return new RangeError(
      `wasmgrad: out of memory: the tape could not grow past ${this.tape.nodeCount} nodes ` +
        `(${this.tape.memoryBytes} bytes of linear memory); reset() graphs you no longer need`,
      { cause: err },
    );
  }

  /** Runs a tape call that may grow memory; see memoryError. */
  private guard(call: () => number): number {
    try {
      return call();
    } catch (err) {
      throw this.memoryError(err);
    }
  }
}

/** Creates an engine. The Wasm backend (default) compiles the core on first use and gives each engine its own instance and memory. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`createEngine: options must be an object, got ${describe(options)}`);
  const backend = options.backend ?? 'wasm';
  if (backend === 'js') return new Engine(new JsTape(), new JsTensorBackend());
  if (backend === 'wasm') {
    for (const key of ['simd', 'relaxedSimd'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new TypeError(`createEngine: ${key} must be true or false, got ${describe(options[key])}`);
    }
    const instance = await instantiateCore(options.wasm, chooseBuild(options));
    const features = (instance.exports.wasmFeatures as (() => number) | undefined)?.();
    const build: WasmBuild | null = features === undefined ? null : features & 2 ? 'relaxed-simd' : features & 1 ? 'simd' : 'baseline';
    return new Engine(new WasmTape(instance), new WasmTensorBackend(instance), build);
  }
  throw new TypeError(`createEngine: backend must be 'wasm' or 'js', got ${describe(backend)}`);
}
