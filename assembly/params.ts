// Parameter slots: values and gradients that outlive every tape.
//
// A graph reads slot s through a Param node (inputA = s) whose value is the
// slot's value when the node is evaluated, and whose backward adds into the
// slot's gradient. The eager tape's reset() frees nodes, never slots, so
// trained values persist; a compiled program re-reads the slots on every run.
// The arrays grow by doubling; readers go through the globals, never a cached
// pointer.

import * as mem from "./memory";
import { ErrorCode, fail } from "./errors";

const INITIAL_PARAMS: i32 = 64;

export let paramCount: i32 = 0;
export let paramCapacity: i32 = 0;
export let paramValueArr: usize = 0; // f64[paramCapacity]
export let paramGradArr: usize = 0;  // f64[paramCapacity]

@inline export function paramValueOf(slot: i32): f64 { return load<f64>(paramValueArr + (<usize>slot << 3)); }
@inline export function paramGradOf(slot: i32): f64 { return load<f64>(paramGradArr + (<usize>slot << 3)); }
@inline export function setParamValue(slot: i32, value: f64): void { store<f64>(paramValueArr + (<usize>slot << 3), value); }
@inline export function setParamGrad(slot: i32, grad: f64): void { store<f64>(paramGradArr + (<usize>slot << 3), grad); }
@inline export function addParamGrad(slot: i32, g: f64): void {
  let p = paramGradArr + (<usize>slot << 3);
  store<f64>(p, load<f64>(p) + g);
}

/** Room for `count` parameters in all; false, with nothing changed, if memory cannot grow. */
export function reserveParams(count: i32): bool {
  if (count <= paramCapacity) return true;
  if (count > (1 << 26)) return false;
  let cap = max(paramCapacity, INITIAL_PARAMS);
  while (cap < count) cap <<= 1;
  let values = mem.realloc(paramValueArr, <usize>cap << 3);
  if (values == 0) return false;
  paramValueArr = values;
  let grads = mem.realloc(paramGradArr, <usize>cap << 3);
  if (grads == 0) return false; // the values array is larger than needed, which is harmless
  paramGradArr = grads;
  paramCapacity = cap;
  return true;
}

/** A new parameter slot holding `value`, gradient 0; -1 (ErrorCode.OutOfMemory) if memory cannot grow. */
export function createParam(value: f64): i32 {
  let slot = paramCount;
  if (!reserveParams(slot + 1)) return fail(ErrorCode.OutOfMemory);
  setParamValue(slot, value);
  setParamGrad(slot, 0);
  paramCount = slot + 1;
  return slot;
}

/** Forgets the parameters from `count` on (a load that failed after creating them). */
export function truncateParams(count: i32): void {
  if (count < paramCount) paramCount = count;
}

export function zeroParamGrads(): void {
  memory.fill(paramGradArr, 0, <usize>paramCount << 3);
}
