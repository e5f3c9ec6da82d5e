import type { Engine, WasmBuild } from 'wasmgrad';
import type { NameData, NameSplit } from './data.mjs';
import type { CharTransformer, MODEL } from './model.mjs';

export declare const RECIPE: Readonly<{
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  minLr: number;
  weightDecay: number;
  evalEvery: number;
  seed: number;
  dataSeed: number;
  valFraction: number;
}>;

export interface CharLMEval {
  step: number;
  /** Mean training loss of the steps since the previous record. */
  trainLoss: number;
  valLoss: number;
}

export interface TrainCharLMOptions extends Partial<typeof RECIPE> {
  backend?: 'wasm' | 'js';
  model?: Partial<typeof MODEL>;
  onStep?: (info: { step: number; steps: number; loss: number; lr: number }) => void;
  onEval?: (entry: CharLMEval) => void;
}

export interface CharLMResult {
  eng: Engine;
  model: CharTransformer;
  data: NameData;
  history: CharLMEval[];
  valLoss: number;
  initialValLoss: number;
  warmup: number;
  trainSeconds: number;
  stepsPerSecond: number;
  backend: 'wasm' | 'js';
  wasmBuild: WasmBuild | null;
  dataSeed: number;
  valFraction: number;
}

export function trainCharLM(options?: TrainCharLMOptions): Promise<CharLMResult>;
/** Mean cross-entropy per character over a split, in fixed chunks (the same sum wherever it runs). */
export function evaluate(model: CharTransformer, split: NameSplit, chunk?: number): number;
export function sampleNames(model: CharTransformer, itos: readonly string[], options?: { count?: number; seed?: number; temperature?: number }): string[];
export function saveModel(
  model: CharTransformer,
  info: { dataSeed: number; valFraction: number; backend: 'wasm' | 'js'; wasmBuild: WasmBuild | null; valLoss: number },
): Uint8Array;
