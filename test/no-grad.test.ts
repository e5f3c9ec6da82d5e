// eng.noGrad (torch.no_grad), eng.isGradEnabled and detach, on both backends:
// - tensors made inside have requiresGrad false, backward from them is a WasmgradNoGradError,
//   and a leaf made there with requiresGrad keeps it (as PyTorch);
// - scalar results made inside are constants: no gradient flows to earlier Values, backward
//   from them is a WasmgradNoGradError, and they cost no more nodes than outside;
// - noGrad returns fn's result, nests, and restores the state when fn throws;
// - an evaluation pass under noGrad inside a training loop leaves the training gradients alone;
// - Value#detach is a constant with the same number, as Tensor#detach.

import { describe, expect, it } from 'vitest';
import { WasmgradNoGradError } from '../src/transforms/extension-errors.js';
import { BACKENDS, engine, expectClose } from './helpers.js';

describe.each(BACKENDS)('noGrad on %s', (backend) => {
  it('gives tensors that do not require grad, and refuses backward from them with a named error', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([1, 2, 3], undefined, { requiresGrad: true });
    expect(eng.isGradEnabled()).toBe(true);
    const y = eng.noGrad(() => {
      expect(eng.isGradEnabled()).toBe(false);
      return x.mul(x).sum();
    });
    expect(eng.isGradEnabled()).toBe(true);
    expect(y.item()).toBe(14);
    expect(y.requiresGrad).toBe(false);
    expect(() => y.backward()).toThrow(WasmgradNoGradError);
    // the same expression outside still differentiates, and the engine works after the error
    const z = x.mul(x).sum();
    expect(z.requiresGrad).toBe(true);
    z.backward();
    expect(Array.from(x.grad!)).toEqual([2, 4, 6]);
  });

  it('cuts tensor results from the graph: a later backward sends nothing through them', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([0.5, -1.5], undefined, { requiresGrad: true, dtype: 'float64' });
    const frozen = eng.noGrad(() => x.exp());
    x.mul(frozen).sum().backward();
    // d/dx Σ x·c = c = exp(x): nothing through the frozen factor
    expect(Array.from(x.grad!)).toEqual([Math.exp(0.5), Math.exp(-1.5)]);
  });

  it('keeps requiresGrad on a leaf made inside, as PyTorch does', async () => {
    const eng = await engine(backend);
    const leaf = eng.noGrad(() => eng.tensor([1, 2], undefined, { requiresGrad: true }));
    expect(leaf.requiresGrad).toBe(true);
    leaf.mul(3).sum().backward();
    expect(Array.from(leaf.grad!)).toEqual([3, 3]);
  });

  it('makes scalar results constants with respect to earlier Values, at no extra node', async () => {
    const eng = await engine(backend);
    const x = eng.value(2);
    const before = eng.stats().nodes;
    const y = eng.noGrad(() => x.mul(x).add(1));
    // x.mul(x), then the constant 1 and the add: three nodes, as outside noGrad
    expect(eng.stats().nodes - before).toBe(3);
    expect(y.data).toBe(5);
    expect(y.op).toBe('Const');
    expect(() => y.backward()).toThrow(WasmgradNoGradError);
    const z = x.mul(y);
    z.backward();
    expect(x.grad).toBe(5); // y is a constant: dz/dx = y
    expect(y.grad).toBe(2);
  });

  it('refuses backward from a Value made inside noGrad even after later work', async () => {
    const eng = await engine(backend);
    const x = eng.value(3);
    const y = eng.noGrad(() => x.tanh());
    const w = x.mul(2);
    w.backward();
    expect(x.grad).toBe(2);
    expect(() => eng.backward(y)).toThrow(/made inside eng.noGrad/);
  });

  it('returns what fn returns, nests, and restores the state when fn throws', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([1], undefined, { requiresGrad: true });
    const r = eng.noGrad(() => {
      const inner = eng.noGrad(() => x.add(1));
      expect(eng.isGradEnabled()).toBe(false); // the inner call restored "off", not "on"
      return { inner, n: 7 };
    });
    expect(r.n).toBe(7);
    expect(r.inner.requiresGrad).toBe(false);
    expect(eng.isGradEnabled()).toBe(true);
    expect(() => eng.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(eng.isGradEnabled()).toBe(true);
    expect(x.add(1).requiresGrad).toBe(true);
    const v = eng.value(1);
    expect(v.mul(2).op).toBe('Mul');
    expect(() => eng.noGrad(42 as never)).toThrow(TypeError);
    expect(() => eng.noGrad((async () => 1) as never)).toThrow(/Promise/);
    expect(eng.isGradEnabled()).toBe(true);
  });

  it('leaves compile() alone: a program traced inside noGrad still replays and differentiates', async () => {
    const eng = await engine(backend);
    const program = eng.noGrad(() => eng.compile((a) => a.mul(a).add(a), [3]));
    const r = program.run([2]);
    expect(Array.from(r.outputs)).toEqual([6]);
    expect(Array.from(r.grads)).toEqual([5]);
  });

  it('evaluates under noGrad inside a training loop without touching the training gradients', async () => {
    const eng = await engine(backend);
    const w = eng.parameter([0.5, -0.25], [2], { dtype: 'float64' });
    const xs = eng.keep(eng.tensor([[1, 2], [3, 4], [-1, 0.5]], undefined, { dtype: 'float64' }));
    const ys = eng.keep(eng.tensor([1, 2, 0], undefined, { dtype: 'float64' }));
    const lossOf = () => xs.matmul(w).sub(ys).pow(2).mean();
    let evalLoss = Infinity;
    for (let step = 0; step < 3; step++) {
      eng.step(() => {
        w.zeroGrad();
        lossOf().backward();
        const g = Array.from(w.grad);
        const ev = eng.noGrad(() => lossOf());
        expect(ev.requiresGrad).toBe(false);
        expect(Array.from(w.grad)).toEqual(g); // evaluation left the gradient alone
        const next = Float64Array.from(w.data(), (p, i) => p - 0.05 * g[i]);
        w.assign(next);
        const after = eng.noGrad(() => lossOf().item());
        expect(after).toBeLessThan(ev.item()); // the step lowered the loss
        evalLoss = after;
      });
    }
    expect(evalLoss).toBeLessThan(1.5);
  });
});

describe.each(BACKENDS)('Value#detach on %s', (backend) => {
  it('is a constant with the same number that stops the gradient', async () => {
    const eng = await engine(backend);
    const x = eng.value(1.5);
    const d = x.exp().detach();
    expect(d.data).toBe(Math.exp(1.5));
    expect(d.op).toBe('Const');
    expect(d.inputs).toEqual([]);
    x.mul(d).backward();
    expectClose(x.grad, Math.exp(1.5)); // the same rule as x.mul(e.detach()) on tensors
    const p = eng.param(2);
    expect(p.detach().data).toBe(2);
  });
});

// The recorded sweeps (createGraph, the transforms, hooks) do no work for what needs no gradient:
// a matmul operand that does not require grad gets no product, and nothing past a Detach (or a
// comparison, an argmax…) is differentiated at all.
describe.each(BACKENDS)('requiresGrad in the recorded sweeps on %s', (backend) => {
  const recorded = (eng: Awaited<ReturnType<typeof engine>>, run: () => void): number => {
    const before = eng.stats().tensorNodes;
    run();
    return eng.stats().tensorNodes - before;
  };

  it('skips the gradient of a matmul operand that needs none', async () => {
    const eng = await engine(backend);
    const count = (wNeeds: boolean): number => {
      const x = eng.tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
      const w = eng.tensor([[1, 0], [0.5, 2]], undefined, { requiresGrad: wNeeds });
      const loss = x.matmul(w).tanh().sum();
      return recorded(eng, () => loss.backward({ createGraph: true }));
    };
    const without = count(false), withW = count(true);
    expect(withW - without).toBe(1); // one Matmul node: w's product, recorded only when w needs it
  });

  it('records nothing for a branch that reaches the inputs only through detach', async () => {
    const eng = await engine(backend);
    const count = (branch: 'detached' | 'none'): number => {
      const x = eng.tensor([1, 2], undefined, { requiresGrad: true, dtype: 'float64' });
      const main = x.mul(2).sum();
      const loss = branch === 'none' ? main.add(eng.tensor(3, undefined, { dtype: 'float64' }))
        : main.add(x.detach().exp().mul(x.sum().detach()).sum());
      return recorded(eng, () => loss.backward({ createGraph: true }));
    };
    expect(count('detached')).toBe(count('none'));
    const x = eng.tensor([1, 2], undefined, { requiresGrad: true, dtype: 'float64' });
    x.mul(2).sum().add(x.detach().exp().mul(x.sum().detach()).sum()).backward({ createGraph: true });
    expect(Array.from(x.gradTensor!.data())).toEqual([2, 2]);
  });
});
