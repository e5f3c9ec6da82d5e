// The Wasm exports as a non-JS host sees them (docs/abi.md): bad arguments
// give -1/NaN and an error code, never a trap, and the module keeps working.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Op } from '../src/index.js';
import type { CoreExports } from '../src/wasm/tape.js';

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
