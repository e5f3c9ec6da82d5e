// backward({ createGraph: true }) and eng.gradients: the backward pass
// recorded as nodes with the registry's rules (src/generated/rules.ts), on
// both backends. For every scalar op in the registry:
// - the recorded gradient is the fused kernel's, to 1 ulp, at the registry's
//   check points and at seeded points of its check ranges;
// - differentiating it again gives second derivatives that match f64 central
//   differences of the fused first derivative;
// and a handful of ops against closed forms of their second derivatives.

import { beforeAll, describe, expect, it } from 'vitest';
import { OPS } from '../registry/ops.mjs';
import type { Op as RegistryOp } from '../registry/ops.d.mts';
import { Random } from '../src/random.js';
import { WasmgradStaleGraphError, type BackendName, type Engine, type Value } from '../src/index.js';
import { BACKENDS, engine, expectClose } from './helpers.js';

const SCALAR = OPS.filter((op) => op.kind === 'scalar' && op.check !== null && op.arity > 0);

/** The op as its method records it; `Pow` with a number exponent records PowConst. */
function apply(op: RegistryOp, x: Value, y?: Value | number): Value {
  const m = (x as unknown as Record<string, (o?: Value | number) => Value>)[op.method!];
  return op.arity === 1 ? m.call(x) : m.call(x, y);
}

/** |a − b| in units in the last place of b (0 when both are the same NaN or infinity). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const scale = b === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(b))) - 52);
  return Math.abs(a - b) / scale;
}

function samples(op: RegistryOp, seed: number, n = 5): number[][] {
  const rng = new Random(seed);
  const [xlo, xhi] = op.check!.x;
  const [ylo, yhi] = op.check!.y ?? [0, 0];
  const out: number[][] = [];
  while (out.length < n) {
    const x = rng.uniform(xlo, xhi);
    const y = rng.uniform(ylo, yhi);
    if (Math.abs(x) < 1e-2 || (op.arity === 2 && Math.abs(x - y) < 1e-2)) continue; // off kinks
    out.push(op.arity === 1 ? [x] : [x, y]);
  }
  return out;
}

const engines = new Map<BackendName, Engine>();
beforeAll(async () => {
  for (const backend of BACKENDS) engines.set(backend, await engine(backend));
});

describe.each(BACKENDS)('backward({ createGraph: true }) (%s)', (backend) => {
  for (const op of SCALAR) {
    describe(op.name, () => {
      it('records the fused kernel\'s gradient, to 1 ulp', () => {
        const eng = engines.get(backend)!;
        const points = [...op.check!.points.map((p) => p.slice(0, op.arity)), ...samples(op, op.id)];
        for (const point of points) {
          const xs = point.map((v) => eng.value(v));
          const out = apply(op, xs[0], xs[1]);
          out.backward();
          const fused = xs.map((x) => x.grad);
          const recorded = eng.gradients(out, xs, { createGraph: true });
          for (let k = 0; k < op.arity; k++) {
            expect(ulps(recorded[k].data, fused[k]), `${op.name}(${point.join(', ')}) d/dinput ${k}: recorded ${recorded[k].data}, fused ${fused[k]}`)
              .toBeLessThanOrEqual(1);
          }
          eng.reset();
        }
      });

      it('differentiates its gradient again: second derivatives match central differences of the fused gradient', () => {
        const eng = engines.get(backend)!;
        for (const point of samples(op, op.id + 50, 4)) {
          for (let k = 0; k < op.arity; k++) {
            for (let j = 0; j < op.arity; j++) {
              // ∂/∂input j of (∂out/∂input k), against central differences of the fused ∂out/∂input k
              const fusedGrad = (t: number): number => {
                const xs = point.map((v, i) => eng.value(i === j ? t : v));
                apply(op, xs[0], xs[1]).backward();
                return xs[k].grad;
              };
              const h = 1e-5 * Math.max(Math.abs(point[j]), 0.1);
              const numeric = (fusedGrad(point[j] + h) - fusedGrad(point[j] - h)) / (2 * h);
              const xs = point.map((v) => eng.value(v));
              const [g] = eng.gradients(apply(op, xs[0], xs[1]), [xs[k]], { createGraph: true });
              const [second] = eng.gradients(g, [xs[j]], { createGraph: true });
              expectClose(second.data, numeric, { rtol: 1e-6, atol: 1e-6 }, `${op.name}(${point.join(', ')}) ∂²/∂${k}∂${j}`);
              eng.reset();
            }
          }
        }
      });
    });
  }

  it('PowConst (a number exponent) too: first derivative bit for bit, second against c(c−1)x^(c−2)', () => {
    const eng = engines.get(backend)!;
    for (const [x0, c] of [[1.7, 2.5], [0.3, -1.5], [2, 0], [0, 0], [-1.2, 3]]) {
      const x = eng.value(x0);
      const out = x.pow(c);
      expect(out.op).toBe('PowConst');
      out.backward();
      const [g] = eng.gradients(out, [x], { createGraph: true });
      expect(ulps(g.data, x.grad), `d/dx ${x0}^${c}`).toBeLessThanOrEqual(1);
      const [second] = eng.gradients(g, [x]);
      expectClose(second.data, c === 0 ? 0 : c * (c - 1) * x0 ** (c - 2), { rtol: 1e-13, atol: 1e-13 }, `d²/dx² ${x0}^${c}`);
      eng.reset();
    }
  });

  it('matches closed forms of second derivatives', () => {
    const eng = engines.get(backend)!;
    const second = (f: (x: Value) => Value, x0: number): number => {
      const x = eng.value(x0);
      const [g] = eng.gradients(f(x), [x], { createGraph: true });
      return eng.gradients(g, [x])[0].data;
    };
    const erfC = 2 / Math.sqrt(Math.PI);
    const sig = (t: number) => 1 / (1 + Math.exp(-t));
    for (const x0 of [-2.5, -0.7, 0.3, 1.9]) {
      expectClose(second((x) => x.exp(), x0), Math.exp(x0), { rtol: 1e-15, atol: 0 }, `exp'' at ${x0}`);
      if (x0 > -1) expectClose(second((x) => x.log1p(), x0), -1 / (1 + x0) ** 2, { rtol: 1e-14, atol: 0 }, `log1p'' at ${x0}`);
      expectClose(second((x) => x.erf(), x0), -2 * x0 * erfC * Math.exp(-x0 * x0), { rtol: 1e-14, atol: 1e-16 }, `erf'' at ${x0}`);
      const t = Math.tanh(x0);
      expectClose(second((x) => x.tanh(), x0), -2 * t * (1 - t * t), { rtol: 1e-12, atol: 1e-15 }, `tanh'' at ${x0}`);
      const s = sig(x0);
      expectClose(second((x) => x.sigmoid(), x0), s * (1 - s) * (1 - 2 * s), { rtol: 1e-12, atol: 1e-15 }, `sigmoid'' at ${x0}`);
      expectClose(second((x) => x.sin(), x0), -Math.sin(x0), { rtol: 1e-15, atol: 1e-16 }, `sin'' at ${x0}`);
    }
    // atan2(x, y): ∂²/∂x² = −2xy/r⁴, ∂²/∂x∂y = (x² − y²)/r⁴, ∂²/∂y² = 2xy/r⁴
    for (const [a, b] of [[1, -2], [0.5, 0.25], [-1.5, 0.75]]) {
      const x = eng.value(a), y = eng.value(b);
      const [gx, gy] = eng.gradients(x.atan2(y), [x, y], { createGraph: true });
      const [hxx, hxy] = eng.gradients(gx, [x, y]);
      const [hyx, hyy] = eng.gradients(gy, [x, y]);
      const r4 = (a * a + b * b) ** 2;
      expectClose(hxx.data, (-2 * a * b) / r4, { rtol: 1e-14, atol: 1e-15 }, 'atan2 ∂²/∂x²');
      expectClose(hxy.data, (a * a - b * b) / r4, { rtol: 1e-14, atol: 1e-15 }, 'atan2 ∂²/∂x∂y');
      expectClose(hyx.data, (a * a - b * b) / r4, { rtol: 1e-14, atol: 1e-15 }, 'atan2 ∂²/∂y∂x');
      expectClose(hyy.data, (2 * a * b) / r4, { rtol: 1e-14, atol: 1e-15 }, 'atan2 ∂²/∂y²');
    }
    eng.reset();
  });

  it('keeps each leaf\'s and parameter\'s gradient as a Value that accumulates until zeroGrad(), as PyTorch\'s x.grad', () => {
    const eng = engines.get(backend)!;
    const x = eng.value(1.5);
    const p = eng.param(0.5);
    const y = x.mul(x).mul(p); // x²p
    expect(x.gradValue).toBeNull();
    y.backward({ createGraph: true });
    expect(x.grad).toBe(2 * 1.5 * 0.5);
    expect(x.gradValue!.data).toBe(x.grad);
    expect(p.gradValue!.data).toBe(1.5 * 1.5);
    // d/dx of the kept gradient 2xp is 2p; d/dp is 2x
    const [dxx, dxp] = eng.gradients(x.gradValue!, [x, p]);
    expect([dxx.data, dxp.data]).toEqual([1, 3]);
    y.backward({ createGraph: true }); // accumulates, as .grad does
    expect(x.grad).toBe(3);
    expect(x.gradValue!.data).toBe(3);
    expect(y.gradValue).toBeNull(); // kept for leaves and parameters only
    eng.zeroGrad();
    expect(x.gradValue).toBeNull();
    eng.reset();
  });

  it('leaves .grad alone in eng.gradients, and gives 0 for an input the output does not depend on', () => {
    const eng = engines.get(backend)!;
    const x = eng.value(2), z = eng.value(3);
    const [gx, gz] = eng.gradients(x.exp(), [x, z]);
    expect(gx.data).toBe(Math.exp(2));
    expect(gz.data).toBe(0);
    expect(x.grad).toBe(0);
    const [seeded] = eng.gradients([x.mul(3), x.mul(x)], [x], { gradOutputs: [2, 0.5] });
    expect(seeded.data).toBe(2 * 3 + 0.5 * 4);
    expect(() => eng.gradients(x.exp(), [x], { create_graph: true } as never)).toThrow(/wasmgrad spells it createGraph/);
    eng.reset();
  });

  it('refuses a graph that eng.reset() has freed, with a WasmgradStaleGraphError', () => {
    const eng = engines.get(backend)!;
    const x = eng.value(2);
    const y = x.exp();
    eng.reset();
    expect(() => y.backward({ createGraph: true })).toThrow(WasmgradStaleGraphError);
    expect(() => eng.backward(y, { createGraph: true })).toThrow(/made before eng\.reset\(\), which freed its graph/);
    expect(() => eng.gradients(eng.value(1).exp(), [x])).toThrow(WasmgradStaleGraphError);
    expect(() => eng.grad((a) => a.mul(2))(y)).toThrow(WasmgradStaleGraphError);
    eng.reset();
  });
});
