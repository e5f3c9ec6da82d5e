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
// allocator whose chunks all die at reset() in O(1). Slots (parameters, kept
// tensors, optimizer state) live in TLSF blocks of their own and survive
// reset(); a graph reads a slot through a Param node that aliases the slot's
// data and gradient, so backward adds into the slot directly.

export const MAX_RANK: i32 = 8;
export const NODE_BYTES: usize = 128;

export const enum DType { F32 = 0, F64 = 1, I32 = 2 }

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
// Chunks linked through their first word. When a generation needed more than
// one chunk, reset() replaces them with one chunk of the total size, so a
// training loop settles into one chunk reused forever (flat memory).

const CHUNK_HEADER: usize = 16;
let firstChunk: usize = 0;
let currentChunk: usize = 0;
let chunkEnd: usize = 0;
let bump: usize = 0;
let arenaTotal: usize = 0; // bytes of all chunks
let arenaUsed: usize = 0;  // bytes handed out since the last reset

function newChunk(bytes: usize): usize {
  let chunk = heap.alloc(bytes + CHUNK_HEADER);
  store<usize>(chunk, 0);           // next
  store<usize>(chunk, bytes, 4);    // capacity
  arenaTotal += bytes;
  return chunk;
}

function enterChunk(chunk: usize): void {
  currentChunk = chunk;
  bump = (chunk + CHUNK_HEADER + 15) & ~15;
  chunkEnd = chunk + CHUNK_HEADER + load<usize>(chunk, 4);
}

/** `bytes` of arena memory, 16-byte aligned, uninitialized; lives until reset(). */
export function arenaAlloc(bytes: usize): usize {
  bytes = (bytes + 15) & ~15;
  arenaUsed += bytes;
  if (firstChunk == 0) {
    firstChunk = newChunk(max<usize>(bytes + 16, 1 << 20));
    enterChunk(firstChunk);
  }
  if (bump + bytes > chunkEnd) {
    let next = load<usize>(currentChunk);
    if (next == 0 || load<usize>(next, 4) < bytes + 16) {
      let grownBytes = max<usize>(bytes + 16, arenaTotal);
      let chunk = newChunk(grownBytes);
      store<usize>(chunk, next); // keep any smaller successor after it
      store<usize>(currentChunk, chunk);
      next = chunk;
    }
    enterChunk(next);
  }
  let p = bump;
  bump += bytes;
  return p;
}

@inline export function arenaZeroed(bytes: usize): usize {
  let p = arenaAlloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

function arenaReset(): void {
  let used = arenaUsed;
  arenaUsed = 0;
  if (firstChunk == 0) return;
  if (load<usize>(firstChunk) != 0) {
    // One chunk big enough for what this generation used (plus alignment
    // slack), allocated before the old ones are freed so that a failed
    // allocation leaves the arena as it was.
    let old = firstChunk;
    let oldTotal = arenaTotal;
    let merged = newChunk(max<usize>(used + 64, 1 << 20));
    let c = old;
    while (c != 0) {
      let next = load<usize>(c);
      heap.free(c);
      c = next;
    }
    arenaTotal -= oldTotal;
    firstChunk = merged;
  }
  enterChunk(firstChunk);
}

export function arenaBytes(): usize { return arenaTotal; }

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

/** Elements of a tensor of `rank` dims whose sizes are the i32s at `shape`. */
@inline function sizeOfShape(rank: i32, shape: usize): i32 {
  let size: i32 = 1;
  for (let d = 0; d < rank; d++) size *= load<i32>(shape + (<usize>d << 2));
  return size;
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
 * case the node shares that memory. Attributes start at 0.
 */
export function pushNode(op: i32, dtype: i32, rank: i32, shape: usize, a: i32, b: i32, c: i32, alias: usize): i32 {
  let id = nodeCount;
  if (id == nodeCapacity) {
    let cap = max(nodeCapacity << 1, 256);
    nodes = nodes == 0 ? heap.alloc(<usize>cap * NODE_BYTES) : heap.realloc(nodes, <usize>cap * NODE_BYTES);
    nodeCapacity = cap;
  }
  let size = sizeOfShape(rank, shape);
  // Data first: if memory cannot grow, the trap leaves the tape as it was.
  let data = alias != 0 ? alias : arenaAlloc(<usize>size << elementShift(dtype));
  let r = rec(id);
  initRecord(r, op, dtype, rank, shape, size, data);
  store<i32>(r + F.A, a);
  store<i32>(r + F.B, b);
  store<i32>(r + F.C, c);
  nodeCount = id + 1;
  return id;
}

/** The gradient buffer of node id, allocated (zeroed) on first use. */
export function gradBuffer(id: i32): usize {
  let g = gradPtrOf(id);
  if (g == 0) {
    g = arenaZeroed(<usize>sizeOf(id) << elementShift(dtypeOf(id)));
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

/** A slot with the staged shape; data and gradient zeroed (gradient only if requiresGrad). */
export function createSlot(dtype: i32, rank: i32, shape: usize, needsGrad: bool): i32 {
  let s = slotCount;
  if (s == slotCapacity) {
    let cap = max(slotCapacity << 1, 64);
    slots = slots == 0 ? heap.alloc(<usize>cap * NODE_BYTES) : heap.realloc(slots, <usize>cap * NODE_BYTES);
    slotCapacity = cap;
  }
  let size = sizeOfShape(rank, shape);
  // Memory first, the record after: if memory cannot grow, the trap leaves no half-made slot.
  let bytes = max<usize>(<usize>size << elementShift(dtype), 16);
  let data = heap.alloc(bytes);
  let grad: usize = needsGrad ? heap.alloc(bytes) : 0;
  memory.fill(data, 0, bytes);
  if (grad != 0) memory.fill(grad, 0, bytes);
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
    heap.free(data);
    slotBytes -= bytes;
    let g = <usize>load<i32>(r + F.Grad);
    if (g != 0) {
      heap.free(g);
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
