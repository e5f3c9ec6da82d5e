// Batched matrix product (assembly/tensor/graph/matmul.ts), with broadcast
// batch dims and transposed operands; the loops are ../../gemm.ts.

import { gemm } from '../../gemm.js';
import { broadcastShape, broadcastStrides, offsets, sizeOf } from '../kernels.js';
import { type BackwardRule, type GemmArray, type TensorTape } from '../tape.js';

/** For each output matrix, the index of the matrix of a and of b it reads (broadcast batch dims). */
function batchIndex(sa: readonly number[], sb: readonly number[], so: readonly number[]): { ia: Int32Array; ib: Int32Array } {
  const batch = so.slice(0, -2);
  return {
    ia: offsets(batch, broadcastStrides(sa.slice(0, -2), batch)),
    ib: offsets(batch, broadcastStrides(sb.slice(0, -2), batch)),
  };
}

export function matmul(t: TensorTape, a: number, b: number, transA: boolean, transB: boolean): number {
  const x = t.node(a), y = t.node(b);
  const ra = x.shape.length, rb = y.shape.length;
  const M = x.shape[ra - (transA ? 1 : 2)], K = x.shape[ra - (transA ? 2 : 1)], N = y.shape[rb - (transB ? 2 : 1)];
  const outShape = ra === 2 && rb === 2 ? [M, N] : [...broadcastShape(x.shape.slice(0, -2), y.shape.slice(0, -2)), M, N];
  const { ia, ib } = batchIndex(x.shape, y.shape, outShape);
  const out = t.arena.take(x.dtype, sizeOf(outShape), 'matmul') as GemmArray;
  const xd = x.data as GemmArray, yd = y.data as GemmArray;
  const lda = transA ? M : K, ldb = transB ? K : N;
  for (let q = 0; q < ia.length; q++) {
    gemm(transA, transB, M, N, K, xd, ia[q] * M * K, lda, yd, ib[q] * K * N, ldb, out, q * M * N, N, false);
  }
  return t.push('Matmul', 0, a, b, -1, x.dtype, outShape, out, x.requiresGrad || y.requiresGrad, { ia, ib, M, N, K, transA, transB });
}

/**
 * d(A@B) = dA@B + A@dB: gA = G@Bᵀ, gB = Aᵀ@G, summed over broadcast batches;
 * with transposed operands each gradient is written in its operand's stored layout.
 */
export const matmulBack: BackwardRule<'Matmul'> = (t, n, needA, needB) => {
  const { ia, ib, M, N, K, transA, transB } = n.attrs;
  const x = t.node(n.a), y = t.node(n.b);
  const gd = n.grad as GemmArray, xd = x.data as GemmArray, yd = y.data as GemmArray;
  const ga = needA ? (t.addGrad(n.a) as GemmArray) : null;
  const gb = needB ? (t.addGrad(n.b) as GemmArray) : null;
  const lda = transA ? M : K, ldb = transB ? K : N;
  for (let q = 0; q < ia.length; q++) {
    const go = q * M * N, ao = ia[q] * M * K, bo = ib[q] * K * N;
    if (ga && !transA) gemm(false, !transB, M, K, N, gd, go, N, yd, bo, ldb, ga, ao, K, true);
    if (ga && transA) gemm(transB, true, K, M, N, yd, bo, ldb, gd, go, N, ga, ao, M, true);
    if (gb && !transB) gemm(!transA, false, K, N, M, xd, ao, lda, gd, go, N, gb, bo, N, true);
    if (gb && transB) gemm(true, transA, N, K, M, gd, go, N, xd, ao, lda, gb, bo, K, true);
  }
};
