// The module's own heap (assembly/memory.ts) and the tensor arena on top of
// it: no export traps when memory runs out, the size limit holds for every
// op's output, and linear memory stays near what the steps so far needed.
// Checked on each Wasm build through the raw exports, and through the API
// where the issue was seen there.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/index.js';
import { chooseBuild, hasRelaxedSimd, instantiateCore, type WasmBuild } from '../src/wasm/load.js';
import { BACKENDS } from './helpers.js';
import { runKind } from './core-run.js';

const MiB = 2 ** 20;
const BUILDS: WasmBuild[] = ['baseline', 'simd', ...(hasRelaxedSimd() ? (['relaxed-simd'] as const) : [])];
const OUT_OF_MEMORY = 11;
const BAD_SHAPE = 7;

type Core = Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };

async function core(build: WasmBuild): Promise<Core> {
  return (await instantiateCore(undefined, build)).exports as unknown as Core;
}

function stageInts(c: Core, ints: number[]): void {
  new Int32Array(c.memory.buffer, c.tensorStage() >>> 0, ints.length).set(ints);
}

describe.each(BUILDS)('the heap, on the %s build', (build) => {
  it('gives blocks of 1 GiB and more, past 2 GiB of memory, and answers 0 with code 11 where memory cannot grow', async () => {
    const c = await core(build);
    const big = c.alloc(1.25 * 2 ** 30) >>> 0;
    expect(big).toBeGreaterThan(0);
    const second = c.alloc(1.25 * 2 ** 30) >>> 0;
    expect(second).toBeGreaterThan(0);
    const past2GiB = c.alloc(32 * MiB) >>> 0;
    expect(past2GiB).toBeGreaterThan(2 ** 31); // read unsigned: the i32 is negative
    new Uint8Array(c.memory.buffer, past2GiB, 16).fill(7);
    expect(new Uint8Array(c.memory.buffer, past2GiB, 16)[15]).toBe(7);
    expect(c.alloc(2 ** 31) >>> 0).toBe(0); // 2.5 GiB in use: 2 GiB more is past 4 GiB
    expect(c.lastError()).toBe(OUT_OF_MEMORY);
    expect(c.alloc(0xffffffff) >>> 0).toBe(0);
    expect(c.lastError()).toBe(OUT_OF_MEMORY);
    expect(c.free(past2GiB)).toBe(0);
    expect(c.free(second)).toBe(0);
    expect(c.free(big)).toBe(0);
    // Freed blocks merge: the same 2.5 GiB comes back without growing memory.
    const pages = c.memory.buffer.byteLength;
    const again = c.alloc(2.5 * 2 ** 30) >>> 0;
    expect(again).toBeGreaterThan(0);
    expect(c.memory.buffer.byteLength).toBe(pages);
    expect(c.free(again)).toBe(0);
    expect(c.selfTest()).toBe(0);
  });

  it('refuses a tensor past memory with code 11 and keeps every other tensor, slot and node', async () => {
    const c = await core(build);
    stageInts(c, [3]);
    const slot = c.slotCreate(1, 1, 0);
    new Float64Array(c.memory.buffer, c.slotData(slot) >>> 0, 3).set([10, 20, 30]);
    const hog = c.alloc(3.2 * 2 ** 30) >>> 0; // the host's block: what is left is under 1 GiB
    expect(hog).toBeGreaterThan(0);
    stageInts(c, [2 ** 27]);
    const a = c.tensorFull(0, 1, 0.5); // 512 MiB
    expect(a).toBeGreaterThanOrEqual(0);
    const nodes = c.tensorCount();
    stageInts(c, [2 ** 28]);
    expect(c.tensorFull(0, 1, 2)).toBe(-1);
    expect(c.lastError()).toBe(OUT_OF_MEMORY);
    expect(runKind(c, 'Unary', [a], { op: 13 })).toBe(-1); // nor does tanh's output
    expect(c.lastError()).toBe(OUT_OF_MEMORY);
    expect(c.tensorCount()).toBe(nodes);
    expect(new Float32Array(c.memory.buffer, c.tensorData(a) >>> 0, 2 ** 27)[2 ** 27 - 1]).toBe(0.5);
    c.tensorReset();
    expect(c.free(hog)).toBe(0);
    expect(Array.from(new Float64Array(c.memory.buffer, c.slotData(slot) >>> 0, 3))).toEqual([10, 20, 30]);
    // The memory of the failed step and of the host's block is the next step's.
    const pages = c.memory.buffer.byteLength;
    stageInts(c, [2 ** 27]);
    const b = c.tensorFull(1, 1, -0.5);
    const t = runKind(c, 'Unary', [b], { op: 18 }); // abs: 2 GiB of f64 in all
    expect(t).toBeGreaterThanOrEqual(0);
    expect(new Float64Array(c.memory.buffer, c.tensorData(t) >>> 0, 2 ** 27)[2 ** 27 - 1]).toBe(0.5);
    expect(c.memory.buffer.byteLength).toBe(pages);
  });

  it('checks the size of every output before any work: indexSelect past 2^28 elements is code 7, and nothing is written', async () => {
    const c = await core(build);
    stageInts(c, [3]);
    const slot = c.slotCreate(0, 1, 0);
    new Float32Array(c.memory.buffer, c.slotData(slot) >>> 0, 3).set([10, 20, 30]);
    stageInts(c, [1, 8192]);
    const ones = c.tensorFull(0, 2, 1);
    stageInts(c, [131072]);
    const indices = c.tensorFull(2, 1, 0);
    const before = c.memory.buffer.byteLength;
    expect(runKind(c, 'IndexSelect', [ones, indices], { axis: 0 })).toBe(-1); // 2^30 elements
    expect(c.lastError()).toBe(BAD_SHAPE);
    expect(c.memory.buffer.byteLength).toBe(before);
    // broadcasting two valid shapes into one too large is refused the same way
    stageInts(c, [2 ** 15, 1]);
    const col = c.tensorFull(0, 2, 1);
    stageInts(c, [1, 2 ** 15]);
    const row = c.tensorFull(0, 2, 1);
    expect(runKind(c, 'Binary', [col, row], { op: 3 })).toBe(-1);
    expect(c.lastError()).toBe(BAD_SHAPE);
    c.tensorReset();
    expect(Array.from(new Float32Array(c.memory.buffer, c.slotData(slot) >>> 0, 3))).toEqual([10, 20, 30]);
    stageInts(c, [2, 2]);
    const m = c.tensorFull(0, 2, 1);
    const p = runKind(c, 'Matmul', [m, m], { transA: false, transB: false });
    expect(Array.from(new Float32Array(c.memory.buffer, c.tensorData(p) >>> 0, 4))).toEqual([2, 2, 2, 2]);
  });

  it('backward that cannot get its gradient buffers changes no gradient', async () => {
    const c = await core(build);
    stageInts(c, [1]);
    const w = c.slotCreate(0, 1, 1);
    new Float32Array(c.memory.buffer, c.slotGrad(w) >>> 0, 1)[0] = 5;
    const wn = c.slotNode(w);
    const hog = c.alloc(2.5 * 2 ** 30) >>> 0;
    stageInts(c, [2 ** 27]);
    const big = c.tensorFromData(0, 1, 1); // 512 MiB of f32 that wants a gradient
    new Float32Array(c.memory.buffer, c.tensorData(big) >>> 0, 2 ** 27).fill(1);
    const prod = runKind(c, 'Binary', [big, wn], { op: 5 }); // 512 MiB more; backward needs 1 GiB of gradients on top
    expect(prod).toBeGreaterThanOrEqual(0);
    const loss = runKind(c, 'Reduce', [prod], { kind: 0, axes: [0], keepdims: false });
    expect(c.tensorBackward(loss)).toBe(-1);
    expect(c.lastError()).toBe(OUT_OF_MEMORY);
    expect(new Float32Array(c.memory.buffer, c.slotGrad(w) >>> 0, 1)[0]).toBe(5);
    c.tensorReset();
    expect(c.free(hog)).toBe(0);
    stageInts(c, [4]);
    const small = c.tensorFull(0, 1, 3);
    const sum = runKind(c, 'Reduce', [runKind(c, 'Binary', [small, c.slotNode(w)], { op: 5 })], { kind: 0, axes: [0], keepdims: false });
    expect(c.tensorBackward(sum)).toBe(0);
    expect(new Float32Array(c.memory.buffer, c.slotGrad(w) >>> 0, 1)[0]).toBe(5 + 12);
  });
});

/** Linear memory now, and the bound the docs promise from what the steps so far needed (read after a reset). */
function footprint(eng: Engine): { bytes: number; bound: number } {
  const core = (eng as unknown as { tensors: { core: Core } }).tensors.core;
  // After a reset the arena has handed its chunks back, so the heap's live
  // blocks are what persists: tapes, tables, slots, programs, kernel scratch.
  const persistent = core.heapBytes();
  return { bytes: core.memory.buffer.byteLength, bound: 1.5 * (core.tensorArenaPeak() + persistent) + 8 * MiB };
}

describe('the footprint of a run of steps of mixed sizes (Wasm)', () => {
  // One step: a tensor of n f32, times a parameter, summed, backward: about
  // 3n·4 bytes of data and gradients on the arena.
  const step = (eng: Engine, w: ReturnType<Engine['parameter']>, mib: number) => {
    const n = Math.floor((mib * MiB) / 12);
    eng.full([n], 1).mul(w).sum().backward();
    eng.reset();
  };
  for (const [name, sizes] of [
    ['small to large', [1, 4, 16, 64, 256, 512, 1, 64]],
    ['large to small', [512, 256, 64, 16, 4, 1, 512, 1]],
  ] as const) {
    it(`${name}: linear memory stays within 1.5 × (the largest step + what persists) + 8 MiB, and later steps reuse it`, async () => {
      const eng = await createEngine({ relaxedSimd: false });
      const w = eng.parameter([2]);
      const keptBefore = eng.keep(eng.arange(1000));
      let largest = 0;
      for (const mib of sizes) {
        const before = footprint(eng).bytes;
        step(eng, w, mib);
        const { bytes, bound } = footprint(eng);
        expect(bytes, `after a ${mib} MiB step`).toBeLessThanOrEqual(bound);
        if (mib <= largest) expect(bytes, `a ${mib} MiB step after a ${largest} MiB one grew memory`).toBe(before);
        largest = Math.max(largest, mib);
      }
      const afterAll = footprint(eng).bytes;
      for (const mib of sizes) step(eng, w, mib);
      expect(footprint(eng).bytes, 'a second pass over the same sizes').toBe(afterAll);
      expect(keptBefore.data()[999]).toBe(999);
    });
  }

  it('a scalar chain of 4·10^6 nodes costs about its own tape, and reset keeps it for the next chain', async () => {
    const eng = await createEngine();
    let v = eng.value(0.5);
    for (let i = 0; i < 4e6; i++) v = v.mul(0.999999);
    const tapeBytes = eng.stats().capacity * 26;
    const core = (eng as unknown as { tensors: { core: Core } }).tensors.core;
    expect(core.memory.buffer.byteLength).toBeLessThanOrEqual(1.5 * tapeBytes + 8 * MiB);
    eng.reset();
    const before = core.memory.buffer.byteLength;
    let u = eng.value(0.5);
    for (let i = 0; i < 4e6; i++) u = u.mul(0.999999);
    expect(core.memory.buffer.byteLength).toBe(before);
  });
});

describe.each(BACKENDS)('tanh(-0) is -0 (%s)', (backend) => {
  it('on every path: scalar, compiled, f32 and f64 tensors', async () => {
    const eng = await createEngine({ backend });
    expect(Object.is(eng.value(-0).tanh().data, -0)).toBe(true);
    expect(Object.is(eng.value(0).tanh().data, 0)).toBe(true);
    const program = eng.compile((x) => x.tanh(), [1]);
    expect(Object.is(program.forward([-0])[0], -0)).toBe(true);
    for (const dtype of ['float32', 'float64'] as const) {
      const out = eng.tensor([-0, 0, -1e-300], [3], { dtype }).tanh().data();
      expect(Object.is(out[0], -0), dtype).toBe(true);
      expect(Object.is(out[1], 0), dtype).toBe(true);
      expect(Object.is(out[2], dtype === 'float32' ? -0 : -1e-300), dtype).toBe(true);
    }
  });
});

it('the loader picks a build this suite covers', () => {
  expect(BUILDS).toContain(chooseBuild());
});
