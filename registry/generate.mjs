// `npm run gen`: writes every file that lists the ops from registry/ops.mjs.
//
//   node registry/generate.mjs           write the files that changed
//   node registry/generate.mjs --check   exit 1 if any is stale (what test/registry.test.ts checks)
//
// Two files are generated whole (assembly/generated/ops.ts, src/generated/ops.ts);
// in include/wasmgrad.h and docs/abi.md only the text between BEGIN GENERATED
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
  for (const k of NODE_KINDS) if (k.grads.length !== k.inputs.length) fail(`node kind ${k.name}: grads needs one entry per input`);
}

// ── naming ──

const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const pad = (s, n) => s + ' '.repeat(Math.max(0, n - s.length));
const widest = (strings) => Math.max(...strings.map((s) => s.length));

/** Elementwise ops by arity on tensors: what tensorUnary (1) and tensorBinary (2) accept. */
const elementwise = () => OPS.filter((op) => op.method !== null);
const tensorOnly = (arity) => OPS.filter((op) => op.kind === 'tensor' && op.arity === arity);
const scalarOps = () => OPS.filter((op) => op.kind === 'scalar');

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

${asEnum('CompareKind', 'Kinds of tensorCompare: out = (x kind y) ? 1 : 0.', COMPARE_KINDS, (k) => `x ${k.symbol} y`)}
export const COMPARE_KIND_COUNT: i32 = ${COMPARE_KINDS.length};

${asEnum('ReduceKind', 'Kinds of tensorReduce.', REDUCE_KINDS, (k) => k.summary)}
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

/** Element inputs of \`op\` on tensors: 1 (tensorUnary), 2 (tensorBinary), or -1 where tensors do not take it. */
@inline export function elementwiseArity(op: i32): i32 {
  return <u32>op < <u32>ELEMENTWISE_LIMIT ? <i32>load<i8>(ELEMENTWISE_ARITY + <usize>op) : -1;
}

const NODE_ARITY = memory.data<i8>(${asTable(NODE_KINDS, NODE_KINDS.length, (k) => k.inputs.length)});

/** Tensor inputs of a node of kind \`kind\`, or -1 if \`kind\` is not a node kind. */
@inline export function nodeArity(kind: i32): i32 {
  return <u32>kind < <u32>NODE_KIND_COUNT ? <i32>load<i8>(NODE_ARITY + <usize>kind) : -1;
}
`;
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
}

export const OP_INFO: { readonly [K in OpName]: OpInfo } = {
${scalar.map((op) => `  ${op.name}: { arity: ${op.arity}, symbol: ${q(op.symbol)} },`).join('\n')}
};

/** Op names indexed by id. */
export const OP_NAMES: readonly OpName[] = [${scalar.map((op) => q(op.name)).join(', ')}];

/** Number of scalar op ids (they are 0 … OP_COUNT-1): what opCount() returns. */
export const OP_COUNT = ${scalar.length};

${tsObject('TensorBinary', 'Elementwise binary ops that only tensors have (scalar ops use Op ids).', tensorOnly(2), gradDoc)}
${tsObject('TensorUnary', 'Elementwise unary ops that only tensors have.', tensorOnly(1), gradDoc)}
/** The ops \`unary\` takes: scalar ops of arity 1 that tensors take elementwise, and TensorUnary. */
export type UnaryOpId = ${union(ew.filter((op) => op.arity === 1).map((op) => op.id))};
/** The ops \`binary\` takes: scalar ops of arity 2 that tensors take elementwise, and TensorBinary. */
export type BinaryOpId = ${union(ew.filter((op) => op.arity === 2).map((op) => op.id))};

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
`;
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
      { left: `WASMGRAD_OP_COUNT_V1 = ${scalar.length}`, comment: 'opCount() of version 1; later versions may add ops' }),
    cEnum('wasmgrad_error', 'lastError() codes. A failed checked export returns -1 (NaN for the f64 readers) and records one.', ERRORS, '',
      (e) => e.c, (e) => e.summary),
    cEnum('wasmgrad_dtype', 'Tensor dtypes.', DTYPES, 'DTYPE_', (d) => d.name, (d) => `${d.ts}, ${d.bytes} bytes`),
    cEnum('wasmgrad_tensor_op', 'Elementwise ops only tensors have (the scalar op ids above work on tensors too).',
      OPS.filter((op) => op.kind === 'tensor'), 'TOP_', (op) => snake(op.name), (op) => `${arityWord[op.arity]}: ${op.summary}`),
    cEnum('wasmgrad_node_kind', 'Tensor node kinds: what wasmgrad_tensorOp() returns.', NODE_KINDS, 'NODE_', (k) => snake(k.name),
      (k) => `${k.inputs.length ? k.inputs.join(', ') : 'no inputs'}: ${k.summary}`),
    cEnum('wasmgrad_compare', 'Kinds of wasmgrad_tensorCompare(): 1 where (x kind y), else 0.', COMPARE_KINDS, 'CMP_', (k) => snake(k.name),
      (k) => `x ${k.symbol} y`),
    cEnum('wasmgrad_reduce', 'Kinds of wasmgrad_tensorReduce().', REDUCE_KINDS, 'REDUCE_', (k) => snake(k.name), (k) => k.summary),
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

// ── splicing ──

function splice(path, text, name, body, open, close) {
  const begin = `${open}BEGIN GENERATED: ${name} (registry/ops.mjs, npm run gen)${close}`;
  const end = `${open}END GENERATED: ${name}${close}`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${path}: missing the markers\n${begin}\n${end}`);
  return `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
}

/**
 * Every generated file as it should be. `read(path)` returns a file's current
 * text (paths relative to the repository), for the files only partly generated.
 */
export function generate(read = (path) => readFileSync(join(ROOT, path), 'utf8')) {
  check();
  let header = read('include/wasmgrad.h');
  header = splice('include/wasmgrad.h', header, 'enums', headerSection(), '/* ', ' */');
  let abi = read('docs/abi.md');
  abi = splice('docs/abi.md', abi, 'ops', opsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'errors', errorsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'tensor kinds', tensorKindsSection(), '<!-- ', ' -->');
  return [
    { path: 'assembly/generated/ops.ts', content: assemblyFile() },
    { path: 'src/generated/ops.ts', content: typescriptFile() },
    { path: 'include/wasmgrad.h', content: header },
    { path: 'docs/abi.md', content: abi },
  ];
}

function main() {
  const checkOnly = process.argv.includes('--check');
  const current = (path) => { try { return readFileSync(join(ROOT, path), 'utf8'); } catch { return null; } };
  const stale = generate().filter((f) => current(f.path) !== f.content);
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
