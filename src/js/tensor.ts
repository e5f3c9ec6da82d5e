// The JS twin of the tensor engine (assembly/tensor/): JsTensorBackend, the
// contract of src/tensor/backend.ts, over a tape of JS nodes. ./tensor/
// mirrors assembly/tensor/ file for file: tape.ts (nodes, arena, slots),
// kernels.ts and conv.ts (the loops), ops.ts (the tensor-only elementwise
// rules; the scalar ones are ./ops.ts), and graph/, one file per op family
// with each op's forward beside its backward rule, plus the sweep with the
// table of rules keyed by node kind (graph/backward.ts). Matmul is ./gemm.ts.

import type {
  BinaryOpId, CompareKindId, Conv2dArgs, DType, Pool2dArgs, ReduceKindId, TensorBackend, TypedData, UnaryOpId,
} from '../tensor/backend.js';
import { TensorTape, alloc, copyOf } from './tensor/tape.js';
import * as leaves from './tensor/graph/leaves.js';
import * as elementwise from './tensor/graph/elementwise.js';
import * as reduce from './tensor/graph/reduce.js';
import * as mm from './tensor/graph/matmul.js';
import * as movement from './tensor/graph/movement.js';
import * as conv from './tensor/graph/conv.js';
import * as loss from './tensor/graph/loss.js';
import * as optim from './tensor/graph/optim.js';
import * as sweep from './tensor/graph/backward.js';

export class JsTensorBackend implements TensorBackend {
  readonly backend = 'js' as const;
  private tape = new TensorTape();

  get nodeCount(): number { return this.tape.nodes.length; }
  get slotCount(): number {
    let n = 0;
    for (const s of this.tape.slots) if (s) n++;
    return n;
  }
  get arenaUsed(): number { return this.tape.arena.usedBytes; }
  get arenaPeak(): number { return Math.max(this.tape.arena.peakBytes, this.tape.arena.usedBytes); }
  /** Slots' data and gradients: what the Wasm core counts in its heapBytes() besides its tables. */
  get heapBytes(): number {
    let bytes = 0;
    for (const s of this.tape.slots) if (s) bytes += s.data.byteLength + s.grad.byteLength;
    return bytes;
  }
  get tensorBytes(): number {
    let bytes = this.tape.arena.bytes;
    for (const s of this.tape.slots) if (s) bytes += s.data.byteLength + s.grad.byteLength;
    return bytes;
  }

  // ── leaves ──

  fromData(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    return leaves.fromData(this.tape, data, shape, dtype, requiresGrad);
  }
  full(shape: readonly number[], dtype: DType, value: number): number { return leaves.full(this.tape, shape, dtype, value); }

  // ── ops ──

  unary(op: UnaryOpId, a: number): number { return elementwise.unary(this.tape, op, a); }
  binary(op: BinaryOpId, a: number, b: number, outShape: readonly number[]): number {
    return elementwise.binary(this.tape, op, a, b, outShape);
  }
  where(mask: number, a: number, b: number, outShape: readonly number[]): number {
    return elementwise.where(this.tape, mask, a, b, outShape);
  }
  compare(kind: CompareKindId, a: number, b: number, outShape: readonly number[]): number {
    return elementwise.compare(this.tape, kind, a, b, outShape);
  }
  reduce(kind: ReduceKindId, a: number, axes: readonly number[], outShape: readonly number[]): number {
    return reduce.reduce(this.tape, kind, a, axes, outShape);
  }
  matmul(a: number, b: number, outShape: readonly number[], transA = false, transB = false): number {
    return mm.matmul(this.tape, a, b, outShape, transA, transB);
  }
  reshape(a: number, shape: readonly number[]): number { return movement.reshape(this.tape, a, shape); }
  permute(a: number, perm: readonly number[]): number { return movement.permute(this.tape, a, perm); }
  expand(a: number, shape: readonly number[]): number { return movement.expand(this.tape, a, shape); }
  slice(a: number, starts: readonly number[], ends: readonly number[]): number {
    return movement.slice(this.tape, a, starts, ends);
  }
  concat(a: number, b: number, axis: number): number { return movement.concat(this.tape, a, b, axis); }
  pad(a: number, before: readonly number[], after: readonly number[], value: number): number {
    return movement.pad(this.tape, a, before, after, value);
  }
  indexSelect(a: number, axis: number, indices: number): number { return movement.indexSelect(this.tape, a, axis, indices); }
  crossEntropy(logits: number, targets: number): number { return loss.crossEntropy(this.tape, logits, targets); }
  conv2d(x: number, w: number, args: Conv2dArgs, outShape: readonly number[]): number {
    return conv.conv2d(this.tape, x, w, args, outShape);
  }
  maxPool2d(x: number, args: Pool2dArgs, outShape: readonly number[]): number {
    return conv.maxPool2d(this.tape, x, args, outShape);
  }
  avgPool2d(x: number, args: Pool2dArgs, outShape: readonly number[]): number {
    return conv.avgPool2d(this.tape, x, args, outShape);
  }
  detach(a: number): number { return elementwise.detach(this.tape, a); }
  cast(a: number, dtype: DType): number { return elementwise.cast(this.tape, a, dtype); }

  // ── reading ──

  shape(id: number): number[] { return this.tape.node(id).shape.slice(); }
  dtype(id: number): DType { return this.tape.node(id).dtype; }
  requiresGrad(id: number): boolean { return this.tape.node(id).requiresGrad; }
  data(id: number): TypedData { return copyOf(this.tape.node(id).data, 'data'); }
  item(id: number): number { return this.tape.node(id).data[0]; }
  grad(id: number): TypedData | null {
    const g = this.tape.node(id).grad;
    return g === null ? null : copyOf(g, 'grad');
  }

  // ── gradients ──

  backward(root: number): void { sweep.backward(this.tape, root); }
  zeroGrad(): void { sweep.zeroGrad(this.tape); }

  reset(): void {
    this.tape.nodes = [];
    this.tape.arena.recycle();
  }

  // ── slots ──

  createSlot(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    const copy = alloc(dtype, data.length, 'parameter');
    copy.set(data);
    const slots = this.tape.slots;
    slots.push({ data: copy, grad: alloc(dtype, data.length, 'parameter'), shape: shape.slice(), dtype, requiresGrad: requiresGrad && dtype !== 'int32' });
    return slots.length - 1;
  }

  keep(id: number, requiresGrad: boolean): number {
    const n = this.tape.node(id);
    return this.createSlot(n.data, n.shape, n.dtype, requiresGrad);
  }

  slotNode(slot: number): number { return leaves.slotNode(this.tape, slot); }
  slotData(slot: number): TypedData { return copyOf(this.tape.slots[slot]!.data, 'data'); }
  setSlotData(slot: number, data: TypedData): void { this.tape.slots[slot]!.data.set(data); }
  slotGrad(slot: number): TypedData { return copyOf(this.tape.slots[slot]!.grad, 'grad'); }
  zeroSlotGrad(slot: number): void { this.tape.slots[slot]!.grad.fill(0); }
  freeSlot(slot: number): void { this.tape.slots[slot] = null; }

  // ── optimizers ──

  sgdStep(params: readonly number[], velocity: readonly number[], lr: number, momentum: number, weightDecay: number, firstStep: boolean): void {
    optim.sgdStep(this.tape, params, velocity, lr, momentum, weightDecay, firstStep);
  }

  adamStep(
    params: readonly number[], m: readonly number[], v: readonly number[],
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void {
    optim.adamStep(this.tape, params, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);
  }
}
