// Indexing, sorting, scans and masks (issue 15): argmax/argmin, argsort/sort,
// topk, gather/scatterAdd, cumsum/cumprod and the composites built on them,
// on both backends. Values against references computed here in plain JS,
// gradients against central differences in f64, and the conventions stated
// where PyTorch fixes one: ties pick the first index, NaN is the largest
// value (argmax and argmin both return the first NaN; sort puts NaN last
// ascending and first descending), the sort is stable in both directions.
import { describe, expect, it } from 'vitest';
import { Random, type Engine, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS, expectAllClose, gradcheck, input, randomData, tensorEngine } from './tensor-helpers.js';

// ── references on flat row-major arrays ──

/** The flat offsets of every line of `shape` along `axis`. */
function linesOf(shape: number[], axis: number): number[][] {
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const out: number[][] = [];
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) out.push(Array.from({ length: n }, (_, i) => (o * n + i) * inner + k));
  return out;
}

/** NaN as the largest value; stable (Array.prototype.sort is). */
function argsortRef(xs: number[], descending: boolean): number[] {
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  const rank = (v: number) => (Number.isNaN(v) ? 1 : 0);
  return xs.map((_, i) => i).sort((p, q) => {
    const a = xs[p], b = xs[q];
    const c = rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
    return descending ? -c : c;
  });
}

function argExtremeRef(xs: number[], max: boolean): number {
  const nan = xs.findIndex(Number.isNaN);
  if (nan >= 0) return nan;
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (max ? xs[i] > xs[best] : xs[i] < xs[best]) best = i;
  return best;
}

/** Row-major multi-index of flat j in `shape`. */
function coords(j: number, shape: number[]): number[] {
  const c = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) { c[d] = j % shape[d]; j = Math.floor(j / shape[d]); }
  return c;
}
const flat = (c: number[], shape: number[]) => c.reduce((off, x, d) => off * shape[d] + x, 0);

function gatherRef(x: number[], xShape: number[], axis: number, index: number[], iShape: number[]): number[] {
  return index.map((v, j) => { const c = coords(j, iShape); c[axis] = v; return x[flat(c, xShape)]; });
}

function scatterAddRef(x: number[], xShape: number[], axis: number, index: number[], iShape: number[], src: number[], sShape: number[]): number[] {
  const out = x.slice();
  index.forEach((v, j) => { const c = coords(j, iShape); const s = src[flat(c, sShape)]; c[axis] = v; out[flat(c, xShape)] += s; });
  return out;
}

function scanRef(x: number[], shape: number[], axis: number, product: boolean): number[] {
  const out = x.slice();
  for (const line of linesOf(shape, axis)) {
    let acc = product ? 1 : 0;
    for (const j of line) { acc = product ? acc * x[j] : acc + x[j]; out[j] = acc; }
  }
  return out;
}

/** Integers in [lo, hi) from a seeded generator. */
function ints(n: number, lo: number, hi: number, seed: number): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => lo + Math.floor(r.next() * (hi - lo)));
}

describe.each(TENSOR_BACKENDS)('indexing, sorting and scans (%s)', (backend) => {
  let eng: Engine;
  const setup = async () => { eng ??= await tensorEngine(backend); eng.reset(); return eng; };
  const f64 = (data: number[], shape: number[], requiresGrad = false) => eng.tensor(Float64Array.from(data), shape, { dtype: 'float64', requiresGrad });
  const i32 = (data: number[], shape: number[]) => eng.tensor(Int32Array.from(data), shape);
  const shape3 = [3, 4, 5];

  it('argmax and argmin along every axis, keepdims, the flattened index, and 0-d', async () => {
    await setup();
    const data = ints(60, -3, 4, 1); // small range: many ties
    const x = f64(data, shape3);
    for (let axis = 0; axis < 3; axis++) {
      for (const max of [true, false]) {
        const want = linesOf(shape3, axis).map((l) => argExtremeRef(l.map((j) => data[j]), max));
        const got = max ? x.argmax(axis) : x.argmin(axis - 3, { keepdims: true });
        expect(got.dtype).toBe('int32');
        expect(got.shape).toEqual(max ? shape3.filter((_, d) => d !== axis) : shape3.map((n, d) => (d === axis ? 1 : n)));
        expect(Array.from(got.data())).toEqual(want);
      }
    }
    expect(x.argmax().item()).toBe(argExtremeRef(data, true));
    expect(x.argmin(undefined, { keepdims: true }).shape).toEqual([1, 1, 1]);
    expect(f64([7], []).argmax().shape).toEqual([]);
    expect(f64([7], []).argmax(0).item()).toBe(0);
    expect(i32([4, 9, 9, 1], [4]).argmax().item()).toBe(1); // int32 input too
    expect(f64([], [0, 3]).argmax(1).shape).toEqual([0]); // an empty result where the axis itself is not empty
    expect(() => f64([], [0, 3]).argmax(0)).toThrow(/argmax: dim 0 of \[0, ?3\] is empty/);
    expect(() => f64([], [0, 3]).argmin()).toThrow(/argmin: \[0, ?3\] has no elements to pick from/);
  });

  it('argmax and argmin: first index on ties, first NaN wins (torch.argmax)', async () => {
    await setup();
    expect(f64([1, 3, 3, 2], [4]).argmax().item()).toBe(1);
    expect(f64([2, 0, 5, 0], [4]).argmin().item()).toBe(1);
    const nan = f64([1, NaN, 5, NaN], [4]);
    expect([nan.argmax().item(), nan.argmin().item()]).toEqual([1, 1]);
    expect(f64([-Infinity, -Infinity], [2]).argmax().item()).toBe(0);
  });

  it('argsort and sort: stable both ways, every axis, NaN largest', async () => {
    await setup();
    const data = ints(60, 0, 4, 2).map((v, i) => (i % 13 === 0 ? NaN : v));
    const x = f64(data, shape3);
    for (let axis = 0; axis < 3; axis++) {
      for (const descending of [false, true]) {
        const idx = new Array(60), vals = new Array(60);
        for (const line of linesOf(shape3, axis)) {
          const order = argsortRef(line.map((j) => data[j]), descending);
          line.forEach((j, i) => { idx[j] = order[i]; vals[j] = data[line[order[i]]]; });
        }
        const s = x.sort(axis, { descending });
        expect(Array.from(s.indices.data()), `axis ${axis} descending ${descending}`).toEqual(idx);
        expect(Array.from(s.values.data())).toEqual(vals);
        expect(Array.from(x.argsort(axis - 3, { descending }).data())).toEqual(idx);
      }
    }
    expect(Array.from(f64([3, NaN, 1, 2], [4]).argsort().data())).toEqual([2, 3, 0, 1]);
    expect(Array.from(f64([3, NaN, 1, 2], [4]).argsort(0, { descending: true }).data())).toEqual([1, 0, 3, 2]);
    expect(Array.from(f64([1, 2, 1, 2], [4]).argsort(0, { descending: true }).data())).toEqual([1, 3, 0, 2]);
    expect(f64([], [0]).sort().values.shape).toEqual([0]);
  });

  it('topk: values and indices, largest and smallest, ties keep the earlier index', async () => {
    await setup();
    const data = ints(20, 0, 5, 3);
    const x = f64(data, [4, 5]);
    for (const largest of [true, false]) {
      const t = x.topk(3, 1, { largest });
      const rows = [0, 1, 2, 3].map((r) => data.slice(r * 5, r * 5 + 5));
      const idx = rows.flatMap((row) => argsortRef(row, largest).slice(0, 3));
      expect(t.indices.shape).toEqual([4, 3]);
      expect(Array.from(t.indices.data())).toEqual(idx);
      expect(Array.from(t.values.data())).toEqual(idx.map((j, n) => rows[Math.floor(n / 3)][j]));
    }
    expect(x.topk(0).values.shape).toEqual([4, 0]);
    const down = new Array(20);
    for (let c = 0; c < 5; c++) argsortRef([0, 1, 2, 3].map((r) => data[r * 5 + c]), true).forEach((v, i) => { down[i * 5 + c] = v; });
    expect(Array.from(x.topk(4, 0).indices.data())).toEqual(down);
  });

  it('gather and scatterAdd against references, index boxes smaller than the input', async () => {
    await setup();
    const data = randomData(60, 4);
    const x = f64(data, shape3);
    for (let axis = 0; axis < 3; axis++) {
      const iShape = [2, 3, 4];
      iShape[axis] = 6; // longer than some dims, picks repeat
      const n = iShape.reduce((a, b) => a * b, 1);
      const index = ints(n, 0, shape3[axis], 10 + axis);
      const got = x.gather(axis, i32(index, iShape));
      expect(got.shape).toEqual(iShape);
      expect(Array.from(got.data())).toEqual(gatherRef(data, shape3, axis, index, iShape));
      const sShape = iShape.map((d) => d + 1);
      const src = randomData(sShape.reduce((a, b) => a * b, 1), 20 + axis);
      const sum = x.scatterAdd(axis, i32(index, iShape), f64(src, sShape));
      expectAllClose(sum.data(), scatterAddRef(data, shape3, axis, index, iShape, src, sShape), {}, `scatterAdd axis ${axis}`);
    }
    expect(Array.from(i32([1, 2, 3], [3]).scatterAdd(0, i32([2, 2], [2]), i32([5, 6], [2])).data())).toEqual([1, 2, 14]);
  });

  it('cumsum and cumprod along every axis, in f64 and f32, and on a scalar', async () => {
    await setup();
    const data = randomData(60, 5, -1.5, 1.5);
    for (let axis = 0; axis < 3; axis++) {
      for (const product of [false, true]) {
        const want = scanRef(data, shape3, axis, product);
        const got = product ? f64(data, shape3).cumprod(axis) : f64(data, shape3).cumsum(axis - 3);
        expectAllClose(got.data(), want, {}, `${product ? 'cumprod' : 'cumsum'} axis ${axis}`);
        const g32 = eng.tensor(Float32Array.from(data), shape3);
        const in32 = Array.from(Float32Array.from(data));
        // each element is the f64 scan of the f32 inputs, rounded once
        expect(Array.from((product ? g32.cumprod(axis) : g32.cumsum(axis)).data())).toEqual(Array.from(Float32Array.from(scanRef(in32, shape3, axis, product))));
      }
    }
    expect(f64([3], []).cumsum(0).item()).toBe(3);
    expect(Array.from(i32([1, 2, 3], [3]).cumprod(0).data())).toEqual([1, 2, 6]);
  });

  it('gradients: gradcheck in f64 for sort, topk, gather, scatterAdd, cumsum and cumprod', async () => {
    await setup();
    const x = input([3, 4, 5], 6);
    for (let axis = 0; axis < 3; axis++) {
      gradcheck(eng, ([t]) => t.sort(axis, { descending: axis === 1 }).values, [x], {}, `sort axis ${axis}`);
      gradcheck(eng, ([t]) => t.topk(2, axis).values, [x], {}, `topk axis ${axis}`);
      gradcheck(eng, ([t]) => t.topk(2, axis, { largest: false }).values, [x], {}, `topk smallest axis ${axis}`);
      gradcheck(eng, ([t]) => t.cumsum(axis), [x], {}, `cumsum axis ${axis}`);
      gradcheck(eng, ([t]) => t.cumprod(axis), [x], {}, `cumprod axis ${axis}`);
      const iShape = [3, 4, 5];
      iShape[axis] = 7;
      const n = iShape.reduce((a, b) => a * b, 1);
      const index = ints(n, 0, [3, 4, 5][axis], 30 + axis); // repeats: gradients add up
      gradcheck(eng, ([t]) => t.gather(axis, i32(index, iShape)), [x], {}, `gather axis ${axis}`);
      const small = [2, 3, 4];
      small[axis] = 3;
      const m = small.reduce((a, b) => a * b, 1);
      const sIndex = ints(m, 0, [3, 4, 5][axis], 40 + axis);
      const src = input(small.map((d) => d + 1), 50 + axis);
      gradcheck(eng, ([t, s]) => t.scatterAdd(axis, i32(sIndex, small), s), [x, src], {}, `scatterAdd axis ${axis}`);
    }
  });

  it('cumprod: the gradient at zeros is exact (no division by x)', async () => {
    await setup();
    // one zero, two zeros, a zero first and last: dxᵢ = Σ_{j ≥ i} gⱼ·Π_{k ≤ j, k ≠ i} xₖ
    for (const xs of [[2, 0, 3, -1.5], [0, 2, 0, 3], [0, 0, 0, 1], [1.5, -2, 3, 0]]) {
      const w = [0.7, -1.1, 0.4, 1.3];
      const t = f64(xs, [4], true);
      t.cumprod(0).mul(f64(w, [4])).sum().backward();
      const want = xs.map((_, i) => {
        let s = 0;
        for (let j = i; j < 4; j++) { let p = w[j]; for (let k = 0; k <= j; k++) if (k !== i) p *= xs[k]; s += p; }
        return s;
      });
      expectAllClose(t.grad!, want, { rtol: 1e-15, atol: 0 }, `cumprod grad at ${xs}`);
      gradcheck(eng, ([u]) => u.cumprod(0), [{ shape: [4], data: xs }], {}, `cumprod gradcheck at ${xs}`);
      eng.reset();
    }
  });

  it('maskedFill, triu/tril, split/chunk, oneHot and t()', async () => {
    await setup();
    const data = randomData(12, 7);
    const x = f64(data, [3, 4]);
    const mask = () => i32([1, 0, 0, 1], [4]);
    expect(Array.from(x.maskedFill(mask(), -9).data())).toEqual(data.map((v, j) => (j % 4 === 0 || j % 4 === 3 ? -9 : v)));
    for (const k of [-1, 0, 2]) {
      expect(Array.from(x.triu(k).data())).toEqual(data.map((v, j) => (j % 4 - Math.floor(j / 4) >= k ? v : 0)));
      expect(Array.from(x.tril(k).data())).toEqual(data.map((v, j) => (j % 4 - Math.floor(j / 4) <= k ? v : 0)));
    }
    expect(x.split(3, 1).map((p) => p.shape)).toEqual([[3, 3], [3, 1]]);
    const parts = x.split([1, 2], 0);
    expect(parts.map((p) => Array.from(p.data()))).toEqual([data.slice(0, 4), data.slice(4)]);
    expect(x.chunk(3, 1).map((p) => p.shape)).toEqual([[3, 2], [3, 2]]); // torch.chunk: ⌈4/3⌉ = 2, so 2 chunks
    expect(x.chunk(2, 0).map((p) => p.shape)).toEqual([[2, 4], [1, 4]]);
    const hot = i32([2, 0, 1, 2], [2, 2]).oneHot();
    expect(hot.shape).toEqual([2, 2, 3]);
    expect(hot.dtype).toBe('int32');
    expect(Array.from(hot.data())).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(i32([1], [1]).oneHot(4).shape).toEqual([1, 4]);
    const v = f64([1, 2, 3], [3]);
    expect(v.t()).toBe(v);
    const s0 = f64([1], []);
    expect(s0.t()).toBe(s0);
    expect(Array.from(x.t().data())).toEqual([0, 1, 2, 3].flatMap((c) => [0, 1, 2].map((r) => data[r * 4 + c])));
    // gradchecks reset the engine: last
    gradcheck(eng, ([t]) => t.maskedFill(mask(), 0.5), [input([3, 4], 8)], {}, 'maskedFill');
    gradcheck(eng, ([t]) => t.triu(1), [input([2, 3, 4], 9)], {}, 'triu');
    gradcheck(eng, ([t]) => t.tril(), [input([3, 3], 10)], {}, 'tril');
    gradcheck(eng, ([t]) => { const [a, b] = t.split([2, 2], 1); return a.mul(b); }, [input([3, 4], 11)], {}, 'split');
  });

  it('linspace, zerosLike/onesLike/fullLike and randint', async () => {
    await setup();
    expect(Array.from(eng.linspace(0, 1, 5, { dtype: 'float64' }).data())).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const l = eng.linspace(-1, 2, 7, { dtype: 'float64' }).data();
    expect(l[6]).toBe(2);
    expectAllClose(l, [0, 1, 2, 3, 4, 5, 6].map((i) => -1 + i * 0.5));
    expect(Array.from(eng.linspace(3, 9, 1).data())).toEqual([3]);
    expect(eng.linspace(3, 9, 0).shape).toEqual([0]);
    const x = eng.tensor([[1, 2], [3, 4]], undefined, { dtype: 'float64' });
    const z = eng.zerosLike(x), o = eng.onesLike(x, { dtype: 'int32' }), f = eng.fullLike(x, 2.5);
    expect([z.dtype, o.dtype, f.dtype]).toEqual(['float64', 'int32', 'float64']);
    expect([Array.from(z.data()), Array.from(o.data()), Array.from(f.data())]).toEqual([[0, 0, 0, 0], [1, 1, 1, 1], [2.5, 2.5, 2.5, 2.5]]);
    const r = eng.randint(-3, 4, [1000], { seed: 5 });
    expect(r.dtype).toBe('int32');
    const vals = Array.from(r.data());
    expect(Math.min(...vals)).toBe(-3);
    expect(Math.max(...vals)).toBe(3);
    const rng = new Random(5);
    expect(vals.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => -3 + Math.floor(rng.next() * 7)));
    expect(eng.randint(10, [2, 3]).shape).toEqual([2, 3]);
  });

  it('named errors for bad axes, k, indices and dtypes; the engine keeps working', async () => {
    await setup();
    const x = f64(randomData(6, 12), [2, 3]);
    const idx = i32([0, 1, 2], [1, 3]);
    const cases: [string, () => unknown, RegExp][] = [
      ['argmax axis 2', () => x.argmax(2), /argmax: axis 2 is out of range/],
      ['argsort axis -3', () => x.argsort(-3), /argsort: axis -3 is out of range/],
      ['cumsum axis 1.5', () => x.cumsum(1.5), /cumsum: an axis must be an integer/],
      ['topk k = 4', () => x.topk(4), /topk: k = 4 is out of range for dim -1 of size 3/],
      ['topk k = -1', () => x.topk(-1), /topk: k = -1 is out of range/],
      ['gather index 3', () => x.gather(1, i32([0, 3, 1], [1, 3])), /gather: index 3 is out of range for dim 1 of size 3/],
      ['gather index -1', () => x.gather(1, i32([0, -1, 1], [1, 3])), /gather: index -1 is out of range/],
      ['gather float index', () => x.gather(1, f64([0, 1, 2], [1, 3])), /gather: the index must be an int32 tensor, got float64/],
      ['gather rank', () => x.gather(1, i32([0], [1])), /gather: the index \[1\] must have the rank of the input \[2, ?3\]/],
      ['gather too wide', () => x.gather(1, i32([0, 0, 0, 0, 0, 0], [3, 2])), /larger than the input/],
      ['scatterAdd dtype', () => x.scatterAdd(1, idx, i32([1, 2, 3], [1, 3])), /scatterAdd: .*float64.*int32|dtype/],
      ['scatterAdd index 5', () => x.scatterAdd(1, i32([5], [1, 1]), x), /scatterAdd: index 5 is out of range/],
      ['oneHot float', () => x.oneHot(), /oneHot: class indices must be an int32 tensor/],
      ['oneHot range', () => i32([3], [1]).oneHot(3), /oneHot: class index 3 is out of range for 3 classes/],
      ['maskedFill shape', () => f64([1, 2], [2]).maskedFill(i32([1, 0, 1, 1], [2, 2]), 0), /maskedFill: the mask \[2, ?2\] does not broadcast/],
      ['split sizes', () => x.split([1, 1], 1), /split: sizes \[1, 1\] add up to 2, not to dim 1 of size 3/],
      ['chunk 0', () => x.chunk(0), /chunk: the number of chunks must be a positive integer/],
      ['triu 1-d', () => f64([1, 2], [2]).triu(), /triu: needs at least 2 dims/],
      ['t 3-d', () => f64([1, 2], [1, 1, 2]).t(), /t: expects a tensor of at most 2 dims/],
      ['randint bounds', () => eng.randint(3, 3, [2]), /randint: high \(3\) must be greater than low \(3\)/],
      ['linspace steps', () => eng.linspace(0, 1, -1), /linspace: steps must be a non-negative integer/],
    ];
    for (const [what, f, message] of cases) expect(f, what).toThrow(message);
    expect(() => x.gather(1, f64([0, 1, 2], [1, 3]))).toThrow(TypeError);
    expect(() => x.topk(4)).toThrow(RangeError);
    // nothing half-done: the engine goes on
    expect(Array.from(x.gather(1, idx).data())).toEqual(Array.from(x.data()).slice(0, 3));
    const y = f64([1, 2, 3], [3], true);
    y.cumprod(0).sum().backward();
    expect(Array.from(y.grad!)).toEqual([1 + 2 + 6, 1 + 3, 2]);
  });
});

describe('indexing: both backends agree element for element', () => {
  it('on f32 sorts, gathers, scatters and scans and their gradients', async () => {
    const results: number[][][] = [];
    for (const backend of TENSOR_BACKENDS) {
      const eng = await tensorEngine(backend);
      const x = eng.tensor(Float32Array.from(randomData(60, 13)), [3, 4, 5], { requiresGrad: true });
      const idx = eng.tensor(Int32Array.from(ints(60, 0, 4, 14)), [3, 4, 5]);
      const parts = [
        x.sort(2).values, x.topk(2, 0).values, x.gather(1, idx), x.scatterAdd(1, idx, x.mul(0.5)), x.cumsum(1), x.cumprod(2),
      ];
      parts.reduce((acc: Tensor, p, i) => acc.add(p.sum().mul(i + 1)), eng.tensor(0)).backward();
      results.push([...parts.map((p) => Array.from(p.data())), Array.from(x.grad!), Array.from(x.argmax(1).data())]);
    }
    expect(results[0]).toEqual(results[1]);
  });
});
