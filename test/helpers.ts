import { expect } from 'vitest';
import { createEngine, type BackendName, type Engine } from '../src/index.js';

export const BACKENDS: readonly BackendName[] = ['wasm', 'js'];

export function engine(backend: BackendName): Promise<Engine> {
  return createEngine({ backend });
}

/** |actual - expected| <= atol + rtol·|expected|, elementwise; NaN matches NaN and infinities must match exactly. */
export function expectClose(actual: number, expected: number, { rtol = 1e-12, atol = 1e-12 } = {}, what = ''): void {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    expect(actual, what).toBe(expected);
    return;
  }
  const err = Math.abs(actual - expected);
  if (!(err <= atol + rtol * Math.abs(expected))) {
    expect.fail(`${what}: expected ${expected}, got ${actual} (|diff| ${err.toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`);
  }
}

/** Central difference of f at x, with a step relative to |x| (floored so that it stays useful near 0). */
export function centralDifference(f: (x: number) => number, x: number): number {
  const h = 1e-5 * Math.max(Math.abs(x), 1e-2);
  return (f(x + h) - f(x - h)) / (2 * h);
}
