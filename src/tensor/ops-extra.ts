// Indexing, sorting, scans and masks, with PyTorch's semantics. The
// primitives (argmax/argmin, argsort, gather, scatterAdd, cumsum, cumprod) are
// one backend node each (assembly/tensor/graph/indexing.ts and scan.ts);
// sort and topk are argsort, a slice and a gather, so their values' gradient
// is gather's (scattered back to the picked positions); the rest is composed
// from where, compare, slice and constants. T methods and engine
// functions call these. They take the tensor type as a parameter (Handle<T>),
// as generated/methods.ts does, so that tensor.ts can import this module
// without a cycle.

import { checkFlag, checkOptions, describe } from '../check.js';
import type { TensorHandle } from '../context.js';
import { Random } from '../random.js';
import type { DType, TypedData } from './backend.js';
import * as S from './shape.js';
import { allocTyped } from './data.js';
import { WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError, WasmgradValueError } from '../errors.js';

/** What these functions use of a tensor: T (tensor.ts) is one. */
export interface Handle<T> extends TensorHandle {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly rank: number;
  readonly size: number;
  data(): TypedData;
  reshape(shape: readonly number[]): T;
  slice(starts: readonly (number | undefined)[], ends?: readonly (number | undefined)[]): T;
  transpose(d0?: number, d1?: number): T;
  unsqueeze(axis: number): T;
  eq(other: T): T;
  /** @internal A handle of node `id` on the same engine. */
  derive(id: number, shape: readonly number[], dtype: DType): T;
  /** @internal where(mask, a, b) under another op's name. */
  whereAs(op: string, mask: T, a: T | number, b: T | number): T;
}

export interface ArgOptions {
  /** Keep the reduced dim as size 1 (default false). */
  keepdims?: boolean;
}

export interface SortOptions {
  /** Largest first (default false). Equal values keep their order either way: the sort is stable. */
  descending?: boolean;
}

export interface TopkOptions {
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch's signature; the k values always come sorted (largest: descending). */
  sorted?: boolean;
}

/** Values and their int32 indices along the axis, as torch.sort and torch.topk return them. */
export interface ValuesIndices<T> {
  values: T;
  indices: T;
}

function checkTensor<T extends Handle<T>>(x: unknown, op: string, what = 'a Tensor'): T {
  if (typeof x !== 'object' || x === null || typeof (x as Partial<Handle<T>>).derive !== 'function') throw new WasmgradArgumentError(`${op}: expected ${what}, got ${describe(x)}`);
  return x as T;
}

function checkDtype(dtype: unknown, op: string): DType {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new WasmgradDTypeError(`${op}: dtype must be 'float32', 'float64' or 'int32', got ${describe(dtype)}`);
  }
  return dtype;
}

/** Runs a single-input kind on x seen with rank ≥ 1 (a 0-d x as [1], as PyTorch lets dim 0 or -1 name a scalar's only element). */
function lifted<T extends Handle<T>>(x: T, op: string, axis: number, f: (x1: T, axis: number) => T): T {
  if (x.rank > 0) return f(x, S.normalizeAxis(op, axis, x.rank));
  S.normalizeAxis(op, axis, 1);
  return f(x.reshape([1]), 0).reshape([]);
}

// ── argmax, argmin ──

function argExtreme<T extends Handle<T>>(kind: 'Argmax' | 'Argmin', op: string, x: T, axis: number | undefined, options: ArgOptions | undefined): T {
  const o = checkOptions(options, op, ['keepdims']);
  const keepdims = checkFlag(o.keepdims, op, 'keepdims') ?? false;
  const eng = x.owner.engine;
  eng.tensorIdOf(x, op);
  const run = (t: T, a: number, keep: boolean): T => {
    const shape = keep ? t.shape.map((d, i) => (i === a ? 1 : d)) : t.shape.filter((_, i) => i !== a);
    if (t.shape[a] === 0) throw new WasmgradShapeError(`${op}: dim ${a} of ${S.fmt(t.shape)} is empty`);
    return t.derive(eng.tensorOps(op).run(kind, [eng.tensorIdOf(t, op)], { axis: a, keepdims: keep }), shape, 'int32');
  };
  // no axis: the index into the flattened tensor (torch.argmax(x)); keepdims keeps every dim as 1
  if (axis === undefined) {
    if (x.size === 0) throw new WasmgradShapeError(`${op}: ${S.fmt(x.shape)} has no elements to pick from`);
    const flat = run(x.reshape([-1]), 0, false);
    return keepdims ? flat.reshape(x.shape.map(() => 1)) : flat;
  }
  if (x.rank === 0) { S.normalizeAxis(op, axis, 1); return run(x.reshape([1]), 0, false); }
  return run(x, S.normalizeAxis(op, axis, x.rank), keepdims);
}

/** Index of the maximum along `axis` (of the flattened tensor when omitted): int32, the first on ties, the first NaN if any. */
export function argmax<T extends Handle<T>>(x: T, axis?: number, options?: ArgOptions): T { return argExtreme('Argmax', 'argmax', x, axis, options); }
/** Index of the minimum along `axis`: int32, the first on ties, the first NaN if any. */
export function argmin<T extends Handle<T>>(x: T, axis?: number, options?: ArgOptions): T { return argExtreme('Argmin', 'argmin', x, axis, options); }

// ── argsort, sort, topk ──

function sortOptions(options: SortOptions | undefined, op: string): boolean {
  const o = checkOptions(options, op, ['descending', 'stable']);
  return checkFlag(o.descending, op, 'descending') ?? false;
}

function argsortRun<T extends Handle<T>>(x: T, op: string, axis: number, descending: boolean): T {
  const eng = x.owner.engine;
  return lifted(x, op, axis, (t, a) =>
    t.derive(eng.tensorOps(op).run('Argsort', [eng.tensorIdOf(t, op)], { axis: a, descending }), t.shape, 'int32'));
}

/** The int32 indices that sort `x` along `axis` (stable; NaN sorts as the largest value, as torch.sort). */
export function argsort<T extends Handle<T>>(x: T, axis = -1, options?: SortOptions): T {
  return argsortRun(x, 'argsort', axis, sortOptions(options, 'argsort'));
}

/** Sorted values and the indices they came from; the values' gradient goes back to where each came from. */
export function sort<T extends Handle<T>>(x: T, axis = -1, options?: SortOptions): ValuesIndices<T> {
  const indices = argsortRun(x, 'sort', axis, sortOptions(options, 'sort'));
  return { values: gatherRun(x, 'sort', x.rank === 0 ? 0 : S.normalizeAxis('sort', axis, x.rank), indices), indices };
}

/** The k largest (or smallest) entries along `axis`, sorted, with their int32 indices; ties keep the earlier index first. */
export function topk<T extends Handle<T>>(x: T, k: number, axis = -1, options?: TopkOptions): ValuesIndices<T> {
  const o = checkOptions(options, 'topk', ['largest', 'sorted']);
  const largest = checkFlag(o.largest, 'topk', 'largest') ?? true;
  checkFlag(o.sorted, 'topk', 'sorted');
  const eng = x.owner.engine;
  eng.tensorIdOf(x, 'topk');
  const a = x.rank === 0 ? (S.normalizeAxis('topk', axis, 1), 0) : S.normalizeAxis('topk', axis, x.rank);
  const dim = x.rank === 0 ? 1 : x.shape[a];
  if (!Number.isInteger(k)) throw new WasmgradArgumentError(`topk: k must be an integer, got ${describe(k)}`);
  if (k < 0 || k > dim) throw new WasmgradValueError(`topk: k = ${k} is out of range for dim ${axis} of size ${dim} (valid: 0..${dim})`);
  const order = argsortRun(x, 'topk', a, largest);
  const indices = x.rank === 0 ? order : order.slice(x.shape.map((_, d) => (d === a ? 0 : undefined)), x.shape.map((n, d) => (d === a ? k : n)));
  return { values: gatherRun(x, 'topk', a, indices), indices };
}

// ── gather, scatterAdd ──

/** Checks index against x (and src) as torch.gather / torch.scatter_add do, entries included. */
function checkIndex<T extends Handle<T>>(op: string, x: T, a: number, index: unknown, src?: T): T {
  const ix = checkTensor<T>(index, op, 'an int32 index Tensor');
  if (ix.dtype !== 'int32') throw new WasmgradDTypeError(`${op}: the index must be an int32 tensor, got ${ix.dtype}`);
  if (ix.rank !== x.rank) throw new WasmgradShapeError(`${op}: the index ${S.fmt(ix.shape)} must have the rank of the input ${S.fmt(x.shape)}`);
  for (let d = 0; d < x.rank; d++) {
    if (d !== a && ix.shape[d] > x.shape[d]) throw new WasmgradShapeError(`${op}: the index ${S.fmt(ix.shape)} is larger than the input ${S.fmt(x.shape)} in dim ${d}`);
    if (src && ix.shape[d] > src.shape[d]) throw new WasmgradShapeError(`${op}: the index ${S.fmt(ix.shape)} is larger than src ${S.fmt(src.shape)} in dim ${d}`);
  }
  const dim = x.shape[a];
  const values = ix.data();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= dim) throw new WasmgradValueError(`${op}: index ${values[i]} is out of range for dim ${a} of size ${dim}`);
  }
  return ix;
}

function gatherRun<T extends Handle<T>>(x: T, op: string, a: number, ix: T): T {
  const eng = x.owner.engine;
  if (x.rank === 0) return x.reshape([1]).reshape([]); // the scalar's only element, its own gradient path
  return x.derive(eng.tensorOps(op).run('Gather', [eng.tensorIdOf(x, op), eng.tensorIdOf(ix, op)], { axis: a }), ix.shape, x.dtype);
}

/** out[m] = x[m with dim `axis` replaced by index[m]] (torch.gather); the gradient scatter-adds back. */
export function gather<T extends Handle<T>>(x: T, axis: number, index: T): T {
  x.owner.engine.tensorIdOf(x, 'gather');
  if (x.rank === 0) throw new WasmgradValueError('gather: the input needs at least one dim');
  const a = S.normalizeAxis('gather', axis, x.rank);
  return gatherRun(x, 'gather', a, checkIndex('gather', x, a, index));
}

/** x with src[m] added at m with dim `axis` replaced by index[m] (torch.scatter_add); gradients to x and src. */
export function scatterAdd<T extends Handle<T>>(x: T, axis: number, index: T, src: T): T {
  const eng = x.owner.engine;
  eng.tensorIdOf(x, 'scatterAdd');
  const s = checkTensor<T>(src, 'scatterAdd', 'src as a Tensor');
  S.checkSameDtype('scatterAdd', x.dtype, s.dtype);
  if (x.rank === 0) throw new WasmgradValueError('scatterAdd: the input needs at least one dim');
  const a = S.normalizeAxis('scatterAdd', axis, x.rank);
  if (s.rank !== x.rank) throw new WasmgradShapeError(`scatterAdd: src ${S.fmt(s.shape)} must have the rank of the input ${S.fmt(x.shape)}`);
  const ix = checkIndex('scatterAdd', x, a, index, s);
  const id = eng.tensorOps('scatterAdd').run('ScatterAdd', [eng.tensorIdOf(x, 'scatterAdd'), eng.tensorIdOf(ix, 'scatterAdd'), eng.tensorIdOf(s, 'scatterAdd')], { axis: a });
  return x.derive(id, x.shape, x.dtype);
}

// ── cumsum, cumprod ──

function scan<T extends Handle<T>>(kind: 'Cumsum' | 'Cumprod', op: string, x: T, axis: number): T {
  const eng = x.owner.engine;
  eng.tensorIdOf(x, op);
  return lifted(x, op, axis, (t, a) => t.derive(eng.tensorOps(op).run(kind, [eng.tensorIdOf(t, op)], { axis: a }), t.shape, t.dtype));
}

/** Running sum along `axis`, in f64 and rounded once per element; gradient: the reverse running sum. */
export function cumsum<T extends Handle<T>>(x: T, axis: number): T { return scan('Cumsum', 'cumsum', x, axis); }
/** Running product along `axis`; its gradient is exact where x has zeros (no division by x). */
export function cumprod<T extends Handle<T>>(x: T, axis: number): T { return scan('Cumprod', 'cumprod', x, axis); }

// ── masks and pieces ──

/** x with `value` where mask ≠ 0 (mask broadcasts to x's shape); no gradient to the filled entries. */
export function maskedFill<T extends Handle<T>>(x: T, mask: T, value: number): T {
  const m = checkTensor<T>(mask, 'maskedFill', 'a mask Tensor');
  if (typeof value !== 'number') throw new WasmgradArgumentError(`maskedFill: the value must be a number, got ${describe(value)}`);
  const shape = S.broadcastShapes('maskedFill', x.shape, m.shape);
  if (!S.sameShape(shape, x.shape)) throw new WasmgradShapeError(`maskedFill: the mask ${S.fmt(m.shape)} does not broadcast to the input ${S.fmt(x.shape)}`);
  return x.whereAs('maskedFill', m, value, x);
}

/** Pieces along `axis`: of `size` each (the last may be shorter), or of the listed sizes (which must add up to the dim). */
export function split<T extends Handle<T>>(x: T, sizes: number | readonly number[], axis = 0): T[] {
  if (x.rank === 0) throw new WasmgradShapeError('split: a tensor of rank 0 cannot be split');
  const a = S.normalizeAxis('split', axis, x.rank);
  const dim = x.shape[a];
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new WasmgradValueError(`split: the piece size must be a positive integer, got ${describe(sizes)}`);
    list = [];
    for (let s = 0; s < dim; s += sizes) list.push(Math.min(sizes, dim - s));
    if (dim === 0) list.push(0);
  } else if (Array.isArray(sizes)) {
    list = sizes.map((s) => {
      if (!Number.isInteger(s) || s < 0) throw new WasmgradValueError(`split: sizes must be non-negative integers, got ${describe(s)}`);
      return s;
    });
    const total = list.reduce((p, q) => p + q, 0);
    if (total !== dim) throw new WasmgradValueError(`split: sizes [${list.join(', ')}] add up to ${total}, not to dim ${axis} of size ${dim}`);
  } else {
    throw new WasmgradArgumentError(`split: expected a piece size or an array of sizes, got ${describe(sizes)}`);
  }
  const out: T[] = [];
  let start = 0;
  for (const s of list) {
    out.push(x.slice(x.shape.map((_, d) => (d === a ? start : undefined)), x.shape.map((n, d) => (d === a ? start + s : n))));
    start += s;
  }
  return out;
}

/** At most n pieces of ⌈dim/n⌉ along `axis` (torch.chunk: fewer when the dim runs out). */
export function chunk<T extends Handle<T>>(x: T, n: number, axis = 0): T[] {
  if (!Number.isInteger(n) || n <= 0) throw new WasmgradValueError(`chunk: the number of chunks must be a positive integer, got ${describe(n)}`);
  if (x.rank === 0) throw new WasmgradShapeError('chunk: a tensor of rank 0 cannot be split');
  const a = S.normalizeAxis('chunk', axis, x.rank);
  return split(x, Math.max(1, Math.ceil(x.shape[a] / n)), a);
}

/** The upper (k ≥ 0 above the diagonal) or lower triangle of the last two dims, the rest 0. */
function triangle<T extends Handle<T>>(x: T, k: number, upper: boolean, op: string): T {
  if (!Number.isInteger(k)) throw new WasmgradArgumentError(`${op}: the diagonal offset must be an integer, got ${describe(k)}`);
  if (x.rank < 2) throw new WasmgradShapeError(`${op}: needs at least 2 dims, got ${S.fmt(x.shape)}`);
  const eng = x.owner.engine;
  const [m, n] = x.shape.slice(-2);
  const keep = new Int32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) keep[i * n + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  const mask = x.derive(eng.tensorOps(op).fromData(keep, [m, n], 'int32', false), [m, n], 'int32');
  return x.whereAs(op, mask, x, 0);
}

/** Elements on and above the k-th diagonal of the last two dims (torch.triu). */
export function triu<T extends Handle<T>>(x: T, k = 0): T { return triangle(x, k, true, 'triu'); }
/** Elements on and below the k-th diagonal of the last two dims (torch.tril). */
export function tril<T extends Handle<T>>(x: T, k = 0): T { return triangle(x, k, false, 'tril'); }

/** PyTorch's .t(): a 0-d or 1-d tensor as it is, a matrix transposed; more dims are refused. */
export function t<T extends Handle<T>>(x: T): T {
  if (x.rank <= 1) return x;
  if (x.rank > 2) throw new WasmgradShapeError(`t: expects a tensor of at most 2 dims, got ${S.fmt(x.shape)}; use transpose(d0, d1) or permute`);
  return x.transpose(0, 1);
}

/** One-hot rows of int32 class indices: int32, shape [...indices.shape, numClasses] (−1: the largest index + 1). */
export function oneHot<T extends Handle<T>>(indices: T, numClasses = -1): T {
  const ix = checkTensor<T>(indices, 'oneHot', 'an int32 Tensor of class indices');
  if (ix.dtype !== 'int32') throw new WasmgradDTypeError(`oneHot: class indices must be an int32 tensor, got ${ix.dtype}`);
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new WasmgradValueError(`oneHot: numClasses must be -1 or a non-negative integer, got ${describe(numClasses)}`);
  const values = ix.data();
  let top = -1;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0) throw new WasmgradValueError(`oneHot: class index ${values[i]} is negative`);
    top = Math.max(top, values[i]);
  }
  const C = numClasses === -1 ? top + 1 : numClasses;
  if (top >= C) throw new WasmgradValueError(`oneHot: class index ${top} is out of range for ${C} classes`);
  const eng = ix.owner.engine;
  const classes = Int32Array.from({ length: C }, (_, i) => i);
  const row = ix.derive(eng.tensorOps('oneHot').fromData(classes, [C], 'int32', false), [C], 'int32');
  return ix.unsqueeze(-1).eq(row);
}

// ── engine factories ──

export interface LikeOptions {
  /** Default: the model tensor's dtype. */
  dtype?: DType;
  requiresGrad?: boolean;
}

/** The options of a zerosLike/onesLike/fullLike call, checked, with `like`'s dtype as the default. */
export function likeOptions<T extends Handle<T>>(like: unknown, options: LikeOptions | undefined, op: string): { shape: readonly number[]; options: LikeOptions } {
  const x = checkTensor<T>(like, op);
  const o = checkOptions(options, op, ['dtype', 'requiresGrad']);
  return { shape: x.shape, options: { dtype: o.dtype ?? x.dtype, requiresGrad: o.requiresGrad } };
}

export interface RandintOptions {
  /** int32 by default. */
  dtype?: DType;
  seed?: number;
  rng?: Random;
}

/** The elements of linspace: `steps` values from start to end, both included, computed from both ends as PyTorch does, so the last is exactly `end`. */
export function linspace(start: number, end: number, steps: number, dtype: DType = 'float32'): TypedData {
  for (const x of [start, end]) if (typeof x !== 'number' || !Number.isFinite(x)) throw new WasmgradArgumentError(`linspace: start and end must be finite numbers, got ${describe(x)}`);
  if (!Number.isInteger(steps) || steps < 0) throw new WasmgradValueError(`linspace: steps must be a non-negative integer, got ${describe(steps)}`);
  checkDtype(dtype, 'linspace');
  S.checkCount('linspace', steps, `${steps} steps`);
  const data = allocTyped(dtype, steps, 'linspace');
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half || steps === 1 ? start + i * step : end - (steps - 1 - i) * step;
  return data;
}

/** The elements of randint: integers uniform in [low, high) drawn from `rng`, int32 unless another dtype is asked for. */
export function randint(low: number, high: number, shape: readonly number[], rng: Random, dtype: DType = 'int32'): { data: TypedData; shape: number[] } {
  for (const x of [low, high]) if (!Number.isInteger(x) || Math.abs(x) > 2 ** 31) throw new WasmgradDTypeError(`randint: low and high must be integers within int32, got ${describe(x)}`);
  if (high <= low) throw new WasmgradValueError(`randint: high (${high}) must be greater than low (${low})`);
  checkDtype(dtype, 'randint');
  const s = S.checkShape(shape, 'randint');
  const data = allocTyped(dtype, S.sizeOf(s), 'randint');
  for (let i = 0; i < data.length; i++) data[i] = low + Math.floor(rng.next() * (high - low));
  return { data, shape: s };
}

/** A generator for a `{ seed, rng }` option pair (the engine's own when neither is given). */
export function pickRng(op: string, seed: unknown, rng: unknown, fallback: Random): Random {
  if (rng !== undefined && seed !== undefined) throw new WasmgradArgumentError(`${op}: pass seed or rng, not both`);
  if (seed !== undefined) {
    if (!Number.isInteger(seed)) throw new WasmgradArgumentError(`${op}: seed must be an integer, got ${describe(seed)}`);
    return new Random(seed as number);
  }
  if (rng !== undefined) {
    if (!(rng instanceof Random)) throw new WasmgradArgumentError(`${op}: rng must be a Random, got ${describe(rng)}`);
    return rng;
  }
  return fallback;
}
