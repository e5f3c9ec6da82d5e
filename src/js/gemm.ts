// The pure-JS twin of assembly/tensor/gemm.ts: the same product with the
// same semantics, over typed arrays with element offsets.
//
// Same structure as the Wasm kernel (pack panels of op(A) and op(B) into
// contiguous scratch, then run a register-tiled micro-kernel over them), for
// the same reasons: packing absorbs transposition, so all four transpose
// combinations run the same inner loop, and the inner loop reads two
// sequential streams. The scratch holds doubles whatever the input type, so
// the micro-kernel is monomorphic and f32 inputs are widened once, while
// packing, instead of on every multiply-add. It is a plain Array, not a
// Float64Array: V8's per-access work on an array of doubles is lighter than
// on a typed array, and the kernel ran 10–15% faster. It is created full of
// non-integer doubles so that its elements kind is PACKED_DOUBLE from the
// start; integer-valued inputs can never make it a second kind. A consequence: f32 products are
// accumulated in f64 within each KC block and rounded to f32 when stored,
// which is at least as accurate as the Wasm kernel's f32 accumulation.
//
// The tile is 2×4: eight accumulators, two values of op(A) and four of op(B)
// are fourteen doubles, which V8 keeps in registers (x64 gives it fifteen).
// Larger tiles (3×4, 4×4, 2×6) measured the same, not better: what bounds
// this loop is V8's per-access work on typed arrays (map, bounds and
// overflow checks), not registers. Unblocked i-k-j ran 3.5–5× slower.

type FloatArray = Float32Array | Float64Array;

const MR = 2;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;

let packA: number[] = doubles(0);
let packB: number[] = doubles(0);
const edgeTile = new Float64Array(MR * NR);

/**
 * C[M×N] = op(A) @ op(B) (or C += … when accumulate), row-major, with element
 * offsets aOff, bOff, cOff and row strides lda, ldb, ldc.
 * op(A) is M×K: A is stored M×K when !transA, else K×M (A^T).
 * op(B) is K×N: B is stored K×N when !transB, else N×K (B^T).
 * Leading dimensions are at least the stored row length; C must not overlap
 * A or B. Without accumulate, C is only written, never read.
 */
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  a: FloatArray, aOff: number, lda: number,
  b: FloatArray, bOff: number, ldb: number,
  c: FloatArray, cOff: number, ldc: number, accumulate: boolean): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) for (let i = 0; i < M; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + N);
    return;
  }
  const kcMax = Math.min(K, KC);
  const needA = Math.ceil(Math.min(M, MC) / MR) * MR * kcMax;
  const needB = Math.ceil(Math.min(N, NC) / NR) * NR * kcMax;
  if (packA.length < needA) packA = doubles(needA);
  if (packB.length < needB) packB = doubles(needB);
  const pa = packA;
  const pb = packB;

  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      const overwrite = !accumulate && pc === 0;
      packPanel(pb, NR, b, transB ? bOff + jc * ldb + pc : bOff + pc * ldb + jc, ldb, transB, nc, kc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packPanel(pa, MR, a, transA ? aOff + pc * lda + ic : aOff + ic * lda + pc, lda, !transA, mc, kc);
        macroKernel(pa, pb, mc, nc, kc, c, cOff + ic * ldc + jc, ldc, overwrite);
      }
    }
  }
}

function doubles(n: number): number[] {
  return Array.from({ length: Math.max(n, 1) }, () => 0.5);
}

/**
 * Packs n (≤ a block) rows or columns of a kc-long panel into slivers of R,
 * each k-major: dst[s·R·kc + k·R + r] holds element (s·R + r, k) of the
 * panel, zero past n. When `interleave`, element (i, k) is src[off + i·ld + k]
 * (the panel's rows are the source's rows); otherwise it is src[off + k·ld + i].
 */
function packPanel(dst: number[], R: number, src: FloatArray, off: number, ld: number, interleave: boolean, n: number, kc: number): void {
  let d = 0;
  for (let s = 0; s < n; s += R) {
    const rows = Math.min(R, n - s);
    if (interleave) {
      for (let r = 0; r < R; r++) {
        let at = d + r;
        if (r < rows) {
          let from = off + (s + r) * ld;
          for (let k = 0; k < kc; k++, at += R) dst[at] = src[from++];
        } else {
          for (let k = 0; k < kc; k++, at += R) dst[at] = 0;
        }
      }
    } else {
      let at = d;
      let from = off + s;
      for (let k = 0; k < kc; k++, from += ld) {
        for (let r = 0; r < rows; r++) dst[at++] = src[from + r];
        for (let r = rows; r < R; r++) dst[at++] = 0;
      }
    }
    d += R * kc;
  }
}

function macroKernel(pa: number[], pb: number[], mc: number, nc: number, kc: number,
  c: FloatArray, cOff: number, ldc: number, overwrite: boolean): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const bStart = jr * kc; // (jr / NR) slivers of NR·kc
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = Math.min(MR, mc - ir);
      let ia = ir * kc;
      let ib = bStart;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      for (let k = 0; k < kc; k++) {
        const a0 = pa[ia];
        const a1 = pa[ia + 1];
        const b0 = pb[ib];
        const b1 = pb[ib + 1];
        const b2 = pb[ib + 2];
        const b3 = pb[ib + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        ia += MR;
        ib += NR;
      }
      const row0 = cOff + ir * ldc + jr;
      if (mr === MR && nr === NR) {
        const row1 = row0 + ldc;
        if (overwrite) {
          c[row0] = c00; c[row0 + 1] = c01; c[row0 + 2] = c02; c[row0 + 3] = c03;
          c[row1] = c10; c[row1 + 1] = c11; c[row1 + 2] = c12; c[row1 + 3] = c13;
        } else {
          c[row0] += c00; c[row0 + 1] += c01; c[row0 + 2] += c02; c[row0 + 3] += c03;
          c[row1] += c10; c[row1 + 1] += c11; c[row1 + 2] += c12; c[row1 + 3] += c13;
        }
      } else {
        const tile = edgeTile;
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        for (let i = 0; i < mr; i++) {
          for (let j = 0; j < nr; j++) {
            const at = row0 + i * ldc + j;
            c[at] = overwrite ? tile[i * NR + j] : c[at] + tile[i * NR + j];
          }
        }
      }
    }
  }
}
