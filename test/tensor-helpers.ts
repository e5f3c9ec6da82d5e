// Shared pieces of the tensor suites: the backends they run on, an allclose
// check, and a gradcheck against central differences in f64. Every
// expectation is computed in the test (f64 references), never read back from
// a backend, so each suite runs unchanged on any backend.
import { expect } from 'vitest';
import { createEngine, Random, type BackendName, type Engine, type Tensor } from '../src/index.js';

export const TENSOR_BACKENDS: readonly BackendName[] = ['wasm', 'js'];

export function tensorEngine(backend: BackendName): Promise<Engine> {
  return createEngine({ backend });
}

/** |a − e| ≤ atol + rtol·|e| for every element, with the first failing index in the message. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol = 1e-12, atol = 1e-12 } = {}, what = ''): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(a, `${what}[${i}]`).toBe(e);
      continue;
    }
    const err = Math.abs(a - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      expect.fail(`${what}[${i}]: expected ${e}, got ${a} (|diff| ${err.toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`);
    }
  }
}

/** n uniform numbers in [lo, hi) from a seeded generator. */
export function randomData(n: number, seed: number, lo = -2, hi = 2): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => r.uniform(lo, hi));
}

export interface GradInput {
  shape: number[];
  data: number[];
}

export function input(shape: number[], seed: number, lo = -2, hi = 2): GradInput {
  return { shape, data: randomData(shape.reduce((a, b) => a * b, 1), seed, lo, hi) };
}

/**
 * Checks d(Σ w·f(inputs))/d(input) for every element of every input: the
 * engine's backward (float64 tensors) against central differences of the
 * same forward. The weights w are fixed and uneven, so that an error in any
 * output element's gradient shows.
 */
export function gradcheck(
  eng: Engine, f: (xs: Tensor[]) => Tensor, inputs: GradInput[], { rtol = 1e-6, atol = 1e-8, h = 1e-6 } = {}, what = 'gradcheck',
): void {
  const build = (datas: number[][], requiresGrad: boolean) => {
    const xs = inputs.map((inp, k) => eng.tensor(Float64Array.from(datas[k]), inp.shape, { dtype: 'float64', requiresGrad }));
    return { xs, y: f(xs) };
  };
  const base = inputs.map((x) => x.data.slice());
  const { xs, y } = build(base, true);
  const weights = randomData(y.size, 99, 0.5, 1.5);
  const w = eng.tensor(Float64Array.from(weights), y.shape, { dtype: 'float64' });
  y.mul(w).sum().backward();
  const analytic = xs.map((x) => x.grad);
  eng.reset();
  const lossAt = (datas: number[][]) => {
    const out = build(datas, false).y.data();
    let s = 0;
    for (let i = 0; i < out.length; i++) s += weights[i] * out[i];
    eng.reset();
    return s;
  };
  inputs.forEach((inp, k) => {
    const numeric: number[] = [];
    for (let i = 0; i < inp.data.length; i++) {
      const x0 = base[k][i];
      const step = h * Math.max(1, Math.abs(x0));
      base[k][i] = x0 + step;
      const up = lossAt(base);
      base[k][i] = x0 - step;
      const down = lossAt(base);
      base[k][i] = x0;
      numeric.push((up - down) / (2 * step));
    }
    const g = analytic[k];
    expect(g, `${what}: input ${k} has a gradient`).not.toBeNull();
    expectAllClose(g!, numeric, { rtol, atol }, `${what}: d/d input ${k}`);
  });
}

// ── f64 references ──

/** Row-major strides. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/** out[i] = f(a[bcast i], b[bcast i]) over NumPy-broadcast shapes, plainly. */
export function broadcastRef(a: GradInput, b: GradInput, f: (x: number, y: number) => number): { shape: number[]; data: number[] } {
  const r = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array(r - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array(r - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const sa = strides(pa), sb = strides(pb), so = strides(shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < r; d++) {
      const k = Math.floor(i / so[d]) % shape[d];
      ia += (pa[d] === 1 ? 0 : k) * sa[d];
      ib += (pb[d] === 1 ? 0 : k) * sb[d];
    }
    data.push(f(a.data[ia], b.data[ib]));
  }
  return { shape, data };
}

/** C = A @ B for row-major A [m, k], B [k, n]. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const c = new Array(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
    c[i * n + j] = s;
  }
  return c;
}
