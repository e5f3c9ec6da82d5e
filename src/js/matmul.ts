// General matrix multiply for the JS twin, row-major:
// C[M×N] (+)= op(A)[M×K] · op(B)[K×N], op = transpose when asked.
// A tuned src/js/gemm.ts with this exact signature will replace it.
//
// Blocking: the i-k-j order streams a row of B and a row of C through the
// innermost loop (both contiguous when B is not transposed), and K is cut
// into panels of KC rows of B so that a panel (KC·N elements for the N
// block) stays in L2 while every row of A passes over it. Four rows of C are
// updated per pass, so each element of B loaded feeds four multiply-adds.
// When B is transposed, each C element is a dot product of two contiguous
// rows (when A is not transposed), which needs no blocking to stream well.

export type GemmArray = Float32Array | Float64Array;

const KC = 128;
const NC = 1024;

export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  a: GemmArray, aOff: number, lda: number,
  b: GemmArray, bOff: number, ldb: number,
  c: GemmArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (!accumulate) {
    for (let i = 0; i < M; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  }
  if (M === 0 || N === 0 || K === 0) return;
  // A(i, k) = a[aOff + i·sai + k·sak]
  const sai = transA ? 1 : lda;
  const sak = transA ? lda : 1;
  if (transB) {
    gemmDot(M, N, K, a, aOff, sai, sak, b, bOff, ldb, c, cOff, ldc);
    return;
  }
  for (let j0 = 0; j0 < N; j0 += NC) {
    const j1 = Math.min(N, j0 + NC);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const k1 = Math.min(K, k0 + KC);
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        for (let k = k0; k < k1; k++) {
          const ak = aOff + i * sai + k * sak;
          const a0 = a[ak], a1 = a[ak + sai], a2 = a[ak + 2 * sai], a3 = a[ak + 3 * sai];
          const bk = bOff + k * ldb;
          for (let j = j0; j < j1; j++) {
            const bv = b[bk + j];
            c[c0 + j] += a0 * bv;
            c[c1 + j] += a1 * bv;
            c[c2 + j] += a2 * bv;
            c[c3 + j] += a3 * bv;
          }
        }
      }
      for (; i < M; i++) {
        const ci = cOff + i * ldc;
        for (let k = k0; k < k1; k++) {
          const av = a[aOff + i * sai + k * sak];
          const bk = bOff + k * ldb;
          for (let j = j0; j < j1; j++) c[ci + j] += av * b[bk + j];
        }
      }
    }
  }
}

/** C(i, j) += Σ_k A(i, k)·B[j, k]: op(B) is the transpose of a row-major [N×K] matrix. */
function gemmDot(
  M: number, N: number, K: number,
  a: GemmArray, aOff: number, sai: number, sak: number,
  b: GemmArray, bOff: number, ldb: number,
  c: GemmArray, cOff: number, ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * sai;
    const ci = cOff + i * ldc;
    for (let j = 0; j < N; j++) {
      const bj = bOff + j * ldb;
      let s0 = 0, s1 = 0;
      let k = 0;
      for (; k + 2 <= K; k += 2) {
        s0 += a[ai + k * sak] * b[bj + k];
        s1 += a[ai + (k + 1) * sak] * b[bj + k + 1];
      }
      if (k < K) s0 += a[ai + k * sak] * b[bj + k];
      c[ci + j] += s0 + s1;
    }
  }
}
