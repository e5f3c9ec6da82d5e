// The type of `import wasm from 'wasmgrad/wasm'` (and of 'wasmgrad/wasm-simd'
// and 'wasmgrad/wasm-relaxed-simd'). What the import gives depends on the
// bundler: a WebAssembly.Module (Wrangler, Vite's ?init), a URL string
// (esbuild's file loader, Vite's ?url), or the bytes (esbuild's binary
// loader); `createEngine({ wasm })` takes each of them.
import type { WasmSource } from '../dist/index.js';

declare const wasm: WasmSource;
export default wasm;
