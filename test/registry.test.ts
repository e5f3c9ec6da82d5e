// The op registry (registry/ops.mjs) is the one declaration of every id that
// crosses the Wasm boundary: the generated files must be what `npm run gen`
// writes now, and every build of the module must agree with the registry.

import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, ROOT } from '../registry/generate.mjs';
import { COMPARE_KINDS, NODE_KINDS, OPS, REDUCE_KINDS } from '../registry/ops.mjs';
import {
  COMPARE_KIND_COUNT, DTYPE_CODE, DTYPE_NAMES, ELEMENTWISE, ERROR_CODE_COUNT, ERROR_NAMES, ErrorCode, NODE_KIND_COUNT, NODE_KIND_INFO, NodeKind,
  OP_COUNT, OP_INFO, OP_NAMES, Op, REDUCE_KIND_COUNT, type NodeKindName,
} from '../src/generated/ops.js';
import type { CoreExports } from '../src/wasm/tape.js';
import type { TensorExports } from '../src/wasm/tensor.js';

/** The exports that tell what the module was built with. */
interface RegistryExports {
  tensorOpArity(op: number): number;
  tensorKindArity(kind: number): number;
  compareKindCount(): number;
  reduceKindCount(): number;
  errorCodeCount(): number;
}
type Core = CoreExports & TensorExports & RegistryExports;

const BUILDS = ['wasmgrad.wasm', 'wasmgrad.simd.wasm', 'wasmgrad.relaxed.wasm'].filter((f) => existsSync(join(ROOT, 'build', f)));

async function instantiate(file: string): Promise<Core> {
  const { instance } = await WebAssembly.instantiate(await readFile(join(ROOT, 'build', file)), {});
  return instance.exports as unknown as Core;
}

describe('registry/ops.mjs', () => {
  it('generated every file that lists the ops as npm run gen would now', async () => {
    for (const { path, content } of generate()) {
      expect(await readFile(join(ROOT, path), 'utf8'), `${path} is stale: run npm run gen`).toBe(content);
    }
  });

  it('gives one name per id on the TypeScript side', () => {
    expect(OP_NAMES.map((name) => Op[name])).toEqual(OP_NAMES.map((_, id) => id));
    expect(OP_NAMES.length).toBe(OP_COUNT);
    for (const op of OPS) {
      if (op.kind === 'scalar') expect(OP_INFO[op.name as keyof typeof OP_INFO].arity, op.name).toBe(op.arity);
      expect(ELEMENTWISE[op.id]?.arity ?? null, op.name).toBe(op.method === null ? null : op.arity);
    }
    expect(DTYPE_NAMES.map((d) => DTYPE_CODE[d])).toEqual([0, 1, 2]);
    expect(Object.keys(ERROR_NAMES).map(Number)).toEqual(Array.from({ length: ERROR_CODE_COUNT - 1 }, (_, i) => i + 1));
  });
});

describe.each(BUILDS)('build/%s agrees with the registry', (file) => {
  it('on the arity of every scalar op and of every op on tensors', async () => {
    const c = await instantiate(file);
    expect(c.opCount()).toBe(OP_COUNT);
    for (let id = -1; id <= OP_COUNT; id++) expect(c.opArity(id), `opArity(${id})`).toBe(id in OP_NAMES ? OP_INFO[OP_NAMES[id]].arity : -1);
    const last = Math.max(...OPS.map((op) => op.id));
    for (let id = -1; id <= last + 1; id++) expect(c.tensorOpArity(id), `tensorOpArity(${id})`).toBe(ELEMENTWISE[id]?.arity ?? -1);
  });

  it('on which ops tensorUnary and tensorBinary take', async () => {
    const c = await instantiate(file);
    const x = c.tensorFull(DTYPE_CODE.float64, 0, 0.5);
    for (let id = 0; id <= Math.max(...OPS.map((op) => op.id)) + 1; id++) {
      const arity = ELEMENTWISE[id]?.arity;
      expect(c.tensorUnary(id, x) >= 0, `tensorUnary(${id})`).toBe(arity === 1);
      if (arity !== 1) expect(c.lastError()).toBe(ErrorCode.BadOp);
      expect(c.tensorBinary(id, x, x) >= 0, `tensorBinary(${id})`).toBe(arity === 2);
      if (arity !== 2) expect(c.lastError()).toBe(ErrorCode.BadOp);
    }
  });

  it('on the compare and reduce kinds, the dtypes and the error codes', async () => {
    const c = await instantiate(file);
    expect(c.compareKindCount()).toBe(COMPARE_KIND_COUNT);
    expect(c.reduceKindCount()).toBe(REDUCE_KIND_COUNT);
    expect(c.errorCodeCount()).toBe(ERROR_CODE_COUNT);
    expect([COMPARE_KINDS.length, REDUCE_KINDS.length]).toEqual([COMPARE_KIND_COUNT, REDUCE_KIND_COUNT]);
    const x = c.tensorFull(DTYPE_CODE.float64, 0, 2);
    for (let kind = 0; kind <= COMPARE_KIND_COUNT; kind++) expect(c.tensorCompare(kind, x, x) >= 0, `compare kind ${kind}`).toBe(kind < COMPARE_KIND_COUNT);
    expect(c.lastError()).toBe(ErrorCode.BadOp);
    for (let kind = 0; kind <= REDUCE_KIND_COUNT; kind++) expect(c.tensorReduce(kind, x, 0, 0) >= 0, `reduce kind ${kind}`).toBe(kind < REDUCE_KIND_COUNT);
    expect(c.lastError()).toBe(ErrorCode.BadOp);
    for (const dtype of DTYPE_NAMES) expect(c.tensorFull(DTYPE_CODE[dtype], 0, 1)).toBeGreaterThanOrEqual(0);
    expect(c.tensorFull(DTYPE_NAMES.length, 0, 1)).toBe(-1);
    expect(c.lastError()).toBe(ErrorCode.BadDType);
  });

  it('on the kind and the inputs of every tensor node', async () => {
    const c = await instantiate(file);
    const stage = (...ints: number[]) => new Int32Array(c.memory.buffer, c.tensorStage(), ints.length).set(ints);
    const f64 = (...shape: number[]) => { stage(...shape); return c.tensorFromData(DTYPE_CODE.float64, shape.length, 1); };
    const i32 = (...shape: number[]) => { stage(...shape); return c.tensorFull(DTYPE_CODE.int32, shape.length, 0); };
    const m = f64(2, 2);
    // One builder per kind: a kind added to the registry without one does not compile.
    const build: { readonly [K in NodeKindName]: () => number } = {
      Leaf: () => f64(2),
      Const: () => { stage(2); return c.tensorFull(DTYPE_CODE.float64, 1, 1); },
      Param: () => { stage(2); return c.slotNode(c.slotCreate(DTYPE_CODE.float64, 1, 1)); },
      Unary: () => c.tensorUnary(Op.Exp, m),
      Binary: () => c.tensorBinary(Op.Add, m, m),
      Where: () => c.tensorWhere(m, m, m),
      Compare: () => c.tensorCompare(0, m, m),
      Reduce: () => { stage(0); return c.tensorReduce(0, m, 1, 0); },
      Matmul: () => c.tensorMatmul(m, m, 0, 0),
      Reshape: () => { stage(4); return c.tensorReshape(m, 1); },
      Permute: () => { stage(1, 0); return c.tensorPermute(m); },
      Expand: () => { stage(3, 2, 2); return c.tensorExpand(m, 3); },
      Slice: () => { stage(0, 0, 1, 2); return c.tensorSlice(m); },
      Concat: () => c.tensorConcat(m, m, 0),
      Pad: () => { stage(1, 0, 0, 1); return c.tensorPad(m, 0); },
      IndexSelect: () => c.tensorIndexSelect(m, 0, i32(3)),
      Conv2d: () => { const x = f64(1, 1, 3, 3), w = f64(1, 1, 2, 2); stage(1, 1, 0, 0); return c.tensorConv2d(x, w); },
      MaxPool2d: () => { const x = f64(1, 1, 2, 2); stage(2, 2, 1, 1, 0, 0); return c.tensorPool2d(1, x); },
      AvgPool2d: () => { const x = f64(1, 1, 2, 2); stage(2, 2, 1, 1, 0, 0); return c.tensorPool2d(0, x); },
      Detach: () => c.tensorDetach(m),
      Cast: () => c.tensorCast(m, DTYPE_CODE.float32),
      CrossEntropy: () => c.tensorCrossEntropy(m, i32(2)),
    };
    expect(c.tensorKindArity(-1)).toBe(-1);
    expect(c.tensorKindArity(NODE_KIND_COUNT)).toBe(-1);
    for (const kind of NODE_KINDS) {
      const name = kind.name as NodeKindName;
      expect(NodeKind[name]).toBe(kind.id);
      const id = build[name]();
      expect(id, `${name}: error ${c.lastError()}`).toBeGreaterThanOrEqual(0);
      expect(c.tensorOp(id), name).toBe(kind.id);
      expect(c.tensorKindArity(kind.id), name).toBe(NODE_KIND_INFO[name].inputs.length);
    }
  });
});
