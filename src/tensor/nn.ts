// Tensor layers with PyTorch's conventions (weight [out, in], default init
// U(−1/√fan_in, 1/√fan_in) for weight and bias). Their parameters are
// TensorParams, so they survive eng.reset() and a training loop rebuilds the
// graph every step. src/nn.ts re-exports them beside the scalar Neuron/Layer/MLP.

import type { Engine } from '../engine.js';
import { Random } from '../random.js';
import { conv2d, linear } from './functional.js';
import { Tensor, TensorParam } from './tensor.js';

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

function uniformParam(eng: Engine, shape: number[], bound: number, rng: Random, dtype: 'float32' | 'float64'): TensorParam {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-bound, bound);
  return eng.parameter(data, shape, { dtype });
}

function checkSize(name: string, what: string, x: number): void {
  if (!Number.isInteger(x) || x < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${String(x)}`);
}

/** y = x·Wᵀ + b, x [..., in] → [..., out]. */
export class Linear extends TensorModule {
  readonly weight: TensorParam;
  readonly bias: TensorParam | null;

  constructor(readonly engine: Engine, readonly inFeatures: number, readonly outFeatures: number, options: InitOptions = {}) {
    super();
    checkSize('Linear', 'in', inFeatures);
    checkSize('Linear', 'out', outFeatures);
    const rng = options.rng ?? new Random(42);
    const dtype = options.dtype ?? 'float32';
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = uniformParam(engine, [outFeatures, inFeatures], bound, rng, dtype);
    this.bias = options.bias ?? true ? uniformParam(engine, [outFeatures], bound, rng, dtype) : null;
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
    readonly kernelSize: number | [number, number], options: Conv2dInitOptions = {},
  ) {
    super();
    checkSize('Conv2d', 'inChannels', inChannels);
    checkSize('Conv2d', 'outChannels', outChannels);
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    checkSize('Conv2d', 'kernelSize', kh);
    checkSize('Conv2d', 'kernelSize', kw);
    const rng = options.rng ?? new Random(42);
    const dtype = options.dtype ?? 'float32';
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.weight = uniformParam(engine, [outChannels, inChannels, kh, kw], bound, rng, dtype);
    this.bias = options.bias ?? true ? uniformParam(engine, [outChannels], bound, rng, dtype) : null;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
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
