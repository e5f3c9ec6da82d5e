// Normalisation layers with PyTorch's conventions. LayerNorm and BatchNorm
// normalise with the biased variance (divide by n) and eps inside the square
// root; BatchNorm's running_var is updated with the unbiased one (n − 1), as
// torch.nn.BatchNorm does, so eval-mode outputs match PyTorch's.

import { checkFlag, checkOptions, describe } from '../../check.js';
import type { Engine } from '../../engine.js';
import type { EngineContext } from '../../context.js';
import type { TensorParam } from '../param.js';
import * as S from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkCount, checkEngine, makeParam, shown } from './layers.js';
import { Module } from './module.js';
import { WasmgradDTypeError, WasmgradShapeError, WasmgradValueError } from '../../errors.js';

export interface LayerNormOptions {
  eps?: number;
  /** Learn a weight (ones at start) and a bias (zeros) per normalised element (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine: whether there is a bias (default true). */
  bias?: boolean;
  dtype?: 'float32' | 'float64';
}

function checkDtype(name: string, dtype: unknown): 'float32' | 'float64' {
  if (dtype !== 'float32' && dtype !== 'float64') throw new WasmgradDTypeError(`${name}: dtype must be 'float32' or 'float64', got ${describe(dtype)}`);
  return dtype;
}

function checkEps(name: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0)) throw new WasmgradValueError(`${name}: eps must be a number ≥ 0, got ${shown(eps)}`);
  return eps;
}

/** (x − mean)/√(var + eps)·weight + bias over the last dims, those of `normalizedShape`. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: TensorParam | null;
  readonly bias: TensorParam | null;

  constructor(readonly engine: Engine, normalizedShape: number | readonly number[], options?: LayerNormOptions) {
    super();
    const eng = checkEngine(engine, 'LayerNorm');
    const o = checkOptions(options, 'LayerNorm', ['eps', 'elementwiseAffine', 'bias', 'dtype']);
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0) throw new WasmgradValueError('LayerNorm: normalizedShape must have at least one dim');
    for (const d of this.normalizedShape) checkCount('LayerNorm', 'each dim of normalizedShape', d);
    this.eps = checkEps('LayerNorm', o.eps ?? 1e-5);
    const affine = checkFlag(o.elementwiseAffine, 'LayerNorm', 'elementwiseAffine') ?? true;
    const hasBias = checkFlag(o.bias, 'LayerNorm', 'bias') ?? true;
    const dtype = checkDtype('LayerNorm', o.dtype ?? 'float32');
    this.weight = affine ? makeParam(eng, 'LayerNorm', this.normalizedShape, dtype, (d) => d.fill(1)) : null;
    this.bias = affine && hasBias ? makeParam(eng, 'LayerNorm', this.normalizedShape, dtype, (d) => d.fill(0)) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
  }

  override forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (!(x instanceof Tensor) || !S.sameShape(x.shape.slice(x.rank - k), this.normalizedShape) || x.rank < k) {
      throw new WasmgradShapeError(`LayerNorm: the input's last dims must be ${S.fmt(this.normalizedShape)}, got ${x instanceof Tensor ? S.fmt(x.shape) : describe(x)}`);
    }
    const axes = Array.from({ length: k }, (_, i) => x.rank - k + i);
    const mean = x.mean(axes, { keepdims: true });
    const variance = x.var(axes, { keepdims: true, correction: 0 });
    let y = x.sub(mean).div(variance.add(this.eps).sqrt());
    if (this.weight) y = y.mul(this.weight);
    if (this.bias) y = y.add(this.bias);
    return y;
  }

  protected override extraRepr(): string {
    return `${S.fmt(this.normalizedShape)}, eps=${this.eps}`;
  }
}

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the batch in the running averages (default 0.1, as PyTorch). */
  momentum?: number;
  /** Learn a per-channel weight (ones) and bias (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without, eval normalises with the batch's. */
  trackRunningStats?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * Normalises each channel (dim 1) over the batch and the other dims. In
 * training mode: with the batch's mean and biased variance, and updates
 * running_mean and running_var (with the unbiased variance) by
 * (1 − momentum)·running + momentum·batch, and counts num_batches_tracked.
 * In eval mode: with the running statistics.
 */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number;
  readonly weight: TensorParam | null;
  readonly bias: TensorParam | null;
  readonly runningMean: TensorParam | null;
  readonly runningVar: TensorParam | null;
  readonly numBatchesTracked: TensorParam | null;

  constructor(readonly engine: Engine, readonly numFeatures: number, options: BatchNormOptions | undefined, private readonly name: string, private readonly ranks: readonly number[]) {
    super();
    const eng: EngineContext = checkEngine(engine, name);
    const o = checkOptions(options, name, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype']);
    checkCount(name, 'numFeatures', numFeatures);
    this.eps = checkEps(name, o.eps ?? 1e-5);
    const momentum = o.momentum ?? 0.1;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new WasmgradValueError(`${name}: momentum must be in [0, 1], got ${shown(momentum)}`);
    this.momentum = momentum;
    const affine = checkFlag(o.affine, name, 'affine') ?? true;
    const track = checkFlag(o.trackRunningStats, name, 'trackRunningStats') ?? true;
    const dtype = checkDtype(name, o.dtype ?? 'float32');
    const c = [numFeatures];
    this.weight = affine ? makeParam(eng, name, c, dtype, (d) => d.fill(1)) : null;
    this.bias = affine ? makeParam(eng, name, c, dtype, (d) => d.fill(0)) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    this.runningMean = track ? makeParam(eng, name, c, dtype, (d) => d.fill(0), false) : null;
    this.runningVar = track ? makeParam(eng, name, c, dtype, (d) => d.fill(1), false) : null;
    this.numBatchesTracked = track ? makeParam(eng, name, [], 'int32', () => undefined, false) : null;
    if (track) {
      this.registerBuffer('running_mean', this.runningMean!);
      this.registerBuffer('running_var', this.runningVar!);
      this.registerBuffer('num_batches_tracked', this.numBatchesTracked!, { int64: true });
    }
  }

  override forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || !this.ranks.includes(x.rank) || x.shape[1] !== this.numFeatures) {
      const want = this.ranks.map((r) => (r === 2 ? '[N, C]' : r === 3 ? '[N, C, L]' : '[N, C, H, W]')).join(' or ');
      throw new WasmgradShapeError(`${this.name}: expected an input ${want} with C = ${this.numFeatures}, got ${x instanceof Tensor ? S.fmt(x.shape) : describe(x)}`);
    }
    const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
    const channel = [1, this.numFeatures, ...new Array(x.rank - 2).fill(1)];
    let mean: Tensor, variance: Tensor;
    if (this.training || this.runningMean === null) {
      const n = x.size / this.numFeatures;
      if (this.training && n <= 1) throw new WasmgradShapeError(`${this.name}: expected more than 1 value per channel when training, got input ${S.fmt(x.shape)}`);
      mean = x.mean(axes, { keepdims: true });
      variance = x.var(axes, { keepdims: true, correction: 0 });
      if (this.training && this.runningMean !== null) this.updateRunning(mean.data(), variance.data(), n);
    } else {
      mean = this.runningMean.reshape(channel);
      variance = this.runningVar!.reshape(channel);
    }
    let y = x.sub(mean).div(variance.add(this.eps).sqrt());
    if (this.weight) y = y.mul(this.weight.reshape(channel));
    if (this.bias) y = y.add(this.bias.reshape(channel));
    return y;
  }

  /** running ← (1 − m)·running + m·batch, the variance made unbiased (·n/(n − 1)); computed in f64, stored in the buffers' dtype. */
  private updateRunning(mean: ArrayLike<number>, biasedVar: ArrayLike<number>, n: number): void {
    const rm = this.runningMean!.data(), rv = this.runningVar!.data();
    const m = this.momentum;
    for (let c = 0; c < this.numFeatures; c++) {
      rm[c] = (1 - m) * rm[c] + m * mean[c];
      rv[c] = (1 - m) * rv[c] + m * biasedVar[c] * (n / (n - 1));
    }
    this.runningMean!.assign(rm);
    this.runningVar!.assign(rv);
    const t = this.numBatchesTracked!.data();
    t[0] += 1;
    this.numBatchesTracked!.assign(t);
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}

/** BatchNorm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(engine: Engine, numFeatures: number, options?: BatchNormOptions) {
    super(engine, numFeatures, options, 'BatchNorm1d', [2, 3]);
  }
}

/** BatchNorm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(engine: Engine, numFeatures: number, options?: BatchNormOptions) {
    super(engine, numFeatures, options, 'BatchNorm2d', [4]);
  }
}
