// The Wasm tensor backend: TensorBackend over the tensor exports of the core
// (assembly/tensor/abi.ts). Arrays go through the core's staging area; bulk
// data is copied through views made fresh after every call that may have
// grown memory (growth detaches old views). Every address the core returns
// is a u32 that JS receives as a signed i32, so it is read with `>>> 0`
// (past 2 GiB of linear memory it would otherwise be negative).

import type { BackendName } from '../tape.js';
import { coreFailure } from './tape.js';
import { ELEMENTWISE } from '../generated/ops.js';
import {
  DTYPE_CODE, DTYPE_NAMES,
  type BinaryOpId, type CompareKindId, type Conv2dArgs, type DType, type Pool2dArgs, type ReduceKindId,
  type TensorBackend, type TypedData, type UnaryOpId,
} from '../tensor/backend.js';

/** The tensor exports of build/wasmgrad.wasm (docs/abi.md, "Tensors"). */
export interface TensorExports {
  readonly memory: WebAssembly.Memory;
  lastError(): number;
  tensorStage(): number;
  tensorStageInts(): number;
  tensorFromData(dtype: number, rank: number, requiresGrad: number): number;
  tensorFull(dtype: number, rank: number, value: number): number;
  tensorUnary(op: number, a: number): number;
  tensorBinary(op: number, a: number, b: number): number;
  tensorWhere(mask: number, a: number, b: number): number;
  tensorCompare(kind: number, a: number, b: number): number;
  tensorReduce(kind: number, a: number, count: number, keepdims: number): number;
  tensorMatmul(a: number, b: number, transA: number, transB: number): number;
  tensorReshape(a: number, rank: number): number;
  tensorPermute(a: number): number;
  tensorExpand(a: number, rank: number): number;
  tensorSlice(a: number): number;
  tensorPad(a: number, value: number): number;
  tensorConcat(a: number, b: number, axis: number): number;
  tensorIndexSelect(a: number, axis: number, indices: number): number;
  tensorCrossEntropy(logits: number, targets: number): number;
  tensorConv2d(x: number, w: number): number;
  tensorPool2d(isMax: number, x: number): number;
  tensorDetach(a: number): number;
  tensorCast(a: number, dtype: number): number;
  tensorCount(): number;
  tensorRank(id: number): number;
  tensorDim(id: number, d: number): number;
  tensorSize(id: number): number;
  tensorDType(id: number): number;
  tensorOp(id: number): number;
  tensorRequiresGrad(id: number): number;
  tensorData(id: number): number;
  tensorGrad(id: number): number;
  tensorBackward(root: number): number;
  tensorClearGrads(): void;
  tensorReset(): void;
  tensorBytes(): number;
  /** Bytes of the arena handed out since the last reset. */
  tensorArenaUsed(): number;
  /** The largest tensorArenaUsed() any generation reached. */
  tensorArenaPeak(): number;
  slotCreate(dtype: number, rank: number, requiresGrad: number): number;
  slotKeep(id: number, requiresGrad: number): number;
  slotNode(slot: number): number;
  slotCount(): number;
  slotLiveCount(): number;
  slotData(slot: number): number;
  slotGrad(slot: number): number;
  slotSize(slot: number): number;
  slotDType(slot: number): number;
  slotRank(slot: number): number;
  slotDim(slot: number, d: number): number;
  slotClearGrad(slot: number): number;
  slotFree(slot: number): number;
  sgdStep(count: number, lr: number, momentum: number, weightDecay: number, firstStep: number): number;
  adamStep(count: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: number, step: number): number;
}

type TypedCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;
const CTORS: readonly TypedCtor[] = [Float32Array, Float64Array, Int32Array];

export class WasmTensorBackend implements TensorBackend {
  readonly backend: BackendName = 'wasm';
  private readonly core: TensorExports;
  private readonly stageInts: number;

  constructor(instance: WebAssembly.Instance) {
    this.core = instance.exports as unknown as TensorExports;
    this.stageInts = this.core.tensorStageInts();
  }

  /** Writes ints into the staging area (fresh view: memory may have grown). */
  private stage(...lists: (readonly number[])[]): void {
    const total = lists.reduce((n, l) => n + l.length, 0);
    if (total > this.stageInts) throw new RangeError(`wasmgrad: ${total} staged integers exceed the core's staging area (${this.stageInts})`);
    const view = new Int32Array(this.core.memory.buffer, this.core.tensorStage() >>> 0, this.stageInts);
    let k = 0;
    for (const list of lists) for (const x of list) view[k++] = x;
  }

  /**
   * Calls the core. A failure (-1) is out of memory, with the core's state
   * as before the call, or a bug in wasmgrad (the front end validates every
   * argument); coreFailure says which.
   */
  private run(what: string, call: () => number): number {
    let id: number;
    try {
      id = call();
    } catch (err) {
      throw coreFailure(this.core, what, what, err);
    }
    if (id < 0) throw coreFailure(this.core, what, what);
    return id;
  }

  /** A view of n elements at the core address `ptr` (a u32 that may arrive negative). */
  private view(dtype: number, ptr: number, n: number): TypedData {
    return new CTORS[dtype](this.core.memory.buffer, ptr >>> 0, n);
  }

  fromData(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    this.stage(shape);
    const code = DTYPE_CODE[dtype];
    const id = this.run('tensor', () => this.core.tensorFromData(code, shape.length, requiresGrad ? 1 : 0));
    this.view(code, this.core.tensorData(id), data.length).set(data);
    return id;
  }

  full(shape: readonly number[], dtype: DType, value: number): number {
    this.stage(shape);
    return this.run('full', () => this.core.tensorFull(DTYPE_CODE[dtype], shape.length, value));
  }

  unary(op: UnaryOpId, a: number): number { return this.run(ELEMENTWISE[op]?.method ?? 'unary', () => this.core.tensorUnary(op, a)); }
  binary(op: BinaryOpId, a: number, b: number): number { return this.run(ELEMENTWISE[op]?.method ?? 'binary', () => this.core.tensorBinary(op, a, b)); }
  where(mask: number, a: number, b: number): number { return this.run('where', () => this.core.tensorWhere(mask, a, b)); }
  compare(kind: CompareKindId, a: number, b: number): number { return this.run('compare', () => this.core.tensorCompare(kind, a, b)); }

  reduce(kind: ReduceKindId, a: number, axes: readonly number[], outShape: readonly number[]): number {
    this.stage(axes);
    const keepdims = outShape.length === this.core.tensorRank(a) && axes.length > 0 ? 1 : 0;
    return this.run('reduce', () => this.core.tensorReduce(kind, a, axes.length, keepdims));
  }

  matmul(a: number, b: number, _outShape: readonly number[], transA = false, transB = false): number {
    return this.run('matmul', () => this.core.tensorMatmul(a, b, transA ? 1 : 0, transB ? 1 : 0));
  }

  reshape(a: number, shape: readonly number[]): number {
    this.stage(shape);
    return this.run('reshape', () => this.core.tensorReshape(a, shape.length));
  }

  permute(a: number, perm: readonly number[]): number {
    this.stage(perm);
    return this.run('permute', () => this.core.tensorPermute(a));
  }

  expand(a: number, shape: readonly number[]): number {
    this.stage(shape);
    return this.run('expand', () => this.core.tensorExpand(a, shape.length));
  }

  slice(a: number, starts: readonly number[], ends: readonly number[]): number {
    this.stage(starts, ends);
    return this.run('slice', () => this.core.tensorSlice(a));
  }

  concat(a: number, b: number, axis: number): number { return this.run('concat', () => this.core.tensorConcat(a, b, axis)); }

  pad(a: number, before: readonly number[], after: readonly number[], value: number): number {
    this.stage(before, after);
    return this.run('pad', () => this.core.tensorPad(a, value));
  }

  indexSelect(a: number, axis: number, indices: number): number {
    return this.run('indexSelect', () => this.core.tensorIndexSelect(a, axis, indices));
  }

  crossEntropy(logits: number, targets: number): number {
    return this.run('crossEntropy', () => this.core.tensorCrossEntropy(logits, targets));
  }

  conv2d(x: number, w: number, args: Conv2dArgs): number {
    this.stage([args.strideH, args.strideW, args.padH, args.padW]);
    return this.run('conv2d', () => this.core.tensorConv2d(x, w));
  }

  private pool(isMax: number, x: number, p: Pool2dArgs): number {
    this.stage([p.kernelH, p.kernelW, p.strideH, p.strideW, p.padH, p.padW]);
    return this.run(isMax ? 'maxPool2d' : 'avgPool2d', () => this.core.tensorPool2d(isMax, x));
  }
  maxPool2d(x: number, args: Pool2dArgs): number { return this.pool(1, x, args); }
  avgPool2d(x: number, args: Pool2dArgs): number { return this.pool(0, x, args); }

  detach(a: number): number { return this.run('detach', () => this.core.tensorDetach(a)); }
  cast(a: number, dtype: DType): number { return this.run('cast', () => this.core.tensorCast(a, DTYPE_CODE[dtype])); }

  shape(id: number): number[] {
    const c = this.core;
    const shape: number[] = [];
    for (let d = 0, r = c.tensorRank(id); d < r; d++) shape.push(c.tensorDim(id, d));
    return shape;
  }
  dtype(id: number): DType { return DTYPE_NAMES[this.core.tensorDType(id)]; }
  requiresGrad(id: number): boolean { return this.core.tensorRequiresGrad(id) === 1; }

  data(id: number): TypedData {
    const c = this.core;
    return this.view(c.tensorDType(id), c.tensorData(id), c.tensorSize(id)).slice();
  }

  item(id: number): number {
    const c = this.core;
    return this.view(c.tensorDType(id), c.tensorData(id), 1)[0];
  }

  grad(id: number): TypedData | null {
    const c = this.core;
    const ptr = c.tensorGrad(id) >>> 0;
    return ptr === 0 ? null : this.view(c.tensorDType(id), ptr, c.tensorSize(id)).slice();
  }

  backward(root: number): void { this.run('backward', () => this.core.tensorBackward(root)); }
  zeroGrad(): void { this.core.tensorClearGrads(); }
  // Never allocates and never fails (docs/abi.md); a trap of an older core still becomes a WasmgradMemoryError.
  reset(): void { this.run('reset', () => (this.core.tensorReset(), 0)); }
  get nodeCount(): number { return this.core.tensorCount(); }

  createSlot(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    this.stage(shape);
    const code = DTYPE_CODE[dtype];
    const slot = this.run('parameter', () => this.core.slotCreate(code, shape.length, requiresGrad ? 1 : 0));
    this.view(code, this.core.slotData(slot), data.length).set(data);
    return slot;
  }

  keep(id: number, requiresGrad: boolean): number { return this.run('keep', () => this.core.slotKeep(id, requiresGrad ? 1 : 0)); }
  slotNode(slot: number): number { return this.run('slotNode', () => this.core.slotNode(slot)); }

  slotData(slot: number): TypedData {
    const c = this.core;
    return this.view(c.slotDType(slot), c.slotData(slot), c.slotSize(slot)).slice();
  }

  setSlotData(slot: number, data: TypedData): void {
    const c = this.core;
    this.view(c.slotDType(slot), c.slotData(slot), c.slotSize(slot)).set(data);
  }

  slotGrad(slot: number): TypedData {
    const c = this.core;
    const ptr = c.slotGrad(slot) >>> 0;
    const dtype = c.slotDType(slot);
    return ptr === 0 ? new CTORS[dtype](c.slotSize(slot)) : this.view(dtype, ptr, c.slotSize(slot)).slice();
  }

  zeroSlotGrad(slot: number): void { this.run('zeroSlotGrad', () => this.core.slotClearGrad(slot)); }
  freeSlot(slot: number): void { this.run('freeSlot', () => this.core.slotFree(slot)); }
  get slotCount(): number { return this.core.slotLiveCount(); }

  // The slot lists go through the staging area, a chunk of parameters at a time.
  sgdStep(params: readonly number[], velocity: readonly number[], lr: number, momentum: number, weightDecay: number, firstStep: boolean): void {
    const chunk = Math.floor(this.stageInts / (momentum !== 0 ? 2 : 1));
    for (let k = 0; k < params.length; k += chunk) {
      const ps = params.slice(k, k + chunk);
      this.stage(ps, momentum !== 0 ? velocity.slice(k, k + chunk) : []);
      this.run('sgdStep', () => this.core.sgdStep(ps.length, lr, momentum, weightDecay, firstStep ? 1 : 0));
    }
  }

  adamStep(
    params: readonly number[], m: readonly number[], v: readonly number[],
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void {
    const chunk = Math.floor(this.stageInts / 3);
    for (let k = 0; k < params.length; k += chunk) {
      const ps = params.slice(k, k + chunk);
      this.stage(ps, m.slice(k, k + chunk), v.slice(k, k + chunk));
      this.run('adamStep', () => this.core.adamStep(ps.length, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, step));
    }
  }

  get tensorBytes(): number { return this.core.tensorBytes(); }
  get arenaUsed(): number { return this.core.tensorArenaUsed(); }
  get arenaPeak(): number { return this.core.tensorArenaPeak(); }
  /** 0: the core's heapBytes() already counts slots and tables (WasmTape.heapBytes). */
  get heapBytes(): number { return 0; }
}
