// eng.customOp (PyTorch's torch.autograd.Function), on both backends:
// - a scalar `cube` and a tensor `softplus`, their backward written with wasmgrad ops: closed forms,
//   gradcheck, and gradgradcheck (the backward is differentiable again with createGraph);
// - a custom op whose backward is deliberately wrong is caught by gradcheck;
// - ctx.save keeps values for backward; inputs that are numbers get no gradient;
// - named errors that name the op: wrong number of gradients, wrong shape or dtype, not a Tensor,
//   forward returning the wrong kind; forward mode refuses to pass through; the engine keeps working;
// - stale inputs fail with the stale-graph error; per-generation state does not grow across resets;
// - under noGrad a custom op records nothing.

import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, WasmgradGradcheckError, WasmgradStaleGraphError, type Engine, type Tensor, type Value } from '../src/index.js';
import { WasmgradCustomOpError } from '../src/transforms/extension-errors.js';
import { BACKENDS, engine, expectClose } from './helpers.js';
import { expectAllClose } from './tensor-helpers.js';

/** x³ with backward 3x²·g written with Value ops, so that it differentiates again. */
function cubeOp(eng: Engine) {
  return eng.customOp({
    name: 'cube',
    forward: (x: number) => x * x * x,
    backward: (g, { inputs: [x] }) => [g.mul((x as Value).pow(2)).mul(3)],
  });
}

/** log(1 + eˣ), stable; backward g·σ(x) with tensor ops. */
function softplusOp(eng: Engine) {
  return eng.customOp({
    name: 'softplus',
    forward: (x: Tensor) => x.relu().add(x.abs().neg().exp().log1p()),
    backward: (g, { inputs: [x] }) => [g.mul(x.sigmoid())],
  });
}

describe.each(BACKENDS)('scalar custom ops on %s', (backend) => {
  it('cube: forward, backward, and the second derivative through createGraph', async () => {
    const eng = await engine(backend);
    const cube = cubeOp(eng);
    const x = eng.value(1.5);
    const y = cube(x);
    expect(y.data).toBe(3.375);
    y.mul(2).backward();
    expect(x.grad).toBe(2 * 3 * 1.5 ** 2);
    const [d1] = eng.gradients(cube(x), [x], { createGraph: true });
    expectClose(d1.data, 3 * 1.5 ** 2);
    const [d2] = eng.gradients(d1, [x]);
    expectClose(d2.data, 6 * 1.5);
    expect(gradcheck((a: Value) => cube(a).mul(a.sin()), [0.8], { engine: eng })).toBe(true);
    expect(gradgradcheck((a: Value, b: Value) => cube(a.mul(b)), [0.8, -1.3], { engine: eng })).toBe(true);
    // jax-style transforms take it too, reverse over reverse included
    expectClose(eng.grad((a: Value) => cube(a))(2).data, 12);
    expectClose(eng.grad(eng.grad((a: Value) => cube(a)))(1.5).data, 9);
    expectClose(eng.hessian((a: Value, b: Value) => cube(a.mul(b)))(1.5, 2)[0][1].data, 9 * 1.5 ** 2 * 2 ** 2);
  });

  it('two inputs, saved values, and a number input that gets no gradient', async () => {
    const eng = await engine(backend);
    const hypot = eng.customOp({
      name: 'hypot',
      forward: (a: number, b: number, ctx) => { const r = Math.hypot(a, b); ctx.save(r); return r; },
      backward: (g, { inputs: [a, b], output, saved }) => {
        expect(saved).toEqual([output.data]);
        return [g.mul(a).div(output), typeof b === 'number' ? null : g.mul(b).div(output)];
      },
    });
    const a = eng.value(3), b = eng.value(4);
    hypot(a, b).backward();
    expectClose(a.grad, 0.6);
    expectClose(b.grad, 0.8);
    const c = eng.value(3);
    hypot(c, 4).backward();
    expectClose(c.grad, 0.6);
    expect(gradcheck((p: Value, q: Value) => hypot(p, q), [1.2, -0.7], { engine: eng })).toBe(true);
  });

  it('catches a wrong backward with gradcheck', async () => {
    const eng = await engine(backend);
    const wrong = eng.customOp({ name: 'cubeWrong', forward: (x: number) => x ** 3, backward: (g, { inputs: [x] }) => [g.mul((x as Value).pow(2)).mul(2)] });
    expect(() => gradcheck((a: Value) => wrong(a), [0.9], { engine: eng })).toThrow(WasmgradGradcheckError);
  });

  it('names the op in every error, and the engine keeps working', async () => {
    const eng = await engine(backend);
    const x = eng.value(2);
    const twoGrads = eng.customOp({ name: 'twoGrads', forward: (a: number) => a, backward: (g) => [g, g] });
    expect(() => twoGrads(x).backward()).toThrow(/customOp 'twoGrads': backward returned 2 gradients for 1 input/);
    const notNumber = eng.customOp({ name: 'notNumber', forward: (() => 'x') as unknown as () => number, backward: (g) => [g] });
    expect(() => notNumber(x)).toThrow(WasmgradCustomOpError);
    expect(() => notNumber(x)).toThrow(/'notNumber': forward returned/);
    const badGrad = eng.customOp({ name: 'badGrad', forward: (a: number) => a, backward: () => ['g' as never] });
    expect(() => badGrad(x).backward()).toThrow(/'badGrad': backward's gradient 0 is/);
    expect(() => eng.customOp({ name: 'noBackward', forward: (a: number) => a } as never)).toThrow(/'noBackward': backward must be a function/);
    expect(() => eng.customOp({ name: '', forward: (a: number) => a, backward: (g: Value) => g } as never)).toThrow(TypeError);
    expect(() => eng.jvp((a: Value) => cubeOp(eng)(a), [1], [1])).toThrow(/'cube': forward mode/);
    // the engine still differentiates, custom ops included
    eng.reset();
    const y = eng.value(2);
    cubeOp(eng)(y).backward();
    expect(y.grad).toBe(12);
  });

  it('refuses a stale input with the stale-graph error, and keeps no state across resets', async () => {
    const eng = await engine(backend);
    const cube = cubeOp(eng);
    const old = eng.value(1);
    eng.reset();
    expect(() => cube(old)).toThrow(WasmgradStaleGraphError);
    expect(eng.current.ext).toBe(null);
    for (let i = 0; i < 3; i++) {
      eng.step(() => cube(eng.value(i)).backward());
      expect(eng.current.ext).toBe(null); // the new generation starts with nothing
    }
    // without custom ops or hooks, backward is the fused one again
    const z = eng.value(2);
    z.mul(z).backward();
    expect(z.grad).toBe(4);
  });

  it('records nothing under noGrad, and refuses compile', async () => {
    const eng = await engine(backend);
    const cube = cubeOp(eng);
    const x = eng.value(2);
    const y = eng.noGrad(() => cube(x));
    expect(y.data).toBe(8);
    expect(eng.current.ext).toBe(null);
    expect(() => eng.compile((a) => cube(a), [1])).toThrow(/'cube': cannot be used inside compile/);
  });
});

describe.each(BACKENDS)('tensor custom ops on %s', (backend) => {
  it('softplus: closed form, gradcheck and gradgradcheck', async () => {
    const eng = await engine(backend);
    const softplus = softplusOp(eng);
    const data = [-30, -1.5, 0, 0.7, 25];
    const x = eng.tensor(data, undefined, { requiresGrad: true, dtype: 'float64' });
    const y = softplus(x);
    expect(y.requiresGrad).toBe(true);
    expectAllClose(y.data(), data.map((v) => Math.log1p(Math.exp(v))), { rtol: 1e-15, atol: 1e-300 });
    y.mul(2).sum().backward();
    expectAllClose(x.grad!, data.map((v) => 2 / (1 + Math.exp(-v))), { rtol: 1e-15, atol: 1e-300 });
    const pts = eng.tensor([[-1.5, 0.3], [2, -0.2]], undefined, { dtype: 'float64' });
    const w = eng.tensor([0.5, -1.2], undefined, { dtype: 'float64' });
    expect(gradcheck((a: Tensor, b: Tensor) => softplus(a.mul(b)).sum(1), [pts, w])).toBe(true);
    expect(gradgradcheck((a: Tensor, b: Tensor) => softplus(a.mul(b)), [pts, w])).toBe(true);
    // the Hessian-vector product on tensors is reverse over reverse: it goes through backward's own ops
    const p = eng.tensor([0.4, -1.1], undefined, { dtype: 'float64' });
    const [hv] = eng.hvp((a: Tensor) => softplus(a).sum(), [p], [1]);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expectAllClose(hv.data(), [0.4, -1.1].map((v) => sig(v) * (1 - sig(v))), { rtol: 1e-14, atol: 1e-16 });
  });

  it('in a training step with parameters, its gradient matches the built-in ops', async () => {
    const eng = await engine(backend);
    const softplus = softplusOp(eng);
    const w = eng.parameter([[0.3, -0.7], [1.1, 0.2]], undefined, { dtype: 'float64' });
    const x = eng.tensor([[0.5, 1.5], [-1, 2]], undefined, { dtype: 'float64' });
    x.matmul(w).relu().add(x.matmul(w).abs().neg().exp().log1p()).mean().backward();
    const builtin = Array.from(w.grad);
    w.zeroGrad();
    softplus(x.matmul(w)).mean().backward();
    expectAllClose(w.grad, builtin, { rtol: 1e-14, atol: 1e-16 });
    // createGraph: gradTensor exists and differentiates again
    w.zeroGrad();
    softplus(x.matmul(w)).mean().backward({ createGraph: true });
    expectAllClose(w.gradTensor!.data(), builtin, { rtol: 1e-14, atol: 1e-16 });
    expect(w.gradTensor!.requiresGrad).toBe(true);
  });

  it('catches a wrong backward with gradcheck', async () => {
    const eng = await engine(backend);
    const wrong = eng.customOp({ name: 'softplusWrong', forward: (x: Tensor) => x.exp().log1p(), backward: (g, { inputs: [x] }) => [g.mul(x.tanh())] });
    const pts = eng.tensor([0.4, -0.9], undefined, { dtype: 'float64' });
    expect(() => gradcheck((a: Tensor) => wrong(a), [pts])).toThrow(WasmgradGradcheckError);
  });

  it('passes detached inputs to forward and saves tensors for backward', async () => {
    const eng = await engine(backend);
    let sawGrad: boolean | null = null;
    const square = eng.customOp({
      name: 'square',
      forward: (x: Tensor, ctx) => { sawGrad = x.requiresGrad; ctx.save(x.mul(2)); return x.mul(x); },
      backward: (g, { saved: [twice] }) => [g.mul(twice as Tensor)],
    });
    const x = eng.tensor([1, -3], undefined, { requiresGrad: true, dtype: 'float64' });
    square(x).sum().backward();
    expect(sawGrad).toBe(false);
    expect(Array.from(x.grad!)).toEqual([2, -6]);
  });

  it('names the op in every error, and the engine keeps working', async () => {
    const eng = await engine(backend);
    const x = eng.tensor([1, 2, 3], undefined, { requiresGrad: true, dtype: 'float64' });
    const y = eng.tensor([1, 2], undefined, { requiresGrad: true, dtype: 'float64' });
    const cases: [string, (g: Tensor) => unknown, RegExp][] = [
      ['count', (g) => [g, g], /'count': backward returned 2 gradients for 1 input/],
      ['shape', () => [eng.zeros([2], { dtype: 'float64' })], /'shape': backward's gradient 0 is a float64 Tensor of shape \[2\], but input 0 is float64 of shape \[3\]/],
      ['dtype', () => [eng.zeros([3])], /'dtype': backward's gradient 0 is a float32 Tensor/],
      ['kind', () => [[1, 2, 3]], /'kind': backward's gradient 0 is .*return a Tensor or null/],
    ];
    for (const [name, backward, message] of cases) {
      const op = eng.customOp({ name, forward: (a: Tensor) => a.mul(1), backward: backward as never });
      expect(() => op(x).sum().backward()).toThrow(WasmgradCustomOpError);
      expect(() => op(x).sum().backward()).toThrow(message);
    }
    const notTensor = eng.customOp({ name: 'notTensor', forward: (() => 3) as unknown as () => Tensor, backward: (g) => [g] });
    expect(() => notTensor(x)).toThrow(/'notTensor': forward returned .*3.*returns a Tensor/);
    const mixed = eng.customOp({ name: 'mixed', forward: (a: Tensor) => a, backward: (g) => [g] });
    expect(() => mixed(x, 2 as never)).toThrow(/'mixed': input 1 is .*2.*Tensors only/);
    const two = eng.customOp({ name: 'two', forward: (a: Tensor, b: Tensor) => a.sum().add(b.sum()), backward: (g) => [g.expand([3]), null] });
    two(x, y).backward();
    expect(Array.from(x.grad!)).toEqual([1, 1, 1]);
    expect(y.grad).toBe(null); // null: no gradient reached y
    // the engine works after every error above
    x.mul(x).sum().backward();
    expect(Array.from(x.grad!)).toEqual([3, 5, 7]);
    eng.reset();
    expect(() => mixed(x)).toThrow(WasmgradStaleGraphError);
  });

  it('keeps nothing per step across resets: a training loop with a custom op and a parameter hook', async () => {
    const eng = await engine(backend);
    const softplus = softplusOp(eng);
    const w = eng.parameter([0.5, -0.5], [2], { dtype: 'float64' });
    let calls = 0;
    const h = w.registerHook(() => { calls++; });
    const x = eng.keep(eng.tensor([[1, 2], [-1, 0.5]], undefined, { dtype: 'float64' }));
    const unbound = eng.unbound.ext as { tensorHooks: Map<number, unknown>; tensorParams: Map<number, unknown> };
    for (let i = 0; i < 20; i++) {
      eng.step(() => { w.zeroGrad(); softplus(x.matmul(w)).sum().backward(); w.assign(Float64Array.from(w.data(), (p, k) => p - 0.1 * w.grad[k])); });
      expect(eng.current.ext).toBe(null); // the step's custom node went with its tape
    }
    expect(calls).toBe(20);
    expect([unbound.tensorHooks.size, unbound.tensorParams.size]).toEqual([1, 1]);
    h.remove();
    expect(eng.unbound.ext).toBe(null);
  });
});
