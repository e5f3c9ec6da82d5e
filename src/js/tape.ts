// The pure-JS twin of assembly/tape.ts, params.ts and program.ts: the same
// struct-of-arrays tapes, the same push, replay and sweep, on typed arrays,
// so that a benchmark compares one algorithm compiled two ways
// (AssemblyScript to Wasm, TypeScript by V8's JIT).

import { Op, OP_ARITY, OP_INFO, OP_NAMES, type OpId, type ScalarBinaryOpId, type ScalarUnaryOpId } from '../ops.js';
import { SCALAR_NODE_BYTES, memoryError, type ProgramInfo, type ProgramNodes, type Tape } from '../tape.js';
import { forward1, forward2, backward1, backward2 } from './ops.js';
import { buildCode, replay, sweepBack, type Code } from './program.js';

// Op ids the loops test, as plain constants for the JIT.
const LEAF = Op.Leaf;
const CONST = Op.Const;
const PARAM = Op.Param;

function grown<T extends Float64Array | Int32Array | Uint8Array>(arr: T, capacity: number): T {
  const next = new (arr.constructor as new (n: number) => T)(capacity);
  next.set(arr);
  return next;
}

/** Parameter slots (params.ts). Growth replaces the arrays, so readers keep the store, never an array. */
class ParamStore {
  count = 0;
  values = new Float64Array(64);
  grads = new Float64Array(64);

  create(value: number): number {
    const slot = this.count;
    if (slot === this.values.length) {
      this.values = grown(this.values, slot * 2);
      this.grads = grown(this.grads, slot * 2);
    }
    this.values[slot] = value;
    this.grads[slot] = 0;
    this.count = slot + 1;
    return slot;
  }
}

/** One tape (tape.ts): the eager graph, or a compiled program's. */
class Graph {
  count = 0;
  capacity: number;
  ops: Uint8Array;
  inputsA: Int32Array;
  inputsB: Int32Array;
  values: Float64Array;
  grads: Float64Array;
  reached: Uint8Array;

  constructor(
    capacity: number,
    readonly params: ParamStore,
  ) {
    this.capacity = capacity;
    this.ops = new Uint8Array(capacity);
    this.inputsA = new Int32Array(capacity);
    this.inputsB = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.grads = new Float64Array(capacity);
    this.reached = new Uint8Array(capacity);
  }

  private grow(): void {
    const cap = this.capacity * 2;
    this.ops = grown(this.ops, cap);
    this.inputsA = grown(this.inputsA, cap);
    this.inputsB = grown(this.inputsB, cap);
    this.values = grown(this.values, cap);
    this.grads = grown(this.grads, cap);
    this.reached = grown(this.reached, cap);
    this.capacity = cap;
  }

  push(op: number, a: number, b: number, value: number): number {
    const id = this.count;
    if (id === this.capacity) this.grow();
    this.ops[id] = op;
    this.inputsA[id] = a;
    this.inputsB[id] = b;
    this.values[id] = value;
    this.grads[id] = 0;
    this.count = id + 1;
    return id;
  }

  // Same contract as backwardFrom in assembly/tape.ts. Clearing and sweeping
  // are two functions rather than two loops in one, so that V8 optimizes each
  // with its own feedback instead of on-stack-replacing into the first loop
  // and deoptimizing at the second.
  backward(root: number): void {
    this.clearForSweep(root);
    this.sweep(root);
  }

  private clearForSweep(root: number): void {
    const { ops, grads, reached } = this;
    reached.fill(0, 0, root + 1);
    for (let i = 0; i <= root; i++) if (ops[i] !== LEAF) grads[i] = 0;
  }

  private sweep(root: number): void {
    const { ops, inputsA, inputsB, values, grads, reached } = this;
    const paramGrads = this.params.grads;
    reached[root] = 1;
    grads[root] += 1;
    for (let id = root; id >= 0; id--) {
      if (reached[id] === 0) continue;
      const op = ops[id];
      if (op <= CONST) continue;
      const g = grads[id];
      const a = inputsA[id];
      if (op === PARAM) {
        paramGrads[a] += g;
        continue;
      }
      if (OP_ARITY[op] === 2) {
        const b = inputsB[id];
        backward2(op as ScalarBinaryOpId, values[a], values[b], values[id], g, grads, a, b);
        reached[a] = 1;
        reached[b] = 1;
      } else {
        grads[a] += backward1(op as ScalarUnaryOpId, values[a], values[id], g);
        reached[a] = 1;
      }
    }
  }
}

/** A compiled program (program.ts). */
interface JsProgram {
  graph: Graph;
  root: number;
  inputCount: number;
  /** Every parameter slot the program reads, once each, ascending. */
  slots: Int32Array;
  code: Code;
}

export class JsTape implements Tape {
  readonly backend = 'js' as const;
  private readonly params = new ParamStore();
  private readonly eager = new Graph(1024, this.params);
  private readonly programs: (JsProgram | undefined)[] = [];

  get nodeCount(): number { return this.eager.count; }
  get nodeCapacity(): number { return this.eager.capacity; }
  get paramCount(): number { return this.params.count; }
  get memoryBytes(): number {
    let nodes = this.eager.capacity;
    for (const p of this.programs) if (p) nodes += p.graph.capacity;
    return nodes * SCALAR_NODE_BYTES + this.params.values.length * 16;
  }
  /** The same arrays as memoryBytes: the twin has no heap apart from them. */
  get heapBytes(): number { return this.memoryBytes; }

  /**
   * The twin's calls throw rather than return -1. V8's "Array buffer
   * allocation failed" (a RangeError from growing a tape array) is out of
   * memory, said as the Wasm backend says it; the arrays are replaced only
   * after the copy succeeds, so the tape is intact.
   */
  failure(opName: string, thrown?: unknown): Error {
    if (thrown === undefined) return new Error(`wasmgrad: the JS tape returned no node for ${opName}`);
    const oom = memoryError(thrown, opName, this.memoryBytes, 'JavaScript could not allocate a larger tape array');
    return oom ?? (thrown instanceof Error ? thrown : new Error(String(thrown)));
  }

  leaf(value: number): number { return this.eager.push(LEAF, -1, -1, value); }
  constant(value: number): number { return this.eager.push(CONST, -1, -1, value); }
  unary(op: OpId, a: number): number {
    const e = this.eager;
    return e.push(op, a, -1, forward1(op as ScalarUnaryOpId, e.values[a]));
  }
  binary(op: OpId, a: number, b: number): number {
    const e = this.eager;
    return e.push(op, a, b, forward2(op as ScalarBinaryOpId, e.values[a], e.values[b]));
  }
  binaryConst(op: OpId, a: number, c: number, constFirst: boolean): number {
    const k = this.constant(c);
    return constFirst ? this.binary(op, k, a) : this.binary(op, a, k);
  }
  paramNode(slot: number): number { return this.eager.push(PARAM, slot, -1, this.params.values[slot]); }

  value(id: number): number { return this.eager.values[id]; }
  grad(id: number): number { return this.eager.grads[id]; }
  op(id: number): OpId { return this.eager.ops[id] as OpId; }
  input(id: number, k: 0 | 1): number { return k === 0 ? this.eager.inputsA[id] : this.eager.inputsB[id]; }

  backward(root: number): void { this.eager.backward(root); }

  zeroGrad(): void {
    this.eager.grads.fill(0, 0, this.eager.count);
    this.params.grads.fill(0, 0, this.params.count);
  }

  reset(): void { this.eager.count = 0; }
  truncate(count: number): void {
    if (count <= this.eager.count) this.eager.count = count; // as the core: never past the end
  }

  createParam(value: number): number { return this.params.create(value); }
  paramValue(slot: number): number { return this.params.values[slot]; }
  setParamValue(slot: number, value: number): void { this.params.values[slot] = value; }
  paramGrad(slot: number): number { return this.params.grads[slot]; }
  setParamGrad(slot: number, grad: number): void { this.params.grads[slot] = grad; }

  // Same contract as createProgram in assembly/program.ts; Engine has checked the range.
  createProgram(start: number, end: number, inputCount: number, root: number): number {
    const n = end - start;
    const e = this.eager;
    const graph = new Graph(n, this.params);
    graph.ops.set(e.ops.subarray(start, end));
    graph.inputsA.set(e.inputsA.subarray(start, end));
    graph.inputsB.set(e.inputsB.subarray(start, end));
    graph.values.set(e.values.subarray(start, end));
    graph.count = n;
    const seen = new Uint8Array(this.params.count);
    for (let id = 0; id < n; id++) {
      const op = graph.ops[id];
      if (op === PARAM) seen[graph.inputsA[id]] = 1;
      const arity = OP_INFO[OP_NAMES[op]].arity;
      if (arity >= 1) graph.inputsA[id] -= start;
      if (arity === 2) graph.inputsB[id] -= start;
    }
    const slots: number[] = [];
    for (let slot = 0; slot < seen.length; slot++) if (seen[slot]) slots.push(slot);
    const program: JsProgram = {
      graph,
      root: root - start,
      inputCount,
      slots: Int32Array.from(slots),
      code: buildCode(graph, root - start),
    };
    const free = this.programs.indexOf(undefined);
    if (free >= 0) {
      this.programs[free] = program;
      return free;
    }
    return this.programs.push(program) - 1;
  }

  freeProgram(id: number): void { this.programs[id] = undefined; }

  private program(id: number): JsProgram {
    return this.programs[id]!;
  }

  programForward(id: number): void {
    const p = this.program(id);
    replay(p.code.forward, p.graph.values, this.params.values);
  }

  programRun(id: number): void {
    const p = this.program(id);
    replay(p.code.forward, p.graph.values, this.params.values);
    sweepBack(p.code.backward, p.root, p.graph, this.params.grads);
  }

  programStep(id: number, lr: number): void {
    const p = this.program(id);
    const { values, grads } = this.params;
    for (const slot of p.slots) grads[slot] = 0;
    this.programRun(id);
    for (const slot of p.slots) values[slot] -= lr * grads[slot];
  }

  programSetInputs(id: number, inputs: ArrayLike<number>): void {
    this.program(id).graph.values.set(inputs);
  }

  programValue(id: number, node: number): number { return this.program(id).graph.values[node]; }
  programGrad(id: number, node: number): number { return this.program(id).graph.grads[node]; }

  programInfo(id: number): ProgramInfo {
    const p = this.program(id);
    return { nodeCount: p.graph.count, inputCount: p.inputCount, root: p.root, slots: Array.from(p.slots) };
  }

  programNodes(id: number): ProgramNodes {
    const g = this.program(id).graph;
    return {
      ops: g.ops.slice(0, g.count),
      inputsA: g.inputsA.slice(0, g.count),
      inputsB: g.inputsB.slice(0, g.count),
      values: g.values.slice(0, g.count),
    };
  }
}
