// Reductions over a set of axes: sum, max, min.

import { ErrorCode, fail } from "../../errors";
import { NodeKind, ReduceKind } from "../ops";
import {
  F, geti, seti, iattr, setIattr, dimOf, rankOf, sizeOf, dtypeOf, dataOf, gradPtrOf,
  pushNode, gradBuffer, arenaAlloc, arenaZeroed, mark, rollback,
} from "../tape";
import { planBegin, planContiguous, planCoalesce, setPlanStride } from "../plan";
import {
  copyRun, reduceSumRun, reduceExtremeRun, storeFromF64s, countTiesRun, extremeBackwardRun,
} from "../kernels";
import { outShape, shapeA, sget, sset, isTensor, shapeInto, gradFlag } from "./shape";
import { REDUCE_KIND_COUNT } from "../../generated/ops";

// ── Reduce ──  sum: dx += g broadcast back; max/min: dx += g/ties where x equals the extreme

/** Plan over a's shape: operand 0 contiguous over a, operand 1 the output with stride 0 on reduced dims (mask bits). */
function planReduce(a: i32, mask: i32): void {
  let r = shapeInto(a, shapeA);
  planBegin(r, shapeA);
  planContiguous(0);
  let stride = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (mask & (1 << d)) setPlanStride(1, d, 0);
    else { setPlanStride(1, d, stride); stride *= sget(shapeA, d); }
  }
  planCoalesce(2);
}

/** Reduces node a over the `count` axes at `axes` (ascending, distinct); keepdims keeps them as size 1. */
export function reduce(kind: i32, a: i32, count: i32, axes: usize, keepdims: bool): i32 {
  if (<u32>kind >= <u32>REDUCE_KIND_COUNT) return fail(ErrorCode.BadOp);
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (<u32>count > <u32>r) return fail(ErrorCode.BadArgument);
  let mask = 0;
  for (let k = 0; k < count; k++) {
    let ax = sget(axes, k);
    if (<u32>ax >= <u32>r || (mask & (1 << ax))) return fail(ErrorCode.BadArgument);
    mask |= 1 << ax;
  }
  let outRank = 0;
  for (let d = 0; d < r; d++) {
    if (!(mask & (1 << d))) sset(outShape, outRank++, dimOf(a, d));
    else if (keepdims) sset(outShape, outRank++, 1);
  }
  // the max of nothing is undefined
  if (kind != ReduceKind.Sum) for (let d = 0; d < r; d++) if ((mask & (1 << d)) && dimOf(a, d) == 0) return fail(ErrorCode.BadShape);
  mark();
  let id = pushNode(NodeKind.Reduce, dtypeOf(a), outRank, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  let n = sizeOf(id);
  let acc = arenaAlloc(<usize>n << 3);
  if (acc == 0) { rollback(); return fail(ErrorCode.OutOfMemory); }
  setIattr(id, 0, kind);
  setIattr(id, 1, mask);
  seti(id, F.Flags, gradFlag(a, -1, -1));
  let init: f64 = kind == ReduceKind.Sum ? 0 : kind == ReduceKind.Max ? -Infinity : Infinity;
  for (let i = 0; i < n; i++) store<f64>(acc + (<usize>i << 3), init);
  planReduce(a, mask);
  if (kind == ReduceKind.Sum) reduceSumRun(dtypeOf(a), acc, dataOf(a));
  else reduceExtremeRun(dtypeOf(a), kind == ReduceKind.Max, acc, dataOf(a));
  storeFromF64s(dtypeOf(id), dataOf(id), acc, n); // i32 wraps, as the twin's Int32Array does
  return id;
}

/** Arena bytes reduceBack allocates for itself: max/min's tie counts. */
export function reduceScratch(id: i32): usize {
  return iattr(id, 0) != ReduceKind.Sum ? ((<usize>sizeOf(id) << 3) + 15) & ~15 : 0;
}

export function reduceBack(id: i32): void {
  let a = geti(id, F.A), kind = iattr(id, 0), mask = iattr(id, 1);
  let ga = gradBuffer(a);
  planReduce(a, mask);
  if (kind == ReduceKind.Sum) {
    copyRun(dtypeOf(a), dtypeOf(a), ga, gradPtrOf(id), true); // operand 0 walks a: dst; operand 1 walks out: src
    return;
  }
  let n = sizeOf(id);
  let count = arenaZeroed(<usize>n << 3);
  countTiesRun(dtypeOf(a), count, dataOf(id), dataOf(a));
  planReduce(a, mask);
  extremeBackwardRun(dtypeOf(a), ga, dataOf(a), dataOf(id), gradPtrOf(id), count);
}
