// Third derivatives of the smooth scalar ops against their closed forms, by
// composing grad three times (each grad records the previous one's sweep as
// graph nodes, so the result is differentiable again), on both backends; and
// mixed third partials through argnums.
import { describe, expect, it } from 'vitest';
import { createEngine, type Value } from '../src/index.js';
import { BACKENDS, expectClose } from './helpers.js';

const SQRT_PI = Math.sqrt(Math.PI);

/** Each op as a function of one Value, its third derivative in closed form, and the points to check. */
const OPS: [string, (x: Value) => Value, (x: number) => number, number[]][] = [
  ['exp', (x) => x.exp(), (x) => Math.exp(x), [-2, -0.3, 0, 1.5]],
  ['log', (x) => x.log(), (x) => 2 / x ** 3, [0.2, 1, 3.5]],
  ['sqrt', (x) => x.sqrt(), (x) => (3 / 8) * x ** -2.5, [0.3, 1, 4]],
  ['tanh', (x) => x.tanh(), (x) => { const t = Math.tanh(x); return (1 - t * t) * (6 * t * t - 2); }, [-1.5, -0.2, 0, 0.7, 2]],
  ['sigmoid', (x) => x.sigmoid(), (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s) * (1 - 6 * s + 6 * s * s); }, [-3, -0.5, 0, 1.2]],
  ['sin', (x) => x.sin(), (x) => -Math.cos(x), [-2, 0, 0.9, 3]],
  ['cos', (x) => x.cos(), (x) => Math.sin(x), [-2, 0, 0.9, 3]],
  ['log1p', (x) => x.log1p(), (x) => 2 / (1 + x) ** 3, [-0.5, 0, 2]],
  ['expm1', (x) => x.expm1(), (x) => Math.exp(x), [-1, 0, 0.5]],
  ['erf', (x) => x.erf(), (x) => ((8 * x * x - 4) / SQRT_PI) * Math.exp(-x * x), [-1.2, 0, 0.4, 2]],
  ['x^3.5', (x) => x.pow(3.5), (x) => 3.5 * 2.5 * 1.5 * x ** 0.5, [0.5, 1, 2.5]],
  ['x^-2', (x) => x.pow(-2), (x) => -24 * x ** -5, [0.5, 1.5, -2]],
  ['1/x', (x) => x.mul(0).add(1).div(x), (x) => -6 / x ** 4, [0.4, 2, -1.3]],
  ['atan2(x, 1)', (x) => x.atan2(1), (x) => (6 * x * x - 2) / (1 + x * x) ** 3, [-2, 0, 0.6, 3]],
  ['x·exp(−x²)', (x) => x.mul(x.mul(x).neg().exp()), (x) => Math.exp(-x * x) * (-8 * x ** 4 + 24 * x * x - 6), [-1, 0, 0.3, 1.7]],
];

describe.each(BACKENDS)('third derivatives (%s)', (backend) => {
  it.each(OPS)('%s', async (_, f, d3, points) => {
    const eng = await createEngine({ backend });
    const third = eng.grad(eng.grad(eng.grad(f)));
    for (const x of points) expectClose(third(x).data, d3(x), { rtol: 1e-10, atol: 1e-12 }, `at ${x}`);
  });

  it('mixed third partials through argnums: ∂³/∂x²∂y of x²·y³ + sin(x·y)', async () => {
    const eng = await createEngine({ backend });
    const f = (x: Value, y: Value) => x.mul(x).mul(y.pow(3)).add(x.mul(y).sin());
    const dxdxdy = eng.grad(eng.grad(eng.grad(f, { argnums: 0 }), { argnums: 0 }), { argnums: 1 });
    for (const [x, y] of [[0.5, 1.2], [-1, 0.3], [2, -0.7]]) {
      // ∂²/∂x² = 2y³ − y²·sin(xy); ∂/∂y of that = 6y² − 2y·sin(xy) − x·y²·cos(xy)
      const want = 6 * y * y - 2 * y * Math.sin(x * y) - x * y * y * Math.cos(x * y);
      expectClose(dxdxdy(x, y).data, want, { rtol: 1e-10, atol: 1e-12 }, `at (${x}, ${y})`);
    }
  });

  it('the third derivative equals central differences of the second, on the seed neuron', async () => {
    const eng = await createEngine({ backend });
    // h(w0) = σ(w0·x0 + w1·x1 + w2) at the seed's other values
    const h = (w0: Value) => w0.mul(-1).add(6 - 3).sigmoid();
    const second = eng.grad(eng.grad(h));
    const third = eng.grad(second);
    for (const w0 of [2, -0.5, 1]) {
      const step = 1e-4;
      const numeric = (second(w0 + step).data - second(w0 - step).data) / (2 * step);
      expectClose(third(w0).data, numeric, { rtol: 1e-6, atol: 1e-9 }, `at w0 = ${w0}`);
    }
  });
});
