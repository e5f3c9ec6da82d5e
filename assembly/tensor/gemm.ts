// Placeholder: a plain triple loop with the tuned kernel's signature.
// C[M×N] = op(A) @ op(B) (or += when accumulate), row-major.
export function gemm<T>(transA: bool, transB: bool, M: i32, N: i32, K: i32,
                        a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, accumulate: bool): void {
  let sh = alignof<T>();
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: T = 0;
      for (let k = 0; k < K; k++) {
        let x = load<T>(a + ((transA ? <usize>(k * lda + i) : <usize>(i * lda + k)) << sh));
        let y = load<T>(b + ((transB ? <usize>(j * ldb + k) : <usize>(k * ldb + j)) << sh));
        s += x * y;
      }
      let p = c + (<usize>(i * ldc + j) << sh);
      store<T>(p, accumulate ? load<T>(p) + s : s);
    }
  }
}
