// Compiled programs (eng.compile) against eager graphs, on both backends:
// the same kernels must give the same numbers, run after run.
import { describe, expect, it } from 'vitest';
import { createEngine, nn, Random, type Engine, type Value } from '../src/index.js';
import { BACKENDS, engine, moreOps, programCorruptions, sanityCheck } from './helpers.js';

const seedFn = (eng: Engine) => (w0: Value, x0: Value, w1: Value, x1: Value, w2: Value) =>
  eng.div(1, eng.add(1, w0.mul(x0).add(w1.mul(x1)).add(w2).neg().exp()));

/** Eager value and input gradients of fn at these inputs. */
function eager(eng: Engine, fn: (...xs: Value[]) => Value, inputs: number[]): { value: number; grads: number[] } {
  const xs = inputs.map((x) => eng.value(x));
  const out = fn(...xs);
  out.backward();
  const result = { value: out.data, grads: xs.map((x) => x.grad) };
  eng.reset();
  return result;
}

/** A random expression over the inputs, the same for a given seed on any engine. */
function randomExpression(seed: number) {
  return (eng: Engine) =>
    (...xs: Value[]): Value => {
      const rng = new Random(seed);
      const pool = [...xs];
      const pick = () => pool[Math.floor(rng.next() * pool.length)];
      for (let i = 0; i < 30; i++) {
        const x = pick();
        const y = pick();
        const ops = [
          () => x.add(y), () => x.sub(y), () => x.mul(y), () => x.div(y.abs().add(1)), () => x.relu(),
          () => x.tanh(), () => x.sigmoid(), () => x.mul(0.7).sin(), () => eng.sub(0.5, x), () => x.abs().add(0.1).pow(1.5),
        ];
        pool.push(ops[Math.floor(rng.next() * ops.length)]());
      }
      return eng.sum(pool.slice(-8));
    };
}

describe.each(BACKENDS)('compile (%s)', (backend) => {
  it('replays the seed example exactly as the eager graph computes it', async () => {
    const eng = await engine(backend);
    const program = eng.compile(seedFn(eng), [2, -1, -3, -2, -3]);
    expect(program.inputCount).toBe(5);
    const inputs = [
      [2, -1, -3, -2, -3],
      [0.5, 4, -1, 0, 2],
      [-7, 0.25, 3, 3, -0.5],
    ];
    for (const x of inputs) {
      const { outputs, grads } = program.run(x);
      const e = eager(eng, seedFn(eng), x);
      expect(outputs[0]).toBe(e.value);
      expect(Array.from(grads)).toEqual(e.grads);
    }
    expect(program.run(inputs[0]).grads[2]).toBeCloseTo(-0.3932, 4); // dh/dw1
    expect(program.run(inputs[0]).grads[3]).toBeCloseTo(-0.5898, 4); // dh/dx1
  });

  it("passes micrograd's checks when compiled, equal to eager to the last bit", async () => {
    const eng = await engine(backend);
    const sanity = eng.compile(sanityCheck(eng), [0]);
    const { outputs, grads } = sanity.run([-4]);
    expect(outputs[0]).toBe(-20);
    expect(grads[0]).toBe(46);

    const more = eng.compile(moreOps(eng), [1, 1]);
    const r = more.run([-4, 2]);
    const e = eager(eng, moreOps(eng), [-4, 2]);
    expect(r.outputs[0]).toBe(e.value);
    expect(Array.from(r.grads)).toEqual(e.grads);
    expect(r.outputs[0]).toBeCloseTo(24.70408163265306, 13);
    expect(r.grads[0]).toBeCloseTo(138.83381924198252, 11);
    expect(r.grads[1]).toBeCloseTo(645.5772594752186, 10);
  });

  it('equals eager on random graphs at new inputs, to the last bit', async () => {
    const eng = await engine(backend);
    const rng = new Random(11);
    for (let trial = 0; trial < 15; trial++) {
      const fn = randomExpression(trial * 7919 + 1)(eng);
      const program = eng.compile(fn, [0.1, 0.2, 0.3]);
      for (let k = 0; k < 4; k++) {
        const x = [rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)];
        const { outputs, grads } = program.run(x);
        const e = eager(eng, fn, x);
        expect(outputs[0]).toBe(e.value);
        expect(Array.from(grads)).toEqual(e.grads);
      }
      program.dispose();
    }
  });

  it('keeps every bit when it fuses multiply-adds, including shared operands and signed zeros', async () => {
    const eng = await engine(backend);
    const fns: ((x: Value, y: Value, z: Value) => Value)[] = [
      (x, y, z) => z.add(x.mul(y)), // fused: acc + w·x
      (x, y, z) => x.mul(y).add(z), // fused, the product on the left
      (x, y) => x.add(x.mul(y)), // the accumulator is also a factor
      (x) => x.mul(x).add(x), // a square
      (x, y, z) => { const m = x.mul(y); return m.add(z).add(m); }, // two uses: not fused
      (x, y, z) => z.add(x.mul(y)).add(z.mul(x)).add(y.mul(y)).mul(-1), // a chain of them
      (x, y, z) => z.add(x.mul(y)).mul(0).add(z.add(y.mul(x)).relu()), // zero gradients flowing in
    ];
    const points = [[1.5, -2, 0.25], [0, -0, -0], [-0, 3, 0], [1e300, 1e10, -1e300], [-1, 0.1, 0.2]];
    for (const fn of fns) {
      const program = eng.compile(fn, [1, 1, 1]);
      for (const x of points) {
        const { outputs, grads } = program.run(x);
        const e = eager(eng, fn as (...xs: Value[]) => Value, x);
        expect(outputs[0], `${fn} at ${x}`).toBe(e.value);
        expect(Array.from(grads), `${fn} at ${x}`).toEqual(e.grads);
      }
    }
  });

  it('takes data-dependent branches anew on every run', async () => {
    const eng = await engine(backend);
    const program = eng.compile((x) => x.mul(3).relu().add(x.abs()), [1]);
    expect(Array.from(program.run([2]).grads)).toEqual([4]);
    expect(Array.from(program.run([-2]).grads)).toEqual([-1]);
    expect(program.forward([-2])[0]).toBe(2);
    expect(program.forward([0.5])[0]).toBe(2);
  });

  it('reads parameters afresh and accumulates their gradients like eager backward', async () => {
    const eng = await engine(backend);
    const w = eng.param(2, 'w');
    const program = eng.compile((x) => x.mul(w).mul(w), [3]);
    expect(program.params).toEqual([w]);
    expect(program.run([3]).outputs[0]).toBe(12);
    expect(w.grad).toBe(12); // 2·x·w
    program.run([3]);
    expect(w.grad).toBe(24);
    w.data = 1;
    expect(program.forward()[0]).toBe(3); // inputs persist between runs
    eng.zeroGrad();
    program.run();
    expect(w.grad).toBe(6);
  });

  it('lets eager graphs see the values step() trained', async () => {
    const eng = await engine(backend);
    const p = eng.param(1);
    const program = eng.compile(() => p.mul(p), []);
    expect(p.mul(1).data).toBe(1); // p has a node on the current tape
    program.step(0.25); // d(p²)/dp = 2: p = 1 - 0.25·2
    expect(p.data).toBe(0.5);
    expect(p.mul(1).data).toBe(0.5);
  });

  it('sweeps backward from a first output that a later Add consumes (no fusion across the root)', async () => {
    const eng = await engine(backend);
    const program = eng.compile((x, y) => {
      const m = x.mul(y);
      return [m, m.add(x)];
    }, [2, 3]);
    const { outputs, grads } = program.run([2, 3]);
    expect(Array.from(outputs)).toEqual([6, 8]);
    expect(Array.from(grads)).toEqual([3, 2]);
  });

  it('returns every output, and sweeps backward from the first', async () => {
    const eng = await engine(backend);
    const program = eng.compile((x, y) => [x.mul(y), x.add(y), y.exp()], [1, 1]);
    expect(program.outputCount).toBe(3);
    const { outputs, grads } = program.run([2, 5]);
    expect(Array.from(outputs)).toEqual([10, 7, Math.exp(5)]);
    expect(Array.from(grads)).toEqual([5, 2]);
  });

  it('trains two moons with step() exactly as the eager loop does', async () => {
    const engA = await engine(backend);
    const engB = await engine(backend);
    const rng = new Random(3);
    const X = Array.from({ length: 20 }, () => [rng.uniform(-1, 2), rng.uniform(-1, 1)]);
    const y = X.map(([a, b]) => (b > 0.3 * a ? 1 : -1));
    const loss = (eng: Engine, model: nn.MLP) => {
      const scores = X.map((row) => model.forward(row)[0]);
      const data = eng.mean(scores.map((s, i) => eng.sub(1, s.mul(y[i])).relu()));
      return data.add(eng.sum(model.parameters().map((p) => p.mul(p))).mul(1e-4));
    };
    const eagerModel = new nn.MLP(engA, 2, [8, 8, 1], { seed: 5 });
    const compiledModel = new nn.MLP(engB, 2, [8, 8, 1], { seed: 5 });
    const program = engB.compile(() => loss(engB, compiledModel), []);
    expect(program.params.length).toBe(compiledModel.parameters().length);
    for (let step = 0; step < 20; step++) {
      const l = loss(engA, eagerModel);
      eagerModel.zeroGrad();
      l.backward();
      const eagerLoss = l.data;
      for (const p of eagerModel.parameters()) p.data -= 0.1 * p.grad;
      engA.reset();
      expect(program.step(0.1)).toBe(eagerLoss);
    }
    expect(compiledModel.parameters().map((p) => p.data)).toEqual(eagerModel.parameters().map((p) => p.data));
  });

  it('runs with flat memory and leaves the eager graph as it was', async () => {
    const eng = await engine(backend);
    const before = eng.value(4, 'kept');
    const nodes = eng.stats().nodes;
    const w = eng.param(0.3);
    const program = eng.compile((x) => x.mul(w).tanh(), [1]);
    expect(eng.stats().nodes).toBe(nodes);
    expect(before.data).toBe(4);
    expect(before.name).toBe('kept');
    expect(before.mul(2).data).toBe(8);
    expect(w.mul(2).data).toBe(0.6); // the parameter re-materializes on the eager tape
    program.run([1]);
    const memory = eng.stats().memoryBytes;
    for (let i = 0; i < 5000; i++) program.step(0.001, [i / 5000]);
    expect(eng.stats().memoryBytes).toBe(memory);
  });

  describe('bad input', () => {
    it('rejects wrong inputs with clear errors and keeps working', async () => {
      const eng = await engine(backend);
      const program = eng.compile((x, y) => x.mul(y), [1, 2]);
      expect(() => program.run([1])).toThrow(/run: the program was compiled for 2 inputs, got 1/);
      expect(() => program.forward([1, 2, 3])).toThrow(RangeError);
      expect(() => program.run([1, '2' as unknown as number])).toThrow(/run: input 1 must be a number, got the string "2"/);
      expect(() => program.run(5 as unknown as number[])).toThrow(/inputs must be an array or typed array/);
      expect(() => program.step('x' as unknown as number)).toThrow(/step: expected a number/);
      expect(program.run(new Float64Array([3, 4])).outputs[0]).toBe(12);
      program.dispose();
      expect(program.disposed).toBe(true);
      expect(() => program.run([1, 2])).toThrow(/run: this program was disposed/);
      expect(() => program.save()).toThrow(/disposed/);
    });

    it('rejects bad functions and outside Values, and leaves the engine usable', async () => {
      const eng = await engine(backend);
      const outside = eng.value(3);
      const nodes = eng.stats().nodes;
      expect(() => eng.compile((x) => x.add(outside), [1])).toThrow(/compile's fn used a Value made outside it/);
      expect(() => eng.compile(() => 3 as unknown as Value, [])).toThrow(/fn must return a Value or an array of Values; output 0 is number 3/);
      expect(() => eng.compile(() => [], [])).toThrow(/fn returned no outputs/);
      expect(() => eng.compile('f' as unknown as () => Value, [])).toThrow(/compile: expected a function/);
      expect(() => eng.compile((x) => x, ['a' as unknown as number])).toThrow(/compile: example\[0\]: expected a number/);
      expect(() => eng.compile(() => { throw new Error('boom'); }, [1])).toThrow('boom');
      expect(() => eng.compile(() => { eng.compile((x) => x, [1]); return eng.value(1); }, [])).toThrow(/another compile is tracing/);
      expect(() => eng.compile((x) => { eng.reset(); return x; }, [1])).toThrow(/reset: cannot reset inside compile\(\)'s fn/);
      const sparse = [1, 1];
      delete sparse[0]; // a hole, which forEach and map would skip
      expect(() => eng.compile((a, b) => b.mul(10), sparse)).toThrow(/compile: example\[0\]: expected a number, got undefined/);
      expect(eng.stats().nodes).toBe(nodes);
      expect(outside.add(1).data).toBe(4);
      expect(eng.compile((x) => x.mul(outside.data), [2]).forward()[0]).toBe(6); // numbers read at trace time are constants
      const sum = outside.add(1);
      expect(() => eng.compile((x) => x.add(sum.inputs[0]), [1])).toThrow(/made outside it/);
      let leaked: Value | undefined;
      eng.compile((x) => (leaked = x.mul(2)), [1]);
      expect(() => leaked!.data).toThrow(/data: this Value was made inside compile\(\)'s fn; its node belongs to the compiled program/);
      expect(() => outside.add(leaked!)).toThrow(/made inside compile/);
    });
  });

  describe('save and load', () => {
    it('round-trips a program with its parameters, to either backend', async () => {
      const eng = await engine(backend);
      const w = eng.param(0.75, 'w');
      const b = eng.param(-0.25, 'b');
      const program = eng.compile((x, y) => x.mul(w).add(y.mul(b)).tanh().add(w.pow(2)), [1, 2]);
      const bytes = program.save();
      for (const target of BACKENDS) {
        const other = await engine(target);
        const loaded = other.load(bytes);
        expect(loaded.inputCount).toBe(2);
        expect(loaded.nodeCount).toBe(program.nodeCount);
        expect(loaded.params.map((p) => p.data)).toEqual([0.75, -0.25]);
        for (const x of [[1, 2], [-3, 0.5]]) {
          const a = program.run(x);
          const c = loaded.run(x);
          expect(Array.from(c.outputs)).toEqual(Array.from(a.outputs));
          expect(Array.from(c.grads)).toEqual(Array.from(a.grads));
        }
        expect(Array.from(other.load(bytes).save())).toEqual(Array.from(bytes)); // deterministic
      }
    });

    it('loads without pushing onto the eager tape on Wasm (the core validates and loads the bytes)', async () => {
      const eng = await engine(backend);
      const w = eng.param(0.5);
      const chain = eng.compile((x) => {
        let y = x;
        for (let k = 0; k < 5000; k++) y = y.mul(w).add(0.1).tanh();
        return y;
      }, [1]);
      const bytes = chain.save();
      const other = await engine(backend);
      const before = other.stats();
      const loaded = other.load(bytes);
      expect(loaded.run([1]).outputs[0]).toBe(chain.run([1]).outputs[0]);
      expect(loaded.params.map((p) => p.data)).toEqual([0.5]);
      expect(other.stats().params).toBe(before.params + 1);
      // the twin replays the nodes through its eager tape (then truncates); the core's programLoad never touches it
      if (backend === 'wasm') expect(other.stats().capacity).toBe(before.capacity);
    });

    it('rejects corrupted and hostile buffers with clear errors', async () => {
      const eng = await engine(backend);
      const program = eng.compile((x, y) => x.mul(y).exp(), [1, 2]);
      const good = program.save();
      const cases = programCorruptions(good);
      for (const [what, bytes, message] of cases) {
        expect(() => eng.load(bytes), what).toThrow(message);
      }
      expect(() => eng.load([1, 2] as unknown as Uint8Array)).toThrow(/load: expected a Uint8Array, got an array/);
      expect(eng.load(good).run([2, 3]).outputs[0]).toBe(Math.exp(6)); // still working
    });
  });
});

describe('compile across backends', () => {
  it('gives the same numbers in Wasm and in the JS twin for + - × ÷ relu', async () => {
    const [wasm, js] = await Promise.all([createEngine(), createEngine({ backend: 'js' })]);
    const fn = (eng: Engine) => (x: Value, y: Value) => x.mul(y).sub(eng.div(y, x.abs().add(1))).relu().add(x);
    const a = wasm.compile(fn(wasm), [1, 1]);
    const b = js.compile(fn(js), [1, 1]);
    for (const x of [[1.5, -2], [-0.3, 4], [7, 0.125]]) expect(a.run(x)).toEqual(b.run(x));
  });
});
