// What users write under `strict` TypeScript must compile (this file is
// type-checked by `npm test` with the project's strict settings) and run.
import { describe, expect, it } from 'vitest';
import { createEngine, WasmgradMemoryError, type Tensor } from '../src/index.js';

describe('the API under strict TypeScript', () => {
  it('indexes toArray() without a cast, and checks it when the shape is named', async () => {
    const eng = await createEngine();
    const t: Tensor = eng.tensor([[1, 2], [3, 4]]);
    const first = t.toArray()[0];
    expect(first).toEqual([1, 2]);
    const rows = t.toArray<number[][]>();
    const x: number = rows[1][0];
    expect(x).toBe(3);
    const scalar = eng.tensor(5, []).toArray<number>();
    expect(scalar + 1).toBe(6);
    expect(new WasmgradMemoryError('op', 0, 'why')).toBeInstanceOf(RangeError);
  });
});

describe('tensors typed by dtype', () => {
  it('data() and grad are the typed array of the dtype the tensor was made with, through ops and conversions', async () => {
    const eng = await createEngine();
    const a: Float32Array = eng.tensor([1, 2, 3]).data();
    const b: Float64Array = eng.zeros([2], { dtype: 'float64' }).exp().add(1).data();
    const c: Int32Array = eng.tensor([1, 2], undefined, { dtype: 'int32' }).data();
    const d: Float64Array = eng.tensor(new Float64Array([1, 2])).mul(2).data();
    const e: Int32Array = eng.randn([2, 3]).argmax(1).data();
    const f: Float64Array = eng.randn([3]).to('float64').data();
    const x = eng.randn([2, 2], { dtype: 'float64', requiresGrad: true });
    x.matmul(x).sum().backward();
    const g: Float64Array | null = x.grad;
    const p = eng.parameter([1, 2]);
    const pg: Float32Array = p.grad;
    const { values, indices } = eng.randn([4]).sort();
    const v: Float32Array = values.data();
    const i: Int32Array = indices.data();
    const kept: Float64Array = eng.keep(eng.ones([2], { dtype: 'float64' })).data();
    for (const [arr, type] of [[a, Float32Array], [b, Float64Array], [c, Int32Array], [d, Float64Array], [e, Int32Array], [f, Float64Array],
      [g, Float64Array], [pg, Float32Array], [v, Float32Array], [i, Int32Array], [kept, Float64Array]] as const) {
      expect(arr).toBeInstanceOf(type);
    }
    // @ts-expect-error an f32 tensor's data is not a Float64Array
    const wrong: Float64Array = eng.tensor([1]).data();
    expect(wrong).toBeInstanceOf(Float32Array);
    // a tensor of unknown dtype has the union
    const any: Tensor = eng.zeros([1], { dtype: Math.random() < 2 ? 'float64' : 'float32' });
    const u: Float32Array | Float64Array | Int32Array = any.data();
    expect(u).toBeInstanceOf(Float64Array);
  });
});

describe('the binary imports', () => {
  it('are typed: what `import wasm from \'wasmgrad/wasm-simd\'` gives is a source createEngine takes', async () => {
    type Binary = typeof import('wasmgrad/wasm').default | typeof import('wasmgrad/wasm-simd').default | typeof import('wasmgrad/wasm-relaxed-simd').default;
    const { readFileSync } = await import('node:fs');
    const bytes: Binary = new Uint8Array(readFileSync(new URL('../build/wasmgrad.simd.wasm', import.meta.url)));
    const eng = await createEngine({ wasm: bytes });
    expect(eng.value(2).mul(3).data).toBe(6);
  });
});
