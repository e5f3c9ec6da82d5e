// The losses of F beyond the fused crossEntropy, against their PyTorch
// definitions written out in plain JS, with gradients by central differences,
// each reduction, and the errors that name the loss. Both backends.
import { describe, expect, it } from 'vitest';
import { F, type Engine, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS, expectAllClose, gradcheck, input, randomData, tensorEngine } from './tensor-helpers.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const f64 = (eng: Engine, data: number[], shape: number[]) => eng.tensor(Float64Array.from(data), shape, { dtype: 'float64' });

/** log softmax of each row of a [B, C] array. */
function logSoftmaxRows(x: number[], B: number, C: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < B; i++) {
    const row = x.slice(i * C, (i + 1) * C);
    const m = Math.max(...row);
    const lse = m + Math.log(sum(row.map((v) => Math.exp(v - m))));
    out.push(...row.map((v) => v - lse));
  }
  return out;
}

describe.each(TENSOR_BACKENDS)('losses (%s)', (backend) => {
  const pred = input([3, 4], 1);
  const target = input([3, 4], 2);
  const diffs = pred.data.map((p, i) => p - target.data[i]);

  it('l1, smoothL1, huber and mse match their definitions for every reduction', async () => {
    const eng = await tensorEngine(backend);
    const cases: [string, (p: Tensor, t: Tensor, r: 'mean' | 'sum' | 'none') => Tensor, (d: number) => number][] = [
      ['l1', (p, t, reduction) => F.l1(p, t, { reduction }), Math.abs],
      ['smoothL1 beta 0.5', (p, t, reduction) => F.smoothL1(p, t, { reduction, beta: 0.5 }), (d) => (Math.abs(d) < 0.5 ? (0.5 * d * d) / 0.5 : Math.abs(d) - 0.25)],
      ['huber delta 0.5', (p, t, reduction) => F.huber(p, t, { reduction, delta: 0.5 }), (d) => (Math.abs(d) <= 0.5 ? 0.5 * d * d : 0.5 * (Math.abs(d) - 0.25))],
      ['mse', (p, t, reduction) => F.mse(p, t, { reduction }), (d) => d * d],
    ];
    for (const [name, loss, ref] of cases) {
      const each = diffs.map(ref);
      const p = f64(eng, pred.data, pred.shape);
      const t = f64(eng, target.data, target.shape);
      expectAllClose(loss(p, t, 'none').data(), each, {}, `${name} none`);
      expect(loss(p, t, 'sum').item(), `${name} sum`).toBeCloseTo(sum(each), 12);
      expect(loss(p, t, 'mean').item(), `${name} mean`).toBeCloseTo(mean(each), 12);
      gradcheck(eng, ([a, b]) => loss(a, b, 'mean'), [pred, target], {}, name);
      eng.reset();
    }
    expect(F.smoothL1(f64(eng, [2], [1]), f64(eng, [0], [1]), { beta: 0 }).item()).toBe(2);
  });

  it('bce on probabilities clamps its logs at −100 as PyTorch, and agrees with bceWithLogits on σ(x)', async () => {
    const eng = await tensorEngine(backend);
    const logits = input([2, 3], 3);
    const y = { shape: [2, 3], data: randomData(6, 4, 0, 1) };
    const p = logits.data.map((x) => 1 / (1 + Math.exp(-x)));
    const ref = p.map((pi, i) => -(y.data[i] * Math.max(Math.log(pi), -100) + (1 - y.data[i]) * Math.max(Math.log1p(-pi), -100)));
    expect(F.bce(f64(eng, p, [2, 3]), f64(eng, y.data, [2, 3])).item()).toBeCloseTo(mean(ref), 12);
    expect(F.binaryCrossEntropyWithLogits(f64(eng, logits.data, [2, 3]), f64(eng, y.data, [2, 3]), { reduction: 'sum' }).item()).toBeCloseTo(sum(ref), 10);
    expect(F.bce(f64(eng, [0, 1], [2]), f64(eng, [1, 0], [2]), { reduction: 'none' }).toArray()).toEqual([100, 100]);
    gradcheck(eng, ([a, b]) => F.bce(a.sigmoid(), b), [logits, y], {}, 'bce');
  });

  it('nll and crossEntropy with class weights, label smoothing and reductions follow PyTorch', async () => {
    const eng = await tensorEngine(backend);
    const B = 4, C = 3;
    const logits = input([B, C], 5);
    const targets = [2, 0, 1, 2];
    const w = [0.2, 1.5, 0.7];
    const lp = logSoftmaxRows(logits.data, B, C);
    const picked = targets.map((t, i) => -lp[i * C + t]);
    // nll: weighted mean divides by the weights of the targets
    const nllRef = sum(picked.map((l, i) => l * w[targets[i]])) / sum(targets.map((t) => w[t]));
    const logProbs = f64(eng, logits.data, [B, C]).logSoftmax(1);
    expect(F.nll(logProbs, targets, { weight: w }).item()).toBeCloseTo(nllRef, 12);
    expect(F.nll(logProbs, targets).item()).toBeCloseTo(mean(picked), 12);
    expectAllClose(F.nll(logProbs, targets, { reduction: 'none' }).data(), picked, {}, 'nll none');
    // crossEntropy without options is the fused op; with them, the composition, equal where they overlap
    const x = f64(eng, logits.data, [B, C]);
    expect(F.crossEntropy(x, targets, { reduction: 'mean' }).item()).toBeCloseTo(F.crossEntropy(x, targets).item(), 12);
    expect(F.crossEntropy(x, targets, { weight: w }).item()).toBeCloseTo(nllRef, 12);
    // label smoothing ε: (1 − ε)·nll + ε·mean over classes of −logp, per row, then the reduction
    const eps = 0.1;
    const smoothRows = targets.map((t, i) => (1 - eps) * picked[i] + (eps * sum(lp.slice(i * C, (i + 1) * C).map((v) => -v))) / C);
    expect(F.crossEntropy(x, targets, { labelSmoothing: eps }).item()).toBeCloseTo(mean(smoothRows), 12);
    const weightedSmooth = targets.map((t, i) => (1 - eps) * picked[i] * w[t] + (eps * sum(lp.slice(i * C, (i + 1) * C).map((v, c) => -v * w[c]))) / C);
    expect(F.crossEntropy(x, targets, { labelSmoothing: eps, weight: w }).item()).toBeCloseTo(sum(weightedSmooth) / sum(targets.map((t) => w[t])), 12);
    expect(F.crossEntropy(x, targets, { labelSmoothing: eps, reduction: 'sum' }).item()).toBeCloseTo(sum(smoothRows), 12);
    gradcheck(eng, ([a]) => F.crossEntropy(a, targets, { labelSmoothing: 0.2, weight: w }), [logits], {}, 'crossEntropy smoothed, weighted');
    gradcheck(eng, ([a]) => F.nll(a.logSoftmax(1), targets, { weight: w }), [logits], {}, 'nll weighted');
  });

  it('klDiv takes log-probabilities and probabilities, and 0·log 0 = 0', async () => {
    const eng = await tensorEngine(backend);
    const logq = logSoftmaxRows(input([2, 3], 6).data, 2, 3);
    const p = [0.5, 0.5, 0, 0.2, 0.3, 0.5];
    const pointwise = p.map((pi, i) => (pi === 0 ? 0 : pi * (Math.log(pi) - logq[i])));
    const inp = f64(eng, logq, [2, 3]);
    const tgt = f64(eng, p, [2, 3]);
    expect(F.klDiv(inp, tgt).item()).toBeCloseTo(mean(pointwise), 12);
    expect(F.klDiv(inp, tgt, { reduction: 'batchmean' }).item()).toBeCloseTo(sum(pointwise) / 2, 12);
    const logp = p.map((v) => (v === 0 ? -Infinity : Math.log(v)));
    expect(F.klDiv(inp, f64(eng, logp.map((v) => (v === -Infinity ? -1e300 : v)), [2, 3]), { logTarget: true, reduction: 'sum' }).item()).toBeCloseTo(sum(pointwise), 12);
    const x = f64(eng, logq, [2, 3]);
    const g = eng.tensor(Float64Array.from(logq), [2, 3], { dtype: 'float64', requiresGrad: true });
    F.klDiv(g, tgt, { reduction: 'sum' }).backward();
    expectAllClose(g.grad!, p.map((v) => -v), {}, 'd klDiv / d input = −target');
    expect(Number.isFinite(F.klDiv(x, tgt).item())).toBe(true);
  });

  it('name themselves in errors', async () => {
    const eng = await tensorEngine(backend);
    const a = eng.zeros([4, 1], { dtype: 'float64' });
    const b = eng.zeros([4], { dtype: 'float64' });
    expect(() => F.l1(a, b)).toThrow(/^l1: pred has shape \[4,1\] and target \[4\]/);
    expect(() => F.huber(a, a, { delta: 0 })).toThrow(/huber: delta must be a number > 0/);
    expect(() => F.smoothL1(a, a, { reduction: 'avg' as 'mean' })).toThrow(/smoothL1: reduction must be 'mean', 'sum' or 'none'/);
    expect(() => F.klDiv(a, a, { reduction: 'batch' as 'mean' })).toThrow(/klDiv: reduction must be/);
    expect(() => F.nll(eng.zeros([2, 3]), [0, 3])).toThrow(/nll: target 1 is 3, not a class in 0..2/);
    expect(() => F.crossEntropy(eng.zeros([2, 3]), [0, 1], { weight: [1, 2] })).toThrow(/crossEntropy: weight must have one entry per class \(\[3\]\)/);
    expect(() => F.crossEntropy(eng.zeros([2, 3]), [0, 1], { labelSmoothing: 2 })).toThrow(/labelSmoothing must be a number in \[0, 1\]/);
    expect(() => F.crossEntropy(eng.zeros([2, 3]), [0, 1], { label_smoothing: 0.1 } as never)).toThrow(/label_smoothing/);
  });
});
