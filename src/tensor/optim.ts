// Optimizers over TensorParams, with PyTorch's update formulas; learning-rate
// schedules are in ./schedules.ts. State
// (momentum, Adam's moments) lives in slots beside the parameters, and
// step() is one backend call that updates every parameter in place.

import { checkOptions, describe } from '../check.js';
import type { EngineContext } from '../context.js';
import { TensorParam } from './param.js';
import { allocTyped } from './data.js';

/** What every optimizer shares; extend it (implement step()) to write your own. */
export abstract class Optimizer {
  readonly params: readonly TensorParam[];
  protected readonly engine: EngineContext;

  constructor(params: readonly TensorParam[], name: string) {
    if (!Array.isArray(params) || params.length === 0) throw new RangeError(`${name}: expected a non-empty array of parameters`);
    params.forEach((p, i) => {
      if (!(p instanceof TensorParam)) throw new TypeError(`${name}: parameter ${i} is ${describe(p)}, not a TensorParam`);
      if (!p.requiresGrad) throw new TypeError(`${name}: parameter ${i} does not require grad`);
      if (p.owner.engine !== params[0].owner.engine) throw new Error(`${name}: the parameters belong to different engines`);
    });
    this.params = params.slice();
    this.engine = params[0].owner.engine;
  }

  /** Zero-filled state slots shaped like the parameters. */
  protected stateSlots(): number[] {
    const eng = this.engine;
    const be = eng.tensorOps('optimizer');
    return this.params.map((p) => {
      let zeros;
      try {
        zeros = allocTyped(p.dtype, p.size, 'optimizer');
      } catch (err) {
        throw eng.memoryFailure(err, 'optimizer');
      }
      return be.createSlot(zeros, p.shape, p.dtype, false);
    });
  }

  protected slots(): number[] {
    return this.params.map((p) => {
      p.checkLive('step');
      return p.slot;
    });
  }

  /** Graphs built after a step read the new values through new nodes. */
  protected touched(): void {
    for (const p of this.params) p.owner = this.engine.unbound;
  }

  abstract step(): void;

  /** Sets the gradients of this optimizer's parameters to 0. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
}

function checkHyper(name: string, key: string, x: unknown, min = 0): number {
  if (typeof x !== 'number') throw new TypeError(`${name}: ${key} must be a number ≥ ${min}, got ${describe(x)}`);
  if (!(x >= min)) throw new RangeError(`${name}: ${key} must be a number ≥ ${min}, got ${describe(x)}`);
  return x;
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

/** torch.optim.SGD (no dampening, no Nesterov): g = grad + wd·p; v = μ·v + g (v = g on the first step); p −= lr·v. */
export class SGD extends Optimizer {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly velocity: number[];
  private steps = 0;

  constructor(params: readonly TensorParam[], options: SGDOptions) {
    super(params, 'SGD');
    options = checkOptions(options, 'SGD', ['lr', 'momentum', 'weightDecay']);
    if (options.lr === undefined) throw new TypeError('SGD: lr is required (a number ≥ 0), e.g. new optim.SGD(params, { lr: 0.01 })');
    this.lr = checkHyper('SGD', 'lr', options.lr);
    this.momentum = checkHyper('SGD', 'momentum', options.momentum ?? 0);
    this.weightDecay = checkHyper('SGD', 'weightDecay', options.weightDecay ?? 0);
    this.velocity = this.momentum !== 0 ? this.stateSlots() : [];
  }

  step(): void {
    const be = this.engine.tensorOps('step');
    be.sgdStep(this.slots(), this.velocity, this.lr, this.momentum, this.weightDecay, this.steps === 0);
    this.steps++;
    this.touched();
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** torch.optim.Adam; weightDecay adds wd·p to the gradient (L2). */
export class Adam extends Optimizer {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly m: number[];
  private readonly v: number[];
  private t = 0;

  constructor(params: readonly TensorParam[], options?: AdamOptions, protected readonly decoupled = false, name = 'Adam') {
    super(params, name);
    options = checkOptions(options, name, ['lr', 'betas', 'eps', 'weightDecay']);
    this.lr = checkHyper(name, 'lr', options.lr ?? 1e-3);
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2 || betas.some((b) => typeof b !== 'number')) {
      throw new TypeError(`${name}: betas must be a pair of numbers [beta1, beta2], got ${describe(betas)}`);
    }
    for (const b of betas) if (!(b >= 0 && b < 1)) throw new RangeError(`${name}: betas must be in [0, 1), got ${String(betas)}`);
    this.betas = [betas[0], betas[1]];
    this.eps = checkHyper(name, 'eps', options.eps ?? 1e-8);
    this.weightDecay = checkHyper(name, 'weightDecay', options.weightDecay ?? (decoupled ? 0.01 : 0));
    this.m = this.stateSlots();
    this.v = this.stateSlots();
  }

  step(): void {
    const be = this.engine.tensorOps('step');
    this.t++;
    be.adamStep(this.slots(), this.m, this.v, this.lr, this.betas[0], this.betas[1], this.eps, this.weightDecay, this.decoupled, this.t);
    this.touched();
  }
}

/** torch.optim.AdamW: decoupled weight decay p −= lr·wd·p before Adam's update (default wd 0.01). */
export class AdamW extends Adam {
  constructor(params: readonly TensorParam[], options?: AdamOptions) {
    super(params, options, true, 'AdamW');
  }
}

export { LRSchedule, StepLR, CosineAnnealingLR, OneCycleLR, type HasLearningRate, type StepLROptions, type CosineOptions, type OneCycleOptions } from './schedules.js';

export { clipGradNorm, clipGradValue } from './clip.js';
