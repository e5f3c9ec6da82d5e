// Matrix products, batched over leading dims that broadcast, on the packed
// kernel of ../gemm.ts.

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import {
  F, MAX_RANK, elementShift, geti, seti, iattr, setIattr, dimOf, rankOf, sizeOf, dtypeOf, dataOf, gradPtrOf,
  requiresGrad, pushNode, gradBuffer,
} from "../tape";
import { gemmRun, gemmReady } from "../gemm";
import { outShape, shapeA, shapeB, sset, isTensor, isFloat, shapeInto, validShape, gradFlag, broadcastShapes } from "./shape";

// ── Matmul ──  C = A@B per batch; dA += G@Bᵀ, dB += Aᵀ@G (summed over broadcast batch dims)

const batchIndex = memory.data(4 * MAX_RANK);
let batchOffA: i32 = 0, batchOffB: i32 = 0;

/** Element offsets of batch `bi` of out in a and b (batch dims broadcast). */
function batchOffsets(id: i32, a: i32, b: i32, bi: i32): void {
  let r = rankOf(id), ra = rankOf(a), rb = rankOf(b);
  let matA = dimOf(a, ra - 2) * dimOf(a, ra - 1);
  let matB = dimOf(b, rb - 2) * dimOf(b, rb - 1);
  let offA = 0, offB = 0, strideA = matA, strideB = matB;
  let rest = bi;
  for (let d = r - 3; d >= 0; d--) {
    let n = dimOf(id, d);
    let k = rest % n;
    rest /= n;
    let da = d - (r - ra), db = d - (r - rb);
    if (da >= 0) { let m = dimOf(a, da); if (m != 1) offA += k * strideA; strideA *= m; }
    if (db >= 0) { let m = dimOf(b, db); if (m != 1) offB += k * strideB; strideB *= m; }
  }
  batchOffA = offA;
  batchOffB = offB;
}

/**
 * op(a) @ op(b), where op transposes the last two dims when its flag is set
 * (read in place by the packed kernel: x @ Wᵀ costs no copy).
 */
export function matmul(a: i32, b: i32, transA: bool, transB: bool): i32 {
  if (!isTensor(a) || !isTensor(b)) return fail(ErrorCode.BadTensor);
  if (!isFloat(a) || dtypeOf(a) != dtypeOf(b)) return fail(ErrorCode.BadDType);
  let ra = rankOf(a), rb = rankOf(b);
  if (ra < 2 || rb < 2) return fail(ErrorCode.BadShape);
  let M = dimOf(a, transA ? ra - 1 : ra - 2), K = dimOf(a, transA ? ra - 2 : ra - 1);
  let N = dimOf(b, transB ? rb - 2 : rb - 1);
  if (dimOf(b, transB ? rb - 1 : rb - 2) != K) return fail(ErrorCode.BadShape);
  let r = broadcastShapes(shapeInto(a, shapeA) - 2, shapeA, shapeInto(b, shapeB) - 2, shapeB);
  if (r < 0) return fail(ErrorCode.BadShape);
  sset(outShape, r, M);
  sset(outShape, r + 1, N);
  if (!validShape(r + 2, outShape)) return fail(ErrorCode.BadShape);
  if (!gemmReady()) return fail(ErrorCode.OutOfMemory);
  let id = pushNode(NodeKind.Matmul, dtypeOf(a), r + 2, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, <i32>transA);
  setIattr(id, 1, <i32>transB);
  setIattr(id, 2, K);
  seti(id, F.Flags, gradFlag(a, b, -1));
  if (M * N == 0) return id;
  let batches = sizeOf(id) / (M * N);
  let dtype = dtypeOf(a);
  let sh = elementShift(dtype);
  let lda = transA ? M : K, ldb = transB ? K : N;
  for (let bi = 0; bi < batches; bi++) {
    batchOffsets(id, a, b, bi);
    let pa = dataOf(a) + (<usize>batchOffA << sh), pb = dataOf(b) + (<usize>batchOffB << sh);
    let pc = dataOf(id) + (<usize>(bi * M * N) << sh);
    gemmRun(dtype, transA, transB, M, N, K, pa, lda, pb, ldb, pc, N, false);
  }
  return id;
}

// dop(A) = G@op(B)ᵀ and dop(B) = op(A)ᵀ@G, written into A's and B's stored
// layouts: a transposed operand takes the transpose of its gradient.
export function matmulBack(id: i32): void {
  let a = geti(id, F.A), b = geti(id, F.B);
  let transA = iattr(id, 0) != 0, transB = iattr(id, 1) != 0, K = iattr(id, 2);
  let r = rankOf(id);
  let M = dimOf(id, r - 2), N = dimOf(id, r - 1);
  if (M * N == 0) return;
  let ga: usize = requiresGrad(a) ? gradBuffer(a) : 0;
  let gb: usize = requiresGrad(b) ? gradBuffer(b) : 0;
  let batches = sizeOf(id) / (M * N);
  let dtype = dtypeOf(a);
  let sh = elementShift(dtype);
  let lda = transA ? M : K, ldb = transB ? K : N;
  for (let bi = 0; bi < batches; bi++) {
    batchOffsets(id, a, b, bi);
    let g = gradPtrOf(id) + (<usize>(bi * M * N) << sh);
    let pa = dataOf(a) + (<usize>batchOffA << sh), pb = dataOf(b) + (<usize>batchOffB << sh);
    if (ga) {
      let pga = ga + (<usize>batchOffA << sh);
      if (!transA) gemmRun(dtype, false, !transB, M, K, N, g, N, pb, ldb, pga, K, true);       // G @ op(B)ᵀ
      else gemmRun(dtype, transB, true, K, M, N, pb, ldb, g, N, pga, M, true);                 // (G @ op(B)ᵀ)ᵀ = op(B) @ Gᵀ
    }
    if (gb) {
      let pgb = gb + (<usize>batchOffB << sh);
      if (!transB) gemmRun(dtype, !transA, false, K, N, M, pa, lda, g, N, pgb, N, true);       // op(A)ᵀ @ G
      else gemmRun(dtype, true, transA, N, K, M, g, N, pa, lda, pgb, K, true);                 // (op(A)ᵀ @ G)ᵀ = Gᵀ @ op(A)
    }
  }
}
