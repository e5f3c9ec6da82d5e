import type { Engine, EngineStats, Value, nn } from 'wasmgrad';
import type { Moons } from './data.mjs';

export declare const ALPHA: number;

export function learningRate(k: number, steps: number): number;

export function moonsLoss(
  eng: Engine,
  model: nn.MLP,
  X: readonly (readonly number[])[],
  y: readonly number[],
): { total: Value; accuracy: number; scores: number[]; scoreValues: Value[] };

export function accuracyOf(scores: ArrayLike<number>, y: readonly number[]): number;

export function predict(eng: Engine, model: nn.MLP, x0: number, x1: number): number;

export interface MoonsStep {
  step: number;
  loss: number;
  accuracy: number;
  lr: number;
  /** Tape statistics sampled after the update, before eng.reset(). */
  nodes: number;
  capacity: number;
  memoryBytes: number;
}

export interface MoonsTapeSample {
  step: number;
  nodes: number;
  capacity: number;
  memoryBytes: number;
}

export interface MoonsResult {
  backend: 'wasm' | 'js';
  compiled: boolean;
  /** Accuracy of the last step's forward pass (micrograd's report). */
  accuracy: number;
  loss: number;
  steps: number;
  history: MoonsStep[];
  stats: { first: MoonsTapeSample; last: MoonsTapeSample; final: EngineStats };
  elapsedMs: number;
  msPerStep: number;
  eng: Engine;
  model: nn.MLP;
  data: Moons;
}

export interface TrainMoonsOptions {
  backend?: 'wasm' | 'js';
  steps?: number;
  /** Seeds the weights and, unless dataSeed is given, the data (default 1337). */
  seed?: number;
  dataSeed?: number;
  n?: number;
  noise?: number;
  /** Record the step once with eng.compile and replay it (program.step) instead of building it every step. */
  compiled?: boolean;
  onStep?: (info: { step: number; steps: number; loss: number; accuracy: number; lr: number; elapsedMs: number }) => void;
}

export function trainMoons(options?: TrainMoonsOptions): Promise<MoonsResult>;
