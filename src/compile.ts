// Making programs: eng.compile traces fn onto the eager tape and copies the
// range into a program; eng.load rebuilds one from saved bytes. Both leave
// the eager tape as they found it. The Program handle and the file format are
// src/program.ts.

import { checkNumber, describe } from './check.js';
import { Generation } from './context.js';
import { Op, OP_INFO, OP_NAMES, type OpId } from './ops.js';
import { decodeProgram, type Program } from './program.js';
import type { Tape } from './tape.js';
import { Value, type Param } from './value.js';
import { WasmgradArgumentError, WasmgradValueError } from './errors.js';

/** What compile and load need of the engine (Engine, through members marked internal). */
export interface ProgramHost {
  readonly tape: Tape;
  /** Replaced for the trace, so that its Values are told apart. */
  current: Generation;
  /** While compile() traces: the generation it interrupted, whose Values fn must not use. */
  traceOuter: Generation | null;
  value(x: number): Value;
  param(x: number): Param;
  idOf(v: Value, opName: string): number;
  /** Runs a tape call that makes a parameter or program; a failure becomes the backend's error. */
  guard(call: () => number, opName: string): number;
  /** guard() for a call that pushes a node, held to the tape budget. */
  push(call: () => number, opName: string): number;
  /** The Program for a new program id. */
  program(id: number, outputs: readonly number[]): Program;
  /** A Param for a slot the tape made itself (a loaded program's parameters). */
  adoptParam(slot: number): Param;
  /** Drops the names of nodes from `start` on (the trace's, after it is copied and freed). */
  forgetNames(start: number): void;
}

/** eng.compile(fn, example); see there. */
export function compileProgram(eng: ProgramHost, fn: (...inputs: Value[]) => Value | readonly Value[], example: readonly number[]): Program {
  if (typeof fn !== 'function') throw new WasmgradArgumentError(`compile: expected a function, got ${describe(fn)}`);
  if (!Array.isArray(example)) throw new WasmgradArgumentError(`compile: example must be an array of numbers, got ${describe(example)}`);
  for (let k = 0; k < example.length; k++) checkNumber(example[k], `compile: example[${k}]`); // holes too
  if (eng.traceOuter !== null) throw new Error('compile: cannot compile while another compile is tracing');

  const tape = eng.tape;
  const start = tape.nodeCount;
  const outer = eng.current;
  eng.traceOuter = outer;
  eng.current = new Generation(outer.engine, outer.index, true);
  try {
    const inputs = Array.from(example, (x) => eng.value(x));
    const result = fn(...inputs);
    const outputs = Array.isArray(result) ? (result as readonly Value[]) : [result as Value];
    if (outputs.length === 0) throw new WasmgradValueError('compile: fn returned no outputs');
    const outputIds = outputs.map((v, k) => {
      if (!(v instanceof Value)) throw new WasmgradArgumentError(`compile: fn must return a Value or an array of Values; output ${k} is ${describe(v)}`);
      return eng.idOf(v, 'compile') - start;
    });
    const id = eng.guard(() => tape.createProgram(start, tape.nodeCount, inputs.length, start + outputIds[0]), 'compile');
    return eng.program(id, outputIds);
  } finally {
    tape.truncate(start);
    eng.forgetNames(start);
    eng.current = outer;
    eng.traceOuter = null;
  }
}

/** eng.load(bytes); see there. */
export function loadProgram(eng: ProgramHost, bytes: Uint8Array): Program {
  if (!(bytes instanceof Uint8Array)) throw new WasmgradArgumentError(`load: expected a Uint8Array, got ${describe(bytes)}`);
  // The TS decoder first, for its messages that name the problem; then the backend's own loader where it has one.
  const image = decodeProgram(bytes);
  const tape = eng.tape;
  if (tape.loadProgram !== undefined) {
    const first = tape.paramCount;
    const id = eng.guard(() => tape.loadProgram!(bytes), 'load');
    // The loader made one slot per file parameter, in file order, after the existing ones.
    for (let k = 0; k < image.paramValues.length; k++) eng.adoptParam(first + k);
    return eng.program(id, image.outputs);
  }
  const params = image.paramValues.map((x) => eng.param(x));
  const start = tape.nodeCount;
  const { ops, inputsA, inputsB, values } = image.nodes;
  try {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as OpId;
      const arity = OP_INFO[OP_NAMES[op]].arity;
      eng.push(() =>
        op === Op.Leaf ? tape.leaf(values[i])
        : op === Op.Const ? tape.constant(values[i])
        : op === Op.Param ? tape.paramNode(params[inputsA[i]].slot)
        : arity === 1 ? tape.unary(op, start + inputsA[i])
        : tape.binary(op, start + inputsA[i], start + inputsB[i]),
      'load');
    }
    const id = eng.guard(() => tape.createProgram(start, tape.nodeCount, image.inputCount, start + image.outputs[0]), 'load');
    return eng.program(id, image.outputs);
  } finally {
    tape.truncate(start);
  }
}
