// Modules: the engine's generator behind every layer's init, PyTorch's
// default inits and nn.init's formulas, names and state dicts, the new layers
// against their definitions written out here (BatchNorm's biased and unbiased
// variances, LayerNorm's eps, Dropout's scaling), gradchecks in f64, and a
// checkpoint of model and optimizer that resumes training bit for bit.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEngine, F, loadSafetensors, nn, optim, Random, saveSafetensors, encodeSafetensors, decodeSafetensors, type Engine, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS, expectAllClose, gradcheck, input, randomData, tensorEngine } from './tensor-helpers.js';

const f64 = { dtype: 'float64' } as const;
const arr = (t: { data(): ArrayLike<number> }) => Array.from(t.data());

function stats(d: number[]): { mean: number; std: number; maxAbs: number } {
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, maxAbs: Math.max(...d.map(Math.abs)) };
}

/** softmax(q kᵀ/√d + mask) v for one head, plainly: q [L, d], k [S, d], v [S, dv]. */
function attentionRef(q: number[], k: number[], v: number[], L: number, S: number, d: number, dv: number, causal: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < L; i++) {
    const s: number[] = [];
    for (let j = 0; j < S; j++) {
      let x = 0;
      for (let c = 0; c < d; c++) x += q[i * d + c] * k[j * d + c];
      s.push(causal && j > i ? -Infinity : x / Math.sqrt(d));
    }
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const z = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < dv; c++) {
      let y = 0;
      for (let j = 0; j < S; j++) y += (e[j] / z) * v[j * dv + c];
      out.push(y);
    }
  }
  return out;
}

/**
 * Every parameter's gradient of Σ w·f(x) against central differences, each
 * element moved with assign(): the module's own parameters (f64), where
 * gradcheck covers the inputs.
 */
function paramGradcheck(eng: Engine, module: nn.Module, f: () => Tensor, what: string, { rtol = 1e-6, atol = 1e-8, h = 1e-6 } = {}): void {
  const y0 = f();
  const weights = randomData(y0.size, 98, 0.5, 1.5);
  const total = () => arr(f()).reduce((s, y, i) => s + weights[i] * y, 0);
  eng.reset();
  module.zeroGrad();
  f().mul(eng.tensor(weights, y0.shape, f64)).sum().backward();
  eng.reset();
  for (const [name, p] of module.namedParameters()) {
    const analytic = Array.from(p.grad);
    const data = Float64Array.from(p.data());
    const numeric = Array.from(data, (x0, i) => {
      const step = h * Math.max(1, Math.abs(x0));
      data[i] = x0 + step; p.assign(data);
      const up = total();
      data[i] = x0 - step; p.assign(data);
      const down = total();
      data[i] = x0; p.assign(data);
      eng.reset();
      return (up - down) / (2 * step);
    });
    expectAllClose(analytic, numeric, { rtol, atol }, `${what}: d/d ${name}`);
  }
}

describe.each(TENSOR_BACKENDS)('modules (%s)', (backend) => {
  const engine = (seed?: number): Promise<Engine> => (seed === undefined ? tensorEngine(backend) : createEngine({ backend, seed }));

  describe('the engine generator', () => {
    it('gives two layers made one after the other different weights', async () => {
      const eng = await engine();
      const a = new nn.Linear(eng, 4, 4), b = new nn.Linear(eng, 4, 4);
      expect(arr(a.weight)).not.toEqual(arr(b.weight));
      const m1 = new nn.MLP(eng, 2, [3, 1]), m2 = new nn.MLP(eng, 2, [3, 1]);
      expect(m1.parameters().map((p) => p.data)).not.toEqual(m2.parameters().map((p) => p.data));
    });

    it('makes the same model from the same seed, on both backends, and another from another seed', async () => {
      const build = async (seed: number, be: 'wasm' | 'js' = backend) => {
        const eng = await createEngine({ backend: be, seed });
        const m = new nn.Sequential(new nn.Linear(eng, 3, 5), new nn.ReLU(), new nn.Linear(eng, 5, 2), new nn.Embedding(eng, 4, 3));
        return m.parameters().map(arr);
      };
      expect(await build(7)).toEqual(await build(7));
      expect(await build(7)).toEqual(await build(7, backend === 'wasm' ? 'js' : 'wasm'));
      expect(await build(7)).not.toEqual(await build(8));
      // the default seed is 42, and an explicit rng still decides alone
      const d = await engine(), e = await engine(42);
      expect(arr(new nn.Linear(d, 3, 3).weight)).toEqual(arr(new nn.Linear(e, 3, 3).weight));
      expect(arr(new nn.Linear(d, 3, 3, { rng: new Random(5) }).weight)).toEqual(arr(new nn.Linear(e, 3, 3, { rng: new Random(5) }).weight));
      expect(d.rng).toBeInstanceOf(Random);
      await expect(createEngine({ backend, seed: 1.5 })).rejects.toThrow('createEngine: seed must be an integer');
    });
  });

  describe('inits', () => {
    it('follow PyTorch per layer: Linear/Conv U(±1/√fan_in), Embedding N(0, 1), norms ones and zeros, attention xavier', async () => {
      const eng = await engine();
      const conv = new nn.Conv2d(eng, 3, 64, 3);
      const b = 1 / Math.sqrt(27);
      for (const p of conv.parameters()) {
        const s = stats(arr(p));
        expect(s.maxAbs).toBeLessThanOrEqual(b);
        expect(s.maxAbs).toBeGreaterThan(0.8 * b);
      }
      const c1 = new nn.Conv1d(eng, 4, 50, 5);
      expect(c1.weight.shape).toEqual([50, 4, 5]);
      expect(stats(arr(c1.weight)).maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(20));
      const emb = stats(arr(new nn.Embedding(eng, 100, 100).weight));
      expect(Math.abs(emb.mean)).toBeLessThan(0.05);
      expect(Math.abs(emb.std - 1)).toBeLessThan(0.05);
      const ln = new nn.LayerNorm(eng, [2, 3]);
      expect(arr(ln.weight!)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(arr(ln.bias!)).toEqual([0, 0, 0, 0, 0, 0]);
      const bn = new nn.BatchNorm2d(eng, 3);
      expect([arr(bn.weight!), arr(bn.bias!), arr(bn.runningMean!), arr(bn.runningVar!), arr(bn.numBatchesTracked!)]).toEqual([[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1], [0]]);
      const mha = new nn.MultiheadAttention(eng, 8, 2);
      expect(stats(arr(mha.inProjWeight)).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / (8 + 24)));
      expect(stats(arr(mha.inProjWeight)).maxAbs).toBeGreaterThan(0.8 * Math.sqrt(6 / (8 + 24)));
      expect(arr(mha.inProjBias!).every((x) => x === 0)).toBe(true);
      expect(arr(mha.outProj.bias!).every((x) => x === 0)).toBe(true);
    });

    it('nn.init writes PyTorch gains and fans into a parameter', async () => {
      const eng = await engine();
      expect(nn.init.fans([16, 8, 3, 3])).toEqual([72, 144]);
      expect(nn.init.calculateGain('relu')).toBe(Math.SQRT2);
      expect(nn.init.calculateGain('tanh')).toBe(5 / 3);
      expect(nn.init.calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
      const p = eng.parameter(new Float64Array(200 * 50), [200, 50], f64);
      const check = (bound: number, uniform: boolean) => {
        const s = stats(arr(p));
        if (uniform) {
          expect(s.maxAbs).toBeLessThanOrEqual(bound);
          expect(s.maxAbs).toBeGreaterThan(0.99 * bound);
        } else {
          expect(Math.abs(s.std / bound - 1)).toBeLessThan(0.03);
        }
      };
      nn.init.kaimingUniform(p); check(Math.SQRT2 * Math.sqrt(3 / 50), true);
      nn.init.kaimingUniform(p, { mode: 'fanOut', nonlinearity: 'relu' }); check(Math.SQRT2 * Math.sqrt(3 / 200), true);
      nn.init.kaimingNormal(p); check(Math.SQRT2 / Math.sqrt(50), false);
      nn.init.xavierUniform(p, { gain: 2 }); check(2 * Math.sqrt(6 / 250), true);
      nn.init.xavierNormal(p); check(Math.sqrt(2 / 250), false);
      nn.init.normal(p, { mean: 0, std: 0.02 }); check(0.02, false);
      nn.init.uniform(p, { a: -0.5, b: 0.5 }); check(0.5, true);
      nn.init.zeros(p); expect(arr(p).every((x) => x === 0)).toBe(true);
      nn.init.ones(p); expect(arr(p).every((x) => x === 1)).toBe(true);
      nn.init.constant(p, 0.25); expect(arr(p).every((x) => x === 0.25)).toBe(true);
      const q = eng.parameter(new Float64Array(6), [2, 3], f64);
      nn.init.normal(p, { rng: new Random(3) }).data();
      nn.init.normal(q, { rng: new Random(3) });
      expect(arr(q)).toEqual(arr(p).slice(0, 6));
      expect(() => nn.init.kaimingUniform(eng.parameter([1, 2]))).toThrow('kaimingUniform: fan in and fan out need a tensor of at least 2 dims');
    });
  });

  describe('names and state dicts', () => {
    class Block extends nn.Module {
      fc1: nn.Linear;
      seq: nn.Sequential;
      bn: nn.BatchNorm1d;
      attn: nn.MultiheadAttention;
      heads: nn.Linear[];
      constructor(eng: Engine) {
        super();
        this.fc1 = new nn.Linear(eng, 4, 4);
        this.seq = new nn.Sequential(new nn.Linear(eng, 4, 3), (x) => x.relu(), new nn.Dropout(0.1), new nn.Linear(eng, 3, 2, { bias: false }));
        this.bn = new nn.BatchNorm1d(eng, 2);
        this.attn = new nn.MultiheadAttention(eng, 4, 2);
        this.heads = [new nn.Linear(eng, 2, 1)];
      }
      forward(x: Tensor): Tensor {
        return this.heads[0].forward(this.bn.forward(this.seq.forward(this.fc1.forward(x))));
      }
    }

    it('names parameters, buffers and modules as PyTorch does', async () => {
      const eng = await engine();
      const m = new Block(eng);
      expect(m.namedParameters().map(([n]) => n)).toEqual([
        'fc1.weight', 'fc1.bias', 'seq.0.weight', 'seq.0.bias', 'seq.3.weight', 'bn.weight', 'bn.bias',
        'attn.in_proj_weight', 'attn.in_proj_bias', 'attn.out_proj.weight', 'attn.out_proj.bias', 'heads.0.weight', 'heads.0.bias',
      ]);
      expect(m.namedBuffers().map(([n]) => n)).toEqual(['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
      expect(Object.keys(m.stateDict())).toEqual([
        'fc1.weight', 'fc1.bias', 'seq.0.weight', 'seq.0.bias', 'seq.3.weight', 'bn.weight', 'bn.bias',
        'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
        'attn.in_proj_weight', 'attn.in_proj_bias', 'attn.out_proj.weight', 'attn.out_proj.bias', 'heads.0.weight', 'heads.0.bias',
      ]);
      expect(m.stateDict()['attn.in_proj_weight'].shape).toEqual([12, 4]);
      expect(m.namedChildren().map(([n]) => n)).toEqual(['fc1', 'seq', 'bn', 'attn', 'heads.0']);
      expect(m.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'seq', 'seq.0', 'seq.2', 'seq.3', 'bn', 'attn', 'attn.out_proj', 'heads.0']);
      expect(m.parameters()).toHaveLength(13);
      expect(m.int64Keys()).toEqual(['bn.num_batches_tracked']);
      expect(String(m.seq)).toBe('Sequential(\n  (0): Linear(4, 3)\n  (2): Dropout(p=0.1)\n  (3): Linear(3, 2, bias=false)\n)');
      expect(inspect(m.seq)).toBe(String(m.seq));
      expect(m.training).toBe(true);
      m.eval();
      expect(m.modules().every((c) => !c.training)).toBe(true);
      m.train();
      expect(m.modules().every((c) => c.training)).toBe(true);
    });

    it('names the scalar MLP\'s parameters by attribute, and loads them into another MLP', async () => {
      const eng = await engine();
      const a = new nn.MLP(eng, 2, [3, 1]), b = new nn.MLP(eng, 2, [3, 1]);
      const names = a.namedParameters().map(([n]) => n);
      expect(names.slice(0, 4)).toEqual(['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b', 'layers.0.neurons.1.w.0']);
      expect(names).toHaveLength(13);
      expect(a.namedParameters().map(([, p]) => p)).toEqual(a.parameters());
      b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
      expect(b.parameters().map((p) => p.data)).toEqual(a.parameters().map((p) => p.data));
      expect(() => b.loadStateDict({ x: 1 })).toThrow("loadStateDict: missing keys 'layers.0.neurons.0.w.0'");
    });

    it('round-trips through .safetensors into a model of other weights, buffers and int64 counter included', async () => {
      const eng = await engine(1);
      const m = new Block(eng);
      m.forward(eng.randn([5, 4])); // moves the running statistics and the counter
      const bytes = saveSafetensors(m.stateDict(), { int64: m.int64Keys() });
      expect(decodeSafetensors(bytes).tensors.get('bn.num_batches_tracked')!.dtype).toBe('int32');
      expect(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))))).toContain('"bn.num_batches_tracked":{"dtype":"I64"');
      const other = new Block(await engine(2));
      const before = arr(other.fc1.weight);
      const eng2 = other.fc1.engine;
      expect(other.loadStateDict(loadSafetensors(eng2, bytes))).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(arr(other.fc1.weight)).not.toEqual(before);
      for (const [k, t] of Object.entries(m.stateDict())) expect(arr(other.stateDict()[k]), k).toEqual(arr(t));
      expect(arr(other.bn.numBatchesTracked!)).toEqual([1]);
    });

    it('loadStateDict names missing and unexpected keys and shape mismatches, and changes nothing when it refuses', async () => {
      const eng = await engine();
      const m = new nn.Sequential(new nn.Linear(eng, 2, 3), new nn.Tanh(), new nn.Linear(eng, 3, 1));
      const sd = { ...m.stateDict() } as Record<string, Tensor>;
      delete sd['2.bias'];
      sd['2.extra'] = eng.zeros([1]);
      expect(() => m.loadStateDict(sd)).toThrow("loadStateDict: missing keys '2.bias'; unexpected keys '2.extra' (pass { strict: false } to load the keys that match)");
      expect(m.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['2.extra'] });
      const before = arr(m.layers[0] instanceof nn.Linear ? m.layers[0].weight : eng.zeros([1]));
      const bad = { ...m.stateDict(), '0.weight': eng.zeros([2, 3]), '0.bias': eng.ones([3]) };
      expect(() => m.loadStateDict(bad)).toThrow("loadStateDict: size mismatch: '0.weight' has shape [2,3] in the record and [3,2] in the model");
      expect(arr((m.layers[0] as nn.Linear).weight)).toEqual(before);
      expect(() => m.loadStateDict({ ...m.stateDict(), '0.bias': [1, 2, 3] as never })).toThrow("loadStateDict: '0.bias' is");
    });
  });

  describe('layers against their definitions', () => {
    it('Dropout zeroes with probability p, scales the rest by 1/(1 − p), and is the identity in eval', async () => {
      const eng = await engine();
      const drop = new nn.Dropout(0.25);
      const x = eng.tensor(randomData(4000, 1, 0.5, 2), [40, 100], { dtype: 'float64', requiresGrad: true });
      const y = drop.forward(x);
      const xd = arr(x), yd = arr(y);
      let zeros = 0;
      for (let i = 0; i < xd.length; i++) {
        if (yd[i] === 0) zeros++;
        else expect(yd[i]).toBeCloseTo(xd[i] / 0.75, 14);
      }
      expect(Math.abs(zeros / 4000 - 0.25)).toBeLessThan(0.03);
      y.sum().backward();
      expect(arr({ data: () => x.grad! }).map((g, i) => (yd[i] === 0 ? g === 0 : Math.abs(g - 1 / 0.75) < 1e-14))).not.toContain(false);
      drop.eval();
      expect(drop.forward(x)).toBe(x);
      expect(new nn.Dropout(0).forward(x)).toBe(x);
      expect(arr(new nn.Dropout(1).forward(x)).every((v) => v === 0)).toBe(true);
      // a mask from the engine generator: the same seed gives the same mask on both backends
      const masks = await Promise.all((['wasm', 'js'] as const).map(async (b) => {
        const e = await createEngine({ backend: b, seed: 3 });
        return arr(new nn.Dropout(0.5).forward(e.ones([50])));
      }));
      expect(masks[0]).toEqual(masks[1]);
      expect(() => new nn.Dropout(1.5)).toThrow('Dropout: p must be a probability in [0, 1]');
    });

    it('LayerNorm normalises the last dims with the biased variance and eps inside the root', async () => {
      const eng = await engine();
      for (const eps of [1e-5, 0.5]) {
        const ln = new nn.LayerNorm(eng, 4, { eps, dtype: 'float64' });
        ln.weight!.assign([1, 2, 3, 4]);
        ln.bias!.assign([0.5, 0, -0.5, 1]);
        const xs = randomData(12, 2);
        const y = arr(ln.forward(eng.tensor(xs, [3, 4], f64)));
        const expected: number[] = [];
        for (let r = 0; r < 3; r++) {
          const row = xs.slice(r * 4, r * 4 + 4);
          const mean = row.reduce((a, b) => a + b, 0) / 4;
          const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
          row.forEach((x, c) => expected.push(((x - mean) / Math.sqrt(v + eps)) * (c + 1) + [0.5, 0, -0.5, 1][c]));
        }
        expectAllClose(y, expected, { rtol: 1e-12, atol: 1e-12 }, `eps ${eps}`);
      }
      const plain = new nn.LayerNorm(eng, [2, 3], { elementwiseAffine: false, dtype: 'float64' });
      expect(plain.parameters()).toHaveLength(0);
      gradcheck(eng, ([x]) => plain.forward(x), [input([2, 2, 3], 3)], {}, 'LayerNorm');
      const affine = new nn.LayerNorm(eng, 3, { dtype: 'float64' });
      affine.weight!.assign([0.5, -1, 2]);
      gradcheck(eng, ([x]) => affine.forward(x), [input([4, 3], 4)], {}, 'LayerNorm affine');
    });

    it('BatchNorm normalises with the biased batch variance and tracks the unbiased one', async () => {
      const eng = await engine();
      const bn = new nn.BatchNorm1d(eng, 2, { dtype: 'float64' });
      const xs = randomData(10, 5);
      const y = arr(bn.forward(eng.tensor(xs, [5, 2], f64)));
      const col = (c: number) => [0, 1, 2, 3, 4].map((n) => xs[n * 2 + c]);
      const mean = [0, 1].map((c) => col(c).reduce((a, b) => a + b, 0) / 5);
      const biased = [0, 1].map((c) => col(c).reduce((a, b) => a + (b - mean[c]) ** 2, 0) / 5);
      const unbiased = biased.map((v) => (v * 5) / 4);
      expectAllClose(y, xs.map((x, i) => (x - mean[i % 2]) / Math.sqrt(biased[i % 2] + 1e-5)), {}, 'train output');
      expectAllClose(arr(bn.runningMean!), mean.map((m) => 0.1 * m), {}, 'running_mean');
      expectAllClose(arr(bn.runningVar!), unbiased.map((v) => 0.9 + 0.1 * v), {}, 'running_var');
      expect(arr(bn.numBatchesTracked!)).toEqual([1]);
      bn.eval();
      const z = arr(bn.forward(eng.tensor(xs, [5, 2], f64)));
      expectAllClose(z, xs.map((x, i) => (x - 0.1 * mean[i % 2]) / Math.sqrt(0.9 + 0.1 * unbiased[i % 2] + 1e-5)), {}, 'eval output');
      expect(arr(bn.numBatchesTracked!)).toEqual([1]);
      bn.train();
      bn.weight!.assign([2, -0.5]);
      gradcheck(eng, ([x]) => bn.forward(x), [input([4, 2, 3], 6)], {}, 'BatchNorm1d [N, C, L]');
      const bn2 = new nn.BatchNorm2d(eng, 3, { dtype: 'float64' });
      gradcheck(eng, ([x]) => bn2.forward(x), [input([2, 3, 2, 2], 7)], {}, 'BatchNorm2d');
      bn2.eval();
      gradcheck(eng, ([x]) => bn2.forward(x), [input([2, 3, 2, 2], 8)], {}, 'BatchNorm2d eval');
      expect(() => bn2.forward(eng.zeros([2, 4, 2, 2]))).toThrow('BatchNorm2d: expected an input [N, C, H, W] with C = 3, got [2,4,2,2]');
    });

    it('Embedding looks rows up for indices of any shape, and gathers their gradients', async () => {
      const eng = await engine();
      const emb = new nn.Embedding(eng, 5, 3, { dtype: 'float64' });
      const w = arr(emb.weight);
      const idx = eng.tensor([[0, 4], [4, 2]], undefined, { dtype: 'int32' });
      const y = emb.forward(idx);
      expect(y.shape).toEqual([2, 2, 3]);
      expect(arr(y)).toEqual([0, 4, 4, 2].flatMap((i) => w.slice(i * 3, i * 3 + 3)));
      y.mul(eng.tensor([1, 2, 3], undefined, f64)).sum().backward();
      expect(Array.from(emb.weight.grad)).toEqual([1, 2, 3, 0, 0, 0, 1, 2, 3, 0, 0, 0, 2, 4, 6]);
      expect(emb.forward([1]).shape).toEqual([1, 3]);
    });

    it('Conv1d is a convolution along one axis; Flatten and the activation modules', async () => {
      const eng = await engine();
      const conv = new nn.Conv1d(eng, 2, 3, 3, { padding: 1, stride: 2, dtype: 'float64' });
      const xs = randomData(2 * 2 * 7, 8);
      const y = conv.forward(eng.tensor(xs, [2, 2, 7], f64));
      expect(y.shape).toEqual([2, 3, 4]);
      const w = arr(conv.weight), b = arr(conv.bias!);
      const expected: number[] = [];
      for (let n = 0; n < 2; n++) for (let o = 0; o < 3; o++) for (let t = 0; t < 4; t++) {
        let s = b[o];
        for (let c = 0; c < 2; c++) for (let k = 0; k < 3; k++) {
          const p = t * 2 - 1 + k;
          if (p >= 0 && p < 7) s += w[(o * 2 + c) * 3 + k] * xs[(n * 2 + c) * 7 + p];
        }
        expected.push(s);
      }
      expectAllClose(arr(y), expected, {}, 'Conv1d');
      gradcheck(eng, ([x]) => conv.forward(x), [input([1, 2, 5], 9)], {}, 'Conv1d');
      expect(new nn.Flatten().forward(eng.zeros([2, 3, 4, 5])).shape).toEqual([2, 60]);
      expect(new nn.Flatten(0, 1).forward(eng.zeros([2, 3, 4])).shape).toEqual([6, 4]);
      const x = eng.tensor([-2, -0.5, 0.5, 2], undefined, f64);
      const same = (m: nn.Module, t: Tensor) => expect(arr((m as unknown as { forward(x: Tensor): Tensor }).forward(x))).toEqual(arr(t));
      same(new nn.ReLU(), x.relu());
      same(new nn.Tanh(), x.tanh());
      same(new nn.Sigmoid(), x.sigmoid());
      same(new nn.GELU(), x.gelu());
      same(new nn.GELU('tanh'), x.gelu({ approximate: 'tanh' }));
      same(new nn.LeakyReLU(0.2), x.leakyRelu(0.2));
      same(new nn.Softmax(0), x.softmax(0));
    });

    it('passes a gradcheck of every parameter in f64: Linear, Conv1d, Conv2d, Embedding, LayerNorm, BatchNorm, MultiheadAttention', async () => {
      const eng = await engine();
      const keep = (shape: number[], seed: number) => eng.keep(eng.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed), shape, f64));
      const o = { dtype: 'float64' } as const;
      const cases: [string, nn.Module, Tensor][] = [
        ['Linear', new nn.Linear(eng, 3, 2, o), keep([4, 3], 40)],
        ['Conv1d', new nn.Conv1d(eng, 2, 2, 3, { ...o, padding: 1 }), keep([2, 2, 4], 41)],
        ['Conv2d', new nn.Conv2d(eng, 2, 2, 2, o), keep([1, 2, 3, 3], 42)],
        ['LayerNorm', new nn.LayerNorm(eng, 3, o), keep([4, 3], 43)],
        ['BatchNorm1d', new nn.BatchNorm1d(eng, 3, o), keep([4, 3], 44)],
        ['BatchNorm2d', new nn.BatchNorm2d(eng, 2, o), keep([2, 2, 2, 2], 45)],
        ['MultiheadAttention', new nn.MultiheadAttention(eng, 4, 2, o), keep([2, 3, 4], 46)],
      ];
      for (const [what, m, x] of cases) {
        const fwd = m as unknown as { forward(x: Tensor): Tensor };
        paramGradcheck(eng, m, () => fwd.forward(x), what);
      }
      const emb = new nn.Embedding(eng, 4, 3, o);
      paramGradcheck(eng, emb, () => emb.forward([3, 0, 3, 1]).tanh(), 'Embedding');
    });

    it('scaledDotProductAttention is softmax(q·kᵀ/√d + mask)·v, causal or masked', async () => {
      const eng = await engine();
      const [L, S, d] = [4, 4, 3];
      const q = randomData(2 * L * d, 10), k = randomData(2 * S * d, 11), v = randomData(2 * S * 2, 12);
      for (const causal of [false, true]) {
        const y = F.scaledDotProductAttention(eng.tensor(q, [2, L, d], f64), eng.tensor(k, [2, S, d], f64), eng.tensor(v, [2, S, 2], f64), { isCausal: causal });
        const expected = [0, 1].flatMap((b) => attentionRef(q.slice(b * L * d, (b + 1) * L * d), k.slice(b * S * d, (b + 1) * S * d), v.slice(b * S * 2, (b + 1) * S * 2), L, S, d, 2, causal));
        expectAllClose(arr(y), expected, {}, `causal ${causal}`);
      }
      const lower = eng.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], undefined, { dtype: 'int32' });
      const args = [eng.tensor(q, [2, L, d], f64), eng.tensor(k, [2, S, d], f64), eng.tensor(v, [2, S, 2], f64)] as const;
      expect(arr(F.scaledDotProductAttention(...args, { attnMask: lower }))).toEqual(arr(F.scaledDotProductAttention(...args, { isCausal: true })));
      gradcheck(eng, ([a, b, c]) => F.scaledDotProductAttention(a, b, c, { isCausal: true }), [input([2, 3, 2], 13), input([2, 3, 2], 14), input([2, 3, 2], 15)], {}, 'sdpa');
    });

    it('MultiheadAttention splits the packed q, k, v projections into heads (batch first)', async () => {
      const eng = await engine();
      const [E, H, L] = [4, 2, 3];
      const mha = new nn.MultiheadAttention(eng, E, H, { dtype: 'float64' });
      mha.inProjBias!.assign(randomData(3 * E, 20));
      mha.outProj.bias!.assign(randomData(E, 21));
      const xs = randomData(L * E, 22);
      const y = arr(mha.forward(eng.tensor(xs, [1, L, E], f64), undefined, undefined, { isCausal: true }));
      const W = arr(mha.inProjWeight), B = arr(mha.inProjBias!), Wo = arr(mha.outProj.weight), Bo = arr(mha.outProj.bias!);
      const proj = (part: number, head: number) => {
        const out: number[] = [];
        for (let t = 0; t < L; t++) for (let c = 0; c < E / H; c++) {
          const row = part * E + head * (E / H) + c;
          let s = B[row];
          for (let i = 0; i < E; i++) s += W[row * E + i] * xs[t * E + i];
          out.push(s);
        }
        return out;
      };
      const heads = [0, 1].map((h) => attentionRef(proj(0, h), proj(1, h), proj(2, h), L, L, E / H, E / H, true));
      const expected: number[] = [];
      for (let t = 0; t < L; t++) for (let o = 0; o < E; o++) {
        let s = Bo[o];
        for (let h = 0; h < H; h++) for (let c = 0; c < E / H; c++) s += Wo[o * E + h * (E / H) + c] * heads[h][t * (E / H) + c];
        expected.push(s);
      }
      expectAllClose(y, expected, {}, 'MultiheadAttention');
      gradcheck(eng, ([x]) => mha.forward(x, x, x, { isCausal: true }), [input([2, 3, 4], 23)], {}, 'MultiheadAttention');
      gradcheck(eng, ([a, b]) => mha.forward(a, b), [input([1, 2, 4], 24), input([1, 3, 4], 25)], {}, 'MultiheadAttention cross');
      expect(() => new nn.MultiheadAttention(eng, 6, 4)).toThrow('MultiheadAttention: embedDim 6 is not divisible by numHeads 4');
    });
  });

  it('refuses bad arguments with messages that name the module', async () => {
    const eng = await engine();
    const cases: [() => unknown, string][] = [
      [() => new nn.LayerNorm(eng, 4, { epsilon: 1 } as never), "LayerNorm: unknown option 'epsilon'"],
      [() => new nn.LayerNorm(eng, 4).forward(eng.zeros([2, 3])), "LayerNorm: the input's last dims must be [4], got [2,3]"],
      [() => new nn.BatchNorm1d(eng, 2).forward(eng.zeros([1, 2])), 'BatchNorm1d: expected more than 1 value per channel when training, got input [1,2]'],
      [() => new nn.BatchNorm1d(eng, 2, { momentum: 2 }), 'BatchNorm1d: momentum must be in [0, 1], got 2'],
      [() => new nn.Conv1d(eng, 2, 2, 3).forward(eng.zeros([2, 5])), 'Conv1d: expected an input [batch, channels, length], got [2,5]'],
      [() => new nn.Embedding(eng, 0, 2), 'Embedding: numEmbeddings must be a positive integer, got 0'],
      [() => new nn.Linear({} as never, 2, 2), 'Linear: the first argument must be the engine'],
      [() => new nn.MultiheadAttention(eng, 4, 2).forward(eng.zeros([2, 4])), 'MultiheadAttention: query must be [batch, seq, 4] (batch first), got [2,4]'],
      [() => new nn.Flatten(2).forward(eng.zeros([2, 3])), 'Flatten: dims 2..-1 are out of range for a tensor of shape [2,3]'],
      [() => F.scaledDotProductAttention(eng.zeros([2, 3]), eng.zeros([2, 4]), eng.zeros([2, 4])), 'scaledDotProductAttention: q [2,3] and k [2,4] differ in their last dim'],
      [() => F.scaledDotProductAttention(eng.zeros([2, 3]), eng.zeros([2, 3]), eng.zeros([2, 3]), { isCausal: true, attnMask: eng.zeros([2, 2]) }), 'scaledDotProductAttention: pass isCausal or attnMask, not both'],
      [() => nn.init.kaimingNormal(eng.parameter([[1, 2]]), { mode: 'fan_in' as never }), "kaimingNormal: mode must be 'fanIn' or 'fanOut', got the string \"fan_in\""],
      [() => new nn.Linear(eng, 2, 2).loadStateDict({ 'weight': eng.zeros([2, 2]) }, { strict: 'no' as never }), 'loadStateDict: strict must be true or false'],
    ];
    for (const [f, message] of cases) expect(f, message).toThrow(message);
  });

  describe('checkpoints', () => {
    const X = randomData(8 * 3, 30), Y = randomData(8, 31);
    const stepOnce = (eng: Engine, model: nn.Sequential, opt: optim.Optimizer, schedule: optim.LRSchedule) => {
      eng.step(() => {
        const loss = F.mse(model.forward(eng.tensor(X, [8, 3])), eng.tensor(Y, [8, 1]));
        opt.zeroGrad();
        loss.backward();
        opt.step();
        schedule.step();
      });
    };
    const makers: [string, (m: nn.Module) => optim.SGD | optim.Adam][] = [
      ['SGD with momentum', (m) => new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 })],
      ['SGD', (m) => new optim.SGD(m.parameters(), { lr: 0.05 })],
      ['Adam', (m) => new optim.Adam(m.parameters(), { lr: 0.01 })],
      ['AdamW', (m) => new optim.AdamW(m.parameters(), { lr: 0.01 })],
    ];
    it.each(makers)('model + %s + cosine schedule resume training bit for bit', async (_name, makeOpt) => {
      const build = (eng: Engine) => new nn.Sequential(new nn.Linear(eng, 3, 8), new nn.GELU(), new nn.LayerNorm(eng, 8), new nn.Linear(eng, 8, 1));
      const eng = await engine(1);
      const model = build(eng);
      const opt = makeOpt(model);
      const schedule = new optim.CosineAnnealingLR(opt, { tMax: 8, warmupSteps: 2 });
      for (let i = 0; i < 3; i++) stepOnce(eng, model, opt, schedule);
      const weights = saveSafetensors(model.stateDict(), { int64: model.int64Keys() });
      const sd = opt.stateDict();
      const buffers = encodeSafetensors(new Map(Object.entries(sd.state)));
      const meta = JSON.stringify({ step: sd.step, lr: sd.lr, hyper: sd.hyper, schedule: schedule.stateDict() });
      for (let i = 0; i < 3; i++) stepOnce(eng, model, opt, schedule);

      const eng2 = await engine(99);
      const fresh = build(eng2);
      const opt2 = makeOpt(fresh);
      const schedule2 = new optim.CosineAnnealingLR(opt2, { tMax: 8, warmupSteps: 2 });
      fresh.loadStateDict(loadSafetensors(eng2, weights));
      const state = Object.fromEntries([...decodeSafetensors(buffers).tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
      const saved = JSON.parse(meta);
      opt2.loadStateDict({ ...saved, state });
      schedule2.loadStateDict(saved.schedule);
      eng2.reset();
      for (let i = 0; i < 3; i++) stepOnce(eng2, fresh, opt2, schedule2);
      const a = model.parameters().map(arr), b = fresh.parameters().map(arr);
      expect(b).toEqual(a);
      expect(opt2.stateDict().step).toBe(6);
      expect(opt2.lr).toBe(opt.lr);
    });

    it('an optimizer refuses state of another shape or kind', async () => {
      const eng = await engine();
      const l = new nn.Linear(eng, 2, 2);
      const sgd = new optim.SGD(l.parameters(), { lr: 0.1, momentum: 0.9 });
      const adam = new optim.Adam(l.parameters());
      expect(() => sgd.loadStateDict(adam.stateDict())).toThrow("SGD.loadStateDict: the state dict has no '0.momentum_buffer' (parameter 0)");
      expect(() => new optim.SGD(l.parameters(), { lr: 0.1 }).loadStateDict(sgd.stateDict())).toThrow("SGD.loadStateDict: unexpected state '0.momentum_buffer', '1.momentum_buffer'");
      const other = new optim.Adam(new nn.Linear(eng, 3, 2).parameters());
      expect(() => adam.loadStateDict(other.stateDict())).toThrow("Adam.loadStateDict: '0.exp_avg' must have parameter 0's shape [2,2], got [2,3]");
    });
  });

  it('MaxPool2d and AvgPool2d modules are F.maxPool2d and F.avgPool2d with PyTorch\'s defaults (stride = kernel), no parameters', async () => {
    const eng = await tensorEngine(backend);
    const x = eng.randn([2, 3, 6, 6]);
    expect(arr(new nn.MaxPool2d(2).forward(x))).toEqual(arr(F.maxPool2d(x, 2)));
    expect(arr(new nn.AvgPool2d(3, { stride: 1, padding: 1 }).forward(x))).toEqual(arr(F.avgPool2d(x, 3, { stride: 1, padding: 1 })));
    expect(new nn.MaxPool2d(2).parameters()).toHaveLength(0);
    expect(String(new nn.MaxPool2d(2))).toBe('MaxPool2d(kernel_size=2, stride=2, padding=0)');
    expect(() => new nn.MaxPool2d(2, { dilation: 2 } as never)).toThrow(/MaxPool2d/);
  });
});
