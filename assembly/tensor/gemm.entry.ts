// Standalone entry for testing and benchmarking the matrix-multiply kernel
// on its own (test/gemm.test.ts, bench/gemm.mjs). Bools cross the boundary
// as i32 because that is what every host can pass.

import { gemm, gemmReady } from "./gemm";
import * as mem from "../memory";

export function gemmF32(transA: i32, transB: i32, M: i32, N: i32, K: i32,
                        a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, accumulate: i32): void {
  if (!gemmReady()) unreachable();
  gemm<f32>(transA != 0, transB != 0, M, N, K, a, lda, b, ldb, c, ldc, accumulate != 0);
}

export function gemmF64(transA: i32, transB: i32, M: i32, N: i32, K: i32,
                        a: usize, lda: i32, b: usize, ldb: i32,
                        c: usize, ldc: i32, accumulate: i32): void {
  if (!gemmReady()) unreachable();
  gemm<f64>(transA != 0, transB != 0, M, N, K, a, lda, b, ldb, c, ldc, accumulate != 0);
}

export function alloc(bytes: usize): usize {
  return mem.malloc(bytes);
}

export function free(ptr: usize): void {
  mem.free(ptr);
}
