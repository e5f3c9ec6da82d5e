// Losses (assembly/tensor/graph/loss.ts): cross-entropy over rows of logits
// with int32 class targets, fused so that the softmax never overflows.

import type { TypedData } from '../../../tensor/backend.js';
import { type BackwardRule, type TensorTape } from '../tape.js';

/**
 * Σᵢ (logsumexp(row i) − row i[tᵢ]) over the rows of x [t.length, C], each in
 * f64 with its max subtracted; with gx, also gx[i,j] += scale·(softmaxⱼ − [j = tᵢ]).
 */
function crossEntropyRows(x: TypedData, t: Int32Array, C: number, gx: TypedData | null, scale: number): number {
  let total = 0;
  for (let i = 0, row = 0; i < t.length; i++, row += C) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) { const v = x[row + j]; m = v > m || v !== v ? v : m; } // NaN wins, and stays
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[row + j] - m);
    const lse = m + Math.log(s);
    total += lse - x[row + t[i]];
    if (gx === null) continue;
    for (let j = 0; j < C; j++) gx[row + j] += scale * (Math.exp(x[row + j] - lse) - (j === t[i] ? 1 : 0));
  }
  return total;
}

export function crossEntropy(t: TensorTape, logits: number, targets: number): number {
  const x = t.node(logits);
  const tg = t.node(targets).data as Int32Array;
  const out = t.arena.take(x.dtype, 1, 'crossEntropy');
  out[0] = crossEntropyRows(x.data, tg, x.shape[1], null, 0) / tg.length;
  return t.push('CrossEntropy', 0, logits, targets, -1, x.dtype, [], out, x.requiresGrad, null);
}

/** d mean CE = (softmax(row) − onehot(target))·g/B per row; the targets get none */
export const crossEntropyBack: BackwardRule<'CrossEntropy'> = (t, n) => {
  const tg = t.node(n.b).data as Int32Array;
  const x = t.node(n.a);
  crossEntropyRows(x.data, tg, x.shape[1], t.addGrad(n.a), n.grad![0] / tg.length);
};
