export interface MnistSplit {
  /** train × 784 pixels, row-major 28×28 images, values k/255 in [0, 1]. */
  trainX: Float32Array;
  /** train labels, 0–9. */
  trainY: Int32Array;
  /** test × 784 pixels; never the same digit as any training row. */
  testX: Float32Array;
  testY: Int32Array;
  train: number;
  test: number;
}

export interface LoadMnistOptions {
  /** Training digits (default 8000). */
  train?: number;
  /** Test digits, taken after the training ones (default 2000); train + test <= 10000. */
  test?: number;
  /** Seed of the shuffle that decides the split (default 1). */
  seed?: number;
}

/** mulberry32: a seeded PRNG returning uniforms in [0, 1). */
export function mulberry32(seed: number): () => number;
export function loadMnist(options?: LoadMnistOptions): MnistSplit;
/** One epoch of shuffled row indices 0..n-1, cut into batches of batchSize. */
export function batches(n: number, batchSize: number, rng: () => number): Int32Array[];
/** Copies rows idx of X and Y into contiguous xOut (≥ idx.length × 784) and yOut. */
export function gather(X: Float32Array, Y: Int32Array, idx: ArrayLike<number>, xOut: Float32Array, yOut: Int32Array): void;
/** Translates each of the first n images of X in place by up to maxShift pixels per axis. */
export function shiftImages(X: Float32Array, n: number, maxShift: number, rng: () => number): void;
