export interface PinnOptions {
  backend?: 'wasm' | 'js';
  points?: number;
  hidden?: number;
  steps?: number;
  lr?: number;
  seed?: number;
  every?: number;
  log?: (step: number, loss: number) => void;
}

/** Trains the network; returns u over a list of points and the loss at every step. */
export function trainPinn(options?: PinnOptions): Promise<{ evaluate: (xs: readonly number[]) => number[]; losses: number[] }>;

/** The largest |u(x) − sin x| over n evenly spaced points of [0, π]. */
export function maxError(evaluate: (xs: readonly number[]) => number[], n?: number): number;
