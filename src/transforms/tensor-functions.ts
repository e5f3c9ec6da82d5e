// The function transforms on tensor functions: grad, valueAndGrad, vjp, jvp,
// jacobian, hessian, hvp and gradients() when their arguments are Tensors, or
// arrays and plain objects of Tensors (jax's pytrees: a gradient comes back in
// the argument's structure). Each runs the reverse sweep of ./tensor-graph.ts
// or the forward sweep of ./tensor-forward.ts, so every result is a Tensor on
// the tape and the transforms compose.

import { describe } from '../check.js';
import type { EngineType } from '../context.js';
import { Tensor, concat } from '../tensor/tensor.js';
import { WasmgradNonScalarError, WasmgradTangentError } from './errors.js';
import { filled, tensorGraphId, tensorReverseSweep } from './tensor-graph.js';
import { tensorForwardSweep, tensorForwardSweeps } from './tensor-forward.js';
import { WasmgradArgumentError, WasmgradDTypeError } from '../errors.js';

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
    if (t.dtype === 'int32') throw new WasmgradDTypeError(`${what}: an int32 tensor has no gradient; pass float32 or float64 arguments`);
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
  roots.forEach((r) => { if (!(r instanceof Tensor)) throw new WasmgradArgumentError(`${what}: outputs mix Tensors with ${describe(r)}`); });
  inputs.forEach((x) => { if (!(x instanceof Tensor)) throw new WasmgradArgumentError(`${what}: inputs mix Tensors with ${describe(x)}`); });
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
  args.forEach((a, k) => { if (nums.includes(k) && !(a instanceof Tensor)) throw new WasmgradArgumentError(`${what}: argument ${k} must be a Tensor (trees are for grad, valueAndGrad and vjp), got ${describe(a)}`); });
  const xs = primals(eng, args, what);
  const out = scalarTensor(eng, (f as (...a: unknown[]) => unknown)(...xs), what);
  const wrt = nums.map((i) => xs[i] as Tensor);
  const grads = tensorSweep(eng, [out], [filled(eng, out, 1)], wrt, what);
  return grads.map((gi, i) => {
    const n = gi.size;
    const rows: Tensor[][] = wrt.map(() => []);
    for (let e = 0; e < n; e++) {
      tensorSweep(eng, [gi], [oneHot(eng, gi, e)], wrt, what).forEach((row, j) => rows[j].push(row.reshape([1, row.size])));
    }
    return wrt.map((xj, j) => (n === 0 ? filled(eng, { shape: [...wrt[i].shape, ...xj.shape], dtype: gi.dtype }, 0)
      : join(rows[j], 0).reshape([...wrt[i].shape, ...xj.shape])));
  });
}


// ── forward mode: jvp, jacobian (forward or reverse), hvp ──

/** A tensor of `like`'s shape and dtype, 1 at flat index e and 0 elsewhere. */
function oneHot(eng: EngineType, like: Tensor, e: number): Tensor {
  const hot = new Float64Array(like.size);
  hot[e] = 1;
  return eng.tensor(like.dtype === 'float32' ? Float32Array.from(hot) : hot, like.shape, { dtype: like.dtype });
}

/** concat of many pieces as a balanced tree: n log n copying where a left fold copies n². */
function join(list: readonly Tensor[], axis: number): Tensor {
  if (list.length === 1) return list[0];
  const mid = list.length >> 1;
  return concat([join(list.slice(0, mid), axis), join(list.slice(mid), axis)], axis);
}

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** One tangent per primal, each a Tensor of its primal's shape and dtype (a number fills one). */
function tangentsFor(eng: EngineType, primalArgs: readonly unknown[], tangentArgs: readonly unknown[], what: string): Tensor[] {
  primalArgs.forEach((a, k) => { if (!(a instanceof Tensor)) throw new WasmgradArgumentError(`${what}: primal ${k} must be a Tensor (the primals mix Tensors with ${describe(a)})`); });
  if (!Array.isArray(tangentArgs) || tangentArgs.length !== primalArgs.length) {
    throw new WasmgradTangentError(
      `${what}: ${Array.isArray(tangentArgs) ? `${tangentArgs.length} tangents` : `tangents ${describe(tangentArgs)}`} for ${primalArgs.length} primals; ` +
        'give one tangent (a Tensor of its primal\'s shape, or a number) per primal',
    );
  }
  return (primalArgs as Tensor[]).map((p, k) => {
    const t: unknown = tangentArgs[k];
    if (typeof t === 'number') return filled(eng, p, t);
    if (!(t instanceof Tensor)) throw new WasmgradTangentError(`${what}: tangent ${k} must be a Tensor or a number, got ${describe(t)}`);
    tensorGraphId(eng, t, what);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new WasmgradTangentError(`${what}: tangent ${k} has shape ${fmt(t.shape)} but primal ${k} has shape ${fmt(p.shape)}; a tangent has its primal's shape`);
    }
    if (t.dtype !== p.dtype) throw new WasmgradTangentError(`${what}: tangent ${k} is ${t.dtype} but primal ${k} is ${p.dtype}; a tangent has its primal's dtype (t.to('${p.dtype}'))`);
    return t;
  });
}

/** f's Tensor outputs as a list, and whether f returned a list. */
function tensorOutputs(eng: EngineType, out: unknown, what: string): { list: Tensor[]; many: boolean } {
  const many = Array.isArray(out);
  const list = (many ? out : [out]) as unknown[];
  list.forEach((o, k) => {
    if (!(o instanceof Tensor)) {
      throw new WasmgradNonScalarError(`${what}: f's output${many ? ` ${k}` : ''} must be a Tensor when its arguments are tensors, got ${describe(o)}`);
    }
    tensorGraphId(eng, o, what);
  });
  return { list: list as Tensor[], many };
}

/**
 * jvp on Tensor arguments, in forward mode: f's output(s) and the tangent of
 * each, from one forward sweep over the nodes f recorded (./tensor-forward.ts).
 */
export function tensorJvp(eng: EngineType, f: (...args: never[]) => unknown, primalArgs: readonly unknown[], tangentArgs: readonly unknown[]): [Tensor | Tensor[], Tensor | Tensor[]] {
  const what = 'jvp';
  const tangents = tangentsFor(eng, primalArgs, tangentArgs, what);
  const start = eng.tensors.nodeCount;
  const xs = primals(eng, primalArgs, what) as Tensor[];
  const { list, many } = tensorOutputs(eng, (f as (...a: unknown[]) => unknown)(...xs), what);
  const tangentOf = tensorForwardSweep(eng, start, eng.tensors.nodeCount, new Map(xs.map((x, k) => [x.id, tangents[k]])), list.map((o) => o.id));
  const outs = list.map((o) => tangentOf(o.id) ?? filled(eng, o, 0));
  return many ? [list, outs] : [list[0], outs[0]];
}

/**
 * jacobian on Tensor arguments: J[i][j] = ∂ output i / ∂ argument nums[j], of
 * shape [...out_i.shape, ...arg_j.shape] (jax's layout). Reverse mode
 * (jacrev) runs one reverse sweep per output element, forward mode (jacfwd)
 * one forward sweep per argument element.
 */
export function tensorJacobian(eng: EngineType, f: (...args: never[]) => unknown, args: readonly unknown[], nums: readonly number[], forward: boolean): Tensor[][] {
  const what = 'jacobian';
  args.forEach((a, k) => { if (nums.includes(k) && !(a instanceof Tensor)) throw new WasmgradArgumentError(`${what}: argument ${k} must be a Tensor (trees are for grad, valueAndGrad and vjp), got ${describe(a)}`); });
  const start = eng.tensors.nodeCount;
  const xs = primals(eng, args, what);
  const { list } = tensorOutputs(eng, (f as (...a: unknown[]) => unknown)(...xs), what);
  const end = eng.tensors.nodeCount;
  const wrt = nums.map((i) => xs[i] as Tensor);
  const block = (o: Tensor, x: Tensor, parts: readonly Tensor[], axis: number): Tensor =>
    (parts.length === 0 ? filled(eng, { shape: [...o.shape, ...x.shape], dtype: o.dtype }, 0) : join(parts, axis).reshape([...o.shape, ...x.shape]));
  if (!forward) {
    return list.map((o) => {
      const rows: Tensor[][] = wrt.map(() => []);
      for (let e = 0; e < o.size; e++) {
        tensorSweep(eng, [o], [oneHot(eng, o, e)], wrt, what).forEach((g, j) => rows[j].push(g.reshape([1, g.size])));
      }
      return wrt.map((x, j) => block(o, x, rows[j], 0));
    });
  }
  const cols: Tensor[][][] = list.map(() => wrt.map(() => []));
  const sweep = tensorForwardSweeps(eng, start, end, list.map((o) => o.id));
  wrt.forEach((x, j) => {
    for (let e = 0; e < x.size; e++) {
      const tangentOf = sweep(new Map([[x.id, oneHot(eng, x, e)]]));
      list.forEach((o, i) => cols[i][j].push((tangentOf(o.id) ?? filled(eng, o, 0)).reshape([o.size, 1])));
    }
  });
  return list.map((o, i) => wrt.map((x, j) => block(o, x, cols[i][j], 1)));
}

/**
 * H·v on Tensor arguments, forward over reverse (jax.jvp(jax.grad(f))): the
 * gradient's graph is recorded once, then one forward sweep over f's nodes
 * and the gradient's carries the tangents v to the gradient's tangent.
 */
export function tensorHvp(eng: EngineType, f: (...args: never[]) => unknown, primalArgs: readonly unknown[], tangentArgs: readonly unknown[]): Tensor[] {
  const what = 'hvp';
  const tangents = tangentsFor(eng, primalArgs, tangentArgs, what);
  const start = eng.tensors.nodeCount;
  const xs = primals(eng, primalArgs, what) as Tensor[];
  const out = scalarTensor(eng, (f as (...a: unknown[]) => unknown)(...xs), what);
  const grads = tensorSweep(eng, [out], [filled(eng, out, 1)], xs, what);
  const tangentOf = tensorForwardSweep(eng, start, eng.tensors.nodeCount, new Map(xs.map((x, k) => [x.id, tangents[k]])), grads.map((g) => g.id));
  return grads.map((g) => tangentOf(g.id) ?? filled(eng, g, 0));
}
