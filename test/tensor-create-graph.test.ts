// createGraph on the tensor tape (src/transforms/tensor-graph.ts), on both backends:
// - nodeInfo reads every node kind back as the kind, inputs and attributes it was recorded with;
// - kind by kind, the recorded first derivative equals the fused backward's (f64, 1e-12 relative);
// - second derivatives of broadcasting, reductions with keepdims, matmul, conv2d and max pooling match
//   central differences of the first (gradgradcheck in f64);
// - the transforms take tensors: grad, valueAndGrad, vjp, hessian, hvp, gradients, gradcheck.

import { beforeAll, describe, expect, it } from 'vitest';
import { F, gradcheck, gradgradcheck, type Engine, type Tensor } from '../src/index.js';
import { make } from '../src/tensor/tensor.js';
import { NODE_KIND_NAMES } from '../src/tensor/backend.js';
import { NODE_KIND_INFO } from '../src/generated/ops.js';
import { TENSOR_BACKENDS, expectAllClose, randomData, tensorEngine } from './tensor-helpers.js';

type Case = { name: string; shapes: number[][]; f: (eng: Engine, ...xs: Tensor[]) => Tensor; data?: number[][] };

/** op(a) @ op(b) as one Matmul node with its transpose flags, as the fused kernels read them. */
function matmulFlags(eng: Engine, a: Tensor, b: Tensor, transA: boolean, transB: boolean, shape: number[]): Tensor {
  const id = eng.tensors.run('Matmul', [eng.tensorIdOf(a, 'test'), eng.tensorIdOf(b, 'test')], { transA, transB });
  return make(eng, id, shape, a.dtype);
}

const CASES: Case[] = [
  { name: 'Unary (tanh, exp, sin)', shapes: [[2, 3]], f: (_e, x) => x.tanh().exp().sin() },
  { name: 'Binary, broadcast', shapes: [[2, 3], [3], [2, 1]], f: (_e, x, y, z) => x.mul(y).div(z.add(3)).sub(y.pow(2)) },
  { name: 'Binary, non-smooth (maximum, relu, abs)', shapes: [[2, 3], [3]], f: (_e, x, y) => x.maximum(y).add(x.relu()).mul(y.abs()) },
  { name: 'Where', shapes: [[2, 3], [2, 3]], f: (eng, x, y) => eng.where(x.gt(0), x.mul(y), y.exp()) },
  { name: 'Reduce sum, keepdims', shapes: [[2, 3, 2]], f: (_e, x) => x.sum([0, 2], { keepdims: true }).mul(x).tanh() },
  { name: 'Reduce max and min, with ties', shapes: [[2, 3]], data: [[1, 3, 3, -1, -1, 0]],
    f: (_e, x) => x.max(1).mul(x.min(1)).add(x.max()).mul(x.sum(1)) },
  { name: 'Matmul', shapes: [[2, 3], [3, 4]], f: (_e, a, b) => a.matmul(b).tanh() },
  { name: 'Matmul, batch broadcast', shapes: [[2, 2, 3], [3, 4]], f: (_e, a, b) => a.matmul(b).sin() },
  { name: 'Matmul, transpose flags', shapes: [[3, 2], [4, 3]],
    f: (eng, a, b) => matmulFlags(eng, a, b, true, true, [2, 4]).tanh().add(matmulFlags(eng, a, b.transpose(), true, false, [2, 4])) },
  { name: 'Reshape, Permute', shapes: [[2, 3, 2]], f: (_e, x) => x.reshape([3, 4]).permute([1, 0]).tanh().reshape([12]).mul(x.reshape([12])) },
  { name: 'Expand', shapes: [[3, 1]], f: (_e, x) => x.expand([2, 3, 4]).mul(x.reshape([1, 3, 1]).exp()) },
  { name: 'Slice, Pad', shapes: [[3, 4]], f: (_e, x) => x.slice([1, 0], [3, 3]).pad([[1, 0], [0, 1]], 0.5).mul(x).sin() },
  { name: 'Concat', shapes: [[2, 3], [2, 2]], f: (eng, a, b) => eng.concat([a, b.exp()], 1).tanh().mul(eng.concat([b, a], 1)) },
  { name: 'IndexSelect', shapes: [[3, 4]], f: (_e, x) => x.indexSelect(1, [3, 0, 0, 2]).tanh().add(x.indexSelect(0, [2, 2]).sum(0)) },
  { name: 'Cast, Detach', shapes: [[2, 3]], f: (_e, x) => x.to('float32').to('float64').mul(x).add(x.detach().mul(x)) },
  { name: 'CrossEntropy', shapes: [[3, 4]], f: (_e, x) => F.crossEntropy(x.mul(x), [1, 3, 0]) },
  { name: 'Conv2d, stride 1, padding 1', shapes: [[2, 2, 4, 5], [3, 2, 3, 3]], f: (_e, x, w) => F.conv2d(x, w, null, { padding: 1 }).tanh() },
  { name: 'Conv2d, stride 2, rows the windows never reach', shapes: [[1, 2, 6, 7], [2, 2, 3, 2]],
    f: (_e, x, w) => F.conv2d(x.sin(), w, null, { stride: [2, 3], padding: [0, 1] }) },
  { name: 'MaxPool2d, overlapping windows, padding, ties', shapes: [[1, 2, 4, 5]], data: [randomData(40, 3).map((v) => Math.round(v))],
    f: (_e, x) => F.maxPool2d(x.mul(x), 3, { stride: 1, padding: 1 }).tanh() },
  { name: 'MaxPool2d, stride past the kernel', shapes: [[2, 1, 7, 6]], f: (_e, x) => F.maxPool2d(x.sin(), [2, 1], { stride: [3, 2] }) },
  { name: 'Conv2d, padding past the kernel', shapes: [[1, 1, 3, 4], [2, 1, 2, 2]], f: (_e, x, w) => F.conv2d(x, w, null, { padding: [2, 3], stride: [1, 2] }).sin() },
  { name: 'AvgPool2d', shapes: [[2, 2, 5, 6]], f: (_e, x) => F.avgPool2d(x.exp(), 3, { stride: 2, padding: 1 }).tanh().sum().add(F.avgPool2d(x, [2, 3]).sin().sum()) },
  { name: 'Gather, ScatterAdd, Argmax, Argsort (repeated indices)', shapes: [[3, 4], [3, 2]],
    f: (eng, x, s) => {
      const idx = eng.tensor([[3, 0], [1, 1], [2, 0]], undefined, { dtype: 'int32' });
      const picked = x.gather(1, idx).mul(x.gather(1, x.argsort(1).slice([0, 0], [3, 2])));
      return picked.tanh().add(x.scatterAdd(1, idx, s.mul(picked)).sum(1, { keepdims: true }).mul(x.argmax(1).to('float64').reshape([3, 1])));
    } },
  { name: 'Cumsum, Cumprod (no zeros)', shapes: [[2, 4]], f: (_e, x) => x.cumsum(1).sin().add(x.exp().cumprod(1)).add(x.cumsum(0).cumprod(0)) },
];

describe.each(TENSOR_BACKENDS)('tensor createGraph on %s', (backend) => {
  let eng: Engine;
  beforeAll(async () => { eng = await tensorEngine(backend); });

  const inputs = (c: Case, seed: number): Tensor[] =>
    c.shapes.map((s, k) => eng.tensor(c.data?.[k] ?? randomData(s.reduce((a, b) => a * b, 1), seed + k), s, { dtype: 'float64', requiresGrad: true }));

  it('reads each node back: run(nodeInfo(id)) records the same node', () => {
    eng.reset();
    const [x, y] = [eng.tensor(randomData(6, 1), [2, 3], { dtype: 'float64' }), eng.tensor(randomData(3, 2), [3], { dtype: 'float64' })];
    const img = eng.tensor(randomData(32, 5), [2, 1, 4, 4], { dtype: 'float64' });
    const w = eng.tensor(randomData(18, 6), [2, 1, 3, 3], { dtype: 'float64' });
    const be = eng.tensors;
    const outs = [
      x.add(y), x.exp(), x.sum([1], { keepdims: true }), x.max(0), x.matmul(x.transpose()), x.reshape([3, 2]), x.permute([1, 0]),
      y.expand([4, 3]), x.slice([1, 1], [2, 3]), eng.concat([x, x], 0), x.pad([[0, 1], [2, 0]], -1.5), x.indexSelect(1, [2, 0]),
      x.to('float32'), x.detach(), x.gt(y), eng.where(x.gt(0), x, y), F.crossEntropy(x, [0, 2]),
      x.argmax(1), x.argmin(0, { keepdims: true }), x.argsort(1, { descending: true }), x.cumsum(1), x.cumprod(0),
      x.gather(1, eng.tensor([[2, 0], [1, 1]], undefined, { dtype: 'int32' })),
      x.scatterAdd(1, eng.tensor([[2, 0], [1, 1]], undefined, { dtype: 'int32' }), x.slice([0, 0], [2, 2])),
      F.conv2d(img, w, null, { stride: 2, padding: 1 }), F.maxPool2d(img, 2, { stride: 1 }), F.avgPool2d(img, 3, { stride: 2, padding: 1 }),
    ];
    // every kind with inputs is read back here
    const kinds = new Set(outs.map((o) => be.nodeInfo(eng.tensorIdOf(o, 'test')).kind));
    expect(NODE_KIND_NAMES.filter((k) => NODE_KIND_INFO[k].inputs.length > 0 && !kinds.has(k))).toEqual([]);
    for (const o of outs) {
      const info = be.nodeInfo(eng.tensorIdOf(o, 'test'));
      expect(info.inputs.length).toBeGreaterThan(0);
      const again = be.run(info.kind as never, info.inputs as never, info.attrs as never);
      expect(be.shape(again), info.kind).toEqual(o.shape);
      expect(Array.from(be.data(again)), info.kind).toEqual(Array.from(o.data()));
    }
    expect(be.nodeInfo(eng.tensorIdOf(x, 'test'))).toEqual({ kind: 'Const', inputs: [], attrs: {} });
  });

  describe.each(CASES)('$name', (c) => {
    it('first derivatives equal the fused backward', () => {
      eng.reset();
      const xs = inputs(c, 7);
      const loss = c.f(eng, ...xs).mul(eng.tensor(randomData(c.f(eng, ...xs).size, 99), c.f(eng, ...xs).shape, { dtype: 'float64' })).sum();
      loss.backward();
      const fused = xs.map((x) => Array.from(x.grad!));
      const recorded = eng.gradients(loss, xs, { createGraph: true });
      recorded.forEach((g, k) => {
        expect(g.shape).toEqual(xs[k].shape);
        expectAllClose(g.data(), fused[k], { rtol: 1e-12, atol: 1e-14 }, `${c.name}: input ${k}`);
      });
    });
  });

  it('backward({ createGraph: true }) keeps differentiable gradients: d²/dx² Σ x³ = 6x', () => {
    eng.reset();
    const x = eng.tensor([0.5, -1, 2], [3], { dtype: 'float64', requiresGrad: true });
    x.pow(3).sum().backward({ createGraph: true });
    expectAllClose(x.grad!, [0.75, 3, 12], {}, 'grad');
    const g = x.gradTensor!;
    expectAllClose(g.data(), [0.75, 3, 12], {}, 'gradTensor');
    const [h] = eng.gradients(g.sum(), [x]);
    expectAllClose(h.data(), [3, -6, 12], {}, 'second derivative');
    eng.zeroGrad();
    expect(x.gradTensor).toBeNull();
    // a parameter's too, and like .grad it accumulates until then
    const p = eng.parameter([1, 2], [2], { dtype: 'float64' });
    p.mul(p).sum().backward({ createGraph: true });
    p.mul(p).sum().backward({ createGraph: true });
    expectAllClose(p.gradTensor!.data(), [4, 8], {}, 'accumulated gradTensor');
    p.zeroGrad();
    expect(p.gradTensor).toBeNull();
  });

  it('second derivatives match central differences: broadcasting, reductions with keepdims, matmul', () => {
    const point = (shape: number[], seed: number) => eng.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape, { dtype: 'float64' });
    eng.reset();
    expect(gradgradcheck((x: Tensor, y: Tensor) => x.mul(y).tanh().sub(y.exp()), [point([2, 3], 1), point([3], 2)], { engine: eng })).toBe(true);
    expect(gradgradcheck((x: Tensor) => x.sum(1, { keepdims: true }).mul(x).sin().max(0, { keepdims: true }), [point([2, 3], 3)], { engine: eng })).toBe(true);
    expect(gradgradcheck((a: Tensor, b: Tensor) => a.matmul(b).tanh(), [point([2, 3], 4), point([3, 2], 5)], { engine: eng })).toBe(true);
    expect(gradgradcheck((x: Tensor, w: Tensor) => F.conv2d(x, w, null, { stride: 2, padding: 1 }).tanh(), [point([1, 2, 4, 3], 6), point([2, 2, 3, 3], 7)], { engine: eng })).toBe(true);
    expect(gradgradcheck((x: Tensor) => F.maxPool2d(x.tanh(), 2, { stride: 1 }).mul(x.sum()), [point([1, 1, 3, 3], 8)], { engine: eng })).toBe(true);
    expect(gradgradcheck((x: Tensor) => x.cumsum(1).mul(x).add(x.exp().cumprod(0)).sin(), [point([2, 3], 9)], { engine: eng })).toBe(true);
    const idx = eng.tensor([[2, 0], [1, 1]], undefined, { dtype: 'int32' });
    expect(gradgradcheck((x: Tensor, s: Tensor) => x.gather(1, idx).mul(s).tanh().add(x.scatterAdd(1, idx, s.mul(s)).sin().sum(1, { keepdims: true })), [point([2, 3], 10), point([2, 2], 11)], { engine: eng })).toBe(true);
  });

  it('transforms take tensors and trees of them', () => {
    eng.reset();
    const x = eng.tensor([0.3, -0.7], [2], { dtype: 'float64' });
    const f = (t: Tensor) => t.mul(t).mul(t).sum();
    const g = eng.grad(f)(x);
    expectAllClose(g.data(), [0.27, 1.47], {}, 'grad');
    const gg = eng.grad((t: Tensor) => eng.grad(f)(t).sum())(x);
    expectAllClose(gg.data(), [1.8, -4.2], {}, 'grad of grad');
    const [v, tree] = eng.valueAndGrad<{ w: Tensor; b: Tensor }>((p: { w: Tensor; b: Tensor }) => p.w.mul(p.b).sum())({ w: x, b: x.exp() });
    expect(v.item()).toBeCloseTo(0.3 * Math.exp(0.3) - 0.7 * Math.exp(-0.7), 14);
    expectAllClose(tree.w.data(), [Math.exp(0.3), Math.exp(-0.7)], {}, 'tree grad');
    const [out, back] = eng.vjp((t: Tensor) => t.exp(), x);
    expectAllClose((out as Tensor).data(), [Math.exp(0.3), Math.exp(-0.7)], {}, 'vjp out');
    expectAllClose(back(eng.tensor([2, 3], [2], { dtype: 'float64' }))[0].data(), [2 * Math.exp(0.3), 3 * Math.exp(-0.7)], {}, 'vjp');
    const [[h]] = eng.hessian(f)(x);
    expect(h.shape).toEqual([2, 2]);
    expectAllClose(h.data(), [1.8, 0, 0, -4.2], {}, 'hessian');
    const [hv] = eng.hvp(f, [x], [eng.tensor([1, 2], [2], { dtype: 'float64' })]);
    expectAllClose(hv.data(), [1.8, -8.4], {}, 'hvp');
    expect(gradcheck((a: Tensor, b: Tensor) => a.matmul(b).tanh(), [eng.tensor(randomData(6, 3), [2, 3], { dtype: 'float64' }), eng.tensor(randomData(3, 4), [3, 1], { dtype: 'float64' })])).toBe(true);
  });
});
