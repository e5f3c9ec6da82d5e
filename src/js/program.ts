// The JS twin of assembly/program.ts's replay: the same two instruction
// streams, the same multiply-add fusion, the same loops, on typed arrays.

import { Op, OP_ARITY, OP_INFO, OP_NAMES, type ScalarBinaryOpId, type ScalarUnaryOpId } from '../ops.js';
import { forward1, forward2, backward1, backward2 } from './ops.js';

/** The tape arrays a program replays over (a Graph in tape.ts). */
export interface ProgramArrays {
  count: number;
  ops: Uint8Array;
  inputsA: Int32Array;
  inputsB: Int32Array;
  values: Float64Array;
  grads: Float64Array;
}

// A record: op, a, b, c, out, mul; see RECORD in assembly/program.ts.
const RECORD = 6;
const MUL_ADD = 255;
const CONST = Op.Const;
const PARAM = Op.Param;
const ADD = Op.Add;
const MUL = Op.Mul;

const arityOf = (op: number) => OP_INFO[OP_NAMES[op]].arity;

export interface Code {
  forward: Int32Array;
  backward: Int32Array;
}

function writeRecord(code: Int32Array, at: number, g: ProgramArrays, id: number): void {
  const op = g.ops[id];
  const a = g.inputsA[id];
  code[at] = op;
  code[at + 1] = a;
  code[at + 2] = OP_ARITY[op] === 2 ? g.inputsB[id] : a;
  code[at + 4] = id;
}

function writeMulAdd(code: Int32Array, at: number, g: ProgramArrays, add: number, mul: number): void {
  code[at] = MUL_ADD;
  code[at + 1] = g.inputsA[add] === mul ? g.inputsB[add] : g.inputsA[add];
  code[at + 2] = g.inputsA[mul];
  code[at + 3] = g.inputsB[mul];
  code[at + 4] = add;
  code[at + 5] = mul;
}

/** Same contract as buildCode in assembly/program.ts. */
export function buildCode(g: ProgramArrays, root: number): Code {
  const n = g.count;
  const uses = new Int32Array(n);
  for (let id = 0; id < n; id++) {
    const k = arityOf(g.ops[id]);
    if (k >= 1) uses[g.inputsA[id]]++;
    if (k === 2) uses[g.inputsB[id]]++;
  }
  const fused = new Uint8Array(n + 1);
  for (let id = 1; id < n; id++) {
    // Not when the Mul is the root: backward starts there, before the Add.
    if (g.ops[id] === ADD && g.ops[id - 1] === MUL && uses[id - 1] === 1 && (g.inputsA[id] === id - 1 || g.inputsB[id] === id - 1) && id - 1 !== root) {
      fused[id] = 1;
    }
  }

  const fwd: number[] = [];
  const code = new Int32Array(RECORD);
  const emit = (out: number[], id: number) => {
    code.fill(0);
    if (fused[id]) writeMulAdd(code, 0, g, id, id - 1);
    else writeRecord(code, 0, g, id);
    for (let k = 0; k < RECORD; k++) out.push(code[k]);
  };
  for (let id = 0; id < n; id++) {
    if (g.ops[id] <= CONST || fused[id + 1]) continue;
    emit(fwd, id);
  }

  const reached = new Uint8Array(n);
  reached[root] = 1;
  const bwd: number[] = [];
  for (let id = root; id >= 0; id--) {
    if (!reached[id]) continue;
    const op = g.ops[id];
    if (op < PARAM) continue;
    if (op !== PARAM) {
      reached[g.inputsA[id]] = 1;
      if (arityOf(op) === 2) reached[g.inputsB[id]] = 1;
      if (fused[id + 1]) continue;
    }
    emit(bwd, id);
  }
  return { forward: Int32Array.from(fwd), backward: Int32Array.from(bwd) };
}

/** Same contract as replay in assembly/program.ts. */
export function replay(code: Int32Array, values: Float64Array, paramValues: Float64Array): void {
  for (let at = 0; at < code.length; at += RECORD) {
    const op = code[at];
    const a = code[at + 1];
    const b = code[at + 2];
    let value: number;
    if (op === MUL_ADD) {
      const m = values[b] * values[code[at + 3]];
      values[code[at + 5]] = m;
      value = values[a] + m;
    } else if (op === PARAM) {
      value = paramValues[a];
    } else {
      value = OP_ARITY[op] === 2 ? forward2(op as ScalarBinaryOpId, values[a], values[b]) : forward1(op as ScalarUnaryOpId, values[a]);
    }
    values[code[at + 4]] = value;
  }
}

/** Same contract as sweepBack in assembly/program.ts. */
export function sweepBack(code: Int32Array, root: number, g: ProgramArrays, paramGrads: Float64Array): void {
  const { values, grads } = g;
  grads.fill(0, 0, g.count);
  grads[root] = 1;
  for (let at = 0; at < code.length; at += RECORD) {
    const op = code[at];
    const a = code[at + 1];
    const b = code[at + 2];
    const out = code[at + 4];
    const grad = grads[out];
    if (op === MUL_ADD) {
      const c = code[at + 3];
      const mul = code[at + 5];
      grads[a] += grad;
      const gm = grads[mul] + grad;
      grads[mul] = gm;
      grads[b] += gm * values[c];
      grads[c] += gm * values[b];
    } else if (op === PARAM) {
      paramGrads[a] += grad;
    } else {
      if (OP_ARITY[op] === 2) backward2(op as ScalarBinaryOpId, values[a], values[b], values[out], grad, grads, a, b);
      else grads[a] += backward1(op as ScalarUnaryOpId, values[a], values[out], grad);
    }
  }
}
