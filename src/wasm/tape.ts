// The Wasm backend: the Tape interface over the exports of assembly/index.ts.

import type { OpId } from '../ops.js';
import { CORE_OUT_OF_MEMORY, memoryError, type ProgramInfo, type ProgramNodes, type Tape } from '../tape.js';
import { ERROR_NAMES, ErrorCode } from '../generated/ops.js';
import type { ModuleExports } from '../generated/exports.js';

/**
 * The exports of build/wasmgrad.wasm (ABI version 1, docs/abi.md), typed as the compiler declares them (asc
 * --bindings raw, turned into src/generated/exports.ts by npm run gen): a
 * signature changed in assembly/ reaches this type without a copy kept by hand.
 */
export type CoreExports = ModuleExports;

export { ERROR_NAMES } from '../generated/ops.js';

/**
 * A failed core call as an error, for the scalar tape and the tensor backend
 * alike. Out of memory (lastError() 11, or a trap from a core that still
 * traps when memory cannot grow) is memoryError's to say; the core leaves its
 * state as before the call, so the engine stays usable. Every other code
 * means the wrapper let through something it should have refused: a bug in
 * wasmgrad, said as such.
 */
export function coreFailure(core: { lastError(): number; readonly memory: WebAssembly.Memory }, op: string, what: string, trap?: unknown): Error {
  const bytes = core.memory.buffer.byteLength;
  if (trap !== undefined) {
    if (!(trap instanceof WebAssembly.RuntimeError)) return trap instanceof Error ? trap : new Error(String(trap));
    return memoryError(trap, op, bytes)!;
  }
  const code = core.lastError();
  if (code === ErrorCode.OutOfMemory) return memoryError(CORE_OUT_OF_MEMORY, op, bytes)!;
  return new Error(`wasmgrad: the core rejected ${what} (error ${code}: ${ERROR_NAMES[code] ?? 'unknown'})`);
}

export const ABI_VERSION = 1;

export class WasmTape implements Tape {
  readonly backend = 'wasm' as const;
  readonly core: CoreExports;

  constructor(instance: WebAssembly.Instance) {
    this.core = instance.exports as unknown as CoreExports;
    const version = this.core.abiVersion?.();
    if (version !== ABI_VERSION) {
      throw new Error(`wasmgrad: the Wasm core has ABI version ${version}, this wrapper needs ${ABI_VERSION}`);
    }
  }

  leaf(value: number): number { return this.core.pushLeaf(value); }
  constant(value: number): number { return this.core.pushConst(value); }
  unary(op: OpId, a: number): number { return this.core.pushUnary(op, a); }
  binary(op: OpId, a: number, b: number): number { return this.core.pushBinary(op, a, b); }
  binaryConst(op: OpId, a: number, c: number, constFirst: boolean): number {
    return this.core.pushBinaryConst(op, a, c, constFirst ? 1 : 0);
  }
  paramNode(slot: number): number { return this.core.pushParam(slot); }

  value(id: number): number { return this.core.nodeValue(id); }
  grad(id: number): number { return this.core.nodeGrad(id); }
  op(id: number): OpId { return this.core.nodeOp(id) as OpId; }
  input(id: number, k: 0 | 1): number { return this.core.nodeInput(id, k); }

  backward(root: number): void { this.core.backward(root); }
  zeroGrad(): void { this.core.zeroGrad(); }
  reset(): void { this.core.reset(); }

  createParam(value: number): number { return this.core.paramCreate(value); }
  paramValue(slot: number): number { return this.core.paramValue(slot); }
  setParamValue(slot: number, value: number): void { this.core.paramSetValue(slot, value); }
  paramGrad(slot: number): number { return this.core.paramGrad(slot); }
  setParamGrad(slot: number, grad: number): void { this.core.paramSetGrad(slot, grad); }

  truncate(count: number): void { this.core.truncate(count); }

  createProgram(start: number, end: number, inputCount: number, root: number): number {
    return this.core.programCreate(start, end, inputCount, root);
  }
  freeProgram(id: number): void { this.core.programFree(id); }
  programForward(id: number): void { this.core.programForward(id); }
  programRun(id: number): void { this.core.programRun(id); }
  programStep(id: number, lr: number): void { this.core.programStep(id, lr); }

  programSetInputs(id: number, inputs: ArrayLike<number>): void {
    // A fresh view each time: any allocation since the last call may have grown (and detached) memory.
    // Addresses are u32 that arrive as signed i32: past 2 GiB they are negative until read with >>> 0.
    new Float64Array(this.core.memory.buffer, this.core.programValuesPointer(id) >>> 0, inputs.length).set(inputs);
  }

  programValue(id: number, node: number): number { return this.core.programValue(id, node); }
  programGrad(id: number, node: number): number { return this.core.programGrad(id, node); }

  programInfo(id: number): ProgramInfo {
    const c = this.core;
    const slots: number[] = [];
    for (let k = 0, n = c.programSlotCount(id); k < n; k++) slots.push(c.programSlot(id, k));
    return { nodeCount: c.programNodeCount(id), inputCount: c.programInputCount(id), root: c.programRoot(id), slots };
  }

  // The bytes go to the core's own validator and loader (docs/abi.md: alloc, copy, programLoad, free).
  loadProgram(bytes: Uint8Array): number {
    const c = this.core;
    const ptr = c.alloc(bytes.length);
    if (ptr === 0) return -1; // lastError() is OutOfMemory
    try {
      new Uint8Array(c.memory.buffer, ptr >>> 0, bytes.length).set(bytes);
      return c.programLoad(ptr, bytes.length);
    } finally {
      c.free(ptr);
    }
  }

  programNodes(id: number): ProgramNodes {
    const c = this.core;
    const n = c.programNodeCount(id);
    const buffer = c.memory.buffer;
    return {
      ops: new Uint8Array(buffer, c.programOpsPointer(id) >>> 0, n).slice(),
      inputsA: new Int32Array(buffer, c.programInputsAPointer(id) >>> 0, n).slice(),
      inputsB: new Int32Array(buffer, c.programInputsBPointer(id) >>> 0, n).slice(),
      values: new Float64Array(buffer, c.programValuesPointer(id) >>> 0, n).slice(),
    };
  }

  get nodeCount(): number { return this.core.nodeCount(); }
  get nodeCapacity(): number { return this.core.nodeCapacity(); }
  get paramCount(): number { return this.core.paramCount(); }
  get memoryBytes(): number { return this.core.memory.buffer.byteLength; }
  get heapBytes(): number { return this.core.heapBytes(); }

  failure(opName: string, thrown?: unknown): Error {
    return coreFailure(this.core, opName, opName, thrown);
  }
}
