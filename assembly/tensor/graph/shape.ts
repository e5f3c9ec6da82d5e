// What every op family shares: the host's staging area, the scratch shapes
// an op works its output shape out in, and the checks and shape rules they
// all apply (validShape, broadcastShapes, gradFlag).

import { DType, Flag, MAX_RANK, dimOf, rankOf, dtypeOf, sizeOf, requiresGrad, nodeCount, shapeSize } from "../tape";
import { planBegin, planContiguous } from "../plan";

/** Host staging area: shapes, axes, attributes and slot lists are written here before a call. */
export const STAGE_INTS: i32 = 1024;
export const stage = memory.data(4 * STAGE_INTS);
@inline export function staged(k: i32): i32 { return load<i32>(stage + (<usize>k << 2)); }

// Scratch shapes, never inside the node table (which may move when a node is pushed).
export const outShape = memory.data(4 * MAX_RANK);
export const shapeA = memory.data(4 * MAX_RANK);
export const shapeB = memory.data(4 * MAX_RANK);
export const shapeC = memory.data(4 * MAX_RANK);
@inline export function sget(s: usize, d: i32): i32 { return load<i32>(s + (<usize>d << 2)); }
@inline export function sset(s: usize, d: i32, v: i32): void { store<i32>(s + (<usize>d << 2), v); }

@inline export function isTensor(id: i32): bool { return <u32>id < <u32>nodeCount; }
@inline export function isFloat(id: i32): bool { return dtypeOf(id) != DType.I32; }

/** Copies node id's shape into scratch s; returns its rank. */
export function shapeInto(id: i32, s: usize): i32 {
  let r = rankOf(id);
  for (let d = 0; d < r; d++) sset(s, d, dimOf(id, d));
  return r;
}

/** Checks a staged shape of `rank` dims at `s` as pushNode will: every dim ≥ 0, total size small enough to address. */
@inline export function validShape(rank: i32, s: usize): bool { return shapeSize(rank, s) >= 0; }

/** The flags of a new op node: RequiresGrad if any differentiable input has it. */
@inline export function gradFlag(a: i32, b: i32, c: i32): i32 {
  return (a >= 0 && requiresGrad(a)) || (b >= 0 && requiresGrad(b)) || (c >= 0 && requiresGrad(c)) ? Flag.RequiresGrad : 0;
}

/** Broadcasts shapes (ra at sa) and (rb at sb) into outShape; returns the rank or -1. */
export function broadcastShapes(ra: i32, sa: usize, rb: i32, sb: usize): i32 {
  let r = max(ra, rb);
  for (let d = 0; d < r; d++) {
    let i = d - (r - ra), j = d - (r - rb);
    let x = i >= 0 ? sget(sa, i) : 1;
    let y = j >= 0 ? sget(sb, j) : 1;
    if (x != y && x != 1 && y != 1) return -1;
    sset(outShape, d, x == 1 ? y : x);
  }
  return r;
}

/** A flat plan over node id's elements, two contiguous operands. */
export function planSame(id: i32): void {
  sset(shapeC, 0, sizeOf(id));
  planBegin(1, shapeC);
  planContiguous(0);
  planContiguous(1);
}
