// The memory API of issue 12: one out-of-memory error, addresses past 2 GiB,
// the memory figures of stats(), and eng.step(fn) / eng.scope(fn).
import { describe, expect, it } from 'vitest';
import {
  createEngine, Tensor, TensorParam, WasmgradMemoryError, WasmgradScopeError, WasmgradTapeBudgetError, type Engine,
} from '../src/index.js';
import { JsTape } from '../src/js/tape.js';
import { coreFailure, ERROR_NAMES, type WasmTape } from '../src/wasm/tape.js';
import { BACKENDS, engine } from './helpers.js';

const MiB = 2 ** 20;

/** A stand-in for the core's error reporting: lastError() returns `code`. */
function fakeCore(code: number) {
  return { lastError: () => code, memory: new WebAssembly.Memory({ initial: 2 }) };
}

describe('one out-of-memory error', () => {
  it('is a named RangeError with a code, exported from the package', () => {
    const err = new WasmgradMemoryError('matmul', 3 * MiB, 'Wasm linear memory could not grow to hold the request');
    expect(err).toBeInstanceOf(RangeError);
    expect(err.name).toBe('WasmgradMemoryError');
    expect(err.code).toBe('WASMGRAD_OUT_OF_MEMORY');
    expect(err.op).toBe('matmul');
    expect(err.memoryBytes).toBe(3 * MiB);
    expect(err.message).toMatch(/^matmul: out of memory: .*\(3145728 bytes, 3\.0 MiB of memory in use\); reset\(\) .*smaller tensors$/);
  });

  it("turns the core's OutOfMemory (11) into it, naming the op and the bytes of linear memory", () => {
    expect(ERROR_NAMES[11]).toBe('out of memory');
    const err = coreFailure(fakeCore(11), 'indexSelect', 'indexSelect');
    expect(err).toBeInstanceOf(WasmgradMemoryError);
    expect(err.message).toMatch(/^indexSelect: out of memory: Wasm linear memory could not grow to hold the request \(131072 bytes of memory in use\); reset\(\)/);
  });

  it('turns a trap (a core that still traps when memory cannot grow) into it, with the trap as cause', () => {
    const trap = new WebAssembly.RuntimeError('unreachable');
    const err = coreFailure(fakeCore(0), 'reset', 'reset', trap);
    expect(err).toBeInstanceOf(WasmgradMemoryError);
    expect(err.cause).toBe(trap);
  });

  it('keeps "the core rejected" for what only a wasmgrad bug can cause, and passes other errors as they are', () => {
    expect(coreFailure(fakeCore(7), 'matmul', 'matmul').message).toBe('wasmgrad: the core rejected matmul (error 7: bad shape)');
    const typeError = new TypeError('add: expected a Value or a number');
    expect(coreFailure(fakeCore(0), 'add', 'add', typeError)).toBe(typeError);
  });

  it("turns the twin's V8 allocation failure into the same error", () => {
    const v8 = new RangeError('Array buffer allocation failed');
    const err = new JsTape().failure('mul', v8);
    expect(err).toBeInstanceOf(WasmgradMemoryError);
    expect(err.message).toMatch(/^mul: out of memory: JavaScript could not allocate/);
    const other = new RangeError('mean: the list is empty');
    expect(new JsTape().failure('mean', other)).toBe(other);
  });

  // Needs the new core: it fills Wasm32's 4 GiB with 1 GiB tensors (the old core refuses the first one,
  // which also gives this error). Every kept tensor is intact afterwards and the engine keeps working.
  it('is what a Wasm engine throws when its 4 GiB are full, and the engine and kept tensors survive', async () => {
    const eng = await createEngine();
    const kept = eng.keep(eng.tensor([10, 20, 30]));
    const held: TensorParam[] = [];
    let error: unknown;
    try {
      for (let k = 0; k < 6; k++) {
        held.push(eng.parameter(eng.full([2 ** 28], k), undefined, { requiresGrad: false }));
        eng.reset();
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WasmgradMemoryError);
    expect((error as WasmgradMemoryError).message).toMatch(/^(full|parameter): out of memory: /);
    eng.reset();
    expect(Array.from(kept.data())).toEqual([10, 20, 30]);
    held.forEach((p, k) => expect(p.data()[2 ** 27], `kept tensor ${k}`).toBe(k));
    for (const p of held) p.free();
    expect(Array.from(eng.ones([2, 2]).matmul(eng.ones([2, 2])).data())).toEqual([2, 2, 2, 2]);
  }, 120_000);
});

describe('addresses past 2 GiB (Wasm)', () => {
  // An address is a u32 that JS receives as a negative i32 once linear memory passes 2 GiB.
  it('parameters, programs, tensor data and gradients all work past 2 GiB', async () => {
    const eng = await createEngine();
    const ballast: TensorParam[] = [];
    while (eng.stats().memoryBytes < 2.25 * 2 ** 30) ballast.push(eng.parameter(new Float32Array(2 ** 26), undefined, { requiresGrad: false }));
    const core = (eng.tape as WasmTape).core as unknown as { slotData(slot: number): number; tensorData(id: number): number };

    const p = eng.parameter([1, 2, 3]);
    expect(core.slotData(p.slot), 'the slot sits past 2 GiB').toBeLessThan(0);
    expect(Array.from(p.data())).toEqual([1, 2, 3]);
    p.assign([4, 5, 6]);
    const x = eng.tensor([1, 2, 3], undefined, { requiresGrad: true });
    expect(core.tensorData(eng.tensorIdOf(x, 'test')), 'the node sits past 2 GiB').toBeLessThan(0);
    x.mul(p).sum().backward();
    expect(Array.from(x.grad!)).toEqual([4, 5, 6]);
    expect(Array.from(p.grad)).toEqual([1, 2, 3]);
    expect(x.mul(2).toArray()).toEqual([2, 4, 6]);

    const w = eng.param(0.5);
    const program = eng.compile((a) => a.mul(w).add(1), [2]);
    expect(Array.from(program.run([3]).outputs)).toEqual([2.5]);
    expect(program.step(0.1, [3])).toBe(2.5);
    expect(eng.load(program.save()).forward([2])[0]).toBeCloseTo(2 * (0.5 - 0.1 * 3) + 1, 15);
    expect(eng.keep(x.mul(10)).data()[2]).toBe(30);
    eng.reset();
    expect(ballast.length).toBeGreaterThan(8);
  }, 120_000);
});

describe.each(BACKENDS)('stats() memory figures (%s)', (backend) => {
  it('tapeBytes and tensorArenaUsed count what the tape holds since the last reset, and are 0 after it', async () => {
    const eng = await engine(backend);
    expect(eng.stats().tapeBytes).toBe(0);
    expect(eng.stats().tensorArenaUsed).toBe(0);
    eng.value(1).mul(2); // 3 nodes: Leaf, Const, Mul
    expect(eng.stats().tapeBytes).toBe(3 * 26);
    const a = eng.ones([1000], { dtype: 'float64' });
    const used = eng.stats().tensorArenaUsed;
    expect(used).toBeGreaterThanOrEqual(8000);
    expect(used).toBeLessThan(8000 + 64);
    a.mul(a).sum();
    expect(eng.stats().tensorArenaUsed).toBeGreaterThanOrEqual(used + 8000 + 8);
    expect(eng.stats().tapeBytes).toBe(3 * 26 + eng.stats().tensorArenaUsed);
    eng.reset();
    expect(eng.stats().tapeBytes).toBe(0);
    expect(eng.stats().tensorArenaUsed).toBe(0);
  });

  it('tensorArenaPeak is the largest generation so far', async () => {
    const eng = await engine(backend);
    eng.zeros([MiB / 4]); // 1 MiB
    const big = eng.stats().tensorArenaUsed;
    eng.reset();
    eng.zeros([16]);
    expect(eng.stats().tensorArenaPeak).toBe(big);
    eng.reset();
    expect(eng.stats().tensorArenaPeak).toBe(big);
  });

  it('heapBytes counts parameters and kept tensors, which the tape does not', async () => {
    const eng = await engine(backend);
    const before = eng.stats();
    const p = eng.parameter(new Float32Array(MiB / 4)); // 1 MiB of data, 1 MiB of gradient
    const after = eng.stats();
    expect(after.heapBytes - before.heapBytes).toBeGreaterThanOrEqual(2 * MiB);
    expect(after.tapeBytes).toBe(before.tapeBytes);
    p.free();
  });
});

describe.each(BACKENDS)('eng.step(fn) and eng.scope(fn) (%s)', (backend) => {
  const setup = async () => {
    const eng = await engine(backend);
    const w = eng.parameter([1, 2, 3]);
    return { eng, w };
  };

  it('returns numbers as numbers and a Value as its number, then resets', async () => {
    const { eng } = await setup();
    const g = eng.stats().generation;
    expect(eng.step(() => 7)).toBe(7);
    let inner: ReturnType<Engine['value']> | undefined;
    const y = eng.step(() => (inner = eng.value(3)).mul(4));
    expect(y).toBe(12);
    expect(eng.stats().generation).toBe(g + 2);
    expect(eng.stats().tapeBytes).toBe(0);
    expect(() => inner!.data).toThrow(/made before eng\.reset\(\)/);
  });

  it('keeps a returned Tensor as a TensorParam that outlives the reset, and a TensorParam as it is', async () => {
    const { eng, w } = await setup();
    const slots = eng.stats().tensorSlots;
    const out = eng.scope(() => w.mul(2));
    expect(out).toBeInstanceOf(TensorParam);
    expect(out.toArray()).toEqual([2, 4, 6]);
    expect(out.requiresGrad).toBe(false);
    expect(eng.stats().tensorSlots).toBe(slots + 1);
    expect(eng.scope(() => w)).toBe(w);
    out.free();
  });

  it('converts arrays and plain objects recursively', async () => {
    const { eng, w } = await setup();
    const r = eng.step(() => {
      const loss = w.mul(w).sum();
      return { loss: loss.item(), parts: [eng.value(1).add(1), w.add(1)], nested: { name: 'x', ok: true, none: null } };
    });
    expect(r.loss).toBe(14);
    expect(r.parts[0]).toBe(2);
    expect(r.parts[1]).toBeInstanceOf(TensorParam);
    expect((r.parts[1] as TensorParam).toArray()).toEqual([2, 3, 4]);
    expect(r.nested).toEqual({ name: 'x', ok: true, none: null });
  });

  it('trains: each step backward, optimizer update, reset; parameters persist', async () => {
    const { eng, w } = await setup();
    const losses: number[] = [];
    for (let k = 0; k < 3; k++) {
      losses.push(eng.step(() => {
        const loss = w.mul(w).sum();
        w.zeroGrad();
        loss.backward();
        w.assign(Float32Array.from(w.data(), (v, i) => v - 0.25 * w.grad[i]));
        return loss.item();
      }));
    }
    expect(losses).toEqual([14, 3.5, 0.875]);
    expect(eng.stats().tapeBytes).toBe(0);
  });

  it('resets and rethrows when fn throws, freeing what it had kept', async () => {
    const { eng } = await setup();
    const g = eng.stats().generation;
    const slots = eng.stats().tensorSlots;
    const boom = new Error('boom');
    expect(() => eng.step(() => { eng.ones([3]); throw boom; })).toThrow(boom);
    expect(eng.stats().generation).toBe(g + 1);
    expect(eng.stats().tapeBytes).toBe(0);
    const dead = eng.step(() => eng.ones([1])) as TensorParam; // kept
    dead.free();
    let stale: Tensor | undefined;
    eng.step(() => { stale = eng.ones([2]); });
    // The second element cannot be kept (a tensor from before a reset): the first one's slot is freed again.
    expect(() => eng.step(() => [eng.ones([2]), stale])).toThrow(/made before eng\.reset\(\)/);
    expect(eng.stats().tensorSlots).toBe(slots);
  });

  it('refuses a Promise (an async fn) with a TypeError, after resetting', async () => {
    const { eng } = await setup();
    const g = eng.stats().generation;
    expect(() => eng.step(async () => 1)).toThrow(TypeError);
    expect(() => eng.scope(() => Promise.resolve(1))).toThrow(/fn returned a Promise; scope\(\) resets when fn returns/);
    expect(eng.stats().generation).toBe(g + 2);
  });

  it('refuses to nest, and to run inside compile()', async () => {
    const { eng } = await setup();
    let inner: unknown;
    expect(() => eng.step(() => { try { eng.scope(() => 1); } catch (err) { inner = err; throw err; } })).toThrow(WasmgradScopeError);
    expect((inner as Error).name).toBe('WasmgradScopeError');
    expect((inner as Error).message).toMatch(/^scope: cannot run inside eng\.step\(\)/);
    expect(() => eng.compile((x) => { eng.step(() => 1); return x; }, [1])).toThrow(/^step: cannot run inside compile\(\)'s fn/);
    expect(eng.step(() => eng.value(2).mul(3))).toBe(6); // usable afterwards
    expect(() => eng.step(42 as unknown as () => number)).toThrow(/^step: expected a function, got number 42$/);
  });

  it('lets the budget error through and still resets', async () => {
    const eng = await createEngine({ backend, maxTapeBytes: 26 * 100 });
    let x = eng.value(1);
    expect(() => eng.step(() => { for (let k = 0; k < 200; k++) x = x.add(1); })).toThrow(WasmgradTapeBudgetError);
    expect(eng.stats().tapeBytes).toBe(0);
  });
});
