// Edge cases found by review: freed parameters, sizes that overflow 32 bits,
// int32 arithmetic, many parameters in one optimizer, gradients of nodes a
// later backward does not reach. Every case runs on both backends and must
// give the same answer, a clear error, or both.
import { describe, expect, it } from 'vitest';
import { F, optim, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS, tensorEngine } from './tensor-helpers.js';

describe.each(TENSOR_BACKENDS)('tensor edge cases (%s)', (backend) => {
  it('a freed parameter cannot be used, and graphs built before the free never touch other slots', async () => {
    const eng = await tensorEngine(backend);
    const p = eng.parameter(new Float32Array(4).fill(1), [4]);
    const y = p.mul(2).sum();
    p.free();
    expect(() => p.mul(2)).toThrow('mul: this parameter was freed with free()');
    const k1 = eng.keep(eng.full([4], 7));
    const k2 = eng.keep(eng.full([4], 9));
    y.backward(); // adds into p's old gradient, which no other slot has been given
    eng.zeroGrad();
    expect(Array.from(k1.data())).toEqual([7, 7, 7, 7]);
    expect(Array.from(k2.data())).toEqual([9, 9, 9, 9]);
    eng.reset();
    const k3 = eng.keep(eng.full([4], 5));
    expect(Array.from(k3.add(k2).data())).toEqual([14, 14, 14, 14]);
    expect(eng.stats().tensorSlots).toBe(3);
  });

  it('sizes beyond 2^28 elements are refused with the op named, before the backend sees them', async () => {
    const eng = await tensorEngine(backend);
    const x = eng.tensor([1, 2, 3]);
    expect(() => x.pad([[2147483647, 2147483647]])).toThrow(/^pad: the padded tensor, of shape \[4294967297\] would have 4294967297 elements, more than the 268435456 \(2\^28\)/);
    expect(() => eng.zeros([65536, 65536])).toThrow('zeros: a tensor of shape [65536,65536] would have 4294967296 elements');
    expect(() => F.conv2d(eng.ones([1, 1, 1, 1]), eng.ones([1, 1, 1, 1]), null, { padding: 30000 })).toThrow(/^conv2d: the unfolded input \(im2col\), of shape \[1,3600120001\] would have/);
    expect(() => eng.ones([1 << 15, 1]).add(eng.ones([1 << 15]))).toThrow(/^add: a tensor of shape \[32768,32768\] would have/);
    expect(x.add(1).toArray()).toEqual([2, 3, 4]); // still working
  });

  it('int32 tensors take elementwise ops and where with any mask dtype, wrapping like an Int32Array', async () => {
    const eng = await tensorEngine(backend);
    const i = eng.tensor([1, -2, 3, 2 ** 30], undefined, { dtype: 'int32' });
    expect(i.neg().toArray()).toEqual([-1, 2, -3, -(2 ** 30)]);
    expect(i.add(i).toArray()).toEqual([2, -4, 6, -(2 ** 31)]); // 2^31 wraps
    expect(i.mul(2).maximum(0).toArray()).toEqual([2, 0, 6, 0]);
    expect(i.clamp(0, 2).toArray()).toEqual([1, 0, 2, 2]);
    const f = eng.tensor([10, 20, 30, 40]);
    expect(eng.where(i.gt(0), f, 0).toArray()).toEqual([10, 0, 30, 40]);
    const mask64 = eng.tensor([1, 0, 0, 1], undefined, { dtype: 'float64' });
    expect(eng.where(mask64, f, -1).toArray()).toEqual([10, -1, -1, 40]);
    const big = eng.tensor([1e20, -1e20, Infinity, NaN, -2.9], undefined, { dtype: 'float64' });
    expect(Array.from(big.to('int32').data())).toEqual(Array.from(Int32Array.from([1e20, -1e20, Infinity, NaN, -2.9])));
  });

  it('an optimizer steps any number of parameters', async () => {
    const eng = await tensorEngine(backend);
    const ps = Array.from({ length: 400 }, (_, k) => eng.parameter([k, -k], [2]));
    const opt = new optim.Adam(ps, { lr: 0.5 });
    ps.reduce((acc: Tensor, p) => acc.add(p.mul(p).sum()), eng.tensor(0)).backward();
    opt.step();
    // One Adam step from zero moments moves every parameter by lr·sign(grad) (0 stays 0).
    expect(Array.from(ps[399].data())).toEqual([398.5, -398.5]);
    expect(Array.from(ps[0].data(), Math.abs)).toEqual([0, 0]);
    const sgd = new optim.SGD(ps, { lr: 0.1, momentum: 0.9 });
    sgd.step();
    expect(ps[399].data()[0]).toBeCloseTo(398.5 - 0.1 * 798, 3);
  });

  it('a backward that does not reach a node leaves it 0, and maximum of NaN has a NaN gradient', async () => {
    const eng = await tensorEngine(backend);
    const x = eng.tensor([1, 2, 3], undefined, { requiresGrad: true });
    const a = x.mul(2), b = x.mul(3);
    a.sum().backward();
    expect(Array.from(a.grad!)).toEqual([1, 1, 1]);
    b.sum().backward();
    expect(Array.from(a.grad!)).toEqual([0, 0, 0]);
    expect(Array.from(x.grad!)).toEqual([5, 5, 5]); // leaves accumulate
    const n = eng.tensor([NaN, 1], undefined, { requiresGrad: true });
    n.maximum(eng.tensor([0, 0])).sum().backward();
    expect(Number.isNaN(n.grad![0])).toBe(true);
    expect(n.grad![1]).toBe(1);
  });

  it('a tensor made from a typed array owns its data: later writes to the array do not reach it', async () => {
    const eng = await tensorEngine(backend);
    const src = Float32Array.from([1, 2, 3]);
    const t = eng.tensor(src);
    const p = eng.parameter(src, [3]);
    src[0] = 99;
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(Array.from(p.data())).toEqual([1, 2, 3]);
  });

  it('a bias that is not a tensor is named', async () => {
    const eng = await tensorEngine(backend);
    const w = eng.ones([2, 3]);
    expect(() => F.linear(eng.ones([4, 3]), w, [1, 2] as unknown as Tensor)).toThrow('linear: bias must be a Tensor or null, got an array');
    expect(() => F.conv2d(eng.ones([1, 3, 4, 4]), eng.ones([2, 3, 3, 3]), 5 as unknown as Tensor)).toThrow('conv2d: bias must be a Tensor or null, got number 5');
  });

  it('a big generation followed by small ones keeps only what a generation uses', async () => {
    const eng = await tensorEngine(backend);
    eng.zeros([4 << 20]).sum(); // 16 MB
    eng.reset();
    for (let k = 0; k < 3; k++) {
      eng.ones([8]).sum();
      eng.reset();
    }
    expect(eng.stats().tensorBytes).toBeLessThan(20 << 20);
  });
});
