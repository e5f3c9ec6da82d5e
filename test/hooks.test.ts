// Gradient hooks (Tensor#registerHook, Value#registerHook: PyTorch's register_hook), on both backends:
// - a hook sees the gradient flowing into its node; a returned gradient replaces it, undefined keeps it;
// - on a leaf or a parameter it sees this backward's gradient before it accumulates into .grad;
// - on an intermediate node it changes what flows further down;
// - remove() unregisters it, and backward is then the fused one again (bit for bit the same .grad);
// - with createGraph the hook's gradient is differentiable, and a replacement flows into gradTensor;
// - the transforms (eng.gradients) call hooks too;
// - a replacement of the wrong shape or kind is a WasmgradHookError, and the engine keeps working;
// - a parameter's hook survives eng.reset(); hooks on freed tensors are refused with the stale-graph error.

import { describe, expect, it } from 'vitest';
import { WasmgradStaleGraphError, type Tensor, type Value } from '../src/index.js';
import { WasmgradHookError } from '../src/transforms/extension-errors.js';
import { BACKENDS, engine, expectClose } from './helpers.js';
import { expectAllClose } from './tensor-helpers.js';

describe.each(BACKENDS)('tensor hooks on %s', (backend) => {
  it('scale a leaf gradient by 2 before it accumulates, and stop when removed', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([1, -2, 3], undefined, { requiresGrad: true, dtype: 'float64' });
    const seen: number[][] = [];
    const handle = x.registerHook((g) => { seen.push(Array.from(g.data())); return g.mul(2); });
    x.mul(x).sum().backward();
    expect(seen).toEqual([[2, -4, 6]]);
    expect(Array.from(x.grad!)).toEqual([4, -8, 12]);
    handle.remove();
    handle.remove(); // twice: no effect
    x.mul(x).sum().backward();
    expect(seen.length).toBe(1);
    expect(Array.from(x.grad!)).toEqual([6, -12, 18]); // accumulated: 2·(2x) + 2x
  });

  it('read a gradient without changing it (undefined keeps it) and match the fused backward', async () => {
    const eng = await engine(backend);
    const w = eng.parameter([[0.3, -0.7], [1.1, 0.2]], undefined, { dtype: 'float64' });
    const x = eng.tensor([[0.5, 1.5], [-1, 2]], undefined, { dtype: 'float64' });
    const loss = () => x.matmul(w).tanh().pow(2).mean();
    loss().backward();
    const fused = Array.from(w.grad);
    w.zeroGrad();
    let hookSaw: ArrayLike<number> | null = null;
    const h = w.registerHook((g) => { hookSaw = g.data(); });
    loss().backward();
    // the rule sweep rounds as the fused kernels do up to the order of a few sums
    expectAllClose(hookSaw!, fused, { rtol: 1e-14, atol: 1e-15 });
    expectAllClose(w.grad, fused, { rtol: 1e-14, atol: 1e-15 });
    h.remove();
    w.zeroGrad();
    loss().backward();
    expect(Array.from(w.grad)).toEqual(fused); // removed: the fused backward again
  });

  it('on an intermediate tensor, change what flows further down', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([0.5, 2], undefined, { requiresGrad: true, dtype: 'float64' });
    const y = x.exp();
    let yGrad: number[] = [];
    y.registerHook((g) => { yGrad = Array.from(g.data()); return g.mul(eng.tensor([10, 0], undefined, { dtype: 'float64' })); });
    y.mul(3).sum().backward();
    expect(yGrad).toEqual([3, 3]);
    // dx = 3·10·exp(x) for the first element, 0 for the second
    expectClose(x.grad![0], 30 * Math.exp(0.5));
    expect(x.grad![1]).toBe(0);
  });

  it('run in registration order, each seeing the previous result', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([1, 2], undefined, { requiresGrad: true, dtype: 'float64' });
    const order: string[] = [];
    x.registerHook((g) => { order.push('a'); return g.add(1); });
    x.registerHook((g) => { order.push(`b${g.data()[0]}`); return g.mul(10); });
    x.sum().backward();
    expect(order).toEqual(['a', 'b2']);
    expect(Array.from(x.grad!)).toEqual([20, 20]);
  });

  it('see a differentiable gradient with createGraph, and a replacement reaches gradTensor', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([0.7], undefined, { requiresGrad: true, dtype: 'float64' });
    let inner: Tensor | null = null;
    const h = x.registerHook((g) => { inner = g; return g.mul(x); }); // the gradient times x itself
    x.pow(3).sum().backward({ createGraph: true });
    h.remove(); // or the next sweep would call it too
    expect(inner!.requiresGrad).toBe(true);
    // gradTensor = 3x²·x = 3x³; its derivative 9x²
    expectClose(x.gradTensor!.item(), 3 * 0.7 ** 3);
    expectClose(x.grad![0], 3 * 0.7 ** 3);
    const [second] = eng.gradients(x.gradTensor!.sum(), [x]);
    expectClose(second.item(), 9 * 0.7 ** 2, { rtol: 1e-12, atol: 1e-12 });
  });

  it('are called by eng.gradients, and their gradient is detached without createGraph', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([1, 2], undefined, { requiresGrad: true, dtype: 'float64' });
    const y = x.mul(x);
    let detached: boolean | null = null;
    y.registerHook((g) => { detached = !g.requiresGrad; return g.neg(); });
    const [gx] = eng.gradients(y.sum(), [x]);
    expect(Array.from(gx.data())).toEqual([-2, -4]);
    y.sum().backward();
    expect(detached).toBe(true);
    expect(Array.from(x.grad!)).toEqual([-2, -4]);
  });

  it('refuse a replacement of the wrong shape, dtype or kind with a named error, and the engine keeps working', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([1, 2, 3], undefined, { requiresGrad: true });
    const bad = [() => eng.tensor([1, 2]), () => eng.tensor([1, 2, 3], undefined, { dtype: 'float64' }), () => 3, () => null];
    for (const make of bad) {
      const h = x.registerHook(() => make() as never);
      expect(() => x.mul(2).sum().backward()).toThrow(WasmgradHookError);
      h.remove();
    }
    expect(() => x.registerHook(42 as never)).toThrow(TypeError);
    expect(() => eng.tensor([1]).registerHook(() => undefined)).toThrow(/does not require grad/);
    x.mul(2).sum().backward();
    expect(Array.from(x.grad!)).toEqual([2, 2, 2]);
  });

  it("keep a parameter's hook across eng.reset(), and refuse a hook on a freed tensor", async () => {
    const eng = await engine(backend);
    const p = eng.parameter([1, 2], [2], { dtype: 'float64' });
    const h = p.registerHook((g) => g.mul(0.5));
    for (let i = 0; i < 2; i++) eng.step(() => p.mul(p).sum().backward());
    expect(Array.from(p.grad)).toEqual([2, 4]); // 2 × (0.5 · 2p)
    h.remove();
    const t = eng.tensor([1], undefined, { requiresGrad: true });
    eng.reset();
    expect(() => t.registerHook(() => undefined)).toThrow(WasmgradStaleGraphError);
  });
});

describe.each(BACKENDS)('scalar hooks on %s', (backend) => {
  it('scale, read and remove, on leaves, parameters and intermediates', async () => {
    const eng = await engine(backend);
    const x = eng.value(3);
    const seen: number[] = [];
    const h = x.registerHook((g) => { seen.push(g.data); return g.mul(2); });
    x.mul(x).backward();
    expect(seen).toEqual([6]);
    expect(x.grad).toBe(12);
    h.remove();
    const y = x.mul(x);
    y.backward();
    expect(x.grad).toBe(18);
    // an intermediate: replace its gradient by a number
    const t = x.tanh();
    t.registerHook(() => 5);
    t.mul(7).backward();
    expectClose(x.grad, 18 + 5 * (1 - Math.tanh(3) ** 2));
    const p = eng.param(0.5);
    p.registerHook((g: Value) => g.add(1));
    eng.step(() => p.mul(4).backward());
    eng.step(() => p.mul(4).backward());
    expect(p.grad).toBe(10);
  });

  it('see a differentiable gradient with createGraph, and refuse a wrong replacement with a named error', async () => {
    const eng = await engine(backend);
    const x = eng.value(0.7);
    const h = x.registerHook((g) => g.mul(x));
    x.pow(3).backward({ createGraph: true });
    h.remove();
    expectClose(x.grad, 3 * 0.7 ** 3);
    const [d2] = eng.gradients(x.gradValue!, [x]);
    expectClose(d2.data, 9 * 0.7 ** 2);
    const z = eng.value(1);
    z.registerHook(() => 'two' as never);
    expect(() => z.mul(2).backward()).toThrow(WasmgradHookError);
    const ok = eng.value(2);
    ok.mul(ok).backward();
    expect(ok.grad).toBe(4);
  });
});
