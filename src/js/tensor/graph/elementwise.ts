// Elementwise ops (assembly/tensor/graph/elementwise.ts): unary and broadcast
// binary ops, where, compare, cast and detach, each forward beside its
// backward rule. The per-element rules are ../../ops.ts (scalar ids) and
// ../ops.ts (tensor-only ids); the loops are ../kernels.ts.

import type { BinaryOpId, CompareKindId, DType, UnaryOpId } from '../../../tensor/backend.js';
import { ELEMENTWISE } from '../../../generated/ops.js';
import { compareForward, whereForward } from '../ops.js';
import { binaryBackward, binaryForward, broadcastShape, broadcastStrides, offsets, sizeOf, unaryBackward, unaryForward } from '../kernels.js';
import { type BackwardRule, type TensorTape, noGradient, scratchF64 } from '../tape.js';

export function unary(t: TensorTape, op: UnaryOpId, a: number): number {
  const x = t.node(a);
  const out = t.arena.take(x.dtype, x.data.length, ELEMENTWISE[op]?.method ?? 'unary');
  unaryForward(op, x.data, out);
  return t.push('Unary', op, a, -1, -1, x.dtype, x.shape, out, x.requiresGrad, null);
}

/** d f(x) = f'(x)·dx, per element (the op's rule in ../../ops.ts or ../ops.ts) */
export const unaryBack: BackwardRule<'Unary'> = (t, n) => {
  const x = t.node(n.a);
  unaryBackward(n.op, x.data, n.data, n.grad!, t.addGrad(n.a));
};

export function binary(t: TensorTape, op: BinaryOpId, a: number, b: number): number {
  const x = t.node(a), y = t.node(b);
  const outShape = broadcastShape(x.shape, y.shape);
  const out = t.arena.take(x.dtype, sizeOf(outShape), ELEMENTWISE[op]?.method ?? 'binary');
  binaryForward(op, x.data, broadcastStrides(x.shape, outShape), y.data, broadcastStrides(y.shape, outShape), out, outShape);
  return t.push('Binary', op, a, b, -1, x.dtype, outShape, out, x.requiresGrad || y.requiresGrad, null);
}

/** d f(x, y) = ∂f/∂x·dx + ∂f/∂y·dy per element, summed over the dims each input was broadcast along */
export const binaryBack: BackwardRule<'Binary'> = (t, n, needA, needB) => {
  const x = t.node(n.a), y = t.node(n.b);
  const acc = scratchF64(x.data.length + y.data.length, 'backward');
  binaryBackward(n.op, x.data, broadcastStrides(x.shape, n.shape), y.data, broadcastStrides(y.shape, n.shape), n.data, n.grad!, acc, n.shape);
  if (needA) t.addInto(n.a, acc, 0);
  if (needB) t.addInto(n.b, acc, x.data.length);
};

export function where(t: TensorTape, mask: number, a: number, b: number): number {
  const m = t.node(mask), x = t.node(a), y = t.node(b);
  const outShape = broadcastShape(m.shape, x.shape, y.shape);
  const out = t.arena.take(x.dtype, sizeOf(outShape), 'where');
  const om = offsets(outShape, broadcastStrides(m.shape, outShape));
  const ox = offsets(outShape, broadcastStrides(x.shape, outShape));
  const oy = offsets(outShape, broadcastStrides(y.shape, outShape));
  const md = m.data, xd = x.data, yd = y.data;
  for (let i = 0; i < out.length; i++) out[i] = whereForward(md[om[i]], xd[ox[i]], yd[oy[i]]);
  return t.push('Where', 0, mask, a, b, x.dtype, outShape, out, x.requiresGrad || y.requiresGrad, null);
}

/** d where(m, x, y) = [m≠0]·dx + [m=0]·dy; the mask (a) gets none, x is b, y is c */
export const whereBack: BackwardRule<'Where'> = (t, n, _needMask, needX, needY) => {
  const g = n.grad!;
  const m = t.node(n.a), x = t.node(n.b), y = t.node(n.c);
  const om = offsets(n.shape, broadcastStrides(m.shape, n.shape));
  const md = m.data;
  if (needX) {
    const ox = offsets(n.shape, broadcastStrides(x.shape, n.shape));
    const acc = scratchF64(x.data.length, 'backward');
    for (let i = 0; i < g.length; i++) if (md[om[i]] !== 0) acc[ox[i]] += g[i];
    t.addInto(n.b, acc);
  }
  if (needY) {
    const oy = offsets(n.shape, broadcastStrides(y.shape, n.shape));
    const acc = scratchF64(y.data.length, 'backward');
    for (let i = 0; i < g.length; i++) if (md[om[i]] === 0) acc[oy[i]] += g[i];
    t.addInto(n.c, acc);
  }
};

export function compare(t: TensorTape, kind: CompareKindId, a: number, b: number): number {
  const x = t.node(a), y = t.node(b);
  const outShape = broadcastShape(x.shape, y.shape);
  const out = t.arena.take(x.dtype, sizeOf(outShape), 'compare');
  const ox = offsets(outShape, broadcastStrides(x.shape, outShape));
  const oy = offsets(outShape, broadcastStrides(y.shape, outShape));
  const xd = x.data, yd = y.data;
  for (let i = 0; i < out.length; i++) out[i] = compareForward(kind, xd[ox[i]], yd[oy[i]]);
  return t.push('Compare', kind, a, b, -1, x.dtype, outShape, out, false, null);
}

/** a step function: its derivative is 0 where it exists */
export const compareBack: BackwardRule<'Compare'> = noGradient;

export function cast(t: TensorTape, a: number, dtype: DType): number {
  const x = t.node(a);
  const out = t.arena.take(dtype, x.data.length, 'cast');
  if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x.data[i]);
  else out.set(x.data);
  return t.push('Cast', 0, a, -1, -1, dtype, x.shape, out, x.requiresGrad && x.dtype !== 'int32', null);
}

/** d cast(x) = dx, rounded into x's dtype (no gradient to or from int32) */
export const castBack: BackwardRule<'Cast'> = (t, n) => {
  const g = n.grad!;
  const gx = t.addGrad(n.a);
  for (let i = 0; i < gx.length; i++) gx[i] += g[i];
};

export function detach(t: TensorTape, a: number): number {
  const x = t.node(a);
  return t.push('Detach', 0, a, -1, -1, x.dtype, x.shape, x.data, false, null);
}

/** the point of detach: no gradient flows through */
export const detachBack: BackwardRule<'Detach'> = noGradient;
