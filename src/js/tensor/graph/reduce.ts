// Reductions (assembly/tensor/graph/reduce.ts): sum, max and min over axes,
// accumulated in f64 and rounded once into the tensor's dtype.

import type { ReduceKindId } from '../../../tensor/backend.js';
import { ReduceKind } from '../../../generated/ops.js';
import { reduceForward, reduceIndex, reduceSumBackward, sizeOf } from '../kernels.js';
import { type BackwardRule, type TensorTape, scratchF64 } from '../tape.js';

const SUM = ReduceKind.Sum, MAX = ReduceKind.Max;

/** Strides of the output over the input's dims: contiguous over the kept dims, 0 on reduced ones. */
function reduceStrides(shape: readonly number[], axes: readonly number[]): Int32Array {
  const so = new Int32Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (axes.includes(d)) continue;
    so[d] = acc;
    acc *= shape[d];
  }
  return so;
}

export function reduce(t: TensorTape, kind: ReduceKindId, a: number, axes: readonly number[], keepdims: boolean): number {
  const x = t.node(a);
  const r = keepdims ? x.shape.length : x.shape.length - axes.length;
  const outShape = new Array<number>(r); // sized up front: push would reserve room for 17
  for (let d = 0, k = 0; d < x.shape.length; d++) {
    if (!axes.includes(d)) outShape[k++] = x.shape[d];
    else if (keepdims) outShape[k++] = 1;
  }
  const so = reduceStrides(x.shape, axes);
  const n = sizeOf(outShape);
  const acc = scratchF64(n, 'reduce');
  if (kind !== SUM) acc.fill(kind === MAX ? -Infinity : Infinity);
  reduceForward(kind, x.data, x.shape, so, acc);
  const out = t.arena.take(x.dtype, n, 'reduce');
  out.set(acc);
  return t.push('Reduce', kind, a, -1, -1, x.dtype, outShape, out, x.requiresGrad, so);
}

export const reduceBack: BackwardRule<'Reduce'> = (t, n) => {
  const g = n.grad!;
  const x = t.node(n.a);
  const gx = t.addGrad(n.a);
  const xd = x.data;
  if (n.op === SUM) {
    // d Σx = dx for every summed element
    reduceSumBackward(g, x.shape, n.attrs, gx);
  } else {
    const dst = reduceIndex(x.shape, n.attrs);
    // d max = dx at the maxima, split evenly among ties
    const out = n.data;
    const count = scratchF64(out.length, 'backward');
    for (let i = 0; i < xd.length; i++) if (xd[i] === out[dst[i]]) count[dst[i]]++;
    for (let i = 0; i < xd.length; i++) if (xd[i] === out[dst[i]]) gx[i] += g[dst[i]] / count[dst[i]];
  }
};
