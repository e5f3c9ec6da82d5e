// Compiled programs: a graph recorded once (Engine.compile) and replayed as
// one call per run, in Wasm or in the JS twin; and their serialized form.

import { checkNumber, describe } from './check.js';
import type { EngineContext, EngineType, ProgramOps } from './context.js';
import { Op, OP_COUNT, OP_INFO, OP_NAMES } from './ops.js';
import type { ProgramNodes } from './tape.js';
import type { Param } from './value.js';
import { WasmgradArgumentError, WasmgradStaleHandleError, WasmgradValueError } from './errors.js';

export interface RunResult {
  /** The outputs' values, in the order `fn` returned them. */
  outputs: Float64Array;
  /** d outputs[0] / d inputs[k], for each input. */
  grads: Float64Array;
}

/**
 * A graph recorded once by `eng.compile(fn, example)`. Each run writes new
 * inputs, recomputes every node in Wasm (or the JS twin) and sweeps backward
 * from the first output, without building anything or allocating in the
 * engine. Ops whose branch depends on data (relu, abs, pow) take it anew on
 * every run, and so do their gradients when `fn` calls a transform
 * (eng.grad, eng.hessian, eng.hvp…): the rules record their masks as nodes.
 * JavaScript control flow inside `fn` ran once, at compile time.
 */
export class Program {
  readonly inputCount: number;
  readonly outputCount: number;
  /** Nodes in the program (inputs, constants and parameter reads included). */
  readonly nodeCount: number;
  /** The parameters the program reads; `step()` updates exactly these. */
  readonly params: readonly Param[];
  private id: number;
  private readonly outputs: readonly number[];
  private readonly context: EngineContext;
  private readonly programs: ProgramOps;

  /** @internal Use `eng.compile()` or `eng.load()`; `info` is the program's, as the engine read it. */
  constructor(
    engine: EngineContext,
    id: number,
    info: { readonly inputCount: number; readonly nodeCount: number },
    outputs: readonly number[],
    params: readonly Param[],
  ) {
    this.context = engine;
    this.programs = engine.programs;
    this.id = id;
    this.outputs = outputs;
    this.params = params;
    this.inputCount = info.inputCount;
    this.outputCount = outputs.length;
    this.nodeCount = info.nodeCount;
  }

  /** The engine that holds the program. */
  get engine(): EngineType {
    return this.context as EngineType;
  }

  /** Forward only: the outputs for these inputs (default: the last inputs given). */
  forward(inputs?: ArrayLike<number>): Float64Array {
    const id = this.prepare(inputs, 'forward');
    this.programs.programForward(id);
    return this.readOutputs(id);
  }

  /**
   * Forward, then backward from the first output. Returns the outputs and the
   * gradient of the first output with respect to each input; the parameters'
   * gradients accumulate in `p.grad`, as after an eager `backward()`.
   */
  run(inputs?: ArrayLike<number>): RunResult {
    const id = this.prepare(inputs, 'run');
    const tape = this.programs;
    tape.programRun(id);
    const grads = new Float64Array(this.inputCount);
    for (let k = 0; k < grads.length; k++) grads[k] = tape.programGrad(id, k);
    return { outputs: this.readOutputs(id), grads };
  }

  /**
   * One SGD step on `params`, inside the engine: clear their gradients, run,
   * then `p -= lr · p.grad` for each. Returns the first output's value
   * (the loss before the update).
   */
  step(lr: number, inputs?: ArrayLike<number>): number {
    checkNumber(lr, 'step');
    const id = this.prepare(inputs, 'step');
    const tape = this.programs;
    tape.programStep(id, lr);
    // The parameters changed: eager nodes that read them before are stale for new uses.
    for (const p of this.params) this.context.invalidateParamNode(p);
    return tape.programValue(id, this.outputs[0]);
  }

  /** The outputs as the last run, step or forward left them (for step(): before the update). */
  outputValues(): Float64Array {
    return this.readOutputs(this.live('outputValues'));
  }

  /** The serialized program (format: docs/program-format.md), parameters' current values included. */
  save(): Uint8Array {
    const id = this.live('save');
    const tape = this.programs;
    const info = tape.programInfo(id);
    return encodeProgram({
      nodes: tape.programNodes(id),
      inputCount: info.inputCount,
      outputs: this.outputs,
      slots: info.slots,
      paramValues: info.slots.map((slot) => tape.paramValue(slot)),
    });
  }

  /** Frees the program's memory in the engine. Using it afterwards throws. */
  dispose(): void {
    if (this.id < 0) return;
    this.programs.freeProgram(this.id);
    this.id = -1;
  }

  get disposed(): boolean {
    return this.id < 0;
  }

  private live(opName: string): number {
    if (this.id < 0) throw new WasmgradStaleHandleError(`${opName}: this program was disposed`);
    return this.id;
  }

  private prepare(inputs: ArrayLike<number> | undefined, opName: string): number {
    const id = this.live(opName);
    if (inputs === undefined) return id;
    if (inputs === null || typeof inputs !== 'object' || typeof inputs.length !== 'number') {
      throw new WasmgradArgumentError(`${opName}: inputs must be an array or typed array of numbers, got ${describe(inputs)}`);
    }
    if (inputs.length !== this.inputCount) {
      throw new WasmgradValueError(`${opName}: the program was compiled for ${this.inputCount} inputs, got ${inputs.length}`);
    }
    for (let k = 0; k < inputs.length; k++) {
      if (typeof inputs[k] !== 'number') throw new WasmgradArgumentError(`${opName}: input ${k} must be a number, got ${describe(inputs[k])}`);
    }
    this.programs.programSetInputs(id, inputs);
    return id;
  }

  private readOutputs(id: number): Float64Array {
    const out = new Float64Array(this.outputs.length);
    const tape = this.programs;
    for (let k = 0; k < out.length; k++) out[k] = tape.programValue(id, this.outputs[k]);
    return out;
  }
}

// ── the serialized form (docs/program-format.md) ──

const MAGIC = 0x44524757; // "WGRD" read as a little-endian u32
export const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;
const NODE_BYTES = 17;

/** A program as the format holds it: parameters renumbered 0..n-1 in the file. */
export interface ProgramImage {
  nodes: ProgramNodes;
  inputCount: number;
  /** Node indices; outputs[0] is where backward starts. */
  outputs: readonly number[];
  /** For encoding: the engine slot of each file parameter (Param nodes hold engine slots). */
  slots?: readonly number[];
  paramValues: readonly number[];
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and PNG use it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function encodeProgram(image: ProgramImage): Uint8Array {
  const { nodes, inputCount, outputs, paramValues } = image;
  const n = nodes.ops.length;
  const fileIndex = new Map<number, number>();
  (image.slots ?? []).forEach((slot, k) => fileIndex.set(slot, k));
  const size = HEADER_BYTES + 4 * outputs.length + 8 * paramValues.length + NODE_BYTES * n + 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, n, true);
  view.setUint32(12, inputCount, true);
  view.setUint32(16, outputs.length, true);
  view.setUint32(20, paramValues.length, true);
  let at = HEADER_BYTES;
  for (const o of outputs) (view.setUint32(at, o, true), (at += 4));
  for (const v of paramValues) (view.setFloat64(at, v, true), (at += 8));
  for (let i = 0; i < n; i++) {
    const op = nodes.ops[i];
    const a = op === Op.Param ? fileIndex.get(nodes.inputsA[i])! : nodes.inputsA[i];
    view.setUint8(at, op);
    view.setInt32(at + 1, a, true);
    view.setInt32(at + 5, nodes.inputsB[i], true);
    view.setFloat64(at + 9, nodes.values[i], true);
    at += NODE_BYTES;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/** Parses and validates every field; throws a RangeError naming the first problem. Param nodes hold file parameter indices. */
export function decodeProgram(bytes: Uint8Array): ProgramImage {
  const bad = (why: string) => new RangeError(`load: ${why}`);
  if (bytes.length < HEADER_BYTES + 4) throw bad(`truncated: ${bytes.length} bytes is shorter than the ${HEADER_BYTES + 4}-byte minimum`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw bad('not a wasmgrad program (bad magic; expected "WGRD")');
  const version = view.getUint16(4, true);
  if (version !== FORMAT_VERSION) throw bad(`format version ${version} is not supported (this build reads version ${FORMAT_VERSION})`);
  if (view.getUint16(6, true) !== 0) throw bad('reserved header field is not 0');
  const n = view.getUint32(8, true);
  const inputCount = view.getUint32(12, true);
  const outputCount = view.getUint32(16, true);
  const paramCount = view.getUint32(20, true);
  const expected = HEADER_BYTES + 4 * outputCount + 8 * paramCount + NODE_BYTES * n + 4;
  if (bytes.length !== expected) {
    throw bad(`${bytes.length < expected ? 'truncated' : 'trailing bytes'}: the header describes ${expected} bytes, got ${bytes.length}`);
  }
  const checksumAt = expected - 4;
  if (view.getUint32(checksumAt, true) !== crc32(bytes.subarray(0, checksumAt))) throw bad('checksum mismatch: the bytes are corrupted');
  if (n === 0) throw bad('the program has no nodes');
  if (outputCount === 0) throw bad('the program has no outputs');
  if (inputCount > n) throw bad(`${inputCount} inputs but only ${n} nodes`);

  let at = HEADER_BYTES;
  const outputs: number[] = [];
  for (let k = 0; k < outputCount; k++, at += 4) {
    const o = view.getUint32(at, true);
    if (o >= n) throw bad(`output ${k} is node ${o}, past the last node ${n - 1}`);
    outputs.push(o);
  }
  const paramValues: number[] = [];
  for (let k = 0; k < paramCount; k++, at += 8) paramValues.push(view.getFloat64(at, true));

  const nodes: ProgramNodes = {
    ops: new Uint8Array(n),
    inputsA: new Int32Array(n),
    inputsB: new Int32Array(n),
    values: new Float64Array(n),
  };
  for (let i = 0; i < n; i++, at += NODE_BYTES) {
    const op = view.getUint8(at);
    const a = view.getInt32(at + 1, true);
    const b = view.getInt32(at + 5, true);
    if (op >= OP_COUNT) throw bad(`node ${i} has unknown op id ${op}`);
    const name = OP_NAMES[op];
    if (i < inputCount && op !== Op.Leaf) throw bad(`node ${i} is an input but is a ${name} node, not a Leaf`);
    const arity = OP_INFO[name].arity;
    if (op === Op.Param) {
      if (a < 0 || a >= paramCount) throw bad(`node ${i} (Param) reads parameter ${a}, but the file has ${paramCount}`);
      if (b !== -1) throw bad(`node ${i} (Param) has a second input ${b}; it must be -1`);
    } else {
      const inputs = [a, b];
      for (let k = 0; k < 2; k++) {
        const input = inputs[k];
        if (k < arity) {
          if (input < 0 || input >= i) throw bad(`node ${i} (${name}) reads node ${input}, which does not come before it`);
          if (k === 1 && op === Op.PowConst && nodes.ops[input] !== Op.Const) {
            throw bad(`node ${i} (PowConst) takes its exponent from node ${input}, a ${OP_NAMES[nodes.ops[input]]} node, not a Const`);
          }
        } else if (input !== -1) {
          throw bad(`node ${i} (${name}) has an input ${input} where it takes none; it must be -1`);
        }
      }
    }
    nodes.ops[i] = op;
    nodes.inputsA[i] = a;
    nodes.inputsB[i] = b;
    nodes.values[i] = view.getFloat64(at + 9, true);
  }
  return { nodes, inputCount, outputs, paramValues };
}
