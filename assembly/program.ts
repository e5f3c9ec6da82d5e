// Compiled programs: a graph recorded once on the eager tape, copied into a
// tape of its own, and replayed (forward, backward, optionally an SGD update)
// as many times as the host likes, in one call each, without allocating.
//
// A program's inputs are its first `inputCount` nodes, all Leafs: a host
// writes new input values there before a run. Its root is the node backward
// starts from. Parameters are read through Param nodes, so a run sees the
// slots' current values and adds into their gradients, exactly as an eager
// graph built at that moment would.

import { Op, arity, forward, backward, gradX, gradY } from "./ops";
import { ErrorCode, fail } from "./errors";
import * as mem from "./memory";
import { Tape, newTape, freeTape, opOf, inputA, inputB } from "./tape";
import { paramCount, paramValueOf, paramGradOf, setParamValue, setParamGrad, addParamGrad } from "./params";

@unmanaged export class Program {
  tape: Tape;
  root: i32;
  inputCount: i32;
  slots: usize;   // i32[slotCount]: every parameter slot the program reads, once each, ascending
  slotCount: i32;
  // The replay's instruction streams, built once: fixed-size records
  // (see RECORD) in one array rather than four, so a run streams through
  // memory once.
  forwardCode: usize; // every node that computes (not Leaf or Const), in push order
  forwardCount: i32;
  backwardCode: usize; // every computing node that the root depends on, root first, descending
  backwardCount: i32;
}

// A record: op, a, b, c, out, mul (i32 each). For an ordinary op, (a, b) are
// its inputs and out its id. MUL_ADD fuses a Mul whose only consumer is the
// Add pushed right after it, the core of every neuron (acc + w·x): out is the
// Add, mul the Mul, a the Add's other input, b·c the Mul. It runs the same
// two roundings in the same order as the two ops, and still writes the Mul's
// value and gradient, so results are bit-identical to the unfused program.
const RECORD: usize = 24;
const MUL_ADD: i32 = 255; // not an op id: a replay-only instruction

let table: usize = 0;   // usize[tableCapacity]: Program pointers; 0 marks a free id
let tableCapacity: i32 = 0;
let tableSize: i32 = 0; // ids in use are below this

/** The program with this id, or null if there is none (never made, or freed). */
export function programAt(id: i32): Program | null {
  if (<u32>id >= <u32>tableSize) return null;
  return changetype<Program | null>(load<usize>(table + (<usize>id << alignof<usize>())));
}

/** Makes sure register() has room for one more program; false if memory cannot grow. */
function tableRoom(): bool {
  for (let id = 0; id < tableSize; id++) {
    if (load<usize>(table + (<usize>id << alignof<usize>())) == 0) return true;
  }
  if (tableSize < tableCapacity) return true;
  let cap = max(tableCapacity << 1, 16);
  let grown = mem.realloc(table, <usize>cap << alignof<usize>());
  if (grown == 0) return false;
  table = grown;
  tableCapacity = cap;
  return true;
}

/** Gives p an id (tableRoom() has made room). */
function register(p: Program): i32 {
  for (let id = 0; id < tableSize; id++) {
    if (load<usize>(table + (<usize>id << alignof<usize>())) == 0) {
      store<usize>(table + (<usize>id << alignof<usize>()), changetype<usize>(p));
      return id;
    }
  }
  let id = tableSize++;
  store<usize>(table + (<usize>id << alignof<usize>()), changetype<usize>(p));
  return id;
}

/**
 * Checks that nodes [start, end) of `source` form a self-contained graph: the
 * first inputCount nodes are Leafs, every input of every node lies inside the
 * range and before the node, every Param reads an existing slot, and root is
 * in the range. Returns ErrorCode.None or the first problem's code.
 */
export function checkSegment(source: Tape, start: i32, end: i32, inputCount: i32, root: i32): i32 {
  if (start < 0 || end > source.count || start >= end) return ErrorCode.BadNode;
  if (inputCount < 0 || inputCount > end - start) return ErrorCode.BadNode;
  if (root < start || root >= end) return ErrorCode.BadNode;
  for (let id = start; id < end; id++) {
    let op = opOf(source, id);
    if (id < start + inputCount && op != Op.Leaf) return ErrorCode.BadNode;
    let k = arity(op);
    if (op == Op.Param) {
      if (<u32>inputA(source, id) >= <u32>paramCount) return ErrorCode.BadParam;
    } else if (k >= 1) {
      let a = inputA(source, id);
      if (a < start || a >= id) return ErrorCode.BadNode;
      if (k == 2) {
        let b = inputB(source, id);
        if (b < start || b >= id) return ErrorCode.BadNode;
        if (op == Op.PowConst && opOf(source, b) != Op.Const) return ErrorCode.BadOp;
      }
    }
  }
  return ErrorCode.None;
}

/**
 * Makes a program from nodes [start, end) of `source`, which checkSegment has
 * accepted. Node ids are renumbered from 0; values are copied as they are.
 */
export function createProgram(source: Tape, start: i32, end: i32, inputCount: i32, root: i32): i32 {
  let n = end - start;
  let t = newTape(n);
  if (t === null) return fail(ErrorCode.OutOfMemory);
  let s = <usize>start;
  memory.copy(t.ops, source.ops + s, <usize>n);
  memory.copy(t.inputsA, source.inputsA + (s << 2), <usize>n << 2);
  memory.copy(t.inputsB, source.inputsB + (s << 2), <usize>n << 2);
  memory.copy(t.values, source.values + (s << 3), <usize>n << 3);
  memory.fill(t.grads, 0, <usize>n << 3);
  t.count = n;
  for (let id = 0; id < n; id++) {
    let k = arity(opOf(t, id));
    if (k == 0) continue; // leaves, and Param nodes whose inputA is a slot
    store<i32>(t.inputsA + (<usize>id << 2), inputA(t, id) - start);
    if (k == 2) store<i32>(t.inputsB + (<usize>id << 2), inputB(t, id) - start);
  }
  return finish(t, root - start, inputCount);
}

/**
 * Registers a program over tape t (whose Param slots exist) and lists its
 * slots. Takes t: on failure (-1, ErrorCode.OutOfMemory) t is freed and
 * nothing is registered.
 */
export function finish(t: Tape, root: i32, inputCount: i32): i32 {
  let p = tableRoom() ? changetype<Program>(mem.malloc(offsetof<Program>())) : changetype<Program>(0);
  // One byte per existing slot marks the ones the program reads.
  let seen = changetype<usize>(p) != 0 ? mem.malloc(max<usize>(<usize>paramCount, 1)) : 0;
  if (seen == 0) {
    mem.free(changetype<usize>(p));
    freeTape(t);
    return fail(ErrorCode.OutOfMemory);
  }
  memory.fill(changetype<usize>(p), 0, offsetof<Program>());
  p.tape = t;
  p.root = root;
  p.inputCount = inputCount;
  memory.fill(seen, 0, <usize>paramCount);
  let slotCount = 0;
  for (let id = 0; id < t.count; id++) {
    if (opOf(t, id) != Op.Param) continue;
    let slot = inputA(t, id);
    if (!load<u8>(seen + <usize>slot)) {
      store<u8>(seen + <usize>slot, 1);
      slotCount++;
    }
  }
  p.slots = mem.malloc(max<usize>(<usize>slotCount << 2, 4));
  if (p.slots != 0) {
    let k = 0;
    for (let slot = 0; slot < paramCount; slot++) {
      if (load<u8>(seen + <usize>slot)) {
        store<i32>(p.slots + (<usize>k << 2), slot);
        k++;
      }
    }
  }
  p.slotCount = slotCount;
  mem.free(seen);
  if (p.slots == 0 || !buildCode(p)) {
    mem.free(p.slots);
    mem.free(changetype<usize>(p));
    freeTape(t);
    return fail(ErrorCode.OutOfMemory);
  }
  return register(p);
}

@inline function writeRecord(at: usize, t: Tape, id: i32): void {
  let op = opOf(t, id);
  let a = inputA(t, id);
  store<i32>(at, op);
  store<i32>(at, a, 4);
  // A unary op's second operand points at its first, so that the replay loads
  // a valid value instead of branching on arity.
  store<i32>(at, arity(op) == 2 ? inputB(t, id) : a, 8);
  store<i32>(at, id, 16);
}

@inline function writeMulAdd(at: usize, t: Tape, add: i32, mul: i32): void {
  store<i32>(at, MUL_ADD);
  store<i32>(at, inputA(t, add) == mul ? inputB(t, add) : inputA(t, add), 4);
  store<i32>(at, inputA(t, mul), 8);
  store<i32>(at, inputB(t, mul), 12);
  store<i32>(at, add, 16);
  store<i32>(at, mul, 20);
}

/**
 * Builds the two instruction streams. Reachability from the root is decided
 * here, once, so the backward replay needs neither marks nor a test per node;
 * it is also what keeps a node the root does not depend on (whose local
 * derivative might be infinite) out of the sweep.
 */
function buildCode(p: Program): bool {
  let t = p.tape;
  let n = t.count;

  // fused[id] = 1 marks an Add at id that absorbs the Mul at id - 1.
  let uses = mem.malloc(max<usize>(<usize>n << 2, 4));
  if (uses == 0) return false;
  memory.fill(uses, 0, <usize>n << 2);
  for (let id = 0; id < n; id++) {
    let k = arity(opOf(t, id));
    if (k >= 1) countUse(uses, inputA(t, id));
    if (k == 2) countUse(uses, inputB(t, id));
  }
  let fused = t.reached; // scratch: a program never sweeps with marks
  memory.fill(fused, 0, <usize>n);
  let forwardCount = 0;
  for (let id = 0; id < n; id++) {
    let op = opOf(t, id);
    if (op <= Op.Const) continue;
    forwardCount++;
    // Not when the Mul is the root: backward starts there, before the Add.
    if (op == Op.Add && id > 0 && opOf(t, id - 1) == Op.Mul && load<i32>(uses + (<usize>(id - 1) << 2)) == 1 &&
        (inputA(t, id) == id - 1 || inputB(t, id) == id - 1) && id - 1 != p.root) {
      store<u8>(fused + <usize>id, 1);
      forwardCount--; // the Mul's record goes
    }
  }
  mem.free(uses);

  let reached = mem.malloc(max<usize>(<usize>n, 1));
  p.forwardCode = reached != 0 ? mem.malloc(max<usize>(<usize>forwardCount * RECORD, 1)) : 0;
  if (p.forwardCode == 0) {
    mem.free(reached);
    return false;
  }
  p.forwardCount = forwardCount;
  let at = p.forwardCode;
  for (let id = 0; id < n; id++) {
    if (opOf(t, id) <= Op.Const) continue;
    if (id + 1 < n && load<u8>(fused + <usize>(id + 1))) continue; // a Mul its Add absorbs
    if (load<u8>(fused + <usize>id)) writeMulAdd(at, t, id, id - 1);
    else writeRecord(at, t, id);
    at += RECORD;
  }

  // Reachability from the root, then the backward stream, reusing the marks' order.
  memory.fill(reached, 0, <usize>n);
  store<u8>(reached + <usize>p.root, 1);
  let backwardCount = 0;
  for (let id = p.root; id >= 0; id--) {
    if (!load<u8>(reached + <usize>id)) continue;
    let op = opOf(t, id);
    if (op < Op.Param) continue;
    if (op == Op.Param) {
      backwardCount++;
      continue;
    }
    store<u8>(reached + <usize>inputA(t, id), 1);
    if (arity(op) == 2) store<u8>(reached + <usize>inputB(t, id), 1);
    if (!(id + 1 < n && load<u8>(fused + <usize>(id + 1)))) backwardCount++;
  }
  p.backwardCode = mem.malloc(max<usize>(<usize>backwardCount * RECORD, 1));
  if (p.backwardCode == 0) {
    mem.free(reached);
    mem.free(p.forwardCode);
    return false;
  }
  p.backwardCount = backwardCount;
  at = p.backwardCode;
  for (let id = p.root; id >= 0; id--) {
    if (!load<u8>(reached + <usize>id) || opOf(t, id) < Op.Param) continue;
    if (id + 1 < n && load<u8>(fused + <usize>(id + 1))) continue;
    if (load<u8>(fused + <usize>id)) writeMulAdd(at, t, id, id - 1);
    else writeRecord(at, t, id);
    at += RECORD;
  }
  mem.free(reached);
  return true;
}

@inline function countUse(uses: usize, id: i32): void {
  let p = uses + (<usize>id << 2);
  store<i32>(p, load<i32>(p) + 1);
}

@inline function valueAt(values: usize, id: i32): f64 { return load<f64>(values + (<usize>id << 3)); }

@inline function addTo(grads: usize, id: i32, g: f64): void {
  let p = grads + (<usize>id << 3);
  store<f64>(p, load<f64>(p) + g);
}

/**
 * Recomputes every node, as if the graph were built again, from the forward
 * stream: Leaf and Const nodes keep their values (a host writes new inputs
 * into the Leafs first), Param nodes re-read their slot, every other node runs
 * its forward kernel, so data-dependent ops (relu, abs) take their branch anew.
 */
export function replay(p: Program): void {
  let values = p.tape.values;
  let at = p.forwardCode;
  let end = at + <usize>p.forwardCount * RECORD;
  for (; at < end; at += RECORD) {
    let op = load<i32>(at);
    let a = load<i32>(at, 4);
    let b = load<i32>(at, 8);
    let value: f64;
    if (op == MUL_ADD) {
      let m = valueAt(values, b) * valueAt(values, load<i32>(at, 12));
      store<f64>(values + (<usize>load<i32>(at, 20) << 3), m);
      value = valueAt(values, a) + m;
    } else if (op == Op.Param) {
      value = paramValueOf(a);
    } else {
      value = forward(op, valueAt(values, a), valueAt(values, b));
    }
    store<f64>(values + (<usize>load<i32>(at, 16) << 3), value);
  }
}

/** backwardFrom(root) with every gradient cleared first, from the backward stream. */
export function sweepBack(p: Program): void {
  let t = p.tape;
  let values = t.values, grads = t.grads;
  memory.fill(grads, 0, <usize>t.count << 3);
  store<f64>(grads + (<usize>p.root << 3), 1);
  let at = p.backwardCode;
  let end = at + <usize>p.backwardCount * RECORD;
  for (; at < end; at += RECORD) {
    let op = load<i32>(at);
    let a = load<i32>(at, 4);
    let b = load<i32>(at, 8);
    let out = load<i32>(at, 16);
    let g = load<f64>(grads + (<usize>out << 3));
    if (op == MUL_ADD) {
      // The Add's rule (both sides get g), then the Mul's, as the unfused sweep orders them.
      let c = load<i32>(at, 12);
      let mul = load<i32>(at, 20);
      addTo(grads, a, g);
      let gm = load<f64>(grads + (<usize>mul << 3)) + g;
      store<f64>(grads + (<usize>mul << 3), gm);
      addTo(grads, b, gm * valueAt(values, c));
      addTo(grads, c, gm * valueAt(values, b));
    } else if (op == Op.Param) {
      addParamGrad(a, g);
    } else {
      backward(op, valueAt(values, a), valueAt(values, b), valueAt(values, out), g);
      addTo(grads, a, gradX);
      if (arity(op) == 2) addTo(grads, b, gradY);
    }
  }
}

export function freeProgram(id: i32): void {
  let p = changetype<Program>(load<usize>(table + (<usize>id << alignof<usize>())));
  freeTape(p.tape);
  mem.free(p.forwardCode);
  mem.free(p.backwardCode);
  mem.free(p.slots);
  mem.free(changetype<usize>(p));
  store<usize>(table + (<usize>id << alignof<usize>()), 0);
}

/** Forward over the whole program, then backward from its root. Leaf gradients hold this run's; slots accumulate. */
export function run(p: Program): void {
  replay(p);
  sweepBack(p);
}

/** One SGD step on the program's parameters: clear their gradients, run, then slot -= lr · gradient. */
export function step(p: Program, lr: f64): void {
  for (let k = 0; k < p.slotCount; k++) setParamGrad(load<i32>(p.slots + (<usize>k << 2)), 0);
  run(p);
  for (let k = 0; k < p.slotCount; k++) {
    let slot = load<i32>(p.slots + (<usize>k << 2));
    setParamValue(slot, paramValueOf(slot) - lr * paramGradOf(slot));
  }
}
