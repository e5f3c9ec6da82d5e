// The reverse sweep: backward() from a root, the dispatch of each node kind to
// its family's backward rule, and zeroGrad().

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import {
  F, Flag, elementShift, geti, seti, sizeOf, dtypeOf, gradPtrOf, requiresGrad, gradBuffer, gradBytes, nodeCount,
  mark, rollback, arenaReserve, arenaAlloc, slotCount, slotLive, slotGrad, slotSize, slotDtype,
} from "../tape";
import { storeFromF64, loadAsF64 } from "../kernels";
import { isTensor } from "./shape";
import { unaryBack, binaryBack, whereBack, castBack } from "./elementwise";
import { reduceBack, reduceScratch } from "./reduce";
import { matmulBack } from "./matmul";
import { reshapeBack, permuteBack, expandBack, sliceCopy, padCopy, concatCopy, indexRows } from "./movement";
import { convRun, convScratch, poolBack } from "./conv";
import { crossEntropyBack } from "./loss";
import { gatherBack, gatherScratch, scatterAddBack } from "./indexing";
import { scanBack, scanScratch } from "./scan";

function backwardNode(id: i32): void {
  switch (geti(id, F.Op)) {
    case NodeKind.Unary: unaryBack(id); break;
    case NodeKind.Binary: binaryBack(id); break;
    case NodeKind.Where: whereBack(id); break;
    case NodeKind.Reduce: reduceBack(id); break;
    case NodeKind.Matmul: matmulBack(id); break;
    case NodeKind.Reshape: reshapeBack(id); break;
    case NodeKind.Permute: permuteBack(id); break;
    case NodeKind.Expand: expandBack(id); break;
    case NodeKind.Slice: sliceCopy(id, geti(id, F.A), true); break;
    case NodeKind.Pad: padCopy(id, geti(id, F.A), true); break;
    case NodeKind.Concat: concatCopy(id, true); break;
    case NodeKind.IndexSelect: indexRows(id, true); break;
    case NodeKind.Conv2d: convRun(id, true); break;
    case NodeKind.MaxPool2d: case NodeKind.AvgPool2d: poolBack(id); break;
    case NodeKind.Cast: castBack(id); break;
    case NodeKind.CrossEntropy: crossEntropyBack(id); break;
    case NodeKind.Gather: gatherBack(id); break;
    case NodeKind.ScatterAdd: scatterAddBack(id); break;
    case NodeKind.Cumsum: scanBack(id, 0); break;
    case NodeKind.Cumprod: scanBack(id, arenaAlloc(scanScratch(id))); break;
    // Leaf, Const, Param, Compare, Detach, Argmax, Argmin, Argsort: nothing flows further
  }
}

@inline function markIfGrad(id: i32): void {
  if (id >= 0 && requiresGrad(id)) seti(id, F.Flags, geti(id, F.Flags) | Flag.Reached);
}

/** Arena bytes the backward rule of node id allocates for itself (freed when the rule returns). */
function backwardScratch(id: i32): usize {
  let op = geti(id, F.Op);
  if (op == NodeKind.Reduce) return reduceScratch(id);
  if (op == NodeKind.Conv2d) return convScratch(id);
  if (op == NodeKind.Gather) return gatherScratch(id);
  if (op == NodeKind.Cumprod) return scanScratch(id);
  return 0;
}

/**
 * Reverse sweep from a size-1 node that requires grad. All or nothing: it
 * first works out the arena bytes of every gradient buffer it must create and
 * the largest scratch any one rule needs, and reserves them; if that fails it
 * returns -1 (OutOfMemory) having changed no gradient.
 */
export function backward(root: i32): i32 {
  if (!isTensor(root)) return fail(ErrorCode.BadTensor);
  if (sizeOf(root) != 1 || !requiresGrad(root)) return fail(ErrorCode.BadArgument);
  for (let id = 0; id <= root; id++) seti(id, F.Flags, geti(id, F.Flags) & ~Flag.Reached);
  markIfGrad(root);
  let fresh: usize = 0, scratch: usize = 0;
  for (let id = root; id >= 0; id--) {
    let flags = geti(id, F.Flags);
    if (!(flags & Flag.Reached)) continue;
    if (gradPtrOf(id) == 0) fresh += (gradBytes(id) + 15) & ~15; // Params alias their slot's, so never here
    let op = geti(id, F.Op);
    if (op == NodeKind.Leaf || op == NodeKind.Param) continue;
    if (op == NodeKind.Where) { markIfGrad(geti(id, F.B)); markIfGrad(geti(id, F.C)); }
    else if (op == NodeKind.IndexSelect || op == NodeKind.CrossEntropy || op == NodeKind.Gather) markIfGrad(geti(id, F.A));
    else if (op == NodeKind.ScatterAdd) { markIfGrad(geti(id, F.A)); markIfGrad(geti(id, F.C)); }
    else { markIfGrad(geti(id, F.A)); markIfGrad(geti(id, F.B)); markIfGrad(geti(id, F.C)); }
    scratch = max(scratch, backwardScratch(id));
  }
  if (!arenaReserve(fresh + scratch)) return fail(ErrorCode.OutOfMemory);
  // Every non-Leaf, non-Param gradient up to the root is this sweep's alone:
  // a node the sweep does not reach reads 0, as on the twin and the scalar tape.
  for (let id = 0; id <= root; id++) {
    let g = gradPtrOf(id);
    if (g != 0 && !(geti(id, F.Flags) & Flag.Accumulates)) memory.fill(g, 0, gradBytes(id));
  }
  for (let id = root; id >= 0; id--) {
    if (geti(id, F.Flags) & Flag.Reached) gradBuffer(id);
  }
  let g = gradPtrOf(root);
  storeFromF64(dtypeOf(root), g, loadAsF64(dtypeOf(root), g) + 1); // f32: the f32 sum, as f64 holds it exactly
  for (let id = root; id >= 0; id--) {
    if (!(geti(id, F.Flags) & Flag.Reached)) continue;
    mark();
    backwardNode(id);
    rollback(); // the rule's scratch; gradient buffers were all made above
  }
  return 0;
}

/** Zeroes every node's and slot's gradient. */
export function zeroGrad(): void {
  for (let id = 0; id < nodeCount; id++) {
    let g = gradPtrOf(id);
    if (g != 0) memory.fill(g, 0, <usize>sizeOf(id) << elementShift(dtypeOf(id)));
  }
  for (let s = 0; s < slotCount; s++) {
    if (!slotLive(s)) continue;
    let g = slotGrad(s);
    if (g != 0) memory.fill(g, 0, <usize>slotSize(s) << elementShift(slotDtype(s)));
  }
}
