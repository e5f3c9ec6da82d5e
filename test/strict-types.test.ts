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
