// `npm run gen`: writes every file that lists the ops from registry/ops.mjs.
//
//   node registry/generate.mjs           write the files that changed
//   node registry/generate.mjs --check   exit 1 if any is stale (what test/registry.test.ts checks)
//
// Some files are generated whole (assembly/generated/ops.ts, src/generated/*.ts);
// in include/wasmgrad.h and the docs only the text between BEGIN GENERATED
// and END GENERATED markers is, so their prose stays hand-written.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPS, NODE_KINDS, COMPARE_KINDS, REDUCE_KINDS, DTYPES, ERRORS } from './ops.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Tensor-only elementwise ops start here, clear of the scalar op ids. */
const FIRST_TENSOR_OP = 100;

const HEADER = 'Generated from registry/ops.mjs by `npm run gen`: edit the registry, not this file.';

// ── checks: the rules of registry/ops.mjs ──

function check() {
  const fail = (msg) => { throw new Error(`registry/ops.mjs: ${msg}`); };
  const dense = (list, what) => list.forEach((e, i) => { if (e.id !== i) fail(`${what} ${e.name} has id ${e.id}, expected ${i} (ids are dense and append-only)`); });
  const unique = (list, what) => {
    const names = new Set();
    for (const e of list) {
      if (!/^[A-Z][A-Za-z0-9]*$/.test(e.name)) fail(`${what} name ${e.name} is not PascalCase`);
      if (names.has(e.name)) fail(`${what} ${e.name} is declared twice`);
      names.add(e.name);
    }
  };
  const scalar = OPS.filter((op) => op.kind === 'scalar');
  const tensor = OPS.filter((op) => op.kind === 'tensor');
  if (scalar.length + tensor.length !== OPS.length) fail('every op has kind scalar or tensor');
  dense(scalar, 'scalar op');
  unique(OPS, 'op');
  let last = FIRST_TENSOR_OP - 1;
  for (const op of tensor) {
    if (op.id <= last) fail(`tensor op ${op.name} has id ${op.id}: tensor-only ids count up from ${FIRST_TENSOR_OP}`);
    if (op.arity !== 1 && op.arity !== 2) fail(`tensor op ${op.name} must have arity 1 or 2`);
    last = op.id;
  }
  if (scalar.length > 255) fail('scalar op ids must fit the tape\'s u8 op byte');
  for (const op of OPS) {
    if (op.gradient.inputs.length !== op.arity) fail(`${op.name}: gradient.inputs needs one entry per input`);
    if ((op.method === null) !== (op.dtypes === null)) fail(`${op.name}: dtypes is null exactly when method is`);
    if (op.method !== null && op.arity === 0) fail(`${op.name}: a leaf cannot be elementwise`);
  }
  for (const [list, what] of [[NODE_KINDS, 'node kind'], [COMPARE_KINDS, 'compare kind'], [REDUCE_KINDS, 'reduce kind'], [DTYPES, 'dtype'], [ERRORS, 'error code']]) {
    dense(list, what);
    unique(list, what);
  }
  // The tapes skip leaves by id (op <= Const) and read slots at Param: those three come first.
  if (scalar.slice(0, 3).map((op) => `${op.name}:${op.arity}`).join() !== 'Leaf:0,Const:0,Param:0' || scalar.slice(3).some((op) => op.arity === 0)) {
    fail('Leaf, Const and Param are ids 0, 1, 2 and the only ops of arity 0');
  }
  const methods = new Map();
  for (const op of OPS) {
    if (op.local.length !== op.arity) fail(`${op.name}: local needs one formula per input`);
    if (op.method !== null && op.check === null) fail(`${op.name}: an op with a method needs a check (test/op-table.test.ts)`);
    for (const p of op.check?.points ?? []) if (p.length !== op.arity + 1) fail(`${op.name}: check points are [x, (y,) out]`);
    if (op.method === null) continue;
    const others = methods.get(op.method) ?? [];
    methods.set(op.method, [...others, op]);
  }
  for (const [method, ops] of methods) {
    if (ops.length === 1) continue;
    const option = ops[0].variant?.option;
    if (!option || ops.some((op) => op.variant?.option !== option || op.arity !== ops[0].arity || op.kind !== 'tensor')) {
      fail(`${ops.map((op) => op.name).join(', ')} share the method ${method}: give each a variant of one option (tensor ops of one arity)`);
    }
    if (ops.filter((op) => op.variant.default).length !== 1) fail(`${method}: exactly one variant is the default`);
  }
  for (const k of NODE_KINDS) if (k.grads.length !== k.inputs.length) fail(`node kind ${k.name}: grads needs one entry per input`);
  for (const k of runKinds()) if (k.inputs.length > 3) fail(`node kind ${k.name}: tensorRun takes at most three inputs`);
  for (const k of runKinds()) attrLayout(k);
}

// ── naming ──

const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const pad = (s, n) => s + ' '.repeat(Math.max(0, n - s.length));
const widest = (strings) => Math.max(...strings.map((s) => s.length));

/** Elementwise ops by arity on tensors: what Unary (1) and Binary (2) nodes accept. */
const elementwise = () => OPS.filter((op) => op.method !== null);
const tensorOnly = (arity) => OPS.filter((op) => op.kind === 'tensor' && op.arity === arity);
const scalarOps = () => OPS.filter((op) => op.kind === 'scalar');

// ── the attribute layout of tensorRun ──
//
// tensorRun(kind, a, b, c) records every node kind with inputs; it reads the
// kind's attributes from the staging area, each at a fixed word (i32) offset
// derived here from the kind's attrs in declaration order: a scalar takes one
// word, an f64 two (8-byte aligned), an i32[] a length word and then
// ATTR_ARRAY_CAPACITY entries. The same offsets go to the core, the wrappers,
// the C header and the ABI doc, so a host that writes by any of them writes
// what the core reads.

/** Entries of an i32[] attribute: one per dim, at most the core's MAX_RANK (assembly/tensor/tape.ts). */
const ATTR_ARRAY_CAPACITY = 8;
const ATTR_WORDS = { i32: 1, bool: 1, dtype: 1, slot: 1, op: 1, compare: 1, reduce: 1, f64: 2, 'i32[]': 1 + ATTR_ARRAY_CAPACITY };

/** Kinds tensorRun records: every kind with inputs (leaves come from tensorFromData, tensorFull and slotNode). */
const runKinds = () => NODE_KINDS.filter((k) => k.inputs.length > 0);

/** The kind's attributes with `word`, the offset tensorRun reads each at. */
function attrLayout(kind) {
  let word = 0;
  return kind.attrs.map((a) => {
    const size = ATTR_WORDS[a.type];
    if (size === undefined) throw new Error(`registry/ops.mjs: node kind ${kind.name} has inputs, so tensorRun records it, but attribute ${a.name} of type ${a.type} cannot be staged`);
    if (a.type === 'f64') word += word & 1;
    const at = word;
    word += size;
    return { ...a, word: at };
  });
}

/** Words of the stage a kind's attributes take. */
const attrWords = (kind) => {
  const l = attrLayout(kind);
  return l.length ? l[l.length - 1].word + ATTR_WORDS[l[l.length - 1].type] : 0;
};
const pascal = (s) => s[0].toUpperCase() + s.slice(1);
/** The widest attribute list of any kind: the stride of the core's layout table. */
const maxAttrs = () => Math.max(...runKinds().map((k) => k.attrs.length));

function assemblyAttrs() {
  const entries = runKinds().flatMap((k) => attrLayout(k).map((a) => ({ name: `${k.name}${pascal(a.name)}`, id: a.word, a })));
  const stride = maxAttrs();
  const table = new Array(NODE_KINDS.length * stride).fill(-1);
  for (const k of runKinds()) attrLayout(k).forEach((a, i) => { table[k.id * stride + i] = a.word; });
  const rows = [];
  for (let i = 0; i < table.length; i += 20) rows.push(`  ${table.slice(i, i + 20).join(', ')},`);
  return `${asEnum('Attr', 'Where tensorRun reads each attribute: a word (i32) offset into the staging area. An i32[] is a length word, then its entries.',
    entries, (e) => e.a.type)}
/** Entries an i32[] attribute has room for. */
export const ATTR_ARRAY_CAPACITY: i32 = ${ATTR_ARRAY_CAPACITY};

const ATTR_STRIDE: i32 = ${stride};
const ATTR_LAYOUT = memory.data<i8>([
${rows.join('\n')}
]);

/** The word of attribute \`k\` of node kind \`kind\` (in the registry's order), or -1 where there is none. */
export function attrWord(kind: i32, k: i32): i32 {
  return <u32>kind < <u32>NODE_KIND_COUNT && <u32>k < <u32>ATTR_STRIDE ? <i32>load<i8>(ATTR_LAYOUT + <usize>(kind * ATTR_STRIDE + k)) : -1;
}
`;
}

/** What each attribute type is in TypeScript; `op` depends on the kind's arity. */
function tsAttrType(kind, a) {
  switch (a.type) {
    case 'i32': case 'slot': return 'number';
    case 'f64': return 'number';
    case 'bool': return 'boolean';
    case 'dtype': return 'DType';
    case 'op': return kind.inputs.length === 1 ? 'UnaryOpId' : 'BinaryOpId';
    case 'compare': return 'CompareKindId';
    case 'reduce': return 'ReduceKindId';
    case 'i32[]': return 'readonly number[]';
    default: throw new Error(`no TypeScript type for attribute type ${a.type}`);
  }
}

/** The statement that stages one attribute `a` of `attrs`. */
function tsStageAttr(a) {
  const v = `attrs.${a.name}`;
  switch (a.type) {
    case 'f64': return `f64s[${a.word / 2}] = ${v};`;
    case 'bool': return `words[${a.word}] = ${v} ? 1 : 0;`;
    case 'dtype': return `words[${a.word}] = DTYPE_CODE[${v}];`;
    case 'i32[]': return `stageList(words, ${a.word}, ${v});`;
    default: return `words[${a.word}] = ${v};`;
  }
}

function typescriptAttrs() {
  const kinds = runKinds();
  const inputs = (k) => `readonly [${k.inputs.map((n) => `${n}: number`).join(', ')}]`;
  const attrs = (k) => k.attrs.length ? `{ ${k.attrs.map((a) => `readonly ${a.name}: ${tsAttrType(k, a)}`).join('; ')} }` : 'Record<string, never>';
  const stager = (k) => {
    const l = attrLayout(k);
    if (l.length === 0) return `  ${k.name}: () => {},`;
    const usesF64 = l.some((a) => a.type === 'f64');
    return `  ${k.name}: (words, ${usesF64 ? 'f64s' : '_f64s'}, attrs) => { ${l.map(tsStageAttr).join(' ')} },`;
  };
  return `// ── tensorRun: one entry for every node kind with inputs ──

/** The node kinds tensorRun records (leaves come from fromData, full and slotNode). */
export type OpKindName = ${kinds.map((k) => q(k.name)).join(' | ')};

/** The input node ids of each kind, in the registry's order. */
export interface OpInputs {
${kinds.map((k) => `  ${k.name}: ${inputs(k)};`).join('\n')}
}

/** The attributes of each kind, as a tensor program records them. */
export interface OpAttrs {
${kinds.map((k) => `  ${k.name}: ${attrs(k)};`).join('\n')}
}

/** Entries an i32[] attribute has room for in the stage. */
export const ATTR_ARRAY_CAPACITY = ${ATTR_ARRAY_CAPACITY};

/** Where tensorRun reads each attribute: its word (i32) offset in the staging area. */
export const ATTR_LAYOUT: { readonly [K in OpKindName]: readonly { readonly name: string; readonly type: AttrType; readonly word: number }[] } = {
${kinds.map((k) => `  ${k.name}: [${attrLayout(k).map((a) => `{ name: ${q(a.name)}, type: ${q(a.type)}, word: ${a.word} }`).join(', ')}],`).join('\n')}
};

/** An i32[] attribute: its length, then its entries. */
function stageList(words: Int32Array, at: number, list: readonly number[]): void {
  words[at] = list.length;
  for (let i = 0; i < list.length; i++) words[at + 1 + i] = list[i];
}

/**
 * Writes a kind's attributes where tensorRun reads them: \`words\` is the
 * staging area as i32s, \`f64s\` the same bytes as f64s.
 */
export const STAGE_ATTRS: { readonly [K in OpKindName]: (words: Int32Array, f64s: Float64Array, attrs: OpAttrs[K]) => void } = {
${kinds.map(stager).join('\n')}
};
`;
}

function headerAttrs() {
  const entries = runKinds().flatMap((k) => attrLayout(k).map((a) => ({ name: `${snake(k.name)}_${snake(a.name)}`, id: a.word, type: a.type })));
  return cEnum('wasmgrad_attr', 'Where wasmgrad_tensorRun() reads each attribute: an int32 index into the staging area (f64s: two words, 8-byte aligned; i32[]: a length, then the entries).',
    entries, 'ATTR_', (e) => e.name, (e) => e.type,
    { left: `WASMGRAD_ATTR_ARRAY_CAPACITY = ${ATTR_ARRAY_CAPACITY}`, comment: 'entries an i32[] attribute has room for' });
}

function attrsSection() {
  const attr = (a) => a.type === 'i32[]' ? `${a.name} @${a.word} (length; entries from @${a.word + 1})`
    : a.type === 'f64' ? `${a.name} @${a.word} (f64 at byte ${a.word * 4})` : `${a.name} @${a.word} (${a.type})`;
  return [
    '| kind | `tensorRun(kind, a, b, c)` inputs | attributes: word in the stage | words |',
    '|---|---|---|--:|',
    ...runKinds().map((k) => `| ${k.id} ${k.name} | ${k.inputs.join(', ')} | ${attrLayout(k).map(attr).join(', ') || '—'} | ${attrWords(k)} |`),
  ].join('\n');
}

// ── assembly/generated/ops.ts ──

function asEnum(name, doc, entries, comment = () => '') {
  const width = widest(entries.map((e) => `${e.name} = ${e.id},`));
  const lines = entries.map((e) => {
    const c = comment(e);
    return c ? `  ${pad(`${e.name} = ${e.id},`, width)} // ${c}` : `  ${e.name} = ${e.id},`;
  });
  return `/** ${doc} */\nexport const enum ${name} {\n${lines.join('\n')}\n}\n`;
}

/** An i8 table indexed by id, -1 where no entry has that id. */
function asTable(entries, size, value) {
  const table = new Array(size).fill(-1);
  for (const e of entries) table[e.id] = value(e);
  const rows = [];
  for (let i = 0; i < size; i += 20) rows.push(`  ${table.slice(i, i + 20).join(', ')},`);
  return `[\n${rows.join('\n')}\n]`;
}

function assemblyFile() {
  const scalar = scalarOps();
  const limit = Math.max(...elementwise().map((op) => op.id)) + 1;
  return `// ${HEADER}
// The ids are the ABI (docs/abi.md). assembly/ops.ts, assembly/tensor/ops.ts,
// assembly/tensor/tape.ts and assembly/errors.ts re-export what their callers use.
//
// Arity comes from tables, never from id ranges, so an op of any arity can be
// appended. The tables are static data: one byte load, no branches on the id.

${asEnum('Op', 'Scalar op ids: the nodes of the scalar tape. Tensors apply the elementwise ones per element.', scalar, (op) => op.summary)}
/** Number of scalar op ids (they are 0 … OP_COUNT-1): what opCount() returns. */
export const OP_COUNT: i32 = ${scalar.length};

${asEnum('TensorBinary', 'Elementwise ops of arity 2 that only tensors have.', tensorOnly(2), (op) => op.summary)}
${asEnum('TensorUnary', 'Elementwise ops of arity 1 that only tensors have.', tensorOnly(1), (op) => op.summary)}
${asEnum('NodeKind', 'Kinds of tensor node: what tensorOp() returns.', NODE_KINDS, (k) => k.summary)}
export const NODE_KIND_COUNT: i32 = ${NODE_KINDS.length};

${asEnum('CompareKind', 'Kinds of a Compare node: out = (x kind y) ? 1 : 0.', COMPARE_KINDS, (k) => `x ${k.symbol} y`)}
export const COMPARE_KIND_COUNT: i32 = ${COMPARE_KINDS.length};

${asEnum('ReduceKind', 'Kinds of a Reduce node.', REDUCE_KINDS, (k) => k.summary)}
export const REDUCE_KIND_COUNT: i32 = ${REDUCE_KINDS.length};

${asEnum('DType', 'Tensor dtypes.', DTYPES, (d) => `${d.ts}, ${d.bytes} bytes`)}
export const DTYPE_COUNT: i32 = ${DTYPES.length};

${asEnum('ErrorCode', 'lastError() codes of the checked exports.', ERRORS, (e) => e.summary)}
export const ERROR_CODE_COUNT: i32 = ${ERRORS.length};

const OP_ARITY = memory.data<i8>(${asTable(scalar, scalar.length, (op) => op.arity)});

/** Node inputs of scalar op \`op\` (Param's slot is not a node input), or -1 if \`op\` is not an op id. */
@inline export function arity(op: i32): i32 {
  return <u32>op < <u32>OP_COUNT ? <i32>load<i8>(OP_ARITY + <usize>op) : -1;
}

const ELEMENTWISE_LIMIT: i32 = ${limit};
const ELEMENTWISE_ARITY = memory.data<i8>(${asTable(elementwise(), limit, (op) => op.arity)});

/** Element inputs of \`op\` on tensors: 1 (Unary nodes), 2 (Binary nodes), or -1 where tensors do not take it. */
@inline export function elementwiseArity(op: i32): i32 {
  return <u32>op < <u32>ELEMENTWISE_LIMIT ? <i32>load<i8>(ELEMENTWISE_ARITY + <usize>op) : -1;
}

const NODE_ARITY = memory.data<i8>(${asTable(NODE_KINDS, NODE_KINDS.length, (k) => k.inputs.length)});

/** Tensor inputs of a node of kind \`kind\`, or -1 if \`kind\` is not a node kind. */
@inline export function nodeArity(kind: i32): i32 {
  return <u32>kind < <u32>NODE_KIND_COUNT ? <i32>load<i8>(NODE_ARITY + <usize>kind) : -1;
}

${assemblyAttrs()}`;
}

// ── src/generated/ops.ts ──

/** A TypeScript `as const` object, one JSDoc line per member. */
function tsObject(name, doc, entries, comment) {
  const lines = entries.map((e) => {
    const c = comment?.(e);
    return `${c ? `  /** ${c} */\n` : ''}  ${e.name}: ${e.id},`;
  });
  return `/** ${doc} */\nexport const ${name} = {\n${lines.join('\n')}\n} as const;\n`;
}

const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const gradDoc = (op) => `${op.forward}. Gradient: ${op.gradient.rule}.`;
const union = (ids) => ids.length ? ids.join(' | ') : 'never';

function typescriptFile() {
  const scalar = scalarOps();
  const ew = elementwise();
  return `// ${HEADER}
// The ids are the ABI (docs/abi.md); assembly/generated/ops.ts has the same
// names for the same ids. src/ops.ts, src/tensor/backend.ts and the twin import
// them from here.

${tsObject('Op', 'Scalar op ids: the nodes of the scalar tape. Tensors apply the elementwise ones per element.', scalar, (op) => op.summary)}
export type OpName = keyof typeof Op;
export type OpId = (typeof Op)[OpName];

export interface OpInfo {
  /** Node inputs: 0 for leaves, 1 for unary ops, 2 for binary ops. */
  readonly arity: 0 | 1 | 2;
  /** The op as it reads in an expression: an infix symbol for binary ops, a function name otherwise. */
  readonly symbol: string;
  /** ∂out/∂input per input, as a formula in x, y (the inputs) and c (a constant exponent). */
  readonly local: readonly string[];
  /** The Value method (and engine function) that records the op, or null for leaves and PowConst. */
  readonly method: ScalarMethodName | null;
}

/** The Value methods that record scalar ops. */
export type ScalarMethodName = ${union(scalar.filter((op) => op.method !== null).map((op) => q(op.method)))};

export const OP_INFO: { readonly [K in OpName]: OpInfo } = {
${scalar.map((op) => `  ${op.name}: { arity: ${op.arity}, symbol: ${q(op.symbol)}, local: [${op.local.map(q).join(', ')}], method: ${op.method === null ? 'null' : q(op.method)} },`).join('\n')}
};

/** Arity by scalar op id, for loops that would otherwise look the name up. */
export const OP_ARITY: Uint8Array = Uint8Array.of(${scalar.map((op) => op.arity).join(', ')});

/** Op names indexed by id. */
export const OP_NAMES: readonly OpName[] = [${scalar.map((op) => q(op.name)).join(', ')}];

/** Number of scalar op ids (they are 0 … OP_COUNT-1): what opCount() returns. */
export const OP_COUNT = ${scalar.length};

${tsObject('TensorBinary', 'Elementwise binary ops that only tensors have (scalar ops use Op ids).', tensorOnly(2), gradDoc)}
${tsObject('TensorUnary', 'Elementwise unary ops that only tensors have.', tensorOnly(1), gradDoc)}
/** The ops \`unary\` takes: scalar ops of arity 1 that tensors take elementwise, and TensorUnary. */
/** Scalar ops by arity: the twin's two rule tables are keyed by these. */
export type ScalarUnaryOpId = ${union(scalar.filter((op) => op.arity === 1).map((op) => op.id))};
export type ScalarBinaryOpId = ${union(scalar.filter((op) => op.arity === 2).map((op) => op.id))};
export type UnaryOpId = ${union(ew.filter((op) => op.arity === 1).map((op) => op.id))};
/** The ops \`binary\` takes: scalar ops of arity 2 that tensors take elementwise, and TensorBinary. */
export type BinaryOpId = ${union(ew.filter((op) => op.arity === 2).map((op) => op.id))};

/** The elementwise ops only tensors have: the twin's tensor rule table is keyed by these. */
export type TensorOnlyOpId = ${union(OPS.filter((op) => op.kind === 'tensor').map((op) => op.id))};

export interface ElementwiseInfo {
  /** Element inputs: 1 for \`unary\`, 2 for \`binary\`. */
  readonly arity: 1 | 2;
  /** The Tensor method that records the op. */
  readonly method: string;
  /** 'float': f32 and f64 only; 'any': int32 too. */
  readonly dtypes: 'float' | 'any';
}

/** The ops tensors take elementwise, by id. */
export const ELEMENTWISE: Readonly<Record<number, ElementwiseInfo>> = {
${ew.map((op) => `  ${op.id}: { arity: ${op.arity}, method: ${q(op.method)}, dtypes: ${q(op.dtypes)} }, // ${op.name}`).join('\n')}
};

${tsObject('NodeKind', 'Kinds of tensor node (what the core\'s tensorOp() returns).', NODE_KINDS, (k) => k.summary)}
export type NodeKindName = keyof typeof NodeKind;
export type NodeKindId = (typeof NodeKind)[NodeKindName];
export const NODE_KIND_COUNT = ${NODE_KINDS.length};

export type AttrType = 'i32' | 'f64' | 'bool' | 'dtype' | 'slot' | 'op' | 'compare' | 'reduce' | 'i32[]' | 'f64[]';

export interface NodeKindInfo {
  /** Input tensors, by name. */
  readonly inputs: readonly string[];
  /** Per input: whether it receives a gradient. */
  readonly grads: readonly boolean[];
  /** What a node of the kind records besides its inputs: what a tensor program replays it from. */
  readonly attrs: readonly { readonly name: string; readonly type: AttrType }[];
}

export const NODE_KIND_INFO: { readonly [K in NodeKindName]: NodeKindInfo } = {
${NODE_KINDS.map((k) => `  ${k.name}: { inputs: [${k.inputs.map(q).join(', ')}], grads: [${k.grads.join(', ')}], attrs: [${k.attrs.map((a) => `{ name: ${q(a.name)}, type: ${q(a.type)} }`).join(', ')}] },`).join('\n')}
};

${tsObject('CompareKind', 'Comparison kinds of `compare`: out = (x op y) ? 1 : 0, no gradient.', COMPARE_KINDS, (k) => `x ${k.symbol} y`)}
export type CompareKindId = (typeof CompareKind)[keyof typeof CompareKind];
export const COMPARE_KIND_COUNT = ${COMPARE_KINDS.length};

${tsObject('ReduceKind', 'Reduction kinds of `reduce`. Max/Min split the gradient evenly among tied maxima (as torch.amax).', REDUCE_KINDS, (k) => k.summary)}
export type ReduceKindId = (typeof ReduceKind)[keyof typeof ReduceKind];
export const REDUCE_KIND_COUNT = ${REDUCE_KINDS.length};

export type DType = ${DTYPES.map((d) => q(d.ts)).join(' | ')};
/** The core's code of each dtype. */
export const DTYPE_CODE = { ${DTYPES.map((d) => `${d.ts}: ${d.id}`).join(', ')} } as const;
/** Dtypes indexed by code. */
export const DTYPE_NAMES: readonly DType[] = [${DTYPES.map((d) => q(d.ts)).join(', ')}];

${tsObject('ErrorCode', 'lastError() codes of the core\'s checked exports.', ERRORS, (e) => e.summary)}
export const ERROR_CODE_COUNT = ${ERRORS.length};

/** What each lastError() code says in an error message. */
export const ERROR_NAMES: Readonly<Record<number, string>> = {
${ERRORS.filter((e) => e.id !== 0).map((e) => `  ${e.id}: ${q(e.message)},`).join('\n')}
};

${typescriptAttrs()}`;
}

// ── include/wasmgrad.h ──

/** C comments stay ASCII. */
const ascii = (s) => s
  .replace(/≠/g, '!=').replace(/≤/g, '<=').replace(/≥/g, '>=').replace(/−/g, '-').replace(/·/g, '*')
  .replace(/√/g, 'sqrt').replace(/π/g, 'pi').replace(/³/g, '^3').replace(/²/g, '^2').replace(/ˣ/g, '^x')
  .replace(/\*\//g, '* /');

function cEnum(tag, doc, entries, prefix, cname, comment, last) {
  const all = entries.map((e) => ({ left: `WASMGRAD_${prefix}${cname(e)} = ${e.id}`, comment: ascii(comment(e)) }));
  if (last) all.push({ left: last.left, comment: last.comment });
  const width = widest(all.map((e) => e.left)) + 1;
  const lines = all.map((e, i) => {
    const left = i < all.length - 1 ? `${e.left},` : e.left;
    return `  ${pad(left, width)} /* ${e.comment} */`;
  });
  return `/** ${doc} */\nenum ${tag} {\n${lines.join('\n')}\n};`;
}

function headerSection() {
  const scalar = scalarOps();
  const arityWord = ['leaf', 'unary', 'binary'];
  return [
    cEnum('wasmgrad_op', 'Op ids (append-only), each with its arity: the node inputs it takes.', scalar, 'OP_', (op) => snake(op.name),
      (op) => `${arityWord[op.arity]}: ${op.summary}`,
      { left: `WASMGRAD_OP_COUNT = ${scalar.length}`, comment: 'the ops this header declares: opCount() of a module built with it (ids are append-only, so a newer module may have more)' }),
    cEnum('wasmgrad_error', 'lastError() codes. A failed checked export returns -1 (NaN for the f64 readers) and records one.', ERRORS, '',
      (e) => e.c, (e) => e.summary),
    cEnum('wasmgrad_dtype', 'Tensor dtypes.', DTYPES, 'DTYPE_', (d) => d.name, (d) => `${d.ts}, ${d.bytes} bytes`),
    cEnum('wasmgrad_tensor_op', 'Elementwise ops only tensors have (the scalar op ids above work on tensors too).',
      OPS.filter((op) => op.kind === 'tensor'), 'TOP_', (op) => snake(op.name), (op) => `${arityWord[op.arity]}: ${op.summary}`),
    cEnum('wasmgrad_node_kind', 'Tensor node kinds: what wasmgrad_tensorOp() returns.', NODE_KINDS, 'NODE_', (k) => snake(k.name),
      (k) => `${k.inputs.length ? k.inputs.join(', ') : 'no inputs'}: ${k.summary}`),
    cEnum('wasmgrad_compare', 'Kinds of a Compare node: 1 where (x kind y), else 0.', COMPARE_KINDS, 'CMP_', (k) => snake(k.name),
      (k) => `x ${k.symbol} y`),
    cEnum('wasmgrad_reduce', 'Kinds of a Reduce node.', REDUCE_KINDS, 'REDUCE_', (k) => snake(k.name), (k) => k.summary),
  ].join('\n\n');
}

// ── docs/abi.md ──

const md = (s) => s.replace(/\|/g, '\\|');
const dtypeWords = { float: 'f32, f64', any: 'f32, f64, int32' };

function opsSection() {
  const rows = scalarOps().map((op) => {
    const tensors = op.method === null ? '—' : `\`${op.method}\` (${dtypeWords[op.dtypes]})`;
    return `| ${op.id} | ${op.name} | ${op.arity} | ${md(op.forward)} | ${md(op.gradient.rule)} | ${tensors} |`;
  });
  return [
    '| id | name | arity | forward | gradient rule | on tensors |',
    '|---:|---|:-:|---|---|---|',
    ...rows,
  ].join('\n');
}

function errorsSection() {
  return [
    '| code | name | meaning |',
    '|---:|---|---|',
    ...ERRORS.filter((e) => e.id !== 0).map((e) => `| \`${e.id}\` | ${e.name} | ${md(e.summary)} |`),
  ].join('\n');
}

function tensorKindsSection() {
  const attr = (a) => `${a.name}: ${a.type}`;
  const inputs = (k) => k.inputs.length === 0 ? '—' : k.inputs.map((name, i) => (k.grads[i] ? name : `${name} (no gradient)`)).join(', ');
  return [
    'Node kinds (`tensorOp`), the inputs each takes and the attributes it records:',
    '',
    '| id | kind | inputs | attributes | |',
    '|---:|---|---|---|---|',
    ...NODE_KINDS.map((k) => `| ${k.id} | ${k.name} | ${inputs(k)} | ${k.attrs.map(attr).join(', ') || '—'} | ${md(k.summary)} |`),
    '',
    'Elementwise nodes (Unary, Binary) take the scalar ops marked "on tensors" in [Ops](#ops), and these:',
    '',
    '| id | name | arity | dtypes | forward | gradient rule |',
    '|---:|---|:-:|---|---|---|',
    ...OPS.filter((op) => op.kind === 'tensor').map((op) =>
      `| ${op.id} | ${op.name} | ${op.arity} | ${dtypeWords[op.dtypes]} | ${md(op.forward)} | ${md(op.gradient.rule)} |`),
    '',
    `Compare kinds: ${COMPARE_KINDS.map((k) => `\`${k.id}\` ${k.name} (${md(k.symbol)})`).join(', ')}. ` +
      `Reduce kinds: ${REDUCE_KINDS.map((k) => `\`${k.id}\` ${k.name}`).join(', ')}. ` +
      `Dtypes: ${DTYPES.map((d) => `\`${d.id}\` ${d.ts}`).join(', ')}.`,
  ].join('\n');
}

// ── src/generated/methods.ts ──

const methodDoc = (op) => `  /** ${op.doc ?? `${op.forward}. Gradient: ${op.gradient.rule}`}. */`;
const generatedMethods = (kinds) => OPS.filter((op) => op.method !== null && op.variant === undefined && kinds.includes(op.kind));
const idOf = (op) => `${op.kind === 'scalar' ? 'Op' : op.arity === 1 ? 'TensorUnary' : 'TensorBinary'}.${op.name}`;

function methodsFile() {
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

// ── docs/ops.md ──

function opsReferenceSection() {
  const inputs = (op) => op.arity === 1 ? 'x' : 'x, y';
  const api = (op) => {
    if (op.method === null) return '—';
    const call = op.arity === 1 ? `.${op.method}()` : `.${op.method}(${op.param ?? 'other'})`;
    const where = op.kind === 'scalar' ? `Value, Tensor, \`eng.${op.method}(${inputs(op)})\`` : 'Tensor';
    return `\`${call}\` (${where})`;
  };
  return [
    '| op | method | dtypes | forward | ∂out/∂input |',
    '|---|---|---|---|---|',
    ...OPS.filter((op) => op.method !== null).map((op) =>
      `| [${op.name}](#${op.name.toLowerCase()}) | ${md(api(op))} | ${dtypeWords[op.dtypes]} | ${md(op.forward)} | ${md(op.local.map((f) => `\`${f}\``).join(', '))} |`),
  ].join('\n');
}

// ── src/generated/exports.ts ──

/**
 * The module's exports as the compiler declares them: asc's `--bindings raw`
 * (the release target in asconfig.json) writes build/wasmgrad.d.ts, with each
 * export's AssemblyScript parameter and result types in its doc comment. This
 * turns it into one interface the wrapper types its instance with, so that a
 * signature changed in assembly/ reaches TypeScript without a hand-kept copy.
 */
function exportsFile(dts) {
  const members = [];
  for (const [, doc, name, params, result] of dts.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export function (\w+)\(([^)]*)\): (\w+);/g)) {
    const source = /^\s*\*\s*(assembly\/[\w/]+)\/\w+\s*$/m.exec(doc)?.[1] ?? '';
    const types = [...doc.matchAll(/@param (\w+) `(\w+)`/g)].map(([, p, t]) => `${p}: ${t}`);
    const returns = /@returns `(\w+)`/.exec(doc)?.[1] ?? 'void';
    members.push(`  /** ${source}.ts: (${types.join(', ')}) → ${returns} */\n  ${name}(${params}): ${result};`);
  }
  if (members.length === 0) throw new Error('build/wasmgrad.d.ts declares no exports: is it the output of asc --bindings raw?');
  return `// Generated by \`npm run gen\` from build/wasmgrad.d.ts, the signatures asc --bindings raw
// writes for the release build: edit the exports in assembly/, not this file.
// Pointers (usize) arrive as signed i32: read them with \`>>> 0\`.

/** Every export of the core module. */
export interface ModuleExports {
  readonly memory: WebAssembly.Memory;
${members.join('\n')}
}
`;
}

// ── src/generated/rules.ts ──
//
// The rules of registry/ops.mjs (gradient.differentiable, gradient.jvp) are
// strings in a method-chain language; parsed here, checked against the
// methods Value and Tensor share, and written out as TypeScript generic over
// any type with those methods.

/** The detached helpers rules may call, with their number of arguments. */
const RULE_HELPERS = { gt: 2, ge: 2, lt: 2, eq: 2, sign: 1, where: 3 };

/** The methods rules may call, with their number of arguments: the scalar ops' methods, which Value and Tensor both have. */
const ruleMethods = () => new Map(generatedMethods(['scalar']).map((op) => [op.method, op.arity - 1]));

/** Ops that take inputs: each has a vjp and a jvp rule. */
const ruleOps = () => OPS.filter((op) => op.arity > 0);

/** A rule's syntax tree: { num }, { name }, { helper, args } or { recv, method, args }. */
function parseRule(text) {
  const tokens = text.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|[A-Za-z_]\w*|[().,]|\S/g) ?? [];
  let i = 0;
  const fail = (msg) => { throw new Error(`${msg} in \`${text}\``); };
  const take = (t) => { if (tokens[i] !== t) fail(`expected '${t}' at token ${i + 1} (${tokens[i] ?? 'the end'})`); i++; };
  const args = () => {
    take('(');
    const list = [];
    while (tokens[i] !== ')') {
      if (tokens[i] === undefined) fail("expected ')' before the end");
      if (list.length > 0) take(',');
      list.push(expr());
    }
    take(')');
    return list;
  };
  const expr = () => {
    const t = tokens[i++];
    let node;
    if (t === undefined) fail('unexpected end');
    if (/^-?\d/.test(t)) node = { num: Number(t) };
    else if (/^[A-Za-z_]/.test(t)) node = tokens[i] === '(' ? { helper: t, args: args() } : { name: t };
    else fail(`unexpected '${t}'`);
    while (tokens[i] === '.') {
      i++;
      const method = tokens[i++];
      if (!/^[A-Za-z_]\w*$/.test(method ?? '')) fail('expected a method name after "."');
      node = { recv: node, method, args: args() };
    }
    return node;
  };
  const tree = expr();
  if (i !== tokens.length) fail(`unexpected '${tokens[i]}' after the expression`);
  return tree;
}

/**
 * Checks a rule of `op` (kind 'vjp' or 'jvp') and returns it as TypeScript.
 * Throws, naming the op, when it reads a name the rule does not have, calls a
 * method Value and Tensor do not share or a helper that does not exist, gives
 * one the wrong number of arguments, or calls a method on a number.
 */
function compileRule(op, kind, text) {
  const methods = ruleMethods();
  const names = kind === 'vjp' ? ['g', 'x', 'out'] : ['dx', 'x', 'out'];
  if (op.arity === 2) names.push(...(kind === 'vjp' ? ['y'] : ['y', 'dy']));
  const fail = (msg) => { throw new Error(`registry/ops.mjs: ${op.name}'s ${kind} rule \`${text}\`: ${msg}`); };
  let tree;
  try { tree = parseRule(text); } catch (e) { fail(e.message); }
  const optional = new Set(['y', 'dy']); // typed D | undefined, present whenever the op has two inputs
  // Returns [TypeScript, whether it is a number].
  const emit = (node) => {
    if ('num' in node) {
      if (!Number.isFinite(node.num)) fail(`${node.num} is not a finite number`);
      return [String(node.num), true];
    }
    if ('name' in node) {
      if (!names.includes(node.name)) fail(`unknown name ${node.name} (a ${kind} rule of an op of arity ${op.arity} reads ${names.join(', ')})`);
      return [optional.has(node.name) ? `${node.name}!` : node.name, false];
    }
    const parts = node.args.map(emit);
    if ('helper' in node) {
      const n = RULE_HELPERS[node.helper];
      if (n === undefined) fail(`unknown function ${node.helper} (the helpers are ${Object.keys(RULE_HELPERS).join(', ')})`);
      if (parts.length !== n) fail(`${node.helper} takes ${n} arguments, got ${parts.length}`);
      if (parts[0][1]) fail(`the first argument of ${node.helper} must not be a number`);
      return [`k.${node.helper}(${parts.map((p) => p[0]).join(', ')})`, false];
    }
    const [recv, isNumber] = emit(node.recv);
    if (isNumber) fail(`a number cannot be the receiver of .${node.method}() (write x.add(1), not 1.add(x))`);
    const n = methods.get(node.method);
    if (n === undefined) fail(`unknown method ${node.method} (Value and Tensor share ${[...methods.keys()].join(', ')})`);
    if (parts.length !== n) fail(`.${node.method}() takes ${n} argument${n === 1 ? '' : 's'}, got ${parts.length}`);
    return [`${recv}.${node.method}(${parts.map((p) => p[0]).join(', ')})`, false];
  };
  const [ts, isNumber] = emit(tree);
  if (isNumber) fail('a rule must give a differentiable value, not a number');
  return ts;
}

/** Every op with inputs has a vjp per input (null exactly where it gets no gradient) and a jvp; leaves have neither. */
function checkRules() {
  for (const op of OPS) {
    const { differentiable, jvp, inputs } = op.gradient;
    if (op.arity === 0) {
      if (differentiable !== null || jvp !== null) throw new Error(`registry/ops.mjs: ${op.name} has no inputs, so no rules (null)`);
      continue;
    }
    if (!Array.isArray(differentiable) || differentiable.length !== op.arity) {
      throw new Error(`registry/ops.mjs: ${op.name}: gradient.differentiable needs one rule per input`);
    }
    differentiable.forEach((rule, k) => {
      if ((rule === null) === inputs[k]) throw new Error(`registry/ops.mjs: ${op.name}: input ${k}'s vjp rule is null exactly when it gets no gradient`);
      if (rule !== null) compileRule(op, 'vjp', rule);
    });
    if (typeof jvp !== 'string') throw new Error(`registry/ops.mjs: ${op.name}: gradient.jvp needs a rule`);
    compileRule(op, 'jvp', jvp);
  }
}

function rulesFile() {
  const methods = generatedMethods(['scalar']);
  const members = methods.map((op) => op.arity === 1 ? `  ${op.method}(): D;` : `  ${op.method}(other: D | number): D;`);
  const entries = ruleOps().map((op) => {
    const vjp = op.gradient.differentiable.map((r) => r === null ? 'null' : compileRule(op, 'vjp', r));
    return `  // ${op.gradient.rule}
  ${op.name}: {
    vjp: (g, x, y, out, k) => [${vjp.join(', ')}],
    jvp: (dx, dy, x, y, out, k) => ${compileRule(op, 'jvp', op.gradient.jvp)},
  },`;
  });
  return `// ${HEADER}
// Each op's vector-Jacobian product and forward-mode rule, written with
// differentiable ops (registry/ops.mjs, gradient.differentiable and
// gradient.jvp), once for Value and Tensor alike: what backward({ createGraph })
// records and what forward mode (eng.jvp) evaluates. The fused kernels of
// assembly/ops.ts stay the first-order path; test/create-graph.test.ts checks
// them against these rules op by op.

/** What a rule computes with: the scalar ops' methods, which Value and Tensor both have. */
export interface Differentiable<D> {
${members.join('\n')}
}

/** The detached masks of the non-smooth ops' rules, supplied for each kind of D. */
export interface RuleHelpers<D> {
  /** 1 where a > b, else 0 (NaN compares false); no gradient. */
  gt(a: D, b: D | number): D;
  /** 1 where a ≥ b, else 0. */
  ge(a: D, b: D | number): D;
  /** 1 where a < b, else 0. */
  lt(a: D, b: D | number): D;
  /** 1 where a = b, else 0. */
  eq(a: D, b: D | number): D;
  /** 1, −1 or 0 by the sign of a (NaN for NaN); no gradient. */
  sign(a: D): D;
  /** mask ≠ 0 ? a : b; the gradient goes to the branch taken, none to the mask. */
  where(mask: D, a: D | number, b: D | number): D;
}

export interface Rule {
  /** Per input, g·∂out/∂input (null where the input gets no gradient). y is undefined for ops of one input. */
  vjp<D extends Differentiable<D>>(g: D, x: D, y: D | undefined, out: D, k: RuleHelpers<D>): readonly (D | null)[];
  /** The output's tangent from the inputs' tangents dx, dy (dy and y undefined for ops of one input). */
  jvp<D extends Differentiable<D>>(dx: D, dy: D | undefined, x: D, y: D | undefined, out: D, k: RuleHelpers<D>): D;
}

/** The ops with inputs: each has a rule. */
export type RuleOpName = ${ruleOps().map((op) => q(op.name)).join(' | ')};

export const RULES: { readonly [K in RuleOpName]: Rule } = {
${entries.join('\n')}
};

/** Op ids (scalar and tensor-only) to rules. */
export const RULE_BY_ID: ReadonlyMap<number, Rule> = new Map([
${ruleOps().map((op) => `  [${op.id}, RULES.${op.name}],`).join('\n')}
]);
`;
}

/** The rule table of docs/transforms.md. */
function rulesSection() {
  return [
    '| op | vjp (per input) | jvp |',
    '|---|---|---|',
    ...ruleOps().map((op) => `| ${op.name} | ${op.gradient.differentiable.map((r) => r === null ? '—' : `\`${md(r)}\``).join('<br>')} | \`${md(op.gradient.jvp)}\` |`),
  ].join('\n');
}

/** The TypeScript of one rule of an op, after the checks npm run gen makes (for tests of the checks). */
export function compileRuleFor(name, kind, text) {
  const op = OPS.find((o) => o.name === name);
  if (op === undefined) throw new Error(`no op ${name}`);
  return compileRule(op, kind, text);
}

// ── splicing ──

function splice(path, text, name, body, open, close) {
  const begin = `${open}BEGIN GENERATED: ${name} (registry/ops.mjs, npm run gen)${close}`;
  const end = `${open}END GENERATED: ${name}${close}`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${path}: missing the markers\n${begin}\n${end}`);
  return `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
}

const readOrNull = (path) => { try { return readFileSync(join(ROOT, path), 'utf8'); } catch { return null; } };

/**
 * Every generated file as it should be. `read(path)` returns a file's current
 * text (paths relative to the repository), for the files only partly generated.
 */
export function generate(read = (path) => readOrNull(path) ?? '') {
  check();
  checkRules();
  let header = read('include/wasmgrad.h');
  header = splice('include/wasmgrad.h', header, 'enums', headerSection(), '/* ', ' */');
  header = splice('include/wasmgrad.h', header, 'attrs', headerAttrs(), '/* ', ' */');
  let abi = read('docs/abi.md');
  abi = splice('docs/abi.md', abi, 'ops', opsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'errors', errorsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'tensor kinds', tensorKindsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'tensor attrs', attrsSection(), '<!-- ', ' -->');
  const reference = splice('docs/ops.md', read('docs/ops.md'), 'ops', opsReferenceSection(), '<!-- ', ' -->');
  const transforms = splice('docs/transforms.md', read('docs/transforms.md'), 'rules', rulesSection(), '<!-- ', ' -->');
  // Only once the module is built: a fresh clone keeps the checked-in file until then.
  const dts = read('build/wasmgrad.d.ts');
  const compiled = dts ? [{ path: 'src/generated/exports.ts', content: exportsFile(dts) }] : [];
  return [
    ...compiled,
    { path: 'src/generated/methods.ts', content: methodsFile() },
    { path: 'src/generated/rules.ts', content: rulesFile() },
    { path: 'docs/ops.md', content: reference },
    { path: 'docs/transforms.md', content: transforms },
    { path: 'assembly/generated/ops.ts', content: assemblyFile() },
    { path: 'src/generated/ops.ts', content: typescriptFile() },
    { path: 'include/wasmgrad.h', content: header },
    { path: 'docs/abi.md', content: abi },
  ];
}

/** The generated files whose text (as `read` gives it, null if missing) is not what generate() makes now. */
export function staleFiles(read = readOrNull) {
  return generate((path) => read(path) ?? '').filter((f) => read(f.path) !== f.content);
}

/**
 * Ops with a method but no hand-written note in docs/ops.md (a `### Name`
 * heading): the generated table says what an op computes, the note what a user
 * should know about it.
 */
export function opsWithoutNotes(doc) {
  const headings = new Set([...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1]));
  return OPS.filter((op) => op.method !== null && !headings.has(op.name)).map((op) => op.name);
}

function main() {
  const checkOnly = process.argv.includes('--check');
  const stale = staleFiles();
  if (checkOnly) {
    for (const f of stale) console.error(`stale: ${f.path} (run npm run gen)`);
    process.exit(stale.length ? 1 : 0);
  }
  for (const f of stale) {
    mkdirSync(dirname(join(ROOT, f.path)), { recursive: true });
    writeFileSync(join(ROOT, f.path), f.content);
    console.log(`wrote ${f.path}`);
  }
  if (stale.length === 0) console.log('generated files are up to date');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
