// Forward mode on the tensor tape: the tensor half of ./graph.ts's
// forwardSweep. One pass, in push order, over the nodes a function recorded
// gives each node the tangent its kind's rule makes of its inputs' tangents.
// The rules are ordinary Tensor ops, so tangents are nodes of the tape like
// any other and can be differentiated again (eng.grad of a jvp, a jvp of
// eng.grad: forward over reverse).
//
// Elementwise nodes reuse the registry's jvp rules (src/generated/rules.ts),
// as the scalar sweep does, with each result broadcast to the node's output
// shape. A linear node's tangent is the node itself applied to the tangent:
// the same kind and attributes run again with the tangent in place of the
// input (`rerun`), which costs what the forward did.

import type { EngineType, Generation } from '../context.js';
import { RULE_BY_ID } from '../generated/rules.js';
import type { OpAttrs, OpKindName } from '../generated/ops.js';
import { ReduceKind, type NodeInfo, type TensorBackend } from '../tensor/backend.js';
import { Tensor, make, where } from '../tensor/tensor.js';
import { firstMaxima } from '../js/tensor/conv.js';
import { TENSOR_HELPERS } from './tensor.js';
import { cumprodSpans, filled, hasZero } from './tensor-graph.js';

/**
 * A node's jvp: its output's tangent from its inputs' tangents (null for an
 * input without one, which is zero), or null where the output has none.
 * At least one input has a tangent when the sweep calls it.
 */
type TensorJvp<K extends OpKindName> = (dx: readonly (Tensor | null)[], inputs: readonly Tensor[], out: Tensor, attrs: OpAttrs[K]) => Tensor | null;

/** The node `out` records, recorded again on other inputs (tangents of the same shapes and dtypes). */
function rerun<K extends OpKindName>(kind: K, inputs: readonly Tensor[], attrs: OpAttrs[K], out: Tensor): Tensor {
  const eng = out.engine;
  const ids = inputs.map((t) => eng.tensorIdOf(t, 'jvp'));
  return make(eng, eng.tensorOps('jvp').run(kind, ids as never, attrs), out.shape, out.dtype);
}

/** t broadcast to out's shape (an elementwise rule's result has the shape of the inputs it read). */
function toOut(t: Tensor, out: Tensor): Tensor {
  return t.shape.length === out.shape.length && t.shape.every((d, i) => d === out.shape[i]) ? t : t.expand(out.shape);
}

const zerosLike = (x: Tensor): Tensor => filled(x.engine, x, 0);

/** a + b where either may be missing (zero). */
function plus(a: Tensor | null, b: Tensor | null): Tensor | null {
  return a === null ? b : b === null ? a : a.add(b);
}

/**
 * The tangent of a running product along `axis`. Where x has no zero it is
 * out·cumsum(dx/x), n elements per line; with zeros, exactly (as the fused
 * kernel's gradient), d out_i = Σ_{j≤i} out_{j−1}·dx_j·Π_{j<k≤i} x_k, the
 * products Π_{j<k≤i} x_k as one cumprod of x masked to k > j per j, on the
 * axis moved last: n² elements per line.
 */
function cumprodTangent(dx: Tensor, x: Tensor, out: Tensor, axis: number): Tensor {
  if (!hasZero(x)) return out.mul(dx.div(x).cumsum(axis));
  const { move, spans, before, upper } = cumprodSpans(x, out, axis);
  return move(spans.mul(before.mul(move(dx)).unsqueeze(-1)).mul(upper).sum(x.rank - 1));
}

/** A max pool's tangent: each window takes the tangent of its first maximum (the fused kernel's choice), 0 for a window of padding only. */
function maxPoolTangent(dx: Tensor, x: Tensor, out: Tensor, a: OpAttrs['MaxPool2d']): Tensor {
  const [N, C, H, W] = x.shape, HO = out.shape[2], WO = out.shape[3];
  const arg = new Int32Array(N * C * HO * WO);
  firstMaxima(arg, x.data(), N, C, H, W, HO, WO, a.kernelH, a.kernelW, a.strideH, a.strideW, a.padH, a.padW);
  const n = N * C * H * W;
  let flat = dx.reshape([n]);
  if (arg.some((at) => at < 0)) {
    // one zero past the end for the windows that read only padding
    flat = flat.pad([[0, 1]]);
    for (let o = 0; o < arg.length; o++) if (arg[o] < 0) arg[o] = n;
  }
  return flat.indexSelect(0, arg).reshape(out.shape);
}

/**
 * Every node kind with inputs, keyed by kind so that a kind appended to the
 * registry without a rule here does not compile. Each line's comment is the
 * rule's math; d· is a tangent.
 */
export const TENSOR_JVPS: { readonly [K in OpKindName]: TensorJvp<K> } = {
  // the registry's elementwise rules (src/generated/rules.ts), broadcast to the output
  Unary: ([dx], [x], out, { op }) => toOut(RULE_BY_ID.get(op)!.jvp(dx!, undefined, x, undefined, out, TENSOR_HELPERS), out),
  // with one tangent, that input's vjp of it: an elementwise Jacobian is diagonal, so its vjp of a
  // tangent is its jvp, and a zero tangent never meets a NaN partial (pow's ln x at x < 0 for a constant exponent)
  Binary: ([dx, dy], [x, y], out, { op }) => {
    const rule = RULE_BY_ID.get(op)!;
    if (dx !== null && dy !== null) return toOut(rule.jvp(dx, dy, x, y, out, TENSOR_HELPERS), out);
    return toOut(rule.vjp(dx ?? dy!, x, y, out, TENSOR_HELPERS, dx !== null ? 1 : 2)[dx !== null ? 0 : 1]!, out);
  },
  // d where(m, x, y) = where(m, dx, dy); the mask has none
  Where: ([, dx, dy], [m], out) => (dx === null && dy === null ? null : toOut(where(m, dx ?? 0, dy ?? 0), out)),
  Compare: () => null,
  // d Σx = Σdx; d max = the mean of dx over the tied maxima (the transpose of the vjp's even split)
  Reduce: ([dx], [x], out, { kind, axes, keepdims }) => {
    if (kind === ReduceKind.Sum) return dx!.sum(axes, { keepdims });
    const hit = x.eq(out.reshape(x.shape.map((d, i) => (axes.includes(i) ? 1 : d))));
    return dx!.mul(hit).sum(axes, { keepdims }).div(hit.sum(axes, { keepdims }));
  },
  // d(op(A)·op(B)) = op(dA)·op(B) + op(A)·op(dB)
  Matmul: ([da, db], [a, b], out, attrs) =>
    plus(da === null ? null : rerun('Matmul', [da, b], attrs, out), db === null ? null : rerun('Matmul', [a, db], attrs, out)),
  // movement: the same movement of the tangent
  Reshape: ([dx], _x, out, attrs) => rerun('Reshape', [dx!], attrs, out),
  Permute: ([dx], _x, out, attrs) => rerun('Permute', [dx!], attrs, out),
  Expand: ([dx], _x, out, attrs) => rerun('Expand', [dx!], attrs, out),
  Slice: ([dx], _x, out, attrs) => rerun('Slice', [dx!], attrs, out),
  Concat: ([da, db], [a, b], out, attrs) => rerun('Concat', [da ?? zerosLike(a), db ?? zerosLike(b)], attrs, out),
  // the padding is a constant: zero tangent there
  Pad: ([dx], _x, out, attrs) => rerun('Pad', [dx!], { ...attrs, value: 0 }, out),
  IndexSelect: ([dx], [, idx], out, attrs) => rerun('IndexSelect', [dx!, idx], attrs, out),
  // d conv(x, w) = conv(dx, w) + conv(x, dw)
  Conv2d: ([dx, dw], [x, w], out, attrs) =>
    plus(dx === null ? null : rerun('Conv2d', [dx, w], attrs, out), dw === null ? null : rerun('Conv2d', [x, dw], attrs, out)),
  // each window's tangent at its first maximum
  MaxPool2d: ([dx], [x], out, attrs) => maxPoolTangent(dx!, x, out, attrs),
  // linear: the window mean of the tangent
  AvgPool2d: ([dx], _x, out, attrs) => rerun('AvgPool2d', [dx!], attrs, out),
  Detach: () => null,
  // the tangent in the new dtype; none to or from int32
  Cast: ([dx], [x], out, attrs) => (x.dtype === 'int32' || out.dtype === 'int32' ? null : rerun('Cast', [dx!], attrs, out)),
  // d mean_i (logsumexp(x_i) − x_i[t_i]) = mean_i (Σ_c softmax(x_i)_c·dx_ic − dx_i[t_i])
  CrossEntropy: ([dx], [x, t], out) => {
    const B = x.shape[0];
    return x.softmax(-1).mul(dx!).sum().sub(dx!.gather(1, t.reshape([B, 1])).sum()).div(B).reshape(out.shape);
  },
  // integer picks: no tangent
  Argmax: () => null,
  Argmin: () => null,
  Argsort: () => null,
  Gather: ([dx], [, index], out, attrs) => rerun('Gather', [dx!, index], attrs, out),
  // d scatterAdd(x, src) = scatterAdd(dx, dsrc)
  ScatterAdd: ([dx, , ds], [x, index], out, attrs) => (ds === null ? dx : rerun('ScatterAdd', [dx ?? zerosLike(x), index, ds], attrs, out)),
  Cumsum: ([dx], _x, out, attrs) => rerun('Cumsum', [dx!], attrs, out),
  // d out_i = Σ_{j≤i} (Π_{k≤i, k≠j} x_k)·dx_j
  Cumprod: ([dx], [x], out, { axis }) => cumprodTangent(dx!, x, out, axis),
};

/** A handle on node `id` of the current generation. */
function handle(gen: Generation, be: TensorBackend, id: number): Tensor {
  return new Tensor(gen, id, be.shape(id), be.dtype(id));
}

/**
 * Forward mode over tensor nodes [start, end): each node seeded in `seeds`
 * (node id → a tangent of its shape and dtype) takes that tangent, every
 * other node the one its kind's rule makes of its inputs' (none where no
 * input has one: the node does not depend on a seed). Only nodes that
 * `wanted` (node ids) depend on get one: the rest of the range (a loss after
 * the gradient was taken from it, say) costs a nodeInfo read. Returns the
 * tangent of node id, or null (zero).
 */
export function tensorForwardSweep(
  eng: EngineType, start: number, end: number, seeds: ReadonlyMap<number, Tensor>, wanted: readonly number[],
): (id: number) => Tensor | null {
  return tensorForwardSweeps(eng, start, end, wanted)(seeds);
}

/**
 * tensorForwardSweep for many seedings of one range (jacobian's forward mode:
 * one per argument element): the nodes are read back and pruned once.
 */
export function tensorForwardSweeps(
  eng: EngineType, start: number, end: number, wanted: readonly number[],
): (seeds: ReadonlyMap<number, Tensor>) => (id: number) => Tensor | null {
  const be = eng.tensors;
  const gen = eng.current;
  const span = Math.max(0, end - start);
  const infos = new Array<NodeInfo>(span);
  for (let id = start; id < end; id++) infos[id - start] = be.nodeInfo(id);
  // needed[i]: a wanted node depends on node start + i
  const needed = new Uint8Array(span);
  for (const w of wanted) if (w >= start && w < end) needed[w - start] = 1;
  for (let i = span - 1; i >= 0; i--) {
    if (needed[i]) for (const input of infos[i].inputs) if (input >= start) needed[input - start] = 1;
  }
  return (seeds) => {
    const tangents: (Tensor | null)[] = new Array(span).fill(null);
    for (let id = start; id < end; id++) {
      const i = id - start;
      const seed = seeds.get(id);
      if (seed !== undefined) { tangents[i] = seed; continue; }
      const info = infos[i];
      if (!needed[i] || info.inputs.length === 0) continue;
      const ts = info.inputs.map((input) => (input >= start ? tangents[input - start] : null));
      if (ts.every((t) => t === null)) continue;
      const inputs = info.inputs.map((input) => handle(gen, be, input));
      const rule = TENSOR_JVPS[info.kind as OpKindName] as TensorJvp<OpKindName>;
      tangents[i] = rule(ts, inputs, handle(gen, be, id), info.attrs as OpAttrs[OpKindName]);
    }
    return (id) => (id >= start && id < end ? tangents[id - start] : null);
  };
}
