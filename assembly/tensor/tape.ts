// The tensor tape: tensor nodes in push order, plus slots (persistent
// tensors), plus the arena that holds every node's data and gradient.
//
// A node is one 128-byte record (layout below) in a table that grows by
// doubling and is reused after reset(). Shapes are stored inline (rank ≤ 8),
// so a node needs no allocation of its own besides its data. Inputs always
// come before their node, so push order is a topological order and backward
// is one reverse sweep, as on the scalar tape (../tape.ts).
//
// Memory model: a node's data and gradient come from the arena, a bump
// allocator whose chunks all go back to the heap at reset(). Slots (parameters,
// kept tensors, optimizer state) live in heap blocks of their own and survive
// reset(); a graph reads a slot through a Param node that aliases the slot's
// data and gradient, so backward adds into the slot directly.

import { ErrorCode, fail } from "../errors";
import * as mem from "../memory";
import { DType } from "../generated/ops";
export { DType } from "../generated/ops";

export const MAX_RANK: i32 = 8;
export const NODE_BYTES: usize = 128;

@inline export function elementShift(dtype: i32): usize { return dtype == DType.F64 ? 3 : 2; }

// Record layout, in bytes.
export const enum F {
  Op = 0, DType = 4, Rank = 8, Size = 12,
  A = 16, B = 20, C = 24, Flags = 28,
  Data = 32, Grad = 36,
  Shape = 40,   // i32[8]
  IAttr = 72,   // i32[8]: per-op integer attributes (axes, strides, …)
  FAttr = 112,  // f64[2]: per-op number attributes
}

export const enum Flag {
  RequiresGrad = 1,
  Reached = 2,   // scratch of backward
  Accumulates = 4, // Leaf and Param nodes: backward adds to their gradient instead of overwriting
}

// ── the arena ──
// A generation's nodes take their data and gradients from chunks of the
// heap (../memory.ts), bump-allocated. reset() gives every chunk back to the
// heap, where they merge with their free neighbours, and the next
// generation's first chunk is as large as the last generation used: a
// training loop takes the same block every step (flat memory), and memory a
// large step left behind is reused by later steps of any size instead of
// sitting in a chunk only one size of step can use. reset() allocates
// nothing, so it cannot fail.
//
// A chunk starts with a 16-byte header: the next chunk, then its capacity.


const CHUNK_HEADER: usize = 16;
const MIN_CHUNK: usize = 1 << 20;
let firstChunk: usize = 0;
let currentChunk: usize = 0;
let chunkEnd: usize = 0;
let bump: usize = 0;
let arenaTotal: usize = 0; // bytes of all chunks
let arenaBlocks: usize = 0; // bytes of the heap blocks that hold them (arenaTotal plus headers)
let arenaUsed: usize = 0;  // bytes handed out since the last reset
let arenaPeak: usize = 0;  // the most any generation has had handed out
let lastUsed: usize = 0;   // what the last generation had handed out

function enterChunk(chunk: usize): void {
  currentChunk = chunk;
  bump = chunk + CHUNK_HEADER;
  chunkEnd = chunk + load<usize>(chunk, 4);
}

/**
 * Makes room for `bytes` more, preferring what needs no new memory: the next
 * chunk (after a rollback), the current chunk grown into the free block
 * above it, the largest free block of the heap as a new chunk; and only then
 * new memory: the current chunk grown in place at the top of memory, or a
 * new chunk as large as the last generation used (the first chunk) or a
 * quarter of the arena so far. Growing in place keeps a large tensor from
 * leaving the tail of a chunk unused. False if the heap has no room.
 */
function arenaGrow(bytes: usize): bool {
  let least = bytes + CHUNK_HEADER;
  if (currentChunk != 0) {
    let next = load<usize>(currentChunk);
    if (next != 0 && load<usize>(next, 4) >= least) {
      enterChunk(next);
      return true;
    }
    if (next == 0 && (growChunk(bytes, false) || (mem.largestFreeBytes() < least && growChunk(bytes, true)))) return true;
  }
  let chunk = mem.mallocLargest(least);
  if (chunk == 0) {
    let want = currentChunk == 0 ? lastUsed + CHUNK_HEADER : arenaTotal >> 2;
    chunk = mem.malloc(max<usize>(max<usize>(want, MIN_CHUNK), least));
    if (chunk == 0) chunk = mem.malloc(least);
    if (chunk == 0) return false;
  }
  let capacity = mem.capacityOf(chunk);
  store<usize>(chunk, currentChunk != 0 ? load<usize>(currentChunk) : 0); // next: any chunk after the current one
  store<usize>(chunk, capacity, 4);
  if (currentChunk != 0) store<usize>(currentChunk, chunk);
  else firstChunk = chunk;
  arenaTotal += capacity;
  arenaBlocks += mem.blockBytesOf(chunk);
  enterChunk(chunk);
  return true;
}

/** Grows the current (last) chunk in place so that `bytes` more fit after the bump pointer. */
function growChunk(bytes: usize, growMemory: bool): bool {
  let capacity = load<usize>(currentChunk, 4);
  let inUse = bump - currentChunk;
  if (bytes > mem.MAX_REQUEST - inUse) return false; // (the sum would wrap past 4 GiB)
  if (!mem.resizeInPlace(currentChunk, inUse + bytes, growMemory)) return false;
  let grown = mem.capacityOf(currentChunk);
  store<usize>(currentChunk, grown, 4);
  arenaTotal += grown - capacity;
  arenaBlocks += grown - capacity;
  chunkEnd = currentChunk + grown;
  return true;
}

/** `bytes` of arena memory, 16-byte aligned, uninitialized, living until reset(); 0 if the heap has no room. */
export function arenaAlloc(bytes: usize): usize {
  if (bytes > mem.MAX_REQUEST) return 0;
  bytes = (bytes + 15) & ~15;
  if (currentChunk == 0 || bytes > chunkEnd - bump) {
    if (!arenaGrow(bytes)) return 0;
  }
  let p = bump;
  bump += bytes;
  arenaUsed += bytes;
  if (arenaUsed > arenaPeak) arenaPeak = arenaUsed;
  return p;
}

/** arenaAlloc, zero-filled. */
export function arenaZeroed(bytes: usize): usize {
  let p = arenaAlloc(bytes);
  if (p != 0) memory.fill(p, 0, bytes);
  return p;
}

// A mark of the arena (and the node count): rollback() undoes every node and
// arena allocation made since, for an op that fails half-way. One mark at a
// time; ops do not nest.
let markChunk: usize = 0;
let markBump: usize = 0;
let markUsed: usize = 0;
let markNodes: i32 = 0;

export function mark(): void {
  markChunk = currentChunk;
  markBump = bump;
  markUsed = arenaUsed;
  markNodes = nodeCount;
}

/** Undoes the nodes and arena allocations since mark(); chunks made since stay linked for reuse. */
export function rollback(): void {
  nodeCount = markNodes;
  arenaUsed = markUsed;
  if (markChunk == 0) {
    if (firstChunk != 0) enterChunk(firstChunk);
  } else {
    enterChunk(markChunk);
    bump = markBump;
  }
}

/** Bytes still free in the current chunk. */
export function arenaRoom(): usize { return currentChunk == 0 ? 0 : chunkEnd - bump; }

/** Makes sure the next `bytes` of arena allocations (16-byte rounded each) cannot fail; false if the heap has no room. */
export function arenaReserve(bytes: usize): bool {
  if (bytes > mem.MAX_REQUEST) return false;
  if (bytes == 0 || (currentChunk != 0 && bytes <= chunkEnd - bump)) return true;
  return arenaGrow(bytes);
}

function arenaReset(): void {
  lastUsed = arenaUsed;
  arenaUsed = 0;
  let c = firstChunk;
  while (c != 0) {
    let next = load<usize>(c);
    mem.free(c);
    c = next;
  }
  firstChunk = currentChunk = 0;
  bump = chunkEnd = 0;
  arenaTotal = 0;
  arenaBlocks = 0;
}

export function arenaBytes(): usize { return arenaTotal; }
/** Heap bytes the arena's chunks take, headers included. */
export function arenaBlockBytes(): usize { return arenaBlocks; }
export function arenaUsedBytes(): usize { return arenaUsed; }
export function arenaPeakBytes(): usize { return arenaPeak; }

// ── nodes ──

export let nodeCount: i32 = 0;
let nodeCapacity: i32 = 0;
let nodes: usize = 0;

@inline export function rec(id: i32): usize { return nodes + (<usize>id) * NODE_BYTES; }
@inline export function geti(id: i32, field: i32): i32 { return load<i32>(rec(id) + <usize>field); }
@inline export function seti(id: i32, field: i32, v: i32): void { store<i32>(rec(id) + <usize>field, v); }
@inline export function dimOf(id: i32, d: i32): i32 { return load<i32>(rec(id) + F.Shape + (<usize>d << 2)); }
@inline export function iattr(id: i32, k: i32): i32 { return load<i32>(rec(id) + F.IAttr + (<usize>k << 2)); }
@inline export function setIattr(id: i32, k: i32, v: i32): void { store<i32>(rec(id) + F.IAttr + (<usize>k << 2), v); }
@inline export function fattr(id: i32, k: i32): f64 { return load<f64>(rec(id) + F.FAttr + (<usize>k << 3)); }
@inline export function setFattr(id: i32, k: i32, v: f64): void { store<f64>(rec(id) + F.FAttr + (<usize>k << 3), v); }
@inline export function dataOf(id: i32): usize { return <usize>geti(id, F.Data); }
@inline export function gradPtrOf(id: i32): usize { return <usize>geti(id, F.Grad); }
@inline export function sizeOf(id: i32): i32 { return geti(id, F.Size); }
@inline export function rankOf(id: i32): i32 { return geti(id, F.Rank); }
@inline export function dtypeOf(id: i32): i32 { return geti(id, F.DType); }
@inline export function requiresGrad(id: i32): bool { return (geti(id, F.Flags) & Flag.RequiresGrad) != 0; }

/** The most elements a tensor may have: 2^28, so a byte offset into the largest (f64) fits in 31 bits. */
export const MAX_ELEMENTS: i64 = 1 << 28;

/**
 * Elements of a tensor of `rank` dims whose sizes are the i32s at `shape`, or
 * -1 if the rank is more than MAX_RANK, a dim is negative or the total is more
 * than MAX_ELEMENTS. Every node and slot is checked by it before it is made.
 */
export function shapeSize(rank: i32, shape: usize): i32 {
  if (<u32>rank > <u32>MAX_RANK) return -1;
  let size: i64 = 1;
  for (let d = 0; d < rank; d++) {
    let n = load<i32>(shape + (<usize>d << 2));
    if (n < 0) return -1;
    size *= n;
    if (size > MAX_ELEMENTS) return -1;
  }
  return <i32>size;
}

/** Clears record r and writes the fields nodes and slots share: op, dtype, shape, size, data. */
function initRecord(r: usize, op: i32, dtype: i32, rank: i32, shape: usize, size: i32, data: usize): void {
  memory.fill(r, 0, NODE_BYTES);
  for (let d = 0; d < rank; d++) store<i32>(r + F.Shape + (<usize>d << 2), load<i32>(shape + (<usize>d << 2)));
  store<i32>(r + F.Op, op);
  store<i32>(r + F.DType, dtype);
  store<i32>(r + F.Rank, rank);
  store<i32>(r + F.Size, size);
  store<i32>(r + F.Data, <i32>data);
}

/**
 * Appends a node with the shape staged at `shape` (rank i32s) and returns its
 * id; data is allocated (uninitialized) unless `alias` is nonzero, in which
 * case the node shares that memory. Attributes start at 0. Returns -1 with
 * ErrorCode.OutOfMemory, the tape as it was, if memory cannot grow.
 */
export function pushNode(op: i32, dtype: i32, rank: i32, shape: usize, a: i32, b: i32, c: i32, alias: usize): i32 {
  // Every op's output passes here before any work is done: one size check for all.
  let size = shapeSize(rank, shape);
  if (size < 0) return fail(ErrorCode.BadShape);
  let id = nodeCount;
  if (id == nodeCapacity) {
    let cap = max(nodeCapacity << 1, 256);
    let grown = mem.realloc(nodes, <usize>cap * NODE_BYTES);
    if (grown == 0) return fail(ErrorCode.OutOfMemory);
    nodes = grown;
    nodeCapacity = cap;
  }
  let data = alias;
  if (alias == 0) {
    data = arenaAlloc(<usize>size << elementShift(dtype));
    if (data == 0) return fail(ErrorCode.OutOfMemory);
  }
  let r = rec(id);
  initRecord(r, op, dtype, rank, shape, size, data);
  store<i32>(r + F.A, a);
  store<i32>(r + F.B, b);
  store<i32>(r + F.C, c);
  nodeCount = id + 1;
  return id;
}

/** Bytes of node id's gradient buffer. */
@inline export function gradBytes(id: i32): usize { return <usize>sizeOf(id) << elementShift(dtypeOf(id)); }

/**
 * The gradient buffer of node id, allocated (zeroed) on first use. backward()
 * reserves arena room for every buffer it will need before it changes
 * anything, so inside the sweep this cannot fail.
 */
export function gradBuffer(id: i32): usize {
  let g = gradPtrOf(id);
  if (g == 0) {
    g = arenaZeroed(gradBytes(id));
    seti(id, F.Grad, <i32>g);
  }
  return g;
}

export function resetNodes(): void {
  nodeCount = 0;
  releaseFreedSlots();
  arenaReset();
}

// ── slots ──
// Same record layout (op = -1 when freed); data and grad are TLSF blocks.

export let slotCount: i32 = 0;
let slotCapacity: i32 = 0;
let slots: usize = 0;
export let slotBytes: usize = 0;

@inline export function slotRec(s: i32): usize { return slots + (<usize>s) * NODE_BYTES; }
@inline export function slotLive(s: i32): bool { return <u32>s < <u32>slotCount && load<i32>(slotRec(s) + F.Op) >= 0; }
@inline export function slotData(s: i32): usize { return <usize>load<i32>(slotRec(s) + F.Data); }
@inline export function slotGrad(s: i32): usize { return <usize>load<i32>(slotRec(s) + F.Grad); }
@inline export function slotSize(s: i32): i32 { return load<i32>(slotRec(s) + F.Size); }
@inline export function slotDtype(s: i32): i32 { return load<i32>(slotRec(s) + F.DType); }

/**
 * A slot with the staged shape; data and gradient zeroed (gradient only if
 * requiresGrad). -1 with ErrorCode.OutOfMemory, and nothing made, if memory
 * cannot grow.
 */
export function createSlot(dtype: i32, rank: i32, shape: usize, needsGrad: bool): i32 {
  let s = slotCount;
  if (s == slotCapacity) {
    let cap = max(slotCapacity << 1, 64);
    let grown = mem.realloc(slots, <usize>cap * NODE_BYTES);
    if (grown == 0) return fail(ErrorCode.OutOfMemory);
    slots = grown;
    slotCapacity = cap;
  }
  let size = shapeSize(rank, shape);
  if (size < 0) return fail(ErrorCode.BadShape);
  let bytes = max<usize>(<usize>size << elementShift(dtype), 16);
  let data = mem.malloc(bytes);
  if (data == 0) return fail(ErrorCode.OutOfMemory);
  let grad: usize = 0;
  if (needsGrad) {
    grad = mem.malloc(bytes);
    if (grad == 0) {
      mem.free(data);
      return fail(ErrorCode.OutOfMemory);
    }
    memory.fill(grad, 0, bytes);
  }
  memory.fill(data, 0, bytes);
  slotBytes += grad != 0 ? bytes << 1 : bytes;
  let r = slotRec(s);
  initRecord(r, 0, dtype, rank, shape, size, data); // op 0 = live; freeSlot sets -1
  store<i32>(r + F.Flags, needsGrad ? Flag.RequiresGrad : 0);
  store<i32>(r + F.Grad, <i32>grad);
  slotCount = s + 1;
  return s;
}

/**
 * Marks slot s freed: no new Param node may read it. Its memory goes back to
 * the allocator at the next reset, because Param nodes already on the tape
 * alias it: a graph built before the free must not read or write a block
 * that another slot has been given since.
 */
export function freeSlot(s: i32): void {
  store<i32>(slotRec(s) + F.Op, -1);
  pendingFrees++;
}

let pendingFrees: i32 = 0;

function releaseFreedSlots(): void {
  if (pendingFrees == 0) return;
  pendingFrees = 0;
  for (let s = 0; s < slotCount; s++) {
    let r = slotRec(s);
    let data = <usize>load<i32>(r + F.Data);
    if (load<i32>(r + F.Op) >= 0 || data == 0) continue;
    let bytes = max<usize>(<usize>load<i32>(r + F.Size) << elementShift(load<i32>(r + F.DType)), 16);
    mem.free(data);
    slotBytes -= bytes;
    let g = <usize>load<i32>(r + F.Grad);
    if (g != 0) {
      mem.free(g);
      slotBytes -= bytes;
    }
    store<i32>(r + F.Data, 0);
    store<i32>(r + F.Grad, 0);
  }
}

/** Slots created and not freed. */
export function liveSlotCount(): i32 {
  let n = 0;
  for (let s = 0; s < slotCount; s++) if (load<i32>(slotRec(s) + F.Op) >= 0) n++;
  return n;
}

/** Pushes a Param node aliasing slot s's data and gradient. */
export function pushSlotNode(op: i32, s: i32): i32 {
  let r = slotRec(s);
  let id = pushNode(op, load<i32>(r + F.DType), load<i32>(r + F.Rank), r + F.Shape, s, -1, -1, slotData(s));
  let flags = Flag.Accumulates;
  if (load<i32>(slotRec(s) + F.Flags) & Flag.RequiresGrad) flags |= Flag.RequiresGrad;
  seti(id, F.Flags, flags);
  seti(id, F.Grad, load<i32>(slotRec(s) + F.Grad));
  return id;
}
