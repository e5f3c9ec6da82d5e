// bench/models.mjs's wasmgrad workloads at a tiny size: W6 (a pre-LayerNorm transformer block, AdamW)
// and W7 (LeNet-5, SGD with momentum) run on both backends, their first-step losses equal the f64
// reference written out in plain JS in bench/models/data.mjs, and the two backends agree step by step.
// No timing here: bench/models.mjs measures.

import { describe, expect, it } from 'vitest';
import * as wasmgrad from '../src/index.js';
import { BACKENDS, engine, expectClose } from './helpers.js';
import { W6, W7, erf, w6ReferenceLoss, w7ReferenceLoss, w6Setup, w7Setup, transpose, oihwToHwio, nchwToNhwc, fc1ForNhwc } from '../bench/models/data.mjs';
import { wasmgradW6, wasmgradW7 } from '../bench/models/wasmgrad.mjs';

const TINY_W6 = { ...W6, batch: 2, seq: 8, width: 16, heads: 4 };
const TINY_W7 = { ...W7, batch: 3 };
const STEPS = 3;

function losses(step: () => number): number[] {
  return Array.from({ length: STEPS }, () => step());
}

describe('the f64 reference of bench/models', () => {
  it('erf matches tabulated values across its series and continued-fraction branches', () => {
    // Python's math.erf (the C library's), to 16 digits
    const table: [number, number][] = [[0, 0], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [2.4999, 0.9995928300996666], [2.5, 0.999593047982555], [3, 0.9999779095030014], [5, 0.9999999999984626]];
    for (const [x, v] of table) {
      expectClose(erf(x), v, { rtol: 1e-14, atol: 1e-16 }, `erf(${x})`);
      expectClose(erf(-x), -v, { rtol: 1e-14, atol: 1e-16 }, `erf(${-x})`);
    }
  });

  it('the layout conversions the peers use move every element where its index says', () => {
    const a = Float32Array.from({ length: 6 }, (_, i) => i);
    expect(Array.from(transpose(a, 2, 3))).toEqual([0, 3, 1, 4, 2, 5]);
    const w = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i); // [O=2, I=3, 2, 2]
    const hwio = oihwToHwio(w, 2, 3, 2, 2);
    expect(hwio[((1 * 2 + 0) * 3 + 2) * 2 + 1]).toBe(w[((1 * 3 + 2) * 2 + 1) * 2 + 0]); // o1 i2 h1 w0
    const x = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i); // [N=2, C=3, H=2, W=2]
    expect(nchwToNhwc(x, 2, 3, 2, 2)[((1 * 2 + 1) * 2 + 0) * 3 + 2]).toBe(x[((1 * 3 + 2) * 2 + 1) * 2 + 0]);
    const f = Float32Array.from({ length: 120 * 400 }, (_, i) => i);
    expect(fc1ForNhwc(f)[(7 * 16 + 5) * 120 + 33]).toBe(f[33 * 400 + 5 * 25 + 7]); // out 33, channel 5, pixel 7
  });

  it('the shared data are seeded: the same numbers on every call', () => {
    expect(w6Setup(TINY_W6).params['fc1.weight']).toEqual(w6Setup(TINY_W6).params['fc1.weight']);
    expect(Array.from(w7Setup(TINY_W7).y)).toEqual(Array.from(w7Setup(TINY_W7).y));
  });
});

describe.each(BACKENDS)('bench/models workloads on %s', (backend) => {
  it('W6 in f64 gives the reference loss at the shared weights, to rounding', async () => {
    const eng = await engine(backend);
    const step = wasmgradW6(wasmgrad, eng, { ...TINY_W6, dtype: 'float64' });
    expectClose(step(), w6ReferenceLoss(TINY_W6), { rtol: 1e-12, atol: 0 }, 'W6 f64 loss');
  });

  it('W7 in f64 gives the reference loss at the shared weights, to rounding', async () => {
    const eng = await engine(backend);
    const step = wasmgradW7(wasmgrad, eng, { ...TINY_W7, dtype: 'float64' });
    expectClose(step(), w7ReferenceLoss(TINY_W7), { rtol: 1e-12, atol: 0 }, 'W7 f64 loss');
  });

  it('W6 and W7 train in f32: the first loss is the reference to f32 rounding, and the loss falls', async () => {
    const eng = await engine(backend);
    for (const [name, ls, ref] of [
      ['W6', losses(wasmgradW6(wasmgrad, eng, TINY_W6)), w6ReferenceLoss(TINY_W6)],
      ['W7', losses(wasmgradW7(wasmgrad, eng, TINY_W7)), w7ReferenceLoss(TINY_W7)],
    ] as const) {
      expectClose(ls[0], ref, { rtol: 1e-5, atol: 0 }, `${name} first loss`);
      for (let i = 1; i < STEPS; i++) expect(ls[i], `${name} loss at step ${i + 1}`).toBeLessThan(ls[i - 1]);
    }
  });
});

describe('bench/models workloads: the two backends agree', () => {
  it('step by step, in f32 (AdamW and momentum carry every gradient forward)', async () => {
    const [wasm, js] = await Promise.all(BACKENDS.map((b) => engine(b)));
    for (const [name, make] of [['W6', (e: wasmgrad.Engine) => wasmgradW6(wasmgrad, e, TINY_W6)], ['W7', (e: wasmgrad.Engine) => wasmgradW7(wasmgrad, e, TINY_W7)]] as const) {
      const a = losses(make(wasm)), b = losses(make(js));
      a.forEach((v, i) => expectClose(b[i], v, { rtol: 1e-5, atol: 0 }, `${name} loss at step ${i + 1}, js vs wasm`));
    }
  });
});
