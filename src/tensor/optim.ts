// Optimizers over TensorParams, with PyTorch's update formulas; learning-rate
// schedules are in ./schedules.ts. State
// (momentum, Adam's moments) lives in slots beside the parameters, and
// step() is one backend call that updates every parameter in place.

import { checkOptions, describe } from '../check.js';
import type { EngineContext } from '../context.js';
import { TensorParam } from './param.js';
import { allocTyped } from './data.js';
import type { TypedData } from './backend.js';
import * as S from './shape.js';
import { WasmgradArgumentError, WasmgradShapeError, WasmgradValueError } from '../errors.js';

/** One piece of optimizer state: flat data and its shape (what encodeSafetensors takes). */
export interface OptimizerStateTensor {
  shape: number[];
  data: TypedData;
}

/**
 * An optimizer's state: `step` (updates made so far), the hyperparameters
 * (`lr`, …, informational: loadStateDict restores `lr` only, as a schedule
 * sets it) and `state`, per-parameter buffers by `index.name` in the order
 * of the parameters given to the optimizer (PyTorch's names: `0.momentum_buffer`,
 * `0.exp_avg`, `0.exp_avg_sq`). Plain data: `encodeSafetensors(new
 * Map(Object.entries(sd.state)))` writes the buffers, JSON the rest.
 */
export interface OptimizerStateDict {
  step: number;
  lr: number;
  hyper: Record<string, number | boolean | number[]>;
  state: Record<string, OptimizerStateTensor>;
}

/** What every optimizer shares; extend it (implement step()) to write your own. */
export abstract class Optimizer {
  readonly params: readonly TensorParam[];
  protected readonly engine: EngineContext;

  constructor(params: readonly TensorParam[], name: string) {
    if (!Array.isArray(params) || params.length === 0) throw new WasmgradValueError(`${name}: expected a non-empty array of parameters`);
    params.forEach((p, i) => {
      if (!(p instanceof TensorParam)) throw new WasmgradArgumentError(`${name}: parameter ${i} is ${describe(p)}, not a TensorParam`);
      if (!p.requiresGrad) throw new WasmgradArgumentError(`${name}: parameter ${i} does not require grad`);
      if (p.owner.engine !== params[0].owner.engine) throw new WasmgradArgumentError(`${name}: the parameters belong to different engines`);
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

  /** Copies of the state slots under their names, for stateDict(). */
  protected saveSlots(named: Record<string, readonly number[]>): Record<string, OptimizerStateTensor> {
    const be = this.engine.tensorOps('stateDict');
    const out: Record<string, OptimizerStateTensor> = {};
    for (const [name, slots] of Object.entries(named)) {
      slots.forEach((slot, i) => { out[`${i}.${name}`] = { shape: this.params[i].shape.slice(), data: be.slotData(slot) }; });
    }
    return out;
  }

  /** Checks every buffer of `sd` against the parameters, then writes them all (a refused load changes nothing). */
  protected loadSlots(op: string, sd: OptimizerStateDict, named: Record<string, readonly number[]>): void {
    if (typeof sd !== 'object' || sd === null || typeof sd.state !== 'object' || sd.state === null) throw new WasmgradArgumentError(`${op}: expected a state dict from stateDict(), got ${describe(sd)}`);
    if (!Number.isInteger(sd.step) || sd.step < 0) throw new WasmgradArgumentError(`${op}: step must be a whole number, got ${describe(sd.step)}`);
    if (typeof sd.lr !== 'number' || !(sd.lr >= 0)) throw new WasmgradArgumentError(`${op}: lr must be a number ≥ 0, got ${describe(sd.lr)}`);
    const writes: [number, TypedData][] = [];
    const expected = new Set<string>();
    for (const [name, slots] of Object.entries(named)) {
      slots.forEach((slot, i) => {
        const key = `${i}.${name}`;
        expected.add(key);
        const t = sd.state[key];
        if (t === undefined) throw new WasmgradValueError(`${op}: the state dict has no '${key}' (parameter ${i})`);
        const p = this.params[i];
        if (!Array.isArray(t.shape) || !ArrayBuffer.isView(t.data) || !S.sameShape(t.shape, p.shape) || t.data.length !== p.size) {
          throw new WasmgradShapeError(`${op}: '${key}' must have parameter ${i}'s shape ${S.fmt(p.shape)}, got ${Array.isArray(t?.shape) ? S.fmt(t.shape) : describe(t)}`);
        }
        writes.push([slot, t.data]);
      });
    }
    const extra = Object.keys(sd.state).filter((k) => !expected.has(k));
    if (extra.length > 0) throw new WasmgradValueError(`${op}: unexpected state ${extra.map((k) => `'${k}'`).join(', ')} (another optimizer's, or momentum where this one has none)`);
    const be = this.engine.tensorOps(op);
    for (const [slot, data] of writes) be.setSlotData(slot, data);
  }

  /** Sets the gradients of this optimizer's parameters to 0. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }
}

function checkHyper(name: string, key: string, x: unknown, min = 0): number {
  if (typeof x !== 'number') throw new WasmgradArgumentError(`${name}: ${key} must be a number ≥ ${min}, got ${describe(x)}`);
  if (!(x >= min)) throw new WasmgradValueError(`${name}: ${key} must be a number ≥ ${min}, got ${describe(x)}`);
  return x;
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  /** The momentum buffer takes (1 − dampening)·g after the first step (default 0). */
  dampening?: number;
  /** Nesterov momentum: the step is g + μ·v rather than v (needs momentum > 0 and no dampening, as PyTorch). */
  nesterov?: boolean;
}

/**
 * torch.optim.SGD: g = grad + wd·p; with momentum, v = μ·v + (1 − dampening)·g
 * (v = g on the first step) and g = v, or g + μ·v with nesterov; p −= lr·g.
 * One backend call updates every parameter in place.
 */
export class SGD extends Optimizer {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  private readonly velocity: number[];
  private steps = 0;

  constructor(params: readonly TensorParam[], options: SGDOptions) {
    super(params, 'SGD');
    options = checkOptions(options, 'SGD', ['lr', 'momentum', 'weightDecay', 'dampening', 'nesterov']);
    if (options.lr === undefined) throw new WasmgradArgumentError('SGD: lr is required (a number ≥ 0), e.g. new optim.SGD(params, { lr: 0.01 })');
    this.lr = checkHyper('SGD', 'lr', options.lr);
    this.momentum = checkHyper('SGD', 'momentum', options.momentum ?? 0);
    this.weightDecay = checkHyper('SGD', 'weightDecay', options.weightDecay ?? 0);
    this.dampening = checkHyper('SGD', 'dampening', options.dampening ?? 0);
    if (options.nesterov !== undefined && typeof options.nesterov !== 'boolean') throw new WasmgradArgumentError(`SGD: nesterov must be true or false, got ${describe(options.nesterov)}`);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new WasmgradValueError('SGD: Nesterov momentum needs momentum > 0 and dampening 0 (as PyTorch)');
    }
    this.velocity = this.momentum !== 0 ? this.stateSlots() : [];
  }

  step(): void {
    const be = this.engine.tensorOps('step');
    if (this.nesterov || (this.dampening !== 0 && this.momentum !== 0)) {
      be.sgdMomentumStep(this.slots(), this.velocity, this.lr, this.momentum, this.dampening, this.weightDecay, this.nesterov, this.steps === 0);
    } else {
      be.sgdStep(this.slots(), this.velocity, this.lr, this.momentum, this.weightDecay, this.steps === 0);
    }
    this.steps++;
    this.touched();
  }

  /** The step count, lr and momentum buffers (`i.momentum_buffer`, with momentum only). */
  stateDict(): OptimizerStateDict {
    return {
      step: this.steps, lr: this.lr, hyper: { momentum: this.momentum, weightDecay: this.weightDecay, dampening: this.dampening, nesterov: this.nesterov },
      state: this.saveSlots(this.velocity.length > 0 ? { momentum_buffer: this.velocity } : {}),
    };
  }

  /** Restores what stateDict() gave, so the next step() is the one that would have followed. */
  loadStateDict(sd: OptimizerStateDict): void {
    this.loadSlots('SGD.loadStateDict', sd, this.velocity.length > 0 ? { momentum_buffer: this.velocity } : {});
    this.steps = sd.step;
    this.lr = sd.lr;
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
      throw new WasmgradArgumentError(`${name}: betas must be a pair of numbers [beta1, beta2], got ${describe(betas)}`);
    }
    for (const b of betas) if (!(b >= 0 && b < 1)) throw new WasmgradValueError(`${name}: betas must be in [0, 1), got ${String(betas)}`);
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

  /** t, lr and the moments (`i.exp_avg`, `i.exp_avg_sq`). */
  stateDict(): OptimizerStateDict {
    return {
      step: this.t, lr: this.lr, hyper: { betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled },
      state: this.saveSlots({ exp_avg: this.m, exp_avg_sq: this.v }),
    };
  }

  /** Restores what stateDict() gave, so the next step() is the one that would have followed. */
  loadStateDict(sd: OptimizerStateDict): void {
    this.loadSlots(`${this.decoupled ? 'AdamW' : 'Adam'}.loadStateDict`, sd, { exp_avg: this.m, exp_avg_sq: this.v });
    this.t = sd.step;
    this.lr = sd.lr;
  }
}

/** torch.optim.AdamW: decoupled weight decay p −= lr·wd·p before Adam's update (default wd 0.01). */
export class AdamW extends Adam {
  constructor(params: readonly TensorParam[], options?: AdamOptions) {
    super(params, options, true, 'AdamW');
  }
}

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

/**
 * torch.optim.RMSprop: g = grad + wd·p; v = α·v + (1 − α)·g²; with centered,
 * ḡ = α·ḡ + (1 − α)·g and v̂ = v − ḡ²; d = √v̂ + eps; with momentum,
 * b = μ·b + g/d and p −= lr·b, else p −= lr·g/d. Defaults as PyTorch:
 * lr 0.01, α 0.99, eps 1e-8.
 */
export class RMSprop extends Optimizer {
  lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
  protected readonly buffers: Record<string, readonly number[]>;
  private steps = 0;

  constructor(params: readonly TensorParam[], options?: RMSpropOptions) {
    super(params, 'RMSprop');
    const o = checkOptions(options, 'RMSprop', ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered']);
    this.lr = checkHyper('RMSprop', 'lr', o.lr ?? 0.01);
    this.alpha = checkHyper('RMSprop', 'alpha', o.alpha ?? 0.99);
    if (this.alpha > 1) throw new WasmgradValueError(`RMSprop: alpha must be in [0, 1], got ${this.alpha}`);
    this.eps = checkHyper('RMSprop', 'eps', o.eps ?? 1e-8);
    this.weightDecay = checkHyper('RMSprop', 'weightDecay', o.weightDecay ?? 0);
    this.momentum = checkHyper('RMSprop', 'momentum', o.momentum ?? 0);
    if (o.centered !== undefined && typeof o.centered !== 'boolean') throw new WasmgradArgumentError(`RMSprop: centered must be true or false, got ${describe(o.centered)}`);
    this.centered = o.centered ?? false;
    this.buffers = {
      square_avg: this.stateSlots(),
      ...(this.momentum > 0 ? { momentum_buffer: this.stateSlots() } : {}),
      ...(this.centered ? { grad_avg: this.stateSlots() } : {}),
    };
  }

  step(): void {
    const none: number[] = [];
    this.engine.tensorOps('step').rmspropStep(
      this.slots(), this.buffers.square_avg, this.buffers.momentum_buffer ?? none, this.buffers.grad_avg ?? none,
      this.lr, this.alpha, this.eps, this.weightDecay, this.momentum, this.centered,
    );
    this.steps++;
    this.touched();
  }

  stateDict(): OptimizerStateDict {
    return {
      step: this.steps, lr: this.lr,
      hyper: { alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered },
      state: this.saveSlots(this.buffers),
    };
  }

  /** Restores what stateDict() gave, so the next step() is the one that would have followed. */
  loadStateDict(sd: OptimizerStateDict): void {
    this.loadSlots('RMSprop.loadStateDict', sd, this.buffers);
    this.steps = sd.step;
    this.lr = sd.lr;
  }
}

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

/**
 * torch.optim.Adagrad: at step t, g = grad + wd·p; s += g²;
 * p −= lr/(1 + (t − 1)·lrDecay) · g/(√s + eps). Defaults as PyTorch: lr 0.01,
 * eps 1e-10, the sum starting at initialAccumulatorValue (0).
 */
export class Adagrad extends Optimizer {
  lr: number;
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly eps: number;
  protected readonly buffers: Record<string, readonly number[]>;
  private steps = 0;

  constructor(params: readonly TensorParam[], options?: AdagradOptions) {
    super(params, 'Adagrad');
    const o = checkOptions(options, 'Adagrad', ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps']);
    this.lr = checkHyper('Adagrad', 'lr', o.lr ?? 0.01);
    this.lrDecay = checkHyper('Adagrad', 'lrDecay', o.lrDecay ?? 0);
    this.weightDecay = checkHyper('Adagrad', 'weightDecay', o.weightDecay ?? 0);
    this.eps = checkHyper('Adagrad', 'eps', o.eps ?? 1e-10);
    const initial = checkHyper('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue ?? 0);
    const sums = this.stateSlots();
    if (initial !== 0) {
      const be = this.engine.tensorOps('optimizer');
      sums.forEach((slot, k) => be.setSlotData(slot, allocTyped(this.params[k].dtype, this.params[k].size).fill(initial)));
    }
    this.buffers = { sum: sums };
  }

  step(): void {
    this.steps++;
    const clr = this.lr / (1 + (this.steps - 1) * this.lrDecay);
    this.engine.tensorOps('step').adagradStep(this.slots(), this.buffers.sum, clr, this.weightDecay, this.eps);
    this.touched();
  }

  stateDict(): OptimizerStateDict {
    return {
      step: this.steps, lr: this.lr, hyper: { lrDecay: this.lrDecay, weightDecay: this.weightDecay, eps: this.eps },
      state: this.saveSlots(this.buffers),
    };
  }

  /** Restores what stateDict() gave, so the next step() is the one that would have followed. */
  loadStateDict(sd: OptimizerStateDict): void {
    this.loadSlots('Adagrad.loadStateDict', sd, this.buffers);
    this.steps = sd.step;
    this.lr = sd.lr;
  }
}

export { LRSchedule, StepLR, CosineAnnealingLR, OneCycleLR, type HasLearningRate, type StepLROptions, type CosineOptions, type OneCycleOptions } from './schedules.js';

export { clipGradNorm, clipGradValue } from './clip.js';
