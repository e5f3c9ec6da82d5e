// A tape: the nodes of one graph, in push order, struct-of-arrays in linear
// memory. The eager graph is one tape (index.ts); every compiled program owns
// another (program.ts), from which it builds its replay streams.
//
// Node i is (op[i]: u8, inputA[i]: i32, inputB[i]: i32, value[i]: f64, grad[i]: f64).
// Inputs always have smaller ids than their node, so push order is a
// topological order and backward is one reverse sweep with no recursion and
// no sort. For Param nodes inputA holds the parameter slot (params.ts), not a
// node id.
//
// The six arrays share one heap block (../memory.ts), laid out in the order
// of the fields below, each `capacity` long. It grows by doubling with
// realloc, which extends the block in place when it is the top of memory,
// so a long chain costs about its final capacity and not the sum of every
// capacity it passed through. After growth every pointer may have changed:
// hosts that keep views into memory must re-read them (see index.ts).

import { Op, arity, forward, backward, gradX, gradY } from "./ops";
import { paramValueOf, addParamGrad } from "./params";
import * as mem from "./memory";
import { ErrorCode, fail } from "./errors";

@unmanaged export class Tape {
  count: i32;
  capacity: i32;
  values: usize;  // f64[capacity]
  grads: usize;   // f64[capacity]
  inputsA: usize; // i32[capacity]
  inputsB: usize; // i32[capacity]
  ops: usize;     // u8[capacity]
  reached: usize; // u8[capacity]: scratch of the sweep
}

/** Bytes of one node across the six arrays. */
export const NODE_BYTES: usize = 8 + 8 + 4 + 4 + 1 + 1;
/** The most nodes a tape may hold: its block stays under 4 GiB. */
export const MAX_NODES: i32 = 1 << 27;

/** Points t's arrays into the block at `base` for `cap` nodes. */
function layOut(t: Tape, base: usize, cap: usize): void {
  t.values = base;
  t.grads = base + (cap << 3);
  t.inputsA = base + (cap << 4);
  t.inputsB = t.inputsA + (cap << 2);
  t.ops = t.inputsB + (cap << 2);
  t.reached = t.ops + cap;
}

/** A tape with room for `capacity` nodes (at least 1), or null if memory cannot grow. */
export function newTape(capacity: i32): Tape | null {
  let t = mem.malloc(offsetof<Tape>());
  if (t == 0) return null;
  memory.fill(t, 0, offsetof<Tape>());
  let tape = changetype<Tape>(t);
  if (!reserve(tape, max(capacity, 1))) {
    mem.free(t);
    return null;
  }
  return tape;
}

export function freeTape(t: Tape): void {
  mem.free(t.values);
  mem.free(changetype<usize>(t));
}

/**
 * Grows t to hold at least `needed` nodes, doubling. False, with t as it
 * was, if memory cannot grow or `needed` is more than MAX_NODES.
 */
export function reserve(t: Tape, needed: i32): bool {
  if (needed <= t.capacity) return true;
  if (needed > MAX_NODES) return false;
  let cap = max(t.capacity, 1024);
  while (cap < needed) cap <<= 1;
  cap = min(cap, MAX_NODES);
  let old = <usize>t.capacity;
  let base = mem.realloc(t.values, <usize>cap * NODE_BYTES);
  if (base == 0) return false;
  // The arrays keep their order; each moves up to its new offset, the last
  // first, so no array is overwritten before it has moved.
  let n = <usize>cap;
  if (old != 0) {
    memory.copy(base + (n << 4) + (n << 3) + n, base + (old << 4) + (old << 3) + old, old); // reached
    memory.copy(base + (n << 4) + (n << 3), base + (old << 4) + (old << 3), old);           // ops
    memory.copy(base + (n << 4) + (n << 2), base + (old << 4) + (old << 2), old << 2);      // inputsB
    memory.copy(base + (n << 4), base + (old << 4), old << 2);                              // inputsA
    memory.copy(base + (n << 3), base + (old << 3), old << 3);                              // grads
  }
  layOut(t, base, n);
  t.capacity = cap;
  return true;
}

// ── raw accessors: callers have checked the id ──

@inline export function opOf(t: Tape, id: i32): i32 { return <i32>load<u8>(t.ops + <usize>id); }
@inline export function inputA(t: Tape, id: i32): i32 { return load<i32>(t.inputsA + (<usize>id << 2)); }
@inline export function inputB(t: Tape, id: i32): i32 { return load<i32>(t.inputsB + (<usize>id << 2)); }
@inline export function valueOf(t: Tape, id: i32): f64 { return load<f64>(t.values + (<usize>id << 3)); }
@inline export function gradOf(t: Tape, id: i32): f64 { return load<f64>(t.grads + (<usize>id << 3)); }
@inline export function setValue(t: Tape, id: i32, value: f64): void { store<f64>(t.values + (<usize>id << 3), value); }

/**
 * Appends a node and returns its id, or -1 (ErrorCode.OutOfMemory, t as it
 * was) if the tape cannot grow. Writes the new node's five fields and nothing else.
 */
@inline export function pushNode(t: Tape, op: i32, a: i32, b: i32, value: f64): i32 {
  let id = t.count;
  if (id == t.capacity && !reserve(t, id + 1)) return fail(ErrorCode.OutOfMemory);
  store<u8>(t.ops + <usize>id, <u8>op);
  store<i32>(t.inputsA + (<usize>id << 2), a);
  store<i32>(t.inputsB + (<usize>id << 2), b);
  store<f64>(t.values + (<usize>id << 3), value);
  store<f64>(t.grads + (<usize>id << 3), 0);
  t.count = id + 1;
  return id;
}

@inline export function pushUnary(t: Tape, op: i32, a: i32): i32 {
  return pushNode(t, op, a, -1, forward(op, valueOf(t, a), 0));
}

@inline export function pushBinary(t: Tape, op: i32, a: i32, b: i32): i32 {
  return pushNode(t, op, a, b, forward(op, valueOf(t, a), valueOf(t, b)));
}

@inline export function pushParam(t: Tape, slot: i32): i32 {
  return pushNode(t, Op.Param, slot, -1, paramValueOf(slot));
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
export function backwardFrom(t: Tape, root: i32): void {
  let n = <usize>root + 1;
  let ops = t.ops, grads = t.grads, reached = t.reached;
  for (let i: usize = 0; i < n; i++) {
    if (load<u8>(ops + i) != Op.Leaf) store<f64>(grads + (i << 3), 0);
  }
  memory.fill(reached, 0, n);
  store<u8>(reached + <usize>root, 1);
  store<f64>(grads + (<usize>root << 3), load<f64>(grads + (<usize>root << 3)) + 1);
  sweep(t, root);
}

function sweep(t: Tape, root: i32): void {
  let ops = t.ops, inputsA = t.inputsA, inputsB = t.inputsB, values = t.values, grads = t.grads, reached = t.reached;
  for (let id = root; id >= 0; id--) {
    if (!load<u8>(reached + <usize>id)) continue;
    let op = <i32>load<u8>(ops + <usize>id);
    if (op <= Op.Const) continue;
    let g = load<f64>(grads + (<usize>id << 3));
    let a = load<i32>(inputsA + (<usize>id << 2));
    if (op == Op.Param) {
      addParamGrad(a, g);
      continue;
    }
    let out = load<f64>(values + (<usize>id << 3));
    let x = load<f64>(values + (<usize>a << 3));
    if (arity(op) == 2) {
      let b = load<i32>(inputsB + (<usize>id << 2));
      backward(op, x, load<f64>(values + (<usize>b << 3)), out, g);
      accumulate(grads, reached, a, gradX);
      accumulate(grads, reached, b, gradY);
    } else {
      backward(op, x, 0, out, g);
      accumulate(grads, reached, a, gradX);
    }
  }
}

@inline function accumulate(grads: usize, reached: usize, id: i32, g: f64): void {
  let p = grads + (<usize>id << 3);
  store<f64>(p, load<f64>(p) + g);
  store<u8>(reached + <usize>id, 1);
}

/** Zeroes the gradient of every node on t. */
export function zeroGrads(t: Tape): void {
  memory.fill(t.grads, 0, <usize>t.count << 3);
}
