// Running out of memory is one error on both backends: a WasmgradMemoryError
// from src/tape.ts's memoryError, named after the op the user called (sum,
// linear, zeros), never after the backend call that allocated (reduce,
// matmul, full), and never V8's bare RangeError. Memory is really exhausted:
// on Wasm the core's heap is filled to Wasm32's 4 GiB through its own alloc
// export; in the twin, typed arrays past a size fail as V8 fails when the
// heap cannot hold them.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, F, nn, optim, WasmgradMemoryError, type BackendName, type Engine, type Tensor, type TensorParam } from '../src/index.js';
import { CORE_OUT_OF_MEMORY, memoryError } from '../src/tape.js';

const MiB = 2 ** 20;

/** How each backend is made to run out, and the sizes that then cannot fit. */
interface Pressure {
  /** A matrix side: S×S elements (an op's output) cannot be allocated, S elements can. */
  side: number;
  /** Before the engine is made. */
  prepare(): void;
  squeeze(eng: Engine): void;
  release(): void;
  /** After the tests. */
  restore(): void;
}

type Core = { alloc(bytes: number): number; free(ptr: number): number };

function wasmPressure(): Pressure {
  let core: Core | undefined;
  const held: number[] = [];
  return {
    side: 4096, // 4096² f32 = 64 MiB
    prepare() {},
    squeeze(eng) {
      core = (eng as unknown as { tensors: { core: Core } }).tensors.core;
      // Blocks from 1 GiB down to 1 MiB until none fits: less than 2 MiB is left.
      for (let size = 2 ** 30; size >= MiB; size /= 2) {
        for (let p = core.alloc(size) >>> 0; p !== 0; p = core.alloc(size) >>> 0) held.push(p);
      }
    },
    release() {
      for (const p of held.splice(0)) core!.free(p);
    },
    restore() {},
  };
}

// The typed arrays are replaced before the engine is made, so that the
// scalar tape's arrays, which grow through their own constructor, are of them.
function jsPressure(): Pressure {
  let limit = Infinity;
  return {
    side: 64, // 4096 elements, past the limit
    prepare() {
      for (const name of ['Float32Array', 'Float64Array', 'Int32Array', 'Uint8Array'] as const) {
        const Base = globalThis[name] as unknown as new (...args: unknown[]) => object;
        vi.stubGlobal(name, class extends Base {
          constructor(...args: unknown[]) {
            if (typeof args[0] === 'number' && args[0] > limit) throw new RangeError('Array buffer allocation failed');
            super(...args);
          }
        });
      }
    },
    squeeze() {
      limit = 2048;
    },
    release() {
      limit = Infinity;
    },
    restore() {
      vi.unstubAllGlobals();
    },
  };
}

function thrown(f: () => unknown): WasmgradMemoryError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(WasmgradMemoryError);
    return err as WasmgradMemoryError;
  }
  return expect.fail('expected an out-of-memory error');
}

function expectNamed(err: WasmgradMemoryError, op: string): void {
  expect(err.op).toBe(op);
  expect(err.code).toBe('WASMGRAD_OUT_OF_MEMORY');
  expect(err.message).toMatch(new RegExp(`^${op}: out of memory: .* \\(\\d+ bytes[^)]* of memory in use\\); reset\\(\\) `));
  expect(err.memoryBytes).toBeGreaterThan(0);
}

describe.each(['wasm', 'js'] as BackendName[])('out of memory names the user op (%s)', (backend) => {
  const pressure = backend === 'wasm' ? wasmPressure() : jsPressure();
  const S = pressure.side;
  let eng: Engine;
  let kept: TensorParam, weights: TensorParam;
  let column: Tensor, row: Tensor, weight: Tensor, wide: Tensor, leaf: Tensor, loss: Tensor;
  let values: Float32Array;

  beforeAll(async () => {
    pressure.prepare();
    eng = await createEngine({ backend });
    kept = eng.keep(eng.tensor([10, 20, 30]));
    column = eng.ones([S, 1]);
    row = eng.ones([1, S]);
    weight = eng.ones([S, 1]);
    wide = eng.ones([S * S, 2]);
    leaf = eng.ones([S * S], { requiresGrad: true });
    loss = leaf.sum();
    values = new Float32Array(S * S);
    weights = eng.parameter(values, [S, S]);
    pressure.squeeze(eng);
  }, 60_000);

  afterAll(() => {
    pressure.release();
    pressure.restore();
  });

  it('matmul', () => expectNamed(thrown(() => column.matmul(row)), 'matmul'));
  it('linear (a matrix product inside)', () => expectNamed(thrown(() => F.linear(column, weight)), 'linear'));
  it('sum (a reduction inside)', () => expectNamed(thrown(() => wide.sum(1)), 'sum'));
  it('exp', () => expectNamed(thrown(() => leaf.exp()), 'exp'));
  it('zeros (a fill inside)', () => expectNamed(thrown(() => eng.zeros([S, S])), 'zeros'));
  it('randn', () => expectNamed(thrown(() => eng.randn([S, S])), 'randn'));
  it('parameter', () => expectNamed(thrown(() => eng.parameter(values, [S, S])), 'parameter'));
  it('a layer', () => expectNamed(thrown(() => new nn.Linear(eng, S, S)), 'Linear'));
  it("an optimizer's state", () => expectNamed(thrown(() => new optim.SGD([weights], { lr: 0.1, momentum: 0.9 })), 'optimizer'));
  it('backward (the gradients)', () => expectNamed(thrown(() => loss.backward()), 'backward'));

  it('a scalar op whose tape cannot grow', () => {
    const start = eng.value(1);
    let v = start;
    const err = thrown(() => {
      for (let i = 0; i < 4e6; i++) v = v.mul(1);
    });
    expectNamed(err, 'mul');
    expect(v.data).toBe(1);
  });

  it('and the engine, its kept tensors and its graph are intact afterwards', () => {
    pressure.release();
    expect(Array.from(kept.data())).toEqual([10, 20, 30]);
    loss.backward();
    expect(leaf.grad![S * S - 1]).toBe(1);
    expect(column.matmul(row).sum().item()).toBe(S * S);
    eng.reset();
    expect(eng.ones([2, 2]).sum().item()).toBe(4);
  });
});

describe('memoryError, the one translator', () => {
  it('says the core running out, a trap and V8 failing to allocate as the same error, naming the op', () => {
    const core = memoryError(CORE_OUT_OF_MEMORY, 'sum', 4 * MiB)!;
    expect(core.message).toMatch(/^sum: out of memory: Wasm linear memory could not grow to hold the request \(4194304 bytes, 4\.0 MiB of memory in use\)/);
    const trap = new WebAssembly.RuntimeError('unreachable');
    expect(memoryError(trap, 'matmul', MiB)!.cause).toBe(trap);
    for (const message of ['Array buffer allocation failed', 'Invalid typed array length: 4294967296']) {
      const v8 = new RangeError(message);
      const err = memoryError(v8, 'conv2d', MiB)!;
      expect(err).toBeInstanceOf(WasmgradMemoryError);
      expect(err.cause).toBe(v8);
      expect(err.message).toMatch(/^conv2d: out of memory: JavaScript could not allocate/);
    }
  });

  it("renames an error raised under a backend call's name, keeping what ran out and its cause", () => {
    const trap = new WebAssembly.RuntimeError('unreachable');
    const inner = memoryError(trap, 'reduce', MiB, 'the arena could not grow')!;
    const outer = memoryError(inner, 'mean', 2 * MiB)!;
    expect(outer.op).toBe('mean');
    expect(outer.memoryBytes).toBe(2 * MiB);
    expect(outer.message).toMatch(/^mean: out of memory: the arena could not grow \(2097152 bytes/);
    expect(outer.cause).toBe(trap);
    expect(memoryError(outer, 'mean', 2 * MiB)).toBe(outer);
  });

  it('passes everything else by', () => {
    expect(memoryError(new RangeError('mean: the list is empty'), 'mean', 0)).toBeUndefined();
    expect(memoryError(new TypeError('Array buffer allocation failed'), 'add', 0)).toBeUndefined();
    expect(memoryError(undefined, 'add', 0)).toBeUndefined();
  });
});
