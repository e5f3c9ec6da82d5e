// Learning-rate schedules, as torch.optim.lr_scheduler computes them. A
// schedule owns one optimizer's `lr`: it sets it when made (step 0) and again
// at every `step()`, which you call after `optimizer.step()`, once per epoch
// or per batch as the schedule's counts are meant. Each lr is computed from
// the closed form at the current step, so a schedule resumed from its
// `stepCount` (stateDict / loadStateDict) continues exactly.

import { checkOptions, describe } from '../check.js';
import { WasmgradArgumentError, WasmgradValueError } from '../errors.js';

/** What a schedule drives: anything with a writable learning rate (every optimizer here). */
export interface HasLearningRate {
  lr: number;
}

function positiveInt(name: string, key: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) throw new WasmgradArgumentError(`${name}: ${key} must be a whole number ≥ 1, got ${describe(x)}`);
  return x;
}

function inRange(name: string, key: string, x: unknown, lo: number, hi: number, open = false): number {
  if (typeof x !== 'number' || !(open ? x > lo : x >= lo) || !(x <= hi)) {
    throw new WasmgradValueError(`${name}: ${key} must be a number in ${open ? '(' : '['}${lo}, ${hi}], got ${describe(x)}`);
  }
  return x;
}

export abstract class LRSchedule {
  /** The optimizer's lr when the schedule was made: what the factors multiply. */
  readonly baseLr: number;
  /** Calls of step() so far. */
  stepCount = 0;

  constructor(readonly optimizer: HasLearningRate, name: string) {
    if (typeof optimizer !== 'object' || optimizer === null || typeof optimizer.lr !== 'number') {
      throw new WasmgradArgumentError(`${name}: expected an optimizer (an object with a numeric lr), got ${describe(optimizer)}`);
    }
    this.baseLr = optimizer.lr;
  }

  /** The learning rate at step `t` (0 before the first step()). */
  abstract lrAt(t: number): number;

  /** Advances one step and sets the optimizer's lr; returns it. */
  step(): number {
    this.stepCount++;
    return (this.optimizer.lr = this.lrAt(this.stepCount));
  }

  /** The current learning rate. */
  get lr(): number {
    return this.lrAt(this.stepCount);
  }

  stateDict(): { stepCount: number; baseLr: number } {
    return { stepCount: this.stepCount, baseLr: this.baseLr };
  }

  loadStateDict(state: { stepCount: number }): void {
    if (typeof state !== 'object' || state === null || !Number.isInteger(state.stepCount) || state.stepCount < 0) {
      throw new WasmgradArgumentError(`loadStateDict: expected { stepCount: a whole number ≥ 0 }, got ${describe(state)}`);
    }
    this.stepCount = state.stepCount;
    this.optimizer.lr = this.lrAt(this.stepCount);
  }

  protected start(): void {
    this.optimizer.lr = this.lrAt(0);
  }
}

export interface StepLROptions {
  /** Steps between decays. */
  stepSize: number;
  /** Factor of each decay (default 0.1, as PyTorch). */
  gamma?: number;
}

/** torch.optim.lr_scheduler.StepLR: lr = baseLr · gamma^⌊t / stepSize⌋. */
export class StepLR extends LRSchedule {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: HasLearningRate, options: StepLROptions) {
    super(optimizer, 'StepLR');
    const o = checkOptions(options, 'StepLR', ['stepSize', 'gamma']);
    this.stepSize = positiveInt('StepLR', 'stepSize', o.stepSize);
    this.gamma = inRange('StepLR', 'gamma', o.gamma ?? 0.1, 0, Infinity);
    this.start();
  }

  lrAt(t: number): number {
    return this.baseLr * this.gamma ** Math.floor(t / this.stepSize);
  }
}

export interface CosineOptions {
  /** Steps of the cosine, from the end of the warm-up to etaMin (PyTorch's T_max). */
  tMax: number;
  /** The floor (default 0). */
  etaMin?: number;
  /** Steps of linear warm-up before the cosine (default 0). */
  warmupSteps?: number;
  /** The warm-up starts at baseLr · this (default 0: from 0, LinearLR's start_factor). */
  warmupStartFactor?: number;
}

/**
 * Cosine annealing (torch.optim.lr_scheduler.CosineAnnealingLR in closed
 * form) after an optional linear warm-up (LinearLR then the cosine, as
 * SequentialLR chains them): lr rises linearly from baseLr·warmupStartFactor
 * to baseLr over warmupSteps, then is etaMin + (baseLr − etaMin)(1 + cos(π·s/tMax))/2
 * at s steps past the warm-up. Past tMax the cosine goes on and rises again,
 * as PyTorch's does: make tMax the steps left after the warm-up.
 */
export class CosineAnnealingLR extends LRSchedule {
  readonly tMax: number;
  readonly etaMin: number;
  readonly warmupSteps: number;
  readonly warmupStartFactor: number;

  constructor(optimizer: HasLearningRate, options: CosineOptions) {
    super(optimizer, 'CosineAnnealingLR');
    const name = 'CosineAnnealingLR';
    const o = checkOptions(options, name, ['tMax', 'etaMin', 'warmupSteps', 'warmupStartFactor']);
    this.tMax = positiveInt(name, 'tMax', o.tMax);
    this.etaMin = inRange(name, 'etaMin', o.etaMin ?? 0, 0, Infinity);
    const warmup = o.warmupSteps ?? 0;
    if (typeof warmup !== 'number' || !Number.isInteger(warmup) || warmup < 0) throw new WasmgradArgumentError(`${name}: warmupSteps must be a whole number ≥ 0, got ${describe(warmup)}`);
    this.warmupSteps = warmup;
    this.warmupStartFactor = inRange(name, 'warmupStartFactor', o.warmupStartFactor ?? 0, 0, 1);
    this.start();
  }

  lrAt(t: number): number {
    if (t < this.warmupSteps) {
      const f = this.warmupStartFactor + ((1 - this.warmupStartFactor) * t) / this.warmupSteps;
      return this.baseLr * f;
    }
    const s = t - this.warmupSteps;
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * s) / this.tMax))) / 2;
  }
}

export interface OneCycleOptions {
  /** The peak learning rate. */
  maxLr: number;
  /** Steps in the whole cycle (PyTorch's total_steps). */
  totalSteps: number;
  /** Share of the steps spent rising (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** The cycle starts at maxLr / divFactor (default 25). */
  divFactor?: number;
  /** and ends at maxLr / divFactor / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** PyTorch's three_phase: rise, fall back to the start, then anneal to the end (default false). */
  threePhase?: boolean;
}

/**
 * torch.optim.lr_scheduler.OneCycleLR (the learning rate; momentum is not
 * cycled): up from maxLr/divFactor to maxLr over the first pctStart of the
 * steps, then down to maxLr/(divFactor·finalDivFactor), each phase annealed
 * by cosine or linearly, with PyTorch's phase boundaries (pctStart·totalSteps − 1
 * and totalSteps − 1). The optimizer's own lr is replaced, not used.
 */
export class OneCycleLR extends LRSchedule {
  private readonly phases: { end: number; from: number; to: number }[];
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';

  constructor(optimizer: HasLearningRate, options: OneCycleOptions) {
    super(optimizer, 'OneCycleLR');
    const name = 'OneCycleLR';
    const o = checkOptions(options, name, ['maxLr', 'totalSteps', 'pctStart', 'annealStrategy', 'divFactor', 'finalDivFactor', 'threePhase']);
    const maxLr = inRange(name, 'maxLr', o.maxLr, 0, Infinity);
    this.totalSteps = positiveInt(name, 'totalSteps', o.totalSteps);
    const pct = inRange(name, 'pctStart', o.pctStart ?? 0.3, 0, 1);
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw new WasmgradArgumentError(`${name}: annealStrategy must be 'cos' or 'linear', got ${describe(strategy)}`);
    this.annealStrategy = strategy;
    const initial = maxLr / inRange(name, 'divFactor', o.divFactor ?? 25, 0, Infinity, true);
    const min = initial / inRange(name, 'finalDivFactor', o.finalDivFactor ?? 1e4, 0, Infinity, true);
    const up = pct * this.totalSteps - 1;
    this.phases = o.threePhase
      ? [{ end: up, from: initial, to: maxLr }, { end: 2 * pct * this.totalSteps - 2, from: maxLr, to: initial }, { end: this.totalSteps - 1, from: initial, to: min }]
      : [{ end: up, from: initial, to: maxLr }, { end: this.totalSteps - 1, from: maxLr, to: min }];
    this.start();
  }

  lrAt(t: number): number {
    if (t > this.totalSteps) {
      throw new WasmgradValueError(`OneCycleLR: step ${t} is past totalSteps ${this.totalSteps} (PyTorch refuses it too): make the schedule with the run's number of steps`);
    }
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const p = this.phases[i];
      if (t <= p.end || i === this.phases.length - 1) {
        const pct = p.end === start ? 1 : (t - start) / (p.end - start);
        return this.annealStrategy === 'cos'
          ? p.to + ((p.from - p.to) / 2) * (Math.cos(Math.PI * pct) + 1)
          : (p.to - p.from) * pct + p.from;
      }
      start = p.end;
    }
    return this.phases[this.phases.length - 1].to;
  }
}
