// Ops against PyTorch: test/fixtures/pytorch/ops.safetensors holds, for each
// case of test/fixtures/pytorch/make_ops.py, the inputs, the f64 output
// PyTorch 1.13 computed and the gradient of Σ c ⊙ output with respect to each
// floating input. Each case runs here through wasmgrad's own API on both
// backends; outputs and gradients must agree to 1e-9 relative. This is where
// PyTorch's conventions are pinned: biased and unbiased variance, GELU's two
// forms, smooth L1's beta and Huber's delta, label smoothing with class
// weights, batchmean KL, pooling with padding, gradient ties.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine, F, loadSafetensors, nn, type Engine, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS } from './tensor-helpers.js';

type Case = (x: Tensor[], eng: Engine) => Tensor;

const CASES: Record<string, Case> = {
  exp: ([x]) => x.exp(),
  log: ([x]) => x.log(),
  sqrt: ([x]) => x.sqrt(),
  tanh: ([x]) => x.tanh(),
  sigmoid: ([x]) => x.sigmoid(),
  relu: ([x]) => x.relu(),
  sin: ([x]) => x.sin(),
  cos: ([x]) => x.cos(),
  abs: ([x]) => x.abs(),
  log1p: ([x]) => x.log1p(),
  expm1: ([x]) => x.expm1(),
  erf: ([x]) => x.erf(),
  gelu: ([x]) => x.gelu(),
  gelu_tanh: ([x]) => x.gelu({ approximate: 'tanh' }),
  leaky_relu: ([x]) => x.leakyRelu(0.1),
  clamp: ([x]) => x.clamp(-0.5, 1),
  add: ([x, y]) => x.add(y),
  sub: ([x, y]) => x.sub(y),
  mul: ([x, y]) => x.mul(y),
  div: ([x, y]) => x.div(y),
  pow: ([x, y]) => x.pow(y),
  atan2: ([x, y]) => x.atan2(y),
  maximum: ([x, y]) => x.maximum(y),
  minimum: ([x, y]) => x.minimum(y),
  sum_keepdim: ([x]) => x.sum(1, { keepdims: true }),
  mean_02: ([x]) => x.mean([0, 2]),
  amax: ([x]) => x.max(1),
  var_unbiased: ([x]) => x.var(2),
  var_biased: ([x]) => x.var([0, 1], { correction: 0, keepdims: true }),
  logsumexp: ([x]) => x.logsumexp(1),
  softmax: ([x]) => x.softmax(-1),
  log_softmax: ([x]) => x.logSoftmax(1),
  cumsum: ([x]) => x.cumsum(1),
  cumprod: ([x]) => x.cumprod(0),
  matmul_batched: ([a, b]) => a.matmul(b),
  matmul_vec: ([a, b]) => a.matmul(b),
  transpose: ([x]) => x.transpose(0, 2),
  pad: ([x]) => x.pad([[0, 1], [1, 2]], 0.5),
  triu: ([x]) => x.triu(1),
  tril: ([x]) => x.tril(-1),
  gather: ([x, i]) => x.gather(1, i),
  scatter_add: ([x, i, s]) => x.scatterAdd(1, i, s),
  index_select: ([x, i]) => x.indexSelect(0, i),
  sort: ([x]) => x.sort(1, { descending: true }).values,
  topk: ([x]) => x.topk(2, 1).values,
  masked_fill: ([x, m]) => x.maskedFill(m, -1.5),
  where: ([m, x, y], eng) => eng.where(m, x, y),
  linear: ([x, w, b]) => F.linear(x, w, b),
  conv2d: ([x, w]) => F.conv2d(x, w, null, { stride: 2, padding: 1 }),
  max_pool2d: ([x]) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }),
  avg_pool2d: ([x]) => F.avgPool2d(x, 3, { stride: 2, padding: 1 }),
  sdpa_causal: ([q, k, v]) => F.scaledDotProductAttention(q, k, v, { isCausal: true }),
  cross_entropy: ([x, t]) => F.crossEntropy(x, t),
  cross_entropy_weight_smooth: ([x, t, w]) => F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.2 }),
  cross_entropy_sum: ([x, t]) => F.crossEntropy(x, t, { reduction: 'sum' }),
  nll: ([x, t, w]) => F.nll(x.logSoftmax(1), t, { weight: w }),
  mse_sum: ([a, b]) => F.mse(a, b, { reduction: 'sum' }),
  l1: ([a, b]) => F.l1(a, b),
  smooth_l1: ([a, b]) => F.smoothL1(a, b, { beta: 0.5 }),
  huber: ([a, b]) => F.huber(a, b, { delta: 2 }),
  kl_div_batchmean: ([a, b]) => F.klDiv(a.logSoftmax(1), b, { reduction: 'batchmean' }),
  bce: ([p, t]) => F.bce(p, t),
  bce_logits: ([x, t]) => F.binaryCrossEntropyWithLogits(x, t),
};

/** layer_norm's weight and bias are a LayerNorm module's parameters here, so its case builds the module. */
function layerNorm([x, w, b]: Tensor[], eng: Engine): { out: Tensor; grads: (Tensor | null)[] } {
  const ln = new nn.LayerNorm(eng, 5, { dtype: 'float64' });
  ln.loadStateDict({ weight: w, bias: b });
  return { out: ln.forward(x), grads: [x, ln.weight!, ln.bias!] };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], b = expected[i];
    if (!(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b))) expect.fail(`${what}: element ${i} is ${a}, PyTorch has ${b}`);
  }
}

const fixture = new Uint8Array(readFileSync(new URL('./fixtures/pytorch/ops.safetensors', import.meta.url)));

describe.each(TENSOR_BACKENDS)('ops against PyTorch (%s)', (backend) => {
  it('has a case here for every case in the file, and the other way round', async () => {
    const eng = await createEngine({ backend });
    const names = new Set(Object.keys(loadSafetensors(eng, fixture)).map((k) => k.slice(0, k.lastIndexOf('.'))));
    expect([...names].sort()).toEqual([...Object.keys(CASES), 'layer_norm'].sort());
  });

  it.each([...Object.keys(CASES), 'layer_norm'])('%s', async (name) => {
    const eng = await createEngine({ backend });
    const rec = loadSafetensors(eng, fixture);
    const inputs: Tensor[] = [];
    for (let k = 0; `${name}.in${k}` in rec; k++) {
      const t = rec[`${name}.in${k}`];
      inputs.push(`${name}.grad${k}` in rec ? eng.tensor(t.data(), t.shape, { dtype: 'float64', requiresGrad: true }) : t);
    }
    let out: Tensor;
    let holders: (Tensor | null)[] = inputs;
    if (name === 'layer_norm') ({ out, grads: holders } = layerNorm(inputs, eng));
    else out = CASES[name](inputs, eng);
    const expected = rec[`${name}.out`];
    expect(out.shape, `${name}: shape`).toEqual(expected.shape);
    expectClose(out.data(), expected.data(), `${name} output`);
    out.mul(rec[`${name}.c`]).sum().backward();
    let checked = 0;
    holders.forEach((h, k) => {
      const g = rec[`${name}.grad${k}`];
      if (g === undefined) return;
      expectClose(h!.grad!, g.data(), `${name}: gradient of input ${k}`);
      checked++;
    });
    expect(checked, `${name}: gradients checked`).toBeGreaterThan(0);
  });
});
