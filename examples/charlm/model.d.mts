import type { Engine, Tensor, nn } from 'wasmgrad';

export interface CharModelConfig {
  vocabSize: number;
  blockSize: number;
  nEmbd: number;
  nHead: number;
  nLayer: number;
  mlpRatio: number;
}

export declare const MODEL: Readonly<{ nEmbd: number; nHead: number; nLayer: number; mlpRatio: number }>;

export declare class CharTransformer extends nn.Module {
  readonly config: Readonly<CharModelConfig>;
  readonly eng: Engine;
  constructor(eng: Engine, config: Partial<CharModelConfig> & { vocabSize: number; blockSize: number });
  /** int32 ids [B, T] → logits [B, T, vocab]. */
  forward(idx: Tensor): Tensor;
}

/** Mean cross-entropy over the positions of B rows whose target is ≥ 0, and how many there are. */
export function batchLoss(model: CharTransformer, X: Int32Array, Y: Int32Array, B: number): { loss: Tensor; count: number };
