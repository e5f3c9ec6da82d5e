// Random valid tensor programs (float64: broadcasting shapes, every public op
// family, new leaves mid-program), run on the JS twin and on each Wasm build,
// values and gradients compared. The claims are the suite's own
// (test/tensor-core.test.ts, docs/tensors.md): the SIMD and baseline builds
// agree to the bit on everything; the relaxed-SIMD build agrees with them to
// the bit except where it may fuse a multiply-add (matmul, linear, conv); the
// twin's transcendentals and summation order are its own, so it agrees to
// rounding. Engines are reused across cases (each case ends with a reset), so
// arena reuse is exercised too.
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { hasRelaxedSimd } from '../../src/wasm/load.js';
import { check, timeout } from './config.js';
import { firstMismatch, sameBits } from './generators.js';
import { execute, plan, recipe, type Plan, type Result } from './tensor-plans.js';

function describePlan(p: Plan): string {
  return p.steps.map((s) => `  ${s.what}`).join('\n') + `\n  loss: Σ w·#${p.outputs.join(', #')}`;
}

function compare(name: string, a: Result, b: Result, p: Plan, bits: boolean): void {
  const same = (x: number[], y: number[]) => (bits ? sameBits(x, y) : firstMismatch(x, y, 1e-9) === -1);
  const where = (what: string, x: number[], y: number[]) => {
    const i = bits ? x.findIndex((v, k) => !Object.is(v, y[k])) : firstMismatch(x, y, 1e-9);
    return `${name}: ${what} differ at [${i}]: ${x[i]} vs ${y[i]}${bits ? ' (bit-identical expected)' : ''}\nplan (seed ${p.seed}):\n${describePlan(p)}`;
  };
  a.values.forEach((v, k) => expect(same(v, b.values[k]), where(`values of node ${k}`, v, b.values[k])).toBe(true));
  a.grads.forEach((g, k) => expect(same(g, b.grads[k]), where(`gradients of leaf ${k}`, g, b.grads[k])).toBe(true));
  expect(same([a.loss], [b.loss]), where('losses', [a.loss], [b.loss])).toBe(true);
}

describe('fuzz: random valid tensor programs across backends and builds', () => {
  const engines: Record<string, Engine> = {};

  beforeAll(async () => {
    engines.js = await createEngine({ backend: 'js' });
    engines.baseline = await createEngine({ simd: false });
    engines.simd = await createEngine({ relaxedSimd: false });
    if (hasRelaxedSimd()) engines.relaxed = await createEngine();
    expect([engines.baseline.wasmBuild, engines.simd.wasmBuild, engines.relaxed?.wasmBuild ?? 'relaxed-simd']).toEqual(['baseline', 'simd', 'relaxed-simd']);
  });

  it('every program plans valid steps (the generator is not mostly fallbacks)', () => {
    let steps = 0, kinds = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      const r = new (class { n = seed * 2654435761; next() { this.n = (Math.imul(this.n, 1103515245) + 12345) >>> 0; return this.n; } })();
      const p = plan({ seed, base: [1 + (r.next() % 4), 1 + (r.next() % 4)], leaves: [r.next() % 256, r.next() % 256], steps: Array.from({ length: 10 }, () => [r.next() % 24, r.next(), r.next(), r.next(), r.next()] as [number, number, number, number, number]), outputs: 2 });
      steps += p.steps.length;
      for (const s of p.steps) kinds.add(s.what.replace(/^\d+: /, '').replace(/[^a-zA-Z].*$/, ''));
    }
    expect(steps).toBeGreaterThan(3000);
    expect(kinds.size, [...kinds].join(' ')).toBeGreaterThanOrEqual(30);
  });

  it('gives the same values and gradients on the twin and on every Wasm build', () => {
    check('tensor programs', 2500, 0x7e2501, [recipe()], (r) => {
      const p = plan(r);
      const results = Object.fromEntries(Object.entries(engines).map(([name, eng]) => [name, execute(eng, p)])) as Record<string, Result>;
      compare('simd and baseline', results.simd, results.baseline, p, true);
      if (results.relaxed) compare('relaxed-simd and simd', results.relaxed, results.simd, p, !p.steps.some((s) => s.fused));
      compare('the JS twin and the simd build', results.js, results.simd, p, false);
    });
  }, timeout(60_000));
});
