// Movement and indexing (assembly/tensor/graph/movement.ts): reshape,
// permute, expand, slice, pad, concat and indexSelect. Each copies elements
// through a list of offsets, so each backward sends every output element's
// gradient back to the input element it came from.

import { broadcastStrides, contiguousStrides, offsets, sizeOf } from '../kernels.js';
import { type BackwardRule, type TensorTape, scratchF64 } from '../tape.js';

/** Same elements, new shape: the node shares its input's array. */
export function reshape(t: TensorTape, a: number, shape: readonly number[]): number {
  const x = t.node(a);
  return t.push('Reshape', 0, a, -1, -1, x.dtype, shape, x.data, x.requiresGrad, null);
}

/** d reshape(x) = dx, element for element */
export const reshapeBack: BackwardRule<'Reshape'> = (t, n) => {
  const g = n.grad!;
  const gx = t.addGrad(n.a);
  for (let i = 0; i < gx.length; i++) gx[i] += g[i];
};

export function permute(t: TensorTape, a: number, perm: readonly number[]): number {
  const x = t.node(a);
  const own = contiguousStrides(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  const strides = Int32Array.from(perm, (p) => own[p]);
  const src = offsets(shape, strides);
  const out = t.arena.take(x.dtype, src.length, 'permute');
  const xd = x.data;
  for (let i = 0; i < src.length; i++) out[i] = xd[src[i]];
  return t.push('Permute', 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad, src);
}

/** each output element reads one input element: send its gradient back there */
export const permuteBack: BackwardRule<'Permute' | 'Slice'> = (t, n) => {
  const g = n.grad!;
  const src = n.attrs;
  const gx = t.addGrad(n.a);
  for (let i = 0; i < src.length; i++) gx[src[i]] += g[i];
};

export function expand(t: TensorTape, a: number, shape: readonly number[]): number {
  const x = t.node(a);
  const src = offsets(shape, broadcastStrides(x.shape, shape));
  const out = t.arena.take(x.dtype, src.length, 'expand');
  const xd = x.data;
  for (let i = 0; i < src.length; i++) out[i] = xd[src[i]];
  return t.push('Expand', 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad, src);
}

/** d expand(x) = the sum of dx over the copies of each element, in f64 */
export const expandBack: BackwardRule<'Expand'> = (t, n) => {
  const g = n.grad!;
  const src = n.attrs;
  const acc = scratchF64(t.node(n.a).data.length, 'backward');
  for (let i = 0; i < src.length; i++) acc[src[i]] += g[i];
  t.addInto(n.a, acc);
};

export function slice(t: TensorTape, a: number, starts: readonly number[], ends: readonly number[]): number {
  const x = t.node(a);
  const own = contiguousStrides(x.shape);
  const shape = starts.map((s, d) => ends[d] - s);
  let base = 0;
  for (let d = 0; d < starts.length; d++) base += starts[d] * own[d];
  const src = offsets(shape, own, base);
  const out = t.arena.take(x.dtype, src.length, 'slice');
  const xd = x.data;
  for (let i = 0; i < src.length; i++) out[i] = xd[src[i]];
  return t.push('Slice', 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad, src);
}

/** as permute: each output element's gradient goes back to the element it read */
export const sliceBack: BackwardRule<'Slice'> = permuteBack;

export function concat(t: TensorTape, a: number, b: number, axis: number): number {
  const x = t.node(a), y = t.node(b);
  const shape = x.shape.slice();
  shape[axis] += y.shape[axis];
  const outer = sizeOf(x.shape.slice(0, axis));
  const ca = x.data.length / Math.max(outer, 1), cb = y.data.length / Math.max(outer, 1);
  const out = t.arena.take(x.dtype, sizeOf(shape), 'concat');
  if (outer > 0) {
    for (let o = 0; o < outer; o++) {
      out.set(x.data.subarray(o * ca, (o + 1) * ca), o * (ca + cb));
      out.set(y.data.subarray(o * cb, (o + 1) * cb), o * (ca + cb) + ca);
    }
  }
  return t.push('Concat', 0, a, b, -1, x.dtype, shape, out, x.requiresGrad || y.requiresGrad, { outer, ca, cb });
}

/** d concat(x, y) = (dx, dy): each input takes back its part of every outer row */
export const concatBack: BackwardRule<'Concat'> = (t, n, needA, needB) => {
  const g = n.grad!;
  const { outer, ca, cb } = n.attrs;
  const ga = needA ? t.addGrad(n.a) : null;
  const gb = needB ? t.addGrad(n.b) : null;
  for (let o = 0; o < outer; o++) {
    const base = o * (ca + cb);
    if (ga) for (let k = 0; k < ca; k++) ga[o * ca + k] += g[base + k];
    if (gb) for (let k = 0; k < cb; k++) gb[o * cb + k] += g[base + ca + k];
  }
};

export function pad(t: TensorTape, a: number, before: readonly number[], after: readonly number[], value: number): number {
  const x = t.node(a);
  const shape = x.shape.map((n, d) => before[d] + n + after[d]);
  const own = contiguousStrides(shape);
  let base = 0;
  for (let d = 0; d < shape.length; d++) base += before[d] * own[d];
  const dst = offsets(x.shape, own, base);
  const out = t.arena.take(x.dtype, sizeOf(shape), 'pad');
  out.fill(value);
  const xd = x.data;
  for (let i = 0; i < dst.length; i++) out[dst[i]] = xd[i];
  return t.push('Pad', 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad, dst);
}

/** d pad(x) = dx at the positions x was written to; the padding's gradient goes nowhere */
export const padBack: BackwardRule<'Pad'> = (t, n) => {
  const g = n.grad!;
  const dst = n.attrs;
  const gx = t.addGrad(n.a);
  for (let i = 0; i < dst.length; i++) gx[i] += g[dst[i]];
};

export function indexSelect(t: TensorTape, a: number, axis: number, indices: number): number {
  const x = t.node(a);
  const idx = t.node(indices).data as Int32Array;
  const shape = x.shape.slice();
  shape[axis] = idx.length;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const dim = x.shape[axis];
  const out = t.arena.take(x.dtype, sizeOf(shape), 'indexSelect');
  const xd = x.data;
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < idx.length; j++) {
      const src = (p * dim + idx[j]) * inner;
      for (let k = 0; k < inner; k++) out[o++] = xd[src + k];
    }
  }
  return t.push('IndexSelect', axis, a, indices, -1, x.dtype, shape, out, x.requiresGrad, { outer, inner, dim });
}

/** d x[idx] = dx summed (in f64) at every picked entry, repeats included; the indices get none */
export const indexSelectBack: BackwardRule<'IndexSelect'> = (t, n) => {
  const g = n.grad!;
  const { outer, inner, dim } = n.attrs;
  const idx = t.node(n.b).data as Int32Array;
  const acc = scratchF64(t.node(n.a).data.length, 'backward');
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (let j = 0; j < idx.length; j++) {
      const dst = (p * dim + idx[j]) * inner;
      for (let k = 0; k < inner; k++) acc[dst + k] += g[o++];
    }
  }
  t.addInto(n.a, acc);
};
