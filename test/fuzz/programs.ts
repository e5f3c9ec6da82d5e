// Generators of scalar programs (docs/program-format.md) and of edits to their
// saved bytes, for the saved-program fuzzer.
import fc from 'fast-check';
import { Op, type Engine, type OpId, type Value } from '../../src/index.js';
import { crc32 } from '../../src/program.js';
import { HOSTILE_F64, HOSTILE_I32 } from './generators.js';

/** Ops whose result is correctly rounded IEEE arithmetic, so the Wasm core and the JS twin agree to the bit. */
export const EXACT_OPS: ReadonlySet<number> = new Set<number>([
  Op.Leaf, Op.Const, Op.Param, Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Neg, Op.Sqrt, Op.Relu, Op.Abs,
]);

const UNARY: readonly OpId[] = [Op.Neg, Op.Exp, Op.Log, Op.Sqrt, Op.Tanh, Op.Sigmoid, Op.Relu, Op.Sin, Op.Cos, Op.Abs];
const BINARY: readonly OpId[] = [Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Pow];

export interface ProgramSpec {
  inputs: number[];
  params: number[];
  /** [kind, op index, operand picks, constant]: kind 0 unary, 1 binary, 2 binary with a number, 3 pow with a number. */
  steps: [number, number, number, number, number][];
  outputs: number[];
}

export const programSpec = (): fc.Arbitrary<ProgramSpec> =>
  fc.record({
    inputs: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { maxLength: 4 }),
    params: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 3 }),
    steps: fc.array(
      fc.tuple(fc.nat(3), fc.nat(20), fc.nat(1000), fc.nat(1000), fc.double({ min: -4, max: 4, noNaN: true })),
      { minLength: 1, maxLength: 24 },
    ),
    outputs: fc.array(fc.nat(1000), { minLength: 1, maxLength: 3 }),
  });

/** The spec as a function for `eng.compile`, over parameters made on that engine. */
export function specFunction(eng: Engine, spec: ProgramSpec, params: readonly Value[]) {
  return (...xs: Value[]): Value[] => {
    const pool: Value[] = [...xs, ...params];
    if (pool.length === 0) pool.push(eng.constant(1.5));
    for (const [kind, op, i, j, c] of spec.steps) {
      const x = pool[i % pool.length], y = pool[j % pool.length];
      if (kind === 0) pool.push(eng.unary(UNARY[op % UNARY.length], x, 'fuzz'));
      else if (kind === 1) pool.push(eng.binary(BINARY[op % BINARY.length], x, y, 'fuzz'));
      else if (kind === 2) pool.push(op % 2 ? eng.binary(BINARY[op % 4], x, c, 'fuzz') : eng.binary(BINARY[op % 4], c, x, 'fuzz'));
      else pool.push(x.pow(Math.round(c)));
    }
    const made = pool.slice(xs.length + params.length);
    return spec.outputs.map((k) => made[k % made.length]);
  };
}

// ── edits of saved bytes ──

export type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; bytes: number[] }
  | { kind: 'header'; field: number; value: number }
  | { kind: 'output'; k: number; value: number }
  | { kind: 'param'; k: number; value: number }
  | { kind: 'node'; k: number; field: 'op' | 'a' | 'b' | 'value'; value: number }
  | { kind: 'insertNode'; k: number; op: number; a: number; b: number; value: number }
  | { kind: 'deleteNode'; k: number }
  | { kind: 'insertOutput'; k: number; value: number }
  | { kind: 'insertParam'; k: number; value: number };

const smallOrHostile = fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constantFrom(...HOSTILE_I32), fc.integer());

export const edit = (): fc.Arbitrary<Edit> =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 40 }) }),
    fc.record({ kind: fc.constant('header' as const), field: fc.nat(5), value: smallOrHostile }),
    fc.record({ kind: fc.constant('output' as const), k: fc.nat(), value: smallOrHostile }),
    fc.record({ kind: fc.constant('param' as const), k: fc.nat(), value: fc.constantFrom(...HOSTILE_F64) }),
    fc.record({
      kind: fc.constant('node' as const), k: fc.nat(), field: fc.constantFrom('op' as const, 'a' as const, 'b' as const, 'value' as const),
      value: fc.oneof(smallOrHostile, fc.constantFrom(...HOSTILE_F64)),
    }),
    fc.record({
      kind: fc.constant('insertNode' as const), k: fc.nat(), op: fc.integer({ min: 0, max: 20 }),
      a: fc.integer({ min: -2, max: 30 }), b: fc.integer({ min: -2, max: 30 }), value: fc.constantFrom(...HOSTILE_F64),
    }),
    fc.record({ kind: fc.constant('deleteNode' as const), k: fc.nat() }),
    fc.record({ kind: fc.constant('insertOutput' as const), k: fc.nat(), value: fc.integer({ min: -1, max: 30 }) }),
    fc.record({ kind: fc.constant('insertParam' as const), k: fc.nat(), value: fc.constantFrom(...HOSTILE_F64) }),
  );

const HEADER = 24;
const NODE = 17;

/** Where the sections of a (possibly already edited) buffer start, read from its header as a loader would. */
function layout(bytes: Uint8Array) {
  if (bytes.length < HEADER) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = v.getUint32(8, true), outputs = v.getUint32(16, true), params = v.getUint32(20, true);
  const paramsAt = HEADER + 4 * outputs;
  const nodesAt = paramsAt + 8 * params;
  return { v, n, outputs, params, paramsAt, nodesAt };
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

const u32le = (x: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, x >>> 0, true); return b; };
const f64le = (x: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, x, true); return b; };

/** Applies one edit; field-aware edits that do not fit the buffer's layout leave it as it is. */
export function applyEdit(bytes: Uint8Array, e: Edit): Uint8Array {
  const len = bytes.length;
  switch (e.kind) {
    case 'flip': { if (len === 0) return bytes; const b = bytes.slice(); b[e.at % len] ^= 1 << e.bit; return b; }
    case 'byte': { if (len === 0) return bytes; const b = bytes.slice(); b[e.at % len] = e.value; return b; }
    case 'truncate': return bytes.slice(0, e.at % (len + 1));
    case 'extend': return Uint8Array.from([...bytes, ...e.bytes]);
    default: break;
  }
  const l = layout(bytes);
  if (l === null) return bytes;
  const b = bytes.slice();
  const v = new DataView(b.buffer);
  const inBounds = (at: number, size: number) => at >= 0 && at + size <= len;
  switch (e.kind) {
    case 'header': {
      const at = [4, 6, 8, 12, 16, 20][e.field];
      if (e.field < 2) v.setUint16(at, e.value & 0xffff, true);
      else v.setUint32(at, e.value >>> 0, true);
      return b;
    }
    case 'output': {
      if (l.outputs === 0) return bytes;
      const at = HEADER + 4 * (e.k % l.outputs);
      if (!inBounds(at, 4)) return bytes;
      v.setUint32(at, e.value >>> 0, true);
      return b;
    }
    case 'param': {
      if (l.params === 0) return bytes;
      const at = l.paramsAt + 8 * (e.k % l.params);
      if (!inBounds(at, 8)) return bytes;
      v.setFloat64(at, e.value, true);
      return b;
    }
    case 'node': {
      if (l.n === 0) return bytes;
      const at = l.nodesAt + NODE * (e.k % l.n);
      if (!inBounds(at, NODE)) return bytes;
      if (e.field === 'op') v.setUint8(at, e.value & 0xff);
      else if (e.field === 'a') v.setInt32(at + 1, e.value | 0, true);
      else if (e.field === 'b') v.setInt32(at + 5, e.value | 0, true);
      else v.setFloat64(at + 9, e.value, true);
      return b;
    }
    case 'insertNode': {
      const k = e.k % (l.n + 1);
      const at = l.nodesAt + NODE * k;
      if (at > len) return bytes;
      const node = new Uint8Array(NODE);
      const nv = new DataView(node.buffer);
      nv.setUint8(0, e.op);
      nv.setInt32(1, e.a, true);
      nv.setInt32(5, e.b, true);
      nv.setFloat64(9, e.value, true);
      const out = splice(b, at, 0, node);
      new DataView(out.buffer).setUint32(8, l.n + 1, true);
      return out;
    }
    case 'deleteNode': {
      if (l.n === 0) return bytes;
      const at = l.nodesAt + NODE * (e.k % l.n);
      if (!inBounds(at, NODE)) return bytes;
      const out = splice(b, at, NODE, new Uint8Array(0));
      new DataView(out.buffer).setUint32(8, l.n - 1, true);
      return out;
    }
    case 'insertOutput': {
      const at = HEADER + 4 * (e.k % (l.outputs + 1));
      if (at > len) return bytes;
      const out = splice(b, at, 0, u32le(e.value));
      new DataView(out.buffer).setUint32(16, l.outputs + 1, true);
      return out;
    }
    case 'insertParam': {
      const at = l.paramsAt + 8 * (e.k % (l.params + 1));
      if (at > len) return bytes;
      const out = splice(b, at, 0, f64le(e.value));
      new DataView(out.buffer).setUint32(20, l.params + 1, true);
      return out;
    }
  }
}

/** Writes a valid CRC-32 over everything before the last four bytes, so that the edits reach the checks behind it. */
export function fixChecksum(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4) return bytes;
  const b = bytes.slice();
  new DataView(b.buffer).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
  return b;
}

/** The op ids of a buffer's nodes, if its layout can be read. */
export function opsOf(bytes: Uint8Array): number[] {
  const l = layout(bytes);
  if (l === null) return [];
  const ops: number[] = [];
  for (let k = 0; k < l.n && l.nodesAt + NODE * (k + 1) <= bytes.length; k++) ops.push(bytes[l.nodesAt + NODE * k]);
  return ops;
}
