// Reading a serialized program (docs/program-format.md) inside the module,
// so that any host can load one with two calls (alloc, programLoad) and no
// parser of its own. Every field is validated before anything is created; a
// buffer that fails any check creates nothing.

import { Op, arity, OP_COUNT } from "./ops";
import { newTape } from "./tape";
import { createParam, paramCount, reserveParams, truncateParams } from "./params";
import { finish } from "./program";

const MAGIC: u32 = 0x44524757; // "WGRD"
const VERSION: u32 = 1;
const HEADER_BYTES: u64 = 24;
const NODE_BYTES: u64 = 17;

const crcTable = memory.data(256 << 2);
let crcReady = false;

/** CRC-32 (IEEE 802.3, as zlib and PNG use it) of bytes [ptr, ptr + len). */
export function crc32(ptr: usize, len: usize): u32 {
  if (!crcReady) {
    for (let n: u32 = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      store<u32>(crcTable + (<usize>n << 2), c);
    }
    crcReady = true;
  }
  let c: u32 = 0xffffffff;
  for (let i: usize = 0; i < len; i++) {
    c = load<u32>(crcTable + (<usize>((c ^ <u32>load<u8>(ptr + i)) & 0xff) << 2)) ^ (c >>> 8);
  }
  return c ^ 0xffffffff;
}

/** True when the buffer is a well-formed program: the same checks, in the same order, as decodeProgram in src/program.ts. */
function valid(ptr: usize, len: usize): bool {
  if (<u64>len < HEADER_BYTES + 4) return false;
  if (load<u32>(ptr) != MAGIC || <u32>load<u16>(ptr, 4) != VERSION || load<u16>(ptr, 6) != 0) return false;
  let n = <u64>load<u32>(ptr, 8);
  let inputCount = <u64>load<u32>(ptr, 12);
  let outputCount = <u64>load<u32>(ptr, 16);
  let params = <u64>load<u32>(ptr, 20);
  let expected = HEADER_BYTES + 4 * outputCount + 8 * params + NODE_BYTES * n + 4;
  if (expected != <u64>len) return false;
  let checksumAt = len - 4;
  if (load<u32>(ptr + checksumAt) != crc32(ptr, checksumAt)) return false;
  if (n == 0 || outputCount == 0 || inputCount > n) return false;

  let at = ptr + <usize>HEADER_BYTES;
  for (let k: u64 = 0; k < outputCount; k++, at += 4) {
    if (<u64>load<u32>(at) >= n) return false;
  }
  at += <usize>(8 * params);
  let nodes = at - ptr;
  for (let i: i64 = 0; i < <i64>n; i++, at += <usize>NODE_BYTES) {
    let op = <i32>load<u8>(at);
    let a = <i64>load<i32>(at, 1);
    let b = <i64>load<i32>(at, 5);
    if (op >= OP_COUNT) return false;
    if (i < <i64>inputCount && op != Op.Leaf) return false;
    let k = arity(op);
    if (op == Op.Param) {
      if (a < 0 || a >= <i64>params || b != -1) return false;
    } else {
      if (k >= 1 ? a < 0 || a >= i : a != -1) return false;
      if (k == 2 ? b < 0 || b >= i : b != -1) return false;
      // A PowConst's exponent is a Const (it gets no gradient); b < i was checked.
      if (op == Op.PowConst && load<u8>(ptr + nodes + <usize>(b * <i64>NODE_BYTES)) != Op.Const) return false;
    }
  }
  return true;
}

/**
 * Validates the serialized program in [ptr, ptr + len) and, if it is well
 * formed, creates its parameters (new slots, in file order) and the program.
 * Returns the program id, -1 if the buffer is not a valid program, or -2 if
 * memory cannot grow; either way a failure creates nothing.
 */
export function loadProgram(ptr: usize, len: usize): i32 {
  if (!valid(ptr, len)) return -1;
  let n = <i32>load<u32>(ptr, 8);
  let inputCount = <i32>load<u32>(ptr, 12);
  let outputCount = <usize>load<u32>(ptr, 16);
  let params = <i32>load<u32>(ptr, 20);
  let root = <i32>load<u32>(ptr, <usize>HEADER_BYTES);

  let firstSlot = paramCount;
  if (!reserveParams(firstSlot + params)) return -2;
  let t = newTape(n);
  if (t === null) return -2;
  let at = ptr + <usize>HEADER_BYTES + (outputCount << 2);
  for (let k = 0; k < params; k++, at += 8) createParam(load<f64>(at)); // reserved above: cannot fail

  for (let i = 0; i < n; i++, at += <usize>NODE_BYTES) {
    let op = load<u8>(at);
    let a = load<i32>(at, 1);
    store<u8>(t.ops + <usize>i, op);
    store<i32>(t.inputsA + (<usize>i << 2), op == Op.Param ? firstSlot + a : a);
    store<i32>(t.inputsB + (<usize>i << 2), load<i32>(at, 5));
    store<f64>(t.values + (<usize>i << 3), load<f64>(at, 9));
  }
  t.count = n;
  let id = finish(t, root, inputCount);
  if (id < 0) {
    truncateParams(firstSlot);
    return -2;
  }
  return id;
}
