// Loops of the JS twin's tensor ops over typed arrays (assembly/tensor/kernels.ts). Each function reads
// and writes flat row-major arrays at offsets given by strides; none
// allocates per element or calls a closure per element. Reading an f32 array
// yields an f64 and storing rounds, so "compute in f64, round once on store"
// is what a plain loop does.

import { outOfMemory } from '../../tensor/shape.js';
import type { TypedData } from '../../tensor/backend.js';
import { forward1, forward2, backward1, backward2 } from '../ops.js';
import { tensorForward, tensorBackward } from './ops.js';
import { OP_COUNT, ReduceKind } from '../../generated/ops.js';

/** Ids below this are the scalar table's (../ops.ts); the rest are tensor-only (./ops.ts). */
const FIRST_TENSOR_OP = OP_COUNT;

// The rule tables take their own id types (so that each switch is checked for
// a missing case); the kernels hold an id of any and pick the table.
type ElementForward = (op: number, x: number, y: number) => number;
type ElementBackward = (op: number, x: number, y: number, out: number, g: number, grads: Float64Array, a: number, b: number) => void;
const scalarForward1 = forward1 as (op: number, x: number) => number;
const scalarBackward1 = backward1 as (op: number, x: number, out: number, g: number) => number;
const scalarForward = forward2 as ElementForward, scalarBackward = backward2 as ElementBackward;
const onlyForward = tensorForward as ElementForward, onlyBackward = tensorBackward as ElementBackward;
const SUM = ReduceKind.Sum, MAX = ReduceKind.Max;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: readonly number[]): Int32Array {
  const s = new Int32Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Strides of `inShape` seen through `outShape` (right-aligned; stretched and missing dims step 0). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const r = outShape.length;
  const off = r - inShape.length;
  const own = contiguousStrides(inShape);
  const s = new Int32Array(r);
  for (let d = off; d < r; d++) s[d] = inShape[d - off] === 1 && outShape[d] !== 1 ? 0 : own[d - off];
  return s;
}

/**
 * NumPy broadcasting of shapes the front end has checked broadcast (the
 * output shape of Binary, Compare and Where nodes); equal shapes, the common
 * case, cost one comparison per dim.
 */
export function broadcastShape(a: readonly number[], b: readonly number[], c: readonly number[] = a): number[] {
  if (sameShape(a, b) && sameShape(a, c)) return a as number[];
  const r = Math.max(a.length, b.length, c.length);
  const out: number[] = [];
  for (let d = 0; d < r; d++) {
    const x = a[d - r + a.length] ?? 1, y = b[d - r + b.length] ?? 1, z = c[d - r + c.length] ?? 1;
    out.push(x !== 1 ? x : y !== 1 ? y : z);
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * For each element of `shape` in row-major order, its offset through
 * `strides`. Used by ops whose inner loops are not hot enough to deserve a
 * walker of their own (where, compare, expand, permute, slice).
 */
export function offsets(shape: readonly number[], strides: Int32Array, base = 0): Int32Array {
  const total = sizeOf(shape);
  let out: Int32Array;
  try {
    out = new Int32Array(total);
  } catch (err) {
    throw outOfMemory(err, 'JS twin', 'int32', total);
  }
  const r = shape.length;
  if (total === 0) return out;
  if (r === 0) {
    out[0] = base;
    return out;
  }
  const n = shape[r - 1];
  const sl = strides[r - 1];
  const idx = new Int32Array(r);
  let off = base;
  for (let o = 0; o < total; ) {
    let p = off;
    for (let j = 0; j < n; j++, o++, p += sl) out[o] = p;
    for (let d = r - 2; d >= 0; d--) {
      off += strides[d];
      if (++idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

// ── elementwise ──

export function unaryForward(op: number, x: TypedData, out: TypedData): void {
  const n = out.length;
  if (op < FIRST_TENSOR_OP) for (let i = 0; i < n; i++) out[i] = scalarForward1(op, x[i]);
  else for (let i = 0; i < n; i++) out[i] = onlyForward(op, x[i], 0);
}

const scratch = new Float64Array(2);

export function unaryBackward(op: number, x: TypedData, out: TypedData, g: TypedData, gx: TypedData): void {
  const t = scratch;
  const n = out.length;
  if (op < FIRST_TENSOR_OP) {
    for (let i = 0; i < n; i++) gx[i] += scalarBackward1(op, x[i], out[i], g[i]);
  } else {
    for (let i = 0; i < n; i++) {
      t[0] = 0;
      onlyBackward(op, x[i], 0, out[i], g[i], t, 0, -1);
      gx[i] += t[0];
    }
  }
}

/**
 * out = op(x, y) broadcast to `shape`; sx, sy are broadcastStrides. Same
 * shapes and scalar operands take flat loops; everything else walks the
 * output row by row, the last dim innermost.
 */
export function binaryForward(
  op: number, x: TypedData, sx: Int32Array, y: TypedData, sy: Int32Array, out: TypedData, shape: readonly number[],
): void {
  const total = out.length;
  // two targets at one call site: V8 inlines both behind a cheap check
  const f = op < FIRST_TENSOR_OP ? scalarForward : onlyForward;
  if (x.length === total && y.length === total) {
    for (let i = 0; i < total; i++) out[i] = f(op, x[i], y[i]);
    return;
  }
  if (y.length === 1 && x.length === total) {
    const yv = y[0];
    for (let i = 0; i < total; i++) out[i] = f(op, x[i], yv);
    return;
  }
  if (x.length === 1 && y.length === total) {
    const xv = x[0];
    for (let i = 0; i < total; i++) out[i] = f(op, xv, y[i]);
    return;
  }
  const r = shape.length;
  const n = shape[r - 1];
  const ix = sx[r - 1], iy = sy[r - 1];
  const idx = new Int32Array(r);
  let offX = 0, offY = 0;
  for (let o = 0; o < total; ) {
    let px = offX, py = offY;
    for (let j = 0; j < n; j++, o++, px += ix, py += iy) out[o] = f(op, x[px], y[py]);
    for (let d = r - 2; d >= 0; d--) {
      offX += sx[d];
      offY += sy[d];
      if (++idx[d] < shape[d]) break;
      offX -= sx[d] * shape[d];
      offY -= sy[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Gradients of a broadcast binary op, summed in f64 into `acc`: x's at
 * [0, x.length), y's at [x.length, x.length + y.length). The caller adds
 * `acc` into the gradients, rounding once.
 */
export function binaryBackward(
  op: number, x: TypedData, sx: Int32Array, y: TypedData, sy: Int32Array,
  out: TypedData, g: TypedData, acc: Float64Array, shape: readonly number[],
): void {
  const total = out.length;
  const yBase = x.length;
  const f = op < FIRST_TENSOR_OP ? scalarBackward : onlyBackward;
  if (x.length === total && y.length === total) {
    for (let i = 0; i < total; i++) f(op, x[i], y[i], out[i], g[i], acc, i, yBase + i);
    return;
  }
  const r = shape.length;
  const n = shape[r - 1];
  const ix = sx[r - 1], iy = sy[r - 1];
  const idx = new Int32Array(r);
  let offX = 0, offY = 0;
  for (let o = 0; o < total; ) {
    let px = offX, py = offY;
    for (let j = 0; j < n; j++, o++, px += ix, py += iy) f(op, x[px], y[py], out[o], g[o], acc, px, yBase + py);
    for (let d = r - 2; d >= 0; d--) {
      offX += sx[d];
      offY += sy[d];
      if (++idx[d] < shape[d]) break;
      offX -= sx[d] * shape[d];
      offY -= sy[d] * shape[d];
      idx[d] = 0;
    }
  }
}

// ── reductions ──

/**
 * Walks `x` (shape `shape`) with `so`, the strides of the output over the
 * input's dims (0 on reduced dims), and folds each element into acc[o].
 * kind: 0 sum, 1 max, 2 min. NaN wins max and min, as in PyTorch.
 */
export function reduceForward(kind: number, x: TypedData, shape: readonly number[], so: Int32Array, acc: Float64Array): void {
  const total = x.length;
  if (total === 0) return;
  const r = shape.length;
  if (r === 0) {
    acc[0] = kind === SUM ? acc[0] + x[0] : x[0];
    return;
  }
  const n = shape[r - 1];
  const io = so[r - 1];
  const idx = new Int32Array(r);
  let off = 0;
  for (let i = 0; i < total; ) {
    let po = off;
    if (kind === SUM) {
      for (let j = 0; j < n; j++, i++, po += io) acc[po] += x[i];
    } else if (kind === MAX) {
      for (let j = 0; j < n; j++, i++, po += io) {
        const v = x[i];
        if (v > acc[po] || v !== v) acc[po] = v;
      }
    } else {
      for (let j = 0; j < n; j++, i++, po += io) {
        const v = x[i];
        if (v < acc[po] || v !== v) acc[po] = v;
      }
    }
    for (let d = r - 2; d >= 0; d--) {
      off += so[d];
      if (++idx[d] < shape[d]) break;
      off -= so[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** gx[i] += g[output offset of i], walking as reduceForward does. */
export function reduceSumBackward(g: TypedData, shape: readonly number[], so: Int32Array, gx: TypedData): void {
  const total = gx.length;
  if (total === 0) return;
  const r = shape.length;
  if (r === 0) {
    gx[0] += g[0];
    return;
  }
  const n = shape[r - 1];
  const io = so[r - 1];
  const idx = new Int32Array(r);
  let off = 0;
  for (let i = 0; i < total; ) {
    let po = off;
    for (let j = 0; j < n; j++, i++, po += io) gx[i] += g[po];
    for (let d = r - 2; d >= 0; d--) {
      off += so[d];
      if (++idx[d] < shape[d]) break;
      off -= so[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** The output offset of every input element (as reduceForward walks them). */
export function reduceIndex(shape: readonly number[], so: Int32Array): Int32Array {
  return offsets(shape, so);
}
