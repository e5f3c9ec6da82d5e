// The Wasm tensor backend: TensorBackend over the tensor exports of the core
// (assembly/tensor/abi.ts). Arrays go through the core's staging area; bulk
// data is copied through views made fresh after every call that may have
// grown memory (growth detaches old views).

import type { BackendName } from '../tape.js';
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
  slotCreate(dtype: number, rank: number, requiresGrad: number): number;
  slotKeep(id: number, requiresGrad: number): number;
  slotNode(slot: number): number;
  slotCount(): number;
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

const ERROR_NAMES: Record<number, string> = {
  6: 'unknown tensor', 7: 'bad shape', 8: 'bad dtype', 9: 'bad slot', 10: 'bad argument', 1: 'bad op',
};

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
    const view = new Int32Array(this.core.memory.buffer, this.core.tensorStage(), this.stageInts);
    let k = 0;
    for (const list of lists) for (const x of list) view[k++] = x;
  }

  /**
   * The front end validates everything, so a failure here is a bug in
   * wasmgrad, not in the caller's code: say which call and what the core saw.
   */
  private checked(id: number, what: string): number {
    if (id < 0) {
      const code = this.core.lastError();
      throw new Error(`wasmgrad: the core rejected ${what} (error ${code}: ${ERROR_NAMES[code] ?? 'unknown'})`);
    }
    return id;
  }

  private view(dtype: number, ptr: number, n: number): TypedData {
    return new CTORS[dtype](this.core.memory.buffer, ptr, n);
  }

  fromData(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    this.stage(shape);
    const code = DTYPE_CODE[dtype];
    const id = this.checked(this.core.tensorFromData(code, shape.length, requiresGrad ? 1 : 0), 'fromData');
    this.view(code, this.core.tensorData(id), data.length).set(data);
    return id;
  }

  full(shape: readonly number[], dtype: DType, value: number): number {
    this.stage(shape);
    return this.checked(this.core.tensorFull(DTYPE_CODE[dtype], shape.length, value), 'full');
  }

  unary(op: UnaryOpId, a: number): number { return this.checked(this.core.tensorUnary(op, a), 'unary'); }
  binary(op: BinaryOpId, a: number, b: number): number { return this.checked(this.core.tensorBinary(op, a, b), 'binary'); }
  where(mask: number, a: number, b: number): number { return this.checked(this.core.tensorWhere(mask, a, b), 'where'); }
  compare(kind: CompareKindId, a: number, b: number): number { return this.checked(this.core.tensorCompare(kind, a, b), 'compare'); }

  reduce(kind: ReduceKindId, a: number, axes: readonly number[], outShape: readonly number[]): number {
    this.stage(axes);
    const keepdims = outShape.length === this.core.tensorRank(a) && axes.length > 0 ? 1 : 0;
    return this.checked(this.core.tensorReduce(kind, a, axes.length, keepdims), 'reduce');
  }

  matmul(a: number, b: number, _outShape: readonly number[], transA = false, transB = false): number {
    return this.checked(this.core.tensorMatmul(a, b, transA ? 1 : 0, transB ? 1 : 0), 'matmul');
  }

  reshape(a: number, shape: readonly number[]): number {
    this.stage(shape);
    return this.checked(this.core.tensorReshape(a, shape.length), 'reshape');
  }

  permute(a: number, perm: readonly number[]): number {
    this.stage(perm);
    return this.checked(this.core.tensorPermute(a), 'permute');
  }

  expand(a: number, shape: readonly number[]): number {
    this.stage(shape);
    return this.checked(this.core.tensorExpand(a, shape.length), 'expand');
  }

  slice(a: number, starts: readonly number[], ends: readonly number[]): number {
    this.stage(starts, ends);
    return this.checked(this.core.tensorSlice(a), 'slice');
  }

  concat(a: number, b: number, axis: number): number { return this.checked(this.core.tensorConcat(a, b, axis), 'concat'); }

  pad(a: number, before: readonly number[], after: readonly number[], value: number): number {
    this.stage(before, after);
    return this.checked(this.core.tensorPad(a, value), 'pad');
  }

  indexSelect(a: number, axis: number, indices: number): number {
    return this.checked(this.core.tensorIndexSelect(a, axis, indices), 'indexSelect');
  }

  conv2d(x: number, w: number, args: Conv2dArgs): number {
    this.stage([args.strideH, args.strideW, args.padH, args.padW]);
    return this.checked(this.core.tensorConv2d(x, w), 'conv2d');
  }

  private pool(isMax: number, x: number, p: Pool2dArgs): number {
    this.stage([p.kernelH, p.kernelW, p.strideH, p.strideW, p.padH, p.padW]);
    return this.checked(this.core.tensorPool2d(isMax, x), isMax ? 'maxPool2d' : 'avgPool2d');
  }
  maxPool2d(x: number, args: Pool2dArgs): number { return this.pool(1, x, args); }
  avgPool2d(x: number, args: Pool2dArgs): number { return this.pool(0, x, args); }

  detach(a: number): number { return this.checked(this.core.tensorDetach(a), 'detach'); }
  cast(a: number, dtype: DType): number { return this.checked(this.core.tensorCast(a, DTYPE_CODE[dtype]), 'cast'); }

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
    const ptr = c.tensorGrad(id);
    return ptr === 0 ? null : this.view(c.tensorDType(id), ptr, c.tensorSize(id)).slice();
  }

  backward(root: number): void { this.checked(this.core.tensorBackward(root), 'backward'); }
  zeroGrad(): void { this.core.tensorClearGrads(); }
  reset(): void { this.core.tensorReset(); }
  get nodeCount(): number { return this.core.tensorCount(); }

  createSlot(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    this.stage(shape);
    const code = DTYPE_CODE[dtype];
    const slot = this.checked(this.core.slotCreate(code, shape.length, requiresGrad ? 1 : 0), 'createSlot');
    this.view(code, this.core.slotData(slot), data.length).set(data);
    return slot;
  }

  keep(id: number, requiresGrad: boolean): number { return this.checked(this.core.slotKeep(id, requiresGrad ? 1 : 0), 'keep'); }
  slotNode(slot: number): number { return this.checked(this.core.slotNode(slot), 'slotNode'); }

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
    const ptr = c.slotGrad(slot);
    const dtype = c.slotDType(slot);
    return ptr === 0 ? new CTORS[dtype](c.slotSize(slot)) : this.view(dtype, ptr, c.slotSize(slot)).slice();
  }

  zeroSlotGrad(slot: number): void { this.checked(this.core.slotClearGrad(slot), 'zeroSlotGrad'); }
  freeSlot(slot: number): void { this.checked(this.core.slotFree(slot), 'freeSlot'); }
  get slotCount(): number { return this.core.slotCount(); }

  sgdStep(params: readonly number[], velocity: readonly number[], lr: number, momentum: number, weightDecay: number, firstStep: boolean): void {
    this.stage(params, momentum !== 0 ? velocity : []);
    this.checked(this.core.sgdStep(params.length, lr, momentum, weightDecay, firstStep ? 1 : 0), 'sgdStep');
  }

  adamStep(
    params: readonly number[], m: readonly number[], v: readonly number[],
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void {
    this.stage(params, m, v);
    this.checked(this.core.adamStep(params.length, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, step), 'adamStep');
  }

  get tensorBytes(): number { return this.core.tensorBytes(); }
}
