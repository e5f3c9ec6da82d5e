// The tensor half of the exported ABI (docs/abi.md, "Tensors").
//
// Arrays (shapes, axes, permutations, slice bounds, strides, slot lists) are
// written by the host into the staging area (`tensorStage()`, 1024 i32s)
// before the call that reads them. Bulk data moves through memory: the host
// writes a new tensor's elements at `tensorData(id)` after creating it, and
// reads results the same way. Pointers may change when memory grows (any
// call that creates a node or a slot): re-read them after such calls.
// Failures return -1 (0 for pointers) and set lastError().

import { ErrorCode, fail } from "../errors";
import * as shape from "./graph/shape";
import * as leaves from "./graph/leaves";
import * as elementwise from "./graph/elementwise";
import * as reduce from "./graph/reduce";
import * as matmul from "./graph/matmul";
import * as movement from "./graph/movement";
import * as conv from "./graph/conv";
import * as loss from "./graph/loss";
import * as optim from "./graph/optim";
import * as sweep from "./graph/backward";
import * as t from "./tape";
import { DType, F, elementShift } from "./tape";
import { DTYPE_COUNT } from "../generated/ops";

@inline function isTensor(id: i32): bool { return <u32>id < <u32>t.nodeCount; }

export function tensorStage(): usize { return shape.stage; }
export function tensorStageInts(): i32 { return shape.STAGE_INTS; }

// ── building ──

export function tensorFromData(dtype: i32, rank: i32, requiresGrad: i32): i32 { return leaves.fromData(dtype, rank, requiresGrad != 0); }
export function tensorFull(dtype: i32, rank: i32, value: f64): i32 { return leaves.full(dtype, rank, value); }
export function tensorUnary(op: i32, a: i32): i32 { return elementwise.unary(op, a); }
export function tensorBinary(op: i32, a: i32, b: i32): i32 { return elementwise.binary(op, a, b); }
export function tensorWhere(mask: i32, a: i32, b: i32): i32 { return elementwise.where(mask, a, b); }
export function tensorCompare(kind: i32, a: i32, b: i32): i32 { return elementwise.compareOp(kind, a, b); }
/** Staged: the `count` axes, ascending. */
export function tensorReduce(kind: i32, a: i32, count: i32, keepdims: i32): i32 { return reduce.reduce(kind, a, count, keepdims != 0); }
/** op(a) @ op(b); a nonzero flag transposes that operand's last two dims. */
export function tensorMatmul(a: i32, b: i32, transA: i32, transB: i32): i32 { return matmul.matmul(a, b, transA != 0, transB != 0); }
/** Staged: the new shape (rank ints). */
export function tensorReshape(a: i32, rank: i32): i32 { return movement.reshape(a, rank); }
/** Staged: the permutation (a's rank ints). */
export function tensorPermute(a: i32): i32 { return movement.permute(a); }
/** Staged: the target shape (rank ints). */
export function tensorExpand(a: i32, rank: i32): i32 { return movement.expand(a, rank); }
/** Staged: starts then ends (a's rank ints each). */
export function tensorSlice(a: i32): i32 { return movement.slice(a); }
/** Staged: pads before then after (a's rank ints each). */
export function tensorPad(a: i32, value: f64): i32 { return movement.pad(a, value); }
export function tensorConcat(a: i32, b: i32, axis: i32): i32 { return movement.concat(a, b, axis); }
export function tensorIndexSelect(a: i32, axis: i32, indices: i32): i32 { return movement.indexSelect(a, axis, indices); }
export function tensorCrossEntropy(logits: i32, targets: i32): i32 { return loss.crossEntropy(logits, targets); }
/** Staged: strideH, strideW, padH, padW. */
export function tensorConv2d(x: i32, w: i32): i32 { return conv.conv2d(x, w); }
/** Staged: kernelH, kernelW, strideH, strideW, padH, padW. */
export function tensorPool2d(isMax: i32, x: i32): i32 { return conv.pool2d(isMax != 0, x); }
export function tensorDetach(a: i32): i32 { return elementwise.detach(a); }
export function tensorCast(a: i32, dtype: i32): i32 { return elementwise.cast(a, dtype); }

// ── reading ──

export function tensorCount(): i32 { return t.nodeCount; }
export function tensorRank(id: i32): i32 { return isTensor(id) ? t.rankOf(id) : fail(ErrorCode.BadTensor); }
export function tensorDim(id: i32, d: i32): i32 {
  if (!isTensor(id)) return fail(ErrorCode.BadTensor);
  return <u32>d < <u32>t.rankOf(id) ? t.dimOf(id, d) : fail(ErrorCode.BadArgument);
}
export function tensorSize(id: i32): i32 { return isTensor(id) ? t.sizeOf(id) : fail(ErrorCode.BadTensor); }
export function tensorDType(id: i32): i32 { return isTensor(id) ? t.dtypeOf(id) : fail(ErrorCode.BadTensor); }
export function tensorOp(id: i32): i32 { return isTensor(id) ? t.geti(id, F.Op) : fail(ErrorCode.BadTensor); }
export function tensorRequiresGrad(id: i32): i32 { return isTensor(id) ? <i32>t.requiresGrad(id) : fail(ErrorCode.BadTensor); }
/** Address of the node's elements (0 for a bad id). */
export function tensorData(id: i32): usize { if (!isTensor(id)) { fail(ErrorCode.BadTensor); return 0; } return t.dataOf(id); }
/** Address of the node's gradient, or 0 if backward never reached it. */
export function tensorGrad(id: i32): usize { if (!isTensor(id)) { fail(ErrorCode.BadTensor); return 0; } return t.gradPtrOf(id); }

// ── gradients and lifetime ──

export function tensorBackward(root: i32): i32 { return sweep.backward(root); }
export function tensorClearGrads(): void { sweep.zeroGrad(); }
/** Frees every tensor node in O(1); slots stay. */
export function tensorReset(): void { t.resetNodes(); }
/** Bytes held for tensors: the arena's chunks and the slots' blocks. */
export function tensorBytes(): f64 { return <f64>(t.arenaBytes() + t.slotBytes); }
/** Arena bytes handed out since the last reset: the data and gradients of this generation's nodes. */
export function tensorArenaUsed(): f64 { return <f64>t.arenaUsedBytes(); }
/** The most arena bytes any generation has had handed out. */
export function tensorArenaPeak(): f64 { return <f64>t.arenaPeakBytes(); }

// ── slots ──

/** A zeroed slot of the staged shape. */
export function slotCreate(dtype: i32, rank: i32, requiresGrad: i32): i32 {
  if (<u32>dtype >= <u32>DTYPE_COUNT || (requiresGrad != 0 && dtype == DType.I32)) return fail(ErrorCode.BadDType);
  return t.createSlot(dtype, rank, shape.stage, requiresGrad != 0);
}

/** A new slot holding a copy of node id's data. */
export function slotKeep(id: i32, requiresGrad: i32): i32 {
  if (!isTensor(id)) return fail(ErrorCode.BadTensor);
  let rank = t.rankOf(id);
  for (let d = 0; d < rank; d++) store<i32>(shape.stage + (<usize>d << 2), t.dimOf(id, d));
  let s = slotCreate(t.dtypeOf(id), rank, requiresGrad);
  if (s < 0) return s;
  memory.copy(t.slotData(s), t.dataOf(id), <usize>t.sizeOf(id) << elementShift(t.dtypeOf(id)));
  return s;
}

export function slotNode(s: i32): i32 { return leaves.slotNode(s); }
/** Slot ids handed out so far (freed ones included); see slotLiveCount. */
export function slotCount(): i32 { return t.slotCount; }
/** Slots created and not freed. */
export function slotLiveCount(): i32 { return t.liveSlotCount(); }
export function slotData(s: i32): usize { if (!t.slotLive(s)) { fail(ErrorCode.BadSlot); return 0; } return t.slotData(s); }
export function slotGrad(s: i32): usize { if (!t.slotLive(s)) { fail(ErrorCode.BadSlot); return 0; } return t.slotGrad(s); }
export function slotSize(s: i32): i32 { return t.slotLive(s) ? t.slotSize(s) : fail(ErrorCode.BadSlot); }
export function slotDType(s: i32): i32 { return t.slotLive(s) ? t.slotDtype(s) : fail(ErrorCode.BadSlot); }
export function slotRank(s: i32): i32 { return t.slotLive(s) ? load<i32>(t.slotRec(s) + F.Rank) : fail(ErrorCode.BadSlot); }
export function slotDim(s: i32, d: i32): i32 {
  if (!t.slotLive(s)) return fail(ErrorCode.BadSlot);
  if (<u32>d >= <u32>load<i32>(t.slotRec(s) + F.Rank)) return fail(ErrorCode.BadArgument);
  return load<i32>(t.slotRec(s) + F.Shape + (<usize>d << 2));
}
export function slotClearGrad(s: i32): i32 {
  if (!t.slotLive(s)) return fail(ErrorCode.BadSlot);
  let p = t.slotGrad(s);
  if (p != 0) memory.fill(p, 0, <usize>t.slotSize(s) << elementShift(t.slotDtype(s)));
  return 0;
}
/** Frees a slot: slotNode refuses it from now on; its memory is released at the next tensorReset() (Param nodes on the tape still alias it until then). */
export function slotFree(s: i32): i32 {
  if (!t.slotLive(s)) return fail(ErrorCode.BadSlot);
  t.freeSlot(s);
  return 0;
}

// ── optimizers ──

/** Staged: `count` parameter slots, then (momentum ≠ 0) `count` velocity slots. */
export function sgdStep(count: i32, lr: f64, momentum: f64, weightDecay: f64, firstStep: i32): i32 {
  return optim.sgdStep(count, lr, momentum, weightDecay, firstStep != 0);
}

/** Staged: `count` parameter slots, then `count` first-moment slots, then `count` second-moment slots. */
export function adamStep(count: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, step: i32): i32 {
  return optim.adamStep(count, lr, beta1, beta2, eps, weightDecay, decoupled != 0, step);
}
