// Compiled programs that hold gradients (eng.compile of a function that calls
// eng.grad, eng.hessian, eng.hvp…), on both backends. A program replays the
// recorded gradient graph at new inputs, so the non-smooth ops' rules must take
// their branch anew on every run: their masks are nodes of the mask ops (Gt,
// Ge, Eq, Sign, Select), not constants read at trace time. Each compiled
// result is checked against the eager transform at the same point, to the last
// bit, and the eager one against closed forms or central differences, at
// points on both sides of every branch from the example the program was
// traced at.

import { beforeAll, describe, expect, it } from 'vitest';
import { Op, WasmgradStaleGraphError, type BackendName, type Engine, type Program, type Value } from '../src/index.js';
import { valueHelpers } from '../src/transforms/graph.js';
import { BACKENDS, centralDifference, engine, expectClose } from './helpers.js';

const engines = new Map<BackendName, Engine>();
beforeAll(async () => {
  for (const backend of BACKENDS) engines.set(backend, await engine(backend));
});

/** The seed neuron: σ(w0·x0 + w1·x1 + w2), written out as micrograd's example does. */
const neuron = (eng: Engine) => (w0: Value, x0: Value, w1: Value, x1: Value, w2: Value): Value =>
  eng.div(1, eng.add(1, w0.mul(x0).add(w1.mul(x1)).add(w2).neg().exp()));

/** The neuron's Hessian in closed form: σ''·∇z∇zᵀ + σ'·∇²z, z = w0·x0 + w1·x1 + w2. */
function neuronHessian([w0, x0, w1, x1, w2]: number[]): number[][] {
  const s = 1 / (1 + Math.exp(-(w0 * x0 + w1 * x1 + w2)));
  const d1 = s * (1 - s);
  const d2 = d1 * (1 - 2 * s);
  const dz = [x0, w0, x1, w1, 1];
  const h = dz.map((a) => dz.map((b) => d2 * a * b));
  h[0][1] += d1; h[1][0] += d1; h[2][3] += d1; h[3][2] += d1;
  return h;
}

/** relu, |·|, a max and a pow with a variable exponent: every mask the scalar rules use. */
const kinked = (eng: Engine) => (x: Value, y: Value): Value => {
  const max = y.add(x.sub(y).relu()); // max(x, y)
  return x.relu().mul(y).add(x.abs().mul(x)).add(max.mul(max)).add(x.mul(x).add(1).pow(y));
};

/** ∇(kinked) in closed form, to check the eager transforms the programs are compared with. */
function kinkedGrad(x: number, y: number): [number, number] {
  const relu = (t: number) => (t > 0 ? 1 : 0);
  const m = Math.max(x, y);
  const q = x * x + 1;
  const dmx = relu(x - y), dmy = 1 - relu(x - y);
  return [
    relu(x) * y + 2 * Math.abs(x) + 2 * m * dmx + y * q ** (y - 1) * 2 * x,
    Math.max(x, 0) + 2 * m * dmy + q ** y * Math.log(q),
  ];
}

/** The example kinked is traced at, and points on the other side of each of its branches (x ≤ 0, x > y, y ≠ 0…). */
const KINKED_EXAMPLE = [1.5, 0];
const KINKED_POINTS = [[1.5, 0], [-1.25, 2], [-2, -3], [3, 0.5], [0.75, -1], [2, 2.5]];

/** Eager results as numbers, with the tape reset afterwards. */
function eagerNumbers(eng: Engine, build: () => Value[]): number[] {
  const out = build().map((v) => v.data);
  eng.reset();
  return out;
}

function expectBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
  }
}

/** Saves the program, loads it into `into` and checks that it replays the same bits, outputs and gradients. */
function expectRoundTrip(program: Program, into: Engine, points: number[][], what: string): void {
  const loaded = into.load(program.save());
  for (const p of points) {
    const a = program.run(p);
    const b = loaded.run(p);
    expectBits(b.outputs, a.outputs, `${what} loaded, outputs at ${p}`);
    expectBits(b.grads, a.grads, `${what} loaded, gradients at ${p}`);
  }
  loaded.dispose();
}

describe.each(BACKENDS)('compiled gradients (%s)', (backend) => {
  it('replays the seed neuron\'s Hessian at new inputs, bit for bit the eager one, which is the closed form', () => {
    const eng = engines.get(backend)!;
    const f = neuron(eng);
    const program = eng.compile((...p) => eng.hessian(f)(...p).flat(), [2, -1, -3, -2, -3]);
    expect(program.outputCount).toBe(25);
    for (const p of [[2, -1, -3, -2, -3], [0.5, 4, -1, 0, 2], [-7, 0.25, 3, 3, -0.5], [0.1, -0.2, 0.3, 0.4, 0]]) {
      const compiled = program.forward(p);
      expectBits(compiled, eagerNumbers(eng, () => eng.hessian(f)(...p).flat()), `H at ${p}`);
      neuronHessian(p).flat().forEach((h, i) => expectClose(compiled[i], h, { rtol: 1e-12, atol: 1e-15 }, `H[${i}] at ${p}`));
    }
    program.dispose();
  });

  it('takes relu\'s, abs\'s, max\'s and pow\'s branches anew on every run (the masks are graph nodes)', () => {
    const eng = engines.get(backend)!;
    const f = kinked(eng);
    const grad = eng.compile((x, y) => eng.grad(f, { argnums: [0, 1] })(x, y), KINKED_EXAMPLE);
    const hessian = eng.compile((x, y) => eng.hessian(f)(x, y).flat(), KINKED_EXAMPLE);
    const atExample = Array.from(hessian.forward(KINKED_EXAMPLE));
    for (const [x, y] of KINKED_POINTS) {
      const g = grad.forward([x, y]);
      expectBits(g, eagerNumbers(eng, () => eng.grad(f, { argnums: [0, 1] })(x, y)), `∇ at ${x}, ${y}`);
      kinkedGrad(x, y).forEach((d, k) => expectClose(g[k], d, { rtol: 1e-13, atol: 1e-13 }, `∂${k} at ${x}, ${y}`));
      const h = hessian.forward([x, y]);
      expectBits(h, eagerNumbers(eng, () => eng.hessian(f)(x, y).flat()), `H at ${x}, ${y}`);
      // Each column of H against central differences of the closed-form gradient; not at y = 0, where
      // pow's rule takes ∂/∂x as exactly 0 (the limit, as PyTorch), which has no ∂/∂y.
      if (y !== 0) for (let j = 0; j < 2; j++) {
        for (let k = 0; k < 2; k++) {
          const numeric = centralDifference((t) => kinkedGrad(j === 0 ? t : x, j === 1 ? t : y)[k], j === 0 ? x : y);
          expectClose(h[2 * k + j], numeric, { rtol: 1e-6, atol: 1e-6 }, `H[${k}][${j}] at ${x}, ${y}`);
        }
      }
    }
    // Across a branch the numbers differ from the example's: a program that kept the trace's branch would fail above.
    expect(Array.from(hessian.forward([-1.25, 2]))).not.toEqual(atExample);
    expectRoundTrip(hessian, eng, KINKED_POINTS, 'kinked Hessian');
    grad.dispose();
    hessian.dispose();
  });

  it('replays a Hessian-vector product (forward over reverse) that equals H·v', () => {
    const eng = engines.get(backend)!;
    const f = neuron(eng);
    const program = eng.compile((...pv) => eng.hvp(f, pv.slice(0, 5), pv.slice(5)), [2, -1, -3, -2, -3, 1, 0, 0, 0, 0]);
    for (const [p, v] of [[[2, -1, -3, -2, -3], [1, 0, 0, 0, 0]], [[0.5, 4, -1, 0, 2], [0.3, -1, 2, 0.5, -0.25]], [[-1, 1, 2, -2, 0.5], [0, 0, 0, 0, 1]]]) {
      const compiled = program.forward([...p, ...v]);
      expectBits(compiled, eagerNumbers(eng, () => eng.hvp(f, p, v)), `hvp at ${p} along ${v}`);
      const h = neuronHessian(p);
      h.forEach((row, i) => expectClose(compiled[i], row.reduce((s, hij, j) => s + hij * v[j], 0), { rtol: 1e-12, atol: 1e-14 }, `(Hv)[${i}]`));
    }
    // The same through relu and abs, across their branches.
    const k = kinked(eng);
    const kinkedHvp = eng.compile((x, y, u, w) => eng.hvp(k, [x, y], [u, w]), [...KINKED_EXAMPLE, 1, 1]);
    for (const [x, y] of KINKED_POINTS) {
      const v = [0.5, -2];
      const h = eagerNumbers(eng, () => eng.hessian(k)(x, y).flat());
      const compiled = kinkedHvp.forward([x, y, ...v]);
      expectBits(compiled, eagerNumbers(eng, () => eng.hvp(k, [x, y], v)), `kinked hvp at ${x}, ${y}`);
      [0, 1].forEach((i) => expectClose(compiled[i], h[2 * i] * v[0] + h[2 * i + 1] * v[1], { rtol: 1e-12, atol: 1e-12 }, `kinked (Hv)[${i}]`));
    }
    expectRoundTrip(kinkedHvp, eng, KINKED_POINTS.map((p) => [...p, 0.5, -2]), 'kinked hvp');
    program.dispose();
    kinkedHvp.dispose();
  });

  it('runs a gradient penalty f + |∇f|² forward and backward, as the eager graph does', () => {
    const eng = engines.get(backend)!;
    const f = kinked(eng);
    const penalty = (x: Value, y: Value): Value => {
      const [gx, gy] = eng.grad(f, { argnums: [0, 1] })(x, y);
      return f(x, y).add(gx.mul(gx)).add(gy.mul(gy));
    };
    const program = eng.compile(penalty, KINKED_EXAMPLE);
    const value = (x: number, y: number) => {
      const [gx, gy] = kinkedGrad(x, y);
      const m = Math.max(x, y);
      return Math.max(x, 0) * y + Math.abs(x) * x + m * m + (x * x + 1) ** y + gx * gx + gy * gy;
    };
    for (const [x, y] of KINKED_POINTS) {
      const { outputs, grads } = program.run([x, y]);
      const xs = [eng.value(x), eng.value(y)];
      const out = penalty(xs[0], xs[1]);
      out.backward();
      expect(Object.is(outputs[0], out.data), `penalty at ${x}, ${y}`).toBe(true);
      expectBits(grads, xs.map((v) => v.grad), `∇penalty at ${x}, ${y}`);
      eng.reset();
      expectClose(outputs[0], value(x, y), { rtol: 1e-13, atol: 1e-13 }, `penalty at ${x}, ${y}`);
      expectClose(grads[0], centralDifference((t) => value(t, y), x), { rtol: 1e-6, atol: 1e-6 }, `∂penalty/∂x at ${x}, ${y}`);
      if (y !== 0) expectClose(grads[1], centralDifference((t) => value(x, t), y), { rtol: 1e-6, atol: 1e-6 }, `∂penalty/∂y at ${x}, ${y}`);
    }
    expectRoundTrip(program, eng, KINKED_POINTS, 'penalty');
    program.dispose();
  });

  it('replays gradients of gradients of gradients: third derivatives, and run() gives the fourth', () => {
    const eng = engines.get(backend)!;
    const f = (x: Value) => x.sin().mul(x.mul(x));
    const third = eng.compile((x) => eng.grad(eng.grad(eng.grad(f)))(x), [0.5]);
    for (const x of [0.5, -1.3, 2.2, 0]) {
      const { outputs, grads } = third.run([x]);
      expectBits(outputs, eagerNumbers(eng, () => [eng.grad(eng.grad(eng.grad(f)))(x)]), `f''' at ${x}`);
      const [s, c] = [Math.sin(x), Math.cos(x)];
      expectClose(outputs[0], 6 * c - 6 * x * s - x * x * c, { rtol: 1e-12, atol: 1e-13 }, `f''' at ${x}`);
      expectClose(grads[0], -12 * s - 8 * x * c + x * x * s, { rtol: 1e-12, atol: 1e-13 }, `f'''' at ${x}`);
    }
    // relu(x)³: f''' is 6 for x > 0 and 0 for x < 0, whichever side the trace saw.
    const cube = eng.compile((x) => eng.grad(eng.grad(eng.grad((t: Value) => t.relu().pow(3))))(x), [1]);
    for (const [x, expected] of [[1, 6], [-1, 0], [2.5, 6], [-0.5, 0]]) {
      expect(cube.forward([x])[0], `relu³''' at ${x}`).toBe(expected);
    }
    expectRoundTrip(third, eng, [[0.5], [-1.3], [2.2]], 'third derivative');
    const other = engines.get(BACKENDS.find((b) => b !== backend)!)!;
    const moved = other.load(cube.save());
    expect(Array.from(moved.forward([-3]))).toEqual([0]);
    expect(Array.from(moved.forward([3]))).toEqual([6]);
    moved.dispose();
    third.dispose();
    cube.dispose();
  });

  it('keeps the branch a mask does not take finite: pow\'s second derivatives at 0 are numbers, eager and compiled', () => {
    const eng = engines.get(backend)!;
    const pow = (x: Value, y: Value) => x.pow(y);
    const program = eng.compile((x, y) => eng.hessian(pow)(x, y).flat(), [1, 1]);
    // x^y at x = 0: ∂²/∂x² = y(y − 1)x^(y−2); the terms with ln x are taken at their limit 0 (pow's rule, as PyTorch).
    for (const [x, y, expected] of [[0, 2, [2, 0, 0, 0]], [0, 3, [0, 0, 0, 0]], [0, 0, [0, 0, 0, 0]], [2, 0, [0, 0, 0.5, Math.log(2) ** 2]]] as const) {
      const eager = eagerNumbers(eng, () => eng.hessian(pow)(x, y).flat());
      expectBits(program.forward([x, y]), eager, `H of x^y at ${x}, ${y}`);
      eager.forEach((h, i) => expectClose(h, expected[i], { rtol: 1e-15, atol: 0 }, `H[${i}] of x^y at ${x}, ${y}`));
    }
    program.dispose();
  });

  it('reads parameters at every run: a gradient\'s mask follows a parameter that changes sign, and run() trains through it', () => {
    const eng = engines.get(backend)!;
    const w = eng.param(3);
    // g = d relu(w·x²)/dx = 2wx where w·x² > 0, else 0; the program outputs g².
    const program = eng.compile((x) => {
      const [g] = eng.gradients(x.mul(x).mul(w).relu(), [x], { createGraph: true });
      return g.mul(g);
    }, [1]);
    expect(program.params).toEqual([w]);
    expect(Array.from(program.forward([2]))).toEqual([144]);
    w.grad = 0;
    const { grads } = program.run([2]);
    expect(grads[0]).toBe(144); // d(4w²x²)/dx = 8w²x
    expect(w.grad).toBe(96); // d(4w²x²)/dw = 8wx²
    w.data = -1;
    expect(Array.from(program.forward([2]))).toEqual([0]);
    const loaded = eng.load(program.save());
    expect(loaded.params[0].data).toBe(-1);
    expect(Array.from(loaded.forward([2]))).toEqual([0]);
    loaded.params[0].data = 0.5;
    expect(Array.from(loaded.forward([2]))).toEqual([4]);
    loaded.dispose();
    program.dispose();
  });

  it('leaves nothing on the eager tape, and the engine works on after a refused compile', () => {
    const eng = engines.get(backend)!;
    const f = neuron(eng);
    const kept = eng.value(3);
    const before = eng.tape.nodeCount;
    const program = eng.compile((...p) => [...eng.hessian(f)(...p).flat(), ...eng.jacobian((a: Value, b: Value) => [a.mul(b), a.relu()])(p[0], p[1]).flat()], [1, 2, 3, 4, 5]);
    expect(eng.tape.nodeCount).toBe(before);
    expect(program.nodeCount).toBeGreaterThan(100);
    // A Value made outside the trace, given to a transform: named as such, not as a stale graph.
    expect(() => eng.compile((x) => eng.grad((t: Value) => t.mul(x))(kept), [1])).toThrow(/compile's fn used a Value made outside it/);
    // gradients() without createGraph would bake the example's gradient as a constant.
    expect(() => eng.compile((x) => eng.gradients(x.mul(x), [x])[0], [2])).toThrow(/gradients: inside compile\(\)'s fn, gradients must be recorded: pass \{ createGraph: true \}/);
    expect(eng.tape.nodeCount).toBe(before);
    const recorded = eng.compile((x) => eng.gradients(x.mul(x), [x], { createGraph: true })[0], [2]);
    expect(Array.from(recorded.forward([5]))).toEqual([10]);
    const y = kept.mul(kept);
    y.backward();
    expect(kept.grad).toBe(6);
    expect(eng.grad((t: Value) => t.mul(t).mul(t))(kept).data).toBe(27);
    eng.reset();
    // A Value from before a reset is stale, inside compile too; one made inside a trace belongs to its program.
    const old = eng.value(1);
    eng.reset();
    expect(() => eng.compile(() => eng.grad((t: Value) => t.mul(t))(old), [])).toThrow(WasmgradStaleGraphError);
    let traced: Value | null = null;
    eng.compile((x) => (traced = x).mul(2), [1]).dispose();
    expect(() => eng.grad((t: Value) => t.mul(t))(traced!)).toThrow(/made inside compile\(\)'s fn/);
    program.dispose();
    recorded.dispose();
  });
});

describe('the mask ops', () => {
  /** Pushes op on Values through the recording path the helpers use. */
  const apply = (eng: Engine, op: number, x: Value, y?: Value): Value => {
    const r = x as unknown as { applyUnary(op: number, name: string): Value; applyBinary(op: number, y: Value, name: string): Value };
    return y === undefined ? r.applyUnary(op, 'test') : r.applyBinary(op, y, 'test');
  };
  const SPECIAL = [-2, -0, 0, 0.5, 3, Infinity, -Infinity, NaN];
  const expected: [string, number, (x: number, y: number) => number][] = [
    ['Gt', Op.Gt, (x, y) => (x > y ? 1 : 0)],
    ['Ge', Op.Ge, (x, y) => (x >= y ? 1 : 0)],
    ['Eq', Op.Eq, (x, y) => (x === y ? 1 : 0)],
    ['Select', Op.Select, (x, y) => (x !== 0 ? y : 0)],
  ];

  it.each(BACKENDS)('compute comparisons, sign and select on special values, with no gradient but Select\'s (%s)', (backend) => {
    const eng = engines.get(backend)!;
    for (const a of SPECIAL) {
      const x = eng.value(a);
      const s = apply(eng, Op.Sign, x);
      expect(s.op).toBe('Sign');
      expect(Object.is(s.data, a > 0 ? 1 : a < 0 ? -1 : a === 0 ? 0 : NaN), `sign(${a}) = ${s.data}`).toBe(true);
      s.backward();
      expect(x.grad).toBe(0);
      for (const b of SPECIAL) {
        for (const [name, op, fn] of expected) {
          const [vx, vy] = [eng.value(a), eng.value(b)];
          const out = apply(eng, op, vx, vy);
          expect(out.op).toBe(name);
          expect(Object.is(out.data, fn(a, b)), `${name}(${a}, ${b}) = ${out.data}`).toBe(true);
          out.backward();
          expect(vx.grad, `d${name}/dx at ${a}, ${b}`).toBe(0);
          expect(vy.grad, `d${name}/dy at ${a}, ${b}`).toBe(name === 'Select' && a !== 0 ? 1 : 0);
        }
      }
      eng.reset();
    }
  });

  it.each(BACKENDS)('make the rule helpers, every form of where included, and replay them in a program (%s)', (backend) => {
    const eng = engines.get(backend)!;
    const k = valueHelpers(eng);
    // Each helper on Values and numbers, as a program: [gt, ge, lt, lt with a number first, eq, sign, where ×4]
    const program = eng.compile((a, b) => {
      const m = k.gt(a, b);
      return [k.gt(a, b), k.ge(a, 1), k.lt(a, b), k.lt(b, 0), k.eq(a, b), k.sign(a),
        k.where(m, a, b), k.where(m, a, 0), k.where(m, 0, b), k.where(m, 7, 7)];
    }, [1, 2]);
    const expected = (a: number, b: number) => {
      const m = a > b;
      return [+(a > b), +(a >= 1), +(a < b), +(b < 0), +(a === b), a > 0 ? 1 : a < 0 ? -1 : a === 0 ? 0 : NaN,
        m ? a : b, m ? a : 0, m ? 0 : b, 7];
    };
    for (const [a, b] of [[1, 2], [3, -1], [2, 2], [-0.5, -4], [0, 0], [NaN, 1]]) {
      expect(Array.from(program.forward([a, b])), `at ${a}, ${b}`).toEqual(expected(a, b).map((v) => v + 0)); // +0 for −0
    }
    // Two Value branches are a sum of two selects: a −0 taken comes back +0 (docs/ops.md).
    expect(Object.is(program.forward([-0, -1])[6], 0)).toBe(true);
    program.dispose();
  });

  it('agree between the Wasm core and the JS twin, eagerly and in a saved program', () => {
    const results = BACKENDS.map((backend) => {
      const eng = engines.get(backend)!;
      const program = eng.compile((x, y) => {
        const outs = expected.map(([, op]) => apply(eng, op, x, y));
        return [eng.sum([...outs, apply(eng, Op.Sign, x)].map((o, i) => o.mul(i + 1))), ...outs, apply(eng, Op.Sign, y)];
      }, [1, 2]);
      const rows = SPECIAL.flatMap((a) => SPECIAL.map((b) => Array.from(program.forward([a, b]))));
      return { rows, bytes: program.save() };
    });
    expect(results[1].rows).toEqual(results[0].rows);
    expect(Array.from(results[1].bytes)).toEqual(Array.from(results[0].bytes));
  });
});
