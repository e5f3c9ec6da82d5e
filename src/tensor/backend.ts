// What a backend provides for tensors: the tensor tape of assembly/tensor/
// behind plain numbers and typed arrays. Both backends implement it: the Wasm
// core (src/wasm/tensor.ts) and the JS twin (src/js/tensor.ts).
//
// Ops go through one entry, run(kind, inputs, attrs), as TensorFlow.js
// kernels do; the rest is leaves, reads, slots, optimizer steps and memory
// figures. The front end (src/tensor/) validates every argument before it
// calls (with messages that name the problem), so implementations do not
// check again; the Wasm core checks once more inside the module for hosts
// that call its exports directly.
//
// The model
// - A tensor node has an op, up to three input nodes, a dtype, a shape
//   (row-major, contiguous, rank 0..8), its data, and (once backward has
//   reached it) a gradient of the same shape and dtype. Node ids count up from
//   0 within a generation; reset() frees every node at once.
// - Slots are persistent tensors (parameters, kept tensors, optimizer state):
//   they survive reset(). A graph reads a slot through a Param node
//   (`slotNode`), which aliases the slot's data and gradient: backward adds
//   into the slot's gradient directly, and the slot's gradient accumulates
//   across backward() calls until zeroed.
// - requiresGrad: a Leaf has it when created so; a Param node has the slot's
//   flag; any other node has it when one of its differentiable inputs has it.
//   Compare nodes, Detach nodes and int32 tensors never have it. Backward
//   visits only nodes that have it and that the root reaches.
// - Leaf gradients accumulate across backward() calls (until zeroGrad());
//   every other node's gradient holds d(root)/d(node) of the last backward().
// - Arithmetic: f32 tensors compute each element in f64 and round once when
//   storing, except inside matmul/conv (f32 accumulation, SIMD) and sums
//   (f64 accumulation). Gradients have the dtype of their tensor.

import type { BackendName } from '../tape.js';
import { NodeKind, type DType, type NodeKindName, type OpAttrs, type OpInputs, type OpKindName } from '../generated/ops.js';

// Ids, dtypes and kinds are declared in registry/ops.mjs; these are the
// generated names, one per id, the same the core uses.
export {
  TensorBinary, TensorUnary, CompareKind, ReduceKind, DTYPE_CODE, DTYPE_NAMES,
  type BinaryOpId, type CompareKindId, type DType, type ReduceKindId, type UnaryOpId,
  type OpAttrs, type OpInputs, type OpKindName,
} from '../generated/ops.js';

export type TypedData = Float32Array | Float64Array | Int32Array;

/** Node kind names by id. */
export const NODE_KIND_NAMES: readonly NodeKindName[] = (() => {
  const names: NodeKindName[] = [];
  for (const [name, id] of Object.entries(NodeKind)) names[id] = name as NodeKindName;
  return names;
})();

/**
 * What nodeInfo reads back: a node recorded by run() as its kind, inputs and
 * attributes (run(info.kind, info.inputs, info.attrs) would record it again),
 * or a leaf (Leaf, Const, Param) with neither.
 */
export type NodeInfo =
  | { readonly [K in OpKindName]: { readonly kind: K; readonly inputs: OpInputs[K]; readonly attrs: OpAttrs[K] } }[OpKindName]
  | { readonly kind: 'Leaf' | 'Const' | 'Param'; readonly inputs: readonly []; readonly attrs: Record<string, never> };

/** The attributes of a Conv2d node. */
export type Conv2dArgs = OpAttrs['Conv2d'];
/** The attributes of a MaxPool2d or AvgPool2d node. */
export type Pool2dArgs = OpAttrs['MaxPool2d'];

export interface TensorBackend {
  readonly backend: BackendName;

  // ── leaves ──

  /** A Leaf (requiresGrad) or constant holding a copy of `data` (already of `dtype`, length = product of shape). */
  fromData(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number;
  /** A constant filled with `value`. */
  full(shape: readonly number[], dtype: DType, value: number): number;

  // ── ops: one entry for every node kind with inputs ──

  /**
   * Records a node of `kind` on `inputs` with `attrs` (the registry's
   * NODE_KINDS: src/generated/ops.ts types both, so a wrong attribute record
   * does not compile) and returns its id. The backend works out the output
   * shape; the front end has computed it too, for its checks and its handle.
   * What each kind computes and its gradient: docs/abi.md ("Tensors") and
   * docs/tensors.md. In short: Unary/Binary apply an elementwise op
   * (broadcast); Where is mask ≠ 0 ? x : y (no gradient to the mask);
   * Compare gives 1/0 in x's dtype, no gradient; Reduce takes sorted,
   * distinct axes; Matmul is op(a) @ op(b) over broadcast batch dims, op
   * transposing the last two dims where its flag is set (read in place);
   * Slice takes every dim's bounds (step 1); IndexSelect's indices are a 1-d
   * int32 tensor in range; CrossEntropy is the mean over rows of
   * logsumexp − the target logit; Conv2d has no bias; MaxPool2d sends the
   * gradient to each window's first maximum, AvgPool2d counts padding in the
   * divisor; Detach passes no gradient; Cast none to or from int32.
   */
  run<K extends OpKindName>(kind: K, inputs: OpInputs[K], attrs: OpAttrs[K]): number;

  // ── reading a node ──

  shape(id: number): number[];
  dtype(id: number): DType;
  requiresGrad(id: number): boolean;
  /** A copy of the node's data. */
  data(id: number): TypedData;
  /** Element 0 as a number (for size-1 tensors). */
  item(id: number): number;
  /** A copy of the node's gradient, or null if backward never reached it. */
  grad(id: number): TypedData | null;
  /** The node's kind, inputs and attributes: what a sweep over the tape needs to apply each node's rule. */
  nodeInfo(id: number): NodeInfo;

  // ── gradients ──

  /** Reverse sweep from a size-1 node: seeds its gradient with 1 (adding to a Leaf's). */
  backward(root: number): void;
  /** Zeroes every gradient: nodes' and slots'. */
  zeroGrad(): void;
  /** Frees every node (O(1)); slots stay. */
  reset(): void;
  readonly nodeCount: number;

  // ── slots: persistent tensors ──

  createSlot(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number;
  /** A new slot holding a copy of node `id`'s data (and the node's shape and dtype). */
  keep(id: number, requiresGrad: boolean): number;
  /** Pushes a Param node reading slot `slot` (data and gradient aliased, see the model above). */
  slotNode(slot: number): number;
  slotData(slot: number): TypedData;
  /** Overwrites the slot's data (same length and dtype). */
  setSlotData(slot: number, data: TypedData): void;
  /** A copy of the slot's gradient (zeros before any backward reached it). */
  slotGrad(slot: number): TypedData;
  /** Overwrites the gradient of a slot made with requiresGrad (same length and dtype). */
  setSlotGrad(slot: number, data: TypedData): void;
  zeroSlotGrad(slot: number): void;
  /** Frees the slot's memory; the slot id is never reused. */
  freeSlot(slot: number): void;
  readonly slotCount: number;

  // ── optimizers: one call updates every listed slot, inside the backend ──

  /**
   * PyTorch's SGD for each params[k]: g = grad + weightDecay·p;
   * with momentum: v = momentum·v + g (v starts at g: on the first step pass
   * firstStep = true), g = v; then p -= lr·g. `velocity[k]` is a slot of the
   * same shape, or unused when momentum is 0.
   */
  sgdStep(params: readonly number[], velocity: readonly number[], lr: number, momentum: number, weightDecay: number, firstStep: boolean): void;
  /**
   * PyTorch's Adam (decoupled = false: g = grad + weightDecay·p) or AdamW
   * (decoupled = true: p -= lr·weightDecay·p before the update):
   * m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; m̂ = m/(1-β1^t); v̂ = v/(1-β2^t);
   * p -= lr·m̂/(√v̂ + eps). `step` is t (1 on the first call).
   */
  adamStep(
    params: readonly number[], m: readonly number[], v: readonly number[],
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void;
  /**
   * PyTorch's SGD with momentum > 0 and dampening or Nesterov: g = grad + weightDecay·p;
   * v = momentum·v + (1 − dampening)·g (v = g on the first step); p -= lr·(nesterov ? g + momentum·v : v).
   */
  sgdMomentumStep(
    params: readonly number[], velocity: readonly number[], lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
  ): void;
  /**
   * PyTorch's RMSprop: g = grad + weightDecay·p; v = α·v + (1 − α)·g²; centered: ḡ = α·ḡ + (1 − α)·g, v̂ = v − ḡ²;
   * d = √v̂ + eps; momentum > 0: b = momentum·b + g/d, p -= lr·b; else p -= lr·g/d. `momentumBuffers`
   * and `gradAverages` are used only with momentum > 0 and centered.
   */
  rmspropStep(
    params: readonly number[], squareAverages: readonly number[], momentumBuffers: readonly number[], gradAverages: readonly number[],
    lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean,
  ): void;
  /** PyTorch's Adagrad with this step's decayed lr: g = grad + weightDecay·p; s += g²; p -= lr·g/(√s + eps). */
  adagradStep(params: readonly number[], sums: readonly number[], lr: number, weightDecay: number, eps: number): void;

  /** Bytes held for tensors (Wasm: counted inside linear memory). */
  readonly tensorBytes: number;

  // ── memory figures of the tape (Engine.stats(), the forgotten-reset check, maxTapeBytes) ──

  /**
   * Bytes of node data and gradients handed out since the last reset(): what
   * the current generation of the tape holds (Wasm: tensorArenaUsed(); the
   * twin: the arrays its nodes took from its pool since the reset).
   */
  readonly arenaUsed: number;
  /** The largest arenaUsed any generation so far reached. */
  readonly arenaPeak: number;
  /**
   * Bytes held outside the arena that Tape.heapBytes does not already count
   * (the twin: slots' data and gradients). The Wasm core counts them in its
   * own heapBytes(), so its backend says 0.
   */
  readonly heapBytes: number;
}
