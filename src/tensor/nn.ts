// Tensor layers with PyTorch's conventions (weight [out, in], default init
// U(−1/√fan_in, 1/√fan_in) for weight and bias). Their parameters are
// TensorParams, so they survive eng.reset() and a training loop rebuilds the
// graph every step. src/nn.ts re-exports them beside the scalar Neuron/Layer/MLP.

import { checkFlag, checkOptions, checkRng, describe } from '../check.js';
import type { Engine } from '../engine.js';
import { Random } from '../random.js';
import { conv2d, linear } from './functional.js';
import { checkSize as checkTensorSize } from './shape.js';
import { Tensor } from './tensor.js';
import { TensorParam } from './param.js';
import { allocTyped } from './data.js';

export abstract class TensorModule {
  abstract forward(x: Tensor): Tensor;
  abstract parameters(): TensorParam[];

  /** Sets the gradient of this module's parameters to 0. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}

export interface InitOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Source of the initial values. Default: new Random(42). */
  rng?: Random;
  /** Default float32. */
  dtype?: 'float32' | 'float64';
}

function uniformParam(eng: Engine, name: string, shape: number[], bound: number, rng: Random, dtype: 'float32' | 'float64'): TensorParam {
  // before the values are drawn: a huge layer must fail at once, not after filling gigabytes
  checkTensorSize(name, shape, 'a parameter of shape');
  const n = shape.reduce((a, b) => a * b, 1);
  // Out of memory, drawing the values in JS or making the slot, names the layer on both backends.
  try {
    const data = allocTyped(dtype, n, name);
    for (let i = 0; i < n; i++) data[i] = rng.uniform(-bound, bound);
    return eng.parameter(data, shape, { dtype });
  } catch (err) {
    throw eng.memoryFailure(err, name);
  }
}

/** The options every layer takes, checked (known keys, types) with the layer's defaults filled in. */
function initOptions<T extends InitOptions>(options: T | undefined, name: string, known: readonly string[]): { o: T; rng: Random; dtype: 'float32' | 'float64'; bias: boolean } {
  const o = checkOptions(options, name, known);
  const rng = o.rng !== undefined ? checkRng(o.rng, name) : new Random(42);
  const dtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`${name}: dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
  return { o, rng, dtype, bias: checkFlag(o.bias, name, 'bias') ?? true };
}

function checkSize(name: string, what: string, x: number): void {
  if (!Number.isInteger(x) || x < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${String(x)}`);
}

/** y = x·Wᵀ + b, x [..., in] → [..., out]. */
export class Linear extends TensorModule {
  readonly weight: TensorParam;
  readonly bias: TensorParam | null;

  constructor(readonly engine: Engine, readonly inFeatures: number, readonly outFeatures: number, options?: InitOptions) {
    super();
    checkSize('Linear', 'in', inFeatures);
    checkSize('Linear', 'out', outFeatures);
    const { rng, dtype, bias } = initOptions(options, 'Linear', ['bias', 'rng', 'dtype']);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = uniformParam(engine, 'Linear', [outFeatures, inFeatures], bound, rng, dtype);
    this.bias = bias ? uniformParam(engine, 'Linear', [outFeatures], bound, rng, dtype) : null;
  }

  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override parameters(): TensorParam[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  override toString(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures}${this.bias ? '' : ', bias=false'})`;
  }
}

export interface Conv2dInitOptions extends InitOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
}

/** x [N, in, H, W] → [N, out, HO, WO] with a [out, in, k, k] kernel. */
export class Conv2d extends TensorModule {
  readonly weight: TensorParam;
  readonly bias: TensorParam | null;
  readonly stride: number | [number, number];
  readonly padding: number | [number, number];

  constructor(
    readonly engine: Engine, readonly inChannels: number, readonly outChannels: number,
    readonly kernelSize: number | [number, number], options?: Conv2dInitOptions,
  ) {
    super();
    const { o, rng, dtype, bias } = initOptions(options, 'Conv2d', ['bias', 'rng', 'dtype', 'stride', 'padding']);
    checkSize('Conv2d', 'inChannels', inChannels);
    checkSize('Conv2d', 'outChannels', outChannels);
    if (typeof kernelSize !== 'number' && !(Array.isArray(kernelSize) && kernelSize.length === 2)) {
      throw new TypeError(`Conv2d: kernelSize must be a number or a pair of numbers, got ${describe(kernelSize)}`);
    }
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    checkSize('Conv2d', 'kernelSize', kh);
    checkSize('Conv2d', 'kernelSize', kw);
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.weight = uniformParam(engine, 'Conv2d', [outChannels, inChannels, kh, kw], bound, rng, dtype);
    this.bias = bias ? uniformParam(engine, 'Conv2d', [outChannels], bound, rng, dtype) : null;
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  override parameters(): TensorParam[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

export type Layer = TensorModule | ((x: Tensor) => Tensor);

/** Applies layers in order; a layer is a module or a function such as `(x) => x.relu()`. */
export class Sequential extends TensorModule {
  readonly layers: readonly Layer[];

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof TensorModule) && typeof l !== 'function') throw new TypeError(`Sequential: layer ${i} is neither a module nor a function`);
    });
    this.layers = layers;
  }

  override forward(x: Tensor): Tensor {
    let out = x;
    for (const l of this.layers) out = l instanceof TensorModule ? l.forward(out) : l(out);
    return out;
  }

  override parameters(): TensorParam[] {
    return this.layers.flatMap((l) => (l instanceof TensorModule ? l.parameters() : []));
  }
}
