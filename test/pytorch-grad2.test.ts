// Second derivatives against PyTorch: test/fixtures/pytorch/grad2.safetensors
// holds, for each case of make_grad2.py, PyTorch 1.13's f(x, w), its gradient
// g = ∂f/∂x taken with create_graph=True, and the gradients of ⟨g, u⟩ with
// respect to x and w (Hessian-vector products, the mixed block included).
// wasmgrad computes the same with eng.gradients(…, { createGraph: true }) and
// with backward({ createGraph: true }), on both backends, to 1e-9.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine, F, loadSafetensors, nn, type Engine, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS } from './tensor-helpers.js';

const f64 = { dtype: 'float64' } as const;

/** Each case's f, and the tensor that stands for w (a LayerNorm's weight is its parameter). */
const CASES: Record<string, (eng: Engine, x: Tensor, w: Tensor) => { y: Tensor; w: Tensor }> = {
  mlp_tanh: (_, x, w) => ({ y: x.matmul(w.t()).tanh().pow(2).sum(), w }),
  softmax_ce: (_, x, w) => ({ y: F.crossEntropy(x.matmul(w), [0, 3, 1, 4]), w }),
  logsumexp: (_, x, w) => ({ y: x.mul(w).logsumexp(1).sum(), w }),
  sigmoid_bce: (eng, x, w) => ({ y: F.binaryCrossEntropyWithLogits(x.mul(w), eng.linspace(0, 1, 6, f64)), w }),
  exp_log_div: (_, x, w) => ({ y: x.div(w).exp().mul(x.add(w).log()).mean(), w }),
  conv_relu_pool: (_, x, w) => ({ y: F.maxPool2d(F.conv2d(x, w, null, { padding: 1 }).tanh(), 2).pow(2).sum(), w }),
  layer_norm: (eng, x, w) => {
    const ln = new nn.LayerNorm(eng, 6, { bias: false, ...f64 });
    ln.loadStateDict({ weight: w });
    return { y: ln.forward(x).pow(3).sum(), w: ln.weight! };
  },
  var_sqrt: (_, x, w) => ({ y: x.mul(w).var(1).add(0.1).sqrt().sum(), w }),
  matmul_chain: (_, x, w) => ({ y: x.matmul(w).matmul(w).sin().sum(), w }),
  gelu_mean: (_, x, w) => ({ y: x.mul(w).gelu().mean(), w }),
  pow_atan2: (_, x, w) => ({ y: x.pow(w).add(x.atan2(w)).sum(), w }),
  softplus_like: (_, x, w) => ({ y: x.mul(w).exp().log1p().sum(), w }),
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], b = expected[i];
    if (!(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b))) expect.fail(`${what}: element ${i} is ${a}, PyTorch has ${b}`);
  }
}

const fixture = new Uint8Array(readFileSync(new URL('./fixtures/pytorch/grad2.safetensors', import.meta.url)));

describe.each(TENSOR_BACKENDS)('second derivatives against PyTorch (%s)', (backend) => {
  it('has a case here for every case in the file', async () => {
    const eng = await createEngine({ backend });
    const names = new Set(Object.keys(loadSafetensors(eng, fixture)).map((k) => k.slice(0, k.indexOf('.'))));
    expect([...names].sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.keys(CASES))('%s: gradients() with createGraph', async (name) => {
    const eng = await createEngine({ backend });
    const rec = loadSafetensors(eng, fixture);
    const x = eng.tensor(rec[`${name}.x`].data(), rec[`${name}.x`].shape, { ...f64, requiresGrad: true });
    const w0 = eng.tensor(rec[`${name}.w`].data(), rec[`${name}.w`].shape, { ...f64, requiresGrad: true });
    const { y, w } = CASES[name](eng, x, w0);
    expectClose(y.data(), rec[`${name}.y`].data(), `${name}: f`);
    const [gx] = eng.gradients(y, [x], { createGraph: true });
    expectClose(gx.data(), rec[`${name}.gx`].data(), `${name}: ∂f/∂x`);
    const [hx, hw] = eng.gradients(gx.mul(rec[`${name}.u`]).sum(), [x, w]);
    expectClose(hx.data(), rec[`${name}.hx`].data(), `${name}: ∂⟨g, u⟩/∂x`);
    expectClose(hw.data(), rec[`${name}.hw`].data(), `${name}: ∂⟨g, u⟩/∂w`);
  });

  it.each(Object.keys(CASES))('%s: backward({ createGraph: true }), then backward of the gradient', async (name) => {
    const eng = await createEngine({ backend });
    const rec = loadSafetensors(eng, fixture);
    const x = eng.tensor(rec[`${name}.x`].data(), rec[`${name}.x`].shape, { ...f64, requiresGrad: true });
    const w0 = eng.tensor(rec[`${name}.w`].data(), rec[`${name}.w`].shape, { ...f64, requiresGrad: true });
    const { y, w } = CASES[name](eng, x, w0);
    y.backward({ createGraph: true });
    const gx = x.gradTensor!;
    expectClose(gx.data(), rec[`${name}.gx`].data(), `${name}: x.gradTensor`);
    const gw = Array.from(w.grad!);
    const first = Array.from(x.grad!);
    gx.mul(rec[`${name}.u`]).sum().backward();
    // .grad accumulates, as PyTorch's does: the second backward adds the Hessian-vector product to the first gradient
    expectClose(Array.from(x.grad!, (v, i) => v - first[i]), rec[`${name}.hx`].data(), `${name}: x.grad after the second backward`);
    expectClose(Array.from(w.grad!, (v, i) => v - gw[i]), rec[`${name}.hw`].data(), `${name}: w.grad after the second backward`);
  });
});
