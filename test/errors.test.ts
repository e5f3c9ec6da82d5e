// Error classes with stable codes: each kind of bad input throws its own
// class (a subclass of the built-in error it would otherwise be), on both
// backends, and the engine keeps working afterwards.
import { describe, expect, it } from 'vitest';
import {
  createEngine, decodeSafetensors, F, SafetensorsError, WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError,
  WasmgradStaleHandleError, WasmgradValueError, type WasmgradErrorCode,
} from '../src/index.js';
import { BACKENDS } from './helpers.js';

function caught(fn: () => unknown): Error & { code?: WasmgradErrorCode } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: WasmgradErrorCode };
  }
  throw new Error('expected an error');
}

describe.each(BACKENDS)('error classes (%s)', (backend) => {
  it('shapes that do not fit: WasmgradShapeError, a RangeError with code WASMGRAD_SHAPE', async () => {
    const eng = await createEngine({ backend });
    const cases = [
      () => eng.tensor([1, 2, 3]).add(eng.tensor([1, 2])),
      () => eng.zeros([2, 3]).matmul(eng.zeros([2, 3])),
      () => eng.zeros([2, 3]).reshape([4, 2]),
      () => F.mse(eng.zeros([4, 1]), eng.zeros([4])),
    ];
    for (const c of cases) {
      const e = caught(c);
      expect(e).toBeInstanceOf(WasmgradShapeError);
      expect(e).toBeInstanceOf(RangeError);
      expect(e.code).toBe('WASMGRAD_SHAPE');
      expect(e.name).toBe('WasmgradShapeError');
    }
    expect(eng.tensor([1, 2]).add(eng.tensor([3, 4])).toArray()).toEqual([4, 6]);
  });

  it('a dtype an op does not take: WasmgradDTypeError, a TypeError with code WASMGRAD_DTYPE', async () => {
    const eng = await createEngine({ backend });
    const ints = eng.tensor([1, 2], undefined, { dtype: 'int32' });
    for (const c of [() => ints.exp(), () => eng.zeros([2], { dtype: 'float64' }).add(eng.zeros([2])), () => eng.tensor([1], undefined, { dtype: 'int32', requiresGrad: true })]) {
      const e = caught(c);
      expect(e).toBeInstanceOf(WasmgradDTypeError);
      expect(e).toBeInstanceOf(TypeError);
      expect(e.code).toBe('WASMGRAD_DTYPE');
    }
  });

  it('an argument of the wrong kind: WasmgradArgumentError (TypeError); a value out of range: WasmgradValueError (RangeError)', async () => {
    const eng = await createEngine({ backend });
    for (const c of [() => eng.zeros([2]).add('x' as never), () => eng.zeros([2]).sum(undefined, { keepdim: true } as never)]) {
      const e = caught(c);
      expect(e).toBeInstanceOf(WasmgradArgumentError);
      expect(e).toBeInstanceOf(TypeError);
      expect(e.code).toBe('WASMGRAD_BAD_ARGUMENT');
    }
    const idx = eng.tensor([0, 5], undefined, { dtype: 'int32' });
    const e = caught(() => eng.zeros([3, 2]).indexSelect(0, idx));
    expect(e).toBeInstanceOf(WasmgradValueError);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.code).toBe('WASMGRAD_BAD_VALUE');
  });

  it('a handle whose node is gone: WasmgradStaleHandleError with code WASMGRAD_STALE_HANDLE', async () => {
    const eng = await createEngine({ backend });
    const t = eng.tensor([1, 2]);
    const v = eng.value(3);
    const p = eng.parameter([1, 2]);
    p.free();
    eng.reset();
    for (const c of [() => t.add(1), () => v.add(1), () => p.data()]) {
      const e = caught(c);
      expect(e).toBeInstanceOf(WasmgradStaleHandleError);
      expect(e.code).toBe('WASMGRAD_STALE_HANDLE');
    }
    expect(eng.value(2).mul(3).data).toBe(6);
  });

  it('a handle of another engine: WasmgradArgumentError naming both engines', async () => {
    const eng = await createEngine({ backend });
    const other = await createEngine({ backend });
    for (const c of [() => eng.value(1).add(other.value(2)), () => eng.tensor([1]).add(other.tensor([1]))]) {
      const e = caught(c);
      expect(e).toBeInstanceOf(WasmgradArgumentError);
      expect(e.message).toMatch(/belongs to .* engine #\d+, not .* engine #\d+/);
    }
  });
});

it('a malformed weight file: SafetensorsError with code WASMGRAD_SAFETENSORS', () => {
  const e = caught(() => decodeSafetensors(new Uint8Array([1, 2, 3])));
  expect(e).toBeInstanceOf(SafetensorsError);
  expect(e.code).toBe('WASMGRAD_SAFETENSORS');
});
