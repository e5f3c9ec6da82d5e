import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { hasRelaxedSimd } from './src/wasm/load.js';

export default defineConfig({
  resolve: {
    // Examples import 'wasmgrad' as users do; under test that name means the source tree.
    alias: { wasmgrad: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Node 20 runs relaxed SIMD only behind this flag (Node 22, Chrome, Deno
    // and Bun without one, and later V8s reject it): with it the suite covers
    // all three Wasm builds wherever it runs.
    execArgv: hasRelaxedSimd() ? [] : ['--experimental-wasm-relaxed-simd'],
  },
});
