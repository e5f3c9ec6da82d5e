import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createEngine, Random, type Engine, type Value } from '../src/index.js';
import { BACKENDS, engine, expectClose, moreOps, sanityCheck } from './helpers.js';
import { chooseBuild, hasRelaxedSimd, hasSimd } from '../src/wasm/load.js';

describe.each(BACKENDS)('engine (%s)', (backend) => {
  describe("micrograd's checks (test/test_engine.py)", () => {
    it('test_sanity_check: y = -20, dy/dx = 46', async () => {
      const eng = await engine(backend);
      const x = eng.value(-4.0);
      const y = sanityCheck(eng)(x);
      y.backward();
      expect(y.data).toBe(-20);
      expect(x.grad).toBe(46);
    });

    it('test_more_ops: g = 24.70408163265306, dg/da = 138.83381924198252, dg/db = 645.5772594752186', async () => {
      const eng = await engine(backend);
      const a = eng.value(-4.0);
      const b = eng.value(2.0);
      const g = moreOps(eng)(a, b);
      g.backward();
      expectClose(g.data, 24.70408163265306, { rtol: 1e-15 }, 'g');
      expectClose(a.grad, 138.83381924198252, { rtol: 1e-15 }, 'dg/da');
      expectClose(b.grad, 645.5772594752186, { rtol: 1e-15 }, 'dg/db');
    });
  });

  describe('gradients', () => {
    it('accumulates leaf gradients across backward() calls until zeroGrad()', async () => {
      const eng = await engine(backend);
      const x = eng.value(3);
      const mid = x.mul(x); // dy/dmid = 2, dmid/dx = 6
      const y = mid.mul(2);
      y.backward();
      expect(x.grad).toBe(12);
      expect(mid.grad).toBe(2);
      y.backward();
      expect(x.grad).toBe(24); // leaves accumulate
      expect(mid.grad).toBe(2); // intermediates hold this call's d(root)/d(node)
      eng.zeroGrad();
      expect(x.grad).toBe(0);
      expect(mid.grad).toBe(0);
      y.backward();
      expect(x.grad).toBe(12);
    });

    it('sums the gradient of a value used many times', async () => {
      const eng = await engine(backend);
      const x = eng.value(1.5);
      const y = eng.sum([x, x.mul(x), x.mul(x).mul(x), 4]); // 1 + 2x + 3x²
      y.backward();
      expect(y.data).toBe(1.5 + 2.25 + 3.375 + 4);
      expect(x.grad).toBe(1 + 2 * 1.5 + 3 * 2.25);
    });

    it('backpropagates only into what the root depends on', async () => {
      const eng = await engine(backend);
      const x = eng.value(2);
      const unrelated = x.mul(Infinity); // ∂/∂x = ∞, but it does not reach y
      const y = x.mul(3);
      y.backward();
      expect(x.grad).toBe(3); // not NaN from 0·∞
      expect(unrelated.grad).toBe(0);
    });

    it('can start backward from an inner node and from a leaf', async () => {
      const eng = await engine(backend);
      const x = eng.value(2);
      const inner = x.mul(x);
      inner.mul(10); // a later node, not swept
      inner.backward();
      expect(x.grad).toBe(4);
      x.backward();
      expect(x.grad).toBe(5);
    });

    it('agrees between backends on random graphs, to the last bit for + - × ÷', async () => {
      const rng = new Random(7);
      const [wasm, js] = await Promise.all([engine('wasm'), engine('js')]);
      for (let trial = 0; trial < 20; trial++) {
        const seed = Math.floor(rng.next() * 2 ** 31);
        const a = randomGraph(wasm, seed);
        const b = randomGraph(js, seed);
        expect(a.out.data).toBe(b.out.data);
        a.out.backward();
        b.out.backward();
        for (let i = 0; i < a.leaves.length; i++) expect(a.leaves[i].grad).toBe(b.leaves[i].grad);
        wasm.reset();
        js.reset();
      }
    });

    it('handles a 10^6-node chain without recursion', async () => {
      const eng = await engine(backend);
      const w = eng.value(0.9);
      const x0 = eng.value(0.3);
      let x: Value = x0;
      const steps = 333_333;
      for (let i = 0; i < steps; i++) x = x.mul(w).add(0.05).tanh();
      expect(eng.stats().nodes).toBeGreaterThanOrEqual(1_000_000);
      x.backward();
      // The same chain in plain JS: forward values, then the chain rule by hand.
      const xs = new Float64Array(steps + 1);
      xs[0] = 0.3;
      for (let i = 0; i < steps; i++) xs[i + 1] = Math.tanh(xs[i] * 0.9 + 0.05);
      let dx = 1;
      let dw = 0;
      for (let i = steps - 1; i >= 0; i--) {
        const local = 1 - xs[i + 1] * xs[i + 1];
        dw += dx * local * xs[i];
        dx *= local * 0.9;
      }
      expectClose(x.data, xs[steps], { rtol: 1e-12 }, 'x_n');
      expectClose(x0.grad, dx, { rtol: 1e-9, atol: 1e-300 }, 'dx_n/dx_0');
      expectClose(w.grad, dw, { rtol: 1e-9 }, 'dx_n/dw');
    });
  });

  describe('reset and parameters', () => {
    it('parameters survive reset() with their values and gradients', async () => {
      const eng = await engine(backend);
      const p = eng.param(2, 'p');
      p.mul(p).backward();
      expect(p.grad).toBe(4);
      eng.reset();
      expect(p.data).toBe(2);
      expect(p.grad).toBe(4);
      p.mul(3).backward();
      expect(p.grad).toBe(7);
      expect(p.name).toBe('p');
      const product = p.mul(2);
      expect(product.inputs[0].op).toBe('Param');
      expect(product.inputs[0].name).toBe('p'); // a Param node is named after its parameter
    });

    it('reads an updated parameter in new nodes, while built nodes keep the old value', async () => {
      const eng = await engine(backend);
      const p = eng.param(1);
      const before = p.mul(10);
      p.data -= 0.5;
      const after = p.mul(10);
      expect(before.data).toBe(10);
      expect(after.data).toBe(5);
      before.add(after).backward();
      expect(p.grad).toBe(20);
    });

    it('trains with flat memory over many reset cycles', async () => {
      const eng = await engine(backend);
      const w = eng.param(0.5);
      const b = eng.param(-0.2);
      const data = Array.from({ length: 50 }, (_, i) => [i / 50, 3 * (i / 50) - 1] as const);
      const step = () => {
        const loss = eng.sum(data.map(([x, y]) => w.mul(x).add(b).sub(y).pow(2))).div(data.length);
        eng.zeroGrad();
        loss.backward();
        w.data -= 0.5 * w.grad;
        b.data -= 0.5 * b.grad;
        const value = loss.data;
        eng.reset();
        return value;
      };
      const first = step();
      for (let i = 0; i < 50; i++) step();
      const early = eng.stats();
      let last = first;
      for (let i = 0; i < 2000; i++) last = step();
      const late = eng.stats();
      expect(late.memoryBytes).toBe(early.memoryBytes);
      expect(late.capacity).toBe(early.capacity);
      expect(late.nodes).toBe(0);
      expect(late.generation).toBe(early.generation + 2000);
      expect(last).toBeLessThan(first / 100);
      expectClose(w.data, 3, { rtol: 1e-2 }, 'w');
      expectClose(b.data, -1, { rtol: 1e-2 }, 'b');
    });
  });

  describe('bad input', () => {
    const notNumbers: [string, unknown][] = [
      ['a string', '2'],
      ['undefined', undefined],
      ['null', null],
      ['an object', { data: 1 }],
      ['an array', [1]],
      ['a bigint', 2n],
      ['a boolean', true],
    ];

    it.each(notNumbers)('rejects %s as an op argument with a TypeError', async (_, bad) => {
      const eng = await engine(backend);
      const x = eng.value(1);
      expect(() => x.add(bad as number)).toThrow(TypeError);
      expect(() => x.add(bad as number)).toThrow(/add: expected a Value or a number/);
      expect(() => eng.mul(bad as number, x)).toThrow(/mul: expected a Value or a number/);
      expect(() => x.pow(bad as number)).toThrow(/pow/);
      expect(() => eng.tanh(bad as number)).toThrow(/tanh: expected a Value or a number/);
      expect(() => eng.value(bad as number)).toThrow(/value: expected a number/);
      expect(() => eng.param(bad as number)).toThrow(/param: expected a number/);
      expect(x.add(1).data).toBe(2); // still working
    });

    it('rejects a Value from another engine', async () => {
      const eng = await engine(backend);
      const other = await createEngine({ backend: backend === 'wasm' ? 'js' : 'wasm' });
      const same = await engine(backend);
      const x = eng.value(1);
      expect(() => x.mul(other.value(2))).toThrow(/belongs to .* engine #\d+, not .* engine #\d+/);
      expect(() => x.mul(same.value(2))).toThrow(/cannot be mixed/);
      expect(() => eng.backward(other.value(1))).toThrow(/cannot be mixed/);
      expect(x.mul(3).data).toBe(3);
    });

    it('rejects a Value made before reset()', async () => {
      const eng = await engine(backend);
      const x = eng.value(1);
      const y = x.mul(2);
      eng.reset();
      const fresh = eng.value(5); // reuses the freed node ids
      expect(() => y.data).toThrow(/made before eng.reset\(\)/);
      expect(() => y.grad).toThrow(/generation 0, the tape is at generation 1/);
      expect(() => y.backward()).toThrow(/backward: this Value was made before eng.reset\(\)/);
      expect(() => fresh.add(y)).toThrow(/add: this Value was made before/);
      expect(() => x.named('x')).toThrow(/made before/);
      expect(fresh.mul(2).data).toBe(10);
    });

    it('lets only parameters have their data assigned', async () => {
      const eng = await engine(backend);
      const x = eng.value(1);
      expect(() => {
        (x as { data: number }).data = 2;
      }).toThrow(/data: only parameters can be assigned; this is a Leaf node/);
      const p = eng.param(1);
      expect(() => {
        p.data = 'a' as unknown as number;
      }).toThrow(/data: expected a number, got the string "a"/);
      expect(p.data).toBe(1);
    });

    it('rejects bad names, bad sum lists and bad options', async () => {
      const eng = await engine(backend);
      const before = eng.stats().nodes;
      expect(() => eng.value(1, 3 as unknown as string)).toThrow(/value: the name must be a string, got number 3/);
      expect(eng.stats().nodes).toBe(before); // checked before anything was pushed
      expect(() => eng.param(1, {} as unknown as string)).toThrow(/param: the name must be a string/);
      expect(() => eng.value(1).named(null as unknown as string)).toThrow(/named: the name must be a string, got null/);
      expect(() => eng.param(1).named(7 as unknown as string)).toThrow(/named: the name must be a string/);
      expect(() => eng.sum(5 as unknown as number[])).toThrow(/sum: expected an array/);
      expect(() => eng.sum([eng.value(1), 'x' as unknown as number])).toThrow(/sum: expected a Value or a number/);
      await expect(createEngine({ backend: 'gpu' as 'js' })).rejects.toThrow(/backend must be 'wasm' or 'js', got the string "gpu"/);
      expect(eng.sum([]).data).toBe(0);
      expect(() => eng.mean([])).toThrow(/mean: the list is empty/);
      expect(eng.mean([1, eng.value(2), 6]).data).toBe(3);
    });
  });
});

describe('Wasm builds', () => {
  it('picks the fastest build the host validates, unless the options rule it out, and says which', async () => {
    // vitest.config.ts starts the workers with Node 20's relaxed-SIMD flag
    expect(hasSimd() && hasRelaxedSimd()).toBe(true);
    expect((await createEngine()).wasmBuild).toBe('relaxed-simd');
    expect((await createEngine({ relaxedSimd: false })).wasmBuild).toBe('simd');
    expect((await createEngine({ simd: false })).wasmBuild).toBe('baseline');
    expect((await createEngine({ simd: false, relaxedSimd: true })).wasmBuild).toBe('baseline');
    expect((await createEngine({ backend: 'js' })).wasmBuild).toBeNull();
    // a source passed in is what it is: the build is read off the module
    const baseline = await readFile(new URL('../build/wasmgrad.wasm', import.meta.url));
    expect((await createEngine({ wasm: baseline })).wasmBuild).toBe('baseline');
    expect(chooseBuild({ relaxedSimd: false })).toBe('simd');
    await expect(createEngine({ simd: 'yes' as unknown as boolean })).rejects.toThrow(/createEngine: simd must be true or false, got the string "yes"/);
    await expect(createEngine({ relaxedSimd: 1 as unknown as boolean })).rejects.toThrow(/createEngine: relaxedSimd must be true or false, got number 1/);
  });

  it('give the same scalar results to the bit (the scalar core has no fused operations)', async () => {
    const seed = async (options: Parameters<typeof createEngine>[0]) => {
      const eng = await createEngine(options);
      const [w0, x0, w1, x1, w2] = [2, -1, -3, -2, -3].map((v) => eng.value(v));
      const h = w0.mul(x0).add(w1.mul(x1)).add(w2).neg().exp().add(1).pow(-1);
      h.backward();
      return [h.data, w0.grad, x0.grad, w1.grad, x1.grad, w2.grad];
    };
    const relaxed = await seed({});
    expect(await seed({ relaxedSimd: false })).toEqual(relaxed);
    expect(await seed({ simd: false })).toEqual(relaxed);
  });
});

/** A random expression over a few leaves, identical for a given seed on any engine. */
function randomGraph(eng: Engine, seed: number): { out: Value; leaves: Value[] } {
  const rng = new Random(seed);
  const leaves = Array.from({ length: 4 }, () => eng.value(rng.uniform(-2, 2)));
  const pool: Value[] = [...leaves];
  const pick = () => pool[Math.floor(rng.next() * pool.length)];
  for (let i = 0; i < 40; i++) {
    const x = pick();
    const y = pick();
    let v: Value;
    switch (Math.floor(rng.next() * 8)) {
      case 0: v = x.add(y); break;
      case 1: v = x.sub(y); break;
      case 2: v = x.mul(y); break;
      case 3: v = x.div(y.abs().add(1)); break;
      case 4: v = x.relu(); break;
      case 5: v = x.neg(); break;
      case 6: v = x.mul(rng.uniform(-1, 1)); break;
      default: v = eng.sub(rng.uniform(-1, 1), x); break;
    }
    pool.push(v);
  }
  return { out: pool[pool.length - 1].add(eng.sum(pool.slice(-10))), leaves };
}
