// Forward mode on the tensor tape (src/transforms/tensor-forward.ts), on both backends:
// - every node kind's jvp against f64 central differences of the forward along the same
//   tangents, and against the reverse mode through ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for random u, v;
// - the cases record every node kind with inputs (checked), including broadcasting, keepdims
//   reductions, batched and transposed matmuls, strided and padded convolutions, pools, losses,
//   gather/scatterAdd with repeated indices, and running sums and products (with zeros);
// - eng.jacobian in forward and reverse mode agree, on tensors and scalars, in jax's layout;
// - eng.hvp (forward over reverse) against the closed form of a quadratic form, against central
//   differences of an MLP's gradient, and against reverse over reverse;
// - the transforms compose (third derivatives), f32 works, and misuse gets named errors.

import { beforeAll, describe, expect, it } from 'vitest';
import { F, WasmgradNonScalarError, WasmgradTangentError, type Engine, type Tensor, type Value } from '../src/index.js';
import { make } from '../src/tensor/tensor.js';
import { NODE_KIND_NAMES } from '../src/tensor/backend.js';
import { NODE_KIND_INFO } from '../src/generated/ops.js';
import { TENSOR_JVPS } from '../src/transforms/tensor-forward.js';
import { TENSOR_BACKENDS, expectAllClose, randomData, tensorEngine } from './tensor-helpers.js';

type Case = {
  name: string;
  shapes: number[][];
  f: (eng: Engine, ...xs: Tensor[]) => Tensor;
  data?: number[][];
  /** false where central differences do not see the rule's convention (ties, a round trip through f32) */
  smooth?: boolean;
};

/** op(a) @ op(b) as one Matmul node with its transpose flags, as the fused kernels read them. */
function matmulFlags(eng: Engine, a: Tensor, b: Tensor, transA: boolean, transB: boolean, shape: number[]): Tensor {
  const id = eng.tensors.run('Matmul', [eng.tensorIdOf(a, 'test'), eng.tensorIdOf(b, 'test')], { transA, transB });
  return make(eng, id, shape, a.dtype);
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const CASES: Case[] = [
  { name: 'Unary (tanh, exp, sin, erf, sigmoid, sqrt, log1p, gelu)', shapes: [[2, 3]],
    f: (_e, x) => x.tanh().exp().sin().add(x.erf().mul(x.sigmoid())).add(x.mul(x).add(1).sqrt().log1p()).add(x.gelu()).add(x.gelu({ approximate: 'tanh' })) },
  { name: 'Binary, broadcast', shapes: [[2, 3], [3], [2, 1]], f: (_e, x, y, z) => x.mul(y).div(z.add(3)).sub(y.pow(2)).add(x.atan2(z)) },
  { name: 'Binary, one side without a tangent, broadcast', shapes: [[3], [2, 3]], f: (eng, x, y) => x.add(eng.tensor(randomData(6, 40), [2, 3], { dtype: 'float64' })).mul(y).add(x.pow(eng.tensor([2, 3, 0.5], [3], { dtype: 'float64' }))) },
  { name: 'Binary, pow with a tensor exponent', shapes: [[2, 3], [2, 3]], f: (_e, x, y) => x.abs().add(0.5).pow(y).add(x.pow(3)) },
  { name: 'Binary, non-smooth (maximum, minimum, relu, abs, leakyRelu)', shapes: [[2, 3], [3]],
    f: (_e, x, y) => x.maximum(y).add(x.relu()).mul(y.abs()).add(x.minimum(y.mul(0.5))).add(x.leakyRelu(0.2)).add(x.leakyRelu(y)) },
  { name: 'Where, Compare', shapes: [[2, 3], [2, 3]], f: (eng, x, y) => eng.where(x.gt(0), x.mul(y), y.exp()).add(eng.where(y.lt(x), 0, x)) },
  { name: 'Reduce sum, keepdims and not', shapes: [[2, 3, 2]], f: (_e, x) => x.sum([0, 2], { keepdims: true }).mul(x).tanh().add(x.sum(1).sum()) },
  { name: 'mean, var, logsumexp, softmax, logSoftmax', shapes: [[3, 4]],
    f: (_e, x) => x.mean(1, { keepdims: true }).mul(x.var(0)).add(x.logsumexp(1, { keepdims: true })).add(x.softmax(-1)).add(x.logSoftmax(0)) },
  { name: 'Reduce max and min, no ties', shapes: [[3, 4]], f: (_e, x) => x.max(1, { keepdims: true }).mul(x).add(x.min(0)).add(x.max()) },
  { name: 'Reduce max and min, with ties', shapes: [[2, 3]], data: [[1, 3, 3, -1, -1, 0]], smooth: false,
    f: (_e, x) => x.max(1).mul(x.min(1)).add(x.max()).mul(x.sum(1)) },
  { name: 'Matmul', shapes: [[2, 3], [3, 4]], f: (_e, a, b) => a.matmul(b).tanh() },
  { name: 'Matmul, batch broadcast', shapes: [[2, 2, 3], [3, 4]], f: (_e, a, b) => a.matmul(b).sin() },
  { name: 'Matmul, batched both sides, vectors', shapes: [[2, 3, 4], [2, 4, 2], [4]],
    f: (_e, a, b, v) => a.matmul(b).sum(2).add(a.matmul(v)).add(v.matmul(b).sum().reshape([1, 1]).expand([2, 3])) },
  { name: 'Matmul, transpose flags', shapes: [[3, 2], [4, 3]],
    f: (eng, a, b) => matmulFlags(eng, a, b, true, true, [2, 4]).tanh().add(matmulFlags(eng, a, b.transpose(), true, false, [2, 4])) },
  { name: 'Reshape, Permute', shapes: [[2, 3, 2]], f: (_e, x) => x.reshape([3, 4]).permute([1, 0]).tanh().reshape([12]).mul(x.reshape([12])) },
  { name: 'Expand', shapes: [[3, 1]], f: (_e, x) => x.expand([2, 3, 4]).mul(x.reshape([1, 3, 1]).exp()) },
  { name: 'Slice, Pad', shapes: [[3, 4]], f: (_e, x) => x.slice([1, 0], [3, 3]).pad([[1, 0], [0, 1]], 0.5).mul(x).sin() },
  { name: 'Concat, one side without a tangent', shapes: [[2, 3], [2, 2]],
    f: (eng, a, b) => eng.concat([a, b.exp()], 1).tanh().mul(eng.concat([b, a], 1)).add(eng.concat([eng.tensor(randomData(6, 41), [2, 3], { dtype: 'float64' }), b], 1)) },
  { name: 'IndexSelect, repeated indices', shapes: [[3, 4]], f: (_e, x) => x.indexSelect(1, [3, 0, 0, 2]).tanh().add(x.indexSelect(0, [2, 2]).sum(0)) },
  { name: 'Cast, Detach', shapes: [[2, 3]], smooth: false, f: (_e, x) => x.to('float32').to('float64').mul(x).add(x.detach().mul(x)) },
  { name: 'CrossEntropy, and with label smoothing', shapes: [[3, 4]],
    f: (_e, x) => F.crossEntropy(x.mul(x), [1, 3, 0]).add(F.crossEntropy(x, [2, 2, 1], { labelSmoothing: 0.1 })) },
  { name: 'Conv2d, stride 1, padding 1', shapes: [[2, 2, 4, 5], [3, 2, 3, 3]], f: (_e, x, w) => F.conv2d(x, w, null, { padding: 1 }).tanh() },
  { name: 'Conv2d, stride 2, rows the windows never reach', shapes: [[1, 2, 6, 7], [2, 2, 3, 2]],
    f: (_e, x, w) => F.conv2d(x.sin(), w, null, { stride: [2, 3], padding: [0, 1] }) },
  { name: 'Conv2d, padding past the kernel', shapes: [[1, 1, 3, 4], [2, 1, 2, 2]], f: (_e, x, w) => F.conv2d(x, w, null, { padding: [2, 3], stride: [1, 2] }).sin() },
  { name: 'MaxPool2d, overlapping windows, padding', shapes: [[1, 2, 4, 5]], f: (_e, x) => F.maxPool2d(x.mul(x), 3, { stride: 1, padding: 1 }).tanh() },
  { name: 'MaxPool2d, ties', shapes: [[1, 2, 4, 5]], data: [randomData(40, 3).map((v) => Math.round(v))], smooth: false,
    f: (_e, x) => F.maxPool2d(x.mul(x), 3, { stride: 1, padding: 1 }).tanh() },
  { name: 'MaxPool2d, stride past the kernel', shapes: [[2, 1, 7, 6]], f: (_e, x) => F.maxPool2d(x.sin(), [2, 1], { stride: [3, 2] }) },
  { name: 'AvgPool2d', shapes: [[2, 2, 5, 6]], f: (_e, x) => F.avgPool2d(x.exp(), 3, { stride: 2, padding: 1 }).tanh().sum().add(F.avgPool2d(x, [2, 3]).sin().sum()) },
  { name: 'Gather, ScatterAdd, Argmax, Argmin, Argsort (repeated indices)', shapes: [[3, 4], [3, 2]],
    f: (eng, x, s) => {
      const idx = eng.tensor([[3, 0], [1, 1], [2, 0]], undefined, { dtype: 'int32' });
      const picked = x.gather(1, idx).mul(x.gather(1, x.argsort(1).slice([0, 0], [3, 2])));
      return picked.tanh().add(x.scatterAdd(1, idx, s.mul(picked)).sum(1, { keepdims: true }).mul(x.argmax(1).to('float64').reshape([3, 1])))
        .add(x.argmin(0).to('float64').sum().mul(eng.tensor(randomData(12, 42), [3, 4], { dtype: 'float64' })).scatterAdd(1, idx, s).sum());
    } },
  { name: 'Cumsum, Cumprod (no zeros)', shapes: [[2, 4]], f: (_e, x) => x.cumsum(1).sin().add(x.exp().cumprod(1)).add(x.cumsum(0).cumprod(0)) },
  { name: 'Cumprod with zeros', shapes: [[2, 4], [3]], data: [[1.5, 0, -2, 0.5, 0, 0, 3, -1], [0, 2, -0.5]],
    f: (_e, x, v) => x.cumprod(1).add(x.permute([1, 0]).cumprod(0).permute([1, 0])).sum(0).add(v.cumprod(0).sum()) },
  { name: 'an MLP with a loss', shapes: [[4, 3], [3, 5], [5], [5, 2]],
    f: (_e, x, w1, b1, w2) => F.crossEntropy(F.linear(x, w1.transpose(), b1).tanh().matmul(w2), [0, 1, 1, 0]).add(F.mse(x.matmul(w1).sum(1), x.sum(1))) },
];

describe.each(TENSOR_BACKENDS)('tensor forward mode on %s', (backend) => {
  let eng: Engine;
  beforeAll(async () => { eng = await tensorEngine(backend); });

  const datas = (c: Case, seed: number): number[][] => c.shapes.map((s, k) => c.data?.[k] ?? randomData(sizeOf(s), seed + k));
  const tensors = (shapes: number[][], ds: number[][], dtype: 'float64' | 'float32' = 'float64'): Tensor[] =>
    shapes.map((s, k) => eng.tensor(dtype === 'float64' ? Float64Array.from(ds[k]) : Float32Array.from(ds[k]), s, { dtype }));
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  };

  it('the cases record every node kind with inputs', () => {
    eng.reset();
    const kinds = new Set<string>();
    for (const c of CASES) {
      const start = eng.tensors.nodeCount;
      c.f(eng, ...tensors(c.shapes, datas(c, 1)));
      for (let id = start; id < eng.tensors.nodeCount; id++) kinds.add(eng.tensors.nodeInfo(id).kind);
    }
    expect(NODE_KIND_NAMES.filter((k) => NODE_KIND_INFO[k].inputs.length > 0 && !kinds.has(k))).toEqual([]);
    // and the rule table has every kind: one without a rule does not compile
    const { Cumprod: _, ...withoutCumprod } = TENSOR_JVPS;
    // @ts-expect-error Cumprod's rule is missing
    const incomplete: typeof TENSOR_JVPS = withoutCumprod;
    expect(Object.keys(incomplete).length).toBe(Object.keys(TENSOR_JVPS).length - 1);
  });

  describe.each(CASES)('$name', (c) => {
    const fn = (...xs: Tensor[]) => c.f(eng, ...xs);

    it.skipIf(c.smooth === false)('jvp equals central differences of the forward along the tangents', () => {
      eng.reset();
      const x0 = datas(c, 7), v = c.shapes.map((s, k) => randomData(sizeOf(s), 50 + k));
      const [out, dout] = eng.jvp(fn, tensors(c.shapes, x0), tensors(c.shapes, v));
      expect(dout.shape).toEqual(out.shape);
      expect(dout.dtype).toBe('float64');
      const analytic = Array.from(dout.data());
      const h = 1e-6;
      const at = (sign: number): number[] => {
        eng.reset();
        const moved = x0.map((d, k) => d.map((xi, i) => xi + sign * h * v[k][i]));
        return Array.from(fn(...tensors(c.shapes, moved)).data());
      };
      const up = at(1), down = at(-1);
      expectAllClose(analytic, up.map((u, i) => (u - down[i]) / (2 * h)), { rtol: 1e-6, atol: 1e-7 }, c.name);
    });

    // against the fused backward, exact at a running product's zeros
    it('jvp is the transpose of the vjp: ⟨u, J v⟩ = ⟨Jᵀ u, v⟩', () => {
      eng.reset();
      const ds = datas(c, 7);
      const vs = tensors(c.shapes, c.shapes.map((s, k) => randomData(sizeOf(s), 60 + k)));
      const [out, dout] = eng.jvp(fn, tensors(c.shapes, ds), vs);
      const u = eng.tensor(randomData(out.size, 70), out.shape, { dtype: 'float64' });
      const xs = c.shapes.map((s, k) => eng.tensor(Float64Array.from(ds[k]), s, { dtype: 'float64', requiresGrad: true }));
      fn(...xs).mul(u).sum().backward();
      const left = dot(u.data(), dout.data());
      const right = xs.reduce((s, x, k) => s + dot(x.grad!, vs[k].data()), 0);
      // a round trip through f32 rounds the tangent and the gradient differently
      expect(Math.abs(left - right)).toBeLessThanOrEqual((c.smooth === false ? 1e-6 : 1e-10) * Math.max(1, Math.abs(left)));
    });

    // forward over reverse runs these rules over the nodes every reverse rule records (dilations, masks, one-hot matmuls)
    it('hvp of ⟨w, f⟩ (forward over reverse) equals reverse over reverse', () => {
      eng.reset();
      const xs = tensors(c.shapes, datas(c, 7));
      const vs = tensors(c.shapes, c.shapes.map((s, k) => randomData(sizeOf(s), 80 + k)));
      const w = eng.tensor(randomData(fn(...xs).size, 90), fn(...xs).shape, { dtype: 'float64' });
      const loss = (...ts: Tensor[]) => fn(...ts).mul(w).sum();
      const hv = eng.hvp(loss, xs, vs);
      const nums = c.shapes.map((_, k) => k);
      const old = eng.grad((...ts: Tensor[]) => (eng.grad(loss, { argnums: nums })(...ts) as unknown as Tensor[])
        .reduce((acc: Tensor | null, g, k) => (acc === null ? g.mul(vs[k]).sum() : acc.add(g.mul(vs[k]).sum())), null)!, { argnums: nums })(...xs) as unknown as Tensor[];
      hv.forEach((h, k) => expectAllClose(h.data(), old[k].data(), { rtol: 1e-10, atol: 1e-12 }, `${c.name}: input ${k}`));
    });
  });

  it('ties: a max takes the mean of the tied tangents, a max pool the tangent of the first maximum', () => {
    eng.reset();
    const x = eng.tensor([3, 1, 3, -2], [4], { dtype: 'float64' });
    const v = eng.tensor([0.5, 7, 2, 9], [4], { dtype: 'float64' });
    expect(eng.jvp((t: Tensor) => t.max(), [x], [v])[1].item()).toBe(1.25);
    expect(eng.jvp((t: Tensor) => t.min(), [x], [v])[1].item()).toBe(9);
    const img = eng.tensor([2, 2, 1, 2], [1, 1, 2, 2], { dtype: 'float64' });
    const dimg = eng.tensor([10, 20, 30, 40], [1, 1, 2, 2], { dtype: 'float64' });
    expect(Array.from(eng.jvp((t: Tensor) => F.maxPool2d(t, 2), [img], [dimg])[1].data())).toEqual([10]);
    expect(Array.from(eng.jvp((t: Tensor) => F.maxPool2d(t, [1, 2]), [img], [dimg])[1].data())).toEqual([10, 40]);
  });

  it('jvp of several outputs, unused primals, an output that does not depend on the primals, numbers as tangents', () => {
    eng.reset();
    const x = eng.tensor([0.3, -0.7], [2], { dtype: 'float64' });
    const y = eng.tensor([1.5], [1], { dtype: 'float64' });
    const c = eng.tensor([4, 5], [2], { dtype: 'float64' });
    const [outs, tangents] = eng.jvp((a: Tensor, _b: Tensor) => [a.exp(), c, a.sum()], [x, y], [eng.tensor([2, 3], [2], { dtype: 'float64' }), 1]);
    expect(outs.length).toBe(3);
    expectAllClose(tangents[0].data(), [2 * Math.exp(0.3), 3 * Math.exp(-0.7)], {}, 'exp');
    expect(Array.from(tangents[1].data())).toEqual([0, 0]);
    expect(tangents[2].item()).toBe(5);
    const [, dy] = eng.jvp((a: Tensor) => a.mul(a), [x], [2]);
    expectAllClose(dy.data(), [4 * 0.3, -4 * 0.7], {}, 'a number fills the tangent');
  });

  it('jacobian: forward and reverse mode agree, in jax layout, with the closed form of A·x', () => {
    eng.reset();
    const A = eng.tensor(randomData(6, 1), [2, 3], { dtype: 'float64' });
    const x = eng.tensor(randomData(3, 2), [3], { dtype: 'float64' });
    const f = (a: Tensor, t: Tensor) => [a.matmul(t), t.mul(t).sum().mul(a)];
    const rev = eng.jacobian(f)(A, x);
    const fwd = eng.jacobian(f, { mode: 'forward' })(A, x);
    expect(rev.map((row) => row.map((j) => j.shape))).toEqual([[[2, 2, 3], [2, 3]], [[2, 3, 2, 3], [2, 3, 3]]]);
    rev.forEach((row, i) => row.forEach((j, k) => {
      expect(fwd[i][k].shape).toEqual(j.shape);
      expectAllClose(fwd[i][k].data(), j.data(), { rtol: 1e-13, atol: 1e-14 }, `J[${i}][${k}]`);
    }));
    // ∂(A x)/∂x = A; ∂(A x)_i/∂A_kj = δ_ik x_j
    expectAllClose(rev[0][1].data(), A.data(), {}, 'd(Ax)/dx');
    const xd = x.data(), expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) expected.push(i === k ? xd[j] : 0);
    expectAllClose(rev[0][0].data(), expected, {}, 'd(Ax)/dA');
    // argnums picks the columns; a 0-d output gives a Jacobian of the argument's shape
    const [[g]] = eng.jacobian((t: Tensor) => t.sin().sum(), { argnums: [0], mode: 'forward' })(x);
    expect(g.shape).toEqual([3]);
    expectAllClose(g.data(), Array.from(xd, Math.cos), {}, 'gradient as a Jacobian');
    const [[only]] = eng.jacobian(f, { argnums: [1] })(A, x);
    expectAllClose(only.data(), A.data(), {}, 'argnums');
  });

  it('jacobian: forward and reverse mode agree on a conv net, and on scalar functions', () => {
    eng.reset();
    const x = eng.tensor(randomData(18, 4), [1, 2, 3, 3], { dtype: 'float64' });
    const w = eng.tensor(randomData(8, 5), [1, 2, 2, 2], { dtype: 'float64' });
    const f = (a: Tensor, b: Tensor) => F.maxPool2d(F.conv2d(a, b, null, { padding: 1 }).tanh(), 2);
    const rev = eng.jacobian(f)(x, w), fwd = eng.jacobian(f, { mode: 'forward' })(x, w);
    expect(rev[0][0].shape).toEqual([1, 1, 2, 2, 1, 2, 3, 3]);
    rev[0].forEach((j, k) => expectAllClose(fwd[0][k].data(), j.data(), { rtol: 1e-12, atol: 1e-14 }, `J[0][${k}]`));
    const g = (a: Value, b: Value) => [a.mul(b).sin(), a.exp().div(b), a];
    const sr = eng.jacobian(g)(0.4, 1.3), sf = eng.jacobian(g, { mode: 'forward' })(0.4, 1.3);
    sf.forEach((row, i) => row.forEach((v, j) => expect(v.data).toBeCloseTo(sr[i][j].data, 14)));
    expect(sf[0][1].data).toBeCloseTo(0.4 * Math.cos(0.52), 15);
    expect(sf[2].map((v) => v.data)).toEqual([1, 0]);
  });

  it('hvp (forward over reverse): ½xᵀAx gives ½(A + Aᵀ)v exactly, and equals reverse over reverse', () => {
    eng.reset();
    const n = 4;
    const Ad = randomData(n * n, 11), vd = randomData(n, 12);
    const A = eng.tensor(Ad, [n, n], { dtype: 'float64' });
    const x = eng.tensor(randomData(n, 13), [n], { dtype: 'float64' });
    const v = eng.tensor(vd, [n], { dtype: 'float64' });
    const quad = (t: Tensor) => t.matmul(A).matmul(t).mul(0.5);
    const [hv] = eng.hvp(quad, [x], [v]);
    const expected = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < n; j++) s += 0.5 * (Ad[i * n + j] + Ad[j * n + i]) * vd[j];
      return s;
    });
    expectAllClose(hv.data(), expected, { rtol: 1e-14, atol: 1e-15 }, 'H v');
    const old = eng.grad((t: Tensor) => eng.grad(quad)(t).mul(v).sum())(x);
    expectAllClose(hv.data(), old.data(), { rtol: 1e-14, atol: 1e-15 }, 'reverse over reverse');
  });

  it('hvp of an MLP loss: central differences of the gradient, and reverse over reverse', () => {
    const shapes = [[3, 4], [4], [4, 1]];
    const point = shapes.map((s, k) => randomData(sizeOf(s), 20 + k));
    const dir = shapes.map((s, k) => randomData(sizeOf(s), 30 + k));
    const input = [[0.5, -1, 2], [1, 0.3, -0.4], [-1.5, 0.2, 0.7], [0.1, 0.9, -0.8], [2, -2, 0.5]];
    const loss = (w1: Tensor, b1: Tensor, w2: Tensor) => {
      const X = eng.tensor(input, undefined, { dtype: 'float64' });
      return F.mse(X.matmul(w1).add(b1).tanh().matmul(w2).reshape([5]), eng.tensor([1, -1, 0.5, 0, 2], [5], { dtype: 'float64' }));
    };
    eng.reset();
    const hv = eng.hvp(loss, tensors(shapes, point), tensors(shapes, dir)).map((t) => Array.from(t.data()));
    const ps = tensors(shapes, point);
    const old = eng.grad((...w: Tensor[]) => {
      const g = eng.grad(loss, { argnums: [0, 1, 2] })(...w) as unknown as Tensor[];
      return g.reduce((s: Tensor | null, gk, k) => { const t = gk.mul(tensors([shapes[k]], [dir[k]])[0]).sum(); return s === null ? t : s.add(t); }, null)!;
    }, { argnums: [0, 1, 2] })(...ps) as unknown as Tensor[];
    old.forEach((o, k) => expectAllClose(hv[k], o.data(), { rtol: 1e-12, atol: 1e-14 }, `reverse over reverse ${k}`));
    const h = 1e-5;
    const gradAt = (sign: number): number[][] => {
      eng.reset();
      const moved = point.map((d, k) => d.map((xi, i) => xi + sign * h * dir[k][i]));
      return (eng.grad(loss, { argnums: [0, 1, 2] })(...tensors(shapes, moved)) as unknown as Tensor[]).map((g) => Array.from(g.data()));
    };
    const up = gradAt(1), down = gradAt(-1);
    hv.forEach((col, k) => expectAllClose(col, up[k].map((u, i) => (u - down[k][i]) / (2 * h)), { rtol: 1e-6, atol: 1e-8 }, `finite differences ${k}`));
  });

  it('composes: jvp of grad, grad of jvp, and third derivatives by either route', () => {
    eng.reset();
    const xd = [0.3, -1.1, 0.8], vd = [1, 0.5, -2];
    const x = eng.tensor(xd, [3], { dtype: 'float64' });
    const v = eng.tensor(vd, [3], { dtype: 'float64' });
    const f = (t: Tensor) => t.sin().mul(t.mul(t)).sum(); // Σ x² sin x
    const d1 = (a: number) => 2 * a * Math.sin(a) + a * a * Math.cos(a);
    const d2 = (a: number) => 2 * Math.sin(a) + 4 * a * Math.cos(a) - a * a * Math.sin(a);
    const d3 = (a: number) => 6 * Math.cos(a) - 6 * a * Math.sin(a) - a * a * Math.cos(a);
    // forward over reverse: H v, diagonal here
    const [, hv] = eng.jvp((t: Tensor) => eng.grad(f)(t), [x], [v]);
    expectAllClose(hv.data(), xd.map((a, i) => d2(a) * vd[i]), { rtol: 1e-13, atol: 1e-14 }, 'jvp of grad');
    expectAllClose(eng.jvp(eng.grad(f), [x], [v])[1].data(), hv.data(), { rtol: 0, atol: 0 }, 'jvp of eng.grad(f) itself');
    // reverse over forward: ∇⟨∇f, v⟩ = H v
    const rf = eng.grad((t: Tensor) => eng.jvp(f, [t], [v])[1].sum())(x);
    expectAllClose(rf.data(), hv.data(), { rtol: 1e-13, atol: 1e-14 }, 'grad of jvp');
    // d³/dt³ f(x + t v) = Σ f'''(x_i) v_i³: forward over forward over forward, and reverse over forward over forward
    const dir = (g: (t: Tensor) => Tensor) => (t: Tensor) => eng.jvp(g, [t], [v])[1];
    const third = dir(dir(dir(f)))(x).item();
    const expected = xd.reduce((s, a, i) => s + d3(a) * vd[i] ** 3, 0);
    expect(third).toBeCloseTo(expected, 12);
    const g3 = eng.grad((t: Tensor) => dir(dir(f))(t))(x);
    expectAllClose(g3.data(), xd.map((a, i) => d3(a) * vd[i] ** 2), { rtol: 1e-12, atol: 1e-13 }, 'grad of a second directional derivative');
    expectAllClose(eng.grad(f)(x).data(), xd.map(d1), { rtol: 1e-14, atol: 1e-15 }, 'grad');
  });

  it('float32 primals give float32 tangents close to the f64 ones', () => {
    eng.reset();
    const c = CASES.find((k) => k.name === 'an MLP with a loss')!;
    const fn = (...xs: Tensor[]) => c.f(eng, ...xs);
    const x0 = datas(c, 7), v = c.shapes.map((s, k) => randomData(sizeOf(s), 50 + k));
    const [, d64] = eng.jvp(fn, tensors(c.shapes, x0), tensors(c.shapes, v));
    const [out32, d32] = eng.jvp(fn, tensors(c.shapes, x0, 'float32'), tensors(c.shapes, v, 'float32'));
    expect(out32.dtype).toBe('float32');
    expect(d32.dtype).toBe('float32');
    expectAllClose(d32.data(), d64.data(), { rtol: 1e-4, atol: 1e-5 }, 'f32 against f64');
    const [hv32] = eng.hvp((t: Tensor) => t.tanh().pow(3).sum(), [eng.tensor([0.2, -0.4], [2])], [eng.tensor([1, 2], [2])]);
    expect(hv32.dtype).toBe('float32');
  });

  it('misuse gets named errors, and the engine keeps working', () => {
    eng.reset();
    const x = eng.tensor([1, 2, 3], [3], { dtype: 'float64' });
    const f = (t: Tensor) => t.exp();
    expect(() => eng.jvp(f, [x], [])).toThrow(WasmgradTangentError);
    expect(() => eng.jvp(f, [x], [])).toThrow(/0 tangents for 1 primals/);
    expect(() => eng.jvp(f, [x], [eng.tensor([1, 2], [2], { dtype: 'float64' })])).toThrow(/tangent 0 has shape \[2\] but primal 0 has shape \[3\]/);
    expect(() => eng.jvp(f, [x], [eng.tensor([1, 2, 3], [3], { dtype: 'float32' })])).toThrow(/tangent 0 is float32 but primal 0 is float64/);
    expect(() => eng.jvp(f, [x], ['a' as unknown as number])).toThrow(WasmgradTangentError);
    expect(() => eng.jvp((() => 3) as unknown as (t: Tensor) => Tensor, [x], [x])).toThrow(WasmgradNonScalarError);
    expect(() => eng.jvp((() => 3) as unknown as (t: Tensor) => Tensor, [x], [x])).toThrow(/f's output must be a Tensor/);
    expect(() => eng.hvp((t: Tensor) => t.sum(), [x], [eng.tensor([1], [1], { dtype: 'float64' })])).toThrow(WasmgradTangentError);
    expect(() => eng.hvp((t: Tensor) => t, [x], [x])).toThrow(WasmgradNonScalarError);
    expect(() => eng.jacobian(f, { mode: 'sideways' as 'forward' })).toThrow(/mode must be 'reverse' \(jax.jacrev\) or 'forward' \(jax.jacfwd\)/);
    expect(() => eng.jacobian(f, { mode: 'forward' })([1, 2] as unknown as Tensor)).toThrow(TypeError);
    const stale = eng.tensor([1, 2, 3], [3], { dtype: 'float64' });
    eng.reset();
    expect(() => eng.jvp(f, [eng.tensor([1, 2, 3], [3], { dtype: 'float64' })], [stale])).toThrow(/made before eng.reset\(\)/);
    const y = eng.tensor([0.5], [1], { dtype: 'float64' });
    expect(eng.jvp(f, [y], [2])[1].item()).toBeCloseTo(2 * Math.exp(0.5), 15);
  });
});
