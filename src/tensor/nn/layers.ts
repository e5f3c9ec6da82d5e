// Layers with PyTorch's layouts and default inits: Linear weight [out, in],
// Conv1d [out, in, k], Conv2d [out, in, kh, kw], each with
// kaiming_uniform(a = √5) (which is U(±1/√fan_in)) and a bias U(±1/√fan_in);
// Embedding N(0, 1). Values are drawn from the engine's generator unless an
// `rng` is given, so two layers made one after the other differ and a seeded
// engine makes the same model every run, on both backends.

import { checkFlag, checkOptions, checkRng, describe } from '../../check.js';
import type { EngineContext } from '../../context.js';
import type { Engine } from '../../engine.js';
import type { Random } from '../../random.js';
import type { DType, TypedData } from '../backend.js';
import { allocTyped } from '../data.js';
import { avgPool2d, conv2d, linear, maxPool2d, type Pool2dOptions } from '../functional.js';
import { TensorParam } from '../param.js';
import * as S from '../shape.js';
import { Tensor, make } from '../tensor.js';
import { fillNormal, fillUniform, kaimingStd } from '../init.js';
import { Module } from './module.js';
import { WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError, WasmgradValueError } from '../../errors.js';

export interface InitOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Source of the initial values. Default: the engine's generator (`eng.rng`). */
  rng?: Random;
  /** Default float32. */
  dtype?: 'float32' | 'float64';
}

/** A parameter of `shape` whose values `fill` draws, made once (a huge layer fails before it draws anything). */
export function makeParam(eng: EngineContext, name: string, shape: number[], dtype: DType, fill: (data: TypedData) => void, requiresGrad = true): TensorParam {
  S.checkSize(name, shape, 'a parameter of shape');
  const n = shape.reduce((a, b) => a * b, 1);
  // Out of memory, drawing the values in JS or making the slot, names the layer on both backends.
  try {
    const data = allocTyped(dtype, n, name);
    fill(data);
    return new TensorParam(eng, eng.tensorOps(name).createSlot(data, shape, dtype, requiresGrad), shape, dtype, requiresGrad);
  } catch (err) {
    throw eng.memoryFailure(err, name);
  }
}

/** The options every layer takes, checked, with the layer's defaults filled in. */
export function initOptions<T extends InitOptions>(eng: EngineContext, options: T | undefined, name: string, known: readonly string[]): { o: T; rng: Random; dtype: 'float32' | 'float64'; bias: boolean } {
  const o = checkOptions(options, name, known);
  const rng = o.rng !== undefined ? checkRng(o.rng, name) : eng.tensorRng;
  const dtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new WasmgradDTypeError(`${name}: dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
  return { o, rng, dtype, bias: checkFlag(o.bias, name, 'bias') ?? true };
}

export function checkEngine(eng: unknown, name: string): EngineContext {
  if (typeof eng !== 'object' || eng === null || !('tensorRng' in eng)) throw new WasmgradArgumentError(`${name}: the first argument must be the engine, got ${describe(eng)}`);
  return eng as EngineContext;
}

/** A number as itself in messages, anything else described. */
export function shown(x: unknown): string {
  return typeof x === 'number' ? String(x) : describe(x);
}

export function checkCount(name: string, what: string, x: number): void {
  if (!Number.isInteger(x) || x < 1) throw new WasmgradValueError(`${name}: ${what} must be a positive integer, got ${String(x)}`);
}

/** PyTorch's reset_parameters of Linear and the convolutions: kaiming_uniform(a = √5) weight, U(±1/√fan_in) bias. */
function defaultWeightAndBias(eng: EngineContext, name: string, shape: number[], hasBias: boolean, rng: Random, dtype: DType): [TensorParam, TensorParam | null] {
  const bound = Math.sqrt(3) * kaimingStd(shape, Math.sqrt(5), 'fanIn', 'leakyRelu', name);
  const weight = makeParam(eng, name, shape, dtype, (d) => fillUniform(d, -bound, bound, rng));
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const b = 1 / Math.sqrt(fanIn);
  return [weight, hasBias ? makeParam(eng, name, [shape[0]], dtype, (d) => fillUniform(d, -b, b, rng)) : null];
}

/** y = x·Wᵀ + b, x [..., in] → [..., out]. */
export class Linear extends Module {
  readonly weight: TensorParam;
  readonly bias: TensorParam | null;

  constructor(readonly engine: Engine, readonly inFeatures: number, readonly outFeatures: number, options?: InitOptions) {
    super();
    checkEngine(engine, 'Linear');
    checkCount('Linear', 'in', inFeatures);
    checkCount('Linear', 'out', outFeatures);
    const { rng, dtype, bias } = initOptions(engine, options, 'Linear', ['bias', 'rng', 'dtype']);
    [this.weight, this.bias] = defaultWeightAndBias(engine, 'Linear', [outFeatures, inFeatures], bias, rng, dtype);
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  protected override extraRepr(): string {
    return `${this.inFeatures}, ${this.outFeatures}${this.bias ? '' : ', bias=false'}`;
  }
}

export interface Conv2dInitOptions extends InitOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
}

function kernelPair(name: string, kernelSize: number | [number, number]): [number, number] {
  if (typeof kernelSize !== 'number' && !(Array.isArray(kernelSize) && kernelSize.length === 2)) {
    throw new WasmgradArgumentError(`${name}: kernelSize must be a number or a pair of numbers, got ${describe(kernelSize)}`);
  }
  const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
  checkCount(name, 'kernelSize', kh);
  checkCount(name, 'kernelSize', kw);
  return [kh, kw];
}

/** x [N, in, H, W] → [N, out, HO, WO] with a [out, in, kh, kw] kernel. */
export class Conv2d extends Module {
  readonly weight: TensorParam;
  readonly bias: TensorParam | null;
  readonly stride: number | [number, number];
  readonly padding: number | [number, number];

  constructor(
    readonly engine: Engine, readonly inChannels: number, readonly outChannels: number,
    readonly kernelSize: number | [number, number], options?: Conv2dInitOptions,
  ) {
    super();
    checkEngine(engine, 'Conv2d');
    const { o, rng, dtype, bias } = initOptions(engine, options, 'Conv2d', ['bias', 'rng', 'dtype', 'stride', 'padding']);
    checkCount('Conv2d', 'inChannels', inChannels);
    checkCount('Conv2d', 'outChannels', outChannels);
    const [kh, kw] = kernelPair('Conv2d', kernelSize);
    [this.weight, this.bias] = defaultWeightAndBias(engine, 'Conv2d', [outChannels, inChannels, kh, kw], bias, rng, dtype);
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${String(this.kernelSize)}`;
  }
}

export interface Conv1dInitOptions extends InitOptions {
  stride?: number;
  padding?: number;
}

/** x [N, in, L] → [N, out, LO] with a [out, in, k] kernel: conv2d over a height of 1. */
export class Conv1d extends Module {
  readonly weight: TensorParam;
  readonly bias: TensorParam | null;
  readonly stride: number;
  readonly padding: number;

  constructor(readonly engine: Engine, readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, options?: Conv1dInitOptions) {
    super();
    checkEngine(engine, 'Conv1d');
    const { o, rng, dtype, bias } = initOptions(engine, options, 'Conv1d', ['bias', 'rng', 'dtype', 'stride', 'padding']);
    checkCount('Conv1d', 'inChannels', inChannels);
    checkCount('Conv1d', 'outChannels', outChannels);
    checkCount('Conv1d', 'kernelSize', kernelSize);
    [this.weight, this.bias] = defaultWeightAndBias(engine, 'Conv1d', [outChannels, inChannels, kernelSize], bias, rng, dtype);
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    checkCount('Conv1d', 'stride', this.stride);
    if (!Number.isInteger(this.padding) || this.padding < 0) throw new WasmgradValueError(`Conv1d: padding must be a whole number, got ${shown(this.padding)}`);
  }

  override forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.rank !== 3) throw new WasmgradShapeError(`Conv1d: expected an input [batch, channels, length], got ${x instanceof Tensor ? S.fmt(x.shape) : describe(x)}`);
    const [n, c, l] = x.shape;
    const w = this.weight.reshape([this.outChannels, this.inChannels, 1, this.kernelSize]);
    const y = conv2d(x.reshape([n, c, 1, l]), w, this.bias, { stride: [1, this.stride], padding: [0, this.padding] });
    return y.reshape([n, this.outChannels, y.shape[3]]);
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}`;
  }
}

export interface EmbeddingOptions {
  rng?: Random;
  dtype?: 'float32' | 'float64';
}

/** A lookup table weight [num, dim], N(0, 1) at start: indices of any shape → [...shape, dim]. */
export class Embedding extends Module {
  readonly weight: TensorParam;

  constructor(readonly engine: Engine, readonly numEmbeddings: number, readonly embeddingDim: number, options?: EmbeddingOptions) {
    super();
    checkEngine(engine, 'Embedding');
    checkCount('Embedding', 'numEmbeddings', numEmbeddings);
    checkCount('Embedding', 'embeddingDim', embeddingDim);
    const { rng, dtype } = initOptions(engine, options, 'Embedding', ['rng', 'dtype']);
    this.weight = makeParam(engine, 'Embedding', [numEmbeddings, embeddingDim], dtype, (d) => fillNormal(d, 0, 1, rng));
    this.registerParameter('weight', this.weight);
  }

  /** indices: an int32 tensor of any shape, or a list of numbers. */
  override forward(indices: Tensor | readonly number[]): Tensor {
    const shape = indices instanceof Tensor ? indices.shape : [indices.length];
    const flat = indices instanceof Tensor ? indices.reshape([-1]) : indices;
    return this.weight.indexSelect(0, flat).reshape([...shape, this.embeddingDim]);
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}

export type Layer = Module | ((x: Tensor) => Tensor);

/**
 * Applies layers in order; a layer is a module or a function such as
 * `(x) => x.relu()`. Children are named by position, functions included, so
 * `Sequential(Linear, relu, Linear)` has `0.weight` and `2.weight` as PyTorch's
 * Sequential(Linear, ReLU(), Linear) does.
 */
export class Sequential extends Module {
  readonly layers: readonly Layer[];

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module) && typeof l !== 'function') throw new WasmgradArgumentError(`Sequential: layer ${i} is neither a module nor a function`);
      if (l instanceof Module) this.registerModule(String(i), l);
    });
    this.layers = layers;
  }

  override forward(x: Tensor): Tensor {
    let out = x;
    for (const l of this.layers) out = l instanceof Module ? (l as unknown as { forward(x: Tensor): Tensor }).forward(out) : l(out);
    return out;
  }
}

/** Merges dims start..end (default 1..−1: everything but the batch). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) throw new WasmgradArgumentError('Flatten: startDim and endDim must be integers');
  }

  override forward(x: Tensor): Tensor {
    const r = x.rank;
    const s = this.startDim < 0 ? this.startDim + r : this.startDim;
    const e = this.endDim < 0 ? this.endDim + r : this.endDim;
    if (s < 0 || e >= r || s > e) throw new WasmgradShapeError(`Flatten: dims ${this.startDim}..${this.endDim} are out of range for a tensor of shape ${S.fmt(x.shape)}`);
    return x.reshape([...x.shape.slice(0, s), -1, ...x.shape.slice(e + 1)]);
  }
}

export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return x.relu(); }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return x.tanh(); }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return x.sigmoid(); }
}

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') { super(); }
  override forward(x: Tensor): Tensor { return x.gelu({ approximate: this.approximate }); }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  override forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) { super(); }
  override forward(x: Tensor): Tensor { return x.softmax(this.dim); }
}

/** What nn.MaxPool2d and nn.AvgPool2d share: PyTorch's arguments (stride defaults to the kernel) and no parameters. */
abstract class Pool2d extends Module {
  readonly stride: number | [number, number];
  readonly padding: number | [number, number];

  constructor(readonly kernelSize: number | [number, number], options: Pool2dOptions | undefined, name: string) {
    super();
    const o = checkOptions(options, name, ['stride', 'padding']);
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
  }

  protected override extraRepr(): string {
    return `kernel_size=${String(this.kernelSize)}, stride=${String(this.stride)}, padding=${String(this.padding)}`;
  }
}

/** nn.MaxPool2d: the max over each kernel window of an [N, C, H, W] input; see F.maxPool2d. */
export class MaxPool2d extends Pool2d {
  constructor(kernelSize: number | [number, number], options?: Pool2dOptions) { super(kernelSize, options, 'MaxPool2d'); }
  override forward(x: Tensor): Tensor { return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding }); }
}

/** nn.AvgPool2d: the mean over each kernel window, padding counted in the divisor (count_include_pad=True); see F.avgPool2d. */
export class AvgPool2d extends Pool2d {
  constructor(kernelSize: number | [number, number], options?: Pool2dOptions) { super(kernelSize, options, 'AvgPool2d'); }
  override forward(x: Tensor): Tensor { return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding }); }
}

export interface DropoutOptions {
  /** Source of the masks. Default: the engine's generator of the input. */
  rng?: Random;
}

/**
 * Training: each element zeroed with probability p, the others scaled by
 * 1/(1 − p), so the expectation is unchanged (PyTorch's inverted dropout).
 * Evaluation: the identity. The mask is drawn in JS, so a seed gives the
 * same mask on both backends.
 */
export class Dropout extends Module {
  private readonly rng: Random | undefined;

  constructor(readonly p = 0.5, options?: DropoutOptions) {
    super();
    const o = checkOptions(options, 'Dropout', ['rng']);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new WasmgradValueError(`Dropout: p must be a probability in [0, 1], got ${shown(p)}`);
    this.rng = o.rng !== undefined ? checkRng(o.rng, 'Dropout') : undefined;
  }

  override forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    S.checkFloat('Dropout', x.dtype);
    const eng = x.owner.engine;
    const rng = this.rng ?? eng.tensorRng;
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    const mask = allocTyped(x.dtype, x.size, 'Dropout');
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < this.p ? 0 : scale;
    return x.mul(make(eng, eng.tensorOps('Dropout').fromData(mask, x.shape.slice(), x.dtype, false), x.shape, x.dtype));
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
