// Dense matrix product for f32 and f64, GotoBLAS/BLIS style:
//
//   for jc in N by NC:              pack op(B)[pc.., jc..] into KC×NC slivers of NR columns
//     for pc in K by KC:
//       for ic in M by MC:          pack op(A)[ic.., pc..] into MC×KC slivers of MR rows
//         for jr in NC by NR:       (the B sliver stays in L1 across the ir loop)
//           for ir in MC by MR:     micro-kernel: an MR×NR tile of C held in registers
//
// Transposition is absorbed by the packing routines: the micro-kernel only
// ever sees contiguous slivers, so A^T@B and A@B^T cost what A@B costs plus
// a different (still linear) packing pass.
//
// Packed panels are zero-padded to whole slivers, so the micro-kernel always
// runs at full size; partial tiles at the right and bottom edges of C go
// through a small scratch tile and are then copied or added into C.

import * as mem from "../memory";
import { DType } from "./tape";

// Register tiles (rows of op(A) × columns of op(B)); see the micro-kernels
// at the end of the file for why these shapes.
const MR_F32: i32 = 4;
const NR_F32: i32 = 8;
const MR_F64: i32 = 4;
const NR_F64: i32 = 4;
const MR_SCALAR: i32 = 2;
const NR_SCALAR: i32 = 4;

// Cache blocks. KC: one KC×NR sliver of packed B (8 KiB in f32) stays in
// the 32 KiB L1d while MC/MR slivers of A stream past it. MC: the MC×KC
// panel of packed A (96 KiB in f32) stays in the 512 KiB L2. NC: the KC×NC
// panel of packed B lives in L3; it only bounds the scratch.
const KC_F32: i32 = 256;
const MC_F32: i32 = 96;
const NC_F32: i32 = 2048;
const KC_F64: i32 = 256;
const MC_F64: i32 = 96;
const NC_F64: i32 = 1024;

/** Bytes of the largest register tile: the scratch tile for partial edges. */
const MAX_TILE_BYTES: usize = 128;

// Scratch: the packed panels at their largest (for either element type) and
// the edge tile, allocated once by gemmReady() before the first product, so
// gemm itself never allocates and cannot fail half-way.
let packA: usize = 0;
let packB: usize = 0;
let tile: usize = 0;

/** Allocates gemm's scratch if it is not there yet; false if memory cannot grow. Call before any gemm. */
export function gemmReady(): bool {
  if (tile != 0) return true;
  let bytesA = max<usize>(<usize>(MC_F32 + 16) * KC_F32 * 4, <usize>(MC_F64 + 16) * KC_F64 * 8);
  let bytesB = max<usize>(<usize>(NC_F32 + 16) * KC_F32 * 4, <usize>(NC_F64 + 16) * KC_F64 * 8);
  let a = mem.malloc(bytesA);
  let b = a != 0 ? mem.malloc(bytesB) : 0;
  let t = b != 0 ? mem.malloc(MAX_TILE_BYTES) : 0;
  if (t == 0) {
    mem.free(a);
    mem.free(b);
    return false;
  }
  packA = a;
  packB = b;
  tile = t;
  return true;
}

@inline function mrOf<T>(): i32 {
  if (ASC_FEATURE_SIMD) return sizeof<T>() == 4 ? MR_F32 : MR_F64;
  return MR_SCALAR;
}
@inline function nrOf<T>(): i32 {
  if (ASC_FEATURE_SIMD) return sizeof<T>() == 4 ? NR_F32 : NR_F64;
  return NR_SCALAR;
}
@inline function kcOf<T>(): i32 { return sizeof<T>() == 4 ? KC_F32 : KC_F64; }
@inline function mcOf<T>(): i32 { return sizeof<T>() == 4 ? MC_F32 : MC_F64; }
@inline function ncOf<T>(): i32 { return sizeof<T>() == 4 ? NC_F32 : NC_F64; }

// C[M×N] = op(A) @ op(B)  (or C += … when accumulate), row-major.
// op(A) is M×K: A is stored M×K with row stride lda when !transA, else K×M (A^T) with row stride lda.
// op(B) is K×N: B is stored K×N with row stride ldb when !transB, else N×K with row stride ldb.
// Addresses are byte addresses; strides are in elements (lda ≥ the stored
// row length, and so on). C must not overlap A or B. Without accumulate, C
// is only written, never read (NaNs already in C do not leak through).
export function gemm<T>(transA: bool, transB: bool, M: i32, N: i32, K: i32,
                        a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, accumulate: bool): void {
  if (!(isFloat<T>())) ERROR("gemm<T> needs T = f32 or f64");
  if (M <= 0 || N <= 0) return;
  const size = sizeof<T>();
  let ldcBytes = <usize>ldc * size;
  if (K <= 0) {
    if (!accumulate) {
      for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>N * size);
    }
    return;
  }
  const MR = mrOf<T>();
  const NR = nrOf<T>();
  const KC = kcOf<T>();
  const MC = mcOf<T>();
  const NC = ncOf<T>();


  for (let jc = 0; jc < N; jc += NC) {
    let nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      let kc = min(KC, K - pc);
      let overwrite = !accumulate && pc == 0;
      packPanelB<T>(transB, b, ldb, pc, jc, kc, nc, packB);
      for (let ic = 0; ic < M; ic += MC) {
        let mc = min(MC, M - ic);
        packPanelA<T>(transA, a, lda, ic, pc, mc, kc, packA);
        macroKernel<T>(mc, nc, kc, packA, packB, c + (<usize>ic * ldcBytes) + <usize>jc * size, ldcBytes, overwrite);
      }
    }
  }
}

/** gemm in dtype's element type (f32 or f64): the entry point the op families call. */
export function gemmRun(dtype: i32, transA: bool, transB: bool, M: i32, N: i32, K: i32,
                        a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, accumulate: bool): void {
  if (dtype == DType.F32) gemm<f32>(transA, transB, M, N, K, a, lda, b, ldb, c, ldc, accumulate);
  else gemm<f64>(transA, transB, M, N, K, a, lda, b, ldb, c, ldc, accumulate);
}

function macroKernel<T>(mc: i32, nc: i32, kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, overwrite: bool): void {
  const MR = mrOf<T>();
  const NR = nrOf<T>();
  const size = sizeof<T>();
  let aStride = <usize>MR * <usize>kc * size;
  let bStride = <usize>NR * <usize>kc * size;
  for (let jr = 0; jr < nc; jr += NR) {
    let nr = min(NR, nc - jr);
    let bp = pb + <usize>(jr / NR) * bStride;
    let cj = c + <usize>jr * size;
    let ap = pa;
    for (let ir = 0; ir < mc; ir += MR) {
      let mr = min(MR, mc - ir);
      let cij = cj + <usize>ir * ldc;
      if (mr == MR && nr == NR) {
        micro<T>(kc, ap, bp, cij, ldc, overwrite);
      } else {
        micro<T>(kc, ap, bp, tile, <usize>NR * size, true);
        for (let i = 0; i < mr; i++) {
          let src = tile + <usize>(i * NR) * size;
          let dst = cij + <usize>i * ldc;
          if (overwrite) {
            for (let j = 0; j < nr; j++) store<T>(dst + <usize>j * size, load<T>(src + <usize>j * size));
          } else {
            for (let j = 0; j < nr; j++) store<T>(dst + <usize>j * size, load<T>(dst + <usize>j * size) + load<T>(src + <usize>j * size));
          }
        }
      }
      ap += aStride;
    }
  }
}

@inline function micro<T>(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, overwrite: bool): void {
  if (ASC_FEATURE_SIMD) {
    if (sizeof<T>() == 4) microF32(kc, pa, pb, c, ldc, overwrite);
    else microF64(kc, pa, pb, c, ldc, overwrite);
  } else {
    microScalar<T>(kc, pa, pb, c, ldc, overwrite);
  }
}

// op(A)[ic.., pc..] (mc×kc) → slivers of MR rows, each k-major (MR values
// per k). Stored as is, op(A)'s rows are A's rows (interleave them); stored
// transposed, the MR values for one k are already contiguous (copy them).
function packPanelA<T>(transA: bool, a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  const MR = mrOf<T>();
  const size = sizeof<T>();
  let ldaBytes = <usize>lda * size;
  let sliver = <usize>MR * <usize>kc * size;
  for (let is = 0; is < mc; is += MR) {
    let rows = min(MR, mc - is);
    if (transA) packCopy<T>(MR, a + <usize>pc * ldaBytes + <usize>(ic + is) * size, ldaBytes, rows, kc, dst);
    else packInterleave<T>(MR, a + <usize>(ic + is) * ldaBytes + <usize>pc * size, ldaBytes, rows, kc, dst);
    dst += sliver;
  }
}

// op(B)[pc.., jc..] (kc×nc) → slivers of NR columns, each k-major (NR values
// per k). The mirror image of packPanelA: B stored as is needs a copy,
// stored transposed an interleave.
function packPanelB<T>(transB: bool, b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  const NR = nrOf<T>();
  const size = sizeof<T>();
  let ldbBytes = <usize>ldb * size;
  let sliver = <usize>NR * <usize>kc * size;
  for (let js = 0; js < nc; js += NR) {
    let cols = min(NR, nc - js);
    if (transB) packInterleave<T>(NR, b + <usize>(jc + js) * ldbBytes + <usize>pc * size, ldbBytes, cols, kc, dst);
    else packCopy<T>(NR, b + <usize>pc * ldbBytes + <usize>(jc + js) * size, ldbBytes, cols, kc, dst);
    dst += sliver;
  }
}

// dst[k·R + r] = src[k·ld + r] for r < n, 0 for n ≤ r < R.
@inline function packCopy<T>(R: i32, src: usize, ldBytes: usize, n: i32, kc: i32, dst: usize): void {
  const size = sizeof<T>();
  let step = <usize>R * size;
  if (ASC_FEATURE_SIMD) {
    if (n == R) {
      // R·size is a multiple of 16 for every SIMD tile shape
      let end = dst + <usize>kc * step;
      while (dst < end) {
        for (let o: usize = 0; o < step; o += 16) v128.store(dst + o, v128.load(src + o));
        src += ldBytes;
        dst += step;
      }
      return;
    }
  }
  for (let k = 0; k < kc; k++) {
    for (let r = 0; r < n; r++) store<T>(dst + <usize>r * size, load<T>(src + <usize>r * size));
    for (let r = n; r < R; r++) store<T>(dst + <usize>r * size, 0);
    src += ldBytes;
    dst += step;
  }
}

// dst[k·R + r] = src[r·ld + k] for r < n, 0 for n ≤ r < R: R rows, each
// read sequentially, become R interleaved streams. With SIMD, whole 4×4
// (f32) or 2×2 (f64) blocks are transposed in registers.
@inline function packInterleave<T>(R: i32, src: usize, ldBytes: usize, n: i32, kc: i32, dst: usize): void {
  const size = sizeof<T>();
  let step = <usize>R * size;
  let k0 = 0;
  if (ASC_FEATURE_SIMD) {
    if (n == R) {
      const V: i32 = 16 / <i32>size; // lanes per vector: the block is V×V
      let kv = kc & ~(V - 1);
      for (let g = 0; g < R; g += V) {
        let s = src + <usize>g * ldBytes;
        let d = dst + <usize>g * size;
        for (let k = 0; k < kv; k += V) {
          if (sizeof<T>() == 4) {
            let r0 = v128.load(s);
            let r1 = v128.load(s + ldBytes);
            let r2 = v128.load(s + 2 * ldBytes);
            let r3 = v128.load(s + 3 * ldBytes);
            let t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
            let t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
            let t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
            let t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
            v128.store(d, i64x2.shuffle(t0, t2, 0, 2));
            v128.store(d + step, i64x2.shuffle(t0, t2, 1, 3));
            v128.store(d + 2 * step, i64x2.shuffle(t1, t3, 0, 2));
            v128.store(d + 3 * step, i64x2.shuffle(t1, t3, 1, 3));
          } else {
            let r0 = v128.load(s);
            let r1 = v128.load(s + ldBytes);
            v128.store(d, i64x2.shuffle(r0, r1, 0, 2));
            v128.store(d + step, i64x2.shuffle(r0, r1, 1, 3));
          }
          s += 16;
          d += <usize>V * step;
        }
      }
      k0 = kv;
    }
  }
  if (k0 < kc) {
    for (let r = 0; r < R; r++) {
      let s = src + <usize>r * ldBytes + <usize>k0 * size;
      let d = dst + <usize>k0 * step + <usize>r * size;
      if (r < n) {
        for (let k = k0; k < kc; k++) {
          store<T>(d, load<T>(s));
          s += size;
          d += step;
        }
      } else {
        for (let k = k0; k < kc; k++) {
          store<T>(d, 0);
          d += step;
        }
      }
    }
  }
}

// ── micro-kernels ──
//
// Each computes one MR×NR tile, C = Σ_k a_k·b_k^T over a kc-long sliver pair
// (or C += … when !overwrite), with the tile in registers for the whole k
// loop. The shapes are set by V8's x64 backend, not by the ISA: it allocates
// 15 xmm registers (xmm15 is its scratch) and its scheduler issues all the
// loads of a loop iteration before the arithmetic that uses them, so every
// value loaded for one k is live at once. 4×8 in f32 is 8 accumulators +
// 2 vectors of B + 4 broadcasts of A = 14 registers (4×4 in f64 likewise).
// 6×8 (20), 5×8 (17) and 3×12 (15 plus a temporary) spill and ran 20–35%
// slower; unrolling the k loop, which doubles the loads in flight, 40–55%
// slower. 2×16 ties with 4×8. Broadcasting A from a pre-splatted packing
// (plain loads instead of load32_splat) gained nothing. Looping on an end
// pointer instead of a counter gained ~7%.
//
// The loop is then bound by how fast the core takes in instructions (about
// 31 per k, 16 of them arithmetic), not by its floating-point units: the
// relaxed-SIMD build fuses each multiply and add into one relaxed_madd, which
// V8 turns into an FMA where the CPU has one (x64 with FMA3, arm64), and ran
// 1.3–1.4× as fast on an AMD Zen 3 core (EPYC). Relaxed madd may round once
// (fused) or twice, as the host decides, so that build's products can differ
// in the last bits from host to host; the SIMD build rounds twice everywhere,
// like the scalar one.

@inline function maddF32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline function maddF64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}


/** 4×8 f32: cIV holds row I, columns 4V..4V+3; kc ≥ 1. */
function microF32(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, overwrite: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let end = pb + <usize>kc * 32;
  do {
    let b0 = v128.load(pb, 0);
    let b1 = v128.load(pb, 16);
    let a0 = v128.load32_splat(pa, 0);
    c00 = maddF32(a0, b0, c00);
    c01 = maddF32(a0, b1, c01);
    let a1 = v128.load32_splat(pa, 4);
    c10 = maddF32(a1, b0, c10);
    c11 = maddF32(a1, b1, c11);
    let a2 = v128.load32_splat(pa, 8);
    c20 = maddF32(a2, b0, c20);
    c21 = maddF32(a2, b1, c21);
    let a3 = v128.load32_splat(pa, 12);
    c30 = maddF32(a3, b0, c30);
    c31 = maddF32(a3, b1, c31);
    pa += 16; pb += 32;
  } while (pb < end);
  if (overwrite) {
    v128.store(c, c00, 0);
    v128.store(c, c01, 16);
    v128.store(c + 1 * ldc, c10, 0);
    v128.store(c + 1 * ldc, c11, 16);
    v128.store(c + 2 * ldc, c20, 0);
    v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30, 0);
    v128.store(c + 3 * ldc, c31, 16);
  } else {
    v128.store(c, f32x4.add(v128.load(c, 0), c00), 0);
    v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
    let r1 = c + 1 * ldc;
    v128.store(r1, f32x4.add(v128.load(r1, 0), c10), 0);
    v128.store(r1, f32x4.add(v128.load(r1, 16), c11), 16);
    let r2 = c + 2 * ldc;
    v128.store(r2, f32x4.add(v128.load(r2, 0), c20), 0);
    v128.store(r2, f32x4.add(v128.load(r2, 16), c21), 16);
    let r3 = c + 3 * ldc;
    v128.store(r3, f32x4.add(v128.load(r3, 0), c30), 0);
    v128.store(r3, f32x4.add(v128.load(r3, 16), c31), 16);
  }
}

/** 4×4 f64: cIV holds row I, columns 2V..2V+1; kc ≥ 1. */
function microF64(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, overwrite: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let end = pb + <usize>kc * 32;
  do {
    let b0 = v128.load(pb, 0);
    let b1 = v128.load(pb, 16);
    let a0 = v128.load64_splat(pa, 0);
    c00 = maddF64(a0, b0, c00);
    c01 = maddF64(a0, b1, c01);
    let a1 = v128.load64_splat(pa, 8);
    c10 = maddF64(a1, b0, c10);
    c11 = maddF64(a1, b1, c11);
    let a2 = v128.load64_splat(pa, 16);
    c20 = maddF64(a2, b0, c20);
    c21 = maddF64(a2, b1, c21);
    let a3 = v128.load64_splat(pa, 24);
    c30 = maddF64(a3, b0, c30);
    c31 = maddF64(a3, b1, c31);
    pa += 32; pb += 32;
  } while (pb < end);
  if (overwrite) {
    v128.store(c, c00, 0);
    v128.store(c, c01, 16);
    v128.store(c + 1 * ldc, c10, 0);
    v128.store(c + 1 * ldc, c11, 16);
    v128.store(c + 2 * ldc, c20, 0);
    v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30, 0);
    v128.store(c + 3 * ldc, c31, 16);
  } else {
    v128.store(c, f64x2.add(v128.load(c, 0), c00), 0);
    v128.store(c, f64x2.add(v128.load(c, 16), c01), 16);
    let r1 = c + 1 * ldc;
    v128.store(r1, f64x2.add(v128.load(r1, 0), c10), 0);
    v128.store(r1, f64x2.add(v128.load(r1, 16), c11), 16);
    let r2 = c + 2 * ldc;
    v128.store(r2, f64x2.add(v128.load(r2, 0), c20), 0);
    v128.store(r2, f64x2.add(v128.load(r2, 16), c21), 16);
    let r3 = c + 3 * ldc;
    v128.store(r3, f64x2.add(v128.load(r3, 0), c30), 0);
    v128.store(r3, f64x2.add(v128.load(r3, 16), c31), 16);
  }
}

/** 2×4, one scalar per accumulator, for builds without SIMD: 8 + 2 + 4 = 14 registers (4×4, 3×4 and 4×2 ran 10–30% slower). */
function microScalar<T>(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, overwrite: bool): void {
  let c00: T = 0, c01: T = 0, c02: T = 0, c03: T = 0;
  let c10: T = 0, c11: T = 0, c12: T = 0, c13: T = 0;
  for (let k = 0; k < kc; k++) {
    let b0 = load<T>(pb, 0 * sizeof<T>());
    let b1 = load<T>(pb, 1 * sizeof<T>());
    let b2 = load<T>(pb, 2 * sizeof<T>());
    let b3 = load<T>(pb, 3 * sizeof<T>());
    let a0 = load<T>(pa, 0 * sizeof<T>());
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    let a1 = load<T>(pa, 1 * sizeof<T>());
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    pa += 2 * sizeof<T>(); pb += 4 * sizeof<T>();
  }
  if (overwrite) {
    store<T>(c + 0 * ldc, c00, 0 * sizeof<T>());
    store<T>(c + 0 * ldc, c01, 1 * sizeof<T>());
    store<T>(c + 0 * ldc, c02, 2 * sizeof<T>());
    store<T>(c + 0 * ldc, c03, 3 * sizeof<T>());
    store<T>(c + 1 * ldc, c10, 0 * sizeof<T>());
    store<T>(c + 1 * ldc, c11, 1 * sizeof<T>());
    store<T>(c + 1 * ldc, c12, 2 * sizeof<T>());
    store<T>(c + 1 * ldc, c13, 3 * sizeof<T>());
  } else {
    let r0 = c + 0 * ldc;
    store<T>(r0, load<T>(r0, 0 * sizeof<T>()) + c00, 0 * sizeof<T>());
    store<T>(r0, load<T>(r0, 1 * sizeof<T>()) + c01, 1 * sizeof<T>());
    store<T>(r0, load<T>(r0, 2 * sizeof<T>()) + c02, 2 * sizeof<T>());
    store<T>(r0, load<T>(r0, 3 * sizeof<T>()) + c03, 3 * sizeof<T>());
    let r1 = c + 1 * ldc;
    store<T>(r1, load<T>(r1, 0 * sizeof<T>()) + c10, 0 * sizeof<T>());
    store<T>(r1, load<T>(r1, 1 * sizeof<T>()) + c11, 1 * sizeof<T>());
    store<T>(r1, load<T>(r1, 2 * sizeof<T>()) + c12, 2 * sizeof<T>());
    store<T>(r1, load<T>(r1, 3 * sizeof<T>()) + c13, 3 * sizeof<T>());
  }
}
