/** assembly/tensor/gemm.entry.ts compiled in memory with the core's options, with or without SIMD. */
export function compileGemmEntry(simd: boolean): Promise<Uint8Array<ArrayBuffer>>;
