// gradgradcheck (f64 central differences of the recorded first derivative)
// over every differentiable op: each scalar op of the registry with a method, on Values,
// each elementwise op on broadcast tensors, and the composite ops, losses and
// layers built on them (softmax, logsumexp, variance, attention, layer norm,
// every loss with its options), on both backends. test/tensor-create-graph
// covers the remaining node kinds (pools, convolutions, indexing, scans).
import { describe, expect, it } from 'vitest';
import { F, gradgradcheck, type Engine, type Tensor, type Value } from '../src/index.js';
import { ELEMENTWISE, OP_ARITY, OP_INFO, OP_NAMES } from '../src/generated/ops.js';
import { TENSOR_BACKENDS, expectAllClose, randomData, tensorEngine } from './tensor-helpers.js';

const f64 = { dtype: 'float64' } as const;

/** Points in [lo, hi], away from every op's kinks and poles. */
function positive(n: number, seed: number, lo = 0.3, hi = 1.8): number[] {
  return randomData(n, seed).map((v) => lo + ((v + 2) / 4) * (hi - lo));
}

describe.each(TENSOR_BACKENDS)('gradgradcheck over every op (%s)', (backend) => {
  // the ops a Value method records (PowConst through pow with a number); the mask ops that rules record
  // (Gt, Sign, Select…) have no method and are covered by test/compile-gradients.test.ts
  const scalarOps = OP_NAMES.filter((n, id) => OP_ARITY[id] > 0 && (OP_INFO[n].method != null || n === 'PowConst'));

  it.each(scalarOps)('scalar %s', async (name) => {
    const eng = await tensorEngine(backend);
    const method = OP_INFO[name].method;
    const arity = OP_ARITY[OP_NAMES.indexOf(name)];
    const call = name === 'PowConst'
      ? (x: Value) => x.pow(2.5).mul(x)
      : arity === 1
        ? (x: Value) => (x as unknown as Record<string, () => Value>)[method!]().mul(x)
        : (x: Value, y: Value) => (x as unknown as Record<string, (y: Value) => Value>)[method!](y).mul(x);
    const points = arity === 1 || name === 'PowConst' ? [0.7] : [0.7, 1.3];
    expect(gradgradcheck(call as (...xs: Value[]) => Value, points, { engine: eng })).toBe(true);
  });

  const elementwise = Object.entries(ELEMENTWISE).map(([id, info]) => [Number(id), info] as const);

  it.each(elementwise.map(([id, info]) => [`${info.method} (${id})`, id, info.arity] as const))('tensor %s, broadcast', async (_, id, arity) => {
    const eng = await tensorEngine(backend);
    const x = eng.tensor(positive(6, id), [2, 3], f64);
    const y = eng.tensor(positive(3, id + 1), [3], f64);
    const method = ELEMENTWISE[id].method;
    const call = (a: Tensor, b: Tensor): Tensor => {
      if (id === 110) return a.gelu({ approximate: 'tanh' });
      if (method === 'leakyRelu') return a.sub(1).leakyRelu(0.1).mul(b); // both sides of 0
      const m = (a as unknown as Record<string, (b?: Tensor) => Tensor>)[method];
      return arity === 1 ? m.call(a) : m.call(a, b);
    };
    const f = (a: Tensor, b: Tensor) => call(a, b).mul(a).mul(b).sum(0);
    expect(gradgradcheck(f, [x, y], { engine: eng })).toBe(true);
  });

  const COMPOSITES: [string, number[][], (eng: Engine, ...xs: Tensor[]) => Tensor][] = [
    ['softmax', [[2, 4]], (_e, x) => x.softmax(1).mul(x).sum()],
    ['logSoftmax', [[2, 4]], (_e, x) => x.logSoftmax(0).pow(2).sum()],
    ['logsumexp', [[3, 4]], (_e, x) => x.logsumexp(1).mul(x.sum(1))],
    ['mean, var (correction 1 and 0)', [[3, 4]], (_e, x) => x.var(1).mul(x.mean(1)).add(x.var(0, { correction: 0 }).sum())],
    ['clamp, away from its bounds', [[2, 3]], (_e, x) => x.clamp(-5, 5).pow(3).sum()],
    ['gelu, exact and tanh', [[2, 3]], (_e, x) => x.gelu().mul(x.gelu({ approximate: 'tanh' })).sum()],
    ['matmul, linear with bias', [[3, 4], [2, 4], [2]], (_e, x, w, b) => F.linear(x, w, b).tanh().sum()],
    ['scaled dot-product attention, causal', [[1, 3, 2], [1, 3, 2], [1, 3, 2]], (_e, q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }).pow(2).sum()],
    ['layer norm (by hand, as LayerNorm computes it)', [[2, 5]], (_e, x) => {
      const mu = x.mean(1, { keepdims: true });
      const xc = x.sub(mu);
      return xc.div(xc.pow(2).mean(1, { keepdims: true }).add(1e-5).sqrt()).pow(3).sum();
    }],
    ['mse, l1', [[2, 3], [2, 3]], (_e, a, b) => F.mse(a, b).add(F.l1(a.mul(3), b, { reduction: 'sum' }))],
    ['smoothL1, huber', [[2, 3], [2, 3]], (_e, a, b) => F.smoothL1(a.mul(4), b, { beta: 0.5 }).add(F.huber(a.mul(4), b, { delta: 2 }))],
    ['klDiv (batchmean, logTarget)', [[2, 3], [2, 3]], (_e, a, b) => F.klDiv(a.logSoftmax(1), b.logSoftmax(1), { reduction: 'batchmean', logTarget: true })],
    ['bce, bceWithLogits', [[2, 3], [2, 3]], (_e, a, b) => F.bce(a.sigmoid(), b.sigmoid()).add(F.binaryCrossEntropyWithLogits(a, b.sigmoid()))],
    ['crossEntropy with weights and label smoothing, nll', [[3, 4], [4]], (eng, x, w) => {
      const weight = eng.tensor([0.5, 1, 2, 1.5], undefined, f64);
      return F.crossEntropy(x.mul(w), [1, 3, 0], { weight, labelSmoothing: 0.1 }).add(F.nll(x.logSoftmax(1), [2, 0, 3], { weight }));
    }],
    ['triu, tril, maskedFill, t', [[3, 3]], (eng, x) => {
      const mask = eng.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], undefined, { dtype: 'int32' });
      return x.triu(1).mul(x.tril()).add(x.maskedFill(mask, 0.5).t().mul(x)).sin().sum();
    }],
    ['split, chunk, concat', [[4, 2]], (eng, x) => {
      const [a, b] = x.split(2, 0);
      return eng.concat([b.mul(a).reshape([4, 1]), ...x.chunk(2, 1)], 1).tanh().sum();
    }],
    ['sort and topk values', [[2, 5]], (_e, x) => x.sort(1).values.mul(x).add(x.topk(2, 1).values.sum(1, { keepdims: true })).pow(2).sum()],
  ];

  it.each(COMPOSITES)('%s', async (_, shapes, f) => {
    const eng = await tensorEngine(backend);
    const xs = shapes.map((s, k) => eng.tensor(randomData(s.reduce((a, b) => a * b, 1), 40 + k), s, f64));
    expect(gradgradcheck(((...t: Tensor[]) => f(eng, ...t)) as (...t: Tensor[]) => Tensor, xs, { engine: eng })).toBe(true);
  });

  it('cumprod through zeros: the recorded gradient equals the fused one (to 1e-12: another order of sums), and its second derivatives pass gradgradcheck', async () => {
    const eng = await tensorEngine(backend);
    for (const data of [[0.5, 0, 1.5, -2, 0.7, 1.1], [0, 1.2, -0.4, 0, 2, 0.3], [1.3, 0.9, -1.1, 0.6, 0, 0]]) {
      const x = eng.tensor(data, [2, 3], { ...f64, requiresGrad: true });
      const w = eng.tensor([0.3, -1.2, 0.8, 2, -0.5, 1.7], [2, 3], f64);
      for (const axis of [0, 1]) {
        const loss = x.cumprod(axis).mul(w).sum();
        loss.backward();
        const fused = Array.from(x.grad!);
        eng.zeroGrad();
        const [recorded] = eng.gradients(loss, [x], { createGraph: true });
        expectAllClose(recorded.data(), fused, { rtol: 1e-12, atol: 1e-14 }, `${data} along ${axis}`);
        expect(recorded.data().every(Number.isFinite)).toBe(true);
        const point = eng.tensor(data, [2, 3], f64);
        expect(gradgradcheck((t: Tensor) => t.cumprod(axis).mul(w).sum().mul(t.sum()), [point], { engine: eng })).toBe(true);
      }
    }
  });
});
