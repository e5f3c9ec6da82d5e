// The op table as the TypeScript side sees it. Ids, arities and symbols are
// declared in registry/ops.mjs and generated into ./generated/ops.ts, the same
// ids assembly/generated/ops.ts gives the Wasm core (test/registry.test.ts
// checks them against the compiled module); OP_INFO's mapped type makes a
// missing entry a compile error.

export { Op, OP_ARITY, OP_INFO, OP_NAMES, OP_COUNT, type OpName, type OpId, type OpInfo, type ScalarMethodName, type ScalarUnaryOpId, type ScalarBinaryOpId } from './generated/ops.js';
