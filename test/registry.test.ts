// The op registry (registry/ops.mjs) is the one declaration of every id that
// crosses the Wasm boundary: the generated files must be what `npm run gen`
// writes now, and every build of the module must agree with the registry.

import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, ROOT } from '../registry/generate.mjs';
import { COMPARE_KINDS, NODE_KINDS, OPS, REDUCE_KINDS } from '../registry/ops.mjs';
import { runKind } from './core-run.js';
import {
  COMPARE_KIND_COUNT, DTYPE_CODE, DTYPE_NAMES, ELEMENTWISE, ERROR_CODE_COUNT, ERROR_NAMES, ErrorCode, NODE_KIND_COUNT, NODE_KIND_INFO, NodeKind,
  ATTR_LAYOUT, OP_COUNT, OP_INFO, OP_NAMES, Op, REDUCE_KIND_COUNT, type NodeKindName, type OpKindName,
} from '../src/generated/ops.js';
import type { CoreExports } from '../src/wasm/tape.js';

/** The module's exports as the compiler declares them: src/generated/exports.ts. */
type Core = CoreExports;

const BUILDS = ['wasmgrad.wasm', 'wasmgrad.simd.wasm', 'wasmgrad.relaxed.wasm'].filter((f) => existsSync(join(ROOT, 'build', f)));

async function instantiate(file: string): Promise<Core> {
  const { instance } = await WebAssembly.instantiate(await readFile(join(ROOT, 'build', file)), {});
  return instance.exports as unknown as Core;
}

describe('src/generated/exports.ts', () => {
  it('declares every export of every build, and nothing the builds lack', async () => {
    const text = await readFile(join(ROOT, 'src/generated/exports.ts'), 'utf8');
    const declared = [...text.matchAll(/^  (\w+)\(/gm)].map((m) => m[1]).sort();
    for (const file of BUILDS) {
      const { instance } = await WebAssembly.instantiate(await readFile(join(ROOT, 'build', file)), {});
      const exported = Object.keys(instance.exports).filter((k) => typeof instance.exports[k] === 'function').sort();
      expect(exported, `${file}: run npm run build, then npm run gen`).toEqual(declared);
    }
  });
});

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

  it('on which ops Unary and Binary nodes take', async () => {
    const c = await instantiate(file);
    const x = c.tensorFull(DTYPE_CODE.float64, 0, 0.5);
    for (let id = 0; id <= Math.max(...OPS.map((op) => op.id)) + 1; id++) {
      const arity = ELEMENTWISE[id]?.arity;
      expect(runKind(c, 'Unary', [x], { op: id as never }) >= 0, `Unary(${id})`).toBe(arity === 1);
      if (arity !== 1) expect(c.lastError()).toBe(ErrorCode.BadOp);
      expect(runKind(c, 'Binary', [x, x], { op: id as never }) >= 0, `Binary(${id})`).toBe(arity === 2);
      if (arity !== 2) expect(c.lastError()).toBe(ErrorCode.BadOp);
    }
  });

  it('on where tensorRun reads each attribute of each kind, and on which kinds it records', async () => {
    const c = await instantiate(file);
    const stride = Math.max(...NODE_KINDS.map((k) => k.attrs.length));
    for (const kind of NODE_KINDS) {
      const layout = kind.inputs.length > 0 ? ATTR_LAYOUT[kind.name as OpKindName] : [];
      expect(layout.map((a) => a.name), kind.name).toEqual(kind.inputs.length > 0 ? kind.attrs.map((a) => a.name) : []);
      for (let k = -1; k <= stride; k++) {
        expect(c.tensorAttrWord(kind.id, k), `${kind.name} attribute ${k}`).toBe(layout[k]?.word ?? -1);
      }
      if (kind.inputs.length === 0) {
        expect(c.tensorRun(kind.id, -1, -1, -1), `${kind.name} is a leaf`).toBe(-1);
        expect(c.lastError()).toBe(ErrorCode.BadOp);
      }
    }
    for (const kind of [-1, NODE_KIND_COUNT, 0x7fffffff]) {
      expect(c.tensorAttrWord(kind, 0)).toBe(-1);
      expect(c.tensorRun(kind, 0, -1, -1)).toBe(-1);
      expect(c.lastError()).toBe(ErrorCode.BadOp);
    }
  });

  it('on the attributes it reads back from the layout: a round trip through each kind', async () => {
    const c = await instantiate(file);
    const stage = (...ints: number[]) => new Int32Array(c.memory.buffer, c.tensorStage(), ints.length).set(ints);
    stage(2, 3);
    const x = c.tensorFromData(DTYPE_CODE.float64, 2, 0);
    new Float64Array(c.memory.buffer, c.tensorData(x), 6).set([1, 2, 3, 4, 5, 6]);
    const shape = (id: number) => Array.from({ length: c.tensorRank(id) }, (_, d) => c.tensorDim(id, d));
    const data = (id: number) => Array.from(new Float64Array(c.memory.buffer, c.tensorData(id), c.tensorSize(id)));
    // every attribute at its own word: a layout that put two at one word, or one at the wrong word, changes an answer
    const r = runKind(c, 'Reduce', [x], { kind: 0, axes: [1], keepdims: true });
    expect([shape(r), data(r)]).toEqual([[2, 1], [6, 15]]);
    const s = runKind(c, 'Slice', [x], { starts: [1, 0], ends: [2, 2] });
    expect([shape(s), data(s)]).toEqual([[1, 2], [4, 5]]);
    const p = runKind(c, 'Pad', [x], { before: [0, 1], after: [1, 0], value: -0.5 });
    expect([shape(p), data(p)]).toEqual([[3, 4], [-0.5, 1, 2, 3, -0.5, 4, 5, 6, -0.5, -0.5, -0.5, -0.5]]);
    const m = runKind(c, 'Matmul', [x, x], { transA: false, transB: true });
    expect([shape(m), data(m)]).toEqual([[2, 2], [14, 32, 32, 77]]);
    const q = runKind(c, 'Cast', [x], { dtype: 'int32' });
    expect(c.tensorDType(q)).toBe(DTYPE_CODE.int32);
    // and back: tensorNodeInfo stages each node's attributes at the same words, tensorInput gives its inputs
    const words = (n: number) => Array.from(new Int32Array(c.memory.buffer, c.tensorStage(), n));
    expect([c.tensorNodeInfo(r), words(11)]).toEqual([NodeKind.Reduce, [0, 1, 1, ...words(11).slice(3, 10), 1]]);
    expect([c.tensorNodeInfo(s), words(12).filter((_, i) => [0, 1, 2, 9, 10, 11].includes(i))]).toEqual([NodeKind.Slice, [2, 1, 0, 2, 2, 2]]);
    expect(c.tensorNodeInfo(p)).toBe(NodeKind.Pad);
    expect([words(3), words(12).slice(9), new Float64Array(c.memory.buffer, c.tensorStage(), 10)[9]]).toEqual([[2, 0, 1], [2, 1, 0], -0.5]);
    expect([c.tensorNodeInfo(m), words(2)]).toEqual([NodeKind.Matmul, [0, 1]]);
    expect([c.tensorNodeInfo(q), words(1)]).toEqual([NodeKind.Cast, [DTYPE_CODE.int32]]);
    expect([c.tensorInput(m, 0), c.tensorInput(m, 1), c.tensorInput(m, 2), c.tensorInput(x, 0)]).toEqual([x, x, -1, -1]);
    expect(c.tensorNodeInfo(x)).toBe(NodeKind.Const);
    expect(c.tensorNodeInfo(c.tensorCount())).toBe(-1);
    expect(c.lastError()).toBe(ErrorCode.BadTensor);
    expect(c.tensorInput(m, 3)).toBe(-1);
    expect(c.lastError()).toBe(ErrorCode.BadArgument);
  });

  it('on the compare and reduce kinds, the dtypes and the error codes', async () => {
    const c = await instantiate(file);
    expect(c.compareKindCount()).toBe(COMPARE_KIND_COUNT);
    expect(c.reduceKindCount()).toBe(REDUCE_KIND_COUNT);
    expect(c.errorCodeCount()).toBe(ERROR_CODE_COUNT);
    expect([COMPARE_KINDS.length, REDUCE_KINDS.length]).toEqual([COMPARE_KIND_COUNT, REDUCE_KIND_COUNT]);
    const x = c.tensorFull(DTYPE_CODE.float64, 0, 2);
    for (let kind = 0; kind <= COMPARE_KIND_COUNT; kind++) {
      expect(runKind(c, 'Compare', [x, x], { kind: kind as never }) >= 0, `compare kind ${kind}`).toBe(kind < COMPARE_KIND_COUNT);
    }
    expect(c.lastError()).toBe(ErrorCode.BadOp);
    for (let kind = 0; kind <= REDUCE_KIND_COUNT; kind++) {
      expect(runKind(c, 'Reduce', [x], { kind: kind as never, axes: [], keepdims: false }) >= 0, `reduce kind ${kind}`).toBe(kind < REDUCE_KIND_COUNT);
    }
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
      Unary: () => runKind(c, 'Unary', [m], { op: Op.Exp }),
      Binary: () => runKind(c, 'Binary', [m, m], { op: Op.Add }),
      Where: () => runKind(c, 'Where', [m, m, m], {}),
      Compare: () => runKind(c, 'Compare', [m, m], { kind: 0 }),
      Reduce: () => runKind(c, 'Reduce', [m], { kind: 0, axes: [0], keepdims: false }),
      Matmul: () => runKind(c, 'Matmul', [m, m], { transA: false, transB: false }),
      Reshape: () => runKind(c, 'Reshape', [m], { shape: [4] }),
      Permute: () => runKind(c, 'Permute', [m], { perm: [1, 0] }),
      Expand: () => runKind(c, 'Expand', [m], { shape: [3, 2, 2] }),
      Slice: () => runKind(c, 'Slice', [m], { starts: [0, 0], ends: [1, 2] }),
      Concat: () => runKind(c, 'Concat', [m, m], { axis: 0 }),
      Pad: () => runKind(c, 'Pad', [m], { before: [1, 0], after: [0, 1], value: 0 }),
      IndexSelect: () => { const i = i32(3); return runKind(c, 'IndexSelect', [m, i], { axis: 0 }); },
      Conv2d: () => { const x = f64(1, 1, 3, 3), w = f64(1, 1, 2, 2); return runKind(c, 'Conv2d', [x, w], { strideH: 1, strideW: 1, padH: 0, padW: 0 }); },
      MaxPool2d: () => { const x = f64(1, 1, 2, 2); return runKind(c, 'MaxPool2d', [x], { kernelH: 2, kernelW: 2, strideH: 1, strideW: 1, padH: 0, padW: 0 }); },
      AvgPool2d: () => { const x = f64(1, 1, 2, 2); return runKind(c, 'AvgPool2d', [x], { kernelH: 2, kernelW: 2, strideH: 1, strideW: 1, padH: 0, padW: 0 }); },
      Detach: () => runKind(c, 'Detach', [m], {}),
      Cast: () => runKind(c, 'Cast', [m], { dtype: 'float32' }),
      CrossEntropy: () => { const t = i32(2); return runKind(c, 'CrossEntropy', [m, t], {}); },
      Argmax: () => runKind(c, 'Argmax', [m], { axis: 1, keepdims: false }),
      Argmin: () => runKind(c, 'Argmin', [m], { axis: 0, keepdims: true }),
      Argsort: () => runKind(c, 'Argsort', [m], { axis: 1, descending: true }),
      Gather: () => { const i = i32(2, 1); return runKind(c, 'Gather', [m, i], { axis: 1 }); },
      ScatterAdd: () => { const i = i32(1, 2); return runKind(c, 'ScatterAdd', [m, i, m], { axis: 0 }); },
      Cumsum: () => runKind(c, 'Cumsum', [m], { axis: 1 }),
      Cumprod: () => runKind(c, 'Cumprod', [m], { axis: 0 }),
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
