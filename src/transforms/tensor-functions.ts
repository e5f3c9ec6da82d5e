// The function transforms on tensor functions: grad, valueAndGrad, vjp,
// hessian, hvp and gradients() when their arguments are Tensors, or arrays
// and plain objects of Tensors (jax's pytrees: a gradient comes back in the
// argument's structure). Each runs the tensor sweep of ./tensor-graph.ts, so
// every result is a Tensor on the tape and the transforms compose.
//
// There is no forward mode on tensors yet: hvp is reverse over reverse
// (the gradient of ⟨∇f, v⟩), and jvp and jacobian take scalar functions only.

import { describe } from '../check.js';
import type { EngineType } from '../context.js';
import { Tensor, concat } from '../tensor/tensor.js';
import { WasmgradNonScalarError, WasmgradTangentError } from './errors.js';
import { filled, tensorGraphId, tensorReverseSweep } from './tensor-graph.js';

/** A Tensor, or an array or plain object of them (nested). */
export type TensorTree = Tensor | readonly TensorTree[] | { readonly [key: string]: TensorTree };

/** Whether x is a Tensor or holds one (arrays and plain objects, nested). */
export function holdsTensor(x: unknown): boolean {
  if (x instanceof Tensor) return true;
  if (Array.isArray(x)) return x.some(holdsTensor);
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) return Object.values(x).some(holdsTensor);
  return false;
}

/** The tree with every Tensor leaf replaced by fn(leaf); numbers and other leaves stay. */
function mapTree(x: unknown, fn: (t: Tensor) => unknown): unknown {
  if (x instanceof Tensor) return fn(x);
  if (Array.isArray(x)) return x.map((e) => mapTree(e, fn));
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, mapTree(v, fn)]));
  }
  return x;
}

function leaves(x: unknown): Tensor[] {
  const out: Tensor[] = [];
  mapTree(x, (t) => out.push(t));
  return out;
}

/** Fresh nodes for the arguments, x·1 per Tensor leaf, so that each is a variable of its own. */
function primals(eng: EngineType, args: readonly unknown[], what: string): unknown[] {
  return args.map((a) => mapTree(a, (t) => {
    tensorGraphId(eng, t, what);
    if (t.dtype === 'int32') throw new TypeError(`${what}: an int32 tensor has no gradient; pass float32 or float64 arguments`);
    return t.mul(1);
  }));
}

function scalarTensor(eng: EngineType, out: unknown, what: string): Tensor {
  if (!(out instanceof Tensor)) {
    throw new WasmgradNonScalarError(`${what}: f must return a one-element Tensor when its arguments are tensors, got ${describe(out)}`);
  }
  tensorGraphId(eng, out, what);
  if (out.size !== 1) {
    throw new WasmgradNonScalarError(`${what}: f must return a one-element Tensor, got one of shape [${out.shape.join(', ')}]; reduce it first (.sum(), .mean())`);
  }
  return out;
}

/** d(roots)/d(inputs), zeros where the roots do not depend on an input. */
export function tensorSweep(eng: EngineType, roots: readonly Tensor[], seeds: readonly Tensor[], inputs: readonly Tensor[], what: string): Tensor[] {
  const ids = roots.map((r) => tensorGraphId(eng, r, what));
  const grads = tensorReverseSweep(eng, ids, seeds, inputs.map((x) => tensorGraphId(eng, x, what)));
  return grads.map((g, k) => g ?? filled(eng, inputs[k], 0));
}

/** The gradient of the tree `x` as a tree of the same structure. */
function gradTree(eng: EngineType, out: Tensor, x: unknown, what: string): unknown {
  const list = leaves(x);
  const grads = tensorSweep(eng, [out], [filled(eng, out, 1)], list, what);
  let k = 0;
  return mapTree(x, () => grads[k++]);
}

function seedFor(eng: EngineType, root: Tensor, s: unknown, what: string): Tensor {
  if (typeof s === 'number') return filled(eng, root, s);
  if (!(s instanceof Tensor)) throw new WasmgradTangentError(`${what}: a cotangent must be a Tensor or a number, got ${describe(s)}`);
  if (s.shape.length !== root.shape.length || s.shape.some((d, i) => d !== root.shape[i])) {
    throw new WasmgradTangentError(`${what}: a cotangent of shape [${s.shape.join(', ')}] for an output of shape [${root.shape.join(', ')}]`);
  }
  tensorGraphId(eng, s, what);
  return s;
}

/** torch.autograd.grad on tensors. */
export function tensorGradients(eng: EngineType, outs: unknown, inputs: readonly unknown[], createGraph: boolean, gradOutputs: unknown): Tensor[] {
  const what = 'gradients';
  const roots = (Array.isArray(outs) ? outs : [outs]) as unknown[];
  roots.forEach((r) => { if (!(r instanceof Tensor)) throw new TypeError(`${what}: outputs mix Tensors with ${describe(r)}`); });
  inputs.forEach((x) => { if (!(x instanceof Tensor)) throw new TypeError(`${what}: inputs mix Tensors with ${describe(x)}`); });
  const given = gradOutputs === undefined ? roots.map(() => 1) : Array.isArray(gradOutputs) ? gradOutputs : [gradOutputs];
  if (given.length !== roots.length) throw new WasmgradTangentError(`${what}: ${given.length} gradOutputs for ${roots.length} outputs; give one per output`);
  const rs = roots as Tensor[];
  const seeds = given.map((s, k) => seedFor(eng, rs[k], s, what));
  const grads = tensorSweep(eng, rs, seeds, inputs as Tensor[], what);
  return createGraph ? grads : grads.map((g) => g.detach());
}

/** valueAndGrad on tensor arguments: [f(...args), the gradient of each argnums argument in its structure]. */
export function tensorValueAndGrad(eng: EngineType, f: (...args: never[]) => unknown, args: readonly unknown[], nums: readonly number[], one: boolean, what: string): [Tensor, unknown] {
  const xs = primals(eng, args, what);
  const out = scalarTensor(eng, (f as (...a: unknown[]) => unknown)(...xs), what);
  const picked = nums.map((i) => xs[i]);
  const grads = gradTree(eng, out, picked, what) as unknown[];
  return [out, one ? grads[0] : grads];
}

/** vjp on tensor arguments. */
export function tensorVjp(eng: EngineType, f: (...args: never[]) => unknown, args: readonly unknown[]): [unknown, (cotangents: unknown) => unknown[]] {
  const what = 'vjp';
  const xs = primals(eng, args, what);
  const out = (f as (...a: unknown[]) => unknown)(...xs);
  const many = Array.isArray(out);
  const list = (many ? out : [out]) as unknown[];
  list.forEach((o, k) => { if (!(o instanceof Tensor)) throw new WasmgradNonScalarError(`${what}: f's output ${k} must be a Tensor, got ${describe(o)}`); });
  const pullback = (cotangents: unknown): unknown[] => {
    const cts = (Array.isArray(cotangents) ? cotangents : [cotangents]) as unknown[];
    if (Array.isArray(cotangents) !== many || cts.length !== list.length) {
      throw new WasmgradTangentError(`vjp: f returned ${many ? `${list.length} outputs` : 'one Tensor'}, so the cotangents must be ${many ? `an array of ${list.length}` : 'one Tensor or number'}`);
    }
    const roots = list as Tensor[];
    const flat = leaves(xs);
    const grads = tensorSweep(eng, roots, cts.map((c, k) => seedFor(eng, roots[k], c, what)), flat, what);
    let k = 0;
    return mapTree(xs, () => grads[k++]) as unknown[];
  };
  return [out, pullback];
}

/**
 * hessian on Tensor arguments: H[i][j] of shape [...xi.shape, ...xj.shape],
 * one sweep over the gradient's graph per element of each gradient.
 */
export function tensorHessian(eng: EngineType, f: (...args: never[]) => unknown, args: readonly unknown[], nums: readonly number[]): Tensor[][] {
  const what = 'hessian';
  args.forEach((a, k) => { if (nums.includes(k) && !(a instanceof Tensor)) throw new TypeError(`${what}: argument ${k} must be a Tensor (trees are for grad, valueAndGrad and vjp), got ${describe(a)}`); });
  const xs = primals(eng, args, what);
  const out = scalarTensor(eng, (f as (...a: unknown[]) => unknown)(...xs), what);
  const wrt = nums.map((i) => xs[i] as Tensor);
  const grads = tensorSweep(eng, [out], [filled(eng, out, 1)], wrt, what);
  return grads.map((gi, i) => {
    const n = gi.size;
    const rows: Tensor[][] = wrt.map(() => []);
    for (let e = 0; e < n; e++) {
      const hot = new Float64Array(n);
      hot[e] = 1;
      const seed = eng.tensor(gi.dtype === 'float32' ? Float32Array.from(hot) : hot, gi.shape, { dtype: gi.dtype });
      tensorSweep(eng, [gi], [seed], wrt, what).forEach((row, j) => rows[j].push(row.reshape([1, row.size])));
    }
    return wrt.map((xj, j) => (n === 0 ? filled(eng, { shape: [...wrt[i].shape, ...xj.shape], dtype: gi.dtype }, 0)
      : concat(rows[j], 0).reshape([...wrt[i].shape, ...xj.shape])));
  });
}

/** H·v on Tensor arguments, reverse over reverse: the gradient of ⟨∇f, v⟩. */
export function tensorHvp(eng: EngineType, f: (...args: never[]) => unknown, primalArgs: readonly unknown[], tangentArgs: readonly unknown[]): Tensor[] {
  const what = 'hvp';
  if (!Array.isArray(tangentArgs) || tangentArgs.length !== primalArgs.length) {
    throw new WasmgradTangentError(`${what}: give one tangent Tensor per primal (${primalArgs.length})`);
  }
  primalArgs.forEach((a, k) => { if (!(a instanceof Tensor)) throw new TypeError(`${what}: primal ${k} must be a Tensor, got ${describe(a)}`); });
  const xs = primals(eng, primalArgs, what) as Tensor[];
  const out = scalarTensor(eng, (f as (...a: unknown[]) => unknown)(...xs), what);
  const grads = tensorSweep(eng, [out], [filled(eng, out, 1)], xs, what);
  let dot: Tensor | null = null;
  grads.forEach((g, k) => {
    const v = tangentArgs[k];
    const term = g.mul(seedFor(eng, g, v, what)).sum();
    dot = dot === null ? term : dot.add(term);
  });
  return tensorSweep(eng, [dot!], [filled(eng, dot!, 1)], xs, what);
}
