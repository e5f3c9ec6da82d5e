// The matrix-multiply kernel (assembly/tensor/gemm.ts, built with relaxed
// SIMD, with SIMD and without) and its JS twin (src/js/gemm.ts), against a
// naive f64 reference, over all four transpose combinations, with and
// without accumulate, for shapes that hit every edge of the blocking: empty,
// 1, odd primes, one past and one short of the register tile and of the cache
// blocks, vectors and K = 1, and leading dimensions larger than the rows they
// describe.
import binaryen from 'assemblyscript/binaryen';
import { beforeAll, describe, expect, it } from 'vitest';
import { gemm as jsGemm } from '../src/js/gemm.js';
import { compileGemmEntry } from '../bench/gemm-entry.mjs';

type FloatArray = Float32Array | Float64Array;
type Dtype = 'f32' | 'f64';

interface Kernel {
  /** Runs the product; arrays are copied in and C is copied back out. */
  gemm(dtype: Dtype, tA: boolean, tB: boolean, M: number, N: number, K: number,
    a: FloatArray, lda: number, b: FloatArray, ldb: number, c: FloatArray, ldc: number, accumulate: boolean): void;
}

interface GemmExports {
  memory: WebAssembly.Memory;
  gemmF32: (...args: number[]) => void;
  gemmF64: (...args: number[]) => void;
  alloc: (bytes: number) => number;
  free: (ptr: number) => void;
}

function wasmKernel(binary: Uint8Array<ArrayBuffer>): Kernel & { exports: GemmExports } {
  const module = new WebAssembly.Module(binary);
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as GemmExports;
  const put = (arr: FloatArray): number => {
    const ptr = exports.alloc(Math.max(arr.byteLength, 8));
    new Uint8Array(exports.memory.buffer, ptr, arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    return ptr;
  };
  return {
    exports,
    gemm(dtype, tA, tB, M, N, K, a, lda, b, ldb, c, ldc, accumulate) {
      const pa = put(a), pb = put(b), pc = put(c);
      const fn = dtype === 'f32' ? exports.gemmF32 : exports.gemmF64;
      fn(+tA, +tB, M, N, K, pa, lda, pb, ldb, pc, ldc, +accumulate);
      // gemm may have grown memory (its scratch): view the buffer only now.
      new Uint8Array(c.buffer, c.byteOffset, c.byteLength).set(new Uint8Array(exports.memory.buffer, pc, c.byteLength));
      exports.free(pa);
      exports.free(pb);
      exports.free(pc);
    },
  };
}

const jsKernel: Kernel = {
  gemm(_dtype, tA, tB, M, N, K, a, lda, b, ldb, c, ldc, accumulate) {
    jsGemm(tA, tB, M, N, K, a, 0, lda, b, 0, ldb, c, 0, ldc, accumulate);
  },
};

/** A small deterministic generator (xorshift32), values in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 31 - 1;
  };
}

interface Case {
  M: number; N: number; K: number;
  tA: boolean; tB: boolean;
  /** Extra elements at the end of each stored row of A, B and C. */
  pad: [number, number, number];
}

interface Operands {
  a: FloatArray; lda: number;
  b: FloatArray; ldb: number;
  c0: FloatArray; ldc: number;
}

function operands(dtype: Dtype, { M, N, K, tA, tB, pad }: Case, seed: number): Operands {
  const Arr = dtype === 'f32' ? Float32Array : Float64Array;
  const next = rng(seed);
  const fill = (n: number) => {
    const out = new Arr(n);
    for (let i = 0; i < n; i++) out[i] = next();
    return out;
  };
  const lda = (tA ? M : K) + pad[0];
  const ldb = (tB ? K : N) + pad[1];
  const ldc = N + pad[2];
  return {
    a: fill((tA ? K : M) * lda), lda,
    b: fill((tB ? N : K) * ldb), ldb,
    c0: fill(M * ldc), ldc,
  };
}

/**
 * Checks C against the f64 reference element by element, and that the
 * padding of C (columns N..ldc) is untouched. The bound scales with the sum
 * of |a_ik·b_kj|, as rounding error in a dot product does: K·u·Σ|a||b| with u
 * the unit roundoff, plus the rounding of the stored result (and, with
 * accumulate, of the old C).
 */
function check(dtype: Dtype, cs: Case, ops: Operands, c: FloatArray, accumulate: boolean, what: string): void {
  const { M, N, K, tA, tB } = cs;
  const { a, lda, b, ldb, c0, ldc } = ops;
  const u = dtype === 'f32' ? 2 ** -24 : 2 ** -53;
  const A = (i: number, k: number) => (tA ? a[k * lda + i] : a[i * lda + k]);
  const B = (k: number, j: number) => (tB ? b[j * ldb + k] : b[k * ldb + j]);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = accumulate ? c0[i * ldc + j] : 0;
      let mag = Math.abs(sum);
      for (let k = 0; k < K; k++) {
        const p = A(i, k) * B(k, j);
        sum += p;
        mag += Math.abs(p);
      }
      const got = c[i * ldc + j];
      const bound = (K + 2) * u * mag + Number.MIN_VALUE;
      if (!(Math.abs(got - sum) <= bound)) {
        expect.fail(`${what}: C[${i}][${j}] = ${got}, expected ${sum} (|diff| ${Math.abs(got - sum).toExponential(3)} > ${bound.toExponential(3)})`);
      }
    }
    for (let j = N; j < ldc; j++) {
      if (!Object.is(c[i * ldc + j], c0[i * ldc + j])) expect.fail(`${what}: padding C[${i}][${j}] was written`);
    }
  }
}

const SHAPES: [number, number, number][] = [
  [0, 0, 0], [0, 5, 3], [5, 0, 3], [4, 5, 0], [1, 1, 1],
  [7, 13, 5], [13, 7, 11], [3, 5, 7],
  // around the register tiles (4×8 f32, 4×4 f64, 2×4 scalar) and the JS tile
  [4, 8, 8], [5, 9, 3], [3, 7, 2], [8, 16, 1], [9, 17, 4], [2, 4, 6],
  // vectors and K = 1
  [1, 37, 19], [37, 1, 19], [1, 1, 300], [23, 29, 1], [1, 64, 1],
  // around the cache blocks (KC 256, MC 96 and 64, NC 1024 and 2048)
  [97, 33, 257], [95, 65, 255], [65, 63, 513], [193, 10, 20], [40, 1030, 9],
  [131, 251, 300],
];

function casesFor(shapes: [number, number, number][]): Case[] {
  const out: Case[] = [];
  for (const [M, N, K] of shapes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        out.push({ M, N, K, tA, tB, pad: [0, 0, 0] });
        out.push({ M, N, K, tA, tB, pad: [3, 1, 5] });
      }
    }
  }
  return out;
}

const CASES = casesFor(SHAPES);
const label = ({ M, N, K, tA, tB, pad }: Case) => `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}×${N}×${K}${pad.some((p) => p) ? ` ld+${pad.join(',')}` : ''}`;

function runAll(kernel: () => Kernel, dtype: Dtype): void {
  it(`${dtype}: every shape and transpose, overwrite and accumulate`, () => {
    let seed = 1;
    for (const cs of CASES) {
      const ops = operands(dtype, cs, seed++);
      for (const accumulate of [false, true]) {
        const c = ops.c0.slice();
        kernel().gemm(dtype, cs.tA, cs.tB, cs.M, cs.N, cs.K, ops.a, ops.lda, ops.b, ops.ldb, c, ops.ldc, accumulate);
        check(dtype, cs, ops, c, accumulate, `${label(cs)}${accumulate ? ' accumulate' : ''}`);
      }
    }
  });

  it(`${dtype}: without accumulate, C is never read (NaN and Inf in C do not leak)`, () => {
    for (const [M, N, K] of [[5, 9, 3], [4, 8, 300], [3, 2, 0]] as const) {
      const cs: Case = { M, N, K, tA: false, tB: false, pad: [0, 0, 2] };
      const ops = operands(dtype, cs, 99);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) ops.c0[i * ops.ldc + j] = j % 2 ? NaN : -Infinity;
      const c = ops.c0.slice();
      kernel().gemm(dtype, false, false, M, N, K, ops.a, ops.lda, ops.b, ops.ldb, c, ops.ldc, false);
      check(dtype, cs, ops, c, false, `${M}×${N}×${K}`);
    }
  });

  it(`${dtype}: a few hundred on a side, and a few thousand in one dimension`, () => {
    const big: Case[] = [
      { M: 300, N: 280, K: 260, tA: false, tB: false, pad: [0, 0, 0] },
      { M: 260, N: 300, K: 290, tA: true, tB: false, pad: [2, 0, 1] },
      { M: 290, N: 260, K: 300, tA: false, tB: true, pad: [0, 3, 0] },
      { M: 257, N: 263, K: 520, tA: true, tB: true, pad: [1, 1, 1] },
      // past NC in N (a second column panel of B) and many MC blocks in M
      { M: 9, N: 2051, K: 300, tA: true, tB: true, pad: [0, 0, 0] },
      { M: 2100, N: 5, K: 270, tA: false, tB: true, pad: [0, 0, 0] },
    ];
    let seed = 1000;
    for (const cs of big) {
      const ops = operands(dtype, cs, seed++);
      const c = ops.c0.slice();
      kernel().gemm(dtype, cs.tA, cs.tB, cs.M, cs.N, cs.K, ops.a, ops.lda, ops.b, ops.ldb, c, ops.ldc, true);
      check(dtype, cs, ops, c, true, label(cs));
    }
  });

  it(`${dtype}: repeated calls give identical results (scratch reuse)`, () => {
    const cs: Case = { M: 70, N: 90, K: 300, tA: true, tB: false, pad: [0, 0, 0] };
    const ops = operands(dtype, cs, 7);
    const first = ops.c0.slice();
    kernel().gemm(dtype, true, false, 70, 90, 300, ops.a, ops.lda, ops.b, ops.ldb, first, ops.ldc, false);
    // a larger call in between grows the scratch
    const other = operands(dtype, { M: 200, N: 1100, K: 400, tA: false, tB: true, pad: [0, 0, 0] }, 8);
    kernel().gemm(dtype, false, true, 200, 1100, 400, other.a, other.lda, other.b, other.ldb, other.c0.slice(), other.ldc, false);
    const second = ops.c0.slice();
    kernel().gemm(dtype, true, false, 70, 90, 300, ops.a, ops.lda, ops.b, ops.ldb, second, ops.ldc, false);
    expect(Array.from(second)).toEqual(Array.from(first));
  });
}

describe('reference check', () => {
  it('check() rejects a wrong product (the tests can fail)', () => {
    const cs: Case = { M: 3, N: 4, K: 5, tA: false, tB: false, pad: [0, 0, 0] };
    for (const dtype of ['f32', 'f64'] as const) {
      const ops = operands(dtype, cs, 3);
      const c = ops.c0.slice();
      jsKernel.gemm(dtype, false, false, 3, 4, 5, ops.a, ops.lda, ops.b, ops.ldb, c, ops.ldc, false);
      check(dtype, cs, ops, c, false, 'right');
      c[5] += dtype === 'f32' ? 1e-5 : 1e-13;
      expect(() => check(dtype, cs, ops, c, false, 'perturbed')).toThrow(/C\[1\]\[1\]/);
      // the transposed reading of the same operands is a different product
      const t = ops.c0.slice();
      jsKernel.gemm(dtype, true, false, 3, 4, 5, ops.a, 3, ops.b, ops.ldb, t, ops.ldc, false);
      expect(() => check(dtype, cs, ops, t, false, 'transposed')).toThrow();
    }
  });
});

const BUILD_NAMES = { relaxed: 'relaxed-SIMD', true: 'SIMD', false: 'scalar (no SIMD)' } as const;

for (const simd of ['relaxed', true, false] as const) {
  describe(`Wasm gemm, ${BUILD_NAMES[`${simd}`]} build`, () => {
    let binary: Uint8Array<ArrayBuffer>;
    let kernel: Kernel & { exports: GemmExports };
    beforeAll(async () => {
      binary = await compileGemmEntry(simd);
      kernel = wasmKernel(binary);
    }, 120_000);

    it(`has no imports, exports the entry points, and ${simd ? 'uses' : 'contains no'} SIMD`, () => {
      const module = new WebAssembly.Module(binary);
      expect(WebAssembly.Module.imports(module)).toEqual([]);
      expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(['alloc', 'free', 'gemmF32', 'gemmF64', 'memory']);
      // The scalar build is the one for hosts without SIMD (wasm2c): not one v128 in it.
      const parsed = binaryen.readBinary(binary);
      parsed.setFeatures(binaryen.Features.All);
      const text = parsed.emitText();
      expect(/\bv128\b/.test(text)).toBe(simd !== false);
      // Only the relaxed build fuses multiply and add (8 f32 and 8 f64 in the micro-kernels).
      expect((text.match(/relaxed_madd/g) ?? []).length).toBe(simd === 'relaxed' ? 16 : 0);
      parsed.dispose();
    });

    runAll(() => kernel, 'f32');
    runAll(() => kernel, 'f64');

    it('steady-state calls do not grow memory', () => {
      const { exports } = kernel;
      const n = 300;
      const ops = operands('f32', { M: n, N: n, K: n, tA: false, tB: false, pad: [0, 0, 0] }, 5);
      const c = ops.c0.slice();
      kernel.gemm('f32', false, false, n, n, n, ops.a, n, ops.b, n, c, n, false);
      const pages = exports.memory.buffer.byteLength;
      for (let r = 0; r < 5; r++) kernel.gemm('f32', r % 2 === 1, r % 2 === 0, n, n, n, ops.a, n, ops.b, n, c, n, r > 2);
      expect(exports.memory.buffer.byteLength).toBe(pages);
    });
  });
}

describe('JS twin gemm', () => {
  runAll(() => jsKernel, 'f32');
  runAll(() => jsKernel, 'f64');
});
