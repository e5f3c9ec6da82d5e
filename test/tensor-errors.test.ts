// Bad input throws before the backend is called, with a message naming the op
// and the problem; after every error the engine still computes correctly.
import { describe, expect, it } from 'vitest';
import { createEngine, F, type Engine } from '../src/index.js';
import { TENSOR_BACKENDS, expectAllClose, tensorEngine } from './tensor-helpers.js';

/** A small graph with a known gradient: the engine must still get it right after an error. */
function stillWorks(eng: Engine): void {
  const x = eng.tensor([1, 2, 3], undefined, { dtype: 'float64', requiresGrad: true });
  x.mul(x).sum().backward();
  expectAllClose(x.grad!, [2, 4, 6]);
}

describe.each(TENSOR_BACKENDS)('tensor errors (%s)', (backend) => {
  const CASES: [string, (eng: Engine) => unknown, string | RegExp][] = [
    ['matmul misaligned', (e) => e.zeros([2, 3]).matmul(e.zeros([4, 5])), 'matmul: shapes [2,3] and [4,5] are not aligned'],
    ['matmul 1-d misaligned', (e) => e.zeros([3]).matmul(e.zeros([4])), 'matmul: shapes [3] and [4] are not aligned'],
    ['matmul batch', (e) => e.zeros([2, 2, 3]).matmul(e.zeros([3, 3, 4])), 'matmul: batch dims of [2,2,3] and [3,3,4] cannot be broadcast'],
    ['broadcast', (e) => e.zeros([2, 3]).add(e.zeros([4])), 'add: shapes [2,3] and [4] cannot be broadcast'],
    ['where broadcast', (e) => e.where(e.zeros([2]), e.zeros([3]), 0), 'where: shapes [2] and [3] and [] cannot be broadcast'],
    ['dtypes', (e) => e.zeros([2]).add(e.zeros([2], { dtype: 'float64' })), "add: dtypes float32 and float64 differ; convert one with .to('float64')"],
    ['int32 exp', (e) => e.zeros([2], { dtype: 'int32' }).exp(), "exp: needs a float tensor, got int32; convert it with .to('float32')"],
    ['int32 requiresGrad', (e) => e.tensor([1], undefined, { dtype: 'int32', requiresGrad: true }), 'tensor: an int32 tensor cannot require grad'],
    ['bad dtype', (e) => e.zeros([2], { dtype: 'float16' as never }), "zeros: dtype must be 'float32', 'float64' or 'int32', got the string \"float16\""],
    ['string operand', (e) => e.zeros([2]).mul('2' as never), 'mul: expected a Tensor or a number, got the string "2"'],
    ['ragged', (e) => e.tensor([[1, 2], [3]]), 'tensor: the nested array is ragged: [1] should have 2 entries'],
    ['non-number', (e) => e.tensor([1, 'a' as never]), 'tensor: element [1] is the string "a", not a number'],
    ['shape/data size', (e) => e.tensor([1, 2, 3], [2, 2]), 'tensor: 3 values do not fill shape [2,2]'],
    ['reshape', (e) => e.zeros([2, 3]).reshape([4, -1]), 'reshape: cannot reshape [2,3] (size 6) into [4,-1]'],
    ['two -1', (e) => e.zeros([2, 3]).reshape([-1, -1]), 'reshape: only one dim can be -1, got [-1,-1]'],
    ['axis', (e) => e.zeros([2, 3]).sum(2), 'sum: axis 2 is out of range for a tensor of rank 2 (valid: -2..1)'],
    ['repeated axis', (e) => e.zeros([2, 3]).sum([1, -1]), 'sum: axis 1 is repeated'],
    ['permute', (e) => e.zeros([2, 3]).permute([0, 0]), 'permute: [0,0] is not a permutation of 2 dims'],
    ['expand', (e) => e.zeros([2, 3]).expand([4, 3]), 'expand: shape [2,3] cannot be broadcast to [4,3]'],
    ['indexSelect', (e) => e.zeros([2, 3]).indexSelect(1, [0, 3]), 'indexSelect: index 3 is out of range for dim 1 of size 3'],
    ['concat', (e) => e.concat([e.zeros([2, 3]), e.zeros([3, 3])], 1), 'concat: shapes [2,3], [3,3] differ outside axis 1'],
    ['conv channels', (e) => F.conv2d(e.zeros([1, 3, 5, 5]), e.zeros([2, 4, 3, 3])), 'conv2d: input [1,3,5,5] has 3 channels, weight [2,4,3,3] expects 4'],
    ['conv too big', (e) => F.conv2d(e.zeros([1, 1, 2, 2]), e.zeros([1, 1, 3, 3])), 'conv2d: the height kernel 3 does not fit the padded input (2 + 2·0)'],
    ['pool padding', (e) => F.maxPool2d(e.zeros([1, 1, 4, 4]), 2, { padding: 2 }), 'maxPool2d: padding [2,2] must be at most half the kernel [2,2]'],
    ['backward non-scalar', (e) => e.zeros([2], { requiresGrad: true }).exp().backward(), 'backward: only a one-element tensor can start backward; this one has shape [2] (reduce it first, e.g. with .sum())'],
    ['backward no grad', (e) => e.zeros([1]).exp().backward(), /backward: this tensor does not require grad/],
    ['item', (e) => e.zeros([2]).item(), 'item: only a tensor of one element has an item; this one has shape [2]'],
  ];
  for (const [name, f, message] of CASES) {
    it(`${name}: ${message}`, async () => {
      const eng = await tensorEngine(backend);
      expect(() => f(eng)).toThrow(message);
      stillWorks(eng);
    });
  }

  it('a tensor from before reset() throws, naming the generations; parameters survive', async () => {
    const eng = await tensorEngine(backend);
    const t = eng.ones([2]);
    const p = eng.parameter([1, 2]);
    eng.reset();
    for (const use of [() => t.add(1), () => t.data(), () => t.grad, () => p.add(t)]) {
      expect(use).toThrow(
        /this Tensor was made before eng\.reset\(\) and its node is gone \(made in generation 0, the tape is at generation 1\); keep tensors that must survive a reset with eng\.keep\(\) or eng\.parameter\(\)/,
      );
    }
    expect(Array.from(p.add(1).data())).toEqual([2, 3]);
    stillWorks(eng);
  });

  it('a tensor of another engine is rejected by name', async () => {
    const a = await tensorEngine(backend);
    const b = await tensorEngine(backend);
    const x = a.ones([2]);
    expect(() => b.ones([2]).add(x)).toThrow(/add: the Tensor belongs to \w+ engine #\d+, not \w+ engine #\d+; tensors of two engines cannot be mixed/);
    expect(() => b.concat([b.ones([2]), x])).toThrow(/concat: the Tensor belongs to/);
    stillWorks(a);
    stillWorks(b);
  });

  it('a freed parameter cannot be used', async () => {
    const eng = await tensorEngine(backend);
    const p = eng.parameter([1, 2]);
    p.free();
    expect(() => p.data()).toThrow('data: this parameter was freed with free()');
    expect(() => p.mul(2)).toThrow('mul: this parameter was freed with free()');
    stillWorks(eng);
  });
});
