// The JS twin's tensor tape (assembly/tensor/tape.ts): nodes in a JS array,
// each owning typed arrays for its data and gradient, the arena that recycles
// those arrays, the parameter slots, and the types every op family shares:
// the per-kind attributes a node records and the shape of a backward rule.

import type { Conv2dArgs, DType, Pool2dArgs, TypedData } from '../../tensor/backend.js';
import { DTYPE_CODE, NodeKind, type NodeKindName } from '../../generated/ops.js';
import { MAX_SIZE, outOfMemory } from '../../tensor/shape.js';
import { WasmgradValueError } from '../../errors.js';

export type GemmArray = Float32Array | Float64Array;

/**
 * What a node of each kind keeps for its backward rule besides its inputs
 * (a, b, c) and its op id (`op`: the elementwise op, compare or reduce kind,
 * or indexSelect's axis). null where the inputs and the shapes are enough.
 */
export interface NodeAttrs {
  Leaf: null;
  Const: null;
  /** the node's `a` is its slot */
  Param: null;
  Unary: null;
  Binary: null;
  Where: null;
  Compare: null;
  /** the strides of the output over the input's dims, 0 on reduced dims */
  Reduce: Int32Array;
  /** for each output matrix, the matrix of a (ia) and of b (ib) it reads */
  Matmul: { ia: Int32Array; ib: Int32Array; M: number; N: number; K: number; transA: boolean; transB: boolean };
  Reshape: null;
  /** the input offset each output element reads */
  Permute: Int32Array;
  /** the input offset each output element reads */
  Expand: Int32Array;
  /** the input offset each output element reads */
  Slice: Int32Array;
  /** per outer index, ca elements of a then cb of b */
  Concat: { outer: number; ca: number; cb: number };
  /** the output offset each input element is written to */
  Pad: Int32Array;
  IndexSelect: { outer: number; inner: number; dim: number };
  Conv2d: Conv2dArgs;
  /** the input offset of each window's first maximum (-1 for an empty window) */
  MaxPool2d: Int32Array;
  AvgPool2d: Pool2dArgs;
  Detach: null;
  Cast: null;
  CrossEntropy: null;
  Argmax: null;
  Argmin: null;
  Argsort: null;
  /** the axis (index and x have one rank) */
  Gather: number;
  /** the axis */
  ScatterAdd: number;
  /** the axis */
  Cumsum: number;
  /** the axis */
  Cumprod: number;
}

/**
 * One node. A single class for every kind, so that the sweep and the ops see
 * one hidden class; K narrows `attrs` for the backward rule of kind K.
 */
export class TNode<K extends NodeKindName = NodeKindName> {
  grad: TypedData | null = null;
  constructor(
    readonly kind: (typeof NodeKind)[K],
    readonly op: number,
    readonly a: number,
    readonly b: number,
    readonly c: number,
    readonly dtype: DType,
    readonly shape: number[],
    /** May be another node's array (reshape, detach) or a slot's (Param). */
    readonly data: TypedData,
    readonly requiresGrad: boolean,
    readonly attrs: NodeAttrs[K],
  ) {}
}

/**
 * The backward rule of kind K: adds g·∂node/∂input into the gradient of each
 * input whose need flag is set (the sweep sets them from NODE_KIND_INFO's
 * grads and the inputs' requiresGrad, and marks those inputs reached).
 */
export type BackwardRule<K extends NodeKindName> =
  (t: TensorTape, n: TNode<K>, needA: boolean, needB: boolean, needC: boolean) => void;

/** For kinds no gradient flows through (leaves, compare, detach). */
export const noGradient = (): void => {};

/**
 * Every array the twin holds goes through here: past the front end's size
 * check nothing may be built, and a heap that cannot hold the array is a
 * RangeError naming the op, never V8's bare "Array buffer allocation failed".
 */
export function alloc(dtype: DType, n: number, op: string): TypedData {
  if (n > MAX_SIZE) throw new WasmgradValueError(`${op}: ${n} elements are more than the ${MAX_SIZE} (2^28) a tensor can hold`);
  try {
    return dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  } catch (err) {
    throw outOfMemory(err, op, dtype, n);
  }
}

export function copyOf(arr: TypedData, op: string): TypedData {
  const out = alloc(arr instanceof Float32Array ? 'float32' : arr instanceof Float64Array ? 'float64' : 'int32', arr.length, op);
  out.set(arr);
  return out;
}

/** f64 accumulators (sums rounded once into a tensor's dtype). */
export function scratchF64(n: number, op: string): Float64Array {
  return alloc('float64', n, op) as Float64Array;
}

/**
 * Node arrays, recycled at reset(): a training loop builds the same shapes
 * every step, so after the first step every op finds an array of its size
 * waiting, and neither the allocator (first-touch page faults on fresh
 * memory) nor the GC sees the per-step tensors. It plays the part of the
 * Wasm core's arena. Arrays a generation did not use are dropped at the
 * next reset, so the pool never outgrows one step's worth of tensors.
 */
export class Arena {
  private free: Map<number, TypedData[]>[] = [new Map(), new Map(), new Map()];
  private used: TypedData[] = [];
  /** Bytes of every array held: in use and waiting. */
  bytes = 0;
  /** Bytes of the arrays handed out since the last recycle (the Wasm core's tensorArenaUsed). */
  usedBytes = 0;
  /** The largest usedBytes any generation reached. */
  peakBytes = 0;

  /** An array of n elements with arbitrary contents (the caller overwrites all of it). */
  take(dtype: DType, n: number, op: string): TypedData {
    const list = this.free[DTYPE_CODE[dtype]].get(n);
    let arr = list !== undefined ? list.pop() : undefined;
    if (arr === undefined) {
      arr = alloc(dtype, n, op);
      this.bytes += arr.byteLength;
    }
    this.used.push(arr);
    this.usedBytes += arr.byteLength;
    return arr;
  }

  takeZeroed(dtype: DType, n: number, op: string): TypedData {
    const arr = this.take(dtype, n, op);
    arr.fill(0);
    return arr;
  }

  recycle(): void {
    if (this.usedBytes > this.peakBytes) this.peakBytes = this.usedBytes;
    this.usedBytes = 0;
    const free: Map<number, TypedData[]>[] = [new Map(), new Map(), new Map()];
    let bytes = 0;
    for (const arr of this.used) {
      const code = arr instanceof Float32Array ? 0 : arr instanceof Float64Array ? 1 : 2;
      const list = free[code].get(arr.length);
      if (list) list.push(arr);
      else free[code].set(arr.length, [arr]);
      bytes += arr.byteLength;
    }
    this.free = free;
    this.used = [];
    this.bytes = bytes;
  }
}

export interface Slot {
  data: TypedData;
  grad: TypedData;
  shape: number[];
  dtype: DType;
  requiresGrad: boolean;
}

/** The nodes of the current step, the arena their arrays come from, and the slots that outlive steps. */
export class TensorTape {
  nodes: TNode[] = [];
  readonly arena = new Arena();
  slots: (Slot | null)[] = [];

  /** Records a node of kind `kind`; an int32 node never requires a gradient. */
  push<K extends NodeKindName>(kind: K, op: number, a: number, b: number, c: number, dtype: DType, shape: readonly number[],
    data: TypedData, requiresGrad: boolean, attrs: NodeAttrs[K]): number {
    this.nodes.push(new TNode<K>(NodeKind[kind], op, a, b, c, dtype, shape.slice(), data, requiresGrad && dtype !== 'int32', attrs) as TNode);
    return this.nodes.length - 1;
  }

  node(id: number): TNode { return this.nodes[id]; }
  rg(id: number): boolean { return this.nodes[id].requiresGrad; }

  /** The node's gradient array, allocated (zeros) on first use in this sweep. */
  addGrad(id: number): TypedData {
    const n = this.nodes[id];
    if (n.grad === null) n.grad = this.arena.takeZeroed(n.dtype, n.data.length, 'backward');
    return n.grad;
  }

  /** Adds acc (f64 sums) into input `id`'s gradient, rounding once. */
  addInto(id: number, acc: Float64Array, from = 0): void {
    const g = this.addGrad(id);
    for (let i = 0; i < g.length; i++) g[i] += acc[from + i];
  }
}
