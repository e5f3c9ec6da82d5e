import type { OpId } from './ops.js';

export type BackendName = 'wasm' | 'js';

/**
 * What a backend provides: the tape of assembly/tape.ts behind plain numbers.
 * Node ids and parameter slots are indices. Callers (Engine) have validated
 * every id and op before calling, so implementations do not check again.
 */
export interface Tape {
  readonly backend: BackendName;

  leaf(value: number): number;
  constant(value: number): number;
  unary(op: OpId, a: number): number;
  binary(op: OpId, a: number, b: number): number;
  /** Pushes Const(c), then (a op c), or (c op a) when constFirst. Returns the op node. */
  binaryConst(op: OpId, a: number, c: number, constFirst: boolean): number;
  /** Pushes a Param node reading the slot's current value. */
  paramNode(slot: number): number;

  value(id: number): number;
  grad(id: number): number;
  op(id: number): OpId;
  /** Input k of a node: a node id, the slot of a Param node, or -1. */
  input(id: number, k: 0 | 1): number;

  backward(root: number): void;
  zeroGrad(): void;
  reset(): void;

  createParam(value: number): number;
  paramValue(slot: number): number;
  setParamValue(slot: number, value: number): void;
  paramGrad(slot: number): number;
  setParamGrad(slot: number, grad: number): void;

  /** Frees eager nodes from `count` on (count ≤ nodeCount). */
  truncate(count: number): void;

  // ── compiled programs (assembly/program.ts); Engine has checked every argument ──

  /** Copies eager nodes [start, end) into a new program; returns its id. */
  createProgram(start: number, end: number, inputCount: number, root: number): number;
  freeProgram(id: number): void;
  programForward(id: number): void;
  /** Forward, then backward from the root (input gradients are this run's; parameter gradients accumulate). */
  programRun(id: number): void;
  /** Clears the program's parameter gradients, runs, then p -= lr · grad for each. */
  programStep(id: number, lr: number): void;
  /** Writes the values of the program's first inputs.length nodes (its inputs). */
  programSetInputs(id: number, inputs: ArrayLike<number>): void;
  programValue(id: number, node: number): number;
  programGrad(id: number, node: number): number;
  programInfo(id: number): ProgramInfo;
  /** Copies of the program's node arrays, for serialization. */
  programNodes(id: number): ProgramNodes;

  readonly nodeCount: number;
  readonly nodeCapacity: number;
  readonly paramCount: number;
  /** Bytes the backend holds for the tape and parameters (Wasm: the whole linear memory). */
  readonly memoryBytes: number;
}

export interface ProgramInfo {
  nodeCount: number;
  inputCount: number;
  root: number;
  /** Every parameter slot the program reads, once each, ascending. */
  slots: number[];
}

export interface ProgramNodes {
  ops: Uint8Array;
  inputsA: Int32Array;
  inputsB: Int32Array;
  values: Float64Array;
}
