// Function transforms on scalar functions, as jax names them: grad,
// valueAndGrad, vjp, jvp, jacobian, hessian, hvp, plus gradients() (PyTorch's
// torch.autograd.grad). Each returns Values built on the engine's tape with
// the registry's rules (./graph.ts), so any of them can be applied to the
// result of another: eng.grad(eng.grad(f)) is the second derivative.
//
// A transformed function gives each argument a node of its own (a number
// becomes a leaf, a Value v becomes v·1), so that differentiating with
// respect to it never mixes it up with another argument or with an outer
// transform's variable; the results still depend on the outer Values.

import { checkFlag, checkOptions, describe } from '../check.js';
import type { EngineType } from '../context.js';
import { Value, type Scalar } from '../value.js';
import { WasmgradNonScalarError, WasmgradTangentError } from './errors.js';
import { forwardSweep, graphId, reverseSweep } from './graph.js';
import { holdsTensor, tensorGradients, tensorHessian, tensorHvp, tensorJacobian, tensorJvp, tensorValueAndGrad, tensorVjp } from './tensor-functions.js';
import { WasmgradArgumentError, WasmgradValueError } from '../errors.js';

/** A function transforms take: Values in, a Value (or a number) out; vjp, jvp and jacobian also take a list of outputs. */
export type ScalarFunction = (...args: Value[]) => Scalar;
export type VectorFunction = (...args: Value[]) => Scalar | readonly Scalar[];

/** Which arguments to differentiate with respect to: one index (the result is one gradient) or a list (a list of gradients). */
export type Argnums = number | readonly number[];
/** What grad returns for argnums N: one Value for an index, a list for a list. */
export type Grads<N extends Argnums> = N extends number ? Value : Value[];

export interface GradOptions<N extends Argnums = number> {
  /** The argument(s) to differentiate with respect to (jax's argnums); default 0. */
  argnums?: N;
}

export interface MatrixOptions {
  /** The arguments the rows and columns stand for; default every argument. */
  argnums?: readonly number[];
}

export interface JacobianOptions extends MatrixOptions {
  /**
   * 'reverse' (default, jax.jacrev): one reverse sweep per output element;
   * 'forward' (jax.jacfwd): one forward sweep per argument element. Same
   * result: pick the one with fewer sweeps.
   */
  mode?: 'reverse' | 'forward';
}

export interface GradientsOptions {
  /** Record the gradients as graph nodes, so that they can be differentiated again (default false: constants). */
  createGraph?: boolean;
  /** The gradient each output is seeded with (PyTorch's grad_outputs); default 1 for each. */
  gradOutputs?: Scalar | readonly Scalar[];
}

// ── arguments and outputs ──

/** Fresh nodes for the arguments: a leaf per number, v·1 per Value. */
function primals(eng: EngineType, args: readonly unknown[], what: string): Value[] {
  return args.map((a, k) => {
    if (typeof a === 'number') return eng.value(a);
    if (a instanceof Value) {
      graphId(eng, a, what);
      return a.mul(1);
    }
    throw new WasmgradArgumentError(`${what}: argument ${k} must be a number or a Value, got ${describe(a)}`);
  });
}

/** A Value of this tape for what f returned (a number becomes a constant). */
function asValue(eng: EngineType, x: unknown, what: string, where: string): Value {
  if (typeof x === 'number') return eng.constant(x);
  if (x instanceof Value) {
    graphId(eng, x, what);
    return x;
  }
  const kind = x !== null && typeof x === 'object' && 'shape' in x ? 'a Tensor (pass Tensor arguments to transform a tensor function)' : describe(x);
  throw new WasmgradNonScalarError(`${what}: ${where} must be a Value or a number, got ${kind}`);
}

/** f's single scalar output. */
function scalarOutput(eng: EngineType, out: unknown, what: string): Value {
  if (Array.isArray(out)) {
    throw new WasmgradNonScalarError(
      `${what}: f must return one scalar Value, got an array of ${out.length}; ` +
        'reduce it first (eng.sum(list)), or use eng.jacobian / eng.vjp for a function with several outputs',
    );
  }
  return asValue(eng, out, what, 'f\'s output');
}

/** f's outputs as a list, and whether f returned a list. */
function outputs(eng: EngineType, out: unknown, what: string): { list: Value[]; many: boolean } {
  if (Array.isArray(out)) return { list: out.map((o, k) => asValue(eng, o, what, `f's output ${k}`)), many: true };
  return { list: [asValue(eng, out, what, 'f\'s output')], many: false };
}

function argnumList(argnums: unknown, n: number, what: string): number[] {
  const list = typeof argnums === 'number' ? [argnums] : Array.isArray(argnums) ? argnums : null;
  if (list === null) throw new WasmgradArgumentError(`${what}: argnums must be an index or a list of indices, got ${describe(argnums)}`);
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new WasmgradValueError(`${what}: argnums ${describe(i)} is not the index of an argument (f got ${n})`);
    }
  }
  return list as number[];
}

function checkFunction(f: unknown, what: string): void {
  if (typeof f !== 'function') throw new WasmgradArgumentError(`${what}: expected a function, got ${describe(f)}`);
}

/** d(roots)/d(inputs) as Values, zero (a constant) where the roots do not depend on an input. */
function sweep(eng: EngineType, roots: readonly Value[], seeds: readonly Value[], inputs: readonly Value[]): Value[] {
  const grads = reverseSweep(eng, roots.map((r) => r.id), seeds, inputs.map((x) => x.id));
  return grads.map((g) => g ?? eng.constant(0));
}

// ── the transforms ──

/**
 * torch.autograd.grad: the gradients of `outputs` (seeded with gradOutputs)
 * with respect to `inputs`, as Values; leaves' `.grad` are not touched. With
 * createGraph they are graph nodes (differentiable again), otherwise constants.
 * An input the outputs do not depend on gets 0 (jax's rule; PyTorch raises
 * unless allow_unused).
 */
export function gradients(eng: EngineType, outs: Value | readonly Value[], inputs: readonly Value[], options?: GradientsOptions): Value[] {
  const what = 'gradients';
  const o = checkOptions(options, what, ['createGraph', 'gradOutputs']);
  const createGraph = checkFlag(o.createGraph, what, 'createGraph') ?? false;
  if (holdsTensor(outs)) {
    if (!Array.isArray(inputs)) throw new WasmgradArgumentError(`${what}: inputs must be an array of Tensors, got ${describe(inputs)}`);
    return tensorGradients(eng, outs, inputs, createGraph, o.gradOutputs) as unknown as Value[];
  }
  const roots = Array.isArray(outs) ? outs : [outs as Value];
  if (!Array.isArray(inputs)) throw new WasmgradArgumentError(`${what}: inputs must be an array of Values, got ${describe(inputs)}`);
  roots.forEach((r) => graphId(eng, r, what));
  inputs.forEach((x) => graphId(eng, x, what));
  const given = o.gradOutputs === undefined ? roots.map(() => 1) : Array.isArray(o.gradOutputs) ? o.gradOutputs : [o.gradOutputs as Scalar];
  if (given.length !== roots.length) {
    throw new WasmgradTangentError(`${what}: ${given.length} gradOutputs for ${roots.length} outputs; give one per output`);
  }
  const seeds = given.map((s, k) => asValue(eng, s, what, `gradOutputs[${k}]`));
  if (!createGraph && eng.traceOuter !== null) {
    // A constant would hold the gradient at the example, and a program replays it at every input.
    throw new Error(`${what}: inside compile()'s fn, gradients must be recorded: pass { createGraph: true } (the program recomputes them on every run)`);
  }
  const grads = sweep(eng, roots, seeds, inputs);
  return createGraph ? grads : grads.map((g) => eng.constant(g.data));
}

/** jax.value_and_grad: f's value and its gradient with respect to argnums (default 0). */
export function valueAndGrad<N extends Argnums = 0>(
  eng: EngineType, f: ScalarFunction, options?: GradOptions<N>,
): (...args: Scalar[]) => [Value, Grads<N>] {
  const what = 'valueAndGrad';
  checkFunction(f, what);
  const o = checkOptions(options, what, ['argnums']);
  const argnums: Argnums = o.argnums ?? 0;
  return (...args) => {
    if (args.some(holdsTensor)) {
      return tensorValueAndGrad(eng, f, args, argnumList(argnums, args.length, what), typeof argnums === 'number', what) as unknown as [Value, Grads<N>];
    }
    const xs = primals(eng, args, what);
    const nums = argnumList(argnums, xs.length, what);
    const out = scalarOutput(eng, f(...xs), what);
    const grads = sweep(eng, [out], [eng.constant(1)], nums.map((i) => xs[i]));
    return [out, (typeof argnums === 'number' ? grads[0] : grads) as Grads<N>];
  };
}

/** jax.grad: the function that returns f's gradient with respect to argnums (default 0), as differentiable Values. */
export function grad<N extends Argnums = 0>(eng: EngineType, f: ScalarFunction, options?: GradOptions<N>): (...args: Scalar[]) => Grads<N> {
  checkFunction(f, 'grad');
  const vg = valueAndGrad(eng, f, options);
  return (...args) => vg(...args)[1];
}

/**
 * jax.vjp: f's output at the primals, and the function that maps cotangents
 * (one per output: a number or a Value) to the vector-Jacobian product, one
 * Value per primal. The function may be called several times.
 */
export function vjp(
  eng: EngineType, f: VectorFunction, ...args: Scalar[]
): [Value | Value[], (cotangents: Scalar | readonly Scalar[]) => Value[]] {
  const what = 'vjp';
  checkFunction(f, what);
  if (args.some(holdsTensor)) return tensorVjp(eng, f, args) as unknown as [Value | Value[], (cotangents: Scalar | readonly Scalar[]) => Value[]];
  const xs = primals(eng, args, what);
  const { list, many } = outputs(eng, f(...xs), what);
  const pullback = (cotangents: Scalar | readonly Scalar[]): Value[] => {
    const cts = Array.isArray(cotangents) ? cotangents : [cotangents as Scalar];
    if (Array.isArray(cotangents) !== many || cts.length !== list.length) {
      throw new WasmgradTangentError(
        `vjp: f returned ${many ? `${list.length} outputs` : 'one Value'}, so the cotangents must be ` +
          `${many ? `an array of ${list.length}` : 'one number or Value'}; got ${Array.isArray(cotangents) ? `an array of ${cts.length}` : describe(cotangents)}`,
      );
    }
    return sweep(eng, list, cts.map((c, k) => asValue(eng, c, what, `cotangent ${k}`)), xs);
  };
  return [many ? list : list[0], pullback];
}

/**
 * jax.jvp, in true forward mode: f's output at the primals and its
 * directional derivative along the tangents (one per primal), in one forward
 * sweep over the nodes f recorded (./graph.ts forwardSweep; on Tensors,
 * ./tensor-forward.ts).
 */
export function jvp(
  eng: EngineType, f: VectorFunction, primalArgs: readonly Scalar[], tangentArgs: readonly Scalar[],
): [Value | Value[], Value | Value[]] {
  const what = 'jvp';
  checkFunction(f, what);
  if (!Array.isArray(primalArgs)) throw new WasmgradArgumentError(`${what}: primals must be an array, got ${describe(primalArgs)}`);
  if (primalArgs.some(holdsTensor)) return tensorJvp(eng, f, primalArgs, tangentArgs) as unknown as [Value | Value[], Value | Value[]];
  if (!Array.isArray(tangentArgs) || tangentArgs.length !== primalArgs.length) {
    throw new WasmgradTangentError(
      `${what}: ${Array.isArray(tangentArgs) ? `${tangentArgs.length} tangents` : `tangents ${describe(tangentArgs)}`} for ${primalArgs.length} primals; ` +
        'give one tangent (a number or a Value) per primal',
    );
  }
  const tangents = tangentArgs.map((t, k) => asValue(eng, t, what, `tangent ${k}`));
  const start = eng.tape.nodeCount;
  const xs = primals(eng, primalArgs, what);
  const { list, many } = outputs(eng, f(...xs), what);
  const tangentOf = forwardSweep(eng, start, eng.tape.nodeCount, new Map(xs.map((x, k) => [x.id, tangents[k]])));
  let zero: Value | null = null;
  const outTangents = list.map((o) => tangentOf(o.id) ?? (zero ??= eng.constant(0)));
  return many ? [list, outTangents] : [list[0], outTangents[0]];
}

/**
 * jax.jacrev and jax.jacfwd: J[i][j] = ∂ output i / ∂ argument argnums[j]
 * (default every argument), by one reverse sweep per output ('reverse', the
 * default) or one forward sweep per argument ('forward').
 */
export function jacobian(eng: EngineType, f: VectorFunction, options?: JacobianOptions): (...args: Scalar[]) => Value[][] {
  const what = 'jacobian';
  checkFunction(f, what);
  const o = checkOptions(options, what, ['argnums', 'mode']);
  const mode = o.mode ?? 'reverse';
  if (mode !== 'reverse' && mode !== 'forward') {
    throw new WasmgradArgumentError(`${what}: mode must be 'reverse' (jax.jacrev) or 'forward' (jax.jacfwd), got ${describe(mode)}`);
  }
  return (...args) => {
    const nums = argnumList(o.argnums ?? args.map((_, k) => k), args.length, what);
    if (args.some(holdsTensor)) return tensorJacobian(eng, f, args, nums, mode === 'forward') as unknown as Value[][];
    const start = eng.tape.nodeCount;
    const xs = primals(eng, args, what);
    const wrt = nums.map((i) => xs[i]);
    const { list } = outputs(eng, f(...xs), what);
    if (mode === 'reverse') return list.map((out) => sweep(eng, [out], [eng.constant(1)], wrt));
    const end = eng.tape.nodeCount;
    const one = eng.constant(1);
    let zero: Value | null = null;
    const columns = wrt.map((x) => {
      const tangentOf = forwardSweep(eng, start, end, new Map([[x.id, one]]));
      return list.map((out) => tangentOf(out.id) ?? (zero ??= eng.constant(0)));
    });
    return list.map((_, i) => columns.map((column) => column[i]));
  };
}

/** jax.hessian: H[i][j] = ∂²f / ∂a_i ∂a_j over argnums (default every argument), the Jacobian of the gradient. */
export function hessian(eng: EngineType, f: ScalarFunction, options?: MatrixOptions): (...args: Scalar[]) => Value[][] {
  const what = 'hessian';
  checkFunction(f, what);
  const o = checkOptions(options, what, ['argnums']);
  return (...args) => {
    const argnums = o.argnums ?? args.map((_, k) => k);
    if (args.some(holdsTensor)) return tensorHessian(eng, f, args, argnumList(argnums, args.length, what)) as unknown as Value[][];
    const g = grad(eng, (...xs) => scalarOutput(eng, f(...xs), what), { argnums });
    return jacobian(eng, (...xs) => g(...xs), { argnums })(...args);
  };
}

/** The Hessian-vector product H·v at the primals, forward over reverse: the jvp of the gradient (every argument). */
export function hvp(eng: EngineType, f: ScalarFunction, primalArgs: readonly Scalar[], tangentArgs: readonly Scalar[]): Value[] {
  checkFunction(f, 'hvp');
  if (!Array.isArray(primalArgs)) throw new WasmgradArgumentError(`hvp: primals must be an array, got ${describe(primalArgs)}`);
  if (primalArgs.some(holdsTensor)) return tensorHvp(eng, f, primalArgs, tangentArgs) as unknown as Value[];
  const argnums = primalArgs.map((_, k) => k);
  const g = grad(eng, (...xs) => scalarOutput(eng, f(...xs), 'hvp'), { argnums });
  return jvp(eng, (...xs) => g(...xs), primalArgs, tangentArgs)[1] as Value[];
}
