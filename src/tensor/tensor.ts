// Tensor handles and every tensor op as the user sees it. A Tensor holds no
// data: it is a node id on its engine's tensor tape plus the shape and dtype
// (kept on the handle so that shape checks never ask the backend). Each op
// validates here, computes the output shape with ./shape.ts, then makes one
// or a few backend calls. Composite ops (mean, var, softmax, clamp…) are
// built from primitives, so their gradients come for free.

import { checkFlag, checkIndices, checkOptions, checkVariant, describe } from '../check.js';
import type { BackwardOptions, EngineContext, EngineType, Generation, RemovableHandle, TensorOps } from '../context.js';
import { WasmgradNoGradError } from '../transforms/extension-errors.js';
import { Op } from '../ops.js';
import { ELEMENTWISE } from '../generated/ops.js';
import { installTensorMethods, type TensorMethods } from '../generated/methods.js';
import {
  CompareKind, ReduceKind, TensorBinary, TensorUnary, type BinaryOpId, type CompareKindId, type DType,
  type TypedData, type UnaryOpId,
} from './backend.js';
import * as S from './shape.js';
import { allocTyped, checkDtype, isTyped, nest, toTyped, type NestedArray } from './data.js';
export { checkDtype } from './data.js';
import { describeTensor } from './format.js';
import * as X from './ops-extra.js';
import { WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError, WasmgradValueError } from '../errors.js';

export type { DType, TypedData } from './backend.js';

/** The typed array of a dtype's elements: Float32Array for 'float32', and so on; TypedData for an unknown dtype. */
export type DataOf<D extends DType> = D extends 'float32' ? Float32Array : D extends 'float64' ? Float64Array : D extends 'int32' ? Int32Array : never;
/** What sort and topk return: the values, in the input's dtype, and int32 indices. */
export interface SortResult<D extends DType> {
  values: Tensor<D>;
  indices: Tensor<'int32'>;
}
export type TensorLike = Tensor | number;
export type { NestedArray } from './data.js';

export interface ReduceOptions {
  /** Keep reduced dims as size 1 (default false). */
  keepdims?: boolean;
}

export interface VarOptions extends ReduceOptions {
  /** Subtracted from the count in the divisor: 1 (default, Bessel's correction, as PyTorch) or 0 (population variance). */
  correction?: number;
}

/**
 * A handle to one node of the engine's tensor tape. It dies at `eng.reset()`
 * (using it afterwards throws), unless it is a `TensorParam`.
 */
export class Tensor<D extends DType = DType> {
  /** @internal */ owner: Generation;
  /** @internal */ id: number;
  readonly shape: readonly number[];
  /** float32, float64 or int32; a Tensor's type carries it (`Tensor<'float64'>`), so `data()` is the matching typed array. */
  readonly dtype: D;

  /** @internal Use the engine's factories (`eng.tensor`, `eng.zeros`…) or an op. */
  constructor(owner: Generation, id: number, shape: readonly number[], dtype: D) {
    this.owner = owner;
    this.id = id;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
  }

  get engine(): EngineType { return this.owner.engine as EngineType; }
  get size(): number { return S.sizeOf(this.shape); }
  get rank(): number { return this.shape.length; }

  /** Whether backward computes a gradient for this tensor. */
  get requiresGrad(): boolean {
    const eng = this.owner.engine;
    return eng.tensorOps('requiresGrad').requiresGrad(eng.tensorIdOf(this, 'requiresGrad'));
  }

  set requiresGrad(_: boolean) {
    throw new WasmgradArgumentError(
      'requiresGrad: it is fixed when the tensor is made: pass { requiresGrad: true } to eng.tensor()/eng.zeros()…, ' +
        'or make a trainable tensor with eng.parameter(); .detach() gives a copy without gradient',
    );
  }

  /** A copy of the elements, row-major, as a typed array of the dtype. */
  data(): DataOf<D> {
    const eng = this.owner.engine;
    return eng.tensorOps('data').data(eng.tensorIdOf(this, 'data')) as DataOf<D>;
  }

  /**
   * The values as nested arrays (a number for a 0-d tensor), like PyTorch's
   * tolist(). Typed loosely by default so that `t.toArray()[0]` compiles
   * under `strict`; name the shape to check it: `t.toArray<number[][]>()`.
   */
  toArray<T extends NestedArray = any>(): T {
    return nest(this.data(), this.shape) as T;
  }

  /** The single element of a size-1 tensor. */
  item(): number {
    if (this.size !== 1) throw new WasmgradShapeError(`item: only a tensor of one element has an item; this one has shape ${S.fmt(this.shape)}`);
    const eng = this.owner.engine;
    return eng.tensorOps('item').item(eng.tensorIdOf(this, 'item'));
  }

  /**
   * A copy of the gradient (a typed array of the tensor's dtype, row-major),
   * or null when no backward() has reached this tensor. For tensors made with
   * requiresGrad (leaves) and for parameters it is the sum over backward()
   * calls since zeroGrad(); for every other tensor it is the last backward()'s.
   */
  get grad(): DataOf<D> | null {
    const eng = this.owner.engine;
    return eng.tensorOps('grad').grad(eng.tensorIdOf(this, 'grad')) as DataOf<D> | null;
  }

  set grad(_: DataOf<D> | null) {
    throw new WasmgradArgumentError('grad: a tensor\'s gradient cannot be assigned; backward() computes it, and p.zeroGrad() (or eng.zeroGrad(), an optimizer\'s zeroGrad()) sets it to 0');
  }

  /**
   * Reverse sweep from this one-element tensor (usually a loss). With
   * `{ createGraph: true }` the sweep is also recorded as tensor ops, so that
   * leaves' and parameters' `gradTensor` can be differentiated again.
   */
  backward(options?: BackwardOptions): void {
    const createGraph = checkFlag(checkOptions(options, 'backward', ['createGraph']).createGraph, 'backward', 'createGraph');
    const eng = this.owner.engine;
    const be = eng.tensorOps('backward');
    const id = eng.tensorIdOf(this, 'backward');
    if (this.size !== 1) {
      throw new WasmgradShapeError(`backward: only a one-element tensor can start backward; this one has shape ${S.fmt(this.shape)} (reduce it first, e.g. with .sum())`);
    }
    if (!be.requiresGrad(id)) {
      throw new WasmgradNoGradError(
        'backward: this tensor does not require grad; none of its inputs was made with requiresGrad: true or is a parameter, ' +
          'or it was made inside eng.noGrad(), which records no graph',
      );
    }
    // hooks or custom ops on the tape: the rule sweep, which can call into JS at each node, does the whole backward
    if (eng.current.ext !== null || eng.unbound.ext !== null) return eng.recordTensorBackward(this, createGraph === true);
    be.backward(id);
    if (createGraph) eng.recordTensorBackward(this, true);
  }

  /**
   * Registers `hook`, called with the gradient flowing into this tensor on
   * each backward (and eng.gradients, eng.grad…) that reaches it: it may
   * return a replacement of the same shape and dtype, or undefined to keep it
   * (PyTorch's Tensor.register_hook). On a leaf or a parameter it sees this
   * backward's gradient before it is added to `.grad`. While any hook is
   * registered, backward takes the rule sweep instead of the fused kernels
   * (docs/extending.md). Returns a handle whose `remove()` unregisters it.
   */
  registerHook(hook: (grad: Tensor<D>) => Tensor | undefined | void): RemovableHandle {
    return this.owner.engine.registerGradHook(this, hook as (grad: never) => unknown);
  }

  /**
   * The gradient as a Tensor with its graph, after `backward({ createGraph: true })`
   * (null before): what PyTorch's `x.grad` is after create_graph=True. Kept
   * for leaves and parameters; it accumulates until zeroGrad() as `.grad` does.
   */
  get gradTensor(): Tensor<D> | null {
    return this.owner.engine.gradTensorOf(this) as Tensor<D> | null;
  }

  /**
   * The values as PyTorch prints them, `tensor([[1., 2.], [3., 4.]])`, with the
   * dtype when it is not float32 and requiresGrad when set; past 1,000
   * elements the middle of each dim is elided.
   */
  toString(): string {
    return describeTensor('tensor(', this);
  }

  /** What console.log and the Node REPL show: the same text, not the handle's fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ── elementwise: add, exp, atan2… come from TensorMethods, one per op in the registry ──

  /** @internal */
  applyUnary(op: UnaryOpId): Tensor<D> { return unary(op, this) as Tensor<D>; }
  /** @internal */
  applyBinary(op: BinaryOpId, other: TensorLike): Tensor<D> { return binary(op, this, other) as Tensor<D>; }

  /** @internal */
  pickVariant<Id>(method: string, options: object | undefined, option: string, ids: Readonly<Record<string, Id>>, fallback: string): Id {
    return checkVariant(method, options, option, ids, fallback);
  }

  /**
   * Elementwise min(max(x, min), max), either bound optional. The gradient is
   * 1 where min ≤ x ≤ max (bounds included, as PyTorch) and 0 outside.
   */
  clamp(min?: number, max?: number): Tensor<D> {
    for (const [name, x] of [['min', min], ['max', max]] as const) {
      if (x !== undefined && typeof x !== 'number') throw new WasmgradArgumentError(`clamp: ${name} must be a number or undefined, got ${describe(x)}`);
    }
    let out: Tensor<D> = this;
    if (min !== undefined) out = where(out.lt(min), scalarLike(min, out), out, 'clamp') as Tensor<D>;
    if (max !== undefined) out = where(out.gt(max), scalarLike(max, out), out, 'clamp') as Tensor<D>;
    return out;
  }

  // ── comparisons: 1 or 0 in this tensor's dtype, no gradient ──

  eq(other: TensorLike): Tensor<D> { return compare(CompareKind.Eq, 'eq', this, other) as Tensor<D>; }
  ne(other: TensorLike): Tensor<D> { return compare(CompareKind.Ne, 'ne', this, other) as Tensor<D>; }
  lt(other: TensorLike): Tensor<D> { return compare(CompareKind.Lt, 'lt', this, other) as Tensor<D>; }
  le(other: TensorLike): Tensor<D> { return compare(CompareKind.Le, 'le', this, other) as Tensor<D>; }
  gt(other: TensorLike): Tensor<D> { return compare(CompareKind.Gt, 'gt', this, other) as Tensor<D>; }
  ge(other: TensorLike): Tensor<D> { return compare(CompareKind.Ge, 'ge', this, other) as Tensor<D>; }

  // ── reductions: axes may be negative; all axes when omitted ──

  sum(axes?: number | readonly number[], options?: ReduceOptions): Tensor<D> {
    return reduce(ReduceKind.Sum, 'sum', this, axes, options) as Tensor<D>;
  }
  /** Ties split the gradient evenly among the maxima. */
  max(axes?: number | readonly number[], options?: ReduceOptions): Tensor<D> {
    return reduce(ReduceKind.Max, 'max', this, axes, options) as Tensor<D>;
  }
  min(axes?: number | readonly number[], options?: ReduceOptions): Tensor<D> {
    return reduce(ReduceKind.Min, 'min', this, axes, options) as Tensor<D>;
  }
  mean(axes?: number | readonly number[], options?: ReduceOptions): Tensor<D> {
    options = reduceOptions(options, 'mean');
    S.checkFloat('mean', this.dtype);
    const ax = S.normalizeAxes('mean', axes, this.rank);
    const count = ax.reduce((n, a) => n * this.shape[a], 1);
    return this.sum(ax, options).div(count);
  }
  /** Σ(x − mean)² / (n − correction), correction = 1 by default (unbiased, as torch.var). */
  var(axes?: number | readonly number[], options?: VarOptions): Tensor<D> {
    const o = reduceOptions(options, 'var', VAR_KEYS);
    const correction = o.correction === undefined ? 1 : o.correction; // null is refused below, not taken for the default
    // torch.var takes an int correction ≥ 0; null, NaN or an object would give a silently wrong divisor
    if (!Number.isInteger(correction)) throw new WasmgradArgumentError(`var: correction must be a non-negative integer (1: unbiased, 0: population), got ${describe(correction)}`);
    if (correction < 0) throw new WasmgradValueError(`var: correction must be a non-negative integer (1: unbiased, 0: population), got ${correction}`);
    S.checkFloat('var', this.dtype);
    const ax = S.normalizeAxes('var', axes, this.rank);
    const count = ax.reduce((n, a) => n * this.shape[a], 1);
    const centered = this.sub(this.mean(ax, { keepdims: true }));
    return centered.mul(centered).sum(ax, { keepdims: o.keepdims }).div(count - correction);
  }
  /**
   * log Σ exp(x), computed as m + log Σ exp(x − m) with m the detached max,
   * so it neither overflows nor underflows; m's gradient would cancel anyway.
   */
  logsumexp(axes?: number | readonly number[], options?: ReduceOptions): Tensor<D> {
    options = reduceOptions(options, 'logsumexp');
    S.checkFloat('logsumexp', this.dtype);
    const ax = S.normalizeAxes('logsumexp', axes, this.rank);
    const m0 = this.max(ax, { keepdims: true }).detach();
    // an all −∞ (or +∞) slice would give ∞ − ∞: shift by 0 there instead
    const m = where(m0.abs().lt(Infinity), m0, scalarLike(0, m0), 'logsumexp') as Tensor<D>;
    const out = this.sub(m).exp().sum(ax, { keepdims: true }).log().add(m);
    return options.keepdims ? out : out.reshape(S.reducedShape(this.shape, ax, false));
  }
  /**
   * e/Σe with e = exp(x − max x) along `axis` (max detached). Subtracting the
   * max is exact for nearby values, so f32 keeps full precision where
   * exp(logSoftmax) would lose the bits of a large logsumexp.
   */
  softmax(axis = -1): Tensor<D> {
    S.checkFloat('softmax', this.dtype);
    const ax = S.normalizeAxis('softmax', axis, this.rank);
    const m0 = this.max(ax, { keepdims: true }).detach();
    const m = where(m0.abs().lt(Infinity), m0, scalarLike(0, m0), 'softmax') as Tensor<D>;
    const e = this.sub(m).exp();
    return e.div(e.sum(ax, { keepdims: true }));
  }
  /** x − logsumexp(x) along `axis`. */
  logSoftmax(axis = -1): Tensor<D> {
    const ax = S.normalizeAxis('logSoftmax', axis, this.rank);
    return this.sub(this.logsumexp(ax, { keepdims: true }));
  }

  // ── linear algebra ──

  /**
   * Matrix product with NumPy's rules: batch dims broadcast; a 1-d left
   * operand is a row vector and a 1-d right operand a column vector, and
   * their dim is dropped from the result.
   */
  matmul(other: Tensor): Tensor<D> {
    const eng = this.owner.engine;
    const be = eng.tensorOps('matmul');
    const b = checkTensor(other, 'matmul');
    S.checkSameDtype('matmul', this.dtype, b.dtype);
    S.checkFloat('matmul', this.dtype);
    if (this.rank === 0 || b.rank === 0) throw new WasmgradShapeError(`matmul: both operands need at least one dim, got ${S.fmt(this.shape)} and ${S.fmt(b.shape)}`);
    const a2 = this.rank === 1 ? [1, this.shape[0]] : this.shape;
    const b2 = b.rank === 1 ? [b.shape[0], 1] : b.shape;
    const outShape = S.matmulShape(a2, b2, this.shape, b.shape);
    const ia = this.rank === 1 ? this.reshape(a2) : this;
    const ib = b.rank === 1 ? b.reshape(b2) : b;
    const id = be.run('Matmul', [eng.tensorIdOf(ia, 'matmul'), eng.tensorIdOf(ib, 'matmul')], { transA: false, transB: false });
    const out = make(eng, id, outShape, this.dtype);
    const final = outShape.slice();
    if (b.rank === 1) final.pop();
    if (this.rank === 1) final.splice(final.length - (b.rank === 1 ? 1 : 2), 1);
    return final.length === outShape.length ? out : out.reshape(final);
  }

  /** Swaps two dims (the last two by default). */
  transpose(d0 = -2, d1 = -1): Tensor<D> {
    const a = S.normalizeAxis('transpose', d0, this.rank), b = S.normalizeAxis('transpose', d1, this.rank);
    const perm = this.shape.map((_, i) => i);
    perm[a] = b;
    perm[b] = a;
    return this.permute(perm);
  }

  // ── movement ──

  /** out.shape[i] = this.shape[perm[i]]; a copy. */
  permute(perm: readonly number[]): Tensor<D> {
    const p = S.checkPermutation('permute', perm, this.rank);
    const eng = this.owner.engine;
    return make(eng, eng.tensorOps('permute').run('Permute', [eng.tensorIdOf(this, 'permute')], { perm: p }), p.map((i) => this.shape[i]), this.dtype);
  }

  /** The same elements in a new shape; one dim may be -1 (inferred). */
  reshape(shape: readonly number[]): Tensor<D> {
    const to = S.reshapeShape('reshape', this.shape, shape);
    const eng = this.owner.engine;
    return make(eng, eng.tensorOps('reshape').run('Reshape', [eng.tensorIdOf(this, 'reshape')], { shape: to }), to, this.dtype);
  }

  /** Another name for reshape (tensors are always contiguous). */
  view(shape: readonly number[]): Tensor<D> { return this.reshape(shape); }

  /** Drops size-1 dims (only `axis` when given). */
  squeeze(axis?: number): Tensor<D> {
    if (axis === undefined) return this.reshape(this.shape.filter((d) => d !== 1));
    const a = S.normalizeAxis('squeeze', axis, this.rank);
    if (this.shape[a] !== 1) throw new WasmgradShapeError(`squeeze: dim ${axis} of ${S.fmt(this.shape)} is not 1`);
    return this.reshape(this.shape.filter((_, i) => i !== a));
  }

  /** Inserts a size-1 dim at `axis` (in −(rank+1)..rank). */
  unsqueeze(axis: number): Tensor<D> {
    const a = S.normalizeAxis('unsqueeze', axis, this.rank + 1);
    const shape = this.shape.slice();
    shape.splice(a, 0, 1);
    return this.reshape(shape);
  }

  flatten(): Tensor<D> { return this.reshape([-1]); }

  /** Broadcasts to `shape` (a copy; its gradient sums over the stretched dims). */
  expand(shape: readonly number[]): Tensor<D> {
    const to = S.checkExpand('expand', this.shape, shape);
    const eng = this.owner.engine;
    return make(eng, eng.tensorOps('expand').run('Expand', [eng.tensorIdOf(this, 'expand')], { shape: to }), to, this.dtype);
  }
  broadcastTo(shape: readonly number[]): Tensor<D> { return this.expand(shape); }

  /**
   * this[starts[0]:ends[0], starts[1]:ends[1], …] with Python's rules:
   * negative bounds count from the end, bounds clip, missing dims (or an
   * undefined end) are taken whole.
   */
  slice(starts: readonly (number | undefined)[], ends: readonly (number | undefined)[] = []): Tensor<D> {
    const b = S.sliceBounds('slice', this.shape, starts, ends);
    const eng = this.owner.engine;
    const shape = b.starts.map((s, d) => b.ends[d] - s);
    return make(eng, eng.tensorOps('slice').run('Slice', [eng.tensorIdOf(this, 'slice')], b), shape, this.dtype);
  }

  /** Pads dim d with widths[d] = [before, after] elements equal to `value` (one pair per dim). */
  pad(widths: readonly (readonly [number, number])[], value = 0): Tensor<D> {
    if (!Array.isArray(widths) || widths.length !== this.rank) {
      throw new WasmgradShapeError(`pad: expected ${this.rank} [before, after] pairs, one per dim of ${S.fmt(this.shape)}`);
    }
    widths.forEach((w, d) => {
      if (!Array.isArray(w) || w.length !== 2) throw new WasmgradArgumentError(`pad: widths[${d}] must be a [before, after] pair, got ${describe(w)}`);
    });
    const before = widths.map((w) => w[0]), after = widths.map((w) => w[1]);
    for (const x of [...before, ...after]) {
      if (!Number.isInteger(x) || x < 0) throw new WasmgradValueError(`pad: widths must be non-negative integers, got ${describe(x)} in [${widths.map((w) => S.fmt(w)).join(', ')}]`);
    }
    if (typeof value !== 'number') throw new WasmgradArgumentError(`pad: the fill value must be a number, got ${describe(value)}`);
    const eng = this.owner.engine;
    const shape = S.checkSize('pad', this.shape.map((d, i) => d + before[i] + after[i]), 'the padded tensor, of shape');
    return make(eng, eng.tensorOps('pad').run('Pad', [eng.tensorIdOf(this, 'pad')], { before, after, value }), shape, this.dtype);
  }

  /**
   * Picks entries `indices` along `axis` (torch.index_select); the gradient
   * scatter-adds back. Indices are integers in 0..dim−1 (negative ones are
   * refused, as PyTorch does): an array, a typed array or a 1-d int32 tensor.
   */
  indexSelect(axis: number, indices: Tensor | readonly number[] | ArrayLike<number>): Tensor<D> {
    const a = S.normalizeAxis('indexSelect', axis, this.rank);
    const eng = this.owner.engine;
    const be = eng.tensorOps('indexSelect');
    const list = indexList('indexSelect', 'indices', indices);
    const dim = this.shape[a];
    // the output's size before any work: a long index list times a wide row overflows the core's byte counts
    const shape = this.shape.slice();
    shape[a] = list instanceof Tensor ? list.size : list.length;
    S.checkSize('indexSelect', shape, 'the result, of shape');
    const values = list instanceof Tensor ? list.data() : list;
    checkIndices('indexSelect', values, dim, (i, x) =>
      !Number.isInteger(values[i]) ? `indices[${i}] is ${x}, not an integer index into dim ${axis} of size ${dim}`
      : (values[i] as number) < 0 ? `index ${x} is negative; indices count from 0 (as torch.index_select), dim ${axis} has size ${dim}`
      : `index ${x} is out of range for dim ${axis} of size ${dim}`);
    const idx = list instanceof Tensor ? list : indexTensor(eng, values as ArrayLike<number>);
    const id = be.run('IndexSelect', [eng.tensorIdOf(this, 'indexSelect'), eng.tensorIdOf(idx, 'indexSelect')], { axis: a });
    return make(eng, id, shape, this.dtype);
  }

  /** The same values with no gradient flowing back through. */
  detach(): Tensor<D> {
    const eng = this.owner.engine;
    return make(eng, eng.tensorOps('detach').run('Detach', [eng.tensorIdOf(this, 'detach')], {}), this.shape, this.dtype);
  }

  /** Converts to `dtype` (float → int32 truncates toward 0 and stops the gradient). */
  to<E extends DType>(dtype: E): Tensor<E> {
    checkDtype(dtype, 'to');
    if ((dtype as DType) === this.dtype) return this as unknown as Tensor<E>;
    const eng = this.owner.engine;
    return make(eng, eng.tensorOps('to').run('Cast', [eng.tensorIdOf(this, 'to')], { dtype }), this.shape, dtype);
  }

  // ── indexing, sorting, scans and masks (./ops-extra.ts has the rules) ──

  /** @internal */
  derive(id: number, shape: readonly number[], dtype: DType): Tensor { return make(this.owner.engine, id, shape, dtype); }
  /** @internal */
  whereAs(op: string, mask: Tensor, a: TensorLike, b: TensorLike): Tensor { return where(mask, a, b, op, this.owner.engine); }

  /** Index of the max along `axis` (of the flattened tensor when omitted): int32, first on ties, first NaN if any. */
  argmax(axis?: number, options?: X.ArgOptions): Tensor<'int32'> { return X.argmax<Tensor>(this, axis, options) as Tensor<'int32'>; }
  /** Index of the min along `axis`: int32, first on ties, first NaN if any. */
  argmin(axis?: number, options?: X.ArgOptions): Tensor<'int32'> { return X.argmin<Tensor>(this, axis, options) as Tensor<'int32'>; }
  /** Int32 indices that sort along `axis` (stable; NaN sorts as the largest value). */
  argsort(axis = -1, options?: X.SortOptions): Tensor<'int32'> { return X.argsort<Tensor>(this, axis, options) as Tensor<'int32'>; }
  /** { values, indices } sorted along `axis`; gradient back to where each value came from. */
  sort(axis = -1, options?: X.SortOptions): SortResult<D> { return X.sort<Tensor>(this, axis, options) as SortResult<D>; }
  /** The k largest (`largest: false`: smallest) along `axis`, sorted, with int32 indices. */
  topk(k: number, axis = -1, options?: X.TopkOptions): SortResult<D> { return X.topk<Tensor>(this, k, axis, options) as SortResult<D>; }
  /** torch.gather: out[m] = this[m with dim `axis` replaced by index[m]]. */
  gather(axis: number, index: Tensor): Tensor<D> { return X.gather<Tensor>(this, axis, index) as Tensor<D>; }
  /** torch.scatter_add: this with src[m] added at m with dim `axis` replaced by index[m]. */
  scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor<D> { return X.scatterAdd<Tensor>(this, axis, index, src) as Tensor<D>; }
  cumsum(axis: number): Tensor<D> { return X.cumsum<Tensor>(this, axis) as Tensor<D>; }
  /** Running product; the gradient is exact at zeros. */
  cumprod(axis: number): Tensor<D> { return X.cumprod<Tensor>(this, axis) as Tensor<D>; }
  /** `value` where mask ≠ 0 (mask broadcasts to this shape). */
  maskedFill(mask: Tensor, value: number): Tensor<D> { return X.maskedFill<Tensor>(this, mask, value) as Tensor<D>; }
  /** Pieces of `size` along `axis`, or of the listed sizes. */
  split(sizes: number | readonly number[], axis = 0): Tensor<D>[] { return X.split<Tensor>(this, sizes, axis) as Tensor<D>[]; }
  chunk(n: number, axis = 0): Tensor<D>[] { return X.chunk<Tensor>(this, n, axis) as Tensor<D>[]; }
  triu(k = 0): Tensor<D> { return X.triu<Tensor>(this, k) as Tensor<D>; }
  tril(k = 0): Tensor<D> { return X.tril<Tensor>(this, k) as Tensor<D>; }
  /** Transposes a matrix; 0-d and 1-d tensors come back as they are (PyTorch's .t()). */
  t(): Tensor<D> { return X.t<Tensor>(this) as Tensor<D>; }
  /** int32 one-hot rows of these int32 class indices. */
  oneHot(numClasses = -1): Tensor<'int32'> { return X.oneHot<Tensor>(this, numClasses) as Tensor<'int32'>; }
}

// add, exp, gelu… as methods: one per elementwise op of the registry (src/generated/methods.ts).
export interface Tensor<D extends DType = DType> extends TensorMethods<Tensor<D>, TensorLike> {}
installTensorMethods<Tensor, TensorLike>(Tensor.prototype);

// ── internals ──

/**
 * @internal A constant int32 tensor of checked indices (indexSelect's
 * indices, crossEntropy's targets), made as `eng.tensor(Int32Array.from(list))`
 * would make it.
 */
export function indexTensor(eng: EngineContext, list: ArrayLike<number>): Tensor {
  const data = Int32Array.from(list);
  return make(eng, eng.tensorOps('tensor').fromData(data, [data.length], 'int32', false), [data.length], 'int32');
}

/** @internal */
export function make<E extends DType>(eng: EngineContext, id: number, shape: readonly number[], dtype: E): Tensor<E> {
  if (!eng.gradEnabled) id = withoutGrad(eng, id);
  return new Tensor(eng.current, id, shape, dtype);
}

/**
 * Inside eng.noGrad(): an op's result that would require grad, detached, so
 * that nothing made there passes a gradient (the op's own node stays behind
 * the Detach, unreachable). A leaf made with requiresGrad keeps it, as in
 * PyTorch's no_grad.
 */
function withoutGrad(eng: EngineContext, id: number): number {
  const be = eng.tensorOps('noGrad');
  if (!be.requiresGrad(id) || be.nodeInfo(id).kind === 'Leaf') return id;
  return be.run('Detach', [id], {});
}

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new WasmgradArgumentError(`${op}: expected a Tensor, got ${describe(x)}`);
  return x;
}

/** A number as a shape-[] constant of `like`'s dtype. */
function scalarLike(x: number, like: Tensor): Tensor {
  const eng = like.owner.engine;
  return make(eng, eng.tensorOps('full').full([], like.dtype, x), [], like.dtype);
}

/** The node id and shape of an op's second operand (a number becomes a shape-[] constant). */
function operand(op: string, a: Tensor, b: unknown): { id: number; shape: readonly number[] } {
  const eng = a.owner.engine;
  if (typeof b === 'number') return { id: eng.tensorOps(op).full([], a.dtype, b), shape: [] };
  if (!(b instanceof Tensor)) throw new WasmgradArgumentError(`${op}: expected a Tensor or a number, got ${describe(b)}`);
  S.checkSameDtype(op, a.dtype, b.dtype);
  return { id: eng.tensorIdOf(b, op), shape: b.shape };
}

/** An elementwise op by its registry entry: the method name errors give, and whether int32 is refused. */
function unary(op: UnaryOpId, a: Tensor): Tensor {
  const { method: name, dtypes } = ELEMENTWISE[op];
  const eng = a.owner.engine;
  const be = eng.tensorOps(name);
  const ia = eng.tensorIdOf(a, name);
  if (dtypes === 'float') S.checkFloat(name, a.dtype);
  return make(eng, be.run('Unary', [ia], { op }), a.shape, a.dtype);
}

function binary(op: BinaryOpId, a: Tensor, b: TensorLike): Tensor {
  const { method: name, dtypes } = ELEMENTWISE[op];
  const eng = a.owner.engine;
  const be = eng.tensorOps(name);
  const ia = eng.tensorIdOf(a, name);
  if (b instanceof Tensor) S.checkSameDtype(name, a.dtype, b.dtype);
  if (dtypes === 'float') S.checkFloat(name, a.dtype);
  const shape = S.broadcastShapes(name, a.shape, b instanceof Tensor ? b.shape : []);
  const ib = operand(name, a, b);
  return make(eng, be.run('Binary', [ia, ib.id], { op }), shape, a.dtype);
}

function compare(kind: CompareKindId, name: string, a: Tensor, b: TensorLike): Tensor {
  const eng = a.owner.engine;
  const be = eng.tensorOps(name);
  const ia = eng.tensorIdOf(a, name);
  if (b instanceof Tensor) S.checkSameDtype(name, a.dtype, b.dtype);
  const shape = S.broadcastShapes(name, a.shape, b instanceof Tensor ? b.shape : []);
  const ib = operand(name, a, b);
  return make(eng, be.run('Compare', [ia, ib.id], { kind }), shape, a.dtype);
}

const REDUCE_KEYS = ['keepdims'] as const;
const VAR_KEYS = ['keepdims', 'correction'] as const;

function reduceOptions<T extends ReduceOptions>(options: T | undefined, op: string, known: readonly string[] = REDUCE_KEYS): T {
  const o = checkOptions(options, op, known);
  checkFlag(o.keepdims, op, 'keepdims');
  return o;
}

function reduce(kind: 0 | 1 | 2, name: string, a: Tensor, axes: number | readonly number[] | undefined, options: ReduceOptions | undefined): Tensor {
  options = reduceOptions(options, name);
  const eng = a.owner.engine;
  const be = eng.tensorOps(name);
  const ia = eng.tensorIdOf(a, name);
  const ax = S.normalizeAxes(name, axes, a.rank);
  if (kind !== ReduceKind.Sum) {
    for (const d of ax) if (a.shape[d] === 0) throw new WasmgradValueError(`${name}: cannot reduce over dim ${d} of size 0`);
  }
  const keepdims = options.keepdims ?? false;
  const shape = S.reducedShape(a.shape, ax, keepdims);
  return make(eng, be.run('Reduce', [ia], { kind, axes: ax, keepdims }), shape, a.dtype);
}

/** mask ≠ 0 ? a : b, broadcast over all three; the gradient goes to the chosen side. */
export function where(mask: Tensor, a: TensorLike, b: TensorLike, name = 'where', engine?: EngineContext): Tensor {
  const m = checkTensor(mask, name);
  const eng = engine ?? m.owner.engine;
  const be = eng.tensorOps(name);
  const im = eng.tensorIdOf(m, name);
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : m.dtype === 'int32' ? 'float32' : m.dtype;
  const lift = (x: TensorLike): { id: number; shape: readonly number[] } => {
    if (typeof x === 'number') return { id: be.full([], dtype, x), shape: [] };
    if (!(x instanceof Tensor)) throw new WasmgradArgumentError(`${name}: expected a Tensor or a number, got ${describe(x)}`);
    S.checkSameDtype(name, dtype, x.dtype);
    return { id: eng.tensorIdOf(x, name), shape: x.shape };
  };
  const shapes = [m.shape, a instanceof Tensor ? a.shape : [], b instanceof Tensor ? b.shape : []];
  if (b instanceof Tensor) S.checkSameDtype(name, dtype, b.dtype);
  const shape = S.broadcastShapes(name, ...shapes);
  const la = lift(a), lb = lift(b);
  return make(eng, be.run('Where', [im, la.id, lb.id], {}), shape, dtype);
}

/** Joins tensors of one dtype along `axis` (other dims equal). */
export function concat(list: readonly Tensor[], axis = 0, engine?: EngineContext): Tensor {
  if (!Array.isArray(list) || list.length === 0) throw new WasmgradValueError('concat: expected a non-empty array of tensors');
  const ts = list.map((t) => checkTensor(t, 'concat'));
  const first = ts[0];
  const eng = engine ?? first.owner.engine;
  // every id is taken up front, so a tensor of another engine (or a dead one) fails before any node is pushed
  for (const t of ts) eng.tensorIdOf(t, 'concat');
  const be = eng.tensorOps('concat');
  for (const t of ts) S.checkSameDtype('concat', first.dtype, t.dtype);
  if (first.rank === 0) throw new WasmgradShapeError('concat: tensors of rank 0 cannot be joined; use stack');
  const ax = S.normalizeAxis('concat', axis, first.rank);
  S.concatShape('concat', ts.map((t) => t.shape), ax);
  let out = first;
  for (let i = 1; i < ts.length; i++) {
    const shape = out.shape.slice();
    shape[ax] += ts[i].shape[ax];
    out = make(eng, be.run('Concat', [eng.tensorIdOf(out, 'concat'), eng.tensorIdOf(ts[i], 'concat')], { axis: ax }), shape, first.dtype);
  }
  return out;
}

/** Joins same-shape tensors along a new dim `axis`. */
export function stack(list: readonly Tensor[], axis = 0, engine?: EngineContext): Tensor {
  if (!Array.isArray(list) || list.length === 0) throw new WasmgradValueError('stack: expected a non-empty array of tensors');
  const ts = list.map((t) => checkTensor(t, 'stack'));
  const eng = engine ?? ts[0].owner.engine;
  for (const t of ts) eng.tensorIdOf(t, 'stack');
  for (const t of ts) {
    if (!S.sameShape(t.shape, ts[0].shape)) throw new WasmgradShapeError(`stack: shapes ${ts.map((x) => S.fmt(x.shape)).join(', ')} differ`);
  }
  const ax = S.normalizeAxis('stack', axis, ts[0].rank + 1);
  return concat(ts.map((t) => t.unsqueeze(ax)), ax, eng);
}

// ── index lists ──

/**
 * An index list as given: an array, a typed array, or a 1-d int32 tensor.
 * Entries are checked by the caller (checkIndices), which words the error.
 */
export function indexList(op: string, name: string, x: unknown): Tensor | ArrayLike<unknown> {
  if (x instanceof Tensor) {
    if (x.dtype !== 'int32' || x.rank !== 1) throw new WasmgradDTypeError(`${op}: ${name} must be a 1-d int32 tensor, got ${x.dtype} ${S.fmt(x.shape)}`);
    return x;
  }
  if (Array.isArray(x) || (isTyped(x) && typeof (x as unknown as { [0]: unknown })[0] !== 'bigint')) {
    S.checkCount(op, x.length, `a list of ${name}`);
    return x as ArrayLike<unknown>;
  }
  throw new WasmgradDTypeError(`${op}: ${name} must be an array of integers, a typed array or a 1-d int32 tensor, got ${describe(x)}`);
}
