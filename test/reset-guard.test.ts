// reset() is all or nothing, and a forgotten reset() is caught: a warning
// by default, a WasmgradTapeBudgetError with createEngine({ maxTapeBytes }).
import { describe, expect, it, vi } from 'vitest';
import {
  createEngine, F, nn, optim, WasmgradMemoryError, WasmgradTapeBudgetError,
  type BackendName, type Engine, type EngineWarning, type Tensor,
} from '../src/index.js';
import { BACKENDS } from './helpers.js';

const MiB = 2 ** 20;

async function watched(backend: BackendName, options: { maxTapeBytes?: number } = {}) {
  const warnings: EngineWarning[] = [];
  const eng = await createEngine({ backend, ...options, onWarning: (w) => warnings.push(w) });
  return { eng, warnings };
}

/** The MLP of examples/mnist.mjs (784-128-10, batches of 64, SGD with momentum) on fixed random digits. */
function mnistMlp(eng: Engine) {
  const model = new nn.Sequential(new nn.Linear(eng, 784, 128), (x: Tensor) => x.relu(), new nn.Linear(eng, 128, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const images = eng.keep(eng.rand([64, 784], { seed: 1 }));
  const labels = Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 10);
  /** One training step; returns the loss. */
  const step = (): number => {
    const loss = F.crossEntropy(model.forward(images), labels);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
  return { model, step };
}

describe.each(BACKENDS)('reset() is all or nothing (%s)', (backend) => {
  it('advances the generation even when the backend fails half-way, so no handle from before survives', async () => {
    const eng = await createEngine({ backend });
    const s = eng.value(3);
    const t = eng.tensor([1, 2, 3]);
    const kept = eng.keep(eng.tensor([10, 20, 30]));
    // A core call that fails inside reset (the old core's "reset: out of memory"), simulated.
    const tensors = eng.tensors as unknown as { reset(): void };
    const real = tensors.reset.bind(tensors);
    tensors.reset = () => { throw new WasmgradMemoryError('reset', 0); };
    const g = eng.stats().generation;
    expect(() => eng.reset()).toThrow(WasmgradMemoryError);
    tensors.reset = real;
    expect(eng.stats().generation).toBe(g + 1);
    eng.value(5);
    expect(() => s.data).toThrow(/made before eng\.reset\(\)/);
    expect(() => t.data()).toThrow(/made before eng\.reset\(\)/);
    eng.reset();
    expect(Array.from(kept.data())).toEqual([10, 20, 30]);
    expect(eng.value(5).data).toBe(5);
  });

  it('refuses inside compile() before touching anything', async () => {
    const eng = await createEngine({ backend });
    const g = eng.stats().generation;
    expect(() => eng.compile((x) => { eng.reset(); return x; }, [1])).toThrow(/^reset: cannot reset inside compile\(\)'s fn/);
    expect(eng.stats().generation).toBe(g);
  });

  it('a handle from before any number of resets throws', async () => {
    const eng = await createEngine({ backend });
    const v = eng.value(1);
    const t = eng.ones([2]);
    for (let k = 0; k < 5; k++) {
      eng.reset();
      eng.value(k);
      eng.ones([2]);
      expect(() => v.data).toThrow(/made in generation 0, the tape is at generation/);
      expect(() => t.add(1)).toThrow(/made in generation 0, the tape is at generation/);
    }
  });
});

describe('reset() after a step of more than 1 GiB (issue 12, case 2, full size)', () => {
  // Passes with any core: the wrapper advances the generation before calling the core.
  it.each(BACKENDS)('a Value from before the reset never reads the new nodes (%s)', async (backend) => {
    const eng = await createEngine({ backend });
    eng.zeros([2 ** 27 + 16]);
    eng.zeros([2 ** 27 + 16]);
    const s = eng.value(3);
    try { eng.reset(); } catch { /* the old core's "reset: out of memory" */ }
    eng.value(5);
    expect(() => s.data).toThrow(/made before eng\.reset\(\)/);
  }, 60_000);

  // Needs the new core (reset never allocates): the reset succeeds and tensors work afterwards.
  it.each(BACKENDS)('the reset succeeds and the engine keeps working (%s)', async (backend) => {
    const eng = await createEngine({ backend });
    const kept = eng.keep(eng.tensor([10, 20, 30]));
    eng.zeros([2 ** 27 + 16]);
    eng.zeros([2 ** 27 + 16]);
    const s = eng.value(3);
    expect(() => eng.reset()).not.toThrow();
    expect(eng.value(5).data).toBe(5);
    expect(() => s.data).toThrow(/made before eng\.reset\(\)/);
    expect(Array.from(eng.ones([2, 2]).matmul(eng.ones([2, 2])).data())).toEqual([2, 2, 2, 2]);
    expect(Array.from(kept.data())).toEqual([10, 20, 30]);
  }, 60_000);
});

describe.each(BACKENDS)('a forgotten reset() (%s)', (backend) => {
  it("is said once, naming reset(), well before 300 steps of the issue's MNIST loop", async () => {
    const { eng, warnings } = await watched(backend);
    const { step } = mnistMlp(eng);
    let warnedAt = -1;
    for (let k = 1; k <= 60; k++) {
      step(); // no eng.reset()
      if (warnedAt < 0 && warnings.length > 0) warnedAt = k;
    }
    expect(warnedAt).toBeGreaterThan(0);
    expect(warnedAt).toBeLessThanOrEqual(40);
    expect(warnings).toHaveLength(1);
    const [w] = warnings;
    expect(w.code).toBe('WASMGRAD_FORGOTTEN_RESET');
    expect(w.message).toMatch(/^wasmgrad: the tape has grown across 32 backward\(\) calls without a reset\(\) and now holds \d+ bytes/);
    expect(w.message).toMatch(/eng\.reset\(\) after each step \(or run each step in eng\.step\(fn\)\)/);
    expect(w.message).toMatch(/createEngine\(\{ maxTapeBytes \}\)/);
    expect(w.tapeBytes).toBeGreaterThan(MiB);
    eng.reset();
    for (let k = 0; k < 40; k++) step(); // once per engine, even after a reset
    expect(warnings).toHaveLength(1);
  });

  it('is said by default with console.warn', async () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const eng = await createEngine({ backend });
      const { step } = mnistMlp(eng);
      for (let k = 0; k < 40; k++) step();
      expect(spy).toHaveBeenCalledTimes(1);
      expect(String(spy.mock.calls[0][0])).toMatch(/without a reset\(\)/);
    } finally {
      spy.mockRestore();
    }
  });

  it('is caught on the scalar tape too (micrograd-style MLP)', async () => {
    const { eng, warnings } = await watched(backend);
    const model = new nn.MLP(eng, 2, [16, 16, 1], { seed: 1 });
    for (let k = 0; k < 40 && warnings.length === 0; k++) {
      const scores = Array.from({ length: 16 }, (_, i) => model.forward([eng.value(i / 16), eng.value(1 - i / 16)])[0]);
      const loss = eng.mean(scores.map((s) => s.mul(s)));
      model.zeroGrad();
      loss.backward();
      for (const p of model.parameters()) p.data -= 0.01 * p.grad;
    }
    expect(warnings).toHaveLength(1);
  });

  it('is not said for a loop that resets, nor for gradient accumulation over 8 micro-batches', async () => {
    const { eng, warnings } = await watched(backend);
    const { step } = mnistMlp(eng);
    for (let k = 0; k < 40; k++) {
      step();
      eng.reset();
    }
    const { model } = mnistMlp(eng);
    const x = eng.keep(eng.rand([16, 784], { seed: 2 }));
    for (let k = 0; k < 10; k++) {
      for (let micro = 0; micro < 8; micro++) F.crossEntropy(model.forward(x), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6]).backward();
      eng.reset();
    }
    expect(warnings).toHaveLength(0);
  });

  it('is not said for many backward() calls from one graph, nor for a Jacobian taken row by row', async () => {
    const { eng, warnings } = await watched(backend);
    const x = eng.randn([512, 512], { seed: 3, dtype: 'float32' });
    const w = eng.parameter(eng.randn([512, 512], { seed: 4 }));
    const y = x.mul(w).tanh().sum(1); // [512], with 1 MiB tensors below it
    const loss = y.sum();
    for (let k = 0; k < 40; k++) loss.backward();
    for (let i = 0; i < 40; i++) y.slice([i], [i + 1]).sum().backward(); // 40 calls, each growing the tape a little
    expect(eng.stats().tapeBytes).toBeGreaterThan(MiB);
    expect(warnings).toHaveLength(0);
  });
});

describe.each(BACKENDS)('createEngine({ maxTapeBytes }) (%s)', (backend) => {
  it('validates the options', async () => {
    for (const bad of [0, -1, NaN, Infinity]) {
      await expect(createEngine({ backend, maxTapeBytes: bad })).rejects.toThrow(`createEngine: maxTapeBytes must be a positive finite number of bytes, got ${bad}`);
    }
    for (const bad of ['1e6', null, {}]) {
      await expect(createEngine({ backend, maxTapeBytes: bad as unknown as number })).rejects.toThrow(TypeError);
    }
    await expect(createEngine({ backend, onWarning: 'log' as unknown as () => void })).rejects.toThrow(/^createEngine: onWarning must be a function, got/);
  });

  it('turns the forgotten reset into a WasmgradTapeBudgetError at the first op past the budget; a reset recovers', async () => {
    const { eng, warnings } = await watched(backend, { maxTapeBytes: 4 * MiB });
    const { model, step } = mnistMlp(eng);
    let error: unknown;
    let steps = 0;
    try {
      for (; steps < 300; steps++) step();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WasmgradTapeBudgetError);
    const e = error as WasmgradTapeBudgetError;
    expect(e).toBeInstanceOf(RangeError);
    expect(e.name).toBe('WasmgradTapeBudgetError');
    expect(e.code).toBe('WASMGRAD_TAPE_BUDGET');
    expect(e.maxTapeBytes).toBe(4 * MiB);
    expect(e.tapeBytes).toBeGreaterThan(4 * MiB);
    expect(e.message).toMatch(/^\w+: the tape holds \d+ bytes, [\d.]+ MiB since the last reset\(\), past maxTapeBytes \(4194304 bytes, 4\.0 MiB\); .*call eng\.reset\(\) after each step/);
    expect(steps).toBeLessThan(32);
    expect(warnings).toHaveLength(0);
    const weights = model.parameters().map((p) => p.data());
    eng.reset();
    expect(model.parameters().map((p) => p.data())).toEqual(weights);
    for (let k = 0; k < 50; k++) {
      step();
      eng.reset();
    }
  });

  it('refuses the op after the one that passed the budget, and lets reads through', async () => {
    const eng = await createEngine({ backend, maxTapeBytes: MiB });
    const made: Tensor[] = [];
    expect(() => { for (;;) made.push(eng.zeros([2 ** 16])); }).toThrow(WasmgradTapeBudgetError); // 256 KiB each
    expect(made).toHaveLength(5);
    const { tapeBytes } = eng.stats();
    expect(tapeBytes).toBeGreaterThan(MiB);
    expect(tapeBytes).toBeLessThan(MiB + 2 ** 18 + 64 * 5);
    expect(made[4].data()[0]).toBe(0);
    const p = eng.keep(made[0]);
    expect(p.size).toBe(2 ** 16);
    expect(() => made[0].add(1)).toThrow(/past maxTapeBytes/);
    expect(eng.stats().tapeBytes).toBe(tapeBytes);
    eng.reset();
    expect(eng.zeros([2 ** 16]).size).toBe(2 ** 16);
  });

  it('holds the scalar tape to the budget node by node, leaving it as it was', async () => {
    const eng = await createEngine({ backend, maxTapeBytes: 26 * 1000 });
    let x = eng.value(0);
    expect(() => { for (;;) x = x.add(eng.value(1)); }).toThrow(WasmgradTapeBudgetError);
    expect(eng.stats().nodes).toBe(1000);
    expect(x.data).toBe(499);
    expect(() => x.backward()).not.toThrow();
    eng.reset();
    expect(eng.value(2).mul(3).data).toBe(6);
  });
});
