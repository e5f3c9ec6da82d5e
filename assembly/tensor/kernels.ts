// Strided loops over tensors: elementwise ops with broadcasting, reductions,
// and the copies behind permute/expand/slice/pad/indexSelect. Values are
// computed in f64 and rounded once on store.
//
// Dtype dispatch lives here: each kernel is generic over its element type T,
// and the entry point beside it, named with `Run` appended, takes the dtype
// as stored on the node (DType) and picks the instance. The op families call
// only the entry points, so no op branches on dtype itself.
//
// Every loop walks an iteration plan (plan.ts): an output shape and, per
// operand, a stride per output dim, with contiguous dims merged, so
// [64,128] + [128] runs as 64 rows of one 128-element inner loop.

import { gradX, gradY } from "../ops";
import { Op } from "../ops";
import { elementForward, elementBackward, compare } from "./ops";
import { DType } from "./tape";
import { planRank, pshape, pstride, off0, off1, off2, off3, rowsOfPlan, nextRow, at, rd, wr, acc, toInt32 } from "./plan";

// ── elementwise ──
// Operand 0 is the output (contiguous), 1 is x, 2 is y (binary ops).

/** out = op(x) over the plan (operands 0 out, 1 x). */
export function unaryForward<T>(op: i32, out: usize, x: usize): void {
  let rows = rowsOfPlan();
  let n = pshape(planRank - 1), s0 = pstride(0, planRank - 1), s1 = pstride(1, planRank - 1);
  for (let r = 0; r < rows; r++) {
    if (ASC_FEATURE_SIMD) {
      if (isFloat<T>() && op == Op.Relu && s0 == 1 && s1 == 1) { reluRow<T>(at<T>(out, off0), at<T>(x, off1), n); nextRow(); continue; }
    }
    for (let j = 0; j < n; j++) wr<T>(out, off0 + j * s0, elementForward(op, rd<T>(x, off1 + j * s1), 0));
    nextRow();
  }
}

/** unaryForward in dtype's element type; i32 computes in f64 and stores as JS's ToInt32 would. */
export function unaryForwardRun(dtype: i32, op: i32, out: usize, x: usize): void {
  if (dtype == DType.F32) unaryForward<f32>(op, out, x);
  else if (dtype == DType.F64) unaryForward<f64>(op, out, x);
  else unaryForward<i32>(op, out, x);
}

/** gx += op'(x)·g over the plan (operands 0 out/g, 1 x/gx). */
export function unaryBackward<T>(op: i32, out: usize, g: usize, x: usize, gx: usize): void {
  let rows = rowsOfPlan();
  let n = pshape(planRank - 1), s0 = pstride(0, planRank - 1), s1 = pstride(1, planRank - 1);
  for (let r = 0; r < rows; r++) {
    if (ASC_FEATURE_SIMD) {
      if (isFloat<T>() && op == Op.Relu && s0 == 1 && s1 == 1) { reluBackwardRow<T>(at<T>(g, off0), at<T>(x, off1), at<T>(gx, off1), n); nextRow(); continue; }
    }
    for (let j = 0; j < n; j++) {
      let i0 = off0 + j * s0, i1 = off1 + j * s1;
      elementBackward(op, rd<T>(x, i1), 0, rd<T>(out, i0), rd<T>(g, i0));
      acc<T>(gx, i1, gradX);
    }
    nextRow();
  }
}

/** unaryBackward in dtype's element type (f32 or f64: gradients are float). */
export function unaryBackwardRun(dtype: i32, op: i32, out: usize, g: usize, x: usize, gx: usize): void {
  if (dtype == DType.F32) unaryBackward<f32>(op, out, g, x, gx);
  else unaryBackward<f64>(op, out, g, x, gx);
}

/** The binary ops with a v128 row (arithmeticRow): + − × ÷. */
@inline function hasSimdRow(op: i32): bool {
  return op == Op.Add || op == Op.Sub || op == Op.Mul || op == Op.Div;
}

/** out = op(x, y) over the plan (operands 0 out, 1 x, 2 y). */
export function binaryForward<T>(op: i32, out: usize, x: usize, y: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last), s2 = pstride(2, last);
  for (let r = 0; r < rows; r++) {
    if (ASC_FEATURE_SIMD) {
      if (isFloat<T>() && hasSimdRow(op) && s0 == 1 && s1 == 1 && (s2 == 1 || s2 == 0)) {
        arithmeticRow<T>(op, at<T>(out, off0), at<T>(x, off1), at<T>(y, off2), s2, n);
        nextRow();
        continue;
      }
    }
    for (let j = 0; j < n; j++) {
      wr<T>(out, off0 + j * s0, elementForward(op, rd<T>(x, off1 + j * s1), rd<T>(y, off2 + j * s2)));
    }
    nextRow();
  }
}

export function binaryForwardRun(dtype: i32, op: i32, out: usize, x: usize, y: usize): void {
  if (dtype == DType.F32) binaryForward<f32>(op, out, x, y);
  else if (dtype == DType.F64) binaryForward<f64>(op, out, x, y);
  else binaryForward<i32>(op, out, x, y);
}

/** gx += ∂op/∂x·g, gy += ∂op/∂y·g over the plan; gx or gy may be 0 (not wanted). */
export function binaryBackward<T>(op: i32, out: usize, g: usize, x: usize, y: usize, gx: usize, gy: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last), s2 = pstride(2, last);
  for (let r = 0; r < rows; r++) {
    if (ASC_FEATURE_SIMD) {
      // y broadcast along the row (s2 = 0) sums the row into one element, in order: left to the loop below
      if (isFloat<T>() && (op == Op.Add || op == Op.Sub) && s0 == 1 && (gx == 0 || s1 == 1) && (gy == 0 || s2 == 1)) {
        addBackwardRow<T>(op == Op.Sub, at<T>(g, off0), gx ? at<T>(gx, off1) : 0, gy ? at<T>(gy, off2) : 0, n);
        nextRow();
        continue;
      }
    }
    for (let j = 0; j < n; j++) {
      let i0 = off0 + j * s0, i1 = off1 + j * s1, i2 = off2 + j * s2;
      elementBackward(op, rd<T>(x, i1), rd<T>(y, i2), rd<T>(out, i0), rd<T>(g, i0));
      if (gx) acc<T>(gx, i1, gradX);
      if (gy) acc<T>(gy, i2, gradY);
    }
    nextRow();
  }
}

export function binaryBackwardRun(dtype: i32, op: i32, out: usize, g: usize, x: usize, y: usize, gx: usize, gy: usize): void {
  if (dtype == DType.F32) binaryBackward<f32>(op, out, g, x, y, gx, gy);
  else binaryBackward<f64>(op, out, g, x, y, gx, gy);
}

/** out = (x kind y) ? 1 : 0 over the plan (operands 0 out, 1 x, 2 y). */
export function compareForward<T>(kind: i32, out: usize, x: usize, y: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last), s2 = pstride(2, last);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) wr<T>(out, off0 + j * s0, compare(kind, rd<T>(x, off1 + j * s1), rd<T>(y, off2 + j * s2)));
    nextRow();
  }
}

export function compareForwardRun(dtype: i32, kind: i32, out: usize, x: usize, y: usize): void {
  if (dtype == DType.F32) compareForward<f32>(kind, out, x, y);
  else if (dtype == DType.F64) compareForward<f64>(kind, out, x, y);
  else compareForward<i32>(kind, out, x, y);
}

/** out = mask ≠ 0 ? x : y (operands 0 out, 1 mask of element type M, 2 x, 3 y). */
export function whereForward<T, M>(out: usize, mask: usize, x: usize, y: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last);
  let s0 = pstride(0, last), s1 = pstride(1, last), s2 = pstride(2, last), s3 = pstride(3, last);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let m = rd<M>(mask, off1 + j * s1);
      wr<T>(out, off0 + j * s0, m != 0 ? rd<T>(x, off2 + j * s2) : rd<T>(y, off3 + j * s3));
    }
    nextRow();
  }
}

/** whereForward with out, x, y in dtype's element type and the mask in maskDtype's. */
export function whereForwardRun(dtype: i32, maskDtype: i32, out: usize, mask: usize, x: usize, y: usize): void {
  if (dtype == DType.F32) {
    if (maskDtype == DType.F32) whereForward<f32, f32>(out, mask, x, y);
    else if (maskDtype == DType.F64) whereForward<f32, f64>(out, mask, x, y);
    else whereForward<f32, i32>(out, mask, x, y);
  } else if (dtype == DType.F64) {
    if (maskDtype == DType.F32) whereForward<f64, f32>(out, mask, x, y);
    else if (maskDtype == DType.F64) whereForward<f64, f64>(out, mask, x, y);
    else whereForward<f64, i32>(out, mask, x, y);
  } else {
    if (maskDtype == DType.F32) whereForward<i32, f32>(out, mask, x, y);
    else if (maskDtype == DType.F64) whereForward<i32, f64>(out, mask, x, y);
    else whereForward<i32, i32>(out, mask, x, y);
  }
}

/** gx += mask ? g : 0, gy += mask ? 0 : g (operands 0 g, 1 mask, 2 gx, 3 gy); gx or gy may be 0. */
export function whereBackward<T, M>(g: usize, mask: usize, gx: usize, gy: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last);
  let s0 = pstride(0, last), s1 = pstride(1, last), s2 = pstride(2, last), s3 = pstride(3, last);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let gi = rd<T>(g, off0 + j * s0);
      if (rd<M>(mask, off1 + j * s1) != 0) { if (gx) acc<T>(gx, off2 + j * s2, gi); }
      else if (gy) acc<T>(gy, off3 + j * s3, gi);
    }
    nextRow();
  }
}

export function whereBackwardRun(dtype: i32, maskDtype: i32, g: usize, mask: usize, gx: usize, gy: usize): void {
  if (dtype == DType.F32) {
    if (maskDtype == DType.F32) whereBackward<f32, f32>(g, mask, gx, gy);
    else if (maskDtype == DType.F64) whereBackward<f32, f64>(g, mask, gx, gy);
    else whereBackward<f32, i32>(g, mask, gx, gy);
  } else {
    if (maskDtype == DType.F32) whereBackward<f64, f32>(g, mask, gx, gy);
    else if (maskDtype == DType.F64) whereBackward<f64, f64>(g, mask, gx, gy);
    else whereBackward<f64, i32>(g, mask, gx, gy);
  }
}

// ── copies ──

/** dst[plan 0] = src[plan 1], or += when accumulate. Element types may differ (casts). */
export function copy<D, S>(dst: usize, src: usize, accumulate: bool): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last);
  for (let r = 0; r < rows; r++) {
    if (s0 == 1 && s1 == 1 && !accumulate && sizeof<D>() == sizeof<S>() && isFloat<D>() == isFloat<S>()) {
      memory.copy(at<D>(dst, off0), at<S>(src, off1), <usize>n << alignof<D>());
    } else if (accumulate) {
      for (let j = 0; j < n; j++) acc<D>(dst, off0 + j * s0, rd<S>(src, off1 + j * s1));
    } else {
      for (let j = 0; j < n; j++) wr<D>(dst, off0 + j * s0, rd<S>(src, off1 + j * s1));
    }
    nextRow();
  }
}

/** copy from srcDtype's element type into dstDtype's (the same dtype for every copy but a cast). */
export function copyRun(dstDtype: i32, srcDtype: i32, dst: usize, src: usize, accumulate: bool): void {
  if (dstDtype == DType.F32) {
    if (srcDtype == DType.F32) copy<f32, f32>(dst, src, accumulate);
    else if (srcDtype == DType.F64) copy<f32, f64>(dst, src, accumulate);
    else copy<f32, i32>(dst, src, accumulate);
  } else if (dstDtype == DType.F64) {
    if (srcDtype == DType.F32) copy<f64, f32>(dst, src, accumulate);
    else if (srcDtype == DType.F64) copy<f64, f64>(dst, src, accumulate);
    else copy<f64, i32>(dst, src, accumulate);
  } else {
    if (srcDtype == DType.F32) copy<i32, f32>(dst, src, accumulate);
    else if (srcDtype == DType.F64) copy<i32, f64>(dst, src, accumulate);
    else copy<i32, i32>(dst, src, accumulate);
  }
}

/** p[0..n) = <T>value (f32 rounds, i32 truncates): full's and pad's fill. */
export function fill<T>(p: usize, n: i32, value: f64): void {
  for (let i = 0; i < n; i++) store<T>(p + (<usize>i << alignof<T>()), <T>value);
}

export function fillRun(dtype: i32, p: usize, n: i32, value: f64): void {
  if (dtype == DType.F32) fill<f32>(p, n, value);
  else if (dtype == DType.F64) fill<f64>(p, n, value);
  else fill<i32>(p, n, value);
}

/**
 * For each of `outer` blocks and each of the k indices: dst row (o, ip[i]) += src
 * row (o, i), rows of `inner` elements out of n (dst) or k (src) per block.
 * indexSelect's backward; repeated indices add up in index order.
 */
export function scatterAddRows<T>(dst: usize, src: usize, ip: usize, outer: i32, n: i32, k: i32, inner: i32): void {
  let rowBytes = <usize>inner << alignof<T>();
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < k; i++) {
      let j = load<i32>(ip + (<usize>i << 2));
      let aRow = (<usize>(o * n + j)) * rowBytes;
      let outRow = (<usize>(o * k + i)) * rowBytes;
      for (let e = 0; e < inner; e++) { let p = dst + aRow + (<usize>e << alignof<T>()); store<T>(p, load<T>(p) + load<T>(src + outRow + (<usize>e << alignof<T>()))); }
    }
  }
}

export function scatterAddRowsRun(dtype: i32, dst: usize, src: usize, ip: usize, outer: i32, n: i32, k: i32, inner: i32): void {
  if (dtype == DType.F32) scatterAddRows<f32>(dst, src, ip, outer, n, k, inner);
  else scatterAddRows<f64>(dst, src, ip, outer, n, k, inner);
}

/** The element at p in dtype's type (f32 or f64), as an f64. */
export function loadAsF64(dtype: i32, p: usize): f64 {
  return dtype == DType.F32 ? <f64>load<f32>(p) : load<f64>(p);
}

/** Stores v at p in dtype's type (f32 or f64), rounded once. */
export function storeFromF64(dtype: i32, p: usize, v: f64): void {
  if (dtype == DType.F32) store<f32>(p, <f32>v);
  else store<f64>(p, v);
}

// ── reductions ──
// Operand 0 walks the input (contiguous), operand 1 the output (stride 0 on
// reduced dims). Sums accumulate in an f64 buffer the size of the output.

export function reduceSum<T>(total: usize, x: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last);
  for (let r = 0; r < rows; r++) {
    if (s1 == 0 && s0 == 1) {
      acc<f64>(total, off1, sumRow<T>(at<T>(x, off0), n));
    } else if (s1 == 0) {
      let s: f64 = 0;
      for (let j = 0; j < n; j++) s += rd<T>(x, off0 + j * s0);
      acc<f64>(total, off1, s);
    } else {
      for (let j = 0; j < n; j++) acc<f64>(total, off1 + j * s1, rd<T>(x, off0 + j * s0));
    }
    nextRow();
  }
}

export function reduceSumRun(dtype: i32, total: usize, x: usize): void {
  if (dtype == DType.F32) reduceSum<f32>(total, x);
  else if (dtype == DType.F64) reduceSum<f64>(total, x);
  else reduceSum<i32>(total, x);
}

/** best[o] = max (or min) of x over the plan; best starts at -∞ (+∞); NaN wins. */
export function reduceExtreme<T>(isMax: bool, best: usize, x: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let v = rd<T>(x, off0 + j * s0);
      let p = at<f64>(best, off1 + j * s1);
      let b = load<f64>(p);
      if (v != v || (isMax ? v > b : v < b)) store<f64>(p, v);
    }
    nextRow();
  }
}

export function reduceExtremeRun(dtype: i32, isMax: bool, best: usize, x: usize): void {
  if (dtype == DType.F32) reduceExtreme<f32>(isMax, best, x);
  else if (dtype == DType.F64) reduceExtreme<f64>(isMax, best, x);
  else reduceExtreme<i32>(isMax, best, x);
}

/** dst[0..n) = the f64s at src[0..n) in dtype's type: f32 rounds, i32 wraps as the twin's Int32Array does. */
export function storeFromF64s(dtype: i32, dst: usize, src: usize, n: i32): void {
  if (dtype == DType.F32) for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(src + (<usize>i << 3)));
  else if (dtype == DType.F64) memory.copy(dst, src, <usize>n << 3);
  else for (let i = 0; i < n; i++) store<i32>(dst + (<usize>i << 2), toInt32(load<f64>(src + (<usize>i << 3))));
}

/** count[o] += [x == best[o]] over the plan. */
export function countTies<T>(count: usize, best: usize, x: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let o = off1 + j * s1;
      if (rd<T>(x, off0 + j * s0) == rd<T>(best, o)) acc<f64>(count, o, 1);
    }
    nextRow();
  }
}

export function countTiesRun(dtype: i32, count: usize, best: usize, x: usize): void {
  if (dtype == DType.F32) countTies<f32>(count, best, x);
  else countTies<f64>(count, best, x);
}

/** gx += [x == out]·g/count (operands 0 x/gx, 1 out/g/count). */
export function extremeBackward<T>(gx: usize, x: usize, out: usize, g: usize, count: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let i0 = off0 + j * s0, o = off1 + j * s1;
      if (rd<T>(x, i0) == rd<T>(out, o)) acc<T>(gx, i0, rd<T>(g, o) / load<f64>(at<f64>(count, o)));
    }
    nextRow();
  }
}

export function extremeBackwardRun(dtype: i32, gx: usize, x: usize, out: usize, g: usize, count: usize): void {
  if (dtype == DType.F32) extremeBackward<f32>(gx, x, out, g, count);
  else extremeBackward<f64>(gx, x, out, g, count);
}

// ── SIMD rows ──

@inline function arithmeticRow<T>(op: i32, out: usize, x: usize, y: usize, sy: i32, n: i32): void {
  let j = 0;
  let lanes = <i32>(16 / sizeof<T>());
  let vy = sy == 0 ? (sizeof<T>() == 4 ? f32x4.splat(load<f32>(y)) : f64x2.splat(load<f64>(y))) : v128.splat<i32>(0);
  let step = <usize>16;
  let stepY: usize = sy == 0 ? 0 : 16;
  let px = x, py = y, po = out;
  for (; j + lanes <= n; j += lanes) {
    let a = v128.load(px);
    let b = sy == 0 ? vy : v128.load(py);
    let c: v128;
    if (sizeof<T>() == 4) {
      c = op == Op.Add ? f32x4.add(a, b) : op == Op.Sub ? f32x4.sub(a, b) : op == Op.Mul ? f32x4.mul(a, b) : f32x4.div(a, b);
    } else {
      c = op == Op.Add ? f64x2.add(a, b) : op == Op.Sub ? f64x2.sub(a, b) : op == Op.Mul ? f64x2.mul(a, b) : f64x2.div(a, b);
    }
    v128.store(po, c);
    px += step; py += stepY; po += step;
  }
  for (; j < n; j++) {
    let a = <f64>load<T>(x + (<usize>j << alignof<T>()));
    let b = <f64>load<T>(y + (sy == 0 ? 0 : <usize>j << alignof<T>()));
    store<T>(out + (<usize>j << alignof<T>()), <T>elementForward(op, a, b));
  }
}

@inline function reluRow<T>(out: usize, x: usize, n: i32): void {
  let j = 0;
  let lanes = <i32>(16 / sizeof<T>());
  for (; j + lanes <= n; j += lanes) {
    let o = <usize>j << alignof<T>();
    let a = v128.load(x + o);
    // max(a, 0) that keeps NaN: pmax returns a when 0 < a is false, so NaN stays NaN; -0 becomes 0 via the compare
    let c = v128.and(a, positiveLanes<T>(a));
    let nan = sizeof<T>() == 4 ? f32x4.ne(a, a) : f64x2.ne(a, a);
    v128.store(out + o, v128.or(c, v128.and(a, nan)));
  }
  for (; j < n; j++) {
    let o = <usize>j << alignof<T>();
    store<T>(out + o, <T>elementForward(Op.Relu, <f64>load<T>(x + o), 0));
  }
}

// Lane-wise helpers over T's lanes (f32x4 or f64x2).
@inline function addLanes<T>(a: v128, b: v128): v128 { return sizeof<T>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b); }
@inline function subLanes<T>(a: v128, b: v128): v128 { return sizeof<T>() == 4 ? f32x4.sub(a, b) : f64x2.sub(a, b); }
/** All ones in the lanes where a > 0 (false for NaN and ±0), zeros elsewhere. */
@inline function positiveLanes<T>(a: v128): v128 {
  let zero = v128.splat<i32>(0);
  return sizeof<T>() == 4 ? f32x4.gt(a, zero) : f64x2.gt(a, zero);
}

// The two rows below give the bits of the loops they replace: adding two
// f32s in f64 and rounding once to f32 is the correctly rounded f32 sum, so
// f32x4.add equals acc()'s f64 add and store.

/** gx += [x > 0]·g along a contiguous row: Relu's backward rule (../ops.ts) with v128 lanes. */
@inline function reluBackwardRow<T>(g: usize, x: usize, gx: usize, n: i32): void {
  let j = 0;
  let lanes = <i32>(16 / sizeof<T>());
  for (; j + lanes <= n; j += lanes) {
    let o = <usize>j << alignof<T>();
    v128.store(gx + o, addLanes<T>(v128.load(gx + o), v128.and(v128.load(g + o), positiveLanes<T>(v128.load(x + o)))));
  }
  for (; j < n; j++) {
    elementBackward(Op.Relu, <f64>load<T>(x + (<usize>j << alignof<T>())), 0, 0, <f64>load<T>(g + (<usize>j << alignof<T>())));
    acc<T>(gx, j, gradX);
  }
}

/**
 * gx += g and gy += ±g along a contiguous row (either may be 0, not wanted):
 * Add's and Sub's backward rules (../ops.ts) with v128 lanes. gx and gy may
 * be the same buffer (x + x): each lane group adds to gx, then to gy, as the
 * element loop does.
 */
@inline function addBackwardRow<T>(sub: bool, g: usize, gx: usize, gy: usize, n: i32): void {
  let j = 0;
  let lanes = <i32>(16 / sizeof<T>());
  for (; j + lanes <= n; j += lanes) {
    let o = <usize>j << alignof<T>();
    let v = v128.load(g + o);
    if (gx) v128.store(gx + o, addLanes<T>(v128.load(gx + o), v));
    if (gy) v128.store(gy + o, sub ? subLanes<T>(v128.load(gy + o), v) : addLanes<T>(v128.load(gy + o), v));
  }
  for (; j < n; j++) {
    elementBackward(sub ? Op.Sub : Op.Add, 0, 0, 0, <f64>load<T>(g + (<usize>j << alignof<T>())));
    if (gx) acc<T>(gx, j, gradX);
    if (gy) acc<T>(gy, j, gradY);
  }
}

/**
 * Σ x[0..n) in f64 with four partial sums, lane k taking elements ≡ k (mod 4),
 * combined as (s0 + s1) + (s2 + s3), then the tail in order. The SIMD build
 * keeps the partial sums in two f64x2 registers; the baseline build runs the
 * same additions one by one, so both give the same bits.
 */
@inline function sumRow<T>(x: usize, n: i32): f64 {
  let j = 0;
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  if (ASC_FEATURE_SIMD && isFloat<T>()) {
    let a = f64x2.splat(0), b = f64x2.splat(0);
    if (sizeof<T>() == 4) {
      for (; j + 4 <= n; j += 4) {
        let v = v128.load(x + (<usize>j << 2));
        a = f64x2.add(a, f64x2.promote_low_f32x4(v));
        b = f64x2.add(b, f64x2.promote_low_f32x4(v128.shuffle<i64>(v, v, 1, 0)));
      }
    } else {
      for (; j + 4 <= n; j += 4) {
        a = f64x2.add(a, v128.load(x + (<usize>j << 3)));
        b = f64x2.add(b, v128.load(x + (<usize>j << 3), 16));
      }
    }
    s0 = f64x2.extract_lane(a, 0); s1 = f64x2.extract_lane(a, 1);
    s2 = f64x2.extract_lane(b, 0); s3 = f64x2.extract_lane(b, 1);
  } else {
    for (; j + 4 <= n; j += 4) {
      s0 += <f64>load<T>(x + (<usize>j << alignof<T>()));
      s1 += <f64>load<T>(x + (<usize>(j + 1) << alignof<T>()));
      s2 += <f64>load<T>(x + (<usize>(j + 2) << alignof<T>()));
      s3 += <f64>load<T>(x + (<usize>(j + 3) << alignof<T>()));
    }
  }
  let s = (s0 + s1) + (s2 + s3);
  for (; j < n; j++) s += <f64>load<T>(x + (<usize>j << alignof<T>()));
  return s;
}
