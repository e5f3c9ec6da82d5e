// The tensor backends below the front end: every kernel's gradient against
// central differences in f64, on each of the three Wasm builds, and
// the core's own checks for hosts that call its exports directly.

import { describe, expect, it } from 'vitest';
import { instantiateCore, type WasmBuild } from '../src/wasm/load.js';
import { WasmTensorBackend, type TensorExports } from '../src/wasm/tensor.js';
import type { TensorBackend } from '../src/tensor/backend.js';
import { Op } from '../src/ops.js';
import { ReduceKind, TensorBinary, TensorUnary, CompareKind } from '../src/tensor/backend.js';
import { NODE_KIND_COUNT, NodeKind, type OpAttrs, type OpInputs, type OpKindName } from '../src/generated/ops.js';
import { runKind } from './core-run.js';

const BUILDS: readonly WasmBuild[] = ['relaxed-simd', 'simd', 'baseline'];
const FEATURES: Record<WasmBuild, number> = { 'relaxed-simd': 3, simd: 1, baseline: 0 };

async function backendOf(build: WasmBuild): Promise<{ b: TensorBackend; core: TensorExports }> {
  const instance = await instantiateCore(undefined, build);
  const features = (instance.exports.wasmFeatures as () => number)();
  if (features !== FEATURES[build]) throw new Error(`asked for the ${build} build, got one with features ${features}`);
  return { b: new WasmTensorBackend(instance), core: instance.exports as unknown as TensorExports };
}

/** Deterministic values in (-1, 1). */
function values(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

const sizeOf = (shape: readonly number[]) => shape.reduce((p, q) => p * q, 1);

/** Σ w·t with fixed weights, so that every element's gradient differs. */
function weightedSum(b: TensorBackend, t: number): number {
  const shape = b.shape(t);
  const w = b.fromData(values(sizeOf(shape), 99), shape, 'float64', false);
  const all = shape.map((_, d) => d);
  return b.run('Reduce', [b.run('Binary', [t, w], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: all, keepdims: false });
}

/**
 * Checks d f/d input against central differences for every element of every
 * input (float64), where f builds a size-1 tensor from the input ids.
 */
function gradcheck(b: TensorBackend, shapes: number[][], f: (ids: number[]) => number, tol = 1e-7): void {
  const inputs = shapes.map((s, k) => values(sizeOf(s), 7 + 13 * k));
  const evaluate = (data: Float64Array[], grads: boolean) => {
    b.reset();
    const ids = data.map((d, k) => b.fromData(d, shapes[k], 'float64', grads));
    const root = f(ids);
    const value = b.item(root);
    if (!grads) return { value, grads: [] as (Float64Array | null)[] };
    b.backward(root);
    return { value, grads: ids.map((id) => b.grad(id) as Float64Array | null) };
  };
  const { grads } = evaluate(inputs, true);
  for (let k = 0; k < inputs.length; k++) {
    for (let i = 0; i < inputs[k].length; i++) {
      const h = 1e-6;
      const plus = inputs.map((d) => d.slice());
      const minus = inputs.map((d) => d.slice());
      plus[k][i] += h;
      minus[k][i] -= h;
      const numeric = (evaluate(plus, false).value - evaluate(minus, false).value) / (2 * h);
      const analytic = grads[k]?.[i] ?? 0;
      if (!(Math.abs(numeric - analytic) <= tol * Math.max(1, Math.abs(numeric)))) {
        expect.fail(`input ${k} element ${i}: backward gives ${analytic}, central difference ${numeric}`);
      }
    }
  }
}

describe('run()', () => {
  it('takes exactly the inputs and attributes the registry declares for the kind (tsc checks the lines below)', () => {
    const typed = (b: TensorBackend, x: number): void => {
      b.run('Matmul', [x, x], { transA: false, transB: true });
      // @ts-expect-error Matmul records no op
      b.run('Matmul', [x, x], { op: Op.Add });
      // @ts-expect-error Reduce records keepdims
      b.run('Reduce', [x], { kind: ReduceKind.Sum, axes: [0] });
      // @ts-expect-error Where has three inputs
      b.run('Where', [x, x], {});
      // @ts-expect-error a Unary node takes unary ops only
      b.run('Unary', [x], { op: Op.Add });
      // @ts-expect-error leaves are made by fromData, full and slotNode
      b.run('Leaf', [], {});
    };
    expect(typed).toBeTypeOf('function');
  });
});

describe.each(BUILDS)('tensor core (%s build)', (build) => {
  const cases: [string, number[][], (b: TensorBackend, ids: number[]) => number][] = [];
  for (const [name, op] of [['add', Op.Add], ['sub', Op.Sub], ['mul', Op.Mul], ['div', Op.Div], ['maximum', TensorBinary.Maximum], ['minimum', TensorBinary.Minimum], ['leakyRelu', TensorBinary.LeakyRelu]] as const) {
    for (const [sa, sb] of [[[2, 3], [3]], [[4, 1, 3], [2, 1]], [[5], [5]], [[3, 1], []]]) {
      cases.push([`${name} ${JSON.stringify(sa)} with ${JSON.stringify(sb)}`, [sa, sb], (b, [x, y]) => weightedSum(b, b.run('Binary', [x, y], { op }))]);
    }
  }
  cases.push(['pow', [[2, 3], [3]], (b, [x, y]) => {
    const base = b.run('Binary', [b.run('Unary', [x], { op: Op.Abs }), b.full([], 'float64', 0.5)], { op: Op.Add });
    return weightedSum(b, b.run('Binary', [base, y], { op: Op.Pow }));
  }]);
  for (const [name, op] of [['neg', Op.Neg], ['exp', Op.Exp], ['tanh', Op.Tanh], ['sigmoid', Op.Sigmoid], ['relu', Op.Relu], ['sin', Op.Sin], ['cos', Op.Cos], ['abs', Op.Abs], ['gelu', TensorUnary.Gelu]] as const) {
    cases.push([name, [[3, 5]], (b, [x]) => weightedSum(b, b.run('Unary', [x], { op }))]);
  }
  cases.push(['log, sqrt', [[7]], (b, [x]) => {
    const pos = b.run('Binary', [b.run('Unary', [x], { op: Op.Abs }), b.full([1], 'float64', 0.25)], { op: Op.Add });
    return weightedSum(b, b.run('Binary', [b.run('Unary', [pos], { op: Op.Log }), b.run('Unary', [pos], { op: Op.Sqrt })], { op: Op.Add }));
  }]);
  cases.push(
    ['sum over axis 1, keepdims', [[3, 4, 2]], (b, [x]) => weightedSum(b, b.run('Reduce', [x], { kind: ReduceKind.Sum, axes: [1], keepdims: true }))],
    ['sum over axes 0 and 2', [[3, 4, 2]], (b, [x]) => weightedSum(b, b.run('Reduce', [x], { kind: ReduceKind.Sum, axes: [0, 2], keepdims: false }))],
    ['max over the last axis', [[3, 4, 5]], (b, [x]) => weightedSum(b, b.run('Reduce', [x], { kind: ReduceKind.Max, axes: [2], keepdims: false }))],
    ['min over everything', [[3, 4]], (b, [x]) => b.run('Reduce', [x], { kind: ReduceKind.Min, axes: [0, 1], keepdims: false })],
    ['matmul', [[3, 4], [4, 5]], (b, [x, y]) => weightedSum(b, b.run('Matmul', [x, y], { transA: false, transB: false }))],
    ['batched matmul, broadcast batch dims', [[2, 1, 3, 4], [3, 4, 2]], (b, [x, y]) => weightedSum(b, b.run('Matmul', [x, y], { transA: false, transB: false }))],
    ['matmul with K = 1', [[5, 1], [1, 3]], (b, [x, y]) => weightedSum(b, b.run('Matmul', [x, y], { transA: false, transB: false }))],
    ['matmul, a transposed', [[4, 3], [4, 5]], (b, [x, y]) => weightedSum(b, b.run('Matmul', [x, y], { transA: true, transB: false }))],
    ['matmul, b transposed', [[3, 4], [5, 4]], (b, [x, y]) => weightedSum(b, b.run('Matmul', [x, y], { transA: false, transB: true }))],
    ['matmul, both transposed, batched', [[2, 4, 3], [5, 4]], (b, [x, y]) => weightedSum(b, b.run('Matmul', [x, y], { transA: true, transB: true }))],
    ['permute', [[2, 3, 4]], (b, [x]) => weightedSum(b, b.run('Permute', [x], { perm: [2, 0, 1] }))],
    ['expand', [[3, 1]], (b, [x]) => weightedSum(b, b.run('Expand', [x], { shape: [2, 3, 4] }))],
    ['reshape', [[3, 4]], (b, [x]) => weightedSum(b, b.run('Reshape', [x], { shape: [2, 6] }))],
    ['slice', [[4, 5]], (b, [x]) => weightedSum(b, b.run('Slice', [x], { starts: [1, 2], ends: [3, 5] }))],
    ['pad', [[2, 3]], (b, [x]) => weightedSum(b, b.run('Pad', [x], { before: [1, 0], after: [2, 1], value: 0.5 }))],
    ['concat on axis 1', [[2, 3], [2, 2]], (b, [x, y]) => weightedSum(b, b.run('Concat', [x, y], { axis: 1 }))],
    ['concat on axis 0', [[2, 3], [1, 3]], (b, [x, y]) => weightedSum(b, b.run('Concat', [x, y], { axis: 0 }))],
    ['where', [[2, 3], [3]], (b, [x, y]) => {
      const mask = b.run('Compare', [x, y], { kind: CompareKind.Gt });
      return weightedSum(b, b.run('Where', [mask, x, y], {}));
    }],
    ['indexSelect with repeats', [[4, 3]], (b, [x]) => {
      const idx = b.fromData(Int32Array.from([2, 0, 2]), [3], 'int32', false);
      return weightedSum(b, b.run('IndexSelect', [x, idx], { axis: 0 }));
    }],
    ['crossEntropy (fused), targets with repeats, twice on the same logits', [[4, 5]], (b, [x]) => {
      const z = b.run('Binary', [x, x], { op: Op.Mul });
      const first = b.run('CrossEntropy', [z, b.fromData(Int32Array.from([0, 4, 2, 2]), [4], 'int32', false)], {});
      const second = b.run('CrossEntropy', [z, b.fromData(Int32Array.from([1, 1, 3, 0]), [4], 'int32', false)], {});
      // an upstream gradient other than 1 for each, so that backward's scale is checked
      return b.run('Binary', [weightedSum(b, first), weightedSum(b, second)], { op: Op.Add });
    }],
    ['conv2d, stride 2×1, padding 1', [[2, 3, 5, 6], [4, 3, 3, 2]], (b, [x, w]) => weightedSum(b, b.run('Conv2d', [x, w], { strideH: 2, strideW: 1, padH: 1, padW: 1 })) ],
    ['maxPool2d 2×2 stride 2, padding 1×0', [[2, 2, 5, 5]], (b, [x]) => weightedSum(b, b.run('MaxPool2d', [x], { kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padH: 1, padW: 0 }))],
    ['avgPool2d 3×2 stride 2×1, padding 1', [[2, 2, 5, 5]], (b, [x]) => weightedSum(b, b.run('AvgPool2d', [x], { kernelH: 3, kernelW: 2, strideH: 2, strideW: 1, padH: 1, padW: 1 }))],
    ['a shared input used twice', [[3]], (b, [x]) => weightedSum(b, b.run('Binary', [x, b.run('Unary', [x], { op: Op.Exp })], { op: Op.Mul }))],
  );

  it.each(cases)('gradient of %s matches central differences', async (_, shapes, f) => {
    const { b } = await backendOf(build);
    gradcheck(b, shapes, (ids) => f(b, ids));
  });

  it('f32 kernels agree with f64 within 1e-4 relative', async () => {
    const { b } = await backendOf(build);
    const x64 = values(6 * 70, 3);
    const w64 = values(70 * 9, 4);
    const run = (dtype: 'float32' | 'float64') => {
      b.reset();
      const cast = (d: Float64Array) => (dtype === 'float32' ? Float32Array.from(d) : d);
      const x = b.fromData(cast(x64), [6, 70], dtype, true);
      const w = b.fromData(cast(w64), [70, 9], dtype, true);
      const h = b.run('Unary', [b.run('Matmul', [x, w], { transA: false, transB: false })], { op: TensorUnary.Gelu });
      const loss = b.run('Reduce', [b.run('Binary', [h, h], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: [0, 1], keepdims: false });
      b.backward(loss);
      return [b.item(loss), ...Array.from(b.grad(x) as ArrayLike<number>), ...Array.from(b.grad(w) as ArrayLike<number>)];
    };
    const f32 = run('float32');
    const f64 = run('float64');
    const scale = Math.max(...f64.map(Math.abs));
    for (let i = 0; i < f64.length; i++) expect(Math.abs(f32[i] - f64[i])).toBeLessThanOrEqual(1e-4 * scale);
  });

  it('int32 tensors compare, sum (wrapping like an Int32Array), take extremes and cast', async () => {
    const { b } = await backendOf(build);
    const t = b.fromData(Int32Array.from([3, -7, 2 ** 30, 2 ** 30]), [4], 'int32', false);
    const two = b.full([], 'int32', 2);
    expect(Array.from(b.data(b.run('Compare', [t, two], { kind: CompareKind.Gt })))).toEqual([1, 0, 1, 1]);
    expect(b.item(b.run('Reduce', [t], { kind: ReduceKind.Sum, axes: [0], keepdims: false }))).toBe((3 - 7 + 2 ** 31) | 0);
    expect(b.item(b.run('Reduce', [t], { kind: ReduceKind.Min, axes: [0], keepdims: false }))).toBe(-7);
    const f = b.fromData(Float64Array.from([2.9, -2.9, NaN, 3e9]), [4], 'float64', false);
    expect(Array.from(b.data(b.run('Cast', [f], { dtype: 'int32' })))).toEqual(Array.from(Int32Array.from([2.9, -2.9, NaN, 3e9])));
  });

  it('slots persist across reset, accumulate gradients, and take SGD and Adam steps', async () => {
    const { b } = await backendOf(build);
    const s = b.createSlot(Float64Array.from([1, -2, 3]), [3], 'float64', true);
    for (let k = 0; k < 2; k++) {
      b.reset();
      const p = b.slotNode(s);
      b.backward(b.run('Reduce', [b.run('Binary', [p, p], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: [0], keepdims: false }));
    }
    expect(Array.from(b.slotGrad(s))).toEqual([4, -8, 12]); // two sweeps of 2p
    b.sgdStep([s], [], 0.5, 0, 0, true);
    expect(Array.from(b.slotData(s))).toEqual([-1, 2, -3]);
    b.zeroSlotGrad(s);
    expect(Array.from(b.slotGrad(s))).toEqual([0, 0, 0]);

    // One Adam step from m = v = 0 moves each parameter by lr·g/(|g| + eps) (bias correction cancels).
    const m = b.createSlot(new Float64Array(3), [3], 'float64', false);
    const v = b.createSlot(new Float64Array(3), [3], 'float64', false);
    b.reset();
    const p = b.slotNode(s);
    b.backward(b.run('Reduce', [b.run('Binary', [p, p], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: [0], keepdims: false }));
    b.adamStep([s], [m], [v], 0.1, 0.9, 0.999, 1e-8, 0, false, 1);
    const after = b.slotData(s);
    [-1, 2, -3].forEach((x, i) => expect(after[i]).toBeCloseTo(x - 0.1 * Math.sign(x), 6));
  });

  it('reset frees every node in one step, and a training loop keeps its memory flat', async () => {
    const { b } = await backendOf(build);
    const w = b.createSlot(Float32Array.from(values(64 * 32, 1)), [64, 32], 'float32', true);
    const x = Float32Array.from(values(16 * 64, 2));
    const footprint: number[] = [];
    for (let step = 0; step < 300; step++) {
      b.reset();
      const xs = b.fromData(x, [16, 64], 'float32', false);
      const h = b.run('Unary', [b.run('Matmul', [xs, b.slotNode(w)], { transA: false, transB: false })], { op: Op.Tanh });
      b.backward(b.run('Reduce', [b.run('Binary', [h, h], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: [0, 1], keepdims: false }));
      b.sgdStep([w], [], 1e-3, 0, 0, step === 0);
      b.zeroSlotGrad(w);
      if (step >= 10) footprint.push(b.tensorBytes);
    }
    expect(b.nodeCount).toBeGreaterThan(0);
    b.reset();
    expect(b.nodeCount).toBe(0);
    expect(new Set(footprint).size, 'tensor bytes after warm-up').toBe(1);
  });

  it('the exports reject bad ids, shapes, dtypes and attributes with error codes, and keep working', async () => {
    const { core } = await backendOf(build);
    const stage = (...xs: number[]) => new Int32Array(core.memory.buffer, core.tensorStage(), xs.length).set(xs);
    const run = <K extends OpKindName>(kind: K, inputs: OpInputs[K], attrs: OpAttrs[K]) => runKind(core, kind, inputs, attrs);
    const window = { kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 };
    stage(2, 3);
    const a = core.tensorFull(0, 2, 1);
    stage(4);
    const b = core.tensorFull(0, 1, 2);
    stage(3);
    const c64 = core.tensorFull(1, 1, 2);
    const rejects: [string, () => number, number][] = [
      ['unknown tensor', () => run('Unary', [99], { op: Op.Exp }), 6],
      ['negative id', () => run('Binary', [-1, a], { op: Op.Add }), 6],
      ['an input past the kind\'s arity', () => core.tensorRun(NodeKind.Unary, a, a, -1), 6],
      ['a third input to a binary kind', () => core.tensorRun(NodeKind.Binary, a, a, 0), 6],
      ['a leaf kind', () => core.tensorRun(NodeKind.Leaf, -1, -1, -1), 1],
      ['an unknown kind', () => core.tensorRun(NODE_KIND_COUNT, a, -1, -1), 1],
      ['unknown op', () => run('Unary', [a], { op: 200 as never }), 1],
      ['binary op as unary', () => run('Unary', [a], { op: Op.Add as never }), 1],
      ['shapes that do not broadcast', () => run('Binary', [a, b], { op: Op.Add }), 7],
      ['mixed dtypes', () => run('Binary', [a, c64], { op: Op.Add }), 8],
      ['matmul [2,3]@[2,3]', () => run('Matmul', [a, a], { transA: false, transB: false }), 7],
      ['a flag that is neither 0 nor 1', () => { stage(0, 2); return core.tensorRun(NodeKind.Matmul, a, a, -1); }, 10],
      ['keepdims 7', () => { stage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7); return core.tensorRun(NodeKind.Reduce, a, -1, -1); }, 10],
      ['reduce over axis 5', () => run('Reduce', [a], { kind: 0, axes: [5], keepdims: false }), 10],
      ['reduce over 9 axes', () => { stage(0, 9); return core.tensorRun(NodeKind.Reduce, a, -1, -1); }, 10],
      ['reshape to another size', () => run('Reshape', [a], { shape: [7] }), 7],
      ['reshape to rank 9', () => { stage(9, 1, 1, 1, 1, 1, 1, 1, 6, 1); return core.tensorRun(NodeKind.Reshape, a, -1, -1); }, 7],
      ['reshape to rank -1', () => { stage(-1); return core.tensorRun(NodeKind.Reshape, a, -1, -1); }, 7],
      ['rank 9', () => { stage(1, 1, 1, 1, 1, 1, 1, 1, 1); return core.tensorFromData(0, 9, 0); }, 7],
      ['negative dim', () => { stage(-2); return core.tensorFromData(0, 1, 0); }, 7],
      ['int32 with a gradient', () => { stage(2); return core.tensorFromData(2, 1, 1); }, 8],
      ['permutation with a repeat', () => run('Permute', [a], { perm: [0, 0] }), 10],
      ['permutation of another rank', () => run('Permute', [a], { perm: [0] }), 10],
      ['slice past the end', () => run('Slice', [a], { starts: [0, 0], ends: [3, 4] }), 10],
      ['slice bounds of another rank', () => run('Slice', [a], { starts: [0, 0], ends: [1] }), 10],
      ['index out of range', () => { stage(1); const i = core.tensorFull(2, 1, 5); return run('IndexSelect', [a, i], { axis: 0 }); }, 10],
      ['backward from a non-scalar', () => core.tensorBackward(a), 10],
      ['unknown slot', () => core.slotNode(12), 9],
      ['conv with stride 0', () => run('Conv2d', [a, a], { strideH: 0, strideW: 1, padH: 0, padW: 0 }), 7],
      ['pad widths that would wrap 32 bits', () => run('Pad', [a], { before: [0x7fffffff, 0], after: [0x7fffffff, 0], value: 0 }), 7],
      ['pad widths of another rank', () => run('Pad', [a], { before: [0], after: [0, 0], value: 0 }), 10],
      ['conv padding that would wrap 32 bits', () => { stage(1, 1, 1, 1); const x4 = core.tensorFull(0, 4, 1); return run('Conv2d', [x4, x4], { strideH: 1, strideW: 1, padH: 0x7fffffff, padW: 0 }); }, 7],
      ['pool padding that would wrap 32 bits', () => { stage(1, 1, 1, 1); const x4 = core.tensorFull(0, 4, 1); return run('MaxPool2d', [x4], { ...window, padH: 0x7fffffff }); }, 10],
      ['a freed slot', () => { stage(2); const s = core.slotCreate(0, 1, 1); core.slotFree(s); return core.slotNode(s); }, 9],
      ['adam step 0', () => core.adamStep(0, 0.1, 0.9, 0.999, 1e-8, 0, 0, 0), 10],
      ['crossEntropy target out of range', () => { stage(2); return run('CrossEntropy', [a, core.tensorFull(2, 1, 3)], {}); }, 10],
      ['crossEntropy float targets', () => { stage(2); return run('CrossEntropy', [a, core.tensorFull(0, 1, 1)], {}); }, 8],
      ['crossEntropy 1-d logits', () => { stage(3); const x = core.tensorFull(0, 1, 0); stage(3); return run('CrossEntropy', [x, core.tensorFull(2, 1, 0)], {}); }, 7],
      ['crossEntropy with no classes', () => { stage(2, 0); const x = core.tensorFull(0, 2, 0); stage(2); return run('CrossEntropy', [x, core.tensorFull(2, 1, 0)], {}); }, 7],
      ['crossEntropy int32 logits', () => { stage(2, 3); const x = core.tensorFull(2, 2, 0); stage(2); return run('CrossEntropy', [x, core.tensorFull(2, 1, 0)], {}); }, 8],
      ['crossEntropy targets of another length', () => { stage(3); return run('CrossEntropy', [a, core.tensorFull(2, 1, 0)], {}); }, 7],
      ['argmax over axis 2 of a matrix', () => run('Argmax', [a], { axis: 2, keepdims: false }), 10],
      ['argmin over axis -2^31', () => run('Argmin', [a], { axis: -0x80000000, keepdims: false }), 10],
      ['argmax keepdims 2', () => { stage(1, 2); return core.tensorRun(NodeKind.Argmax, a, -1, -1); }, 10],
      ['argmax over an empty axis', () => { stage(2, 0); const e = core.tensorFull(0, 2, 0); return run('Argmax', [e], { axis: 1, keepdims: false }); }, 7],
      ['argsort descending 3', () => { stage(1, 3); return core.tensorRun(NodeKind.Argsort, a, -1, -1); }, 10],
      ['argsort over axis 2^31−1', () => run('Argsort', [a], { axis: 0x7fffffff, descending: false }), 10],
      ['gather with a float index', () => run('Gather', [a, a], { axis: 1 }), 8],
      ['gather with an index of another rank', () => { stage(3); return run('Gather', [a, core.tensorFull(2, 1, 0)], { axis: 1 }); }, 7],
      ['gather with an index wider than x off the axis', () => { stage(3, 1); return run('Gather', [a, core.tensorFull(2, 2, 0)], { axis: 1 }); }, 7],
      ['gather index out of range', () => { stage(2, 3); return run('Gather', [a, core.tensorFull(2, 2, 3)], { axis: 1 }); }, 10],
      ['gather index -1', () => { stage(2, 3); return run('Gather', [a, core.tensorFull(2, 2, -1)], { axis: 1 }); }, 10],
      ['gather over axis 2', () => { stage(2, 3); return run('Gather', [a, core.tensorFull(2, 2, 0)], { axis: 2 }); }, 10],
      ['scatterAdd of mixed dtypes', () => { stage(2, 3); return run('ScatterAdd', [a, core.tensorFull(2, 2, 0), core.tensorFull(1, 2, 0)], { axis: 0 }); }, 8],
      ['scatterAdd with an index larger than src', () => { stage(2, 3); const i = core.tensorFull(2, 2, 0); stage(1, 3); return run('ScatterAdd', [a, i, core.tensorFull(0, 2, 0)], { axis: 0 }); }, 7],
      ['scatterAdd index out of range', () => { stage(2, 3); return run('ScatterAdd', [a, core.tensorFull(2, 2, 2), a], { axis: 0 }); }, 10],
      ['cumsum over axis 2', () => run('Cumsum', [a], { axis: 2 }), 10],
      ['cumprod over axis -1', () => run('Cumprod', [a], { axis: -1 }), 10],
    ];
    for (const [what, call, code] of rejects) {
      expect(call(), what).toBe(-1);
      expect(core.lastError(), what).toBe(code);
    }
    expect(run('Matmul', [a, a], { transA: false, transB: true }), '[2,3]@[2,3]ᵀ is aligned').toBeGreaterThan(0);
    const sum = run('Binary', [a, a], { op: Op.Add });
    expect(sum).toBeGreaterThan(0);
    expect(new Float32Array(core.memory.buffer, core.tensorData(sum), 6)[5]).toBe(2);
  });
});

type Make = (n: number, seed: number) => Float32Array | Float64Array;

/**
 * A fresh backend of `build`, and what `body` returns for float32 then float64
 * (make gives that dtype's deterministic values), one after the other.
 */
async function acrossDtypes(build: WasmBuild, body: (b: TensorBackend, dtype: 'float32' | 'float64', make: Make) => number[]): Promise<{ b: TensorBackend; out: number[] }> {
  const { b } = await backendOf(build);
  const out: number[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    const make: Make = (n, seed) => (dtype === 'float32' ? Float32Array.from(values(n, seed)) : values(n, seed));
    out.push(...body(b, dtype, make));
  }
  return { b, out };
}

describe('the three builds', () => {
  it('give bit-identical results for the kernels with SIMD rows (f32 and f64)', async () => {
    const run = async (build: WasmBuild) => {
      const { b, out } = await acrossDtypes(build, (b, dtype, make) => {
        const out: number[] = [];
        const x = b.fromData(make(37 * 13, 1), [37, 13], dtype, false);
        const y = b.fromData(make(13, 2), [13], dtype, false);
        const s = b.fromData(make(1, 3), [], dtype, false);
        const withNaN = b.fromData(dtype === 'float32' ? Float32Array.from([NaN, -0, 0, -1, 2]) : Float64Array.from([NaN, -0, 0, -1, 2]), [5], dtype, false);
        for (const op of [Op.Add, Op.Sub, Op.Mul, Op.Div]) {
          out.push(...b.data(b.run('Binary', [x, y], { op })), ...b.data(b.run('Binary', [x, s], { op })), ...b.data(b.run('Binary', [x, x], { op })));
        }
        out.push(...b.data(b.run('Unary', [x], { op: Op.Relu })), ...b.data(b.run('Unary', [withNaN], { op: Op.Relu })));
        // backward rows of relu, add and sub: same shapes, a row broadcast over rows, and x + x
        const xg = b.fromData(make(37 * 13, 4), [37, 13], dtype, true);
        const yg = b.fromData(make(13, 5), [13], dtype, true);
        const zg = b.fromData(make(37 * 13, 6), [37, 13], dtype, true);
        let t = b.run('Binary', [b.run('Unary', [xg], { op: Op.Relu }), yg], { op: Op.Add });
        t = b.run('Binary', [t, zg], { op: Op.Sub });
        t = b.run('Binary', [t, t], { op: Op.Add });
        b.backward(b.run('Reduce', [b.run('Binary', [t, b.fromData(make(37 * 13, 7), [37, 13], dtype, false)], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: [0, 1], keepdims: false }));
        out.push(...b.grad(xg)!, ...b.grad(yg)!, ...b.grad(zg)!);
        // row sums (four partial sums in both builds), over the last axis and over everything
        out.push(...b.data(b.run('Reduce', [x], { kind: ReduceKind.Sum, axes: [1], keepdims: false })), b.item(b.run('Reduce', [x], { kind: ReduceKind.Sum, axes: [0, 1], keepdims: false })));
        return out;
      });
      // SGD on f32 parameters (the SIMD row computes in f64x2 and rounds once, like the scalar loop)
      const w = b.createSlot(Float32Array.from(values(4 * 7 + 3, 5)), [31], 'float32', true);
      b.reset();
      const p = b.slotNode(w);
      const xs = b.fromData(Float32Array.from(values(31, 6)), [31], 'float32', false);
      b.backward(b.run('Reduce', [b.run('Binary', [b.run('Binary', [p, p], { op: Op.Mul }), xs], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: [0], keepdims: false }));
      b.sgdStep([w], [], 0.37, 0, 1e-2, true);
      out.push(...b.slotData(w));
      // with momentum: a first step (v = g) and a second (v = μv + g)
      const vel = b.createSlot(new Float32Array(31), [31], 'float32', false);
      b.sgdStep([w], [vel], 0.37, 0.9, 1e-2, true);
      b.sgdStep([w], [vel], 0.37, 0.9, 1e-2, false);
      out.push(...b.slotData(w), ...b.slotData(vel));
      return out;
    };
    const bits = (xs: number[]) => xs.map((v) => (Object.is(v, -0) ? '-0' : String(v)));
    const [relaxed, simd, baseline] = await Promise.all([run('relaxed-simd'), run('simd'), run('baseline')]);
    expect(simd.length).toBeGreaterThan(1000);
    expect(bits(simd)).toEqual(bits(baseline));
    expect(bits(relaxed)).toEqual(bits(simd));
  });

  it('agree on matmul and conv: SIMD and baseline to the bit, relaxed SIMD (fused multiply-add) to rounding', async () => {
    const run = async (build: WasmBuild) => (await acrossDtypes(build, (b, dtype, make) => {
        // 37×300 @ 300×45: odd edges of the register tile and two K blocks
        const a = b.fromData(make(37 * 300, 7), [37, 300], dtype, true);
        const w = b.fromData(make(300 * 45, 8), [300, 45], dtype, true);
        const y = b.run('Matmul', [a, w], { transA: false, transB: false });
        const weights = b.fromData(make(37 * 45, 11), [37, 45], dtype, false);
        b.backward(b.run('Reduce', [b.run('Binary', [y, weights], { op: Op.Mul })], { kind: ReduceKind.Sum, axes: [0, 1], keepdims: false }));
        const x = b.fromData(make(2 * 3 * 9 * 9, 9), [2, 3, 9, 9], dtype, false);
        const k = b.fromData(make(5 * 3 * 3 * 3, 10), [5, 3, 3, 3], dtype, false);
        const out = [...b.data(y), ...b.grad(a)!, ...b.grad(w)!, ...b.data(b.run('Conv2d', [x, k], { strideH: 1, strideW: 1, padH: 1, padW: 1 }))];
        b.reset();
        return out;
      })).out;
    const [relaxed, simd, baseline] = await Promise.all([run('relaxed-simd'), run('simd'), run('baseline')]);
    expect(simd.length).toBeGreaterThan(5000);
    expect(simd).toEqual(baseline);
    // Each value is a sum of at most 300 products of numbers in (-1, 1); one rounding fewer per term moves it
    // by at most ~300 ulps of the largest partial sum.
    const worst = Math.max(...relaxed.map((v, i) => Math.abs(v - simd[i])));
    expect(worst).toBeLessThan(1e-3);
    expect(relaxed.every(Number.isFinite)).toBe(true);
  });
});
