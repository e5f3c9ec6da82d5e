// Elementwise ops: unary, binary (broadcasting), where, compare, cast and
// detach. Each op's forward and, beside it, its backward rule; the per-element
// math is ../ops.ts's (and the scalar table's), the loops are ../kernels.ts's.

import { ErrorCode, fail } from "../../errors";
import { NodeKind, isUnary, isBinary } from "../ops";
import { DType, F, geti, seti, iattr, setIattr, dataOf, gradPtrOf, dtypeOf, requiresGrad, pushNode, gradBuffer } from "../tape";
import { planBegin, planBroadcast, planContiguous, planCoalesce } from "../plan";
import {
  unaryForwardRun, unaryBackwardRun, binaryForwardRun, binaryBackwardRun, compareForwardRun,
  whereForwardRun, whereBackwardRun, copyRun,
} from "../kernels";
import {
  outShape, shapeA, shapeB, shapeC, sget, sset, isTensor, isFloat, shapeInto, gradFlag, broadcastShapes, planSame,
} from "./shape";
import { COMPARE_KIND_COUNT, DTYPE_COUNT } from "../../generated/ops";

// ── Unary ──  out = f(x); dx += f'(x)·g with the rule of ops.ts

export function unary(op: i32, a: i32): i32 {
  if (!isUnary(op)) return fail(ErrorCode.BadOp);
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = shapeInto(a, outShape);
  let id = pushNode(NodeKind.Unary, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, op);
  seti(id, F.Flags, gradFlag(a, -1, -1));
  planSame(id);
  unaryForwardRun(dtypeOf(id), op, dataOf(id), dataOf(a)); // i32: computed in f64, stored as JS's ToInt32 would
  return id;
}

export function unaryBack(id: i32): void {
  let a = geti(id, F.A);
  planSame(id);
  unaryBackwardRun(dtypeOf(id), iattr(id, 0), dataOf(id), gradPtrOf(id), dataOf(a), gradBuffer(a));
}

// ── Binary ──  out = f(x, y) broadcast; dx, dy += rule·g, summed over broadcast dims

/** Plan over node id's shape: operand 0 contiguous, operands 1.. broadcast from the given inputs. */
function planBroadcastFrom(id: i32, a: i32, b: i32, c: i32): void {
  let r = shapeInto(id, shapeC);
  planBegin(r, shapeC);
  planContiguous(0);
  let n = 1;
  if (a >= 0) { planBroadcast(1, shapeInto(a, shapeA), shapeA); n = 2; }
  if (b >= 0) { planBroadcast(2, shapeInto(b, shapeA), shapeA); n = 3; }
  if (c >= 0) { planBroadcast(3, shapeInto(c, shapeA), shapeA); n = 4; }
  planCoalesce(n);
}

export function binary(op: i32, a: i32, b: i32): i32 {
  if (!isBinary(op)) return fail(ErrorCode.BadOp);
  if (!isTensor(a) || !isTensor(b)) return fail(ErrorCode.BadTensor);
  if (dtypeOf(a) != dtypeOf(b)) return fail(ErrorCode.BadDType);
  let r = broadcastShapes(shapeInto(a, shapeA), shapeA, shapeInto(b, shapeB), shapeB);
  if (r < 0) return fail(ErrorCode.BadShape);
  let id = pushNode(NodeKind.Binary, dtypeOf(a), r, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, op);
  seti(id, F.Flags, gradFlag(a, b, -1));
  planBroadcastFrom(id, a, b, -1);
  binaryForwardRun(dtypeOf(id), op, dataOf(id), dataOf(a), dataOf(b));
  return id;
}

export function binaryBack(id: i32): void {
  let a = geti(id, F.A), b = geti(id, F.B);
  let ga: usize = requiresGrad(a) ? gradBuffer(a) : 0;
  let gb: usize = requiresGrad(b) ? gradBuffer(b) : 0;
  planBroadcastFrom(id, a, b, -1);
  binaryBackwardRun(dtypeOf(id), iattr(id, 0), dataOf(id), gradPtrOf(id), dataOf(a), dataOf(b), ga, gb);
}

// ── Where ──  out = mask ? x : y; dx += mask·g, dy += (1 - mask)·g

export function where(mask: i32, a: i32, b: i32): i32 {
  if (!isTensor(mask) || !isTensor(a) || !isTensor(b)) return fail(ErrorCode.BadTensor);
  if (dtypeOf(a) != dtypeOf(b)) return fail(ErrorCode.BadDType); // the mask may have any dtype
  let r = broadcastShapes(shapeInto(a, shapeA), shapeA, shapeInto(b, shapeB), shapeB);
  if (r < 0) return fail(ErrorCode.BadShape);
  for (let d = 0; d < r; d++) sset(shapeB, d, sget(outShape, d));
  r = broadcastShapes(r, shapeB, shapeInto(mask, shapeA), shapeA);
  if (r < 0) return fail(ErrorCode.BadShape);
  let id = pushNode(NodeKind.Where, dtypeOf(a), r, outShape, mask, a, b, 0);
  if (id < 0) return id;
  seti(id, F.Flags, gradFlag(-1, a, b));
  planBroadcastFrom(id, mask, a, b);
  whereForwardRun(dtypeOf(id), dtypeOf(mask), dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
  return id;
}

export function whereBack(id: i32): void {
  let mask = geti(id, F.A), a = geti(id, F.B), b = geti(id, F.C);
  let ga: usize = requiresGrad(a) ? gradBuffer(a) : 0;
  let gb: usize = requiresGrad(b) ? gradBuffer(b) : 0;
  planBroadcastFrom(id, mask, a, b);
  whereBackwardRun(dtypeOf(id), dtypeOf(mask), gradPtrOf(id), dataOf(mask), ga, gb);
}

// ── Compare ──  out = (x kind y) ? 1 : 0; no gradient

export function compareOp(kind: i32, a: i32, b: i32): i32 {
  if (<u32>kind >= <u32>COMPARE_KIND_COUNT) return fail(ErrorCode.BadOp);
  if (!isTensor(a) || !isTensor(b)) return fail(ErrorCode.BadTensor);
  if (dtypeOf(a) != dtypeOf(b)) return fail(ErrorCode.BadDType);
  let r = broadcastShapes(shapeInto(a, shapeA), shapeA, shapeInto(b, shapeB), shapeB);
  if (r < 0) return fail(ErrorCode.BadShape);
  let id = pushNode(NodeKind.Compare, dtypeOf(a), r, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, kind);
  planBroadcastFrom(id, a, b, -1);
  compareForwardRun(dtypeOf(id), kind, dataOf(id), dataOf(a), dataOf(b));
  return id;
}

// ── Cast ──  converts each element; dx += g converted back (float to float only)

export function cast(a: i32, dtype: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  if (<u32>dtype >= <u32>DTYPE_COUNT) return fail(ErrorCode.BadDType);
  let r = shapeInto(a, outShape);
  let id = pushNode(NodeKind.Cast, dtype, r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  if (dtype != DType.I32 && isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  planSame(id);
  copyRun(dtype, dtypeOf(a), dataOf(id), dataOf(a), false);
  return id;
}

export function castBack(id: i32): void {
  let a = geti(id, F.A);
  planSame(id);
  copyRun(dtypeOf(a), dtypeOf(id), gradBuffer(a), gradPtrOf(id), true);
}

// ── Detach ──  the same data, cut from the graph: no gradient flows back

export function detach(a: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = shapeInto(a, outShape);
  return pushNode(NodeKind.Detach, dtypeOf(a), r, outShape, a, -1, -1, dataOf(a));
}
