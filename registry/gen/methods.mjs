// src/generated/methods.ts: the op methods of Value, the engine and Tensor.

import { OPS } from '../ops.mjs';
import { HEADER, generatedMethods, idOf, methodDoc, q } from './shared.mjs';

export function methodsFile() {
  // Each method as [doc, name, typed parameters, call]: the interface gets the
  // signature, the install function the body.
  const value = generatedMethods(['scalar']).map((op) => op.arity === 1
    ? [methodDoc(op), op.method, '', `this.applyUnary(${idOf(op)}, ${q(op.method)})`, 'V']
    : [methodDoc(op), op.method, `${op.param ?? 'other'}: S`, `this.applyBinary(${idOf(op)}, ${op.param ?? 'other'}, ${q(op.method)})`, 'V']);
  const engine = generatedMethods(['scalar']).map((op) => op.arity === 1
    ? [methodDoc(op), op.method, 'x: S', `this.unary(${idOf(op)}, x, ${q(op.method)})`, 'V']
    : [methodDoc(op), op.method, 'x: S, y: S', `this.binary(${idOf(op)}, x, y, ${q(op.method)})`, 'V']);
  const tensor = generatedMethods(['scalar', 'tensor']).map((op) => {
    const p = op.param ?? 'other';
    if (op.arity === 1) return [methodDoc(op), op.method, '', `this.applyUnary(${idOf(op)})`, 'T'];
    if (op.paramDefault === undefined) return [methodDoc(op), op.method, `${p}: L`, `this.applyBinary(${idOf(op)}, ${p})`, 'T'];
    return [methodDoc(op), op.method, `${p}?: L`, `this.applyBinary(${idOf(op)}, ${p} ?? (${op.paramDefault} as L))`, 'T'];
  });
  const variantGroups = new Map();
  for (const op of OPS) if (op.variant) variantGroups.set(op.method, [...(variantGroups.get(op.method) ?? []), op]);
  for (const [method, ops] of variantGroups) {
    const { option } = ops[0].variant;
    const fallback = ops.find((op) => op.variant.default);
    const values = ops.map((op) => q(op.variant.value));
    const doc = ops.map((op) => `   * - ${op.variant.value}${op === fallback ? ' (default)' : ''}: ${op.forward}. Gradient: ${op.gradient.rule}.`).join('\n');
    const pick = `this.pickVariant(${q(method)}, options, ${q(option)}, { ${ops.map((op) => `${q(op.variant.value)}: ${idOf(op)}`).join(', ')} }, ${q(fallback.variant.value)})`;
    const call = ops[0].arity === 1 ? `this.applyUnary(${pick})` : `this.applyBinary(${pick}, other)`;
    const args = `${ops[0].arity === 1 ? '' : 'other: L, '}options?: { ${option}?: ${values.join(' | ')} }`;
    tensor.push([`  /**\n   * ${method}, with \`${option}\` picking the formula:\n${doc}\n   */`, method, args, call, 'T']);
  }
  const signatures = (list) => list.map(([doc, name, params, , ret]) => `${doc}\n  ${name}(${params}): ${ret};`).join('\n\n');
  const bodies = (list, self) => list.map(([, name, params, call, ret]) => `    ${name}(this: ${self}${params ? `, ${params}` : ''}): ${ret} { return ${call}; },`).join('\n');
  const used = [...value, ...engine, ...tensor].map((m) => m[3]).join(' ');
  return `// ${HEADER}
// One method per elementwise op with a method in the registry: Value and Engine
// take the scalar ops, Tensor every elementwise op; ops that share a method are
// picked by an option (gelu's approximate). Each is an interface that the class
// of the same name merges with, and an install function that puts the methods
// on the class's prototype: the classes stay base classes (a derived class pays
// for its super() call on every Value and Tensor made), and each method is one
// call into the class's recorder, which V8 inlines.

import { ${['Op', 'TensorBinary', 'TensorUnary'].filter((name) => used.includes(`${name}.`)).join(', ')}, type BinaryOpId, type OpId, type UnaryOpId } from './ops.js';

/** Defines methods as class methods are: writable, configurable, not enumerable. */
function define(proto: object, methods: object): void {
  for (const [name, value] of Object.entries(methods)) Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
}

/** What a Value provides for its op methods: recording an op on itself (and another operand). */
export interface ValueRecorder<V, S> {
  applyUnary(op: OpId, opName: string): V;
  applyBinary(op: OpId, other: S, opName: string): V;
}

/** Methods of a scalar Value: V is the Value type, S what an operand may be (a Value or a number). */
export interface ValueMethods<V, S> {
${signatures(value)}
}

/** Puts ValueMethods on the prototype of the class that records them. */
export function installValueMethods<V, S>(proto: ValueRecorder<V, S>): void {
  define(proto, {
${bodies(value, 'ValueRecorder<V, S>')}
  });
}

/** What an engine provides for its op functions. */
export interface EngineRecorder<V, S> {
  unary(op: OpId, x: S, opName: string): V;
  binary(op: OpId, x: S, y: S, opName: string): V;
}

/** The scalar ops as functions of an engine: eng.exp(x), eng.atan2(y, x). */
export interface EngineMethods<V, S> {
${signatures(engine)}
}

/** Puts EngineMethods on the engine class's prototype. */
export function installEngineMethods<V, S>(proto: EngineRecorder<V, S>): void {
  define(proto, {
${bodies(engine, 'EngineRecorder<V, S>')}
  });
}

/** What a Tensor provides for its elementwise methods. */
export interface TensorRecorder<T, L> {
  applyUnary(op: UnaryOpId): T;
  applyBinary(op: BinaryOpId, other: L): T;
  /** The op that \`options[option]\` names among \`ids\` (\`fallback\` when absent); a named error for anything else. */
  pickVariant<Id>(method: string, options: object | undefined, option: string, ids: Readonly<Record<string, Id>>, fallback: string): Id;
}

/** Elementwise methods of a Tensor: T is the Tensor type, L what an operand may be (a tensor or a number, broadcast). */
export interface TensorMethods<T, L> {
${signatures(tensor)}
}

/** Puts TensorMethods on the tensor class's prototype. */
export function installTensorMethods<T, L>(proto: TensorRecorder<T, L>): void {
  define(proto, {
${bodies(tensor, 'TensorRecorder<T, L>')}
  });
}
`;
}