// Tensors, parameters, Values and engines as text: PyTorch's format for
// tensors (what its `print` gives for the same values), the REPL and
// console.log showing that text rather than the handles' fields, and handles
// freed by reset() printing as freed instead of throwing. Both backends.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/index.js';
import { formatData } from '../src/tensor/format.js';

describe('formatData, PyTorch\'s formats', () => {
  const f = (values: number[], shape: number[], dtype: 'float32' | 'float64' | 'int32' = 'float64') =>
    formatData(dtype === 'int32' ? Int32Array.from(values) : Float64Array.from(values), shape, dtype, 7);
  it.each([
    ['whole floats as 1.', [1, -2, 3], [3], '[ 1., -2.,  3.]'],
    ['4 decimals otherwise', [0.5, 1.25], [2], '[0.5000, 1.2500]'],
    ['scientific when the magnitudes span more than 10^3', [1, 1e5], [2], '[1.0000e+00, 1.0000e+05]'],
    ['scientific below 10^-4', [0.5, 2e-5], [2], '[5.0000e-01, 2.0000e-05]'],
    ['scientific past 10^8', [2e8, 3e8], [2], '[2.0000e+08, 3.0000e+08]'],
    ['nan and inf', [NaN, -Infinity, 0.5], [3], '[   nan,   -inf, 0.5000]'],
    ['a scalar', [2.5], [], '2.5000'],
    ['rows aligned under the first', [1, 2, 3, 4], [2, 2], '[[1., 2.],\n        [3., 4.]]'],
    ['a blank line between matrices', [1, 2, 3, 4], [2, 1, 2], '[[[1., 2.]],\n\n        [[3., 4.]]]'],
    ['empty', [], [0], '[]'],
  ])('%s', (_, values, shape, expected) => {
    expect(f(values as number[], shape as number[])).toBe(expected);
  });

  it('writes int32 as integers, right-aligned', () => {
    expect(f([1, -20, 300], [3], 'int32')).toBe('[  1, -20, 300]');
  });

  it('summarises past 1,000 elements to 3 entries at each end of every dim', () => {
    const values = Array.from({ length: 2000 }, (_, i) => i % 7);
    const text = f(values, [40, 50]);
    expect(text.split('\n')).toHaveLength(7); // 3 rows, '...', 3 rows
    expect(text.split('\n')[3].trim()).toBe('...,');
    expect(text.split('\n')[0]).toBe('[[0., 1., 2., ..., 5., 6., 0.],'); // 47 % 7, 48 % 7, 49 % 7
  });
});

describe.each(['wasm', 'js'] as const)('printing on the %s backend', (backend) => {
  it('shows tensors and parameters as PyTorch does, in String() and inspect()', async () => {
    const eng = await createEngine({ backend });
    const t = eng.tensor([[0.1, -2.25], [3, 4]], undefined, { dtype: 'float64' });
    expect(String(t)).toBe('tensor([[ 0.1000, -2.2500],\n        [ 3.0000,  4.0000]], dtype=float64)');
    expect(inspect(t)).toBe(String(t));
    const x = eng.tensor([1, 2], undefined, { requiresGrad: true });
    expect(String(x)).toBe('tensor([1., 2.], requiresGrad=true)');
    const p = eng.parameter([[1, 2], [3, 4]]);
    expect(inspect(p)).toBe('Parameter containing:\ntensor([[1., 2.],\n        [3., 4.]], requiresGrad=true)');
    expect(String(eng.keep(t))).toBe(String(t));
    expect(String(eng.tensor([7, 8], undefined, { dtype: 'int32' }))).toBe('tensor([7, 8], dtype=int32)');
  });

  it('prints handles freed by reset() as freed, and Values and engines without their internals', async () => {
    const eng = await createEngine({ backend });
    const t = eng.tensor([1, 2]);
    const v = eng.value(2, 'x');
    expect(inspect(v)).toBe('Value(x, data=2, grad=0)');
    expect(inspect(eng)).toMatch(/^Engine\((wasm|js) engine #\d+\)$/);
    eng.reset();
    expect(String(t)).toBe('tensor(<freed by eng.reset()>, shape=[2], dtype=float32)');
    expect(String(v)).toBe('Value(<freed by eng.reset()>)');
    const p = eng.parameter([1]);
    p.free();
    expect(String(p)).toBe('Parameter(<freed>, shape=[1], dtype=float32)');
  });
});
