// Indexing along an axis (assembly/tensor/graph/indexing.ts): argmax and
// argmin, argsort, gather and scatterAdd. A tensor is seen as lines along
// `axis`: element (o, i, k) of [outer, n, inner] sits at (o·n + i)·inner + k.

import type { TypedData } from '../../../tensor/backend.js';
import { sizeOf } from '../../../tensor/shape.js';
import { noGradient, scratchF64, type BackwardRule, type TensorTape } from '../tape.js';

function lines(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

/** The first extreme of each line; a NaN beats every number (torch.argmax). */
export function argExtreme(t: TensorTape, kind: 'Argmax' | 'Argmin', a: number, axis: number, keepdims: boolean): number {
  const x = t.node(a);
  const { outer, n, inner } = lines(x.shape, axis);
  const shape = keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  const out = t.arena.take('int32', outer * inner, kind === 'Argmax' ? 'argmax' : 'argmin');
  const xd = x.data, max = kind === 'Argmax';
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * n * inner + k;
      let best = xd[base], bi = 0;
      for (let i = 1; i < n && best === best; i++) {
        const v = xd[base + i * inner];
        if (v !== v || (max ? v > best : v < best)) { best = v; bi = i; }
      }
      out[o * inner + k] = bi;
    }
  }
  return t.push(kind, axis, a, -1, -1, 'int32', shape, out, false, null);
}

/** Indices that sort each line: stable (Array.prototype.sort is), NaN the largest value. */
export function argsort(t: TensorTape, a: number, axis: number, descending: boolean): number {
  const x = t.node(a);
  const { outer, n, inner } = lines(x.shape, axis);
  const out = t.arena.take('int32', x.data.length, 'argsort');
  const xd = x.data;
  const keys = new Float64Array(n);
  const idx = new Array<number>(n);
  const before = descending
    ? (p: number, q: number) => p > q || (p !== p && q === q)
    : (p: number, q: number) => p < q || (q !== q && p === p);
  const order = (i: number, j: number) => (before(keys[i], keys[j]) ? -1 : before(keys[j], keys[i]) ? 1 : 0);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * n * inner + k;
      for (let i = 0; i < n; i++) { keys[i] = xd[base + i * inner]; idx[i] = i; }
      idx.sort(order);
      for (let i = 0; i < n; i++) out[base + i * inner] = idx[i];
    }
  }
  return t.push('Argsort', axis, a, -1, -1, 'int32', x.shape, out, false, null);
}

export const argmaxBack: BackwardRule<'Argmax'> = noGradient;
export const argminBack: BackwardRule<'Argmin'> = noGradient;
export const argsortBack: BackwardRule<'Argsort'> = noGradient;

/**
 * For each element m of `index`'s shape, the offset in a tensor of shape
 * `into` of m with dim `axis` replaced by index[m] (or kept when `pick` is false).
 */
function offsets(indexShape: readonly number[], idx: Int32Array, into: readonly number[], axis: number, pick: boolean): Int32Array {
  const r = indexShape.length;
  const out = new Int32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    let off = 0, stride = 1, rem = j;
    for (let d = r - 1; d >= 0; d--) {
      const c = rem % indexShape[d];
      rem = Math.floor(rem / indexShape[d]);
      off += (d === axis && pick ? idx[j] : c) * stride;
      stride *= into[d];
    }
    out[j] = off;
  }
  return out;
}

/** torch.gather: out[m] = x[m with dim axis replaced by index[m]]. */
export function gather(t: TensorTape, a: number, axis: number, index: number): number {
  const x = t.node(a), ix = t.node(index);
  const src = offsets(ix.shape, ix.data as Int32Array, x.shape, axis, true);
  const out = t.arena.take(x.dtype, src.length, 'gather');
  const xd = x.data;
  for (let j = 0; j < src.length; j++) out[j] = xd[src[j]];
  return t.push('Gather', 0, a, index, -1, x.dtype, ix.shape, out, x.requiresGrad, axis);
}

/** d gather(x) = g added at the picked elements, summed (in f64) over repeats: scatterAdd of g into zeros */
export const gatherBack: BackwardRule<'Gather'> = (t, n) => {
  const x = t.node(n.a), ix = t.node(n.b);
  const src = offsets(ix.shape, ix.data as Int32Array, x.shape, n.attrs, true);
  const acc = scratchF64(x.data.length, 'backward');
  const g = n.grad!;
  for (let j = 0; j < src.length; j++) acc[src[j]] += g[j];
  t.addInto(n.a, acc);
};

/** torch.scatter_add: out = x; out[m with dim axis replaced by index[m]] += src[m], sums in f64. */
export function scatterAdd(t: TensorTape, a: number, axis: number, index: number, s: number): number {
  const x = t.node(a), ix = t.node(index), sn = t.node(s);
  const idx = ix.data as Int32Array;
  const dst = offsets(ix.shape, idx, x.shape, axis, true);
  const from = offsets(ix.shape, idx, sn.shape, axis, false);
  const acc = Float64Array.from(x.data as ArrayLike<number>);
  const sd = sn.data;
  for (let j = 0; j < dst.length; j++) acc[dst[j]] += sd[from[j]];
  const out: TypedData = t.arena.take(x.dtype, acc.length, 'scatterAdd');
  for (let i = 0; i < acc.length; i++) out[i] = acc[i]; // int32 wraps as ToInt32
  return t.push('ScatterAdd', 0, a, index, s, x.dtype, x.shape, out, x.requiresGrad || sn.requiresGrad, axis);
}

/** dx = g; dsrc[m] = g at the element m was added into, for m in index's box */
export const scatterAddBack: BackwardRule<'ScatterAdd'> = (t, n, needA, _needB, needC) => {
  const g = n.grad!;
  if (needA) {
    const gx = t.addGrad(n.a);
    for (let i = 0; i < gx.length; i++) gx[i] += g[i];
  }
  if (needC) {
    const ix = t.node(n.b), sn = t.node(n.c);
    const idx = ix.data as Int32Array;
    const dst = offsets(ix.shape, idx, n.shape, n.attrs, true);
    const from = offsets(ix.shape, idx, sn.shape, n.attrs, false);
    const gs = t.addGrad(n.c);
    for (let j = 0; j < dst.length; j++) gs[from[j]] += g[dst[j]];
  }
};
