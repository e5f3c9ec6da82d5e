// What a backend provides for tensors: the tensor tape of assembly/tensor/
// behind plain numbers and typed arrays. Both backends implement it: the Wasm
// core (src/wasm/tensor.ts) and the JS twin (src/js/tensor.ts).
//
// The front end (src/tensor/) validates every argument and computes every
// output shape before it calls (with messages that name the problem), so
// implementations do not check again; the Wasm core checks once more inside
// the module for hosts that call its exports directly.
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
import type { BinaryOpId, CompareKindId, DType, ReduceKindId, UnaryOpId } from '../generated/ops.js';

// Ids, dtypes and kinds are declared in registry/ops.mjs; these are the
// generated names, one per id, the same the core uses.
export {
  TensorBinary, TensorUnary, CompareKind, ReduceKind, DTYPE_CODE, DTYPE_NAMES,
  type BinaryOpId, type CompareKindId, type DType, type ReduceKindId, type UnaryOpId,
} from '../generated/ops.js';

export type TypedData = Float32Array | Float64Array | Int32Array;

export interface Conv2dArgs {
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

export interface Pool2dArgs {
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

export interface TensorBackend {
  readonly backend: BackendName;

  // ── leaves ──

  /** A Leaf (requiresGrad) or constant holding a copy of `data` (already of `dtype`, length = product of shape). */
  fromData(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number;
  /** A constant filled with `value`. */
  full(shape: readonly number[], dtype: DType, value: number): number;

  // ── ops: every `outShape` was computed by src/tensor/shape.ts ──

  /** out[i] = f(a[i]). */
  unary(op: UnaryOpId, a: number): number;
  /** out = f(a, b) with NumPy broadcasting; a and b have the same dtype. */
  binary(op: BinaryOpId, a: number, b: number, outShape: readonly number[]): number;
  /** out = mask ≠ 0 ? a : b, broadcast over all three; mask gets no gradient. */
  where(mask: number, a: number, b: number, outShape: readonly number[]): number;
  /** out = (a kind b) ? 1 : 0 in a's dtype, broadcast, no gradient. */
  compare(kind: CompareKindId, a: number, b: number, outShape: readonly number[]): number;
  /** Reduces over `axes` (sorted, distinct, non-negative); outShape keeps or drops them as asked. */
  reduce(kind: ReduceKindId, a: number, axes: readonly number[], outShape: readonly number[]): number;
  /**
   * op(a) [...batchA, M, K] @ op(b) [...batchB, K, N] → [...broadcast(batchA, batchB), M, N]; both rank ≥ 2.
   * op transposes the last two dims of an operand whose flag is set (read in place, no copy).
   */
  matmul(a: number, b: number, outShape: readonly number[], transA?: boolean, transB?: boolean): number;
  /** Same data, new shape (same size). */
  reshape(a: number, shape: readonly number[]): number;
  /** out.shape[i] = a.shape[perm[i]]. */
  permute(a: number, perm: readonly number[]): number;
  /** Broadcasts a to `shape` (a's rank ≤ shape's rank; size-1 dims stretch). */
  expand(a: number, shape: readonly number[]): number;
  /** out = a[starts[0]:ends[0], …] (step 1, every dim given, 0 ≤ start ≤ end ≤ dim). */
  slice(a: number, starts: readonly number[], ends: readonly number[]): number;
  /** Joins a and b along `axis` (other dims equal). */
  concat(a: number, b: number, axis: number): number;
  /** Pads each dim with `before[d]` and `after[d]` elements equal to `value`. */
  pad(a: number, before: readonly number[], after: readonly number[], value: number): number;
  /** out = a with dim `axis` replaced by the 1-d int32 tensor `indices` (torch.index_select); indices are in range. */
  indexSelect(a: number, axis: number, indices: number): number;
  /**
   * Mean over rows of logsumexp(x[i,:]) − x[i, targets[i]]: logits [B, C] (float, B, C ≥ 1), targets a 1-d int32
   * tensor of B classes in range; shape []. Gradient (softmax − onehot)/B to the logits only.
   */
  crossEntropy(logits: number, targets: number): number;
  /** x [N, C, H, W], w [O, C, KH, KW] → [N, O, HO, WO]; no bias (add it with binary). */
  conv2d(x: number, w: number, args: Conv2dArgs, outShape: readonly number[]): number;
  /** [N, C, H, W] → [N, C, HO, WO]; padding never wins the max; gradient goes to the first maximum of each window. */
  maxPool2d(x: number, args: Pool2dArgs, outShape: readonly number[]): number;
  /** As maxPool2d, averaging; padding counts as zeros in the divisor (PyTorch's count_include_pad=True). */
  avgPool2d(x: number, args: Pool2dArgs, outShape: readonly number[]): number;
  /** Same data, no gradient flows through. */
  detach(a: number): number;
  /** Converts to another dtype (no gradient when either side is int32). */
  cast(a: number, dtype: DType): number;

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
