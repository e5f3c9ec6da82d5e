// Movement and indexing: reshape, permute, expand, slice, pad, concat and
// indexSelect. Each moves elements without arithmetic; each backward moves
// the gradient back the same way, adding into the input's gradient.

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import {
  DType, F, elementShift, geti, seti, iattr, setIattr, setFattr, dimOf, rankOf, sizeOf, dtypeOf, dataOf, gradPtrOf,
  requiresGrad, pushNode, gradBuffer,
  MAX_ELEMENTS,
} from "../tape";
import { planBegin, planBroadcast, planContiguous, planCoalesce, setPlanStride } from "../plan";
import { copyRun, fillRun, scatterAddRowsRun } from "../kernels";
import {
  outShape, shapeA, shapeB, shapeC, sget, sset, isTensor, isFloat, shapeInto, validShape, gradFlag, planSame,
} from "./shape";

// ── Reshape ──  the same data under a new shape; dx += g

/** To the `rank` dims at `dims`. */
export function reshape(a: i32, rank: i32, dims: usize): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  if (!validShape(rank, dims)) return fail(ErrorCode.BadShape);
  let size = 1;
  for (let d = 0; d < rank; d++) size *= sget(dims, d);
  if (size != sizeOf(a)) return fail(ErrorCode.BadShape);
  let id = pushNode(NodeKind.Reshape, dtypeOf(a), rank, dims, a, -1, -1, dataOf(a));
  if (id < 0) return id;
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  return id;
}

export function reshapeBack(id: i32): void {
  let a = geti(id, F.A);
  planSame(id);
  copyRun(dtypeOf(id), dtypeOf(id), gradBuffer(a), gradPtrOf(id), true);
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

/** For permute: plan over out's shape; `aSide` is the operand that walks a through the permutation. */
function planPermute(id: i32, a: i32, aSide: i32): void {
  let r = shapeInto(id, shapeC);
  planBegin(r, shapeC);
  planContiguous(1 - aSide);
  stridesInto(a, shapeA);
  for (let d = 0; d < r; d++) setPlanStride(aSide, d, sget(shapeA, iattr(id, d)));
  planCoalesce(2);
}

/** By the permutation of `count` (a's rank) dims at `perm`. */
export function permute(a: i32, count: i32, perm: usize): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (count != r) return fail(ErrorCode.BadArgument);
  let seen = 0;
  for (let d = 0; d < r; d++) {
    let p = sget(perm, d);
    if (<u32>p >= <u32>r || (seen & (1 << p))) return fail(ErrorCode.BadArgument);
    seen |= 1 << p;
    sset(outShape, d, dimOf(a, p));
  }
  let id = pushNode(NodeKind.Permute, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  for (let d = 0; d < r; d++) setIattr(id, d, sget(perm, d));
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  planPermute(id, a, 1);
  copyRun(dtypeOf(a), dtypeOf(a), dataOf(id), dataOf(a), false);
  return id;
}

export function permuteBack(id: i32): void {
  let a = geti(id, F.A);
  planPermute(id, a, 0);
  copyRun(dtypeOf(a), dtypeOf(a), gradBuffer(a), gradPtrOf(id), true);
}

/** For expand: plan over out's shape; `aSide` walks a broadcast. */
function planExpand(id: i32, a: i32, aSide: i32): void {
  let r = shapeInto(id, shapeC);
  planBegin(r, shapeC);
  planContiguous(1 - aSide);
  planBroadcast(aSide, shapeInto(a, shapeA), shapeA);
  planCoalesce(2);
}

/** To the `rank` dims at `dims`. */
export function expand(a: i32, rank: i32, dims: usize): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let ra = rankOf(a);
  if (rank < ra || !validShape(rank, dims)) return fail(ErrorCode.BadShape);
  for (let d = 0; d < ra; d++) {
    let n = dimOf(a, d), m = sget(dims, d + rank - ra);
    if (n != m && n != 1) return fail(ErrorCode.BadShape);
  }
  let id = pushNode(NodeKind.Expand, dtypeOf(a), rank, dims, a, -1, -1, 0);
  if (id < 0) return id;
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  planExpand(id, a, 1);
  copyRun(dtypeOf(a), dtypeOf(a), dataOf(id), dataOf(a), false);
  return id;
}

export function expandBack(id: i32): void {
  let a = geti(id, F.A);
  planExpand(id, a, 0);
  copyRun(dtypeOf(a), dtypeOf(a), gradBuffer(a), gradPtrOf(id), true);
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

/** Slice: `ns` starts at `starts` and `ne` ends at `ends`, one per dim of a. */
export function slice(a: i32, ns: i32, starts: usize, ne: i32, ends: usize): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (ns != r || ne != r) return fail(ErrorCode.BadArgument);
  for (let d = 0; d < r; d++) {
    let s = sget(starts, d), e = sget(ends, d);
    if (s < 0 || e < s || e > dimOf(a, d)) return fail(ErrorCode.BadArgument);
    sset(outShape, d, e - s);
  }
  let id = pushNode(NodeKind.Slice, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  for (let d = 0; d < r; d++) setIattr(id, d, sget(starts, d));
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  sliceCopy(id, a, false);
  return id;
}

export function sliceCopy(id: i32, a: i32, back: bool): void {
  let r = rankOf(id);
  for (let d = 0; d < r; d++) sset(shapeB, d, iattr(id, d));
  let dtype = dtypeOf(a);
  let sh = elementShift(dtype);
  if (!back) {
    let off = planWindow(id, a, 1);
    copyRun(dtype, dtype, dataOf(id), dataOf(a) + (<usize>off << sh), false);
  } else {
    let off = planWindow(id, a, 0);
    copyRun(dtype, dtype, gradBuffer(a) + (<usize>off << sh), gradPtrOf(id), true);
  }
}

/** Pad: `nb` widths at `before` and `na` at `after`, one per dim of a; fills with value. */
export function pad(a: i32, nb: i32, before: usize, na: i32, after: usize, value: f64): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (nb != r || na != r) return fail(ErrorCode.BadArgument);
  for (let d = 0; d < r; d++) {
    let lo = sget(before, d), hi = sget(after, d);
    if (lo < 0 || hi < 0) return fail(ErrorCode.BadArgument);
    let n = <i64>dimOf(a, d) + lo + hi; // i64: widths near 2^31 must not wrap into a small dim
    if (n > MAX_ELEMENTS) return fail(ErrorCode.BadShape);
    sset(outShape, d, <i32>n);
  }
  if (!validShape(r, outShape)) return fail(ErrorCode.BadShape);
  let id = pushNode(NodeKind.Pad, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  for (let d = 0; d < r; d++) setIattr(id, d, sget(before, d));
  setFattr(id, 0, value);
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  fillRun(dtypeOf(id), dataOf(id), sizeOf(id), value);
  padCopy(id, a, false);
  return id;
}

export function padCopy(id: i32, a: i32, back: bool): void {
  let r = rankOf(id);
  for (let d = 0; d < r; d++) sset(shapeB, d, iattr(id, d));
  let dtype = dtypeOf(a);
  let sh = elementShift(dtype);
  if (!back) {
    let off = planWindow(a, id, 0);
    copyRun(dtype, dtype, dataOf(id) + (<usize>off << sh), dataOf(a), false);
  } else {
    let off = planWindow(a, id, 1);
    copyRun(dtype, dtype, gradBuffer(a), gradPtrOf(id) + (<usize>off << sh), true);
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
  if (!validShape(r, outShape)) return fail(ErrorCode.BadShape);
  let id = pushNode(NodeKind.Concat, dtypeOf(a), r, outShape, a, b, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, axis);
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, b, -1));
  concatCopy(id, false);
  return id;
}

export function concatCopy(id: i32, back: bool): void {
  let a = geti(id, F.A), b = geti(id, F.B), axis = iattr(id, 0);
  let r = rankOf(id);
  let dtype = dtypeOf(id);
  let sh = elementShift(dtype);
  for (let part = 0; part < 2; part++) {
    let src = part == 0 ? a : b;
    if (back && !requiresGrad(src)) continue;
    for (let d = 0; d < r; d++) sset(shapeB, d, d == axis && part == 1 ? dimOf(a, axis) : 0);
    if (!back) {
      let off = planWindow(src, id, 0);
      copyRun(dtype, dtype, dataOf(id) + (<usize>off << sh), dataOf(src), false);
    } else {
      let off = planWindow(src, id, 1);
      copyRun(dtype, dtype, gradBuffer(src), gradPtrOf(id) + (<usize>off << sh), true);
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
  let id = pushNode(NodeKind.IndexSelect, dtypeOf(a), r, outShape, a, indices, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, axis);
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  indexRows(id, false);
  return id;
}

export function indexRows(id: i32, back: bool): void {
  let a = geti(id, F.A), indices = geti(id, F.B), axis = iattr(id, 0);
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= dimOf(a, d);
  for (let d = axis + 1; d < rankOf(a); d++) inner *= dimOf(a, d);
  let n = dimOf(a, axis), k = sizeOf(indices);
  let ip = dataOf(indices);
  if (back) { scatterAddRowsRun(dtypeOf(a), gradBuffer(a), gradPtrOf(id), ip, outer, n, k, inner); return; }
  // forward: whole rows, whatever the dtype
  let rowBytes = <usize>inner << elementShift(dtypeOf(a));
  let src = dataOf(a), dst = dataOf(id);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < k; i++) {
      let j = load<i32>(ip + (<usize>i << 2));
      memory.copy(dst + (<usize>(o * k + i)) * rowBytes, src + (<usize>(o * n + j)) * rowBytes, rowBytes);
    }
  }
}
