// The pure-JS twin of assembly/tape.ts: the same struct-of-arrays tape, the
// same push and sweep, on typed arrays, so that a benchmark compares one
// algorithm compiled two ways (AssemblyScript to Wasm, TypeScript by V8's JIT).

import { Op, type OpId } from '../ops.js';
import type { Tape } from '../tape.js';
import { forward, backward } from './ops.js';

const INITIAL_NODES = 1024;
// Op ids the sweep tests, as plain constants for the JIT.
const LEAF = Op.Leaf;
const CONST = Op.Const;
const PARAM = Op.Param;
const LAST_BINARY = Op.PowConst;
const INITIAL_PARAMS = 64;

function grown<T extends Float64Array | Int32Array | Uint8Array>(arr: T, capacity: number): T {
  const next = new (arr.constructor as new (n: number) => T)(capacity);
  next.set(arr);
  return next;
}

export class JsTape implements Tape {
  readonly backend = 'js' as const;
  nodeCount = 0;
  nodeCapacity = INITIAL_NODES;
  paramCount = 0;
  private ops = new Uint8Array(INITIAL_NODES);
  private inputsA = new Int32Array(INITIAL_NODES);
  private inputsB = new Int32Array(INITIAL_NODES);
  private values = new Float64Array(INITIAL_NODES);
  private grads = new Float64Array(INITIAL_NODES);
  private reached = new Uint8Array(INITIAL_NODES);
  private paramValues = new Float64Array(INITIAL_PARAMS);
  private paramGrads = new Float64Array(INITIAL_PARAMS);

  get memoryBytes(): number {
    return this.nodeCapacity * 26 + this.paramValues.length * 16;
  }

  private growNodes(): void {
    const cap = this.nodeCapacity * 2;
    this.ops = grown(this.ops, cap);
    this.inputsA = grown(this.inputsA, cap);
    this.inputsB = grown(this.inputsB, cap);
    this.values = grown(this.values, cap);
    this.grads = grown(this.grads, cap);
    this.reached = grown(this.reached, cap);
    this.nodeCapacity = cap;
  }

  private push(op: number, a: number, b: number, value: number): number {
    const id = this.nodeCount;
    if (id === this.nodeCapacity) this.growNodes();
    this.ops[id] = op;
    this.inputsA[id] = a;
    this.inputsB[id] = b;
    this.values[id] = value;
    this.grads[id] = 0;
    this.nodeCount = id + 1;
    return id;
  }

  leaf(value: number): number { return this.push(Op.Leaf, -1, -1, value); }
  constant(value: number): number { return this.push(Op.Const, -1, -1, value); }
  unary(op: OpId, a: number): number { return this.push(op, a, -1, forward(op, this.values[a], 0)); }
  binary(op: OpId, a: number, b: number): number {
    return this.push(op, a, b, forward(op, this.values[a], this.values[b]));
  }
  binaryConst(op: OpId, a: number, c: number, constFirst: boolean): number {
    const k = this.constant(c);
    return constFirst ? this.binary(op, k, a) : this.binary(op, a, k);
  }
  paramNode(slot: number): number { return this.push(Op.Param, slot, -1, this.paramValues[slot]); }

  value(id: number): number { return this.values[id]; }
  grad(id: number): number { return this.grads[id]; }
  op(id: number): OpId { return this.ops[id] as OpId; }
  input(id: number, k: 0 | 1): number { return k === 0 ? this.inputsA[id] : this.inputsB[id]; }

  // Same contract as backwardFrom in assembly/tape.ts. Two functions rather
  // than two loops in one, so that V8 optimizes each with its own feedback
  // instead of on-stack-replacing into the first loop and deoptimizing at the second.
  backward(root: number): void {
    this.clearGrads(root);
    this.sweep(root);
  }

  private clearGrads(root: number): void {
    const { ops, grads, reached } = this;
    reached.fill(0, 0, root + 1);
    for (let i = 0; i <= root; i++) if (ops[i] !== LEAF) grads[i] = 0;
  }

  private sweep(root: number): void {
    const { ops, inputsA, inputsB, values, grads, reached, paramGrads } = this;
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
      if (op <= LAST_BINARY) {
        const b = inputsB[id];
        backward(op, values[a], values[b], values[id], g, grads, a, b);
        reached[a] = 1;
        reached[b] = 1;
      } else {
        backward(op, values[a], 0, values[id], g, grads, a, -1);
        reached[a] = 1;
      }
    }
  }

  zeroGrad(): void {
    this.grads.fill(0, 0, this.nodeCount);
    this.paramGrads.fill(0, 0, this.paramCount);
  }

  reset(): void {
    this.nodeCount = 0;
  }

  createParam(value: number): number {
    const slot = this.paramCount;
    if (slot === this.paramValues.length) {
      this.paramValues = grown(this.paramValues, slot * 2);
      this.paramGrads = grown(this.paramGrads, slot * 2);
    }
    this.paramValues[slot] = value;
    this.paramGrads[slot] = 0;
    this.paramCount = slot + 1;
    return slot;
  }
  paramValue(slot: number): number { return this.paramValues[slot]; }
  setParamValue(slot: number, value: number): void { this.paramValues[slot] = value; }
  paramGrad(slot: number): number { return this.paramGrads[slot]; }
  setParamGrad(slot: number, grad: number): void { this.paramGrads[slot] = grad; }
}
