/** assembly/tensor/gemm.entry.ts compiled in memory with the core's options: with SIMD (true), without (false), or with SIMD and relaxed SIMD ('relaxed'). */
export function compileGemmEntry(simd: boolean | 'relaxed'): Promise<Uint8Array<ArrayBuffer>>;
