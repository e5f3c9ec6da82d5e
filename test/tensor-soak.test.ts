// A bounded soak: an MLP trained step after step, reset after each, must keep
// the Wasm instance's linear memory and the tensor footprint exactly flat once
// the first steps have sized the arena, and the twin's footprint bounded.
import { describe, expect, it } from 'vitest';
import { F, nn, optim } from '../src/index.js';
import { TENSOR_BACKENDS, tensorEngine } from './tensor-helpers.js';

describe.each(TENSOR_BACKENDS)('tensor soak (%s)', (backend) => {
  it('linear memory and tensor bytes stay flat over ~5 s of training steps', async () => {
    const eng = await tensorEngine(backend);
    const model = new nn.Sequential(new nn.Linear(eng, 64, 32), (x) => x.relu(), new nn.Linear(eng, 32, 10));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = eng.keep(eng.randn([32, 64], { seed: 3 }));
    const labels = Int32Array.from({ length: 32 }, (_, i) => i % 10);
    const samples: [number, number][] = [];
    const t0 = performance.now();
    let steps = 0;
    let first = NaN, last = NaN;
    while (performance.now() - t0 < 5000 || steps < 200) {
      // Varying batch sizes exercise the arena with differently sized generations.
      const n = 8 + (steps % 4) * 8;
      const loss = F.crossEntropy(model.forward(x.slice([0], [n])), labels.subarray(0, n));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      if (steps === 0) first = loss.item();
      last = loss.item();
      eng.reset();
      steps++;
      if (steps >= 20) samples.push([eng.stats().memoryBytes, eng.stats().tensorBytes]);
    }
    expect(steps).toBeGreaterThan(200);
    expect(last).toBeLessThan(first);
    if (backend === 'wasm') {
      // The arena merged into one chunk sized for the largest generation: nothing moves any more.
      expect(new Set(samples.map((s) => s[0])).size, 'distinct linear memory sizes after warm-up').toBe(1);
      expect(new Set(samples.map((s) => s[1])).size, 'distinct tensor footprints after warm-up').toBe(1);
    } else {
      // The twin keeps the arrays of the last generation for reuse: its footprint follows the
      // batch size of the step before, so it cycles, but never grows.
      const half = samples.length >> 1;
      const peak = (xs: [number, number][]) => Math.max(...xs.map((s) => s[1]));
      expect(peak(samples.slice(half))).toBeLessThanOrEqual(peak(samples.slice(0, half)));
      expect(new Set(samples.map((s) => s[1])).size).toBeLessThanOrEqual(4);
    }
  }, 30_000);
});
