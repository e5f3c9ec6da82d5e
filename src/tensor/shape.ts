// Shape rules of every tensor op, and the checks behind them. Each function
// either returns the output shape (or normalized arguments) or throws an
// error naming the op and the offending shapes, so backends never see a bad
// shape.

import { describe } from '../check.js';
import { memoryError } from '../tape.js';
import type { DType } from './backend.js';
import { WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError, WasmgradValueError } from '../errors.js';

export type Shape = readonly number[];

export const MAX_RANK = 8;

/** A shape for a message; also safe on what was passed as one (symbols, objects, cycles). */
export function fmt(shape: Shape): string {
  return `[${Array.from(shape, (d) => (typeof d === 'number' ? String(d) : typeof d === 'object' && d !== null ? '…' : String(d))).join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape)) throw new WasmgradArgumentError(`${op}: a shape must be an array of non-negative integers, got ${String(shape)}`);
  if (shape.length > MAX_RANK) throw new WasmgradShapeError(`${op}: rank ${shape.length} is more than the ${MAX_RANK} dims tensors can have`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new WasmgradShapeError(`${op}: a shape must be an array of non-negative integers, got ${fmt(shape)}`);
  }
  return checkSize(op, shape.slice());
}

/** The most elements one tensor may have: 2^28 (1 GiB of float32, 2 GiB of float64), so every byte offset fits in 32 bits. */
export const MAX_SIZE = 2 ** 28;

/** Returns `shape` if a tensor of that shape may exist; a RangeError naming the op otherwise. */
export function checkSize(op: string, shape: number[], what = 'a tensor of shape'): number[] {
  const n = sizeOf(shape);
  if (n > MAX_SIZE) throw tooLarge(op, `${what} ${fmt(shape)}`, n);
  // A size-0 tensor may have a huge dim, which the core's 32-bit dims could not hold.
  for (const d of shape) {
    if (d > MAX_SIZE) throw new WasmgradShapeError(`${op}: ${what} ${fmt(shape)} has a dim of ${d}, more than the ${MAX_SIZE} (2^28) elements a tensor can hold`);
  }
  return shape;
}

/** Checks a count of elements before anything of that size is built (arange, a typed array's length). */
export function checkCount(op: string, n: number, what: string): number {
  if (n > MAX_SIZE) throw tooLarge(op, what, n);
  return n;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

/**
 * A typed array of n `dtype` elements the JS heap could not hold, as
 * memoryError's WasmgradMemoryError naming `op` and the request; any other
 * error passes as it is. Outside a backend call there is no engine to ask for
 * its memory figure (0 here): the engine's tensor ops and factories say the
 * error again with the op the user called and the engine's figure.
 */
export function outOfMemory(err: unknown, op: string, dtype: DType, n: number): unknown {
  return memoryError(err, op, 0, `the JS heap could not allocate ${n * BYTES[dtype]} bytes (${n} ${dtype} elements)`) ?? err;
}

function tooLarge(op: string, what: string, n: number): RangeError {
  return new RangeError(`${op}: ${what} would have ${n} elements, more than the ${MAX_SIZE} (2^28) a tensor can hold`);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy broadcasting: dims align from the right; each pair must be equal or contain a 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const e = k >= 0 ? s[k] : 1;
      if (e === 1) continue;
      if (d !== 1 && e !== d) throw new WasmgradShapeError(`${op}: shapes ${shapes.map(fmt).join(' and ')} cannot be broadcast`);
      d = e;
    }
    out.push(d);
  }
  return checkSize(op, out);
}

export function checkSameDtype(op: string, a: DType, b: DType): void {
  // suggest the dtype that loses nothing: float64 over float32 over int32
  const to = a === 'float64' || b === 'float64' ? 'float64' : 'float32';
  if (a !== b) throw new WasmgradDTypeError(`${op}: dtypes ${a} and ${b} differ; convert one with .to('${to}')`);
}

export function checkFloat(op: string, dtype: DType): void {
  if (dtype === 'int32') throw new WasmgradDTypeError(`${op}: needs a float tensor, got int32; convert it with .to('float32')`);
}

/** A dim index in [-rank, rank) as a non-negative one. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis)) throw new WasmgradArgumentError(`${op}: an axis must be an integer, got ${String(axis)}`);
  if (axis < -rank || axis >= rank) {
    throw new WasmgradShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Axes to reduce over: all of them when undefined; sorted, distinct, non-negative. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(list)) {
    // t.sum({ dim: 1 }) is PyTorch's keyword written as an object: the axes come first, the options after.
    const hint = typeof list === 'object' && list !== null ? `; the axes come first and the options after, as in ${op}(1, { keepdims: true })` : '';
    throw new WasmgradArgumentError(`${op}: axes must be a number or an array of numbers, got ${describe(list)}${hint}`);
  }
  const out = list.map((a) => normalizeAxis(op, a, rank)).sort((p, q) => p - q);
  for (let i = 1; i < out.length; i++) if (out[i] === out[i - 1]) throw new WasmgradValueError(`${op}: axis ${out[i]} is repeated`);
  return out;
}

export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** [...batchA, M, K] @ [...batchB, K, N] → [...broadcast batch, M, N]; both rank ≥ 2 here (the front reshapes 1-d operands). */
export function matmulShape(a: Shape, b: Shape, shownA: Shape = a, shownB: Shape = b): number[] {
  const K = a[a.length - 1];
  if (b[b.length - 2] !== K) throw new WasmgradShapeError(`matmul: shapes ${fmt(shownA)} and ${fmt(shownB)} are not aligned`);
  const ba = a.slice(0, -2), bb = b.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = ba[ba.length - rank + i] ?? 1, db = bb[bb.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new WasmgradShapeError(`matmul: batch dims of ${fmt(shownA)} and ${fmt(shownB)} cannot be broadcast`);
    out.push(da === 1 ? db : da);
  }
  out.push(a[a.length - 2], b[b.length - 1]);
  return checkSize('matmul', out, 'the product, of shape');
}

/** A new shape of the same size; at most one -1, inferred. */
export function reshapeShape(op: string, from: Shape, to: readonly number[]): number[] {
  if (!Array.isArray(to)) throw new WasmgradArgumentError(`${op}: expected a shape array`);
  const size = sizeOf(from);
  let infer = -1;
  let known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new WasmgradValueError(`${op}: only one dim can be -1, got ${fmt(to)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new WasmgradValueError(`${op}: dims must be non-negative integers or -1, got ${fmt(to)}`);
    } else known *= d;
  });
  const out = to.slice();
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) throw new WasmgradShapeError(`${op}: cannot reshape ${fmt(from)} (size ${size}) into ${fmt(to)}`);
    out[infer] = size / known;
  }
  if (sizeOf(out) !== size) throw new WasmgradShapeError(`${op}: cannot reshape ${fmt(from)} (size ${size}) into ${fmt(to)}`);
  return checkShape(out, op);
}

export function checkPermutation(op: string, perm: readonly number[], rank: number): number[] {
  if (!Array.isArray(perm) || perm.length !== rank) {
    throw new WasmgradShapeError(`${op}: expected a permutation of ${rank} dims, got ${Array.isArray(perm) ? fmt(perm) : String(perm)}`);
  }
  const out = perm.map((p) => normalizeAxis(op, p, rank));
  if (new Set(out).size !== rank) throw new WasmgradShapeError(`${op}: ${fmt(perm)} is not a permutation of ${rank} dims`);
  return out;
}

/** The shape `to` that `from` broadcasts to (from's rank ≤ to's, each dim equal or 1). */
export function checkExpand(op: string, from: Shape, to: Shape): number[] {
  const shape = checkShape(to, op);
  const off = shape.length - from.length;
  const ok = off >= 0 && from.every((d, i) => d === shape[i + off] || d === 1);
  if (!ok) throw new WasmgradShapeError(`${op}: shape ${fmt(from)} cannot be broadcast to ${fmt(to)}`);
  return shape;
}

/** Python-style slice bounds per dim (negative counts from the end, clipped); missing dims are taken whole. */
export function sliceBounds(op: string, shape: Shape, starts: readonly (number | undefined)[], ends: readonly (number | undefined)[]): { starts: number[]; ends: number[] } {
  for (const [name, b] of [['starts', starts], ['ends', ends]] as const) {
    if (!Array.isArray(b)) {
      throw new WasmgradArgumentError(`${op}: ${name} must be an array with one bound per dim (e.g. slice([1], [3]) for rows 1..2), got ${describe(b)}`);
    }
  }
  if (starts.length > shape.length || ends.length > shape.length) {
    throw new WasmgradShapeError(`${op}: got bounds for ${Math.max(starts.length, ends.length)} dims, the tensor has ${shape.length}`);
  }
  const s: number[] = [], e: number[] = [];
  shape.forEach((n, d) => {
    const clip = (x: number | undefined, dflt: number) => {
      if (x === undefined) return dflt;
      if (!Number.isInteger(x)) throw new WasmgradArgumentError(`${op}: bounds must be integers, got ${String(x)}`);
      return Math.min(n, Math.max(0, x < 0 ? x + n : x));
    };
    const lo = clip(starts[d], 0);
    const hi = Math.max(lo, clip(ends[d], n));
    s.push(lo);
    e.push(hi);
  });
  return { starts: s, ends: e };
}

export function concatShape(op: string, shapes: Shape[], axis: number): number[] {
  const first = shapes[0];
  for (const s of shapes) {
    if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) {
      throw new WasmgradShapeError(`${op}: shapes ${shapes.map(fmt).join(', ')} differ outside axis ${axis}`);
    }
  }
  const out = first.slice();
  out[axis] = shapes.reduce((t, s) => t + s[axis], 0);
  return checkSize(op, out);
}

function checkPositive(op: string, name: string, x: number): void {
  if (!Number.isInteger(x) || x < 1) throw new WasmgradValueError(`${op}: ${name} must be a positive integer, got ${String(x)}`);
}
function checkNonNegative(op: string, name: string, x: number): void {
  if (!Number.isInteger(x) || x < 0) throw new WasmgradValueError(`${op}: ${name} must be a non-negative integer, got ${String(x)}`);
}

/** (H + 2p − k) / s + 1, floored, per spatial dim; must be at least 1. */
export function windowOutput(op: string, size: number, kernel: number, stride: number, pad: number, dim: string): number {
  checkPositive(op, `${dim} stride`, stride);
  checkNonNegative(op, `${dim} padding`, pad);
  const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
  if (out < 1) throw new WasmgradValueError(`${op}: the ${dim} kernel ${kernel} does not fit the padded input (${size} + 2·${pad})`);
  return out;
}

export function conv2dShape(x: Shape, w: Shape, stride: [number, number], pad: [number, number]): number[] {
  if (x.length !== 4) throw new WasmgradValueError(`conv2d: input must be [N, C, H, W], got ${fmt(x)}`);
  if (w.length !== 4) throw new WasmgradValueError(`conv2d: weight must be [O, C, KH, KW], got ${fmt(w)}`);
  if (x[1] !== w[1]) throw new WasmgradValueError(`conv2d: input ${fmt(x)} has ${x[1]} channels, weight ${fmt(w)} expects ${w[1]}`);
  const ho = windowOutput('conv2d', x[2], w[2], stride[0], pad[0], 'height');
  const wo = windowOutput('conv2d', x[3], w[3], stride[1], pad[1], 'width');
  // im2col holds one image's receptive fields: [C·KH·KW, HO·WO]
  checkSize('conv2d', [x[1] * w[2] * w[3], ho * wo], 'the unfolded input (im2col), of shape');
  return checkSize('conv2d', [x[0], w[0], ho, wo], 'the output, of shape');
}

export function pool2dShape(op: string, x: Shape, kernel: [number, number], stride: [number, number], pad: [number, number]): number[] {
  if (x.length !== 4) throw new WasmgradValueError(`${op}: input must be [N, C, H, W], got ${fmt(x)}`);
  checkPositive(op, 'kernel size', kernel[0]);
  checkPositive(op, 'kernel size', kernel[1]);
  if (2 * pad[0] > kernel[0] || 2 * pad[1] > kernel[1]) {
    throw new WasmgradValueError(`${op}: padding ${fmt(pad)} must be at most half the kernel ${fmt(kernel)}`);
  }
  const ho = windowOutput(op, x[2], kernel[0], stride[0], pad[0], 'height');
  const wo = windowOutput(op, x[3], kernel[1], stride[1], pad[1], 'width');
  return checkSize(op, [x[0], x[1], ho, wo], 'the output, of shape');
}

/** A number or a pair as a pair. */
export function pair(op: string, name: string, x: number | readonly [number, number]): [number, number] {
  if (typeof x === 'number') return [x, x];
  if (Array.isArray(x) && x.length === 2) return [x[0], x[1]];
  throw new WasmgradArgumentError(`${op}: ${name} must be a number or a pair of numbers`);
}
