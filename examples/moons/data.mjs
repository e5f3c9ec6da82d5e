// sklearn's make_moons, reproduced on the package's seeded PRNG so that the
// data set is the same on every run and every backend.
//
// sklearn (sklearn/datasets/_samples_generator.py):
//   outer half circle: (cos t, sin t),             t = linspace(0, pi, n_out), label 0
//   inner half circle: (1 - cos t, 1 - sin t - .5), t = linspace(0, pi, n_in),  label 1
//   shuffle rows, then X += normal(scale=noise, size=X.shape)
// micrograd's demo then maps the labels to -1/+1 with y*2 - 1.

import { Random } from 'wasmgrad';

function linspace(a, b, n) {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/**
 * Two interleaving half circles.
 * @param {number} [n=100] number of points (floor(n/2) on the outer moon, the rest on the inner one)
 * @param {{ noise?: number, seed?: number, shuffle?: boolean }} [options]
 *   noise: standard deviation of the Gaussian noise added to each coordinate (default 0.1);
 *   seed: seed of the `Random` used for shuffling and noise (default 1337, micrograd's);
 *   shuffle: shuffle the rows as sklearn does (default true).
 * @returns {{ X: number[][], y: number[] }} X as [x0, x1] rows, y in {-1, +1}
 */
export function makeMoons(n = 100, { noise = 0.1, seed = 1337, shuffle = true } = {}) {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`makeMoons: n must be an integer >= 2, got ${n}`);
  const rng = new Random(seed);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const X = [];
  const y = [];
  for (const t of linspace(0, Math.PI, nOut)) {
    X.push([Math.cos(t), Math.sin(t)]);
    y.push(-1);
  }
  for (const t of linspace(0, Math.PI, nIn)) {
    X.push([1 - Math.cos(t), 1 - Math.sin(t) - 0.5]);
    y.push(1);
  }
  if (shuffle) {
    // Fisher–Yates (sklearn uses numpy's permutation; any uniform shuffle will do).
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [X[i], X[j]] = [X[j], X[i]];
      [y[i], y[j]] = [y[j], y[i]];
    }
  }
  if (noise) {
    for (const row of X) {
      row[0] += noise * rng.normal();
      row[1] += noise * rng.normal();
    }
  }
  return { X, y };
}
