// The tensor half of the exported ABI (docs/abi.md, "Tensors").
//
// Arrays and attributes (shapes, axes, permutations, slice bounds, strides,
// slot lists) are written by the host into the staging area (`tensorStage()`,
// 1024 i32s) before the call that reads them; tensorRun's attributes sit at
// the words the registry's layout gives them (Attr, generated). Bulk data
// moves through memory: the host writes a new tensor's elements at
// `tensorData(id)` after creating it, and reads results the same way.
// Pointers may change when memory grows (any call that creates a node or a
// slot): re-read them after such calls.
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
import * as indexing from "./graph/indexing";
import * as scan from "./graph/scan";
import * as sweep from "./graph/backward";
import * as t from "./tape";
import { DType, F, elementShift } from "./tape";
import { Attr, DTYPE_COUNT, NodeKind, attrWord, nodeArity } from "../generated/ops";

@inline function isTensor(id: i32): bool { return <u32>id < <u32>t.nodeCount; }

export function tensorStage(): usize { return shape.stage; }
export function tensorStageInts(): i32 { return shape.STAGE_INTS; }

// ── building ──

export function tensorFromData(dtype: i32, rank: i32, requiresGrad: i32): i32 { return leaves.fromData(dtype, rank, requiresGrad != 0); }
export function tensorFull(dtype: i32, rank: i32, value: f64): i32 { return leaves.full(dtype, rank, value); }
/**
 * Records one node of `kind` (a NodeKind with inputs: Unary … Cumprod)
 * on the tensors a, b, c, as many as the kind has inputs (tensorKindArity),
 * and -1 for the rest. The kind's attributes are read from the stage, each
 * at its word of the generated layout (Attr; docs/abi.md, "tensorRun").
 * Returns the new node, or -1 with lastError() set: BadOp for a kind without
 * inputs or unknown, BadTensor for an id that is not a tensor or not -1 where
 * the kind has no input, BadArgument for a bool other than 0 or 1 or an i32[]
 * whose length does not fit, and whatever the kind's own checks find.
 */
export function tensorRun(kind: i32, a: i32, b: i32, c: i32): i32 {
  let n = nodeArity(kind);
  if (n <= 0) return fail(ErrorCode.BadOp);
  if ((n < 2 && b != -1) || (n < 3 && c != -1)) return fail(ErrorCode.BadTensor);
  switch (kind) {
    case NodeKind.Unary: return elementwise.unary(staged(Attr.UnaryOp), a);
    case NodeKind.Binary: return elementwise.binary(staged(Attr.BinaryOp), a, b);
    case NodeKind.Where: return elementwise.where(a, b, c);
    case NodeKind.Compare: return elementwise.compareOp(staged(Attr.CompareKind), a, b);
    case NodeKind.Reduce: {
      let keepdims = staged(Attr.ReduceKeepdims);
      if (<u32>keepdims > 1) return fail(ErrorCode.BadArgument);
      return reduce.reduce(staged(Attr.ReduceKind), a, staged(Attr.ReduceAxes), entries(Attr.ReduceAxes), keepdims != 0);
    }
    case NodeKind.Matmul: {
      let ta = staged(Attr.MatmulTransA), tb = staged(Attr.MatmulTransB);
      if (<u32>ta > 1 || <u32>tb > 1) return fail(ErrorCode.BadArgument);
      return matmul.matmul(a, b, ta != 0, tb != 0);
    }
    case NodeKind.Reshape: return movement.reshape(a, staged(Attr.ReshapeShape), entries(Attr.ReshapeShape));
    case NodeKind.Permute: return movement.permute(a, staged(Attr.PermutePerm), entries(Attr.PermutePerm));
    case NodeKind.Expand: return movement.expand(a, staged(Attr.ExpandShape), entries(Attr.ExpandShape));
    case NodeKind.Slice:
      return movement.slice(a, staged(Attr.SliceStarts), entries(Attr.SliceStarts), staged(Attr.SliceEnds), entries(Attr.SliceEnds));
    case NodeKind.Concat: return movement.concat(a, b, staged(Attr.ConcatAxis));
    case NodeKind.Pad:
      return movement.pad(a, staged(Attr.PadBefore), entries(Attr.PadBefore), staged(Attr.PadAfter), entries(Attr.PadAfter),
        load<f64>(word(Attr.PadValue)));
    case NodeKind.IndexSelect: return movement.indexSelect(a, staged(Attr.IndexSelectAxis), b);
    // the window attributes are consecutive words, in the registry's order
    case NodeKind.Conv2d: return conv.conv2d(a, b, word(Attr.Conv2dStrideH));
    case NodeKind.MaxPool2d: return conv.pool2d(true, a, word(Attr.MaxPool2dKernelH));
    case NodeKind.AvgPool2d: return conv.pool2d(false, a, word(Attr.AvgPool2dKernelH));
    case NodeKind.Detach: return elementwise.detach(a);
    case NodeKind.Cast: return elementwise.cast(a, staged(Attr.CastDtype));
    case NodeKind.CrossEntropy: return loss.crossEntropy(a, b);
    case NodeKind.Argmax: return indexing.argExtreme(kind, a, staged(Attr.ArgmaxAxis), staged(Attr.ArgmaxKeepdims));
    case NodeKind.Argmin: return indexing.argExtreme(kind, a, staged(Attr.ArgminAxis), staged(Attr.ArgminKeepdims));
    case NodeKind.Argsort: return indexing.argsort(a, staged(Attr.ArgsortAxis), staged(Attr.ArgsortDescending));
    case NodeKind.Gather: return indexing.gather(a, staged(Attr.GatherAxis), b);
    case NodeKind.ScatterAdd: return indexing.scatterAdd(a, staged(Attr.ScatterAddAxis), b, c);
    case NodeKind.Cumsum: return scan.scan(kind, a, staged(Attr.CumsumAxis));
    case NodeKind.Cumprod: return scan.scan(kind, a, staged(Attr.CumprodAxis));
  }
  return fail(ErrorCode.BadOp); // a kind appended to the registry without a case here
}

/** The word of the stage where tensorRun reads attribute `k` of `kind` (the registry's order), or -1 where there is none. */
export function tensorAttrWord(kind: i32, k: i32): i32 { return nodeArity(kind) > 0 ? attrWord(kind, k) : -1; }

@inline function word(w: i32): usize { return shape.stage + (<usize>w << 2); }
/** The entries of the i32[] attribute whose length is at word w. */
@inline function entries(w: i32): usize { return shape.stage + (<usize>(w + 1) << 2); }
@inline function staged(w: i32): i32 { return load<i32>(word(w)); }

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

/** Input k (0..2) of node id: a node id, or -1 where the kind has fewer inputs (Param: its slot is not an input). */
export function tensorInput(id: i32, k: i32): i32 {
  if (!isTensor(id)) return fail(ErrorCode.BadTensor);
  if (<u32>k > 2) return fail(ErrorCode.BadArgument);
  let n = nodeArity(t.geti(id, F.Op));
  return k < n ? t.geti(id, F.A + (k << 2)) : -1;
}

/**
 * Writes node id's attributes to the stage in the layout tensorRun reads
 * them from (Attr), so that tensorRun(tensorOp(id), inputs…) would record
 * the same node again; returns its kind (as tensorOp), or -1 with BadTensor.
 * Nodes keep what their backward needs rather than their attributes as
 * given, so some are worked out again here: a reduce's axes from its bit
 * mask, keepdims from the ranks, a slice's ends and a pad's widths after
 * from the shapes, reshape and expand shapes and a cast's dtype from the
 * output. Leaves stage nothing.
 */
export function tensorNodeInfo(id: i32): i32 {
  if (!isTensor(id)) return fail(ErrorCode.BadTensor);
  let kind = t.geti(id, F.Op);
  let a = t.geti(id, F.A);
  switch (kind) {
    case NodeKind.Unary: case NodeKind.Binary: case NodeKind.Compare: case NodeKind.Concat: case NodeKind.IndexSelect:
      put(0, t.iattr(id, 0)); break;
    case NodeKind.Reduce: {
      put(Attr.ReduceKind, t.iattr(id, 0));
      let mask = t.iattr(id, 1), r = t.rankOf(a), n = 0;
      for (let d = 0; d < r; d++) if (mask & (1 << d)) put(Attr.ReduceAxes + 1 + n++, d);
      put(Attr.ReduceAxes, n);
      put(Attr.ReduceKeepdims, <i32>(t.rankOf(id) == r && n > 0));
      break;
    }
    case NodeKind.Matmul: put(Attr.MatmulTransA, t.iattr(id, 0)); put(Attr.MatmulTransB, t.iattr(id, 1)); break;
    case NodeKind.Reshape: case NodeKind.Expand: putList(0, id); break;
    case NodeKind.Permute: {
      let r = t.rankOf(id);
      put(Attr.PermutePerm, r);
      for (let d = 0; d < r; d++) put(Attr.PermutePerm + 1 + d, t.iattr(id, d));
      break;
    }
    case NodeKind.Slice: case NodeKind.Pad: {
      // starts / before at word 0, ends / after at word 9 (SliceEnds = PadAfter)
      let r = t.rankOf(id);
      put(0, r); put(Attr.SliceEnds, r);
      for (let d = 0; d < r; d++) {
        let lo = t.iattr(id, d);
        put(1 + d, lo);
        put(Attr.SliceEnds + 1 + d, kind == NodeKind.Slice ? lo + t.dimOf(id, d) : t.dimOf(id, d) - t.dimOf(a, d) - lo);
      }
      if (kind == NodeKind.Pad) store<f64>(word(Attr.PadValue), t.fattr(id, 0));
      break;
    }
    case NodeKind.Conv2d: for (let k = 0; k < 4; k++) put(k, t.iattr(id, k)); break;
    case NodeKind.MaxPool2d: case NodeKind.AvgPool2d: for (let k = 0; k < 6; k++) put(k, t.iattr(id, k)); break;
    case NodeKind.Cast: put(Attr.CastDtype, t.dtypeOf(id)); break;
    case NodeKind.Argmax: case NodeKind.Argmin: put(0, t.iattr(id, 0)); put(1, <i32>(t.rankOf(id) == t.rankOf(a))); break;
    case NodeKind.Argsort: put(0, t.iattr(id, 0)); put(1, t.iattr(id, 1)); break;
    case NodeKind.Gather: case NodeKind.ScatterAdd: case NodeKind.Cumsum: case NodeKind.Cumprod: put(0, t.iattr(id, 0)); break;
  }
  return kind;
}

@inline function put(w: i32, v: i32): void { store<i32>(word(w), v); }
/** The dims of node id as an i32[] attribute at word w. */
function putList(w: i32, id: i32): void {
  let r = t.rankOf(id);
  put(w, r);
  for (let d = 0; d < r; d++) put(w + 1 + d, t.dimOf(id, d));
}

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

/** SGD with dampening or Nesterov momentum (momentum > 0). Staged: `count` parameter slots, then `count` velocity slots. */
export function sgdMomentumStep(count: i32, lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: i32, firstStep: i32): i32 {
  return optim.sgdMomentumStep(count, lr, momentum, dampening, weightDecay, nesterov != 0, firstStep != 0);
}

/** Staged: parameter, square-average, then (momentum > 0) momentum-buffer, then (centered) gradient-average slots. */
export function rmspropStep(count: i32, lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32): i32 {
  return optim.rmspropStep(count, lr, alpha, eps, weightDecay, momentum, centered != 0);
}

/** Staged: parameter slots, then their sums of squared gradients; `lr` already decayed for this step. */
export function adagradStep(count: i32, lr: f64, weightDecay: f64, eps: f64): i32 {
  return optim.adagradStep(count, lr, weightDecay, eps);
}

/** Staged: `count` parameter slots, then `count` first-moment slots, then `count` second-moment slots. */
export function adamStep(count: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: i32, step: i32): i32 {
  return optim.adamStep(count, lr, beta1, beta2, eps, weightDecay, decoupled != 0, step);
}
