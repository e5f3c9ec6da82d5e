// The seed neuron's Hessian (examples/hessian.mjs): eng.hessian on both
// backends equals the closed form to 1e-12, and so do forward-over-reverse
// Hessian-vector products; the example prints it.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Engine, Value } from '../src/index.js';
import { BACKENDS, engine } from './helpers.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const POINT = [2, -1, -3, -2, -3]; // w0, x0, w1, x1, w2

/** H_ab = s(1−s)(1−2s)·z_a·z_b + s(1−s)·z_ab, s = σ(z), z = w0·x0 + w1·x1 + w2. */
function closedForm([w0, x0, w1, x1, w2]: number[]): number[][] {
  const s = 1 / (1 + Math.exp(-(w0 * x0 + w1 * x1 + w2)));
  const dz = [x0, w0, x1, w1, 1];
  const pair = (a: number, b: number) => (Math.min(a, b) === 0 && Math.max(a, b) === 1) || (Math.min(a, b) === 2 && Math.max(a, b) === 3);
  return dz.map((za, a) => dz.map((zb, b) => s * (1 - s) * (1 - 2 * s) * za * zb + (pair(a, b) ? s * (1 - s) : 0)));
}

const neuron = (eng: Engine) => (w0: Value, x0: Value, w1: Value, x1: Value, w2: Value) =>
  eng.div(1, eng.add(1, w0.mul(x0).add(w1.mul(x1)).add(w2).neg().exp()));

describe.each(BACKENDS)('the seed neuron\'s Hessian (%s)', (backend) => {
  it('equals the closed form to 1e-12, entry by entry, and is symmetric to rounding', async () => {
    const eng = await engine(backend);
    const H = eng.hessian(neuron(eng) as (...xs: Value[]) => Value)(...POINT).map((row) => row.map((v) => v.data));
    const exact = closedForm(POINT);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        expect(Math.abs(H[i][j] - exact[i][j]), `H[${i}][${j}] = ${H[i][j]}, closed form ${exact[i][j]}`).toBeLessThanOrEqual(1e-12);
        expect(Math.abs(H[i][j] - H[j][i])).toBeLessThanOrEqual(1e-15); // the two orders round differently
      }
    }
  });

  it('gives each column as a Hessian-vector product (forward over reverse), to 1e-12', async () => {
    const eng = await engine(backend);
    const exact = closedForm(POINT);
    for (let j = 0; j < 5; j++) {
      const e = POINT.map((_, k) => (k === j ? 1 : 0));
      const column = eng.hvp(neuron(eng) as (...xs: Value[]) => Value, POINT, e).map((v) => v.data);
      column.forEach((x, i) => expect(Math.abs(x - exact[i][j]), `(H e${j})[${i}]`).toBeLessThanOrEqual(1e-12));
    }
  });
});

it('npm run example:hessian prints the 5×5 Hessian on both backends next to the closed form', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/hessian.mjs'], { cwd: ROOT });
  expect(stdout).toContain('Hessian, wasm backend (eng.hessian)');
  expect(stdout).toContain('Hessian, js backend (eng.hessian)');
  expect(stdout).toMatch(/x1\s+-0\.272573\s+0\.545146\s+-0\.348535\s+-0\.817720\s+0\.272573\n/);
  const [, wasm, js] = /from the closed form: wasm (\S+), js (\S+)/.exec(stdout)!;
  expect(Number(wasm)).toBeLessThanOrEqual(1e-12);
  expect(Number(js)).toBeLessThanOrEqual(1e-12);
});
