// Every tensor op: forward values against f64 references computed here,
// gradients against central differences (every input element perturbed),
// f32 against f64, and the gradient conventions at ties and kinks.
import { describe, expect, it } from 'vitest';
import { Random, type Engine, type Tensor } from '../src/index.js';
import {
  TENSOR_BACKENDS, broadcastRef, expectAllClose, gradcheck, input, matmulRef, randomData, tensorEngine, type GradInput,
} from './tensor-helpers.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
/** erf by its Maclaurin series, (2/√π)·Σ (−1)ⁿ x²ⁿ⁺¹/(n!(2n+1)): independent of both backends' erf, exact to ~1e-15 for |x| ≤ 2. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const gelu = (x: number) => 0.5 * x * (1 + erfSeries(x / Math.SQRT2));

interface UnaryCase {
  apply: (t: Tensor) => Tensor;
  f: (x: number) => number;
  lo?: number;
  hi?: number;
}

const UNARY: Record<string, UnaryCase> = {
  neg: { apply: (t) => t.neg(), f: (x) => -x },
  exp: { apply: (t) => t.exp(), f: Math.exp },
  log: { apply: (t) => t.log(), f: Math.log, lo: 0.1, hi: 3 },
  sqrt: { apply: (t) => t.sqrt(), f: Math.sqrt, lo: 0.1, hi: 3 },
  abs: { apply: (t) => t.abs(), f: Math.abs },
  tanh: { apply: (t) => t.tanh(), f: Math.tanh },
  sigmoid: { apply: (t) => t.sigmoid(), f: sigmoid },
  relu: { apply: (t) => t.relu(), f: (x) => Math.max(x, 0) },
  sin: { apply: (t) => t.sin(), f: Math.sin },
  cos: { apply: (t) => t.cos(), f: Math.cos },
  gelu: { apply: (t) => t.gelu(), f: gelu },
  "gelu({ approximate: 'tanh' })": { apply: (t) => t.gelu({ approximate: 'tanh' }), f: geluTanh },
  erf: { apply: (t) => t.erf(), f: erfSeries },
  log1p: { apply: (t) => t.log1p(), f: Math.log1p, lo: -0.9, hi: 3 },
  expm1: { apply: (t) => t.expm1(), f: Math.expm1 },
  leakyRelu: { apply: (t) => t.leakyRelu(), f: (x) => (x > 0 ? x : 0.01 * x) },
  'leakyRelu(0.2)': { apply: (t) => t.leakyRelu(0.2), f: (x) => (x > 0 ? x : 0.2 * x) },
  'pow 3': { apply: (t) => t.pow(3), f: (x) => x ** 3 },
  'pow 0.5': { apply: (t) => t.pow(0.5), f: Math.sqrt, lo: 0.1, hi: 3 },
  'add 2.5': { apply: (t) => t.add(2.5), f: (x) => x + 2.5 },
  'div 4': { apply: (t) => t.div(4), f: (x) => x / 4 },
  'clamp(-0.5, 1)': { apply: (t) => t.clamp(-0.5, 1), f: (x) => Math.min(Math.max(x, -0.5), 1) },
};

interface BinaryCase {
  apply: (a: Tensor, b: Tensor) => Tensor;
  f: (x: number, y: number) => number;
  lo?: number;
}

const BINARY: Record<string, BinaryCase> = {
  add: { apply: (a, b) => a.add(b), f: (x, y) => x + y },
  sub: { apply: (a, b) => a.sub(b), f: (x, y) => x - y },
  mul: { apply: (a, b) => a.mul(b), f: (x, y) => x * y },
  div: { apply: (a, b) => a.div(b), f: (x, y) => x / y, lo: 0.5 },
  pow: { apply: (a, b) => a.pow(b), f: (x, y) => x ** y, lo: 0.5 },
  maximum: { apply: (a, b) => a.maximum(b), f: Math.max },
  minimum: { apply: (a, b) => a.minimum(b), f: Math.min },
};

/** Shape pairs that exercise every broadcasting path: equal, scalar, trailing row, middle dims both ways. */
const BROADCASTS: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], []],
  [[], [4]],
  [[2, 3], [3]],
  [[4, 1], [1, 3]],
  [[2, 1, 3], [4, 1]],
];

function ref(x: GradInput, f: (v: number) => number): number[] {
  return x.data.map(f);
}

function f64(eng: Engine, x: GradInput, requiresGrad = false): Tensor {
  return eng.tensor(Float64Array.from(x.data), x.shape, { dtype: 'float64', requiresGrad });
}

describe.each(TENSOR_BACKENDS)('tensor ops (%s)', (backend) => {
  describe('unary', () => {
    for (const [name, c] of Object.entries(UNARY)) {
      it(`${name}: values in f64, f32 within 1e-4, gradient by central differences`, async () => {
        const eng = await tensorEngine(backend);
        const x = input([3, 4], 7, c.lo ?? -2, c.hi ?? 2);
        const expected = ref(x, c.f);
        expectAllClose(c.apply(f64(eng, x)).data(), expected, { rtol: 1e-12, atol: 1e-14 }, name);
        const y32 = c.apply(eng.tensor(x.data, x.shape));
        expect(y32.dtype).toBe('float32');
        expectAllClose(y32.data(), expected, { rtol: 1e-4, atol: 1e-6 }, `${name} f32`);
        gradcheck(eng, ([t]) => c.apply(t), [x], {}, name);
      });
    }

    it('relu, abs and leakyRelu have gradient 0, 0 and the slope at 0; clamp passes the gradient at its bounds', async () => {
      const eng = await tensorEngine(backend);
      const x = eng.tensor([-1, 0, 2], undefined, { dtype: 'float64', requiresGrad: true });
      x.relu().sum().backward();
      expect(Array.from(x.grad!)).toEqual([0, 0, 1]);
      eng.zeroGrad();
      x.abs().sum().backward();
      expect(Array.from(x.grad!)).toEqual([-1, 0, 1]);
      eng.zeroGrad();
      x.leakyRelu(0.1).sum().backward();
      expect(Array.from(x.grad!)).toEqual([0.1, 0.1, 1]);
      eng.zeroGrad();
      const c = eng.tensor([-2, -1, 0, 1, 3], undefined, { dtype: 'float64', requiresGrad: true });
      c.clamp(-1, 1).sum().backward();
      expect(Array.from(c.grad!)).toEqual([0, 1, 1, 1, 0]);
    });

    it('sigmoid, exp and softmax stay finite for large magnitudes', async () => {
      const eng = await tensorEngine(backend);
      const x = eng.tensor([-1000, -50, 0, 50, 1000], undefined, { dtype: 'float64' });
      expectAllClose(x.sigmoid().data(), [0, sigmoid(-50), 0.5, 1, 1], { rtol: 1e-12, atol: 1e-300 });
      const s = eng.tensor([1000, 1001, 1002]).softmax();
      const e = [Math.exp(-2), Math.exp(-1), 1];
      const z = e[0] + e[1] + e[2];
      expectAllClose(s.data(), e.map((v) => v / z), { rtol: 1e-6 });
    });
  });

  describe('binary, with broadcasting', () => {
    for (const [name, c] of Object.entries(BINARY)) {
      for (const [sa, sb] of BROADCASTS) {
        it(`${name} ${JSON.stringify(sa)} with ${JSON.stringify(sb)}`, async () => {
          const eng = await tensorEngine(backend);
          const a = input(sa, 1, c.lo ?? -2, 2);
          const b = input(sb, 2, c.lo ?? -2, 2);
          const expected = broadcastRef(a, b, c.f);
          const y = c.apply(f64(eng, a), f64(eng, b));
          expect(y.shape).toEqual(expected.shape);
          expectAllClose(y.data(), expected.data, { rtol: 1e-12, atol: 1e-14 }, name);
          const y32 = c.apply(eng.tensor(a.data, a.shape), eng.tensor(b.data, b.shape));
          expectAllClose(y32.data(), expected.data, { rtol: 1e-4, atol: 1e-6 }, `${name} f32`);
          gradcheck(eng, ([x, z]) => c.apply(x, z), [a, b], {}, name);
        });
      }
    }

    it('maximum and minimum split the gradient evenly on ties', async () => {
      const eng = await tensorEngine(backend);
      const a = eng.tensor([1, 2, 5], undefined, { dtype: 'float64', requiresGrad: true });
      const b = eng.tensor([1, 3, 4], undefined, { dtype: 'float64', requiresGrad: true });
      a.maximum(b).sum().backward();
      expect(Array.from(a.grad!)).toEqual([0.5, 0, 1]);
      expect(Array.from(b.grad!)).toEqual([0.5, 1, 0]);
      eng.zeroGrad();
      a.minimum(b).sum().backward();
      expect(Array.from(a.grad!)).toEqual([0.5, 1, 0]);
      expect(Array.from(b.grad!)).toEqual([0.5, 0, 1]);
    });

    it('a number on the right is a constant of the tensor’s dtype', async () => {
      const eng = await tensorEngine(backend);
      const x = eng.tensor([1, 2, 3], undefined, { dtype: 'float64', requiresGrad: true });
      const y = x.mul(2).sub(1).div(2).pow(2);
      expect(y.dtype).toBe('float64');
      expectAllClose(y.data(), [0.25, 2.25, 6.25]);
      y.sum().backward();
      expectAllClose(x.grad!, [1, 3, 5]);
    });

    it('comparisons give 1 or 0, broadcast, and where picks by mask with the gradient on the chosen side', async () => {
      const eng = await tensorEngine(backend);
      const a = eng.tensor([[1, 2, 3], [4, 5, 6]], undefined, { dtype: 'float64' });
      const b = eng.tensor([2, 2, 7], undefined, { dtype: 'float64' });
      expect(a.eq(b).toArray()).toEqual([[0, 1, 0], [0, 0, 0]]);
      expect(a.ne(b).toArray()).toEqual([[1, 0, 1], [1, 1, 1]]);
      expect(a.lt(b).toArray()).toEqual([[1, 0, 1], [0, 0, 1]]);
      expect(a.le(b).toArray()).toEqual([[1, 1, 1], [0, 0, 1]]);
      expect(a.gt(3).toArray()).toEqual([[0, 0, 0], [1, 1, 1]]);
      expect(a.ge(3).toArray()).toEqual([[0, 0, 1], [1, 1, 1]]);
      expect(a.gt(b).requiresGrad).toBe(false);
      const mask = eng.tensor([1, 0, 1], undefined, { dtype: 'float64' });
      const x = input([2, 3], 3), y = input([3], 4);
      const expected = x.data.map((v, i) => (mask.data()[i % 3] !== 0 ? v : y.data[i % 3]));
      expectAllClose(eng.where(mask, f64(eng, x), f64(eng, y)).data(), expected);
      expect(eng.where(mask, 1, 0).toArray()).toEqual([1, 0, 1]);
      gradcheck(eng, ([p, q]) => eng.where(eng.tensor([1, 0, 1], undefined, { dtype: 'float64' }), p, q), [x, y], {}, 'where');
    });
  });

  describe('reductions', () => {
    const x = input([2, 3, 4], 5);
    const at = (i: number, j: number, k: number) => x.data[i * 12 + j * 4 + k];
    const AXES: [string, number | number[] | undefined, boolean][] = [
      ['all', undefined, false],
      ['axis 0', 0, false],
      ['axis -1, keepdims', -1, true],
      ['axes [0, 2]', [0, 2], false],
      ['axes [-2, 0], keepdims', [-2, 0], true],
    ];
    const refReduce = (axes: number[], fold: (vals: number[]) => number): number[] => {
      const out: number[] = [];
      const dims = [2, 3, 4];
      const keep = [0, 1, 2].filter((d) => !axes.includes(d));
      const outDims = keep.map((d) => dims[d]);
      const n = outDims.reduce((p, q) => p * q, 1);
      for (let o = 0; o < n; o++) {
        const fixed: number[] = [];
        let rem = o;
        for (let k = keep.length - 1; k >= 0; k--) { fixed[keep[k]] = rem % outDims[k]; rem = Math.floor(rem / outDims[k]); }
        const vals: number[] = [];
        for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
          const idx = [i, j, k];
          if (keep.every((d) => idx[d] === fixed[d])) vals.push(at(i, j, k));
        }
        out.push(fold(vals));
      }
      return out;
    };
    const norm = (axes: number | number[] | undefined) =>
      (axes === undefined ? [0, 1, 2] : typeof axes === 'number' ? [axes] : axes).map((a) => (a < 0 ? a + 3 : a)).sort();
    const sum = (v: number[]) => v.reduce((p, q) => p + q, 0);
    const FOLDS: Record<string, { apply: (t: Tensor, axes: number | number[] | undefined, keepdims: boolean) => Tensor; fold: (v: number[]) => number }> = {
      sum: { apply: (t, a, k) => t.sum(a, { keepdims: k }), fold: sum },
      mean: { apply: (t, a, k) => t.mean(a, { keepdims: k }), fold: (v) => sum(v) / v.length },
      max: { apply: (t, a, k) => t.max(a, { keepdims: k }), fold: (v) => Math.max(...v) },
      min: { apply: (t, a, k) => t.min(a, { keepdims: k }), fold: (v) => Math.min(...v) },
      var: {
        apply: (t, a, k) => t.var(a, { keepdims: k }),
        fold: (v) => { const m = sum(v) / v.length; return sum(v.map((e) => (e - m) ** 2)) / (v.length - 1); },
      },
      logsumexp: { apply: (t, a, k) => t.logsumexp(a, { keepdims: k }), fold: (v) => Math.log(sum(v.map(Math.exp))) },
    };
    for (const [name, c] of Object.entries(FOLDS)) {
      for (const [label, axes, keepdims] of AXES) {
        it(`${name} over ${label}`, async () => {
          const eng = await tensorEngine(backend);
          const ax = norm(axes);
          const y = c.apply(f64(eng, x), axes, keepdims);
          const shape = [2, 3, 4].flatMap((d, i) => (ax.includes(i) ? (keepdims ? [1] : []) : [d]));
          expect(y.shape).toEqual(shape);
          const expected = refReduce(ax, c.fold);
          expectAllClose(y.data(), expected, { rtol: 1e-12, atol: 1e-14 }, name);
          expectAllClose(c.apply(eng.tensor(x.data, x.shape), axes, keepdims).data(), expected, { rtol: 1e-4, atol: 1e-6 }, `${name} f32`);
          gradcheck(eng, ([t]) => c.apply(t, axes, keepdims), [x], {}, name);
        });
      }
    }

    it('max and min split the gradient evenly among tied extremes', async () => {
      const eng = await tensorEngine(backend);
      const t = eng.tensor([[3, 1, 3], [0, 2, 2]], undefined, { dtype: 'float64', requiresGrad: true });
      t.max(1).sum().backward();
      expect(t.grad ? Array.from(t.grad) : null).toEqual([0.5, 0, 0.5, 0, 0.5, 0.5]);
      eng.zeroGrad();
      t.min().backward();
      expect(Array.from(t.grad!)).toEqual([0, 0, 0, 1, 0, 0]);
    });

    it('var with correction 0 is the population variance', async () => {
      const eng = await tensorEngine(backend);
      expect(eng.tensor([1, 2, 3, 4], undefined, { dtype: 'float64' }).var(undefined, { correction: 0 }).item()).toBeCloseTo(1.25, 12);
    });

    it('softmax and logSoftmax along any axis, with gradients', async () => {
      const eng = await tensorEngine(backend);
      const s = input([3, 4], 8, -5, 5);
      for (const axis of [-1, 0]) {
        const y = f64(eng, s).softmax(axis).data();
        for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
          const row = axis === -1 ? [0, 1, 2, 3].map((k) => s.data[i * 4 + k]) : [0, 1, 2].map((k) => s.data[k * 4 + j]);
          const z = row.reduce((p, q) => p + Math.exp(q), 0);
          expect(y[i * 4 + j]).toBeCloseTo(Math.exp(s.data[i * 4 + j]) / z, 12);
        }
        gradcheck(eng, ([t]) => t.softmax(axis), [s], {}, `softmax ${axis}`);
        gradcheck(eng, ([t]) => t.logSoftmax(axis), [s], {}, `logSoftmax ${axis}`);
      }
    });
  });

  describe('matmul', () => {
    const CASES: [number[], number[], number[]][] = [
      [[3, 4], [4, 5], [3, 5]],
      [[2, 3, 4], [4, 5], [2, 3, 5]],
      [[2, 1, 3, 4], [3, 4, 2], [2, 3, 3, 2]],
      [[4], [4, 5], [5]],
      [[3, 4], [4], [3]],
      [[4], [4], []],
      [[2, 3, 4], [4], [2, 3]],
    ];
    for (const [sa, sb, so] of CASES) {
      it(`${JSON.stringify(sa)} @ ${JSON.stringify(sb)} → ${JSON.stringify(so)}`, async () => {
        const eng = await tensorEngine(backend);
        const a = input(sa, 11), b = input(sb, 12);
        const y = f64(eng, a).matmul(f64(eng, b));
        expect(y.shape).toEqual(so);
        // reference: each output matrix from its broadcast operands
        const A = sa.length === 1 ? [1, ...sa] : sa, B = sb.length === 1 ? [...sb, 1] : sb;
        const [M, K] = A.slice(-2), N = B[B.length - 1];
        const batch = so.length >= 2 && sa.length >= 2 && sb.length >= 2 ? so.slice(0, -2) : (sa.length > 2 ? sa.slice(0, -2) : sb.length > 2 ? sb.slice(0, -2) : []);
        const nb = batch.reduce((p, q) => p * q, 1);
        const bcast = (shape: number[], q: number) => {
          const own = shape.slice(0, -2);
          let idx = 0, rem = q, mult = 1;
          for (let d = batch.length - 1; d >= 0; d--) {
            const k = rem % batch[d];
            rem = Math.floor(rem / batch[d]);
            const od = d - (batch.length - own.length);
            if (od >= 0) { idx += (own[od] === 1 ? 0 : k) * mult; mult *= own[od]; }
          }
          return idx;
        };
        const expected: number[] = [];
        for (let q = 0; q < nb; q++) {
          const ia = bcast(A, q) * M * K, ib = bcast(B, q) * K * N;
          expected.push(...matmulRef(a.data.slice(ia, ia + M * K), b.data.slice(ib, ib + K * N), M, K, N));
        }
        expectAllClose(y.data(), expected, { rtol: 1e-12, atol: 1e-13 });
        expectAllClose(eng.tensor(a.data, sa).matmul(eng.tensor(b.data, sb)).data(), expected, { rtol: 1e-4, atol: 1e-5 }, 'f32');
        gradcheck(eng, ([p, q]) => p.matmul(q), [a, b], {}, 'matmul');
      });
    }

    it('d sum(A@B)/dA is every row of B summed, d/dB every column of A summed', async () => {
      const eng = await tensorEngine(backend);
      const a = input([3, 4], 1), b = input([4, 2], 2);
      const A = f64(eng, a, true), B = f64(eng, b, true);
      A.matmul(B).sum().backward();
      const rowSums = [0, 1, 2, 3].map((k) => b.data[k * 2] + b.data[k * 2 + 1]);
      expectAllClose(A.grad!, [...rowSums, ...rowSums, ...rowSums]);
      const colSums = [0, 1, 2, 3].map((k) => a.data[k] + a.data[4 + k] + a.data[8 + k]);
      expectAllClose(B.grad!, colSums.flatMap((s) => [s, s]));
    });

    it('a larger product goes through the blocked kernel exactly as the reference', async () => {
      const eng = await tensorEngine(backend);
      const a = input([37, 150], 3), b = input([150, 1030], 4);
      const y = f64(eng, a).matmul(f64(eng, b)).data();
      const e = matmulRef(a.data, b.data, 37, 150, 1030);
      expectAllClose(y, e, { rtol: 1e-10, atol: 1e-10 });
    });
  });

  describe('movement', () => {
    const x = input([2, 3, 4], 21);
    const MOVES: Record<string, { apply: (t: Tensor) => Tensor; shape: number[]; at: (o: number[]) => number[] }> = {
      'transpose()': { apply: (t) => t.transpose(), shape: [2, 4, 3], at: ([i, j, k]) => [i, k, j] },
      'transpose(0, 2)': { apply: (t) => t.transpose(0, 2), shape: [4, 3, 2], at: ([i, j, k]) => [k, j, i] },
      'permute([2, 0, 1])': { apply: (t) => t.permute([2, 0, 1]), shape: [4, 2, 3], at: ([i, j, k]) => [j, k, i] },
      'slice([1, 0, -3], [2, 2])': { apply: (t) => t.slice([1, 0, -3], [2, 2]), shape: [1, 2, 3], at: ([i, j, k]) => [i + 1, j, k + 1] },
      'pad': { apply: (t) => t.pad([[0, 1], [2, 0], [1, 1]], 0.5), shape: [3, 5, 6], at: ([i, j, k]) => [i, j - 2, k - 1] },
      'expand([3, 2, 3, 4])': { apply: (t) => t.expand([3, 2, 3, 4]), shape: [3, 2, 3, 4], at: ([, i, j, k]) => [i, j, k] },
      'indexSelect(1, [2, 0, 2])': { apply: (t) => t.indexSelect(1, [2, 0, 2]), shape: [2, 3, 4], at: ([i, j, k]) => [i, [2, 0, 2][j], k] },
      'indexSelect(-1, int32 tensor)': {
        apply: (t) => t.indexSelect(-1, t.engine.tensor([3, 3], undefined, { dtype: 'int32' })), shape: [2, 3, 2], at: ([i, j]) => [i, j, 3],
      },
    };
    for (const [name, c] of Object.entries(MOVES)) {
      it(name, async () => {
        const eng = await tensorEngine(backend);
        const y = c.apply(f64(eng, x));
        expect(y.shape).toEqual(c.shape);
        const n = c.shape.reduce((p, q) => p * q, 1);
        const expected: number[] = [];
        for (let o = 0; o < n; o++) {
          const idx: number[] = [];
          let rem = o;
          for (let d = c.shape.length - 1; d >= 0; d--) { idx[d] = rem % c.shape[d]; rem = Math.floor(rem / c.shape[d]); }
          const [i, j, k] = c.at(idx);
          const inside = i >= 0 && i < 2 && j >= 0 && j < 3 && k >= 0 && k < 4;
          expected.push(inside ? x.data[i * 12 + j * 4 + k] : 0.5);
        }
        expectAllClose(y.data(), expected, { rtol: 0, atol: 0 }, name);
        gradcheck(eng, ([t]) => c.apply(t), [x], {}, name);
      });
    }

    it('reshape with -1, view, squeeze, unsqueeze and flatten keep the order', async () => {
      const eng = await tensorEngine(backend);
      const t = eng.arange(6, undefined, 1, { dtype: 'float64' });
      expect(t.reshape([2, -1]).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
      expect(t.view([-1, 2]).shape).toEqual([3, 2]);
      expect(t.reshape([1, 6, 1]).squeeze().shape).toEqual([6]);
      expect(t.reshape([1, 6, 1]).squeeze(-1).shape).toEqual([1, 6]);
      expect(t.unsqueeze(0).shape).toEqual([1, 6]);
      expect(t.reshape([2, 3]).flatten().toArray()).toEqual([0, 1, 2, 3, 4, 5]);
      gradcheck(eng, ([p]) => p.reshape([3, -1]).mul(p.reshape([3, 2])), [input([6], 1)], {}, 'reshape');
    });

    it('concat and stack along any axis, with gradients', async () => {
      const eng = await tensorEngine(backend);
      const a = input([2, 3], 1), b = input([2, 1], 2), c = input([2, 3], 3);
      expect(eng.concat([f64(eng, a), f64(eng, b)], -1).toArray()).toEqual([
        [...a.data.slice(0, 3), b.data[0]], [...a.data.slice(3), b.data[1]],
      ]);
      gradcheck(eng, ([p, q]) => eng.concat([p, q, p], 1), [a, b], {}, 'concat');
      gradcheck(eng, ([p, q]) => eng.concat([p, q], 0), [a, c], {}, 'concat 0');
      const s = eng.stack([f64(eng, a), f64(eng, c)], 1);
      expect(s.shape).toEqual([2, 2, 3]);
      expect(s.toArray()).toEqual([[a.data.slice(0, 3), c.data.slice(0, 3)], [a.data.slice(3), c.data.slice(3)]]);
      gradcheck(eng, ([p, q]) => eng.stack([p, q], -1), [a, c], {}, 'stack');
    });

    it('detach stops the gradient and to() converts dtypes', async () => {
      const eng = await tensorEngine(backend);
      const x = eng.tensor([1.5, -2.5], undefined, { dtype: 'float64', requiresGrad: true });
      const y = x.mul(x.detach());
      expect(x.detach().requiresGrad).toBe(false);
      y.sum().backward();
      expectAllClose(x.grad!, [1.5, -2.5]);
      expect(x.to('int32').toArray()).toEqual([1, -2]);
      expect(x.to('int32').requiresGrad).toBe(false);
      const f = x.to('float32');
      expect(f.dtype).toBe('float32');
      expect(f.data()).toBeInstanceOf(Float32Array);
      const z = eng.tensor([1, 2, 3], undefined, { dtype: 'float64', requiresGrad: true });
      z.to('float32').mul(2).to('float64').sum().backward();
      expect(Array.from(z.grad!)).toEqual([2, 2, 2]);
    });
  });

  describe('gradient bookkeeping', () => {
    it('leaf gradients accumulate until zeroGrad, intermediate ones hold the last backward', async () => {
      const eng = await tensorEngine(backend);
      const x = eng.tensor([1, 2], undefined, { dtype: 'float64', requiresGrad: true });
      const y = x.mul(3);
      const loss = y.sum();
      loss.backward();
      loss.backward();
      expect(Array.from(x.grad!)).toEqual([6, 6]);
      expect(Array.from(y.grad!)).toEqual([1, 1]);
      eng.zeroGrad();
      expect(Array.from(x.grad!)).toEqual([0, 0]);
    });

    it('only tensors that require grad and that the root reaches get one', async () => {
      const eng = await tensorEngine(backend);
      const x = eng.tensor([1, 2], undefined, { dtype: 'float64', requiresGrad: true });
      const c = eng.tensor([3, 4], undefined, { dtype: 'float64' });
      const unrelated = eng.tensor([0], undefined, { dtype: 'float64', requiresGrad: true });
      unrelated.log().sum();
      x.mul(c).sum().backward();
      expect(c.requiresGrad).toBe(false);
      expect(c.grad).toBeNull();
      expect(unrelated.grad).toBeNull();
      expect(Array.from(x.grad!)).toEqual([3, 4]);
    });

    it('f32 gradients are float32 arrays and agree with f64 within 1e-4', async () => {
      const eng = await tensorEngine(backend);
      const a = input([4, 5], 1), b = input([5, 3], 2);
      const run = (dtype: 'float32' | 'float64') => {
        const A = eng.tensor(a.data, a.shape, { dtype, requiresGrad: true });
        const B = eng.tensor(b.data, b.shape, { dtype, requiresGrad: true });
        A.matmul(B).tanh().logSoftmax().mean().backward();
        return [A.grad!, B.grad!];
      };
      const [a32, b32] = run('float32');
      const [a64, b64] = run('float64');
      expect(a32).toBeInstanceOf(Float32Array);
      expectAllClose(a32, a64, { rtol: 1e-4, atol: 1e-6 });
      expectAllClose(b32, b64, { rtol: 1e-4, atol: 1e-6 });
    });
  });

  it('random data helper is deterministic (the suites depend on it)', () => {
    expect(randomData(3, 5)).toEqual(randomData(3, 5));
  });

  describe('handles and factories', () => {
    it('a tensor knows its shape, dtype, size and rank, and reads back as arrays, copies and text', async () => {
      const eng = await tensorEngine(backend);
      const t = eng.tensor([[1, 2, 3], [4, 5, 6]]);
      expect([t.shape, t.dtype, t.size, t.rank, t.requiresGrad]).toEqual([[2, 3], 'float32', 6, 2, false]);
      expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
      const d = t.data();
      expect(d).toBeInstanceOf(Float32Array);
      d[0] = 99;
      expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
      expect(t.toString()).toBe('tensor([[1., 2., 3.],\n        [4., 5., 6.]])');
      expect(t.grad).toBeNull();
      const s = eng.tensor(2.5, undefined, { dtype: 'float64' });
      expect([s.shape, s.item(), s.toArray()]).toEqual([[], 2.5, 2.5]);
      expect(eng.tensor([1, 2, 3, 4], [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
    });

    it('typed arrays keep their dtype unless one is asked for', async () => {
      const eng = await tensorEngine(backend);
      expect(eng.tensor(new Float64Array([1, 2])).dtype).toBe('float64');
      expect(eng.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
      expect(eng.tensor(new Float32Array([1, 2])).dtype).toBe('float32');
      expect(eng.tensor(new Float64Array([1.5, 2]), undefined, { dtype: 'int32' }).toArray()).toEqual([1, 2]);
    });

    it('zeros, ones, full, arange, eye', async () => {
      const eng = await tensorEngine(backend);
      expect(eng.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
      expect(eng.ones([3], { dtype: 'int32' }).toArray()).toEqual([1, 1, 1]);
      expect(eng.full([2], 7, { dtype: 'float64' }).toArray()).toEqual([7, 7]);
      expect(eng.arange(4).toArray()).toEqual([0, 1, 2, 3]);
      expect(eng.arange(1, 2, 0.25, { dtype: 'float64' }).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
      expect(eng.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
      expect(eng.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
      const z = eng.zeros([2], { requiresGrad: true });
      z.add(1).sum().backward();
      expect(Array.from(z.grad!)).toEqual([1, 1]);
    });

    it('randn and rand repeat with a seed or a generator, and have the right moments', async () => {
      const eng = await tensorEngine(backend);
      const a = eng.randn([4000], { seed: 3, dtype: 'float64' });
      expect(Array.from(eng.randn([4000], { seed: 3, dtype: 'float64' }).data())).toEqual(Array.from(a.data()));
      expect(a.mean().item()).toBeCloseTo(0, 1);
      expect(a.var().item()).toBeCloseTo(1, 1);
      const u = eng.rand([4000], { seed: 4 }).data();
      expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...u)).toBeLessThan(1);
      const r1 = new Random(9), r2 = new Random(9);
      expect(Array.from(eng.rand([3], { rng: r1 }).data())).toEqual(Array.from(eng.rand([3], { rng: r2 }).data()));
      expect(Array.from(eng.rand([3], { rng: r1 }).data())).not.toEqual(Array.from(eng.rand([3], { seed: 9 }).data()));
    });
  });
});
