// The iteration plan that every strided loop of kernels.ts walks: an output
// shape and, per operand, a stride per output dim (0 where the operand is
// broadcast, or where a reduction collapses a dim). Adjacent dims that every
// operand walks contiguously are merged first, so [64,128] + [128] runs as 64
// rows of one 128-element inner loop, and a same-shape op as one flat loop.
// The op families build plans (planBegin … planCoalesce); the kernels walk
// them a row at a time (rowsOfPlan, nextRow, the offsets off0…off3).

import { MAX_RANK } from "./tape";

// ── the iteration plan ──

export let planRank: i32 = 0;
export const planShape = memory.data(4 * MAX_RANK);
// strides of up to four operands, MAX_RANK i32s each
export const planStrides = memory.data(4 * MAX_RANK * 4);
const counters = memory.data(4 * MAX_RANK);

@inline export function pshape(d: i32): i32 { return load<i32>(planShape + (<usize>d << 2)); }
@inline export function pstride(k: i32, d: i32): i32 { return load<i32>(planStrides + (<usize>(k * MAX_RANK + d) << 2)); }
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
export let off0: i32 = 0, off1: i32 = 0, off2: i32 = 0, off3: i32 = 0;

@inline export function rowsOfPlan(): i32 {
  let rows = 1;
  for (let d = 0; d < planRank - 1; d++) rows *= pshape(d);
  memory.fill(counters, 0, <usize>MAX_RANK << 2);
  off0 = 0; off1 = 0; off2 = 0; off3 = 0;
  return rows;
}

/** Moves the four offsets to the next row (all dims but the last). */
@inline export function nextRow(): void {
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

@inline export function at<T>(base: usize, i: i32): usize { return base + (<usize>i << alignof<T>()); }
@inline export function rd<T>(base: usize, i: i32): f64 { return <f64>load<T>(at<T>(base, i)); }
/** JS's ToInt32, which the twin's Int32Array stores apply: NaN and ±∞ give 0, the rest wraps modulo 2^32. */
@inline export function toInt32(v: f64): i32 {
  if (!isFinite(v)) return 0;
  return <i32><i64>(Math.trunc(v) % 4294967296.0); // the remainder is exact and below 2^32 in magnitude
}
@inline export function wr<T>(base: usize, i: i32, v: f64): void {
  if (isInteger<T>()) store<T>(at<T>(base, i), <T>toInt32(v));
  else store<T>(at<T>(base, i), <T>v);
}
@inline export function acc<T>(base: usize, i: i32, v: f64): void { let p = at<T>(base, i); store<T>(p, <T>(<f64>load<T>(p) + v)); }
