// eng.customOp: an op with a forward and a backward of your own, PyTorch's
// torch.autograd.Function. The forward runs on plain data (numbers, or
// detached Tensors under noGrad); its result goes on the tape as a node with
// no inputs of its own (a Const on the scalar tape, a Leaf on the tensor
// tape, requiring grad when an input does), and the generation's extensions
// (./extension.ts) map that node to its inputs and the user's backward. The
// rule sweeps call that backward where a built-in op would use its rule; it
// is written with wasmgrad ops on the inputs, so with createGraph the
// gradients it returns are differentiable again.

import { checkOptions, describe } from '../check.js';
import type { EngineType } from '../context.js';
import { Value, type Scalar } from '../value.js';
import { Tensor, make } from '../tensor/tensor.js';
import { graphId } from './graph.js';
import { tensorGraphId } from './tensor-graph.js';
import { extensionsOf } from './extension.js';
import { WasmgradCustomOpError } from './extension-errors.js';
import { WasmgradArgumentError } from '../errors.js';

/** The last argument of forward: `save(...)` keeps values for backward (PyTorch's ctx.save_for_backward). */
export interface CustomOpContext {
  save(...values: unknown[]): void;
}

/** What backward receives besides the output's gradient. */
export interface CustomOpBackwardContext<In, Out> {
  /** The op's inputs as they were passed (numbers stay numbers), with their graph: build the gradients from these. */
  readonly inputs: readonly In[];
  /** The op's output. */
  readonly output: Out;
  /** What forward passed to `ctx.save`, in order. */
  readonly saved: readonly unknown[];
}

/** A scalar custom op: forward on numbers, backward on Values. */
export interface ScalarOpSpec {
  /** Named in every error about the op. */
  readonly name: string;
  /** The inputs' numbers, then a CustomOpContext; returns the output's number. */
  readonly forward: (...args: any[]) => number;
  /** d(output)/d(input k) times `grad` for each input (null or undefined: none), as Values or numbers. */
  readonly backward: (grad: Value, ctx: CustomOpBackwardContext<Scalar, Value>) => Value | number | null | readonly (Value | number | null | undefined)[];
}

/** A tensor custom op: forward on detached Tensors, backward on Tensors. */
export interface TensorOpSpec {
  readonly name: string;
  /** The inputs detached (forward runs under noGrad), then a CustomOpContext; returns a Tensor of this engine. */
  readonly forward: (...args: any[]) => Tensor;
  /** The vector-Jacobian product: for each input, a Tensor of its shape and dtype, or null (undefined) for none. */
  readonly backward: (grad: Tensor, ctx: CustomOpBackwardContext<Tensor, Tensor>) => Tensor | null | readonly (Tensor | null | undefined)[];
}

type AnySpec = ScalarOpSpec | TensorOpSpec;

/** What forward returns (a number or a Tensor) picks the kind of op: the output, gradient and input types. */
export type CustomOutput<O> = O extends Tensor ? Tensor : Value;
export type CustomInput<O> = O extends Tensor ? Tensor : Scalar;

/** ScalarOpSpec or TensorOpSpec, told apart by forward's return type. */
export interface CustomOpSpec<O extends number | Tensor> {
  readonly name: string;
  readonly forward: (...args: any[]) => O;
  readonly backward: (
    grad: CustomOutput<O>, ctx: CustomOpBackwardContext<CustomInput<O>, CustomOutput<O>>,
  ) => CustomOutput<O> | number | null | readonly (CustomOutput<O> | number | null | undefined)[];
}

/** Checks the spec once and returns the op as a function of its inputs (all Values and numbers, or all Tensors). */
export function customOp(eng: EngineType, spec: AnySpec): (...inputs: unknown[]) => unknown {
  if (spec === null || typeof spec !== 'object') throw new WasmgradArgumentError(`customOp: expected { name, forward, backward }, got ${describe(spec)}`);
  checkOptions(spec, 'customOp', ['name', 'forward', 'backward']);
  const { name, forward, backward } = spec;
  if (typeof name !== 'string' || name.length === 0) throw new WasmgradArgumentError(`customOp: name must be a non-empty string, got ${describe(name)}`);
  for (const [key, fn] of [['forward', forward], ['backward', backward]] as const) {
    if (typeof fn !== 'function') throw new WasmgradCustomOpError(name, `${key} must be a function, got ${describe(fn)}`);
  }
  const op = (...inputs: unknown[]): unknown => {
    if (eng.traceOuter !== null) {
      throw new WasmgradCustomOpError(name, "cannot be used inside compile()'s fn: a compiled program replays the core's own ops only, and a custom op's backward is JS");
    }
    return inputs.some((x) => x instanceof Tensor)
      ? tensorOp(eng, spec as TensorOpSpec, inputs)
      : scalarOp(eng, spec as ScalarOpSpec, inputs);
  };
  Object.defineProperty(op, 'name', { value: name });
  return op;
}

function context(): { ctx: CustomOpContext; saved: unknown[] } {
  const saved: unknown[] = [];
  return { ctx: { save: (...values: unknown[]) => { saved.push(...values); } }, saved };
}

/** backward's result as one entry per input: an array of that length, or a lone gradient for a one-input op. */
function gradientList(name: string, r: unknown, n: number): readonly unknown[] {
  if (Array.isArray(r)) {
    if (r.length !== n) throw new WasmgradCustomOpError(name, `backward returned ${r.length} gradient${r.length === 1 ? '' : 's'} for ${n} input${n === 1 ? '' : 's'}; return one per input (null for none)`);
    return r;
  }
  if (n === 1) return [r];
  throw new WasmgradCustomOpError(name, `backward returned ${describe(r)}; return an array of ${n} gradients, one per input (null for none)`);
}

function scalarOp(eng: EngineType, spec: ScalarOpSpec, inputs: readonly unknown[]): Value {
  const { name } = spec;
  // stale or foreign Values fail here, with the stale-graph error or the engine's own
  const ids = inputs.map((x, k) => {
    if (typeof x === 'number') return -1;
    if (!(x instanceof Value)) throw new WasmgradCustomOpError(name, `input ${k} is ${describe(x)}; a scalar custom op takes Values and numbers (a tensor op takes Tensors only)`);
    return graphId(eng, x, name);
  });
  const { ctx, saved } = context();
  const y = spec.forward(...inputs.map((x) => (typeof x === 'number' ? x : (x as Value).data)), ctx);
  if (typeof y !== 'number') throw new WasmgradCustomOpError(name, `forward returned ${describe(y)}; a scalar custom op's forward returns a number`);
  const output = eng.constant(y);
  if (!eng.gradEnabled || !ids.some((id) => id >= 0)) return output;
  const args = inputs as readonly Scalar[];
  extensionsOf(eng.current).customValues.set(output.id, {
    name,
    inputs: ids,
    backward: (g) => {
      const list = gradientList(name, spec.backward(g, { inputs: args, output, saved }), ids.length);
      return list.map((part, k) => {
        if (part === null || part === undefined) return null;
        if (typeof part === 'number') return eng.constant(part);
        if (part instanceof Value && part.engine === eng) return part;
        throw new WasmgradCustomOpError(name, `backward's gradient ${k} is ${describe(part)}; return a Value, a number or null`);
      });
    },
  });
  return output;
}

function tensorOp(eng: EngineType, spec: TensorOpSpec, inputs: readonly unknown[]): Tensor {
  const { name } = spec;
  const ids = inputs.map((x, k) => {
    if (!(x instanceof Tensor)) throw new WasmgradCustomOpError(name, `input ${k} is ${describe(x)}; a tensor custom op takes Tensors only (make numbers eng.tensor(x))`);
    return tensorGraphId(eng, x, name);
  });
  const args = inputs as readonly Tensor[];
  const { ctx, saved } = context();
  const y = eng.noGrad(() => spec.forward(...args.map((x) => (x.requiresGrad ? x.detach() : x)), ctx));
  if (!(y instanceof Tensor) || y.engine !== eng || y.owner !== eng.current) {
    const what = !(y instanceof Tensor) ? describe(y) : y.engine !== eng ? 'a Tensor of another engine' : 'a Tensor from before eng.reset()';
    throw new WasmgradCustomOpError(name, `forward returned ${what}; a tensor custom op's forward returns a Tensor of this engine`);
  }
  if (!eng.gradEnabled) return y;
  // a node of its own, requiring grad when an input does, that the sweeps map to this op's backward
  const requiresGrad = y.dtype !== 'int32' && args.some((x) => x.requiresGrad);
  const output = make(eng, eng.tensorOps(name).fromData(y.data(), y.shape, y.dtype, requiresGrad), y.shape, y.dtype);
  extensionsOf(eng.current).customTensors.set(output.id, {
    name,
    inputs: ids,
    backward: (g) => {
      const list = gradientList(name, spec.backward(g, { inputs: args, output, saved }), ids.length);
      return list.map((part, k) => {
        if (part === null || part === undefined) return null;
        const x = args[k];
        if (!(part instanceof Tensor) || part.engine !== eng) {
          throw new WasmgradCustomOpError(name, `backward's gradient ${k} is ${part instanceof Tensor ? 'a Tensor of another engine' : describe(part)}; return a Tensor or null`);
        }
        if (part.dtype !== x.dtype || part.rank !== x.rank || part.shape.some((d, i) => d !== x.shape[i])) {
          throw new WasmgradCustomOpError(name, `backward's gradient ${k} is a ${part.dtype} Tensor of shape [${part.shape.join(', ')}], but input ${k} is ${x.dtype} of shape [${x.shape.join(', ')}]`);
        }
        return part;
      });
    },
  });
  return output;
}
