// Strided loops over tensors: elementwise ops with broadcasting, reductions,
// and the copies behind permute/expand/slice/pad. Generic over the element
// type T (f32 or f64); values are computed in f64 and rounded once on store.
//
// Every loop walks an iteration plan: an output shape and, per operand, a
// stride per output dim (0 where the operand is broadcast, or where a
// reduction collapses a dim). Adjacent dims that every operand walks
// contiguously are merged first, so [64,128] + [128] runs as 64 rows of one
// 128-element inner loop, and a same-shape op as one flat loop.

import { gradX, gradY } from "../ops";
import { Op } from "../ops";
import { elementForward, elementBackward, compare } from "./ops";
import { MAX_RANK } from "./tape";

// ── the iteration plan ──

export let planRank: i32 = 0;
export const planShape = memory.data(4 * MAX_RANK);
// strides of up to four operands, MAX_RANK i32s each
export const planStrides = memory.data(4 * MAX_RANK * 4);
const counters = memory.data(4 * MAX_RANK);

@inline function pshape(d: i32): i32 { return load<i32>(planShape + (<usize>d << 2)); }
@inline function pstride(k: i32, d: i32): i32 { return load<i32>(planStrides + (<usize>(k * MAX_RANK + d) << 2)); }
@inline export function setPlanStride(k: i32, d: i32, s: i32): void { store<i32>(planStrides + (<usize>(k * MAX_RANK + d) << 2), s); }

/** Starts a plan over `shape` (rank i32s at the address). */
export function planBegin(rank: i32, shape: usize): void {
  planRank = rank;
  for (let d = 0; d < rank; d++) store<i32>(planShape + (<usize>d << 2), load<i32>(shape + (<usize>d << 2)));
}

/** Sets operand k's strides to a contiguous tensor of `rank` dims at `shape`, aligned to the plan's last dims; size-1 dims broadcast (stride 0). */
export function planBroadcast(k: i32, rank: i32, shape: usize): void {
  let stride = 1;
  let off = planRank - rank;
  for (let d = planRank - 1; d >= 0; d--) {
    let i = d - off;
    if (i < 0) { setPlanStride(k, d, 0); continue; }
    let n = load<i32>(shape + (<usize>i << 2));
    setPlanStride(k, d, n == 1 ? 0 : stride);
    stride *= n;
  }
}

/** Sets operand k's strides to the plan's own contiguous layout. */
export function planContiguous(k: i32): void {
  let stride = 1;
  for (let d = planRank - 1; d >= 0; d--) {
    setPlanStride(k, d, stride);
    stride *= pshape(d);
  }
}

/** Drops size-1 dims and merges dims that all `operands` walk contiguously. Keeps rank ≥ 1. */
export function planCoalesce(operands: i32): void {
  let r = 0;
  for (let d = 0; d < planRank; d++) {
    let n = pshape(d);
    if (n == 1) continue;
    if (r > 0) {
      let mergeable = true;
      for (let k = 0; k < operands; k++) {
        if (pstride(k, r - 1) != pstride(k, d) * n) { mergeable = false; break; }
      }
      if (mergeable) {
        store<i32>(planShape + (<usize>(r - 1) << 2), pshape(r - 1) * n);
        for (let k = 0; k < operands; k++) setPlanStride(k, r - 1, pstride(k, d));
        continue;
      }
    }
    store<i32>(planShape + (<usize>r << 2), n);
    for (let k = 0; k < operands; k++) setPlanStride(k, r, pstride(k, d));
    r++;
  }
  if (r == 0) {
    store<i32>(planShape, 1);
    for (let k = 0; k < operands; k++) setPlanStride(k, 0, 0);
    r = 1;
  }
  planRank = r;
}

// Outer-loop bookkeeping: offsets of up to four operands, advanced one row at a time.
let off0: i32 = 0, off1: i32 = 0, off2: i32 = 0, off3: i32 = 0;

@inline function rowsOfPlan(): i32 {
  let rows = 1;
  for (let d = 0; d < planRank - 1; d++) rows *= pshape(d);
  memory.fill(counters, 0, <usize>MAX_RANK << 2);
  off0 = 0; off1 = 0; off2 = 0; off3 = 0;
  return rows;
}

/** Moves the four offsets to the next row (all dims but the last). */
@inline function nextRow(): void {
  for (let d = planRank - 2; d >= 0; d--) {
    let p = counters + (<usize>d << 2);
    let k = load<i32>(p) + 1;
    if (k < pshape(d)) {
      store<i32>(p, k);
      off0 += pstride(0, d); off1 += pstride(1, d); off2 += pstride(2, d); off3 += pstride(3, d);
      return;
    }
    store<i32>(p, 0);
    let back = pshape(d) - 1;
    off0 -= pstride(0, d) * back; off1 -= pstride(1, d) * back; off2 -= pstride(2, d) * back; off3 -= pstride(3, d) * back;
  }
}

@inline function at<T>(base: usize, i: i32): usize { return base + (<usize>i << alignof<T>()); }
@inline function rd<T>(base: usize, i: i32): f64 { return <f64>load<T>(at<T>(base, i)); }
/** JS's ToInt32, which the twin's Int32Array stores apply: NaN and ±∞ give 0, the rest wraps modulo 2^32. */
@inline export function toInt32(v: f64): i32 {
  if (!isFinite(v)) return 0;
  return <i32><i64>(Math.trunc(v) % 4294967296.0); // the remainder is exact and below 2^32 in magnitude
}
@inline function wr<T>(base: usize, i: i32, v: f64): void {
  if (isInteger<T>()) store<T>(at<T>(base, i), <T>toInt32(v));
  else store<T>(at<T>(base, i), <T>v);
}
@inline function acc<T>(base: usize, i: i32, v: f64): void { let p = at<T>(base, i); store<T>(p, <T>(<f64>load<T>(p) + v)); }

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

/** out = op(x, y) over the plan (operands 0 out, 1 x, 2 y). */
export function binaryForward<T>(op: i32, out: usize, x: usize, y: usize): void {
  let rows = rowsOfPlan();
  let last = planRank - 1;
  let n = pshape(last), s0 = pstride(0, last), s1 = pstride(1, last), s2 = pstride(2, last);
  for (let r = 0; r < rows; r++) {
    if (ASC_FEATURE_SIMD) {
      if (isFloat<T>() && op <= Op.Div && s0 == 1 && s1 == 1 && (s2 == 1 || s2 == 0)) {
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
