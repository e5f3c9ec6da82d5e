// Writable parameter gradients and the clipping built on them, on both backends.
import { describe, expect, it } from 'vitest';
import { createEngine, optim } from '../src/index.js';

describe.each(['wasm', 'js'] as const)('gradients by hand (%s)', (backend) => {
  it('p.grad = … writes the gradient the optimizer then uses; null zeroes it', async () => {
    const eng = await createEngine({ backend });
    const p = eng.parameter([[1, 2], [3, 4]], undefined, { dtype: 'float64' });
    p.mul(p).sum().backward();
    expect(Array.from(p.grad)).toEqual([2, 4, 6, 8]);
    p.grad = [[0.5, 0, 0, -1], [0, 0, 0, 0]].map((r) => r.slice(0, 2));
    expect(Array.from(p.grad)).toEqual([0.5, 0, 0, 0]);
    p.grad = Float64Array.from([1, 1, 1, 1]);
    const opt = new optim.SGD([p], { lr: 0.5 });
    opt.step();
    expect(Array.from(p.data())).toEqual([0.5, 1.5, 2.5, 3.5]);
    p.grad = eng.tensor([[2, 2], [2, 2]], undefined, { dtype: 'float32' });
    expect(Array.from(p.grad)).toEqual([2, 2, 2, 2]);
    p.grad = null;
    expect(Array.from(p.grad)).toEqual([0, 0, 0, 0]);
  });

  it('refuses a gradient of another shape, and one for a tensor kept without requiresGrad', async () => {
    const eng = await createEngine({ backend });
    const p = eng.parameter([1, 2, 3]);
    expect(() => { p.grad = [1, 2]; }).toThrow(/grad: values of shape \[2\] cannot be assigned to a tensor of shape \[3\]/);
    expect(() => { p.grad = new Float32Array(4); }).toThrow(/grad: expected 3 values/);
    const k = eng.keep(eng.tensor([1, 2]));
    expect(() => { k.grad = [1, 1]; }).toThrow(/does not require grad/);
    expect(() => { (eng.tensor([1]) as { grad: unknown }).grad = [1]; }).toThrow();
  });

  it('clipGradNorm scales every gradient by maxNorm/(norm + 1e-6) when the joint norm is larger, and returns the norm', async () => {
    const eng = await createEngine({ backend });
    const a = eng.parameter([0, 0], undefined, { dtype: 'float64' });
    const b = eng.parameter([0], undefined, { dtype: 'float64' });
    a.grad = [3, 4];
    b.grad = [12];
    const norm = optim.clipGradNorm([a, b], 6.5);
    expect(norm).toBe(13);
    const coef = 6.5 / (13 + 1e-6);
    expect(Array.from(a.grad)).toEqual([3 * coef, 4 * coef]);
    expect(Array.from(b.grad)).toEqual([12 * coef]);
    expect(optim.clipGradNorm([a, b], 100)).toBeCloseTo(6.5, 5);
    expect(Array.from(b.grad)).toEqual([12 * coef]); // under the limit: unchanged
    a.grad = [-7, 1];
    b.grad = [2];
    expect(optim.clipGradNorm([a, b], 1, Infinity)).toBe(7);
    expect(a.grad[0]).toBeCloseTo(-1 / (1 + 1e-6 / 7), 12);
    expect(optim.clipGradNorm([a, b], 1, 1)).toBeCloseTo(1 / (1 + 1e-6 / 7) * (1 + 1 / 7 + 2 / 7), 12);
  });

  it('clipGradValue clamps each element, and both refuse what they cannot use', async () => {
    const eng = await createEngine({ backend });
    const p = eng.parameter([0, 0, 0], undefined, { dtype: 'float64' });
    p.grad = [-5, 0.25, 9];
    optim.clipGradValue([p], 1);
    expect(Array.from(p.grad)).toEqual([-1, 0.25, 1]);
    expect(() => optim.clipGradNorm([p], -1)).toThrow(/maxNorm must be a number ≥ 0/);
    expect(() => optim.clipGradNorm([p], 1, 0.5)).toThrow(/normType must be a number ≥ 1/);
    expect(() => optim.clipGradValue([p, 3 as never], 1)).toThrow(/clipGradValue: parameter 1 is number 3, not a TensorParam/);
  });
});
