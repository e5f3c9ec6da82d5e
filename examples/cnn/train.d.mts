import type { Engine, WasmBuild, nn } from 'wasmgrad';

export declare const RECIPE: Readonly<{
  channels: readonly [number, number];
  kernel: number;
  hidden: number;
  dropout: number;
  batch: number;
  epochs: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  weightDecay: number;
  shift: number;
  seed: number;
  dataSeed: number;
}>;

export interface CnnShape {
  channels?: readonly [number, number];
  kernel?: number;
  hidden?: number;
  dropout?: number;
}

export function makeCnn(eng: Engine, shape?: CnnShape): nn.Sequential;
/** Accuracy on the images of X (n × 784) in evaluation mode. */
export function accuracy(model: nn.Sequential, eng: Engine, X: Float32Array, Y: Int32Array, chunk?: number): number;

export interface CnnEpoch {
  epoch: number;
  trainLoss: number;
  /** With dropout on, as the steps saw it. */
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

export interface TrainCnnOptions extends Partial<Omit<typeof RECIPE, 'channels'>> {
  channels?: readonly [number, number];
  backend?: 'wasm' | 'js';
  /** Training digits (default 8000) and test digits (default 2000) of loadMnist's split. */
  train?: number;
  test?: number;
  /** > 0: score the last `val` training digits instead of the test digits. */
  val?: number;
  onStep?: (info: { step: number; steps: number; epoch: number; loss: number; accuracy: number }) => void;
  onEpoch?: (record: CnnEpoch) => void;
}

export interface CnnResult {
  eng: Engine;
  model: nn.Sequential;
  history: CnnEpoch[];
  testAccuracy: number;
  trainSeconds: number;
  stepsPerSecond: number;
  wasmBuild: WasmBuild | null;
}

export function trainCnn(options?: TrainCnnOptions): Promise<CnnResult>;
