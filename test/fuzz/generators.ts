// Pieces the fuzzers share: hostile numbers, and what counts as a named error.
import fc from 'fast-check';

/** i32 values at the edges: zero, minus one, the extremes, 2^32−1 as it reaches an i32 (−1), and sizes past the limits. */
export const HOSTILE_I32: readonly number[] = [
  0, 1, -1, 2, 7, 0x7fffffff, -0x80000000, 0xffffffff | 0, 0x40000000, 0x3fffffff, 0x10000000, 0x10000001, 0x20000000,
  0x7ffffff8, 1 << 16, 65535, 1024, 1025, 8, 9,
];

/** f64 values that break naive code. */
export const HOSTILE_F64: readonly number[] = [
  NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 31), 1e12,
];

export const hostileI32 = (): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_I32) },
    { weight: 4, arbitrary: fc.integer({ min: -2, max: 10 }) },
    { weight: 1, arbitrary: fc.integer() },
  );

export const hostileF64 = (): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_F64) },
    { weight: 2, arbitrary: fc.integer({ min: -2, max: 10 }) },
    { weight: 1, arbitrary: fc.double() },
  );

// Texts V8 (or the host) writes itself: a user who sees one cannot tell which op failed or why.
const HOST_TEXTS = [
  /Cannot read propert/, /Cannot set propert/, /is not a function/, /is not iterable/, /is not a constructor/,
  /outside the bounds of the buffer/, /Offset is outside/, /Invalid typed array length/, /Invalid array length/,
  /Array buffer allocation failed/, /Maximum call stack/, /out of bounds/, /Cannot convert/, /Cannot mix BigInt/,
  /is not defined/, /undefined is not/, /null is not/, /Cannot create property/, /Reduce of empty array/,
  /Invalid array buffer length/, /Start offset/, /memory access/, /unreachable/,
];

/**
 * Why `err` is not a named error, or null if it is one: an Error (not a
 * WebAssembly.RuntimeError, a trap) whose message begins with the op that
 * failed, `name: ` (e.g. "add: shapes [2] and [3] cannot be broadcast",
 * "load: checksum mismatch", "wasmgrad: out of memory"), and carries no
 * host text.
 */
export function unnamed(err: unknown): string | null {
  if (!(err instanceof Error)) return `threw a non-Error: ${String(err)}`;
  if (err instanceof WebAssembly.RuntimeError) return `a Wasm trap: ${err.message}`;
  const message = err.message;
  if (!/^[A-Za-z_$][\w$.]*(\(\))?: \S/.test(message)) return `${err.name} without an op name: ${message}`;
  for (const text of HOST_TEXTS) if (text.test(message)) return `${err.name} with the host's text: ${message}`;
  return null;
}

/** Describes an error for an assertion message. */
export function show(err: unknown): string {
  return err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
}

/** Every element equal as IEEE bits (NaN equals NaN, −0 differs from +0). */
export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Equal within rounding: non-finite values must match exactly, finite ones
 * within rtol of the larger magnitude (at least 1, so that values near 0
 * reached by cancellation are compared on the scale of their operands).
 */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (!Object.is(x, y) && !(x === y)) return i;
      continue;
    }
    if (Math.abs(x - y) > rtol * Math.max(1, Math.abs(x), Math.abs(y))) return i;
  }
  return -1;
}
