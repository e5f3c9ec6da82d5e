// The Wasm exports as a non-JS host sees them (docs/abi.md): bad arguments
// give -1/NaN and an error code, never a trap, and the module keeps working.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Op } from '../src/index.js';
import type { CoreExports } from '../src/wasm/tape.js';
import { programCorruptions } from './helpers.js';

async function instantiate(): Promise<CoreExports> {
  const bytes = await readFile(new URL('../build/wasmgrad.wasm', import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports as unknown as CoreExports;
}

const BAD_OP = 1;
const BAD_NODE = 2;
const BAD_PARAM = 3;

describe('Wasm ABI', () => {
  it('imports nothing and reports version 1', async () => {
    const module = await WebAssembly.compile(await readFile(new URL('../build/wasmgrad.wasm', import.meta.url)));
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    const core = await instantiate();
    expect(core.abiVersion()).toBe(1);
  });

  it('runs the seed example through raw exports', async () => {
    const c = await instantiate();
    const [w0, x0, w1, x1, w2] = [2, -1, -3, -2, -3].map((v) => c.pushLeaf(v));
    const d = c.pushBinary(Op.Add, c.pushBinary(Op.Add, c.pushBinary(Op.Mul, w0, x0), c.pushBinary(Op.Mul, w1, x1)), w2);
    const g = c.pushBinaryConst(Op.Add, c.pushUnary(Op.Exp, c.pushUnary(Op.Neg, d)), 1, 1);
    const h = c.pushBinaryConst(Op.Div, g, 1, 1);
    expect(c.backward(h)).toBe(0);
    expect(c.nodeValue(h)).toBeCloseTo(0.7310585786300049, 15);
    expect(c.nodeGrad(w1)).toBeCloseTo(-0.39322386648296376, 15);
    expect(c.nodeGrad(x1)).toBeCloseTo(-0.5898357997244457, 15);
    expect(c.nodeOp(h)).toBe(Op.Div);
    expect(c.nodeInput(h, 1)).toBe(g);
    expect(c.nodeInput(h, 2)).toBe(-1);
  });

  it('passes its zero-argument self-test and leaves parameters alone', async () => {
    const c = await instantiate();
    const slot = c.paramCreate(4);
    expect(c.selfTest()).toBe(0);
    expect(c.nodeCount()).toBe(0);
    expect(c.paramValue(slot)).toBe(4);
  });

  it('rejects bad node ids, op ids and slots with error codes', async () => {
    const c = await instantiate();
    const x = c.pushLeaf(1);
    expect(c.pushUnary(Op.Exp, 5)).toBe(-1);
    expect(c.lastError()).toBe(BAD_NODE);
    expect(c.lastError()).toBe(0); // reading clears it
    expect(c.pushBinary(Op.Add, x, -1)).toBe(-1);
    expect(c.lastError()).toBe(BAD_NODE);
    expect(c.pushUnary(Op.Add, x)).toBe(-1); // binary op through the unary export
    expect(c.lastError()).toBe(BAD_OP);
    expect(c.pushBinary(99, x, x)).toBe(-1);
    expect(c.lastError()).toBe(BAD_OP);
    expect(c.pushBinaryConst(Op.Tanh, x, 1, 0)).toBe(-1);
    expect(c.lastError()).toBe(BAD_OP);
    expect(c.pushBinary(Op.PowConst, x, x)).toBe(-1); // the exponent must be a Const
    expect(c.lastError()).toBe(BAD_OP);
    expect(c.pushBinaryConst(Op.PowConst, x, 2, 1)).toBe(-1); // c ** x has a gradient in x: that is Pow
    expect(c.lastError()).toBe(BAD_OP);
    expect(c.nodeValue(c.pushBinaryConst(Op.PowConst, x, 2, 0))).toBe(1);
    expect(c.nodeValue(1 << 30)).toBeNaN();
    expect(c.lastError()).toBe(BAD_NODE);
    expect(c.nodeGrad(-1)).toBeNaN();
    expect(c.backward(7)).toBe(-1);
    expect(c.pushParam(0)).toBe(-1);
    expect(c.lastError()).toBe(BAD_PARAM);
    expect(c.paramSetValue(3, 1)).toBe(-1);
    expect(c.paramValue(0)).toBeNaN();
    // A node id from before reset() is out of range afterwards.
    c.reset();
    expect(c.generation()).toBe(1);
    expect(c.nodeValue(x)).toBeNaN();
    // Still working.
    const y = c.pushLeaf(3);
    expect(c.nodeValue(c.pushUnary(Op.Neg, y))).toBe(-3);
  });

  it('keeps parameter slots across reset and grows memory without losing nodes', async () => {
    const c = await instantiate();
    const slot = c.paramCreate(0.5);
    let x = c.pushParam(slot);
    for (let i = 0; i < 100_000; i++) x = c.pushBinaryConst(Op.Mul, x, 1, 0);
    expect(c.nodeCapacity()).toBeGreaterThanOrEqual(200_001);
    c.backward(x);
    expect(c.nodeValue(x)).toBe(0.5);
    expect(c.paramGrad(slot)).toBe(1);
    c.reset();
    expect(c.paramValue(slot)).toBe(0.5);
    expect(c.paramGrad(slot)).toBe(1);
    c.zeroGrad();
    expect(c.paramGrad(slot)).toBe(0);
    const view = new Float64Array(c.memory.buffer, c.paramValuesPointer(), c.paramCount());
    expect(view[slot]).toBe(0.5);
  });
});

describe('Wasm ABI: serialized programs', () => {
  async function savedProgram(): Promise<Uint8Array> {
    const { createEngine } = await import('../src/index.js');
    const eng = await createEngine({ backend: 'js' });
    const w = eng.param(0.5);
    return eng.compile((x, y) => x.mul(w).add(y).tanh(), [1, 2]).save();
  }

  function place(c: CoreExports, bytes: Uint8Array): number {
    const ptr = c.alloc(bytes.length);
    new Uint8Array(c.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  it('loads and runs a program saved by the JS API', async () => {
    const c = await instantiate();
    const bytes = await savedProgram();
    const ptr = place(c, bytes);
    const id = c.programLoad(ptr, bytes.length);
    expect(c.free(ptr)).toBe(0);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(c.programInputCount(id)).toBe(2);
    expect(c.programSlotCount(id)).toBe(1);
    expect(c.paramValue(c.programSlot(id, 0))).toBe(0.5);
    c.programSetInput(id, 0, 3);
    c.programSetInput(id, 1, -1);
    expect(c.programRun(id)).toBe(0);
    const root = c.programRoot(id);
    expect(c.programValue(id, root)).toBe(Math.tanh(0.5));
    expect(c.programGrad(id, 0)).toBeCloseTo(0.5 * (1 - Math.tanh(0.5) ** 2), 15);
    expect(c.programStep(id, 0.1)).toBe(0);
    expect(c.programFree(id)).toBe(0);
    expect(c.programRun(id)).toBe(-1);
    expect(c.lastError()).toBe(4);
  });

  it('rejects every corruption the JS loader rejects, with an error code, and creates nothing', async () => {
    const c = await instantiate();
    const { createEngine } = await import('../src/index.js');
    const eng = await createEngine({ backend: 'js' });
    const good = eng.compile((x, y) => x.mul(y).exp(), [1, 2]).save();
    for (const [what, bytes] of programCorruptions(good)) {
      const ptr = place(c, bytes);
      expect(c.programLoad(ptr, bytes.length), what).toBe(-1);
      expect(c.lastError(), what).toBe(5);
      expect(c.free(ptr)).toBe(0);
    }
    const ptr = place(c, good);
    expect(c.programLoad(ptr, good.length)).toBe(0); // the unedited bytes load
    expect(c.paramCount()).toBe(0);
    expect(c.programLoad(1 << 30, 100)).toBe(-1); // outside memory
    expect(c.free(12345)).toBe(-1);
  });
});
