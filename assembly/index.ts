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
import { elementwiseArity, nodeArity, COMPARE_KIND_COUNT, REDUCE_KIND_COUNT, ERROR_CODE_COUNT } from "./generated/ops";
import { ErrorCode, fail } from "./errors";
import * as errors from "./errors";
import * as tape from "./tape";
import * as params from "./params";
import * as programs from "./program";
import * as format from "./format";
import * as mem from "./memory";
import { arenaBlockBytes } from "./tensor/tape";

const ABI_VERSION: i32 = 1;

/** The eager tape: what pushLeaf/pushUnary/... append to and reset() frees. */
const eager = changetype<tape.Tape>(tape.newTape(1024)); // the first allocation: it cannot fail
let generationCount: i32 = 0;


@inline function isNode(id: i32): bool { return <u32>id < <u32>eager.count; }
@inline function isParam(slot: i32): bool { return <u32>slot < <u32>params.paramCount; }

/** The reason for the last -1/NaN returned by a checked export (an ErrorCode); reading it clears it. */
export function lastError(): i32 {
  let code = errors.errorCode;
  errors.errorCode = ErrorCode.None;
  return code;
}

export function abiVersion(): i32 { return ABI_VERSION; }
export function opCount(): i32 { return OP_COUNT; }
/** Inputs of `op` (0, 1 or 2), or -1 for an unknown op id. */
export function opArity(op: i32): i32 { return arity(op); }

// The registry as the module was built with it (registry/ops.mjs): a host can
// check its constants against these, and test/registry.test.ts does.

/** Element inputs of `op` on tensors: 1 (a Unary node takes it), 2 (Binary), or -1 (neither). */
export function tensorOpArity(op: i32): i32 { return elementwiseArity(op); }
/** Tensor inputs of a node of kind `kind` (what tensorOp() returns), or -1 for an unknown kind. */
export function tensorKindArity(kind: i32): i32 { return nodeArity(kind); }
/** Number of compare kinds (they are 0 … count-1). */
export function compareKindCount(): i32 { return COMPARE_KIND_COUNT; }
/** Number of reduce kinds (they are 0 … count-1). */
export function reduceKindCount(): i32 { return REDUCE_KIND_COUNT; }
/** Number of lastError() codes (they are 0 … count-1; 0 is no error). */
export function errorCodeCount(): i32 { return ERROR_CODE_COUNT; }

// ── building the graph ──

/** Pushes a Leaf (an input whose gradient accumulates). */
export function pushLeaf(value: f64): i32 { return tape.pushNode(eager, Op.Leaf, -1, -1, value); }

/** Pushes a Const (a number with no gradient). */
export function pushConst(value: f64): i32 { return tape.pushNode(eager, Op.Const, -1, -1, value); }

export function pushUnary(op: i32, a: i32): i32 {
  if (arity(op) != 1) return fail(ErrorCode.BadOp);
  if (!isNode(a)) return fail(ErrorCode.BadNode);
  return tape.pushUnary(eager, op, a);
}

export function pushBinary(op: i32, a: i32, b: i32): i32 {
  if (arity(op) != 2) return fail(ErrorCode.BadOp);
  if (!isNode(a) || !isNode(b)) return fail(ErrorCode.BadNode);
  if (op == Op.PowConst && tape.opOf(eager, b) != Op.Const) return fail(ErrorCode.BadOp); // the exponent gets no gradient
  return tape.pushBinary(eager, op, a, b);
}

/**
 * Pushes Const(c) and then `op` applied to node `a` and the constant, in one
 * call: (a op c), or (c op a) when constFirst is nonzero. Returns the op node.
 */
export function pushBinaryConst(op: i32, a: i32, c: f64, constFirst: i32): i32 {
  if (arity(op) != 2 || (op == Op.PowConst && constFirst)) return fail(ErrorCode.BadOp);
  if (!isNode(a)) return fail(ErrorCode.BadNode);
  if (!tape.reserve(eager, eager.count + 2)) return fail(ErrorCode.OutOfMemory); // both nodes or neither
  let k = tape.pushNode(eager, Op.Const, -1, -1, c);
  return constFirst ? tape.pushBinary(eager, op, k, a) : tape.pushBinary(eager, op, a, k);
}

/** Pushes a Param node that reads parameter `slot` as it is now. */
export function pushParam(slot: i32): i32 {
  if (!isParam(slot)) return fail(ErrorCode.BadParam);
  return tape.pushParam(eager, slot);
}

// ── reading nodes ──

export function nodeCount(): i32 { return eager.count; }
export function nodeCapacity(): i32 { return eager.capacity; }
/** Incremented by every reset(); a host can stamp its handles with it. */
export function generation(): i32 { return generationCount; }

export function nodeValue(id: i32): f64 {
  if (!isNode(id)) { fail(ErrorCode.BadNode); return NaN; }
  return tape.valueOf(eager, id);
}

export function nodeGrad(id: i32): f64 {
  if (!isNode(id)) { fail(ErrorCode.BadNode); return NaN; }
  return tape.gradOf(eager, id);
}

export function nodeOp(id: i32): i32 {
  if (!isNode(id)) return fail(ErrorCode.BadNode);
  return tape.opOf(eager, id);
}

/** Input k (0 or 1) of node `id`: a node id, a parameter slot for Param nodes, or -1 where the op has no such input. */
export function nodeInput(id: i32, k: i32): i32 {
  if (!isNode(id)) return fail(ErrorCode.BadNode);
  return k == 0 ? tape.inputA(eager, id) : k == 1 ? tape.inputB(eager, id) : -1;
}

// ── gradients ──

/** Reverse sweep from `root`; see tape.backwardFrom for what it leaves in each gradient. Returns 0, or -1. */
export function backward(root: i32): i32 {
  if (!isNode(root)) return fail(ErrorCode.BadNode);
  tape.backwardFrom(eager, root);
  return 0;
}

export function zeroGrad(): void {
  tape.zeroGrads(eager);
  params.zeroParamGrads();
}

/** Frees every node in O(1). Parameters, their values and their gradients are kept. */
export function reset(): void {
  eager.count = 0;
  generationCount++;
}

// ── parameters ──

/** Creates a parameter slot holding `value` with gradient 0; returns the slot, or -1 (OutOfMemory). */
export function paramCreate(value: f64): i32 { return params.createParam(value); }
export function paramCount(): i32 { return params.paramCount; }

export function paramValue(slot: i32): f64 {
  if (!isParam(slot)) { fail(ErrorCode.BadParam); return NaN; }
  return params.paramValueOf(slot);
}

export function paramGrad(slot: i32): f64 {
  if (!isParam(slot)) { fail(ErrorCode.BadParam); return NaN; }
  return params.paramGradOf(slot);
}

/** Sets a parameter's value. Param nodes already on the tape keep the value they read. */
export function paramSetValue(slot: i32, value: f64): i32 {
  if (!isParam(slot)) return fail(ErrorCode.BadParam);
  params.setParamValue(slot, value);
  return 0;
}

export function paramSetGrad(slot: i32, grad: f64): i32 {
  if (!isParam(slot)) return fail(ErrorCode.BadParam);
  params.setParamGrad(slot, grad);
  return 0;
}

/**
 * Frees the eager tape's nodes from `count` on (count ≤ nodeCount), keeping
 * the ones before. Ids at or past `count` name new nodes afterwards. Returns 0, or -1.
 */
export function truncate(count: i32): i32 {
  if (<u32>count > <u32>eager.count) return fail(ErrorCode.BadNode);
  eager.count = count;
  return 0;
}

// ── compiled programs (program.ts) ──

/**
 * Compiles eager nodes [start, end) into a program: the first inputCount of
 * them (all Leafs) become its inputs, root is where its backward starts.
 * The range must be self-contained (no input from before start). The eager
 * nodes are left in place (truncate(start) frees them). Returns the program id.
 */
export function programCreate(start: i32, end: i32, inputCount: i32, root: i32): i32 {
  let code = programs.checkSegment(eager, start, end, inputCount, root);
  if (code != ErrorCode.None) return fail(code);
  return programs.createProgram(eager, start, end, inputCount, root);
}

function programOf(id: i32): programs.Program | null {
  let p = programs.programAt(id);
  if (p === null) fail(ErrorCode.BadProgram);
  return p;
}

export function programFree(id: i32): i32 {
  if (programOf(id) === null) return -1;
  programs.freeProgram(id);
  return 0;
}

/** Forward over every node; inputs are whatever the input nodes hold. Returns 0, or -1. */
export function programForward(id: i32): i32 {
  let p = programOf(id);
  if (p === null) return -1;
  programs.replay(p);
  return 0;
}

/** Forward, then backward from the root: input nodes get this run's gradients, parameter slots accumulate. */
export function programRun(id: i32): i32 {
  let p = programOf(id);
  if (p === null) return -1;
  programs.run(p);
  return 0;
}

/** Clears the program's parameters' gradients, runs, and updates each parameter by -lr · gradient. */
export function programStep(id: i32, lr: f64): i32 {
  let p = programOf(id);
  if (p === null) return -1;
  programs.step(p, lr);
  return 0;
}

export function programNodeCount(id: i32): i32 {
  let p = programOf(id);
  return p === null ? -1 : p.tape.count;
}

export function programInputCount(id: i32): i32 {
  let p = programOf(id);
  return p === null ? -1 : p.inputCount;
}

export function programRoot(id: i32): i32 {
  let p = programOf(id);
  return p === null ? -1 : p.root;
}

/** Sets input k (0 ≤ k < programInputCount) for the next run. Returns 0, or -1. */
export function programSetInput(id: i32, k: i32, value: f64): i32 {
  let p = programOf(id);
  if (p === null) return -1;
  if (<u32>k >= <u32>p.inputCount) return fail(ErrorCode.BadNode);
  tape.setValue(p.tape, k, value);
  return 0;
}

export function programValue(id: i32, node: i32): f64 {
  let p = programOf(id);
  if (p === null) return NaN;
  if (<u32>node >= <u32>p.tape.count) { fail(ErrorCode.BadNode); return NaN; }
  return tape.valueOf(p.tape, node);
}

export function programGrad(id: i32, node: i32): f64 {
  let p = programOf(id);
  if (p === null) return NaN;
  if (<u32>node >= <u32>p.tape.count) { fail(ErrorCode.BadNode); return NaN; }
  return tape.gradOf(p.tape, node);
}

/** Number of distinct parameter slots the program reads. */
export function programSlotCount(id: i32): i32 {
  let p = programOf(id);
  return p === null ? -1 : p.slotCount;
}

/** The k-th parameter slot the program reads, ascending. */
export function programSlot(id: i32, k: i32): i32 {
  let p = programOf(id);
  if (p === null) return -1;
  if (<u32>k >= <u32>p.slotCount) return fail(ErrorCode.BadParam);
  return load<i32>(p.slots + (<usize>k << 2));
}

/**
 * Loads a serialized program (docs/program-format.md) from [ptr, ptr + len),
 * e.g. bytes the host copied into a block from alloc(). Validates every field
 * first; on success creates the program's parameters as new slots (in file
 * order: programSlot(id, k) is file parameter k) and returns the program id.
 */
export function programLoad(ptr: usize, len: usize): i32 {
  if (ptr + len < ptr || ptr + len > (<usize>memory.size() << 16)) return fail(ErrorCode.BadFormat);
  // Validate and read a private copy: the host's range need not be a block
  // from alloc(), and the allocations of loading must not be able to overwrite
  // bytes that were already checked.
  let copy = mem.malloc(max<usize>(len, 1));
  if (copy == 0) return fail(ErrorCode.OutOfMemory);
  memory.copy(copy, ptr, len);
  let id = format.loadProgram(copy, len);
  mem.free(copy);
  return id == -1 ? fail(ErrorCode.BadFormat) : id < 0 ? fail(ErrorCode.OutOfMemory) : id;
}

// Blocks handed to the host. free() accepts only these, so a wrong pointer is
// an error code rather than a corrupted allocator.
let hostBlocks: usize = 0; // usize[hostBlockCapacity]
let hostBlockCount: i32 = 0;
let hostBlockCapacity: i32 = 0;

/** A block of `bytes` bytes of linear memory for the host's use (e.g. a program to load); 0 (ErrorCode.OutOfMemory) if memory cannot grow that far. */
export function alloc(bytes: usize): usize {
  if (hostBlockCount == hostBlockCapacity) {
    let cap = max(hostBlockCapacity << 1, 8);
    let grown = mem.realloc(hostBlocks, <usize>cap << alignof<usize>());
    if (grown == 0) { fail(ErrorCode.OutOfMemory); return 0; }
    hostBlocks = grown;
    hostBlockCapacity = cap;
  }
  let ptr = mem.malloc(max<usize>(bytes, 1));
  if (ptr == 0) { fail(ErrorCode.OutOfMemory); return 0; }
  store<usize>(hostBlocks + (<usize>hostBlockCount << alignof<usize>()), ptr);
  hostBlockCount++;
  return ptr;
}

/** Frees a block from alloc(). Returns 0, or -1 (ErrorCode.BadNode) if ptr is not a live block from alloc(). */
export function free(ptr: usize): i32 {
  for (let k = 0; k < hostBlockCount; k++) {
    let at = hostBlocks + (<usize>k << alignof<usize>());
    if (load<usize>(at) != ptr) continue;
    mem.free(ptr);
    hostBlockCount--;
    store<usize>(at, load<usize>(hostBlocks + (<usize>hostBlockCount << alignof<usize>())));
    return 0;
  }
  return fail(ErrorCode.BadNode);
}

/**
 * Bytes in the heap's live blocks outside the tensor arena: what persists
 * across resets (the scalar tape, parameters, slots, programs, host blocks,
 * tables, kernel scratch). The arena's chunks are tensorBytes() less the slots.
 */
export function heapBytes(): f64 { return <f64>(mem.heapUsedBytes() - arenaBlockBytes()); }

// Arrays of a program's tape, laid out as the eager tape's; fixed for the program's life.
export function programValuesPointer(id: i32): usize { let p = programOf(id); return p === null ? 0 : p.tape.values; }
export function programGradsPointer(id: i32): usize { let p = programOf(id); return p === null ? 0 : p.tape.grads; }
export function programOpsPointer(id: i32): usize { let p = programOf(id); return p === null ? 0 : p.tape.ops; }
export function programInputsAPointer(id: i32): usize { let p = programOf(id); return p === null ? 0 : p.tape.inputsA; }
export function programInputsBPointer(id: i32): usize { let p = programOf(id); return p === null ? 0 : p.tape.inputsB; }

// ── memory, for hosts that read the arrays directly ──
// Valid until the next export that pushes a node or creates a parameter.

export function valuesPointer(): usize { return eager.values; }
export function gradsPointer(): usize { return eager.grads; }
export function opsPointer(): usize { return eager.ops; }
export function inputsAPointer(): usize { return eager.inputsA; }
export function inputsBPointer(): usize { return eager.inputsB; }
export function paramValuesPointer(): usize { return params.paramValueArr; }
export function paramGradsPointer(): usize { return params.paramGradArr; }

// ── which build this is ──

/**
 * The Wasm features this build was compiled with: bit 0 SIMD (v128 kernels),
 * bit 1 relaxed SIMD (matmul's inner loop uses relaxed_madd, so its products
 * may differ in the last bits between hosts). 0 for the baseline build.
 */
export function wasmFeatures(): i32 {
  return (ASC_FEATURE_SIMD ? 1 : 0) | (ASC_FEATURE_RELAXED_SIMD ? 2 : 0);
}

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
  reset();
  let t = eager;
  let w0 = tape.pushNode(t, Op.Leaf, -1, -1, 2.0);
  let x0 = tape.pushNode(t, Op.Leaf, -1, -1, -1.0);
  let w1 = tape.pushNode(t, Op.Leaf, -1, -1, -3.0);
  let x1 = tape.pushNode(t, Op.Leaf, -1, -1, -2.0);
  let w2 = tape.pushNode(t, Op.Leaf, -1, -1, -3.0);
  let d = tape.pushBinary(t, Op.Add, tape.pushBinary(t, Op.Add, tape.pushBinary(t, Op.Mul, w0, x0), tape.pushBinary(t, Op.Mul, w1, x1)), w2);
  let f = tape.pushUnary(t, Op.Exp, tape.pushUnary(t, Op.Neg, d));
  let g = tape.pushBinary(t, Op.Add, tape.pushNode(t, Op.Const, -1, -1, 1.0), f);
  let h = tape.pushBinary(t, Op.Div, tape.pushNode(t, Op.Const, -1, -1, 1.0), g);
  tape.backwardFrom(t, h);

  // d = 1, h = σ(1), dh/dd = σ(1)(1 - σ(1))
  let s = 1.0 / (1.0 + Math.exp(-1.0));
  let dhdd = s * (1.0 - s);
  let result = 0;
  if (!near(tape.valueOf(t, h), s)) result = 1;
  else if (!near(tape.gradOf(t, w0), dhdd * -1.0)) result = 2;
  else if (!near(tape.gradOf(t, x0), dhdd * 2.0)) result = 3;
  else if (!near(tape.gradOf(t, w1), dhdd * -2.0)) result = 4;
  else if (!near(tape.gradOf(t, x1), dhdd * -3.0)) result = 5;
  else if (!near(tape.gradOf(t, w2), dhdd)) result = 6;
  reset();
  return result;
}

function near(actual: f64, expected: f64): bool {
  return Math.abs(actual - expected) <= 1e-12 * Math.abs(expected);
}
export * from "./tensor/abi";
