// The JS twin of the tensor engine (assembly/tensor/): JsTensorBackend, the
// contract of src/tensor/backend.ts, over a tape of JS nodes. ./tensor/
// mirrors assembly/tensor/ file for file: tape.ts (nodes, arena, slots),
// kernels.ts and conv.ts (the loops), ops.ts (the tensor-only elementwise
// rules; the scalar ones are ./ops.ts), and graph/, one file per op family
// with each op's forward beside its backward rule, plus the tables of both
// by node kind (graph/forward.ts, graph/backward.ts). Matmul is ./gemm.ts.

import { NODE_KIND_NAMES, type DType, type NodeInfo, type TensorBackend, type TypedData } from '../tensor/backend.js';
import { NODE_KIND_INFO, type OpAttrs, type OpInputs, type OpKindName } from '../generated/ops.js';
import { TensorTape, alloc, copyOf } from './tensor/tape.js';
import * as leaves from './tensor/graph/leaves.js';
import { forward } from './tensor/graph/forward.js';
import * as optim from './tensor/graph/optim.js';
import * as sweep from './tensor/graph/backward.js';

export class JsTensorBackend implements TensorBackend {
  readonly backend = 'js' as const;
  private tape = new TensorTape();
  /**
   * The attributes each node was recorded with, by id: the nodes keep what
   * their backward needs (offset tables, strides), not the attributes.
   */
  private attrs: unknown[] = [];

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

  run<K extends OpKindName>(kind: K, inputs: OpInputs[K], attrs: OpAttrs[K]): number {
    const id = forward(this.tape, kind, inputs, attrs);
    this.attrs[id] = attrs;
    return id;
  }

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
  nodeInfo(id: number): NodeInfo {
    const n = this.tape.node(id);
    const kind = NODE_KIND_NAMES[n.kind];
    const inputs = [n.a, n.b, n.c].slice(0, NODE_KIND_INFO[kind].inputs.length);
    return { kind, inputs, attrs: this.attrs[id] ?? {} } as unknown as NodeInfo;
  }

  // ── gradients ──

  backward(root: number): void { sweep.backward(this.tape, root); }
  zeroGrad(): void { sweep.zeroGrad(this.tape); }

  reset(): void {
    this.tape.nodes = [];
    this.attrs = [];
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
  setSlotGrad(slot: number, data: TypedData): void { this.tape.slots[slot]!.grad.set(data); }
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

  sgdMomentumStep(
    params: readonly number[], velocity: readonly number[], lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
  ): void {
    optim.sgdMomentumStep(this.tape, params, velocity, lr, momentum, dampening, weightDecay, nesterov, firstStep);
  }

  rmspropStep(
    params: readonly number[], squareAverages: readonly number[], momentumBuffers: readonly number[], gradAverages: readonly number[],
    lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean,
  ): void {
    optim.rmspropStep(this.tape, params, squareAverages, momentumBuffers, gradAverages, lr, alpha, eps, weightDecay, momentum, centered);
  }

  adagradStep(params: readonly number[], sums: readonly number[], lr: number, weightDecay: number, eps: number): void {
    optim.adagradStep(this.tape, params, sums, lr, weightDecay, eps);
  }
}
