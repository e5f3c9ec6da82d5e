// Linear memory above the static data: one heap of blocks, managed here.
//
// The runtime's allocator (TLSF) does not fit a library whose every export
// must fail cleanly: it traps when memory cannot grow, leaving whatever the
// export had half-done; it refuses blocks of 1 GiB or more; and it grows
// memory by at least what is already there, so a step that needs N bytes can
// leave 2N behind for good (Wasm memory never shrinks). This heap returns 0
// when memory cannot grow, takes blocks up to the whole 4 GiB address space,
// grows memory by what a request lacks (plus at most 1/8 of what is there,
// never more than 16 MiB, so many small requests do not grow it each time)
// and extends the block at the top of memory in place.
//
// A block is a 16-byte header and a payload that starts 16-byte aligned:
//   +0  u32 size      bytes of the whole block, a multiple of 16; bit 0 = in use
//   +4  u32 prevSize  bytes of the block just below it (0 for the lowest)
//   +8  u32 nextFree  } links of a free block in its size class; unused
//   +12 u32 prevFree  } while the block is in use
// Free neighbours are merged on free(), so no two free blocks touch. Free
// blocks sit in 32 lists by the position of their size's top bit; a request
// takes the smallest fitting block of its own list, else the smallest of the
// first non-empty larger list (within a factor of 2 of the best fit).
//
// The heap is capped at 65535 pages so that every address and the heap's end
// fit in a u32: one page short of 4 GiB.

const HEADER: usize = 16;
const MIN_BLOCK: usize = 32;
/** A free remainder smaller than this stays inside the block it was split from. */
const MIN_SPLIT: usize = 64;
const USED: u32 = 1;
export const MAX_PAGES: i32 = 65535;
/** The largest request that can be met: the whole heap less one header. */
export const MAX_REQUEST: usize = ((<usize>MAX_PAGES) << 16) - 1024;
const GROW_SLACK_MAX_PAGES: i32 = 256; // 16 MiB

const bins = memory.data(32 * 4);

let heapStart: usize = 0;
let heapEnd: usize = 0;
let topBlock: usize = 0; // the block that ends at heapEnd (0 before the first)
let usedBytes: usize = 0;

@inline function sizeOf(b: usize): usize { return <usize>(load<u32>(b) & ~USED); }
@inline function isFree(b: usize): bool { return (load<u32>(b) & USED) == 0; }
@inline function prevSizeOf(b: usize): usize { return <usize>load<u32>(b, 4); }
@inline function setPrevSize(b: usize, s: usize): void { store<u32>(b, <u32>s, 4); }
@inline function nextFree(b: usize): usize { return <usize>load<u32>(b, 8); }
@inline function prevFree(b: usize): usize { return <usize>load<u32>(b, 12); }

@inline function binOf(size: usize): usize { return <usize>(31 - clz<u32>(<u32>size)); }
@inline function binHead(k: usize): usize { return <usize>load<u32>(bins + (k << 2)); }
@inline function setBinHead(k: usize, b: usize): void { store<u32>(bins + (k << 2), <u32>b); }

function link(b: usize): void {
  let k = binOf(sizeOf(b));
  let head = binHead(k);
  store<u32>(b, <u32>head, 8);
  store<u32>(b, 0, 12);
  if (head != 0) store<u32>(head, <u32>b, 12);
  setBinHead(k, b);
}

function unlink(b: usize): void {
  let next = nextFree(b), prev = prevFree(b);
  if (prev != 0) store<u32>(prev, <u32>next, 8);
  else setBinHead(binOf(sizeOf(b)), next);
  if (next != 0) store<u32>(next, <u32>prev, 12);
}

/** Writes b's size and the prevSize of the block above it. */
@inline function setSize(b: usize, size: usize, used: bool): void {
  store<u32>(b, <u32>size | (used ? USED : 0));
  if (b + size < heapEnd) setPrevSize(b + size, size);
}

function init(): void {
  heapStart = (__heap_base + 15) & ~15;
  heapEnd = (<usize>memory.size()) << 16;
  if (heapEnd >= heapStart + MIN_BLOCK) {
    topBlock = heapStart;
    store<u32>(heapStart, <u32>(heapEnd - heapStart));
    setPrevSize(heapStart, 0);
    link(heapStart);
  } else {
    heapEnd = heapStart; // the sliver below the first page boundary is never used
  }
}

/** Bytes of the whole block for a payload of `bytes` (callers have checked bytes ≤ MAX_REQUEST). */
@inline function blockBytes(bytes: usize): usize {
  return max<usize>(((bytes + 15) & ~15) + HEADER, MIN_BLOCK);
}

/** The smallest free block of at least `size` bytes in `size`'s own list, else the smallest of the first larger list. */
function findFit(size: usize): usize {
  let k = binOf(size);
  let best: usize = 0;
  for (let b = binHead(k); b != 0; b = nextFree(b)) {
    let s = sizeOf(b);
    if (s >= size && (best == 0 || s < sizeOf(best))) best = b;
  }
  if (best != 0) return best;
  for (let j = k + 1; j < 32; j++) {
    for (let b = binHead(j); b != 0; b = nextFree(b)) {
      if (best == 0 || sizeOf(b) < sizeOf(best)) best = b;
    }
    if (best != 0) return best;
  }
  return 0;
}

/** The largest free block, or 0. */
function largestFree(): usize {
  for (let j = 31; j >= 0; j--) {
    let best: usize = 0;
    for (let b = binHead(<usize>j); b != 0; b = nextFree(b)) {
      if (best == 0 || sizeOf(b) > sizeOf(best)) best = b;
    }
    if (best != 0) return best;
  }
  return 0;
}

/**
 * Grows memory so that the top block is free and holds at least `size`
 * bytes. False, with nothing changed, if memory cannot grow that far.
 */
function growFor(size: usize): bool {
  let topFree: usize = topBlock != 0 && isFree(topBlock) ? sizeOf(topBlock) : 0;
  let lacking = size - topFree;
  let pages = <i32>((lacking + 0xFFFF) >> 16);
  let current = memory.size();
  if (pages > MAX_PAGES - current) return false;
  let slack = min(min(current >> 3, GROW_SLACK_MAX_PAGES), MAX_PAGES - current - pages);
  if (memory.grow(pages + slack) < 0 && (slack == 0 || memory.grow(pages) < 0)) return false;
  let oldEnd = heapEnd;
  heapEnd = (<usize>memory.size()) << 16;
  if (topFree != 0) {
    unlink(topBlock);
    store<u32>(topBlock, <u32>(heapEnd - topBlock));
  } else {
    let b = oldEnd;
    store<u32>(b, <u32>(heapEnd - b));
    setPrevSize(b, topBlock != 0 ? sizeOf(topBlock) : 0);
    topBlock = b;
  }
  link(topBlock);
  return true;
}

/** Takes free block b for a block of `size` bytes, splitting off the rest when it is worth a block. */
function take(b: usize, size: usize): usize {
  unlink(b);
  let have = sizeOf(b);
  if (have - size >= MIN_SPLIT) {
    let rest = b + size;
    store<u32>(rest, 0);
    setPrevSize(rest, size);
    setSize(rest, have - size, false);
    link(rest);
    if (b == topBlock) topBlock = rest;
    have = size;
  }
  setSize(b, have, true);
  usedBytes += have;
  return b + HEADER;
}

/** A block of at least `bytes` bytes, 16-byte aligned and uninitialized; 0 if memory cannot grow. */
export function malloc(bytes: usize): usize {
  if (heapStart == 0) init();
  if (bytes > MAX_REQUEST) return 0;
  let size = blockBytes(bytes);
  let b = findFit(size);
  if (b == 0) {
    if (!growFor(size)) return 0;
    b = topBlock;
  }
  return take(b, size);
}

/** Bytes a request may have from the largest free block without growing memory (0 if there is none). */
export function largestFreeBytes(): usize {
  let b = largestFree();
  return b == 0 ? 0 : sizeOf(b) - HEADER;
}

/** The largest free block, whole, if it holds `least` bytes; 0 otherwise. Never grows memory. */
export function mallocLargest(least: usize): usize {
  if (heapStart == 0) init();
  if (least > MAX_REQUEST) return 0;
  let b = largestFree();
  if (b == 0 || sizeOf(b) < blockBytes(least)) return 0;
  return take(b, sizeOf(b));
}

/** Bytes of the heap the block at p takes, its header included. */
export function blockBytesOf(p: usize): usize { return sizeOf(p - HEADER); }

/** Bytes that the block at p (from malloc) can hold: at least what was asked. */
export function capacityOf(p: usize): usize { return sizeOf(p - HEADER) - HEADER; }

export function free(p: usize): void {
  if (p == 0) return;
  let b = p - HEADER;
  let size = sizeOf(b);
  usedBytes -= size;
  let next = b + size;
  if (next < heapEnd && isFree(next)) {
    unlink(next);
    if (next == topBlock) topBlock = b;
    size += sizeOf(next);
  }
  let prevSize = prevSizeOf(b);
  if (prevSize != 0 && isFree(b - prevSize)) {
    let prev = b - prevSize;
    unlink(prev);
    if (b == topBlock) topBlock = prev;
    size += sizeOf(prev);
    b = prev;
  }
  setSize(b, size, false);
  link(b);
}

/**
 * Grows the block at p to hold `bytes` without moving it: into the free block
 * above it, or (when `grow` is set and the block is at the top of memory, or
 * just below a free top block) into grown memory. False, with nothing
 * changed, if it cannot.
 */
export function resizeInPlace(p: usize, bytes: usize, grow: bool): bool {
  if (bytes > MAX_REQUEST) return false;
  let b = p - HEADER;
  let have = sizeOf(b);
  let size = blockBytes(bytes);
  if (size <= have) return true;
  let next = b + have;
  let nextBytes: usize = next < heapEnd && isFree(next) ? sizeOf(next) : 0;
  if (have + nextBytes < size && grow && (b == topBlock || (nextBytes != 0 && next == topBlock))) {
    // The new top is free and sits right above b.
    if (growFor(size - have)) nextBytes = sizeOf(next);
  }
  if (have + nextBytes < size) return false;
  unlink(next);
  if (next == topBlock) topBlock = b;
  usedBytes -= have;
  setSize(b, have + nextBytes, false);
  link(b); // take() unlinks it again
  take(b, size);
  return true;
}

/**
 * The block at p resized to hold `bytes` (contents kept up to the smaller
 * size): in place when it can be, moved otherwise. 0, with the block at p
 * untouched, if there is no room.
 */
export function realloc(p: usize, bytes: usize): usize {
  if (p == 0) return malloc(bytes);
  if (resizeInPlace(p, bytes, true)) return p;
  let q = malloc(bytes);
  if (q == 0) return 0;
  memory.copy(q, p, sizeOf(p - HEADER) - HEADER);
  free(p);
  return q;
}

/** Bytes in blocks handed out and not freed (headers included). */
export function heapUsedBytes(): usize { return usedBytes; }
