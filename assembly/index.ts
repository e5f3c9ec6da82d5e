// The exported ABI (version 1), documented in docs/abi.md.
//
// Every export takes and returns numbers. Node ids and parameter slots are
// i32 indices, never addresses, so they stay valid when memory grows. The
// checked exports validate their arguments and return -1 (or NaN for value
// reads) on bad input, recording the reason for lastError(), so a host that
// passes a wrong id gets an error code rather than a trap or a silent read of
// another node. The TypeScript wrapper validates before it calls, so it never
// sees these codes; they are for other hosts.

import { Op, arity, OP_COUNT } from "./ops";
import * as tape from "./tape";

const ABI_VERSION: i32 = 1;

const enum ErrorCode {
  None = 0,
  BadOp = 1,       // op id unknown, or wrong arity for the export used
  BadNode = 2,     // node id not on the current tape
  BadParam = 3,    // parameter slot not created
}

let lastErrorCode: i32 = ErrorCode.None;

function fail(code: i32): i32 {
  lastErrorCode = code;
  return -1;
}

@inline function isNode(id: i32): bool { return <u32>id < <u32>tape.nodeCount; }
@inline function isParam(slot: i32): bool { return <u32>slot < <u32>tape.paramCount; }

/** The reason for the last -1/NaN returned by a checked export (an ErrorCode); reading it clears it. */
export function lastError(): i32 {
  let code = lastErrorCode;
  lastErrorCode = ErrorCode.None;
  return code;
}

export function abiVersion(): i32 { return ABI_VERSION; }
export function opCount(): i32 { return OP_COUNT; }
/** Inputs of `op` (0, 1 or 2), or -1 for an unknown op id. */
export function opArity(op: i32): i32 { return arity(op); }

// ── building the graph ──

/** Pushes a Leaf (an input whose gradient accumulates). */
export function pushLeaf(value: f64): i32 { return tape.pushNode(Op.Leaf, -1, -1, value); }

/** Pushes a Const (a number with no gradient). */
export function pushConst(value: f64): i32 { return tape.pushNode(Op.Const, -1, -1, value); }

export function pushUnary(op: i32, a: i32): i32 {
  if (arity(op) != 1) return fail(ErrorCode.BadOp);
  if (!isNode(a)) return fail(ErrorCode.BadNode);
  return tape.pushUnary(op, a);
}

export function pushBinary(op: i32, a: i32, b: i32): i32 {
  if (arity(op) != 2) return fail(ErrorCode.BadOp);
  if (!isNode(a) || !isNode(b)) return fail(ErrorCode.BadNode);
  return tape.pushBinary(op, a, b);
}

/**
 * Pushes Const(c) and then `op` applied to node `a` and the constant, in one
 * call: (a op c), or (c op a) when constFirst is nonzero. Returns the op node.
 */
export function pushBinaryConst(op: i32, a: i32, c: f64, constFirst: i32): i32 {
  if (arity(op) != 2) return fail(ErrorCode.BadOp);
  if (!isNode(a)) return fail(ErrorCode.BadNode);
  let k = tape.pushNode(Op.Const, -1, -1, c);
  return constFirst ? tape.pushBinary(op, k, a) : tape.pushBinary(op, a, k);
}

/** Pushes a Param node that reads parameter `slot` as it is now. */
export function pushParam(slot: i32): i32 {
  if (!isParam(slot)) return fail(ErrorCode.BadParam);
  return tape.pushParam(slot);
}

// ── reading nodes ──

export function nodeCount(): i32 { return tape.nodeCount; }
export function nodeCapacity(): i32 { return tape.nodeCapacity; }
/** Incremented by every reset(); a host can stamp its handles with it. */
export function generation(): i32 { return tape.generation; }

export function nodeValue(id: i32): f64 {
  if (!isNode(id)) { fail(ErrorCode.BadNode); return NaN; }
  return tape.valueOf(id);
}

export function nodeGrad(id: i32): f64 {
  if (!isNode(id)) { fail(ErrorCode.BadNode); return NaN; }
  return tape.gradOf(id);
}

export function nodeOp(id: i32): i32 {
  if (!isNode(id)) return fail(ErrorCode.BadNode);
  return tape.opOf(id);
}

/** Input k (0 or 1) of node `id`: a node id, a parameter slot for Param nodes, or -1 where the op has no such input. */
export function nodeInput(id: i32, k: i32): i32 {
  if (!isNode(id)) return fail(ErrorCode.BadNode);
  return k == 0 ? tape.inputA(id) : k == 1 ? tape.inputB(id) : -1;
}

// ── gradients ──

/** Reverse sweep from `root`; see tape.backwardFrom for what it leaves in each gradient. Returns 0, or -1. */
export function backward(root: i32): i32 {
  if (!isNode(root)) return fail(ErrorCode.BadNode);
  tape.backwardFrom(root);
  return 0;
}

export function zeroGrad(): void { tape.zeroGrad(); }

/** Frees every node in O(1). Parameters, their values and their gradients are kept. */
export function reset(): void { tape.reset(); }

// ── parameters ──

/** Creates a parameter slot holding `value` with gradient 0; returns the slot. */
export function paramCreate(value: f64): i32 { return tape.createParam(value); }
export function paramCount(): i32 { return tape.paramCount; }

export function paramValue(slot: i32): f64 {
  if (!isParam(slot)) { fail(ErrorCode.BadParam); return NaN; }
  return tape.paramValueOf(slot);
}

export function paramGrad(slot: i32): f64 {
  if (!isParam(slot)) { fail(ErrorCode.BadParam); return NaN; }
  return tape.paramGradOf(slot);
}

/** Sets a parameter's value. Param nodes already on the tape keep the value they read. */
export function paramSetValue(slot: i32, value: f64): i32 {
  if (!isParam(slot)) return fail(ErrorCode.BadParam);
  tape.setParamValue(slot, value);
  return 0;
}

export function paramSetGrad(slot: i32, grad: f64): i32 {
  if (!isParam(slot)) return fail(ErrorCode.BadParam);
  tape.setParamGrad(slot, grad);
  return 0;
}

// ── memory, for hosts that read the arrays directly ──
// Valid until the next export that pushes a node or creates a parameter.

export function valuesPointer(): usize { return tape.valueArr; }
export function gradsPointer(): usize { return tape.gradArr; }
export function opsPointer(): usize { return tape.opArr; }
export function inputsAPointer(): usize { return tape.inputAArr; }
export function inputsBPointer(): usize { return tape.inputBArr; }
export function paramValuesPointer(): usize { return tape.paramValueArr; }
export function paramGradsPointer(): usize { return tape.paramGradArr; }

// ── self-test, for hosts that can only call zero-argument exports (wasm-interp --run-all-exports) ──

/**
 * Builds the seed example f = 1/(1+exp(-(w0·x0 + w1·x1 + w2))) at
 * (2, -1, -3, -2, -3) on a fresh tape, runs backward and checks the value and
 * all five input gradients against their closed forms. Returns 0 when all
 * agree to 1e-12, otherwise the 1-based index of the first mismatch
 * (1: h, 2..6: dh/dw0, dh/dx0, dh/dw1, dh/dx1, dh/dw2). Resets the tape before
 * and after; parameters are untouched.
 */
export function selfTest(): i32 {
  tape.reset();
  let w0 = tape.pushNode(Op.Leaf, -1, -1, 2.0);
  let x0 = tape.pushNode(Op.Leaf, -1, -1, -1.0);
  let w1 = tape.pushNode(Op.Leaf, -1, -1, -3.0);
  let x1 = tape.pushNode(Op.Leaf, -1, -1, -2.0);
  let w2 = tape.pushNode(Op.Leaf, -1, -1, -3.0);
  let d = tape.pushBinary(Op.Add, tape.pushBinary(Op.Add, tape.pushBinary(Op.Mul, w0, x0), tape.pushBinary(Op.Mul, w1, x1)), w2);
  let f = tape.pushUnary(Op.Exp, tape.pushUnary(Op.Neg, d));
  let g = tape.pushBinary(Op.Add, tape.pushNode(Op.Const, -1, -1, 1.0), f);
  let h = tape.pushBinary(Op.Div, tape.pushNode(Op.Const, -1, -1, 1.0), g);
  tape.backwardFrom(h);

  // d = 1, h = σ(1), dh/dd = σ(1)(1 - σ(1))
  let s = 1.0 / (1.0 + Math.exp(-1.0));
  let dhdd = s * (1.0 - s);
  let result = 0;
  if (!near(tape.valueOf(h), s)) result = 1;
  else if (!near(tape.gradOf(w0), dhdd * -1.0)) result = 2;
  else if (!near(tape.gradOf(x0), dhdd * 2.0)) result = 3;
  else if (!near(tape.gradOf(w1), dhdd * -2.0)) result = 4;
  else if (!near(tape.gradOf(x1), dhdd * -3.0)) result = 5;
  else if (!near(tape.gradOf(w2), dhdd)) result = 6;
  tape.reset();
  return result;
}

function near(actual: f64, expected: f64): bool {
  return Math.abs(actual - expected) <= 1e-12 * Math.abs(expected);
}
