// Losses fused into one node each, with their kernels: crossEntropy.

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import { DType, F, geti, seti, dimOf, rankOf, dtypeOf, dataOf, gradPtrOf, pushNode, gradBuffer } from "../tape";
import { loadAsF64, storeFromF64 } from "../kernels";
import { outShape, isTensor, isFloat, gradFlag } from "./shape";

// ── CrossEntropy ──  loss = (1/B)·Σᵢ (logsumexp(x[i,:]) − x[i,tᵢ]) for logits x [B, C] and
//    int32 targets t [B]; dx[i,j] += g·(softmax(x[i,:])ⱼ − [j = tᵢ])/B. One node instead of the
//    six of logSoftmax·onehot: each row in f64, with its max subtracted before exp.

export function crossEntropy(x: i32, targets: i32): i32 {
  if (!isTensor(x) || !isTensor(targets)) return fail(ErrorCode.BadTensor);
  if (!isFloat(x) || dtypeOf(targets) != DType.I32) return fail(ErrorCode.BadDType);
  if (rankOf(x) != 2 || rankOf(targets) != 1) return fail(ErrorCode.BadShape);
  let B = dimOf(x, 0), C = dimOf(x, 1);
  if (B == 0 || C == 0 || dimOf(targets, 0) != B) return fail(ErrorCode.BadShape);
  let tp = dataOf(targets);
  for (let i = 0; i < B; i++) if (<u32>load<i32>(tp + (<usize>i << 2)) >= <u32>C) return fail(ErrorCode.BadArgument);
  let id = pushNode(NodeKind.CrossEntropy, dtypeOf(x), 0, outShape, x, targets, -1, 0);
  if (id < 0) return id;
  seti(id, F.Flags, gradFlag(x, -1, -1));
  storeFromF64(dtypeOf(x), dataOf(id), crossEntropyRowsRun(dtypeOf(x), dataOf(x), tp, B, C, 0, 0) / B);
  return id;
}

export function crossEntropyBack(id: i32): void {
  let x = geti(id, F.A), tp = dataOf(geti(id, F.B));
  let B = dimOf(x, 0), C = dimOf(x, 1);
  let gx = gradBuffer(x);
  crossEntropyRowsRun(dtypeOf(x), dataOf(x), tp, B, C, gx, loadAsF64(dtypeOf(x), gradPtrOf(id)) / B);
}

/** Σᵢ (logsumexp(row i) − row i[tᵢ]); when gx ≠ 0, also gx[i,j] += scale·(softmaxⱼ − [j = tᵢ]). */
function crossEntropyRows<T>(x: usize, tp: usize, B: i32, C: i32, gx: usize, scale: f64): f64 {
  const size = sizeof<T>();
  let total = 0.0;
  for (let i = 0; i < B; i++) {
    let row = x + <usize>i * <usize>C * size;
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = max(m, <f64>load<T>(row + <usize>j * size)); // NaN wins, and stays
    let s = 0.0;
    for (let j = 0; j < C; j++) s += Math.exp(<f64>load<T>(row + <usize>j * size) - m);
    let lse = m + Math.log(s);
    let t = load<i32>(tp + (<usize>i << 2));
    total += lse - <f64>load<T>(row + <usize>t * size);
    if (gx == 0) continue;
    let grow = gx + <usize>i * <usize>C * size;
    for (let j = 0; j < C; j++) {
      let p = Math.exp(<f64>load<T>(row + <usize>j * size) - lse) - (j == t ? 1.0 : 0.0);
      let q = grow + <usize>j * size;
      store<T>(q, <T>(<f64>load<T>(q) + scale * p));
    }
  }
  return total;
}

/** crossEntropyRows in dtype's element type (f32 or f64). */
function crossEntropyRowsRun(dtype: i32, x: usize, tp: usize, B: i32, C: i32, gx: usize, scale: f64): f64 {
  return dtype == DType.F32 ? crossEntropyRows<f32>(x, tp, B, C, gx, scale) : crossEntropyRows<f64>(x, tp, B, C, gx, scale);
}
