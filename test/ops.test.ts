// Every op: forward value and gradient against closed forms and against
// central differences in f64, on a grid of points that includes 0,
// negatives and large magnitudes where the op is defined there.
import { describe, expect, it } from 'vitest';
import { Op, OP_INFO, OP_NAMES, type Engine, type Value } from '../src/index.js';
import { WasmTape } from '../src/wasm/tape.js';
import { BACKENDS, centralDifference, engine, expectClose } from './helpers.js';

interface UnaryCase {
  apply: (v: Value) => Value;
  f: (x: number) => number;
  df: (x: number) => number;
  grid: number[];
  /** Points where f has a kink: the gradient there is a convention, not a limit, so gradcheck skips them. */
  kinks?: number[];
}

const GRID = [-20, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 3, 20];
const POSITIVE = [1e-3, 0.1, 0.5, 1, 3, 20, 1e4];

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const unary: Record<string, UnaryCase> = {
  neg: { apply: (v) => v.neg(), f: (x) => -x, df: () => -1, grid: GRID },
  exp: { apply: (v) => v.exp(), f: Math.exp, df: Math.exp, grid: GRID },
  log: { apply: (v) => v.log(), f: Math.log, df: (x) => 1 / x, grid: POSITIVE },
  sqrt: { apply: (v) => v.sqrt(), f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), grid: POSITIVE },
  tanh: { apply: (v) => v.tanh(), f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, grid: GRID },
  sigmoid: { apply: (v) => v.sigmoid(), f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), grid: GRID },
  relu: { apply: (v) => v.relu(), f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), grid: GRID, kinks: [0] },
  sin: { apply: (v) => v.sin(), f: Math.sin, df: Math.cos, grid: GRID },
  cos: { apply: (v) => v.cos(), f: Math.cos, df: (x) => -Math.sin(x), grid: GRID },
  abs: { apply: (v) => v.abs(), f: Math.abs, df: (x) => Math.sign(x), grid: GRID, kinks: [0] },
  'pow 3 (number exponent)': { apply: (v) => v.pow(3), f: (x) => x ** 3, df: (x) => 3 * x ** 2, grid: GRID },
  'pow -2 (number exponent)': { apply: (v) => v.pow(-2), f: (x) => x ** -2, df: (x) => -2 * x ** -3, grid: GRID.filter((x) => x !== 0) },
  'pow 0.5 (number exponent)': { apply: (v) => v.pow(0.5), f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), grid: POSITIVE },
  'add number': { apply: (v) => v.add(2.5), f: (x) => x + 2.5, df: () => 1, grid: GRID },
  'number sub (2 - x)': { apply: (v) => v.engine.sub(2, v), f: (x) => 2 - x, df: () => -1, grid: GRID },
  'number div (2 / x)': { apply: (v) => v.engine.div(2, v), f: (x) => 2 / x, df: (x) => -2 / (x * x), grid: GRID.filter((x) => x !== 0) },
  'number pow (2 ** x)': { apply: (v) => v.engine.pow(2, v), f: (x) => 2 ** x, df: (x) => 2 ** x * Math.LN2, grid: GRID },
};

interface BinaryCase {
  apply: (x: Value, y: Value) => Value;
  f: (x: number, y: number) => number;
  dx: (x: number, y: number) => number;
  dy: (x: number, y: number) => number;
  grid: [number, number][];
}

const PAIRS: [number, number][] = [[-3, 2], [0.5, -1.5], [2, 0.25], [-1e-3, 7], [10, -10], [0, 3], [3, 0]];
const POSITIVE_PAIRS: [number, number][] = [[0.5, 2], [2, -1.5], [3, 0.5], [1e-3, 2], [7, 0]];

const binary: Record<string, BinaryCase> = {
  add: { apply: (x, y) => x.add(y), f: (x, y) => x + y, dx: () => 1, dy: () => 1, grid: PAIRS },
  sub: { apply: (x, y) => x.sub(y), f: (x, y) => x - y, dx: () => 1, dy: () => -1, grid: PAIRS },
  mul: { apply: (x, y) => x.mul(y), f: (x, y) => x * y, dx: (_, y) => y, dy: (x) => x, grid: PAIRS },
  div: {
    apply: (x, y) => x.div(y),
    f: (x, y) => x / y,
    dx: (_, y) => 1 / y,
    dy: (x, y) => -x / (y * y),
    grid: PAIRS.filter(([, y]) => y !== 0),
  },
  pow: {
    apply: (x, y) => x.pow(y),
    f: (x, y) => x ** y,
    dx: (x, y) => y * x ** (y - 1),
    dy: (x, y) => x ** y * Math.log(x),
    grid: POSITIVE_PAIRS,
  },
};

describe('op table', () => {
  it('has the same ids and arities in TypeScript and in the Wasm core', async () => {
    const eng = await engine('wasm');
    const core = (eng.tape as WasmTape).core;
    expect(core.opCount()).toBe(OP_NAMES.length);
    for (const name of OP_NAMES) expect(core.opArity(Op[name]), name).toBe(OP_INFO[name].arity);
    expect(core.opArity(OP_NAMES.length)).toBe(-1);
    expect(core.opArity(-1)).toBe(-1);
  });
});

describe.each(BACKENDS)('ops (%s)', (backend) => {
  let eng: Engine;

  describe.each(Object.entries(unary))('%s', (_, c) => {
    it('matches the closed form value and gradient', async () => {
      eng ??= await engine(backend);
      for (const x of c.grid) {
        eng.reset();
        const v = eng.value(x);
        const out = c.apply(v);
        out.backward();
        expectClose(out.data, c.f(x), { rtol: 1e-14, atol: 1e-300 }, `f(${x})`);
        expectClose(v.grad, c.df(x), { rtol: 1e-13, atol: 1e-300 }, `f'(${x})`);
      }
    });

    it('agrees with central differences', async () => {
      eng ??= await engine(backend);
      for (const x of c.grid) {
        if (c.kinks?.includes(x)) continue;
        eng.reset();
        const v = eng.value(x);
        c.apply(v).backward();
        const fd = centralDifference(c.f, x);
        expectClose(v.grad, fd, { rtol: 1e-6, atol: 1e-7 }, `gradcheck at ${x}`);
      }
    });
  });

  describe.each(Object.entries(binary))('%s', (_, c) => {
    it('matches the closed form value and gradients', async () => {
      eng ??= await engine(backend);
      for (const [x, y] of c.grid) {
        eng.reset();
        const vx = eng.value(x);
        const vy = eng.value(y);
        const out = c.apply(vx, vy);
        out.backward();
        expectClose(out.data, c.f(x, y), { rtol: 1e-14, atol: 1e-300 }, `f(${x}, ${y})`);
        expectClose(vx.grad, c.dx(x, y), { rtol: 1e-13, atol: 1e-300 }, `∂x(${x}, ${y})`);
        expectClose(vy.grad, c.dy(x, y), { rtol: 1e-13, atol: 1e-300 }, `∂y(${x}, ${y})`);
      }
    });

    it('agrees with central differences', async () => {
      eng ??= await engine(backend);
      for (const [x, y] of c.grid) {
        eng.reset();
        const vx = eng.value(x);
        const vy = eng.value(y);
        c.apply(vx, vy).backward();
        expectClose(vx.grad, centralDifference((t) => c.f(t, y), x), { rtol: 1e-6, atol: 1e-7 }, `∂x at (${x}, ${y})`);
        expectClose(vy.grad, centralDifference((t) => c.f(x, t), y), { rtol: 1e-6, atol: 1e-7 }, `∂y at (${x}, ${y})`);
      }
    });
  });

  describe('edge cases', () => {
    it('takes the limit where the pow formula gives 0·∞', async () => {
      eng ??= await engine(backend);
      eng.reset();
      const x = eng.value(0);
      const y = eng.value(2);
      x.pow(y).backward();
      expect(x.grad).toBe(0); // 2·0^1
      expect(y.grad).toBe(0); // 0^2·ln 0 → 0 (x = 0, y ≥ 0)
      eng.reset();
      const z = eng.value(5);
      z.pow(0).backward();
      expect(z.grad).toBe(0);
    });

    it('uses the subgradient 0 for abs and relu at 0', async () => {
      eng ??= await engine(backend);
      eng.reset();
      const x = eng.value(0);
      x.abs().add(x.relu()).backward();
      expect(x.grad).toBe(0);
    });

    it('keeps sigmoid finite and exact at extreme inputs', async () => {
      eng ??= await engine(backend);
      eng.reset();
      const lo = eng.value(-800).sigmoid();
      const hi = eng.value(800).sigmoid();
      expect(lo.data).toBe(0);
      expect(hi.data).toBe(1);
      const v = eng.value(-40);
      const s = v.sigmoid();
      s.backward();
      expectClose(s.data, Math.exp(-40) / (1 + Math.exp(-40)), { rtol: 1e-14 }, 'σ(-40)');
      expectClose(v.grad, s.data * (1 - s.data), { rtol: 1e-14 }, "σ'(-40)");
    });

    it('lets NaN and ±Infinity flow through as IEEE 754 says', async () => {
      eng ??= await engine(backend);
      eng.reset();
      expect(eng.value(NaN).relu().data).toBeNaN();
      expect(eng.value(-1).log().data).toBeNaN();
      expect(eng.value(0).log().data).toBe(-Infinity);
      expect(eng.value(1000).exp().data).toBe(Infinity);
      expect(eng.value(Infinity).tanh().data).toBe(1);
      expect(eng.value(1).div(0).data).toBe(Infinity);
      const x = eng.value(0);
      const y = x.sqrt();
      y.backward();
      expect(y.data).toBe(0);
      expect(x.grad).toBe(Infinity);
      const n = eng.value(NaN);
      n.abs().backward();
      expect(n.grad).toBeNaN();
    });
  });
});
