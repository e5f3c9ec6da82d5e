// Tensor ops: for each op, the function that checks its inputs, works out
// the output shape, pushes the node and runs the forward kernel, and beside
// it the op's backward rule. Then the reverse sweep and the optimizer steps.
//
// Every push function validates what it is given (ids, dtypes, shapes,
// attributes) and returns -1 with an error code instead of trapping, so a
// host that calls the exports directly cannot corrupt the tape.

import { ErrorCode, fail } from "../errors";
import { TOp, isUnary, isBinary, ReduceKind } from "./ops";
import {
  DType, F, Flag, MAX_RANK, NODE_BYTES, elementShift, rec, geti, seti, dimOf, iattr, setIattr, fattr, setFattr,
  dataOf, gradPtrOf, sizeOf, rankOf, dtypeOf, requiresGrad, pushNode, gradBuffer, gradBytes, nodeCount, arenaAlloc, arenaZeroed, mark, rollback, arenaReserve,
  slotLive, slotRec, slotData, slotGrad, slotSize, slotDtype,
} from "./tape";
import * as tape from "./tape";
import { planBegin, planBroadcast, planContiguous, planCoalesce, setPlanStride, toInt32 } from "./plan";
import {
  unaryForward, unaryBackward, binaryForward, binaryBackward, compareForward, whereForward, whereBackward,
  copy, reduceSum, reduceExtreme, countTies, extremeBackward,
} from "./kernels";
import { gemm, gemmReady } from "./gemm";
import { im2col, col2im, poolForward, poolBackward } from "./conv";


/** Host staging area: shapes, axes, attributes and slot lists are written here before a call. */
export const STAGE_INTS: i32 = 1024;
export const stage = memory.data(4 * STAGE_INTS);
@inline export function staged(k: i32): i32 { return load<i32>(stage + (<usize>k << 2)); }

// Scratch shapes, never inside the node table (which may move when a node is pushed).
const outShape = memory.data(4 * MAX_RANK);
const shapeA = memory.data(4 * MAX_RANK);
const shapeB = memory.data(4 * MAX_RANK);
const shapeC = memory.data(4 * MAX_RANK);
@inline function sget(s: usize, d: i32): i32 { return load<i32>(s + (<usize>d << 2)); }
@inline function sset(s: usize, d: i32, v: i32): void { store<i32>(s + (<usize>d << 2), v); }

@inline function isTensor(id: i32): bool { return <u32>id < <u32>nodeCount; }
@inline function isFloat(id: i32): bool { return dtypeOf(id) != DType.I32; }
@inline function isF32(id: i32): bool { return dtypeOf(id) == DType.F32; }

/** Copies node id's shape into scratch s; returns its rank. */
function shapeInto(id: i32, s: usize): i32 {
  let r = rankOf(id);
  for (let d = 0; d < r; d++) sset(s, d, dimOf(id, d));
  return r;
}

/** Checks a staged shape of `rank` dims at `s`: every dim ≥ 0, total size small enough to address. */
function validShape(rank: i32, s: usize, dtype: i32): bool {
  if (<u32>rank > <u32>MAX_RANK) return false;
  let size: i64 = 1;
  for (let d = 0; d < rank; d++) {
    let n = sget(s, d);
    if (n < 0) return false;
    size *= n;
    if (size > (<i64>1 << 28)) return false; // 2 GiB of f64 at most: addresses stay in i32
  }
  return true;
}

/** The flags of a new op node: RequiresGrad if any differentiable input has it. */
@inline function gradFlag(a: i32, b: i32, c: i32): i32 {
  return (a >= 0 && requiresGrad(a)) || (b >= 0 && requiresGrad(b)) || (c >= 0 && requiresGrad(c)) ? Flag.RequiresGrad : 0;
}

/** Broadcasts shapes (ra at sa) and (rb at sb) into outShape; returns the rank or -1. */
function broadcastShapes(ra: i32, sa: usize, rb: i32, sb: usize): i32 {
  let r = max(ra, rb);
  for (let d = 0; d < r; d++) {
    let i = d - (r - ra), j = d - (r - rb);
    let x = i >= 0 ? sget(sa, i) : 1;
    let y = j >= 0 ? sget(sb, j) : 1;
    if (x != y && x != 1 && y != 1) return -1;
    sset(outShape, d, x == 1 ? y : x);
  }
  return r;
}

// ── leaves ──

/** A Leaf (requiresGrad) or Const with the staged shape; data uninitialized (the host writes it). */
export function fromData(dtype: i32, rank: i32, needsGrad: bool): i32 {
  if (<u32>dtype > 2 || (needsGrad && dtype == DType.I32)) return fail(ErrorCode.BadDType);
  if (!validShape(rank, stage, dtype)) return fail(ErrorCode.BadShape);
  let id = pushNode(needsGrad ? TOp.Leaf : TOp.Const, dtype, rank, stage, -1, -1, -1, 0);
  if (id < 0) return id;
  if (needsGrad) seti(id, F.Flags, Flag.RequiresGrad | Flag.Accumulates);
  return id;
}

export function full(dtype: i32, rank: i32, value: f64): i32 {
  let id = fromData(dtype, rank, false);
  if (id < 0) return id;
  let p = dataOf(id), n = sizeOf(id);
  if (dtype == DType.F32) for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), <f32>value);
  else if (dtype == DType.F64) for (let i = 0; i < n; i++) store<f64>(p + (<usize>i << 3), value);
  else for (let i = 0; i < n; i++) store<i32>(p + (<usize>i << 2), <i32>value);
  return id;
}

/** Pushes a Param node reading slot s. */
export function slotNode(s: i32): i32 {
  if (!slotLive(s)) return fail(ErrorCode.BadSlot);
  return tape.pushSlotNode(TOp.Param, s);
}

// ── Unary ──  out = f(x); dx += f'(x)·g with the rule of ops.ts

export function unary(op: i32, a: i32): i32 {
  if (!isUnary(op)) return fail(ErrorCode.BadOp);
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = shapeInto(a, outShape);
  let id = pushNode(TOp.Unary, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, op);
  seti(id, F.Flags, gradFlag(a, -1, -1));
  planSame(id);
  if (isF32(id)) unaryForward<f32>(op, dataOf(id), dataOf(a));
  else if (isFloat(id)) unaryForward<f64>(op, dataOf(id), dataOf(a));
  else unaryForward<i32>(op, dataOf(id), dataOf(a)); // computed in f64, stored as JS's ToInt32 would
  return id;
}

function unaryBack(id: i32): void {
  let a = geti(id, F.A);
  planSame(id);
  if (isF32(id)) unaryBackward<f32>(iattr(id, 0), dataOf(id), gradPtrOf(id), dataOf(a), gradBuffer(a));
  else unaryBackward<f64>(iattr(id, 0), dataOf(id), gradPtrOf(id), dataOf(a), gradBuffer(a));
}

/** A flat plan over node id's elements, two contiguous operands. */
function planSame(id: i32): void {
  sset(shapeC, 0, sizeOf(id));
  planBegin(1, shapeC);
  planContiguous(0);
  planContiguous(1);
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
  let id = pushNode(TOp.Binary, dtypeOf(a), r, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, op);
  seti(id, F.Flags, gradFlag(a, b, -1));
  planBroadcastFrom(id, a, b, -1);
  if (isF32(id)) binaryForward<f32>(op, dataOf(id), dataOf(a), dataOf(b));
  else if (isFloat(id)) binaryForward<f64>(op, dataOf(id), dataOf(a), dataOf(b));
  else binaryForward<i32>(op, dataOf(id), dataOf(a), dataOf(b));
  return id;
}

function binaryBack(id: i32): void {
  let a = geti(id, F.A), b = geti(id, F.B);
  let ga: usize = requiresGrad(a) ? gradBuffer(a) : 0;
  let gb: usize = requiresGrad(b) ? gradBuffer(b) : 0;
  planBroadcastFrom(id, a, b, -1);
  if (isF32(id)) binaryBackward<f32>(iattr(id, 0), dataOf(id), gradPtrOf(id), dataOf(a), dataOf(b), ga, gb);
  else binaryBackward<f64>(iattr(id, 0), dataOf(id), gradPtrOf(id), dataOf(a), dataOf(b), ga, gb);
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
  let id = pushNode(TOp.Where, dtypeOf(a), r, outShape, mask, a, b, 0);
  if (id < 0) return id;
  seti(id, F.Flags, gradFlag(-1, a, b));
  planBroadcastFrom(id, mask, a, b);
  let m = dtypeOf(mask);
  if (isF32(id)) {
    if (m == DType.F32) whereForward<f32, f32>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
    else if (m == DType.F64) whereForward<f32, f64>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
    else whereForward<f32, i32>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
  } else if (isFloat(id)) {
    if (m == DType.F32) whereForward<f64, f32>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
    else if (m == DType.F64) whereForward<f64, f64>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
    else whereForward<f64, i32>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
  } else {
    if (m == DType.F32) whereForward<i32, f32>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
    else if (m == DType.F64) whereForward<i32, f64>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
    else whereForward<i32, i32>(dataOf(id), dataOf(mask), dataOf(a), dataOf(b));
  }
  return id;
}

function whereBack(id: i32): void {
  let mask = geti(id, F.A), a = geti(id, F.B), b = geti(id, F.C);
  let ga: usize = requiresGrad(a) ? gradBuffer(a) : 0;
  let gb: usize = requiresGrad(b) ? gradBuffer(b) : 0;
  planBroadcastFrom(id, mask, a, b);
  let m = dtypeOf(mask);
  if (isF32(id)) {
    if (m == DType.F32) whereBackward<f32, f32>(gradPtrOf(id), dataOf(mask), ga, gb);
    else if (m == DType.F64) whereBackward<f32, f64>(gradPtrOf(id), dataOf(mask), ga, gb);
    else whereBackward<f32, i32>(gradPtrOf(id), dataOf(mask), ga, gb);
  } else {
    if (m == DType.F32) whereBackward<f64, f32>(gradPtrOf(id), dataOf(mask), ga, gb);
    else if (m == DType.F64) whereBackward<f64, f64>(gradPtrOf(id), dataOf(mask), ga, gb);
    else whereBackward<f64, i32>(gradPtrOf(id), dataOf(mask), ga, gb);
  }
}

// ── Compare ──  out = (x kind y) ? 1 : 0; no gradient

export function compareOp(kind: i32, a: i32, b: i32): i32 {
  if (<u32>kind > 5) return fail(ErrorCode.BadOp);
  if (!isTensor(a) || !isTensor(b)) return fail(ErrorCode.BadTensor);
  if (dtypeOf(a) != dtypeOf(b)) return fail(ErrorCode.BadDType);
  let r = broadcastShapes(shapeInto(a, shapeA), shapeA, shapeInto(b, shapeB), shapeB);
  if (r < 0) return fail(ErrorCode.BadShape);
  let id = pushNode(TOp.Compare, dtypeOf(a), r, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, kind);
  planBroadcastFrom(id, a, b, -1);
  if (isF32(id)) compareForward<f32>(kind, dataOf(id), dataOf(a), dataOf(b));
  else if (isFloat(id)) compareForward<f64>(kind, dataOf(id), dataOf(a), dataOf(b));
  else compareForward<i32>(kind, dataOf(id), dataOf(a), dataOf(b));
  return id;
}

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

/** Reduces node a over the `count` axes staged (ascending, distinct); keepdims keeps them as size 1. */
export function reduce(kind: i32, a: i32, count: i32, keepdims: bool): i32 {
  if (<u32>kind > 2) return fail(ErrorCode.BadOp);
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (<u32>count > <u32>r) return fail(ErrorCode.BadArgument);
  let mask = 0;
  for (let k = 0; k < count; k++) {
    let ax = staged(k);
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
  let id = pushNode(TOp.Reduce, dtypeOf(a), outRank, outShape, a, -1, -1, 0);
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
  if (kind == ReduceKind.Sum) {
    if (isF32(a)) reduceSum<f32>(acc, dataOf(a));
    else if (isFloat(a)) reduceSum<f64>(acc, dataOf(a));
    else reduceSum<i32>(acc, dataOf(a));
  } else {
    if (isF32(a)) reduceExtreme<f32>(kind == ReduceKind.Max, acc, dataOf(a));
    else if (isFloat(a)) reduceExtreme<f64>(kind == ReduceKind.Max, acc, dataOf(a));
    else reduceExtreme<i32>(kind == ReduceKind.Max, acc, dataOf(a));
  }
  let out = dataOf(id);
  if (isF32(id)) for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  else if (isFloat(id)) memory.copy(out, acc, <usize>n << 3);
  else for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), toInt32(load<f64>(acc + (<usize>i << 3)))); // wraps, as the twin's Int32Array does
  return id;
}

function reduceBack(id: i32): void {
  let a = geti(id, F.A), kind = iattr(id, 0), mask = iattr(id, 1);
  let ga = gradBuffer(a);
  planReduce(a, mask);
  if (kind == ReduceKind.Sum) {
    if (isF32(a)) copy<f32, f32>(ga, gradPtrOf(id), true); // operand 0 walks a: dst; operand 1 walks out: src
    else copy<f64, f64>(ga, gradPtrOf(id), true);
    return;
  }
  let n = sizeOf(id);
  let count = arenaZeroed(<usize>n << 3);
  if (isF32(a)) {
    countTies<f32>(count, dataOf(id), dataOf(a));
    planReduce(a, mask);
    extremeBackward<f32>(ga, dataOf(a), dataOf(id), gradPtrOf(id), count);
  } else {
    countTies<f64>(count, dataOf(id), dataOf(a));
    planReduce(a, mask);
    extremeBackward<f64>(ga, dataOf(a), dataOf(id), gradPtrOf(id), count);
  }
}

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
  if (!validShape(r + 2, outShape, dtypeOf(a))) return fail(ErrorCode.BadShape);
  if (!gemmReady()) return fail(ErrorCode.OutOfMemory);
  let id = pushNode(TOp.Matmul, dtypeOf(a), r + 2, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, <i32>transA);
  setIattr(id, 1, <i32>transB);
  setIattr(id, 2, K);
  seti(id, F.Flags, gradFlag(a, b, -1));
  if (M * N == 0) return id;
  let batches = sizeOf(id) / (M * N);
  let sh = elementShift(dtypeOf(a));
  let lda = transA ? M : K, ldb = transB ? K : N;
  for (let bi = 0; bi < batches; bi++) {
    batchOffsets(id, a, b, bi);
    let pa = dataOf(a) + (<usize>batchOffA << sh), pb = dataOf(b) + (<usize>batchOffB << sh);
    let pc = dataOf(id) + (<usize>(bi * M * N) << sh);
    if (isF32(a)) gemm<f32>(transA, transB, M, N, K, pa, lda, pb, ldb, pc, N, false);
    else gemm<f64>(transA, transB, M, N, K, pa, lda, pb, ldb, pc, N, false);
  }
  return id;
}

/** One gemm call of matmul's backward, in the node's dtype. */
@inline function gemmT(f32: bool, tA: bool, tB: bool, M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  if (f32) gemm<f32>(tA, tB, M, N, K, a, lda, b, ldb, c, ldc, true);
  else gemm<f64>(tA, tB, M, N, K, a, lda, b, ldb, c, ldc, true);
}

// dop(A) = G@op(B)ᵀ and dop(B) = op(A)ᵀ@G, written into A's and B's stored
// layouts: a transposed operand takes the transpose of its gradient.
function matmulBack(id: i32): void {
  let a = geti(id, F.A), b = geti(id, F.B);
  let transA = iattr(id, 0) != 0, transB = iattr(id, 1) != 0, K = iattr(id, 2);
  let r = rankOf(id);
  let M = dimOf(id, r - 2), N = dimOf(id, r - 1);
  if (M * N == 0) return;
  let ga: usize = requiresGrad(a) ? gradBuffer(a) : 0;
  let gb: usize = requiresGrad(b) ? gradBuffer(b) : 0;
  let batches = sizeOf(id) / (M * N);
  let sh = elementShift(dtypeOf(a));
  let f32 = isF32(a);
  let lda = transA ? M : K, ldb = transB ? K : N;
  for (let bi = 0; bi < batches; bi++) {
    batchOffsets(id, a, b, bi);
    let g = gradPtrOf(id) + (<usize>(bi * M * N) << sh);
    let pa = dataOf(a) + (<usize>batchOffA << sh), pb = dataOf(b) + (<usize>batchOffB << sh);
    if (ga) {
      let pga = ga + (<usize>batchOffA << sh);
      if (!transA) gemmT(f32, false, !transB, M, K, N, g, N, pb, ldb, pga, K);       // G @ op(B)ᵀ
      else gemmT(f32, transB, true, K, M, N, pb, ldb, g, N, pga, M);                 // (G @ op(B)ᵀ)ᵀ = op(B) @ Gᵀ
    }
    if (gb) {
      let pgb = gb + (<usize>batchOffB << sh);
      if (!transB) gemmT(f32, !transA, false, K, N, M, pa, lda, g, N, pgb, N);       // op(A)ᵀ @ G
      else gemmT(f32, true, transA, N, K, M, g, N, pa, lda, pgb, K);                 // (op(A)ᵀ @ G)ᵀ = Gᵀ @ op(A)
    }
  }
}

// ── Reshape / Detach ──  the same data under a new shape; dx += g (Detach: none)

export function reshape(a: i32, rank: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  if (!validShape(rank, stage, dtypeOf(a))) return fail(ErrorCode.BadShape);
  let size = 1;
  for (let d = 0; d < rank; d++) size *= staged(d);
  if (size != sizeOf(a)) return fail(ErrorCode.BadShape);
  let id = pushNode(TOp.Reshape, dtypeOf(a), rank, stage, a, -1, -1, dataOf(a));
  if (id < 0) return id;
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  return id;
}

function reshapeBack(id: i32): void {
  let a = geti(id, F.A);
  planSame(id);
  if (isF32(id)) copy<f32, f32>(gradBuffer(a), gradPtrOf(id), true);
  else copy<f64, f64>(gradBuffer(a), gradPtrOf(id), true);
}

export function detach(a: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = shapeInto(a, outShape);
  return pushNode(TOp.Detach, dtypeOf(a), r, outShape, a, -1, -1, dataOf(a));
}

// ── Cast ──  converts each element; dx += g converted back (float to float only)

export function cast(a: i32, dtype: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  if (<u32>dtype > 2) return fail(ErrorCode.BadDType);
  let r = shapeInto(a, outShape);
  let id = pushNode(TOp.Cast, dtype, r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  if (dtype != DType.I32 && isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  planSame(id);
  let from = dtypeOf(a);
  let dst = dataOf(id), src = dataOf(a);
  if (dtype == DType.F32) {
    if (from == DType.F32) copy<f32, f32>(dst, src, false); else if (from == DType.F64) copy<f32, f64>(dst, src, false); else copy<f32, i32>(dst, src, false);
  } else if (dtype == DType.F64) {
    if (from == DType.F32) copy<f64, f32>(dst, src, false); else if (from == DType.F64) copy<f64, f64>(dst, src, false); else copy<f64, i32>(dst, src, false);
  } else {
    if (from == DType.F32) copy<i32, f32>(dst, src, false); else if (from == DType.F64) copy<i32, f64>(dst, src, false); else copy<i32, i32>(dst, src, false);
  }
  return id;
}

function castBack(id: i32): void {
  let a = geti(id, F.A);
  planSame(id);
  let ga = gradBuffer(a), g = gradPtrOf(id);
  if (isF32(a)) { if (isF32(id)) copy<f32, f32>(ga, g, true); else copy<f32, f64>(ga, g, true); }
  else { if (isF32(id)) copy<f64, f32>(ga, g, true); else copy<f64, f64>(ga, g, true); }
}

// ── Strided copies: Permute, Expand, Slice, Pad, Concat ──
// Each forward is a copy between out and a through a plan with an offset; each
// backward is the same plan run the other way, accumulating into a's gradient.
// Operand 0 is the side written, operand 1 the side read.

/** Writes a's contiguous strides into scratch s. */
function stridesInto(id: i32, s: usize): void {
  let stride = 1;
  for (let d = rankOf(id) - 1; d >= 0; d--) { sset(s, d, stride); stride *= dimOf(id, d); }
}

function runCopy(dtype: i32, dst: usize, src: usize, accumulate: bool): void {
  if (dtype == DType.F32) copy<f32, f32>(dst, src, accumulate);
  else if (dtype == DType.F64) copy<f64, f64>(dst, src, accumulate);
  else copy<i32, i32>(dst, src, accumulate);
}

/** For permute: plan over out's shape; `aSide` is the operand that walks a through the permutation. */
function planPermute(id: i32, a: i32, aSide: i32): void {
  let r = shapeInto(id, shapeC);
  planBegin(r, shapeC);
  planContiguous(1 - aSide);
  stridesInto(a, shapeA);
  for (let d = 0; d < r; d++) setPlanStride(aSide, d, sget(shapeA, iattr(id, d)));
  planCoalesce(2);
}

export function permute(a: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  let seen = 0;
  for (let d = 0; d < r; d++) {
    let p = staged(d);
    if (<u32>p >= <u32>r || (seen & (1 << p))) return fail(ErrorCode.BadArgument);
    seen |= 1 << p;
    sset(outShape, d, dimOf(a, p));
  }
  let id = pushNode(TOp.Permute, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  for (let d = 0; d < r; d++) setIattr(id, d, staged(d));
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  planPermute(id, a, 1);
  runCopy(dtypeOf(a), dataOf(id), dataOf(a), false);
  return id;
}

function permuteBack(id: i32): void {
  let a = geti(id, F.A);
  planPermute(id, a, 0);
  runCopy(dtypeOf(a), gradBuffer(a), gradPtrOf(id), true);
}

/** For expand: plan over out's shape; `aSide` walks a broadcast. */
function planExpand(id: i32, a: i32, aSide: i32): void {
  let r = shapeInto(id, shapeC);
  planBegin(r, shapeC);
  planContiguous(1 - aSide);
  planBroadcast(aSide, shapeInto(a, shapeA), shapeA);
  planCoalesce(2);
}

export function expand(a: i32, rank: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let ra = rankOf(a);
  if (rank < ra || !validShape(rank, stage, dtypeOf(a))) return fail(ErrorCode.BadShape);
  for (let d = 0; d < ra; d++) {
    let n = dimOf(a, d), m = staged(d + rank - ra);
    if (n != m && n != 1) return fail(ErrorCode.BadShape);
  }
  let id = pushNode(TOp.Expand, dtypeOf(a), rank, stage, a, -1, -1, 0);
  if (id < 0) return id;
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  planExpand(id, a, 1);
  runCopy(dtypeOf(a), dataOf(id), dataOf(a), false);
  return id;
}

function expandBack(id: i32): void {
  let a = geti(id, F.A);
  planExpand(id, a, 0);
  runCopy(dtypeOf(a), gradBuffer(a), gradPtrOf(id), true);
}

/**
 * A plan over node `small`'s shape, for copies between it and a window of the
 * larger node `big`: operand `bigSide` walks big with big's strides, the other
 * operand walks small contiguously. The window's corner is staged in shapeB
 * (one start per dim); returns its element offset in big.
 */
function planWindow(small: i32, big: i32, bigSide: i32): i32 {
  let r = shapeInto(small, shapeC);
  planBegin(r, shapeC);
  planContiguous(1 - bigSide);
  stridesInto(big, shapeA);
  let off = 0;
  for (let d = 0; d < r; d++) {
    setPlanStride(bigSide, d, sget(shapeA, d));
    off += sget(shapeB, d) * sget(shapeA, d);
  }
  planCoalesce(2);
  return off;
}

/** Slice: the staged starts (rank ints) then ends (rank ints). */
export function slice(a: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  for (let d = 0; d < r; d++) {
    let s = staged(d), e = staged(r + d);
    if (s < 0 || e < s || e > dimOf(a, d)) return fail(ErrorCode.BadArgument);
    sset(outShape, d, e - s);
  }
  let id = pushNode(TOp.Slice, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  for (let d = 0; d < r; d++) setIattr(id, d, staged(d));
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  sliceCopy(id, a, false);
  return id;
}

function sliceCopy(id: i32, a: i32, back: bool): void {
  let r = rankOf(id);
  for (let d = 0; d < r; d++) sset(shapeB, d, iattr(id, d));
  let sh = elementShift(dtypeOf(a));
  if (!back) {
    let off = planWindow(id, a, 1);
    runCopy(dtypeOf(a), dataOf(id), dataOf(a) + (<usize>off << sh), false);
  } else {
    let off = planWindow(id, a, 0);
    runCopy(dtypeOf(a), gradBuffer(a) + (<usize>off << sh), gradPtrOf(id), true);
  }
}

/** Pad: staged before (rank ints) then after (rank ints); fills with value. */
export function pad(a: i32, value: f64): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  for (let d = 0; d < r; d++) {
    let lo = staged(d), hi = staged(r + d);
    if (lo < 0 || hi < 0) return fail(ErrorCode.BadArgument);
    let n = <i64>dimOf(a, d) + lo + hi; // i64: widths near 2^31 must not wrap into a small dim
    if (n > (<i64>1 << 28)) return fail(ErrorCode.BadShape);
    sset(outShape, d, <i32>n);
  }
  if (!validShape(r, outShape, dtypeOf(a))) return fail(ErrorCode.BadShape);
  let id = pushNode(TOp.Pad, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  for (let d = 0; d < r; d++) setIattr(id, d, staged(d));
  setFattr(id, 0, value);
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  let p = dataOf(id), n = sizeOf(id);
  if (isF32(id)) for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), <f32>value);
  else if (dtypeOf(id) == DType.F64) for (let i = 0; i < n; i++) store<f64>(p + (<usize>i << 3), value);
  else for (let i = 0; i < n; i++) store<i32>(p + (<usize>i << 2), <i32>value);
  padCopy(id, a, false);
  return id;
}

function padCopy(id: i32, a: i32, back: bool): void {
  let r = rankOf(id);
  for (let d = 0; d < r; d++) sset(shapeB, d, iattr(id, d));
  let sh = elementShift(dtypeOf(a));
  if (!back) {
    let off = planWindow(a, id, 0);
    runCopy(dtypeOf(a), dataOf(id) + (<usize>off << sh), dataOf(a), false);
  } else {
    let off = planWindow(a, id, 1);
    runCopy(dtypeOf(a), gradBuffer(a), gradPtrOf(id) + (<usize>off << sh), true);
  }
}

/** Concat a and b along axis. */
export function concat(a: i32, b: i32, axis: i32): i32 {
  if (!isTensor(a) || !isTensor(b)) return fail(ErrorCode.BadTensor);
  if (dtypeOf(a) != dtypeOf(b)) return fail(ErrorCode.BadDType);
  let r = rankOf(a);
  if (r != rankOf(b) || <u32>axis >= <u32>r) return fail(ErrorCode.BadShape);
  for (let d = 0; d < r; d++) {
    if (d != axis && dimOf(a, d) != dimOf(b, d)) return fail(ErrorCode.BadShape);
    sset(outShape, d, d == axis ? dimOf(a, d) + dimOf(b, d) : dimOf(a, d));
  }
  if (!validShape(r, outShape, dtypeOf(a))) return fail(ErrorCode.BadShape);
  let id = pushNode(TOp.Concat, dtypeOf(a), r, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, axis);
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, b, -1));
  concatCopy(id, false);
  return id;
}

function concatCopy(id: i32, back: bool): void {
  let a = geti(id, F.A), b = geti(id, F.B), axis = iattr(id, 0);
  let r = rankOf(id);
  let sh = elementShift(dtypeOf(id));
  for (let part = 0; part < 2; part++) {
    let src = part == 0 ? a : b;
    if (back && !requiresGrad(src)) continue;
    for (let d = 0; d < r; d++) sset(shapeB, d, d == axis && part == 1 ? dimOf(a, axis) : 0);
    if (!back) {
      let off = planWindow(src, id, 0);
      runCopy(dtypeOf(id), dataOf(id) + (<usize>off << sh), dataOf(src), false);
    } else {
      let off = planWindow(src, id, 1);
      runCopy(dtypeOf(id), gradBuffer(src), gradPtrOf(id) + (<usize>off << sh), true);
    }
  }
}

// ── IndexSelect ──  out = a with dim `axis` indexed by int32 indices; da[idx] += g rows

export function indexSelect(a: i32, axis: i32, indices: i32): i32 {
  if (!isTensor(a) || !isTensor(indices)) return fail(ErrorCode.BadTensor);
  if (dtypeOf(indices) != DType.I32) return fail(ErrorCode.BadDType);
  let r = rankOf(a);
  if (<u32>axis >= <u32>r || rankOf(indices) != 1) return fail(ErrorCode.BadShape);
  let n = dimOf(a, axis), k = sizeOf(indices);
  let ip = dataOf(indices);
  for (let i = 0; i < k; i++) if (<u32>load<i32>(ip + (<usize>i << 2)) >= <u32>n) return fail(ErrorCode.BadArgument);
  shapeInto(a, outShape);
  sset(outShape, axis, k);
  let id = pushNode(TOp.IndexSelect, dtypeOf(a), r, outShape, a, indices, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, axis);
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  indexRows(id, false);
  return id;
}

function indexRows(id: i32, back: bool): void {
  let a = geti(id, F.A), indices = geti(id, F.B), axis = iattr(id, 0);
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= dimOf(a, d);
  for (let d = axis + 1; d < rankOf(a); d++) inner *= dimOf(a, d);
  let n = dimOf(a, axis), k = sizeOf(indices);
  let sh = elementShift(dtypeOf(a));
  let rowBytes = <usize>inner << sh;
  let ip = dataOf(indices);
  let src = back ? gradPtrOf(id) : dataOf(a);
  let dst = back ? gradBuffer(a) : dataOf(id);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < k; i++) {
      let j = load<i32>(ip + (<usize>i << 2));
      let aRow = (<usize>(o * n + j)) * rowBytes;
      let outRow = (<usize>(o * k + i)) * rowBytes;
      if (!back) { memory.copy(dst + outRow, src + aRow, rowBytes); continue; }
      if (isF32(a)) for (let e = 0; e < inner; e++) { let p = dst + aRow + (<usize>e << 2); store<f32>(p, load<f32>(p) + load<f32>(src + outRow + (<usize>e << 2))); }
      else for (let e = 0; e < inner; e++) { let p = dst + aRow + (<usize>e << 3); store<f64>(p, load<f64>(p) + load<f64>(src + outRow + (<usize>e << 3))); }
    }
  }
}

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
  let id = pushNode(TOp.CrossEntropy, dtypeOf(x), 0, outShape, x, targets, -1, 0);
  if (id < 0) return id;
  seti(id, F.Flags, gradFlag(x, -1, -1));
  if (isF32(x)) store<f32>(dataOf(id), <f32>(crossEntropyRows<f32>(dataOf(x), tp, B, C, 0, 0) / B));
  else store<f64>(dataOf(id), crossEntropyRows<f64>(dataOf(x), tp, B, C, 0, 0) / B);
  return id;
}

function crossEntropyBack(id: i32): void {
  let x = geti(id, F.A), tp = dataOf(geti(id, F.B));
  let B = dimOf(x, 0), C = dimOf(x, 1);
  let gx = gradBuffer(x);
  if (isF32(x)) crossEntropyRows<f32>(dataOf(x), tp, B, C, gx, <f64>load<f32>(gradPtrOf(id)) / B);
  else crossEntropyRows<f64>(dataOf(x), tp, B, C, gx, load<f64>(gradPtrOf(id)) / B);
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

// ── Conv2d ──  per image: out = W @ im2col(x); dW += G @ colsᵀ; dx += col2im(Wᵀ @ G)
// Staged: strideH, strideW, padH, padW.

export function conv2d(x: i32, w: i32): i32 {
  if (!isTensor(x) || !isTensor(w)) return fail(ErrorCode.BadTensor);
  if (!isFloat(x) || dtypeOf(x) != dtypeOf(w)) return fail(ErrorCode.BadDType);
  if (rankOf(x) != 4 || rankOf(w) != 4 || dimOf(x, 1) != dimOf(w, 1)) return fail(ErrorCode.BadShape);
  let sh = staged(0), sw = staged(1), ph = staged(2), pw = staged(3);
  if (sh < 1 || sw < 1 || ph < 0 || pw < 0) return fail(ErrorCode.BadArgument);
  // i64 throughout: paddings near 2^31 must not wrap into a plausible size
  let spanH = <i64>dimOf(x, 2) + 2 * <i64>ph - dimOf(w, 2), spanW = <i64>dimOf(x, 3) + 2 * <i64>pw - dimOf(w, 3);
  if (spanH < 0 || spanW < 0) return fail(ErrorCode.BadShape);
  let HO = spanH / sh + 1, WO = spanW / sw + 1;
  let cols = <i64>dimOf(x, 1) * dimOf(w, 2) * dimOf(w, 3) * HO * WO; // im2col's buffer
  if (HO > (<i64>1 << 28) || WO > (<i64>1 << 28) || cols > (<i64>1 << 28)) return fail(ErrorCode.BadShape);
  sset(outShape, 0, dimOf(x, 0));
  sset(outShape, 1, dimOf(w, 0));
  sset(outShape, 2, <i32>HO);
  sset(outShape, 3, <i32>WO);
  if (!validShape(4, outShape, dtypeOf(x))) return fail(ErrorCode.BadShape);
  if (!gemmReady()) return fail(ErrorCode.OutOfMemory);
  mark();
  let id = pushNode(TOp.Conv2d, dtypeOf(x), 4, outShape, x, w, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, sh); setIattr(id, 1, sw); setIattr(id, 2, ph); setIattr(id, 3, pw);
  seti(id, F.Flags, gradFlag(x, w, -1));
  if (!convRun(id, false)) { rollback(); return fail(ErrorCode.OutOfMemory); }
  return id;
}

/** Bytes of one im2col buffer of conv node id (a column per output pixel, C·KH·KW rows). */
function convColsBytes(id: i32): usize {
  let x = geti(id, F.A), w = geti(id, F.B);
  let rows = <usize>dimOf(x, 1) * dimOf(w, 2) * dimOf(w, 3);
  return (((rows * dimOf(id, 2) * dimOf(id, 3)) << elementShift(dtypeOf(x))) + 15) & ~15;
}

/** Forward (back = false) or backward of conv node id; false, with nothing written, if its scratch cannot be had (forward only: backward() reserves it). */
function convRun(id: i32, back: bool): bool {
  let x = geti(id, F.A), w = geti(id, F.B);
  let N = dimOf(x, 0), C = dimOf(x, 1), H = dimOf(x, 2), W = dimOf(x, 3);
  let O = dimOf(w, 0), KH = dimOf(w, 2), KW = dimOf(w, 3);
  let sh = iattr(id, 0), sw = iattr(id, 1), ph = iattr(id, 2), pw = iattr(id, 3);
  let HO = dimOf(id, 2), WO = dimOf(id, 3);
  let CKK = C * KH * KW, P = HO * WO;
  let es = elementShift(dtypeOf(x));
  let f32 = isF32(x);
  let cols = arenaAlloc(<usize>(CKK * P) << es);
  if (cols == 0) return false;
  let dcols: usize = back && requiresGrad(x) ? arenaAlloc(<usize>(CKK * P) << es) : 0;
  let gw: usize = back && requiresGrad(w) ? gradBuffer(w) : 0;
  let gx: usize = dcols ? gradBuffer(x) : 0;
  for (let n = 0; n < N; n++) {
    let xn = dataOf(x) + (<usize>(n * C * H * W) << es);
    let on = (<usize>(n * O * P)) << es;
    if (!back || gw) {
      if (f32) im2col<f32>(xn, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, cols);
      else im2col<f64>(xn, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, cols);
    }
    if (!back) {
      if (f32) gemm<f32>(false, false, O, P, CKK, dataOf(w), CKK, cols, P, dataOf(id) + on, P, false);
      else gemm<f64>(false, false, O, P, CKK, dataOf(w), CKK, cols, P, dataOf(id) + on, P, false);
      continue;
    }
    let g = gradPtrOf(id) + on;
    if (gw) {
      if (f32) gemm<f32>(false, true, O, CKK, P, g, P, cols, P, gw, CKK, true);
      else gemm<f64>(false, true, O, CKK, P, g, P, cols, P, gw, CKK, true);
    }
    if (dcols) {
      let gxn = gx + (<usize>(n * C * H * W) << es);
      if (f32) {
        gemm<f32>(true, false, CKK, P, O, dataOf(w), CKK, g, P, dcols, P, false);
        col2im<f32>(dcols, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, gxn);
      } else {
        gemm<f64>(true, false, CKK, P, O, dataOf(w), CKK, g, P, dcols, P, false);
        col2im<f64>(dcols, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, gxn);
      }
    }
  }
  return true;
}

// ── MaxPool2d / AvgPool2d ──  staged: kernelH, kernelW, strideH, strideW, padH, padW

export function pool2d(isMax: bool, x: i32): i32 {
  if (!isTensor(x)) return fail(ErrorCode.BadTensor);
  if (!isFloat(x)) return fail(ErrorCode.BadDType);
  if (rankOf(x) != 4) return fail(ErrorCode.BadShape);
  let kh = staged(0), kw = staged(1), sh = staged(2), sw = staged(3), ph = staged(4), pw = staged(5);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || 2 * <i64>ph > kh || 2 * <i64>pw > kw) return fail(ErrorCode.BadArgument);
  let H = dimOf(x, 2), W = dimOf(x, 3);
  if (<i64>H + 2 * ph < kh || <i64>W + 2 * pw < kw) return fail(ErrorCode.BadShape); // ph ≤ kh/2: no overflow
  sset(outShape, 0, dimOf(x, 0));
  sset(outShape, 1, dimOf(x, 1));
  sset(outShape, 2, (H + 2 * ph - kh) / sh + 1);
  sset(outShape, 3, (W + 2 * pw - kw) / sw + 1);
  let id = pushNode(isMax ? TOp.MaxPool2d : TOp.AvgPool2d, dtypeOf(x), 4, outShape, x, -1, -1, 0);
  if (id < 0) return id;
  for (let k = 0; k < 6; k++) setIattr(id, k, staged(k));
  seti(id, F.Flags, gradFlag(x, -1, -1));
  let planes = dimOf(x, 0) * dimOf(x, 1);
  if (isF32(x)) poolForward<f32>(isMax, dataOf(x), planes, H, W, kh, kw, sh, sw, ph, pw, dimOf(id, 2), dimOf(id, 3), dataOf(id));
  else poolForward<f64>(isMax, dataOf(x), planes, H, W, kh, kw, sh, sw, ph, pw, dimOf(id, 2), dimOf(id, 3), dataOf(id));
  return id;
}

function poolBack(id: i32): void {
  let x = geti(id, F.A);
  let isMax = geti(id, F.Op) == TOp.MaxPool2d;
  let planes = dimOf(x, 0) * dimOf(x, 1);
  let H = dimOf(x, 2), W = dimOf(x, 3);
  let gx = gradBuffer(x);
  if (isF32(x)) poolBackward<f32>(isMax, dataOf(x), dataOf(id), gradPtrOf(id), planes, H, W, iattr(id, 0), iattr(id, 1), iattr(id, 2), iattr(id, 3), iattr(id, 4), iattr(id, 5), dimOf(id, 2), dimOf(id, 3), gx);
  else poolBackward<f64>(isMax, dataOf(x), dataOf(id), gradPtrOf(id), planes, H, W, iattr(id, 0), iattr(id, 1), iattr(id, 2), iattr(id, 3), iattr(id, 4), iattr(id, 5), dimOf(id, 2), dimOf(id, 3), gx);
}

// ── backward ──

function backwardNode(id: i32): void {
  switch (geti(id, F.Op)) {
    case TOp.Unary: unaryBack(id); break;
    case TOp.Binary: binaryBack(id); break;
    case TOp.Where: whereBack(id); break;
    case TOp.Reduce: reduceBack(id); break;
    case TOp.Matmul: matmulBack(id); break;
    case TOp.Reshape: reshapeBack(id); break;
    case TOp.Permute: permuteBack(id); break;
    case TOp.Expand: expandBack(id); break;
    case TOp.Slice: sliceCopy(id, geti(id, F.A), true); break;
    case TOp.Pad: padCopy(id, geti(id, F.A), true); break;
    case TOp.Concat: concatCopy(id, true); break;
    case TOp.IndexSelect: indexRows(id, true); break;
    case TOp.Conv2d: convRun(id, true); break;
    case TOp.MaxPool2d: case TOp.AvgPool2d: poolBack(id); break;
    case TOp.Cast: castBack(id); break;
    case TOp.CrossEntropy: crossEntropyBack(id); break;
    // Leaf, Const, Param, Compare, Detach: nothing flows further
  }
}

@inline function markIfGrad(id: i32): void {
  if (id >= 0 && requiresGrad(id)) seti(id, F.Flags, geti(id, F.Flags) | Flag.Reached);
}

/** Arena bytes the backward rule of node id allocates for itself (freed when the rule returns). */
function backwardScratch(id: i32): usize {
  let op = geti(id, F.Op);
  if (op == TOp.Reduce && iattr(id, 0) != ReduceKind.Sum) return ((<usize>sizeOf(id) << 3) + 15) & ~15;
  if (op == TOp.Conv2d) return convColsBytes(id) << 1;
  return 0;
}

/**
 * Reverse sweep from a size-1 node that requires grad. All or nothing: it
 * first works out the arena bytes of every gradient buffer it must create and
 * the largest scratch any one rule needs, and reserves them; if that fails it
 * returns -1 (OutOfMemory) having changed no gradient.
 */
export function backward(root: i32): i32 {
  if (!isTensor(root)) return fail(ErrorCode.BadTensor);
  if (sizeOf(root) != 1 || !requiresGrad(root)) return fail(ErrorCode.BadArgument);
  for (let id = 0; id <= root; id++) seti(id, F.Flags, geti(id, F.Flags) & ~Flag.Reached);
  markIfGrad(root);
  let fresh: usize = 0, scratch: usize = 0;
  for (let id = root; id >= 0; id--) {
    let flags = geti(id, F.Flags);
    if (!(flags & Flag.Reached)) continue;
    if (gradPtrOf(id) == 0) fresh += (gradBytes(id) + 15) & ~15; // Params alias their slot's, so never here
    let op = geti(id, F.Op);
    if (op == TOp.Leaf || op == TOp.Param) continue;
    if (op == TOp.Where) { markIfGrad(geti(id, F.B)); markIfGrad(geti(id, F.C)); }
    else if (op == TOp.IndexSelect || op == TOp.CrossEntropy) markIfGrad(geti(id, F.A));
    else { markIfGrad(geti(id, F.A)); markIfGrad(geti(id, F.B)); markIfGrad(geti(id, F.C)); }
    scratch = max(scratch, backwardScratch(id));
  }
  if (!arenaReserve(fresh + scratch)) return fail(ErrorCode.OutOfMemory);
  // Every non-Leaf, non-Param gradient up to the root is this sweep's alone:
  // a node the sweep does not reach reads 0, as on the twin and the scalar tape.
  for (let id = 0; id <= root; id++) {
    let g = gradPtrOf(id);
    if (g != 0 && !(geti(id, F.Flags) & Flag.Accumulates)) memory.fill(g, 0, gradBytes(id));
  }
  for (let id = root; id >= 0; id--) {
    if (geti(id, F.Flags) & Flag.Reached) gradBuffer(id);
  }
  let g = gradPtrOf(root);
  if (isF32(root)) store<f32>(g, load<f32>(g) + 1);
  else store<f64>(g, load<f64>(g) + 1);
  for (let id = root; id >= 0; id--) {
    if (!(geti(id, F.Flags) & Flag.Reached)) continue;
    mark();
    backwardNode(id);
    rollback(); // the rule's scratch; gradient buffers were all made above
  }
  return 0;
}

/** Zeroes every node's and slot's gradient. */
export function zeroGrad(): void {
  for (let id = 0; id < nodeCount; id++) {
    let g = gradPtrOf(id);
    if (g != 0) memory.fill(g, 0, <usize>sizeOf(id) << elementShift(dtypeOf(id)));
  }
  for (let s = 0; s < tape.slotCount; s++) {
    if (!slotLive(s)) continue;
    let g = slotGrad(s);
    if (g != 0) memory.fill(g, 0, <usize>slotSize(s) << elementShift(slotDtype(s)));
  }
}

// ── optimizer steps ──
// Staged: the slot lists, one after another. Each update is computed in f64
// and stored in the slot's dtype.

function sameSlots(p: i32, q: i32): bool {
  return slotLive(p) && slotLive(q) && slotSize(p) == slotSize(q) && slotDtype(p) == slotDtype(q);
}

/** Validates `lists` slot lists of `count` slots each (staged one after another); the first must have gradients. */
function validSlotLists(count: i32, lists: i32): bool {
  if (count < 0 || count > STAGE_INTS / lists) return false;
  for (let k = 0; k < count; k++) {
    let p = staged(k);
    if (!slotLive(p) || slotGrad(p) == 0 || slotDtype(p) == DType.I32) return false;
    for (let l = 1; l < lists; l++) if (!sameSlots(p, staged(l * count + k))) return false;
  }
  return true;
}

export function sgdStep(count: i32, lr: f64, momentum: f64, weightDecay: f64, firstStep: bool): i32 {
  if (!validSlotLists(count, momentum != 0 ? 2 : 1)) return fail(ErrorCode.BadSlot);
  for (let k = 0; k < count; k++) {
    let s = staged(k);
    let v: usize = momentum != 0 ? slotData(staged(count + k)) : 0;
    if (slotDtype(s) == DType.F32) sgdLoop<f32>(slotData(s), slotGrad(s), v, slotSize(s), lr, momentum, weightDecay, firstStep);
    else sgdLoop<f64>(slotData(s), slotGrad(s), v, slotSize(s), lr, momentum, weightDecay, firstStep);
  }
  return 0;
}

// f32 → two f64x2 halves and back: the SIMD rows compute in f64 and round
// once, exactly as the scalar loop does, four elements at a time.
@inline function lowF64(x: v128): v128 { return f64x2.promote_low_f32x4(x); }
@inline function highF64(x: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 0)); }
@inline function packF32(lo: v128, hi: v128): v128 { return v128.shuffle<i64>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2); }

function sgdLoop<T>(p: usize, g: usize, v: usize, n: i32, lr: f64, momentum: f64, weightDecay: f64, firstStep: bool): void {
  let sh = alignof<T>();
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (sizeof<T>() == 4) { // the scalar loop below, four elements at a time
      let vlr = f64x2.splat(lr), vwd = f64x2.splat(weightDecay), vmom = f64x2.splat(momentum);
      for (; i + 4 <= n; i += 4) {
        let o = <usize>i << 2;
        let P = v128.load(p + o), G = v128.load(g + o);
        let p0 = lowF64(P), p1 = highF64(P);
        let g0 = f64x2.add(lowF64(G), f64x2.mul(vwd, p0));
        let g1 = f64x2.add(highF64(G), f64x2.mul(vwd, p1));
        if (v) {
          if (!firstStep) {
            let V = v128.load(v + o);
            g0 = f64x2.add(f64x2.mul(vmom, lowF64(V)), g0);
            g1 = f64x2.add(f64x2.mul(vmom, highF64(V)), g1);
          }
          let vs = packF32(g0, g1);
          v128.store(v + o, vs);
          g0 = lowF64(vs);
          g1 = highF64(vs);
        }
        v128.store(p + o, packF32(f64x2.sub(p0, f64x2.mul(vlr, g0)), f64x2.sub(p1, f64x2.mul(vlr, g1))));
      }
    }
  }
  for (; i < n; i++) {
    let o = <usize>i << sh;
    let pi = <f64>load<T>(p + o);
    let gi = <f64>load<T>(g + o) + weightDecay * pi;
    if (v) {
      let vi = <T>(firstStep ? gi : momentum * <f64>load<T>(v + o) + gi);
      store<T>(v + o, vi);
      gi = <f64>vi; // the step uses the velocity as stored, as PyTorch's does
    }
    store<T>(p + o, <T>(pi - lr * gi));
  }
}

export function adamStep(count: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: bool, step: i32): i32 {
  if (step < 1) return fail(ErrorCode.BadArgument);
  if (!validSlotLists(count, 3)) return fail(ErrorCode.BadSlot);
  let c1 = 1 - Math.pow(beta1, <f64>step);
  let c2 = 1 - Math.pow(beta2, <f64>step);
  for (let k = 0; k < count; k++) {
    let s = staged(k);
    let m = slotData(staged(count + k)), v = slotData(staged(2 * count + k));
    if (slotDtype(s) == DType.F32) adamLoop<f32>(slotData(s), slotGrad(s), m, v, slotSize(s), lr, beta1, beta2, eps, weightDecay, decoupled, c1, c2);
    else adamLoop<f64>(slotData(s), slotGrad(s), m, v, slotSize(s), lr, beta1, beta2, eps, weightDecay, decoupled, c1, c2);
  }
  return 0;
}

function adamLoop<T>(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                     weightDecay: f64, decoupled: bool, c1: f64, c2: f64): void {
  let sh = alignof<T>();
  for (let i = 0; i < n; i++) {
    let o = <usize>i << sh;
    let pi = <f64>load<T>(p + o);
    let gi = <f64>load<T>(g + o);
    if (decoupled) pi -= lr * weightDecay * pi;
    else gi += weightDecay * pi;
    let mi = beta1 * <f64>load<T>(m + o) + (1 - beta1) * gi;
    let vi = beta2 * <f64>load<T>(v + o) + (1 - beta2) * gi * gi;
    store<T>(m + o, <T>mi);
    store<T>(v + o, <T>vi);
    store<T>(p + o, <T>(pi - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps)));
  }
}
