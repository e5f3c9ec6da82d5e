import { checkName } from './check.js';
import type { BackwardOptions, EngineContext, EngineType, Generation, RemovableHandle } from './context.js';
import { OP_INFO, OP_NAMES, type OpId, type OpName } from './ops.js';
import { installValueMethods, type ValueMethods } from './generated/methods.js';
import { WasmgradArgumentError } from './errors.js';

/** An argument to an op: a Value of the same engine, or a plain number (which becomes a constant). */
export type Scalar = Value | number;

/**
 * A handle to one node of an engine's tape. It holds no data itself: `data`
 * and `grad` are read from the tape, in Wasm linear memory or in the JS twin's
 * typed arrays. A Value dies with the tape at `eng.reset()`; using it after
 * that throws.
 */
export class Value {
  /** @internal The tape generation the node belongs to. */ owner: Generation;
  /** @internal */ id: number;

  /** @internal Use `eng.value()`, `eng.param()` or an op to make one. */
  constructor(owner: Generation, id: number) {
    this.owner = owner;
    this.id = id;
  }

  // The op methods (add, exp, atan2…) come from ValueMethods, one per op in the registry.
  /** @internal */
  applyUnary(op: OpId, opName: string): Value {
    const e = this.owner.engine;
    return new Value(e.current, e.pushUnary(op, this, opName));
  }

  /** @internal */
  applyBinary(op: OpId, other: Scalar, opName: string): Value {
    const e = this.owner.engine;
    return new Value(e.current, e.pushBinary(op, this, other, opName));
  }

  get engine(): EngineType {
    return this.owner.engine as EngineType;
  }

  /** The forward value, computed when the node was pushed. */
  get data(): number {
    const e = this.owner.engine;
    return e.nodeValue(e.readId(this, 'data'));
  }

  set data(_: number) {
    throw new WasmgradArgumentError(
      `data: only parameters can be assigned; this is a ${this.op} node (make trainable values with eng.param())`,
    );
  }

  /**
   * d(root)/d(this) from the last `backward()`; for leaves (`eng.value`) and
   * parameters the sum over all `backward()` calls since `zeroGrad()`.
   */
  get grad(): number {
    const e = this.owner.engine;
    return e.nodeGrad(e.readId(this, 'grad'));
  }

  set grad(_: number) {
    throw new WasmgradArgumentError(
      "grad: only a parameter's gradient can be assigned (p.grad = 0 for one made with eng.param(), eng.zeroGrad() for all); " +
        'this Value is not a parameter, and backward() computes its gradient',
    );
  }

  /** The name given at creation or with `named()`, if any. */
  get name(): string | undefined {
    return this.owner.engine.nameOf(this);
  }

  /** Gives this node a name (shown by `toString()` and graph tools). Returns this. */
  named(name: string): this {
    this.owner.engine.setName(this, name);
    return this;
  }

  /** The op that produced this node. */
  get op(): OpName {
    const e = this.owner.engine;
    return OP_NAMES[e.nodeOp(e.readId(this, 'op'))];
  }

  /** The nodes this one was computed from (constants included), in argument order. */
  get inputs(): Value[] {
    const e = this.owner.engine;
    const id = e.readId(this, 'inputs');
    const inputs: Value[] = [];
    const arity = OP_INFO[OP_NAMES[e.nodeOp(id)]].arity;
    // The inputs belong to the same generation as this node (which may be outside a tracing compile).
    for (let k = 0; k < arity; k++) inputs.push(new Value(this.owner, e.nodeInput(id, k as 0 | 1)));
    return inputs;
  }

  /** @internal For a Param node: the slot of the parameter it reads (pictures of the graph name it after that parameter). */
  get paramSlot(): number {
    const e = this.owner.engine;
    return e.nodeInput(e.readId(this, 'paramSlot'), 0);
  }

  /**
   * Reverse sweep from this node: every node it depends on gets d(this)/d(node).
   * With `{ createGraph: true }` the sweep is also recorded as nodes, so that
   * leaves' and parameters' `gradValue` can be differentiated again.
   */
  backward(options?: BackwardOptions): void {
    this.owner.engine.backward(this, options);
  }

  /**
   * The gradient as a differentiable Value, for leaves and parameters after
   * `backward({ createGraph: true })` (null before): what PyTorch's `x.grad` is
   * after `backward(create_graph=True)`. Like `grad`, it accumulates across such
   * calls until `zeroGrad()`; `grad` stays the number.
   */
  get gradValue(): Value | null {
    return this.owner.engine.gradValueOf(this) as Value | null;
  }

  /**
   * A constant with this node's number, cut from the graph: no gradient
   * flows back through it (Tensor#detach, PyTorch's detach()).
   */
  detach(): Value {
    const e = this.owner.engine;
    return e.constant(this.data) as Value;
  }

  /**
   * Registers `hook`, called with this node's gradient (a Value) on each
   * backward or transform that reaches it: it may return a replacement (a
   * Value or a number), or undefined to keep it (PyTorch's register_hook). On
   * a leaf or a parameter it sees this backward's gradient before it is added
   * to `.grad`; a parameter's hooks survive eng.reset(). While any hook is
   * registered, backward takes the rule sweep instead of the fused kernels
   * (docs/extending.md). Returns a handle whose `remove()` unregisters it.
   */
  registerHook(hook: (grad: Value) => Value | number | undefined | void): RemovableHandle {
    return this.owner.engine.registerGradHook(this, hook as (grad: never) => unknown);
  }

  /** `Value(x, data=2, grad=0)`; a Value freed by reset() says so instead of throwing. */
  toString(): string {
    try {
      const name = this.name;
      return `Value(${name === undefined ? '' : `${name}, `}data=${this.data}, grad=${this.grad})`;
    } catch (err) {
      return /reset/.test((err as Error).message) ? 'Value(<freed by eng.reset()>)' : `Value(<${(err as Error).message}>)`;
    }
  }

  /** What console.log and the Node REPL show: the same text, not the handle's fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

}

// add, exp, atan2… as methods: one per scalar op of the registry (src/generated/methods.ts).
export interface Value extends ValueMethods<Value, Scalar> {}
installValueMethods<Value, Scalar>(Value.prototype);

/**
 * A trainable value that survives `eng.reset()`. Its value and gradient live
 * in a parameter slot outside the tape; each tape generation reads it through
 * one Param node, pushed on first use. `data` is assignable, so an update
 * step is `p.data -= lr * p.grad`.
 */
export class Param extends Value {
  /** @internal */ paramName: string | undefined;

  /** @internal Use `eng.param()`. */
  constructor(engine: EngineContext, readonly slot: number, name: string | undefined) {
    super(engine.unbound, -1);
    this.paramName = name;
  }

  override get data(): number {
    return this.owner.engine.paramValue(this.slot);
  }

  /** Nodes already built from this parameter keep the value they read; new ones see the new value. */
  override set data(value: number) {
    this.owner.engine.setParamValue(this, value);
  }

  /** The accumulated gradient, kept across `reset()` until `zeroGrad()`. */
  override get grad(): number {
    return this.owner.engine.paramGrad(this.slot);
  }

  override set grad(value: number) {
    this.owner.engine.setParamGrad(this, value);
  }

  override get name(): string | undefined {
    return this.paramName;
  }

  override named(name: string): this {
    checkName(name, 'named');
    this.paramName = name;
    return this;
  }

  override get op(): OpName {
    return 'Param';
  }

  override get inputs(): Value[] {
    return [];
  }

  /** @internal */
  override get paramSlot(): number {
    return this.slot;
  }
}
