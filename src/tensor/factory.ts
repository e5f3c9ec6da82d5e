// Tensors made from data: the engine's factory functions (eng.tensor,
// eng.zeros, eng.randn, eng.parameter…). Random values are generated in JS by
// src/random.ts and copied in, so a seed gives the same tensor on every backend.

import { checkFlag, checkOptions, checkRng, describe } from '../check.js';
import type { EngineContext } from '../context.js';
import { Random } from '../random.js';
import type { DType, TypedData } from './backend.js';
import * as S from './shape.js';
import { Tensor, checkDtype, make } from './tensor.js';
import { TensorParam } from './param.js';
import { allocTyped, dtypeOfTyped, toTyped, type NestedArray } from './data.js';
import { WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError, WasmgradValueError } from '../errors.js';

export interface TensorOptions<E extends DType = DType> {
  /** Default: float32, or the typed array's own type (Float64Array → float64, Int32Array → int32). */
  dtype?: E;
  /** Make a leaf whose gradient backward computes (default false; float dtypes only). */
  requiresGrad?: boolean;
}

export interface RandomOptions<E extends DType = DType> extends TensorOptions<E> {
  /** Seed of a fresh generator for this call. */
  seed?: number;
  /** A generator to draw from (it advances). Default: the engine's own, seeded 42 when the engine was made. */
  rng?: Random;
}

export type TensorData = NestedArray | TypedData | ArrayLike<number>;

const TENSOR_KEYS = ['dtype', 'requiresGrad'] as const;
const RANDOM_KEYS = [...TENSOR_KEYS, 'seed', 'rng'] as const;

function options<T extends TensorOptions>(opts: T | undefined, op: string, known: readonly string[] = TENSOR_KEYS): T {
  const o = checkOptions(opts, op, known);
  if (o.dtype !== undefined) checkDtype(o.dtype, op);
  checkFlag(o.requiresGrad, op, 'requiresGrad');
  if (o.requiresGrad && o.dtype === 'int32') throw new WasmgradDTypeError(`${op}: an int32 tensor cannot require grad`);
  return o;
}

/** The data and shape of `values`, reshaped to `shape` when given. */
function prepare(values: unknown, shape: readonly number[] | undefined, opts: TensorOptions, op: string): { data: TypedData; shape: number[]; dtype: DType } {
  const dtype = opts.dtype ?? (ArrayBuffer.isView(values) ? dtypeOfTyped(values) : undefined) ?? 'float32';
  const t = toTyped(values, dtype, op);
  if (shape === undefined) return { data: t.data, shape: t.shape, dtype };
  const to = S.checkShape(shape, op);
  if (S.sizeOf(to) !== t.data.length) throw new WasmgradShapeError(`${op}: ${t.data.length} values do not fill shape ${S.fmt(to)}`);
  return { data: t.data, shape: to, dtype };
}

function fromData(eng: EngineContext, data: TypedData, shape: number[], dtype: DType, requiresGrad: boolean, op: string): Tensor {
  if (requiresGrad && dtype === 'int32') throw new WasmgradDTypeError(`${op}: an int32 tensor cannot require grad`);
  return make(eng, eng.tensorOps(op).fromData(data, shape, dtype, requiresGrad), shape, dtype);
}

export function tensor(eng: EngineContext, values: TensorData, shape?: readonly number[], opts?: TensorOptions): Tensor {
  const o = options(opts, 'tensor');
  eng.tensorOps('tensor');
  const p = prepare(values, shape, o, 'tensor');
  return fromData(eng, p.data, p.shape, p.dtype, o.requiresGrad ?? false, 'tensor');
}

export function full(eng: EngineContext, shape: readonly number[], value: number, opts?: TensorOptions, op = 'full'): Tensor {
  const o = options(opts, op);
  const be = eng.tensorOps(op);
  const s = S.checkShape(shape, op);
  if (typeof value !== 'number') throw new WasmgradArgumentError(`${op}: the fill value must be a number, got ${describe(value)}`);
  const dtype = o.dtype ?? 'float32';
  if (o.requiresGrad) {
    const data = allocTyped(dtype, S.sizeOf(s), op);
    data.fill(value);
    return fromData(eng, data, s, dtype, true, op);
  }
  return make(eng, be.full(s, dtype, value), s, dtype);
}

function randomTensor(eng: EngineContext, shape: readonly number[], opts: RandomOptions | undefined, op: string, draw: (r: Random) => number): Tensor {
  const o = options(opts, op, RANDOM_KEYS);
  eng.tensorOps(op);
  const s = S.checkShape(shape, op);
  const dtype = o.dtype ?? 'float32';
  if (dtype === 'int32') throw new WasmgradDTypeError(`${op}: random tensors are float32 or float64`);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new WasmgradArgumentError(`${op}: seed must be an integer, got ${describe(o.seed)}`);
  if (o.rng !== undefined && o.seed !== undefined) throw new WasmgradArgumentError(`${op}: pass seed or rng, not both`);
  const rng = o.rng !== undefined ? checkRng(o.rng, op) : o.seed !== undefined ? new Random(o.seed) : eng.tensorRng;
  const data = allocTyped(dtype, S.sizeOf(s), op);
  for (let i = 0; i < data.length; i++) data[i] = draw(rng);
  return fromData(eng, data, s, dtype, o.requiresGrad ?? false, op);
}

/** Standard normal samples. */
export function randn(eng: EngineContext, shape: readonly number[], opts?: RandomOptions): Tensor {
  return randomTensor(eng, shape, opts, 'randn', (r) => r.normal());
}

/** Uniform samples in [0, 1). */
export function rand(eng: EngineContext, shape: readonly number[], opts?: RandomOptions): Tensor {
  return randomTensor(eng, shape, opts, 'rand', (r) => r.next());
}

/** start, start + step, … below stop (arange(n) is 0..n−1). */
export function arange(eng: EngineContext, start: number, stop?: number, step = 1, opts?: TensorOptions): Tensor {
  const o = options(opts, 'arange');
  eng.tensorOps('arange');
  if (stop === undefined) [start, stop] = [0, start];
  for (const x of [start, stop, step]) if (typeof x !== 'number' || !Number.isFinite(x)) throw new WasmgradArgumentError(`arange: bounds and step must be finite numbers, got ${describe(x)}`);
  if (step === 0) throw new WasmgradValueError('arange: step must not be 0');
  // the count first: arange(2**31) must fail before it fills gigabytes
  const n = S.checkCount('arange', Math.max(0, Math.ceil((stop - start) / step)), `the range ${start}..${stop} by ${step}`);
  const dtype = o.dtype ?? 'float32';
  const data = allocTyped(dtype, n, 'arange');
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromData(eng, data, [n], dtype, o.requiresGrad ?? false, 'arange');
}

/** The n×m identity (m = n by default). */
export function eye(eng: EngineContext, n: number, m = n, opts?: TensorOptions): Tensor {
  const o = options(opts, 'eye');
  eng.tensorOps('eye');
  const s = S.checkShape([n, m], 'eye');
  const dtype = o.dtype ?? 'float32';
  const data = allocTyped(dtype, n * m, 'eye');
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromData(eng, data, s, dtype, o.requiresGrad ?? false, 'eye');
}

/** A trainable persistent tensor (requiresGrad by default) holding a copy of `values`. */
export function parameter(eng: EngineContext, values: TensorData | Tensor, shape?: readonly number[], opts?: TensorOptions): TensorParam {
  const o = options(opts, 'parameter');
  const be = eng.tensorOps('parameter');
  const requiresGrad = o.requiresGrad ?? true;
  let p: { data: TypedData; shape: number[]; dtype: DType };
  if (values instanceof Tensor) {
    const t = o.dtype ? values.to(o.dtype) : values;
    p = { data: t.data(), shape: t.shape.slice(), dtype: t.dtype };
    if (shape !== undefined) p.shape = S.reshapeShape('parameter', p.shape, shape);
  } else {
    p = prepare(values, shape, o, 'parameter');
  }
  if (requiresGrad && p.dtype === 'int32') throw new WasmgradDTypeError('parameter: an int32 tensor cannot require grad; pass { requiresGrad: false }');
  return new TensorParam(eng, be.createSlot(p.data, p.shape, p.dtype, requiresGrad), p.shape, p.dtype, requiresGrad);
}

/** A persistent copy of `t` that survives reset() (no gradient unless asked). */
export function keep(eng: EngineContext, t: Tensor, opts?: { requiresGrad?: boolean }): TensorParam {
  if (!(t instanceof Tensor)) throw new WasmgradArgumentError(`keep: expected a Tensor, got ${describe(t)}`);
  const o = checkOptions(opts, 'keep', ['requiresGrad']);
  const be = eng.tensorOps('keep');
  const id = eng.tensorIdOf(t, 'keep');
  const requiresGrad = checkFlag(o.requiresGrad, 'keep', 'requiresGrad') ?? false;
  if (requiresGrad && t.dtype === 'int32') throw new WasmgradDTypeError('keep: an int32 tensor cannot require grad');
  return new TensorParam(eng, be.keep(id, requiresGrad), t.shape, t.dtype, requiresGrad);
}
