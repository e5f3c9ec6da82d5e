import type { W6Config, W7Config } from './data.mjs';
/** The library's module: dist/index.js, or src/index.ts under test. */
export type WasmgradModule = typeof import('../../src/index.js');
export type Engine = import('../../src/index.js').Engine;
export function wasmgradW6(mod: WasmgradModule, eng: Engine, cfg?: W6Config): () => number;
export function wasmgradW7(mod: WasmgradModule, eng: Engine, cfg?: W7Config): () => number;
