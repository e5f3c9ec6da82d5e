import { expect } from 'vitest';
import { createEngine, type BackendName, type Engine, type Value } from '../src/index.js';
import { crc32 } from '../src/program.js';

export const BACKENDS: readonly BackendName[] = ['wasm', 'js'];

export function engine(backend: BackendName): Promise<Engine> {
  return createEngine({ backend });
}

/** |actual - expected| <= atol + rtol·|expected|, elementwise; NaN matches NaN and infinities must match exactly. */
export function expectClose(actual: number, expected: number, { rtol = 1e-12, atol = 1e-12 } = {}, what = ''): void {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    expect(actual, what).toBe(expected);
    return;
  }
  const err = Math.abs(actual - expected);
  if (!(err <= atol + rtol * Math.abs(expected))) {
    expect.fail(`${what}: expected ${expected}, got ${actual} (|diff| ${err.toExponential(3)} > atol ${atol} + rtol ${rtol}·|expected|)`);
  }
}

/** Central difference of f at x, with a step relative to |x| (floored so that it stays useful near 0). */
export function centralDifference(f: (x: number) => number, x: number): number {
  const h = 1e-5 * Math.max(Math.abs(x), 1e-2);
  return (f(x + h) - f(x - h)) / (2 * h);
}

/**
 * Corrupted variants of `good`, the saved form of eng.compile((x, y) => x.mul(y).exp(), [1, 2])
 * (nodes: 0 x, 1 y, 2 Mul, 3 Exp; one output; no parameters), each with the
 * message the loader must give. Structural edits recompute the checksum, so
 * that each check is reached on its own.
 */
export function programCorruptions(good: Uint8Array): [string, Uint8Array, RegExp][] {
  const edit = (f: (v: DataView) => void) => {
    const bytes = good.slice();
    f(new DataView(bytes.buffer));
    new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    return bytes;
  };
  const node = (i: number) => 24 + 4 + 17 * i;
  return [
    ['empty', new Uint8Array(0), /truncated/],
    ['truncated', good.slice(0, good.length - 5), /truncated: the header describes \d+ bytes/],
    ['trailing bytes', Uint8Array.from([...good, 0]), /trailing bytes/],
    ['bad magic', edit((v) => v.setUint32(0, 0x12345678, true)), /not a wasmgrad program/],
    ['future version', edit((v) => v.setUint16(4, 2, true)), /format version 2 is not supported/],
    ['flipped value bit', (() => { const b = good.slice(); b[node(0) + 12] ^= 1; return b; })(), /checksum mismatch/],
    ['unknown op', edit((v) => v.setUint8(node(2), 200)), /node 2 has unknown op id 200/],
    ['input from the future', edit((v) => v.setInt32(node(2) + 5, 3, true)), /node 2 \(Mul\) reads node 3, which does not come before it/],
    ['negative input', edit((v) => v.setInt32(node(3) + 1, -7, true)), /node 3 \(Exp\) reads node -7/],
    ['stray second input', edit((v) => v.setInt32(node(3) + 5, 0, true)), /node 3 \(Exp\) has an input 0 where it takes none/],
    ['input not a leaf', edit((v) => v.setUint8(node(1), 1)), /node 1 is an input but is a Const node/],
    ['output out of range', edit((v) => v.setUint32(24, 99, true)), /output 0 is node 99/],
    ['param out of range', edit((v) => { v.setUint8(node(1), 2); v.setUint32(12, 1, true); }), /node 1 \(Param\) reads parameter -1, but the file has 0/],
    ['huge counts', edit((v) => v.setUint32(8, 0xffffffff, true)), /truncated: the header describes/],
    ['PowConst exponent not a Const', edit((v) => v.setUint8(node(2), 8)), /node 2 \(PowConst\) takes its exponent from node 1, a Leaf node, not a Const/],
  ];
}

// micrograd's test/test_engine.py expressions, as functions of their inputs,
// so that eager and compiled runs check the very same graph.

/** test_sanity_check: at x = -4, y = -20 and dy/dx = 46. */
export const sanityCheck = (eng: Engine) => (x: Value): Value => {
  const z = eng.mul(2, x).add(2).add(x);
  const q = z.relu().add(z.mul(x));
  const h = z.mul(z).relu();
  return h.add(q).add(q.mul(x));
};

/** test_more_ops: at (a, b) = (-4, 2), g = 24.70408163265306, dg/da = 138.83381924198252, dg/db = 645.5772594752186. */
export const moreOps = (eng: Engine) => (a: Value, b: Value): Value => {
  let c = a.add(b);
  let d = a.mul(b).add(b.pow(3));
  c = c.add(c.add(1));
  c = c.add(eng.add(1, c).add(a.neg()));
  d = d.add(d.mul(2).add(b.add(a).relu()));
  d = d.add(eng.mul(3, d).add(b.sub(a).relu()));
  const f = c.sub(d).pow(2);
  return f.div(2.0).add(eng.div(10.0, f));
};
