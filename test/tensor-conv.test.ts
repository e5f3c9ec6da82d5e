// conv2d and the pools against direct loops written here, with gradchecks
// (strided, padded, non-square), and the losses against their formulas.
import { describe, expect, it } from 'vitest';
import { F, type Engine, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS, expectAllClose, gradcheck, input, tensorEngine, type GradInput } from './tensor-helpers.js';

function f64(eng: Engine, x: GradInput, requiresGrad = false): Tensor {
  return eng.tensor(Float64Array.from(x.data), x.shape, { dtype: 'float64', requiresGrad });
}

/** Direct cross-correlation, zero padding, as torch.nn.functional.conv2d. */
function convRef(x: GradInput, w: GradInput, bias: number[] | null, s: [number, number], p: [number, number]): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape, [O, , KH, KW] = w.shape;
  const HO = Math.floor((H + 2 * p[0] - KH) / s[0]) + 1, WO = Math.floor((W + 2 * p[1] - KW) / s[1]) + 1;
  const data: number[] = [];
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let acc = bias ? bias[o] : 0;
    for (let c = 0; c < C; c++) for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) {
      const h = i * s[0] - p[0] + a, ww = j * s[1] - p[1] + b;
      if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
      acc += x.data[((n * C + c) * H + h) * W + ww] * w.data[((o * C + c) * KH + a) * KW + b];
    }
    data.push(acc);
  }
  return { shape: [N, O, HO, WO], data };
}

function poolRef(x: GradInput, k: [number, number], s: [number, number], p: [number, number], kind: 'max' | 'avg'): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape;
  const HO = Math.floor((H + 2 * p[0] - k[0]) / s[0]) + 1, WO = Math.floor((W + 2 * p[1] - k[1]) / s[1]) + 1;
  const data: number[] = [];
  for (let nc = 0; nc < N * C; nc++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let m = -Infinity, sum = 0;
    for (let a = 0; a < k[0]; a++) for (let b = 0; b < k[1]; b++) {
      const h = i * s[0] - p[0] + a, ww = j * s[1] - p[1] + b;
      if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
      const v = x.data[nc * H * W + h * W + ww];
      m = Math.max(m, v);
      sum += v;
    }
    data.push(kind === 'max' ? m : sum / (k[0] * k[1]));
  }
  return { shape: [N, C, HO, WO], data };
}

const CONVS: { x: number[]; w: number[]; stride: [number, number]; padding: [number, number]; bias: boolean }[] = [
  { x: [2, 3, 5, 5], w: [4, 3, 3, 3], stride: [1, 1], padding: [0, 0], bias: false },
  { x: [2, 2, 6, 5], w: [3, 2, 3, 2], stride: [2, 1], padding: [1, 2], bias: true },
  { x: [1, 3, 7, 7], w: [2, 3, 3, 3], stride: [2, 2], padding: [1, 1], bias: true },
];

describe.each(TENSOR_BACKENDS)('conv2d, pools and losses (%s)', (backend) => {
  for (const c of CONVS) {
    it(`conv2d x ${JSON.stringify(c.x)} w ${JSON.stringify(c.w)} stride ${c.stride} padding ${c.padding}${c.bias ? ' + bias' : ''}`, async () => {
      const eng = await tensorEngine(backend);
      const x = input(c.x, 1), w = input(c.w, 2), b = input([c.w[0]], 3);
      const expected = convRef(x, w, c.bias ? b.data : null, c.stride, c.padding);
      const opts = { stride: c.stride, padding: c.padding };
      const y = F.conv2d(f64(eng, x), f64(eng, w), c.bias ? f64(eng, b) : null, opts);
      expect(y.shape).toEqual(expected.shape);
      expectAllClose(y.data(), expected.data, { rtol: 1e-12, atol: 1e-12 });
      const y32 = F.conv2d(eng.tensor(x.data, x.shape), eng.tensor(w.data, w.shape), c.bias ? eng.tensor(b.data) : null, opts);
      expectAllClose(y32.data(), expected.data, { rtol: 1e-4, atol: 1e-5 }, 'f32');
      if (c.bias) gradcheck(eng, ([p, q, r]) => F.conv2d(p, q, r, opts), [x, w, b], {}, 'conv2d');
      else gradcheck(eng, ([p, q]) => F.conv2d(p, q, null, opts), [x, w], {}, 'conv2d');
    });
  }

  const POOLS: { x: number[]; k: [number, number]; stride: [number, number]; padding: [number, number] }[] = [
    { x: [2, 2, 4, 4], k: [2, 2], stride: [2, 2], padding: [0, 0] },
    { x: [1, 3, 5, 6], k: [3, 2], stride: [1, 2], padding: [1, 1] },
    { x: [2, 1, 7, 7], k: [3, 3], stride: [2, 2], padding: [1, 0] },
  ];
  for (const kind of ['max', 'avg'] as const) {
    for (const c of POOLS) {
      it(`${kind}Pool2d x ${JSON.stringify(c.x)} kernel ${c.k} stride ${c.stride} padding ${c.padding}`, async () => {
        const eng = await tensorEngine(backend);
        const x = input(c.x, 4);
        const pool = kind === 'max' ? F.maxPool2d : F.avgPool2d;
        const expected = poolRef(x, c.k, c.stride, c.padding, kind);
        const y = pool(f64(eng, x), c.k, { stride: c.stride, padding: c.padding });
        expect(y.shape).toEqual(expected.shape);
        expectAllClose(y.data(), expected.data, { rtol: 1e-12, atol: 1e-14 });
        gradcheck(eng, ([t]) => pool(t, c.k, { stride: c.stride, padding: c.padding }), [x], {}, `${kind}Pool2d`);
      });
    }
  }

  it('maxPool2d sends the gradient to the first maximum of a window, and padding never wins', async () => {
    const eng = await tensorEngine(backend);
    const x = eng.tensor([[[[1, 3], [3, 0]]]], undefined, { dtype: 'float64', requiresGrad: true });
    F.maxPool2d(x, 2).sum().backward();
    expect(Array.from(x.grad!)).toEqual([0, 1, 0, 0]);
    const neg = eng.tensor([[[[-5, -6], [-7, -8]]]], undefined, { dtype: 'float64' });
    expect(F.maxPool2d(neg, 2, { stride: 1, padding: 1 }).toArray()).toEqual([[[[-5, -5, -6], [-5, -5, -6], [-7, -7, -8]]]]);
    expect(F.avgPool2d(neg, 2, { stride: 2, padding: 1 }).toArray()).toEqual([[[[-5 / 4, -6 / 4], [-7 / 4, -8 / 4]]]]);
  });

  it('crossEntropy is the mean of −log softmax at the target, with gradient (softmax − onehot)/B', async () => {
    const eng = await tensorEngine(backend);
    const z = input([3, 4], 5, -3, 3);
    const targets = [2, 0, 3];
    let expected = 0;
    const grad: number[] = [];
    for (let i = 0; i < 3; i++) {
      const row = z.data.slice(i * 4, i * 4 + 4);
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      expected += (lse - row[targets[i]]) / 3;
      row.forEach((v, j) => grad.push((Math.exp(v - lse) - (j === targets[i] ? 1 : 0)) / 3));
    }
    const logits = f64(eng, z, true);
    const loss = F.crossEntropy(logits, targets);
    expect(loss.item()).toBeCloseTo(expected, 12);
    loss.backward();
    expectAllClose(logits.grad!, grad, { rtol: 1e-10, atol: 1e-14 });
    expect(F.crossEntropy(f64(eng, z), Int32Array.from(targets)).item()).toBeCloseTo(expected, 12);
    expect(F.crossEntropy(f64(eng, z), eng.tensor(targets, undefined, { dtype: 'int32' })).item()).toBeCloseTo(expected, 12);
    gradcheck(eng, ([t]) => F.crossEntropy(t, targets), [z], {}, 'crossEntropy');
    expect(() => F.crossEntropy(f64(eng, z), [0, 1, 4])).toThrow('crossEntropy: target 2 is 4, not a class in 0..3');
  });

  it('crossEntropy stays finite for huge logits, propagates NaN, works in f32, and names bad input', async () => {
    const eng = await tensorEngine(backend);
    const huge = eng.tensor([[1000, -1000, 999], [-5000, 5000, 0]], undefined, { dtype: 'float64', requiresGrad: true });
    const loss = F.crossEntropy(huge, [2, 1]);
    expect(loss.item()).toBeCloseTo((Math.log1p(Math.exp(-1)) + 1) / 2, 12);
    loss.backward();
    const s = 1 / (1 + Math.exp(-1)); // softmax of the first row at 1000
    expectAllClose(huge.grad!, [s / 2, 0, (1 - s - 1) / 2, 0, 0, 0], { rtol: 1e-12, atol: 1e-300 });
    expect(F.crossEntropy(eng.tensor([[0, NaN], [1, 2]], undefined, { dtype: 'float64' }), [0, 0]).item()).toBeNaN();
    const z32 = eng.tensor([[0.5, -1, 2], [3, 0, -2]], undefined, { requiresGrad: true });
    const l32 = F.crossEntropy(z32, [1, 0]);
    expect(l32.dtype).toBe('float32');
    const ref = (Math.log(Math.exp(0.5) + Math.exp(-1) + Math.exp(2)) + 1 + Math.log(Math.exp(3) + 1 + Math.exp(-2)) - 3) / 2;
    expect(Math.abs(l32.item() - ref) / ref).toBeLessThan(1e-6);
    expect(() => F.crossEntropy(eng.zeros([2, 0]), [0, 0])).toThrow('crossEntropy: logits [2,0] have no classes');
    expect(() => F.crossEntropy(eng.tensor([[1, 2]], undefined, { dtype: 'int32' }), [0])).toThrow(/crossEntropy: .*int32/);
    expect(() => F.crossEntropy(z32, [0.5, 1])).toThrow('crossEntropy: target 0 is 0.5, not a class in 0..2');
    expect(F.crossEntropy(z32, [1, 0]).item()).toBe(l32.item()); // still works after the errors
  });

  it('mse and binaryCrossEntropyWithLogits match their formulas, the latter for huge logits too', async () => {
    const eng = await tensorEngine(backend);
    const p = input([2, 3], 1), t = input([2, 3], 2, 0, 1);
    const mse = p.data.reduce((s, v, i) => s + (v - t.data[i]) ** 2, 0) / 6;
    expect(F.mse(f64(eng, p), f64(eng, t)).item()).toBeCloseTo(mse, 12);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const bce = p.data.reduce((s, x, i) => s - (t.data[i] * Math.log(sig(x)) + (1 - t.data[i]) * Math.log(1 - sig(x))), 0) / 6;
    expect(F.binaryCrossEntropyWithLogits(f64(eng, p), f64(eng, t)).item()).toBeCloseTo(bce, 12);
    gradcheck(eng, ([x, y]) => F.binaryCrossEntropyWithLogits(x, y), [p, t], {}, 'bce');
    gradcheck(eng, ([x, y]) => F.mse(x, y), [p, t], {}, 'mse');
    const huge = eng.tensor([1000, -1000], undefined, { dtype: 'float64' });
    expect(F.binaryCrossEntropyWithLogits(huge, eng.tensor([0, 1], undefined, { dtype: 'float64' })).item()).toBeCloseTo(1000, 9);
  });
});
