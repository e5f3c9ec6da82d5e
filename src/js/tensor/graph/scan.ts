// Running sums and products along an axis (assembly/tensor/graph/scan.ts):
// each line scanned in f64, every output rounded once into the dtype.

import { type BackwardRule, type TensorTape } from '../tape.js';

function lines(shape: readonly number[], axis: number): { count: number; n: number; inner: number } {
  const n = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  let size = 1;
  for (const d of shape) size *= d;
  return { count: n === 0 ? 0 : size / n, n, inner };
}

export function scan(t: TensorTape, kind: 'Cumsum' | 'Cumprod', a: number, axis: number): number {
  const x = t.node(a);
  const { count, n, inner } = lines(x.shape, axis);
  const out = t.arena.take(x.dtype, x.data.length, kind === 'Cumsum' ? 'cumsum' : 'cumprod');
  const xd = x.data, product = kind === 'Cumprod';
  for (let l = 0; l < count; l++) {
    const base = Math.floor(l / inner) * n * inner + (l % inner);
    let acc = product ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const j = base + i * inner;
      acc = product ? acc * xd[j] : acc + xd[j];
      out[j] = acc;
    }
  }
  return t.push(kind, 0, a, -1, -1, x.dtype, x.shape, out, x.requiresGrad, axis);
}

/** d cumsum: dxᵢ = Σ_{j ≥ i} gⱼ, a reverse running sum */
export const cumsumBack: BackwardRule<'Cumsum'> = (t, n) => {
  const { count, n: len, inner } = lines(n.shape, n.attrs);
  const g = n.grad!, gx = t.addGrad(n.a);
  for (let l = 0; l < count; l++) {
    const base = Math.floor(l / inner) * len * inner + (l % inner);
    let acc = 0;
    for (let i = len - 1; i >= 0; i--) {
      const j = base + i * inner;
      acc += g[j];
      gx[j] += acc;
    }
  }
};

/**
 * d cumprod: dxᵢ = Σ_{j ≥ i} gⱼ·Π_{k ≤ j, k ≠ i} xₖ = Pᵢ·Rᵢ with Pᵢ = Π_{k < i} xₖ and
 * Rᵢ = gᵢ + x_{i+1}·R_{i+1}: no division by xᵢ, exact where x has zeros
 */
export const cumprodBack: BackwardRule<'Cumprod'> = (t, n) => {
  const { count, n: len, inner } = lines(n.shape, n.attrs);
  const g = n.grad!, gx = t.addGrad(n.a), xd = t.node(n.a).data;
  const R = new Float64Array(len);
  for (let l = 0; l < count; l++) {
    const base = Math.floor(l / inner) * len * inner + (l % inner);
    let r = 0;
    for (let i = len - 1; i >= 0; i--) {
      const j = base + i * inner;
      r = i === len - 1 ? g[j] : g[j] + xd[j + inner] * r;
      R[i] = r;
    }
    let P = 1;
    for (let i = 0; i < len; i++) {
      const j = base + i * inner;
      gx[j] += P * R[i];
      P *= xd[j];
    }
  }
};
