// Leaves: nodes with no inputs. A Leaf (requiresGrad) or Const whose data the
// host writes, a Const filled with one value, and a Param that reads a slot.

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import { DType, F, Flag, dataOf, sizeOf, seti, pushNode, pushSlotNode, slotLive } from "../tape";
import { fillRun } from "../kernels";
import { stage, validShape } from "./shape";
import { DTYPE_COUNT } from "../../generated/ops";

/** A Leaf (requiresGrad) or Const with the staged shape; data uninitialized (the host writes it). */
export function fromData(dtype: i32, rank: i32, needsGrad: bool): i32 {
  if (<u32>dtype >= <u32>DTYPE_COUNT || (needsGrad && dtype == DType.I32)) return fail(ErrorCode.BadDType);
  if (!validShape(rank, stage)) return fail(ErrorCode.BadShape);
  let id = pushNode(needsGrad ? NodeKind.Leaf : NodeKind.Const, dtype, rank, stage, -1, -1, -1, 0);
  if (id < 0) return id;
  if (needsGrad) seti(id, F.Flags, Flag.RequiresGrad | Flag.Accumulates);
  return id;
}

export function full(dtype: i32, rank: i32, value: f64): i32 {
  let id = fromData(dtype, rank, false);
  if (id < 0) return id;
  fillRun(dtype, dataOf(id), sizeOf(id), value);
  return id;
}

/** Pushes a Param node reading slot s. */
export function slotNode(s: i32): i32 {
  if (!slotLive(s)) return fail(ErrorCode.BadSlot);
  return pushSlotNode(NodeKind.Param, s);
}
