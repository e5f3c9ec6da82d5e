// F.linear reads the weight transposed in place; it must equal the composite
// x.matmul(w.transpose()).add(b) in values and gradients, on every backend.
import { describe, expect, it } from 'vitest';
import { F, nn } from '../src/index.js';
import { TENSOR_BACKENDS, tensorEngine, expectAllClose } from './tensor-helpers.js';

describe.each(TENSOR_BACKENDS)('F.linear (%s)', (backend) => {
  it('equals x @ Wᵀ + b in values and gradients, for 1-d, 2-d and batched inputs', async () => {
    const eng = await tensorEngine(backend);
    for (const xShape of [[5], [3, 5], [2, 3, 5]]) {
      const run = (fused: boolean) => {
        eng.reset();
        const x = eng.randn(xShape, { seed: 1, dtype: 'float64', requiresGrad: true });
        const w = eng.randn([4, 5], { seed: 2, dtype: 'float64', requiresGrad: true });
        const b = eng.randn([4], { seed: 3, dtype: 'float64', requiresGrad: true });
        const y = fused ? F.linear(x, w, b) : x.matmul(w.transpose()).add(b);
        y.mul(y).sum().backward();
        return { shape: y.shape, y: y.data(), gx: x.grad!, gw: w.grad!, gb: b.grad! };
      };
      const fused = run(true), plain = run(false);
      expect(fused.shape).toEqual(plain.shape);
      for (const k of ['y', 'gx', 'gw', 'gb'] as const) expectAllClose(fused[k], plain[k], { rtol: 1e-12, atol: 1e-12 }, `${JSON.stringify(xShape)} ${k}`);
    }
  });

  it('nn.Linear uses it, and misaligned shapes say so', async () => {
    const eng = await tensorEngine(backend);
    const layer = new nn.Linear(eng, 3, 2);
    expect(layer.forward(eng.ones([4, 3])).shape).toEqual([4, 2]);
    expect(() => F.linear(eng.ones([4, 5]), layer.weight)).toThrow('linear: input [4,5] and weight [2,3] are not aligned (the input\'s last dim must be 3)');
    expect(() => F.linear(eng.ones([4, 3]), layer.weight, eng.ones([3]))).toThrow('linear: bias must be [2], got [3]');
    expect(layer.forward(eng.ones([1, 3])).shape).toEqual([1, 2]);
  });
});
