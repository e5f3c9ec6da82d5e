// The tape: every node of the current graph, in push order, struct-of-arrays in
// linear memory, plus the parameter slots that outlive it.
//
// Node i is (op[i]: u8, inputA[i]: i32, inputB[i]: i32, value[i]: f64, grad[i]: f64).
// Inputs always have smaller ids than their node, so push order is a
// topological order and backward is one reverse sweep with no recursion and
// no sort. For Param nodes inputA holds the parameter slot, not a node id.
//
// Parameters live in their own arrays (paramValue, paramGrad) that reset()
// does not touch. A graph reads a parameter through a Param node pushed in the
// current generation; its backward adds into the slot. So reset() can free the
// whole tape in O(1) while trained values persist, and a later compiled replay
// can re-read updated parameters without rebuilding anything.
//
// Each array is its own heap block (TLSF, from the minimal runtime) grown by
// doubling, so after growth every pointer below may have changed: hosts that
// keep views into memory must re-read the pointers (see index.ts).

import { Op, arity, forward, backward, gradX, gradY } from "./ops";

const INITIAL_NODES: i32 = 1024;
const INITIAL_PARAMS: i32 = 64;

export let nodeCount: i32 = 0;
export let nodeCapacity: i32 = 0;
export let generation: i32 = 0;
export let opArr: usize = 0;     // u8[capacity]
export let inputAArr: usize = 0; // i32[capacity]
export let inputBArr: usize = 0; // i32[capacity]
export let valueArr: usize = 0;  // f64[capacity]
export let gradArr: usize = 0;   // f64[capacity]
let reachedArr: usize = 0;       // u8[capacity]: scratch of backward

export let paramCount: i32 = 0;
export let paramCapacity: i32 = 0;
export let paramValueArr: usize = 0; // f64[paramCapacity]
export let paramGradArr: usize = 0;  // f64[paramCapacity]

// ── raw accessors: callers have checked the id ──

@inline export function opOf(id: i32): i32 { return <i32>load<u8>(opArr + <usize>id); }
@inline export function inputA(id: i32): i32 { return load<i32>(inputAArr + (<usize>id << 2)); }
@inline export function inputB(id: i32): i32 { return load<i32>(inputBArr + (<usize>id << 2)); }
@inline export function valueOf(id: i32): f64 { return load<f64>(valueArr + (<usize>id << 3)); }
@inline export function gradOf(id: i32): f64 { return load<f64>(gradArr + (<usize>id << 3)); }
@inline export function paramValueOf(slot: i32): f64 { return load<f64>(paramValueArr + (<usize>slot << 3)); }
@inline export function paramGradOf(slot: i32): f64 { return load<f64>(paramGradArr + (<usize>slot << 3)); }

@inline function grow(ptr: usize, bytes: usize): usize {
  return ptr == 0 ? heap.alloc(bytes) : heap.realloc(ptr, bytes);
}

function reserveNodes(needed: i32): void {
  if (needed <= nodeCapacity) return;
  let cap = max(nodeCapacity, INITIAL_NODES);
  while (cap < needed) cap <<= 1;
  let n = <usize>cap;
  opArr = grow(opArr, n);
  reachedArr = grow(reachedArr, n);
  inputAArr = grow(inputAArr, n << 2);
  inputBArr = grow(inputBArr, n << 2);
  valueArr = grow(valueArr, n << 3);
  gradArr = grow(gradArr, n << 3);
  nodeCapacity = cap;
}

function reserveParams(needed: i32): void {
  if (needed <= paramCapacity) return;
  let cap = max(paramCapacity, INITIAL_PARAMS);
  while (cap < needed) cap <<= 1;
  paramValueArr = grow(paramValueArr, <usize>cap << 3);
  paramGradArr = grow(paramGradArr, <usize>cap << 3);
  paramCapacity = cap;
}

/** Appends a node and returns its id. Reads nothing; writes the new node's five fields. */
@inline export function pushNode(op: i32, a: i32, b: i32, value: f64): i32 {
  let id = nodeCount;
  if (id == nodeCapacity) reserveNodes(id + 1);
  store<u8>(opArr + <usize>id, <u8>op);
  store<i32>(inputAArr + (<usize>id << 2), a);
  store<i32>(inputBArr + (<usize>id << 2), b);
  store<f64>(valueArr + (<usize>id << 3), value);
  store<f64>(gradArr + (<usize>id << 3), 0);
  nodeCount = id + 1;
  return id;
}

@inline export function pushUnary(op: i32, a: i32): i32 {
  return pushNode(op, a, -1, forward(op, valueOf(a), 0));
}

@inline export function pushBinary(op: i32, a: i32, b: i32): i32 {
  return pushNode(op, a, b, forward(op, valueOf(a), valueOf(b)));
}

export function pushParam(slot: i32): i32 {
  return pushNode(Op.Param, slot, -1, paramValueOf(slot));
}

export function createParam(value: f64): i32 {
  let slot = paramCount;
  reserveParams(slot + 1);
  store<f64>(paramValueArr + (<usize>slot << 3), value);
  store<f64>(paramGradArr + (<usize>slot << 3), 0);
  paramCount = slot + 1;
  return slot;
}

export function setParamValue(slot: i32, value: f64): void {
  store<f64>(paramValueArr + (<usize>slot << 3), value);
}

export function setParamGrad(slot: i32, grad: f64): void {
  store<f64>(paramGradArr + (<usize>slot << 3), grad);
}

/**
 * Adds d(root)/d(node) to the gradient of every Leaf node and parameter slot
 * that root depends on; every other node up to root is left holding exactly
 * d(root)/d(node) from this call. Nodes after root are untouched.
 *
 * Only nodes that root reaches are swept: an unrelated node whose local
 * derivative is infinite must not turn a shared input's gradient into NaN
 * through 0·∞. Reachability is one byte per node, cleared here.
 */
export function backwardFrom(root: i32): void {
  let n = <usize>root + 1;
  for (let i: usize = 0; i < n; i++) {
    if (load<u8>(opArr + i) != Op.Leaf) store<f64>(gradArr + (i << 3), 0);
  }
  memory.fill(reachedArr, 0, n);
  store<u8>(reachedArr + <usize>root, 1);
  store<f64>(gradArr + (<usize>root << 3), gradOf(root) + 1);

  for (let id = root; id >= 0; id--) {
    if (!load<u8>(reachedArr + <usize>id)) continue;
    let op = opOf(id);
    if (op <= Op.Const) continue;
    let g = gradOf(id);
    let a = inputA(id);
    if (op == Op.Param) {
      let p = paramGradArr + (<usize>a << 3);
      store<f64>(p, load<f64>(p) + g);
      continue;
    }
    if (arity(op) == 2) {
      let b = inputB(id);
      backward(op, valueOf(a), valueOf(b), valueOf(id), g);
      accumulate(a, gradX);
      accumulate(b, gradY);
    } else {
      backward(op, valueOf(a), 0, valueOf(id), g);
      accumulate(a, gradX);
    }
  }
}

@inline function accumulate(id: i32, g: f64): void {
  let p = gradArr + (<usize>id << 3);
  store<f64>(p, load<f64>(p) + g);
  store<u8>(reachedArr + <usize>id, 1);
}

/** Zeroes the gradient of every node on the tape and of every parameter slot. */
export function zeroGrad(): void {
  memory.fill(gradArr, 0, <usize>nodeCount << 3);
  memory.fill(paramGradArr, 0, <usize>paramCount << 3);
}

/** Frees every node in O(1); capacity is kept, so a loop that rebuilds the same graph never grows memory again. */
export function reset(): void {
  nodeCount = 0;
  generation++;
}
