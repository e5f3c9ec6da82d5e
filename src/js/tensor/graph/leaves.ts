// Leaves (assembly/tensor/graph/leaves.ts): host data, fills and slot reads.
// No gradient flows past them: a Leaf's and a Param's gradient is where the
// sweep stops and accumulates.

import type { DType, TypedData } from '../../../tensor/backend.js';
import { sizeOf } from '../kernels.js';
import { type BackwardRule, type TensorTape, noGradient } from '../tape.js';

export function fromData(t: TensorTape, data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
  const copy = t.arena.take(dtype, data.length, 'fromData');
  copy.set(data);
  return requiresGrad
    ? t.push('Leaf', 0, -1, -1, -1, dtype, shape, copy, true, null)
    : t.push('Const', 0, -1, -1, -1, dtype, shape, copy, false, null);
}

export function full(t: TensorTape, shape: readonly number[], dtype: DType, value: number): number {
  const data = t.arena.take(dtype, sizeOf(shape), 'full');
  data.fill(value);
  return t.push('Const', 0, -1, -1, -1, dtype, shape, data, false, null);
}

/** A node that aliases slot `slot`'s data and gradient, so backward adds into the slot. */
export function slotNode(t: TensorTape, slot: number): number {
  const s = t.slots[slot]!;
  const id = t.push('Param', 0, slot, -1, -1, s.dtype, s.shape, s.data, s.requiresGrad, null);
  t.nodes[id].grad = s.grad;
  return id;
}

export const leafBack: BackwardRule<'Leaf'> = noGradient;
export const constBack: BackwardRule<'Const'> = noGradient;
export const paramBack: BackwardRule<'Param'> = noGradient;
