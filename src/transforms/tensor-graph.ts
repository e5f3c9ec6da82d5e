// Differentiating the tensor tape with differentiable tensor ops instead of
// the fused kernels: the tensor half of ./graph.ts. The backend reads each
// node back as its kind, inputs and attributes (TensorBackend.nodeInfo), and
// one rule per node kind, below, writes that node's vector-Jacobian product
// with ordinary Tensor ops, so that the gradients it records are tensors of
// the graph like any other and can be differentiated again.
//
// Elementwise nodes reuse the registry's rules (src/generated/rules.ts), as
// the scalar sweep does; every gradient is then summed back to its input's
// shape where the node broadcast it (TensorFlow.js's rule: sum over the
// broadcast axes, reshape).

import type { EngineContext, EngineType, Generation } from '../context.js';
import { RULE_BY_ID } from '../generated/rules.js';
import type { OpAttrs, OpKindName } from '../generated/ops.js';
import type { DType, NodeInfo, TensorBackend } from '../tensor/backend.js';
import { Tensor, make, where } from '../tensor/tensor.js';
import { TensorParam } from '../tensor/param.js';
import { conv2d } from '../tensor/functional.js';
import { TENSOR_HELPERS } from './tensor.js';
import { staleGraphError } from './errors.js';
import { keepGradients, sweepRange } from './graph.js';
import { describe } from '../check.js';
import { extended, runHooks, tensorSweepExtensions } from './extension.js';
import { firstMaxima } from '../js/tensor/conv.js';

/**
 * A node's vjp: one gradient per input (null where the input gets none), each
 * of the input's shape. `want[k]` says whether input k needs one: the costly
 * rules skip the others.
 */
type TensorRule<K extends OpKindName> = (g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: OpAttrs[K], want: readonly boolean[]) => readonly (Tensor | null)[];

/** A constant of `shape` and `dtype` holding `data`. */
function constant(eng: EngineContext, data: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  const typed = dtype === 'float32' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : Float64Array.from(data);
  return make(eng, eng.tensorOps('gradients').fromData(typed, shape, dtype, false), shape, dtype);
}

/** g summed over the axes along which a tensor of `shape` was broadcast to g's shape. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.rank; d++) if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  const s = axes.length > 0 ? g.sum(axes) : g;
  return s.reshape(shape);
}

/** op(a) @ op(b) as one Matmul node, op transposing the last two dims where its flag is set. */
function mm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const eng = a.engine;
  const M = transA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const N = transB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const r = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = ba[i - (r - ba.length)] ?? 1, y = bb[i - (r - bb.length)] ?? 1;
    batch.push(x === 1 ? y : x);
  }
  const id = eng.tensorOps('gradients').run('Matmul', [eng.tensorIdOf(a, 'gradients'), eng.tensorIdOf(b, 'gradients')], { transA, transB });
  return make(eng, id, [...batch, M, N], a.dtype);
}

/** g reshaped to the reduced tensor's shape with its reduced dims kept as 1. */
function keptDims(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return g.reshape(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** The inverse of a permutation. */
function inverse(perm: readonly number[]): number[] {
  const inv: number[] = [];
  perm.forEach((p, i) => { inv[p] = i; });
  return inv;
}

/** g [N, O, H', W'] with s − 1 zeros between neighbours along the last two dims: [N, O, (H'−1)·sh + 1, (W'−1)·sw + 1]. */
function dilate(g: Tensor, sh: number, sw: number): Tensor {
  if (sh === 1 && sw === 1) return g;
  const [N, O, H, W] = g.shape;
  return g.reshape([N, O, H, 1, W, 1]).pad([[0, 0], [0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1]])
    .reshape([N, O, H * sh, W * sw]).slice([0, 0, 0, 0], [N, O, (H - 1) * sh + 1, (W - 1) * sw + 1]);
}

const reversed = (n: number): number[] => Array.from({ length: n }, (_, i) => n - 1 - i);

/**
 * The gradient of conv2d(x, w, stride, pad) with respect to x, of x's height
 * H and width W: the full correlation of g (dilated by the stride) with w
 * flipped and its channels swapped, as one more Conv2d node. Rows and columns
 * the forward never read (its last window stops short of the edge) get 0.
 */
function convInputGrad(g: Tensor, w: Tensor, H: number, W: number, sh: number, sw: number, ph: number, pw: number): Tensor {
  const KH = w.shape[2], KW = w.shape[3];
  const qh = KH - 1 - ph, qw = KW - 1 - pw;
  const gd = dilate(g, sh, sw);
  const rh = H - (gd.shape[2] + 2 * qh - KH + 1), rw = W - (gd.shape[3] + 2 * qw - KW + 1);
  const flipped = w.indexSelect(2, reversed(KH)).indexSelect(3, reversed(KW)).permute([1, 0, 2, 3]);
  // widths below 0 (padding wider than the kernel less one) crop instead
  const wide = [qh, qh + rh, qw, qw + rw];
  const [a, b, c, d] = wide.map((n) => Math.max(n, 0));
  const [ca, cb, cc, cd] = wide.map((n) => Math.max(-n, 0));
  let gp = gd.pad([[0, 0], [0, 0], [a, b], [c, d]]);
  if (ca + cb + cc + cd > 0) {
    const [n0, n1, n2, n3] = gp.shape;
    gp = gp.slice([0, 0, ca, cc], [n0, n1, n2 - cb, n3 - cd]);
  }
  return conv2d(gp, flipped);
}

/**
 * The gradient of a max pool with respect to x: each window's g goes to its
 * first maximum. For each offset (a, b) in the window, the windows' g moved
 * onto the x positions at that offset (g dilated by the stride, shifted), times
 * a constant 0/1 mask of the positions that are the first maximum of the
 * window reaching them at that offset: linear in g, so differentiable again.
 */
function maxPoolInputGrad(g: Tensor, x: Tensor, a: OpAttrs['MaxPool2d']): Tensor {
  const { kernelH: KH, kernelW: KW, strideH: sh, strideW: sw, padH: ph, padW: pw } = a;
  const [N, C, H, W] = x.shape, HO = g.shape[2], WO = g.shape[3];
  // the fused kernels' choice of element (strictly greater keeps the first maximum, NaN takes the window, padding never wins)
  const arg = new Int32Array(N * C * HO * WO);
  firstMaxima(arg, x.data(), N, C, H, W, HO, WO, KH, KW, sh, sw, ph, pw);
  const masks = new Map<number, Float64Array>();
  for (let o = 0; o < arg.length; o++) {
    const at = arg[o];
    if (at < 0) continue;
    const ho = Math.floor(o / WO) % HO, wo = o % WO, within = at % (H * W);
    const offset = (Math.floor(within / W) - (ho * sh - ph)) * KW + (within % W) - (wo * sw - pw);
    let m = masks.get(offset);
    if (m === undefined) masks.set(offset, (m = new Float64Array(N * C * H * W)));
    m[at] = 1;
  }
  // room on every side for any offset: rows −ph … of g's dilation, whatever the stride
  const gd = dilate(g, sh, sw).pad([[0, 0], [0, 0], [ph + KH, ph + KH + sh + H], [pw + KW, pw + KW + sw + W]]);
  let dx: Tensor | null = null;
  for (const [offset, m] of masks) {
    const kh = Math.floor(offset / KW), kw = offset % KW;
    const h0 = 2 * ph + KH - kh, w0 = 2 * pw + KW - kw;
    const term = gd.slice([0, 0, h0, w0], [N, C, h0 + H, w0 + W]).mul(constant(x.engine, m, x.shape, x.dtype));
    dx = dx === null ? term : dx.add(term);
  }
  return dx ?? filledLike(x, 0);
}

/**
 * Every node kind with inputs, keyed by kind so that a kind appended to the
 * registry without a rule here does not compile. Each line's comment is the
 * rule's math; g is the output's gradient.
 */
export const TENSOR_RULES: { readonly [K in OpKindName]: TensorRule<K> } = {
  // the registry's elementwise rules (src/generated/rules.ts), then summed to each input's shape
  Unary: (g, [x], out, { op }) => RULE_BY_ID.get(op)!.vjp(g, x, undefined, out, TENSOR_HELPERS),
  Binary: (g, [x, y], out, { op }) => RULE_BY_ID.get(op)!.vjp(g, x, y, out, TENSOR_HELPERS),
  // d where(m, x, y) = where(m, g, 0), where(m, 0, g); the mask gets none
  Where: (g, [m], _out, _attrs, want) => [null, want[1] ? where(m, g, 0) : null, want[2] ? where(m, 0, g) : null],
  Compare: () => [null, null],
  // d Σx = g at every summed element; d max = g at the maxima, split evenly among ties
  Reduce: (g, [x], out, { kind, axes }) => {
    const gk = keptDims(g, x, axes).expand(x.shape);
    if (kind === 0) return [gk];
    const hit = x.eq(keptDims(out, x, axes).expand(x.shape));
    return [gk.div(hit.sum(axes, { keepdims: true }).expand(x.shape)).mul(hit)];
  },
  // C = op(A)·op(B): dA = g·op(B)ᵀ (transposed back where A was), dB = op(A)ᵀ·g likewise
  Matmul: (g, [a, b], _out, { transA, transB }, want) => [
    !want[0] ? null : transA ? mm(b, g, transB, true) : mm(g, b, false, !transB),
    !want[1] ? null : transB ? mm(g, a, true, transA) : mm(a, g, !transA, false),
  ],
  Reshape: (g, [x]) => [g.reshape(x.shape)],
  // the inverse permutation
  Permute: (g, _x, _out, { perm }) => [g.permute(inverse(perm))],
  // summed over the expanded dims
  Expand: (g, [x]) => [sumTo(g, x.shape)],
  // zeros around the slice
  Slice: (g, [x], _out, { starts, ends }) => [g.pad(starts.map((s, d) => [s, x.shape[d] - ends[d]] as [number, number]))],
  // each input's part of g
  Concat: (g, [a, b], _out, { axis }) => {
    const at = (lo: number, hi: number): Tensor => g.slice(g.shape.map((_, d) => (d === axis ? lo : 0)), g.shape.map((n, d) => (d === axis ? hi : n)));
    return [at(0, a.shape[axis]), at(a.shape[axis], a.shape[axis] + b.shape[axis])];
  },
  // the unpadded box of g
  Pad: (g, [x], _out, { before }) => [g.slice(before, before.map((s, d) => s + x.shape[d]))],
  // scatter-add back, as g (axis moved last) · onehotᵀ: a constant 0/1 matrix, so the rule stays linear in g
  IndexSelect: (g, [x, idx], _out, { axis }) => {
    const picked = idx.data(), dim = x.shape[axis], n = picked.length;
    const hot = new Float64Array(n * dim);
    for (let k = 0; k < n; k++) hot[k * dim + picked[k]] = 1;
    const onehot = constant(x.engine, hot, [n, dim], x.dtype);
    const last = g.rank - 1;
    const perm = g.shape.map((_, i) => (i === axis ? last : i === last ? axis : i));
    const moved = axis === last ? g : g.permute(perm);
    const back = mm(moved.rank === 1 ? moved.reshape([1, n]) : moved, onehot, false, false);
    const shaped = moved.rank === 1 ? back.reshape([dim]) : back;
    return [axis === last ? shaped : shaped.permute(perm), null];
  },
  // dx = g (dilated by the stride) fully correlated with w flipped, channels swapped;
  // dw[o, c] = Σ over the batch of x (padded) correlated with g (dilated): x and g with batch and channels swapped
  Conv2d: (g, [x, w], _out, { strideH, strideW, padH, padW }, want) => {
    const [, , H, W] = x.shape, [O, C, KH, KW] = w.shape;
    const dx = want[0] ? convInputGrad(g, w, H, W, strideH, strideW, padH, padW) : null;
    if (!want[1]) return [dx, null];
    const xp = padH === 0 && padW === 0 ? x : x.pad([[0, 0], [0, 0], [padH, padH], [padW, padW]]);
    const dw = conv2d(xp.permute([1, 0, 2, 3]), dilate(g, strideH, strideW).permute([1, 0, 2, 3]));
    return [dx, dw.slice([0, 0, 0, 0], [C, O, KH, KW]).permute([1, 0, 2, 3])];
  },
  // each window's g to its first maximum
  MaxPool2d: (g, [x], _out, attrs) => [maxPoolInputGrad(g, x, attrs)],
  // a window mean is a convolution of each channel with a constant kernel of 1/(KH·KW): that convolution's dx
  AvgPool2d: (g, [x], _out, { kernelH, kernelW, strideH, strideW, padH, padW }) => {
    const [N, C, H, W] = x.shape;
    const k = constant(x.engine, new Array(kernelH * kernelW).fill(1 / (kernelH * kernelW)), [1, 1, kernelH, kernelW], x.dtype);
    const flat = g.reshape([N * C, 1, g.shape[2], g.shape[3]]);
    return [convInputGrad(flat, k, H, W, strideH, strideW, padH, padW).reshape(x.shape)];
  },
  Detach: () => [null],
  // back to the input's dtype
  Cast: (g, [x]) => [x.dtype === 'int32' ? null : g.to(x.dtype)],
  // d mean CE = (softmax(row) − onehot(target))·g/B, softmax as exp(logSoftmax)
  CrossEntropy: (g, [x, t]) => {
    const B = x.shape[0], C = x.shape[1], targets = t.data();
    const hot = new Float64Array(B * C);
    for (let i = 0; i < B; i++) hot[i * C + targets[i]] = 1;
    return [x.logSoftmax(-1).exp().sub(constant(x.engine, hot, x.shape, x.dtype)).mul(g.div(B)), null];
  },
  // integer picks: no gradient
  Argmax: () => [null],
  Argmin: () => [null],
  Argsort: () => [null],
  // g added back at the picked positions; scatterAdd's own rule gathers it again
  Gather: (g, [x, index], _out, { axis }) => [filledLike(x, 0).scatterAdd(axis, index, g), null],
  // x's gradient is g; src's is g gathered at the positions it was added to
  ScatterAdd: (g, [, index], _out, { axis }, want) => [g, null, want[2] ? g.gather(axis, index) : null],
  // the reverse running sum, as total − running sum + g
  Cumsum: (g, _x, _out, { axis }) => [g.sum(axis, { keepdims: true }).sub(g.cumsum(axis)).add(g)],
  // dx_j = Σ_{i≥j} g_i·Π_{k≤i, k≠j} x_k: with no zero in x, (Σ_{i≥j} g_i·out_i)/x_j; with one, cumprodGrad's exact form
  Cumprod: (g, [x], out, { axis }) => {
    if (hasZero(x)) return [cumprodGrad(g, x, out, axis)];
    const go = g.mul(out);
    return [go.sum(axis, { keepdims: true }).sub(go.cumsum(axis)).add(go).div(x)];
  },
};

/** Whether any element of x is 0 (a running product's rules take their exact form then). */
export function hasZero(x: Tensor): boolean {
  const d = x.data();
  for (let i = 0; i < d.length; i++) if (d[i] === 0) return true;
  return false;
}

/**
 * The pieces of a running product's exact derivatives, on the axis moved
 * last (`move` moves it there and back): spans[…, j, i] = Π_{j<k≤i} x_k (1
 * for i ≤ j), the products as one cumprod of x masked to k > j per j, so n²
 * elements per line (n the axis's length); before[…, j] = Π_{k<j} x_k; and
 * the 0/1 mask [j ≤ i]. ∂out_i/∂x_j = before_j·spans[j, i] for j ≤ i, with no
 * division by x: the vjp below sums it over i, the tangent of
 * ./tensor-forward.ts over j.
 */
export function cumprodSpans(x: Tensor, out: Tensor, axis: number): { move: (t: Tensor) => Tensor; spans: Tensor; before: Tensor; upper: Tensor } {
  const last = x.rank - 1;
  const perm = x.shape.map((_, i) => (i === axis ? last : i === last ? axis : i));
  const move = (t: Tensor): Tensor => (axis === last ? t : t.permute(perm));
  const xm = move(x), om = move(out);
  const n = xm.shape[last];
  const lead = xm.shape.slice(0, -1);
  const after = new Float64Array(n * n), upTo = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) { after[j * n + k] = k > j ? 1 : 0; upTo[j * n + k] = j <= k ? 1 : 0; }
  const spans = where(constant(x.engine, after, [n, n], x.dtype), xm.unsqueeze(-2).expand([...lead, n, n]), 1).cumprod(last + 1);
  const before = om.pad([...lead.map(() => [0, 0] as [number, number]), [1, 0]], 1).slice(xm.shape.map(() => 0), [...lead, n]);
  return { move, spans, before, upper: constant(x.engine, upTo, [n, n], x.dtype) };
}

/** cumprod's vjp without dividing by x, exact where x has zeros: dx_j = before_j·Σ_{i≥j} g_i·spans[j, i]. */
function cumprodGrad(g: Tensor, x: Tensor, out: Tensor, axis: number): Tensor {
  const { move, spans, before, upper } = cumprodSpans(x, out, axis);
  const last = x.rank - 1;
  return move(spans.mul(upper).mul(move(g).unsqueeze(-2)).sum(last + 1).mul(before));
}

/** A handle on node `id` of the current generation. */
function handle(gen: Generation, be: TensorBackend, id: number): Tensor {
  return new Tensor(gen, id, be.shape(id), be.dtype(id));
}

/**
 * The node id of tensor `t` for a graph-recording sweep, after checking its
 * graph still exists (a Tensor from before eng.reset() is a
 * WasmgradStaleGraphError).
 */
export function tensorGraphId(eng: EngineType, t: unknown, what: string): number {
  if (t instanceof Tensor && !(t instanceof TensorParam) && t.engine === eng && t.owner !== eng.current) {
    throw staleGraphError(what, 'Tensor', t.owner.index, eng.current.index);
  }
  return eng.tensorIdOf(t as Tensor, what);
}

/**
 * Reverse sweep over the tensor tape from `roots`, each seeded with its
 * gradient (a tensor of the root's shape), recording every node's rule as new
 * nodes. Only nodes that depend on one of `targets` get a gradient. Returns
 * each target's gradient, or null where the roots do not depend on it.
 * `detachedHooks`: hooks see their gradient detached (a backward without
 * createGraph, whose gradients are not meant to be differentiated).
 */
export function tensorReverseSweep(eng: EngineType, roots: readonly number[], seeds: readonly Tensor[], targets: readonly number[], detachedHooks = false): (Tensor | null)[] {
  if (targets.length === 0) return [];
  const be = eng.tensors;
  const gen = eng.current;
  const range = sweepRange(roots, targets);
  if (range === null) return targets.map(() => null);
  const [low, top] = range;
  const span = top - low + 1;

  const infos: (NodeInfo | undefined)[] = new Array(span);
  const needs = new Uint8Array(span);
  for (const t of targets) if (t <= top) needs[t - low] = 1;
  const ext = tensorSweepExtensions(eng);
  for (let id = low; id <= top; id++) {
    const info = (infos[id - low] = be.nodeInfo(id));
    if (needs[id - low]) continue;
    const custom = ext?.custom(id);
    if (custom !== undefined) {
      if (custom.inputs.some((input) => input >= low && needs[input - low])) needs[id - low] = 1;
      continue;
    }
    // a node whose rule gives this input no gradient does not need it: the sweep then records nothing for it
    const none = NO_GRADIENT[info.kind];
    if (none === true || (info.kind === 'Cast' && (info.attrs.dtype === 'int32' || be.dtype(info.inputs[0]) === 'int32'))) continue;
    info.inputs.forEach((input, k) => {
      if (input >= low && needs[input - low] && !(none !== undefined && none.includes(k))) needs[id - low] = 1;
    });
  }

  const grads: (Tensor | undefined)[] = new Array(span);
  const add = (id: number, g: Tensor): void => {
    const prev = grads[id - low];
    grads[id - low] = prev === undefined ? g : prev.add(g);
  };
  roots.forEach((r, k) => { if (r >= low && needs[r - low]) add(r, seeds[k]); });

  for (let id = top; id >= low; id--) {
    let g = grads[id - low];
    if (g === undefined) continue;
    const info = infos[id - low]!;
    if (ext !== null) {
      // every use of node id has a larger id, so g is its whole gradient now: what its hooks see
      const hooks = ext.hooks(id);
      if (hooks !== undefined) {
        if (detachedHooks && g.requiresGrad) g = g.detach();
        grads[id - low] = g = runHooks(hooks, g, (r) => checkTensorGrad(eng, r, g!));
      }
      const custom = ext.custom(id);
      if (custom !== undefined) {
        const parts = custom.backward(g);
        custom.inputs.forEach((input, k) => {
          const part = parts[k];
          if (part !== null && input >= low && needs[input - low]) add(input, part);
        });
        continue;
      }
    }
    if (info.inputs.length === 0) continue;
    const want = info.inputs.map((i) => i >= low && needs[i - low] === 1);
    if (!want.includes(true)) continue;
    const inputs = info.inputs.map((i) => handle(gen, be, i));
    const rule = TENSOR_RULES[info.kind as OpKindName] as TensorRule<OpKindName>;
    const parts = rule(g, inputs, handle(gen, be, id), info.attrs as OpAttrs[OpKindName], want);
    info.inputs.forEach((input, k) => {
      const part = parts[k];
      if (part !== null && part !== undefined && want[k]) add(input, sumTo(part, inputs[k].shape));
    });
  }
  return targets.map((t) => (t <= top ? grads[t - low] ?? null : null));
}

/** Node kinds whose rule gives no gradient to some inputs (listed by position) or to any (true). */
const NO_GRADIENT: { readonly [kind: string]: readonly number[] | true | undefined } = {
  Compare: true, Detach: true, Argmax: true, Argmin: true, Argsort: true,
  Where: [0], IndexSelect: [1], CrossEntropy: [1], Gather: [1], ScatterAdd: [1],
};

/** A hook's replacement for a tensor's gradient g: a Tensor of this engine with g's shape and dtype. */
function checkTensorGrad(eng: EngineType, r: unknown, g: Tensor): Tensor | string {
  if (!(r instanceof Tensor)) return `${describe(r)}, not a Tensor`;
  if (r.engine !== eng) return 'a Tensor of another engine';
  if (r.dtype !== g.dtype || r.shape.length !== g.shape.length || r.shape.some((d, i) => d !== g.shape[i])) {
    return `a ${r.dtype} Tensor of shape [${r.shape.join(', ')}] for a ${g.dtype} gradient of shape [${g.shape.join(', ')}]`;
  }
  return r;
}

function filledLike(x: Tensor, value: number): Tensor { return filled(x.engine, x, value); }

/** A constant of the tensor's shape and dtype filled with `value`. */
export function filled(eng: EngineContext, like: { shape: readonly number[]; dtype: DType }, value: number): Tensor {
  return make(eng, eng.tensorOps('gradients').full(like.shape, like.dtype, value), like.shape, like.dtype);
}

// ── backward({ createGraph: true }) and Tensor#gradTensor ──

const gradTensors = new WeakMap<Generation, Map<number, Tensor>>();

/**
 * The graph-recording half of t.backward({ createGraph: true }) (the fused
 * sweep has already set every `.grad`): records the backward pass from root
 * and keeps each leaf's and parameter's gradient as a Tensor, accumulating
 * across calls until zeroGrad(), as `.grad` does.
 *
 * While hooks or custom ops exist (./extension.ts) it is the whole backward,
 * createGraph or not: the fused kernels did not run, and the leaves' and
 * parameters' gradients the sweep found are added (detached) to their
 * `.grad` here.
 */
export function recordTensorBackward(eng: EngineType, root: Tensor, createGraph = true): void {
  const r = tensorGraphId(eng, root, 'backward');
  const be = eng.tensors;
  const ext = extended(eng);
  const custom = ext ? tensorSweepExtensions(eng) : null;
  const targets: number[] = [];
  for (let id = 0; id <= r; id++) {
    const kind = be.nodeInfo(id).kind;
    // a custom op's output is a Leaf to the core but not to the user: its gradient flows on to its inputs
    if ((kind === 'Leaf' || kind === 'Param') && be.requiresGrad(id) && custom?.custom(id) === undefined) targets.push(id);
  }
  // Without createGraph the sweep still records its ops as graph nodes (their
  // requiresGrad set as anywhere else): detaching every one, as noGrad would,
  // cost a copy per node and doubled the sweep's time; hooks get theirs detached.
  const grads = tensorReverseSweep(eng, [r], [filled(eng, root, 1)], targets, !createGraph);
  if (ext) accumulateTensors(eng, targets, grads);
  if (createGraph) keepGradients(gradTensors, eng.current, targets, grads);
}

/**
 * Adds each target's gradient to its `.grad` (a leaf's, or a parameter
 * slot's) as the fused backward would: the fused backward of
 * Σ sum(target · gradient), the gradients detached, whose every term passes
 * its gradient exactly (1·g) to its target.
 */
function accumulateTensors(eng: EngineType, targets: readonly number[], grads: readonly (Tensor | null)[]): void {
  const be = eng.tensors;
  const gen = eng.current;
  const was = eng.setGradEnabled(true);
  try {
    let total: Tensor | null = null;
    targets.forEach((id, k) => {
      const g = grads[k];
      if (g === null) return;
      const term = handle(gen, be, id).mul(g.requiresGrad ? g.detach() : g).sum();
      total = total === null ? term : total.add(term);
    });
    if (total !== null) eng.tensorOps('backward').backward((total as Tensor).id);
  } finally {
    eng.setGradEnabled(was);
  }
}

/** The differentiable gradient of a leaf or parameter from backward({ createGraph: true }) calls, or null. */
export function gradTensorOf(eng: EngineType, t: Tensor): Tensor | null {
  if (t.owner !== eng.current) return null;
  return gradTensors.get(eng.current)?.get(t.id) ?? null;
}

/** A parameter's zeroGrad(): its kept gradient Tensor goes. */
export function forgetGradTensor(eng: EngineType, t: Tensor): void {
  if (t.owner === eng.current) gradTensors.get(eng.current)?.delete(t.id);
}

/** zeroGrad(): the kept gradient Tensors start again from nothing. */
export function clearGradTensors(eng: EngineType): void {
  gradTensors.delete(eng.current);
}
