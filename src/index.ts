export { createEngine, Engine, type EngineOptions, type EngineStats } from './engine.js';
export { Value, Param, type Scalar } from './value.js';
export { Program, FORMAT_VERSION, type RunResult } from './program.js';
export { Op, OP_INFO, OP_NAMES, type OpName, type OpId, type OpInfo } from './ops.js';
export type { BackendName } from './tape.js';
export type { WasmSource } from './wasm/load.js';
export { Random } from './random.js';
export * as nn from './nn.js';
