// The Wasm tensor backend: TensorBackend over the tensor exports of the core
// (assembly/tensor/abi.ts). Arrays go through the core's staging area; bulk
// data is copied through views made fresh after every call that may have
// grown memory (growth detaches old views). Every address the core returns
// is a u32 that JS receives as a signed i32, so it is read with `>>> 0`
// (past 2 GiB of linear memory it would otherwise be negative).

import type { ModuleExports } from '../generated/exports.js';
import type { BackendName } from '../tape.js';
import { coreFailure } from './tape.js';
import { ATTR_LAYOUT, ELEMENTWISE, NODE_KIND_INFO, NodeKind, STAGE_ATTRS, type OpAttrs, type OpInputs, type OpKindName } from '../generated/ops.js';
import { DTYPE_CODE, DTYPE_NAMES, NODE_KIND_NAMES, type DType, type NodeInfo, type TensorBackend, type TypedData } from '../tensor/backend.js';
import { WasmgradValueError } from '../errors.js';

/** The core's exports as the tensor backend uses them: the compiler's signatures (src/generated/exports.ts). */
export type TensorExports = ModuleExports;

/** How errors name a node: the elementwise op's method, or the kind as a method name (maxPool2d). */
function opName<K extends OpKindName>(kind: K, attrs: OpAttrs[K]): string {
  const op = (attrs as { op?: number }).op;
  if (op !== undefined) return ELEMENTWISE[op]?.method ?? kind;
  return kind[0].toLowerCase() + kind.slice(1);
}

type TypedCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;
const CTORS: readonly TypedCtor[] = [Float32Array, Float64Array, Int32Array];

export class WasmTensorBackend implements TensorBackend {
  readonly backend: BackendName = 'wasm';
  private readonly core: TensorExports;
  private readonly stageInts: number;
  private readonly stageAt: number;
  /**
   * The staging area as i32s and as f64s. Views of memory before it grew are
   * detached and have length 0: `staging()` makes them anew then, so a call
   * that stages costs no allocation in the steady state.
   */
  private words: Int32Array;
  private f64s: Float64Array;

  constructor(instance: WebAssembly.Instance) {
    this.core = instance.exports as unknown as TensorExports;
    this.stageInts = this.core.tensorStageInts();
    this.stageAt = this.core.tensorStage() >>> 0;
    this.words = new Int32Array(0);
    this.f64s = new Float64Array(0);
  }

  private staging(): Int32Array {
    if (this.words.length === 0) {
      this.words = new Int32Array(this.core.memory.buffer, this.stageAt, this.stageInts);
      this.f64s = new Float64Array(this.core.memory.buffer, this.stageAt, this.stageInts >> 1);
    }
    return this.words;
  }

  /** Writes ints into the staging area. */
  private stage(...lists: (readonly number[])[]): void {
    const total = lists.reduce((n, l) => n + l.length, 0);
    if (total > this.stageInts) throw new WasmgradValueError(`wasmgrad: ${total} staged integers exceed the core's staging area (${this.stageInts})`);
    const view = this.staging();
    let k = 0;
    for (const list of lists) for (const x of list) view[k++] = x;
  }

  /**
   * Calls the core. A failure (-1) is out of memory, with the core's state
   * as before the call, or a bug in wasmgrad (the front end validates every
   * argument); coreFailure says which.
   */
  private call(what: string, call: () => number): number {
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
    const id = this.call('tensor', () => this.core.tensorFromData(code, shape.length, requiresGrad ? 1 : 0));
    this.view(code, this.core.tensorData(id), data.length).set(data);
    return id;
  }

  full(shape: readonly number[], dtype: DType, value: number): number {
    this.stage(shape);
    return this.call('full', () => this.core.tensorFull(DTYPE_CODE[dtype], shape.length, value));
  }

  run<K extends OpKindName>(kind: K, inputs: OpInputs[K], attrs: OpAttrs[K]): number {
    const words = this.staging();
    STAGE_ATTRS[kind](words, this.f64s, attrs);
    const ins = inputs as readonly number[];
    const n = ins.length;
    let id: number;
    try {
      id = this.core.tensorRun(NodeKind[kind], ins[0], n > 1 ? ins[1] : -1, n > 2 ? ins[2] : -1);
    } catch (err) {
      throw coreFailure(this.core, opName(kind, attrs), opName(kind, attrs), err);
    }
    if (id < 0) throw coreFailure(this.core, opName(kind, attrs), opName(kind, attrs));
    return id;
  }

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

  nodeInfo(id: number): NodeInfo {
    const c = this.core;
    const kind = NODE_KIND_NAMES[this.call('nodeInfo', () => c.tensorNodeInfo(id))];
    const n = NODE_KIND_INFO[kind].inputs.length;
    const inputs: number[] = [];
    for (let k = 0; k < n; k++) inputs.push(c.tensorInput(id, k));
    if (n === 0) return { kind, inputs, attrs: {} } as unknown as NodeInfo;
    const words = this.staging(), f64s = this.f64s;
    const attrs: Record<string, unknown> = {};
    for (const a of ATTR_LAYOUT[kind as OpKindName]) {
      const w = a.word;
      attrs[a.name] = a.type === 'bool' ? words[w] !== 0
        : a.type === 'dtype' ? DTYPE_NAMES[words[w]]
        : a.type === 'f64' ? f64s[w >> 1]
        : a.type === 'i32[]' ? Array.from(words.subarray(w + 1, w + 1 + words[w]))
        : words[w];
    }
    return { kind, inputs, attrs } as unknown as NodeInfo;
  }

  backward(root: number): void { this.call('backward', () => this.core.tensorBackward(root)); }
  zeroGrad(): void { this.core.tensorClearGrads(); }
  // Never allocates and never fails (docs/abi.md); a trap of an older core still becomes a WasmgradMemoryError.
  reset(): void { this.call('reset', () => (this.core.tensorReset(), 0)); }
  get nodeCount(): number { return this.core.tensorCount(); }

  createSlot(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    this.stage(shape);
    const code = DTYPE_CODE[dtype];
    const slot = this.call('parameter', () => this.core.slotCreate(code, shape.length, requiresGrad ? 1 : 0));
    this.view(code, this.core.slotData(slot), data.length).set(data);
    return slot;
  }

  keep(id: number, requiresGrad: boolean): number { return this.call('keep', () => this.core.slotKeep(id, requiresGrad ? 1 : 0)); }
  slotNode(slot: number): number { return this.call('slotNode', () => this.core.slotNode(slot)); }

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

  setSlotGrad(slot: number, data: TypedData): void {
    const c = this.core;
    const ptr = c.slotGrad(slot) >>> 0;
    if (ptr === 0) throw new Error('grad: this tensor keeps no gradient (it was made without requiresGrad)');
    this.view(c.slotDType(slot), ptr, c.slotSize(slot)).set(data);
  }

  zeroSlotGrad(slot: number): void { this.call('zeroSlotGrad', () => this.core.slotClearGrad(slot)); }
  freeSlot(slot: number): void { this.call('freeSlot', () => this.core.slotFree(slot)); }
  get slotCount(): number { return this.core.slotLiveCount(); }

  // The slot lists go through the staging area, a chunk of parameters at a time.
  sgdStep(params: readonly number[], velocity: readonly number[], lr: number, momentum: number, weightDecay: number, firstStep: boolean): void {
    const chunk = Math.floor(this.stageInts / (momentum !== 0 ? 2 : 1));
    for (let k = 0; k < params.length; k += chunk) {
      const ps = params.slice(k, k + chunk);
      this.stage(ps, momentum !== 0 ? velocity.slice(k, k + chunk) : []);
      this.call('sgdStep', () => this.core.sgdStep(ps.length, lr, momentum, weightDecay, firstStep ? 1 : 0));
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
      this.call('adamStep', () => this.core.adamStep(ps.length, lr, beta1, beta2, eps, weightDecay, decoupled ? 1 : 0, step));
    }
  }

  sgdMomentumStep(
    params: readonly number[], velocity: readonly number[], lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
  ): void {
    const chunk = Math.floor(this.stageInts / 2);
    for (let k = 0; k < params.length; k += chunk) {
      const ps = params.slice(k, k + chunk);
      this.stage(ps, velocity.slice(k, k + chunk));
      this.call('sgdStep', () => this.core.sgdMomentumStep(ps.length, lr, momentum, dampening, weightDecay, nesterov ? 1 : 0, firstStep ? 1 : 0));
    }
  }

  rmspropStep(
    params: readonly number[], squareAverages: readonly number[], momentumBuffers: readonly number[], gradAverages: readonly number[],
    lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean,
  ): void {
    const lists = 2 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0);
    const chunk = Math.floor(this.stageInts / lists);
    for (let k = 0; k < params.length; k += chunk) {
      const part = (list: readonly number[]) => list.slice(k, k + chunk);
      const ps = part(params);
      this.stage(ps, part(squareAverages), ...(momentum > 0 ? [part(momentumBuffers)] : []), ...(centered ? [part(gradAverages)] : []));
      this.call('rmspropStep', () => this.core.rmspropStep(ps.length, lr, alpha, eps, weightDecay, momentum, centered ? 1 : 0));
    }
  }

  adagradStep(params: readonly number[], sums: readonly number[], lr: number, weightDecay: number, eps: number): void {
    const chunk = Math.floor(this.stageInts / 2);
    for (let k = 0; k < params.length; k += chunk) {
      const ps = params.slice(k, k + chunk);
      this.stage(ps, sums.slice(k, k + chunk));
      this.call('adagradStep', () => this.core.adagradStep(ps.length, lr, weightDecay, eps));
    }
  }

  get tensorBytes(): number { return this.core.tensorBytes(); }
  get arenaUsed(): number { return this.core.tensorArenaUsed(); }
  get arenaPeak(): number { return this.core.tensorArenaPeak(); }
  /** 0: the core's heapBytes() already counts slots and tables (WasmTape.heapBytes). */
  get heapBytes(): number { return 0; }
}
